-- halfvec: bad input is a clean error with the right SQLSTATE.

-- malformed text: 22P02
SELECT '1,2'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,,2]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[x]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[NaN]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[inf]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
-- beyond half range: 22003
SELECT '[65520]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,-70000]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1e39]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
-- dimensions
SELECT '[]'::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT ('[' || repeat('1,', 16000) || '1]')::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::halfvec(0);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1]'::halfvec(16001);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec(3);
\echo :LAST_ERROR_SQLSTATE

-- casts
SELECT '[70000]'::vector::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::vector::halfvec(3);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec::vector(3);
\echo :LAST_ERROR_SQLSTATE
SELECT '{70000}'::integer[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1,NULL}'::real[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{{1}}'::real[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{NaN}'::double precision[]::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{}'::numeric[]::halfvec;
\echo :LAST_ERROR_SQLSTATE

-- operands
SELECT '[1,2]'::halfvec + '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec <-> '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec <#> '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec <=> '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec <+> '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT halfvec_l2_squared_distance('[1,2]', '[1]');
\echo :LAST_ERROR_SQLSTATE
-- overflow: 22003
SELECT '[60000]'::halfvec + '[60000]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[-60000]'::halfvec - '[60000]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[300]'::halfvec * '[300]';
\echo :LAST_ERROR_SQLSTATE
-- underflow: the product of two non-zero halves below the smallest half
SELECT '[0.0001]'::halfvec * '[0.0001]';
\echo :LAST_ERROR_SQLSTATE
SELECT '[0.5,0]'::halfvec * '[0.5,7]' AS zero_factor;
SELECT array_fill(1, ARRAY[16000])::halfvec || '[1]';
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::halfvec, 3, 2), subvector('[1,2,3]'::halfvec, 0, 2);  -- clipped
SELECT subvector('[1,2,3]'::halfvec, 4, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT subvector('[1,2,3]'::halfvec, 0, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,2]'::halfvec AS still_working;
