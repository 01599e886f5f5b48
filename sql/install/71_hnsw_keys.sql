-- Key columns of hnsw indexes: USING hnsw (embedding vector_l2_ops, category).
-- The columns after the vector are keys a scan tests while it traverses the
-- graph (the WHERE clause's quals on them), so a selective filter neither
-- lowers recall nor returns fewer rows than the LIMIT. Integer and boolean
-- keys are stored exactly; text keys as a hash (equality only) and integer
-- arrays as a signature (&& and @>), rechecked on the heap row.
CREATE OPERATOR FAMILY hnsw_integer_ops USING hnsw;
CREATE OPERATOR CLASS int4_ops DEFAULT FOR TYPE int4 USING hnsw FAMILY hnsw_integer_ops AS
    OPERATOR 2 < (int4, int4), OPERATOR 3 <= (int4, int4), OPERATOR 4 = (int4, int4),
    OPERATOR 5 >= (int4, int4), OPERATOR 6 > (int4, int4);
CREATE OPERATOR CLASS int8_ops DEFAULT FOR TYPE int8 USING hnsw FAMILY hnsw_integer_ops AS
    OPERATOR 2 < (int8, int8), OPERATOR 3 <= (int8, int8), OPERATOR 4 = (int8, int8),
    OPERATOR 5 >= (int8, int8), OPERATOR 6 > (int8, int8);
CREATE OPERATOR CLASS int2_ops DEFAULT FOR TYPE int2 USING hnsw FAMILY hnsw_integer_ops AS
    OPERATOR 2 < (int2, int2), OPERATOR 3 <= (int2, int2), OPERATOR 4 = (int2, int2),
    OPERATOR 5 >= (int2, int2), OPERATOR 6 > (int2, int2);
-- cross-type comparisons, so `bigint_column = 5` is an index qual too
ALTER OPERATOR FAMILY hnsw_integer_ops USING hnsw ADD
    OPERATOR 2 < (int4, int8), OPERATOR 3 <= (int4, int8), OPERATOR 4 = (int4, int8),
    OPERATOR 5 >= (int4, int8), OPERATOR 6 > (int4, int8),
    OPERATOR 2 < (int8, int4), OPERATOR 3 <= (int8, int4), OPERATOR 4 = (int8, int4),
    OPERATOR 5 >= (int8, int4), OPERATOR 6 > (int8, int4),
    OPERATOR 2 < (int2, int4), OPERATOR 3 <= (int2, int4), OPERATOR 4 = (int2, int4),
    OPERATOR 5 >= (int2, int4), OPERATOR 6 > (int2, int4),
    OPERATOR 2 < (int2, int8), OPERATOR 3 <= (int2, int8), OPERATOR 4 = (int2, int8),
    OPERATOR 5 >= (int2, int8), OPERATOR 6 > (int2, int8),
    OPERATOR 2 < (int8, int2), OPERATOR 3 <= (int8, int2), OPERATOR 4 = (int8, int2),
    OPERATOR 5 >= (int8, int2), OPERATOR 6 > (int8, int2),
    OPERATOR 2 < (int4, int2), OPERATOR 3 <= (int4, int2), OPERATOR 4 = (int4, int2),
    OPERATOR 5 >= (int4, int2), OPERATOR 6 > (int4, int2);
CREATE OPERATOR CLASS bool_ops DEFAULT FOR TYPE bool USING hnsw AS
    OPERATOR 4 = (bool, bool);
CREATE OPERATOR CLASS text_ops DEFAULT FOR TYPE text USING hnsw AS
    OPERATOR 4 = (text, text);
CREATE OPERATOR CLASS int4_array_ops DEFAULT FOR TYPE int4[] USING hnsw AS
    OPERATOR 7 && (anyarray, anyarray), OPERATOR 8 @> (anyarray, anyarray);
