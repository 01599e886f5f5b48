-- Hash opclasses: hash joins, hash aggregates, DISTINCT and GROUP BY on
-- vectors without sorting. Each hash function agrees with the type's =
-- operator (declared HASHES): -0 and +0 hash alike, and a sparsevec hashes
-- its non-zero entries and dimensions.
CREATE FUNCTION vector_hash(vector) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_hash(halfvec) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_hash(sparsevec) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS vector_hash_ops DEFAULT FOR TYPE vector USING hash AS
    OPERATOR 1 = (vector, vector),
    FUNCTION 1 vector_hash(vector);
CREATE OPERATOR CLASS halfvec_hash_ops DEFAULT FOR TYPE halfvec USING hash AS
    OPERATOR 1 = (halfvec, halfvec),
    FUNCTION 1 halfvec_hash(halfvec);
CREATE OPERATOR CLASS sparsevec_hash_ops DEFAULT FOR TYPE sparsevec USING hash AS
    OPERATOR 1 = (sparsevec, sparsevec),
    FUNCTION 1 sparsevec_hash(sparsevec);
