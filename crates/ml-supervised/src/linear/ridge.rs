//! Ridge regression ([`Ridge`]) and its classifier ([`RidgeClassifier`]).
//!
//! scikit-learn's `Ridge` minimises `‖y − X w − b‖² + α ‖w‖²` (no `1/n` factor) and,
//! for dense input with `solver="auto"`, solves the normal equations by Cholesky: the
//! primal `(X_cᵀX_c + αI) w = X_cᵀ y_c` when `n ≥ d`, the dual
//! `(X_c X_cᵀ + αI) a = y_c`, `w = X_cᵀ a` when `d > n`. When the system is not
//! numerically positive definite (only possible for `α = 0` on rank-deficient data)
//! it falls back to the SVD of `X_c`, keeping singular values above `1e-15`.

use std::fmt::Debug;

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};
use ml_core::kernels::{centred_copy, column_means};
use ml_core::linalg::cholesky_solve;
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::CsrRef;
use ml_core::{Error, Features, Fit, FitWeighted, Fitted, Label, Predict, Result, validate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{
    MultiOutputLinearModel, as_column, check_targets, decision, intercepts, predict_single,
    rescaled, sparse_gram,
};

/// Which linear system produced a ridge fit (scikit-learn's `solver_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RidgeSolver {
    /// Cholesky on the `d × d` primal system (`n ≥ d`, and every sparse fit).
    Cholesky,
    /// Cholesky on the `n × n` dual (kernel) system (`d > n`).
    CholeskyDual,
    /// SVD of the centred `X`, when the system was not positive definite.
    Svd,
}

/// Ridge regression, as scikit-learn's `Ridge` with `solver="auto"`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::Ridge;
///
/// let x = mat![[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]];
/// let y = [0.0, 0.1, 1.0];
/// let model = Ridge::new().alpha(1.0).fit(x.as_ref(), &y)?;
/// // scikit-learn: coef_ = [0.27142857, 0.27142857], intercept_ = 0.18571429
/// assert!((model.coef()[0] - 0.27142857142857146).abs() < 1e-12);
/// assert!((model.intercept() - 0.18571428571428572).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ridge {
    alpha: f64,
    fit_intercept: bool,
}

impl Default for Ridge {
    fn default() -> Self {
        Self::new()
    }
}

/// A ridge solve: `d × k` coefficients, intercepts and the path taken.
struct RidgeSolution {
    coef: Mat<f64>,
    intercept: Vec<f64>,
    solver: RidgeSolver,
}

impl Ridge {
    /// Ridge with `alpha = 1` and an intercept.
    pub fn new() -> Self {
        Self {
            alpha: 1.0,
            fit_intercept: true,
        }
    }

    /// The L2 penalty strength `α ≥ 0` (not divided by `n`). Default: 1.0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Whether to fit an (unpenalised) intercept. Default: true.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// Fits one target on dense or CSR `x`.
    ///
    /// CSR `x` is solved through the centred `d × d` normal equations, formed without
    /// densifying it. scikit-learn uses the iterative `sparse_cg` there, which stops at
    /// its `tol`; this is the exact solution of the same system.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `alpha` negative or not finite; [`Error::EmptyInput`],
    /// [`Error::NonFinite`], [`Error::InvalidData`] (unsorted CSR rows) or
    /// [`Error::ShapeMismatch`] for the data; [`Error::DecompositionFailed`] if the
    /// fallback SVD does not converge.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>, y: &[f64]) -> Result<RidgeModel> {
        self.fit_one(x.into(), y, None)
    }

    /// Fits one target with one weight per sample (scikit-learn's
    /// `fit(X, y, sample_weight)`): minimises `Σ wᵢ (yᵢ − xᵢᵀw − b)² + α ‖w‖²`.
    ///
    /// As in scikit-learn, `X` and `y` are centred on their weighted means and row `i`
    /// is scaled by `√wᵢ` (in a copy) before the same solve; `α` is not rescaled. So an
    /// integer weight is the same as repeating the row and a zero weight the same as
    /// dropping it, while multiplying every weight by `c` is the same as dividing `α`
    /// by `c`.
    ///
    /// ```
    /// use faer::mat;
    /// use ml_supervised::Ridge;
    ///
    /// let x = mat![[0.0], [1.0], [2.0]];
    /// let y = [0.0, 1.0, 2.0];
    /// let heavy = Ridge::new().alpha(1.0).fit_weighted(x.as_ref(), &y, &[10.0; 3])?;
    /// let light = Ridge::new().alpha(0.1).fit(x.as_ref(), &y)?;
    /// assert!((heavy.coef()[0] - light.coef()[0]).abs() < 1e-12);
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus [`Error::ShapeMismatch`] when `sample_weight` does
    /// not have one entry per row, [`Error::NonFinite`] for a NaN or infinite weight and
    /// [`Error::InvalidParameter`] for a negative weight or all weights zero.
    pub fn fit_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<RidgeModel> {
        self.fit_one(x.into(), y, Some(sample_weight))
    }

    fn fit_one(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: Option<&[f64]>,
    ) -> Result<RidgeModel> {
        validate::non_negative_param("alpha", self.alpha)?;
        validate::features(x)?;
        validate::targets_len(x.nrows(), y.len())?;
        validate::finite_slice(y)?;
        if let Some(sw) = sample_weight {
            validate::sample_weight(sw, x.nrows())?;
        }
        let sol = solve(
            x,
            as_column(y),
            sample_weight,
            self.alpha,
            self.fit_intercept,
        )?;
        validate::fitted("Ridge", RidgeModel::from_solution(sol))
    }

    /// Fits several targets at once on dense or CSR `x`, one column of `y` per target.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_multi<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: MatRef<'_, f64>,
    ) -> Result<MultiOutputLinearModel> {
        let x = x.into();
        validate::non_negative_param("alpha", self.alpha)?;
        validate::features(x)?;
        check_targets(y, x.nrows())?;
        let sol = solve(x, y, None, self.alpha, self.fit_intercept)?;
        validate::fitted(
            "Ridge",
            MultiOutputLinearModel::new(sol.coef.as_ref(), sol.intercept, None, Vec::new()),
        )
    }
}

/// A ridge solve of validated data of either layout, optionally weighted: the dense
/// paths ([`solve_dense`], or [`solve_weighted`]) or the sparse normal equations
/// ([`solve_sparse`]).
fn solve(
    x: Features<'_>,
    y: MatRef<'_, f64>,
    sample_weight: Option<&[f64]>,
    alpha: f64,
    fit_intercept: bool,
) -> Result<RidgeSolution> {
    match (x, sample_weight) {
        (Features::Dense(x), None) => solve_dense(x, y, alpha, fit_intercept),
        (Features::Dense(x), Some(sw)) => solve_weighted(x, y, sw, alpha, fit_intercept),
        (Features::Sparse(x), sw) => solve_sparse(x, y, sw, alpha, fit_intercept),
    }
}

/// Ridge on sparse `x` through the centred (and weighted) `d × d` normal equations,
/// formed without densifying `x`; the SVD-based least squares of that system when it
/// is not positive definite.
fn solve_sparse(
    x: CsrRef<'_>,
    y: MatRef<'_, f64>,
    sample_weight: Option<&[f64]>,
    alpha: f64,
    fit_intercept: bool,
) -> Result<RidgeSolution> {
    let mut g = sparse_gram(x, y, sample_weight, fit_intercept);
    for i in 0..x.ncols() {
        g.gram[(i, i)] += alpha;
    }
    let (coef, solver) = match cholesky_solve(g.gram.as_ref(), g.xty.as_ref()) {
        Ok(c) => (c, RidgeSolver::Cholesky),
        Err(Error::NotPositiveDefinite { .. }) => {
            let sol = ml_core::linalg::solve_spd_or_lstsq(g.gram.as_ref(), g.xty.as_ref())?;
            (sol.x, RidgeSolver::Svd)
        }
        Err(e) => return Err(e),
    };
    let intercept = intercepts(coef.as_ref(), &g.x_mean, &g.y_mean);
    Ok(RidgeSolution {
        coef,
        intercept,
        solver,
    })
}

/// Entries per centred panel in [`primal_system`] (16 MB, half this machine class's L3
/// cache): fewer, larger panels re-read the Gram matrix less often, while a panel
/// still stays in cache. 2048 rows of 1000 features measured fastest of 512 to 4096.
const PANEL_VALUES: usize = 1 << 21;

/// `A ← A Aᵀ` (lower triangle only) plus `alpha` on the diagonal: the dual system.
fn regularised_outer_gram(x: MatRef<'_, f64>, alpha: f64) -> Mat<f64> {
    let m = x.nrows();
    let mut g = Mat::<f64>::zeros(m, m);
    triangular::matmul(
        g.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        x,
        BlockStructure::Rectangular,
        x.transpose(),
        BlockStructure::Rectangular,
        1.0,
        Par::rayon(0),
    );
    for i in 0..m {
        g[(i, i)] += alpha;
    }
    g
}

/// The primal system: `X_cᵀX_c + αI` (lower triangle only) and `X_cᵀY_c`, with `X_c`
/// the columns of `x` minus `means`. Panels of rows are centred into one buffer and
/// their products accumulated, so no centred copy of the whole of `x` is made (half
/// the memory of scikit-learn's, and a cheaper pass than writing that copy).
fn primal_system(
    x: MatRef<'_, f64>,
    means: &[f64],
    yc: MatRef<'_, f64>,
    alpha: f64,
) -> (Mat<f64>, Mat<f64>) {
    let (n, d) = (x.nrows(), x.ncols());
    let mut gram = Mat::<f64>::zeros(d, d);
    let mut xty = Mat::<f64>::zeros(d, yc.ncols());
    let panel_rows = (PANEL_VALUES / d.max(1)).max(256);
    let mut panel = Mat::<f64>::zeros(panel_rows.min(n), d);
    for start in (0..n).step_by(panel_rows) {
        let rows = panel_rows.min(n - start);
        let src = x.subrows(start, rows);
        let mut centred = panel.as_mut().subrows_mut(0, rows);
        for (j, &mean) in means.iter().enumerate() {
            for (o, &v) in centred
                .as_mut()
                .col_mut(j)
                .iter_mut()
                .zip(src.col(j).iter())
            {
                *o = v - mean;
            }
        }
        let centred = centred.as_ref();
        let accum = if start == 0 {
            Accum::Replace
        } else {
            Accum::Add
        };
        triangular::matmul(
            gram.as_mut(),
            BlockStructure::TriangularLower,
            accum,
            centred.transpose(),
            BlockStructure::Rectangular,
            centred,
            BlockStructure::Rectangular,
            1.0,
            Par::rayon(0),
        );
        matmul(
            xty.as_mut(),
            accum,
            centred.transpose(),
            yc.subrows(start, rows),
            1.0,
            Par::rayon(0),
        );
    }
    for i in 0..d {
        gram[(i, i)] += alpha;
    }
    (gram, xty)
}

fn solve_dense(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    alpha: f64,
    fit_intercept: bool,
) -> Result<RidgeSolution> {
    let (n, d, k) = (x.nrows(), x.ncols(), y.ncols());
    let (x_mean, y_mean) = if fit_intercept {
        (column_means(x), column_means(y))
    } else {
        (vec![0.0; d], vec![0.0; k])
    };
    let yc = Mat::from_fn(n, k, |i, t| y[(i, t)] - y_mean[t]);
    // The dual and the SVD fallback work on the centred matrix itself.
    let centred = || fit_intercept.then(|| centred_copy(x, &x_mean));
    let attempt = if n >= d {
        let (gram, xty) = primal_system(x, &x_mean, yc.as_ref(), alpha);
        cholesky_solve(gram.as_ref(), xty.as_ref()).map(|c| (c, RidgeSolver::Cholesky))
    } else {
        let owned = centred();
        let xc = owned.as_ref().map_or(x, |m| m.as_ref());
        let gram = regularised_outer_gram(xc, alpha);
        cholesky_solve(gram.as_ref(), yc.as_ref()).map(|dual| {
            let mut c = Mat::<f64>::zeros(d, k);
            matmul(
                c.as_mut(),
                Accum::Replace,
                xc.transpose(),
                dual.as_ref(),
                1.0,
                Par::rayon(0),
            );
            (c, RidgeSolver::CholeskyDual)
        })
    };
    let (coef, solver) = match attempt {
        Ok(found) => found,
        Err(Error::NotPositiveDefinite { .. }) => {
            let owned = centred();
            let xc = owned.as_ref().map_or(x, |m| m.as_ref());
            (svd_solve(xc, yc.as_ref(), alpha)?, RidgeSolver::Svd)
        }
        Err(e) => return Err(e),
    };
    let intercept = intercepts(coef.as_ref(), &x_mean, &y_mean);
    Ok(RidgeSolution {
        coef,
        intercept,
        solver,
    })
}

/// [`solve_dense`] on the weighted, rescaled copy of the data (see [`Rescaled`]), with
/// the intercept from the weighted means.
///
/// [`Rescaled`]: super::Rescaled
fn solve_weighted(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    sample_weight: &[f64],
    alpha: f64,
    fit_intercept: bool,
) -> Result<RidgeSolution> {
    let data = rescaled(x, y, sample_weight, fit_intercept);
    let mut sol = solve_dense(data.x.as_ref(), data.y.as_ref(), alpha, false)?;
    sol.intercept = intercepts(sol.coef.as_ref(), &data.x_mean, &data.y_mean);
    Ok(sol)
}

/// `w = V diag(s / (s² + α)) Uᵀ y`, singular values at most `1e-15` dropped.
fn svd_solve(x: MatRef<'_, f64>, y: MatRef<'_, f64>, alpha: f64) -> Result<Mat<f64>> {
    let svd = x
        .thin_svd()
        .map_err(|_| Error::DecompositionFailed { what: "SVD" })?;
    let s: Vec<f64> = svd.S().column_vector().iter().copied().collect();
    let mut uty = Mat::<f64>::zeros(s.len(), y.ncols());
    matmul(
        uty.as_mut(),
        Accum::Replace,
        svd.U().transpose(),
        y,
        1.0,
        Par::rayon(0),
    );
    for (i, &si) in s.iter().enumerate() {
        let f = if si > 1e-15 {
            si / (si * si + alpha)
        } else {
            0.0
        };
        for t in 0..y.ncols() {
            uty[(i, t)] *= f;
        }
    }
    let mut coef = Mat::<f64>::zeros(x.ncols(), y.ncols());
    matmul(
        coef.as_mut(),
        Accum::Replace,
        svd.V(),
        uty.as_ref(),
        1.0,
        Par::rayon(0),
    );
    Ok(coef)
}

impl Fit<[f64]> for Ridge {
    type Model = RidgeModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<RidgeModel> {
        Ridge::fit(self, x, y)
    }
}

impl FitWeighted<[f64]> for Ridge {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<RidgeModel> {
        Ridge::fit_weighted(self, x, y, sample_weight)
    }
}

/// A fitted [`Ridge`] with one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RidgeModel {
    coef: Vec<f64>,
    intercept: f64,
    solver: RidgeSolver,
}

impl RidgeModel {
    fn from_solution(sol: RidgeSolution) -> Self {
        Self {
            coef: sol.coef.col(0).iter().copied().collect(),
            intercept: sol.intercept[0],
            solver: sol.solver,
        }
    }

    /// The coefficients, one per feature.
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// The intercept (0 without `fit_intercept`).
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// Which system was solved (scikit-learn's `solver_`).
    pub fn solver(&self) -> RidgeSolver {
        self.solver
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.coef.len()
    }

    /// Predicts every row of `x` (dense or CSR).
    ///
    /// # Errors
    /// Empty or non-finite `x`, or another number of columns than at fit time.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        predict_single(x.into(), &self.coef, self.intercept)
    }
}

impl Fitted for RidgeModel {
    fn n_features_in(&self) -> usize {
        self.coef.len()
    }
}

impl Predict for RidgeModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        RidgeModel::predict(self, x)
    }
}

impl Persist for RidgeModel {
    const MODEL_NAME: &'static str = "ml_supervised::RidgeModel";
}

impl Invariants for RidgeModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("coef", self.coef.len())?;
        inv::finite("coef", &self.coef)?;
        inv::finite("intercept", &[self.intercept])
    }
}

/// Classification by ridge regression on `±1` targets, as scikit-learn's
/// `RidgeClassifier`: one regression per class (a single one for two classes), and the
/// class of the largest decision value.
///
/// ```
/// use faer::mat;
/// use ml_supervised::RidgeClassifier;
///
/// let x = mat![[0.0], [1.0], [2.0], [3.0]];
/// let model = RidgeClassifier::new().fit(x.as_ref(), &["no", "no", "yes", "yes"])?;
/// assert_eq!(model.predict(mat![[0.2], [2.8]].as_ref())?, vec!["no", "yes"]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeClassifier {
    ridge: Ridge,
}

impl Default for RidgeClassifier {
    fn default() -> Self {
        Self::new()
    }
}

impl RidgeClassifier {
    /// A ridge classifier with `alpha = 1` and an intercept.
    pub fn new() -> Self {
        Self {
            ridge: Ridge::new(),
        }
    }

    /// The L2 penalty strength `α ≥ 0`. Default: 1.0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.ridge = self.ridge.alpha(alpha);
        self
    }

    /// Whether to fit an intercept. Default: true.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.ridge = self.ridge.fit_intercept(fit_intercept);
        self
    }

    /// Fits the classifier on dense or CSR `x` (CSR through the normal equations, as
    /// [`Ridge::fit`]).
    ///
    /// # Errors
    /// As [`Ridge::fit`], plus [`Error::TooFewClasses`] for fewer than two classes.
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<RidgeClassifierModel<L>> {
        self.fit_design(x.into(), y, None)
    }

    /// Fits the classifier with one weight per sample: every one of its regressions is
    /// a [`Ridge::fit_weighted`] with these weights.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus the `sample_weight` errors of
    /// [`Ridge::fit_weighted`].
    pub fn fit_weighted<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<RidgeClassifierModel<L>> {
        self.fit_design(x.into(), y, Some(sample_weight))
    }

    fn fit_design<L: Label>(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<RidgeClassifierModel<L>> {
        validate::non_negative_param("alpha", self.ridge.alpha)?;
        validate::features(x)?;
        validate::targets_len(x.nrows(), y.len())?;
        if let Some(sw) = sample_weight {
            validate::sample_weight(sw, x.nrows())?;
        }
        let enc = validate::encode_labels(y, 2)?;
        let k = enc.classes.len();
        let cols = if k == 2 { 1 } else { k };
        let targets = Mat::from_fn(x.nrows(), cols, |i, c| {
            let hit = if k == 2 {
                enc.codes[i] == 1
            } else {
                enc.codes[i] == c
            };
            if hit { 1.0 } else { -1.0 }
        });
        let (alpha, fit_intercept) = (self.ridge.alpha, self.ridge.fit_intercept);
        let sol = solve(x, targets.as_ref(), sample_weight, alpha, fit_intercept)?;
        validate::fitted(
            "RidgeClassifier",
            RidgeClassifierModel {
                classes: enc.classes,
                coef: sol.coef,
                intercept: sol.intercept,
            },
        )
    }
}

impl<L: Label> Fit<[L]> for RidgeClassifier {
    type Model = RidgeClassifierModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<RidgeClassifierModel<L>> {
        RidgeClassifier::fit(self, x, y)
    }
}

impl<L: Label> FitWeighted<[L]> for RidgeClassifier {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<RidgeClassifierModel<L>> {
        RidgeClassifier::fit_weighted(self, x, y, sample_weight)
    }
}

/// A fitted [`RidgeClassifier`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RidgeClassifierModel<L> {
    classes: Vec<L>,
    /// `d × k'` (one column for two classes).
    #[serde(with = "ml_core::persist::mat")]
    coef: Mat<f64>,
    intercept: Vec<f64>,
}

impl<L: Label> RidgeClassifierModel<L> {
    /// The sorted classes.
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// The coefficients, one row per regression (`1 × d` for two classes, else `k × d`).
    pub fn coef(&self) -> MatRef<'_, f64> {
        self.coef.transpose()
    }

    /// The intercept of each regression.
    pub fn intercept(&self) -> &[f64] {
        &self.intercept
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.coef.nrows()
    }

    /// The decision values of `x` (dense or CSR): `n × 1` for two classes (positive
    /// means `classes()[1]`), else `n × k`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, or another number of columns than at fit time.
    pub fn decision_function<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into();
        validate::features_with_n(x, self.coef.nrows())?;
        Ok(decision(x, self.coef.as_ref(), &self.intercept))
    }

    /// Predicts the class of every row.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let scores = self.decision_function(x)?;
        Ok((0..scores.nrows())
            .map(|i| {
                let c = if scores.ncols() == 1 {
                    usize::from(scores[(i, 0)] > 0.0)
                } else {
                    argmax(scores.row(i).iter().copied())
                };
                self.classes[c].clone()
            })
            .collect())
    }
}

/// The index of the largest value; ties go to the lowest index.
pub(crate) fn argmax(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

impl<L: Label> Fitted for RidgeClassifierModel<L> {
    fn n_features_in(&self) -> usize {
        self.coef.nrows()
    }
}

impl<L: Label> Predict for RidgeClassifierModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        RidgeClassifierModel::predict(self, x)
    }
}

impl<L: Label + Serialize + DeserializeOwned + Debug> Persist for RidgeClassifierModel<L> {
    const MODEL_NAME: &'static str = "ml_supervised::RidgeClassifierModel";
}

impl<L: Label + Debug> Invariants for RidgeClassifierModel<L> {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        super::check_linear_classifier(&self.classes, self.coef.as_ref(), &self.intercept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Several panels and a ragged last one give the system of the centred matrix.
    #[test]
    fn panelled_primal_system_equals_the_centred_products() {
        let n = 2 * (PANEL_VALUES / 6) + 37;
        let x = Mat::from_fn(n, 6, |i, j| {
            ((i * 31 + j * 17) % 23) as f64 + 100.0 * j as f64
        });
        let y = Mat::from_fn(n, 2, |i, t| ((i * 7 + t) % 11) as f64);
        let means = column_means(x.as_ref());
        let (gram, xty) = primal_system(x.as_ref(), &means, y.as_ref(), 0.5);
        let xc = centred_copy(x.as_ref(), &means);
        let want_gram = xc.transpose() * &xc;
        let want_xty = xc.transpose() * &y;
        for a in 0..6 {
            for b in 0..=a {
                let want = want_gram[(a, b)] + if a == b { 0.5 } else { 0.0 };
                assert!((gram[(a, b)] - want).abs() <= 1e-9 * want.abs().max(1.0));
            }
            for t in 0..2 {
                let want = want_xty[(a, t)];
                assert!((xty[(a, t)] - want).abs() <= 1e-9 * want.abs().max(1.0));
            }
        }
    }
}
