// Operator class validation for CREATE OPERATOR CLASS ... USING flat/ivf/hnsw.
#include "am/common/validate.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_proc.h"
#include "utils/catcache.h"
#include "utils/syscache.h"
}

bool vecdb_validate_opclass(Oid opclass_oid) {
    HeapTuple class_tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass_oid));
    if (!HeapTupleIsValid(class_tuple)) elog(ERROR, "cache lookup failed for operator class %u", opclass_oid);
    Form_pg_opclass opclass = (Form_pg_opclass)GETSTRUCT(class_tuple);
    Oid family = opclass->opcfamily;
    char* name = pstrdup(NameStr(opclass->opcname));
    ReleaseSysCache(class_tuple);

    bool ok = true;
    bool has_distance = false;
    CatCList* procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
    for (int i = 0; i < procs->n_members; i++) {
        Form_pg_amproc proc = (Form_pg_amproc)GETSTRUCT(&procs->members[i]->tuple);
        if (proc->amprocnum != 1) continue;
        if (get_func_rettype(proc->amproc) != FLOAT8OID || get_func_nargs(proc->amproc) != 2) {
            ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                           errmsg("vecdb operator class \"%s\": support function 1 must take two "
                                  "arguments and return double precision", name)));
            ok = false;
        }
        has_distance = true;
    }
    ReleaseCatCacheList(procs);

    CatCList* ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
    for (int i = 0; i < ops->n_members; i++) {
        Form_pg_amop op = (Form_pg_amop)GETSTRUCT(&ops->members[i]->tuple);
        if (op->amoppurpose != AMOP_ORDER) {
            ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                           errmsg("vecdb operator class \"%s\": operator %u must be an ORDER BY operator",
                                  name, op->amopopr)));
            ok = false;
        }
    }
    ReleaseCatCacheList(ops);

    if (!has_distance) {
        ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                       errmsg("vecdb operator class \"%s\" has no distance support function 1", name)));
        ok = false;
    }
    return ok;
}
