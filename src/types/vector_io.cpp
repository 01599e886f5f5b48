// vector: text and binary I/O, typmod handling and the typmod length cast.
#include "pg/pg.h"
#include "pg/guard.h"
#include "core/parse/binary_value.h"
#include "core/parse/float_list.h"
#include "types/dense_util.h"
#include "types/vector.h"

using vecdb::pg::guarded;
using namespace vecdb::core;
using namespace vecdb::types;

namespace vecdb::types {

int32 dense_typmod_in(ArrayType* modifiers, const char* type_name, int max_dim) {
    int count = 0;
    int32* values = ArrayGetIntegerTypmods(modifiers, &count);
    if (count != 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid type modifier for type %s", type_name),
                        errdetail("Exactly one dimension count is expected.")));
    if (values[0] < 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("dimensions for type %s must be at least 1", type_name)));
    if (values[0] > max_dim)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("dimensions for type %s cannot exceed %d", type_name, max_dim)));
    return values[0];
}

char* dense_typmod_out(int32 typmod) {
    if (typmod < 0)
        return pstrdup("");
    return psprintf("(%d)", (int)typmod);
}

char* format_float_list(const float* values, int n) {
    // each element takes at most FLOAT_SHORTEST_DECIMAL_LEN - 1 chars plus a separator
    char* result = (char*)palloc((Size)n * FLOAT_SHORTEST_DECIMAL_LEN + 3);
    char* p = result;
    *p++ = '[';
    for (int i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ',';
        p += float_to_shortest_decimal_bufn(values[i], p);
    }
    *p++ = ']';
    *p = '\0';
    return result;
}

}  // namespace vecdb::types

// vector_in(cstring, oid, int4): parses "[1,2,3]" and enforces the typmod.
VECDB_FUNCTION(vector_in) {
    const char* text = PG_GETARG_CSTRING(0);
    int32 typmod = PG_GETARG_INT32(2);
    size_t capacity = vecdb::core::float_list_capacity(text, VECTOR_MAX_DIM);
    // Parse straight into a vector sized for the upper bound, then shrink its header.
    Vector* result = new_vector((int)capacity);
    size_t dim = guarded("vector_in", [&] {
        return vecdb::core::parse_float_list(text, result->x, capacity, "vector");
    });
    check_expected_dims((int)dim, typmod);
    result->dim = (int16)dim;
    SET_VARSIZE(result, VECTOR_SIZE(dim));
    PG_RETURN_POINTER(result);
}

// vector_out(vector): the text form with each element in shortest round-trip form.
VECDB_FUNCTION(vector_out) {
    Vector* v = PG_GETARG_VECTOR_P(0);
    PG_RETURN_CSTRING(format_float_list(v->x, v->dim));
}

// vector_typmod_in(cstring[]): the n of vector(n).
VECDB_FUNCTION(vector_typmod_in) {
    PG_RETURN_INT32(dense_typmod_in(PG_GETARG_ARRAYTYPE_P(0), "vector", VECTOR_MAX_DIM));
}

// vector_typmod_out(int4): "(n)".
VECDB_FUNCTION(vector_typmod_out) {
    PG_RETURN_CSTRING(dense_typmod_out(PG_GETARG_INT32(0)));
}

// vector_recv(internal, oid, int4): int16 dim, int16 unused, dim float4.
VECDB_FUNCTION(vector_recv) {
    StringInfo buf = (StringInfo)PG_GETARG_POINTER(0);
    int32 typmod = PG_GETARG_INT32(2);
    const uint8_t* data = (const uint8_t*)buf->data + buf->cursor;
    size_t size = (size_t)(buf->len - buf->cursor);
    int dim = guarded("vector_recv", [&] {
        return read_dense_binary_header(data, size, "vector", VECTOR_MAX_DIM, sizeof(float));
    });
    check_expected_dims(dim, typmod);
    Vector* result = new_vector(dim);
    buf->cursor += (int)guarded("vector_recv", [&] { return decode_vector_binary(data, dim, result->x); });
    PG_RETURN_POINTER(result);
}

// vector_send(vector): the binary form read by vector_recv.
VECDB_FUNCTION(vector_send) {
    Vector* v = PG_GETARG_VECTOR_P(0);
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint16(&buf, v->dim);
    pq_sendint16(&buf, v->unused);
    for (int i = 0; i < v->dim; i++)
        pq_sendfloat4(&buf, v->x[i]);
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// vector(vector, int4, bool): the length cast that enforces vector(n).
VECDB_FUNCTION(vector) {
    Vector* v = PG_GETARG_VECTOR_P(0);
    check_expected_dims(v->dim, PG_GETARG_INT32(1));
    PG_RETURN_POINTER(v);
}
