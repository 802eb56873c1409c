#!/usr/bin/env python3
"""Reference data and timings for ml-assoc (frequent itemsets and association rules).

Usage (with the project's venv, which has mlxtend 0.25 and pyfim 6.28):

    .venv/bin/python scripts/refdata/assoc.py fixtures      # write crates/ml-assoc/tests/data/
    .venv/bin/python scripts/refdata/assoc.py bench [REPS]  # time ml-assoc, pyfim and mlxtend, one process per run
    .venv/bin/python scripts/refdata/assoc.py one LIB ALGO DATA MINSUP   # a single timed run (used by bench)

Fixture formats (plain text, tab-separated, one record per line):

* itemsets: ``count<TAB>item<TAB>item...`` with the items of a set sorted by name;
* rules: ``antecedent<TAB>consequent<TAB>metric...`` where a side is ``|``-joined sorted names and
  the metrics are in the column order of the header line (Python ``repr`` of each float).

The support threshold is turned into the smallest count ``c`` with ``c / n >= min_support``, which is
exactly the test mlxtend applies to its float supports.
"""
import math
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "datasets")
OUT = os.path.join(ROOT, "crates", "ml-assoc", "tests", "data")

METRICS = [
    "antecedent support", "consequent support", "support", "confidence", "lift",
    "representativity", "leverage", "conviction", "zhangs_metric", "jaccard",
    "certainty", "kulczynski",
]


def load_groceries():
    with open(os.path.join(DATA, "groceries.csv")) as f:
        lines = f.read().splitlines()[1:]  # the first line is a header of commas only
    out = []
    for line in lines:
        items = sorted({t.strip() for t in line.split(",") if t.strip()})
        if items:
            out.append(items)
    return out


def load_retail():
    out = []
    with open(os.path.join(DATA, "retail.dat")) as f:
        for line in f:
            items = sorted(set(line.split()), key=int)
            if items:
                out.append(items)
    return out


def min_count(frac, n):
    c = max(1, math.ceil(frac * n))
    while c > 1 and (c - 1) / n >= frac:
        c -= 1
    while c / n < frac:
        c += 1
    return c


def one_hot(tracts, mc):
    import numpy as np
    import pandas as pd
    from collections import Counter

    cnt = Counter(i for t in tracts for i in t)
    cols = sorted(i for i, c in cnt.items() if c >= mc)
    idx = {c: j for j, c in enumerate(cols)}
    arr = np.zeros((len(tracts), len(cols)), dtype=bool)
    for r, t in enumerate(tracts):
        for i in t:
            j = idx.get(i)
            if j is not None:
                arr[r, j] = True
    return pd.DataFrame(arr, columns=cols)


def write_itemsets(path, sets):
    rows = sorted((sorted(s), c) for s, c in sets)
    rows.sort(key=lambda r: (len(r[0]), r[0]))
    with open(path, "w") as f:
        for s, c in rows:
            f.write(str(c) + "\t" + "\t".join(s) + "\n")
    print(f"wrote {path}: {len(rows)} itemsets")


def fixtures():
    import fim
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    os.makedirs(OUT, exist_ok=True)
    groc = load_groceries()
    n = len(groc)
    mc = min_count(0.01, n)
    df = one_hot(groc, 1)
    fi = fpgrowth(df, min_support=0.01, use_colnames=True)
    sets = [(list(s), int(round(sup * n))) for s, sup in zip(fi["itemsets"], fi["support"])]
    assert all(c >= mc for _, c in sets)
    write_itemsets(os.path.join(OUT, "groceries_s0.01_mlxtend_itemsets.tsv"), sets)

    rules = association_rules(fi, num_itemsets=n, metric="confidence", min_threshold=0.3)
    path = os.path.join(OUT, "groceries_s0.01_c0.3_mlxtend_rules.tsv")
    lines = []
    for _, r in rules.iterrows():
        a = "|".join(sorted(r["antecedents"]))
        c = "|".join(sorted(r["consequents"]))
        lines.append("\t".join([a, c] + [repr(float(r[m])) for m in METRICS]))
    lines.sort()
    with open(path, "w") as f:
        f.write("#antecedents\tconsequents\t" + "\t".join(METRICS) + "\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}: {len(lines)} rules (n = {n})")

    # Closed and maximal sets of groceries at 0.5 % (pyfim), to check our LCM-style miners.
    mc5 = min_count(0.005, n)
    for target, name in (("c", "closed"), ("m", "maximal")):
        res = fim.fpgrowth(groc, target=target, supp=-mc5, zmin=1, report="a")
        write_itemsets(os.path.join(OUT, f"groceries_s0.005_pyfim_{name}.tsv"),
                       [(list(s), int(c)) for s, c in res])

    retail = load_retail()
    nr = len(retail)
    mcr = min_count(0.001, nr)
    res = fim.fpgrowth(retail, target="s", supp=-mcr, zmin=1, report="a")
    write_itemsets(os.path.join(OUT, "retail_s0.001_pyfim_itemsets.tsv"),
                   [(list(s), int(c)) for s, c in res])
    for target, name in (("c", "closed"), ("m", "maximal")):
        res = fim.fpgrowth(retail, target=target, supp=-mcr, zmin=1, report="a")
        by_len = {}
        for s, _ in res:
            by_len[len(s)] = by_len.get(len(s), 0) + 1
        path = os.path.join(OUT, f"retail_s0.001_pyfim_{name}_counts.tsv")
        with open(path, "w") as f:
            for k in sorted(by_len):
                f.write(f"{k}\t{by_len[k]}\n")
        print(f"wrote {path}: {sum(by_len.values())} {name} sets (n = {nr}, min count {mcr})")


def one(lib, algo, data, minsup):
    """One timed mining run; prints `seconds n_itemsets`. Loading and one-hot encoding are not timed."""
    tracts = load_groceries() if data == "groceries" else load_retail()
    n = len(tracts)
    mc = min_count(minsup, n)
    if lib == "pyfim":
        import fim
        if data == "retail":
            # Integer items, as FIMI data are: cheaper for pyfim to hash than strings.
            tracts = [[int(i) for i in t] for t in tracts]
        fn = getattr(fim, algo)
        t0 = time.perf_counter()
        res = fn(tracts, target="s", supp=-mc, zmin=1, report="a")
        dt = time.perf_counter() - t0
        count = len(res)
    else:
        from mlxtend.frequent_patterns import apriori, fpgrowth
        df = one_hot(tracts, mc)
        fn = {"fpgrowth": fpgrowth, "apriori": apriori}[algo]
        t0 = time.perf_counter()
        res = fn(df, min_support=minsup, use_colnames=True)
        dt = time.perf_counter() - t0
        count = len(res)
    print(f"{dt:.6f} {count}")


def rust_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.environ.get("ML_ASSOC_TIMING", os.path.join(target, "release", "examples", "fim_timing"))


def bench(reps):
    """Side by side in one run, alternating libraries per workload. The Rust side is the
    `fim_timing` example of ml-assoc (build it first with
    `cargo build --release -p ml-assoc --example fim_timing`); every run is its own process
    under /usr/bin/time, so peak memory is per library. mlxtend runs once per workload."""
    work = [("retail", 0.001), ("retail", 0.0005), ("groceries", 0.001)]
    impls = [("ml-assoc", "fpgrowth"), ("ml-assoc", "eclat"), ("ml-assoc", "apriori"),
             ("pyfim", "fpgrowth"), ("pyfim", "eclat"), ("pyfim", "apriori"),
             ("ml-assoc", "closed"), ("mlxtend", "fpgrowth"), ("mlxtend", "apriori")]
    rust = rust_binary()
    for data, ms in work:
        for lib, algo in impls:
            if lib == "mlxtend" and algo == "apriori" and data == "retail":
                print(f"{data}\t{ms}\t{lib}.{algo}\tskipped (needs a rows x candidates array of 100+ GiB)")
                continue
            n_runs = 1 if lib == "mlxtend" else reps
            times, rss, count = [], [], None
            for _ in range(n_runs):
                if lib == "ml-assoc":
                    cmd = [rust, data, str(ms), algo, "1"]
                else:
                    cmd = [sys.executable, __file__, "one", lib, algo, data, str(ms)]
                p = subprocess.run(["/usr/bin/time", "-f", "RSS %M"] + cmd,
                                   capture_output=True, text=True, timeout=1800)
                if p.returncode != 0:
                    print(p.stderr)
                    break
                if lib == "ml-assoc":
                    f = p.stdout.split("\t")
                    t, c = float(f[3].split()[1]), int(f[5].split()[1])
                else:
                    t, c = p.stdout.split()
                times.append(float(t))
                count = int(c)
                rss.append(int(p.stderr.strip().split("RSS ")[-1]) / 1024)
            if times:
                times.sort()
                print(f"{data}\t{ms}\t{lib}.{algo}\tmedian {times[len(times)//2]:.4f} s\tmin {times[0]:.4f} s"
                      f"\tpeak {max(rss):.0f} MB\titemsets {count}\truns {len(times)}", flush=True)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "fixtures"
    if cmd == "fixtures":
        fixtures()
    elif cmd == "bench":
        bench(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    elif cmd == "one":
        one(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        sys.exit(__doc__)
