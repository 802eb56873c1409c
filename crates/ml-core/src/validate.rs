//! Input and hyper-parameter checks that every estimator runs before any work.
//!
//! Each check returns the typed [`Error`] variant that names what is wrong and where,
//! so estimators never panic on user input.

use std::collections::BTreeMap;
use std::fmt::Debug;

use faer::MatRef;
use rayon::prelude::*;

use crate::features::Features;
use crate::sparse::CsrRef;
use crate::{Error, Label, Result};

/// `x` has at least one row and one column.
///
/// # Errors
/// [`Error::EmptyInput`] naming `what`.
pub fn non_empty(x: MatRef<'_, f64>, what: &'static str) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyInput { what });
    }
    Ok(())
}

/// Entries from which [`finite`] scans the columns of a matrix in parallel.
const PARALLEL_SCAN_VALUES: usize = 1 << 20;

/// Whether every value is finite, without a branch per value so that it vectorises:
/// `v * 0.0` is ±0 for a finite `v` and NaN otherwise, and a NaN survives the sums.
fn all_finite(values: &[f64]) -> bool {
    let mut lanes = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += v * 0.0;
        }
    }
    let tail = rest.iter().fold(0.0, |acc, &v| acc + v * 0.0);
    lanes.iter().sum::<f64>() + tail == 0.0
}

/// Every entry of `x` is finite.
///
/// # Errors
/// [`Error::NonFinite`] with the first offending row and column (in row order).
pub fn finite(x: MatRef<'_, f64>) -> Result<()> {
    // Column-major scan is the cache-friendly one; report the smallest row on failure.
    // Large inputs are scanned in parallel first; the sequential scan below then only
    // runs to name the first offending entry.
    let all_clean = |j: usize| {
        x.col(j)
            .try_as_col_major()
            .is_some_and(|c| all_finite(c.as_slice()))
    };
    if x.nrows() * x.ncols() >= PARALLEL_SCAN_VALUES
        && (0..x.ncols()).into_par_iter().all(all_clean)
    {
        return Ok(());
    }
    let mut first: Option<(usize, usize, f64)> = None;
    for j in 0..x.ncols() {
        let col = x.col(j);
        if col
            .try_as_col_major()
            .is_some_and(|c| all_finite(c.as_slice()))
        {
            continue;
        }
        for (i, &v) in col.iter().enumerate() {
            if !v.is_finite() {
                if first.is_none_or(|(r, _, _)| i < r) {
                    first = Some((i, j, v));
                }
                break;
            }
        }
    }
    match first {
        Some((row, col, value)) => Err(Error::NonFinite { row, col, value }),
        None => Ok(()),
    }
}

/// `x` is non-empty and finite: the check every `fit` starts with.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn matrix(x: MatRef<'_, f64>) -> Result<()> {
    non_empty(x, "X")?;
    finite(x)
}

/// `x` is non-empty, finite and has `n_features` columns: the check every `predict` starts with.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
pub fn matrix_with_features(x: MatRef<'_, f64>, n_features: usize) -> Result<()> {
    non_empty(x, "X")?;
    n_features_eq(x.ncols(), n_features)?;
    finite(x)
}

/// The number of features equals the fitted one.
///
/// # Errors
/// [`Error::ShapeMismatch`].
pub fn n_features_eq(got: usize, expected: usize) -> Result<()> {
    if got != expected {
        return Err(Error::ShapeMismatch {
            what: "number of features",
            expected,
            got,
        });
    }
    Ok(())
}

/// A sparse matrix is non-empty, its column indices are strictly increasing within each
/// row (sorted, no duplicates: what every CSR kernel of the workspace assumes) and its
/// stored values are finite.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::InvalidData`] for unsorted or repeated column
/// indices, or [`Error::NonFinite`].
pub fn csr(x: CsrRef<'_>) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyInput { what: "X" });
    }
    for row in 0..x.nrows() {
        let cols = x.col_idx_of_row_raw(row);
        if let Some(k) = cols.windows(2).position(|w| w[0] >= w[1]) {
            return Err(Error::InvalidData {
                what: "X",
                location: format!("row {row}"),
                reason: format!(
                    "CSR column indices must be strictly increasing within a row \
                     ({} then {})",
                    cols[k],
                    cols[k + 1]
                ),
            });
        }
        for (&col, &value) in cols.iter().zip(x.val_of_row(row)) {
            if !value.is_finite() {
                return Err(Error::NonFinite { row, col, value });
            }
        }
    }
    Ok(())
}

/// [`csr`] or [`matrix`], whichever layout `x` has: the check every `fit` starts with.
///
/// # Errors
/// As [`csr`] and [`matrix`].
pub fn features(x: Features<'_>) -> Result<()> {
    match x {
        Features::Dense(x) => matrix(x),
        Features::Sparse(x) => csr(x),
    }
}

/// [`features`] plus `n_features` columns: the check every `predict` starts with.
///
/// # Errors
/// As [`features`], plus [`Error::ShapeMismatch`].
pub fn features_with_n(x: Features<'_>, n_features: usize) -> Result<()> {
    match x {
        Features::Dense(x) => matrix_with_features(x, n_features),
        Features::Sparse(x) => {
            if x.nrows() == 0 || x.ncols() == 0 {
                return Err(Error::EmptyInput { what: "X" });
            }
            n_features_eq(x.ncols(), n_features)?;
            csr(x)
        }
    }
}

/// Every entry of a dense input is non-negative (counts, frequencies).
///
/// # Errors
/// [`Error::NegativeValue`] naming `what` and the first negative entry (in row order).
pub fn non_negative(x: MatRef<'_, f64>, what: &'static str) -> Result<()> {
    for i in 0..x.nrows() {
        for j in 0..x.ncols() {
            let value = x[(i, j)];
            if value < 0.0 {
                return Err(Error::NegativeValue {
                    what,
                    row: i,
                    col: j,
                    value,
                });
            }
        }
    }
    Ok(())
}

/// Every stored entry of a CSR input is non-negative (counts, frequencies).
///
/// # Errors
/// [`Error::NegativeValue`] naming `what` and the first negative entry (in row order).
pub fn csr_non_negative(x: CsrRef<'_>, what: &'static str) -> Result<()> {
    for row in 0..x.nrows() {
        let cols = x.col_idx_of_row_raw(row);
        if let Some((&col, &value)) = cols.iter().zip(x.val_of_row(row)).find(|(_, v)| **v < 0.0) {
            return Err(Error::NegativeValue {
                what,
                row,
                col,
                value,
            });
        }
    }
    Ok(())
}

/// [`non_negative`] or [`csr_non_negative`], whichever layout `x` has.
///
/// # Errors
/// As those two.
pub fn features_non_negative(x: Features<'_>, what: &'static str) -> Result<()> {
    match x {
        Features::Dense(x) => non_negative(x, what),
        Features::Sparse(x) => csr_non_negative(x, what),
    }
}

/// `y` has one entry per row of `X`.
///
/// # Errors
/// [`Error::ShapeMismatch`].
pub fn targets_len(n_samples: usize, y_len: usize) -> Result<()> {
    if n_samples != y_len {
        return Err(Error::ShapeMismatch {
            what: "length of y",
            expected: n_samples,
            got: y_len,
        });
    }
    Ok(())
}

/// Regression targets are finite.
///
/// # Errors
/// [`Error::NonFinite`] with the sample index as `row`.
pub fn finite_slice(y: &[f64]) -> Result<()> {
    if all_finite(y) {
        return Ok(());
    }
    match y.iter().position(|v| !v.is_finite()) {
        Some(row) => Err(Error::NonFinite {
            row,
            col: 0,
            value: y[row],
        }),
        None => Ok(()),
    }
}

/// Per-sample weights: one per sample, finite and non-negative, not all zero.
///
/// # Errors
/// [`Error::ShapeMismatch`], [`Error::NonFinite`] or [`Error::InvalidParameter`].
pub fn sample_weight(weights: &[f64], n_samples: usize) -> Result<()> {
    if weights.len() != n_samples {
        return Err(Error::ShapeMismatch {
            what: "length of sample_weight",
            expected: n_samples,
            got: weights.len(),
        });
    }
    finite_slice(weights)?;
    if let Some(&w) = weights.iter().find(|&&w| w < 0.0) {
        return Err(Error::invalid_parameter(
            "sample_weight",
            w,
            "non-negative weights",
        ));
    }
    if weights.iter().all(|&w| w == 0.0) {
        return Err(Error::invalid_parameter(
            "sample_weight",
            "all zero",
            "at least one positive weight",
        ));
    }
    Ok(())
}

/// At least `needed` samples.
///
/// # Errors
/// [`Error::TooFewSamples`].
pub fn min_samples(got: usize, needed: usize) -> Result<()> {
    if got < needed {
        return Err(Error::TooFewSamples { needed, got });
    }
    Ok(())
}

/// `value > 0` and finite.
///
/// # Errors
/// [`Error::InvalidParameter`].
pub fn positive(name: &'static str, value: f64) -> Result<()> {
    if !(value > 0.0 && value.is_finite()) {
        return Err(Error::invalid_parameter(name, value, "a finite value > 0"));
    }
    Ok(())
}

/// `value >= 0` and finite.
///
/// # Errors
/// [`Error::InvalidParameter`].
pub fn non_negative_param(name: &'static str, value: f64) -> Result<()> {
    if !(value >= 0.0 && value.is_finite()) {
        return Err(Error::invalid_parameter(name, value, "a finite value >= 0"));
    }
    Ok(())
}

/// `lo <= value <= hi`.
///
/// # Errors
/// [`Error::InvalidParameter`] with `expected` as the message.
pub fn in_closed_range(
    name: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result<()> {
    if !(lo..=hi).contains(&value) {
        return Err(Error::invalid_parameter(name, value, expected));
    }
    Ok(())
}

/// `value >= min` for counts (`n_clusters >= 1`, `max_iter >= 1`).
///
/// # Errors
/// [`Error::InvalidParameter`] with `expected` as the message.
pub fn at_least<T: PartialOrd + Debug>(
    name: &'static str,
    value: T,
    min: T,
    expected: &'static str,
) -> Result<()> {
    if value < min {
        return Err(Error::invalid_parameter(name, value, expected));
    }
    Ok(())
}

/// `value <= max`, else [`Error::InvalidParameter`] named `name`: the documented
/// bound of a count that sets how many times a loop runs without any other stop (runs
/// of k-means, power iterations), so that `usize::MAX` is an error, not a hang.
///
/// # Errors
/// [`Error::InvalidParameter`] with `expected`.
pub fn at_most<T: PartialOrd + Debug>(
    name: &'static str,
    value: T,
    max: T,
    expected: &'static str,
) -> Result<()> {
    if value > max {
        return Err(Error::invalid_parameter(name, value, expected));
    }
    Ok(())
}

/// Class labels encoded as dense indices into their sorted distinct values.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedLabels<L> {
    /// The sorted distinct labels (scikit-learn's `classes_`).
    pub classes: Vec<L>,
    /// For every sample, the index of its label in `classes`.
    pub codes: Vec<usize>,
}

/// Encodes classification targets and checks there are at least `min_classes` classes.
///
/// # Errors
/// [`Error::EmptyInput`] for empty `y`, [`Error::TooFewClasses`].
pub fn encode_labels<L: Label>(y: &[L], min_classes: usize) -> Result<EncodedLabels<L>> {
    if y.is_empty() {
        return Err(Error::EmptyInput { what: "y" });
    }
    let mut index: BTreeMap<&L, usize> = y.iter().map(|l| (l, 0)).collect();
    if index.len() < min_classes {
        return Err(Error::TooFewClasses {
            needed: min_classes,
            got: index.len(),
        });
    }
    for (code, slot) in index.values_mut().enumerate() {
        *slot = code;
    }
    let codes = y.iter().map(|l| index[l]).collect();
    let classes = index.into_keys().cloned().collect();
    Ok(EncodedLabels { classes, codes })
}

/// The fit-time checks of a supervised estimator: `X` non-empty and finite, `y` of
/// matching length.
///
/// # Errors
/// As [`matrix`] and [`targets_len`].
pub fn supervised(x: MatRef<'_, f64>, y_len: usize) -> Result<()> {
    matrix(x)?;
    targets_len(x.nrows(), y_len)
}

/// The model a fit is about to return, if it holds together: a model that fails its own
/// [`Invariants::check_invariants`](crate::persist::Invariants::check_invariants) (a
/// NaN or infinite parameter, most often, after an overflow) is refused with
/// [`Error::NumericalFailure`] naming `estimator`, never returned as `Ok`.
///
/// # Errors
/// [`Error::NumericalFailure`] with the invariant that does not hold.
pub fn fitted<M: crate::persist::Invariants>(estimator: &'static str, model: M) -> Result<M> {
    match model.check_invariants() {
        Ok(()) => Ok(model),
        Err(reason) => Err(Error::NumericalFailure { estimator, reason }),
    }
}

/// Checks that `count` values of `T` can be allocated, by reserving (and releasing)
/// them, so a huge size from a parameter (`n_samples = usize::MAX`, say) is a typed
/// error instead of a capacity-overflow panic or an abort on allocation failure.
///
/// # Errors
/// [`Error::AllocationFailed`] naming `what`.
pub fn allocatable<T>(what: &'static str, count: usize) -> Result<()> {
    Vec::<T>::new()
        .try_reserve_exact(count)
        .map_err(|_| Error::AllocationFailed { what, count })
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;

    #[test]
    fn empty_is_error() {
        let x = faer::Mat::<f64>::zeros(0, 3);
        assert_eq!(matrix(x.as_ref()), Err(Error::EmptyInput { what: "X" }));
        let x = faer::Mat::<f64>::zeros(3, 0);
        assert_eq!(matrix(x.as_ref()), Err(Error::EmptyInput { what: "X" }));
    }

    #[test]
    fn first_non_finite_in_row_order() {
        let x = mat![[1.0, 2.0], [3.0, f64::INFINITY], [f64::NAN, 0.0]];
        match finite(x.as_ref()) {
            Err(Error::NonFinite { row, col, value }) => {
                assert_eq!((row, col), (1, 1));
                assert_eq!(value, f64::INFINITY);
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
    }

    #[test]
    fn every_non_finite_value_is_found_in_chunks_and_tail() {
        let clean: Vec<f64> = (0..21)
            .map(|i| f64::MAX * if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        assert!(all_finite(&clean) && finite_slice(&clean).is_ok());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in 0..clean.len() {
                let mut v = clean.clone();
                v[at] = bad;
                assert!(!all_finite(&v), "missed {bad} at {at}");
                let x = faer::Mat::from_fn(v.len(), 1, |i, _| v[i]);
                assert!(
                    matches!(finite(x.as_ref()), Err(Error::NonFinite { row, .. }) if row == at)
                );
            }
        }
    }

    #[test]
    fn large_matrices_name_the_first_non_finite_entry_too() {
        let mut x = faer::Mat::<f64>::zeros(1100, 1000);
        assert!(x.nrows() * x.ncols() >= PARALLEL_SCAN_VALUES);
        assert!(finite(x.as_ref()).is_ok());
        x[(900, 3)] = f64::NAN;
        x[(17, 999)] = f64::INFINITY;
        assert!(matches!(
            finite(x.as_ref()),
            Err(Error::NonFinite {
                row: 17,
                col: 999,
                ..
            })
        ));
    }

    #[test]
    fn labels_are_sorted_and_encoded() {
        let enc = encode_labels(&["b", "a", "c", "a"], 2).unwrap();
        assert_eq!(enc.classes, vec!["a", "b", "c"]);
        assert_eq!(enc.codes, vec![1, 0, 2, 0]);
        assert_eq!(
            encode_labels(&[1, 1, 1], 2),
            Err(Error::TooFewClasses { needed: 2, got: 1 })
        );
    }

    #[test]
    fn parameter_ranges() {
        assert!(positive("C", 0.0).is_err());
        assert!(positive("C", f64::NAN).is_err());
        assert!(positive("C", 1.0).is_ok());
        assert!(in_closed_range("l1_ratio", 1.5, 0.0, 1.0, "in [0, 1]").is_err());
        assert!(at_least("n_clusters", 0usize, 1, ">= 1").is_err());
        assert!(sample_weight(&[0.0, 0.0], 2).is_err());
        assert!(sample_weight(&[1.0], 2).is_err());
    }

    proptest::proptest! {
        #[test]
        fn validation_never_panics(
            rows in 0usize..6, cols in 0usize..6,
            vals in proptest::collection::vec(proptest::num::f64::ANY, 36),
        ) {
            let x = faer::Mat::from_fn(rows, cols, |i, j| vals[i * 6 + j]);
            let res = matrix(x.as_ref());
            let has_bad = (0..rows).any(|i| (0..cols).any(|j| !x[(i, j)].is_finite()));
            if rows == 0 || cols == 0 {
                let empty = matches!(res, Err(Error::EmptyInput { .. }));
                proptest::prop_assert!(empty);
            } else {
                proptest::prop_assert_eq!(res.is_err(), has_bad);
            }
        }
    }
}
