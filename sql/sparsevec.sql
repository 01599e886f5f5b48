-- sparsevec: text I/O, typmod, distances, norms, ordering.
-- text round trip: 1-based indices, shortest float form
SELECT '{1:1.5,3:2}/5'::sparsevec;
SELECT '{}/3'::sparsevec;
SELECT '{1:0.1,2:-3.25e-7,3:123456789}/3'::sparsevec;
SELECT '  { 1 : 1 , 4 : -2.5 }  /  4  '::sparsevec;
SELECT '{1000000000:1}/1000000000'::sparsevec;
-- entries may come in any order: they are stored sorted
SELECT '{5:5,1:1,3:3}/5'::sparsevec;
-- zero values are dropped (including -0)
SELECT '{1:0,2:1,3:-0,4:0.0}/4'::sparsevec;
-- float syntax as for real: exponents, signs, denormals
SELECT '{1:+1e2,2:-1E-2,3:1.401298464324817e-45}/3'::sparsevec;
-- typmod
SELECT '{1:1}/3'::sparsevec(3);
CREATE TABLE sv_t (id int, v sparsevec(4));
INSERT INTO sv_t VALUES (1, '{1:1,2:2}/4'), (2, '{3:1}/4'), (3, '{}/4'), (4, '{1:1,2:2,3:3,4:4}/4');
SELECT * FROM sv_t ORDER BY id;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'sv_t'::regclass AND attname = 'v';
-- binary send/recv round trip (byte layout checked by the client test)
SELECT sparsevec_send('{1:1.5,3:2}/5');
SELECT sparsevec_send('{}/3');
-- distances
SELECT l2_distance('{1:3}/3'::sparsevec, '{2:4}/3');
SELECT '{1:3}/3'::sparsevec <-> '{2:4}/3';
SELECT sparsevec_l2_squared_distance('{1:3}/3', '{2:4}/3');
SELECT l2_distance('{1:1,3:2}/3'::sparsevec, '{1:1,3:2}/3');
SELECT inner_product('{1:1,2:2,3:3}/4'::sparsevec, '{2:4,3:0.5,4:8}/4');
SELECT sparsevec_negative_inner_product('{1:1,2:2,3:3}/4', '{2:4,3:0.5,4:8}/4');
SELECT '{1:1,2:2,3:3}/4'::sparsevec <#> '{2:4,3:0.5,4:8}/4';
SELECT cosine_distance('{1:1,2:1}/2'::sparsevec, '{1:1,2:1}/2');
SELECT cosine_distance('{1:1}/2'::sparsevec, '{2:1}/2');
SELECT cosine_distance('{1:1}/2'::sparsevec, '{1:-2}/2');
SELECT round(('{1:3,2:4}/2'::sparsevec <=> '{1:4,2:3}/2')::numeric, 6);
SELECT cosine_distance('{}/2'::sparsevec, '{1:1}/2');
SELECT l1_distance('{1:1,3:-2}/4'::sparsevec, '{2:1.5,3:2}/4');
SELECT '{1:1,3:-2}/4'::sparsevec <+> '{2:1.5,3:2}/4';
SELECT l1_distance('{}/2'::sparsevec, '{}/2');
-- commutators are registered
SELECT oprname, oprcom::regoperator FROM pg_operator
  WHERE oprleft = 'sparsevec'::regtype AND oprname IN ('<->', '<#>', '<=>', '<+>') ORDER BY oprname;
-- norms
SELECT l2_norm('{1:3,5:4}/5'::sparsevec);
SELECT l2_norm('{}/5'::sparsevec);
SELECT l2_normalize('{1:3,5:4}/5'::sparsevec);
SELECT l2_normalize('{}/5'::sparsevec);
SELECT l2_normalize('{2:-2}/3'::sparsevec);
-- nearest neighbours by each metric
SELECT id, v <-> '{1:1,2:2}/4' AS d FROM sv_t ORDER BY v <-> '{1:1,2:2}/4', id;
SELECT id FROM sv_t ORDER BY v <#> '{4:1}/4', id;
SELECT id FROM sv_t ORDER BY v <+> '{3:1}/4', id LIMIT 2;
-- comparison operators: dense element order, then dimensions
SELECT '{1:1}/3'::sparsevec = '{1:1}/3', '{1:1}/3'::sparsevec = '{1:1}/4', '{1:1}/3'::sparsevec <> '{2:1}/3';
SELECT '{2:1}/3'::sparsevec < '{1:1}/3', '{1:-1}/3'::sparsevec < '{}/3', '{}/3'::sparsevec < '{3:1}/3';
SELECT '{1:1}/3'::sparsevec < '{1:1}/4', '{1:1,3:5}/3'::sparsevec < '{1:1}/4', '{1:2}/3'::sparsevec > '{1:1,2:9}/9';
SELECT '{1:1}/3'::sparsevec <= '{1:1}/3', '{1:1}/3'::sparsevec >= '{1:2}/3';
SELECT sparsevec_cmp('{1:1}/2', '{1:1}/2'), sparsevec_cmp('{1:1}/2', '{2:1}/2'), sparsevec_cmp('{2:1}/2', '{1:1}/2');
SELECT v FROM (VALUES ('{1:1}/2'::sparsevec), ('{}/2'), ('{2:1}/2'), ('{1:-1}/2'), ('{1:1}/1'), ('{}/3')) s(v) ORDER BY v;
-- btree index with the default opclass
CREATE INDEX sv_t_btree ON sv_t (v);
SET enable_seqscan = off;
SELECT id FROM sv_t WHERE v = '{3:1}/4';
RESET enable_seqscan;
SELECT DISTINCT v FROM (VALUES ('{1:1}/2'::sparsevec), ('{1:1}/2'), ('{2:1}/2')) s(v) ORDER BY v;
DROP TABLE sv_t;
