// Flat index pages: the metapage and appending entries (inline, or through
// an overflow chain for values larger than a page).
#include "am/flat/flat.h"

// Writes the metapage of an empty flat index.
void flat_init_metapage(Relation index, ForkNumber fork) {
    VecdbMetaHeader header = vecdb_meta_header(index, VECDB_AM_FLAT, FLAT_VERSION);
    FlatMetaData meta;
    meta.first_data_page = InvalidBlockNumber;
    meta.insert_page = InvalidBlockNumber;
    vecdb_write_new_metapage(index, fork, &header, &meta, sizeof meta);
}

// Reads the flat-specific part of the metapage.
FlatMetaData flat_read_meta(Relation index) {
    FlatMetaData meta;
    vecdb_read_metapage(index, VECDB_AM_FLAT, &meta, sizeof meta);
    return meta;
}

// What flat keeps in rd_amcache (am/common/index_cache.h).
typedef struct FlatIndexCache {
    BlockNumber first_data_page;  // once known: the chain's head never moves
    BlockNumber insert_page;      // a hint only: VACUUM may move the metapage's back
    bool first_data_page_known;
    bool insert_page_known;
} FlatIndexCache;
static_assert(sizeof(FlatIndexCache) <= VECDB_INDEX_CACHE_AM_SIZE, "FlatIndexCache must fit in rd_amcache");

// The flat part of an index's rd_amcache.
static FlatIndexCache* flat_cache(Relation index) {
    return (FlatIndexCache*)VecdbIndexCacheAm(index);
}

// Remembers an insert page this backend used or set.
static void cache_insert_page(Relation index, BlockNumber blkno) {
    flat_cache(index)->insert_page = blkno;
    flat_cache(index)->insert_page_known = blkno != InvalidBlockNumber;
}

BlockNumber flat_first_data_page(Relation index) {
    if (flat_cache(index)->first_data_page_known) return flat_cache(index)->first_data_page;
    BlockNumber first = flat_read_meta(index).first_data_page;
    // an empty index may get its first page any time: only a real one is a fact
    if (first != InvalidBlockNumber) {
        flat_cache(index)->first_data_page = first;
        flat_cache(index)->first_data_page_known = true;
    }
    return first;
}

// Moves the metapage's insert hint (no WAL when it already says so); with
// only_if_empty_chain, also starts the data chain (first_data_page) when
// the index had none.
void flat_set_insert_page(Relation index, BlockNumber page_blkno, bool only_if_empty_chain) {
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    const FlatMetaData* current = (const FlatMetaData*)VecdbMetaBody(BufferGetPage(buffer));
    bool starts_chain = only_if_empty_chain && current->first_data_page == InvalidBlockNumber;
    if (starts_chain || current->insert_page != page_blkno) {
        GenericXLogState* state = GenericXLogStart(index);
        Page page = GenericXLogRegisterBuffer(state, buffer, 0);
        FlatMetaData* meta = (FlatMetaData*)VecdbMetaBody(page);
        if (starts_chain) meta->first_data_page = page_blkno;
        meta->insert_page = page_blkno;
        GenericXLogFinish(state);
    }
    UnlockReleaseBuffer(buffer);
    cache_insert_page(index, page_blkno);
}

// Builds the item for one row: header plus inline value or external ref.
static char* form_entry(Relation index, ItemPointer heap_tid, Datum value, bool isnull, Size* size) {
    FlatEntry header;
    header.heap_tid = *heap_tid;
    header.flags = 0;
    header.unused = 0;
    if (isnull) {
        header.flags = FLAT_ENTRY_NULL;
        *size = FLAT_ENTRY_HEADER_SIZE;
        char* item = (char*)palloc0(*size);
        memcpy(item, &header, sizeof header);
        return item;
    }
    struct varlena* plain = PG_DETOAST_DATUM(value);
    Size value_size = VARSIZE(plain);
    if (FLAT_ENTRY_HEADER_SIZE + MAXALIGN(value_size) <= VECDB_MAX_ITEM_SIZE) {
        *size = FLAT_ENTRY_HEADER_SIZE + MAXALIGN(value_size);
        char* item = (char*)palloc0(*size);
        memcpy(item, &header, sizeof header);
        memcpy(item + FLAT_ENTRY_HEADER_SIZE, plain, value_size);
        return item;
    }
    // If the entry is never written (a crash in between), VACUUM's overflow
    // sweep finds the chain unreferenced and frees it.
    VecdbOverflowRef ref = vecdb_overflow_store(index, plain, value_size);
    header.flags = FLAT_ENTRY_EXTERNAL;
    *size = FLAT_ENTRY_HEADER_SIZE + MAXALIGN(sizeof ref);
    char* item = (char*)palloc0(*size);
    memcpy(item, &header, sizeof header);
    memcpy(item + FLAT_ENTRY_HEADER_SIZE, &ref, sizeof ref);
    return item;
}

// Starts the data chain of an empty index with a page holding this item.
static BlockNumber start_chain(Relation index, const char* item, Size size) {
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    FlatMetaData* current = (FlatMetaData*)VecdbMetaBody(BufferGetPage(meta_buffer));
    if (current->first_data_page != InvalidBlockNumber) {
        // another backend started it while we waited for the lock
        UnlockReleaseBuffer(meta_buffer);
        return InvalidBlockNumber;
    }
    Buffer buffer = vecdb_allocate_page(index);
    BlockNumber blkno = BufferGetBlockNumber(buffer);
    GenericXLogState* state = GenericXLogStart(index);
    Page meta_page = GenericXLogRegisterBuffer(state, meta_buffer, 0);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, VECDB_PAGE_DATA);
    vecdb_page_add_item(index, page, item, size);
    FlatMetaData* meta = (FlatMetaData*)VecdbMetaBody(meta_page);
    meta->first_data_page = blkno;
    meta->insert_page = blkno;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(meta_buffer);
    return blkno;
}

// Places an item on the first page with room from `start`, following the
// chain and growing it at the end. Returns the page used; with
// stop_at_end, InvalidBlockNumber instead of growing the chain.
static BlockNumber place_item(Relation index, BlockNumber start, const char* item, Size size, bool stop_at_end) {
    BlockNumber blkno = start;
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
        if (PageGetFreeSpace(page) >= MAXALIGN(size)) {
            GenericXLogState* state = GenericXLogStart(index);
            page = GenericXLogRegisterBuffer(state, buffer, 0);
            vecdb_page_add_item(index, page, item, size);
            GenericXLogFinish(state);
            UnlockReleaseBuffer(buffer);
            return blkno;
        }
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        if (next != InvalidBlockNumber) {
            UnlockReleaseBuffer(buffer);
            blkno = next;
            continue;
        }
        if (stop_at_end) {
            UnlockReleaseBuffer(buffer);
            return InvalidBlockNumber;
        }
        // End of the chain: link a new page after it, in one WAL record.
        Buffer new_buffer = vecdb_allocate_page(index);
        BlockNumber new_blkno = BufferGetBlockNumber(new_buffer);
        GenericXLogState* state = GenericXLogStart(index);
        page = GenericXLogRegisterBuffer(state, buffer, 0);
        Page new_page = GenericXLogRegisterBuffer(state, new_buffer, GENERIC_XLOG_FULL_IMAGE);
        vecdb_page_init(new_page, VECDB_PAGE_DATA);
        vecdb_page_add_item(index, new_page, item, size);
        VecdbPageGetOpaque(page)->next = new_blkno;
        GenericXLogFinish(state);
        UnlockReleaseBuffer(new_buffer);
        UnlockReleaseBuffer(buffer);
        return new_blkno;
    }
}

// Appends one row's entry to the index. Starts at the build's hint, else
// at the insert page this backend last used (no metapage read while that
// page has room), else at the metapage's insert page. A remembered page
// whose chain is full to the end defers to the metapage before the chain
// grows, so space VACUUM freed (it moves the metapage's hint back) is
// reused.
void flat_append(Relation index, ItemPointer heap_tid, Datum value, bool isnull, FlatInsertHint* hint) {
    Size size;
    char* item = form_entry(index, heap_tid, value, isnull, &size);
    BlockNumber start = hint->page;
    bool remembered = false;
    if (start == InvalidBlockNumber && flat_cache(index)->insert_page_known) {
        start = flat_cache(index)->insert_page;
        remembered = true;
    }
    BlockNumber used = InvalidBlockNumber;
    if (remembered) used = place_item(index, start, item, size, true);
    if (used == InvalidBlockNumber) {
        if (hint->page == InvalidBlockNumber) {
            start = flat_read_meta(index).insert_page;
            if (start == InvalidBlockNumber) {
                BlockNumber first = start_chain(index, item, size);
                if (first != InvalidBlockNumber) {
                    hint->page = first;
                    cache_insert_page(index, first);
                    pfree(item);
                    return;
                }
                start = flat_read_meta(index).insert_page;
            }
        }
        used = place_item(index, start, item, size, false);
    }
    // Remember a new last page so later inserts skip the full ones.
    if (used != start) flat_set_insert_page(index, used, false);
    cache_insert_page(index, used);
    hint->page = used;
    pfree(item);
}
