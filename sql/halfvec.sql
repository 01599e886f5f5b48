-- halfvec: text I/O, typmod, table columns, COPY, NULLs, casts.

-- elements are rounded to IEEE binary16 and printed as the shortest float
-- that reads back to the same half
SELECT '[1,2,3]'::halfvec;
SELECT '[1,2.5,0.1]'::halfvec;
SELECT '[65504,-65504,65519,6e-8,1e-8,-0]'::halfvec;
SELECT ' [ 1 , 2 ] '::halfvec AS whitespace;
SELECT '[0.1]'::halfvec::text::halfvec = '[0.1]'::halfvec AS round_trips;
SELECT vector_dims(('[' || repeat('1,', 15999) || '1]')::halfvec) AS max_dims;

-- typmod
SELECT '[1,2,3]'::halfvec(3);
SELECT format_type('halfvec'::regtype, 3);
CREATE TABLE halfvec_items (id integer, v halfvec(2));
\d halfvec_items
INSERT INTO halfvec_items VALUES (1, '[1,2]'), (2, '[0.5,-0.25]'), (3, NULL);
INSERT INTO halfvec_items VALUES (4, '[1,2,3]');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO halfvec_items VALUES (4, '[1,2,3]'::vector);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO halfvec_items VALUES (4, '[3,4]'::vector), (5, '{5,6}'::integer[]);
SELECT * FROM halfvec_items ORDER BY id;
SELECT typstorage FROM pg_type WHERE typname = 'halfvec';

-- NULL handling
SELECT NULL::halfvec, vector_dims(NULL::halfvec), l2_norm(NULL::halfvec), NULL::halfvec <-> '[1]';

-- COPY text round trip
CREATE TABLE halfvec_copy (id integer, v halfvec);
COPY halfvec_copy FROM STDIN;
1	[1,2]
2	[0.1,-300]
3	\N
\.
COPY halfvec_copy TO STDOUT;
DROP TABLE halfvec_copy;

-- casts
SELECT '{1,2,3}'::integer[]::halfvec, '{1.5,0.1}'::real[]::halfvec,
       '{1.5,0.1}'::double precision[]::halfvec, '{1.5,0.1}'::numeric[]::halfvec;
SELECT '[1,0.1]'::halfvec::real[];
SELECT '[1,0.1]'::vector::halfvec, '[1,0.1]'::halfvec::vector;
SELECT '[1,2]'::vector::halfvec(2), '[1,2]'::halfvec::vector(2);
-- implicit vector <-> halfvec: a halfvec column takes vector values
SELECT castcontext, castsource::regtype, casttarget::regtype FROM pg_cast
 WHERE castsource IN ('vector'::regtype, 'halfvec'::regtype) AND casttarget IN ('vector'::regtype, 'halfvec'::regtype, 'real[]'::regtype)
 ORDER BY castsource::regtype::text, casttarget::regtype::text;
DROP TABLE halfvec_items;
