// Page formatting, validation and WAL-logged allocation for vecdb indexes.
#include "am/common/page.h"

extern "C" {
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "storage/smgr.h"
#include "access/xloginsert.h"
}

void vecdb_page_init(Page page, uint16 kind) {
    PageInit(page, BLCKSZ, sizeof(VecdbPageOpaqueData));
    VecdbPageOpaque opaque = VecdbPageGetOpaque(page);
    opaque->next = InvalidBlockNumber;
    opaque->kind = kind;
    opaque->page_id = VECDB_PAGE_ID;
    opaque->xid = InvalidTransactionId;
}

bool vecdb_page_is_vecdb(Page page) {
    return !PageIsNew(page) && PageGetSpecialSize(page) == MAXALIGN(sizeof(VecdbPageOpaqueData)) &&
           VecdbPageGetOpaque(page)->page_id == VECDB_PAGE_ID;
}

void vecdb_page_check(Relation index, Page page, BlockNumber blkno, uint16 kind) {
    if (!vecdb_page_is_vecdb(page) || VecdbPageGetOpaque(page)->kind != kind)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" contains an unexpected page at block %u",
                               RelationGetRelationName(index), blkno),
                        errhint("Please REINDEX it.")));
}

void vecdb_page_add_item(Relation index, Page page, const void* item, Size size) {
    if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add an entry to index \"%s\"", RelationGetRelationName(index));
}

// Pages added per backend waiting for the extension lock, and at most.
#define VECDB_EXTRA_PAGES_PER_WAITER 8
#define VECDB_MAX_EXTRA_PAGES 64

// While extending, when other backends wait for the extension lock (many
// concurrent inserts), adds more empty pages and records them in the free
// space map, where those backends find them instead of extending one page
// each, as heap inserts do (RelationAddExtraBlocks). The pages stay new
// (all zeros) until used: VACUUM, verify_index and a crash treat them as
// unused, like any page extended just before a crash.
static void add_extra_pages(Relation index) {
    int waiters = RelationExtensionLockWaiterCount(index);
    if (waiters <= 0) return;
    int extra = Min(waiters * VECDB_EXTRA_PAGES_PER_WAITER, VECDB_MAX_EXTRA_PAGES);
    BlockNumber first = InvalidBlockNumber, last = InvalidBlockNumber;
    for (int i = 0; i < extra; i++) {
        Buffer buffer = ReadBuffer(index, P_NEW);
        last = BufferGetBlockNumber(buffer);
        if (first == InvalidBlockNumber) first = last;
        ReleaseBuffer(buffer);
        RecordFreeIndexPage(index, last);
    }
    // the upper levels of the map, so a search from its root finds them
    FreeSpaceMapVacuumRange(index, first, last + 1);
}

// A page of the free space map that is still free (VACUUM recycled it, or
// an extension added it spare), exclusively locked; InvalidBuffer if none.
static Buffer take_free_page(Relation index) {
    for (;;) {
        BlockNumber blkno = GetFreeIndexPage(index);
        if (blkno == InvalidBlockNumber) return InvalidBuffer;
        Buffer buffer = ReadBuffer(index, blkno);
        // Another backend may have taken it between the FSM lookup and now.
        if (ConditionalLockBuffer(buffer)) {
            Page page = BufferGetPage(buffer);
            if (PageIsNew(page) || (vecdb_page_is_vecdb(page) && VecdbPageGetOpaque(page)->kind == VECDB_PAGE_FREE))
                return buffer;
            LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
        }
        ReleaseBuffer(buffer);
    }
}

Buffer vecdb_allocate_page(Relation index) {
    // Recycled pages first, so VACUUM's freed space is reused.
    Buffer buffer = take_free_page(index);
    if (buffer != InvalidBuffer) return buffer;

    bool need_lock = !RELATION_IS_LOCAL(index);
    if (need_lock && !ConditionalLockRelationForExtension(index, ExclusiveLock)) {
        LockRelationForExtension(index, ExclusiveLock);
        // the backend we waited for may have added spare pages
        buffer = take_free_page(index);
        if (buffer != InvalidBuffer) {
            UnlockRelationForExtension(index, ExclusiveLock);
            return buffer;
        }
    }
    buffer = ReadBuffer(index, P_NEW);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    if (need_lock) {
        add_extra_pages(index);
        UnlockRelationForExtension(index, ExclusiveLock);
    }
    return buffer;
}

Page vecdb_register_buffer(GenericXLogState* state, Buffer buffer, int flags) {
    if (!(flags & GENERIC_XLOG_FULL_IMAGE) && XLogCheckBufferNeedsBackup(buffer)) flags |= GENERIC_XLOG_FULL_IMAGE;
    return GenericXLogRegisterBuffer(state, buffer, flags);
}

void vecdb_free_page(Relation index, BlockNumber blkno) {
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, VECDB_PAGE_FREE);
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    RecordFreeIndexPage(index, blkno);
}

VecdbMetaHeader vecdb_meta_header(Relation index, uint16 am, uint16 version) {
    VecdbMetaHeader header;
    memset(&header, 0, sizeof header);
    header.magic = VECDB_MAGIC;
    header.version = version;
    header.am = am;
    int32 typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
    header.dimensions = typmod > 0 ? typmod : 0;
    return header;
}

// Copies the metapage's header and body_size bytes of its body (XX001
// unless block 0 is a vecdb metapage).
static VecdbMetaHeader copy_metapage(Relation index, void* body, Size body_size) {
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    vecdb_page_check(index, page, VECDB_METAPAGE_BLKNO, VECDB_PAGE_META);
    VecdbMetaHeader header;
    memcpy(&header, PageGetContents(page), sizeof header);
    if (body_size > 0) memcpy(body, VecdbMetaBody(page), body_size);
    UnlockReleaseBuffer(buffer);
    if (header.magic != VECDB_MAGIC)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" has an invalid metapage", RelationGetRelationName(index))));
    return header;
}

VecdbMetaHeader vecdb_read_meta_header(Relation index) {
    return copy_metapage(index, NULL, 0);
}

VecdbMetaHeader vecdb_read_metapage(Relation index, uint16 am, void* body, Size body_size) {
    VecdbMetaHeader header = copy_metapage(index, body, body_size);
    if (header.am != am)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" has an invalid metapage", RelationGetRelationName(index))));
    return header;
}

void vecdb_meta_set_flags(Relation index, uint16 flags) {
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    vecdb_page_check(index, BufferGetPage(buffer), VECDB_METAPAGE_BLKNO, VECDB_PAGE_META);
    bool already = (((VecdbMetaHeader*)PageGetContents(BufferGetPage(buffer)))->flags & flags) == flags;
    LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
    if (!already) {
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        GenericXLogState* state = GenericXLogStart(index);
        Page page = vecdb_register_buffer(state, buffer, 0);
        ((VecdbMetaHeader*)PageGetContents(page))->flags |= flags;
        GenericXLogFinish(state);
        LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
    }
    ReleaseBuffer(buffer);
}

// Fills a metapage image: header, then the AM's body, then pd_lower past both.
static void fill_metapage(Page page, const VecdbMetaHeader* header, const void* body, Size body_size) {
    vecdb_page_init(page, VECDB_PAGE_META);
    char* contents = PageGetContents(page);
    memcpy(contents, header, sizeof *header);
    memcpy(contents + MAXALIGN(sizeof *header), body, body_size);
    // pd_lower past the contents keeps them in full-page images
    ((PageHeader)page)->pd_lower = (contents + MAXALIGN(sizeof *header) + body_size) - (char*)page;
}

void vecdb_write_new_metapage(Relation index, ForkNumber fork, const VecdbMetaHeader* header,
                              const void* body, Size body_size) {
    if (fork == INIT_FORKNUM) {
        // The init fork of an unlogged index: written directly and WAL-logged whole.
        PGAlignedBlock block;
        Page page = block.data;
        fill_metapage(page, header, body, body_size);
        PageSetChecksumInplace(page, VECDB_METAPAGE_BLKNO);
        smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, VECDB_METAPAGE_BLKNO, page, true);
        log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM, VECDB_METAPAGE_BLKNO,
                    page, true);
        smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
        return;
    }
    Buffer buffer = ReadBuffer(index, P_NEW);
    if (BufferGetBlockNumber(buffer) != VECDB_METAPAGE_BLKNO)
        elog(ERROR, "vecdb: metapage of \"%s\" is not block 0", RelationGetRelationName(index));
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    fill_metapage(page, header, body, body_size);
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}
