-- Collections: vector search (top-k, batch, filtered, range, grouped).

-- The distance operator of a metric, schema-qualified.
CREATE FUNCTION vecdb._metric_operator(metric text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'OPERATOR(@extschema@.' || CASE metric WHEN 'L2' THEN '<->' WHEN 'IP' THEN '<#>' WHEN 'COSINE' THEN '<=>'
                       WHEN 'HAMMING' THEN '<~>' WHEN 'JACCARD' THEN '<%>' END || ')'
$$;

-- SQL for the score Milvus reports, given the operator's value d:
-- distances for L2/HAMMING/JACCARD, the inner product for IP, the cosine
-- similarity for COSINE.
CREATE FUNCTION vecdb._metric_score(metric text, d text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE metric WHEN 'IP' THEN format('(- %s)', d) WHEN 'COSINE' THEN format('(1 - %s)', d)
                       ELSE d END
$$;

-- Checks that every named partition exists (the first missing one is the error).
CREATE FUNCTION vecdb._check_partitions(c vecdb.collections, names text[]) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        PERFORM vecdb._partition(c, names[i]);
    END LOOP;
END
$$;

-- The vector field a search uses: anns_field, or the only vector field.
CREATE FUNCTION vecdb._anns_field(c vecdb.collections, anns_field text) RETURNS vecdb.fields
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f vecdb.fields;
    n integer;
BEGIN
    IF anns_field IS NULL THEN
        SELECT count(*) INTO n FROM vecdb.fields WHERE collection = c.name AND vecdb._filter_kind(data_type) = 'vector';
        IF n > 1 THEN
            RAISE EXCEPTION 'collection "%" has % vector fields; name one with anns_field', c.name, n
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT * INTO f FROM vecdb.fields WHERE collection = c.name AND vecdb._filter_kind(data_type) = 'vector';
        RETURN f;
    END IF;
    f := vecdb._field(c, anns_field);
    IF vecdb._filter_kind(f.data_type) <> 'vector' THEN
        RAISE EXCEPTION 'field "%" is not a vector field', anns_field USING ERRCODE = 'wrong_object_type';
    END IF;
    RETURN f;
END
$$;

-- The query vectors of a search as the text of a SQL array of the field's
-- type. data is one vector or a json array of vectors.
CREATE FUNCTION vecdb._query_vectors(f vecdb.fields, data jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    batch boolean;
    list jsonb;
BEGIN
    batch := CASE f.data_type
        WHEN 'SPARSE_FLOAT_VECTOR' THEN jsonb_typeof(data) = 'array'
        WHEN 'BINARY_VECTOR' THEN jsonb_typeof(data) = 'array' AND jsonb_typeof(data->0) IN ('string', 'array')
        ELSE jsonb_typeof(data) = 'array' AND jsonb_typeof(data->0) = 'array' END;
    list := CASE WHEN batch THEN data ELSE jsonb_build_array(data) END;
    IF jsonb_array_length(list) = 0 THEN
        RAISE EXCEPTION 'search needs at least one query vector' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_array_length(list) > 16384 THEN
        RAISE EXCEPTION 'search takes at most 16384 query vectors, not %', jsonb_array_length(list)
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    f.nullable := false;
    FOR i IN 0 .. jsonb_array_length(list) - 1 LOOP
        -- a dense vector of the right length goes straight to the type's input
        -- function (which checks its elements); anything else gets the full check
        CONTINUE WHEN f.data_type IN ('FLOAT_VECTOR', 'FLOAT16_VECTOR') AND jsonb_typeof(list->i) = 'array'
                      AND jsonb_array_length(list->i) = f.dim;
        PERFORM vecdb._check_value(f, list->i, i + 1);
    END LOOP;
    RETURN ARRAY(SELECT CASE f.data_type
                            WHEN 'SPARSE_FLOAT_VECTOR' THEN vecdb._sparse_from_json(e)::text
                            WHEN 'BINARY_VECTOR' THEN vecdb._bits_from_json(e)
                            ELSE e::text END
                   FROM jsonb_array_elements(list) WITH ORDINALITY AS x(e, n) ORDER BY n)::text;
END
$$;

-- Checks the index search parameters in params (ef, nprobe) and returns
-- them as the settings they stand for: {guc, value, guc, value, ...}.
CREATE FUNCTION vecdb._search_settings(params jsonb) RETURNS text[]
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kv record;
    guc text;
    settings text[] := '{}';
BEGIN
    -- the library defines the settings when it loads; make sure it has
    PERFORM '[1]'::@extschema@.vector;
    FOR kv IN SELECT key, value FROM jsonb_each(params) LOOP
        guc := CASE kv.key WHEN 'ef' THEN 'vecdb.hnsw_ef_search' WHEN 'nprobe' THEN 'vecdb.ivf_probes' END;
        IF guc IS NULL THEN
            RAISE EXCEPTION 'unknown search parameter "%"', kv.key
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Search parameters: ef (HNSW), nprobe (IVF).';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_am WHERE amname = CASE kv.key WHEN 'ef' THEN 'hnsw' ELSE 'ivf' END)
           OR current_setting(guc, true) IS NULL THEN
            RAISE EXCEPTION 'search parameter "%" needs the % index, which is not available yet', kv.key,
                CASE kv.key WHEN 'ef' THEN 'HNSW' ELSE 'IVF' END USING ERRCODE = 'feature_not_supported';
        END IF;
        IF jsonb_typeof(kv.value) <> 'number' OR (kv.value #>> '{}') !~ '^[0-9]{1,9}$' THEN
            RAISE EXCEPTION 'search parameter "%" must be a positive integer, not %', kv.key, kv.value
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        settings := settings || ARRAY[guc, kv.value #>> '{}'];
    END LOOP;
    RETURN settings;
END
$$;

-- Applies the index search parameters in params (ef, nprobe) for the
-- current transaction; returns the settings to restore afterwards.
CREATE FUNCTION vecdb._apply_search_params(params jsonb) RETURNS text[]
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    settings text[] := vecdb._search_settings(params);
    restore text[] := '{}';
BEGIN
    FOR i IN 1 .. coalesce(array_length(settings, 1), 0) / 2 LOOP
        restore := restore || ARRAY[settings[2 * i - 1], current_setting(settings[2 * i - 1])];
        PERFORM set_config(settings[2 * i - 1], settings[2 * i], true);
    END LOOP;
    RETURN restore;
END
$$;

-- Visibility hook of vecdb.search (for TTL / time travel): an SQL condition
-- over the collection's row alias t that a row must meet to be seen, ANDed
-- into the statement's WHERE ('' = every row). It is called when a
-- statement shape is built, not per call, so it must not splice values:
-- the as_of timestamp of a call is bound as parameter $5 (timestamptz,
-- NULL when the call gives none; as_of_given says which shape is built).
-- Shapes are rebuilt whenever a catalog table changes (see the
-- vecdb._catalog_changed triggers of 80_collection_catalog.sql).
CREATE FUNCTION vecdb._row_condition(collection text, as_of_given boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- ttl and time travel (87_collection_ttl*.sql)
    RETURN vecdb._ttl_row_condition(collection, as_of_given);
END
$$;

-- Relation hook of vecdb.search: the relation (SQL text usable after FROM,
-- e.g. a subquery over history rows) searched instead of the collection's
-- table, or NULL for the table itself. Same rules as vecdb._row_condition.
CREATE FUNCTION vecdb._row_relation(collection text, as_of_given boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- time travel (87_collection_ttl_time_travel.sql)
    RETURN vecdb._ttl_row_relation(collection, as_of_given);
END
$$;

-- The range search conditions on the distance d ($2 radius, $3 range_filter,
-- given as Milvus scores; vecdb._metric_score is its own inverse, so it
-- also turns a score into the operator's value).
CREATE FUNCTION vecdb._range_conds(metric text, d text, radius_given boolean, range_filter_given boolean)
    RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN radius_given THEN format(' AND %s < %s', d, vecdb._metric_score(metric, '$2')) ELSE '' END
        || CASE WHEN range_filter_given THEN format(' AND %s >= %s', d, vecdb._metric_score(metric, '$3')) ELSE '' END
$$;

-- Builds the statement of one vecdb.search shape, checking everything that
-- does not depend on the query vectors or the radius values; vecdb.search
-- (src/collection/search.cpp) keeps the prepared result per shape.
-- Parameters of the statement: $1 the query vectors (array of the field's
-- type), $2 radius, $3 range_filter, $4 partition names, $5 as_of, then the
-- filter's literals from $6 (filter_values, in order). top_k and skip are
-- checked integers written into the text. A grouped search's statement is
-- the stream of hits (id, distance, entity, grp text, the group value and
-- the primary key in their own types) of one query vector,
-- $1 an array of just that vector, in distance order (group_size, top_k
-- and skip apply in vecdb.search). sql_single is the statement of a call
-- with one query vector ($1 that vector, of the array's element type): the
-- plain ORDER BY ... LIMIT query, without the unnest, the join and the
-- final sort (NULL when grouped: sql already takes one vector).
CREATE FUNCTION vecdb._search_statement(collection_name text, anns_field text, top_k integer, filter text,
                                        output_fields text[], skip integer, partition_names text[], params jsonb,
                                        radius_given boolean, range_filter_given boolean,
                                        group_by_field text, group_size integer, as_of_given boolean,
                                        OUT sql text, OUT param_types text[], OUT filter_values text[],
                                        OUT data_type text, OUT dim integer, OUT settings text[],
                                        OUT params_radius double precision, OUT params_range_filter double precision,
                                        OUT metric text, OUT sql_single text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    f vecdb.fields;
    g vecdb.fields;
    d text;
    d1 text;
    w record;
    conds text := '';
    index_params jsonb := '{}';
    ascending boolean;
    relation text;
    row_condition text;
BEGIN
    PERFORM vecdb._check_partitions(c, partition_names);
    f := vecdb._anns_field(c, anns_field);
    IF top_k IS NULL OR top_k < 1 OR top_k > 16384 THEN
        RAISE EXCEPTION 'top_k must be between 1 and 16384' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF skip IS NULL OR skip < 0 THEN
        RAISE EXCEPTION 'skip must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(params) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'params must be a json object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- pymilvus's search_params shape: {"metric_type", "params": {...}}, radius and range_filter inside
    metric := f.metric_type;
    IF params ? 'metric_type' AND upper(params->>'metric_type') <> metric THEN
        RAISE EXCEPTION 'metric_type % does not match the metric % of field "%"', params->>'metric_type', metric, f.name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    index_params := coalesce(params->'params', '{}') || (params - ARRAY['metric_type', 'params', 'radius', 'range_filter']);
    params_radius := ((coalesce(params->'params', '{}') || params)->>'radius')::double precision;
    params_range_filter := ((coalesce(params->'params', '{}') || params)->>'range_filter')::double precision;
    index_params := index_params - ARRAY['radius', 'range_filter'];
    ascending := metric NOT IN ('IP', 'COSINE');
    radius_given := radius_given OR params_radius IS NOT NULL;
    range_filter_given := range_filter_given OR params_range_filter IS NOT NULL;
    IF range_filter_given AND NOT radius_given THEN
        RAISE EXCEPTION 'range_filter needs radius' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the distance to the query vector: q.v of the batch, $1 of sql_single,
    -- $1[1] of a grouped stream (one vector at a time)
    d := format('(t.%I %s q.v)', f.name, vecdb._metric_operator(metric));
    d1 := format('(t.%I %s $1)', f.name, vecdb._metric_operator(metric));
    IF group_by_field IS NOT NULL THEN
        d := format('(t.%I %s $1[1])', f.name, vecdb._metric_operator(metric));
    END IF;
    IF partition_names IS NOT NULL THEN
        conds := conds || ' AND t."$partition" = ANY($4)';
    END IF;
    row_condition := vecdb._row_condition(c.name, as_of_given);
    IF coalesce(row_condition, '') <> '' THEN
        conds := conds || ' AND (' || row_condition || ')';
    END IF;
    relation := coalesce(vecdb._row_relation(c.name, as_of_given), vecdb._table(c));
    w := vecdb._collection_filter(c, filter, 6);
    IF group_by_field IS NULL THEN
        sql := format(
            'SELECT q.n::integer, s.id, s.distance, s.entity FROM unnest($1) WITH ORDINALITY AS q(v, n) '
            'CROSS JOIN LATERAL (SELECT t.%1$I::text AS id, %2$s::float8 AS distance, %3$s AS entity, %4$s AS d '
            'FROM %5$s AS t WHERE %6$s%7$s ORDER BY %4$s LIMIT %8$s OFFSET %9$s) s ORDER BY q.n, s.d',
            c.primary_field, vecdb._metric_score(metric, d), vecdb._entity_sql(c, output_fields, false, 't'), d,
            relation, w.sql, conds || vecdb._range_conds(metric, d, radius_given, range_filter_given), top_k, skip);
        sql_single := format(
            'SELECT 1::integer AS query_no, t.%1$I::text AS id, %2$s::float8 AS distance, %3$s AS entity '
            'FROM %5$s AS t WHERE %6$s%7$s ORDER BY %4$s LIMIT %8$s OFFSET %9$s',
            c.primary_field, vecdb._metric_score(metric, d1), vecdb._entity_sql(c, output_fields, false, 't'), d1,
            relation, w.sql, conds || vecdb._range_conds(metric, d1, radius_given, range_filter_given), top_k, skip);
    ELSE
        conds := conds || vecdb._range_conds(metric, d, radius_given, range_filter_given);
        g := vecdb._field(c, group_by_field);
        IF g.data_type NOT IN ('BOOL', 'INT8', 'INT16', 'INT32', 'INT64', 'VARCHAR') THEN
            RAISE EXCEPTION 'cannot group by field "%" of type %', g.name, g.data_type
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Group by a BOOL, integer or VARCHAR field.';
        END IF;
        IF group_size IS NULL OR group_size < 1 OR group_size > 1024 THEN
            RAISE EXCEPTION 'group_size must be between 1 and 1024' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- the hits in index order (iterative scan) with their group as
        -- text (to find the group) and in its own type (to rank it);
        -- vecdb.search takes the best group_size of each group (ties: the
        -- smaller primary key), ranks groups by their best hit (ties: the
        -- smaller group value, NULL last, as ORDER BY best, grp) and stops
        -- once skip + top_k groups are full
        sql := format(
            'SELECT t.%1$I::text AS id, %2$s::float8 AS distance, '
                   '(%3$s || jsonb_build_object(%6$L, %7$s)) AS entity, t.%6$I::text AS grp, '
                   't.%6$I AS grp_value, t.%1$I AS pk '
            'FROM %4$s AS t WHERE %5$s%8$s ORDER BY %9$s',
            c.primary_field, vecdb._metric_score(metric, d), vecdb._entity_sql(c, output_fields, false, 't'),
            relation, w.sql, g.name, vecdb._output_sql(g, format('t.%I', g.name)), conds, d);
    END IF;
    settings := vecdb._search_settings(index_params);
    param_types := ARRAY[vecdb._column_type(f) || '[]', 'float8', 'float8', 'text[]', 'timestamptz'] || w.param_types;
    filter_values := w.param_values;
    data_type := f.data_type;
    dim := f.dim;
END
$$;

-- The query vectors of a search, as an array literal of the field's type:
-- the slow path of vecdb.search for everything but dense json arrays.
CREATE FUNCTION vecdb._search_vectors(collection_name text, anns_field text, data jsonb) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT vecdb._query_vectors(vecdb._anns_field(vecdb._resolve(collection_name), anns_field), data)
$$;

-- Vector search: for each query vector, the top_k nearest entities (after
-- skip) that pass the filter, through the field's index. Range search with
-- radius / range_filter uses Milvus's semantics (L2: range_filter <= d <
-- radius; IP and COSINE: radius < score <= range_filter). group_by_field
-- returns the best group_size hits of each of the top_k groups. as_of
-- searches the collection as it was then (time travel); expired rows (ttl)
-- are never found. In C: the statement of each shape is built once per session by
-- vecdb._search_statement and kept prepared; a change to any catalog table
-- (any session, by a trigger) makes every shape rebuild.
CREATE FUNCTION vecdb.search(collection_name text, data jsonb, anns_field text DEFAULT NULL,
                             top_k integer DEFAULT 10, filter text DEFAULT '', output_fields text[] DEFAULT NULL,
                             skip integer DEFAULT 0, partition_names text[] DEFAULT NULL,
                             params jsonb DEFAULT '{}', radius double precision DEFAULT NULL,
                             range_filter double precision DEFAULT NULL, group_by_field text DEFAULT NULL,
                             group_size integer DEFAULT 1, as_of timestamptz DEFAULT NULL)
    RETURNS TABLE (query_no integer, id text, distance double precision, entity jsonb)
    AS 'MODULE_PATHNAME', 'vecdb_search' LANGUAGE C;

-- vecdb.search with data as JSON text: what an untyped literal
-- ('[0.1, 0.2]') or a text parameter resolves to (text is the preferred
-- type of the string category), so a client sending the vector as text
-- pays for parsing it once, as the hand-written query does: a dense vector
-- (or batch) of numbers goes straight to the type's input function; any
-- other text is parsed as jsonb and takes the jsonb function's path, with
-- the same checks and errors.
CREATE FUNCTION vecdb.search(collection_name text, data text, anns_field text DEFAULT NULL,
                             top_k integer DEFAULT 10, filter text DEFAULT '', output_fields text[] DEFAULT NULL,
                             skip integer DEFAULT 0, partition_names text[] DEFAULT NULL,
                             params jsonb DEFAULT '{}', radius double precision DEFAULT NULL,
                             range_filter double precision DEFAULT NULL, group_by_field text DEFAULT NULL,
                             group_size integer DEFAULT 1, as_of timestamptz DEFAULT NULL)
    RETURNS TABLE (query_no integer, id text, distance double precision, entity jsonb)
    AS 'MODULE_PATHNAME', 'vecdb_search_text' LANGUAGE C;

-- The planner inlines a vecdb.search call whose arguments but the data are
-- constants (src/collection/search_inline.cpp): one query vector runs the
-- kept one-vector statement itself, anything else the function. These two
-- decide and parse for it. STABLE, not IMMUTABLE: folded with a custom
-- plan's value they would make that plan look cheaper than the generic one,
-- which then would never be chosen.
-- Whether data is one dense query vector (a JSON array whose first element
-- is not an array).
CREATE FUNCTION vecdb._search_single(data text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'vecdb_search_single_text' LANGUAGE C STABLE;
CREATE FUNCTION vecdb._search_single(data jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'vecdb_search_single_jsonb' LANGUAGE C STABLE;

-- The one query vector of data, of template's type (the field's): the fast
-- path of vecdb.search, else its full checks and errors.
CREATE FUNCTION vecdb._search_vector(data text, typmod integer, dim integer, float_vector boolean,
                                     collection_name text, anns_field text, template anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'vecdb_search_vector_text' LANGUAGE C STABLE;
CREATE FUNCTION vecdb._search_vector(data jsonb, typmod integer, dim integer, float_vector boolean,
                                     collection_name text, anns_field text, template anyelement) RETURNS anyelement
    AS 'MODULE_PATHNAME', 'vecdb_search_vector_jsonb' LANGUAGE C STABLE;
