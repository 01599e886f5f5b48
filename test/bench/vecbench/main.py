"""Command line: load a dataset, run every system over the sweep, report."""

import argparse
import datetime
import os
import platform
import sys
import time

import psycopg2

from . import datasets, measure, report, truth
from .pgsys import Postgres, Skip
from .refsys import Faiss, HnswlibHNSW

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Build options and sweep of each known access method when none are given.
DEFAULT_BUILD = {"hnsw": {"m": 16, "ef_construction": 64}, "ivf": {"lists": None}, "flat": {}}
DEFAULT_SWEEP = {"hnsw": ("ef", [10, 20, 40, 80, 160]),
                 "ivf": ("probes", [1, 2, 4, 8, 16, 32])}
QUICK_SWEEP = {"hnsw": ("ef", [10, 40]), "ivf": ("probes", [1, 4])}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# Parses "a=1,b=x" into {"a": 1, "b": "x"} (numbers become int/float).
def parse_kv(text):
    out = {}
    for part in filter(None, text.split(",")):
        if "=" not in part:
            raise SystemExit(f"expected key=value, got {part!r}")
        k, v = part.split("=", 1)
        out[k.strip()] = _number(v.strip())
    return out


def _number(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return v


# Splits an optional "index:" prefix off a --with/--sweep argument.
def _target(text, indexes):
    if ":" in text.split("=", 1)[0]:
        name, rest = text.split(":", 1)
        if name not in indexes:
            raise SystemExit(f"{text!r} names index {name!r}, which is not in --index")
        return [name], rest
    return None, text


# Works out, for every index, its build options and its sweep (key, values).
def plan_indexes(args, indexes, n):
    build = {i: dict(DEFAULT_BUILD.get(i, {})) for i in indexes}
    sweeps = dict(QUICK_SWEEP if args.quick else DEFAULT_SWEEP)
    sweep = {i: sweeps.get(i) for i in indexes}
    for text in args.with_ or []:
        names, rest = _target(text, indexes)
        for k, v in parse_kv(rest).items():
            targets = names or [i for i in indexes if k in build[i]] or \
                (indexes if len(indexes) == 1 else [])
            if not targets:
                raise SystemExit(f"--with {k}: no index in --index takes it; prefix it (hnsw:{k}=...)")
            for i in targets:
                build[i][k] = v
    for text in args.sweep or []:
        names, rest = _target(text, indexes)
        k, vals = rest.split("=", 1)
        values = [_number(v) for v in vals.split(",") if v]
        targets = names or [i for i in indexes if sweep[i] and sweep[i][0] == k] or \
            (indexes if len(indexes) == 1 else [])
        if not targets:
            raise SystemExit(f"--sweep {k}: no index in --index uses it; prefix it (hnsw:{k}=...)")
        for i in targets:
            sweep[i] = (k, values)
    for i in indexes:
        if build[i].get("lists", 0) is None:
            # About sqrt(n) lists: the usual IVF starting point.
            build[i]["lists"] = max(1, int(round(n ** 0.5)))
    return build, sweep


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="test/bench/run",
        description="vecdb recall/QPS benchmark against exact search, hnswlib and FAISS.")
    p.add_argument("--dataset", default="fashion-mnist", help="fashion-mnist or clustered")
    p.add_argument("--n", type=int, help="base vectors (clustered; a prefix for fashion-mnist)")
    p.add_argument("--dim", type=int, help="dimensions (clustered)")
    p.add_argument("--queries", type=int, help="number of queries (a prefix of the test set)")
    p.add_argument("--metric", choices=["l2", "cosine"], help="distance (clustered)")
    p.add_argument("--clusters", type=int, help="Gaussian centres (clustered)")
    p.add_argument("--seed", type=int, default=42, help="random seed (clustered)")
    p.add_argument("--index", default="hnsw",
                   help="comma list of vecdb index AMs (flat, ivf, hnsw or any AM name); "
                        "'exact' (no index) always runs unless --no-exact")
    p.add_argument("--with", dest="with_", action="append", metavar="[AM:]K=V,...",
                   help="index build options, e.g. m=16,ef_construction=64 or ivf:lists=100")
    p.add_argument("--sweep", action="append", metavar="[AM:]KEY=V1,V2,...",
                   help="search parameter values: ef (vecdb.hnsw_ef_search), probes "
                        "(vecdb.ivf_probes) or any GUC name")
    p.add_argument("--refs", default="hnswlib,faiss", help="reference systems, or 'none'")
    p.add_argument("--no-exact", action="store_true", help="skip exact search")
    p.add_argument("--no-floor", action="store_true", help="skip the SELECT 1 round trip")
    p.add_argument("--exact-queries", type=int,
                   help="queries for exact search (vecdb exact, vecdb flat index, FAISS flat); "
                        "default min(nq, 1000)")
    p.add_argument("--warmup", type=int, default=20, help="untimed queries before each point")
    p.add_argument("--k", type=int, default=10, help="neighbours per query (recall@k)")
    p.add_argument("--parallel-workers", type=int, default=0,
                   help="max_parallel_workers_per_gather for vecdb queries (default 0)")
    p.add_argument("--storage", choices=["default", "plain"], default="default",
                   help="vector column storage: the type's default (TOAST for large vectors) or plain (inline)")
    p.add_argument("--collection", action="store_true",
                   help="load the table through vecdb.create_collection and also time vecdb.search "
                        "(with and without a filter) beside the same hand-written queries")
    p.add_argument("--dsn", help="libpq connection string (test/bench/run starts a cluster if absent)")
    p.add_argument("--results", default=os.path.join(HERE, "results"), help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="CI smoke run: clustered 2000x32, 50 queries, every index that exists")
    p.add_argument("--check-exact", action="store_true",
                   help="exit 1 unless vecdb exact search ran with recall 1.0")
    args = p.parse_args(argv)
    if args.quick:
        args.dataset = "clustered"
        args.n, args.dim, args.queries = args.n or 2000, args.dim or 32, args.queries or 50
        if "--index" not in " ".join(argv):
            args.index = "flat,ivf,hnsw"
    return args


# The CPU model, for the record.
def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# Versions (and FAISS's SIMD level) of the reference libraries.
def library_versions():
    out = {}
    try:
        import faiss
        out["faiss"] = faiss.__version__
        out["faiss_compile_options"] = faiss.get_compile_options().strip()
    except Exception as e:  # reported, not fatal: the run may not use FAISS
        out["faiss"] = f"unavailable: {e}"
    try:
        import importlib.metadata as md
        out["hnswlib"] = md.version("hnswlib")
    except Exception:
        out["hnswlib"] = "unknown"
    import numpy
    out["numpy"] = numpy.__version__
    return out


class Runner:
    """Runs every system and collects one result record per sweep point."""

    def __init__(self, args, ds, gt_dist):
        self.args, self.ds, self.gt_dist = args, ds, gt_dist
        self.results = []
        nq = len(ds.queries)
        self.all_q = list(range(nq))
        self.exact_q = list(range(min(nq, args.exact_queries or 1000)))

    def skipped(self, system, why):
        log(f"skip {system}: {why}")
        self.results.append({"system": system, "skipped": why})

    # Times one system at one point and records recall and latencies.
    def point(self, system, search, qids, build=None, param=None, extra=None, with_recall=True):
        answers, lat = measure.run_queries(search, qids, min(self.args.warmup, len(qids)))
        rec = {"system": system, "build": build or {}, "param": param or {}}
        rec["recall"] = None if system == "floor" or not with_recall else \
            truth.recall(self.ds, qids, answers, self.gt_dist, self.args.k)
        rec.update(measure.summarize(lat))
        rec.update(extra or {})
        self.results.append(rec)
        log(f"{system:<12} {report.fmt_params(build):<26} {report.fmt_params(param):<12} "
            f"recall={rec['recall'] if rec['recall'] is None else round(rec['recall'], 4)} "
            f"qps={rec['qps']:.1f}")
        return rec

    # vecdb: floor, exact search, then each index over its sweep.
    def run_vecdb(self, pg, indexes, build, sweep):
        a = self.args
        if not a.no_floor:
            pg.prepare_floor(self.ds)
            self.point("floor", pg.searcher("bench_floor"), self.all_q)
        try:
            self.load_s = pg.load(self.ds, a.k)
            self.table_bytes = pg.table_bytes
        except Skip as e:
            for s in (["exact"] if not a.no_exact else []) + [f"vecdb-{i}" for i in indexes]:
                self.skipped(s, str(e))
            return
        knn = pg.searcher("bench_knn")
        if not a.no_exact:
            self.point("exact", knn, self.exact_q, extra={"plan": pg.plan()})
        for am in indexes:
            system = f"vecdb-{am}"
            try:
                secs, size = pg.build_index(am, build[am])
            except Skip as e:
                self.skipped(system, str(e))
                continue
            pg.execute("SET enable_seqscan = off")
            points = [(sweep[am][0], v) for v in sweep[am][1]] if sweep[am] else [(None, None)]
            first = True
            for key, value in points:
                try:
                    if key is not None:
                        pg.set_param(key, value)
                except Skip as e:
                    self.skipped(f"{system} {key}={value}", str(e))
                    continue
                try:
                    plan = pg.plan()
                    extra = {"build_s": secs if first else None, "size_bytes": size,
                             "plan": plan, "uses_index": "bench_idx" in plan}
                    if not extra["uses_index"]:
                        log(f"warning: {system} plan does not use the index:\n{plan}")
                    # flat is exact search too: it gets the same query subset.
                    qids = self.exact_q if am == "flat" else self.all_q
                    self.point(system, knn, qids, build[am],
                               {key: value} if key else None, extra)
                    if a.collection:
                        self.collection_points(pg, system, qids, build[am], {key: value} if key else None)
                    first = False
                except psycopg2.Error as e:
                    # A failing search is reported and the run goes on.
                    self.skipped(f"{system} {key}={value}" if key else system,
                                 f"search failed: {(e.pgerror or str(e)).strip()}")
                if key is not None:
                    pg.execute(f"RESET {pg_guc(key)}")
            pg.drop_index()

    # vecdb.search over the same index, beside the hand-written query with the
    # same filter (the filtered points have no recall: the truth is unfiltered).
    def collection_points(self, pg, system, qids, build, param):
        self.point(f"{system}-collection", pg.searcher("bench_collection"), qids, build, param)
        self.point(f"{system}-sql-filter", pg.searcher("bench_knn_filtered"), qids, build, param,
                   with_recall=False)
        self.point(f"{system}-collection-filter", pg.searcher("bench_collection_filtered"), qids, build,
                   param, with_recall=False)

    # hnswlib / FAISS with the same build parameters and sweep.
    def run_refs(self, refs, indexes, build, sweep):
        if not self.args.no_exact and "faiss" in refs:
            self.run_ref(lambda: Faiss(self.ds, "flat"), None, self.exact_q)
        for am in indexes:
            key_vals = sweep.get(am)
            if am == "hnsw":
                m, efc = int(build[am].get("m", 16)), int(build[am].get("ef_construction", 64))
                if "hnswlib" in refs:
                    self.run_ref(lambda: HnswlibHNSW(self.ds, m, efc), key_vals, self.all_q)
                if "faiss" in refs:
                    self.run_ref(lambda: Faiss(self.ds, "hnsw", m=m, ef_construction=efc),
                                 key_vals, self.all_q)
            elif am == "ivf" and "faiss" in refs:
                lists = int(build[am]["lists"])
                self.run_ref(lambda: Faiss(self.ds, "ivf", lists=lists), key_vals, self.all_q)

    # Builds one reference index and measures it over the sweep.
    def run_ref(self, make, key_vals, qids):
        ref = make()
        log(f"{ref.name}: built in {ref.build_s:.2f}s")
        search = ref.search_fn(self.ds.queries, self.args.k)
        points = [(key_vals[0], v) for v in key_vals[1]] if key_vals else [(None, None)]
        for i, (key, value) in enumerate(points):
            if key is not None:
                ref.set_param(key, value)
            self.point(ref.name, search, qids, ref.params, {key: value} if key else None,
                       {"build_s": ref.build_s if i == 0 else None, "size_bytes": ref.size_bytes})


def pg_guc(key):
    from .pgsys import SWEEP_GUCS
    return SWEEP_GUCS.get(key, key)


# The --check-exact test: vecdb exact search must have run with recall 1.0,
# and so must the flat index (always exact by design) when it exists.
def check_exact(results):
    done = [r for r in results if "skipped" not in r]
    exact = [r for r in done if r["system"] == "exact"]
    ok = bool(exact) and exact[0]["recall"] == 1.0
    for r in done:
        if r["system"] == "vecdb-flat" and (r["recall"] != 1.0 or not r.get("uses_index")):
            ok = False
    for r in done:
        if r["system"] in ("exact", "vecdb-flat"):
            print(f"check: {r['system']} recall@10 = {r['recall']}")
    if not ok:
        print("check FAILED: exact search (and the flat index, if present) must have recall 1.0")
        return 1
    print("check: ok")
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    indexes = [i for i in args.index.split(",") if i and i not in ("exact", "none")]
    refs = [] if args.refs == "none" else args.refs.split(",")
    ds = datasets.load(args)
    log(f"dataset {ds.name}: base {ds.base.shape}, queries {ds.queries.shape}, {ds.metric}")
    build, sweep = plan_indexes(args, indexes, ds.n)
    _, gt_dist = truth.load_or_compute(ds, os.path.join(args.results, "cache"), log)

    runner = Runner(args, ds, gt_dist)
    run = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "dataset": {"name": ds.name, "n": ds.n, "dim": ds.dim, "metric": ds.metric,
                    "queries": len(ds.queries), "exact_queries": len(runner.exact_q),
                    **ds.params},
        "k": args.k, "warmup": args.warmup,
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "host": platform.node()},
        "libraries": library_versions(),
        "command": "test/bench/run " + " ".join(sys.argv[1:] if argv is None else argv),
        "indexes": {i: {"build": build[i], "sweep": sweep[i]} for i in indexes},
    }
    t0 = time.perf_counter()
    if args.dsn:
        pg = Postgres(args.dsn, log, args.parallel_workers, args.storage, args.collection)
        try:
            run["postgres"] = pg.describe()
            runner.run_vecdb(pg, indexes, build, sweep)
        finally:
            pg.close()
    else:
        runner.skipped("vecdb", "no --dsn given (test/bench/run starts a cluster by itself)")
    runner.run_refs(refs, indexes, build, sweep)
    run["results"] = runner.results
    run["load_s"] = getattr(runner, "load_s", None)
    run["table_bytes"] = getattr(runner, "table_bytes", None)
    run["elapsed_s"] = round(time.perf_counter() - t0, 2)

    report.print_table(run)
    base = report.output_base(run, args.results)
    print(f"\nJSON: {report.write_json(run, base + '.json')}")
    print(f"plot: {report.write_plot(run, base + '.png')}")

    if args.check_exact:
        return check_exact(runner.results)
    return 0
