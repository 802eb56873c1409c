#!/usr/bin/env python3
"""Reference data for ml-decomp's PCA, IncrementalPCA and TruncatedSVD.

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4, scipy 1.17):

    .venv/bin/python scripts/refdata/pca.py
    # writes crates/ml-decomp/tests/data/pca.json and truncated_svd.json

Every matrix is a row-major list of rows. Each data set is identified by its shape and
the sum of its entries, so the Rust tests can check they load the same rows.

pca.json:
* ``pca``: PCA on digits (1797 x 64) and wine (178 x 13) for each solver (full,
  covariance_eigh, randomized), counts, a variance fraction, 'mle' and whiten. The
  randomized cases use ``iterated_power=30`` so that scikit-learn's answer is the exact
  one to ~1e-12 whatever the random draws: the Rust side draws other Gaussians, so only
  converged results can be compared. Each case records the fitted attributes, the
  transform of the first 5 rows, ``score`` and the first 5 ``score_samples`` (when the
  model keeps fewer components than features, so the precision exists), and the number
  of leading components whose eigenvalues are separated (relative gap above 1e-6) --
  the ones whose direction is defined and compared.
* ``ipca``: IncrementalPCA on digits with n_components=10 and batch sizes 200 and the
  default (5 * n_features = 320); on wine with n_components=None and batch size 50.

truncated_svd.json:
* A fixed-seed sparse matrix (scipy.sparse.random, 400 x 300, density 0.03), stored as
  (row, col, value) triplets, with its exact singular values (LAPACK SVD of the dense
  matrix), TruncatedSVD(arpack, k=20) attributes and TruncatedSVD(randomized, k=20,
  n_iter=30) singular values and variance ratios; TruncatedSVD on digits (dense); and
  on the SMS messages' TF-IDF (TfidfVectorizer defaults on all 5574 messages, read as
  ml_core::datasets::parse_sms_spam does): the vocabulary size, arpack's 100 singular
  values (exact to machine precision) and the default randomized fit's (random_state=0)
  singular values and variance ratio sum.
"""
import json
import os

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from sklearn.datasets import load_digits, load_wine
from sklearn.decomposition import PCA, IncrementalPCA, TruncatedSVD

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "crates", "ml-decomp", "tests", "data")


def rows(a):
    return [[float(v) for v in r] for r in np.atleast_2d(a)]


def vec(a):
    return [float(v) for v in np.ravel(a)]


def ident(x):
    return {"shape": list(x.shape), "sum": float(np.sum(x))}


def separated(values, rel=1e-6):
    """Leading components whose eigenvalue is apart from both neighbours."""
    v = np.asarray(values)
    count = 0
    for i in range(len(v)):
        lo = v[i + 1] if i + 1 < len(v) else 0.0
        hi = v[i - 1] if i > 0 else np.inf
        if v[i] <= 0 or (v[i] - lo) <= rel * v[0] or (hi - v[i]) <= rel * v[0]:
            break
        count += 1
    return count


def pca_case(name, data_name, x, **kw):
    m = PCA(**kw).fit(x)
    case = {
        "name": name,
        "data": data_name,
        "params": {k: v for k, v in kw.items()},
        "solver": m._fit_svd_solver,
        "n_components_": int(m.n_components_),
        "components": rows(m.components_),
        "explained_variance": vec(m.explained_variance_),
        "explained_variance_ratio": vec(m.explained_variance_ratio_),
        "singular_values": vec(m.singular_values_),
        "mean": vec(m.mean_),
        "noise_variance": float(m.noise_variance_),
        "transform_head": rows(m.transform(x[:5])),
        "n_separated": separated(m.explained_variance_),
    }
    if m.n_components_ < x.shape[1]:
        case["score"] = float(m.score(x))
        case["score_samples_head"] = vec(m.score_samples(x[:5]))
    return case


def pca_cases(digits, wine):
    out = []
    for solver in ["full", "covariance_eigh"]:
        out.append(pca_case(f"digits_{solver}_10", "digits", digits,
                            n_components=10, svd_solver=solver))
        out.append(pca_case(f"digits_{solver}_all", "digits", digits, svd_solver=solver))
        out.append(pca_case(f"wine_{solver}_all", "wine", wine, svd_solver=solver))
        out.append(pca_case(f"wine_{solver}_5", "wine", wine, n_components=5,
                            svd_solver=solver))
        out.append(pca_case(f"digits_{solver}_frac95", "digits", digits,
                            n_components=0.95, svd_solver=solver))
        out.append(pca_case(f"digits_{solver}_mle", "digits", digits,
                            n_components="mle", svd_solver=solver))
        out.append(pca_case(f"wine_{solver}_mle", "wine", wine, n_components="mle",
                            svd_solver=solver))
        out.append(pca_case(f"wine_{solver}_whiten4", "wine", wine, n_components=4,
                            whiten=True, svd_solver=solver))
    out.append(pca_case("digits_randomized_10", "digits", digits, n_components=10,
                        svd_solver="randomized", iterated_power=30, random_state=0))
    out.append(pca_case("wine_randomized_5", "wine", wine, n_components=5,
                        svd_solver="randomized", iterated_power=30, random_state=0))
    out.append(pca_case("wine_randomized_whiten4", "wine", wine, n_components=4,
                        whiten=True, svd_solver="randomized", iterated_power=30,
                        random_state=0))
    out.append(pca_case("digits_auto_10", "digits", digits, n_components=10))
    return out


def ipca_case(name, data_name, x, **kw):
    m = IncrementalPCA(**kw).fit(x)
    return {
        "name": name,
        "data": data_name,
        "params": kw,
        "batch_size_": int(m.batch_size_),
        "n_components_": int(m.n_components_),
        "components": rows(m.components_),
        "explained_variance": vec(m.explained_variance_),
        "explained_variance_ratio": vec(m.explained_variance_ratio_),
        "singular_values": vec(m.singular_values_),
        "mean": vec(m.mean_),
        "var": vec(m.var_),
        "noise_variance": float(m.noise_variance_),
        "n_samples_seen": int(m.n_samples_seen_),
        "transform_head": rows(m.transform(x[:5])),
        "n_separated": separated(m.explained_variance_),
    }


def tsvd_cases(digits):
    a = sp.random(400, 300, density=0.03, format="csr", random_state=np.random.RandomState(7))
    a.sort_indices()
    coo = a.tocoo()
    exact = linalg.svd(a.toarray(), compute_uv=False)
    arp = TruncatedSVD(n_components=20, algorithm="arpack", random_state=0).fit(a)
    rnd = TruncatedSVD(n_components=20, algorithm="randomized", n_iter=30,
                       random_state=0).fit(a)
    dig = TruncatedSVD(n_components=10, algorithm="arpack", random_state=0).fit(digits)
    return {
        "sparse": {
            "shape": list(a.shape),
            "triplets": [[int(r), int(c), float(v)] for r, c, v in zip(coo.row, coo.col, coo.data)],
            "exact_singular_values": vec(exact),
            "arpack": {
                "components": rows(arp.components_),
                "singular_values": vec(arp.singular_values_),
                "explained_variance": vec(arp.explained_variance_),
                "explained_variance_ratio": vec(arp.explained_variance_ratio_),
                "transform_head": rows(arp.transform(a[:5])),
            },
            "randomized": {
                "singular_values": vec(rnd.singular_values_),
                "explained_variance_ratio": vec(rnd.explained_variance_ratio_),
            },
        },
        "digits": {
            "data": ident(digits),
            "components": rows(dig.components_),
            "singular_values": vec(dig.singular_values_),
            "explained_variance": vec(dig.explained_variance_),
            "explained_variance_ratio": vec(dig.explained_variance_ratio_),
        },
    }


def read_sms():
    with open(os.path.join(ROOT, "datasets", "SMSSpamCollection"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    texts = []
    for i, line in enumerate(lines):
        if line.endswith("\r"):
            line = line[:-1]
        if i == 0 and line.startswith("Label\t"):
            continue
        texts.append(line.split("\t", 1)[1])
    return texts


def sms_case():
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts = read_sms()
    t = TfidfVectorizer().fit_transform(texts)
    arp = TruncatedSVD(n_components=100, algorithm="arpack", random_state=0).fit(t)
    rnd = TruncatedSVD(n_components=100, random_state=0).fit(t)
    return {
        "n_docs": len(texts),
        "n_terms": int(t.shape[1]),
        "nnz": int(t.nnz),
        "arpack_singular_values": vec(arp.singular_values_),
        "arpack_explained_variance_ratio_sum": float(arp.explained_variance_ratio_.sum()),
        "randomized_singular_values": vec(rnd.singular_values_),
        "randomized_explained_variance_ratio_sum": float(rnd.explained_variance_ratio_.sum()),
    }


def main():
    digits = load_digits().data.astype(float)
    wine = load_wine().data.astype(float)
    os.makedirs(OUT_DIR, exist_ok=True)
    pca = {
        "data": {"digits": ident(digits), "wine": ident(wine)},
        "pca": pca_cases(digits, wine),
        "ipca": [
            ipca_case("digits_10_b200", "digits", digits, n_components=10, batch_size=200),
            ipca_case("digits_10_default", "digits", digits, n_components=10),
            ipca_case("wine_all_b50", "wine", wine, batch_size=50),
        ],
    }
    with open(os.path.join(OUT_DIR, "pca.json"), "w") as f:
        json.dump(pca, f)
    with open(os.path.join(OUT_DIR, "truncated_svd.json"), "w") as f:
        cases = tsvd_cases(digits)
        cases["sms"] = sms_case()
        json.dump(cases, f)


if __name__ == "__main__":
    main()
