//! [`CategoricalNb`]: every feature is a category code `0, 1, 2, ...` with its own
//! categorical distribution per class.
//!
//! The counts of every (feature, category, class) are kept raw, category-major, so a
//! batch with a larger category only appends zeros; they are added sample by sample in
//! order (in parallel over features), so chunked `partial_fit` equals `fit` exactly.

use faer::{Mat, MatRef};
use ml_core::{Error, Features, Fit, FitWeighted, Label, Result, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::discrete::{DiscreteParams, class_log_prior};
use super::{ROW_BLOCK, check_priors, classes_and_codes, codes_of, jll_model};

/// The largest category code accepted (2²⁴ − 1), so that a stray large value is an
/// error instead of a table of billions of counts.
const MAX_CATEGORY: f64 = 16_777_215.0;

/// Categorical naive Bayes, as scikit-learn 1.9's `CategoricalNB`.
///
/// Every entry of `X` is a category code: a non-negative integer (stored as `f64`).
/// With `N_tic` the count of category `t` of feature `i` in class `c`,
/// `P(x_i = t | c) = (N_tic + α) / (N_c + α n_i)`, `n_i` the number of categories of
/// feature `i` (the largest code seen plus one, or [`min_categories`](Self::min_categories)).
/// Codes that are not integers are an error here (scikit-learn truncates them).
///
/// ```
/// use faer::mat;
/// use ml_supervised::CategoricalNb;
///
/// // Weather (0 sunny, 1 rainy, 2 overcast) and wind (0 calm, 1 windy) -> play?
/// let x = mat![[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [1.0, 0.0], [2.0, 1.0]];
/// let y = ["yes", "yes", "no", "yes", "no", "yes"];
/// let model = CategoricalNb::new().fit(x.as_ref(), &y)?;
/// assert_eq!(model.n_categories(), &[3, 2]);
/// assert_eq!(model.predict(mat![[1.0, 1.0], [0.0, 0.0]].as_ref())?, vec!["no", "yes"]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "CategoricalNB")]
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalNb {
    params: DiscreteParams,
    min_categories: Option<MinCategories>,
}

/// The `min_categories` setting: one number for every feature, or one per feature.
#[derive(Debug, Clone, PartialEq)]
enum MinCategories {
    All(usize),
    PerFeature(Vec<usize>),
}

impl Default for CategoricalNb {
    fn default() -> Self {
        Self::new()
    }
}

impl CategoricalNb {
    /// Categorical naive Bayes with scikit-learn's defaults (`alpha = 1`,
    /// `force_alpha`, `fit_prior`, no fixed prior, no minimum number of categories).
    pub fn new() -> Self {
        Self {
            params: DiscreteParams::new(),
            min_categories: None,
        }
    }

    /// Additive (Laplace/Lidstone) smoothing. Default: 1.0. With `force_alpha` (the
    /// default) it must be at least 1e-10: scikit-learn accepts 0 and returns NaN
    /// probabilities for unseen features; here `fit` refuses it instead.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.params.alpha = alpha;
        self
    }

    /// Whether `alpha` is used as given; when false, an `alpha` below 1e-10 is raised
    /// to 1e-10. Default: true.
    pub fn force_alpha(mut self, force_alpha: bool) -> Self {
        self.params.force_alpha = force_alpha;
        self
    }

    /// Whether to learn the class priors from the class counts; when false, every
    /// class gets the same prior. Ignored when [`class_prior`](Self::class_prior) is
    /// set. Default: true.
    pub fn fit_prior(mut self, fit_prior: bool) -> Self {
        self.params.fit_prior = fit_prior;
        self
    }

    /// Fixed class priors, one per sorted class, non-negative and summing to 1.
    /// Default: `None`.
    pub fn class_prior(mut self, class_prior: Option<Vec<f64>>) -> Self {
        self.params.class_prior = class_prior;
        self
    }

    /// At least this many categories for every feature (codes `0..n` are then
    /// accepted at predict time even if unseen). Default: none.
    pub fn min_categories(mut self, min_categories: usize) -> Self {
        self.min_categories = Some(MinCategories::All(min_categories));
        self
    }

    /// At least `min_categories[j]` categories for feature `j`, one entry per feature.
    /// Default: none.
    pub fn min_categories_per_feature(mut self, min_categories: Vec<usize>) -> Self {
        self.min_categories = Some(MinCategories::PerFeature(min_categories));
        self
    }

    /// Fits on dense `x` (category codes, one row per sample).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `alpha < 0` or a bad `class_prior`;
    /// [`Error::InvalidData`] for an entry that is not an integer code at most
    /// 2²⁴ − 1; [`Error::NegativeValue`] for a negative code; [`Error::ShapeMismatch`]
    /// for `y`, `class_prior` or `min_categories` of the wrong length;
    /// [`Error::EmptyInput`] or [`Error::NonFinite`] for `x`; [`Error::Unsupported`]
    /// for CSR `x`.
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<CategoricalNbModel<L>> {
        self.fit_impl(x.into().dense("CategoricalNb")?, y, None, None)
    }

    /// Fits on dense `x` with one non-negative weight per sample.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus invalid `sample_weight`.
    pub fn fit_weighted<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<CategoricalNbModel<L>> {
        self.fit_impl(
            x.into().dense("CategoricalNb")?,
            y,
            None,
            Some(sample_weight),
        )
    }

    /// Starts online learning: declares every class any batch may hold (`classes`, in
    /// any order) and fits the first batch; later batches go to
    /// [`CategoricalNbModel::partial_fit`].
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus [`Error::EmptyInput`] for no classes and
    /// [`Error::UnknownLabel`] for a label of `y` not in `classes`.
    pub fn partial_fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        classes: &[L],
    ) -> Result<CategoricalNbModel<L>> {
        self.fit_impl(x.into().dense("CategoricalNb")?, y, Some(classes), None)
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
    ) -> Result<CategoricalNbModel<L>> {
        self.fit_impl(
            x.into().dense("CategoricalNb")?,
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
    ) -> Result<CategoricalNbModel<L>> {
        self.params.check()?;
        check_batch(x, y.len(), sw)?;
        let (classes, codes) = classes_and_codes(y, declared)?;
        let mut model = self.start(classes, x.ncols())?;
        model.add(x, &codes, sw);
        validate::fitted("CategoricalNb", model)
    }

    fn start<L: Label>(&self, classes: Vec<L>, d: usize) -> Result<CategoricalNbModel<L>> {
        let k = classes.len();
        if let Some(p) = &self.params.class_prior {
            check_priors("class_prior", p, k)?;
        }
        let min = match &self.min_categories {
            None => vec![0; d],
            Some(MinCategories::All(m)) => vec![*m; d],
            Some(MinCategories::PerFeature(v)) => {
                if v.len() != d {
                    return Err(Error::ShapeMismatch {
                        what: "length of min_categories (one per feature)",
                        expected: d,
                        got: v.len(),
                    });
                }
                v.clone()
            }
        };
        if let Some(&m) = min.iter().find(|&&m| m as f64 > MAX_CATEGORY + 1.0) {
            return Err(Error::invalid_parameter(
                "min_categories",
                m,
                "at most 2^24 categories per feature",
            ));
        }
        Ok(CategoricalNbModel {
            alpha: self.params.effective_alpha(),
            fit_prior: self.params.fit_prior,
            class_prior: self.params.class_prior.clone(),
            classes,
            class_count: vec![0.0; k],
            category_count: min.iter().map(|&m| vec![0.0; m * k]).collect(),
            feature_log_prob: vec![Vec::new(); d],
            class_log_prior: vec![0.0; k],
        })
    }
}

/// Checks a batch: non-empty, finite, integer codes in range, `y` and weights.
fn check_batch(x: MatRef<'_, f64>, y_len: usize, sw: Option<&[f64]>) -> Result<()> {
    validate::supervised(x, y_len)?;
    check_codes(x)?;
    if let Some(w) = sw {
        validate::sample_weight(w, x.nrows())?;
    }
    Ok(())
}

/// Every entry of (finite) `x` is an integer in `0..=MAX_CATEGORY`.
fn check_codes(x: MatRef<'_, f64>) -> Result<()> {
    for j in 0..x.ncols() {
        for (row, &value) in x.col(j).iter().enumerate() {
            if value < 0.0 {
                return Err(Error::NegativeValue {
                    what: "CategoricalNb",
                    row,
                    col: j,
                    value,
                });
            }
            if value.fract() != 0.0 || value > MAX_CATEGORY {
                return Err(Error::InvalidData {
                    what: "X",
                    location: format!("row {row}, column {j}"),
                    reason: format!(
                        "{value} is not a category code: integers 0, 1, 2, ... below 2^24 \
                         (encode categories as ordinal codes)"
                    ),
                });
            }
        }
    }
    Ok(())
}

impl<L: Label> Fit<[L]> for CategoricalNb {
    type Model = CategoricalNbModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<CategoricalNbModel<L>> {
        CategoricalNb::fit(self, x, y)
    }
}

impl<L: Label> FitWeighted<[L]> for CategoricalNb {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<CategoricalNbModel<L>> {
        CategoricalNb::fit_weighted(self, x, y, sample_weight)
    }
}

/// A fitted [`CategoricalNb`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoricalNbModel<L> {
    alpha: f64,
    fit_prior: bool,
    class_prior: Option<Vec<f64>>,
    classes: Vec<L>,
    class_count: Vec<f64>,
    /// Per feature, category-major counts: `[t * k + c]` for category `t`, class `c`.
    category_count: Vec<Vec<f64>>,
    /// Per feature, the same layout of `ln P(x = t | c)`.
    feature_log_prob: Vec<Vec<f64>>,
    class_log_prior: Vec<f64>,
}

impl<L: Label> CategoricalNbModel<L> {
    /// Every feature's count and log-probability tables hold the same whole number of
    /// categories per class, at most 2^24; counts are finite and non-negative, the
    /// log-probabilities finite.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        super::check_class_state(
            &self.classes,
            &self.class_count,
            &self.class_log_prior,
            self.class_prior.as_deref(),
        )?;
        let k = self.classes.len();
        inv::not_empty("category_count", self.category_count.len())?;
        inv::len(
            "feature_log_prob",
            self.feature_log_prob.len(),
            self.category_count.len(),
        )?;
        for (j, (counts, logs)) in self
            .category_count
            .iter()
            .zip(&self.feature_log_prob)
            .enumerate()
        {
            inv::ensure(
                !counts.is_empty()
                    && counts.len() % k == 0
                    && counts.len() / k <= MAX_CATEGORY as usize + 1,
                || format!("feature {j} has {} counts for {k} classes", counts.len()),
            )?;
            inv::len("feature_log_prob of a feature", logs.len(), counts.len())?;
            inv::non_negative("category_count", counts)?;
            inv::finite("feature_log_prob", logs)?;
        }
        inv::ensure(self.alpha.is_finite() && self.alpha >= 0.0, || {
            format!("alpha {} is not finite and non-negative", self.alpha)
        })
    }

    fn add(&mut self, x: MatRef<'_, f64>, codes: &[usize], sw: Option<&[f64]>) {
        let k = self.classes.len();
        match sw {
            Some(w) => codes
                .iter()
                .zip(w)
                .for_each(|(&c, &wi)| self.class_count[c] += wi),
            None => codes.iter().for_each(|&c| self.class_count[c] += 1.0),
        }
        let alpha = self.alpha;
        self.category_count
            .par_iter_mut()
            .zip(self.feature_log_prob.par_iter_mut())
            .enumerate()
            .for_each(|(j, (counts, flp))| {
                let col = x.col(j);
                // Codes are checked integers in 0..=MAX_CATEGORY.
                let top = col.iter().fold(0.0f64, |m, &v| m.max(v)) as usize + 1;
                if top * k > counts.len() {
                    counts.resize(top * k, 0.0);
                }
                for (i, (&c, &v)) in codes.iter().zip(col.iter()).enumerate() {
                    counts[v as usize * k + c] += sw.map_or(1.0, |w| w[i]);
                }
                let n_cat = counts.len() / k;
                let mut log_total = vec![0.0; k];
                for (c, lt) in log_total.iter_mut().enumerate() {
                    *lt = (0..n_cat)
                        .map(|t| counts[t * k + c] + alpha)
                        .sum::<f64>()
                        .ln();
                }
                *flp = counts
                    .iter()
                    .enumerate()
                    .map(|(idx, &n)| (n + alpha).ln() - log_total[idx % k])
                    .collect();
            });
        self.class_log_prior = class_log_prior(
            self.class_prior.as_deref(),
            self.fit_prior,
            &self.class_count,
        );
    }

    /// Adds one batch of samples (online learning); every label must be one of the
    /// classes declared at the start. New (larger) categories are welcome.
    ///
    /// # Errors
    /// The data errors of [`CategoricalNb::fit`], [`Error::ShapeMismatch`] for a number
    /// of features other than before, [`Error::UnknownLabel`] for an undeclared label.
    pub fn partial_fit<'a>(&mut self, x: impl Into<Features<'a>>, y: &[L]) -> Result<()> {
        self.partial_fit_impl(x.into().dense("CategoricalNb")?, y, None)
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
        self.partial_fit_impl(x.into().dense("CategoricalNb")?, y, Some(sample_weight))
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

    /// The log prior of every class (`class_log_prior_`).
    pub fn class_log_prior(&self) -> &[f64] {
        &self.class_log_prior
    }

    /// The number of categories of every feature: the largest code seen in any batch
    /// plus one, at least `min_categories` (`n_categories_`).
    pub fn n_categories(&self) -> Vec<usize> {
        let k = self.classes.len();
        self.category_count.iter().map(|c| c.len() / k).collect()
    }

    /// The counts of feature `j`: one row per class, one column per category
    /// (`category_count_[j]`); `None` for `j` out of range.
    pub fn category_count(&self, j: usize) -> Option<Mat<f64>> {
        self.table(&self.category_count, j)
    }

    /// `ln P(x_j = t | c)`: one row per class, one column per category
    /// (`feature_log_prob_[j]`); `None` for `j` out of range.
    pub fn feature_log_prob(&self, j: usize) -> Option<Mat<f64>> {
        self.table(&self.feature_log_prob, j)
    }

    fn table(&self, tables: &[Vec<f64>], j: usize) -> Option<Mat<f64>> {
        let t = tables.get(j)?;
        let k = self.classes.len();
        Some(Mat::from_fn(k, t.len() / k, |c, cat| t[cat * k + c]))
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.category_count.len()
    }

    /// The joint log-likelihood `log P(c) + Σ_j log P(x_j | c)` of every row and class
    /// (`predict_joint_log_proba`).
    ///
    /// # Errors
    /// Empty or non-finite `x`, another number of columns than at fit time, CSR `x`
    /// ([`Error::Unsupported`]), an entry that is not an integer code, or a code the
    /// model has no category for ([`Error::InvalidData`]: fit with more data or raise
    /// `min_categories`).
    pub fn predict_joint_log_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("CategoricalNb")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        check_codes(x)?;
        let k = self.classes.len();
        for (j, counts) in self.category_count.iter().enumerate() {
            let n_cat = counts.len() / k;
            if let Some((row, &v)) = x
                .col(j)
                .iter()
                .enumerate()
                .find(|&(_, &v)| v as usize >= n_cat)
            {
                return Err(Error::InvalidData {
                    what: "X",
                    location: format!("row {row}, column {j}"),
                    reason: format!(
                        "category {v} is unknown: the feature was fitted with {n_cat} \
                         categories (fit on data with it, or raise min_categories)"
                    ),
                });
            }
        }
        let n = x.nrows();
        let mut out = vec![0.0f64; n * k];
        out.par_chunks_mut(ROW_BLOCK * k)
            .enumerate()
            .for_each(|(blk, chunk)| {
                let r0 = blk * ROW_BLOCK;
                for (j, flp) in self.feature_log_prob.iter().enumerate() {
                    for (t, row) in chunk.chunks_exact_mut(k).enumerate() {
                        let cat = x[(r0 + t, j)] as usize;
                        for (o, &v) in row.iter_mut().zip(&flp[cat * k..(cat + 1) * k]) {
                            *o += v;
                        }
                    }
                }
                for row in chunk.chunks_exact_mut(k) {
                    for (o, &p) in row.iter_mut().zip(&self.class_log_prior) {
                        *o += p;
                    }
                }
            });
        Ok(Mat::from_fn(n, k, |i, c| out[i * k + c]))
    }
}

jll_model!(CategoricalNbModel, "ml_supervised::CategoricalNbModel");
