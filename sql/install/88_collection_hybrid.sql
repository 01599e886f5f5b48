-- Collections: hybrid search (Milvus's hybrid_search). Each request searches
-- one field and returns its own ranked list: a dense or sparse vector field
-- through vecdb.search (its index, iterative scans under filters), or a
-- full-text VARCHAR field (enable_analyzer) through its GIN-indexed tsvector
-- column. The lists are fused in C++ (src/core/fusion) by rrf or weighted
-- ranking, query row by query row.

-- One request of a hybrid search (Milvus's AnnSearchRequest): the field, the
-- query data (one query or an array of them), its own limit (NULL: the
-- hybrid search's top_k), search params and filter.
CREATE TYPE vecdb.ann_request AS (anns_field text, data jsonb, top_k integer, params jsonb, filter text);
COMMENT ON TYPE vecdb.ann_request IS 'vecdb collections: one request of vecdb.hybrid_search';

-- Builds a hybrid-search request.
CREATE FUNCTION vecdb.ann_request(anns_field text, data jsonb, top_k integer DEFAULT NULL,
                                  params jsonb DEFAULT '{}', filter text DEFAULT '')
    RETURNS vecdb.ann_request
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ROW(anns_field, data, top_k, params, filter)::vecdb.ann_request
$$;

-- Milvus's RRFRanker(k): score = sum over requests of 1 / (k + rank).
CREATE FUNCTION vecdb.rrf_ranker(k double precision DEFAULT 60) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('strategy', 'rrf', 'params', jsonb_build_object('k', k))
$$;

-- Milvus's WeightedRanker(w1, w2, ...): score = sum of weight * normalised score.
CREATE FUNCTION vecdb.weighted_ranker(VARIADIC weights double precision[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('strategy', 'weighted', 'params', jsonb_build_object('weights', to_jsonb(weights)))
$$;

-- Checks a ranker (kind rrf or weighted, its parameters) for a number of requests.
CREATE FUNCTION vecdb._check_ranker(kind text, params double precision[], nrequests integer) RETURNS void
    AS 'MODULE_PATHNAME', 'vecdb_check_ranker' LANGUAGE C STRICT;

-- Fuses ranked candidate lists: entry i is in list list_no[i] of query
-- query_no[i] (in rank order within both); metrics has one entry per list
-- (L2, IP, COSINE, HAMMING, JACCARD or TEXT). The best top_k of each query.
CREATE FUNCTION vecdb._fuse(kind text, params double precision[], metrics text[], nq integer, list_no integer[],
                            query_no integer[], ids text[], distances double precision[], numeric_keys boolean,
                            top_k integer)
    RETURNS TABLE (query_no integer, id text, score double precision, distances double precision[])
    AS 'MODULE_PATHNAME', 'vecdb_fuse' LANGUAGE C STRICT;

-- A ranker given as jsonb (pymilvus's {"strategy": "rrf", "params": {"k": 60}}
-- or {"strategy": "weighted", "params": {"weights": [...]}}; "type" for
-- "strategy" and parameters at the top level are accepted too) as its kind
-- and parameters. NULL is rrf with k = 60.
CREATE FUNCTION vecdb._hybrid_ranker(ranker jsonb, OUT kind text, OUT params double precision[])
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p jsonb;
    bad text;
BEGIN
    IF ranker IS NULL OR ranker = 'null' THEN
        kind := 'rrf';
        params := '{}';
        RETURN;
    END IF;
    IF jsonb_typeof(ranker) <> 'object' THEN
        RAISE EXCEPTION 'ranker must be a json object, not %', left(ranker::text, 80)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use vecdb.rrf_ranker(k) or vecdb.weighted_ranker(w1, w2, ...).';
    END IF;
    kind := lower(coalesce(ranker->>'strategy', ranker->>'type'));
    p := CASE WHEN jsonb_typeof(ranker->'params') = 'object' THEN ranker->'params' ELSE '{}' END
         || (ranker - ARRAY['strategy', 'type', 'params']);
    IF kind = 'rrf' THEN
        SELECT k INTO bad FROM jsonb_object_keys(p) k WHERE k <> 'k' LIMIT 1;
        IF p ? 'k' AND jsonb_typeof(p->'k') <> 'number' THEN
            RAISE EXCEPTION 'rrf ranker parameter k must be a number, not %', p->'k' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        params := CASE WHEN p ? 'k' THEN ARRAY[(p->>'k')::double precision] ELSE '{}' END;
    ELSIF kind = 'weighted' THEN
        SELECT k INTO bad FROM jsonb_object_keys(p) k WHERE k NOT IN ('weights', 'norm_score') LIMIT 1;
        IF jsonb_typeof(p->'weights') IS DISTINCT FROM 'array'
           OR EXISTS (SELECT 1 FROM jsonb_array_elements(p->'weights') w WHERE jsonb_typeof(w) <> 'number') THEN
            RAISE EXCEPTION 'weighted ranker needs "weights", an array of numbers (one per request)'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF p ? 'norm_score' AND p->'norm_score' <> 'true' THEN
            RAISE EXCEPTION 'weighted ranker supports only norm_score = true' USING ERRCODE = 'feature_not_supported';
        END IF;
        params := ARRAY(SELECT (w #>> '{}')::double precision FROM jsonb_array_elements(p->'weights') WITH ORDINALITY AS x(w, n)
                         ORDER BY x.n);
    ELSE
        RAISE EXCEPTION 'unknown ranker "%"', coalesce(ranker->>'strategy', ranker->>'type', '(none)')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Rankers: rrf (parameter k), weighted (parameter weights).';
    END IF;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown parameter "%" for the % ranker', bad, kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

-- The field a hybrid-search request searches: a vector field or a full-text
-- VARCHAR field.
CREATE FUNCTION vecdb._hybrid_field(c vecdb.collections, anns_field text, request_no integer) RETURNS vecdb.fields
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f vecdb.fields;
BEGIN
    IF anns_field IS NULL THEN
        RAISE EXCEPTION 'request % needs anns_field', request_no USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO f FROM vecdb.fields WHERE collection = c.name AND name = anns_field;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'field "%" of request % does not exist in collection "%"', anns_field, request_no, c.name
            USING ERRCODE = 'undefined_column';
    END IF;
    IF vecdb._filter_kind(f.data_type) <> 'vector' AND f.text_config IS NULL THEN
        RAISE EXCEPTION 'field "%" of request % is neither a vector field nor a full-text field', anns_field, request_no
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Full-text search needs a VARCHAR field created with params {"enable_analyzer": true}.';
    END IF;
    RETURN f;
END
$$;

-- How many query rows a request's data holds (one query or an array of them).
CREATE FUNCTION vecdb._hybrid_nq(f vecdb.fields, data jsonb) RETURNS integer
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN CASE WHEN f.text_config IS NOT NULL OR f.data_type = 'SPARSE_FLOAT_VECTOR' THEN jsonb_typeof(data) = 'array'
                          WHEN f.data_type = 'BINARY_VECTOR' THEN jsonb_typeof(data) = 'array'
                                                                  AND jsonb_typeof(data->0) IN ('string', 'array')
                          ELSE jsonb_typeof(data) = 'array' AND jsonb_typeof(data->0) = 'array' END
                THEN jsonb_array_length(data) ELSE 1 END
$$;

-- The filter of one request: the hybrid search's filter and the request's
-- own, each checked alone, then joined with and.
CREATE FUNCTION vecdb._hybrid_filter(c vecdb.collections, outer_filter text, own_filter text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a text := nullif(btrim(coalesce(outer_filter, ''), E' \t\r\n'), '');
    b text := nullif(btrim(coalesce(own_filter, ''), E' \t\r\n'), '');
BEGIN
    PERFORM vecdb._collection_filter(c, a, 1);
    PERFORM vecdb._collection_filter(c, b, 1);
    RETURN CASE WHEN a IS NULL THEN coalesce(b, '') WHEN b IS NULL THEN a ELSE format('(%s) and (%s)', a, b) END;
END
$$;

-- Full-text search of a field: for each query string (data: a string or an
-- array of them, read with websearch_to_tsquery in the field's
-- configuration), the top_k matching rows by ts_rank_cd (ties by primary
-- key, VARCHAR keys by bytes as the fusion orders them) that pass the filter and have not expired (ttl). One statement per
-- query string, always planned for its string (custom plans): the planner
-- estimates how many rows match and takes the field's GIN index for a
-- selective query (a generic plan cannot know and scans the table).
CREATE FUNCTION vecdb._text_search(c vecdb.collections, f vecdb.fields, data jsonb, top_k integer, filter text,
                                   partition_names text[])
    RETURNS TABLE (query_no integer, id text, distance double precision)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    texts text[];
    w record;
    src record;
    sql text;
BEGIN
    IF jsonb_typeof(data) = 'string' THEN
        texts := ARRAY[data #>> '{}'];
    ELSIF jsonb_typeof(data) = 'array' AND jsonb_array_length(data) > 0
          AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(data) e WHERE jsonb_typeof(e) <> 'string') THEN
        texts := ARRAY(SELECT e #>> '{}' FROM jsonb_array_elements(data) WITH ORDINALITY AS x(e, n) ORDER BY x.n);
    ELSE
        RAISE EXCEPTION 'full-text search of field "%" needs a query string or a non-empty array of strings, not %',
            f.name, left(data::text, 80) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(texts) > 16384 THEN
        RAISE EXCEPTION 'search takes at most 16384 queries, not %', cardinality(texts) USING ERRCODE = 'program_limit_exceeded';
    END IF;
    w := vecdb._collection_filter(c, filter, 5);
    -- expired rows (ttl) are left out
    src := vecdb._read_source(c, NULL);
    sql := format('SELECT $4::integer, t.%1$I::text, ts_rank_cd(t.%2$I, websearch_to_tsquery(%4$L::regconfig, $1))::float8 '
                  'FROM %3$s AS t WHERE t.%2$I @@ websearch_to_tsquery(%4$L::regconfig, $1) AND %5$s AND %7$s%6$s '
                  'ORDER BY 3 DESC, t.%1$I%8$s LIMIT $2',
                  c.primary_field, vecdb._text_column(f), src.relation, f.text_config,
                  w.sql, CASE WHEN partition_names IS NOT NULL THEN ' AND t."$partition" = ANY($3)' ELSE '' END,
                  src.condition, CASE WHEN (SELECT data_type FROM vecdb.fields WHERE collection = c.name
                                                 AND name = c.primary_field) = 'VARCHAR' THEN ' COLLATE "C"' ELSE '' END);
    FOR i IN 1 .. cardinality(texts) LOOP
        RETURN QUERY SELECT * FROM vecdb._execute(sql,
            ARRAY['text', 'int8', 'text[]', 'int4'] || w.param_types,
            ARRAY[texts[i], top_k::text, partition_names::text, i::text] || w.param_values)
            AS r(query_no integer, id text, distance double precision);
    END LOOP;
END
$$;

-- One request's ranked list: (query_no, id, distance) in query row order,
-- best first within each (similarities IP / COSINE and text ranks
-- descending, distances ascending). Vector fields go through vecdb.search.
CREATE FUNCTION vecdb._hybrid_list(c vecdb.collections, f vecdb.fields, data jsonb, top_k integer, filter text,
                                   partition_names text[], params jsonb)
    RETURNS TABLE (query_no integer, id text, distance double precision)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF f.text_config IS NOT NULL THEN
        RETURN QUERY SELECT s.query_no, s.id, s.distance
                       FROM vecdb._text_search(c, f, data, top_k, filter, partition_names) s;
        RETURN;
    END IF;
    RETURN QUERY SELECT r.query_no, r.id, r.distance
                   FROM vecdb.search(c.name, data, f.name, top_k, filter, NULL, 0, partition_names, params)
                        WITH ORDINALITY AS r(query_no, id, distance, entity, ord)
                  ORDER BY r.query_no, CASE WHEN f.metric_type IN ('IP', 'COSINE') THEN - r.distance ELSE r.distance END,
                           r.ord;
END
$$;

-- Hybrid search: every request (a json array of {"anns_field", "data",
-- "limit", "params", "filter"}; Milvus's "param" and "expr" are accepted)
-- returns its ranked list for each query row, and the ranker fuses them
-- (NULL: rrf with k = 60). Returns, per query row, the top_k fused hits best
-- first, ties by primary key: the fused score, each request's own distance
-- (Milvus's score: L2 distance, IP, cosine similarity, ts_rank_cd for text;
-- NULL where the hit was not in that request's list) and the output fields.
-- filter and partition_names apply to every request.
CREATE FUNCTION vecdb.hybrid_search(collection_name text, reqs jsonb, ranker jsonb DEFAULT NULL,
                                    top_k integer DEFAULT 10, output_fields text[] DEFAULT NULL,
                                    filter text DEFAULT '', partition_names text[] DEFAULT NULL)
    RETURNS TABLE (query_no integer, id text, score double precision, distances double precision[], entity jsonb)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    rk record;
    n integer;
    req jsonb;
    f vecdb.fields;
    pk vecdb.fields;
    bad text;
    nq integer;
    req_nq integer;
    req_limit integer;
    req_filter text;
    req_params jsonb;
    lim jsonb;
    metrics text[] := '{}';
    list_nos integer[] := '{}';
    query_nos integer[] := '{}';
    ids text[] := '{}';
    dists double precision[] := '{}';
    fetch_entity boolean := cardinality(coalesce(output_fields, '{}')) > 0;
BEGIN
    PERFORM vecdb._check_partitions(c, partition_names);
    IF top_k IS NULL OR top_k < 1 OR top_k > 16384 THEN
        RAISE EXCEPTION 'top_k must be between 1 and 16384' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(reqs) IS DISTINCT FROM 'array' OR jsonb_array_length(reqs) = 0 THEN
        RAISE EXCEPTION 'hybrid search needs a non-empty json array of requests' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    n := jsonb_array_length(reqs);
    IF n > 1024 THEN
        RAISE EXCEPTION 'hybrid search takes at most 1024 requests, not %', n USING ERRCODE = 'program_limit_exceeded';
    END IF;
    rk := vecdb._hybrid_ranker(ranker);
    PERFORM vecdb._check_ranker(rk.kind, rk.params, n);
    -- check every request before running any
    FOR i IN 1 .. n LOOP
        req := reqs->(i - 1);
        IF jsonb_typeof(req) <> 'object' THEN
            RAISE EXCEPTION 'request % must be a json object', i USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT k INTO bad FROM jsonb_object_keys(req) k
         WHERE k NOT IN ('anns_field', 'data', 'limit', 'top_k', 'params', 'param', 'filter', 'expr') LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'unknown key "%" in request %', bad, i USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Request keys: anns_field, data, limit, params, filter.';
        END IF;
        f := vecdb._hybrid_field(c, req->>'anns_field', i);
        IF req->'data' IS NULL OR req->'data' = 'null' THEN
            RAISE EXCEPTION 'request % needs data', i USING ERRCODE = 'invalid_parameter_value';
        END IF;
        req_nq := vecdb._hybrid_nq(f, req->'data');
        IF nq IS NOT NULL AND req_nq <> nq THEN
            RAISE EXCEPTION 'request % searches for % query rows, request 1 for %', i, req_nq, nq
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Every request of a hybrid search needs the same number of query rows.';
        END IF;
        nq := req_nq;
        lim := coalesce(req->'limit', req->'top_k');
        IF lim IS NOT NULL AND lim <> 'null'
           AND (jsonb_typeof(lim) <> 'number' OR lim::text !~ '^[0-9]{1,5}$' OR lim::text::integer NOT BETWEEN 1 AND 16384) THEN
            RAISE EXCEPTION 'limit of request % must be between 1 and 16384, not %', i, coalesce(req->'limit', req->'top_k')
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF f.text_config IS NOT NULL AND coalesce(nullif(coalesce(req->'params', req->'param'), 'null'), '{}') <> '{}' THEN
            RAISE EXCEPTION 'full-text request % (field "%") takes no params', i, f.name USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    -- run them: each request's list, per query row, best first
    FOR i IN 1 .. n LOOP
        req := reqs->(i - 1);
        f := vecdb._hybrid_field(c, req->>'anns_field', i);
        req_limit := coalesce((coalesce(req->>'limit', req->>'top_k'))::integer, top_k);
        req_filter := vecdb._hybrid_filter(c, filter, coalesce(req->>'filter', req->>'expr'));
        req_params := coalesce(nullif(coalesce(req->'params', req->'param'), 'null'), '{}');
        metrics := metrics || CASE WHEN f.text_config IS NOT NULL THEN 'TEXT' ELSE f.metric_type END;
        SELECT list_nos || coalesce(array_agg(i ORDER BY s.ord), '{}'),
               query_nos || coalesce(array_agg(s.query_no ORDER BY s.ord), '{}'),
               ids || coalesce(array_agg(s.id ORDER BY s.ord), '{}'),
               dists || coalesce(array_agg(s.distance ORDER BY s.ord), '{}')
          INTO list_nos, query_nos, ids, dists
          FROM vecdb._hybrid_list(c, f, req->'data', req_limit, req_filter, partition_names, req_params)
               WITH ORDINALITY AS s(query_no, id, distance, ord);
    END LOOP;
    SELECT * INTO pk FROM vecdb.fields WHERE collection = c.name AND name = c.primary_field;
    RETURN QUERY SELECT * FROM vecdb._execute(
        format('SELECT h.query_no, h.id, h.score, h.distances, %s '
               'FROM vecdb._fuse($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) WITH ORDINALITY AS h(query_no, id, score, distances, ord) '
               '%s ORDER BY h.query_no, h.ord',
               CASE WHEN fetch_entity THEN 'e.entity' ELSE '''{}''::jsonb' END,
               CASE WHEN fetch_entity THEN format(
                   'LEFT JOIN LATERAL (SELECT %s AS entity FROM %s AS t WHERE t.%I = h.id::%s AND %s%s LIMIT 1) e ON true',
                   vecdb._entity_sql(c, output_fields, false, 't'), vecdb._table(c), pk.name, vecdb._column_type(pk),
                   vecdb._ttl_condition(c),
                   CASE WHEN partition_names IS NOT NULL THEN ' AND t."$partition" = ANY($11)' ELSE '' END)
                    ELSE '' END),
        ARRAY['text', 'float8[]', 'text[]', 'int4', 'int4[]', 'int4[]', 'text[]', 'float8[]', 'bool', 'int4', 'text[]'],
        ARRAY[rk.kind, rk.params::text, metrics::text, nq::text, list_nos::text, query_nos::text, ids::text, dists::text,
              (pk.data_type = 'INT64')::text, top_k::text, partition_names::text])
        AS r(query_no integer, id text, score double precision, distances double precision[], entity jsonb);
END
$$;

-- The same with the requests as vecdb.ann_request values.
CREATE FUNCTION vecdb.hybrid_search(collection_name text, reqs vecdb.ann_request[], ranker jsonb DEFAULT NULL,
                                    top_k integer DEFAULT 10, output_fields text[] DEFAULT NULL,
                                    filter text DEFAULT '', partition_names text[] DEFAULT NULL)
    RETURNS TABLE (query_no integer, id text, score double precision, distances double precision[], entity jsonb)
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM vecdb.hybrid_search(
        collection_name,
        (SELECT coalesce(jsonb_agg(jsonb_build_object('anns_field', r.anns_field, 'data', r.data,
                                                      'params', coalesce(r.params, '{}'), 'filter', coalesce(r.filter, ''))
                                   || CASE WHEN r.top_k IS NOT NULL THEN jsonb_build_object('limit', r.top_k) ELSE '{}' END
                                   ORDER BY r.n), '[]')
           FROM unnest(reqs) WITH ORDINALITY AS r(anns_field, data, top_k, params, filter, n)),
        ranker, top_k, output_fields, filter, partition_names)
$$;

-- The same for requests written as an untyped literal ('[{...}]'), which
-- would otherwise be ambiguous between the jsonb and ann_request[] forms.
CREATE FUNCTION vecdb.hybrid_search(collection_name text, reqs text, ranker jsonb DEFAULT NULL,
                                    top_k integer DEFAULT 10, output_fields text[] DEFAULT NULL,
                                    filter text DEFAULT '', partition_names text[] DEFAULT NULL)
    RETURNS TABLE (query_no integer, id text, score double precision, distances double precision[], entity jsonb)
    LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM vecdb.hybrid_search(collection_name, reqs::jsonb, ranker, top_k, output_fields, filter, partition_names)
$$;
