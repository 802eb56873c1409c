//! The distance metrics of the neighbour index and their one canonical evaluation.
//!
//! Every backend (k-d tree, ball tree, brute force) reports distances computed by
//! [`Metric::distance`] on the stored rows, summed feature by feature in column order:
//! the faster approximations a backend uses to *find* candidates (kiddo's SIMD sums, the
//! GEMM expansion `‖x‖² − 2x·y + ‖y‖²`) only choose which pairs to evaluate, with margins
//! that cannot lose a true neighbour. So the three backends return the same neighbours
//! and the same distances, bit for bit.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How far apart two rows are.
///
/// scikit-learn's default, `metric='minkowski', p=2`, is [`Metric::Euclidean`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Metric {
    /// `√Σ (xᵢ − yᵢ)²`. The default.
    #[default]
    Euclidean,
    /// `Σ (xᵢ − yᵢ)²`: the same neighbours as [`Euclidean`](Self::Euclidean), squared
    /// distances (scikit-learn's `'sqeuclidean'`).
    SquaredEuclidean,
    /// `Σ |xᵢ − yᵢ|` (`'manhattan'`, `'cityblock'`, Minkowski with `p = 1`).
    Manhattan,
    /// `maxᵢ |xᵢ − yᵢ|` (`'chebyshev'`, Minkowski with `p = ∞`).
    Chebyshev,
    /// `(Σ |xᵢ − yᵢ|^p)^(1/p)` for `p ≥ 1` (`p = ∞` is allowed and is Chebyshev).
    Minkowski(f64),
    /// `1 − x·y / (‖x‖ ‖y‖)`, in `[0, 2]`; a zero row is at distance 1 from every row,
    /// as in scikit-learn (which normalises rows and leaves zero rows at zero). Not a
    /// metric (no triangle inequality), so only brute force serves it.
    Cosine,
    /// The great-circle distance on the unit sphere between rows `[latitude,
    /// longitude]` in radians: `2 asin √(sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2))`.
    /// Multiply by the sphere's radius (6371 km for the Earth) for a length.
    Haversine,
}

impl Metric {
    /// Checks the metric's parameter.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `metric`) for Minkowski with `p < 1` or NaN.
    pub fn check(self) -> Result<()> {
        if let Metric::Minkowski(p) = self
            && (p.is_nan() || p < 1.0)
        {
            return Err(Error::invalid_parameter(
                "metric",
                self,
                "Minkowski with p >= 1 (p < 1 is not a metric)",
            ));
        }
        Ok(())
    }

    /// The same metric in its simplest form: Minkowski with `p` 1, 2 or ∞ becomes
    /// Manhattan, Euclidean or Chebyshev.
    pub fn canonical(self) -> Metric {
        match self {
            Metric::Minkowski(1.0) => Metric::Manhattan,
            Metric::Minkowski(2.0) => Metric::Euclidean,
            Metric::Minkowski(f64::INFINITY) => Metric::Chebyshev,
            m => m,
        }
    }

    /// Whether distances scale with the data: `d(s·x, s·y) = s·d(x, y)` (`s²·d` for
    /// squared Euclidean). Cosine and haversine do not, so their rows are never rescaled.
    pub(crate) fn scales_with_data(self) -> bool {
        !matches!(self, Metric::Cosine | Metric::Haversine)
    }

    /// The distance between two rows of equal length, evaluated in column order; the
    /// one definition every backend reports. Cosine expects rows already scaled to
    /// unit length (or zero), as the index stores them.
    #[inline]
    pub(crate) fn distance(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Metric::Euclidean => squared(a, b).sqrt(),
            Metric::SquaredEuclidean => squared(a, b),
            Metric::Manhattan => a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum(),
            Metric::Chebyshev => a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max),
            Metric::Minkowski(p) => a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs().powf(p))
                .sum::<f64>()
                .powf(p.recip()),
            Metric::Cosine => {
                let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                (1.0 - dot).clamp(0.0, 2.0)
            }
            Metric::Haversine => haversine(a[0], a[1], b[0], b[1]),
        }
    }

    /// A distance of the scaled data back in the caller's units (see
    /// [`scales_with_data`](Self::scales_with_data)): divided by the power-of-two
    /// `scale`, squared for squared Euclidean, so the division is exact.
    #[inline]
    pub(crate) fn unscale(self, d: f64, scale: f64) -> f64 {
        match self {
            Metric::SquaredEuclidean => d / scale / scale,
            Metric::Cosine | Metric::Haversine => d,
            _ => d / scale,
        }
    }
}

/// `Σ (aᵢ − bᵢ)²` in column order.
#[inline]
fn squared(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The haversine formula as scikit-learn writes it, with the square root's argument
/// kept in `[0, 1]` against rounding.
fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let s0 = ((lat2 - lat1) * 0.5).sin();
    let s1 = ((lon2 - lon1) * 0.5).sin();
    let h = s0 * s0 + lat1.cos() * lat2.cos() * s1 * s1;
    2.0 * h.clamp(0.0, 1.0).sqrt().asin()
}

/// The power of two `s` that brings `max_abs` into `[1, 2)` (1 for zero or non-finite
/// values), so scaled data neither overflows when squared nor underflows; scaling by a
/// power of two is exact, so the scaled distances are the true ones times `s`.
pub(crate) fn power_of_two_scale(max_abs: f64) -> f64 {
    crate::kernels::pow2_magnitude(max_abs).recip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(Metric::Minkowski(1.0).canonical(), Metric::Manhattan);
        assert_eq!(Metric::Minkowski(2.0).canonical(), Metric::Euclidean);
        assert_eq!(
            Metric::Minkowski(f64::INFINITY).canonical(),
            Metric::Chebyshev
        );
        assert_eq!(Metric::Minkowski(3.0).canonical(), Metric::Minkowski(3.0));
        assert!(Metric::Minkowski(0.5).check().is_err());
        assert!(Metric::Minkowski(f64::NAN).check().is_err());
        assert!(Metric::Minkowski(1.0).check().is_ok());
    }

    #[test]
    fn distances() {
        let (a, b) = ([0.0, 3.0], [4.0, 0.0]);
        assert_eq!(Metric::Euclidean.distance(&a, &b), 5.0);
        assert_eq!(Metric::SquaredEuclidean.distance(&a, &b), 25.0);
        assert_eq!(Metric::Manhattan.distance(&a, &b), 7.0);
        assert_eq!(Metric::Chebyshev.distance(&a, &b), 4.0);
        assert!((Metric::Minkowski(3.0).distance(&a, &b) - 91f64.cbrt()).abs() < 1e-12);
        // A quarter of the equator.
        let q = std::f64::consts::FRAC_PI_2;
        assert!((Metric::Haversine.distance(&[0.0, 0.0], &[0.0, q]) - q).abs() < 1e-15);
        assert_eq!(Metric::Cosine.distance(&[1.0, 0.0], &[0.0, 1.0]), 1.0);
    }

    #[test]
    fn scales_are_powers_of_two() {
        for x in [1.0, 3.0, 1e300, f64::MAX, 1e-300, 5e-324] {
            let s = power_of_two_scale(x);
            assert_eq!(s.log2().fract(), 0.0);
            let y = x * s;
            assert!((1.0..2.0).contains(&y) || x < 1e-300, "{x} -> {y}");
        }
    }
}
