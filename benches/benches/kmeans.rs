//! Criterion benches of `ml_cluster`'s k-means on the workloads of issue 6: Lloyd and
//! Elkan on 200 000 × 20 blobs (k = 8), mini-batch k-means on 1 000 000 × 20, and the
//! colour quantisation of china.jpg-sized pixel data to 64 colours (fit on 10 000
//! pixels, predict 273 280).
//!
//! The inputs are seeded synthetic data of the workloads' shapes (blobs around random
//! centres; pixels around 40 hues), so the benches need no files.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_cluster::{KMeans, KMeansAlgorithm, MiniBatchKMeans};
use ml_core::faer::Mat;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// `n` points around `k` centres drawn in `[-10, 10]^d`, unit spread.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let centres: Vec<f64> = (0..k * d).map(|_| rng.random_range(-10.0..10.0)).collect();
    let mut x = Mat::<f64>::zeros(n, d);
    for i in 0..n {
        let c = i % k;
        for j in 0..d {
            let e: f64 = StandardNormal.sample(&mut rng);
            x[(i, j)] = centres[c * d + j] + e;
        }
    }
    x
}

/// `n` RGB pixels in `[0, 1]` around 40 hues.
fn pixels(n: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let hues: Vec<f64> = (0..40 * 3).map(|_| rng.random_range(0.0..1.0)).collect();
    let mut x = Mat::<f64>::zeros(n, 3);
    for i in 0..n {
        let h = rng.random_range(0..40);
        for j in 0..3 {
            let e: f64 = StandardNormal.sample(&mut rng);
            x[(i, j)] = (hues[h * 3 + j] + 0.05 * e).clamp(0.0, 1.0);
        }
    }
    x
}

fn full(c: &mut Criterion) {
    let x = blobs(200_000, 20, 8, 0);
    let mut g = c.benchmark_group("kmeans_200k_20_k8");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, algorithm) in [
        ("lloyd", KMeansAlgorithm::Lloyd),
        ("elkan", KMeansAlgorithm::Elkan),
    ] {
        let est = KMeans::new(8).seed(0).algorithm(algorithm);
        g.bench_function(name, |b| b.iter(|| black_box(est.fit(x.as_ref()).unwrap())));
    }
    g.finish();
}

fn minibatch(c: &mut Criterion) {
    let x = blobs(1_000_000, 20, 8, 1);
    let mut g = c.benchmark_group("minibatch_kmeans_1m_20_k8");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let est = MiniBatchKMeans::new(8).seed(0);
    g.bench_function("fit", |b| {
        b.iter(|| black_box(est.fit(x.as_ref()).unwrap()))
    });
    g.finish();
}

fn quantize(c: &mut Criterion) {
    let all = pixels(273_280, 2);
    let sample = Mat::from_fn(10_000, 3, |i, j| all[(i * 27, j)]);
    let mut g = c.benchmark_group("quantize_64");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let est = KMeans::new(64).seed(0).n_init(1);
    g.bench_function("fit_10k", |b| {
        b.iter(|| black_box(est.fit(sample.as_ref()).unwrap()))
    });
    let model = est.fit(sample.as_ref()).unwrap();
    g.bench_function("predict_273k", |b| {
        b.iter(|| black_box(model.predict(all.as_ref()).unwrap()))
    });
    g.finish();
}

/// Runs every group with a short warm-up (2-core machines, large inputs).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    full(&mut c);
    minibatch(&mut c);
    quantize(&mut c);
}

criterion_main!(benches);
