# The hnsw pending list survives kill -9 of the postmaster in the middle of
# a merge: each row is created in the graph and marked placed in its pending
# entry by one WAL record, so after recovery every row is indexed exactly
# once (pending, or in the graph and found through its placed entry), the
# index answers like a sequential scan, verify_index is clean, and the next
# merge (VACUUM) finishes the links of a row placed before the crash.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;
use Time::HiRes qw(usleep);

my $node = new_vecdb_node('pending_crash');
my $dim = 64;
my $method = { name => 'hnsw_pending', am => 'hnsw',
	settings => 'SET vecdb.hnsw_ef_search = 1000; SET vecdb.max_scan_tuples = 1000000;' };
create_vector_table($node, 'postgres', 'items', 300, $dim);
$node->safe_psql('postgres',
	"CREATE INDEX items_idx ON items USING hnsw (embedding) WITH (pending_list = on, pending_list_limit = 1000000)");
$node->safe_psql('postgres',
	"INSERT INTO items (category, embedding) SELECT 1, " . vector_sql('i', $dim) . " FROM generate_series(301, 4300) i");
my $stats = "SELECT (details ->> 'elements')::int FROM vecdb.index_stats('items_idx')";
is($node->safe_psql('postgres', $stats), '300', 'the inserted rows wait in the pending list');

# Counts the rows an index scan returns and how many distinct ones.
sub rows_once {
	my ($label) = @_;
	my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
	my $through_index = $node->safe_psql('postgres',
		"SET enable_seqscan = off; $method->{settings} SELECT count(*), count(DISTINCT id) FROM "
		  . "(SELECT id FROM items ORDER BY embedding <-> " . vector_sql(5, $dim) . " LIMIT 1000000) s");
	is($through_index, "$rows|$rows", "$label: the index returns every row exactly once");
}

# the merge, killed once a few hundred rows are in the graph
my ($out, $err) = ('', '');
my $merge = IPC::Run::start(
	[ 'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres', '-c',
	  "SELECT vecdb.hnsw_merge_pending('items_idx')" ],
	'>', \$out, '2>', \$err);
$node->poll_query_until('postgres', "SELECT ($stats) > 600") or die "the merge does not progress";
my $postmaster_pid = $node->{_pid};
$node->kill9;
$merge->finish;
my $started = 0;
for (1 .. 50) {
	unlink($node->data_dir . '/postmaster.pid') if process_is_zombie($postmaster_pid);
	last if ($started = $node->start(fail_ok => 1));
	$node->{_pid} = undef;
	usleep(200_000);
}
ok($started, 'server restarts after kill -9 mid-merge');
my $elements = $node->safe_psql('postgres', $stats);
cmp_ok($elements, '>', 600, "rows merged before the crash stay in the graph ($elements elements)");
cmp_ok($elements, '<', 4300, 'the merge was cut short');
rows_once('after the crash');
assert_index_matches_seqscan($node, 'postgres', 'items', $dim, $method, 'after the crash');
assert_indexes_verify($node, 'postgres', 'hnsw', 'after the crash');

# VACUUM merges the rest (and links a row placed before the crash)
$node->safe_psql('postgres', 'VACUUM items');
is($node->safe_psql('postgres', $stats), '4300', 'VACUUM merged every row into the graph');
is($node->safe_psql('postgres',
	"SELECT details ->> 'unreachable_elements' FROM vecdb.index_stats('items_idx')"), '0',
	'every element is reachable after VACUUM');
rows_once('after VACUUM');
assert_index_matches_seqscan($node, 'postgres', 'items', $dim, $method, 'after VACUUM');
assert_indexes_verify($node, 'postgres', 'hnsw', 'after VACUUM');

$node->stop;
done_testing();

# Whether a process exists only as an unreaped zombie.
sub process_is_zombie {
	my ($pid) = @_;
	open(my $fh, '<', "/proc/$pid/stat") or return 0;
	my $stat = <$fh>;
	close($fh);
	return $stat =~ /^\d+ \(.*\) Z /;
}
