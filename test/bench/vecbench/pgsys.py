"""vecdb in Postgres as a system under test: binary COPY load, exact search,
index builds through any access method, and the SELECT 1 protocol floor."""

import io
import re
import struct
import time

import numpy as np
import psycopg2

TABLE = "bench_items"
INDEX = "bench_idx"

# Sweep keys that have a short name; any other key with a dot is a GUC as is.
SWEEP_GUCS = {"ef": "vecdb.hnsw_ef_search", "probes": "vecdb.ivf_probes"}

OPS = {"l2": ("vector_l2_ops", "<->"), "cosine": ("vector_cosine_ops", "<=>")}


class Skip(Exception):
    """A system that cannot run here (missing type or access method)."""


# A file-like object streaming a PGCOPY binary stream of (id int8, embedding
# vector[, category int4]) rows, built with numpy a chunk at a time instead of
# all at once.
class CopyStream(io.RawIOBase):
    # The binary COPY signature, flags (int32 0) and header extension length (int32 0).
    HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    TRAILER = struct.pack(">h", -1)

    def __init__(self, base, chunk=4096, category=None):
        self.base, self.chunk, self.pos = base, chunk, 0
        self.category = category
        self.buf = bytearray(self.HEADER)
        self.done = False
        dim = base.shape[1]
        # One tuple: field count, then per field its byte length and value;
        # the vector value is pgvector's binary form: int16 dim, int16 0, float4s.
        fields = [("nfields", ">i2"), ("len_id", ">i4"), ("id", ">i8"),
                  ("len_vec", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("x", ">f4", (dim,))]
        if category is not None:
            fields += [("len_cat", ">i4"), ("cat", ">i4")]
        self.dtype = np.dtype(fields)

    def readable(self):
        return True

    # Appends the next chunk of encoded rows (or the trailer) to the buffer.
    def _fill(self):
        n = self.base.shape[0]
        if self.pos >= n:
            self.buf += self.TRAILER
            self.done = True
            return
        end = min(n, self.pos + self.chunk)
        rows = np.empty(end - self.pos, dtype=self.dtype)
        rows["nfields"] = 2 if self.category is None else 3
        rows["len_id"] = 8
        rows["id"] = np.arange(self.pos, end)
        rows["len_vec"] = 4 + 4 * self.base.shape[1]
        rows["dim"] = self.base.shape[1]
        rows["unused"] = 0
        rows["x"] = self.base[self.pos:end]
        if self.category is not None:
            rows["len_cat"] = 4
            rows["cat"] = self.category[self.pos:end]
        self.buf += rows.tobytes()
        self.pos = end

    def read(self, size=-1):
        while not self.done and (size < 0 or len(self.buf) < size):
            self._fill()
        if size < 0:
            size = len(self.buf)
        out = bytes(self.buf[:size])
        del self.buf[:size]
        return out


# The text form of a vector, exact for float32 values ('[1.5,2.0,...]').
def vector_literal(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


class Postgres:
    """One connection to the benchmark database; everything runs on it."""

    def __init__(self, dsn, log, parallel_workers=0, storage="default", collection=False,
                 category=None):
        self.dsn, self.log = dsn, log
        self.storage = storage
        self.collection = collection
        self.category = category   # the --filter column of the base rows, or None
        self.index_names = []      # the benchmark index and its partitions, once built
        self._texts = {}           # EXECUTE texts per (statement, more), built once
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.literals = None
        # Single-threaded per query unless asked otherwise, like the in-process
        # references; no JIT (it would compile on every execution of the plan).
        self.execute(f"SET max_parallel_workers_per_gather = {int(parallel_workers)}")
        self.execute("SET jit = off")
        self.execute("SET plan_cache_mode = force_generic_plan")
        self.has_vector = self._init_extension()

    def execute(self, sql, params=None):
        self.cur.execute(sql, params)

    def scalar(self, sql, params=None):
        self.cur.execute(sql, params)
        return self.cur.fetchone()[0]

    # Server version, vecdb version and settings that matter for the numbers.
    def describe(self):
        info = {"server_version": self.scalar("SHOW server_version")}
        for name in ("shared_buffers", "maintenance_work_mem", "max_parallel_maintenance_workers",
                     "max_parallel_workers_per_gather", "work_mem"):
            info[name] = self.scalar(f"SHOW {name}")
        info["vecdb_version"] = self.scalar(
            "SELECT extversion FROM pg_extension WHERE extname = 'vecdb'")
        # Every vecdb setting as the session starts (scan threads, iterative scan, ...).
        self.execute("SELECT name, setting FROM pg_settings WHERE name LIKE 'vecdb.%' ORDER BY name")
        info["vecdb_settings"] = dict(self.cur.fetchall())
        return info

    # Creates the extension and tells whether it has the vector type yet.
    def _init_extension(self):
        try:
            self.execute("CREATE EXTENSION IF NOT EXISTS vecdb")
        except psycopg2.Error as e:
            self.log(f"vecdb: CREATE EXTENSION failed: {e.pgerror or e}".strip())
            return False
        return self.scalar("SELECT to_regtype('vector') IS NOT NULL")

    # Whether an index access method of this name is installed.
    def am_exists(self, name):
        return bool(self.scalar(
            "SELECT count(*) FROM pg_am WHERE amname = %s AND amtype = 'i'", (name,)))

    # Loads the base vectors with binary COPY; returns seconds taken.
    def load(self, ds, k):
        if not self.has_vector:
            raise Skip("the vecdb extension has no vector type in this build")
        self.metric = ds.metric
        if self.scalar("SELECT to_regproc('vecdb.has_collection') IS NOT NULL") and \
                self.scalar("SELECT vecdb.has_collection(%s)", (TABLE,)):
            self.execute("SELECT vecdb.drop_collection(%s)", (TABLE,))
        self.execute(f"DROP TABLE IF EXISTS {TABLE}")
        t0 = time.perf_counter()
        self.execute("BEGIN")
        # Created in the same transaction as the COPY, so with wal_level=minimal
        # the data is not WAL-logged twice. By default the column keeps the
        # type's storage (EXTERNAL: vectors over ~2 kB live in TOAST, as in a
        # user's table); --storage plain keeps them inline in the heap, which
        # spares a sequential scan the TOAST lookups.
        if self.collection:
            # The same table made by the collection API (id int8 primary key,
            # embedding vector(dim)), so vecdb.search and the hand-written
            # query run over the same rows and index.
            self.execute("SELECT vecdb.create_collection(%s, dimension => %s, metric_type => %s, "
                         "vector_field_name => 'embedding', enable_dynamic_field => false)",
                         (TABLE, ds.dim, ds.metric.upper()))
        else:
            self.execute(f"CREATE TABLE {TABLE} (id int8 NOT NULL, embedding vector({ds.dim}))")
        if self.storage == "plain":
            self.execute(f"ALTER TABLE {TABLE} ALTER COLUMN embedding SET STORAGE PLAIN")
        columns = "id, embedding"
        if self.category is not None:
            self.execute(f"ALTER TABLE {TABLE} ADD COLUMN category int4")
            columns += ", category"
        self.cur.copy_expert(f"COPY {TABLE} ({columns}) FROM STDIN WITH (FORMAT binary)",
                             CopyStream(ds.base, category=self.category))
        self.execute("COMMIT")
        self.execute(f"VACUUM (ANALYZE) {TABLE}")
        secs = time.perf_counter() - t0
        rows = self.scalar(f"SELECT count(*) FROM {TABLE}")
        if rows != ds.n:
            raise RuntimeError(f"COPY loaded {rows} rows, expected {ds.n}")
        # A collection may be partitioned: its size is that of its partitions.
        self.table_bytes = self.scalar(
            f"SELECT sum(pg_total_relation_size(oid))::int8 FROM {_with_partitions(TABLE)}")
        self.literals = [vector_literal(q) for q in ds.queries]
        self._texts = {}
        opclass, op = OPS[ds.metric]
        self.execute("DEALLOCATE ALL")
        self.execute(f"PREPARE bench_knn(vector) AS SELECT id FROM {TABLE} "
                     f"ORDER BY embedding {op} $1 LIMIT {int(k)}")
        self.execute(f"PREPARE bench_insert(int8, vector) AS "
                     f"INSERT INTO {TABLE} (id, embedding) VALUES ($1, $2)")
        if self.category is not None:
            self.execute(f"PREPARE bench_knn_filter(vector, int4) AS SELECT id FROM {TABLE} "
                         f"WHERE category = $2 ORDER BY embedding {op} $1 LIMIT {int(k)}")
        if self.collection:
            # with and without a filter that keeps 90% of the rows, hand-written and through the API
            self.execute(f"PREPARE bench_knn_filtered(vector) AS SELECT id FROM {TABLE} "
                         f"WHERE id % 10 <> 0 ORDER BY embedding {op} $1 LIMIT {int(k)}")
            # the vector goes as text, as it does to the hand-written query
            # (vecdb.search(text data); a jsonb argument costs a jsonb parse)
            self.execute(f"PREPARE bench_collection(text) AS SELECT id::int8 FROM "
                         f"vecdb.search('{TABLE}', $1, top_k => {int(k)})")
            self.execute(f"PREPARE bench_collection_filtered(text) AS SELECT id::int8 FROM "
                         f"vecdb.search('{TABLE}', $1, top_k => {int(k)}, filter => 'id % 10 != 0')")
        return secs

    # Prepares the SELECT 1 statement with the same parameter as the search,
    # so its round trip includes sending and parsing the query vector.
    def prepare_floor(self, ds):
        if self.literals is None:
            self.literals = [vector_literal(q) for q in ds.queries]
        ptype = "vector" if self.has_vector else "text"
        self.execute(f"PREPARE bench_floor({ptype}) AS SELECT 1")

    # The EXECUTE text of a prepared statement for query qi; `more` are
    # further parameters after the query vector, as SQL ("3" for a category).
    def execute_text(self, statement, qi, more=""):
        return f"EXECUTE {statement}('{self.literals[qi]}'{', ' + more if more else ''})"

    # Returns a search(q_index) function running one prepared statement.
    def searcher(self, statement, more=""):
        cur = self.cur
        # The full EXECUTE text is built before timing: only the round trip
        # (send, parse, plan lookup, execute, fetch) is measured.
        key = (statement, more)
        if key not in self._texts:
            self._texts[key] = [self.execute_text(statement, qi, more)
                                for qi in range(len(self.literals))]
        texts = self._texts[key]

        def search(qi):
            cur.execute(texts[qi])
            return [r[0] for r in cur.fetchall()]
        return search

    # Plan of a search statement for one query, as text, with the query
    # vector shown as '<query>' (a 784-d literal would bury the plan).
    def plan(self, statement="bench_knn", more=""):
        self.execute("EXPLAIN (COSTS OFF) " + self.execute_text(statement, 0, more))
        text = "\n".join(r[0] for r in self.cur.fetchall())
        return re.sub(r"'\[[^']*\]'", "'<query>'", text)

    # (scans, entries scored, iterative-scan continuations) that the
    # benchmark index's scans have added up so far, from vecdb's shared
    # counters; None unless vecdb is preloaded (no counters then).
    def scan_counters(self):
        if not self.scalar("SELECT to_regproc('vecdb.scan_stats_shared') IS NOT NULL"):
            return None
        # list_pages / rerank_pages: builds from 2026-12-03 on
        pages = ("sum(list_pages)::int8, sum(rerank_pages)::int8" if self.scalar(
            "SELECT count(*) FROM pg_proc p, unnest(p.proargnames) a "
            "WHERE p.oid = 'vecdb.scan_stats_shared'::regproc AND a = 'list_pages'") else "NULL, NULL")
        self.execute("SELECT sum(scans)::int8, sum(tuples_scored)::int8, sum(continuations)::int8, "
                     f"{pages} FROM vecdb.scan_stats_shared() "
                     f"WHERE indexrelid IN (SELECT oid FROM {_with_partitions(INDEX)})")
        row = self.cur.fetchone()
        return None if row is None or row[0] is None else row

    # Sets how many threads an index build uses: vecdb.hnsw_build_threads for
    # hnsw, max_parallel_maintenance_workers (+ the backend) for the others.
    def set_build_threads(self, threads):
        self.execute(f"SET max_parallel_maintenance_workers = {max(0, int(threads) - 1)}")
        if self.scalar("SELECT count(*) FROM pg_settings WHERE name = 'vecdb.hnsw_build_threads'"):
            self.execute(f"SET vecdb.hnsw_build_threads = {int(threads)}")

    # Builds an index with access method `am` and options (and `extra_key`, a
    # column, as a second key); returns (seconds, bytes). Raises Skip when the
    # AM does not exist or rejects the index.
    def build_index(self, am, options, extra_key=None):
        if not self.has_vector:
            raise Skip("the vecdb extension has no vector type in this build")
        if not self.am_exists(am):
            raise Skip(f"index access method '{am}' does not exist in this vecdb build")
        self.drop_index()
        sql = self._index_sql(INDEX, TABLE, am, options, extra_key)
        self.log(sql)
        t0 = time.perf_counter()
        try:
            self.execute(sql)
        except psycopg2.Error as e:
            raise Skip(f"{sql} failed: {(e.pgerror or str(e)).strip()}")
        secs = time.perf_counter() - t0
        # On a partitioned table (a collection) the index is one per partition.
        self.execute(f"SELECT relname, pg_relation_size(oid) FROM {_with_partitions(INDEX)}")
        parts = self.cur.fetchall()
        self.index_names = [name for name, _ in parts]
        return secs, sum(size for _, size in parts)

    # CREATE INDEX text of a vector index `name` on `table` with access method
    # `am` and its options (numbers bare, words quoted).
    def _index_sql(self, name, table, am, options, extra_key=None):
        opclass, _ = OPS[self.metric]
        with_sql = ""
        if options:
            with_sql = " WITH (" + ", ".join(f"{k} = {_option_value(v)}"
                                             for k, v in options.items()) + ")"
        key = f", {extra_key}" if extra_key else ""
        return f"CREATE INDEX {name} ON {table} USING {am} (embedding {opclass}{key}){with_sql}"

    # Sets the collection's ttl property (an interval text; 0 for none).
    def set_ttl(self, ttl):
        self.execute("SELECT vecdb.alter_collection_properties(%s, jsonb_build_object('ttl', %s))",
                     (TABLE, ttl))

    # Turns time travel on; returns the history table's name. The as-of
    # statement is prepared here: only builds with time travel have it.
    def enable_time_travel(self, k):
        self.execute("SELECT vecdb.enable_time_travel(%s, retention => '1 day')", (TABLE,))
        if not self.scalar("SELECT count(*) FROM pg_prepared_statements "
                           "WHERE name = 'bench_collection_as_of'"):
            self.execute(f"PREPARE bench_collection_as_of(text, timestamptz) AS SELECT id::int8 "
                         f"FROM vecdb.search('{TABLE}', $1, top_k => {int(k)}, as_of => $2)")
        return self.scalar("SELECT format('%%I', history_table) FROM vecdb.time_travel "
                           "WHERE collection = %s", (TABLE,))

    # Gives the history table the benchmark index's twin: what
    # vecdb.create_index gives it, built empty, filled by the updates to come.
    def history_index(self, hist, am, options):
        self.execute(self._index_sql("bench_history_idx", hist, am, options))

    # Drops the history (and its index) again.
    def disable_time_travel(self):
        self.execute("SELECT vecdb.disable_time_travel(%s)", (TABLE,))

    # Gives rows `ids` the vectors `vectors` in one UPDATE (one transaction),
    # through a temporary table loaded with COPY.
    def update_vectors(self, ids, vectors):
        self.execute("DROP TABLE IF EXISTS bench_changed")
        self.execute("CREATE TEMP TABLE bench_changed (id int8, embedding vector)")
        text = "".join(f"{int(i)}\t{vector_literal(v)}\n" for i, v in zip(ids, vectors))
        self.cur.copy_expert("COPY bench_changed FROM STDIN", io.StringIO(text))
        self.execute(f"UPDATE {TABLE} t SET embedding = c.embedding FROM bench_changed c "
                     f"WHERE t.id = c.id")
        updated = self.cur.rowcount
        self.execute("DROP TABLE bench_changed")
        if updated != len(ids):
            raise RuntimeError(f"UPDATE changed {updated} rows, expected {len(ids)}")

    # Whether a plan's text names the benchmark index (or one of its partitions).
    def uses_index(self, plan):
        return any(name in plan for name in self.index_names)

    def drop_index(self):
        self.execute(f"DROP INDEX IF EXISTS {INDEX}")
        self.execute("RESET enable_seqscan")

    # Sets a sweep parameter (short name or GUC) for the following queries.
    def set_param(self, key, value):
        guc = SWEEP_GUCS.get(key, key)
        if "." not in guc:
            raise Skip(f"unknown sweep parameter '{key}' (use ef, probes or a GUC name)")
        try:
            self.execute(f"SET {guc} = %s", (str(value),))
        except psycopg2.Error as e:
            raise Skip(f"SET {guc} failed: {(e.pgerror or str(e)).strip()}")
        # An undefined name with a dot is accepted as a placeholder and does
        # nothing; a real GUC is listed in pg_settings.
        if not self.scalar("SELECT count(*) FROM pg_settings WHERE name = %s", (guc,)):
            self.execute(f"RESET {guc}")
            raise Skip(f"setting {guc} does not exist in this vecdb build")

    def close(self):
        self.conn.close()


# SQL for the pg_class rows of a relation and of its partitions, if any.
def _with_partitions(name):
    return (f"pg_class WHERE oid = '{name}'::regclass "
            f"OR oid IN (SELECT relid FROM pg_partition_tree('{name}'))")


# An option value as SQL: numbers bare, anything else quoted.
def _option_value(v):
    s = str(v)
    try:
        float(s)
        return s
    except ValueError:
        return "'" + s.replace("'", "''") + "'"
