// Shared search counters per index (see scan_stats.h), the SQL functions
// that read and reset them, and the shared-memory setup when preloaded.
#include "am/common/scan_stats.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"
}

// Indexes tracked at once; scans of further indexes are counted only in
// pg_stat_user_indexes until a reset frees entries.
static const long kMaxTrackedIndexes = 4096;

typedef struct ScanStatsKey {
    Oid database;
    Oid index;
} ScanStatsKey;

typedef struct ScanStatsEntry {
    ScanStatsKey key;
    int64 scans;
    int64 scored;
    int64 continuations;
    int64 list_pages;
    int64 rerank_pages;
    TimestampTz since;  // when counting started (first scan or reset)
} ScanStatsEntry;

static HTAB* shared_stats = NULL;  // NULL unless vecdb was preloaded
static LWLock* shared_lock = NULL;
static shmem_request_hook_type previous_shmem_request = NULL;
static shmem_startup_hook_type previous_shmem_startup = NULL;

// Asks the postmaster for the table and its lock.
static void request_shared_stats(void) {
    if (previous_shmem_request) previous_shmem_request();
    RequestAddinShmemSpace(hash_estimate_size(kMaxTrackedIndexes, sizeof(ScanStatsEntry)));
    RequestNamedLWLockTranche("vecdb_scan_stats", 1);
}

// Creates (postmaster) or attaches to (backends) the shared table.
static void attach_shared_stats(void) {
    if (previous_shmem_startup) previous_shmem_startup();
    HASHCTL info;
    memset(&info, 0, sizeof(info));
    info.keysize = sizeof(ScanStatsKey);
    info.entrysize = sizeof(ScanStatsEntry);
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    shared_stats = ShmemInitHash("vecdb scan stats", kMaxTrackedIndexes, kMaxTrackedIndexes, &info,
                                 HASH_ELEM | HASH_BLOBS);
    shared_lock = &(GetNamedLWLockTranche("vecdb_scan_stats"))->lock;
    LWLockRelease(AddinShmemInitLock);
}

void vecdb_scan_stats_init(void) {
    if (!process_shared_preload_libraries_in_progress) return;
    previous_shmem_request = shmem_request_hook;
    shmem_request_hook = request_shared_stats;
    previous_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = attach_shared_stats;
}

void vecdb_scan_stats_start(Relation index, VecdbScanStats* stats) {
    vecdb_scan_stats_publish(index, stats);
    pgstat_count_index_scan(index);
    stats->started = true;
}

void vecdb_scan_stats_publish(Relation index, VecdbScanStats* stats) {
    if (!stats->started) return;
    if (shared_stats != NULL) {
        ScanStatsKey key = {MyDatabaseId, RelationGetRelid(index)};
        bool found;
        LWLockAcquire(shared_lock, LW_EXCLUSIVE);
        ScanStatsEntry* entry = (ScanStatsEntry*)hash_search(shared_stats, &key, HASH_ENTER_NULL, &found);
        if (entry != NULL) {
            if (!found) {
                entry->scans = entry->scored = entry->continuations = 0;
                entry->list_pages = entry->rerank_pages = 0;
                entry->since = GetCurrentTimestamp();
            }
            entry->scans++;
            entry->scored += (int64)stats->scored;
            entry->continuations += (int64)stats->continuations;
            entry->list_pages += (int64)stats->list_pages;
            entry->rerank_pages += (int64)stats->rerank_pages;
        }
        LWLockRelease(shared_lock);
    }
    stats->started = false;
    stats->scored = 0;
    stats->continuations = 0;
    stats->list_pages = 0;
    stats->rerank_pages = 0;
}

extern "C" {
PG_FUNCTION_INFO_V1(vecdb_scan_stats_shared);
PG_FUNCTION_INFO_V1(vecdb_reset_search_stats);
}

// vecdb.scan_stats_shared(): the shared counters of this database's
// indexes; no rows when vecdb is not preloaded (vecdb.stat_search then
// shows NULL for them).
extern "C" PGDLLEXPORT Datum vecdb_scan_stats_shared(PG_FUNCTION_ARGS) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
    if (shared_stats == NULL) return (Datum)0;
    LWLockAcquire(shared_lock, LW_SHARED);
    HASH_SEQ_STATUS seq;
    hash_seq_init(&seq, shared_stats);
    for (ScanStatsEntry* entry; (entry = (ScanStatsEntry*)hash_seq_search(&seq)) != NULL;) {
        if (entry->key.database != MyDatabaseId) continue;
        Datum values[7] = {ObjectIdGetDatum(entry->key.index), Int64GetDatum(entry->scans),
                           Int64GetDatum(entry->scored), Int64GetDatum(entry->continuations),
                           TimestampTzGetDatum(entry->since), Int64GetDatum(entry->list_pages),
                           Int64GetDatum(entry->rerank_pages)};
        bool nulls[7] = {false, false, false, false, false, false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    LWLockRelease(shared_lock);
    return (Datum)0;
}

// vecdb.reset_search_stats(index): forgets the shared counters of one index
// (its owner may) or, with NULL, of every index in this database
// (superusers only). Returns how many indexes' counters it removed.
// pg_stat_user_indexes has its own reset, pg_stat_reset_single_table_counters.
extern "C" PGDLLEXPORT Datum vecdb_reset_search_stats(PG_FUNCTION_ARGS) {
    Oid index = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
    if (OidIsValid(index)) {
        if (get_rel_relkind(index) != RELKIND_INDEX)
            ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                            errmsg("\"%s\" is not an index", get_rel_name(index) ? get_rel_name(index) : "?")));
        if (!pg_class_ownercheck(index, GetUserId()))
            aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_INDEX, get_rel_name(index));
    } else if (!superuser()) {
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied to reset the search statistics of every index"),
                        errhint("Reset one index at a time as its owner.")));
    }
    int64 removed = 0;
    if (shared_stats != NULL) {
        LWLockAcquire(shared_lock, LW_EXCLUSIVE);
        HASH_SEQ_STATUS seq;
        hash_seq_init(&seq, shared_stats);
        for (ScanStatsEntry* entry; (entry = (ScanStatsEntry*)hash_seq_search(&seq)) != NULL;) {
            if (entry->key.database != MyDatabaseId) continue;
            if (OidIsValid(index) && entry->key.index != index) continue;
            hash_search(shared_stats, &entry->key, HASH_REMOVE, NULL);
            removed++;
        }
        LWLockRelease(shared_lock);
    }
    PG_RETURN_INT64(removed);
}
