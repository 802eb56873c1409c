"""Peers of the histogram gradient boosting workloads (Rust side:
benches/src/workloads/hgb.rs): scikit-learn, LightGBM and XGBoost. Loaded by peers.py,
which merges PEERS and IMPL_LIB.

- hgb_clf20s, hgb_clf_100k_20, hgb_clf5_100k_20, hgb_clf_1m_50:
  HistGradientBoostingClassifier `fit` on the train rows of the fixed split, `predict` on
  the test rows; quality: test accuracy and n_iter.
- hgb_reg_100k_20: HistGradientBoostingRegressor likewise; quality: test R^2 and n_iter.

Implementations:

- `sklearn`: the estimator with the workload's hyper-parameters verbatim (scikit-learn's
  defaults, early_stopping=False, random_state=0); its OpenMP pool has the runner's
  thread count (OMP_NUM_THREADS and threadpoolctl).
- `lightgbm`, `xgboost`: the estimator scikit-learn itself names as equivalent,
  `sklearn.ensemble._hist_gradient_boosting.utils.get_equivalent_estimator` (the same
  objective, learning rate, number of trees, leaves, l2, max_bin and hessian floor;
  LightGBM also min_data_in_leaf = min_samples_leaf, min_data_in_bin=1,
  enable_bundle=False, subsample_for_bin=200000, and for k > 2 classes
  learning_rate * k/(k-1) and min_sum_hessian_in_leaf * 2, which undo LightGBM's
  multiclass hessian factor), with these changes only (a record's `info.params` lists
  every parameter passed that is not None):
  * threads: n_jobs = the runner's thread count (num_threads / nthread), not -1;
  * random_state = the workload's (no sampling is on, so it changes nothing);
  * LightGBM: `force_row_wise=True` (see below) and `verbose=-1` instead of
    `verbosity=-10`; max_depth None -> -1 (LightGBM's "no limit"); min_child_samples and
    min_child_weight (the wrapper's own names) set to the map's min_data_in_leaf and
    min_sum_hessian_in_leaf and those two aliases dropped, so no alias is ambiguous;
  * XGBoost: objective `reg:linear` -> `reg:squarederror` (its current name),
    `reg:logistic` -> `binary:logistic`, `multi:softmax` -> `multi:softprob` (the same
    losses; the latter two are what XGBClassifier picks itself); `silent` dropped (no
    longer a parameter). For k > 2 classes learning_rate and min_child_weight are
    doubled: XGBoost's softmax hessian is 2 p (1 - p), twice scikit-learn's, which the
    map does not undo (hgb_clf5_100k_20: accuracy 0.84464 without, 0.86336 with;
    scikit-learn 0.86816, LightGBM 0.86864). XGBoost has no min_samples_leaf.
  Both bin differently from scikit-learn (LightGBM: zero is its own bin, NaN inside
  max_bin; XGBoost: quantile sketch), so their trees and accuracy differ a little: see
  the workloads' metric_notes for what is compared.

LightGBM layout. Unless told, LightGBM builds both histogram layouts and times a pass
of each before training ("Auto-choosing ..."), which adds time to every fit; the layout
is fixed here. Measured on hgb_clf_100k_20 with 2 threads, col-wise and row-wise fits
alternating in one process, median of the fits no other process disturbed:
  quick (1 600 x 20):   col-wise 0.127 s, row-wise 0.144 s
  full (100 000 x 20):  col-wise 1.010 s, row-wise 0.960 s (5 fits each; every row-wise
                        fit but one faster than every col-wise one)
so `force_row_wise=True` (LGB_LAYOUT below): faster at the size the comparison is
about; the quick size only smoke-tests. Not measured on hgb_clf_1m_50 (1 000 000 x 50).

Quality: accuracy (R^2 for the regressor) of the test predictions; n_iter = scikit-learn's
n_iter_, LightGBM's booster_.current_iteration(), XGBoost's
get_booster().num_boosted_rounds() (boosting rounds; a multiclass round is k trees on
every side).
"""

LGB_LAYOUT = "force_row_wise"  # or "force_col_wise"; see the module docstring


def _objective_fixes(params):
    """XGBoost objective names of get_equivalent_estimator -> the current names."""
    fix = {"reg:linear": "reg:squarederror", "reg:logistic": "binary:logistic",
           "multi:softmax": "multi:softprob"}
    params["objective"] = fix.get(params["objective"], params["objective"])


def _json_safe(v):
    """v for the record: numbers, strings and booleans as they are, anything else (NaN,
    objects) as its repr, since the record must stay strict JSON."""
    import math
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return v if isinstance(v, (int, float, str, bool)) else repr(v)


def equivalent_params(impl, sk_estimator, n_classes, threads, seed):
    """(class, parameters) of the LightGBM or XGBoost estimator equivalent to
    `sk_estimator`: scikit-learn's own map plus the changes in the module docstring."""
    from sklearn.ensemble._hist_gradient_boosting.utils import get_equivalent_estimator
    est = get_equivalent_estimator(sk_estimator, lib=impl, n_classes=n_classes)
    params = est.get_params()
    params.update(n_jobs=threads, random_state=seed)
    if impl == "lightgbm":
        params["min_child_samples"] = params.pop("min_data_in_leaf")
        params["min_child_weight"] = params.pop("min_sum_hessian_in_leaf")
        params.pop("verbosity", None)
        params["verbose"] = -1
        if params.get("max_depth") is None:
            params["max_depth"] = -1
        params.pop("force_row_wise", None)
        params.pop("force_col_wise", None)
        params[LGB_LAYOUT] = True
    else:
        params.pop("silent", None)
        _objective_fixes(params)
        if n_classes is not None and n_classes > 2:
            # XGBoost's softmax hessian is 2 p (1 - p), twice scikit-learn's p (1 - p):
            # doubling the learning rate and the hessian floor gives the same leaf
            # values and splits (l2 is 0).
            params["learning_rate"] *= 2
            params["min_child_weight"] *= 2
    return type(est), params


def build_hgb(w, impl, inp, threads):
    import numpy as np
    from importlib import metadata
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import r2_score
    X, y = inp["X"], inp["y"]
    tr, te = inp["train_idx"], inp["test_idx"]
    Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]
    hp = dict(w["hyperparameters"])
    regressor = w["algorithm"] == "HistGradientBoostingRegressor"
    sk_cls = HistGradientBoostingRegressor if regressor else HistGradientBoostingClassifier
    info = {"train_shape": list(Xtr.shape), "n_test": len(te)}
    if impl == "sklearn":
        cls, params = sk_cls, hp
    elif impl in ("lightgbm", "xgboost"):
        n_classes = None if regressor else int(len(np.unique(ytr)))
        cls, params = equivalent_params(impl, sk_cls(**hp), n_classes, threads, hp.get("random_state"))
        info["params"] = {k: _json_safe(v) for k, v in sorted(params.items()) if v is not None}
        info["versions"] = {IMPL_LIB[impl]: metadata.version(impl)}
    else:
        raise ValueError(f"unknown implementation {impl}")
    st = {}

    def fit():
        st["m"] = None
        st["m"] = cls(**params).fit(Xtr, ytr)

    def predict():
        st["p"] = st["m"].predict(Xte)

    def n_iter(m):
        if impl == "sklearn":
            return m.n_iter_
        if impl == "lightgbm":
            return m.booster_.current_iteration()
        return m.get_booster().num_boosted_rounds()

    def quality():
        m, p = st["m"], st["p"]
        q = {"n_iter": int(n_iter(m))}
        if regressor:
            q["r2"] = float(r2_score(yte, p))
        else:
            q["accuracy"] = float(np.mean(np.asarray(p).astype(yte.dtype) == yte))
        return q
    return [("fit", fit), ("predict", predict)], quality, info


PEERS = {
    "hgb_clf20s": build_hgb,
    "hgb_clf_100k_20": build_hgb,
    "hgb_clf5_100k_20": build_hgb,
    "hgb_reg_100k_20": build_hgb,
    "hgb_clf_1m_50": build_hgb,
}

IMPL_LIB = {"lightgbm": "LightGBM", "xgboost": "XGBoost"}
