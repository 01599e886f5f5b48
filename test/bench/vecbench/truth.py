"""Exact ground truth (computed once per dataset, cached on disk) and recall."""

import os
import time

import numpy as np

KEEP = 100   # neighbours stored per query (recall@10 needs 10; more for later use)


# Unit-length rows in float64 (cosine distance is 1 - dot of these).
def _normalized64(x):
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


# Exact distances of query q to the base rows `ids`, in float64.
def distances(ds, q_index, ids):
    ids = np.asarray(ids, dtype=np.int64)
    q = ds.queries[q_index].astype(np.float64)
    rows = ds.base[ids].astype(np.float64)
    if ds.metric == "l2":
        return np.sqrt(((rows - q) ** 2).sum(axis=1))
    qn = q / (np.linalg.norm(q) or 1.0)
    rn = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-300)
    return 1.0 - rn @ qn


# Top-KEEP exact neighbours of every query: candidates from a float32 matrix
# product in batches, then re-ranked in float64 so near-ties are ordered right.
def compute(ds, keep=KEEP, batch=256):
    keep = min(keep, ds.n)
    cand = min(ds.n, keep * 2 + 16)
    base32 = ds.base
    if ds.metric == "cosine":
        base32 = _normalized64(ds.base).astype(np.float32)
    base_sq = (base32.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)
    ids_out = np.empty((len(ds.queries), keep), dtype=np.int64)
    dist_out = np.empty((len(ds.queries), keep), dtype=np.float64)
    for start in range(0, len(ds.queries), batch):
        q = ds.queries[start:start + batch]
        if ds.metric == "cosine":
            q = _normalized64(q).astype(np.float32)
        # |b|^2 - 2 q.b orders by L2 (|q|^2 is constant per row); for unit
        # vectors it orders by cosine distance too.
        scores = base_sq[None, :] - 2.0 * (q @ base32.T)
        part = np.argpartition(scores, cand - 1, axis=1)[:, :cand] if cand < ds.n \
            else np.tile(np.arange(ds.n), (len(q), 1))
        for row in range(len(q)):
            qi = start + row
            d = distances(ds, qi, part[row])
            order = np.lexsort((part[row], d))[:keep]
            ids_out[qi] = part[row][order]
            dist_out[qi] = d[order]
    return ids_out, dist_out


# Ground truth for ds, from cache_dir if this exact data was seen before.
def load_or_compute(ds, cache_dir, log=print):
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"gt-{ds.name}-{ds.fingerprint()}.npz")
    if os.path.exists(path):
        with np.load(path) as f:
            return f["ids"], f["dist"]
    t0 = time.perf_counter()
    ids, dist = compute(ds)
    log(f"ground truth: {len(ids)} queries x {ds.n} base in {time.perf_counter() - t0:.1f}s "
        f"-> {path}")
    tmp = path + ".tmp.npz"
    np.savez(tmp, ids=ids, dist=dist)
    os.replace(tmp, path)
    return ids, dist


# recall@k of one query's answer: a returned row counts when it is a real,
# distinct base row at most as far as the true k-th neighbour (so ties with
# the k-th neighbour count, as in ann-benchmarks). `allowed` (a boolean mask
# over the base rows) restricts what counts to the rows a filter keeps.
def recall_one(ds, q_index, returned, gt_dist, k=10, allowed=None):
    got = [int(i) for i in returned[:k]]
    uniq = list(dict.fromkeys(i for i in got if 0 <= i < ds.n and
                              (allowed is None or allowed[i])))
    if not uniq:
        return 0.0
    kth = gt_dist[q_index][min(k, len(gt_dist[q_index])) - 1]
    d = distances(ds, q_index, uniq)
    tol = 1e-6 * max(1.0, abs(kth))
    return float(np.count_nonzero(d <= kth + tol)) / k


# Mean recall@k over a list of answers (answers[i] belongs to query_ids[i]).
def recall(ds, query_ids, answers, gt_dist, k=10, allowed=None):
    if not answers:
        return 0.0
    return float(np.mean([recall_one(ds, qi, a, gt_dist, k, allowed)
                          for qi, a in zip(query_ids, answers)]))
