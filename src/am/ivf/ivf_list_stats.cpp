// vecdb.ivf_list_stats(regclass): how evenly an ivf index's rows spread
// over its lists (lists, entries, empty lists, list sizes min / max / mean /
// stddev), read from the list chains. vecdb.index_stats has the page-level
// picture common to every AM; this is what only ivf has.
#include "am/ivf/ivf.h"

#include <cmath>

extern "C" {
#include "funcapi.h"
}

extern const VecdbAmDescriptor vecdb_ivf_am;

// Live entries of one list's chain (share-locking one page at a time).
static int64 list_size(Relation index, const IvfMetaData* meta, uint32 list) {
    int64 entries = 0;
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    BlockNumber steps = 0;
    for (BlockNumber blkno = ivf_read_slot(index, meta, list).head; blkno != InvalidBlockNumber;) {
        CHECK_FOR_INTERRUPTS();
        if (++steps > nblocks)
            ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                            errmsg("list %u of ivf index \"%s\" loops", list, RelationGetRelationName(index)),
                            errhint("vecdb.verify_index shows where; REINDEX repairs it.")));
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
            if (ItemIdIsNormal(PageGetItemId(page, off))) entries++;
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
    return entries;
}

VECDB_FUNCTION(vecdb_ivf_list_stats) {
    Oid index_oid = PG_GETARG_OID(0);
    Relation heap;
    const VecdbAmDescriptor* am;
    Relation index = vecdb_open_for_inspection(index_oid, &heap, &am);
    if (am != &vecdb_ivf_am)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not an ivf index", RelationGetRelationName(index)),
                        errhint("vecdb.index_stats describes indexes of every vecdb access method.")));
    IvfMetaData meta = ivf_read_meta(index);
    uint32 slots = ivf_slot_count(&meta);
    int64 entries = 0, empty = 0, smallest = PG_INT64_MAX, largest = 0;
    double sum_squares = 0;
    for (uint32 list = 0; list < slots; list++) {
        int64 n = list_size(index, &meta, list);
        entries += n;
        if (n == 0) empty++;
        smallest = Min(smallest, n);
        largest = Max(largest, n);
        sum_squares += (double)n * n;
    }
    double mean = (double)entries / slots;
    double variance = Max(sum_squares / slots - mean * mean, 0.0);
    static const char* const quantizers[] = {"none", "sq8", "pq"};

    TupleDesc desc;
    if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    Datum values[9];
    bool nulls[9] = {false};
    values[0] = Int32GetDatum((int32)meta.lists);
    values[1] = CStringGetTextDatum(meta.quantizer < lengthof(quantizers) ? quantizers[meta.quantizer] : "?");
    values[2] = Int64GetDatum(entries);
    values[3] = Int64GetDatum(empty);
    values[4] = Int64GetDatum(smallest);
    values[5] = Int64GetDatum(largest);
    values[6] = Float8GetDatum(mean);
    values[7] = Float8GetDatum(std::sqrt(variance));
    values[8] = Float8GetDatum(mean > 0 ? (double)largest / mean : 0.0);
    vecdb_close_for_inspection(index, heap);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
