"""Command line: options, and each index's build options and sweep."""

import argparse
import os

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Build options and sweep of each known access method when none are given.
DEFAULT_BUILD = {"hnsw": {"m": 16, "ef_construction": 64}, "ivf": {"lists": None}, "flat": {}}
DEFAULT_SWEEP = {"hnsw": ("ef", [10, 20, 40, 80, 160]),
                 "ivf": ("probes", [1, 2, 4, 8, 16, 32])}
QUICK_SWEEP = {"hnsw": ("ef", [10, 40]), "ivf": ("probes", [1, 4])}


# The access method of an --index entry: "ivf-sq8" is a variant of ivf (its
# own build options and results, the same AM).
def am_of(name):
    return name.split("-", 1)[0]


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
    build = {i: dict(DEFAULT_BUILD.get(am_of(i), {})) for i in indexes}
    sweeps = dict(QUICK_SWEEP if args.quick else DEFAULT_SWEEP)
    sweep = {i: sweeps.get(am_of(i)) for i in indexes}
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
    settings = {i: {} for i in indexes}
    for text in args.set or []:
        names, rest = _target(text, indexes)
        for k, v in parse_kv(rest).items():
            if "." not in k:
                raise SystemExit(f"--set {k}: expected a vecdb GUC name such as vecdb.rerank")
            for i in names or indexes:
                settings[i][k] = v
    for i in indexes:
        if build[i].get("lists", 0) is None:
            # About sqrt(n) lists: the usual IVF starting point.
            build[i]["lists"] = max(1, int(round(n ** 0.5)))
    return build, sweep, settings


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
                   help="comma list of vecdb index AMs (flat, ivf, hnsw or any AM name), each "
                        "built and measured in turn; AM-LABEL (ivf-sq8) is one more build of AM "
                        "with its own --with AM-LABEL:...; 'exact' (no index) always runs "
                        "unless --no-exact")
    p.add_argument("--with", dest="with_", action="append", metavar="[AM:]K=V,...",
                   help="index build options, e.g. m=16,ef_construction=64 or ivf:lists=100")
    p.add_argument("--sweep", action="append", metavar="[AM:]KEY=V1,V2,...",
                   help="search parameter values: ef (vecdb.hnsw_ef_search), probes "
                        "(vecdb.ivf_probes) or any GUC name")
    p.add_argument("--set", action="append", metavar="[AM:]GUC=V,...",
                   help="settings held during every point of an index (all indexes without a "
                        "prefix), e.g. ivf-pq:vecdb.rerank=400")
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
    p.add_argument("--ttl", action="store_true",
                   help="with --collection: also time vecdb.search with a ttl no row reaches "
                        "(30 days) at every index point: the cost of the TTL visibility check")
    p.add_argument("--as-of", action="store_true",
                   help="with --collection: enable time travel, change --as-of-rows of the rows, "
                        "then time vecdb.search(as_of => before the change) against the current "
                        "search at every index point, each with its own exact truth")
    p.add_argument("--as-of-rows", type=float, default=0.1, metavar="F",
                   help="fraction of the rows --as-of changes (default 0.1)")
    p.add_argument("--build-threads", type=int,
                   default=int(os.environ.get("BENCH_BUILD_WORKERS") or 2),
                   help="threads of every index build: vecdb.hnsw_build_threads, "
                        "max_parallel_maintenance_workers + 1, hnswlib and FAISS builds "
                        "(default $BENCH_BUILD_WORKERS or 2)")
    p.add_argument("--filter", metavar="F1,F2,...",
                   help="also time WHERE category = $2 queries that keep these fractions of "
                        "the rows (a random int4 column, fixed seed), default planner; "
                        "'none' for no filtered points (--quick: 0.01,0.1)")
    p.add_argument("--filter-queries", type=int, default=1000,
                   help="queries per filtered point (default 1000; a plan without the vector "
                        "index runs the first 200 of them)")
    p.add_argument("--filter-forced", action="store_true",
                   help="when the default plan of a filtered point does not use the index, "
                        "also time it with enable_seqscan = off (system ...-forced)")
    p.add_argument("--filter-key", action="store_true",
                   help="index category as a second key column: USING am (embedding ops, category)")
    p.add_argument("--filter-btree", action="store_true",
                   help="also create a btree index on category (the planner may prefer it)")
    p.add_argument("--insert", type=int, metavar="N",
                   help="measure single-row autocommit INSERTs of N held-out vectors with and "
                        "without each vector index, then recall again (--quick: 200)")
    p.add_argument("--insert-sessions", type=int, metavar="S",
                   help="with --insert: also N more rows from S concurrent sessions (--quick: 4)")
    p.add_argument("--pages", type=int, default=50, metavar="Q",
                   help="EXPLAIN (ANALYZE, BUFFERS) Q sampled queries of every index point, "
                        "untimed, for buffers per query (0: off)")
    p.add_argument("--recall-targets", default="0.9,0.95,0.99", metavar="R1,R2,...",
                   help="recalls at which the summary interpolates every curve's QPS")
    p.add_argument("--summary", action="store_true",
                   help="also write a markdown summary table (.md) next to the JSON (--quick: on)")
    p.add_argument("--dsn", help="libpq connection string (test/bench/run starts a cluster if absent)")
    p.add_argument("--results", default=os.path.join(HERE, "results"), help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="CI smoke run: clustered 2000x32, 50 queries, every index that exists, "
                        "--collection --ttl --as-of")
    p.add_argument("--check-exact", action="store_true",
                   help="exit 1 unless vecdb exact search ran with recall 1.0")
    args = p.parse_args(argv)
    if args.quick:
        args.dataset = "clustered"
        args.n, args.dim, args.queries = args.n or 2000, args.dim or 32, args.queries or 50
        if "--index" not in " ".join(argv):
            args.index = "flat,ivf,hnsw"
        # Every measurement runs in the smoke test, on a small scale.
        args.filter = "0.01,0.1" if args.filter is None else args.filter
        args.insert = 200 if args.insert is None else args.insert
        args.insert_sessions = 4 if args.insert_sessions is None else args.insert_sessions
        args.summary = True
        args.collection = args.ttl = args.as_of = True
    args.insert = args.insert or 0
    if (args.ttl or args.as_of) and not args.collection:
        raise SystemExit("--ttl and --as-of measure vecdb.search: they need --collection")
    if not 0 < args.as_of_rows < 1:
        raise SystemExit("--as-of-rows must be a fraction in (0, 1)")
    args.insert_sessions = max(1, args.insert_sessions or 1)
    if args.build_threads < 1:
        raise SystemExit("--build-threads must be at least 1")
    return args


