-- vecdb 0.1.0 -> 0.2.0: the changes to what 0.1.0 already had. The Makefile
-- appends every sql/install part 0.1.0 did not have (see its UPGRADE rule),
-- so a new part needs nothing here; a change to one of the parts listed in
-- sql/released/vecdb--0.1.0.parts must be written here by hand (TAP 006
-- compares the result object by object with a fresh install).
\echo Use "ALTER EXTENSION vecdb UPDATE" to load this file. \quit

-- 00_header: the extension is trusted, so every user needs USAGE on vecdb.
GRANT USAGE ON SCHEMA vecdb TO PUBLIC;

-- 10_vector, 20_halfvec, 30_sparsevec: = is HASHES (the hash opclasses of
-- 45_hash follow). PostgreSQL 15's ALTER OPERATOR cannot set it.
UPDATE pg_catalog.pg_operator SET oprcanhash = true
 WHERE oid IN ('@extschema@.=(@extschema@.vector,@extschema@.vector)'::pg_catalog.regoperator,
               '@extschema@.=(@extschema@.halfvec,@extschema@.halfvec)'::pg_catalog.regoperator,
               '@extschema@.=(@extschema@.sparsevec,@extschema@.sparsevec)'::pg_catalog.regoperator);

-- 55_index_stats: index_stats gained the details column (what only the
-- access method knows, as jsonb); a new row type needs DROP + CREATE.
DROP FUNCTION vecdb.index_stats(regclass);
CREATE FUNCTION vecdb.index_stats(
    index regclass,
    OUT access_method text,
    OUT dimensions integer,
    OUT total_pages bigint,
    OUT data_pages bigint,
    OUT overflow_pages bigint,
    OUT free_pages bigint,
    OUT entries bigint,
    OUT null_entries bigint,
    OUT dead_entries bigint,
    OUT free_bytes bigint,
    OUT options text[],
    OUT details jsonb)
    AS 'MODULE_PATHNAME', 'vecdb_index_stats' LANGUAGE C STRICT;
COMMENT ON FUNCTION vecdb.index_stats(regclass) IS 'pages, entries, dead entries, options and access-method details (jsonb) of a vecdb index';
