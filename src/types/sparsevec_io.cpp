// sparsevec text and binary I/O, type modifier handling.
#include "pg/pg.h"
#include "pg/guard.h"
#include "types/dense_util.h"
#include "types/sparsevec_glue.h"
#include "core/parse/binary_value.h"
#include "core/parse/sparsevec_text.h"

#include <cmath>

extern "C" {
#include "common/shortest_dec.h"
}

using vecdb::core::SparseTextOut;
using vecdb::types::check_expected_dims;

// Raises 22000 when two sparsevec operands have different dimensions.
void sparsevec_check_same_dim(const SparseVector* a, const SparseVector* b) {
    if (a->dim != b->dim)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("different sparsevec dimensions %d and %d", a->dim, b->dim)));
}

// sparsevec_in(cstring, oid, int4): parses `{1:1.5,3:2}/5`.
VECDB_FUNCTION(sparsevec_in) {
    const char* literal = PG_GETARG_CSTRING(0);
    int32 typmod = PG_GETARG_INT32(2);

    // The parser writes into buffers sized from the literal, allocated here
    // because palloc must not run inside the guarded call.
    size_t capacity = vecdb::core::sparsevec_text_capacity(literal);
    SparseTextOut out;
    out.indices = (int32_t*)palloc(sizeof(int32) * (capacity + 1));
    out.values = (float*)palloc(sizeof(float) * (capacity + 1));
    out.capacity = capacity;
    out.dim = 0;
    out.nnz = 0;
    vecdb::pg::guarded("sparsevec_in", [&] { vecdb::core::parse_sparsevec_text(literal, out); });

    check_expected_dims(out.dim, typmod);
    SparseVector* result = new_sparsevec(out.dim, out.nnz);
    memcpy(result->indices, out.indices, sizeof(int32) * out.nnz);
    memcpy(SPARSEVEC_VALUES(result), out.values, sizeof(float) * out.nnz);
    pfree(out.indices);
    pfree(out.values);
    PG_RETURN_POINTER(result);
}

// sparsevec_out(sparsevec): `{i:v,...}/dim`, 1-based, shortest round-trip floats.
VECDB_FUNCTION(sparsevec_out) {
    SparseVector* v = PG_GETARG_SPARSEVEC_P(0);
    const float* values = SPARSEVEC_VALUES(v);
    // per entry: index (<= 11) ':' value (< 16) ','; plus "{}/", dim and NUL
    Size size = (Size)v->nnz * (12 + FLOAT_SHORTEST_DECIMAL_LEN + 1) + 3 + 12 + 1;
    char* buf = (char*)palloc(size);
    char* p = buf;
    *p++ = '{';
    for (int i = 0; i < v->nnz; i++) {
        if (i > 0)
            *p++ = ',';
        p += pg_ltoa(v->indices[i] + 1, p);
        *p++ = ':';
        p += float_to_shortest_decimal_bufn(values[i], p);
    }
    *p++ = '}';
    *p++ = '/';
    p += pg_ltoa(v->dim, p);
    *p = '\0';
    PG_FREE_IF_COPY(v, 0);
    PG_RETURN_CSTRING(buf);
}

// sparsevec_typmod_in(cstring[]): the n of sparsevec(n).
VECDB_FUNCTION(sparsevec_typmod_in) {
    ArrayType* arr = PG_GETARG_ARRAYTYPE_P(0);
    int n;
    int32* mods = ArrayGetIntegerTypmods(arr, &n);
    if (n != 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid type modifier for sparsevec: expected one dimension count")));
    if (mods[0] < 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("dimensions for type sparsevec must be at least 1")));
    if (mods[0] > SPARSEVEC_MAX_DIM)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("dimensions for type sparsevec cannot exceed %d", SPARSEVEC_MAX_DIM)));
    PG_RETURN_INT32(mods[0]);
}

// sparsevec_recv(internal, oid, int4): int32 dim, int32 nnz, int32 unused,
// nnz int32 0-based indices, nnz float4 values, all checked.
VECDB_FUNCTION(sparsevec_recv) {
    StringInfo buf = (StringInfo)PG_GETARG_POINTER(0);
    int32 typmod = PG_GETARG_INT32(2);
    const uint8_t* data = (const uint8_t*)buf->data + buf->cursor;
    size_t size = (size_t)(buf->len - buf->cursor);
    vecdb::core::SparseBinaryHeader header =
        vecdb::pg::guarded("sparsevec_recv", [&] { return vecdb::core::read_sparsevec_binary_header(data, size); });
    check_expected_dims(header.dim, typmod);
    SparseVector* result = new_sparsevec(header.dim, header.nnz);
    buf->cursor += (int)vecdb::pg::guarded("sparsevec_recv", [&] {
        return vecdb::core::decode_sparsevec_binary(data, header, result->indices, SPARSEVEC_VALUES(result));
    });
    PG_RETURN_POINTER(result);
}

// sparsevec_send(sparsevec): the binary form read by sparsevec_recv.
VECDB_FUNCTION(sparsevec_send) {
    SparseVector* v = PG_GETARG_SPARSEVEC_P(0);
    const float* values = SPARSEVEC_VALUES(v);
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint32(&buf, v->dim);
    pq_sendint32(&buf, v->nnz);
    pq_sendint32(&buf, 0);
    for (int i = 0; i < v->nnz; i++)
        pq_sendint32(&buf, v->indices[i]);
    for (int i = 0; i < v->nnz; i++)
        pq_sendfloat4(&buf, values[i]);
    PG_FREE_IF_COPY(v, 0);
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// sparsevec(sparsevec, int4, bool): coerces to sparsevec(n), checking dimensions.
VECDB_FUNCTION(sparsevec_typmod_apply) {
    SparseVector* v = PG_GETARG_SPARSEVEC_P(0);
    check_expected_dims(v->dim, PG_GETARG_INT32(1));
    PG_RETURN_POINTER(v);
}
