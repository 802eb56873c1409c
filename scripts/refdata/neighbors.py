#!/usr/bin/env python3
"""Reference data for the nearest-neighbour searches and estimators (ml-core's
NeighborIndex; ml-cluster's NearestNeighbors, KNeighborsClassifier/Regressor,
RadiusNeighborsClassifier/Regressor).

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4):

    .venv/bin/python scripts/refdata/neighbors.py

writes crates/ml-cluster/tests/data/neighbors.json (compact JSON; every float is
Python's repr of the float64, so it reads back bit for bit; NaN is null). Top-level
keys:

* ``versions``: ``{"scikit-learn", "numpy"}`` that made the file.
* ``datasets``: ``{"iris" | "wine" | "digits": {"n_samples", "n_features", "x_sum",
  "train_idx", "query_idx", "y", "y_reg"}}``. X is sklearn.datasets' ``load_<name>``,
  unscaled, rows in the loader's order (not embedded: the Rust tests load the same
  data); ``x_sum`` is math.fsum of every entry of the whole X (a checksum).
  ``query_idx`` = the rows i with i % 5 == 0 and ``train_idx`` = the other rows, both
  ascending; for digits only the first 1200 train rows and the first 150 query rows
  (of 1437 and 360) are used. Every index in a result below (``indices``, graph
  columns) is a position in ``train_idx`` (0..n_train), and every per-row list runs
  over ``query_idx`` in order. ``y`` = the class labels of all n rows; ``y_reg`` =
  ``y + 0.1 * X[:, 0]`` of all n rows (the regression target; digits' column 0 is
  always 0, so there it is the label).
* ``kneighbors``: ``NearestNeighbors(n_neighbors=k, metric, p, algorithm).fit(X_train)
  .kneighbors(X_query)`` with k = 5: ``{"dataset", "metric", "p", "algorithm", "k",
  "n_neighbors", "self_query", "distances", "indices", "kth_plus_one", "tied",
  "boundary_tied"}``. ``p`` is null unless metric is "minkowski". ``distances`` and
  ``indices`` are rows x k, nearest first, as sklearn returns them.
  ``kth_plus_one`` = per row the distance of the (k+1)-th neighbour (the last column
  of the same search with k + 1). ``tied`` = per row whether any two of the k + 1
  smallest distances are equal within 1e-9 * max(|a|, |b|) + 1e-12 (computed from the
  directly evaluated distances, not sklearn's); ``boundary_tied`` = whether the k-th
  and (k+1)-th are (only then is the neighbour SET ambiguous; ``tied`` alone may
  only reorder equal distances, which sklearn's trees and brute force order
  differently). Cases per dataset: euclidean with kd_tree AND with brute (same
  neighbours on untied rows, checked), manhattan, chebyshev and minkowski p=3
  (kd_tree), minkowski p=1.5 (ball_tree), sqeuclidean and cosine (brute). sklearn's
  brute euclidean/sqeuclidean distances come from the |x|^2 - 2 x.y + |y|^2 expansion
  (not bit-exact: up to ~1e-11 relative off the direct formula on wine) and its
  cosine distance is 1 - x.y/(|x| |y|) (small distances off by up to ~1e-10
  relative); the tree cases' distances are within 4.4e-16 relative of the direct
  formula's (a sequential sum over the features; numpy sums pairwise). The k
  distances of a row are well defined even where ``tied``: only which of equal
  points is listed (and in which order) is not.
  ``self_query: true`` cases (euclidean, kd_tree, iris and wine): ``kneighbors()``
  without X, so the queries are the TRAIN rows and each row's own index is left out
  (the lists then run over the train rows; ``tied`` and ``kth_plus_one`` likewise
  leave the row itself out). Iris has duplicate rows, so some of these distances
  are 0.
* ``radius``: ``NearestNeighbors(radius=r, metric, algorithm="kd_tree").fit(X_train)
  .radius_neighbors(X_query, sort_results=True)``: ``{"dataset", "metric", "p",
  "algorithm", "radius", "distances", "indices", "near_boundary"}``; ``distances`` and
  ``indices`` are ragged (one list per query row, ascending distance; equal distances
  in the tree's order). r = the median over the query rows of the 5th neighbour's
  distance of the metric's kneighbors case (``np.median``; with an even number of
  queries the mean of the two middle values, which often IS a distance). sklearn's
  trees keep every point with d <= r. ``near_boundary`` = per row whether some train
  point's directly evaluated distance is within 1e-9 * r of r: there, a different
  summation order may move that point in or out. Metrics: euclidean, manhattan.
* ``classifiers``: ``KNeighborsClassifier(n_neighbors, weights, metric,
  algorithm="kd_tree").fit(X_train, y_train)`` on the query rows: ``{"dataset",
  "metric", "p", "algorithm", "n_neighbors", "weights", "classes", "predict",
  "predict_proba" (rows x n_classes), "tied", "boundary_tied"}`` (the flags of the
  k + 1 nearest as in ``kneighbors``, for this n_neighbors). Cases: euclidean with
  weights uniform and distance for n_neighbors 5, 1 and 7; manhattan uniform 5. A
  vote tie goes to the smallest label (sklearn's argmax / mode); with weights
  'distance', a row with a zero distance weighs only its zero-distance neighbours,
  1 each.
* ``regressors``: ``KNeighborsRegressor`` likewise on ``y_reg`` (``"target": "y +
  0.1 * X[:, 0]"``): euclidean, n_neighbors 5, weights uniform and distance:
  ``{"dataset", "metric", "p", "algorithm", "n_neighbors", "weights", "target",
  "predict", "tied", "boundary_tied"}``.
* ``radius_classifiers``: ``RadiusNeighborsClassifier(radius=r, weights,
  outlier_label, algorithm="kd_tree")`` (euclidean, r of the euclidean ``radius``
  case) with outlier_label "most_frequent" and -1, weights uniform and distance:
  ``{"dataset", "metric", "p", "algorithm", "radius", "weights", "outlier_label",
  "outlier_label_" (the label sklearn resolved: 'most_frequent' = the most frequent
  training label, the smallest on a tie), "classes", "outliers" (query rows without
  a neighbour), "predict", "predict_proba", "near_boundary"}``. An outlier row's
  probabilities are one-hot on ``outlier_label_`` when it is a training class, and
  all 0 when it is not (-1; sklearn warns); predict gives ``outlier_label_`` there.
* ``radius_regressors``: ``RadiusNeighborsRegressor(radius=r, weights,
  algorithm="kd_tree")`` on ``y_reg``, weights uniform and distance: ``{"dataset",
  "metric", "p", "algorithm", "radius", "weights", "target", "outliers", "predict"
  (null for a row without neighbours: sklearn's NaN), "near_boundary"}``.
* ``graphs`` (iris only; euclidean, kd_tree, fitted on the train rows, queries the
  query rows): ``{"dataset", "kind": "kneighbors_graph" | "radius_neighbors_graph",
  "mode", "n_neighbors" | "radius", "sort_results", "shape", "indptr", "indices",
  "data", "tied" | "near_boundary"}``: the CSR arrays exactly as sklearn returns them,
  NOT column-sorted: kneighbors_graph lists each row's columns nearest first (the
  order of kneighbors), radius_neighbors_graph with sort_results=True by ascending
  distance. Cases: kneighbors_graph n_neighbors=5 'connectivity' (data all 1.0) and
  'distance'; radius_neighbors_graph at the euclidean radius, 'distance'.
* ``zero_distance``: a tiny embedded 2-D set where queries coincide exactly with one
  or two (duplicated) train points: ``{"X_train", "y_train", "y_reg_train",
  "X_query", "algorithm", "brute_nearest_distance", "cases": [{"estimator",
  "n_neighbors" | "radius", "weights", "outlier_label" (radius classifiers),
  "classes" (classifiers), "predict", "predict_proba" (classifiers), "tied",
  "boundary_tied" (k-NN)}]}`` for KNeighborsClassifier/Regressor (k=3) and
  RadiusNeighborsClassifier/Regressor (radius 1.5; the last query has no neighbour),
  weights 'distance' and 'uniform', algorithm "kd_tree" (``"algorithm"``); no query
  has a tie at the k boundary (the data are chosen so).
  ``brute_nearest_distance``: sklearn's brute-force distance of each query's nearest
  train point, for the record: its |x|^2 - 2 x.y + |y|^2 expansion gives 8.4e-8,
  not 0, for query 4 = train row 9 (3.3, 3.6), so with algorithm "brute" the
  zero-distance rule does not fire there (probabilities 0.99999995 / 4.7e-8 instead
  of 1 / 0); the kd_tree's distances are exact.
* ``haversine``: ``{"seed": 42, "X_train", "X_query", "cases"}``.
  ``numpy.random.default_rng(42)`` draws, in this order, the train
  latitudes (400, uniform in [-pi/2, pi/2]), train longitudes (400, uniform in
  [-pi, pi]), query latitudes (60) and query longitudes (60); ``X_train``/``X_query``
  embed them (radians, columns [lat, lon]). ``cases``: for algorithm "ball_tree" and
  "brute", ``{"algorithm", "k", "distances", "indices", "kth_plus_one", "tied",
  "boundary_tied", "radius": 0.2, "radius_distances", "radius_indices",
  "near_boundary"}`` of ``NearestNeighbors(metric="haversine", algorithm)`` with k=5
  and a sorted radius query (both algorithms agree; checked).
"""
import json
import math
import os
import warnings
from importlib import metadata

import numpy as np
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.neighbors import (KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors,
                               RadiusNeighborsClassifier, RadiusNeighborsRegressor)

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "ml-cluster", "tests", "data",
                   "neighbors.json")

K = 5
TIE_REL, TIE_ABS = 1e-9, 1e-12
LOADERS = {"iris": load_iris, "wine": load_wine, "digits": load_digits}
DIGITS_TRAIN, DIGITS_QUERY = 1200, 150
METRIC_CASES = [  # (metric, p, algorithm)
    ("euclidean", None, "kd_tree"),
    ("euclidean", None, "brute"),
    ("manhattan", None, "kd_tree"),
    ("chebyshev", None, "kd_tree"),
    ("minkowski", 3, "kd_tree"),
    ("minkowski", 1.5, "ball_tree"),
    ("sqeuclidean", None, "brute"),
    ("cosine", None, "brute"),
]


def floats(a):
    """A float array as nested lists of Python floats (NaN -> None)."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        v = float(a)
        return None if math.isnan(v) else v
    return [floats(r) for r in a] if a.ndim > 1 else [None if math.isnan(v) else float(v) for v in a]


def ints(a):
    return np.asarray(a).astype(np.int64).tolist()


def direct_distances(A, B, metric, p):
    """Every distance between the rows of A and B by the textbook formula (differences,
    no expansion), for the tie and boundary flags."""
    if metric == "cosine":
        na = np.sqrt((A * A).sum(1))
        nb = np.sqrt((B * B).sum(1))
        return 1.0 - (A @ B.T) / np.outer(na, nb)
    if metric == "haversine":
        dlat = A[:, None, 0] - B[None, :, 0]
        dlon = A[:, None, 1] - B[None, :, 1]
        h = np.sin(dlat / 2) ** 2 + np.cos(A[:, None, 0]) * np.cos(B[None, :, 0]) * np.sin(dlon / 2) ** 2
        return 2 * np.arcsin(np.sqrt(h))
    diff = np.abs(A[:, None, :] - B[None, :, :])
    if metric == "euclidean":
        return np.sqrt((diff ** 2).sum(-1))
    if metric == "sqeuclidean":
        return (diff ** 2).sum(-1)
    if metric == "manhattan":
        return diff.sum(-1)
    if metric == "chebyshev":
        return diff.max(-1)
    if metric == "minkowski":
        return (diff ** p).sum(-1) ** (1.0 / p)
    raise ValueError(metric)


def close(a, b):
    return abs(a - b) <= TIE_REL * max(abs(a), abs(b)) + TIE_ABS


def tie_flags(D, k):
    """Per row of the direct distance matrix D: (any two of the k+1 smallest equal,
    the k-th and (k+1)-th equal)."""
    tied, boundary = [], []
    for row in D:
        s = np.sort(row)[:k + 1]
        tied.append(bool(any(close(s[j], s[j + 1]) for j in range(len(s) - 1))))
        boundary.append(bool(len(s) > k and close(s[k - 1], s[k])))
    return tied, boundary


def boundary_flags(D, r):
    return [bool(np.any(np.abs(row - r) <= TIE_REL * r)) for row in D]


def nn_params(metric, p):
    return {"metric": metric} | ({"p": p} if p is not None else {})


def split(name, n):
    q = [i for i in range(n) if i % 5 == 0]
    t = [i for i in range(n) if i % 5 != 0]
    if name == "digits":
        q, t = q[:DIGITS_QUERY], t[:DIGITS_TRAIN]
    return np.array(t), np.array(q)


def same_neighbours(d1, i1, d2, i2, tied, what):
    """Two searches agree: distances to 1e-9 relative, indices on untied rows."""
    assert np.allclose(d1, d2, rtol=1e-9, atol=1e-12), what
    for r in range(len(d1)):
        if not tied[r]:
            assert list(i1[r]) == list(i2[r]), (what, r)


def main():
    out = {"versions": {"scikit-learn": metadata.version("scikit-learn"), "numpy": metadata.version("numpy")},
           "datasets": {}, "kneighbors": [], "radius": [], "classifiers": [], "regressors": [],
           "radius_classifiers": [], "radius_regressors": [], "graphs": []}
    for name, loader in LOADERS.items():
        X, y = loader(return_X_y=True)
        n = X.shape[0]
        tr, qr = split(name, n)
        y_reg = y + 0.1 * X[:, 0]
        out["datasets"][name] = {"n_samples": n, "n_features": X.shape[1], "x_sum": math.fsum(X.ravel().tolist()),
                                 "train_idx": ints(tr), "query_idx": ints(qr), "y": ints(y),
                                 "y_reg": floats(y_reg)}
        Xt, Xq, yt, yrt = X[tr], X[qr], y[tr], y_reg[tr]
        direct = {}
        radius_of = {}
        searches = {}
        for metric, p, algo in METRIC_CASES:
            nn = NearestNeighbors(n_neighbors=K, algorithm=algo, **nn_params(metric, p)).fit(Xt)
            d, i = nn.kneighbors(Xq)
            d1, _ = nn.kneighbors(Xq, n_neighbors=K + 1)
            key = (metric, p)
            if key not in direct:
                direct[key] = direct_distances(Xq, Xt, metric, p)
            tied, boundary = tie_flags(direct[key], K)
            # Every case must agree with brute force (and kd_tree with the brute case).
            nb = NearestNeighbors(n_neighbors=K, algorithm="brute", **nn_params(metric, p)).fit(Xt)
            db, ib = nb.kneighbors(Xq)
            same_neighbours(d, i, db, ib, tied, (name, metric, p, algo))
            searches[(metric, p, algo)] = (d, i)
            out["kneighbors"].append({
                "dataset": name, "metric": metric, "p": p, "algorithm": algo, "k": K, "n_neighbors": K,
                "self_query": False, "distances": floats(d), "indices": ints(i), "kth_plus_one": floats(d1[:, K]),
                "tied": tied, "boundary_tied": boundary})
        # kneighbors() without X: the train rows query themselves, self left out.
        if name in ("iris", "wine"):
            nn = NearestNeighbors(n_neighbors=K, algorithm="kd_tree").fit(Xt)
            d, i = nn.kneighbors()
            d1, _ = nn.kneighbors(n_neighbors=K + 1)
            D = direct_distances(Xt, Xt, "euclidean", None)
            np.fill_diagonal(D, np.inf)
            tied, boundary = tie_flags(D, K)
            assert all(r not in list(i[r]) for r in range(len(i)))
            out["kneighbors"].append({
                "dataset": name, "metric": "euclidean", "p": None, "algorithm": "kd_tree", "k": K,
                "n_neighbors": K, "self_query": True, "distances": floats(d), "indices": ints(i),
                "kth_plus_one": floats(d1[:, K]), "tied": tied, "boundary_tied": boundary})
        # Radius queries at the median 5th-neighbour distance.
        for metric in ("euclidean", "manhattan"):
            d, _ = searches[(metric, None, "kd_tree")]
            r = float(np.median(d[:, K - 1]))
            radius_of[metric] = r
            nn = NearestNeighbors(radius=r, algorithm="kd_tree", metric=metric).fit(Xt)
            rd, ri = nn.radius_neighbors(Xq, sort_results=True)
            near = boundary_flags(direct[(metric, None)], r)
            nb = NearestNeighbors(radius=r, algorithm="brute", metric=metric).fit(Xt)
            bd, bi = nb.radius_neighbors(Xq, sort_results=True)
            for row in range(len(rd)):
                if not near[row]:
                    assert sorted(ri[row]) == sorted(bi[row]), (name, metric, row)
                    assert np.allclose(rd[row], bd[row], rtol=1e-9, atol=1e-12)
            out["radius"].append({
                "dataset": name, "metric": metric, "p": None, "algorithm": "kd_tree", "radius": r,
                "distances": [floats(a) for a in rd], "indices": [ints(a) for a in ri], "near_boundary": near})
        # Classifiers and regressors.
        clf_cases = [("euclidean", k, w) for k in (5, 1, 7) for w in ("uniform", "distance")]
        clf_cases.append(("manhattan", 5, "uniform"))
        for metric, k, weights in clf_cases:
            m = KNeighborsClassifier(n_neighbors=k, weights=weights, metric=metric, algorithm="kd_tree").fit(Xt, yt)
            tied, boundary = tie_flags(direct[(metric, None)], k)
            out["classifiers"].append({
                "dataset": name, "metric": metric, "p": None, "algorithm": "kd_tree", "n_neighbors": k,
                "weights": weights, "classes": ints(m.classes_), "predict": ints(m.predict(Xq)),
                "predict_proba": floats(m.predict_proba(Xq)), "tied": tied, "boundary_tied": boundary})
        for weights in ("uniform", "distance"):
            m = KNeighborsRegressor(n_neighbors=K, weights=weights, algorithm="kd_tree").fit(Xt, yrt)
            tied, boundary = tie_flags(direct[("euclidean", None)], K)
            out["regressors"].append({
                "dataset": name, "metric": "euclidean", "p": None, "algorithm": "kd_tree", "n_neighbors": K,
                "weights": weights, "target": "y + 0.1 * X[:, 0]", "predict": floats(m.predict(Xq)),
                "tied": tied, "boundary_tied": boundary})
        r = radius_of["euclidean"]
        near = boundary_flags(direct[("euclidean", None)], r)
        _, ri = NearestNeighbors(radius=r, algorithm="kd_tree").fit(Xt).radius_neighbors(Xq)
        outliers = [row for row in range(len(ri)) if len(ri[row]) == 0]
        for outlier_label in ("most_frequent", -1):
            for weights in ("uniform", "distance"):
                m = RadiusNeighborsClassifier(radius=r, weights=weights, outlier_label=outlier_label,
                                              algorithm="kd_tree").fit(Xt, yt)
                with warnings.catch_warnings():  # outlier_label -1 is no class
                    warnings.simplefilter("ignore")
                    proba = m.predict_proba(Xq)
                    pred = m.predict(Xq)
                out["radius_classifiers"].append({
                    "dataset": name, "metric": "euclidean", "p": None, "algorithm": "kd_tree", "radius": r,
                    "weights": weights, "outlier_label": outlier_label,
                    "outlier_label_": int(np.ravel(m.outlier_label_)[0]), "classes": ints(m.classes_),
                    "outliers": outliers, "predict": ints(pred), "predict_proba": floats(proba),
                    "near_boundary": near})
        for weights in ("uniform", "distance"):
            m = RadiusNeighborsRegressor(radius=r, weights=weights, algorithm="kd_tree").fit(Xt, yrt)
            with warnings.catch_warnings():  # rows without neighbours: NaN
                warnings.simplefilter("ignore")
                pred = m.predict(Xq)
            assert [row for row in range(len(pred)) if np.isnan(pred[row])] == outliers
            out["radius_regressors"].append({
                "dataset": name, "metric": "euclidean", "p": None, "algorithm": "kd_tree", "radius": r,
                "weights": weights, "target": "y + 0.1 * X[:, 0]", "outliers": outliers,
                "predict": floats(pred), "near_boundary": near})
        if name == "iris":
            nn = NearestNeighbors(n_neighbors=K, radius=r, algorithm="kd_tree").fit(Xt)
            tied, _ = tie_flags(direct[("euclidean", None)], K)
            for mode in ("connectivity", "distance"):
                g = nn.kneighbors_graph(Xq, n_neighbors=K, mode=mode)
                out["graphs"].append({
                    "dataset": name, "kind": "kneighbors_graph", "mode": mode, "n_neighbors": K,
                    "sort_results": None, "shape": list(g.shape), "indptr": ints(g.indptr),
                    "indices": ints(g.indices), "data": floats(g.data), "tied": tied})
            g = nn.radius_neighbors_graph(Xq, radius=r, mode="distance", sort_results=True)
            out["graphs"].append({
                "dataset": name, "kind": "radius_neighbors_graph", "mode": "distance", "radius": r,
                "sort_results": True, "shape": list(g.shape), "indptr": ints(g.indptr),
                "indices": ints(g.indices), "data": floats(g.data), "near_boundary": near})

    out["zero_distance"] = zero_distance()
    out["haversine"] = haversine()
    text = json.dumps(out, separators=(",", ":"), allow_nan=False)
    with open(OUT, "w") as f:
        f.write(text + "\n")
    counts = {k: len(v) for k, v in out.items() if isinstance(v, list)}
    print(f"{counts} -> {OUT} ({os.path.getsize(OUT)} bytes)")


def zero_distance():
    """Queries on top of one or two train points, weights 'distance' (and 'uniform')."""
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.1, 0.3], [0.2, 1.7], [1.0, 1.0], [2.5, 2.0], [2.5, 2.0], [3.1, 0.4],
                  [0.6, 3.2], [3.3, 3.6], [1.4, 2.4], [2.2, 0.8]])
    y = np.array([0, 1, 0, 1, 2, 2, 0, 1, 2, 0, 1, 2])
    y_reg = np.array([0.5, 1.5, -1.0, 2.0, 3.25, 4.0, -2.5, 1.0, 0.0, 6.0, -0.75, 2.5])
    Q = np.array([[0.0, 0.0], [1.0, 1.0], [2.5, 2.0], [0.5, 0.45], [3.3, 3.6], [1.65, 1.4], [2.2, 0.8],
                  [6.0, 6.0]])
    D = direct_distances(Q, X, "euclidean", None)
    tied, boundary = tie_flags(D, 3)
    assert not any(boundary), boundary
    cases = []
    for weights in ("distance", "uniform"):
        algo = "kd_tree"  # exact distances; see brute_nearest_distance
        m = KNeighborsClassifier(n_neighbors=3, weights=weights, algorithm=algo).fit(X, y)
        clf = {"estimator": "KNeighborsClassifier", "n_neighbors": 3, "weights": weights,
               "classes": ints(m.classes_), "predict": ints(m.predict(Q)),
               "predict_proba": floats(m.predict_proba(Q)), "tied": tied, "boundary_tied": boundary}
        m = KNeighborsRegressor(n_neighbors=3, weights=weights, algorithm=algo).fit(X, y_reg)
        reg = {"estimator": "KNeighborsRegressor", "n_neighbors": 3, "weights": weights,
               "predict": floats(m.predict(Q)), "tied": tied, "boundary_tied": boundary}
        m = RadiusNeighborsClassifier(radius=1.5, weights=weights, outlier_label=-1, algorithm=algo).fit(X, y)
        with warnings.catch_warnings():  # the last query has no neighbour
            warnings.simplefilter("ignore")
            rclf = {"estimator": "RadiusNeighborsClassifier", "radius": 1.5, "weights": weights,
                    "outlier_label": -1, "classes": ints(m.classes_), "predict": ints(m.predict(Q)),
                    "predict_proba": floats(m.predict_proba(Q))}
            m = RadiusNeighborsRegressor(radius=1.5, weights=weights, algorithm=algo).fit(X, y_reg)
            rreg = {"estimator": "RadiusNeighborsRegressor", "radius": 1.5, "weights": weights,
                    "predict": floats(m.predict(Q))}
        cases.extend([clf, reg, rclf, rreg])
    # sklearn's brute force (|x|^2 - 2 x.y + |y|^2) does not give 0 for every
    # coincident pair (8.4e-8 for query 4), so its 'distance' weights differ there.
    brute, _ = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(X).kneighbors(Q)
    return {"X_train": floats(X), "y_train": ints(y), "y_reg_train": floats(y_reg), "X_query": floats(Q),
            "algorithm": "kd_tree", "brute_nearest_distance": floats(brute[:, 0]), "cases": cases}


def haversine():
    rng = np.random.default_rng(42)
    lat_t = rng.uniform(-np.pi / 2, np.pi / 2, 400)
    lon_t = rng.uniform(-np.pi, np.pi, 400)
    lat_q = rng.uniform(-np.pi / 2, np.pi / 2, 60)
    lon_q = rng.uniform(-np.pi, np.pi, 60)
    Xt, Xq = np.column_stack([lat_t, lon_t]), np.column_stack([lat_q, lon_q])
    D = direct_distances(Xq, Xt, "haversine", None)
    tied, boundary = tie_flags(D, K)
    r = 0.2
    near = boundary_flags(D, r)
    cases, first = [], None
    for algo in ("ball_tree", "brute"):
        nn = NearestNeighbors(n_neighbors=K, radius=r, metric="haversine", algorithm=algo).fit(Xt)
        d, i = nn.kneighbors(Xq)
        d1, _ = nn.kneighbors(Xq, n_neighbors=K + 1)
        rd, ri = nn.radius_neighbors(Xq, sort_results=True)
        if first is None:
            first = (d, i, rd, ri)
        else:
            same_neighbours(first[0], first[1], d, i, tied, "haversine")
            for row in range(len(rd)):
                if not near[row]:
                    assert list(ri[row]) == list(first[3][row]) and np.allclose(rd[row], first[2][row], rtol=1e-9)
        cases.append({"algorithm": algo, "k": K, "distances": floats(d), "indices": ints(i),
                      "kth_plus_one": floats(d1[:, K]), "tied": tied, "boundary_tied": boundary, "radius": r,
                      "radius_distances": [floats(a) for a in rd], "radius_indices": [ints(a) for a in ri],
                      "near_boundary": near})
    return {"seed": 42, "X_train": floats(Xt), "X_query": floats(Xq), "cases": cases}


if __name__ == "__main__":
    main()
