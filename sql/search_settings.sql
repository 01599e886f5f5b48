-- The search settings every vecdb index AM shares (registered when the
-- library loads).
LOAD 'vecdb';
SHOW vecdb.iterative_scan;
SHOW vecdb.max_scan_tuples;
SET vecdb.iterative_scan = off;
SHOW vecdb.iterative_scan;
SET vecdb.iterative_scan = strict_order;
SHOW vecdb.iterative_scan;
SET vecdb.iterative_scan = sideways;
SET vecdb.max_scan_tuples = 0;
SET vecdb.max_scan_tuples = 100;
SHOW vecdb.max_scan_tuples;
RESET vecdb.iterative_scan;
RESET vecdb.max_scan_tuples;
SELECT name, setting, vartype, min_val, max_val, enumvals FROM pg_settings
WHERE name IN ('vecdb.scan_threads', 'vecdb.iterative_scan', 'vecdb.max_scan_tuples') ORDER BY name;

-- flat is exact: a filtered query returns the same rows whatever they say
CREATE TABLE settings_t (id int, v vector(2));
INSERT INTO settings_t SELECT i, ARRAY[sin(i), cos(i * 1.3)]::real[]::vector FROM generate_series(1, 500) i;
CREATE INDEX ON settings_t USING flat (v);
SET enable_seqscan = off;
SET vecdb.iterative_scan = off;
SET vecdb.max_scan_tuples = 1;
EXPLAIN (COSTS OFF) SELECT id FROM settings_t WHERE id % 50 = 3 ORDER BY v <-> '[0.5,0.5]' LIMIT 5;
SELECT id FROM settings_t WHERE id % 50 = 3 ORDER BY v <-> '[0.5,0.5]' LIMIT 5;
RESET vecdb.iterative_scan;
RESET vecdb.max_scan_tuples;
SELECT id FROM settings_t WHERE id % 50 = 3 ORDER BY v <-> '[0.5,0.5]' LIMIT 5;
SET enable_seqscan = on;
SET enable_indexscan = off;
SELECT id FROM settings_t WHERE id % 50 = 3 ORDER BY v <-> '[0.5,0.5]' LIMIT 5;
RESET enable_indexscan;
RESET enable_seqscan;
DROP TABLE settings_t;
