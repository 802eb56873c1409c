//! Clustering and nearest neighbours.
//!
//! Landed so far: [`KMeans`] (Lloyd's and Elkan's algorithms, greedy k-means++, random
//! or given initial centres, sample weights), matching scikit-learn's `KMeans` from the
//! same initial centres, and [`MiniBatchKMeans`], both on the [`ml_core`] estimator
//! traits. Mean-shift, DBSCAN
//! and k-nearest-neighbour models over k-d trees will join it here.

pub mod kmeans;

pub use kmeans::{Algorithm, Init, KMeans, KMeansModel, MiniBatchKMeans, MiniBatchKMeansModel};
