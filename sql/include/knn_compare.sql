\set ECHO none
-- Test helpers shared by the index AMs' pg_regress files: compare an
-- ORDER BY <distance> query through the index with the same query through
-- a sequential scan + sort. Load with \i sql/include/knn_compare.sql
-- (pg_regress runs psql in the repository root). Not installed with the
-- extension.

-- For exact indexes: runs a query returning (id, distance) in distance
-- order both ways. Equal answers: the same sequence of distances and the
-- same set of rows (rows at equal distance may come in any order, as in any
-- sort). Also says whether the plan used the index.
CREATE OR REPLACE FUNCTION knn_compare(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    wrapped text := 'SELECT string_agg(d::text, '','' ORDER BY n), string_agg(id::text, '','' ORDER BY id), count(*) '
                    || 'FROM (SELECT row_number() OVER () AS n, x.* FROM (' || q || ') x(id, d)) y';
    index_dists text; index_ids text; seq_dists text; seq_ids text; n bigint;
BEGIN
    PERFORM set_config('enable_seqscan', 'off', true);
    EXECUTE wrapped INTO index_dists, index_ids, n;
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_indexscan', 'off', true);
    EXECUTE wrapped INTO seq_dists, seq_ids;
    PERFORM set_config('enable_indexscan', 'on', true);
    RETURN CASE WHEN index_dists IS NOT DISTINCT FROM seq_dists AND index_ids IS NOT DISTINCT FROM seq_ids
                THEN 'same' ELSE 'DIFFERENT' END
        || ' ' || n || ' rows, ' || knn_plan_note(q);
END $$;

-- For approximate indexes: the share of the rows a sequential scan + sort
-- returns that the index scan also returns (recall), reported only as
-- meeting min_recall or not, so expected output stays stable.
CREATE OR REPLACE FUNCTION knn_recall(q text, min_recall float8) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    index_ids bigint[]; seq_ids bigint[]; recall float8;
BEGIN
    PERFORM set_config('enable_seqscan', 'off', true);
    EXECUTE 'SELECT array_agg(id) FROM (' || q || ') x(id, d)' INTO index_ids;
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_indexscan', 'off', true);
    EXECUTE 'SELECT array_agg(id) FROM (' || q || ') x(id, d)' INTO seq_ids;
    PERFORM set_config('enable_indexscan', 'on', true);
    SELECT count(*)::float8 / greatest(cardinality(seq_ids), 1) INTO recall
    FROM (SELECT unnest(seq_ids) INTERSECT ALL SELECT unnest(index_ids)) s;
    RETURN CASE WHEN recall >= min_recall THEN 'recall >= ' || min_recall
                ELSE 'recall ' || round(recall::numeric, 3) || ' < ' || min_recall END
        || ', ' || coalesce(cardinality(seq_ids), 0) || ' rows, ' || knn_plan_note(q);
END $$;

-- Whether the query's plan (with sequential scans disabled) uses an index scan.
CREATE OR REPLACE FUNCTION knn_plan_note(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    plan text := ''; line text;
BEGIN
    PERFORM set_config('enable_seqscan', 'off', true);
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line; END LOOP;
    PERFORM set_config('enable_seqscan', 'on', true);
    RETURN CASE WHEN plan LIKE '%Index Scan using%' THEN 'index used' ELSE 'index NOT used' END;
END $$;

\set ECHO all
