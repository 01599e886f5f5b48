// The gate node of an inlined vecdb.search (see search_gate.h). The
// planner makes of the inlined statement an Append of two branches, each
// under a Result with a one-time filter (vecdb._search_single(data), then
// its negation). An Append initializes both, and the function branch alone
// costs more to set up than the index scan runs; the gate evaluates the
// first filter once at its start and initializes only the branch it picks
// (both under EXPLAIN without ANALYZE, which shows the plan). The filtering
// Results are dropped: the gate did their work.
#include "collection/search_gate.h"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/syscache.h"
}

namespace {

// The gate's executor state: the branches it initialized.
struct GateState {
    CustomScanState css;
    PlanState* branches[2];
    PlanState* running;
};

Node* create_gate_state(CustomScan* cscan);

const CustomScanMethods gate_plan_methods = {"vecdb.search", create_gate_state};

// Whether expr is a call of vecdb._search_single.
bool is_single_test(Node* expr) {
    if (expr == nullptr || !IsA(expr, FuncExpr)) return false;
    HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(((FuncExpr*)expr)->funcid));
    if (!HeapTupleIsValid(tup)) return false;
    Form_pg_proc proc = (Form_pg_proc)GETSTRUCT(tup);
    bool found = strcmp(NameStr(proc->proname), "_search_single") == 0 &&
                 proc->pronamespace == get_namespace_oid("vecdb", true);
    ReleaseSysCache(tup);
    return found;
}

// The one condition of a one-time filter, or nullptr.
Node* one_condition(Node* quals) {
    if (quals == nullptr) return nullptr;
    if (IsA(quals, List)) return list_length((List*)quals) == 1 ? (Node*)linitial((List*)quals) : nullptr;
    return quals;
}

// Whether a Result passes its input's columns through, as far as its
// parent reads them: every column, or (parent a subquery scan) those the
// scan's target list and quals use; the others may be constants (the
// planner's NULLs for unused subquery columns).
bool passes_through(Result* result, SubqueryScan* parent) {
    Plan* input = result->plan.lefttree;
    if (input == nullptr || result->plan.qual != NIL || result->plan.initPlan != NIL ||
        list_length(result->plan.targetlist) > list_length(input->targetlist))
        return false;
    Bitmapset* used = nullptr;
    if (parent != nullptr) {
        pull_varattnos((Node*)parent->scan.plan.targetlist, parent->scan.scanrelid, &used);
        pull_varattnos((Node*)parent->scan.plan.qual, parent->scan.scanrelid, &used);
    }
    ListCell* lc;
    foreach (lc, result->plan.targetlist) {
        TargetEntry* tle = lfirst_node(TargetEntry, lc);
        Var* var = (Var*)tle->expr;
        if (IsA(var, Var) && var->varno == OUTER_VAR && var->varattno == tle->resno) continue;
        bool read = parent == nullptr || bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, used) ||
                    bms_is_member(tle->resno - FirstLowInvalidHeapAttributeNumber, used);
        if (read || !IsA(var, Const)) return false;
    }
    return true;
}

// The filtering Result of a branch (under its subquery scans), with a
// pointer to the link that holds it and the scan above it (or nullptr);
// nullptr when there is none.
Result* branch_filter(Plan** link, Plan*** holder, SubqueryScan** parent) {
    *parent = nullptr;
    while (*link != nullptr && IsA(*link, SubqueryScan)) {
        *parent = (SubqueryScan*)*link;
        link = &(*parent)->subplan;
    }
    if (*link == nullptr || !IsA(*link, Result) || ((Result*)*link)->resconstantqual == nullptr) return nullptr;
    *holder = link;
    return (Result*)*link;
}

// The gate in place of an Append of an inlined vecdb.search, else plan.
Plan* gate_append(Append* append) {
    if (list_length(append->appendplans) != 2 || append->part_prune_info != nullptr ||
        append->first_partial_plan < 2 || append->plan.qual != NIL)
        return (Plan*)append;
    Plan** links[2] = {(Plan**)&linitial(append->appendplans), (Plan**)&lsecond(append->appendplans)};
    Plan** holders[2];
    Result* filters[2];
    SubqueryScan* parents[2];
    for (int i = 0; i < 2; i++)
        if ((filters[i] = branch_filter(links[i], &holders[i], &parents[i])) == nullptr) return (Plan*)append;
    Node* single = one_condition(filters[0]->resconstantqual);
    Node* other = one_condition(filters[1]->resconstantqual);
    if (!is_single_test(single) || other == nullptr || !is_notclause(other) ||
        !equal(get_notclausearg((Expr*)other), single))
        return (Plan*)append;
    for (int i = 0; i < 2; i++)
        if (passes_through(filters[i], parents[i])) *holders[i] = filters[i]->plan.lefttree;

    CustomScan* gate = makeNode(CustomScan);
    gate->scan.plan = append->plan;  // costs, width, node id, params, init plans
    gate->scan.plan.type = T_CustomScan;
    gate->scan.plan.lefttree = (Plan*)linitial(append->appendplans);  // what EXPLAIN resolves columns against
    gate->scan.plan.righttree = nullptr;
    gate->scan.plan.targetlist = NIL;
    ListCell* lc;
    foreach (lc, append->plan.targetlist) {
        TargetEntry* tle = lfirst_node(TargetEntry, lc);
        Var* var = makeVarFromTargetEntry(INDEX_VAR, tle);
        gate->scan.plan.targetlist =
            lappend(gate->scan.plan.targetlist, makeTargetEntry((Expr*)var, tle->resno, tle->resname, tle->resjunk));
    }
    gate->scan.scanrelid = 0;
    gate->custom_scan_tlist = append->plan.targetlist;
    gate->custom_plans = append->appendplans;
    gate->custom_exprs = list_make1(copyObjectImpl(single));
    gate->methods = &gate_plan_methods;
    return (Plan*)gate;
}

void gate_plans(List* plans);

// An OUTER_VAR Var as the gate's INDEX_VAR (its scan tuple is its branch's row).
Node* outer_to_index(Node* node, void* context) {
    if (node == nullptr) return nullptr;
    if (IsA(node, Var) && ((Var*)node)->varno == OUTER_VAR) {
        Var* var = (Var*)copyObjectImpl(node);
        var->varno = INDEX_VAR;
        return (Node*)var;
    }
    return expression_tree_mutator(node, (Node * (*)())(void (*)(void))outer_to_index, context);
}

// A projecting Result over a gate, made the gate's own projection (one
// node less per row and per call), else plan.
Plan* merge_projection(Result* result) {
    Plan* gate = result->plan.lefttree;
    if (gate == nullptr || !IsA(gate, CustomScan) || ((CustomScan*)gate)->methods != &gate_plan_methods ||
        result->resconstantqual != nullptr || result->plan.qual != NIL || result->plan.initPlan != NIL ||
        gate->initPlan != NIL)
        return (Plan*)result;
    gate->targetlist = (List*)outer_to_index((Node*)result->plan.targetlist, nullptr);
    gate->startup_cost = result->plan.startup_cost;
    gate->total_cost = result->plan.total_cost;
    gate->plan_rows = result->plan.plan_rows;
    gate->plan_width = result->plan.plan_width;
    gate->extParam = bms_union(gate->extParam, result->plan.extParam);
    gate->allParam = bms_union(gate->allParam, result->plan.allParam);
    return gate;
}

// Replaces the Appends of inlined searches in a plan tree; returns the new root.
Plan* gate_tree(Plan* plan) {
    if (plan == nullptr) return nullptr;
    check_stack_depth();
    plan->lefttree = gate_tree(plan->lefttree);
    plan->righttree = gate_tree(plan->righttree);
    switch (nodeTag(plan)) {
        case T_Append: gate_plans(((Append*)plan)->appendplans); return gate_append((Append*)plan);
        case T_MergeAppend: gate_plans(((MergeAppend*)plan)->mergeplans); break;
        case T_BitmapAnd: gate_plans(((BitmapAnd*)plan)->bitmapplans); break;
        case T_BitmapOr: gate_plans(((BitmapOr*)plan)->bitmapplans); break;
        case T_SubqueryScan: ((SubqueryScan*)plan)->subplan = gate_tree(((SubqueryScan*)plan)->subplan); break;
        case T_CustomScan: gate_plans(((CustomScan*)plan)->custom_plans); break;
        case T_Result: return merge_projection((Result*)plan);
        default: break;
    }
    return plan;
}

// gate_tree on every plan of a list, in place.
void gate_plans(List* plans) {
    ListCell* lc;
    foreach (lc, plans) lfirst(lc) = gate_tree((Plan*)lfirst(lc));
}

// Executor methods.

// Picks the branch (both under EXPLAIN alone) and initializes it.
void gate_begin(CustomScanState* node, EState* estate, int eflags) {
    GateState* state = (GateState*)node;
    CustomScan* gate = (CustomScan*)node->ss.ps.plan;
    bool explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;
    int pick = 1;
    if (!explain_only) {
        ExprState* test = ExecInitExpr((Expr*)linitial(gate->custom_exprs), &node->ss.ps);
        bool isnull;
        Datum single = ExecEvalExprSwitchContext(test, node->ss.ps.ps_ExprContext, &isnull);
        pick = !isnull && DatumGetBool(single) ? 0 : 1;
    }
    for (int i = 0; i < 2; i++) {
        if (!explain_only && i != pick) continue;
        state->branches[i] = ExecInitNode((Plan*)list_nth(gate->custom_plans, i), estate, eflags);
        node->custom_ps = lappend(node->custom_ps, state->branches[i]);
    }
    state->running = state->branches[pick];
    // the branch's rows are the scan tuples, of the branch's slot type
    node->ss.ps.scanops = ExecGetResultSlotOps(state->running, &node->ss.ps.scanopsfixed);
    if (explain_only) node->ss.ps.scanopsfixed = false;
    node->ss.ps.scanopsset = true;
    if (node->ss.ps.ps_ProjInfo != nullptr) {
        // a merged projection: rebuilt for that slot type
        ExecAssignProjectionInfo(&node->ss.ps, node->ss.ss_ScanTupleSlot->tts_tupleDescriptor);
    } else {
        // rows returned as they are: parents must not assume a slot type
        // of the gate's own
        node->ss.ps.resultops = node->ss.ps.scanops;
        node->ss.ps.resultopsfixed = node->ss.ps.scanopsfixed;
        node->ss.ps.resultopsset = true;
    }
}

// The next row of the branch, projected when the gate took over its
// parent's projection.
TupleTableSlot* gate_exec(CustomScanState* node) {
    TupleTableSlot* slot = ExecProcNode(((GateState*)node)->running);
    ProjectionInfo* projection = node->ss.ps.ps_ProjInfo;
    if (TupIsNull(slot) || projection == nullptr) return slot;
    ExprContext* econtext = node->ss.ps.ps_ExprContext;
    ResetExprContext(econtext);
    econtext->ecxt_scantuple = slot;
    return ExecProject(projection);
}

// Ends the initialized branches.
void gate_end(CustomScanState* node) {
    GateState* state = (GateState*)node;
    for (PlanState* branch : state->branches)
        if (branch != nullptr) ExecEndNode(branch);
}

// Rescans the branch (as an Append does its children).
void gate_rescan(CustomScanState* node) {
    PlanState* branch = ((GateState*)node)->running;
    if (node->ss.ps.chgParam != nullptr) UpdateChangedParamSet(branch, node->ss.ps.chgParam);
    if (branch->chgParam == nullptr) ExecReScan(branch);
}

const CustomExecMethods gate_exec_methods = {
    "vecdb.search", gate_begin, gate_exec, gate_end, gate_rescan,
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

Node* create_gate_state(CustomScan* cscan) {
    GateState* state = (GateState*)newNode(sizeof(GateState), T_CustomScanState);
    state->css.methods = &gate_exec_methods;
    return (Node*)state;
}

}  // namespace

void vecdb_search_gate_plan(PlannedStmt* stmt) {
    stmt->planTree = gate_tree(stmt->planTree);
    gate_plans(stmt->subplans);
}

void vecdb_search_gate_init() { RegisterCustomScanMethods(&gate_plan_methods); }
