//! Criterion benches of `ml_supervised`'s CART trees on the sizes of issue 14: an
//! unlimited classification tree on 100 000 × 20 (three classes, each a shifted Gaussian
//! cloud), an unlimited regression tree on 100 000 × 20 (a noisy sum of sines), a C4.5
//! tree on the same classification data and on the German credit data (categorical
//! features, J48's defaults), and prediction of 20 000 rows with each.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_benches::datasets::gaussian_classes;
use ml_core::datasets::load_arff;
use ml_supervised::tree::{C45Classifier, DecisionTreeClassifier, DecisionTreeRegressor};

fn trees(c: &mut Criterion) {
    let (n, d, k) = (100_000, 20, 3);
    let (x, y) = gaussian_classes(n, d, k, 0);
    let target: Vec<f64> = (0..n)
        .map(|i| {
            (0..d)
                .map(|j| (x[(i, j)] * (j + 1) as f64).sin())
                .sum::<f64>()
        })
        .collect();
    let test = x.subrows(0, 20_000);

    let clf = DecisionTreeClassifier::new();
    let model = clf.fit(x.as_ref(), &y).unwrap();
    let mut g = c.benchmark_group("decision_tree_classifier_100000x20");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("fit", |b| {
        b.iter(|| black_box(clf.fit(x.as_ref(), &y).unwrap()))
    });
    g.bench_function("predict_20000", |b| {
        b.iter(|| black_box(model.predict(test).unwrap()))
    });
    g.finish();

    let c45 = C45Classifier::new();
    let model = c45.fit(x.as_ref(), &y).unwrap();
    let mut g = c.benchmark_group("c45_100000x20");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("fit", |b| {
        b.iter(|| black_box(c45.fit(x.as_ref(), &y).unwrap()))
    });
    g.bench_function("predict_20000", |b| {
        b.iter(|| black_box(model.predict(test).unwrap()))
    });
    g.finish();

    let credit = load_arff("credit-g").unwrap();
    let c45 = C45Classifier::new().categorical_features(credit.categorical_features());
    let mut g = c.benchmark_group("c45_credit_g");
    g.bench_function("fit", |b| {
        b.iter(|| black_box(c45.fit(credit.data.as_ref(), &credit.target).unwrap()))
    });
    g.finish();

    let reg = DecisionTreeRegressor::new();
    let model = reg.fit(x.as_ref(), &target).unwrap();
    let mut g = c.benchmark_group("decision_tree_regressor_100000x20");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("fit", |b| {
        b.iter(|| black_box(reg.fit(x.as_ref(), &target).unwrap()))
    });
    g.bench_function("predict_20000", |b| {
        b.iter(|| black_box(model.predict(test).unwrap()))
    });
    g.finish();
}

/// Runs every group with a short warm-up (2-core machines).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    trees(&mut c);
}

criterion_main!(benches);
