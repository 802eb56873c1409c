"""scikit-learn peers of the naive Bayes workloads (Rust side:
benches/src/workloads/naive_bayes.rs). Loaded by peers.py, which merges PEERS.

- gnb_*: GaussianNB `fit` on the train rows of the fixed split, `predict` on the test rows.
- mnb_sms: CountVectorizer() fitted on the train messages of the fixed split (untimed),
  MultinomialNB `fit` on the train counts (CSR), `predict` on the test counts.
- mnb_sms100k: a corpus of corpus.n_docs messages, document i = SMS message
  (i * corpus.multiplier) mod n (quick_corpus in smoke mode), the first n_train train;
  timed `fit` = CountVectorizer().fit_transform(train) + MultinomialNB().fit, timed
  `predict` = transform(test) + predict.

Quality: test accuracy, f1_pos where listed, jll_sum (the Neumaier sum of
predict_joint_log_proba over the test rows and classes, as the Rust side sums it), and
n_features (vocabulary size) for mnb_sms100k.
"""
import math


def _jll_sum(m, X):
    jll = m.predict_joint_log_proba(X)
    return math.fsum(jll.T.ravel().tolist())


def _scores(y_test, pred, jll_sum, f1):
    import numpy as np
    from sklearn.metrics import f1_score
    q = {"accuracy": float(np.mean(pred == y_test))}
    if f1:
        q["f1_pos"] = float(f1_score(y_test, pred, pos_label=1))
    q["jll_sum"] = jll_sum
    return q


def build_gnb(w, impl, inp, threads):
    from sklearn.naive_bayes import GaussianNB
    X, y = inp["X"], inp["y"]
    tr, te = inp["train_idx"], inp["test_idx"]
    Xtr, ytr, Xte, yte = X[tr], y[tr], X[te], y[te]
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        st["m"] = GaussianNB(**hp).fit(Xtr, ytr)

    def predict():
        st["p"] = st["m"].predict(Xte)

    def quality():
        return _scores(yte, st["p"], _jll_sum(st["m"], Xte), False)
    return [("fit", fit), ("predict", predict)], quality, {"train_shape": list(Xtr.shape), "n_test": len(te)}


def build_mnb_sms(w, impl, inp, threads):
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB
    texts, y = inp.texts, np.asarray(inp["y"])
    tr, te = inp["train_idx"], inp["test_idx"]
    cv = CountVectorizer()
    Ctr = cv.fit_transform([texts[i] for i in tr])
    Cte = cv.transform([texts[i] for i in te])
    ytr, yte = y[tr], y[te]
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        st["m"] = MultinomialNB(**hp).fit(Ctr, ytr)

    def predict():
        st["p"] = st["m"].predict(Cte)

    def quality():
        return _scores(yte, st["p"], _jll_sum(st["m"], Cte), True)
    return [("fit", fit), ("predict", predict)], quality, {"train_shape": list(Ctr.shape),
                                                             "train_nnz": int(Ctr.nnz), "n_test": len(te)}


def build_mnb_corpus(w, impl, inp, threads):
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB
    texts, y = inp.texts, np.asarray(inp["y"])
    spec = w["quick_corpus"] if inp.quick and "quick_corpus" in w else w["corpus"]
    n_docs, n_train, mult = spec["n_docs"], spec["n_train"], spec["multiplier"]
    src = [(i * mult) % len(texts) for i in range(n_docs)]
    train, test = [texts[s] for s in src[:n_train]], [texts[s] for s in src[n_train:]]
    ytr, yte = y[src[:n_train]], y[src[n_train:]]
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        cv = CountVectorizer()
        C = cv.fit_transform(train)
        st["m"] = (cv, MultinomialNB(**hp).fit(C, ytr))

    def predict():
        cv, m = st["m"]
        C = cv.transform(test)
        st["p"] = (C, m.predict(C))

    def quality():
        cv, m = st["m"]
        C, p = st["p"]
        q = _scores(yte, p, _jll_sum(m, C), True)
        q["n_features"] = len(cv.vocabulary_)
        return q
    return [("fit", fit), ("predict", predict)], quality, {"n_train_docs": len(train), "n_test_docs": len(test)}


PEERS = {
    "gnb_clf20": build_gnb,
    "gnb_wine": build_gnb,
    "mnb_sms": build_mnb_sms,
    "mnb_sms100k": build_mnb_corpus,
}
