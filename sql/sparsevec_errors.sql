-- sparsevec bad input: each error is clean and carries its SQLSTATE.
-- Rule: malformed text 22P02, out-of-range numbers (NaN, Inf, float
-- overflow, index outside 1..dim) 22003, too many non-zeros or
-- dimensions 54000, dimension mismatch 22000, bad binary 22P03.
SELECT '[1,2]'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT ''::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{{1:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1,}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1 2:2}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1x}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/3 junk'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/3.5'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1.5:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
-- duplicates are always an error, even when one value is zero
SELECT '{1:1,1:2}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{2:1,1:1,2:0}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
-- out-of-range numbers
SELECT '{1:NaN}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:Infinity}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:-inf}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1e39}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
-- a value too small for float underflows to zero and is dropped like a
-- written 0 (as '[1e-50]'::vector is 0); a subnormal is kept
SELECT '{1:1e-50,2:1e-45}/3'::sparsevec AS underflows_to_zero;
SELECT '{0:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{-1:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{4:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{0:0}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{99999999999999999999999:1}/3'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
-- dimensions
SELECT '{}/0'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{}/-5'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{}/1000000001'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{}/99999999999999999999999'::sparsevec;
\echo :LAST_ERROR_SQLSTATE
-- too many non-zero elements (zeros do not count)
SELECT ('{' || string_agg(i || ':1', ',') || '}/20000')::sparsevec FROM generate_series(1, 16001) i;
\echo :LAST_ERROR_SQLSTATE
SELECT length(t) - length(replace(t, ':', '')) AS nnz
  FROM (SELECT ('{' || string_agg(i || ':1', ',') || '}/20000')::sparsevec::text AS t
        FROM generate_series(1, 16000) i) s;
SELECT ('{' || string_agg(i || ':0', ',') || ',1:1}/20000')::sparsevec FROM generate_series(2, 17000) i;
-- typmod
SELECT '{1:1}/3'::sparsevec(4);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE sv_e (v sparsevec(3));
INSERT INTO sv_e VALUES ('{1:1}/4');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE sv_e;
SELECT '{}/1'::sparsevec(0);
\echo :LAST_ERROR_SQLSTATE
SELECT '{}/1'::sparsevec(1000000001);
\echo :LAST_ERROR_SQLSTATE
SELECT '{}/1'::sparsevec(1, 2);
\echo :LAST_ERROR_SQLSTATE
-- operands of different dimensions
SELECT '{1:1}/3'::sparsevec <-> '{1:1}/4';
\echo :LAST_ERROR_SQLSTATE
SELECT inner_product('{1:1}/3'::sparsevec, '{1:1}/4');
\echo :LAST_ERROR_SQLSTATE
SELECT cosine_distance('{1:1}/3'::sparsevec, '{1:1}/4');
\echo :LAST_ERROR_SQLSTATE
SELECT l1_distance('{1:1}/3'::sparsevec, '{1:1}/4');
\echo :LAST_ERROR_SQLSTATE
SELECT sparsevec_l2_squared_distance('{1:1}/3', '{1:1}/4');
\echo :LAST_ERROR_SQLSTATE
SELECT sparsevec_negative_inner_product('{1:1}/3', '{1:1}/4');
\echo :LAST_ERROR_SQLSTATE
-- a long bad literal is quoted only in part
SELECT ('{' || repeat('1', 200) || '}/3')::sparsevec;
\echo :LAST_ERROR_SQLSTATE
-- still working
SELECT '{1:1}/1'::sparsevec AS still_alive;
