# Collections survive pg_upgrade: an old cluster with vecdb, a collection
# (dynamic field, a named partition, an alias, flat / hnsw / btree indexes,
# a ttl property) is upgraded into a new cluster with pg_upgrade; the
# upgraded cluster's describe_collection and searches equal the old ones.
# Only PostgreSQL 15 is installed here, so this is a 15 -> 15 upgrade (what
# PostgreSQL's own pg_upgrade test does): it checks that the extension's
# objects, catalog rows and the collection's tables and indexes are carried
# by pg_upgrade's binary-upgrade dump and file transfer, not a major-version
# change.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use Cwd;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $old = new_vecdb_node('upgrade_old');
$old->safe_psql('postgres', q{
SELECT vecdb.create_collection('books', '{
  "enable_dynamic_field": true, "description": "upgrade test",
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true, "auto_id": true},
    {"name": "title", "type": "VARCHAR", "params": {"max_length": 40}},
    {"name": "year", "type": "INT32", "nullable": true},
    {"name": "emb", "type": "FLOAT_VECTOR", "params": {"dim": 4}},
    {"name": "half", "type": "FLOAT16_VECTOR", "params": {"dim": 4}, "metric_type": "COSINE"}
  ]}'::jsonb);
SELECT vecdb.insert('books', (SELECT jsonb_agg(jsonb_build_object(
    'title', 'book ' || i, 'year', 1900 + i % 120,
    'emb', jsonb_build_array(sin(i), cos(i), sin(i * 0.5), cos(i * 0.3)),
    'half', jsonb_build_array(cos(i), 1, sin(i * 0.7), 0.5),
    'shelf', i % 10)) FROM generate_series(1, 300) i));
SELECT vecdb.create_index('books', 'emb', 'FLAT', 'L2');
SELECT vecdb.create_index('books', 'half', 'HNSW', 'COSINE', '{"M": 8, "efConstruction": 32}');
SELECT vecdb.create_index('books', 'year', 'STL_SORT');
SELECT vecdb.alter_collection_properties('books', '{"ttl": "30 days"}');
SELECT vecdb.create_alias('books', 'library');
SELECT vecdb.create_partition('books', 'archive');
SELECT vecdb.insert('books', (SELECT jsonb_agg(jsonb_build_object(
    'title', 'old ' || i, 'emb', jsonb_build_array(cos(i), sin(i), 0.5, 0.5),
    'half', jsonb_build_array(1, cos(i), sin(i), 0.5))) FROM generate_series(1, 50) i), 'archive');
SELECT vecdb.create_collection('quick', 3);
SELECT vecdb.insert('quick', '[{"id": 7, "vector": [1, 2, 3], "note": "seven"}]');
});

my $describe = q{SELECT vecdb.describe_collection('books')::text || vecdb.describe_collection('quick')::text
                   || (SELECT string_agg(a, ',') FROM vecdb.list_aliases() a)};
my @queries = (
	$describe,
	q{SELECT string_agg(id || ':' || round(distance::numeric, 6) || entity::text, ' ' ORDER BY query_no, distance, id)
	    FROM vecdb.search('library', '[[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 0]]', 'emb', top_k => 8,
	                      filter => 'year > 1950 and shelf != 3', output_fields => ARRAY['title', 'shelf'])},
	# ef above the row count: the hnsw search reaches every element, so it is exact
	q{SELECT string_agg(id || ':' || round(distance::numeric, 4), ' ' ORDER BY query_no, distance, id)
	    FROM vecdb.search('books', '[0.2, 1, 0.1, 0.5]', 'half', top_k => 5, params => '{"ef": 1000}')},
	q{SELECT string_agg(id || ':' || round(distance::numeric, 6), ' ' ORDER BY query_no, distance, id)
	    FROM vecdb.search('books', '[0.5, 0.5, 0.5, 0.5]', 'emb', top_k => 6, partition_names => ARRAY['archive'])},
	q{SELECT string_agg(e::text, ' ') FROM vecdb.query('quick', 'note == "seven"', ARRAY['*']) e},
);
my @before = map { $old->safe_psql('postgres', $_) } @queries;
isnt($before[$_], '', "query $_ answers before the upgrade") for 0 .. $#queries;
$old->stop;

my $new = PostgreSQL::Test::Cluster->new('upgrade_new');
$new->init;
$new->append_conf('postgresql.conf', "shared_buffers = 32MB\n");

# pg_upgrade writes its logs under the new data directory (15) and needs a
# writable working directory: run it from the test's own directory.
my $bindir = $old->config_data('--bindir');
my $cwd = getcwd();
chdir $PostgreSQL::Test::Utils::tmp_check;
command_ok(
	[
		'pg_upgrade', '--no-sync',
		'-b', $bindir, '-B', $bindir,
		'-d', $old->data_dir, '-D', $new->data_dir,
		'-p', $old->port, '-P', $new->port,
		'-s', $new->host
	],
	'pg_upgrade of a cluster with vecdb collections');
chdir $cwd;

$new->start;
is($new->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'vecdb'}),
	'0.2.0', 'extension carried over');
for my $i (0 .. $#queries) {
	is($new->safe_psql('postgres', $queries[$i]), $before[$i], "query $i answers identically after pg_upgrade");
}
# the upgraded collection keeps working: inserts continue the identity, the
# catalog triggers still invalidate vecdb.search's kept statements
is($new->safe_psql('postgres',
		q{SELECT vecdb.insert('books', '{"title": "new", "emb": [0, 0, 0, 1], "half": [1, 1, 1, 1]}')->>'ids'}),
	'[351]', 'insert after pg_upgrade continues the identity');
my $count3 = q{SELECT count(*) FROM vecdb.search('%s', '[0, 0, 0, 1]', 'emb', top_k => 3)};
is($new->safe_psql('postgres', sprintf($count3, 'books')), '3', 'search after pg_upgrade');
$new->safe_psql('postgres', q{SELECT vecdb.rename_collection('books', 'tomes')});
is($new->safe_psql('postgres', sprintf($count3, 'tomes')), '3', 'search after a rename after pg_upgrade');
is($new->safe_psql('postgres', q{SELECT count(*) FROM vecdb.collections}), '2', 'catalog rows carried once');
$new->stop;
done_testing();
