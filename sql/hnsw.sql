-- The hnsw index: recall against exact search at default parameters for
-- every metric, after inserts and after deletes + VACUUM, filtered queries
-- that still fill LIMIT, and the errors for bad options and values.
-- own schema: other test files leave tables with the same names
CREATE SCHEMA hnsw_test;
SET search_path = hnsw_test, public;
-- one build thread: the graph (and so every recall below) is the same on
-- every run; the threaded build is covered by the core tests and TAP
SET vecdb.hnsw_build_threads = 1;
-- (enable_seqscan = off makes plans look costly enough to JIT-compile)
SET jit = off;

-- recall@10 of ORDER BY col <op> query LIMIT 10 through the index, against
-- a sequential scan, averaged over the rows of query table qtbl. Ties are
-- counted by distance: a row is a hit when it is no farther than the exact
-- 10th nearest.
CREATE FUNCTION hnsw_recall(tbl text, col text, op text, qtbl text, filter text DEFAULT 'true')
RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    qid int; kth float8; hits bigint; total bigint := 0; found bigint := 0; plan text := ''; line text;
BEGIN
    FOR qid IN EXECUTE format('SELECT id FROM %I ORDER BY id', qtbl) LOOP
        PERFORM set_config('enable_indexscan', 'off', true);
        PERFORM set_config('enable_seqscan', 'on', true);
        EXECUTE format('SELECT max(d) FROM (SELECT %I %s (SELECT %I FROM %I WHERE id = $1) AS d FROM %I '
                       'WHERE %s ORDER BY 1 LIMIT 10) s', col, op, col, qtbl, tbl, filter) INTO kth USING qid;
        PERFORM set_config('enable_indexscan', 'on', true);
        PERFORM set_config('enable_seqscan', 'off', true);
        IF plan = '' THEN
            FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM %I WHERE %s ORDER BY %I %s '
                                       '(SELECT %I FROM %I WHERE id = $1) LIMIT 10',
                                       tbl, filter, col, op, col, qtbl) USING qid LOOP
                plan := plan || line;
            END LOOP;
            IF plan NOT LIKE '%Index Scan using%' THEN RAISE EXCEPTION 'index not used: %', plan; END IF;
        END IF;
        EXECUTE format('SELECT count(*) FILTER (WHERE d <= $2 + 1e-6) FROM '
                       '(SELECT %I %s (SELECT %I FROM %I WHERE id = $1) AS d FROM %I WHERE %s '
                       'ORDER BY %I %s (SELECT %I FROM %I WHERE id = $1) LIMIT 10) s',
                       col, op, col, qtbl, tbl, filter, col, op, col, qtbl) INTO hits USING qid, kth;
        found := found + hits;
        total := total + 10;
    END LOOP;
    PERFORM set_config('enable_seqscan', 'on', true);
    RETURN round(found::numeric / total, 2);
END $$;

-- A fixed generated set: 2000 rows in 20 clusters, 16 dimensions.
SELECT setseed(0.25);
CREATE TABLE centers AS
SELECT c, (SELECT array_agg(random() * 4 - 2) FROM generate_series(1, 16) d WHERE c >= 0) AS x
FROM generate_series(0, 19) c;
CREATE FUNCTION near_center(c int) RETURNS real[] LANGUAGE sql AS $$
    SELECT array_agg((x[d] + random() * 0.8 - 0.4)::real ORDER BY d)
    FROM centers, generate_series(1, 16) d WHERE centers.c = near_center.c $$;
CREATE TABLE items (id int PRIMARY KEY, category int, v vector(16), h halfvec(16));
INSERT INTO items SELECT i, i % 100, near_center(i % 20)::vector, NULL FROM generate_series(1, 2000) i;
UPDATE items SET h = v::halfvec;
CREATE TABLE queries AS SELECT q AS id, near_center(q % 20)::vector AS v FROM generate_series(1, 30) q;
ALTER TABLE queries ADD COLUMN h halfvec(16);
UPDATE queries SET h = v::halfvec;
CREATE TABLE items_q AS SELECT id, v FROM items;

CREATE INDEX items_l2 ON items USING hnsw (v vector_l2_ops);
CREATE INDEX items_ip ON items USING hnsw (v vector_ip_ops);
CREATE INDEX items_cos ON items USING hnsw (v vector_cosine_ops);
SELECT hnsw_recall('items', 'v', '<->', 'queries') >= 0.95 AS l2_ok,
       hnsw_recall('items', 'v', '<#>', 'queries') >= 0.95 AS ip_ok,
       hnsw_recall('items', 'v', '<=>', 'queries') >= 0.95 AS cosine_ok;
CREATE INDEX items_h_l2 ON items USING hnsw (h halfvec_l2_ops);
CREATE INDEX items_h_ip ON items USING hnsw (h halfvec_ip_ops);
CREATE INDEX items_h_cos ON items USING hnsw (h halfvec_cosine_ops);
SELECT hnsw_recall('items', 'h', '<->', 'queries') >= 0.95 AS l2_ok,
       hnsw_recall('items', 'h', '<#>', 'queries') >= 0.95 AS ip_ok,
       hnsw_recall('items', 'h', '<=>', 'queries') >= 0.95 AS cosine_ok;
-- every built index is well formed and reaches every element (no rows: clean)
SELECT i, v.* FROM unnest(ARRAY['items_l2', 'items_ip', 'items_cos', 'items_h_l2', 'items_h_ip', 'items_h_cos']) i,
    vecdb.verify_index(i::regclass) v;
DROP INDEX items_ip, items_cos, items_h_l2, items_h_ip, items_h_cos;

-- the plan, and distances equal to the operator's
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 1) LIMIT 5;
SELECT count(*) AS same_distances FROM (
    SELECT id, v <-> (SELECT v FROM queries WHERE id = 1) AS d FROM items
    ORDER BY v <-> (SELECT v FROM queries WHERE id = 1) LIMIT 10) s
WHERE d = (SELECT v FROM items i WHERE i.id = s.id) <-> (SELECT v FROM queries WHERE id = 1);
RESET enable_seqscan;

-- 50% more rows inserted after the build, through the on-disk graph
INSERT INTO items SELECT i, i % 100, near_center(i % 20)::vector, NULL FROM generate_series(2001, 3000) i;
SELECT hnsw_recall('items', 'v', '<->', 'queries') >= 0.95 AS recall_after_inserts;
SELECT * FROM vecdb.verify_index('items_l2');

-- 30% deleted + VACUUM: deleted rows are never returned, recall holds
DELETE FROM items WHERE id % 10 IN (1, 4, 7);
VACUUM items;
SELECT hnsw_recall('items', 'v', '<->', 'queries') >= 0.95 AS recall_after_vacuum;
SELECT * FROM vecdb.verify_index('items_l2');
-- the graph in index_stats: the live elements, VACUUM's 900 tombstones, none unreachable
SELECT entries, (details->>'elements')::bigint = entries AS elements_are_entries,
       (details->>'deleted_elements')::int AS deleted, (details->>'levels')::int >= 2 AS has_levels,
       (details->>'mean_level0_degree')::float BETWEEN 8 AND 32 AS degree_in_range,
       (details->>'unreachable_elements')::int AS unreachable, details->>'quantizer' AS quantizer
FROM vecdb.index_stats('items_l2');
SET enable_seqscan = off;
SELECT count(*) AS deleted_returned FROM (
    SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 500) s
WHERE id % 10 IN (1, 4, 7);
-- rows inserted after VACUUM are found again
INSERT INTO items SELECT i, i % 100, near_center(i % 20)::vector, NULL FROM generate_series(3001, 3300) i;
SELECT hnsw_recall('items', 'v', '<->', 'queries') >= 0.95 AS recall_after_reinsert;
SELECT * FROM vecdb.verify_index('items_l2');

-- a 1% filter still returns LIMIT rows (iterative scan), with the right ones
SELECT count(*) AS filtered_rows FROM (
    SELECT id FROM items WHERE category = 42 ORDER BY v <-> (SELECT v FROM queries WHERE id = 5) LIMIT 10) s;
SELECT hnsw_recall('items', 'v', '<->', 'queries', 'category = 42') >= 0.95 AS filtered_recall;
SET vecdb.iterative_scan = strict_order;
SELECT count(*) AS strict_rows FROM (
    SELECT id FROM items WHERE category = 42 ORDER BY v <-> (SELECT v FROM queries WHERE id = 5) LIMIT 10) s;
-- without iterative scan one batch of ef_search rows is all there is
SET vecdb.iterative_scan = off;
SELECT count(*) < 10 AS under_filled FROM (
    SELECT id FROM items WHERE category = 42 ORDER BY v <-> (SELECT v FROM queries WHERE id = 5) LIMIT 10) s;
SELECT count(*) AS first_batch FROM (
    SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 5) LIMIT 100) s;
RESET vecdb.iterative_scan;
-- far beyond ef_search the iterative scan returns every row: every element
-- is reachable from the entry point after build, inserts and VACUUM
SELECT count(*) = (SELECT count(*) FROM items) AS every_row, count(DISTINCT id) = count(*) AS no_row_twice FROM (
    SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 5)) s;
-- and with the default planner
RESET enable_seqscan;
SELECT count(*) AS default_planner_rows FROM (
    SELECT id FROM items WHERE category = 42 ORDER BY v <-> (SELECT v FROM queries WHERE id = 5) LIMIT 10) s;

-- bit vectors, Hamming and Jaccard (no SIMD build: rows inserted one by one)
CREATE TABLE bits (id int, b bit(64));
INSERT INTO bits SELECT i, (SELECT string_agg(CASE WHEN random() + d * 0 < 0.3 + (i % 4) * 0.1 THEN '1' ELSE '0' END, '')
                            FROM generate_series(1, 64) d WHERE i > 0)::bit(64)
FROM generate_series(1, 1000) i;
CREATE TABLE bit_queries AS SELECT id, b FROM bits WHERE id <= 20;
CREATE INDEX bits_hamming ON bits USING hnsw (b bit_hamming_ops);
SELECT hnsw_recall('bits', 'b', '<~>', 'bit_queries') >= 0.95 AS hamming_ok;
CREATE INDEX bits_jaccard ON bits USING hnsw (b bit_jaccard_ops);
SELECT hnsw_recall('bits', 'b', '<%>', 'bit_queries') >= 0.95 AS jaccard_ok;
SELECT * FROM vecdb.verify_index('bits_jaccard');

-- sparse vectors
CREATE TABLE sparse AS SELECT id, v::sparsevec AS s FROM items WHERE id <= 1000;
CREATE TABLE sparse_queries AS SELECT id, v::sparsevec AS s FROM queries;
CREATE INDEX sparse_l2 ON sparse USING hnsw (s sparsevec_l2_ops);
SELECT hnsw_recall('sparse', 's', '<->', 'sparse_queries') >= 0.95 AS sparse_l2_ok;

-- NULL vectors and zero vectors under cosine are not in the graph; an empty
-- index and an index grown from empty both work
CREATE TABLE small (id int, v vector(3));
CREATE INDEX small_cos ON small USING hnsw (v vector_cosine_ops);
SELECT count(*) FROM (SELECT id FROM small ORDER BY v <=> '[1,1,1]' LIMIT 5) s;
INSERT INTO small VALUES (1, '[1,0,0]'), (2, NULL), (3, '[0,0,0]'), (4, '[1,1,0]'), (5, '[0,1,0]');
SET enable_seqscan = off;
-- (a query no two rows tie on: the order of ties follows the graph)
SELECT id FROM small ORDER BY v <=> '[1,2,3]' LIMIT 5;
RESET enable_seqscan;
-- (the NULL and the zero row are not missing entries)
SELECT * FROM vecdb.verify_index('small_cos');

-- a build that outgrows maintenance_work_mem continues on disk
SET maintenance_work_mem = '1MB';
CREATE TABLE wide (id int, v vector(256));
INSERT INTO wide SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 256) d WHERE i > 0)::vector
FROM generate_series(1, 1200) i;
CREATE TABLE wide_queries AS SELECT id, v FROM wide WHERE id % 100 = 0;
CREATE INDEX wide_l2 ON wide USING hnsw (v vector_l2_ops);
RESET maintenance_work_mem;
SELECT hnsw_recall('wide', 'v', '<->', 'wide_queries') >= 0.95 AS spilled_build_ok;
SELECT * FROM vecdb.verify_index('wide_l2');

-- a build stopped by statement_timeout (threads stopped and joined) leaves
-- nothing behind, and the session goes on
CREATE TABLE big AS SELECT i AS id, near_center(i % 20)::vector AS v FROM generate_series(1, 20000) i;
SET statement_timeout = '100ms';
CREATE INDEX big_l2 ON big USING hnsw (v) WITH (ef_construction = 200);
RESET statement_timeout;
SELECT count(*) AS leftover_indexes FROM pg_class WHERE relname = 'big_l2';
DROP TABLE big;

-- quantizer = 'sq8': the search walks 8-bit codes, the full vectors (on
-- pages of their own) are read only to rerank what it returns, so the
-- distances are exact; recall at default parameters for l2, ip and cosine
CREATE INDEX items_q_l2 ON items_q USING hnsw (v vector_l2_ops) WITH (quantizer = 'sq8');
CREATE INDEX items_q_ip ON items_q USING hnsw (v vector_ip_ops) WITH (quantizer = sq8);
CREATE INDEX items_q_cos ON items_q USING hnsw (v vector_cosine_ops) WITH (quantizer = 'sq8');
SELECT hnsw_recall('items_q', 'v', '<->', 'queries') >= 0.95 AS sq8_l2_ok,
       hnsw_recall('items_q', 'v', '<#>', 'queries') >= 0.95 AS sq8_ip_ok,
       hnsw_recall('items_q', 'v', '<=>', 'queries') >= 0.95 AS sq8_cosine_ok;
SET enable_seqscan = off;
SELECT count(*) AS sq8_exact_distances FROM (
    SELECT id, v <=> (SELECT v FROM queries WHERE id = 2) AS d FROM items_q
    ORDER BY v <=> (SELECT v FROM queries WHERE id = 2) LIMIT 10) s
WHERE d = (SELECT v FROM items_q i WHERE i.id = s.id) <=> (SELECT v FROM queries WHERE id = 2);
-- a rescan with another query (a nested loop rescans the inner index scan
-- per outer row; the new query may be copied where the last one was)
-- walks the codes for its own query: each row finds itself
SELECT count(*) AS sq8_rescans, count(*) FILTER (WHERE l.d = 0) AS sq8_rescans_find_themselves
FROM (SELECT id, v FROM items_q WHERE id % 100 = 7) q
CROSS JOIN LATERAL (SELECT i.v <-> q.v AS d FROM items_q i ORDER BY i.v <-> q.v LIMIT 1) l;
RESET enable_seqscan;
-- inserts are quantized with the trained ranges, deletes + VACUUM keep them (and the graph) sound
INSERT INTO items_q SELECT i, near_center(i % 20)::vector FROM generate_series(2001, 3000) i;
DELETE FROM items_q WHERE id % 10 = 3;
VACUUM items_q;
SELECT hnsw_recall('items_q', 'v', '<->', 'queries') >= 0.95 AS sq8_l2_after_changes,
       hnsw_recall('items_q', 'v', '<=>', 'queries') >= 0.95 AS sq8_cosine_after_changes;
SELECT i, v.* FROM unnest(ARRAY['items_q_l2', 'items_q_ip', 'items_q_cos']) i, vecdb.verify_index(i::regclass) v;
SELECT entries, details->>'quantizer' AS quantizer, (details->>'unreachable_elements')::int AS unreachable
FROM vecdb.index_stats('items_q_l2');
-- an sq8 index on an empty table keeps full vectors until REINDEX trains it
CREATE TABLE empty_q (id int, v vector(16));
CREATE INDEX empty_q_l2 ON empty_q USING hnsw (v) WITH (quantizer = 'sq8');
INSERT INTO empty_q SELECT id, v FROM items_q WHERE id <= 300;
SELECT hnsw_recall('empty_q', 'v', '<->', 'queries') >= 0.95 AS untrained_ok;
REINDEX INDEX empty_q_l2;
SELECT hnsw_recall('empty_q', 'v', '<->', 'queries') >= 0.95 AS trained_ok;
SELECT * FROM vecdb.verify_index('empty_q_l2');
-- the graph a search walks, sq8 against none, on 768-d vectors: element
-- pages (codes instead of vectors; the full vectors sit on vector pages,
-- read only to rerank) compared in SQL
CREATE TABLE deep (id int, v vector(768));
INSERT INTO deep SELECT i, (SELECT array_agg(sin(i * 0.37 + d * 0.11) + cos((i % 7) * d * 0.013))
                            FROM generate_series(1, 768) d)::vector
FROM generate_series(1, 1500) i;
CREATE INDEX deep_none ON deep USING hnsw (v);
CREATE INDEX deep_sq8 ON deep USING hnsw (v) WITH (quantizer = 'sq8');
SELECT q.data_pages::numeric / n.data_pages <= 0.4 AS sq8_graph_pages_small,
       q.entries = n.entries AS same_entries
FROM vecdb.index_stats('deep_none') n, vecdb.index_stats('deep_sq8') q;
SELECT * FROM vecdb.verify_index('deep_sq8');
DROP TABLE deep;
-- sq8 is for vector l2 / ip / cosine, and for vectors that fit a page
CREATE INDEX ON items USING hnsw (h halfvec_l2_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON items USING hnsw (v vector_l1_ops) WITH (quantizer = 'sq8');
CREATE INDEX ON items USING hnsw (v) WITH (quantizer = 'pq');
CREATE TABLE huge_q (v vector(3000));
INSERT INTO huge_q SELECT (SELECT array_agg(d) FROM generate_series(1, 3000) d)::vector;
CREATE INDEX ON huge_q USING hnsw (v) WITH (quantizer = 'sq8');
DROP TABLE huge_q, empty_q;

-- options and errors
CREATE INDEX ON items USING hnsw (v) WITH (m = 8, ef_construction = 32);
CREATE INDEX ON items USING hnsw (v) WITH (m = 1);
CREATE INDEX ON items USING hnsw (v) WITH (m = 101);
CREATE INDEX ON items USING hnsw (v) WITH (ef_construction = 3);
CREATE INDEX ON items USING hnsw (v) WITH (m = 16, ef_construction = 20);
CREATE INDEX ON items USING hnsw (v) WITH (lists = 4);
CREATE INDEX ON items USING hnsw (id);
CREATE INDEX ON items USING hnsw (v vector_l2_ops, h halfvec_l2_ops);
CREATE TABLE mixed (v vector);
INSERT INTO mixed VALUES ('[1,2,3]'), ('[1,2]');
CREATE INDEX ON mixed USING hnsw (v);
TRUNCATE mixed;
INSERT INTO mixed VALUES ('[1,2,3]');
CREATE INDEX mixed_l2 ON mixed USING hnsw (v);
INSERT INTO mixed VALUES ('[1,2]');
SET enable_seqscan = off;
SELECT * FROM mixed ORDER BY v <-> '[1,2]' LIMIT 1;
SELECT * FROM items WHERE v = '[1,2,3]';
RESET enable_seqscan;

-- values larger than a page live in overflow chains: 16000-d vector, 4000-d halfvec
CREATE TABLE huge (id int, v vector(16000), h halfvec(4000));
INSERT INTO huge SELECT i, (SELECT array_agg(sin(i * d)) FROM generate_series(1, 16000) d)::vector,
                           (SELECT array_agg(cos(i * d)) FROM generate_series(1, 4000) d)::halfvec
FROM generate_series(1, 12) i;
CREATE INDEX huge_v ON huge USING hnsw (v);
CREATE INDEX huge_h ON huge USING hnsw (h halfvec_l2_ops);
INSERT INTO huge SELECT 13, v, h FROM huge WHERE id = 7;
SET enable_seqscan = off;
SELECT id FROM huge ORDER BY v <-> (SELECT v FROM huge WHERE id = 7), id LIMIT 3;
SELECT id FROM huge ORDER BY h <-> (SELECT h FROM huge WHERE id = 7), id LIMIT 3;
DELETE FROM huge WHERE id IN (7, 8);
VACUUM huge;
SELECT id FROM huge ORDER BY v <-> (SELECT v FROM huge WHERE id = 13) LIMIT 3;
SELECT count(*) FROM (SELECT id FROM huge ORDER BY h <-> (SELECT h FROM huge WHERE id = 13)) s;
RESET enable_seqscan;
SELECT entries, overflow_pages > 0 AS has_overflow FROM vecdb.index_stats('huge_v');
SELECT i, v.* FROM unnest(ARRAY['huge_v', 'huge_h']) i, vecdb.verify_index(i::regclass) v;

SET vecdb.hnsw_ef_search = 0;
SET vecdb.iterative_scan = sideways;
SET vecdb.max_scan_tuples = 0;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA hnsw_test CASCADE;
RESET client_min_messages;
