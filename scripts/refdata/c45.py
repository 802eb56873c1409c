#!/usr/bin/env python3
"""Reference data for ml-supervised's C4.5 tree (C45Classifier): Weka's J48.

Usage (with the project's venv: scikit-learn 1.9.1, numpy; plus Java 17 with javac and
Debian's `weka` 3.6.14, whose /usr/share/java/weka.jar this script uses; `apt-get install
weka` puts it there):

    .venv/bin/python scripts/refdata/c45.py

compiles scripts/refdata/J48Reference.java against weka.jar into a temporary directory,
runs it, and writes crates/ml-supervised/tests/data/c45.json:

* ``weka_version``, ``java_version``.
* ``datasets``: per data set, the file it comes from (``source``, relative to the
  repository root), the header as Weka parsed it (``relation``; ``attributes``: ``name``,
  ``type`` "numeric" or "nominal" and, for nominal ones, ``values`` in declared order,
  which is Weka's value index order; the class is the last attribute and
  ``class_values`` repeats its values), ``n_rows`` and ``n_missing`` (cells that are
  ``?``). ARFF files are datasets/arff/*.arff, read by Weka as they are. The CSV data
  sets (iris, wine, breast_cancer, digits: header ``n,d,classnames...`` except digits)
  are converted to ARFF here: numeric attributes ``x0``..``x{d-1}`` with each number
  copied verbatim from the CSV (so Weka parses the same doubles as any correctly
  rounded parser), then a nominal ``class`` attribute whose values are the header's class
  names (digits: ``0``..``9``) in class-index order.
* ``trees``: J48 trained on ALL rows of a data set with ``options`` (Weka's option
  string): golf_nominal, golf_numeric, iris, breast_cancer, wine, digits, credit_g, vote,
  soybean, labor, contact_lenses, breast_cancer_nominal (Ljubljana, datasets/arff/
  breast-cancer.arff) with the defaults ``-C 0.25 -M 2``; iris, breast_cancer, credit_g
  and vote also unpruned (``-U -M 2``); credit_g also with ``-C 0.25 -M 5``. Each entry:
  ``data``, ``options``, ``pruned`` (false for ``-U``), ``to_string`` (J48.toString()
  verbatim), ``tree_text`` (the part of it after the line "J48 pruned tree" (or
  "J48 unpruned tree") and its line of dashes, up to but excluding "Number of Leaves":
  it starts with the "\\n" that Weka prints before the first node line and ends with
  "\\n\\n"; for a tree that is a single leaf it is ": class (n/err)\\n\\n"), ``n_leaves``
  and ``tree_size`` (measureNumLeaves, measureTreeSize), ``predictions``
  (classifyInstance of each row, in row order, as a class index), ``training_accuracy``
  (the share of rows whose prediction is their class; no data set here has a missing
  class) and ``distributions`` (distributionForInstance of each row, full double precision;
  omitted for digits, whose predictions are kept).
* ``cv``: for iris, wine, breast_cancer and digits, 10-fold cross-validation with FIXED
  folds: ``fold_ids`` (one per row: the fold whose test part holds the row, from
  sklearn StratifiedKFold(n_splits=10, shuffle=True, random_state=0) on the class
  labels), J48 ``-C 0.25 -M 2`` trained on the rows of the other nine folds (kept in row
  order) and applied to the fold's rows. ``per_fold``: ``fold``, ``n_train``, ``n_test``,
  ``n_correct``, ``accuracy``, ``n_leaves``, ``tree_size``; ``n_correct`` and ``accuracy``
  over all rows (pooled: n_correct / n_rows), ``mean_fold_accuracy`` (mean of the
  per-fold accuracies) and ``predictions`` (each row's prediction by the tree that did
  not see it).
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.model_selection import StratifiedKFold

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "crates", "ml-supervised", "tests", "data", "c45.json")
WEKA_JAR = "/usr/share/java/weka.jar"
JAVA_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "J48Reference.java")

DEFAULT = "-C 0.25 -M 2"
UNPRUNED = "-U -M 2"

# name -> file relative to the repository root
DATASETS = {
    "golf_nominal": "datasets/arff/weather.nominal.arff",
    "golf_numeric": "datasets/arff/weather.numeric.arff",
    "iris": "datasets/iris.csv",
    "breast_cancer": "datasets/breast_cancer.csv",
    "wine": "datasets/wine_data.csv",
    "digits": "datasets/digits.csv.gz",
    "credit_g": "datasets/arff/credit-g.arff",
    "vote": "datasets/arff/vote.arff",
    "soybean": "datasets/arff/soybean.arff",
    "labor": "datasets/arff/labor.arff",
    "contact_lenses": "datasets/arff/contact-lenses.arff",
    "breast_cancer_nominal": "datasets/arff/breast-cancer.arff",
}
TREES = [(name, DEFAULT) for name in DATASETS] + [
    ("iris", UNPRUNED), ("breast_cancer", UNPRUNED), ("credit_g", UNPRUNED), ("vote", UNPRUNED),
    ("credit_g", "-C 0.25 -M 5"),
]
NO_DISTRIBUTIONS = {"digits"}
CV = ["iris", "wine", "breast_cancer", "digits"]


def read_csv(path):
    """(rows of number tokens, class indices, class names) of a bundled CSV data set."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        lines = [line.strip() for line in f if line.strip()]
    if path.endswith("digits.csv.gz"):
        names = [str(c) for c in range(10)]
    else:
        head = lines.pop(0).split(",")
        n, d, names = int(head[0]), int(head[1]), head[2:]
        assert len(lines) == n, (path, len(lines), n)
    toks = [line.split(",") for line in lines]
    d = len(toks[0]) - 1
    assert all(len(t) == d + 1 for t in toks)
    y = [int(t[-1]) for t in toks]
    return [t[:-1] for t in toks], y, names


def csv_to_arff(name, path, out):
    rows, y, classes = read_csv(path)
    d = len(rows[0])
    with open(out, "w") as f:
        f.write(f"@relation {name}\n\n")
        for j in range(d):
            f.write(f"@attribute x{j} numeric\n")
        f.write("@attribute class {" + ",".join(classes) + "}\n\n@data\n")
        for r, c in zip(rows, y):
            f.write(",".join(r) + "," + classes[c] + "\n")
    return y


def from_bits(h):
    return struct.unpack(">d", bytes.fromhex(h))[0]


def main():
    if not os.path.exists(WEKA_JAR):
        sys.exit(f"{WEKA_JAR} is missing: apt-get install -y weka (Debian's weka 3.6.14)")
    tmp = tempfile.mkdtemp(prefix="c45-refdata-")
    try:
        subprocess.run(["javac", "-nowarn", "-cp", WEKA_JAR, "-d", tmp, JAVA_SRC], check=True)
        cp = WEKA_JAR + os.pathsep + tmp

        def j48(*args):
            r = subprocess.run(["java", "-cp", cp, "J48Reference", *args], check=True,
                               capture_output=True, text=True)
            return json.loads(r.stdout)

        arff, labels = {}, {}
        for name, rel in DATASETS.items():
            src = os.path.join(ROOT, rel)
            if rel.endswith(".arff"):
                arff[name] = src
            else:
                arff[name] = os.path.join(tmp, name + ".arff")
                labels[name] = csv_to_arff(name, src, arff[name])

        datasets, trees, cv = {}, [], {}
        for name, options in TREES:
            dist = name not in NO_DISTRIBUTIONS
            r = j48("tree", arff[name], options, *([] if dist else ["nodist"]))
            h = r["header"]
            if name not in datasets:
                datasets[name] = {"source": DATASETS[name], "relation": h["relation"],
                                  "attributes": h["attributes"],
                                  "class_values": h["attributes"][-1]["values"],
                                  "n_rows": h["n_rows"], "n_missing": h["n_missing"]}
            text = r["to_string"]
            kind = "J48 unpruned tree" if "-U" in options.split() else "J48 pruned tree"
            head = kind + "\n------------------\n"
            assert text.startswith(head), text[:80]
            tree_text = text[len(head):text.index("Number of Leaves")]
            entry = {"data": name, "options": options, "pruned": "-U" not in options.split(),
                     "to_string": text, "tree_text": tree_text,
                     "n_leaves": r["n_leaves"], "tree_size": r["tree_size"],
                     "predictions": r["predictions"]}
            if name in labels:
                assert int(np.sum(np.array(r["predictions"]) == np.array(labels[name]))) == r["n_correct"]
            assert h["n_class_missing"] == 0, name
            entry["training_accuracy"] = r["n_correct"] / h["n_rows"]
            if dist:
                entry["distributions"] = [[from_bits(p) for p in row] for row in r["distributions"]]
            trees.append(entry)
            print(f"{name:22s} {options:14s} leaves {r['n_leaves']:4d} size {r['tree_size']:4d}")

        for name in CV:
            y = np.array(labels[name])
            folds = np.empty(len(y), dtype=int)
            skf = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
            for k, (_, te) in enumerate(skf.split(np.zeros((len(y), 1)), y)):
                folds[te] = k
            ffile = os.path.join(tmp, name + ".folds")
            with open(ffile, "w") as f:
                f.write("\n".join(str(int(v)) for v in folds) + "\n")
            r = j48("cv", arff[name], DEFAULT, ffile)
            pred = np.array(r["predictions"])
            per = []
            for fd in r["folds"]:
                te = folds == fd["fold"]
                assert int(np.sum(pred[te] == y[te])) == fd["n_correct"]
                per.append(dict(fd, accuracy=fd["n_correct"] / fd["n_test"]))
            n_correct = int(np.sum(pred == y))
            cv[name] = {"options": DEFAULT, "n_splits": 10,
                        "folds_from": "StratifiedKFold(n_splits=10, shuffle=True, random_state=0)",
                        "fold_ids": folds.tolist(), "per_fold": per, "n_correct": n_correct,
                        "accuracy": n_correct / len(y),
                        "mean_fold_accuracy": float(np.mean([p["accuracy"] for p in per])),
                        "predictions": pred.tolist()}
            print(f"cv {name:14s} accuracy {n_correct / len(y):.6f} ({n_correct}/{len(y)})")

        out = {"weka_version": r["weka_version"], "java_version": r["java_version"],
               "datasets": datasets, "trees": trees, "cv": cv}
        with open(OUT, "w") as f:
            json.dump(out, f)
        print(f"{len(trees)} trees, {len(cv)} cross-validations -> {os.path.relpath(OUT, ROOT)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
