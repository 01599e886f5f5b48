-- Collections: converting json values to and from column values, with a
-- clear error for every value that does not fit its field.

-- The sparse vector of a Milvus sparse row ({"index": value, ...}, 0-based).
CREATE FUNCTION vecdb._sparse_from_json(v jsonb) RETURNS @extschema@.sparsevec
    LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT (('{' || coalesce(string_agg(((e.key)::bigint + 1)::text || ':' || (e.value #>> '{}'), ','
                                         ORDER BY (e.key)::bigint), '')
             || '}/1000000000'))::@extschema@.sparsevec
      FROM jsonb_each(v) e
     WHERE (e.value #>> '{}')::float8 <> 0
$$;

-- A sparse vector as Milvus shows it: {"index": value, ...}, 0-based.
CREATE FUNCTION vecdb._sparse_to_json(v @extschema@.sparsevec) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_object_agg(((m[1])::bigint - 1)::text, (m[2])::float8), '{}')
      FROM regexp_matches(split_part(v::text, '/', 1), '(\d+):([^,}]+)', 'g') AS m
$$;

-- A binary vector from a string of 0/1 or an array of byte values.
CREATE FUNCTION vecdb._bits_from_json(v jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}'
                ELSE (SELECT coalesce(string_agg(((e #>> '{}')::integer)::bit(8)::text, '' ORDER BY n), '')
                        FROM jsonb_array_elements(v) WITH ORDINALITY AS x(e, n)) END
$$;

-- What is wrong with a value for a field (NULL problem when it fits); code
-- is the SQLSTATE to raise. Missing values are checked by _check_value.
CREATE FUNCTION vecdb._value_problem(f vecdb.fields, v jsonb, OUT problem text, OUT code text)
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := jsonb_typeof(v);
    expects text;
    lo numeric;
    hi numeric;
    n integer;
    element vecdb.fields;
BEGIN
    code := 'invalid_text_representation';
    CASE f.data_type
        WHEN 'BOOL' THEN
            IF t <> 'boolean' THEN expects := 'a boolean'; END IF;
        WHEN 'INT8', 'INT16', 'INT32', 'INT64' THEN
            lo := CASE f.data_type WHEN 'INT8' THEN -128 WHEN 'INT16' THEN -32768 WHEN 'INT32' THEN -2147483648
                                   ELSE -9223372036854775808 END;
            hi := -lo - 1;
            IF t <> 'number' OR (v #>> '{}') !~ '^-?[0-9]+$' OR (v #>> '{}')::numeric NOT BETWEEN lo AND hi THEN
                expects := format('an integer between %s and %s', lo, hi);
            END IF;
        WHEN 'FLOAT', 'DOUBLE' THEN
            IF t <> 'number' THEN expects := 'a number';
            ELSIF f.data_type = 'FLOAT' AND abs((v #>> '{}')::numeric) > 3.4028234e38 THEN
                expects := 'a number within float range';
            END IF;
        WHEN 'VARCHAR' THEN
            IF t <> 'string' THEN expects := 'a string';
            ELSIF length(v #>> '{}') > f.max_length THEN
                expects := format('a string of at most %s characters', f.max_length);
            END IF;
        WHEN 'JSON' THEN
            NULL;
        WHEN 'ARRAY' THEN
            IF t <> 'array' THEN expects := 'an array';
            ELSIF jsonb_array_length(v) > f.max_capacity THEN
                expects := format('an array of at most %s elements (max_capacity)', f.max_capacity);
            ELSE
                element := f;
                element.data_type := f.element_type;
                FOR i IN 0 .. jsonb_array_length(v) - 1 LOOP
                    IF jsonb_typeof(v->i) = 'null' OR (vecdb._value_problem(element, v->i)).problem IS NOT NULL THEN
                        expects := format('an array of %s elements (element %s is %s)', f.element_type, i, v->i);
                        EXIT;
                    END IF;
                END LOOP;
            END IF;
        WHEN 'FLOAT_VECTOR', 'FLOAT16_VECTOR' THEN
            IF t <> 'array' THEN expects := format('an array of %s numbers', f.dim);
            ELSIF jsonb_array_length(v) <> f.dim THEN
                problem := format('expects %s dimensions, not %s', f.dim, jsonb_array_length(v));
                code := 'data_exception';
                RETURN;
            ELSIF EXISTS (SELECT 1 FROM jsonb_array_elements(v) e WHERE jsonb_typeof(e) <> 'number') THEN
                expects := format('an array of %s numbers', f.dim);
            END IF;
        WHEN 'SPARSE_FLOAT_VECTOR' THEN
            IF t <> 'object' OR EXISTS (SELECT 1 FROM jsonb_each(v) e
                                         WHERE e.key !~ '^[0-9]{1,9}$' OR jsonb_typeof(e.value) <> 'number') THEN
                expects := 'an object of index: value pairs (indices 0 .. 999999999, numeric values)';
            END IF;
        WHEN 'BINARY_VECTOR' THEN
            IF t = 'string' THEN
                IF (v #>> '{}') !~ '^[01]*$' THEN
                    expects := 'a string of 0/1 bits';
                ELSIF length(v #>> '{}') <> f.dim THEN
                    problem := format('expects %s bits, not %s', f.dim, length(v #>> '{}'));
                    code := 'data_exception';
                    RETURN;
                END IF;
            ELSIF t = 'array' THEN
                n := jsonb_array_length(v);
                IF n * 8 <> f.dim THEN
                    problem := format('expects %s bytes, not %s', f.dim / 8, n);
                    code := 'data_exception';
                    RETURN;
                END IF;
                IF EXISTS (SELECT 1 FROM jsonb_array_elements(v) e
                            WHERE jsonb_typeof(e) <> 'number' OR (e #>> '{}') !~ '^[0-9]{1,3}$'
                               OR (e #>> '{}')::integer > 255) THEN
                    expects := 'an array of byte values 0 .. 255';
                END IF;
            ELSE
                expects := 'a string of 0/1 bits or an array of bytes';
            END IF;
    END CASE;
    IF expects IS NOT NULL THEN
        problem := format('expects %s, got %s', expects, left(v::text, 80));
    END IF;
END
$$;

-- Raises the error for a value that does not fit a field (row counts from 1).
CREATE FUNCTION vecdb._check_value(f vecdb.fields, v jsonb, row_no bigint) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
BEGIN
    IF v IS NULL OR v = 'null'::jsonb THEN
        IF NOT f.nullable AND f.default_value IS NULL AND NOT f.auto_id THEN
            RAISE EXCEPTION 'row %: field "%" is missing', row_no, f.name USING ERRCODE = 'not_null_violation';
        END IF;
        RETURN;
    END IF;
    p := vecdb._value_problem(f, v);
    IF p.problem IS NOT NULL THEN
        RAISE EXCEPTION 'row %: field "%" (%) %', row_no, f.name, f.data_type, p.problem USING ERRCODE = p.code;
    END IF;
END
$$;

-- SQL turning the jsonb expression src into a column value of field f
-- (NULL or the default when absent).
CREATE FUNCTION vecdb._value_sql(f vecdb.fields, src text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    typ text := vecdb._column_type(f);
    conv text;
BEGIN
    conv := CASE f.data_type
        WHEN 'JSON' THEN src
        WHEN 'VARCHAR' THEN format('(%s #>> ''{}'')', src)
        WHEN 'ARRAY' THEN format('ARRAY(SELECT x.e #>> ''{}'' FROM jsonb_array_elements(%s) WITH ORDINALITY AS x(e, n) ORDER BY x.n)', src)
        WHEN 'FLOAT_VECTOR' THEN format('(%s)::text', src)
        WHEN 'FLOAT16_VECTOR' THEN format('(%s)::text', src)
        WHEN 'SPARSE_FLOAT_VECTOR' THEN format('vecdb._sparse_from_json(%s)', src)
        WHEN 'BINARY_VECTOR' THEN format('vecdb._bits_from_json(%s)', src)
        ELSE src END;
    RETURN format('CASE WHEN %1$s IS NULL OR %1$s = ''null''::jsonb THEN %2$s ELSE (%3$s)::%4$s END',
                  src,
                  CASE WHEN f.default_value IS NOT NULL THEN format('%L::%s', vecdb._default_text(f), typ)
                       ELSE format('NULL::%s', typ) END,
                  conv, typ);
END
$$;

-- SQL for the json form of a column in an entity.
CREATE FUNCTION vecdb._output_sql(f vecdb.fields, col text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE f.data_type
               WHEN 'FLOAT_VECTOR' THEN format('(%s)::text::jsonb', col)
               WHEN 'FLOAT16_VECTOR' THEN format('(%s)::text::jsonb', col)
               WHEN 'SPARSE_FLOAT_VECTOR' THEN format('vecdb._sparse_to_json(%s)', col)
               WHEN 'BINARY_VECTOR' THEN format('to_jsonb((%s)::text)', col)
               ELSE format('to_jsonb(%s)', col) END
$$;

-- SQL building the entity jsonb of a row (alias the table's alias) from
-- Milvus output_fields: field names, dynamic keys, '*' (everything) and
-- '$meta' (all dynamic keys). with_pk adds the primary key.
CREATE FUNCTION vecdb._entity_sql(c vecdb.collections, output_fields text[], with_pk boolean, alias text)
    RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[] := '{}';
    f vecdb.fields;
    out_name text;
    seen text[] := '{}';
BEGIN
    IF with_pk THEN
        SELECT * INTO f FROM vecdb.fields WHERE collection = c.name AND fields.name = c.primary_field;
        parts := parts || format('jsonb_build_object(%L, %s)', f.name, vecdb._output_sql(f, format('%I.%I', alias, f.name)));
        seen := seen || f.name;
    END IF;
    FOREACH out_name IN ARRAY coalesce(output_fields, '{}') LOOP
        IF out_name = '*' THEN
            FOR f IN SELECT * FROM vecdb.fields WHERE collection = c.name ORDER BY ordinal LOOP
                IF NOT f.name = ANY (seen) THEN
                    parts := parts || format('jsonb_build_object(%L, %s)', f.name,
                                             vecdb._output_sql(f, format('%I.%I', alias, f.name)));
                    seen := seen || f.name;
                END IF;
            END LOOP;
            IF c.enable_dynamic_field THEN
                parts := parts || format('%I."$meta"', alias);
            END IF;
            CONTINUE;
        END IF;
        IF out_name = ANY (seen) THEN
            CONTINUE;
        END IF;
        seen := seen || out_name;
        SELECT * INTO f FROM vecdb.fields WHERE collection = c.name AND fields.name = out_name;
        IF FOUND THEN
            parts := parts || format('jsonb_build_object(%L, %s)', f.name,
                                     vecdb._output_sql(f, format('%I.%I', alias, f.name)));
        ELSIF c.enable_dynamic_field AND out_name = '$meta' THEN
            parts := parts || format('%I."$meta"', alias);
        ELSIF c.enable_dynamic_field THEN
            PERFORM vecdb._check_name('output field', out_name);
            parts := parts || format('jsonb_strip_nulls(jsonb_build_object(%L, %I."$meta" -> %L))', out_name, alias, out_name);
        ELSE
            RAISE EXCEPTION 'output field "%" does not exist in collection "%"', out_name, c.name
                USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    IF cardinality(parts) = 0 THEN
        RETURN '''{}''::jsonb';
    END IF;
    RETURN '(' || array_to_string(parts, ' || ') || ')';
END
$$;
