-- Collections: the catalog. A collection is an ordinary table; these tables
-- hold what Milvus knows about it (fields, properties, aliases, partitions,
-- indexes). pg_dump carries them (pg_extension_config_dump).

-- Every role may use the collection API (it runs with the caller's rights;
-- vecdb.index_stats and verify_index check the caller's rights themselves).
GRANT USAGE ON SCHEMA vecdb TO PUBLIC;

CREATE TABLE vecdb.collections (
    name text PRIMARY KEY,
    schema_name name NOT NULL,
    table_name name NOT NULL,
    description text NOT NULL DEFAULT '',
    primary_field text NOT NULL,
    auto_id boolean NOT NULL DEFAULT false,
    enable_dynamic_field boolean NOT NULL DEFAULT false,
    load_state text NOT NULL DEFAULT 'NotLoad' CHECK (load_state IN ('NotLoad', 'Loaded')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (schema_name, table_name)
);
COMMENT ON TABLE vecdb.collections IS 'vecdb collections: one row per collection, naming its table';

CREATE TABLE vecdb.fields (
    collection text NOT NULL REFERENCES vecdb.collections (name) ON UPDATE CASCADE ON DELETE CASCADE,
    ordinal integer NOT NULL,
    name text NOT NULL,
    data_type text NOT NULL,
    element_type text,
    dim integer,
    max_length integer,
    max_capacity integer,
    is_primary boolean NOT NULL DEFAULT false,
    auto_id boolean NOT NULL DEFAULT false,
    nullable boolean NOT NULL DEFAULT false,
    default_value jsonb,
    description text NOT NULL DEFAULT '',
    is_partition_key boolean NOT NULL DEFAULT false,
    metric_type text,
    PRIMARY KEY (collection, name),
    UNIQUE (collection, ordinal)
);
COMMENT ON TABLE vecdb.fields IS 'vecdb collections: the schema fields of each collection, in Milvus terms';

CREATE TABLE vecdb.collection_properties (
    collection text NOT NULL REFERENCES vecdb.collections (name) ON UPDATE CASCADE ON DELETE CASCADE,
    key text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (collection, key)
);

CREATE TABLE vecdb.aliases (
    alias text PRIMARY KEY,
    collection text NOT NULL REFERENCES vecdb.collections (name) ON UPDATE CASCADE ON DELETE RESTRICT
);

-- A collection's table is partitioned by LIST on its hidden "$partition"
-- column; every named partition (and _default) is one of its partitions.
CREATE TABLE vecdb.partitions (
    collection text NOT NULL REFERENCES vecdb.collections (name) ON UPDATE CASCADE ON DELETE CASCADE,
    name text NOT NULL,
    table_name name NOT NULL,
    -- set by vecdb.load / vecdb.release (with or without a partition list)
    load_state text NOT NULL DEFAULT 'NotLoad' CHECK (load_state IN ('NotLoad', 'Loaded')),
    PRIMARY KEY (collection, name)
);

CREATE TABLE vecdb.indexes (
    collection text NOT NULL REFERENCES vecdb.collections (name) ON UPDATE CASCADE ON DELETE CASCADE,
    index_name text NOT NULL,
    field text NOT NULL,
    index_type text NOT NULL,
    metric_type text,
    params jsonb NOT NULL DEFAULT '{}',
    pg_index name NOT NULL,
    PRIMARY KEY (collection, index_name),
    UNIQUE (collection, field),
    FOREIGN KEY (collection, field) REFERENCES vecdb.fields (collection, name) ON UPDATE CASCADE ON DELETE CASCADE
);

SELECT pg_catalog.pg_extension_config_dump('vecdb.collections', '');
SELECT pg_catalog.pg_extension_config_dump('vecdb.fields', '');
SELECT pg_catalog.pg_extension_config_dump('vecdb.collection_properties', '');
SELECT pg_catalog.pg_extension_config_dump('vecdb.aliases', '');
SELECT pg_catalog.pg_extension_config_dump('vecdb.partitions', '');
SELECT pg_catalog.pg_extension_config_dump('vecdb.indexes', '');

-- Whether the current role owns (is a member of the owner of) a table.
CREATE FUNCTION vecdb._owns_table(schema_name name, table_name name) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class r
                     JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                    WHERE n.nspname = $1 AND r.relname = $2
                      AND pg_catalog.pg_has_role(r.relowner, 'USAGE'))
$$;

-- Whether a table of that name exists.
CREATE FUNCTION vecdb._table_exists(schema_name name, table_name name) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class r
                     JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                    WHERE n.nspname = $1 AND r.relname = $2)
$$;

-- Whether the current role owns the table of a collection.
CREATE FUNCTION vecdb._owns_collection(collection text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM vecdb.collections c
                    WHERE c.name = $1 AND vecdb._owns_table(c.schema_name, c.table_name))
$$;

-- Tells every session that the collection catalog changed (a relcache
-- invalidation of vecdb.collections, sent at commit), so the search shapes
-- they keep (src/collection/search.cpp) are rebuilt.
CREATE FUNCTION vecdb._catalog_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'vecdb_catalog_changed' LANGUAGE C;

-- Everyone may read the catalog (as pg_class); only the owner of a
-- collection's table may change its rows. Every change fires _catalog_changed.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['collections', 'fields', 'collection_properties', 'aliases',
                             'partitions', 'indexes'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON vecdb.%I TO PUBLIC', t);
        EXECUTE format('ALTER TABLE vecdb.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY read_all ON vecdb.%I FOR SELECT USING (true)', t);
        EXECUTE format('CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON vecdb.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION vecdb._catalog_changed()', t);
        IF t = 'collections' THEN
            CREATE POLICY owner_insert ON vecdb.collections FOR INSERT
                WITH CHECK (vecdb._owns_table(schema_name, table_name));
            CREATE POLICY owner_update ON vecdb.collections FOR UPDATE
                USING (vecdb._owns_table(schema_name, table_name))
                WITH CHECK (vecdb._owns_table(schema_name, table_name)
                            OR NOT vecdb._table_exists(schema_name, table_name));
            CREATE POLICY owner_delete ON vecdb.collections FOR DELETE
                USING (vecdb._owns_table(schema_name, table_name)
                       OR NOT vecdb._table_exists(schema_name, table_name));
        ELSE
            EXECUTE format('CREATE POLICY owner_insert ON vecdb.%I FOR INSERT WITH CHECK (vecdb._owns_collection(collection))', t);
            EXECUTE format('CREATE POLICY owner_update ON vecdb.%I FOR UPDATE USING (vecdb._owns_collection(collection))', t);
            EXECUTE format('CREATE POLICY owner_delete ON vecdb.%I FOR DELETE USING (vecdb._owns_collection(collection))', t);
        END IF;
    END LOOP;
END
$$;

-- Compiles a Milvus filter expression against a field list (names, kinds
-- bool/int/float/string/json/array/vector, array element kinds) into SQL
-- with parameters $first_param.. and their types and values.
CREATE FUNCTION vecdb._compile_filter(expr text, names text[], kinds text[], elements text[],
                                      dynamic_column text, first_param integer,
                                      OUT sql text, OUT param_types text[], OUT param_values text[])
    AS 'MODULE_PATHNAME', 'vecdb_compile_filter' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Runs a generated query with bound parameters through a plan kept per
-- statement shape; the caller gives the column definition list.
CREATE FUNCTION vecdb._execute(sql text, param_types text[], param_values text[]) RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'vecdb_execute' LANGUAGE C STRICT;

-- Runs a generated statement with bound parameters; returns the rows processed.
CREATE FUNCTION vecdb._execute_count(sql text, param_types text[], param_values text[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'vecdb_execute_count' LANGUAGE C STRICT;

-- Reads every block of a relation into shared buffers; returns the block count.
CREATE FUNCTION vecdb._prewarm(rel regclass) RETURNS bigint
    AS 'MODULE_PATHNAME', 'vecdb_prewarm' LANGUAGE C STRICT;

-- Checks a collection, field, alias, partition or index name: letters,
-- digits and _, not starting with a digit, at most 63 bytes.
CREATE FUNCTION vecdb._check_name(kind text, name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF name IS NULL OR name = '' THEN
        RAISE EXCEPTION '% name must not be empty', kind USING ERRCODE = 'invalid_name';
    END IF;
    IF octet_length(name) > 63 THEN
        RAISE EXCEPTION '% name "%" is too long (% bytes, at most 63)', kind, name, octet_length(name)
            USING ERRCODE = 'invalid_name';
    END IF;
    IF name !~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid % name "%"', kind, name
            USING ERRCODE = 'invalid_name',
                  DETAIL = 'Names hold letters, digits and underscores and do not start with a digit.';
    END IF;
END
$$;

-- The catalog row of a collection by its own name (not an alias): what the
-- functions that change the collection itself (drop, rename, alias targets) take.
CREATE FUNCTION vecdb._collection(name text) RETURNS vecdb.collections
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections;
BEGIN
    SELECT * INTO c FROM vecdb.collections WHERE collections.name = _collection.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'collection "%" does not exist', name USING ERRCODE = 'undefined_table';
    END IF;
    RETURN c;
END
$$;

-- The catalog row of a collection given its name or an alias of it.
CREATE FUNCTION vecdb._resolve(name text) RETURNS vecdb.collections
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target text;
BEGIN
    IF NOT EXISTS (SELECT FROM vecdb.collections WHERE collections.name = _resolve.name) THEN
        SELECT a.collection INTO target FROM vecdb.aliases a WHERE a.alias = _resolve.name;
    END IF;
    RETURN vecdb._collection(coalesce(target, name));
END
$$;

-- The catalog row of a field of a collection.
CREATE FUNCTION vecdb._field(c vecdb.collections, field_name text) RETURNS vecdb.fields
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f vecdb.fields;
BEGIN
    SELECT * INTO f FROM vecdb.fields WHERE collection = c.name AND name = field_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'field "%" does not exist in collection "%"', field_name, c.name
            USING ERRCODE = 'undefined_column';
    END IF;
    RETURN f;
END
$$;

-- The table of a partition of a collection.
CREATE FUNCTION vecdb._partition(c vecdb.collections, partition_name text) RETURNS name
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    part name;
BEGIN
    SELECT table_name INTO part FROM vecdb.partitions p WHERE p.collection = c.name AND p.name = partition_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'partition "%" does not exist in collection "%"', partition_name, c.name
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN part;
END
$$;

-- The collection's table as a quoted, schema-qualified name.
CREATE FUNCTION vecdb._table(c vecdb.collections) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', c.schema_name, c.table_name)
$$;

-- The table name of a partition: <table>$<partition>, or a hashed name when
-- that would pass 63 bytes (names are never truncated).
CREATE FUNCTION vecdb._partition_table(table_name name, collection text, partition_name text) RETURNS name
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN octet_length(table_name || '$' || partition_name) <= 63 THEN table_name || '$' || partition_name
                ELSE 'vecdb_p_' || left(md5(collection || '.' || partition_name), 24) END::name
$$;

-- The kind the filter compiler gives a Milvus data type.
CREATE FUNCTION vecdb._filter_kind(data_type text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN data_type = 'BOOL' THEN 'bool'
                WHEN data_type IN ('INT8', 'INT16', 'INT32', 'INT64') THEN 'int'
                WHEN data_type IN ('FLOAT', 'DOUBLE') THEN 'float'
                WHEN data_type = 'VARCHAR' THEN 'string'
                WHEN data_type = 'JSON' THEN 'json'
                WHEN data_type = 'ARRAY' THEN 'array'
                ELSE 'vector' END
$$;

-- Compiles a filter against a collection's fields; parameters start at
-- first_param. A NULL or blank filter compiles to TRUE with no parameters.
CREATE FUNCTION vecdb._collection_filter(c vecdb.collections, filter text, first_param integer,
                                         OUT sql text, OUT param_types text[], OUT param_values text[])
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF filter IS NULL OR btrim(filter, E' \t\r\n') = '' THEN
        sql := 'true';
        param_types := '{}';
        param_values := '{}';
        RETURN;
    END IF;
    SELECT f.sql, f.param_types, f.param_values INTO sql, param_types, param_values
      FROM vecdb._compile_filter(
               filter,
               ARRAY(SELECT name FROM vecdb.fields WHERE collection = c.name ORDER BY ordinal),
               ARRAY(SELECT vecdb._filter_kind(data_type) FROM vecdb.fields WHERE collection = c.name ORDER BY ordinal),
               ARRAY(SELECT coalesce(vecdb._filter_kind(element_type), 'int') FROM vecdb.fields
                      WHERE collection = c.name ORDER BY ordinal),
               CASE WHEN c.enable_dynamic_field THEN '$meta' END,
               first_param) f;
END
$$;
