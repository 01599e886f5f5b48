# Versioned upgrades: for every earlier release whose install script is
# shipped (sql/released/vecdb--V.sql, frozen as released), install V, load
# data, build every index type V had and (when V had them) a collection with
# an index, run ALTER EXTENSION vecdb UPDATE,
# and check that (1) every search answers as before and the indexes keep
# working for new rows, and (2) the upgraded extension is the same, object
# for object, as a fresh install of the current version: a missing or
# different object means the vecdb--A--B.sql chain misses a change.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VecdbTAP;

my $dim = 12;
my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

my $current = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'vecdb'");
my $extdir = $node->config_data('--sharedir') . '/extension';
opendir(my $dh, $extdir) or die "cannot read $extdir: $!";
my @previous = sort grep { $_ ne $current }
  map { /^vecdb--([^-]+)\.sql$/ ? $1 : () } readdir($dh);
closedir($dh);

if (!@previous) {
	$node->stop;
	plan skip_all => "no release before $current ships its install script yet (sql/released/)";
}

# One line per member object of the extension in database $db, with what
# defines it (signatures, flags, function symbols and bodies, type I/O,
# operator and cast wiring, operator-family members, privileges, comments).
sub extension_fingerprint {
	my ($db) = @_;
	return $node->safe_psql($db, q{
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT o.type || ' ' || o.identity || ' ' || coalesce(CASE d.classid
    WHEN 'pg_proc'::regclass THEN (SELECT concat_ws(' ', pg_get_function_arguments(oid), prokind, provolatile, proparallel, proisstrict,
        prosecdef, proretset, prorettype::regtype, procost, prorows, prosupport, proconfig::text, probin,
        md5(prosrc), proacl::text) FROM pg_proc WHERE oid = d.objid)
    WHEN 'pg_type'::regclass THEN (SELECT concat_ws(' ', typlen, typbyval, typtype, typcategory, typinput,
        typoutput, typreceive, typsend, typmodin, typmodout, typanalyze, typsubscript, typalign, typstorage,
        typelem::regtype, typacl::text) FROM pg_type WHERE oid = d.objid)
    WHEN 'pg_operator'::regclass THEN (SELECT concat_ws(' ', oprcode, oprcom::regoperator,
        oprnegate::regoperator, oprrest, oprjoin, oprcanhash, oprcanmerge) FROM pg_operator WHERE oid = d.objid)
    WHEN 'pg_cast'::regclass THEN (SELECT concat_ws(' ', castfunc::regprocedure, castcontext, castmethod)
        FROM pg_cast WHERE oid = d.objid)
    WHEN 'pg_opclass'::regclass THEN (SELECT concat_ws(' ', opcdefault, opckeytype::regtype,
        (SELECT f.opfname FROM pg_opfamily f WHERE f.oid = opcfamily)) FROM pg_opclass WHERE oid = d.objid)
    WHEN 'pg_opfamily'::regclass THEN concat_ws(' ',
        (SELECT string_agg(format('op(%s %s %s %s)', amopstrategy, amopopr::regoperator, amoppurpose,
            amopsortfamily), ' ' ORDER BY amopstrategy, amopopr::regoperator::text)
         FROM pg_amop WHERE amopfamily = d.objid),
        (SELECT string_agg(format('proc(%s %s %s %s)', amprocnum, amproclefttype::regtype,
            amprocrighttype::regtype, amproc::regprocedure), ' ' ORDER BY amprocnum, amproc::regprocedure::text)
         FROM pg_amproc WHERE amprocfamily = d.objid))
    WHEN 'pg_namespace'::regclass THEN (SELECT nspacl::text FROM pg_namespace WHERE oid = d.objid)
    WHEN 'pg_class'::regclass THEN (SELECT concat_ws(' ', c.relkind, c.relacl::text,
        CASE WHEN c.relkind = 'v' THEN md5(pg_get_viewdef(c.oid)) END,
        (SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod) || ':' || attnotnull, ','
           ORDER BY attnum) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped))
        FROM pg_class c WHERE c.oid = d.objid)
    WHEN 'pg_am'::regclass THEN (SELECT concat_ws(' ', amtype, amhandler) FROM pg_am WHERE oid = d.objid)
    END, '') || ' ' || coalesce(obj_description(d.objid, d.classid::regclass::name), '') AS line
  FROM pg_depend d, pg_identify_object(d.classid, d.objid, 0) o
  WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vecdb')
  UNION ALL
  SELECT 'extension config ' || coalesce(array_to_string(ARRAY(SELECT c::regclass::text
      FROM unnest(extconfig) c ORDER BY 1), ','), '') FROM pg_extension WHERE extname = 'vecdb'
) lines});
}

# The lines only one of two fingerprints has: "-" upgraded only, "+" fresh only.
sub fingerprint_difference {
	my ($upgraded, $fresh) = @_;
	my %in_upgraded = map { $_ => 1 } split /\n/, $upgraded;
	my %in_fresh = map { $_ => 1 } split /\n/, $fresh;
	my @diff = ((map {"- $_"} grep { !$in_fresh{$_} } sort keys %in_upgraded),
		(map {"+ $_"} grep { !$in_upgraded{$_} } sort keys %in_fresh));
	return join("\n", @diff);
}

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION vecdb');
my $fresh = extension_fingerprint('fresh');

for my $old (@previous) {
	my $db = 'from_' . ($old =~ s/\W/_/gr);
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION vecdb VERSION '$old'");
	is($node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'vecdb'"), $old,
		"installed release $old");

	# data and an index of every type that release had
	my @methods = grep {
		$node->safe_psql($db, "SELECT count(*) FROM pg_am WHERE amname = '$_->{am}'") eq '1'
	} index_methods();
	my %before;
	for my $method (@methods) {
		my $table = "up_$method->{name}";
		create_vector_table($node, $db, $table, 300, $dim);
		$node->safe_psql($db, "UPDATE $table SET embedding = NULL WHERE id % 40 = 0");
		$node->safe_psql($db, "CREATE INDEX ${table}_idx ON $table USING $method->{am} (embedding) $method->{with}");
		for my $q (1 .. 3) {
			$before{$table}{$q} = nearest_rows($node, $db, $table, vector_sql($q * 53, $dim), 20, 1,
				settings => $method->{settings}, where => 'category <> 2');
		}
	}

	# a collection with an index, when that release had collections
	my $has_collections = $node->safe_psql($db,
		"SELECT count(*) > 0 FROM pg_proc WHERE proname = 'create_collection' AND pronamespace = 'vecdb'::regnamespace") eq 't';
	my ($collection_search, $collection_before) = (
		q{SELECT string_agg(id, ',' ORDER BY query_no, distance, id) FROM vecdb.search('up_items', '[[1,2,3,4],[4,3,2,1]]', top_k => 5, filter => 'id % 3 != 0')},
		undef);
	if ($has_collections) {
		$node->safe_psql($db, q{
			SELECT vecdb.create_collection('up_items', 4);
			SELECT vecdb.insert('up_items', (SELECT jsonb_agg(jsonb_build_object('id', i, 'vector',
				jsonb_build_array(i % 7, i % 5, i % 3, i % 11))) FROM generate_series(1, 200) i));
			SELECT vecdb.create_index('up_items', 'vector', 'FLAT', 'L2');});
		$collection_before = $node->safe_psql($db, $collection_search);
	}

	$node->safe_psql($db, 'ALTER EXTENSION vecdb UPDATE');
	is($node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'vecdb'"), $current,
		"ALTER EXTENSION vecdb UPDATE took $old to $current");
	is(fingerprint_difference(extension_fingerprint($db), $fresh), '',
		"$old updated to $current has exactly the objects of a fresh $current install")
	  or diag("A change to a part of sql/install/ that $old already had (sql/released/vecdb--$old.parts) "
		  . "must also be written into sql/upgrade/vecdb--$old--$current.sql; see README, Upgrades.");

	if ($has_collections) {
		is($node->safe_psql($db, $collection_search), $collection_before,
			"a collection made by $old searches as before");
		$node->safe_psql($db, q{SELECT vecdb.insert('up_items', '[{"id": 1000, "vector": [1,2,3,4]}]')});
		is($node->safe_psql($db, q{SELECT id FROM vecdb.search('up_items', '[1,2,3,4]', top_k => 1)}), '1000',
			"a collection made by $old takes new rows after the update");
		is($node->safe_psql($db, q{SELECT vecdb.describe_collection('up_items') ->> 'row_count'}), '201',
			"describe_collection works on a collection made by $old");
	}

	for my $method (@methods) {
		my $table = "up_$method->{name}";
		for my $q (1 .. 3) {
			is(nearest_rows($node, $db, $table, vector_sql($q * 53, $dim), 20, 1,
					settings => $method->{settings}, where => 'category <> 2'),
				$before{$table}{$q}, "$method->{name} index built by $old answers as before (query $q)");
		}
		$node->safe_psql($db,
			"INSERT INTO $table (category, embedding) SELECT 8, " . vector_sql('i', $dim)
			  . " FROM generate_series(301, 360) i");
		assert_index_matches_seqscan($node, $db, $table, $dim, $method, "$method->{name} from $old, new rows");
	}
}

$node->stop;
done_testing();
