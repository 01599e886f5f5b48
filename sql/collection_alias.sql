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

-- partitions: _default always exists and cannot be dropped
SELECT * FROM vecdb.list_partitions('books');
SELECT vecdb.has_partition('books', '_default'), vecdb.has_partition('books', 'p1');
SELECT vecdb.create_partition('books', 'p1');
SELECT vecdb.create_partition('books', '_default');
SELECT vecdb.create_partition('books', 'bad-name');
SELECT vecdb.drop_partition('books', '_default');
SELECT vecdb.drop_partition('books', 'p1');
SELECT e FROM vecdb.query('books', 'id > 0', partition_names => ARRAY['_default']) e;
SELECT vecdb.load('books', ARRAY['p1']);

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
