-- amcheck-style verification of a vecdb index: no rows means it is clean.
CREATE FUNCTION vecdb.verify_index(
    index regclass,
    OUT block bigint,
    OUT item integer,
    OUT problem text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'vecdb_verify_index' LANGUAGE C STRICT;
COMMENT ON FUNCTION vecdb.verify_index(regclass) IS 'problems found in a vecdb index (pages, entries, overflow chains, rows of the table not indexed exactly once); none when it is clean';
