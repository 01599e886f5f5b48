// SQL entry for the guard self-test.
#include "pg/pg.h"
#include "pg/guard.h"
#include "core/diag/selftest.h"

// vecdb_guard_selftest(kind text): throws in core, reports through the guard.
VECDB_FUNCTION(vecdb_guard_selftest) {
    char* kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    vecdb::pg::guarded("vecdb_guard_selftest", [&] { vecdb::core::throw_for_selftest(kind); });
    PG_RETURN_VOID();
}
