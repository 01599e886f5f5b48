-- Collections: insert, upsert, delete, get and query.

-- Checks rows (a json array of objects) against the collection's fields.
-- Unknown keys go to the dynamic field or are an error; with require_pk the
-- primary key must be given even when it is auto_id (upsert).
CREATE FUNCTION vecdb._check_rows(c vecdb.collections, rows jsonb, require_pk boolean) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fields vecdb.fields[];
    names text[];
    f vecdb.fields;
    r jsonb;
    n bigint := 0;
    unknown text;
BEGIN
    IF jsonb_typeof(rows) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'rows must be a json array of objects' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(x ORDER BY x.ordinal), array_agg(x.name ORDER BY x.ordinal) INTO fields, names
      FROM vecdb.fields x WHERE x.collection = c.name;
    FOR r IN SELECT e FROM jsonb_array_elements(rows) e LOOP
        n := n + 1;
        IF jsonb_typeof(r) <> 'object' THEN
            RAISE EXCEPTION 'row %: expected a json object, got %', n, left(r::text, 80)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOREACH f IN ARRAY fields LOOP
            IF f.auto_id AND r ? f.name AND NOT require_pk THEN
                RAISE EXCEPTION 'row %: field "%" is auto_id and must not be given', n, f.name
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF f.is_primary AND require_pk AND NOT (r ? f.name) THEN
                RAISE EXCEPTION 'row %: upsert needs the primary key "%"', n, f.name
                    USING ERRCODE = 'not_null_violation';
            END IF;
            IF f.is_primary AND f.auto_id AND NOT require_pk THEN
                CONTINUE;
            END IF;
            PERFORM vecdb._check_value(f, r->f.name, n);
        END LOOP;
        SELECT k INTO unknown FROM jsonb_object_keys(r) k WHERE k <> ALL (names) LIMIT 1;
        IF unknown IS NOT NULL THEN
            IF unknown = '$meta' THEN
                RAISE EXCEPTION 'row %: "$meta" is reserved; give dynamic fields as top-level keys', n
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF NOT c.enable_dynamic_field THEN
                RAISE EXCEPTION 'row %: field "%" does not exist in collection "%"', n, unknown, c.name
                    USING ERRCODE = 'undefined_column',
                          HINT = 'Create the collection with enable_dynamic_field to keep unknown keys.';
            END IF;
        END IF;
    END LOOP;
END
$$;

-- The INSERT statement for rows passed as parameter $1 (jsonb) into the
-- partition named by $2, returning the primary keys as jsonb; upsert
-- replaces rows whose key exists in that partition.
CREATE FUNCTION vecdb._insert_sql(c vecdb.collections, upsert boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cols text[] := '{}';
    vals text[] := '{}';
    sets text[] := '{}';
    f vecdb.fields;
BEGIN
    FOR f IN SELECT * FROM vecdb.fields WHERE collection = c.name ORDER BY ordinal LOOP
        IF f.auto_id AND NOT upsert THEN
            CONTINUE;
        END IF;
        cols := cols || quote_ident(f.name);
        vals := vals || vecdb._value_sql(f, format('r.v -> %L', f.name));
        IF NOT f.is_primary THEN
            sets := sets || format('%1$I = EXCLUDED.%1$I', f.name);
        END IF;
    END LOOP;
    cols := cols || '"$partition"'::text;
    vals := vals || '$2'::text;
    IF c.enable_dynamic_field THEN
        cols := cols || '"$meta"'::text;
        vals := vals || format('r.v - %L::text[]',
                               ARRAY(SELECT name FROM vecdb.fields WHERE collection = c.name ORDER BY ordinal));
        sets := sets || '"$meta" = EXCLUDED."$meta"'::text;
    END IF;
    RETURN format('INSERT INTO %s AS t (%s) %s SELECT %s FROM jsonb_array_elements($1) WITH ORDINALITY AS r(v, n) ORDER BY r.n %s RETURNING to_jsonb(t.%I)',
                  vecdb._table(c), array_to_string(cols, ', '),
                  CASE WHEN upsert AND c.auto_id THEN 'OVERRIDING SYSTEM VALUE' ELSE '' END,
                  array_to_string(vals, ', '),
                  CASE WHEN upsert THEN format('ON CONFLICT (%I, "$partition"%s) DO UPDATE SET %s', c.primary_field,
                                               (SELECT string_agg(', ' || quote_ident(name), '') FROM vecdb.fields
                                                 WHERE collection = c.name AND is_partition_key),
                                               array_to_string(sets, ', ')) ELSE '' END,
                  c.primary_field);
END
$$;

-- Writes rows (a json array of objects, or one object) into a partition,
-- all or nothing, as INSERT or as upsert; returns the ids as a json array.
CREATE FUNCTION vecdb._write_rows(c vecdb.collections, data jsonb, partition_name text, upsert boolean) RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rows jsonb := CASE WHEN jsonb_typeof(data) = 'object' THEN jsonb_build_array(data) ELSE data END;
    ids jsonb;
BEGIN
    PERFORM vecdb._check_partitions(c, ARRAY[partition_name]);
    PERFORM vecdb._check_rows(c, rows, upsert);
    SELECT coalesce(jsonb_agg(t.id), '[]') INTO ids
      FROM vecdb._execute(vecdb._insert_sql(c, upsert), ARRAY['jsonb', 'text'],
                          ARRAY[rows::text, partition_name]) AS t(id jsonb);
    RETURN ids;
END
$$;

-- Inserts rows (a json array of objects, or one object); all or nothing.
-- Returns {"insert_count": n, "ids": [...]}.
CREATE FUNCTION vecdb.insert(collection_name text, data jsonb, partition_name text DEFAULT '_default') RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids jsonb := vecdb._write_rows(vecdb._resolve(collection_name), data, partition_name, false);
BEGIN
    RETURN jsonb_build_object('insert_count', jsonb_array_length(ids), 'ids', ids);
END
$$;

-- Inserts rows or replaces the rows with the same primary key.
-- Returns {"upsert_count": n, "ids": [...]}.
CREATE FUNCTION vecdb.upsert(collection_name text, data jsonb, partition_name text DEFAULT '_default') RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    ids jsonb := vecdb._write_rows(c, data, partition_name, true);
BEGIN
    IF c.auto_id THEN
        -- keys given by the caller must not be handed out again by the identity
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), max(%I)) FROM %s HAVING max(%I) > '
                       '(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s)',
                       vecdb._table(c), c.primary_field, c.primary_field, vecdb._table(c), c.primary_field,
                       pg_get_serial_sequence(vecdb._table(c), c.primary_field));
    END IF;
    RETURN jsonb_build_object('upsert_count', jsonb_array_length(ids), 'ids', ids);
END
$$;

-- The primary keys in ids (a json array or one value) as a SQL array
-- literal of the key's type, checked.
CREATE FUNCTION vecdb._ids_param(c vecdb.collections, ids jsonb, OUT type_name text, OUT value text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pk vecdb.fields;
    list jsonb := CASE WHEN jsonb_typeof(ids) = 'array' THEN ids ELSE jsonb_build_array(ids) END;
BEGIN
    SELECT * INTO pk FROM vecdb.fields WHERE collection = c.name AND name = c.primary_field;
    pk.nullable := false;
    pk.auto_id := false;
    FOR i IN 0 .. jsonb_array_length(list) - 1 LOOP
        PERFORM vecdb._check_value(pk, list->i, i + 1);
    END LOOP;
    type_name := CASE WHEN pk.data_type = 'INT64' THEN 'int8[]' ELSE 'text[]' END;
    value := ARRAY(SELECT e #>> '{}' FROM jsonb_array_elements(list) e)::text;
END
$$;

-- Deletes the rows matching a filter expression or with the given primary
-- keys (one of them is required); returns how many were deleted.
CREATE FUNCTION vecdb.delete(collection_name text, filter text DEFAULT NULL, ids jsonb DEFAULT NULL,
                             partition_name text DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    w record;
    idp record;
    id_type text := 'int8[]';
    id_value text;
BEGIN
    PERFORM vecdb._check_partitions(c, CASE WHEN partition_name IS NOT NULL THEN ARRAY[partition_name] END);
    IF ids IS NULL AND (filter IS NULL OR btrim(filter) = '') THEN
        RAISE EXCEPTION 'delete needs a filter or ids' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- $1 the ids (or NULL), $2 the partition (or NULL), then the filter's parameters
    IF ids IS NOT NULL THEN
        idp := vecdb._ids_param(c, ids);
        id_type := idp.type_name;
        id_value := idp.value;
    END IF;
    w := vecdb._collection_filter(c, filter, 3);
    RETURN vecdb._execute_count(
        format('DELETE FROM %s AS t WHERE %s AND %s AND %s', vecdb._table(c),
               CASE WHEN ids IS NOT NULL THEN format('t.%I = ANY($1)', c.primary_field) ELSE '$1 IS NULL' END,
               CASE WHEN partition_name IS NOT NULL THEN 't."$partition" = $2' ELSE '$2 IS NULL' END, w.sql),
        ARRAY[id_type, 'text'] || w.param_types,
        ARRAY[id_value, partition_name] || w.param_values);
END
$$;

-- The entities matching a filter (and/or primary keys), ordered by primary
-- key: {"pk": ..., output fields...} each. output_fields may hold
-- 'count(*)', which returns one {"count(*)": n}. Expired rows (ttl) are
-- left out; as_of reads the collection as it was then (time travel).
CREATE FUNCTION vecdb.query(collection_name text, filter text DEFAULT '', output_fields text[] DEFAULT NULL,
                            top_k integer DEFAULT NULL, skip integer DEFAULT 0, ids jsonb DEFAULT NULL,
                            partition_names text[] DEFAULT NULL, as_of timestamptz DEFAULT NULL)
    RETURNS SETOF jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    src record := vecdb._read_source(c, as_of);
    w record;
    idp record;
    types text[] := '{}';
    vals text[] := '{}';
    where_ids text := 'true';
    first integer := 1;
BEGIN
    PERFORM vecdb._check_partitions(c, partition_names);
    IF top_k IS NOT NULL AND top_k < 0 OR skip IS NULL OR skip < 0 THEN
        RAISE EXCEPTION 'top_k and skip must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF ids IS NOT NULL THEN
        idp := vecdb._ids_param(c, ids);
        types := ARRAY[idp.type_name];
        vals := ARRAY[idp.value];
        where_ids := format('t.%I = ANY($1)', c.primary_field);
        first := 2;
    END IF;
    IF partition_names IS NOT NULL THEN
        where_ids := where_ids || format(' AND t."$partition" = ANY($%s)', first + 2);
    END IF;
    w := vecdb._collection_filter(c, filter, first + 3);
    types := types || ARRAY['int8', 'int8', 'text[]'] || w.param_types;
    vals := vals || ARRAY[top_k::text, skip::text, partition_names::text] || w.param_values;
    IF output_fields IS NOT NULL AND 'count(*)' = ANY (output_fields) THEN
        IF cardinality(output_fields) > 1 THEN
            RAISE EXCEPTION 'count(*) cannot be combined with other output fields' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        RETURN QUERY SELECT t.e FROM vecdb._execute(
            format('SELECT jsonb_build_object(''count(*)'', count(*)) FROM (SELECT 1 FROM %s AS t WHERE %s AND %s AND %s LIMIT $%s OFFSET $%s) s',
                   src.relation, where_ids, src.condition, w.sql, first, first + 1),
            types, vals) AS t(e jsonb);
        RETURN;
    END IF;
    RETURN QUERY SELECT t.e FROM vecdb._execute(
        format('SELECT %s FROM %s AS t WHERE %s AND %s AND %s ORDER BY t.%I LIMIT $%s OFFSET $%s',
               vecdb._entity_sql(c, output_fields, true, 't'), src.relation, where_ids, src.condition, w.sql,
               c.primary_field, first, first + 1),
        types, vals) AS t(e jsonb);
END
$$;

-- The entities with the given primary keys (as of an instant with as_of).
CREATE FUNCTION vecdb.get(collection_name text, ids jsonb, output_fields text[] DEFAULT NULL,
                          partition_names text[] DEFAULT NULL, as_of timestamptz DEFAULT NULL)
    RETURNS SETOF jsonb
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT vecdb.query(collection_name, '', output_fields, NULL, 0, ids, partition_names, as_of)
$$;
