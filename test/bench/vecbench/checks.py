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
    for p in problems:
        print(f"check FAILED: {p}")
    if problems:
        return 1
    print("check: ok")
    return 0
