-- Monitoring views: vecdb.stat_indexes lists every vecdb index with what
-- the catalogs and statistics know; vecdb.stat_search counts its scans.
-- (Here vecdb is not preloaded, so the shared counters are NULL; the TAP
-- test 009_monitoring covers the preloaded case.)
CREATE TABLE mon_items (id int PRIMARY KEY, v vector(3), h halfvec(2));
INSERT INTO mon_items SELECT i, ARRAY[i, i % 7, 1]::vector, ARRAY[i, 1]::halfvec FROM generate_series(1, 300) i;
CREATE INDEX mon_items_v_idx ON mon_items USING flat (v vector_cosine_ops);
CREATE INDEX mon_items_h_idx ON mon_items USING flat (h);
CREATE INDEX mon_items_btree ON mon_items (id);  -- not a vecdb index: not listed

SELECT index, "table", access_method, size_bytes = pages * current_setting('block_size')::int AS size_is_pages,
       pages > 0 AS has_pages, options, estimated_entries
FROM vecdb.stat_indexes WHERE "table" = 'mon_items'::regclass ORDER BY index::text;

-- each index's last build: when, how long, how many entries
SELECT index, built_at BETWEEN now() - interval '1 hour' AND clock_timestamp() AS built_recently,
       build_seconds >= 0 AND build_seconds < 600 AS sane_duration,
       (vecdb.index_build(index)).entries
FROM vecdb.stat_indexes WHERE "table" = 'mon_items'::regclass ORDER BY index::text;
-- REINDEX records a new build; a non-vecdb index has none
SELECT built_at AS before FROM vecdb.stat_indexes WHERE index = 'mon_items_h_idx'::regclass \gset
REINDEX INDEX mon_items_h_idx;
SELECT built_at > :'before' AS rebuilt FROM vecdb.stat_indexes WHERE index = 'mon_items_h_idx'::regclass;
SELECT vecdb.index_build('mon_items_btree') IS NULL AS no_build_record;
-- every access method records its build
CREATE INDEX mon_items_hnsw ON mon_items USING hnsw (v);
CREATE INDEX mon_items_ivf ON mon_items USING ivf (v) WITH (lists = 4);
SELECT i, (vecdb.index_build(i)).entries, (vecdb.index_build(i)).seconds >= 0 AS timed
FROM unnest(ARRAY['mon_items_hnsw', 'mon_items_ivf']::regclass[]) i;
DROP INDEX mon_items_hnsw, mon_items_ivf;

-- VACUUM shows up in the table's vacuum history
VACUUM mon_items;
SELECT index, last_vacuum IS NOT NULL AS vacuumed, vacuums >= 1 AS counted
FROM vecdb.stat_indexes WHERE "table" = 'mon_items'::regclass ORDER BY index::text;

-- every index scan is counted (pg_stat_user_indexes.idx_scan), rows returned too
SET enable_seqscan = off;
SELECT id FROM mon_items ORDER BY v <=> '[1,2,3]' LIMIT 3;
SELECT id FROM mon_items ORDER BY v <=> '[3,2,1]' LIMIT 2;
SELECT id FROM mon_items ORDER BY h <-> '[5,1]' LIMIT 1;
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT pg_sleep(0.1);  -- the previous statement's end flushed this backend's counters
SELECT index, access_method, scans, tuples_returned, counted_scans, tuples_scored, continuations
FROM vecdb.stat_search WHERE index::text LIKE 'mon_items%' ORDER BY index::text;

-- resetting: one index as its owner; all indexes needs superuser
SELECT vecdb.reset_search_stats('mon_items_v_idx');
SELECT vecdb.reset_search_stats();
SELECT vecdb.reset_search_stats('mon_items');
CREATE ROLE mon_stranger;
SET ROLE mon_stranger;
SELECT vecdb.reset_search_stats('mon_items_v_idx');
SELECT vecdb.reset_search_stats();
SELECT count(*), count(built_at) AS builds_shown FROM vecdb.stat_indexes WHERE "table" = 'mon_items'::regclass;
RESET ROLE;
DROP ROLE mon_stranger;
DROP TABLE mon_items;
