"""Loads the rows and builds the indexes for hnsw_search_cost/run, and
writes the single-user query files: q-QUANTIZER-P.sql runs NQ queries P times."""
import io
import os
import sys

import numpy as np
import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from vecbench import datasets  # noqa: E402

tmp, port, n, nq, ef, quantizers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6].split(",")
try:
    ds = datasets.fashion_mnist()
    base, queries, name = ds.base[:n], ds.queries[:nq], "fashion-mnist"
except Exception:  # the Debian package is missing: the same shape, generated
    ds = datasets.clustered(n, 784, nq)
    base, queries, name = ds.base, ds.queries, "clustered"
print(f"# {name}: {len(base)} x {base.shape[1]}, m = 16, ef_construction = 64", flush=True)
conn = psycopg2.connect(host=tmp, port=port, user="postgres", dbname="postgres")
conn.autocommit = True
cur = conn.cursor()
cur.execute("CREATE EXTENSION vecdb")
cur.execute(f"CREATE TABLE items (id int, embedding vector({base.shape[1]}))")
buf = io.StringIO()
for i, v in enumerate(base):
    buf.write(f"{i}\t[{','.join('%g' % x for x in v)}]\n")
buf.seek(0)
cur.copy_expert("COPY items FROM STDIN", buf)
cur.execute("SET vecdb.hnsw_build_threads = 2")
for q in quantizers:
    cur.execute(f"CREATE TABLE items_{q} AS TABLE items")
    cur.execute(f"CREATE INDEX ON items_{q} USING hnsw (embedding vector_l2_ops) "
                f"WITH (m = 16, ef_construction = 64, quantizer = '{q}')")
    for passes in (1, 3):
        with open(os.path.join(tmp, f"q-{q}-{passes}.sql"), "w") as f:
            f.write(f"SET enable_seqscan = off;\nSET vecdb.hnsw_ef_search = {ef};\n")
            for _ in range(passes):
                for v in queries:
                    f.write(f"SELECT id FROM items_{q} ORDER BY embedding <-> "
                            f"'[{','.join('%g' % x for x in v)}]' LIMIT 10;\n")
