//! Criterion benches of `ml_supervised`'s forests on issue 15's size: 100 trees on
//! 100 000 × 20 (three classes, each a shifted Gaussian cloud), random forest and extra
//! trees, and prediction of 20 000 rows with the random forest.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_benches::datasets::gaussian_classes;
use ml_supervised::ensemble::{ExtraTreesClassifier, RandomForestClassifier};

fn forests(c: &mut Criterion) {
    let (n, d, k) = (100_000, 20, 3);
    let (x, y) = gaussian_classes(n, d, k, 0);
    let test = x.subrows(0, 20_000);

    let forest = RandomForestClassifier::new();
    let model = forest.fit(x.as_ref(), &y).unwrap();
    let mut g = c.benchmark_group("random_forest_100x_100000x20");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function("fit", |b| {
        b.iter(|| black_box(forest.fit(x.as_ref(), &y).unwrap()))
    });
    g.bench_function("predict_20000", |b| {
        b.iter(|| black_box(model.predict(test).unwrap()))
    });
    g.finish();

    let extra = ExtraTreesClassifier::new();
    let mut g = c.benchmark_group("extra_trees_100x_100000x20");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function("fit", |b| {
        b.iter(|| black_box(extra.fit(x.as_ref(), &y).unwrap()))
    });
    g.finish();
}

/// Runs every group with a short warm-up (2-core machines).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    forests(&mut c);
}

criterion_main!(benches);
