//! Criterion benches of `ml_supervised`'s linear and logistic models on the workloads of
//! issue 4: OLS on 1 000 000 × 20, ridge and lasso on 10 000 × 1 000, logistic
//! regression on 100 000 × 50 with 2 and 5 classes.
//!
//! With `ML_LINEAR_BENCH_DIR` pointing at a directory of `.npy` files (`ols_x.npy`,
//! `ols_y.npy`, `wide_x.npy`, `wide_y.npy`, `clf2_x.npy`, `clf2_y.npy`, `clf5_x.npy`,
//! `clf5_y.npy`, as scikit-learn's `make_regression` / `make_classification` write
//! them), the benches run on exactly the data scikit-learn is timed on; otherwise on
//! seeded synthetic data of the same shapes.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_benches::npy::{self, Array};
use ml_core::faer::Mat;
use ml_supervised::{Lasso, LinearRegression, LogisticRegression, Ridge};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

fn data_dir() -> Option<PathBuf> {
    std::env::var_os("ML_LINEAR_BENCH_DIR").map(PathBuf::from)
}

fn read_matrix(path: &Path) -> Mat<f64> {
    match npy::read(path).expect("readable .npy") {
        Array::F64 { shape, data } => {
            let cols = shape.get(1).copied().unwrap_or(1);
            Mat::from_fn(shape[0], cols, |i, j| data[i * cols + j])
        }
        Array::I64 { .. } => panic!("{} holds integers", path.display()),
    }
}

fn read_vec(path: &Path) -> Vec<f64> {
    match npy::read(path).expect("readable .npy") {
        Array::F64 { data, .. } => data,
        Array::I64 { data, .. } => data.iter().map(|&v| v as f64).collect(),
    }
}

/// A regression problem `y = X w + noise` with `informative` non-zero weights.
fn regression(n: usize, d: usize, informative: usize, seed: u64) -> (Mat<f64>, Vec<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let x = Mat::from_fn(n, d, |_, _| StandardNormal.sample(&mut rng));
    let w: Vec<f64> = (0..d)
        .map(|j| {
            if j < informative {
                rng.random_range(0.0..100.0)
            } else {
                0.0
            }
        })
        .collect();
    let y = (0..n)
        .map(|i| {
            let noise: f64 = StandardNormal.sample(&mut rng);
            (0..d).map(|j| x[(i, j)] * w[j]).sum::<f64>() + noise
        })
        .collect();
    (x, y)
}

/// Gaussian classes around random centres in the first `informative` dimensions.
fn classification(n: usize, d: usize, k: usize, seed: u64) -> (Mat<f64>, Vec<usize>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let informative = 20.min(d);
    let centres: Vec<Vec<f64>> = (0..k)
        .map(|_| {
            (0..informative)
                .map(|_| rng.random_range(-1.0..1.0))
                .collect()
        })
        .collect();
    let y: Vec<usize> = (0..n).map(|i| i % k).collect();
    let x = Mat::from_fn(n, d, |i, j| {
        let z: f64 = StandardNormal.sample(&mut rng);
        if j < informative {
            z + centres[y[i]][j]
        } else {
            z
        }
    });
    (x, y)
}

fn load_or(name: &str, make: impl FnOnce() -> (Mat<f64>, Vec<f64>)) -> (Mat<f64>, Vec<f64>) {
    match data_dir() {
        Some(dir) => (
            read_matrix(&dir.join(format!("{name}_x.npy"))),
            read_vec(&dir.join(format!("{name}_y.npy"))),
        ),
        None => make(),
    }
}

fn ols(c: &mut Criterion) {
    let (x, y) = load_or("ols", || regression(1_000_000, 20, 20, 1));
    let mut g = c.benchmark_group("linear_regression_1000000x20");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("fit", |b| {
        b.iter(|| black_box(LinearRegression::new().fit(x.as_ref(), &y).unwrap()))
    });
    g.finish();
    // Prediction is a matrix-vector product: memory-bound, so its cost is the passes
    // over `x` (the finiteness check and the product).
    let (x, y) = regression(20_000, 40, 30, 3);
    let m = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
    let mut g = c.benchmark_group("linear_regression_20000x40");
    g.bench_function("predict", |b| {
        b.iter(|| black_box(m.predict(x.as_ref()).unwrap()))
    });
    g.finish();
}

fn ridge_lasso(c: &mut Criterion) {
    let (x, y) = load_or("wide", || regression(10_000, 1_000, 100, 2));
    let mut g = c.benchmark_group("regression_10000x1000");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("ridge_fit", |b| {
        b.iter(|| black_box(Ridge::new().alpha(1.0).fit(x.as_ref(), &y).unwrap()))
    });
    let m = Lasso::new().alpha(1.0).fit(x.as_ref(), &y).unwrap();
    let nnz = m.coef().iter().filter(|v| **v != 0.0).count();
    eprintln!(
        "lasso: n_iter {}, non-zeros {nnz}, converged {}",
        m.n_iter(),
        m.converged()
    );
    g.bench_function("lasso_fit", |b| {
        b.iter(|| black_box(Lasso::new().alpha(1.0).fit(x.as_ref(), &y).unwrap()))
    });
    g.finish();
}

fn logistic(c: &mut Criterion) {
    for k in [2usize, 5] {
        let (x, y) = match data_dir() {
            Some(dir) => {
                let y: Vec<usize> = read_vec(&dir.join(format!("clf{k}_y.npy")))
                    .iter()
                    .map(|&v| v as usize)
                    .collect();
                (read_matrix(&dir.join(format!("clf{k}_x.npy"))), y)
            }
            None => classification(100_000, 50, k, 3 + k as u64),
        };
        let est = LogisticRegression::new().max_iter(1000);
        let m = est.fit(x.as_ref(), &y).unwrap();
        let pred = m.predict(x.as_ref()).unwrap();
        let acc = pred.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64;
        eprintln!(
            "logistic {k} classes: n_iter {}, accuracy {acc:.6}",
            m.n_iter()
        );
        let mut g = c.benchmark_group(format!("logistic_100000x50_{k}_classes"));
        g.sample_size(10).measurement_time(Duration::from_secs(10));
        g.bench_function("fit", |b| {
            b.iter(|| black_box(est.fit(x.as_ref(), &y).unwrap()))
        });
        g.finish();
    }
}

/// Runs every group with a short warm-up (2-core machines, large inputs).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    ols(&mut c);
    ridge_lasso(&mut c);
    logistic(&mut c);
}

criterion_main!(benches);
