-- The flat index: exact ORDER BY <distance> through an index, equal to a
-- sequential scan + sort for every metric, with filters and NULLs.

-- Runs a query through the index and through a sequential scan and says
-- whether both return the same rows in the same order (and the plan used).
CREATE FUNCTION knn_compare(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    via_index text; via_seq text; n bigint; plan text := '';
    line text;
BEGIN
    PERFORM set_config('enable_seqscan', 'off', true);
    PERFORM set_config('enable_indexscan', 'on', true);
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line; END LOOP;
    EXECUTE 'SELECT string_agg(x::text, '';''), count(*) FROM (' || q || ') x' INTO via_index, n;
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_indexscan', 'off', true);
    EXECUTE 'SELECT string_agg(x::text, '';'') FROM (' || q || ') x' INTO via_seq;
    PERFORM set_config('enable_indexscan', 'on', true);
    RETURN CASE WHEN via_index IS NOT DISTINCT FROM via_seq THEN 'same' ELSE 'DIFFERENT' END
        || ' ' || n || ' rows, '
        || CASE WHEN plan LIKE '%Index Scan using%' THEN 'index used' ELSE 'index NOT used' END;
END $$;

-- deterministic data, distinct distances, some NULL vectors
CREATE TABLE items (id int PRIMARY KEY, category int, v vector(3));
INSERT INTO items
SELECT i, i % 5,
       CASE WHEN i % 23 = 0 THEN NULL
            ELSE ('[' || (i * 37 % 101) || ',' || (i * 53 % 97) || ',' || (i * 11 % 89) || ']')::vector END
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
-- every row, NULL vectors last, ties on NULL broken by id
SELECT knn_compare($$SELECT id, v <-> '[1,1,1]' FROM items ORDER BY v <-> '[1,1,1]', id$$);
-- filters never lose rows: LIMIT rows come back however selective the WHERE
SELECT knn_compare($$SELECT id FROM items WHERE category = 2 ORDER BY v <-> '[10,20,30]' LIMIT 10$$);
SELECT knn_compare($$SELECT id FROM items WHERE id % 29 = 1 ORDER BY v <-> '[10,20,30]' LIMIT 10$$);
SELECT count(*) FROM (SELECT id FROM items WHERE id % 29 = 1 ORDER BY v <-> '[10,20,30]' LIMIT 10) s;
SELECT knn_compare($$SELECT id FROM items WHERE id > 295 ORDER BY v <-> '[10,20,30]' LIMIT 10$$);
-- a NULL query orders nothing but still returns every row
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> NULL LIMIT 1000) s;

-- the other metrics
CREATE INDEX items_ip ON items USING flat (v vector_ip_ops);
SELECT knn_compare($$SELECT id, v <#> '[3,-2,1]' FROM items ORDER BY v <#> '[3,-2,1]' LIMIT 20$$);
CREATE INDEX items_cos ON items USING flat (v vector_cosine_ops);
SELECT knn_compare($$SELECT id, v <=> '[3,2,1]' FROM items ORDER BY v <=> '[3,2,1]', id LIMIT 20$$);
CREATE INDEX items_l1 ON items USING flat (v vector_l1_ops);
SELECT knn_compare($$SELECT id, v <+> '[30,20,10]' FROM items ORDER BY v <+> '[30,20,10]', id LIMIT 20$$);
DROP INDEX items_ip, items_cos, items_l1;

-- inserts after the build, deletes and VACUUM
INSERT INTO items SELECT i, i % 5, ('[' || (i % 13) || ',' || (i % 7) || ',' || (i % 17) || '.5]')::vector
FROM generate_series(301, 400) i;
INSERT INTO items VALUES (401, 1, NULL);
SELECT knn_compare($$SELECT id, v <-> '[6,3,8]' FROM items ORDER BY v <-> '[6,3,8]', id LIMIT 30$$);
SELECT access_method, dimensions, entries, null_entries, dead_entries, overflow_pages FROM vecdb.index_stats('items_l2');
DELETE FROM items WHERE id % 3 = 0;
SELECT entries, null_entries, dead_entries FROM vecdb.index_stats('items_l2');
VACUUM items;
SELECT entries, null_entries, dead_entries FROM vecdb.index_stats('items_l2');
SELECT knn_compare($$SELECT id, v <-> '[6,3,8]' FROM items ORDER BY v <-> '[6,3,8]', id LIMIT 30$$);
-- space freed by VACUUM is reused: the index does not grow for a refill
SELECT total_pages AS pages_before FROM vecdb.index_stats('items_l2') \gset
INSERT INTO items SELECT i, 0, ('[' || (i % 19) || ',1,2]')::vector FROM generate_series(1000, 1090) i;
SELECT total_pages <= :pages_before AS space_reused FROM vecdb.index_stats('items_l2');
SELECT knn_compare($$SELECT id, v <-> '[6,3,8]' FROM items ORDER BY v <-> '[6,3,8]', id LIMIT 30$$);

-- REINDEX, concurrent builds
REINDEX INDEX items_l2;
SELECT knn_compare($$SELECT id FROM items WHERE category = 4 ORDER BY v <-> '[9,9,9]' LIMIT 15$$);
REINDEX INDEX CONCURRENTLY items_l2;
DROP INDEX items_l2;
CREATE INDEX CONCURRENTLY items_l2 ON items USING flat (v);
SELECT knn_compare($$SELECT id FROM items WHERE category = 4 ORDER BY v <-> '[9,9,9]' LIMIT 15$$);

-- vectors larger than a page live in overflow pages
CREATE TABLE wide (id int, v vector(3000));
INSERT INTO wide SELECT i, (SELECT array_agg(((i * 7 + d * 3) % 11)::real) FROM generate_series(1, 3000) d)::vector
FROM generate_series(1, 12) i;
CREATE INDEX ON wide USING flat (v);
SELECT knn_compare($$SELECT id, v <-> (SELECT v FROM wide WHERE id = 5) FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 5), id LIMIT 12$$);
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 5) LIMIT 1;
SELECT entries, overflow_pages > 0 AS has_overflow, free_pages FROM vecdb.index_stats('wide_v_idx');
DELETE FROM wide WHERE id <= 6;
VACUUM wide;
SELECT entries, free_pages > 0 AS pages_freed FROM vecdb.index_stats('wide_v_idx');
INSERT INTO wide SELECT i, (SELECT array_agg(((i + d) % 5)::real) FROM generate_series(1, 3000) d)::vector
FROM generate_series(20, 22) i;
SELECT knn_compare($$SELECT id, v <-> (SELECT v FROM wide WHERE id = 21) FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 21), id$$);

-- unlogged tables (init fork)
CREATE UNLOGGED TABLE scratch (id int, v vector(2));
CREATE INDEX ON scratch USING flat (v);
INSERT INTO scratch SELECT i, ('[' || i || ',' || (i * i % 7) || ']')::vector FROM generate_series(1, 50) i;
SELECT knn_compare($$SELECT id FROM scratch ORDER BY v <-> '[25,3]' LIMIT 5$$);

-- an empty index
CREATE TABLE empty_t (v vector(2));
CREATE INDEX ON empty_t USING flat (v);
SET enable_seqscan = off;
SELECT * FROM empty_t ORDER BY v <-> '[1,1]' LIMIT 3;
RESET enable_seqscan;

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
RESET enable_seqscan;
SELECT * FROM vecdb.index_stats('items_pkey');
\echo :LAST_ERROR_SQLSTATE
