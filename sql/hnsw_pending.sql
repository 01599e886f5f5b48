-- The hnsw pending list: WITH (pending_list = on) INSERTs append rows that
-- scans score exactly, merged into the graph by VACUUM, by an INSERT past
-- pending_list_limit, or by vecdb.hnsw_merge_pending().
CREATE SCHEMA hnsw_pending_test;
SET search_path = hnsw_pending_test, public;
SET vecdb.hnsw_build_threads = 1;
SET jit = off;

CREATE FUNCTION vec(i int, dim int) RETURNS vector LANGUAGE sql IMMUTABLE AS $$
    SELECT ('[' || string_agg(round(sin(i * 0.7 + d * 1.3)::numeric * 100, 2)::text, ',') || ']')::vector
    FROM generate_series(1, dim) d $$;
CREATE TABLE items (id int PRIMARY KEY, v vector(32));
INSERT INTO items SELECT i, vec(i, 32) FROM generate_series(1, 300) i;
CREATE INDEX items_idx ON items USING hnsw (v vector_l2_ops) WITH (pending_list = on);

-- Whether the index returns the sequential scan's first k rows (ids and
-- distances) for a query, and every row exactly once when read to the end.
CREATE FUNCTION matches_seqscan(q vector, k int) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE by_index text; by_seq text; n bigint; distinct_n bigint; total bigint;
BEGIN
    SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL vecdb.hnsw_ef_search = 1000;
    SELECT string_agg(id || ':' || d, ',' ORDER BY r) INTO by_index
    FROM (SELECT id, v <-> q AS d, row_number() OVER () AS r FROM (SELECT * FROM items ORDER BY v <-> q LIMIT k) s) t;
    SELECT count(*), count(DISTINCT id) INTO n, distinct_n FROM (SELECT id FROM items ORDER BY v <-> q) s;
    SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = on;
    SELECT string_agg(id || ':' || d, ',' ORDER BY r) INTO by_seq
    FROM (SELECT id, v <-> q AS d, row_number() OVER () AS r FROM (SELECT * FROM items ORDER BY v <-> q LIMIT k) s) t;
    SELECT count(*) INTO total FROM items;
    RETURN by_index = by_seq AND n = total AND distinct_n = total;
END $$;
CREATE FUNCTION pending(idx regclass) RETURNS int LANGUAGE sql AS $$
    SELECT (details ->> 'pending_entries_appended')::int FROM vecdb.index_stats(idx) $$;

-- the plan uses the index
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> vec(7, 32) LIMIT 5;
RESET enable_seqscan;

-- rows inserted after the build wait in the pending list and are found exactly
INSERT INTO items SELECT i, vec(i, 32) FROM generate_series(301, 500) i;
SELECT pending('items_idx') AS pending_after_insert;
SELECT matches_seqscan(vec(q, 32), 30) FROM generate_series(1000, 1004) q;
-- a query equal to a pending row finds it first, at distance 0
SET enable_seqscan = off;
SELECT id, v <-> vec(450, 32) AS d FROM items ORDER BY v <-> vec(450, 32) LIMIT 1;
RESET enable_seqscan;
SELECT count(*) AS problems FROM vecdb.verify_index('items_idx');

-- deleted pending rows are never returned after VACUUM, which merges the rest
DELETE FROM items WHERE id > 300 AND id % 3 = 0;
VACUUM items;
SELECT pending('items_idx') AS pending_after_vacuum;
SELECT matches_seqscan(vec(q, 32), 30) FROM generate_series(1000, 1002) q;
SET enable_seqscan = off; SET vecdb.hnsw_ef_search = 1000;
SELECT count(*) AS deleted_returned FROM (SELECT id FROM items ORDER BY v <-> vec(1, 32)) s WHERE id > 300 AND id % 3 = 0;
RESET enable_seqscan; RESET vecdb.hnsw_ef_search;
-- their heap TIDs are reused: the new rows are the ones found
INSERT INTO items SELECT i, vec(i, 32) FROM generate_series(501, 560) i;
SELECT matches_seqscan(vec(q, 32), 30) FROM generate_series(1000, 1002) q;
SELECT count(*) AS problems FROM vecdb.verify_index('items_idx');

-- on demand
SELECT vecdb.hnsw_merge_pending('items_idx') AS merged;
SELECT vecdb.hnsw_merge_pending('items_idx') AS merged_again;
SELECT pending('items_idx') AS pending_after_merge;
SELECT matches_seqscan(vec(q, 32), 30) FROM generate_series(1000, 1002) q;
SELECT count(*) AS problems FROM vecdb.verify_index('items_idx');

-- the limit: an INSERT that grows the list past 64 kB merges it
ALTER INDEX items_idx SET (pending_list_limit = 64);
INSERT INTO items SELECT i, vec(i, 32) FROM generate_series(1001, 1600) i;
SELECT pending('items_idx') < 600 AS limit_merged, pending('items_idx') * 160 <= 64 * 1024 + 8192 AS within_limit;
SELECT matches_seqscan(vec(q, 32), 30) FROM generate_series(2000, 2002) q;
SELECT count(*) AS problems FROM vecdb.verify_index('items_idx');

-- pending_list = off: inserts go to the graph again
ALTER INDEX items_idx SET (pending_list = off);
SELECT vecdb.hnsw_merge_pending('items_idx') >= 0 AS merged;
INSERT INTO items SELECT i, vec(i, 32) FROM generate_series(1601, 1650) i;
SELECT pending('items_idx') AS pending_when_off;
SELECT matches_seqscan(vec(q, 32), 30) FROM generate_series(2000, 2001) q;

-- an index built empty: its first rows are only pending, then the first merge makes the graph
CREATE TABLE empty_items (id int PRIMARY KEY, v vector(32));
CREATE INDEX empty_idx ON empty_items USING hnsw (v vector_l2_ops) WITH (pending_list = on);
INSERT INTO empty_items SELECT i, vec(i, 32) FROM generate_series(1, 50) i;
SET enable_seqscan = off;
SELECT array_agg(id) AS nearest FROM (SELECT id FROM empty_items ORDER BY v <-> vec(10, 32) LIMIT 3) s;
RESET enable_seqscan;
SELECT vecdb.hnsw_merge_pending('empty_idx') AS merged;
SET enable_seqscan = off;
SELECT array_agg(id) AS nearest FROM (SELECT id FROM empty_items ORDER BY v <-> vec(10, 32) LIMIT 3) s;
RESET enable_seqscan;
SELECT count(*) AS problems FROM vecdb.verify_index('empty_idx');

-- sq8: pending rows are scored on their full vectors
DROP INDEX items_idx;
CREATE INDEX items_sq8 ON items USING hnsw (v vector_l2_ops) WITH (quantizer = 'sq8', pending_list = on);
INSERT INTO items SELECT i, vec(i, 32) FROM generate_series(3001, 3100) i;
SELECT matches_seqscan(vec(q, 32), 20) FROM generate_series(4000, 4001) q;
SELECT vecdb.hnsw_merge_pending('items_sq8') AS merged;
SELECT matches_seqscan(vec(q, 32), 20) FROM generate_series(4000, 4001) q;
SELECT count(*) AS problems FROM vecdb.verify_index('items_sq8');

-- bad options
CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (pending_list_limit = 10);
CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (pending_list = maybe);
CREATE TABLE keyed (id int, v vector(3), cat int);
CREATE INDEX ON keyed USING hnsw (v vector_l2_ops, cat) WITH (pending_list = on);
SELECT vecdb.hnsw_merge_pending('items_pkey');

DROP SCHEMA hnsw_pending_test CASCADE;
