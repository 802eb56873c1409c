//! Criterion benches of the density clustering on issue 17's shapes: DBSCAN on 200 000
//! 2-D points in 7 blobs of standard deviation 0.5 (eps 0.1, min_samples 10: hundreds
//! of neighbours per row), HDBSCAN on 50 000 2-D points in 5 such blobs
//! (min_cluster_size 25) and mean-shift on 10 000 2-D points in 3 blobs with every row
//! a seed (bandwidth 1).
//!
//! The inputs are seeded synthetic data of the workloads' shapes, so the benches need no
//! files.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_cluster::{Dbscan, Hdbscan, MeanShift};
use ml_core::faer::Mat;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// `n` 2-D rows around `k` centres drawn in `[-box, box]²`, with standard deviation `std`.
fn blobs(n: usize, k: usize, half_box: f64, std: f64, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let centres: Vec<f64> = (0..k * 2)
        .map(|_| rng.random_range(-half_box..half_box))
        .collect();
    Mat::from_fn(n, 2, |i, j| {
        let e: f64 = StandardNormal.sample(&mut rng);
        centres[(i % k) * 2 + j] + std * e
    })
}

fn dbscan(c: &mut Criterion) {
    let x = blobs(200_000, 7, 10.0, 0.5, 0);
    let mut g = c.benchmark_group("dbscan_blobs2d_200k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let est = Dbscan::new().eps(0.1).min_samples(10);
    g.bench_function("fit", |b| {
        b.iter(|| black_box(est.fit(x.as_ref()).unwrap()))
    });
    g.finish();
}

fn hdbscan(c: &mut Criterion) {
    let x = blobs(50_000, 5, 10.0, 0.5, 2);
    let mut g = c.benchmark_group("hdbscan_blobs2d_50k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let est = Hdbscan::new().min_cluster_size(25);
    g.bench_function("fit", |b| {
        b.iter(|| black_box(est.fit(x.as_ref()).unwrap()))
    });
    g.finish();
}

fn mean_shift(c: &mut Criterion) {
    let x = blobs(10_000, 3, 1.5, 0.6, 1);
    let mut g = c.benchmark_group("meanshift_blobs2d_10k_seeds");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let est = MeanShift::new().bandwidth(1.0);
    g.bench_function("fit", |b| {
        b.iter(|| black_box(est.fit(x.as_ref()).unwrap()))
    });
    g.finish();
}

fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    dbscan(&mut c);
    hdbscan(&mut c);
    mean_shift(&mut c);
}

criterion_main!(benches);
