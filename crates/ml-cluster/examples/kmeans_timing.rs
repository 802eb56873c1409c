//! Times `KMeans::fit` on the workloads compared with scikit-learn: the bundled digits
//! (k = 10) and, when given a path, a raw little-endian `f64` row-major matrix file
//! with its shape and optionally k (`ROWS COLS PATH [K]`, k = 8 by default), e.g. `make_blobs(200 000, 20, centers=8)` written
//! by the comparison script. Prints the median of several fits, the inertia and the
//! iteration count, so both sides can be checked to do the same work.
//!
//! ```text
//! cargo run --release -p ml-cluster --example kmeans_timing -- 200000 20 /tmp/blobs.f64
//! ```

use std::time::Instant;

use faer::Mat;
use ml_cluster::{KMeans, KMeansAlgorithm};

fn time(name: &str, x: &Mat<f64>, k: usize, algorithm: KMeansAlgorithm, repeats: usize) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeats {
        let t = Instant::now();
        let model = KMeans::new(k)
            .seed(0)
            .algorithm(algorithm)
            .fit(x.as_ref())
            .expect("fit");
        times.push(t.elapsed().as_secs_f64());
        last = Some(model);
    }
    times.sort_by(f64::total_cmp);
    let model = last.expect("at least one fit");
    println!(
        "{name} {algorithm:?}: median {:.4} s (min {:.4}), inertia {:.6e}, n_iter {}",
        times[times.len() / 2],
        times[0],
        model.inertia(),
        model.n_iter()
    );
}

fn main() {
    let digits = ml_core::datasets::load_digits().expect("digits").data;
    for algorithm in [KMeansAlgorithm::Lloyd, KMeansAlgorithm::Elkan] {
        time("digits k=10", &digits, 10, algorithm, 21);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [rows, cols, path, rest @ ..] = args.as_slice() {
        let k: usize = rest.first().map_or(8, |k| k.parse().expect("k"));
        let (n, d): (usize, usize) = (rows.parse().expect("rows"), cols.parse().expect("cols"));
        let bytes = std::fs::read(path).expect("data file");
        assert_eq!(bytes.len(), n * d * 8, "file size does not match the shape");
        let x = Mat::from_fn(n, d, |i, j| {
            let o = (i * d + j) * 8;
            f64::from_le_bytes(bytes[o..o + 8].try_into().expect("8 bytes"))
        });
        for algorithm in [KMeansAlgorithm::Lloyd, KMeansAlgorithm::Elkan] {
            time(&format!("{path} {n}x{d} k={k}"), &x, k, algorithm, 5);
        }
    }
}
