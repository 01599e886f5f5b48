# pg_dump -Fc / pg_restore into a fresh database recreates the index and it
# answers identically.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 20;
my $node = new_vecdb_node('dump');

for my $method (index_methods()) {
	my $table = "dump_$method->{name}";
	create_vector_table($node, 'postgres', $table, 400, $dim);
	$node->safe_psql('postgres', "UPDATE $table SET embedding = NULL WHERE id % 50 = 0");
	$node->safe_psql('postgres',
		"CREATE INDEX ${table}_idx ON $table USING $method->{am} (embedding) $method->{with}");
}

my $dump = $node->basedir . '/vecdb.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');

for my $method (index_methods()) {
	my $table = "dump_$method->{name}";
	my $def_query = "SELECT indexdef FROM pg_indexes WHERE indexname = '${table}_idx'";
	is($node->safe_psql('restored', $def_query), $node->safe_psql('postgres', $def_query),
		"$method->{name}: index definition restored");
	assert_index_matches_seqscan($node, 'restored', $table, $dim, $method, "$method->{name} restored");
	for my $q (1 .. 3) {
		my $query = vector_sql($q * 77, $dim);
		my $restored = nearest_rows($node, 'restored', $table, $query, 400, 1, settings => $method->{settings});
		my $original = nearest_rows($node, 'postgres', $table, $query, 400, 1, settings => $method->{settings});
		is($restored, $original,
			"$method->{name}: restored index answers identically, NULL rows included (query $q)");
	}
	assert_indexes_verify($node, 'restored', $method->{am}, "$method->{name} restored");
}

$node->stop;
done_testing();
