#!/usr/bin/python3
"""vecdb through pgbouncer in transaction pooling mode (psycopg2).

scripts/test-clients starts Debian's pgbouncer on loopback in front of the
test cluster (pool_mode = transaction, one server connection per pool) and
passes its port in PGBOUNCER_PORT; PGPORT is the cluster itself. With one
server connection, two client connections share one backend, which makes
the pooling visible: what a transaction leaves behind, the next client sees.
"""
import io
import os
import unittest

import psycopg2

from test_psycopg2 import build_copy_binary, parse_copy_binary, vector_bytes, vector_text


def through_pgbouncer():
    """A new autocommit connection through pgbouncer."""
    conn = psycopg2.connect(port=os.environ["PGBOUNCER_PORT"])
    conn.autocommit = True
    return conn


def scalar(conn, query, params=None):
    """The single value a query returns."""
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


# A GUC's value in pg_settings' base unit, as other_value and the defaults
# are (current_setting would say '64kB' where pg_settings says '64').
SETTING = "SELECT setting FROM pg_settings WHERE name = %s"


def other_value(setting):
    """A valid value of a vecdb GUC (a pg_settings row) other than its current one."""
    name, value, vartype, min_val, max_val, enumvals = setting
    if vartype == "integer":
        return min_val if value != min_val else max_val
    if vartype == "real":
        return min_val if value != min_val else max_val
    if vartype == "bool":
        return "off" if value == "on" else "on"
    if vartype == "enum":
        return next(v for v in enumvals if v != value)
    raise AssertionError("unexpected GUC type %s for %s" % (vartype, name))


class PgbouncerTransactionModeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = through_pgbouncer()
        cls.b = through_pgbouncer()
        with cls.a.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS vecdb")
            cur.execute("DROP TABLE IF EXISTS pooled_items")
            cur.execute("CREATE TABLE pooled_items (id int PRIMARY KEY, embedding vector(4))")
            cur.execute(
                "INSERT INTO pooled_items SELECT i, ARRAY[sin(i), cos(i), sin(i * 0.3), i % 7]::vector "
                "FROM generate_series(1, 500) i")
            cur.execute("CREATE INDEX ON pooled_items USING flat (embedding)")
            # vecdb's GUCs exist once the library is loaded (the cast above loaded it)
            cur.execute(
                "SELECT name, setting, vartype, min_val, max_val, enumvals FROM pg_settings "
                "WHERE name LIKE 'vecdb.%' AND context = 'user' ORDER BY name")
            cls.settings = cur.fetchall()

    @classmethod
    def tearDownClass(cls):
        with cls.a.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS pooled_items")
        cls.a.close()
        cls.b.close()

    def exact_ids(self, conn, query_vec, k=10):
        """Ids of the k nearest rows by a sequential scan + sort, in order."""
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("SET LOCAL enable_indexscan = off")
            cur.execute("SELECT id FROM pooled_items ORDER BY embedding <-> %s::vector LIMIT %s",
                        (query_vec, k))
            ids = [r[0] for r in cur.fetchall()]
            cur.execute("COMMIT")
            return ids

    def test_clients_share_one_backend(self):
        # the premise of the tests below: this really is transaction pooling
        self.assertEqual(scalar(self.a, "SELECT pg_backend_pid()"),
                         scalar(self.b, "SELECT pg_backend_pid()"))

    def test_set_local_vecdb_gucs_stay_in_their_transaction(self):
        self.assertTrue(self.settings, "vecdb defines user-settable GUCs")
        query_vec = vector_text([0.5, -0.25, 0.1, 3])
        expected = self.exact_ids(self.a, query_vec)
        for setting in self.settings:
            name, default = setting[0], setting[1]
            value = other_value(setting)
            with self.subTest(guc=name), self.a.cursor() as cur:
                cur.execute("BEGIN")
                cur.execute("SELECT set_config(%s, %s, true)", (name, value))
                cur.execute(SETTING, (name,))
                self.assertEqual(cur.fetchone()[0], value)
                cur.execute("SET LOCAL enable_seqscan = off")
                cur.execute("EXPLAIN (COSTS OFF) SELECT id FROM pooled_items "
                            "ORDER BY embedding <-> %s::vector LIMIT 10", (query_vec,))
                self.assertIn("Index Scan using", "\n".join(r[0] for r in cur.fetchall()))
                cur.execute("SELECT id FROM pooled_items ORDER BY embedding <-> %s::vector LIMIT 10",
                            (query_vec,))
                self.assertEqual([r[0] for r in cur.fetchall()], expected)
                cur.execute("COMMIT")
                # the other client, on the same backend, gets the default back
                self.assertEqual(scalar(self.b, SETTING, (name,)), default)
                self.assertEqual(scalar(self.a, SETTING, (name,)), default)

    def test_session_set_leaks_to_other_clients(self):
        # Why SET LOCAL: a plain SET stays on the server connection, and in
        # transaction mode the next client using it inherits it.
        name, default = self.settings[0][0], self.settings[0][1]
        value = other_value(self.settings[0])
        try:
            scalar(self.a, "SELECT set_config(%s, %s, false)", (name, value))
            self.assertEqual(scalar(self.b, SETTING, (name,)), value)
        finally:
            scalar(self.a, "SELECT set_config(%s, %s, false)", (name, default))

    def test_sql_prepared_statement_inside_a_transaction(self):
        query_vec = vector_text([1, 1, 0, 2])
        expected = self.exact_ids(self.a, query_vec, 5)
        with self.a.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("PREPARE knn(vector, int) AS "
                        "SELECT id FROM pooled_items ORDER BY embedding <-> $1 LIMIT $2")
            cur.execute("EXECUTE knn(%s, 5)", (query_vec,))
            self.assertEqual([r[0] for r in cur.fetchall()], expected)
            cur.execute("EXECUTE knn(%s, 3)", (query_vec,))
            self.assertEqual([r[0] for r in cur.fetchall()], expected[:3])
            cur.execute("DEALLOCATE knn")
            cur.execute("COMMIT")

    def test_binary_copy_in_and_out(self):
        rows = [[(1000 + i).to_bytes(4, "big", signed=True), vector_bytes([i, -i, 0.5, 0.25 * i])]
                for i in range(1, 51)]
        with self.a.cursor() as cur:
            cur.copy_expert("COPY pooled_items FROM STDIN (FORMAT binary)", io.BytesIO(build_copy_binary(rows)))
            out = io.BytesIO()
            cur.copy_expert("COPY (SELECT id, embedding FROM pooled_items WHERE id > 1000 ORDER BY id) "
                            "TO STDOUT (FORMAT binary)", out)
            self.assertEqual(parse_copy_binary(out.getvalue()), rows)
            # the copied rows are in the index
            cur.execute("BEGIN")
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SELECT id FROM pooled_items ORDER BY embedding <-> '[7,-7,0.5,1.75]' LIMIT 1")
            self.assertEqual(cur.fetchone()[0], 1007)
            cur.execute("COMMIT")
            cur.execute("DELETE FROM pooled_items WHERE id > 1000")


if __name__ == "__main__":
    unittest.main(verbosity=2)
