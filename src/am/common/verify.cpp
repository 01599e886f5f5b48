// vecdb.verify_index: the common checks, the AM's callback, and the check
// that the index covers the table.
#include "am/common/verify.h"

extern "C" {
#include "access/tableam.h"
#include "catalog/index.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
}

// An index entry's heap TID and where the entry lives.
typedef struct VerifyEntry {
    ItemPointerData heap_tid;
    BlockNumber blkno;
    OffsetNumber offset;
} VerifyEntry;

struct VecdbVerifyReport {
    Relation index;
    const VecdbAmDescriptor* am;
    void* am_state;       // descriptor->indexes_row's
    Tuplestorestate* store;
    TupleDesc desc;
    BlockNumber nblocks;  // when the check began; pages past it are checked when reached
    uint16* kinds;        // kind the common pass saw, per block (0: new or broken)
    VerifyEntry* entries;
    size_t nentries, capacity;
};

void vecdb_verify_problem(VecdbVerifyReport* report, BlockNumber blkno, OffsetNumber offset, const char* fmt, ...) {
    StringInfoData message;
    initStringInfo(&message);
    for (;;) {
        va_list args;
        va_start(args, fmt);
        int needed = appendStringInfoVA(&message, fmt, args);
        va_end(args);
        if (needed == 0) break;
        enlargeStringInfo(&message, needed);
    }
    Datum values[3];
    bool nulls[3] = {blkno == InvalidBlockNumber, offset == InvalidOffsetNumber, false};
    values[0] = Int64GetDatum((int64)blkno);
    values[1] = Int32GetDatum((int32)offset);
    values[2] = CStringGetTextDatum(message.data);
    tuplestore_putvalues(report->store, report->desc, values, nulls);
    pfree(message.data);
}

void vecdb_verify_entry(VecdbVerifyReport* report, BlockNumber blkno, OffsetNumber offset, ItemPointer heap_tid) {
    if (!ItemPointerIsValid(heap_tid)) {
        vecdb_verify_problem(report, blkno, offset, "entry has an invalid heap row pointer");
        return;
    }
    if (report->nentries == report->capacity) {
        report->capacity = Max(report->capacity * 2, 1024);
        Size bytes = report->capacity * sizeof(VerifyEntry);
        report->entries = (VerifyEntry*)(report->entries ? repalloc_huge(report->entries, bytes)
                                                         : MemoryContextAllocHuge(CurrentMemoryContext, bytes));
    }
    VerifyEntry* entry = &report->entries[report->nentries++];
    entry->heap_tid = *heap_tid;
    entry->blkno = blkno;
    entry->offset = offset;
}

BlockNumber vecdb_verify_nblocks(const VecdbVerifyReport* report) {
    return report->nblocks;
}

uint16 vecdb_verify_page_kind(const VecdbVerifyReport* report, BlockNumber blkno) {
    return blkno < report->nblocks ? report->kinds[blkno] : 0;
}

// Whether a block exists now (the index may have grown since the check began).
static bool block_exists(const VecdbVerifyReport* report, BlockNumber blkno) {
    return blkno != InvalidBlockNumber &&
           (blkno < report->nblocks || blkno < RelationGetNumberOfBlocks(report->index));
}

// Whether the page header and special space are those of a vecdb page;
// reports what is wrong otherwise, unless quiet.
static bool check_page_layout(VecdbVerifyReport* report, Page page, BlockNumber blkno, bool quiet) {
    PageHeader header = (PageHeader)page;
    if (PageGetPageSize(page) != BLCKSZ || header->pd_lower < SizeOfPageHeaderData ||
        header->pd_lower > header->pd_upper || header->pd_upper > header->pd_special ||
        header->pd_special != BLCKSZ - MAXALIGN(sizeof(VecdbPageOpaqueData))) {
        if (quiet) return false;
        vecdb_verify_problem(report, blkno, InvalidOffsetNumber,
                             "page header is corrupted (pd_lower %u, pd_upper %u, pd_special %u)",
                             header->pd_lower, header->pd_upper, header->pd_special);
        return false;
    }
    if (VecdbPageGetOpaque(page)->page_id != VECDB_PAGE_ID) {
        if (quiet) return false;
        vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "page is not a vecdb page (page id 0x%04x)",
                             VecdbPageGetOpaque(page)->page_id);
        return false;
    }
    return true;
}

Buffer vecdb_verify_read_page(VecdbVerifyReport* report, BlockNumber blkno, uint16 kind, const char* what) {
    if (!block_exists(report, blkno)) {
        vecdb_verify_problem(report, InvalidBlockNumber, InvalidOffsetNumber,
                             "%s points to block %u, past the end of the index", what, blkno);
        return InvalidBuffer;
    }
    Buffer buffer = ReadBuffer(report->index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    // a page the common pass saw is already reported if broken
    bool ok = !PageIsNew(page) && check_page_layout(report, page, blkno, blkno < report->nblocks);
    if (PageIsNew(page)) {
        vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "%s reaches an uninitialized page", what);
    } else if (!ok) {
        vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "%s reaches a broken page", what);
    } else if (VecdbPageGetOpaque(page)->kind != kind) {
        vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "%s reaches a page of kind %u, not %u", what,
                             VecdbPageGetOpaque(page)->kind, kind);
        ok = false;
    }
    if (!ok) {
        UnlockReleaseBuffer(buffer);
        return InvalidBuffer;
    }
    return buffer;
}

void vecdb_verify_overflow_ref(VecdbVerifyReport* report, BlockNumber blkno, OffsetNumber offset,
                               const VecdbOverflowRef* ref) {
    Size done = 0;
    BlockNumber chunk = ref->first_page;
    // a chain longer than the index has pages loops
    for (BlockNumber pages = 0; chunk != InvalidBlockNumber; pages++) {
        CHECK_FOR_INTERRUPTS();
        if (pages > RelationGetNumberOfBlocks(report->index)) {
            vecdb_verify_problem(report, blkno, offset, "overflow chain loops");
            return;
        }
        Buffer buffer = vecdb_verify_read_page(report, chunk, VECDB_PAGE_OVERFLOW, "overflow chain");
        if (buffer == InvalidBuffer) {
            vecdb_verify_problem(report, blkno, offset, "overflow chain is broken at block %u", chunk);
            return;
        }
        Page page = BufferGetPage(buffer);
        Size length = 0;
        if (PageGetMaxOffsetNumber(page) == FirstOffsetNumber &&
            ItemIdIsNormal(PageGetItemId(page, FirstOffsetNumber)))
            length = ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber));
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        if (length == 0) {
            vecdb_verify_problem(report, chunk, InvalidOffsetNumber, "overflow page does not hold exactly one chunk");
            return;
        }
        done += length;
        chunk = next;
    }
    if (done != ref->size)
        vecdb_verify_problem(report, blkno, offset, "overflow chain holds %zu bytes, its entry says %u", done,
                             ref->size);
}

// The common pass over one page: layout, kind, line pointers.
static void check_page(VecdbVerifyReport* report, const VecdbAmDescriptor* am, Page page, BlockNumber blkno) {
    report->kinds[blkno] = 0;
    if (PageIsNew(page)) return;  // never written (extended just before a crash): unused, as VACUUM sees it
    if (!check_page_layout(report, page, blkno, false)) return;
    uint16 kind = VecdbPageGetOpaque(page)->kind;
    bool kind_ok = blkno == VECDB_METAPAGE_BLKNO
                       ? kind == VECDB_PAGE_META
                       : (kind == VECDB_PAGE_DATA || kind == VECDB_PAGE_OVERFLOW || kind == VECDB_PAGE_FREE ||
                          kind >= VECDB_PAGE_AM_FIRST);
    if (!kind_ok) {
        vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "page has an invalid kind %u", kind);
        return;
    }
    PageHeader header = (PageHeader)page;
    // the metapage's pd_lower covers its contents, not line pointers
    OffsetNumber max = kind == VECDB_PAGE_META ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (ItemIdHasStorage(item_id) && (ItemIdGetOffset(item_id) < header->pd_upper ||
                                          ItemIdGetOffset(item_id) + ItemIdGetLength(item_id) > header->pd_special)) {
            vecdb_verify_problem(report, blkno, off, "item lies outside the page's item space (offset %u, length %u)",
                                 ItemIdGetOffset(item_id), ItemIdGetLength(item_id));
            return;
        }
    }
    BlockNumber next = VecdbPageGetOpaque(page)->next;
    if (next != InvalidBlockNumber && (next == VECDB_METAPAGE_BLKNO || !block_exists(report, next)))
        vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "page links to block %u, which is not a page it can link to",
                             next);
    if (blkno == VECDB_METAPAGE_BLKNO) {
        VecdbMetaHeader meta;
        memcpy(&meta, PageGetContents(page), sizeof meta);
        if (meta.magic != VECDB_MAGIC || meta.am != am->kind) {
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber,
                                 "metapage is not that of a %s index (magic 0x%08x, access method %u)", am->name,
                                 meta.magic, meta.am);
            return;
        }
    }
    report->kinds[blkno] = kind;
}

// Orders entries by heap TID.
static int compare_entries(const void* a, const void* b) {
    return ItemPointerCompare((ItemPointer) & ((const VerifyEntry*)a)->heap_tid,
                              (ItemPointer) & ((const VerifyEntry*)b)->heap_tid);
}

// table_index_build_scan callback: a heap row the index must hold exactly once.
static void check_heap_row(Relation index, ItemPointer tid, Datum* values, bool* isnull, bool alive, void* arg) {
    VecdbVerifyReport* report = (VecdbVerifyReport*)arg;
    if (report->am->indexes_row && !report->am->indexes_row(index, values, isnull, &report->am_state)) return;
    VerifyEntry key;
    key.heap_tid = *tid;
    if (bsearch(&key, report->entries, report->nentries, sizeof(VerifyEntry), compare_entries) == NULL)
        vecdb_verify_problem(report, InvalidBlockNumber, InvalidOffsetNumber, "heap row (%u,%u) is not indexed",
                             ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid));
}

// Every heap row visible to `snapshot` has exactly one entry; no entry
// points past the table's end. Rows the snapshot cannot see may keep
// entries until VACUUM removes them.
static void check_heap_coverage(VecdbVerifyReport* report, Relation heap, Snapshot snapshot) {
    qsort(report->entries, report->nentries, sizeof(VerifyEntry), compare_entries);
    BlockNumber heap_blocks = RelationGetNumberOfBlocks(heap);
    for (size_t i = 0; i < report->nentries; i++) {
        const VerifyEntry* entry = &report->entries[i];
        if (ItemPointerGetBlockNumber(&entry->heap_tid) >= heap_blocks)
            vecdb_verify_problem(report, entry->blkno, entry->offset, "entry points to heap row (%u,%u), past the end of the table",
                                 ItemPointerGetBlockNumber(&entry->heap_tid), ItemPointerGetOffsetNumber(&entry->heap_tid));
        if (i > 0 && ItemPointerEquals((ItemPointer)&entry->heap_tid, (ItemPointer)&report->entries[i - 1].heap_tid))
            vecdb_verify_problem(report, entry->blkno, entry->offset,
                                 "heap row (%u,%u) is indexed again (also at block %u item %u)",
                                 ItemPointerGetBlockNumber(&entry->heap_tid), ItemPointerGetOffsetNumber(&entry->heap_tid),
                                 report->entries[i - 1].blkno, report->entries[i - 1].offset);
    }
    IndexInfo* index_info = BuildIndexInfo(report->index);
    // an MVCC scan (as CREATE INDEX CONCURRENTLY does): only rows the snapshot sees
    index_info->ii_Concurrent = true;
    TableScanDesc scan = table_beginscan_strat(heap, snapshot, 0, NULL, true, true);
    table_index_build_scan(heap, report->index, index_info, true, false, check_heap_row, report, scan);
}

VECDB_FUNCTION(vecdb_verify_index) {
    Oid index_oid = PG_GETARG_OID(0);
    Relation heap;
    const VecdbAmDescriptor* am;
    Relation index = vecdb_open_for_inspection(index_oid, &heap, &am);
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;

    VecdbVerifyReport report;
    memset(&report, 0, sizeof report);
    report.index = index;
    report.am = am;
    report.store = rsinfo->setResult;
    report.desc = rsinfo->setDesc;
    // Taken before any index page is read: a row this snapshot sees was
    // committed, so its entry was written, before the check began.
    Snapshot snapshot = RegisterSnapshot(GetTransactionSnapshot());
    report.nblocks = RelationGetNumberOfBlocks(index);
    report.kinds = (uint16*)palloc0(sizeof(uint16) * Max(report.nblocks, 1));

    if (report.nblocks == 0)
        vecdb_verify_problem(&report, InvalidBlockNumber, InvalidOffsetNumber, "index has no metapage");
    for (BlockNumber blkno = 0; blkno < report.nblocks; blkno++) {
        CHECK_FOR_INTERRUPTS();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        check_page(&report, am, BufferGetPage(buffer), blkno);
        UnlockReleaseBuffer(buffer);
    }
    if (report.nblocks > 0 && report.kinds[VECDB_METAPAGE_BLKNO] == VECDB_PAGE_META) {
        // the AM's and the coverage checks need a readable metapage
        // coverage is known only from the entries an AM's verify records
        if (am->verify) {
            am->verify(index, heap, &report);
            check_heap_coverage(&report, heap, snapshot);
        }
    }
    UnregisterSnapshot(snapshot);
    vecdb_close_for_inspection(index, heap);
    return (Datum)0;
}
