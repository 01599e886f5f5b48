# An sq8 ivf insert stores the full vector on a vector page before it adds
# the list entry pointing at it: an insert cancelled in between (here by
# statement_timeout, the same window as a crash) leaves a vector no entry
# points at. VACUUM frees the vectors of dead rows whether or not an entry
# pointed at them, so afterwards every vector item has its entry again.
# Counts come from the raw pages (pageinspect): normal items on vector pages
# (kind 18) against normal items on posting pages (kind 2).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $node = new_vecdb_node('orphans');
$node->safe_psql('postgres', 'CREATE EXTENSION pageinspect');
$node->safe_psql('postgres', q{
CREATE FUNCTION items_of_kind(idx regclass, want int) RETURNS bigint LANGUAGE sql AS $$
SELECT count(*) FROM generate_series(1, pg_relation_size(idx) / 8192 - 1) b,
  LATERAL (SELECT get_raw_page(idx::text, b::int) AS raw) r,
  LATERAL (SELECT (page_header(r.raw)).special AS sp, (page_header(r.raw)).lower AS lo) h,
  LATERAL generate_series(0, (h.lo - 24) / 4 - 1) i
WHERE h.sp > 0 AND get_byte(r.raw, h.sp + 4) + 256 * get_byte(r.raw, h.sp + 5) = want
  AND ((get_byte(r.raw, 24 + 4 * i + 1) >> 7) | ((get_byte(r.raw, 24 + 4 * i + 2) & 1) << 1)) = 1
$$});

my $dim = 64;
my $vec = "ARRAY(SELECT round((sin(i * 0.37 + d * 1.3) * 10)::numeric, 3) FROM generate_series(1, $dim) d)::real[]::vector($dim)";
$node->safe_psql('postgres', "CREATE TABLE items (id serial, embedding vector($dim))");
$node->safe_psql('postgres', "INSERT INTO items (embedding) SELECT $vec FROM generate_series(1, 2000) i");
# rows to insert, made beforehand: the inserts' time is then mostly the index's
$node->safe_psql('postgres', "CREATE TABLE source AS SELECT embedding FROM items");
$node->safe_psql('postgres', "CREATE INDEX items_sq8 ON items USING ivf (embedding) WITH (lists = 10, quantizer = 'sq8')");

my $orphans_sql = "SELECT items_of_kind('items_sq8', 18) - items_of_kind('items_sq8', 2)";
is($node->safe_psql('postgres', $orphans_sql), '0', 'after the build every vector has its entry');

# Cancelled multi-row inserts: the timeout lands anywhere in a row's insert,
# so some cancel between a vector and its entry.
my $orphans = 0;
for my $round (1 .. 40) {
	my $timeout = 5 + ($round * 7) % 40;
	$node->psql('postgres',
		"SET statement_timeout = '${timeout}ms'; INSERT INTO items (embedding) SELECT embedding FROM source, generate_series(1, 100)");
	$orphans = $node->safe_psql('postgres', $orphans_sql);
	last if $orphans > 0;
}
cmp_ok($orphans, '>', 0, "cancelled inserts left $orphans vector(s) without an entry");

# INDEX_CLEANUP on: with few dead rows VACUUM may otherwise skip index
# vacuuming (the PG14+ bypass when under 2 % of pages have dead items)
$node->safe_psql('postgres', 'VACUUM (INDEX_CLEANUP on) items');
is($node->safe_psql('postgres', $orphans_sql), '0', 'after VACUUM every vector item has its entry again');
assert_indexes_verify($node, 'postgres', 'ivf', 'after VACUUM');
my $settings = 'SET vecdb.ivf_probes = 10; SET vecdb.rerank = 1000000;';
my $query = "ARRAY(SELECT round((sin(7 * 0.37 + d * 1.1) * 10)::numeric, 3) FROM generate_series(1, $dim) d)::real[]::vector($dim)";
is(nearest_rows($node, 'postgres', 'items', $query, 10, 1, settings => $settings),
	nearest_rows($node, 'postgres', 'items', $query, 10, 0),
	'the index answers like a sequential scan');

$node->stop;
done_testing();
