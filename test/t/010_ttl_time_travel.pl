# TTL and time travel across sessions and server events.
# - The purge worker (vecdb preloaded) deletes expired rows and logs it,
#   skips a database without vecdb and one that does not exist; without
#   preload there is no worker and vecdb.purge_expired does the same.
# - Time travel: query / get / search with as_of => T return what the same
#   call returned at T, recorded during the test, across a long transaction
#   that commits after a later-started one, an aborted transaction and
#   concurrent sessions; still after VACUUM, VACUUM FULL, a crash (kill -9),
#   pg_dump / restore into another cluster, and on a streaming standby.
# - Time travel without track_commit_timestamp is a clear error.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $node = PostgreSQL::Test::Cluster->new('ttl_primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', qq{
shared_buffers = 32MB
shared_preload_libraries = 'vecdb'
track_commit_timestamp = on
vecdb.purge_databases = 'postgres, plain, no_such_db'
vecdb.purge_interval = 1
vecdb.purge_batch_size = 7
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION vecdb');
$node->safe_psql('postgres', 'CREATE DATABASE plain');

# ---- TTL: the worker purges expired rows in batches and says so ----
$node->safe_psql('postgres', q{
SELECT vecdb.create_collection('expiring', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb, properties => '{"ttl": "1 hour"}');
SELECT vecdb.create_index('expiring', 'v', 'FLAT');
SELECT vecdb.insert('expiring', (SELECT jsonb_agg(jsonb_build_object('id', i, 'v', jsonb_build_array(i, 0)))
                                   FROM generate_series(1, 40) i));
});
ok($node->wait_for_log(qr/vecdb purge launcher started \(databases "postgres, plain, no_such_db", every 1 s\)/),
	'the purge launcher runs when vecdb is preloaded');
my $log_offset = -s $node->logfile;
# 25 rows expire (more than three batches of 7); the other 15 stay
$node->safe_psql('postgres', q{UPDATE expiring SET "$inserted_at" = now() - interval '2 hours' WHERE id <= 25});
ok($node->poll_query_until('postgres', q{SELECT count(*) = 15 FROM expiring}), 'the worker purged the expired rows');
is($node->safe_psql('postgres', q{SELECT min(id) || '-' || max(id) FROM expiring}), '26-40', 'only the expired rows');
ok( $node->wait_for_log(qr/vecdb purge: deleted 25 expired rows and 0 history versions of collection "expiring" in database "postgres"/,
		$log_offset),
	'the worker logs what it deleted');
ok($node->wait_for_log(qr/database "plain" does not have the vecdb extension/, $log_offset),
	'a database without vecdb is skipped with a log line');
ok($node->wait_for_log(qr/database "no_such_db" does not exist/, $log_offset), 'a missing database is logged');
is($node->safe_psql('plain', 'SELECT 1'), '1', 'the server is up');
unlike(slurp_file($node->logfile), qr/terminated by signal/, 'no process crashed');

# ---- time travel: record what calls return at instants, compare later ----
$node->safe_psql('postgres', q{
SELECT vecdb.create_collection('tt', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "tag", "type": "VARCHAR", "params": {"max_length": 20}},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 3}}]}'::jsonb);
SELECT vecdb.insert('tt', (SELECT jsonb_agg(jsonb_build_object('id', i, 'tag', 'v1',
                             'v', jsonb_build_array(sin(i), cos(i), sin(i * 0.3)))) FROM generate_series(1, 200) i));
SELECT vecdb.create_index('tt', 'v', 'HNSW', 'L2', '{"M": 8, "efConstruction": 64}');
SELECT vecdb.enable_time_travel('tt', '1 day');
});

# What the collection answers now (as_of NULL) or at an instant: a query of
# every row, a get, a count and nearest-neighbour searches through the
# hnsw indexes (ef above the row count: exact, so the answers compare).
sub answers {
	my ($n, $db, $as_of) = @_;
	my $arg = defined $as_of ? ", as_of => '$as_of'" : '';
	return $n->safe_psql($db, qq{
SELECT (SELECT string_agg(e::text, ' ') FROM vecdb.query('tt', 'id > 0', ARRAY['tag'] $arg) e)
    || ' | ' || (SELECT coalesce(string_agg(e::text, ' '), '') FROM vecdb.get('tt', '[1, 2, 3, 500, 501]', ARRAY['tag'] $arg) e)
    || ' | ' || (SELECT e::text FROM vecdb.query('tt', '', ARRAY['count(*)'] $arg) e)
    || ' | ' || (SELECT string_agg(query_no || ':' || id || ':' || round(distance::numeric, 5) || (entity->>'tag'), ' '
                                   ORDER BY query_no, distance, id)
                   FROM vecdb.search('tt', '[[0, 0, 1], [1, 1, 1], [0.5, 0.8, 0.1]]', top_k => 6,
                                     output_fields => ARRAY['tag'], params => '{"ef": 400}' $arg))});
}

my %recorded;    # instant => answers then
# Records the answers now together with the instant after them (nothing
# commits while this runs).
sub record {
	my ($label) = @_;
	my $a = answers($node, 'postgres');
	my $t = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
	$recorded{$t} = [ $label, $a ];
	return $t;
}

sub check_recorded {
	my ($n, $db, $what) = @_;
	for my $t (sort keys %recorded) {
		is(answers($n, $db, $t), $recorded{$t}[1], "$what: as_of $recorded{$t}[0] equals the answer then");
	}
}

record('start');
my $long = $node->background_psql('postgres');
my $other = $node->background_psql('postgres');

# a long transaction writes first but commits after a later-started one
$long->query_safe(q{BEGIN; SELECT vecdb.insert('tt', '{"id": 500, "tag": "long", "v": [0, 0, 1]}');
                    UPDATE tt SET tag = 'long' WHERE id = 1; DELETE FROM tt WHERE id = 2;});
$other->query_safe(q{SELECT vecdb.insert('tt', '{"id": 501, "tag": "short", "v": [0, 1, 0]}');
                     SELECT vecdb.upsert('tt', '{"id": 3, "tag": "short", "v": [1, 1, 1]}')});
my $t_short = record('short committed, long running');
$long->query_safe('COMMIT');
my $t_long = record('long committed');
like($recorded{$t_short}[1], qr/"id": 501.*"count\(\*\)": 201/, 'the short transaction was visible first');
unlike($recorded{$t_short}[1], qr/"id": 500/, 'the long transaction was not, though it wrote first');

# an aborted transaction is never visible
$long->query_safe(q{BEGIN; DELETE FROM tt WHERE id = 501; UPDATE tt SET tag = 'aborted' WHERE id = 3;
                    SELECT vecdb.insert('tt', '{"id": 502, "v": [1, 0, 0], "tag": "aborted"}')});
my $t_abort_running = record('aborting transaction running');
$long->query_safe('ROLLBACK');
# a delete that waits in a transaction while another session updates
$long->query_safe(q{BEGIN; SELECT vecdb.delete('tt', 'id <= 10 and id > 5')});
$other->query_safe(q{UPDATE tt SET tag = 'v2' WHERE id BETWEEN 11 AND 20});
my $t_delete_running = record('delete running');
$long->query_safe('COMMIT');
record('delete committed');
$other->query_safe(q{UPDATE tt SET tag = 'v3' WHERE id BETWEEN 15 AND 25; DELETE FROM tt WHERE id = 500});
record('after more changes');
$long->quit;
$other->quit;

check_recorded($node, 'postgres', 'live');
is( $node->safe_psql('postgres', qq{SELECT count(*) FROM vecdb.collection_changes('tt', '$t_short', '$t_long')}),
	'4', 'collection_changes: the long transaction created two versions and ended two');

$node->safe_psql('postgres', 'VACUUM tt; VACUUM "tt$history"');
check_recorded($node, 'postgres', 'after VACUUM');
$node->safe_psql('postgres', 'VACUUM (FULL, FREEZE) tt; VACUUM FULL "tt$history"');
check_recorded($node, 'postgres', 'after VACUUM FULL FREEZE');

$node->stop('immediate');
$node->start;
check_recorded($node, 'postgres', 'after a crash');

# retention and the future
my ($ret, $out, $err) = $node->psql('postgres', q{SELECT vecdb.query('tt', '', as_of => now() - interval '2 days')});
like($err, qr/as_of is older than the time travel history of collection "tt"/, 'as_of before the retention is an error');
($ret, $out, $err) = $node->psql('postgres', q{SELECT vecdb.query('tt', '', as_of => now() + interval '1 s')});
like($err, qr/as_of is in the future/, 'as_of in the future is an error');

# ---- a streaming standby answers the same ----
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('ttl_standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->append_conf('postgresql.conf', "vecdb.purge_databases = ''\n");
$standby->start;
$node->wait_for_catchup($standby);
check_recorded($standby, 'postgres', 'on the standby');

# ---- pg_dump / restore into another cluster (commit log carried) ----
$node->safe_psql('postgres', 'SELECT * FROM vecdb.purge_expired()');
my $dump = $node->basedir . '/tt.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
my $other_node = PostgreSQL::Test::Cluster->new('ttl_restored');
$other_node->init;
$other_node->append_conf('postgresql.conf', "track_commit_timestamp = on\n");
$other_node->start;
$other_node->command_ok([ 'pg_restore', '-d', $other_node->connstr('postgres'), $dump ], 'pg_restore into another cluster');
check_recorded($other_node, 'postgres', 'restored in another cluster');
# new writes there are ordered by that cluster's commits; the past stays
$other_node->safe_psql('postgres', q{UPDATE tt SET tag = 'restored' WHERE id = 30; SELECT vecdb.insert('tt', '{"id": 600, "v": [1, 2, 3], "tag": "new"}')});
check_recorded($other_node, 'postgres', 'restored, after new writes');
like(answers($other_node, 'postgres'), qr/"count\(\*\)": 196/, 'the restored collection counts the new row');
# no worker without preload; purge_expired does its work
unlike(slurp_file($other_node->logfile), qr/vecdb purge/, 'no purge worker without preload');
$other_node->safe_psql('postgres', q{UPDATE expiring SET "$inserted_at" = now() - interval '2 hours' WHERE id > 35});
is($other_node->safe_psql('postgres', q{SELECT expired FROM vecdb.purge_expired('expiring')}), '5',
	'purge_expired deletes the expired rows without preload');

# ---- without track_commit_timestamp ----
my $off = PostgreSQL::Test::Cluster->new('ttl_no_commit_ts');
$off->init;
$off->start;
$off->safe_psql('postgres', q{CREATE EXTENSION vecdb;
SELECT vecdb.create_collection('c', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb)});
($ret, $out, $err) = $off->psql('postgres', q{SELECT vecdb.enable_time_travel('c', '1 day')});
like($err, qr/time travel needs track_commit_timestamp = on/, 'enable_time_travel names the missing setting');

# ---- the worker purges history past a shortened retention ----
$log_offset = -s $node->logfile;
my $history = $node->safe_psql('postgres', 'SELECT count(*) FROM "tt$history"');
cmp_ok($history, '>', 0, 'the primary has history');
$node->safe_psql('postgres', q{SELECT vecdb.enable_time_travel('tt', '1 second')});
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM "tt$history"}), 'the worker purged the old history');
ok($node->wait_for_log(qr/vecdb purge: deleted 0 expired rows and $history history versions of collection "tt"/, $log_offset),
	'the worker logs the history it purged');
($ret, $out, $err) = $node->psql('postgres', qq{SELECT vecdb.query('tt', '', as_of => '$t_long')});
like($err, qr/as_of is older than the time travel history/, 'as_of before the new retention is refused');

$off->stop;
$other_node->stop;
$standby->stop;
$node->stop;
done_testing();
