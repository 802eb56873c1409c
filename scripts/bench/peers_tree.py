"""scikit-learn peers of the tree workloads (Rust side: benches/src/workloads/tree.rs).
Loaded by peers.py, which merges PEERS.

- dtree_clf20, tree_clf_*: DecisionTreeClassifier `fit` on the train rows of the fixed split,
  `predict` on the test rows; quality: test accuracy, n_leaves, depth.
- tree_reg_*: DecisionTreeRegressor likewise; quality: test R^2, n_leaves, depth.

Both sides grow the same tree for the same random_state (the Rust splitter draws
features with scikit-learn's generator), so the figures are compared exactly.
"""


def build_tree(w, impl, inp, threads):
    import numpy as np
    from sklearn.metrics import r2_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    X, y = inp["X"], inp["y"]
    tr, te = inp["train_idx"], inp["test_idx"]
    Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]
    hp = dict(w["hyperparameters"])
    cls = DecisionTreeClassifier if w["algorithm"] == "DecisionTreeClassifier" else DecisionTreeRegressor
    st = {}

    def fit():
        st["m"] = None
        st["m"] = cls(**hp).fit(Xtr, ytr)

    def predict():
        st["p"] = st["m"].predict(Xte)

    def quality():
        m = st["m"]
        q = {"n_leaves": int(m.get_n_leaves()), "depth": int(m.get_depth())}
        if cls is DecisionTreeClassifier:
            q["accuracy"] = float(np.mean(st["p"] == yte))
        else:
            q["r2"] = float(r2_score(yte, st["p"]))
        return q
    return [("fit", fit), ("predict", predict)], quality, {"train_shape": list(Xtr.shape), "n_test": len(te)}


PEERS = {
    "dtree_clf20": build_tree,
    "tree_clf_100k_20": build_tree,
    "tree_reg_100k_20": build_tree,
}
