# Several sessions insert and search at once for a bounded time: no errors,
# no lost rows, and the index still matches a sequential scan afterwards.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 16;
my $node = new_vecdb_node('concurrency');

for my $method (index_methods()) {
	my $table = "conc_$method->{name}";
	create_vector_table($node, 'postgres', $table, 200, $dim);
	$node->safe_psql('postgres',
		"CREATE INDEX ON $table USING $method->{am} (embedding) $method->{with}");
	$node->safe_psql('postgres', "CREATE TABLE ${table}_log (n int)");

	my $seed = '(random() * 1000000)::int';
	$node->pgbench(
		"-n -c 4 -j 2 -t 150",
		0,
		[qr{processed: 600/600}],
		[qr{^$}],
		"$method->{name}: 4 sessions insert and search concurrently",
		{
			"insert_$method->{name}" => "WITH n AS (INSERT INTO $table (category, embedding) SELECT 7, "
			  . vector_sql($seed, $dim) . " RETURNING 1) INSERT INTO ${table}_log SELECT 1 FROM n;",
			"search_$method->{name}" => "$method->{settings} SELECT id FROM $table WHERE category = 7 "
			  . "ORDER BY embedding <-> " . vector_sql($seed, $dim) . " LIMIT 5;",
		});

	my $logged = $node->safe_psql('postgres', "SELECT count(*) FROM ${table}_log");
	my $inserted = $node->safe_psql('postgres', "SELECT count(*) FROM $table WHERE category = 7");
	is($inserted, $logged, "$method->{name}: every committed insert is in the table");
	my $through_index = $node->safe_psql('postgres',
		"SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM $table WHERE category = 7 ORDER BY embedding <-> "
		  . vector_sql(1, $dim) . " LIMIT 1000000) s");
	is($through_index, $logged, "$method->{name}: the index finds every inserted row");
	assert_index_matches_seqscan($node, 'postgres', $table, $dim, $method, "$method->{name} after concurrent load");
	assert_indexes_verify($node, 'postgres', $method->{am}, "$method->{name} after concurrent load");
}

$node->stop;
done_testing();
