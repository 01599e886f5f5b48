-- Statistics of a vecdb index, read from its pages.
CREATE FUNCTION vecdb.index_stats(
    index regclass,
    OUT access_method text,
    OUT dimensions integer,
    OUT total_pages bigint,
    OUT data_pages bigint,
    OUT overflow_pages bigint,
    OUT free_pages bigint,
    OUT entries bigint,
    OUT null_entries bigint,
    OUT dead_entries bigint,
    OUT free_bytes bigint,
    OUT options text[],
    OUT details jsonb)
    AS 'MODULE_PATHNAME', 'vecdb_index_stats' LANGUAGE C STRICT;
COMMENT ON FUNCTION vecdb.index_stats(regclass) IS 'pages, entries, dead entries, options and access-method details (jsonb) of a vecdb index';
