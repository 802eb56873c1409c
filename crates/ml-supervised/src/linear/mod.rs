//! Linear models for regression: ordinary least squares, ridge, lasso and elastic net,
//! and polynomial feature expansion.
//!
//! All of them fit `y ≈ X w + b` with scikit-learn 1.9's objectives and defaults. With
//! `fit_intercept` (the default) `X` and `y` are centred first and the intercept is
//! recovered as `b = ȳ − x̄ᵀw`, so the intercept is never penalised.
//!
//! Single-target fits take `y: &[f64]` (the [`Fit`](ml_core::Fit) path); several
//! targets at once go through `fit_multi` with one column of `Y` per target and give a
//! [`MultiOutputLinearModel`].
//!
//! Every `fit`, `fit_weighted` and `predict` takes [`Features`]: a dense matrix or a
//! CSR matrix. [`LinearRegression`] and [`Ridge`] (and [`RidgeClassifier`]) solve CSR
//! input through normal equations formed without densifying it; [`Lasso`],
//! [`ElasticNet`] and [`PolynomialRegression`] have no sparse path and return
//! [`Error::Unsupported`](ml_core::Error::Unsupported) for it. Every fitted model predicts from either layout.
//!
//! Sample weights (scikit-learn's `sample_weight`) go through `fit_weighted`. As in
//! scikit-learn, a weighted dense fit solves a copy of the data centred on the weighted
//! means with row `i` scaled by `√wᵢ`, so the unweighted paths are untouched; sparse
//! fits weight their normal equations instead.

mod coordinate_descent;
mod ols;
mod polynomial;
mod ridge;

pub use coordinate_descent::{ElasticNet, ElasticNetModel, Lasso, LassoModel};
pub use ols::{LinearRegression, LinearRegressionModel};
pub use polynomial::{
    PolynomialFeatures, PolynomialFeaturesModel, PolynomialRegression, PolynomialRegressionModel,
};
pub(crate) use ridge::argmax;
pub use ridge::{Ridge, RidgeClassifier, RidgeClassifierModel, RidgeModel, RidgeSolver};

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use ml_core::kernels::{centred_copy, column_means};
use ml_core::sparse::CsrRef;
use ml_core::{Features, Fitted, Result, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// `x` as it enters the solver: centred (owned) when the model has an intercept,
/// borrowed as is otherwise; with the column means (zeros without intercept).
pub(crate) struct Prepared<'a> {
    owned: Option<Mat<f64>>,
    raw: MatRef<'a, f64>,
    pub(crate) means: Vec<f64>,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(x: MatRef<'a, f64>, fit_intercept: bool) -> Self {
        if fit_intercept {
            let means = column_means(x);
            let owned = centred_copy(x, &means);
            Self {
                owned: Some(owned),
                raw: x,
                means,
            }
        } else {
            Self {
                owned: None,
                raw: x,
                means: vec![0.0; x.ncols()],
            }
        }
    }

    pub(crate) fn x(&self) -> MatRef<'_, f64> {
        match &self.owned {
            Some(m) => m.as_ref(),
            None => self.raw,
        }
    }
}

/// Weighted data as every dense solver here sees it, as scikit-learn's
/// `_preprocess_data` then `_rescale_data` make it: each column of `x` and `y` centred
/// on its `sample_weight`-weighted mean (when there is an intercept), then row `i`
/// scaled by `√wᵢ`. A plain sum of squares of the copy is the weighted sum of squares
/// of the original, so an unweighted solver without intercept fits the weighted
/// problem, and the intercept is recovered from the weighted means.
pub(crate) struct Rescaled {
    pub(crate) x: Mat<f64>,
    pub(crate) y: Mat<f64>,
    pub(crate) x_mean: Vec<f64>,
    pub(crate) y_mean: Vec<f64>,
}

/// [`Rescaled`] data for validated, non-negative weights with a positive sum.
pub(crate) fn rescaled(
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    sample_weight: &[f64],
    fit_intercept: bool,
) -> Rescaled {
    let total: f64 = sample_weight.iter().sum();
    let sqrt_w: Vec<f64> = sample_weight.iter().map(|w| w.sqrt()).collect();
    let prepare = |a: MatRef<'_, f64>| -> (Mat<f64>, Vec<f64>) {
        let mut out = Mat::<f64>::zeros(a.nrows(), a.ncols());
        let means: Vec<f64> = out
            .as_mut()
            .par_col_iter_mut()
            .enumerate()
            .map(|(j, col)| {
                let src = a.col(j);
                let mean = if fit_intercept {
                    src.iter()
                        .zip(sample_weight)
                        .map(|(v, w)| v * w)
                        .sum::<f64>()
                        / total
                } else {
                    0.0
                };
                for ((o, &v), s) in col.iter_mut().zip(src.iter()).zip(&sqrt_w) {
                    *o = s * (v - mean);
                }
                mean
            })
            .collect();
        (out, means)
    };
    let (xs, x_mean) = prepare(x);
    let (ys, y_mean) = prepare(y);
    Rescaled {
        x: xs,
        y: ys,
        x_mean,
        y_mean,
    }
}

/// Checks a multi-output target matrix against `n` samples: non-empty and finite.
pub(crate) fn check_targets(y: MatRef<'_, f64>, n: usize) -> Result<()> {
    validate::non_empty(y, "Y")?;
    validate::targets_len(n, y.nrows())?;
    validate::finite(y)
}

/// A single target as an `n × 1` matrix.
pub(crate) fn as_column(y: &[f64]) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(y, y.len(), 1)
}

/// `x · coef + intercept` for a `d × k` coefficient matrix.
pub(crate) fn dense_decision(
    x: MatRef<'_, f64>,
    coef: MatRef<'_, f64>,
    intercept: &[f64],
) -> Mat<f64> {
    // Starting from the intercepts and accumulating saves a pass over the output.
    let mut out = Mat::from_fn(x.nrows(), coef.ncols(), |_, t| intercept[t]);
    matmul(out.as_mut(), Accum::Add, x, coef, 1.0, Par::rayon(0));
    out
}

/// `x · coef + intercept` for sparse `x` and a `d × k` coefficient matrix.
pub(crate) fn csr_decision(x: CsrRef<'_>, coef: MatRef<'_, f64>, intercept: &[f64]) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(x.nrows(), coef.ncols());
    for i in 0..x.nrows() {
        for t in 0..coef.ncols() {
            let mut s = intercept[t];
            for (&j, &v) in x.col_idx_of_row_raw(i).iter().zip(x.val_of_row(i)) {
                s += v * coef[(j, t)];
            }
            out[(i, t)] = s;
        }
    }
    out
}

/// `x · coef + intercept` for validated input of either layout.
pub(crate) fn decision(x: Features<'_>, coef: MatRef<'_, f64>, intercept: &[f64]) -> Mat<f64> {
    match x {
        Features::Dense(x) => dense_decision(x, coef, intercept),
        Features::Sparse(x) => csr_decision(x, coef, intercept),
    }
}

/// Rows per block of [`predict_single`]: a block's outputs stay in L1 cache while
/// every column adds to them, so each entry of `x` is read once.
const PREDICT_BLOCK_ROWS: usize = 1024;

/// Validated single-target prediction `x · coef + intercept`, shared by every
/// single-output linear model.
///
/// Every product `x_ij · coef_j` is formed (none is skipped for a zero coefficient),
/// so a non-finite entry of `x` always leaves its row's output non-finite (`±∞·c` and
/// `∞·0` are infinite or NaN, and so is `∞ − ∞`). The finiteness of `x` is therefore
/// read off the output, and `x` is scanned only when an output is not finite: to
/// report the first offending entry, or to return an overflowed product of finite
/// input as it is. That saves the separate pass over `x` that dominates a prediction.
///
/// Sparse `x` is validated as a whole first, then multiplied row by row.
pub(crate) fn predict_single(x: Features<'_>, coef: &[f64], intercept: f64) -> Result<Vec<f64>> {
    let x = match x {
        Features::Dense(x) => x,
        Features::Sparse(x) => {
            validate::features_with_n(x.into(), coef.len())?;
            let out = csr_decision(x, as_column(coef), &[intercept]);
            return Ok(out.col(0).iter().copied().collect());
        }
    };
    validate::non_empty(x, "X")?;
    validate::n_features_eq(x.ncols(), coef.len())?;
    let mut out = vec![intercept; x.nrows()];
    out.par_chunks_mut(PREDICT_BLOCK_ROWS)
        .enumerate()
        .for_each(|(b, block)| {
            let rows = x.subrows(b * PREDICT_BLOCK_ROWS, block.len());
            for (j, &c) in coef.iter().enumerate() {
                let col = rows.col(j);
                match col.try_as_col_major() {
                    Some(col) => {
                        for (o, &v) in block.iter_mut().zip(col.as_slice()) {
                            *o += v * c;
                        }
                    }
                    None => {
                        for (o, &v) in block.iter_mut().zip(col.iter()) {
                            *o += v * c;
                        }
                    }
                }
            }
        });
    if validate::finite_slice(&out).is_err() {
        validate::finite(x)?;
    }
    Ok(out)
}

/// The centred Gram matrix `X_cᵀ X_c`, the centred cross products `X_cᵀ Y_c` and the
/// column means of a sparse `X` (zeros without intercept), without densifying `X`.
/// With `sample_weight` all three are weighted (`X_cᵀ W X_c`, `X_cᵀ W Y_c`, weighted
/// means), which is the Gram matrix of the centred rows scaled by `√wᵢ`.
pub(crate) struct SparseGram {
    pub(crate) gram: Mat<f64>,
    pub(crate) xty: Mat<f64>,
    pub(crate) x_mean: Vec<f64>,
    pub(crate) y_mean: Vec<f64>,
}

pub(crate) fn sparse_gram(
    x: CsrRef<'_>,
    y: MatRef<'_, f64>,
    sample_weight: Option<&[f64]>,
    fit_intercept: bool,
) -> SparseGram {
    let (n, d, k) = (x.nrows(), x.ncols(), y.ncols());
    let mut gram = Mat::<f64>::zeros(d, d);
    let mut xty = Mat::<f64>::zeros(d, k);
    let mut col_sum = vec![0.0; d];
    for i in 0..n {
        // Unit weight multiplies exactly, so the unweighted sums are unchanged.
        let wi = sample_weight.map_or(1.0, |sw| sw[i]);
        let idx = x.col_idx_of_row_raw(i);
        let val = x.val_of_row(i);
        for (a, (&ja, &va)) in idx.iter().zip(val).enumerate() {
            let wva = wi * va;
            col_sum[ja] += wva;
            for t in 0..k {
                xty[(ja, t)] += wva * y[(i, t)];
            }
            for (&jb, &vb) in idx[..=a].iter().zip(&val[..=a]) {
                gram[(ja.max(jb), ja.min(jb))] += wva * vb;
            }
        }
    }
    let (x_mean, y_mean) = if fit_intercept {
        let total = sample_weight.map_or(n as f64, |sw| sw.iter().sum());
        let x_mean: Vec<f64> = col_sum.iter().map(|s| s / total).collect();
        let y_mean: Vec<f64> = (0..k)
            .map(|t| match sample_weight {
                None => y.col(t).iter().sum::<f64>() / total,
                Some(sw) => y.col(t).iter().zip(sw).map(|(v, w)| v * w).sum::<f64>() / total,
            })
            .collect();
        // (X − 1x̄ᵀ)ᵀW(X − 1x̄ᵀ) = XᵀWX − S x̄x̄ᵀ with S = Σ wᵢ, and likewise for XᵀWY.
        for a in 0..d {
            for b in 0..=a {
                gram[(a, b)] -= total * x_mean[a] * x_mean[b];
            }
            for t in 0..k {
                xty[(a, t)] -= total * x_mean[a] * y_mean[t];
            }
        }
        (x_mean, y_mean)
    } else {
        (vec![0.0; d], vec![0.0; k])
    };
    for a in 0..d {
        for b in 0..a {
            gram[(b, a)] = gram[(a, b)];
        }
    }
    SparseGram {
        gram,
        xty,
        x_mean,
        y_mean,
    }
}

/// `b_t = ȳ_t − x̄ᵀ w_t` for every target `t` of a `d × k` coefficient matrix.
pub(crate) fn intercepts(coef: MatRef<'_, f64>, x_mean: &[f64], y_mean: &[f64]) -> Vec<f64> {
    (0..coef.ncols())
        .map(|t| {
            y_mean[t]
                - x_mean
                    .iter()
                    .zip(coef.col(t).iter())
                    .map(|(m, w)| m * w)
                    .sum::<f64>()
        })
        .collect()
}

/// A fitted linear model with several targets: `Y ≈ X W + 1 bᵀ`.
///
/// Returned by `fit_multi` of [`LinearRegression`] and [`Ridge`]. Coefficients are
/// stored as scikit-learn's `coef_` of a multi-output fit: one row per target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MultiOutputLinearModel {
    /// `n_targets × n_features`.
    #[serde(with = "ml_core::persist::mat")]
    coef: Mat<f64>,
    intercept: Vec<f64>,
    n_features_in: usize,
    rank: Option<usize>,
    singular_values: Vec<f64>,
}

impl MultiOutputLinearModel {
    pub(crate) fn new(
        coef_dk: MatRef<'_, f64>,
        intercept: Vec<f64>,
        rank: Option<usize>,
        singular_values: Vec<f64>,
    ) -> Self {
        Self {
            coef: coef_dk.transpose().to_owned(),
            n_features_in: coef_dk.nrows(),
            intercept,
            rank,
            singular_values,
        }
    }

    /// The coefficients, one row per target (`n_targets × n_features`).
    pub fn coef(&self) -> MatRef<'_, f64> {
        self.coef.as_ref()
    }

    /// The intercept of every target (zeros without `fit_intercept`).
    pub fn intercept(&self) -> &[f64] {
        &self.intercept
    }

    /// The number of targets.
    pub fn n_targets(&self) -> usize {
        self.intercept.len()
    }

    /// The effective rank of the (centred) `X` for least squares; `None` for ridge.
    pub fn rank(&self) -> Option<usize> {
        self.rank
    }

    /// The singular values of the (centred) `X` for least squares; empty for ridge.
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    /// Predicts every target for every row of `x` (dense or CSR):
    /// `n_samples × n_targets`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, or another number of columns than at fit time.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into();
        validate::features_with_n(x, self.n_features_in)?;
        Ok(decision(x, self.coef.transpose(), &self.intercept))
    }
}

impl Fitted for MultiOutputLinearModel {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }
}

impl ml_core::persist::Persist for MultiOutputLinearModel {
    const MODEL_NAME: &'static str = "ml_supervised::MultiOutputLinearModel";
}

impl ml_core::persist::Invariants for MultiOutputLinearModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("coef", self.coef.nrows() * self.coef.ncols())?;
        // `n_targets × n_features`.
        inv::len("coef columns", self.coef.ncols(), self.n_features_in)?;
        inv::len("intercept", self.intercept.len(), self.coef.nrows())?;
        inv::finite_mat("coef", self.coef.as_ref())?;
        inv::finite("intercept", &self.intercept)?;
        inv::non_negative("singular_values", &self.singular_values)
    }
}

/// The invariants of a fitted linear classifier: at least two sorted, distinct classes,
/// a finite `d × 1` (two classes) or `d × k` coefficient matrix and one intercept per
/// column.
pub(crate) fn check_linear_classifier<L: ml_core::Label>(
    classes: &[L],
    coef: MatRef<'_, f64>,
    intercept: &[f64],
) -> std::result::Result<(), String> {
    use ml_core::persist::invariants as inv;
    inv::ensure(classes.len() >= 2, || {
        format!("{} classes, need at least 2", classes.len())
    })?;
    inv::strictly_increasing("classes", classes)?;
    let columns = if classes.len() == 2 { 1 } else { classes.len() };
    inv::not_empty("coef rows", coef.nrows())?;
    inv::len("coef columns", coef.ncols(), columns)?;
    inv::len("intercept", intercept.len(), columns)?;
    inv::finite_mat("coef", coef)?;
    inv::finite("intercept", intercept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ml_core::Error;

    /// A non-finite entry is reported wherever it is, even in a column whose
    /// coefficient is zero, for column- and row-major `x`; an overflow of finite
    /// input is returned as it is.
    #[test]
    fn predictions_report_every_non_finite_entry() {
        let (n, d) = (2 * PREDICT_BLOCK_ROWS + 5, 3);
        let coef = [1.5, 0.0, -2.0];
        let clean = Mat::from_fn(n, d, |i, j| (i + j) as f64 * 0.25);
        let fine = predict_single(clean.as_ref().into(), &coef, 0.5).unwrap();
        assert!((fine[7] - (0.5 + 1.5 * 1.75 - 2.0 * 2.25)).abs() < 1e-12);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for (row, col) in [(0, 1), (n - 1, 1), (PREDICT_BLOCK_ROWS + 3, 0), (9, 2)] {
                let mut x = clean.clone();
                x[(row, col)] = bad;
                let row_major = x.transpose().to_owned();
                for view in [x.as_ref(), row_major.as_ref().transpose()] {
                    match predict_single(view.into(), &coef, 0.5) {
                        Err(Error::NonFinite { row: r, col: c, .. }) => {
                            assert_eq!((r, c), (row, col))
                        }
                        other => panic!("{bad} at ({row}, {col}): {other:?}"),
                    }
                }
            }
        }
        let mut huge = clean.clone();
        huge[(4, 0)] = f64::MAX;
        let out = predict_single(huge.as_ref().into(), &coef, 0.0).unwrap();
        assert_eq!(out[4], f64::INFINITY);
    }
}
