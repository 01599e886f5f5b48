# Sharding with postgres_fdw: two shard clusters on loopback hold the rows
# of a hash-partitioned parent whose partitions are foreign tables on a
# coordinator. With `extensions 'vecdb'` on the servers, the coordinator
# sends ORDER BY embedding <-> q to each shard (a vecdb flat index answers
# there) and merges the ordered streams; a UNION ALL over the partitions
# also sends each shard the LIMIT. Both merged top-k answers equal the exact
# top-k of one table holding every row, for 20 queries.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 8;
my $rows = 1200;
my $k = 10;

my @shards;
for my $i (0, 1) {
	my $shard = PostgreSQL::Test::Cluster->new("shard$i");
	$shard->init;
	$shard->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'\n");
	$shard->start;
	$shard->safe_psql('postgres', 'CREATE EXTENSION vecdb');
	$shard->safe_psql('postgres',
		"CREATE TABLE items (id bigint PRIMARY KEY, category int, embedding vector($dim))");
	$shard->safe_psql('postgres', 'CREATE INDEX items_embedding_idx ON items USING flat (embedding)');
	push @shards, $shard;
}

my $coord = new_vecdb_node('coordinator');
my $user = $coord->safe_psql('postgres', 'SELECT current_user');
$coord->safe_psql('postgres', 'CREATE EXTENSION postgres_fdw');
$coord->safe_psql('postgres',
	"CREATE TABLE items (id bigint NOT NULL, category int, embedding vector($dim)) PARTITION BY HASH (id)");
for my $i (0, 1) {
	my $port = $shards[$i]->port;
	$coord->safe_psql('postgres', qq{
		CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
			OPTIONS (host '127.0.0.1', port '$port', dbname 'postgres', extensions 'vecdb', fetch_size '50');
		CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i OPTIONS (user '$user');
		CREATE FOREIGN TABLE items_$i PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER $i)
			SERVER shard$i OPTIONS (table_name 'items');
	});
}
# rows go through the coordinator to their shard; a local table holds them all
$coord->safe_psql('postgres',
	"INSERT INTO items SELECT i, i % 4, " . vector_sql('i', $dim) . " FROM generate_series(1, $rows) i");
$coord->safe_psql('postgres', 'CREATE TABLE items_single AS SELECT * FROM items');
$_->safe_psql('postgres', 'ANALYZE items') for @shards;
$coord->safe_psql('postgres', 'ANALYZE items_single');

my $on_shards = join(',', map { $_->safe_psql('postgres', 'SELECT count(*) FROM items') } @shards);
my ($n0, $n1) = split /,/, $on_shards;
ok($n0 > 0 && $n1 > 0 && $n0 + $n1 == $rows, "rows are spread over both shards ($on_shards)");

# The top-k of one query as "id|distance" lines, from $from.
sub top_k {
	my ($from, $query, $where) = @_;
	$where = $where ? "WHERE $where" : '';
	return $coord->safe_psql('postgres',
		"SELECT id, round((embedding <-> $query)::numeric, 5) FROM $from $where "
		  . "ORDER BY embedding <-> $query LIMIT $k");
}

my $union = '(' . join(' UNION ALL ', map {
	"(SELECT * FROM items_$_ ORDER BY embedding <-> %Q% LIMIT $k)"
} 0, 1) . ') u';

my $query_value = $coord->safe_psql('postgres', 'SELECT ' . vector_sql(4242, $dim) . '::text');
my $plan = $coord->safe_psql('postgres',
	"EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM items ORDER BY embedding <-> '$query_value' LIMIT $k");
like($plan, qr/Merge Append/, 'the partitioned search merges ordered shard streams');
my @remote = $plan =~ /Remote SQL: ([^\n]*)/g;
is(scalar(@remote), 2, 'one remote query per shard');
like($_, qr/ORDER BY \(embedding OPERATOR\(public\.<->\) '\[[^']*\]'(::public\.vector)?\) ASC/,
	'the distance ORDER BY runs on the shard') for @remote;
# what each shard does with the query it is sent: a scan of its flat index
for my $i (0, 1) {
	like($shards[$i]->safe_psql('postgres', "EXPLAIN (COSTS OFF) $remote[$i]"),
		qr/Index Scan using items_embedding_idx on items/, "shard$i answers the pushed-down ORDER BY with its flat index");
}

(my $union_q = $union) =~ s/%Q%/'$query_value'::vector/g;
$plan = $coord->safe_psql('postgres',
	"EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM $union_q ORDER BY embedding <-> '$query_value' LIMIT $k");
@remote = $plan =~ /Remote SQL: ([^\n]*)/g;
is(scalar(@remote), 2, 'UNION ALL form: one remote query per shard');
like($_, qr/ORDER BY \(embedding OPERATOR\(public\.<->\) '\[[^']*\]'(::public\.vector)?\) ASC NULLS LAST LIMIT ${k}::bigint$/,
	'UNION ALL form: ORDER BY and LIMIT run on the shard') for @remote;

for my $q (1 .. 20) {
	my $qv = $coord->safe_psql('postgres', 'SELECT ' . vector_sql($q * 97 + 11, $dim) . '::text');
	my $exact = top_k('items_single', "'$qv'::vector", $q % 5 == 0 ? 'category = 1' : undef);
	is(top_k('items', "'$qv'::vector", $q % 5 == 0 ? 'category = 1' : undef), $exact,
		"query $q: the merged top-$k over the shards equals the single-node exact top-$k");
	(my $u = $union) =~ s/%Q%/'$qv'::vector/g;
	is(top_k($u, "'$qv'::vector"), top_k('items_single', "'$qv'::vector"),
		"query $q: the UNION ALL form (LIMIT on each shard) gives the same answer")
	  if $q % 5 != 0;
}
$coord->stop;
$_->stop for @shards;
done_testing();
