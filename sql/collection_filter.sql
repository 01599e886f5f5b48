-- Milvus filter expressions: each is compared with the same condition written
-- by hand in SQL over the same rows; then malformed, mistyped and hostile input.
SELECT vecdb.create_collection('items', '{
  "enable_dynamic_field": true,
  "fields": [
    {"name": "id", "type": "INT64", "is_primary": true},
    {"name": "vec", "type": "FLOAT_VECTOR", "params": {"dim": 2}},
    {"name": "price", "type": "DOUBLE"},
    {"name": "qty", "type": "INT32"},
    {"name": "name", "type": "VARCHAR", "params": {"max_length": 32}},
    {"name": "tags", "type": "ARRAY", "params": {"element_type": "VARCHAR", "max_length": 16, "max_capacity": 4}},
    {"name": "nums", "type": "ARRAY", "params": {"element_type": "INT64", "max_capacity": 8}},
    {"name": "meta", "type": "JSON"},
    {"name": "flag", "type": "BOOL"},
    {"name": "opt", "type": "INT64", "nullable": true}
  ]}'::jsonb);
SELECT vecdb.insert('items', $$[
 {"id": 1, "vec": [0,0], "price": 5.5, "qty": 1, "name": "apple", "tags": ["red","fruit"], "nums": [1,2,3],
  "meta": {"color": "red", "w": 1.5, "sub": {"a": 1}}, "flag": true, "opt": 10, "color": "red", "size": 1},
 {"id": 2, "vec": [1,0], "price": 12.0, "qty": 5, "name": "banana", "tags": ["yellow","fruit"], "nums": [2,4],
  "meta": {"color": "yellow", "w": 0.5, "arr": [1,2]}, "flag": false, "opt": null, "color": "yellow", "size": 2},
 {"id": 3, "vec": [0,1], "price": 100, "qty": 0, "name": "cherry", "tags": ["red"], "nums": [],
  "meta": {"color": "red", "w": null}, "flag": true, "opt": 3, "size": 3},
 {"id": 4, "vec": [1,1], "price": 0.5, "qty": 10, "name": "date", "tags": [], "nums": [7],
  "meta": {"w": 2}, "flag": false, "opt": 7, "color": "brown"},
 {"id": 5, "vec": [2,2], "price": 42, "qty": 3, "name": "elder_berry", "tags": ["blue","berry"], "nums": [1,5,9],
  "meta": {"color": 5, "tags": ["x","y"]}, "flag": true, "color": 5, "size": 5},
 {"id": 6, "vec": [3,1], "price": 7.25, "qty": 7, "name": "o'neil", "tags": ["quote\"s"], "nums": [3],
  "meta": {"color": "o'neil"}, "flag": false, "opt": 0, "color": "a;b"},
 {"id": 7, "vec": [1,3], "price": 19.99, "qty": 2, "name": "fig", "tags": ["green","fruit"], "nums": [2,2],
  "meta": {"sub": {"a": 2, "b": "x"}}, "flag": true, "opt": -5, "size": 7},
 {"id": 8, "vec": [4,0], "price": 3, "qty": 8, "name": "grape%", "tags": ["purple"], "nums": [10,20],
  "meta": {"color": "purple", "n": 10}, "flag": false, "opt": 100, "color": "purple", "size": 8},
 {"id": 9, "vec": [0,4], "price": 55, "qty": 4, "name": "Ünïcode", "tags": ["ü"], "nums": [4],
  "meta": {"color": "ü"}, "flag": true, "opt": 4},
 {"id": 10, "vec": [2,5], "price": 1e3, "qty": 6, "name": "kiwi", "tags": ["green"], "nums": [6,6,6],
  "meta": {}, "flag": false, "opt": 6, "size": 10}
]$$);

CREATE TEMP TABLE cases (no serial, expr text, hand text);
INSERT INTO cases (expr, hand) VALUES
 ('price > 10', 'price > 10'),
 ('price >= 42', 'price >= 42'),
 ('price < 5.5', 'price < 5.5'),
 ('price <= 5.5', 'price <= 5.5'),
 ('qty == 5', 'qty = 5'),
 ('qty != 5', 'qty <> 5'),
 ('price > 10 and qty < 5', 'price > 10 AND qty < 5'),
 ('price > 10 && qty < 5', 'price > 10 AND qty < 5'),
 ('price > 100 or qty == 0', 'price > 100 OR qty = 0'),
 ('price > 100 || qty == 0', 'price > 100 OR qty = 0'),
 ('not (price > 10)', 'NOT (price > 10)'),
 ('!(price > 10)', 'NOT (price > 10)'),
 ('qty in [1, 3, 5]', 'qty IN (1, 3, 5)'),
 ('qty not in [1, 3, 5]', 'qty NOT IN (1, 3, 5)'),
 ('name in ["apple", "fig"]', 'name IN (''apple'', ''fig'')'),
 ('name not in ["apple"]', 'name <> ''apple'''),
 ('name like "a%"', 'name LIKE ''a%'''),
 ('name like "%an%"', 'name LIKE ''%an%'''),
 ('name like "%y"', 'name LIKE ''%y'''),
 ('name like "grape\\%"', 'name = ''grape%'''),
 ('name like "_ig"', 'name = ''fig'''),
 ('qty + 1 > 5', 'qty + 1 > 5'),
 ('qty * 2 == 10', 'qty * 2 = 10'),
 ('qty - 3 < 0', 'qty - 3 < 0'),
 ('qty % 2 == 1', 'qty % 2 = 1'),
 ('price / 2 > 10', 'price / 2 > 10'),
 ('qty / 2 == 2', 'qty IN (4, 5)'),
 ('-qty < -5', 'qty > 5'),
 ('price * qty > 100', 'price * qty > 100'),
 ('(price + qty) * 2 > 50', '(price + qty) * 2 > 50'),
 ('1 < qty < 5', 'qty > 1 AND qty < 5'),
 ('10 >= qty >= 5', 'qty <= 10 AND qty >= 5'),
 ('flag == true', 'flag'),
 ('flag', 'flag'),
 ('not flag', 'NOT flag'),
 ('flag != false', 'flag'),
 ('opt is null', 'opt IS NULL'),
 ('opt is not null', 'opt IS NOT NULL'),
 ('opt > 5', 'opt > 5'),
 ('opt in [0, 100]', 'opt IN (0, 100)'),
 ('meta["color"] == "red"', 'meta->''color'' = ''"red"'''),
 ('meta["color"] != "red"', 'jsonb_typeof(meta->''color'') = ''string'' AND meta->>''color'' <> ''red'''),
 ('meta["color"] == 5', 'meta->''color'' = ''5'''),
 ('meta["w"] > 1', 'jsonb_typeof(meta->''w'') = ''number'' AND (meta->>''w'')::numeric > 1'),
 ('meta["sub"]["a"] == 2', 'meta #> ''{sub,a}'' = ''2'''),
 ('meta["sub"]["b"] == "x"', 'meta #> ''{sub,b}'' = ''"x"'''),
 ('meta["arr"][0] == 1', 'meta #> ''{arr,0}'' = ''1'''),
 ('meta["color"] in ["red", "purple"]', 'meta->>''color'' IN (''red'', ''purple'') AND jsonb_typeof(meta->''color'') = ''string'''),
 ('meta["color"] like "p%"', 'meta->>''color'' LIKE ''p%'' AND jsonb_typeof(meta->''color'') = ''string'''),
 ('meta["w"] is null', 'meta->''w'' IS NULL OR meta->''w'' = ''null'''),
 ('meta["w"] is not null', 'meta->''w'' IS NOT NULL AND meta->''w'' <> ''null'''),
 ('meta["color"] is null', 'NOT meta ? ''color'''),
 ('json_contains(meta["tags"], "x")', 'meta->''tags'' @> ''["x"]'''),
 ('json_contains_any(meta["arr"], [2, 9])', 'meta->''arr'' @> ''[2]'' OR meta->''arr'' @> ''[9]'''),
 ('json_contains_all(meta["arr"], [1, 2])', 'meta->''arr'' @> ''[1, 2]'''),
 ('array_contains(tags, "red")', '''red'' = ANY (tags)'),
 ('array_contains(nums, 2)', '2 = ANY (nums)'),
 ('array_contains_all(tags, ["red", "fruit"])', 'tags @> ARRAY[''red'', ''fruit'']::varchar[]'),
 ('array_contains_any(tags, ["blue", "green"])', 'tags && ARRAY[''blue'', ''green'']::varchar[]'),
 ('array_contains_any(nums, [9, 20])', 'nums && ARRAY[9, 20]::bigint[]'),
 ('array_contains_all(nums, [])', 'true'),
 ('array_length(tags) == 2', 'cardinality(tags) = 2'),
 ('array_length(nums) > 2', 'cardinality(nums) > 2'),
 ('array_length(nums) == 0', 'cardinality(nums) = 0'),
 ('tags[0] == "red"', 'tags[1] = ''red'''),
 ('nums[1] > 3', 'nums[2] > 3'),
 ('color == "red"', '"$meta"->''color'' = ''"red"'''),
 ('color != "red"', 'jsonb_typeof("$meta"->''color'') = ''string'' AND "$meta"->>''color'' <> ''red'''),
 ('size > 3', '("$meta"->>''size'')::numeric > 3'),
 ('size is null', 'NOT "$meta" ? ''size'''),
 ('$meta["color"] == "purple"', '"$meta"->>''color'' = ''purple'''),
 ('color in ["red", "brown"]', '"$meta"->>''color'' IN (''red'', ''brown'')'),
 ('color == 5', '"$meta"->''color'' = ''5'''),
 ('size + 1 == 4', '"$meta"->''size'' = ''3'''),
 ('name == "o''neil"', 'name = ''o''''neil'''),
 ('name == ''o\''neil''', 'name = ''o''''neil'''),
 ('color == "a;b"', '"$meta"->>''color'' = ''a;b'''),
 ('name == "Ünïcode"', 'name = ''Ünïcode'''),
 ('name == "\u00dcn\u00efcode"', 'name = ''Ünïcode'''),
 ('tags[0] == "quote\"s"', 'tags[1] = ''quote"s'''),
 ('(price > 10 or qty > 5) and not flag', '(price > 10 OR qty > 5) AND NOT flag'),
 ('price > 10 and (qty < 3 or name like "c%") or opt == -5', 'price > 10 AND (qty < 3 OR name LIKE ''c%'') OR opt = -5'),
 ('not (qty in [1,2]) and opt is not null', 'qty NOT IN (1, 2) AND opt IS NOT NULL'),
 ('meta["color"] == color', 'meta->''color'' = "$meta"->''color'''),
 ('id in [1, 3, 5]', 'id IN (1, 3, 5)'),
 ('id > 7', 'id > 7'),
 ('price == 1e3', 'price = 1000'),
 ('qty >= 1.5', 'qty >= 2'),
 ('price in [5.5, 42]', 'price IN (5.5, 42)'),
 ('flag == (qty > 5)', 'flag = (qty > 5)'),
 ('true', 'true'),
 ('false', 'false'),
 ('not not flag', 'flag'),
 ('qty in []', 'false'),
 ('qty not in []', 'true'),
 ('name > "d"', 'name > ''d'''),
 ('meta["sub"]["a"] > 0 and meta["sub"]["a"] < 2', 'meta #> ''{sub,a}'' = ''1'''),
 ('ARRAY_CONTAINS(tags, "fruit")', '''fruit'' = ANY (tags)'),
 ('price > 10 AND qty < 5', 'price > 10 AND qty < 5'),
 ('NOT flag OR qty == 0', 'NOT flag OR qty = 0'),
 ('-price < -50', 'price > 50'),
 ('price > -1e2 and qty <= -(-3)', 'qty <= 3'),
 ('  qty==3  ', 'qty = 3'),
 ('opt == -9223372036854775808 or opt == 9223372036854775807', 'false'),
 ('array_length(meta["arr"]) == 2', 'jsonb_array_length(meta->''arr'') = 2 AND jsonb_typeof(meta->''arr'') = ''array''');

-- ids the API returns vs ids the hand-written condition selects
CREATE FUNCTION pg_temp.hand_ids(cond text) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE r bigint[];
BEGIN
    EXECUTE format('SELECT coalesce(array_agg(id ORDER BY id), ''{}'') FROM items WHERE %s', cond) INTO r;
    RETURN r;
END $$;
CREATE TEMP TABLE results AS
SELECT no, expr,
       ARRAY(SELECT (e->>'id')::bigint FROM vecdb.query('items', expr) e ORDER BY 1) AS api,
       pg_temp.hand_ids(hand) AS hand
  FROM cases;
SELECT count(*) AS expressions, count(*) FILTER (WHERE api = hand) AS agree,
       count(*) FILTER (WHERE cardinality(hand) BETWEEN 1 AND 9) AS selective
  FROM results;
SELECT no, expr, api, hand FROM results WHERE api IS DISTINCT FROM hand;
-- what each expression selects
SELECT no, expr, api FROM results ORDER BY no;

-- the SQL and parameters an expression compiles to: identifiers quoted from
-- the schema, every literal a parameter
SELECT * FROM vecdb._compile_filter('name == "x\" or 1==1 --" and qty in [1, 2] and meta["a"]["b"] > 1.5',
    ARRAY['name', 'qty', 'meta'], ARRAY['string', 'int', 'json'], ARRAY['int', 'int', 'int'], NULL, 1);

-- malformed expressions: the error names the position
\set VERBOSITY terse
SELECT vecdb.query('items', 'price >');
SELECT vecdb.query('items', 'price = 5');
SELECT vecdb.query('items', '(price > 5');
SELECT vecdb.query('items', 'price > 5)');
SELECT vecdb.query('items', 'price > > 5');
SELECT vecdb.query('items', 'name == "unterminated');
SELECT vecdb.query('items', 'name == "bad \q escape"');
SELECT vecdb.query('items', 'qty in [1, qty]');
SELECT vecdb.query('items', 'qty in 5');
SELECT vecdb.query('items', 'price > 1e999');
SELECT vecdb.query('items', 'qty > 99999999999999999999');
SELECT vecdb.query('items', 'qty > 9223372036854775808');
SELECT vecdb.query('items', '1 < qty > 5');
SELECT vecdb.query('items', 'price & 1');
SELECT vecdb.query('items', 'name like 5');
SELECT vecdb.query('items', 'tags[0');
-- type errors
SELECT vecdb.query('items', 'name > 5');
SELECT vecdb.query('items', 'tags == 1');
SELECT vecdb.query('items', 'vec > 1');
SELECT vecdb.query('items', 'price like "a%"');
SELECT vecdb.query('items', 'qty % 1.5 == 0');
SELECT vecdb.query('items', 'array_contains(price, 1)');
SELECT vecdb.query('items', 'array_contains(tags)');
SELECT vecdb.query('items', 'array_contains(tags, 1)');
SELECT vecdb.query('items', 'array_contains_all(nums, ["a"])');
SELECT vecdb.query('items', 'nosuchfunc(1)');
SELECT vecdb.query('items', 'tags[0][1] == "a"');
SELECT vecdb.query('items', 'price["a"] == 1');
SELECT vecdb.query('items', 'qty');
SELECT vecdb.query('items', 'qty in [1, "a"]');
SELECT vecdb.query('items', 'flag > true');
SELECT vecdb.query('items', 'meta["a"] < meta["b"]');
SELECT vecdb.query('items', '[1, 2]');
-- unknown fields: an error where the collection has no dynamic field
SELECT vecdb.create_collection('strict', '{"fields": [{"name": "id", "type": "INT64", "is_primary": true},
  {"name": "v", "type": "FLOAT_VECTOR", "params": {"dim": 2}}, {"name": "price", "type": "FLOAT"}]}'::jsonb);
SELECT vecdb.query('strict', 'price > 1 and colour == "red"');
SELECT vecdb.query('strict', '$meta["a"] == 1');
SELECT vecdb.query('items', '$other == 1');
SELECT vecdb.query('items', '$meta == 1');

-- hostile input is a literal or an error, never SQL
SELECT vecdb.query('items', 'name == "x\" or 1==1 --"');
SELECT vecdb.query('items', 'name == ''x''; DROP TABLE items; --''');
SELECT vecdb.query('items', 'name == "$$; DROP TABLE items; $$"');
SELECT vecdb.query('items', 'name == "x"; DELETE FROM items');
SELECT vecdb.query('items', 'price > 1 /* comment */');
SELECT count(*) FROM vecdb.query('items', 'price > 1 -- comment');
SELECT vecdb.query('items', '"items".id > 1');
SELECT vecdb.query('items', 'pri"ce > 1');
SELECT vecdb.query('items', 'prïce > 1');
SELECT vecdb.query('items', 'name == "\u0000"');
SELECT vecdb.query('items', 'name == "\ud800"');
SELECT vecdb.query('items', E'price > 1\x01');
SELECT vecdb.query('items', 'id == 1) OR (1 = 1');
SELECT count(*) FROM vecdb.query('items', 'name == "'' OR ''1''=''1"');
SELECT count(*) FROM vecdb.query('items', 'color == "\" OR true) --"');
SELECT count(*) AS rows_left FROM items;
-- very long and deeply nested input: clear limits, not a crash
SELECT vecdb.query('items', repeat('a', 70000));
SELECT count(*) FROM vecdb.query('items', 'qty in [' || (SELECT string_agg(g::text, ',') FROM generate_series(1, 5000) g) || ']');
SELECT count(*) FROM vecdb.query('items', 'flag' || repeat(' or flag', 5000));
SELECT vecdb.query('items', repeat('(', 100) || 'flag' || repeat(')', 100));
SELECT count(*) FROM vecdb.query('items', repeat('(', 60) || 'flag' || repeat(')', 60));
SELECT vecdb.query('items', repeat('not ', 1000) || 'flag');
SELECT vecdb.query('items', '1' || repeat(' + 1', 200) || ' > 0');
SELECT vecdb.query('items', repeat('-', 100) || '1 > 0');
SELECT vecdb.query('items', 'meta' || repeat('["a"]', 100) || ' == 1');
SELECT vecdb.query('items', repeat('[', 100000));
SELECT count(*) AS rows_left FROM items;
SELECT vecdb.drop_collection('items');
SELECT vecdb.drop_collection('strict');
