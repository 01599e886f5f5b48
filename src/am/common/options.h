// Reloption kinds and GUCs of the vecdb index AMs, registered in _PG_init.
#pragma once

#include "pg/pg.h"

extern relopt_kind vecdb_flat_relopt_kind;

// vecdb.scan_threads: threads one index scan may use to compute distances.
extern int vecdb_scan_threads;

// Registers every AM's reloption kind and options, and the search GUCs.
void vecdb_register_am_options(void);

// amoptions for an AM without options: validates that none were given.
bytea* vecdb_no_options(Datum reloptions, bool validate, relopt_kind kind);
