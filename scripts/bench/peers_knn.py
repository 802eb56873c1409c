"""Peers of the nearest-neighbour workloads (Rust side: the `knn_*`/`radius_*` cases of
benches/src/workloads/): scikit-learn and FAISS. Loaded by peers.py, which merges PEERS
and IMPL_LIB.

- knn_kdtree_clf8, knn_brute_clf64, knn_digits: KNeighborsClassifier `fit` on the train
  rows of the fixed split, `predict` on the test rows; quality: test accuracy.
- radius_kdtree_1m_3: NearestNeighbors(radius, algorithm='kd_tree') `fit` on the index
  rows (train_idx), `radius_neighbors` of the query rows (test_idx) with
  return_distance=True, sort_results=False; quality: n_pairs (neighbours found, all
  queries), mean_count (n_pairs / queries) and dist_sum (math.fsum of every returned
  distance).

Implementations:

- `sklearn`: the estimator with the workload's hyper-parameters verbatim, n_jobs "T" =
  the runner's thread count (knn: a query-side joblib thread pool for the trees,
  OpenMP/BLAS for brute force).
- `faiss.flat` (knn_brute_clf64, knn_digits): faiss-cpu's exact `IndexFlatL2` on float32
  copies of the rows (made untimed, with C order, before the steps); `fit` = a new
  index plus `add` of the train rows, `predict` = `search` of the test rows for the 5
  nearest (squared L2, float32: for more than 20 queries FAISS computes
  |x|^2 + |y|^2 - 2 x.y with a float32 BLAS product and keeps the k smallest), then
  the majority vote of their labels in numpy (ties to the smallest label, as
  scikit-learn's uniform vote), inside the timed step. OpenMP threads =
  faiss.omp_set_num_threads(threads).
"""


def _threads(hp, threads):
    hp = dict(hp)
    if hp.get("n_jobs") == "T":
        hp["n_jobs"] = threads
    return hp


def build_knn(w, impl, inp, threads):
    import numpy as np
    from sklearn.neighbors import KNeighborsClassifier
    X, y = inp["X"], inp["y"]
    tr, te = inp["train_idx"], inp["test_idx"]
    Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]
    hp = _threads(w["hyperparameters"], threads)
    info = {"train_shape": list(Xtr.shape), "n_test": len(te)}
    st = {}
    if impl == "sklearn":
        # The algorithm 'auto' resolves to (one untimed fit; cheap next to the steps).
        info["fit_method"] = KNeighborsClassifier(**hp).fit(Xtr, ytr)._fit_method

        def fit():
            st["m"] = None
            st["m"] = KNeighborsClassifier(**hp).fit(Xtr, ytr)

        def predict():
            st["p"] = st["m"].predict(Xte)
    elif impl == "faiss.flat":
        import faiss
        from importlib import metadata
        if hp.get("metric", "minkowski") not in ("minkowski", "euclidean") or hp.get("p", 2) != 2 \
                or hp.get("weights", "uniform") != "uniform":
            raise RuntimeError("faiss.flat maps only Euclidean distance with uniform weights")
        faiss.omp_set_num_threads(threads)
        k = int(hp.get("n_neighbors", 5))
        classes, ycode = np.unique(ytr, return_inverse=True)
        n_classes = len(classes)
        Xtr32 = np.ascontiguousarray(Xtr, dtype=np.float32)
        Xte32 = np.ascontiguousarray(Xte, dtype=np.float32)
        d = Xtr32.shape[1]
        rows = np.repeat(np.arange(len(te)), k)
        info["versions"] = {"faiss-cpu": metadata.version("faiss-cpu")}
        info.update(k=k, dtype="float32", faiss_threads=faiss.omp_get_max_threads())

        def fit():
            st["m"] = None
            index = faiss.IndexFlatL2(d)
            index.add(Xtr32)
            st["m"] = index

        def predict():
            _, idx = st["m"].search(Xte32, k)
            votes = np.zeros((len(te), n_classes), dtype=np.int64)
            np.add.at(votes, (rows, ycode[idx.ravel()]), 1)
            st["p"] = classes[np.argmax(votes, axis=1)]  # first maximum: the smallest label
    else:
        raise ValueError(f"unknown implementation {impl}")

    def quality():
        return {"accuracy": float(np.mean(st["p"] == yte))}
    return [("fit", fit), ("predict", predict)], quality, info


def build_radius(w, impl, inp, threads):
    import math
    import numpy as np
    from sklearn.neighbors import NearestNeighbors
    X = inp["X"]
    Xtr, Xq = X[inp["train_idx"]], X[inp["test_idx"]]
    hp = _threads(w["hyperparameters"], threads)
    if impl != "sklearn":
        raise ValueError(f"unknown implementation {impl}")
    st = {}

    def fit():
        st["m"] = None
        st["m"] = NearestNeighbors(**hp).fit(Xtr)

    def radius_neighbors():
        st["r"] = None  # free the previous result first, as the Rust side does
        st["r"] = st["m"].radius_neighbors(Xq, return_distance=True, sort_results=False)

    def quality():
        dist, _ = st["r"]
        n_pairs = int(sum(len(a) for a in dist))
        return {"n_pairs": n_pairs, "mean_count": n_pairs / len(Xq),
                "dist_sum": math.fsum(np.concatenate(list(dist)).tolist())}
    info = {"index_shape": list(Xtr.shape), "n_queries": len(Xq)}
    return [("fit", fit), ("radius_neighbors", radius_neighbors)], quality, info


PEERS = {
    "knn_kdtree_clf8": build_knn,
    "knn_brute_clf64": build_knn,
    "knn_digits": build_knn,
    "radius_kdtree_1m_3": build_radius,
}

IMPL_LIB = {"faiss.flat": "faiss-cpu"}
