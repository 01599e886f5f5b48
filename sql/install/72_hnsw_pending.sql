-- The pending list of hnsw indexes (WITH (pending_list = on)): merged into
-- the graph by VACUUM, by the INSERT that grows it past pending_list_limit,
-- or on demand by this function (like gin_clean_pending_list).
CREATE FUNCTION vecdb.hnsw_merge_pending(index regclass) RETURNS bigint
    AS 'MODULE_PATHNAME', 'vecdb_hnsw_merge_pending' LANGUAGE C STRICT;
COMMENT ON FUNCTION vecdb.hnsw_merge_pending(regclass) IS 'merges the pending list of an hnsw index into its graph now; returns the rows merged';
