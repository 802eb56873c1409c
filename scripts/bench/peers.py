#!/usr/bin/env python3
"""The Python side of `cargo xtask bench`: runs one workload of bench/workloads.json in a
reference library (scikit-learn, mlxtend, pyfim, openTSNE, efficient-apriori; Weka's J48
through one JVM, peers_c45.py) and prints one JSON record in the schema `ml-bench run`
prints for this library.

    peers.py list                                   workload ids with a peer implementation
    peers.py prepare ID --inputs DIR [--quick]      write the inputs that scikit-learn makes
    peers.py run ID --impl IMPL --inputs DIR [--quick] [--reps N] [--threads T]

Inputs are shared with the Rust side as .npy files under DIR/<dataset>[-quick]/ with a
params.json naming the generator and parameters; `run` refuses stale files. Timing follows
the same autorange rule as benches/src/timing.rs (see conventions.timing in the JSON).

Adding a peer for a new workload: write a builder `def build_<x>(w, impl, inp, threads)`
returning (steps, quality_fn, info) and register it in PEERS below.
"""
import os
import sys

BAD_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
RESULT_TAG = "@@RESULT@@ "


def _clean_env_and_reexec():
    """These variables select a slower OpenBLAS kernel with current numpy; they must be
    gone before numpy is imported, so the process restarts itself without them."""
    removed = [k for k in BAD_ENV if k in os.environ]
    if removed:
        env = {k: v for k, v in os.environ.items() if k not in BAD_ENV}
        env["ML_BENCH_REMOVED_ENV"] = ",".join(f"{k}={os.environ[k]}" for k in removed)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


_clean_env_and_reexec()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC_PATH = os.path.join(ROOT, "bench", "workloads.json")
MIN_TIME_S, SLOW_S, MAX_NUMBER = 0.2, 20.0, 10000


def load_spec():
    with open(SPEC_PATH) as f:
        return json.load(f)


def workload(spec, wid):
    for w in spec["workloads"]:
        if w["id"] == wid:
            return w
    raise SystemExit(f"unknown workload {wid}")


# ---------------------------------------------------------------------------
# /proc figures and the timing rule (the same as benches/src/timing.rs)
# ---------------------------------------------------------------------------
def _status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _machine_busy():
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    v = (v + [0] * 8)[:8]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / hz, v[7] / hz


def step_record(name, walls, cpus, number, peak_rss_mb, base_rss_mb, foreign_cores):
    """The record of one timed step (the fields of benches/src/timing.rs StepTiming)."""
    return {
        "name": name, "wall_all": walls, "wall_median": statistics.median(walls),
        "wall_min": min(walls), "wall_max": max(walls), "cpu_all": cpus,
        "cpu_median": statistics.median(cpus), "reps": len(walls), "number": number,
        "peak_rss_mb": peak_rss_mb, "base_rss_mb": base_rss_mb, "foreign_cores": foreign_cores,
    }


def time_step(name, fn, reps):
    """Times fn by the rule above. A step timed in another process (a JVM peer) has a
    `time_externally(reps)` attribute instead: that process applies the same rule and
    returns step_record's fields (its own wall and CPU seconds, peak RSS and the other
    processes' load), which are reported as they are."""
    ext = getattr(fn, "time_externally", None)
    if ext is not None:
        return step_record(name, **ext(reps))
    gc.collect()
    hwm_ok = _reset_hwm()
    base = _status_kb("VmRSS")
    m0, t_all, c_all = _machine_busy(), time.perf_counter(), time.process_time()

    def calls(n):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n, (time.process_time() - c0) / n

    first, first_cpu = calls(1)
    walls, cpus = [], []
    if first >= MIN_TIME_S:
        number = 1
        walls.append(first)
        cpus.append(first_cpu)
        if first <= SLOW_S:
            for _ in range(reps - 1):
                gc.collect()
                w, c = calls(1)
                walls.append(w)
                cpus.append(c)
    else:
        number = min(MAX_NUMBER, max(1, math.ceil(MIN_TIME_S / max(first, 1e-7))))
        for _ in range(reps):
            gc.collect()
            w, c = calls(number)
            walls.append(w)
            cpus.append(c)
    peak = _status_kb("VmHWM")
    wall = time.perf_counter() - t_all
    own = time.process_time() - c_all
    m1 = _machine_busy()
    foreign = None
    if m0 and m1 and wall > 0:
        foreign = (max(0.0, m1[0] - m0[0] - own) + max(0.0, m1[1] - m0[1])) / wall
    return step_record(name, walls, cpus, number, peak / 1024 if (peak and hwm_ok) else None,
                       base / 1024 if base else None, foreign)


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------
def dataset_params(spec, ds, quick):
    d = spec["datasets"][ds]
    return d["quick_params"] if quick and "quick_params" in d else d.get("params")


def dataset_dir(root, ds, quick):
    return os.path.join(root, f"{ds}-quick" if quick else ds)


def is_text(d):
    """A bundled text collection (`kind` "real" with a `path`): both sides read the texts
    in place; only the split indices are written as files."""
    return d.get("kind") == "real" and "path" in d


def read_sms(path):
    """The SMS spam collection parsed exactly as ml_core::datasets::parse_sms_spam does:
    lines split at '\n' (one trailing '\r' dropped), an optional 'Label\t' header, each
    line '<ham|spam>\t<text>' split at the first tab. Returns (texts, y) with spam = 1."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
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
    return texts, y


class Inputs:
    """The arrays of one data set, read from the files both sides share (plus `texts` for
    a text collection, read in place)."""

    def __init__(self, spec, root, ds, quick):
        import numpy as np
        self.quick = quick
        self.arrays = {}
        self.texts = None
        if spec["datasets"][ds].get("kind") == "transactions":
            return  # read in place from the repository by build_fim, as the Rust side does
        if is_text(spec["datasets"][ds]):
            self.texts, _ = read_sms(spec["datasets"][ds]["path"])
        self.dir = dataset_dir(root, ds, quick)
        with open(os.path.join(self.dir, "params.json")) as f:
            have = json.load(f)
        d = spec["datasets"][ds]
        if have.get("params") != dataset_params(spec, ds, quick) or have.get("generator") != d.get("generator"):
            raise RuntimeError(f"{self.dir} was made with other parameters; rerun prepare")
        self.arrays = {fn[:-4]: np.load(os.path.join(self.dir, fn))
                       for fn in sorted(os.listdir(self.dir)) if fn.endswith(".npy")}

    def __getitem__(self, name):
        return self.arrays[name]

    def shapes(self):
        return {k: list(v.shape) for k, v in self.arrays.items()}


def prepare(spec, wid, root, quick):
    """Writes the inputs of data sets made by scikit-learn's generators and loaders."""
    import numpy as np
    w = workload(spec, wid)
    ds = w["dataset"]
    d = spec["datasets"][ds]
    gen = d.get("generator") or d.get("loader") or ""
    if gen.startswith("rust:"):
        return f"{ds}: made by the Rust side"
    if d.get("kind") == "transactions":
        return f"{ds}: both sides read {d['path']} in place"
    out = dataset_dir(root, ds, quick)
    prov = {"dataset": ds, "generator": d.get("generator"), "params": dataset_params(spec, ds, quick),
            "quick": quick}
    try:
        with open(os.path.join(out, "params.json")) as f:
            have = json.load(f)
        if all(have.get(k) == v for k, v in prov.items()):
            return f"{ds}: up to date"
    except (OSError, ValueError):
        pass
    import importlib
    import re
    extra = {}
    if d["kind"] == "synthetic" and gen.startswith("sklearn.datasets.make_"):
        mod, name = gen.rsplit(".", 1)
        p = dict(prov["params"])
        if quick and "quick_params" not in d and "n_samples" in p:
            p["n_samples"] = min(p["n_samples"], 2000)
        if "center_box" in p:
            p["center_box"] = tuple(p["center_box"])
        res = getattr(importlib.import_module(mod), name)(**p)
        X, y = (res[0], res[1]) if isinstance(res, tuple) else (res, None)
        prov["effective_params"] = p
    elif gen == "numpy.random.default_rng.random":
        # Points uniform in the unit cube, default_rng(seed).random((n_train + n_query,
        # n_features)): the first n_train rows are the index (train_idx), the last
        # n_query the queries (test_idx), both contiguous ranges.
        p = prov["params"]
        n_train, n_query = p["n_train"], p["n_query"]
        X = np.random.default_rng(p["seed"]).random((n_train + n_query, p["n_features"]))
        y = None
        extra = {"train_idx": np.arange(n_train, dtype="<i8"),
                 "test_idx": np.arange(n_train, n_train + n_query, dtype="<i8")}
    elif d.get("loader", "").startswith("sklearn.datasets.load_sample_image("):
        # Decoded by PIL as scikit-learn does; the Rust side reads these exact pixels.
        from sklearn.datasets import load_sample_image
        from sklearn.utils import shuffle
        name = d["loader"].split("(", 1)[1].rstrip(")").strip("'\"")
        X = (np.array(load_sample_image(name), dtype=np.float64) / 255).reshape(-1, 3)
        y = None
        method = d["sample"]["method"]
        sample_n = int(re.search(r"n_samples=(\d+)", method).group(1))
        sample_seed = int(re.search(r"random_state=(\d+)", method).group(1))
        extra = {"sample_idx": shuffle(np.arange(X.shape[0]), random_state=sample_seed,
                                       n_samples=sample_n).astype("<i8")}
    elif is_text(d):
        _, y = read_sms(d["path"])
        X = None
    elif d["kind"] == "real" and d.get("loader", "").startswith("sklearn.datasets.load_") and "(" not in d["loader"]:
        mod, name = d["loader"].rsplit(".", 1)
        X, y = getattr(importlib.import_module(mod), name)(return_X_y=True)
    else:
        raise SystemExit(f"{wid}: peers.py cannot make data set {ds} ({gen or d['kind']}) yet")
    os.makedirs(out, exist_ok=True)
    if os.path.exists(os.path.join(out, "params.json")):
        os.remove(os.path.join(out, "params.json"))
    arrays = {} if X is None else {"X": np.asarray(X, dtype="<f8")}
    arrays.update(extra)
    if y is not None:
        arrays["y"] = np.asarray(y).astype("<i8") if np.asarray(y).dtype.kind in "iub" else np.asarray(y, dtype="<f8")
    if "split" in d:
        from sklearn.model_selection import train_test_split
        sp = d["split"]
        n = len(y) if X is None else arrays["X"].shape[0]
        test_size = sp["test_size"]
        if isinstance(test_size, int) and test_size >= n:
            test_size = 0.2
        tr, te = train_test_split(np.arange(n), test_size=test_size, random_state=sp["random_state"],
                                  stratify=(y if sp.get("stratify") else None))
        arrays["train_idx"], arrays["test_idx"] = tr.astype("<i8"), te.astype("<i8")
    for k, a in arrays.items():
        np.save(os.path.join(out, k + ".npy"), np.ascontiguousarray(a))
    prov["arrays"] = {k: list(a.shape) for k, a in arrays.items()}
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(prov, f, indent=1)
    return f"{ds}: wrote {out}"


# ---------------------------------------------------------------------------
# peers: one builder per workload, returning (steps, quality_fn, info)
# ---------------------------------------------------------------------------
def _weighted_checksum(D):
    """sum of D[i, j] * ((7 i + 13 j) mod 17 + 1), as benches/src/workloads/distances.rs."""
    import numpy as np
    j = np.arange(D.shape[1])
    parts = []
    for a in range(0, D.shape[0], 1024):
        i = np.arange(a, min(a + 1024, D.shape[0]))
        wgt = ((7 * i[:, None] + 13 * j[None, :]) % 17 + 1).astype(np.float64)
        parts.append(math.fsum((D[a:a + len(i)] * wgt).ravel().tolist()))
    return math.fsum(parts)


def build_distances(w, impl, inp, threads):
    from sklearn.metrics.pairwise import euclidean_distances
    X, Y = inp["X"], inp["Y"]
    hp = dict(w["hyperparameters"])
    st = {}

    def step():
        st["D"] = None  # free the previous matrix first, as the Rust side does
        st["D"] = euclidean_distances(X, Y, **hp)

    def quality():
        D = st["D"]
        total = math.fsum(D.ravel().tolist())
        return {"sum": total, "mean": total / D.size, "weighted_sum": _weighted_checksum(D),
                "min": float(D.min())}
    return [("distances", step)], quality, {"n_x": X.shape[0], "n_y": Y.shape[0], "n_features": X.shape[1]}


def build_rsvd(w, impl, inp, threads):
    import numpy as np
    from sklearn.utils.extmath import randomized_svd
    X = inp["X"]
    hp = dict(w["hyperparameters"])
    st = {}

    def step():
        st["r"] = None
        st["r"] = randomized_svd(X, **hp)

    def quality():
        U, s, Vt = st["r"]
        R = X - (U * s) @ Vt
        return {"singular_values": [float(v) for v in s],
                "recon_rel_err": float(np.linalg.norm(R) / np.linalg.norm(X))}
    return [("fit", step)], quality, {"shape": list(X.shape), "n_iter": hp["n_iter"]}


# ---------------------------------------------------------------------------
# linear models and k-means (benches/src/workloads/linear.rs, kmeans.rs)
# ---------------------------------------------------------------------------
def _split(inp):
    return inp["X"][inp["train_idx"]], inp["y"][inp["train_idx"]], inp["X"][inp["test_idx"]], inp["y"][inp["test_idx"]]


def build_regression(w, impl, inp, threads):
    """`fit` on the train rows (a fresh estimator each call), `predict` on the test rows;
    quality: test R^2 and, where the coefficients are unique (OLS, ridge), ||coef||_2."""
    import numpy as np
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.metrics import r2_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures
    Xtr, ytr, Xte, yte = _split(inp)
    hp = dict(w["hyperparameters"])
    algo = w["algorithm"]
    if algo == "LinearRegression":
        make = lambda: LinearRegression(**hp)  # noqa: E731
    elif algo == "Ridge":
        make = lambda: Ridge(**hp)  # noqa: E731
    elif algo == "Lasso":
        from sklearn.linear_model import Lasso
        make = lambda: Lasso(**hp)  # noqa: E731
    elif algo.startswith("PolynomialFeatures"):
        make = lambda: make_pipeline(PolynomialFeatures(**hp["PolynomialFeatures"]),  # noqa: E731
                                     LinearRegression(**hp["LinearRegression"]))
    else:
        raise RuntimeError(f"no regression peer for {algo}")
    st = {}

    def fit():
        st["m"] = None
        st["m"] = make().fit(Xtr, ytr)

    def predict():
        st["p"] = st["m"].predict(Xte)

    def quality():
        q = {"r2": float(r2_score(yte, st["p"]))}
        if hasattr(st["m"], "coef_"):
            q["coef_norm"] = float(np.linalg.norm(st["m"].coef_))
        return q
    return [("fit", fit), ("predict", predict)], quality, {"train_shape": list(Xtr.shape), "n_test": len(yte)}


def build_logistic(w, impl, inp, threads):
    """As build_regression, after StandardScaler fitted on the train rows (untimed)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.preprocessing import StandardScaler
    Xtr, ytr, Xte, yte = _split(inp)
    sc = StandardScaler().fit(Xtr)
    Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        st["m"] = LogisticRegression(**hp).fit(Xtr, ytr)

    def predict():
        st["p"] = st["m"].predict(Xte)

    def quality():
        return {"accuracy": float(accuracy_score(yte, st["p"])), "n_iter": int(max(st["m"].n_iter_))}
    return [("fit", fit), ("predict", predict)], quality, {"train_shape": list(Xtr.shape), "n_test": len(yte)}


def build_kmeans(w, impl, inp, threads):
    """`fit` on all rows (a fresh estimator each call); quality: inertia_, the ARI of
    labels_ against the generating classes, n_iter_."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.metrics import adjusted_rand_score
    X, y = inp["X"], inp["y"]
    hp = dict(w["hyperparameters"])
    cls = MiniBatchKMeans if w["algorithm"] == "MiniBatchKMeans" else KMeans
    st = {}

    def fit():
        st["m"] = None
        st["m"] = cls(**hp).fit(X)

    def quality():
        m = st["m"]
        return {"inertia": float(m.inertia_), "ari": float(adjusted_rand_score(y, m.labels_)),
                "n_iter": int(m.n_iter_)}
    return [("fit", fit)], quality, {"shape": list(X.shape)}


def build_kmeans_quantize(w, impl, inp, threads):
    """Colour quantisation of china.jpg's pixels P: `fit` on P[sample_idx] and `predict`
    all of P (scikit-learn's example), or `fit` on all of P (`..._full`); quality: the
    fit's inertia_, the mean squared error of the quantised image against P, n_iter_."""
    import numpy as np
    from sklearn.cluster import KMeans
    P = inp["X"]
    full = "predict" not in w["timed"]
    X = P if full else P[inp["sample_idx"]]
    hp = dict(w["hyperparameters"])
    st = {}

    def fit():
        st["m"] = None
        st["m"] = KMeans(**hp).fit(X)
        st["labels"] = st["m"].labels_

    def predict():
        st["labels"] = st["m"].predict(P)

    def quality():
        m = st["m"]
        q = m.cluster_centers_[st["labels"]]
        return {"inertia": float(m.inertia_), "quant_mse": float(np.mean((P - q) ** 2)),
                "n_iter": int(m.n_iter_)}
    steps = [("fit", fit)] + ([] if full else [("predict", predict)])
    return steps, quality, {"fit_shape": list(X.shape), "pixels": int(P.shape[0])}


# ---------------------------------------------------------------------------
# frequent itemsets and association rules (benches/src/workloads/fim.rs)
# ---------------------------------------------------------------------------
def read_transactions(spec, ds, quick):
    """The transactions of a FIM data set, parsed as ml_assoc::Transactions parses them:
    basket files (.csv): split each line on ',', trim the fields, drop empty ones;
    FIMI files (.dat): white-space separated non-negative integers. A line without items
    is no transaction (the commas-only header of groceries.csv included), repeats within
    a transaction count once. In quick mode only the first `max_transactions` are kept."""
    d = spec["datasets"][ds]
    path = os.path.join(ROOT, spec.get("root", "."), d["path"])
    fimi = not path.endswith(".csv")
    with open(path, "rb") as f:
        text = f.read()
    out = []
    if fimi:
        for line in text.split(b"\n"):
            items = sorted({int(t) for t in line.split()})
            if items:
                out.append(items)
    else:
        for line in text.decode("utf-8").split("\n"):
            items = sorted({t.strip() for t in line.removesuffix("\r").split(",")} - {""})
            if items:
                out.append(items)
    limit = (dataset_params(spec, ds, quick) or {}).get("max_transactions")
    if limit is not None:
        out = out[:limit]
    return out, path


def min_count(frac, n):
    """The smallest count c with c / n >= frac in float64: ml_assoc::MinSupport::to_count,
    and the test mlxtend and efficient-apriori apply to their relative supports."""
    c = max(1, math.ceil(frac * n))
    while c > 1 and (c - 1) / n >= frac:
        c -= 1
    while c / n < frac:
        c += 1
    return c


def fim_quality(base, sets, rules_n, rules_1):
    """The compared figures from (size, absolute count) pairs of the itemsets and the rule
    counts (rules_n None when the library cannot produce multi-item consequents)."""
    by_len = {}
    for k, _ in sets:
        by_len[k] = by_len.get(k, 0) + 1
    q = dict(base)
    q.update(n_itemsets=len(sets), itemsets_by_len={str(k): by_len[k] for k in sorted(by_len)},
             support_sum=int(sum(c for _, c in sets)), n_rules=rules_n, n_rules_1=int(rules_1))
    return q


def build_fim(w, impl, inp, threads):
    """Steps `<miner>.itemsets` and `<miner>.itemsets+rules` of the implementation's miner
    (efficient_apriori: apriori), named as ours so the runner pairs them."""
    spec = load_spec()
    tr, path = read_transactions(spec, w["dataset"], inp.quick)
    n = len(tr)
    hp = w["hyperparameters"]
    ms, conf = hp["min_support"], hp["min_confidence"]
    mc = min_count(ms, n)
    base = {"n_transactions": n, "n_items": len({i for t in tr for i in t}),
            "n_entries": sum(len(t) for t in tr), "min_count": mc}
    info = {"path": os.path.relpath(path, ROOT), "n_transactions": n, "min_count": mc}
    st = {}
    miner = "apriori" if impl == "efficient_apriori" else impl.split(".", 1)[1]
    if impl.startswith("pyfim."):
        import fim
        f = getattr(fim, miner)

        def sets_():
            return f(tr, target="s", supp=-mc, zmin=1, report="a")

        def rules_():
            # mode='o': rule support = support of body and head (Borgelt's default is the
            # body's); zmin=2: no rules with an empty body. Single-item heads only.
            return f(tr, target="r", supp=-mc, conf=100.0 * conf, zmin=2, report="aC", mode="o")

        def q():
            r = st["both"]
            return fim_quality(base, [(len(s), c) for s, c in r[0]], None, len(r[1]))
    elif impl.startswith("mlxtend."):
        import numpy as np
        import pandas as pd
        from collections import Counter
        from mlxtend.frequent_patterns import apriori, association_rules, fpgrowth
        t0 = time.perf_counter()
        cnt = Counter(i for t in tr for i in t)
        items = sorted(i for i, v in cnt.items() if v >= mc)
        pos = {it: j for j, it in enumerate(items)}
        M = np.zeros((n, len(items)), dtype=bool)
        for r, t in enumerate(tr):
            for i in t:
                j = pos.get(i)
                if j is not None:
                    M[r, j] = True
        df = pd.DataFrame(M, columns=[str(i) for i in items])
        info.update(encode_s=time.perf_counter() - t0, onehot_shape=list(M.shape))
        algo = {"apriori": apriori, "fpgrowth": fpgrowth}[miner]

        def sets_():
            return algo(df, min_support=ms, use_colnames=True)

        def rules_():
            return association_rules(st["both"][0], num_itemsets=n, metric="confidence", min_threshold=conf)

        def q():
            fi, r = st["both"]
            sets = [(len(s), int(round(sup * n))) for s, sup in zip(fi["itemsets"], fi["support"])]
            return fim_quality(base, sets, len(r), int((r["consequents"].apply(len) == 1).sum()))
    elif impl == "efficient_apriori":
        from efficient_apriori import apriori as ea
        from efficient_apriori.itemsets import itemsets_from_transactions
        trt = [tuple(t) for t in tr]

        def sets_():
            # max_length=1000: the default 8 would silently truncate.
            return itemsets_from_transactions(trt, ms, max_length=1000)[0]

        def q():
            its, rules = st["both"]
            sets = [(k, c) for k, v in its.items() for c in v.values()]
            return fim_quality(base, sets, len(rules), sum(1 for r in rules if len(r.rhs) == 1))
    else:
        raise ValueError(f"unknown implementation {impl}")

    def step_sets():
        st["sets"] = None  # free the previous result first, as the Rust side does
        st["sets"] = sets_()

    def step_both():
        st["both"] = None
        if impl == "efficient_apriori":
            st["both"] = ea(trt, min_support=ms, min_confidence=conf, max_length=1000)
        else:
            st["both"] = (sets_(), None)
            st["both"] = (st["both"][0], rules_())

    def quality():
        qq = q()
        # The itemsets-only step must have found the same sets as the full job.
        s = st["sets"]
        n_sets = sum(len(v) for v in s.values()) if isinstance(s, dict) else len(s)
        if n_sets != qq["n_itemsets"]:
            raise RuntimeError(f"{miner}.itemsets found {n_sets} itemsets, {miner}.itemsets+rules {qq['n_itemsets']}")
        return qq
    return [(f"{miner}.itemsets", step_sets), (f"{miner}.itemsets+rules", step_both)], quality, info


PEERS = {
    "distances_20k_1k_32": build_distances,
    "rsvd_dense_100k_100_k10": build_rsvd,
    "linreg_reg40": build_regression,
    "ridge_reg40": build_regression,
    "ridge_diabetes": build_regression,
    "linreg_1m_20": build_regression,
    "ridge_wide_10k_1k": build_regression,
    "lasso_wide_10k_1k": build_regression,
    "polyreg3_friedman8": build_regression,
    "logreg_clf20": build_logistic,
    "logreg_clf50_2": build_logistic,
    "logreg_clf50_5": build_logistic,
    "logreg_breast_cancer": build_logistic,
    "kmeans_blobs16": build_kmeans,
    "kmeans_iris": build_kmeans,
    "minibatch_kmeans_blobs16": build_kmeans,
    "kmeans_blobs20_200k": build_kmeans,
    "minibatch_kmeans_blobs20_1m": build_kmeans,
    "kmeans_china64": build_kmeans_quantize,
    "kmeans_china64_full": build_kmeans_quantize,
}
PEERS.update({w: build_fim for w in ("fim_groceries_s0.01", "fim_groceries_s0.002", "fim_groceries_s0.001",
                                     "fim_retail_s0.005", "fim_retail_s0.002", "fim_retail_s0.001",
                                     "fim_retail_s0.0005")})

IMPL_LIB = {"sklearn": "scikit-learn", "openTSNE.bh": "openTSNE", "openTSNE.fft": "openTSNE",
            "mlxtend.apriori": "mlxtend", "mlxtend.fpgrowth": "mlxtend", "pyfim.apriori": "pyfim",
            "pyfim.eclat": "pyfim", "pyfim.fpgrowth": "pyfim", "efficient_apriori": "efficient_apriori"}

# Families keep their builders in `peers_<family>.py` beside this file, each with its own
# PEERS dict (so families landing in parallel never edit the same lines), and optionally
# an IMPL_LIB dict for implementations of libraries not listed above.
def _load_family_peers():
    import importlib
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    for fn in sorted(os.listdir(here)):
        if fn.startswith("peers_") and fn.endswith(".py"):
            mod = importlib.import_module(fn[:-3])
            PEERS.update(mod.PEERS)
            IMPL_LIB.update(getattr(mod, "IMPL_LIB", {}))


_load_family_peers()


def versions():
    from importlib import metadata
    import platform
    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "scikit-learn", "openTSNE", "mlxtend", "pandas", "pyfim",
                 "efficient_apriori", "threadpoolctl"):
        try:
            out[dist] = metadata.version(dist)
        except Exception:
            out[dist] = None
    return out


def run(spec, wid, impl, root, quick, reps, threads):
    import warnings
    warnings.filterwarnings("ignore")
    rec = {"schema": 1, "workload": wid, "implementation": impl, "library": IMPL_LIB.get(impl, impl),
           "quick": quick, "threads": threads}
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        w = workload(spec, wid)
        if impl not in w["implementations"]:
            raise RuntimeError(f"{impl} is not an implementation of {wid}: {w['implementations']}")
        builder = PEERS.get(wid)
        if builder is None:
            raise RuntimeError(f"peers.py has no peer for {wid} yet")
        inp = Inputs(spec, root, w["dataset"], quick)
        threadpool_limits(threads)
        steps, quality, info = builder(w, impl, inp, threads)
        # The libraries are imported by now, so every pool is visible.
        pools = [{k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version", "architecture",
                                         "num_threads", "threading_layer")} for p in threadpool_info()]
        rec["threadpools"] = pools
        rec["blas_kernel"] = sorted({f"{p['internal_api']} {p['version']} {p.get('architecture')}"
                                     for p in pools if p["user_api"] == "blas"})
        rec["removed_env"] = os.environ.get("ML_BENCH_REMOVED_ENV", "")
        rec["env_check"] = {k: os.environ.get(k) for k in BAD_ENV}
        info = dict(info)
        vers = versions()
        vers.update(info.pop("versions", {}))  # a builder's non-Python libraries (Weka, Java)
        rec["versions"] = vers
        rec["library_version"] = vers.get(rec["library"])
        info["inputs"] = inp.shapes()
        rec["info"] = info
        rec["steps"] = [time_step(name, fn, reps) for name, fn in steps]
        rec["quality"] = quality()
        rec["status"] = "ok"
    except Exception as e:  # the record says what failed; the runner fails loudly on it
        import traceback
        rec["status"] = "failed"
        rec["error"] = f"{type(e).__name__}: {e}"
        rec["traceback"] = traceback.format_exc()[-3000:]
    print(RESULT_TAG + json.dumps(rec), flush=True)
    return 0 if rec["status"] == "ok" else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["list", "prepare", "run"])
    ap.add_argument("id", nargs="?")
    ap.add_argument("--impl", default="sklearn")
    ap.add_argument("--inputs", default=os.path.join(ROOT, "target", "bench", "inputs"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    spec = load_spec()
    if a.command == "list":
        print("\n".join(PEERS))
        return 0
    if not a.id:
        ap.error("a workload id is needed")
    if a.command == "prepare":
        print(prepare(spec, a.id, a.inputs, a.quick))
        return 0
    return run(spec, a.id, a.impl, a.inputs, a.quick, max(1, a.reps), a.threads)


if __name__ == "__main__":
    sys.exit(main())
