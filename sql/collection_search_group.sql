-- Collections: group_by_field runs through the index (hits in distance
-- order, the best group_size of each group, stopping once skip + top_k
-- groups are full) and equals the exact grouping in plain SQL: with a flat
-- index, with hnsw at an ef that reaches every row, and without an index.
\set VERBOSITY terse
SELECT vecdb.create_collection('gp', '{
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 4}},
    {"name": "g", "type": "INT32", "nullable": true},
    {"name": "tag", "type": "VARCHAR", "params": {"max_length": 8}},
    {"name": "price", "type": "INT32"}
  ]}'::jsonb);
SELECT (vecdb.insert('gp', (SELECT jsonb_agg(jsonb_build_object(
          'id', i,
          'v', jsonb_build_array(round(sin(i * 0.37)::numeric, 5), round(cos(i * 0.91)::numeric, 5),
                                 round(sin(i * 1.73)::numeric, 5), round(((i % 23) / 23.0)::numeric, 5)),
          'g', CASE WHEN i % 41 = 0 THEN NULL ELSE i % 30 END,
          'tag', 't' || (i % 7),
          'price', (i * 37) % 101))
        FROM generate_series(1, 900) i)))->'insert_count';
CREATE TEMP TABLE queries (n int, q vector(4));
INSERT INTO queries VALUES (1, '[0.1,0.2,0.3,0.4]'), (2, '[-0.5,0.9,0.1,0.2]'), (3, '[0.77,-0.3,0.6,0.9]');

-- the api's rows in its own order vs the exact grouping written by hand:
-- groups rank by their best hit (then the group value), hits by distance;
-- query_no counts the queries cond keeps
CREATE FUNCTION pg_temp.check(search text, k int, size int, skip int, cond text, field text DEFAULT 'g')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text; h text;
BEGIN
    EXECUTE format('SELECT string_agg(query_no || '':'' || id || ''@'' || round(distance::numeric, 6), '' '' ORDER BY o)
                      FROM %s WITH ORDINALITY AS s(query_no, id, distance, entity, o)', search) INTO a;
    EXECUTE format($q$
        WITH d AS (SELECT dense_rank() OVER (ORDER BY q.n) AS n, p.id, p.%1$I AS grp, p.v <-> q.q AS distance
                     FROM queries q, gp p WHERE %2$s),
             r AS (SELECT *, row_number() OVER (PARTITION BY n, grp ORDER BY distance) AS rn,
                          min(distance) OVER (PARTITION BY n, grp) AS best FROM d),
             k AS (SELECT n, grp, best, dense_rank() OVER (PARTITION BY n ORDER BY best, grp) AS grank
                     FROM (SELECT DISTINCT n, grp, best FROM r) x)
        SELECT string_agg(r.n || ':' || r.id || '@' || round(r.distance::numeric, 6), ' ' ORDER BY r.n, k.grank, r.distance)
          FROM r JOIN k ON k.n = r.n AND k.grp IS NOT DISTINCT FROM r.grp
         WHERE r.rn <= %3$s AND k.grank > %4$s AND k.grank <= %4$s + %5$s$q$, field, cond, size, skip, k) INTO h;
    RETURN CASE WHEN a = h THEN 'same (' || (length(a) - length(replace(a, ' ', '')) + 1) || ' hits)'
                ELSE 'DIFFERENT: ' || coalesce(a, 'none') || ' vs ' || coalesce(h, 'none') END;
END $$;

-- the same checks with each index in turn
CREATE FUNCTION pg_temp.checks() RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
    RETURN NEXT pg_temp.check($$vecdb.search('gp', '[0.1,0.2,0.3,0.4]', 'v', top_k => 3, group_by_field => 'g', group_size => 2)$$,
                              3, 2, 0, 'q.n = 1');
    RETURN NEXT pg_temp.check($$vecdb.search('gp', '[[0.1,0.2,0.3,0.4],[-0.5,0.9,0.1,0.2],[0.77,-0.3,0.6,0.9]]', 'v',
                                             top_k => 5, group_by_field => 'g', group_size => 3, skip => 2)$$,
                              5, 3, 2, 'true');
    -- every group (30 + the NULL group), 4 hits each
    RETURN NEXT pg_temp.check($$vecdb.search('gp', '[-0.5,0.9,0.1,0.2]', 'v', top_k => 40, group_by_field => 'g', group_size => 4)$$,
                              40, 4, 0, 'q.n = 2');
    RETURN NEXT pg_temp.check($$vecdb.search('gp', '[0.77,-0.3,0.6,0.9]', 'v', top_k => 4, group_by_field => 'tag', group_size => 5,
                                             filter => 'price > 50 and g != 3')$$,
                              4, 5, 0, 'q.n = 3 AND p.price > 50 AND p.g <> 3', 'tag');
    -- range search inside the groups
    RETURN NEXT pg_temp.check($$vecdb.search('gp', '[0.1,0.2,0.3,0.4]', 'v', top_k => 6, group_by_field => 'tag', group_size => 2,
                                             radius => 0.9, range_filter => 0.4)$$,
                              6, 2, 0, 'q.n = 1 AND p.v <-> q.q < 0.9 AND p.v <-> q.q >= 0.4', 'tag');
    -- fewer matching rows than groups x size: everything that matches
    RETURN NEXT pg_temp.check($$vecdb.search('gp', '[0.1,0.2,0.3,0.4]', 'v', top_k => 10, group_by_field => 'g', group_size => 10,
                                             filter => 'price == 7')$$,
                              10, 10, 0, 'q.n = 1 AND p.price = 7');
END $f$;

-- no vector index (a sorted scan of the table)
SELECT * FROM pg_temp.checks();
SELECT query_no, id, entity FROM vecdb.search('gp', '[0.1,0.2,0.3,0.4]', 'v', top_k => 2, group_by_field => 'g', group_size => 2,
                                              output_fields => ARRAY['tag']);
-- flat: exact, in index order
SELECT vecdb.create_index('gp', 'v', 'FLAT', 'L2');
SELECT * FROM pg_temp.checks();
-- the stream stops early: a few index fetches, not the table
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE before AS SELECT idx_tup_fetch, seq_tup_read FROM pg_stat_user_tables WHERE relname = 'gp$_default';
SELECT count(*) FROM vecdb.search('gp', '[0.1,0.2,0.3,0.4]', 'v', top_k => 3, group_by_field => 'g', group_size => 2);
SELECT pg_stat_force_next_flush();
SELECT s.idx_tup_fetch - b.idx_tup_fetch BETWEEN 6 AND 300 AS few_fetches, s.seq_tup_read = b.seq_tup_read AS no_seq_scan
  FROM pg_stat_user_tables s, before b WHERE s.relname = 'gp$_default';
SELECT vecdb.drop_index('gp', 'v');
-- hnsw with ef above the row count reaches every element: exact too
SELECT vecdb.create_index('gp', 'v', 'HNSW', 'L2', '{"M": 16, "efConstruction": 100}');
SET vecdb.hnsw_ef_search = 1000;
SET vecdb.iterative_scan = 'strict_order';
SELECT * FROM pg_temp.checks();
-- the default relaxed_order: a grouped search reads its stream in strict
-- order (its stop rule needs distance order), then the setting is back
RESET vecdb.iterative_scan;
SELECT * FROM pg_temp.checks();
SHOW vecdb.iterative_scan;
RESET vecdb.hnsw_ef_search;
SELECT vecdb.drop_collection('gp');

-- ties are deterministic, as the exact ORDER BY best, group value / distance,
-- primary key: every row at the same distance, groups inserted out of order
-- (the first seen is not the smallest), an integer group (10 < 9 as text)
-- and a varchar one, the NULL group last
SELECT vecdb.create_collection('gt', '{
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
    {"name": "g", "type": "INT32", "nullable": true},
    {"name": "s", "type": "VARCHAR", "params": {"max_length": 4}}
  ]}'::jsonb);
SELECT (vecdb.insert('gt', '[{"id": 30, "v": [1, 1], "g": 10, "s": "b"}, {"id": 4, "v": [1, 1], "g": 9, "s": "a"},
                             {"id": 12, "v": [1, 1], "g": null, "s": "c"}, {"id": 7, "v": [1, 1], "g": 10, "s": "a"},
                             {"id": 25, "v": [1, 1], "g": 9, "s": "b"}, {"id": 2, "v": [1, 1], "g": 10, "s": "c"},
                             {"id": 11, "v": [1, 1], "g": 9, "s": "a"}, {"id": 5, "v": [1, 1], "g": null, "s": "b"}]'))->'insert_count';
CREATE FUNCTION pg_temp.ties() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT string_agg(id || '/' || coalesce(entity->>'g', 'null'), ' ' ORDER BY o)
      FROM vecdb.search('gt', '[1, 1]', 'v', top_k => 3, group_by_field => 'g', group_size => 2) WITH ORDINALITY AS s(n, id, d, entity, o)
    UNION ALL
    SELECT string_agg(id || '/' || (entity->>'s'), ' ' ORDER BY o)
      FROM vecdb.search('gt', '[1, 1]', 'v', top_k => 2, skip => 1, group_by_field => 's', group_size => 3) WITH ORDINALITY AS s(n, id, d, entity, o)
    UNION ALL
    SELECT string_agg(id || '/' || coalesce(entity->>'g', 'null'), ' ' ORDER BY o)
      FROM vecdb.search('gt', '[1, 1]', 'v', top_k => 2, group_by_field => 'g', group_size => 1) WITH ORDINALITY AS s(n, id, d, entity, o)
$$;
SELECT * FROM pg_temp.ties();
SELECT vecdb.create_index('gt', 'v', 'FLAT', 'L2');
SELECT * FROM pg_temp.ties();
SELECT vecdb.drop_collection('gt');
