-- Collections with a partition key: _default is split by HASH of the key
-- into num_partitions tables; a filter on the key prunes the others, and
-- search over all of them is still the exact global top-k.
\set VERBOSITY terse
SELECT vecdb.create_collection('tenants', '{
  "num_partitions": 4,
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "tenant", "type": "VARCHAR", "params": {"max_length": 16}, "is_partition_key": true},
    {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}
  ]}'::jsonb);
SELECT vecdb.describe_collection('tenants')->'properties', vecdb.describe_collection('tenants')->'fields'->1;
SELECT c.relid::regclass AS partition_table, c.parentrelid::regclass AS parent, c.isleaf
  FROM pg_partition_tree('tenants') c ORDER BY 1::text;
SELECT (vecdb.insert('tenants', (SELECT jsonb_agg(jsonb_build_object('id', i, 'tenant', 't' || (i % 6),
          'v', jsonb_build_array(round(sin(i)::numeric, 4), round(cos(i * 0.7)::numeric, 4))))
        FROM generate_series(1, 120) i)))->'insert_count';
-- every row landed in one of the hash partitions, and they share the rows
SELECT count(DISTINCT tableoid) AS tables_used, count(*) AS rows FROM tenants;
SELECT vecdb.create_index('tenants', 'v', 'FLAT');
SELECT array_agg(id ORDER BY distance, id)::text =
       (SELECT array_agg(id ORDER BY d, id)::text FROM (SELECT id::text, v <-> '[0.1,0.2]' AS d FROM tenants
         WHERE tenant = 't3' ORDER BY 2 LIMIT 5) s) AS filtered_exact
  FROM vecdb.search('tenants', '[0.1, 0.2]', top_k => 5, filter => 'tenant == "t3"');
SELECT array_agg(id ORDER BY distance, id)::text =
       (SELECT array_agg(id ORDER BY d, id)::text FROM (SELECT id::text, v <-> '[0.1,0.2]' AS d FROM tenants
         ORDER BY 2 LIMIT 7) s) AS global_exact
  FROM vecdb.search('tenants', '[0.1, 0.2]', top_k => 7);
-- a filter on the key reads one hash partition (of four)
CREATE FUNCTION pg_temp.tables_scanned(query text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE line text; n integer := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF line ~ 'Scan.* on "tenants\$_default\$[0-9]+"' THEN n := n + 1; END IF;
    END LOOP;
    RETURN n;
END $$;
SELECT pg_temp.tables_scanned($$SELECT id FROM tenants WHERE tenant = 't3' ORDER BY v <-> '[0.1,0.2]' LIMIT 5$$) AS with_key,
       pg_temp.tables_scanned($$SELECT id FROM tenants ORDER BY v <-> '[0.1,0.2]' LIMIT 5$$) AS without_key;
-- upsert replaces within the key's partition
SELECT vecdb.upsert('tenants', '{"id": 3, "tenant": "t3", "v": [9, 9]}')->'upsert_count';
SELECT id, tenant, v FROM tenants WHERE id = 3;
SELECT vecdb.load('tenants') > 0 AS loaded;
-- errors
SELECT vecdb.create_partition('tenants', 'p1');
SELECT vecdb.create_collection('bad', '{"num_partitions": 4, "fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"num_partitions": 2000, "fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "k", "type": "INT64", "is_partition_key": true}, {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "k", "type": "DOUBLE", "is_partition_key": true}, {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true, "is_partition_key": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "a", "type": "INT64", "is_partition_key": true}, {"name": "b", "type": "INT64", "is_partition_key": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.has_collection('bad');
-- the default number of partitions is 16
SELECT vecdb.create_collection('sixteen', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "k", "type": "INT64", "is_partition_key": true}, {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT count(*) FILTER (WHERE isleaf) AS hash_tables FROM pg_partition_tree('sixteen');
SELECT vecdb.drop_collection('sixteen');
SELECT vecdb.drop_collection('tenants');
SELECT count(*) AS partitions_left FROM vecdb.partitions;
