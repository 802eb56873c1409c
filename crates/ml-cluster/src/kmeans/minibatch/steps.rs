//! The kernels of mini-batch k-means: the streaming state ([`Stream`]) and its step
//! (assign a batch, move the centres to running means, reassign light centres), the
//! full labelling pass ([`label_all`]) with its fused block kernel, row gathering, and
//! the early-stopping [`Monitor`].
//!
//! [`MiniBatchKMeans`](super::MiniBatchKMeans) and its model (in the parent module)
//! hold the hyper-parameters, the checks and the public API; everything here works on
//! checked input. Parallel work runs on fixed blocks of [`CHUNK`] rows reduced in block
//! order, and the updates are sequential, so the thread count does not change a result.

use faer::{Mat, MatMut, MatRef};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use ml_core::linalg::NearestRows;
use ml_core::{Result, validate};

use super::super::check_centres_finite;
use super::super::lloyd::CHUNK;

/// Sample weights: all 1 (no vector is made for [`MiniBatchKMeans::fit`](super::MiniBatchKMeans::fit)) or one per
/// sample.
#[derive(Debug, Clone, Copy)]
pub(super) enum Weights<'a> {
    /// Every sample weighs 1.
    Unit,
    /// One weight per sample.
    Given(&'a [f64]),
}

impl<'a> Weights<'a> {
    /// The weight of sample `i`.
    pub(super) fn at(self, i: usize) -> f64 {
        match self {
            Self::Unit => 1.0,
            Self::Given(w) => w[i],
        }
    }

    /// The weights of rows `r0..r0 + len`, `None` for unit weights.
    fn rows(self, r0: usize, len: usize) -> Option<&'a [f64]> {
        match self {
            Self::Unit => None,
            Self::Given(w) => Some(&w[r0..r0 + len]),
        }
    }
}

/// Working memory of the mini-batch steps, kept from one step to the next.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    labels: Vec<usize>,
    dist: Vec<f64>,
    tile: Vec<f64>,
    centres: Vec<f64>,
    sums: Vec<f64>,
    wsum: Vec<f64>,
}

/// The state a mini-batch step updates: centres, the weight each has absorbed, and
/// the samples seen since the last reassignment check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Stream {
    #[serde(with = "ml_core::persist::mat")]
    pub(super) centres: Mat<f64>,
    pub(super) counts: Vec<f64>,
    since_reassign: usize,
    reassignment_ratio: f64,
}

impl Stream {
    /// One non-negative count per centre and a finite, non-negative reassignment ratio
    /// (the centres themselves are checked with the model's labels).
    pub(super) fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::len("counts", self.counts.len(), self.centres.nrows())?;
        inv::non_negative("counts", &self.counts)?;
        inv::non_negative("reassignment_ratio", &[self.reassignment_ratio])
    }

    pub(super) fn new(centres: Mat<f64>, reassignment_ratio: f64) -> Self {
        Self {
            counts: vec![0.0; centres.nrows()],
            centres,
            since_reassign: 0,
            reassignment_ratio,
        }
    }

    /// One mini-batch step on `xb`: assign, move the centres, and every `10 · k`
    /// samples (or while a centre has no weight) reassign the light centres. Returns
    /// the batch inertia (against the centres before the step).
    ///
    /// # Errors
    /// [`Error::InvalidData`](ml_core::Error::InvalidData) when the centres overflow
    /// (finite rows or weights of too large a scale); the state is then unusable, so
    /// callers step a copy. [`Error::NonFinite`](ml_core::Error::NonFinite) for a
    /// non-finite row of `xb` (callers check the rows first).
    pub(super) fn step(
        &mut self,
        xb: MatRef<'_, f64>,
        wb: Weights<'_>,
        rng: &mut ml_core::rng::Rng,
        buf: &mut Buffers,
    ) -> Result<f64> {
        let k = self.centres.nrows();
        self.since_reassign = self.since_reassign.saturating_add(xb.nrows());
        let reassign = self.counts.contains(&0.0) || self.since_reassign >= k.saturating_mul(10);
        if reassign {
            self.since_reassign = 0;
        }
        let b = xb.nrows();
        buf.labels.resize(b, 0);
        buf.dist.resize(b, 0.0);
        // The centres are means of checked rows: non-empty, and finite unless the
        // data's scale made them overflow (checked after every update below).
        let nearest = NearestRows::new(self.centres.as_ref())?;
        row_major_into(self.centres.as_ref(), &mut buf.centres);
        // Block by block as the full pass does, so the inertia is summed alike.
        let mut inertia = -0.0;
        let mut r0 = 0;
        while r0 < b {
            let len = CHUNK.min(b - r0);
            inertia += label_block(
                &nearest,
                &buf.centres,
                xb.subrows(r0, len),
                wb.rows(r0, len),
                &mut buf.labels[r0..r0 + len],
                &mut buf.dist[r0..r0 + len],
                &mut buf.tile,
            )?;
            r0 += len;
        }
        update(
            xb,
            wb,
            &buf.labels,
            &mut self.centres,
            &mut self.counts,
            &mut buf.sums,
            &mut buf.wsum,
        );
        if reassign && self.reassignment_ratio > 0.0 {
            reassign_small(
                xb,
                &mut self.centres,
                &mut self.counts,
                self.reassignment_ratio,
                rng,
            );
        }
        check_centres_finite(self.centres.as_ref())?;
        Ok(inertia)
    }
}

/// The rows `ids` of `x`, in that order.
pub(super) fn rows_of(x: MatRef<'_, f64>, ids: &[usize]) -> Mat<f64> {
    Mat::from_fn(ids.len(), x.ncols(), |i, j| x[(ids[i], j)])
}

/// Copies the rows `ids` of `x` into `out` (`ids.len() × d`), column by column; the
/// columns in parallel when `x` is too large for the cache (every read a miss) and the
/// batch large enough to pay for it.
pub(super) fn gather_rows(x: MatRef<'_, f64>, ids: &[usize], out: MatMut<'_, f64>) {
    let gather = |j: usize, mut dst: faer::ColMut<'_, f64>| {
        let src = x.col(j);
        match (src.try_as_col_major(), dst.as_mut().try_as_col_major_mut()) {
            (Some(s), Some(t)) => {
                let s = s.as_slice();
                for (v, &i) in t.as_slice_mut().iter_mut().zip(ids) {
                    *v = s[i];
                }
            }
            _ => {
                for (r, &i) in ids.iter().enumerate() {
                    dst[r] = src[i];
                }
            }
        }
    };
    if x.nrows() * x.ncols() >= PAR_GATHER_DATA && ids.len() * x.ncols() >= PAR_GATHER_BATCH {
        out.par_col_iter_mut()
            .enumerate()
            .for_each(|(j, dst)| gather(j, dst));
    } else {
        for (j, dst) in out.col_iter_mut().enumerate() {
            gather(j, dst);
        }
    }
}

/// Elements of `X` (32 MiB) from which a batch's rows are gathered in parallel.
const PAR_GATHER_DATA: usize = 1 << 22;

/// Elements of a batch (32 KiB) from which its rows are gathered in parallel.
const PAR_GATHER_BATCH: usize = 1 << 12;

/// [`validate::finite`] of rows `part` drawn from `x`, reported as that of all of `x`:
/// its first non-finite entry.
pub(super) fn finite_as_whole(x: MatRef<'_, f64>, part: MatRef<'_, f64>) -> Result<()> {
    validate::finite(part).or_else(|e| validate::finite(x).and(Err(e)))
}

/// `centres` (`k × d`) row-major into `out`: centre `c` at `c·d..(c + 1)·d`.
fn row_major_into(centres: MatRef<'_, f64>, out: &mut Vec<f64>) {
    let (k, d) = (centres.nrows(), centres.ncols());
    out.clear();
    out.extend((0..k).flat_map(|c| (0..d).map(move |j| centres[(c, j)])));
}

/// `dist[i] = ‖xᵢ − c_{labels i}‖²` by direct differences, added feature by feature in
/// column order (as `lloyd::exact_inertia` adds them), for `centres` row-major.
fn exact_distances(x: MatRef<'_, f64>, centres: &[f64], labels: &[usize], dist: &mut [f64]) {
    let d = x.ncols();
    dist.fill(0.0);
    let mut j = 0;
    while j < d {
        // Up to `GROUP` contiguous columns per pass over the rows: each row's sum stays
        // in a register across them, and its centre is looked up once.
        let width = GROUP.min(d - j);
        let mut cols: [&[f64]; GROUP] = [&[]; GROUP];
        let contiguous = (0..width).all(|g| match x.col(j + g).try_as_col_major() {
            Some(c) => {
                cols[g] = c.as_slice();
                true
            }
            None => false,
        });
        if !contiguous {
            // A view with strided columns: one column at a time, element by element.
            for jj in j..d {
                let col = x.col(jj);
                for ((a, &l), &v) in dist.iter_mut().zip(labels).zip(col.iter()) {
                    let diff = v - centres[l * d + jj];
                    *a += diff * diff;
                }
            }
            return;
        }
        if width == GROUP {
            add_columns::<GROUP>(&cols, centres, d, j, labels, dist);
        } else {
            for g in 0..width {
                add_columns::<1>(&cols[g..=g], centres, d, j + g, labels, dist);
            }
        }
        j += width;
    }
}

/// Columns summed per pass by [`exact_distances`].
const GROUP: usize = 4;

/// `dist[i] += Σ_g (cols[g][i] − c_{labels i, j0 + g})²`, added in `g` order.
#[inline(always)]
fn add_columns<const G: usize>(
    cols: &[&[f64]],
    centres: &[f64],
    d: usize,
    j0: usize,
    labels: &[usize],
    dist: &mut [f64],
) {
    let n = dist.len();
    let cols: [&[f64]; G] = std::array::from_fn(|g| &cols[g][..n]);
    for (i, (a, &l)) in dist.iter_mut().zip(labels).enumerate() {
        let c = &centres[l * d + j0..l * d + j0 + G];
        let mut s = *a;
        for g in 0..G {
            let diff = cols[g][i] - c[g];
            s += diff * diff;
        }
        *a = s;
    }
}

/// Labels one block of rows `x` (at most [`CHUNK`], so that it stays in cache): the
/// nearest centre of each row into `labels` and the weighted sum of the exact squared
/// distances `Σ wᵢ ‖xᵢ − c_{labels i}‖²` as the result, summed as
/// `lloyd::exact_inertia` sums a chunk. `centres` is the centres row-major (see
/// [`row_major_into`]); `dist` (one per row) and `tile` are working memory.
///
/// # Errors
/// [`Error::NonFinite`](ml_core::Error::NonFinite) for a non-finite row (its index
/// within the block).
fn label_block(
    nearest: &NearestRows,
    centres: &[f64],
    x: MatRef<'_, f64>,
    w: Option<&[f64]>,
    labels: &mut [usize],
    dist: &mut [f64],
    tile: &mut Vec<f64>,
) -> Result<f64> {
    nearest.assign(x, labels, dist, tile)?;
    // The GEMM's distances lose small values to cancellation: the inertia is summed
    // from direct differences instead, while the block is in cache.
    exact_distances(x, centres, labels, dist);
    Ok(match w {
        Some(w) => dist.iter().zip(w).map(|(a, wi)| a * wi).sum(),
        None => dist.iter().sum(),
    })
}

/// Labels of the rows of `x` and their weighted inertia (exact, as
/// [`exact_inertia`](super::super::lloyd::exact_inertia)): one pass over `x` in blocks of [`CHUNK`] rows, in
/// parallel, reduced in block order, so the result does not depend on the thread
/// count. Working memory besides the labels: the prepared centres, and per thread one
/// block's distances and GEMM tile.
///
/// # Errors
/// [`Error::NonFinite`](ml_core::Error::NonFinite) for a non-finite `x` (its first
/// non-finite entry); [`Error::InvalidData`](ml_core::Error::InvalidData) for
/// non-finite (overflowed) centres.
pub(super) fn label_all(
    x: MatRef<'_, f64>,
    w: Weights<'_>,
    centres: MatRef<'_, f64>,
) -> Result<(Vec<usize>, f64)> {
    check_centres_finite(centres)?;
    let nearest = NearestRows::new(centres)?;
    let mut centres_rm = Vec::new();
    row_major_into(centres, &mut centres_rm);
    let mut labels = vec![0usize; x.nrows()];
    let parts: Result<Vec<f64>> = labels
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map_init(
            || (vec![0.0; CHUNK], Vec::new()),
            |(dist, tile), (c, ls)| {
                let (r0, len) = (c * CHUNK, ls.len());
                label_block(
                    &nearest,
                    &centres_rm,
                    x.subrows(r0, len),
                    w.rows(r0, len),
                    ls,
                    &mut dist[..len],
                    tile,
                )
            },
        )
        .collect();
    // A block's error names a row of the block: report `x`'s first non-finite entry.
    let parts = parts.or_else(|e| validate::finite(x).and(Err(e)))?;
    Ok((labels, parts.iter().sum()))
}

/// The mean over columns of the (population) variance of each column of `x`, as
/// `kmeans::mean_variance` of the centred copy computes it, without the copy.
pub(super) fn mean_variance(x: MatRef<'_, f64>) -> f64 {
    let n = x.nrows() as f64;
    let per_column: Vec<f64> = (0..x.ncols())
        .into_par_iter()
        .map(|j| {
            let col = x.col(j);
            let mean = col.iter().sum::<f64>() / n;
            col.iter()
                .map(|&v| {
                    let c = v - mean;
                    c * c
                })
                .sum::<f64>()
                / n
        })
        .collect();
    per_column.iter().sum::<f64>() / x.ncols() as f64
}

/// Moves every centre to the running weighted mean of all samples it was given.
/// `sums` and `wsum` are working memory.
fn update(
    xb: MatRef<'_, f64>,
    wb: Weights<'_>,
    labels: &[usize],
    centres: &mut Mat<f64>,
    counts: &mut [f64],
    sums: &mut Vec<f64>,
    wsum: &mut Vec<f64>,
) {
    let (k, d) = (centres.nrows(), centres.ncols());
    sums.clear();
    sums.resize(k * d, 0.0);
    wsum.clear();
    wsum.resize(k, 0.0);
    match wb.rows(0, labels.len()) {
        None => {
            for &l in labels {
                wsum[l] += 1.0;
            }
            for j in 0..d {
                for (&l, &v) in labels.iter().zip(xb.col(j).iter()) {
                    sums[l * d + j] += v;
                }
            }
        }
        Some(wb) => {
            for (&l, &wi) in labels.iter().zip(wb) {
                wsum[l] += wi;
            }
            for j in 0..d {
                for ((&l, &wi), &v) in labels.iter().zip(wb).zip(xb.col(j).iter()) {
                    sums[l * d + j] += wi * v;
                }
            }
        }
    }
    for c in 0..k {
        if wsum[c] > 0.0 {
            let total = counts[c] + wsum[c];
            for j in 0..d {
                centres[(c, j)] = (centres[(c, j)] * counts[c] + sums[c * d + j]) / total;
            }
            counts[c] = total;
        }
    }
}

/// Moves centres with little accumulated weight onto random distinct batch samples (at
/// most half the batch), and gives them the smallest weight among the others.
fn reassign_small(
    xb: MatRef<'_, f64>,
    centres: &mut Mat<f64>,
    counts: &mut [f64],
    ratio: f64,
    rng: &mut ml_core::rng::Rng,
) {
    let k = counts.len();
    let max = counts.iter().copied().fold(0.0, f64::max);
    if !counts.iter().any(|&c| c < ratio * max) {
        return;
    }
    let mut flag: Vec<bool> = counts.iter().map(|&c| c < ratio * max).collect();
    let half = xb.nrows() / 2;
    if flag.iter().filter(|&&f| f).count() > half {
        // Keep only the `half` lightest centres flagged (stable order on ties).
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| counts[a].total_cmp(&counts[b]).then(a.cmp(&b)));
        for &c in &order[half..] {
            flag[c] = false;
        }
    }
    let chosen: Vec<usize> = (0..k).filter(|&c| flag[c]).collect();
    if chosen.is_empty() {
        return;
    }
    let picks = rand::seq::index::sample(rng, xb.nrows(), chosen.len()).into_vec();
    for (&c, &p) in chosen.iter().zip(&picks) {
        for j in 0..centres.ncols() {
            centres[(c, j)] = xb[(p, j)];
        }
    }
    let floor = (0..k)
        .filter(|&c| !flag[c])
        .map(|c| counts[c])
        .fold(f64::INFINITY, f64::min);
    if floor.is_finite() {
        for &c in &chosen {
            counts[c] = floor;
        }
    }
}

/// The early-stopping rules: the tolerance on the centre shift, and no improvement of
/// the exponentially weighted average of the per-sample batch inertia.
#[derive(Debug)]
pub(super) struct Monitor {
    batch: usize,
    n: usize,
    tol_abs: f64,
    max_no_improvement: Option<usize>,
    ewa: Option<f64>,
    ewa_min: Option<f64>,
    no_improvement: usize,
}

impl Monitor {
    pub(super) fn new(
        batch: usize,
        n: usize,
        tol_abs: f64,
        max_no_improvement: Option<usize>,
    ) -> Self {
        Self {
            batch,
            n,
            tol_abs,
            max_no_improvement,
            ewa: None,
            ewa_min: None,
            no_improvement: 0,
        }
    }

    /// Whether to stop after step `step` (0-based), whose total squared centre shift
    /// was `shift` and whose batch inertia was `batch_inertia`.
    pub(super) fn stop(&mut self, step: usize, shift: f64, batch_inertia: f64) -> bool {
        let inertia = batch_inertia / self.batch as f64;
        // The first step starts from arbitrary centres: its inertia is not informative.
        if step == 0 {
            return false;
        }
        let ewa = match self.ewa {
            None => inertia,
            Some(prev) => {
                let alpha = (self.batch as f64 * 2.0 / (self.n as f64 + 1.0)).min(1.0);
                prev * (1.0 - alpha) + inertia * alpha
            }
        };
        self.ewa = Some(ewa);
        if self.tol_abs > 0.0 && shift <= self.tol_abs {
            return true;
        }
        if self.ewa_min.is_none_or(|m| ewa < m) {
            self.no_improvement = 0;
            self.ewa_min = Some(ewa);
        } else {
            self.no_improvement += 1;
        }
        self.max_no_improvement
            .is_some_and(|m| self.no_improvement >= m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ml_core::linalg::argmin_squared_euclidean;

    use super::super::super::lloyd;

    /// `n × d` data in three loose groups, not a multiple of `CHUNK` rows.
    fn data(n: usize, d: usize) -> Mat<f64> {
        Mat::from_fn(n, d, |i, j| {
            10.0 * (i % 3) as f64 + ((i * 7 + j * 13) % 17) as f64 / 5.0 - 1.0
        })
    }

    #[test]
    fn full_pass_matches_argmin_and_exact_inertia() {
        for d in [1, 3, 4, 11, 20] {
            let x = data(3 * CHUNK + 37, d);
            let centres = Mat::from_fn(5, d, |i, j| x[(i * 101 + 3, j)] + 0.25);
            let w: Vec<f64> = (0..x.nrows()).map(|i| 0.5 + (i % 4) as f64).collect();
            let ones = vec![1.0; x.nrows()];
            let (want_labels, _) = argmin_squared_euclidean(x.as_ref(), centres.as_ref()).unwrap();
            // A row-major view takes the strided paths.
            let xt = x.transpose().to_owned();
            for view in [x.as_ref(), xt.transpose()] {
                for (weights, wv) in [(Weights::Unit, &ones), (Weights::Given(&w), &w)] {
                    let (labels, inertia) = label_all(view, weights, centres.as_ref()).unwrap();
                    assert_eq!(labels, want_labels, "d = {d}");
                    let want = lloyd::exact_inertia(x.as_ref(), wv, centres.as_ref(), &labels);
                    assert_eq!(inertia.to_bits(), want.to_bits(), "d = {d}");
                }
            }
        }
    }
}
