-- The aggregates' state functions are callable by any role with a hand-made
-- state; none of these may build an out-of-range value or crash the backend.
-- Over-long states are 54000, malformed ones 22023.
CREATE ROLE regress_vecdb_hostile LOGIN;
CREATE TABLE hostile_items (v vector);
CREATE INDEX ON hostile_items USING flat (v);
GRANT SELECT, INSERT ON hostile_items TO regress_vecdb_hostile;
SET ROLE regress_vecdb_hostile;
-- 20001 would wrap the 16-bit dimension count to 20000, 40001 to negative,
-- 65540 to 3 dimensions in 262164 bytes
SELECT vector_dims(vector_avg(array_fill(1::float8, ARRAY[20001])));
\echo :LAST_ERROR_SQLSTATE
SELECT vector_dims(vector_avg(array_fill(1::float8, ARRAY[40001])));
\echo :LAST_ERROR_SQLSTATE
SELECT vector_dims(vector_sum_final(array_fill(1::float8, ARRAY[65540])));
\echo :LAST_ERROR_SQLSTATE
SELECT l2_distance(v, v) FROM (SELECT vector_avg(array_fill(1::float8, ARRAY[40001])) v) s;
\echo :LAST_ERROR_SQLSTATE
SELECT v <-> v FROM (SELECT halfvec_avg(array_fill(1::float8, ARRAY[40001])) v) s;
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_sum_final(array_fill(1::float8, ARRAY[16002]));
\echo :LAST_ERROR_SQLSTATE
SELECT l2_normalize(vector_avg(array_fill(1::float8, ARRAY[40001])));
\echo :LAST_ERROR_SQLSTATE
SELECT binary_quantize(vector_avg(array_fill(1::float8, ARRAY[65536])));
\echo :LAST_ERROR_SQLSTATE
-- the transition and combine functions check the same limit
SELECT vector_accum(array_fill(1::float8, ARRAY[16002]), '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{1,1}', array_fill(1::float8, ARRAY[16002]));
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine(array_fill(1::float8, ARRAY[16002]), '{0}');
\echo :LAST_ERROR_SQLSTATE
-- the largest legal state still works: 16000 dimensions
SELECT vector_dims(vector_avg(array_fill(1::float8, ARRAY[16001])));
SELECT vector_dims(halfvec_sum_final(array_fill(1::float8, ARRAY[16001])));
-- the row count: 0 only in the initial {0}, else a whole number >= 1
SELECT vector_avg('{0,1,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{-1,1,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{1.5,1,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_avg('{Infinity,1,2}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_sum_final('{5}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_accum('{0,1}', '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{2,1}', '{NaN,1}');
\echo :LAST_ERROR_SQLSTATE
-- nothing reached a table: an INSERT of such a value fails the same way
INSERT INTO hostile_items SELECT vector_avg(array_fill(1::float8, ARRAY[40001]));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM hostile_items;
-- the well-formed aggregate path is unchanged
SELECT avg(v), sum(v) FROM (VALUES ('[1,2]'::vector), ('[3,4]')) t(v);
SELECT vector_avg('{2,4,6}'), vector_avg('{0}') IS NULL AS initial_is_null;
RESET ROLE;
DROP TABLE hostile_items;
DROP ROLE regress_vecdb_hostile;
-- a missing index in vecdb.index_stats is a user error, not an internal one
SELECT * FROM vecdb.index_stats(0);
\echo :LAST_ERROR_SQLSTATE
SELECT 'the session goes on' AS still_connected;
