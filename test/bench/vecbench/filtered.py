"""Filtered search: a random integer `category` column whose values keep given
fractions of the rows, and the exact ground truth of each filter."""

from dataclasses import dataclass

import numpy as np

from . import truth
from .datasets import Dataset

SEED = 7   # the category column is the same in every run of the same dataset size


@dataclass
class Filter:
    """One selectivity: the category value that keeps it, its rows, its truth."""
    fraction: float
    value: int
    allowed: np.ndarray   # boolean mask over the base rows
    gt_dist: np.ndarray   # exact distances of each query's nearest allowed rows

    @property
    def rows(self):
        return int(self.allowed.sum())


# Parses "0.01,0.1" into sorted distinct fractions in (0, 1].
def parse_fractions(text):
    if not text or text == "none":
        return []
    try:
        out = sorted({float(x) for x in text.split(",") if x})
    except ValueError:
        raise SystemExit(f"--filter: expected fractions like 0.01,0.1, got {text!r}")
    if any(not 0 < f <= 1 for f in out) or sum(out) > 1 + 1e-9:
        raise SystemExit(f"--filter {text}: each fraction in (0, 1], together at most 1")
    return out


# The category of every base row: value i+1 on a random round(f_i * n) rows
# for the i-th fraction, 0 on the rest. Returns (column, {fraction: value}).
def categories(n, fractions, seed=SEED):
    order = np.random.default_rng(seed).permutation(n)
    column = np.zeros(n, dtype=np.int32)
    values, start = {}, 0
    for i, f in enumerate(fractions):
        count = max(1, int(round(f * n)))
        column[order[start:start + count]] = i + 1
        values[f] = i + 1
        start += count
    return column, values


# One Filter per fraction, with its exact top neighbours among the rows it
# keeps (numpy, cached like the unfiltered truth).
def build(ds, column, values, k, cache_dir, log):
    out = []
    for f, v in values.items():
        allowed = column == v
        ids = np.flatnonzero(allowed)
        if len(ids) < k:
            raise SystemExit(f"--filter {f}: keeps {len(ids)} of {ds.n} rows, fewer than k = {k}")
        sub = Dataset(f"{ds.name}-filter{v}", np.ascontiguousarray(ds.base[ids]), ds.queries,
                      ds.metric)
        _, gt_dist = truth.load_or_compute(sub, cache_dir, log)
        out.append(Filter(f, v, allowed, gt_dist))
    return out
