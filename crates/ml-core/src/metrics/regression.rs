//! Regression scores: the coefficient of determination and mean errors.

use super::check_pair_len;
use crate::validate::finite_slice;
use crate::{Error, Result};

/// Lengths agree, both non-empty and finite.
fn check_targets(y_true: &[f64], y_pred: &[f64]) -> Result<()> {
    check_pair_len(y_true.len(), y_pred.len())?;
    finite_slice(y_true)?;
    finite_slice(y_pred)
}

/// Coefficient of determination `1 − Σ(y − ŷ)² / Σ(y − ȳ)²`; 1 is a perfect fit and
/// the score can be arbitrarily negative.
///
/// When `y_true` is constant, the score is 1.0 for a perfect prediction and 0.0
/// otherwise, as scikit-learn's default `force_finite=True`.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::ShapeMismatch`], [`Error::NonFinite`], and
/// [`Error::TooFewSamples`] for a single sample (where scikit-learn returns NaN).
pub fn r2_score(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check_targets(y_true, y_pred)?;
    if y_true.len() < 2 {
        return Err(Error::TooFewSamples {
            needed: 2,
            got: y_true.len(),
        });
    }
    // In units of a power of two near the largest magnitude: R² does not change, the
    // bits do not either on ordinary data, and squares of ±1e200 do not overflow.
    let unit = crate::kernels::pow2_magnitude(crate::kernels::max_abs(
        y_true.iter().chain(y_pred).copied(),
    ));
    let mean = y_true.iter().map(|t| t / unit).sum::<f64>() / y_true.len() as f64;
    let numerator: f64 = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t / unit - p / unit) * (t / unit - p / unit))
        .sum();
    let denominator: f64 = y_true
        .iter()
        .map(|t| (t / unit - mean) * (t / unit - mean))
        .sum();
    if denominator == 0.0 {
        return Ok(if numerator == 0.0 { 1.0 } else { 0.0 });
    }
    Ok(1.0 - numerator / denominator)
}

/// Mean of the squared errors `(1/n) Σ (y − ŷ)²`.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
pub fn mean_squared_error(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check_targets(y_true, y_pred)?;
    let s: f64 = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p) * (t - p))
        .sum();
    Ok(s / y_true.len() as f64)
}

/// Mean of the absolute errors `(1/n) Σ |y − ŷ|`.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
pub fn mean_absolute_error(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check_targets(y_true, y_pred)?;
    let s: f64 = y_true.iter().zip(y_pred).map(|(t, p)| (t - p).abs()).sum();
    Ok(s / y_true.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_scores() {
        let t = [3.0, -0.5, 2.0, 7.0];
        let p = [2.5, 0.0, 2.0, 8.0];
        assert!((mean_squared_error(&t, &p).unwrap() - 0.375).abs() < 1e-15);
        assert!((mean_absolute_error(&t, &p).unwrap() - 0.5).abs() < 1e-15);
        assert!((r2_score(&t, &p).unwrap() - 0.948_608_137_044_967_9).abs() < 1e-15);
        assert_eq!(r2_score(&[1.0, 1.0], &[1.0, 1.0]).unwrap(), 1.0);
        assert_eq!(r2_score(&[1.0, 1.0], &[1.0, 2.0]).unwrap(), 0.0);
        assert!(matches!(
            r2_score(&[1.0], &[1.0]),
            Err(Error::TooFewSamples { needed: 2, got: 1 })
        ));
        assert!(matches!(
            mean_squared_error(&[1.0, f64::NAN], &[1.0, 1.0]),
            Err(Error::NonFinite { row: 1, .. })
        ));
        assert!(mean_absolute_error(&[], &[]).is_err());
    }
}
