// SQL entry points of hybrid-search fusion (src/core/fusion):
// vecdb._check_ranker() validates a ranker before the requests run and
// vecdb._fuse() merges the requests' ranked lists, query by query.
#include "pg/pg.h"
#include "pg/guard.h"

#include <cmath>
#include <memory>

#include "core/fusion/fusion.h"

extern "C" {
#include "utils/tuplestore.h"
}

namespace {

namespace fusion = vecdb::core::fusion;

// A ranker as SQL passes it: 'rrf' with params {k} (or none: k = 60), or
// 'weighted' with one weight per request. Plain data, safe across ereport.
struct RankerArgs {
    bool weighted;
    int nparams;
    double* params;
};

// The ranker arguments of a call (arguments 0 and 1).
RankerArgs ranker_args(FunctionCallInfo fcinfo) {
    char* kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    RankerArgs args;
    if (strcmp(kind, "rrf") == 0)
        args.weighted = false;
    else if (strcmp(kind, "weighted") == 0)
        args.weighted = true;
    else
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown ranker \"%s\"", kind),
                        errhint("Rankers: rrf, weighted.")));
    ArrayType* params = PG_GETARG_ARRAYTYPE_P(1);
    Datum* datums;
    bool* nulls;
    deconstruct_array(params, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &datums, &nulls, &args.nparams);
    args.params = (double*)palloc(sizeof(double) * (args.nparams + 1));
    for (int i = 0; i < args.nparams; i++) {
        if (nulls[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("ranker parameters must not be NULL")));
        args.params[i] = DatumGetFloat8(datums[i]);
    }
    if (!args.weighted && args.nparams > 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("the rrf ranker takes one parameter, k")));
    return args;
}

// The core ranker for arguments (inside guarded()).
fusion::Ranker make_ranker(const RankerArgs& args) {
    fusion::Ranker ranker;
    if (args.weighted) {
        ranker.kind = fusion::Ranker::Kind::weighted;
        ranker.weights.assign(args.params, args.params + args.nparams);
    } else if (args.nparams == 1) {
        ranker.k = args.params[0];
    }
    return ranker;
}

// The elements of a one-dimensional array argument that must hold no NULLs.
Datum* array_elements(ArrayType* array, Oid type, int* count, const char* what) {
    int16 typlen;
    bool typbyval;
    char typalign;
    get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
    Datum* datums;
    bool* nulls;
    deconstruct_array(array, type, typlen, typbyval, typalign, &datums, &nulls, count);
    for (int i = 0; i < *count; i++)
        if (nulls[i]) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not contain NULL", what)));
    return datums;
}

// How a request's metric (as the catalog spells it, or TEXT) normalises.
fusion::ScoreKind score_kind(const char* metric) {
    if (strcmp(metric, "IP") == 0 || strcmp(metric, "COSINE") == 0) return fusion::ScoreKind::similarity;
    if (strcmp(metric, "TEXT") == 0) return fusion::ScoreKind::text_rank;
    if (strcmp(metric, "L2") == 0 || strcmp(metric, "HAMMING") == 0 || strcmp(metric, "JACCARD") == 0)
        return fusion::ScoreKind::distance;
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown request metric \"%s\"", metric)));
    return fusion::ScoreKind::distance;
}

// The candidates of every request as plain arrays: entry i belongs to list
// list_no[i] (1-based) and query query_no[i], in rank order within both.
struct Candidates {
    int nlists;
    fusion::ScoreKind* kinds;
    int nq;
    int count;
    int32* list_no;
    int32* query_no;
    char** ids;
    double* distances;
};

// Fuses each query's lists; returns one vector of hits per query (a heap
// object the caller deletes). Core only: runs inside guarded().
std::vector<std::vector<fusion::Fused>>* fuse_all(const RankerArgs& args, const Candidates& in, bool numeric_keys,
                                                  size_t limit) {
    fusion::Ranker ranker = make_ranker(args);
    std::vector<fusion::ScoreKind> kinds(in.kinds, in.kinds + in.nlists);
    std::vector<std::vector<std::vector<fusion::Candidate>>> per_query(
        in.nq, std::vector<std::vector<fusion::Candidate>>(in.nlists));
    for (int i = 0; i < in.count; i++)
        per_query[in.query_no[i] - 1][in.list_no[i] - 1].push_back(fusion::Candidate{in.ids[i], in.distances[i]});
    auto out = std::make_unique<std::vector<std::vector<fusion::Fused>>>();
    out->reserve(in.nq);
    for (int q = 0; q < in.nq; q++) out->push_back(fusion::fuse(ranker, kinds, per_query[q], numeric_keys, limit));
    return out.release();
}

}  // namespace

// vecdb._check_ranker(kind text, params float8[], nrequests int): raises the
// error for a ranker that is not valid for that many requests.
VECDB_FUNCTION(vecdb_check_ranker) {
    RankerArgs args = ranker_args(fcinfo);
    int nrequests = PG_GETARG_INT32(2);
    if (nrequests < 0) nrequests = 0;
    vecdb::pg::guarded("hybrid search ranker", [&] { fusion::check_ranker(make_ranker(args), (size_t)nrequests); });
    PG_RETURN_VOID();
}

// vecdb._fuse(kind, params, metrics text[], nq, list_no int[], query_no int[],
// ids text[], distances float8[], numeric_keys, top_k)
//   RETURNS TABLE (query_no int, id text, score float8, distances float8[]):
// the best top_k fused hits of each query, best first.
VECDB_FUNCTION(vecdb_fuse) {
    ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
    if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("_fuse must be called in a FROM clause")));
    TupleDesc expected;
    if (get_call_result_type(fcinfo, NULL, &expected) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("_fuse must return a record")));
    RankerArgs args = ranker_args(fcinfo);
    Candidates in;
    Datum* metrics = array_elements(PG_GETARG_ARRAYTYPE_P(2), TEXTOID, &in.nlists, "request metrics");
    in.kinds = (fusion::ScoreKind*)palloc(sizeof(fusion::ScoreKind) * (in.nlists + 1));
    for (int l = 0; l < in.nlists; l++) in.kinds[l] = score_kind(TextDatumGetCString(metrics[l]));
    in.nq = PG_GETARG_INT32(3);
    int n_list, n_query, n_ids, n_dist;
    Datum* list_no = array_elements(PG_GETARG_ARRAYTYPE_P(4), INT4OID, &n_list, "list numbers");
    Datum* query_no = array_elements(PG_GETARG_ARRAYTYPE_P(5), INT4OID, &n_query, "query numbers");
    Datum* ids = array_elements(PG_GETARG_ARRAYTYPE_P(6), TEXTOID, &n_ids, "ids");
    Datum* distances = array_elements(PG_GETARG_ARRAYTYPE_P(7), FLOAT8OID, &n_dist, "distances");
    bool numeric_keys = PG_GETARG_BOOL(8);
    int top_k = PG_GETARG_INT32(9);
    if (n_list != n_query || n_list != n_ids || n_list != n_dist)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("list numbers, query numbers, ids and distances must have the same length")));
    if (in.nq < 1 || in.nq > 16384 || top_k < 1 || top_k > 16384)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("nq and top_k must be between 1 and 16384")));
    in.count = n_list;
    in.list_no = (int32*)palloc(sizeof(int32) * (in.count + 1));
    in.query_no = (int32*)palloc(sizeof(int32) * (in.count + 1));
    in.ids = (char**)palloc(sizeof(char*) * (in.count + 1));
    in.distances = (double*)palloc(sizeof(double) * (in.count + 1));
    for (int i = 0; i < in.count; i++) {
        in.list_no[i] = DatumGetInt32(list_no[i]);
        in.query_no[i] = DatumGetInt32(query_no[i]);
        if (in.list_no[i] < 1 || in.list_no[i] > in.nlists || in.query_no[i] < 1 || in.query_no[i] > in.nq)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("candidate %d names list %d of query %d; there are %d lists and %d queries", i + 1,
                                   in.list_no[i], in.query_no[i], in.nlists, in.nq)));
        in.ids[i] = TextDatumGetCString(ids[i]);
        in.distances[i] = DatumGetFloat8(distances[i]);
        if ((i & 1023) == 0) CHECK_FOR_INTERRUPTS();
    }

    std::vector<std::vector<fusion::Fused>>* fused =
        vecdb::pg::guarded("hybrid search fusion", [&] { return fuse_all(args, in, numeric_keys, (size_t)top_k); });

    // Copy the hits into a tuplestore; the C++ result is freed whatever happens.
    MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
    TupleDesc result_desc = CreateTupleDescCopy(expected);
    Tuplestorestate* store = tuplestore_begin_heap(true, false, work_mem);
    MemoryContextSwitchTo(old);
    PG_TRY();
    {
        Datum* dist_datums = (Datum*)palloc(sizeof(Datum) * (in.nlists + 1));
        bool* dist_nulls = (bool*)palloc(sizeof(bool) * (in.nlists + 1));
        int dims[1] = {in.nlists};
        int lbs[1] = {1};
        for (int q = 0; q < in.nq; q++) {
            for (const fusion::Fused& hit : (*fused)[q]) {
                for (int l = 0; l < in.nlists; l++) {
                    dist_nulls[l] = std::isnan(hit.distances[l]);
                    dist_datums[l] = Float8GetDatum(dist_nulls[l] ? 0.0 : hit.distances[l]);
                }
                Datum values[4];
                bool nulls[4] = {false, false, false, false};
                values[0] = Int32GetDatum(q + 1);
                values[1] = PointerGetDatum(cstring_to_text_with_len(hit.key.data(), (int)hit.key.size()));
                values[2] = Float8GetDatum(hit.score);
                values[3] = PointerGetDatum(construct_md_array(dist_datums, dist_nulls, 1, dims, lbs, FLOAT8OID, 8,
                                                               FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
                tuplestore_putvalues(store, result_desc, values, nulls);
            }
        }
    }
    PG_FINALLY();
    {
        vecdb::pg::guarded("hybrid search fusion", [&] { delete fused; });
    }
    PG_END_TRY();
    rsinfo->returnMode = SFRM_Materialize;
    rsinfo->setResult = store;
    rsinfo->setDesc = result_desc;
    return (Datum)0;
}
