-- vecdb.verify_index: a sound index reports nothing, through inserts,
-- NULLs, out-of-line values, deletes, VACUUM and updates.
CREATE TABLE vi (id int, v vector(3000));
CREATE INDEX vi_idx ON vi USING flat (v);
SELECT * FROM vecdb.verify_index('vi_idx');
INSERT INTO vi SELECT i, (SELECT array_agg(((i * 5 + d) % 13)::real) FROM generate_series(1, 3000) d)::vector
FROM generate_series(1, 20) i;
INSERT INTO vi VALUES (21, NULL), (22, NULL);
SELECT overflow_pages > 0 AS has_overflow FROM vecdb.index_stats('vi_idx');
SELECT * FROM vecdb.verify_index('vi_idx');
DELETE FROM vi WHERE id % 3 = 0;
-- entries of deleted rows may stay until VACUUM: not a problem
SELECT * FROM vecdb.verify_index('vi_idx');
VACUUM vi;
SELECT * FROM vecdb.verify_index('vi_idx');
UPDATE vi SET v = NULL WHERE id = 1;
UPDATE vi SET id = id + 100 WHERE id = 2;
SELECT * FROM vecdb.verify_index('vi_idx');
-- small vectors on many data pages, and a partial index
CREATE TABLE vs (id int, v vector(4));
INSERT INTO vs SELECT i, ARRAY[i, i % 7, i % 3, 1]::real[]::vector FROM generate_series(1, 3000) i;
CREATE INDEX vs_idx ON vs USING flat (v);
CREATE INDEX vs_part ON vs USING flat (v) WHERE id % 2 = 0;
INSERT INTO vs SELECT i, ARRAY[i, 1, 2, 3]::real[]::vector FROM generate_series(3001, 3500) i;
SELECT count(*) FROM vecdb.verify_index('vs_idx');
SELECT count(*) FROM vecdb.verify_index('vs_part');
BEGIN;
INSERT INTO vs VALUES (9999, '[1,1,1,1]');
SELECT count(*) FROM vecdb.verify_index('vs_idx');
ROLLBACK;
SELECT count(*) FROM vecdb.verify_index('vs_idx');
-- not a vecdb index, or not an index at all
CREATE INDEX vs_id ON vs (id);
SELECT * FROM vecdb.verify_index('vs_id');
SELECT * FROM vecdb.verify_index('vs');
DROP TABLE vi, vs;
