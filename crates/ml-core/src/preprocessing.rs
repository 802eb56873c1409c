//! Feature scaling: standardisation ([`StandardScaler`]) and rescaling to a range
//! ([`MinMaxScaler`]), with scikit-learn 1.9's statistics and edge cases.
//!
//! Estimators hold hyper-parameters only; `fit` returns a model that transforms. Models
//! store their parameters as plain `Vec<f64>` so they serialise with serde.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::persist::{Invariants, Persist};
use crate::{Error, Features, FitUnsupervised, Fitted, Result, Transform, kernels, validate};

/// Standardises features to zero mean and unit variance: `z = (x − mean) / scale`.
///
/// The variance is the population variance (`ddof = 0`), and a (near-)constant feature
/// keeps a scale of 1, as scikit-learn's `StandardScaler`.
///
/// ```
/// use ml_core::preprocessing::StandardScaler;
/// let x = faer::mat![[1.0, 10.0], [3.0, 10.0]];
/// let model = StandardScaler::new().fit(x.as_ref())?;
/// assert_eq!(model.mean(), &[2.0, 10.0]);
/// assert_eq!(model.scale(), &[1.0, 1.0]); // std of column 0 is 1; column 1 is constant
/// let z = model.transform(x.as_ref())?;
/// assert_eq!(z[(0, 0)], -1.0);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    with_mean: bool,
    with_std: bool,
}

impl Default for StandardScaler {
    fn default() -> Self {
        Self::new()
    }
}

impl StandardScaler {
    /// A scaler that centres and scales every feature.
    pub fn new() -> Self {
        Self {
            with_mean: true,
            with_std: true,
        }
    }

    /// Whether to subtract the mean. Default: true.
    pub fn with_mean(mut self, with_mean: bool) -> Self {
        self.with_mean = with_mean;
        self
    }

    /// Whether to divide by the standard deviation. Default: true.
    pub fn with_std(mut self, with_std: bool) -> Self {
        self.with_std = with_std;
        self
    }

    /// Computes the mean and variance of every column of `x`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] or [`Error::NonFinite`].
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<StandardScalerModel> {
        let x = x.into().dense("StandardScaler")?;
        validate::matrix(x)?;
        let n = x.nrows() as f64;
        let d = x.ncols();
        let mut mean = Vec::with_capacity(d);
        let mut var = Vec::with_capacity(d);
        let mut scale = Vec::with_capacity(d);
        for j in 0..d {
            let col = x.col(j);
            // Statistics of the column divided by a power of two near its largest
            // magnitude: the same bits as unscaled ones on ordinary data, and no
            // overflow (sums, squares) or underflow (squares) near the ends of f64.
            let p = kernels::pow2_magnitude(kernels::max_abs(col.iter().copied()));
            let m = col.iter().map(|v| v / p).sum::<f64>() / n;
            // Two-pass variance with the rounding-error correction term, as scikit-learn's
            // `_incremental_mean_and_var`.
            let (mut sq, mut correction) = (0.0, 0.0);
            for &v in col.iter() {
                let t = v / p - m;
                sq += t * t;
                correction += t;
            }
            let v = ((sq - correction * correction / n) / n).max(0.0);
            // A feature is constant when its variance is within rounding of zero
            // (scikit-learn's `_is_constant_feature`); it keeps a scale of 1.
            let eps = f64::EPSILON;
            let bound = n * eps * v + (n * m * eps).powi(2);
            let s = if !self.with_std || v <= bound {
                1.0
            } else {
                v.sqrt() * p
            };
            mean.push(m * p);
            // The variance itself may exceed f64 (a column of ±1e200): then it is +inf,
            // while the scale, its square root, stays finite.
            var.push(v * p * p);
            scale.push(s);
        }
        validate::fitted(
            "StandardScaler",
            StandardScalerModel {
                with_mean: self.with_mean,
                with_std: self.with_std,
                mean,
                var,
                scale,
                n_samples_seen: x.nrows(),
            },
        )
    }
}

impl FitUnsupervised for StandardScaler {
    type Model = StandardScalerModel;

    fn fit(&self, x: Features<'_>) -> Result<StandardScalerModel> {
        StandardScaler::fit(self, x)
    }
}

/// A fitted [`StandardScaler`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScalerModel {
    with_mean: bool,
    with_std: bool,
    mean: Vec<f64>,
    var: Vec<f64>,
    scale: Vec<f64>,
    n_samples_seen: usize,
}

impl StandardScalerModel {
    /// The mean of every feature at fit time (computed even when `with_mean` is false;
    /// scikit-learn then reports `None` only when `with_std` is false as well).
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The population variance of every feature at fit time.
    pub fn var(&self) -> &[f64] {
        &self.var
    }

    /// The divisor of every feature: the standard deviation, 1 for constant features,
    /// and all ones when `with_std` is false (where scikit-learn reports `None`).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Whether the mean is subtracted.
    pub fn with_mean(&self) -> bool {
        self.with_mean
    }

    /// Whether features are divided by their standard deviation.
    pub fn with_std(&self) -> bool {
        self.with_std
    }

    /// The number of samples seen at fit time.
    pub fn n_samples_seen(&self) -> usize {
        self.n_samples_seen
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.mean.len()
    }

    /// Standardises every row of `x`: `(x − mean) / scale`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("StandardScaler")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
            let (v, m, s) = (x[(i, j)], self.mean[j], self.scale[j]);
            let m = if self.with_mean { m } else { 0.0 };
            let s = if self.with_std { s } else { 1.0 };
            let z = (v - m) / s;
            if z.is_finite() {
                z
            } else {
                // `v − m` overflowed (opposite signs near f64::MAX): the same in units
                // of a power of two.
                let p = kernels::pow2_magnitude(v.abs().max(m.abs()));
                (v / p - m / p) / (s / p)
            }
        }))
    }

    /// Undoes [`transform`](Self::transform): `z · scale + mean`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn inverse_transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("StandardScaler")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
            let v = if self.with_std {
                x[(i, j)] * self.scale[j]
            } else {
                x[(i, j)]
            };
            if self.with_mean { v + self.mean[j] } else { v }
        }))
    }
}

impl Fitted for StandardScalerModel {
    fn n_features_in(&self) -> usize {
        StandardScalerModel::n_features_in(self)
    }
}

impl Transform for StandardScalerModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        StandardScalerModel::transform(self, x)
    }
}

/// Rescales every feature linearly so that its training minimum and maximum map to
/// the ends of `feature_range`: `x · scale + min`.
///
/// A constant feature (range below `10·ε`) is divided by 1 instead of its range, as
/// scikit-learn's `MinMaxScaler`, so its training value is sent to `lo`.
///
/// ```
/// use ml_core::preprocessing::MinMaxScaler;
/// let x = faer::mat![[1.0, -1.0], [3.0, 1.0]];
/// let model = MinMaxScaler::new().feature_range(-1.0, 1.0).fit(x.as_ref())?;
/// let z = model.transform(x.as_ref())?;
/// assert_eq!((z[(0, 0)], z[(1, 0)]), (-1.0, 1.0));
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    feature_range: (f64, f64),
    clip: bool,
}

impl Default for MinMaxScaler {
    fn default() -> Self {
        Self::new()
    }
}

impl MinMaxScaler {
    /// A scaler to `[0, 1]`.
    pub fn new() -> Self {
        Self {
            feature_range: (0.0, 1.0),
            clip: false,
        }
    }

    /// The target range `(lo, hi)`, with `lo < hi` (checked at fit). Default: (0, 1).
    pub fn feature_range(mut self, lo: f64, hi: f64) -> Self {
        self.feature_range = (lo, hi);
        self
    }

    /// Whether transformed values are clipped to the range (for data outside the
    /// training range). Default: false.
    pub fn clip(mut self, clip: bool) -> Self {
        self.clip = clip;
        self
    }

    /// Computes the minimum and maximum of every column of `x`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `lo < hi` are finite with a finite `hi − lo`, then
    /// [`Error::EmptyInput`] or [`Error::NonFinite`].
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<MinMaxScalerModel> {
        let x = x.into().dense("MinMaxScaler")?;
        let (lo, hi) = self.feature_range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite()) {
            return Err(Error::invalid_parameter(
                "feature_range",
                self.feature_range,
                "finite (lo, hi) with lo < hi and a finite width hi − lo",
            ));
        }
        validate::matrix(x)?;
        let d = x.ncols();
        let (mut data_min, mut data_max) = (Vec::with_capacity(d), Vec::with_capacity(d));
        let (mut scale, mut min) = (Vec::with_capacity(d), Vec::with_capacity(d));
        for j in 0..d {
            let col = x.col(j);
            let lo_j = col.iter().copied().fold(f64::INFINITY, f64::min);
            let hi_j = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // The range in units of a power of two, so that ±f64::MAX data has a finite
            // range (same bits as unscaled on ordinary data).
            let p = kernels::pow2_magnitude(lo_j.abs().max(hi_j.abs()));
            let range = hi_j / p - lo_j / p;
            // scikit-learn's `_handle_zeros_in_scale`: near-zero ranges divide by 1.
            let s = if range * p < 10.0 * f64::EPSILON {
                hi - lo
            } else {
                (hi - lo) / range / p
            };
            data_min.push(lo_j);
            data_max.push(hi_j);
            scale.push(s);
            min.push(lo - lo_j * s);
        }
        validate::fitted(
            "MinMaxScaler",
            MinMaxScalerModel {
                feature_range: self.feature_range,
                clip: self.clip,
                data_min,
                data_max,
                scale,
                min,
            },
        )
    }
}

impl FitUnsupervised for MinMaxScaler {
    type Model = MinMaxScalerModel;

    fn fit(&self, x: Features<'_>) -> Result<MinMaxScalerModel> {
        MinMaxScaler::fit(self, x)
    }
}

/// A fitted [`MinMaxScaler`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScalerModel {
    feature_range: (f64, f64),
    clip: bool,
    data_min: Vec<f64>,
    data_max: Vec<f64>,
    scale: Vec<f64>,
    min: Vec<f64>,
}

impl MinMaxScalerModel {
    /// The per-feature minimum seen at fit time.
    pub fn data_min(&self) -> &[f64] {
        &self.data_min
    }

    /// The per-feature maximum seen at fit time.
    pub fn data_max(&self) -> &[f64] {
        &self.data_max
    }

    /// The per-feature range `data_max − data_min`.
    pub fn data_range(&self) -> Vec<f64> {
        self.data_max
            .iter()
            .zip(&self.data_min)
            .map(|(h, l)| h - l)
            .collect()
    }

    /// The per-feature multiplier (scikit-learn's `scale_`).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// The per-feature offset added after scaling (scikit-learn's `min_`).
    pub fn min(&self) -> &[f64] {
        &self.min
    }

    /// The target range.
    pub fn feature_range(&self) -> (f64, f64) {
        self.feature_range
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.scale.len()
    }

    /// Rescales every row of `x`: `x · scale + min`, clipped to the range if asked.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("MinMaxScaler")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        let (lo, hi) = self.feature_range;
        Ok(Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
            let v = x[(i, j)] * self.scale[j] + self.min[j];
            if self.clip { v.clamp(lo, hi) } else { v }
        }))
    }

    /// Undoes [`transform`](Self::transform) (without clipping): `(z − min) / scale`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn inverse_transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("MinMaxScaler")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
            (x[(i, j)] - self.min[j]) / self.scale[j]
        }))
    }
}

impl Fitted for MinMaxScalerModel {
    fn n_features_in(&self) -> usize {
        MinMaxScalerModel::n_features_in(self)
    }
}

impl Transform for MinMaxScalerModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        MinMaxScalerModel::transform(self, x)
    }
}

impl Persist for StandardScalerModel {
    const MODEL_NAME: &'static str = "ml_core::preprocessing::StandardScalerModel";
}

impl Invariants for StandardScalerModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use crate::persist::invariants as inv;
        inv::not_empty("mean", self.mean.len())?;
        inv::len("var", self.var.len(), self.mean.len())?;
        inv::len("scale", self.scale.len(), self.mean.len())?;
        inv::finite("mean", &self.mean)?;
        inv::ensure(self.var.iter().all(|v| *v >= 0.0), || {
            "a variance is NaN or negative".to_owned()
        })?;
        inv::positive("scale", &self.scale)
    }
}

impl Persist for MinMaxScalerModel {
    const MODEL_NAME: &'static str = "ml_core::preprocessing::MinMaxScalerModel";
}

impl Invariants for MinMaxScalerModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use crate::persist::invariants as inv;
        let (lo, hi) = self.feature_range;
        inv::ensure(lo.is_finite() && hi.is_finite() && lo < hi, || {
            format!("feature_range ({lo}, {hi}) is not a finite, increasing pair")
        })?;
        inv::not_empty("data_min", self.data_min.len())?;
        for (what, v) in [
            ("data_max", &self.data_max),
            ("scale", &self.scale),
            ("min", &self.min),
        ] {
            inv::len(what, v.len(), self.data_min.len())?;
        }
        inv::finite("data_min", &self.data_min)?;
        inv::finite("data_max", &self.data_max)?;
        inv::finite("scale", &self.scale)?;
        inv::finite("min", &self.min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;
    use proptest::prelude::*;

    #[test]
    fn standard_scaler_basics() {
        let x = mat![[1.0, 5.0, 0.0], [2.0, 5.0, 0.0], [3.0, 5.0, 6.0]];
        let m = StandardScaler::new().fit(x.as_ref()).unwrap();
        assert_eq!(m.mean(), &[2.0, 5.0, 2.0]);
        assert!((m.var()[0] - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(m.scale()[1], 1.0);
        let z = m.transform(x.as_ref()).unwrap();
        assert_eq!(z[(1, 1)], 0.0);
        let no_mean = StandardScaler::new()
            .with_mean(false)
            .fit(x.as_ref())
            .unwrap();
        let z = no_mean.transform(x.as_ref()).unwrap();
        assert!((z[(0, 0)] - 1.0 / (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        let neither = StandardScaler::default().with_std(false).with_mean(false);
        let z = neither
            .fit(x.as_ref())
            .unwrap()
            .transform(x.as_ref())
            .unwrap();
        assert_eq!(z, x);
        assert!(matches!(
            m.transform(mat![[1.0, 2.0]].as_ref()),
            Err(Error::ShapeMismatch {
                expected: 3,
                got: 2,
                ..
            })
        ));
        assert!(
            StandardScaler::new()
                .fit(Mat::<f64>::zeros(0, 2).as_ref())
                .is_err()
        );
        assert!(
            StandardScaler::new()
                .fit(mat![[f64::NAN]].as_ref())
                .is_err()
        );
    }

    #[test]
    fn minmax_scaler_basics() {
        let x = mat![[1.0, 4.0], [3.0, 4.0], [2.0, 4.0]];
        let m = MinMaxScaler::new().fit(x.as_ref()).unwrap();
        let z = m.transform(x.as_ref()).unwrap();
        assert_eq!((z[(0, 0)], z[(1, 0)], z[(2, 0)]), (0.0, 1.0, 0.5));
        // Constant column: sent to the lower end of the range.
        assert_eq!(z[(0, 1)], 0.0);
        assert_eq!(m.data_range(), vec![2.0, 0.0]);
        let clipped = MinMaxScaler::new().clip(true).fit(x.as_ref()).unwrap();
        let z = clipped.transform(mat![[10.0, 4.0]].as_ref()).unwrap();
        assert_eq!(z[(0, 0)], 1.0);
        assert!(matches!(
            MinMaxScaler::new().feature_range(1.0, 1.0).fit(x.as_ref()),
            Err(Error::InvalidParameter {
                name: "feature_range",
                ..
            })
        ));
    }

    #[test]
    fn models_round_trip_through_serde() {
        let x = mat![[1.0, 2.0], [3.0, 5.0]];
        let m = StandardScaler::new().fit(x.as_ref()).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        let back: StandardScalerModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let m = MinMaxScaler::new().fit(x.as_ref()).unwrap();
        let back: MinMaxScalerModel =
            serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    proptest! {
        #[test]
        fn inverse_transform_undoes_transform(
            vals in proptest::collection::vec(-1e3f64..1e3, 1..40),
            cols in 1usize..4,
            lo in -5.0f64..0.0,
            width in 0.5f64..5.0,
        ) {
            let rows = vals.len().div_ceil(cols);
            let x = Mat::from_fn(rows, cols, |i, j| vals[(i * cols + j) % vals.len()]);
            let s = StandardScaler::new().fit(x.as_ref()).unwrap();
            let back = s.inverse_transform(s.transform(x.as_ref()).unwrap().as_ref()).unwrap();
            let m = MinMaxScaler::new().feature_range(lo, lo + width).fit(x.as_ref()).unwrap();
            let back2 = m.inverse_transform(m.transform(x.as_ref()).unwrap().as_ref()).unwrap();
            for i in 0..rows {
                for j in 0..cols {
                    prop_assert!((back[(i, j)] - x[(i, j)]).abs() <= 1e-9 * (1.0 + x[(i, j)].abs()));
                    prop_assert!((back2[(i, j)] - x[(i, j)]).abs() <= 1e-9 * (1.0 + x[(i, j)].abs()));
                }
            }
        }
    }
}
