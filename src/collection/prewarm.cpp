// vecdb._prewarm(): what vecdb.load() does for each index of a collection.
#include "pg/pg.h"

extern "C" {
#include "access/relation.h"
#include "catalog/objectaddress.h"
#include "utils/acl.h"
}

// vecdb._prewarm(regclass) RETURNS bigint: reads every block of a relation's
// main fork into shared buffers (what Milvus's load does for an index).
VECDB_FUNCTION(vecdb_prewarm) {
    Oid relid = PG_GETARG_OID(0);
    Relation rel = relation_open(relid, AccessShareLock);
    AclResult acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
    if (acl != ACLCHECK_OK) aclcheck_error(acl, get_relkind_objtype(rel->rd_rel->relkind), RelationGetRelationName(rel));
    int64 blocks = 0;
    if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind)) {
        BlockNumber n = RelationGetNumberOfBlocks(rel);
        for (BlockNumber b = 0; b < n; b++) {
            CHECK_FOR_INTERRUPTS();
            Buffer buf = ReadBufferExtended(rel, MAIN_FORKNUM, b, RBM_NORMAL, NULL);
            ReleaseBuffer(buf);
            blocks++;
        }
    }
    relation_close(rel, AccessShareLock);
    PG_RETURN_INT64(blocks);
}
