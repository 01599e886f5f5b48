// Operator class validation for CREATE OPERATOR CLASS ... USING flat/ivf/hnsw
// (and amvalidate() calls).
#include "am/common/validate.h"

extern "C" {
#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "commands/defrem.h"
#include "utils/catcache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
}

// How messages name the family: "operator family "x" of access method y"
// for amvalidate; a generic name while members are being added (the new
// family is not visible in the catalogs yet).
typedef struct FamilyNames {
    const char* what;
} FamilyNames;

// Checks one support function of a family; reports a problem at elevel
// (INFO for amvalidate, ERROR when the member is being added).
static bool check_proc(const FamilyNames* names, int elevel, Oid proc, int number, Oid left, Oid right) {
    if (number < 1 || number > VECDB_NUM_SUPPORT_PROCS) {
        ereport(elevel, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                         errmsg("%s contains function %s with invalid "
                                "support number %d",
                                names->what, format_procedure(proc), number)));
        return false;
    }
    // VECDB_DISTANCE_PROC: (T, T) -> float8, T the member's type
    if (left != right || !check_amproc_signature(proc, FLOAT8OID, true, 2, 2, left, right)) {
        ereport(elevel, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                         errmsg("%s contains function %s with wrong "
                                "signature for support number %d",
                                names->what, format_procedure(proc), number),
                         errdetail("It must take two arguments of type %s and return double precision.",
                                   format_type_be(left))));
        return false;
    }
    return true;
}

// Checks one operator of a family; reports a problem at elevel.
static bool check_operator(const FamilyNames* names, int elevel, Oid opr, int strategy, bool for_order_by,
                           Oid sort_family, Oid left, Oid right) {
    if (strategy != VECDB_DISTANCE_STRATEGY) {
        ereport(elevel, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                         errmsg("%s contains operator %s with invalid "
                                "strategy number %d",
                                names->what, format_operator(opr), strategy)));
        return false;
    }
    if (!for_order_by || !opfamily_can_sort_type(sort_family, FLOAT8OID)) {
        ereport(elevel, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                         errmsg("%s contains operator %s that is not "
                                "FOR ORDER BY a btree family sorting double precision",
                                names->what, format_operator(opr))));
        return false;
    }
    if (left != right || !check_amop_signature(opr, FLOAT8OID, left, right)) {
        ereport(elevel, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                         errmsg("%s contains operator %s with wrong "
                                "signature",
                                names->what, format_operator(opr)),
                         errdetail("It must take two arguments of type %s and return double precision.",
                                   format_type_be(left))));
        return false;
    }
    return true;
}

// The names of a family and its access method, for messages.
static FamilyNames family_names(Oid family) {
    HeapTuple tuple = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(family));
    if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for operator family %u", family);
    Form_pg_opfamily form = (Form_pg_opfamily)GETSTRUCT(tuple);
    FamilyNames names;
    names.what = psprintf("operator family \"%s\" of access method %s", NameStr(form->opfname),
                          get_am_name(form->opfmethod));
    ReleaseSysCache(tuple);
    return names;
}

void vecdb_adjust_opclass_members(Oid family, Oid opclass, List* operators, List* functions) {
    FamilyNames names;
    names.what = "a vecdb operator family";
    ListCell* cell;
    foreach (cell, functions) {
        OpFamilyMember* member = (OpFamilyMember*)lfirst(cell);
        check_proc(&names, ERROR, member->object, member->number, member->lefttype, member->righttype);
    }
    foreach (cell, operators) {
        OpFamilyMember* member = (OpFamilyMember*)lfirst(cell);
        check_operator(&names, ERROR, member->object, member->number, OidIsValid(member->sortfamily),
                       member->sortfamily, member->lefttype, member->righttype);
    }
}

bool vecdb_validate_opclass(Oid opclass_oid) {
    HeapTuple class_tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass_oid));
    if (!HeapTupleIsValid(class_tuple)) elog(ERROR, "cache lookup failed for operator class %u", opclass_oid);
    Form_pg_opclass opclass = (Form_pg_opclass)GETSTRUCT(class_tuple);
    Oid family = opclass->opcfamily;
    Oid input_type = opclass->opcintype;
    char* class_name = pstrdup(NameStr(opclass->opcname));
    const char* am_name = get_am_name(opclass->opcmethod);
    ReleaseSysCache(class_tuple);
    FamilyNames names = family_names(family);

    bool ok = true;
    CatCList* procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
    CatCList* ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
    for (int i = 0; i < procs->n_members; i++) {
        Form_pg_amproc proc = (Form_pg_amproc)GETSTRUCT(&procs->members[i]->tuple);
        ok &= check_proc(&names, INFO, proc->amproc, proc->amprocnum, proc->amproclefttype, proc->amprocrighttype);
    }
    for (int i = 0; i < ops->n_members; i++) {
        Form_pg_amop op = (Form_pg_amop)GETSTRUCT(&ops->members[i]->tuple);
        ok &= check_operator(&names, INFO, op->amopopr, op->amopstrategy, op->amoppurpose == AMOP_ORDER,
                             op->amopsortfamily, op->amoplefttype, op->amoprighttype);
    }

    // every type the family covers needs both the operator and its distance function
    List* groups = identify_opfamily_groups(ops, procs);
    bool class_covered = false;
    ListCell* cell;
    foreach (cell, groups) {
        OpFamilyOpFuncGroup* group = (OpFamilyOpFuncGroup*)lfirst(cell);
        if (group->lefttype == input_type && group->righttype == input_type) class_covered = true;
        if ((group->operatorset & ((uint64)1 << VECDB_DISTANCE_STRATEGY)) == 0 ||
            (group->functionset & ((uint64)1 << VECDB_DISTANCE_PROC)) == 0) {
            ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                           errmsg("%s lacks the distance operator %d or "
                                  "support function %d for type %s",
                                  names.what, VECDB_DISTANCE_STRATEGY, VECDB_DISTANCE_PROC,
                                  format_type_be(group->lefttype))));
            ok = false;
        }
    }
    if (!class_covered) {
        ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                       errmsg("operator class \"%s\" of access method %s is missing the distance operator %d "
                              "and support function %d for its type %s",
                              class_name, am_name, VECDB_DISTANCE_STRATEGY, VECDB_DISTANCE_PROC,
                              format_type_be(input_type))));
        ok = false;
    }
    ReleaseCatCacheList(ops);
    ReleaseCatCacheList(procs);
    return ok;
}
