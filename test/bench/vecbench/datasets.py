"""Benchmark datasets: Fashion-MNIST from its Debian package and generated
clustered sets (mixture of Gaussians with a fixed seed)."""

import gzip
import hashlib
import os
import struct
from dataclasses import dataclass, field

import numpy as np

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


@dataclass
class Dataset:
    """Base vectors, query vectors and the metric they are searched with."""
    name: str
    base: np.ndarray      # (n, dim) float32, C-contiguous
    queries: np.ndarray   # (nq, dim) float32
    metric: str           # "l2" or "cosine"
    params: dict = field(default_factory=dict)
    # Vectors of the same distribution that are neither base rows nor
    # queries, for insert benchmarks (fashion-mnist: the unused part of the
    # image sets; clustered: fresh draws on demand).
    spare: np.ndarray = None
    draw_spare: object = None

    @property
    def n(self):
        return self.base.shape[0]

    @property
    def dim(self):
        return self.base.shape[1]

    # A stable key naming exactly these vectors, used to cache ground truth.
    def fingerprint(self):
        h = hashlib.sha1()
        h.update(self.metric.encode())
        h.update(np.ascontiguousarray(self.base).tobytes())
        h.update(np.ascontiguousarray(self.queries).tobytes())
        return h.hexdigest()[:16]


# Reads an IDX (idx3-ubyte, possibly gzipped) image file as (count, rows*cols) float32.
def read_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    # 0x00000803: unsigned byte elements, 3 dimensions (images x rows x cols).
    if magic != 0x803:
        raise ValueError(f"{path}: not an idx3-ubyte image file (magic {magic:#x})")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16)
    if pixels.size != count * rows * cols:
        raise ValueError(f"{path}: truncated ({pixels.size} of {count * rows * cols} bytes)")
    return pixels.reshape(count, rows * cols).astype(np.float32)


# Fashion-MNIST as ann-benchmarks uses it: 60,000 train images as the base,
# 10,000 test images as queries, 784-d raw pixel values, L2.
def fashion_mnist(directory=FASHION_DIR):
    train = os.path.join(directory, "train-images-idx3-ubyte.gz")
    test = os.path.join(directory, "t10k-images-idx3-ubyte.gz")
    for p in (train, test):
        if not os.path.exists(p):
            raise FileNotFoundError(
                f"{p} is missing: install the Debian package dataset-fashion-mnist "
                "(scripts/install-deps does)")
    return Dataset("fashion-mnist", read_idx_images(train), read_idx_images(test), "l2",
                   {"source": directory})


# A mixture of Gaussians: `clusters` random centres, points scattered around
# them; queries come from the same distribution (fresh draws, not base rows).
def clustered(n, dim, nq, metric="l2", clusters=None, seed=42):
    if metric not in ("l2", "cosine"):
        raise ValueError(f"unknown metric {metric!r} (l2 or cosine)")
    clusters = clusters or max(4, int(round(np.sqrt(n) / 4)))
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0, size=(clusters, dim)).astype(np.float32)
    # Spread within a cluster is a fraction of the distance between centres,
    # so clusters overlap a little (like real embeddings), not trivially.
    spread = 0.35

    def draw(count, gen=rng):
        which = gen.integers(0, clusters, size=count)
        noise = gen.normal(0.0, spread, size=(count, dim)).astype(np.float32)
        return np.ascontiguousarray(centres[which] + noise, dtype=np.float32)

    base = draw(n)
    queries = draw(nq)
    name = f"clustered-{n}x{dim}-{metric}"

    # Fresh points from the same centres with their own generator, so asking
    # for them changes neither the base rows nor the queries.
    def draw_spare(count):
        return draw(count, np.random.default_rng([seed, 1]))

    return Dataset(name, base, queries, metric,
                   {"n": n, "dim": dim, "nq": nq, "clusters": clusters, "seed": seed},
                   draw_spare=draw_spare)


# `count` vectors to insert into the loaded table, and the query ids whose
# vectors are among them (a recall check after the inserts leaves those out:
# each would find itself). Unused base and test images first, then the last
# queries.
def held_out(ds, count):
    if ds.draw_spare is not None:
        return ds.draw_spare(count), []
    spare = ds.spare if ds.spare is not None else np.empty((0, ds.dim), np.float32)
    if len(spare) >= count:
        return np.ascontiguousarray(spare[:count]), []
    need = count - len(spare)
    nq = len(ds.queries)
    if need >= nq:
        raise SystemExit(f"--insert: {count} rows asked, but only {len(spare) + nq - 1} "
                         f"held-out vectors exist (lower --n or --insert)")
    vecs = np.concatenate([spare, ds.queries[nq - need:]])
    return np.ascontiguousarray(vecs, dtype=np.float32), list(range(nq - need, nq))


# Builds the dataset named on the command line.
def load(args):
    if args.dataset == "fashion-mnist":
        ds = fashion_mnist()
        if args.metric not in (None, "l2"):
            raise ValueError("fashion-mnist is an L2 dataset")
        spare = []
        if args.n:
            spare.append(ds.base[args.n:])
            ds.base = ds.base[: args.n]
        if args.queries:
            spare.append(ds.queries[args.queries:])
            ds.queries = ds.queries[: args.queries]
        ds.spare = np.concatenate(spare) if spare else None
        return ds
    if args.dataset == "clustered":
        return clustered(args.n or 10000, args.dim or 128, args.queries or 1000,
                         args.metric or "l2", args.clusters, args.seed)
    raise ValueError(f"unknown dataset {args.dataset!r} (fashion-mnist or clustered)")
