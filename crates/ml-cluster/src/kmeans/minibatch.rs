//! Mini-batch k-means: [`MiniBatchKMeans`] and its fitted [`MiniBatchKMeansModel`].
//!
//! Follows scikit-learn 1.9's `MiniBatchKMeans`:
//!
//! * The initial centres come from `init_size` samples drawn with replacement
//!   (default `3 · batch_size`, at least `3 · n_clusters`); with `n_init > 1` the start
//!   with the lowest inertia on a fixed validation draw of `init_size` samples is kept.
//! * Each step draws `batch_size` samples with replacement, assigns them to the nearest
//!   centre, and moves each centre to the running weighted mean of every sample it has
//!   been given so far (learning rate `w / total weight`).
//! * Every `10 · n_clusters` samples (or whenever a centre has no weight yet), centres
//!   whose accumulated weight is below `reassignment_ratio` times the largest are
//!   moved to random samples of the current batch.
//! * The run stops after `max_iter` passes over the data, when the centres move less
//!   than `tol` (relative, as in [`KMeans`](super::KMeans); off by default), or when
//!   the exponentially weighted average of the batch inertia has not improved for
//!   `max_no_improvement` steps.
//! * The final labels and inertia come from one full assignment pass.
//!
//! Results match scikit-learn statistically (its random stream is numpy's), not
//! sample for sample. Assignment is parallel over fixed blocks; updates are sequential,
//! so the thread count does not change the model.
//!
//! Cost: the steps touch only the sampled rows, so on large data the time goes to the
//! final pass. That pass reads `X` once: each block of 256 rows is checked to be
//! finite, labelled (one GEMM tile) and its exact inertia summed while it is in cache,
//! in parallel, with working memory of `O(k · d)` per thread (the prepared centres and
//! one block's distances) besides the labels. `fit` does not scan `X` for non-finite
//! values up front: every row the fit reads (the initialisation draw, each batch, then
//! every block of the final pass) is checked before it is used, and a failed check
//! reports the first non-finite entry of all of `X`, the same error the up-front check
//! gave.

use faer::{Mat, MatMut, MatRef};
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use ml_core::linalg::{NearestRows, argmin_squared_euclidean};
use ml_core::persist::Persist;
use ml_core::{FitUnsupervised, PartialFit, Predict, Result, Transform, validate};

use super::lloyd::CHUNK;
use super::{Init, init, lloyd};

/// Mini-batch k-means: hyper-parameters only; [`fit`](MiniBatchKMeans::fit) returns a
/// [`MiniBatchKMeansModel`].
///
/// ```
/// use faer::Mat;
/// use ml_cluster::MiniBatchKMeans;
///
/// // Two tight groups of 50 points, around (0, 0) and (10, 10).
/// let x = Mat::from_fn(100, 2, |i, j| 10.0 * (i % 2) as f64 + 0.01 * ((i * 7 + j) % 5) as f64);
/// let model = MiniBatchKMeans::new(2).batch_size(20).seed(0).fit(x.as_ref())?;
/// let labels = model.labels();
/// assert_ne!(labels[0], labels[1]);
/// assert!(labels.iter().step_by(2).all(|&l| l == labels[0]));
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchKMeans {
    n_clusters: usize,
    init: Init,
    n_init: Option<usize>,
    max_iter: usize,
    batch_size: usize,
    tol: f64,
    max_no_improvement: Option<usize>,
    init_size: Option<usize>,
    reassignment_ratio: f64,
    seed: u64,
}

impl Default for MiniBatchKMeans {
    /// `MiniBatchKMeans::new(8)`, scikit-learn's default number of clusters.
    fn default() -> Self {
        Self::new(8)
    }
}

impl MiniBatchKMeans {
    /// Mini-batch k-means with `n_clusters` clusters and scikit-learn's other defaults.
    pub fn new(n_clusters: usize) -> Self {
        Self {
            n_clusters,
            init: Init::KMeansPlusPlus,
            n_init: None,
            max_iter: 100,
            batch_size: 1024,
            tol: 0.0,
            max_no_improvement: Some(10),
            init_size: None,
            reassignment_ratio: 0.01,
            seed: 0,
        }
    }

    /// The number of clusters. Default: the value given to [`new`](Self::new).
    pub fn n_clusters(mut self, n_clusters: usize) -> Self {
        self.n_clusters = n_clusters;
        self
    }

    /// How initial centres are chosen (on the `init_size` draw). Default:
    /// [`Init::KMeansPlusPlus`].
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// The number of initialisations tried; the best on a validation draw is kept.
    /// Default: "auto", scikit-learn's: 1 for [`Init::KMeansPlusPlus`] and
    /// [`Init::Centres`], 3 for [`Init::Random`].
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }

    /// The most passes over the data (epochs). Default: 100.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Samples per mini-batch (capped at the number of samples). Default: 1024.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Relative tolerance on the squared centre shift of one step (times the mean
    /// per-feature variance of `X`); 0 disables this test. Default: 0.0.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Stop after this many steps without improvement of the smoothed batch inertia;
    /// `None` disables this test. Default: `Some(10)`.
    pub fn max_no_improvement(mut self, steps: Option<usize>) -> Self {
        self.max_no_improvement = steps;
        self
    }

    /// Samples drawn (with replacement) to choose the initial centres on. Default:
    /// `3 · batch_size`, raised to `3 · n_clusters` if smaller, capped at the number of
    /// samples.
    pub fn init_size(mut self, init_size: usize) -> Self {
        self.init_size = Some(init_size);
        self
    }

    /// Centres whose accumulated weight is below this fraction of the largest are
    /// reassigned to random batch samples; 0 disables reassignment. Default: 0.01.
    pub fn reassignment_ratio(mut self, ratio: f64) -> Self {
        self.reassignment_ratio = ratio;
        self
    }

    /// The seed of every random choice. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Every check of `x` and the hyper-parameters, in their reporting order.
    fn check(&self, x: MatRef<'_, f64>) -> Result<()> {
        self.check_params()?;
        validate::matrix(x)?;
        self.check_shape(x)
    }

    /// The checks of `fit` before the data is read: the hyper-parameters and a
    /// non-empty `x`; then `rest`, the checks that come after finiteness in the
    /// reporting order, with the finiteness check of all of `x` run first if `rest`
    /// fails (so a non-finite `x` is still reported before them). A successful return
    /// leaves the finiteness of `x` to be checked as its rows are read.
    fn check_before_reading(
        &self,
        x: MatRef<'_, f64>,
        rest: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.check_params()?;
        validate::non_empty(x, "X")?;
        rest().or_else(|e| validate::finite(x).and(Err(e)))
    }

    fn check_params(&self) -> Result<()> {
        validate::at_least("n_clusters", self.n_clusters, 1, "at least 1")?;
        validate::at_least("max_iter", self.max_iter, 1, "at least 1")?;
        validate::at_least("batch_size", self.batch_size, 1, "at least 1")?;
        validate::non_negative_param("tol", self.tol)?;
        validate::non_negative_param("reassignment_ratio", self.reassignment_ratio)?;
        if let Some(n) = self.n_init {
            validate::at_least("n_init", n, 1, "at least 1")?;
        }
        if let Some(s) = self.init_size {
            validate::at_least("init_size", s, 1, "at least 1")?;
        }
        Ok(())
    }

    /// The checks of `x` that come after its finiteness.
    fn check_shape(&self, x: MatRef<'_, f64>) -> Result<()> {
        validate::min_samples(x.nrows(), self.n_clusters)?;
        if let Init::Centres(c) = &self.init {
            super::check_centres(c.as_ref(), self.n_clusters, x.ncols())?;
        }
        Ok(())
    }

    /// Fits the model with every sample weighted 1.
    ///
    /// # Errors
    /// As [`KMeans::fit`](super::KMeans::fit), plus [`Error::InvalidParameter`](ml_core::Error::InvalidParameter) for a
    /// `batch_size` or `init_size` of 0 or a negative `reassignment_ratio`.
    pub fn fit(&self, x: MatRef<'_, f64>) -> Result<MiniBatchKMeansModel> {
        self.check_before_reading(x, || self.check_shape(x))?;
        self.fit_checked(x, Weights::Unit)
    }

    /// Fits the model with one non-negative weight per sample.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus the sample-weight errors of
    /// [`KMeans::fit_weighted`](super::KMeans::fit_weighted).
    pub fn fit_weighted(
        &self,
        x: MatRef<'_, f64>,
        sample_weight: &[f64],
    ) -> Result<MiniBatchKMeansModel> {
        self.check_before_reading(x, || {
            self.check_shape(x)?;
            validate::sample_weight(sample_weight, x.nrows())
        })?;
        self.fit_checked(x, Weights::Given(sample_weight))
    }

    /// `init_size` as scikit-learn resolves it for `n` samples.
    fn resolved_init_size(&self, n: usize) -> usize {
        let mut init_size = self.init_size.unwrap_or(3 * self.batch_size.min(n));
        if init_size < self.n_clusters {
            init_size = 3 * self.n_clusters;
        }
        init_size.min(n)
    }

    /// One set of initial centres, chosen on `init_size` samples drawn with
    /// replacement (all samples when `init_size` is `n`).
    ///
    /// # Errors
    /// [`Error::NonFinite`](ml_core::Error::NonFinite) for `x` when a drawn row is not
    /// finite.
    fn initial_centres(
        &self,
        x: MatRef<'_, f64>,
        w: Weights<'_>,
        init_size: usize,
        rng: &mut ml_core::rng::Rng,
    ) -> Result<Mat<f64>> {
        let (n, k) = (x.nrows(), self.n_clusters);
        match &self.init {
            Init::Centres(c) => Ok(c.clone()),
            other => {
                let ids: Vec<usize> = if init_size < n {
                    (0..init_size).map(|_| rng.random_range(0..n)).collect()
                } else {
                    (0..n).collect()
                };
                let xs = rows_of(x, &ids);
                finite_as_whole(x, xs.as_ref())?;
                let ws: Vec<f64> = ids.iter().map(|&i| w.at(i)).collect();
                // A draw of only zero-weight samples cannot seed k-means++: fall back
                // to unit weights for the seeding.
                let ws = if ws.iter().any(|&v| v > 0.0) {
                    ws
                } else {
                    vec![1.0; ws.len()]
                };
                Ok(if matches!(other, Init::Random) {
                    init::random(xs.as_ref(), &ws, k, rng)
                } else {
                    let norms = lloyd::row_norms(xs.as_ref());
                    init::kmeans_plusplus(xs.as_ref(), &norms, &ws, k, rng)
                })
            }
        }
    }

    /// Starts a model from its first mini-batch `x` (scikit-learn's first
    /// `partial_fit`): initial centres chosen on `x` (one initialisation), then one
    /// mini-batch step on `x`. Feed later batches to
    /// [`MiniBatchKMeansModel::partial_fit`]. `max_iter`, `tol`, `max_no_improvement`
    /// and `n_init` do not apply to streaming.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), for the batch `x`.
    pub fn partial_fit(&self, x: MatRef<'_, f64>) -> Result<MiniBatchKMeansModel> {
        self.check(x)?;
        let mut rng = ml_core::rng::seeded(self.seed);
        let centres = self.initial_centres(
            x,
            Weights::Unit,
            self.resolved_init_size(x.nrows()),
            &mut rng,
        )?;
        let mut model = MiniBatchKMeansModel {
            labels: Vec::new(),
            inertia: 0.0,
            n_steps: 0,
            n_iter: 0,
            converged: false,
            stream: Stream::new(centres, self.reassignment_ratio),
            seed: self.seed,
        };
        model.partial_step(x, Weights::Unit);
        Ok(model)
    }

    /// The fit, on `x` checked but for finiteness (see the module documentation).
    fn fit_checked(&self, x: MatRef<'_, f64>, w: Weights<'_>) -> Result<MiniBatchKMeansModel> {
        let (n, d, k) = (x.nrows(), x.ncols(), self.n_clusters);
        let batch = self.batch_size.min(n);
        let init_size = self.resolved_init_size(n);
        let n_init = self.n_init.unwrap_or(match self.init {
            Init::Random => 3,
            Init::KMeansPlusPlus | Init::Centres(_) => 1,
        });
        let mut rng = ml_core::rng::seeded(self.seed);

        // The validation draw every initialisation is scored on. With one
        // initialisation there is nothing to choose between: the draw is still made,
        // so that the random stream (and the model) does not depend on this shortcut.
        let valid: Vec<usize> = (0..init_size).map(|_| rng.random_range(0..n)).collect();
        let centres = if n_init == 1 {
            self.initial_centres(x, w, init_size, &mut rng)?
        } else {
            let x_valid = rows_of(x, &valid);
            finite_as_whole(x, x_valid.as_ref())?;
            let w_valid: Vec<f64> = valid.iter().map(|&i| w.at(i)).collect();
            let mut best: Option<(Mat<f64>, f64)> = None;
            for _ in 0..n_init {
                let centres = self.initial_centres(x, w, init_size, &mut rng)?;
                let inertia =
                    label_all(x_valid.as_ref(), Weights::Given(&w_valid), centres.as_ref())?.1;
                if best.as_ref().is_none_or(|(_, b)| inertia < *b) {
                    best = Some((centres, inertia));
                }
            }
            best.map_or_else(|| Mat::zeros(k, d), |(c, _)| c)
        };

        let tol_abs = if self.tol > 0.0 {
            self.tol * mean_variance(x)
        } else {
            0.0
        };
        let mut stream = Stream::new(centres, self.reassignment_ratio);
        let mut monitor = Monitor::new(batch, n, tol_abs, self.max_no_improvement);
        let n_steps = (self.max_iter * n) / batch;
        let mut steps_done = 0;
        let mut converged = false;
        let mut buf = Buffers::default();
        let mut ids = vec![0; batch];
        let mut xb = Mat::<f64>::zeros(batch, d);
        let mut wb = vec![0.0; if matches!(w, Weights::Unit) { 0 } else { batch }];
        let mut old = Mat::<f64>::zeros(if tol_abs > 0.0 { k } else { 0 }, d);
        for step in 0..n_steps {
            for id in &mut ids {
                *id = rng.random_range(0..n);
            }
            gather_rows(x, &ids, xb.as_mut());
            finite_as_whole(x, xb.as_ref())?;
            let wb = match w {
                Weights::Unit => Weights::Unit,
                Weights::Given(all) => {
                    for (v, &i) in wb.iter_mut().zip(&ids) {
                        *v = all[i];
                    }
                    Weights::Given(&wb)
                }
            };
            if tol_abs > 0.0 {
                old.copy_from(&stream.centres);
            }
            let inertia = stream.step(xb.as_ref(), wb, &mut rng, &mut buf);
            let shift = if tol_abs > 0.0 {
                let c = &stream.centres;
                (0..k)
                    .flat_map(|i| (0..d).map(move |j| (i, j)))
                    .map(|(i, j)| (c[(i, j)] - old[(i, j)]).powi(2))
                    .sum()
            } else {
                0.0
            };
            steps_done = step + 1;
            if monitor.stop(step, shift, inertia) {
                converged = true;
                break;
            }
        }
        let (labels, inertia) = label_all(x, w, stream.centres.as_ref())?;
        Ok(MiniBatchKMeansModel {
            labels,
            inertia,
            n_steps: steps_done,
            n_iter: (steps_done * batch).div_ceil(n),
            converged,
            stream,
            seed: self.seed,
        })
    }
}

/// Sample weights: all 1 (no vector is made for [`MiniBatchKMeans::fit`]) or one per
/// sample.
#[derive(Debug, Clone, Copy)]
enum Weights<'a> {
    Unit,
    Given(&'a [f64]),
}

impl<'a> Weights<'a> {
    fn at(self, i: usize) -> f64 {
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
struct Buffers {
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
struct Stream {
    #[serde(with = "ml_core::persist::mat")]
    centres: Mat<f64>,
    counts: Vec<f64>,
    since_reassign: usize,
    reassignment_ratio: f64,
}

impl Stream {
    fn new(centres: Mat<f64>, reassignment_ratio: f64) -> Self {
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
    fn step(
        &mut self,
        xb: MatRef<'_, f64>,
        wb: Weights<'_>,
        rng: &mut ml_core::rng::Rng,
        buf: &mut Buffers,
    ) -> f64 {
        let k = self.centres.nrows();
        self.since_reassign += xb.nrows();
        let reassign = self.counts.contains(&0.0) || self.since_reassign >= 10 * k;
        if reassign {
            self.since_reassign = 0;
        }
        let b = xb.nrows();
        buf.labels.resize(b, 0);
        buf.dist.resize(b, 0.0);
        let nearest = NearestRows::new(self.centres.as_ref())
            // The centres are means of checked rows: finite and non-empty.
            .unwrap_or_else(|e| unreachable!("validated input rejected: {e}"));
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
            )
            .unwrap_or_else(|e| unreachable!("validated input rejected: {e}"));
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
        inertia
    }
}

/// The rows `ids` of `x`, in that order.
fn rows_of(x: MatRef<'_, f64>, ids: &[usize]) -> Mat<f64> {
    Mat::from_fn(ids.len(), x.ncols(), |i, j| x[(ids[i], j)])
}

/// Copies the rows `ids` of `x` into `out` (`ids.len() × d`), column by column; the
/// columns in parallel when `x` is too large for the cache (every read a miss) and the
/// batch large enough to pay for it.
fn gather_rows(x: MatRef<'_, f64>, ids: &[usize], out: MatMut<'_, f64>) {
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
fn finite_as_whole(x: MatRef<'_, f64>, part: MatRef<'_, f64>) -> Result<()> {
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
/// [`lloyd::exact_inertia`]): one pass over `x` in blocks of [`CHUNK`] rows, in
/// parallel, reduced in block order, so the result does not depend on the thread
/// count. Working memory besides the labels: the prepared centres, and per thread one
/// block's distances and GEMM tile.
///
/// # Errors
/// [`Error::NonFinite`](ml_core::Error::NonFinite) for a non-finite `x` (its first
/// non-finite entry) or non-finite centres.
fn label_all(
    x: MatRef<'_, f64>,
    w: Weights<'_>,
    centres: MatRef<'_, f64>,
) -> Result<(Vec<usize>, f64)> {
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
/// `super::mean_variance` of the centred copy computes it, without the copy.
fn mean_variance(x: MatRef<'_, f64>) -> f64 {
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
struct Monitor {
    batch: usize,
    n: usize,
    tol_abs: f64,
    max_no_improvement: Option<usize>,
    ewa: Option<f64>,
    ewa_min: Option<f64>,
    no_improvement: usize,
}

impl Monitor {
    fn new(batch: usize, n: usize, tol_abs: f64, max_no_improvement: Option<usize>) -> Self {
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

    fn stop(&mut self, step: usize, shift: f64, batch_inertia: f64) -> bool {
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

impl FitUnsupervised for MiniBatchKMeans {
    type Model = MiniBatchKMeansModel;

    fn fit(&self, x: MatRef<'_, f64>) -> Result<MiniBatchKMeansModel> {
        MiniBatchKMeans::fit(self, x)
    }
}

/// A fitted mini-batch k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchKMeansModel {
    labels: Vec<usize>,
    inertia: f64,
    n_steps: usize,
    n_iter: usize,
    converged: bool,
    stream: Stream,
    seed: u64,
}

impl Persist for MiniBatchKMeansModel {
    const MODEL_NAME: &'static str = "ml_cluster::MiniBatchKMeansModel";
}

impl MiniBatchKMeansModel {
    /// The centres, one row per cluster (scikit-learn's `cluster_centers_`).
    pub fn cluster_centers(&self) -> MatRef<'_, f64> {
        self.stream.centres.as_ref()
    }

    /// The number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.stream.centres.nrows()
    }

    /// One more mini-batch step on `x`, every sample weighted 1 (scikit-learn's
    /// `partial_fit`); afterwards [`labels`](Self::labels) and
    /// [`inertia`](Self::inertia) describe this batch. Reassignments draw from stream
    /// `n_steps` of the seed, so a sequence of batches gives the same model on any
    /// thread count and after a save and load.
    ///
    /// # Errors
    /// [`ml_core::Error::EmptyInput`], [`ml_core::Error::ShapeMismatch`] or
    /// [`ml_core::Error::NonFinite`].
    pub fn partial_fit(&mut self, x: MatRef<'_, f64>) -> Result<()> {
        validate::matrix_with_features(x, self.n_features_in())?;
        self.partial_step(x, Weights::Unit);
        Ok(())
    }

    /// [`partial_fit`](Self::partial_fit) with one non-negative weight per sample.
    ///
    /// # Errors
    /// As [`partial_fit`](Self::partial_fit), plus the sample-weight errors of
    /// [`KMeans::fit_weighted`](super::KMeans::fit_weighted).
    pub fn partial_fit_weighted(
        &mut self,
        x: MatRef<'_, f64>,
        sample_weight: &[f64],
    ) -> Result<()> {
        validate::matrix_with_features(x, self.n_features_in())?;
        validate::sample_weight(sample_weight, x.nrows())?;
        self.partial_step(x, Weights::Given(sample_weight));
        Ok(())
    }

    fn partial_step(&mut self, x: MatRef<'_, f64>, w: Weights<'_>) {
        let mut rng = ml_core::rng::for_stream(self.seed, self.n_steps as u64 + 1);
        self.stream.step(x, w, &mut rng, &mut Buffers::default());
        // As scikit-learn: the batch's labels and inertia against the updated centres.
        let (labels, inertia) = label_all(x, w, self.stream.centres.as_ref())
            .unwrap_or_else(|e| unreachable!("validated input rejected: {e}"));
        self.labels = labels;
        self.inertia = inertia;
        self.n_steps += 1;
    }

    /// The nearest final centre of every training sample (scikit-learn's `labels_`);
    /// after [`partial_fit`](Self::partial_fit), the labels of the last batch.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The weighted sum of squared distances of the training samples to their nearest
    /// final centre (scikit-learn's `inertia_`).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The mini-batch steps made, by `fit` and [`partial_fit`](Self::partial_fit)
    /// (scikit-learn's `n_steps_`).
    pub fn n_steps(&self) -> usize {
        self.n_steps
    }

    /// The passes over the data `fit` made, rounded up (scikit-learn's `n_iter_`); not
    /// changed by [`partial_fit`](Self::partial_fit), which does not know the data size.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether an early-stopping rule ended `fit` before `max_iter` passes (false for
    /// a model started by [`MiniBatchKMeans::partial_fit`]).
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The total sample weight each centre has absorbed (scikit-learn's `_counts`).
    pub fn counts(&self) -> &[f64] {
        &self.stream.counts
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.stream.centres.ncols()
    }

    /// The nearest centre of every row of `x` (ties go to the lowest index).
    ///
    /// # Errors
    /// [`ml_core::Error::EmptyInput`], [`ml_core::Error::ShapeMismatch`] or
    /// [`ml_core::Error::NonFinite`].
    pub fn predict(&self, x: MatRef<'_, f64>) -> Result<Vec<usize>> {
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(argmin_squared_euclidean(x, self.stream.centres.as_ref())?.0)
    }

    /// The Euclidean distance of every row of `x` to every centre.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn transform(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        validate::matrix_with_features(x, self.n_features_in())?;
        super::distances(x, self.stream.centres.as_ref())
    }

    /// The opposite of the inertia of `x` against the centres: higher is better.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn score(&self, x: MatRef<'_, f64>) -> Result<f64> {
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(-label_all(x, Weights::Unit, self.stream.centres.as_ref())?.1)
    }
}

impl PartialFit for MiniBatchKMeansModel {
    fn partial_fit(&mut self, x: MatRef<'_, f64>, _y: &()) -> Result<()> {
        MiniBatchKMeansModel::partial_fit(self, x)
    }
}

impl Predict for MiniBatchKMeansModel {
    type Output = Vec<usize>;

    fn predict(&self, x: MatRef<'_, f64>) -> Result<Vec<usize>> {
        MiniBatchKMeansModel::predict(self, x)
    }

    fn n_features_in(&self) -> usize {
        MiniBatchKMeansModel::n_features_in(self)
    }
}

impl Transform for MiniBatchKMeansModel {
    fn transform(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        MiniBatchKMeansModel::transform(self, x)
    }

    fn n_features_in(&self) -> usize {
        MiniBatchKMeansModel::n_features_in(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ml_core::Error;

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

    #[test]
    fn non_finite_values_anywhere_are_reported_as_the_up_front_check_did() {
        let x = data(2000, 3);
        // Small draws and an early stop: most rows are only read by the final pass.
        let est = MiniBatchKMeans::new(3)
            .batch_size(8)
            .init_size(9)
            .max_no_improvement(Some(1));
        for cells in [
            vec![(1999, 2, f64::NAN)],
            vec![(700, 0, f64::INFINITY)],
            vec![(1500, 1, f64::NAN), (3, 2, f64::NEG_INFINITY)],
        ] {
            let mut bad = x.clone();
            for &(i, j, v) in &cells {
                bad[(i, j)] = v;
            }
            let want = validate::matrix(bad.as_ref()).unwrap_err();
            assert!(matches!(want, Error::NonFinite { .. }));
            // `NonFinite` holds the value, and NaN != NaN: compare the printed errors.
            let want = format!("{want:?}");
            let err = |r: Result<MiniBatchKMeansModel>| format!("{:?}", r.unwrap_err());
            for seed in 0..4 {
                assert_eq!(err(est.clone().seed(seed).fit(bad.as_ref())), want);
                let w = vec![1.0; bad.nrows()];
                assert_eq!(
                    err(est.clone().seed(seed).fit_weighted(bad.as_ref(), &w)),
                    want
                );
            }
            // Before the checks that come after finiteness.
            assert_eq!(err(MiniBatchKMeans::new(3000).fit(bad.as_ref())), want);
            assert_eq!(err(est.fit_weighted(bad.as_ref(), &[1.0; 5])), want);
            let given = est.clone().init(Init::Centres(Mat::zeros(3, 2)));
            assert_eq!(err(given.fit(bad.as_ref())), want);
        }
    }

    #[test]
    fn unit_weights_fit_as_given_ones() {
        let x = data(1500, 4);
        let est = MiniBatchKMeans::new(3).batch_size(64).seed(5);
        let a = est.fit(x.as_ref()).unwrap();
        let b = est.fit_weighted(x.as_ref(), &vec![1.0; 1500]).unwrap();
        assert_eq!(a, b);
    }
}
