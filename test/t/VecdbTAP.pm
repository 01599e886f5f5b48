# Helpers shared by vecdb's TAP tests: nodes with the extension, deterministic
# vectors, and index-vs-sequential-scan comparisons. Each test loops over
# index_methods() so new index AMs get crash/replica/dump/concurrency
# coverage by adding one entry here.
package VecdbTAP;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Exporter 'import';

our @EXPORT = qw(index_methods new_vecdb_node vector_sql create_vector_table
  nearest_rows assert_index_matches_seqscan assert_indexes_verify);

# Index AMs under test: a name for tables and labels, the AM, CREATE INDEX options, session settings that
# make the scan exhaustive so it can be compared with a sequential scan, and
# whether the AM takes vectors too large for one page (wide).
sub index_methods {
	return (
		{ name => 'flat', am => 'flat', with => '', settings => '', wide => 1 },
		# ef_search above the row count: every element is reachable from the
		# entry point, so the search visits them all and is exact
		{ name => 'hnsw', am => 'hnsw', with => '', settings => 'SET vecdb.hnsw_ef_search = 1000;', wide => 1 },
		# sq8 codes steer the search, the full vectors rerank it: as exact
		{
			name => 'hnsw_sq8',
			am => 'hnsw',
			with => "WITH (quantizer = 'sq8')",
			settings => 'SET vecdb.hnsw_ef_search = 1000;',
			wide => 0
		},
		# probes above the list count: every list is read, so it is exact
		{ name => 'ivf', am => 'ivf', with => '', settings => 'SET vecdb.ivf_probes = 1000;', wide => 1 },
		{
			name => 'ivf_sq8',
			am => 'ivf',
			with => "WITH (quantizer = 'sq8')",
			settings => 'SET vecdb.ivf_probes = 1000; SET vecdb.rerank = 1000000;',
			wide => 1
		},
		# pq codes, every candidate re-scored with its full vector: exact
		{
			name => 'ivf_pq',
			am => 'ivf',
			with => "WITH (quantizer = 'pq')",
			settings => 'SET vecdb.ivf_probes = 1000; SET vecdb.rerank = 1000000;',
			wide => 1
		},);
}

# Starts a node with vecdb created in database postgres.
sub new_vecdb_node {
	my ($name, %params) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%params);
	$node->append_conf('postgresql.conf', "shared_buffers = 32MB\nfsync = on\n");
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION vecdb');
	return $node;
}

# SQL expression for a deterministic vector of $dim elements derived from
# the integer expression $seed (distinct seeds give distinct distances).
sub vector_sql {
	my ($seed, $dim) = @_;
	return "(SELECT ('[' || string_agg(round(sin(($seed) * 0.7 + d * 1.3)::numeric * 100, 2)::text, ',') || ']')::vector"
	  . " FROM generate_series(1, $dim) d)";
}

# Creates table $table (id, category, embedding vector($dim)) with $rows rows.
sub create_vector_table {
	my ($node, $db, $table, $rows, $dim) = @_;
	$node->safe_psql($db, "CREATE TABLE $table (id bigserial PRIMARY KEY, category int, embedding vector($dim))");
	$node->safe_psql($db,
		"INSERT INTO $table (category, embedding) SELECT i % 5, " . vector_sql('i', $dim)
		  . " FROM generate_series(1, $rows) i");
}

# The $k nearest rows to $query as "id|distance" lines, through the index
# (use_index true) or through a sequential scan + sort.
sub nearest_rows {
	my ($node, $db, $table, $query, $k, $use_index, %opt) = @_;
	my $settings = $opt{settings} // '';
	my $where = $opt{where} ? "WHERE $opt{where}" : '';
	my $op = $opt{op} // '<->';
	my $planner = $use_index
	  ? 'SET enable_seqscan = off; SET enable_bitmapscan = off;'
	  : 'SET enable_indexscan = off; SET enable_bitmapscan = off;';
	return $node->safe_psql($db,
		"$planner $settings SELECT id, round((embedding $op $query)::numeric, 6) FROM $table $where "
		  . "ORDER BY embedding $op $query LIMIT $k");
}

# Checks that the index answers like a sequential scan for a few queries and
# that the plan really uses the index.
sub assert_index_matches_seqscan {
	my ($node, $db, $table, $dim, $method, $label, %opt) = @_;
	my $plan = $node->safe_psql($db,
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM $table ORDER BY embedding <-> "
		  . vector_sql(1, $dim) . " LIMIT 5");
	like($plan, qr/Index Scan using/, "$label: plan uses the $method->{am} index");
	for my $q (1 .. 3) {
		my $query = vector_sql($q * 1000 + 17, $dim);
		my $via_index = nearest_rows($node, $db, $table, $query, 10, 1, settings => $method->{settings}, %opt);
		my $via_seq = nearest_rows($node, $db, $table, $query, 10, 0, %opt);
		is($via_index, $via_seq, "$label: query $q matches sequential scan");
	}
}

# Runs vecdb.verify_index on every index of access method $am in $db and
# expects at least one such index and no problem in any.
sub assert_indexes_verify {
	my ($node, $db, $am, $label) = @_;
	my $indexes = "SELECT c.oid, c.relname FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
	  . "WHERE c.relkind = 'i' AND a.amname = '$am'";
	cmp_ok($node->safe_psql($db, "SELECT count(*) FROM ($indexes) i"), '>', 0, "$label: there are $am indexes to verify");
	my $problems = $node->safe_psql($db,
		"SELECT i.relname || ' block ' || coalesce(v.block::text, '-') || ' item ' || coalesce(v.item::text, '-') "
		  . "|| ': ' || v.problem FROM ($indexes) i, vecdb.verify_index(i.oid) v ORDER BY 1");
	is($problems, '', "$label: vecdb.verify_index finds no problem");
}

1;
