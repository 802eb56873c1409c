//! Non-negative matrix factorisation: [`Nmf`], as scikit-learn 1.9's `NMF`.
//!
//! Finds non-negative `W` (samples × k) and `H` (k × features) with `X ≈ W H`,
//! minimising
//! `D(X, W H) + α_W (ρ d ‖W‖₁ + (1 − ρ)/2 d ‖W‖²) + α_H (ρ n ‖H‖₁ + (1 − ρ)/2 n ‖H‖²)`
//! for an `n × d` matrix `X`, with `ρ = l1_ratio` and `D` half the squared Frobenius
//! distance or the generalised Kullback-Leibler divergence.
//!
//! - **Initialisation** (`init`): NNDSVD (Boutsidis & Gallopoulos, 2008) from a
//!   randomized truncated SVD, with zeros left (`Nndsvd`), filled with the mean of `X`
//!   (`Nndsvda`, the default when `k ≤ min(n, d)`) or with small random values
//!   (`Nndsvdar`); or `√(mean(X)/k) |N(0, 1)|` draws (`Random`, the default otherwise).
//! - **Coordinate descent** (`Cd`, Frobenius only): cyclic updates of one coordinate at
//!   a time (Cichocki & Phan, 2009), stopping when the sum of the projected gradients
//!   falls below `tol` times its first value. The rows of `W` (columns of `H`) are
//!   independent given the other factor, so each half-step runs in parallel over fixed
//!   blocks of rows, with results identical to a sequential sweep.
//! - **Multiplicative updates** (`Mu`, Frobenius and Kullback-Leibler): Lee & Seung's
//!   updates, with the error checked every 10 iterations and the fit stopped when it
//!   fell by less than `tol` times the initial error.
//!
//! The random SVD and draws come from this library's generator, so only the
//! deterministic initialisations (`Nndsvd`, `Nndsvda` when the sketch of the
//! randomized SVD covers the matrix) reproduce scikit-learn's exactly; fits reach the
//! same reconstruction error (within 1% on the digits and the SMS counts).
//! Dense and sparse (CSR) inputs are accepted; the Kullback-Leibler updates only ever

mod solvers;

use faer::{Mat, MatRef};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, FitUnsupervised, Fitted, Result, Transform, validate};
use serde::{Deserialize, Serialize};

use solvers::{Data, from_rm, reconstruction_error, solve, to_rm, transform_rows};

/// How `W` and `H` start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NmfInit {
    /// `√(mean(X)/k) · |N(0, 1)|` entries.
    Random,
    /// Non-negative double SVD; zeros stay (best for sparse factors).
    Nndsvd,
    /// NNDSVD with zeros replaced by the mean of `X`.
    Nndsvda,
    /// NNDSVD with zeros replaced by `|mean(X) · N(0, 1) / 100|` draws.
    Nndsvdar,
}

/// The optimisation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NmfSolver {
    /// Coordinate descent (scikit-learn's `'cd'`, the default); Frobenius loss only.
    Cd,
    /// Multiplicative updates (scikit-learn's `'mu'`).
    Mu,
}

/// The divergence between `X` and `W H`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NmfBetaLoss {
    /// Half the squared Frobenius norm of `X − W H` (β = 2, the default).
    Frobenius,
    /// The generalised Kullback-Leibler divergence (β = 1); needs [`NmfSolver::Mu`].
    KullbackLeibler,
}

/// Non-negative matrix factorisation, as scikit-learn 1.9's `NMF`.
///
/// ```
/// use faer::Mat;
/// use ml_decomp::nmf::{Nmf, NmfSolver};
///
/// // An exactly rank-2 non-negative matrix.
/// let x = Mat::from_fn(6, 5, |i, j| (1 + i % 3) as f64 * (j as f64) + (i % 2) as f64);
/// let (model, w) = Nmf::new(2).max_iter(1000).tol(1e-8).fit_transform(x.as_ref())?;
/// assert!(model.reconstruction_err() < 1e-3);
/// assert!((0..6).all(|i| (0..2).all(|t| w[(i, t)] >= 0.0)));
/// let back = model.inverse_transform(w.as_ref())?;
/// assert!((&back - &x).norm_max() < 1e-3);
/// let mu = Nmf::new(2).solver(NmfSolver::Mu).fit(x.as_ref())?;
/// assert!(mu.components().nrows() == 2);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "NMF")]
#[derive(Debug, Clone, PartialEq)]
pub struct Nmf {
    n_components: Option<usize>,
    init: Option<NmfInit>,
    settings: Settings,
}

/// What the solvers need, kept by the model for `transform`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Settings {
    pub(crate) solver: NmfSolver,
    pub(crate) beta_loss: NmfBetaLoss,
    pub(crate) tol: f64,
    pub(crate) max_iter: usize,
    pub(crate) alpha_w: f64,
    pub(crate) alpha_h: Option<f64>,
    pub(crate) l1_ratio: f64,
    pub(crate) shuffle: bool,
    pub(crate) seed: u64,
}

impl Default for Nmf {
    /// `n_components` as many as features (scikit-learn's `'auto'`).
    fn default() -> Self {
        Self {
            n_components: None,
            init: None,
            settings: Settings {
                solver: NmfSolver::Cd,
                beta_loss: NmfBetaLoss::Frobenius,
                tol: 1e-4,
                max_iter: 200,
                alpha_w: 0.0,
                alpha_h: None,
                l1_ratio: 0.0,
                shuffle: false,
                seed: 0,
            },
        }
    }
}

impl Nmf {
    /// An estimator with `n_components` components and scikit-learn's defaults for
    /// everything else.
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components: Some(n_components),
            ..Self::default()
        }
    }

    /// The number of components `k`. Default: one per feature (scikit-learn's
    /// `'auto'`, through [`Default`]; [`Nmf::new`] sets a count).
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = Some(n_components);
        self
    }

    /// The initialisation; `None` picks [`NmfInit::Nndsvda`] when
    /// `k ≤ min(n, d)` and [`NmfInit::Random`] otherwise. Default: `None`.
    pub fn init(mut self, init: Option<NmfInit>) -> Self {
        self.init = init;
        self
    }

    /// The solver. Default: [`NmfSolver::Cd`].
    pub fn solver(mut self, solver: NmfSolver) -> Self {
        self.settings.solver = solver;
        self
    }

    /// The divergence to minimise. Default: [`NmfBetaLoss::Frobenius`].
    pub fn beta_loss(mut self, beta_loss: NmfBetaLoss) -> Self {
        self.settings.beta_loss = beta_loss;
        self
    }

    /// The stopping tolerance (relative, see the module doc). Default: 1e-4.
    pub fn tol(mut self, tol: f64) -> Self {
        self.settings.tol = tol;
        self
    }

    /// The most iterations. Default: 200.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.settings.max_iter = max_iter;
        self
    }

    /// The regularisation strength `α_W` of `W` (scaled by the number of features).
    /// Default: 0.
    pub fn alpha_w(mut self, alpha: f64) -> Self {
        self.settings.alpha_w = alpha;
        self
    }

    /// The regularisation strength `α_H` of `H` (scaled by the number of samples);
    /// `None` means the same as `α_W` (scikit-learn's `'same'`). Default: `None`.
    pub fn alpha_h(mut self, alpha: Option<f64>) -> Self {
        self.settings.alpha_h = alpha;
        self
    }

    /// The share `ρ ∈ [0, 1]` of L1 in the regularisation. Default: 0.
    pub fn l1_ratio(mut self, l1_ratio: f64) -> Self {
        self.settings.l1_ratio = l1_ratio;
        self
    }

    /// Whether coordinate descent visits the components in a random order each sweep.
    /// Default: false.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.settings.shuffle = shuffle;
        self
    }

    /// The seed of the random initialisations, the randomized SVD and the shuffling.
    /// Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    fn check(&self, n: usize, d: usize) -> Result<(usize, NmfInit)> {
        let s = &self.settings;
        let k = self.n_components.unwrap_or(d);
        validate::at_least("n_components", k, 1, ">= 1")?;
        validate::non_negative_param("tol", s.tol)?;
        validate::at_least("max_iter", s.max_iter, 1, ">= 1")?;
        validate::non_negative_param("alpha_w", s.alpha_w)?;
        if let Some(a) = s.alpha_h {
            validate::non_negative_param("alpha_h", a)?;
        }
        validate::in_closed_range("l1_ratio", s.l1_ratio, 0.0, 1.0, "in [0, 1]")?;
        if s.solver == NmfSolver::Cd && s.beta_loss != NmfBetaLoss::Frobenius {
            return Err(Error::invalid_parameter(
                "beta_loss",
                s.beta_loss,
                "Frobenius with the coordinate-descent solver",
            ));
        }
        let init = match self.init {
            Some(i) => i,
            None if k <= n.min(d) => NmfInit::Nndsvda,
            None => NmfInit::Random,
        };
        if init != NmfInit::Random && k > n.min(d) {
            return Err(Error::invalid_parameter(
                "n_components",
                k,
                "at most min(n_samples, n_features) with an NNDSVD initialisation",
            ));
        }
        // W (n × k) and H (k × d), and as much again for the solvers' work space.
        let entries = n.saturating_add(d).saturating_mul(k).saturating_mul(2);
        validate::allocatable::<f64>("the factors W and H", entries)?;
        Ok((k, init))
    }

    /// Fits `W` and `H` to non-negative `x` (one row per sample), dense or CSR; the
    /// Kullback-Leibler updates and `transform` only ever touch its non-zero entries.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for hyper-parameters out of range (including
    /// `n_components` above `min(n, d)` with an NNDSVD initialisation, and the
    /// Kullback-Leibler loss with coordinate descent), [`Error::EmptyInput`],
    /// [`Error::NonFinite`] or [`Error::NegativeValue`]; [`Error::AllocationFailed`]
    /// when the factors for `n_components` do not fit in memory.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<NmfModel> {
        Ok(self.fit_transform(x)?.0)
    }

    /// Fits and returns the model with `W` (samples × k).
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<(NmfModel, Mat<f64>)> {
        let x = x.into();
        check_input(x)?;
        self.fit_data(&Data::new(x)?)
    }

    /// The initial `W` and `H` of this estimator's `init` for `x` (scikit-learn's
    /// `_initialize_nmf`), as `(W, H)`.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and [`Error::DecompositionFailed`] if the SVD fails.
    // Public for the crate's parity tests of the NNDSVD initialisations against
    // scikit-learn, not part of the API.
    #[doc(hidden)]
    pub fn initialize<'a>(&self, x: impl Into<Features<'a>>) -> Result<(Mat<f64>, Mat<f64>)> {
        let x = x.into();
        check_input(x)?;
        let (n, d) = (x.nrows(), x.ncols());
        let (k, init) = self.check(n, d)?;
        let (w, ht) = solvers::initialize(&Data::new(x)?, k, init, self.settings.seed)?;
        Ok((from_rm(&w, n, k), from_rm(&ht, d, k).transpose().to_owned()))
    }

    fn fit_data(&self, data: &Data<'_>) -> Result<(NmfModel, Mat<f64>)> {
        let (n, d) = (data.nrows(), data.ncols());
        let (k, init) = self.check(n, d)?;
        let (mut w, mut ht) = solvers::initialize(data, k, init, self.settings.seed)?;
        let n_iter = solve(data, &mut w, &mut ht, k, &self.settings, true)?;
        let err = reconstruction_error(data, None, &w, &ht, k, self.settings.beta_loss)?;
        let model = NmfModel {
            components: from_rm(&ht, d, k).transpose().to_owned(),
            reconstruction_err: err,
            n_iter,
            settings: self.settings,
        };
        Ok((validate::fitted("Nmf", model)?, from_rm(&w, n, k)))
    }
}

/// `x` is non-empty, finite and non-negative (CSR: also well-formed).
fn check_input(x: Features<'_>) -> Result<()> {
    validate::features(x)?;
    validate::features_non_negative(x, "NMF")
}

/// A fitted NMF: the components `H` and what `transform` needs to solve for `W`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NmfModel {
    #[serde(with = "ml_core::persist::mat")]
    components: Mat<f64>,
    reconstruction_err: f64,
    n_iter: usize,
    settings: Settings,
}

impl Persist for NmfModel {
    const MODEL_NAME: &'static str = "ml_decomp::NmfModel";
}

impl Invariants for NmfModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let s = &self.settings;
        inv::not_empty("components", self.components.nrows())?;
        inv::not_empty("component features", self.components.ncols())?;
        inv::non_negative_mat("components", self.components.as_ref())?;
        inv::non_negative("tol, alpha_w", &[s.tol, s.alpha_w])?;
        inv::non_negative("alpha_h", s.alpha_h.as_slice())?;
        inv::ensure((0.0..=1.0).contains(&s.l1_ratio), || {
            format!("l1_ratio {} is outside [0, 1]", s.l1_ratio)
        })
    }
}

impl NmfModel {
    /// The factor `H` (components × features), scikit-learn's `components_`.
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// `√(2 D(X, W H))` on the training data: the Frobenius norm of `X − W H`, or the
    /// square root of twice the Kullback-Leibler divergence (scikit-learn's
    /// `reconstruction_err_`).
    pub fn reconstruction_err(&self) -> f64 {
        self.reconstruction_err
    }

    /// The number of iterations the fit ran.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The number of components `k`.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.components.ncols()
    }

    /// `Hᵀ`, row-major (`d × k`), as the solvers take it.
    fn ht(&self) -> Vec<f64> {
        to_rm(&self.components.transpose().to_owned())
    }

    /// Solves for `W` (samples × k) with `H` fixed.
    ///
    /// Each row is solved on its own, so a sample's result never depends on the other
    /// rows of the batch: for the Frobenius loss by coordinate descent on its
    /// non-negative least-squares problem (from zeros, stopping when the row's
    /// projected-gradient sum falls below `tol` times its first value), for the
    /// Kullback-Leibler loss by multiplicative updates (from `√(mean(xᵢ)/k)`, stopping
    /// as the fit does, on the row's own error). scikit-learn's `transform` runs the
    /// fitted solver on all rows together with one stopping test; both approximate the
    /// same per-row optimum.
    ///
    /// `x` may be dense or CSR; only its non-zero entries are read.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`], [`Error::NonFinite`] or
    /// [`Error::NegativeValue`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into();
        validate::features_with_n(x, self.components.ncols())?;
        validate::features_non_negative(x, "NMF")?;
        Ok(transform_rows(
            x,
            &self.ht(),
            self.n_components(),
            &self.settings,
        ))
    }

    /// `W H`: the data reconstructed from its transform `w` (samples × k).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::NonFinite`], or [`Error::ShapeMismatch`] when `w` does not have `k`
    /// columns.
    pub fn inverse_transform<'a>(&self, w: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let w = w.into().dense("NmfModel")?;
        validate::non_empty(w, "W")?;
        if w.ncols() != self.n_components() {
            return Err(Error::ShapeMismatch {
                what: "number of components",
                expected: self.n_components(),
                got: w.ncols(),
            });
        }
        validate::finite(w)?;
        Ok(w * &self.components)
    }
}

impl FitUnsupervised for Nmf {
    type Model = NmfModel;

    fn fit(&self, x: Features<'_>) -> Result<Self::Model> {
        Nmf::fit(self, x)
    }
}

impl Fitted for NmfModel {
    fn n_features_in(&self) -> usize {
        self.components.ncols()
    }
}

impl Transform for NmfModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        NmfModel::transform(self, x)
    }
}
