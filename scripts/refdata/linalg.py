#!/usr/bin/env python3
"""Reference data for ml-core's linear algebra (crates/ml-core/src/linalg).

Usage (with the project's venv, scikit-learn 1.9.1, scipy 1.17):

    .venv/bin/python scripts/refdata/linalg.py      # writes crates/ml-core/tests/data/linalg.json

Every matrix is a row-major list of rows. Cases:

* ``lstsq``: ``scipy.linalg.lstsq(A, B, cond=1e-6)`` (what LinearRegression 1.9 calls) on a
  matrix whose smallest singular value falls below the cutoff, so the rank drops to 5.
* ``svd``: ``scipy.linalg.svd(full_matrices=False)`` followed by sklearn's ``svd_flip`` with
  ``u_based_decision`` True and False.
* ``eigh``: ``numpy.linalg.eigh`` reordered to descending eigenvalues.
* ``randomized_svd``: sklearn's ``randomized_svd(M, k, random_state=seed, ...)`` together with the
  Gaussian test matrix it draws (``RandomState(seed).normal(size=(inner, k + n_oversamples))``),
  so the Rust side can inject the same draws and compare within rounding.
"""
import json
import os

import numpy as np
import scipy.linalg
from sklearn.utils.extmath import randomized_svd, svd_flip

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "ml-core", "tests", "data", "linalg.json")


def rows(a):
    return [[float(v) for v in r] for r in np.atleast_2d(a)]


def lstsq_case(rng):
    m, n = 20, 6
    u, _ = np.linalg.qr(rng.normal(size=(m, n)))
    v, _ = np.linalg.qr(rng.normal(size=(n, n)))
    s = np.array([10.0, 5.0, 2.0, 1.0, 1e-3, 1e-8])
    a = (u * s) @ v.T
    b = rng.normal(size=(m, 2))
    coef, _, rank, sv = scipy.linalg.lstsq(a, b, cond=1e-6)
    return {"a": rows(a), "b": rows(b), "coef": rows(coef), "rank": int(rank),
            "singular_values": [float(x) for x in sv]}


def svd_case(rng):
    x = rng.normal(size=(7, 4)) + 0.5
    u, s, vt = scipy.linalg.svd(x, full_matrices=False)
    ub, vtb = svd_flip(u.copy(), vt.copy(), u_based_decision=True)
    uv, vtv = svd_flip(u.copy(), vt.copy(), u_based_decision=False)
    return {"x": rows(x), "s": [float(v) for v in s],
            "u_based": {"u": rows(ub), "vt": rows(vtb)},
            "v_based": {"u": rows(uv), "vt": rows(vtv)}}


def eigh_case(rng):
    g = rng.normal(size=(5, 5))
    a = g @ g.T + np.diag([0.0, 1.0, 2.0, 3.0, 4.0])
    w, v = np.linalg.eigh(a)
    return {"a": rows(a), "values": [float(x) for x in w[::-1]]}


def randomized_cases(rng):
    cases = []
    # Decaying spectrum, so that the leading triplets are well separated.
    for (m, n, k, n_iter, norm, seed) in [
        (50, 30, 5, "auto", "auto", 0),
        (30, 50, 4, "auto", "auto", 1),   # transposed by 'auto'
        (60, 40, 6, 2, "auto", 2),         # n_iter <= 2: no normaliser
        (60, 40, 6, 3, "QR", 3),
    ]:
        u, _ = np.linalg.qr(rng.normal(size=(m, min(m, n))))
        v, _ = np.linalg.qr(rng.normal(size=(n, min(m, n))))
        s = 0.8 ** np.arange(min(m, n)) * 10.0
        mat = (u * s) @ v.T
        inner = mat.shape[0] if m < n else mat.shape[1]
        omega = np.random.RandomState(seed).normal(size=(inner, k + 10))
        U, S, Vt = randomized_svd(mat, k, n_iter=n_iter, power_iteration_normalizer=norm,
                                  random_state=seed)
        cases.append({"m": rows(mat), "n_components": k,
                      "n_iter": None if n_iter == "auto" else n_iter,
                      "normalizer": norm, "omega": rows(omega),
                      "u": rows(U), "s": [float(x) for x in S], "vt": rows(Vt)})
    return cases


def main():
    rng = np.random.default_rng(20240611)
    data = {"lstsq": lstsq_case(rng), "svd": svd_case(rng), "eigh": eigh_case(rng),
            "randomized_svd": randomized_cases(rng)}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
