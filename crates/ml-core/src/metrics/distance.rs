//! Blocked Euclidean distances for the distance-based scores.
//!
//! A block of rows against all rows is computed as `‖x‖² − 2x·y + ‖y‖²` through one
//! GEMM, clamped at 0, then square-rooted, as scikit-learn's `euclidean_distances`.
//! The GEMM runs sequentially because callers already parallelise over blocks.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

/// Target number of distance entries in one block (about 8 MiB of `f64`).
const BLOCK_ENTRIES: usize = 1 << 20;

/// Rows per block so that `rows × n` stays near [`BLOCK_ENTRIES`]; depends on `n` only,
/// never on the thread count, so results are identical on any number of threads.
pub(super) fn block_rows(n: usize) -> usize {
    (BLOCK_ENTRIES / n.max(1)).clamp(1, 1024)
}

/// Squared Euclidean norm of every row.
pub(super) fn row_sq_norms(x: MatRef<'_, f64>) -> Vec<f64> {
    let mut norms = vec![0.0; x.nrows()];
    for j in 0..x.ncols() {
        for (acc, &v) in norms.iter_mut().zip(x.col(j).iter()) {
            *acc += v * v;
        }
    }
    norms
}

/// Euclidean distances from rows `start..start + len` of `x` to every row of `x`
/// (`len × n`); the self-distances are exactly 0, as scikit-learn zeroes the diagonal.
pub(super) fn self_distance_block(
    x: MatRef<'_, f64>,
    norms: &[f64],
    start: usize,
    len: usize,
) -> Mat<f64> {
    let n = x.nrows();
    let chunk = x.subrows(start, len);
    let mut d = Mat::<f64>::zeros(len, n);
    matmul(
        d.as_mut(),
        Accum::Replace,
        chunk,
        x.transpose(),
        -2.0,
        Par::Seq,
    );
    for j in 0..n {
        let col = d.col_mut(j);
        for (i, v) in col.iter_mut().enumerate() {
            let sq = *v + norms[start + i] + norms[j];
            *v = if start + i == j {
                0.0
            } else {
                sq.max(0.0).sqrt()
            };
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_matches_direct_distances() {
        let x = Mat::from_fn(7, 3, |i, j| (i as f64 * 0.7 - j as f64 * 1.3).sin());
        let norms = row_sq_norms(x.as_ref());
        let d = self_distance_block(x.as_ref(), &norms, 2, 4);
        for i in 0..4 {
            for j in 0..7 {
                let direct: f64 = (0..3)
                    .map(|c| (x[(i + 2, c)] - x[(j, c)]).powi(2))
                    .sum::<f64>()
                    .sqrt();
                assert!((d[(i, j)] - direct).abs() < 1e-7, "{i} {j}");
            }
        }
        assert_eq!(d[(0, 2)], 0.0);
        assert!(block_rows(10) <= 1024 && block_rows(10_000_000) == 1);
    }
}
