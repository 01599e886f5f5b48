# An index survives kill -9 of the postmaster in the middle of a stream of
# inserts: after restart, index answers equal a sequential scan. With
# vectors larger than a page (flat's overflow pages), VACUUM afterwards
# leaves no page leaked by an insert the crash cut short.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;
use Time::HiRes qw(usleep);

my $node = new_vecdb_node('crash');

# Runs pgbench inserting rows into $table until it holds more than
# $threshold rows, kills the postmaster with SIGKILL mid-stream and restarts.
sub crash_during_inserts {
	my ($table, $dim, $threshold, $label) = @_;
	my $script = "INSERT INTO $table (category, embedding) SELECT 1, "
	  . vector_sql('(random() * 1000000)::int', $dim) . ";\n";
	my $script_file = $node->basedir . "/insert_$table.sql";
	PostgreSQL::Test::Utils::append_to_file($script_file, $script);
	my ($out, $err) = ('', '');
	my $bench = IPC::Run::start(
		[ 'pgbench', '-n', '-c', '2', '-T', '60', '-f', $script_file, '-h', $node->host,
		  '-p', $node->port, 'postgres' ],
		'>', \$out, '2>', \$err);

	$node->poll_query_until('postgres', "SELECT count(*) > $threshold FROM $table") or die "no inserts";
	my $postmaster_pid = $node->{_pid};
	$node->kill9;
	$bench->finish;

	# The old backends notice the dead postmaster and exit; retry until the
	# new postmaster can take over. A killed postmaster whose parent is a
	# PID 1 that does not reap children stays a zombie, which Postgres takes
	# for a live postmaster: its lock file is stale then, so remove it.
	my $started = 0;
	for (1 .. 50) {
		unlink($node->data_dir . '/postmaster.pid') if process_is_zombie($postmaster_pid);
		last if ($started = $node->start(fail_ok => 1));
		$node->{_pid} = undef;    # start() read the stale lock file
		usleep(200_000);
	}
	ok($started, "$label: server restarts after kill -9");
}

# Checks that every row is reachable through the index exactly once.
sub assert_every_row_once {
	my ($table, $dim, $label) = @_;
	my $rows = $node->safe_psql('postgres', "SELECT count(*) FROM $table");
	my $through_index = $node->safe_psql('postgres',
		"SET enable_seqscan = off; SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM $table ORDER BY embedding <-> "
		  . vector_sql(5, $dim) . " LIMIT 1000000) s");
	is($through_index, "$rows|$rows", "$label: index returns every row exactly once");
	return $rows;
}

for my $method (index_methods()) {
	my $am = $method->{am};
	my $name = $method->{name};
	my $dim = 16;
	my $table = "crash_$method->{name}";
	create_vector_table($node, 'postgres', $table, 300, $dim);
	$node->safe_psql('postgres', "CREATE INDEX ON $table USING $am (embedding) $method->{with}");
	# recovery starts at this checkpoint: the inserts' first change of each
	# page is replayed from a full-page image, the later ones from deltas
	$node->safe_psql('postgres', 'CHECKPOINT');
	crash_during_inserts($table, $dim, 400, $name);

	my $rows = assert_every_row_once($table, $dim, "$name after crash");
	cmp_ok($rows, '>', 400, "$name: committed inserts survived ($rows rows)");
	assert_index_matches_seqscan($node, 'postgres', $table, $dim, $method, "$name after crash");

	# and it still takes inserts
	$node->safe_psql('postgres', "INSERT INTO $table (category, embedding) SELECT 2, " . vector_sql(424242, $dim));
	assert_index_matches_seqscan($node, 'postgres', $table, $dim, $method, "$name after more inserts");
	assert_indexes_verify($node, 'postgres', $am, "$name after crash");

	# vectors of 3000 dimensions: every flat entry keeps its value in two
	# overflow pages, written before the entry itself
	next unless $method->{wide};
	my $wide_dim = 3000;
	my $wide = "crash_wide_$method->{name}";
	create_vector_table($node, 'postgres', $wide, 20, $wide_dim);
	$node->safe_psql('postgres', "CREATE INDEX ${wide}_idx ON $wide USING $am (embedding) $method->{with}");
	crash_during_inserts($wide, $wide_dim, 60, "$name wide");
	assert_every_row_once($wide, $wide_dim, "$name wide after crash");
	assert_index_matches_seqscan($node, 'postgres', $wide, $wide_dim, $method, "$name wide after crash");
	if ($am eq 'flat') {
		$node->safe_psql('postgres', "VACUUM $wide");
		my ($entries, $overflow) = split /\|/, $node->safe_psql('postgres',
			"SELECT entries - null_entries, overflow_pages FROM vecdb.index_stats('${wide}_idx')");
		is($overflow, 2 * $entries, "flat wide: after VACUUM every overflow page belongs to an entry");
	}
	assert_indexes_verify($node, 'postgres', $am, "$name wide after crash");
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
