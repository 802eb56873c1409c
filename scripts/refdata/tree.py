#!/usr/bin/env python3
"""Reference data for ml-supervised's CART trees.

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4):

    .venv/bin/python scripts/refdata/tree.py

writes crates/ml-supervised/tests/data/tree.json:

* ``trees``: DecisionTreeClassifier / DecisionTreeRegressor fits with random_state
  0 and 5 (the Rust trees draw features with scikit-learn's generator, so ties are
  broken alike): the ``tree_`` arrays (children, feature, threshold, impurity,
  n_node_samples, weighted_n_node_samples, value), ``feature_importances_`` and the
  training predictions. Data: iris, breast_cancer and wine (gini, entropy; no limit,
  depth limits, min_samples_leaf, min_impurity_decrease, max_features sqrt and 0.5,
  the random splitter,
  sample weights 1 + i % 3, class_weight 'balanced' with and without them: fractional
  weights, whose sums round differently in other summation orders, so the Rust test
  compares those trees' predictions; best-first growth with max_leaf_nodes) and
  diabetes (squared error, absolute error and Poisson; limits, weights, the random
  splitter, max_leaf_nodes), and trees on those data with missing values: NaN in 10% of
  the cells of the even columns and in all but two cells of column 0 (``missing_train``,
  flat row-major indices), with the predictions on the data with NaN in 20% of all cells
  (``missing_predict``, ``predict_missing``). Nodes are renumbered in pre-order
  (best-first trees are numbered in order of creation by scikit-learn); each node's
  ``missing_go_to_left`` is recorded. Regressors with ``"outputs": 2`` fit the diabetes
  target and (target mod 50) + 1 at once (values and predictions per output).
* ``pruning``: cost_complexity_pruning_path (ccp_alphas, impurities) of unlimited
  trees on iris, breast_cancer, wine and of a depth-6 diabetes regressor (random_state
  0), and the tree pruned with the path's middle alpha.
* ``cv_accuracy``: 5-fold (KFold, no shuffle) accuracy of default trees (random_state
  0) on iris, wine, breast_cancer and digits.
* ``decision_path``: the CSR indicator of iris's rows in the depth-4 tree (seed 0).
* ``export_text``: scikit-learn's text of iris at depth 3 (with the feature names) and
  of diabetes at depth 2 (random_state 0).
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.model_selection import KFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_text

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "ml-supervised", "tests", "data", "tree.json")


def arrays(model):
    """The tree_ arrays with the nodes in pre-order (root, left subtree, right subtree),
    as the Rust trees number them; depth-first trees already are, best-first trees
    (max_leaf_nodes) number their nodes in order of creation."""
    t = model.tree_
    # (nodes, outputs, classes): a classifier's class fractions, a regressor's outputs.
    value = t.value[:, :, 0] if isinstance(model, DecisionTreeRegressor) else t.value[:, 0, :]
    order, stack = [], [0]
    while stack:
        node = stack.pop()
        order.append(node)
        if t.children_left[node] != -1:
            stack += [t.children_right[node], t.children_left[node]]
    new_id = {old: new for new, old in enumerate(order)}

    def child(ids):
        return [int(new_id[ids[o]]) if ids[o] != -1 else -1 for o in order]

    return {
        "children_left": child(t.children_left),
        "children_right": child(t.children_right),
        "feature": [int(t.feature[o]) for o in order],
        # JSON has no infinity: the "every value left, every missing right" split's +inf
        # threshold is written as the string "inf".
        "threshold": [float(t.threshold[o]) if np.isfinite(t.threshold[o]) else "inf" for o in order],
        "impurity": [float(t.impurity[o]) for o in order],
        "n_node_samples": [int(t.n_node_samples[o]) for o in order],
        "weighted_n_node_samples": [float(t.weighted_n_node_samples[o]) for o in order],
        "value": [value[o].tolist() for o in order],
        "missing_go_to_left": [bool(t.missing_go_to_left[o]) for o in order],
    }


def main():
    data = {
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "diabetes": load_diabetes(return_X_y=True),
    }
    data["iris"] = load_iris(return_X_y=True)
    configs = []
    for name in ("iris", "breast_cancer", "wine"):
        for criterion in ("gini", "entropy"):
            for params in ({}, {"max_depth": 3}, {"max_depth": 5, "min_samples_leaf": 4},
                           {"min_samples_leaf": 10}, {"min_impurity_decrease": 0.01},
                           {"max_features": "sqrt"}, {"max_features": 0.5, "max_depth": 6},
                           {"max_depth": 4, "weighted": True},
                           {"splitter": "random"}, {"splitter": "random", "max_depth": 4, "max_features": "sqrt"},
                           {"max_depth": 5, "class_weight": "balanced"},
                           {"max_depth": 5, "class_weight": "balanced", "weighted": True},
                           {"max_leaf_nodes": 5}, {"max_leaf_nodes": 12, "max_features": "sqrt"},
                           {"max_leaf_nodes": 8, "splitter": "random"},
                           {"max_leaf_nodes": 10, "min_samples_leaf": 3, "weighted": True}):
                configs.append(("classifier", name, dict(params, criterion=criterion)))
    for params in ({"max_depth": 3}, {"max_depth": 5, "min_samples_leaf": 10},
                   {"min_samples_leaf": 20}, {"max_features": "sqrt", "max_depth": 6},
                   {"splitter": "random", "max_depth": 8},
                   {"max_depth": 4, "weighted": True},
                   {"max_leaf_nodes": 10}, {"max_leaf_nodes": 25, "max_features": "sqrt"},
                   {"max_leaf_nodes": 20, "min_impurity_decrease": 1.0},
                   {"criterion": "absolute_error", "max_depth": 3},
                   {"criterion": "absolute_error", "min_samples_leaf": 10},
                   {"criterion": "absolute_error"},
                   {"criterion": "absolute_error", "max_depth": 4, "weighted": True},
                   {"criterion": "absolute_error", "splitter": "random", "max_depth": 6},
                   {"criterion": "absolute_error", "max_leaf_nodes": 10},
                   {"criterion": "poisson", "max_depth": 4},
                   {"criterion": "poisson", "min_samples_leaf": 5},
                   {"criterion": "poisson", "max_depth": 4, "weighted": True},
                   {"criterion": "poisson", "splitter": "random", "max_depth": 6},
                   {"criterion": "poisson", "max_leaf_nodes": 10}):
        configs.append(("regressor", "diabetes", dict(params)))
    # Missing values: NaN in 10% of the cells of the even columns for training (the odd
    # columns have none, so NaN there at predict time follows the larger child), and in
    # 20% of all cells of the rows predicted.
    for name in ("iris", "breast_cancer", "wine"):
        for params in ({"missing": True}, {"missing": True, "criterion": "entropy", "max_depth": 5},
                       {"missing": True, "splitter": "random"},
                       {"missing": True, "max_leaf_nodes": 8, "max_features": "sqrt"},
                       {"missing": True, "min_samples_leaf": 5, "weighted": True}):
            configs.append(("classifier", name, dict(params, criterion=params.get("criterion", "gini"))))
    for params in ({"missing": True, "max_depth": 5}, {"missing": True, "splitter": "random", "max_depth": 6},
                   {"missing": True, "criterion": "poisson", "max_depth": 4},
                   {"missing": True, "max_leaf_nodes": 12}):
        configs.append(("regressor", "diabetes", dict(params)))

    # Two outputs: the diabetes target and (target mod 50) + 1, integers (exact sums).
    for params in ({"outputs": 2, "max_depth": 4}, {"outputs": 2, "max_leaf_nodes": 10},
                   {"outputs": 2, "splitter": "random", "max_depth": 6},
                   {"outputs": 2, "criterion": "absolute_error", "max_depth": 3},
                   {"outputs": 2, "criterion": "poisson", "max_depth": 4},
                   {"outputs": 2, "missing": True, "max_depth": 5}):
        configs.append(("regressor", "diabetes", dict(params)))

    def missing_masks(X):
        rng = np.random.RandomState(0)
        train = (rng.rand(*X.shape) < 0.1) & (np.arange(X.shape[1]) % 2 == 0)
        # A column missing everywhere but two rows, for the "all missing" and NaN-only
        # split paths.
        train[2:, 0] = True
        predict = rng.rand(*X.shape) < 0.2
        return train, predict

    masks = {name: missing_masks(data[name][0]) for name in data}
    trees = []
    for kind, name, params in configs:
        X, y = data[name]
        p = dict(params)
        weighted = p.pop("weighted", False)
        missing = p.pop("missing", False)
        if p.pop("outputs", 1) == 2:
            y = np.c_[y, y % 50 + 1]
        if missing:
            train_mask, predict_mask = masks[name]
            X = X.copy()
            X[train_mask] = np.nan
            X_predict = data[name][0].copy()
            X_predict[predict_mask] = np.nan
        sw = (1.0 + np.arange(len(y)) % 3) if weighted else None
        cls = DecisionTreeClassifier if kind == "classifier" else DecisionTreeRegressor
        for seed in (0, 5):
            m = cls(random_state=seed, **p).fit(X, y, sample_weight=sw)
            entry = {
                "kind": kind,
                "data": name,
                "params": params,
                "seed": seed,
                "tree": arrays(m),
                "feature_importances": m.feature_importances_.tolist(),
                "predict": m.predict(X).tolist(),
            }
            if missing:
                entry["missing_train"] = np.flatnonzero(train_mask).tolist()
                entry["missing_predict"] = np.flatnonzero(predict_mask).tolist()
                entry["predict_missing"] = m.predict(X_predict).tolist()
            trees.append(entry)

    cv = {}
    for name, loader in (("iris", load_iris), ("wine", load_wine),
                         ("breast_cancer", load_breast_cancer), ("digits", load_digits)):
        X, y = loader(return_X_y=True)
        scores = cross_val_score(DecisionTreeClassifier(random_state=0), X, y, cv=KFold(5))
        cv[name] = float(np.mean(scores))

    pruning = []
    for kind, name, params in (("classifier", "iris", {"criterion": "gini"}),
                               ("classifier", "breast_cancer", {"criterion": "gini"}),
                               ("classifier", "wine", {"criterion": "entropy"}),
                               ("regressor", "diabetes", {"max_depth": 6})):
        X, y = data[name]
        cls = DecisionTreeClassifier if kind == "classifier" else DecisionTreeRegressor
        path = cls(random_state=0, **params).cost_complexity_pruning_path(X, y)
        alpha = float(path.ccp_alphas[len(path.ccp_alphas) // 2])
        m = cls(random_state=0, ccp_alpha=alpha, **params).fit(X, y)
        pruning.append({"kind": kind, "data": name, "params": params,
                        "ccp_alphas": path.ccp_alphas.tolist(), "impurities": path.impurities.tolist(),
                        "ccp_alpha": alpha, "tree": arrays(m), "predict": m.predict(X).tolist()})

    iris = load_iris()
    text_clf = export_text(DecisionTreeClassifier(max_depth=3, random_state=0).fit(iris.data, iris.target),
                           feature_names=list(iris.feature_names))
    Xd, yd = data["diabetes"]
    text_reg = export_text(DecisionTreeRegressor(max_depth=2, random_state=0).fit(Xd, yd))

    m = DecisionTreeClassifier(max_depth=4, random_state=0).fit(iris.data, iris.target)
    dp = m.decision_path(iris.data).tocsr()
    decision_path = {"indptr": dp.indptr.tolist(), "indices": dp.indices.tolist(),
                     "n_nodes": int(m.tree_.node_count)}

    with open(OUT, "w") as f:
        json.dump({"trees": trees, "cv_accuracy": cv, "pruning": pruning,
                   "export_text": {"iris_depth3": text_clf, "diabetes_depth2": text_reg},
                   "decision_path": decision_path}, f)
    print(f"{len(trees)} trees -> {OUT}")


if __name__ == "__main__":
    main()
