// vecdb.ivf_list_stats(regclass) and ivf's part of vecdb.index_stats'
// details: how evenly an ivf index's rows spread over its lists (lists,
// entries, empty lists, list sizes min / max / mean / stddev), read from
// the list chains.
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
        ivf_check_chain_page(index, page, blkno);  // an unlinked page holds nothing
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
            if (ItemIdIsNormal(PageGetItemId(page, off))) entries++;
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
    return entries;
}

// What vecdb.ivf_list_stats and index_stats' details report.
typedef struct IvfListSizes {
    IvfMetaData meta;
    int64 entries, empty, smallest, largest;
    double mean, stddev;
} IvfListSizes;

// Walks every list's chain and summarises the list sizes.
static IvfListSizes list_sizes(Relation index) {
    IvfListSizes sizes;
    memset(&sizes, 0, sizeof sizes);
    sizes.meta = ivf_read_meta(index);
    uint32 slots = ivf_slot_count(&sizes.meta);
    sizes.smallest = PG_INT64_MAX;
    double sum_squares = 0;
    for (uint32 list = 0; list < slots; list++) {
        int64 n = list_size(index, &sizes.meta, list);
        sizes.entries += n;
        if (n == 0) sizes.empty++;
        sizes.smallest = Min(sizes.smallest, n);
        sizes.largest = Max(sizes.largest, n);
        sum_squares += (double)n * n;
    }
    sizes.mean = (double)sizes.entries / slots;
    sizes.stddev = std::sqrt(Max(sum_squares / slots - sizes.mean * sizes.mean, 0.0));
    return sizes;
}

// The name of a quantizer in the metapage.
static const char* quantizer_name(uint16 quantizer) {
    static const char* const names[] = {"none", "sq8", "pq"};
    return quantizer < lengthof(names) ? names[quantizer] : "?";
}

// descriptor->describe: index_stats' details of an ivf index.
void ivf_describe(Relation index, Relation heap, StringInfo out) {
    IvfListSizes sizes = list_sizes(index);
    appendStringInfo(out,
                     "{\"lists\": %u, \"quantizer\": \"%s\", \"pq_m\": %u, \"pq_nbits\": %u, \"entries\": %ld, "
                     "\"empty_lists\": %ld, \"min_list_size\": %ld, \"max_list_size\": %ld, "
                     "\"mean_list_size\": %.2f, \"stddev_list_size\": %.2f}",
                     sizes.meta.lists, quantizer_name(sizes.meta.quantizer),
                     sizes.meta.quantizer == IVF_QUANTIZER_PQ ? sizes.meta.pq_m : 0,
                     sizes.meta.quantizer == IVF_QUANTIZER_PQ ? sizes.meta.pq_nbits : 0, (long)sizes.entries,
                     (long)sizes.empty, (long)sizes.smallest, (long)sizes.largest, sizes.mean, sizes.stddev);
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
    IvfListSizes sizes = list_sizes(index);

    TupleDesc desc;
    if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    Datum values[9];
    bool nulls[9] = {false};
    values[0] = Int32GetDatum((int32)sizes.meta.lists);
    values[1] = CStringGetTextDatum(quantizer_name(sizes.meta.quantizer));
    values[2] = Int64GetDatum(sizes.entries);
    values[3] = Int64GetDatum(sizes.empty);
    values[4] = Int64GetDatum(sizes.smallest);
    values[5] = Int64GetDatum(sizes.largest);
    values[6] = Float8GetDatum(sizes.mean);
    values[7] = Float8GetDatum(sizes.stddev);
    values[8] = Float8GetDatum(sizes.mean > 0 ? (double)sizes.largest / sizes.mean : 0.0);
    vecdb_close_for_inspection(index, heap);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
