// Overflow chains shared by the vecdb index AMs.
#include "am/common/overflow.h"

extern "C" {
#include "access/transam.h"
#include "access/xact.h"
#include "commands/vacuum.h"
#include "storage/procarray.h"
}

struct VecdbOverflowSweep {
    Relation index;
    uint8* referenced;    // bit per block; NULL when nothing can be reclaimed
    BlockNumber nblocks;  // blocks that existed when the sweep began
};

// Written last chunk first, so every page can point at its successor.
VecdbOverflowRef vecdb_overflow_store(Relation index, const void* data, Size size) {
    vecdb_meta_set_flags(index, VECDB_META_HAS_OVERFLOW);
    TransactionId xid = GetCurrentTransactionId();
    Size nchunks = (size + VECDB_OVERFLOW_CHUNK_SIZE - 1) / VECDB_OVERFLOW_CHUNK_SIZE;
    BlockNumber next = InvalidBlockNumber;
    for (Size i = nchunks; i-- > 0;) {
        CHECK_FOR_INTERRUPTS();
        Size offset = i * VECDB_OVERFLOW_CHUNK_SIZE;
        Size length = Min(VECDB_OVERFLOW_CHUNK_SIZE, size - offset);
        Buffer buffer = vecdb_allocate_page(index);
        GenericXLogState* state = GenericXLogStart(index);
        Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
        vecdb_page_init(page, VECDB_PAGE_OVERFLOW);
        VecdbPageGetOpaque(page)->next = next;
        VecdbPageGetOpaque(page)->xid = xid;
        vecdb_page_add_item(index, page, (const char*)data + offset, length);
        GenericXLogFinish(state);
        next = BufferGetBlockNumber(buffer);
        UnlockReleaseBuffer(buffer);
    }
    VecdbOverflowRef ref;
    ref.size = (uint32)size;
    ref.first_page = next;
    return ref;
}

// Reports a chain that does not hold what its reference says.
static void broken_chain(Relation index) {
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                    errmsg("index \"%s\" has a broken overflow chain", RelationGetRelationName(index)),
                    errhint("Please REINDEX it.")));
}

void vecdb_overflow_read(Relation index, const VecdbOverflowRef* ref, char* buffer) {
    Size done = 0;
    BlockNumber blkno = ref->first_page;
    while (done < ref->size) {
        if (blkno == InvalidBlockNumber) broken_chain(index);
        Buffer chunk_buffer = ReadBuffer(index, blkno);
        LockBuffer(chunk_buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(chunk_buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_OVERFLOW);
        Size length = 0;
        if (PageGetMaxOffsetNumber(page) >= FirstOffsetNumber)
            length = ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber));
        if (length == 0 || length > ref->size - done) {
            UnlockReleaseBuffer(chunk_buffer);
            broken_chain(index);
        }
        memcpy(buffer + done, PageGetItem(page, PageGetItemId(page, FirstOffsetNumber)), length);
        done += length;
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(chunk_buffer);
    }
}

void vecdb_overflow_buffer_init(VecdbOverflowBuffer* buffer, MemoryContext context) {
    buffer->context = context;
    buffer->data = NULL;
    buffer->capacity = 0;
}

const struct varlena* vecdb_overflow_read_value(Relation index, const VecdbOverflowRef* ref,
                                                VecdbOverflowBuffer* buffer) {
    // checked before allocating: a corrupted size must not become a huge palloc
    if (ref->size < VARHDRSZ || ref->size > MaxAllocSize)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" contains a corrupted entry", RelationGetRelationName(index)),
                        errhint("Please REINDEX it.")));
    if (ref->size > buffer->capacity) {
        Size capacity = Max((Size)ref->size, Min(2 * buffer->capacity, (Size)MaxAllocSize));
        char* grown = (char*)MemoryContextAlloc(buffer->context, capacity);
        if (buffer->data) pfree(buffer->data);
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    vecdb_overflow_read(index, ref, buffer->data);
    if (VARATT_IS_EXTENDED(buffer->data) || VARSIZE(buffer->data) != ref->size) broken_chain(index);
    return (const struct varlena*)buffer->data;
}

void vecdb_overflow_free(Relation index, const VecdbOverflowRef* ref) {
    BlockNumber blkno = ref->first_page;
    while (blkno != InvalidBlockNumber) {
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_OVERFLOW);
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        vecdb_free_page(index, blkno);
        blkno = next;
    }
}

bool vecdb_overflow_ever_stored(Relation index) {
    return (vecdb_read_meta_header(index).flags & VECDB_META_HAS_OVERFLOW) != 0;
}

// Whether a block is marked referenced.
static bool is_referenced(const VecdbOverflowSweep* sweep, BlockNumber blkno) {
    return (sweep->referenced[blkno / 8] & (1 << (blkno % 8))) != 0;
}

void vecdb_overflow_keep(VecdbOverflowSweep* sweep, const VecdbOverflowRef* ref) {
    if (sweep == NULL || sweep->referenced == NULL) return;
    BlockNumber blkno = ref->first_page;
    // a chain ends at InvalidBlockNumber; a marked block means a cycle or a shared tail
    while (blkno != InvalidBlockNumber && blkno < sweep->nblocks && !is_referenced(sweep, blkno)) {
        sweep->referenced[blkno / 8] |= (uint8)(1 << (blkno % 8));
        Buffer buffer = ReadBuffer(sweep->index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(sweep->index, page, blkno, VECDB_PAGE_OVERFLOW);
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
}

// Frees the overflow pages the walk did not reach whose writer finished
// before `horizon`: a chain whose entry is being placed right now was
// written after it, so it is never touched.
static void free_unreferenced(VecdbOverflowSweep* sweep, TransactionId horizon, IndexBulkDeleteResult* stats) {
    Relation index = sweep->index;
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < sweep->nblocks; blkno++) {
        vacuum_delay_point();
        if (is_referenced(sweep, blkno)) continue;
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        bool orphan = vecdb_page_is_vecdb(page) && VecdbPageGetOpaque(page)->kind == VECDB_PAGE_OVERFLOW &&
                      TransactionIdIsNormal(VecdbPageGetOpaque(page)->xid) &&
                      TransactionIdPrecedes(VecdbPageGetOpaque(page)->xid, horizon);
        UnlockReleaseBuffer(buffer);
        if (orphan) {
            vecdb_free_page(index, blkno);
            stats->pages_newly_deleted++;
        }
    }
}

void vecdb_overflow_sweep(Relation index, VecdbOverflowRefWalk walk, void* arg, IndexBulkDeleteResult* stats) {
    VecdbOverflowSweep sweep;
    sweep.index = index;
    sweep.nblocks = RelationGetNumberOfBlocks(index);
    sweep.referenced = NULL;
    bool reclaim = vecdb_overflow_ever_stored(index);
    // the most conservative horizon (every database's transactions), taken before the walk
    TransactionId horizon = reclaim ? GetOldestNonRemovableTransactionId(NULL) : InvalidTransactionId;
    if (reclaim) sweep.referenced = (uint8*)palloc0(sweep.nblocks / 8 + 1);
    walk(index, &sweep, arg);
    if (reclaim) {
        free_unreferenced(&sweep, horizon, stats);
        pfree(sweep.referenced);
    }
}
