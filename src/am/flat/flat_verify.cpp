// vecdb.verify_index for flat: the data chain from the metapage reaches
// every data page once, every entry is well formed, and out-of-line values
// have intact overflow chains. The common frame then checks that every
// recorded entry's heap row is indexed exactly once.
#include "am/flat/flat.h"
#include "am/common/verify.h"

// Checks one entry of a locked data page and records its heap row.
static void verify_entry(VecdbVerifyReport* report, Relation index, Page page, BlockNumber blkno, OffsetNumber off) {
    ItemId item_id = PageGetItemId(page, off);
    Size size = ItemIdGetLength(item_id);
    if (size < FLAT_ENTRY_HEADER_SIZE) {
        vecdb_verify_problem(report, blkno, off, "entry is %zu bytes, shorter than its header", size);
        return;
    }
    FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
    uint8 flags = entry->flags;
    if ((flags & ~(FLAT_ENTRY_NULL | FLAT_ENTRY_EXTERNAL)) != 0 ||
        (flags & (FLAT_ENTRY_NULL | FLAT_ENTRY_EXTERNAL)) == (FLAT_ENTRY_NULL | FLAT_ENTRY_EXTERNAL)) {
        vecdb_verify_problem(report, blkno, off, "entry has invalid flags 0x%02x", flags);
        return;
    }
    if (flags & FLAT_ENTRY_NULL) {
        if (size != FLAT_ENTRY_HEADER_SIZE)
            vecdb_verify_problem(report, blkno, off, "NULL entry is %zu bytes, not %zu", size,
                                 (Size)FLAT_ENTRY_HEADER_SIZE);
    } else if (flags & FLAT_ENTRY_EXTERNAL) {
        if (size != FLAT_ENTRY_HEADER_SIZE + MAXALIGN(sizeof(VecdbOverflowRef)))
            vecdb_verify_problem(report, blkno, off, "out-of-line entry is %zu bytes", size);
        else
            vecdb_verify_overflow_ref(report, blkno, off, FlatEntryOverflowRef(entry));
    } else {
        const struct varlena* value = FlatEntryValue(entry);
        if (size < FLAT_ENTRY_HEADER_SIZE + VARHDRSZ || !VARATT_IS_4B_U(value) ||
            FLAT_ENTRY_HEADER_SIZE + MAXALIGN(VARSIZE(value)) != size)
            vecdb_verify_problem(report, blkno, off, "entry's value does not fill its %zu bytes", size);
    }
    vecdb_verify_entry(report, blkno, off, &entry->heap_tid);
}

// Walks the data chain, checking each page's entries; marks the pages seen.
static void verify_data_chain(VecdbVerifyReport* report, Relation index, BlockNumber first, uint8* on_chain) {
    BlockNumber steps = 0;
    for (BlockNumber blkno = first; blkno != InvalidBlockNumber;) {
        CHECK_FOR_INTERRUPTS();
        // pages added since the check began have no mark; a chain longer than the index loops
        if (++steps > RelationGetNumberOfBlocks(index)) {
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "data chain loops back to this page");
            return;
        }
        if (blkno < vecdb_verify_nblocks(report)) {
            if (on_chain[blkno / 8] & (1 << (blkno % 8))) {
                vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "data chain loops back to this page");
                return;
            }
            on_chain[blkno / 8] |= (uint8)(1 << (blkno % 8));
        }
        Buffer buffer = vecdb_verify_read_page(report, blkno, VECDB_PAGE_DATA, "data chain");
        if (buffer == InvalidBuffer) return;
        Page page = BufferGetPage(buffer);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsUsed(item_id)) continue;
            if (!ItemIdIsNormal(item_id))
                vecdb_verify_problem(report, blkno, off, "line pointer is dead or a redirect");
            else
                verify_entry(report, index, page, blkno, off);
        }
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
}

// descriptor->verify of flat.
void flat_verify(Relation index, Relation heap, VecdbVerifyReport* report) {
    FlatMetaData meta;
    VecdbMetaHeader header = vecdb_read_metapage(index, VECDB_AM_FLAT, &meta, sizeof meta);
    if (header.version != FLAT_VERSION)
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber, "metapage has version %u, not %u",
                             header.version, FLAT_VERSION);
    BlockNumber nblocks = vecdb_verify_nblocks(report);
    uint8* on_chain = (uint8*)palloc0(nblocks / 8 + 1);
    verify_data_chain(report, index, meta.first_data_page, on_chain);

    if (meta.insert_page != InvalidBlockNumber && meta.insert_page < nblocks &&
        !(on_chain[meta.insert_page / 8] & (1 << (meta.insert_page % 8))))
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "insert page %u is not on the data chain", meta.insert_page);
    // a page that was a data page when the check began is on the chain now:
    // data pages are never unlinked
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++) {
        uint16 kind = vecdb_verify_page_kind(report, blkno);
        if (kind == VECDB_PAGE_DATA && !(on_chain[blkno / 8] & (1 << (blkno % 8))))
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "data page is not on the data chain");
        else if (kind >= VECDB_PAGE_AM_FIRST)
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "page kind %u does not exist in a flat index",
                                 kind);
    }
    pfree(on_chain);
}
