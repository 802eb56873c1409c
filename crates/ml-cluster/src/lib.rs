//! Clustering and nearest neighbours.
//!
//! Landed so far: [`KMeans`] (Lloyd's and Elkan's algorithms, greedy k-means++, random
//! or given initial centres, sample weights), matching scikit-learn's `KMeans` from the
//! same initial centres, and [`MiniBatchKMeans`], both on the [`ml_core`] estimator
//! traits, with [`elbow`] and [`silhouette_over_k`] for choosing k and
//! [`quantize_colors`] for colour quantisation of images; and [`neighbors`]: the
//! k-nearest and radius neighbour classifiers and regressors and [`NearestNeighbors`],
//! on [`ml_core::neighbors`]' index. Mean-shift, DBSCAN and HDBSCAN will join them.
//!
//! Every `fit`, `predict`, `transform` and `score` takes `impl Into<Features>`
//! ([`ml_core::Features`]); the neighbour models take CSR rows too (brute force), the
//! k-means family has no sparse path yet, so CSR input returns
//! [`ml_core::Error::Unsupported`]. k-means refuses finite data whose scale makes
//! squared distances or centres overflow with [`ml_core::Error::InvalidData`]; the
//! neighbour index rescales such data exactly instead.

pub mod kmeans;
pub mod neighbors;
pub mod quantize;

pub use kmeans::{
    KMeans, KMeansAlgorithm, KMeansInit, KMeansModel, MiniBatchKMeans, MiniBatchKMeansModel, elbow,
    silhouette_over_k,
};
pub use neighbors::{
    KNeighborsClassifier, KNeighborsClassifierModel, KNeighborsRegressor, KNeighborsRegressorModel,
    NearestNeighbors, NearestNeighborsModel, RadiusNeighborsClassifier,
    RadiusNeighborsClassifierModel, RadiusNeighborsRegressor, RadiusNeighborsRegressorModel,
};
pub use quantize::{Quantized, fit_palette, quantize_colors};
