# An ivf index built on a table of small (inline, untoasted) vectors that is
# much larger than shared_buffers / 4 holds every row's own vector. Such a
# table is read through a small bulk-read ring of buffers, so a heap page is
# evicted soon after the scan leaves it: a build that kept pointers into the
# pages while it batched rows for the list assignment wrote other rows'
# bytes into the index (fixed in dbff44c). With probes = lists an ivf
# 'none' index is exact, so its top-k must equal a sequential scan's.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $node = PostgreSQL::Test::Cluster->new('small_buffers');
$node->init;
# 16MB = 2048 buffers: a heap scan of more than 512 pages uses the 32-buffer
# bulk-read ring, while a 4,096-row assignment batch spans ~85 heap pages.
$node->append_conf('postgresql.conf', "shared_buffers = 16MB\nmax_parallel_maintenance_workers = 1\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vecdb');

# 32 dimensions = 136 bytes: stored inline with a 4-byte header, which
# detoasting hands back as is (a value under 127 bytes has a 1-byte header
# on disk and detoasting copies it, so it would not show the bug).
my $dim = 32;
my $rows = 40000;
my $lists = 40;

# Deterministic vector of row $i (SQL expression): 40 cluster centres plus
# a per-row offset, so lists are meaningful and distances mostly distinct.
sub row_vector {
	my ($i) = @_;
	my @elements = map { "round((sin(($i % 40) * 1.7 + $_ * 0.9) * 10 + sin($i * 0.37 + $_ * 1.3))::numeric, 4)" }
	  (1 .. $dim);
	return "ARRAY[" . join(', ', @elements) . "]::real[]::vector($dim)";
}

$node->safe_psql('postgres', "CREATE TABLE items (id int PRIMARY KEY, embedding vector($dim))");
$node->safe_psql('postgres',
	"INSERT INTO items SELECT i, " . row_vector('i') . " FROM generate_series(1, $rows) i");
$node->safe_psql('postgres', 'VACUUM ANALYZE items');

my $heap_pages = $node->safe_psql('postgres', "SELECT pg_relation_size('items') / current_setting('block_size')::int");
my $buffers = $node->safe_psql('postgres',
	"SELECT setting::int FROM pg_settings WHERE name = 'shared_buffers'");
cmp_ok($heap_pages, ">", $buffers / 4, "the heap ($heap_pages pages) is above shared_buffers / 4 ($buffers buffers)");
is($node->safe_psql('postgres', "SELECT count(*) FROM items WHERE pg_column_compression(embedding) IS NOT NULL"),
	'0', 'the vectors are stored inline, uncompressed');

# A restart empties shared buffers: the build's heap scans then read every
# page through the ring.
$node->restart;
$node->safe_psql('postgres', "CREATE INDEX items_ivf ON items USING ivf (embedding) WITH (lists = $lists)");

is($node->safe_psql('postgres',
		"SELECT string_agg(coalesce(block::text, '-') || ': ' || problem, E'\\n') FROM vecdb.verify_index('items_ivf')"),
	'', 'vecdb.verify_index finds no problem');

# Every entry holds its own row's vector: the index's distances equal the
# table's for the rows it returns, and its top 10 equal a sequential scan's.
my $settings = "SET vecdb.ivf_probes = $lists;";
for my $q (1 .. 5) {
	my $query = row_vector($q * 7919 + 3);
	my $via_index = nearest_rows($node, 'postgres', 'items', $query, 10, 1, settings => $settings);
	my $via_seq = nearest_rows($node, 'postgres', 'items', $query, 10, 0);
	is($via_index, $via_seq, "query $q: probes = lists gives the sequential scan's top 10");
}
my $plan = $node->safe_psql('postgres',
	"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> " . row_vector(1)
	  . " LIMIT 5");
like($plan, qr/Index Scan using items_ivf/, 'the queries use the ivf index');

# Each sampled row's vector is found through the index at distance 0.
my $missed = $node->safe_psql('postgres', qq{
	SET enable_seqscan = off; SET enable_bitmapscan = off; $settings
	SELECT count(*) FROM (SELECT embedding AS v FROM items WHERE id % 997 = 0) q
	WHERE (SELECT embedding <-> q.v FROM items ORDER BY embedding <-> q.v LIMIT 1) > 0});
is($missed, '0', 'sampled rows are found at distance 0 through the index');

$node->stop;
done_testing();
