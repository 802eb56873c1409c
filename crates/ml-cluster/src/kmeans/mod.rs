//! k-means clustering: the [`KMeans`] estimator and its fitted [`KMeansModel`].
//!
//! The fit follows scikit-learn 1.9's `KMeans` step for step, so that from the same
//! initial centres both give the same labels, the same number of iterations and the
//! same inertia (to rounding):
//!
//! * `X` is centred on its (unweighted) column means before anything else, and the
//!   mean is added back to the centres at the end: the GEMM distance expansion
//!   `‖x‖² − 2x·c + ‖c‖²` loses less to cancellation near the origin.
//! * `tol` is relative: the iterations stop once the total squared centre shift is at
//!   most `tol · mean_j Var(X[:, j])`, or as soon as an assignment step leaves every
//!   label unchanged.
//! * An empty cluster is re-seeded at the point farthest from its own centre (the
//!   farthest points go to the empty clusters in order), and the labels catch up at the
//!   next assignment step.
//! * When the loop ended on the tolerance rather than on unchanged labels, one more
//!   assignment step makes the labels match the final centres; the inertia is then
//!   recomputed exactly as `Σ wᵢ ‖xᵢ − c_{label i}‖²`.
//! * Of `n_init` runs, a later run replaces the best one only if its inertia is lower
//!   and its clustering is not the same partition up to a renaming of clusters.
//!
//! Parallel work (distance blocks, centre sums) runs on fixed chunks of rows whose
//! partial results are reduced in chunk order, so one thread and many threads give
//! bit-identical models.

mod choose_k;
mod elkan;
mod init;
mod lloyd;
mod minibatch;

pub use choose_k::{elbow, silhouette_over_k};
pub use minibatch::{MiniBatchKMeans, MiniBatchKMeansModel};

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use ml_core::linalg::{argmin_squared_euclidean, squared_euclidean};
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Error, Features, FitUnsupervised, FitUnsupervisedWeighted, Fitted, Predict, Result, Transform,
    validate,
};

/// How the initial centres of each run are chosen.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum KMeansInit {
    /// Greedy k-means++ (scikit-learn's default): the first centre is a sample drawn
    /// with probability proportional to its weight; each further centre is the best of
    /// `2 + ⌊ln k⌋` candidates drawn with probability proportional to `w · D²` (the
    /// weighted squared distance to the nearest centre so far), "best" meaning the one
    /// that leaves the lowest total `w · D²`.
    KMeansPlusPlus,
    /// `n_clusters` distinct samples drawn at random (with probability proportional to
    /// the sample weights when they are not all equal).
    Random,
    /// These centres, one row per cluster (`n_clusters × n_features`), for every run.
    Centres(Mat<f64>),
}

/// The algorithm of the iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum KMeansAlgorithm {
    /// Lloyd's algorithm: every iteration computes all sample-to-centre distances, in
    /// blocks of rows with one GEMM each. scikit-learn's default.
    #[default]
    Lloyd,
    /// Elkan's algorithm: triangle-inequality bounds (one upper bound per sample, one
    /// lower bound per sample and centre) skip most distance computations once the
    /// centres move little. Gives the same labels as Lloyd from the same start; needs
    /// `8 · n_samples · n_clusters` bytes for the bounds.
    Elkan,
}

/// k-means clustering: hyper-parameters only; [`fit`](KMeans::fit) returns a
/// [`KMeansModel`].
///
/// ```
/// use faer::mat;
/// use ml_cluster::KMeans;
///
/// let x = mat![[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [10.0, 2.0], [10.0, 4.0], [10.0, 0.0]];
/// let model = KMeans::new(2).seed(0).fit(x.as_ref())?;
/// let labels = model.labels();
/// assert_eq!(labels[0], labels[1]);
/// assert_ne!(labels[0], labels[3]);
/// assert_eq!(model.predict(mat![[0.0, 0.0], [12.0, 3.0]].as_ref())?, vec![labels[0], labels[3]]);
/// assert!((model.inertia() - 16.0).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    n_clusters: usize,
    init: KMeansInit,
    n_init: Option<usize>,
    max_iter: usize,
    tol: f64,
    seed: u64,
    algorithm: KMeansAlgorithm,
}

impl Default for KMeans {
    /// `KMeans::new(8)`, scikit-learn's default number of clusters.
    fn default() -> Self {
        Self::new(8)
    }
}

impl KMeans {
    /// k-means with `n_clusters` clusters and scikit-learn's other defaults.
    pub fn new(n_clusters: usize) -> Self {
        Self {
            n_clusters,
            init: KMeansInit::KMeansPlusPlus,
            n_init: None,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            algorithm: KMeansAlgorithm::Lloyd,
        }
    }

    /// The number of clusters. Default: the value given to [`new`](Self::new).
    pub fn n_clusters(mut self, n_clusters: usize) -> Self {
        self.n_clusters = n_clusters;
        self
    }

    /// How initial centres are chosen. Default: [`KMeansInit::KMeansPlusPlus`].
    pub fn init(mut self, init: KMeansInit) -> Self {
        self.init = init;
        self
    }

    /// The number of runs from different initial centres; the one with the lowest
    /// inertia is kept. Default: "auto", scikit-learn's: 1 run for
    /// [`KMeansInit::KMeansPlusPlus`] and [`KMeansInit::Centres`], 10 for [`KMeansInit::Random`].
    /// At most 1000 (every run is a full fit; scikit-learn has no bound).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = Some(n_init);
        self
    }

    /// The most iterations of one run. Default: 300.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Relative tolerance: a run stops when the total squared centre shift of an
    /// iteration is at most `tol` times the mean per-feature variance of `X`.
    /// Default: 1e-4.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// The seed of every random choice (run `r` draws from stream `r` of it).
    /// Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The algorithm of the iterations. Default: [`KMeansAlgorithm::Lloyd`].
    pub fn algorithm(mut self, algorithm: KMeansAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The number of runs "auto" resolves to, or the one set.
    fn resolved_n_init(&self) -> usize {
        self.n_init.unwrap_or(match self.init {
            KMeansInit::Random => 10,
            KMeansInit::KMeansPlusPlus | KMeansInit::Centres(_) => 1,
        })
    }

    /// Every hyper-parameter and input check, before any work.
    fn check(&self, x: MatRef<'_, f64>) -> Result<()> {
        validate::at_least("n_clusters", self.n_clusters, 1, "at least 1")?;
        validate::at_least("max_iter", self.max_iter, 1, "at least 1")?;
        validate::non_negative_param("tol", self.tol)?;
        if let Some(n) = self.n_init {
            validate::at_least("n_init", n, 1, "between 1 and 1000")?;
            validate::at_most("n_init", n, 1000, "between 1 and 1000")?;
        }
        validate::matrix(x)?;
        validate::min_samples(x.nrows(), self.n_clusters)?;
        if let KMeansInit::Centres(c) = &self.init {
            check_centres(c.as_ref(), self.n_clusters, x.ncols())?;
        }
        Ok(())
    }

    /// Fits the model with every sample weighted 1.
    ///
    /// When `x` has fewer distinct rows than `n_clusters`, the fit still succeeds: some
    /// centres coincide and fewer than `n_clusters` distinct labels are used
    /// (scikit-learn warns with a `ConvergenceWarning` in this case).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `n_clusters`, `max_iter` or `n_init` of 0 or a
    /// negative or non-finite `tol`; [`Error::EmptyInput`] or [`Error::NonFinite`] for
    /// `x`; [`Error::TooFewSamples`] when `x` has fewer rows than `n_clusters`;
    /// [`Error::ShapeMismatch`] or [`Error::NonFinite`] for [`KMeansInit::Centres`] of the
    /// wrong shape or with non-finite values; [`Error::InvalidData`] when the values of
    /// `x` are so large that squared distances or the centres overflow `f64`;
    /// [`Error::Unsupported`] for sparse (CSR) `x`.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<KMeansModel> {
        let x = x.into().dense("KMeans")?;
        self.check(x)?;
        let w = vec![1.0; x.nrows()];
        self.fit_checked(x, &w)
    }

    /// Fits the model with one non-negative weight per sample (as scikit-learn's
    /// `sample_weight`): a sample of weight 2 counts as two copies of it.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus [`Error::ShapeMismatch`], [`Error::NonFinite`] or
    /// [`Error::InvalidParameter`] for weights of the wrong length, non-finite,
    /// negative or all zero; [`Error::InvalidData`] for weights whose sum overflows.
    pub fn fit_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        sample_weight: &[f64],
    ) -> Result<KMeansModel> {
        let x = x.into().dense("KMeans")?;
        self.check(x)?;
        check_sample_weight(sample_weight, x.nrows())?;
        self.fit_checked(x, sample_weight)
    }

    /// The fit proper, on validated input.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the values (or weights) are so large that squared
    /// distances or the centres overflow.
    fn fit_checked(&self, x: MatRef<'_, f64>, w: &[f64]) -> Result<KMeansModel> {
        let (n, d) = (x.nrows(), x.ncols());
        let k = self.n_clusters;
        let means: Vec<f64> = (0..d)
            .map(|j| x.col(j).iter().sum::<f64>() / n as f64)
            .collect();
        let xc = Mat::from_fn(n, d, |i, j| x[(i, j)] - means[j]);
        let variance = mean_variance(xc.as_ref());
        let tol_abs = self.tol * variance;
        let x_norms = lloyd::row_norms(xc.as_ref());
        // Finite input can still overflow once centred and squared (a column of ±1e308):
        // refuse it here rather than iterate on infinities.
        if !variance.is_finite() || x_norms.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid_data(
                "X",
                "the values are too large: squared distances between rows overflow f64 \
                 (rescale X)",
            ));
        }

        let mut best: Option<lloyd::Run> = None;
        for run_id in 0..self.resolved_n_init() {
            let mut rng = ml_core::rng::for_stream(self.seed, run_id as u64);
            let start = match &self.init {
                KMeansInit::KMeansPlusPlus => {
                    init::kmeans_plusplus(xc.as_ref(), &x_norms, w, k, &mut rng)
                }
                KMeansInit::Random => init::random(xc.as_ref(), w, k, &mut rng),
                KMeansInit::Centres(c) => Mat::from_fn(k, d, |i, j| c[(i, j)] - means[j]),
            };
            let run = match self.algorithm {
                KMeansAlgorithm::Lloyd => {
                    lloyd::run(xc.as_ref(), w, start, self.max_iter, tol_abs)?
                }
                KMeansAlgorithm::Elkan => {
                    elkan::run(xc.as_ref(), w, start, self.max_iter, tol_abs)?
                }
            };
            let replace = match &best {
                None => true,
                Some(b) => run.inertia < b.inertia && !same_clustering(&run.labels, &b.labels, k),
            };
            if replace {
                best = Some(run);
            }
        }
        // At least one run happens (n_init >= 1 is checked), so `best` is set.
        let Some(best) = best else {
            return Err(Error::invalid_parameter(
                "n_init",
                self.resolved_n_init(),
                "at least 1",
            ));
        };
        let mut centres = best.centres;
        for j in 0..d {
            for i in 0..k {
                centres[(i, j)] += means[j];
            }
        }
        check_centres_finite(centres.as_ref())?;
        validate::fitted(
            "KMeans",
            KMeansModel {
                centres,
                labels: best.labels,
                inertia: best.inertia,
                n_iter: best.n_iter,
                converged: best.converged,
                inertia_history: best.history,
                algorithm: self.algorithm,
            },
        )
    }
}

/// [`validate::sample_weight`], plus a total weight that does not overflow (the
/// weighted sums and k-means++'s draws add the weights up).
fn check_sample_weight(sample_weight: &[f64], n_samples: usize) -> Result<()> {
    validate::sample_weight(sample_weight, n_samples)?;
    if !sample_weight.iter().sum::<f64>().is_finite() {
        return Err(Error::invalid_data(
            "sample_weight",
            "the weights sum to more than f64::MAX (rescale them)",
        ));
    }
    Ok(())
}

/// The error for centres that overflowed during a fit: finite data whose weighted
/// means are not representable.
fn centres_overflow() -> Error {
    Error::invalid_data(
        "X",
        "the cluster centres overflow f64: the values or sample weights are too large \
         (rescale them)",
    )
}

/// Centres computed by a fit are finite, or [`centres_overflow`].
fn check_centres_finite(centres: MatRef<'_, f64>) -> Result<()> {
    validate::finite(centres).map_err(|_| centres_overflow())
}

/// Given initial centres are `k × d` and finite.
fn check_centres(c: MatRef<'_, f64>, k: usize, d: usize) -> Result<()> {
    if c.nrows() != k {
        return Err(Error::ShapeMismatch {
            what: "rows of the initial centres (n_clusters)",
            expected: k,
            got: c.nrows(),
        });
    }
    if c.ncols() != d {
        return Err(Error::ShapeMismatch {
            what: "columns of the initial centres (number of features)",
            expected: d,
            got: c.ncols(),
        });
    }
    validate::finite(c)
}

/// The Euclidean distances from every row of `x` to every centre.
fn distances(x: MatRef<'_, f64>, centres: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let mut d = squared_euclidean(x, centres)?;
    for j in 0..d.ncols() {
        for v in d.col_mut(j).iter_mut() {
            *v = v.sqrt();
        }
    }
    Ok(d)
}

/// The mean over columns of the (population) variance of each column of centred `xc`.
fn mean_variance(xc: MatRef<'_, f64>) -> f64 {
    let n = xc.nrows() as f64;
    let total: f64 = (0..xc.ncols())
        .map(|j| xc.col(j).iter().map(|v| v * v).sum::<f64>() / n)
        .sum();
    total / xc.ncols() as f64
}

/// Whether two labelings are the same partition up to a renaming of the clusters
/// (scikit-learn's `_is_same_clustering`).
fn same_clustering(a: &[usize], b: &[usize], k: usize) -> bool {
    let mut map = vec![usize::MAX; k];
    for (&la, &lb) in a.iter().zip(b) {
        if map[la] == usize::MAX {
            map[la] = lb;
        } else if map[la] != lb {
            return false;
        }
    }
    true
}

impl FitUnsupervised for KMeans {
    type Model = KMeansModel;

    fn fit(&self, x: Features<'_>) -> Result<KMeansModel> {
        KMeans::fit(self, x)
    }
}

impl FitUnsupervisedWeighted for KMeans {
    fn fit_weighted(&self, x: Features<'_>, sample_weight: &[f64]) -> Result<KMeansModel> {
        KMeans::fit_weighted(self, x, sample_weight)
    }
}

/// A fitted k-means model: the centres and what the fit found on the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansModel {
    #[serde(with = "ml_core::persist::mat")]
    centres: Mat<f64>,
    labels: Vec<usize>,
    inertia: f64,
    n_iter: usize,
    converged: bool,
    inertia_history: Vec<f64>,
    algorithm: KMeansAlgorithm,
}

impl Persist for KMeansModel {
    const MODEL_NAME: &'static str = "ml_cluster::KMeansModel";
}

impl Invariants for KMeansModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        check_centres_and_labels(self.centres.as_ref(), &self.labels, self.inertia)
    }
}

/// What every fitted k-means model holds: at least one finite centre of at least one
/// feature, labels naming centres, a finite non-negative inertia.
pub(crate) fn check_centres_and_labels(
    centres: MatRef<'_, f64>,
    labels: &[usize],
    inertia: f64,
) -> std::result::Result<(), String> {
    use ml_core::persist::invariants as inv;
    inv::not_empty("centres", centres.nrows())?;
    inv::not_empty("centre features", centres.ncols())?;
    inv::finite_mat("centres", centres)?;
    inv::below("labels", labels, centres.nrows())?;
    inv::non_negative("inertia", &[inertia])
}

impl KMeansModel {
    /// The centres, one row per cluster (scikit-learn's `cluster_centers_`).
    pub fn cluster_centers(&self) -> MatRef<'_, f64> {
        self.centres.as_ref()
    }

    /// The number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.centres.nrows()
    }

    /// The cluster of every training sample, consistent with the final centres
    /// (scikit-learn's `labels_`).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The weighted sum of squared distances of the training samples to their centres
    /// (scikit-learn's `inertia_`).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The iterations the kept run made (scikit-learn's `n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the kept run stopped on unchanged labels or on the tolerance, rather
    /// than by reaching `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// For each iteration of the kept run, the inertia of its assignment step: the
    /// weighted squared distance of every sample to the nearest centre of the previous
    /// iteration. Lloyd's and Elkan's algorithms never let it increase (up to rounding).
    pub fn inertia_history(&self) -> &[f64] {
        &self.inertia_history
    }

    /// The algorithm the model was fitted with.
    pub fn algorithm(&self) -> KMeansAlgorithm {
        self.algorithm
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.centres.ncols()
    }

    /// The nearest centre of every row of `x` (ties go to the lowest index).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`];
    /// [`Error::Unsupported`] for sparse (CSR) `x`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<usize>> {
        let x = x.into().dense("KMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(argmin_squared_euclidean(x, self.centres.as_ref())?.0)
    }

    /// The Euclidean distance of every row of `x` to every centre (`n × n_clusters`),
    /// scikit-learn's `transform`.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("KMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        distances(x, self.centres.as_ref())
    }

    /// The opposite of the inertia of `x` against the centres (scikit-learn's
    /// `score`): higher is better.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn score<'a>(&self, x: impl Into<Features<'a>>) -> Result<f64> {
        let x = x.into().dense("KMeansModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        let (labels, _) = argmin_squared_euclidean(x, self.centres.as_ref())?;
        let w = vec![1.0; x.nrows()];
        Ok(-lloyd::exact_inertia(x, &w, self.centres.as_ref(), &labels))
    }
}

impl Fitted for KMeansModel {
    fn n_features_in(&self) -> usize {
        KMeansModel::n_features_in(self)
    }
}

impl Predict for KMeansModel {
    type Output = Vec<usize>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<usize>> {
        KMeansModel::predict(self, x)
    }
}

impl Transform for KMeansModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        KMeansModel::transform(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_clustering_is_up_to_renaming() {
        assert!(same_clustering(&[0, 0, 1, 2], &[2, 2, 0, 1], 3));
        assert!(!same_clustering(&[0, 0, 1, 2], &[2, 1, 0, 1], 3));
        assert!(!same_clustering(&[0, 1, 1], &[0, 1, 0], 2));
    }

    #[test]
    fn n_init_auto_follows_scikit_learn() {
        assert_eq!(KMeans::new(3).resolved_n_init(), 1);
        assert_eq!(
            KMeans::new(3).init(KMeansInit::Random).resolved_n_init(),
            10
        );
        assert_eq!(
            KMeans::new(3)
                .init(KMeansInit::Centres(Mat::zeros(3, 2)))
                .resolved_n_init(),
            1
        );
        assert_eq!(
            KMeans::new(3)
                .init(KMeansInit::Random)
                .n_init(4)
                .resolved_n_init(),
            4
        );
    }

    #[test]
    fn mean_variance_is_the_population_variance() {
        // Columns (-1, 1) and (-2, 2): variances 1 and 4.
        let xc = faer::mat![[-1.0, -2.0], [1.0, 2.0]];
        assert_eq!(mean_variance(xc.as_ref()), 2.5);
    }
}
