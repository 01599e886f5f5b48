# Monitoring: with vecdb in shared_preload_libraries, vecdb.stat_search
# counts every flat scan, the entries it scored and its rows; reset forgets
# one index's counters. Debian's prometheus-postgres-exporter, started on
# loopback with monitoring/prometheus-postgres-exporter.yaml, serves the
# same numbers as vecdb_* metrics on /metrics.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use HTTP::Tiny;
use IPC::Run;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 8;
my $node = PostgreSQL::Test::Cluster->new('monitoring');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'vecdb'\nlisten_addresses = '127.0.0.1'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vecdb');

create_vector_table($node, 'postgres', 'mon', 300, $dim);
$node->safe_psql('postgres', 'UPDATE mon SET embedding = NULL WHERE id % 15 = 0');   # 20 NULLs
$node->safe_psql('postgres', 'CREATE INDEX mon_idx ON mon USING flat (embedding)');
# every other index type on a copy (the searches below must use mon_idx)
$node->safe_psql('postgres', 'CREATE TABLE mon_other AS SELECT * FROM mon');
for my $method (index_methods()) {
	$node->safe_psql('postgres',
		"CREATE INDEX mon_other_$method->{name}_idx ON mon_other USING $method->{am} (embedding) $method->{with}");
}
$node->safe_psql('postgres', 'CREATE INDEX mon_other_id_idx ON mon_other (id)');

is($node->safe_psql('postgres', q{SELECT string_agg(index::text || ':' || access_method, ',' ORDER BY index::text)
	FROM vecdb.stat_indexes WHERE "table" = 'mon_other'::regclass}),
	join(',', sort map { "mon_other_$_->{name}_idx:$_->{am}" } index_methods()),
	'vecdb.stat_indexes lists every vecdb index of a table, and only those');
is($node->safe_psql('postgres', "SELECT estimated_entries FROM vecdb.stat_indexes WHERE index = 'mon_idx'::regclass"),
	'300', 'estimated entries as of CREATE INDEX');

# Three searches through the flat index, each in its own session.
for my $q (1 .. 3) {
	$node->safe_psql('postgres', 'SET enable_seqscan = off; SET enable_bitmapscan = off; '
		  . "SELECT id FROM mon ORDER BY embedding <-> " . vector_sql($q * 7, $dim) . " LIMIT 5");
}
$node->poll_query_until('postgres',
	"SELECT scans = 3 FROM vecdb.stat_search WHERE index = 'mon_idx'::regclass")
  or die 'idx_scan never reached 3';
is($node->safe_psql('postgres', q{SELECT scans, tuples_returned, counted_scans, tuples_scored, continuations
	FROM vecdb.stat_search WHERE index = 'mon_idx'::regclass}),
	'3|15|3|840|0', 'flat: 3 scans, 15 rows returned, 3 x 280 non-NULL entries scored, no continuations');

# The exporter on loopback, reading the same views.
my $exporter_port = PostgreSQL::Test::Cluster::get_free_port();
my $queries = "$FindBin::RealBin/../../monitoring/prometheus-postgres-exporter.yaml";
ok(-f $queries, 'the exporter queries file exists');
my $dsn = sprintf('host=127.0.0.1 port=%d user=%s dbname=postgres sslmode=disable', $node->port,
	$node->safe_psql('postgres', 'SELECT current_user'));
my ($out, $err) = ('', '');
my $exporter = IPC::Run::start(
	[ '/usr/bin/prometheus-postgres-exporter', "--web.listen-address=127.0.0.1:$exporter_port",
		"--extend.query-path=$queries", '--disable-default-metrics', '--disable-settings-metrics' ],
	'>', \$out, '2>', \$err, init => sub { $ENV{DATA_SOURCE_NAME} = $dsn });
my $metrics = '';
for (1 .. 100) {
	my $response = HTTP::Tiny->new(timeout => 5)->get("http://127.0.0.1:$exporter_port/metrics");
	$metrics = $response->{content} if $response->{success};
	last if $metrics =~ /^vecdb_search_tuples_scored\{/m;
	usleep(200_000);    # built-in sleep rounds 0.2 down to 0: the exporter got no time to start
}
# The value of one vecdb metric for index mon_idx, or undef.
sub metric_value {
	my ($name) = @_;
	return $metrics =~ /^$name\{[^}]*index="mon_idx"[^}]*\} (\S+)$/m ? $1 + 0 : undef;
}
is(metric_value('vecdb_index_size_bytes'),
	$node->safe_psql('postgres', "SELECT pg_relation_size('mon_idx')") + 0, '/metrics: vecdb_index_size_bytes');
is(metric_value('vecdb_index_estimated_entries'), 300, '/metrics: vecdb_index_estimated_entries');
is(metric_value('vecdb_search_scans'), 3, '/metrics: vecdb_search_scans');
is(metric_value('vecdb_search_tuples_returned'), 15, '/metrics: vecdb_search_tuples_returned');
is(metric_value('vecdb_search_tuples_scored'), 840, '/metrics: vecdb_search_tuples_scored');
like($metrics, qr/^vecdb_index_size_bytes\{[^}]*access_method="flat"[^}]*\}/m, 'series carry the access method label');
$exporter->kill_kill;
diag("exporter stderr: $err") unless defined metric_value('vecdb_search_scans');

# Reset: the index's owner forgets its counters; the next scan counts anew.
is($node->safe_psql('postgres', "SELECT vecdb.reset_search_stats('mon_idx')"), '1', 'reset removes the index counters');
is($node->safe_psql('postgres', "SELECT counted_scans IS NULL FROM vecdb.stat_search WHERE index = 'mon_idx'::regclass"),
	't', 'no counters after the reset');
$node->safe_psql('postgres', 'SET enable_seqscan = off; SELECT id FROM mon ORDER BY embedding <-> '
	  . vector_sql(99, $dim) . ' LIMIT 1');
is($node->safe_psql('postgres', q{SELECT counted_scans, tuples_scored FROM vecdb.stat_search
	WHERE index = 'mon_idx'::regclass}), '1|280', 'counting starts again after the reset');

$node->stop;
done_testing();
