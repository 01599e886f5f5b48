-- vector: every kind of bad input is a clean error with the right SQLSTATE.

-- malformed text: 22P02
SELECT '1,2,3'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT ''::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3]]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[[1,2]]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2] x'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,,2]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[,1]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1 2]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[a]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1;2]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,2}'::vector;
\echo :LAST_ERROR_SQLSTATE
-- long input is quoted only in part
SELECT ('[' || repeat('1,', 100) || 'x]')::vector;
\echo :LAST_ERROR_SQLSTATE
-- NaN and infinity are not vector elements: 22P02
SELECT '[NaN]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,nan]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[Infinity]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[-inf]'::vector;
\echo :LAST_ERROR_SQLSTATE
-- finite literals beyond float range: 22003
SELECT '[1e39]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,-4e38]'::vector;
\echo :LAST_ERROR_SQLSTATE
-- empty: 22000
SELECT '[]'::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT ' [ ] '::vector;
\echo :LAST_ERROR_SQLSTATE
-- too many dimensions: 54000
SELECT ('[' || repeat('1,', 16000) || '1]')::vector;
\echo :LAST_ERROR_SQLSTATE

-- typmod: bad modifiers 22023, wrong dimension count 22000
SELECT '[1]'::vector(0);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::vector(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::vector(16001);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::vector(1, 2);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE vector_bad (v vector(2, 3));
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3]'::vector(2);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2,3]'::vector::vector(2);
\echo :LAST_ERROR_SQLSTATE

-- bad arrays
SELECT '{}'::real[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,NULL}'::real[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{{1,2},{3,4}}'::real[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{NaN}'::real[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{Infinity}'::double precision[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{NaN}'::numeric[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1e300}'::double precision[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1e39}'::numeric[]::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT array_fill(1, ARRAY[16001])::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,2}'::integer[]::vector(3);
\echo :LAST_ERROR_SQLSTATE

-- dimension mismatch between operands: 22000
SELECT '[1,2]'::vector + '[1,2,3]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector - '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector * '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector <-> '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT vector_l2_squared_distance('[1,2]', '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector <#> '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT inner_product('[1,2]'::vector, '[1]');
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector <=> '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector <+> '[1]';
\echo :LAST_ERROR_SQLSTATE

-- arithmetic overflow: 22003
SELECT '[3e38]'::vector + '[3e38]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[-3e38]'::vector - '[3e38]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e20]'::vector * '[1e20]';
\echo :LAST_ERROR_SQLSTATE
-- a product of two non-zero elements that rounds to zero is an underflow
-- (pgvector's rule); a zero factor is fine
SELECT '[1,1e-30]'::vector * '[2,1e-30]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[0,1e-30]'::vector * '[5,0]' AS zero_factors;

-- concatenation past the limit: 54000
SELECT array_fill(1, ARRAY[16000])::vector || '[1]';
\echo :LAST_ERROR_SQLSTATE

-- subvector clips its range to the vector, as pgvector does; a range with
-- no element of the vector is 22000
SELECT subvector('[1,2,3]'::vector, 0, 2), subvector('[1,2,3]'::vector, 2, 3),
       subvector('[1,2,3]'::vector, -1, 5), subvector('[1,2,3]'::vector, 2, 2147483647),
       subvector('[1,2,3,4,5]'::vector, -2147483644, 2147483647);
SELECT subvector('[1,2,3]'::vector, 0, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::vector, 4, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::vector, 1, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::vector, 3, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::vector, 2147483647, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::vector, -2147483648, 1);
\echo :LAST_ERROR_SQLSTATE

-- the session is fine after all of the above
SELECT '[1,2]'::vector AS still_working;
