-- The install script is safe for a trusted extension (CREATE EXTENSION by a
-- database owner without superuser runs it as the bootstrap superuser):
-- no SECURITY DEFINER function, and every SQL or PL/pgSQL function pins its
-- search_path, so a user's objects on the search path can never be run by a
-- vecdb function in place of the ones it means.

SELECT extname, extrelocatable FROM pg_extension WHERE extname = 'vecdb';
SELECT v.name, v.trusted, v.superuser FROM pg_available_extension_versions v
JOIN pg_available_extensions a ON a.name = v.name AND a.default_version = v.version
WHERE v.name = 'vecdb';

-- Every function, aggregate and procedure of the extension.
CREATE TEMP VIEW vecdb_functions AS
SELECT p.oid::regprocedure::text AS func, l.lanname, p.prosecdef, p.proconfig
FROM pg_depend d
JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
JOIN pg_language l ON l.oid = p.prolang
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'vecdb' AND d.deptype = 'e';

-- None runs with its owner's rights.
SELECT func FROM vecdb_functions WHERE prosecdef ORDER BY func;

-- Every function written in SQL or PL/pgSQL sets search_path.
SELECT func, lanname FROM vecdb_functions
WHERE lanname NOT IN ('c', 'internal')
  AND NOT EXISTS (SELECT 1 FROM unnest(proconfig) c WHERE c LIKE 'search_path=%')
ORDER BY func;

-- The view does see the extension's functions (the checks above are not
-- vacuous).
SELECT lanname, count(*) > 0 AS has_functions FROM vecdb_functions
WHERE lanname = 'c' GROUP BY lanname;

-- Functions live only in the extension's schema (public here) and vecdb.
SELECT DISTINCT n.nspname
FROM pg_depend d
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE e.extname = 'vecdb'
ORDER BY 1;

-- Users other than the owner can use the vecdb schema.
SELECT has_schema_privilege('public', 'vecdb', 'USAGE') AS public_usage;
