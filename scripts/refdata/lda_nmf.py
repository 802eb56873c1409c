#!/usr/bin/env python3
"""Reference data for ml-decomp's LDA and NMF (crates/ml-decomp/src/{lda,nmf}.rs).

Usage (with the project's venv, scikit-learn 1.9.1):

    .venv/bin/python scripts/refdata/lda_nmf.py
    # writes crates/ml-decomp/tests/data/lda_sms.json and crates/ml-decomp/tests/data/nmf.json

``lda_sms.json``:

* ``counts``: ``CountVectorizer(max_df=0.95, min_df=2, stop_words='english')`` fitted on all
  5574 SMS messages of ``datasets/SMSSpamCollection`` (header dropped, text after the first
  tab), as CSR arrays (``indptr``, ``indices``, ``data``) with its ``vocabulary`` in column
  order, so the Rust parity tests do not depend on a vectoriser.
* ``batch``: ``LatentDirichletAllocation(n_components=10, random_state=0)`` (batch method,
  every other parameter at its default) fitted on those counts: ``components_``, ``bound_``
  (the final training perplexity), ``perplexity(X)``, ``score(X)`` and ``transform(X)`` of the
  documents listed in ``transform_rows`` (every 7th one and the 20 longest).
* ``online``: the same with ``learning_method='online'``: ``bound_`` only.
* ``seed_spread``: ``bound_`` of batch fits from random_state 1..4, to show how far the
  perplexity moves with the random start alone.

``nmf.json`` (data from the bundled files, read by the Rust side through
``ml_core::datasets``):

* ``init``: ``_initialize_nmf(X, 4, init)`` on the wine data for ``nndsvd`` and ``nndsvda``
  (k + 10 oversamples >= 13 columns, so the randomized SVD inside is exact up to rounding).
* ``fits``: ``NMF(n_components=10, ...)`` on the digits data (``cd`` and ``mu`` with the
  Frobenius loss, ``mu`` with the Kullback-Leibler loss, default init ``nndsvda``, and one with
  ``alpha_W=0.01, l1_ratio=0.5``), and ``cd`` on the SMS counts above (sparse):
  ``reconstruction_err_`` and ``n_iter_``.
"""
import json
import os

import numpy as np
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.feature_extraction.text import CountVectorizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "crates", "ml-decomp", "tests", "data")


def sms_counts():
    with open(os.path.join(ROOT, "datasets", "SMSSpamCollection"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    texts = [line.split("\t", 1)[1] for line in lines[1:] if line.strip()]
    cv = CountVectorizer(max_df=0.95, min_df=2, stop_words="english")
    x = cv.fit_transform(texts).astype(np.float64)
    x.sort_indices()
    return x, list(cv.get_feature_names_out())


def wine():
    return np.loadtxt(os.path.join(ROOT, "datasets", "wine_data.csv"), delimiter=",", skiprows=1)[:, :-1]


def digits():
    return np.loadtxt(os.path.join(ROOT, "datasets", "digits.csv.gz"), delimiter=",")[:, :-1]


def lda(x, vocab):
    lengths = np.asarray(x.sum(axis=1)).ravel()
    rows = sorted(set(range(0, x.shape[0], 7)) | set(np.argsort(-lengths, kind="stable")[:20].tolist()))
    batch = LatentDirichletAllocation(n_components=10, random_state=0).fit(x)
    online = LatentDirichletAllocation(n_components=10, random_state=0, learning_method="online").fit(x)
    spread = [
        LatentDirichletAllocation(n_components=10, random_state=s).fit(x).bound_ for s in range(1, 5)
    ]
    return {
        "counts": {
            "shape": list(x.shape),
            "indptr": x.indptr.tolist(),
            "indices": x.indices.tolist(),
            "data": [int(v) for v in x.data],
            "vocabulary": vocab,
        },
        "batch": {
            "components": batch.components_.tolist(),
            "bound": batch.bound_,
            "n_iter": batch.n_iter_,
            "perplexity": batch.perplexity(x),
            "score": batch.score(x),
            "transform_rows": rows,
            "transform": batch.transform(x[rows]).tolist(),
        },
        "online": {"bound": online.bound_},
        "seed_spread": spread,
    }


def nmf(x_sms):
    w = wine()
    init = {}
    for method in ["nndsvd", "nndsvda"]:
        W, H = _initialize_nmf(w, 4, init=method, random_state=0)
        init[method] = {"W": W.tolist(), "H": H.tolist()}
    d = digits()
    fits = []
    for solver, beta, extra in [
        ("cd", "frobenius", {}),
        ("mu", "frobenius", {}),
        ("mu", "kullback-leibler", {}),
        ("cd", "frobenius", {"alpha_W": 0.01, "l1_ratio": 0.5}),
        ("mu", "frobenius", {"alpha_W": 0.01, "l1_ratio": 0.5}),
    ]:
        m = NMF(n_components=10, solver=solver, beta_loss=beta, random_state=0, **extra)
        m.fit(d)
        fits.append({
            "data": "digits", "solver": solver, "beta_loss": beta, **extra,
            "reconstruction_err": m.reconstruction_err_, "n_iter": m.n_iter_,
        })
    m = NMF(n_components=10, solver="cd", random_state=0).fit(x_sms)
    fits.append({
        "data": "sms_counts", "solver": "cd", "beta_loss": "frobenius",
        "reconstruction_err": m.reconstruction_err_, "n_iter": m.n_iter_,
    })
    m = NMF(n_components=10, solver="mu", beta_loss="kullback-leibler", random_state=0).fit(x_sms)
    fits.append({
        "data": "sms_counts", "solver": "mu", "beta_loss": "kullback-leibler",
        "reconstruction_err": m.reconstruction_err_, "n_iter": m.n_iter_,
    })
    return {"init": init, "fits": fits}


def main():
    x, vocab = sms_counts()
    os.makedirs(DATA, exist_ok=True)
    with open(os.path.join(DATA, "lda_sms.json"), "w") as f:
        json.dump(lda(x, vocab), f, separators=(",", ":"))
    with open(os.path.join(DATA, "nmf.json"), "w") as f:
        json.dump(nmf(x), f, indent=1)


if __name__ == "__main__":
    main()
