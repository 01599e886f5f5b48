// Casts among vector, halfvec and the numeric array types.
#include "pg/pg.h"
#include "core/distance/half.h"
#include "types/dense_util.h"
#include "types/vector.h"

using vecdb::core::float_to_half;
using vecdb::core::half_to_float;
using namespace vecdb::types;

// Converts one array element to float for a vector/halfvec, raising 22003 for
// NaN, infinity and values beyond float range.
static float element_to_float(double value, const char* type_name) {
    if (std::isnan(value))
        ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                        errmsg("NaN not allowed in %s", type_name)));
    if (std::isinf(value))
        ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                        errmsg("infinite value not allowed in %s", type_name)));
    float result = (float)value;
    if (std::isinf(result))
        ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                        errmsg("value %g is out of range for type %s", value, type_name)));
    return result;
}

// Converts a float to half bits, raising 22003 when it does not fit.
static uint16 float_to_checked_half(float value) {
    uint16 bits = float_to_half(value);
    if (half_is_special(bits))
        ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                        errmsg("value %g is out of range for type halfvec", (double)value)));
    return bits;
}

// Reads a 1-D, NULL-free int4/float4/float8/numeric array into a palloc'd
// float buffer of *dim elements, checking every element.
static float* array_to_floats(ArrayType* array, const char* type_name, int max_dim, int* dim) {
    if (ARR_NDIM(array) > 1)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("array must be one-dimensional to cast to %s", type_name)));
    Oid element_type = ARR_ELEMTYPE(array);
    int16 typlen;
    bool typbyval;
    char typalign;
    if (element_type != INT4OID && element_type != FLOAT4OID && element_type != FLOAT8OID &&
        element_type != NUMERICOID)
        ereport(ERROR, (errcode(ERRCODE_CANNOT_COERCE),
                        errmsg("cannot cast %s to %s", format_type_be(ARR_ELEMTYPE(array)), type_name)));
    get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);

    Datum* elements;
    bool* nulls;
    int count;
    deconstruct_array(array, element_type, typlen, typbyval, typalign, &elements, &nulls, &count);
    check_dim_count(count, max_dim, type_name);
    for (int i = 0; i < count; i++)
        if (nulls[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("array must not contain nulls")));

    float* result = (float*)palloc(sizeof(float) * count);
    for (int i = 0; i < count; i++) {
        double value;
        switch (element_type) {
            case INT4OID: value = DatumGetInt32(elements[i]); break;
            case FLOAT4OID: value = DatumGetFloat4(elements[i]); break;
            case FLOAT8OID: value = DatumGetFloat8(elements[i]); break;
            default: value = DatumGetFloat8(DirectFunctionCall1(numeric_float8, elements[i])); break;
        }
        result[i] = element_to_float(value, type_name);
    }
    pfree(elements);
    pfree(nulls);
    *dim = count;
    return result;
}

// Builds a real[] from n floats.
static ArrayType* floats_to_array(const float* values, int n) {
    Datum* datums = (Datum*)palloc(sizeof(Datum) * n);
    for (int i = 0; i < n; i++)
        datums[i] = Float4GetDatum(values[i]);
    ArrayType* result = construct_array(datums, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
    pfree(datums);
    return result;
}

// array_to_vector(int4[]/real[]/float8[]/numeric[], int4 typmod, bool): cast to vector.
VECDB_FUNCTION(array_to_vector) {
    int dim;
    float* values = array_to_floats(PG_GETARG_ARRAYTYPE_P(0), "vector", VECTOR_MAX_DIM, &dim);
    check_expected_dims(dim, PG_GETARG_INT32(1));
    Vector* result = new_vector(dim);
    memcpy(result->x, values, sizeof(float) * dim);
    pfree(values);
    PG_RETURN_POINTER(result);
}

// array_to_halfvec(int4[]/real[]/float8[]/numeric[], int4 typmod, bool): cast to halfvec.
VECDB_FUNCTION(array_to_halfvec) {
    int dim;
    float* values = array_to_floats(PG_GETARG_ARRAYTYPE_P(0), "halfvec", HALFVEC_MAX_DIM, &dim);
    check_expected_dims(dim, PG_GETARG_INT32(1));
    HalfVector* result = new_halfvec(dim);
    for (int i = 0; i < dim; i++)
        result->x[i] = float_to_checked_half(values[i]);
    pfree(values);
    PG_RETURN_POINTER(result);
}

// vector_to_float4(vector, int4, bool): cast to real[].
VECDB_FUNCTION(vector_to_float4) {
    Vector* v = PG_GETARG_VECTOR_P(0);
    PG_RETURN_POINTER(floats_to_array(v->x, v->dim));
}

// halfvec_to_float4(halfvec, int4, bool): cast to real[] (exact).
VECDB_FUNCTION(halfvec_to_float4) {
    HalfVector* v = PG_GETARG_HALFVEC_P(0);
    float* values = (float*)palloc(sizeof(float) * v->dim);
    for (int i = 0; i < v->dim; i++)
        values[i] = half_to_float(v->x[i]);
    ArrayType* result = floats_to_array(values, v->dim);
    pfree(values);
    PG_RETURN_POINTER(result);
}

// vector_to_halfvec(vector, int4, bool): rounds to half; 22003 beyond +-65504.
VECDB_FUNCTION(vector_to_halfvec) {
    Vector* v = PG_GETARG_VECTOR_P(0);
    check_expected_dims(v->dim, PG_GETARG_INT32(1));
    HalfVector* result = new_halfvec(v->dim);
    for (int i = 0; i < v->dim; i++)
        result->x[i] = float_to_checked_half(v->x[i]);
    PG_RETURN_POINTER(result);
}

// halfvec_to_vector(halfvec, int4, bool): widens every element exactly.
VECDB_FUNCTION(halfvec_to_vector) {
    HalfVector* v = PG_GETARG_HALFVEC_P(0);
    check_expected_dims(v->dim, PG_GETARG_INT32(1));
    Vector* result = new_vector(v->dim);
    for (int i = 0; i < v->dim; i++)
        result->x[i] = half_to_float(v->x[i]);
    PG_RETURN_POINTER(result);
}
