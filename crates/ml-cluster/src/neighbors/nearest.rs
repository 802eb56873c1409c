//! [`NearestNeighbors`]: the index as an estimator, for unsupervised neighbour queries
//! and neighbour graphs.

use ml_core::neighbors::{IndexSettings, KNeighbors, NeighborIndex, RadiusNeighbors};
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::Csr;
use ml_core::{Features, FitUnsupervised, Fitted, Result, validate};
use serde::{Deserialize, Serialize};

use super::index_setters;
use super::knn::check_k;

/// Unsupervised neighbour search, as scikit-learn 1.9's `NearestNeighbors`: `fit`
/// indexes the rows, the model answers k-nearest and radius queries and builds the
/// neighbour graphs.
///
/// Defaults: `n_neighbors` 5, `radius` 1, Euclidean distance, `algorithm` auto,
/// `leaf_size` 30.
///
/// ```
/// use ml_cluster::neighbors::NearestNeighbors;
/// use ml_core::faer::mat;
///
/// let x = mat![[0.0, 0.0], [0.0, 1.0], [3.0, 0.0], [3.0, 1.0]];
/// let model = NearestNeighbors::new().n_neighbors(1).fit(x.as_ref())?;
/// // Each row's nearest other row.
/// let found = model.kneighbors_of_fitted()?;
/// assert_eq!(found.all_indices(), &[1, 0, 3, 2]);
/// // The graph of the rows within 1.5 of each query, as CSR with distances.
/// let graph = model.radius_neighbors_graph(mat![[0.0, 0.5]].as_ref(), false)?;
/// assert_eq!(graph.compute_nnz(), 2);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NearestNeighbors {
    n_neighbors: usize,
    radius: f64,
    index: IndexSettings,
}

impl Default for NearestNeighbors {
    fn default() -> Self {
        Self::new()
    }
}

impl NearestNeighbors {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            n_neighbors: 5,
            radius: 1.0,
            index: IndexSettings::default(),
        }
    }

    /// The default `k` of [`NearestNeighborsModel::kneighbors`], in `1..=n_samples`.
    /// Default: 5.
    pub fn n_neighbors(mut self, n_neighbors: usize) -> Self {
        self.n_neighbors = n_neighbors;
        self
    }

    /// The default radius of [`NearestNeighborsModel::radius_neighbors`], finite and
    /// `> 0`. Default: 1.
    pub fn radius(mut self, radius: f64) -> Self {
        self.radius = radius;
        self
    }

    index_setters!();

    /// Indexes the rows of `x` (dense or CSR).
    ///
    /// # Errors
    /// [`ml_core::Error::InvalidParameter`] for `n_neighbors` 0 or above the number of
    /// rows, a radius that is not finite and `> 0`, or invalid index settings;
    /// [`ml_core::Error::EmptyInput`] or [`ml_core::Error::NonFinite`] for `x`.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<NearestNeighborsModel> {
        let x = x.into();
        validate::positive("radius", self.radius)?;
        let index = super::knn::fit_index(x, &self.index, self.n_neighbors, x.nrows())?;
        Ok(NearestNeighborsModel {
            index,
            n_neighbors: self.n_neighbors,
            radius: self.radius,
        })
    }
}

impl FitUnsupervised for NearestNeighbors {
    type Model = NearestNeighborsModel;

    fn fit(&self, x: Features<'_>) -> Result<NearestNeighborsModel> {
        NearestNeighbors::fit(self, x)
    }
}

/// A fitted [`NearestNeighbors`]: the index with its default `k` and radius.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NearestNeighborsModel {
    index: NeighborIndex,
    n_neighbors: usize,
    radius: f64,
}

impl NearestNeighborsModel {
    /// The index over the fitted rows, for queries with other `k` or radii.
    pub fn index(&self) -> &NeighborIndex {
        &self.index
    }

    /// The default number of neighbours.
    pub fn n_neighbors(&self) -> usize {
        self.n_neighbors
    }

    /// The default radius.
    pub fn radius(&self) -> f64 {
        self.radius
    }

    /// The `n_neighbors` nearest fitted rows of every row of `x`.
    ///
    /// # Errors
    /// [`ml_core::Error::EmptyInput`], [`ml_core::Error::NonFinite`] or
    /// [`ml_core::Error::ShapeMismatch`] for `x`.
    pub fn kneighbors<'a>(&self, x: impl Into<Features<'a>>) -> Result<KNeighbors> {
        self.index.kneighbors(x, self.n_neighbors)
    }

    /// The `n_neighbors` nearest *other* fitted rows of every fitted row
    /// (scikit-learn's `kneighbors()` without `X`).
    ///
    /// # Errors
    /// [`ml_core::Error::InvalidParameter`] when `n_neighbors` is not below the
    /// number of fitted rows.
    pub fn kneighbors_of_fitted(&self) -> Result<KNeighbors> {
        self.index.kneighbors_of_indexed(self.n_neighbors)
    }

    /// Every fitted row within `radius` of every row of `x`, nearest first.
    ///
    /// # Errors
    /// As [`kneighbors`](Self::kneighbors).
    pub fn radius_neighbors<'a>(&self, x: impl Into<Features<'a>>) -> Result<RadiusNeighbors> {
        self.index.radius_neighbors(x, self.radius)
    }

    /// The k-nearest graph of the rows of `x`: an `n_queries × n_fitted` CSR matrix
    /// with each row's `n_neighbors` neighbours, holding their distances or, when
    /// `connectivity`, ones (scikit-learn's `kneighbors_graph(X, mode=...)`).
    ///
    /// # Errors
    /// As [`kneighbors`](Self::kneighbors).
    pub fn kneighbors_graph<'a>(
        &self,
        x: impl Into<Features<'a>>,
        connectivity: bool,
    ) -> Result<Csr> {
        self.kneighbors(x)?
            .to_graph(self.index.n_samples(), connectivity)
    }

    /// The radius graph of the rows of `x` (scikit-learn's `radius_neighbors_graph`).
    ///
    /// # Errors
    /// As [`kneighbors`](Self::kneighbors).
    pub fn radius_neighbors_graph<'a>(
        &self,
        x: impl Into<Features<'a>>,
        connectivity: bool,
    ) -> Result<Csr> {
        self.radius_neighbors(x)?.to_graph(connectivity)
    }
}

impl Fitted for NearestNeighborsModel {
    fn n_features_in(&self) -> usize {
        self.index.n_features()
    }
}

impl Persist for NearestNeighborsModel {
    const MODEL_NAME: &'static str = "ml_cluster::NearestNeighborsModel";
}

impl Invariants for NearestNeighborsModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        check_k(self.n_neighbors, &self.index)?;
        ml_core::persist::invariants::positive("radius", &[self.radius])
    }
}
