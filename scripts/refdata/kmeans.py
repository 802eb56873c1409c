#!/usr/bin/env python3
"""Reference data for ml-cluster's KMeans.

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4):

    .venv/bin/python scripts/refdata/kmeans.py   # writes crates/ml-cluster/tests/data/kmeans.json

Each case fits ``KMeans(n_clusters=k, init=<given centres>, n_init=1)`` so that the Rust
side starts from the very same centres (seeded k-means++ cannot match without numpy's
MT19937 stream). The given centres are scikit-learn's own ``kmeans_plusplus`` draw with
``random_state=0`` unless stated. Matrices are row-major lists of rows.

* ``iris`` (k=3) and ``digits`` (k=10): the bundled data sets, identified by shape and sum.
* ``blobs``: ``make_blobs(n_samples=1500, n_features=4, centers=5, cluster_std=2.5,
  random_state=0)``, overlapping enough to need several iterations; ``X`` is embedded.
* ``iris_weighted``: iris with ``sample_weight = 1 + (i mod 3)``.
* ``iris_empty``: iris from two samples plus a far-away centre (100, 100, 100, 100),
  whose cluster is empty at the first step and gets relocated.
* ``digits_tol0``: digits with ``tol=0`` (runs until the labels stop changing).
* ``*_elkan``: the same with ``algorithm="elkan"``.

Every case records ``labels``, ``inertia``, ``n_iter`` and ``centers`` (``cluster_centers_``).

``minibatch`` holds ``MiniBatchKMeans`` (defaults, ``batch_size`` as stated) on ``blobs`` and
``digits`` for ``random_state`` 0..9: its final ``inertia_`` and ``n_steps_`` per seed.
Parity there is statistical (numpy's random stream is not reproduced).
"""
import json
import os

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus
from sklearn.datasets import load_digits, load_iris, make_blobs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "ml-cluster", "tests", "data", "kmeans.json")


def rows(a):
    return [[float(v) for v in r] for r in np.atleast_2d(a)]


def case(name, x, k, init, *, weight=None, tol=1e-4, algorithm="lloyd", embed=False):
    km = KMeans(n_clusters=k, init=init, n_init=1, tol=tol, algorithm=algorithm,
                max_iter=300).fit(x, sample_weight=weight)
    out = {
        "name": name,
        "shape": list(x.shape),
        "sum": float(np.sum(x)),
        "k": k,
        "tol": tol,
        "algorithm": algorithm,
        "init": rows(init),
        "labels": [int(v) for v in km.labels_],
        "inertia": float(km.inertia_),
        "n_iter": int(km.n_iter_),
        "centers": rows(km.cluster_centers_),
    }
    if weight is not None:
        out["weight"] = [float(v) for v in weight]
    if embed:
        out["x"] = rows(x)
    return out


def main():
    iris = load_iris().data
    digits = load_digits().data
    blobs, _ = make_blobs(n_samples=1500, n_features=4, centers=5, cluster_std=2.5,
                          random_state=0)
    init_iris, _ = kmeans_plusplus(iris, 3, random_state=0)
    init_digits, _ = kmeans_plusplus(digits, 10, random_state=0)
    init_blobs, _ = kmeans_plusplus(blobs, 5, random_state=0)
    weight = 1.0 + (np.arange(iris.shape[0]) % 3)
    init_empty = np.vstack([iris[0], iris[50], np.full(4, 100.0)])
    cases = []
    for alg in ["lloyd", "elkan"]:
        sfx = "" if alg == "lloyd" else "_elkan"
        cases += [
            case("iris" + sfx, iris, 3, init_iris, algorithm=alg),
            case("digits" + sfx, digits, 10, init_digits, algorithm=alg),
            case("blobs" + sfx, blobs, 5, init_blobs, algorithm=alg, embed=alg == "lloyd"),
            case("iris_weighted" + sfx, iris, 3, init_iris, weight=weight, algorithm=alg),
            case("iris_empty" + sfx, iris, 3, init_empty, algorithm=alg),
            case("digits_tol0" + sfx, digits, 10, init_digits, tol=0.0, algorithm=alg),
        ]
    minibatch = []
    for name, x, k, batch in [("blobs", blobs, 5, 256), ("digits", digits, 10, 1024)]:
        runs = [MiniBatchKMeans(n_clusters=k, batch_size=batch, random_state=s).fit(x)
                for s in range(10)]
        minibatch.append({
            "name": name, "k": k, "batch_size": batch,
            "inertia": [float(m.inertia_) for m in runs],
            "n_steps": [int(m.n_steps_) for m in runs],
        })
        print(name, "minibatch", np.mean([m.inertia_ for m in runs]))
    # Seeded k-means++ with ten restarts (n_init=10) on digits: the best inertia of each
    # seed, for the best-of-10 parity check (different draws, same optimum region).
    best_of_10 = [float(KMeans(n_clusters=10, n_init=10, random_state=s).fit(digits).inertia_)
                  for s in range(5)]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"sklearn": __import__("sklearn").__version__, "cases": cases,
                   "minibatch": minibatch, "digits_best_of_10": best_of_10}, f)
        f.write("\n")
    for c in cases:
        print(c["name"], c["n_iter"], c["inertia"])


if __name__ == "__main__":
    main()
