# vecdb.search keeps a prepared statement per call shape for the session; a
# catalog change committed by another session (rename, alias move, drop and
# recreate, partitions, a new index) must be seen by the next call of a
# session that already built its shapes, and an uncommitted one must not.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $node = new_vecdb_node('search_cache');
$node->safe_psql('postgres', q{
SELECT vecdb.create_collection('a', 2);
SELECT vecdb.create_collection('b', 2);
SELECT vecdb.insert('a', '[{"id": 1, "vector": [0, 0]}, {"id": 2, "vector": [3, 3]}]');
SELECT vecdb.insert('b', '[{"id": 10, "vector": [0.5, 0]}, {"id": 20, "vector": [9, 9]}]');
SELECT vecdb.create_alias('a', 'cur');
});

my $s = $node->background_psql('postgres', on_error_stop => 0);

# One query in the long-lived session: (stdout, stderr).
sub in_session {
	my ($sql) = @_;
	$s->{stderr} = '';
	my $out = $s->query($sql);
	return ($out, $s->{stderr});
}

my $top1 = "SELECT id FROM vecdb.search('%s', '[0, 0]', top_k => 1)";
is((in_session(sprintf($top1, 'cur')))[0], '1', 'alias answers from a');
is((in_session(sprintf($top1, 'a')))[0], '1', 'a answers');

$node->safe_psql('postgres', "SELECT vecdb.alter_alias('b', 'cur')");
is((in_session(sprintf($top1, 'cur')))[0], '10', 'alias moved by another session: answers from b');

$node->safe_psql('postgres', "SELECT vecdb.rename_collection('a', 'a2')");
my ($out, $err) = in_session(sprintf($top1, 'a'));
like($err, qr/collection "a" does not exist/, 'renamed by another session: old name gone');
is((in_session(sprintf($top1, 'a2')))[0], '1', 'new name answers');

# an uncommitted alias move in another session changes nothing here (a drop
# would hold the table's lock, so the search would wait, as plain SQL would)
my $other = $node->background_psql('postgres', on_error_stop => 0);
$other->query_safe("BEGIN; SELECT vecdb.alter_alias('a2', 'cur')");
is((in_session(sprintf($top1, 'cur')))[0], '10', 'uncommitted alias move elsewhere is not seen');
$other->query_safe('ROLLBACK');
$other->quit;
is((in_session(sprintf($top1, 'cur')))[0], '10', 'rolled-back alias move elsewhere: still b');

$node->safe_psql('postgres', q{
SELECT vecdb.drop_collection('a2');
SELECT vecdb.create_collection('a2', 3);
SELECT vecdb.insert('a2', '[{"id": 5, "vector": [1, 1, 1]}]');
});
($out, $err) = in_session(sprintf($top1, 'a2'));
like($err, qr/expects 3 dimensions, not 2/, 'recreated with another dimension: the new schema checks the vector');
is((in_session("SELECT id FROM vecdb.search('a2', '[1, 1, 1]', top_k => 1)"))[0], '5', 'recreated: new rows');

$node->safe_psql('postgres', q{
SELECT vecdb.create_partition('b', 'p');
SELECT vecdb.insert('b', '[{"id": 30, "vector": [0, 0]}]', 'p');
});
my $in_p = "SELECT string_agg(id, ',' ORDER BY distance) FROM vecdb.search('b', '[0, 0]', top_k => 5, partition_names => ARRAY['p'])";
is((in_session($in_p))[0], '30', 'partition created by another session is searched');
$node->safe_psql('postgres', "SELECT vecdb.drop_partition('b', 'p')");
($out, $err) = in_session($in_p);
like($err, qr/partition "p" does not exist/, 'partition dropped by another session is gone');

# a filter shape, then the field it names disappears with a recreate
my $filtered = "SELECT string_agg(id, ',') FROM vecdb.search('a2', '[1, 1, 1]', filter => 'k == 1')";
$node->safe_psql('postgres', q{
SELECT vecdb.drop_collection('a2');
SELECT vecdb.create_collection('a2', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "vector", "type": "FLOAT_VECTOR", "params": {"dim": 3}}, {"name": "k", "type": "INT32"}]}'::jsonb);
SELECT vecdb.insert('a2', '[{"id": 6, "vector": [1, 1, 1], "k": 1}, {"id": 7, "vector": [1, 1, 2], "k": 2}]');
});
is((in_session($filtered))[0], '6', 'filter over the recreated schema');
$node->safe_psql('postgres', q{
SELECT vecdb.drop_collection('a2');
SELECT vecdb.create_collection('a2', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "vector", "type": "FLOAT_VECTOR", "params": {"dim": 3}}, {"name": "j", "type": "INT32"}]}'::jsonb);
});
($out, $err) = in_session($filtered);
like($err, qr/field "k" does not exist/, 'field dropped with the recreate: the filter is refused');

# an index created by another session: the kept shape is rebuilt and answers through it
$node->safe_psql('postgres', q{
SELECT vecdb.insert('b', (SELECT jsonb_agg(jsonb_build_object('id', 100 + i, 'vector', jsonb_build_array(i, i)))
                          FROM generate_series(1, 900) i));
SELECT vecdb.create_index('b', 'vector', 'HNSW', 'L2', '{"M": 8, "efConstruction": 64}');
ANALYZE b;
});
# ef above the row count: the hnsw search reaches every element, so it is exact
is((in_session("SELECT string_agg(id, ',' ORDER BY distance) FROM vecdb.search('b', '[0, 0]', top_k => 3, params => '{\"ef\": 1000}')"))[0],
	'10,101,102', 'after another session built an index');
$s->quit;

done_testing();
