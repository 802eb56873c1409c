//! Parity of the nearest-neighbour estimators with scikit-learn 1.9.1
//! (`scripts/refdata/neighbors.py` → `tests/data/neighbors.json`) on iris, wine,
//! digits, a zero-distance set and a haversine set.
//!
//! Tolerances: distances within 1e-9 relative (scikit-learn's trees agree with the
//! direct formula to a few ulps, its brute force expands `‖x‖² − 2x·y + ‖y‖²` and is up
//! to ~1e-10 off, more for cosine near 0, hence 1e-9 absolute there too). Where
//! scikit-learn's answer is ambiguous, the comparison says so: the order among equal
//! distances (`tied` rows: the neighbour *sets* are compared), ties at the `k`-th
//! neighbour (`boundary_tied` rows: only distances, which are still determined) and
//! rows with a training row within 1e-9 of the radius (`near_boundary`: skipped).

use faer::Mat;
use ml_cluster::neighbors::{
    Algorithm, KNeighborsClassifier, KNeighborsRegressor, Metric, NearestNeighbors, OutlierLabel,
    RadiusNeighborsClassifier, RadiusNeighborsRegressor, Weights,
};
use serde_json::Value;

mod common;
use common::{mat_of, usizes};

fn fixture() -> Value {
    serde_json::from_str(include_str!("data/neighbors.json")).expect("valid fixture JSON")
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_bool().expect("bool"))
        .collect()
}

/// One data set of the fixture: train and query rows, labels and regression targets.
struct Data {
    x_train: Mat<f64>,
    x_query: Mat<f64>,
    y_train: Vec<i64>,
    t_train: Vec<f64>,
}

fn data(f: &Value, name: &str) -> Data {
    let d = &f["datasets"][name];
    let set = match name {
        "iris" => ml_core::datasets::load_iris(),
        "wine" => ml_core::datasets::load_wine(),
        _ => ml_core::datasets::load_digits(),
    }
    .expect("data set");
    let x = set.data;
    let sum: f64 = (0..x.ncols()).map(|j| x.col(j).iter().sum::<f64>()).sum();
    let want = d["x_sum"].as_f64().unwrap();
    assert!(
        (sum - want).abs() <= 1e-9 * want.abs(),
        "{name}: X differs from scikit-learn's"
    );
    let (train, query) = (usizes(&d["train_idx"]), usizes(&d["query_idx"]));
    let pick = |idx: &[usize]| Mat::from_fn(idx.len(), x.ncols(), |i, j| x[(idx[i], j)]);
    let y: Vec<i64> = d["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let t = f64s(&d["y_reg"]);
    Data {
        x_train: pick(&train),
        x_query: pick(&query),
        y_train: train.iter().map(|&i| y[i]).collect(),
        t_train: train.iter().map(|&i| t[i]).collect(),
    }
}

fn metric(case: &Value) -> Metric {
    match case["metric"].as_str().unwrap() {
        "euclidean" => Metric::Euclidean,
        "sqeuclidean" => Metric::SquaredEuclidean,
        "manhattan" => Metric::Manhattan,
        "chebyshev" => Metric::Chebyshev,
        "cosine" => Metric::Cosine,
        "haversine" => Metric::Haversine,
        "minkowski" => Metric::Minkowski(case["p"].as_f64().unwrap()),
        other => panic!("metric {other}"),
    }
}

fn algorithm(case: &Value) -> Algorithm {
    match case["algorithm"].as_str().unwrap_or("auto") {
        "kd_tree" => Algorithm::KdTree,
        "ball_tree" => Algorithm::BallTree,
        "brute" => Algorithm::Brute,
        _ => Algorithm::Auto,
    }
}

fn weights(case: &Value) -> Weights {
    match case["weights"].as_str().unwrap() {
        "distance" => Weights::Distance,
        _ => Weights::Uniform,
    }
}

fn close(a: f64, b: f64, what: &str) {
    let tol = 1e-9 * a.abs().max(b.abs()) + 1e-9;
    assert!(
        (a - b).abs() <= tol || (a.is_nan() && b.is_nan()),
        "{what}: {a} vs {b}"
    );
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

/// Our distances equal scikit-learn's on every row; the neighbours too, in order where
/// their distances differ, as a set where some are equal, not at all where the `k`-th
/// is tied with the next.
fn compare_neighbours(
    what: &str,
    ours: (&[f64], &[usize]),
    theirs: (&[f64], &[usize]),
    tied: bool,
    boundary: bool,
) {
    assert_eq!(ours.0.len(), theirs.0.len(), "{what}: count");
    for (a, b) in ours.0.iter().zip(theirs.0) {
        close(*a, *b, what);
    }
    if boundary {
        return;
    }
    if tied {
        assert_eq!(
            sorted(ours.1.to_vec()),
            sorted(theirs.1.to_vec()),
            "{what}: neighbour set"
        );
    } else {
        assert_eq!(ours.1, theirs.1, "{what}: neighbours");
    }
}

#[test]
fn kneighbors_match() {
    let f = fixture();
    for case in f["kneighbors"].as_array().unwrap() {
        let name = case["dataset"].as_str().unwrap();
        let d = data(&f, name);
        let k = case["k"].as_u64().unwrap() as usize;
        let model = NearestNeighbors::new()
            .n_neighbors(k)
            .metric(metric(case))
            .algorithm(algorithm(case))
            .fit(d.x_train.as_ref())
            .unwrap();
        let found = if case["self_query"].as_bool().unwrap() {
            model.kneighbors_of_fitted().unwrap()
        } else {
            model.kneighbors(d.x_query.as_ref()).unwrap()
        };
        let (tied, boundary) = (bools(&case["tied"]), bools(&case["boundary_tied"]));
        let (dist, idx) = (
            case["distances"].as_array().unwrap(),
            case["indices"].as_array().unwrap(),
        );
        assert_eq!(found.n_queries(), dist.len());
        for i in 0..found.n_queries() {
            let what = format!("{name} {:?} {:?} row {i}", metric(case), algorithm(case));
            compare_neighbours(
                &what,
                (found.distances(i), found.indices(i)),
                (&f64s(&dist[i]), &usizes(&idx[i])),
                tied[i],
                boundary[i],
            );
        }
    }
}

#[test]
fn radius_neighbors_match() {
    let f = fixture();
    for case in f["radius"].as_array().unwrap() {
        let name = case["dataset"].as_str().unwrap();
        let d = data(&f, name);
        let radius = case["radius"].as_f64().unwrap();
        let model = NearestNeighbors::new()
            .radius(radius)
            .metric(metric(case))
            .algorithm(algorithm(case))
            .fit(d.x_train.as_ref())
            .unwrap();
        let found = model.radius_neighbors(d.x_query.as_ref()).unwrap();
        let near = bools(&case["near_boundary"]);
        let (dist, idx) = (
            case["distances"].as_array().unwrap(),
            case["indices"].as_array().unwrap(),
        );
        for i in 0..found.n_queries() {
            let what = format!("{name} {:?} radius row {i}", metric(case));
            let (want_d, want_i) = (f64s(&dist[i]), usizes(&idx[i]));
            if near[i] {
                // A row at the radius may go either way: compare the rows inside it.
                let inside = |d: &[f64], ix: &[usize]| -> (Vec<f64>, Vec<usize>) {
                    d.iter()
                        .zip(ix)
                        .filter(|(v, _)| **v < radius * (1.0 - 1e-9))
                        .map(|(v, j)| (*v, *j))
                        .unzip()
                };
                let (a, b) = (
                    inside(found.distances(i), found.indices(i)),
                    inside(&want_d, &want_i),
                );
                compare_neighbours(&what, (&a.0, &a.1), (&b.0, &b.1), true, false);
            } else {
                compare_neighbours(
                    &what,
                    (found.distances(i), found.indices(i)),
                    (&want_d, &want_i),
                    true,
                    false,
                );
            }
        }
    }
}

#[test]
fn classifiers_match() {
    let f = fixture();
    for case in f["classifiers"].as_array().unwrap() {
        let name = case["dataset"].as_str().unwrap();
        let d = data(&f, name);
        let model = KNeighborsClassifier::new()
            .n_neighbors(case["n_neighbors"].as_u64().unwrap() as usize)
            .weights(weights(case))
            .metric(metric(case))
            .algorithm(algorithm(case))
            .fit(d.x_train.as_ref(), &d.y_train)
            .unwrap();
        let pred = model.predict(d.x_query.as_ref()).unwrap();
        let proba = model.predict_proba(d.x_query.as_ref()).unwrap();
        let boundary = bools(&case["boundary_tied"]);
        let (want, want_p) = (
            case["predict"].as_array().unwrap(),
            case["predict_proba"].as_array().unwrap(),
        );
        for i in (0..pred.len()).filter(|&i| !boundary[i]) {
            assert_eq!(
                pred[i],
                want[i].as_i64().unwrap(),
                "{name} {case:?} row {i}"
            );
            for (c, p) in f64s(&want_p[i]).into_iter().enumerate() {
                close(proba[(i, c)], p, &format!("{name} proba row {i}"));
            }
        }
    }
}

#[test]
fn regressors_match() {
    let f = fixture();
    for case in f["regressors"].as_array().unwrap() {
        let name = case["dataset"].as_str().unwrap();
        let d = data(&f, name);
        let model = KNeighborsRegressor::new()
            .n_neighbors(case["n_neighbors"].as_u64().unwrap() as usize)
            .weights(weights(case))
            .metric(metric(case))
            .algorithm(algorithm(case))
            .fit(d.x_train.as_ref(), &d.t_train)
            .unwrap();
        let pred = model.predict(d.x_query.as_ref()).unwrap();
        let (want, boundary) = (f64s(&case["predict"]), bools(&case["boundary_tied"]));
        for i in (0..pred.len()).filter(|&i| !boundary[i]) {
            close(pred[i], want[i], &format!("{name} regressor row {i}"));
        }
    }
}

#[test]
fn radius_estimators_match() {
    let f = fixture();
    for case in f["radius_classifiers"].as_array().unwrap() {
        let name = case["dataset"].as_str().unwrap();
        let d = data(&f, name);
        let outlier = match &case["outlier_label"] {
            Value::String(_) => OutlierLabel::MostFrequent,
            v => OutlierLabel::Label(v.as_i64().unwrap()),
        };
        let model = RadiusNeighborsClassifier::new()
            .radius(case["radius"].as_f64().unwrap())
            .weights(weights(case))
            .metric(metric(case))
            .algorithm(algorithm(case))
            .outlier_label(Some(outlier))
            .fit(d.x_train.as_ref(), &d.y_train)
            .unwrap();
        assert_eq!(
            model.outlier_label(),
            Some(&case["outlier_label_"].as_i64().unwrap())
        );
        let pred = model.predict(d.x_query.as_ref()).unwrap();
        let proba = model.predict_proba(d.x_query.as_ref()).unwrap();
        let near = bools(&case["near_boundary"]);
        let (want, want_p) = (
            case["predict"].as_array().unwrap(),
            case["predict_proba"].as_array().unwrap(),
        );
        for i in (0..pred.len()).filter(|&i| !near[i]) {
            assert_eq!(
                pred[i],
                want[i].as_i64().unwrap(),
                "{name} radius classifier row {i}"
            );
            for (c, p) in f64s(&want_p[i]).into_iter().enumerate() {
                close(proba[(i, c)], p, &format!("{name} radius proba row {i}"));
            }
        }
    }
    for case in f["radius_regressors"].as_array().unwrap() {
        let name = case["dataset"].as_str().unwrap();
        let d = data(&f, name);
        let model = RadiusNeighborsRegressor::new()
            .radius(case["radius"].as_f64().unwrap())
            .weights(weights(case))
            .metric(metric(case))
            .algorithm(algorithm(case))
            .fit(d.x_train.as_ref(), &d.t_train)
            .unwrap();
        let pred = model.predict(d.x_query.as_ref()).unwrap();
        let (want, near) = (f64s(&case["predict"]), bools(&case["near_boundary"]));
        for i in (0..pred.len()).filter(|&i| !near[i]) {
            close(
                pred[i],
                want[i],
                &format!("{name} radius regressor row {i}"),
            );
        }
    }
}

#[test]
fn graphs_match() {
    let f = fixture();
    for case in f["graphs"].as_array().unwrap() {
        let d = data(&f, case["dataset"].as_str().unwrap());
        let connectivity = case["mode"] == "connectivity";
        let (graph, skip) = if case["kind"] == "kneighbors_graph" {
            let model = NearestNeighbors::new()
                .n_neighbors(case["n_neighbors"].as_u64().unwrap() as usize)
                .fit(d.x_train.as_ref())
                .unwrap();
            (
                model
                    .kneighbors_graph(d.x_query.as_ref(), connectivity)
                    .unwrap(),
                bools(&case["tied"]),
            )
        } else {
            let model = NearestNeighbors::new()
                .radius(case["radius"].as_f64().unwrap())
                .fit(d.x_train.as_ref())
                .unwrap();
            (
                model
                    .radius_neighbors_graph(d.x_query.as_ref(), connectivity)
                    .unwrap(),
                bools(&case["near_boundary"]),
            )
        };
        let shape = usizes(&case["shape"]);
        assert_eq!((graph.nrows(), graph.ncols()), (shape[0], shape[1]));
        let (indptr, indices, values) = (
            usizes(&case["indptr"]),
            usizes(&case["indices"]),
            f64s(&case["data"]),
        );
        let g = graph.as_ref();
        for i in (0..shape[0]).filter(|&i| !skip[i]) {
            // scikit-learn's rows are in neighbour order, ours column-sorted (CSR).
            let mut want: Vec<(usize, f64)> = (indptr[i]..indptr[i + 1])
                .map(|p| (indices[p], values[p]))
                .collect();
            want.sort_by_key(|e| e.0);
            let got: Vec<(usize, f64)> = g
                .col_idx_of_row_raw(i)
                .iter()
                .copied()
                .zip(g.val_of_row(i).iter().copied())
                .collect();
            assert_eq!(got.len(), want.len(), "graph row {i}");
            for (a, b) in got.iter().zip(&want) {
                assert_eq!(a.0, b.0, "graph row {i}");
                close(a.1, b.1, "graph value");
            }
        }
    }
}

#[test]
fn zero_distances_take_all_the_weight() {
    let f = fixture();
    let z = &f["zero_distance"];
    let (x, q) = (mat_of(&z["X_train"]), mat_of(&z["X_query"]));
    let y: Vec<i64> = z["y_train"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let t = f64s(&z["y_reg_train"]);
    for case in z["cases"].as_array().unwrap() {
        let w = weights(case);
        let k = case["n_neighbors"].as_u64().unwrap_or(5) as usize;
        let r = case["radius"].as_f64().unwrap_or(1.0);
        let (pred_f, pred_l, proba) = match case["estimator"].as_str().unwrap() {
            "KNeighborsClassifier" => {
                let m = KNeighborsClassifier::new()
                    .n_neighbors(k)
                    .weights(w)
                    .fit(x.as_ref(), &y)
                    .unwrap();
                (
                    None,
                    Some(m.predict(q.as_ref()).unwrap()),
                    Some(m.predict_proba(q.as_ref()).unwrap()),
                )
            }
            "KNeighborsRegressor" => {
                let m = KNeighborsRegressor::new()
                    .n_neighbors(k)
                    .weights(w)
                    .fit(x.as_ref(), &t)
                    .unwrap();
                (Some(m.predict(q.as_ref()).unwrap()), None, None)
            }
            "RadiusNeighborsClassifier" => {
                let label = OutlierLabel::Label(case["outlier_label"].as_i64().unwrap());
                let m = RadiusNeighborsClassifier::new()
                    .radius(r)
                    .weights(w)
                    .outlier_label(Some(label))
                    .fit(x.as_ref(), &y)
                    .unwrap();
                (
                    None,
                    Some(m.predict(q.as_ref()).unwrap()),
                    Some(m.predict_proba(q.as_ref()).unwrap()),
                )
            }
            _ => {
                let m = RadiusNeighborsRegressor::new()
                    .radius(r)
                    .weights(w)
                    .fit(x.as_ref(), &t)
                    .unwrap();
                (Some(m.predict(q.as_ref()).unwrap()), None, None)
            }
        };
        let what = format!("{} {:?}", case["estimator"], case["weights"]);
        if let Some(p) = pred_f {
            for (a, b) in p.iter().zip(f64s(&case["predict"])) {
                close(*a, b, &what);
            }
        }
        if let Some(p) = pred_l {
            let want: Vec<i64> = case["predict"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            assert_eq!(p, want, "{what}");
        }
        if let Some(p) = proba {
            for (i, row) in case["predict_proba"].as_array().unwrap().iter().enumerate() {
                for (c, v) in f64s(row).into_iter().enumerate() {
                    close(p[(i, c)], v, &what);
                }
            }
        }
    }
}

#[test]
fn haversine_matches() {
    let f = fixture();
    let h = &f["haversine"];
    let (x, q) = (mat_of(&h["X_train"]), mat_of(&h["X_query"]));
    for case in h["cases"].as_array().unwrap() {
        let k = case["k"].as_u64().unwrap() as usize;
        let model = NearestNeighbors::new()
            .n_neighbors(k)
            .radius(case["radius"].as_f64().unwrap())
            .metric(Metric::Haversine)
            .algorithm(algorithm(case))
            .fit(x.as_ref())
            .unwrap();
        let found = model.kneighbors(q.as_ref()).unwrap();
        let (tied, boundary) = (bools(&case["tied"]), bools(&case["boundary_tied"]));
        let (dist, idx) = (
            case["distances"].as_array().unwrap(),
            case["indices"].as_array().unwrap(),
        );
        for i in 0..found.n_queries() {
            compare_neighbours(
                &format!("haversine row {i}"),
                (found.distances(i), found.indices(i)),
                (&f64s(&dist[i]), &usizes(&idx[i])),
                tied[i],
                boundary[i],
            );
        }
        let near = model.radius_neighbors(q.as_ref()).unwrap();
        let (rd, ri, nb) = (
            case["radius_distances"].as_array().unwrap(),
            case["radius_indices"].as_array().unwrap(),
            bools(&case["near_boundary"]),
        );
        for i in (0..near.n_queries()).filter(|&i| !nb[i]) {
            compare_neighbours(
                &format!("haversine radius row {i}"),
                (near.distances(i), near.indices(i)),
                (&f64s(&rd[i]), &usizes(&ri[i])),
                true,
                false,
            );
        }
    }
}
