"""scikit-learn peers of the forest workloads (Rust side: benches/src/workloads/forest.rs).
Loaded by peers.py, which merges PEERS.

- rf_clf20s, rf_clf_100k_20: RandomForestClassifier `fit` on the train rows of the fixed
  split, `predict` on the test rows; et_clf_100k_20: ExtraTreesClassifier likewise;
  rf_reg_100k_20: RandomForestRegressor likewise. Quality: test accuracy (R^2 for the
  regressor) and the total number of leaves over the trees.

`n_jobs` is the runner's thread count (the workload's "T"). Both sides grow the same
trees for the same random_state, so the leaf totals agree exactly.
"""


def build_forest(w, impl, inp, threads):
    import numpy as np
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier, RandomForestRegressor
    from sklearn.metrics import r2_score
    X, y = inp["X"], inp["y"]
    tr, te = inp["train_idx"], inp["test_idx"]
    Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]
    hp = dict(w["hyperparameters"])
    if hp.get("n_jobs") == "T":
        hp["n_jobs"] = threads
    cls = {"ExtraTreesClassifier": ExtraTreesClassifier,
           "RandomForestRegressor": RandomForestRegressor}.get(w["algorithm"], RandomForestClassifier)
    st = {}

    def fit():
        st["m"] = None
        st["m"] = cls(**hp).fit(Xtr, ytr)

    def predict():
        st["p"] = st["m"].predict(Xte)

    def quality():
        m = st["m"]
        q = {"n_leaves": int(sum(t.get_n_leaves() for t in m.estimators_))}
        if cls is RandomForestRegressor:
            q["r2"] = float(r2_score(yte, st["p"]))
        else:
            q["accuracy"] = float(np.mean(st["p"] == yte))
        return q
    return [("fit", fit), ("predict", predict)], quality, {"train_shape": list(Xtr.shape), "n_test": len(te)}


PEERS = {
    "rf_clf20s": build_forest,
    "rf_clf_100k_20": build_forest,
    "et_clf_100k_20": build_forest,
    "rf_reg_100k_20": build_forest,
}
