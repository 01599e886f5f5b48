// Time travel: transaction tokens and their commit times, the one fact
// as_of visibility is decided from. A token is the 64-bit transaction id
// (no wraparound, so a token kept in a row for weeks still names the same
// transaction) plus a tag of the cluster (bits 40..59, from its system
// identifier): rows restored from another cluster's dump carry that
// cluster's tag and are never taken for this cluster's transactions of the
// same number; their commit times come from vecdb.commit_log.
#include "pg/pg.h"

extern "C" {
#include "access/clog.h"
#include "access/commit_ts.h"
#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"
}

namespace {

constexpr int kTagShift = 40;

// This cluster's tag, already shifted (never 0, so a token is never a bare id).
uint64 cluster_tag() { return ((uint64)(GetSystemIdentifier() % 1048573) + 1) << kTagShift; }

enum class XactState { Committed, NotCommitted, TooOld };

// Whether fxid committed, is still running / aborted / not of this
// cluster's past, or is older than the status Postgres keeps (then it
// committed or aborted long ago; callers only ask about row versions they
// can see, whose writers committed).
XactState xact_state(FullTransactionId fxid) {
    TransactionId xid = XidFromFullTransactionId(fxid);
    if (!TransactionIdIsNormal(xid)) return XactState::TooOld;  // bootstrap / frozen ids
    FullTransactionId next = ReadNextFullTransactionId();
    if (FullTransactionIdFollowsOrEquals(fxid, next)) return XactState::NotCommitted;  // not yet assigned (e.g. after pg_resetwal)
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

// vecdb._xact_token() RETURNS xid8: the token of the current (top-level)
// transaction, assigning it an id if it has none.
VECDB_FUNCTION(vecdb_xact_token) {
    FullTransactionId fxid = GetTopFullTransactionId();
    PG_RETURN_FULLTRANSACTIONID(FullTransactionIdFromU64(U64FromFullTransactionId(fxid) + cluster_tag()));
}

// vecdb._token_of(xid8) RETURNS xid8: the token of this cluster's
// transaction id (the purge's marks compare tokens).
VECDB_FUNCTION(vecdb_token_of) {
    uint64 id = U64FromFullTransactionId(PG_GETARG_FULLTRANSACTIONID(0));
    PG_RETURN_FULLTRANSACTIONID(FullTransactionIdFromU64(id + cluster_tag()));
}

// vecdb._commit_time(token xid8) RETURNS timestamptz: the commit time of the
// transaction; +infinity while it runs (the caller's own too) or when it
// aborted (it never committed before any instant); NULL when this cluster
// does not know: a token of another cluster, or older than the commit
// timestamps and transaction status Postgres keeps (the caller looks in
// vecdb.commit_log then).
VECDB_FUNCTION(vecdb_commit_time) {
    uint64 token = U64FromFullTransactionId(PG_GETARG_FULLTRANSACTIONID(0));
    uint64 tag = cluster_tag();
    if ((token >> kTagShift) != (tag >> kTagShift)) PG_RETURN_NULL();
    FullTransactionId fxid = FullTransactionIdFromU64(token - tag);
    switch (xact_state(fxid)) {
        case XactState::NotCommitted:
            PG_RETURN_TIMESTAMPTZ(DT_NOEND);
        case XactState::TooOld:
            PG_RETURN_NULL();
        case XactState::Committed:
            break;
    }
    if (!track_commit_timestamp)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("time travel needs track_commit_timestamp = on"),
                        errhint("Set track_commit_timestamp = on in postgresql.conf and restart the server.")));
    TimestampTz ts;
    if (!TransactionIdGetCommitTsData(XidFromFullTransactionId(fxid), &ts, NULL)) PG_RETURN_NULL();
    PG_RETURN_TIMESTAMPTZ(ts);
}
