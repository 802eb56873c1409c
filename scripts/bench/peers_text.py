"""scikit-learn peer of the text-vectoriser workload (Rust side:
benches/src/workloads/text.rs). Loaded by peers.py, which merges PEERS.

- tfidf_sms: TfidfVectorizer(**hyperparameters).fit_transform on all 5574 SMS messages
  (read untimed by peers.py's read_sms, the Rust loader's parsing rule).

Quality: n_features (vocabulary size), nnz, value_sum (math.fsum of the stored values)
and weighted_sum = sum of x[i, j] * ((7 i + 13 j) mod 17 + 1) (math.fsum), as the Rust
side computes them.
"""
import math


def build_tfidf(w, impl, inp, threads):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts = inp.texts
    if texts is None:
        raise RuntimeError(f"{w['id']}: the data set has no texts")
    hp = dict(w["hyperparameters"])
    if "ngram_range" in hp:
        hp["ngram_range"] = tuple(hp["ngram_range"])
    st = {}

    def fit_transform():
        st["x"] = None
        st["x"] = TfidfVectorizer(**hp).fit_transform(texts)

    def quality():
        x = st["x"].tocsr()
        x.sort_indices()
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        weights = ((7 * rows + 13 * x.indices.astype(np.int64)) % 17 + 1).astype(np.float64)
        return {
            "n_features": int(x.shape[1]),
            "nnz": int(x.nnz),
            "value_sum": math.fsum(x.data.tolist()),
            "weighted_sum": math.fsum((x.data * weights).tolist()),
        }
    return [("fit_transform", fit_transform)], quality, {"n_documents": len(texts)}


PEERS = {"tfidf_sms": build_tfidf}
