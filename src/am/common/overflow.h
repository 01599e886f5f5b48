// Overflow chains: values larger than a page (a 16000-d vector), stored in
// a chain of overflow pages and referred to from an index entry by a small
// VecdbOverflowRef. Any vecdb AM can use them: store at insert, read back
// in a scan, free when VACUUM removes the entry, and sweep in VACUUM the
// chains no entry refers to (left behind by a crash between writing a chain
// and writing its entry). Every overflow page carries its writer's XID, so
// the sweep never frees a chain whose entry is still being written.
#pragma once

#include "pg/pg.h"
#include "am/common/page.h"

// Where a stored value lives; what an AM keeps in its entry (8 bytes).
typedef struct VecdbOverflowRef {
    uint32 size;             // bytes of the whole value
    BlockNumber first_page;  // first overflow page of the chain
} VecdbOverflowRef;

// Payload bytes one overflow page holds.
#define VECDB_OVERFLOW_CHUNK_SIZE VECDB_MAX_ITEM_SIZE

// Writes size bytes into a fresh chain of overflow pages (WAL-logged) and
// returns its reference. Marks the metapage VECDB_META_HAS_OVERFLOW.
VecdbOverflowRef vecdb_overflow_store(Relation index, const void* data, Size size);

// Copies the ref->size bytes of a chain into buffer; XX001 (index
// corrupted) when the chain is broken or shorter or longer than ref->size.
void vecdb_overflow_read(Relation index, const VecdbOverflowRef* ref, char* buffer);

// Reassembly space for out-of-line values, grown as needed in `context`.
typedef struct VecdbOverflowBuffer {
    MemoryContext context;
    char* data;
    Size capacity;
} VecdbOverflowBuffer;

// Empties a buffer whose space will be allocated in context.
void vecdb_overflow_buffer_init(VecdbOverflowBuffer* buffer, MemoryContext context);

// Reads a chain holding a varlena (a stored vector) into buffer and
// returns it, after checking its size and its header agree (XX001 if not).
// Valid until the next read into the same buffer.
const struct varlena* vecdb_overflow_read_value(Relation index, const VecdbOverflowRef* ref,
                                                VecdbOverflowBuffer* buffer);

// Frees every page of a chain (WAL-logged, offered to the free space map).
// For VACUUM, after the entry holding ref is gone.
void vecdb_overflow_free(Relation index, const VecdbOverflowRef* ref);

// Whether the index ever stored a chain (so a sweep can find orphans).
bool vecdb_overflow_ever_stored(Relation index);

// The sweep's set of overflow pages still referenced.
typedef struct VecdbOverflowSweep VecdbOverflowSweep;

// Marks the chain of ref as referenced, so the sweep keeps it. A no-op when
// the sweep has nothing to reclaim (NULL or no chain was ever stored).
void vecdb_overflow_keep(VecdbOverflowSweep* sweep, const VecdbOverflowRef* ref);

// An AM's walk over its live entries during the sweep: it calls
// vecdb_overflow_keep for every overflow ref it holds (and may count the
// entries on the way: the walk runs even when there is nothing to reclaim).
typedef void (*VecdbOverflowRefWalk)(Relation index, VecdbOverflowSweep* sweep, void* arg);

// VACUUM's sweep: runs walk once, then frees every overflow page no walked
// ref reached whose writer finished before the walk began, counting them in
// stats->pages_newly_deleted.
void vecdb_overflow_sweep(Relation index, VecdbOverflowRefWalk walk, void* arg, IndexBulkDeleteResult* stats);
