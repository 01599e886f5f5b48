// flat's reloptions: it takes none, and its own reloption kind makes any
// given an error at CREATE INDEX.
#include "am/flat/flat.h"
#include "am/common/options.h"

relopt_kind flat_relopt_kind;

// Registers flat's reloption kind (from _PG_init, through vecdb_flat_am).
void flat_init(void) {
    flat_relopt_kind = add_reloption_kind();
}

// amoptions: validates that no option was given.
bytea* flat_options(Datum reloptions, bool validate) {
    return vecdb_no_options(reloptions, validate, flat_relopt_kind);
}
