# vecdb.verify_index finds damage: with the cluster stopped, bytes of an
# index file are overwritten, and after restart verify_index reports the
# damaged page, entry or overflow chain (and a sound index beside it stays
# clean).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $node = new_vecdb_node('verify');
my $blcksz = $node->safe_psql('postgres', 'SHOW block_size');
my $special = $blcksz - 16;    # MAXALIGN(sizeof(VecdbPageOpaqueData))

create_vector_table($node, 'postgres', 'vt', 300, 16);
create_vector_table($node, 'postgres', 'wide', 4, 3000);
for my $name (qw(vt_sound vt_page vt_tid)) {
	$node->safe_psql('postgres', "CREATE INDEX $name ON vt USING flat (embedding)");
}
$node->safe_psql('postgres', 'CREATE INDEX wide_ref ON wide USING flat (embedding)');
for my $name (qw(hnsw_sound hnsw_link hnsw_cut)) {
	$node->safe_psql('postgres', "CREATE INDEX $name ON vt USING hnsw (embedding)");
}
# ivf: lists of full entries, sq8 codes pointing at vector pages, and wide
# values in overflow chains
$node->safe_psql('postgres', 'CREATE INDEX ivf_sound ON vt USING ivf (embedding) WITH (lists = 10)');
$node->safe_psql('postgres', 'CREATE INDEX ivf_tid ON vt USING ivf (embedding) WITH (lists = 10)');
$node->safe_psql('postgres', "CREATE INDEX ivf_locator ON vt USING ivf (embedding) WITH (lists = 10, quantizer = 'sq8')");
$node->safe_psql('postgres', 'CREATE INDEX ivf_chain ON vt USING ivf (embedding) WITH (lists = 10)');
$node->safe_psql('postgres', 'CREATE INDEX ivf_wide ON wide USING ivf (embedding) WITH (lists = 2)');
my @indexes = qw(vt_sound vt_page vt_tid wide_ref hnsw_sound hnsw_link hnsw_cut ivf_sound ivf_tid ivf_locator ivf_chain ivf_wide);
for my $name (@indexes) {
	is($node->safe_psql('postgres', "SELECT count(*) FROM vecdb.verify_index('$name')"), '0', "$name is clean at first");
}
my %file = map { $_ => $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$_')") }
  @indexes;
$node->stop;

# Reads or writes bytes of an index file.
sub read_bytes {
	my ($path, $offset, $length) = @_;
	open(my $fh, '+<:raw', $path) or die "open $path: $!";
	seek($fh, $offset, 0) or die;
	read($fh, my $bytes, $length) == $length or die "short read";
	close($fh);
	return $bytes;
}

sub write_bytes {
	my ($path, $offset, $bytes) = @_;
	open(my $fh, '+<:raw', $path) or die "open $path: $!";
	seek($fh, $offset, 0) or die;
	print $fh $bytes;
	close($fh);
}

# The first block of the given page kind (2 data, 3 overflow).
sub first_block_of_kind {
	my ($path, $kind) = @_;
	my $blocks = (-s $path) / $blcksz;
	for my $blkno (1 .. $blocks - 1) {
		my ($k) = unpack('v', read_bytes($path, $blkno * $blcksz + $special + 4, 2));
		return $blkno if $k == $kind;
	}
	die "no page of kind $kind in $path";
}

# Where item $n (1-based) of block $blkno starts in the file.
sub item_offset {
	my ($path, $blkno, $n) = @_;
	my ($lp) = unpack('V', read_bytes($path, $blkno * $blcksz + 24 + 4 * ($n - 1), 4));
	return $blkno * $blcksz + ($lp & 0x7fff);
}

# 1. a data page whose special space no longer says "vecdb"
my $data = first_block_of_kind($file{vt_page}, 2);
write_bytes($file{vt_page}, $data * $blcksz + $special + 6, pack('v', 0x1234));

# 2. an entry whose heap pointer is replaced by its neighbour's: one row
# indexed twice, one not at all
my $tid_block = first_block_of_kind($file{vt_tid}, 2);
my $second = read_bytes($file{vt_tid}, item_offset($file{vt_tid}, $tid_block, 2), 6);
write_bytes($file{vt_tid}, item_offset($file{vt_tid}, $tid_block, 1), $second);

# 3. an out-of-line value whose reference claims 8 more bytes than its chain holds
my $ref_block = first_block_of_kind($file{wide_ref}, 2);
my $ref_at = item_offset($file{wide_ref}, $ref_block, 1) + 8;    # FLAT_ENTRY_HEADER_SIZE
my ($size) = unpack('V', read_bytes($file{wide_ref}, $ref_at, 4));
write_bytes($file{wide_ref}, $ref_at, pack('V', $size + 8));

# hnsw element tuples: an 8-byte header (heap TID, level, flags), then the
# level-0 links, 2m = 32 of 12 bytes (block id, offset, padding, distance)
my ($hnsw_header, $hnsw_link, $hnsw_level0) = (8, 12, 32);

# 4. an element's first neighbour link pointed at an item that does not exist
my $link_block = first_block_of_kind($file{hnsw_link}, 2);
write_bytes($file{hnsw_link}, item_offset($file{hnsw_link}, $link_block, 1) + $hnsw_header + 4, pack('v', 250));

# 5. every level-0 link of every element cleared: the entry point reaches
# nothing, so every other element is unreachable (the pages stay well formed)
my $cut_blocks = (-s $file{hnsw_cut}) / $blcksz;
for my $blkno (1 .. $cut_blocks - 1) {
	my ($kind) = unpack('v', read_bytes($file{hnsw_cut}, $blkno * $blcksz + $special + 4, 2));
	next unless $kind == 2;
	my ($lower) = unpack('v', read_bytes($file{hnsw_cut}, $blkno * $blcksz + 12, 2));
	for my $n (1 .. ($lower - 24) / 4) {
		my $at = item_offset($file{hnsw_cut}, $blkno, $n) + $hnsw_header;
		write_bytes($file{hnsw_cut}, $at + $_ * $hnsw_link + 4, pack('v', 0)) for 0 .. $hnsw_level0 - 1;
	}
}

# 6. ivf: an entry's heap pointer replaced by its neighbour's
my $ivf_tid_block = first_block_of_kind($file{ivf_tid}, 2);
my $ivf_second = read_bytes($file{ivf_tid}, item_offset($file{ivf_tid}, $ivf_tid_block, 2), 6);
write_bytes($file{ivf_tid}, item_offset($file{ivf_tid}, $ivf_tid_block, 1), $ivf_second);

# 7. ivf sq8: a code entry's vector locator pointing at an item that does not exist
my $loc_block = first_block_of_kind($file{ivf_locator}, 2);
write_bytes($file{ivf_locator}, item_offset($file{ivf_locator}, $loc_block, 1) + 10, pack('v', 999));

# 8. ivf: a posting page linking to the metapage's neighbour, a centroid page
my $chain_block = first_block_of_kind($file{ivf_chain}, 2);
write_bytes($file{ivf_chain}, $chain_block * $blcksz + $special, pack('V', 1));

# 9. ivf wide: an overflow reference claiming 8 more bytes than its chain holds
my $ivf_ref_block = first_block_of_kind($file{ivf_wide}, 2);
my $ivf_ref_at = item_offset($file{ivf_wide}, $ivf_ref_block, 1) + 8;    # IVF_FULL_HEADER_SIZE
my ($ivf_size) = unpack('V', read_bytes($file{ivf_wide}, $ivf_ref_at, 4));
write_bytes($file{ivf_wide}, $ivf_ref_at, pack('V', $ivf_size + 8));

$node->start;

# The problems of an index as "block|item|problem" lines.
sub problems {
	my ($name) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce(block::text, '-') || '|' || coalesce(item::text, '-') || '|' || problem "
		  . "FROM vecdb.verify_index('$name')");
}

is(problems('vt_sound'), '', 'the sound index beside the damaged ones stays clean');

my $page = problems('vt_page');
like($page, qr/^$data\|-\|page is not a vecdb page \(page id 0x1234\)$/m, 'damaged special space is reported');
like($page, qr/data chain reaches a broken page/, 'the data chain through it is reported broken');
like($page, qr/is not indexed/, 'rows on the unreadable page are reported missing');

my $tid = problems('vt_tid');
like($tid, qr/^$tid_block\|\d+\|heap row \(\d+,\d+\) is indexed again/m, 'a row indexed twice is reported');
like($tid, qr/^-\|-\|heap row \(\d+,\d+\) is not indexed$/m, 'the row that lost its entry is reported');
is(scalar(() = $tid =~ /\n?[^\n]+/g), 2, 'and nothing else');

like(problems('wide_ref'), qr/^$ref_block\|1\|overflow chain holds \d+ bytes, its entry says \d+$/m,
	'an overflow reference that disagrees with its chain is reported');

is(problems('hnsw_sound'), '', 'the sound hnsw index stays clean');
like(problems('hnsw_link'), qr/^$link_block\|1\|level 0 link points to \($link_block,250\), which is not an element$/m,
	'an hnsw link to a missing element is reported');
my $cut = problems('hnsw_cut');
like($cut, qr/^\d+\|\d+\|element is not reachable from the entry point$/m, 'unreachable hnsw elements are reported');
like($cut, qr/^-\|-\|299 elements in all are not reachable from the entry point$/m,
	'all of them: every element but the entry point');
unlike($cut, qr/not indexed|indexed again|not an element/, 'and the rows are still indexed once each');

is(problems('ivf_sound'), '', 'the sound ivf index stays clean');
my $ivf_tid = problems('ivf_tid');
like($ivf_tid, qr/^$ivf_tid_block\|\d+\|heap row \(\d+,\d+\) is indexed again/m, 'ivf: a row indexed twice is reported');
like($ivf_tid, qr/^-\|-\|heap row \(\d+,\d+\) is not indexed$/m, 'ivf: the row that lost its entry is reported');
like(problems('ivf_locator'), qr/^$loc_block\|1\|full vector at \(\d+,999\) does not exist$/m,
	'ivf sq8: a vector locator to nowhere is reported');
like(problems('ivf_chain'), qr/list chain reaches a page of kind \d+, not 2/, 'ivf: a list chain into a centroid page is reported');
like(problems('ivf_wide'), qr/^$ivf_ref_block\|1\|overflow chain holds \d+ bytes, its entry says \d+$/m,
	'ivf: an overflow reference that disagrees with its chain is reported');


# ivf pages a DELETE left empty (the oldest rows fill the oldest pages of
# each list): unlinked by one VACUUM, freed by the next once a transaction
# began after the unlinking, reused by inserts; the index stays clean
create_vector_table($node, 'postgres', 'churn', 3000, 16);
$node->safe_psql('postgres', 'CREATE INDEX churn_ivf ON churn USING ivf (embedding) WITH (lists = 2)');
my $pages_before = $node->safe_psql('postgres', "SELECT data_pages FROM vecdb.index_stats('churn_ivf')");
$node->safe_psql('postgres', 'DELETE FROM churn WHERE id <= 2700');
$node->safe_psql('postgres', 'VACUUM churn');
cmp_ok($node->safe_psql('postgres', "SELECT data_pages FROM vecdb.index_stats('churn_ivf')"), '<', $pages_before - 10,
	'ivf: VACUUM takes empty posting pages off their chains');
is(problems('churn_ivf'), '', 'ivf: clean after pages were unlinked');
$node->safe_psql('postgres', 'SELECT txid_current()');
$node->safe_psql('postgres', 'VACUUM churn');
my $free = $node->safe_psql('postgres', "SELECT free_pages FROM vecdb.index_stats('churn_ivf')");
cmp_ok($free, '>', 10, 'ivf: the next VACUUM frees the unlinked pages');
$node->safe_psql('postgres',
	'INSERT INTO churn (category, embedding) SELECT 1, ' . vector_sql('g', 16) . ' FROM generate_series(1, 1000) g');
cmp_ok($node->safe_psql('postgres', "SELECT free_pages FROM vecdb.index_stats('churn_ivf')"), '<', $free,
	'ivf: inserts reuse the freed pages');
is(problems('churn_ivf'), '', 'ivf: clean after inserts reused the freed pages');
is($node->safe_psql('postgres', "SET vecdb.ivf_probes = 2; SET enable_seqscan = off; "
	  . "SELECT count(*) FROM (SELECT id FROM churn ORDER BY embedding <-> " . vector_sql(7, 16) . " LIMIT 2000) s"),
	'1300', 'ivf: every live row is found after the churn');

$node->stop;
done_testing();
