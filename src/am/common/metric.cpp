// Maps opclass support functions to SIMD kernels, with fmgr as the fallback.
#include "am/common/metric.h"
#include "types/sparsevec.h"
#include "types/vector.h"
#include "core/distance/sparse.h"

#include <cmath>

extern "C" {
#include "utils/syscache.h"
#include "utils/varbit.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
}

using vecdb::core::cosine_from_parts;

// Known C symbols of vecdb distance functions and the kernel each maps to.
static const struct {
    const char* symbol;
    VecdbKeyKind kind;
} known_distances[] = {
    {"vector_l2_distance", VECDB_KEY_VECTOR_L2},
    {"vector_negative_inner_product", VECDB_KEY_VECTOR_IP},
    {"vector_cosine_distance", VECDB_KEY_VECTOR_COSINE},
    {"vector_l1_distance", VECDB_KEY_VECTOR_L1},
    {"halfvec_l2_distance", VECDB_KEY_HALFVEC_L2},
    {"halfvec_negative_inner_product", VECDB_KEY_HALFVEC_IP},
    {"halfvec_cosine_distance", VECDB_KEY_HALFVEC_COSINE},
    {"halfvec_l1_distance", VECDB_KEY_HALFVEC_L1},
    {"sparsevec_l2_distance", VECDB_KEY_SPARSEVEC_L2},
    {"sparsevec_negative_inner_product", VECDB_KEY_SPARSEVEC_IP},
    {"sparsevec_cosine_distance", VECDB_KEY_SPARSEVEC_COSINE},
    {"sparsevec_l1_distance", VECDB_KEY_SPARSEVEC_L1},
    {"bit_hamming_distance", VECDB_KEY_BIT_HAMMING},
    {"bit_jaccard_distance", VECDB_KEY_BIT_JACCARD},
};

// Finds the kernel for a C function of this library, by its symbol name.
static VecdbKeyKind key_kind_for_function(Oid fn_oid) {
    HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
    if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for function %u", fn_oid);
    Form_pg_proc proc = (Form_pg_proc)GETSTRUCT(tuple);
    VecdbKeyKind kind = VECDB_KEY_GENERIC;
    if (proc->prolang == ClanguageId) {
        bool isnull;
        Datum src = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_prosrc, &isnull);
        if (!isnull) {
            char* symbol = TextDatumGetCString(src);
            for (const auto& known : known_distances)
                if (strcmp(symbol, known.symbol) == 0) kind = known.kind;
            pfree(symbol);
        }
    }
    ReleaseSysCache(tuple);
    return kind;
}

void vecdb_metric_init(VecdbMetric* metric, Relation index) {
    metric->distance = index_getprocinfo(index, 1, 1);
    metric->collation = index->rd_indcollation[0];
    metric->kind = key_kind_for_function(metric->distance->fn_oid);
    metric->kernels = &vecdb::core::kernels();
}

// Calls the SQL distance function: the fallback, and the source of errors.
static double call_distance(const VecdbMetric* metric, const struct varlena* query,
                            const struct varlena* value) {
    return DatumGetFloat8(FunctionCall2Coll(metric->distance, metric->collation,
                                            PointerGetDatum(value), PointerGetDatum(query)));
}

bool vecdb_metric_has_kernel(const VecdbMetric* metric) {
    // Jaccard's edge cases are the SQL function's to define
    return metric->kind != VECDB_KEY_GENERIC && metric->kind != VECDB_KEY_BIT_JACCARD;
}

bool vecdb_metric_same_shape(const VecdbMetric* metric, const struct varlena* query,
                             const struct varlena* value) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2:
        case VECDB_KEY_VECTOR_IP:
        case VECDB_KEY_VECTOR_COSINE:
        case VECDB_KEY_VECTOR_L1:
            return ((const Vector*)value)->dim == ((const Vector*)query)->dim &&
                   vector_is_well_formed((const Vector*)value) && vector_is_well_formed((const Vector*)query);
        case VECDB_KEY_HALFVEC_L2:
        case VECDB_KEY_HALFVEC_IP:
        case VECDB_KEY_HALFVEC_COSINE:
        case VECDB_KEY_HALFVEC_L1:
            return ((const HalfVector*)value)->dim == ((const HalfVector*)query)->dim &&
                   halfvec_is_well_formed((const HalfVector*)value) &&
                   halfvec_is_well_formed((const HalfVector*)query);
        case VECDB_KEY_SPARSEVEC_L2:
        case VECDB_KEY_SPARSEVEC_IP:
        case VECDB_KEY_SPARSEVEC_COSINE:
        case VECDB_KEY_SPARSEVEC_L1:
            return ((const SparseVector*)value)->dim == ((const SparseVector*)query)->dim &&
                   sparsevec_is_well_formed((const SparseVector*)value) &&
                   sparsevec_is_well_formed((const SparseVector*)query);
        case VECDB_KEY_BIT_HAMMING:
        case VECDB_KEY_BIT_JACCARD:
            return VARBITLEN((const VarBit*)value) == VARBITLEN((const VarBit*)query);
        case VECDB_KEY_GENERIC:
            break;
    }
    return false;
}

// A sparse vector's entries as the core kernels see them.
static vecdb::core::SparseView sparse_view(const SparseVector* v) {
    vecdb::core::SparseView view = {v->indices, SPARSEVEC_VALUES(v), (size_t)v->nnz};
    return view;
}

double vecdb_metric_kernel_key(const VecdbMetric* metric, const struct varlena* query,
                               const struct varlena* value) {
    const vecdb::core::DistanceKernels* k = metric->kernels;
    float dot, na, nb;
    const Vector* va = (const Vector*)value;
    const Vector* vq = (const Vector*)query;
    const HalfVector* ha = (const HalfVector*)value;
    const HalfVector* hq = (const HalfVector*)query;
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2: return k->l2_squared_f32(va->x, vq->x, va->dim);
        case VECDB_KEY_VECTOR_IP: return -(double)k->dot_f32(va->x, vq->x, va->dim);
        case VECDB_KEY_VECTOR_L1: return k->l1_f32(va->x, vq->x, va->dim);
        case VECDB_KEY_VECTOR_COSINE:
            k->cosine_parts_f32(va->x, vq->x, va->dim, &dot, &na, &nb);
            return cosine_from_parts(dot, na, nb);
        case VECDB_KEY_HALFVEC_L2: return k->l2_squared_f16(ha->x, hq->x, ha->dim);
        case VECDB_KEY_HALFVEC_IP: return -(double)k->dot_f16(ha->x, hq->x, ha->dim);
        case VECDB_KEY_HALFVEC_L1: return k->l1_f16(ha->x, hq->x, ha->dim);
        case VECDB_KEY_HALFVEC_COSINE:
            k->cosine_parts_f16(ha->x, hq->x, ha->dim, &dot, &na, &nb);
            return cosine_from_parts(dot, na, nb);
        case VECDB_KEY_SPARSEVEC_L2:
            return vecdb::core::sparse_l2_squared(sparse_view((const SparseVector*)value),
                                                  sparse_view((const SparseVector*)query));
        case VECDB_KEY_SPARSEVEC_IP:
            return -(double)vecdb::core::sparse_dot(sparse_view((const SparseVector*)value),
                                                    sparse_view((const SparseVector*)query));
        case VECDB_KEY_SPARSEVEC_L1:
            return vecdb::core::sparse_l1(sparse_view((const SparseVector*)value),
                                          sparse_view((const SparseVector*)query));
        case VECDB_KEY_SPARSEVEC_COSINE:
            vecdb::core::sparse_cosine_parts(sparse_view((const SparseVector*)value),
                                             sparse_view((const SparseVector*)query), &dot, &na, &nb);
            return cosine_from_parts(dot, na, nb);
        case VECDB_KEY_BIT_HAMMING:
            return (double)k->hamming(VARBITS((const VarBit*)value), VARBITS((const VarBit*)query),
                                      VARBITBYTES((const VarBit*)value));
        case VECDB_KEY_BIT_JACCARD:
        case VECDB_KEY_GENERIC:
            break;
    }
    return NAN;  // not reached: callers check vecdb_metric_has_kernel first
}

double vecdb_metric_key(const VecdbMetric* metric, const struct varlena* query,
                        const struct varlena* value) {
    if (vecdb_metric_has_kernel(metric) && vecdb_metric_same_shape(metric, query, value))
        return vecdb_metric_kernel_key(metric, query, value);
    return call_distance(metric, query, value);
}

double vecdb_metric_key_to_distance(const VecdbMetric* metric, double key) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2:
        case VECDB_KEY_HALFVEC_L2:
        case VECDB_KEY_SPARSEVEC_L2:
            return std::sqrt(key);
        default:
            return key;
    }
}
