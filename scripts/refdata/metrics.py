"""Reference values for ml-core's metrics, scalers and splitters (scikit-learn 1.9.1).

Writes crates/ml-core/tests/data/metrics.json, read by
crates/ml-core/tests/metrics_parity.rs. The inputs (data, labels, predictions,
probabilities, embeddings) are embedded in the JSON so the Rust tests need nothing else.

Rerun from the repository root:

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements.txt
    .venv/bin/python scripts/refdata/metrics.py

The data come from scikit-learn's bundled copies (iris, wine, diabetes), the same files
as the repository's datasets; every model is seeded, so the output is reproducible.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.manifold import trustworthiness
from sklearn.metrics import (
    accuracy_score,
    adjusted_rand_score,
    confusion_matrix,
    f1_score,
    fbeta_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    silhouette_samples,
    silhouette_score,
)
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier

OUT = Path(__file__).resolve().parents[2] / "crates/ml-core/tests/data/metrics.json"


def mat(a):
    return [[float(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def vec(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64)]


def ints(a):
    return [int(v) for v in np.asarray(a)]


def classification_case(name, y_true, y_pred, pos_label=None):
    case = {"name": name, "y_true": list(y_true), "y_pred": list(y_pred)}
    case["accuracy"] = accuracy_score(y_true, y_pred)
    for avg in ("micro", "macro", "weighted"):
        case[f"precision_{avg}"] = precision_score(y_true, y_pred, average=avg)
        case[f"recall_{avg}"] = recall_score(y_true, y_pred, average=avg)
        case[f"f1_{avg}"] = f1_score(y_true, y_pred, average=avg)
        case[f"f2_{avg}"] = fbeta_score(y_true, y_pred, beta=2.0, average=avg)
    if pos_label is not None:
        case["pos_label"] = pos_label
        case["precision_binary"] = precision_score(y_true, y_pred, pos_label=pos_label)
        case["recall_binary"] = recall_score(y_true, y_pred, pos_label=pos_label)
        case["f1_binary"] = f1_score(y_true, y_pred, pos_label=pos_label)
    labels = sorted(set(y_true) | set(y_pred))
    case["classes"] = labels
    case["confusion"] = ints(confusion_matrix(y_true, y_pred, labels=labels).ravel())
    return case


def main():
    ref = {"sklearn_version": sklearn.__version__}

    iris = load_iris()
    wine = load_wine()
    diabetes = load_diabetes()
    wine_names = np.array(["barolo", "grignolino", "lambrusco"])  # sorted, as proba columns

    # Classification: Gaussian NB on half of wine, scored on all of it (string labels).
    nb = GaussianNB().fit(wine.data[::2], wine.target[::2])
    y_true = [str(s) for s in wine_names[wine.target]]
    y_pred = [str(s) for s in wine_names[nb.predict(wine.data)]]
    cases = [classification_case("wine_gaussian_nb", y_true, y_pred)]
    # A depth-1 tree predicts two of the three iris classes: zero-division in precision.
    stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(iris.data, iris.target)
    cases.append(classification_case("iris_stump", ints(iris.target), ints(stump.predict(iris.data))))
    # Binary: is it class 0 of wine?
    cases.append(
        classification_case(
            "wine_binary",
            ints(wine.target == 0),
            ints(nb.predict(wine.data) == 0),
            pos_label=1,
        )
    )
    ref["classification"] = cases

    # Log loss of the NB probabilities, with one zero probability clipped.
    proba = nb.predict_proba(wine.data)
    ref["log_loss"] = {
        "y_true": y_true,
        "proba": mat(proba),
        "loss": log_loss(y_true, proba),
    }

    # Regression: OLS on the first 300 diabetes rows, predicting all 442.
    lr = LinearRegression().fit(diabetes.data[:300], diabetes.target[:300])
    pred = lr.predict(diabetes.data)
    ref["regression"] = {
        "y_true": vec(diabetes.target),
        "y_pred": vec(pred),
        "r2": r2_score(diabetes.target, pred),
        "mse": mean_squared_error(diabetes.target, pred),
        "mae": mean_absolute_error(diabetes.target, pred),
    }

    # Clustering on iris.
    km = KMeans(n_clusters=3, n_init=10, random_state=0).fit(iris.data).labels_
    agg = AgglomerativeClustering(n_clusters=4).fit(iris.data).labels_
    ref["clustering"] = {
        "x": mat(iris.data),
        "y": ints(iris.target),
        "kmeans": ints(km),
        "agglomerative": ints(agg),
        "ari_y_kmeans": adjusted_rand_score(iris.target, km),
        "ari_y_agglomerative": adjusted_rand_score(iris.target, agg),
        "ari_kmeans_agglomerative": adjusted_rand_score(km, agg),
        "silhouette_y": silhouette_score(iris.data, iris.target),
        "silhouette_kmeans": silhouette_score(iris.data, km),
        "silhouette_samples_agglomerative": vec(silhouette_samples(iris.data, agg)),
    }

    # Trustworthiness of a 2-D PCA embedding of standardised wine (no duplicate rows,
    # so neighbour ranks have no ties) and of iris.
    wine_std = StandardScaler().fit_transform(wine.data)
    emb = PCA(n_components=2).fit_transform(wine_std)
    iris_emb = PCA(n_components=2).fit_transform(iris.data)
    ref["trustworthiness"] = {
        "x": mat(wine_std),
        "embedding": mat(emb),
        "k5": trustworthiness(wine_std, emb, n_neighbors=5),
        "k12": trustworthiness(wine_std, emb, n_neighbors=12),
        "iris_embedding": mat(iris_emb),
        "iris_k5": trustworthiness(iris.data, iris_emb, n_neighbors=5),
    }

    # Scalers on wine, plus a small matrix with a constant column.
    small = np.array([[1.0, 7.0, -2.0], [2.0, 7.0, 0.5], [4.0, 7.0, 3.0], [8.0, 7.0, 1.0]])
    scalers = {"wine": mat(wine.data), "small": mat(small)}
    for key, data in (("wine", wine.data), ("small", small)):
        ss = StandardScaler().fit(data)
        mm = MinMaxScaler().fit(data)
        mm2 = MinMaxScaler(feature_range=(-1.0, 2.0)).fit(data)
        scalers[key + "_standard"] = {
            "mean": vec(ss.mean_),
            "var": vec(ss.var_),
            "scale": vec(ss.scale_),
            "transformed": mat(ss.transform(data)),
        }
        for tag, m in (("minmax", mm), ("minmax_range", mm2)):
            scalers[f"{key}_{tag}"] = {
                "data_min": vec(m.data_min_),
                "data_max": vec(m.data_max_),
                "scale": vec(m.scale_),
                "min": vec(m.min_),
                "transformed": mat(m.transform(data)),
            }
    ref["scalers"] = scalers

    # Splitters.
    kfold = []
    for n, k in ((178, 5), (10, 3), (7, 7), (150, 4)):
        folds = [ints(test) for _, test in KFold(n_splits=k).split(np.zeros((n, 1)))]
        kfold.append({"n_samples": n, "n_splits": k, "test_folds": folds})
    ref["kfold"] = kfold

    rng = np.random.RandomState(0)
    shuffled_iris_y = iris.target[rng.permutation(150)]
    uneven = np.array([2] * 3 + [0] * 11 + [1] * 6 + [0] * 4 + [2] * 5)
    skf = []
    for name, y, k in (
        ("wine", wine.target, 5),
        ("iris_shuffled", shuffled_iris_y, 4),
        ("uneven", uneven, 3),
    ):
        plain = [ints(t) for _, t in StratifiedKFold(n_splits=k).split(np.zeros(len(y)), y)]
        shuffled = StratifiedKFold(n_splits=k, shuffle=True, random_state=0)
        counts = [
            ints(np.bincount(y[t], minlength=y.max() + 1))
            for _, t in shuffled.split(np.zeros(len(y)), y)
        ]
        skf.append(
            {
                "name": name,
                "y": ints(y),
                "n_splits": k,
                "test_folds": plain,
                "shuffled_class_counts": counts,
            }
        )
    ref["stratified_kfold"] = skf

    tts = []
    for n, test_size in ((150, 0.25), (178, 0.3), (10, 0.33), (442, 100), (7, 0.5)):
        train, test = train_test_split(np.arange(n), test_size=test_size, random_state=0)
        tts.append({"n_samples": n, "test_size": test_size, "n_train": len(train), "n_test": len(test)})
    ref["train_test_split"] = tts
    _, test = train_test_split(
        np.arange(178), test_size=0.3, random_state=0, stratify=wine.target
    )
    ref["stratified_split"] = {
        "y": ints(wine.target),
        "test_size": 0.3,
        "test_class_counts": ints(np.bincount(wine.target[test])),
    }

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(ref, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
