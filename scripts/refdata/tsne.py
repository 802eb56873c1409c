#!/usr/bin/env python3
"""Reference data for ml-decomp's t-SNE (affinities, gradients, end-to-end quality).

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4):

    .venv/bin/python scripts/refdata/tsne.py

writes crates/ml-decomp/tests/data/tsne.json (compact JSON; floats are Python's repr of
the float64, so they read back bit for bit). Keys:

* ``versions``: ``{"scikit-learn", "numpy"}``.
* ``p_nn``: ``{"perplexity", "k", "indptr", "indices", "data"}``: scikit-learn's
  ``_joint_probabilities_nn`` on wine (sklearn.datasets.load_wine, unscaled) with
  k = min(n - 1, int(3 * perplexity + 1)) exact Euclidean neighbours, perplexity 30:
  the symmetric CSR P (columns ascending within each row). Wine has no tie at any
  row's k-th neighbour (checked), so the neighbour sets are defined.
* ``p_exact``: ``{"perplexity", "n", "p"}``: ``squareform(_joint_probabilities(D²))``
  on the first 60 iris rows, perplexity 10, row-major n x n (zero diagonal), with D²
  the exact squared distances (not scikit-learn's GEMM expansion).
* ``gradient``: ``{"y", "kl", "grad"}``: ``_kl_divergence(y, P_condensed, dof=1, n=60,
  n_components=2)`` on the p_exact affinities and a fixed embedding y
  (default_rng(3).normal(size=(60, 2)), float64), the exact KL and gradient.
* ``digits``: ``{"trustworthiness", "kl_divergence", "n_iter"}``: ``TSNE(random_state=0)
  .fit(load_digits().data)`` (Barnes-Hut, PCA start), and trustworthiness(k=5) of its
  embedding.
"""

import json
import os
from importlib import metadata

import numpy as np
from scipy.spatial.distance import squareform
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities, _joint_probabilities_nn, _kl_divergence
from sklearn.neighbors import NearestNeighbors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "ml-decomp", "tests", "data", "tsne.json")


def floats(a):
    return np.asarray(a, dtype=float).tolist()


def main():
    out = {"versions": {"scikit-learn": metadata.version("scikit-learn"), "numpy": metadata.version("numpy")}}
    iris = load_iris().data
    wine = load_wine().data
    n = wine.shape[0]
    perplexity = 30.0
    k = min(n - 1, int(3.0 * perplexity + 1))
    d_all, _ = NearestNeighbors(n_neighbors=k + 1).fit(wine).kneighbors()
    assert np.all(d_all[:, k] > d_all[:, k - 1] * (1 + 1e-12)), "a tie at the k-th neighbour"
    knn = NearestNeighbors(n_neighbors=k).fit(wine)
    dist = knn.kneighbors_graph(mode="distance")
    dist.data **= 2
    P = _joint_probabilities_nn(dist, perplexity, 0)
    P.sort_indices()
    out["p_nn"] = {"perplexity": perplexity, "k": k, "indptr": P.indptr.tolist(), "indices": P.indices.tolist(),
                   "data": floats(P.data)}

    x = iris[:60]
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    pc = _joint_probabilities(d2, 10.0, 0)
    out["p_exact"] = {"perplexity": 10.0, "n": 60, "p": floats(squareform(pc).ravel())}

    y = np.random.default_rng(3).normal(size=(60, 2))
    kl, grad = _kl_divergence(y.ravel(), pc, 1, 60, 2)
    out["gradient"] = {"y": floats(y.ravel()), "kl": float(kl), "grad": floats(grad)}

    digits = load_digits().data
    model = TSNE(random_state=0).fit(digits)
    out["digits"] = {"trustworthiness": float(trustworthiness(digits, model.embedding_, n_neighbors=5)),
                     "kl_divergence": float(model.kl_divergence_), "n_iter": int(model.n_iter_)}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: digits trustworthiness {out['digits']['trustworthiness']:.4f}, "
          f"KL {out['digits']['kl_divergence']:.4f}")


if __name__ == "__main__":
    main()
