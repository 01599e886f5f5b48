-- Binary send/recv of vector and halfvec (the pgvector wire format):
-- int16 dim, int16 unused = 0, then float4 / binary16 elements, big-endian.

SELECT vector_send('[1,2]'::vector);
SELECT vector_send('[-0.5,1e-45,3.4028235e38]'::vector);
SELECT halfvec_send('[1,2]'::halfvec);
SELECT halfvec_send('[-0.5,65504,6e-8]'::halfvec);

-- Test helper: feeds a payload to a type's receive function by building a
-- one-row binary COPY stream and loading it with COPY FROM PROGRAM (printf
-- of octal escapes), returning the received value as text.
CREATE FUNCTION recv_as(payload bytea, type_name text) RETURNS text AS $$
DECLARE
    stream bytea;
    octal text;
    result text;
BEGIN
    stream := '\x5047434f50590aff0d0a00'::bytea    -- signature PGCOPY\n\377\r\n\0
              || '\x0000000000000000'::bytea         -- flags, header extension length
              || '\x0001'::bytea                     -- one field
              || int4send(length(payload)) || payload
              || '\xffff'::bytea;                    -- trailer
    SELECT string_agg('\' || (b >> 6)::text || ((b >> 3) & 7)::text || (b & 7)::text, '' ORDER BY i)
      INTO octal
      FROM (SELECT i, get_byte(stream, i) AS b FROM generate_series(0, length(stream) - 1) i) bytes;
    EXECUTE format('CREATE TEMP TABLE recv_target (value %s)', type_name);
    EXECUTE format('COPY recv_target FROM PROGRAM %L WITH (FORMAT binary)', 'printf ''' || octal || '''');
    SELECT value::text INTO result FROM recv_target;
    DROP TABLE recv_target;
    RETURN result;
END
$$ LANGUAGE plpgsql;

-- round trips
SELECT recv_as(vector_send('[1,2.5,-0.1]'), 'vector');
SELECT recv_as(vector_send('[1,2.5,-0.1]'), 'vector(3)');
SELECT recv_as(halfvec_send('[1,2.5,-0.1]'), 'halfvec');
SELECT recv_as(halfvec_send('[1,2.5,-0.1]'), 'halfvec(3)');
SELECT recv_as(vector_send(array_fill(0.25, ARRAY[1000])::vector), 'vector') = array_fill(0.25, ARRAY[1000])::vector::text AS long_round_trip;
-- the same bytes the text form gives
SELECT recv_as('\x000200003f80000040000000', 'vector');
SELECT recv_as('\x000200003c004000', 'halfvec');

-- corrupt payloads: 22P03 (terse: the COPY/PL/pgSQL context is noise here)
\set VERBOSITY terse
SELECT recv_as('\x', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x0001', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x00000000', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\xffff00003f800000', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x3e8100003f800000', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x000100013f800000', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x000200003f800000', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x000200003f8000004000', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x000100007fc00000', 'vector');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x00010000ff800000', 'vector');
\echo :LAST_ERROR_SQLSTATE
-- trailing bytes after the elements are refused by COPY itself
SELECT recv_as('\x000100003f80000000', 'vector');
\echo :LAST_ERROR_SQLSTATE
-- the column typmod is enforced on receive: 22000
SELECT recv_as(vector_send('[1,2]'), 'vector(3)');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x0000000000', 'halfvec');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x3e810000', 'halfvec');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x00010002', 'halfvec');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x000200003c00', 'halfvec');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x000100007e00', 'halfvec');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as('\x00010000fc00', 'halfvec');
\echo :LAST_ERROR_SQLSTATE
SELECT recv_as(halfvec_send('[1,2]'), 'halfvec(1)');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

DROP FUNCTION recv_as(bytea, text);
