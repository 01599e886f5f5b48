// The executor node of an inlined vecdb.search (search_inline.cpp): of the
// two branches of the inlined statement (one query vector through the
// index plan, anything else through the function), it initializes and runs
// only the one whose one-time filter holds, so a call pays for one plan.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "nodes/plannodes.h"
}

// Replaces in a finished plan each Append of an inlined vecdb.search by the
// gate node (other Appends stay).
void vecdb_search_gate_plan(PlannedStmt* stmt);

// Registers the node (from _PG_init, through vecdb_search_inline_init).
void vecdb_search_gate_init();
