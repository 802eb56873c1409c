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
//! Two equivalent ways to run a pass are used. With at least as many samples as
//! features, the Gram matrix `X_cᵀX_c` is formed once (one parallel product) and a
//! coordinate update costs `O(d)`; otherwise the residual is kept and an update costs
//! `O(n)`. Both reach the same optimum; only the cost per pass differs.

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};
use ml_core::persist::Persist;
use ml_core::{Fit, Predict, Result, validate};
use serde::{Deserialize, Serialize};

use super::{Prepared, as_column, dense_decision};

/// Largest number of features for which the Gram matrix is formed (`8 · d²` bytes).
const GRAM_MAX_FEATURES: usize = 4096;

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

    fn check(&self) -> Result<()> {
        validate::non_negative_param("alpha", self.alpha)?;
        validate::in_closed_range("l1_ratio", self.l1_ratio, 0.0, 1.0, "in [0, 1]")?;
        validate::non_negative_param("tol", self.tol)?;
        validate::at_least("max_iter", self.max_iter, 1, ">= 1")
    }

    /// Fits from zero coefficients.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](ml_core::Error::InvalidParameter) for `alpha < 0`, `l1_ratio` outside [0, 1], `tol < 0`
    /// or `max_iter = 0`; [`Error::EmptyInput`](ml_core::Error::EmptyInput), [`Error::NonFinite`](ml_core::Error::NonFinite) or
    /// [`Error::ShapeMismatch`](ml_core::Error::ShapeMismatch) for the data.
    pub fn fit(&self, x: MatRef<'_, f64>, y: &[f64]) -> Result<ElasticNetModel> {
        self.fit_from(x, y, None)
    }

    /// Fits starting from the coefficients of `previous` (scikit-learn's
    /// `warm_start=True`), e.g. along a decreasing path of `alpha`.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus [`Error::ShapeMismatch`](ml_core::Error::ShapeMismatch) when `previous` was fitted
    /// on another number of features.
    pub fn fit_warm(
        &self,
        x: MatRef<'_, f64>,
        y: &[f64],
        previous: &ElasticNetModel,
    ) -> Result<ElasticNetModel> {
        self.fit_from(x, y, Some(&previous.coef))
    }

    fn fit_from(
        &self,
        x: MatRef<'_, f64>,
        y: &[f64],
        init: Option<&[f64]>,
    ) -> Result<ElasticNetModel> {
        self.check()?;
        validate::supervised(x, y.len())?;
        validate::finite_slice(y)?;
        let (n, d) = (x.nrows(), x.ncols());
        if let Some(w) = init {
            validate::n_features_eq(w.len(), d)?;
        }
        let prepared = Prepared::new(x, self.fit_intercept);
        let y_mean = if self.fit_intercept {
            y.iter().sum::<f64>() / n as f64
        } else {
            0.0
        };
        let yc: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
        let nf = n as f64;
        let params = CdParams {
            l1_reg: self.alpha * self.l1_ratio * nf,
            l2_reg: self.alpha * (1.0 - self.l1_ratio) * nf,
            max_iter: self.max_iter,
            tol: self.tol,
        };
        let mut w = init.map_or_else(|| vec![0.0; d], <[f64]>::to_vec);
        let outcome = if n >= d && d <= GRAM_MAX_FEATURES {
            cd_gram(prepared.x(), &yc, &mut w, &params)
        } else {
            // The residual form walks contiguous columns; a borrowed `x` may be a view.
            let owned;
            let xc = match prepared.x().col(0).try_as_col_major() {
                Some(_) => prepared.x(),
                None => {
                    owned = prepared.x().to_owned();
                    owned.as_ref()
                }
            };
            cd_residual(xc, &yc, &mut w, &params)
        };
        let intercept = y_mean
            - prepared
                .means
                .iter()
                .zip(&w)
                .map(|(m, c)| m * c)
                .sum::<f64>();
        Ok(ElasticNetModel {
            coef: w,
            intercept,
            dual_gap: outcome.gap / nf,
            n_iter: outcome.n_iter,
            converged: outcome.converged,
        })
    }
}

impl Fit<[f64]> for ElasticNet {
    type Model = ElasticNetModel;

    fn fit(&self, x: MatRef<'_, f64>, y: &[f64]) -> Result<ElasticNetModel> {
        ElasticNet::fit(self, x, y)
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

    /// Fits from zero coefficients.
    ///
    /// # Errors
    /// As [`ElasticNet::fit`].
    pub fn fit(&self, x: MatRef<'_, f64>, y: &[f64]) -> Result<LassoModel> {
        self.inner.fit(x, y)
    }

    /// Fits starting from the coefficients of `previous` (`warm_start=True`).
    ///
    /// # Errors
    /// As [`ElasticNet::fit_warm`].
    pub fn fit_warm(
        &self,
        x: MatRef<'_, f64>,
        y: &[f64],
        previous: &LassoModel,
    ) -> Result<LassoModel> {
        self.inner.fit_warm(x, y, previous)
    }
}

impl Fit<[f64]> for Lasso {
    type Model = LassoModel;

    fn fit(&self, x: MatRef<'_, f64>, y: &[f64]) -> Result<LassoModel> {
        Lasso::fit(self, x, y)
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

    /// Predicts every row of `x`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, or another number of columns than at fit time.
    pub fn predict(&self, x: MatRef<'_, f64>) -> Result<Vec<f64>> {
        validate::matrix_with_features(x, self.coef.len())?;
        let out = dense_decision(x, as_column(&self.coef), &[self.intercept]);
        Ok(out.col(0).iter().copied().collect())
    }
}

impl Predict for ElasticNetModel {
    type Output = Vec<f64>;

    fn predict(&self, x: MatRef<'_, f64>) -> Result<Vec<f64>> {
        ElasticNetModel::predict(self, x)
    }

    fn n_features_in(&self) -> usize {
        self.coef.len()
    }
}

impl Persist for ElasticNetModel {
    const MODEL_NAME: &'static str = "ml_supervised::ElasticNetModel";
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

/// The duality gap from `Xᵀr − l2·w`, `‖r‖²`, `rᵀy` and `w` (scikit-learn's formula).
fn duality_gap(xta: &[f64], r_norm2: f64, r_dot_y: f64, w: &[f64], p: &CdParams) -> f64 {
    let dual_norm = xta.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let w_norm2: f64 = w.iter().map(|v| v * v).sum();
    let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
    let (scale, mut gap) = if dual_norm > p.l1_reg {
        let c = p.l1_reg / dual_norm;
        (c, 0.5 * (r_norm2 + r_norm2 * c * c))
    } else {
        (1.0, r_norm2)
    };
    gap += p.l1_reg * l1_norm - scale * r_dot_y + 0.5 * p.l2_reg * (1.0 + scale * scale) * w_norm2;
    gap
}

/// Whether a pass ends with a gap check: small relative change, or the last pass.
fn should_check(w_max: f64, d_w_max: f64, it: usize, p: &CdParams) -> bool {
    w_max == 0.0 || d_w_max / w_max <= p.tol || it + 1 == p.max_iter
}

/// Coordinate descent on the Gram matrix: `hw = G w` is kept up to date.
fn cd_gram(x: MatRef<'_, f64>, y: &[f64], w: &mut [f64], p: &CdParams) -> CdOutcome {
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
    let q: Vec<f64> = q.col(0).iter().copied().collect();
    let yy: f64 = y.iter().map(|v| v * v).sum();
    let tol = p.tol * yy;
    let mut hw = vec![0.0; d];
    for (j, &wj) in w.iter().enumerate() {
        if wj != 0.0 {
            for (h, &gv) in hw.iter_mut().zip(g.col_as_slice(j)) {
                *h += wj * gv;
            }
        }
    }
    let mut gap = f64::INFINITY;
    for it in 0..p.max_iter {
        let (mut w_max, mut d_w_max) = (0.0f64, 0.0f64);
        for j in 0..d {
            let gjj = g[(j, j)];
            if gjj == 0.0 {
                continue;
            }
            let old = w[j];
            let tmp = q[j] - hw[j] + old * gjj;
            let new = soft_threshold(tmp, p.l1_reg) / (gjj + p.l2_reg);
            if new != old {
                let delta = new - old;
                for (h, &gv) in hw.iter_mut().zip(g.col_as_slice(j)) {
                    *h += delta * gv;
                }
                w[j] = new;
            }
            d_w_max = d_w_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if should_check(w_max, d_w_max, it, p) {
            let xta: Vec<f64> = (0..d).map(|j| q[j] - hw[j] - p.l2_reg * w[j]).collect();
            let wq: f64 = w.iter().zip(&q).map(|(a, b)| a * b).sum();
            let whw: f64 = w.iter().zip(&hw).map(|(a, b)| a * b).sum();
            let r_norm2 = (yy - 2.0 * wq + whw).max(0.0);
            gap = duality_gap(&xta, r_norm2, yy - wq, w, p);
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

/// Coordinate descent on the residual `r = y − X w` (columns of `x` contiguous).
fn cd_residual(x: MatRef<'_, f64>, y: &[f64], w: &mut [f64], p: &CdParams) -> CdOutcome {
    let (n, d) = (x.nrows(), x.ncols());
    let cols: Vec<&[f64]> = (0..d)
        .map(|j| {
            x.col(j)
                .try_as_col_major()
                .expect("contiguous columns")
                .as_slice()
        })
        .collect();
    let norms: Vec<f64> = cols.iter().map(|c| c.iter().map(|v| v * v).sum()).collect();
    let mut r = y.to_vec();
    for (j, &wj) in w.iter().enumerate() {
        if wj != 0.0 {
            for (ri, &xi) in r.iter_mut().zip(cols[j]) {
                *ri -= wj * xi;
            }
        }
    }
    let yy: f64 = y.iter().map(|v| v * v).sum();
    let tol = p.tol * yy;
    let mut gap = f64::INFINITY;
    let mut xtr = Mat::<f64>::zeros(d, 1);
    for it in 0..p.max_iter {
        let (mut w_max, mut d_w_max) = (0.0f64, 0.0f64);
        for j in 0..d {
            if norms[j] == 0.0 {
                continue;
            }
            let old = w[j];
            let col = cols[j];
            // x_jᵀ(r + old·x_j) without touching r twice.
            let tmp = dot(col, &r) + old * norms[j];
            let new = soft_threshold(tmp, p.l1_reg) / (norms[j] + p.l2_reg);
            if new != old {
                let delta = old - new;
                for (ri, &xi) in r.iter_mut().zip(col) {
                    *ri += delta * xi;
                }
                w[j] = new;
            }
            d_w_max = d_w_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if should_check(w_max, d_w_max, it, p) {
            matmul(
                xtr.as_mut(),
                Accum::Replace,
                x.transpose(),
                as_column(&r),
                1.0,
                Par::rayon(0),
            );
            let xta: Vec<f64> = (0..d).map(|j| xtr[(j, 0)] - p.l2_reg * w[j]).collect();
            let r_norm2 = dot(&r, &r);
            gap = duality_gap(&xta, r_norm2, dot(&r, y), w, p);
            if gap <= tol {
                return CdOutcome {
                    gap,
                    n_iter: it + 1,
                    converged: true,
                };
            }
        }
    }
    debug_assert_eq!(r.len(), n);
    CdOutcome {
        gap,
        n_iter: p.max_iter,
        converged: false,
    }
}

/// A dot product in four independent lanes, so the compiler can vectorise it.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = a.len() / 4;
    for k in 0..chunks {
        for l in 0..4 {
            acc[l] += a[4 * k + l] * b[4 * k + l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for k in 4 * chunks..a.len() {
        s += a[k] * b[k];
    }
    s
}
