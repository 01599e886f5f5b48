"""Steady-state callgrind instructions per query from a 1-pass and a 3-pass
profile (hnsw_search_cost/run), split by part, with the top functions."""
import re
import subprocess
import sys

PARTS = [("kernels", r"l2_squared|l2_sum|reduce|dot\(|kernel_key|l1_"),
         ("buffers", r"Buffer|LWLock|LockBufHdr|ResourceOwner|buffer_hint|lock_element_page|lock_vector|page_check|PinBuffer|^0x0"),
         ("search", r"hnsw_|offer|copy_links|element_key|score|prefetch|visit|heap_|greedy|entry_exact|rerank")]


# Self instructions by function name (file part dropped) of one profile.
def self_costs(path):
    out = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no", "--inclusive=no", path],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
        if m and ":" in m.group(2):
            fn = re.sub(r"\s*\[.*\]$", "", m.group(2)).split(":", 1)[1]
            costs[fn] = costs.get(fn, 0) + int(m.group(1).replace(",", ""))
    return costs


label, one, three, nq = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a, b = self_costs(one), self_costs(three)
per = {k: (b[k] - a.get(k, 0)) / (2 * nq) for k in b}
total = sum(per.values())
parts = {}
for k, v in per.items():
    part = next((p for p, r in PARTS if re.search(r, k)), "other")
    parts[part] = parts.get(part, 0) + v
print(f"{label}: {total:,.0f} instructions per query  " +
      "  ".join(f"{p} {100 * v / total:.0f}%" for p, v in sorted(parts.items(), key=lambda x: -x[1])))
for k, v in sorted(per.items(), key=lambda x: -x[1])[:12]:
    print(f"  {v:10,.0f}  {k[:100]}")
