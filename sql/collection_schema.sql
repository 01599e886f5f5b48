-- Collections: create (schema dict and quick form), describe, list, rename,
-- properties, drop; every error path leaves nothing behind.
\set VERBOSITY terse
-- quick setup: id INT64 primary key, a FLOAT_VECTOR field, dynamic fields on
SELECT vecdb.create_collection('quick_setup', dimension => 4);
SELECT vecdb.has_collection('quick_setup'), vecdb.has_collection('nope');
SELECT jsonb_pretty(vecdb.describe_collection('quick_setup'));
\d quick_setup
-- quick form with options
SELECT vecdb.create_collection('quick_str', 8, metric_type => 'cosine', primary_field_name => 'pk',
                               id_type => 'varchar', vector_field_name => 'emb', max_length => 20,
                               enable_dynamic_field => false, description => 'string keys');
\d quick_str
SELECT vecdb.describe_collection('quick_str')->'fields';
-- a schema given as an untyped literal (as drivers send a json parameter)
SELECT vecdb.create_collection('untyped', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}');
SELECT vecdb.drop_collection('untyped');
SELECT vecdb.create_collection('untyped', 'not json');

-- every field type, in pymilvus's schema dict shape (type names in any case)
SELECT vecdb.create_collection('all_types', '{
  "description": "one field of each type",
  "enable_dynamic_field": true,
  "fields": [
    {"name": "pk", "type": "Int64", "is_primary": true, "auto_id": true},
    {"name": "b", "type": "BOOL", "default_value": true},
    {"name": "i8", "type": "int8", "nullable": true},
    {"name": "i16", "type": "INT16", "default_value": -7},
    {"name": "i32", "type": "INT32"},
    {"name": "i64", "type": "INT64", "description": "a big number"},
    {"name": "f", "type": "FLOAT", "default_value": 1.5},
    {"name": "d", "type": "DOUBLE", "nullable": true},
    {"name": "s", "type": "VARCHAR", "params": {"max_length": 10}, "default_value": "none"},
    {"name": "j", "type": "JSON", "nullable": true},
    {"name": "arr", "type": "ARRAY", "params": {"element_type": "INT32", "max_capacity": 3}},
    {"name": "sarr", "type": "ARRAY", "element_type": "VARCHAR", "max_length": 5, "max_capacity": 2},
    {"name": "fv", "type": "FLOAT_VECTOR", "params": {"dim": 3}},
    {"name": "hv", "type": "FLOAT16_VECTOR", "params": {"dim": 2}, "metric_type": "IP"},
    {"name": "sv", "type": "SPARSE_FLOAT_VECTOR"},
    {"name": "bv", "type": "BINARY_VECTOR", "params": {"dim": 16}, "metric_type": "jaccard"}
  ]}'::jsonb);
\d all_types
SELECT jsonb_pretty(vecdb.describe_collection('all_types') - 'created_at');
SELECT * FROM vecdb.list_collections();

-- properties
SELECT vecdb.alter_collection_properties('all_types', '{"collection.ttl.seconds": 3600, "mmap.enabled": "true"}');
SELECT vecdb.describe_collection('all_types')->'properties';
SELECT vecdb.alter_collection_properties('all_types', '{"mmap.enabled": null}');
SELECT vecdb.describe_collection('all_types')->'properties';
SELECT vecdb.alter_collection_properties('all_types', '{"bad key": 1}');
SELECT vecdb.alter_collection_properties('all_types', '[1]');

-- rename: table and catalog move together
SELECT vecdb.rename_collection('quick_str', 'renamed');
SELECT vecdb.has_collection('quick_str'), vecdb.has_collection('renamed');
SELECT to_regclass('public.renamed') IS NOT NULL AS table_renamed, to_regclass('public.quick_str') AS old_table;
SELECT vecdb.describe_collection('renamed')->'fields'->0->>'name';
SELECT vecdb.rename_collection('renamed', 'quick_setup');
SELECT vecdb.rename_collection('nope', 'x');
SELECT vecdb.rename_collection('renamed', 'bad-name');

-- errors: each leaves no table and no catalog row
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM vecdb.collections) AS collections, (SELECT count(*) FROM vecdb.fields) AS fields,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS relations;
SELECT vecdb.create_collection('quick_setup', 4);
SELECT vecdb.create_collection('9lives', 4);
SELECT vecdb.create_collection('has space', 4);
SELECT vecdb.create_collection('', 4);
SELECT vecdb.create_collection(repeat('n', 64), 4);
SELECT vecdb.create_collection(repeat('é', 32), 4);
SELECT vecdb.create_collection('c', 0);
SELECT vecdb.create_collection('c', 16001);
SELECT vecdb.create_collection('c', 4, metric_type => 'hamming');
SELECT vecdb.create_collection('c', 4, id_type => 'int32');
SELECT vecdb.create_collection('c', 4, id_type => 'varchar', auto_id => true);
SELECT vecdb.create_collection('c', '[]'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": []}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true}], "shards": 2}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "b", "type": "INT64", "is_primary": true}, {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "a", "type": "INT32"}, {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "DOUBLE", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "BFLOAT16_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR"}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": "four"}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "BINARY_VECTOR", "params": {"dim": 12}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "s", "type": "VARCHAR"}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "s", "type": "VARCHAR", "params": {"max_length": 70000}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "x", "type": "ARRAY", "params": {"element_type": "JSON", "max_capacity": 2}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "x", "type": "ARRAY", "params": {"element_type": "INT64"}}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}, "nullable": true}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "n", "type": "INT8", "default_value": 300}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "n", "type": "VARCHAR", "params": {"max_length": 2}, "default_value": "long"}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "n", "type": "INT64", "auto_id": true}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "n", "type": "INT64", "colour": 1}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "n-1", "type": "INT64"}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "$meta", "type": "JSON"}]}'::jsonb);
SELECT vecdb.create_collection('c', '{"fields": [{"name": "a", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}, "metric_type": "HAMMING"}]}'::jsonb);
SELECT vecdb.create_collection('c', 4, db_name => 'no_such_schema');
-- a table of that name already exists (not a collection)
CREATE TABLE plain_table (x int);
SELECT vecdb.create_collection('plain_table', 4);
DROP TABLE plain_table;
-- an error after the table was created rolls everything back
SELECT vecdb.create_collection('c', 4) FROM (VALUES (1), (2)) v;
SELECT vecdb.has_collection('c');
SELECT (SELECT count(*) FROM vecdb.collections) = b.collections AS same_collections,
       (SELECT count(*) FROM vecdb.fields) = b.fields AS same_fields,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace) = b.relations AS same_relations
  FROM before b;

-- a collection in another schema
CREATE SCHEMA milvus_db;
SELECT vecdb.create_collection('in_schema', 2, db_name => 'milvus_db');
SELECT vecdb.describe_collection('in_schema')->>'table';
SELECT vecdb.insert('in_schema', '{"id": 1, "vector": [1, 2]}');
SELECT * FROM milvus_db.in_schema;
SELECT vecdb.drop_collection('in_schema');
DROP SCHEMA milvus_db;

-- drop
SELECT vecdb.drop_collection('quick_setup');
SELECT vecdb.drop_collection('quick_setup');
SELECT vecdb.drop_collection('all_types');
SELECT vecdb.drop_collection('renamed');
SELECT count(*) AS collections_left FROM vecdb.collections;
SELECT count(*) AS fields_left FROM vecdb.fields;
SELECT count(*) AS partitions_left FROM vecdb.partitions;
