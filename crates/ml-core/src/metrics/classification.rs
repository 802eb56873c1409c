//! Classification scores over generic labels: accuracy, precision, recall, F-scores,
//! the confusion matrix and the logarithmic loss.

use std::collections::{BTreeMap, BTreeSet};

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use super::check_pair_len;
use crate::{Error, Label, Result};

/// How per-class precision, recall and F-scores are combined into one number.
///
/// The classes are the sorted union of the labels in `y_true` and `y_pred`, as
/// scikit-learn's `unique_labels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Average<L> {
    /// Only the scores of `pos_label`; the union of labels must have at most two
    /// values (scikit-learn's `average="binary"`, its default).
    Binary {
        /// The class whose scores are reported (scikit-learn's `pos_label`, default 1).
        pos_label: L,
    },
    /// Scores from the total true positives, false positives and false negatives
    /// over all classes (for single-label data, micro precision = recall = accuracy).
    Micro,
    /// Unweighted mean of the per-class scores.
    Macro,
    /// Mean of the per-class scores weighted by each class's support in `y_true`.
    Weighted,
}

/// A confusion matrix with its class order.
///
/// `counts[i][j]` is the number of samples whose true label is `classes[i]` and whose
/// predicted label is `classes[j]` (rows = true, columns = predicted), as
/// scikit-learn's `confusion_matrix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix<L> {
    /// The sorted union of the labels in `y_true` and `y_pred`.
    pub classes: Vec<L>,
    /// One row per true class, one column per predicted class.
    pub counts: Vec<Vec<usize>>,
}

impl<L> ConfusionMatrix<L> {
    /// The counts as a dense `f64` matrix (rows = true, columns = predicted).
    pub fn to_mat(&self) -> Mat<f64> {
        let k = self.classes.len();
        Mat::from_fn(k, k, |i, j| self.counts[i][j] as f64)
    }
}

/// Fraction of samples whose predicted label equals the true label, in `[0, 1]`.
///
/// # Errors
/// [`Error::EmptyInput`] for empty `y_true`, [`Error::ShapeMismatch`] when the lengths
/// differ.
pub fn accuracy_score<L: Label>(y_true: &[L], y_pred: &[L]) -> Result<f64> {
    check_pair_len(y_true.len(), y_pred.len())?;
    let hits = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(hits as f64 / y_true.len() as f64)
}

/// The confusion matrix of `y_pred` against `y_true` over the sorted union of their
/// labels.
///
/// # Errors
/// [`Error::EmptyInput`] for empty `y_true`, [`Error::ShapeMismatch`] when the lengths
/// differ.
pub fn confusion_matrix<L: Label>(y_true: &[L], y_pred: &[L]) -> Result<ConfusionMatrix<L>> {
    check_pair_len(y_true.len(), y_pred.len())?;
    let index = label_index(y_true, y_pred);
    let k = index.len();
    let mut counts = vec![vec![0usize; k]; k];
    for (t, p) in y_true.iter().zip(y_pred) {
        counts[index[t]][index[p]] += 1;
    }
    let classes = index.into_keys().cloned().collect();
    Ok(ConfusionMatrix { classes, counts })
}

/// Precision `tp / (tp + fp)`, averaged as `average` says.
///
/// A class that is never predicted has an undefined precision; it counts as 0, as
/// scikit-learn's default `zero_division="warn"` does (without the warning).
///
/// # Errors
/// As [`fbeta_score`].
pub fn precision_score<L: Label>(y_true: &[L], y_pred: &[L], average: Average<L>) -> Result<f64> {
    Ok(prf(y_true, y_pred, 1.0, &average)?.0)
}

/// Recall `tp / (tp + fn)`, averaged as `average` says.
///
/// A class absent from `y_true` has an undefined recall; it counts as 0, as
/// scikit-learn's default `zero_division="warn"` does (without the warning).
///
/// # Errors
/// As [`fbeta_score`].
pub fn recall_score<L: Label>(y_true: &[L], y_pred: &[L], average: Average<L>) -> Result<f64> {
    Ok(prf(y_true, y_pred, 1.0, &average)?.1)
}

/// F1 score, the harmonic mean of precision and recall: `2tp / (2tp + fp + fn)` per
/// class, averaged as `average` says.
///
/// A class with `tp + fp + fn = 0` scores 0 (scikit-learn's default `zero_division`).
///
/// # Errors
/// As [`fbeta_score`].
pub fn f1_score<L: Label>(y_true: &[L], y_pred: &[L], average: Average<L>) -> Result<f64> {
    Ok(prf(y_true, y_pred, 1.0, &average)?.2)
}

/// F-beta score `(1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp)` per class, averaged as
/// `average` says; `beta = 1` is [`f1_score`], larger `beta` favours recall.
///
/// Undefined per-class values (zero denominators) count as 0, as scikit-learn's
/// default `zero_division="warn"` does.
///
/// # Errors
/// - [`Error::EmptyInput`] for empty `y_true`, [`Error::ShapeMismatch`] when the
///   lengths differ;
/// - [`Error::InvalidParameter`] for a negative or non-finite `beta`;
/// - [`Error::InvalidParameter`] named `average` for [`Average::Binary`] when the
///   labels have more than two values, or when `pos_label` is not among two present
///   labels.
pub fn fbeta_score<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    beta: f64,
    average: Average<L>,
) -> Result<f64> {
    Ok(prf(y_true, y_pred, beta, &average)?.2)
}

/// `n / d`, or 0 when `d` is 0 (scikit-learn's default zero-division rule).
fn divide(n: f64, d: f64) -> f64 {
    if d == 0.0 { 0.0 } else { n / d }
}

/// Sorted union of the labels of both slices, mapped to their position.
fn label_index<'a, L: Label>(y_true: &'a [L], y_pred: &'a [L]) -> BTreeMap<&'a L, usize> {
    let mut index: BTreeMap<&L, usize> = y_true.iter().chain(y_pred).map(|l| (l, 0)).collect();
    for (code, slot) in index.values_mut().enumerate() {
        *slot = code;
    }
    index
}

/// Precision, recall and F-beta under `average`.
fn prf<L: Label>(
    y_true: &[L],
    y_pred: &[L],
    beta: f64,
    average: &Average<L>,
) -> Result<(f64, f64, f64)> {
    check_pair_len(y_true.len(), y_pred.len())?;
    if !(beta >= 0.0 && beta.is_finite()) {
        return Err(Error::invalid_parameter(
            "beta",
            beta,
            "a finite value >= 0",
        ));
    }
    let index = label_index(y_true, y_pred);
    let k = index.len();
    let mut tp = vec![0usize; k];
    let mut true_sum = vec![0usize; k];
    let mut pred_sum = vec![0usize; k];
    for (t, p) in y_true.iter().zip(y_pred) {
        let (ti, pi) = (index[t], index[p]);
        true_sum[ti] += 1;
        pred_sum[pi] += 1;
        if ti == pi {
            tp[ti] += 1;
        }
    }
    let beta2 = beta * beta;
    let scores = |tp: usize, ts: usize, ps: usize| {
        let (tp, ts, ps) = (tp as f64, ts as f64, ps as f64);
        let p = divide(tp, ps);
        let r = divide(tp, ts);
        // The score from counts, as scikit-learn: avoids 0/0 when p and r are both 0.
        // Past β² = 1 both sides are divided by β², so a huge β (β² = inf) gives the
        // recall, its limit, instead of inf / inf.
        let f = if beta2 <= 1.0 {
            divide((1.0 + beta2) * tp, beta2 * ts + ps)
        } else {
            divide((1.0 / beta2 + 1.0) * tp, ts + ps / beta2)
        };
        (p, r, f)
    };
    match average {
        Average::Binary { pos_label } => {
            if k > 2 {
                return Err(Error::invalid_parameter(
                    "average",
                    format!("Binary with {k} distinct labels"),
                    "Micro, Macro or Weighted for more than two labels",
                ));
            }
            match index.get(pos_label) {
                Some(&c) => Ok(scores(tp[c], true_sum[c], pred_sum[c])),
                // scikit-learn accepts an absent positive label only when fewer than two
                // labels are present; its counts are then all zero.
                None if k < 2 => Ok((0.0, 0.0, 0.0)),
                None => Err(Error::invalid_parameter(
                    "average",
                    format!("Binary {{ pos_label: {pos_label:?} }}"),
                    "a pos_label that is one of the two labels present",
                )),
            }
        }
        Average::Micro => Ok(scores(
            tp.iter().sum(),
            true_sum.iter().sum(),
            pred_sum.iter().sum(),
        )),
        Average::Macro | Average::Weighted => {
            let weighted = matches!(average, Average::Weighted);
            let (mut sp, mut sr, mut sf, mut sw) = (0.0, 0.0, 0.0, 0.0);
            for c in 0..k {
                let (p, r, f) = scores(tp[c], true_sum[c], pred_sum[c]);
                let w = if weighted { true_sum[c] as f64 } else { 1.0 };
                sp += w * p;
                sr += w * r;
                sf += w * f;
                sw += w;
            }
            Ok((sp / sw, sr / sw, sf / sw))
        }
    }
}

/// Mean cross-entropy `−(1/n) Σ ln p[i, class(y_true[i])]` of predicted probabilities.
///
/// `proba` has one row per sample and one column per class, the classes in sorted
/// order (as [`PredictProba::classes`](crate::PredictProba::classes)). The classes are
/// `labels` when given (sorted and deduplicated here), otherwise the distinct labels
/// of `y_true`, as scikit-learn's `labels=None`. With two classes, `proba` may also
/// have a single column holding the probability of the second (positive) class.
///
/// As scikit-learn 1.9, probabilities are clipped to `[ε, 1 − ε]` with `ε =
/// f64::EPSILON` (so a zero probability costs `−ln ε ≈ 36.04`, not infinity), and rows
/// are **not** renormalised: scikit-learn only warns when a row does not sum to 1, and
/// so does this function, silently.
///
/// # Errors
/// - [`Error::EmptyInput`], [`Error::ShapeMismatch`] (rows of `proba` against
///   `y_true`, or columns against the number of classes);
/// - [`Error::TooFewClasses`] with fewer than two classes;
/// - [`Error::UnknownLabel`] for a label of `y_true` not in `labels`;
/// - [`Error::NonFinite`] or [`Error::InvalidParameter`] (named `proba`) for a value
///   outside `[0, 1]`.
pub fn log_loss<L: Label>(
    y_true: &[L],
    proba: MatRef<'_, f64>,
    labels: Option<&[L]>,
) -> Result<f64> {
    if y_true.is_empty() {
        return Err(Error::EmptyInput { what: "y_true" });
    }
    if proba.nrows() != y_true.len() {
        return Err(Error::ShapeMismatch {
            what: "number of rows of proba",
            expected: y_true.len(),
            got: proba.nrows(),
        });
    }
    crate::validate::finite(proba)?;
    for j in 0..proba.ncols() {
        if let Some(&v) = proba.col(j).iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(Error::invalid_parameter(
                "proba",
                v,
                "probabilities in [0, 1]",
            ));
        }
    }
    let classes: BTreeSet<&L> = match labels {
        Some(l) => l.iter().collect(),
        None => y_true.iter().collect(),
    };
    if classes.len() < 2 {
        return Err(Error::TooFewClasses {
            needed: 2,
            got: classes.len(),
        });
    }
    let index: BTreeMap<&L, usize> = classes.iter().enumerate().map(|(i, l)| (*l, i)).collect();
    let k = index.len();
    let single_column = k == 2 && proba.ncols() == 1;
    if proba.ncols() != k && !single_column {
        return Err(Error::ShapeMismatch {
            what: "number of columns of proba (one per class)",
            expected: k,
            got: proba.ncols(),
        });
    }
    let eps = f64::EPSILON;
    let mut total = 0.0;
    for (i, label) in y_true.iter().enumerate() {
        let &c = index.get(label).ok_or_else(|| Error::UnknownLabel {
            label: format!("{label:?}"),
        })?;
        let p = if single_column {
            let p1 = proba[(i, 0)];
            if c == 1 { p1 } else { 1.0 - p1 }
        } else {
            proba[(i, c)]
        };
        total -= p.clamp(eps, 1.0 - eps).ln();
    }
    Ok(total / y_true.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;
    use proptest::prelude::*;

    #[test]
    fn accuracy_and_confusion() {
        let t = ["cat", "dog", "cat", "bird"];
        let p = ["cat", "cat", "cat", "dog"];
        assert_eq!(accuracy_score(&t, &p).unwrap(), 0.5);
        let cm = confusion_matrix(&t, &p).unwrap();
        assert_eq!(cm.classes, vec!["bird", "cat", "dog"]);
        assert_eq!(cm.counts, vec![vec![0, 0, 1], vec![0, 2, 0], vec![0, 1, 0]]);
        assert_eq!(cm.to_mat()[(1, 1)], 2.0);
        assert!(matches!(
            accuracy_score(&t, &p[..3]),
            Err(Error::ShapeMismatch {
                expected: 4,
                got: 3,
                ..
            })
        ));
        assert!(matches!(
            accuracy_score::<u8>(&[], &[]),
            Err(Error::EmptyInput { .. })
        ));
    }

    #[test]
    fn binary_and_averages() {
        // tp = 2, fp = 1, fn = 1 for the positive class 1.
        let t = [1, 1, 1, 0, 0, 0];
        let p = [1, 1, 0, 1, 0, 0];
        let bin = Average::Binary { pos_label: 1 };
        assert!((precision_score(&t, &p, bin.clone()).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert!((recall_score(&t, &p, bin.clone()).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert!((f1_score(&t, &p, bin).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert!(
            (f1_score(&t, &p, Average::Micro).unwrap() - accuracy_score(&t, &p).unwrap()).abs()
                < 1e-15
        );
        // A class never predicted has precision 0.
        let t = [0, 1, 2, 2];
        let p = [0, 0, 2, 2];
        assert!((precision_score(&t, &p, Average::Macro).unwrap() - 0.5).abs() < 1e-15);
        assert!(matches!(
            f1_score(&t, &p, Average::Binary { pos_label: 2 }),
            Err(Error::InvalidParameter {
                name: "average",
                ..
            })
        ));
        assert!(matches!(
            f1_score(&[0, 1], &[1, 0], Average::Binary { pos_label: 7 }),
            Err(Error::InvalidParameter {
                name: "average",
                ..
            })
        ));
        assert_eq!(
            f1_score(&[0, 0], &[0, 0], Average::Binary { pos_label: 1 }).unwrap(),
            0.0
        );
        assert!(fbeta_score(&t, &p, -1.0, Average::Macro).is_err());
    }

    #[test]
    fn log_loss_matches_hand_computation() {
        let t = ["spam", "ham", "ham", "spam"];
        let p = mat![[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]];
        let expected = -(0.9f64.ln() + 0.9f64.ln() + 0.8f64.ln() + 0.65f64.ln()) / 4.0;
        assert!((log_loss(&t, p.as_ref(), None).unwrap() - expected).abs() < 1e-15);
        let single = mat![[0.9], [0.1], [0.2], [0.65]];
        assert!((log_loss(&t, single.as_ref(), None).unwrap() - expected).abs() < 1e-15);
        let zero = mat![[1.0, 0.0]];
        let l = log_loss(&[1], zero.as_ref(), Some(&[0, 1])).unwrap();
        assert!((l + f64::EPSILON.ln()).abs() < 1e-12);
        assert!(matches!(
            log_loss(&[1, 1], mat![[0.5, 0.5], [0.5, 0.5]].as_ref(), None),
            Err(Error::TooFewClasses { .. })
        ));
        assert!(matches!(
            log_loss(&[2], zero.as_ref(), Some(&[0, 1])),
            Err(Error::UnknownLabel { .. })
        ));
        assert!(log_loss(&[0], mat![[1.5, -0.5]].as_ref(), Some(&[0, 1])).is_err());
    }

    proptest! {
        #[test]
        fn accuracy_in_unit_interval(pairs in proptest::collection::vec((0u8..4, 0u8..4), 1..60)) {
            let (t, p): (Vec<u8>, Vec<u8>) = pairs.into_iter().unzip();
            let a = accuracy_score(&t, &p).unwrap();
            prop_assert!((0.0..=1.0).contains(&a));
            let cm = confusion_matrix(&t, &p).unwrap();
            let diag: usize = (0..cm.classes.len()).map(|i| cm.counts[i][i]).sum();
            prop_assert!((a - diag as f64 / t.len() as f64).abs() < 1e-15);
            for avg in [Average::Micro, Average::Macro, Average::Weighted] {
                let f = f1_score(&t, &p, avg).unwrap();
                prop_assert!((0.0..=1.0).contains(&f));
            }
        }
    }
}
