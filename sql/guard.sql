-- The C++ guard: core exceptions become clean errors and the session goes on.
SELECT vecdb_guard_selftest('bad_alloc');
\echo :LAST_ERROR_SQLSTATE
SELECT vecdb_guard_selftest('invalid_text');
\echo :LAST_ERROR_SQLSTATE
SELECT vecdb_guard_selftest('std_exception');
\echo :LAST_ERROR_SQLSTATE
SELECT vecdb_guard_selftest('unknown');
\echo :LAST_ERROR_SQLSTATE
SELECT vecdb_guard_selftest('no such kind');
\echo :LAST_ERROR_SQLSTATE
-- still working after every error above
SELECT 1 AS still_alive;
-- inside a transaction: the error aborts it, the rollback restores the session
BEGIN;
SELECT vecdb_guard_selftest('bad_alloc');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT 2 AS still_alive;
