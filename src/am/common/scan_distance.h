// The ORDER BY distance an index scan already computed, handed to the
// query's target list instead of computing it again.
//
// `SELECT id FROM t ORDER BY embedding <-> $1 LIMIT 10` evaluates the
// distance once more for every row the index scan returns (the ORDER BY
// expression is a resjunk column of the scan's target list), and for a
// vector too large for its row that means fetching it from TOAST: a btree
// lookup and heap fetches per row, ~14 % of an hnsw query on
// Fashion-MNIST. A planner hook replaces that target-list expression of an
// index scan of an AM whose descriptor sets hands_over_distances (hnsw,
// flat, ivf) by vecdb_scan_distance(column, query, ctid, index,
// function), which returns the distance the scan emitted for that row when
// the row (ctid), the index and the query match what the scan emitted
// last, and calls the original distance function otherwise (a HOT chain
// member, another scan in between): never a different value than the
// operator would compute, only ones the index computed bit for bit the same
// way (vecdb_scan_distance_remember's callers promise that).
#pragma once

#include "pg/pg.h"

// Installs the planner hook (from _PG_init).
void vecdb_scan_distance_init(void);

// Remembers that `scan` just returned heap row tid at `distance`, exactly
// what the ORDER BY operator computes for that row and the scan's query.
void vecdb_scan_distance_remember(IndexScanDesc scan, ItemPointer tid, double distance, const struct varlena* query);

// Forgets what `scan` remembered (rescan, end of scan: its query goes away;
// a row it does not remember).
void vecdb_scan_distance_forget(IndexScanDesc scan);
