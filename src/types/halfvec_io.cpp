// halfvec: text and binary I/O, typmod handling and the typmod length cast.
#include "pg/pg.h"
#include "pg/guard.h"
#include "core/distance/half.h"
#include "core/parse/binary_value.h"
#include "core/parse/float_list.h"
#include "types/dense_util.h"
#include "types/vector.h"

using vecdb::core::half_to_float;
using vecdb::pg::guarded;
using vecdb::core::decode_halfvec_binary;
using vecdb::core::read_dense_binary_header;
using namespace vecdb::types;

// halfvec_in(cstring, oid, int4): parses "[1,2,3]" into halves, enforces the typmod.
VECDB_FUNCTION(halfvec_in) {
    const char* text = PG_GETARG_CSTRING(0);
    int32 typmod = PG_GETARG_INT32(2);
    size_t capacity = vecdb::core::float_list_capacity(text, HALFVEC_MAX_DIM);
    // Parse straight into a halfvec sized for the upper bound, then shrink its header.
    HalfVector* result = new_halfvec((int)capacity);
    size_t dim = guarded("halfvec_in", [&] {
        return vecdb::core::parse_half_list(text, result->x, capacity, "halfvec");
    });
    check_expected_dims((int)dim, typmod);
    result->dim = (int16)dim;
    SET_VARSIZE(result, HALFVEC_SIZE(dim));
    PG_RETURN_POINTER(result);
}

// halfvec_out(halfvec): each half printed as the shortest float that reads back to it.
VECDB_FUNCTION(halfvec_out) {
    HalfVector* v = PG_GETARG_HALFVEC_P(0);
    float* values = (float*)palloc(sizeof(float) * v->dim);
    for (int i = 0; i < v->dim; i++)
        values[i] = half_to_float(v->x[i]);
    char* result = format_float_list(values, v->dim);
    pfree(values);
    PG_RETURN_CSTRING(result);
}

// halfvec_typmod_in(cstring[]): the n of halfvec(n).
VECDB_FUNCTION(halfvec_typmod_in) {
    PG_RETURN_INT32(dense_typmod_in(PG_GETARG_ARRAYTYPE_P(0), "halfvec", HALFVEC_MAX_DIM));
}

// halfvec_typmod_out(int4): "(n)".
VECDB_FUNCTION(halfvec_typmod_out) {
    PG_RETURN_CSTRING(dense_typmod_out(PG_GETARG_INT32(0)));
}

// halfvec_recv(internal, oid, int4): int16 dim, int16 unused, dim uint16 half bits.
VECDB_FUNCTION(halfvec_recv) {
    StringInfo buf = (StringInfo)PG_GETARG_POINTER(0);
    int32 typmod = PG_GETARG_INT32(2);
    const uint8_t* data = (const uint8_t*)buf->data + buf->cursor;
    size_t size = (size_t)(buf->len - buf->cursor);
    int dim = guarded("halfvec_recv", [&] {
        return read_dense_binary_header(data, size, "halfvec", HALFVEC_MAX_DIM, sizeof(uint16));
    });
    check_expected_dims(dim, typmod);
    HalfVector* result = new_halfvec(dim);
    buf->cursor += (int)guarded("halfvec_recv", [&] { return decode_halfvec_binary(data, dim, result->x); });
    PG_RETURN_POINTER(result);
}

// halfvec_send(halfvec): the binary form read by halfvec_recv.
VECDB_FUNCTION(halfvec_send) {
    HalfVector* v = PG_GETARG_HALFVEC_P(0);
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendint16(&buf, v->dim);
    pq_sendint16(&buf, v->unused);
    for (int i = 0; i < v->dim; i++)
        pq_sendint16(&buf, v->x[i]);
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// halfvec(halfvec, int4, bool): the length cast that enforces halfvec(n).
VECDB_FUNCTION(halfvec) {
    HalfVector* v = PG_GETARG_HALFVEC_P(0);
    check_expected_dims(v->dim, PG_GETARG_INT32(1));
    PG_RETURN_POINTER(v);
}
