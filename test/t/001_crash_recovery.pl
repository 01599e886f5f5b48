# An index survives kill -9 of the postmaster in the middle of a stream of
# inserts: after restart, index answers equal a sequential scan.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;
use Time::HiRes qw(usleep);

my $dim = 16;
my $node = new_vecdb_node('crash');

for my $method (index_methods()) {
	my $table = "crash_$method->{am}";
	create_vector_table($node, 'postgres', $table, 300, $dim);
	$node->safe_psql('postgres',
		"CREATE INDEX ON $table USING $method->{am} (embedding) $method->{with}");

	# A stream of small insert transactions from pgbench, killed mid-flight.
	my $script = "INSERT INTO $table (category, embedding) SELECT 1, "
	  . vector_sql('(random() * 1000000)::int', $dim) . ";\n";
	my $script_file = $node->basedir . "/insert_$method->{am}.sql";
	PostgreSQL::Test::Utils::append_to_file($script_file, $script);
	my ($out, $err) = ('', '');
	my $bench = IPC::Run::start(
		[ 'pgbench', '-n', '-c', '2', '-T', '30', '-f', $script_file, '-h', $node->host,
		  '-p', $node->port, 'postgres' ],
		'>', \$out, '2>', \$err);

	# let some inserts commit, then crash the server
	$node->poll_query_until('postgres', "SELECT count(*) > 400 FROM $table") or die "no inserts";
	my $postmaster_pid = $node->{_pid};
	$node->kill9;
	$bench->finish;

	# The old backends notice the dead postmaster and exit; retry until the
	# new postmaster can take over. A killed postmaster whose parent is a
	# PID 1 that does not reap children stays a zombie, which Postgres takes
	# for a live postmaster: its lock file is stale then, so remove it.
	my $started = 0;
	for (1 .. 50) {
		if (process_is_zombie($postmaster_pid)) {
			unlink($node->data_dir . '/postmaster.pid');
		}
		last if ($started = $node->start(fail_ok => 1));
		$node->{_pid} = undef;    # start() read the stale lock file
		usleep(200_000);
	}
	ok($started, "$method->{am}: server restarts after kill -9");

	my $rows = $node->safe_psql('postgres', "SELECT count(*) FROM $table");
	cmp_ok($rows, '>', 400, "$method->{am}: committed inserts survived ($rows rows)");
	assert_index_matches_seqscan($node, 'postgres', $table, $dim, $method, "$method->{am} after crash");

	# Every row is reachable through the index, NULL-free, none twice.
	my $through_index = $node->safe_psql('postgres',
		"SET enable_seqscan = off; SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM $table ORDER BY embedding <-> "
		  . vector_sql(5, $dim) . " LIMIT 1000000) s");
	is($through_index, "$rows|$rows", "$method->{am}: index returns every row exactly once");

	# and it still takes inserts
	$node->safe_psql('postgres', "INSERT INTO $table (category, embedding) SELECT 2, " . vector_sql(424242, $dim));
	assert_index_matches_seqscan($node, 'postgres', $table, $dim, $method, "$method->{am} after more inserts");
}

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
