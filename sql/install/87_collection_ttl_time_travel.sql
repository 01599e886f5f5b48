-- Collections: time travel. vecdb.enable_time_travel keeps the row versions
-- that UPDATE and DELETE end in a history table (<table>$history, with the
-- collection's vector indexes) for a retention period, and search / query /
-- get take as_of => timestamptz: the versions whose creating transaction
-- committed at or before as_of and whose ending transaction had not, by
-- transaction ids and their commit timestamps (track_commit_timestamp), so
-- long and concurrent transactions are ordered as Postgres committed them and
-- aborted ones never show.
--
-- Each live row carries the token of the transaction that wrote it
-- ("$created_xid", set by a trigger: the 64-bit transaction id tagged with
-- the cluster, see src/collection/ttl_commit_time.cpp); each history row
-- that token, the ending transaction's ("$ended_xid") and the creating
-- commit time ("$valid_from", known when the version ends). A token's commit
-- time comes from Postgres's commit timestamps, else from vecdb.commit_log
-- (the purge fills it and pg_dump carries it, so the tokens of a dumped
-- cluster keep their times in the restored one).

CREATE TABLE vecdb.time_travel (
    collection text PRIMARY KEY REFERENCES vecdb.collections (name) ON UPDATE CASCADE ON DELETE CASCADE,
    retention interval NOT NULL CHECK (retention > interval '0'),
    history_table name NOT NULL,
    enabled_xid xid8 NOT NULL,
    enabled_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE vecdb.time_travel IS 'vecdb collections with time travel: retention and history table';

CREATE TABLE vecdb.commit_log (
    xid xid8 PRIMARY KEY,
    committed_at timestamptz NOT NULL
);
COMMENT ON TABLE vecdb.commit_log IS 'vecdb time travel: commit times of the transactions that wrote row versions';

SELECT pg_catalog.pg_extension_config_dump('vecdb.time_travel', '');
-- search statements read the history table: enabling or disabling rebuilds them
CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON vecdb.time_travel
    FOR EACH STATEMENT EXECUTE FUNCTION vecdb._catalog_changed();
SELECT pg_catalog.pg_extension_config_dump('vecdb.commit_log', '');

-- How far the purge has recorded a collection's commit times: every token
-- below "below" is done. Not dumped: a restored cluster starts over.
CREATE TABLE vecdb.resolve_marks (
    collection text PRIMARY KEY REFERENCES vecdb.time_travel (collection) ON UPDATE CASCADE ON DELETE CASCADE,
    below xid8 NOT NULL
);

-- The commit time of a transaction token: +infinity while it runs (the
-- caller's own too) or when it aborted; NULL when this cluster does not know
-- it (another cluster's token, or older than the commit timestamps kept).
CREATE FUNCTION vecdb._commit_time(xid8) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'vecdb_commit_time' LANGUAGE C STRICT STABLE PARALLEL SAFE;

-- The token of the current transaction (assigning it an id).
CREATE FUNCTION vecdb._xact_token() RETURNS xid8
    AS 'MODULE_PATHNAME', 'vecdb_xact_token' LANGUAGE C STRICT VOLATILE;

-- The token of this cluster's transaction id x.
CREATE FUNCTION vecdb._token_of(x xid8) RETURNS xid8
    AS 'MODULE_PATHNAME', 'vecdb_token_of' LANGUAGE C STRICT STABLE PARALLEL SAFE;

GRANT SELECT, INSERT, UPDATE, DELETE ON vecdb.time_travel TO PUBLIC;
ALTER TABLE vecdb.time_travel ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON vecdb.time_travel FOR SELECT USING (true);
CREATE POLICY owner_insert ON vecdb.time_travel FOR INSERT WITH CHECK (vecdb._owns_collection(collection));
CREATE POLICY owner_update ON vecdb.time_travel FOR UPDATE USING (vecdb._owns_collection(collection));
CREATE POLICY owner_delete ON vecdb.time_travel FOR DELETE USING (vecdb._owns_collection(collection));
-- anyone may record a commit time, but only the true one; nobody but a
-- superuser removes one
GRANT SELECT, INSERT ON vecdb.commit_log TO PUBLIC;
ALTER TABLE vecdb.commit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON vecdb.commit_log FOR SELECT USING (true);
CREATE POLICY true_time ON vecdb.commit_log FOR INSERT WITH CHECK (committed_at = vecdb._commit_time(xid));
GRANT SELECT, INSERT, UPDATE, DELETE ON vecdb.resolve_marks TO PUBLIC;
ALTER TABLE vecdb.resolve_marks ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON vecdb.resolve_marks FOR SELECT USING (true);
CREATE POLICY owner_insert ON vecdb.resolve_marks FOR INSERT WITH CHECK (vecdb._owns_collection(collection));
CREATE POLICY owner_update ON vecdb.resolve_marks FOR UPDATE USING (vecdb._owns_collection(collection));
CREATE POLICY owner_delete ON vecdb.resolve_marks FOR DELETE USING (vecdb._owns_collection(collection));

-- SQL for the commit time of the transaction token given by the SQL
-- expression x: +infinity when it has not committed; -infinity when x is
-- NULL (rows written before time travel was enabled) or when neither
-- Postgres nor the log knows it (committed long ago, or restored from a
-- dump made before the log had it). The log is read only then.
CREATE FUNCTION vecdb._xact_time_sql(x text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE WHEN %1$s IS NULL THEN ''-infinity''::timestamptz ELSE coalesce(vecdb._commit_time(%1$s), '
                  '(SELECT l.committed_at FROM vecdb.commit_log l WHERE l.xid = %1$s), ''-infinity'') END', x)
$$;

-- The commit time of a transaction token (see _xact_time_sql).
CREATE FUNCTION vecdb._xact_time(x xid8) RETURNS timestamptz
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN x IS NULL THEN '-infinity'::timestamptz
                ELSE coalesce(vecdb._commit_time(x), (SELECT l.committed_at FROM vecdb.commit_log l WHERE l.xid = x),
                              '-infinity') END
$$;

-- Raises the error for time travel without commit timestamps.
CREATE FUNCTION vecdb._require_commit_timestamps() RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('track_commit_timestamp') <> 'on' THEN
        RAISE EXCEPTION 'time travel needs track_commit_timestamp = on'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Set track_commit_timestamp = on in postgresql.conf and restart the server.';
    END IF;
END
$$;

-- The history table of a collection, quoted and schema-qualified; NULL
-- without time travel.
CREATE FUNCTION vecdb._history_table(c vecdb.collections) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('%I.%I', c.schema_name, tt.history_table) FROM vecdb.time_travel tt WHERE tt.collection = c.name
$$;

-- Trigger: a row written by a transaction carries its token.
CREATE FUNCTION vecdb._stamp_xid() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW."$created_xid" := vecdb._xact_token();
    RETURN NEW;
END
$$;

-- Trigger: an UPDATE or DELETE moves the version it ends into the history
-- table (TG_ARGV[0]; TG_ARGV[1] the live table's columns), with the ending
-- transaction and the creating commit time. A version the same transaction
-- created was never visible to anyone else and is not kept; an aborted
-- transaction's history rows vanish with it.
CREATE FUNCTION vecdb._record_history() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    me xid8 := vecdb._xact_token();
BEGIN
    IF OLD."$created_xid" IS NOT DISTINCT FROM me THEN
        RETURN NULL;
    END IF;
    EXECUTE format('INSERT INTO %s (%s, "$ended_xid", "$valid_from") SELECT %s, $2, $3 FROM (SELECT ($1).*) o',
                   TG_ARGV[0], TG_ARGV[1],
                   (SELECT string_agg('o.' || btrim(col), ', ') FROM unnest(string_to_array(TG_ARGV[1], ', ')) col))
        USING OLD, me, vecdb._xact_time(OLD."$created_xid");
    RETURN NULL;
END
$$;

-- The live table's columns as a list of quoted names, in order.
CREATE FUNCTION vecdb._live_columns(c vecdb.collections) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = pg_catalog.to_regclass(vecdb._table(c)) AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- (Re)creates the history trigger with the live table's current columns.
CREATE FUNCTION vecdb._install_history_trigger(c vecdb.collections) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger
                WHERE tgrelid = pg_catalog.to_regclass(vecdb._table(c)) AND tgname = '$history') THEN
        EXECUTE format('DROP TRIGGER "$history" ON %s', vecdb._table(c));
    END IF;
    EXECUTE format('CREATE TRIGGER "$history" AFTER UPDATE OR DELETE ON %s FOR EACH ROW '
                   'EXECUTE FUNCTION vecdb._record_history(%L, %L)',
                   vecdb._table(c), vecdb._history_table(c), vecdb._live_columns(c));
END
$$;

-- Creates on the history table the vector index that index row i describes.
CREATE FUNCTION vecdb._history_index(c vecdb.collections, i vecdb.indexes) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f vecdb.fields;
    plan record;
BEGIN
    SELECT * INTO f FROM vecdb.fields WHERE collection = c.name AND name = i.field;
    IF vecdb._history_table(c) IS NULL OR vecdb._filter_kind(f.data_type) <> 'vector' THEN
        RETURN;
    END IF;
    plan := vecdb._vector_index_plan(f, i.index_type, i.metric_type, i.params);
    EXECUTE format('CREATE INDEX ON %s USING %s (%I %s)%s', vecdb._history_table(c), plan.am, f.name,
                   plan.opclass, plan.options);
END
$$;

-- Drops the history table's index on a field (drop_index).
CREATE FUNCTION vecdb._drop_history_index(c vecdb.collections, field_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    idx regclass;
BEGIN
    IF vecdb._history_table(c) IS NULL OR NOT EXISTS (
           SELECT 1 FROM vecdb.fields WHERE collection = c.name AND name = field_name
              AND vecdb._filter_kind(data_type) = 'vector') THEN
        RETURN;
    END IF;
    FOR idx IN SELECT x.indexrelid::regclass FROM pg_catalog.pg_index x
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                WHERE x.indrelid = vecdb._history_table(c)::regclass AND x.indnatts = 1 AND a.attname = field_name LOOP
        EXECUTE format('DROP INDEX %s', idx);
    END LOOP;
END
$$;

-- Turns time travel on for a collection (or changes its retention): from
-- the commit of this call, versions ended by UPDATE and DELETE are kept for
-- retention, and as_of may go back that far (not before this commit).
CREATE FUNCTION vecdb.enable_time_travel(collection_name text, retention interval DEFAULT '7 days') RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    hist name;
    i vecdb.indexes;
BEGIN
    PERFORM vecdb._require_commit_timestamps();
    IF retention IS NULL OR retention <= interval '0' THEN
        RAISE EXCEPTION 'time travel retention must be a positive interval, not %', coalesce(retention::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF vecdb._history_table(c) IS NOT NULL THEN
        UPDATE vecdb.time_travel SET retention = enable_time_travel.retention WHERE collection = c.name;
        RETURN;
    END IF;
    hist := CASE WHEN octet_length(c.table_name || '$history') <= 63 THEN c.table_name || '$history'
                 ELSE 'vecdb_h_' || left(md5(c.name), 24) END;
    IF vecdb._table_exists(c.schema_name, hist) THEN
        RAISE EXCEPTION 'a table named %.% already exists', quote_ident(c.schema_name), quote_ident(hist)
            USING ERRCODE = 'duplicate_table';
    END IF;
    EXECUTE format('ALTER TABLE %s ADD COLUMN "$created_xid" xid8', vecdb._table(c));
    EXECUTE format('CREATE TABLE %I.%I (LIKE %s)', c.schema_name, hist, vecdb._table(c));
    EXECUTE format('ALTER TABLE %I.%I ADD COLUMN "$ended_xid" xid8 NOT NULL, ADD COLUMN "$valid_from" timestamptz NOT NULL, '
                   'ADD COLUMN "$valid_to" timestamptz', c.schema_name, hist);
    EXECUTE format('COMMENT ON TABLE %I.%I IS %L', c.schema_name, hist,
                   format('vecdb time travel: ended row versions of collection %s', c.name));
    -- the primary key (get); the purge's ranges: tokens it has not recorded yet, ended versions
    EXECUTE format('CREATE INDEX ON %I.%I (%I)', c.schema_name, hist, c.primary_field);
    EXECUTE format('CREATE INDEX ON %I.%I ("$ended_xid")', c.schema_name, hist);
    EXECUTE format('CREATE INDEX ON %I.%I ("$valid_to")', c.schema_name, hist);
    EXECUTE format('CREATE INDEX ON %s ("$created_xid")', vecdb._table(c));
    INSERT INTO vecdb.time_travel (collection, retention, history_table, enabled_xid)
    VALUES (c.name, retention, hist, vecdb._xact_token());
    EXECUTE format('CREATE TRIGGER "$stamp_xid" BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION vecdb._stamp_xid()',
                   vecdb._table(c));
    PERFORM vecdb._install_history_trigger(c);
    FOR i IN SELECT * FROM vecdb.indexes x WHERE x.collection = c.name LOOP
        PERFORM vecdb._history_index(c, i);
    END LOOP;
END
$$;

-- Drops a collection's history table (drop_collection, disable_time_travel).
CREATE FUNCTION vecdb._drop_history(c vecdb.collections) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    hist text := vecdb._history_table(c);
BEGIN
    IF hist IS NOT NULL AND to_regclass(hist) IS NOT NULL THEN
        EXECUTE format('DROP TABLE %s', hist);
    END IF;
    DELETE FROM vecdb.time_travel WHERE collection = c.name;
END
$$;

-- Turns time travel off: the history is dropped and as_of is refused.
CREATE FUNCTION vecdb.disable_time_travel(collection_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
BEGIN
    IF vecdb._history_table(c) IS NULL THEN
        RAISE EXCEPTION 'collection "%" does not have time travel', c.name USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    EXECUTE format('DROP TRIGGER "$history" ON %s', vecdb._table(c));
    EXECUTE format('DROP TRIGGER "$stamp_xid" ON %s', vecdb._table(c));
    PERFORM vecdb._drop_history(c);
    EXECUTE format('ALTER TABLE %s DROP COLUMN "$created_xid"', vecdb._table(c));
END
$$;

-- SQL for the as_of instant of the running query / get (set by
-- _set_as_of): one InitPlan per statement, and a statement text that does
-- not change with it.
CREATE FUNCTION vecdb._as_of_sql() RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '(SELECT pg_catalog.current_setting(''vecdb.as_of'')::timestamptz)'::text
$$;

-- as_of, checked for a collection: time travel on, commit timestamps on,
-- within the retention, not in the future.
CREATE FUNCTION vecdb._as_of_checked(collection_name text, as_of timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tt vecdb.time_travel;
    floor_at timestamptz;
BEGIN
    SELECT * INTO tt FROM vecdb.time_travel WHERE collection = collection_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'collection "%" does not have time travel; as_of needs it', collection_name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Turn it on with vecdb.enable_time_travel(collection, retention).';
    END IF;
    PERFORM vecdb._require_commit_timestamps();
    IF as_of > statement_timestamp() THEN
        RAISE EXCEPTION 'as_of is in the future' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('as_of %s is after the start of this statement (%s).', as_of, statement_timestamp());
    END IF;
    floor_at := greatest(vecdb._xact_time(tt.enabled_xid), statement_timestamp() - tt.retention);
    IF as_of < floor_at THEN
        RAISE EXCEPTION 'as_of is older than the time travel history of collection "%"', collection_name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('as_of %s; history goes back to %s (retention %s, time travel enabled at %s).',
                                  as_of, floor_at, tt.retention, vecdb._xact_time(tt.enabled_xid));
    END IF;
    RETURN as_of;
END
$$;

-- Checks as_of for a collection and makes it the instant _as_of_sql reads,
-- for the rest of the transaction.
CREATE FUNCTION vecdb._set_as_of(c vecdb.collections, as_of timestamptz) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('vecdb.as_of', vecdb._as_of_checked(c.name, as_of)::text, true);
END
$$;

-- The relation (alias t) an as_of read scans: the live rows and the
-- history versions, with the live table's columns and three more: the
-- creating transaction ("$c"), the ending one ("$e") and the creating commit
-- time ("$vf"; NULL for live rows) and the ending one when the purge has
-- recorded it ("$vt"). A UNION ALL without quals of its own,
-- so the planner flattens it and merges ordered index scans of every
-- partition and of the history table; _as_of_condition picks the versions.
CREATE FUNCTION vecdb._as_of_source(c vecdb.collections) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cols text := vecdb._live_columns(c);
BEGIN
    RETURN format('(SELECT %1$s, "$created_xid" AS "$c", NULL::xid8 AS "$e", NULL::timestamptz AS "$vf", '
                  'NULL::timestamptz AS "$vt" FROM %2$s '
                  'UNION ALL SELECT %1$s, "$created_xid", "$ended_xid", "$valid_from", "$valid_to" FROM %3$s)',
                  cols, vecdb._table(c), vecdb._history_table(c));
END
$$;

-- The condition on _as_of_source's rows (alias t) of the versions visible
-- at the instant given by the SQL expression at: a live row whose creating transaction had
-- committed by then, a history version created by then whose ending
-- transaction had not committed by then.
CREATE FUNCTION vecdb._as_of_condition(at text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format('CASE WHEN t."$vf" IS NULL THEN %1$s <= %2$s '
                  'ELSE t."$vf" <= %2$s AND coalesce(t."$vt", %3$s) > %2$s END',
                  vecdb._xact_time_sql('t."$c"'), at, vecdb._xact_time_sql('t."$e"'))
$$;

-- The condition a row (alias t) of collection c must meet to be read: the
-- ttl condition now, or with at (SQL for an as_of instant) the versions
-- visible then and the ttl condition at that instant. The one builder of
-- vecdb._read_source and of vecdb.search's row condition.
CREATE FUNCTION vecdb._visible_condition(c vecdb.collections, at text) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN at IS NULL THEN vecdb._ttl_condition(c)
                ELSE vecdb._as_of_condition(at) || ' AND ' || vecdb._ttl_condition(c, at) END
$$;

-- The relation a read of collection c scans (as alias t) and the condition
-- its rows must meet: the table and the ttl condition now, or with as_of
-- (checked, and set for the transaction) the versions visible then and the
-- ttl condition at that instant.
CREATE FUNCTION vecdb._read_source(c vecdb.collections, as_of timestamptz, OUT relation text, OUT condition text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        relation := vecdb._table(c);
        condition := vecdb._visible_condition(c, NULL);
        RETURN;
    END IF;
    PERFORM vecdb._set_as_of(c, as_of);
    relation := vecdb._as_of_source(c);
    condition := vecdb._visible_condition(c, vecdb._as_of_sql());
END
$$;

-- The rows vecdb.search reads of a collection (its _row_condition hook):
-- the ttl condition, and with as_of (bound as $5 of the statement, checked
-- once per execution) the versions visible then.
CREATE FUNCTION vecdb._ttl_row_condition(collection_name text, as_of_given boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
BEGIN
    RETURN vecdb._visible_condition(c, CASE WHEN as_of_given
                                            THEN format('(SELECT vecdb._as_of_checked(%L, $5))', c.name) END);
END
$$;

-- What vecdb.search scans with as_of (its _row_relation hook): the live
-- rows and the history; NULL (the table) without as_of.
CREATE FUNCTION vecdb._ttl_row_relation(collection_name text, as_of_given boolean) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
BEGIN
    IF NOT as_of_given THEN
        RETURN NULL;
    END IF;
    IF vecdb._history_table(c) IS NULL THEN
        PERFORM vecdb._as_of_checked(c.name, NULL);
    END IF;
    RETURN vecdb._as_of_source(c);
END
$$;

-- Records the commit times of the transactions that wrote a collection's
-- live rows and ended its history versions in vecdb.commit_log (so they
-- stay known after pg_dump / restore, or once Postgres drops old commit
-- timestamps) and in the history's "$valid_to" (which the history purge
-- reads through its index). Only tokens from the last run's oldest running
-- transaction on are looked at (through their indexes). Returns how many
-- times it logged.
CREATE FUNCTION vecdb._resolve_commits(c vecdb.collections) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    hist text := vecdb._history_table(c);
    since xid8 := coalesce((SELECT m.below FROM vecdb.resolve_marks m WHERE m.collection = c.name), '0'::xid8);
    upto xid8 := vecdb._token_of(pg_snapshot_xmin(pg_current_snapshot()));
    n bigint;
BEGIN
    IF hist IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE format('INSERT INTO vecdb.commit_log (xid, committed_at) '
                   'SELECT x, vecdb._commit_time(x) FROM (SELECT "$created_xid" FROM %1$s WHERE "$created_xid" >= $1 '
                   'UNION SELECT "$ended_xid" FROM %2$s WHERE "$ended_xid" >= $1 '
                   'UNION SELECT enabled_xid FROM vecdb.time_travel WHERE collection = %3$L) s(x) '
                   'WHERE vecdb._commit_time(x) < ''infinity'' '
                   'AND NOT EXISTS (SELECT 1 FROM vecdb.commit_log l WHERE l.xid = s.x) '
                   'ON CONFLICT (xid) DO NOTHING',
                   vecdb._table(c), hist, c.name) USING since;
    GET DIAGNOSTICS n = ROW_COUNT;
    EXECUTE format('UPDATE %1$s SET "$valid_to" = vecdb._xact_time("$ended_xid") '
                   'WHERE "$ended_xid" >= $1 AND "$valid_to" IS NULL AND vecdb._xact_time("$ended_xid") < ''infinity''',
                   hist) USING since;
    INSERT INTO vecdb.resolve_marks VALUES (c.name, upto)
    ON CONFLICT (collection) DO UPDATE SET below = EXCLUDED.below;
    RETURN n;
END
$$;

-- Deletes up to batch_size history versions that ended before the
-- retention (as recorded by _resolve_commits); returns how many.
CREATE FUNCTION vecdb._purge_history_batch(c vecdb.collections, batch_size integer) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    hist text := vecdb._history_table(c);
BEGIN
    IF hist IS NULL THEN
        RETURN 0;
    END IF;
    RETURN vecdb._execute_count(
        format('DELETE FROM %1$s AS t WHERE t.ctid IN (SELECT v.ctid FROM %1$s AS v WHERE v."$valid_to" < now() - $1 LIMIT $2)',
               hist),
        ARRAY['interval', 'int4'],
        ARRAY[(SELECT retention::text FROM vecdb.time_travel WHERE collection = c.name), batch_size::text]);
END
$$;

-- The row versions of a collection created or ended between from_time and
-- to_time (inclusive), by commit time: change is 'created' or 'ended'
-- (an update ends one version and creates the next), xid the transaction.
CREATE FUNCTION vecdb.collection_changes(collection_name text, from_time timestamptz, to_time timestamptz,
                                         output_fields text[] DEFAULT ARRAY['*'])
    RETURNS TABLE (changed_at timestamptz, change text, id text, xid xid8, entity jsonb)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    ent text;
BEGIN
    IF vecdb._history_table(c) IS NULL THEN
        RAISE EXCEPTION 'collection "%" does not have time travel', c.name
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Turn it on with vecdb.enable_time_travel(collection, retention).';
    END IF;
    PERFORM vecdb._require_commit_timestamps();
    IF from_time IS NULL OR to_time IS NULL OR from_time > to_time THEN
        RAISE EXCEPTION 'collection_changes needs from_time <= to_time' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    ent := vecdb._entity_sql(c, output_fields, true, 't');
    RETURN QUERY SELECT * FROM vecdb._execute(format(
        'SELECT * FROM ('
        'SELECT %1$s AS at, ''created'' AS change, t.%2$I::text, t."$created_xid", %3$s FROM %4$s AS t '
        'UNION ALL SELECT t."$valid_from", ''created'', t.%2$I::text, t."$created_xid", %3$s FROM %5$s AS t '
        'UNION ALL SELECT coalesce(t."$valid_to", %6$s), ''ended'', t.%2$I::text, t."$ended_xid", %3$s FROM %5$s AS t) s '
        'WHERE s.at BETWEEN $1 AND $2 ORDER BY s.at, s.change DESC, 3',
        vecdb._xact_time_sql('t."$created_xid"'), c.primary_field, ent, vecdb._table(c), vecdb._history_table(c),
        vecdb._xact_time_sql('t."$ended_xid"')),
        ARRAY['timestamptz', 'timestamptz'], ARRAY[from_time::text, to_time::text])
        AS r(changed_at timestamptz, change text, id text, xid xid8, entity jsonb);
END
$$;
