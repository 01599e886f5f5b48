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
-- a message cut to fit the guard's buffer never ends inside a multibyte
-- character (converting the text would fail if it did)
DO $$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE NOTICE 'message is valid text';
    RETURN;
  END IF;
  PERFORM vecdb_guard_selftest('a' || repeat(chr(233), 300));
EXCEPTION WHEN invalid_parameter_value THEN
  PERFORM convert_to(SQLERRM, 'LATIN1');
  RAISE NOTICE 'message is valid text';
END $$;
