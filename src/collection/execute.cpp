// Runs the SQL the collection functions generate, with bound parameters and
// plans prepared once per statement shape (SQL text + parameter types) and
// kept for the session, so a search costs what the hand-written query costs.
#include "pg/pg.h"

extern "C" {
#include "executor/spi.h"
#include "parser/parse_type.h"
#include "utils/tuplestore.h"
}

namespace {

// One kept plan. The SQL text and types identify the shape.
struct CachedPlan {
    char* sql;
    int nargs;
    Oid* types;
    SPIPlanPtr plan;
    uint64 last_used;
};

constexpr int kPlanCacheSize = 128;
CachedPlan plan_cache[kPlanCacheSize];
uint64 plan_clock = 0;

// The kept plan for sql + types, preparing (and evicting the least recently
// used entry) on a miss. Must run inside SPI.
SPIPlanPtr plan_for(const char* sql, int nargs, Oid* types) {
    int free_slot = -1, oldest = 0;
    for (int i = 0; i < kPlanCacheSize; i++) {
        CachedPlan& e = plan_cache[i];
        if (e.sql == nullptr) {
            if (free_slot < 0) free_slot = i;
            continue;
        }
        if (e.last_used < plan_cache[oldest].last_used || plan_cache[oldest].sql == nullptr) oldest = i;
        if (e.nargs == nargs && strcmp(e.sql, sql) == 0 && memcmp(e.types, types, sizeof(Oid) * nargs) == 0) {
            e.last_used = ++plan_clock;
            return e.plan;
        }
    }
    SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
    if (plan == nullptr)
        elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    if (SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
    int slot = free_slot >= 0 ? free_slot : oldest;
    CachedPlan& e = plan_cache[slot];
    if (e.sql != nullptr) {
        SPI_freeplan(e.plan);
        pfree(e.sql);
        pfree(e.types);
        e.sql = nullptr;
    }
    e.sql = MemoryContextStrdup(TopMemoryContext, sql);
    e.types = (Oid*)MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * (nargs > 0 ? nargs : 1));
    memcpy(e.types, types, sizeof(Oid) * nargs);
    e.nargs = nargs;
    e.plan = plan;
    e.last_used = ++plan_clock;
    return plan;
}

// Parameters of one call: types resolved from their names, values parsed
// with each type's input function.
struct BoundParams {
    int nargs;
    Oid* types;
    Datum* values;
    char* nulls;
};

BoundParams bind_params(ArrayType* type_names, ArrayType* value_texts) {
    Datum *tdat, *vdat;
    bool *tnull, *vnull;
    int ntypes, nvalues;
    deconstruct_array(type_names, TEXTOID, -1, false, TYPALIGN_INT, &tdat, &tnull, &ntypes);
    deconstruct_array(value_texts, TEXTOID, -1, false, TYPALIGN_INT, &vdat, &vnull, &nvalues);
    if (ntypes != nvalues)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%d parameter types but %d values", ntypes, nvalues)));
    BoundParams p;
    p.nargs = ntypes;
    p.types = (Oid*)palloc(sizeof(Oid) * (ntypes + 1));
    p.values = (Datum*)palloc(sizeof(Datum) * (ntypes + 1));
    p.nulls = (char*)palloc(ntypes + 1);
    for (int i = 0; i < ntypes; i++) {
        if (tnull[i]) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("parameter type must not be NULL")));
        Oid typid;
        int32 typmod;
        parseTypeString(TextDatumGetCString(tdat[i]), &typid, &typmod, false);
        p.types[i] = typid;
        if (vnull[i]) {
            p.values[i] = (Datum)0;
            p.nulls[i] = 'n';
            continue;
        }
        Oid input, ioparam;
        getTypeInputInfo(typid, &input, &ioparam);
        p.values[i] = OidInputFunctionCall(input, TextDatumGetCString(vdat[i]), ioparam, typmod);
        p.nulls[i] = ' ';
    }
    return p;
}

// Executes sql with the parameters; returns SPI's result code. Inside SPI.
int run(const char* sql, const BoundParams& p) {
    SPIPlanPtr plan = plan_for(sql, p.nargs, p.types);
    int rc = SPI_execute_plan(plan, p.values, p.nulls, false, 0);
    if (rc < 0) elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
    return rc;
}

}  // namespace

// vecdb._execute(sql, param_types text[], param_values text[]) RETURNS SETOF record:
// the rows of a generated query; the caller's column list must match them.
VECDB_FUNCTION(vecdb_execute) {
    ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
    if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("_execute must be called in a FROM clause")));
    TupleDesc expected;
    if (get_call_result_type(fcinfo, NULL, &expected) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("_execute needs a column definition list")));
    char* sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
    BoundParams params = bind_params(PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2));

    MemoryContext per_query = rsinfo->econtext->ecxt_per_query_memory;
    MemoryContext old = MemoryContextSwitchTo(per_query);
    TupleDesc result_desc = CreateTupleDescCopy(expected);
    Tuplestorestate* store = tuplestore_begin_heap(true, false, work_mem);
    MemoryContextSwitchTo(old);

    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    run(sql, params);
    if (SPI_tuptable != nullptr) {
        TupleDesc got = SPI_tuptable->tupdesc;
        if (got->natts != result_desc->natts)
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("generated query returns %d columns, expected %d", got->natts, result_desc->natts)));
        for (int c = 0; c < got->natts; c++)
            if (TupleDescAttr(got, c)->atttypid != TupleDescAttr(result_desc, c)->atttypid)
                ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                                errmsg("generated query column %d has type %s, expected %s", c + 1,
                                       format_type_be(TupleDescAttr(got, c)->atttypid),
                                       format_type_be(TupleDescAttr(result_desc, c)->atttypid))));
        Datum* values = (Datum*)palloc(sizeof(Datum) * (got->natts + 1));
        bool* nulls = (bool*)palloc(sizeof(bool) * (got->natts + 1));
        for (uint64 r = 0; r < SPI_processed; r++) {
            CHECK_FOR_INTERRUPTS();
            for (int c = 0; c < got->natts; c++)
                values[c] = SPI_getbinval(SPI_tuptable->vals[r], got, c + 1, &nulls[c]);
            tuplestore_putvalues(store, result_desc, values, nulls);
        }
    }
    SPI_finish();
    rsinfo->returnMode = SFRM_Materialize;
    rsinfo->setResult = store;
    rsinfo->setDesc = result_desc;
    return (Datum)0;
}

// vecdb._execute_count(sql, param_types text[], param_values text[]) RETURNS bigint:
// runs a generated statement and returns how many rows it processed.
VECDB_FUNCTION(vecdb_execute_count) {
    char* sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
    BoundParams params = bind_params(PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2));
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    run(sql, params);
    uint64 processed = SPI_processed;
    SPI_finish();
    PG_RETURN_INT64((int64)processed);
}
