"""scikit-learn peers of the topic-model workloads (Rust side:
benches/src/workloads/topics.rs). Loaded by peers.py, which merges PEERS.

- Documents: all SMS messages (read untimed by peers.py's read_sms), or, with a
  `corpus` (`quick_corpus` in smoke mode), n_docs documents where document i is message
  (i * multiplier) mod n, the formula the Rust side uses.
- Features (untimed): the workload's `vectorizer` object, CountVectorizer or
  TfidfVectorizer (`kind` "count"/"tfidf") with its other keys as keyword arguments.
- lda_*: LatentDirichletAllocation(**hyperparameters); timed `fit(C)` (a fresh estimator
  every call) and `transform(C)`.
- nmf_*: NMF(**hyperparameters); timed `fit(T)`.

Quality: n_features and nnz of the matrix (compared exactly: the same input on both
sides); lda: perplexity(C) of the fitted model and n_iter_; nmf: reconstruction_err_
and n_iter_.
"""


def _documents(w, inp):
    texts = inp.texts
    if texts is None:
        raise RuntimeError(f"{w['id']}: the data set has no texts")
    spec = w["quick_corpus"] if inp.quick and "quick_corpus" in w else w.get("corpus")
    if spec is None:
        return texts
    n, mult = len(texts), spec["multiplier"]
    return [texts[(i * mult) % n] for i in range(spec["n_docs"])]


def _features(w, docs):
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    kw = dict(w["vectorizer"])
    kind = kw.pop("kind", "count")
    cls = {"count": CountVectorizer, "tfidf": TfidfVectorizer}[kind]
    x = cls(**kw).fit_transform(docs).tocsr()
    x.sort_indices()
    return x


def _input_quality(x):
    return {"n_features": int(x.shape[1]), "nnz": int(x.nnz)}


def build_lda(w, impl, inp, threads):
    import numpy as np
    from sklearn.decomposition import LatentDirichletAllocation
    x = _features(w, _documents(w, inp)).astype(np.float64)
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        st["m"] = LatentDirichletAllocation(**hp).fit(x)

    def transform():
        st["t"] = None
        st["t"] = st["m"].transform(x)

    def quality():
        m = st["m"]
        q = _input_quality(x)
        q.update(perplexity=float(m.perplexity(x)), n_iter=int(m.n_iter_))
        return q
    return [("fit", fit), ("transform", transform)], quality, {"shape": list(x.shape), "nnz": int(x.nnz)}


def build_nmf(w, impl, inp, threads):
    from sklearn.decomposition import NMF
    x = _features(w, _documents(w, inp))
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        st["m"] = NMF(**hp).fit(x)

    def quality():
        m = st["m"]
        q = _input_quality(x)
        q.update(reconstruction_err=float(m.reconstruction_err_), n_iter=int(m.n_iter_))
        return q
    return [("fit", fit)], quality, {"shape": list(x.shape), "nnz": int(x.nnz)}


PEERS = {
    "lda_sms": build_lda,
    "lda_sms20k": build_lda,
    "nmf_sms_tfidf": build_nmf,
}
