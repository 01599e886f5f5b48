-- halfvec: arithmetic, comparison and btree, functions, distances, aggregates.

SELECT '[1,2,3]'::halfvec + '[4,5,6]' AS add, '[1,2,3]'::halfvec - '[4,5,6]' AS sub,
       '[1,2,3]'::halfvec * '[4,5,6]' AS mul;
SELECT '[1,2]'::halfvec || '[3]' AS concat;
-- results are rounded to half
SELECT '[2048]'::halfvec + '[1]' AS rounds_to_even;

-- comparison and btree
SELECT '[1,2]'::halfvec < '[1,3]' AS lt, '[1,2]'::halfvec <= '[1,2]' AS le,
       '[1,2]'::halfvec = '[1,2]' AS eq, '[1,2]'::halfvec <> '[1,2]' AS ne,
       '[1,3]'::halfvec >= '[1,2,5]' AS ge, '[1,2,5]'::halfvec > '[1,2]' AS gt;
SELECT halfvec_cmp('[1,2]', '[1,2,0]'), halfvec_cmp('[2]', '[1,9]'), halfvec_cmp('[1]', '[1]');
CREATE TABLE halfvec_sorted (v halfvec);
INSERT INTO halfvec_sorted VALUES ('[2,1]'), ('[1,2,3]'), ('[1,2]'), ('[1,2]'), ('[-1]'), (NULL);
SELECT v FROM halfvec_sorted ORDER BY v;
SELECT DISTINCT v FROM halfvec_sorted ORDER BY v;
CREATE UNIQUE INDEX halfvec_sorted_unique ON halfvec_sorted (v);
\echo :LAST_ERROR_SQLSTATE
CREATE INDEX halfvec_sorted_idx ON halfvec_sorted (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT v FROM halfvec_sorted WHERE v = '[1,2]';
SELECT v FROM halfvec_sorted WHERE v = '[1,2]';
RESET enable_seqscan;
SELECT opcname, opcdefault FROM pg_opclass WHERE opcname = 'halfvec_ops';
DROP TABLE halfvec_sorted;

-- functions
SELECT vector_dims('[1,2,3]'::halfvec), l2_norm('[3,4]'::halfvec), l2_norm('[0]'::halfvec);
SELECT l2_normalize('[3,4]'::halfvec), l2_normalize('[0,0]'::halfvec);
SELECT binary_quantize('[1,-1,0,2,0.5,-3,4,5,6]'::halfvec);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 3), subvector('[1,2,3,4,5]'::halfvec, 1, 5);

-- distances
SELECT l2_distance('[0,0]'::halfvec, '[3,4]'), '[0,0]'::halfvec <-> '[3,4]' AS op,
       halfvec_l2_squared_distance('[0,0]', '[3,4]');
SELECT inner_product('[1,2]'::halfvec, '[3,4]'), halfvec_negative_inner_product('[1,2]', '[3,4]'),
       '[1,2]'::halfvec <#> '[3,4]' AS op;
SELECT cosine_distance('[1,0]'::halfvec, '[0,1]'), cosine_distance('[1,1]'::halfvec, '[2,2]'),
       '[1,0]'::halfvec <=> '[-1,0]' AS op, cosine_distance('[0,0]'::halfvec, '[1,1]') AS zero_is_nan;
SELECT l1_distance('[1,1]'::halfvec, '[-1,-2]'), '[1,1]'::halfvec <+> '[-1,-2]' AS op;
SELECT halfvec_l2_squared_distance(array_fill(1, ARRAY[37])::halfvec, array_fill(3, ARRAY[37])::halfvec) AS l2_squared_148,
       inner_product(array_fill(2, ARRAY[37])::halfvec, array_fill(0.5, ARRAY[37])::halfvec) AS dot_37,
       l1_distance(array_fill(1, ARRAY[37])::halfvec, array_fill(-1, ARRAY[37])::halfvec) AS l1_74;
SELECT oprname, oprcom::regoperator FROM pg_operator
 WHERE oprleft = 'halfvec'::regtype AND oprname IN ('<->', '<#>', '<=>', '<+>') ORDER BY oprname;

-- aggregates
CREATE TABLE halfvec_agg (g integer, v halfvec(2));
INSERT INTO halfvec_agg VALUES (1, '[1,2]'), (1, '[3,5]'), (2, '[0.5,0.5]'), (2, NULL);
SELECT avg(v), sum(v) FROM halfvec_agg;
SELECT g, avg(v), sum(v) FROM halfvec_agg GROUP BY g ORDER BY g;
SELECT avg(v), sum(v) FROM halfvec_agg WHERE false;
-- the sum of halves past 65504 does not fit
SELECT avg(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v);
SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v);
\echo :LAST_ERROR_SQLSTATE
SELECT avg(v) FROM (VALUES ('[1,2]'::halfvec), ('[1]')) t(v);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO halfvec_agg SELECT 3, ARRAY[i % 10, 1]::halfvec FROM generate_series(1, 10000) i;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM halfvec_agg WHERE g = 3;
-- 45000 is not a half: the sum rounds to the nearest one, 44992
SELECT avg(v), sum(v) FROM halfvec_agg WHERE g = 3;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE halfvec_agg;
