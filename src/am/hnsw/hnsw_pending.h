// The hnsw pending list: WITH (pending_list = on) INSERTs append rows here
// instead of changing the graph; scans score them exactly; VACUUM, the
// INSERT that grows the list past its limit, or vecdb.hnsw_merge_pending()
// merge them into the graph.
//
// Why
// ---
// An INSERT that changes the graph in place costs, on Fashion-MNIST (784-d,
// m 16, ef_construction 64, after a checkpoint, callgrind): 2.21M
// instructions a row against 0.53M for the heap alone, 52 KB of WAL against
// 3.7 KB. The graph search is 1.22M of it and the back links write ~6.8
// pages all over the index, 6.4 of them a full-page image. No tuning of that
// path gets to half the heap's rate. Appending the row to a page chain
// instead costs +0.044M instructions and 6.9 KB of WAL a row (0.575M vs
// 0.531M per row; interleaved batches in one session: 0.58 x the no-index
// rate, against 0.19 x for the graph insert).
// GIN's fastupdate and Milvus's growing segments do the same: new rows wait
// in a list every scan reads exactly, and a later batch moves them into the
// real structure.
//
// What it changes, and what not
// -----------------------------
// It moves the graph work from the INSERT to VACUUM (or to the backend that
// fills the list past its limit, or vecdb.hnsw_merge_pending()). A burst of
// inserts below the limit runs at the append's cost; a sustained stream runs
// at the merge's rate in the end (autovacuum's insert threshold, 1000 + 20 %
// of the table, usually comes after the limit), unless merging in a batch
// is cheaper than one by one. It is somewhat cheaper: pages a batch touches
// twice take one full-page image. Scans pay one exact distance per pending
// entry: ~1,450 instructions per 784-d entry (callgrind: 1.52M a query with
// none pending, 2.68M with 800), so a full 4 MB list (1,280 such entries)
// about doubles a query's cost. Next step: score the entries with the
// bounded kernel against the scan's ef-th best and rescore the abandoned
// ones only if an iterative scan gets that far.
//
// Format (HNSW_VERSION stays 1: old indexes read as an empty list)
// -------
// Pages of kind HNSW_PAGE_PENDING (VECDB_PAGE_AM_FIRST + 2), a chain linked by
// the opaque's next, from metapage pending_head to pending_tail. New metapage
// fields after keys_last: pending_head, pending_tail (0 = none, as an old
// metapage reads: bytes past an old body are the zeroed page hole),
// pending_pages (pages in use since the last rewind, for the limit) and
// pending_entries (appended since the last rewind). NOTE: an old metapage's
// pd_lower ends at the old body, and GenericXLogFinish zeroes everything
// between pd_lower and pd_upper: the first write of the new fields must move
// pd_lower past them in the same record.
//
// One item per row: HnswPendingEntryData, then the key area (hnsw_keys.h;
// the index's key columns), then the vector's varlena, MAXALIGNed. A value
// that does not fit one page with its header (16000-d vectors) goes to the
// graph directly, as today.
//
// States of an entry (what makes a merge crash-safe)
// ------------------
//   PENDING  waiting; scans score it exactly
//   PLACED   its element is in the graph (element TID in the entry), but the
//            back links may be incomplete: scans still score it exactly and
//            skip the element's heap TID if the graph returns it too; the
//            next merge redoes the back links (add_back_link is idempotent:
//            it returns early when the link exists) and moves it to MERGED
//   MERGED   in the graph for good; scans skip it
//   DEAD     VACUUM found its heap row dead; scans skip it
// The element is created and the entry goes PENDING -> PLACED in ONE generic
// record (element page + pending page, plus the key-directory page for key
// columns: at most 3 of the 4 buffers, the metapage insert hint moves in a
// record of its own afterwards, as hnsw_place_item does now). So a crash
// leaves every row exactly once: PENDING (not in the graph) or PLACED
// (in the graph, found by the exact score and deduplicated) or MERGED.
// Indexes with key columns do not use the list yet: the element's
// key-directory entry is appended in a record of its own, and a crash in
// between would hide a committed row from selective filtered scans
// (score_matches). The fix: a "directory done" flag in the entry, set in
// the directory append's record, redone by the next merge.
//
// Locks (order: metapage, then a pending page, then an element page)
// -----
// Append: metapage exclusive (reads the tail, counts), tail page exclusive,
// one record (2 buffers; 3 with a new tail page). Merge: heavyweight
// LockPage(index, HNSW_PENDING_LOCK_BLOCK = metapage block, ExclusiveLock),
// taken conditionally by the backend over the limit (skips when another
// merges) and waited for by VACUUM / the function; then per entry: copy the
// entry under a share lock, run the insert's neighbour search without any
// lock (hnsw_insert_value split into prepare / place / link), then lock the
// pending page, re-check the state (VACUUM may have made it DEAD), lock the
// element page, one record, unlock both, back links, then PLACED -> MERGED.
// The merge goes up to the tail it read at its start.
//
// Rewind instead of freeing pages
// -------------------------------
// Pending pages are never freed or reused as other pages: when every entry
// up to the tail is MERGED or DEAD, the merger (metapage exclusive) sets
// tail = head, pending_pages = 1 and re-initialises the head page; an
// append that moves past a full tail re-initialises the tail's next page if
// the chain already has one (else allocates and links a new one). A scan
// walks from the head to the tail it read when it started: a page it reaches
// after a rewind holds either entries appended after the scan began (their
// transactions are invisible to its snapshot, which was taken earlier) or
// MERGED/DEAD ones it skips; everything it misses was merged before it was
// missed, and the scan reads the pending list BEFORE it searches the graph,
// so the graph has it by then. Entries seen in both (PLACED, or merged
// between the two reads) are deduplicated by heap TID (a sorted array of
// the pending heap TIDs the scan scored, binary-searched per graph result).
//
// Scans (hook in hnsw_scan.cpp: two calls)
// -----
// start_search: hnsw_pending_collect() scores every PENDING/PLACED entry whose
// key area passes the scan's HnswKeyFilter exactly (metric key of the full
// vector, also for sq8 indexes) into a sorted array, even when the graph is
// empty (an empty graph used to end the scan at once). get_tuple: before
// handing out the graph's next row with distance d, hand out the pending
// rows with distance <= d (graph batches are each sorted; with relaxed order
// later rounds may go below the pending rows already emitted, as now); when
// the graph runs dry, the rest of the pending rows. vecdb.max_scan_tuples
// does not limit the pending rows (they are all scored already); they count
// as scored entries in the scan's statistics (vecdb.stat_search).
//
// VACUUM, verify, stats
// ---------------------
// bulk_delete: PENDING/PLACED entries whose heap TID the callback reports dead
// become DEAD (one record per page), before the heap TIDs can be reused;
// a PLACED element is handled by the graph pass like any other. cleanup
// (also autovacuum's; not an analyze-only call) merges. vecdb.hnsw_merge_pending(regclass) returns the
// rows merged. count_entries counts PENDING entries (PLACED/MERGED ones are
// counted through their element) so verify's "every live heap row indexed
// once" holds as it is; verify also checks entry headers, states, the
// chain (kinds, next pointers, no cycle, ends at the tail) and that a
// PLACED/MERGED entry's element exists; a PLACED element is not reported
// unreachable (its row is found through the list until the next merge).
// index_stats: "pending_pages", "pending_entries_appended".
//
// Options
// -------
// WITH (pending_list = on | off) (bool reloption, default off: turning it on
// trades query work for insert work, which should be asked for),
// pending_list_limit (int reloption, kB, 64 ..
// MAX_KILOBYTES, -1 = the GUC) and vecdb.hnsw_pending_list_limit (GUC,
// GUC_UNIT_KB, default 4MB like gin_pending_list_limit). ALTER INDEX ... SET
// (pending_list = off) stops appends; what is pending stays until merged.
//
// Tests
// -----
// regress hnsw_pending (exact while pending, after VACUUM and the function,
// deleted rows and reused heap TIDs, the limit, off again, an index built
// empty, sq8, bad options); TAP 016 (kill -9 mid-merge). Not yet: the
// standby and the concurrency TAP tests with the list on.
#pragma once

#include "am/hnsw/hnsw.h"

#define HNSW_PAGE_PENDING (VECDB_PAGE_AM_FIRST + 2)

// What became of a pending entry.
#define HNSW_PENDING_WAITING 0
#define HNSW_PENDING_PLACED 1
#define HNSW_PENDING_MERGED 2
#define HNSW_PENDING_DEAD 3

// Head of a pending entry; the key area and the value follow.
typedef struct HnswPendingEntryData {
    ItemPointerData heap_tid;
    uint8 state;             // HNSW_PENDING_*
    uint8 unused;
    ItemPointerData element; // PLACED / MERGED: the element the merge made
} HnswPendingEntryData;

#define HNSW_PENDING_HEADER MAXALIGN(sizeof(HnswPendingEntryData))

// The list's ends and counts are HnswMetaData.pending_* (hnsw.h).

extern int hnsw_pending_list_limit_kb;

// hnsw_options.cpp: WITH (pending_list, pending_list_limit)
bool hnsw_uses_pending_list(Relation index);
Size hnsw_pending_limit_bytes(Relation index);
void hnsw_check_pending_option(Relation index);

// Item size of a pending entry, or 0 when it would not fit a page.
Size hnsw_pending_entry_size(Size key_bytes, const struct varlena* value);

// Appends a row to the pending list (one WAL record); false when its value
// is too large for a pending page (the caller inserts it into the graph).
bool hnsw_pending_append(Relation index, ItemPointer heap_tid, const struct varlena* value, const char* keys,
                         Size key_bytes);

// The pending rows a scan scored: nearest first, and their heap TIDs sorted
// (the graph's results that are also here are skipped).
typedef struct HnswPendingRows {
    vecdb::core::hnsw::Scored* rows;  // dist = the metric key, id = index into tids_by_row
    ItemPointerData* tids_by_row;
    ItemPointerData* tids;            // sorted
    uint32 n, next;
} HnswPendingRows;

struct HnswKeyFilter;

// Scores every waiting or placed entry whose keys pass filter (NULL: all)
// against query exactly, from the head to the tail the metapage names.
void hnsw_pending_collect(Relation index, const HnswMetaData* meta, const VecdbMetric* metric,
                          const struct varlena* query, const struct HnswKeyFilter* filter, HnswPendingRows* out);

// Whether the scan scored a pending row of this heap TID.
bool hnsw_pending_has(const HnswPendingRows* rows, ItemPointer heap_tid);

// The next pending row if it is not farther than the graph's next result
// (graph_dist; INFINITY once the graph has no more): true with *heap_tid
// and *dist set, false when the graph's row comes first.
bool hnsw_pending_next(HnswPendingRows* rows, float graph_dist, bool graph_done, ItemPointer heap_tid, float* dist);

// Merges the list into the graph up to the tail it finds (VACUUM, the
// function; with wait false, skips when another backend is merging).
// Returns the rows merged.
int64 hnsw_pending_merge(Relation index, bool wait);

// After an append: merges when the list has grown past its limit.
void hnsw_pending_maybe_merge(Relation index);

// VACUUM: marks the waiting entries of dead heap rows dead; returns how many.
int64 hnsw_pending_bulk_delete(Relation index, IndexBulkDeleteCallback callback, void* callback_state);

// The waiting entries of one pending page (index_stats, verify_index):
// counts them and calls each (when not NULL) with their heap TIDs.
void hnsw_pending_count(Relation index, Page page, BlockNumber blkno, uint64* waiting,
                        void (*each)(void* arg, BlockNumber blkno, OffsetNumber off, ItemPointer heap_tid), void* arg);
