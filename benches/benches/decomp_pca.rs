//! Criterion benches of `ml_decomp`'s PCA solvers, incremental PCA, truncated SVD, LSA
//! and the recommender, on the shapes of the comparison runner's workloads
//! (`pca_*_100k_100_k10`, `tsvd_sparse_*`) scaled to run in seconds: a tall dense
//! matrix with a geometric spectrum, a uniform random CSR matrix at 1% density, the
//! SMS messages and generated ratings.

use criterion::{Criterion, criterion_main};
use ml_core::datasets::load_sms_spam;
use ml_core::faer::Mat;
use ml_core::sparse::{self, Csr};
use ml_decomp::incremental_pca::IncrementalPca;
use ml_decomp::lsa::Lsa;
use ml_decomp::pca::{Pca, PcaSolver};
use ml_decomp::recommender::{Recommender, synthetic_ratings};
use ml_decomp::truncated_svd::TruncatedSvd;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use std::time::Duration;

/// `n × d` with column `j` scaled by `exp(−0.7·j)` (well-separated variances).
fn decaying(n: usize, d: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut out = Mat::<f64>::zeros(n, d);
    for j in 0..d {
        let s = (-0.7 * j as f64).exp();
        for i in 0..n {
            let g: f64 = StandardNormal.sample(&mut rng);
            out[(i, j)] = g * s;
        }
    }
    out
}

fn random_csr(m: usize, n: usize, density: f64, seed: u64) -> Csr {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let nnz = (m as f64 * n as f64 * density) as usize;
    let trip: Vec<(usize, usize, f64)> = (0..nnz)
        .map(|_| {
            (
                rng.random_range(0..m),
                rng.random_range(0..n),
                rng.random::<f64>(),
            )
        })
        .collect();
    sparse::csr_from_triplets(m, n, &trip).expect("valid triplets")
}

fn pca(c: &mut Criterion) {
    let x = decaying(100_000, 100, 1);
    let mut g = c.benchmark_group("pca_100000x100_k10");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    for (name, solver) in [
        ("full", PcaSolver::Full),
        ("covariance_eigh", PcaSolver::CovarianceEigh),
        ("randomized", PcaSolver::Randomized),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(Pca::new(10).solver(solver).fit(x.as_ref()).unwrap()))
        });
    }
    let model = Pca::new(10).fit(x.as_ref()).unwrap();
    g.bench_function("transform", |b| {
        b.iter(|| black_box(model.transform(x.as_ref()).unwrap()))
    });
    g.finish();
}

fn incremental(c: &mut Criterion) {
    let x = decaying(100_000, 100, 3);
    let mut g = c.benchmark_group("incremental_pca_100000x100_k10");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("fit_batches_of_1000", |b| {
        b.iter(|| {
            black_box(
                IncrementalPca::new()
                    .n_components(10)
                    .batch_size(1000)
                    .fit(x.as_ref())
                    .unwrap(),
            )
        })
    });
    g.finish();
}

fn text_and_ratings(c: &mut Criterion) {
    let texts = load_sms_spam().unwrap().texts;
    let ratings = synthetic_ratings(5000, 2000, 4).unwrap();
    let mut g = c.benchmark_group("lsa_and_recommender");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("lsa_sms_100_concepts", |b| {
        b.iter(|| black_box(Lsa::new(100).fit(&texts).unwrap()))
    });
    g.bench_function("recommender_5000x2000_k20", |b| {
        b.iter(|| black_box(Recommender::new(20).fit(ratings.as_ref()).unwrap()))
    });
    g.finish();
}

fn tsvd(c: &mut Criterion) {
    let a = random_csr(20_000, 10_000, 0.01, 2);
    let mut g = c.benchmark_group("tsvd_csr_20000x10000_1pct_k100");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("randomized", |b| {
        b.iter(|| black_box(TruncatedSvd::new(100).fit(a.as_ref()).unwrap()))
    });
    g.finish();
}

fn benches() {
    let mut c = Criterion::default().configure_from_args();
    pca(&mut c);
    incremental(&mut c);
    tsvd(&mut c);
    text_and_ratings(&mut c);
}

criterion_main!(benches);
