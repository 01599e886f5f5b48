-- Monitoring views. Both read only catalogs and statistics (never index
-- pages), so they are cheap to poll; vecdb.index_stats(index) reads the
-- pages for exact entry counts.

-- The shared search counters of this database's vecdb indexes; no rows
-- unless vecdb is in shared_preload_libraries.
CREATE FUNCTION vecdb.scan_stats_shared(
    OUT indexrelid oid,
    OUT scans bigint,
    OUT tuples_scored bigint,
    OUT continuations bigint,
    OUT since timestamptz,
    OUT list_pages bigint,
    OUT rerank_pages bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'vecdb_scan_stats_shared' LANGUAGE C STRICT;
COMMENT ON FUNCTION vecdb.scan_stats_shared() IS 'vecdb''s shared per-index search counters (empty unless vecdb is preloaded)';

CREATE FUNCTION vecdb.reset_search_stats(index regclass DEFAULT NULL) RETURNS bigint
    AS 'MODULE_PATHNAME', 'vecdb_reset_search_stats' LANGUAGE C;
COMMENT ON FUNCTION vecdb.reset_search_stats(regclass) IS 'forgets vecdb''s search counters of one index (its owner) or of all (superuser)';

-- The last build of a vecdb index, from its metapage; NULL for an index
-- built before vecdb recorded builds or one the caller may not read.
CREATE FUNCTION vecdb.index_build(
    index regclass,
    OUT finished timestamptz,
    OUT seconds double precision,
    OUT entries bigint)
    AS 'MODULE_PATHNAME', 'vecdb_index_build' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION vecdb.index_build(regclass) IS 'when a vecdb index was built, how long the build took and the entries it wrote';

-- Every index of a vecdb access method in this database, with its size,
-- options, the planner's entry count (from the last CREATE INDEX, VACUUM or
-- ANALYZE), its table's vacuum history and its last build (one metapage
-- read per index).
CREATE VIEW vecdb.stat_indexes WITH (security_invoker = true) AS
SELECT i.indexrelid::regclass AS index,
       i.indrelid::regclass AS "table",
       am.amname::text AS access_method,
       pg_catalog.pg_relation_size(i.indexrelid) AS size_bytes,
       c.relpages::bigint AS pages,
       c.reloptions AS options,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS estimated_entries,
       t.n_live_tup AS table_live_rows,
       t.n_dead_tup AS table_dead_rows,
       t.last_vacuum,
       t.last_autovacuum,
       t.vacuum_count + t.autovacuum_count AS vacuums,
       b.finished AS built_at,
       b.seconds AS build_seconds
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = c.relam
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
     AND d.objid = am.amhandler AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.deptype = 'e'
JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'vecdb'
LEFT JOIN pg_catalog.pg_stat_all_tables t ON t.relid = i.indrelid
LEFT JOIN LATERAL vecdb.index_build(i.indexrelid) b ON true;
COMMENT ON VIEW vecdb.stat_indexes IS 'vecdb indexes: access method, size, options, entries, vacuum history, last build';

-- Search activity per vecdb index: scans and rows returned as Postgres
-- counts them (pg_stat_user_indexes), and what only vecdb knows — entries
-- scored, iterative-scan continuations, pages of candidates (ivf list
-- pages) and pages read for rerank — when vecdb is preloaded
-- (NULL otherwise).
CREATE VIEW vecdb.stat_search WITH (security_invoker = true) AS
SELECT x.index,
       x.access_method,
       s.idx_scan AS scans,
       s.idx_tup_read AS tuples_returned,
       v.scans AS counted_scans,
       v.tuples_scored,
       v.continuations,
       v.list_pages,
       v.rerank_pages,
       v.since AS counted_since
FROM vecdb.stat_indexes x
LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = x.index
LEFT JOIN vecdb.scan_stats_shared() v ON v.indexrelid = x.index;
COMMENT ON VIEW vecdb.stat_search IS 'vecdb index scans: scans, rows returned, entries scored, iterative-scan continuations';

-- Views run with the reader's rights (security_invoker); everyone may read them.
GRANT SELECT ON vecdb.stat_indexes, vecdb.stat_search TO PUBLIC;
