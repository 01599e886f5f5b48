-- Hash opclasses for vector, halfvec and sparsevec: hash joins, hash
-- aggregates, DISTINCT, hash indexes; equal values (= operator) hash alike.
CREATE TABLE hv (id int, v vector(3), h halfvec(3), s sparsevec(5));
INSERT INTO hv SELECT i, ARRAY[i % 4, 0, 1]::vector, ARRAY[i % 3, 1, 0]::halfvec,
    ('{' || (i % 5 + 1) || ':1}/5')::sparsevec FROM generate_series(1, 60) i;
-- -0 equals 0, so it must land in the same hash group
INSERT INTO hv VALUES (61, '[-0,0,1]', '[-0,1,0]', '{1:1}/5');
ANALYZE hv;

SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT DISTINCT v FROM hv;
SELECT DISTINCT v FROM hv ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT h, count(*) FROM hv GROUP BY h;
SELECT h, count(*) FROM hv GROUP BY h ORDER BY 1;
SELECT s, count(*) FROM hv GROUP BY s ORDER BY 1;
RESET enable_sort;

-- hash join on vector equality
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM hv a JOIN hv b ON a.v = b.v;
SELECT count(*) FROM hv a JOIN hv b ON a.v = b.v;
SELECT count(*) FROM hv a JOIN hv b ON a.s = b.s;
RESET enable_mergejoin;
RESET enable_nestloop;
-- the same counts by a merge join
SET enable_hashjoin = off;
SELECT count(*) FROM hv a JOIN hv b ON a.v = b.v;
SELECT count(*) FROM hv a JOIN hv b ON a.s = b.s;
RESET enable_hashjoin;

-- equal values hash alike; order, dimensions and positions count
SELECT vector_hash('[0,1,2]') = vector_hash('[-0,1,2]') AS zero_signs,
       vector_hash('[1,2]') <> vector_hash('[2,1]') AS order_matters,
       vector_hash('[1,2]') <> vector_hash('[1,2,0]') AS dims_matter,
       halfvec_hash('[0,1]') = halfvec_hash('[-0,1]') AS half_zero_signs,
       sparsevec_hash('{1:1,3:2}/4') = sparsevec_hash('{3:2,1:1}/4') AS sparse_order,
       sparsevec_hash('{1:1}/4') <> sparsevec_hash('{1:1}/5') AS sparse_dims;

-- a hash index answers equality lookups
CREATE INDEX hv_v_hash ON hv USING hash (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv WHERE v = '[2,0,1]';
SELECT count(*) FROM hv WHERE v = '[2,0,1]';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE hv;
