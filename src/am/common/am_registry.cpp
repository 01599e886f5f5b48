// The table of registered index AMs (am_list.h) and lookups over it.
#include "am/common/am_descriptor.h"

extern "C" {
#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "utils/acl.h"
}

#define VECDB_AM(descriptor) extern const VecdbAmDescriptor descriptor;
#include "am/common/am_list.h"
#undef VECDB_AM

#define VECDB_AM(descriptor) &descriptor,
const VecdbAmDescriptor* const vecdb_am_descriptors[] = {
#include "am/common/am_list.h"
    NULL,
};
#undef VECDB_AM

const VecdbAmDescriptor* vecdb_am_for_index(Relation index) {
    if (index->rd_rel->relkind != RELKIND_INDEX) return NULL;
    char* am_name = get_am_name(index->rd_rel->relam);
    const VecdbAmDescriptor* found = NULL;
    for (int i = 0; am_name != NULL && vecdb_am_descriptors[i] != NULL; i++)
        if (strcmp(vecdb_am_descriptors[i]->name, am_name) == 0) found = vecdb_am_descriptors[i];
    if (am_name) pfree(am_name);
    return found;
}

Relation vecdb_open_for_inspection(Oid index_oid, Relation* heap, const VecdbAmDescriptor** am) {
    // the table first, as everything else in Postgres locks them
    Oid heap_oid = IndexGetRelation(index_oid, true);
    *heap = OidIsValid(heap_oid) ? try_relation_open(heap_oid, AccessShareLock) : NULL;
    Relation index = try_relation_open(index_oid, AccessShareLock);  // index_open's miss is XX000
    if (index == NULL)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("relation with OID %u does not exist", index_oid)));
    *am = vecdb_am_for_index(index);
    // an index whose table changed between the two lookups is not the one we locked
    if (*am == NULL || *heap == NULL || RelationGetRelid(*heap) != index->rd_index->indrelid)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a vecdb index", RelationGetRelationName(index))));
    if (!pg_class_ownercheck(index_oid, GetUserId()) &&
        pg_class_aclcheck(index->rd_index->indrelid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for index %s", RelationGetRelationName(index))));
    return index;
}

void vecdb_close_for_inspection(Relation index, Relation heap) {
    relation_close(index, AccessShareLock);
    table_close(heap, AccessShareLock);
}
