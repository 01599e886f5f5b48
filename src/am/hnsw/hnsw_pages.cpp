// hnsw pages: the metapage, element tuples and their placement.
#include "am/hnsw/hnsw.h"
#include "core/hnsw/select.h"

// Writes the metapage of an empty hnsw index.
void hnsw_init_metapage(Relation index, ForkNumber fork, int m, int ef_construction, int quantizer) {
    VecdbMetaHeader header = vecdb_meta_header(index, VECDB_AM_HNSW, HNSW_VERSION);
    HnswMetaData meta;
    memset(&meta, 0, sizeof meta);
    ItemPointerSetInvalid(&meta.entry);
    meta.entry_level = -1;
    meta.m = (uint16)m;
    meta.ef_construction = (uint16)ef_construction;
    meta.quantizer = (uint16)quantizer;
    meta.insert_page = InvalidBlockNumber;
    meta.sq8_params.size = 0;
    meta.sq8_params.first_page = InvalidBlockNumber;
    meta.vector_insert_page = InvalidBlockNumber;
    meta.keys_first = meta.keys_last = InvalidBlockNumber;
    vecdb_write_new_metapage(index, fork, &header, &meta, sizeof meta);
}

// Reads the hnsw-specific part of the metapage.
HnswMetaData hnsw_read_meta(Relation index) {
    HnswMetaData meta;
    vecdb_read_metapage(index, VECDB_AM_HNSW, &meta, sizeof meta);
    return meta;
}

// Makes an element the entry point; with only_if_higher, only when its
// level is above the current top (another insert may have raised it).
void hnsw_update_entry(Relation index, ItemPointer element, int level, bool only_if_higher) {
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    HnswMetaData* current = (HnswMetaData*)VecdbMetaBody(BufferGetPage(buffer));
    if (only_if_higher && ItemPointerIsValid(&current->entry) && level <= current->entry_level) {
        UnlockReleaseBuffer(buffer);
        return;
    }
    GenericXLogState* state = GenericXLogStart(index);
    Page page = vecdb_register_buffer(state, buffer, 0);
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(page);
    if (element) {
        meta->entry = *element;
        meta->entry_level = (int16)level;
    } else {
        ItemPointerSetInvalid(&meta->entry);
        meta->entry_level = -1;
    }
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

// Moves the metapage's insert hint for pages of kind.
void hnsw_set_insert_page(Relation index, BlockNumber blkno, uint16 kind) {
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = vecdb_register_buffer(state, buffer, 0);
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(page);
    if (kind == HNSW_PAGE_VECTOR)
        meta->vector_insert_page = blkno;
    else
        meta->insert_page = blkno;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

// Item size of an element; *external tells whether its value must go to
// overflow pages because it does not fit beside the links.
Size hnsw_element_size(int m, int level, Size value_size, Size key_bytes, bool* external) {
    Size inline_size = hnsw_value_offset(m, level) + MAXALIGN(value_size) + key_bytes;
    *external = inline_size > HNSW_MAX_ITEM_SIZE;
    return *external ? hnsw_value_offset(m, level) + MAXALIGN(sizeof(VecdbOverflowRef)) + key_bytes : inline_size;
}

// Fills an element tuple (item is zeroed, hnsw_element_size bytes): no
// links yet, the value inline, or the reference to its overflow chain.
void hnsw_form_element(char* item, int m, int level, ItemPointer heap_tid, const struct varlena* value,
                       const VecdbOverflowRef* external) {
    HnswElement element = (HnswElement)item;
    element->heap_tid = *heap_tid;
    element->level = (uint8)level;
    element->flags = external ? HNSW_ELEMENT_EXTERNAL : 0;
    HnswLink* links = HnswElementLinks(element);
    for (int i = 0; i < 2 * m + level * m; i++) links[i].offset = InvalidOffsetNumber;
    if (external)
        memcpy(item + hnsw_value_offset(m, level), external, sizeof *external);
    else
        memcpy(item + hnsw_value_offset(m, level), value, VARSIZE(value));
}

void hnsw_form_quantized_element(char* item, int m, int level, ItemPointer heap_tid, ItemPointer vector,
                                 const uint8* codes, int dim) {
    HnswElement element = (HnswElement)item;
    element->heap_tid = *heap_tid;
    element->level = (uint8)level;
    element->flags = HNSW_ELEMENT_QUANTIZED;
    HnswLink* links = HnswElementLinks(element);
    for (int i = 0; i < 2 * m + level * m; i++) links[i].offset = InvalidOffsetNumber;
    memcpy(item + hnsw_value_offset(m, level), vector, sizeof(ItemPointerData));
    memcpy(item + hnsw_value_offset(m, level) + HNSW_QUANTIZED_HEADER, codes, dim);
}

// The element at (blkno, offset) of a locked element page, checked enough
// that its links and value header can be read safely.
HnswElement hnsw_get_element(Relation index, Page page, BlockNumber blkno, OffsetNumber offset, int m) {
    vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
    return hnsw_page_element(index, page, blkno, offset, m);
}

HnswElement hnsw_page_element(Relation index, Page page, BlockNumber blkno, OffsetNumber offset, int m) {
    if (offset < FirstOffsetNumber || offset > PageGetMaxOffsetNumber(page)) goto corrupt;
    {
        ItemId item_id = PageGetItemId(page, offset);
        if (!ItemIdIsNormal(item_id) || ItemIdGetLength(item_id) < HNSW_ELEMENT_HEADER_SIZE) goto corrupt;
        HnswElement element = (HnswElement)PageGetItem(page, item_id);
        Size least = (element->flags & HNSW_ELEMENT_EXTERNAL)    ? sizeof(VecdbOverflowRef)
                     : (element->flags & HNSW_ELEMENT_QUANTIZED) ? HNSW_QUANTIZED_HEADER
                                                                 : VARHDRSZ;
        if (element->level > vecdb::core::hnsw::kMaxLevel ||
            hnsw_value_offset(m, element->level) + least > ItemIdGetLength(item_id))
            goto corrupt;
        return element;
    }
corrupt:
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                    errmsg("index \"%s\" has an invalid element reference (%u,%u)", RelationGetRelationName(index),
                           blkno, offset),
                    errhint("Please REINDEX it.")));
    return NULL;
}

ItemPointerData hnsw_place_element(Relation index, const char* item, Size size,
                                   const HnswPlaceCompanion* companion) {
    return hnsw_place_item(index, item, size, VECDB_PAGE_DATA, companion);
}

// Adds an item to the first page of its kind with room, starting at the
// insert hint, growing the index when the hint page is full. Returns the
// item's TID.
ItemPointerData hnsw_place_item(Relation index, const char* item, Size size, uint16 kind,
                                const HnswPlaceCompanion* companion) {
    HnswMetaData meta = hnsw_read_meta(index);
    BlockNumber hint = kind == HNSW_PAGE_VECTOR ? meta.vector_insert_page : meta.insert_page;
    ItemPointerData tid;
    if (hint != InvalidBlockNumber) {
        Buffer buffer = ReadBuffer(index, hint);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, hint, kind);
        if (PageGetFreeSpace(page) >= MAXALIGN(size)) {
            GenericXLogState* state = GenericXLogStart(index);
            page = vecdb_register_buffer(state, buffer, 0);
            OffsetNumber offset = PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false);
            if (offset == InvalidOffsetNumber)
                elog(ERROR, "vecdb: failed to add an element to index \"%s\"", RelationGetRelationName(index));
            ItemPointerSet(&tid, hint, offset);
            if (companion) hnsw_pending_mark_placed(index, state, companion, &tid);
            GenericXLogFinish(state);
            if (companion) LockBuffer(companion->buffer, BUFFER_LOCK_UNLOCK);
            UnlockReleaseBuffer(buffer);
            return tid;
        }
        UnlockReleaseBuffer(buffer);
    }
    Buffer buffer = vecdb_allocate_page(index);
    BlockNumber blkno = BufferGetBlockNumber(buffer);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, kind);
    OffsetNumber offset = PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false);
    if (offset == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add an element to index \"%s\"", RelationGetRelationName(index));
    ItemPointerSet(&tid, blkno, offset);
    if (companion) hnsw_pending_mark_placed(index, state, companion, &tid);
    GenericXLogFinish(state);
    if (companion) LockBuffer(companion->buffer, BUFFER_LOCK_UNLOCK);
    UnlockReleaseBuffer(buffer);
    // the meta lock is taken only after the page's is released: no lock-order cycle
    hnsw_set_insert_page(index, blkno, kind);
    return tid;
}

bool hnsw_link_to(Relation index, int m, ItemPointer element, ItemPointer target, float dist, bool replace_farthest,
                  ItemPointer displaced) {
    BlockNumber blkno = ItemPointerGetBlockNumber(element);
    OffsetNumber offset = ItemPointerGetOffsetNumber(element);
    ItemPointerSetInvalid(displaced);
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    HnswElement current = hnsw_get_element(index, BufferGetPage(buffer), blkno, offset, m);
    const HnswLink* links = HnswElementLinks(current);
    int capacity = hnsw_level_capacity(m, 0);
    int slot = -1;
    float farthest = -1;
    for (int i = 0; i < capacity; i++) {
        if (!hnsw_link_valid(&links[i])) {
            slot = i;
            break;
        }
        ItemPointerData tid = hnsw_link_tid(&links[i]);
        if (ItemPointerEquals(&tid, target)) {
            UnlockReleaseBuffer(buffer);
            return true;
        }
        if (replace_farthest && links[i].dist > farthest) {
            farthest = links[i].dist;
            slot = i;
        }
    }
    if (slot < 0) {
        UnlockReleaseBuffer(buffer);
        return false;
    }
    if (hnsw_link_valid(&links[slot])) *displaced = hnsw_link_tid(&links[slot]);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = vecdb_register_buffer(state, buffer, 0);
    HnswElement writable = hnsw_get_element(index, page, blkno, offset, m);
    hnsw_set_link(HnswElementLinks(writable) + slot, target, dist);
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    return true;
}

bool hnsw_is_element_page(Page page) {
    return !PageIsNew(page) && PageGetSpecialSize(page) == MAXALIGN(sizeof(VecdbPageOpaqueData)) &&
           VecdbPageGetOpaque(page)->page_id == VECDB_PAGE_ID && VecdbPageGetOpaque(page)->kind == VECDB_PAGE_DATA;
}
