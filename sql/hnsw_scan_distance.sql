-- An hnsw scan's target list takes the distance the scan emitted instead of
-- computing it again (am/common/scan_distance): the values are the same as
-- computing them, for the ORDER BY column and query only, and a row the
-- scan did not emit as is (a HOT-updated one) is computed.
CREATE SCHEMA hnsw_sd;
SET search_path = hnsw_sd, public;
SET vecdb.hnsw_build_threads = 1;
SET jit = off;
CREATE TABLE t (id int PRIMARY KEY, v vector(3), w vector(3), h halfvec(3), note text);
INSERT INTO t SELECT i, format('[%s,%s,%s]', sin(i), cos(i * 1.3), sin(i * 0.7))::vector,
                        format('[%s,%s,%s]', cos(i), sin(i * 2.1), (i % 7) / 7.0)::vector,
                        format('[%s,%s,%s]', sin(i * 0.3), cos(i), (i % 5) / 5.0)::halfvec, 'x'
FROM generate_series(1, 300) i;
CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops);
CREATE INDEX t_w ON t USING hnsw (w vector_ip_ops);
CREATE INDEX t_h ON t USING hnsw (h halfvec_l2_ops);
SET enable_seqscan = off;
SET plan_cache_mode = force_generic_plan;

-- whether the plan of a statement computes its distances with vecdb_scan_distance
CREATE FUNCTION uses_scan_distance(stmt text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE line text; found bool := false;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || stmt LOOP
        found := found OR line LIKE '%vecdb_scan_distance(%';
    END LOOP;
    RETURN found;
END $$;

-- rows of a (id, d) result whose d is not the distance computed again
CREATE FUNCTION wrong_distances(res regclass, expr text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    -- a join (not an hnsw scan) computes the distances
    EXECUTE format('SELECT count(*) FROM %s r JOIN t USING (id) WHERE r.d IS DISTINCT FROM (%s)', res, expr) INTO n;
    RETURN n;
END $$;

PREPARE l2(vector) AS SELECT id, v <-> $1 AS d FROM t ORDER BY v <-> $1 LIMIT 20;
SELECT uses_scan_distance('EXECUTE l2(''[0.1,0.2,0.3]'')');
CREATE TEMP TABLE r_l2 AS EXECUTE l2('[0.1,0.2,0.3]');
SELECT count(*) AS rows, wrong_distances('r_l2', 't.v <-> ''[0.1,0.2,0.3]''') AS wrong FROM r_l2;

-- inner product and halfvec l2
PREPARE ip(vector) AS SELECT id, w <#> $1 AS d FROM t ORDER BY w <#> $1 LIMIT 20;
SELECT uses_scan_distance('EXECUTE ip(''[0.5,-0.2,0.9]'')');
CREATE TEMP TABLE r_ip AS EXECUTE ip('[0.5,-0.2,0.9]');
SELECT count(*) AS rows, wrong_distances('r_ip', 't.w <#> ''[0.5,-0.2,0.9]''') AS wrong FROM r_ip;
PREPARE hl2(halfvec) AS SELECT id, h <-> $1 AS d FROM t ORDER BY h <-> $1 LIMIT 20;
CREATE TEMP TABLE r_hl2 AS EXECUTE hl2('[0.3,0.6,0.1]');
SELECT count(*) AS rows, wrong_distances('r_hl2', 't.h <-> ''[0.3,0.6,0.1]''') AS wrong FROM r_hl2;

-- cosine: the same; a zero query makes every cosine distance NaN, which the
-- scan emits as Infinity and does not hand over (the rows show NaN)
CREATE INDEX t_c ON t USING hnsw (w vector_cosine_ops);
PREPARE cos(vector) AS SELECT id, w <=> $1 AS d FROM t ORDER BY w <=> $1 LIMIT 20;
SELECT uses_scan_distance('EXECUTE cos(''[0.2,0.7,-0.4]'')');
CREATE TEMP TABLE r_cos AS EXECUTE cos('[0.2,0.7,-0.4]');
SELECT count(*) AS rows, wrong_distances('r_cos', 't.w <=> ''[0.2,0.7,-0.4]''') AS wrong FROM r_cos;
CREATE TEMP TABLE r_zero AS EXECUTE cos('[0,0,0]');
SELECT count(*) AS rows, count(*) FILTER (WHERE d = 'NaN') AS nan_rows FROM r_zero;
DROP INDEX t_c;

-- another query or another column in the target list is computed (the
-- ORDER BY expression, a resjunk column, still is taken from the scan)
SELECT uses_scan_distance('SELECT id, v <-> ''[1,1,1]'' AS d FROM t ORDER BY v <-> ''[0,0,0]'' LIMIT 5');
CREATE TEMP TABLE r_other AS
    SELECT id, v <-> '[1,1,1]' AS d, w <-> '[0,0,0]' AS dw FROM t ORDER BY v <-> '[0,0,0]' LIMIT 20;
SELECT count(*) AS rows, wrong_distances('r_other', 't.v <-> ''[1,1,1]''') AS wrong,
       count(*) FILTER (WHERE dw IS DISTINCT FROM (SELECT t.w <-> '[0,0,0]' FROM t WHERE t.id = r_other.id)) AS wrong_w
FROM r_other;

-- HOT-updated rows: the scan emits the root TID, the row read is another
-- one (the function computes the distance of the row it is given)
UPDATE t SET note = 'y' WHERE id IN (SELECT id FROM r_l2);
CREATE TEMP TABLE r_hot AS EXECUTE l2('[0.1,0.2,0.3]');
SELECT count(*) AS rows, wrong_distances('r_hot', 't.v <-> ''[0.1,0.2,0.3]''') AS wrong FROM r_hot;
-- a new value for the nearest rows (not HOT: an indexed column changed)
UPDATE t SET v = '[9,9,9]' WHERE id IN (SELECT id FROM r_l2 ORDER BY d LIMIT 5);
CREATE TEMP TABLE r_moved AS EXECUTE l2('[0.1,0.2,0.3]');
SELECT count(*) AS rows, wrong_distances('r_moved', 't.v <-> ''[0.1,0.2,0.3]''') AS wrong,
       count(*) FILTER (WHERE d > 10) AS moved_returned FROM r_moved;

-- a NULL query: no rows, as before
EXECUTE l2(NULL);

-- flat hands over its distances the same way (the exhaustive collector,
-- shared with ivf): l2, l1 and halfvec, a HOT-updated row, a rescan per
-- outer row, and NULL vectors that come last with a NULL distance
DROP INDEX t_v, t_w, t_h;
CREATE INDEX f_v ON t USING flat (v vector_l2_ops);
CREATE INDEX f_w ON t USING flat (w vector_l1_ops);
CREATE INDEX f_h ON t USING flat (h halfvec_l2_ops);
PREPARE fl2(vector) AS SELECT id, v <-> $1 AS d FROM t ORDER BY v <-> $1 LIMIT 20;
SELECT uses_scan_distance('EXECUTE fl2(''[0.1,0.2,0.3]'')');
CREATE TEMP TABLE r_fl2 AS EXECUTE fl2('[0.1,0.2,0.3]');
SELECT count(*) AS rows, wrong_distances('r_fl2', 't.v <-> ''[0.1,0.2,0.3]''') AS wrong FROM r_fl2;
PREPARE fl1(vector) AS SELECT id, w <+> $1 AS d FROM t ORDER BY w <+> $1 LIMIT 20;
SELECT uses_scan_distance('EXECUTE fl1(''[0.5,-0.2,0.9]'')');
CREATE TEMP TABLE r_fl1 AS EXECUTE fl1('[0.5,-0.2,0.9]');
SELECT count(*) AS rows, wrong_distances('r_fl1', 't.w <+> ''[0.5,-0.2,0.9]''') AS wrong FROM r_fl1;
CREATE TEMP TABLE r_fh AS SELECT id, h <-> '[0.3,0.6,0.1]' AS d FROM t ORDER BY h <-> '[0.3,0.6,0.1]' LIMIT 20;
SELECT count(*) AS rows, wrong_distances('r_fh', 't.h <-> ''[0.3,0.6,0.1]''') AS wrong FROM r_fh;
UPDATE t SET note = 'z' WHERE id IN (SELECT id FROM r_fl2);
CREATE TEMP TABLE r_fhot AS EXECUTE fl2('[0.1,0.2,0.3]');
SELECT count(*) AS rows, wrong_distances('r_fhot', 't.v <-> ''[0.1,0.2,0.3]''') AS wrong FROM r_fhot;
-- a nested loop rescans the index once per outer row, each with its query
CREATE TEMP TABLE r_lateral AS
    SELECT q.n, s.id, s.d FROM generate_series(1, 5) q(n),
         LATERAL (SELECT id, v <-> format('[%s,0,0]', q.n)::vector AS d FROM t
                  ORDER BY v <-> format('[%s,0,0]', q.n)::vector LIMIT 3) s;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE d IS DISTINCT FROM (SELECT t.v <-> format('[%s,0,0]', n)::vector
                                                  FROM t WHERE t.id = r_lateral.id)) AS wrong
FROM r_lateral;
-- ivf, full vectors and sq8 with rerank (exact keys either way), and past
-- the 32 rows its 'none' scan keeps exact before re-reading what it set aside
DROP INDEX f_v, f_w, f_h;
CREATE INDEX i_v ON t USING ivf (v vector_l2_ops) WITH (lists = 4);
CREATE INDEX i_w ON t USING ivf (w vector_ip_ops) WITH (lists = 4, quantizer = 'sq8');
SET vecdb.ivf_probes = 4;
PREPARE il2(vector) AS SELECT id, v <-> $1 AS d FROM t ORDER BY v <-> $1 LIMIT 60;
SELECT uses_scan_distance('EXECUTE il2(''[0.1,0.2,0.3]'')');
CREATE TEMP TABLE r_il2 AS EXECUTE il2('[0.1,0.2,0.3]');
SELECT count(*) AS rows, wrong_distances('r_il2', 't.v <-> ''[0.1,0.2,0.3]''') AS wrong FROM r_il2;
CREATE TEMP TABLE r_iip AS SELECT id, w <#> '[0.5,-0.2,0.9]' AS d FROM t ORDER BY w <#> '[0.5,-0.2,0.9]' LIMIT 20;
SELECT count(*) AS rows, wrong_distances('r_iip', 't.w <#> ''[0.5,-0.2,0.9]''') AS wrong FROM r_iip;
RESET vecdb.ivf_probes;
DROP INDEX i_w;
CREATE INDEX f_v ON t USING flat (v vector_l2_ops);
DROP INDEX i_v;

INSERT INTO t VALUES (1001, NULL, NULL, NULL, 'null');
SELECT id, d FROM (SELECT id, v <-> '[0,0,0]' AS d FROM t ORDER BY v <-> '[0,0,0]' LIMIT 400) s
WHERE id = 1001;

DROP SCHEMA hnsw_sd CASCADE;
