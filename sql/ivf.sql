-- The ivf index: recall against exact search as probes grow (exact at
-- probes = lists for quantizer none), sq8 with rerank, every opclass,
-- filters, inserts after the build, VACUUM, and option errors.
-- Recall is printed as pass/fail against stated thresholds.

-- Fixed clustered data: 30 centres in 24 dimensions, 2000 points around
-- them, 30 queries drawn the same way.
SELECT setseed(0.25);
CREATE TABLE ivf_centres AS
SELECT c, array_agg((random() * 20 - 10)::real ORDER BY d) AS x
FROM generate_series(0, 29) c CROSS JOIN generate_series(1, 24) d GROUP BY c;
CREATE TABLE ivf_pts (id int PRIMARY KEY, cat int, v vector(24));
INSERT INTO ivf_pts
SELECT i, i % 100,
       (SELECT array_agg(c.x[d] + (random() + random() + random() - 1.5) * 2 ORDER BY d)::real[]::vector
        FROM generate_series(1, 24) d)
FROM generate_series(1, 2000) i JOIN ivf_centres c ON c.c = i % 30;
CREATE TABLE ivf_qs (qid int PRIMARY KEY, v vector(24));
INSERT INTO ivf_qs
SELECT q, (SELECT array_agg(c.x[d] + (random() + random() + random() - 1.5) * 2 ORDER BY d)::real[]::vector
           FROM generate_series(1, 24) d)
FROM generate_series(1, 30) q JOIN ivf_centres c ON c.c = (q * 7) % 30;

-- recall@10 of the index over the 30 queries, for table tbl and operator op
CREATE FUNCTION ivf_recall_at_10(tbl text, op text, cast_to text DEFAULT 'vector') RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    q record; hits int := 0; total int := 0; exact int[]; approx int[];
    sql text := format('SELECT array_agg(id) FROM (SELECT id FROM %I ORDER BY v %s $1::%s LIMIT 10) s', tbl, op, cast_to);
BEGIN
    FOR q IN SELECT * FROM ivf_qs ORDER BY qid LOOP
        PERFORM set_config('enable_indexscan', 'off', true);
        EXECUTE sql INTO exact USING q.v;
        PERFORM set_config('enable_indexscan', 'on', true);
        PERFORM set_config('enable_seqscan', 'off', true);
        EXECUTE sql INTO approx USING q.v;
        PERFORM set_config('enable_seqscan', 'on', true);
        hits := hits + (SELECT count(*) FROM unnest(approx) a WHERE a = ANY (exact));
        total := total + 10;
    END LOOP;
    RETURN round(hits::numeric / total, 3);
END $$;

-- whether an index scan returns rows in exact distance order
CREATE FUNCTION ivf_in_exact_order(tbl text, op text, k int) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE ok bool;
BEGIN
    PERFORM set_config('enable_seqscan', 'off', true);
    EXECUTE format('SELECT coalesce(bool_and(d >= prev), true) FROM (SELECT d, lag(d) OVER (ORDER BY n) AS prev FROM '
                   '(SELECT row_number() OVER () AS n, v %s (SELECT v FROM ivf_qs WHERE qid = 3) AS d FROM %I '
                   'ORDER BY v %s (SELECT v FROM ivf_qs WHERE qid = 3) LIMIT %s) s) t WHERE prev IS NOT NULL', op, tbl, op, k)
        INTO ok;
    PERFORM set_config('enable_seqscan', 'on', true);
    RETURN ok;
END $$;

-- quantizer none
CREATE INDEX ivf_pts_ivf ON ivf_pts USING ivf (v vector_l2_ops) WITH (lists = 40);
SELECT count(*) AS problems FROM vecdb.verify_index('ivf_pts_ivf');
-- the list-size distribution
SELECT lists, quantizer, entries, min_list_size <= mean_list_size AND mean_list_size <= max_list_size AS ordered,
       mean_list_size = entries::float8 / lists AS mean_ok, empty_lists < 10 AS few_empty,
       stddev_list_size >= 0 AS stddev_ok, imbalance >= 1 AS imbalance_ok
FROM vecdb.ivf_list_stats('ivf_pts_ivf');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ivf_pts ORDER BY v <-> '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24]' LIMIT 5;
RESET enable_seqscan;
-- chosen by the planner on its own for ORDER BY ... LIMIT
EXPLAIN (COSTS OFF) SELECT id FROM ivf_pts ORDER BY v <-> '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24]' LIMIT 5;
SET vecdb.ivf_probes = 1;
CREATE TEMP TABLE ivf_r AS SELECT 1 AS probes, ivf_recall_at_10('ivf_pts', '<->') AS recall;
SET vecdb.ivf_probes = 3;
INSERT INTO ivf_r SELECT 3, ivf_recall_at_10('ivf_pts', '<->');
SET vecdb.ivf_probes = 8;
INSERT INTO ivf_r SELECT 8, ivf_recall_at_10('ivf_pts', '<->');
SET vecdb.ivf_probes = 40;
INSERT INTO ivf_r SELECT 40, ivf_recall_at_10('ivf_pts', '<->');
SET vecdb.ivf_probes = 1000;  -- capped at lists
INSERT INTO ivf_r SELECT 1000, ivf_recall_at_10('ivf_pts', '<->');
SELECT (SELECT recall FROM ivf_r WHERE probes = 1) <= (SELECT recall FROM ivf_r WHERE probes = 3)
   AND (SELECT recall FROM ivf_r WHERE probes = 3) <= (SELECT recall FROM ivf_r WHERE probes = 8) AS recall_rises,
       (SELECT recall FROM ivf_r WHERE probes = 8) >= 0.95 AS recall_at_8_probes_ok,
       (SELECT recall FROM ivf_r WHERE probes = 40) AS recall_all_lists,
       (SELECT recall FROM ivf_r WHERE probes = 1000) AS recall_capped_probes;
SET vecdb.ivf_probes = 8;
SELECT ivf_in_exact_order('ivf_pts', '<->', 50);
-- at probes = lists the scan is exact past its 32 kept keys: the first 300
-- rows of every query have the seq scan's distances, and are the same rows
-- (compared as sets: equal distances may come in another order, as rows
-- 245 and 246 of query 4 do)
SET vecdb.ivf_probes = 40;
SET enable_seqscan = off;
CREATE TEMP TABLE ivf_deep AS
SELECT qid, (SELECT array_agg(d) FROM (SELECT v <-> q.v AS d FROM ivf_pts ORDER BY v <-> q.v LIMIT 300) s) AS ds,
       (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM ivf_pts ORDER BY v <-> q.v LIMIT 300) s) AS ids
FROM ivf_qs q;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE ds = (SELECT array_agg(d) FROM (SELECT p.v <-> q.v AS d FROM ivf_pts p ORDER BY p.v <-> q.v LIMIT 300) s)) AS same_distances,
       count(*) FILTER (WHERE ids = (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM ivf_pts p ORDER BY p.v <-> q.v LIMIT 300) s)) AS same_rows
FROM ivf_deep JOIN ivf_qs q USING (qid);
RESET enable_indexscan;
SET vecdb.ivf_probes = 8;
-- rows past the 32 nearest: entries farther than those are only partly
-- scored and set aside, then re-scored when the scan goes on; at probes =
-- lists the index gives the seq scan's first 120 rows and distances, in
-- order (300-d: the partial sums really stop early)
CREATE TABLE ivf_wide300 AS
SELECT i AS id, (SELECT array_agg((random() * (1 + (i % 7)))::real ORDER BY d) FROM generate_series(1, 300) d)::vector(300) AS v
FROM generate_series(1, 600) i;
CREATE INDEX ivf_wide300_ivf ON ivf_wide300 USING ivf (v vector_l2_ops) WITH (lists = 6);
SET vecdb.ivf_probes = 6;
SET enable_seqscan = off;
CREATE TEMP TABLE ivf_deep300 AS SELECT array_agg(id) AS ids, array_agg(d) AS ds
FROM (SELECT id, v <-> (SELECT v FROM ivf_wide300 WHERE id = 17) AS d FROM ivf_wide300
      ORDER BY v <-> (SELECT v FROM ivf_wide300 WHERE id = 17) LIMIT 120) s;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT ids = (SELECT array_agg(id) FROM (SELECT id FROM ivf_wide300
                ORDER BY v <-> (SELECT v FROM ivf_wide300 WHERE id = 17) LIMIT 120) s) AS wide_rows_exact,
       ds = (SELECT array_agg(d) FROM (SELECT v <-> (SELECT v FROM ivf_wide300 WHERE id = 17) AS d FROM ivf_wide300
                ORDER BY 1 LIMIT 120) s) AS wide_distances_exact
FROM ivf_deep300;
RESET enable_indexscan;
DROP TABLE ivf_wide300;

-- a 1 % filter still returns LIMIT rows (the scan opens more lists)
SELECT count(*) FROM (SELECT id FROM ivf_pts WHERE cat = 7 ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 1) LIMIT 10) s;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM ivf_pts WHERE cat = 7 ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 1) LIMIT 10) s;
SELECT count(*) FROM (SELECT id FROM ivf_pts WHERE cat = 1000 ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 1) LIMIT 10) s;
-- without iterative scan, or with a tiny vecdb.max_scan_tuples, only the first lists are read
SET vecdb.ivf_probes = 1;
SET vecdb.iterative_scan = off;
SELECT count(*) < 10 AS fewer_rows_without_iterative_scan
FROM (SELECT id FROM ivf_pts WHERE cat = 7 ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 1) LIMIT 10) s;
RESET vecdb.iterative_scan;
SET vecdb.max_scan_tuples = 1;
SELECT count(*) < 10 AS fewer_rows_with_max_scan_tuples
FROM (SELECT id FROM ivf_pts WHERE cat = 7 ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 1) LIMIT 10) s;
RESET vecdb.max_scan_tuples;
-- strict order: the rows that come back are in distance order
SET vecdb.iterative_scan = strict_order;
SELECT count(*) > 0 AS some_rows, coalesce(bool_and(d >= prev), true) AS in_order FROM (
    SELECT d, lag(d) OVER (ORDER BY n) AS prev FROM (
        SELECT row_number() OVER () AS n, v <-> (SELECT v FROM ivf_qs WHERE qid = 1) AS d FROM ivf_pts WHERE cat = 7
        ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 1) LIMIT 10) s) t;
RESET vecdb.iterative_scan;
SET vecdb.ivf_probes = 8;
RESET enable_seqscan;

-- rows inserted after the build are found (each one's own vector finds it)
INSERT INTO ivf_pts SELECT 10000 + qid, 0, v FROM ivf_qs;
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE found) AS found_inserted FROM (
    SELECT q.qid, (SELECT p.id FROM ivf_pts p ORDER BY p.v <-> q.v LIMIT 1) = 10000 + q.qid AS found FROM ivf_qs q) s;
RESET enable_seqscan;

-- deleted rows are never returned after VACUUM, and their space is reused
DELETE FROM ivf_pts WHERE cat < 50;
VACUUM ivf_pts;
SET vecdb.ivf_probes = 40;
SET enable_seqscan = off;
SELECT count(*) AS returned, count(*) FILTER (WHERE cat < 50) AS deleted_returned
FROM (SELECT id, cat FROM ivf_pts ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 2) LIMIT 5000) s;
RESET enable_seqscan;
SELECT pg_relation_size('ivf_pts_ivf') AS size_before \gset
INSERT INTO ivf_pts SELECT id + 20000, 0, v FROM ivf_pts WHERE cat >= 50 AND id < 1000;
SELECT pg_relation_size('ivf_pts_ivf') <= :size_before AS space_reused;
SELECT ivf_recall_at_10('ivf_pts', '<->') AS recall_after_changes;
SELECT count(*) AS problems_after_changes FROM vecdb.verify_index('ivf_pts_ivf');

-- quantizer sq8: candidates re-scored exactly
DROP INDEX ivf_pts_ivf;
DELETE FROM ivf_pts WHERE id > 10000;
CREATE INDEX pts_sq8 ON ivf_pts USING ivf (v) WITH (lists = 40, quantizer = 'sq8');
SET vecdb.ivf_probes = 8;
SELECT ivf_recall_at_10('ivf_pts', '<->') >= 0.95 AS sq8_recall_ok;
SET vecdb.ivf_probes = 40;
SELECT ivf_recall_at_10('ivf_pts', '<->') AS sq8_recall_all_lists;
-- with rerank >= LIMIT every returned row was re-scored: exact order
SET vecdb.rerank = 1000;
SELECT ivf_in_exact_order('ivf_pts', '<->', 300);
RESET vecdb.rerank;
INSERT INTO ivf_pts SELECT 10000 + qid, 0, v FROM ivf_qs;
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE found) AS sq8_found_inserted FROM (
    SELECT q.qid, (SELECT p.id FROM ivf_pts p ORDER BY p.v <-> q.v LIMIT 1) = 10000 + q.qid AS found FROM ivf_qs q) s;
DELETE FROM ivf_pts WHERE id > 10000 OR cat < 20;
VACUUM ivf_pts;
SELECT count(*) AS returned, count(*) FILTER (WHERE cat < 20 OR id > 10000) AS deleted_returned
FROM (SELECT id, cat FROM ivf_pts ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 2) LIMIT 5000) s;
RESET enable_seqscan;
SELECT count(*) AS sq8_problems FROM vecdb.verify_index('pts_sq8');
DROP INDEX pts_sq8;

-- quantizer pq: residual codes (x - centroid) scored with per-query lookup
-- tables, the best vecdb.rerank candidates re-scored with full vectors
CREATE INDEX ivf_pts_pq ON ivf_pts USING ivf (v) WITH (lists = 40, quantizer = 'pq', pq_m = 6);
SELECT count(*) AS pq_problems FROM vecdb.verify_index('ivf_pts_pq');
SELECT lists, quantizer, entries FROM vecdb.ivf_list_stats('ivf_pts_pq');
-- vecdb.index_stats' details carry the same
SELECT details->>'lists' AS lists, details->>'quantizer' AS quantizer, details->>'pq_m' AS pq_m,
       details->>'pq_nbits' AS pq_nbits, (details->>'entries')::bigint = entries AS entries_agree
FROM vecdb.index_stats('ivf_pts_pq');
SET vecdb.ivf_probes = 8;
SELECT ivf_recall_at_10('ivf_pts', '<->') >= 0.9 AS pq_recall_ok;
SET vecdb.ivf_probes = 40;
SELECT ivf_recall_at_10('ivf_pts', '<->') >= 0.95 AS pq_recall_all_lists_ok;
-- with rerank >= LIMIT every returned row was re-scored: exact distances, exact order
SET vecdb.rerank = 1000;
SELECT ivf_in_exact_order('ivf_pts', '<->', 300);
RESET vecdb.rerank;
-- the lists hold 6-byte codes instead of 96-byte vectors: the pages a search
-- scans are a fraction of those of quantizer none (the full vectors for
-- rerank live on vector pages of their own)
CREATE INDEX ivf_pts_none_cmp ON ivf_pts USING ivf (v) WITH (lists = 40);
SELECT (p.data_pages * current_setting('block_size')::int - p.free_bytes) * 3
       < n.data_pages * current_setting('block_size')::int - n.free_bytes AS pq_list_bytes_much_smaller
FROM vecdb.index_stats('ivf_pts_pq') p, vecdb.index_stats('ivf_pts_none_cmp') n;
DROP INDEX ivf_pts_none_cmp;
SET vecdb.ivf_probes = 8;
INSERT INTO ivf_pts SELECT 10000 + qid, 0, v FROM ivf_qs;
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE found) AS pq_found_inserted FROM (
    SELECT q.qid, (SELECT p.id FROM ivf_pts p ORDER BY p.v <-> q.v LIMIT 1) = 10000 + q.qid AS found FROM ivf_qs q) s;
DELETE FROM ivf_pts WHERE id > 10000 OR cat < 25;
VACUUM ivf_pts;
SELECT count(*) AS returned, count(*) FILTER (WHERE cat < 25 OR id > 10000) AS deleted_returned
FROM (SELECT id, cat FROM ivf_pts ORDER BY v <-> (SELECT v FROM ivf_qs WHERE qid = 2) LIMIT 5000) s;
RESET enable_seqscan;
SELECT count(*) AS pq_problems_after_changes FROM vecdb.verify_index('ivf_pts_pq');
DROP INDEX ivf_pts_pq;
-- fewer bits: 16 centroids per sub-space, codes of 12 sub-vectors
CREATE INDEX pts_pq4 ON ivf_pts USING ivf (v) WITH (lists = 40, quantizer = 'pq', pq_m = 12, pq_nbits = 4);
SELECT ivf_recall_at_10('ivf_pts', '<->') >= 0.9 AS pq4_recall_ok;
SELECT count(*) AS pq4_problems FROM vecdb.verify_index('pts_pq4');
DROP INDEX pts_pq4;
-- inner product and cosine (default pq_m: sub-vectors of 4 dimensions)
SET vecdb.ivf_probes = 10;
CREATE INDEX ivf_pts_ip_pq ON ivf_pts USING ivf (v vector_ip_ops) WITH (lists = 40, quantizer = 'pq');
SELECT ivf_recall_at_10('ivf_pts', '<#>') >= 0.9 AS ip_pq_recall_ok;
DROP INDEX ivf_pts_ip_pq;
CREATE INDEX ivf_pts_cos_pq ON ivf_pts USING ivf (v vector_cosine_ops) WITH (lists = 40, quantizer = 'pq');
SELECT ivf_recall_at_10('ivf_pts', '<=>') >= 0.9 AS cosine_pq_recall_ok;
SELECT count(*) AS cosine_pq_problems FROM vecdb.verify_index('ivf_pts_cos_pq');
DROP INDEX ivf_pts_cos_pq;
SET vecdb.ivf_probes = 8;

-- inner product and cosine, for vector and halfvec
SET vecdb.ivf_probes = 40;
CREATE INDEX ivf_pts_ip ON ivf_pts USING ivf (v vector_ip_ops) WITH (lists = 40);
SELECT ivf_recall_at_10('ivf_pts', '<#>') AS ip_recall_all_lists;
DROP INDEX ivf_pts_ip;
CREATE INDEX ivf_pts_cos ON ivf_pts USING ivf (v vector_cosine_ops) WITH (lists = 40);
SELECT ivf_recall_at_10('ivf_pts', '<=>') AS cosine_recall_all_lists;
SET vecdb.ivf_probes = 8;
SELECT ivf_recall_at_10('ivf_pts', '<=>') >= 0.9 AS cosine_recall_ok;
DROP INDEX ivf_pts_cos;
CREATE INDEX pts_cos_sq8 ON ivf_pts USING ivf (v vector_cosine_ops) WITH (lists = 40, quantizer = sq8);
SELECT ivf_recall_at_10('ivf_pts', '<=>') >= 0.9 AS cosine_sq8_recall_ok;
DROP INDEX pts_cos_sq8;
CREATE TABLE ivf_hpts AS SELECT id, cat, v::halfvec(24) AS v FROM ivf_pts;
CREATE INDEX hpts_l2 ON ivf_hpts USING ivf (v halfvec_l2_ops) WITH (lists = 20, quantizer = 'sq8');
SET vecdb.ivf_probes = 20;
SELECT ivf_recall_at_10('ivf_hpts', '<->', 'halfvec') AS halfvec_sq8_recall_all_lists;
CREATE INDEX ivf_hpts_ip ON ivf_hpts USING ivf (v halfvec_ip_ops) WITH (lists = 20);
SELECT ivf_recall_at_10('ivf_hpts', '<#>', 'halfvec') AS halfvec_ip_recall_all_lists;
DROP INDEX hpts_l2, ivf_hpts_ip;
SET vecdb.ivf_probes = 8;
CREATE INDEX ivf_hpts_pq ON ivf_hpts USING ivf (v halfvec_l2_ops) WITH (lists = 20, quantizer = 'pq', pq_m = 8);
SELECT ivf_recall_at_10('ivf_hpts', '<->', 'halfvec') >= 0.9 AS halfvec_pq_recall_ok;
DROP INDEX ivf_hpts_pq;
CREATE INDEX ivf_hpts_ip_pq ON ivf_hpts USING ivf (v halfvec_ip_ops) WITH (lists = 20, quantizer = 'pq');
SELECT ivf_recall_at_10('ivf_hpts', '<#>', 'halfvec') >= 0.9 AS halfvec_ip_pq_recall_ok;
DROP INDEX ivf_hpts_ip_pq;
CREATE INDEX ivf_hpts_cos_pq ON ivf_hpts USING ivf (v halfvec_cosine_ops) WITH (lists = 20, quantizer = 'pq');
SELECT ivf_recall_at_10('ivf_hpts', '<=>', 'halfvec') >= 0.9 AS halfvec_cosine_pq_recall_ok;
SELECT count(*) AS halfvec_pq_problems FROM vecdb.verify_index('ivf_hpts_cos_pq');

-- bit vectors with hamming distance
CREATE TABLE ivf_bits AS SELECT i AS id, (SELECT string_agg(CASE WHEN random() < 0.5 THEN '1' ELSE '0' END, '')
                                      FROM generate_series(1, 64 + 0 * i) d)::bit(64) AS v FROM generate_series(1, 500) i;
CREATE INDEX ivf_bits_ivf ON ivf_bits USING ivf (v bit_hamming_ops) WITH (lists = 10);
SET vecdb.ivf_probes = 10;
SET enable_seqscan = off;
SELECT string_agg(d::text, ',') AS via_index FROM (
    SELECT v <~> (SELECT v FROM ivf_bits WHERE id = 1) AS d FROM ivf_bits ORDER BY v <~> (SELECT v FROM ivf_bits WHERE id = 1) LIMIT 20) s \gset
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT string_agg(d::text, ',') = :'via_index' AS bit_hamming_exact FROM (
    SELECT v <~> (SELECT v FROM ivf_bits WHERE id = 1) AS d FROM ivf_bits ORDER BY v <~> (SELECT v FROM ivf_bits WHERE id = 1) LIMIT 20) s;
RESET enable_indexscan;

-- fewer distinct vectors than lists; more lists than rows
CREATE TABLE ivf_few (id int, v vector(3));
INSERT INTO ivf_few SELECT i, ARRAY[i % 5, (i % 5) * 2, 1]::real[]::vector FROM generate_series(1, 100) i;
CREATE INDEX ivf_few_ivf ON ivf_few USING ivf (v) WITH (lists = 20);
SET vecdb.ivf_probes = 20;
SET enable_seqscan = off;
SELECT count(*), count(DISTINCT v::text) FROM (SELECT v FROM ivf_few ORDER BY v <-> '[1,2,1]' LIMIT 100) s;
SELECT v, count(*) FROM (SELECT v FROM ivf_few ORDER BY v <-> '[1,2,1]' LIMIT 20) s GROUP BY v;
RESET enable_seqscan;
CREATE TABLE ivf_tiny (id int, v vector(2));
INSERT INTO ivf_tiny VALUES (1, '[1,1]'), (2, '[2,2]'), (3, NULL);
CREATE INDEX ivf_tiny_ivf ON ivf_tiny USING ivf (v) WITH (lists = 10);
SET enable_seqscan = off;
SELECT id FROM ivf_tiny ORDER BY v <-> '[0,0]' LIMIT 10;

-- an index built on an empty table has one list; rows inserted later are found
CREATE TABLE ivf_later (id int, v vector);
CREATE INDEX ivf_later_ivf ON ivf_later USING ivf (v) WITH (quantizer = 'sq8');
INSERT INTO ivf_later SELECT i, ARRAY[i, i * 2]::real[]::vector FROM generate_series(1, 300) i;
SELECT id FROM ivf_later ORDER BY v <-> '[10,20]' LIMIT 3;
RESET enable_seqscan;

-- values larger than a page live in overflow chains: the widest vector
-- (16000 dimensions) and halfvec are indexable, found, verified and vacuumed
CREATE TABLE ivf_wide (id int, v vector(16000));
INSERT INTO ivf_wide SELECT i, (SELECT array_agg(sin(i * 0.37 + d * 0.011)::real ORDER BY d) FROM generate_series(1, 16000) d)::vector
FROM generate_series(1, 12) i;
CREATE INDEX ivf_wide_idx ON ivf_wide USING ivf (v) WITH (lists = 3);
INSERT INTO ivf_wide SELECT 100 + i, (SELECT array_agg(cos(i * 0.53 + d * 0.007)::real ORDER BY d) FROM generate_series(1, 16000) d)::vector
FROM generate_series(1, 4) i;
SET vecdb.ivf_probes = 3;
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE found) AS wide_found, count(*) AS wide_rows FROM (
    SELECT w.id, (SELECT x.id FROM ivf_wide x ORDER BY x.v <-> w.v LIMIT 1) = w.id AS found FROM ivf_wide w) s;
SELECT count(*) AS wide_problems FROM vecdb.verify_index('ivf_wide_idx');
SELECT entries, overflow_pages / entries AS overflow_pages_per_value FROM vecdb.index_stats('ivf_wide_idx');
DELETE FROM ivf_wide WHERE id % 2 = 0;
VACUUM ivf_wide;
SELECT entries, overflow_pages / entries AS overflow_pages_per_value, free_pages > 0 AS chains_freed
FROM vecdb.index_stats('ivf_wide_idx');
SELECT count(*) AS wide_problems_after_vacuum FROM vecdb.verify_index('ivf_wide_idx');
CREATE TABLE ivf_hwide AS SELECT id, v::halfvec(16000) AS v FROM ivf_wide;
CREATE INDEX ivf_hwide_sq8 ON ivf_hwide USING ivf (v halfvec_cosine_ops) WITH (lists = 2, quantizer = 'sq8');
CREATE INDEX ivf_hwide_pq ON ivf_hwide USING ivf (v halfvec_cosine_ops) WITH (lists = 2, quantizer = 'pq', pq_m = 16000);
CREATE INDEX ivf_hwide_pq ON ivf_hwide USING ivf (v halfvec_cosine_ops) WITH (lists = 2, quantizer = 'pq', pq_m = 1000, pq_nbits = 2);
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE found) AS ivf_hwide_pq_found, count(*) AS ivf_hwide_rows FROM (
    SELECT w.id, (SELECT x.id FROM ivf_hwide x ORDER BY x.v <=> w.v LIMIT 1) = w.id AS found FROM ivf_hwide w) s;
SELECT count(*) AS ivf_hwide_pq_problems FROM vecdb.verify_index('ivf_hwide_pq');
DROP INDEX ivf_hwide_pq;
CREATE INDEX ivf_hwide_ivf ON ivf_hwide USING ivf (v halfvec_cosine_ops) WITH (lists = 2);
SELECT count(*) FILTER (WHERE found) AS ivf_hwide_found, count(*) AS ivf_hwide_rows FROM (
    SELECT w.id, (SELECT x.id FROM ivf_hwide x ORDER BY x.v <=> w.v LIMIT 1) = w.id AS found FROM ivf_hwide w) s;
SELECT count(*) AS ivf_hwide_problems FROM vecdb.verify_index('ivf_hwide_ivf');
RESET enable_seqscan;
DROP TABLE ivf_wide, ivf_hwide;

-- VACUUM takes the posting pages a DELETE left empty off their chains
-- (a later VACUUM frees them once no transaction can still walk through)
CREATE TABLE ivf_churn (id int, v vector(2));
INSERT INTO ivf_churn SELECT i, ARRAY[CASE WHEN i % 2 = 0 THEN 100 ELSE -100 END + i % 7, i % 5]::real[]::vector
FROM generate_series(1, 6000) i;
CREATE INDEX ivf_churn_idx ON ivf_churn USING ivf (v) WITH (lists = 2);
SELECT data_pages AS churn_pages_before FROM vecdb.index_stats('ivf_churn_idx') \gset
DELETE FROM ivf_churn WHERE id % 2 = 0;
VACUUM ivf_churn;
SELECT data_pages < :churn_pages_before - 5 AS empty_pages_unlinked, entries FROM vecdb.index_stats('ivf_churn_idx');
SELECT count(*) AS churn_problems FROM vecdb.verify_index('ivf_churn_idx');
INSERT INTO ivf_churn SELECT i, ARRAY[100 + i % 7, i % 5]::real[]::vector FROM generate_series(6001, 6300) i;
-- the nearest list alone holds exactly the rows inserted after the VACUUM
SET vecdb.ivf_probes = 1;
SET vecdb.iterative_scan = off;
SET enable_seqscan = off;
SELECT count(*) AS churn_found, min(id) > 6000 AS only_new_rows
FROM (SELECT id FROM ivf_churn ORDER BY v <-> '[103,2]' LIMIT 1000) s;
RESET enable_seqscan;
RESET vecdb.iterative_scan;
SELECT count(*) AS churn_problems_after_inserts FROM vecdb.verify_index('ivf_churn_idx');
SELECT lists, entries, empty_lists FROM vecdb.ivf_list_stats('ivf_churn_idx');
DROP TABLE ivf_churn;

-- options and errors
CREATE INDEX ON ivf_pts USING ivf (v) WITH (lists = 0);
CREATE INDEX ON ivf_pts USING ivf (v) WITH (lists = 40000);
CREATE INDEX ON ivf_pts USING ivf (v) WITH (quantizer = 'pq4');
CREATE INDEX ON ivf_pts USING ivf (v) WITH (quantizer = 'pq', pq_m = 5);
CREATE INDEX ON ivf_pts USING ivf (v) WITH (quantizer = 'pq', pq_m = 0);
CREATE INDEX ON ivf_pts USING ivf (v) WITH (quantizer = 'pq', pq_nbits = 9);
CREATE INDEX ON ivf_pts USING ivf (v) WITH (quantizer = 'pq', pq_nbits = 0);
CREATE INDEX ON ivf_pts USING ivf (v) WITH (pq_m = 6);
CREATE INDEX ON ivf_pts USING ivf (v) WITH (quantizer = 'sq8', pq_nbits = 4);
CREATE INDEX ON ivf_bits USING ivf (v) WITH (quantizer = 'pq');
CREATE INDEX ON ivf_pts USING ivf (v) WITH (probes = 3);
CREATE INDEX ON ivf_bits USING ivf (v) WITH (quantizer = 'sq8');
CREATE INDEX ON ivf_pts USING ivf (v vector_l1_ops);
SET vecdb.ivf_probes = 0;
SET vecdb.rerank = -1;
CREATE INDEX ivf_pts_ivf ON ivf_pts USING ivf (v) WITH (lists = 10);
SET enable_seqscan = off;
SELECT id FROM ivf_pts ORDER BY v <-> '[1,2]' LIMIT 1;
SELECT count(*) FROM ivf_pts WHERE v IS NULL;
RESET enable_seqscan;
SELECT * FROM vecdb.ivf_list_stats('ivf_pts');
CREATE INDEX ivf_pts_flat ON ivf_pts USING flat (v);
SELECT * FROM vecdb.ivf_list_stats('ivf_pts_flat');
