// Library entry point: the module magic and _PG_init, which registers the
// shared search GUCs, then every index AM's reloptions and GUCs through its
// descriptor (am/common/am_list.h), the planner hooks (scan distances,
// inlined vecdb.search) and the purge worker of collection ttl.
#include "pg/pg.h"
#include "am/common/am_descriptor.h"
#include "am/common/options.h"
#include "am/common/scan_distance.h"
#include "am/common/scan_stats.h"
#include "collection/search_inline.h"
#include "collection/ttl_worker.h"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

void _PG_init(void) {
    vecdb_register_common_gucs();
    vecdb_scan_stats_init();
    vecdb_scan_distance_init();
    vecdb_search_inline_init();
    vecdb_ttl_worker_init();
    for (const VecdbAmDescriptor* const* am = vecdb_am_descriptors; *am != NULL; am++) (*am)->init();
}
