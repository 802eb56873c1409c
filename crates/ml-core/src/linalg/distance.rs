//! Squared Euclidean distances through blocked GEMM, `‖x‖² − 2 x·y + ‖y‖²`, clamped at
//! zero: the full matrix, streaming row blocks that never hold `n × m` at once, and the
//! nearest-row search k-means and brute-force neighbours need.
//!
//! Accuracy: the expansion loses up to about `eps · (‖x‖² + ‖y‖²)` to cancellation
//! (scikit-learn's GEMM distances have the same property), so tiny distances between
//! far-from-origin points are less exact than the naive `Σ (x − y)²`. Callers that need
//! exact small distances should centre the data first.
//!
//! With at most [`DIRECT_MAX_FEATURES`] columns (pixels, coordinates) every function
//! here computes `Σ (x − y)²` directly instead: a GEMM over so few terms costs more in
//! packing than it saves, and the direct sum is exact to rounding.

use faer::linalg::matmul::matmul;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, ColRef, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::{Error, Result, validate};

/// Elements of a distance tile kept in cache at once (256 KiB of `f64`), so the norm
/// additions and the clamp run on a tile the GEMM has just written.
const TILE_ELEMS: usize = 32 * 1024;

/// Rows of `x` per tile of [`squared_euclidean`].
const TILE_ROWS: usize = 256;

/// Up to this many columns the distances are summed directly rather than through a
/// GEMM (see the module documentation).
pub const DIRECT_MAX_FEATURES: usize = 8;

/// The columns of `x` as slices, when `x` is column-major and has at most
/// [`DIRECT_MAX_FEATURES`] columns.
fn contiguous_columns(x: MatRef<'_, f64>) -> Option<[&[f64]; DIRECT_MAX_FEATURES]> {
    if x.ncols() > DIRECT_MAX_FEATURES {
        return None;
    }
    let mut cols: [&[f64]; DIRECT_MAX_FEATURES] = [&[]; DIRECT_MAX_FEATURES];
    for (k, col) in cols.iter_mut().enumerate().take(x.ncols()) {
        *col = x.col(k).try_as_col_major()?.as_slice();
    }
    Some(cols)
}

/// `out[i] = Σ_k (cols[k][i] − y[k])²`: the direct distances of a block of rows (given
/// column by column) to one point `y`.
#[inline(always)]
fn direct_column(cols: &[&[f64]], y: ColRef<'_, f64>, out: &mut [f64]) {
    let n = out.len();
    match cols.split_first() {
        None => out.fill(0.0),
        Some((first, rest)) => {
            let y0 = y[0];
            for (v, &a) in out.iter_mut().zip(&first[..n]) {
                let t = a - y0;
                *v = t * t;
            }
            for (k, col) in rest.iter().enumerate() {
                let yk = y[k + 1];
                for (v, &a) in out.iter_mut().zip(&col[..n]) {
                    let t = a - yk;
                    *v += t * t;
                }
            }
        }
    }
}

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
        if x.ncols() <= DIRECT_MAX_FEATURES && self.tile_direct(x, c0, out.rb_mut()) {
            return;
        }
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

    /// [`tile`](Self::tile) as `Σ (x − y)²`, column by column over contiguous slices.
    /// Returns `false`, having written nothing meaningful, when `x` or `out` is not
    /// column-major (the caller then takes the GEMM path).
    fn tile_direct(&self, x: MatRef<'_, f64>, c0: usize, mut out: MatMut<'_, f64>) -> bool {
        let Some(cols) = contiguous_columns(x) else {
            return false;
        };
        for j in 0..out.ncols() {
            let Some(o) = out.rb_mut().col_mut(j).try_as_col_major_mut() else {
                return false;
            };
            direct_column(&cols[..x.ncols()], self.yt.col(c0 + j), o.as_slice_mut());
        }
        true
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

/// Streams the squared distances between the rows of `x` and of `y` into per-block
/// states, never holding more than a cache-sized tile: blocks of up to 256 rows of `x`
/// run in parallel, each starting from `init(row_offset, rows)` and folding
/// `fold(&mut state, col_offset, tile)` over tiles of `rows × w` distances for the rows
/// `col_offset..col_offset + w` of `y`, in column order. The states come back in row
/// order, so the result does not depend on the thread count.
///
/// Unlike [`par_map_distance_blocks`], whose full `rows × m` blocks stream `Yᵀ` from
/// memory once per 16 rows when `m` is large, each block here re-reads `Yᵀ` in
/// L2-sized pieces once per 256 rows: the reduction a top-k search needs.
///
/// # Errors
/// As [`squared_euclidean`].
pub fn par_fold_distance_tiles<S, I, F>(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    init: I,
    fold: F,
) -> Result<Vec<S>>
where
    S: Send,
    I: Fn(usize, usize) -> S + Sync,
    F: Fn(&mut S, usize, MatRef<'_, f64>) + Sync,
{
    check_pair(x, y)?;
    let prep = Prepared::new(y);
    let x_norms = row_norms_unchecked(x);
    let (n, m) = (x.nrows(), y.nrows());
    Ok((0..n.div_ceil(TILE_ROWS))
        .into_par_iter()
        .map_init(Vec::new, |scratch, blk| {
            let r0 = blk * TILE_ROWS;
            let b = TILE_ROWS.min(n - r0);
            let mut state = init(r0, b);
            let step = prep.tile_cols(b).min(m);
            scratch.resize(b * step, 0.0);
            let mut c0 = 0;
            while c0 < m {
                let w = step.min(m - c0);
                let mut t = MatMut::from_column_major_slice_mut(&mut scratch[..b * w], b, w);
                prep.tile(
                    x.subrows(r0, b),
                    &x_norms[r0..r0 + b],
                    c0,
                    t.rb_mut(),
                    Par::Seq,
                );
                fold(&mut state, c0, t.rb());
                c0 += w;
            }
            state
        })
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
    let nearest = NearestRows::prepared(centres);
    let n = x.nrows();
    let parts: Vec<(Vec<usize>, Vec<f64>)> = (0..n.div_ceil(TILE_ROWS))
        .into_par_iter()
        .map_init(Vec::new, |scratch, blk| {
            let r0 = blk * TILE_ROWS;
            let b = TILE_ROWS.min(n - r0);
            let mut labels = vec![0usize; b];
            let mut best = vec![0.0; b];
            nearest.assign_unchecked(x.subrows(r0, b), &mut labels, &mut best, scratch);
            (labels, best)
        })
        .collect();
    let mut labels = Vec::with_capacity(n);
    let mut dists = Vec::with_capacity(n);
    for (l, d) in parts {
        labels.extend_from_slice(&l);
        dists.extend_from_slice(&d);
    }
    Ok((labels, dists))
}

/// The nearest-row search against a fixed set of rows (centres), prepared once and then
/// applied to blocks of rows in the calling thread: the kernel of
/// [`argmin_squared_euclidean`], for callers that fuse more work into each block (the
/// k-means assignment step adds the centre sums).
///
/// Each block is reduced tile by tile right after its GEMM, so no `rows × k` matrix
/// exists; with at most [`DIRECT_MAX_FEATURES`] columns the distances are summed
/// directly and folded in the same pass.
#[derive(Debug)]
pub struct NearestRows {
    prep: Prepared,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("rows", &self.yt.ncols())
            .field("cols", &self.yt.nrows())
            .finish()
    }
}

impl NearestRows {
    /// Prepares the search against the rows of `centres`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] or [`Error::NonFinite`].
    pub fn new(centres: MatRef<'_, f64>) -> Result<Self> {
        validate::matrix(centres)?;
        Ok(Self::prepared(centres))
    }

    fn prepared(centres: MatRef<'_, f64>) -> Self {
        Self {
            prep: Prepared::new(centres),
        }
    }

    /// For every row `i` of `x`, the index of the nearest centre in `labels[i]` and the
    /// squared distance to it (clamped at 0) in `best[i]`; ties go to the lowest index.
    /// `scratch` is working memory kept between calls (pass the same vector each time).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `x` has a number of columns other than the
    /// centres' or `labels`/`best` are not `x.nrows()` long; [`Error::NonFinite`].
    pub fn assign(
        &self,
        x: MatRef<'_, f64>,
        labels: &mut [usize],
        best: &mut [f64],
        scratch: &mut Vec<f64>,
    ) -> Result<()> {
        validate::finite(x)?;
        for (what, got, expected) in [
            ("number of features", x.ncols(), self.prep.yt.nrows()),
            ("length of labels", labels.len(), x.nrows()),
            ("length of best", best.len(), x.nrows()),
        ] {
            if got != expected {
                return Err(Error::ShapeMismatch {
                    what,
                    expected,
                    got,
                });
            }
        }
        self.assign_unchecked(x, labels, best, scratch);
        Ok(())
    }

    fn assign_unchecked(
        &self,
        x: MatRef<'_, f64>,
        labels: &mut [usize],
        best: &mut [f64],
        scratch: &mut Vec<f64>,
    ) {
        best.fill(f64::INFINITY);
        labels.fill(0);
        if let Some(cols) = contiguous_columns(x) {
            self.assign_direct(&cols[..x.ncols()], labels, best);
            return;
        }
        let (b, k) = (x.nrows(), self.prep.yt.ncols());
        let step = self.prep.tile_cols(b);
        let x_norms = row_norms_unchecked(x);
        scratch.resize(b * step.min(k), 0.0);
        let mut c0 = 0;
        while c0 < k {
            let w = step.min(k - c0);
            let mut t = MatMut::from_column_major_slice_mut(&mut scratch[..b * w], b, w);
            self.prep.tile(x, &x_norms, c0, t.rb_mut(), Par::Seq);
            argmin_update(t.rb(), c0, labels, best);
            c0 += w;
        }
    }

    /// The direct path: each centre's distances summed and folded in one pass over the
    /// block's columns.
    fn assign_direct(&self, cols: &[&[f64]], labels: &mut [usize], best: &mut [f64]) {
        let yt = self.prep.yt.as_ref();
        // One monomorphised kernel per width, compiled for AVX2/FMA too and chosen at
        // run time (see `vectorised`).
        macro_rules! fixed {
            ($($d:literal)*) => {
                match cols.len() {
                    $($d => vectorised(
                        #[inline(always)]
                        || nearest_fixed::<$d>(std::array::from_fn(|j| cols[j]), yt, labels, best),
                    ),)*
                    // No columns: every centre is at distance 0; the first wins.
                    0 => best.fill(0.0),
                    _ => unreachable!("`contiguous_columns` admits at most DIRECT_MAX_FEATURES"),
                }
            };
        }
        fixed!(1 2 3 4 5 6 7 8);
    }
}

/// Runs `f` compiled for the best instruction set this CPU has (AVX2 + FMA where
/// present, else the baseline), through `pulp`'s safe dispatch: the loops inside are
/// auto-vectorised for both, so functions `f` calls must be `#[inline(always)]`.
#[inline(always)]
fn vectorised<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}

/// Folds the distance block `block` (its column `j` being candidate `offset + j`) into
/// the running minimum of every row: `best` and its index `labels`.
fn argmin_update(block: MatRef<'_, f64>, offset: usize, labels: &mut [usize], best: &mut [f64]) {
    let n = labels.len().min(best.len()).min(block.nrows());
    let (labels, best) = (&mut labels[..n], &mut best[..n]);
    let mut scratch = Vec::new();
    for j in 0..block.ncols() {
        let col = block.col(j);
        let dist = match col.try_as_col_major() {
            Some(c) => c.as_slice(),
            None => {
                scratch.clear();
                scratch.extend(col.iter().copied());
                scratch.as_slice()
            }
        };
        fold_min(&dist[..n], offset + j, labels, best);
    }
}

/// Rows folded together by [`nearest_fixed`]: their running minima stay in registers
/// while every centre is tried.
const LANES: usize = 8;

/// The nearest of the `k` centres (columns of `yt`, `D × k`) for every row given by its
/// `D` columns `cols`: rows go in groups of [`LANES`] whose running minimum and label
/// live in registers across the loop over centres, so nothing is stored until a group
/// is done (a conditional store per distance is what makes the naive loop slow).
/// `best` must come in filled with infinity.
#[inline(always)]
fn nearest_fixed<const D: usize>(
    cols: [&[f64]; D],
    yt: MatRef<'_, f64>,
    labels: &mut [usize],
    best: &mut [f64],
) {
    let n = best.len();
    let centres: Vec<[f64; D]> = (0..yt.ncols())
        .map(|c| std::array::from_fn(|j| yt[(j, c)]))
        .collect();
    let cols = cols.map(|c| &c[..n]);
    let mut i0 = 0;
    while i0 < n {
        let width = LANES.min(n - i0);
        // A short last group is padded with its first row; the padding is dropped.
        let xs: [[f64; LANES]; D] = std::array::from_fn(|j| {
            std::array::from_fn(|l| cols[j][i0 + if l < width { l } else { 0 }])
        });
        let mut bd = [f64::INFINITY; LANES];
        let mut bl = [0usize; LANES];
        for (c, y) in centres.iter().enumerate() {
            for l in 0..LANES {
                let mut d = 0.0;
                for j in 0..D {
                    let t = xs[j][l] - y[j];
                    d += t * t;
                }
                // Strict: ties keep the lowest index, as in scikit-learn.
                let better = d < bd[l];
                bd[l] = if better { d } else { bd[l] };
                bl[l] = if better { c } else { bl[l] };
            }
        }
        best[i0..i0 + width].copy_from_slice(&bd[..width]);
        labels[i0..i0 + width].copy_from_slice(&bl[..width]);
        i0 += width;
    }
}

/// `best[i] = min(best[i], dist[i])`, `labels[i] = candidate` where `dist[i]` is smaller:
/// indexed over equal-length slices with selects, so it compiles to vector blends.
#[inline(always)]
fn fold_min(dist: &[f64], candidate: usize, labels: &mut [usize], best: &mut [f64]) {
    let n = dist.len();
    let (labels, best) = (&mut labels[..n], &mut best[..n]);
    for i in 0..n {
        let (d, b) = (dist[i], best[i]);
        // All ones where `d` is strictly smaller: masks instead of selects vectorise
        // even on the baseline x86-64 target (no blend instruction there).
        let mask = u64::from(d < b).wrapping_neg();
        best[i] = f64::from_bits((d.to_bits() & mask) | (b.to_bits() & !mask));
        let lmask = mask as usize;
        labels[i] = (candidate & lmask) | (labels[i] & !lmask);
    }
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

    fn naive(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Mat<f64> {
        Mat::from_fn(x.nrows(), y.nrows(), |i, j| {
            (0..x.ncols())
                .map(|k| (x[(i, k)] - y[(j, k)]).powi(2))
                .sum()
        })
    }

    #[test]
    fn direct_and_gemm_paths_agree_with_the_naive_sum() {
        for d in [1, 2, 3, 5, DIRECT_MAX_FEATURES, DIRECT_MAX_FEATURES + 1, 20] {
            let x = Mat::from_fn(603, d, |i, j| ((i * 7 + j * 13) % 17) as f64 / 3.0 - 2.0);
            let y = Mat::from_fn(40, d, |i, j| ((i * 5 + j * 3) % 11) as f64 / 2.0 - 2.5);
            let want = naive(x.as_ref(), y.as_ref());
            // A row-major view takes the GEMM path whatever `d` is.
            let xt = x.transpose().to_owned();
            for xv in [x.as_ref(), xt.transpose()] {
                let got = squared_euclidean(xv, y.as_ref()).unwrap();
                for i in 0..603 {
                    for j in 0..40 {
                        assert!((got[(i, j)] - want[(i, j)]).abs() < 1e-10, "d = {d}");
                    }
                }
                let (labels, best) = argmin_squared_euclidean(xv, y.as_ref()).unwrap();
                for i in 0..603 {
                    assert!((best[i] - want[(i, labels[i])]).abs() < 1e-10);
                    assert!((0..40).all(|j| want[(i, j)] >= best[i] - 1e-10));
                }
            }
        }
    }

    #[test]
    fn nearest_rows_checks_its_arguments() {
        let c = mat![[0.0, 0.0], [1.0, 1.0]];
        let nearest = NearestRows::new(c.as_ref()).unwrap();
        let x = mat![[0.9, 0.8], [0.1, 0.0], [0.5, 0.5]];
        let (mut labels, mut best, mut scratch) = (vec![9; 3], vec![0.0; 3], Vec::new());
        nearest
            .assign(x.as_ref(), &mut labels, &mut best, &mut scratch)
            .unwrap();
        assert_eq!(labels, vec![1, 0, 0]);
        assert!((best[2] - 0.5).abs() < 1e-15);
        let mut short = vec![0; 2];
        assert!(matches!(
            nearest.assign(x.as_ref(), &mut short, &mut best, &mut scratch),
            Err(Error::ShapeMismatch { .. })
        ));
        let wide = mat![[0.0, 0.0, 0.0]];
        assert!(matches!(
            nearest.assign(
                wide.as_ref(),
                &mut labels[..1],
                &mut best[..1],
                &mut scratch
            ),
            Err(Error::ShapeMismatch { .. })
        ));
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
