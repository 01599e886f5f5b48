-- The ivf index access method: k-means lists (IVF_FLAT, IVF_SQ8), searched
-- by probing the lists nearest to the query.
CREATE FUNCTION ivf_handler(internal) RETURNS index_am_handler
    AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD ivf TYPE INDEX HANDLER ivf_handler;
COMMENT ON ACCESS METHOD ivf IS 'approximate vector search: k-means lists, probed nearest first (vecdb.ivf_probes)';

-- Operator classes. FUNCTION 1 is the distance the ORDER BY operator
-- computes; the index ranks entries with it (or the SIMD kernel behind it).
CREATE OPERATOR CLASS vector_l2_ops DEFAULT FOR TYPE vector USING ivf AS
    OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 l2_distance(vector, vector);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING ivf AS
    OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 vector_negative_inner_product(vector, vector);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING ivf AS
    OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
    FUNCTION 1 cosine_distance(vector, vector);

CREATE OPERATOR CLASS halfvec_l2_ops DEFAULT FOR TYPE halfvec USING ivf AS
    OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
    FUNCTION 1 l2_distance(halfvec, halfvec);
CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING ivf AS
    OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
    FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec);
CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING ivf AS
    OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
    FUNCTION 1 cosine_distance(halfvec, halfvec);

CREATE OPERATOR CLASS bit_hamming_ops DEFAULT FOR TYPE bit USING ivf AS
    OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
    FUNCTION 1 hamming_distance(bit, bit);

-- How evenly the rows spread over the lists (an untrained index, built on
-- an empty table, reports lists = 0 and its one list).
CREATE FUNCTION vecdb.ivf_list_stats(
    index regclass,
    OUT lists integer,
    OUT quantizer text,
    OUT entries bigint,
    OUT empty_lists bigint,
    OUT min_list_size bigint,
    OUT max_list_size bigint,
    OUT mean_list_size double precision,
    OUT stddev_list_size double precision,
    OUT imbalance double precision)
    AS 'MODULE_PATHNAME', 'vecdb_ivf_list_stats' LANGUAGE C STRICT;
COMMENT ON FUNCTION vecdb.ivf_list_stats(regclass) IS 'list count and list-size distribution of an ivf index';
