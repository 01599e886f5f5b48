// The purge worker: when vecdb is in shared_preload_libraries, a launcher
// starts, every vecdb.purge_interval, one short-lived worker per database
// of vecdb.purge_databases, which deletes the expired rows (ttl) and the
// history versions past their retention (time travel) in transactions of
// vecdb.purge_batch_size rows (vecdb._purge_step), logs what it deleted and
// exits. A database without vecdb is logged and skipped.
#include "pg/pg.h"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "utils/varlena.h"
#include "utils/wait_event.h"
}

#include "collection/ttl_worker.h"

extern "C" {
PGDLLEXPORT void vecdb_purge_launcher_main(Datum arg);
PGDLLEXPORT void vecdb_purge_database_main(Datum arg);
}

namespace {

char* purge_databases = nullptr;  // vecdb.purge_databases
int purge_interval = 60;          // vecdb.purge_interval, seconds
int purge_batch_size = 1000;      // vecdb.purge_batch_size

// check hook of vecdb.purge_databases: a comma-separated list of names.
bool check_databases(char** newval, void** extra, GucSource source) {
    char* copy = pstrdup(*newval);
    List* names = NIL;
    bool ok = SplitGUCList(copy, ',', &names);
    ListCell* lc;
    if (ok) foreach (lc, names) {
            if (strlen((const char*)lfirst(lc)) >= NAMEDATALEN) ok = false;
        }
    if (!ok) GUC_check_errdetail("vecdb.purge_databases must be a comma-separated list of database names.");
    list_free(names);
    pfree(copy);
    return ok;
}

// Sums of one collection's purge over a run.
struct Purged {
    char* collection;
    int64 expired;
    int64 history;
};

// Starts a transaction with SPI connected and a snapshot, showing what it
// does in pg_stat_activity; finish_step commits it.
void begin_step(const char* what) {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, what);
}

// Ends the transaction begun by begin_step.
void finish_step() {
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_stat(true);
    pgstat_report_activity(STATE_IDLE, NULL);
}

// Whether the connected database has a vecdb version with the purge step.
bool database_has_vecdb() {
    begin_step("vecdb purge: checking for the extension");
    int rc = SPI_execute(
        "SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'vecdb' "
        "AND pg_catalog.to_regprocedure('vecdb._purge_step(integer, text)') IS NOT NULL",
        true, 1);
    bool found = rc == SPI_OK_SELECT && SPI_processed == 1;
    finish_step();
    return found;
}

// Adds one step's rows to the run's sums; returns whether any collection
// filled its batch (more is left).
bool add_step(Purged** sums, int* count, MemoryContext keep) {
    bool more = false;
    for (uint64 r = 0; r < SPI_processed; r++) {
        HeapTuple tuple = SPI_tuptable->vals[r];
        TupleDesc desc = SPI_tuptable->tupdesc;
        bool isnull;
        char* name = SPI_getvalue(tuple, desc, 1);
        int64 expired = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
        int64 history = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
        more = more || expired >= purge_batch_size || history >= purge_batch_size;
        int i = 0;
        while (i < *count && strcmp((*sums)[i].collection, name) != 0) i++;
        if (i == *count) {
            MemoryContext old = MemoryContextSwitchTo(keep);
            *sums = *count == 0 ? (Purged*)palloc(sizeof(Purged)) : (Purged*)repalloc(*sums, sizeof(Purged) * (*count + 1));
            (*sums)[i].collection = pstrdup(name);
            (*sums)[i].expired = 0;
            (*sums)[i].history = 0;
            MemoryContextSwitchTo(old);
            (*count)++;
        }
        (*sums)[i].expired += expired;
        (*sums)[i].history += history;
    }
    return more;
}

// One purge run of the connected database: the commit times of what
// was written since the last run are recorded, then steps until nothing is
// left; logs the sums.
void purge_database(const char* dbname) {
    MemoryContext keep = AllocSetContextCreate(TopMemoryContext, "vecdb purge", ALLOCSET_SMALL_SIZES);
    Purged* sums = nullptr;
    int count = 0;
    bool more = true;
    // commit times first: the history purge reads them
    begin_step("vecdb purge: recording commit times");
    SPI_execute("SELECT vecdb._resolve_commits(x) FROM vecdb.collections x "
                "JOIN vecdb.time_travel tt ON tt.collection = x.name",
                false, 0);
    finish_step();
    while (more) {
        CHECK_FOR_INTERRUPTS();
        begin_step("vecdb purge: deleting expired rows");
        Oid types[1] = {INT4OID};
        Datum values[1] = {Int32GetDatum(purge_batch_size)};
        int rc = SPI_execute_with_args("SELECT collection, expired, history FROM vecdb._purge_step($1)", 1, types,
                                       values, NULL, false, 0);
        if (rc != SPI_OK_SELECT) elog(ERROR, "vecdb purge step failed: %s", SPI_result_code_string(rc));
        more = add_step(&sums, &count, keep);
        finish_step();
    }
    for (int i = 0; i < count; i++)
        if (sums[i].expired > 0 || sums[i].history > 0)
            ereport(LOG, (errmsg("vecdb purge: deleted %lld expired rows and %lld history versions of collection \"%s\" "
                                 "in database \"%s\"",
                                 (long long)sums[i].expired, (long long)sums[i].history, sums[i].collection, dbname)));
    MemoryContextDelete(keep);
}

// Starts the worker for one database and waits until it has finished.
void run_database_worker(const char* dbname) {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "vecdb");
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "vecdb_purge_database_main");
    snprintf(worker.bgw_name, BGW_MAXLEN, "vecdb purge worker for database %s", dbname);
    snprintf(worker.bgw_type, BGW_MAXLEN, "vecdb purge worker");
    strlcpy(worker.bgw_extra, dbname, BGW_EXTRALEN);
    worker.bgw_notify_pid = MyProcPid;
    BackgroundWorkerHandle* handle;
    if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
        ereport(LOG, (errmsg("vecdb purge: could not start a worker for database \"%s\"", dbname),
                      errhint("Raise max_worker_processes.")));
        return;
    }
    pid_t pid;
    if (WaitForBackgroundWorkerStartup(handle, &pid) == BGWH_STARTED) WaitForBackgroundWorkerShutdown(handle);
    pfree(handle);
}

// SIGUSR1 of the launcher: the postmaster's word that a database worker
// started or stopped (the default for workers without a database ignores it).
void launcher_sigusr1(SIGNAL_ARGS) {
    int save_errno = errno;
    SetLatch(MyLatch);
    errno = save_errno;
}

}  // namespace

// Entry point of the launcher (no database connection of its own).
void vecdb_purge_launcher_main(Datum arg) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    pqsignal(SIGUSR1, launcher_sigusr1);
    BackgroundWorkerUnblockSignals();
    ereport(LOG, (errmsg("vecdb purge launcher started (databases \"%s\", every %d s)", purge_databases,
                         purge_interval)));
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        char* copy = pstrdup(purge_databases != nullptr ? purge_databases : "");
        List* names = NIL;
        ListCell* lc;
        if (SplitGUCList(copy, ',', &names)) foreach (lc, names) {
                CHECK_FOR_INTERRUPTS();
                run_database_worker((const char*)lfirst(lc));
            }
        list_free(names);
        pfree(copy);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, (long)purge_interval * 1000L,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}

// Entry point of a database's worker: one purge run, then exit.
void vecdb_purge_database_main(Datum arg) {
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    char dbname[BGW_EXTRALEN];
    strlcpy(dbname, MyBgworkerEntry->bgw_extra, BGW_EXTRALEN);
    BackgroundWorkerInitializeConnection(dbname, NULL, 0);
    if (!database_has_vecdb()) {
        ereport(LOG, (errmsg("vecdb purge: database \"%s\" does not have the vecdb extension; nothing to purge", dbname),
                      errhint("Remove it from vecdb.purge_databases or CREATE EXTENSION vecdb there.")));
        proc_exit(0);
    }
    purge_database(dbname);
    proc_exit(0);
}

// Registers the purge GUCs, and the launcher when vecdb is being preloaded.
void vecdb_ttl_worker_init(void) {
    DefineCustomStringVariable("vecdb.purge_databases",
                               "Databases whose expired collection rows and old history the purge worker deletes.",
                               "A comma-separated list; the worker runs only when vecdb is in shared_preload_libraries.",
                               &purge_databases, "", PGC_SIGHUP, 0, check_databases, NULL, NULL);
    DefineCustomIntVariable("vecdb.purge_interval", "Time between purge runs of the purge worker.", NULL,
                            &purge_interval, 60, 1, 86400, PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
    DefineCustomIntVariable("vecdb.purge_batch_size", "Rows the purge worker deletes per collection and transaction.",
                            NULL, &purge_batch_size, 1000, 1, 1000000, PGC_SIGHUP, 0, NULL, NULL, NULL);
    if (!process_shared_preload_libraries_in_progress) return;
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = 10;
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "vecdb");
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "vecdb_purge_launcher_main");
    snprintf(worker.bgw_name, BGW_MAXLEN, "vecdb purge launcher");
    snprintf(worker.bgw_type, BGW_MAXLEN, "vecdb purge launcher");
    RegisterBackgroundWorker(&worker);
}
