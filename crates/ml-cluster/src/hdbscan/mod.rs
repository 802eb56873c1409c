//! [`Hdbscan`]: hierarchical density-based clustering, as scikit-learn 1.9's
//! `HDBSCAN`.
//!
//! The steps: each row's core distance (the distance to its `min_samples`-th nearest
//! row, itself counted) from the shared index; the minimum spanning tree of the
//! mutual-reachability distance `max(core_i, core_j, d(i, j) / alpha)` by Borůvka's
//! algorithm on a ball tree, in parallel (scikit-learn runs Prim's over all pairs, one
//! thread); then, as scikit-learn does, the single-linkage hierarchy, the condensed
//! tree, the clusters' stabilities and the selection (`tree.rs`).

mod tree;

use faer::Mat;
use ml_core::neighbors::{IndexSettings, NeighborIndex};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, FitUnsupervised, Fitted, Predict, Result, validate};
use serde::{Deserialize, Serialize};

pub use tree::{ClusterSelection, CondensedRow};

use crate::neighbors::index_setters;

/// Hierarchical DBSCAN: clusters of varying density, noise, membership probabilities
/// and outlier scores, as scikit-learn 1.9's `HDBSCAN`.
///
/// Defaults: `min_cluster_size` 5, `min_samples` = `min_cluster_size`,
/// `cluster_selection_epsilon` 0, no `max_cluster_size`, Euclidean distance, `alpha` 1,
/// excess-of-mass selection, no single cluster, no stored centres, `leaf_size` 40
/// (scikit-learn's).
///
/// Deliberate differences: labels are `Option<usize>` (scikit-learn's −1 is `None`;
/// non-finite rows are refused with a typed error rather than labelled −2/−3); the
/// outlier scores (GLOSH, Campello et al. 2015, as the `hdbscan` package defines them)
/// and a `predict` for new rows ([`HdbscanModel::predict`]) are extras; where spanning-tree weights tie exactly, the single-linkage merges at that
/// height are ordered stably here and by numpy's unstable sort in scikit-learn, which
/// can renumber clusters.
///
/// ```
/// use ml_cluster::Hdbscan;
/// use ml_core::faer::Mat;
///
/// // Two groups of 20 rows on a line, far apart, and one row between them.
/// let x = Mat::from_fn(41, 1, |i, _| match i {
///     0..20 => i as f64 * 0.1,
///     20..40 => 100.0 + i as f64 * 0.1,
///     _ => 50.0,
/// });
/// let model = Hdbscan::new().min_cluster_size(5).fit(x.as_ref())?;
/// assert_eq!(model.n_clusters(), 2);
/// assert_eq!(model.labels()[0], Some(0));
/// assert_eq!(model.labels()[25], Some(1));
/// // The lone row hangs on to the first group, barely: a low membership probability
/// // and a high outlier score.
/// assert_eq!(model.labels()[40], Some(0));
/// assert!(model.probabilities()[40] < 0.01);
/// assert!(model.outlier_scores()[40] > 0.99);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Hdbscan {
    min_cluster_size: usize,
    min_samples: Option<usize>,
    cluster_selection_epsilon: f64,
    max_cluster_size: Option<usize>,
    alpha: f64,
    cluster_selection: ClusterSelection,
    allow_single_cluster: bool,
    store_centers: StoreCenters,
    index: IndexSettings,
}

/// Which cluster centres a fit computes (scikit-learn's `store_centers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreCenters {
    /// None. The default.
    #[default]
    None,
    /// Each cluster's probability-weighted mean.
    Centroid,
    /// Each cluster's medoid: `O(m²)` distances for a cluster of `m` rows.
    Medoid,
    /// Both.
    Both,
}

impl Default for Hdbscan {
    fn default() -> Self {
        Self::new()
    }
}

impl Hdbscan {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            min_cluster_size: 5,
            min_samples: None,
            cluster_selection_epsilon: 0.0,
            max_cluster_size: None,
            alpha: 1.0,
            cluster_selection: ClusterSelection::ExcessOfMass,
            allow_single_cluster: false,
            store_centers: StoreCenters::None,
            index: IndexSettings::default().leaf_size(40),
        }
    }

    /// The fewest rows a cluster holds, at least 2. Default: 5.
    pub fn min_cluster_size(mut self, min_cluster_size: usize) -> Self {
        self.min_cluster_size = min_cluster_size;
        self
    }

    /// The neighbourhood size of the core distance (the row itself counted), at least
    /// 1 and at most the number of rows. Default: `min_cluster_size`.
    pub fn min_samples(mut self, min_samples: usize) -> Self {
        self.min_samples = Some(min_samples);
        self
    }

    /// Clusters born at a distance below this merge into their ancestors, finite and
    /// `≥ 0`. Default: 0.
    pub fn cluster_selection_epsilon(mut self, epsilon: f64) -> Self {
        self.cluster_selection_epsilon = epsilon;
        self
    }

    /// The largest cluster excess of mass may select (leaf selection ignores it).
    /// Default: none.
    pub fn max_cluster_size(mut self, max_cluster_size: usize) -> Self {
        self.max_cluster_size = Some(max_cluster_size);
        self
    }

    /// The divisor of distances in the mutual reachability, finite and `> 0`.
    /// Default: 1.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Excess of mass or leaves. Default: [`ClusterSelection::ExcessOfMass`].
    pub fn cluster_selection(mut self, method: ClusterSelection) -> Self {
        self.cluster_selection = method;
        self
    }

    /// Whether the whole data may be one cluster. Default: false.
    pub fn allow_single_cluster(mut self, allow: bool) -> Self {
        self.allow_single_cluster = allow;
        self
    }

    /// The centres to compute. Default: [`StoreCenters::None`].
    pub fn store_centers(mut self, which: StoreCenters) -> Self {
        self.store_centers = which;
        self
    }

    index_setters!();

    fn check(&self, n: usize) -> Result<usize> {
        if self.min_cluster_size < 2 {
            return Err(Error::InvalidParameter {
                name: "min_cluster_size",
                value: self.min_cluster_size.to_string(),
                expected: ">= 2",
            });
        }
        let min_samples = self.min_samples.unwrap_or(self.min_cluster_size);
        if min_samples == 0 || min_samples > n {
            return Err(Error::InvalidParameter {
                name: "min_samples",
                value: min_samples.to_string(),
                expected: "in 1..=n_samples (min_samples defaults to min_cluster_size)",
            });
        }
        validate::non_negative_param("cluster_selection_epsilon", self.cluster_selection_epsilon)?;
        if !self.cluster_selection_epsilon.is_finite() {
            return Err(Error::invalid_parameter(
                "cluster_selection_epsilon",
                self.cluster_selection_epsilon,
                "finite and >= 0",
            ));
        }
        validate::positive("alpha", self.alpha)?;
        if self.max_cluster_size == Some(0) {
            return Err(Error::InvalidParameter {
                name: "max_cluster_size",
                value: "0".to_owned(),
                expected: ">= 1",
            });
        }
        Ok(min_samples)
    }

    /// Clusters the rows of `x` (dense or CSR).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `min_cluster_size` below 2, `min_samples` 0 or
    /// above the number of rows, a negative or non-finite
    /// `cluster_selection_epsilon`, an `alpha` not finite and `> 0`,
    /// `max_cluster_size` 0 or invalid index settings; [`Error::EmptyInput`],
    /// [`Error::NonFinite`] or (for haversine) [`Error::InvalidData`] /
    /// [`Error::ShapeMismatch`] for `x`.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<HdbscanModel> {
        let x = x.into();
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::EmptyInput { what: "X" });
        }
        let min_samples = self.check(x.nrows())?;
        let index = NeighborIndex::build(x, &self.index.clone().n_neighbors(Some(min_samples)))?;
        let n = index.n_samples();
        let near = index.kneighbors(x, min_samples)?;
        let core: Vec<f64> = (0..n).map(|i| near.distances(i)[min_samples - 1]).collect();
        let mst = index.mutual_reachability_mst(&core, self.alpha, Some(&near))?;
        drop(near);
        let merges = tree::single_linkage(n, tree::prim_order(n, &mst));
        let condensed = tree::condense(&merges, n, self.min_cluster_size);
        drop(merges);
        let clusters = tree::Clusters::of(&condensed, n);
        let selection = tree::Selection {
            method: self.cluster_selection,
            allow_single_cluster: self.allow_single_cluster,
            epsilon: self.cluster_selection_epsilon,
            max_cluster_size: self.max_cluster_size,
        };
        let selected = tree::select(&clusters, n, &selection);
        let outcome = tree::label(&condensed, &clusters, &selected, n, &selection);
        let n_clusters = selected.len();
        let members = members(&outcome.labels, n_clusters);
        let centroids = matches!(
            self.store_centers,
            StoreCenters::Centroid | StoreCenters::Both
        )
        .then(|| centroids(x, &members, &outcome.probabilities));
        let medoids = match self.store_centers {
            StoreCenters::Medoid | StoreCenters::Both => {
                Some(medoids(x, &members, &outcome.probabilities, &index)?)
            }
            StoreCenters::None | StoreCenters::Centroid => None,
        };
        Ok(HdbscanModel {
            n_features: x.ncols(),
            labels: outcome.labels,
            probabilities: outcome.probabilities,
            outlier_scores: outcome.outlier_scores,
            core_distances: core,
            mst,
            condensed,
            n_clusters,
            centroids,
            medoids,
            index,
        })
    }
}

/// The rows of each cluster.
fn members(labels: &[Option<usize>], k: usize) -> Vec<Vec<usize>> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, l) in labels.iter().enumerate() {
        if let Some(c) = l {
            members[*c].push(i);
        }
    }
    members
}

/// Entry `(i, j)` of `x`, dense or CSR.
fn value(x: Features<'_>, i: usize, j: usize) -> f64 {
    match x {
        Features::Dense(m) => m[(i, j)],
        Features::Sparse(c) => c
            .col_idx_of_row_raw(i)
            .binary_search(&j)
            .map_or(0.0, |at| c.val_of_row(i)[at]),
    }
}

/// Each cluster's probability-weighted mean, as scikit-learn's `centroids_` (the weights
/// are normalised first, so huge values stay finite).
fn centroids(x: Features<'_>, members: &[Vec<usize>], probabilities: &[f64]) -> Mat<f64> {
    Mat::from_fn(members.len(), x.ncols(), |c, j| {
        let rows = &members[c];
        let total: f64 = rows.iter().map(|&i| probabilities[i]).sum();
        rows.iter()
            .map(|&i| value(x, i, j) * (probabilities[i] / total))
            .sum()
    })
}

/// Each cluster's medoid: the member minimising the probability-weighted sum of its
/// distances to the others, as scikit-learn's `medoids_` (row by row: `O(m²)` time,
/// `O(m)` memory for a cluster of `m` rows).
fn medoids(
    x: Features<'_>,
    members: &[Vec<usize>],
    probabilities: &[f64],
    index: &NeighborIndex,
) -> Result<Mat<f64>> {
    let mut out = Mat::zeros(members.len(), x.ncols());
    for (c, rows) in members.iter().enumerate() {
        let sums = index.weighted_distance_sums(rows, probabilities)?;
        if let Some(best) = (0..rows.len()).min_by(|&a, &b| sums[a].total_cmp(&sums[b])) {
            for j in 0..x.ncols() {
                out[(c, j)] = value(x, rows[best], j);
            }
        }
    }
    Ok(out)
}

impl FitUnsupervised for Hdbscan {
    type Model = HdbscanModel;

    fn fit(&self, x: Features<'_>) -> Result<HdbscanModel> {
        Hdbscan::fit(self, x)
    }
}

/// A fitted [`Hdbscan`]: labels, probabilities, outlier scores, the spanning tree and
/// the condensed tree, cluster centres, and the index for predictions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HdbscanModel {
    n_features: usize,
    labels: Vec<Option<usize>>,
    probabilities: Vec<f64>,
    outlier_scores: Vec<f64>,
    core_distances: Vec<f64>,
    mst: Vec<ml_core::neighbors::Edge>,
    condensed: Vec<CondensedRow>,
    n_clusters: usize,
    #[serde(with = "ml_core::persist::mat_opt")]
    centroids: Option<Mat<f64>>,
    #[serde(with = "ml_core::persist::mat_opt")]
    medoids: Option<Mat<f64>>,
    index: NeighborIndex,
}

impl HdbscanModel {
    /// Each training row's cluster, `None` for noise (scikit-learn's `labels_`).
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// How strongly each row belongs to its cluster, in `[0, 1]` (0 for noise;
    /// scikit-learn's `probabilities_`).
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    /// GLOSH outlier scores in `[0, 1]`: how much denser the densest part of a row's
    /// cluster is than the row where it left it (1 − λ_row / λ_max). High is anomalous.
    pub fn outlier_scores(&self) -> &[f64] {
        &self.outlier_scores
    }

    /// Each row's core distance: to its `min_samples`-th nearest row, itself counted.
    pub fn core_distances(&self) -> &[f64] {
        &self.core_distances
    }

    /// The mutual-reachability minimum spanning tree, `n − 1` edges.
    pub fn minimum_spanning_tree(&self) -> &[ml_core::neighbors::Edge] {
        &self.mst
    }

    /// The condensed tree (scikit-learn's `_condensed_tree`, as rows).
    pub fn condensed_tree(&self) -> &[CondensedRow] {
        &self.condensed
    }

    /// The number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// The number of noise rows.
    pub fn n_noise(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }

    /// Each cluster's probability-weighted mean (scikit-learn's `centroids_`), when
    /// asked for by [`Hdbscan::store_centers`].
    pub fn centroids(&self) -> Option<&Mat<f64>> {
        self.centroids.as_ref()
    }

    /// Each cluster's medoid (scikit-learn's `medoids_`), when asked for by
    /// [`Hdbscan::store_centers`].
    pub fn medoids(&self) -> Option<&Mat<f64>> {
        self.medoids.as_ref()
    }

    /// The cluster of each row of `x`: that of its nearest training row, when that row
    /// is in a cluster and `x` lies within its core distance (inside the dense region
    /// the row's cluster covers); otherwise noise. On the training rows it gives back
    /// their labels, except for exact copies of a row labelled otherwise (HDBSCAN may
    /// put copies of one point apart; a query cannot tell them apart).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] for `x`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<Option<usize>>> {
        let x = x.into();
        validate::features_with_n(x, self.n_features)?;
        let found = self.index.kneighbors(x, 1)?;
        Ok((0..found.n_queries())
            .map(|q| {
                let (j, dist) = (found.indices(q)[0], found.distances(q)[0]);
                self.labels[j].filter(|_| dist <= self.core_distances[j])
            })
            .collect())
    }
}

impl Fitted for HdbscanModel {
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Predict for HdbscanModel {
    type Output = Vec<Option<usize>>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<Option<usize>>> {
        HdbscanModel::predict(self, x)
    }
}

impl Persist for HdbscanModel {
    const MODEL_NAME: &'static str = "ml_cluster::HdbscanModel";
}

impl Invariants for HdbscanModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let n = self.labels.len();
        inv::not_empty("labels", n)?;
        inv::len("probabilities", self.probabilities.len(), n)?;
        inv::len("outlier scores", self.outlier_scores.len(), n)?;
        inv::len("core distances", self.core_distances.len(), n)?;
        inv::len("indexed rows", self.index.n_samples(), n)?;
        inv::len("indexed width", self.index.n_features(), self.n_features)?;
        inv::non_negative("core distances", &self.core_distances)?;
        inv::finite("core distances", &self.core_distances)?;
        inv::ensure(
            self.probabilities
                .iter()
                .chain(&self.outlier_scores)
                .all(|p| (0.0..=1.0).contains(p)),
            || "a probability or outlier score outside [0, 1]".to_owned(),
        )?;
        inv::below_or_none("labels", &self.labels, self.n_clusters)?;
        for (what, m) in [("centroids", &self.centroids), ("medoids", &self.medoids)] {
            if let Some(m) = m {
                inv::shape(what, m.as_ref(), self.n_clusters, self.n_features)?;
            }
        }
        self.index.check_invariants()
    }
}
