-- sparsevec binary input: sparsevec_recv gets raw bytes through a binary COPY
-- stream built here (COPY FROM PROGRAM printf), so every check can be hit.
\set VERBOSITY terse
CREATE TABLE recv_t (v sparsevec);
CREATE TABLE recv_t3 (v sparsevec(3));
-- Feeds one field of raw bytes to a binary COPY into tbl, returns it as text.
CREATE FUNCTION pg_temp.recv(payload bytea, tbl text DEFAULT 'recv_t') RETURNS text AS $$
DECLARE
    stream bytea := '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
        || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea;
    escaped text := '';
    b int;
    result text;
BEGIN
    FOR i IN 0 .. length(stream) - 1 LOOP
        b := get_byte(stream, i);
        escaped := escaped || '\' || (b >> 6) || ((b >> 3) & 7) || (b & 7);
    END LOOP;
    EXECUTE format('TRUNCATE %I', tbl);
    EXECUTE format('COPY %I FROM PROGRAM %L (FORMAT binary)', tbl, 'printf ''' || escaped || '''');
    EXECUTE format('SELECT v::text FROM %I', tbl) INTO result;
    RETURN result;
END $$ LANGUAGE plpgsql;
-- send output feeds straight back in
SELECT pg_temp.recv(sparsevec_send('{1:1.5,3:2}/5'));
SELECT pg_temp.recv(sparsevec_send('{}/1000000000'));
SELECT pg_temp.recv(sparsevec_send('{2:-0.25}/3'), 'recv_t3');
-- hand-built: dim 4, nnz 2, unused 0, indices 0 and 3, values 1 and -2
SELECT pg_temp.recv('\x00000004000000020000000000000000000000033f800000c0000000');
-- bad: dim 0, negative dim, dim over the limit
SELECT pg_temp.recv('\x000000000000000000000000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\xffffffff0000000000000000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x3b9aca010000000000000000');
\echo :LAST_ERROR_SQLSTATE
-- bad nnz: negative, above 16000, above dim
SELECT pg_temp.recv('\x00000004ffffffff00000000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x3b9aca0000003e8100000000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x00000001000000020000000000000000000000014000000040000000');
\echo :LAST_ERROR_SQLSTATE
-- unused field not zero
SELECT pg_temp.recv('\x000000040000000000000001');
\echo :LAST_ERROR_SQLSTATE
-- index out of range (4 for dim 4; negative: 0x80000000)
SELECT pg_temp.recv('\x0000000400000001000000000000000440000000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x0000000400000001000000008000000040000000');
\echo :LAST_ERROR_SQLSTATE
-- indices not strictly increasing (equal, then decreasing)
SELECT pg_temp.recv('\x00000004000000020000000000000001000000013f8000003f800000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x00000004000000020000000000000002000000013f8000003f800000');
\echo :LAST_ERROR_SQLSTATE
-- values: NaN and Inf are range errors as in text; a stored zero is corrupt
SELECT pg_temp.recv('\x000000040000000100000000000000007fc00000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x000000040000000100000000000000007f800000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x00000004000000010000000000000000ff800000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x0000000400000001000000000000000000000000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x0000000400000001000000000000000080000000');
\echo :LAST_ERROR_SQLSTATE
-- truncated header, truncated entries, trailing bytes
SELECT pg_temp.recv('\x0000000400000001');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x00000004000000010000000000000000');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.recv('\x000000040000000000000000ff');
\echo :LAST_ERROR_SQLSTATE
-- typmod checked on binary input too
SELECT pg_temp.recv(sparsevec_send('{1:1}/4'), 'recv_t3');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE recv_t, recv_t3;
