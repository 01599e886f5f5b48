-- Collections over the hnsw index: Milvus's HNSW parameters map to the
-- access method, search goes through it, ef is a search parameter, and
-- recall against exact search stays high.
\set VERBOSITY terse
SELECT vecdb.create_collection('ann', '{"fields": [
  {"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 8}},
  {"name": "grp", "type": "INT32"}]}'::jsonb);
SELECT (vecdb.insert('ann', (SELECT jsonb_agg(jsonb_build_object(
          'id', i, 'grp', i % 5,
          'v', (SELECT jsonb_agg(round(sin(i * (k + 1) * 0.731 + k)::numeric, 5)) FROM generate_series(0, 7) k)))
        FROM generate_series(1, 2000) i)))->'insert_count';
CREATE TEMP TABLE q AS
SELECT n, (SELECT array_agg(round(cos(n * (k + 3) * 0.517 + k)::numeric, 5) ORDER BY k) FROM generate_series(0, 7) k)::real[]::vector(8) AS v
  FROM generate_series(1, 20) n;
-- exact answers, before there is an index
CREATE TEMP TABLE exact AS
SELECT q.n AS query_no, s.id FROM q CROSS JOIN LATERAL (
  SELECT id FROM ann WHERE grp <> 2 ORDER BY v <-> q.v LIMIT 10) s;
SELECT vecdb.create_index('ann', 'v', 'HNSW', 'L2', '{"M": 16, "efConstruction": 80}');
SELECT vecdb.describe_index('ann', 'v') - 'pg_index';
SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'ann'::regclass AND indexrelid::regclass::text LIKE '%_v_%';
-- recall@10 of a batch search (with ef and a filter) against exact distances
CREATE TEMP TABLE got AS
SELECT query_no, id::bigint FROM vecdb.search('ann', (SELECT jsonb_agg(v::text::jsonb ORDER BY n) FROM q),
                                              top_k => 10, filter => 'grp != 2', params => '{"ef": 200}');
SELECT count(*) AS hits, (SELECT count(*) FROM got JOIN exact USING (query_no, id))::float8 / 200 >= 0.95 AS recall_ok
  FROM got;
-- the search went through the index
SELECT pg_stat_force_next_flush();
SELECT sum(seq_scan) AS scans_before FROM pg_stat_user_tables WHERE relid IN (SELECT relid FROM pg_partition_tree('ann')) \gset
SELECT count(*) FROM vecdb.search('ann', '[0,0,0,0,0,0,0,0]', top_k => 5);
SELECT pg_stat_force_next_flush();
SELECT sum(seq_scan) - :scans_before AS seq_scans FROM pg_stat_user_tables WHERE relid IN (SELECT relid FROM pg_partition_tree('ann'));
-- ef is set for the search only
SELECT current_setting('vecdb.hnsw_ef_search');
-- errors
SELECT * FROM vecdb.search('ann', '[0,0,0,0,0,0,0,0]', params => '{"ef": "many"}');
SELECT * FROM vecdb.search('ann', '[0,0,0,0,0,0,0,0]', params => '{"ef": 5000}');
SELECT vecdb.drop_index('ann', 'v');
-- HNSW_SQ is hnsw with the sq8 quantizer: exact distances after rerank
SELECT vecdb.create_index('ann', 'v', 'HNSW_SQ', 'L2', '{"M": 8}');
SELECT pg_get_indexdef(indexrelid) LIKE '%quantizer=sq8%' AS sq8 FROM pg_index
 WHERE indrelid = 'ann'::regclass AND indexrelid::regclass::text LIKE '%_v_%';
SELECT count(*), bool_and(distance = (SELECT v <-> '[0,0,0,0,0,0,0,0]' FROM ann WHERE ann.id::text = s.id))
  FROM vecdb.search('ann', '[0,0,0,0,0,0,0,0]', top_k => 5) s;
SELECT vecdb.drop_index('ann', 'v');
SELECT vecdb.create_index('ann', 'v', 'HNSW', params => '{"M": 8, "ef": 10}');
SELECT vecdb.create_index('ann', 'v', 'HNSW', params => '{"M": 1}');
SELECT vecdb.drop_collection('ann');
