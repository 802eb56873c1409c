//! Clustering and nearest neighbours.
//!
//! This crate will hold k-means (Lloyd, Elkan, mini-batch), mean-shift, DBSCAN and
//! k-nearest-neighbour models over kiddo k-d trees, each on the [`ml_core`] estimator
//! traits. No estimator has landed yet; nothing here is a placeholder.
