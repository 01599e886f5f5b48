// Library entry point: the module magic and _PG_init (GUCs, reloption kinds).
#include "pg/pg.h"
#include "am/common/options.h"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

void _PG_init(void) {
    vecdb_register_am_options();
}
