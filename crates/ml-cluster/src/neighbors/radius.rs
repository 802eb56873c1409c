//! [`RadiusNeighborsClassifier`] and [`RadiusNeighborsRegressor`]: votes and means over
//! every training row within a radius.

use faer::Mat;
use ml_core::neighbors::{IndexSettings, NeighborIndex, RadiusNeighbors};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, Fit, Fitted, Label, Predict, PredictProba, Result, validate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Targets, Weights, argmax_rows, index_setters, vote_rows, weighted_means};

/// What a [`RadiusNeighborsClassifier`] predicts for a row with no training row within
/// the radius (scikit-learn's `outlier_label`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OutlierLabel<L> {
    /// The most frequent training class (ties: the smallest).
    MostFrequent,
    /// This label; when it is not a training class, the row's probabilities are all 0.
    Label(L),
}

macro_rules! radius_estimator {
    ($name:ident, $alias:literal, $what:literal $(, $extra:ident : $ty:ident = $default:expr)?) => {
        #[doc = concat!("The ", $what, " over the training rows within `radius`, as scikit-learn 1.9's `", $alias, "`.")]
        ///
        /// Defaults: `radius` 1, uniform weights, Euclidean distance, `algorithm` auto,
        /// `leaf_size` 30.
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name$(<$ty>)? {
            radius: f64,
            weights: Weights,
            index: IndexSettings,
            $($extra: Option<OutlierLabel<$ty>>,)?
        }

        impl$(<$ty>)? $name$(<$ty>)? {
            /// scikit-learn's defaults.
            pub fn new() -> Self {
                Self {
                    radius: 1.0,
                    weights: Weights::Uniform,
                    index: IndexSettings::default(),
                    $($extra: $default,)?
                }
            }

            /// The neighbourhood radius, finite and `> 0` (inclusive: a row at exactly
            /// `radius` counts). Default: 1.
            pub fn radius(mut self, radius: f64) -> Self {
                self.radius = radius;
                self
            }

            /// How each neighbour counts. Default: [`Weights::Uniform`].
            pub fn weights(mut self, weights: Weights) -> Self {
                self.weights = weights;
                self
            }

            index_setters!();
        }

        impl$(<$ty>)? Default for $name$(<$ty>)? {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

radius_estimator!(RadiusNeighborsClassifier, "RadiusNeighborsClassifier", "majority vote", outlier_label: L = None);
radius_estimator!(
    RadiusNeighborsRegressor,
    "RadiusNeighborsRegressor",
    "(weighted) mean target"
);

fn fit_index(
    x: Features<'_>,
    settings: &IndexSettings,
    radius: f64,
    y_len: usize,
) -> Result<NeighborIndex> {
    validate::positive("radius", radius)?;
    // `NeighborIndex::build` validates `x`'s values; only the shapes are checked here.
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyInput { what: "X" });
    }
    validate::targets_len(x.nrows(), y_len)?;
    NeighborIndex::build(x, settings)
}

impl<L: Label> RadiusNeighborsClassifier<L> {
    /// What to predict for rows without neighbours. Default: `None`, which makes
    /// `predict` and `predict_proba` refuse such rows, as scikit-learn.
    pub fn outlier_label(mut self, outlier_label: Option<OutlierLabel<L>>) -> Self {
        self.outlier_label = outlier_label;
        self
    }

    /// Fits on `x` (dense or CSR) and labels `y`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a radius that is not finite and `> 0`, or
    /// invalid index settings; [`Error::EmptyInput`], [`Error::NonFinite`] or
    /// [`Error::ShapeMismatch`] for `x` and `y`.
    ///
    /// ```
    /// use ml_cluster::neighbors::{OutlierLabel, RadiusNeighborsClassifier};
    /// use ml_core::faer::mat;
    ///
    /// let x = mat![[0.0], [0.5], [3.0]];
    /// let model = RadiusNeighborsClassifier::new()
    ///     .outlier_label(Some(OutlierLabel::Label(-1)))
    ///     .fit(x.as_ref(), &[0, 0, 1])?;
    /// assert_eq!(model.predict(mat![[0.2], [2.5], [10.0]].as_ref())?, vec![0, 1, -1]);
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    pub fn fit<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<RadiusNeighborsClassifierModel<L>> {
        let index = fit_index(x.into(), &self.index, self.radius, y.len())?;
        let enc = validate::encode_labels(y, 1)?;
        let outlier_label = self.outlier_label.as_ref().map(|o| match o {
            OutlierLabel::Label(l) => l.clone(),
            OutlierLabel::MostFrequent => {
                let mut counts = vec![0usize; enc.classes.len()];
                enc.codes.iter().for_each(|&c| counts[c] += 1);
                let best =
                    (0..counts.len()).fold(0, |b, c| if counts[c] > counts[b] { c } else { b });
                enc.classes[best].clone()
            }
        });
        Ok(RadiusNeighborsClassifierModel {
            index,
            radius: self.radius,
            weights: self.weights.clone(),
            targets: Targets {
                classes: enc.classes,
                codes: enc.codes,
            },
            outlier_label,
        })
    }
}

impl<L: Label> Fit<[L]> for RadiusNeighborsClassifier<L> {
    type Model = RadiusNeighborsClassifierModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<Self::Model> {
        RadiusNeighborsClassifier::fit(self, x, y)
    }
}

impl RadiusNeighborsRegressor {
    /// Fits on `x` (dense or CSR) and finite targets `y`.
    ///
    /// # Errors
    /// As [`RadiusNeighborsClassifier::fit`], plus [`Error::NonFinite`] for `y`.
    ///
    /// ```
    /// use ml_cluster::neighbors::RadiusNeighborsRegressor;
    /// use ml_core::faer::mat;
    ///
    /// let x = mat![[0.0], [0.5], [3.0]];
    /// let model = RadiusNeighborsRegressor::new().fit(x.as_ref(), &[1.0, 2.0, 9.0])?;
    /// let p = model.predict(mat![[0.2], [10.0]].as_ref())?;
    /// assert_eq!(p[0], 1.5);
    /// assert!(p[1].is_nan()); // no training row within 1
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    pub fn fit<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
    ) -> Result<RadiusNeighborsRegressorModel> {
        let index = fit_index(x.into(), &self.index, self.radius, y.len())?;
        validate::finite_slice(y)?;
        Ok(RadiusNeighborsRegressorModel {
            index,
            radius: self.radius,
            weights: self.weights.clone(),
            y: y.to_vec(),
        })
    }
}

impl Fit<[f64]> for RadiusNeighborsRegressor {
    type Model = RadiusNeighborsRegressorModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<Self::Model> {
        RadiusNeighborsRegressor::fit(self, x, y)
    }
}

/// A fitted [`RadiusNeighborsClassifier`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RadiusNeighborsClassifierModel<L> {
    index: NeighborIndex,
    radius: f64,
    weights: Weights,
    targets: Targets<L>,
    outlier_label: Option<L>,
}

/// A fitted [`RadiusNeighborsRegressor`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RadiusNeighborsRegressorModel {
    index: NeighborIndex,
    radius: f64,
    weights: Weights,
    y: Vec<f64>,
}

macro_rules! radius_model_common {
    () => {
        /// The index over the training rows.
        pub fn index(&self) -> &NeighborIndex {
            &self.index
        }

        /// The radius of the neighbourhoods.
        pub fn radius(&self) -> f64 {
            self.radius
        }

        /// The training rows within the radius of every row of `x`, nearest first
        /// (scikit-learn's `radius_neighbors(X, sort_results=True)`).
        ///
        /// # Errors
        /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] for
        /// `x`.
        pub fn radius_neighbors<'a>(&self, x: impl Into<Features<'a>>) -> Result<RadiusNeighbors> {
            self.index.radius_neighbors(x, self.radius)
        }
    };
}

impl<L: Label> RadiusNeighborsClassifierModel<L> {
    radius_model_common!();

    /// The sorted classes (scikit-learn's `classes_`).
    pub fn classes(&self) -> &[L] {
        &self.targets.classes
    }

    /// The label predicted for rows without neighbours, if any.
    pub fn outlier_label(&self) -> Option<&L> {
        self.outlier_label.as_ref()
    }

    /// Probabilities and the rows without neighbours.
    fn proba_and_outliers(&self, x: Features<'_>) -> Result<(Mat<f64>, Vec<usize>)> {
        let found = self.radius_neighbors(x)?;
        let n = found.n_queries();
        let outliers: Vec<usize> = (0..n).filter(|&i| found.indices(i).is_empty()).collect();
        let mut proba = vote_rows(
            self.targets.classes.len(),
            &self.targets.codes,
            &self.weights,
            (0..n).map(|i| (found.indices(i), found.distances(i))),
            n,
        )?;
        if !outliers.is_empty() {
            let Some(label) = &self.outlier_label else {
                return Err(Error::InvalidData {
                    what: "X",
                    location: format!("row {}", outliers[0]),
                    reason: format!(
                        "no training row within radius {}; set an outlier_label to predict such rows",
                        self.radius
                    ),
                });
            };
            if let Ok(c) = self.targets.classes.binary_search(label) {
                outliers.iter().for_each(|&i| proba[(i, c)] = 1.0);
            }
        }
        Ok((proba, outliers))
    }

    /// Class probabilities: the weighted share of each class among the neighbours; a
    /// row without neighbours is certain of the outlier label, or all zero when that
    /// label is not a training class.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a row without neighbours when there is no outlier
    /// label; as [`radius_neighbors`](Self::radius_neighbors).
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        Ok(self.proba_and_outliers(x.into())?.0)
    }

    /// The class with the largest (weighted) vote (ties: the smallest class), or the
    /// outlier label for rows without neighbours.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let (proba, outliers) = self.proba_and_outliers(x.into())?;
        let mut out: Vec<L> = argmax_rows(&proba)
            .into_iter()
            .map(|c| self.targets.classes[c].clone())
            .collect();
        if let Some(label) = &self.outlier_label {
            outliers.iter().for_each(|&i| out[i] = label.clone());
        }
        Ok(out)
    }
}

impl RadiusNeighborsRegressorModel {
    radius_model_common!();

    /// The (weighted) mean target of each row's neighbours; `NaN` for a row without
    /// any, as scikit-learn.
    ///
    /// # Errors
    /// As [`radius_neighbors`](Self::radius_neighbors), plus the weight function's
    /// errors.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        let found = self.radius_neighbors(x)?;
        weighted_means(
            &self.y,
            &self.weights,
            (0..found.n_queries()).map(|i| (found.indices(i), found.distances(i))),
        )
    }
}

impl<L: Label> Fitted for RadiusNeighborsClassifierModel<L> {
    fn n_features_in(&self) -> usize {
        self.index.n_features()
    }
}

impl Fitted for RadiusNeighborsRegressorModel {
    fn n_features_in(&self) -> usize {
        self.index.n_features()
    }
}

impl<L: Label> Predict for RadiusNeighborsClassifierModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        RadiusNeighborsClassifierModel::predict(self, x)
    }
}

impl<L: Label> PredictProba for RadiusNeighborsClassifierModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.targets.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        RadiusNeighborsClassifierModel::predict_proba(self, x)
    }
}

impl Predict for RadiusNeighborsRegressorModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        RadiusNeighborsRegressorModel::predict(self, x)
    }
}

fn check_radius(radius: f64) -> std::result::Result<(), String> {
    ml_core::persist::invariants::positive("radius", &[radius])
}

impl<L: Label + Serialize + DeserializeOwned> Persist for RadiusNeighborsClassifierModel<L> {
    const MODEL_NAME: &'static str = "ml_cluster::RadiusNeighborsClassifierModel";
}

impl<L: Label> Invariants for RadiusNeighborsClassifierModel<L> {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        check_radius(self.radius)?;
        self.targets.check(self.index.n_samples())
    }
}

impl Persist for RadiusNeighborsRegressorModel {
    const MODEL_NAME: &'static str = "ml_cluster::RadiusNeighborsRegressorModel";
}

impl Invariants for RadiusNeighborsRegressorModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        check_radius(self.radius)?;
        inv::len("y", self.y.len(), self.index.n_samples())?;
        inv::finite("y", &self.y)
    }
}
