"""Peers of the density-clustering workloads (Rust side: benches/src/workloads/density.rs):
scikit-learn's DBSCAN and MeanShift. Loaded by peers.py, which merges PEERS.

- dbscan_*: DBSCAN(eps, min_samples, metric, algorithm, leaf_size, n_jobs=T) `fit` on
  every row; quality: n_clusters, n_noise and the adjusted Rand index of the labels
  (noise as label -1) against the generating classes.
- meanshift_*: MeanShift(bandwidth, bin_seeding, min_bin_freq, cluster_all, max_iter,
  n_jobs) `fit` on every row; quality: n_clusters and the adjusted Rand index.
"""


def _threads(hp, threads):
    hp = dict(hp)
    if hp.get("n_jobs") == "T":
        hp["n_jobs"] = threads
    return hp


def build_density(w, impl, inp, threads):
    import numpy as np
    from sklearn.cluster import DBSCAN, MeanShift
    from sklearn.metrics import adjusted_rand_score
    if impl != "sklearn":
        raise ValueError(f"unknown implementation {impl}")
    X, y = inp["X"], inp["y"]
    hp = _threads(w["hyperparameters"], threads)
    make = {"DBSCAN": DBSCAN, "MeanShift": MeanShift}[w["algorithm"]]
    st = {}

    def fit():
        st["m"] = None  # free the previous model (DBSCAN's neighbourhoods) first
        st["m"] = make(**hp).fit(X)

    def quality():
        labels = st["m"].labels_
        q = {"n_clusters": int(max(labels.max() + 1, 0))}
        if w["algorithm"] == "DBSCAN":
            q["n_noise"] = int(np.sum(labels < 0))
        q["ari"] = float(adjusted_rand_score(y, labels))
        return q
    return [("fit", fit)], quality, {"shape": list(X.shape)}


PEERS = {
    "dbscan_blobs2d": build_density,
    "dbscan_blobs2d_200k": build_density,
    "dbscan_blobs2d_1m": build_density,
    "meanshift_blobs2d": build_density,
    "meanshift_blobs2d_seeds": build_density,
}
