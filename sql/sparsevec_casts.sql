-- Casts between sparsevec and vector/halfvec.
SELECT '{1:1.5,3:-2}/4'::sparsevec::vector;
SELECT '{}/3'::sparsevec::vector;
SELECT '[0,1.5,0,-2]'::vector::sparsevec;
SELECT '[0,0]'::vector::sparsevec;
SELECT '{1:1.5,3:-2}/4'::sparsevec::halfvec;
SELECT '[0,1.5,-0,-2]'::halfvec::sparsevec;
-- typmod of the target is checked
SELECT '{1:1}/3'::sparsevec::vector(3);
SELECT '[1,0,2]'::vector::sparsevec(3);
SELECT '{1:1}/3'::sparsevec::vector(4);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,0,2]'::vector::sparsevec(4);
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/3'::sparsevec::halfvec(2);
\echo :LAST_ERROR_SQLSTATE
SELECT '[1,0,2]'::halfvec::sparsevec(2);
\echo :LAST_ERROR_SQLSTATE
-- round trips keep the values
SELECT v::sparsevec::vector = v FROM (SELECT '[0,1,0,-3.5,0.25]'::vector AS v) s;
SELECT s::vector::sparsevec = s, s::halfvec::sparsevec = s
  FROM (SELECT '{2:1,4:-3.5,5:0.25}/5'::sparsevec AS s) t;
-- assignment casts work in INSERT
CREATE TABLE sv_cast (s sparsevec(3), v vector(3), h halfvec(3));
INSERT INTO sv_cast VALUES ('[1,0,2]'::vector, '{2:5}/3'::sparsevec, '{3:-1}/3'::sparsevec);
INSERT INTO sv_cast VALUES ('[0,0,4]'::halfvec, NULL, NULL);
SELECT * FROM sv_cast;
DROP TABLE sv_cast;
-- but not implicitly in expressions
SELECT '{1:1}/3'::sparsevec <-> '[1,0,0]'::vector;
\echo :LAST_ERROR_SQLSTATE
-- limits: too long for a dense type; the largest vector (16000 non-zeros)
-- still fits in a sparsevec; beyond the half range is an error, values
-- below it round to zero as in vector -> halfvec
SELECT '{1:1}/16001'::sparsevec::vector;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1}/16001'::sparsevec::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT ('{16000:1}/16000'::sparsevec::vector)::sparsevec;
SELECT l2_norm(array_fill(1, ARRAY[16000])::vector::sparsevec);
SELECT '{1:70000}/2'::sparsevec::halfvec;
\echo :LAST_ERROR_SQLSTATE
SELECT '{1:1e-10}/2'::sparsevec::halfvec;
