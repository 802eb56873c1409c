//! Ordinary least squares: [`LinearRegression`].
//!
//! scikit-learn 1.9 centres `X` and `y` and calls `scipy.linalg.lstsq(X, y, cond=1e-6)`:
//! a minimum-norm SVD solve in which singular values below `1e-6 · s_max` count as
//! zero. The same cutoff is applied here, so rank-deficient and collinear `X` give the
//! same (minimum-norm) answer. Tall systems are reduced first by a Householder QR of
//! `[X_c | Y_c]`, whose leading block `R` has the singular values of `X_c` and whose
//! last columns hold `Qᵀ Y_c`; only the small `R` is then decomposed.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use ml_core::kernels::column_means;
use ml_core::linalg::{DEFAULT_RCOND, eigh_desc, lstsq};
use ml_core::sparse::CsrRef;
use ml_core::{Error, Features, Fit, FitWeighted, Fitted, Predict, Result, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    MultiOutputLinearModel, as_column, check_targets, intercepts, predict_single, rescaled,
    sparse_gram,
};

/// Ordinary least squares, `min ‖y − X w − b‖²`, as scikit-learn's `LinearRegression`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::LinearRegression;
///
/// let x = mat![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0]];
/// let y = [3.0, 6.0, 7.0, 10.0]; // 2·x₀ + 1·x₁ + 1
/// let model = LinearRegression::new().fit(x.as_ref(), &y)?;
/// assert!((model.coef()[0] - 2.0).abs() < 1e-12);
/// assert!((model.intercept() - 1.0).abs() < 1e-12);
/// assert_eq!(model.rank(), 2);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegression {
    fit_intercept: bool,
}

impl Default for LinearRegression {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of a least-squares solve: `d × k` coefficients, intercepts and the
/// spectrum of the centred design.
struct OlsSolution {
    coef: Mat<f64>,
    intercept: Vec<f64>,
    rank: usize,
    singular_values: Vec<f64>,
}

impl LinearRegression {
    /// Least squares with an intercept.
    pub fn new() -> Self {
        Self {
            fit_intercept: true,
        }
    }

    /// Whether to fit an intercept (by centring `X` and `y`). Default: true.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// Fits one target on dense or CSR `x`.
    ///
    /// Sparse `x` is not densified: the centred normal equations are formed from its
    /// rows and solved through their eigendecomposition with the same relative cutoff
    /// on the singular values (the square roots of the eigenvalues). That needs
    /// `O(d²)` memory, and on ill-conditioned data it is less accurate than the dense
    /// path, which never squares the condition number.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] or [`Error::NonFinite`] for `x` or `y`,
    /// [`Error::InvalidData`] for CSR column indices that are not strictly increasing
    /// within a row, [`Error::ShapeMismatch`] when `y` does not have one entry per row,
    /// [`Error::DecompositionFailed`] if the SVD does not converge.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>, y: &[f64]) -> Result<LinearRegressionModel> {
        let x = x.into();
        validate::features(x)?;
        validate::targets_len(x.nrows(), y.len())?;
        validate::finite_slice(y)?;
        let sol = match x {
            Features::Dense(x) => self.solve_dense(x, as_column(y))?,
            Features::Sparse(x) => self.solve_sparse(x, as_column(y), None)?,
        };
        validate::fitted(
            "LinearRegression",
            LinearRegressionModel::from_solution(sol),
        )
    }

    /// Fits one target with one weight per sample (scikit-learn's
    /// `fit(X, y, sample_weight)`): minimises `Σ wᵢ (yᵢ − xᵢᵀw − b)²`.
    ///
    /// As in scikit-learn, `X` and `y` are centred on their weighted means and row `i`
    /// is scaled by `√wᵢ` (in a copy; the unweighted [`fit`](Self::fit) makes none)
    /// before the same cut-off least-squares solve (CSR `x` weights its normal
    /// equations instead), so
    /// [`rank`](LinearRegressionModel::rank) and
    /// [`singular_values`](LinearRegressionModel::singular_values) describe that
    /// rescaled `X`. An integer weight is the same as repeating the row, a zero weight
    /// the same as dropping it, and scaling every weight by one constant changes
    /// nothing but the singular values.
    ///
    /// ```
    /// use faer::mat;
    /// use ml_supervised::LinearRegression;
    ///
    /// // The outlier at x = 3 gets no weight: the line through the other points is exact.
    /// let x = mat![[0.0], [1.0], [2.0], [3.0]];
    /// let y = [1.0, 3.0, 5.0, 100.0];
    /// let model = LinearRegression::new().fit_weighted(x.as_ref(), &y, &[1.0, 2.0, 1.0, 0.0])?;
    /// assert!((model.coef()[0] - 2.0).abs() < 1e-12);
    /// assert!((model.intercept() - 1.0).abs() < 1e-12);
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
    ) -> Result<LinearRegressionModel> {
        let x = x.into();
        validate::features(x)?;
        validate::targets_len(x.nrows(), y.len())?;
        validate::finite_slice(y)?;
        validate::sample_weight(sample_weight, x.nrows())?;
        let x = match x {
            Features::Dense(x) => x,
            Features::Sparse(x) => {
                let sol = self.solve_sparse(x, as_column(y), Some(sample_weight))?;
                return validate::fitted(
                    "LinearRegression",
                    LinearRegressionModel::from_solution(sol),
                );
            }
        };
        let data = rescaled(x, as_column(y), sample_weight, self.fit_intercept);
        // The rescaled copy is already centred: solve it without an intercept.
        let mut sol = self
            .clone()
            .fit_intercept(false)
            .solve_dense(data.x.as_ref(), data.y.as_ref())?;
        sol.intercept = intercepts(sol.coef.as_ref(), &data.x_mean, &data.y_mean);
        validate::fitted(
            "LinearRegression",
            LinearRegressionModel::from_solution(sol),
        )
    }

    /// Fits several targets at once on dense or CSR `x`, one column of `y` per target.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), for `y` as a matrix.
    pub fn fit_multi<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: MatRef<'_, f64>,
    ) -> Result<MultiOutputLinearModel> {
        let x = x.into();
        validate::features(x)?;
        check_targets(y, x.nrows())?;
        let sol = match x {
            Features::Dense(x) => self.solve_dense(x, y)?,
            Features::Sparse(x) => self.solve_sparse(x, y, None)?,
        };
        validate::fitted(
            "LinearRegression",
            MultiOutputLinearModel::new(
                sol.coef.as_ref(),
                sol.intercept,
                Some(sol.rank),
                sol.singular_values,
            ),
        )
    }

    /// The cut-off least-squares solve of validated sparse `x` through the centred
    /// (and weighted) normal equations: `w = V_r Λ_r⁻¹ V_rᵀ Xᵀy` for the eigenpairs
    /// `(Λ, V)` of the Gram matrix above the cutoff.
    fn solve_sparse(
        &self,
        x: CsrRef<'_>,
        y: MatRef<'_, f64>,
        sample_weight: Option<&[f64]>,
    ) -> Result<OlsSolution> {
        let g = sparse_gram(x, y, sample_weight, self.fit_intercept);
        let (eigvals, v) = eigh_desc(g.gram.as_ref())?;
        let singular_values: Vec<f64> = eigvals.iter().map(|&l| l.max(0.0).sqrt()).collect();
        let s_max = singular_values.first().copied().unwrap_or(0.0);
        let rank = singular_values
            .iter()
            .take_while(|&&s| s > DEFAULT_RCOND * s_max && s > 0.0)
            .count();
        let (d, k) = (x.ncols(), y.ncols());
        let mut proj = Mat::<f64>::zeros(rank, k);
        matmul(
            proj.as_mut(),
            Accum::Replace,
            v.get(.., ..rank).transpose(),
            g.xty.as_ref(),
            1.0,
            Par::rayon(0),
        );
        for (i, &l) in eigvals.iter().enumerate().take(rank) {
            for t in 0..k {
                proj[(i, t)] /= l;
            }
        }
        let mut coef = Mat::<f64>::zeros(d, k);
        matmul(
            coef.as_mut(),
            Accum::Replace,
            v.get(.., ..rank),
            proj.as_ref(),
            1.0,
            Par::rayon(0),
        );
        let intercept = intercepts(coef.as_ref(), &g.x_mean, &g.y_mean);
        Ok(OlsSolution {
            coef,
            intercept,
            rank,
            singular_values,
        })
    }

    fn solve_dense(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<OlsSolution> {
        let (n, d, k) = (x.nrows(), x.ncols(), y.ncols());
        let (x_mean, y_mean) = if self.fit_intercept {
            (column_means(x), column_means(y))
        } else {
            (vec![0.0; d], vec![0.0; k])
        };
        let m = d + k;
        let (coef, rank, singular_values) = if m <= TSQR_MAX_COLS && n >= 8 * m {
            let r = tsqr(x, y, &x_mean, &y_mean);
            svd_solve_triangle(r.as_ref(), d)?
        } else {
            // [X_c | Y_c], filled column by column in parallel.
            let mut aug = Mat::<f64>::zeros(n, m);
            aug.as_mut()
                .par_col_iter_mut()
                .enumerate()
                .for_each(|(j, col)| {
                    let (src, mu) = if j < d {
                        (x.col(j), x_mean[j])
                    } else {
                        (y.col(j - d), y_mean[j - d])
                    };
                    for (o, &v) in col.iter_mut().zip(src.iter()) {
                        *o = v - mu;
                    }
                });
            if n >= m {
                let qr = aug.qr();
                let r_all = qr.thin_R();
                let r = Mat::from_fn(m, m, |i, j| if i <= j { r_all[(i, j)] } else { 0.0 });
                svd_solve_triangle(r.as_ref(), d)?
            } else {
                let sol = lstsq(aug.get(.., ..d), aug.get(.., d..))?;
                (sol.coef, sol.rank, sol.singular_values)
            }
        };
        let intercept = intercepts(coef.as_ref(), &x_mean, &y_mean);
        Ok(OlsSolution {
            coef,
            intercept,
            rank,
            singular_values,
        })
    }
}

/// Widest `[X | Y]` reduced by [`tsqr`]; wider systems use one blocked QR.
const TSQR_MAX_COLS: usize = 128;

/// Householder QR of a column-major `rows × cols` block in place; returns the
/// `cols × cols` upper triangle `R` (column-major). Requires `rows ≥ cols`.
fn householder_r(a: &mut [f64], rows: usize, cols: usize) -> Vec<f64> {
    for j in 0..cols {
        let (head, tail) = a.split_at_mut((j + 1) * rows);
        let v = &mut head[j * rows + j..];
        let norm2: f64 = v.iter().map(|t| t * t).sum();
        if norm2 == 0.0 {
            continue;
        }
        let x0 = v[0];
        let alpha = -x0.signum() * norm2.sqrt();
        let alpha = if alpha == 0.0 { norm2.sqrt() } else { alpha };
        v[0] = x0 - alpha;
        let vnorm2 = norm2 - x0 * x0 + v[0] * v[0];
        if vnorm2 > 0.0 {
            let scale = 2.0 / vnorm2;
            for l in 0..cols - j - 1 {
                let col = &mut tail[l * rows + j..(l + 1) * rows];
                let s: f64 = v.iter().zip(col.iter()).map(|(p, q)| p * q).sum();
                let f = scale * s;
                for (c, &p) in col.iter_mut().zip(v.iter()) {
                    *c -= f * p;
                }
            }
        }
        v[0] = alpha;
    }
    let mut r = vec![0.0; cols * cols];
    for j in 0..cols {
        for i in 0..=j {
            r[j * cols + i] = a[j * rows + i];
        }
    }
    r
}

/// The `R` of a QR of `[X − 1x̄ᵀ | Y − 1ȳᵀ]` by tall-skinny QR: Householder QR of
/// fixed blocks of rows in parallel (each centred on the fly and small enough to stay
/// in cache), then one QR of the stacked triangles. As stable as a QR of the whole
/// matrix, without ever copying it.
fn tsqr(x: MatRef<'_, f64>, y: MatRef<'_, f64>, x_mean: &[f64], y_mean: &[f64]) -> Mat<f64> {
    let (n, d, k) = (x.nrows(), x.ncols(), y.ncols());
    let m = d + k;
    let block = (65_536 / m).max(2 * m);
    let n_blocks = n.div_ceil(block);
    let triangles: Vec<Vec<f64>> = (0..n_blocks)
        .into_par_iter()
        .map(|b| {
            let r0 = b * block;
            let mut rows = block.min(n - r0);
            // A short last block is merged into the stack as it is (padded to m rows).
            let mut a = vec![0.0; rows.max(m) * m];
            let stride = rows.max(m);
            for j in 0..m {
                let (src, mu) = if j < d {
                    (x.col(j), x_mean[j])
                } else {
                    (y.col(j - d), y_mean[j - d])
                };
                let dst = &mut a[j * stride..j * stride + rows];
                match src.try_as_col_major() {
                    Some(c) => {
                        for (o, &v) in dst.iter_mut().zip(&c.as_slice()[r0..r0 + rows]) {
                            *o = v - mu;
                        }
                    }
                    None => {
                        for (t, o) in dst.iter_mut().enumerate() {
                            *o = src[r0 + t] - mu;
                        }
                    }
                }
            }
            rows = stride;
            householder_r(&mut a, rows, m)
        })
        .collect();
    // Stack the triangles (each m × m) and reduce them with one more QR.
    let stacked_rows = n_blocks * m;
    let mut stacked = vec![0.0; stacked_rows * m];
    for (b, r) in triangles.iter().enumerate() {
        for j in 0..m {
            for i in 0..=j {
                stacked[j * stacked_rows + b * m + i] = r[j * m + i];
            }
        }
    }
    let r = householder_r(&mut stacked, stacked_rows, m);
    Mat::from_fn(m, m, |i, j| r[j * m + i])
}

/// The cut-off SVD solve from the triangle `R` of a QR of `[A | B]` (`A`: the first
/// `d` columns): `R[..d, ..d]` has the singular values of `A` and `R[..d, d..] = Qᵀ B`.
fn svd_solve_triangle(r_all: MatRef<'_, f64>, d: usize) -> Result<(Mat<f64>, usize, Vec<f64>)> {
    let r = r_all.get(..d, ..d).to_owned();
    let qtb = r_all.get(..d, d..);
    let svd = r
        .thin_svd()
        .map_err(|_| Error::DecompositionFailed { what: "SVD" })?;
    let s: Vec<f64> = svd.S().column_vector().iter().copied().collect();
    let s_max = s.first().copied().unwrap_or(0.0);
    let rank = s
        .iter()
        .take_while(|&&v| v > DEFAULT_RCOND * s_max && v > 0.0)
        .count();
    let mut proj = Mat::<f64>::zeros(rank, qtb.ncols());
    matmul(
        proj.as_mut(),
        Accum::Replace,
        svd.U().get(.., ..rank).transpose(),
        qtb,
        1.0,
        Par::Seq,
    );
    for (i, &si) in s.iter().enumerate().take(rank) {
        for t in 0..proj.ncols() {
            proj[(i, t)] /= si;
        }
    }
    let mut coef = Mat::<f64>::zeros(d, qtb.ncols());
    matmul(
        coef.as_mut(),
        Accum::Replace,
        svd.V().get(.., ..rank),
        proj.as_ref(),
        1.0,
        Par::Seq,
    );
    Ok((coef, rank, s))
}

impl Fit<[f64]> for LinearRegression {
    type Model = LinearRegressionModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<LinearRegressionModel> {
        LinearRegression::fit(self, x, y)
    }
}

impl FitWeighted<[f64]> for LinearRegression {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<LinearRegressionModel> {
        LinearRegression::fit_weighted(self, x, y, sample_weight)
    }
}

/// A fitted [`LinearRegression`] with one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearRegressionModel {
    coef: Vec<f64>,
    intercept: f64,
    rank: usize,
    singular_values: Vec<f64>,
}

impl LinearRegressionModel {
    fn from_solution(sol: OlsSolution) -> Self {
        Self {
            coef: sol.coef.col(0).iter().copied().collect(),
            intercept: sol.intercept[0],
            rank: sol.rank,
            singular_values: sol.singular_values,
        }
    }

    /// The coefficients, one per feature (scikit-learn's `coef_`).
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    /// The intercept (0 without `fit_intercept`).
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// The effective rank of the centred `X`: singular values above `1e-6 · s_max`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The singular values of the centred `X`, non-increasing (`singular_`).
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
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

impl Fitted for LinearRegressionModel {
    fn n_features_in(&self) -> usize {
        self.coef.len()
    }
}

impl Predict for LinearRegressionModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        LinearRegressionModel::predict(self, x)
    }
}

impl ml_core::persist::Persist for LinearRegressionModel {
    const MODEL_NAME: &'static str = "ml_supervised::LinearRegressionModel";
}

impl ml_core::persist::Invariants for LinearRegressionModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("coef", self.coef.len())?;
        inv::finite("coef", &self.coef)?;
        inv::finite("intercept", &[self.intercept])?;
        inv::non_negative("singular_values", &self.singular_values)?;
        inv::ensure(self.rank <= self.coef.len(), || {
            format!(
                "rank {} exceeds the {} features",
                self.rank,
                self.coef.len()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;

    #[test]
    fn duplicated_column_gets_minimum_norm_split() {
        // x₁ = x₀: any split a + b = 2 fits; the minimum-norm one is a = b = 1.
        let x = mat![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [5.0, 5.0]];
        let y = [2.0, 4.0, 6.0, 10.0];
        let m = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
        assert_eq!(m.rank(), 1);
        assert!((m.coef()[0] - 1.0).abs() < 1e-12 && (m.coef()[1] - 1.0).abs() < 1e-12);
        assert!(m.intercept().abs() < 1e-12);
    }

    #[test]
    fn wide_system_is_solved() {
        let x = mat![[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]];
        let y = [1.0, 2.0];
        let m = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
        let p = m.predict(x.as_ref()).unwrap();
        assert!((p[0] - 1.0).abs() < 1e-12 && (p[1] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn csr_matches_dense() {
        let x = mat![
            [1.0, 0.0, 2.0],
            [0.0, 3.0, 0.0],
            [4.0, 0.0, 0.5],
            [0.0, 1.0, 1.0],
            [2.0, 2.0, 0.0]
        ];
        let y = [1.0, 2.0, 0.5, -1.0, 3.0];
        let dense = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
        let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
        let sparse = LinearRegression::new().fit(&csr, &y).unwrap();
        for (a, b) in dense.coef().iter().zip(sparse.coef()) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        assert!((dense.intercept() - sparse.intercept()).abs() < 1e-9);
        let p = sparse.predict(&csr).unwrap();
        let q = dense.predict(x.as_ref()).unwrap();
        for (a, b) in p.iter().zip(&q) {
            assert!((a - b).abs() < 1e-9);
        }
    }
}
