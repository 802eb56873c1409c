//! The nearest-neighbour estimators: the conformance battery, bad input, and the
//! index's invariants (every backend agrees with brute force for every metric, answers
//! do not depend on row order beyond ties, saved indexes answer alike).

use std::sync::Arc;

use faer::Mat;
use ml_cluster::neighbors::{
    Algorithm, IndexSettings, KNeighborsClassifier, KNeighborsRegressor, Metric, NearestNeighbors,
    NeighborIndex, OutlierLabel, RadiusNeighborsClassifier, RadiusNeighborsRegressor, Weights,
};
use ml_core::Error;
use ml_core::testing::{Check, run_classifier, run_regressor};
use proptest::prelude::*;

fn iris() -> (Mat<f64>, Vec<usize>) {
    let d = ml_core::datasets::load_iris().expect("iris");
    (d.data, d.target)
}

fn iris_regression() -> (Mat<f64>, Vec<f64>) {
    let (x, y) = iris();
    let t = (0..x.nrows())
        .map(|i| y[i] as f64 + 0.1 * x[(i, 0)])
        .collect();
    (x, t)
}

ml_core::conformance_tests!(
    knn_clf,
    probabilistic_classifier,
    KNeighborsClassifier::new,
    iris()
);
ml_core::conformance_tests!(
    knn_clf_distance,
    probabilistic_classifier,
    || KNeighborsClassifier::new()
        .weights(Weights::Distance)
        .algorithm(Algorithm::BallTree),
    iris()
);
ml_core::conformance_tests!(
    knn_clf_brute_manhattan,
    probabilistic_classifier,
    || KNeighborsClassifier::new()
        .n_neighbors(7)
        .metric(Metric::Manhattan)
        .algorithm(Algorithm::Brute),
    iris()
);
ml_core::conformance_tests!(
    knn_reg,
    regressor,
    KNeighborsRegressor::new,
    iris_regression()
);
ml_core::conformance_tests!(
    knn_reg_distance,
    regressor,
    || KNeighborsRegressor::new()
        .weights(Weights::Distance)
        .metric(Metric::Minkowski(3.0)),
    iris_regression()
);
ml_core::conformance_tests!(
    radius_clf,
    probabilistic_classifier,
    || RadiusNeighborsClassifier::new()
        .radius(0.8)
        .outlier_label(Some(OutlierLabel::MostFrequent)),
    iris()
);
ml_core::conformance_tests!(
    radius_reg,
    regressor,
    || RadiusNeighborsRegressor::new()
        .radius(0.8)
        .weights(Weights::Distance),
    iris_regression()
);

#[test]
fn nearest_neighbors_models_survive_altered_files() {
    let (x, _) = iris();
    let model = NearestNeighbors::new().fit(x.as_ref()).expect("fit");
    ml_core::testing::check_altered_model_files(&model, |m| {
        let _ = m.kneighbors(x.as_ref());
        let _ = m.radius_neighbors_graph(x.as_ref(), true);
    });
    let bytes = ml_core::persist::to_bytes(&model).expect("save");
    let back: ml_cluster::NearestNeighborsModel =
        ml_core::persist::from_bytes(&bytes).expect("load");
    assert_eq!(
        back.kneighbors(x.as_ref()).unwrap(),
        model.kneighbors(x.as_ref()).unwrap()
    );
}

#[test]
fn counts_at_usize_max_are_refused_or_bounded() {
    let (x, y) = iris();
    let (_, t) = iris_regression();
    run_classifier(
        Check::FitsOrRefuses,
        || KNeighborsClassifier::new().n_neighbors(usize::MAX),
        x.as_ref(),
        &y,
    )
    .unwrap();
    run_classifier(
        Check::FitsOrRefuses,
        || {
            KNeighborsClassifier::new()
                .leaf_size(usize::MAX)
                .algorithm(Algorithm::BallTree)
        },
        x.as_ref(),
        &y,
    )
    .unwrap();
    run_regressor(
        Check::FitsOrRefuses,
        || KNeighborsRegressor::new().n_neighbors(usize::MAX),
        x.as_ref(),
        &t,
    )
    .unwrap();
    run_regressor(
        Check::FitsOrRefuses,
        || RadiusNeighborsRegressor::new().radius(f64::MAX),
        x.as_ref(),
        &t,
    )
    .unwrap();
}

#[test]
fn bad_input_is_a_typed_error() {
    let (x, y) = iris();
    let invalid = |r: Result<(), Error>, name: &str| match r {
        Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
        other => panic!("{name}: {other:?}"),
    };
    invalid(
        KNeighborsClassifier::new()
            .n_neighbors(0)
            .fit(x.as_ref(), &y)
            .map(|_| ()),
        "n_neighbors",
    );
    invalid(
        KNeighborsClassifier::new()
            .n_neighbors(151)
            .fit(x.as_ref(), &y)
            .map(|_| ()),
        "n_neighbors",
    );
    for r in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        invalid(
            RadiusNeighborsRegressor::new()
                .radius(r)
                .fit(x.as_ref(), &[0.0; 150])
                .map(|_| ()),
            "radius",
        );
    }
    invalid(
        KNeighborsClassifier::new()
            .metric(Metric::Minkowski(0.5))
            .fit(x.as_ref(), &y)
            .map(|_| ()),
        "metric",
    );
    invalid(
        KNeighborsClassifier::new()
            .metric(Metric::Cosine)
            .algorithm(Algorithm::KdTree)
            .fit(x.as_ref(), &y)
            .map(|_| ()),
        "algorithm",
    );
    invalid(
        NearestNeighbors::new()
            .leaf_size(0)
            .fit(x.as_ref())
            .map(|_| ()),
        "leaf_size",
    );
    // Haversine: two columns of radians in range.
    assert!(matches!(
        NearestNeighbors::new()
            .metric(Metric::Haversine)
            .fit(x.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    let degrees = Mat::from_fn(10, 2, |i, j| if j == 0 { 45.0 } else { i as f64 });
    assert!(matches!(
        NearestNeighbors::new()
            .metric(Metric::Haversine)
            .fit(degrees.as_ref()),
        Err(Error::InvalidData { .. })
    ));
    let radians = Mat::from_fn(10, 2, |i, j| if j == 0 { 0.1 * i as f64 } else { 0.2 });
    let model = NearestNeighbors::new()
        .metric(Metric::Haversine)
        .fit(radians.as_ref())
        .unwrap();
    assert!(matches!(
        model.kneighbors(degrees.as_ref()),
        Err(Error::InvalidData { .. })
    ));
    // A query of the wrong width, NaN and infinity.
    let model = KNeighborsClassifier::new().fit(x.as_ref(), &y).unwrap();
    assert!(matches!(
        model.predict(Mat::<f64>::zeros(2, 3).as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut q = Mat::<f64>::zeros(2, 4);
    q[(1, 2)] = f64::NAN;
    assert!(matches!(
        model.predict(q.as_ref()),
        Err(Error::NonFinite { row: 1, col: 2, .. })
    ));
    q[(1, 2)] = f64::NEG_INFINITY;
    assert!(matches!(
        model.predict(q.as_ref()),
        Err(Error::NonFinite { .. })
    ));
    // A radius classifier without an outlier label refuses rows without neighbours.
    let model = RadiusNeighborsClassifier::new()
        .radius(0.5)
        .fit(x.as_ref(), &y)
        .unwrap();
    let far = Mat::from_fn(1, 4, |_, _| 100.0);
    assert!(matches!(
        model.predict(far.as_ref()),
        Err(Error::InvalidData { .. })
    ));
    // A custom weight function that misbehaves.
    let model = KNeighborsRegressor::new()
        .weights(Weights::Custom(Arc::new(|d: &[f64]| {
            vec![f64::NAN; d.len()]
        })))
        .fit(x.as_ref(), &[1.0; 150])
        .unwrap();
    assert!(matches!(
        model.predict(x.as_ref()),
        Err(Error::InvalidData { .. })
    ));
    assert!(ml_core::persist::to_bytes(&model).is_err());
}

#[test]
fn outlier_labels_follow_scikit_learn() {
    let x = Mat::from_fn(4, 1, |i, _| [0.0, 0.5, 1.0, 5.0][i]);
    let y = [2, 2, 7, 7];
    let far = Mat::from_fn(1, 1, |_, _| 50.0);
    let most = RadiusNeighborsClassifier::new()
        .outlier_label(Some(OutlierLabel::MostFrequent))
        .fit(x.as_ref(), &y)
        .unwrap();
    // Equal counts: the smallest class.
    assert_eq!(most.predict(far.as_ref()).unwrap(), vec![2]);
    assert_eq!(most.predict_proba(far.as_ref()).unwrap()[(0, 0)], 1.0);
    let unseen = RadiusNeighborsClassifier::new()
        .outlier_label(Some(OutlierLabel::Label(-1)))
        .fit(x.as_ref(), &y)
        .unwrap();
    assert_eq!(unseen.predict(far.as_ref()).unwrap(), vec![-1]);
    let p = unseen.predict_proba(far.as_ref()).unwrap();
    assert_eq!((p[(0, 0)], p[(0, 1)]), (0.0, 0.0));
}

#[test]
fn sparse_rows_give_the_dense_answers() {
    let (x, _) = iris();
    let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    for metric in [
        Metric::Euclidean,
        Metric::Manhattan,
        Metric::Chebyshev,
        Metric::Minkowski(1.5),
        Metric::Cosine,
    ] {
        let dense = NearestNeighbors::new()
            .metric(metric)
            .fit(x.as_ref())
            .unwrap();
        let sparse = NearestNeighbors::new().metric(metric).fit(&csr).unwrap();
        assert_eq!(sparse.index().algorithm(), Algorithm::Brute);
        assert_eq!(
            sparse.kneighbors(&csr).unwrap(),
            dense.kneighbors(x.as_ref()).unwrap(),
            "{metric:?}"
        );
        assert_eq!(
            sparse.kneighbors(x.as_ref()).unwrap(),
            dense.kneighbors(&csr).unwrap(),
            "{metric:?}"
        );
        assert_eq!(
            sparse.radius_neighbors(&csr).unwrap(),
            dense.radius_neighbors(x.as_ref()).unwrap(),
            "{metric:?}"
        );
    }
}

const METRICS: [Metric; 7] = [
    Metric::Euclidean,
    Metric::SquaredEuclidean,
    Metric::Manhattan,
    Metric::Chebyshev,
    Metric::Minkowski(1.5),
    Metric::Minkowski(3.0),
    Metric::Cosine,
];

/// Random rows in `d` dimensions, some on a coarse grid (exact ties) and some not.
fn rows(n: usize, d: usize) -> impl Strategy<Value = Mat<f64>> {
    prop::collection::vec(
        prop_oneof![(-3i8..=3).prop_map(f64::from), -10.0..10.0f64],
        n * d,
    )
    .prop_map(move |v| Mat::from_fn(n, d, |i, j| v[i * d + j]))
}

fn case() -> impl Strategy<Value = (Mat<f64>, Mat<f64>, usize, f64, usize)> {
    (1usize..=20, 2usize..60, 1usize..12)
        .prop_flat_map(|(d, n, m)| (rows(n, d), rows(m, d), 1..=n, 0.5..12.0f64, 1usize..40))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_backend_equals_brute_force((x, q, k, r, leaf) in case()) {
        for metric in METRICS {
            let brute = NeighborIndex::build(x.as_ref(), &IndexSettings::default().metric(metric).algorithm(Algorithm::Brute)).unwrap();
            let want = brute.kneighbors(q.as_ref(), k).unwrap();
            let want_r = brute.radius_neighbors(q.as_ref(), r).unwrap();
            let algorithms: &[Algorithm] = if metric == Metric::Cosine {
                &[Algorithm::Auto]
            } else {
                &[Algorithm::Auto, Algorithm::KdTree, Algorithm::BallTree]
            };
            for &algorithm in algorithms {
                let s = IndexSettings::default().metric(metric).algorithm(algorithm).leaf_size(leaf);
                let index = NeighborIndex::build(x.as_ref(), &s).unwrap();
                prop_assert_eq!(&index.kneighbors(q.as_ref(), k).unwrap(), &want, "{:?} {:?}", metric, algorithm);
                prop_assert_eq!(&index.radius_neighbors(q.as_ref(), r).unwrap(), &want_r, "{:?} {:?}", metric, algorithm);
            }
        }
    }

    #[test]
    fn row_order_changes_only_the_indices((x, q, k, _r, _leaf) in case()) {
        let n = x.nrows();
        // Reversed rows: the same distances; indices map back, up to order among ties.
        let rev = Mat::from_fn(n, x.ncols(), |i, j| x[(n - 1 - i, j)]);
        let a = NeighborIndex::build(x.as_ref(), &IndexSettings::default()).unwrap();
        let b = NeighborIndex::build(rev.as_ref(), &IndexSettings::default()).unwrap();
        let (fa, fb) = (a.kneighbors(q.as_ref(), k).unwrap(), b.kneighbors(q.as_ref(), k).unwrap());
        prop_assert_eq!(fa.all_distances(), fb.all_distances());
        for i in 0..q.nrows() {
            let kth = fa.distances(i)[k - 1];
            let mut ia: Vec<usize> = fa.indices(i).iter().zip(fa.distances(i)).filter(|(_, d)| **d < kth).map(|(j, _)| *j).collect();
            let mut ib: Vec<usize> = fb.indices(i).iter().zip(fb.distances(i)).filter(|(_, d)| **d < kth).map(|(j, _)| n - 1 - *j).collect();
            ia.sort_unstable();
            ib.sort_unstable();
            prop_assert_eq!(ia, ib);
        }
    }

    #[test]
    fn saved_indexes_answer_alike((x, q, k, r, _leaf) in case(), metric in prop::sample::select(METRICS.to_vec())) {
        let index = NeighborIndex::build(x.as_ref(), &IndexSettings::default().metric(metric)).unwrap();
        let bytes = ml_core::persist::to_bytes(&index).unwrap();
        let back: NeighborIndex = ml_core::persist::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.algorithm(), index.algorithm());
        prop_assert_eq!(back.kneighbors(q.as_ref(), k).unwrap(), index.kneighbors(q.as_ref(), k).unwrap());
        prop_assert_eq!(back.radius_neighbors(q.as_ref(), r).unwrap(), index.radius_neighbors(q.as_ref(), r).unwrap());
    }
}

#[test]
fn haversine_trees_equal_brute_force() {
    use rand::Rng;
    let mut rng = ml_core::rng::seeded(11);
    let mut pts = |n: usize| {
        Mat::from_fn(n, 2, |_, j| {
            if j == 0 {
                rng.random_range(-1.5..1.5)
            } else {
                rng.random_range(-3.1..3.1)
            }
        })
    };
    let (x, q) = (pts(500), pts(40));
    let brute = NeighborIndex::build(
        x.as_ref(),
        &IndexSettings::default()
            .metric(Metric::Haversine)
            .algorithm(Algorithm::Brute),
    )
    .unwrap();
    let ball = NeighborIndex::build(
        x.as_ref(),
        &IndexSettings::default().metric(Metric::Haversine),
    )
    .unwrap();
    assert_eq!(ball.algorithm(), Algorithm::BallTree);
    assert_eq!(
        ball.kneighbors(q.as_ref(), 6).unwrap(),
        brute.kneighbors(q.as_ref(), 6).unwrap()
    );
    assert_eq!(
        ball.radius_neighbors(q.as_ref(), 0.3).unwrap(),
        brute.radius_neighbors(q.as_ref(), 0.3).unwrap()
    );
}
