// Maps opclass support functions to SIMD kernels, with fmgr as the fallback.
// A support function is recognised by its OID (the function vecdb installed
// under that name and signature), resolved once per backend.
#include "am/common/metric.h"
#include "am/common/index_cache.h"
#include "am/common/validate.h"
#include "types/sparsevec.h"
#include "types/vector.h"
#include "core/distance/sparse.h"

#include <cmath>

extern "C" {
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/inval.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/varbit.h"
}

using vecdb::core::cosine_from_parts;

// The distance functions vecdb installs (name and argument type, in the
// extension's schema) and the kernel each one's values can go through.
static const struct {
    const char* function;
    const char* type;  // NULL: the built-in bit type
    VecdbKeyKind kind;
} known_distances[] = {
    {"l2_distance", "vector", VECDB_KEY_VECTOR_L2},
    {"vector_negative_inner_product", "vector", VECDB_KEY_VECTOR_IP},
    {"cosine_distance", "vector", VECDB_KEY_VECTOR_COSINE},
    {"l1_distance", "vector", VECDB_KEY_VECTOR_L1},
    {"l2_distance", "halfvec", VECDB_KEY_HALFVEC_L2},
    {"halfvec_negative_inner_product", "halfvec", VECDB_KEY_HALFVEC_IP},
    {"cosine_distance", "halfvec", VECDB_KEY_HALFVEC_COSINE},
    {"l1_distance", "halfvec", VECDB_KEY_HALFVEC_L1},
    {"l2_distance", "sparsevec", VECDB_KEY_SPARSEVEC_L2},
    {"sparsevec_negative_inner_product", "sparsevec", VECDB_KEY_SPARSEVEC_IP},
    {"cosine_distance", "sparsevec", VECDB_KEY_SPARSEVEC_COSINE},
    {"l1_distance", "sparsevec", VECDB_KEY_SPARSEVEC_L1},
    {"hamming_distance", NULL, VECDB_KEY_BIT_HAMMING},
    {"jaccard_distance", NULL, VECDB_KEY_BIT_JACCARD},
};

#define NUM_KNOWN_DISTANCES (sizeof known_distances / sizeof known_distances[0])

// The OIDs of known_distances in one schema, resolved once per backend and
// forgotten whenever pg_proc changes (DROP / CREATE EXTENSION, ALTER FUNCTION).
static struct {
    bool valid;
    Oid schema;
    Oid functions[NUM_KNOWN_DISTANCES];
} resolved;

// Syscache callback: pg_proc changed, resolve again on next use.
static void forget_resolved(Datum arg, int cache_id, uint32 hash) {
    resolved.valid = false;
}

// Resolves every known distance function by name and signature in schema.
static void resolve_known_distances(Oid schema) {
    static bool callback_registered = false;
    if (!callback_registered) {
        CacheRegisterSyscacheCallback(PROCOID, forget_resolved, (Datum)0);
        callback_registered = true;
    }
    for (size_t i = 0; i < NUM_KNOWN_DISTANCES; i++) {
        Oid type = known_distances[i].type == NULL
                       ? BITOID
                       : GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(known_distances[i].type),
                                         ObjectIdGetDatum(schema));
        Oid args[2] = {type, type};
        resolved.functions[i] =
            OidIsValid(type) ? GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
                                               CStringGetDatum(known_distances[i].function),
                                               PointerGetDatum(buildoidvector(args, 2)), ObjectIdGetDatum(schema))
                             : InvalidOid;
    }
    resolved.schema = schema;
    resolved.valid = true;
}

// The kernel for an index's distance support function: the function must
// be one vecdb installed (its OID, not its C symbol, decides), so a
// user's function over the same C code still goes through fmgr.
static VecdbKeyKind key_kind_for_index(Relation index, Oid fn_oid) {
    // the AM's handler was created by the extension's script, in its schema
    Oid schema = get_func_namespace(index->rd_amhandler);
    if (!resolved.valid || resolved.schema != schema) resolve_known_distances(schema);
    for (size_t i = 0; i < NUM_KNOWN_DISTANCES; i++)
        if (OidIsValid(resolved.functions[i]) && resolved.functions[i] == fn_oid) return known_distances[i].kind;
    return VECDB_KEY_GENERIC;
}

void vecdb_metric_init(VecdbMetric* metric, Relation index) {
    metric->distance = index_getprocinfo(index, 1, VECDB_DISTANCE_PROC);
    metric->collation = index->rd_indcollation[0];
    VecdbIndexCache* cache = vecdb_index_cache(index);
    if (!cache->metric_known) {
        VecdbKeyKind kind = key_kind_for_index(index, metric->distance->fn_oid);
        ereport(DEBUG1, (errmsg_internal("vecdb: index \"%s\" computes %s %s", RelationGetRelationName(index),
                                         format_procedure(metric->distance->fn_oid),
                                         kind == VECDB_KEY_GENERIC ? "through fmgr" : "with a SIMD kernel")));
        cache = vecdb_index_cache(index);  // fetched again after the catalog lookups
        cache->key_kind = kind;
        cache->metric_known = true;
    }
    metric->kind = cache->key_kind;
    metric->kernels = &vecdb::core::kernels();
}

// Calls the SQL distance function: the fallback, and the source of errors.
static double call_distance(const VecdbMetric* metric, const struct varlena* query,
                            const struct varlena* value) {
    return DatumGetFloat8(FunctionCall2Coll(metric->distance, metric->collation,
                                            PointerGetDatum(value), PointerGetDatum(query)));
}

// Whether the key is a negated inner product.
bool vecdb_metric_is_inner_product(const VecdbMetric* metric) {
    return metric->kind == VECDB_KEY_VECTOR_IP || metric->kind == VECDB_KEY_HALFVEC_IP ||
           metric->kind == VECDB_KEY_SPARSEVEC_IP;
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

bool vecdb_metric_distance_is_operator_value(const VecdbMetric* metric) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2:
        case VECDB_KEY_VECTOR_IP:
        case VECDB_KEY_VECTOR_COSINE:
        case VECDB_KEY_VECTOR_L1:
        case VECDB_KEY_HALFVEC_L2:
        case VECDB_KEY_HALFVEC_IP:
        case VECDB_KEY_HALFVEC_COSINE:
        case VECDB_KEY_HALFVEC_L1:
            return true;
        default:
            return false;
    }
}

// bound as a float no smaller than it, so a float key <= bound stays <= it.
static float float_at_least(double bound) {
    float f = (float)bound;
    if ((double)f < bound)
        f = std::nextafter(f, INFINITY);
    return f;
}

double vecdb_metric_kernel_key_bounded(const VecdbMetric* metric, const struct varlena* query,
                                       const struct varlena* value, double bound) {
    const vecdb::core::DistanceKernels* k = metric->kernels;
    const Vector* va = (const Vector*)value;
    const Vector* vq = (const Vector*)query;
    const HalfVector* ha = (const HalfVector*)value;
    const HalfVector* hq = (const HalfVector*)query;
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2:
            return k->l2_squared_bounded_f32(va->x, vq->x, va->dim, float_at_least(bound));
        case VECDB_KEY_VECTOR_L1:
            return k->l1_bounded_f32(va->x, vq->x, va->dim, float_at_least(bound));
        case VECDB_KEY_HALFVEC_L2:
            return k->l2_squared_bounded_f16(ha->x, hq->x, ha->dim, float_at_least(bound));
        case VECDB_KEY_HALFVEC_L1:
            return k->l1_bounded_f16(ha->x, hq->x, ha->dim, float_at_least(bound));
        default:
            return vecdb_metric_kernel_key(metric, query, value);
    }
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
            return vecdb::core::l2_from_squared(key);
        default:
            return key;
    }
}
