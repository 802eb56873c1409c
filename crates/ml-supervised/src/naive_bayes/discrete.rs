//! The count models [`MultinomialNb`], [`ComplementNb`] and [`BernoulliNb`], and the
//! one core they share.
//!
//! All three keep the same sufficient statistics — the (weighted) number of samples of
//! every class and the (weighted) sum of every feature over the samples of every class —
//! and predict with a joint log-likelihood that is linear in `X`: `X · W + b`, with
//! `W` (features × classes) and `b` (one per class) derived from the counts by each
//! model's rule. So counting, validation, the dense GEMM and the sparse product live
//! once here ([`LinearCore`]); each model contributes its rule ([`Rule`]).
//!
//! Counts are added sample by sample, in order, directly into the running totals
//! (in parallel over features for dense input: each feature's column is one ordered
//! sum), so `fit` and any chunking into `partial_fit` perform the same floating-point
//! operations and give identical models.

use faer::{Mat, MatRef};
use ml_core::sparse::CsrRef;
use ml_core::{Error, Features, Fit, FitWeighted, Label, Result, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ROW_BLOCK, check_priors, classes_and_codes, codes_of, jll_model};
use crate::linear::dense_decision;

/// The smallest `alpha` used when `force_alpha` is false (scikit-learn's bound).
const ALPHA_MIN: f64 = 1e-10;

/// The hyper-parameters every count model has.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DiscreteParams {
    pub(super) alpha: f64,
    pub(super) force_alpha: bool,
    pub(super) fit_prior: bool,
    pub(super) class_prior: Option<Vec<f64>>,
}

impl DiscreteParams {
    pub(super) fn new() -> Self {
        Self {
            alpha: 1.0,
            force_alpha: true,
            fit_prior: true,
            class_prior: None,
        }
    }

    pub(super) fn check(&self) -> Result<()> {
        validate::non_negative_param("alpha", self.alpha)?;
        if self.force_alpha && self.alpha < ALPHA_MIN {
            // scikit-learn keeps such an alpha and returns NaN probabilities for any
            // row with a feature a class never showed (log 0); refusing says why.
            return Err(Error::invalid_parameter(
                "alpha",
                self.alpha,
                "at least 1e-10 when force_alpha is true: a smaller alpha gives a zero probability, log 0 = -inf, to every feature a \
                 class never showed, and NaN probabilities (force_alpha(false) raises it \
                 to 1e-10 as scikit-learn does)",
            ));
        }
        Ok(())
    }

    /// `alpha`, raised to 1e-10 when `force_alpha` is false.
    pub(super) fn effective_alpha(&self) -> f64 {
        if self.force_alpha {
            self.alpha
        } else {
            self.alpha.max(ALPHA_MIN)
        }
    }
}

/// How a count model turns its counts into the weights of its joint log-likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Rule {
    Multinomial,
    Complement { norm: bool },
    Bernoulli { binarize: Option<f64> },
}

impl Rule {
    fn name(self) -> &'static str {
        match self {
            Rule::Multinomial => "MultinomialNB",
            Rule::Complement { .. } => "ComplementNB",
            Rule::Bernoulli { .. } => "BernoulliNB",
        }
    }

    fn binarize(self) -> Option<f64> {
        match self {
            Rule::Bernoulli { binarize } => binarize,
            _ => None,
        }
    }

    fn check(self) -> Result<()> {
        if let Some(t) = self.binarize()
            && !t.is_finite()
        {
            return Err(Error::invalid_parameter(
                "binarize",
                t,
                "a finite threshold, or None",
            ));
        }
        Ok(())
    }
}

/// `v > t` as 1 or 0 (scikit-learn's `binarize`), or `v` itself.
#[inline]
fn transform(v: f64, binarize: Option<f64>) -> f64 {
    match binarize {
        Some(t) => f64::from(u8::from(v > t)),
        None => v,
    }
}

/// The fitted state of a count model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LinearCore<L> {
    rule: Rule,
    alpha: f64,
    fit_prior: bool,
    class_prior: Option<Vec<f64>>,
    classes: Vec<L>,
    class_count: Vec<f64>,
    /// `d × k`, feature-major: `feature_count[j * k + c]`.
    feature_count: Vec<f64>,
    /// `k × d`.
    #[serde(with = "ml_core::persist::mat")]
    feature_log_prob: Mat<f64>,
    class_log_prior: Vec<f64>,
    /// `d × k`: the joint log-likelihood is `X · weights + bias`.
    #[serde(with = "ml_core::persist::mat")]
    weights: Mat<f64>,
    bias: Vec<f64>,
}

impl<L: Label> LinearCore<L> {
    /// What [`Invariants::check_invariants`](ml_core::persist::Invariants::check_invariants)
    /// checks of every count model: `rule` is the model's own kind, and the counts,
    /// log-probabilities, weights and bias agree in shape and are finite.
    fn check_invariants(&self, own_rule: Rule) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::ensure(
            std::mem::discriminant(&self.rule) == std::mem::discriminant(&own_rule),
            || format!("the payload is a {} model", self.rule.name()),
        )?;
        super::check_class_state(
            &self.classes,
            &self.class_count,
            &self.class_log_prior,
            self.class_prior.as_deref(),
        )?;
        inv::ensure(self.alpha.is_finite() && self.alpha >= 0.0, || {
            format!("alpha {} is not finite and non-negative", self.alpha)
        })?;
        let (k, d) = (self.classes.len(), self.weights.nrows());
        inv::not_empty("weights rows", d)?;
        inv::shape("weights", self.weights.as_ref(), d, k)?;
        inv::shape("feature_log_prob", self.feature_log_prob.as_ref(), k, d)?;
        inv::len("feature_count", self.feature_count.len(), d * k)?;
        inv::len("bias", self.bias.len(), k)?;
        inv::non_negative("feature_count", &self.feature_count)?;
        inv::finite_mat("weights", self.weights.as_ref())?;
        inv::finite_mat("feature_log_prob", self.feature_log_prob.as_ref())?;
        // A declared class not seen yet (partial_fit) has prior 0: a bias of -inf.
        inv::ensure(
            self.bias.iter().all(|b| !b.is_nan() && *b < f64::INFINITY),
            || "a bias is NaN or +inf".to_owned(),
        )
    }

    /// An empty model over `classes` (sorted, distinct) and `n_features` features.
    fn start(
        params: &DiscreteParams,
        rule: Rule,
        classes: Vec<L>,
        n_features: usize,
    ) -> Result<Self> {
        params.check()?;
        rule.check()?;
        let k = classes.len();
        if let Some(p) = &params.class_prior {
            check_priors("class_prior", p, k)?;
        }
        Ok(Self {
            rule,
            alpha: params.effective_alpha(),
            fit_prior: params.fit_prior,
            class_prior: params.class_prior.clone(),
            classes,
            class_count: vec![0.0; k],
            feature_count: vec![0.0; n_features * k],
            feature_log_prob: Mat::zeros(k, n_features),
            class_log_prior: vec![0.0; k],
            weights: Mat::zeros(n_features, k),
            bias: vec![0.0; k],
        })
    }

    /// The fit-time checks of a batch: non-empty, finite, non-negative for the models
    /// that need counts, a CSR threshold that keeps zeros at zero.
    fn check_batch(rule: Rule, x: Features<'_>, y_len: usize, sw: Option<&[f64]>) -> Result<()> {
        rule.check()?;
        validate::features(x)?;
        if !matches!(rule, Rule::Bernoulli { .. }) {
            validate::features_non_negative(x, rule.name())?;
        }
        if x.is_sparse() {
            check_sparse_threshold(rule)?;
        }
        validate::targets_len(x.nrows(), y_len)?;
        if let Some(w) = sw {
            validate::sample_weight(w, x.nrows())?;
        }
        Ok(())
    }

    /// Fits from scratch on one batch: `fit` (`declared` is `None`) or the first
    /// `partial_fit`, which declares the classes.
    pub(crate) fn fit(
        params: &DiscreteParams,
        rule: Rule,
        x: Features<'_>,
        y: &[L],
        declared: Option<&[L]>,
        sw: Option<&[f64]>,
    ) -> Result<Self> {
        params.check()?;
        Self::check_batch(rule, x, y.len(), sw)?;
        let (classes, codes) = classes_and_codes(y, declared)?;
        let mut core = Self::start(params, rule, classes, x.ncols())?;
        core.add(x, &codes, sw);
        Ok(core)
    }

    /// A later `partial_fit`: adds the batch to the counts.
    pub(crate) fn next_batch(
        &mut self,
        x: Features<'_>,
        y: &[L],
        sw: Option<&[f64]>,
    ) -> Result<()> {
        Self::check_batch(self.rule, x, y.len(), sw)?;
        validate::n_features_eq(x.ncols(), self.n_features())?;
        let codes = codes_of(&self.classes, y)?;
        self.add(x, &codes, sw);
        Ok(())
    }

    /// Adds a validated batch to the counts, then recomputes the weights.
    fn add(&mut self, x: Features<'_>, codes: &[usize], sw: Option<&[f64]>) {
        let k = self.classes.len();
        match sw {
            Some(w) => codes
                .iter()
                .zip(w)
                .for_each(|(&c, &wi)| self.class_count[c] += wi),
            None => codes.iter().for_each(|&c| self.class_count[c] += 1.0),
        }
        let binarize = self.rule.binarize();
        match x {
            Features::Dense(x) => {
                self.feature_count
                    .par_chunks_mut(k)
                    .enumerate()
                    .for_each(|(j, acc)| {
                        let col = x.col(j);
                        match sw {
                            None => {
                                for (&c, &v) in codes.iter().zip(col.iter()) {
                                    acc[c] += transform(v, binarize);
                                }
                            }
                            Some(w) => {
                                for ((&c, &v), &wi) in codes.iter().zip(col.iter()).zip(w) {
                                    acc[c] += wi * transform(v, binarize);
                                }
                            }
                        }
                    });
            }
            Features::Sparse(x) => {
                for (i, &c) in codes.iter().enumerate() {
                    let wi = sw.map(|w| w[i]);
                    for (&j, &v) in x.col_idx_of_row_raw(i).iter().zip(x.val_of_row(i)) {
                        let t = transform(v, binarize);
                        self.feature_count[j * k + c] += match wi {
                            Some(wi) => wi * t,
                            None => t,
                        };
                    }
                }
            }
        }
        self.update_weights();
    }

    /// Recomputes the class log prior, `feature_log_prob` and the linear weights from
    /// the counts.
    fn update_weights(&mut self) {
        let k = self.classes.len();
        let d = self.n_features();
        let alpha = self.alpha;
        let fc = |j: usize, c: usize| self.feature_count[j * k + c];
        self.class_log_prior = class_log_prior(
            self.class_prior.as_deref(),
            self.fit_prior,
            &self.class_count,
        );
        let mut flp = Mat::<f64>::zeros(k, d);
        let mut weights = Mat::<f64>::zeros(d, k);
        let mut bias = vec![0.0; k];
        match self.rule {
            Rule::Multinomial => {
                for c in 0..k {
                    let total: f64 = (0..d).map(|j| fc(j, c) + alpha).sum();
                    let log_total = total.ln();
                    for j in 0..d {
                        flp[(c, j)] = (fc(j, c) + alpha).ln() - log_total;
                        weights[(j, c)] = flp[(c, j)];
                    }
                    bias[c] = self.class_log_prior[c];
                }
            }
            Rule::Complement { norm } => {
                let all: Vec<f64> = (0..d).map(|j| (0..k).map(|c| fc(j, c)).sum()).collect();
                for c in 0..k {
                    let comp: Vec<f64> = (0..d).map(|j| all[j] + alpha - fc(j, c)).collect();
                    let total: f64 = comp.iter().sum();
                    let logged: Vec<f64> = comp.iter().map(|v| (v / total).ln()).collect();
                    let summed: f64 = logged.iter().sum();
                    for j in 0..d {
                        // With one feature every class's log-share is 0: 0 / 0, which
                        // scikit-learn leaves NaN; every class then weighs the same, 0.
                        flp[(c, j)] = if !norm {
                            -logged[j]
                        } else if summed == 0.0 {
                            0.0
                        } else {
                            logged[j] / summed
                        };
                        weights[(j, c)] = flp[(c, j)];
                    }
                    // The prior only matters (and only counts) with a single class.
                    bias[c] = if k == 1 { self.class_log_prior[c] } else { 0.0 };
                }
            }
            Rule::Bernoulli { .. } => {
                for c in 0..k {
                    let log_total = (self.class_count[c] + 2.0 * alpha).ln();
                    let mut neg_sum = 0.0;
                    for j in 0..d {
                        let lp = (fc(j, c) + alpha).ln() - log_total;
                        let neg = (1.0 - lp.exp()).ln();
                        flp[(c, j)] = lp;
                        weights[(j, c)] = lp - neg;
                        neg_sum += neg;
                    }
                    bias[c] = self.class_log_prior[c] + neg_sum;
                }
            }
        }
        self.feature_log_prob = flp;
        self.weights = weights;
        self.bias = bias;
    }

    pub(crate) fn n_features(&self) -> usize {
        self.weights.nrows()
    }

    /// The joint log-likelihood of validated-here input.
    pub(crate) fn jll(&self, x: Features<'_>) -> Result<Mat<f64>> {
        let binarize = self.rule.binarize();
        match x {
            Features::Dense(x) => {
                validate::matrix_with_features(x, self.n_features())?;
                match binarize {
                    None => Ok(dense_decision(x, self.weights.as_ref(), &self.bias)),
                    Some(t) => {
                        let xb = Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
                            transform(x[(i, j)], Some(t))
                        });
                        Ok(dense_decision(
                            xb.as_ref(),
                            self.weights.as_ref(),
                            &self.bias,
                        ))
                    }
                }
            }
            Features::Sparse(x) => {
                validate::features_with_n(x.into(), self.n_features())?;
                check_sparse_threshold(self.rule)?;
                Ok(csr_linear(x, self.weights.as_ref(), &self.bias, binarize))
            }
        }
    }

    pub(crate) fn classes(&self) -> &[L] {
        &self.classes
    }

    /// `k × d` counts, as scikit-learn's `feature_count_`.
    pub(crate) fn feature_count(&self) -> Mat<f64> {
        let k = self.classes.len();
        Mat::from_fn(k, self.n_features(), |c, j| self.feature_count[j * k + c])
    }
}

/// The log prior of every class: fixed, learnt from the class counts, or uniform.
pub(super) fn class_log_prior(
    class_prior: Option<&[f64]>,
    fit_prior: bool,
    class_count: &[f64],
) -> Vec<f64> {
    if let Some(p) = class_prior {
        p.iter().map(|v| v.ln()).collect()
    } else if fit_prior {
        let log_total = class_count.iter().sum::<f64>().ln();
        class_count.iter().map(|c| c.ln() - log_total).collect()
    } else {
        vec![-(class_count.len() as f64).ln(); class_count.len()]
    }
}

/// A negative binarisation threshold would turn the implicit zeros of a sparse matrix
/// into ones (scikit-learn refuses it too).
fn check_sparse_threshold(rule: Rule) -> Result<()> {
    if let Some(t) = rule.binarize()
        && t < 0.0
    {
        return Err(Error::invalid_parameter(
            "binarize",
            t,
            "a threshold >= 0 for sparse input (or densify X)",
        ));
    }
    Ok(())
}

/// `transform(X) · W + b` for CSR `X`, parallel over fixed row blocks.
fn csr_linear(x: CsrRef<'_>, w: MatRef<'_, f64>, bias: &[f64], binarize: Option<f64>) -> Mat<f64> {
    let (n, k) = (x.nrows(), w.ncols());
    let w_rows: Vec<f64> = (0..w.nrows())
        .flat_map(|j| (0..k).map(move |c| w[(j, c)]))
        .collect();
    let mut out = vec![0.0f64; n * k];
    out.par_chunks_mut(ROW_BLOCK * k)
        .enumerate()
        .for_each(|(blk, chunk)| {
            for (r, row) in chunk.chunks_exact_mut(k).enumerate() {
                let i = blk * ROW_BLOCK + r;
                for (&j, &v) in x.col_idx_of_row_raw(i).iter().zip(x.val_of_row(i)) {
                    let t = transform(v, binarize);
                    for (o, &wv) in row.iter_mut().zip(&w_rows[j * k..(j + 1) * k]) {
                        *o += t * wv;
                    }
                }
                for (o, &b) in row.iter_mut().zip(bias) {
                    *o += b;
                }
            }
        });
    Mat::from_fn(n, k, |i, c| out[i * k + c])
}

/// The builder methods, fitting entry points and trait impls that every count model
/// shares; `$est` has a `params: DiscreteParams` field and a `rule()` method, `$model`
/// a `core: LinearCore<L>` field.
macro_rules! count_model {
    ($est:ident, $model:ident, $name:literal) => {
        impl Default for $est {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $est {
            /// Additive (Laplace/Lidstone) smoothing. Default: 1.0. With `force_alpha`
            /// (the default) it must be at least 1e-10: scikit-learn accepts 0 and
            /// returns NaN probabilities for unseen features; here `fit` refuses it.
            pub fn alpha(mut self, alpha: f64) -> Self {
                self.params.alpha = alpha;
                self
            }

            /// Whether `alpha` is used as given; when false, an `alpha` below 1e-10 is
            /// raised to 1e-10. Default: true.
            pub fn force_alpha(mut self, force_alpha: bool) -> Self {
                self.params.force_alpha = force_alpha;
                self
            }

            /// Whether to learn the class priors from the class counts; when false,
            /// every class gets the same prior. Ignored when
            /// [`class_prior`](Self::class_prior) is set. Default: true.
            pub fn fit_prior(mut self, fit_prior: bool) -> Self {
                self.params.fit_prior = fit_prior;
                self
            }

            /// Fixed class priors, one per sorted class, non-negative and summing to 1.
            /// Default: `None` (learnt or uniform, see [`fit_prior`](Self::fit_prior)).
            pub fn class_prior(mut self, class_prior: Option<Vec<f64>>) -> Self {
                self.params.class_prior = class_prior;
                self
            }

            /// Fits on dense or CSR `x` (one row per sample, e.g. word counts).
            ///
            /// # Errors
            /// [`Error::InvalidParameter`] for `alpha < 0` (or not finite), a bad
            /// `class_prior` (wrong length: [`Error::ShapeMismatch`]) or threshold;
            /// [`Error::EmptyInput`], [`Error::NonFinite`], [`Error::InvalidData`]
            /// (unsorted CSR rows) or [`Error::ShapeMismatch`] for the data;
            /// [`Error::NegativeValue`] for a negative count (multinomial and
            /// complement models).
            pub fn fit<'a, L: Label>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[L],
            ) -> Result<$model<L>> {
                self.fit_input(x.into(), y, None, None)
            }

            /// Fits on dense or CSR `x` with one non-negative weight per sample.
            ///
            /// # Errors
            /// As [`fit`](Self::fit), plus invalid `sample_weight` (wrong length,
            /// negative, non-finite, all zero).
            pub fn fit_weighted<'a, L: Label>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[L],
                sample_weight: &[f64],
            ) -> Result<$model<L>> {
                self.fit_input(x.into(), y, None, Some(sample_weight))
            }

            /// Starts online learning: declares every class that any batch may hold
            /// (`classes`, in any order) and fits the first batch (dense or CSR).
            /// Later batches go to the model's `partial_fit`.
            ///
            /// # Errors
            /// As [`fit`](Self::fit), plus [`Error::EmptyInput`] for no classes and
            /// [`Error::UnknownLabel`] for a label of `y` not in `classes`.
            pub fn partial_fit<'a, L: Label>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[L],
                classes: &[L],
            ) -> Result<$model<L>> {
                self.fit_input(x.into(), y, Some(classes), None)
            }

            /// [`partial_fit`](Self::partial_fit) with one weight per sample.
            ///
            /// # Errors
            /// As [`partial_fit`](Self::partial_fit) and [`fit_weighted`](Self::fit_weighted).
            pub fn partial_fit_weighted<'a, L: Label>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[L],
                classes: &[L],
                sample_weight: &[f64],
            ) -> Result<$model<L>> {
                self.fit_input(x.into(), y, Some(classes), Some(sample_weight))
            }

            /// `fit` (`declared` is `None`) or the first `partial_fit`, on either input.
            fn fit_input<L: Label>(
                &self,
                x: Features<'_>,
                y: &[L],
                declared: Option<&[L]>,
                sw: Option<&[f64]>,
            ) -> Result<$model<L>> {
                let core = LinearCore::fit(&self.params, self.rule(), x, y, declared, sw)?;
                validate::fitted(stringify!($est), $model { core })
            }
        }

        impl<L: Label> Fit<[L]> for $est {
            type Model = $model<L>;

            fn fit(&self, x: Features<'_>, y: &[L]) -> Result<$model<L>> {
                $est::fit(self, x, y)
            }
        }

        impl<L: Label> FitWeighted<[L]> for $est {
            fn fit_weighted(
                &self,
                x: Features<'_>,
                y: &[L],
                sample_weight: &[f64],
            ) -> Result<$model<L>> {
                $est::fit_weighted(self, x, y, sample_weight)
            }
        }

        impl<L: Label> $model<L> {
            /// Adds one batch of samples (dense or CSR; online learning); every label
            /// must be one of the classes declared at the start.
            ///
            /// # Errors
            /// The data errors of the estimator's `fit`, [`Error::ShapeMismatch`] for a
            /// number of features other than the first batch's, [`Error::UnknownLabel`]
            /// for an undeclared label.
            pub fn partial_fit<'a>(&mut self, x: impl Into<Features<'a>>, y: &[L]) -> Result<()> {
                self.core.next_batch(x.into(), y, None)
            }

            /// [`partial_fit`](Self::partial_fit) with one weight per sample.
            ///
            /// # Errors
            /// As [`partial_fit`](Self::partial_fit), plus invalid `sample_weight`.
            pub fn partial_fit_weighted<'a>(
                &mut self,
                x: impl Into<Features<'a>>,
                y: &[L],
                sample_weight: &[f64],
            ) -> Result<()> {
                self.core.next_batch(x.into(), y, Some(sample_weight))
            }

            /// The sorted classes (`classes_`).
            pub fn classes(&self) -> &[L] {
                self.core.classes()
            }

            /// The (weighted) number of samples of every class (`class_count_`).
            pub fn class_count(&self) -> &[f64] {
                &self.core.class_count
            }

            /// The log prior of every class (`class_log_prior_`).
            pub fn class_log_prior(&self) -> &[f64] {
                &self.core.class_log_prior
            }

            /// The (weighted) sum of every feature over the samples of every class,
            /// one row per class (`feature_count_`).
            pub fn feature_count(&self) -> Mat<f64> {
                self.core.feature_count()
            }

            /// The smoothed per-class feature weights, one row per class
            /// (`feature_log_prob_`).
            pub fn feature_log_prob(&self) -> MatRef<'_, f64> {
                self.core.feature_log_prob.as_ref()
            }

            /// The number of features seen at fit time.
            pub fn n_features_in(&self) -> usize {
                self.core.n_features()
            }

            fn check_invariants(&self) -> std::result::Result<(), String> {
                self.core.check_invariants($est::new().rule())
            }

            /// The joint log-likelihood `log P(c) + log P(x | c)` of every row and
            /// class of dense or CSR `x` (`predict_joint_log_proba`).
            ///
            /// # Errors
            /// Empty or non-finite `x`, or another number of columns than at fit time.
            pub fn predict_joint_log_proba<'a>(
                &self,
                x: impl Into<Features<'a>>,
            ) -> Result<Mat<f64>> {
                self.core.jll(x.into())
            }
        }

        jll_model!($model, $name);
    };
}

/// Multinomial naive Bayes, as scikit-learn 1.9's `MultinomialNB`: for counts such as
/// the word counts of documents.
///
/// `feature_log_prob[c][j] = ln(N_cj + α) − ln Σ_j (N_cj + α)` with `N_cj` the count of
/// feature `j` in class `c`; the joint log-likelihood is `X · feature_log_probᵀ + log
/// prior`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::MultinomialNb;
///
/// // Word counts of ["money", "free", "meeting", "lunch"] in six messages.
/// let x = mat![
///     [2.0, 1.0, 0.0, 0.0],
///     [1.0, 2.0, 0.0, 0.0],
///     [3.0, 0.0, 0.0, 1.0],
///     [0.0, 0.0, 2.0, 1.0],
///     [0.0, 1.0, 1.0, 2.0],
///     [0.0, 0.0, 1.0, 1.0],
/// ];
/// let y = ["spam", "spam", "spam", "ham", "ham", "ham"];
/// let model = MultinomialNb::new().fit(x.as_ref(), &y)?;
/// assert_eq!(model.classes(), &["ham", "spam"]);
/// let new = mat![[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]];
/// assert_eq!(model.predict(new.as_ref())?, vec!["spam", "ham"]);
/// let p = model.predict_proba(new.as_ref())?;
/// assert!((p[(0, 0)] + p[(0, 1)] - 1.0).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "MultinomialNB")]
#[derive(Debug, Clone, PartialEq)]
pub struct MultinomialNb {
    params: DiscreteParams,
}

impl MultinomialNb {
    /// Multinomial naive Bayes with scikit-learn's defaults (`alpha = 1`,
    /// `force_alpha`, `fit_prior`, no fixed prior).
    pub fn new() -> Self {
        Self {
            params: DiscreteParams::new(),
        }
    }

    fn rule(&self) -> Rule {
        Rule::Multinomial
    }
}

/// A fitted [`MultinomialNb`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MultinomialNbModel<L> {
    core: LinearCore<L>,
}

count_model!(
    MultinomialNb,
    MultinomialNbModel,
    "ml_supervised::MultinomialNbModel"
);

/// Complement naive Bayes, as scikit-learn 1.9's `ComplementNB` (Rennie et al., 2003):
/// the multinomial model fitted on every class's complement, suited to imbalanced
/// classes.
///
/// With `comp[c][j] = Σ_c' N_c'j + α − N_cj`, the weights are
/// `w[c][j] = −ln(comp[c][j] / Σ_j comp[c][j])`, or with [`norm`](Self::norm) the
/// logs divided by their sum over features. The joint log-likelihood is `X · wᵀ`; as in
/// scikit-learn the class prior is ignored, except when there is one class.
///
/// ```
/// use faer::mat;
/// use ml_supervised::ComplementNb;
///
/// let x = mat![[3.0, 0.0, 1.0], [2.0, 1.0, 0.0], [0.0, 2.0, 3.0], [1.0, 3.0, 2.0]];
/// let model = ComplementNb::new().fit(x.as_ref(), &[0, 0, 1, 1])?;
/// assert_eq!(model.predict(mat![[4.0, 0.0, 0.0], [0.0, 1.0, 4.0]].as_ref())?, vec![0, 1]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "ComplementNB")]
#[derive(Debug, Clone, PartialEq)]
pub struct ComplementNb {
    params: DiscreteParams,
    norm: bool,
}

impl ComplementNb {
    /// Complement naive Bayes with scikit-learn's defaults (`alpha = 1`, `norm = false`).
    pub fn new() -> Self {
        Self {
            params: DiscreteParams::new(),
            norm: false,
        }
    }

    /// Whether to normalise the weights of every class (the second normalisation of
    /// Rennie et al.). Default: false.
    pub fn norm(mut self, norm: bool) -> Self {
        self.norm = norm;
        self
    }

    fn rule(&self) -> Rule {
        Rule::Complement { norm: self.norm }
    }
}

/// A fitted [`ComplementNb`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComplementNbModel<L> {
    core: LinearCore<L>,
}

count_model!(
    ComplementNb,
    ComplementNbModel,
    "ml_supervised::ComplementNbModel"
);

/// Bernoulli naive Bayes, as scikit-learn 1.9's `BernoulliNB`: for binary features
/// (a word is present or not).
///
/// Features are first binarised (`x > binarize` is 1, else 0; `None` takes `X` as
/// already binary). With `p[c][j] = (N_cj + α) / (N_c + 2α)`, the joint log-likelihood
/// is `X · (ln p − ln(1 − p))ᵀ + Σ_j ln(1 − p) + log prior`: absent features count too.
///
/// ```
/// use faer::mat;
/// use ml_supervised::BernoulliNb;
///
/// let x = mat![[1.0, 0.0, 3.0], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 4.0, 0.0]];
/// let model = BernoulliNb::new().fit(x.as_ref(), &["a", "a", "b", "b"])?;
/// assert_eq!(model.predict(mat![[5.0, 0.0, 1.0], [0.0, 1.0, 0.0]].as_ref())?, vec!["a", "b"]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "BernoulliNB")]
#[derive(Debug, Clone, PartialEq)]
pub struct BernoulliNb {
    params: DiscreteParams,
    binarize: Option<f64>,
}

impl BernoulliNb {
    /// Bernoulli naive Bayes with scikit-learn's defaults (`alpha = 1`,
    /// `binarize = Some(0.0)`).
    pub fn new() -> Self {
        Self {
            params: DiscreteParams::new(),
            binarize: Some(0.0),
        }
    }

    /// The threshold above which a feature counts as present; `None` uses `X` as it
    /// is (already binary). For CSR input the threshold must be `>= 0`. Default:
    /// `Some(0.0)`.
    pub fn binarize(mut self, binarize: Option<f64>) -> Self {
        self.binarize = binarize;
        self
    }

    fn rule(&self) -> Rule {
        Rule::Bernoulli {
            binarize: self.binarize,
        }
    }
}

/// A fitted [`BernoulliNb`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BernoulliNbModel<L> {
    core: LinearCore<L>,
}

count_model!(
    BernoulliNb,
    BernoulliNbModel,
    "ml_supervised::BernoulliNbModel"
);
