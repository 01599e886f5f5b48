"""Ratios computed once every system has run: QPS against the reference at
the same recall and against the SELECT 1 floor, build time against the
reference's build, index size against the raw data, filtered QPS against
the same index unfiltered."""

import math

LINK_BYTES = 4   # per link in the size basis of an hnsw index (m*2 links per vector)


# QPS of a recall/QPS curve at `recall`: log QPS interpolated linearly
# between the two points around it; below the curve's lowest recall its
# fastest point (every point is at least that good: a lower bound of a ratio
# to it); None above its highest recall.
def qps_at_recall(points, recall):
    pts = sorted((p["recall"], p["qps"]) for p in points
                 if p.get("recall") is not None and p.get("qps"))
    if recall is None or not pts:
        return None
    for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
        if r0 <= recall <= r1:
            if r1 == r0:
                return max(q0, q1)
            t = (recall - r0) / (r1 - r0)
            return math.exp(math.log(q0) + t * (math.log(q1) - math.log(q0)))
    if recall < pts[0][0]:
        return max(q for _, q in pts)
    same = [q for r, q in pts if abs(r - recall) < 1e-9]
    return max(same) if same else None


# The best QPS of a curve among its points with recall >= target (None if
# none reaches it): "QPS at recall 0.99" in the summary.
def best_qps_at(points, target):
    ok = [p["qps"] for p in points if p.get("recall") is not None and p["recall"] >= target - 1e-12]
    return max(ok) if ok else None


# Curves of a run: (system, build) -> its measured points in sweep order.
def curves(run):
    out = {}
    for r in run["results"]:
        if "skipped" not in r and r.get("recall") is not None:
            key = (r["system"], tuple(sorted((r.get("build") or {}).items())))
            out.setdefault(key, []).append(r)
    return out


# Raw bytes an index of this kind would need at least: the float32 vectors,
# plus m*2 links of LINK_BYTES per vector for hnsw.
def size_basis(run, am, build):
    ds = run["dataset"]
    raw = ds["n"] * ds["dim"] * 4
    if am == "hnsw":
        raw += ds["n"] * int(build.get("m", 16)) * 2 * LINK_BYTES
    return raw


# Adds the ratio fields to the records of `run` in place.
def annotate(run):
    done = [r for r in run["results"] if "skipped" not in r]
    floor = next((r["qps"] for r in done if r["system"] == "floor"), None)
    refs = {}
    for r in done:
        if r.get("key"):
            refs.setdefault(r["key"], []).append(r)
    flat_ref = [r for r in done if r["system"] == "faiss-flat"]
    for r in done:
        if floor and r["system"] != "floor":
            r["qps_vs_floor"] = r["qps"] / floor
        ref_points = refs.get(r.get("ref_key")) or (flat_ref if r["system"] == "exact" else None)
        if ref_points and "filter" not in r:
            q = qps_at_recall(ref_points, r.get("recall"))
            r["ref_system"] = ref_points[0]["system"]
            r["ref_qps_at_recall"] = q
            r["qps_vs_ref"] = r["qps"] / q if q else None
            # The reference at the same search parameter (probes, ef): recall side by side.
            same = [p for p in ref_points if p.get("param") == r.get("param") and r.get("param")]
            if same and r.get("recall") is not None:
                r["ref_recall_same_param"] = same[0]["recall"]
            ref_build = next((p["build_s"] for p in ref_points if p.get("build_s")), None)
            if r.get("build_s") and ref_build:
                r["ref_build_s"] = ref_build
                r["build_ratio"] = r["build_s"] / ref_build
        if r.get("am") and r.get("size_bytes") and "filter" not in r:
            r["size_basis_bytes"] = size_basis(run, r["am"], r.get("build") or {})
            r["size_ratio"] = r["size_bytes"] / r["size_basis_bytes"]
    annotate_filtered(done)


# Each filtered point against its system's unfiltered point of closest recall.
def annotate_filtered(done):
    for r in done:
        if "filter" not in r:
            continue
        same = [u for u in done if u["system"] == r["base_system"] and u.get("build") == r["build"]
                and u.get("recall") is not None and "filter" not in u]
        if not same or r.get("recall") is None:
            continue
        u = min(same, key=lambda u: abs(u["recall"] - r["recall"]))
        r["unfiltered"] = {"param": u["param"], "recall": u["recall"], "qps": u["qps"]}
        r["qps_vs_unfiltered"] = r["qps"] / u["qps"]
