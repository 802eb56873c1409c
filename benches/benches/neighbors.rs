//! Criterion benches of the neighbour index on issue 16's workloads: a k-d tree over
//! 100 000 × 8 rows answering 10 000 5-NN queries, brute force for 6 000 queries against
//! 24 000 × 64 rows, and 100 000 radius queries against 1 000 000 points in the unit
//! cube (r = 0.015), each as build and query.
//!
//! The inputs are seeded synthetic data of the workloads' shapes, so the benches need no
//! files.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_cluster::neighbors::{Algorithm, IndexSettings, NeighborIndex};
use ml_core::faer::Mat;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// `n` rows of `d` Gaussian features around `k` centres (a classification-like cloud).
fn cloud(n: usize, d: usize, k: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let centres: Vec<f64> = (0..k * d).map(|_| rng.random_range(-2.0..2.0)).collect();
    Mat::from_fn(n, d, |i, j| {
        let e: f64 = StandardNormal.sample(&mut rng);
        centres[(i % k) * d + j] + e
    })
}

fn uniform(n: usize, d: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    Mat::from_fn(n, d, |_, _| rng.random_range(0.0..1.0))
}

/// A group `name`: building the index over `x`, and `query` with the queries `q`.
fn bench(
    c: &mut Criterion,
    name: &str,
    x: &Mat<f64>,
    q: &Mat<f64>,
    algorithm: Algorithm,
    query: impl Fn(&NeighborIndex, &Mat<f64>),
) {
    let settings = IndexSettings::default().algorithm(algorithm);
    let index = NeighborIndex::build(x.as_ref(), &settings).unwrap();
    let mut g = c.benchmark_group(name);
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("build", |b| {
        b.iter(|| black_box(NeighborIndex::build(x.as_ref(), &settings).unwrap()))
    });
    g.bench_function("query", |b| b.iter(|| query(&index, q)));
    g.finish();
}

fn kd_tree(c: &mut Criterion) {
    let (x, q) = (cloud(100_000, 8, 8, 0), cloud(10_000, 8, 8, 1));
    bench(
        c,
        "knn_kdtree_100k_8_k5",
        &x,
        &q,
        Algorithm::KdTree,
        |index, q| {
            black_box(index.kneighbors(q.as_ref(), 5).unwrap());
        },
    );
}

fn brute(c: &mut Criterion) {
    let (x, q) = (cloud(24_000, 64, 20, 2), cloud(6_000, 64, 20, 3));
    bench(
        c,
        "knn_brute_24k_64_k5",
        &x,
        &q,
        Algorithm::Brute,
        |index, q| {
            black_box(index.kneighbors(q.as_ref(), 5).unwrap());
        },
    );
}

fn radius(c: &mut Criterion) {
    let (x, q) = (uniform(1_000_000, 3, 4), uniform(100_000, 3, 5));
    bench(
        c,
        "radius_kdtree_1m_3",
        &x,
        &q,
        Algorithm::KdTree,
        |index, q| {
            black_box(index.radius_neighbors(q.as_ref(), 0.015).unwrap());
        },
    );
}

/// Runs every group with a short warm-up (2-core machines, large inputs).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    kd_tree(&mut c);
    brute(&mut c);
    radius(&mut c);
}

criterion_main!(benches);
