// ivf pages: the metapage, list slots, the per-backend cache of centroids,
// and WAL-logged inserts into list chains and vector pages.
#include "am/ivf/ivf.h"
#include "am/common/index_cache.h"
#include "core/kmeans/assign.h"
#include "pg/guard.h"

// Reads the ivf part of the metapage.
IvfMetaData ivf_read_meta(Relation index) {
    IvfMetaData meta;
    vecdb_read_metapage(index, VECDB_AM_IVF, &meta, sizeof meta);
    return meta;
}

// Writes a fresh metapage (block 0 of an empty fork), WAL-logged.
void ivf_write_meta(Relation index, ForkNumber fork, const IvfMetaData* meta) {
    VecdbMetaHeader header = vecdb_meta_header(index, VECDB_AM_IVF, IVF_VERSION);
    vecdb_write_new_metapage(index, fork, &header, meta, sizeof *meta);
}

// How many list slots the index has: its lists, or the one unassigned list.
uint32 ivf_slot_count(const IvfMetaData* meta) {
    return meta->lists == 0 ? 1 : meta->lists;
}

// The page holding a list's slot.
BlockNumber ivf_slot_block(const IvfMetaData* meta, uint32 list) {
    if (meta->lists == 0) return VECDB_METAPAGE_BLKNO;
    return meta->directory_start + list / IVF_SLOTS_PER_PAGE;
}

// A list's slot inside its (locked, checked) page.
IvfListSlot* ivf_slot_in_page(const IvfMetaData* meta, Page page, uint32 list) {
    if (meta->lists == 0) return &((IvfMetaData*)VecdbMetaBody(page))->unassigned;
    return (IvfListSlot*)PageGetItem(page, PageGetItemId(page, FirstOffsetNumber)) + list % IVF_SLOTS_PER_PAGE;
}

// Checks a slot page: its kind, and for a directory page its one item.
void ivf_check_slot_page(Relation index, const IvfMetaData* meta, Page page, BlockNumber blkno) {
    if (meta->lists == 0) {
        vecdb_page_check(index, page, blkno, VECDB_PAGE_META);
        return;
    }
    vecdb_page_check(index, page, blkno, IVF_PAGE_DIRECTORY);
    if (PageGetMaxOffsetNumber(page) != FirstOffsetNumber ||
        ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber)) != IVF_SLOTS_PER_PAGE * sizeof(IvfListSlot))
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("ivf index \"%s\" has a broken directory page at block %u",
                               RelationGetRelationName(index), blkno),
                        errhint("Please REINDEX it.")));
}

// Reads one list's slot.
IvfListSlot ivf_read_slot(Relation index, const IvfMetaData* meta, uint32 list) {
    BlockNumber blkno = ivf_slot_block(meta, list);
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    ivf_check_slot_page(index, meta, page, blkno);
    IvfListSlot slot = *ivf_slot_in_page(meta, page, list);
    UnlockReleaseBuffer(buffer);
    return slot;
}

// Points a list's inserts at `page`, unless another backend moved the hint
// away from `expected` meanwhile.
void ivf_set_insert_page(Relation index, const IvfMetaData* meta, uint32 list, BlockNumber expected,
                         BlockNumber page_blkno) {
    BlockNumber blkno = ivf_slot_block(meta, list);
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    ivf_check_slot_page(index, meta, BufferGetPage(buffer), blkno);
    if (ivf_slot_in_page(meta, BufferGetPage(buffer), list)->insert_page == expected) {
        GenericXLogState* state = GenericXLogStart(index);
        Page page = vecdb_register_buffer(state, buffer, 0);
        ivf_slot_in_page(meta, page, list)->insert_page = page_blkno;
        GenericXLogFinish(state);
    }
    UnlockReleaseBuffer(buffer);
}

// Points vector inserts at `page` (sq8).
void ivf_set_vector_insert_page(Relation index, BlockNumber page_blkno) {
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    vecdb_page_check(index, BufferGetPage(buffer), VECDB_METAPAGE_BLKNO, VECDB_PAGE_META);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = vecdb_register_buffer(state, buffer, 0);
    ((IvfMetaData*)VecdbMetaBody(page))->vector_insert_page = page_blkno;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

// Computes ‖c‖² of the centroids (core code, guarded).
static void compute_norms(const float* centroids, uint32 lists, uint32 dim, float* norms) {
    vecdb::pg::guarded("ivf centroid norms", [&] {
        vecdb::core::squared_norms(centroids, lists, dim, norms);
        return 0;
    });
}

// Copies `bytes` bytes of the stream pages starting at `start` into out.
static void read_stream(Relation index, BlockNumber start, uint32 npages, char* out, Size bytes) {
    Size done = 0;
    for (uint32 i = 0; i < npages && done < bytes; i++) {
        Buffer buffer = ReadBuffer(index, start + i);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, start + i, IVF_PAGE_STREAM);
        Size length = Min((Size)IVF_PAGE_PAYLOAD, bytes - done);
        if (PageGetMaxOffsetNumber(page) != FirstOffsetNumber ||
            ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber)) != length) {
            UnlockReleaseBuffer(buffer);
            break;
        }
        memcpy(out + done, PageGetItem(page, PageGetItemId(page, FirstOffsetNumber)), length);
        done += length;
        UnlockReleaseBuffer(buffer);
    }
    if (done != bytes)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("ivf index \"%s\" has truncated centroid pages", RelationGetRelationName(index)),
                        errhint("Please REINDEX it.")));
}

// Reads the stream into a new cache block; frees the block on error.
static void fill_cache(Relation index, char* block, IvfCache* fresh, Size stream_bytes) {
    PG_TRY();
    {
        const IvfMetaData* meta = &fresh->meta;
        if (stream_bytes > 0)
            read_stream(index, meta->stream_start, meta->stream_pages, (char*)fresh->centroids, stream_bytes);
        if (meta->lists > 0) compute_norms(fresh->centroids, meta->lists, meta->dimensions, fresh->centroid_norms);
    }
    PG_CATCH();
    {
        pfree(block);
        PG_RE_THROW();
    }
    PG_END_TRY();
}

// Where ivf's part of the shared rd_amcache (am/common/index_cache.h)
// points: the IvfCache that lives in the same allocation, after the header.
typedef struct IvfCacheRef {
    IvfCache* cache;
} IvfCacheRef;
static_assert(sizeof(IvfCacheRef) <= VECDB_INDEX_CACHE_AM_SIZE, "IvfCacheRef must fit in rd_amcache");

// The backend's cached centroids (and SQ8 ranges or PQ codebooks) of an index, read on
// first use. Centroids change only when the index is rebuilt, which gives it
// a new relfilenode (the common header then starts afresh). They live in one
// allocation with the common cache header, so when Postgres frees
// rd_amcache on an invalidation everything goes with it.
const IvfCache* ivf_cache(Relation index) {
    IvfCacheRef* ref = (IvfCacheRef*)VecdbIndexCacheAm(index);
    if (ref->cache != NULL && RelFileNodeEquals(ref->cache->node, index->rd_node)) return ref->cache;
    IvfMetaData meta = ivf_read_meta(index);
    Size centroid_floats = (Size)meta.lists * meta.dimensions;
    Size extra_floats = ivf_stream_extra_floats(&meta);
    Size stream_bytes = (centroid_floats + extra_floats) * sizeof(float);
    Size head = MAXALIGN(sizeof(VecdbIndexCache));
    Size total = head + MAXALIGN(sizeof(IvfCache)) + stream_bytes + (Size)meta.lists * sizeof(float);
    char* block = (char*)MemoryContextAllocHuge(index->rd_indexcxt, total);
    IvfCache* fresh = (IvfCache*)(block + head);
    fresh->node = index->rd_node;
    fresh->meta = meta;
    float* floats = (float*)((char*)fresh + MAXALIGN(sizeof(IvfCache)));
    fresh->centroids = floats;
    bool sq8 = ivf_lists_hold_codes(&meta) && meta.quantizer == IVF_QUANTIZER_SQ8;
    bool pq = ivf_lists_hold_codes(&meta) && meta.quantizer == IVF_QUANTIZER_PQ;
    fresh->sq8_offset = sq8 ? floats + centroid_floats : NULL;
    fresh->sq8_scale = sq8 ? floats + centroid_floats + meta.dimensions : NULL;
    fresh->pq_codebooks = pq ? floats + centroid_floats : NULL;
    fresh->centroid_norms = floats + centroid_floats + extra_floats;
    fill_cache(index, block, fresh, stream_bytes);
    // fetched again after the page reads; the header moves into the new block
    VecdbIndexCache* current = vecdb_index_cache(index);
    memcpy(block, current, sizeof(VecdbIndexCache));
    ((IvfCacheRef*)((VecdbIndexCache*)block)->am.bytes)->cache = fresh;
    pfree(index->rd_amcache);
    index->rd_amcache = block;
    return fresh;
}

// The list whose centroid is nearest to x (already in the index's space).
uint32 ivf_nearest_list(const IvfCache* cache, const float* x) {
    uint32 lists = cache->meta.lists;
    if (lists <= 1) return 0;
    float* keys = (float*)palloc(sizeof(float) * lists);
    vecdb::core::ClusterMetric metric =
        cache->meta.space == IVF_SPACE_IP ? vecdb::core::ClusterMetric::inner_product : vecdb::core::ClusterMetric::l2;
    vecdb::pg::guarded("ivf centroid search", [&] {
        vecdb::core::centroid_keys(x, cache->centroids, cache->centroid_norms, lists, cache->meta.dimensions,
                                   metric, keys);
        return 0;
    });
    uint32 best = 0;
    for (uint32 j = 1; j < lists; j++)
        if (keys[j] < keys[best]) best = j;
    pfree(keys);
    return best;
}

// Builds a full entry: header, then the plain value, or, when the value
// does not fit a page, the reference to the overflow chain it is stored in
// first (a crash before the entry is written leaves the chain to VACUUM's
// overflow sweep).
char* ivf_form_full_entry(Relation index, ItemPointer heap_tid, const struct varlena* value, Size* size) {
    bool external = IVF_FULL_HEADER_SIZE + MAXALIGN(VARSIZE(value)) > VECDB_MAX_ITEM_SIZE;
    *size = external ? IVF_EXTERNAL_ENTRY_SIZE : IVF_FULL_HEADER_SIZE + MAXALIGN(VARSIZE(value));
    char* item = (char*)palloc0(*size);
    IvfFullEntry* entry = (IvfFullEntry*)item;
    entry->heap_tid = *heap_tid;
    entry->flags = external ? IVF_ENTRY_EXTERNAL : 0;
    if (external) {
        VecdbOverflowRef ref = vecdb_overflow_store(index, value, VARSIZE(value));
        memcpy(item + IVF_FULL_HEADER_SIZE, &ref, sizeof ref);
    } else {
        memcpy(item + IVF_FULL_HEADER_SIZE, value, VARSIZE(value));
    }
    return item;
}

// What is wrong with a full entry of item_size bytes, or NULL when it is
// well formed (an inline value filling the item, or an overflow ref).
const char* ivf_full_entry_problem(const IvfFullEntry* entry, Size item_size) {
    if (item_size < IVF_FULL_HEADER_SIZE) return "entry is shorter than its header";
    if ((entry->flags & ~IVF_ENTRY_EXTERNAL) != 0) return "entry has invalid flags";
    if (entry->flags & IVF_ENTRY_EXTERNAL)
        return item_size == IVF_EXTERNAL_ENTRY_SIZE ? NULL : "out-of-line entry has the wrong size";
    const struct varlena* value = IvfFullEntryValue(entry);
    if (item_size < IVF_FULL_HEADER_SIZE + VARHDRSZ || !VARATT_IS_4B_U(value) ||
        IVF_FULL_HEADER_SIZE + MAXALIGN(VARSIZE(value)) != item_size)
        return "entry's value does not fill its item";
    return NULL;
}

// The value of a full entry, checked against its item's size (XX001 if it
// is malformed); an out-of-line value is reassembled in overflow.
const struct varlena* ivf_full_entry_value(Relation index, const IvfFullEntry* entry, Size item_size,
                                           VecdbOverflowBuffer* overflow) {
    if (ivf_full_entry_problem(entry, item_size) != NULL)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" contains a corrupted entry", RelationGetRelationName(index)),
                        errhint("Please REINDEX it.")));
    if (entry->flags & IVF_ENTRY_EXTERNAL)
        return vecdb_overflow_read_value(index, IvfFullEntryOverflowRef(entry), overflow);
    return IvfFullEntryValue(entry);
}

// Adds an item to a vector page registered for WAL; returns its offset
// (which the list entry will point at).
static OffsetNumber add_vector_item(Relation index, Page page, const char* item, Size size) {
    OffsetNumber off = PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false);
    if (off == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add an entry to index \"%s\"", RelationGetRelationName(index));
    return off;
}

// Whether a locked page can take an item of `size` bytes.
static bool has_room(Page page, Size size) {
    return PageGetFreeSpace(page) >= MAXALIGN(size);
}

// Checks a page reached through a list chain: a posting page, or one VACUUM
// unlinked since the link was read (returns true for it: it holds nothing,
// takes nothing, and its `next` leads back into the chain). XX001 otherwise.
bool ivf_check_chain_page(Relation index, Page page, BlockNumber blkno) {
    if (vecdb_page_is_vecdb(page) && VecdbPageGetOpaque(page)->kind == IVF_PAGE_UNLINKED) return true;
    vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
    return false;
}

// Pages of a list's chain an insert looks at before starting a new page.
#define IVF_INSERT_WALK 8

// Adds the item to the locked page `buffer` when it is a posting page with
// room (WAL-logged) and returns true; false leaves the page as it was.
static bool add_if_room(Relation index, Buffer buffer, BlockNumber blkno, const char* item, Size size) {
    Page page = BufferGetPage(buffer);
    if (ivf_check_chain_page(index, page, blkno) || !has_room(page, size)) return false;
    GenericXLogState* state = GenericXLogStart(index);
    page = vecdb_register_buffer(state, buffer, 0);
    vecdb_page_add_item(index, page, item, size);
    GenericXLogFinish(state);
    return true;
}

// Adds an item to list `list`: on the slot's insert page or a few pages
// after it when one has room, otherwise on a new page that becomes the
// head of the chain. Pages are checked for room under a share lock first,
// so full pages on the walk cost no exclusive lock. The new page is
// allocated (relation extension, FSM) before the slot page is locked, and
// is linked in front of whatever the head is by then: concurrent inserts
// into the lists of one directory page wait for each other only for that
// one WAL record, never for an extension.
void ivf_insert_into_list(Relation index, const IvfMetaData* meta, uint32 list, const char* item, Size size) {
    IvfListSlot slot = ivf_read_slot(index, meta, list);
    BlockNumber blkno = slot.insert_page != InvalidBlockNumber ? slot.insert_page : slot.head;
    for (int walked = 0; blkno != InvalidBlockNumber && walked < IVF_INSERT_WALK; walked++) {
        CHECK_FOR_INTERRUPTS();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        bool unlinked = ivf_check_chain_page(index, page, blkno);
        bool room = !unlinked && has_room(page, size);
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
        if (room) {
            LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
            bool added = add_if_room(index, buffer, blkno, item, size);
            next = VecdbPageGetOpaque(BufferGetPage(buffer))->next;
            UnlockReleaseBuffer(buffer);
            if (added) {
                if (blkno != slot.insert_page) ivf_set_insert_page(index, meta, list, slot.insert_page, blkno);
                return;
            }
        } else {
            ReleaseBuffer(buffer);
        }
        blkno = next;
    }

    // No room nearby: a new page, allocated before the slot is locked (no
    // one else can reach it until it is linked), then linked as the head.
    Buffer buffer = vecdb_allocate_page(index);
    BlockNumber slot_blkno = ivf_slot_block(meta, list);
    Buffer slot_buffer = ReadBuffer(index, slot_blkno);
    LockBuffer(slot_buffer, BUFFER_LOCK_EXCLUSIVE);
    ivf_check_slot_page(index, meta, BufferGetPage(slot_buffer), slot_blkno);
    GenericXLogState* state = GenericXLogStart(index);
    Page slot_page = vecdb_register_buffer(state, slot_buffer, 0);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    IvfListSlot* target = ivf_slot_in_page(meta, slot_page, list);
    vecdb_page_init(page, VECDB_PAGE_DATA);
    VecdbPageGetOpaque(page)->next = target->head;
    vecdb_page_add_item(index, page, item, size);
    target->head = BufferGetBlockNumber(buffer);
    target->insert_page = target->head;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(slot_buffer);
}

// Stores a full vector on a vector page (sq8 lists point at it) and
// returns where it went. Line pointers on vector pages never move.
ItemPointerData ivf_store_vector(Relation index, ItemPointer heap_tid, const struct varlena* value) {
    Size size;
    char* item = ivf_form_full_entry(index, heap_tid, value, &size);
    ItemPointerData where;
    BlockNumber blkno = ivf_read_meta(index).vector_insert_page;
    if (blkno != InvalidBlockNumber) {
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, IVF_PAGE_VECTOR);
        if (has_room(page, size) || (PageHasFreeLinePointers(page) && PageGetExactFreeSpace(page) >= MAXALIGN(size))) {
            GenericXLogState* state = GenericXLogStart(index);
            page = vecdb_register_buffer(state, buffer, 0);
            OffsetNumber off = add_vector_item(index, page, item, size);
            GenericXLogFinish(state);
            UnlockReleaseBuffer(buffer);
            ItemPointerSet(&where, blkno, off);
            pfree(item);
            return where;
        }
        UnlockReleaseBuffer(buffer);
    }
    Buffer buffer = vecdb_allocate_page(index);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, IVF_PAGE_VECTOR);
    OffsetNumber off = add_vector_item(index, page, item, size);
    GenericXLogFinish(state);
    blkno = BufferGetBlockNumber(buffer);
    UnlockReleaseBuffer(buffer);
    ivf_set_vector_insert_page(index, blkno);
    ItemPointerSet(&where, blkno, off);
    pfree(item);
    return where;
}
