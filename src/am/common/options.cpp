// The search GUCs every vecdb index AM shares.
#include "am/common/options.h"

#include <climits>

int vecdb_scan_threads = 2;
int vecdb_iterative_scan = VECDB_ITERATIVE_SCAN_RELAXED_ORDER;
int vecdb_max_scan_tuples = 20000;

static const struct config_enum_entry iterative_scan_values[] = {
    {"off", VECDB_ITERATIVE_SCAN_OFF, false},
    {"relaxed_order", VECDB_ITERATIVE_SCAN_RELAXED_ORDER, false},
    {"strict_order", VECDB_ITERATIVE_SCAN_STRICT_ORDER, false},
    {NULL, 0, false},
};

void vecdb_register_common_gucs(void) {
    DefineCustomIntVariable("vecdb.scan_threads",
                            "Threads one vecdb index scan uses to compute distances.",
                            "Counts the backend's own thread; 1 keeps all work on it. Helper "
                            "threads only compute distances and are capped by the number of CPUs.",
                            &vecdb_scan_threads, 2, 1, 64, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomEnumVariable("vecdb.iterative_scan",
                             "Whether an approximate vecdb index scan keeps searching when a WHERE "
                             "clause rejects its results.",
                             "off returns only the first round of candidates; relaxed_order keeps "
                             "searching and may return rows slightly out of distance order; "
                             "strict_order keeps searching and returns rows in distance order. "
                             "Exact indexes (flat) always behave as strict_order.",
                             &vecdb_iterative_scan, VECDB_ITERATIVE_SCAN_RELAXED_ORDER, iterative_scan_values,
                             PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("vecdb.max_scan_tuples",
                            "Most index entries an iterative vecdb index scan visits.",
                            "Bounds the work of a filtered search whose WHERE clause rejects most "
                            "rows; the scan ends when it is reached. Exact indexes (flat) ignore it.",
                            &vecdb_max_scan_tuples, 20000, 1, INT_MAX, PGC_USERSET, 0, NULL, NULL, NULL);
}

bytea* vecdb_no_options(Datum reloptions, bool validate, relopt_kind kind) {
    return (bytea*)build_reloptions(reloptions, validate, kind, sizeof(int32), NULL, 0);
}
