-- Planner costs of the vector and halfvec distances: a vector too large
-- for its row is TOASTed, and a sequential scan or sort that computes the
-- distance fetches it from the TOAST table for every row, which costs more
-- than the distance itself (the planner does not count detoasting).
CREATE FUNCTION vecdb_vector_distance_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE FUNCTION vecdb_halfvec_distance_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
ALTER FUNCTION l2_distance(vector, vector) SUPPORT vecdb_vector_distance_support;
ALTER FUNCTION vector_l2_squared_distance(vector, vector) SUPPORT vecdb_vector_distance_support;
ALTER FUNCTION inner_product(vector, vector) SUPPORT vecdb_vector_distance_support;
ALTER FUNCTION vector_negative_inner_product(vector, vector) SUPPORT vecdb_vector_distance_support;
ALTER FUNCTION cosine_distance(vector, vector) SUPPORT vecdb_vector_distance_support;
ALTER FUNCTION l1_distance(vector, vector) SUPPORT vecdb_vector_distance_support;
ALTER FUNCTION l2_distance(halfvec, halfvec) SUPPORT vecdb_halfvec_distance_support;
ALTER FUNCTION halfvec_l2_squared_distance(halfvec, halfvec) SUPPORT vecdb_halfvec_distance_support;
ALTER FUNCTION inner_product(halfvec, halfvec) SUPPORT vecdb_halfvec_distance_support;
ALTER FUNCTION halfvec_negative_inner_product(halfvec, halfvec) SUPPORT vecdb_halfvec_distance_support;
ALTER FUNCTION cosine_distance(halfvec, halfvec) SUPPORT vecdb_halfvec_distance_support;
ALTER FUNCTION l1_distance(halfvec, halfvec) SUPPORT vecdb_halfvec_distance_support;

-- An hnsw index scan's ORDER BY distance, reused by the query's target list
-- (the planner puts it there in place of a second distance computation;
-- internal arguments: not callable from SQL).
CREATE FUNCTION vecdb_scan_distance(internal, internal, tid, oid, oid) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
