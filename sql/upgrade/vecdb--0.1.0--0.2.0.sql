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
