//! Criterion benches of `ml_supervised`'s histogram gradient boosting on issue 15's
//! size: 100 iterations of 31 leaves on 100 000 × 20 (two and five classes, each a
//! shifted Gaussian cloud; no early stopping), and prediction of 20 000 rows.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_benches::datasets::gaussian_classes;
use ml_supervised::ensemble::{EarlyStopping, HistGradientBoostingClassifier};

fn boosting(c: &mut Criterion) {
    let booster = HistGradientBoostingClassifier::new().early_stopping(EarlyStopping::Off);
    for k in [2, 5] {
        let (x, y) = gaussian_classes(100_000, 20, k, 0);
        let test = x.subrows(0, 20_000);
        let model = booster.fit(x.as_ref(), &y).unwrap();
        let mut g = c.benchmark_group(format!("hist_gradient_boosting_{k}_classes_100000x20"));
        g.sample_size(10).measurement_time(Duration::from_secs(30));
        g.bench_function("fit", |b| {
            b.iter(|| black_box(booster.fit(x.as_ref(), &y).unwrap()))
        });
        g.bench_function("predict_20000", |b| {
            b.iter(|| black_box(model.predict(test).unwrap()))
        });
        g.finish();
    }
}

/// Runs every group with a short warm-up (2-core machines).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    boosting(&mut c);
}

criterion_main!(benches);
