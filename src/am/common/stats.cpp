// vecdb.index_stats(regclass): what a vecdb index holds, read page by page.
#include "am/common/page.h"
#include "am/flat/flat.h"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "utils/datum.h"
#include "utils/syscache.h"
#include "utils/acl.h"
#include "utils/snapmgr.h"
}

typedef struct IndexCounts {
    int64 total_pages, data_pages, overflow_pages, free_pages;
    int64 entries, null_entries, dead_entries, free_bytes;
} IndexCounts;

// Whether no transaction can see the heap row an entry points to any more
// (VACUUM would remove the entry).
static bool heap_row_is_dead(IndexFetchTableData* fetch, Snapshot non_vacuumable, TupleTableSlot* slot,
                             ItemPointer tid) {
    bool call_again = false;
    ItemPointerData probe = *tid;
    return !table_index_fetch_tuple(fetch, &probe, non_vacuumable, slot, &call_again, NULL);
}

// Counts one data page's entries of a flat index.
static void count_flat_page(Page page, IndexFetchTableData* fetch, Snapshot non_vacuumable,
                            TupleTableSlot* slot, IndexCounts* counts) {
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
        counts->entries++;
        if (entry->flags & FLAT_ENTRY_NULL) counts->null_entries++;
        if (heap_row_is_dead(fetch, non_vacuumable, slot, &entry->heap_tid)) counts->dead_entries++;
    }
}

// Walks every block of the index and classifies it.
static void count_pages(Relation index, Relation heap, IndexCounts* counts) {
    IndexFetchTableData* fetch = table_index_fetch_begin(heap);
    TupleTableSlot* slot = table_slot_create(heap, NULL);
    SnapshotData non_vacuumable;
    InitNonVacuumableSnapshot(non_vacuumable, GlobalVisTestFor(heap));
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    counts->total_pages = nblocks;
    for (BlockNumber blkno = 1; blkno < nblocks; blkno++) {
        CHECK_FOR_INTERRUPTS();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        uint16 kind = PageIsNew(page) ? (uint16)VECDB_PAGE_FREE : VecdbPageGetOpaque(page)->kind;
        if (kind == VECDB_PAGE_DATA) {
            counts->data_pages++;
            counts->free_bytes += PageGetFreeSpace(page);
            count_flat_page(page, fetch, &non_vacuumable, slot, counts);
        } else if (kind == VECDB_PAGE_OVERFLOW) {
            counts->overflow_pages++;
        } else if (kind == VECDB_PAGE_FREE) {
            counts->free_pages++;
        }
        UnlockReleaseBuffer(buffer);
    }
    ExecDropSingleTupleTableSlot(slot);
    table_index_fetch_end(fetch);
}

VECDB_FUNCTION(vecdb_index_stats) {
    Oid index_oid = PG_GETARG_OID(0);
    Relation index = try_relation_open(index_oid, AccessShareLock);  // index_open's miss is XX000
    if (index == NULL)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("relation with OID %u does not exist", index_oid)));
    if (index->rd_rel->relkind != RELKIND_INDEX || index->rd_rel->relam != get_index_am_oid("flat", true))
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a vecdb index", RelationGetRelationName(index))));
    if (pg_class_ownercheck(index_oid, GetUserId()) == false &&
        pg_class_aclcheck(index->rd_index->indrelid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for index %s", RelationGetRelationName(index))));
    VecdbMetaHeader header = vecdb_read_metapage(index, VECDB_AM_FLAT, NULL, 0);
    Relation heap = table_open(index->rd_index->indrelid, AccessShareLock);
    IndexCounts counts;
    memset(&counts, 0, sizeof counts);
    count_pages(index, heap, &counts);
    table_close(heap, AccessShareLock);

    TupleDesc desc;
    if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    Datum values[11];
    bool nulls[11] = {false};
    values[0] = CStringGetTextDatum("flat");
    values[1] = Int32GetDatum(header.dimensions);
    if (header.dimensions == 0) nulls[1] = true;
    values[2] = Int64GetDatum(counts.total_pages);
    values[3] = Int64GetDatum(counts.data_pages);
    values[4] = Int64GetDatum(counts.overflow_pages);
    values[5] = Int64GetDatum(counts.free_pages);
    values[6] = Int64GetDatum(counts.entries);
    values[7] = Int64GetDatum(counts.null_entries);
    values[8] = Int64GetDatum(counts.dead_entries);
    values[9] = Int64GetDatum(counts.free_bytes);
    bool isnull;
    HeapTuple class_tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(index_oid));
    Datum options = SysCacheGetAttr(RELOID, class_tuple, Anum_pg_class_reloptions, &isnull);
    values[10] = isnull ? (Datum)0 : datumCopy(options, false, -1);
    nulls[10] = isnull;
    ReleaseSysCache(class_tuple);
    index_close(index, AccessShareLock);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
