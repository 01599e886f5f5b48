# Read replicas: a primary and two streaming standbys. Searches through
# every index type answer on both standbys exactly as on the primary; then
# one standby is promoted, and its indexes stay usable and take new rows,
# deletes and VACUUM, while the other standby keeps answering as before.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 16;
my $primary = new_vecdb_node('primary', allows_streaming => 1);
$primary->backup('base');
my @standbys;
for my $name ('standby_a', 'standby_b') {
	my $standby = PostgreSQL::Test::Cluster->new($name);
	$standby->init_from_backup($primary, 'base', has_streaming => 1);
	$standby->start;
	push @standbys, $standby;
}

my @tables;
for my $method (index_methods()) {
	my $table = "rep_$method->{name}";
	push @tables, [ $table, $method ];
	create_vector_table($primary, 'postgres', $table, 400, $dim);
	$primary->safe_psql('postgres',
		"CREATE INDEX ${table}_idx ON $table USING $method->{am} (embedding) $method->{with}");
	$primary->safe_psql('postgres',
		"INSERT INTO $table (category, embedding) SELECT 9, " . vector_sql('i', $dim)
		  . " FROM generate_series(401, 700) i");
	$primary->safe_psql('postgres', "DELETE FROM $table WHERE id % 9 = 0; VACUUM $table");
}
$primary->wait_for_catchup($_) for @standbys;

for my $entry (@tables) {
	my ($table, $method) = @$entry;
	for my $q (1 .. 3) {
		my $query = vector_sql($q * 41 + 2, $dim);
		my %opt = (settings => $method->{settings}, where => ($q == 2 ? 'category = 9' : undef));
		my $on_primary = nearest_rows($primary, 'postgres', $table, $query, 10, 1, %opt);
		for my $standby (@standbys) {
			is(nearest_rows($standby, 'postgres', $table, $query, 10, 1, %opt), $on_primary,
				"$method->{name}: " . $standby->name . " answers like the primary (query $q)");
		}
	}
	for my $standby (@standbys) {
		is($standby->safe_psql('postgres', "SELECT entries FROM vecdb.index_stats('${table}_idx')"),
			$primary->safe_psql('postgres', "SELECT entries FROM vecdb.index_stats('${table}_idx')"),
			"$method->{name}: " . $standby->name . " index holds the primary's entries");
	}
}

# Promote the first standby: the old primary stops, the other standby stays
# a read replica of the stopped primary (it keeps its replayed data).
$primary->stop;
my ($promoted, $reader) = @standbys;
$promoted->promote;
$promoted->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'promotion did not finish';

for my $entry (@tables) {
	my ($table, $method) = @$entry;
	my $query = vector_sql(77, $dim);
	is(nearest_rows($promoted, 'postgres', $table, $query, 10, 1, settings => $method->{settings}),
		nearest_rows($reader, 'postgres', $table, $query, 10, 1, settings => $method->{settings}),
		"$method->{name}: promoted node answers as before promotion");
	# writable: new rows through aminsert, deletes and VACUUM on the promoted node
	$promoted->safe_psql('postgres',
		"INSERT INTO $table (category, embedding) SELECT 4, " . vector_sql('i', $dim)
		  . " FROM generate_series(2001, 2150) i");
	$promoted->safe_psql('postgres', "DELETE FROM $table WHERE id % 11 = 0; VACUUM $table");
	assert_index_matches_seqscan($promoted, 'postgres', $table, $dim, $method, "$method->{name} after promotion");
	is($promoted->safe_psql('postgres',
			"SET enable_seqscan = off; SELECT id FROM $table WHERE category = 4 ORDER BY embedding <-> " . vector_sql(2001, $dim) . " LIMIT 1"),
		$promoted->safe_psql('postgres', "SELECT id FROM $table WHERE embedding = " . vector_sql(2001, $dim)),
		"$method->{name}: a row inserted after promotion is found through the index");
}

$_->stop for @standbys;
done_testing();
