// Search statistics of vecdb index scans. Every scan is counted in
// Postgres's own index statistics (pg_stat_user_indexes.idx_scan; the
// executor counts idx_tup_read). When vecdb is in shared_preload_libraries,
// each scan also adds what only the AM knows (entries scored, iterative-scan
// continuations, candidate and rerank pages read) to a shared table once, when it ends or restarts: a few
// increments per scored page and one short lock per scan, cheap enough to
// stay on. vecdb.stat_search shows both.
#pragma once

#include "pg/pg.h"

// What one scan has done since it started or was last published.
typedef struct VecdbScanStats {
    bool started;          // counted as a scan, not yet published
    uint64 scored;         // index entries whose distance was computed
    uint64 continuations;  // times an iterative scan went on past its first round
    uint64 list_pages;     // pages of candidates read (ivf list pages, hnsw graph pages)
    uint64 rerank_pages;   // pages read to re-score candidates with their full vectors
} VecdbScanStats;

// Counts a new scan (or rescan) of `index`: publishes what the previous one
// did, then starts over. Call from amrescan.
void vecdb_scan_stats_start(Relation index, VecdbScanStats* stats);

// Adds n entries scored by the scan.
static inline void vecdb_scan_stats_scored(VecdbScanStats* stats, uint64 n) { stats->scored += n; }

// Counts one page of candidates read (an ivf list page: full vectors for
// 'none', codes for sq8 / pq).
static inline void vecdb_scan_stats_list_page(VecdbScanStats* stats) { stats->list_pages++; }

// Counts one page read to re-score a candidate with its full vector.
static inline void vecdb_scan_stats_rerank_page(VecdbScanStats* stats) { stats->rerank_pages++; }

// Counts one iterative-scan continuation (the AM searched further because
// the WHERE clause rejected what it had handed out).
static inline void vecdb_scan_stats_continued(VecdbScanStats* stats) { stats->continuations++; }

// Adds the scan's counters to the shared table (when vecdb is preloaded)
// and clears them. Call from amendscan; vecdb_scan_stats_start calls it too.
void vecdb_scan_stats_publish(Relation index, VecdbScanStats* stats);

// Called from _PG_init: reserves the shared table when vecdb is being
// loaded through shared_preload_libraries; otherwise does nothing.
void vecdb_scan_stats_init(void);
