#!/usr/bin/env python3
"""Reference data for ml-supervised's linear and logistic models.

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4, scipy 1.17):

    .venv/bin/python scripts/refdata/linear.py   # writes crates/ml-supervised/tests/data/linear.json

Every matrix is a row-major list of rows; ``coef`` of multi-output and multinomial models
has one row per target/class, as scikit-learn's ``coef_``. Each data set is identified by
its shape and the sum of its entries, so the Rust tests can check they load the same rows.

* ``ols``: LinearRegression on diabetes (raw and scaled), on scaled diabetes with a
  duplicated and a linearly dependent column (rank 10 of 12), and without intercept;
  one multi-output case (two targets).
* ``ridge``: Ridge (solver auto -> cholesky) on scaled diabetes for several alphas, on
  raw diabetes, in the dual regime (first 8 rows, d > n), and multi-output.
* ``ridge_classifier``: RidgeClassifier on iris (3 classes) and on breast cancer (2).
* ``lasso`` / ``enet``: Lasso and ElasticNet on scaled diabetes at tol=1e-12.
* ``weighted``: LinearRegression, Ridge(alpha=1), Lasso(alpha=0.1) and
  ElasticNet(alpha=0.1, l1_ratio=0.5) (both tol=1e-12) on scaled diabetes with
  ``sample_weight`` drawn from ``default_rng(7).uniform(0.5, 2)``; the weights are
  written into the fixture.
* ``poly``: PolynomialFeatures outputs for every flag combination on a small matrix.
* ``logistic``: LogisticRegression (lbfgs, tol=1e-10, max_iter=10000) on standardised
  breast cancer (binary), iris and wine (multinomial), plus class_weight='balanced',
  sample weights and C=0.1 variants. predict_proba is recorded on the training rows.
  scipy's L-BFGS-B stops on its ``ftol`` rule (relative decrease below 64 eps) with a
  gradient near 1e-8, which on breast cancer is 1e-6 (relative) away from the optimum.
  So each case also records ``coef_opt``/``intercept_opt``/``proba_opt``: scikit-learn's
  answer polished by Newton steps on the very same objective (gradient below 1e-14),
  the point both implementations aim at.
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import (ElasticNet, Lasso, LinearRegression, LogisticRegression,
                                  Ridge, RidgeClassifier)
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "ml-supervised", "tests", "data", "linear.json")


def rows(a):
    return [[float(v) for v in r] for r in np.atleast_2d(a)]


def vec(a):
    return [float(v) for v in np.ravel(a)]


def ident(x):
    return {"shape": list(x.shape), "sum": float(np.sum(x))}


def ols_cases():
    raw = load_diabetes(scaled=False)
    sc = load_diabetes()
    out = []
    for name, x, y, fi in [("raw", raw.data, raw.target, True),
                           ("scaled", sc.data, sc.target, True),
                           ("scaled_no_intercept", sc.data, sc.target, False)]:
        m = LinearRegression(fit_intercept=fi).fit(x, y)
        out.append({"name": name, "data": name.split("_")[0], "fit_intercept": fi,
                    "coef": vec(m.coef_), "intercept": float(m.intercept_),
                    "rank": int(m.rank_), "singular": vec(m.singular_)})
    x = sc.data
    xd = np.hstack([x, x[:, [2]], (x[:, 0] + 2 * x[:, 3])[:, None]])
    m = LinearRegression().fit(xd, sc.target)
    out.append({"name": "rank_deficient", "data": "scaled_dependent", "fit_intercept": True,
                "coef": vec(m.coef_), "intercept": float(m.intercept_),
                "rank": int(m.rank_), "singular": vec(m.singular_)})
    return out


def multi_targets(y):
    return np.column_stack([y, np.sqrt(y) * 3.0 - 7.0])


def ols_multi():
    sc = load_diabetes()
    ys = multi_targets(sc.target)
    m = LinearRegression().fit(sc.data, ys)
    return {"coef": rows(m.coef_), "intercept": vec(m.intercept_), "rank": int(m.rank_)}


def ridge_cases():
    raw = load_diabetes(scaled=False)
    sc = load_diabetes()
    out = []
    for alpha in [0.0, 0.01, 0.1, 1.0, 10.0]:
        m = Ridge(alpha=alpha).fit(sc.data, sc.target)
        out.append({"name": f"scaled_{alpha}", "data": "scaled", "alpha": alpha, "rows": None,
                    "coef": vec(m.coef_), "intercept": float(m.intercept_), "solver": m.solver_})
    m = Ridge(alpha=1.0).fit(raw.data, raw.target)
    out.append({"name": "raw_1", "data": "raw", "alpha": 1.0, "rows": None,
                "coef": vec(m.coef_), "intercept": float(m.intercept_), "solver": m.solver_})
    m = Ridge(alpha=0.5).fit(sc.data[:8], sc.target[:8])
    out.append({"name": "dual", "data": "scaled", "alpha": 0.5, "rows": 8,
                "coef": vec(m.coef_), "intercept": float(m.intercept_), "solver": m.solver_})
    return out


def ridge_multi():
    sc = load_diabetes()
    m = Ridge(alpha=0.1).fit(sc.data, multi_targets(sc.target))
    return {"alpha": 0.1, "coef": rows(m.coef_), "intercept": vec(m.intercept_)}


def ridge_classifier_cases():
    out = []
    for name, ds in [("iris", load_iris()), ("breast_cancer", load_breast_cancer())]:
        m = RidgeClassifier(alpha=1.0).fit(ds.data, ds.target)
        out.append({"name": name, "ident": ident(ds.data), "coef": rows(m.coef_),
                    "intercept": vec(m.intercept_),
                    "predict": [int(v) for v in m.predict(ds.data)]})
    return out


def cd_cases():
    sc = load_diabetes()
    out = []
    for alpha in [0.01, 0.1, 1.0]:
        m = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(sc.data, sc.target)
        out.append({"name": f"lasso_{alpha}", "alpha": alpha, "l1_ratio": 1.0,
                    "coef": vec(m.coef_), "intercept": float(m.intercept_)})
    for alpha, l1 in [(0.01, 0.5), (0.001, 0.7), (0.1, 0.2), (0.003, 0.0)]:
        m = ElasticNet(alpha=alpha, l1_ratio=l1, tol=1e-12, max_iter=100000).fit(sc.data, sc.target)
        out.append({"name": f"enet_{alpha}_{l1}", "alpha": alpha, "l1_ratio": l1,
                    "coef": vec(m.coef_), "intercept": float(m.intercept_)})
    return out


def weighted_cases():
    sc = load_diabetes()
    sw = np.random.default_rng(7).uniform(0.5, 2.0, size=sc.data.shape[0])
    out = {"sample_weight": vec(sw), "cases": []}
    for name, est in [("ols", LinearRegression()),
                      ("ridge", Ridge(alpha=1.0)),
                      ("lasso", Lasso(alpha=0.1, tol=1e-12, max_iter=100000)),
                      ("enet", ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-12, max_iter=100000))]:
        m = est.fit(sc.data, sc.target, sample_weight=sw)
        out["cases"].append({"name": name, "coef": vec(m.coef_),
                             "intercept": float(m.intercept_)})
    return out


def poly_cases():
    rng = np.random.default_rng(4)
    x = np.round(rng.normal(size=(5, 3)), 3)
    out = {"x": rows(x), "cases": []}
    for degree in [0, 1, 2, 3, 4]:
        for io in [False, True]:
            for bias in [True, False]:
                if degree == 0 and not bias:
                    continue
                p = PolynomialFeatures(degree=degree, interaction_only=io, include_bias=bias).fit(x)
                out["cases"].append({"degree": degree, "interaction_only": io, "include_bias": bias,
                                     "powers": [[int(v) for v in r] for r in p.powers_],
                                     "output": rows(p.transform(x)),
                                     "names": list(p.get_feature_names_out(["a", "b", "c"]))})
    return out


def newton_polish(x, y, w, b, C, sw, fit_intercept, binary):
    """Newton steps (pseudo-inverse, for the softmax's shift invariance) on
    (1/S) sum s_i loss_i + ||W||^2 / (2 C S), from scikit-learn's solution."""
    n, d = x.shape
    S = sw.sum()
    xt = np.c_[x, np.ones(n)] if fit_intercept else x
    q = xt.shape[1]
    classes = np.unique(y)
    k = 1 if binary else len(classes)
    theta = np.c_[w, b[:, None]] if fit_intercept else w.copy()  # k x q
    Y = (y[:, None] == classes[None, :]).astype(float)
    if binary:
        Y = Y[:, 1:]
    reg = np.full(q, 1.0 / (C * S))
    if fit_intercept:
        reg[-1] = 0.0
    for _ in range(50):
        z = xt @ theta.T
        if binary:
            p = 1.0 / (1.0 + np.exp(-z))
        else:
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
        r = (p - Y) * (sw / S)[:, None]
        g = r.T @ xt + theta * reg[None, :]
        H = np.zeros((k, q, k, q))
        for c in range(k):
            for c2 in range(k):
                if binary:
                    wgt = p[:, 0] * (1 - p[:, 0])
                else:
                    wgt = p[:, c] * ((c == c2) - p[:, c2])
                H[c, :, c2, :] = xt.T @ (xt * (wgt * sw / S)[:, None])
            H[c, :, c, :] += np.diag(reg)
        step = np.linalg.pinv(H.reshape(k * q, k * q), rcond=1e-13) @ g.ravel()
        theta = theta - step.reshape(k, q)
        if np.abs(g).max() < 1e-15:
            break
    if fit_intercept:
        return theta[:, :-1], theta[:, -1]
    return theta, np.zeros(k)


def softmax_proba(x, w, b, binary):
    z = x @ w.T + b
    if binary:
        p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.c_[1 - p1, p1]
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def logistic_cases():
    out = []
    sets = {"breast_cancer": load_breast_cancer(), "iris": load_iris(), "wine": load_wine()}
    variants = [("breast_cancer", {}, None), ("iris", {}, None), ("wine", {}, None),
                ("iris", {"C": 0.1}, None), ("wine", {"class_weight": "balanced"}, None),
                ("breast_cancer", {"C": 10.0}, "cyclic"), ("iris", {"fit_intercept": False}, None)]
    for name, extra, sw in variants:
        ds = sets[name]
        x = StandardScaler().fit_transform(ds.data)
        weights = None
        if sw == "cyclic":
            weights = 1.0 + (np.arange(x.shape[0]) % 3)
        params = {"tol": 1e-10, "max_iter": 10000, **extra}
        m = LogisticRegression(**params).fit(x, ds.target, sample_weight=weights)
        sw_eff = np.ones(x.shape[0]) if weights is None else weights.copy()
        if extra.get("class_weight") == "balanced":
            counts = np.bincount(ds.target).astype(float)
            sw_eff *= (len(ds.target) / (len(counts) * counts))[ds.target]
        binary = len(np.unique(ds.target)) == 2
        w_opt, b_opt = newton_polish(x, ds.target, m.coef_, np.atleast_1d(m.intercept_),
                                     params.get("C", 1.0), sw_eff,
                                     params.get("fit_intercept", True), binary)
        out.append({"coef_opt": rows(w_opt), "intercept_opt": vec(b_opt),
                    "proba_opt": rows(softmax_proba(x, w_opt, b_opt, binary)),
                    "sklearn_distance_to_opt": float(np.abs(w_opt - m.coef_).max()
                                                     / np.abs(w_opt).max()),"data": name, "ident": ident(ds.data), "C": params.get("C", 1.0),
                    "fit_intercept": params.get("fit_intercept", True),
                    "class_weight": params.get("class_weight"),
                    "sample_weight": sw, "coef": rows(m.coef_), "intercept": vec(m.intercept_),
                    "n_iter": int(m.n_iter_[0]), "proba": rows(m.predict_proba(x)),
                    "predict": [int(v) for v in m.predict(x)]})
    return out


def main():
    raw = load_diabetes(scaled=False)
    sc = load_diabetes()
    data = {
        "sklearn_version": __import__("sklearn").__version__,
        "diabetes_raw": ident(raw.data),
        "diabetes_scaled": ident(sc.data),
        "ols": ols_cases(),
        "ols_multi": ols_multi(),
        "ridge": ridge_cases(),
        "ridge_multi": ridge_multi(),
        "ridge_classifier": ridge_classifier_cases(),
        "cd": cd_cases(),
        "weighted": weighted_cases(),
        "poly": poly_cases(),
        "logistic": logistic_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
