// Flat index pages: the metapage, appending entries (inline or through
// overflow chunks) and reading out-of-line values back.
#include "am/flat/flat.h"

extern "C" {
#include "access/xact.h"
}

// Writes the metapage of an empty flat index.
void flat_init_metapage(Relation index, ForkNumber fork) {
    VecdbMetaHeader header;
    header.magic = VECDB_MAGIC;
    header.version = FLAT_VERSION;
    header.am = VECDB_AM_FLAT;
    int32 typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
    header.dimensions = typmod > 0 ? typmod : 0;
    FlatMetaData meta;
    meta.first_data_page = InvalidBlockNumber;
    meta.insert_page = InvalidBlockNumber;
    meta.has_overflow = false;
    vecdb_write_new_metapage(index, fork, &header, &meta, sizeof meta);
}

// Reads the flat-specific part of the metapage.
FlatMetaData flat_read_meta(Relation index) {
    FlatMetaData meta;
    vecdb_read_metapage(index, VECDB_AM_FLAT, &meta, sizeof meta);
    return meta;
}

// Moves the metapage's insert hint; with only_if_empty_chain, also starts
// the data chain (first_data_page) when the index had none.
void flat_set_insert_page(Relation index, BlockNumber page_blkno, bool only_if_empty_chain) {
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, 0);
    FlatMetaData* meta = (FlatMetaData*)VecdbMetaBody(page);
    if (only_if_empty_chain) {
        if (meta->first_data_page == InvalidBlockNumber) meta->first_data_page = page_blkno;
    }
    meta->insert_page = page_blkno;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

// Records in the metapage that the index has overflow pages, so VACUUM
// knows to look for orphaned ones.
void flat_note_overflow(Relation index) {
    if (flat_read_meta(index).has_overflow) return;
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, 0);
    ((FlatMetaData*)VecdbMetaBody(page))->has_overflow = true;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

// Adds one item to a locked page already registered for WAL; errors if full.
static void add_item(Relation index, Page page, const char* item, Size size) {
    if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add an entry to index \"%s\"", RelationGetRelationName(index));
}

// Writes a value too large for a data page into a fresh chain of overflow
// pages, last chunk first so every page can point at its successor. Each
// page carries the writer's XID: if the entry never gets written (a crash
// in between), VACUUM finds the chain unreferenced and frees it.
static BlockNumber write_overflow_chain(Relation index, const char* data, Size size) {
    flat_note_overflow(index);
    TransactionId xid = GetCurrentTransactionId();
    Size nchunks = (size + FLAT_CHUNK_SIZE - 1) / FLAT_CHUNK_SIZE;
    BlockNumber next = InvalidBlockNumber;
    for (Size i = nchunks; i-- > 0;) {
        Size offset = i * FLAT_CHUNK_SIZE;
        Size length = Min(FLAT_CHUNK_SIZE, size - offset);
        Buffer buffer = vecdb_allocate_page(index);
        GenericXLogState* state = GenericXLogStart(index);
        Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
        vecdb_page_init(page, VECDB_PAGE_OVERFLOW);
        VecdbPageGetOpaque(page)->next = next;
        VecdbPageGetOpaque(page)->xid = xid;
        add_item(index, page, data + offset, length);
        GenericXLogFinish(state);
        next = BufferGetBlockNumber(buffer);
        UnlockReleaseBuffer(buffer);
    }
    return next;
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
    if (FLAT_ENTRY_HEADER_SIZE + MAXALIGN(value_size) <= FLAT_MAX_ITEM_SIZE) {
        *size = FLAT_ENTRY_HEADER_SIZE + MAXALIGN(value_size);
        char* item = (char*)palloc0(*size);
        memcpy(item, &header, sizeof header);
        memcpy(item + FLAT_ENTRY_HEADER_SIZE, plain, value_size);
        return item;
    }
    FlatExternalRef ref;
    ref.size = (uint32)value_size;
    ref.first_chunk = write_overflow_chain(index, (const char*)plain, value_size);
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
    add_item(index, page, item, size);
    FlatMetaData* meta = (FlatMetaData*)VecdbMetaBody(meta_page);
    meta->first_data_page = blkno;
    meta->insert_page = blkno;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(meta_buffer);
    return blkno;
}

// Places an item on the first page with room from `start`, following the
// chain and growing it at the end. Returns the page used.
static BlockNumber place_item(Relation index, BlockNumber start, const char* item, Size size) {
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
            add_item(index, page, item, size);
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
        // End of the chain: link a new page after it, in one WAL record.
        Buffer new_buffer = vecdb_allocate_page(index);
        BlockNumber new_blkno = BufferGetBlockNumber(new_buffer);
        GenericXLogState* state = GenericXLogStart(index);
        page = GenericXLogRegisterBuffer(state, buffer, 0);
        Page new_page = GenericXLogRegisterBuffer(state, new_buffer, GENERIC_XLOG_FULL_IMAGE);
        vecdb_page_init(new_page, VECDB_PAGE_DATA);
        add_item(index, new_page, item, size);
        VecdbPageGetOpaque(page)->next = new_blkno;
        GenericXLogFinish(state);
        UnlockReleaseBuffer(new_buffer);
        UnlockReleaseBuffer(buffer);
        return new_blkno;
    }
}

// Appends one row's entry to the index.
void flat_append(Relation index, ItemPointer heap_tid, Datum value, bool isnull, FlatInsertHint* hint) {
    Size size;
    char* item = form_entry(index, heap_tid, value, isnull, &size);
    BlockNumber start = hint->page;
    if (start == InvalidBlockNumber) {
        FlatMetaData meta = flat_read_meta(index);
        start = meta.insert_page;
        if (start == InvalidBlockNumber) {
            BlockNumber first = start_chain(index, item, size);
            if (first != InvalidBlockNumber) {
                hint->page = first;
                pfree(item);
                return;
            }
            start = flat_read_meta(index).insert_page;
        }
    }
    BlockNumber used = place_item(index, start, item, size);
    // Remember a new last page so later inserts skip the full ones.
    if (used != start) flat_set_insert_page(index, used, false);
    hint->page = used;
    pfree(item);
}

// Reassembles an out-of-line value into buffer (ref->size bytes long).
struct varlena* flat_read_external(Relation index, const FlatExternalRef* ref, char* buffer) {
    Size done = 0;
    BlockNumber blkno = ref->first_chunk;
    while (done < ref->size) {
        if (blkno == InvalidBlockNumber) break;
        Buffer chunk_buffer = ReadBuffer(index, blkno);
        LockBuffer(chunk_buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(chunk_buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_OVERFLOW);
        if (PageGetMaxOffsetNumber(page) < FirstOffsetNumber) {
            UnlockReleaseBuffer(chunk_buffer);
            break;
        }
        ItemId item_id = PageGetItemId(page, FirstOffsetNumber);
        Size length = ItemIdGetLength(item_id);
        if (length > ref->size - done) {
            UnlockReleaseBuffer(chunk_buffer);
            break;
        }
        memcpy(buffer + done, PageGetItem(page, item_id), length);
        done += length;
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(chunk_buffer);
    }
    if (done != ref->size || ref->size < VARHDRSZ || VARATT_IS_EXTENDED(buffer) || VARSIZE(buffer) != ref->size)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" has a broken overflow chain", RelationGetRelationName(index)),
                        errhint("Please REINDEX it.")));
    return (struct varlena*)buffer;
}
