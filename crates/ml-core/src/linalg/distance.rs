//! Squared Euclidean distances through blocked GEMM, `‖x‖² − 2 x·y + ‖y‖²`, clamped at
//! zero: the full matrix, streaming row blocks that never hold `n × m` at once, and the
//! nearest-row search k-means and brute-force neighbours need.
//!
//! Accuracy: the expansion loses up to about `eps · (‖x‖² + ‖y‖²)` to cancellation
//! (scikit-learn's GEMM distances have the same property), so tiny distances between
//! far-from-origin points are less exact than the naive `Σ (x − y)²`. Callers that need
//! exact small distances should centre the data first.

use faer::linalg::matmul::matmul;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::{Error, Result, validate};

/// Elements of a distance tile kept in cache at once (256 KiB of `f64`), so the norm
/// additions and the clamp run on a tile the GEMM has just written.
const TILE_ELEMS: usize = 32 * 1024;

/// Rows of `x` per tile of [`squared_euclidean`].
const TILE_ROWS: usize = 256;

/// The squared Euclidean norm of every row of `x`.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn row_norms_squared(x: MatRef<'_, f64>) -> Result<Vec<f64>> {
    validate::matrix(x)?;
    Ok(row_norms_unchecked(x))
}

fn row_norms_unchecked(x: MatRef<'_, f64>) -> Vec<f64> {
    let mut norms = vec![0.0f64; x.nrows()];
    // Column by column: contiguous reads in faer's column-major layout.
    for j in 0..x.ncols() {
        for (n, &v) in norms.iter_mut().zip(x.col(j).iter()) {
            *n += v * v;
        }
    }
    norms
}

/// The right-hand side of a distance computation, prepared once: `Yᵀ` as a `d × m`
/// column-major copy (each row of `Y` contiguous, the layout the GEMM packs fastest)
/// and the squared row norms of `Y`.
struct Prepared {
    yt: Mat<f64>,
    y_norms: Vec<f64>,
}

impl Prepared {
    fn new(y: MatRef<'_, f64>) -> Self {
        Self {
            yt: y.transpose().to_owned(),
            y_norms: row_norms_unchecked(y),
        }
    }

    /// Writes the clamped squared distances between rows `x` (with squared norms
    /// `x_norms`) and the columns `c0..c0 + out.ncols()` of `Yᵀ` into `out`.
    fn tile(
        &self,
        x: MatRef<'_, f64>,
        x_norms: &[f64],
        c0: usize,
        mut out: MatMut<'_, f64>,
        par: Par,
    ) {
        let w = out.ncols();
        matmul(
            out.rb_mut(),
            Accum::Replace,
            x,
            self.yt.get(.., c0..c0 + w),
            -2.0,
            par,
        );
        for j in 0..w {
            let yn = self.y_norms[c0 + j];
            for (v, &xn) in out.rb_mut().col_mut(j).iter_mut().zip(x_norms) {
                *v = (*v + xn + yn).max(0.0);
            }
        }
    }

    /// Columns per tile for blocks of `rows` rows.
    fn tile_cols(&self, rows: usize) -> usize {
        (TILE_ELEMS / rows.max(1)).clamp(16, self.yt.ncols().max(16))
    }

    /// A full block `out` (`rows × m`), tile by tile.
    fn block(&self, x: MatRef<'_, f64>, x_norms: &[f64], mut out: MatMut<'_, f64>, par: Par) {
        let m = self.yt.ncols();
        let step = self.tile_cols(x.nrows());
        let mut c0 = 0;
        while c0 < m {
            let w = step.min(m - c0);
            self.tile(x, x_norms, c0, out.rb_mut().subcols_mut(c0, w), par);
            c0 += w;
        }
    }
}

/// Checks `x` and `y`: non-empty, finite, the same number of columns.
fn check_pair(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<()> {
    validate::matrix(x)?;
    validate::non_empty(y, "Y")?;
    if y.ncols() != x.ncols() {
        return Err(Error::ShapeMismatch {
            what: "number of features",
            expected: x.ncols(),
            got: y.ncols(),
        });
    }
    validate::finite(y)
}

/// The `n × m` matrix of squared Euclidean distances between the rows of `x` (`n × d`)
/// and the rows of `y` (`m × d`), clamped at 0.
///
/// Computed as `‖x‖² − 2 x·y + ‖y‖²` with one GEMM per cache-sized tile, in parallel
/// over blocks of rows. The result needs `8 n m` bytes: for large `n · m` use
/// [`for_each_distance_block`], [`par_map_distance_blocks`] or
/// [`argmin_squared_euclidean`] instead.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`] for `x` or `y`;
/// [`Error::ShapeMismatch`] when they differ in the number of columns.
pub fn squared_euclidean(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<Mat<f64>> {
    check_pair(x, y)?;
    let mut out = Mat::<f64>::zeros(x.nrows(), y.nrows());
    fill_distances(x, y, out.as_mut());
    Ok(out)
}

/// [`squared_euclidean`] into a caller-provided `n × m` matrix, so that a buffer can be
/// reused across calls (allocating and first touching a large result costs about as
/// much as computing it).
///
/// # Errors
/// As [`squared_euclidean`], plus [`Error::ShapeMismatch`] when `out` is not `n × m`.
pub fn squared_euclidean_into(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    out: MatMut<'_, f64>,
) -> Result<()> {
    check_pair(x, y)?;
    if out.nrows() != x.nrows() {
        return Err(Error::ShapeMismatch {
            what: "rows of the output (rows of X)",
            expected: x.nrows(),
            got: out.nrows(),
        });
    }
    if out.ncols() != y.nrows() {
        return Err(Error::ShapeMismatch {
            what: "columns of the output (rows of Y)",
            expected: y.nrows(),
            got: out.ncols(),
        });
    }
    fill_distances(x, y, out);
    Ok(())
}

fn fill_distances(x: MatRef<'_, f64>, y: MatRef<'_, f64>, out: MatMut<'_, f64>) {
    let prep = Prepared::new(y);
    let x_norms = row_norms_unchecked(x);
    let mut blocks = Vec::new();
    let mut rest = out;
    let mut r0 = 0;
    while rest.nrows() > 0 {
        let b = TILE_ROWS.min(rest.nrows());
        let (head, tail) = rest.split_at_row_mut(b);
        blocks.push((r0, head));
        rest = tail;
        r0 += b;
    }
    blocks.into_par_iter().for_each(|(r0, block)| {
        let b = block.nrows();
        prep.block(x.subrows(r0, b), &x_norms[r0..r0 + b], block, Par::Seq);
    });
}

/// Block rows that keep a `block_rows × m` block near 2 MiB (at least 16, at most
/// 4096 rows): a good default for the streaming functions.
pub fn default_block_rows(m: usize) -> usize {
    (256 * 1024 / m.max(1)).clamp(16, 4096)
}

/// Checks the block size of the streaming functions.
fn check_block_rows(block_rows: usize) -> Result<()> {
    validate::at_least("block_rows", block_rows, 1, "at least 1")
}

/// Streams the squared distances between the rows of `x` and of `y` in blocks of
/// `block_rows` rows of `x`, calling `f(row_offset, block)` in row order with the
/// `rows × m` block for rows `row_offset..row_offset + rows` (the last block may be
/// shorter). Only one block is in memory at a time; each block's GEMM is parallel.
///
/// # Errors
/// As [`squared_euclidean`], plus [`Error::InvalidParameter`] for `block_rows == 0`.
pub fn for_each_distance_block<F>(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    block_rows: usize,
    mut f: F,
) -> Result<()>
where
    F: FnMut(usize, MatRef<'_, f64>),
{
    check_pair(x, y)?;
    check_block_rows(block_rows)?;
    let prep = Prepared::new(y);
    let x_norms = row_norms_unchecked(x);
    let mut buf = Mat::<f64>::zeros(block_rows.min(x.nrows()), y.nrows());
    let mut r0 = 0;
    while r0 < x.nrows() {
        let b = block_rows.min(x.nrows() - r0);
        let mut block = buf.as_mut().subrows_mut(0, b);
        prep.block(
            x.subrows(r0, b),
            &x_norms[r0..r0 + b],
            block.rb_mut(),
            Par::rayon(0),
        );
        f(r0, block.rb());
        r0 += b;
    }
    Ok(())
}

/// Like [`for_each_distance_block`], but the blocks are computed and mapped in parallel
/// (each block's GEMM sequential) and the results come back in row order, so the output
/// does not depend on the thread count.
///
/// # Errors
/// As [`for_each_distance_block`].
pub fn par_map_distance_blocks<T, F>(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    block_rows: usize,
    f: F,
) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize, MatRef<'_, f64>) -> T + Sync,
{
    check_pair(x, y)?;
    check_block_rows(block_rows)?;
    let prep = Prepared::new(y);
    let x_norms = row_norms_unchecked(x);
    let n = x.nrows();
    let m = y.nrows();
    let n_blocks = n.div_ceil(block_rows);
    Ok((0..n_blocks)
        .into_par_iter()
        .map_init(
            || Mat::<f64>::zeros(block_rows.min(n), m),
            |buf, blk| {
                let r0 = blk * block_rows;
                let b = block_rows.min(n - r0);
                let mut block = buf.as_mut().subrows_mut(0, b);
                prep.block(
                    x.subrows(r0, b),
                    &x_norms[r0..r0 + b],
                    block.rb_mut(),
                    Par::Seq,
                );
                f(r0, block.rb())
            },
        )
        .collect())
}

/// For every row of `x`, the index of the nearest row of `centres` and the squared
/// distance to it (clamped at 0); ties go to the lowest index, as in scikit-learn.
///
/// Never materialises the `n × k` matrix: blocks of rows are reduced as they are
/// computed, in parallel.
///
/// # Errors
/// As [`squared_euclidean`] (`centres` in the role of `y`).
pub fn argmin_squared_euclidean(
    x: MatRef<'_, f64>,
    centres: MatRef<'_, f64>,
) -> Result<(Vec<usize>, Vec<f64>)> {
    check_pair(x, centres)?;
    let prep = Prepared::new(centres);
    let x_norms = row_norms_unchecked(x);
    let (n, k) = (x.nrows(), centres.nrows());
    let step = prep.tile_cols(TILE_ROWS);
    // Reduce each cache-sized tile right after its GEMM: the n × k matrix never exists.
    let parts: Vec<Vec<(usize, f64)>> = (0..n.div_ceil(TILE_ROWS))
        .into_par_iter()
        .map_init(
            || Mat::<f64>::zeros(TILE_ROWS.min(n), step.min(k)),
            |tile, blk| {
                let r0 = blk * TILE_ROWS;
                let b = TILE_ROWS.min(n - r0);
                let xb = x.subrows(r0, b);
                let xn = &x_norms[r0..r0 + b];
                let mut best = vec![(0usize, f64::INFINITY); b];
                let mut c0 = 0;
                while c0 < k {
                    let w = step.min(k - c0);
                    let mut t = tile.as_mut().submatrix_mut(0, 0, b, w);
                    prep.tile(xb, xn, c0, t.rb_mut(), Par::Seq);
                    for j in 0..w {
                        for (slot, &d) in best.iter_mut().zip(t.rb().col(j).iter()) {
                            // Strict: ties keep the lowest index.
                            if d < slot.1 {
                                *slot = (c0 + j, d);
                            }
                        }
                    }
                    c0 += w;
                }
                best
            },
        )
        .collect();
    let mut labels = Vec::with_capacity(x.nrows());
    let mut dists = Vec::with_capacity(x.nrows());
    for part in parts {
        for (j, d) in part {
            labels.push(j);
            dists.push(d);
        }
    }
    Ok((labels, dists))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;

    #[test]
    fn small_example() {
        let x = mat![[0.0, 0.0], [1.0, 1.0], [3.0, 4.0]];
        let y = mat![[0.0, 0.0], [3.0, 4.0]];
        let d = squared_euclidean(x.as_ref(), y.as_ref()).unwrap();
        assert_eq!(d[(0, 0)], 0.0);
        assert!((d[(0, 1)] - 25.0).abs() < 1e-12);
        assert!((d[(1, 1)] - 13.0).abs() < 1e-12);
        assert_eq!(d[(2, 1)], 0.0);
        let (labels, dist) = argmin_squared_euclidean(x.as_ref(), y.as_ref()).unwrap();
        assert_eq!(labels, vec![0, 0, 1]);
        assert!((dist[1] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn ties_go_to_lowest_index() {
        let x = mat![[0.0]];
        let y = mat![[1.0], [-1.0], [1.0]];
        let (labels, _) = argmin_squared_euclidean(x.as_ref(), y.as_ref()).unwrap();
        assert_eq!(labels, vec![0]);
    }

    #[test]
    fn zero_block_rows_is_error() {
        let x = mat![[0.0]];
        assert!(matches!(
            for_each_distance_block(x.as_ref(), x.as_ref(), 0, |_, _| {}),
            Err(Error::InvalidParameter {
                name: "block_rows",
                ..
            })
        ));
    }
}
