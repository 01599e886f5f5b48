// Checks on values read from storage or from another function: a header
// that disagrees with the varlena size is corruption, reported before any
// element is read (never a read past the end of the value).
#include "types/vector.h"
#include "types/sparsevec.h"

// Raises XX001 for a value of type_name whose header lies about its size;
// header_size is what the fixed header takes, so it is read only if present.
static void report_corrupted(const char* type_name, const struct varlena* value, Size header_size,
                             bool sparse) {
    Size size = VARSIZE(value);
    if (size < header_size)
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                        errmsg("%s value is corrupted: %zu bytes is too short for its header",
                               type_name, (size_t)size)));
    if (sparse) {
        const SparseVector* v = (const SparseVector*)value;
        if (v->nnz >= 0 && v->nnz <= SPARSEVEC_MAX_NNZ && size == SPARSEVEC_SIZE(v->nnz) &&
            v->dim >= 1 && v->nnz <= v->dim)
            ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                            errmsg("sparsevec value is corrupted: an index is outside its %d dimensions",
                                   v->dim)));
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                        errmsg("sparsevec value is corrupted: dimension count %d and non-zero count %d "
                               "do not match its size of %zu bytes",
                               v->dim, v->nnz, (size_t)size)));
    }
    ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                    errmsg("%s value is corrupted: dimension count %d does not match its size of %zu bytes",
                           type_name, ((const Vector*)value)->dim, (size_t)size)));
}

Vector* checked_vector(Vector* v) {
    if (unlikely(!vector_is_well_formed(v)))
        report_corrupted("vector", (const struct varlena*)v, offsetof(Vector, x), false);
    return v;
}

HalfVector* checked_halfvec(HalfVector* v) {
    if (unlikely(!halfvec_is_well_formed(v)))
        report_corrupted("halfvec", (const struct varlena*)v, offsetof(HalfVector, x), false);
    return v;
}

SparseVector* checked_sparsevec(SparseVector* v) {
    if (unlikely(!sparsevec_is_well_formed(v)))
        report_corrupted("sparsevec", (const struct varlena*)v, offsetof(SparseVector, indices), true);
    return v;
}

void check_sparsevec_indices(const SparseVector* v) {
    for (int i = 0; i < v->nnz; i++)
        if (v->indices[i] < 0 || v->indices[i] >= v->dim || (i > 0 && v->indices[i] <= v->indices[i - 1]))
            ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                            errmsg("sparsevec value is corrupted: index %d at position %d is out of "
                                   "order or outside %d dimensions",
                                   v->indices[i], i, v->dim)));
}
