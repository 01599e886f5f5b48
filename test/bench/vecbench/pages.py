"""Pages a search touches: EXPLAIN (ANALYZE, BUFFERS) on a sample of queries,
outside the timed loop, so quantized and full-vector indexes can be compared."""

import json


# Every `len(qids) / count`-th query id, at most `count` of them.
def sample(qids, count):
    qids = list(qids)
    if count <= 0 or not qids:
        return []
    step = max(1, len(qids) // count)
    return qids[::step][:count]


# Runs the statement under EXPLAIN (ANALYZE, BUFFERS) for each sampled query
# and returns the mean shared buffers per query: hit, read and their sum.
# The sum counts every buffer the plan touched: the index's pages and, for
# each row the index hands out, its heap page (rows a WHERE clause rejects
# included), so a filtered scan that wades through rejected rows shows it.
# When vecdb is preloaded, also the index entries scored, iterative-scan
# continuations, list pages (candidates: full vectors for ivf 'none', codes
# for sq8 / pq) and rerank pages (full vectors re-read) per index scan
# (vecdb's own counters), and the other buffers per query (heap, metapage,
# directory).
def buffers_per_query(pg, statement, qids, more=""):
    if not qids:
        return None
    before = pg.scan_counters()
    hit = read = 0
    for qi in qids:
        pg.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) " +
                   pg.execute_text(statement, qi, more))
        doc = pg.cur.fetchone()[0]
        if isinstance(doc, str):
            doc = json.loads(doc)
        # The top plan node's counts include every node under it; planning's
        # own buffers are reported apart and are not counted.
        top = doc[0]["Plan"]
        hit += top.get("Shared Hit Blocks", 0)
        read += top.get("Shared Read Blocks", 0)
    n = len(qids)
    out = {"sample": n, "shared_hit": hit / n, "shared_read": read / n, "buffers": (hit + read) / n}
    after = pg.scan_counters()
    if before is not None and after is not None and after[0] > before[0]:
        scans = after[0] - before[0]
        out["scans"] = scans
        out["scored_per_scan"] = (after[1] - before[1]) / scans
        out["continuations_per_scan"] = (after[2] - before[2]) / scans
        # pages of candidates (ivf list pages) and pages read for rerank
        # per scan; the rest of `buffers` is heap pages and the index's
        # metapage / directory pages
        if len(after) > 4 and after[3] is not None and before[3] is not None:
            out["list_pages_per_scan"] = (after[3] - before[3]) / scans
            out["rerank_pages_per_scan"] = (after[4] - before[4]) / scans
            out["other_buffers"] = out["buffers"] - (after[3] - before[3] + after[4] - before[4]) / n
    return out
