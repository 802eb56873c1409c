#!/usr/bin/env python3
"""Reference data for ml-cluster's density clustering (Dbscan, MeanShift,
estimate_bandwidth).

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4):

    .venv/bin/python scripts/refdata/density.py

writes crates/ml-cluster/tests/data/density.json (compact JSON; every float is
Python's repr of the float64, so it reads back bit for bit). Top-level keys:

* ``versions``: ``{"scikit-learn", "numpy"}`` that made the file.
* ``blobs``: ``{"X", "seed"}``: ``make_blobs(n_samples=1500, centers=5,
  cluster_std=0.6, random_state=seed)``, embedded row-major (the Rust tests cannot
  redraw numpy's numbers).
* ``ms_blobs``: ``{"X", "seed"}``: ``make_blobs(n_samples=600, centers=[[1, 1], [-1,
  -1], [1, -1]], cluster_std=0.4, random_state=seed)``, embedded.
* ``airports_x_sum``: math.fsum of the airports' (latitude, longitude) in radians, in
  the order of ml-core's datasets/airports.csv (a checksum of the input the Rust test
  builds itself).
* ``dbscan``: a list of ``{"data", "eps", "min_samples", "metric", "weights",
  "labels", "core_sample_indices", "n_clusters", "min_gap"}``: ``DBSCAN(eps,
  min_samples, metric).fit(X, sample_weight=weights)`` on ``data`` ("blobs" or
  "airports": latitude/longitude in radians, haversine, eps = km / 6371); ``weights``
  is null or a list; ``min_gap`` = min over all pairs of |d - eps| / eps of the direct
  distances (labels are only defined to the last bit away from d == eps).
* ``mean_shift``: a list of ``{"bandwidth", "bin_seeding", "cluster_all",
  "min_bin_freq", "labels", "cluster_centers", "n_iter"}`` on ``ms_blobs``:
  ``MeanShift(...).fit(X)`` (labels -1 for orphans).
* ``hdbscan``: a list of ``{"data", "params", "tied_weights", "labels", "probabilities",
  "mst_weights", "centroids", "medoids"}``: ``HDBSCAN(**params, store_centers="both", copy=True)
  .fit(X)`` on "blobs", "ms_blobs" or "airports" (haversine); ``mst_weights`` = the
  single-linkage tree's merge distances, ascending (the spanning tree's weights);
  labels -1 for noise. ``tied_weights`` = how many of those weights equal the one
  before: scikit-learn orders tied merges by numpy's unstable argsort (SIMD sorting
  networks here), which decides the condensed tree's shape at that height, so only
  cases with 0 ties (min_samples 1 or 2: a weight then is a distance or a row's nearest
  distance, which continuous data do not repeat) pin down the labels exactly.
* ``bandwidth``: a list of ``{"data", "quantile", "value"}``: ``estimate_bandwidth(X,
  quantile=q)`` without sampling, on "ms_blobs" and "iris" (sklearn.datasets'
  load_iris, unscaled).
"""

import csv
import json
import math
import os
from importlib import metadata

import numpy as np
from sklearn.cluster import DBSCAN, HDBSCAN, MeanShift, estimate_bandwidth
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import pairwise_distances

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "ml-cluster", "tests", "data", "density.json")
AIRPORTS = os.path.join(ROOT, "crates", "ml-core", "datasets", "airports.csv")
EARTH_KM = 6371.0


def floats(a):
    return np.asarray(a, dtype=float).tolist()


def ints(a):
    return np.asarray(a).astype(np.int64).tolist()


def airports():
    with open(AIRPORTS, encoding="utf-8", newline="") as f:
        rows = [(float(r["latitude"]), float(r["longitude"])) for r in csv.DictReader(f)]
    return np.radians(np.array(rows))


def min_gap(X, eps, metric):
    d = pairwise_distances(X, metric=metric)
    return float(np.min(np.abs(d - eps)) / eps)


def dbscan_case(name, X, eps, min_samples, metric="euclidean", weights=None):
    model = DBSCAN(eps=eps, min_samples=min_samples, metric=metric).fit(X, sample_weight=weights)
    labels = model.labels_
    gap = min_gap(X, eps, metric)
    assert gap > 1e-9, f"{name}: a distance equals eps"
    return {"data": name, "eps": eps, "min_samples": min_samples, "metric": metric,
            "weights": None if weights is None else floats(weights), "labels": ints(labels),
            "core_sample_indices": ints(model.core_sample_indices_),
            "n_clusters": int(labels.max() + 1), "min_gap": gap}


def hdbscan_case(name, X, params):
    model = HDBSCAN(**params, store_centers="both", copy=True).fit(X)
    weights = np.sort(model._single_linkage_tree_["value"])
    ties = int(np.sum(weights[1:] == weights[:-1]))
    return {"data": name, "params": params, "tied_weights": ties, "labels": ints(model.labels_),
            "probabilities": floats(model.probabilities_), "mst_weights": floats(weights),
            "centroids": floats(model.centroids_), "medoids": floats(model.medoids_)}


def main():
    out = {"versions": {"scikit-learn": metadata.version("scikit-learn"), "numpy": metadata.version("numpy")}}
    blobs, _ = make_blobs(n_samples=1500, centers=5, cluster_std=0.6, random_state=3)
    ms_blobs, _ = make_blobs(n_samples=600, centers=[[1, 1], [-1, -1], [1, -1]], cluster_std=0.4, random_state=0)
    air = airports()
    out["blobs"] = {"X": floats(blobs), "seed": 3}
    out["ms_blobs"] = {"X": floats(ms_blobs), "seed": 0}
    out["airports_x_sum"] = math.fsum(air.ravel().tolist())

    weights = np.random.default_rng(7).uniform(0.2, 2.0, len(blobs))
    out["dbscan"] = [
        dbscan_case("blobs", blobs, 0.3, 10),
        dbscan_case("blobs", blobs, 0.5, 5),
        dbscan_case("blobs", blobs, 0.2, 1),
        dbscan_case("blobs", blobs, 0.4, 8, metric="manhattan"),
        dbscan_case("blobs", blobs, 0.3, 10, weights=weights),
        dbscan_case("airports", air, 100.0 / EARTH_KM, 5, metric="haversine"),
        dbscan_case("airports", air, 50.0 / EARTH_KM, 3, metric="haversine"),
    ]

    bw = estimate_bandwidth(ms_blobs, quantile=0.2)
    cases = []
    for bandwidth, bin_seeding, cluster_all, min_bin_freq in [
        (bw, False, True, 1), (bw, True, True, 1), (0.5, False, False, 1), (0.5, True, False, 3),
    ]:
        model = MeanShift(bandwidth=bandwidth, bin_seeding=bin_seeding, cluster_all=cluster_all,
                          min_bin_freq=min_bin_freq).fit(ms_blobs)
        cases.append({"bandwidth": bandwidth, "bin_seeding": bin_seeding, "cluster_all": cluster_all,
                      "min_bin_freq": min_bin_freq, "labels": ints(model.labels_),
                      "cluster_centers": floats(model.cluster_centers_), "n_iter": int(model.n_iter_)})
    out["mean_shift"] = cases

    out["hdbscan"] = [
        hdbscan_case("blobs", blobs, {"min_samples": 2}),
        hdbscan_case("blobs", blobs, {"min_cluster_size": 15, "min_samples": 2, "cluster_selection_method": "leaf"}),
        hdbscan_case("blobs", blobs, {"min_cluster_size": 20, "min_samples": 2, "cluster_selection_epsilon": 0.5}),
        hdbscan_case("blobs", blobs, {"min_cluster_size": 20, "min_samples": 1, "max_cluster_size": 250}),
        hdbscan_case("blobs", blobs, {"min_cluster_size": 10, "min_samples": 2, "alpha": 1.5, "metric": "manhattan"}),
        hdbscan_case("ms_blobs", ms_blobs, {"min_cluster_size": 40, "min_samples": 2, "allow_single_cluster": True}),
        hdbscan_case("airports", air, {"min_cluster_size": 10, "min_samples": 2, "metric": "haversine"}),
        # min_samples > 2: tied spanning-tree weights, whose order numpy's argsort leaves open.
        hdbscan_case("blobs", blobs, {}),
        hdbscan_case("blobs", blobs, {"min_cluster_size": 25, "min_samples": 10}),
        hdbscan_case("airports", air, {"min_cluster_size": 10, "metric": "haversine"}),
    ]

    iris = load_iris().data
    out["bandwidth"] = [
        {"data": "ms_blobs", "quantile": 0.2, "value": float(bw)},
        {"data": "ms_blobs", "quantile": 0.3, "value": float(estimate_bandwidth(ms_blobs))},
        {"data": "iris", "quantile": 0.3, "value": float(estimate_bandwidth(iris))},
        {"data": "iris", "quantile": 0.05, "value": float(estimate_bandwidth(iris, quantile=0.05))},
    ]
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(out['dbscan'])} DBSCAN and {len(cases)} MeanShift cases")


if __name__ == "__main__":
    main()
