#!/usr/bin/python3
"""psycopg2 against vecdb: vector, halfvec and sparsevec in text and binary.

Run by scripts/test-clients with PGHOST/PGPORT/PGUSER/PGDATABASE pointing at
a throwaway cluster. psycopg2 only asks for text results, so binary results
come from COPY ... TO STDOUT (FORMAT binary), parsed here, and binary input
goes through COPY ... FROM STDIN (FORMAT binary) built here. The expected
bytes are the documented wire layouts (the same as pgvector's):
  vector:    int16 dim, int16 unused (0), dim float4
  halfvec:   int16 dim, int16 unused (0), dim IEEE binary16
  sparsevec: int32 dim, int32 nnz, int32 unused (0), nnz int32 0-based
             indices, nnz float4 values
all in network byte order.
"""
import io
import math
import random
import struct
import unittest

import psycopg2
import psycopg2.errors

COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def vector_bytes(values):
    """Binary form of a vector."""
    return struct.pack(">hh%df" % len(values), len(values), 0, *values)


def halfvec_bytes(values):
    """Binary form of a halfvec."""
    return struct.pack(">hh%de" % len(values), len(values), 0, *values)


def sparsevec_bytes(dim, entries):
    """Binary form of a sparsevec from {0-based index: value}."""
    indices = sorted(entries)
    values = [entries[i] for i in indices]
    n = len(indices)
    return struct.pack(">iii%di%df" % (n, n), dim, n, 0, *indices, *values)


def vector_text(values):
    """Text form of a vector (repr is exact for the values used here)."""
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


def sparsevec_text(dim, entries):
    """Text form of a sparsevec from {0-based index: value}, 1-based in text."""
    body = ",".join("%d:%r" % (i + 1, float(entries[i])) for i in sorted(entries))
    return "{%s}/%d" % (body, dim)


def parse_copy_binary(data):
    """Rows of raw field bytes (None for NULL) from a binary COPY stream."""
    buf = io.BytesIO(data)
    if buf.read(len(COPY_SIGNATURE)) != COPY_SIGNATURE:
        raise AssertionError("bad binary COPY signature")
    flags, ext_len = struct.unpack(">ii", buf.read(8))
    if flags & 0x10000:
        raise AssertionError("unexpected OIDs in binary COPY")
    buf.read(ext_len)
    rows = []
    while True:
        (nfields,) = struct.unpack(">h", buf.read(2))
        if nfields == -1:
            break
        row = []
        for _ in range(nfields):
            (length,) = struct.unpack(">i", buf.read(4))
            row.append(None if length == -1 else buf.read(length))
        rows.append(row)
    if buf.read():
        raise AssertionError("data after the binary COPY trailer")
    return rows


def build_copy_binary(rows):
    """A binary COPY stream from rows of raw field bytes (None for NULL)."""
    out = [COPY_SIGNATURE, struct.pack(">ii", 0, 0)]
    for row in rows:
        out.append(struct.pack(">h", len(row)))
        for field in row:
            if field is None:
                out.append(struct.pack(">i", -1))
            else:
                out.append(struct.pack(">i", len(field)) + field)
    out.append(struct.pack(">h", -1))
    return b"".join(out)


def random_float32(rng):
    """A random finite float32 with a non-trivial mantissa."""
    while True:
        f = struct.unpack(">f", struct.pack(">I", rng.getrandbits(32)))[0]
        if math.isfinite(f) and f != 0.0:
            return f


def random_half(rng):
    """A random finite non-zero binary16 value (as a Python float)."""
    while True:
        f = struct.unpack(">e", struct.pack(">H", rng.getrandbits(16)))[0]
        if math.isfinite(f) and f != 0.0:
            return f


class Psycopg2Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.conn = psycopg2.connect("")
        cls.conn.autocommit = True
        with cls.conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS vecdb")

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()

    def setUp(self):
        self.cur = self.conn.cursor()
        self.cur.execute("DROP TABLE IF EXISTS items")
        self.cur.execute(
            "CREATE TABLE items (id int PRIMARY KEY, v vector(3), h halfvec(3), s sparsevec(5))")

    def tearDown(self):
        self.cur.execute("DROP TABLE IF EXISTS items")
        self.cur.close()

    def copy_out_binary(self, query):
        """Runs COPY (query) TO STDOUT in binary and returns the parsed rows."""
        data = io.BytesIO()
        self.cur.copy_expert("COPY (%s) TO STDOUT (FORMAT binary)" % query, data)
        return parse_copy_binary(data.getvalue())

    def copy_in_binary(self, table_cols, rows):
        """Runs COPY table_cols FROM STDIN in binary with the given raw rows."""
        self.cur.copy_expert("COPY %s FROM STDIN (FORMAT binary)" % table_cols,
                             io.BytesIO(build_copy_binary(rows)))

    def test_text_parameters_round_trip(self):
        self.cur.execute(
            "INSERT INTO items VALUES (%s, %s, %s, %s)",
            (1, "[1,2.5,-3]", "[0.5,-1,65504]", "{1:1.5,3:2}/5"))
        self.cur.execute("SELECT v::text, h::text, s::text FROM items WHERE id = %s", (1,))
        self.assertEqual(self.cur.fetchone(), ("[1,2.5,-3]", "[0.5,-1,65504]", "{1:1.5,3:2}/5"))
        # results arrive as text: the type's output function
        self.cur.execute("SELECT v, h, s FROM items")
        self.assertEqual(self.cur.fetchone(), ("[1,2.5,-3]", "[0.5,-1,65504]", "{1:1.5,3:2}/5"))
        # unsorted sparse input is normalised
        self.cur.execute("SELECT %s::sparsevec::text", ("{4:4,2:-2,1:0}/4",))
        self.assertEqual(self.cur.fetchone()[0], "{2:-2,4:4}/4")

    def test_binary_output_layout(self):
        rows = self.copy_out_binary(
            "SELECT '[1,2.5,-3]'::vector, '[0.5,-1,65504]'::halfvec, "
            "'{1:1.5,3:2}/5'::sparsevec, '{}/7'::sparsevec")
        self.assertEqual(len(rows), 1)
        v, h, s, empty = rows[0]
        self.assertEqual(v, vector_bytes([1, 2.5, -3]))
        self.assertEqual(v.hex(), "00030000" "3f800000" "40200000" "c0400000")
        self.assertEqual(h, halfvec_bytes([0.5, -1, 65504]))
        self.assertEqual(h.hex(), "00030000" "3800" "bc00" "7bff")
        self.assertEqual(s, sparsevec_bytes(5, {0: 1.5, 2: 2.0}))
        self.assertEqual(s.hex(), "00000005" "00000002" "00000000"
                                  "00000000" "00000002" "3fc00000" "40000000")
        self.assertEqual(empty, sparsevec_bytes(7, {}))

    def test_binary_input_and_text_readback(self):
        self.copy_in_binary("items (id, v, h, s)", [
            [struct.pack(">i", 1), vector_bytes([1, 2.5, -3]),
             halfvec_bytes([0.5, -1, 65504]), sparsevec_bytes(5, {0: 1.5, 4: -0.25})],
            [struct.pack(">i", 2), vector_bytes([0, 0, 0]), None, sparsevec_bytes(5, {})],
        ])
        self.cur.execute("SELECT id, v::text, h::text, s::text FROM items ORDER BY id")
        self.assertEqual(self.cur.fetchall(), [
            (1, "[1,2.5,-3]", "[0.5,-1,65504]", "{1:1.5,5:-0.25}/5"),
            (2, "[0,0,0]", None, "{}/5"),
        ])

    def test_random_values_binary_text_binary(self):
        # Exact float32/float16 bit patterns in binary, out as text, back in
        # from that text and out as binary again: the bytes must not change,
        # so the shortest text form round-trips every value.
        rng = random.Random(20240601)
        self.cur.execute("CREATE TEMP TABLE rt (id int, v vector, h halfvec, s sparsevec)")
        rows = []
        for i in range(200):
            dim = rng.randint(1, 40)
            vec = [random_float32(rng) for _ in range(dim)]
            half = [random_half(rng) for _ in range(dim)]
            sdim = rng.randint(1, 1000000000)
            entries = {rng.randrange(sdim): random_float32(rng)
                       for _ in range(rng.randint(0, min(sdim, 30)))}
            rows.append([struct.pack(">i", i), vector_bytes(vec), halfvec_bytes(half),
                         sparsevec_bytes(sdim, entries)])
        self.copy_in_binary("rt", rows)
        self.cur.execute("CREATE TEMP TABLE rt2 AS "
                         "SELECT id, v::text::vector AS v, h::text::halfvec AS h, "
                         "s::text::sparsevec AS s FROM rt")
        back = self.copy_out_binary("SELECT id, v, h, s FROM rt2 ORDER BY id")
        self.assertEqual(back, rows)
        self.cur.execute("DROP TABLE rt, rt2")

    def test_corrupt_binary_input_is_rejected(self):
        bad = struct.pack(">iiiif", 5, 1, 0, 5, 1.0)  # index 5 for dim 5
        with self.assertRaises(psycopg2.Error) as ctx:
            self.copy_in_binary("items (id, s)", [[struct.pack(">i", 9), bad]])
        self.assertEqual(ctx.exception.pgcode, "22P03")
        bad = struct.pack(">iiiiiff", 5, 2, 0, 3, 1, 1.0, 2.0)  # indices not increasing
        with self.assertRaises(psycopg2.Error) as ctx:
            self.copy_in_binary("items (id, s)", [[struct.pack(">i", 9), bad]])
        self.assertEqual(ctx.exception.pgcode, "22P03")
        with self.assertRaises(psycopg2.Error) as ctx:  # wrong dimension for vector(3)
            self.copy_in_binary("items (id, v)", [[struct.pack(">i", 9), vector_bytes([1, 2])]])
        self.assertEqual(ctx.exception.pgcode, "22000")
        self.cur.execute("SELECT count(*) FROM items")
        self.assertEqual(self.cur.fetchone()[0], 0)

    def test_bad_text_parameters(self):
        for literal, typ, code in [
            ("{1:NaN}/3", "sparsevec", "22003"),
            ("{1:1,1:2}/3", "sparsevec", "22P02"),
            ("{1:1}", "sparsevec", "22P02"),
            ("[1,2", "vector", "22P02"),
        ]:
            with self.assertRaises(psycopg2.Error) as ctx:
                self.cur.execute("SELECT %%s::%s" % typ, (literal,))
            self.assertEqual(ctx.exception.pgcode, code, literal)

    def test_copy_text_round_trip(self):
        self.cur.execute(
            "INSERT INTO items VALUES (1, '[1,2,3]', '[1,2,3]', '{1:1,5:5}/5'), "
            "(2, '[-0.125,1e-7,3e10]', '[-0.125,0.0001,60000]', '{}/5'), "
            "(3, NULL, NULL, '{2:0.1}/5')")
        out = io.StringIO()
        self.cur.copy_expert("COPY items TO STDOUT", out)
        text = out.getvalue()
        self.assertIn("1\t[1,2,3]\t[1,2,3]\t{1:1,5:5}/5\n", text)
        self.assertIn("3\t\\N\t\\N\t{2:0.1}/5\n", text)
        self.cur.execute("CREATE TEMP TABLE items2 (LIKE items)")
        self.cur.copy_expert("COPY items2 FROM STDIN", io.StringIO(text))
        self.cur.execute(
            "SELECT count(*) FROM items a JOIN items2 b USING (id) "
            "WHERE a.v::text IS NOT DISTINCT FROM b.v::text "
            "AND a.h::text IS NOT DISTINCT FROM b.h::text AND a.s::text = b.s::text")
        self.assertEqual(self.cur.fetchone()[0], 3)
        out2 = io.StringIO()
        self.cur.copy_expert("COPY items2 TO STDOUT", out2)
        self.assertEqual(out2.getvalue(), text)
        self.cur.execute("DROP TABLE items2")

    def test_nearest_neighbours_with_parameters(self):
        rng = random.Random(7)
        points = {}
        for i in range(1, 101):
            p = [rng.randint(-20, 20) / 4 for _ in range(3)]
            points[i] = p
            sparse = {j: x for j, x in enumerate(p) if x != 0}
            self.cur.execute("INSERT INTO items VALUES (%s, %s, %s, %s)",
                             (i, vector_text(p), vector_text(p), sparsevec_text(5, sparse)))
        query = [1.25, -0.5, 3.0]

        def expected(key, k):
            return sorted(points, key=lambda i: (key(points[i]), i))[:k]

        def l2(p):
            return sum((a - b) ** 2 for a, b in zip(p, query))

        def neg_ip(p):
            return -sum(a * b for a, b in zip(p, query))

        def l1(p):
            return sum(abs(a - b) for a, b in zip(p, query))

        for column, cast, q in [("v", "vector", vector_text(query)),
                                ("h", "halfvec", vector_text(query)),
                                ("s", "sparsevec", sparsevec_text(5, dict(enumerate(query))))]:
            for op, key in [("<->", l2), ("<#>", neg_ip), ("<+>", l1)]:
                self.cur.execute(
                    "SELECT id FROM items ORDER BY %s %s %%s::%s, id LIMIT %%s" % (column, op, cast),
                    (q, 5))
                got = [r[0] for r in self.cur.fetchall()]
                self.assertEqual(got, expected(key, 5), "%s %s" % (cast, op))
        # distances come back as float8 through parameters too
        self.cur.execute("SELECT %s::sparsevec <-> %s::sparsevec",
                         ("{1:3}/2", "{2:4}/2"))
        self.assertEqual(self.cur.fetchone()[0], 5.0)
        self.cur.execute("SELECT l2_distance(%s::vector, %s::vector)", ("[0,3]", "[4,0]"))
        self.assertEqual(self.cur.fetchone()[0], 5.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
