// vecdb.search inlined at plan time (see search_inline.h). A planner hook
// finds vecdb.search in FROM with constant arguments (but the data, usually
// a parameter) and puts in its place the subquery
//
//   SELECT * FROM (<the shape's one-vector statement>) s WHERE vecdb._search_single(data)
//   UNION ALL
//   SELECT * FROM vecdb.search(<the same arguments>) f WHERE NOT vecdb._search_single(data)
//
// where the statement's $1 is the InitPlan (SELECT vecdb._search_vector(data,
// ...)), its filter values are constants and the other parameters are the
// call's arguments. The two conditions become one-time filters and the
// gate node (search_gate.cpp) initializes and runs only the branch whose
// condition holds: one query vector runs the index scan of the hand-written
// query; anything else (a batch, NULL or malformed data) runs the function,
// which also raises its errors. The statement is parsed under the pinned
// search_path as the current user; privileges and row-level security apply
// when it runs, as for any query, and the plan is tied to the role. The
// plan is rebuilt when the collection catalog changes (vecdb.collections's
// relcache invalidation, as for the kept shapes), when the collection's
// table changes (the plan cache's own dependency) and when vecdb.search
// changes (GRANT / REVOKE). Calls that need what only the function does
// (index settings in params, range bounds, grouping, as_of, sparse and
// binary vectors, arguments that are not constants) stay calls.
#include "collection/search_inline.h"
#include "collection/search_gate.h"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parser.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/syscache.h"
}

namespace {

planner_hook_type prev_planner_hook = nullptr;

// vecdb.search's arguments (see search.cpp's SearchArg).
constexpr int kSearchArgs = 14;
constexpr int kCollectionArg = 0, kDataArg = 1, kAnnsFieldArg = 2, kPartitionsArg = 7;
constexpr int kCallOnlyArgs[] = {9, 10, 11, 13};  // radius, range_filter, group_by_field, as_of
// $100001 ... $100014 of the inlined statement are the call's own arguments.
constexpr int kArgParam = 100001;

// What the rewrite of one query tree did.
struct InlineContext {
    List* made;       // the subqueries it made (not searched again)
    List* functions;  // the vecdb.search oids it inlined
};

// The parse of one inlined statement: what its $n stand for.
struct ParseContext {
    const SearchInlineShape* shape;
    List* args;             // the call's 14 arguments
    Node* vector_sublink;   // raw (SELECT vecdb._search_vector(...))
};

// A tree walker as nodeFuncs.h's walkers take it (through void (*)(void),
// the one cast between function types that is always allowed).
bool (*walker(bool (*fn)(Node*, void*)))() { return (bool (*)())(void (*)(void))fn; }

// Whether funcid is one of the two vecdb.search functions of this library.
bool is_search_function(Oid funcid) {
    HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
    if (!HeapTupleIsValid(tup)) return false;
    Form_pg_proc proc = (Form_pg_proc)GETSTRUCT(tup);
    bool found = false;
    if (proc->prolang == ClanguageId && proc->proretset && proc->pronargs == kSearchArgs &&
        strcmp(NameStr(proc->proname), "search") == 0 && proc->pronamespace == get_namespace_oid("vecdb", true)) {
        bool isnull;
        Datum src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);
        if (!isnull) {
            char* name = TextDatumGetCString(src);
            found = strcmp(name, "vecdb_search") == 0 || strcmp(name, "vecdb_search_text") == 0;
        }
    }
    ReleaseSysCache(tup);
    return found;
}

// Whether an expression refers to anything but parameters and constants
// (the data argument is evaluated in three places once inlined, so it must
// not be volatile, and it moves into a subquery, so it must not hold Vars).
bool refers_to_query(Node* node, void* context) {
    if (node == nullptr) return false;
    if (IsA(node, Var) || IsA(node, PlaceHolderVar) || IsA(node, Aggref) || IsA(node, GroupingFunc) ||
        IsA(node, WindowFunc) || IsA(node, SubLink) || IsA(node, SubPlan))
        return true;
    return expression_tree_walker(node, walker(refers_to_query), context);
}

// The parser's $n of an inlined statement.
Node* inline_paramref(ParseState* pstate, ParamRef* pref) {
    ParseContext* cx = (ParseContext*)pstate->p_ref_hook_state;
    const SearchInlineShape* s = cx->shape;
    int n = pref->number;
    if (n >= kArgParam && n < kArgParam + kSearchArgs) return (Node*)copyObjectImpl(list_nth(cx->args, n - kArgParam));
    if (n == 1) return transformExpr(pstate, (Node*)copyObjectImpl(cx->vector_sublink), pstate->p_expr_kind);
    if (n == 4) return (Node*)copyObjectImpl(list_nth(cx->args, kPartitionsArg));
    if (n < 2 || n > s->nargs) return nullptr;  // the parser's "there is no parameter"
    // $2 radius, $3 range_filter, $5 as_of: not given; then the filter's values
    Oid type = s->types[n - 1];
    int16 len;
    bool byval;
    get_typlenbyval(type, &len, &byval);
    bool given = n > s->first_filter_param;
    return (Node*)makeConst(type, -1, get_typcollation(type), len, given ? s->values[n - 1] : (Datum)0, !given, byval);
}

// Parser setup of an inlined statement.
void inline_parser_setup(ParseState* pstate, void* arg) {
    pstate->p_paramref_hook = inline_paramref;
    pstate->p_ref_hook_state = arg;
}

// The analyzed (and rewritten: row-level security) subquery that replaces
// a call with these arguments, or nullptr when it does not return
// vecdb.search's columns.
Query* inline_query(List* args, const SearchInlineShape* s) {
    char* vector_sql = psprintf("SELECT (SELECT vecdb._search_vector($%d, %d, %d, %s, $%d, $%d, NULL::%s))",
                                kArgParam + kDataArg, s->typmod, s->dim, s->float_vector ? "true" : "false",
                                kArgParam + kCollectionArg, kArgParam + kAnnsFieldArg,
                                format_type_be_qualified(s->elem_type));
    RawStmt* vector_raw = linitial_node(RawStmt, raw_parser(vector_sql, RAW_PARSE_DEFAULT));
    ParseContext cx{s, args, ((ResTarget*)linitial(((SelectStmt*)vector_raw->stmt)->targetList))->val};

    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql,
                     "SELECT * FROM (%s) AS s WHERE vecdb._search_single($%d) UNION ALL SELECT * FROM vecdb.search(",
                     s->sql, kArgParam + kDataArg);
    for (int i = 0; i < kSearchArgs; i++) appendStringInfo(&sql, "%s$%d", i > 0 ? ", " : "", kArgParam + i);
    appendStringInfo(&sql, ") AS f WHERE NOT vecdb._search_single($%d)", kArgParam + kDataArg);
    List* raw = raw_parser(sql.data, RAW_PARSE_DEFAULT);
    if (list_length(raw) != 1) return nullptr;
    List* queries = pg_analyze_and_rewrite_withcb(linitial_node(RawStmt, raw), sql.data, inline_parser_setup, &cx,
                                                  nullptr);
    if (list_length(queries) != 1) return nullptr;
    Query* q = linitial_node(Query, queries);
    if (q->commandType != CMD_SELECT || q->utilityStmt != nullptr) return nullptr;
    const Oid columns[] = {INT4OID, TEXTOID, FLOAT8OID, JSONBOID};
    int n = 0;
    ListCell* lc;
    foreach (lc, q->targetList) {
        TargetEntry* tle = lfirst_node(TargetEntry, lc);
        if (tle->resjunk) continue;
        if (n >= 4 || exprType((Node*)tle->expr) != columns[n]) return nullptr;
        n++;
    }
    return n == 4 ? q : nullptr;
}

// Replaces a vecdb.search call in FROM by its statement, when it can be.
void try_inline(RangeTblEntry* rte, InlineContext* cx) {
    if (rte->rtekind != RTE_FUNCTION || rte->funcordinality || list_length(rte->functions) != 1) return;
    RangeTblFunction* rtf = linitial_node(RangeTblFunction, rte->functions);
    if (rtf->funccolnames != NIL || !IsA(rtf->funcexpr, FuncExpr)) return;
    FuncExpr* f = (FuncExpr*)rtf->funcexpr;
    if (!is_search_function(f->funcid)) return;
    HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(f->funcid));
    if (!HeapTupleIsValid(tup)) return;
    List* args = expand_function_arguments(f->args, false, f->funcresulttype, tup);
    ReleaseSysCache(tup);
    if (list_length(args) != kSearchArgs) return;

    // every argument but the data a constant: they make the shape
    LOCAL_FCINFO(call, kSearchArgs);
    InitFunctionCallInfoData(*call, nullptr, kSearchArgs, InvalidOid, nullptr, nullptr);
    List* inlined_args = NIL;
    for (int i = 0; i < kSearchArgs; i++) {
        Node* arg = (Node*)list_nth(args, i);
        if (i == kDataArg) {
            if (refers_to_query(arg, nullptr) || contain_volatile_functions(arg) || expression_returns_set(arg)) return;
            call->args[i].value = (Datum)0;
            call->args[i].isnull = true;
        } else {
            arg = eval_const_expressions(nullptr, arg);
            if (!IsA(arg, Const)) return;
            call->args[i].value = ((Const*)arg)->constvalue;
            call->args[i].isnull = ((Const*)arg)->constisnull;
        }
        inlined_args = lappend(inlined_args, arg);
    }
    for (int i : kCallOnlyArgs)
        if (!call->args[i].isnull) return;
    // the function's own EXECUTE privilege, which running it would check
    if (pg_proc_aclcheck(f->funcid, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK) return;

    SearchInlineShape shape;
    if (!vecdb_search_inline_shape(call, &shape)) return;
    int nest = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
    Query* q = inline_query(inlined_args, &shape);
    AtEOXact_GUC(true, nest);
    if (q == nullptr) return;
    rte->rtekind = RTE_SUBQUERY;
    rte->subquery = q;
    rte->security_barrier = false;
    rte->functions = NIL;
    cx->made = lappend(cx->made, q);
    cx->functions = list_append_unique_oid(cx->functions, f->funcid);
}

// Walks a query tree (subqueries, CTEs, sublinks) for vecdb.search in FROM.
bool inline_walker(Node* node, void* context) {
    InlineContext* cx = (InlineContext*)context;
    if (node == nullptr) return false;
    if (IsA(node, Query)) {
        if (list_member_ptr(cx->made, node)) return false;
        return query_tree_walker((Query*)node, walker(inline_walker), context, QTW_EXAMINE_RTES_BEFORE);
    }
    if (IsA(node, RangeTblEntry)) {
        try_inline((RangeTblEntry*)node, cx);
        return false;
    }
    return expression_tree_walker(node, walker(inline_walker), context);
}

// The planner, after inlining the vecdb.search calls it can; the plan then
// depends on the collection catalog, the inlined functions and the role.
PlannedStmt* search_inline_planner(Query* parse, const char* query_string, int cursor_options,
                                   ParamListInfo bound_params) {
    InlineContext cx{NIL, NIL};
    inline_walker((Node*)parse, &cx);
    PlannedStmt* stmt = prev_planner_hook ? prev_planner_hook(parse, query_string, cursor_options, bound_params)
                                          : standard_planner(parse, query_string, cursor_options, bound_params);
    if (cx.made == NIL) return stmt;
    stmt->relationOids = lappend_oid(stmt->relationOids, vecdb_search_catalog_relid());
    ListCell* lc;
    foreach (lc, cx.functions) {
        PlanInvalItem* item = makeNode(PlanInvalItem);
        item->cacheId = PROCOID;
        item->hashValue = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(lfirst_oid(lc)));
        stmt->invalItems = lappend(stmt->invalItems, item);
    }
    stmt->dependsOnRole = true;
    vecdb_search_gate_plan(stmt);
    return stmt;
}

}  // namespace

void vecdb_search_inline_init() {
    vecdb_search_gate_init();
    prev_planner_hook = planner_hook;
    planner_hook = search_inline_planner;
}
