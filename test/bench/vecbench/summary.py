"""The --summary markdown: the tables the README's Benchmarks section shows
(every point with its ratios; filtered points; inserts), ready to paste."""

from .ratios import best_qps_at, curves
from .report import fmt_params


# A number with a fixed count of decimals, or "–" when missing.
def _num(v, digits=2, suffix=""):
    return "–" if v is None else f"{v:,.{digits}f}{suffix}"


# "m=16, ef_construction=64, ef=40": build options, then the search parameter.
def _params(r):
    both = {**(r.get("build") or {}), **(r.get("param") or {})}
    return fmt_params(both).replace(",", ", ") if both else "–"


# The ratio to the reference at the same recall, naming the reference.
def _vs_ref(r):
    if r.get("qps_vs_ref") is None:
        return "–"
    return f"{r['qps_vs_ref']:.2f} × {r['ref_system']}"


# List pages + rerank pages per scan of a point ("–" without the counters).
def _list_rerank(r):
    b = r.get("buffers") or {}
    if b.get("list_pages_per_scan") is None:
        return "–"
    return f"{b['list_pages_per_scan']:,.1f} + {b['rerank_pages_per_scan']:,.1f}"


# Lines of the main table: one per measured, unfiltered point.
def main_table(run):
    out = ["| system | parameters | recall@10 | QPS | QPS / ref at same recall "
           "| ref recall, same param | QPS / floor | buffers / query | scored / scan "
           "| list + rerank pages / scan | build s "
           "| build / ref | size MB | size / raw |",
           "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in run["results"]:
        if "skipped" in r or "filter" in r:
            continue
        buf = (r.get("buffers") or {}).get("buffers")
        scored = (r.get("buffers") or {}).get("scored_per_scan")
        build_vs = None if r.get("build_ratio") is None else r["build_ratio"]
        out.append(
            f"| {r['system']} | {_params(r)} | {_num(r.get('recall'), 4)} | {_num(r['qps'], 1)} "
            f"| {_vs_ref(r)} | {_num(r.get('ref_recall_same_param'), 4)} "
            f"| {_num(r.get('qps_vs_floor'), 3)} | {_num(buf, 1)} | {_num(scored, 0)} "
            f"| {_list_rerank(r)} "
            f"| {_num(r.get('build_s'))} | {_num(build_vs, 2, ' ×')} "
            f"| {_num(None if r.get('size_bytes') is None else r['size_bytes'] / 2**20, 1)} "
            f"| {_num(r.get('size_ratio'), 2, ' ×')} |")
    return out


# Lines of the QPS-at-recall table: every curve's best QPS among its points
# with at least each target recall.
def recall_targets_table(run):
    targets = run.get("recall_targets") or []
    if not targets:
        return []
    out = ["| system | build | " + " | ".join(f"QPS at recall ≥ {t:g}" for t in targets) + " |",
           "|---|---|" + "---:|" * len(targets)]
    for (system, _), points in curves(run).items():
        cells = [_num(best_qps_at(points, t), 1) for t in targets]
        out.append(f"| {system} | {fmt_params(points[0].get('build'))} | " + " | ".join(cells) + " |")
    return out


# Lines of the filtered table.
def filtered_table(run):
    rows = [r for r in run["results"] if "skipped" not in r and "filter" in r]
    if not rows:
        return []
    out = ["| system | filter keeps | parameters | rows / query min, mean | recall@10 | QPS "
           "| QPS / unfiltered (its recall) | index in plan | buffers / query | scored / scan |",
           "|---|---:|---|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        f, u = r["filter"], r.get("unfiltered") or {}
        vs = "–" if r.get("qps_vs_unfiltered") is None else \
            f"{r['qps_vs_unfiltered']:.2f} ({u['recall']:.4f})"
        used = {True: "yes", False: "**no**"}.get(r.get("uses_index"), "–")
        buf = (r.get("buffers") or {}).get("buffers")
        scored = (r.get("buffers") or {}).get("scored_per_scan")
        name = r["base_system"] + (" (enable_seqscan off)" if r.get("planner") != "default" else "")
        out.append(f"| {name} | {f['fraction']:g} ({f['rows']:,} rows) | {_params(r)} "
                   f"| {r['rows_min']}, {r['rows_mean']:.2f} | {_num(r.get('recall'), 4)} "
                   f"| {_num(r['qps'], 1)} | {vs} | {used} | {_num(buf, 1)} | {_num(scored, 0)} |")
    return out


# Lines of the insert table.
def insert_table(run):
    if not run.get("inserts"):
        return []
    out = ["| index | sessions | rows | rows/s with the index | rows/s without | ratio "
           "| recall@10 before → after (at) |",
           "|---|---:|---:|---:|---:|---:|---|"]
    for r in run["inserts"]:
        for s, rate in r["rows_per_s"].items():
            base = r["baseline_rows_per_s"][s]["rows_per_s"]
            build = fmt_params(r["build"]) if r["build"] else "default options"
            out.append(f"| {r['system']} ({build}) | {s} | {rate['rows']:,} "
                       f"| {rate['rows_per_s']:,.0f} | {base:,.0f} | {r['ratio'][s]:.2f} "
                       f"| {r['recall_before']:.4f} → {r['recall_after']:.4f} "
                       f"({fmt_params(r['param']) if r['param'] else 'its only point'}, "
                       f"{r['check_queries']} queries) |")
    return out


# Lines of the TTL table (--ttl): each point with the ttl against the same
# search without one, run just before it.
def ttl_table(run):
    rows = [r for r in run["results"] if "skipped" not in r and "ttl" in r and "vs" in r]
    if not rows:
        return []
    out = [f"| system | parameters | QPS without ttl | QPS with ttl ({rows[0]['ttl']}) "
           "| ratio | recall@10 without, with |",
           "|---|---|---:|---:|---:|---|"]
    for r in rows:
        out.append(f"| {r['vs']['system']} | {_params(r)} | {_num(r['vs']['qps'], 1)} "
                   f"| {_num(r['qps'], 1)} | {_num(r['qps_ratio'], 3)} "
                   f"| {_num(r['vs']['recall'], 4)}, {_num(r['recall'], 4)} |")
    return out


# Lines of the as-of table (--as-of): the search as of before the change
# against the present search, each scored on its own data.
def as_of_table(run):
    rows = [r for r in run["results"] if "skipped" not in r and "as_of" in r and "vs" in r]
    if not rows:
        return []
    out = ["| system | parameters | rows changed (queries whose truth moved) "
           "| p50 ms present, as of | p50 ratio | QPS present, as of | recall@10 present, as of |",
           "|---|---|---:|---|---:|---|---|"]
    for r in rows:
        v = r["vs"]
        out.append(f"| {v['system'].removesuffix('-current')} | {_params(r)} "
                   f"| {r['rows_changed']:,} ({r['truth_changed']:,}) | {_num(v['p50_ms'], 3)}, {_num(r['p50_ms'], 3)} "
                   f"| {_num(r['p50_ratio'], 3)} | {_num(v['qps'], 1)}, {_num(r['qps'], 1)} "
                   f"| {_num(v['recall'], 4)}, {_num(r['recall'], 4)} |")
    return out


# The whole summary as markdown text.
def render(run):
    ds, m = run["dataset"], run.get("machine", {})
    lines = [f"{ds['name']} ({ds['n']:,} × {ds['dim']}, {ds['metric']}, k = {run['k']}, "
             f"{ds['queries']:,} queries; exact systems {ds['exact_queries']:,}), {run['date']}, "
             f"{m.get('cpu', '?')} ({m.get('cores', '?')} cores), builds on "
             f"{run.get('build_threads', '?')} threads, one query at a time.",
             "", f"`{run['command']}`", ""]
    lines += main_table(run)
    for table in (recall_targets_table(run), filtered_table(run), insert_table(run),
                  ttl_table(run), as_of_table(run)):
        if table:
            lines += [""] + table
    return "\n".join(lines) + "\n"


# Writes the summary next to the JSON; returns the path.
def write(run, path):
    with open(path, "w") as f:
        f.write(render(run))
    return path
