"""In-process reference systems on the same data: hnswlib and FAISS, built
with the parameters given to the vecdb index and as many threads as its build,
searched on one thread."""

import os
import tempfile
import time

import numpy as np


# Unit-length float32 rows (FAISS does cosine as inner product of these).
def _unit(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return np.ascontiguousarray(x / n, dtype=np.float32)


class Reference:
    """A built in-process index: build time, size, and set_param/search."""
    name = "?"

    def set_param(self, key, value):
        raise KeyError(key)

    def search_fn(self, queries, k):
        raise NotImplementedError


class HnswlibHNSW(Reference):
    """hnswlib's HNSW with M / ef_construction; sweep key ef -> set_ef."""
    name = "hnswlib"

    def __init__(self, ds, m, ef_construction, seed=100, threads=1):
        import hnswlib
        space = "l2" if ds.metric == "l2" else "cosine"
        self.index = hnswlib.Index(space=space, dim=ds.dim)
        self.index.set_num_threads(threads)
        t0 = time.perf_counter()
        self.index.init_index(max_elements=ds.n, M=m, ef_construction=ef_construction,
                              random_seed=seed)
        self.index.add_items(ds.base, np.arange(ds.n), num_threads=threads)
        self.build_s = time.perf_counter() - t0
        self.build_threads = threads
        self.index.set_num_threads(1)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "index.bin")
            self.index.save_index(path)
            self.size_bytes = os.path.getsize(path)
        self.params = {"M": m, "ef_construction": ef_construction}

    def set_param(self, key, value):
        if key != "ef":
            raise KeyError(key)
        self.index.set_ef(int(value))

    def search_fn(self, queries, k):
        index = self.index
        qs = [q.reshape(1, -1) for q in queries]

        def search(qi):
            labels, _ = index.knn_query(qs[qi], k=k, num_threads=1)
            return labels[0].tolist()
        return search


class Faiss(Reference):
    """A FAISS index: flat (exact), HNSWFlat, IVFFlat, IVF with 8-bit scalar
    codes (ivf-sq8) or IVFPQ (ivf-pq); built on `threads`, searched on one."""

    def __init__(self, ds, kind, threads=1, **opts):
        import faiss
        faiss.omp_set_num_threads(threads)
        self.faiss = faiss
        self.cosine = ds.metric == "cosine"
        base = _unit(ds.base) if self.cosine else ds.base
        metric = faiss.METRIC_INNER_PRODUCT if self.cosine else faiss.METRIC_L2
        t0 = time.perf_counter()
        if kind == "flat":
            self.name = "faiss-flat"
            self.index = faiss.IndexFlat(ds.dim, metric)
            self.params = {}
        elif kind == "hnsw":
            self.name = "faiss-hnsw"
            self.index = faiss.IndexHNSWFlat(ds.dim, opts["m"], metric)
            self.index.hnsw.efConstruction = opts["ef_construction"]
            self.params = {"M": opts["m"], "efConstruction": opts["ef_construction"]}
        elif kind in ("ivf", "ivf-sq8", "ivf-pq"):
            self.name = "faiss-" + kind
            quantizer = faiss.IndexFlat(ds.dim, metric)
            self.params = {"nlist": opts["lists"]}
            if kind == "ivf":
                self.index = faiss.IndexIVFFlat(quantizer, ds.dim, opts["lists"], metric)
            elif kind == "ivf-sq8":
                self.index = faiss.IndexIVFScalarQuantizer(
                    quantizer, ds.dim, opts["lists"], faiss.ScalarQuantizer.QT_8bit, metric)
            else:
                self.index = faiss.IndexIVFPQ(quantizer, ds.dim, opts["lists"], opts["pq_m"],
                                              opts["pq_nbits"], metric)
                self.params.update(m=opts["pq_m"], nbits=opts["pq_nbits"])
            self.index.train(base)
            self.quantizer = quantizer   # keep it alive: the IVF index points at it
        else:
            raise ValueError(kind)
        self.index.add(base)
        self.build_s = time.perf_counter() - t0
        self.build_threads = threads
        faiss.omp_set_num_threads(1)
        self.size_bytes = int(faiss.serialize_index(self.index).nbytes)

    def set_param(self, key, value):
        if key == "ef" and self.name == "faiss-hnsw":
            self.index.hnsw.efSearch = int(value)
        elif key == "probes" and self.name.startswith("faiss-ivf"):
            self.index.nprobe = int(value)
        else:
            raise KeyError(key)

    def search_fn(self, queries, k):
        index = self.index
        qs = _unit(queries) if self.cosine else np.ascontiguousarray(queries, dtype=np.float32)
        qs = [q.reshape(1, -1) for q in qs]

        def search(qi):
            _, labels = index.search(qs[qi], k)
            return labels[0].tolist()
        return search


# The in-process references of one vecdb index, as (name, options) pairs; the
# first is the one its QPS and build time are compared with. Returns
# (references, why) where `why` says why there is none.
def references_for(am, build, refs):
    if am == "hnsw":
        opts = {"m": int(build.get("m", 16)), "ef_construction": int(build.get("ef_construction", 64))}
        out = [(n, opts) for n in ("hnswlib", "faiss-hnsw") if n.split("-")[0] in refs]
        return out, None if out else "no reference asked for"
    if am == "ivf" and "faiss" in refs:
        kind = {"none": "ivf", "sq8": "ivf-sq8", "pq": "ivf-pq"}.get(str(build.get("quantizer", "none")))
        if kind is None:
            return [], f"FAISS has no counterpart of quantizer {build.get('quantizer')!r}"
        opts = {"lists": int(build["lists"])}
        if kind == "ivf-pq":
            if "pq_m" not in build:
                return [], "give pq_m (--with pq_m=...): the FAISS IVFPQ reference needs it"
            opts.update(pq_m=int(build["pq_m"]), pq_nbits=int(build.get("pq_nbits", 8)))
        return [("faiss-" + kind, opts)], None
    if am == "flat" and "faiss" in refs:
        return [("faiss-flat", {})], None
    return [], "no reference for this access method"


# A key naming one reference build (same name and options: built once).
def ref_key(name, opts):
    return name + "(" + ",".join(f"{k}={v}" for k, v in sorted(opts.items())) + ")"


# Builds the named reference on `threads` threads.
def make_reference(name, ds, threads, opts):
    if name == "hnswlib":
        return HnswlibHNSW(ds, opts["m"], opts["ef_construction"], threads=threads)
    return Faiss(ds, name[len("faiss-"):], threads=threads, **opts)
