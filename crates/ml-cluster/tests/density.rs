//! Density clustering (DBSCAN, mean-shift): the conformance battery, bad input and
//! invariants (DBSCAN's cores and noise do not depend on row order and its clusters
//! only up to renumbering; with `min_samples` 1 its clusters are the connected
//! components of the eps-graph; its predictions give back its labels; saved models
//! answer alike).

use faer::Mat;
use ml_cluster::neighbors::{Algorithm, Metric};
use ml_cluster::{ClusterSelection, Dbscan, Hdbscan, MeanShift, StoreCenters, estimate_bandwidth};
use ml_core::Error;
use ml_core::testing::{Check, run_clusterer};
use proptest::prelude::*;

/// Three tight groups of four rows and a far-away row.
fn groups() -> Mat<f64> {
    let centres = [[0.0, 0.0], [5.0, 5.0], [0.0, 9.0]];
    let offsets = [[0.0, 0.0], [0.3, 0.1], [-0.2, 0.25], [0.1, -0.3]];
    let mut rows = Vec::new();
    for c in centres {
        for o in offsets {
            rows.push([c[0] + o[0], c[1] + o[1]]);
        }
    }
    rows.push([20.0, -20.0]);
    Mat::from_fn(rows.len(), 2, |i, j| rows[i][j])
}

/// The label bound of the battery: density clusterers find as many clusters as the
/// data's scale makes (every row alone on data scaled to 1e300), at most one per row.
const ROWS: usize = 13;

ml_core::conformance_tests!(
    dbscan,
    clusterer,
    || Dbscan::new().eps(1.0).min_samples(3),
    groups(),
    ROWS
);
ml_core::conformance_tests!(
    dbscan_ball_manhattan,
    clusterer,
    || Dbscan::new()
        .eps(1.0)
        .min_samples(3)
        .metric(Metric::Manhattan)
        .algorithm(Algorithm::BallTree),
    groups(),
    ROWS
);
ml_core::conformance_tests!(
    dbscan_brute,
    clusterer,
    || Dbscan::new()
        .eps(1.0)
        .min_samples(2)
        .algorithm(Algorithm::Brute),
    groups(),
    ROWS
);
ml_core::conformance_tests!(
    mean_shift,
    clusterer,
    || MeanShift::new().bandwidth(2.0),
    groups(),
    ROWS
);
ml_core::conformance_tests!(
    mean_shift_binned,
    clusterer,
    || MeanShift::new().bandwidth(2.0).bin_seeding(true),
    groups(),
    ROWS
);

ml_core::conformance_tests!(
    hdbscan,
    clusterer,
    || Hdbscan::new().min_cluster_size(3),
    groups(),
    ROWS
);
ml_core::conformance_tests!(
    hdbscan_leaf_brute,
    clusterer,
    || Hdbscan::new()
        .min_cluster_size(2)
        .min_samples(2)
        .cluster_selection(ClusterSelection::Leaf)
        .algorithm(Algorithm::Brute),
    groups(),
    ROWS
);
ml_core::conformance_tests!(
    hdbscan_single,
    clusterer,
    || Hdbscan::new()
        .min_cluster_size(4)
        .allow_single_cluster(true)
        .cluster_selection_epsilon(3.0)
        .store_centers(StoreCenters::Both)
        .metric(Metric::Chebyshev),
    groups(),
    ROWS
);

#[test]
fn dbscan_takes_extreme_weights() {
    ml_core::testing::check_extreme_weights_clusterer(
        || Dbscan::new().eps(1.0).min_samples(3),
        groups().as_ref(),
        ROWS,
    );
}

#[test]
fn extreme_settings_fit_or_refuse() {
    let x = groups();
    let run = |make: &dyn Fn() -> Dbscan| {
        run_clusterer(Check::FitsOrRefuses, make, x.as_ref(), ROWS).unwrap();
    };
    run(&|| Dbscan::new().min_samples(usize::MAX));
    run(&|| Dbscan::new().eps(f64::MAX));
    run(&|| Dbscan::new().eps(f64::MIN_POSITIVE));
    run(&|| Dbscan::new().leaf_size(usize::MAX));
    let ms = |make: &dyn Fn() -> MeanShift| {
        run_clusterer(Check::FitsOrRefuses, make, x.as_ref(), ROWS).unwrap();
    };
    ms(&|| MeanShift::new().bandwidth(f64::MAX));
    ms(&|| MeanShift::new().bandwidth(f64::MIN_POSITIVE));
    ms(&|| MeanShift::new().max_iter(0));
    ms(&|| MeanShift::new().max_iter(usize::MAX));
    ms(&|| MeanShift::new().bin_seeding(true).min_bin_freq(usize::MAX));
    let h = |make: &dyn Fn() -> Hdbscan| {
        run_clusterer(Check::FitsOrRefuses, make, x.as_ref(), ROWS).unwrap();
    };
    h(&|| Hdbscan::new().min_cluster_size(usize::MAX));
    h(&|| Hdbscan::new().min_samples(usize::MAX));
    h(&|| Hdbscan::new().max_cluster_size(usize::MAX));
    h(&|| Hdbscan::new().max_cluster_size(1));
    h(&|| Hdbscan::new().alpha(f64::MAX));
    h(&|| Hdbscan::new().alpha(f64::MIN_POSITIVE));
    h(&|| Hdbscan::new().cluster_selection_epsilon(f64::MAX));
}

#[test]
fn bad_parameters_are_typed_errors() {
    let x = groups();
    let bad = |r: Result<_, Error>, name: &str| match r {
        Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
        other => panic!("{name}: expected InvalidParameter, got {other:?}"),
    };
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        bad(Dbscan::new().eps(eps).fit(x.as_ref()).map(|_| ()), "eps");
    }
    bad(
        Dbscan::new().min_samples(0).fit(x.as_ref()).map(|_| ()),
        "min_samples",
    );
    bad(
        Dbscan::new().leaf_size(0).fit(x.as_ref()).map(|_| ()),
        "leaf_size",
    );
    for b in [0.0, -2.0, f64::NAN] {
        bad(
            MeanShift::new().bandwidth(b).fit(x.as_ref()).map(|_| ()),
            "bandwidth",
        );
    }
    bad(
        MeanShift::new()
            .bin_seeding(true)
            .min_bin_freq(0)
            .fit(x.as_ref())
            .map(|_| ()),
        "min_bin_freq",
    );
    bad(
        estimate_bandwidth(x.as_ref(), 1.5, None, 0).map(|_| ()),
        "quantile",
    );
    for m in [0, 1] {
        bad(
            Hdbscan::new()
                .min_cluster_size(m)
                .fit(x.as_ref())
                .map(|_| ()),
            "min_cluster_size",
        );
    }
    bad(
        Hdbscan::new().min_samples(0).fit(x.as_ref()).map(|_| ()),
        "min_samples",
    );
    bad(
        Hdbscan::new().min_samples(14).fit(x.as_ref()).map(|_| ()),
        "min_samples",
    );
    for a in [0.0, -1.0, f64::NAN] {
        bad(Hdbscan::new().alpha(a).fit(x.as_ref()).map(|_| ()), "alpha");
    }
    for e in [-1.0, f64::NAN, f64::INFINITY] {
        bad(
            Hdbscan::new()
                .cluster_selection_epsilon(e)
                .fit(x.as_ref())
                .map(|_| ()),
            "cluster_selection_epsilon",
        );
    }
    bad(
        Hdbscan::new()
            .max_cluster_size(0)
            .fit(x.as_ref())
            .map(|_| ()),
        "max_cluster_size",
    );
    bad(
        estimate_bandwidth(x.as_ref(), 0.3, Some(0), 0).map(|_| ()),
        "n_samples",
    );
    // Weights: wrong length, NaN.
    assert!(matches!(
        Dbscan::new().fit_weighted(x.as_ref(), &[1.0; 3]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut w = vec![1.0; x.nrows()];
    w[2] = f64::NAN;
    assert!(matches!(
        Dbscan::new().fit_weighted(x.as_ref(), &w),
        Err(Error::NonFinite { .. })
    ));
    // Seeds of another width.
    assert!(matches!(
        MeanShift::new()
            .bandwidth(1.0)
            .seeds(Mat::zeros(2, 3))
            .fit(x.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn haversine_out_of_range_is_refused() {
    let x = Mat::from_fn(3, 2, |i, j| if i == 1 && j == 0 { 2.0 } else { 0.1 });
    let r = Dbscan::new()
        .eps(0.01)
        .metric(Metric::Haversine)
        .fit(x.as_ref());
    assert!(matches!(r, Err(Error::InvalidData { .. })), "{r:?}");
    let wide = Mat::<f64>::zeros(3, 3);
    let r = Dbscan::new()
        .eps(0.01)
        .metric(Metric::Haversine)
        .fit(wide.as_ref());
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
}

#[test]
fn identical_rows_have_no_bandwidth_to_estimate() {
    let x = Mat::from_fn(20, 2, |_, _| 3.0);
    assert!(matches!(
        MeanShift::new().fit(x.as_ref()),
        Err(Error::InvalidData { .. })
    ));
    // With a bandwidth they are one cluster.
    let model = MeanShift::new().bandwidth(1.0).fit(x.as_ref()).unwrap();
    assert_eq!(model.n_clusters(), 1);
}

#[test]
fn negative_weights_keep_neighbours_from_being_core() {
    // As scikit-learn: a negative weight counts against its neighbourhoods.
    let x = groups();
    let plain = Dbscan::new()
        .eps(1.0)
        .min_samples(4)
        .fit(x.as_ref())
        .unwrap();
    assert_eq!(plain.n_clusters(), 3);
    let mut w = vec![1.0; x.nrows()];
    w[0] = -5.0;
    let weighted = Dbscan::new()
        .eps(1.0)
        .min_samples(4)
        .fit_weighted(x.as_ref(), &w)
        .unwrap();
    assert_eq!(weighted.n_clusters(), 2);
    assert!(weighted.labels()[..4].iter().all(Option::is_none));
    // A row heavy enough is core on its own.
    let mut w = vec![1.0; x.nrows()];
    w[12] = 4.0;
    let lone = Dbscan::new()
        .eps(1.0)
        .min_samples(4)
        .fit_weighted(x.as_ref(), &w)
        .unwrap();
    assert_eq!(lone.labels()[12], Some(3));
}

#[test]
fn sparse_rows_cluster_as_dense_ones() {
    let x = groups();
    let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    let dense = Dbscan::new()
        .eps(1.0)
        .min_samples(3)
        .fit(x.as_ref())
        .unwrap();
    let sparse = Dbscan::new()
        .eps(1.0)
        .min_samples(3)
        .fit(csr.as_ref())
        .unwrap();
    assert_eq!(dense.labels(), sparse.labels());
    assert_eq!(
        dense.predict(x.as_ref()).unwrap(),
        sparse.predict(csr.as_ref()).unwrap()
    );
}

/// Random rows on a coarse grid (many equal distances) or spread out.
fn case() -> impl Strategy<Value = (Mat<f64>, f64, usize)> {
    (2usize..=3, 5usize..60, any::<bool>()).prop_flat_map(|(d, n, grid)| {
        let value = if grid {
            (0i32..6).prop_map(f64::from).boxed()
        } else {
            (-5.0f64..5.0).boxed()
        };
        (
            proptest::collection::vec(value, n * d),
            0.3f64..2.5,
            1usize..6,
        )
            .prop_map(move |(v, eps, m)| (Mat::from_fn(n, d, |i, j| v[i * d + j]), eps, m))
    })
}

/// Labels equal up to renumbering: the same partition and the same noise.
fn same_partition(a: &[Option<usize>], b: &[Option<usize>]) -> bool {
    let mut map = std::collections::HashMap::new();
    let mut back = std::collections::HashMap::new();
    a.iter().zip(b).all(|(x, y)| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) => *map.entry(x).or_insert(y) == y && *back.entry(y).or_insert(x) == x,
        _ => false,
    })
}

/// The connected components of the graph `i ~ j` when `d(i, j) ≤ eps`, numbered by
/// smallest row.
fn components(x: &Mat<f64>, eps: f64) -> Vec<Option<usize>> {
    let n = x.nrows();
    let mut label = vec![None; n];
    let mut next = 0;
    for s in 0..n {
        if label[s].is_some() {
            continue;
        }
        let mut stack = vec![s];
        label[s] = Some(next);
        while let Some(i) = stack.pop() {
            for j in 0..n {
                let d2: f64 = (0..x.ncols())
                    .map(|c| (x[(i, c)] - x[(j, c)]).powi(2))
                    .sum();
                if label[j].is_none() && d2.sqrt() <= eps {
                    label[j] = Some(next);
                    stack.push(j);
                }
            }
        }
        next += 1;
    }
    label
}

/// Prim's algorithm on the full mutual-reachability matrix: the spanning tree's weight.
fn brute_force_mst_weight(x: &Mat<f64>, core: &[f64]) -> f64 {
    let n = x.nrows();
    let w = |i: usize, j: usize| {
        let d: f64 = (0..x.ncols())
            .map(|c| (x[(i, c)] - x[(j, c)]).powi(2))
            .sum::<f64>()
            .sqrt();
        d.max(core[i]).max(core[j])
    };
    let mut best: Vec<f64> = (0..n).map(|j| w(0, j)).collect();
    let mut done = vec![false; n];
    done[0] = true;
    let mut total = 0.0;
    for _ in 1..n {
        let j = (0..n)
            .filter(|&j| !done[j])
            .min_by(|&a, &b| best[a].total_cmp(&best[b]))
            .unwrap();
        done[j] = true;
        total += best[j];
        for k in 0..n {
            if !done[k] {
                best[k] = best[k].min(w(j, k));
            }
        }
    }
    total
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dbscan_does_not_depend_on_row_order((x, eps, m) in case()) {
        let n = x.nrows();
        let a = Dbscan::new().eps(eps).min_samples(m).fit(x.as_ref()).unwrap();
        let rev = Mat::from_fn(n, x.ncols(), |i, j| x[(n - 1 - i, j)]);
        let b = Dbscan::new().eps(eps).min_samples(m).fit(rev.as_ref()).unwrap();
        let mut cores_b: Vec<usize> = b.core_sample_indices().iter().map(|&i| n - 1 - i).collect();
        cores_b.sort_unstable();
        prop_assert_eq!(a.core_sample_indices(), &cores_b[..]);
        // Core rows' clusters are a partition independent of order; border rows may
        // join another adjacent cluster, but are never noise in one order only.
        let lb: Vec<Option<usize>> = (0..n).map(|i| b.labels()[n - 1 - i]).collect();
        let cores: Vec<usize> = a.core_sample_indices().to_vec();
        let ca: Vec<Option<usize>> = cores.iter().map(|&i| a.labels()[i]).collect();
        let cb: Vec<Option<usize>> = cores.iter().map(|&i| lb[i]).collect();
        prop_assert!(same_partition(&ca, &cb));
        for (la, lb) in a.labels().iter().zip(&lb) {
            prop_assert_eq!(la.is_none(), lb.is_none());
        }
        prop_assert_eq!(a.n_clusters(), b.n_clusters());
    }

    #[test]
    fn dbscan_with_one_sample_gives_connected_components((x, eps, _m) in case()) {
        let model = Dbscan::new().eps(eps).min_samples(1).fit(x.as_ref()).unwrap();
        prop_assert_eq!(model.labels(), &components(&x, eps)[..]);
        prop_assert_eq!(model.core_sample_indices().len(), x.nrows());
    }

    #[test]
    fn dbscan_backends_agree_and_predict_gives_back_the_labels((x, eps, m) in case()) {
        let auto = Dbscan::new().eps(eps).min_samples(m).fit(x.as_ref()).unwrap();
        for algorithm in [Algorithm::KdTree, Algorithm::BallTree, Algorithm::Brute] {
            let other = Dbscan::new().eps(eps).min_samples(m).algorithm(algorithm).fit(x.as_ref()).unwrap();
            prop_assert_eq!(auto.labels(), other.labels(), "{:?}", algorithm);
        }
        // Unit weights take the streamed path: the same clusters.
        let ones = vec![1.0; x.nrows()];
        let weighted = Dbscan::new().eps(eps).min_samples(m).fit_weighted(x.as_ref(), &ones).unwrap();
        prop_assert_eq!(auto.labels(), weighted.labels());
        prop_assert_eq!(auto.core_sample_indices(), weighted.core_sample_indices());
        prop_assert_eq!(&auto.predict(x.as_ref()).unwrap()[..], auto.labels());
        let bytes = ml_core::persist::to_bytes(&auto).unwrap();
        let back: ml_cluster::DbscanModel = ml_core::persist::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.predict(x.as_ref()).unwrap(), auto.predict(x.as_ref()).unwrap());
    }

    #[test]
    fn hdbscan_spanning_tree_weighs_what_brute_force_s_does((x, _eps, m) in case()) {
        let m = m.min(x.nrows());
        let model = Hdbscan::new().min_cluster_size(2).min_samples(m).fit(x.as_ref()).unwrap();
        let core = model.core_distances();
        let total: f64 = model.minimum_spanning_tree().iter().map(|e| e.weight).sum();
        let want = brute_force_mst_weight(&x, core);
        prop_assert!((total - want).abs() <= 1e-9 * want.max(1.0), "{} vs {}", total, want);
        // Every backend and metric path finds a tree of the same weight.
        for algorithm in [Algorithm::Brute, Algorithm::KdTree] {
            let other = Hdbscan::new().min_cluster_size(2).min_samples(m).algorithm(algorithm).fit(x.as_ref()).unwrap();
            let t: f64 = other.minimum_spanning_tree().iter().map(|e| e.weight).sum();
            prop_assert!((t - want).abs() <= 1e-9 * want.max(1.0), "{:?}: {} vs {}", algorithm, t, want);
        }
        // Labels, probabilities and scores are in range; predictions give back labels.
        prop_assert!(model.probabilities().iter().chain(model.outlier_scores()).all(|p| (0.0..=1.0).contains(p)));
        // Noise has probability 0 (members may too, as in scikit-learn, where
        // duplicated rows make their cluster's densest point infinitely dense).
        for (l, p) in model.labels().iter().zip(model.probabilities()) {
            prop_assert!(l.is_some() || *p == 0.0);
        }
        // Predictions give back the labels of rows without an exact duplicate (copies
        // of one point may be labelled apart, and a query cannot tell them apart).
        let predicted = model.predict(x.as_ref()).unwrap();
        for i in 0..x.nrows() {
            let duplicated = (0..x.nrows()).any(|j| j != i && (0..x.ncols()).all(|c| x[(i, c)] == x[(j, c)]));
            if !duplicated {
                prop_assert_eq!(predicted[i], model.labels()[i], "row {}", i);
            }
        }
        let bytes = ml_core::persist::to_bytes(&model).unwrap();
        let back: ml_cluster::HdbscanModel = ml_core::persist::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.labels(), model.labels());
    }

    #[test]
    fn mean_shift_labels_rows_by_their_nearest_mode((x, eps, _m) in case()) {
        let model = MeanShift::new().bandwidth(eps).fit(x.as_ref()).unwrap();
        let labels: Vec<Option<usize>> = model.predict(x.as_ref()).unwrap().into_iter().map(Some).collect();
        prop_assert_eq!(&labels[..], model.labels());
        let bytes = ml_core::persist::to_bytes(&model).unwrap();
        let back: ml_cluster::MeanShiftModel = ml_core::persist::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.cluster_centers(), model.cluster_centers());
        // Modes are more than a bandwidth apart.
        let c = model.cluster_centers();
        for i in 0..c.nrows() {
            for j in 0..i {
                let d2: f64 = (0..c.ncols()).map(|k| (c[(i, k)] - c[(j, k)]).powi(2)).sum();
                prop_assert!(d2.sqrt() > eps);
            }
        }
    }
}
