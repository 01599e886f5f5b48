"""--ttl and --as-of (collections): what the TTL visibility check costs a
vecdb.search, and an as-of search of the past against a search of the
present on the same index, each against its own exact truth."""

import numpy as np

from . import truth
from .datasets import Dataset

SEED = 11           # which rows --as-of changes: the same in every run of the same size
TTL = "30 days"     # long enough that no row expires during a run


# The rows --as-of changes and their new vectors: a random `fraction` of
# the ids (fixed seed), each taking the vector of the next one chosen, so
# the vectors as a whole keep their distribution while every chosen id moves.
def changed_rows(ds, fraction):
    count = max(2, int(round(fraction * ds.n)))
    ids = np.sort(np.random.default_rng(SEED).choice(ds.n, size=min(count, ds.n), replace=False))
    return ids, np.roll(ds.base[ids], 1, axis=0)


# The dataset as it is after the change (same queries), with its exact
# ground truth (cached like the base truth): what the present search is
# scored on; and per query whether its exact top k ids differ from the base
# truth's (the vectors only change hands, so the distances alone may not).
def current_truth(ds, ids, vectors, k, cache_dir, log):
    base = ds.base.copy()
    base[ids] = vectors
    cur = Dataset(f"{ds.name}-asof{len(ids)}", base, ds.queries, ds.metric)
    cur_ids, gt = truth.load_or_compute(cur, cache_dir, log)
    base_ids, _ = truth.load_or_compute(ds, cache_dir, log)
    moved = np.array([set(a[:k]) != set(b[:k]) for a, b in zip(base_ids, cur_ids)])
    return cur, gt, moved


# The comparison fields a TTL or as-of point records: the other point's
# numbers and the ratios the issue asks about.
def versus(rec, other):
    return {"vs": {"system": other["system"], "qps": other["qps"], "p50_ms": other["p50_ms"],
                   "recall": other["recall"]},
            "qps_ratio": rec["qps"] / other["qps"] if other["qps"] else None,
            "p50_ratio": rec["p50_ms"] / other["p50_ms"] if other["p50_ms"] else None}
