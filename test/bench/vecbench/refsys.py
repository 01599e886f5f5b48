"""In-process reference systems on the same data: hnswlib and FAISS, both
single-threaded, built with the parameters given to the vecdb index."""

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

    def __init__(self, ds, m, ef_construction, seed=100):
        import hnswlib
        space = "l2" if ds.metric == "l2" else "cosine"
        self.index = hnswlib.Index(space=space, dim=ds.dim)
        self.index.set_num_threads(1)
        t0 = time.perf_counter()
        self.index.init_index(max_elements=ds.n, M=m, ef_construction=ef_construction,
                              random_seed=seed)
        self.index.add_items(ds.base, np.arange(ds.n), num_threads=1)
        self.build_s = time.perf_counter() - t0
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
    """A FAISS index: flat (exact), HNSWFlat or IVFFlat, one thread."""

    def __init__(self, ds, kind, **opts):
        import faiss
        faiss.omp_set_num_threads(1)
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
        elif kind == "ivf":
            self.name = "faiss-ivf"
            quantizer = faiss.IndexFlat(ds.dim, metric)
            self.index = faiss.IndexIVFFlat(quantizer, ds.dim, opts["lists"], metric)
            self.index.train(base)
            self.quantizer = quantizer   # keep it alive: the IVF index points at it
            self.params = {"nlist": opts["lists"]}
        else:
            raise ValueError(kind)
        self.index.add(base)
        self.build_s = time.perf_counter() - t0
        self.size_bytes = int(faiss.serialize_index(self.index).nbytes)

    def set_param(self, key, value):
        if key == "ef" and self.name == "faiss-hnsw":
            self.index.hnsw.efSearch = int(value)
        elif key == "probes" and self.name == "faiss-ivf":
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
