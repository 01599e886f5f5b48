-- vector: text I/O, typmod, table columns, COPY, NULLs, casts.

-- text input and shortest round-trip output
SELECT '[1,2,3]'::vector;
SELECT '[1,2.5,0.1]'::vector;
SELECT '[-0,1e-3,123456789,3.4028235e38,-1.17549435e-38]'::vector;
SELECT ' [ 1 , 2 ,3 ] '::vector AS whitespace;
SELECT (E'\t[\n1\r,\f2' || chr(11) || E']\n')::vector AS other_whitespace;
SELECT '[1e-50]'::vector AS underflows_to_zero;
SELECT '[0.1]'::vector::text = '[0.1]' AS round_trips;
SELECT vector_dims(('[' || repeat('1,', 15999) || '1]')::vector) AS max_dims;

-- typmod
SELECT '[1,2,3]'::vector(3);
SELECT '[1,2,3]'::vector(3)::vector;
SELECT format_type('vector'::regtype, 3), format_type('vector'::regtype, -1);
SELECT '{1,2,3}'::real[]::vector(3);
CREATE TABLE vector_items (id integer, v vector(3));
\d vector_items
INSERT INTO vector_items VALUES (1, '[1,2,3]'), (2, '[4,5,6]'), (3, NULL);
INSERT INTO vector_items VALUES (4, '[1,2]');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO vector_items VALUES (4, '[1,2,3]'::vector(4));
\echo :LAST_ERROR_SQLSTATE
INSERT INTO vector_items VALUES (4, '{1,2,3,4}'::integer[]);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO vector_items VALUES (4, ARRAY[7,8,9]);
UPDATE vector_items SET v = '[1,2]' WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM vector_items ORDER BY id;

-- STORAGE external, like pgvector: large vectors are never compressed
SELECT typstorage FROM pg_type WHERE typname = 'vector';
CREATE TABLE vector_big (v vector);
INSERT INTO vector_big SELECT array_fill(1, ARRAY[4000])::vector;
SELECT pg_column_size(v) AS stored_bytes, vector_dims(v) FROM vector_big;
DROP TABLE vector_big;

-- NULL handling: every function is STRICT
SELECT NULL::vector, vector_dims(NULL::vector), NULL::vector <-> '[1]', '[1]'::vector + NULL;
SELECT count(*) FILTER (WHERE v IS NULL) AS nulls FROM vector_items;

-- COPY text round trip
CREATE TABLE vector_copy (id integer, v vector(2));
COPY vector_copy FROM STDIN;
1	[1,2]
2	[ 0.5 , -3e2 ]
3	\N
\.
COPY vector_copy TO STDOUT;
COPY (SELECT v FROM vector_copy ORDER BY id) TO STDOUT WITH (FORMAT csv);
DROP TABLE vector_copy;

-- casts from arrays (assignment) and to real[] (implicit)
SELECT '{1,2,3}'::integer[]::vector;
SELECT '{1.5,2.25}'::real[]::vector;
SELECT '{1.5,0.1}'::double precision[]::vector;
SELECT '{1.5,0.1}'::numeric[]::vector;
SELECT ARRAY[1,2]::vector(2);
SELECT '[1,2.5]'::vector::real[];
-- the cast to real[] is implicit: a vector can be passed where real[] is expected
CREATE FUNCTION first_real(a real[]) RETURNS real AS 'SELECT a[1]' LANGUAGE sql;
SELECT first_real('[7,8]'::vector);
DROP FUNCTION first_real(real[]);
-- assignment cast: arrays can be stored in vector columns directly
CREATE TABLE vector_assign (v vector);
INSERT INTO vector_assign VALUES ('{1,2}'::real[]), (ARRAY[3.5,4]::numeric[]);
SELECT * FROM vector_assign;
DROP TABLE vector_assign;
