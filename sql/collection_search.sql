-- Collections: vector search compared with the same query in plain SQL over
-- exact distances: top-k, skip, filters, batch, range search, group_by,
-- every metric, with and without a flat index; indexes and load/release.
\set VERBOSITY terse
SELECT vecdb.create_collection('pts', '{
  "enable_dynamic_field": true,
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 3}},
    {"name": "h", "type": "FLOAT16_VECTOR", "params": {"dim": 3}, "metric_type": "COSINE"},
    {"name": "b", "type": "BINARY_VECTOR", "params": {"dim": 16}},
    {"name": "cat", "type": "VARCHAR", "params": {"max_length": 8}},
    {"name": "price", "type": "INT32"}
  ]}'::jsonb);
-- 300 points with distinct distances to the query vectors below
SELECT (vecdb.insert('pts', (SELECT jsonb_agg(jsonb_build_object(
          'id', i,
          'v', jsonb_build_array(round(sin(i * 0.37)::numeric, 4), round(cos(i * 0.91)::numeric, 4), round((i % 17) / 17.0, 4)),
          'h', jsonb_build_array(round(cos(i * 0.13)::numeric, 3), round(sin(i * 0.29)::numeric, 3), 0.5),
          'b', lpad(((i * 2654435761) % 65536)::bit(16)::text, 16, '0'),
          'cat', 'c' || (i % 7),
          'price', (i * 37) % 101,
          'tag', CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END))
        FROM generate_series(1, 300) i)))->'insert_count';
CREATE TEMP TABLE queries (n int, q vector(3));
INSERT INTO queries VALUES (1, '[0.1,0.2,0.3]'), (2, '[-0.5,0.9,0.1]'), (3, '[0.77,-0.3,0.6]');

-- ids and distances from vecdb.search vs plain SQL (same rounding)
CREATE FUNCTION pg_temp.same(api text, hand text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text; h text;
BEGIN
    EXECUTE format('SELECT string_agg(query_no || '':'' || id || ''@'' || round(distance::numeric, 6), '' '' ORDER BY query_no, distance, id) FROM (%s) s', api) INTO a;
    EXECUTE format('SELECT string_agg(query_no || '':'' || id || ''@'' || round(distance::numeric, 6), '' '' ORDER BY query_no, distance, id) FROM (%s) s', hand) INTO h;
    RETURN CASE WHEN a = h THEN 'same (' || (length(a) - length(replace(a, ' ', '')) + 1) || ' hits)'
                ELSE 'DIFFERENT: ' || coalesce(a, 'none') || ' vs ' || coalesce(h, 'none') END;
END $$;

-- top-k, one query
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 5)$$,
  $$SELECT 1 AS query_no, id::text, v <-> '[0.1,0.2,0.3]' AS distance FROM pts ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 5$$);
SELECT query_no, id, round(distance::numeric, 4) AS distance, entity
  FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 3, output_fields => ARRAY['cat', 'price', 'tag']);
-- batch search with a filter and skip
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[[0.1,0.2,0.3],[-0.5,0.9,0.1],[0.77,-0.3,0.6]]', 'v', top_k => 4, skip => 2,
                               filter => 'price > 30 and cat in ["c1", "c2", "c5"] and tag == "even"')$$,
  $$SELECT q.n AS query_no, s.* FROM queries q CROSS JOIN LATERAL (
       SELECT id::text, v <-> q.q AS distance FROM pts
        WHERE price > 30 AND cat IN ('c1', 'c2', 'c5') AND "$meta"->>'tag' = 'even'
        ORDER BY v <-> q.q LIMIT 4 OFFSET 2) s$$);
-- range search, L2: range_filter <= d < radius
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[[0.1,0.2,0.3],[0.77,-0.3,0.6]]', 'v', top_k => 50, radius => 0.6, range_filter => 0.3)$$,
  $$SELECT CASE q.n WHEN 3 THEN 2 ELSE 1 END AS query_no, s.* FROM queries q CROSS JOIN LATERAL (
       SELECT id::text, v <-> q.q AS distance FROM pts WHERE v <-> q.q < 0.6 AND v <-> q.q >= 0.3
        ORDER BY v <-> q.q LIMIT 50) s WHERE q.n IN (1, 3)$$);
-- radius / range_filter inside params, as pymilvus's search_params
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 50, params => '{"metric_type": "L2", "params": {"radius": 0.5}}')$$,
  $$SELECT 1 AS query_no, id::text, v <-> '[0.1,0.2,0.3]' AS distance FROM pts WHERE v <-> '[0.1,0.2,0.3]' < 0.5
     ORDER BY 3 LIMIT 50$$);
-- group_by: the best 2 hits of each of the 3 best groups
SELECT pg_temp.same(
  $$SELECT query_no, id, distance FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 3, group_by_field => 'cat', group_size => 2)$$,
  $$WITH d AS (SELECT id, cat, v <-> '[0.1,0.2,0.3]' AS distance FROM pts),
          r AS (SELECT *, row_number() OVER (PARTITION BY cat ORDER BY distance) AS rn,
                       min(distance) OVER (PARTITION BY cat) AS best FROM d),
          g AS (SELECT cat FROM r GROUP BY cat ORDER BY min(best) LIMIT 3)
     SELECT 1 AS query_no, id::text, distance FROM r WHERE rn <= 2 AND cat IN (SELECT cat FROM g)$$);
SELECT query_no, id, entity->>'cat' AS cat FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 3, group_by_field => 'cat', group_size => 2);
-- cosine on the half-precision field: score = cosine similarity
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[1,0.5,0.2]', anns_field => 'h', top_k => 5)$$,
  $$SELECT 1 AS query_no, id::text, 1 - (h <=> '[1,0.5,0.2]') AS distance FROM pts ORDER BY h <=> '[1,0.5,0.2]' LIMIT 5$$);
-- COSINE range: radius < similarity <= range_filter
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[1,0.5,0.2]', anns_field => 'h', top_k => 100, radius => 0.9, range_filter => 0.99)$$,
  $$SELECT 1 AS query_no, id::text, 1 - (h <=> '[1,0.5,0.2]') AS distance FROM pts
     WHERE 1 - (h <=> '[1,0.5,0.2]') > 0.9 AND 1 - (h <=> '[1,0.5,0.2]') <= 0.99 ORDER BY h <=> '[1,0.5,0.2]' LIMIT 100$$);
-- hamming on the binary field, query given as bytes
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[[170, 85]]', anns_field => 'b', top_k => 6, filter => 'id < 100')$$,
  $$SELECT 1 AS query_no, id::text, (b <~> B'1010101001010101')::float8 AS distance FROM pts WHERE id < 100
     ORDER BY b <~> B'1010101001010101', id LIMIT 6$$);

-- a flat index: the same results, through the index
SELECT vecdb.create_index('pts', 'v', 'FLAT', 'L2');
SELECT vecdb.create_index('pts', 'cat', 'TRIE');
SELECT vecdb.create_index('pts', 'price', 'STL_SORT', index_name => 'price_sort');
SELECT * FROM vecdb.list_indexes('pts');
SELECT vecdb.describe_index('pts', 'v');
SELECT jsonb_array_length(vecdb.describe_collection('pts')->'indexes') AS indexes;
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[[0.1,0.2,0.3],[-0.5,0.9,0.1],[0.77,-0.3,0.6]]', 'v', top_k => 7, filter => 'price < 50')$$,
  $$SELECT q.n AS query_no, s.* FROM queries q CROSS JOIN LATERAL (
       SELECT id::text, v <-> q.q AS distance FROM pts WHERE price < 50 ORDER BY v <-> q.q LIMIT 7) s$$);
-- the search went through the index: the table saw no sequential scan
SELECT pg_stat_force_next_flush();
SELECT sum(seq_scan) AS scans_before FROM pg_stat_user_tables WHERE relid IN (SELECT relid FROM pg_partition_tree('pts')) \gset
SELECT count(*) FROM vecdb.search('pts', '[[0.1,0.2,0.3],[-0.5,0.9,0.1],[0.77,-0.3,0.6]]', 'v', top_k => 7, filter => 'price < 50');
SELECT pg_stat_force_next_flush();
SELECT sum(seq_scan) - :scans_before AS seq_scans FROM pg_stat_user_tables WHERE relid IN (SELECT relid FROM pg_partition_tree('pts'));
-- and without the index it does scan the table
SELECT vecdb.drop_index('pts', 'v');
SELECT count(*) FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 7);
SELECT pg_stat_force_next_flush();
SELECT sum(seq_scan) - :scans_before AS seq_scans FROM pg_stat_user_tables WHERE relid IN (SELECT relid FROM pg_partition_tree('pts'));
-- an index with another metric changes the field's search metric
SELECT vecdb.create_index('pts', 'v', 'FLAT', 'IP');
SELECT vecdb.describe_collection('pts')->'fields'->1->>'metric_type' AS metric;
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 5, params => '{"metric_type": "IP"}')$$,
  $$SELECT 1 AS query_no, id::text, -(v <#> '[0.1,0.2,0.3]') AS distance FROM pts ORDER BY v <#> '[0.1,0.2,0.3]' LIMIT 5$$);
-- IP range: radius < ip <= range_filter
SELECT pg_temp.same(
  $$SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 100, radius => 0.2, range_filter => 0.3)$$,
  $$SELECT 1 AS query_no, id::text, -(v <#> '[0.1,0.2,0.3]') AS distance FROM pts
     WHERE -(v <#> '[0.1,0.2,0.3]') > 0.2 AND -(v <#> '[0.1,0.2,0.3]') <= 0.3 ORDER BY v <#> '[0.1,0.2,0.3]' LIMIT 100$$);

-- load / release
SELECT vecdb.get_load_state('pts');
SELECT vecdb.load('pts') > 0 AS read_blocks;
SELECT vecdb.describe_collection('pts')->>'load_state', vecdb.describe_collection('pts')->'loaded_partitions';
SELECT vecdb.release('pts');
SELECT vecdb.get_load_state('pts'), vecdb.get_load_state('pts', '_default');

-- index errors
SELECT vecdb.create_index('pts', 'v', 'FLAT');
-- IVF_* map to the ivf access method when it exists and are refused otherwise
CREATE FUNCTION pg_temp.ivf_maps(index_type text, params jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    have_ivf boolean := EXISTS (SELECT 1 FROM pg_am WHERE amname = 'ivf');
BEGIN
    PERFORM vecdb.create_index('pts', 'h', index_type, 'L2', params);
    PERFORM vecdb.drop_index('pts', 'h');
    RETURN have_ivf;
EXCEPTION WHEN feature_not_supported THEN
    RETURN NOT have_ivf AND SQLERRM = format('index type %s is not available yet', index_type);
END $$;
SELECT pg_temp.ivf_maps('IVF_FLAT', '{"nlist": 4}'), pg_temp.ivf_maps('IVF_SQ8', '{"nlist": 4}');
-- IVF_PQ is ivf with the pq quantizer (m sub-vectors of nbits each)
SELECT pg_temp.ivf_maps('IVF_PQ', '{"nlist": 4, "m": 3, "nbits": 8}');
SELECT vecdb.create_index('pts', 'h', 'DISKANN');
SELECT vecdb.create_index('pts', 'h', 'FLAT', 'HAMMING');
SELECT vecdb.create_index('pts', 'h', 'FLAT', 'L2', '{"nlist": 8}');
SELECT vecdb.create_index('pts', 'b', 'FLAT', 'HAMMING');
SELECT vecdb.create_index('pts', 'h', 'BIN_FLAT');
SELECT vecdb.create_index('pts', 'cat', 'STL_SORT');
SELECT vecdb.create_index('pts', 'price', 'INVERTED');
SELECT vecdb.create_index('pts', 'nope', 'FLAT');
SELECT vecdb.create_index('pts', 'h', 'FLAT', index_name => 'bad name');
SELECT vecdb.drop_index('pts', 'nope');
SELECT vecdb.describe_index('pts', 'nope');
SELECT * FROM vecdb.list_indexes('pts');
-- a BIN_FLAT index on the binary field and a search through it
SELECT vecdb.create_index('pts', 'b', 'BIN_FLAT', 'HAMMING');
SELECT count(*) FROM vecdb.search('pts', '"1010101001010101"', anns_field => 'b', top_k => 4);

-- search errors
SELECT * FROM vecdb.search('pts', '[0.1,0.2]', 'v');
SELECT * FROM vecdb.search('pts', '[[0.1,0.2,0.3],[1,2]]', 'v');
SELECT * FROM vecdb.search('pts', '[]', 'v');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', anns_field => 'cat');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', anns_field => 'nope');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', top_k => 0);
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', skip => -1);
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', filter => 'price >');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', params => '{"metric_type": "L2"}');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', params => '{"efs": 64}');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', range_filter => 0.5);
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', radius => 0.5, range_filter => 0.1);
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', group_by_field => 'v');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', group_by_field => 'nope');
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', group_by_field => 'cat', group_size => 0);
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', partition_names => ARRAY['nope']);
SELECT count(*) FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', partition_names => ARRAY['_default']);
SELECT * FROM vecdb.search('pts', '[0.1,0.2,0.3]', 'v', output_fields => ARRAY['nope"']);
SELECT vecdb.create_collection('two_vectors', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "a", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "b", "type": "FLOAT_VECTOR", "params": {"dim": 2}}]}'::jsonb);
SELECT * FROM vecdb.search('two_vectors', '[1, 2]');
SELECT vecdb.drop_collection('two_vectors');

-- a sparse collection (inner product)
SELECT vecdb.create_collection('sparse', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "s", "type": "SPARSE_FLOAT_VECTOR"}]}'::jsonb);
SELECT vecdb.insert('sparse', '[{"id": 1, "s": {"0": 1, "5": 2}}, {"id": 2, "s": {"5": 0.5, "9": 3}}, {"id": 3, "s": {"1": 4}}]')->'insert_count';
SELECT query_no, id, distance FROM vecdb.search('sparse', '[{"5": 1, "9": 1}, {"1": 1}]', top_k => 2);
SELECT vecdb.drop_collection('sparse');

-- data as JSON text (untyped literals and text parameters resolve to
-- vecdb.search(text, text, ...)) and as jsonb give the same rows in every
-- data form; text that is not plain numbers takes the jsonb path, so the
-- errors are the same too (an out-of-range number is named as written)
CREATE FUNCTION pg_temp.text_vs_jsonb(data text, field text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN (SELECT array_agg(s::text ORDER BY o) FROM vecdb.search('pts', data, field, top_k => 4)
                        WITH ORDINALITY AS s(a, b, c, d, o))
                   = (SELECT array_agg(s::text ORDER BY o) FROM vecdb.search('pts', data::jsonb, field, top_k => 4)
                        WITH ORDINALITY AS s(a, b, c, d, o))
                THEN 'same' ELSE 'DIFFERENT' END
$$;
SELECT pg_temp.text_vs_jsonb('[0.1,0.2,0.3]', 'v') AS one, pg_temp.text_vs_jsonb(E' [ 1e-1 ,\n2E-1,0.3 ] ', 'v') AS spaces,
       pg_temp.text_vs_jsonb('[[0.1,0.2,0.3],[-0.5,0.9,0.1]]', 'v') AS batch, pg_temp.text_vs_jsonb('[-0, 0.2, 3]', 'v') AS zero,
       pg_temp.text_vs_jsonb('[0.1,0.2,0.3]', 'h') AS half, pg_temp.text_vs_jsonb('"1010101010101010"', 'b') AS bits;
-- jsonb numbers are read into the vector without a text round trip when the
-- float is certain (<= 15 digits, |exponent| <= 22, not a float midpoint);
-- the rest (more digits, midpoints, subnormals) go through their text: the
-- same vectors either way
SELECT pg_temp.text_vs_jsonb('[16777217, 0.1000000000000000055511151231257827, 1.4e-45]', 'v') AS rounding,
       pg_temp.text_vs_jsonb('[8388609.5, -1.00000005960464477539062500000001, 12345678901234567890]', 'v') AS midpoints,
       pg_temp.text_vs_jsonb('[[1e22, 1e-22, 7e-23], [0.5, 100, -0.0], [33554435, 0.30000001192092896, -2.5e-7]]', 'v') AS exponents;
SELECT * FROM vecdb.search('pts', '[0.1, 0.2]'::text, 'v');
SELECT * FROM vecdb.search('pts', '[0.1, 0.2]'::jsonb, 'v');
SELECT * FROM vecdb.search('pts', '[[0.1, 0.2, 0.3], [0.1, +0.2, 0.3]]'::text, 'v');
SELECT * FROM vecdb.search('pts', '[0.1, 0.2, 1e39]'::text, 'v');
SELECT * FROM vecdb.search('pts', '[0.1, 0.2, 1e39]'::jsonb, 'v');
SELECT vecdb.drop_collection('pts');
SELECT count(*) AS indexes_left FROM vecdb.indexes;
