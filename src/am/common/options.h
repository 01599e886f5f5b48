// Search GUCs shared by every vecdb index AM, and option helpers. An AM's
// own reloption kind, options and GUCs are registered by its descriptor's
// init (am_descriptor.h), not here.
#pragma once

#include "pg/pg.h"

// vecdb.scan_threads: threads one index scan may use to compute distances.
extern int vecdb_scan_threads;

// vecdb.iterative_scan: whether an approximate scan whose results a WHERE
// clause rejects keeps searching, and whether it must keep strict order.
typedef enum VecdbIterativeScan {
    VECDB_ITERATIVE_SCAN_OFF = 0,
    VECDB_ITERATIVE_SCAN_RELAXED_ORDER = 1,
    VECDB_ITERATIVE_SCAN_STRICT_ORDER = 2,
} VecdbIterativeScan;
extern int vecdb_iterative_scan;

// vecdb.max_scan_tuples: most index entries an iterative scan visits
// before it stops looking for rows that pass the WHERE clause.
extern int vecdb_max_scan_tuples;

// Registers the shared search GUCs (once, from _PG_init).
void vecdb_register_common_gucs(void);

// amoptions for an AM without options: validates that none were given.
bytea* vecdb_no_options(Datum reloptions, bool validate, relopt_kind kind);
