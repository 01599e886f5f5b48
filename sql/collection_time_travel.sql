-- Collections: time travel in one session (each statement its own
-- transaction). query / get with as_of return what they returned at that
-- instant: the instants are taken between the statements with
-- clock_timestamp(). Concurrency (long and aborted transactions) is in TAP
-- 010_ttl_time_travel.pl.
\set VERBOSITY terse
SELECT vecdb.create_collection('tt_docs', '{
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "tag", "type": "VARCHAR", "params": {"max_length": 10}},
    {"name": "emb", "type": "FLOAT_VECTOR", "params": {"dim": 2}}
  ]}'::jsonb);
SELECT vecdb.insert('tt_docs', '[{"id": 1, "tag": "one", "emb": [0, 0]}, {"id": 2, "tag": "two", "emb": [1, 0]}]');
SELECT vecdb.create_index('tt_docs', 'emb', 'FLAT');
-- not yet on
SELECT * FROM vecdb.query('tt_docs', '', as_of => now());
SELECT vecdb.enable_time_travel('tt_docs', '0 s');
SELECT vecdb.enable_time_travel('tt_docs', '1 day');
-- the history table, with the collection's vector index
SELECT c.relname, a.amname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
 WHERE x.indrelid = 'tt_docs$history'::regclass ORDER BY 1;
SELECT collection, retention, history_table FROM vecdb.time_travel;

SELECT clock_timestamp() AS t_enabled \gset
SELECT vecdb.insert('tt_docs', '{"id": 3, "tag": "three", "emb": [2, 0]}');
SELECT clock_timestamp() AS t_insert \gset
SELECT vecdb.upsert('tt_docs', '{"id": 1, "tag": "one v2", "emb": [0, 1]}');
SELECT clock_timestamp() AS t_upsert \gset
UPDATE tt_docs SET tag = 'one v3' WHERE id = 1;
SELECT clock_timestamp() AS t_update \gset
SELECT vecdb.delete('tt_docs', ids => '[2]');
SELECT clock_timestamp() AS t_delete \gset
-- an aborted delete leaves nothing behind
BEGIN;
SELECT vecdb.delete('tt_docs', ids => '[3]');
ROLLBACK;
-- a row inserted and changed in one transaction: only its last version counts
BEGIN;
SELECT vecdb.insert('tt_docs', '{"id": 4, "tag": "draft", "emb": [3, 0]}');
UPDATE tt_docs SET tag = 'final' WHERE id = 4;
COMMIT;
SELECT clock_timestamp() AS t_four \gset
SELECT id, tag, "$ended_xid" IS NOT NULL AS ended FROM "tt_docs$history" ORDER BY id, "$valid_from";

SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag'], as_of => :'t_enabled') e;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag'], as_of => :'t_insert') e;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag'], as_of => :'t_upsert') e;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag'], as_of => :'t_update') e;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag'], as_of => :'t_delete') e;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag'], as_of => :'t_four') e;
-- the same as the current query
SELECT (SELECT array_agg(e) FROM vecdb.query('tt_docs', '', ARRAY['*'], as_of => now()) e)
     = (SELECT array_agg(e) FROM vecdb.query('tt_docs', '', ARRAY['*']) e) AS same_as_now;
-- filters, count(*) and get see the old versions too
SELECT e FROM vecdb.query('tt_docs', 'tag like "one%"', ARRAY['tag'], as_of => :'t_upsert') e;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['count(*)'], as_of => :'t_update') e;
SELECT e FROM vecdb.get('tt_docs', '[1, 2]', ARRAY['tag', 'emb'], as_of => :'t_insert') e;

-- search: the nearest versions then (row 1 moved from [0, 0] to [0, 1])
SELECT id, round(distance::numeric, 3) AS distance, entity->>'tag' AS tag
  FROM vecdb.search('tt_docs', '[0, 0]', top_k => 2, output_fields => ARRAY['tag'], as_of => :'t_insert');
SELECT id, round(distance::numeric, 3) AS distance, entity->>'tag' AS tag
  FROM vecdb.search('tt_docs', '[0, 0]', top_k => 2, output_fields => ARRAY['tag'], as_of => :'t_delete');
SELECT id, entity->>'tag' AS tag
  FROM vecdb.search('tt_docs', '[0, 0]', top_k => 3, filter => 'tag != "three"', output_fields => ARRAY['tag'],
                    as_of => :'t_upsert');

-- the versions created and ended since enabling
SELECT change, id, entity->>'tag' AS tag FROM vecdb.collection_changes('tt_docs', :'t_enabled', now(), ARRAY['tag']);
SELECT count(*) FROM vecdb.collection_changes('tt_docs', :'t_upsert', :'t_update');
SELECT * FROM vecdb.collection_changes('tt_docs', now(), now() - interval '1 s');

-- as_of out of range
SELECT * FROM vecdb.query('tt_docs', '', as_of => now() + interval '1 minute');
SELECT * FROM vecdb.query('tt_docs', '', as_of => now() - interval '2 days');
SELECT * FROM vecdb.get('tt_docs', '[1]', as_of => '2000-01-01');

-- purge keeps history within the retention; a shorter retention drops it
SELECT * FROM vecdb.purge_expired('tt_docs');
SELECT count(*) FROM "tt_docs$history";
SELECT vecdb.enable_time_travel('tt_docs', '1 microsecond');
SELECT pg_sleep(0.01);
SELECT * FROM vecdb.purge_expired('tt_docs');
SELECT count(*) FROM "tt_docs$history";
SELECT count(*) > 0 AS logged FROM vecdb.commit_log;

-- a new index covers the history too; dropping it drops both
SELECT vecdb.drop_index('tt_docs', 'emb');
SELECT count(*) FROM pg_index WHERE indrelid = 'tt_docs$history'::regclass;
SELECT vecdb.create_index('tt_docs', 'emb', 'HNSW');
SELECT count(*) FROM pg_index WHERE indrelid = 'tt_docs$history'::regclass;

-- ttl and time travel together: as_of also applies the ttl at that instant
SELECT vecdb.enable_time_travel('tt_docs', '1 day');
SELECT vecdb.alter_collection_properties('tt_docs', '{"ttl": "1 hour"}');
SELECT clock_timestamp() AS t_ttl \gset
UPDATE tt_docs SET "$inserted_at" = now() - interval '2 hours' WHERE id = 3;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag'], as_of => :'t_ttl') e;
SELECT e FROM vecdb.query('tt_docs', '', ARRAY['tag']) e;

-- a ttl set after versions went to the history does not hide them: they
-- count from the moment the ttl was set, like the live rows
SELECT vecdb.create_collection('tt_late', 2);
SELECT vecdb.enable_time_travel('tt_late', '1 day');
SELECT vecdb.insert('tt_late', '[{"id": 1, "vector": [1,1]}, {"id": 2, "vector": [2,2]}]');
SELECT clock_timestamp() AS t_late \gset
SELECT vecdb.upsert('tt_late', '[{"id": 1, "vector": [5,5]}]');
SELECT vecdb.delete('tt_late', ids => '[2]');
SELECT vecdb.alter_collection_properties('tt_late', '{"ttl": "1 hour"}');
SELECT id, distance FROM vecdb.search('tt_late', '[1,1]', as_of => :'t_late') ORDER BY id;
SELECT e FROM vecdb.query('tt_late', '', as_of => :'t_late') e ORDER BY e->>'id';
SELECT vecdb.drop_collection('tt_late');

SELECT vecdb.disable_time_travel('tt_docs');
SELECT vecdb.disable_time_travel('tt_docs');
SELECT to_regclass('tt_docs$history');
SELECT * FROM vecdb.query('tt_docs', '', as_of => now());
SELECT vecdb.enable_time_travel('tt_docs', '1 day');
SELECT vecdb.drop_collection('tt_docs');
SELECT to_regclass('tt_docs$history'), count(*) FROM vecdb.time_travel;
