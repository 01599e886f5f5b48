-- Collections: vecdb.search keeps each statement shape prepared for the
-- session; every catalog change (rename, drop + recreate, alias moves,
-- partitions, indexes, properties, a rolled-back DDL) must be seen by the
-- very next call in the same session. Cross-session changes: TAP 011.
\set VERBOSITY terse
SELECT vecdb.create_collection('c1', 2);
SELECT vecdb.create_collection('c2', 2);
SELECT (vecdb.insert('c1', '[{"id": 1, "vector": [0, 0]}, {"id": 2, "vector": [1, 1]}]'))->'insert_count';
SELECT (vecdb.insert('c2', '[{"id": 10, "vector": [5, 5]}, {"id": 20, "vector": [0.1, 0]}]'))->'insert_count';
SELECT query_no, id, distance FROM vecdb.search('c1', '[0, 0]', top_k => 1);
-- an alias shape, then the alias moves
SELECT vecdb.create_alias('c1', 'cur');
SELECT id FROM vecdb.search('cur', '[0, 0]', top_k => 1);
SELECT vecdb.alter_alias('c2', 'cur');
SELECT id FROM vecdb.search('cur', '[0, 0]', top_k => 1);
SELECT vecdb.drop_alias('cur');
SELECT id FROM vecdb.search('cur', '[0, 0]', top_k => 1);
-- rename: the old name is gone, the new one answers
SELECT vecdb.rename_collection('c1', 'c1b');
SELECT id FROM vecdb.search('c1', '[0, 0]', top_k => 1);
SELECT id FROM vecdb.search('c1b', '[0, 0]', top_k => 1);
-- drop and recreate under the same name with another dimension and rows
SELECT vecdb.drop_collection('c1b');
SELECT vecdb.create_collection('c1b', 3);
SELECT (vecdb.insert('c1b', '[{"id": 7, "vector": [1, 2, 3]}]'))->'insert_count';
SELECT id, distance FROM vecdb.search('c1b', '[1, 2, 3]', top_k => 1);
SELECT id FROM vecdb.search('c1b', '[0, 0]', top_k => 1);
-- a rolled-back drop: the shape built inside the transaction is forgotten
BEGIN;
SELECT vecdb.drop_collection('c2');
SELECT id FROM vecdb.search('c2', '[0, 0]', top_k => 1);
ROLLBACK;
SELECT id FROM vecdb.search('c2', '[0, 0]', top_k => 1);
-- a rolled-back create: a shape built for it must not outlive it
BEGIN;
SELECT vecdb.create_collection('ghost', 2);
SELECT count(*) FROM vecdb.search('ghost', '[0, 0]', top_k => 1);
ROLLBACK;
SELECT count(*) FROM vecdb.search('ghost', '[0, 0]', top_k => 1);
-- partitions: a named partition appears and disappears
SELECT vecdb.create_partition('c2', 'p');
SELECT (vecdb.insert('c2', '[{"id": 30, "vector": [0, 0]}]', 'p'))->'insert_count';
SELECT id FROM vecdb.search('c2', '[0, 0]', top_k => 5, partition_names => ARRAY['p']);
SELECT vecdb.drop_partition('c2', 'p');
SELECT id FROM vecdb.search('c2', '[0, 0]', top_k => 5, partition_names => ARRAY['p']);
-- a field's filter shape after the collection is recreated with other fields
SELECT vecdb.create_collection('f', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "k", "type": "INT32"}]}'::jsonb);
SELECT (vecdb.insert('f', '[{"id": 1, "v": [0, 0], "k": 1}, {"id": 2, "v": [0, 1], "k": 2}]'))->'insert_count';
SELECT id FROM vecdb.search('f', '[0, 0]', filter => 'k == 2');
SELECT vecdb.drop_collection('f');
SELECT vecdb.create_collection('f', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "j", "type": "INT32"}]}'::jsonb);
SELECT id FROM vecdb.search('f', '[0, 0]', filter => 'k == 2');
-- an index created after the shape was built is used (results stay exact with flat)
SELECT vecdb.create_index('c2', 'vector', 'FLAT', 'L2');
SELECT id FROM vecdb.search('c2', '[0, 0]', top_k => 2);
-- a batch (one plan, several vectors) and the same shape with other values
SELECT query_no, id FROM vecdb.search('c2', '[[0, 0], [5, 5]]', top_k => 1);
SELECT query_no, id FROM vecdb.search('c2', '[[5, 5], [0, 0]]', top_k => 1);
-- more shapes than the cache holds (64): every one still answers (1 + 79 * 2 rows)
SELECT count(*), count(DISTINCT s.id) FROM generate_series(1, 80) k,
       LATERAL vecdb.search('c2', '[0, 0]', top_k => k) s;
SELECT vecdb.drop_collection('c1b');
SELECT vecdb.drop_collection('c2');
SELECT vecdb.drop_collection('f');
-- a search whose rows run another search (a row-level security policy
-- calling vecdb.search): each inner call with its own shape (70 of them,
-- more than the cache holds) must not free the outer call's statement
SELECT vecdb.create_collection('outer_c', 2);
SELECT vecdb.create_collection('inner_c', 2);
SELECT (vecdb.insert('outer_c', (SELECT jsonb_agg(jsonb_build_object('id', i, 'vector', jsonb_build_array(i, 0)))
                                   FROM generate_series(1, 70) i)))->'insert_count';
SELECT (vecdb.insert('inner_c', '[{"id": 1, "vector": [0, 0]}, {"id": 2, "vector": [1, 1]}]'))->'insert_count';
CREATE FUNCTION public.inner_hits(k bigint) RETURNS bigint LANGUAGE sql AS
  $$SELECT count(*) FROM vecdb.search('inner_c', '[0, 0]', top_k => k::integer)$$;
ALTER TABLE outer_c ENABLE ROW LEVEL SECURITY;
ALTER TABLE outer_c FORCE ROW LEVEL SECURITY;
CREATE POLICY nested ON outer_c USING (public.inner_hits(id) >= 1);
SELECT count(*), min(id::int), max(id::int) FROM vecdb.search('outer_c', '[0, 0]', top_k => 70);
SELECT query_no, count(*) FROM vecdb.search('outer_c', '[[0, 0], [70, 0]]', top_k => 3, group_by_field => 'id', group_size => 1)
 GROUP BY query_no ORDER BY query_no;
-- and the outer shape is still kept and right afterwards
SELECT count(*) FROM vecdb.search('outer_c', '[0, 0]', top_k => 70);
DROP POLICY nested ON outer_c;
DROP FUNCTION public.inner_hits(bigint);
SELECT vecdb.drop_collection('outer_c');
SELECT vecdb.drop_collection('inner_c');
-- inlined at plan time: a prepared call with constant options plans the
-- shape's statement itself (the index scan under the vecdb.search gate);
-- one vector runs it, a batch or bad data the function, with its errors
SELECT vecdb.create_collection('inl', 2);
SELECT (vecdb.insert('inl', '[{"id": 1, "vector": [0, 0]}, {"id": 2, "vector": [1, 1]}, {"id": 3, "vector": [2, 2]}]'))->'insert_count';
SELECT vecdb.create_index('inl', 'vector', 'FLAT', 'L2');
PREPARE inl(text) AS SELECT query_no, id, round(distance::numeric, 4) AS d FROM vecdb.search('inl', $1, top_k => 2, filter => 'id != 1');
EXPLAIN (COSTS OFF) EXECUTE inl('[0, 0]');
EXECUTE inl('[0, 0]');
EXECUTE inl('[0, 0]');
EXECUTE inl('[0, 0]');
EXECUTE inl('[0, 0]');
EXECUTE inl('[0, 0]');
EXECUTE inl('[2.1, 2]');
SELECT generic_plans > 0 AS generic FROM pg_prepared_statements WHERE name = 'inl';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE inl('[[0, 0], [2, 2]]');
EXECUTE inl('[[0, 0], [2, 2]]');
EXECUTE inl('[0]');
EXECUTE inl('{"a": 1}');
EXECUTE inl(NULL);
-- the same with jsonb data
PREPARE inl_j(jsonb) AS SELECT query_no, id FROM vecdb.search('inl', $1, top_k => 1);
EXECUTE inl_j('[1.1, 1]');
EXECUTE inl_j('[[1.1, 1], [0, 0]]');
-- privileges and row-level security apply to the inlined statement, for
-- the role that runs it (the plan is not reused across roles)
CREATE ROLE inl_reader;
GRANT USAGE ON SCHEMA vecdb TO inl_reader;
SET ROLE inl_reader;
EXECUTE inl('[0, 0]');
RESET ROLE;
GRANT SELECT ON inl TO inl_reader;
ALTER TABLE inl ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_three ON inl TO inl_reader USING (id = 3);
SET ROLE inl_reader;
EXECUTE inl('[0, 0]');
RESET ROLE;
EXECUTE inl('[0, 0]');
DROP POLICY only_three ON inl;
REVOKE SELECT ON inl FROM inl_reader;
REVOKE USAGE ON SCHEMA vecdb FROM inl_reader;
DROP ROLE inl_reader;
-- a catalog change replans it (the dropped collection is gone)
SELECT vecdb.drop_collection('inl');
EXECUTE inl('[0, 0]');
DEALLOCATE inl;
DEALLOCATE inl_j;
