-- The flat index over halfvec, sparsevec and bit: the same answers as a
-- sequential scan for every operator class.
CREATE FUNCTION knn_same(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE via_index text; via_seq text; n bigint; plan text := ''; line text;
BEGIN
    PERFORM set_config('enable_seqscan', 'off', true);
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line; END LOOP;
    EXECUTE 'SELECT string_agg(x::text, '';''), count(*) FROM (' || q || ') x' INTO via_index, n;
    PERFORM set_config('enable_seqscan', 'on', true);
    PERFORM set_config('enable_indexscan', 'off', true);
    EXECUTE 'SELECT string_agg(x::text, '';'') FROM (' || q || ') x' INTO via_seq;
    PERFORM set_config('enable_indexscan', 'on', true);
    RETURN CASE WHEN via_index IS NOT DISTINCT FROM via_seq THEN 'same' ELSE 'DIFFERENT' END
        || ' ' || n || ' rows, '
        || CASE WHEN plan LIKE '%Index Scan using%' THEN 'index used' ELSE 'index NOT used' END;
END $$;

CREATE TABLE h (id int, v halfvec(4));
INSERT INTO h SELECT i, ('[' || (i % 7) || ',' || (i % 11) || ',' || (i % 13) || ',' || (i % 5) || '.5]')::halfvec
FROM generate_series(1, 200) i;
INSERT INTO h VALUES (0, NULL);
CREATE INDEX h_l2 ON h USING flat (v halfvec_l2_ops);
SELECT knn_same($$SELECT id, v <-> '[1,2,3,4]' FROM h ORDER BY v <-> '[1,2,3,4]', id LIMIT 25$$);
DROP INDEX h_l2;
CREATE INDEX h_ip ON h USING flat (v halfvec_ip_ops);
SELECT knn_same($$SELECT id, v <#> '[1,-2,3,1]' FROM h ORDER BY v <#> '[1,-2,3,1]', id LIMIT 25$$);
DROP INDEX h_ip;
CREATE INDEX h_cos ON h USING flat (v halfvec_cosine_ops);
SELECT knn_same($$SELECT id, v <=> '[1,2,3,4]' FROM h ORDER BY v <=> '[1,2,3,4]', id LIMIT 25$$);
DROP INDEX h_cos;
CREATE INDEX h_l1 ON h USING flat (v halfvec_l1_ops);
SELECT knn_same($$SELECT id, v <+> '[1,2,3,4]' FROM h WHERE id % 3 = 0 ORDER BY v <+> '[1,2,3,4]', id LIMIT 25$$);

CREATE TABLE s (id int, v sparsevec(50));
INSERT INTO s SELECT i, ('{' || (i % 50 + 1) || ':' || (i % 7 + 1) || ',' || ((i * 7) % 50 + 1) || ':-' || (i % 3 + 1) || '}/50')::sparsevec
FROM generate_series(1, 200) i WHERE (i % 50) <> ((i * 7) % 50);
INSERT INTO s VALUES (0, NULL);
CREATE INDEX s_l2 ON s USING flat (v sparsevec_l2_ops);
SELECT knn_same($$SELECT id, v <-> '{1:1,8:-1}/50' FROM s ORDER BY v <-> '{1:1,8:-1}/50', id LIMIT 25$$);
DROP INDEX s_l2;
CREATE INDEX s_ip ON s USING flat (v sparsevec_ip_ops);
SELECT knn_same($$SELECT id, v <#> '{1:1,8:-1}/50' FROM s ORDER BY v <#> '{1:1,8:-1}/50', id LIMIT 25$$);
DROP INDEX s_ip;
CREATE INDEX s_cos ON s USING flat (v sparsevec_cosine_ops);
SELECT knn_same($$SELECT id, v <=> '{1:1,8:-1}/50' FROM s ORDER BY v <=> '{1:1,8:-1}/50', id LIMIT 25$$);
DROP INDEX s_cos;
CREATE INDEX s_l1 ON s USING flat (v sparsevec_l1_ops);
SELECT knn_same($$SELECT id, v <+> '{1:1,8:-1}/50' FROM s ORDER BY v <+> '{1:1,8:-1}/50', id LIMIT 25$$);

CREATE TABLE b (id int, v bit(64));
INSERT INTO b SELECT i, (((i * 2654435761) % 4294967296)::bigint::bit(32) || ((i * 40503) % 65536)::bit(32))
FROM generate_series(1, 200) i;
INSERT INTO b VALUES (0, NULL);
CREATE INDEX b_ham ON b USING flat (v bit_hamming_ops);
SELECT knn_same($$SELECT id, v <~> (SELECT v FROM b WHERE id = 7) FROM b ORDER BY v <~> (SELECT v FROM b WHERE id = 7), id LIMIT 25$$);
DROP INDEX b_ham;
CREATE INDEX b_jac ON b USING flat (v bit_jaccard_ops);
SELECT knn_same($$SELECT id, v <%> (SELECT v FROM b WHERE id = 7) FROM b ORDER BY v <%> (SELECT v FROM b WHERE id = 7), id LIMIT 25$$);
-- a query of another length errors like the operator does
SET enable_seqscan = off;
SELECT id FROM b ORDER BY v <~> B'101' LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
