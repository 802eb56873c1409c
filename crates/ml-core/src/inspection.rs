//! Partial dependence: how a fitted model's average prediction moves as one or a few
//! features sweep a grid of values while the other features keep their values in the
//! data (scikit-learn's `sklearn.inspection.partial_dependence` with `method='brute'`
//! and `kind='average'`).
//!
//! [`partial_dependence`] serves every regressor ([`Predict`] with `Vec<f64>` output)
//! and [`partial_dependence_proba`] every classifier ([`PredictProba`]), whatever the
//! family: forests, boosting, linear models and pipelines share this one
//! implementation through the traits.
//!
//! # Method
//!
//! As scikit-learn 1.9.1 does it:
//!
//! 1. **The grid.** For each chosen feature, its axis is its sorted distinct values
//!    when it has fewer than `grid_resolution` of them; otherwise `grid_resolution`
//!    evenly spaced values (`np.linspace`, end point included) between its `low` and
//!    `high` percentiles, taken as scipy's `mquantiles` takes them (plotting
//!    positions with `alphap = betap = 0.4`). The grid is the cartesian product of the
//!    axes in C order: the first feature's value changes slowest.
//! 2. **The averages.** For each grid point, the chosen columns of a copy of `X` are
//!    set to the point's values, the model predicts every row, and the predictions are
//!    averaged over the rows (numpy's pairwise sum divided by the number of rows, as
//!    `np.mean`). Classifiers give class probabilities: for two classes only the
//!    second (positive) class's, as scikit-learn, else one column per class.
//!
//! The copy of `X` is cut into fixed blocks of rows predicted in parallel, so memory
//! stays one copy of `X` plus one prediction per row, whatever the size of the grid;
//! the averages do not depend on the number of threads.
//!
//! # Differences from scikit-learn
//!
//! - Only `method='brute'` and `kind='average'`: no tree-specific `'recursion'`, no
//!   individual (ICE) curves, no `sample_weight`, no categorical features or custom
//!   grid values, and classifiers are read through `predict_proba` only.
//! - NaN or infinite values in the chosen columns are refused
//!   ([`Error::NonFinite`]); scikit-learn would put NaN in the grid. The other
//!   columns go to the model untouched (a model that takes NaN as missing gets them).
//! - Repeated features are refused; scikit-learn sweeps the same column twice.
//! - An axis whose span overflows `f64` (percentiles near `±f64::MAX`) is spaced in
//!   halved units, where `np.linspace` returns NaN and infinities; an average whose
//!   sum overflows is summed in units of a power of two (the same bits otherwise).

use faer::{Mat, MatRef};
use rayon::prelude::*;

use crate::{Error, Predict, PredictProba, Result, kernels, validate};

/// Rows per block of the copy of `X` that is predicted in parallel: fixed, never from
/// the thread count, and large enough that a model's per-call cost does not show.
const BLOCK_ROWS: usize = 4096;

/// `np.allclose`'s relative tolerance, with which scikit-learn refuses percentiles too
/// close to each other to span a grid.
const ALLCLOSE_RTOL: f64 = 1e-5;

/// `np.allclose`'s absolute tolerance.
const ALLCLOSE_ATOL: f64 = 1e-8;

/// How the axis of each feature is built: `grid_resolution` points between two
/// percentiles of the feature's values (scikit-learn's `grid_resolution` and
/// `percentiles` arguments).
///
/// ```
/// use ml_core::inspection::GridSettings;
/// let settings = GridSettings::new().grid_resolution(20).percentiles(0.0, 1.0);
/// assert_ne!(settings, GridSettings::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridSettings {
    grid_resolution: usize,
    percentiles: (f64, f64),
}

impl Default for GridSettings {
    fn default() -> Self {
        Self::new()
    }
}

impl GridSettings {
    /// scikit-learn's defaults: 100 points between the 5th and 95th percentiles.
    pub fn new() -> Self {
        Self {
            grid_resolution: 100,
            percentiles: (0.05, 0.95),
        }
    }

    /// The number of points of each feature's axis, at least 2 (checked when used); a
    /// feature with fewer distinct values gets those values instead. Default: 100.
    pub fn grid_resolution(mut self, grid_resolution: usize) -> Self {
        self.grid_resolution = grid_resolution;
        self
    }

    /// The percentiles, as fractions with `0 <= low < high <= 1` (checked when used),
    /// between which an axis is spaced. Default: `(0.05, 0.95)`.
    pub fn percentiles(mut self, low: f64, high: f64) -> Self {
        self.percentiles = (low, high);
        self
    }

    /// The checks of scikit-learn's `_grid_from_X`.
    fn check(&self) -> Result<()> {
        validate::at_least(
            "grid_resolution",
            self.grid_resolution,
            2,
            ">= 2 (strictly greater than 1)",
        )?;
        let (low, high) = self.percentiles;
        if !(0.0 <= low && low < high && high <= 1.0) {
            return Err(Error::invalid_parameter(
                "percentiles",
                self.percentiles,
                "fractions with 0 <= low < high <= 1",
            ));
        }
        Ok(())
    }
}

/// The partial dependence of a model on some features (scikit-learn's `Bunch` of
/// `grid_values` and `average`).
#[derive(Debug, Clone, PartialEq)]
pub struct PartialDependence {
    /// One axis per chosen feature, in the order of `features` (scikit-learn's
    /// `grid_values`): the feature's sorted distinct values, or evenly spaced values
    /// between its percentiles.
    pub grid: Vec<Vec<f64>>,
    /// One row per grid point, one column per output: the model's average prediction
    /// with the features set to the point's values. Grid points are the cartesian
    /// product of the axes in C order (the first feature's value changes slowest), so
    /// for two features the point `(grid[0][i], grid[1][j])` is row
    /// `i * grid[1].len() + j`. Outputs: one for a regressor and for a binary
    /// classifier (the second class's probability), else one per class. scikit-learn's
    /// `average` is this matrix transposed, of shape `(n_outputs, len(grid[0]), ...)`.
    pub average: Mat<f64>,
}

/// The partial dependence of a regressor's prediction on the columns `features` of
/// `x`, averaged over the rows of `x` (scikit-learn's
/// `partial_dependence(model, x, features, method='brute', kind='average')`); see the
/// [module documentation](self) for the method. `average` has one column.
///
/// ```
/// use faer::Mat;
/// use ml_core::inspection::{GridSettings, partial_dependence};
/// use ml_core::{Features, Fitted, Predict, Result};
///
/// /// A fitted model predicting `2·x₀ + x₁`.
/// struct Line;
///
/// impl Fitted for Line {
///     fn n_features_in(&self) -> usize {
///         2
///     }
/// }
///
/// impl Predict for Line {
///     type Output = Vec<f64>;
///
///     fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
///         let x = x.dense("Line")?;
///         Ok((0..x.nrows()).map(|i| 2.0 * x[(i, 0)] + x[(i, 1)]).collect())
///     }
/// }
///
/// // x₀ = 0, 1, 2, 3 and x₁ = 1, 2, 3, 4 (mean 2.5).
/// let x = Mat::from_fn(4, 2, |i, j| (i + j) as f64);
/// let pd = partial_dependence(&Line, x.as_ref(), &[0], &GridSettings::new())?;
/// // Fewer distinct values than grid_resolution (100): the axis is those values.
/// assert_eq!(pd.grid, [vec![0.0, 1.0, 2.0, 3.0]]);
/// for (i, &v) in pd.grid[0].iter().enumerate() {
///     assert_eq!(pd.average[(i, 0)], 2.0 * v + 2.5);
/// }
/// # Ok::<(), ml_core::Error>(())
/// ```
///
/// # Errors
/// - [`Error::EmptyInput`] for `x` without rows or columns, or no `features`;
/// - [`Error::ShapeMismatch`] when `x` has another number of columns than the model
///   was fitted on, or the model returns another number of predictions than rows;
/// - [`Error::InvalidParameter`] for a feature index out of range or repeated
///   (`features`), `grid_resolution < 2` or percentiles outside
///   `0 <= low < high <= 1` (`percentiles`);
/// - [`Error::NonFinite`] for NaN or an infinity in a chosen column;
/// - [`Error::InvalidData`] for a feature whose two percentiles are too close to span a
///   grid (`np.allclose`, as scikit-learn refuses it);
/// - [`Error::AllocationFailed`] for a grid too large to hold (the product of the
///   axes' lengths) or no memory for the copy of `x`;
/// - any error of the model's `predict`.
pub fn partial_dependence<M>(
    model: &M,
    x: MatRef<'_, f64>,
    features: &[usize],
    grid: &GridSettings,
) -> Result<PartialDependence>
where
    M: Predict<Output = Vec<f64>> + Sync,
{
    brute(x, model.n_features_in(), features, grid, 1, |block| {
        let p = model.predict(block.into())?;
        Ok(Mat::from_fn(p.len(), 1, |i, _| p[i]))
    })
}

/// The partial dependence of a classifier's class probabilities on the columns
/// `features` of `x`, averaged over the rows of `x`: as [`partial_dependence`], with
/// `predict_proba` as the response (scikit-learn's default for classifiers). For two
/// classes `average` has one column, the probability of `classes()[1]` (scikit-learn's
/// positive class); otherwise one column per class, in the order of `classes()`.
///
/// # Errors
/// As [`partial_dependence`], with [`Error::ShapeMismatch`] also when
/// `predict_proba` has another number of columns than `classes()`.
pub fn partial_dependence_proba<M>(
    model: &M,
    x: MatRef<'_, f64>,
    features: &[usize],
    grid: &GridSettings,
) -> Result<PartialDependence>
where
    M: PredictProba + Sync,
{
    let n_classes = model.classes().len();
    let binary = n_classes == 2;
    let n_outputs = if binary { 1 } else { n_classes };
    brute(
        x,
        model.n_features_in(),
        features,
        grid,
        n_outputs,
        |block| {
            let p = model.predict_proba(block.into())?;
            if p.ncols() != n_classes {
                return Err(Error::ShapeMismatch {
                    what: "columns of predict_proba (the number of classes)",
                    expected: n_classes,
                    got: p.ncols(),
                });
            }
            Ok(if binary {
                Mat::from_fn(p.nrows(), 1, |i, _| p[(i, 1)])
            } else {
                p
            })
        },
    )
}

/// The brute-force method shared by both entry points: `predict` maps a block of rows
/// to its `rows × n_outputs` responses.
fn brute<P>(
    x: MatRef<'_, f64>,
    n_features_in: usize,
    features: &[usize],
    settings: &GridSettings,
    n_outputs: usize,
    predict: P,
) -> Result<PartialDependence>
where
    P: Fn(MatRef<'_, f64>) -> Result<Mat<f64>> + Sync,
{
    validate::non_empty(x, "X")?;
    validate::n_features_eq(x.ncols(), n_features_in)?;
    check_features(features, x.ncols())?;
    settings.check()?;
    finite_columns(x, features)?;
    let grid = features
        .iter()
        .map(|&f| axis(x, f, settings))
        .collect::<Result<Vec<_>>>()?;
    let n_points = grid
        .iter()
        .try_fold(1usize, |acc, axis| acc.checked_mul(axis.len()))
        .unwrap_or(usize::MAX);
    validate::allocatable::<f64>(
        "the partial dependence averages",
        n_points.saturating_mul(n_outputs.max(1)),
    )?;
    let n = x.nrows();
    validate::allocatable::<f64>("a copy of X", n.saturating_mul(x.ncols()))?;
    let mut blocks: Vec<Mat<f64>> = kernels::row_blocks(n, BLOCK_ROWS)
        .into_iter()
        .map(|(start, end)| x.subrows(start, end - start).to_owned())
        .collect();

    let mut average = Mat::<f64>::zeros(n_points, n_outputs);
    let mut responses = Vec::with_capacity(n);
    // The grid point's index along each axis, the last axis counting fastest.
    let mut at = vec![0usize; features.len()];
    for point in 0..n_points {
        let values: Vec<f64> = at.iter().zip(&grid).map(|(&i, axis)| axis[i]).collect();
        let predictions = blocks
            .par_iter_mut()
            .map(|block| {
                for (&f, &v) in features.iter().zip(&values) {
                    block.col_mut(f).fill(v);
                }
                let p = predict(block.as_ref())?;
                if p.nrows() != block.nrows() {
                    return Err(Error::ShapeMismatch {
                        what: "number of predictions (one per row of X)",
                        expected: block.nrows(),
                        got: p.nrows(),
                    });
                }
                Ok(p)
            })
            .collect::<Result<Vec<_>>>()?;
        for output in 0..n_outputs {
            responses.clear();
            for p in &predictions {
                responses.extend(p.col(output).iter().copied());
            }
            average[(point, output)] = mean(&responses);
        }
        for (i, axis) in at.iter_mut().zip(&grid).rev() {
            *i += 1;
            if *i < axis.len() {
                break;
            }
            *i = 0;
        }
    }
    Ok(PartialDependence { grid, average })
}

/// At least one feature, each a column of `X`, none repeated.
fn check_features(features: &[usize], n_columns: usize) -> Result<()> {
    if features.is_empty() {
        return Err(Error::EmptyInput { what: "features" });
    }
    if let Some(&bad) = features.iter().find(|&&f| f >= n_columns) {
        return Err(Error::invalid_parameter(
            "features",
            bad,
            "column indices < the number of columns of X",
        ));
    }
    let mut sorted = features.to_vec();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::invalid_parameter(
            "features",
            features,
            "distinct column indices",
        ));
    }
    Ok(())
}

/// The chosen columns are finite; the first offending entry in row order otherwise.
fn finite_columns(x: MatRef<'_, f64>, features: &[usize]) -> Result<()> {
    let first = features
        .iter()
        .filter_map(|&col| {
            x.col(col)
                .iter()
                .position(|v| !v.is_finite())
                .map(|row| (row, col))
        })
        .min();
    match first {
        Some((row, col)) => Err(Error::NonFinite {
            row,
            col,
            value: x[(row, col)],
        }),
        None => Ok(()),
    }
}

/// The axis of column `feature` (finite): scikit-learn's `_grid_from_X` for one
/// non-categorical feature.
fn axis(x: MatRef<'_, f64>, feature: usize, settings: &GridSettings) -> Result<Vec<f64>> {
    let mut sorted: Vec<f64> = x.col(feature).iter().copied().collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let n_unique = 1 + sorted.windows(2).filter(|w| w[0] != w[1]).count();
    if n_unique < settings.grid_resolution {
        // np.unique: the sorted values, equal ones (0.0 and -0.0 too) once.
        sorted.dedup();
        return Ok(sorted);
    }
    let (low, high) = settings.percentiles;
    let (from, to) = (mquantile(&sorted, low), mquantile(&sorted, high));
    if (from - to).abs() <= ALLCLOSE_ATOL + ALLCLOSE_RTOL * to.abs() {
        return Err(Error::InvalidData {
            what: "X",
            location: format!("column {feature}"),
            reason: format!(
                "its percentiles {low} and {high} are {from} and {to}, too close to span \
                 a grid; choose percentiles further apart"
            ),
        });
    }
    let axis = linspace(from, to, settings.grid_resolution);
    match axis.iter().find(|v| !v.is_finite()) {
        Some(v) => Err(Error::NumericalFailure {
            estimator: "partial_dependence",
            reason: format!("the grid of column {feature} holds {v}"),
        }),
        None => Ok(axis),
    }
}

/// The quantile `p` of `sorted` (at least two values) as scipy's `mquantiles` with its
/// default plotting positions `alphap = betap = 0.4`, operation for operation.
fn mquantile(sorted: &[f64], p: f64) -> f64 {
    const ALPHAP: f64 = 0.4;
    const BETAP: f64 = 0.4;
    let n = sorted.len();
    let m = ALPHAP + p * (1.0 - ALPHAP - BETAP);
    let aleph = n as f64 * p + m;
    let k = aleph.clamp(1.0, (n - 1) as f64).floor();
    let gamma = (aleph - k).clamp(0.0, 1.0);
    let k = k as usize;
    (1.0 - gamma) * sorted[k - 1] + gamma * sorted[k]
}

/// `np.linspace(start, stop, num)` with its end point (`num >= 2`), operation for
/// operation; a span that overflows is spaced in halved units instead.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let mut y: Vec<f64> = if delta.is_finite() {
        let step = delta / div;
        (0..num)
            .map(|i| {
                let i = i as f64;
                // numpy's special case for a step that underflows to zero (gh-5437).
                let offset = if step == 0.0 {
                    i / div * delta
                } else {
                    i * step
                };
                offset + start
            })
            .collect()
    } else {
        let (half_start, half_step) = (start / 2.0, (stop / 2.0 - start / 2.0) / div);
        (0..num)
            .map(|i| (i as f64 * half_step + half_start) * 2.0)
            .collect()
    };
    if let Some(last) = y.last_mut() {
        *last = stop;
    }
    y
}

/// `np.mean` of one output over the rows: numpy's pairwise sum over the count, in
/// units of a power of two when the plain sum of finite values overflows.
fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let plain = kernels::pairwise_sum(values) / n;
    if plain.is_finite() || !values.iter().all(|v| v.is_finite()) {
        return plain;
    }
    let scale = kernels::pow2_magnitude(kernels::max_abs(values.iter().copied()));
    let scaled: Vec<f64> = values.iter().map(|v| v / scale).collect();
    kernels::pairwise_sum(&scaled) / n * scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Features, Fitted};

    /// A regressor predicting `Σ w_j · x_j + sin(x_0) · x_last`, with a count of calls.
    struct Additive {
        weights: Vec<f64>,
    }

    impl Fitted for Additive {
        fn n_features_in(&self) -> usize {
            self.weights.len()
        }
    }

    impl Predict for Additive {
        type Output = Vec<f64>;

        fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
            let x = x.dense("Additive")?;
            validate::n_features_eq(x.ncols(), self.weights.len())?;
            let last = x.ncols() - 1;
            Ok((0..x.nrows())
                .map(|i| {
                    let linear: f64 = (0..x.ncols()).map(|j| self.weights[j] * x[(i, j)]).sum();
                    linear + x[(i, 0)].sin() * x[(i, last)]
                })
                .collect())
        }
    }

    /// A classifier whose class scores are `c · x_0` for class `c`, softmaxed.
    struct Softmax {
        classes: Vec<u8>,
        n_features: usize,
    }

    impl Softmax {
        fn proba(&self, x: MatRef<'_, f64>) -> Mat<f64> {
            let k = self.classes.len();
            let mut p = Mat::from_fn(x.nrows(), k, |i, c| (c as f64 * x[(i, 0)]).exp());
            for i in 0..x.nrows() {
                let total: f64 = (0..k).map(|c| p[(i, c)]).sum();
                for c in 0..k {
                    p[(i, c)] /= total;
                }
            }
            p
        }
    }

    impl Fitted for Softmax {
        fn n_features_in(&self) -> usize {
            self.n_features
        }
    }

    impl Predict for Softmax {
        type Output = Vec<u8>;

        fn predict(&self, x: Features<'_>) -> Result<Vec<u8>> {
            let p = self.proba(x.dense("Softmax")?);
            Ok((0..p.nrows())
                .map(|i| {
                    let best = (0..p.ncols())
                        .max_by(|&a, &b| p[(i, a)].total_cmp(&p[(i, b)]))
                        .unwrap_or(0);
                    self.classes[best]
                })
                .collect())
        }
    }

    impl PredictProba for Softmax {
        type Label = u8;

        fn classes(&self) -> &[u8] {
            &self.classes
        }

        fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
            Ok(self.proba(x.dense("Softmax")?))
        }
    }

    /// A regressor that returns one prediction too few.
    struct Short;

    impl Fitted for Short {
        fn n_features_in(&self) -> usize {
            1
        }
    }

    impl Predict for Short {
        type Output = Vec<f64>;

        fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
            Ok(vec![0.0; x.nrows() - 1])
        }
    }

    fn column(values: &[f64]) -> Mat<f64> {
        Mat::from_fn(values.len(), 1, |i, _| values[i])
    }

    fn grid_of(values: &[f64], settings: GridSettings) -> Result<Vec<f64>> {
        axis(column(values).as_ref(), 0, &settings)
    }

    /// The brute force written out: the mean prediction with column `f` set to `v`.
    fn direct(model: &Additive, x: MatRef<'_, f64>, set: &[(usize, f64)]) -> f64 {
        let mut copy = x.to_owned();
        for &(f, v) in set {
            copy.col_mut(f).fill(v);
        }
        let p = model.predict(copy.as_ref().into()).unwrap();
        kernels::pairwise_sum(&p) / p.len() as f64
    }

    #[test]
    fn percentile_grid_is_scipys_mquantiles_and_numpys_linspace() {
        // scipy 1.17.1 / scikit-learn 1.9.1:
        // a = [6, 47, 49, 15, 42, 41, 7, 39, 43, 40, 36]
        // _grid_from_X(a.reshape(-1, 1), percentiles, [False], 5, {})[1][0].tolist()
        let a = [6., 47., 49., 15., 42., 41., 7., 39., 43., 40., 36.];
        let five = GridSettings::new().grid_resolution(5);
        assert_eq!(grid_of(&a, five).unwrap(), [6.0, 16.75, 27.5, 38.25, 49.0]);
        assert_eq!(
            grid_of(&a, five.percentiles(0.25, 0.75)).unwrap(),
            [
                19.200000000000003,
                25.1,
                31.000000000000004,
                36.900000000000006,
                42.800000000000004
            ]
        );
        assert_eq!(
            grid_of(&a, five.percentiles(0.0, 1.0)).unwrap(),
            [6.0, 16.75, 27.5, 38.25, 49.0]
        );
        assert_eq!(
            grid_of(&a, five.percentiles(0.1, 0.3)).unwrap(),
            [
                6.52,
                12.629999999999999,
                18.739999999999995,
                24.849999999999994,
                30.959999999999994
            ]
        );
        // b = [0.5, -1.25, 3.0, 0.5, 2.0, -1.25, 7.5]: five distinct values, so a
        // resolution of 4 or 5 takes percentiles.
        let b = [0.5, -1.25, 3.0, 0.5, 2.0, -1.25, 7.5];
        assert_eq!(
            grid_of(&b, GridSettings::new().grid_resolution(5)).unwrap(),
            [-1.25, 0.9375, 3.125, 5.3125, 7.5]
        );
        assert_eq!(
            grid_of(&b, GridSettings::new().grid_resolution(4)).unwrap(),
            [-1.25, 1.6666666666666665, 4.583333333333333, 7.5]
        );
        // np.arange(1000) / 7 at the default resolution 100: entries 0, 1, 37, 98, 99.
        let c: Vec<f64> = (0..1000).map(|i| i as f64 / 7.0).collect();
        let g = grid_of(&c, GridSettings::new()).unwrap();
        assert_eq!(g.len(), 100);
        assert_eq!(
            [g[0], g[1], g[37], g[98], g[99]],
            [
                7.058571428571428,
                8.357532467532467,
                55.120129870129865,
                134.35675324675324,
                135.65571428571428
            ]
        );
    }

    #[test]
    fn few_distinct_values_are_the_axis() {
        // Same b: at resolution 6 its five distinct values, sorted.
        let b = [0.5, -1.25, 3.0, 0.5, 2.0, -1.25, 7.5];
        assert_eq!(
            grid_of(&b, GridSettings::new().grid_resolution(6)).unwrap(),
            [-1.25, 0.5, 2.0, 3.0, 7.5]
        );
        assert_eq!(
            grid_of(&[2.0, 2.0, 2.0], GridSettings::new()).unwrap(),
            [2.0]
        );
    }

    #[test]
    fn linspace_survives_a_span_beyond_f64() {
        let y = linspace(-f64::MAX, f64::MAX, 5);
        assert!(y.iter().all(|v| v.is_finite()));
        assert_eq!((y[0], y[2], y[4]), (-f64::MAX, 0.0, f64::MAX));
        assert!(y.windows(2).all(|w| w[0] < w[1]));
        let big = [f64::MAX, f64::MAX / 2.0];
        assert!((mean(&big) / (0.75 * f64::MAX) - 1.0).abs() < 1e-15);
        assert!(mean(&[1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn one_feature_averages_the_predictions() {
        let x = Mat::from_fn(50, 3, |i, j| ((i * 7 + j * 3) % 11) as f64 / 4.0 - 1.0);
        let model = Additive {
            weights: vec![2.0, -1.0, 0.5],
        };
        let settings = GridSettings::new().grid_resolution(5);
        let pd = partial_dependence(&model, x.as_ref(), &[1], &settings).unwrap();
        assert_eq!(pd.grid.len(), 1);
        assert_eq!(pd.grid[0].len(), 5);
        assert_eq!((pd.average.nrows(), pd.average.ncols()), (5, 1));
        for (i, &v) in pd.grid[0].iter().enumerate() {
            assert_eq!(pd.average[(i, 0)], direct(&model, x.as_ref(), &[(1, v)]));
        }
    }

    #[test]
    fn two_features_are_in_c_order() {
        // Columns i mod 4, 2i mod 4 and 3i mod 4.
        let x = Mat::from_fn(30, 3, |i, j| ((i * (j + 1)) % 4) as f64);
        let model = Additive {
            weights: vec![10.0, 1.0, 0.1],
        };
        let pd = partial_dependence(&model, x.as_ref(), &[2, 1], &GridSettings::new()).unwrap();
        assert_eq!(pd.grid, [vec![0.0, 1.0, 2.0, 3.0], vec![0.0, 2.0]]);
        assert_eq!(pd.average.nrows(), 8);
        for (i, &a) in pd.grid[0].iter().enumerate() {
            for (j, &b) in pd.grid[1].iter().enumerate() {
                let want = direct(&model, x.as_ref(), &[(2, a), (1, b)]);
                assert_eq!(pd.average[(i * 2 + j, 0)], want, "point ({a}, {b})");
            }
        }
    }

    #[test]
    fn blocks_give_the_bits_of_one_pass_on_any_thread_count() {
        // More rows than a block, so several blocks are predicted in parallel.
        let n = 2 * BLOCK_ROWS + 123;
        let x = Mat::from_fn(n, 2, |i, j| ((i * 37 + j * 11) % 101) as f64 / 13.0);
        let model = Additive {
            weights: vec![0.3, -2.0],
        };
        let settings = GridSettings::new().grid_resolution(7);
        let pd = partial_dependence(&model, x.as_ref(), &[0], &settings).unwrap();
        for (i, &v) in pd.grid[0].iter().enumerate() {
            assert_eq!(pd.average[(i, 0)], direct(&model, x.as_ref(), &[(0, v)]));
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let again = one.install(|| partial_dependence(&model, x.as_ref(), &[0], &settings));
        assert_eq!(again.unwrap(), pd);
    }

    #[test]
    fn classifiers_give_the_positive_class_or_every_class() {
        let x = Mat::from_fn(20, 2, |i, j| (i as f64 - 10.0) / 5.0 + j as f64);
        let settings = GridSettings::new().grid_resolution(4);
        let mean_proba = |model: &Softmax, v: f64, c: usize| {
            let mut copy = x.clone();
            copy.col_mut(0).fill(v);
            let p = model.proba(copy.as_ref());
            kernels::pairwise_sum(&p.col(c).iter().copied().collect::<Vec<_>>()) / 20.0
        };
        let binary = Softmax {
            classes: vec![3, 7],
            n_features: 2,
        };
        let pd = partial_dependence_proba(&binary, x.as_ref(), &[0], &settings).unwrap();
        assert_eq!((pd.average.nrows(), pd.average.ncols()), (4, 1));
        for (i, &v) in pd.grid[0].iter().enumerate() {
            assert_eq!(pd.average[(i, 0)], mean_proba(&binary, v, 1));
        }
        let three = Softmax {
            classes: vec![0, 1, 2],
            n_features: 2,
        };
        let pd = partial_dependence_proba(&three, x.as_ref(), &[0], &settings).unwrap();
        assert_eq!((pd.average.nrows(), pd.average.ncols()), (4, 3));
        for (i, &v) in pd.grid[0].iter().enumerate() {
            for c in 0..3 {
                assert_eq!(pd.average[(i, c)], mean_proba(&three, v, c));
            }
        }
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let model = Additive {
            weights: vec![1.0, 1.0],
        };
        let x = Mat::from_fn(10, 2, |i, j| (i + j) as f64);
        let ok = GridSettings::new();
        let pd = |x: MatRef<'_, f64>, features: &[usize], settings: GridSettings| {
            partial_dependence(&model, x, features, &settings)
        };
        let empty = Mat::<f64>::zeros(0, 2);
        assert_eq!(
            pd(empty.as_ref(), &[0], ok),
            Err(Error::EmptyInput { what: "X" })
        );
        assert_eq!(
            pd(x.as_ref(), &[], ok),
            Err(Error::EmptyInput { what: "features" })
        );
        assert!(matches!(
            pd(x.as_ref(), &[2], ok),
            Err(Error::InvalidParameter {
                name: "features",
                ..
            })
        ));
        assert!(matches!(
            pd(x.as_ref(), &[1, 0, 1], ok),
            Err(Error::InvalidParameter {
                name: "features",
                ..
            })
        ));
        assert!(matches!(
            pd(x.as_ref(), &[0], ok.grid_resolution(1)),
            Err(Error::InvalidParameter {
                name: "grid_resolution",
                ..
            })
        ));
        for (low, high) in [
            (0.5, 0.5),
            (0.6, 0.4),
            (-0.1, 0.5),
            (0.2, 1.1),
            (f64::NAN, 1.0),
        ] {
            assert!(
                matches!(
                    pd(x.as_ref(), &[0], ok.percentiles(low, high)),
                    Err(Error::InvalidParameter {
                        name: "percentiles",
                        ..
                    })
                ),
                "({low}, {high})"
            );
        }
        let three = Mat::from_fn(10, 3, |i, j| (i + j) as f64);
        assert_eq!(
            pd(three.as_ref(), &[0], ok),
            Err(Error::ShapeMismatch {
                what: "number of features",
                expected: 2,
                got: 3,
            })
        );
        let mut nan = x.clone();
        nan[(7, 1)] = f64::NAN;
        nan[(4, 0)] = f64::INFINITY;
        match pd(nan.as_ref(), &[1], ok) {
            Err(Error::NonFinite { row, col, value }) => {
                assert_eq!((row, col), (7, 1));
                assert!(value.is_nan());
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
        assert!(matches!(
            pd(nan.as_ref(), &[1, 0], ok),
            Err(Error::NonFinite { row: 4, col: 0, .. })
        ));
        // 100 ones and a two: both percentiles are 1, as scikit-learn refuses.
        let flat = Mat::from_fn(101, 2, |i, _| if i == 100 { 2.0 } else { 1.0 });
        assert!(matches!(
            pd(flat.as_ref(), &[0], ok.grid_resolution(2)),
            Err(Error::InvalidData { what: "X", .. })
        ));
        assert!(matches!(
            partial_dependence(&Short, column(&[1.0, 2.0]).as_ref(), &[0], &ok),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn a_grid_too_large_to_hold_is_an_allocation_error() {
        // Seven features of 1000 distinct values each: 10^21 grid points.
        let model = Additive {
            weights: vec![1.0; 7],
        };
        let x = Mat::from_fn(1000, 7, |i, j| (i * (j + 1)) as f64);
        let settings = GridSettings::new().grid_resolution(usize::MAX);
        let features: Vec<usize> = (0..7).collect();
        assert!(matches!(
            partial_dependence(&model, x.as_ref(), &features, &settings),
            Err(Error::AllocationFailed { .. })
        ));
        let features: Vec<usize> = (0..6).collect();
        assert!(matches!(
            partial_dependence(&model, x.as_ref(), &features, &settings),
            Err(Error::AllocationFailed { .. })
        ));
    }
}
