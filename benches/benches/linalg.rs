//! Criterion benches of `ml_core::linalg` and the CSR products: blocked distances against
//! faer's raw GEMM on the same shapes, randomized SVD of a tall dense matrix, the sparse
//! products (scatter vs. transpose-then-gather for `Aᵀ·M`) and least squares.
//!
//! Throughput for the distance benches is in flops (`2·n·m·d`), so criterion's
//! "elem/s" reads as flop/s.

use criterion::{Criterion, Throughput, criterion_main};
use ml_core::faer::linalg::matmul::matmul;
use ml_core::faer::{Accum, Mat, Par};
use ml_core::linalg::{
    RandomizedSvd, argmin_squared_euclidean, lstsq, lstsq_qr, squared_euclidean,
    squared_euclidean_into,
};
use ml_core::sparse::{self, Csr};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use std::time::Duration;

fn gaussian(m: usize, n: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut out = Mat::<f64>::zeros(m, n);
    for j in 0..n {
        for i in 0..m {
            out[(i, j)] = StandardNormal.sample(&mut rng);
        }
    }
    out
}

fn random_csr(m: usize, n: usize, nnz: usize, seed: u64) -> Csr {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
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

fn distances(c: &mut Criterion) {
    let (n, m, d) = (20_000usize, 1_000usize, 32usize);
    let x = gaussian(n, d, 1);
    let y = gaussian(m, d, 2);
    let mut g = c.benchmark_group("distances_20000x1000x32");
    g.throughput(Throughput::Elements((2 * n * m * d) as u64));
    g.sample_size(10);
    g.bench_function("faer_matmul_raw", |b| {
        let mut out = Mat::<f64>::zeros(n, m);
        b.iter(|| {
            matmul(
                out.as_mut(),
                Accum::Replace,
                x.as_ref(),
                y.transpose(),
                -2.0,
                Par::rayon(0),
            );
            black_box(out[(0, 0)])
        })
    });
    g.bench_function("faer_matmul_raw_alloc", |b| {
        b.iter(|| {
            let mut out = Mat::<f64>::zeros(n, m);
            matmul(
                out.as_mut(),
                Accum::Replace,
                x.as_ref(),
                y.transpose(),
                -2.0,
                Par::rayon(0),
            );
            black_box(out)
        })
    });
    g.bench_function("faer_matmul_raw_seq", |b| {
        let mut out = Mat::<f64>::zeros(n, m);
        b.iter(|| {
            matmul(
                out.as_mut(),
                Accum::Replace,
                x.as_ref(),
                y.transpose(),
                -2.0,
                Par::Seq,
            );
            black_box(out[(0, 0)])
        })
    });
    g.bench_function("squared_euclidean_into", |b| {
        let mut out = Mat::<f64>::zeros(n, m);
        b.iter(|| {
            squared_euclidean_into(x.as_ref(), y.as_ref(), out.as_mut()).expect("valid");
            black_box(out[(0, 0)])
        })
    });
    g.bench_function("squared_euclidean", |b| {
        b.iter(|| black_box(squared_euclidean(x.as_ref(), y.as_ref()).expect("valid")))
    });
    g.bench_function("argmin_squared_euclidean", |b| {
        b.iter(|| black_box(argmin_squared_euclidean(x.as_ref(), y.as_ref()).expect("valid")))
    });
    g.finish();
}

fn randomized_svd(c: &mut Criterion) {
    let (n, p, r) = (100_000usize, 100usize, 10usize);
    // Rank 10 plus a little noise, as a realistic low-rank data matrix.
    let left = gaussian(n, r, 3);
    let right = gaussian(r, p, 4);
    let noise = gaussian(n, p, 5);
    let a = &left * &right + noise * ml_core::faer::Scale(0.01);
    let mut g = c.benchmark_group("randomized_svd_100000x100");
    g.sample_size(10);
    g.bench_function("k10_default", |b| {
        b.iter(|| {
            black_box(
                RandomizedSvd::new(10)
                    .seed(0)
                    .compute(a.as_ref())
                    .expect("valid"),
            )
        })
    });
    g.finish();
}

fn sparse_products(c: &mut Criterion) {
    let (m, n, nnz, k) = (50_000usize, 5_000usize, 500_000usize, 20usize);
    let a = random_csr(m, n, nnz, 6);
    let b_n = gaussian(n, k, 7);
    let b_m = gaussian(m, k, 8);
    let mut g = c.benchmark_group("csr_50000x5000_nnz500k_k20");
    g.sample_size(10);
    g.bench_function("a_times_dense", |bch| {
        bch.iter(|| black_box(sparse::csr_times_dense(a.as_ref(), b_n.as_ref()).expect("valid")))
    });
    g.bench_function("at_times_dense_scatter", |bch| {
        bch.iter(|| {
            black_box(sparse::csr_transpose_times_dense(a.as_ref(), b_m.as_ref()).expect("valid"))
        })
    });
    g.bench_function("at_times_dense_via_transpose", |bch| {
        bch.iter(|| {
            let at = sparse::csr_transpose(a.as_ref()).expect("valid");
            black_box(sparse::csr_times_dense(at.as_ref(), b_m.as_ref()).expect("valid"))
        })
    });
    let at = sparse::csr_transpose(a.as_ref()).expect("valid");
    g.bench_function("at_times_dense_pretransposed", |bch| {
        bch.iter(|| black_box(sparse::csr_times_dense(at.as_ref(), b_m.as_ref()).expect("valid")))
    });
    g.bench_function("randomized_svd_k10", |bch| {
        bch.iter(|| {
            black_box(
                RandomizedSvd::new(10)
                    .compute_csr(a.as_ref())
                    .expect("valid"),
            )
        })
    });
    g.finish();
}

fn least_squares(c: &mut Criterion) {
    let a = gaussian(10_000, 50, 9);
    let b = gaussian(10_000, 1, 10);
    let mut g = c.benchmark_group("lstsq_10000x50");
    g.sample_size(10);
    g.bench_function("svd", |bch| {
        bch.iter(|| black_box(lstsq(a.as_ref(), b.as_ref()).expect("valid")))
    });
    g.bench_function("qr", |bch| {
        bch.iter(|| black_box(lstsq_qr(a.as_ref(), b.as_ref()).expect("valid")))
    });
    g.finish();
}

/// Runs every group with short warm-up and measurement times (2-core CI machines).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    distances(&mut c);
    randomized_svd(&mut c);
    sparse_products(&mut c);
    least_squares(&mut c);
}

criterion_main!(benches);
