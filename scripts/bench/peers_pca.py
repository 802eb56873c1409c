"""scikit-learn peers of the `pca_*` and `tsvd_*` workloads (Rust side:
benches/src/workloads/pca.rs). Loaded by peers.py, which merges PEERS.

PCA: `fit` (a fresh estimator each call) then `transform` of the same rows; quality:
explained_variance_ratio_ (array and sum) and ||X - inverse_transform(transform(X))||_F /
||X||_F. TruncatedSVD on a generated CSR matrix: `fit_transform`; quality: the singular
values, the largest one and the sum of the explained variance ratios. `tsvd_sms_tfidf`
builds the TF-IDF matrix of all messages (TfidfVectorizer defaults) untimed.
"""


def _recon_rel_err(m, X, Z):
    import numpy as np
    return float(np.linalg.norm(X - m.inverse_transform(Z)) / np.linalg.norm(X))


def build_pca(w, impl, inp, threads):
    from sklearn.decomposition import PCA
    X = inp["X"]
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        st["m"] = PCA(**hp).fit(X)

    def transform():
        st["z"] = st["m"].transform(X)

    def quality():
        m = st["m"]
        z = st.get("z")
        if z is None:
            z = m.transform(X)
        r = [float(v) for v in m.explained_variance_ratio_]
        return {"explained_variance_ratio": r, "explained_variance_ratio_sum": float(sum(r)),
                "recon_rel_err": _recon_rel_err(m, X, z)}
    return [("fit", fit), ("transform", transform)], quality, {"shape": list(X.shape)}


def _csr(inp):
    import numpy as np
    import scipy.sparse as sp
    n, d = (int(v) for v in inp["shape"])
    return sp.csr_matrix((inp["data"], inp["indices"].astype(np.int32),
                          inp["indptr"].astype(np.int64)), shape=(n, d))


def build_tsvd_sparse(w, impl, inp, threads):
    from sklearn.decomposition import TruncatedSVD
    if w.get("features") == "sms_tfidf_all":
        from sklearn.feature_extraction.text import TfidfVectorizer
        X = TfidfVectorizer().fit_transform(inp.texts)  # untimed, as on the Rust side
    else:
        X = _csr(inp)
    hp = dict(w["hyperparameters"])
    st = {}

    def fit_transform():
        st["m"] = None
        m = TruncatedSVD(**hp)
        m.fit_transform(X)
        st["m"] = m

    def quality():
        m = st["m"]
        s = [float(v) for v in m.singular_values_]
        return {"singular_values": s, "singular_value_1": s[0],
                "explained_variance_ratio_sum": float(m.explained_variance_ratio_.sum())}
    return [("fit_transform", fit_transform)], quality, {"shape": list(X.shape), "nnz": int(X.nnz)}


PEERS = {
    "pca_full_lowrank300": build_pca,
    "pca_randomized_lowrank300": build_pca,
    "pca_digits": build_pca,
    "pca_full_100k_100_k10": build_pca,
    "pca_covariance_eigh_100k_100_k10": build_pca,
    "pca_randomized_100k_100_k10": build_pca,
    "tsvd_sparse_100k_50k_k100": build_tsvd_sparse,
    "tsvd_sms_tfidf": build_tsvd_sparse,
}
