//! Parity of the density clustering with scikit-learn 1.9.1
//! (`scripts/refdata/density.py` → `tests/data/density.json`): DBSCAN's labels and core
//! rows identical on blobs (Euclidean, Manhattan, weighted, `min_samples` 1) and on the
//! US airports (haversine); mean-shift's labels identical and centres within 1e-10, with
//! and without bin seeding; `estimate_bandwidth` within 1e-12 relative.

use faer::Mat;
use ml_cluster::neighbors::Metric;
use ml_cluster::{ClusterSelection, Dbscan, Hdbscan, MeanShift, StoreCenters, estimate_bandwidth};
use serde_json::Value;

mod common;
use common::{mat_of, usizes};

fn fixture() -> Value {
    serde_json::from_str(include_str!("data/density.json")).expect("valid fixture JSON")
}

/// scikit-learn's labels (−1 for noise) as ours.
fn labels_of(v: &Value) -> Vec<Option<usize>> {
    v.as_array()
        .expect("labels")
        .iter()
        .map(|l| usize::try_from(l.as_i64().expect("label")).ok())
        .collect()
}

/// The airports' latitude and longitude in radians, in the data set's order.
fn airports() -> Mat<f64> {
    let a = ml_core::datasets::load_airports().expect("airports");
    let deg = ml_core::datasets::airport_coordinates(&a);
    Mat::from_fn(deg.nrows(), 2, |i, j| deg[(i, j)].to_radians())
}

fn data(f: &Value, name: &str) -> Mat<f64> {
    match name {
        "airports" => airports(),
        "iris" => common::iris(),
        other => mat_of(&f[other]["X"]),
    }
}

#[test]
fn airports_are_the_fixture_s() {
    let f = fixture();
    let x = airports();
    let mut v: Vec<f64> = (0..x.nrows())
        .flat_map(|i| [x[(i, 0)], x[(i, 1)]])
        .collect();
    v.sort_by(f64::total_cmp);
    let sum: f64 = v.iter().sum();
    let want = f["airports_x_sum"].as_f64().unwrap();
    assert!((sum - want).abs() <= 1e-9 * want.abs(), "{sum} vs {want}");
}

#[test]
fn dbscan_labels_are_scikit_learn_s() {
    let f = fixture();
    for case in f["dbscan"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let x = data(&f, name);
        let metric = match case["metric"].as_str().unwrap() {
            "euclidean" => Metric::Euclidean,
            "manhattan" => Metric::Manhattan,
            "haversine" => Metric::Haversine,
            other => panic!("metric {other}"),
        };
        let eps = case["eps"].as_f64().unwrap();
        let min_samples = case["min_samples"].as_u64().unwrap() as usize;
        let est = Dbscan::new()
            .eps(eps)
            .min_samples(min_samples)
            .metric(metric);
        let model = match case["weights"].as_array() {
            Some(w) => {
                let w: Vec<f64> = w.iter().map(|v| v.as_f64().unwrap()).collect();
                est.fit_weighted(x.as_ref(), &w)
            }
            None => est.fit(x.as_ref()),
        }
        .unwrap();
        let what = format!("{name} eps={eps} min_samples={min_samples} {metric:?}");
        assert_eq!(
            model.core_sample_indices(),
            &usizes(&case["core_sample_indices"])[..],
            "{what}"
        );
        assert_eq!(model.labels(), &labels_of(&case["labels"])[..], "{what}");
        assert_eq!(
            model.n_clusters(),
            case["n_clusters"].as_u64().unwrap() as usize,
            "{what}"
        );
        assert_eq!(
            &model.predict(x.as_ref()).unwrap()[..],
            model.labels(),
            "{what}"
        );
    }
}

#[test]
fn mean_shift_is_scikit_learn_s() {
    let f = fixture();
    let x = data(&f, "ms_blobs");
    for case in f["mean_shift"].as_array().unwrap() {
        let bandwidth = case["bandwidth"].as_f64().unwrap();
        let bin_seeding = case["bin_seeding"].as_bool().unwrap();
        let cluster_all = case["cluster_all"].as_bool().unwrap();
        let min_bin_freq = case["min_bin_freq"].as_u64().unwrap() as usize;
        let model = MeanShift::new()
            .bandwidth(bandwidth)
            .bin_seeding(bin_seeding)
            .cluster_all(cluster_all)
            .min_bin_freq(min_bin_freq)
            .fit(x.as_ref())
            .unwrap();
        let what =
            format!("bandwidth={bandwidth} bin_seeding={bin_seeding} cluster_all={cluster_all}");
        let want = mat_of(&case["cluster_centers"]);
        let got = model.cluster_centers();
        assert_eq!(got.nrows(), want.nrows(), "{what}");
        for i in 0..want.nrows() {
            for j in 0..want.ncols() {
                assert!(
                    (got[(i, j)] - want[(i, j)]).abs() <= 1e-10,
                    "{what}: centre {i} {j}: {} vs {}",
                    got[(i, j)],
                    want[(i, j)]
                );
            }
        }
        assert_eq!(model.labels(), &labels_of(&case["labels"])[..], "{what}");
        assert_eq!(
            model.n_iter(),
            case["n_iter"].as_u64().unwrap() as usize,
            "{what}"
        );
    }
}

#[test]
fn bandwidth_is_scikit_learn_s() {
    let f = fixture();
    for case in f["bandwidth"].as_array().unwrap() {
        let x = data(&f, case["data"].as_str().unwrap());
        let q = case["quantile"].as_f64().unwrap();
        let want = case["value"].as_f64().unwrap();
        let got = estimate_bandwidth(x.as_ref(), q, None, 0).unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "{case}: {got} vs {want}"
        );
    }
}

#[test]
fn hdbscan_is_scikit_learn_s() {
    let f = fixture();
    for case in f["hdbscan"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let x = data(&f, name);
        let p = &case["params"];
        let mut est = Hdbscan::new().store_centers(StoreCenters::Both);
        if let Some(v) = p["min_cluster_size"].as_u64() {
            est = est.min_cluster_size(v as usize);
        }
        if let Some(v) = p["min_samples"].as_u64() {
            est = est.min_samples(v as usize);
        }
        if let Some(v) = p["cluster_selection_epsilon"].as_f64() {
            est = est.cluster_selection_epsilon(v);
        }
        if let Some(v) = p["max_cluster_size"].as_u64() {
            est = est.max_cluster_size(v as usize);
        }
        if let Some(v) = p["alpha"].as_f64() {
            est = est.alpha(v);
        }
        if p["cluster_selection_method"].as_str() == Some("leaf") {
            est = est.cluster_selection(ClusterSelection::Leaf);
        }
        if let Some(v) = p["allow_single_cluster"].as_bool() {
            est = est.allow_single_cluster(v);
        }
        est = est.metric(match p["metric"].as_str().unwrap_or("euclidean") {
            "euclidean" => Metric::Euclidean,
            "manhattan" => Metric::Manhattan,
            "haversine" => Metric::Haversine,
            other => panic!("metric {other}"),
        });
        let model = est.fit(x.as_ref()).unwrap();
        let what = format!("{name} {p}");
        let mut weights: Vec<f64> = model
            .minimum_spanning_tree()
            .iter()
            .map(|e| e.weight)
            .collect();
        weights.sort_by(f64::total_cmp);
        let want: Vec<f64> = case["mst_weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(weights.len(), want.len(), "{what}");
        for (g, w) in weights.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs(),
                "{what}: weight {g} vs {w}"
            );
        }
        let want_labels = labels_of(&case["labels"]);
        if case["tied_weights"].as_u64().unwrap() > 0 {
            // Tied merges are ordered by numpy's unstable sort there: the same spanning
            // tree weights, and (measured) the same partition, numbered alike or not.
            let signed = |l: &[Option<usize>]| -> Vec<i64> {
                l.iter().map(|c| c.map_or(-1, |c| c as i64)).collect()
            };
            let ari = ml_core::metrics::adjusted_rand_score(
                &signed(model.labels()),
                &signed(&want_labels),
            )
            .unwrap();
            eprintln!("{what}: tied weights, ARI {ari}");
            assert!(ari >= 0.99, "{what}: ARI {ari}");
            continue;
        }
        assert_eq!(model.labels(), &want_labels[..], "{what}");
        for (i, (g, w)) in model
            .probabilities()
            .iter()
            .zip(case["probabilities"].as_array().unwrap())
            .enumerate()
        {
            let w = w.as_f64().unwrap();
            assert!(
                (g - w).abs() <= 1e-12,
                "{what}: probability {i}: {g} vs {w}"
            );
        }
        for (got, key) in [
            (model.centroids(), "centroids"),
            (model.medoids(), "medoids"),
        ] {
            let got = got.expect("stored centres");
            let rows = case[key].as_array().unwrap();
            assert_eq!(got.nrows(), rows.len(), "{what} {key}");
            if rows.is_empty() {
                continue;
            }
            let want = mat_of(&case[key]);
            for i in 0..want.nrows() {
                for j in 0..want.ncols() {
                    let (g, w) = (got[(i, j)], want[(i, j)]);
                    assert!(
                        (g - w).abs() <= 1e-10 * w.abs().max(1.0),
                        "{what} {key} {i} {j}: {g} vs {w}"
                    );
                }
            }
        }
    }
}
