// Per-index state a backend keeps in rd_amcache, so scans and inserts do not
// look up the opclass or read the metapage every time. Postgres frees
// rd_amcache (and this with it) on every relcache invalidation of the index
// (REINDEX, TRUNCATE, ALTER ...), so never keep the pointer across a call
// that can process invalidations (opening or locking a relation): fetch it
// again with vecdb_index_cache. Only facts that never change for a given
// relfilenode are cached as facts; anything that changes (an insert page)
// is cached only as a hint the AM checks before trusting.
#pragma once

#include "pg/pg.h"
#include "am/common/metric.h"

// Bytes of the cache an AM may use for itself (static_assert your struct).
#define VECDB_INDEX_CACHE_AM_SIZE 64

typedef struct VecdbIndexCache {
    RelFileNode node;  // the relfilenode it describes: a new one (REINDEX, TRUNCATE) starts afresh
    bool metric_known;
    VecdbKeyKind key_kind;  // kernel of the opclass's distance function
    bool dimensions_known;
    int32 dimensions;  // metapage header (from the typmod; fixed at build)
    union {
        char bytes[VECDB_INDEX_CACHE_AM_SIZE];
        double align;
    } am;  // the AM's own part, zeroed until it sets it
} VecdbIndexCache;

// The index's cache, allocated zeroed in its rd_indexcxt on first use, and
// zeroed again when the index got a new relfilenode (the relcache
// invalidation that follows REINDEX may come after the build's first insert).
VecdbIndexCache* vecdb_index_cache(Relation index);

// The AM's part of an index's cache.
#define VecdbIndexCacheAm(index) ((void*)vecdb_index_cache(index)->am.bytes)

// The index's dimensions from its metapage header (0 when the column has
// no typmod), read once per relcache entry.
int32 vecdb_index_dimensions(Relation index);
