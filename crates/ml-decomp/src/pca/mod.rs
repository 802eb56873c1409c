//! Principal component analysis ([`Pca`]), as scikit-learn 1.9's `PCA`.
//!
//! The data are centred (never scaled) and decomposed by one of three solvers:
//!
//! - [`PcaSolver::Full`]: the exact thin SVD of the centred `X`. For tall data
//!   (`n ≥ d`) the centred rows are reduced by a tall-skinny QR (fixed row blocks in
//!   parallel, each block centred on the fly, so `X` is never copied) and the SVD is
//!   taken of the `d × d` factor `R`, which has the same singular values and right
//!   singular vectors as the centred `X`; LAPACK's `gesdd`, which scikit-learn calls,
//!   does the same QR reduction for tall input.
//! - [`PcaSolver::CovarianceEigh`]: the eigendecomposition of the covariance
//!   `X_cᵀX_c / (n − 1)`, formed block by block from centred copies of fixed row
//!   blocks (one `d × d` GEMM per block, summed in a fixed order). Fastest for
//!   `n ≫ d`; trailing eigenvalues lose relative accuracy (about `ε·λ₁/λᵢ`).
//! - [`PcaSolver::Randomized`]: Halko et al.'s randomized SVD of the centred `X`
//!   through [`ml_core::linalg::RandomizedSvd`], with scikit-learn's `n_oversamples`
//!   (10), `iterated_power='auto'` and `power_iteration_normalizer='auto'`.
//!
//! [`PcaSolver::Auto`] applies scikit-learn 1.9's rule: covariance when
//! `d ≤ 1000` and `n ≥ 10·d`; otherwise full when `max(n, d) ≤ 500` or
//! `n_components` is `Mle`; otherwise randomized when `1 ≤ k < 0.8·min(n, d)`;
//! otherwise full.
//!
//! Components carry scikit-learn's sign convention for `PCA` (`svd_flip` with
//! `u_based_decision=False`, every solver): the entry of largest absolute value of
//! each component is positive.

mod shared;
mod solvers;

pub(crate) use shared::{
    check_spectrum, covariance, inverse_project, precision, project, variance_ratio,
};

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use ml_core::kernels::column_means;
use ml_core::linalg::{PowerIterationNormalizer, RandomizedSvd};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, FitUnsupervised, Fitted, Result, Transform, validate};
use serde::{Deserialize, Serialize};

use shared::log_det_spd;
use solvers::{covariance_eigh, full_svd, infer_dimension};

/// How many components to keep (scikit-learn's `n_components`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum PcaNComponents {
    /// All of them: `min(n_samples, n_features)` (scikit-learn's `None`, the default).
    #[default]
    All,
    /// A fixed count `k` with `1 ≤ k ≤ min(n_samples, n_features)`.
    Count(usize),
    /// The smallest number of components whose cumulated explained variance ratio
    /// exceeds this fraction, strictly inside `(0, 1)`. Needs the full spectrum:
    /// solver full or covariance.
    VarianceFraction(f64),
    /// Minka's maximum-likelihood choice of dimension (scikit-learn's `'mle'`). Needs
    /// `n_samples ≥ n_features` and the full spectrum. On data with no usable rank
    /// (every variance below 1e-15) one component is kept, where scikit-learn keeps
    /// none.
    Mle,
}

/// A count, as every other estimator's `n_components` takes: `Pca::default().n_components(5)`.
impl From<usize> for PcaNComponents {
    fn from(count: usize) -> Self {
        Self::Count(count)
    }
}

/// The decomposition behind [`Pca`] (scikit-learn's `svd_solver`, without `'arpack'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum PcaSolver {
    /// scikit-learn 1.9's `'auto'` rule (see the [module documentation](self)).
    #[default]
    Auto,
    /// Exact thin SVD of the centred data.
    Full,
    /// Eigendecomposition of the covariance matrix.
    CovarianceEigh,
    /// Randomized truncated SVD (Halko et al.).
    Randomized,
}

/// Principal component analysis, as scikit-learn 1.9's `PCA`.
///
/// Defaults equal scikit-learn's (`n_components=None`, `whiten=False`,
/// `svd_solver='auto'`, `iterated_power='auto'`, `n_oversamples=10`,
/// `power_iteration_normalizer='auto'`), except the seed of the randomized solver,
/// which is fixed (0) where scikit-learn's `random_state=None` draws a fresh one.
///
/// ```
/// use ml_decomp::pca::Pca;
///
/// let x = faer::mat![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
/// let (model, z) = Pca::new(1).fit_transform(x.as_ref())?;
/// // The first component is the x-axis, which carries 8/10 of the variance.
/// assert!((model.components()[(0, 0)] - 1.0).abs() < 1e-12);
/// assert!((model.explained_variance_ratio()[0] - 0.8).abs() < 1e-12);
/// assert!((z[(0, 0)] - 2.0).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "PCA")]
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    n_components: PcaNComponents,
    whiten: bool,
    solver: PcaSolver,
    iterated_power: Option<usize>,
    n_oversamples: usize,
    normalizer: PowerIterationNormalizer,
    seed: u64,
}

impl Default for Pca {
    fn default() -> Self {
        Self {
            n_components: PcaNComponents::All,
            whiten: false,
            solver: PcaSolver::Auto,
            iterated_power: None,
            n_oversamples: 10,
            normalizer: PowerIterationNormalizer::Auto,
            seed: 0,
        }
    }
}

impl Pca {
    /// A PCA keeping `n_components` components (a count); everything else default.
    pub fn new(n_components: usize) -> Self {
        Self::default().n_components(n_components)
    }

    /// How many components to keep: a count (`usize`, as every estimator's
    /// `n_components`) or one of scikit-learn's other rules. Default:
    /// [`PcaNComponents::All`].
    pub fn n_components(mut self, n_components: impl Into<PcaNComponents>) -> Self {
        self.n_components = n_components.into();
        self
    }

    /// Whether [`PcaModel::transform`] scales every component to unit variance.
    /// Default: false.
    pub fn whiten(mut self, whiten: bool) -> Self {
        self.whiten = whiten;
        self
    }

    /// The solver. Default: [`PcaSolver::Auto`].
    pub fn solver(mut self, solver: PcaSolver) -> Self {
        self.solver = solver;
        self
    }

    /// Power iterations of the randomized solver. Default: auto (7 when
    /// `k < 0.1·min(n, d)`, else 4). At most 1000.
    pub fn iterated_power(mut self, n_iter: usize) -> Self {
        self.iterated_power = Some(n_iter);
        self
    }

    /// Extra random vectors of the randomized solver. Default: 10.
    pub fn n_oversamples(mut self, n_oversamples: usize) -> Self {
        self.n_oversamples = n_oversamples;
        self
    }

    /// Normalisation between power iterations of the randomized solver.
    /// Default: [`PowerIterationNormalizer::Auto`] (with more than 2 iterations, Cholesky
    /// QR twice for up to 64 columns, else LU as scikit-learn: the same span).
    pub fn power_iteration_normalizer(mut self, normalizer: PowerIterationNormalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    /// Seed of the randomized solver's Gaussian test matrix. Default: 0 (scikit-learn's
    /// `random_state=None` is not reproducible; a fixed seed is).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The solver that `fit` would use on an `n_samples × n_features` matrix
    /// (scikit-learn's `_fit_svd_solver`).
    // Public for the crate's tests of the `Auto` rule, not part of the API.
    #[doc(hidden)]
    pub fn resolved_solver(&self, n_samples: usize, n_features: usize) -> PcaSolver {
        if self.solver != PcaSolver::Auto {
            return self.solver;
        }
        let (n, d) = (n_samples, n_features);
        let min = n.min(d);
        if d <= 1000 && n >= 10 * d {
            PcaSolver::CovarianceEigh
        } else if n.max(d) <= 500 || self.n_components == PcaNComponents::Mle {
            PcaSolver::Full
        } else {
            let k = match self.n_components {
                PcaNComponents::All => min,
                PcaNComponents::Count(k) => k,
                // A fraction is below 1: never randomized.
                PcaNComponents::VarianceFraction(_) | PcaNComponents::Mle => 0,
            };
            if k >= 1 && (k as f64) < 0.8 * min as f64 {
                PcaSolver::Randomized
            } else {
                PcaSolver::Full
            }
        }
    }

    /// Fits the principal components of `x` (one row per sample, dense).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input (PCA centres the data, which would make a
    /// sparse matrix dense: use [`TruncatedSvd`](crate::truncated_svd::TruncatedSvd));
    /// [`Error::EmptyInput`], [`Error::NonFinite`]; [`Error::TooFewSamples`] for a
    /// single row; [`Error::InvalidParameter`] for a count of 0 or above
    /// `min(n_samples, n_features)`, a fraction outside `(0, 1)`, a fraction or `Mle`
    /// with the randomized solver, or `Mle` with fewer samples than features;
    /// [`Error::DecompositionFailed`] if the SVD or eigensolver does not converge.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<PcaModel> {
        self.fit_inner(x.into().dense("Pca")?)
    }

    /// Fits the model and returns it with the projection of `x` (scikit-learn's
    /// `fit_transform`, equal to `fit(x)?.transform(x)` up to rounding).
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<(PcaModel, Mat<f64>)> {
        let x = x.into().dense("Pca")?;
        let model = self.fit_inner(x)?;
        let z = model.project(x);
        Ok((model, z))
    }

    fn fit_inner(&self, x: MatRef<'_, f64>) -> Result<PcaModel> {
        validate::matrix(x)?;
        let (n, d) = (x.nrows(), x.ncols());
        validate::min_samples(n, 2)?;
        if let Some(p) = self.iterated_power {
            validate::at_most(
                "iterated_power",
                p,
                ml_core::linalg::MAX_POWER_ITERATIONS,
                "at most 1000 power iterations",
            )?;
        }
        let min = n.min(d);
        let solver = self.resolved_solver(n, d);
        check_n_components(self.n_components, n, d, solver)?;
        let mean = column_means(x);
        let dec = match solver {
            PcaSolver::Full => full_svd(x, &mean)?,
            PcaSolver::CovarianceEigh => covariance_eigh(x, &mean)?,
            PcaSolver::Randomized | PcaSolver::Auto => {
                let k = match self.n_components {
                    PcaNComponents::Count(k) => k,
                    _ => min,
                };
                solvers::randomized(x, &mean, &self.randomized_svd(k))?
            }
        };
        let n_f = n as f64;
        let explained_all: Vec<f64> = dec.s.iter().map(|s| s * s / (n_f - 1.0)).collect();
        let (explained_all, ratio_all, total_var) = if dec.full_spectrum {
            // Covariance eigenvalues are the explained variances themselves (clipped).
            let ev = dec.eigenvalues.clone().unwrap_or(explained_all);
            let total: f64 = ev.iter().sum();
            let ratio = ev
                .iter()
                .map(|&v| variance_ratio(v, total))
                .collect::<Vec<_>>();
            (ev, ratio, total)
        } else {
            let total = dec.total_var;
            let ratio = explained_all
                .iter()
                .map(|&v| variance_ratio(v, total))
                .collect::<Vec<_>>();
            (explained_all, ratio, total)
        };
        let k = match self.n_components {
            PcaNComponents::All => min,
            PcaNComponents::Count(k) => k,
            PcaNComponents::VarianceFraction(f) => {
                // searchsorted(cumsum, f, side='right') + 1
                let mut cum = 0.0;
                let mut below = 0;
                for r in &ratio_all {
                    cum += r;
                    if cum <= f {
                        below += 1;
                    } else {
                        break;
                    }
                }
                (below + 1).min(explained_all.len())
            }
            PcaNComponents::Mle => infer_dimension(&explained_all, n).max(1),
        };
        let noise_variance = if k < min {
            if dec.full_spectrum {
                let rest = &explained_all[k..];
                rest.iter().sum::<f64>() / rest.len() as f64
            } else {
                (total_var - explained_all[..k].iter().sum::<f64>()) / (min - k) as f64
            }
        } else {
            0.0
        };
        let model = PcaModel {
            components: dec.vt.get(..k, ..).to_owned(),
            explained_variance: explained_all[..k].to_vec(),
            explained_variance_ratio: ratio_all[..k].to_vec(),
            singular_values: dec.s[..k].to_vec(),
            mean,
            noise_variance,
            whiten: self.whiten,
            n_samples: n,
            solver,
        };
        validate::fitted("Pca", model)
    }

    /// The randomized SVD of `k` components this estimator configures.
    fn randomized_svd(&self, k: usize) -> RandomizedSvd {
        let rsvd = RandomizedSvd::new(k)
            .n_oversamples(self.n_oversamples)
            .power_iteration_normalizer(self.normalizer)
            .flip_sign(false)
            .seed(self.seed);
        match self.iterated_power {
            Some(q) => rsvd.n_iter(q),
            None => rsvd,
        }
    }
}

impl FitUnsupervised for Pca {
    type Model = PcaModel;

    fn fit(&self, x: Features<'_>) -> Result<PcaModel> {
        Pca::fit(self, x)
    }
}

/// Validates `n_components` against the shape and the solver, as scikit-learn does.
fn check_n_components(nc: PcaNComponents, n: usize, d: usize, solver: PcaSolver) -> Result<()> {
    let min = n.min(d);
    match nc {
        PcaNComponents::All => Ok(()),
        PcaNComponents::Count(k) => {
            if k == 0 || k > min {
                Err(Error::invalid_parameter(
                    "n_components",
                    k,
                    "between 1 and min(n_samples, n_features)",
                ))
            } else {
                Ok(())
            }
        }
        PcaNComponents::VarianceFraction(f) => {
            if !(f > 0.0 && f < 1.0) {
                Err(Error::invalid_parameter(
                    "n_components",
                    f,
                    "a variance fraction strictly between 0 and 1",
                ))
            } else if solver == PcaSolver::Randomized {
                Err(Error::invalid_parameter(
                    "n_components",
                    f,
                    "a count with the randomized solver (a fraction needs full or covariance)",
                ))
            } else {
                Ok(())
            }
        }
        PcaNComponents::Mle => {
            if solver == PcaSolver::Randomized {
                Err(Error::invalid_parameter(
                    "n_components",
                    "mle",
                    "a count with the randomized solver ('mle' needs full or covariance)",
                ))
            } else if n < d {
                Err(Error::invalid_parameter(
                    "n_components",
                    "mle",
                    "'mle' only when n_samples >= n_features",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// A fitted [`Pca`]: scikit-learn's `PCA` attributes and methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaModel {
    #[serde(with = "ml_core::persist::mat")]
    components: Mat<f64>,
    explained_variance: Vec<f64>,
    explained_variance_ratio: Vec<f64>,
    singular_values: Vec<f64>,
    mean: Vec<f64>,
    noise_variance: f64,
    whiten: bool,
    n_samples: usize,
    solver: PcaSolver,
}

impl Persist for PcaModel {
    const MODEL_NAME: &'static str = "ml_decomp::PcaModel";
}

impl Invariants for PcaModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        check_spectrum(
            self.components.as_ref(),
            &self.explained_variance,
            &self.explained_variance_ratio,
            &self.singular_values,
        )?;
        inv::len("mean", self.mean.len(), self.components.ncols())?;
        inv::finite("mean", &self.mean)?;
        inv::non_negative("noise_variance", &[self.noise_variance])
    }
}

impl PcaModel {
    /// The principal axes, one per row (`k × d`), by decreasing explained variance
    /// (scikit-learn's `components_`).
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// The variance along each component, `s² / (n − 1)` (`explained_variance_`).
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained_variance
    }

    /// The fraction of the total variance along each component
    /// (`explained_variance_ratio_`).
    pub fn explained_variance_ratio(&self) -> &[f64] {
        &self.explained_variance_ratio
    }

    /// The singular values of the centred data for the kept components
    /// (`singular_values_`).
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
    }

    /// The per-feature mean removed before projecting (`mean_`).
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The probabilistic-PCA noise variance: the mean of the discarded eigenvalues
    /// (0 when every component is kept) (`noise_variance_`).
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// The number of components kept (`n_components_`).
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// The number of samples seen at fit time (`n_samples_`).
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.mean.len()
    }

    /// Whether [`transform`](Self::transform) whitens.
    pub fn whiten(&self) -> bool {
        self.whiten
    }

    /// The solver that produced the fit (the `Auto` rule resolved).
    pub fn solver(&self) -> PcaSolver {
        self.solver
    }

    /// `(x − mean) · componentsᵀ`, divided by `√explained_variance` when whitening.
    fn project(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        project(
            x,
            &self.mean,
            self.components.as_ref(),
            self.whiten.then_some(self.explained_variance.as_slice()),
        )
    }

    /// Projects `x` on the components (scikit-learn's `transform`).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("PcaModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(self.project(x))
    }

    /// Maps projections back to the feature space: `z · components + mean` (undoing
    /// the whitening first when it is on).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::ShapeMismatch`] (columns other than `n_components`) or
    /// [`Error::NonFinite`].
    pub fn inverse_transform<'a>(&self, z: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let z = z.into().dense("PcaModel")?;
        validate::non_empty(z, "X")?;
        validate::n_features_eq(z.ncols(), self.n_components())?;
        validate::finite(z)?;
        Ok(inverse_project(
            z,
            &self.mean,
            self.components.as_ref(),
            self.whiten.then_some(self.explained_variance.as_slice()),
        ))
    }

    /// The covariance of the probabilistic-PCA model,
    /// `Wᵀ·diag(λ − σ²)₊·W + σ²·I` (scikit-learn's `get_covariance`, including its
    /// quirk of scaling `W` by `√λ` when `whiten` is on).
    pub fn get_covariance(&self) -> Mat<f64> {
        covariance(
            self.components.as_ref(),
            &self.explained_variance,
            self.noise_variance,
            self.whiten,
        )
    }

    /// The inverse of [`get_covariance`](Self::get_covariance), by the matrix
    /// inversion lemma when the noise variance is positive (`get_precision`).
    ///
    /// # Errors
    /// [`Error::DecompositionFailed`] when the covariance is singular (every component
    /// kept and a zero variance).
    pub fn get_precision(&self) -> Result<Mat<f64>> {
        precision(
            self.components.as_ref(),
            &self.explained_variance,
            self.noise_variance,
            self.whiten,
        )
    }

    /// The Gaussian log-likelihood of every row of `x` under the model
    /// (scikit-learn's `score_samples`).
    ///
    /// # Errors
    /// As [`transform`](Self::transform), plus those of
    /// [`get_precision`](Self::get_precision).
    pub fn score_samples<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        let x = x.into().dense("PcaModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        let p = self.get_precision()?;
        let d = x.ncols();
        let logdet = log_det_spd(p.as_ref());
        let xr = Mat::from_fn(x.nrows(), d, |i, j| x[(i, j)] - self.mean[j]);
        let mut xp = Mat::<f64>::zeros(x.nrows(), d);
        matmul(
            xp.as_mut(),
            Accum::Replace,
            xr.as_ref(),
            p.as_ref(),
            1.0,
            Par::rayon(0),
        );
        let konst = 0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() - logdet);
        Ok((0..x.nrows())
            .map(|i| {
                let q: f64 = (0..d).map(|j| xr[(i, j)] * xp[(i, j)]).sum();
                -0.5 * q - konst
            })
            .collect())
    }

    /// The mean log-likelihood of the rows of `x` (scikit-learn's `score`).
    ///
    /// # Errors
    /// As [`score_samples`](Self::score_samples).
    pub fn score<'a>(&self, x: impl Into<Features<'a>>) -> Result<f64> {
        let s = self.score_samples(x)?;
        Ok(s.iter().sum::<f64>() / s.len() as f64)
    }
}

impl Fitted for PcaModel {
    fn n_features_in(&self) -> usize {
        PcaModel::n_features_in(self)
    }
}

impl Transform for PcaModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        PcaModel::transform(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_rule() {
        let p = Pca::default();
        assert_eq!(p.resolved_solver(10_000, 100), PcaSolver::CovarianceEigh);
        assert_eq!(p.resolved_solver(400, 100), PcaSolver::Full);
        assert_eq!(
            Pca::new(10).resolved_solver(600, 600),
            PcaSolver::Randomized
        );
        assert_eq!(Pca::new(500).resolved_solver(600, 600), PcaSolver::Full);
        assert_eq!(p.resolved_solver(600, 600), PcaSolver::Full);
        assert_eq!(
            Pca::default()
                .n_components(PcaNComponents::Mle)
                .resolved_solver(900, 600),
            PcaSolver::Full
        );
        assert_eq!(
            Pca::default()
                .n_components(PcaNComponents::VarianceFraction(0.5))
                .resolved_solver(900, 600),
            PcaSolver::Full
        );
    }
}
