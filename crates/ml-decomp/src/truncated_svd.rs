//! Truncated SVD without centring ([`TruncatedSvd`]), as scikit-learn 1.9's
//! `TruncatedSVD`, on dense and CSR input.
//!
//! Two algorithms:
//! - [`TruncatedSvdAlgorithm::Randomized`] (the default): Halko et al.'s randomized SVD through
//!   [`ml_core::linalg::RandomizedSvd`], with scikit-learn's `n_iter=5`,
//!   `n_oversamples=10` and `power_iteration_normalizer='auto'` (LU as scikit-learn,
//!   Cholesky QR for blocks of at most 64 columns: the same span). CSR input is never densified: the algorithm only
//!   multiplies by `X` and `Xᵀ`.
//! - [`TruncatedSvdAlgorithm::Lanczos`]: the counterpart of scikit-learn's `'arpack'`, an
//!   exact partial SVD by restarted Lanczos bidiagonalisation with full
//!   re-orthogonalisation (faer's `matrix_free::eigen::partial_svd`), converged to
//!   `tol` (default: machine precision). Its Krylov space holds `max(64, 2k)`
//!   vectors, so when that is not below `min(n, d)` the exact thin SVD of the dense
//!   matrix is used instead (a CSR input is densified then, which is refused above
//!   10⁸ entries).
//!
//! Signs follow scikit-learn (`svd_flip(u_based_decision=False)`): the largest
//! entry of each component is positive. `explained_variance` is the population
//! variance (`ddof = 0`) of each column of the projection, as scikit-learn's.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::BiLinOp;
use faer::matrix_free::eigen::{PartialEigenParams, partial_svd, partial_svd_scratch};
use faer::{Col, Mat, MatRef, Par};
use ml_core::linalg::{
    PowerIterationNormalizer, RandomizedSvd, SignConvention, Svd, svd_flip, thin_svd_with,
};
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::{self, CsrRef};
use ml_core::{Error, Features, FitUnsupervised, Fitted, Result, Transform, validate};
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The algorithm of [`TruncatedSvd`] (scikit-learn's `algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum TruncatedSvdAlgorithm {
    /// Randomized SVD (Halko et al.), scikit-learn's default.
    #[default]
    Randomized,
    /// Exact partial SVD by restarted Lanczos bidiagonalisation (scikit-learn's
    /// `'arpack'` counterpart).
    Lanczos,
}

/// Largest dense fallback of the Lanczos algorithm on CSR input, in entries.
const MAX_DENSIFY: usize = 100_000_000;

/// Truncated SVD without centring, as scikit-learn 1.9's `TruncatedSVD`.
///
/// Defaults equal scikit-learn's (`n_components=2`, `algorithm='randomized'`,
/// `n_iter=5`, `n_oversamples=10`, `power_iteration_normalizer='auto'`, `tol=0`),
/// except the seed, which is fixed (0) where scikit-learn's `random_state=None` draws
/// a fresh one. scikit-learn refuses a single feature; here one feature and one
/// component are accepted.
///
/// ```
/// use ml_decomp::truncated_svd::TruncatedSvd;
///
/// let x = faer::mat![[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0], [3.0, 0.0, 0.0]];
/// let csr = ml_core::sparse::csr_from_dense(x.as_ref())?;
/// let model = TruncatedSvd::new(2).fit(&csr)?;
/// // The singular values of X are √18, 2 and 1.
/// assert!((model.singular_values()[0] - 18f64.sqrt()).abs() < 1e-10);
/// assert!((model.singular_values()[1] - 2.0).abs() < 1e-10);
/// assert_eq!(model.transform(&csr)?.ncols(), 2);
/// // Dense input gives the same fit, up to rounding.
/// let dense = TruncatedSvd::new(2).fit(&x)?;
/// assert!((dense.singular_values()[0] - model.singular_values()[0]).abs() < 1e-10);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "TruncatedSVD")]
#[derive(Debug, Clone, PartialEq)]
pub struct TruncatedSvd {
    n_components: usize,
    algorithm: TruncatedSvdAlgorithm,
    n_iter: usize,
    n_oversamples: usize,
    normalizer: PowerIterationNormalizer,
    tol: f64,
    seed: u64,
}

impl Default for TruncatedSvd {
    fn default() -> Self {
        Self::new(2)
    }
}

impl TruncatedSvd {
    /// A truncated SVD keeping `n_components` components, defaults otherwise.
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components,
            algorithm: TruncatedSvdAlgorithm::Randomized,
            n_iter: 5,
            n_oversamples: 10,
            normalizer: PowerIterationNormalizer::Auto,
            tol: 0.0,
            seed: 0,
        }
    }

    /// The number of components `k` to keep. Default: 2 (through [`Default`]).
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = n_components;
        self
    }

    /// The algorithm. Default: [`TruncatedSvdAlgorithm::Randomized`].
    pub fn algorithm(mut self, algorithm: TruncatedSvdAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Power iterations of the randomized algorithm. Default: 5.
    pub fn n_iter(mut self, n_iter: usize) -> Self {
        self.n_iter = n_iter;
        self
    }

    /// Extra random vectors of the randomized algorithm. Default: 10.
    pub fn n_oversamples(mut self, n_oversamples: usize) -> Self {
        self.n_oversamples = n_oversamples;
        self
    }

    /// Normalisation between power iterations. Default:
    /// [`PowerIterationNormalizer::Auto`] (5 iterations exceed 2: LU as scikit-learn, or
    /// Cholesky QR twice for blocks of at most 64 columns, which spans the same block).
    pub fn power_iteration_normalizer(mut self, normalizer: PowerIterationNormalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    /// Convergence tolerance of the Lanczos algorithm, relative to `‖X‖_F`; 0 means
    /// machine precision (as ARPACK's `tol=0`). Default: 0.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Seed of the random test matrix (randomized) or start vector (Lanczos).
    /// Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn check(&self, n: usize, d: usize) -> Result<()> {
        if self.n_components == 0 || self.n_components > n.min(d) {
            return Err(Error::invalid_parameter(
                "n_components",
                self.n_components,
                "between 1 and min(n_samples, n_features)",
            ));
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(Error::invalid_parameter("tol", self.tol, "finite and >= 0"));
        }
        Ok(())
    }

    fn randomized(&self) -> RandomizedSvd {
        RandomizedSvd::new(self.n_components)
            .n_iter(self.n_iter)
            .n_oversamples(self.n_oversamples)
            .power_iteration_normalizer(self.normalizer)
            .flip_sign(false)
            .seed(self.seed)
    }

    /// Fits `x` (one row per sample), dense or CSR. CSR input is never densified by
    /// the randomized algorithm (it only multiplies by `X` and `Xᵀ`).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`]; [`Error::InvalidParameter`] for
    /// `n_components` of 0 or above `min(n_samples, n_features)` or a bad `tol`;
    /// [`Error::LimitExceeded`] when the Lanczos algorithm would have to densify a CSR
    /// input of more than 10⁸ entries (its Krylov space of `max(64, 2k)` vectors not
    /// below `min(n, d)`); [`Error::DecompositionFailed`] when an SVD does not
    /// converge.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<TruncatedSvdModel> {
        Ok(self.fit_transform(x)?.0)
    }

    /// Fits `x` and returns the model with the projection `X·Vᵀ`.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform<'a>(
        &self,
        x: impl Into<Features<'a>>,
    ) -> Result<(TruncatedSvdModel, Mat<f64>)> {
        match x.into() {
            Features::Dense(x) => self.fit_transform_dense(x),
            Features::Sparse(x) => self.fit_transform_sparse(x),
        }
    }

    fn fit_transform_dense(&self, x: MatRef<'_, f64>) -> Result<(TruncatedSvdModel, Mat<f64>)> {
        validate::matrix(x)?;
        self.check(x.nrows(), x.ncols())?;
        let svd = match self.algorithm {
            TruncatedSvdAlgorithm::Randomized => self.randomized().compute(x)?,
            TruncatedSvdAlgorithm::Lanczos => {
                if self.lanczos_fits(x.nrows(), x.ncols()) {
                    self.lanczos(&x, frobenius_dense(x))?
                } else {
                    thin_svd_with(x, SignConvention::UBased)?
                }
            }
        };
        let vt = self.finish(svd)?;
        let z = crate::pca::project(x, &vec![0.0; x.ncols()], vt.components.as_ref(), None);
        let full_var: f64 = (0..x.ncols())
            .into_par_iter()
            .map(|j| {
                let c = x.col(j);
                let n = c.nrows() as f64;
                let m = c.iter().sum::<f64>() / n;
                c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n
            })
            .collect::<Vec<_>>()
            .iter()
            .sum();
        let model = vt.into_model(&z, full_var, x.ncols());
        Ok((validate::fitted("TruncatedSvd", model)?, z))
    }

    fn fit_transform_sparse(&self, x: CsrRef<'_>) -> Result<(TruncatedSvdModel, Mat<f64>)> {
        sparse::validate(x)?;
        let (n, d) = (x.nrows(), x.ncols());
        self.check(n, d)?;
        let svd = match self.algorithm {
            TruncatedSvdAlgorithm::Randomized => self.randomized().compute_csr(x)?,
            TruncatedSvdAlgorithm::Lanczos => {
                if self.lanczos_fits(n, d) {
                    let norm = x.val().iter().map(|v| v * v).sum::<f64>().sqrt();
                    self.lanczos(&x, norm)?
                } else if n.saturating_mul(d) <= MAX_DENSIFY {
                    thin_svd_with(x.to_dense().as_ref(), SignConvention::UBased)?
                } else {
                    return Err(Error::LimitExceeded {
                        what: "dense copy of a CSR input for the Lanczos fallback",
                        requested: n.saturating_mul(d),
                        limit: MAX_DENSIFY,
                    });
                }
            }
        };
        let vt = self.finish(svd)?;
        let z = sparse::csr_times_dense(x, vt.components.transpose())?;
        // Column variances Σx²/n − mean², from the stored entries.
        let nf = n as f64;
        let mut sums = vec![0.0; d];
        let mut sq = vec![0.0; d];
        for i in 0..n {
            let cols = x.symbolic().col_idx_of_row(i);
            let vals = x.val_of_row(i);
            for (j, v) in cols.zip(vals) {
                sums[j] += v;
                sq[j] += v * v;
            }
        }
        let full_var: f64 = sums
            .iter()
            .zip(&sq)
            .map(|(s, q)| {
                let m = s / nf;
                q / nf - m * m
            })
            .sum();
        let model = vt.into_model(&z, full_var, d);
        Ok((validate::fitted("TruncatedSvd", model)?, z))
    }

    /// Whether faer's Lanczos can run: its Krylov space must be smaller than `min(n, d)`.
    fn lanczos_fits(&self, n: usize, d: usize) -> bool {
        64.max(2 * self.n_components) < n.min(d)
    }

    /// Restarted Lanczos bidiagonalisation of `op` for the leading singular triplets.
    fn lanczos(&self, op: &dyn BiLinOp<f64>, norm: f64) -> Result<Svd> {
        let (m, n, k) = (op.nrows(), op.ncols(), self.n_components);
        if norm == 0.0 {
            // The zero matrix: every singular value is 0 and any orthonormal vectors are
            // singular vectors (the iteration would never meet a tolerance relative to
            // a zero norm).
            return Ok(Svd {
                u: Mat::from_fn(m, k, |i, j| f64::from(u8::from(i == j))),
                s: vec![0.0; k],
                vt: Mat::from_fn(k, n, |i, j| f64::from(u8::from(i == j))),
            });
        }
        let par = Par::rayon(0);
        let params = PartialEigenParams {
            max_restarts: 1000,
            ..Default::default()
        };
        let mut rng = ml_core::rng::seeded(self.seed);
        let v0 = Col::from_fn(n, |_| rng.random_range(-1.0..1.0));
        let mut u = Mat::<f64>::zeros(m, k);
        let mut v = Mat::<f64>::zeros(n, k);
        let mut s = vec![0.0; k];
        let rel = if self.tol > 0.0 {
            self.tol
        } else {
            16.0 * f64::EPSILON
        };
        let mut mem = MemBuffer::new(partial_svd_scratch(op, k, par, params));
        let info = partial_svd(
            u.as_mut(),
            v.as_mut(),
            &mut s,
            op,
            v0.as_ref(),
            rel * norm.max(f64::MIN_POSITIVE),
            par,
            MemStack::new(&mut mem),
            params,
        );
        if info.n_converged_eigen < k {
            return Err(Error::DecompositionFailed {
                what: "Lanczos partial SVD",
            });
        }
        // Decreasing order, whatever order the solver returns.
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
        Ok(Svd {
            u: Mat::from_fn(m, k, |i, j| u[(i, order[j])]),
            s: order.iter().map(|&j| s[j]).collect(),
            vt: Mat::from_fn(k, n, |i, j| v[(j, order[i])]),
        })
    }

    /// Keeps `n_components` triplets and fixes the signs (v-based).
    fn finish(&self, svd: Svd) -> Result<Factors> {
        let k = self.n_components;
        let mut u = svd.u.get(.., ..k).to_owned();
        let mut vt = svd.vt.get(..k, ..).to_owned();
        svd_flip(u.as_mut(), vt.as_mut(), SignConvention::VBased)?;
        Ok(Factors {
            components: vt,
            singular_values: svd.s[..k].to_vec(),
            algorithm: self.algorithm,
        })
    }
}

/// `‖x‖_F`.
fn frobenius_dense(x: MatRef<'_, f64>) -> f64 {
    (0..x.ncols())
        .map(|j| x.col(j).iter().map(|v| v * v).sum::<f64>())
        .sum::<f64>()
        .sqrt()
}

/// The decomposition before its variances are known.
struct Factors {
    components: Mat<f64>,
    singular_values: Vec<f64>,
    algorithm: TruncatedSvdAlgorithm,
}

impl Factors {
    fn into_model(self, z: &Mat<f64>, full_var: f64, n_features: usize) -> TruncatedSvdModel {
        let n = z.nrows() as f64;
        let explained_variance: Vec<f64> = (0..z.ncols())
            .map(|c| {
                let col = z.col(c);
                let m = col.iter().sum::<f64>() / n;
                col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n
            })
            .collect();
        let explained_variance_ratio = explained_variance
            .iter()
            .map(|&v| crate::pca::variance_ratio(v, full_var))
            .collect();
        TruncatedSvdModel {
            components: self.components,
            explained_variance,
            explained_variance_ratio,
            singular_values: self.singular_values,
            n_features,
            algorithm: self.algorithm,
        }
    }
}

impl FitUnsupervised for TruncatedSvd {
    type Model = TruncatedSvdModel;

    fn fit(&self, x: Features<'_>) -> Result<TruncatedSvdModel> {
        TruncatedSvd::fit(self, x)
    }
}

/// A fitted [`TruncatedSvd`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruncatedSvdModel {
    #[serde(with = "ml_core::persist::mat")]
    components: Mat<f64>,
    explained_variance: Vec<f64>,
    explained_variance_ratio: Vec<f64>,
    singular_values: Vec<f64>,
    n_features: usize,
    algorithm: TruncatedSvdAlgorithm,
}

impl Persist for TruncatedSvdModel {
    const MODEL_NAME: &'static str = "ml_decomp::TruncatedSvdModel";
}

impl Invariants for TruncatedSvdModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        crate::pca::check_spectrum(
            self.components.as_ref(),
            &self.explained_variance,
            &self.explained_variance_ratio,
            &self.singular_values,
        )?;
        ml_core::persist::invariants::len(
            "component features",
            self.components.ncols(),
            self.n_features,
        )
    }
}

impl TruncatedSvdModel {
    /// The right singular vectors, one per row (`components_`).
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// The population variance of each column of the training projection
    /// (`explained_variance_`).
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained_variance
    }

    /// [`explained_variance`](Self::explained_variance) over the total population
    /// variance of the features (`explained_variance_ratio_`).
    pub fn explained_variance_ratio(&self) -> &[f64] {
        &self.explained_variance_ratio
    }

    /// The singular values (`singular_values_`).
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
    }

    /// The number of components.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.n_features
    }

    /// The algorithm that produced the fit.
    pub fn algorithm(&self) -> TruncatedSvdAlgorithm {
        self.algorithm
    }

    /// Projects `x` (dense or CSR): `X·Vᵀ` (no centring).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        match x.into() {
            Features::Dense(x) => {
                validate::matrix_with_features(x, self.n_features)?;
                Ok(crate::pca::project(
                    x,
                    &vec![0.0; self.n_features],
                    self.components.as_ref(),
                    None,
                ))
            }
            Features::Sparse(x) => {
                sparse::validate(x)?;
                validate::n_features_eq(x.ncols(), self.n_features)?;
                sparse::csr_times_dense(x, self.components.transpose())
            }
        }
    }

    /// Maps projections back: `Z·V`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::ShapeMismatch`] (columns other than `n_components`) or
    /// [`Error::NonFinite`].
    pub fn inverse_transform<'a>(&self, z: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let z = z.into().dense("TruncatedSvdModel")?;
        validate::non_empty(z, "X")?;
        validate::n_features_eq(z.ncols(), self.n_components())?;
        validate::finite(z)?;
        Ok(crate::pca::inverse_project(
            z,
            &vec![0.0; self.n_features],
            self.components.as_ref(),
            None,
        ))
    }
}

impl Fitted for TruncatedSvdModel {
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Transform for TruncatedSvdModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        TruncatedSvdModel::transform(self, x)
    }
}
