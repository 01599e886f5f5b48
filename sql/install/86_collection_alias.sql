-- Collections: aliases (another name for a collection, usable wherever a
-- collection name is) and partitions.

-- Creates an alias of a collection (not of another alias).
CREATE FUNCTION vecdb.create_alias(collection_name text, alias text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM vecdb._check_name('alias', alias);
    IF EXISTS (SELECT 1 FROM vecdb.aliases a WHERE a.alias = collection_name) THEN
        RAISE EXCEPTION '"%" is an alias; an alias must name a collection', collection_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM vecdb._collection(collection_name);
    IF vecdb.has_collection(alias) THEN
        RAISE EXCEPTION 'alias "%" is already a collection or an alias', alias USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO vecdb.aliases VALUES (alias, collection_name);
END
$$;

-- Points an existing alias at another collection, in one statement (a
-- concurrent reader sees the old or the new target).
CREATE FUNCTION vecdb.alter_alias(collection_name text, alias text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM vecdb.aliases a WHERE a.alias = collection_name) THEN
        RAISE EXCEPTION '"%" is an alias; an alias must name a collection', collection_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM vecdb._collection(collection_name);
    UPDATE vecdb.aliases a SET collection = collection_name WHERE a.alias = alter_alias.alias;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alias "%" does not exist', alias USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

-- Drops an alias.
CREATE FUNCTION vecdb.drop_alias(alias text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM vecdb.aliases a WHERE a.alias = drop_alias.alias;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alias "%" does not exist', alias USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

-- The aliases (of one collection when collection_name is given).
CREATE FUNCTION vecdb.list_aliases(collection_name text DEFAULT NULL) RETURNS SETOF text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.alias FROM vecdb.aliases a
     WHERE collection_name IS NULL OR a.collection = (vecdb._resolve(collection_name)).name
     ORDER BY a.alias
$$;

-- An alias and the collection it names.
CREATE FUNCTION vecdb.describe_alias(alias text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target text;
BEGIN
    SELECT a.collection INTO target FROM vecdb.aliases a WHERE a.alias = describe_alias.alias;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alias "%" does not exist', alias USING ERRCODE = 'undefined_object';
    END IF;
    RETURN jsonb_build_object('alias', alias, 'collection_name', target);
END
$$;

-- The partitions of a collection. Every collection has _default, which
-- holds all rows until named partitions are available.
CREATE FUNCTION vecdb.list_partitions(collection_name text) RETURNS SETOF text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.name FROM vecdb.partitions p WHERE p.collection = (vecdb._resolve(collection_name)).name ORDER BY p.name
$$;

-- Whether a collection has a partition of that name.
CREATE FUNCTION vecdb.has_partition(collection_name text, partition_name text) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM vecdb.partitions p
                    WHERE p.collection = (vecdb._resolve(collection_name)).name AND p.name = partition_name)
$$;

-- Creates the table of one partition and its catalog row.
-- With a partition key, _default is itself split by HASH of the key into
-- the collection's num_partitions tables (<table>$_default$<i>).
CREATE FUNCTION vecdb._add_partition(c vecdb.collections, partition_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    part name := vecdb._partition_table(c.table_name, c.name, partition_name);
    part_key text;
    n integer;
    sub name;
BEGIN
    SELECT name INTO part_key FROM vecdb.fields WHERE collection = c.name AND is_partition_key;
    SELECT value::integer INTO n FROM vecdb.collection_properties WHERE collection = c.name AND key = 'num_partitions';
    FOR i IN -1 .. CASE WHEN part_key IS NULL THEN -1 ELSE n - 1 END LOOP
        sub := CASE WHEN i < 0 THEN part ELSE vecdb._partition_table(c.table_name, c.name, partition_name || '$' || i) END;
        IF vecdb._table_exists(c.schema_name, sub) THEN
            RAISE EXCEPTION 'a table named %.% already exists', quote_ident(c.schema_name), quote_ident(sub)
                USING ERRCODE = 'duplicate_table';
        END IF;
        IF i < 0 THEN
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES IN (%L)%s', c.schema_name, part,
                           vecdb._table(c), partition_name,
                           CASE WHEN part_key IS NULL THEN '' ELSE format(' PARTITION BY HASH (%I)', part_key) END);
        ELSE
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                           c.schema_name, sub, c.schema_name, part, n, i);
        END IF;
    END LOOP;
    INSERT INTO vecdb.partitions (collection, name, table_name) VALUES (c.name, partition_name, part);
END
$$;

-- Creates a named partition: a partition of the collection's table (LIST on
-- its "$partition" column) that indexes of the collection cover too. A
-- collection holds at most its max_partitions property (default 1024).
CREATE FUNCTION vecdb.create_partition(collection_name text, partition_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    max_partitions integer;
BEGIN
    PERFORM vecdb._check_name('partition', partition_name);
    IF EXISTS (SELECT 1 FROM vecdb.fields WHERE collection = c.name AND is_partition_key) THEN
        RAISE EXCEPTION 'collection "%" has a partition key; its partitions follow the key', c.name
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF vecdb.has_partition(c.name, partition_name) THEN
        RAISE EXCEPTION 'partition "%" already exists in collection "%"', partition_name, c.name
            USING ERRCODE = 'duplicate_object';
    END IF;
    SELECT CASE WHEN value ~ '^[0-9]{1,7}$' THEN value::integer END INTO max_partitions
      FROM vecdb.collection_properties WHERE collection = c.name AND key = 'max_partitions';
    max_partitions := coalesce(max_partitions, 1024);
    IF (SELECT count(*) FROM vecdb.partitions WHERE collection = c.name) >= max_partitions THEN
        RAISE EXCEPTION 'collection "%" already has % partitions, its maximum', c.name, max_partitions
            USING ERRCODE = 'program_limit_exceeded', HINT = 'The collection property max_partitions sets the maximum.';
    END IF;
    PERFORM vecdb._add_partition(c, partition_name);
END
$$;

-- Drops a named partition and its rows; _default cannot be dropped.
CREATE FUNCTION vecdb.drop_partition(collection_name text, partition_name text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c vecdb.collections := vecdb._resolve(collection_name);
    part name;
BEGIN
    IF partition_name = '_default' THEN
        RAISE EXCEPTION 'the _default partition cannot be dropped' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    part := vecdb._partition(c, partition_name);
    EXECUTE format('DROP TABLE %I.%I', c.schema_name, part);
    DELETE FROM vecdb.partitions p WHERE p.collection = c.name AND p.name = partition_name;
END
$$;
