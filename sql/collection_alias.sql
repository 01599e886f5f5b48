-- Collections: aliases, partitions, and the caller's privileges.
\set VERBOSITY terse
SELECT vecdb.create_collection('books_v1', 2);
SELECT vecdb.create_collection('books_v2', 2);
SELECT vecdb.insert('books_v1', '[{"id": 1, "vector": [1, 1]}]')->'ids';
SELECT vecdb.insert('books_v2', '[{"id": 2, "vector": [2, 2]}]')->'ids';
SELECT vecdb.create_alias('books_v1', 'books');
-- an alias works wherever a collection name does
SELECT vecdb.has_collection('books');
SELECT id FROM vecdb.search('books', '[0, 0]');
SELECT e FROM vecdb.query('books', 'id > 0') e;
SELECT vecdb.insert('books', '{"id": 3, "vector": [3, 3]}')->'ids';
SELECT vecdb.describe_collection('books')->>'collection_name', vecdb.describe_collection('books')->'aliases';
SELECT * FROM vecdb.list_aliases();
SELECT * FROM vecdb.list_aliases('books_v1');
SELECT vecdb.describe_alias('books');
-- alter_alias moves it in one statement
SELECT vecdb.alter_alias('books_v2', 'books');
SELECT id FROM vecdb.search('books', '[0, 0]');
SELECT * FROM vecdb.list_aliases('books_v1');
-- errors: cycles (an alias of an alias), clashes, unknown names
SELECT vecdb.create_alias('books', 'books_alias');
SELECT vecdb.alter_alias('books', 'books');
SELECT vecdb.create_alias('books_v1', 'books');
SELECT vecdb.create_alias('books_v1', 'books_v2');
SELECT vecdb.create_alias('nope', 'x');
SELECT vecdb.create_alias('books_v1', 'bad alias');
SELECT vecdb.alter_alias('books_v1', 'nope');
SELECT vecdb.drop_alias('nope');
SELECT vecdb.create_collection('books', 2);
SELECT vecdb.rename_collection('books_v1', 'books');
SELECT vecdb.drop_collection('books');
SELECT vecdb.drop_collection('books_v2');
SELECT count(*) AS aliases FROM vecdb.aliases;

-- partitions: LIST partitions of the collection's table on its hidden
-- "$partition" column; _default always exists and cannot be dropped
SELECT * FROM vecdb.list_partitions('books');
SELECT vecdb.has_partition('books', '_default'), vecdb.has_partition('books', 'p1');
SELECT vecdb.create_partition('books', 'p1');
SELECT vecdb.create_partition('books_v2', 'p2');
SELECT * FROM vecdb.list_partitions('books');
SELECT vecdb.describe_collection('books')->'partitions';
SELECT vecdb.insert('books', '[{"id": 10, "vector": [10, 10]}, {"id": 11, "vector": [11, 11]}]', 'p1')->'ids';
SELECT vecdb.insert('books', '[{"id": 20, "vector": [0.5, 0.5]}]', partition_name => 'p2')->'ids';
-- the same key may live in two partitions (as in Milvus); upsert replaces within one
SELECT vecdb.insert('books', '[{"id": 2, "vector": [12, 12]}]', 'p1')->'ids';
SELECT vecdb.upsert('books', '[{"id": 2, "vector": [13, 13], "note": "p1 copy"}]', 'p1')->'ids';
SELECT "$partition", id, vector, "$meta" FROM books_v2 ORDER BY 1, 2;
SELECT tableoid::regclass AS partition_table, count(*) FROM books_v2 GROUP BY 1 ORDER BY 1;
-- searches and queries over some partitions prune the others; over all they
-- merge into the global top-k
SELECT query_no, id, distance FROM vecdb.search('books', '[0, 0]', top_k => 3, partition_names => ARRAY['p1']);
SELECT query_no, id, distance FROM vecdb.search('books', '[0, 0]', top_k => 3, partition_names => ARRAY['p2', '_default']);
SELECT query_no, id, distance FROM vecdb.search('books', '[0, 0]', top_k => 3);
SELECT array_agg(id::text || '@' || round(distance::numeric, 4) ORDER BY distance, id) =
       (SELECT array_agg(id::text || '@' || round(d::numeric, 4) ORDER BY d, id)
          FROM (SELECT id, vector <-> '[0,0]' AS d FROM books_v2 ORDER BY 2 LIMIT 4) s) AS global_top4_exact
  FROM vecdb.search('books', '[0, 0]', top_k => 4);
SELECT e FROM vecdb.query('books', 'id > 0', partition_names => ARRAY['p1']) e;
SELECT e FROM vecdb.get('books', '[2]', ARRAY['vector'], partition_names => ARRAY['_default']) e;
SELECT e FROM vecdb.query('books', 'id == 2', ARRAY['vector']) e;
-- an index on the collection exists on every partition, present and future
SELECT vecdb.create_index('books', 'vector', 'FLAT');
SELECT vecdb.create_partition('books', 'p3');
SELECT c.relname, i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
 WHERE c.relname LIKE 'books_v2%' AND i.relam = (SELECT oid FROM pg_am WHERE amname = 'flat') ORDER BY 1;
SELECT vecdb.load('books', ARRAY['p1']) > 0 AS loaded_p1;
-- the load state is per partition; the collection is Loaded while any partition is
SELECT vecdb.get_load_state('books') AS collection, vecdb.get_load_state('books', 'p1') AS p1,
       vecdb.get_load_state('books', '_default') AS "_default",
       vecdb.describe_collection('books')->'loaded_partitions' AS loaded_partitions;
SELECT vecdb.load('books', ARRAY['p3']) > 0 AS loaded_p3;
SELECT vecdb.release('books', ARRAY['p1']);
SELECT vecdb.get_load_state('books') AS collection, vecdb.get_load_state('books', 'p1') AS p1,
       vecdb.describe_collection('books')->'loaded_partitions' AS loaded_partitions;
SELECT vecdb.release('books', ARRAY['p3']);
SELECT vecdb.get_load_state('books') AS collection, vecdb.describe_collection('books')->'loaded_partitions' AS loaded_partitions;
SELECT vecdb.load('books', ARRAY['p1']) > 0 AS loaded_p1_again;
-- delete within one partition
SELECT vecdb.delete('books', 'id == 2', partition_name => 'p1');
SELECT vecdb.delete('books', ids => '[10, 20]', partition_name => 'p1');
SELECT "$partition", id FROM books_v2 ORDER BY 1, 2;
-- errors
SELECT vecdb.create_partition('books', 'p1');
SELECT vecdb.create_partition('books', '_default');
SELECT vecdb.create_partition('books', 'bad-name');
SELECT vecdb.create_partition('books', repeat('p', 64));
SELECT vecdb.drop_partition('books', '_default');
SELECT vecdb.drop_partition('books', 'nope');
SELECT vecdb.insert('books', '[{"id": 30, "vector": [1, 1]}]', 'nope');
SELECT vecdb.search('books', '[0, 0]', partition_names => ARRAY['p1', 'nope']);
SELECT vecdb.load('books', ARRAY['nope']);
SELECT vecdb.get_load_state('books', 'nope');
-- the maximum number of partitions is a collection property
SELECT vecdb.alter_collection_properties('books', '{"max_partitions": 5}');
SELECT vecdb.create_partition('books', 'p4');
SELECT vecdb.create_partition('books', 'p5');
SELECT count(*) AS partitions FROM vecdb.list_partitions('books');
-- dropping a partition drops its rows
SELECT vecdb.drop_partition('books', 'p1');
SELECT * FROM vecdb.list_partitions('books');
SELECT "$partition", id FROM books_v2 ORDER BY 1, 2;
SELECT to_regclass('public."books_v2$p1"') AS p1_table;

SELECT vecdb.drop_alias('books');
SELECT vecdb.drop_collection('books_v1');
SELECT vecdb.drop_collection('books_v2');

-- privileges: functions run as the caller, so table GRANTs and RLS apply
CREATE ROLE coll_owner;
CREATE ROLE coll_reader;
CREATE ROLE coll_nobody;
GRANT CREATE ON SCHEMA public TO coll_owner;
SET ROLE coll_owner;
SELECT vecdb.create_collection('private', 2);
SELECT vecdb.insert('private', '[{"id": 1, "vector": [1, 1], "secret": "a"}, {"id": 2, "vector": [2, 2], "secret": "b"}]')->'ids';
GRANT SELECT ON private TO coll_reader;
ALTER TABLE private ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_one ON private FOR SELECT TO coll_reader USING (id = 1);
RESET ROLE;
SET ROLE coll_reader;
SELECT id FROM vecdb.search('private', '[0, 0]');
SELECT e FROM vecdb.query('private', 'id > 0', ARRAY['secret']) e;
SELECT vecdb.insert('private', '{"id": 3, "vector": [3, 3]}');
SELECT vecdb.drop_collection('private');
SELECT vecdb.alter_collection_properties('private', '{"a": 1}');
SELECT vecdb.create_alias('private', 'mine');
UPDATE vecdb.collections SET table_name = 'other';
RESET ROLE;
SET ROLE coll_nobody;
SELECT id FROM vecdb.search('private', '[0, 0]');
SELECT vecdb.has_collection('private');
RESET ROLE;
SET ROLE coll_owner;
SELECT vecdb.drop_collection('private');
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM coll_owner;
DROP ROLE coll_owner;
DROP ROLE coll_reader;
DROP ROLE coll_nobody;
