#!/usr/bin/env python3
"""Reference data for ml_core::inspection (partial dependence), tested through
ml-supervised's histogram gradient boosting models (which equal scikit-learn's tree for
tree on these fits, see hgb.py) in crates/ml-supervised/tests/inspection.rs.

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4, scipy 1.17):

    .venv/bin/python scripts/refdata/inspection.py

writes crates/ml-supervised/tests/data/inspection.json: ``{"cases": [...]}``, one entry
per ``partial_dependence(model, X, features, method="brute", kind="average", ...)``
call, ``{"name", "dataset", "kind": "classifier" | "regressor", "params", "features",
"grid_resolution", "percentiles", "grid", "average"}``:

* ``params``: the keyword arguments of HistGradientBoostingRegressor/Classifier
  (``early_stopping=False``, ``random_state=0``, ``max_iter``), fitted on the whole
  data set: diabetes (``load_diabetes``, scaled features, regressor), breast_cancer
  (binary) and wine (three classes) classifiers; the partial dependence is taken on
  the same X.
* ``grid``: scikit-learn's ``grid_values``, one list per feature.
* ``average``: scikit-learn's ``average`` (shape ``(n_outputs, len(grid[0]), ...)``)
  as rows of the grid points in C order (the first feature slowest), one column per
  output: ``average.reshape(n_outputs, -1).T``. Binary classifiers have one output
  (the positive class's probability), wine three.

Cases: diabetes features [2] and [2, 8] at grid_resolution 20, [2] with percentiles
(0, 1) and [1] (sex: two distinct values, so the axis is those values) at the default
resolution; breast_cancer features [0] (default resolution 100) and [0, 1] (20); wine
feature [6] (default resolution).
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import partial_dependence

OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "crates", "ml-supervised", "tests", "data", "inspection.json"
)

DEFAULT_RESOLUTION = 100
DEFAULT_PERCENTILES = (0.05, 0.95)


def main():
    data = {
        "diabetes": load_diabetes(return_X_y=True),
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "wine": load_wine(return_X_y=True),
    }
    C, R = "classifier", "regressor"
    configs = [
        # name, dataset, kind, max_iter, features, grid_resolution, percentiles
        ("diabetes_f2", "diabetes", R, 20, [2], 20, DEFAULT_PERCENTILES),
        ("diabetes_f2_f8", "diabetes", R, 20, [2, 8], 20, DEFAULT_PERCENTILES),
        ("diabetes_f2_full_range", "diabetes", R, 20, [2], DEFAULT_RESOLUTION, (0.0, 1.0)),
        ("diabetes_f1_two_values", "diabetes", R, 20, [1], DEFAULT_RESOLUTION, DEFAULT_PERCENTILES),
        ("breast_cancer_f0", "breast_cancer", C, 10, [0], DEFAULT_RESOLUTION, DEFAULT_PERCENTILES),
        ("breast_cancer_f0_f1", "breast_cancer", C, 10, [0, 1], 20, DEFAULT_PERCENTILES),
        ("wine_f6", "wine", C, 5, [6], DEFAULT_RESOLUTION, DEFAULT_PERCENTILES),
    ]
    models = {}
    cases = []
    for name, dataset, kind, max_iter, features, resolution, percentiles in configs:
        X, y = data[dataset]
        params = {"max_iter": max_iter, "early_stopping": False, "random_state": 0}
        key = (dataset, max_iter)
        if key not in models:
            cls = HistGradientBoostingClassifier if kind == C else HistGradientBoostingRegressor
            models[key] = cls(**params).fit(X, y)
        pd = partial_dependence(
            models[key],
            X,
            features,
            percentiles=percentiles,
            grid_resolution=resolution,
            method="brute",
            kind="average",
        )
        average = np.asarray(pd["average"])
        n_outputs = average.shape[0]
        cases.append(
            {
                "name": name,
                "dataset": dataset,
                "kind": kind,
                "params": params,
                "features": features,
                "grid_resolution": resolution,
                "percentiles": list(percentiles),
                "grid": [[float(v) for v in axis] for axis in pd["grid_values"]],
                "average": average.reshape(n_outputs, -1).T.tolist(),
            }
        )

    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases -> {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
