// The ORDER BY distance of a vecdb index scan reused by its target list
// (see scan_distance.h).
#include "am/common/scan_distance.h"
#include "am/common/am_descriptor.h"

extern "C" {
#include "access/sysattr.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

// What the last scan that remembered a row returned (one per backend: the
// target list of a scan is evaluated right after that scan returned the
// row, so the last one is the only one ever asked for).
typedef struct RememberedRow {
    bool valid;
    Oid index;
    ItemPointerData tid;
    const struct varlena* query;  // the scan's copy, alive until it forgets
    double distance;
} RememberedRow;

static RememberedRow last_row;
static planner_hook_type prev_planner_hook = NULL;

void vecdb_scan_distance_remember(IndexScanDesc scan, ItemPointer tid, double distance, const struct varlena* query) {
    last_row.valid = true;
    last_row.index = RelationGetRelid(scan->indexRelation);
    last_row.tid = *tid;
    last_row.query = query;
    last_row.distance = distance;
}

void vecdb_scan_distance_forget(IndexScanDesc scan) {
    if (last_row.valid && last_row.index == RelationGetRelid(scan->indexRelation)) last_row.valid = false;
}

// Whether a query argument is, byte for byte, the query remembered.
static bool same_query(Datum query) {
    const struct varlena* q = (const struct varlena*)DatumGetPointer(query);
    if (q == last_row.query) return true;
    if (VARATT_IS_EXTENDED(q) || VARATT_IS_EXTENDED(last_row.query)) return false;  // compute it instead
    return VARSIZE(q) == VARSIZE(last_row.query) && memcmp(q, last_row.query, VARSIZE(q)) == 0;
}

// vecdb_scan_distance(value, query, ctid, index, function): the distance the
// index scan emitted for this row, else function(value, query).
VECDB_FUNCTION(vecdb_scan_distance) {
    ItemPointer ctid = (ItemPointer)PG_GETARG_POINTER(2);
    if (last_row.valid && last_row.index == PG_GETARG_OID(3) && ItemPointerEquals(&last_row.tid, ctid) &&
        same_query(PG_GETARG_DATUM(1)))
        PG_RETURN_FLOAT8(last_row.distance);
    FmgrInfo* function = (FmgrInfo*)fcinfo->flinfo->fn_extra;
    if (function == NULL) {
        function = (FmgrInfo*)MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FmgrInfo));
        fmgr_info_cxt(PG_GETARG_OID(4), function, fcinfo->flinfo->fn_mcxt);
        fcinfo->flinfo->fn_extra = function;
    }
    return FunctionCall2Coll(function, PG_GET_COLLATION(), PG_GETARG_DATUM(0), PG_GETARG_DATUM(1));
}

#define MAX_HANDING_AMS 8

// What rewriting a plan needs: the access methods that hand over their
// distances and the function.
typedef struct RewriteContext {
    PlannedStmt* stmt;
    bool ams_looked_up;
    int nams;
    Oid ams[MAX_HANDING_AMS];  // installed vecdb AMs with hands_over_distances
    Oid function;              // looked up at the first candidate; InvalidOid until then
    bool looked_up;
} RewriteContext;

// Fills cx->ams with the OIDs of the installed AMs that hand over distances.
static void lookup_handing_ams(RewriteContext* cx) {
    cx->ams_looked_up = true;
    cx->nams = 0;
    for (const VecdbAmDescriptor* const* am = vecdb_am_descriptors; *am != NULL; am++) {
        if (!(*am)->hands_over_distances || cx->nams == MAX_HANDING_AMS) continue;
        Oid oid = get_am_oid((*am)->name, true);
        if (OidIsValid(oid)) cx->ams[cx->nams++] = oid;
    }
}

// Whether an access method is one of cx->ams.
static bool hands_over(const RewriteContext* cx, Oid am) {
    for (int i = 0; i < cx->nams; i++)
        if (cx->ams[i] == am) return true;
    return false;
}

// vecdb_scan_distance's OID in the extension's schema (that of the
// handler of am, one of vecdb's), or InvalidOid.
static Oid lookup_function(Oid am) {
    HeapTuple tuple = SearchSysCache1(AMOID, ObjectIdGetDatum(am));
    if (!HeapTupleIsValid(tuple)) return InvalidOid;
    Oid handler = ((Form_pg_am)GETSTRUCT(tuple))->amhandler;
    ReleaseSysCache(tuple);
    char* schema = get_namespace_name(get_func_namespace(handler));
    if (schema == NULL) return InvalidOid;
    Oid argtypes[5] = {INTERNALOID, INTERNALOID, TIDOID, OIDOID, OIDOID};
    return LookupFuncName(list_make2(makeString(schema), makeString(pstrdup("vecdb_scan_distance"))), 5, argtypes,
                          true);
}

// The access method of an index.
static Oid index_am(Oid index) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(index));
    if (!HeapTupleIsValid(tuple)) return InvalidOid;
    Oid am = ((Form_pg_class)GETSTRUCT(tuple))->relam;
    ReleaseSysCache(tuple);
    return am;
}

// Replaces the target-list copies of a vecdb index scan's ORDER BY distance.
static void rewrite_index_scan(IndexScan* scan, RewriteContext* cx) {
    if (list_length(scan->indexorderbyorig) != 1) return;
    Node* orderby = (Node*)linitial(scan->indexorderbyorig);
    if (!IsA(orderby, OpExpr)) return;
    OpExpr* op = (OpExpr*)orderby;
    if (list_length(op->args) != 2 || op->opresulttype != FLOAT8OID || op->opretset) return;
    if (!cx->ams_looked_up) lookup_handing_ams(cx);
    Oid am = index_am(scan->indexid);
    if (!hands_over(cx, am)) return;
    ListCell* cell;
    foreach (cell, scan->scan.plan.targetlist) {
        TargetEntry* entry = (TargetEntry*)lfirst(cell);
        if (!equal(entry->expr, orderby)) continue;
        if (!cx->looked_up) {
            cx->function = lookup_function(am);
            cx->looked_up = true;
            if (OidIsValid(cx->function)) {
                PlanInvalItem* item = makeNode(PlanInvalItem);
                item->cacheId = PROCOID;
                item->hashValue = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(cx->function));
                cx->stmt->invalItems = lappend(cx->stmt->invalItems, item);
            }
        }
        if (!OidIsValid(cx->function)) return;
        Var* ctid = makeVar(scan->scan.scanrelid, SelfItemPointerAttributeNumber, TIDOID, -1, InvalidOid, 0);
        Const* index = makeConst(OIDOID, -1, InvalidOid, sizeof(Oid), ObjectIdGetDatum(scan->indexid), false, true);
        Const* function =
            makeConst(OIDOID, -1, InvalidOid, sizeof(Oid), ObjectIdGetDatum(op->opfuncid), false, true);
        List* args = list_make5(copyObjectImpl(linitial(op->args)), copyObjectImpl(lsecond(op->args)), ctid, index, function);
        entry->expr = (Expr*)makeFuncExpr(cx->function, FLOAT8OID, args, InvalidOid, op->inputcollid,
                                          COERCE_EXPLICIT_CALL);
    }
}

static void rewrite_plan(Plan* plan, RewriteContext* cx);

// rewrite_plan on every plan of a list.
static void rewrite_plans(List* plans, RewriteContext* cx) {
    ListCell* cell;
    foreach (cell, plans) rewrite_plan((Plan*)lfirst(cell), cx);
}

// Walks a plan tree, rewriting its vecdb index scans.
static void rewrite_plan(Plan* plan, RewriteContext* cx) {
    if (plan == NULL) return;
    check_stack_depth();
    if (IsA(plan, IndexScan)) rewrite_index_scan((IndexScan*)plan, cx);
    rewrite_plan(plan->lefttree, cx);
    rewrite_plan(plan->righttree, cx);
    switch (nodeTag(plan)) {
        case T_Append: rewrite_plans(((Append*)plan)->appendplans, cx); break;
        case T_MergeAppend: rewrite_plans(((MergeAppend*)plan)->mergeplans, cx); break;
        case T_BitmapAnd: rewrite_plans(((BitmapAnd*)plan)->bitmapplans, cx); break;
        case T_BitmapOr: rewrite_plans(((BitmapOr*)plan)->bitmapplans, cx); break;
        case T_SubqueryScan: rewrite_plan(((SubqueryScan*)plan)->subplan, cx); break;
        case T_CustomScan: rewrite_plans(((CustomScan*)plan)->custom_plans, cx); break;
        default: break;
    }
}

// The planner, then the rewrite of vecdb index scans' target lists.
static PlannedStmt* scan_distance_planner(Query* parse, const char* query_string, int cursor_options,
                                          ParamListInfo bound_params) {
    PlannedStmt* stmt = prev_planner_hook ? prev_planner_hook(parse, query_string, cursor_options, bound_params)
                                          : standard_planner(parse, query_string, cursor_options, bound_params);
    RewriteContext cx;
    cx.stmt = stmt;
    cx.ams_looked_up = false;  // looked up at the first index scan with an ORDER BY
    cx.nams = 0;
    cx.function = InvalidOid;
    cx.looked_up = false;
    rewrite_plan(stmt->planTree, &cx);
    rewrite_plans(stmt->subplans, &cx);
    return stmt;
}

void vecdb_scan_distance_init(void) {
    prev_planner_hook = planner_hook;
    planner_hook = scan_distance_planner;
}
