//! Dimensionality reduction.
//!
//! This crate will hold PCA, truncated SVD, latent semantic analysis, latent Dirichlet
//! allocation, NMF and t-SNE, each on the [`ml_core`] estimator traits. Its numerical
//! kernels (thin and randomized SVD, symmetric eigendecomposition) already live in
//! [`ml_core::linalg`]. No estimator has landed yet; nothing here is a placeholder.
