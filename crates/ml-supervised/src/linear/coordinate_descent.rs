//! L1 and elastic-net penalised least squares by cyclic coordinate descent:
//! [`Lasso`] and [`ElasticNet`].
//!
//! The objective is scikit-learn's
//! `(1/2n) ‖y − X w − b‖² + α ρ ‖w‖₁ + (α (1 − ρ) / 2) ‖w‖²` (`ρ = l1_ratio`, 1 for the
//! lasso). Each pass updates the coordinates in order by soft-thresholding. As in
//! scikit-learn, the duality gap is computed when the largest coordinate change of a
//! pass is at most `tol` times the largest coefficient (or on the last pass), and the
//! fit stops when the gap is at most `tol · ‖y_c‖²`.
//!
//! Two equivalent ways to run a pass are used. With few features and many more samples,
//! the Gram matrix `X_cᵀX_c` is formed once (one parallel product) and a coordinate
//! update costs `O(d)`; otherwise the residual is kept and an update costs `O(n)`. Both
//! reach the same optimum; only the cost per pass differs. As in scikit-learn 1.9,
//! gap-safe screening discards features that are provably zero at the optimum.
//!
//! Both need dense `X`: CSR input is [`Error::Unsupported`](ml_core::Error::Unsupported).
//! A fit starts from zero coefficients, or from those of an earlier model given to
//! `warm_start` (scikit-learn's `warm_start=True`).

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};
use ml_core::kernels::{LANES, centred_sq_norm, dot, reduce_lanes, sum};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Features, Fit, FitWeighted, Fitted, Predict, Result, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Prepared, as_column, predict_single, rescaled};

/// Largest number of features for which the Gram matrix is formed. Forming it costs
/// about `d / 40` passes of the residual form, so it pays off only for few features
/// (scikit-learn's default, `precompute=False`, never forms it).
const GRAM_MAX_FEATURES: usize = 64;

/// Elastic-net regression, as scikit-learn's `ElasticNet` (cyclic selection).
///
/// ```
/// use faer::mat;
/// use ml_supervised::ElasticNet;
///
/// let x = mat![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0], [4.0, 2.0]];
/// let y = [1.0, 2.0, 4.0, 7.0, 8.0];
/// let model = ElasticNet::new().alpha(0.1).l1_ratio(0.7).fit(x.as_ref(), &y)?;
/// assert!(model.converged());
/// assert!(model.coef()[0] > 0.0);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ElasticNet {
    alpha: f64,
    l1_ratio: f64,
    fit_intercept: bool,
    max_iter: usize,
    tol: f64,
    /// The starting coefficients set by [`warm_start`](Self::warm_start).
    init: Option<Vec<f64>>,
}

impl Default for ElasticNet {
    fn default() -> Self {
        Self::new()
    }
}

impl ElasticNet {
    /// Elastic net with scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            alpha: 1.0,
            l1_ratio: 0.5,
            fit_intercept: true,
            max_iter: 1000,
            tol: 1e-4,
            init: None,
        }
    }

    /// The penalty strength `α ≥ 0`. Default: 1.0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// The share `ρ ∈ [0, 1]` of the L1 term in the penalty. Default: 0.5.
    pub fn l1_ratio(mut self, l1_ratio: f64) -> Self {
        self.l1_ratio = l1_ratio;
        self
    }

    /// Whether to fit an (unpenalised) intercept. Default: true.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// The maximal number of passes over the coordinates. Default: 1000.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The stopping tolerance (relative to `‖y_c‖²` for the gap). Default: 1e-4.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Starts every later fit from the coefficients of `previous` instead of zeros
    /// (scikit-learn's `warm_start=True`, which keeps `coef_` on the estimator), e.g.
    /// along a decreasing path of `alpha`. Both [`fit`](Self::fit) and
    /// [`fit_weighted`](Self::fit_weighted) use them. Default: none (zeros).
    ///
    /// ```
    /// use faer::mat;
    /// use ml_supervised::ElasticNet;
    ///
    /// let x = mat![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0], [4.0, 2.0]];
    /// let y = [1.0, 2.0, 4.0, 7.0, 8.0];
    /// let coarse = ElasticNet::new().alpha(0.2).fit(x.as_ref(), &y)?;
    /// let fine = ElasticNet::new().alpha(0.1).warm_start(&coarse).fit(x.as_ref(), &y)?;
    /// assert!(fine.converged());
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    pub fn warm_start(mut self, previous: &ElasticNetModel) -> Self {
        self.init = Some(previous.coef.clone());
        self
    }

    fn check(&self) -> Result<()> {
        validate::non_negative_param("alpha", self.alpha)?;
        validate::in_closed_range("l1_ratio", self.l1_ratio, 0.0, 1.0, "in [0, 1]")?;
        validate::non_negative_param("tol", self.tol)?;
        validate::at_least("max_iter", self.max_iter, 1, ">= 1")
    }

    /// Fits on dense `x`, from zero coefficients or those of
    /// [`warm_start`](Self::warm_start).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](ml_core::Error::InvalidParameter) for `alpha < 0`, `l1_ratio` outside [0, 1], `tol < 0`
    /// or `max_iter = 0`; [`Error::EmptyInput`](ml_core::Error::EmptyInput), [`Error::NonFinite`](ml_core::Error::NonFinite) or
    /// [`Error::ShapeMismatch`](ml_core::Error::ShapeMismatch) for the data (also
    /// warm-start coefficients of another number of features);
    /// [`Error::Unsupported`](ml_core::Error::Unsupported) for CSR `x`.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>, y: &[f64]) -> Result<ElasticNetModel> {
        self.fit_from(x.into().dense("ElasticNet")?, y, None)
    }

    /// Fits with one weight per sample (scikit-learn's `fit(X, y, sample_weight)`),
    /// from zero coefficients or those of [`warm_start`](Self::warm_start).
    ///
    /// As in scikit-learn 1.9, the weights are first rescaled to sum to `n`, and the
    /// objective becomes `(1/2n) Σ wᵢ (yᵢ − xᵢᵀw − b)² + α ρ ‖w‖₁ + (α (1 − ρ) / 2) ‖w‖²`
    /// with those rescaled `wᵢ`: the loss is the weighted mean of the squared errors.
    /// So multiplying every weight by one constant changes nothing, an integer weight is
    /// the same as repeating the row, and a zero weight the same as dropping it. `X` and
    /// `y` are centred on their weighted means and row `i` is scaled by `√wᵢ` (in a
    /// copy) before the same coordinate descent, whose duality gap and stopping rule
    /// (`tol · ‖y_c‖²`) then use the weighted data.
    ///
    /// ```
    /// use faer::mat;
    /// use ml_supervised::ElasticNet;
    ///
    /// let x = mat![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0], [4.0, 2.0]];
    /// let y = [1.0, 2.0, 4.0, 7.0, 8.0];
    /// let est = ElasticNet::new().alpha(0.1).tol(1e-12);
    /// let a = est.fit_weighted(x.as_ref(), &y, &[1.0, 2.0, 1.0, 1.0, 3.0])?;
    /// let b = est.fit_weighted(x.as_ref(), &y, &[0.5, 1.0, 0.5, 0.5, 1.5])?;
    /// assert!((a.coef()[0] - b.coef()[0]).abs() < 1e-10);
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus [`Error::ShapeMismatch`](ml_core::Error::ShapeMismatch)
    /// when `sample_weight` does not have one entry per row,
    /// [`Error::NonFinite`](ml_core::Error::NonFinite) for a NaN or infinite weight and
    /// [`Error::InvalidParameter`](ml_core::Error::InvalidParameter) for a negative
    /// weight or all weights zero.
    pub fn fit_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<ElasticNetModel> {
        self.fit_from(x.into().dense("ElasticNet")?, y, Some(sample_weight))
    }

    fn fit_from(
        &self,
        x: MatRef<'_, f64>,
        y: &[f64],
        sample_weight: Option<&[f64]>,
    ) -> Result<ElasticNetModel> {
        self.check()?;
        let init = self.init.as_deref();
        validate::non_empty(x, "X")?;
        let (n, d) = (x.nrows(), x.ncols());
        // On the residual path the finiteness of `x` is checked inside the set-up pass
        // over it (see `descend`), which saves a pass; any earlier error still reports
        // a non-finite `x` first, as `validate::supervised` would.
        let deferred = sample_weight.is_none() && !uses_gram(n, d);
        if !deferred {
            validate::finite(x)?;
        }
        let rest = validate::targets_len(n, y.len())
            .and_then(|()| validate::finite_slice(y))
            .and_then(|()| init.map_or(Ok(()), |w| validate::n_features_eq(w.len(), d)))
            .and_then(|()| sample_weight.map_or(Ok(()), |sw| validate::sample_weight(sw, n)));
        if let Err(e) = rest {
            if deferred {
                validate::finite(x)?;
            }
            return Err(e);
        }
        let nf = n as f64;
        let params = CdParams {
            l1_reg: self.alpha * self.l1_ratio * nf,
            l2_reg: self.alpha * (1.0 - self.l1_ratio) * nf,
            max_iter: self.max_iter,
            tol: self.tol,
        };
        let mut w = init.map_or_else(|| vec![0.0; d], <[f64]>::to_vec);
        let (outcome, x_mean, y_mean) = match sample_weight {
            None => {
                let y_mean = if self.fit_intercept {
                    y.iter().sum::<f64>() / nf
                } else {
                    0.0
                };
                let yc: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
                let (outcome, x_mean) = descend(x, &yc, self.fit_intercept, &mut w, &params)?;
                (outcome, x_mean, y_mean)
            }
            Some(sw) => {
                // Weights summing to n make `n α` (in `params`) the right penalty scale.
                let total: f64 = sw.iter().sum();
                let normalised: Vec<f64> = sw.iter().map(|v| v * (nf / total)).collect();
                let data = rescaled(x, as_column(y), &normalised, self.fit_intercept);
                let ys = data.y.col_as_slice(0);
                let (outcome, _) = descend(data.x.as_ref(), ys, false, &mut w, &params)?;
                (outcome, data.x_mean, data.y_mean[0])
            }
        };
        let intercept = y_mean - x_mean.iter().zip(&w).map(|(m, c)| m * c).sum::<f64>();
        validate::fitted(
            "ElasticNet",
            ElasticNetModel {
                coef: w,
                intercept,
                dual_gap: outcome.gap / nf,
                n_iter: outcome.n_iter,
                converged: outcome.converged,
            },
        )
    }
}

/// Whether [`descend`] forms the Gram matrix for an `n × d` problem.
fn uses_gram(n: usize, d: usize) -> bool {
    n >= 2 * d && d <= GRAM_MAX_FEATURES
}

/// Coordinate descent on `x` (centred here when `centre`) against the centred `yc`,
/// from `w`, in whichever representation is cheaper; returns the outcome and the
/// column means used (zeros without centring).
///
/// # Errors
/// [`Error::NonFinite`](ml_core::Error::NonFinite) for a non-finite `x` on the
/// residual path, whose set-up pass doubles as the finiteness check.
fn descend(
    x: MatRef<'_, f64>,
    yc: &[f64],
    centre: bool,
    w: &mut [f64],
    params: &CdParams,
) -> Result<(CdOutcome, Vec<f64>)> {
    let (n, d) = (x.nrows(), x.ncols());
    if uses_gram(n, d) {
        let prepared = Prepared::new(x, centre);
        let mut state = GramState::new(prepared.x(), yc, w);
        Ok((coordinate_descent(&mut state, w, params), prepared.means))
    } else {
        // The residual form walks contiguous columns of the raw `x` and centres
        // on the fly, so no centred copy of `x` is ever made.
        let owned;
        let xr = if x.row_stride() == 1 {
            x
        } else {
            owned = x.to_owned();
            owned.as_ref()
        };
        let mut state = ResidualState::new(xr, centre, yc, w)?;
        let outcome = coordinate_descent(&mut state, w, params);
        Ok((outcome, state.means))
    }
}

impl Fit<[f64]> for ElasticNet {
    type Model = ElasticNetModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<ElasticNetModel> {
        ElasticNet::fit(self, x, y)
    }
}

impl FitWeighted<[f64]> for ElasticNet {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<ElasticNetModel> {
        ElasticNet::fit_weighted(self, x, y, sample_weight)
    }
}

/// The lasso, `(1/2n) ‖y − X w − b‖² + α ‖w‖₁`, as scikit-learn's `Lasso`: an
/// [`ElasticNet`] with `l1_ratio = 1`.
///
/// ```
/// use faer::Mat;
/// use ml_supervised::Lasso;
///
/// // y depends on the first feature only; the lasso zeroes the other.
/// let x = Mat::from_fn(20, 2, |i, j| if j == 0 { i as f64 } else { ((i * 7) % 5) as f64 });
/// let y: Vec<f64> = (0..20).map(|i| 3.0 * i as f64 + 1.0).collect();
/// let model = Lasso::new().alpha(0.5).fit(x.as_ref(), &y)?;
/// assert_eq!(model.coef()[1], 0.0);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Lasso {
    inner: ElasticNet,
}

/// A fitted [`Lasso`] (an elastic net with `l1_ratio = 1`).
pub type LassoModel = ElasticNetModel;

impl Default for Lasso {
    fn default() -> Self {
        Self::new()
    }
}

impl Lasso {
    /// The lasso with scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            inner: ElasticNet::new().l1_ratio(1.0),
        }
    }

    /// The L1 penalty strength `α ≥ 0`. Default: 1.0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.inner = self.inner.alpha(alpha);
        self
    }

    /// Whether to fit an (unpenalised) intercept. Default: true.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.inner = self.inner.fit_intercept(fit_intercept);
        self
    }

    /// The maximal number of passes over the coordinates. Default: 1000.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.inner = self.inner.max_iter(max_iter);
        self
    }

    /// The stopping tolerance (relative to `‖y_c‖²` for the gap). Default: 1e-4.
    pub fn tol(mut self, tol: f64) -> Self {
        self.inner = self.inner.tol(tol);
        self
    }

    /// Starts every later fit from the coefficients of `previous` instead of zeros
    /// (`warm_start=True`), as [`ElasticNet::warm_start`]. Default: none (zeros).
    pub fn warm_start(mut self, previous: &LassoModel) -> Self {
        self.inner = self.inner.warm_start(previous);
        self
    }

    /// Fits on dense `x`, from zero coefficients or those of
    /// [`warm_start`](Self::warm_start).
    ///
    /// # Errors
    /// As [`ElasticNet::fit`].
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>, y: &[f64]) -> Result<LassoModel> {
        self.inner.fit_from(x.into().dense("Lasso")?, y, None)
    }

    /// Fits with one weight per sample, normalised to sum to `n` as in
    /// [`ElasticNet::fit_weighted`]: the loss is `(1/2n) Σ wᵢ (yᵢ − xᵢᵀw − b)²`.
    ///
    /// # Errors
    /// As [`ElasticNet::fit_weighted`].
    pub fn fit_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<LassoModel> {
        self.inner
            .fit_from(x.into().dense("Lasso")?, y, Some(sample_weight))
    }
}

impl Fit<[f64]> for Lasso {
    type Model = LassoModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<LassoModel> {
        Lasso::fit(self, x, y)
    }
}

impl FitWeighted<[f64]> for Lasso {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<LassoModel> {
        Lasso::fit_weighted(self, x, y, sample_weight)
    }
}

/// A fitted [`ElasticNet`] or [`Lasso`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ElasticNetModel {
    coef: Vec<f64>,
    intercept: f64,
    dual_gap: f64,
    n_iter: usize,
    converged: bool,
}

impl ElasticNetModel {
    /// The coefficients, one per feature (exact zeros where the L1 term cut them).
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// The intercept (0 without `fit_intercept`).
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// The duality gap at the end, divided by `n` (scikit-learn's `dual_gap_`).
    pub fn dual_gap(&self) -> f64 {
        self.dual_gap
    }

    /// The number of passes over the coordinates (`n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the gap fell below the tolerance within `max_iter` passes.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.coef.len()
    }

    /// Predicts every row of `x` (dense or CSR: the fit needs dense input, the
    /// prediction does not).
    ///
    /// # Errors
    /// Empty or non-finite `x`, or another number of columns than at fit time.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        predict_single(x.into(), &self.coef, self.intercept)
    }
}

impl Fitted for ElasticNetModel {
    fn n_features_in(&self) -> usize {
        self.coef.len()
    }
}

impl Predict for ElasticNetModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        ElasticNetModel::predict(self, x)
    }
}

impl Persist for ElasticNetModel {
    const MODEL_NAME: &'static str = "ml_supervised::ElasticNetModel";
}

impl Invariants for ElasticNetModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("coef", self.coef.len())?;
        inv::finite("coef", &self.coef)?;
        inv::finite("intercept", &[self.intercept])
    }
}

/// The penalties in the `n`-scaled form the updates use.
struct CdParams {
    l1_reg: f64,
    l2_reg: f64,
    max_iter: usize,
    tol: f64,
}

struct CdOutcome {
    gap: f64,
    n_iter: usize,
    converged: bool,
}

fn soft_threshold(v: f64, t: f64) -> f64 {
    v.signum() * (v.abs() - t).max(0.0)
}

/// The duality gap as scikit-learn 1.9 defines it, from `Xᵀr`, `‖r‖²` and `rᵀy`:
/// the primal–dual gap at the rescaled dual point when there is an L1 term, the
/// ridge dual ("formulation B") without one, and `‖Xᵀr‖²` for plain least squares.
/// Also returns `Xᵀr − l2·w` and its largest entry, for screening.
fn duality_gap(
    xtr: &[f64],
    r_norm2: f64,
    r_dot_y: f64,
    w: &[f64],
    p: &CdParams,
) -> (f64, f64, Vec<f64>) {
    let (l1, l2) = (p.l1_reg, p.l2_reg);
    let w_norm2: f64 = if l2 > 0.0 { dot(w, w) } else { 0.0 };
    if l1 == 0.0 {
        let dual_norm = dot(xtr, xtr);
        if l2 == 0.0 {
            return (dual_norm, dual_norm, xtr.to_vec());
        }
        let gap = r_norm2 + 0.5 * l2 * w_norm2 - r_dot_y + dual_norm / (2.0 * l2);
        return (gap, dual_norm, xtr.to_vec());
    }
    let xta: Vec<f64> = xtr.iter().zip(w).map(|(a, wj)| a - l2 * wj).collect();
    let dual_norm = xta.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
    let primal = 0.5 * (r_norm2 + l2 * w_norm2) + l1 * l1_norm;
    let scale = if dual_norm > l1 { l1 / dual_norm } else { 1.0 };
    let dual = -0.5 * scale * scale * (r_norm2 + l2 * w_norm2) + scale * r_dot_y;
    (primal - dual, dual_norm, xta)
}

/// What the coordinate-descent driver needs from a problem representation.
trait CdState {
    /// `‖x_j‖²`.
    fn norm2(&self, j: usize) -> f64;
    /// `x_jᵀ r` for the current residual `r`.
    fn corr(&mut self, j: usize) -> f64;
    /// Records the change of `w_j` by `delta` (residual or `G w` update).
    fn shift(&mut self, j: usize, delta: f64);
    /// `Xᵀr`, `‖r‖²` and `rᵀy` for the duality gap.
    fn gap_inputs(&mut self, w: &[f64]) -> (Vec<f64>, f64, f64);
    /// `‖y‖²`.
    fn y_norm2(&self) -> f64;
}

/// Cyclic coordinate descent with scikit-learn's stopping rule and gap-safe
/// screening: features whose dual constraint is provably inactive at the optimum are
/// set to zero and skipped for the rest of the fit.
fn coordinate_descent(state: &mut impl CdState, w: &mut [f64], p: &CdParams) -> CdOutcome {
    let d = w.len();
    let tol = p.tol * state.y_norm2();
    let screening = p.l1_reg > 0.0;
    let mut active: Vec<usize> = (0..d).collect();
    let check = |state: &mut dyn CdStateDyn, w: &mut [f64], active: &mut Vec<usize>| {
        let (xtr, r_norm2, r_dot_y) = state.gap_inputs_dyn(w);
        let (gap, dual_norm, xta) = duality_gap(&xtr, r_norm2, r_dot_y, w, p);
        if screening && gap > tol {
            let radius = (2.0 * gap.max(0.0)).sqrt() / p.l1_reg;
            let denom = p.l1_reg.max(dual_norm);
            active.retain(|&j| {
                let norm = state.norm2_dyn(j);
                if norm == 0.0 {
                    return false;
                }
                let d_j = (1.0 - (xta[j] / denom).abs()) / (norm + p.l2_reg).sqrt();
                if d_j <= radius {
                    return true;
                }
                if w[j] != 0.0 {
                    state.shift_dyn(j, -w[j]);
                    w[j] = 0.0;
                }
                false
            });
        }
        gap
    };
    let mut gap = check(state, w, &mut active);
    if gap <= tol {
        return CdOutcome {
            gap,
            n_iter: 0,
            converged: true,
        };
    }
    for it in 0..p.max_iter {
        let (mut w_max, mut d_w_max) = (0.0f64, 0.0f64);
        for &j in &active {
            let norm = state.norm2(j);
            if norm == 0.0 {
                continue;
            }
            let old = w[j];
            let tmp = state.corr(j) + old * norm;
            let new = soft_threshold(tmp, p.l1_reg) / (norm + p.l2_reg);
            if new != old {
                state.shift(j, new - old);
                w[j] = new;
            }
            d_w_max = d_w_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if w_max == 0.0 || d_w_max / w_max <= p.tol || it + 1 == p.max_iter {
            gap = check(state, w, &mut active);
            if gap <= tol {
                return CdOutcome {
                    gap,
                    n_iter: it + 1,
                    converged: true,
                };
            }
        }
    }
    CdOutcome {
        gap,
        n_iter: p.max_iter,
        converged: false,
    }
}

/// Object-safe view of [`CdState`] for the gap-and-screening closure.
trait CdStateDyn {
    fn norm2_dyn(&self, j: usize) -> f64;
    fn shift_dyn(&mut self, j: usize, delta: f64);
    fn gap_inputs_dyn(&mut self, w: &[f64]) -> (Vec<f64>, f64, f64);
}

impl<T: CdState> CdStateDyn for T {
    fn norm2_dyn(&self, j: usize) -> f64 {
        self.norm2(j)
    }
    fn shift_dyn(&mut self, j: usize, delta: f64) {
        self.shift(j, delta);
    }
    fn gap_inputs_dyn(&mut self, w: &[f64]) -> (Vec<f64>, f64, f64) {
        self.gap_inputs(w)
    }
}

/// The Gram representation: `G = XᵀX`, `q = Xᵀy` and `hw = G w`, updates in `O(d)`.
struct GramState {
    g: Mat<f64>,
    q: Vec<f64>,
    hw: Vec<f64>,
    yy: f64,
}

impl GramState {
    fn new(x: MatRef<'_, f64>, y: &[f64], w: &[f64]) -> Self {
        let d = x.ncols();
        let mut g = Mat::<f64>::zeros(d, d);
        triangular::matmul(
            g.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Replace,
            x.transpose(),
            BlockStructure::Rectangular,
            x,
            BlockStructure::Rectangular,
            1.0,
            Par::rayon(0),
        );
        for a in 0..d {
            for b in 0..a {
                g[(b, a)] = g[(a, b)];
            }
        }
        let mut q = Mat::<f64>::zeros(d, 1);
        matmul(
            q.as_mut(),
            Accum::Replace,
            x.transpose(),
            as_column(y),
            1.0,
            Par::rayon(0),
        );
        let mut state = Self {
            g,
            q: q.col(0).iter().copied().collect(),
            hw: vec![0.0; d],
            yy: dot(y, y),
        };
        for (j, &wj) in w.iter().enumerate() {
            if wj != 0.0 {
                state.shift(j, wj);
            }
        }
        state
    }
}

impl CdState for GramState {
    fn norm2(&self, j: usize) -> f64 {
        self.g[(j, j)]
    }
    fn corr(&mut self, j: usize) -> f64 {
        self.q[j] - self.hw[j]
    }
    fn shift(&mut self, j: usize, delta: f64) {
        for (h, &gv) in self.hw.iter_mut().zip(self.g.col_as_slice(j)) {
            *h += delta * gv;
        }
    }
    fn gap_inputs(&mut self, w: &[f64]) -> (Vec<f64>, f64, f64) {
        let xtr: Vec<f64> = self.q.iter().zip(&self.hw).map(|(a, b)| a - b).collect();
        let wq = dot(w, &self.q);
        let r_norm2 = (self.yy - 2.0 * wq + dot(w, &self.hw)).max(0.0);
        (xtr, r_norm2, self.yy - wq)
    }
    fn y_norm2(&self) -> f64 {
        self.yy
    }
}

/// The residual representation: `r = y_c − X_c w` with `X_c = X − 1 x̄ᵀ` never formed,
/// updates in `O(n)`. `Σ r` is tracked so `X_cᵀ r = Xᵀ r − x̄ Σ r`.
struct ResidualState<'a> {
    cols: Vec<&'a [f64]>,
    means: Vec<f64>,
    /// `‖x_j − x̄_j‖²`, computed exactly (two passes), not as `‖x_j‖² − n x̄_j²`.
    norms: Vec<f64>,
    y: &'a [f64],
    r: Vec<f64>,
    r_sum: f64,
    yy: f64,
    /// `X_cᵀ y` from the set-up pass, valid while `r = y` (no update yet): the first
    /// gap check then needs no pass of its own over `x`.
    xty: Option<Vec<f64>>,
    /// An update `(j, δ)` not yet applied to `r`. It is applied in the same loop as the
    /// next coordinate's dot product, so memory streams the next column while the
    /// residual is updated rather than the two taking turns.
    pending: Option<(usize, f64)>,
}

impl<'a> ResidualState<'a> {
    /// One parallel pass over the columns gathers their means (when `centre`), centred
    /// norms and `X_cᵀ y`, and checks finiteness; each column is read from memory
    /// once and re-read from cache.
    ///
    /// # Errors
    /// [`Error::NonFinite`](ml_core::Error::NonFinite) for a non-finite `x`.
    fn new(x: MatRef<'a, f64>, centre: bool, y: &'a [f64], w: &[f64]) -> Result<Self> {
        let cols: Vec<&[f64]> = (0..x.ncols())
            .map(|j| {
                x.col(j)
                    .try_as_col_major()
                    .expect("contiguous columns")
                    .as_slice()
            })
            .collect();
        let nf = x.nrows() as f64;
        let y_sum = sum(y);
        let stats: Vec<(f64, f64, f64)> = cols
            .par_iter()
            .map(|c| {
                let mu = if centre { sum(c) / nf } else { 0.0 };
                let norm = centred_sq_norm(c, mu);
                (mu, norm, dot(c, y) - mu * y_sum)
            })
            .collect();
        // A NaN or infinity anywhere in a column makes its centred norm non-finite;
        // only then is `x` scanned again, for the error naming the first such entry
        // (a finite `x` whose squares overflow passes, as it would have before).
        if stats.iter().any(|s| !s.1.is_finite()) {
            validate::finite(x)?;
        }
        let mut state = Self {
            cols,
            means: stats.iter().map(|s| s.0).collect(),
            norms: stats.iter().map(|s| s.1).collect(),
            y,
            r: y.to_vec(),
            r_sum: y_sum,
            yy: dot(y, y),
            xty: Some(stats.iter().map(|s| s.2).collect()),
            pending: None,
        };
        for (j, &wj) in w.iter().enumerate() {
            if wj != 0.0 {
                state.shift(j, wj);
            }
        }
        Ok(state)
    }
}

impl ResidualState<'_> {
    fn flush(&mut self) {
        if let Some((k, delta)) = self.pending.take() {
            self.r_sum = axpy_centred_sum(&mut self.r, self.cols[k], self.means[k], delta);
        }
    }
}

impl CdState for ResidualState<'_> {
    fn norm2(&self, j: usize) -> f64 {
        self.norms[j]
    }
    fn corr(&mut self, j: usize) -> f64 {
        let xr = match self.pending.take() {
            Some((k, delta)) => {
                let (xr, r_sum) = axpy_centred_sum_dot(
                    &mut self.r,
                    self.cols[k],
                    self.means[k],
                    delta,
                    self.cols[j],
                );
                self.r_sum = r_sum;
                xr
            }
            None => dot(self.cols[j], &self.r),
        };
        xr - self.means[j] * self.r_sum
    }
    fn shift(&mut self, j: usize, delta: f64) {
        self.flush();
        self.xty = None;
        self.pending = Some((j, delta));
    }
    fn gap_inputs(&mut self, _w: &[f64]) -> (Vec<f64>, f64, f64) {
        self.flush();
        let r = &self.r;
        let (r_norm2, r_dot_y) = (dot(r, r), dot(r, self.y));
        if let Some(xty) = self.xty.take() {
            return (xty, r_norm2, r_dot_y);
        }
        let r_sum = self.r_sum;
        let xtr = self
            .cols
            .par_iter()
            .zip(&self.means)
            .map(|(c, &mu)| dot(c, r) - mu * r_sum)
            .collect();
        (xtr, r_norm2, r_dot_y)
    }
    fn y_norm2(&self) -> f64 {
        self.yy
    }
}

/// `r −= delta (x − mu)`, returning the new `Σ r` from the same pass.
fn axpy_centred_sum(r: &mut [f64], x: &[f64], mu: f64, delta: f64) -> f64 {
    let n = r.len().min(x.len());
    let (r, x) = (&mut r[..n], &x[..n]);
    let mut acc = [0.0f64; LANES];
    let mut cr = r.chunks_exact_mut(LANES);
    let mut cx = x.chunks_exact(LANES);
    for (rc, xc) in (&mut cr).zip(&mut cx) {
        for l in 0..LANES {
            rc[l] -= delta * (xc[l] - mu);
            acc[l] += rc[l];
        }
    }
    let mut s = reduce_lanes(acc);
    for (ri, &xi) in cr.into_remainder().iter_mut().zip(cx.remainder()) {
        *ri -= delta * (xi - mu);
        s += *ri;
    }
    s
}

/// `r −= delta (x − mu)` then `(zᵀr, Σ r)` with the new `r`, in one pass.
fn axpy_centred_sum_dot(r: &mut [f64], x: &[f64], mu: f64, delta: f64, z: &[f64]) -> (f64, f64) {
    let n = r.len().min(x.len()).min(z.len());
    let (r, x, z) = (&mut r[..n], &x[..n], &z[..n]);
    let (mut acc_s, mut acc_d) = ([0.0f64; LANES], [0.0f64; LANES]);
    let mut cr = r.chunks_exact_mut(LANES);
    let mut cx = x.chunks_exact(LANES);
    let mut cz = z.chunks_exact(LANES);
    for ((rc, xc), zc) in (&mut cr).zip(&mut cx).zip(&mut cz) {
        for l in 0..LANES {
            let v = rc[l] - delta * (xc[l] - mu);
            rc[l] = v;
            acc_s[l] += v;
            acc_d[l] += zc[l] * v;
        }
    }
    let (mut s, mut d) = (reduce_lanes(acc_s), reduce_lanes(acc_d));
    let rest = cr
        .into_remainder()
        .iter_mut()
        .zip(cx.remainder())
        .zip(cz.remainder());
    for ((ri, &xi), &zi) in rest {
        *ri -= delta * (xi - mu);
        s += *ri;
        d += zi * *ri;
    }
    (d, s)
}
