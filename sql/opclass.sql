-- Operator classes: the contract (OPERATOR 1 FOR ORDER BY float_ops,
-- FUNCTION 1 (T, T) -> float8) is enforced when members are added and by
-- amvalidate; the SIMD kernel is chosen by the support function's identity.
SELECT a.amname, count(*) AS opclasses, bool_and(amvalidate(c.oid)) AS all_valid
FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname IN ('flat', 'hnsw') GROUP BY a.amname ORDER BY a.amname;

-- members that break the contract are refused
CREATE OPERATOR CLASS bad_number FOR TYPE vector USING flat AS
    OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 2 l2_distance(vector, vector);
CREATE FUNCTION wrong_shape(vector, vector) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE OPERATOR CLASS bad_signature FOR TYPE vector USING flat AS
    OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 wrong_shape(vector, vector);
CREATE OPERATOR CLASS bad_purpose FOR TYPE vector USING flat AS
    OPERATOR 1 <-> (vector, vector),
    FUNCTION 1 l2_distance(vector, vector);
CREATE OPERATOR CLASS bad_strategy FOR TYPE vector USING hnsw AS
    OPERATOR 2 <-> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 l2_distance(vector, vector);
-- a class without its distance function is created, and amvalidate says so
CREATE OPERATOR CLASS no_function FOR TYPE vector USING flat AS
    OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops;
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'no_function';
DROP OPERATOR CLASS no_function USING flat;

-- a user's function over vecdb's C code is not vecdb's distance function:
-- its index goes through fmgr, with the same answers
CREATE FUNCTION my_l2(vector, vector) RETURNS float8
    AS '$libdir/vecdb', 'vector_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR <<->> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = my_l2);
CREATE OPERATOR CLASS my_l2_ops FOR TYPE vector USING flat AS
    OPERATOR 1 <<->> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 my_l2(vector, vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'my_l2_ops';
CREATE TABLE oc (id int, v vector(3));
INSERT INTO oc SELECT i, ARRAY[sin(i), cos(i), sin(i * 0.3)]::real[]::vector FROM generate_series(1, 200) i;
CREATE INDEX oc_mine ON oc USING flat (v my_l2_ops);
CREATE INDEX oc_ours ON oc USING flat (v vector_l2_ops);
\i sql/include/knn_compare.sql
SET client_min_messages = debug1;
SELECT knn_compare($$SELECT id, v <<->> '[0.5,0.5,0.5]' FROM oc ORDER BY v <<->> '[0.5,0.5,0.5]' LIMIT 10$$);
SELECT knn_compare($$SELECT id, v <-> '[0.5,0.5,0.5]' FROM oc ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 10$$);
RESET client_min_messages;
DROP TABLE oc;
DROP OPERATOR CLASS my_l2_ops USING flat;
DROP OPERATOR <<->> (vector, vector);
DROP FUNCTION my_l2(vector, vector), wrong_shape(vector, vector);
