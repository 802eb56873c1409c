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

use faer::{Mat, MatRef};
use rand::Rng;
use serde::{Deserialize, Serialize};

use ml_core::linalg::argmin_squared_euclidean;
use ml_core::persist::Persist;
use ml_core::{FitUnsupervised, PartialFit, Predict, Result, Transform, validate};

use super::{Init, init, lloyd, mean_variance};

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

    fn check(&self, x: MatRef<'_, f64>) -> Result<()> {
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
        validate::matrix(x)?;
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
        self.check(x)?;
        Ok(self.fit_checked(x, &vec![1.0; x.nrows()]))
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
        self.check(x)?;
        validate::sample_weight(sample_weight, x.nrows())?;
        Ok(self.fit_checked(x, sample_weight))
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
    fn initial_centres(
        &self,
        x: MatRef<'_, f64>,
        w: &[f64],
        init_size: usize,
        rng: &mut ml_core::rng::Rng,
    ) -> Mat<f64> {
        let (n, k) = (x.nrows(), self.n_clusters);
        match &self.init {
            Init::Centres(c) => c.clone(),
            other => {
                let ids: Vec<usize> = if init_size < n {
                    (0..init_size).map(|_| rng.random_range(0..n)).collect()
                } else {
                    (0..n).collect()
                };
                let xs = rows_of(x, &ids);
                let ws: Vec<f64> = ids.iter().map(|&i| w[i]).collect();
                // A draw of only zero-weight samples cannot seed k-means++: fall back
                // to unit weights for the seeding.
                let ws = if ws.iter().any(|&v| v > 0.0) {
                    ws
                } else {
                    vec![1.0; ws.len()]
                };
                if matches!(other, Init::Random) {
                    init::random(xs.as_ref(), &ws, k, rng)
                } else {
                    let norms = lloyd::row_norms(xs.as_ref());
                    init::kmeans_plusplus(xs.as_ref(), &norms, &ws, k, rng)
                }
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
        let w = vec![1.0; x.nrows()];
        let mut rng = ml_core::rng::seeded(self.seed);
        let centres = self.initial_centres(x, &w, self.resolved_init_size(x.nrows()), &mut rng);
        let mut model = MiniBatchKMeansModel {
            labels: Vec::new(),
            inertia: 0.0,
            n_steps: 0,
            n_iter: 0,
            converged: false,
            stream: Stream::new(centres, self.reassignment_ratio),
            seed: self.seed,
        };
        model.partial_step(x, &w);
        Ok(model)
    }

    fn fit_checked(&self, x: MatRef<'_, f64>, w: &[f64]) -> MiniBatchKMeansModel {
        let (n, d, k) = (x.nrows(), x.ncols(), self.n_clusters);
        let batch = self.batch_size.min(n);
        let init_size = self.resolved_init_size(n);
        let n_init = self.n_init.unwrap_or(match self.init {
            Init::Random => 3,
            Init::KMeansPlusPlus | Init::Centres(_) => 1,
        });
        let mut rng = ml_core::rng::seeded(self.seed);

        // The validation draw every initialisation is scored on.
        let valid: Vec<usize> = (0..init_size).map(|_| rng.random_range(0..n)).collect();
        let x_valid = rows_of(x, &valid);
        let w_valid: Vec<f64> = valid.iter().map(|&i| w[i]).collect();
        let mut best: Option<(Mat<f64>, f64)> = None;
        for _ in 0..n_init {
            let centres = self.initial_centres(x, w, init_size, &mut rng);
            let inertia = assign(x_valid.as_ref(), &w_valid, centres.as_ref()).1;
            if best.as_ref().is_none_or(|(_, b)| inertia < *b) {
                best = Some((centres, inertia));
            }
        }
        let centres = best.map_or_else(|| Mat::zeros(k, d), |(c, _)| c);

        let tol_abs = if self.tol > 0.0 {
            let means: Vec<f64> = (0..d)
                .map(|j| x.col(j).iter().sum::<f64>() / n as f64)
                .collect();
            self.tol * mean_variance(Mat::from_fn(n, d, |i, j| x[(i, j)] - means[j]).as_ref())
        } else {
            0.0
        };
        let mut stream = Stream::new(centres, self.reassignment_ratio);
        let mut monitor = Monitor::new(batch, n, tol_abs, self.max_no_improvement);
        let n_steps = (self.max_iter * n) / batch;
        let mut steps_done = 0;
        let mut converged = false;
        for step in 0..n_steps {
            let ids: Vec<usize> = (0..batch).map(|_| rng.random_range(0..n)).collect();
            let xb = rows_of(x, &ids);
            let wb: Vec<f64> = ids.iter().map(|&i| w[i]).collect();
            let old = stream.centres.clone();
            let (_, inertia) = stream.step(xb.as_ref(), &wb, &mut rng);
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
        let (labels, inertia) = assign(x, w, stream.centres.as_ref());
        MiniBatchKMeansModel {
            labels,
            inertia,
            n_steps: steps_done,
            n_iter: (steps_done * batch).div_ceil(n),
            converged,
            stream,
            seed: self.seed,
        }
    }
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
    /// the batch labels (against the centres before the step) and its inertia.
    fn step(
        &mut self,
        xb: MatRef<'_, f64>,
        wb: &[f64],
        rng: &mut ml_core::rng::Rng,
    ) -> (Vec<usize>, f64) {
        let k = self.centres.nrows();
        self.since_reassign += xb.nrows();
        let reassign = self.counts.contains(&0.0) || self.since_reassign >= 10 * k;
        if reassign {
            self.since_reassign = 0;
        }
        let (labels, inertia) = assign(xb, wb, self.centres.as_ref());
        update(xb, wb, &labels, &mut self.centres, &mut self.counts);
        if reassign && self.reassignment_ratio > 0.0 {
            reassign_small(
                xb,
                &mut self.centres,
                &mut self.counts,
                self.reassignment_ratio,
                rng,
            );
        }
        (labels, inertia)
    }
}

/// The rows `ids` of `x`, in that order.
fn rows_of(x: MatRef<'_, f64>, ids: &[usize]) -> Mat<f64> {
    Mat::from_fn(ids.len(), x.ncols(), |i, j| x[(ids[i], j)])
}

/// Labels of the rows of `x` and their weighted inertia.
fn assign(x: MatRef<'_, f64>, w: &[f64], centres: MatRef<'_, f64>) -> (Vec<usize>, f64) {
    let (labels, _) = argmin_squared_euclidean(x, centres)
        .unwrap_or_else(|e| unreachable!("validated input rejected: {e}"));
    let inertia = lloyd::exact_inertia(x, w, centres, &labels);
    (labels, inertia)
}

/// Moves every centre to the running weighted mean of all samples it was given.
fn update(
    xb: MatRef<'_, f64>,
    wb: &[f64],
    labels: &[usize],
    centres: &mut Mat<f64>,
    counts: &mut [f64],
) {
    let (k, d) = (centres.nrows(), centres.ncols());
    let mut sums = vec![0.0; k * d];
    let mut wsum = vec![0.0; k];
    for (&l, &wi) in labels.iter().zip(wb) {
        wsum[l] += wi;
    }
    for j in 0..d {
        for ((&l, &wi), &v) in labels.iter().zip(wb).zip(xb.col(j).iter()) {
            sums[l * d + j] += wi * v;
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
        self.partial_step(x, &vec![1.0; x.nrows()]);
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
        self.partial_step(x, sample_weight);
        Ok(())
    }

    fn partial_step(&mut self, x: MatRef<'_, f64>, w: &[f64]) {
        let mut rng = ml_core::rng::for_stream(self.seed, self.n_steps as u64 + 1);
        self.stream.step(x, w, &mut rng);
        // As scikit-learn: the batch's labels and inertia against the updated centres.
        let (labels, inertia) = assign(x, w, self.stream.centres.as_ref());
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
        Ok(-assign(x, &vec![1.0; x.nrows()], self.stream.centres.as_ref()).1)
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
