-- Collections: ttl. Expired rows (insert time older than the ttl) are left
-- out of query / get / search at once; updates refresh the insert time;
-- raising the ttl shows unpurged rows again; purge_expired deletes them.
-- Insert times are set directly (the hidden "$inserted_at" column) so the
-- test does not wait.
\set VERBOSITY terse
SELECT vecdb.create_collection('ttl_docs', '{
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "tag", "type": "VARCHAR", "params": {"max_length": 10}},
    {"name": "emb", "type": "FLOAT_VECTOR", "params": {"dim": 2}}
  ]}'::jsonb, properties => '{"ttl": "1 hour"}');
SELECT vecdb.describe_collection('ttl_docs')->'properties';
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'ttl_docs'::regclass AND attname = '$inserted_at';
-- rows 1..10 at distance 0..9 from [0, 0]; the five nearest are old
SELECT vecdb.insert('ttl_docs', (SELECT jsonb_agg(jsonb_build_object('id', i, 'tag', 't' || i, 'emb', jsonb_build_array(i - 1, 0)))
                                   FROM generate_series(1, 10) i));
UPDATE ttl_docs SET "$inserted_at" = now() - interval '2 hours' WHERE id <= 5;
SELECT e->'id' AS id FROM vecdb.query('ttl_docs', '', ARRAY['id']) e;
SELECT e FROM vecdb.query('ttl_docs', '', ARRAY['count(*)']) e;
SELECT e FROM vecdb.get('ttl_docs', '[1, 5, 6]', ARRAY['tag']) e;
SELECT e FROM vecdb.query('ttl_docs', 'id < 8', ARRAY['tag'], top_k => 1, skip => 1) e;

-- an upsert refreshes the insert time: row 2 is back
SELECT vecdb.upsert('ttl_docs', '{"id": 2, "tag": "again", "emb": [1, 0]}');
SELECT e FROM vecdb.get('ttl_docs', '[1, 2]', ARRAY['tag']) e;
SELECT id, "$inserted_at" > now() - interval '1 minute' AS refreshed FROM ttl_docs WHERE id IN (1, 2) ORDER BY id;
-- so does a plain UPDATE, unless it sets the insert time itself
UPDATE ttl_docs SET tag = 'upd' WHERE id = 3;
SELECT id, "$inserted_at" > now() - interval '1 minute' AS refreshed FROM ttl_docs WHERE id = 3;
UPDATE ttl_docs SET "$inserted_at" = now() - interval '2 hours' WHERE id IN (2, 3);

-- raising the ttl shows the unpurged rows again; lowering it hides more
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": "3 hours"}');
SELECT e FROM vecdb.query('ttl_docs', '', ARRAY['count(*)']) e;
UPDATE ttl_docs SET "$inserted_at" = now() - interval '20 minutes' WHERE id = 10;
SELECT vecdb.alter_collection_properties('ttl_docs', '{"collection.ttl.seconds": 600}');
SELECT vecdb.describe_collection('ttl_docs')->'properties';
SELECT e->'id' AS id FROM vecdb.query('ttl_docs', '', ARRAY['id']) e;
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": "1 hour"}');

-- bad values
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": "soon"}');
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": -1}');
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": "-2 days"}');
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": true}');
SELECT vecdb.create_collection('ttl_bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb, properties => '{"ttl": "x"}');
SELECT vecdb.has_collection('ttl_bad');

-- purge: exactly the expired rows, in batches
SELECT * FROM vecdb.purge_expired('ttl_docs', batch_size => 2);
SELECT array_agg(id ORDER BY id) FROM ttl_docs;
SELECT * FROM vecdb.purge_expired('ttl_docs');
SELECT * FROM vecdb.purge_expired('no_such_collection');
SELECT * FROM vecdb.purge_expired('ttl_docs', batch_size => 0);

-- ttl 0 (or null) means never: every row shows, none is purged
UPDATE ttl_docs SET "$inserted_at" = now() - interval '10 years' WHERE id = 6;
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": 0}');
SELECT vecdb.describe_collection('ttl_docs')->'properties';
SELECT e FROM vecdb.query('ttl_docs', '', ARRAY['count(*)']) e;
SELECT * FROM vecdb.purge_expired('ttl_docs');
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": "1 day"}');
SELECT vecdb.alter_collection_properties('ttl_docs', '{"ttl": null}');
SELECT e FROM vecdb.query('ttl_docs', '', ARRAY['count(*)']) e;

-- a ttl set on a collection that has rows: they count as inserted now
SELECT vecdb.create_collection('ttl_later', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "k", "type": "INT64", "is_partition_key": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}], "num_partitions": 2}'::jsonb);
SELECT vecdb.insert('ttl_later', '[{"id": 1, "k": 1, "v": [0, 0]}, {"id": 2, "k": 2, "v": [1, 1]}, {"id": 3, "k": 3, "v": [2, 2]}]');
SELECT vecdb.alter_collection_properties('ttl_later', '{"ttl": "1 minute"}');
SELECT e FROM vecdb.query('ttl_later', '', ARRAY['count(*)']) e;
-- the purge names rows by key, partition and partition key
UPDATE ttl_later SET "$inserted_at" = now() - interval '1 hour' WHERE id <> 2;
SELECT * FROM vecdb.purge_expired('ttl_later');
SELECT id, k FROM ttl_later ORDER BY id;
-- without a name: every collection with a ttl the caller owns
UPDATE ttl_later SET "$inserted_at" = now() - interval '1 hour';
SELECT * FROM vecdb.purge_expired();

-- search: the ttl check is part of the index scan, so top_k is filled even
-- when the nearest rows are expired (flat is exact; hnsw keeps searching)
SELECT vecdb.create_collection('ttl_near', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb, properties => '{"ttl": "1 day"}');
SELECT vecdb.insert('ttl_near', (SELECT jsonb_agg(jsonb_build_object('id', i, 'v', jsonb_build_array(i * 0.01, sin(i) * 0.001)))
                                   FROM generate_series(1, 400) i))->'insert_count';
UPDATE ttl_near SET "$inserted_at" = now() - interval '2 days' WHERE id <= 150;
SET enable_seqscan = off;
SELECT vecdb.create_index('ttl_near', 'v', 'FLAT');
SELECT array_agg(id::int ORDER BY distance) FROM vecdb.search('ttl_near', '[0, 0]', top_k => 10);
SELECT array_agg(id::int ORDER BY query_no, distance) FROM vecdb.search('ttl_near', '[[0, 0], [4, 0]]', top_k => 3);
SELECT vecdb.drop_index('ttl_near', 'v');
SELECT vecdb.create_index('ttl_near', 'v', 'HNSW', params => '{"M": 8, "efConstruction": 64}');
SELECT array_agg(id::int ORDER BY distance) FROM vecdb.search('ttl_near', '[0, 0]', top_k => 10, params => '{"ef": 16}');
SELECT count(*) FROM vecdb.search('ttl_near', '[0, 0]', top_k => 100, filter => 'id < 300');
RESET enable_seqscan;

SELECT vecdb.drop_collection('ttl_near');
SELECT vecdb.drop_collection('ttl_later');
SELECT vecdb.drop_collection('ttl_docs');
