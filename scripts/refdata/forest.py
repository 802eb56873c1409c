#!/usr/bin/env python3
"""Reference data for ml-supervised's forests (RandomForest*, ExtraTrees*).

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4):

    .venv/bin/python scripts/refdata/forest.py

writes crates/ml-supervised/tests/data/forest.json:

* ``forests``: small forests (n_estimators 6 or 8, one thread) on iris, breast_cancer,
  wine and diabetes (scaled, scikit-learn's default) with a given random_state: every
  tree's ``feature`` and ``threshold`` in pre-order (the Rust trees' numbering), the
  training rows' ``predict_proba`` (classifiers) or ``predict`` (regressors),
  ``feature_importances_`` and, with ``oob_score``, ``oob_score_`` and
  ``oob_decision_function_`` / ``oob_prediction_``. Settings cover the default
  bootstrap, ``max_samples`` (count and fraction), ``max_depth``/``min_samples_leaf``,
  ``max_features``, the entropy criterion, sample weights ``1 + i % 3`` and class
  weights (both draw the bootstrap with ``choice(p=)``), ``balanced_subsample``,
  extra trees with and without bootstrap, and NaN in 10% of the cells of the even
  columns (``missing_train``, flat row-major indices).
* ``cv``: 5-fold (KFold, no shuffle) accuracy or R² of default forests (100 trees,
  random_state 0) on breast_cancer, wine, digits and diabetes.
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.model_selection import KFold, cross_val_score

from tree import arrays

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "ml-supervised", "tests", "data", "forest.json")

KINDS = {
    "random_forest_classifier": RandomForestClassifier,
    "extra_trees_classifier": ExtraTreesClassifier,
    "random_forest_regressor": RandomForestRegressor,
    "extra_trees_regressor": ExtraTreesRegressor,
}


def preorder(tree):
    """The tree's features and thresholds with the nodes in pre-order (tree.py's
    numbering)."""
    a = arrays(tree)
    return {"feature": a["feature"], "threshold": a["threshold"]}


def main():
    data = {
        "iris": load_iris(return_X_y=True),
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "diabetes": load_diabetes(return_X_y=True),
    }
    rng = np.random.RandomState(0)
    configs = [
        ("random_forest_classifier", "iris", {"n_estimators": 8, "random_state": 0, "oob_score": True}),
        ("random_forest_classifier", "breast_cancer", {"n_estimators": 6, "random_state": 3, "max_depth": 6, "oob_score": True}),
        ("random_forest_classifier", "wine", {"n_estimators": 8, "random_state": 11, "criterion": "entropy", "max_features": 0.5,
                                              "max_samples": 0.7, "oob_score": True}),
        ("random_forest_classifier", "breast_cancer", {"n_estimators": 6, "random_state": 2, "max_samples": 200, "min_samples_leaf": 3}),
        ("random_forest_classifier", "iris", {"n_estimators": 8, "random_state": 4, "weighted": True, "oob_score": True}),
        ("random_forest_classifier", "wine", {"n_estimators": 8, "random_state": 5, "class_weight": "balanced", "oob_score": True}),
        ("random_forest_classifier", "breast_cancer", {"n_estimators": 6, "random_state": 6, "class_weight": "balanced_subsample",
                                                       "max_depth": 5, "oob_score": True}),
        ("random_forest_classifier", "breast_cancer", {"n_estimators": 6, "random_state": 7, "missing": True, "oob_score": True}),
        ("extra_trees_classifier", "iris", {"n_estimators": 8, "random_state": 1}),
        ("extra_trees_classifier", "breast_cancer", {"n_estimators": 6, "random_state": 8, "bootstrap": True, "oob_score": True}),
        ("extra_trees_classifier", "wine", {"n_estimators": 8, "random_state": 9, "max_depth": 4, "weighted": True}),
        ("random_forest_regressor", "diabetes", {"n_estimators": 6, "random_state": 0, "min_samples_leaf": 5, "oob_score": True}),
        ("random_forest_regressor", "diabetes", {"n_estimators": 6, "random_state": 12, "max_samples": 100, "max_features": "sqrt",
                                                 "weighted": True, "oob_score": True}),
        ("random_forest_regressor", "diabetes", {"n_estimators": 4, "random_state": 13, "missing": True, "max_depth": 6}),
        ("extra_trees_regressor", "diabetes", {"n_estimators": 6, "random_state": 14, "max_depth": 5}),
        ("extra_trees_regressor", "diabetes", {"n_estimators": 6, "random_state": 15, "bootstrap": True, "oob_score": True,
                                               "min_samples_leaf": 3}),
    ]
    forests = []
    for kind, name, params in configs:
        X, y = data[name]
        p = dict(params)
        weighted = p.pop("weighted", False)
        missing = p.pop("missing", False)
        entry = {"kind": kind, "data": name, "params": params}
        if missing:
            mask = np.zeros(X.shape, dtype=bool)
            mask[:, ::2] = rng.rand(X.shape[0], (X.shape[1] + 1) // 2) < 0.1
            X = X.copy()
            X[mask] = np.nan
            entry["missing_train"] = np.flatnonzero(mask).tolist()
        sw = (1.0 + np.arange(len(y)) % 3) if weighted else None
        m = KINDS[kind](n_jobs=1, **p).fit(X, y, sample_weight=sw)
        entry["trees"] = [preorder(t) for t in m.estimators_]
        entry["feature_importances"] = m.feature_importances_.tolist()
        if kind.endswith("classifier"):
            entry["predict_proba"] = m.predict_proba(X).ravel().tolist()
        else:
            entry["predict"] = m.predict(X).tolist()
        if p.get("oob_score"):
            entry["oob_score"] = float(m.oob_score_)
            if kind.endswith("classifier"):
                entry["oob_decision_function"] = m.oob_decision_function_.ravel().tolist()
            else:
                entry["oob_prediction"] = m.oob_prediction_.tolist()
        forests.append(entry)

    cv = {}
    data["digits"] = load_digits(return_X_y=True)
    folds = KFold(5)
    for name in ("breast_cancer", "wine", "digits"):
        X, y = data[name]
        cv[name] = cross_val_score(RandomForestClassifier(random_state=0), X, y, cv=folds).tolist()
    X, y = data["diabetes"]
    cv["diabetes"] = cross_val_score(RandomForestRegressor(random_state=0), X, y, cv=folds).tolist()

    with open(OUT, "w") as f:
        json.dump({"forests": forests, "cv": cv}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
