//! Naive Bayes classifiers, as scikit-learn 1.9's `sklearn.naive_bayes`.
//!
//! - [`GaussianNb`]: continuous features, one normal distribution per class and feature.
//! - [`MultinomialNb`]: counts (word counts of documents), smoothed by `alpha`.
//! - [`ComplementNb`]: the multinomial model fitted on the complement of each class,
//!   steadier on imbalanced classes.
//! - [`BernoulliNb`]: binary features (present/absent), binarising at a threshold.
//! - [`CategoricalNb`]: features that are category codes `0, 1, 2, ...`.
//!
//! Every estimator fits from scratch with `fit` (or `fit_weighted`) on
//! [`Features`](ml_core::Features): the count models take dense or CSR input, while
//! [`GaussianNb`] and [`CategoricalNb`] need dense input and return
//! [`Error::Unsupported`] for CSR. Or they learn online, batch by batch: the estimator's
//! `partial_fit` declares every class on the first batch and returns a model, whose own
//! `partial_fit` adds the next batches; a label that was not declared is
//! [`Error::UnknownLabel`]. The discrete models keep their
//! raw counts and add each sample to them in order, so any chunking gives the model
//! `fit` gives, bit for bit. [`GaussianNb`] merges batches with the Chan–Golub–LeVeque
//! update of means and variances.
//!
//! Prediction works on the joint log-likelihood `log P(c) + log P(x | c)`
//! (`predict_joint_log_proba`); `predict_log_proba` subtracts its log-sum-exp per row
//! (computed as scikit-learn does, `max + ln m + ln_1p(Σ exp(v − max) / m)` over the
//! `m` maximal entries), and `predict_proba` exponentiates that, so nothing underflows
//! on long documents. For the count models the joint log-likelihood is one product
//! `X · Wᵀ + b` (a dense GEMM, or a parallel sparse × dense product for CSR input).
//!
//! # The spam filter
//!
//! Word counts of the SMS spam collection (`ml_text::CountVectorizer`
//! fitted on the training messages) and [`MultinomialNb`]. The test
//! `naive_bayes_spam.rs` runs it on scikit-learn's own split and checks identical
//! predictions (accuracy 0.984); here on this library's stratified split:
//!
//! ```
//! use ml_core::datasets::load_sms_spam;
//! use ml_core::metrics::accuracy_score;
//! use ml_core::model_selection::train_test_split;
//! use ml_text::CountVectorizer;
//! use ml_supervised::MultinomialNb;
//!
//! let sms = load_sms_spam()?;
//! let (train, test) = train_test_split(sms.texts.len(), 0.25, 0, Some(sms.target.as_slice()), true)?;
//! let texts = |idx: &[usize]| idx.iter().map(|&i| sms.texts[i].as_str()).collect::<Vec<_>>();
//! let labels = |idx: &[usize]| idx.iter().map(|&i| sms.target_names[sms.target[i]].as_str()).collect::<Vec<_>>();
//!
//! let (vectorizer, counts) = CountVectorizer::new().fit_transform(&texts(&train))?;
//! let filter = MultinomialNb::new().fit(&counts, &labels(&train))?;
//!
//! let predicted = filter.predict(&vectorizer.transform(&texts(&test))?)?;
//! let accuracy = accuracy_score(&labels(&test), &predicted)?;
//! assert!(accuracy > 0.97, "accuracy {accuracy}");
//!
//! let new = vectorizer.transform(&["WINNER!! Claim your free prize now, call 0800", "See you at lunch?"])?;
//! assert_eq!(filter.predict(&new)?, ["spam", "ham"]);
//! # Ok::<(), ml_core::Error>(())
//! ```

mod categorical;
mod discrete;
mod gaussian;

pub use categorical::{CategoricalNb, CategoricalNbModel};
pub use discrete::{
    BernoulliNb, BernoulliNbModel, ComplementNb, ComplementNbModel, MultinomialNb,
    MultinomialNbModel,
};
pub use gaussian::{GaussianNb, GaussianNbModel};

use faer::Mat;
use ml_core::{Error, Label, Result};

/// Rows per parallel block of the prediction kernels; fixed so results do not depend
/// on the thread count.
const ROW_BLOCK: usize = 256;

/// Distinct labels up to which [`encode`] scans a short list instead of a tree.
const FEW_CLASSES: usize = 32;

/// The sorted distinct labels of `y` and the index of every label among them (as
/// [`validate::encode_labels`](ml_core::validate::encode_labels) with one class
/// allowed), by a scan of a short list of the labels seen so far: a few comparisons
/// per sample instead of two tree look-ups while there are few classes.
///
/// # Errors
/// [`Error::EmptyInput`] for empty `y`.
pub(crate) fn encode<L: Label>(y: &[L]) -> Result<(Vec<L>, Vec<usize>)> {
    if y.is_empty() {
        return Err(Error::EmptyInput { what: "y" });
    }
    let mut seen: Vec<&L> = Vec::new();
    let mut raw = Vec::with_capacity(y.len());
    let mut last = 0;
    for l in y {
        if seen.get(last) != Some(&l) {
            last = match seen.iter().position(|s| *s == l) {
                Some(p) => p,
                None if seen.len() < FEW_CLASSES => {
                    seen.push(l);
                    seen.len() - 1
                }
                None => {
                    let enc = ml_core::validate::encode_labels(y, 1)?;
                    return Ok((enc.classes, enc.codes));
                }
            };
        }
        raw.push(last);
    }
    let mut order: Vec<usize> = (0..seen.len()).collect();
    order.sort_by(|&a, &b| seen[a].cmp(seen[b]));
    let mut rank = vec![0; seen.len()];
    for (r, &o) in order.iter().enumerate() {
        rank[o] = r;
    }
    let classes = order.iter().map(|&o| seen[o].clone()).collect();
    Ok((classes, raw.into_iter().map(|p| rank[p]).collect()))
}

/// The sorted distinct classes declared on a first `partial_fit`.
///
/// # Errors
/// [`Error::EmptyInput`] when no class is declared.
pub(crate) fn declared_classes<L: Label>(classes: &[L]) -> Result<Vec<L>> {
    if classes.is_empty() {
        return Err(Error::EmptyInput { what: "classes" });
    }
    let mut c = classes.to_vec();
    c.sort();
    c.dedup();
    Ok(c)
}

/// The index of every label of `y` in the sorted `classes`.
///
/// # Errors
/// [`Error::UnknownLabel`] for the first label that is not a class.
pub(crate) fn codes_of<L: Label>(classes: &[L], y: &[L]) -> Result<Vec<usize>> {
    y.iter()
        .map(|l| {
            classes.binary_search(l).map_err(|_| Error::UnknownLabel {
                label: format!(
                    "{l:?} (declare every class on the first partial_fit; declared: {classes:?})"
                ),
            })
        })
        .collect()
}

/// The sorted classes and the class index of every label of `y`: the distinct labels
/// of `y` for `fit`, or the `declared` classes of a first `partial_fit`.
///
/// # Errors
/// As [`encode`], or as [`declared_classes`] and [`codes_of`].
pub(crate) fn classes_and_codes<L: Label>(
    y: &[L],
    declared: Option<&[L]>,
) -> Result<(Vec<L>, Vec<usize>)> {
    match declared {
        None => encode(y),
        Some(declared) => {
            let classes = declared_classes(declared)?;
            let codes = codes_of(&classes, y)?;
            Ok((classes, codes))
        }
    }
}

/// Checks user-given class priors: one per class, finite, non-negative, summing to 1
/// (within 1e-8 + 1e-5, numpy's `isclose` as scikit-learn uses it).
///
/// # Errors
/// [`Error::ShapeMismatch`] or [`Error::InvalidParameter`] naming `name`.
pub(crate) fn check_priors(name: &'static str, priors: &[f64], n_classes: usize) -> Result<()> {
    if priors.len() != n_classes {
        return Err(Error::ShapeMismatch {
            what: if name == "priors" {
                "number of priors (one per class)"
            } else {
                "length of class_prior (one per class)"
            },
            expected: n_classes,
            got: priors.len(),
        });
    }
    if priors.iter().any(|p| !(p.is_finite() && *p >= 0.0)) {
        return Err(Error::invalid_parameter(
            name,
            priors,
            "finite, non-negative probabilities, one per class",
        ));
    }
    let sum: f64 = priors.iter().sum();
    if (sum - 1.0).abs() > 1e-8 + 1e-5 {
        return Err(Error::invalid_parameter(
            name,
            priors,
            "probabilities summing to 1",
        ));
    }
    Ok(())
}

/// The invariants every naive Bayes model shares: at least one class, sorted and
/// distinct, with non-negative counts, finite log priors and, when priors were given,
/// one per class.
pub(crate) fn check_class_state<L: Label>(
    classes: &[L],
    class_count: &[f64],
    class_log_prior: &[f64],
    priors: Option<&[f64]>,
) -> std::result::Result<(), String> {
    use ml_core::persist::invariants as inv;
    inv::not_empty("classes", classes.len())?;
    inv::strictly_increasing("classes", classes)?;
    inv::len("class_count", class_count.len(), classes.len())?;
    inv::non_negative("class_count", class_count)?;
    inv::len("class_log_prior", class_log_prior.len(), classes.len())?;
    inv::ensure(
        class_log_prior.iter().all(|v| !v.is_nan() && *v <= 0.0),
        || "class_log_prior holds a NaN or a positive log-probability".to_owned(),
    )?;
    if let Some(p) = priors {
        inv::len("class_prior", p.len(), classes.len())?;
        inv::non_negative("class_prior", p)?;
    }
    Ok(())
}

/// The class of the largest entry of every row (ties to the first class).
pub(crate) fn argmax_classes<L: Label>(jll: &Mat<f64>, classes: &[L]) -> Vec<L> {
    (0..jll.nrows())
        .map(|i| {
            let mut best = (0, f64::NEG_INFINITY);
            for c in 0..jll.ncols() {
                let v = jll[(i, c)];
                if v > best.1 {
                    best = (c, v);
                }
            }
            classes[best.0].clone()
        })
        .collect()
}

/// `log Σ exp(v)` of one row, as scikit-learn's `_logsumexp`: with `M` the maximum,
/// `m` the number of entries equal to it and `s` the sum of `exp(v − M)` over the
/// others, `ln_1p(s / m) + ln m + M` (so a dominant class keeps full precision).
fn logsumexp(row: &[f64]) -> f64 {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let shift = if max.is_finite() { max } else { 0.0 };
    let (mut m, mut s) = (0.0f64, 0.0f64);
    for &v in row {
        if v == max {
            m += 1.0;
        } else {
            s += (v - shift).exp();
        }
    }
    let s = if s == 0.0 { s } else { s / m };
    s.ln_1p() + m.ln() + max
}

/// Log-probabilities from the joint log-likelihood: each row minus its log-sum-exp.
pub(crate) fn log_proba_from(mut jll: Mat<f64>) -> Mat<f64> {
    let mut row = vec![0.0; jll.ncols()];
    for i in 0..jll.nrows() {
        for (c, r) in row.iter_mut().enumerate() {
            *r = jll[(i, c)];
        }
        let lse = logsumexp(&row);
        for c in 0..jll.ncols() {
            jll[(i, c)] -= lse;
        }
    }
    jll
}

/// Probabilities from the joint log-likelihood: `exp` of [`log_proba_from`].
pub(crate) fn proba_from(jll: Mat<f64>) -> Mat<f64> {
    let mut p = log_proba_from(jll);
    for c in 0..p.ncols() {
        for v in p.col_mut(c).iter_mut() {
            *v = v.exp();
        }
    }
    p
}

/// The `predict_log_proba`, `predict_proba` and `predict` that every model derives
/// from its joint log-likelihood, and the `ml_core` trait impls built on them.
/// `$model<L>` must have inherent `predict_joint_log_proba`, `classes`,
/// `n_features_in` and `partial_fit` methods taking `impl Into<Features>`; `$name` is
/// its persisted model name.
macro_rules! jll_model {
    ($model:ident, $name:literal) => {
        // The anonymous const scopes these imports to the stamped items, so a caller
        // needs none of them.
        const _: () = {
            use faer::Mat;
            use ml_core::persist::{Invariants, Persist};
            use ml_core::{Features, Fitted, Label, PartialFit, Predict, PredictProba, Result};
            use serde::Serialize;
            use serde::de::DeserializeOwned;
            use $crate::naive_bayes::{argmax_classes, log_proba_from, proba_from};

            impl<L: Label> $model<L> {
                /// Log-probabilities, one column per class, computed in log space.
                ///
                /// # Errors
                /// As [`predict_joint_log_proba`](Self::predict_joint_log_proba).
                pub fn predict_log_proba<'a>(
                    &self,
                    x: impl Into<Features<'a>>,
                ) -> Result<Mat<f64>> {
                    self.predict_joint_log_proba(x).map(log_proba_from)
                }

                /// Class probabilities, one column per class; each row sums to 1.
                ///
                /// # Errors
                /// As [`predict_joint_log_proba`](Self::predict_joint_log_proba).
                pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
                    self.predict_joint_log_proba(x).map(proba_from)
                }

                /// The most probable class of every row (ties to the first class).
                ///
                /// # Errors
                /// As [`predict_joint_log_proba`](Self::predict_joint_log_proba).
                pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
                    let jll = self.predict_joint_log_proba(x)?;
                    Ok(argmax_classes(&jll, self.classes()))
                }
            }

            impl<L: Label> Fitted for $model<L> {
                fn n_features_in(&self) -> usize {
                    $model::n_features_in(self)
                }
            }

            impl<L: Label> Predict for $model<L> {
                type Output = Vec<L>;

                fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
                    $model::predict(self, x)
                }
            }

            impl<L: Label> PredictProba for $model<L> {
                type Label = L;

                fn classes(&self) -> &[L] {
                    $model::classes(self)
                }

                fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
                    $model::predict_proba(self, x)
                }
            }

            impl<L: Label> PartialFit<[L]> for $model<L> {
                fn partial_fit(&mut self, x: Features<'_>, y: &[L]) -> Result<()> {
                    $model::partial_fit(self, x, y)
                }
            }

            impl<L: Label + Serialize + DeserializeOwned> Persist for $model<L> {
                const MODEL_NAME: &'static str = $name;
            }

            impl<L: Label> Invariants for $model<L> {
                fn check_invariants(&self) -> std::result::Result<(), String> {
                    $model::check_invariants(self)
                }
            }
        };
    };
}
pub(crate) use jll_model;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logsumexp_keeps_a_dominant_term_exact() {
        let row = [0.0, -50.0];
        let lse = logsumexp(&row);
        assert_eq!(lse, (-50.0f64).exp().ln_1p());
        assert_eq!(logsumexp(&[1.0, 1.0]), 1.0 + 2.0f64.ln());
        assert_eq!(logsumexp(&[f64::NEG_INFINITY, -3.0]), -3.0);
    }

    #[test]
    fn priors_are_checked() {
        assert!(check_priors("priors", &[0.5, 0.5], 2).is_ok());
        assert!(matches!(
            check_priors("priors", &[1.0], 2),
            Err(Error::ShapeMismatch {
                expected: 2,
                got: 1,
                ..
            })
        ));
        assert!(check_priors("class_prior", &[0.6, 0.6], 2).is_err());
        assert!(check_priors("class_prior", &[1.5, -0.5], 2).is_err());
        assert!(check_priors("class_prior", &[f64::NAN, 1.0], 2).is_err());
    }

    #[test]
    fn encode_agrees_with_validate() {
        let y = ["c", "a", "c", "b", "a", "a"];
        let enc = ml_core::validate::encode_labels(&y, 1).unwrap();
        assert_eq!(encode(&y).unwrap(), (enc.classes, enc.codes));
        let many: Vec<usize> = (0..200).map(|i| (i * 37) % 101).collect();
        let enc = ml_core::validate::encode_labels(&many, 1).unwrap();
        assert_eq!(encode(&many).unwrap(), (enc.classes, enc.codes));
        assert!(encode::<u8>(&[]).is_err());
    }

    #[test]
    fn declared_classes_are_sorted_and_codes_checked() {
        let c = declared_classes(&["b", "a", "b"]).unwrap();
        assert_eq!(c, vec!["a", "b"]);
        assert_eq!(codes_of(&c, &["b", "a"]).unwrap(), vec![1, 0]);
        assert!(matches!(
            codes_of(&c, &["z"]),
            Err(Error::UnknownLabel { .. })
        ));
        assert!(declared_classes::<u8>(&[]).is_err());
    }
}
