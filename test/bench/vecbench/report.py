"""Run outputs: a table on stdout, a JSON file and a recall-QPS plot."""

import json
import os


# A short "k=v,k=v" form of a parameter dict.
def fmt_params(d):
    return ",".join(f"{k}={v}" for k, v in d.items()) if d else "-"


# Prints one line per measured point plus the skipped systems.
def print_table(run, out=print):
    ds = run["dataset"]
    out(f"\n{ds['name']}: n={ds['n']} dim={ds['dim']} metric={ds['metric']} "
        f"queries={ds['queries']}  k={run['k']}  {run['date']}")
    m, lib = run.get("machine", {}), run.get("libraries", {})
    out(f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores; faiss {lib.get('faiss', '?')} "
        f"({lib.get('faiss_compile_options', '?')}), hnswlib {lib.get('hnswlib', '?')}; "
        f"one query at a time, one thread")
    head = (f"{'system':<22} {'build':<26} {'search':<12} {'recall@10':>9} {'QPS':>10} "
            f"{'p50 ms':>8} {'p99 ms':>8} {'nq':>6} {'rows':>5} {'buf/q':>7} {'build s':>8} "
            f"{'size MB':>8}")
    out(head)
    out("-" * len(head))
    for r in run["results"]:
        if "skipped" in r:
            continue
        recall = "-" if r.get("recall") is None else f"{r['recall']:.4f}"
        build_s = "-" if r.get("build_s") is None else f"{r['build_s']:.2f}"
        size = "-" if r.get("size_bytes") is None else f"{r['size_bytes'] / 2**20:.1f}"
        # Fewest rows any query returned, and buffers per query (EXPLAIN sample).
        rows = "-" if r.get("rows_min") is None else str(r["rows_min"])
        buf = (r.get("buffers") or {}).get("buffers")
        buf = "-" if buf is None else f"{buf:.0f}"
        flag = "  (plan without the index)" if r.get("uses_index") is False else ""
        out(f"{r['system']:<22} {fmt_params(r.get('build')):<26} {fmt_params(r.get('param')):<12} "
            f"{recall:>9} {r['qps']:>10.1f} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} "
            f"{r['queries']:>6} {rows:>5} {buf:>7} {build_s:>8} {size:>8}{flag}")
    for r in run["results"]:
        if "skipped" in r:
            out(f"skipped {r['system']}: {r['skipped']}")
    for r in run.get("inserts", []):
        rates = ", ".join(f"{s} session(s) {x['rows_per_s']:.0f} rows/s "
                          f"({r['ratio'][s]:.2f} x without the index)"
                          for s, x in r["rows_per_s"].items())
        out(f"inserts into {r['system']}: {rates}; recall@{run['k']} at "
            f"{fmt_params(r['param'])}: {r['recall_before']:.4f} before, "
            f"{r['recall_after']:.4f} after")
    for r in run["results"]:
        if "skipped" in r or "vs" not in r:
            continue
        what = "ttl" if "ttl" in r else "as-of"
        out(f"{what}: {r['system']} {fmt_params(r.get('param'))}: QPS {r['qps']:.1f} vs "
            f"{r['vs']['qps']:.1f} ({r['qps_ratio']:.3f} x), p50 {r['p50_ms']:.3f} vs "
            f"{r['vs']['p50_ms']:.3f} ms ({r['p50_ratio']:.3f} x), recall "
            f"{_recall(r['recall'])} vs {_recall(r['vs']['recall'])} ({r['vs']['system']})")
    if run.get("load_s") is not None:
        out(f"vecdb load (binary COPY + VACUUM ANALYZE): {run['load_s']:.2f}s, "
            f"table {run['table_bytes'] / 2**20:.1f} MB")


# A recall for the text table, or "-".
def _recall(v):
    return "-" if v is None else f"{v:.4f}"


# Writes the run as JSON; returns the path.
def write_json(run, path):
    with open(path, "w") as f:
        json.dump(run, f, indent=2, sort_keys=False)
        f.write("\n")
    return path


# Draws log QPS against recall@10, one curve per system (and build
# parameters); the SELECT 1 floor is a horizontal line. Returns the path.
def write_plot(run, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {}
    floor = None
    for r in run["results"]:
        if "skipped" in r:
            continue
        if r["system"] == "floor":
            floor = r["qps"]
            continue
        label = {"exact": "vecdb exact (no index)"}.get(r["system"], r["system"])
        if r.get("build"):
            label += f" ({fmt_params(r['build'])})"
        curves.setdefault(label, []).append((r["recall"], r["qps"]))

    fig, ax = plt.subplots(figsize=(8, 5.5))
    markers = "os^vD<>ph*"
    for i, (label, pts) in enumerate(sorted(curves.items())):
        # Points stay in sweep order, so the line follows the parameter.
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=markers[i % len(markers)],
                label=label)
    if floor:
        ax.axhline(floor, color="grey", linestyle="--", label="SELECT 1 round trip (floor)")
    ax.set_yscale("log")
    ax.set_xlabel("recall@10")
    ax.set_ylabel("queries per second (1 thread, log)")
    ds = run["dataset"]
    ax.set_title(f"{ds['name']} (n={ds['n']}, dim={ds['dim']}, {ds['metric']}), {run['date'][:10]}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# Base path (without extension) for this run's files under results_dir.
def output_base(run, results_dir):
    os.makedirs(results_dir, exist_ok=True)
    stamp = run["date"].replace(":", "").replace("-", "")[:15]
    return os.path.join(results_dir, f"{stamp}-{run['dataset']['name']}")
