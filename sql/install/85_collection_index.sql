-- Collections: indexes (Milvus index types mapped to access methods) and
-- load / release (index pages read into shared buffers).

-- The access method, operator class and WITH options of a Milvus vector
-- index type for field f (HNSW_SQ and IVF_SQ8 use the sq8 quantizer,
-- IVF_PQ the pq one: m -> pq_m, nbits -> pq_nbits); refuses types whose
-- access method is not built.
CREATE FUNCTION vecdb._vector_index_plan(f vecdb.fields, index_type text, metric text, params jsonb,
                                         OUT am text, OUT opclass text, OUT options text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    base text := CASE f.data_type WHEN 'FLOAT_VECTOR' THEN 'vector' WHEN 'FLOAT16_VECTOR' THEN 'halfvec'
                                  WHEN 'SPARSE_FLOAT_VECTOR' THEN 'sparsevec' ELSE 'bit' END;
    allowed text[];
    opts text[] := '{}';
    bad text;
BEGIN
    am := CASE index_type
        WHEN 'AUTOINDEX' THEN 'flat' WHEN 'FLAT' THEN 'flat' WHEN 'BIN_FLAT' THEN 'flat'
        WHEN 'HNSW' THEN 'hnsw' WHEN 'HNSW_SQ' THEN 'hnsw'
        WHEN 'IVF_FLAT' THEN 'ivf' WHEN 'IVF_SQ8' THEN 'ivf' WHEN 'IVF_PQ' THEN 'ivf' WHEN 'BIN_IVF_FLAT' THEN 'ivf' END;
    IF am IS NULL THEN
        RAISE EXCEPTION 'index type % is not supported for vector field "%"', index_type, f.name
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Vector index types: AUTOINDEX, FLAT, BIN_FLAT, HNSW, HNSW_SQ, IVF_FLAT, IVF_SQ8, IVF_PQ, BIN_IVF_FLAT.';
    END IF;
    IF (index_type LIKE 'BIN\_%') <> (f.data_type = 'BINARY_VECTOR') AND index_type <> 'AUTOINDEX' THEN
        RAISE EXCEPTION 'index type % does not apply to % field "%"', index_type, f.data_type, f.name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_am WHERE amname = am) THEN
        RAISE EXCEPTION 'index type % is not available yet', index_type
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('It needs the %s access method, which this build of vecdb does not have.', am);
    END IF;
    allowed := CASE am WHEN 'flat' THEN '{}'::text[]
                       WHEN 'hnsw' THEN ARRAY['M', 'efConstruction']
                       ELSE ARRAY['nlist', 'm', 'nbits'] END;
    SELECT k INTO bad FROM jsonb_object_keys(params) k WHERE k <> ALL (allowed) LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown parameter "%" for index type %', bad, index_type
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = CASE WHEN cardinality(allowed) = 0 THEN index_type || ' takes no parameters.'
                              ELSE 'Parameters: ' || array_to_string(allowed, ', ') || '.' END;
    END IF;
    IF params ? 'M' THEN opts := opts || format('m = %s', (params->>'M')::integer); END IF;
    IF params ? 'efConstruction' THEN opts := opts || format('ef_construction = %s', (params->>'efConstruction')::integer); END IF;
    IF params ? 'nlist' THEN opts := opts || format('lists = %s', (params->>'nlist')::integer); END IF;
    IF index_type IN ('IVF_SQ8', 'HNSW_SQ') THEN opts := opts || 'quantizer = sq8'::text; END IF;
    IF index_type = 'IVF_PQ' THEN opts := opts || 'quantizer = pq'::text; END IF;
    IF params ? 'm' THEN opts := opts || format('pq_m = %s', (params->>'m')::integer); END IF;
    IF params ? 'nbits' THEN opts := opts || format('pq_nbits = %s', (params->>'nbits')::integer); END IF;
    options := CASE WHEN cardinality(opts) > 0 THEN ' WITH (' || array_to_string(opts, ', ') || ')' ELSE '' END;
    opclass := base || '_' || lower(metric) || '_ops';
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_opclass o JOIN pg_catalog.pg_am a ON a.oid = o.opcmethod
                    WHERE a.amname = am AND o.opcname = opclass) THEN
        RAISE EXCEPTION 'index type % does not support metric % on % fields', index_type, metric, f.data_type
            USING ERRCODE = 'feature_not_supported';
    END IF;
    opclass := '@extschema@.' || opclass;
END
$$;

-- Creates an index on a field. Vector fields: AUTOINDEX / FLAT (flat),
-- HNSW (hnsw), IVF_* (ivf), with Milvus parameter names; the metric becomes
-- the field's search metric. Scalar fields: STL_SORT / TRIE / BITMAP /
-- INVERTED / AUTOINDEX (btree; GIN for INVERTED/AUTOINDEX on ARRAY and JSON).
CREATE FUNCTION vecdb.create_index(collection_name text, field_name text, index_type text DEFAULT 'AUTOINDEX',
                                   metric_type text DEFAULT NULL, params jsonb DEFAULT '{}',
                                   index_name text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    f vecdb.fields;
    kind text := upper(btrim(coalesce(index_type, 'AUTOINDEX')));
    metric text;
    plan record;
    pg_name text;
    method text;
BEGIN
    f := vecdb._field(c, field_name);
    index_name := coalesce(index_name, field_name);
    PERFORM vecdb._check_name('index', index_name);
    IF jsonb_typeof(params) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'params must be a json object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM vecdb.indexes WHERE collection = c.name AND (indexes.index_name = create_index.index_name
                                                                        OR field = field_name)) THEN
        RAISE EXCEPTION 'collection "%" already has an index named "%" or on field "%"', c.name, index_name, field_name
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with vecdb.drop_index.';
    END IF;
    pg_name := c.table_name || '_' || index_name || '_idx';
    IF octet_length(pg_name) > 63 THEN
        pg_name := 'vecdb_idx_' || left(md5(c.name || '.' || index_name), 24);
    END IF;
    IF vecdb._filter_kind(f.data_type) = 'vector' THEN
        metric := vecdb._metric(coalesce(metric_type, params->>'metric_type', f.metric_type), f.data_type);
        plan := vecdb._vector_index_plan(f, kind, metric, params - 'metric_type');
        EXECUTE format('CREATE INDEX %I ON %s USING %s (%I %s)%s', pg_name, vecdb._table(c), plan.am, f.name,
                       plan.opclass, plan.options);
        UPDATE vecdb.fields SET metric_type = metric WHERE collection = c.name AND name = f.name;
    ELSE
        IF metric_type IS NOT NULL THEN
            RAISE EXCEPTION 'metric_type applies only to vector indexes' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF params <> '{}' THEN
            RAISE EXCEPTION 'scalar index type % takes no parameters', kind USING ERRCODE = 'invalid_parameter_value';
        END IF;
        method := CASE
            WHEN kind IN ('INVERTED', 'AUTOINDEX') AND f.data_type IN ('ARRAY', 'JSON') THEN 'gin'
            WHEN kind IN ('STL_SORT', 'AUTOINDEX', 'INVERTED', 'BITMAP') AND f.data_type NOT IN ('ARRAY', 'JSON') THEN 'btree'
            WHEN kind = 'TRIE' AND f.data_type = 'VARCHAR' THEN 'btree' END;
        IF method IS NULL OR (kind = 'STL_SORT' AND f.data_type IN ('VARCHAR', 'BOOL')) THEN
            RAISE EXCEPTION 'index type % does not apply to % field "%"', kind, f.data_type, f.name
                USING ERRCODE = 'feature_not_supported';
        END IF;
        EXECUTE format('CREATE INDEX %I ON %s USING %s (%I)', pg_name, vecdb._table(c), method, f.name);
    END IF;
    INSERT INTO vecdb.indexes VALUES (c.name, index_name, f.name, kind, metric, params - 'metric_type', pg_name);
    -- a time-travel collection's history gets the same vector index
    PERFORM vecdb._history_index(c, i) FROM vecdb.indexes i WHERE i.collection = c.name AND i.field = f.name;
END
$$;

-- A CREATE INDEX running on a collection's table (or one of its
-- partitions) as pg_stat_progress_create_index shows it, or NULL when none
-- runs. A plain CREATE INDEX does not report which index it builds, so this
-- is the table's build, whatever its index.
CREATE FUNCTION vecdb._index_build_progress(c vecdb.collections) RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('phase', p.phase, 'partitions_done', p.partitions_done,
                              'partitions_total', p.partitions_total, 'blocks_done', p.blocks_done,
                              'blocks_total', p.blocks_total, 'tuples_done', p.tuples_done,
                              'tuples_total', p.tuples_total)
      FROM pg_catalog.pg_stat_progress_create_index p
     WHERE p.relid IN (SELECT t.relid FROM pg_catalog.pg_partition_tree(format('%I.%I', c.schema_name, c.table_name)::regclass) t)
     ORDER BY p.pid LIMIT 1
$$;

-- An index as describe_index shows it: 'Finished' once Postgres built it
-- (a valid index holds every row of its table, so indexed_rows = total_rows,
-- none pending; row_count is the table's, counted here when not given),
-- 'InProgress' while Postgres still builds it (not valid yet), 'Missing'
-- when the Postgres index is gone.
CREATE FUNCTION vecdb._describe_index(i vecdb.indexes, row_count bigint DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._collection(i.collection);
    method text;
    valid boolean;
BEGIN
    SELECT a.amname, ix.indisvalid INTO method, valid
      FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = i.pg_index
      JOIN pg_catalog.pg_am a ON a.oid = r.relam
      JOIN pg_catalog.pg_index ix ON ix.indexrelid = r.oid
     WHERE n.nspname = c.schema_name;
    IF valid AND row_count IS NULL THEN
        EXECUTE format('SELECT count(*) FROM %s', vecdb._table(c)) INTO row_count;
    END IF;
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'index_name', i.index_name, 'field_name', i.field, 'index_type', i.index_type,
        'metric_type', i.metric_type, 'params', i.params, 'pg_index', i.pg_index,
        'access_method', method,
        'state', CASE WHEN valid THEN 'Finished' WHEN NOT valid THEN 'InProgress' ELSE 'Missing' END,
        'indexed_rows', CASE WHEN valid THEN row_count END,
        'total_rows', CASE WHEN valid THEN row_count END,
        'pending_index_rows', CASE WHEN valid THEN 0 END));
END
$$;

-- Describes one index of a collection (the only one when index_name is NULL
-- and there is one). An index another session is still building is not in
-- the catalog yet (its row commits with the build): while a build runs on
-- the collection's table, such an index shows as 'InProgress' with the
-- build's progress.
CREATE FUNCTION vecdb.describe_index(collection_name text, index_name text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    i vecdb.indexes;
    progress jsonb;
BEGIN
    SELECT * INTO i FROM vecdb.indexes x WHERE x.collection = c.name
       AND (x.index_name = describe_index.index_name
            OR (describe_index.index_name IS NULL AND (SELECT count(*) FROM vecdb.indexes y WHERE y.collection = c.name) = 1));
    IF NOT FOUND THEN
        progress := vecdb._index_build_progress(c);
        IF progress IS NOT NULL THEN
            RETURN jsonb_strip_nulls(jsonb_build_object('index_name', index_name, 'state', 'InProgress',
                                                        'progress', progress));
        END IF;
        RAISE EXCEPTION 'index "%" does not exist in collection "%"', coalesce(index_name, '(unnamed)'), c.name
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN vecdb._describe_index(i);
END
$$;

-- The index names of a collection (of one field when field_name is given).
CREATE FUNCTION vecdb.list_indexes(collection_name text, field_name text DEFAULT NULL) RETURNS SETOF text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT i.index_name FROM vecdb.indexes i
     WHERE i.collection = (vecdb._resolve(collection_name)).name AND (field_name IS NULL OR i.field = field_name)
     ORDER BY i.index_name
$$;

-- Drops an index of a collection.
CREATE FUNCTION vecdb.drop_index(collection_name text, index_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    i vecdb.indexes;
BEGIN
    SELECT * INTO i FROM vecdb.indexes x WHERE x.collection = c.name AND x.index_name = drop_index.index_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'index "%" does not exist in collection "%"', index_name, c.name USING ERRCODE = 'undefined_object';
    END IF;
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', c.schema_name, i.pg_index);
    PERFORM vecdb._drop_history_index(c, i.field);
    DELETE FROM vecdb.indexes x WHERE x.collection = c.name AND x.index_name = i.index_name;
END
$$;

-- Milvus's load: reads the collection's table and index pages (of the named
-- partitions, or all) into shared buffers and marks those partitions, and
-- so the collection, Loaded. Returns the number of blocks read.
CREATE FUNCTION vecdb.load(collection_name text, partition_names text[] DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    rel oid;
    blocks bigint := 0;
BEGIN
    PERFORM vecdb._check_partitions(c, partition_names);
    -- every partition's table and indexes (all partitions unless some are named)
    FOR rel IN SELECT r.oid FROM vecdb.partitions p
                 JOIN pg_catalog.pg_namespace n ON n.nspname = c.schema_name
                 JOIN pg_catalog.pg_class pt ON pt.relnamespace = n.oid AND pt.relname = p.table_name
                 JOIN pg_catalog.pg_class t ON t.oid IN (SELECT relid FROM pg_catalog.pg_partition_tree(pt.oid) WHERE isleaf)
                 JOIN LATERAL (SELECT t.oid UNION ALL
                               SELECT i.indexrelid FROM pg_catalog.pg_index i WHERE i.indrelid = t.oid) r(oid) ON true
                WHERE p.collection = c.name AND (partition_names IS NULL OR p.name = ANY (partition_names)) LOOP
        blocks := blocks + vecdb._prewarm(rel);
    END LOOP;
    UPDATE vecdb.partitions p SET load_state = 'Loaded'
     WHERE p.collection = c.name AND (partition_names IS NULL OR p.name = ANY (partition_names))
       AND p.load_state <> 'Loaded';
    UPDATE vecdb.collections SET load_state = 'Loaded' WHERE name = c.name AND load_state <> 'Loaded';
    RETURN blocks;
END
$$;

-- Milvus's release: marks the named partitions (or all) NotLoad; the
-- collection stays Loaded while any partition is. Postgres has no way to
-- evict a relation's pages on demand; they leave shared buffers as other
-- pages need the room.
CREATE FUNCTION vecdb.release(collection_name text, partition_names text[] DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    state text;
BEGIN
    PERFORM vecdb._check_partitions(c, partition_names);
    UPDATE vecdb.partitions p SET load_state = 'NotLoad'
     WHERE p.collection = c.name AND (partition_names IS NULL OR p.name = ANY (partition_names))
       AND p.load_state <> 'NotLoad';
    state := CASE WHEN EXISTS (SELECT 1 FROM vecdb.partitions p WHERE p.collection = c.name AND p.load_state = 'Loaded')
                  THEN 'Loaded' ELSE 'NotLoad' END;
    UPDATE vecdb.collections SET load_state = state WHERE name = c.name AND load_state <> state;
END
$$;

-- The load state of a collection (Loaded while any of its partitions is),
-- or of one of its partitions: Loaded or NotLoad.
CREATE FUNCTION vecdb.get_load_state(collection_name text, partition_name text DEFAULT NULL) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
BEGIN
    IF partition_name IS NULL THEN
        RETURN c.load_state;
    END IF;
    PERFORM vecdb._check_partitions(c, ARRAY[partition_name]);
    RETURN (SELECT p.load_state FROM vecdb.partitions p WHERE p.collection = c.name AND p.name = partition_name);
END
$$;
