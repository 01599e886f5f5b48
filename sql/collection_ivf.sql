-- Collections over the ivf index: IVF_FLAT / IVF_SQ8 / IVF_PQ map to the
-- access method with Milvus's parameters (nlist, m, nbits; nprobe at
-- search), search goes through it, and recall@10 of a filtered batch search
-- against exact distances is at least 0.95.
\set VERBOSITY terse
SELECT vecdb.create_collection('ivfc', '{"fields": [
  {"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 8}},
  {"name": "grp", "type": "INT32"}]}'::jsonb);
SELECT (vecdb.insert('ivfc', (SELECT jsonb_agg(jsonb_build_object(
          'id', i, 'grp', i % 5,
          'v', (SELECT jsonb_agg(round(sin(i * (k + 1) * 0.731 + k)::numeric, 5)) FROM generate_series(0, 7) k)))
        FROM generate_series(1, 2000) i)))->'insert_count';
CREATE TEMP TABLE q AS
SELECT n, (SELECT array_agg(round(cos(n * (k + 3) * 0.517 + k)::numeric, 5) ORDER BY k) FROM generate_series(0, 7) k)::real[]::vector(8) AS v
  FROM generate_series(1, 20) n;
-- exact answers, before there is an index
CREATE TEMP TABLE exact AS
SELECT q.n AS query_no, s.id FROM q CROSS JOIN LATERAL (
  SELECT id FROM ivfc WHERE grp <> 2 ORDER BY v <-> q.v LIMIT 10) s;
-- recall@10 of a batch search with a filter (nprobe as a search parameter)
-- through the index of each type (and whether the plain query's plan is an
-- index scan on it)
CREATE FUNCTION pg_temp.ivf_recall(index_type text, params jsonb, probes int,
                                   OUT hits bigint, OUT recall_ok boolean, OUT index_used boolean) LANGUAGE plpgsql AS $$
DECLARE plan text; line text;
BEGIN
    PERFORM vecdb.create_index('ivfc', 'v', index_type, 'L2', params);
    CREATE TEMP TABLE got AS
    SELECT query_no, id::bigint FROM vecdb.search('ivfc', (SELECT jsonb_agg(v::text::jsonb ORDER BY n) FROM q),
                                                  top_k => 10, filter => 'grp != 2',
                                                  params => jsonb_build_object('nprobe', probes));
    SELECT count(*), (SELECT count(*) FROM got JOIN exact USING (query_no, id))::float8 / 200 >= 0.95
      INTO hits, recall_ok FROM got;
    plan := '';
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT id FROM ivfc ORDER BY v <-> ''[0,0,0,0,0,0,0,0]'' LIMIT 10' LOOP
        plan := plan || line || ' ';
    END LOOP;
    index_used := plan LIKE '%Index Scan%' AND plan NOT LIKE '%Sort%';
    DROP TABLE got;
    PERFORM vecdb.drop_index('ivfc', 'v');
END
$$;
SELECT 'IVF_FLAT' AS index_type, * FROM pg_temp.ivf_recall('IVF_FLAT', '{"nlist": 16}', 8);
SELECT 'IVF_SQ8' AS index_type, * FROM pg_temp.ivf_recall('IVF_SQ8', '{"nlist": 16}', 8);
SELECT 'IVF_PQ' AS index_type, * FROM pg_temp.ivf_recall('IVF_PQ', '{"nlist": 16, "m": 4, "nbits": 8}', 8);
-- nprobe is set for the search only
SELECT current_setting('vecdb.ivf_probes') AS probes_after;
SELECT vecdb.drop_collection('ivfc');
