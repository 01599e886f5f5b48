-- The flat index: exact ORDER BY <distance> through an index, equal to a
-- sequential scan + sort for every metric, with filters and NULLs.

-- knn_compare(query): index scan vs sequential scan + sort
\i sql/include/knn_compare.sql

-- deterministic data, distinct distances, some NULL vectors
CREATE TABLE items (id int PRIMARY KEY, category int, v vector(3));
INSERT INTO items
SELECT i, i % 5,
       CASE WHEN i % 23 = 0 THEN NULL
            ELSE ('[' || (i * 37 % 101) + (i % 7) * 0.13 || ',' || (i * 53 % 97) + (i % 11) * 0.07
                  || ',' || (i * 11 % 89) + (i % 13) * 0.011 || ']')::vector END
FROM generate_series(1, 300) i;
CREATE INDEX items_l2 ON items USING flat (v vector_l2_ops);

SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[10,20,30]' LIMIT 5;
RESET enable_seqscan;
-- chosen by the planner on its own for ORDER BY ... LIMIT
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[10,20,30]' LIMIT 5;
-- not for queries it cannot serve
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v = '[1,2,3]';
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <#> '[10,20,30]' LIMIT 5;

SELECT id, v, round((v <-> '[10,20,30]')::numeric, 4) AS dist FROM items ORDER BY v <-> '[10,20,30]' LIMIT 5;
SELECT knn_compare($$SELECT id, v <-> '[10,20,30]' FROM items ORDER BY v <-> '[10,20,30]' LIMIT 10$$);
SELECT knn_compare($$SELECT id, v <-> '[50,50,50]' FROM items ORDER BY v <-> '[50,50,50]' LIMIT 100$$);
-- an exact index has full recall (knn_recall is for the approximate AMs)
SELECT knn_recall($$SELECT id, v <-> '[50,50,50]' FROM items ORDER BY v <-> '[50,50,50]' LIMIT 100$$, 1.0);
-- every row, NULL vectors last, ties on NULL broken by id
SELECT knn_compare($$SELECT id, v <-> '[1,1,1]' FROM items ORDER BY v <-> '[1,1,1]'$$);
-- filters never lose rows: LIMIT rows come back however selective the WHERE
SELECT knn_compare($$SELECT id, v <-> '[10,20,30]' FROM items WHERE category = 2 ORDER BY v <-> '[10,20,30]' LIMIT 10$$);
SELECT knn_compare($$SELECT id, v <-> '[10,20,30]' FROM items WHERE id % 29 = 1 ORDER BY v <-> '[10,20,30]' LIMIT 10$$);
SELECT count(*) FROM (SELECT id FROM items WHERE id % 29 = 1 ORDER BY v <-> '[10,20,30]' LIMIT 10) s;
SELECT knn_compare($$SELECT id, v <-> '[10,20,30]' FROM items WHERE id > 295 ORDER BY v <-> '[10,20,30]' LIMIT 10$$);
-- a NULL query orders nothing but still returns every row
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> NULL LIMIT 1000) s;

-- the other metrics
CREATE INDEX items_ip ON items USING flat (v vector_ip_ops);
SELECT knn_compare($$SELECT id, v <#> '[3,-2,1]' FROM items ORDER BY v <#> '[3,-2,1]' LIMIT 20$$);
CREATE INDEX items_cos ON items USING flat (v vector_cosine_ops);
SELECT knn_compare($$SELECT id, v <=> '[3,2,1]' FROM items ORDER BY v <=> '[3,2,1]' LIMIT 20$$);
CREATE INDEX items_l1 ON items USING flat (v vector_l1_ops);
SELECT knn_compare($$SELECT id, v <+> '[30,20,10]' FROM items ORDER BY v <+> '[30,20,10]' LIMIT 20$$);
DROP INDEX items_ip, items_cos, items_l1;

-- inserts after the build, deletes and VACUUM
INSERT INTO items SELECT i, i % 5, ('[' || (i % 13) + i * 0.0011 || ',' || (i % 7) + i * 0.0003 || ',' || (i % 17) || '.5]')::vector
FROM generate_series(301, 400) i;
INSERT INTO items VALUES (401, 1, NULL);
SELECT knn_compare($$SELECT id, v <-> '[6,3,8]' FROM items ORDER BY v <-> '[6,3,8]' LIMIT 30$$);
SELECT access_method, dimensions, entries, null_entries, dead_entries, overflow_pages FROM vecdb.index_stats('items_l2');
DELETE FROM items WHERE id % 3 = 0;
SELECT entries, null_entries, dead_entries FROM vecdb.index_stats('items_l2');
VACUUM items;
SELECT entries, null_entries, dead_entries FROM vecdb.index_stats('items_l2');
SELECT knn_compare($$SELECT id, v <-> '[6,3,8]' FROM items ORDER BY v <-> '[6,3,8]' LIMIT 30$$);
-- space freed by VACUUM is reused: the index does not grow for a refill
SELECT total_pages AS pages_before FROM vecdb.index_stats('items_l2') \gset
INSERT INTO items SELECT i, 0, ('[' || (i % 19) + i * 0.0013 || ',1,2]')::vector FROM generate_series(1000, 1090) i;
SELECT total_pages <= :pages_before AS space_reused FROM vecdb.index_stats('items_l2');
SELECT knn_compare($$SELECT id, v <-> '[6,3,8]' FROM items ORDER BY v <-> '[6,3,8]' LIMIT 30$$);

-- REINDEX, concurrent builds
REINDEX INDEX items_l2;
SELECT knn_compare($$SELECT id, v <-> '[9,9,9]' FROM items WHERE category = 4 ORDER BY v <-> '[9,9,9]' LIMIT 15$$);
REINDEX INDEX CONCURRENTLY items_l2;
DROP INDEX items_l2;
CREATE INDEX CONCURRENTLY items_l2 ON items USING flat (v);
SELECT knn_compare($$SELECT id, v <-> '[9,9,9]' FROM items WHERE category = 4 ORDER BY v <-> '[9,9,9]' LIMIT 15$$);

-- vectors larger than a page live in overflow pages
CREATE TABLE wide (id int, v vector(3000));
INSERT INTO wide SELECT i, (SELECT array_agg(((i * 7 + d * 3) % 11)::real) FROM generate_series(1, 3000) d)::vector
FROM generate_series(1, 12) i;
CREATE INDEX ON wide USING flat (v);
SELECT knn_compare($$SELECT id, v <-> (SELECT v FROM wide WHERE id = 5) FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 5) LIMIT 12$$);
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 5) LIMIT 1;
SELECT entries, overflow_pages > 0 AS has_overflow, free_pages FROM vecdb.index_stats('wide_v_idx');
DELETE FROM wide WHERE id <= 6;
VACUUM wide;
SELECT entries, free_pages > 0 AS pages_freed FROM vecdb.index_stats('wide_v_idx');
SELECT total_pages AS wide_pages_before FROM vecdb.index_stats('wide_v_idx') \gset
INSERT INTO wide SELECT i, (SELECT array_agg(((i + d) % 5)::real) FROM generate_series(1, 3000) d)::vector
FROM generate_series(20, 22) i;
-- the freed overflow pages took the new values
SELECT total_pages = :wide_pages_before AS pages_reused FROM vecdb.index_stats('wide_v_idx');
SELECT knn_compare($$SELECT id, v <-> (SELECT v FROM wide WHERE id = 21) FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 21)$$);

-- unlogged tables (init fork)
CREATE UNLOGGED TABLE scratch (id int, v vector(2));
CREATE INDEX ON scratch USING flat (v);
INSERT INTO scratch SELECT i, ('[' || i || ',' || (i * i % 7) || ']')::vector FROM generate_series(1, 50) i;
SELECT knn_compare($$SELECT id, v <-> '[25,3]' FROM scratch ORDER BY v <-> '[25,3]' LIMIT 5$$);
-- a query without ORDER BY <distance> never gets a flat scan, even when
-- every other plan is disabled (it would fail: the scan needs a query vector)
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM scratch;
SELECT count(*) FROM scratch;
SELECT count(*) FROM scratch WHERE v IS NOT NULL;
RESET enable_seqscan;

-- distances computed on helper threads (vecdb.scan_threads) order rows
-- exactly as the backend alone does
CREATE TABLE threads_t (id int, v vector(16));
INSERT INTO threads_t SELECT i, (SELECT array_agg(sin(i * 0.37 + d * 1.1)::real) FROM generate_series(1, 16) d)::vector
FROM generate_series(1, 3000) i;
INSERT INTO threads_t VALUES (0, NULL);
CREATE INDEX threads_t_idx ON threads_t USING flat (v);
SET enable_seqscan = off;
SET vecdb.scan_threads = 1;
CREATE TEMP TABLE alone AS
    SELECT row_number() OVER () AS n, id FROM (SELECT id FROM threads_t ORDER BY v <-> (SELECT v FROM threads_t WHERE id = 7)) s;
SET vecdb.scan_threads = 8;
CREATE TEMP TABLE helped AS
    SELECT row_number() OVER () AS n, id FROM (SELECT id FROM threads_t ORDER BY v <-> (SELECT v FROM threads_t WHERE id = 7)) s;
SELECT count(*) AS rows, count(*) FILTER (WHERE a.id IS DISTINCT FROM h.id) AS differences
FROM alone a FULL JOIN helped h USING (n);
-- an error in the middle of a threaded scan leaves the next scan working
SELECT id FROM threads_t ORDER BY v <-> '[1,2]' LIMIT 1;
SELECT id FROM threads_t ORDER BY v <-> (SELECT v FROM threads_t WHERE id = 7) LIMIT 3;
RESET vecdb.scan_threads;
RESET enable_seqscan;
SHOW vecdb.scan_threads;
SET vecdb.scan_threads = 0;
\echo :LAST_ERROR_SQLSTATE

-- temporary tables (local buffers)
CREATE TEMP TABLE temp_t (id int, v vector(2));
CREATE INDEX ON temp_t USING flat (v);
INSERT INTO temp_t SELECT i, ('[' || i || ',' || (i * 3 % 11) || ']')::vector FROM generate_series(1, 40) i;
SELECT knn_compare($$SELECT id, v <-> '[20,5]' FROM temp_t ORDER BY v <-> '[20,5]' LIMIT 7$$);

-- an empty index
CREATE TABLE empty_t (v vector(2));
CREATE INDEX ON empty_t USING flat (v);
SET enable_seqscan = off;
SELECT * FROM empty_t ORDER BY v <-> '[1,1]' LIMIT 3;
RESET enable_seqscan;

-- halfvec, sparsevec and bit: small integer data has many equal distances,
-- so these compare whole answers (no LIMIT cutting through a tie).
CREATE TABLE h (id int, v halfvec(4));
INSERT INTO h SELECT i, ('[' || (i % 7) || ',' || (i % 11) || ',' || (i % 13) || ',' || (i % 5) || '.5]')::halfvec
FROM generate_series(1, 200) i;
INSERT INTO h VALUES (0, NULL);
CREATE INDEX h_l2 ON h USING flat (v halfvec_l2_ops);
SELECT knn_compare($$SELECT id, v <-> '[1,2,3,4]' FROM h ORDER BY v <-> '[1,2,3,4]'$$);
DROP INDEX h_l2;
CREATE INDEX h_ip ON h USING flat (v halfvec_ip_ops);
SELECT knn_compare($$SELECT id, v <#> '[1,-2,3,1]' FROM h ORDER BY v <#> '[1,-2,3,1]'$$);
DROP INDEX h_ip;
CREATE INDEX h_cos ON h USING flat (v halfvec_cosine_ops);
SELECT knn_compare($$SELECT id, v <=> '[1,2,3,4]' FROM h ORDER BY v <=> '[1,2,3,4]'$$);
DROP INDEX h_cos;
CREATE INDEX h_l1 ON h USING flat (v halfvec_l1_ops);
SELECT knn_compare($$SELECT id, v <+> '[1,2,3,4]' FROM h WHERE id % 3 = 0 ORDER BY v <+> '[1,2,3,4]'$$);

CREATE TABLE s (id int, v sparsevec(50));
INSERT INTO s SELECT i, ('{' || (i % 50 + 1) || ':' || (i % 7 + 1) || ',' || ((i * 7) % 50 + 1) || ':-' || (i % 3 + 1) || '}/50')::sparsevec
FROM generate_series(1, 200) i WHERE (i % 50) <> ((i * 7) % 50);
INSERT INTO s VALUES (0, NULL);
CREATE INDEX s_l2 ON s USING flat (v sparsevec_l2_ops);
SELECT knn_compare($$SELECT id, v <-> '{1:1,8:-1}/50' FROM s ORDER BY v <-> '{1:1,8:-1}/50'$$);
DROP INDEX s_l2;
CREATE INDEX s_ip ON s USING flat (v sparsevec_ip_ops);
SELECT knn_compare($$SELECT id, v <#> '{1:1,8:-1}/50' FROM s ORDER BY v <#> '{1:1,8:-1}/50'$$);
DROP INDEX s_ip;
CREATE INDEX s_cos ON s USING flat (v sparsevec_cosine_ops);
SELECT knn_compare($$SELECT id, v <=> '{1:1,8:-1}/50' FROM s ORDER BY v <=> '{1:1,8:-1}/50'$$);
DROP INDEX s_cos;
CREATE INDEX s_l1 ON s USING flat (v sparsevec_l1_ops);
SELECT knn_compare($$SELECT id, v <+> '{1:1,8:-1}/50' FROM s ORDER BY v <+> '{1:1,8:-1}/50'$$);

CREATE TABLE b (id int, v bit(64));
INSERT INTO b SELECT i, (((i * 2654435761) % 4294967296)::bigint::bit(32) || ((i * 40503) % 65536)::bit(32))
FROM generate_series(1, 200) i;
INSERT INTO b VALUES (0, NULL);
CREATE INDEX b_ham ON b USING flat (v bit_hamming_ops);
SELECT knn_compare($$SELECT id, v <~> (SELECT v FROM b WHERE id = 7) FROM b ORDER BY v <~> (SELECT v FROM b WHERE id = 7)$$);
DROP INDEX b_ham;
CREATE INDEX b_jac ON b USING flat (v bit_jaccard_ops);
SELECT knn_compare($$SELECT id, v <%> (SELECT v FROM b WHERE id = 7) FROM b ORDER BY v <%> (SELECT v FROM b WHERE id = 7)$$);

-- bad definitions and queries
CREATE INDEX ON items USING flat (v) WITH (lists = 10);
\echo :LAST_ERROR_SQLSTATE
CREATE INDEX ON items USING flat (v halfvec_l2_ops);
\echo :LAST_ERROR_SQLSTATE
CREATE INDEX ON items USING flat (category);
\echo :LAST_ERROR_SQLSTATE
CREATE INDEX ON items USING flat (v, category);
\echo :LAST_ERROR_SQLSTATE
CREATE UNIQUE INDEX ON items USING flat (v);
\echo :LAST_ERROR_SQLSTATE
SET enable_seqscan = off;
SELECT id FROM items ORDER BY v <-> '[1,2]' LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
SELECT id FROM b ORDER BY v <~> B'101' LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
RESET enable_seqscan;
SELECT * FROM vecdb.index_stats('items_pkey');
\echo :LAST_ERROR_SQLSTATE
