-- Collections: hybrid search. Golden rrf and weighted examples worked by
-- hand; batch, filters, partitions, request forms; errors; and recall of a
-- collection with two dense fields (768-d cosine, 512-d L2), a sparse field
-- and a full-text field against a brute-force fusion of exact per-request
-- lists computed here in SQL (flat: identical, hnsw: >= 0.95).
\set VERBOSITY terse

-- 1. Golden collection: seven rows whose three lists are known exactly.
--    a (L2, query [0,0]):  distance = id, so list A ranks 1 2 3 4 5 6 7
--    b (IP, query [1,0]):  3:0.9375 1:0.875 5:0.75 2:0.625 4:0.5 7:0.375 6:0.25,
--                          so list B ranks 3 1 5 2 4 7 6
--    txt (full text "apple"): 5 has it three times, 2 twice, 3 once, so list
--                          C ranks 5 2 3 (the others do not match)
SELECT vecdb.create_collection('hg', '{
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "a", "type": "FLOAT_VECTOR", "params": {"dim": 2}, "metric_type": "L2"},
    {"name": "b", "type": "FLOAT_VECTOR", "params": {"dim": 2}, "metric_type": "IP"},
    {"name": "txt", "type": "VARCHAR", "nullable": true, "params": {"max_length": 100, "enable_analyzer": true}},
    {"name": "tag", "type": "VARCHAR", "params": {"max_length": 10}}
  ]}'::jsonb);
-- the full-text field: a generated tsvector column with a GIN index
SELECT attname, format_type(atttypid, atttypmod), attgenerated FROM pg_attribute
 WHERE attrelid = 'hg'::regclass AND attname LIKE 'txt%' ORDER BY attnum;
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid = 'hg'::regclass AND NOT indisprimary;
SELECT f->'params' FROM jsonb_array_elements(vecdb.describe_collection('hg')->'fields') f WHERE f->>'name' = 'txt';
SELECT vecdb.insert('hg', '[
 {"id": 1, "a": [1,0], "b": [0.875,0],  "txt": "banana bread",      "tag": "x"},
 {"id": 2, "a": [2,0], "b": [0.625,0],  "txt": "apple apple pie",   "tag": "y"},
 {"id": 3, "a": [3,0], "b": [0.9375,0], "txt": "apple cake",        "tag": "x"},
 {"id": 4, "a": [4,0], "b": [0.5,0],    "txt": "cherry",            "tag": "y"},
 {"id": 5, "a": [5,0], "b": [0.75,0],   "txt": "Apple, APPLE apple", "tag": "x"},
 {"id": 6, "a": [6,0], "b": [0.25,0],   "txt": null,                "tag": "y"},
 {"id": 7, "a": [7,0], "b": [0.375,0],  "txt": "plum",              "tag": "x"}]')->'insert_count';

-- RRF with k = 60, score = sum of 1 / (60 + rank), worked by hand:
--   3: A3 B1 C3 = 1/63 + 1/61 + 1/63 = 0.015873 + 0.016393 + 0.015873 = 0.048139
--   2: A2 B4 C2 = 1/62 + 1/64 + 1/62 = 0.016129 + 0.015625 + 0.016129 = 0.047883
--   5: A5 B3 C1 = 1/65 + 1/63 + 1/61 = 0.015385 + 0.015873 + 0.016393 = 0.047651
--   1: A1 B2    = 1/61 + 1/62        = 0.016393 + 0.016129            = 0.032522
--   4: A4 B5    = 1/64 + 1/65        = 0.015625 + 0.015385            = 0.031010
--   6: A6 B7    = 1/66 + 1/67        = 0.015152 + 0.014925            = 0.030077
--   7: A7 B6    = 1/67 + 1/66                                         = 0.030077
-- 6 and 7 tie: the smaller primary key first.
CREATE TEMP TABLE rrf_golden (pos int, id text, score numeric) ;
INSERT INTO rrf_golden VALUES (1, '3', 0.048139), (2, '2', 0.047883), (3, '5', 0.047651), (4, '1', 0.032522),
                              (5, '4', 0.031010), (6, '6', 0.030077), (7, '7', 0.030077);
CREATE TEMP TABLE got AS
SELECT row_number() OVER () AS pos, query_no, id, round(score::numeric, 6) AS score, distances, entity
  FROM vecdb.hybrid_search('hg', '[
         {"anns_field": "a", "data": [0, 0]},
         {"anns_field": "b", "data": [1, 0]},
         {"anns_field": "txt", "data": "apple"}]', vecdb.rrf_ranker(60), top_k => 10, output_fields => ARRAY['txt']);
SELECT pos, id, score, distances, entity FROM got ORDER BY pos;
SELECT count(*) AS matching_hand_computation FROM got JOIN rrf_golden USING (pos, id, score);
-- the default ranker is rrf with k = 60; top_k keeps the best
SELECT id, round(score::numeric, 6) AS score FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "a", "data": [0, 0]}, {"anns_field": "b", "data": [1, 0]}, {"anns_field": "txt", "data": "apple"}]', top_k => 3);
-- k = 1 changes the order: 1/(1+rank) rewards first places (5 is first in C)
SELECT string_agg(id, ' ' ORDER BY o) FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "a", "data": [0, 0]}, {"anns_field": "b", "data": [1, 0]}, {"anns_field": "txt", "data": "apple"}]',
  '{"strategy": "rrf", "params": {"k": 1}}') WITH ORDINALITY AS h(query_no, id, score, distances, entity, o);

-- The plain-SQL pattern (README): RRF of two ORDER BY ... LIMIT subqueries
-- gives the same ranking as hybrid_search over the same two requests.
WITH dense AS (
       SELECT id, row_number() OVER (ORDER BY d) AS r
         FROM (SELECT id, a <-> '[0,0]' AS d FROM hg ORDER BY a <-> '[0,0]' LIMIT 5) s),
     text AS (
       SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r
         FROM (SELECT id, ts_rank_cd("txt$tsv", q) AS rank FROM hg, websearch_to_tsquery('simple', 'apple') q
                WHERE "txt$tsv" @@ q ORDER BY rank DESC, id LIMIT 5) s)
SELECT id, round(coalesce(1.0 / (60 + dense.r), 0) + coalesce(1.0 / (60 + text.r), 0), 6) AS score
  FROM dense FULL JOIN text USING (id)
 ORDER BY score DESC, id LIMIT 10;
SELECT id, round(score::numeric, 6) AS score FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "a", "data": [0, 0], "limit": 5}, {"anns_field": "txt", "data": "apple", "limit": 5}]');

-- 2. Weighted 0.6 / 0.4 over the L2 request and the IP request, worked by
--    hand: score = 0.6 (1 - 2 atan(d) / pi) + 0.4 (0.5 + atan(s) / pi)
--   1: 0.6 * 0.500000 + 0.4 * 0.728811 = 0.591524
--   2: 0.6 * 0.295167 + 0.4 * 0.677808 = 0.448223
--   3: 0.6 * 0.204833 + 0.4 * 0.739735 = 0.418794
--   5: 0.6 * 0.125666 + 0.4 * 0.704833 = 0.357333
--   4: 0.6 * 0.155958 + 0.4 * 0.647584 = 0.352608
--   7: 0.6 * 0.090334 + 0.4 * 0.614200 = 0.299881
--   6: 0.6 * 0.105137 + 0.4 * 0.577979 = 0.294274
-- (atan(1) = pi/4, so id 1's L2 part is exactly 0.5; the IP list moves 5
-- above 4 and 7 above 6.)
CREATE TEMP TABLE weighted_golden (pos int, id text, score numeric);
INSERT INTO weighted_golden VALUES (1, '1', 0.591524), (2, '2', 0.448223), (3, '3', 0.418794), (4, '5', 0.357333),
                                   (5, '4', 0.352608), (6, '7', 0.299881), (7, '6', 0.294274);
CREATE TEMP TABLE got_w AS
SELECT row_number() OVER () AS pos, id, round(score::numeric, 6) AS score, distances
  FROM vecdb.hybrid_search('hg', ARRAY[vecdb.ann_request('a', '[0, 0]'), vecdb.ann_request('b', '[1, 0]')],
                           vecdb.weighted_ranker(0.6, 0.4));
SELECT * FROM got_w ORDER BY pos;
SELECT count(*) AS matching_hand_computation FROM got_w JOIN weighted_golden USING (pos, id, score);
-- full text normalises as Milvus's BM25: 2 atan(s) / pi (ts_rank_cd of 5 is 0.3)
SELECT id, round(score::numeric, 6) AS score, round((2 * atan(0.3) / pi())::numeric, 6) AS by_hand
  FROM vecdb.hybrid_search('hg', '[{"anns_field": "txt", "data": "apple"}]', vecdb.weighted_ranker(1), top_k => 1);

-- 3. Batch (two query rows per request), per-request limits and filters,
--    the hybrid search's filter and partitions.
SELECT query_no, id, round(score::numeric, 6) AS score, distances FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "a", "data": [[0, 0], [7, 0]], "limit": 3},
  {"anns_field": "txt", "data": ["apple", "cherry or plum"], "limit": 2}]', top_k => 4);
SELECT query_no, id, distances, entity FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "a", "data": [0, 0], "filter": "id > 2"},
  {"anns_field": "b", "param": {}, "data": [1, 0], "limit": 2, "expr": "id != 3"}]',
  filter => 'tag == "x"', output_fields => ARRAY['tag']);
SELECT vecdb.create_partition('hg', 'p2');
SELECT vecdb.insert('hg', '{"id": 8, "a": [0.5, 0], "b": [1, 0], "txt": "apple apple apple apple", "tag": "z"}', 'p2')->'insert_count';
SELECT string_agg(id, ' ' ORDER BY o) AS all_partitions FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "a", "data": [0, 0]}, {"anns_field": "txt", "data": "apple"}]', top_k => 3)
  WITH ORDINALITY AS h(query_no, id, score, distances, entity, o);
SELECT string_agg(id, ' ' ORDER BY o) AS default_only FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "a", "data": [0, 0]}, {"anns_field": "txt", "data": "apple"}]', top_k => 3,
  partition_names => ARRAY['_default']) WITH ORDINALITY AS h(query_no, id, score, distances, entity, o);
SELECT id, entity FROM vecdb.hybrid_search('hg', '[{"anns_field": "txt", "data": "apple"}]', top_k => 1,
                                           output_fields => ARRAY['tag'], partition_names => ARRAY['p2']);
-- a text query matching nothing fuses as an empty list
SELECT string_agg(id, ' ') FROM vecdb.hybrid_search('hg', '[
  {"anns_field": "b", "data": [1, 0], "limit": 2}, {"anns_field": "txt", "data": "durian"}]');
-- an upsert rewrites the tsvector
SELECT vecdb.upsert('hg', '{"id": 4, "a": [4,0], "b": [0.5,0], "txt": "apple", "tag": "y"}')->'upsert_count';
SELECT string_agg(id, ' ') FROM vecdb.hybrid_search('hg', '[{"anns_field": "txt", "data": "apple"}]',
                                                    partition_names => ARRAY['_default']);
-- expired rows (ttl) are left out of full-text lists and entities
SELECT vecdb.alter_collection_properties('hg', '{"ttl": 3600}');
UPDATE hg SET "$inserted_at" = now() - interval '2 hours' WHERE id = 5;
SELECT string_agg(id || ':' || (entity->>'tag'), ' ') FROM vecdb.hybrid_search('hg', '[{"anns_field": "txt", "data": "apple"}]',
                                                    output_fields => ARRAY['tag'], partition_names => ARRAY['_default']);
SELECT vecdb.alter_collection_properties('hg', '{"ttl": null}');
-- VARCHAR primary keys break ties by bytes ("B" before "a"); the text field
-- of a partition-key collection is GIN-indexed in every hash partition
SELECT vecdb.create_collection('hk', '{"num_partitions": 4, "fields": [
  {"name": "k", "type": "VARCHAR", "is_primary": true, "params": {"max_length": 8}},
  {"name": "grp", "type": "INT64", "is_partition_key": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
  {"name": "t", "type": "VARCHAR", "params": {"max_length": 50, "enable_match": true}}]}'::jsonb);
SELECT vecdb.insert('hk', '[{"k": "B", "grp": 1, "v": [1, 0], "t": "sun"}, {"k": "a", "grp": 2, "v": [0, 1], "t": "sun"},
                            {"k": "b", "grp": 3, "v": [1, 1], "t": "sun"}]')->'insert_count';
SELECT count(*) AS gin_indexed_partitions FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
  JOIN pg_am a ON a.oid = x.relam WHERE a.amname = 'gin' AND x.relkind = 'i' AND i.indrelid::regclass::text LIKE '"hk$%';
-- B: 1/61 + 1/63, a: 1/63 + 1/61 (a tie), b: 1/62 + 1/62
SELECT string_agg(id || '@' || round(score::numeric, 6), ' ' ORDER BY o) FROM vecdb.hybrid_search('hk', '[
  {"anns_field": "v", "data": [1, 0]}, {"anns_field": "v", "data": [0, 1]}]')
  WITH ORDINALITY AS h(query_no, id, score, distances, entity, o);
-- equal text ranks: the list is in byte order of the keys (B a b)
SELECT string_agg(id || '@' || round(score::numeric, 6), ' ' ORDER BY o) FROM vecdb.hybrid_search('hk', '[
  {"anns_field": "t", "data": "sun"}]', output_fields => ARRAY['grp'])
  WITH ORDINALITY AS h(query_no, id, score, distances, entity, o);
SELECT vecdb.drop_collection('hk');

-- 4. Errors.
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', '{"strategy": "borda"}');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', '[1]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', vecdb.rrf_ranker(0));
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', vecdb.rrf_ranker(16384));
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', '{"strategy": "rrf", "params": {"k": "60"}}');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', '{"strategy": "rrf", "params": {"kk": 60}}');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}, {"anns_field": "b", "data": [1, 0]}]',
                                  vecdb.weighted_ranker(0.5, 1.5));
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}, {"anns_field": "b", "data": [1, 0]}]',
                                  vecdb.weighted_ranker(-0.1, 0.5));
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}, {"anns_field": "b", "data": [1, 0]}]',
                                  vecdb.weighted_ranker(0.5));
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', '{"strategy": "weighted", "params": {"weights": ["x"]}}');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]',
                                  '{"strategy": "weighted", "params": {"weights": [1], "norm_score": false}}');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "nope", "data": [0, 0]}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "tag", "data": "x"}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "id", "data": 1}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"data": [0, 0]}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a"}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0], "metric": "L2"}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0], "limit": 0}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0], "limit": 2.5}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [[0, 0], [1, 1]]}, {"anns_field": "txt", "data": "apple"}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "txt", "data": 42}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "txt", "data": "apple", "params": {"ef": 10}}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0, 0]}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0], "filter": "nope > 1"}]');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', filter => 'id >');
SELECT * FROM vecdb.hybrid_search('hg', '[]');
SELECT * FROM vecdb.hybrid_search('hg', '{"anns_field": "a"}');
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', top_k => 0);
SELECT * FROM vecdb.hybrid_search('hg', '[{"anns_field": "a", "data": [0, 0]}]', partition_names => ARRAY['nope']);
SELECT * FROM vecdb.hybrid_search('nope', '[{"anns_field": "a", "data": [0, 0]}]');
-- full-text schema errors
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
  {"name": "n", "type": "INT32", "params": {"enable_analyzer": true}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
  {"name": "t", "type": "VARCHAR", "params": {"max_length": 9, "enable_analyzer": true, "analyzer_params": {"type": "klingon"}}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
  {"name": "t", "type": "VARCHAR", "params": {"max_length": 9, "enable_analyzer": true, "analyzer_params": {"tokenizer": "jieba"}}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
  {"name": "t", "type": "VARCHAR", "params": {"max_length": 9, "analyzer_params": {"type": "english"}}}]}'::jsonb);
SELECT vecdb.create_collection('bad', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
  {"name": "t", "type": "VARCHAR", "params": {"max_length": 9, "enable_match": "yes"}}]}'::jsonb);
SELECT vecdb.has_collection('bad');
SELECT vecdb.drop_collection('hg');

-- 5. Recall: two dense fields (768-d cosine, 512-d L2), a sparse field (IP)
--    and a full-text field; 2000 rows generated deterministically (clustered
--    dense vectors, 10 of 100 sparse dimensions, 3-7 words of 16).
SELECT vecdb.create_collection('hy', '{
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "cat", "type": "INT32"},
    {"name": "d768", "type": "FLOAT_VECTOR", "params": {"dim": 768}, "metric_type": "COSINE"},
    {"name": "d512", "type": "FLOAT_VECTOR", "params": {"dim": 512}, "metric_type": "L2"},
    {"name": "sp", "type": "SPARSE_FLOAT_VECTOR", "metric_type": "IP"},
    {"name": "body", "type": "VARCHAR", "params": {"max_length": 200, "enable_analyzer": true,
                                                    "analyzer_params": {"type": "english"}}}
  ]}'::jsonb);
CREATE FUNCTION pg_temp.dense(seed int, dim int) RETURNS vector LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY(SELECT (((seed % 20) * 7919 + j * 104729) % 1000 - 500
                       + (((seed * 6007 + j * 7727) % 1009) - 504) * 0.7)::real
                 FROM generate_series(1, dim) j)::vector $$;
CREATE FUNCTION pg_temp.sparse(seed int, nnz int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_object_agg(k, v) FROM (SELECT ((seed * 7 + m * 13) % 100)::text AS k,
         round((0.1 + abs(sin(seed * 0.37 + m * 1.1)))::numeric, 4) AS v FROM generate_series(0, nnz - 1) m) s $$;
CREATE FUNCTION pg_temp.body(seed int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg((ARRAY['river', 'mountain', 'forest', 'desert', 'ocean', 'valley', 'glacier', 'canyon', 'island',
                           'meadow', 'volcano', 'prairie', 'lagoon', 'tundra', 'savanna', 'marsh'])[1 + (seed * (m + 3) + m * m + seed / 16) % 16],
                    ' ' ORDER BY m)
    FROM generate_series(0, 2 + seed % 5) m $$;
-- (and a rare word, in 5 rows)
CREATE FUNCTION pg_temp.body_of(seed int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.body(seed) || CASE WHEN seed % 400 = 0 THEN ' aurora' ELSE '' END $$;
-- plain SQL into the collection's table (it is an ordinary table)
INSERT INTO hy (id, cat, d768, d512, sp, body)
SELECT i, i % 10, pg_temp.dense(i, 768), pg_temp.dense(i + 5, 512), vecdb._sparse_from_json(pg_temp.sparse(i, 10)), pg_temp.body_of(i)
  FROM generate_series(1, 2000) i;
VACUUM ANALYZE hy;   -- (merges the GIN index's pending list, as autovacuum would)
-- four query rows: new points, 30 sparse dimensions, web-search text (the
-- last one selective: its list has 5 entries, found through the GIN index)
CREATE TEMP TABLE qs AS
SELECT n, pg_temp.dense(3001 + n * 7, 768) AS d768, pg_temp.dense(3006 + n * 7, 512) AS d512, pg_temp.sparse(3000 + n, 30) AS sp,
       (ARRAY['river or forest', 'glacier or canyon', '"ocean valley" or tundra -meadow', 'aurora'])[n] AS body
  FROM generate_series(1, 4) n;
SELECT n, body, (SELECT count(*) FROM hy WHERE "body$tsv" @@ websearch_to_tsquery('english', qs.body)) AS matches FROM qs ORDER BY n;

-- the hybrid requests: each field, 20 candidates per query row
CREATE FUNCTION pg_temp.reqs(params jsonb, filter text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_array(
    jsonb_build_object('anns_field', 'd768', 'data', (SELECT jsonb_agg(d768::text::jsonb ORDER BY n) FROM qs), 'limit', 20,
                       'params', params, 'filter', filter),
    jsonb_build_object('anns_field', 'd512', 'data', (SELECT jsonb_agg(d512::text::jsonb ORDER BY n) FROM qs), 'limit', 20,
                       'params', params, 'filter', filter),
    jsonb_build_object('anns_field', 'sp', 'data', (SELECT jsonb_agg(sp ORDER BY n) FROM qs), 'limit', 20,
                       'params', params, 'filter', filter),
    jsonb_build_object('anns_field', 'body', 'data', (SELECT jsonb_agg(body ORDER BY n) FROM qs), 'limit', 20, 'filter', filter)) $$;
-- the exact per-request lists (no index: "+ 0" hides the ORDER BY from it), best first
CREATE FUNCTION pg_temp.exact_lists(lim int, cat_filter int) RETURNS TABLE (l int, n int, id bigint, r bigint, d float8)
LANGUAGE sql AS $$
  SELECT 1, q.n, x.* FROM qs q CROSS JOIN LATERAL (
    SELECT h.id, row_number() OVER (ORDER BY (h.d768 <=> q.d768) + 0, h.id), 1 - (h.d768 <=> q.d768)
      FROM hy h WHERE cat_filter IS NULL OR h.cat = cat_filter ORDER BY (h.d768 <=> q.d768) + 0, h.id LIMIT lim) x
  UNION ALL
  SELECT 2, q.n, x.* FROM qs q CROSS JOIN LATERAL (
    SELECT h.id, row_number() OVER (ORDER BY (h.d512 <-> q.d512) + 0, h.id), h.d512 <-> q.d512
      FROM hy h WHERE cat_filter IS NULL OR h.cat = cat_filter ORDER BY (h.d512 <-> q.d512) + 0, h.id LIMIT lim) x
  UNION ALL
  SELECT 3, q.n, x.* FROM qs q, vecdb._sparse_from_json(q.sp) AS s(v) CROSS JOIN LATERAL (
    SELECT h.id, row_number() OVER (ORDER BY (h.sp <#> s.v) + 0, h.id), - (h.sp <#> s.v)
      FROM hy h WHERE cat_filter IS NULL OR h.cat = cat_filter ORDER BY (h.sp <#> s.v) + 0, h.id LIMIT lim) x
  UNION ALL
  SELECT 4, q.n, x.* FROM qs q, websearch_to_tsquery('english', q.body) AS t(query) CROSS JOIN LATERAL (
    SELECT h.id, row_number() OVER (ORDER BY ts_rank_cd(h."body$tsv", t.query) DESC, h.id), ts_rank_cd(h."body$tsv", t.query)::float8
      FROM hy h WHERE h."body$tsv" @@ t.query AND (cat_filter IS NULL OR h.cat = cat_filter)
     ORDER BY ts_rank_cd(h."body$tsv", t.query) DESC, h.id LIMIT lim) x $$;
-- their brute-force fusion: rrf (k = 60) or weighted 0.4 / 0.3 / 0.2 / 0.1,
-- each request's term added in request order; the top 10 per query row
CREATE FUNCTION pg_temp.brute(ranker text, cat_filter int) RETURNS TABLE (n int, id text, pos bigint)
LANGUAGE sql AS $$
  WITH p AS (SELECT e.n, e.id,
                    max(e.r) FILTER (WHERE e.l = 1) AS r1, max(e.d) FILTER (WHERE e.l = 1) AS d1,
                    max(e.r) FILTER (WHERE e.l = 2) AS r2, max(e.d) FILTER (WHERE e.l = 2) AS d2,
                    max(e.r) FILTER (WHERE e.l = 3) AS r3, max(e.d) FILTER (WHERE e.l = 3) AS d3,
                    max(e.r) FILTER (WHERE e.l = 4) AS r4, max(e.d) FILTER (WHERE e.l = 4) AS d4
               FROM pg_temp.exact_lists(20, cat_filter) e GROUP BY e.n, e.id),
       s AS (SELECT p.n, p.id, CASE WHEN ranker = 'rrf'
                    THEN coalesce(1::float8 / (60 + p.r1), 0) + coalesce(1::float8 / (60 + p.r2), 0)
                         + coalesce(1::float8 / (60 + p.r3), 0) + coalesce(1::float8 / (60 + p.r4), 0)
                    ELSE coalesce(0.4::float8 * (0.5 + atan(p.d1) / pi()), 0) + coalesce(0.3::float8 * (1 - 2 * atan(p.d2) / pi()), 0)
                         + coalesce(0.2::float8 * (0.5 + atan(p.d3) / pi()), 0) + coalesce(0.1::float8 * (2 * atan(p.d4) / pi()), 0)
                    END AS score FROM p),
       o AS (SELECT s.n, s.id, row_number() OVER (PARTITION BY s.n ORDER BY s.score DESC, s.id) AS pos FROM s)
  SELECT o.n, o.id::text, o.pos FROM o WHERE o.pos <= 10 $$;
-- hybrid_search's top 10 per query row
CREATE FUNCTION pg_temp.hybrid(ranker text, params jsonb, cat_filter int) RETURNS TABLE (n int, id text, pos bigint)
LANGUAGE sql AS $$
  SELECT h.query_no, h.id, row_number() OVER (PARTITION BY h.query_no ORDER BY h.o)
    FROM vecdb.hybrid_search('hy', pg_temp.reqs(params, CASE WHEN cat_filter IS NOT NULL THEN 'cat == ' || cat_filter ELSE '' END),
                             CASE ranker WHEN 'rrf' THEN vecdb.rrf_ranker() ELSE vecdb.weighted_ranker(0.4, 0.3, 0.2, 0.1) END,
                             top_k => 10) WITH ORDINALITY AS h(query_no, id, score, distances, entity, o) $$;
-- recall@10 of hybrid_search against the brute-force fusion, and whether
-- both rankings are identical (same ids at the same places)
CREATE FUNCTION pg_temp.recall(ranker text, params jsonb, cat_filter int, OUT hits bigint, OUT recall numeric, OUT identical boolean)
LANGUAGE sql AS $$
  WITH h AS (SELECT * FROM pg_temp.hybrid(ranker, params, cat_filter)), b AS (SELECT * FROM pg_temp.brute(ranker, cat_filter))
  SELECT (SELECT count(*) FROM h),
         round((SELECT count(*) FROM h JOIN b USING (n, id))::numeric / (SELECT count(*) FROM b), 3),
         (SELECT count(*) FROM h JOIN b USING (n, id, pos)) = (SELECT count(*) FROM b) $$;

-- flat indexes (exact): hybrid search equals the brute-force fusion
SELECT vecdb.create_index('hy', 'd768', 'FLAT', 'COSINE');
SELECT vecdb.create_index('hy', 'd512', 'FLAT', 'L2');
SELECT vecdb.create_index('hy', 'sp', 'FLAT', 'IP');
SELECT 'rrf' AS ranker, * FROM pg_temp.recall('rrf', '{}', NULL)
UNION ALL SELECT 'weighted', * FROM pg_temp.recall('weighted', '{}', NULL)
UNION ALL SELECT 'rrf, cat == 3', * FROM pg_temp.recall('rrf', '{}', 3);
-- every request of one hybrid search goes through its index (the
-- selective full-text query through GIN): index scans counted before and after
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE scans_before AS
SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'hy$_default';
SELECT count(*) AS hits FROM pg_temp.hybrid('rrf', '{}', NULL);
SELECT pg_stat_force_next_flush();
SELECT i.indexrelname AS index, i.idx_scan > b.idx_scan AS scanned
  FROM pg_stat_user_indexes i JOIN scans_before b USING (indexrelname)
 WHERE i.relname = 'hy$_default' AND i.indexrelname !~ 'pkey' ORDER BY 1;

-- hnsw (approximate): recall@10 of the fused ranking >= 0.95
-- (one build thread: the same graphs, so the same recall, on every run)
SET vecdb.hnsw_build_threads = 1;
SELECT vecdb.drop_index('hy', 'd768'), vecdb.drop_index('hy', 'd512'), vecdb.drop_index('hy', 'sp');
SELECT vecdb.create_index('hy', 'd768', 'HNSW', 'COSINE', '{"M": 16, "efConstruction": 64}');
SELECT vecdb.create_index('hy', 'd512', 'HNSW', 'L2', '{"M": 16, "efConstruction": 64}');
SELECT vecdb.create_index('hy', 'sp', 'HNSW', 'IP', '{"M": 16, "efConstruction": 64}');
SELECT 'rrf' AS ranker, hits, recall >= 0.95 AS recall_ok FROM pg_temp.recall('rrf', '{"ef": 200}', NULL)
UNION ALL SELECT 'weighted', hits, recall >= 0.95 FROM pg_temp.recall('weighted', '{"ef": 200}', NULL)
UNION ALL SELECT 'rrf, cat == 3', hits, recall >= 0.95 FROM pg_temp.recall('rrf', '{"ef": 200}', 3);
SELECT vecdb.drop_collection('hy');
