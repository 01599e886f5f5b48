"""Command line: load a dataset, run every system over the sweep, report."""

import datetime
import os
import platform
import sys
import time

from . import checks, datasets, filtered, ratios, report, summary, truth
from . import timetravel as tt
from .cli import parse_args, plan_indexes
from .inserts import InsertSet
from .pgsys import Postgres
from .runner import Runner, log


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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    indexes = [i for i in args.index.split(",") if i and i not in ("exact", "none")]
    ds = datasets.load(args)
    log(f"dataset {ds.name}: base {ds.base.shape}, queries {ds.queries.shape}, {ds.metric}")
    build, sweep, settings = plan_indexes(args, indexes, ds.n)
    cache = os.path.join(args.results, "cache")
    _, gt_dist = truth.load_or_compute(ds, cache, log)

    column, filters = None, []
    fractions = filtered.parse_fractions(args.filter)
    if fractions:
        column, values = filtered.categories(ds.n, fractions)
        filters = filtered.build(ds, column, values, args.k, cache, log)
    insert_set, overlap = None, []
    if args.insert > 0:
        count = args.insert * (2 if args.insert_sessions > 1 else 1)
        vectors, overlap = datasets.held_out(ds, count)
        insert_set = InsertSet(vectors, ds.n, args.insert_sessions)

    refs = [] if args.refs == "none" else args.refs.split(",")
    runner = Runner(args, ds, gt_dist, refs, cache, filters, insert_set, overlap)
    run = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "dataset": {"name": ds.name, "n": ds.n, "dim": ds.dim, "metric": ds.metric,
                    "queries": len(ds.queries), "exact_queries": len(runner.exact_q),
                    **ds.params},
        "k": args.k, "warmup": args.warmup,
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "host": platform.node()},
        "libraries": library_versions(),
        "command": "test/bench/run " + " ".join(argv),
        "indexes": {i: {"build": build[i], "sweep": sweep[i], "settings": settings[i]}
                    for i in indexes},
        "build_threads": args.build_threads,
        "recall_targets": [float(t) for t in args.recall_targets.split(",") if t],
        "ttl": tt.TTL if args.ttl else None,
        "as_of_rows": args.as_of_rows if args.as_of else None,
        "filters": [{"fraction": f.fraction, "value": f.value, "rows": f.rows,
                     "seed": filtered.SEED} for f in filters],
    }
    t0 = time.perf_counter()
    if args.dsn:
        pg = Postgres(args.dsn, log, args.parallel_workers, args.storage, args.collection, column)
        try:
            run["postgres"] = pg.describe()
            runner.run_vecdb(pg, indexes, build, sweep, settings)
        finally:
            pg.close()
    else:
        runner.skipped("vecdb", "no --dsn given (test/bench/run starts a cluster by itself)")
    runner.run_refs(indexes, build, sweep)
    run["results"] = runner.results
    run["inserts"] = runner.inserts
    run["insert_baseline"] = runner.insert_baseline
    run["load_s"] = getattr(runner, "load_s", None)
    run["table_bytes"] = getattr(runner, "table_bytes", None)
    run["elapsed_s"] = round(time.perf_counter() - t0, 2)
    ratios.annotate(run)

    report.print_table(run)
    base = report.output_base(run, args.results)
    print(f"\nJSON: {report.write_json(run, base + '.json')}")
    print(f"plot: {report.write_plot(run, base + '.png')}")
    if args.summary:
        path = summary.write(run, base + ".md")
        print(f"summary: {path}\n")
        print(summary.render(run))

    if args.check_exact:
        return checks.check_exact(run)
    return 0
