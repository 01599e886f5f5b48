-- Values whose header disagrees with their size (as corruption on disk would
-- leave them) are 22P03-checked on input already; here they are forged with
-- a binary-compatible cast from bytea, which only a superuser can create.
-- Every function and the flat index must report XX001, never read past them.
CREATE CAST (bytea AS vector) WITHOUT FUNCTION;
CREATE CAST (bytea AS halfvec) WITHOUT FUNCTION;
CREATE CAST (bytea AS sparsevec) WITHOUT FUNCTION;
-- vector: 3 dimensions claimed, no elements; 1 claimed, 2 present;
-- a negative count; a value too short for its header
SELECT '\x03000000'::bytea::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT vector_dims('\x010000000000803f0000803f'::bytea::vector);
\echo :LAST_ERROR_SQLSTATE
SELECT l2_distance('\xffff0000'::bytea::vector, '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_norm('\x03'::bytea::vector);
\echo :LAST_ERROR_SQLSTATE
SELECT l2_normalize('\x030000000000803f'::bytea::vector);
\echo :LAST_ERROR_SQLSTATE
SELECT binary_quantize('\xffff0000'::bytea::vector);
\echo :LAST_ERROR_SQLSTATE
SELECT '\x030000000000803f'::bytea::vector::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT avg(v) FROM (VALUES ('\x030000000000803f'::bytea::vector)) t(v);
\echo :LAST_ERROR_SQLSTATE
-- the same bytes with a truthful header are a value
SELECT '\x010000000000803f'::bytea::vector AS well_formed;
-- halfvec: 2 dimensions claimed, 1 element (0x3c00 = 1.0)
SELECT '\x02000000003c'::bytea::halfvec <-> '[1,1]';
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_send('\x02000000003c'::bytea::halfvec);
\echo :LAST_ERROR_SQLSTATE
SELECT '\x01000000003c'::bytea::halfvec AS well_formed;
-- sparsevec: 2 entries claimed, 1 present; an index past the dimensions;
-- out-of-order indices inside (found by the casts that address memory)
SELECT '\x03000000020000000000000000000000'::bytea::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '\x030000000100000000000000050000000000803f'::bytea::sparsevec <-> '{1:1}/3';
\echo :LAST_ERROR_SQLSTATE
SELECT '\x0300000003000000000000000000000005000000020000000000803f0000803f0000803f'::bytea::sparsevec::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '\x0300000003000000000000000000000005000000020000000000803f0000803f0000803f'::bytea::sparsevec::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '\x030000000100000000000000020000000000803f'::bytea::sparsevec AS well_formed;

-- A flat index over a table holding a corrupted value: the scan reports the
-- value instead of handing it to a SIMD kernel (same claimed dimension as the
-- query, so only the size check can catch it).
CREATE TABLE corrupt_items (id int, v vector);
INSERT INTO corrupt_items VALUES (1, '[1,1,1]'), (2, '\x030000000000803f'::bytea::vector);
CREATE INDEX corrupt_items_v ON corrupt_items USING flat (v);
SET enable_seqscan = off;
SELECT id FROM corrupt_items ORDER BY v <-> '[1,1,1]' LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
SET vecdb.scan_threads = 1;
SELECT id FROM corrupt_items ORDER BY v <-> '[1,1,1]' LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
RESET vecdb.scan_threads;
-- a corrupted query is caught the same way
TRUNCATE corrupt_items;
INSERT INTO corrupt_items VALUES (1, '[1,1,1]'), (3, '[2,2,2]');
SELECT id FROM corrupt_items ORDER BY v <-> '\x030000000000803f'::bytea::vector LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
SELECT id FROM corrupt_items ORDER BY v <-> '[1,1,1]' LIMIT 1;
CREATE TABLE corrupt_halves (id int, v halfvec);
INSERT INTO corrupt_halves VALUES (1, '[1,1]'), (2, '\x02000000003c'::bytea::halfvec);
CREATE INDEX ON corrupt_halves USING flat (v);
SELECT id FROM corrupt_halves ORDER BY v <-> '[1,1]' LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE corrupt_sparse (id int, v sparsevec);
INSERT INTO corrupt_sparse VALUES (1, '{1:1}/3'), (2, '\x03000000020000000000000000000000'::bytea::sparsevec);
CREATE INDEX ON corrupt_sparse USING flat (v);
SELECT id FROM corrupt_sparse ORDER BY v <-> '{1:1}/3' LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
RESET enable_seqscan;
DROP TABLE corrupt_items, corrupt_halves, corrupt_sparse;
DROP CAST (bytea AS vector);
DROP CAST (bytea AS halfvec);
DROP CAST (bytea AS sparsevec);
SELECT 'the session goes on' AS still_connected;
