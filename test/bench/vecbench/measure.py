"""Timing one query at a time and summarising latencies."""

import time

import numpy as np


# Runs search(q_index) for every query id after `warmup` untimed calls and
# returns (answers, latencies in seconds). Each call is timed on its own
# with perf_counter: the wall time one client waits for one answer.
def run_queries(search, query_ids, warmup):
    for qi in list(query_ids)[:warmup]:
        search(qi)
    answers, lat = [], []
    clock = time.perf_counter
    for qi in query_ids:
        t0 = clock()
        ans = search(qi)
        lat.append(clock() - t0)
        answers.append(ans)
    return answers, np.asarray(lat)


# Runs two searches over the same queries interleaved, query by query (the
# order within each pair alternates), after `warmup` untimed pairs, and
# returns (answers, latencies) of each: a load change during the run slows
# both alike, so their QPS ratio is steadier than that of two runs one
# after the other.
def run_paired(search_a, search_b, query_ids, warmup):
    for qi in list(query_ids)[:warmup]:
        search_a(qi)
        search_b(qi)
    answers = ([], [])
    lat = ([], [])
    clock = time.perf_counter
    searches = (search_a, search_b)
    for n, qi in enumerate(query_ids):
        for side in ((0, 1) if n % 2 == 0 else (1, 0)):
            t0 = clock()
            ans = searches[side](qi)
            lat[side].append(clock() - t0)
            answers[side].append(ans)
    return answers[0], np.asarray(lat[0]), answers[1], np.asarray(lat[1])


# QPS and latency percentiles of one sweep point.
def summarize(lat):
    total = float(lat.sum())
    return {
        "queries": int(len(lat)),
        "qps": (len(lat) / total) if total > 0 else float("inf"),
        "p50_ms": float(np.percentile(lat, 50) * 1e3),
        "p99_ms": float(np.percentile(lat, 99) * 1e3),
        "mean_ms": float(lat.mean() * 1e3),
    }
