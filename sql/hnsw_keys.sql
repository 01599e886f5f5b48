-- Key columns of hnsw indexes: USING hnsw (v vector_l2_ops, category, ...).
-- Quals on them are tested while the graph is traversed; with the default
-- planner (no SET enable_*) a 1 % filter uses the index, returns exactly
-- LIMIT rows and the exact answer (recall asserted), for every key type.
CREATE SCHEMA hnsw_keys_test;
SET search_path = hnsw_keys_test, public;
SET vecdb.hnsw_build_threads = 1;
SET jit = off;

-- A fixed generated set: 6000 rows in 30 clusters, 32 dimensions, and keys
-- of every kind: 1 % per value of cat, 10 % per value of grp.
SELECT setseed(0.5);
CREATE TABLE centers AS
SELECT c, (SELECT array_agg(random() * 4 - 2) FROM generate_series(1, 32) d WHERE c >= 0) AS x
FROM generate_series(0, 29) c;
CREATE FUNCTION near_center(c int) RETURNS real[] LANGUAGE sql AS $$
    SELECT array_agg((x[d] + random() * 0.8 - 0.4)::real ORDER BY d)
    FROM centers, generate_series(1, 32) d WHERE centers.c = near_center.c $$;
CREATE TABLE items (id int PRIMARY KEY, v vector(32), cat int, grp bigint, label text, flag bool, tags int[]);
-- (keys drawn at random, independent of the clusters)
CREATE FUNCTION add_items(first int, last int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO items
    SELECT i, v, c, 1000000000000 + g, 'label ' || c, c = 0, ARRAY[c, 1000 + t]
    FROM (SELECT i, near_center(i % 30)::vector AS v, floor(random() * 100)::int AS c,
                 floor(random() * 10)::int AS g, floor(random() * 10)::int AS t
          FROM generate_series(first, last) i) s $$;
SELECT add_items(1, 6000);
-- NULL keys: never returned by a qual on that key, still found without one
UPDATE items SET cat = NULL, label = NULL, flag = NULL, tags = NULL WHERE id % 97 = 0;
CREATE TABLE queries AS SELECT q AS id, near_center((q * 11) % 30)::vector AS v FROM generate_series(1, 20) q;
ANALYZE items, queries;

-- recall@10 of a filtered ORDER BY v <-> query LIMIT 10 over the queries,
-- against the exact answer (an ORDER BY expression no index matches), with
-- the default planner; it must use the index with the filter as an index
-- condition (unless need_index is false) and return exactly 10 rows every time.
CREATE FUNCTION key_recall(idx text, filter text, need_index bool DEFAULT true) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    qid int; kth float8; hits bigint; n bigint; total bigint := 0; found bigint := 0; plan text := ''; line text;
BEGIN
    FOR qid IN SELECT id FROM queries ORDER BY id LOOP
        EXECUTE format('SELECT max(d) FROM (SELECT (v <-> (SELECT v FROM queries WHERE id = $1)) + 0 AS d '
                       'FROM items WHERE %s ORDER BY 1 LIMIT 10) s', filter) INTO kth USING qid;
        IF plan = '' THEN
            FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM items WHERE %s '
                                       'ORDER BY v <-> (SELECT v FROM queries WHERE id = $1) LIMIT 10', filter)
                                       USING qid LOOP
                plan := plan || line || ' ';
            END LOOP;
            IF need_index AND plan NOT LIKE '%Index Scan using ' || idx || '%Index Cond%' THEN
                RAISE EXCEPTION 'index % not used for %: %', idx, filter, plan;
            END IF;
        END IF;
        EXECUTE format('SELECT count(*), count(*) FILTER (WHERE d <= $2 + 1e-6) FROM '
                       '(SELECT v <-> (SELECT v FROM queries WHERE id = $1) AS d FROM items WHERE %s '
                       'ORDER BY v <-> (SELECT v FROM queries WHERE id = $1) LIMIT 10) s', filter)
                INTO n, hits USING qid, kth;
        IF n <> 10 THEN RAISE EXCEPTION '% returned % rows for query %', filter, n, qid; END IF;
        found := found + hits;
        total := total + 10;
    END LOOP;
    RETURN round(found::numeric / total, 2);
END $$;

CREATE INDEX items_cat ON items USING hnsw (v vector_l2_ops, cat);
SELECT * FROM vecdb.verify_index('items_cat');
-- 1 %, an integer key
SELECT key_recall('items_cat', 'cat = 42') >= 0.95 AS int4_1pct;
-- up to about sqrt(entries scored unfiltered * rows) matches the scan
-- scores the matches it finds in the key directory exactly; beyond, it
-- traverses the graph, skipping the elements the keys reject
SELECT key_recall('items_cat', 'cat < 10') >= 0.95 AS int4_range_10pct;
SELECT key_recall('items_cat', 'cat < 40') >= 0.95 AS int4_range_40pct_graph;
SELECT key_recall('items_cat', 'cat >= 90') >= 0.95 AS int4_range_10pct_upper;
-- the rows are the right ones, and only those
SELECT count(*) FILTER (WHERE cat = 42) AS passing, count(*) AS total FROM (
    SELECT cat FROM items WHERE cat = 42 ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 10) s;
-- a value no row has: nothing, and quickly (no row passes)
SELECT count(*) AS none FROM (
    SELECT id FROM items WHERE cat = 12345 ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 10) s;
-- comparing with NULL: nothing
SELECT count(*) AS null_qual FROM (
    SELECT id FROM items WHERE cat = NULL::int ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 10) s;
-- NULL keys are still indexed: without a qual every row can be found
SET enable_seqscan = off;
SELECT count(*) AS all_rows FROM (
    SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 6000) s;
SELECT count(*) AS null_rows_found FROM (
    SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 6000) s WHERE id % 97 = 0;
RESET enable_seqscan;
DROP INDEX items_cat;

-- bigint (with an int4 constant: the cross-type operator is an index qual)
CREATE INDEX items_grp ON items USING hnsw (v, grp);
SELECT key_recall('items_grp', 'grp = 1000000000004') >= 0.95 AS int8_10pct;
SELECT key_recall('items_grp', 'grp = 4 + 1000000000000::bigint') >= 0.95 AS int8_expr;
SELECT key_recall('items_grp', 'grp >= 1000000000009') >= 0.95 AS int8_range;
DROP INDEX items_grp;

-- text (a hash in the index, rechecked)
CREATE INDEX items_label ON items USING hnsw (v vector_l2_ops, label);
SELECT key_recall('items_label', 'label = ''label 42''') >= 0.95 AS text_1pct;
SELECT * FROM vecdb.verify_index('items_label');
DROP INDEX items_label;

-- bool: the planner turns `flag = true` into `flag`, which only btree and
-- hash boolean families can index, so it is a Filter (the iterative scan
-- still fills LIMIT); a parameter in a generic plan stays an index qual
CREATE INDEX items_flag ON items USING hnsw (v vector_l2_ops, flag);
SET plan_cache_mode = force_generic_plan;
PREPARE by_flag(bool, int) AS
    SELECT id, flag FROM items WHERE flag = $1 ORDER BY v <-> (SELECT v FROM queries WHERE id = $2) LIMIT 10;
EXPLAIN (COSTS OFF) EXECUTE by_flag(true, 3);
SELECT count(*) FILTER (WHERE flag) AS passing, count(*) AS total
FROM (SELECT * FROM items WHERE flag ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 10) s;
CREATE TEMP TABLE flag_rows AS EXECUTE by_flag(true, 3);
SELECT count(*) AS bool_rows, bool_and(flag) AS all_true,
       (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM items WHERE flag
        ORDER BY (v <-> (SELECT v FROM queries WHERE id = 3)) + 0 LIMIT 10) e)
       = array_agg(id ORDER BY id) AS exact
FROM flag_rows;
DEALLOCATE by_flag;
RESET plan_cache_mode;
DROP INDEX items_flag;

-- int4[] with && and @> (a signature in the index, rechecked)
CREATE INDEX items_tags ON items USING hnsw (v vector_l2_ops, tags);
SELECT key_recall('items_tags', 'tags && ARRAY[42]') >= 0.95 AS overlap_1pct;
SELECT key_recall('items_tags', 'tags @> ARRAY[1004]') >= 0.95 AS contains_10pct;
SELECT count(*) AS contains_two FROM (SELECT id FROM items WHERE tags @> ARRAY[42, 1004]
    ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 10) s;
SELECT key_recall('items_tags', 'tags && ARRAY[1003, 1007]') >= 0.95 AS overlap_20pct;
SELECT key_recall('items_tags', 'tags && ARRAY[1001, 1002, 1003]') >= 0.95 AS overlap_30pct_graph;
DROP INDEX items_tags;

-- several key columns at once
CREATE INDEX items_multi ON items USING hnsw (v vector_l2_ops, cat, grp, label, flag, tags);
SELECT key_recall('items_multi', 'cat < 50 AND grp = 1000000000004') >= 0.95 AS two_keys;
-- 0.1 %: fewer rows than LIMIT pass; all of them come back, and only them
SELECT count(*) AS both_rows, (SELECT count(*) FROM items WHERE cat = 42 AND grp = 1000000000004) AS passing
FROM (SELECT id FROM items WHERE cat = 42 AND grp = 1000000000004
      ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 10) s;
SELECT key_recall('items_multi', 'label = ''label 7'' AND tags && ARRAY[7]') >= 0.95 AS text_and_array;
SELECT * FROM vecdb.verify_index('items_multi');

-- inserts after the build carry their keys
SELECT add_items(6001, 9000);
ANALYZE items;
SELECT key_recall('items_multi', 'cat = 42') >= 0.95 AS after_inserts;
SELECT count(*) AS inserted_rows_found FROM (
    SELECT id FROM items WHERE cat = 42 ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 60) s
WHERE id > 6000;
-- deletes + VACUUM: deleted rows never come back, the rest still fill LIMIT
DELETE FROM items WHERE id % 3 = 0;
VACUUM items;
SELECT key_recall('items_multi', 'cat = 42') >= 0.95 AS after_vacuum;
SELECT count(*) AS deleted_returned FROM (
    SELECT id FROM items WHERE cat = 42 ORDER BY v <-> (SELECT v FROM queries WHERE id = 3) LIMIT 10) s
WHERE id % 3 = 0;
SELECT * FROM vecdb.verify_index('items_multi');
DROP INDEX items_multi;

-- sq8 with a key column
CREATE INDEX items_sq8 ON items USING hnsw (v vector_l2_ops, cat) WITH (quantizer = 'sq8');
SELECT key_recall('items_sq8', 'cat = 42') >= 0.95 AS sq8_1pct;
SELECT * FROM vecdb.verify_index('items_sq8');
DROP INDEX items_sq8;

-- errors: the vector must come first, keys must be key types
\set VERBOSITY terse
CREATE INDEX ON items USING hnsw (cat, v);
CREATE INDEX ON items USING hnsw (v, v);
CREATE TABLE other (v vector(32), f float8, n numeric);
CREATE INDEX ON other USING hnsw (v, f);
CREATE INDEX ON other USING hnsw (v, n);
CREATE INDEX ON items USING hnsw (v, label vector_l2_ops);
CREATE INDEX ON items USING hnsw (v, cat text_ops);
-- flat and ivf stay single-column
CREATE INDEX ON items USING flat (v, cat);
CREATE INDEX ON items USING ivf (v, cat);
-- a bad key operator class
CREATE OPERATOR CLASS bad_float_ops FOR TYPE float8 USING hnsw AS OPERATOR 4 = (float8, float8);
CREATE OPERATOR CLASS bad_int_ops FOR TYPE int4 USING hnsw AS OPERATOR 7 = (int4, int4);
\set VERBOSITY default
-- the key classes pass amvalidate
SELECT opcname, amvalidate(oid) FROM pg_opclass
WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hnsw') AND opcintype IN ('int4'::regtype, 'int8'::regtype,
      'int2'::regtype, 'bool'::regtype, 'text'::regtype, 'int4[]'::regtype)
ORDER BY opcname;

RESET search_path;
DROP SCHEMA hnsw_keys_test CASCADE;
