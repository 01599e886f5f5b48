// The values an ivf index holds, seen as float arrays for k-means, centroid
// search and SQ8 codes.
#include "am/ivf/ivf.h"
#include "core/distance/half.h"
#include "core/quant/pq.h"
#include "types/vector.h"

#include <cmath>

// The column's value type, from the opclass's distance kernel; ivf serves
// vector and halfvec (l2, ip, cosine) and bit (hamming).
IvfValueType ivf_value_type(Relation index, const VecdbMetric* metric) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2:
        case VECDB_KEY_VECTOR_IP:
        case VECDB_KEY_VECTOR_COSINE: return IVF_TYPE_VECTOR;
        case VECDB_KEY_HALFVEC_L2:
        case VECDB_KEY_HALFVEC_IP:
        case VECDB_KEY_HALFVEC_COSINE: return IVF_TYPE_HALFVEC;
        case VECDB_KEY_BIT_HAMMING: return IVF_TYPE_BIT;
        default: break;
    }
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("operator class of index \"%s\" is not supported by ivf", RelationGetRelationName(index)),
                    errhint("ivf supports vector and halfvec with l2, ip and cosine, and bit with hamming.")));
    pg_unreachable();
}

// How the metric compares vectors with centroids.
IvfSpace ivf_space(const VecdbMetric* metric) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_IP:
        case VECDB_KEY_HALFVEC_IP: return IVF_SPACE_IP;
        case VECDB_KEY_VECTOR_COSINE:
        case VECDB_KEY_HALFVEC_COSINE: return IVF_SPACE_COSINE;
        default: return IVF_SPACE_L2;
    }
}

// Dimensions of a plain (detoasted) value.
int ivf_value_dimensions(IvfValueType type, const struct varlena* value) {
    switch (type) {
        case IVF_TYPE_VECTOR: return ((const Vector*)value)->dim;
        case IVF_TYPE_HALFVEC: return ((const HalfVector*)value)->dim;
        case IVF_TYPE_BIT: return VARBITLEN((const VarBit*)value);
    }
    return 0;
}

// Writes the value's elements as floats (bits as 0/1); unit length for cosine.
void ivf_value_to_floats(IvfValueType type, IvfSpace space, const struct varlena* value, float* out) {
    int dim = ivf_value_dimensions(type, value);
    if (type == IVF_TYPE_VECTOR) {
        memcpy(out, ((const Vector*)value)->x, sizeof(float) * dim);
    } else if (type == IVF_TYPE_HALFVEC) {
        const uint16* x = ((const HalfVector*)value)->x;
        for (int i = 0; i < dim; i++) out[i] = vecdb::core::half_to_float(x[i]);
    } else {
        const bits8* bits = VARBITS((const VarBit*)value);
        for (int i = 0; i < dim; i++) out[i] = (bits[i / 8] >> (7 - i % 8)) & 1 ? 1.0f : 0.0f;
    }
    if (space == IVF_SPACE_COSINE) {
        double norm = 0;
        for (int i = 0; i < dim; i++) norm += (double)out[i] * out[i];
        if (norm > 0) {
            float inv = (float)(1.0 / std::sqrt(norm));
            for (int i = 0; i < dim; i++) out[i] *= inv;
        }
    }
}

// Rejects a value the index cannot hold: another dimension count than the
// index's. (Values larger than a page go to overflow chains.)
void ivf_check_value(Relation index, IvfValueType type, const struct varlena* value, int dimensions) {
    int dim = ivf_value_dimensions(type, value);
    if (dim != dimensions)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("ivf index \"%s\" holds vectors of %d dimensions, not %d",
                               RelationGetRelationName(index), dimensions, dim)));
}

// The pq_m of an index of `dimensions`: the option, checked to divide
// them, or the default (core/quant/pq.h). Raised at CREATE INDEX.
uint16 ivf_pq_m(Relation index, const IvfOptions* options, int dimensions) {
    if (options->pq_m == 0) return (uint16)vecdb::core::pq_default_m((size_t)dimensions);
    if (dimensions % options->pq_m != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("pq_m = %d of ivf index \"%s\" does not divide its %d dimensions", options->pq_m,
                               RelationGetRelationName(index), dimensions),
                        errhint("Choose a divisor of %d, or leave pq_m out for sub-vectors of about 4 dimensions.",
                                dimensions)));
    return (uint16)options->pq_m;
}

// Rejects a quantizer that cannot serve `dimensions`: pq_m not dividing
// them, or codes that would not fit one index page (the full vectors may be
// out of line, the codes may not: a list is scanned code by code).
void ivf_check_code_size(Relation index, const IvfOptions* options, int dimensions) {
    if (options->quantizer == IVF_QUANTIZER_NONE) return;
    int code_bytes = options->quantizer == IVF_QUANTIZER_SQ8 ? dimensions : ivf_pq_m(index, options, dimensions);
    int most = (int)(VECDB_MAX_ITEM_SIZE - IVF_CODE_HEADER_SIZE);
    if (code_bytes > most)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("quantizer \"%s\" of ivf index \"%s\" would store %d code bytes per row, at most %d fit a page",
                               options->quantizer == IVF_QUANTIZER_SQ8 ? "sq8" : "pq", RelationGetRelationName(index),
                               code_bytes, most),
                        errhint(options->quantizer == IVF_QUANTIZER_SQ8 ? "Use quantizer 'none' or 'pq' for wider vectors."
                                                                         : "Use a smaller pq_m.")));
}

// StopCheck poll for core computations: reads the backend's cancel and
// terminate flags (set by signal handlers), calls no Postgres function.
bool ivf_interrupt_requested(void* ctx) {
    return QueryCancelPending || ProcDiePending;
}
