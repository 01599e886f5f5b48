-- Collections: create, describe, rename, drop. Every function runs with the
-- caller's rights and a pinned search_path; identifiers in generated SQL
-- come from the catalog through format('%I').

-- The text search configuration of a full-text VARCHAR field (params
-- enable_analyzer / enable_match); NULL for every other field.
ALTER TABLE vecdb.fields ADD COLUMN text_config text;

-- The text search configuration a VARCHAR field definition asks for with
-- Milvus's params enable_analyzer / enable_match and analyzer_params
-- ({"type": "standard"} = simple, the default; "english" or any other
-- built-in configuration name); NULL when the field is not full-text.
CREATE FUNCTION vecdb._text_config(def jsonb, data_type text, what text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p jsonb := coalesce(def->'params', '{}');
    analyzer jsonb := p->'analyzer_params';
    on_flag boolean;
    config text;
    bad text;
BEGIN
    IF jsonb_typeof(p->'enable_analyzer') NOT IN ('boolean', 'null') OR jsonb_typeof(p->'enable_match') NOT IN ('boolean', 'null') THEN
        RAISE EXCEPTION 'enable_analyzer and enable_match of % must be booleans', what
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    on_flag := coalesce((p->>'enable_analyzer')::boolean, false) OR coalesce((p->>'enable_match')::boolean, false);
    IF NOT on_flag THEN
        IF analyzer IS NOT NULL THEN
            RAISE EXCEPTION 'analyzer_params of % needs enable_analyzer', what USING ERRCODE = 'invalid_parameter_value';
        END IF;
        RETURN NULL;
    END IF;
    IF data_type <> 'VARCHAR' THEN
        RAISE EXCEPTION 'enable_analyzer applies only to VARCHAR fields, not % (%)', what, data_type
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF analyzer IS NULL OR analyzer = 'null' THEN
        RETURN 'simple';
    END IF;
    IF jsonb_typeof(analyzer) <> 'object' THEN
        RAISE EXCEPTION 'analyzer_params of % must be a json object', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT k INTO bad FROM jsonb_object_keys(analyzer) k WHERE k NOT IN ('type', 'tokenizer') LIMIT 1;
    IF bad IS NOT NULL OR coalesce(analyzer->>'tokenizer', 'standard') <> 'standard' THEN
        RAISE EXCEPTION 'analyzer_params of % are not supported: %', what, analyzer
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'vecdb analyzes with a Postgres text search configuration: {"type": "standard"} (simple) or a configuration name such as {"type": "english"}.';
    END IF;
    config := lower(coalesce(analyzer->>'type', 'standard'));
    config := CASE config WHEN 'standard' THEN 'simple' ELSE config END;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config WHERE cfgname = config
                      AND cfgnamespace = 'pg_catalog'::regnamespace) THEN
        RAISE EXCEPTION 'analyzer type "%" of % is not a text search configuration', analyzer->>'type', what
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use standard, or a built-in configuration such as english (\dF lists them).';
    END IF;
    RETURN config;
END
$$;

-- The hidden tsvector column (generated, GIN-indexed) of a full-text field:
-- <field>$tsv, or a hashed name when that would pass 63 bytes.
CREATE FUNCTION vecdb._text_column(f vecdb.fields) RETURNS name
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN octet_length(f.name || '$tsv') <= 63 THEN f.name || '$tsv'
                ELSE '$tsv_' || left(md5(f.name), 24) END::name
$$;

-- The Postgres column type of a field (data_type and element_type in Milvus
-- spelling, upper case).
CREATE FUNCTION vecdb._column_type(f vecdb.fields) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    scalar text;
BEGIN
    CASE f.data_type
        WHEN 'FLOAT_VECTOR' THEN RETURN format('@extschema@.vector(%s)', f.dim);
        WHEN 'FLOAT16_VECTOR' THEN RETURN format('@extschema@.halfvec(%s)', f.dim);
        WHEN 'SPARSE_FLOAT_VECTOR' THEN RETURN '@extschema@.sparsevec';
        WHEN 'BINARY_VECTOR' THEN RETURN format('bit(%s)', f.dim);
        WHEN 'ARRAY' THEN
            scalar := CASE f.element_type WHEN 'BOOL' THEN 'boolean' WHEN 'INT8' THEN 'smallint'
                          WHEN 'INT16' THEN 'smallint' WHEN 'INT32' THEN 'integer' WHEN 'INT64' THEN 'bigint'
                          WHEN 'FLOAT' THEN 'real' WHEN 'DOUBLE' THEN 'double precision'
                          WHEN 'VARCHAR' THEN format('varchar(%s)', f.max_length) END;
            RETURN scalar || '[]';
        ELSE
            RETURN CASE f.data_type WHEN 'BOOL' THEN 'boolean' WHEN 'INT8' THEN 'smallint'
                       WHEN 'INT16' THEN 'smallint' WHEN 'INT32' THEN 'integer' WHEN 'INT64' THEN 'bigint'
                       WHEN 'FLOAT' THEN 'real' WHEN 'DOUBLE' THEN 'double precision'
                       WHEN 'VARCHAR' THEN format('varchar(%s)', f.max_length) WHEN 'JSON' THEN 'jsonb' END;
    END CASE;
END
$$;

-- The canonical Milvus name of a data type given in any case or alias.
CREATE FUNCTION vecdb._data_type(type_name text, what text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := upper(btrim(coalesce(type_name, '')));
BEGIN
    t := regexp_replace(t, '^DATATYPE\.', '');
    t := CASE t WHEN 'BOOLEAN' THEN 'BOOL' WHEN 'STRING' THEN 'VARCHAR' ELSE t END;
    IF t IN ('BOOL', 'INT8', 'INT16', 'INT32', 'INT64', 'FLOAT', 'DOUBLE', 'VARCHAR', 'JSON', 'ARRAY',
             'FLOAT_VECTOR', 'FLOAT16_VECTOR', 'SPARSE_FLOAT_VECTOR', 'BINARY_VECTOR') THEN
        RETURN t;
    END IF;
    IF t = 'BFLOAT16_VECTOR' THEN
        RAISE EXCEPTION '% type BFLOAT16_VECTOR is not supported', what
            USING ERRCODE = 'feature_not_supported', HINT = 'Use FLOAT16_VECTOR (halfvec) or FLOAT_VECTOR.';
    END IF;
    RAISE EXCEPTION 'unknown data type "%" for %', type_name, what
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Types: BOOL, INT8, INT16, INT32, INT64, FLOAT, DOUBLE, VARCHAR, JSON, ARRAY, FLOAT_VECTOR, FLOAT16_VECTOR, SPARSE_FLOAT_VECTOR, BINARY_VECTOR.';
END
$$;

-- An integer parameter of a field definition (params.dim etc., also
-- accepted at the top level as pymilvus's to_dict() writes some of them).
CREATE FUNCTION vecdb._field_int(def jsonb, key text, what text) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v jsonb := coalesce(def->'params'->key, def->key);
BEGIN
    IF v IS NULL OR v = 'null' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(v) = 'string' AND (v #>> '{}') ~ '^\s*[0-9]{1,9}\s*$' THEN
        RETURN (v #>> '{}')::integer;
    END IF;
    IF jsonb_typeof(v) <> 'number' OR (v #>> '{}') !~ '^[0-9]{1,9}$' THEN
        RAISE EXCEPTION '% of % must be a positive integer, not %', key, what, v
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN (v #>> '{}')::integer;
END
$$;

-- Checks one field definition and returns it as a catalog row.
CREATE FUNCTION vecdb._parse_field(collection text, ordinal integer, def jsonb) RETURNS vecdb.fields
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f vecdb.fields;
    what text;
    known text[] := ARRAY['name', 'type', 'is_primary', 'auto_id', 'nullable', 'default_value', 'params',
                          'description', 'is_partition_key', 'element_type', 'dim', 'max_length',
                          'max_capacity', 'metric_type'];
    unknown text;
    max_dim integer;
BEGIN
    IF jsonb_typeof(def) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'field % of collection "%" must be a json object', ordinal, collection
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    f.collection := collection;
    f.ordinal := ordinal;
    f.name := def->>'name';
    PERFORM vecdb._check_name('field', f.name);
    what := format('field "%s"', f.name);
    SELECT k INTO unknown FROM jsonb_object_keys(def) k WHERE k <> ALL (known) LIMIT 1;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown key "%" in the definition of %', unknown, what
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    f.data_type := vecdb._data_type(def->>'type', what);
    f.is_primary := coalesce((def->>'is_primary')::boolean, false);
    f.auto_id := coalesce((def->>'auto_id')::boolean, false);
    f.nullable := coalesce((def->>'nullable')::boolean, false);
    f.is_partition_key := coalesce((def->>'is_partition_key')::boolean, false);
    f.description := coalesce(def->>'description', '');
    f.default_value := CASE WHEN def->'default_value' = 'null' THEN NULL ELSE def->'default_value' END;
    IF f.data_type = 'ARRAY' THEN
        f.element_type := vecdb._data_type(coalesce(def->'params'->>'element_type', def->>'element_type'),
                                           'the elements of ' || what);
        IF f.element_type NOT IN ('BOOL', 'INT8', 'INT16', 'INT32', 'INT64', 'FLOAT', 'DOUBLE', 'VARCHAR') THEN
            RAISE EXCEPTION 'array % cannot hold % elements', what, f.element_type
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        f.max_capacity := vecdb._field_int(def, 'max_capacity', what);
        IF f.max_capacity IS NULL OR f.max_capacity < 1 OR f.max_capacity > 4096 THEN
            RAISE EXCEPTION 'array % needs max_capacity between 1 and 4096', what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF f.data_type = 'VARCHAR' OR f.element_type = 'VARCHAR' THEN
        f.max_length := vecdb._field_int(def, 'max_length', what);
        IF f.max_length IS NULL OR f.max_length < 1 OR f.max_length > 65535 THEN
            RAISE EXCEPTION 'varchar % needs max_length between 1 and 65535', what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    f.text_config := vecdb._text_config(def, f.data_type, what);
    IF f.data_type IN ('FLOAT_VECTOR', 'FLOAT16_VECTOR', 'BINARY_VECTOR') THEN
        f.dim := vecdb._field_int(def, 'dim', what);
        max_dim := CASE WHEN f.data_type = 'BINARY_VECTOR' THEN 64000 ELSE 16000 END;
        IF f.dim IS NULL OR f.dim < 1 OR f.dim > max_dim THEN
            RAISE EXCEPTION 'vector % needs dim between 1 and %', what, max_dim
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF f.data_type = 'BINARY_VECTOR' AND f.dim % 8 <> 0 THEN
            RAISE EXCEPTION 'binary vector % needs a dim that is a multiple of 8, not %', what, f.dim
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF vecdb._filter_kind(f.data_type) = 'vector' THEN
        f.metric_type := vecdb._metric(coalesce(def->>'metric_type',
                             CASE f.data_type WHEN 'BINARY_VECTOR' THEN 'HAMMING'
                                              WHEN 'SPARSE_FLOAT_VECTOR' THEN 'IP' ELSE 'L2' END), f.data_type);
        IF f.nullable OR f.default_value IS NOT NULL OR f.is_primary OR f.is_partition_key THEN
            RAISE EXCEPTION 'vector % cannot be nullable, have a default, be the primary key or a partition key', what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    ELSIF def ? 'metric_type' THEN
        RAISE EXCEPTION 'metric_type applies only to vector fields, not %', what
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF f.is_primary THEN
        IF f.data_type NOT IN ('INT64', 'VARCHAR') THEN
            RAISE EXCEPTION 'primary key % must be INT64 or VARCHAR, not %', what, f.data_type
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF f.nullable OR f.default_value IS NOT NULL THEN
            RAISE EXCEPTION 'primary key % cannot be nullable or have a default', what
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF f.auto_id AND f.data_type <> 'INT64' THEN
            RAISE EXCEPTION 'auto_id needs an INT64 primary key; % is %', what, f.data_type
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    ELSIF f.auto_id THEN
        RAISE EXCEPTION 'auto_id applies only to the primary key, not %', what
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF f.is_partition_key AND (f.data_type NOT IN ('INT64', 'VARCHAR') OR f.is_primary OR f.nullable) THEN
        RAISE EXCEPTION 'partition key % must be a non-nullable INT64 or VARCHAR field other than the primary key', what
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF f.default_value IS NOT NULL AND f.data_type IN ('JSON', 'ARRAY') THEN
        RAISE EXCEPTION '% of type % cannot have a default value', what, f.data_type
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN f;
END
$$;

-- The canonical name of a metric, checked against the vector type.
CREATE FUNCTION vecdb._metric(metric text, data_type text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m text := upper(btrim(coalesce(metric, '')));
BEGIN
    IF data_type = 'BINARY_VECTOR' THEN
        IF m NOT IN ('HAMMING', 'JACCARD') THEN
            RAISE EXCEPTION 'metric "%" does not apply to BINARY_VECTOR fields', metric
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Use HAMMING or JACCARD.';
        END IF;
    ELSIF m NOT IN ('L2', 'IP', 'COSINE') THEN
        RAISE EXCEPTION 'metric "%" does not apply to % fields', metric, data_type
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use L2, IP or COSINE.';
    END IF;
    RETURN m;
END
$$;

-- The DEFAULT clause and CHECK constraints of a column (empty when none).
CREATE FUNCTION vecdb._column_extras(f vecdb.fields) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    sql text := '';
    typ text := vecdb._column_type(f);
BEGIN
    IF NOT f.nullable THEN
        sql := sql || ' NOT NULL';
    END IF;
    IF f.default_value IS NOT NULL THEN
        sql := sql || format(' DEFAULT %L::%s', vecdb._default_text(f), typ);
    END IF;
    IF f.data_type = 'INT8' THEN
        sql := sql || format(' CHECK (%I BETWEEN -128 AND 127)', f.name);
    END IF;
    IF f.data_type = 'ARRAY' THEN
        sql := sql || format(' CHECK (cardinality(%I) <= %s)', f.name, f.max_capacity);
        IF f.element_type = 'INT8' THEN
            sql := sql || format(' CHECK (-128 <= ALL (%1$I) AND 127 >= ALL (%1$I))', f.name);
        END IF;
    END IF;
    RETURN sql;
END
$$;

-- The default value of a field as text for its column type (checked).
CREATE FUNCTION vecdb._default_text(f vecdb.fields) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v jsonb := f.default_value;
    ok boolean;
BEGIN
    ok := CASE f.data_type
              WHEN 'BOOL' THEN jsonb_typeof(v) = 'boolean'
              WHEN 'VARCHAR' THEN jsonb_typeof(v) = 'string' AND length(v #>> '{}') <= f.max_length
              WHEN 'FLOAT' THEN jsonb_typeof(v) = 'number'
              WHEN 'DOUBLE' THEN jsonb_typeof(v) = 'number'
              ELSE jsonb_typeof(v) = 'number' AND (v #>> '{}') ~ '^-?[0-9]+$'
                   AND (v #>> '{}')::numeric BETWEEN
                       CASE f.data_type WHEN 'INT8' THEN -128 WHEN 'INT16' THEN -32768 WHEN 'INT32' THEN -2147483648 ELSE -9223372036854775808 END
                   AND CASE f.data_type WHEN 'INT8' THEN 127 WHEN 'INT16' THEN 32767 WHEN 'INT32' THEN 2147483647 ELSE 9223372036854775807 END
          END;
    IF NOT coalesce(ok, false) THEN
        RAISE EXCEPTION 'default value % does not fit field "%" of type %', v, f.name, f.data_type
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v #>> '{}';
END
$$;

-- Creates a collection from a schema in pymilvus's dict shape:
-- {"fields": [{"name", "type", "is_primary", "auto_id", "nullable",
-- "default_value", "params": {"dim", "max_length", "element_type",
-- "max_capacity"}}], "enable_dynamic_field", "description"}. The table is
-- created in db_name (a schema, default public) under the collection's name.
CREATE FUNCTION vecdb.create_collection(collection_name text, schema jsonb, db_name name DEFAULT 'public',
                                        properties jsonb DEFAULT '{}')
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f vecdb.fields;
    defs jsonb;
    cols text[] := '{}';
    pk vecdb.fields;
    n integer := 0;
    tbl text;
    unknown text;
    names text[] := '{}';
    part_key text;
    num_partitions integer;
BEGIN
    PERFORM vecdb._check_name('collection', collection_name);
    IF jsonb_typeof(schema) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'schema of collection "%" must be a json object', collection_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT k INTO unknown FROM jsonb_object_keys(schema) k
     WHERE k NOT IN ('fields', 'enable_dynamic_field', 'description', 'auto_id', 'functions', 'num_partitions') LIMIT 1;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown key "%" in the schema of collection "%"', unknown, collection_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(schema->'functions') = 'array' AND jsonb_array_length(schema->'functions') > 0 THEN
        RAISE EXCEPTION 'schema functions are not supported' USING ERRCODE = 'feature_not_supported';
    END IF;
    IF EXISTS (SELECT 1 FROM vecdb.collections WHERE name = collection_name)
       OR EXISTS (SELECT 1 FROM vecdb.aliases WHERE alias = collection_name) THEN
        RAISE EXCEPTION 'collection "%" already exists', collection_name USING ERRCODE = 'duplicate_table';
    END IF;
    defs := schema->'fields';
    IF jsonb_typeof(defs) IS DISTINCT FROM 'array' OR jsonb_array_length(defs) = 0 THEN
        RAISE EXCEPTION 'schema of collection "%" needs a non-empty "fields" array', collection_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(properties) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'properties must be a json object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    tbl := format('%I.%I', db_name, collection_name);
    -- The catalog row first (its table is checked to exist by the policy only on
    -- insert, so the table comes first); all of it is one transaction.
    FOR i IN 0 .. jsonb_array_length(defs) - 1 LOOP
        n := n + 1;
        f := vecdb._parse_field(collection_name, n, defs->i);
        IF f.name = ANY (names) THEN
            RAISE EXCEPTION 'duplicate field name "%" in collection "%"', f.name, collection_name
                USING ERRCODE = 'duplicate_column';
        END IF;
        names := names || f.name;
        IF f.is_primary THEN
            IF pk.name IS NOT NULL THEN
                RAISE EXCEPTION 'collection "%" has two primary keys ("%" and "%")', collection_name, pk.name, f.name
                    USING ERRCODE = 'invalid_table_definition';
            END IF;
            pk := f;
        END IF;
        IF coalesce((schema->>'auto_id')::boolean, false) AND f.is_primary THEN
            f.auto_id := true;
            IF f.data_type <> 'INT64' THEN
                RAISE EXCEPTION 'auto_id needs an INT64 primary key' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            pk := f;
        END IF;
        cols := cols || CASE
            WHEN f.is_primary AND f.auto_id THEN format('%I bigint GENERATED BY DEFAULT AS IDENTITY', f.name)
            WHEN f.is_primary THEN format('%I %s NOT NULL', f.name, vecdb._column_type(f))
            ELSE format('%I %s%s', f.name, vecdb._column_type(f), vecdb._column_extras(f)) END;
        IF f.text_config IS NOT NULL THEN
            -- full-text: a generated tsvector column beside the text (GIN-indexed below)
            cols := cols || format('%I tsvector GENERATED ALWAYS AS (to_tsvector(%L::regconfig, coalesce(%I, %L))) STORED',
                                   vecdb._text_column(f), f.text_config, f.name, '');
        END IF;
        defs := jsonb_set(defs, ARRAY[i::text], to_jsonb(f));
    END LOOP;
    IF pk.name IS NULL THEN
        RAISE EXCEPTION 'collection "%" needs exactly one primary key field', collection_name
            USING ERRCODE = 'invalid_table_definition';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(defs) d
                    WHERE vecdb._filter_kind(d->>'data_type') = 'vector') THEN
        RAISE EXCEPTION 'collection "%" needs at least one vector field', collection_name
            USING ERRCODE = 'invalid_table_definition';
    END IF;
    IF coalesce((schema->>'enable_dynamic_field')::boolean, false) THEN
        cols := cols || '"$meta" jsonb NOT NULL DEFAULT ''{}''::jsonb CHECK (jsonb_typeof("$meta") = ''object'')'::text;
    END IF;
    -- the partition a row is in; the primary key is unique within a partition
    -- (and, with a partition key, within a key value: Postgres needs every
    -- partitioning column in a partitioned table's primary key)
    SELECT d->>'name' INTO part_key FROM jsonb_array_elements(defs) d WHERE (d->>'is_partition_key')::boolean;
    IF (SELECT count(*) FROM jsonb_array_elements(defs) d WHERE (d->>'is_partition_key')::boolean) > 1 THEN
        RAISE EXCEPTION 'collection "%" has more than one partition key', collection_name
            USING ERRCODE = 'invalid_table_definition';
    END IF;
    IF schema ? 'num_partitions' AND part_key IS NULL THEN
        RAISE EXCEPTION 'num_partitions needs a partition key field' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF part_key IS NOT NULL THEN
        num_partitions := CASE WHEN schema->>'num_partitions' ~ '^[0-9]{1,5}$' THEN (schema->>'num_partitions')::integer END;
        IF schema ? 'num_partitions' AND (num_partitions IS NULL OR num_partitions NOT BETWEEN 1 AND 1024) THEN
            RAISE EXCEPTION 'num_partitions must be between 1 and 1024, not %', schema->'num_partitions'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        properties := properties || jsonb_build_object('num_partitions', coalesce(num_partitions, 16));
    END IF;
    cols := cols || '"$partition" text NOT NULL DEFAULT ''_default'''::text
                 || CASE WHEN part_key IS NULL THEN format('PRIMARY KEY (%I, "$partition")', pk.name)
                         ELSE format('PRIMARY KEY (%I, "$partition", %I)', pk.name, part_key) END;
    IF to_regnamespace(db_name) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', db_name USING ERRCODE = 'invalid_schema_name';
    END IF;
    IF vecdb._table_exists(db_name, collection_name) THEN
        RAISE EXCEPTION 'a table named % already exists', tbl USING ERRCODE = 'duplicate_table';
    END IF;
    EXECUTE format('CREATE TABLE %s (%s) PARTITION BY LIST ("$partition")', tbl, array_to_string(cols, ', '));
    EXECUTE format('COMMENT ON TABLE %s IS %L', tbl,
                   coalesce(nullif(schema->>'description', ''), 'vecdb collection ' || collection_name));
    INSERT INTO vecdb.collections (name, schema_name, table_name, description, primary_field, auto_id,
                                   enable_dynamic_field)
    VALUES (collection_name, db_name, collection_name, coalesce(schema->>'description', ''), pk.name,
            pk.auto_id OR coalesce((schema->>'auto_id')::boolean, false),
            coalesce((schema->>'enable_dynamic_field')::boolean, false));
    INSERT INTO vecdb.fields SELECT (jsonb_populate_record(NULL::vecdb.fields, d)).* FROM jsonb_array_elements(defs) d;
    FOR f IN SELECT * FROM vecdb.fields WHERE collection = collection_name AND description <> '' LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', tbl, f.name, f.description);
    END LOOP;
    FOR f IN SELECT * FROM vecdb.fields WHERE collection = collection_name AND text_config IS NOT NULL LOOP
        EXECUTE format('CREATE INDEX %I ON %s USING gin (%I)',
                       CASE WHEN octet_length(collection_name || '_' || f.name || '_tsv_idx') <= 63
                            THEN collection_name || '_' || f.name || '_tsv_idx'
                            ELSE 'vecdb_tsv_' || left(md5(collection_name || '.' || f.name), 24) END,
                       tbl, vecdb._text_column(f));
    END LOOP;
    PERFORM vecdb.alter_collection_properties(collection_name, properties);
    PERFORM vecdb._add_partition(vecdb._resolve(collection_name), '_default');
END
$$;

-- The same for a schema written as an untyped literal ('{"fields": ...}'),
-- which would otherwise be ambiguous between the jsonb and quick forms.
CREATE FUNCTION vecdb.create_collection(collection_name text, schema text, db_name name DEFAULT 'public',
                                        properties jsonb DEFAULT '{}')
    RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT vecdb.create_collection(collection_name, schema::jsonb, db_name, properties)
$$;

-- Milvus's quick setup: an id primary key, one vector field of the given
-- dimension, and dynamic fields on.
CREATE FUNCTION vecdb.create_collection(collection_name text, dimension integer, metric_type text DEFAULT 'L2',
                                        primary_field_name text DEFAULT 'id', id_type text DEFAULT 'INT64',
                                        vector_field_name text DEFAULT 'vector', auto_id boolean DEFAULT false,
                                        enable_dynamic_field boolean DEFAULT true, max_length integer DEFAULT 64,
                                        description text DEFAULT '', db_name name DEFAULT 'public')
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM vecdb.create_collection(collection_name, jsonb_build_object(
        'description', description,
        'enable_dynamic_field', enable_dynamic_field,
        'fields', jsonb_build_array(
            jsonb_build_object('name', primary_field_name, 'type', id_type, 'is_primary', true,
                               'auto_id', auto_id, 'params',
                               CASE WHEN upper(id_type) IN ('VARCHAR', 'STRING')
                                    THEN jsonb_build_object('max_length', max_length) ELSE '{}' END),
            jsonb_build_object('name', vector_field_name, 'type', 'FLOAT_VECTOR', 'metric_type', metric_type,
                               'params', jsonb_build_object('dim', dimension)))), db_name);
END
$$;

-- Whether a collection (or an alias) of that name exists.
CREATE FUNCTION vecdb.has_collection(collection_name text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM vecdb.collections WHERE name = $1)
        OR EXISTS (SELECT 1 FROM vecdb.aliases WHERE alias = $1)
$$;

-- The names of all collections, sorted.
CREATE FUNCTION vecdb.list_collections() RETURNS SETOF text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT name FROM vecdb.collections ORDER BY name
$$;

-- Drops a collection: its table (with indexes) and its catalog rows.
CREATE FUNCTION vecdb.drop_collection(collection_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections;
    aliases text;
BEGIN
    IF EXISTS (SELECT 1 FROM vecdb.aliases WHERE alias = collection_name) THEN
        RAISE EXCEPTION '"%" is an alias; drop_collection needs the collection name', collection_name
            USING ERRCODE = 'wrong_object_type';
    END IF;
    c := vecdb._collection(collection_name);
    SELECT string_agg(alias, ', ' ORDER BY alias) INTO aliases FROM vecdb.aliases WHERE collection = c.name;
    IF aliases IS NOT NULL THEN
        RAISE EXCEPTION 'collection "%" still has aliases: %', c.name, aliases
            USING ERRCODE = 'dependent_objects_still_exist', HINT = 'Drop the aliases first.';
    END IF;
    PERFORM vecdb._drop_history(c);
    IF vecdb._table_exists(c.schema_name, c.table_name) THEN
        EXECUTE format('DROP TABLE %s', vecdb._table(c));
    END IF;
    DELETE FROM vecdb.collections WHERE name = c.name;
END
$$;

-- Renames a collection and its table.
CREATE FUNCTION vecdb.rename_collection(old_name text, new_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._collection(old_name);
BEGIN
    PERFORM vecdb._check_name('collection', new_name);
    IF vecdb.has_collection(new_name) THEN
        RAISE EXCEPTION 'collection "%" already exists', new_name USING ERRCODE = 'duplicate_table';
    END IF;
    IF vecdb._table_exists(c.schema_name, new_name) THEN
        RAISE EXCEPTION 'a table named %.% already exists', quote_ident(c.schema_name), quote_ident(new_name)
            USING ERRCODE = 'duplicate_table';
    END IF;
    UPDATE vecdb.collections SET name = new_name, table_name = new_name WHERE name = old_name;
    EXECUTE format('ALTER TABLE %s RENAME TO %I', vecdb._table(c), new_name);
END
$$;

-- Sets collection properties (a json object of key -> value; a null value
-- removes the key).
CREATE FUNCTION vecdb.alter_collection_properties(collection_name text, properties jsonb) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    kv record;
BEGIN
    IF jsonb_typeof(properties) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'properties must be a json object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR kv IN SELECT key, value FROM jsonb_each(properties) LOOP
        IF kv.key !~ '^[A-Za-z_][A-Za-z0-9_.]*$' OR octet_length(kv.key) > 63 THEN
            RAISE EXCEPTION 'invalid property name "%"', kv.key USING ERRCODE = 'invalid_name';
        END IF;
        -- ttl (Milvus: collection.ttl.seconds) changes the table too (87_collection_ttl.sql)
        IF kv.key IN ('ttl', 'collection.ttl.seconds') THEN
            PERFORM vecdb._set_ttl(c, kv.value);
        ELSIF kv.value = 'null' THEN
            DELETE FROM vecdb.collection_properties WHERE collection = c.name AND key = kv.key;
        ELSE
            INSERT INTO vecdb.collection_properties VALUES (c.name, kv.key, kv.value #>> '{}')
            ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value;
        END IF;
    END LOOP;
END
$$;

-- A field as describe_collection shows it (Milvus's field dict).
CREATE FUNCTION vecdb._describe_field(f vecdb.fields) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'name', f.name, 'type', f.data_type, 'description', f.description,
        'is_primary', CASE WHEN f.is_primary THEN true END,
        'is_partition_key', CASE WHEN f.is_partition_key THEN true END,
        'auto_id', CASE WHEN f.is_primary THEN f.auto_id END,
        'nullable', f.nullable,
        'default_value', f.default_value,
        'element_type', f.element_type,
        'metric_type', f.metric_type,
        'params', nullif(jsonb_strip_nulls(jsonb_build_object('dim', f.dim, 'max_length', f.max_length,
                                                              'max_capacity', f.max_capacity,
                                                              'enable_analyzer', f.text_config IS NOT NULL OR NULL,
                                                              'analyzer_params', CASE WHEN f.text_config IS NOT NULL
                                                                  THEN jsonb_build_object('type', f.text_config) END)), '{}')))
$$;

-- Everything about a collection as jsonb: fields, indexes, properties,
-- partitions, aliases, load state and row count.
CREATE FUNCTION vecdb.describe_collection(collection_name text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    rows bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', vecdb._table(c)) INTO rows;
    RETURN jsonb_build_object(
        'collection_name', c.name,
        'table', vecdb._table(c),
        'description', c.description,
        'auto_id', c.auto_id,
        'primary_field', c.primary_field,
        'enable_dynamic_field', c.enable_dynamic_field,
        'fields', (SELECT jsonb_agg(vecdb._describe_field(f) ORDER BY f.ordinal) FROM vecdb.fields f
                    WHERE f.collection = c.name),
        'indexes', coalesce((SELECT jsonb_agg(vecdb._describe_index(i, rows) ORDER BY i.index_name) FROM vecdb.indexes i
                              WHERE i.collection = c.name), '[]'),
        'properties', coalesce((SELECT jsonb_object_agg(p.key, p.value) FROM vecdb.collection_properties p
                                 WHERE p.collection = c.name), '{}'),
        'partitions', (SELECT jsonb_agg(p.name ORDER BY p.name) FROM vecdb.partitions p WHERE p.collection = c.name),
        'aliases', coalesce((SELECT jsonb_agg(a.alias ORDER BY a.alias) FROM vecdb.aliases a
                              WHERE a.collection = c.name), '[]'),
        'load_state', c.load_state,
        'loaded_partitions', coalesce((SELECT jsonb_agg(p.name ORDER BY p.name) FROM vecdb.partitions p
                                        WHERE p.collection = c.name AND p.load_state = 'Loaded'), '[]'),
        'row_count', rows);
END
$$;
