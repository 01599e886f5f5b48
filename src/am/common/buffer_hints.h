// Per-backend memory of which shared buffer last held each page of an
// index. A flat scan reads every page of its index on every query; pinning
// through ReadRecentBuffer with the remembered buffer skips the
// buffer-mapping hash lookup, which otherwise costs as much as scoring.
#pragma once

#include "pg/pg.h"

typedef struct VecdbBufferHints VecdbBufferHints;

// The hints of an index (created empty on first use; reset when its
// relfilenode changes). Lives for the backend's lifetime.
VecdbBufferHints* vecdb_buffer_hints(Relation index);

// ReadBuffer through the hint: pins the remembered buffer when it still
// holds the page, otherwise reads it normally and remembers where it is.
// Either way the read is counted in pg_statio_*_indexes, as ReadBuffer does.
Buffer vecdb_read_buffer_hinted(Relation index, VecdbBufferHints* hints, BlockNumber blkno);

// The buffer remembered for blkno, or InvalidBuffer: only a guess until
// ReadRecentBuffer confirms it, good for prefetching the page's memory.
Buffer vecdb_buffer_hint_peek(const VecdbBufferHints* hints, BlockNumber blkno);

// Asks the CPU to start loading a pinned page's bytes: flat and ivf scans
// are bound by memory latency, and the next page is known before the
// current one is scored.
void vecdb_prefetch_page(Buffer buffer);
