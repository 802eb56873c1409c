//! [`KNeighborsClassifier`] and [`KNeighborsRegressor`]: votes and means over the `k`
//! nearest training rows.

use faer::Mat;
use ml_core::neighbors::{IndexSettings, KNeighbors, NeighborIndex};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, Fit, Fitted, Label, Predict, PredictProba, Result, validate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Targets, Weights, argmax_rows, index_setters, vote_rows, weighted_means};

/// Builds the index for `n_neighbors`, refusing `k` outside `1..=n`.
pub(crate) fn fit_index(
    x: Features<'_>,
    settings: &IndexSettings,
    n_neighbors: usize,
    y_len: usize,
) -> Result<NeighborIndex> {
    // `NeighborIndex::build` validates `x`'s values; only the shapes are checked here.
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyInput { what: "X" });
    }
    validate::targets_len(x.nrows(), y_len)?;
    if n_neighbors == 0 || n_neighbors > x.nrows() {
        return Err(Error::InvalidParameter {
            name: "n_neighbors",
            value: n_neighbors.to_string(),
            expected: "in 1..=n_samples",
        });
    }
    NeighborIndex::build(x, &settings.clone().n_neighbors(Some(n_neighbors)))
}

macro_rules! knn_estimator {
    ($name:ident, $alias:literal, $what:literal) => {
        #[doc = concat!("The ", $what, " over the `k` nearest training rows, as scikit-learn 1.9's `", $alias, "`.")]
        ///
        /// Defaults: `n_neighbors` 5, uniform weights, Euclidean distance, `algorithm`
        /// auto, `leaf_size` 30.
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            n_neighbors: usize,
            weights: Weights,
            index: IndexSettings,
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $name {
            /// scikit-learn's defaults.
            pub fn new() -> Self {
                Self {
                    n_neighbors: 5,
                    weights: Weights::Uniform,
                    index: IndexSettings::default(),
                }
            }

            /// How many neighbours decide, in `1..=n_samples`. Default: 5.
            pub fn n_neighbors(mut self, n_neighbors: usize) -> Self {
                self.n_neighbors = n_neighbors;
                self
            }

            /// How each neighbour counts. Default: [`Weights::Uniform`].
            pub fn weights(mut self, weights: Weights) -> Self {
                self.weights = weights;
                self
            }

            index_setters!();
        }
    };
}

knn_estimator!(
    KNeighborsClassifier,
    "KNeighborsClassifier",
    "majority vote"
);
knn_estimator!(
    KNeighborsRegressor,
    "KNeighborsRegressor",
    "(weighted) mean target"
);

impl KNeighborsClassifier {
    /// Fits on `x` (dense or CSR) and labels `y`; one class is allowed.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `n_neighbors` 0 or above the number of rows, or
    /// invalid index settings; [`Error::EmptyInput`], [`Error::NonFinite`] or
    /// [`Error::ShapeMismatch`] for `x` and `y`; [`Error::InvalidData`] for haversine
    /// rows out of range.
    ///
    /// ```
    /// use ml_cluster::neighbors::{KNeighborsClassifier, Weights};
    /// use ml_core::faer::mat;
    ///
    /// let x = mat![[0.0], [1.0], [2.0], [3.0]];
    /// let model = KNeighborsClassifier::new().n_neighbors(3).fit(x.as_ref(), &["a", "a", "b", "b"])?;
    /// assert_eq!(model.predict(mat![[1.1]].as_ref())?, vec!["a"]);
    /// let p = model.predict_proba(mat![[1.1]].as_ref())?;
    /// assert!((p[(0, 0)] - 2.0 / 3.0).abs() < 1e-15);
    ///
    /// let weighted = KNeighborsClassifier::new().weights(Weights::Distance).fit(x.as_ref(), &[0, 0, 1, 1]);
    /// assert!(weighted.is_err()); // 5 neighbours, 4 rows
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<KNeighborsClassifierModel<L>> {
        let x = x.into();
        let index = fit_index(x, &self.index, self.n_neighbors, y.len())?;
        let enc = validate::encode_labels(y, 1)?;
        Ok(KNeighborsClassifierModel {
            index,
            n_neighbors: self.n_neighbors,
            weights: self.weights.clone(),
            targets: Targets {
                classes: enc.classes,
                codes: enc.codes,
            },
        })
    }
}

impl<L: Label> Fit<[L]> for KNeighborsClassifier {
    type Model = KNeighborsClassifierModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<Self::Model> {
        KNeighborsClassifier::fit(self, x, y)
    }
}

impl KNeighborsRegressor {
    /// Fits on `x` (dense or CSR) and finite targets `y`.
    ///
    /// # Errors
    /// As [`KNeighborsClassifier::fit`], plus [`Error::NonFinite`] for `y`.
    ///
    /// ```
    /// use ml_cluster::neighbors::{KNeighborsRegressor, Weights};
    /// use ml_core::faer::mat;
    ///
    /// let x = mat![[0.0], [1.0], [2.0], [3.0]];
    /// let model = KNeighborsRegressor::new().n_neighbors(2).weights(Weights::Distance)
    ///     .fit(x.as_ref(), &[0.0, 1.0, 2.0, 3.0])?;
    /// // Neighbours 1.0 (distance 0.25) and 2.0 (distance 0.75): weights 4 and 4/3.
    /// assert!((model.predict(mat![[1.25]].as_ref())?[0] - 1.25).abs() < 1e-15);
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    pub fn fit<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
    ) -> Result<KNeighborsRegressorModel> {
        let x = x.into();
        let index = fit_index(x, &self.index, self.n_neighbors, y.len())?;
        validate::finite_slice(y)?;
        Ok(KNeighborsRegressorModel {
            index,
            n_neighbors: self.n_neighbors,
            weights: self.weights.clone(),
            y: y.to_vec(),
        })
    }
}

impl Fit<[f64]> for KNeighborsRegressor {
    type Model = KNeighborsRegressorModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<Self::Model> {
        KNeighborsRegressor::fit(self, x, y)
    }
}

/// A fitted [`KNeighborsClassifier`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KNeighborsClassifierModel<L> {
    index: NeighborIndex,
    n_neighbors: usize,
    weights: Weights,
    targets: Targets<L>,
}

/// A fitted [`KNeighborsRegressor`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KNeighborsRegressorModel {
    index: NeighborIndex,
    n_neighbors: usize,
    weights: Weights,
    y: Vec<f64>,
}

/// What both fitted k-NN models offer: the index and the neighbours of new rows.
macro_rules! knn_model_common {
    () => {
        /// The index over the training rows.
        pub fn index(&self) -> &NeighborIndex {
            &self.index
        }

        /// The number of neighbours each prediction uses.
        pub fn n_neighbors(&self) -> usize {
            self.n_neighbors
        }

        /// The `n_neighbors` nearest training rows of every row of `x`
        /// (scikit-learn's `kneighbors(X)`).
        ///
        /// # Errors
        /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] for
        /// `x`.
        pub fn kneighbors<'a>(&self, x: impl Into<Features<'a>>) -> Result<KNeighbors> {
            self.index.kneighbors(x, self.n_neighbors)
        }
    };
}

impl<L: Label> KNeighborsClassifierModel<L> {
    knn_model_common!();

    /// The sorted classes (scikit-learn's `classes_`).
    pub fn classes(&self) -> &[L] {
        &self.targets.classes
    }

    /// Class probabilities: the weighted share of each class among the neighbours.
    ///
    /// # Errors
    /// As [`kneighbors`](Self::kneighbors), plus the weight function's errors.
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let found = self.kneighbors(x)?;
        let n = found.n_queries();
        vote_rows(
            self.targets.classes.len(),
            &self.targets.codes,
            &self.weights,
            (0..n).map(|i| (found.indices(i), found.distances(i))),
            n,
        )
    }

    /// The class with the largest (weighted) vote; ties go to the smallest class.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let proba = self.predict_proba(x)?;
        Ok(argmax_rows(&proba)
            .into_iter()
            .map(|c| self.targets.classes[c].clone())
            .collect())
    }
}

impl KNeighborsRegressorModel {
    knn_model_common!();

    /// The (weighted) mean target of each row's neighbours.
    ///
    /// # Errors
    /// As [`kneighbors`](Self::kneighbors), plus the weight function's errors.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        let found = self.kneighbors(x)?;
        weighted_means(
            &self.y,
            &self.weights,
            (0..found.n_queries()).map(|i| (found.indices(i), found.distances(i))),
        )
    }
}

impl<L: Label> Fitted for KNeighborsClassifierModel<L> {
    fn n_features_in(&self) -> usize {
        self.index.n_features()
    }
}

impl Fitted for KNeighborsRegressorModel {
    fn n_features_in(&self) -> usize {
        self.index.n_features()
    }
}

impl<L: Label> Predict for KNeighborsClassifierModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        KNeighborsClassifierModel::predict(self, x)
    }
}

impl<L: Label> PredictProba for KNeighborsClassifierModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.targets.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        KNeighborsClassifierModel::predict_proba(self, x)
    }
}

impl Predict for KNeighborsRegressorModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        KNeighborsRegressorModel::predict(self, x)
    }
}

/// `n_neighbors` is in `1..=n` for the index.
pub(crate) fn check_k(
    n_neighbors: usize,
    index: &NeighborIndex,
) -> std::result::Result<(), String> {
    ml_core::persist::invariants::ensure((1..=index.n_samples()).contains(&n_neighbors), || {
        format!(
            "n_neighbors {n_neighbors} is not in 1..={}",
            index.n_samples()
        )
    })
}

impl<L: Label + Serialize + DeserializeOwned> Persist for KNeighborsClassifierModel<L> {
    const MODEL_NAME: &'static str = "ml_cluster::KNeighborsClassifierModel";
}

impl<L: Label> Invariants for KNeighborsClassifierModel<L> {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        check_k(self.n_neighbors, &self.index)?;
        self.targets.check(self.index.n_samples())
    }
}

impl Persist for KNeighborsRegressorModel {
    const MODEL_NAME: &'static str = "ml_cluster::KNeighborsRegressorModel";
}

impl Invariants for KNeighborsRegressorModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        check_k(self.n_neighbors, &self.index)?;
        inv::len("y", self.y.len(), self.index.n_samples())?;
        inv::finite("y", &self.y)
    }
}
