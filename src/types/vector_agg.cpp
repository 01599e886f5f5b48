// avg() and sum() over vector and halfvec. The transition state is a float8[]
// {count, sum_1, ..., sum_dim}: sums are kept in double precision, and an
// array state needs no serial/deserial functions to run in parallel.
#include "pg/pg.h"
#include "types/dense_ops.h"

using namespace vecdb::types;

// The count/sum view of a float8[] state; dim is 0 for the initial '{0}'.
struct SumState {
    ArrayType* array;
    double* values;  // values[0] = count, values[1..dim] = sums
    int dim;
};

// Raises 22023 for a float8[] that no run of the aggregate could produce
// (the transition and final functions are callable from SQL).
static void invalid_state(const char* problem) {
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("invalid state for a vector aggregate"), errdetail("%s", problem)));
}

// Reads argument argno as a state, rejecting arrays that cannot be one: the
// shape, a length beyond the types' limit (54000) and a row count that is
// not 0 for the initial '{0}' or a whole number >= 1 otherwise. O(1); the
// sums are checked by finish, the only place they become a value.
static SumState get_state(FunctionCallInfo fcinfo, int argno) {
    static_assert(VECTOR_MAX_DIM == HALFVEC_MAX_DIM, "one state limit serves both types");
    ArrayType* array = PG_GETARG_ARRAYTYPE_P(argno);
    if (ARR_NDIM(array) != 1 || ARR_ELEMTYPE(array) != FLOAT8OID || ARR_HASNULL(array) ||
        ARR_DIMS(array)[0] < 1)
        invalid_state("A state is a one-dimensional float8[] {count, sum_1, ...} without NULLs.");
    SumState state;
    state.array = array;
    state.values = (double*)ARR_DATA_PTR(array);
    state.dim = ARR_DIMS(array)[0] - 1;
    if (state.dim > VECTOR_MAX_DIM)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("invalid state for a vector aggregate"),
                        errdetail("The state has %d dimensions; vectors cannot have more than %d.",
                                  state.dim, VECTOR_MAX_DIM)));
    double count = state.values[0];
    // 2^53: beyond it a double no longer counts rows exactly
    bool count_ok = state.dim == 0 ? count == 0.0
                                   : count >= 1.0 && count <= 9007199254740992.0 && count == std::floor(count);
    if (!count_ok)
        invalid_state(state.dim == 0 ? "The initial state {0} is the only state without sums."
                                     : "The row count must be a whole number of at least 1.");
    return state;
}

// A new zeroed state for dim dimensions.
static SumState new_state(int dim) {
    Datum* zeros = (Datum*)palloc(sizeof(Datum) * (dim + 1));
    for (int i = 0; i <= dim; i++)
        zeros[i] = Float8GetDatum(0.0);
    SumState state;
    state.array = construct_array(zeros, dim + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
                                  TYPALIGN_DOUBLE);
    pfree(zeros);
    state.values = (double*)ARR_DATA_PTR(state.array);
    state.dim = dim;
    return state;
}

// A state we may update: argument argno itself when running as an aggregate
// (which then owns it) and it was not detoasted into a copy, else a copy.
static SumState writable_state(FunctionCallInfo fcinfo, int argno) {
    SumState state = get_state(fcinfo, argno);
    bool own = AggCheckCallContext(fcinfo, NULL) &&
               (Pointer)state.array == DatumGetPointer(PG_GETARG_DATUM(argno));
    if (own)
        return state;
    SumState copy = new_state(state.dim);
    memcpy(copy.values, state.values, sizeof(double) * (state.dim + 1));
    return copy;
}

// Adds one vector/halfvec to the state.
template <typename K>
static Datum accumulate(FunctionCallInfo fcinfo, const typename K::Value* v) {
    SumState state = get_state(fcinfo, 0);
    if (state.dim == 0) {
        state = new_state(v->dim);  // first row: the initial '{0}' has no room
        state.values[0] = 0.0;
    } else {
        check_same_dims(state.dim, v->dim);
        state = writable_state(fcinfo, 0);
    }
    state.values[0] += 1.0;
    for (int i = 0; i < v->dim; i++)
        state.values[i + 1] += K::get(v, i);
    PG_RETURN_ARRAYTYPE_P(state.array);
}

// Turns a state into the sum (divisor 1) or the mean (divisor count); NULL
// when no row was aggregated, like the built-in sum and avg.
template <typename K>
static Datum finish(FunctionCallInfo fcinfo, bool mean) {
    SumState state = get_state(fcinfo, 0);
    double count = state.values[0];
    if (state.dim == 0)
        PG_RETURN_NULL();
    // Sums of finite rows are finite, so NaN/Inf means a hand-made state; a
    // NaN would otherwise reach a stored vector and break the btree order.
    for (int i = 1; i <= state.dim; i++)
        if (!std::isfinite(state.values[i]))
            invalid_state("The sums must be finite.");
    double divisor = mean ? count : 1.0;
    typename K::Value* result = K::make(state.dim);
    for (int i = 0; i < state.dim; i++)
        result->x[i] = K::put((float)(state.values[i + 1] / divisor));
    PG_RETURN_POINTER(result);
}

// vector_accum(float8[], vector): transition function of avg/sum(vector).
VECDB_FUNCTION(vector_accum) {
    return accumulate<VectorKind>(fcinfo, PG_GETARG_VECTOR_P(1));
}

// halfvec_accum(float8[], halfvec): transition function of avg/sum(halfvec).
VECDB_FUNCTION(halfvec_accum) {
    return accumulate<HalfvecKind>(fcinfo, PG_GETARG_HALFVEC_P(1));
}

// vector_combine(float8[], float8[]): merges two partial states (parallel
// aggregation); shared by the vector and halfvec aggregates.
VECDB_FUNCTION(vector_combine) {
    SumState right = get_state(fcinfo, 1);
    SumState left = get_state(fcinfo, 0);
    if (right.dim == 0)
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    if (left.dim == 0) {
        SumState copy = new_state(right.dim);
        memcpy(copy.values, right.values, sizeof(double) * (right.dim + 1));
        PG_RETURN_ARRAYTYPE_P(copy.array);
    }
    check_same_dims(left.dim, right.dim);
    left = writable_state(fcinfo, 0);
    for (int i = 0; i <= left.dim; i++)
        left.values[i] += right.values[i];
    PG_RETURN_ARRAYTYPE_P(left.array);
}

// vector_avg(float8[]): final function of avg(vector).
VECDB_FUNCTION(vector_avg) {
    return finish<VectorKind>(fcinfo, true);
}

// vector_sum_final(float8[]): final function of sum(vector); 22003 when a
// sum exceeds float range.
VECDB_FUNCTION(vector_sum_final) {
    return finish<VectorKind>(fcinfo, false);
}

// halfvec_avg(float8[]): final function of avg(halfvec).
VECDB_FUNCTION(halfvec_avg) {
    return finish<HalfvecKind>(fcinfo, true);
}

// halfvec_sum_final(float8[]): final function of sum(halfvec); 22003 when a
// sum exceeds half range.
VECDB_FUNCTION(halfvec_sum_final) {
    return finish<HalfvecKind>(fcinfo, false);
}
