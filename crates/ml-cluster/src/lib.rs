//! Clustering and nearest neighbours.
//!
//! Landed so far: [`KMeans`] (Lloyd's and Elkan's algorithms, greedy k-means++, random
//! or given initial centres, sample weights), matching scikit-learn's `KMeans` from the
//! same initial centres, and [`MiniBatchKMeans`], both on the [`ml_core`] estimator
//! traits, with [`elbow`] and [`silhouette_over_k`] for choosing k and
//! [`quantize_colors`] for colour quantisation of images; and [`neighbors`]: the
//! k-nearest and radius neighbour classifiers and regressors and [`NearestNeighbors`],
//! on [`ml_core::neighbors`]' index; and density clustering on the same index:
//! [`Dbscan`] (neighbourhoods streamed, memory linear in the rows), [`Hdbscan`]
//! (Borůvka's spanning tree in parallel, excess-of-mass or leaf selection, membership
//! probabilities, GLOSH outlier scores) and [`MeanShift`] (seeds climbing in parallel,
//! with [`estimate_bandwidth`]).
//!
//! Every `fit`, `predict`, `transform` and `score` takes `impl Into<Features>`
//! ([`ml_core::Features`]); the neighbour models, DBSCAN and HDBSCAN take CSR rows too
//! (brute force); the k-means family and mean-shift have no sparse path yet, so CSR
//! input returns
//! [`ml_core::Error::Unsupported`]. k-means refuses finite data whose scale makes
//! squared distances or centres overflow with [`ml_core::Error::InvalidData`]; the
//! neighbour index rescales such data exactly instead.

pub mod dbscan;
pub mod hdbscan;
pub mod kmeans;
pub mod mean_shift;
pub mod neighbors;
pub mod outliers;
pub mod quantize;

pub use dbscan::{Dbscan, DbscanModel};
pub use hdbscan::{ClusterSelection, Hdbscan, HdbscanModel, StoreCenters};
pub use kmeans::{
    KMeans, KMeansAlgorithm, KMeansInit, KMeansModel, MiniBatchKMeans, MiniBatchKMeansModel, elbow,
    silhouette_over_k,
};
pub use mean_shift::{MeanShift, MeanShiftModel, estimate_bandwidth};
pub use neighbors::{
    KNeighborsClassifier, KNeighborsClassifierModel, KNeighborsRegressor, KNeighborsRegressorModel,
    NearestNeighbors, NearestNeighborsModel, RadiusNeighborsClassifier,
    RadiusNeighborsClassifierModel, RadiusNeighborsRegressor, RadiusNeighborsRegressorModel,
};
pub use quantize::{Quantized, fit_palette, quantize_colors};
