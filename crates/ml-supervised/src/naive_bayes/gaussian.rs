//! [`GaussianNb`]: one normal distribution per class and feature.
//!
//! Fitting computes, per class, the (weighted) mean `theta` and the population
//! variance of every feature in two passes over the data (in parallel over features),
//! then adds `epsilon = var_smoothing · max_j Var(X[:, j])` to every variance, the
//! variance taken over all samples, unweighted, as scikit-learn does.
//!
//! Online learning merges each batch into the running statistics with the
//! Chan–Golub–LeVeque update (`n`, mean and sum of squared deviations), per class and,
//! for `epsilon`, over all samples. scikit-learn takes `epsilon` from the last batch
//! only; here it comes from every sample seen so far, so chunked `partial_fit` agrees
//! with `fit` up to rounding (about 1e-12 relative) instead of by about `epsilon`.

use faer::{Mat, MatRef};
use ml_core::{Error, Features, Fit, FitWeighted, Label, Result, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ROW_BLOCK, check_priors, classes_and_codes, codes_of, jll_model};

/// Gaussian naive Bayes, as scikit-learn 1.9's `GaussianNB`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::GaussianNb;
///
/// let x = mat![[-1.0, -1.0], [-2.0, -1.0], [-3.0, -2.0], [1.0, 1.0], [2.0, 1.0], [3.0, 2.0]];
/// let y = [1, 1, 1, 2, 2, 2];
/// let model = GaussianNb::new().fit(x.as_ref(), &y)?;
/// assert_eq!(model.predict(mat![[-0.8, -1.0]].as_ref())?, vec![1]);
/// assert_eq!(model.theta()[(1, 0)], 2.0);
///
/// // The same model, learnt online in two batches.
/// let mut online = GaussianNb::new().partial_fit(x.subrows(0, 4), &y[..4], &[1, 2])?;
/// online.partial_fit(x.subrows(4, 2), &y[4..])?;
/// assert!((online.theta()[(1, 0)] - 2.0).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "GaussianNB")]
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianNb {
    priors: Option<Vec<f64>>,
    var_smoothing: f64,
}

impl Default for GaussianNb {
    fn default() -> Self {
        Self::new()
    }
}

impl GaussianNb {
    /// Gaussian naive Bayes with scikit-learn's defaults (`var_smoothing = 1e-9`, priors
    /// learnt from the data).
    pub fn new() -> Self {
        Self {
            priors: None,
            var_smoothing: 1e-9,
        }
    }

    /// Fixed class priors, one per sorted class, non-negative and summing to 1.
    /// Default: `None` (the class frequencies).
    pub fn priors(mut self, priors: Option<Vec<f64>>) -> Self {
        self.priors = priors;
        self
    }

    /// The share `>= 0` of the largest feature variance added to every variance, for
    /// stability. Default: 1e-9.
    pub fn var_smoothing(mut self, var_smoothing: f64) -> Self {
        self.var_smoothing = var_smoothing;
        self
    }

    fn check(&self) -> Result<()> {
        validate::non_negative_param("var_smoothing", self.var_smoothing)
    }

    /// Fits on dense `x` (one row per sample).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `var_smoothing < 0` or priors that are negative
    /// or do not sum to 1; [`Error::InvalidData`] for a zero variance (only possible
    /// when every feature is constant, or with `var_smoothing = 0`);
    /// [`Error::ShapeMismatch`] for priors of the wrong length or `y` of the wrong
    /// length; [`Error::EmptyInput`] or [`Error::NonFinite`] for `x`;
    /// [`Error::Unsupported`] for CSR `x`.
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<GaussianNbModel<L>> {
        self.fit_impl(x.into().dense("GaussianNb")?, y, None, None)
    }

    /// Fits on dense `x` with one non-negative weight per sample.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus invalid `sample_weight` (wrong length, negative,
    /// non-finite, all zero).
    pub fn fit_weighted<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<GaussianNbModel<L>> {
        self.fit_impl(x.into().dense("GaussianNb")?, y, None, Some(sample_weight))
    }

    /// Starts online learning: declares every class any batch may hold (`classes`, in
    /// any order) and fits the first batch; later batches go to
    /// [`GaussianNbModel::partial_fit`].
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus [`Error::EmptyInput`] for no classes and
    /// [`Error::UnknownLabel`] for a label of `y` not in `classes`.
    pub fn partial_fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        classes: &[L],
    ) -> Result<GaussianNbModel<L>> {
        self.fit_impl(x.into().dense("GaussianNb")?, y, Some(classes), None)
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
    ) -> Result<GaussianNbModel<L>> {
        self.fit_impl(
            x.into().dense("GaussianNb")?,
            y,
            Some(classes),
            Some(sample_weight),
        )
    }

    /// `fit` (`declared` is `None`) or the first `partial_fit`.
    fn fit_impl<L: Label>(
        &self,
        x: MatRef<'_, f64>,
        y: &[L],
        declared: Option<&[L]>,
        sw: Option<&[f64]>,
    ) -> Result<GaussianNbModel<L>> {
        self.check()?;
        check_batch(x, y.len(), sw)?;
        let (classes, codes) = classes_and_codes(y, declared)?;
        let mut model = self.start(classes, x.ncols())?;
        model.add(x, &codes, sw);
        // Online learning may see a constant feature vary in a later batch, so only
        // `fit` refuses a zero variance up front (`predict` checks it again).
        if declared.is_none() {
            model.check_variances()?;
        }
        validate::fitted("GaussianNb", model)
    }

    fn start<L: Label>(&self, classes: Vec<L>, d: usize) -> Result<GaussianNbModel<L>> {
        let k = classes.len();
        if let Some(p) = &self.priors {
            check_priors("priors", p, k)?;
        }
        Ok(GaussianNbModel {
            priors: self.priors.clone(),
            var_smoothing: self.var_smoothing,
            classes,
            class_count: vec![0.0; k],
            theta: Mat::zeros(k, d),
            var_raw: Mat::zeros(k, d),
            n_seen: 0.0,
            all_mean: vec![0.0; d],
            all_var: vec![0.0; d],
            epsilon: 0.0,
            class_prior: vec![0.0; k],
            var: Mat::zeros(k, d),
            log_norm: vec![0.0; k],
        })
    }
}

fn check_batch(x: MatRef<'_, f64>, y_len: usize, sw: Option<&[f64]>) -> Result<()> {
    validate::supervised(x, y_len)?;
    if let Some(w) = sw {
        validate::sample_weight(w, x.nrows())?;
    }
    Ok(())
}

impl<L: Label> Fit<[L]> for GaussianNb {
    type Model = GaussianNbModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<GaussianNbModel<L>> {
        GaussianNb::fit(self, x, y)
    }
}

impl<L: Label> FitWeighted<[L]> for GaussianNb {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<GaussianNbModel<L>> {
        GaussianNb::fit_weighted(self, x, y, sample_weight)
    }
}

/// A fitted [`GaussianNb`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GaussianNbModel<L> {
    priors: Option<Vec<f64>>,
    var_smoothing: f64,
    classes: Vec<L>,
    class_count: Vec<f64>,
    /// `k × d` means.
    #[serde(with = "ml_core::persist::mat")]
    theta: Mat<f64>,
    /// `k × d` population variances, without `epsilon`.
    #[serde(with = "ml_core::persist::mat")]
    var_raw: Mat<f64>,
    /// Samples seen (unweighted) and the running mean and population variance of every
    /// feature over them, for `epsilon`.
    n_seen: f64,
    all_mean: Vec<f64>,
    all_var: Vec<f64>,
    epsilon: f64,
    class_prior: Vec<f64>,
    /// `var_raw + epsilon`.
    #[serde(with = "ml_core::persist::mat")]
    var: Mat<f64>,
    /// `ln prior − ½ Σ_j ln(2π var)` per class.
    log_norm: Vec<f64>,
}

/// The batch statistics of one feature: per class the mean and population variance
/// (weighted), and over all samples the unweighted mean and variance.
struct FeatureMoments {
    mean: Vec<f64>,
    var: Vec<f64>,
    all_mean: f64,
    all_var: f64,
}

/// [`FeatureMoments`] in two passes over the column (sums, then squared deviations);
/// `n` holds the (weighted) size of every class in the batch.
fn feature_moments(col: &[f64], codes: &[usize], sw: Option<&[f64]>, n: &[f64]) -> FeatureMoments {
    let k = n.len();
    let mut sum = vec![0.0; k];
    let mut all_sum = 0.0;
    match sw {
        None => {
            for (&c, &v) in codes.iter().zip(col) {
                sum[c] += v;
            }
            all_sum = sum.iter().sum();
        }
        Some(w) => {
            for ((&c, &v), &wi) in codes.iter().zip(col).zip(w) {
                sum[c] += wi * v;
                all_sum += v;
            }
        }
    }
    let rows = col.len() as f64;
    let all_mean = all_sum / rows;
    let mean: Vec<f64> = sum
        .iter()
        .zip(n)
        .map(|(s, &c)| if c > 0.0 { s / c } else { 0.0 })
        .collect();
    let mut ssd = vec![0.0; k];
    let mut all_ssd = 0.0;
    match sw {
        None => {
            for (&c, &v) in codes.iter().zip(col) {
                let (dv, da) = (v - mean[c], v - all_mean);
                ssd[c] += dv * dv;
                all_ssd += da * da;
            }
        }
        Some(w) => {
            for ((&c, &v), &wi) in codes.iter().zip(col).zip(w) {
                let (dv, da) = (v - mean[c], v - all_mean);
                ssd[c] += wi * dv * dv;
                all_ssd += da * da;
            }
        }
    }
    let var = ssd
        .iter()
        .zip(n)
        .map(|(s, &c)| if c > 0.0 { s / c } else { 0.0 })
        .collect();
    FeatureMoments {
        mean,
        var,
        all_mean,
        all_var: all_ssd / rows,
    }
}

/// Chan–Golub–LeVeque: merges `(n_new, mu_new, var_new)` into `(n_past, mu, var)`.
fn merge(n_past: f64, mu: f64, var: f64, n_new: f64, mu_new: f64, var_new: f64) -> (f64, f64) {
    if n_past == 0.0 {
        return (mu_new, var_new);
    }
    let n_total = n_past + n_new;
    let total_mu = (n_new * mu_new + n_past * mu) / n_total;
    let total_ssd =
        n_past * var + n_new * var_new + (n_new * n_past / n_total) * (mu - mu_new).powi(2);
    (total_mu, total_ssd / n_total)
}

impl<L: Label> GaussianNbModel<L> {
    /// Shapes agree, counts and variances are finite and non-negative (a zero
    /// variance, possible after a first `partial_fit`, is refused by `predict`).
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        super::check_class_state(
            &self.classes,
            &self.class_count,
            &self.class_prior.iter().map(|p| p.ln()).collect::<Vec<_>>(),
            self.priors.as_deref(),
        )?;
        let (k, d) = (self.classes.len(), self.theta.ncols());
        inv::not_empty("theta columns", d)?;
        for (what, m) in [
            ("theta", &self.theta),
            ("var_raw", &self.var_raw),
            ("var", &self.var),
        ] {
            inv::shape(what, m.as_ref(), k, d)?;
        }
        inv::len("all_mean", self.all_mean.len(), d)?;
        inv::len("all_var", self.all_var.len(), d)?;
        inv::len("log_norm", self.log_norm.len(), k)?;
        inv::finite_mat("theta", self.theta.as_ref())?;
        inv::non_negative_mat("var_raw", self.var_raw.as_ref())?;
        inv::non_negative_mat("var", self.var.as_ref())?;
        inv::finite("all_mean", &self.all_mean)?;
        inv::non_negative("all_var", &self.all_var)?;
        // A zero variance (first partial_fit on a constant feature) gives an infinite
        // normaliser; predict refuses such a model, so only NaN is corrupt.
        inv::ensure(self.log_norm.iter().all(|v| !v.is_nan()), || {
            "log_norm holds a NaN".to_owned()
        })?;
        inv::non_negative("epsilon, n_seen", &[self.epsilon, self.n_seen])?;
        inv::ensure(
            self.var_smoothing.is_finite() && self.var_smoothing >= 0.0,
            || {
                format!(
                    "var_smoothing {} is not finite and non-negative",
                    self.var_smoothing
                )
            },
        )
    }

    /// Merges a validated batch into the statistics, then recomputes the derived values.
    fn add(&mut self, x: MatRef<'_, f64>, codes: &[usize], sw: Option<&[f64]>) {
        let k = self.classes.len();
        let d = x.ncols();
        // The (weighted) size of every class in the batch.
        let mut n = vec![0.0; k];
        match sw {
            Some(w) => codes.iter().zip(w).for_each(|(&c, &wi)| n[c] += wi),
            None => codes.iter().for_each(|&c| n[c] += 1.0),
        }
        // Per feature: the batch's per-class moments and its overall (unweighted) ones.
        let per_feature: Vec<FeatureMoments> = (0..d)
            .into_par_iter()
            .map(|j| {
                let owned: Vec<f64>;
                let col = match x.col(j).try_as_col_major() {
                    Some(c) => c.as_slice(),
                    None => {
                        owned = x.col(j).iter().copied().collect();
                        &owned
                    }
                };
                feature_moments(col, codes, sw, &n)
            })
            .collect();
        let n_batch = x.nrows() as f64;
        for (j, fm) in per_feature.into_iter().enumerate() {
            for (c, &nc) in n.iter().enumerate() {
                // A class absent from the batch (or of weight ~0) is left as it was.
                if nc.abs() <= 1e-8 {
                    continue;
                }
                let (m, v) = merge(
                    self.class_count[c],
                    self.theta[(c, j)],
                    self.var_raw[(c, j)],
                    nc,
                    fm.mean[c],
                    fm.var[c],
                );
                self.theta[(c, j)] = m;
                self.var_raw[(c, j)] = v;
            }
            let (m, v) = merge(
                self.n_seen,
                self.all_mean[j],
                self.all_var[j],
                n_batch,
                fm.all_mean,
                fm.all_var,
            );
            self.all_mean[j] = m;
            self.all_var[j] = v;
        }
        for (cc, nc) in self.class_count.iter_mut().zip(&n) {
            *cc += nc;
        }
        self.n_seen += n_batch;
        self.refresh();
    }

    /// A variance of 0 (no smoothing and a feature constant over every sample seen)
    /// leaves the density undefined.
    fn check_variances(&self) -> Result<()> {
        let (k, d) = (self.var.nrows(), self.var.ncols());
        if let Some((c, j)) = (0..k)
            .flat_map(|c| (0..d).map(move |j| (c, j)))
            .find(|&(c, j)| self.var[(c, j)] <= 0.0 || self.var[(c, j)].is_nan())
        {
            return Err(Error::InvalidData {
                what: "X",
                location: format!("column {j}"),
                reason: format!(
                    "feature {j} has variance 0 for class {:?} and var_smoothing = {} adds \
                     none (every feature is constant, or var_smoothing is 0)",
                    self.classes[c], self.var_smoothing
                ),
            });
        }
        Ok(())
    }

    /// `epsilon`, the smoothed variances, the priors and the per-class constants.
    fn refresh(&mut self) {
        let (k, d) = (self.theta.nrows(), self.theta.ncols());
        let max_var = self.all_var.iter().copied().fold(0.0, f64::max);
        self.epsilon = self.var_smoothing * max_var;
        self.var = Mat::from_fn(k, d, |c, j| self.var_raw[(c, j)] + self.epsilon);
        self.class_prior = match &self.priors {
            Some(p) => p.clone(),
            None => {
                let total: f64 = self.class_count.iter().sum();
                self.class_count.iter().map(|c| c / total).collect()
            }
        };
        self.log_norm = (0..k)
            .map(|c| {
                if self.class_prior[c] == 0.0 {
                    // A class of prior 0 (declared, not seen yet) is never predicted,
                    // whatever its (possibly zero) variances: log 0, not -inf + inf.
                    return f64::NEG_INFINITY;
                }
                let s: f64 = (0..d)
                    .map(|j| (2.0 * std::f64::consts::PI * self.var[(c, j)]).ln())
                    .sum();
                self.class_prior[c].ln() - 0.5 * s
            })
            .collect();
    }

    /// Adds one batch of samples (online learning); every label must be one of the
    /// classes declared at the start.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] for the
    /// data (also a number of features other than before), [`Error::UnknownLabel`] for
    /// an undeclared label.
    pub fn partial_fit<'a>(&mut self, x: impl Into<Features<'a>>, y: &[L]) -> Result<()> {
        self.partial_fit_impl(x.into().dense("GaussianNb")?, y, None)
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
        self.partial_fit_impl(x.into().dense("GaussianNb")?, y, Some(sample_weight))
    }

    fn partial_fit_impl(&mut self, x: MatRef<'_, f64>, y: &[L], sw: Option<&[f64]>) -> Result<()> {
        check_batch(x, y.len(), sw)?;
        validate::n_features_eq(x.ncols(), self.n_features_in())?;
        let codes = codes_of(&self.classes, y)?;
        self.add(x, &codes, sw);
        Ok(())
    }

    /// The sorted classes (`classes_`).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// The (weighted) number of samples of every class (`class_count_`).
    pub fn class_count(&self) -> &[f64] {
        &self.class_count
    }

    /// The prior of every class (`class_prior_`).
    pub fn class_prior(&self) -> &[f64] {
        &self.class_prior
    }

    /// The mean of every feature per class, one row per class (`theta_`).
    pub fn theta(&self) -> MatRef<'_, f64> {
        self.theta.as_ref()
    }

    /// The variance of every feature per class, `epsilon` included (`var_`).
    pub fn var(&self) -> MatRef<'_, f64> {
        self.var.as_ref()
    }

    /// The variance added to every variance (`epsilon_`).
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.theta.ncols()
    }

    /// The joint log-likelihood `log P(c) + log P(x | c)` of every row and class
    /// (`predict_joint_log_proba`).
    ///
    /// # Errors
    /// Empty or non-finite `x`, another number of columns than at fit time, or CSR `x`
    /// ([`Error::Unsupported`]); [`Error::InvalidData`] when a variance is 0 (online
    /// learning that has seen only constant features so far, without `var_smoothing`).
    pub fn predict_joint_log_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("GaussianNb")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        self.check_variances()?;
        let (n, k, d) = (x.nrows(), self.classes.len(), x.ncols());
        let owned;
        let x = if x.row_stride() == 1 {
            x
        } else {
            owned = x.to_owned();
            owned.as_ref()
        };
        let mut out = vec![0.0f64; n * k];
        out.par_chunks_mut(ROW_BLOCK * k)
            .enumerate()
            .for_each(|(blk, chunk)| {
                let r0 = blk * ROW_BLOCK;
                let len = chunk.len() / k;
                let mut acc = vec![0.0f64; len];
                for c in 0..k {
                    acc.iter_mut().for_each(|a| *a = 0.0);
                    for j in 0..d {
                        let (mu, inv) = (self.theta[(c, j)], 1.0 / self.var[(c, j)]);
                        let col = &x
                            .col(j)
                            .try_as_col_major()
                            .expect("contiguous columns")
                            .as_slice()[r0..r0 + len];
                        for (a, &v) in acc.iter_mut().zip(col) {
                            let dv = v - mu;
                            *a += dv * dv * inv;
                        }
                    }
                    for (t, a) in acc.iter().enumerate() {
                        chunk[t * k + c] = self.log_norm[c] - 0.5 * a;
                    }
                }
            });
        Ok(Mat::from_fn(n, k, |i, c| out[i * k + c]))
    }
}

jll_model!(GaussianNbModel, "ml_supervised::GaussianNbModel");
