"""The --check-exact test (CI): what is exact by design must come out exact,
with and without filters and after the inserts, and every measurement asked
for must have produced numbers. Speed is never asserted."""


# Prints one line per check and returns the process exit status.
def check_exact(run):
    done = [r for r in run["results"] if "skipped" not in r]
    problems = []
    exact = [r for r in done if r["system"] == "exact"]
    if not exact or exact[0]["recall"] != 1.0:
        problems.append("exact search must have recall 1.0")
    k = run["k"]
    for r in done:
        exact_by_design = r["system"] in ("exact", "vecdb-flat") or \
            r.get("base_system") in ("exact", "vecdb-flat")
        if not exact_by_design:
            continue
        print(f"check: {r['system']} recall@{k} = {r['recall']}, rows per query >= {r['rows_min']}")
        if r["recall"] != 1.0:
            problems.append(f"{r['system']}: recall {r['recall']}, expected 1.0")
        if r["rows_min"] != k:
            problems.append(f"{r['system']}: a query returned {r['rows_min']} rows, expected {k}")
        if r["system"] == "vecdb-flat" and not r.get("uses_index"):
            problems.append("vecdb-flat: the plan does not use the flat index")
    for r in done:
        if r.get("am") and "buffers" in r and not (r["buffers"] or {}).get("buffers"):
            problems.append(f"{r['system']} {r['param']}: no buffers counted by EXPLAIN")
    for r in run.get("inserts", []):
        print(f"check: inserts into {r['system']}: recall {r['recall_before']} -> "
              f"{r['recall_after']}, {r['rows_after']} rows")
        if not all(x["rows_per_s"] > 0 for x in r["rows_per_s"].values()):
            problems.append(f"{r['system']}: no insert rate")
        if r["rows_after"] != run["dataset"]["n"] + r["rows_inserted"]:
            problems.append(f"{r['system']}: {r['rows_after']} rows after the inserts, expected "
                            f"{run['dataset']['n'] + r['rows_inserted']}")
        if r["system"] == "vecdb-flat" and r["recall_after"] != 1.0:
            problems.append(f"vecdb-flat after inserts: recall {r['recall_after']}, expected 1.0")
    problems += check_time_travel(run, done)
    for p in problems:
        print(f"check FAILED: {p}")
    if problems:
        return 1
    print("check: ok")
    return 0


# --ttl / --as-of: each asked-for measurement ran; a ttl no row reaches
# leaves recall unchanged; over the flat index (exact) the search as of
# before the change and the present one both find exactly their own data's
# neighbours. Returns the problems found.
def check_time_travel(run, done):
    problems, k = [], run["k"]
    ttl = [r for r in done if "ttl" in r and "vs" in r]
    as_of = [r for r in done if "as_of" in r and "vs" in r]
    if run.get("ttl") and not ttl:
        problems.append("--ttl: no point measured with a ttl")
    if run.get("as_of_rows") and not as_of:
        problems.append("--as-of: no point measured as of the past")
    for r in ttl:
        print(f"check: {r['system']} {r['param']}: recall {r['recall']} with ttl, "
              f"{r['vs']['recall']} without")
        if not r["recall_equal"] or r["rows_min"] != k:
            problems.append(f"{r['system']} {r['param']}: the ttl changed the answers "
                            f"(recall {r['vs']['recall']} -> {r['recall']}, rows {r['rows_min']})")
    for r in as_of:
        if not r["truth_changed"]:
            problems.append(f"{r['system']}: the change moved no query's neighbours; as of and "
                            f"now cannot be told apart")
        if not r["system"].startswith("vecdb-flat-"):
            continue
        print(f"check: {r['system']}: recall {r['recall']} as of before the change, "
              f"{r['vs']['recall']} now")
        if r["recall"] != 1.0 or r["vs"]["recall"] != 1.0 or r["rows_min"] != k:
            problems.append(f"{r['system']}: recall {r['recall']} as of, {r['vs']['recall']} now, "
                            f"expected 1.0 both")
    return problems
