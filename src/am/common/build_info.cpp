// The build record at the end of a vecdb metapage.
#include "am/common/build_info.h"

#include "am/common/page.h"

extern "C" {
#include "access/generic_xlog.h"
#include "storage/bufmgr.h"
}

// Where the record lives: just before the special space. pd_upper is moved
// down to it so generic WAL and full-page images carry it (both skip the
// hole between pd_lower and pd_upper).
static char* build_info_slot(Page page) {
    return PageGetSpecialPointer(page) - MAXALIGN(sizeof(VecdbBuildInfo));
}

void vecdb_meta_record_build(Relation index, TimestampTz started, double tuples) {
    VecdbBuildInfo info;
    info.finished = GetCurrentTimestamp();
    info.duration_us = info.finished - started;
    info.tuples = tuples;

    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    vecdb_page_check(index, BufferGetPage(buffer), VECDB_METAPAGE_BLKNO, VECDB_PAGE_META);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, 0);
    char* slot = build_info_slot(page);
    PageHeader header = (PageHeader)page;
    // the AM's metapage body must end below the slot (it is a few hundred bytes)
    if ((char*)page + header->pd_lower > slot)
        elog(ERROR, "vecdb: no room for the build record in the metapage of \"%s\"", RelationGetRelationName(index));
    memcpy(slot, &info, sizeof info);
    header->pd_upper = (LocationIndex)(slot - (char*)page);
    ((VecdbMetaHeader*)PageGetContents(page))->flags |= VECDB_META_HAS_BUILD_INFO;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

bool vecdb_read_build_info(Relation index, VecdbBuildInfo* info) {
    if (RelationGetNumberOfBlocks(index) == 0) return false;
    Buffer buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    vecdb_page_check(index, page, VECDB_METAPAGE_BLKNO, VECDB_PAGE_META);
    bool present = (((VecdbMetaHeader*)PageGetContents(page))->flags & VECDB_META_HAS_BUILD_INFO) != 0 &&
                   ((PageHeader)page)->pd_upper == (LocationIndex)(build_info_slot(page) - (char*)page);
    if (present) memcpy(info, build_info_slot(page), sizeof *info);
    UnlockReleaseBuffer(buffer);
    return present;
}

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/index.h"
#include "funcapi.h"
#include "utils/acl.h"
}

#include "am/common/am_descriptor.h"

// vecdb.index_build(index): the recorded build of a vecdb index, or NULL
// when there is none to show — not a vecdb index, built before builds were
// recorded, or a table the caller may not read (the monitoring view lists
// every index, so this must not raise for the ones the caller can't see).
VECDB_FUNCTION(vecdb_index_build) {
    Oid index_oid = PG_GETARG_OID(0);
    Oid heap_oid = IndexGetRelation(index_oid, true);
    if (!OidIsValid(heap_oid)) PG_RETURN_NULL();
    if (!pg_class_ownercheck(index_oid, GetUserId()) &&
        pg_class_aclcheck(heap_oid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        PG_RETURN_NULL();
    // the table first, as everything else in Postgres locks them
    Relation heap = try_relation_open(heap_oid, AccessShareLock);
    if (heap == NULL) PG_RETURN_NULL();
    Relation index = try_relation_open(index_oid, AccessShareLock);
    VecdbBuildInfo info;
    bool present = index != NULL && index->rd_index != NULL && index->rd_index->indrelid == heap_oid &&
                   vecdb_am_for_index(index) != NULL && vecdb_read_build_info(index, &info);
    if (index != NULL) relation_close(index, AccessShareLock);
    relation_close(heap, AccessShareLock);
    if (!present) PG_RETURN_NULL();

    TupleDesc desc;
    if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    Datum values[3] = {TimestampTzGetDatum(info.finished), Float8GetDatum(info.duration_us / 1e6),
                       Int64GetDatum((int64)info.tuples)};
    bool nulls[3] = {false, false, false};
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
