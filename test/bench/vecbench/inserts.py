"""Insert throughput: single-row autocommit INSERTs from one session and from
several concurrent sessions (threads, each with its own connection)."""

import threading
import time

import psycopg2

from .pgsys import TABLE, vector_literal


class InsertSet:
    """Held-out vectors to insert, split into one batch per measurement, with
    ids after the base rows so they can be deleted again."""

    def __init__(self, vectors, first_id, sessions):
        self.vectors, self.first_id = vectors, first_id
        self.sessions = sessions
        per = len(vectors) // (2 if sessions > 1 else 1)
        # Batch 0: the single session; batch 1: the concurrent sessions.
        texts = [f"EXECUTE bench_insert({first_id + i}, '{vector_literal(v)}')"
                 for i, v in enumerate(vectors)]
        self.batches = [texts[:per]] + ([texts[per:2 * per]] if sessions > 1 else [])


# Runs one batch of INSERT texts over `sessions` connections at once and
# returns rows per second (rows / wall time from the common start to the last
# session's end). Connections are opened and prepared before timing.
def timed_inserts(pg, texts, sessions):
    if sessions == 1:
        t0 = time.perf_counter()
        for t in texts:
            pg.cur.execute(t)
        return len(texts) / (time.perf_counter() - t0)
    conns = []
    try:
        for _ in range(sessions):
            c = psycopg2.connect(pg.dsn)
            c.autocommit = True
            c.cursor().execute(f"PREPARE bench_insert(int8, vector) AS "
                               f"INSERT INTO {TABLE} (id, embedding) VALUES ($1, $2)")
            conns.append(c)
        slices = [texts[i::sessions] for i in range(sessions)]
        start = threading.Barrier(sessions + 1)
        errors = []

        # One session's loop (psycopg2 releases the GIL while it waits on the server).
        def work(conn, mine):
            cur = conn.cursor()
            start.wait()
            try:
                for t in mine:
                    cur.execute(t)
            except psycopg2.Error as e:
                errors.append(e)

        threads = [threading.Thread(target=work, args=(c, s)) for c, s in zip(conns, slices)]
        for th in threads:
            th.start()
        start.wait()
        t0 = time.perf_counter()
        for th in threads:
            th.join()
        secs = time.perf_counter() - t0
        if errors:
            raise errors[0]
        return len(texts) / secs
    finally:
        for c in conns:
            c.close()


# Measures every batch of the set (single session, then concurrent); returns
# {"rows": n, "rows_per_s": x} per session count.
def measure(pg, inserts):
    out = {}
    for batch, sessions in zip(inserts.batches, [1, inserts.sessions]):
        out[str(sessions)] = {"rows": len(batch), "rows_per_s": timed_inserts(pg, batch, sessions)}
    return out


# Deletes the inserted rows again, so the next index is built on the base rows only.
def remove(pg, inserts):
    pg.execute(f"DELETE FROM {TABLE} WHERE id >= %s", (inserts.first_id,))
    pg.execute(f"VACUUM (ANALYZE) {TABLE}")
