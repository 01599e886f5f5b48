# Collections survive pg_dump -Fc / pg_restore: catalog rows (fields,
# properties, aliases, partitions, indexes), dynamic fields, named partitions
# and the tables' indexes come back, describe_collection is identical and searches answer
# identically.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $node = new_vecdb_node('collection_dump');
$node->safe_psql('postgres', q{
SELECT vecdb.create_collection('books', '{
  "enable_dynamic_field": true, "description": "dump test",
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true, "auto_id": true},
    {"name": "title", "type": "VARCHAR", "params": {"max_length": 40}, "default_value": "untitled"},
    {"name": "year", "type": "INT32", "nullable": true},
    {"name": "tags", "type": "ARRAY", "params": {"element_type": "VARCHAR", "max_length": 10, "max_capacity": 4}},
    {"name": "emb", "type": "FLOAT_VECTOR", "params": {"dim": 4}},
    {"name": "half", "type": "FLOAT16_VECTOR", "params": {"dim": 4}, "metric_type": "COSINE"}
  ]}'::jsonb);
SELECT vecdb.insert('books', (SELECT jsonb_agg(jsonb_build_object(
    'title', 'book ' || i, 'year', 1900 + i % 120, 'tags', jsonb_build_array('t' || i % 3),
    'emb', jsonb_build_array(sin(i), cos(i), sin(i * 0.5), cos(i * 0.3)),
    'half', jsonb_build_array(cos(i), 1, sin(i * 0.7), 0.5),
    'shelf', i % 10)) FROM generate_series(1, 300) i));
SELECT vecdb.create_index('books', 'emb', 'FLAT', 'L2');
SELECT vecdb.create_index('books', 'half', 'HNSW', 'COSINE', '{"M": 8, "efConstruction": 32}');
SELECT vecdb.create_index('books', 'year', 'STL_SORT');
SELECT vecdb.create_index('books', 'tags', 'INVERTED');
SELECT vecdb.alter_collection_properties('books', '{"collection.ttl.seconds": 86400}');
SELECT vecdb.create_alias('books', 'library');
SELECT vecdb.create_partition('books', 'archive');
SELECT vecdb.insert('books', (SELECT jsonb_agg(jsonb_build_object(
    'title', 'old ' || i, 'tags', '[]'::jsonb, 'emb', jsonb_build_array(cos(i), sin(i), 0.5, 0.5),
    'half', jsonb_build_array(1, cos(i), sin(i), 0.5))) FROM generate_series(1, 50) i), 'archive');
SELECT vecdb.create_collection('quick', 3);
SELECT vecdb.insert('quick', '[{"id": 7, "vector": [1, 2, 3], "note": "seven"}]');
});

my $describe = q{SELECT vecdb.describe_collection('books')::text || vecdb.describe_collection('quick')::text
                   || (SELECT string_agg(a, ',') FROM vecdb.list_aliases() a)};
my @searches = (
	q{SELECT string_agg(id || ':' || round(distance::numeric, 6) || entity::text, ' ' ORDER BY query_no, distance, id)
	    FROM vecdb.search('library', '[[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0]]', 'emb', top_k => 8,
	                      filter => 'year > 1950 and shelf != 3', output_fields => ARRAY['title', 'shelf'])},
	# ef above the row count: the hnsw search reaches every element, so it is exact
	q{SELECT string_agg(id || ':' || round(distance::numeric, 4), ' ' ORDER BY query_no, distance, id)
	    FROM vecdb.search('books', '[0.2, 1, 0.1, 0.5]', 'half', top_k => 5, params => '{"ef": 1000}')},
	q{SELECT string_agg(e::text, ' ') FROM vecdb.query('quick', 'note == "seven"', ARRAY['*']) e},
	q{SELECT string_agg(id || ':' || round(distance::numeric, 6), ' ' ORDER BY query_no, distance, id)
	    FROM vecdb.search('books', '[0.5, 0.5, 0.5, 0.5]', 'emb', top_k => 6, partition_names => ARRAY['archive'])},
);

my $dump = $node->basedir . '/collections.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');

is($node->safe_psql('restored', $describe), $node->safe_psql('postgres', $describe),
	'describe_collection and aliases identical after restore');
for my $i (0 .. $#searches) {
	my $before = $node->safe_psql('postgres', $searches[$i]);
	isnt($before, '', "search $i returns rows");
	is($node->safe_psql('restored', $searches[$i]), $before, "search $i answers identically after restore");
}
# the restored collection keeps working: auto_id continues after the restored rows
is($node->safe_psql('restored', q{SELECT vecdb.insert('books', '{"emb": [0, 0, 0, 1], "half": [1, 1, 1, 1], "tags": []}')->>'ids'}),
	'[351]', 'insert after restore continues the identity');
is($node->safe_psql('restored', q{SELECT count(*) FROM vecdb.collections}), '2', 'catalog rows restored once');

$node->stop;
done_testing();
