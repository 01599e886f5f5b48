# describe_index while another session builds the index: the catalog row
# is not committed yet, so the build shows as 'InProgress' with the progress
# Postgres reports for the collection's table; once built, 'Finished' with
# the rows indexed. The build is made slow (one thread, 6000 rows, a wide
# efConstruction: seconds) and watched from a third session.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $node = new_vecdb_node('describe_progress');
$node->safe_psql('postgres', q{
SELECT vecdb.create_collection('docs', 64);
INSERT INTO docs (id, vector)
SELECT i, (SELECT array_agg(sin(i * 0.7 + d * 1.3))::real[] FROM generate_series(1, 64) d)::vector
  FROM generate_series(1, 6000) i;
});

my $builder = $node->background_psql('postgres', on_error_stop => 0);
$builder->query_until(qr/started/, q{\echo started
SET vecdb.hnsw_build_threads = 1;
SELECT vecdb.create_index('docs', 'vector', 'HNSW', 'L2', '{"M": 16, "efConstruction": 400}');
\echo built
});

my $watcher = $node->background_psql('postgres', on_error_stop => 0);
my ($state, $progress) = ('', '');
my $deadline = time() + 120;
while (time() < $deadline) {
	$watcher->{stderr} = '';
	$state = $watcher->query(q{SELECT d->>'state' || ' ' || coalesce(d->>'index_name', '-') || ' '
	                                  || coalesce(d->'progress'->>'phase', '-') || ' ' || coalesce(d->'progress'->>'partitions_total', '-')
	                             FROM vecdb.describe_index('docs', 'vector') d});
	last if $state =~ /^(InProgress|Finished)/;
}
like($state, qr/^InProgress vector [a-z: ]+ \d+$/, "while building: in progress with its phase ($state)");
$watcher->{stderr} = '';
is($watcher->query(q{SELECT vecdb.describe_index('docs')->>'state'}), 'InProgress', 'unnamed: the build in progress');
$watcher->quit;

$builder->query_until(qr/built/, '');
$builder->quit;
is($node->safe_psql('postgres', q{SELECT vecdb.describe_index('docs', 'vector')->>'state'}), 'Finished', 'then finished');
is($node->safe_psql('postgres', q{SELECT vecdb.describe_index('docs', 'vector')->>'indexed_rows'}), '6000',
	'finished: every row indexed');
my ($ret, $out, $err) = $node->psql('postgres', q{SELECT vecdb.describe_index('docs', 'other')});
like($err, qr/index "other" does not exist in collection "docs"/, 'no build running: an unknown index is an error');

done_testing();
