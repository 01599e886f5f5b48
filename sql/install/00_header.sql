-- vecdb install script, assembled by the Makefile from sql/install/*.sql.
\echo Use "CREATE EXTENSION vecdb" to load this file. \quit

-- Diagnostic: raises a C++ exception of the given kind inside core code so
-- tests can check that the glue guard turns it into a clean ERROR.
CREATE FUNCTION vecdb_guard_selftest(kind text) RETURNS void
    AS 'MODULE_PATHNAME' LANGUAGE C STRICT PARALLEL SAFE;

-- Schema for vecdb's management functions (index statistics, collections).
CREATE SCHEMA vecdb;
-- The extension is trusted, so its script runs as the bootstrap superuser
-- and the schema belongs to that role: every user needs USAGE to call
-- vecdb.* (what each function reads is checked by the function itself).
GRANT USAGE ON SCHEMA vecdb TO PUBLIC;
