// vecdb.index_stats(regclass): what a vecdb index holds, read page by page.
// The frame (page kinds, free bytes, dead-row checks, options) is common;
// the AM's descriptor counts the entries of its pages.
#include "am/common/am_descriptor.h"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/syscache.h"
#include "utils/acl.h"
#include "utils/snapmgr.h"
}

typedef struct IndexCounts {
    int64 total_pages, data_pages, overflow_pages, free_pages;
    int64 entries, null_entries, dead_entries, free_bytes;
} IndexCounts;

// What vecdb_count_entry needs to tell dead rows from live ones.
struct VecdbEntryCounter {
    IndexFetchTableData* fetch;
    SnapshotData non_vacuumable;
    TupleTableSlot* slot;
    IndexCounts* counts;
};

// Whether no transaction can see the heap row an entry points to any more
// (VACUUM would remove the entry).
static bool heap_row_is_dead(IndexFetchTableData* fetch, Snapshot non_vacuumable, TupleTableSlot* slot,
                             ItemPointer tid) {
    bool call_again = false;
    ItemPointerData probe = *tid;
    return !table_index_fetch_tuple(fetch, &probe, non_vacuumable, slot, &call_again, NULL);
}

void vecdb_count_entry(VecdbEntryCounter* counter, ItemPointer heap_tid, bool is_null) {
    counter->counts->entries++;
    if (is_null) counter->counts->null_entries++;
    if (heap_row_is_dead(counter->fetch, &counter->non_vacuumable, counter->slot, heap_tid))
        counter->counts->dead_entries++;
}

// Walks every block of the index, classifies it by kind and lets the AM
// count the entries of its data pages and its own page kinds.
static void count_pages(Relation index, Relation heap, const VecdbAmDescriptor* am, IndexCounts* counts) {
    VecdbEntryCounter counter;
    counter.fetch = table_index_fetch_begin(heap);
    counter.slot = table_slot_create(heap, NULL);
    InitNonVacuumableSnapshot(counter.non_vacuumable, GlobalVisTestFor(heap));
    counter.counts = counts;
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    counts->total_pages = nblocks;
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++) {
        CHECK_FOR_INTERRUPTS();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        uint16 kind = PageIsNew(page) ? (uint16)VECDB_PAGE_FREE : VecdbPageGetOpaque(page)->kind;
        if (kind == VECDB_PAGE_OVERFLOW) {
            counts->overflow_pages++;
        } else if (kind == VECDB_PAGE_FREE) {
            counts->free_pages++;
        } else if (kind == VECDB_PAGE_DATA || kind >= VECDB_PAGE_AM_FIRST) {
            if (kind == VECDB_PAGE_DATA) {
                counts->data_pages++;
                counts->free_bytes += PageGetFreeSpace(page);
            }
            am->count_entries(index, page, blkno, &counter);
        }
        UnlockReleaseBuffer(buffer);
    }
    ExecDropSingleTupleTableSlot(counter.slot);
    table_index_fetch_end(counter.fetch);
}

VECDB_FUNCTION(vecdb_index_stats) {
    Oid index_oid = PG_GETARG_OID(0);
    Relation heap;
    const VecdbAmDescriptor* am;
    Relation index = vecdb_open_for_inspection(index_oid, &heap, &am);
    VecdbMetaHeader header = vecdb_read_metapage(index, am->kind, NULL, 0);
    IndexCounts counts;
    memset(&counts, 0, sizeof counts);
    count_pages(index, heap, am, &counts);

    TupleDesc desc;
    if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    Datum values[12];
    bool nulls[12] = {false};
    values[0] = CStringGetTextDatum(am->name);
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
    nulls[11] = am->describe == NULL;
    if (am->describe) {
        StringInfoData details;
        initStringInfo(&details);
        am->describe(index, heap, &details);
        values[11] = DirectFunctionCall1(jsonb_in, CStringGetDatum(details.data));
    }
    vecdb_close_for_inspection(index, heap);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
