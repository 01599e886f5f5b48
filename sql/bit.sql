-- Hamming (<~>) and Jaccard (<%>) distances on the built-in bit type.

-- Hamming: the number of differing positions
SELECT hamming_distance(B'1010', B'0110');
SELECT B'1010' <~> B'0110';
SELECT B'1111' <~> B'1111', B'1111' <~> B'0000';
-- lengths that end inside a byte, and byte-exact ones
SELECT B'1' <~> B'0', B'101010101' <~> B'010101010', B'11110000' <~> B'00001111';
SELECT B'10000000000000001' <~> B'00000000000000001';
-- varbit values and bit(n) casts work through the implicit cast to bit
SELECT B'101'::varbit <~> B'111'::varbit, '1100'::bit(4) <~> '0011'::bit(4);
-- long strings: every kernel path (whole blocks, 8-byte words, partial byte)
SELECT repeat('1', 1000)::bit(1000) <~> repeat('0', 1000)::bit(1000);
SELECT repeat('10', 32000)::varbit <~> repeat('01', 32000)::varbit AS max_length;
SELECT repeat('1011', 999)::varbit <~> repeat('1001', 999)::varbit;
-- the result of bit operators (padding stays clean)
SELECT (B'10101' & B'11100') <~> B'10100', (B'1011' << 1) <~> B'0110';

-- Jaccard: 1 - |a AND b| / |a OR b|
SELECT jaccard_distance(B'1100', B'1010');
SELECT B'1100' <%> B'1010';
SELECT B'1011' <%> B'1011' AS same, B'1100' <%> B'0011' AS disjoint;
SELECT B'0000' <%> B'0011' AS one_empty;
-- two strings without 1 bits: distance 1 (pgvector's answer), not NaN
SELECT B'0000' <%> B'0000' AS both_empty, jaccard_distance(B'000000000', B'000000000');
SELECT repeat('1', 640)::varbit <%> (repeat('1', 160) || repeat('0', 480))::varbit;
SELECT repeat('10', 32000)::varbit <%> repeat('11', 32000)::varbit AS max_length;

-- zero-length bit strings
SELECT B'' <~> B'' AS hamming, B'' <%> B'' AS jaccard;
SELECT ''::varbit <~> ''::varbit;

-- NULL in, NULL out
SELECT hamming_distance(NULL, B'1'), jaccard_distance(B'1', NULL), (NULL::bit <~> B'1') IS NULL;

-- ordering rows by distance
CREATE TABLE bit_items (id int, b bit(8));
INSERT INTO bit_items VALUES (1, B'11110000'), (2, B'11111111'), (3, B'00000000'), (4, B'11100000');
SELECT id, b <~> B'11110000' AS hamming, round((b <%> B'11110000')::numeric, 4) AS jaccard
    FROM bit_items ORDER BY b <~> B'11110000', id;
SELECT id FROM bit_items ORDER BY b <%> B'11000000', id LIMIT 2;
DROP TABLE bit_items;

-- the operators commute with themselves
SELECT oprname, oprleft::regtype, oprright::regtype, oprresult::regtype, oprcom::regoperator
    FROM pg_operator WHERE oprname IN ('<~>', '<%>') ORDER BY oprname;

-- bad input: different lengths
SELECT B'101' <~> B'1010';
\echo :LAST_ERROR_SQLSTATE
SELECT hamming_distance(B'1', B'');
\echo :LAST_ERROR_SQLSTATE
SELECT B'101' <%> B'10101010101';
\echo :LAST_ERROR_SQLSTATE
SELECT jaccard_distance(B'', B'0');
\echo :LAST_ERROR_SQLSTATE
