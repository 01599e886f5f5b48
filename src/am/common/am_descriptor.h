// How an index AM plugs into vecdb's shared machinery. Each AM defines one
// VecdbAmDescriptor in its own folder (flat: am/flat/flat_descriptor.cpp)
// and names it once in am/common/am_list.h; _PG_init calls every init, and
// vecdb.index_stats / vecdb.verify_index find the AM of an index here. The
// common code knows AMs only through this struct.
#pragma once

#include "pg/pg.h"
#include "am/common/page.h"

// Counts entries for vecdb.index_stats; its dead-row check is shared.
typedef struct VecdbEntryCounter VecdbEntryCounter;

// Counts one index entry: the heap row it points to, and whether its
// vector is NULL. Rows no snapshot can see any more count as dead.
void vecdb_count_entry(VecdbEntryCounter* counter, ItemPointer heap_tid, bool is_null);

// Collects the problems vecdb.verify_index reports.
typedef struct VecdbVerifyReport VecdbVerifyReport;

typedef struct VecdbAmDescriptor {
    const char* name;  // the access method's name (CREATE ACCESS METHOD)
    VecdbAmKind kind;  // what its metapage header says

    // Called once from _PG_init: registers the AM's reloption kind and
    // options (add_reloption_kind, add_*_reloption) and its own GUCs.
    void (*init)(void);

    // vecdb.index_stats: counts the entries of one share-locked page of
    // kind VECDB_PAGE_DATA or an AM kind (>= VECDB_PAGE_AM_FIRST) with
    // vecdb_count_entry. Page kinds, free bytes and options are counted by
    // the common frame (am/common/stats.cpp).
    void (*count_entries)(Relation index, Page page, BlockNumber blkno, VecdbEntryCounter* counter);

    // vecdb.verify_index: the AM's own checks after the common page checks
    // passed (entries well formed, its chains and refs intact, every live
    // heap row indexed once). NULL while an AM has none.
    void (*verify)(Relation index, Relation heap, VecdbVerifyReport* report);

    // vecdb.verify_index: whether the AM keeps an entry for a heap row with
    // these index column values (hnsw leaves NULL vectors out). *state
    // starts NULL for each check and may hold what the AM allocates once.
    // NULL when the AM indexes every row.
    bool (*indexes_row)(Relation index, Datum* values, bool* isnull, void** state);

    // vecdb.index_stats' details column: appends one JSON object of what
    // only the AM knows (hnsw: levels, degree, unreachable elements) to
    // out. NULL when the AM has nothing to add (details is NULL).
    void (*describe)(Relation index, Relation heap, StringInfo out);

    // Whether its ordered scans hand each returned row's distance to the
    // target list (vecdb_scan_distance_remember, am/common/scan_distance.h),
    // so the planner hook rewrites the target lists of its index scans.
    bool hands_over_distances;
} VecdbAmDescriptor;

// Every registered AM, in am_list.h order, ending with NULL.
extern const VecdbAmDescriptor* const vecdb_am_descriptors[];

// The descriptor of an index's access method, or NULL when it is not a
// vecdb index.
const VecdbAmDescriptor* vecdb_am_for_index(Relation index);

// For the inspection functions (index_stats, verify_index): opens a vecdb
// index and its table with AccessShareLock, table first, after checking
// the caller owns the index or may SELECT from the table. Errors name the
// relation: 42704 when it does not exist, 42809 when it is no vecdb index.
Relation vecdb_open_for_inspection(Oid index_oid, Relation* heap, const VecdbAmDescriptor** am);

// Closes what vecdb_open_for_inspection opened.
void vecdb_close_for_inspection(Relation index, Relation heap);
