-- Collections: TTL. The collection property ttl (an interval; 0 or null =
-- never) hides rows whose insert time is older than that from every search,
-- query and get, as a condition of the scan itself (an index scan keeps
-- going past expired rows, so LIMIT is filled). The insert time is the
-- hidden column "$inserted_at", added when a ttl is first set; inserts set
-- it (DEFAULT now()), updates and upserts refresh it (a trigger), as Milvus
-- does. Expired rows are deleted later, in batches, by the purge worker
-- (src/collection/ttl_worker.cpp) or vecdb.purge_expired.

-- A ttl property value as an interval: an interval literal ('1 hour') or a
-- number of seconds (Milvus's collection.ttl.seconds). NULL for never (0).
CREATE FUNCTION vecdb._parse_ttl(value jsonb) RETURNS interval
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text := value #>> '{}';
    ttl interval;
BEGIN
    IF value IS NULL OR value = 'null' THEN
        RETURN NULL;
    END IF;
    BEGIN
        IF jsonb_typeof(value) = 'number' OR t ~ '^\s*[0-9]+(\.[0-9]+)?\s*$' THEN
            ttl := make_interval(secs => t::double precision);
        ELSIF jsonb_typeof(value) = 'string' THEN
            ttl := t::interval;
        END IF;
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow
                   OR numeric_value_out_of_range OR invalid_text_representation THEN
        ttl := NULL;
        t := NULL;
    END;
    IF t IS NULL OR ttl IS NULL OR ttl < interval '0' THEN
        RAISE EXCEPTION 'invalid ttl %', value
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give ttl as an interval (''1 hour'', ''7 days'') or a number of seconds; 0 or null means never.';
    END IF;
    RETURN CASE WHEN ttl = interval '0' THEN NULL ELSE ttl END;
END
$$;

-- Whether a collection's table has a column of that name.
CREATE FUNCTION vecdb._has_column(c vecdb.collections, column_name name) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = pg_catalog.to_regclass(vecdb._table(c)) AND a.attname = column_name
                      AND a.attnum > 0 AND NOT a.attisdropped)
$$;

-- The ttl of a collection; NULL when it has none.
CREATE FUNCTION vecdb._ttl(c vecdb.collections) RETURNS interval
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.value::interval FROM vecdb.collection_properties p WHERE p.collection = c.name AND p.key = 'ttl'
$$;

-- Trigger: an update (or upsert) refreshes the insert time, unless the
-- statement sets it itself.
CREATE FUNCTION vecdb._ttl_refresh() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW."$inserted_at" IS NOT DISTINCT FROM OLD."$inserted_at" THEN
        NEW."$inserted_at" := now();
    END IF;
    RETURN NEW;
END
$$;

-- Sets (or, with 0 / null, removes) the ttl of a collection, stored in one
-- interval style whatever the session's; the first ttl adds the insert-time
-- column (existing rows count as inserted now), its index (for the purge)
-- and the refresh trigger.
CREATE FUNCTION vecdb._set_ttl(c vecdb.collections, value jsonb) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET intervalstyle = 'postgres' AS $$
DECLARE
    ttl interval := vecdb._parse_ttl(value);
    hist text;
BEGIN
    IF ttl IS NULL THEN
        DELETE FROM vecdb.collection_properties WHERE collection = c.name AND key = 'ttl';
        RETURN;
    END IF;
    IF NOT vecdb._has_column(c, '$inserted_at') THEN
        EXECUTE format('ALTER TABLE %s ADD COLUMN "$inserted_at" timestamptz NOT NULL DEFAULT now()', vecdb._table(c));
        EXECUTE format('CREATE INDEX ON %s ("$inserted_at")', vecdb._table(c));
        EXECUTE format('CREATE TRIGGER "$ttl_refresh" BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION vecdb._ttl_refresh()',
                       vecdb._table(c));
        -- the history of a time-travel collection keeps the insert time too;
        -- versions it already holds count from now, like the live rows
        -- above (NULL would hide them from every as_of search)
        hist := vecdb._history_table(c);
        IF hist IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %s ADD COLUMN "$inserted_at" timestamptz DEFAULT pg_catalog.now()', hist);
            PERFORM vecdb._install_history_trigger(c);
        END IF;
    END IF;
    INSERT INTO vecdb.collection_properties VALUES (c.name, 'ttl', ttl::text)
    ON CONFLICT (collection, key) DO UPDATE SET value = EXCLUDED.value;
END
$$;

-- The SQL condition (on table alias t) a row of the collection must meet
-- not to be expired at the instant given by the SQL expression at ('now()'
-- for the present); 'true' when the collection has no ttl. The text only
-- changes with the ttl, so plans are kept across calls.
CREATE FUNCTION vecdb._ttl_condition(c vecdb.collections, at text DEFAULT 'pg_catalog.now()') RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN vecdb._ttl(c) IS NULL THEN 'true'
                ELSE format('t."$inserted_at" > %s - %L::interval', at, vecdb._ttl(c)) END
$$;

-- Deletes up to batch_size expired rows of a collection; returns how many.
CREATE FUNCTION vecdb._purge_expired_batch(c vecdb.collections, batch_size integer) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ttl interval := vecdb._ttl(c);
    key_cols text;
BEGIN
    IF ttl IS NULL OR NOT vecdb._has_column(c, '$inserted_at') THEN
        RETURN 0;
    END IF;
    -- a row is named by its primary key columns (the key, "$partition" and a partition key)
    SELECT string_agg(format('%I', n), ', ') INTO key_cols
      FROM (SELECT c.primary_field AS n UNION ALL SELECT '$partition'
            UNION ALL SELECT name FROM vecdb.fields WHERE collection = c.name AND is_partition_key) k;
    RETURN vecdb._execute_count(
        format('DELETE FROM %1$s AS t WHERE (%2$s) IN (SELECT %2$s FROM %1$s WHERE "$inserted_at" <= now() - $1 LIMIT $2)',
               vecdb._table(c), key_cols),
        ARRAY['interval', 'int4'], ARRAY[ttl::text, batch_size::text]);
END
$$;

-- One purge step over every collection the caller owns that has a ttl or
-- time travel: at most batch_size expired rows and batch_size ended
-- history versions each. The purge worker runs it in a transaction per
-- step until nothing is left.
CREATE FUNCTION vecdb._purge_step(batch_size integer, collection_name text DEFAULT NULL)
    RETURNS TABLE (collection text, expired bigint, history bigint)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR c IN SELECT * FROM vecdb.collections x
              WHERE (collection_name IS NULL OR x.name = collection_name)
                AND (EXISTS (SELECT 1 FROM vecdb.collection_properties p WHERE p.collection = x.name AND p.key = 'ttl')
                     OR EXISTS (SELECT 1 FROM vecdb.time_travel tt WHERE tt.collection = x.name))
                AND (collection_name IS NOT NULL OR vecdb._owns_table(x.schema_name, x.table_name))
              ORDER BY x.name LOOP
        collection := c.name;
        expired := vecdb._purge_expired_batch(c, batch_size);
        history := vecdb._purge_history_batch(c, batch_size);
        RETURN NEXT;
    END LOOP;
END
$$;

-- Deletes the expired rows of a collection (of every collection the caller
-- owns when NULL) and the history versions that ended before the
-- time-travel retention, now, in batches of batch_size; returns what it
-- deleted per collection. For Postgres without vecdb preloaded (managed
-- services), or from pg_cron.
CREATE FUNCTION vecdb.purge_expired(collection_name text DEFAULT NULL, batch_size integer DEFAULT 10000)
    RETURNS TABLE (collection text, expired bigint, history bigint)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    one_name text := CASE WHEN collection_name IS NOT NULL THEN (vecdb._resolve(collection_name)).name END;
    r record;
    totals jsonb := '{}';
    more boolean := true;
BEGIN
    -- commit times first: the history purge reads them
    PERFORM vecdb._resolve_commits(x) FROM vecdb.collections x
      JOIN vecdb.time_travel tt ON tt.collection = x.name
     WHERE (one_name IS NULL AND vecdb._owns_table(x.schema_name, x.table_name)) OR x.name = one_name;
    WHILE more LOOP
        more := false;
        FOR r IN SELECT * FROM vecdb._purge_step(batch_size, one_name) LOOP
            totals := jsonb_set(totals, ARRAY[r.collection], jsonb_build_array(
                coalesce((totals->r.collection->>0)::bigint, 0) + r.expired,
                coalesce((totals->r.collection->>1)::bigint, 0) + r.history));
            more := more OR r.expired >= batch_size OR r.history >= batch_size;
        END LOOP;
    END LOOP;
    RETURN QUERY SELECT e.key, (e.value->>0)::bigint, (e.value->>1)::bigint FROM jsonb_each(totals) e ORDER BY e.key;
END
$$;
