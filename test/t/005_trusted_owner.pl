# vecdb is a trusted extension: the owner of a database, without superuser,
# creates it (as managed Postgres services allow for listed extensions),
# builds every index type, searches, reads the index statistics, and drops it.
# Another ordinary user of that database can use the types and indexes too.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 16;
my $node = PostgreSQL::Test::Cluster->new('trusted');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE ROLE app_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
	CREATE ROLE app_reader LOGIN NOSUPERUSER;
	CREATE DATABASE appdb OWNER app_owner;
	REVOKE CREATE ON SCHEMA public FROM PUBLIC;
});
$node->safe_psql('appdb', 'ALTER SCHEMA public OWNER TO app_owner');

# Runs SQL in appdb as the given role.
sub as_role {
	my ($role, $sql) = @_;
	return $node->safe_psql('appdb', $sql, extra_params => [ '-U', $role ]);
}

is(as_role('app_owner', 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user'), 'f',
	'the database owner is not a superuser');

# Without trust a plain user cannot create it; the owner of the database can.
my ($ret, $out, $err) = $node->psql('appdb', 'CREATE EXTENSION vecdb', extra_params => [ '-U', 'app_reader' ]);
isnt($ret, 0, 'a user who does not own the database cannot create vecdb');
like($err, qr/permission denied to create extension "vecdb"/, 'with a permission error');

as_role('app_owner', 'CREATE EXTENSION vecdb');
is(as_role('app_owner', "SELECT extowner::regrole FROM pg_extension WHERE extname = 'vecdb'"), 'app_owner',
	'the database owner owns the extension');

as_role('app_owner', 'GRANT USAGE, CREATE ON SCHEMA public TO app_reader');
for my $method (index_methods()) {
	my $table = "owned_$method->{name}";
	# create_vector_table runs as the node's superuser; build the table as the owner instead
	as_role('app_owner', "CREATE TABLE $table (id bigserial PRIMARY KEY, category int, embedding vector($dim))");
	as_role('app_owner',
		"INSERT INTO $table (category, embedding) SELECT i % 5, " . vector_sql('i', $dim)
		  . " FROM generate_series(1, 300) i");
	as_role('app_owner', "CREATE INDEX ${table}_idx ON $table USING $method->{am} (embedding) $method->{with}");
	as_role('app_owner', "INSERT INTO $table (category, embedding) VALUES (7, " . vector_sql(9999, $dim) . ")");
	as_role('app_owner', "GRANT SELECT ON $table TO app_reader");

	my $plan = as_role('app_owner',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM $table ORDER BY embedding <-> "
		  . vector_sql(1, $dim) . " LIMIT 5");
	like($plan, qr/Index Scan using ${table}_idx/, "$method->{name}: the owner's search uses the index");
	for my $q (1 .. 3) {
		my $query = vector_sql($q * 101 + 3, $dim);
		my $search = "SET enable_seqscan = off; $method->{settings} SELECT id FROM $table "
		  . "ORDER BY embedding <-> $query LIMIT 10";
		my $exact = "SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT id FROM $table "
		  . "ORDER BY embedding <-> $query LIMIT 10";
		my $expected = $node->safe_psql('appdb', $exact);
		is(as_role('app_owner', $search), $expected, "$method->{name}: owner's search is exact (query $q)");
		is(as_role('app_reader', $search), $expected, "$method->{name}: another user's search is exact (query $q)");
	}
	is(as_role('app_owner', "SELECT access_method, entries FROM vecdb.index_stats('${table}_idx')"),
		"$method->{am}|301", "$method->{name}: the owner reads vecdb.index_stats");

	# the reader builds an index of its own on its own table
	as_role('app_reader', "CREATE TABLE reader_$method->{name} AS SELECT * FROM $table");
	as_role('app_reader', "CREATE INDEX ON reader_$method->{name} USING $method->{am} (embedding) $method->{with}");
	is(as_role('app_reader', "SET enable_seqscan = off; $method->{settings} SELECT id FROM reader_$method->{name} "
		  . "ORDER BY embedding <-> " . vector_sql(9999, $dim) . " LIMIT 1"),
		'301', "$method->{name}: a plain user's own index finds the nearest row");
}

# The collection API as the database owner: create, insert, index, search
# with a filter, delete, drop.
as_role('app_owner', q{SELECT vecdb.create_collection('owned_books', dimension => 3, metric_type => 'L2')});
as_role('app_owner', q{SELECT vecdb.insert('owned_books', '[
	{"id": 1, "vector": [1, 0, 0], "genre": "scifi"},
	{"id": 2, "vector": [0.9, 0.1, 0], "genre": "poetry"},
	{"id": 3, "vector": [0, 1, 0], "genre": "scifi"},
	{"id": 4, "vector": [0.5, 0.5, 0], "genre": "scifi"}]')});
as_role('app_owner', q{SELECT vecdb.create_index('owned_books', 'vector', 'FLAT', 'L2')});
is(as_role('app_owner', q{SELECT string_agg(id::text, ',' ORDER BY distance) FROM vecdb.search('owned_books',
	'[1, 0, 0]', top_k => 3, filter => 'genre == "scifi"')}), '1,4,3',
	'collection search with a filter as the database owner');
as_role('app_owner', q{SELECT vecdb.delete('owned_books', 'genre == "poetry"')});
is(as_role('app_owner', q{SELECT string_agg(id::text, ',' ORDER BY distance) FROM vecdb.search('owned_books',
	'[1, 0, 0]', top_k => 4)}), '1,4,3', 'deleted entities are gone from the collection search');
as_role('app_owner', q{SELECT vecdb.drop_collection('owned_books')});
is(as_role('app_owner', q{SELECT vecdb.has_collection('owned_books')}), 'f', 'the owner drops the collection');

# The extension's objects did not become the owner's: it cannot redefine them.
($ret, $out, $err) = $node->psql('appdb', 'CREATE OR REPLACE FUNCTION l2_distance(vector, vector) RETURNS float8 '
	  . 'LANGUAGE sql AS $$ SELECT 0::float8 $$', extra_params => [ '-U', 'app_owner' ]);
isnt($ret, 0, "the owner cannot replace vecdb's functions");
like($err, qr/must be owner of function l2_distance/, 'with an ownership error');

for my $method (index_methods()) {
	as_role('app_reader', "DROP TABLE reader_$method->{name}");
}
as_role('app_owner', 'DROP EXTENSION vecdb CASCADE');
is(as_role('app_owner', "SELECT count(*) FROM pg_extension WHERE extname = 'vecdb'"), '0',
	'the owner drops the extension');
is(as_role('app_owner', "SELECT count(*) FROM pg_namespace WHERE nspname = 'vecdb'"), '0',
	'and its schema with it');

$node->stop;
done_testing();
