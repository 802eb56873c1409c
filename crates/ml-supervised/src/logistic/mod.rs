//! Logistic regression: [`LogisticRegression`], binary and multinomial.
//!
//! The objective is scikit-learn 1.9's,
//! `(1/S) Σᵢ sᵢ ℓᵢ + (1/(C S)) ((1 − ρ)/2 ‖W‖² + ρ ‖W‖₁)` with `sᵢ` the sample weight
//! times the class weight, `S = Σ sᵢ` and `ρ = l1_ratio`; the intercept is not
//! penalised. Two classes use one logit (the positive class is the second sorted
//! class), more use the full softmax with one coefficient row per class.
//!
//! Smooth objectives (`ρ = 0`, or `C = ∞`) are minimised by L-BFGS, stopping as
//! scikit-learn's `lbfgs` when the largest gradient entry is at most `tol`; with an L1
//! part, by accelerated proximal gradient (FISTA), stopping on the gradient mapping.
//! Each evaluation is two matrix products (`X W` and `Xᵀ R`, parallel) and one
//! parallel pass over the samples in fixed blocks, so results do not depend on the
//! number of threads.

mod optim;

use std::fmt::Debug;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use ml_core::persist::Persist;
use ml_core::sparse::{self, Csr, CsrRef};
use ml_core::{Error, Fit, Label, Predict, PredictProba, Result, validate};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::linear::{check_csr_predict, csr_decision, dense_decision};
use optim::{Objective, StopRule, fista, lbfgs};

/// Samples per parallel block of the loss; fixed so sums are thread-count independent.
const BLOCK: usize = 2048;

/// How classes are weighted in the loss (scikit-learn's `class_weight`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClassWeight {
    /// `S / (k · S_c)`: every class weighs as much in total (`"balanced"`), with `S_c`
    /// the (sample-weighted) size of class `c`.
    Balanced,
    /// One weight per class, in the order of the sorted classes.
    PerClass(Vec<f64>),
}

/// Logistic regression, as scikit-learn 1.9's `LogisticRegression`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::LogisticRegression;
///
/// let x = mat![[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]];
/// let y = ["ham", "ham", "spam", "ham", "spam", "spam"];
/// let model = LogisticRegression::new().fit(x.as_ref(), &y)?;
/// assert_eq!(model.classes(), &["ham", "spam"]);
/// assert_eq!(model.predict(mat![[-3.0], [3.0]].as_ref())?, vec!["ham", "spam"]);
/// let p = model.predict_proba(mat![[0.0]].as_ref())?;
/// assert!((p[(0, 0)] + p[(0, 1)] - 1.0).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegression {
    c: f64,
    l1_ratio: f64,
    tol: f64,
    max_iter: usize,
    fit_intercept: bool,
    class_weight: Option<ClassWeight>,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        Self::new()
    }
}

/// The design matrix, dense or sparse (with its transpose for `Xᵀ R`).
enum Design<'a> {
    Dense(MatRef<'a, f64>),
    Sparse { x: CsrRef<'a>, xt: Csr },
}

impl Design<'_> {
    fn nrows(&self) -> usize {
        match self {
            Design::Dense(x) => x.nrows(),
            Design::Sparse { x, .. } => x.nrows(),
        }
    }

    fn ncols(&self) -> usize {
        match self {
            Design::Dense(x) => x.ncols(),
            Design::Sparse { x, .. } => x.ncols(),
        }
    }

    /// `Zᵀ = Wᵀ Xᵀ` (`k × n`, one contiguous column per sample).
    fn logits_t(&self, w: MatRef<'_, f64>, zt: MatMut<'_, f64>) {
        match self {
            Design::Dense(x) => {
                matmul(zt, Accum::Replace, w.transpose(), x.transpose(), 1.0, Par::rayon(0));
            }
            Design::Sparse { x, .. } => {
                let mut zt = zt;
                for i in 0..x.nrows() {
                    for c in 0..w.ncols() {
                        let mut s = 0.0;
                        for (&j, &v) in x.col_idx_of_row_raw(i).iter().zip(x.val_of_row(i)) {
                            s += v * w[(j, c)];
                        }
                        zt[(c, i)] = s;
                    }
                }
            }
        }
    }

    /// `G = Xᵀ Rᵀᵀ` (`d × k`) from `Rᵀ` (`k × n`).
    fn xt_times(&self, rt: MatRef<'_, f64>, g: MatMut<'_, f64>) {
        match self {
            Design::Dense(x) => {
                matmul(g, Accum::Replace, x.transpose(), rt.transpose(), 1.0, Par::rayon(0));
            }
            Design::Sparse { xt, .. } => {
                let mut g = g;
                for j in 0..xt.nrows() {
                    for c in 0..rt.nrows() {
                        let mut s = 0.0;
                        for (&i, &v) in xt.col_idx_of_row_raw(j).iter().zip(xt.val_of_row(j)) {
                            s += v * rt[(c, i)];
                        }
                        g[(j, c)] = s;
                    }
                }
            }
        }
    }
}

/// The smooth part of the objective on one data set.
struct Loss<'a> {
    x: &'a Design<'a>,
    /// Class code of every sample.
    codes: &'a [usize],
    /// Sample weight times class weight, divided by their sum.
    weights: &'a [f64],
    /// Number of logits: 1 for two classes, else the number of classes.
    k: usize,
    fit_intercept: bool,
    /// Coefficient of `½‖W‖²`.
    l2: f64,
    zt: Mat<f64>,
}

fn log1pexp(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Objective for Loss<'_> {
    fn value_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.x.ncols();
        let k = self.k;
        let w = MatRef::from_column_major_slice(&theta[..d * k], d, k);
        self.x.logits_t(w, self.zt.as_mut());
        let intercept: Vec<f64> = if self.fit_intercept {
            theta[d * k..].to_vec()
        } else {
            vec![0.0; k]
        };
        let codes = self.codes;
        let weights = self.weights;
        // Per block: the weighted loss, and the residuals written over the logits.
        let partial: Vec<(f64, Vec<f64>)> = self
            .zt
            .as_mut()
            .par_col_chunks_mut(BLOCK)
            .enumerate()
            .map(|(b, mut block)| {
                let mut loss = 0.0;
                let mut bias_grad = vec![0.0; k];
                let mut p = vec![0.0; k];
                for t in 0..block.ncols() {
                    let i = b * BLOCK + t;
                    let (wi, yi) = (weights[i], codes[i]);
                    let mut col = block.as_mut().col_mut(t);
                    if k == 1 {
                        let z = col[0] + intercept[0];
                        let y = if yi == 1 { 1.0 } else { 0.0 };
                        loss += wi * (log1pexp(z) - y * z);
                        let r = wi * (sigmoid(z) - y);
                        col[0] = r;
                        bias_grad[0] += r;
                    } else {
                        let mut zmax = f64::NEG_INFINITY;
                        for c in 0..k {
                            p[c] = col[c] + intercept[c];
                            zmax = zmax.max(p[c]);
                        }
                        let zy = p[yi];
                        let mut sum = 0.0;
                        for pc in p.iter_mut() {
                            *pc = (*pc - zmax).exp();
                            sum += *pc;
                        }
                        loss += wi * (zmax + sum.ln() - zy);
                        for c in 0..k {
                            let target = if c == yi { 1.0 } else { 0.0 };
                            let r = wi * (p[c] / sum - target);
                            col[c] = r;
                            bias_grad[c] += r;
                        }
                    }
                }
                (loss, bias_grad)
            })
            .collect();
        let mut value = 0.0;
        let mut bias_grad = vec![0.0; k];
        for (l, bg) in &partial {
            value += l;
            for c in 0..k {
                bias_grad[c] += bg[c];
            }
        }
        let (gw, gb) = grad.split_at_mut(d * k);
        self.x.xt_times(
            self.zt.as_ref(),
            MatMut::from_column_major_slice_mut(gw, d, k),
        );
        if self.l2 > 0.0 {
            let mut norm2 = 0.0;
            for (g, &t) in gw.iter_mut().zip(&theta[..d * k]) {
                *g += self.l2 * t;
                norm2 += t * t;
            }
            value += 0.5 * self.l2 * norm2;
        }
        if self.fit_intercept {
            gb.copy_from_slice(&bias_grad);
        }
        value
    }
}

impl LogisticRegression {
    /// Logistic regression with scikit-learn's defaults (L2, `C = 1`, `lbfgs`).
    pub fn new() -> Self {
        Self {
            c: 1.0,
            l1_ratio: 0.0,
            tol: 1e-4,
            max_iter: 100,
            fit_intercept: true,
            class_weight: None,
        }
    }

    /// Inverse penalty strength `C > 0`; `f64::INFINITY` means no penalty. Default: 1.0.
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }

    /// The share `ρ ∈ [0, 1]` of the L1 term in the penalty: 0 is L2, 1 is L1.
    /// Default: 0.0.
    pub fn l1_ratio(mut self, l1_ratio: f64) -> Self {
        self.l1_ratio = l1_ratio;
        self
    }

    /// Stopping tolerance on the largest gradient entry of the mean-scaled objective.
    /// Default: 1e-4.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// The maximal number of iterations (L-BFGS or proximal-gradient steps).
    /// Default: 100.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Whether to fit an (unpenalised) intercept. Default: true.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// Per-class weights in the loss. Default: `None` (every class weighs 1).
    pub fn class_weight(mut self, class_weight: Option<ClassWeight>) -> Self {
        self.class_weight = class_weight;
        self
    }

    fn check(&self) -> Result<()> {
        if self.c.is_nan() || self.c <= 0.0 {
            return Err(Error::invalid_parameter("C", self.c, "> 0 (or infinity)"));
        }
        validate::in_closed_range("l1_ratio", self.l1_ratio, 0.0, 1.0, "in [0, 1]")?;
        validate::non_negative_param("tol", self.tol)?;
        validate::at_least("max_iter", self.max_iter, 1, ">= 1")
    }

    /// Fits on dense `x` with unit sample weights.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `C ≤ 0`, `l1_ratio` outside [0, 1], `tol < 0`,
    /// `max_iter = 0` or bad class weights; [`Error::EmptyInput`], [`Error::NonFinite`]
    /// or [`Error::ShapeMismatch`] for the data; [`Error::TooFewClasses`] for one class.
    pub fn fit<L: Label>(
        &self,
        x: MatRef<'_, f64>,
        y: &[L],
    ) -> Result<LogisticRegressionModel<L>> {
        self.check()?;
        validate::supervised(x, y.len())?;
        self.fit_design(&Design::Dense(x), y, None)
    }

    /// Fits on dense `x` with one weight per sample.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus invalid `sample_weight` (wrong length, negative,
    /// non-finite, all zero).
    pub fn fit_weighted<L: Label>(
        &self,
        x: MatRef<'_, f64>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<LogisticRegressionModel<L>> {
        self.check()?;
        validate::supervised(x, y.len())?;
        validate::sample_weight(sample_weight, x.nrows())?;
        self.fit_design(&Design::Dense(x), y, Some(sample_weight))
    }

    /// Fits on sparse `x` (CSR), optionally with sample weights.
    ///
    /// # Errors
    /// As [`fit_weighted`](Self::fit_weighted).
    pub fn fit_csr<L: Label>(
        &self,
        x: CsrRef<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<LogisticRegressionModel<L>> {
        self.check()?;
        validate::csr(x)?;
        validate::targets_len(x.nrows(), y.len())?;
        if let Some(sw) = sample_weight {
            validate::sample_weight(sw, x.nrows())?;
        }
        let xt = sparse::csr_transpose(x)?;
        self.fit_design(&Design::Sparse { x, xt }, y, sample_weight)
    }

    fn fit_design<L: Label>(
        &self,
        x: &Design<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<LogisticRegressionModel<L>> {
        let enc = validate::encode_labels(y, 2)?;
        let n_classes = enc.classes.len();
        let (n, d) = (x.nrows(), x.ncols());
        let mut weights: Vec<f64> = sample_weight.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        if let Some(cw) = &self.class_weight {
            let per_class = match cw {
                ClassWeight::Balanced => {
                    let mut totals = vec![0.0; n_classes];
                    for (&c, &w) in enc.codes.iter().zip(&weights) {
                        totals[c] += w;
                    }
                    let all: f64 = totals.iter().sum();
                    totals
                        .iter()
                        .map(|&t| if t > 0.0 { all / (n_classes as f64 * t) } else { 0.0 })
                        .collect()
                }
                ClassWeight::PerClass(v) => {
                    if v.len() != n_classes {
                        return Err(Error::ShapeMismatch {
                            what: "number of class weights",
                            expected: n_classes,
                            got: v.len(),
                        });
                    }
                    if v.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
                        return Err(Error::invalid_parameter(
                            "class_weight",
                            v,
                            "finite, non-negative weights",
                        ));
                    }
                    v.clone()
                }
            };
            for (w, &c) in weights.iter_mut().zip(&enc.codes) {
                *w *= per_class[c];
            }
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err(Error::invalid_parameter(
                "class_weight",
                "all samples weigh zero",
                "at least one sample of positive weight",
            ));
        }
        weights.iter_mut().for_each(|w| *w /= total);
        let k = if n_classes == 2 { 1 } else { n_classes };
        let penalty = if self.c.is_infinite() {
            0.0
        } else {
            1.0 / (self.c * total)
        };
        let mut loss = Loss {
            x,
            codes: &enc.codes,
            weights: &weights,
            k,
            fit_intercept: self.fit_intercept,
            l2: penalty * (1.0 - self.l1_ratio),
            zt: Mat::zeros(k, n),
        };
        let n_params = d * k + if self.fit_intercept { k } else { 0 };
        let rule = StopRule {
            gtol: self.tol,
            ftol: 64.0 * f64::EPSILON,
            max_iter: self.max_iter,
        };
        let l1 = penalty * self.l1_ratio;
        let opt = if l1 > 0.0 {
            fista(&mut loss, vec![0.0; n_params], l1, d * k, &rule)
        } else {
            lbfgs(&mut loss, vec![0.0; n_params], &rule)
        };
        let coef = Mat::from_fn(d, k, |j, c| opt.x[c * d + j]);
        let intercept = if self.fit_intercept {
            opt.x[d * k..].to_vec()
        } else {
            vec![0.0; k]
        };
        Ok(LogisticRegressionModel {
            classes: enc.classes,
            coef,
            intercept,
            n_iter: opt.n_iter,
            converged: opt.converged,
        })
    }
}

impl<L: Label> Fit<[L]> for LogisticRegression {
    type Model = LogisticRegressionModel<L>;

    fn fit(&self, x: MatRef<'_, f64>, y: &[L]) -> Result<LogisticRegressionModel<L>> {
        LogisticRegression::fit(self, x, y)
    }
}

/// A fitted [`LogisticRegression`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogisticRegressionModel<L> {
    classes: Vec<L>,
    /// `d × k` (`k = 1` for two classes).
    #[serde(with = "ml_core::persist::mat")]
    coef: Mat<f64>,
    intercept: Vec<f64>,
    n_iter: usize,
    converged: bool,
}

impl<L: Label> LogisticRegressionModel<L> {
    /// The sorted classes (`classes_`).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// The coefficients (`coef_`): `1 × d` for two classes (for `classes()[1]`), else
    /// one row per class.
    pub fn coef(&self) -> MatRef<'_, f64> {
        self.coef.transpose()
    }

    /// The intercepts (`intercept_`): one for two classes, else one per class.
    pub fn intercept(&self) -> &[f64] {
        &self.intercept
    }

    /// The number of optimiser iterations (`n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the optimiser met its tolerance within `max_iter` iterations.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.coef.nrows()
    }

    /// The logits: `n × 1` for two classes (log-odds of `classes()[1]`), else `n × k`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, or another number of columns than at fit time.
    pub fn decision_function(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        validate::matrix_with_features(x, self.coef.nrows())?;
        Ok(dense_decision(x, self.coef.as_ref(), &self.intercept))
    }

    /// The logits of a sparse `x`.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn decision_function_csr(&self, x: CsrRef<'_>) -> Result<Mat<f64>> {
        check_csr_predict(x, self.coef.nrows())?;
        Ok(csr_decision(x, self.coef.as_ref(), &self.intercept))
    }

    /// Log-probabilities, one column per class, computed in log space (no underflow).
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_log_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let z = self.decision_function(x)?;
        Ok(self.log_proba_from(&z))
    }

    /// Class probabilities, one column per class; each row sums to 1.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let z = self.decision_function(x)?;
        Ok(self.proba_from(&z))
    }

    /// Class probabilities of a sparse `x`.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_proba_csr(&self, x: CsrRef<'_>) -> Result<Mat<f64>> {
        let z = self.decision_function_csr(x)?;
        Ok(self.proba_from(&z))
    }

    /// The most probable class of every row.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict(&self, x: MatRef<'_, f64>) -> Result<Vec<L>> {
        let z = self.decision_function(x)?;
        Ok(self.labels_from(&z))
    }

    /// The most probable class of every row of a sparse `x`.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_csr(&self, x: CsrRef<'_>) -> Result<Vec<L>> {
        let z = self.decision_function_csr(x)?;
        Ok(self.labels_from(&z))
    }

    fn labels_from(&self, z: &Mat<f64>) -> Vec<L> {
        (0..z.nrows())
            .map(|i| {
                let c = if z.ncols() == 1 {
                    usize::from(z[(i, 0)] > 0.0)
                } else {
                    crate::linear::argmax(z.row(i).iter().copied())
                };
                self.classes[c].clone()
            })
            .collect()
    }

    fn proba_from(&self, z: &Mat<f64>) -> Mat<f64> {
        let n = z.nrows();
        if z.ncols() == 1 {
            let mut p = Mat::<f64>::zeros(n, 2);
            for i in 0..n {
                let p1 = sigmoid(z[(i, 0)]);
                p[(i, 0)] = 1.0 - p1;
                p[(i, 1)] = p1;
            }
            return p;
        }
        let mut p = self.log_proba_from(z);
        for i in 0..n {
            let mut sum = 0.0;
            for c in 0..p.ncols() {
                p[(i, c)] = p[(i, c)].exp();
                sum += p[(i, c)];
            }
            for c in 0..p.ncols() {
                p[(i, c)] /= sum;
            }
        }
        p
    }

    fn log_proba_from(&self, z: &Mat<f64>) -> Mat<f64> {
        let n = z.nrows();
        if z.ncols() == 1 {
            return Mat::from_fn(n, 2, |i, c| {
                let v = z[(i, 0)];
                if c == 1 { -log1pexp(-v) } else { -log1pexp(v) }
            });
        }
        let k = z.ncols();
        let mut out = Mat::<f64>::zeros(n, k);
        for i in 0..n {
            let zmax = (0..k).fold(f64::NEG_INFINITY, |m, c| m.max(z[(i, c)]));
            let lse = zmax + (0..k).map(|c| (z[(i, c)] - zmax).exp()).sum::<f64>().ln();
            for c in 0..k {
                out[(i, c)] = z[(i, c)] - lse;
            }
        }
        out
    }
}

impl<L: Label> Predict for LogisticRegressionModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: MatRef<'_, f64>) -> Result<Vec<L>> {
        LogisticRegressionModel::predict(self, x)
    }

    fn n_features_in(&self) -> usize {
        self.coef.nrows()
    }
}

impl<L: Label> PredictProba for LogisticRegressionModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.classes
    }

    fn predict_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        LogisticRegressionModel::predict_proba(self, x)
    }
}

impl<L: Label + Serialize + DeserializeOwned + Debug> Persist for LogisticRegressionModel<L> {
    const MODEL_NAME: &'static str = "ml_supervised::LogisticRegressionModel";
}
