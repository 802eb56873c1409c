#!/usr/bin/env python3
"""Reference data for ml-supervised's HistGradientBoostingClassifier/Regressor.

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4):

    .venv/bin/python scripts/refdata/hgb.py

writes crates/ml-supervised/tests/data/hgb.json:

* ``fits``: one entry per fit, ``{"name", "dataset", "kind": "classifier" |
  "regressor", "params", "sample_weight", "missing", ...}``. ``params`` are the
  non-default scikit-learn keyword arguments (``early_stopping=False`` and
  ``random_state=0`` unless the entry is about early stopping); ``sample_weight`` is
  null or ``"1+i%3"`` (weight 1 + i mod 3 for row i); ``missing`` is null or the sorted
  flat row-major indices of the X cells set to NaN before fitting (mostly: a fresh
  ``RandomState(0)`` per entry draws ``rand(n, ceil(d/2)) < 0.1`` for the even
  columns, as forest.py does; the cases below name the other masks). Data:
  breast_cancer, wine, iris (classifiers) and diabetes (regressors) from
  sklearn.datasets, unscaled; ``dataset:
  "synthetic_categorical"`` entries embed their data (``"X"`` as rows, without NaN,
  and ``"y"``). Recorded per fit:

  - ``bin_thresholds``, ``n_bins_non_missing``: ``_bin_mapper``'s, per feature in the
    ORIGINAL column order (scikit-learn moves categorical columns to the front). A
    categorical feature's thresholds are its OrdinalEncoder codes 0..k-1; its raw
    values (sorted, NaN excluded) are in ``categories`` (null for numeric features;
    the key is present only for entries with categorical features).
  - ``baseline``: ``_baseline_prediction`` flattened (k values).
  - ``trees``: the first min(3, n_iter_) iterations, each a list of
    ``n_trees_per_iteration`` predictor trees (``_predictors[i][k].nodes``, nodes in
    pre-order as scikit-learn stores them) as column arrays ``value, count,
    feature_idx, num_threshold, missing_go_to_left, left, right, is_leaf,
    bin_threshold, is_categorical, gain, depth``. ``feature_idx`` of split nodes is
    mapped to the original column index (leaves keep scikit-learn's 0);
    ``num_threshold`` +inf (the "all non-missing left, NaN right" split) is the
    string "inf". Entries with categorical features add, per node, ``left_categories``
    (null, or the raw category values that go left, decoded from
    ``raw_left_cat_bitsets`` and mapped back through the encoder's categories) and
    ``left_cat_bins`` (null, or the bins set in ``binned_left_cat_bitsets``; the
    missing-values bin, ``max_bins``, appears there when NaN go left).
  - ``n_iter``, ``n_trees_per_iteration``, ``raw_predict`` (``_raw_predict`` of the
    training X, baseline included, row-major n x k), ``proba`` (classifiers,
    ``predict_proba`` row-major n x n_classes) or ``predict`` (regressors),
    ``train_score`` / ``validation_score`` (empty lists when early stopping is off).
  - early-stopping entries: ``random_seed`` (``_random_seed``, which seeds
    ``train_test_split``) and, with a validation split, ``split_differs: true`` plus
    ``train_indices`` / ``validation_indices``: the rows of X_train and X_val in the
    order scikit-learn's stratified split yields them (checked by refitting on that
    split with ``X_val``/``y_val``).

  Cases: breast_cancer classifier defaults (max_iter 10), l2_regularization,
  max_depth, min_samples_leaf + max_leaf_nodes, max_bins 16, sample weights,
  learning_rate 0.5, missing values, monotonic constraints; wine and iris
  (multinomial, max_iter 5); diabetes regressor squared error (max_iter 20), absolute
  error, Poisson, gamma, quantile 0.8, weighted squared and absolute error, max_bins
  32, missing values (also NaN in column 4 of 60% of the rows with target > 200,
  drawn with RandomState(0), whose trees split NaN from the rest), monotonic
  constraints, interaction constraints (groups, 'pairwise'); the synthetic
  categorical data (600 rows, columns 0 and 2 categorical with 6 and 40 categories)
  as classifier, with NaN in 10% of its categorical cells,
  and as regressor; early stopping on breast_cancer (scoring 'loss', max_iter 200,
  n_iter_no_change 5; validation_fraction 0.1, or None with tol 1e-4 so that the
  training loss stops it).
* ``cv``: 5-fold (KFold, no shuffle) ``cross_val_score`` of default models
  (random_state 0; early_stopping 'auto' is off below 10 000 rows), accuracy on
  breast_cancer, digits and wine, R^2 on diabetes: ``{"dataset", "kind", "scores"}``.
* ``binning``: ``_BinMapper(n_bins=max_bins + 1)`` fitted on one column:
  ``{"name", "values", "max_bins", "sample_weight" (null or weights), "thresholds",
  "n_bins_non_missing", "binned"}`` (NaN in ``values`` is null, infinities in
  ``values``/``thresholds`` are the strings "inf"/"-inf"; missing values map to bin
  ``max_bins``). An all-NaN column makes scikit-learn raise; that case has ``"error"``
  instead of the results.
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.model_selection import KFold, cross_val_score, train_test_split

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "ml-supervised", "tests", "data", "hgb.json")

N_TREES_RECORDED = 3


def num(x):
    """A float for JSON: NaN as null, infinities as strings (tree.py's "inf")."""
    x = float(x)
    if np.isnan(x):
        return None
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def bitset_members(bitset):
    """The values set in a scikit-learn bitset (8 uint32 words, value v at bit v % 32
    of word v // 32)."""
    return [w * 32 + b for w in range(len(bitset)) for b in range(32) if (int(bitset[w]) >> b) & 1]


def missing_mask(X):
    """NaN in 10% of the cells of the even columns (forest.py's mask, fresh seed)."""
    rng = np.random.RandomState(0)
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, ::2] = rng.rand(X.shape[0], (X.shape[1] + 1) // 2) < 0.1
    return mask


def informative_mask(X, y):
    """NaN in column 4 of 60% of the rows with target > 200 (RandomState(0)): the
    "all non-missing left, NaN right" split (threshold +inf) wins."""
    rng = np.random.RandomState(0)
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, 4] = (y > 200) & (rng.rand(len(y)) < 0.6)
    return mask


def synthetic_categorical():
    """600 rows: column 0 categorical (6 codes), column 1 normal, column 2 categorical
    (40 codes), column 3 uniform; a binary target mixing both kinds with 10% of the
    labels flipped, and a regression target."""
    rng = np.random.RandomState(0)
    n = 600
    c0 = rng.randint(0, 6, n)
    x1 = rng.normal(size=n)
    c2 = rng.randint(0, 40, n)
    x3 = rng.uniform(-2, 2, n)
    X = np.c_[c0, x1, c2, x3].astype(float)
    score = (np.isin(c0, [1, 3, 4]) * 1.5 + (c2 % 3 == 0) * 2.5 - (c2 >= 30) * 2.0
             + x1 - 0.5 * x3 + 0.3 * x1 * x3)
    y_clf = (score > 0.8).astype(int)
    flip = rng.rand(n) < 0.1
    y_clf[flip] = 1 - y_clf[flip]
    y_reg = (np.array([0.0, 2.0, -1.0, 3.0, 1.0, -2.0])[c0] + np.sin(c2 * 0.7) * 2.0 + 1.5 * x1
             + x3 ** 2 + rng.normal(scale=0.5, size=n))
    # NaN in the categorical columns for the missing-values variant (10% of those cells).
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, [0, 2]] = rng.rand(n, 2) < 0.1
    return X, y_clf, y_reg, mask


def tree_columns(predictor, orig_feature, categories, with_categories):
    nodes = predictor.nodes
    leaf = nodes["is_leaf"].astype(bool)
    cols = {
        "value": [float(v) for v in nodes["value"]],
        "count": [int(c) for c in nodes["count"]],
        "feature_idx": [0 if leaf[i] else int(orig_feature[f]) for i, f in enumerate(nodes["feature_idx"])],
        "num_threshold": [num(t) for t in nodes["num_threshold"]],
        "missing_go_to_left": [bool(m) for m in nodes["missing_go_to_left"]],
        "left": [int(v) for v in nodes["left"]],
        "right": [int(v) for v in nodes["right"]],
        "is_leaf": [bool(v) for v in leaf],
        "bin_threshold": [int(v) for v in nodes["bin_threshold"]],
        "is_categorical": [bool(v) for v in nodes["is_categorical"]],
        "gain": [float(v) for v in nodes["gain"]],
        "depth": [int(v) for v in nodes["depth"]],
    }
    if with_categories:
        left_categories, left_cat_bins = [], []
        for i, node in enumerate(nodes):
            if leaf[i] or not node["is_categorical"] or np.isinf(node["num_threshold"]):
                # (A categorical feature with one category would give a "split on
                # nan" without a bitset; it does not occur here.)
                assert leaf[i] or not node["is_categorical"], "categorical split without bitset"
                left_categories.append(None)
                left_cat_bins.append(None)
                continue
            b = int(node["bitset_idx"])
            f = int(orig_feature[node["feature_idx"]])
            codes = bitset_members(predictor.raw_left_cat_bitsets[b])
            left_categories.append([float(categories[f][c]) for c in codes])
            left_cat_bins.append(bitset_members(predictor.binned_left_cat_bitsets[b]))
        cols["left_categories"] = left_categories
        cols["left_cat_bins"] = left_cat_bins
    return cols


def record_fit(entry, model, X, y, sw):
    """Fit ``model`` and fill ``entry`` with its internals and predictions."""
    model.fit(X, y, sample_weight=sw)
    n_features = X.shape[1]
    is_cat = model.is_categorical_
    if is_cat is None:
        perm = np.arange(n_features)
        categories = None
    else:
        # _preprocess_X's ColumnTransformer outputs the categorical columns first.
        perm = np.r_[np.flatnonzero(is_cat), np.flatnonzero(~is_cat)]
        encoder = model._preprocessor.named_transformers_["encoder"]
        categories = [None] * n_features
        for f, cats in zip(np.flatnonzero(is_cat), encoder.categories_):
            cats = [c for c in cats if not np.isnan(c)]
            categories[f] = [float(c) for c in cats]
    inv = np.argsort(perm)  # original column -> scikit-learn's column
    bm = model._bin_mapper
    entry["bin_thresholds"] = [[num(t) for t in bm.bin_thresholds_[inv[f]]] for f in range(n_features)]
    entry["n_bins_non_missing"] = [int(bm.n_bins_non_missing_[inv[f]]) for f in range(n_features)]
    if categories is not None:
        entry["categories"] = categories
    entry["baseline"] = [float(v) for v in model._baseline_prediction.ravel()]
    entry["n_iter"] = int(model.n_iter_)
    entry["n_trees_per_iteration"] = int(model.n_trees_per_iteration_)
    entry["trees"] = [[tree_columns(p, perm, categories, categories is not None) for p in it]
                      for it in model._predictors[:N_TREES_RECORDED]]
    raw = model._raw_predict(X)
    entry["raw_predict"] = [float(v) for v in raw.ravel()]
    if entry["kind"] == "classifier":
        entry["proba"] = [float(v) for v in model.predict_proba(X).ravel()]
    else:
        entry["predict"] = [float(v) for v in model.predict(X)]
    entry["train_score"] = [float(v) for v in model.train_score_]
    entry["validation_score"] = [float(v) for v in model.validation_score_]

    # Self-check of the layout described in the docstring: the predictors' leaf values
    # are already shrunk and _raw_predict is the baseline plus their sum.
    Xp = model._preprocess_X(X, reset=False)
    known, f_idx_map = bm.make_known_categories_bitsets()
    total = np.tile(model._baseline_prediction, (X.shape[0], 1))
    for it in model._predictors:
        for k, p in enumerate(it):
            total[:, k] += p.predict(Xp, known, f_idx_map, 1)
    assert np.array_equal(total, raw), entry["name"]
    return model


def main():
    data = {
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "iris": load_iris(return_X_y=True),
        "diabetes": load_diabetes(return_X_y=True),
    }
    Xc, yc_clf, yc_reg, cat_mask = synthetic_categorical()
    data["synthetic_categorical"] = (Xc, yc_clf)

    base = {"early_stopping": False, "random_state": 0}
    bc_mono = [0] * 30
    bc_mono[0], bc_mono[7], bc_mono[9], bc_mono[20] = -1, -1, 1, 1
    C, R = "classifier", "regressor"
    configs = [
        # name, dataset, kind, params, weighted, missing
        ("breast_cancer_default", "breast_cancer", C, {"max_iter": 10}, False, False),
        ("breast_cancer_l2", "breast_cancer", C, {"max_iter": 10, "l2_regularization": 1.0}, False, False),
        ("breast_cancer_depth3", "breast_cancer", C, {"max_iter": 10, "max_depth": 3}, False, False),
        ("breast_cancer_leaf5_nodes8", "breast_cancer", C, {"max_iter": 10, "min_samples_leaf": 5, "max_leaf_nodes": 8},
         False, False),
        ("breast_cancer_bins16", "breast_cancer", C, {"max_iter": 10, "max_bins": 16}, False, False),
        ("breast_cancer_weighted", "breast_cancer", C, {"max_iter": 10}, True, False),
        ("breast_cancer_lr05", "breast_cancer", C, {"max_iter": 10, "learning_rate": 0.5}, False, False),
        ("breast_cancer_missing", "breast_cancer", C, {"max_iter": 10}, False, True),
        ("breast_cancer_monotonic", "breast_cancer", C, {"max_iter": 10, "monotonic_cst": bc_mono}, False, False),
        ("wine_default", "wine", C, {"max_iter": 5}, False, False),
        ("iris_default", "iris", C, {"max_iter": 5}, False, False),
        ("diabetes_squared", "diabetes", R, {"max_iter": 20}, False, False),
        ("diabetes_absolute", "diabetes", R, {"max_iter": 20, "loss": "absolute_error"}, False, False),
        ("diabetes_poisson", "diabetes", R, {"max_iter": 20, "loss": "poisson"}, False, False),
        ("diabetes_gamma", "diabetes", R, {"max_iter": 20, "loss": "gamma"}, False, False),
        ("diabetes_quantile", "diabetes", R, {"max_iter": 20, "loss": "quantile", "quantile": 0.8}, False, False),
        ("diabetes_weighted", "diabetes", R, {"max_iter": 20}, True, False),
        ("diabetes_absolute_weighted", "diabetes", R, {"max_iter": 20, "loss": "absolute_error"}, True, False),
        ("diabetes_bins32", "diabetes", R, {"max_iter": 20, "max_bins": 32}, False, False),
        ("diabetes_missing", "diabetes", R, {"max_iter": 20}, False, True),
        ("diabetes_missing_informative", "diabetes", R, {"max_iter": 20}, False, "informative"),
        ("diabetes_monotonic", "diabetes", R, {"max_iter": 20, "monotonic_cst": [1, -1, 0, 1, 0, 0, 0, 0, 0, -1]},
         False, False),
        ("diabetes_interaction_groups", "diabetes", R, {"max_iter": 20, "interaction_cst": [[0, 1, 2], [2, 3, 4], [5, 6]]},
         False, False),
        ("diabetes_interaction_pairwise", "diabetes", R, {"max_iter": 20, "interaction_cst": "pairwise"}, False, False),
        ("categorical_classifier", "synthetic_categorical", C, {"max_iter": 10, "categorical_features": [0, 2]},
         False, False),
        ("categorical_classifier_missing", "synthetic_categorical", C, {"max_iter": 10, "categorical_features": [0, 2]},
         False, "categorical"),
        ("categorical_regressor", "synthetic_categorical", R, {"max_iter": 10, "categorical_features": [0, 2]},
         False, False),
    ]
    fits = []
    for name, dataset, kind, params, weighted, missing in configs:
        X, y = data[dataset]
        if name == "categorical_regressor":
            y = yc_reg
        params = dict(params, **base)
        entry = {"name": name, "dataset": dataset, "kind": kind, "params": params,
                 "sample_weight": "1+i%3" if weighted else None, "missing": None}
        if dataset == "synthetic_categorical":
            entry["X"] = X.tolist()
            entry["y"] = [int(v) for v in y] if kind == C else [float(v) for v in y]
        if missing:
            if missing == "categorical":
                mask = cat_mask
            elif missing == "informative":
                mask = informative_mask(X, y)
            else:
                mask = missing_mask(X)
            X = X.copy()
            X[mask] = np.nan
            entry["missing"] = np.flatnonzero(mask).tolist()
        sw = (1.0 + np.arange(len(y)) % 3) if weighted else None
        cls = HistGradientBoostingClassifier if kind == C else HistGradientBoostingRegressor
        record_fit(entry, cls(**params), X, y, sw)
        fits.append(entry)

    # Early stopping on the loss: with a stratified validation split (which the Rust
    # side cannot draw; the split is recorded) and on the training data.
    X, y = data["breast_cancer"]
    for name, params in (
        ("breast_cancer_early_stopping_validation",
         {"max_iter": 200, "early_stopping": True, "scoring": "loss", "validation_fraction": 0.1,
          "n_iter_no_change": 5, "random_state": 0}),
        ("breast_cancer_early_stopping_train",
         {"max_iter": 200, "early_stopping": True, "scoring": "loss", "validation_fraction": None,
          "n_iter_no_change": 5, "tol": 1e-4, "random_state": 0}),
    ):
        entry = {"name": name, "dataset": "breast_cancer", "kind": C, "params": params,
                 "sample_weight": None, "missing": None}
        m = record_fit(entry, HistGradientBoostingClassifier(**params), X, y, None)
        seed = int(m._random_seed)
        entry["random_seed"] = seed
        if params["validation_fraction"] is not None:
            entry["split_differs"] = True
            idx_train, idx_val = train_test_split(np.arange(len(y)), test_size=params["validation_fraction"],
                                                  stratify=y, random_state=seed)
            entry["train_indices"] = idx_train.tolist()
            entry["validation_indices"] = idx_val.tolist()
            # The same fit on the recorded split, passed explicitly.
            m2 = HistGradientBoostingClassifier(**dict(params, validation_fraction=0.1)).fit(
                X[idx_train], y[idx_train], X_val=X[idx_val], y_val=y[idx_val])
            assert m2.n_iter_ == m.n_iter_ and np.array_equal(m2._raw_predict(X), m._raw_predict(X)), name
            assert np.array_equal(m2.validation_score_, m.validation_score_), name
        fits.append(entry)

    cv = []
    folds = KFold(5)
    data["digits"] = load_digits(return_X_y=True)
    for name in ("breast_cancer", "digits", "wine"):
        X, y = data[name]
        scores = cross_val_score(HistGradientBoostingClassifier(random_state=0), X, y, cv=folds)
        cv.append({"dataset": name, "kind": C, "scores": scores.tolist()})
    X, y = data["diabetes"]
    scores = cross_val_score(HistGradientBoostingRegressor(random_state=0), X, y, cv=folds)
    cv.append({"dataset": "diabetes", "kind": R, "scores": scores.tolist()})

    rng = np.random.RandomState(0)
    many = np.round(rng.normal(size=300), 3)
    dup = np.r_[np.zeros(120), np.arange(1.0, 81.0), np.full(50, 7.0), rng.uniform(0, 100, 50)]
    binning_cases = [
        ("small_with_nan", [1.0, 2.0, 2.0, 5.0, np.nan], 255, None),
        ("distinct_equals_max_bins", [float(v) for v in np.arange(10.0) * 1.5], 10, None),
        ("distinct_above_max_bins", [float(v) for v in np.arange(11.0) * 1.5], 10, None),
        ("many_distinct", [float(v) for v in many], 16, None),
        ("many_distinct_255", [float(v) for v in many], 255, None),
        ("many_distinct_weighted", [float(v) for v in many], 16, [float(1 + i % 3) for i in range(len(many))]),
        ("many_distinct_zero_weights", [float(v) for v in many], 16, [float(i % 3) for i in range(len(many))]),
        ("duplicated_quantiles", [float(v) for v in dup], 32, None),
        ("duplicated_quantiles_weighted", [float(v) for v in dup], 32, [float(1 + i % 3) for i in range(len(dup))]),
        ("many_distinct_with_nan", [float(v) if i % 7 else np.nan for i, v in enumerate(many)], 16, None),
        ("constant", [3.0, 3.0, 3.0, 3.0], 255, None),
        ("constant_with_nan", [3.0, np.nan, 3.0], 255, None),
        ("infinities", [-np.inf, 0.0, 1.0, np.inf, np.nan], 255, None),
        ("two_bins", [0.5, 1.5, 2.5, 3.5, 4.5], 2, None),
        ("all_nan", [np.nan, np.nan, np.nan], 255, None),
    ]
    binning = []
    for name, values, max_bins, weights in binning_cases:
        col = np.asarray(values, dtype=float)[:, None]
        case = {"name": name, "values": [num(v) for v in values], "max_bins": max_bins, "sample_weight": weights}
        try:
            bm = _BinMapper(n_bins=max_bins + 1).fit(col, sample_weight=None if weights is None else np.asarray(weights))
        except ValueError as e:
            case["error"] = str(e)
        else:
            case["thresholds"] = [num(t) for t in bm.bin_thresholds_[0]]
            case["n_bins_non_missing"] = int(bm.n_bins_non_missing_[0])
            case["binned"] = [int(b) for b in bm.transform(col)[:, 0]]
        binning.append(case)

    with open(OUT, "w") as f:
        json.dump({"fits": fits, "cv": cv, "binning": binning}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(fits)} fits, {len(cv)} cv, {len(binning)} binning cases -> {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
