// Registration of reloptions and GUCs shared by the vecdb index AMs.
#include "am/common/options.h"
#include "core/parallel/scoring_pool.h"

extern "C" {
#include "access/xact.h"
}

relopt_kind vecdb_flat_relopt_kind;
int vecdb_scan_threads = 2;

// An ERROR in the middle of a scan leaves its scoring session open; end it
// so the helper threads stop polling.
static void end_scoring_on_abort(XactEvent event, void* arg) {
    if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) vecdb::core::scoring_end();
}

// The same for an ERROR caught by a savepoint or an exception block.
static void end_scoring_on_subabort(SubXactEvent event, SubTransactionId mine, SubTransactionId parent,
                                    void* arg) {
    if (event == SUBXACT_EVENT_ABORT_SUB) vecdb::core::scoring_end();
}

void vecdb_register_am_options(void) {
    // flat takes no options; its own kind makes unknown ones an error
    vecdb_flat_relopt_kind = add_reloption_kind();

    DefineCustomIntVariable("vecdb.scan_threads",
                            "Threads one vecdb index scan uses to compute distances.",
                            "Counts the backend's own thread; 1 keeps all work on it. Helper "
                            "threads only compute distances and are capped by the number of CPUs.",
                            &vecdb_scan_threads, 2, 1, 64, PGC_USERSET, 0, NULL, NULL, NULL);
    RegisterXactCallback(end_scoring_on_abort, NULL);
    RegisterSubXactCallback(end_scoring_on_subabort, NULL);
}

bytea* vecdb_no_options(Datum reloptions, bool validate, relopt_kind kind) {
    return (bytea*)build_reloptions(reloptions, validate, kind, sizeof(int32), NULL, 0);
}
