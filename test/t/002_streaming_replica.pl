# A streaming standby replays index builds and inserts; queries on the
# standby use the index and return the primary's answers.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 24;
my $primary = new_vecdb_node('primary', allows_streaming => 1);
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

for my $method (index_methods()) {
	my $table = "replica_$method->{name}";
	create_vector_table($primary, 'postgres', $table, 500, $dim);
	$primary->safe_psql('postgres',
		"CREATE INDEX ${table}_idx ON $table USING $method->{am} (embedding) $method->{with}");
	# a checkpoint first: each insert's first change of a page then goes
	# out as a full-page image (am/common vecdb_register_buffer asks for it
	# up front), the later ones as deltas; the standby replays both
	$primary->safe_psql('postgres', 'CHECKPOINT');
	# inserts after the build go through aminsert, which must be logged too
	$primary->safe_psql('postgres',
		"INSERT INTO $table (category, embedding) SELECT 9, " . vector_sql('i', $dim)
		  . " FROM generate_series(501, 900) i");
	$primary->safe_psql('postgres', "DELETE FROM $table WHERE id % 7 = 0; VACUUM $table");
	$primary->wait_for_catchup($standby);

	assert_index_matches_seqscan($standby, 'postgres', $table, $dim, $method, "$method->{name} on standby");
	for my $q (1 .. 3) {
		my $query = vector_sql($q * 31 + 5, $dim);
		is(nearest_rows($standby, 'postgres', $table, $query, 10, 1, settings => $method->{settings}),
			nearest_rows($primary, 'postgres', $table, $query, 10, 1, settings => $method->{settings}),
			"$method->{name}: standby answers like the primary (query $q)");
	}
	assert_indexes_verify($primary, 'postgres', $method->{am}, "$method->{name} on the primary");
	assert_indexes_verify($standby, 'postgres', $method->{am}, "$method->{name} on the standby");
}

$standby->stop;
$primary->stop;
done_testing();
