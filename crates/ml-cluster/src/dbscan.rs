//! [`Dbscan`]: density-based clustering with noise, in memory linear in the data.
//!
//! scikit-learn's DBSCAN materialises every radius neighbourhood before it starts,
//! which on dense data takes gigabytes (hundreds of neighbours per row times eight
//! bytes each). Here no neighbourhood of a core row is ever listed whole:
//!
//! 1. a row is core when its `min_samples`-th nearest row (itself first) lies within
//!    `eps`, which a k-nearest query answers without enumerating a dense
//!    neighbourhood; a non-core row's whole neighbourhood is among those nearest (with
//!    sample weights, or a large `min_samples`, the neighbourhoods' weights are
//!    streamed from the index instead, and short non-core ones kept);
//! 2. the core rows' components come from [`NeighborIndex::connect_within`]: the core
//!    rows among each core row's nearest are linked first, then each core row looks
//!    only for core rows of *other* components within `eps`, which inside a dense
//!    region prunes nearly the whole tree.
//!
//! The clusters are the components numbered in order of their smallest row, which is
//! the order scikit-learn's depth-first expansion discovers them in, and a border row
//! joins the lowest-numbered cluster among the core rows within `eps` of it: the
//! cluster that reaches it first in scikit-learn's expansion. So the labels are
//! scikit-learn's exactly (wherever no distance equals `eps` to the last bit), with
//! memory `O(n · min_samples)` beyond the index.

use ml_core::neighbors::{IndexSettings, NeighborIndex};
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Error, Features, FitUnsupervised, FitUnsupervisedWeighted, Fitted, Predict, Result, validate,
};
use serde::{Deserialize, Serialize};

use crate::neighbors::index_setters;

/// Density-based spatial clustering of applications with noise, as scikit-learn 1.9's
/// `DBSCAN`.
///
/// A row is a *core* row when the rows within `eps` of it (itself included) number at
/// least `min_samples` (or, with sample weights, weigh at least `min_samples`).
/// Clusters are the groups of core rows linked by distances `≤ eps`, with the non-core
/// rows within `eps` of one of them (border rows); every other row is noise (`None`).
///
/// Defaults: `eps` 0.5, `min_samples` 5, Euclidean distance, `algorithm` auto,
/// `leaf_size` 30. Any metric of the [`NeighborIndex`] serves, haversine included
/// (latitude and longitude in radians, `eps` in radians of arc: kilometres divided by
/// the Earth's radius, 6371 km). Memory beyond the index is linear in the number of
/// rows (see the module docs); scikit-learn's grows with the number of neighbours.
///
/// Deliberate differences: labels are `Option<usize>` (scikit-learn's −1 is `None`),
/// and the fitted model predicts new rows (scikit-learn's DBSCAN has only
/// `fit_predict`): a row takes the lowest cluster among the core rows within `eps` of
/// it, or noise, which gives back the fitted labels on the training rows.
///
/// ```
/// use ml_cluster::Dbscan;
/// use ml_core::faer::mat;
///
/// let x = mat![[1.0, 2.0], [2.0, 2.0], [2.0, 3.0], [8.0, 7.0], [8.0, 8.0], [25.0, 80.0]];
/// let model = Dbscan::new().eps(3.0).min_samples(2).fit(x.as_ref())?;
/// assert_eq!(model.labels(), &[Some(0), Some(0), Some(0), Some(1), Some(1), None]);
/// assert_eq!(model.core_sample_indices(), &[0, 1, 2, 3, 4]);
/// assert_eq!(model.predict(mat![[2.5, 2.5], [50.0, 50.0]].as_ref())?, [Some(0), None]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dbscan {
    eps: f64,
    min_samples: usize,
    index: IndexSettings,
}

impl Default for Dbscan {
    fn default() -> Self {
        Self::new()
    }
}

/// Non-core neighbourhoods up to this length are kept from the first pass instead of
/// being queried again; the bound keeps that memory linear in the rows.
const KEPT_NEIGHBORHOOD: usize = 64;

/// Up to this `min_samples`, unweighted fits decide core rows by k-nearest queries
/// (`min_samples` neighbours kept per row); above, by streamed neighbourhoods.
const KNN_MIN_SAMPLES: usize = 64;

/// Rows per block of k-nearest queries.
const NEAREST_BLOCK: usize = 16_384;

impl Dbscan {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            eps: 0.5,
            min_samples: 5,
            index: IndexSettings::default(),
        }
    }

    /// The neighbourhood radius (inclusive), finite and `> 0`. Default: 0.5.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// The neighbourhood size (or weight) that makes a row core, the row itself
    /// counted; at least 1. Default: 5.
    pub fn min_samples(mut self, min_samples: usize) -> Self {
        self.min_samples = min_samples;
        self
    }

    index_setters!();

    /// Clusters the rows of `x` (dense or CSR).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `eps` not finite and `> 0`, `min_samples` 0 or
    /// invalid index settings; [`Error::EmptyInput`], [`Error::NonFinite`] or (for
    /// haversine) [`Error::InvalidData`] / [`Error::ShapeMismatch`] for `x`.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<DbscanModel> {
        self.fit_with(x.into(), None)
    }

    /// Clusters the rows of `x` with a weight per row: a row is core when the weights
    /// within `eps` of it sum to at least `min_samples`. As in scikit-learn, weights
    /// may be negative (a negative weight keeps its neighbours from being core); they
    /// must be finite.
    ///
    /// # Errors
    /// As [`fit`](Self::fit); [`Error::ShapeMismatch`] or [`Error::NonFinite`] for the
    /// weights.
    pub fn fit_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        sample_weight: &[f64],
    ) -> Result<DbscanModel> {
        let x = x.into();
        if sample_weight.len() != x.nrows() {
            return Err(Error::ShapeMismatch {
                what: "length of sample_weight",
                expected: x.nrows(),
                got: sample_weight.len(),
            });
        }
        validate::finite_slice(sample_weight)?;
        self.fit_with(x, Some(sample_weight))
    }

    fn check(&self) -> Result<()> {
        validate::positive("eps", self.eps)?;
        if self.min_samples == 0 {
            return Err(Error::InvalidParameter {
                name: "min_samples",
                value: "0".to_owned(),
                expected: ">= 1",
            });
        }
        Ok(())
    }

    fn fit_with(&self, x: Features<'_>, weights: Option<&[f64]>) -> Result<DbscanModel> {
        self.check()?;
        let hint = self.min_samples.min(x.nrows());
        let index = NeighborIndex::build(x, &self.index.clone().n_neighbors(Some(hint)))?;
        let n = index.n_samples();
        let first = match weights {
            None if self.min_samples <= KNN_MIN_SAMPLES => self.cores_by_nearest(&index, x)?,
            _ => self.cores_by_weight(&index, weights)?,
        };
        let is_core: Vec<bool> = first.iter().map(|f| f.core).collect();
        // Core rows among each core row's nearest neighbours: links known already.
        let links: Vec<(usize, usize)> = first
            .iter()
            .enumerate()
            .filter(|(_, f)| f.core)
            .flat_map(|(i, f)| {
                let is_core = &is_core;
                f.within
                    .iter()
                    .filter(move |&&j| j > i && is_core[j])
                    .map(move |&j| (i, j))
            })
            .collect();
        let roots = index.connect_within(&is_core, self.eps, &links)?;
        drop(links);
        // Clusters numbered by their smallest (root) row.
        let mut cluster_of_root = vec![usize::MAX; n];
        let mut n_clusters = 0;
        for i in 0..n {
            if roots[i] == Some(i) {
                cluster_of_root[i] = n_clusters;
                n_clusters += 1;
            }
        }
        let cluster = |j: usize| roots[j].map(|r| cluster_of_root[r]);
        // Non-core rows whose neighbourhood was too long to keep are asked again.
        let again: Vec<usize> = (0..n)
            .filter(|&i| !first[i].core && !first[i].complete)
            .collect();
        let mut requeried = index
            .map_radius_neighborhoods(&again, self.eps, |_, near| {
                near.iter().filter_map(|&j| cluster(j)).min()
            })?
            .into_iter();
        let labels: Vec<Option<usize>> = first
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if f.core {
                    cluster(i)
                } else if f.complete {
                    f.within.iter().filter_map(|&j| cluster(j)).min()
                } else {
                    requeried.next().flatten()
                }
            })
            .collect();
        let core_sample_indices: Vec<usize> = (0..n).filter(|&i| is_core[i]).collect();
        let core_index = core_rows_index(x, &core_sample_indices, &self.index)?;
        let core_labels = core_sample_indices
            .iter()
            .map(|&i| labels[i].unwrap_or(0))
            .collect();
        Ok(DbscanModel {
            eps: self.eps,
            min_samples: self.min_samples,
            n_features: x.ncols(),
            labels,
            core_sample_indices,
            n_clusters,
            core_index,
            core_labels,
        })
    }

    /// Unweighted: a row is core when its `min_samples`-th nearest row (itself first)
    /// lies within `eps`, so a k-nearest query decides it without enumerating dense
    /// neighbourhoods; a non-core row's whole neighbourhood is among its nearest.
    fn cores_by_nearest(&self, index: &NeighborIndex, x: Features<'_>) -> Result<Vec<First>> {
        let n = index.n_samples();
        let k = self.min_samples;
        if k > n {
            // Fewer rows than min_samples: no row can be core, nor reached.
            return Ok((0..n).map(|_| First::complete(false, Vec::new())).collect());
        }
        let mut out = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let len = NEAREST_BLOCK.min(n - start);
            let rows: Vec<usize> = (start..start + len).collect();
            let near = index.kneighbors(x.select_rows(&rows)?.view(), k)?;
            out.extend((0..len).map(|q| {
                let within: Vec<usize> = near
                    .indices(q)
                    .iter()
                    .zip(near.distances(q))
                    .take_while(|(_, d)| **d <= self.eps)
                    .map(|(&j, _)| j)
                    .collect();
                First::complete(within.len() == k, within)
            }));
            start += len;
        }
        Ok(out)
    }

    /// Weighted (or with a large `min_samples`): each neighbourhood's weight, streamed;
    /// short non-core neighbourhoods are kept.
    fn cores_by_weight(
        &self,
        index: &NeighborIndex,
        weights: Option<&[f64]>,
    ) -> Result<Vec<First>> {
        let all: Vec<usize> = (0..index.n_samples()).collect();
        let min_samples = self.min_samples as f64;
        index.map_radius_neighborhoods(&all, self.eps, |_, near| {
            let weight = match weights {
                Some(w) => near.iter().map(|&j| w[j]).sum(),
                None => near.len() as f64,
            };
            if weight >= min_samples {
                First::complete(true, Vec::new())
            } else if near.len() <= KEPT_NEIGHBORHOOD {
                First::complete(false, near.to_vec())
            } else {
                First {
                    core: false,
                    complete: false,
                    within: Vec::new(),
                }
            }
        })
    }
}

/// What the first pass learns of a row.
struct First {
    core: bool,
    /// Whether `within` is the row's whole neighbourhood (always, for non-core rows
    /// of the k-nearest path).
    complete: bool,
    /// Rows within `eps` (nearest first on the k-nearest path).
    within: Vec<usize>,
}

impl First {
    fn complete(core: bool, within: Vec<usize>) -> Self {
        Self {
            core,
            complete: true,
            within,
        }
    }
}

/// The index over the core rows that predictions query, `None` without core rows.
fn core_rows_index(
    x: Features<'_>,
    core: &[usize],
    settings: &IndexSettings,
) -> Result<Option<NeighborIndex>> {
    if core.is_empty() {
        return Ok(None);
    }
    NeighborIndex::build(x.select_rows(core)?.view(), settings).map(Some)
}

impl FitUnsupervised for Dbscan {
    type Model = DbscanModel;

    fn fit(&self, x: Features<'_>) -> Result<DbscanModel> {
        Dbscan::fit(self, x)
    }
}

impl FitUnsupervisedWeighted for Dbscan {
    fn fit_weighted(&self, x: Features<'_>, sample_weight: &[f64]) -> Result<DbscanModel> {
        Dbscan::fit_weighted(self, x, sample_weight)
    }
}

/// A fitted [`Dbscan`]: the training rows' labels and the core rows, indexed for
/// predictions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DbscanModel {
    eps: f64,
    min_samples: usize,
    n_features: usize,
    labels: Vec<Option<usize>>,
    core_sample_indices: Vec<usize>,
    n_clusters: usize,
    core_index: Option<NeighborIndex>,
    /// The cluster of each core row, in the order of `core_sample_indices`.
    core_labels: Vec<usize>,
}

/// Query rows per block of [`DbscanModel::predict`]: a block's neighbourhoods are the
/// ones held at once.
const PREDICT_BLOCK: usize = 4096;

impl DbscanModel {
    /// Each training row's cluster, `None` for noise (scikit-learn's `labels_`).
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// The core rows, ascending (scikit-learn's `core_sample_indices_`).
    pub fn core_sample_indices(&self) -> &[usize] {
        &self.core_sample_indices
    }

    /// The number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// The number of noise rows.
    pub fn n_noise(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }

    /// The radius the model was fitted with.
    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// The core rows' index (scikit-learn's `components_`, as an index over them),
    /// `None` when no row is core.
    pub fn core_index(&self) -> Option<&NeighborIndex> {
        self.core_index.as_ref()
    }

    /// The cluster of each row of `x`: the lowest cluster among the core rows within
    /// `eps` of it, or `None` (noise). On the training rows this gives back
    /// [`labels`](Self::labels).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] for `x`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<Option<usize>>> {
        let x = x.into();
        validate::features_with_n(x, self.n_features)?;
        let Some(index) = &self.core_index else {
            return Ok(vec![None; x.nrows()]);
        };
        let mut labels = Vec::with_capacity(x.nrows());
        let mut start = 0;
        while start < x.nrows() {
            let len = PREDICT_BLOCK.min(x.nrows() - start);
            let rows: Vec<usize> = (start..start + len).collect();
            let block = index.radius_neighbors(x.select_rows(&rows)?.view(), self.eps)?;
            labels.extend(
                (0..len).map(|q| block.indices(q).iter().map(|&j| self.core_labels[j]).min()),
            );
            start += len;
        }
        Ok(labels)
    }
}

impl Fitted for DbscanModel {
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Predict for DbscanModel {
    type Output = Vec<Option<usize>>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<Option<usize>>> {
        DbscanModel::predict(self, x)
    }
}

impl Persist for DbscanModel {
    const MODEL_NAME: &'static str = "ml_cluster::DbscanModel";
}

impl Invariants for DbscanModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::positive("eps", &[self.eps])?;
        inv::ensure(self.min_samples >= 1, || "min_samples is 0".to_owned())?;
        inv::not_empty("labels", self.labels.len())?;
        inv::strictly_increasing("core_sample_indices", &self.core_sample_indices)?;
        inv::below(
            "core_sample_indices",
            &self.core_sample_indices,
            self.labels.len(),
        )?;
        inv::len(
            "core_labels",
            self.core_labels.len(),
            self.core_sample_indices.len(),
        )?;
        inv::below("core_labels", &self.core_labels, self.n_clusters.max(1))?;
        inv::below_or_none("labels", &self.labels, self.n_clusters)?;
        match &self.core_index {
            None if self.core_sample_indices.is_empty() => Ok(()),
            Some(index) => {
                inv::len(
                    "core rows",
                    index.n_samples(),
                    self.core_sample_indices.len(),
                )?;
                inv::len("core row width", index.n_features(), self.n_features)?;
                index.check_invariants()
            }
            None => Err("core rows without their index".to_owned()),
        }
    }
}
