-- Collections: insert, upsert, delete, get, query; type checks per field,
-- dynamic fields, and atomic batches (one bad row inserts nothing).
\set VERBOSITY terse
SELECT vecdb.create_collection('docs', '{
  "enable_dynamic_field": true,
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true, "auto_id": true},
    {"name": "title", "type": "VARCHAR", "params": {"max_length": 12}},
    {"name": "rank", "type": "INT8", "default_value": 0},
    {"name": "score", "type": "FLOAT", "nullable": true},
    {"name": "ok", "type": "BOOL", "default_value": true},
    {"name": "tags", "type": "ARRAY", "params": {"element_type": "INT16", "max_capacity": 3}, "nullable": true},
    {"name": "info", "type": "JSON", "nullable": true},
    {"name": "emb", "type": "FLOAT_VECTOR", "params": {"dim": 3}},
    {"name": "half", "type": "FLOAT16_VECTOR", "params": {"dim": 2}},
    {"name": "sparse", "type": "SPARSE_FLOAT_VECTOR"},
    {"name": "bits", "type": "BINARY_VECTOR", "params": {"dim": 8}}
  ]}'::jsonb);
-- auto_id: the ids come back
SELECT vecdb.insert('docs', '[
  {"title": "first", "emb": [1, 0, 0], "half": [1, 2], "sparse": {"0": 1.5, "7": -2}, "bits": "10110000",
   "score": 0.5, "tags": [1, 2], "info": {"a": [1, {"b": null}]}, "extra": "kept", "n": 1},
  {"title": "second", "rank": -3, "emb": [0, 1, 0], "half": [0.5, -1], "sparse": {"3": 1}, "bits": [255],
   "ok": false, "n": 2.5},
  {"title": "third", "rank": 127, "emb": [0, 0, 1.5], "half": [0, 0], "sparse": {}, "bits": "00000001",
   "score": null, "info": "just a string"}
]');
SELECT * FROM docs ORDER BY id;
SELECT e FROM vecdb.query('docs', 'id > 0', ARRAY['*']) e;
SELECT e FROM vecdb.query('docs', 'n > 1', ARRAY['title', 'n', 'missing_key']) e;
SELECT e FROM vecdb.query('docs', '', ARRAY['$meta'], top_k => 2) e;
SELECT e FROM vecdb.query('docs', 'ok', ARRAY['sparse', 'bits', 'half'], top_k => 1, skip => 1) e;
SELECT e FROM vecdb.query('docs', 'rank >= 0', ARRAY['count(*)']) e;
SELECT e FROM vecdb.get('docs', '[3, 1, 99]', ARRAY['title']) e;
SELECT e FROM vecdb.get('docs', '2') e;

-- every bad row: a clear error naming row and field, and nothing inserted
SELECT vecdb.insert('docs', '[{"title": "ok", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"},
                              {"title": "bad", "emb": [1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,"a",1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": "[1,1,1]", "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1], "half": [1,1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1], "half": [1,1], "sparse": {"-1": 1}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1], "half": [1,1], "sparse": [1], "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "0000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "0000000x"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": [1, 2]}]');
SELECT vecdb.insert('docs', '[{"title": "x", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": [256]}]');
SELECT vecdb.insert('docs', '[{"title": "much too long!", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": 5, "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "rank": 128, "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "rank": 1.5, "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "rank": "1", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "score": "high", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "score": 1e39, "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "ok": "yes", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "tags": [1,2,3,4], "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "tags": [1,40000], "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "tags": [1,null], "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "tags": 1, "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": null, "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"id": 7, "title": "x", "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[{"title": "x", "$meta": {}, "emb": [1,1,1], "half": [1,1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.insert('docs', '[1]');
SELECT vecdb.insert('docs', '"rows"');
SELECT vecdb.insert('nope', '[]');
SELECT count(*) AS still_three FROM docs;
-- an empty batch inserts nothing and is no error
SELECT vecdb.insert('docs', '[]');

-- a collection without dynamic fields refuses unknown keys
SELECT vecdb.create_collection('strict', 2, enable_dynamic_field => false);
SELECT vecdb.insert('strict', '[{"id": 1, "vector": [1, 2], "colour": "red"}]');
SELECT vecdb.insert('strict', '[{"id": 1, "vector": [1, 2]}, {"id": 1, "vector": [3, 4]}]');
SELECT vecdb.insert('strict', '[{"id": 1, "vector": [1, 2]}, {"id": 2, "vector": [3, 4]}]');
SELECT vecdb.insert('strict', '{"id": 2, "vector": [5, 6]}');
SELECT vecdb.query('strict', 'id > 0', ARRAY['colour']);

-- upsert replaces whole rows (omitted fields take their defaults) and inserts new keys
SELECT vecdb.upsert('docs', '[{"id": 1, "title": "first v2", "emb": [9, 9, 9], "half": [1, 1], "sparse": {"1": 1},
                               "bits": "11111111", "new_key": true},
                              {"id": 10, "title": "tenth", "emb": [1, 2, 3], "half": [1, 1], "sparse": {}, "bits": "00000000"}]');
SELECT id, title, rank, score, ok, emb, "$meta" FROM docs ORDER BY id;
SELECT vecdb.upsert('docs', '[{"title": "no key", "emb": [1, 2, 3], "half": [1, 1], "sparse": {}, "bits": "00000000"}]');
SELECT vecdb.upsert('strict', '{"id": 2, "vector": [7, 8]}');
SELECT * FROM strict ORDER BY id;
-- auto_id continues after upserted keys without colliding
SELECT vecdb.insert('docs', '[{"title": "after", "emb": [1, 2, 3], "half": [1, 1], "sparse": {}, "bits": "00000000"}]')->'insert_count';

-- delete by filter and by ids
SELECT vecdb.delete('docs', 'title like "th%"');
SELECT vecdb.delete('docs', ids => '[2, 99]');
SELECT vecdb.delete('docs', 'rank > 1000');
SELECT vecdb.delete('docs', ids => '[1, 10]', filter => 'title == "tenth"');
SELECT id, title FROM docs ORDER BY id;
SELECT vecdb.delete('docs');
SELECT vecdb.delete('docs', 'titel == "x"');
SELECT vecdb.delete('docs', ids => '["a"]');
SELECT vecdb.delete('strict', ids => '2');
SELECT * FROM strict ORDER BY id;

-- varchar primary keys
SELECT vecdb.create_collection('named', 2, id_type => 'VARCHAR', max_length => 8);
SELECT vecdb.insert('named', '[{"id": "a''b", "vector": [1, 1]}, {"id": "c\"d", "vector": [2, 2]}]');
SELECT e FROM vecdb.get('named', '["c\"d", "a''b"]', ARRAY['vector']) e;
SELECT vecdb.insert('named', '[{"id": 5, "vector": [1, 1]}]');
SELECT vecdb.insert('named', '[{"id": "too long key", "vector": [1, 1]}]');
SELECT vecdb.delete('named', 'id == "a''b"');
SELECT id FROM named;

-- query argument checks
SELECT vecdb.query('docs', '', top_k => -1);
SELECT vecdb.query('docs', '', skip => -1);
SELECT vecdb.query('docs', '', ARRAY['count(*)', 'title']);
SELECT vecdb.query('docs', '', ARRAY['nope'], partition_names => ARRAY['p1']);

SELECT vecdb.drop_collection('docs');
SELECT vecdb.drop_collection('strict');
SELECT vecdb.drop_collection('named');

-- primary keys are unique per partition, enforced (Milvus does not check on
-- insert): a key already in the partition is refused in a later call too;
-- the same key in another partition is a second row that get, query,
-- search and delete by id (without a partition) all see
SELECT vecdb.create_collection('pk', dimension => 2);
SELECT vecdb.create_partition('pk', 'p1');
SELECT vecdb.insert('pk', '[{"id": 1, "vector": [1, 1]}]')->'ids';
SELECT vecdb.insert('pk', '[{"id": 2, "vector": [3, 3]}, {"id": 1, "vector": [1, 2]}]');
SELECT vecdb.insert('pk', '[{"id": 1, "vector": [2, 2]}]', 'p1')->'ids';
SELECT "$partition", id, vector FROM pk ORDER BY 1, 2;
SELECT * FROM vecdb.get('pk', '[1]', output_fields => ARRAY['vector']) AS g ORDER BY g::text;
SELECT id, distance FROM vecdb.search('pk', '[0, 0]');
SELECT vecdb.delete('pk', ids => '[1]');
SELECT count(*) FROM pk;
SELECT vecdb.drop_collection('pk');
