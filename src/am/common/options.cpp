// Registration of reloptions and GUCs shared by the vecdb index AMs.
#include "am/common/options.h"

relopt_kind vecdb_flat_relopt_kind;
int vecdb_scan_threads = 2;

void vecdb_register_am_options(void) {
    // flat takes no options; its own kind makes unknown ones an error
    vecdb_flat_relopt_kind = add_reloption_kind();

    DefineCustomIntVariable("vecdb.scan_threads",
                            "Threads one vecdb index scan uses to compute distances.",
                            "Counts the backend's own thread; 1 keeps all work on it. Helper "
                            "threads only compute distances and are capped by the number of CPUs.",
                            &vecdb_scan_threads, 2, 1, 64, PGC_USERSET, 0, NULL, NULL, NULL);
}

bytea* vecdb_no_options(Datum reloptions, bool validate, relopt_kind kind) {
    return (bytea*)build_reloptions(reloptions, validate, kind, sizeof(int32), NULL, 0);
}
