//! Parity of metrics, scalers and splitters with scikit-learn 1.9.1.
//!
//! Reads `tests/data/metrics.json`, written by `scripts/refdata/metrics.py` (inputs and
//! scikit-learn's outputs on iris, wine and diabetes). Tolerances:
//! - counts, folds and sizes: exact;
//! - accuracy, the adjusted Rand index and trustworthiness (integer arithmetic and one
//!   final division on both sides): within 2 ulp, because serde_json without its
//!   `float_roundtrip` feature may parse a fixture decimal one ulp off;
//! - other scores and scaler statistics: 1e-12 relative (only summation order differs:
//!   numpy sums pairwise, we sum left to right);
//! - silhouette: 1e-12, which holds although both sides compute distances as
//!   `‖x‖² − 2x·y + ‖y‖²` with different GEMM kernels (scikit-learn's parity notes
//!   allow 1e-9 for this);
//! - trustworthiness: the wine embedding has no tied distances, so the integer rank
//!   sums agree (2 ulp as above); iris has duplicate rows, whose tied distances
//!   scikit-learn orders by an unstable sort, so there the rank sums may differ by a
//!   few units (each unit moves the score by 2/(n·k·(2n − 3k − 1)) ≈ 9.4e-6).

use faer::Mat;
use ml_core::metrics::{self, Average};
use ml_core::model_selection::{KFold, StratifiedKFold, train_test_split};
use ml_core::preprocessing::{MinMaxScaler, StandardScaler};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/metrics.json");
    let text = std::fs::read_to_string(path).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(f).collect()
}

fn ints(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_u64().expect("an integer") as usize)
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_str().expect("a string").to_owned())
        .collect()
}

fn matrix(v: &Value) -> Mat<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("rows").iter().map(floats).collect();
    Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

/// Equal up to 2 ulp (see the module doc on fixture parsing).
#[track_caller]
fn exact(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 2.0 * f64::EPSILON * want.abs(),
        "got {got}, want {want}"
    );
}

#[track_caller]
fn close(got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1.0),
        "got {got}, want {want}"
    );
}

/// Labels of a classification case: strings or integers, as the fixture holds them.
fn check_classification<L: ml_core::Label>(case: &Value, t: Vec<L>, p: Vec<L>, pos: Option<L>) {
    let name = case["name"].as_str().unwrap();
    exact(
        metrics::accuracy_score(&t, &p).unwrap(),
        f(&case["accuracy"]),
    );
    let averages = [
        ("micro", Average::Micro),
        ("macro", Average::Macro),
        ("weighted", Average::Weighted),
    ];
    for (tag, avg) in averages {
        let pr = metrics::precision_score(&t, &p, avg.clone()).unwrap();
        let re = metrics::recall_score(&t, &p, avg.clone()).unwrap();
        let f1 = metrics::f1_score(&t, &p, avg.clone()).unwrap();
        let f2 = metrics::fbeta_score(&t, &p, 2.0, avg).unwrap();
        close(pr, f(&case[format!("precision_{tag}")]), 1e-12);
        close(re, f(&case[format!("recall_{tag}")]), 1e-12);
        close(f1, f(&case[format!("f1_{tag}")]), 1e-12);
        close(f2, f(&case[format!("f2_{tag}")]), 1e-12);
    }
    if let Some(pos_label) = pos {
        let avg = Average::Binary { pos_label };
        let pr = metrics::precision_score(&t, &p, avg.clone()).unwrap();
        close(pr, f(&case["precision_binary"]), 1e-12);
        let re = metrics::recall_score(&t, &p, avg.clone()).unwrap();
        close(re, f(&case["recall_binary"]), 1e-12);
        close(
            metrics::f1_score(&t, &p, avg).unwrap(),
            f(&case["f1_binary"]),
            1e-12,
        );
    }
    let cm = metrics::confusion_matrix(&t, &p).unwrap();
    let flat: Vec<usize> = cm.counts.iter().flatten().copied().collect();
    assert_eq!(flat, ints(&case["confusion"]), "{name}");
}

#[test]
fn classification_scores_match() {
    let fx = fixture();
    for case in fx["classification"].as_array().unwrap() {
        if case["y_true"][0].is_string() {
            let (t, p) = (strings(&case["y_true"]), strings(&case["y_pred"]));
            let cm = metrics::confusion_matrix(&t, &p).unwrap();
            assert_eq!(cm.classes, strings(&case["classes"]));
            check_classification(case, t, p, None);
        } else {
            let pos = case.get("pos_label").map(|v| v.as_u64().unwrap() as usize);
            check_classification(case, ints(&case["y_true"]), ints(&case["y_pred"]), pos);
        }
    }
}

#[test]
fn log_loss_matches() {
    let fx = fixture();
    let case = &fx["log_loss"];
    let t = strings(&case["y_true"]);
    let proba = matrix(&case["proba"]);
    let loss = metrics::log_loss(&t, proba.as_ref(), None).unwrap();
    close(loss, f(&case["loss"]), 1e-12);
}

#[test]
fn regression_scores_match() {
    let fx = fixture();
    let case = &fx["regression"];
    let (t, p) = (floats(&case["y_true"]), floats(&case["y_pred"]));
    close(metrics::r2_score(&t, &p).unwrap(), f(&case["r2"]), 1e-12);
    close(
        metrics::mean_squared_error(&t, &p).unwrap(),
        f(&case["mse"]),
        1e-12,
    );
    close(
        metrics::mean_absolute_error(&t, &p).unwrap(),
        f(&case["mae"]),
        1e-12,
    );
}

#[test]
fn clustering_scores_match() {
    let fx = fixture();
    let case = &fx["clustering"];
    let x = matrix(&case["x"]);
    let y = ints(&case["y"]);
    let km = ints(&case["kmeans"]);
    let agg = ints(&case["agglomerative"]);
    exact(
        metrics::adjusted_rand_score(&y, &km).unwrap(),
        f(&case["ari_y_kmeans"]),
    );
    exact(
        metrics::adjusted_rand_score(&y, &agg).unwrap(),
        f(&case["ari_y_agglomerative"]),
    );
    exact(
        metrics::adjusted_rand_score(&km, &agg).unwrap(),
        f(&case["ari_kmeans_agglomerative"]),
    );
    close(
        metrics::silhouette_score(x.as_ref(), &y).unwrap(),
        f(&case["silhouette_y"]),
        1e-12,
    );
    close(
        metrics::silhouette_score(x.as_ref(), &km).unwrap(),
        f(&case["silhouette_kmeans"]),
        1e-12,
    );
    let s = metrics::silhouette_samples(x.as_ref(), &agg).unwrap();
    for (got, want) in s
        .iter()
        .zip(floats(&case["silhouette_samples_agglomerative"]))
    {
        close(*got, want, 1e-12);
    }
}

#[test]
fn trustworthiness_matches() {
    let fx = fixture();
    let case = &fx["trustworthiness"];
    let x = matrix(&case["x"]);
    let e = matrix(&case["embedding"]);
    exact(
        metrics::trustworthiness(x.as_ref(), e.as_ref(), 5).unwrap(),
        f(&case["k5"]),
    );
    exact(
        metrics::trustworthiness(x.as_ref(), e.as_ref(), 12).unwrap(),
        f(&case["k12"]),
    );
    // Iris: tied distances between duplicate rows; allow 10 rank units.
    let iris = matrix(&fx["clustering"]["x"]);
    let ie = matrix(&case["iris_embedding"]);
    let got = metrics::trustworthiness(iris.as_ref(), ie.as_ref(), 5).unwrap();
    let unit = 2.0 / (150.0 * 5.0 * (2.0 * 150.0 - 3.0 * 5.0 - 1.0));
    assert!(
        (got - f(&case["iris_k5"])).abs() <= 10.0 * unit,
        "got {got}"
    );
}

#[test]
fn scalers_match() {
    let fx = fixture();
    let sc = &fx["scalers"];
    for key in ["wine", "small"] {
        let x = matrix(&sc[key]);
        let want = &sc[format!("{key}_standard")];
        let m = StandardScaler::new().fit(x.as_ref()).unwrap();
        for (name, got) in [("mean", m.mean()), ("var", m.var()), ("scale", m.scale())] {
            for (g, w) in got.iter().zip(floats(&want[name])) {
                close(*g, w, 1e-12);
            }
        }
        let z = m.transform(x.as_ref()).unwrap();
        let zw = matrix(&want["transformed"]);
        for i in 0..x.nrows() {
            for j in 0..x.ncols() {
                close(z[(i, j)], zw[(i, j)], 1e-12);
            }
        }
        for (tag, (lo, hi)) in [("minmax", (0.0, 1.0)), ("minmax_range", (-1.0, 2.0))] {
            let want = &sc[format!("{key}_{tag}")];
            let m = MinMaxScaler::new()
                .feature_range(lo, hi)
                .fit(x.as_ref())
                .unwrap();
            assert_eq!(m.data_min(), floats(&want["data_min"]).as_slice());
            assert_eq!(m.data_max(), floats(&want["data_max"]).as_slice());
            for (g, w) in m.scale().iter().zip(floats(&want["scale"])) {
                close(*g, w, 1e-12);
            }
            for (g, w) in m.min().iter().zip(floats(&want["min"])) {
                close(*g, w, 1e-12);
            }
            let z = m.transform(x.as_ref()).unwrap();
            let zw = matrix(&want["transformed"]);
            for i in 0..x.nrows() {
                for j in 0..x.ncols() {
                    close(z[(i, j)], zw[(i, j)], 1e-12);
                }
            }
        }
    }
}

#[test]
fn kfold_folds_equal_sklearn() {
    let fx = fixture();
    for case in fx["kfold"].as_array().unwrap() {
        let n = case["n_samples"].as_u64().unwrap() as usize;
        let k = case["n_splits"].as_u64().unwrap() as usize;
        let folds = KFold::new().n_splits(k).split(n).unwrap();
        let want: Vec<Vec<usize>> = case["test_folds"]
            .as_array()
            .unwrap()
            .iter()
            .map(ints)
            .collect();
        let got: Vec<Vec<usize>> = folds.into_iter().map(|(_, test)| test).collect();
        assert_eq!(got, want, "n = {n}, k = {k}");
    }
}

#[test]
fn stratified_kfold_equals_sklearn() {
    let fx = fixture();
    for case in fx["stratified_kfold"].as_array().unwrap() {
        let y = ints(&case["y"]);
        let k = case["n_splits"].as_u64().unwrap() as usize;
        let want: Vec<Vec<usize>> = case["test_folds"]
            .as_array()
            .unwrap()
            .iter()
            .map(ints)
            .collect();
        let plain = StratifiedKFold::new().n_splits(k).split(&y).unwrap();
        let got: Vec<Vec<usize>> = plain.into_iter().map(|(_, test)| test).collect();
        assert_eq!(got, want, "{}", case["name"]);
        // With shuffling, the indices differ but each fold's class counts do not.
        let n_classes = y.iter().max().unwrap() + 1;
        let shuffled = StratifiedKFold::new()
            .n_splits(k)
            .shuffle(true)
            .seed(7)
            .split(&y)
            .unwrap();
        let counts: Vec<Vec<usize>> = shuffled
            .iter()
            .map(|(_, test)| {
                let mut c = vec![0; n_classes];
                test.iter().for_each(|&i| c[y[i]] += 1);
                c
            })
            .collect();
        let want: Vec<Vec<usize>> = case["shuffled_class_counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(ints)
            .collect();
        assert_eq!(counts, want, "{}", case["name"]);
    }
}

#[test]
fn train_test_split_sizes_equal_sklearn() {
    let fx = fixture();
    for case in fx["train_test_split"].as_array().unwrap() {
        let n = case["n_samples"].as_u64().unwrap() as usize;
        let (train, test) = match case["test_size"].as_u64() {
            Some(c) => train_test_split(n, c as usize, 3, None::<&[u8]>, true),
            None => train_test_split(n, f(&case["test_size"]), 3, None::<&[u8]>, true),
        }
        .unwrap();
        assert_eq!(train.len(), case["n_train"].as_u64().unwrap() as usize);
        assert_eq!(test.len(), case["n_test"].as_u64().unwrap() as usize);
    }
    let case = &fx["stratified_split"];
    let y = ints(&case["y"]);
    for seed in 0..5 {
        let (_, test) =
            train_test_split(y.len(), f(&case["test_size"]), seed, Some(&y[..]), true).unwrap();
        let mut counts = vec![0; 3];
        test.iter().for_each(|&i| counts[y[i]] += 1);
        assert_eq!(counts, ints(&case["test_class_counts"]));
    }
}
