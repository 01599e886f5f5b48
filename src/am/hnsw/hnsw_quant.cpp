// quantizer = 'sq8' for hnsw: element tuples carry 8-bit codes (one byte a
// dimension, src/core/quant/sq8) instead of the vector, and a search
// scores neighbours on the codes against the float query (asymmetric: no
// decoding). The full vectors sit on vector pages of their own and are read
// only to rerank what a search returns, so distances handed out are exact.
// The per-dimension ranges (offset[dim], scale[dim]) are trained at build
// and stored in one overflow chain the metapage points to.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_keys.h"
#include "core/quant/sq8.h"
#include "types/vector.h"

#include <cmath>

bool hnsw_quant_supported(const VecdbMetric* metric) {
    return metric->kind == VECDB_KEY_VECTOR_L2 || metric->kind == VECDB_KEY_VECTOR_IP ||
           metric->kind == VECDB_KEY_VECTOR_COSINE;
}

void hnsw_quant_check_metric(Relation index, const VecdbMetric* metric) {
    if (!hnsw_quant_supported(metric))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("hnsw quantizer \"sq8\" does not support the operator class of index \"%s\"",
                               RelationGetRelationName(index)),
                        errhint("sq8 supports vector with vector_l2_ops, vector_ip_ops and vector_cosine_ops.")));
}

// The vector's elements, unit length for cosine (so codes and the query
// compare by their dot product).
static void to_floats(const HnswQuant* quant, const struct varlena* value, float* out) {
    const Vector* v = (const Vector*)value;
    memcpy(out, v->x, sizeof(float) * quant->dim);
    if (quant->kind == VECDB_KEY_VECTOR_COSINE) {
        double norm = 0;
        for (int i = 0; i < quant->dim; i++) norm += (double)out[i] * out[i];
        if (norm > 0) {
            float inv = (float)(1.0 / std::sqrt(norm));
            for (int i = 0; i < quant->dim; i++) out[i] *= inv;
        }
    }
}

void hnsw_quant_check_value(Relation index, const HnswQuant* quant, const struct varlena* value) {
    int dim = ((const Vector*)value)->dim;
    if (dim != quant->dim)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("hnsw index \"%s\" holds vectors of %d dimensions, not %d",
                               RelationGetRelationName(index), quant->dim, dim)));
}

void hnsw_quant_check_size(Relation index, int m, const struct varlena* value) {
    int dim = ((const Vector*)value)->dim;
    if (VARSIZE(value) > VECDB_MAX_ITEM_SIZE ||
        hnsw_quantized_element_size(m, hnsw_max_level(m), dim) + hnsw_index_key_bytes(index) > HNSW_MAX_ITEM_SIZE)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("vector of %d dimensions is too large for hnsw index \"%s\" with quantizer \"sq8\"",
                               dim, RelationGetRelationName(index)),
                        errdetail("With sq8 the full vector must fit one index page (at most %d dimensions).",
                                  (int)((VECDB_MAX_ITEM_SIZE - VARHDRSZ - 4) / sizeof(float))),
                        errhint("Use quantizer 'none', which keeps larger vectors in overflow pages.")));
}

// Sets up quant for `dim` dimensions over the ranges in params (2 * dim floats).
static void quant_init(HnswQuant* quant, const VecdbMetric* metric, int dim, const float* params) {
    memset(quant, 0, sizeof *quant);
    quant->kind = metric->kind;
    quant->dim = dim;
    quant->offset = params;
    quant->scale = params + dim;
    quant->query_side = (float*)palloc(sizeof(float) * dim);
    quant->scratch = (float*)palloc(sizeof(float) * dim);
    const vecdb::core::Sq8Kernels& k = vecdb::core::sq8_kernels();
    quant->l2 = k.l2_squared;
    quant->l2_bounded = k.l2_squared_bounded;
    quant->dot = k.dot;
}

HnswQuant* hnsw_quant_train(Relation index, const VecdbMetric* metric, const struct varlena* const* sample, int n,
                            VecdbOverflowRef* ref) {
    int dim = ((const Vector*)sample[0])->dim;
    float* params = (float*)palloc(sizeof(float) * 2 * dim);
    HnswQuant* quant = (HnswQuant*)palloc(sizeof(HnswQuant));
    quant_init(quant, metric, dim, params);
    float* points = (float*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * (Size)n * dim);
    for (int i = 0; i < n; i++) to_floats(quant, sample[i], points + (Size)i * dim);
    vecdb::core::sq8_train(points, (size_t)n, (size_t)dim, params, params + dim);
    pfree(points);
    *ref = vecdb_overflow_store(index, params, sizeof(float) * 2 * dim);
    return quant;
}

// The trained ranges of the indexes this backend searched: they never
// change for a relfilenode once trained, and reading their overflow chain on
// every scan cost a page read and a 2 * dim float copy per query.
typedef struct HnswParamsCache {
    RelFileNode node;
    VecdbOverflowRef ref;
    float* params;
} HnswParamsCache;

#define HNSW_PARAMS_CACHED 8
static HnswParamsCache params_cache[HNSW_PARAMS_CACHED];
static int params_cached = 0;

// The ranges ref points to, from the cache or read into it (entries are
// never freed while cached: a quantizer may point into one; past the last
// slot the ranges are read into CurrentMemoryContext instead).
static const float* cached_params(Relation index, const VecdbOverflowRef* ref) {
    for (int i = 0; i < params_cached; i++) {
        HnswParamsCache* entry = &params_cache[i];
        if (RelFileNodeEquals(entry->node, index->rd_node) && entry->ref.first_page == ref->first_page &&
            entry->ref.size == ref->size)
            return entry->params;
    }
    float* params = (float*)palloc(ref->size);
    vecdb_overflow_read(index, ref, (char*)params);
    if (params_cached == HNSW_PARAMS_CACHED) return params;
    HnswParamsCache* entry = &params_cache[params_cached++];
    entry->node = index->rd_node;
    entry->ref = *ref;
    entry->params = (float*)MemoryContextAlloc(TopMemoryContext, ref->size);
    memcpy(entry->params, params, ref->size);
    pfree(params);
    return entry->params;
}

HnswQuant* hnsw_quant_load(Relation index, const VecdbMetric* metric, const HnswMetaData* meta) {
    if (meta->quantizer != HNSW_QUANTIZER_SQ8 || meta->sq8_params.first_page == InvalidBlockNumber ||
        meta->sq8_params.size == 0)
        return NULL;
    int dim = (int)(meta->sq8_params.size / (2 * sizeof(float)));
    const float* params = cached_params(index, &meta->sq8_params);
    HnswQuant* quant = (HnswQuant*)palloc(sizeof(HnswQuant));
    quant_init(quant, metric, dim, params);
    return quant;
}

void hnsw_quant_encode(const HnswQuant* quant, const struct varlena* value, uint8* codes) {
    to_floats(quant, value, quant->scratch);
    vecdb::core::sq8_encode(quant->scratch, (size_t)quant->dim, quant->offset, quant->scale, codes);
}

void hnsw_quant_prepare(HnswQuant* quant, const struct varlena* query) {
    quant->prepared_for = query;
    to_floats(quant, query, quant->scratch);
    if (quant->kind == VECDB_KEY_VECTOR_L2)
        vecdb::core::sq8_prepare_l2(quant->scratch, (size_t)quant->dim, quant->offset, quant->query_side);
    else
        quant->bias = vecdb::core::sq8_prepare_dot(quant->scratch, (size_t)quant->dim, quant->offset, quant->scale,
                                                   quant->query_side);
}
