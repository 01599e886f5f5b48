-- vector: arithmetic, concatenation, comparison and btree, functions, distances.

-- element-wise arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]' AS add, '[1,2,3]'::vector - '[4,5,6]' AS sub,
       '[1,2,3]'::vector * '[4,5,6]' AS mul;
SELECT '[0.5,-1]'::vector + '[0.25,1]' AS add_fractions;
SELECT '[3e38]'::vector * '[0.5]' AS no_overflow;

-- concatenation
SELECT '[1,2]'::vector || '[3]' AS concat;
SELECT vector_dims(('[' || repeat('1,', 7999) || '1]')::vector || ('[' || repeat('1,', 7999) || '1]')::vector) AS max_concat;

-- comparison operators (element values first, then dimension count)
SELECT '[1,2]'::vector < '[1,3]' AS lt, '[1,2]'::vector <= '[1,2]' AS le,
       '[1,2]'::vector = '[1,2]' AS eq, '[1,2]'::vector <> '[1,2]' AS ne,
       '[1,3]'::vector >= '[1,2,5]' AS ge, '[1,2,5]'::vector > '[1,2]' AS gt;
SELECT '[0]'::vector = '[-0]' AS zero_eq_negative_zero;
SELECT vector_cmp('[1,2]', '[1,2,0]'), vector_cmp('[2]', '[1,9]'), vector_cmp('[1]', '[1]');
CREATE TABLE vector_sorted (v vector);
INSERT INTO vector_sorted VALUES ('[2,1]'), ('[1,2,3]'), ('[1,2]'), ('[1,2]'), ('[-1]'), (NULL);
SELECT v FROM vector_sorted ORDER BY v;
SELECT v FROM vector_sorted ORDER BY v DESC NULLS LAST;
SELECT DISTINCT v FROM vector_sorted ORDER BY v;
SELECT v, count(*) FROM vector_sorted GROUP BY v ORDER BY v;
SELECT min(v::text), max(v::text) FROM vector_sorted;
CREATE UNIQUE INDEX vector_sorted_unique ON vector_sorted (v);
\echo :LAST_ERROR_SQLSTATE
DELETE FROM vector_sorted WHERE ctid = (SELECT max(ctid) FROM vector_sorted WHERE v = '[1,2]');
CREATE UNIQUE INDEX vector_sorted_unique ON vector_sorted (v);
INSERT INTO vector_sorted VALUES ('[1,2]');
\echo :LAST_ERROR_SQLSTATE
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT v FROM vector_sorted WHERE v = '[1,2]';
SELECT v FROM vector_sorted WHERE v >= '[1,2]' ORDER BY v;
RESET enable_seqscan;
SELECT opcname, opcdefault FROM pg_opclass WHERE opcname = 'vector_ops';
DROP TABLE vector_sorted;

-- functions
SELECT vector_dims('[1,2,3]'::vector);
SELECT vector_norm('[3,4]'::vector), vector_norm('[0,0]'::vector);
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector), l2_normalize('[-2]'::vector);
SELECT binary_quantize('[1,-1,0,2,0.5,-3,4,5,6]'::vector);
SELECT binary_quantize('[0]'::vector), pg_typeof(binary_quantize('[1]'::vector));
SELECT subvector('[1,2,3,4,5]'::vector, 1, 5), subvector('[1,2,3,4,5]'::vector, 2, 3),
       subvector('[1,2,3,4,5]'::vector, 5, 1);

-- distances (values chosen so float sums are exact on every CPU)
SELECT l2_distance('[0,0]'::vector, '[3,4]'), '[0,0]'::vector <-> '[3,4]' AS op;
SELECT vector_l2_squared_distance('[0,0]'::vector, '[3,4]');
SELECT inner_product('[1,2]'::vector, '[3,4]'), vector_negative_inner_product('[1,2]', '[3,4]'),
       '[1,2]'::vector <#> '[3,4]' AS op;
SELECT cosine_distance('[1,0]'::vector, '[0,1]'), cosine_distance('[1,1]'::vector, '[2,2]'),
       cosine_distance('[1,0]'::vector, '[-1,0]'), '[1,0]'::vector <=> '[0,1]' AS op;
SELECT cosine_distance('[0,0]'::vector, '[1,1]') AS zero_vector_is_nan;
SELECT l1_distance('[1,1]'::vector, '[-1,-2]'), '[1,1]'::vector <+> '[-1,-2]' AS op;
-- longer than any SIMD register, with an odd tail
SELECT vector_l2_squared_distance(array_fill(1, ARRAY[37])::vector, array_fill(3, ARRAY[37])::vector) AS l2_squared_148,
       inner_product(array_fill(2, ARRAY[37])::vector, array_fill(0.5, ARRAY[37])::vector) AS dot_37,
       l1_distance(array_fill(1, ARRAY[37])::vector, array_fill(-1, ARRAY[37])::vector) AS l1_74;
SELECT round(cosine_distance('[1,2,3]'::vector, '[3,2,1]')::numeric, 6);
-- operators declare commutators
SELECT oprname, oprcom::regoperator FROM pg_operator
 WHERE oprleft = 'vector'::regtype AND oprname IN ('<->', '<#>', '<=>', '<+>') ORDER BY oprname;
-- ordering by distance
CREATE TABLE vector_near (id integer, v vector(2));
INSERT INTO vector_near VALUES (1, '[0,0]'), (2, '[3,4]'), (3, '[1,1]'), (4, NULL);
SELECT id, v <-> '[0,0]' AS dist FROM vector_near ORDER BY v <-> '[0,0]', id;
SELECT id FROM vector_near ORDER BY v <#> '[1,1]', id;
SELECT id FROM vector_near ORDER BY v <+> '[3,3]', id;
DROP TABLE vector_near;
