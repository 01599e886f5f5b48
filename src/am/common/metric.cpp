// Maps opclass support functions to SIMD kernels, with fmgr as the fallback.
#include "am/common/metric.h"
#include "types/vector.h"

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

double vecdb_metric_key(const VecdbMetric* metric, const struct varlena* query,
                        const struct varlena* value) {
    const vecdb::core::DistanceKernels* k = metric->kernels;
    switch (metric->kind) {
        case VECDB_KEY_GENERIC:
            break;
        case VECDB_KEY_VECTOR_L2:
        case VECDB_KEY_VECTOR_IP:
        case VECDB_KEY_VECTOR_COSINE:
        case VECDB_KEY_VECTOR_L1: {
            const Vector* a = (const Vector*)value;
            const Vector* b = (const Vector*)query;
            if (a->dim != b->dim) break;
            if (metric->kind == VECDB_KEY_VECTOR_L2) return k->l2_squared_f32(a->x, b->x, a->dim);
            if (metric->kind == VECDB_KEY_VECTOR_IP) return -(double)k->dot_f32(a->x, b->x, a->dim);
            if (metric->kind == VECDB_KEY_VECTOR_L1) return k->l1_f32(a->x, b->x, a->dim);
            float dot, na, nb;
            k->cosine_parts_f32(a->x, b->x, a->dim, &dot, &na, &nb);
            return cosine_from_parts(dot, na, nb);
        }
        case VECDB_KEY_HALFVEC_L2:
        case VECDB_KEY_HALFVEC_IP:
        case VECDB_KEY_HALFVEC_COSINE:
        case VECDB_KEY_HALFVEC_L1: {
            const HalfVector* a = (const HalfVector*)value;
            const HalfVector* b = (const HalfVector*)query;
            if (a->dim != b->dim) break;
            if (metric->kind == VECDB_KEY_HALFVEC_L2) return k->l2_squared_f16(a->x, b->x, a->dim);
            if (metric->kind == VECDB_KEY_HALFVEC_IP) return -(double)k->dot_f16(a->x, b->x, a->dim);
            if (metric->kind == VECDB_KEY_HALFVEC_L1) return k->l1_f16(a->x, b->x, a->dim);
            float dot, na, nb;
            k->cosine_parts_f16(a->x, b->x, a->dim, &dot, &na, &nb);
            return cosine_from_parts(dot, na, nb);
        }
        case VECDB_KEY_BIT_HAMMING:
        case VECDB_KEY_BIT_JACCARD: {
            const VarBit* a = (const VarBit*)value;
            const VarBit* b = (const VarBit*)query;
            if (VARBITLEN(a) != VARBITLEN(b)) break;
            size_t nbytes = VARBITBYTES(a);
            if (metric->kind == VECDB_KEY_BIT_HAMMING)
                return (double)k->hamming(VARBITS(a), VARBITS(b), nbytes);
            break;  // Jaccard's edge cases are the SQL function's to define
        }
    }
    return call_distance(metric, query, value);
}

double vecdb_metric_key_to_distance(const VecdbMetric* metric, double key) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2:
        case VECDB_KEY_HALFVEC_L2:
            return std::sqrt(key);
        default:
            return key;
    }
}
