// INSERT into an ivf index: the entry goes to the list of the nearest
// centroid (or the one list of an untrained index). NULL vectors are not
// indexed.
#include "am/ivf/ivf.h"
#include "core/quant/pq.h"
#include "core/quant/sq8.h"
#include "pg/guard.h"

// Forms and places one row's entry; runs in a short-lived context.
static void insert_value(Relation index, ItemPointer heap_tid, Datum datum) {
    VecdbMetric metric;
    vecdb_metric_init(&metric, index);
    IvfValueType type = ivf_value_type(index, &metric);
    // detoasted first: opening the TOAST table can process invalidations,
    // which free the cache
    struct varlena* value = PG_DETOAST_DATUM(datum);
    const IvfCache* cache = ivf_cache(index);
    IvfMetaData meta_copy = cache->meta;  // the cache may be rebuilt by an invalidation
    const IvfMetaData* meta = &meta_copy;
    if (meta->dimensions > 0) ivf_check_value(index, type, value, (int)meta->dimensions);
    if (meta->lists == 0) {
        Size size;
        char* item = ivf_form_full_entry(index, heap_tid, value, &size);
        ivf_insert_into_list(index, meta, 0, item, size);
        return;
    }
    uint32 dim = meta->dimensions;
    float* x = (float*)palloc(sizeof(float) * dim);
    ivf_value_to_floats(type, (IvfSpace)meta->space, value, x);
    uint32 list = ivf_nearest_list(cache, x);
    Size code_size = ivf_code_size(meta);
    if (code_size == 0) {
        Size size;
        char* item = ivf_form_full_entry(index, heap_tid, value, &size);
        ivf_insert_into_list(index, meta, list, item, size);
        return;
    }
    Size size = IVF_CODE_HEADER_SIZE + code_size;
    char* item = (char*)palloc0(size);
    IvfCodeEntry* entry = (IvfCodeEntry*)item;
    entry->heap_tid = *heap_tid;
    uint8* codes = (uint8*)item + IVF_CODE_HEADER_SIZE;
    if (meta->quantizer == IVF_QUANTIZER_SQ8) {
        vecdb::pg::guarded("ivf sq8 encoding", [&] {
            vecdb::core::sq8_encode(x, dim, cache->sq8_offset, cache->sq8_scale, codes);
            return 0;
        });
    } else {
        // pq codes describe the residual from the list's centroid
        const float* centroid = cache->centroids + (Size)list * dim;
        for (uint32 d = 0; d < dim; d++) x[d] -= centroid[d];
        vecdb::core::PqShape shape;
        shape.dim = dim;
        shape.m = meta->pq_m;
        shape.nbits = meta->pq_nbits;
        vecdb::pg::guarded("ivf pq encoding", [&] {
            vecdb::core::pq_encode(x, shape, cache->pq_codebooks, codes);
            return 0;
        });
    }
    // the full vector first: an entry never points at nothing
    entry->vector = ivf_store_vector(index, heap_tid, value);
    ivf_insert_into_list(index, meta, list, item, size);
}

bool ivf_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* index_info) {
    if (isnull[0]) return false;
    MemoryContext insert_context = AllocSetContextCreate(CurrentMemoryContext, "ivf insert", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(insert_context);
    insert_value(index, heap_tid, values[0]);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(insert_context);
    return false;
}
