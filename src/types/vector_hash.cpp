// Hash support for vector, halfvec and sparsevec (hash opclasses): hash
// joins, hash aggregates, DISTINCT and GROUP BY without sorting. Values the
// = operator calls equal must hash alike: equality compares elements as
// floats, so -0 and +0 hash as one, and a sparsevec hashes its dense
// contents (only non-zero entries, with their positions) and dimensions.
#include "pg/pg.h"
#include "types/dense_ops.h"
#include "types/sparsevec_glue.h"

extern "C" {
#include "common/hashfn.h"
}

using namespace vecdb::types;

namespace {

// The bits of an element with -0 folded into +0.
uint32 element_bits(float x) {
    if (x == 0.0f) x = 0.0f;
    uint32 bits;
    memcpy(&bits, &x, sizeof(bits));
    return bits;
}

// Hash of a dense value's dimensions and elements, as floats.
template <typename K>
uint32 dense_hash(const typename K::Value* v) {
    uint32 h = hash_uint32((uint32)v->dim);
    for (int i = 0; i < v->dim; i++) h = hash_combine(h, hash_uint32(element_bits(K::get(v, i))));
    return h;
}

}  // namespace

// vector_hash(vector): hash opclass support function 1.
VECDB_FUNCTION(vector_hash) {
    auto* v = PG_GETARG_VECTOR_P(0);
    uint32 h = dense_hash<VectorKind>(v);
    PG_FREE_IF_COPY(v, 0);
    PG_RETURN_UINT32(h);
}

// halfvec_hash(halfvec): hash opclass support function 1.
VECDB_FUNCTION(halfvec_hash) {
    auto* v = PG_GETARG_HALFVEC_P(0);
    uint32 h = dense_hash<HalfvecKind>(v);
    PG_FREE_IF_COPY(v, 0);
    PG_RETURN_UINT32(h);
}

// sparsevec_hash(sparsevec): hash opclass support function 1; explicit zero
// entries are skipped, so they hash like absent ones (as = sees them).
VECDB_FUNCTION(sparsevec_hash) {
    SparseVector* v = PG_GETARG_SPARSEVEC_P(0);
    auto view = sparsevec_view(v);
    uint32 h = hash_uint32((uint32)v->dim);
    for (size_t i = 0; i < view.nnz; i++) {
        if (view.values[i] == 0.0f) continue;
        h = hash_combine(h, hash_uint32((uint32)view.indices[i]));
        h = hash_combine(h, hash_uint32(element_bits(view.values[i])));
    }
    PG_FREE_IF_COPY(v, 0);
    PG_RETURN_UINT32(h);
}
