//! Criterion bench of t-SNE (issue 19) on the digits (1 797 × 64): a default fit,
//! Barnes–Hut at angle 0.5, 1 000 iterations, from the PCA start.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_decomp::Tsne;

fn tsne_digits(c: &mut Criterion) {
    let digits = ml_core::datasets::load_digits().expect("digits");
    let mut g = c.benchmark_group("tsne_digits");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("fit", |b| {
        b.iter(|| black_box(Tsne::new().fit(digits.data.as_ref()).unwrap()))
    });
    g.finish();
}

fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    tsne_digits(&mut c);
}

criterion_main!(benches);
