// Registration of reloptions and GUCs shared by the vecdb index AMs.
#include "am/common/options.h"

relopt_kind vecdb_flat_relopt_kind;

void vecdb_register_am_options(void) {
    // flat takes no options; its own kind makes unknown ones an error
    vecdb_flat_relopt_kind = add_reloption_kind();
}

bytea* vecdb_no_options(Datum reloptions, bool validate, relopt_kind kind) {
    return (bytea*)build_reloptions(reloptions, validate, kind, sizeof(int32), NULL, 0);
}
