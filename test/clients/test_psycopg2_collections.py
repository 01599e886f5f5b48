#!/usr/bin/python3
"""psycopg2 walking Milvus's quick-start flow through vecdb's collection API.

Create a collection (quick setup and a schema dict), insert rows with a
dynamic field, index, load, search (single, batch, filtered), query, get,
upsert, delete, alias, drop — the way a pymilvus user would, with parameters
passed by the driver. Run by scripts/test-clients (PG* variables point at a
throwaway cluster).
"""
import math
import random
import unittest

import psycopg2
import psycopg2.errors
from psycopg2.extras import Json


def l2(a, b):
    """Euclidean distance."""
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


class CollectionQuickStart(unittest.TestCase):
    def setUp(self):
        self.conn = psycopg2.connect("")
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute("CREATE EXTENSION IF NOT EXISTS vecdb")
        for name in ("quick_setup", "customized"):
            self.cur.execute("SELECT vecdb.has_collection(%s)", (name,))
            if self.cur.fetchone()[0]:
                self.cur.execute("SELECT vecdb.drop_alias(a) FROM vecdb.list_aliases(%s) a", (name,))
                self.cur.execute("SELECT vecdb.drop_collection(%s)", (name,))

    def tearDown(self):
        self.conn.close()

    def one(self, sql, args=()):
        self.cur.execute(sql, args)
        return self.cur.fetchone()[0]

    def test_quick_start(self):
        rng = random.Random(7)
        self.cur.execute("SELECT vecdb.create_collection(%s, dimension => %s)", ("quick_setup", 5))
        self.assertEqual(self.one("SELECT vecdb.get_load_state(%s)", ("quick_setup",)), "NotLoad")
        colors = ["green", "blue", "yellow", "red", "black", "white", "purple", "pink", "orange", "brown"]
        data = [{"id": i, "vector": [round(rng.uniform(-1, 1), 4) for _ in range(5)],
                 "color": colors[i % 10], "tag": i % 4} for i in range(100)]
        result = self.one("SELECT vecdb.insert(%s, %s)", ("quick_setup", Json(data)))
        self.assertEqual(result["insert_count"], 100)
        self.assertEqual(result["ids"], list(range(100)))

        self.cur.execute("SELECT vecdb.create_index(%s, %s, %s, %s)", ("quick_setup", "vector", "FLAT", "L2"))
        self.assertGreater(self.one("SELECT vecdb.load(%s)", ("quick_setup",)), 0)
        self.assertEqual(self.one("SELECT vecdb.describe_collection(%s)", ("quick_setup",))["load_state"], "Loaded")

        # single and batch search, with a filter, against distances computed here
        queries = [[0.35, -0.6, 0.18, -0.26, 0.9], [0.19, 0.06, 0.69, 0.26, 0.58]]
        self.cur.execute(
            "SELECT query_no, id, distance, entity FROM vecdb.search(%s, %s, top_k => %s, filter => %s,"
            " output_fields => %s)",
            ("quick_setup", Json(queries), 3, 'color in ["red", "blue"] and tag != 2', ["color", "tag"]))
        rows = self.cur.fetchall()
        for qno, query in enumerate(queries, start=1):
            expected = sorted((l2(query, d["vector"]), d["id"]) for d in data
                              if d["color"] in ("red", "blue") and d["tag"] != 2)[:3]
            got = [(r[2], int(r[1]), r[3]) for r in rows if r[0] == qno]
            self.assertEqual([g[1] for g in got], [e[1] for e in expected])
            for (dist, _id, entity), (want, want_id) in zip(got, expected):
                self.assertAlmostEqual(dist, want, places=5)
                self.assertEqual(entity["color"], data[want_id]["color"])

        # query and get return entities as dicts
        self.cur.execute("SELECT e FROM vecdb.query(%s, %s, %s, top_k => %s) e",
                         ("quick_setup", 'color like "bl%"', ["color"], 5))
        entities = [r[0] for r in self.cur.fetchall()]
        self.assertEqual([e["id"] for e in entities], [1, 4, 11, 14, 21])
        self.assertTrue(all(e["color"] in ("blue", "black") for e in entities))
        self.cur.execute("SELECT e FROM vecdb.get(%s, %s, %s) e", ("quick_setup", Json([0, 2]), ["vector"]))
        self.assertEqual([r[0]["vector"] for r in self.cur.fetchall()], [data[0]["vector"], data[2]["vector"]])
        self.assertEqual(self.one("SELECT e FROM vecdb.query(%s, %s, %s) e",
                                  ("quick_setup", "tag == 0", ["count(*)"])), {"count(*)": 25})

        # upsert and delete
        self.one("SELECT vecdb.upsert(%s, %s)", ("quick_setup", Json({"id": 0, "vector": [1, 1, 1, 1, 1], "color": "gold"})))
        self.assertEqual(self.one("SELECT e FROM vecdb.get(%s, %s, %s) e", ("quick_setup", Json(0), ["color"])),
                         {"id": 0, "color": "gold"})
        self.assertEqual(self.one("SELECT vecdb.delete(%s, filter => %s)", ("quick_setup", "id in [0, 1, 2]")), 3)
        self.assertEqual(self.one("SELECT vecdb.delete(%s, ids => %s)", ("quick_setup", Json([3, 4]))), 2)
        self.assertEqual(self.one("SELECT count(*) FROM quick_setup"), 95)

        # the collection is a table: plain SQL sees the same rows (id 3 was red)
        self.assertEqual(self.one("SELECT count(*) FROM quick_setup WHERE \"$meta\"->>'color' = 'red'"), 9)

        # errors arrive as SQLSTATEs the driver maps to exception classes
        with self.assertRaises(psycopg2.errors.SyntaxError):
            self.cur.execute("SELECT vecdb.query(%s, %s)", ("quick_setup", "color == "))
        with self.assertRaises(psycopg2.errors.DataException):
            self.cur.execute("SELECT vecdb.insert(%s, %s)", ("quick_setup", Json([{"id": 500, "vector": [1, 2]}])))
        with self.assertRaises(psycopg2.errors.UndefinedTable):
            self.cur.execute("SELECT vecdb.describe_collection(%s)", ("nope",))

        self.cur.execute("SELECT vecdb.release(%s)", ("quick_setup",))
        self.cur.execute("SELECT vecdb.drop_collection(%s)", ("quick_setup",))
        self.assertFalse(self.one("SELECT vecdb.has_collection(%s)", ("quick_setup",)))

    def test_schema_dict_and_alias(self):
        schema = {
            "auto_id": False,
            "enable_dynamic_field": True,
            "fields": [
                {"name": "my_id", "type": "INT64", "is_primary": True},
                {"name": "my_vector", "type": "FLOAT_VECTOR", "params": {"dim": 4}},
                {"name": "my_varchar", "type": "VARCHAR", "params": {"max_length": 64}},
            ],
        }
        # the schema passed by the driver as a plain string literal and as jsonb
        self.cur.execute("SELECT vecdb.create_collection(%s, %s)", ("customized", Json(schema)))
        fields = self.one("SELECT vecdb.describe_collection(%s)->'fields'", ("customized",))
        self.assertEqual([f["name"] for f in fields], ["my_id", "my_vector", "my_varchar"])
        self.cur.execute("SELECT vecdb.create_alias(%s, %s)", ("customized", "cust"))
        self.one("SELECT vecdb.insert(%s, %s)", ("cust", Json([
            {"my_id": 1, "my_vector": [1, 0, 0, 0], "my_varchar": "one"},
            {"my_id": 2, "my_vector": [0, 1, 0, 0], "my_varchar": "two"}])))
        self.cur.execute("SELECT id, entity FROM vecdb.search(%s, %s, top_k => 1, output_fields => %s)",
                         ("cust", Json([0.1, 0.9, 0, 0]), ["my_varchar"]))
        self.assertEqual(self.cur.fetchall(), [("2", {"my_varchar": "two"})])
        with self.assertRaises(psycopg2.errors.DuplicateTable):
            self.cur.execute("SELECT vecdb.create_collection(%s, %s)", ("customized", Json(schema)))
        self.cur.execute("SELECT vecdb.drop_alias(%s)", ("cust",))
        self.cur.execute("SELECT vecdb.drop_collection(%s)", ("customized",))


if __name__ == "__main__":
    unittest.main(verbosity=2)
