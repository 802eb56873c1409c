//! [`Tsne`]: t-distributed stochastic neighbour embedding, as scikit-learn 1.9's
//! `TSNE`, for pictures of high-dimensional data in 2 or 3 dimensions.
//!
//! The affinities `P` come from the shared neighbour index: the `⌊3·perplexity + 1⌋`
//! nearest neighbours of every row (every pair for the exact method), a per-row
//! bandwidth search in parallel, then symmetrisation (`affinity.rs`). The embedding
//! starts from PCA scaled to a standard deviation of 1e-4 (or random, or given) and
//! follows scikit-learn's schedule: 250 iterations with `P` exaggerated and momentum
//! 0.5, then momentum 0.8, with per-coordinate gains (+0.2 on a sign change, ×0.8
//! otherwise, at least 0.01), checking progress every 50 iterations. The gradient is
//! exact or Barnes–Hut, in parallel over rows (`gradient.rs`).
//!
//! Deliberate differences: the whole computation runs in `f64` (scikit-learn's embedding
//! and Barnes–Hut gradient are `f32`), the Barnes–Hut tree keeps up to 8 rows per leaf
//! (one at its centre of mass when far, one by one when near; scikit-learn's leaves
//! hold one point), the random start
//! draws from this library's generator, and coincident rows repel each other as any
//! others (scikit-learn's tree skips rows within 1e-6 of the row itself).

mod affinity;
mod gradient;

use std::fmt;
use std::sync::Arc;

use faer::Mat;
use ml_core::neighbors::{IndexSettings, Metric, NeighborIndex};
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::Csr;
use ml_core::{Error, Features, Result, validate};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::pca::{Pca, PcaSolver};

/// How the gradient is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum TsneMethod {
    /// Barnes–Hut with this `angle` in `[0, 1]` (0 is exact): `O(n log n)` per
    /// iteration on the nearest-neighbour affinities, 1 to 3 components. The default,
    /// at angle 0.5.
    BarnesHut(f64),
    /// Every pair: `O(n²)` time and memory per iteration, for small data.
    Exact,
}

impl TsneMethod {
    /// Barnes–Hut at scikit-learn's default angle, 0.5.
    pub const DEFAULT: TsneMethod = TsneMethod::BarnesHut(0.5);
}

impl Default for TsneMethod {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Where the embedding starts.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub enum TsneInit {
    /// The first principal components (randomized PCA, seeded), scaled so the first has
    /// standard deviation 1e-4. The default.
    #[default]
    Pca,
    /// Gaussian noise of standard deviation 1e-4, seeded.
    Random,
    /// These coordinates, one row per sample.
    Given(Mat<f64>),
}

/// The step size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum LearningRate {
    /// `max(n / early_exaggeration / 4, 50)`. The default.
    #[default]
    Auto,
    /// This value, `> 0`.
    Fixed(f64),
}

/// What a progress callback is told: the iteration and the KL divergence there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TsneProgress {
    /// The iteration (0-based, over both phases).
    pub iteration: usize,
    /// The KL divergence at that iteration (exaggerated during the first phase).
    pub kl_divergence: f64,
    /// The norm of the last gain-scaled gradient.
    pub grad_norm: f64,
}

/// A progress callback, called at every check (every 50 iterations).
pub type ProgressFn = Arc<dyn Fn(TsneProgress) + Send + Sync>;

/// t-SNE with scikit-learn 1.9's defaults and schedule.
///
/// Defaults: 2 components, perplexity 30, early exaggeration 12 (for the first 250
/// iterations), learning rate auto, 1 000 iterations, 300 iterations without progress,
/// minimum gradient norm 1e-7, Euclidean distance, PCA start, Barnes–Hut at angle 0.5,
/// seed 0. See the module docs for the differences from scikit-learn.
///
/// ```
/// use ml_core::faer::Mat;
/// use ml_decomp::tsne::Tsne;
///
/// // Two groups of 30 rows in 5 dimensions.
/// let x = Mat::from_fn(60, 5, |i, j| (i / 30) as f64 * 10.0 + ((i * 7 + j * 3) % 11) as f64 * 0.1);
/// let model = Tsne::new().perplexity(10.0).fit(x.as_ref())?;
/// let y = model.embedding();
/// assert_eq!((y.nrows(), y.ncols()), (60, 2));
/// // The groups land apart: each row is nearer its own group's centre.
/// let centre = |g: usize| [0, 1].map(|c| (0..30).map(|i| y[(g * 30 + i, c)]).sum::<f64>() / 30.0);
/// let (a, b) = (centre(0), centre(1));
/// let d = |i: usize, c: [f64; 2]| (y[(i, 0)] - c[0]).powi(2) + (y[(i, 1)] - c[1]).powi(2);
/// assert!((0..30).all(|i| d(i, a) < d(i, b)) && (30..60).all(|i| d(i, b) < d(i, a)));
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Tsne {
    n_components: usize,
    perplexity: f64,
    early_exaggeration: f64,
    learning_rate: LearningRate,
    max_iter: usize,
    n_iter_without_progress: usize,
    min_grad_norm: f64,
    metric: Metric,
    init: TsneInit,
    method: TsneMethod,
    seed: u64,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for Tsne {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tsne")
            .field("n_components", &self.n_components)
            .field("perplexity", &self.perplexity)
            .field("early_exaggeration", &self.early_exaggeration)
            .field("learning_rate", &self.learning_rate)
            .field("max_iter", &self.max_iter)
            .field("n_iter_without_progress", &self.n_iter_without_progress)
            .field("min_grad_norm", &self.min_grad_norm)
            .field("metric", &self.metric)
            .field("init", &self.init)
            .field("method", &self.method)
            .field("seed", &self.seed)
            .field("progress", &self.progress.as_ref().map(|_| ".."))
            .finish()
    }
}

impl Default for Tsne {
    fn default() -> Self {
        Self::new()
    }
}

/// Iterations of the exaggerated first phase, and between progress checks.
const EXPLORATION_ITER: usize = 250;
const CHECK_EVERY: usize = 50;

impl Tsne {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            n_components: 2,
            perplexity: 30.0,
            early_exaggeration: 12.0,
            learning_rate: LearningRate::Auto,
            max_iter: 1000,
            n_iter_without_progress: 300,
            min_grad_norm: 1e-7,
            metric: Metric::Euclidean,
            init: TsneInit::Pca,
            method: TsneMethod::DEFAULT,
            seed: 0,
            progress: None,
        }
    }

    /// Dimensions of the embedding: 1 to 3 for Barnes–Hut, at least 1 for exact.
    /// Default: 2.
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = n_components;
        self
    }

    /// The effective number of neighbours each row's bandwidth is set for, `> 0` and
    /// below the number of rows. Default: 30.
    pub fn perplexity(mut self, perplexity: f64) -> Self {
        self.perplexity = perplexity;
        self
    }

    /// The factor on `P` during the first 250 iterations, `≥ 1`. Default: 12.
    pub fn early_exaggeration(mut self, factor: f64) -> Self {
        self.early_exaggeration = factor;
        self
    }

    /// The step size. Default: [`LearningRate::Auto`].
    pub fn learning_rate(mut self, rate: LearningRate) -> Self {
        self.learning_rate = rate;
        self
    }

    /// Iterations in all, at least 250. Default: 1 000.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Iterations without a lower KL (checked every 50) before stopping. Default: 300.
    pub fn n_iter_without_progress(mut self, n: usize) -> Self {
        self.n_iter_without_progress = n;
        self
    }

    /// Stop when the gradient's norm falls to this, `≥ 0`. Default: 1e-7.
    pub fn min_grad_norm(mut self, norm: f64) -> Self {
        self.min_grad_norm = norm;
        self
    }

    /// The input distance (any of the neighbour index's). Default: Euclidean.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// The start. Default: [`TsneInit::Pca`].
    pub fn init(mut self, init: TsneInit) -> Self {
        self.init = init;
        self
    }

    /// The gradient method. Default: Barnes–Hut at angle 0.5.
    pub fn method(mut self, method: TsneMethod) -> Self {
        self.method = method;
        self
    }

    /// The seed of the PCA start's randomized solver and of the random start. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A callback at every progress check (every 50 iterations), for progress bars.
    pub fn on_progress(mut self, progress: impl Fn(TsneProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    fn check(&self, n: usize) -> Result<()> {
        if n < 2 {
            return Err(Error::TooFewSamples { needed: 2, got: n });
        }
        validate::positive("perplexity", self.perplexity)?;
        if self.perplexity >= n as f64 {
            return Err(Error::invalid_parameter(
                "perplexity",
                self.perplexity,
                "below the number of samples",
            ));
        }
        let max_components = match self.method {
            TsneMethod::BarnesHut(angle) => {
                validate::in_closed_range("angle", angle, 0.0, 1.0, "in [0, 1]")?;
                3
            }
            TsneMethod::Exact => usize::MAX,
        };
        if self.n_components == 0 || self.n_components > max_components {
            return Err(Error::InvalidParameter {
                name: "n_components",
                value: self.n_components.to_string(),
                expected: "1 to 3 for Barnes-Hut, at least 1 for exact",
            });
        }
        if !(self.early_exaggeration >= 1.0 && self.early_exaggeration.is_finite()) {
            return Err(Error::invalid_parameter(
                "early_exaggeration",
                self.early_exaggeration,
                "finite and >= 1",
            ));
        }
        if let LearningRate::Fixed(r) = self.learning_rate {
            validate::positive("learning_rate", r)?;
        }
        if self.max_iter < EXPLORATION_ITER {
            return Err(Error::InvalidParameter {
                name: "max_iter",
                value: self.max_iter.to_string(),
                expected: ">= 250",
            });
        }
        validate::non_negative_param("min_grad_norm", self.min_grad_norm)?;
        if !self.min_grad_norm.is_finite() {
            return Err(Error::invalid_parameter(
                "min_grad_norm",
                self.min_grad_norm,
                "finite and >= 0",
            ));
        }
        Ok(())
    }

    /// The symmetric affinities `P` a fit on `x` would start from, as CSR: over each
    /// row's `⌊3·perplexity + 1⌋` nearest neighbours for Barnes–Hut, over every pair
    /// for the exact method; non-negative, summing to 1 (before exaggeration).
    ///
    /// # Errors
    /// As [`fit`](Self::fit), but for the start.
    pub fn affinities<'a>(&self, x: impl Into<Features<'a>>) -> Result<Csr> {
        let x = x.into();
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::EmptyInput { what: "X" });
        }
        self.check(x.nrows())?;
        let (index, k) = self.index(x)?;
        let n = x.nrows();
        let triplets: Vec<(usize, usize, f64)> = match self.method {
            TsneMethod::Exact => {
                let p = affinity::exact(&index, self.perplexity)?;
                (0..n)
                    .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
                    .map(|(i, j)| (i, j, p[i * n + j]))
                    .collect()
            }
            TsneMethod::BarnesHut(_) => {
                let p = affinity::from_neighbors(&index, k, self.perplexity)?;
                (0..n)
                    .flat_map(|i| {
                        let (cols, vals) = p.row(i);
                        cols.iter()
                            .zip(vals)
                            .map(move |(&j, &v)| (i, j, v))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            }
        };
        ml_core::sparse::csr_from_triplets(n, n, &triplets)
    }

    /// The neighbour index over `x` and the number of neighbours the affinities use.
    fn index(&self, x: Features<'_>) -> Result<(NeighborIndex, usize)> {
        let k = (x.nrows() - 1).min((3.0 * self.perplexity + 1.0) as usize);
        let settings = IndexSettings::default()
            .metric(self.metric)
            .n_neighbors(Some(k));
        Ok((NeighborIndex::build(x, &settings)?, k))
    }

    /// Embeds the rows of `x` (dense or CSR; the PCA start needs dense rows).
    ///
    /// # Errors
    /// [`Error::TooFewSamples`] below 2 rows; [`Error::InvalidParameter`] for a
    /// perplexity not in `(0, n)`, `n_components` outside the method's range, an angle
    /// outside `[0, 1]`, an early exaggeration below 1, a learning rate `≤ 0`,
    /// `max_iter` below 250 or a negative `min_grad_norm`; [`Error::EmptyInput`] or
    /// [`Error::NonFinite`] for `x`; [`Error::ShapeMismatch`] for a given start of the
    /// wrong shape; [`Error::Unsupported`] for the PCA start on CSR rows.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<TsneModel> {
        let x = x.into();
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::EmptyInput { what: "X" });
        }
        let n = x.nrows();
        self.check(n)?;
        let d = self.n_components;
        let start = self.start(x, n)?;
        let (index, k) = self.index(x)?;
        let affinities = match self.method {
            TsneMethod::Exact => Affinities::Dense(affinity::exact(&index, self.perplexity)?),
            TsneMethod::BarnesHut(_) => {
                Affinities::Sparse(affinity::from_neighbors(&index, k, self.perplexity)?)
            }
        };
        drop(index);
        let learning_rate = match self.learning_rate {
            LearningRate::Auto => (n as f64 / self.early_exaggeration / 4.0).max(50.0),
            LearningRate::Fixed(r) => r,
        };
        let dof = (d.saturating_sub(1)).max(1) as f64;
        let mut run = Run {
            affinities,
            y: start,
            d,
            dof,
            method: self.method,
            learning_rate,
            min_grad_norm: self.min_grad_norm,
            progress: self.progress.clone(),
        };
        run.affinities.scale(self.early_exaggeration);
        let (explored, it) = run.descend(0, EXPLORATION_ITER, 0.5, EXPLORATION_ITER);
        run.affinities.scale(self.early_exaggeration.recip());
        let (kl, it) = run.descend(it + 1, self.max_iter, 0.8, self.n_iter_without_progress);
        // No second phase ran (max_iter 250): the first phase's figure stands.
        let kl = if kl == f64::MAX { explored } else { kl };
        let embedding = Mat::from_fn(n, d, |i, j| run.y[i * d + j]);
        if embedding
            .col_iter()
            .any(|c| c.iter().any(|v| !v.is_finite()))
        {
            return Err(Error::NumericalFailure {
                estimator: "Tsne",
                reason: "the embedding diverged (a learning rate too large for the data?)"
                    .to_owned(),
            });
        }
        validate::fitted(
            "Tsne",
            TsneModel {
                embedding,
                kl_divergence: kl,
                n_iter: it,
                learning_rate,
            },
        )
    }

    /// The starting embedding, row-major.
    fn start(&self, x: Features<'_>, n: usize) -> Result<Vec<f64>> {
        let d = self.n_components;
        Ok(match &self.init {
            TsneInit::Given(m) => {
                if m.nrows() != n || m.ncols() != d {
                    return Err(Error::ShapeMismatch {
                        what: "rows × columns of the given start",
                        expected: n * d,
                        got: m.nrows() * m.ncols(),
                    });
                }
                validate::finite(m.as_ref())?;
                (0..n)
                    .flat_map(|i| (0..d).map(move |j| m[(i, j)]))
                    .collect()
            }
            TsneInit::Random => {
                let mut rng = ml_core::rng::seeded(self.seed);
                (0..n * d)
                    .map(|_| 1e-4 * Distribution::<f64>::sample(&StandardNormal, &mut rng))
                    .collect::<Vec<f64>>()
            }
            TsneInit::Pca => {
                let x = x.dense("Tsne with the PCA start")?;
                let (_, z) = Pca::new(d.min(x.ncols()).min(n))
                    .solver(PcaSolver::Randomized)
                    .seed(self.seed)
                    .fit_transform(x)?;
                let col0: Vec<f64> = (0..n).map(|i| z[(i, 0)]).collect();
                let mean = col0.iter().sum::<f64>() / n as f64;
                let std =
                    (col0.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt();
                let scale = if std > 0.0 { 1e-4 / std } else { 1.0 };
                (0..n)
                    .flat_map(|i| {
                        let z = &z;
                        (0..d).map(move |j| {
                            if j < z.ncols() {
                                z[(i, j)] * scale
                            } else {
                                0.0
                            }
                        })
                    })
                    .collect()
            }
        })
    }
}

/// `P`, dense for the exact method, CSR for Barnes–Hut.
enum Affinities {
    Dense(Vec<f64>),
    Sparse(affinity::SparseAffinities),
}

impl Affinities {
    fn scale(&mut self, factor: f64) {
        match self {
            Affinities::Dense(p) => p.iter_mut().for_each(|v| *v *= factor),
            Affinities::Sparse(p) => p.values.iter_mut().for_each(|v| *v *= factor),
        }
    }
}

/// One optimisation's state.
struct Run {
    affinities: Affinities,
    y: Vec<f64>,
    d: usize,
    dof: f64,
    method: TsneMethod,
    learning_rate: f64,
    min_grad_norm: f64,
    progress: Option<ProgressFn>,
}

impl Run {
    /// scikit-learn's `_gradient_descent` from iteration `it` to `max_iter` (exclusive)
    /// with fresh updates and gains: the last KL computed and the last iteration.
    fn descend(
        &mut self,
        it: usize,
        max_iter: usize,
        momentum: f64,
        patience: usize,
    ) -> (f64, usize) {
        let len = self.y.len();
        let (mut update, mut gains, mut grad) =
            (vec![0.0f64; len], vec![1.0f64; len], vec![0.0f64; len]);
        let (mut error, mut best_error, mut best_iter) = (f64::MAX, f64::MAX, it);
        let mut i = it;
        while i < max_iter {
            let check = (i + 1).is_multiple_of(CHECK_EVERY);
            let with_error = check || i + 1 == max_iter;
            let e = match (&self.affinities, self.method) {
                (Affinities::Dense(p), _) => {
                    gradient::exact(p, &self.y, self.d, self.dof, with_error, &mut grad)
                }
                (Affinities::Sparse(p), TsneMethod::BarnesHut(angle)) => {
                    gradient::barnes_hut(p, &self.y, self.d, self.dof, angle, with_error, &mut grad)
                }
                (Affinities::Sparse(_), TsneMethod::Exact) => {
                    unreachable!("the exact method keeps dense affinities")
                }
            };
            if with_error {
                error = e;
            }
            for (((g, u), gain), y) in grad
                .iter_mut()
                .zip(&mut update)
                .zip(&mut gains)
                .zip(&mut self.y)
            {
                if *u * *g < 0.0 {
                    *gain += 0.2;
                } else {
                    *gain *= 0.8;
                }
                *gain = gain.max(0.01);
                *g *= *gain;
                *u = momentum * *u - self.learning_rate * *g;
                *y += *u;
            }
            if check {
                let grad_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                if let Some(report) = &self.progress {
                    report(TsneProgress {
                        iteration: i,
                        kl_divergence: error,
                        grad_norm,
                    });
                }
                if error < best_error {
                    best_error = error;
                    best_iter = i;
                } else if i - best_iter > patience {
                    break;
                }
                if grad_norm <= self.min_grad_norm {
                    break;
                }
            }
            i += 1;
        }
        (error, i.min(max_iter.saturating_sub(1)).max(it))
    }
}

/// A fitted [`Tsne`]: the embedding and how the optimisation ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TsneModel {
    #[serde(with = "ml_core::persist::mat")]
    embedding: Mat<f64>,
    kl_divergence: f64,
    n_iter: usize,
    learning_rate: f64,
}

impl TsneModel {
    /// The embedded rows (scikit-learn's `embedding_`).
    pub fn embedding(&self) -> &Mat<f64> {
        &self.embedding
    }

    /// The KL divergence at the last check (scikit-learn's `kl_divergence_`).
    pub fn kl_divergence(&self) -> f64 {
        self.kl_divergence
    }

    /// The last iteration run (scikit-learn's `n_iter_`: 999 for 1 000 iterations).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The learning rate used (resolved from auto).
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
}

impl Persist for TsneModel {
    const MODEL_NAME: &'static str = "ml_decomp::TsneModel";
}

impl Invariants for TsneModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("embedding rows", self.embedding.nrows())?;
        inv::not_empty("embedding columns", self.embedding.ncols())?;
        inv::finite_mat("embedding", self.embedding.as_ref())?;
        inv::positive("learning rate", &[self.learning_rate])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/data/tsne.json")).expect("fixture")
    }

    fn floats(v: &serde_json::Value) -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    }

    #[test]
    fn exact_gradient_is_scikit_learn_s() {
        let f = fixture();
        let p = floats(&f["p_exact"]["p"]);
        let y = floats(&f["gradient"]["y"]);
        let mut grad = vec![0.0; y.len()];
        let kl = gradient::exact(&p, &y, 2, 1.0, true, &mut grad);
        let want_kl = f["gradient"]["kl"].as_f64().unwrap();
        assert!(
            (kl - want_kl).abs() <= 1e-9 * want_kl.abs(),
            "{kl} vs {want_kl}"
        );
        let want = floats(&f["gradient"]["grad"]);
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (g, w) in grad.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-9 * scale, "{g} vs {w}");
        }
    }

    #[test]
    fn barnes_hut_at_angle_zero_is_the_exact_gradient() {
        let x = ml_core::datasets::load_iris().unwrap().data;
        let index = NeighborIndex::build(x.as_ref(), &IndexSettings::default()).unwrap();
        let p = affinity::from_neighbors(&index, 40, 12.0).unwrap();
        let n = x.nrows();
        let mut dense = vec![0.0; n * n];
        for i in 0..n {
            let (cols, vals) = p.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                dense[i * n + j] = v;
            }
        }
        let mut rng = ml_core::rng::seeded(5);
        for d in 1..=3 {
            let y: Vec<f64> = (0..n * d)
                .map(|_| StandardNormal.sample(&mut rng))
                .collect();
            let (mut exact, mut bh) = (vec![0.0; n * d], vec![0.0; n * d]);
            gradient::exact(&dense, &y, d, 1.0, false, &mut exact);
            gradient::barnes_hut(&p, &y, d, 1.0, 0.0, false, &mut bh);
            let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (a, b) in exact.iter().zip(&bh) {
                assert!((a - b).abs() <= 1e-8 * scale, "d = {d}: {a} vs {b}");
            }
            // At angle 0.5 the approximation stays close.
            gradient::barnes_hut(&p, &y, d, 1.0, 0.5, false, &mut bh);
            let err: f64 = exact
                .iter()
                .zip(&bh)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt();
            let norm: f64 = exact.iter().map(|a| a * a).sum::<f64>().sqrt();
            assert!(err <= 0.05 * norm, "d = {d}: relative error {}", err / norm);
        }
    }

    #[test]
    fn bandwidth_search_meets_the_perplexity() {
        let sq: Vec<f64> = (1..50).map(|i| f64::from(i) * 0.37).collect();
        let mut p = vec![0.0; sq.len()];
        affinity::conditional_row(&sq, 10f64.ln(), &mut p);
        let entropy: f64 = -p
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|v| v * v.ln())
            .sum::<f64>();
        assert!((entropy.exp() - 10.0).abs() < 1e-3, "{}", entropy.exp());
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
