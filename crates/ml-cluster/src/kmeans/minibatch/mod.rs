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
//!
//! This module holds the estimator, its checks and the model's API; the step, the
//! full labelling pass and the other kernels are in `steps`.

mod steps;

use faer::{Mat, MatRef};
use rand::Rng;
use serde::{Deserialize, Serialize};

use ml_core::linalg::argmin_squared_euclidean;
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Features, FitUnsupervised, FitUnsupervisedWeighted, Fitted, PartialFit, Predict, Result,
    Transform, validate,
};

use self::steps::{
    Buffers, Monitor, Stream, Weights, finite_as_whole, gather_rows, label_all, mean_variance,
    rows_of,
};
use super::{KMeansInit, init, lloyd};

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
    init: KMeansInit,
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
            init: KMeansInit::KMeansPlusPlus,
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
    /// [`KMeansInit::KMeansPlusPlus`].
    pub fn init(mut self, init: KMeansInit) -> Self {
        self.init = init;
        self
    }

    /// The number of initialisations tried; the best on a validation draw is kept.
    /// Default: "auto", scikit-learn's: 1 for [`KMeansInit::KMeansPlusPlus`] and
    /// [`KMeansInit::Centres`], 3 for [`KMeansInit::Random`]. At most 1000.
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
            validate::at_least("n_init", n, 1, "between 1 and 1000")?;
            validate::at_most("n_init", n, 1000, "between 1 and 1000")?;
        }
        if let Some(s) = self.init_size {
            validate::at_least("init_size", s, 1, "at least 1")?;
        }
        Ok(())
    }

    /// The checks of `x` that come after its finiteness.
    fn check_shape(&self, x: MatRef<'_, f64>) -> Result<()> {
        validate::min_samples(x.nrows(), self.n_clusters)?;
        if let KMeansInit::Centres(c) = &self.init {
            super::check_centres(c.as_ref(), self.n_clusters, x.ncols())?;
        }
        Ok(())
    }

    /// Fits the model with every sample weighted 1.
    ///
    /// # Errors
    /// As [`KMeans::fit`](super::KMeans::fit), plus [`Error::InvalidParameter`](ml_core::Error::InvalidParameter) for a
    /// `batch_size` or `init_size` of 0 or a negative `reassignment_ratio`;
    /// [`Error::Unsupported`](ml_core::Error::Unsupported) for sparse (CSR) `x`.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<MiniBatchKMeansModel> {
        let x = x.into().dense("MiniBatchKMeans")?;
        self.check_before_reading(x, || self.check_shape(x))?;
        self.fit_checked(x, Weights::Unit)
    }

    /// Fits the model with one non-negative weight per sample.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus the sample-weight errors of
    /// [`KMeans::fit_weighted`](super::KMeans::fit_weighted).
    pub fn fit_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        sample_weight: &[f64],
    ) -> Result<MiniBatchKMeansModel> {
        let x = x.into().dense("MiniBatchKMeans")?;
        self.check_before_reading(x, || {
            self.check_shape(x)?;
            super::check_sample_weight(sample_weight, x.nrows())
        })?;
        self.fit_checked(x, Weights::Given(sample_weight))
    }

    /// `init_size` as scikit-learn resolves it for `n` samples.
    fn resolved_init_size(&self, n: usize) -> usize {
        let mut init_size = self
            .init_size
            .unwrap_or(self.batch_size.min(n).saturating_mul(3));
        if init_size < self.n_clusters {
            init_size = self.n_clusters.saturating_mul(3);
        }
        init_size.min(n)
    }

    /// One set of initial centres, chosen on `init_size` samples drawn with
    /// replacement (all samples when `init_size` is `n`).
    ///
    /// # Errors
    /// [`Error::NonFinite`](ml_core::Error::NonFinite) for `x` when a drawn row is not finite.
    fn initial_centres(
        &self,
        x: MatRef<'_, f64>,
        w: Weights<'_>,
        init_size: usize,
        rng: &mut ml_core::rng::Rng,
    ) -> Result<Mat<f64>> {
        let (n, k) = (x.nrows(), self.n_clusters);
        match &self.init {
            KMeansInit::Centres(c) => Ok(c.clone()),
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
                Ok(if matches!(other, KMeansInit::Random) {
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
    pub fn partial_fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<MiniBatchKMeansModel> {
        let x = x.into().dense("MiniBatchKMeans")?;
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
        model.partial_step(x, Weights::Unit)?;
        validate::fitted("MiniBatchKMeans", model)
    }

    /// The fit, on `x` checked but for finiteness (see the module documentation).
    fn fit_checked(&self, x: MatRef<'_, f64>, w: Weights<'_>) -> Result<MiniBatchKMeansModel> {
        let (n, d, k) = (x.nrows(), x.ncols(), self.n_clusters);
        let batch = self.batch_size.min(n);
        let init_size = self.resolved_init_size(n);
        let n_init = self.n_init.unwrap_or(match self.init {
            KMeansInit::Random => 3,
            KMeansInit::KMeansPlusPlus | KMeansInit::Centres(_) => 1,
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
        let n_steps = steps_for(self.max_iter, n, batch);
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
            let inertia = stream.step(xb.as_ref(), wb, &mut rng, &mut buf)?;
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
        validate::fitted(
            "MiniBatchKMeans",
            MiniBatchKMeansModel {
                labels,
                inertia,
                n_steps: steps_done,
                n_iter: passes_for(steps_done, batch, n),
                converged,
                stream,
                seed: self.seed,
            },
        )
    }
}

/// The number of mini-batch steps of `max_iter` passes over `n` samples in batches of
/// `batch`: `⌊max_iter · n / batch⌋`, computed without overflow and saturated at
/// `usize::MAX` (the early-stopping rules end such a run).
fn steps_for(max_iter: usize, n: usize, batch: usize) -> usize {
    let steps = (max_iter as u128 * n as u128) / batch.max(1) as u128;
    usize::try_from(steps).unwrap_or(usize::MAX)
}

/// The passes over `n` samples that `steps` steps of `batch` samples make, rounded up:
/// `⌈steps · batch / n⌉`, computed without overflow and saturated at `usize::MAX`.
fn passes_for(steps: usize, batch: usize, n: usize) -> usize {
    let passes = (steps as u128 * batch as u128).div_ceil(n.max(1) as u128);
    usize::try_from(passes).unwrap_or(usize::MAX)
}

impl FitUnsupervised for MiniBatchKMeans {
    type Model = MiniBatchKMeansModel;

    fn fit(&self, x: Features<'_>) -> Result<MiniBatchKMeansModel> {
        MiniBatchKMeans::fit(self, x)
    }
}

impl FitUnsupervisedWeighted for MiniBatchKMeans {
    fn fit_weighted(&self, x: Features<'_>, sample_weight: &[f64]) -> Result<MiniBatchKMeansModel> {
        MiniBatchKMeans::fit_weighted(self, x, sample_weight)
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

impl Invariants for MiniBatchKMeansModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        super::check_centres_and_labels(self.stream.centres.as_ref(), &self.labels, self.inertia)?;
        self.stream.check_invariants()
    }
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
    /// [`Error::EmptyInput`](ml_core::Error::EmptyInput), [`Error::ShapeMismatch`](ml_core::Error::ShapeMismatch) or [`Error::NonFinite`](ml_core::Error::NonFinite);
    /// [`Error::InvalidData`](ml_core::Error::InvalidData) when the batch's scale makes the centres overflow (the
    /// model is then left as it was); [`Error::Unsupported`](ml_core::Error::Unsupported) for sparse (CSR) `x`.
    pub fn partial_fit<'a>(&mut self, x: impl Into<Features<'a>>) -> Result<()> {
        let x = x.into().dense("MiniBatchKMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        self.partial_step(x, Weights::Unit)
    }

    /// [`partial_fit`](Self::partial_fit) with one non-negative weight per sample.
    ///
    /// # Errors
    /// As [`partial_fit`](Self::partial_fit), plus the sample-weight errors of
    /// [`KMeans::fit_weighted`](super::KMeans::fit_weighted).
    pub fn partial_fit_weighted<'a>(
        &mut self,
        x: impl Into<Features<'a>>,
        sample_weight: &[f64],
    ) -> Result<()> {
        let x = x.into().dense("MiniBatchKMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        super::check_sample_weight(sample_weight, x.nrows())?;
        self.partial_step(x, Weights::Given(sample_weight))
    }

    /// One step on the checked batch `x`, applied only if it succeeds.
    fn partial_step(&mut self, x: MatRef<'_, f64>, w: Weights<'_>) -> Result<()> {
        let mut rng = ml_core::rng::for_stream(self.seed, self.n_steps as u64 + 1);
        // Stepped on a copy: a batch whose scale makes the centres overflow leaves
        // the model as it was.
        let mut stream = self.stream.clone();
        stream.step(x, w, &mut rng, &mut Buffers::default())?;
        // As scikit-learn: the batch's labels and inertia against the updated centres.
        let (labels, inertia) = label_all(x, w, stream.centres.as_ref())?;
        self.stream = stream;
        self.labels = labels;
        self.inertia = inertia;
        self.n_steps += 1;
        Ok(())
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
    /// [`Error::EmptyInput`](ml_core::Error::EmptyInput), [`Error::ShapeMismatch`](ml_core::Error::ShapeMismatch) or [`Error::NonFinite`](ml_core::Error::NonFinite);
    /// [`Error::Unsupported`](ml_core::Error::Unsupported) for sparse (CSR) `x`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<usize>> {
        let x = x.into().dense("MiniBatchKMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(argmin_squared_euclidean(x, self.stream.centres.as_ref())?.0)
    }

    /// The Euclidean distance of every row of `x` to every centre.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("MiniBatchKMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        super::distances(x, self.stream.centres.as_ref())
    }

    /// The opposite of the inertia of `x` against the centres: higher is better.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn score<'a>(&self, x: impl Into<Features<'a>>) -> Result<f64> {
        let x = x.into().dense("MiniBatchKMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(-label_all(x, Weights::Unit, self.stream.centres.as_ref())?.1)
    }
}

impl PartialFit for MiniBatchKMeansModel {
    fn partial_fit(&mut self, x: Features<'_>, _y: &()) -> Result<()> {
        MiniBatchKMeansModel::partial_fit(self, x)
    }
}

impl Fitted for MiniBatchKMeansModel {
    fn n_features_in(&self) -> usize {
        MiniBatchKMeansModel::n_features_in(self)
    }
}

impl Predict for MiniBatchKMeansModel {
    type Output = Vec<usize>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<usize>> {
        MiniBatchKMeansModel::predict(self, x)
    }
}

impl Transform for MiniBatchKMeansModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        MiniBatchKMeansModel::transform(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ml_core::Error;

    /// `n × d` data in three loose groups.
    fn data(n: usize, d: usize) -> Mat<f64> {
        Mat::from_fn(n, d, |i, j| {
            10.0 * (i % 3) as f64 + ((i * 7 + j * 13) % 17) as f64 / 5.0 - 1.0
        })
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
            let given = est.clone().init(KMeansInit::Centres(Mat::zeros(3, 2)));
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

    #[test]
    fn step_counts_do_not_wrap() {
        assert_eq!(steps_for(100, 1500, 64), (100 * 1500) / 64);
        assert_eq!(steps_for(usize::MAX, 3, 2), usize::MAX);
        assert_eq!(steps_for(usize::MAX, 2, 2), usize::MAX);
        assert_eq!(passes_for(10, 64, 1500), (10usize * 64).div_ceil(1500));
        assert_eq!(passes_for(usize::MAX, usize::MAX, 1), usize::MAX);
    }
}
