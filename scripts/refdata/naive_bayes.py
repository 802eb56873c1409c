#!/usr/bin/env python3
"""Reference data for ml-supervised's naive Bayes models.

Usage (with the project's venv: scikit-learn 1.9.1, numpy 2.4, scipy 1.17):

    .venv/bin/python scripts/refdata/naive_bayes.py

writes two files under crates/ml-supervised/tests/data/:

* ``naive_bayes.json``: GaussianNB on iris and wine (all rows; default, fixed priors,
  var_smoothing=1e-3, sample weights 1 + i % 3): theta_, var_, class_prior_, epsilon_,
  class_count_, the joint log-likelihood, log-probabilities and predictions on the
  training rows. CategoricalNB on binned iris (codes floor(X), so 4..7, 2..4, 1..6,
  0..2): default, alpha=0.5 with fit_prior=False, min_categories=9, sample weights;
  class_count_, category_count_ and feature_log_prob_ of every feature, the joint
  log-likelihood and predictions on every row.
* ``naive_bayes_sms.json``: the SMS spam collection (datasets/SMSSpamCollection, parsed
  as ml_core::datasets::parse_sms_spam does: lines, optional 'Label\\t' header,
  '<ham|spam>\\t<text>', spam = 1), the stratified split
  train_test_split(np.arange(n), test_size=0.25, random_state=0, stratify=y)
  (``train_idx``/``test_idx``), CountVectorizer() fitted on the train texts (its
  vocabulary size and the train/test count matrices as CSR ``indptr``/``indices``/
  ``data``), and for MultinomialNB, ComplementNB and BernoulliNB (defaults, plus
  variants: MultinomialNB alpha=0.5 fit_prior=False, class_prior=[0.3, 0.7] and sample
  weights; ComplementNB norm=True; BernoulliNB binarize=1.0 and alpha=0.1) fitted on
  the train counts: class_count_, class_log_prior_, feature_count_ and
  feature_log_prob_ at every 37th column plus their row sums (math.fsum) over all
  columns, the joint log-likelihood and predictions on the test rows (log-probabilities
  too for the three default models), and the test accuracy.
"""
import json
import math
import os

import numpy as np
from sklearn.datasets import load_iris, load_wine
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "ml-supervised", "tests", "data")
COL_STEP = 37


def rows(a):
    return [[float(v) for v in r] for r in np.atleast_2d(a)]


def vec(a):
    return [float(v) for v in np.ravel(a)]


def ints(a):
    return [int(v) for v in np.ravel(a)]


def ident(x):
    return {"shape": list(x.shape), "sum": float(np.sum(x))}


def outputs(m, x):
    return {"jll": rows(m.predict_joint_log_proba(x)),
            "log_proba": rows(m.predict_log_proba(x)),
            "predict": ints(m.predict(x))}


def gaussian_cases():
    out = []
    for name, loader in [("iris", load_iris), ("wine", load_wine)]:
        x, y = loader(return_X_y=True)
        k = len(np.unique(y))
        sw = 1.0 + (np.arange(len(y)) % 3)
        variants = [
            ("default", {}, None),
            ("priors", {"priors": list(np.linspace(1, 2, k) / np.linspace(1, 2, k).sum())}, None),
            ("var_smoothing", {"var_smoothing": 1e-3}, None),
            ("weighted", {}, sw),
        ]
        for vname, hp, w in variants:
            m = GaussianNB(**hp).fit(x, y, sample_weight=w)
            case = {"data": name, "variant": vname, "ident": ident(x), "params": hp,
                    "sample_weight": None if w is None else "1 + i % 3",
                    "theta": rows(m.theta_), "var": rows(m.var_), "class_prior": vec(m.class_prior_),
                    "class_count": vec(m.class_count_), "epsilon": float(m.epsilon_)}
            case.update(outputs(m, x))
            out.append(case)
    return out


def categorical_cases():
    x, y = load_iris(return_X_y=True)
    xc = np.floor(x).astype(np.int64)
    sw = 1.0 + (np.arange(len(y)) % 3)
    out = []
    for vname, hp, w in [("default", {}, None),
                         ("alpha_uniform", {"alpha": 0.5, "fit_prior": False}, None),
                         ("min_categories", {"min_categories": 9}, None),
                         ("weighted", {}, sw)]:
        m = CategoricalNB(**hp).fit(xc, y, sample_weight=w)
        case = {"variant": vname, "params": hp, "sample_weight": None if w is None else "1 + i % 3",
                "x": [[int(v) for v in r] for r in xc], "y": ints(y),
                "class_count": vec(m.class_count_), "n_categories": ints(m.n_categories_),
                "category_count": [rows(c) for c in m.category_count_],
                "feature_log_prob": [rows(f) for f in m.feature_log_prob_]}
        case.update({"jll": rows(m.predict_joint_log_proba(xc)), "predict": ints(m.predict(xc))})
        out.append(case)
    return out


def read_sms():
    with open(os.path.join(ROOT, "datasets", "SMSSpamCollection"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    texts, y = [], []
    for i, line in enumerate(lines):
        if line.endswith("\r"):
            line = line[:-1]
        if i == 0 and line.startswith("Label\t"):
            continue
        label, text = line.split("\t", 1)
        texts.append(text)
        y.append({"ham": 0, "spam": 1}[label])
    return texts, np.array(y)


def csr(m):
    m = m.tocsr()
    m.sort_indices()
    return {"shape": list(m.shape), "indptr": ints(m.indptr), "indices": ints(m.indices),
            "data": ints(m.data)}


def sms_fixture():
    texts, y = read_sms()
    n = len(texts)
    tr, te = train_test_split(np.arange(n), test_size=0.25, random_state=0, stratify=y)
    cv = CountVectorizer()
    c_train = cv.fit_transform([texts[i] for i in tr])
    c_test = cv.transform([texts[i] for i in te])
    ytr, yte = y[tr], y[te]
    sw = 1.0 + (np.arange(len(tr)) % 3)
    cols = list(range(0, c_train.shape[1], COL_STEP))
    models = []
    for model, vname, hp, w in [
        (MultinomialNB, "default", {}, None),
        (MultinomialNB, "alpha_uniform", {"alpha": 0.5, "fit_prior": False}, None),
        (MultinomialNB, "class_prior", {"class_prior": [0.3, 0.7]}, None),
        (MultinomialNB, "weighted", {}, sw),
        (ComplementNB, "default", {}, None),
        (ComplementNB, "norm", {"norm": True}, None),
        (BernoulliNB, "default", {}, None),
        (BernoulliNB, "binarize_alpha", {"binarize": 1.0, "alpha": 0.1}, None),
    ]:
        m = model(**hp).fit(c_train, ytr, sample_weight=w)
        flp = m.feature_log_prob_
        fc = m.feature_count_
        case = {"model": model.__name__, "variant": vname, "params": hp,
                "sample_weight": None if w is None else "1 + i % 3",
                "class_count": vec(m.class_count_), "class_log_prior": vec(m.class_log_prior_),
                "feature_count_cols": rows(fc[:, cols]), "feature_count_sum": [math.fsum(r) for r in fc],
                "feature_log_prob_cols": rows(flp[:, cols]),
                "feature_log_prob_sum": [math.fsum(r) for r in flp],
                "accuracy": float(np.mean(m.predict(c_test) == yte))}
        case.update(outputs(m, c_test))
        if vname != "default":
            del case["log_proba"]  # the variants check jll and predictions only (size)
        models.append(case)
    return {"n_docs": n, "n_spam": int(y.sum()), "train_idx": ints(tr), "test_idx": ints(te),
            "vocabulary_size": len(cv.vocabulary_), "col_step": COL_STEP,
            "vocabulary_sample": [w for w, _ in sorted(cv.vocabulary_.items(), key=lambda t: t[1])][::COL_STEP],
            "train_counts": csr(c_train), "test_counts": csr(c_test), "models": models}


def dump(obj, name):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    dump({"gaussian": gaussian_cases(), "categorical": categorical_cases()}, "naive_bayes.json")
    dump(sms_fixture(), "naive_bayes_sms.json")


if __name__ == "__main__":
    main()
