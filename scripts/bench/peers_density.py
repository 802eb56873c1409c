"""Peers of the density-clustering workloads (Rust side: benches/src/workloads/density.rs):
scikit-learn's DBSCAN, MeanShift and HDBSCAN, the hdbscan package and fast_hdbscan.
Loaded by peers.py, which merges PEERS and IMPL_LIB.

- dbscan_*: DBSCAN(eps, min_samples, metric, algorithm, leaf_size, n_jobs=T) `fit` on
  every row; quality: n_clusters, n_noise and the adjusted Rand index of the labels
  (noise as label -1) against the generating classes.
- hdbscan_*: HDBSCAN with the workload's hyper-parameters `fit` on every row; quality
  as DBSCAN's. `hdbscan` (the package) and `fast_hdbscan` count min_samples without
  the row itself, so they run with min_samples = scikit-learn's - 1 (the same core
  distances); `hdbscan` with its default algorithm ('best': Boruvka on a k-d tree here),
  core_dist_n_jobs = T; fast_hdbscan's numba functions are compiled by an untimed fit
  on the first 2 000 rows.
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
    X, y = inp["X"], inp["y"]
    hp = _threads(w["hyperparameters"], threads)
    info = {"shape": list(X.shape)}
    if impl == "sklearn":
        from sklearn.cluster import HDBSCAN
        make = {"DBSCAN": DBSCAN, "MeanShift": MeanShift, "HDBSCAN": HDBSCAN}[w["algorithm"]]
    elif impl in ("hdbscan", "fast_hdbscan") and w["algorithm"] == "HDBSCAN":
        from importlib import metadata
        m = hp["min_samples"] if hp.get("min_samples") is not None else hp["min_cluster_size"]
        args = {"min_cluster_size": hp["min_cluster_size"], "min_samples": m - 1,
                "cluster_selection_method": hp["cluster_selection_method"],
                "allow_single_cluster": hp["allow_single_cluster"]}
        if impl == "hdbscan":
            import hdbscan
            args.update(metric=hp["metric"], alpha=hp["alpha"], leaf_size=hp["leaf_size"],
                        core_dist_n_jobs=threads)
            make = lambda **_: hdbscan.HDBSCAN(**args)  # noqa: E731
        else:
            import fast_hdbscan
            make = lambda **_: fast_hdbscan.HDBSCAN(**args)  # noqa: E731
            make().fit(X[:2000])  # numba compilation, untimed
        info["versions"] = {impl: metadata.version(impl)}
        info["min_samples"] = m - 1
    else:
        raise ValueError(f"unknown implementation {impl}")
    st = {}

    def fit():
        st["m"] = None  # free the previous model (DBSCAN's neighbourhoods) first
        st["m"] = make(**hp).fit(X)

    def quality():
        labels = st["m"].labels_
        q = {"n_clusters": int(max(labels.max() + 1, 0))}
        if w["algorithm"] in ("DBSCAN", "HDBSCAN"):
            q["n_noise"] = int(np.sum(labels < 0))
        q["ari"] = float(adjusted_rand_score(y, labels))
        return q
    return [("fit", fit)], quality, info


PEERS = {
    "dbscan_blobs2d": build_density,
    "dbscan_blobs2d_200k": build_density,
    "dbscan_blobs2d_1m": build_density,
    "hdbscan_blobs2d_50k": build_density,
    "meanshift_blobs2d": build_density,
    "meanshift_blobs2d_seeds": build_density,
}

IMPL_LIB = {"hdbscan": "hdbscan", "fast_hdbscan": "fast_hdbscan"}
