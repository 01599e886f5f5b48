// Time travel: the commit time of a transaction id, the one fact as_of
// visibility is decided from. Ids are xid8 (no wraparound) so an id kept
// in a row for weeks still names the same transaction.
#include "pg/pg.h"

extern "C" {
#include "access/clog.h"
#include "access/commit_ts.h"
#include "access/transam.h"
#include "access/xact.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"
}

namespace {

enum class XactState { Committed, NotCommitted, TooOld };

// Whether fxid committed, is still running / aborted / not of this
// cluster's past, or is older than the status Postgres keeps (then it
// committed or aborted long ago; callers only ask about row versions they
// can see, whose writers committed).
XactState xact_state(FullTransactionId fxid) {
    TransactionId xid = XidFromFullTransactionId(fxid);
    if (!TransactionIdIsNormal(xid)) return XactState::TooOld;  // bootstrap / frozen ids
    FullTransactionId next = ReadNextFullTransactionId();
    if (FullTransactionIdFollowsOrEquals(fxid, next)) return XactState::NotCommitted;  // another cluster's id
    // 32-bit ids compare correctly only within 2^31 of the next id
    if (U64FromFullTransactionId(next) - U64FromFullTransactionId(fxid) >= (uint64)(1U << 31)) return XactState::TooOld;
    if (TransactionIdIsCurrentTransactionId(xid) || TransactionIdIsInProgress(xid)) return XactState::NotCommitted;
    // the clog must not be truncated under the lookup
    LWLockAcquire(XactTruncationLock, LW_SHARED);
    XactState state;
    if (TransactionIdPrecedes(xid, ShmemVariableCache->oldestClogXid))
        state = XactState::TooOld;
    else
        state = TransactionIdDidCommit(xid) ? XactState::Committed : XactState::NotCommitted;
    LWLockRelease(XactTruncationLock);
    return state;
}

}  // namespace

// vecdb._commit_time(xid8) RETURNS timestamptz: the commit time of the
// transaction; NULL while it runs (the caller's own too), when it aborted or
// when the id is not of this cluster's past; -infinity when Postgres no
// longer knows (older than its commit timestamps or transaction status).
VECDB_FUNCTION(vecdb_commit_time) {
    FullTransactionId fxid = PG_GETARG_FULLTRANSACTIONID(0);
    switch (xact_state(fxid)) {
        case XactState::NotCommitted:
            PG_RETURN_NULL();
        case XactState::TooOld:
            PG_RETURN_TIMESTAMPTZ(DT_NOBEGIN);
        case XactState::Committed:
            break;
    }
    if (!track_commit_timestamp)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("time travel needs track_commit_timestamp = on"),
                        errhint("Set track_commit_timestamp = on in postgresql.conf and restart the server.")));
    TimestampTz ts;
    if (!TransactionIdGetCommitTsData(XidFromFullTransactionId(fxid), &ts, NULL)) PG_RETURN_TIMESTAMPTZ(DT_NOBEGIN);
    PG_RETURN_TIMESTAMPTZ(ts);
}
