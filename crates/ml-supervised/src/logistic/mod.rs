//! Logistic regression: [`LogisticRegression`], binary and multinomial.
//!
//! The objective is scikit-learn 1.9's,
//! `(1/S) Σᵢ sᵢ ℓᵢ + (1/(C S)) ((1 − ρ)/2 ‖W‖² + ρ ‖W‖₁)` with `sᵢ` the sample weight
//! times the class weight, `S = Σ sᵢ` and `ρ = l1_ratio`; the intercept is not
//! penalised. Two classes use one logit (the positive class is the second sorted
//! class), more use the full softmax with one coefficient row per class.
//!
//! Smooth objectives (`ρ = 0`, or `C = ∞`) are minimised by L-BFGS, stopping as
//! scikit-learn's `lbfgs` when the largest gradient entry is at most `tol`. scipy also
//! stops once an iteration lowers the objective by less than `64 ε` relative; that
//! rule is not used here, because on ill-conditioned problems it stops short of the
//! optimum (scikit-learn's `tol=1e-10` answer on breast cancer with `C = 10` is 3e-6
//! away from it), so a tight `tol` here really means a small gradient. With an L1 part,
//! the objective is minimised by accelerated proximal gradient (FISTA), stopping on
//! the gradient mapping.
//! Each evaluation streams `X` twice: once over fixed blocks of samples (logits, loss
//! and residuals, in parallel, the block's logits kept in cache), once over features
//! (`Xᵀ R`, in parallel, each feature summing its blocks in order). Results therefore do
//! not depend on the number of threads.
//!
//! `fit`, `fit_weighted` and every prediction take dense or CSR input alike; a CSR
//! fit streams the rows for the logits and a transposed copy for `Xᵀ R`.

mod optim;

use std::fmt::Debug;

use faer::{Mat, MatRef};
use ml_core::kernels::dot;
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::{self, Csr};
use ml_core::{
    Error, Features, Fit, FitWeighted, Fitted, Label, Predict, PredictProba, Result, validate,
};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::linear::decision;
use optim::{Objective, StopRule, fista, lbfgs};

/// Samples per parallel block of the loss; fixed so sums are thread-count independent,
/// small enough that a block's logits stay in the L1/L2 cache.
const BLOCK: usize = 1024;

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

impl ClassWeight {
    /// Each of the `k` classes' weight for rows of classes `codes`: balanced from the
    /// classes' total sample weight (`weights`, or 1 a row), or as given, checked.
    ///
    /// # Errors
    /// Given weights of another count than `k` ([`Error::ShapeMismatch`]) or negative
    /// or not finite ([`Error::InvalidParameter`]).
    pub(crate) fn per_class(
        &self,
        codes: &[usize],
        weights: Option<&[f64]>,
        k: usize,
    ) -> Result<Vec<f64>> {
        match self {
            ClassWeight::Balanced => Ok(balanced_class_weights(codes, weights, k)),
            ClassWeight::PerClass(v) => checked_class_weights(v, k),
        }
    }
}

/// scikit-learn's `"balanced"` class weights `S / (k · S_c)`, `S_c` the total of
/// `weights` (1 a row when `None`) over class `c`'s rows; a class of total 0 weighs 0.
pub(crate) fn balanced_class_weights(
    codes: &[usize],
    weights: Option<&[f64]>,
    k: usize,
) -> Vec<f64> {
    let mut totals = vec![0.0; k];
    for (i, &c) in codes.iter().enumerate() {
        totals[c] += weights.map_or(1.0, |w| w[i]);
    }
    let all: f64 = totals.iter().sum();
    totals
        .iter()
        .map(|&t| if t > 0.0 { all / (k as f64 * t) } else { 0.0 })
        .collect()
}

/// Given class weights, checked: `k` of them, finite and non-negative.
pub(crate) fn checked_class_weights(v: &[f64], k: usize) -> Result<Vec<f64>> {
    if v.len() != k {
        return Err(Error::ShapeMismatch {
            what: "number of class weights",
            expected: k,
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
    Ok(v.to_vec())
}

/// Logistic regression, as scikit-learn 1.9's `LogisticRegression`.
///
/// Unlike scikit-learn, features whose largest magnitude is beyond 2^±32 (≈ 4e9) are
/// fitted in units of a power of two near it, with the penalty rescaled to match: the
/// same optimum, reached where the loss is well conditioned (scikit-learn's L-BFGS
/// returns a barely moved model there). A loss that still overflows is
/// [`ml_core::Error::NumericalFailure`].
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

/// The design matrix: dense with contiguous columns, or CSR with its transpose
/// (`xt`, `None` for dense input).
struct Design<'a> {
    x: Features<'a>,
    xt: Option<Csr>,
}

fn col_slice<'a>(x: MatRef<'a, f64>, j: usize) -> &'a [f64] {
    x.col(j)
        .try_as_col_major()
        .expect("contiguous columns")
        .as_slice()
}

impl Design<'_> {
    fn nrows(&self) -> usize {
        self.x.nrows()
    }

    fn ncols(&self) -> usize {
        self.x.ncols()
    }

    /// The logits `X W` of rows `r0..r0 + len` into `out`, class-major
    /// (`out[c · len + t]` for sample `r0 + t`).
    fn block_logits(&self, r0: usize, len: usize, w: MatRef<'_, f64>, out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = 0.0);
        match self.x {
            Features::Dense(x) => {
                for j in 0..x.ncols() {
                    let xj = &col_slice(x, j)[r0..r0 + len];
                    for c in 0..w.ncols() {
                        let wjc = w[(j, c)];
                        if wjc != 0.0 {
                            for (o, &v) in out[c * len..(c + 1) * len].iter_mut().zip(xj) {
                                *o += wjc * v;
                            }
                        }
                    }
                }
            }
            Features::Sparse(x) => {
                for t in 0..len {
                    let i = r0 + t;
                    for (&j, &v) in x.col_idx_of_row_raw(i).iter().zip(x.val_of_row(i)) {
                        for c in 0..w.ncols() {
                            out[c * len + t] += v * w[(j, c)];
                        }
                    }
                }
            }
        }
    }

    /// `Xᵀ R` (`d × k`, column-major into `g`) from residual blocks laid out as
    /// [`block_logits`](Self::block_logits) writes them. Parallel over features, each
    /// summing over blocks in order.
    fn gradient(&self, resid: &[Vec<f64>], k: usize, g: &mut [f64]) {
        let n = self.nrows();
        let d = self.ncols();
        let per_feature: Vec<Vec<f64>> = match (self.x, &self.xt) {
            (Features::Dense(x), _) => (0..d)
                .into_par_iter()
                .map(|j| {
                    let xj = col_slice(x, j);
                    (0..k)
                        .map(|c| {
                            resid
                                .iter()
                                .enumerate()
                                .map(|(b, r)| {
                                    let r0 = b * BLOCK;
                                    let len = BLOCK.min(n - r0);
                                    dot(&xj[r0..r0 + len], &r[c * len..(c + 1) * len])
                                })
                                .sum()
                        })
                        .collect()
                })
                .collect(),
            (Features::Sparse(_), None) => unreachable!("a CSR design carries its transpose"),
            (Features::Sparse(_), Some(xt)) => (0..d)
                .into_par_iter()
                .map(|j| {
                    let mut out = vec![0.0; k];
                    for (&i, &v) in xt.col_idx_of_row_raw(j).iter().zip(xt.val_of_row(j)) {
                        let (b, t) = (i / BLOCK, i % BLOCK);
                        let len = BLOCK.min(n - b * BLOCK);
                        for (c, o) in out.iter_mut().enumerate() {
                            *o += v * resid[b][c * len + t];
                        }
                    }
                    out
                })
                .collect(),
        };
        for (j, vals) in per_feature.iter().enumerate() {
            for (c, &v) in vals.iter().enumerate() {
                g[c * d + j] = v;
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
    /// Per block of samples: the logits, then the weighted residuals `s (p − y)`.
    resid: Vec<Vec<f64>>,
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
        let x = self.x;
        let (n, d, k) = (x.nrows(), x.ncols(), self.k);
        let w = MatRef::from_column_major_slice(&theta[..d * k], d, k);
        let intercept: Vec<f64> = if self.fit_intercept {
            theta[d * k..].to_vec()
        } else {
            vec![0.0; k]
        };
        let (codes, weights) = (self.codes, self.weights);
        // Per block: logits, then the weighted loss and the residuals in their place.
        let partial: Vec<(f64, Vec<f64>)> = self
            .resid
            .par_iter_mut()
            .enumerate()
            .map(|(b, buf)| {
                let r0 = b * BLOCK;
                let len = BLOCK.min(n - r0);
                x.block_logits(r0, len, w, buf);
                let mut loss = 0.0;
                let mut bias_grad = vec![0.0; k];
                let mut p = vec![0.0; k];
                for t in 0..len {
                    let (wi, yi) = (weights[r0 + t], codes[r0 + t]);
                    if k == 1 {
                        let z = buf[t] + intercept[0];
                        let y = if yi == 1 { 1.0 } else { 0.0 };
                        loss += wi * (log1pexp(z) - y * z);
                        let r = wi * (sigmoid(z) - y);
                        buf[t] = r;
                        bias_grad[0] += r;
                    } else {
                        let mut zmax = f64::NEG_INFINITY;
                        for c in 0..k {
                            p[c] = buf[c * len + t] + intercept[c];
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
                            buf[c * len + t] = r;
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
        x.gradient(&self.resid, k, gw);
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
            return Err(Error::invalid_parameter("c", self.c, "> 0 (or infinity)"));
        }
        validate::in_closed_range("l1_ratio", self.l1_ratio, 0.0, 1.0, "in [0, 1]")?;
        validate::non_negative_param("tol", self.tol)?;
        validate::at_least("max_iter", self.max_iter, 1, ">= 1")
    }

    /// Fits on dense or CSR `x` with unit sample weights.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `c ≤ 0`, `l1_ratio` outside [0, 1], `tol < 0`,
    /// `max_iter = 0` or bad class weights; [`Error::EmptyInput`], [`Error::NonFinite`],
    /// [`Error::InvalidData`] (unsorted CSR rows) or [`Error::ShapeMismatch`] for the
    /// data; [`Error::TooFewClasses`] for one class.
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<LogisticRegressionModel<L>> {
        self.fit_input(x.into(), y, None)
    }

    /// Fits on dense or CSR `x` with one weight per sample.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus invalid `sample_weight` (wrong length, negative,
    /// non-finite, all zero).
    pub fn fit_weighted<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<LogisticRegressionModel<L>> {
        self.fit_input(x.into(), y, Some(sample_weight))
    }

    fn fit_input<L: Label>(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<LogisticRegressionModel<L>> {
        self.check()?;
        validate::features(x)?;
        validate::targets_len(x.nrows(), y.len())?;
        if let Some(sw) = sample_weight {
            validate::sample_weight(sw, x.nrows())?;
        }
        // Features far from 1 in magnitude (past 2^±32) are fitted in units of a power
        // of two near their largest value, with the penalties rescaled to match, so
        // the loss is evaluated where it is well conditioned (at 1e19 the first
        // L-BFGS step overshoots by 19 orders of magnitude) and the same model comes
        // out. Ordinary data is fitted as it is, bit for bit.
        let unit = match ml_core::kernels::pow2_magnitude(features_max_abs(x)) {
            u if (1.0 / RESCALE_BEYOND..=RESCALE_BEYOND).contains(&u) => 1.0,
            u => u,
        };
        match x {
            Features::Dense(x) => {
                let mut owned = None;
                let x = if unit == 1.0 {
                    contiguous(x, &mut owned)
                } else {
                    owned
                        .insert(Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] / unit))
                        .as_ref()
                };
                let design = Design {
                    x: Features::Dense(x),
                    xt: None,
                };
                self.fit_design(&design, y, sample_weight, unit)
            }
            Features::Sparse(x) => {
                let mut scaled = None;
                let x = if unit == 1.0 {
                    x
                } else {
                    scaled.insert(sparse::csr_scaled(x, 1.0 / unit)).as_ref()
                };
                let design = Design {
                    x: Features::Sparse(x),
                    xt: Some(sparse::csr_transpose(x)?),
                };
                self.fit_design(&design, y, sample_weight, unit)
            }
        }
    }

    /// Fits on `x`, the features divided by `unit` (a power of two): the penalties are
    /// rescaled so that the coefficients found, divided by `unit`, are those of the
    /// original features.
    fn fit_design<L: Label>(
        &self,
        x: &Design<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
        unit: f64,
    ) -> Result<LogisticRegressionModel<L>> {
        let enc = validate::encode_labels(y, 2)?;
        let n_classes = enc.classes.len();
        let (n, d) = (x.nrows(), x.ncols());
        let mut weights: Vec<f64> = sample_weight.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        if let Some(cw) = &self.class_weight {
            let per_class = cw.per_class(&enc.codes, Some(&weights), n_classes)?;
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
            l2: penalty * (1.0 - self.l1_ratio) / (unit * unit),
            resid: (0..n.div_ceil(BLOCK))
                .map(|b| vec![0.0; k * BLOCK.min(n - b * BLOCK)])
                .collect(),
        };
        let n_params = d * k + if self.fit_intercept { k } else { 0 };
        let rule = StopRule {
            gtol: self.tol,
            ftol: 0.0,
            max_iter: self.max_iter,
        };
        let l1 = penalty * self.l1_ratio / unit;
        let opt = if l1 > 0.0 {
            fista(&mut loss, vec![0.0; n_params], l1, d * k, &rule)
        } else {
            lbfgs(&mut loss, vec![0.0; n_params], &rule)
        };
        if opt.overflowed {
            return Err(Error::NumericalFailure {
                estimator: "LogisticRegression",
                reason: "the loss or its gradient at the start is not finite".to_owned(),
            });
        }
        let coef = Mat::from_fn(d, k, |j, c| opt.x[c * d + j] / unit);
        let intercept = if self.fit_intercept {
            opt.x[d * k..].to_vec()
        } else {
            vec![0.0; k]
        };
        validate::fitted(
            "LogisticRegression",
            LogisticRegressionModel {
                classes: enc.classes,
                coef,
                intercept,
                n_iter: opt.n_iter,
                converged: opt.converged,
            },
        )
    }
}

/// 2^32: features whose largest magnitude lies within 2^±32 of 1 are fitted as they
/// are (raw measurements, counts, incomes); beyond, the first L-BFGS steps misjudge the
/// scale by more than the line search can recover.
const RESCALE_BEYOND: f64 = 4_294_967_296.0;

/// The largest magnitude of the features (stored entries for CSR).
fn features_max_abs(x: Features<'_>) -> f64 {
    match x {
        Features::Dense(x) => ml_core::kernels::max_abs_mat(x),
        Features::Sparse(x) => (0..x.nrows())
            .map(|i| ml_core::kernels::max_abs(x.val_of_row(i).iter().copied()))
            .fold(0.0, f64::max),
    }
}

/// `x` itself when its columns are contiguous, else a column-major copy in `slot`.
fn contiguous<'a>(x: MatRef<'a, f64>, slot: &'a mut Option<Mat<f64>>) -> MatRef<'a, f64> {
    if x.row_stride() == 1 {
        x
    } else {
        slot.insert(x.to_owned()).as_ref()
    }
}

impl<L: Label> Fit<[L]> for LogisticRegression {
    type Model = LogisticRegressionModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<LogisticRegressionModel<L>> {
        LogisticRegression::fit(self, x, y)
    }
}

impl<L: Label> FitWeighted<[L]> for LogisticRegression {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<LogisticRegressionModel<L>> {
        LogisticRegression::fit_weighted(self, x, y, sample_weight)
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

    /// The logits of `x` (dense or CSR): `n × 1` for two classes (log-odds of
    /// `classes()[1]`), else `n × k`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, or another number of columns than at fit time.
    pub fn decision_function<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into();
        validate::features_with_n(x, self.coef.nrows())?;
        Ok(decision(x, self.coef.as_ref(), &self.intercept))
    }

    /// Log-probabilities, one column per class, computed in log space (no underflow).
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_log_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let z = self.decision_function(x)?;
        Ok(self.log_proba_from(&z))
    }

    /// Class probabilities, one column per class; each row sums to 1.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let z = self.decision_function(x)?;
        Ok(self.proba_from(&z))
    }

    /// The most probable class of every row.
    ///
    /// # Errors
    /// As [`decision_function`](Self::decision_function).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let z = self.decision_function(x)?;
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

impl<L: Label> Fitted for LogisticRegressionModel<L> {
    fn n_features_in(&self) -> usize {
        self.coef.nrows()
    }
}

impl<L: Label> Predict for LogisticRegressionModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        LogisticRegressionModel::predict(self, x)
    }
}

impl<L: Label> PredictProba for LogisticRegressionModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        LogisticRegressionModel::predict_proba(self, x)
    }
}

impl<L: Label + Serialize + DeserializeOwned + Debug> Persist for LogisticRegressionModel<L> {
    const MODEL_NAME: &'static str = "ml_supervised::LogisticRegressionModel";
}

impl<L: Label + Debug> Invariants for LogisticRegressionModel<L> {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        crate::linear::check_linear_classifier(&self.classes, self.coef.as_ref(), &self.intercept)
    }
}
