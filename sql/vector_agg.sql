-- avg() and sum() over vector, serial and parallel.
CREATE TABLE vector_agg_items (g integer, v vector(3));
INSERT INTO vector_agg_items VALUES (1, '[1,2,3]'), (1, '[3,4,5]'), (2, '[0.5,0.5,0.5]'), (2, NULL);
SELECT avg(v), sum(v) FROM vector_agg_items;
SELECT g, avg(v), sum(v), count(v) FROM vector_agg_items GROUP BY g ORDER BY g;
-- no rows (or only NULLs): NULL, like the built-in avg and sum
SELECT avg(v), sum(v) FROM vector_agg_items WHERE false;
SELECT avg(v), sum(v) FROM vector_agg_items WHERE v IS NULL;
-- sums are kept in double precision: 1e8 + 1 - 1e8 in float would lose the 1
SELECT sum(v) FROM (VALUES ('[100000000]'::vector), ('[1]'), ('[-100000000]')) t(v);
-- a sum past float range is an error, the average of the same values is not
SELECT avg(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
\echo :LAST_ERROR_SQLSTATE
-- mixed dimensions
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1]')) t(v);
\echo :LAST_ERROR_SQLSTATE
-- the state functions directly
SELECT vector_accum('{0}', '[1,2]'), vector_combine('{1,1,2}', '{2,4,6}'), vector_avg('{2,4,6}');
SELECT vector_accum('{}', '[1,2]');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_combine('{1,1,2}', '{1,1}');
\echo :LAST_ERROR_SQLSTATE
-- a hand-made state holding NaN or Infinity never becomes a vector
SELECT vector_avg('{1,NaN}');
\echo :LAST_ERROR_SQLSTATE
SELECT vector_sum_final('{NaN,1}');
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_avg('{1,Infinity}');
\echo :LAST_ERROR_SQLSTATE
SELECT proname, proparallel FROM pg_proc
 WHERE proname IN ('avg', 'sum') AND proargtypes[0] = 'vector'::regtype ORDER BY proname;

-- parallel aggregation: partial states from the workers are combined
CREATE TABLE vector_agg_par (v vector(2));
INSERT INTO vector_agg_par SELECT ARRAY[i % 10, 1]::vector FROM generate_series(1, 10000) i;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM vector_agg_par;
SELECT avg(v), sum(v) FROM vector_agg_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT avg(v), sum(v) FROM vector_agg_par;
DROP TABLE vector_agg_par;
DROP TABLE vector_agg_items;
