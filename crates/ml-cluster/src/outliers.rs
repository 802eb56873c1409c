//! Anomalies from density clustering, as flags: the rows DBSCAN or HDBSCAN call noise,
//! and the rows whose GLOSH outlier score ([`HdbscanModel::outlier_scores`]) passes a
//! threshold, given directly or as the share of rows to flag.
//!
//! ```
//! use ml_cluster::outliers::{noise_flags, score_flags, threshold_for_share};
//! use ml_cluster::Hdbscan;
//! use ml_core::faer::Mat;
//!
//! // A dense line of 30 rows and two strays.
//! let x = Mat::from_fn(32, 1, |i, _| match i {
//!     30 => 40.0,
//!     31 => -25.0,
//!     _ => i as f64 * 0.1,
//! });
//! let model = Hdbscan::new().min_cluster_size(5).allow_single_cluster(true).fit(x.as_ref())?;
//! let scores = model.outlier_scores();
//! // Flag the 2 rows (1/16 of 32) with the highest scores: the strays.
//! let flags = score_flags(scores, threshold_for_share(scores, 1.0 / 16.0)?)?;
//! assert_eq!(flags.iter().filter(|&&f| f).count(), 2);
//! assert!(flags[30] && flags[31]);
//! assert_eq!(noise_flags(model.labels()).len(), 32);
//! # Ok::<(), ml_core::Error>(())
//! ```
//!
//! [`HdbscanModel::outlier_scores`]: crate::HdbscanModel::outlier_scores

use ml_core::{Error, Result, validate};

/// `true` for each noise row (`None` label) of a DBSCAN or HDBSCAN fit.
pub fn noise_flags(labels: &[Option<usize>]) -> Vec<bool> {
    labels.iter().map(Option::is_none).collect()
}

/// `true` for each row whose outlier score is above `threshold` (strictly).
///
/// # Errors
/// [`Error::InvalidParameter`] for a threshold that is NaN; [`Error::NonFinite`] for
/// a score that is not finite.
pub fn score_flags(scores: &[f64], threshold: f64) -> Result<Vec<bool>> {
    if threshold.is_nan() {
        return Err(Error::invalid_parameter("threshold", threshold, "a number"));
    }
    validate::finite_slice(scores)?;
    Ok(scores.iter().map(|&s| s > threshold).collect())
}

/// The threshold that [`score_flags`] turns into flags on (about) `share` of the rows:
/// the scores' `1 − share` quantile, interpolated linearly between order statistics as
/// numpy's default `quantile` does (so ties may flag fewer rows).
///
/// # Errors
/// [`Error::InvalidParameter`] for a share outside `[0, 1]`; [`Error::EmptyInput`] for
/// no scores; [`Error::NonFinite`] for a score that is not finite.
pub fn threshold_for_share(scores: &[f64], share: f64) -> Result<f64> {
    validate::in_closed_range("share", share, 0.0, 1.0, "in [0, 1]")?;
    if scores.is_empty() {
        return Err(Error::EmptyInput { what: "scores" });
    }
    validate::finite_slice(scores)?;
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = (1.0 - share) * (sorted.len() - 1) as f64;
    let (lo, frac) = (at.floor() as usize, at.fract());
    let hi = (lo + 1).min(sorted.len() - 1);
    Ok(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_numpy_s() {
        let s = [0.1, 0.4, 0.2, 0.9, 0.3];
        // numpy.quantile(s, 0.75) = 0.4, quantile(s, 0.9) = 0.7.
        assert!((threshold_for_share(&s, 0.25).unwrap() - 0.4).abs() < 1e-15);
        assert!((threshold_for_share(&s, 0.1).unwrap() - 0.7).abs() < 1e-12);
        assert_eq!(threshold_for_share(&s, 0.0).unwrap(), 0.9);
        assert_eq!(threshold_for_share(&s, 1.0).unwrap(), 0.1);
        assert!(threshold_for_share(&s, 1.5).is_err());
        assert!(threshold_for_share(&[], 0.5).is_err());
        assert_eq!(
            score_flags(&s, 0.35).unwrap(),
            [false, true, false, true, false]
        );
        assert!(score_flags(&[f64::NAN], 0.5).is_err());
        assert!(score_flags(&s, f64::NAN).is_err());
        assert_eq!(noise_flags(&[Some(0), None]), [false, true]);
    }
}
