// Remembered buffer locations of index pages, for ReadRecentBuffer.
#include "am/common/buffer_hints.h"

extern "C" {
#include "pgstat.h"
#include "utils/hsearch.h"
}

struct VecdbBufferHints {
    Oid index_oid;  // hash key
    RelFileNode node;
    Buffer* buffers;  // by block number; InvalidBuffer when unknown
    BlockNumber capacity;
};

// Pages beyond this (a 32 GB index) are read without hints, which bounds
// the memory one backend spends on one index to 16 MB.
#define VECDB_MAX_HINTED_BLOCKS ((BlockNumber)1 << 22)

static HTAB* hints_by_index = NULL;

VecdbBufferHints* vecdb_buffer_hints(Relation index) {
    if (RelationUsesLocalBuffers(index)) return NULL;  // temp indexes: plain ReadBuffer
    if (hints_by_index == NULL) {
        HASHCTL ctl;
        memset(&ctl, 0, sizeof ctl);
        ctl.keysize = sizeof(Oid);
        ctl.entrysize = sizeof(VecdbBufferHints);
        ctl.hcxt = TopMemoryContext;
        hints_by_index = hash_create("vecdb buffer hints", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    }
    Oid oid = RelationGetRelid(index);
    bool found;
    VecdbBufferHints* hints = (VecdbBufferHints*)hash_search(hints_by_index, &oid, HASH_ENTER, &found);
    if (!found || !RelFileNodeEquals(hints->node, index->rd_node)) {
        if (found && hints->buffers) pfree(hints->buffers);
        hints->node = index->rd_node;
        hints->buffers = NULL;
        hints->capacity = 0;
    }
    return hints;
}

Buffer vecdb_read_buffer_hinted(Relation index, VecdbBufferHints* hints, BlockNumber blkno) {
    if (hints == NULL || blkno >= VECDB_MAX_HINTED_BLOCKS) return ReadBuffer(index, blkno);
    if (blkno < hints->capacity && hints->buffers[blkno] != InvalidBuffer &&
        ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, blkno, hints->buffers[blkno])) {
        // ReadRecentBuffer leaves pg_statio to its caller (ReadBuffer counts
        // a read, and a hit when the page was in shared buffers): count the
        // hit so pg_statio_*_indexes sees every page a scan reads
        pgstat_count_buffer_read(index);
        pgstat_count_buffer_hit(index);
        return hints->buffers[blkno];
    }
    Buffer buffer = ReadBuffer(index, blkno);
    if (blkno >= hints->capacity) {
        BlockNumber capacity = Max(blkno + 1, Max(hints->capacity * 2, 1024));
        Buffer* grown = (Buffer*)MemoryContextAllocZero(TopMemoryContext, sizeof(Buffer) * capacity);
        if (hints->buffers) {
            memcpy(grown, hints->buffers, sizeof(Buffer) * hints->capacity);
            pfree(hints->buffers);
        }
        hints->buffers = grown;
        hints->capacity = capacity;
    }
    hints->buffers[blkno] = buffer;
    return buffer;
}

Buffer vecdb_buffer_hint_peek(const VecdbBufferHints* hints, BlockNumber blkno) {
    if (hints == NULL || blkno >= hints->capacity) return InvalidBuffer;
    return hints->buffers[blkno];
}

// Touches every cache line of the page with a read prefetch (no locality hint).
void vecdb_prefetch_page(Buffer buffer) {
    const char* page = (const char*)BufferGetPage(buffer);
    for (size_t offset = 0; offset < BLCKSZ; offset += 64) __builtin_prefetch(page + offset, 0, 0);
}
