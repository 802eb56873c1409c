//! Dimensionality reduction: turning many raw features into a few higher-level ones.
//!
//! - [`pca`]: principal component analysis (full SVD, covariance eigendecomposition,
//!   randomized) and its incremental form.
//! - [`truncated_svd`]: truncated SVD without centring, for sparse TF-IDF and ratings.
//! - [`lsa`]: latent semantic analysis (TF-IDF → truncated SVD → row normalisation).
//! - [`lda`]: latent Dirichlet allocation by batch and online variational Bayes.
//! - [`nmf`]: non-negative matrix factorisation.
//! - [`recommender`]: top-N recommendations from a user × item ratings matrix.
//! - [`tsne`]: t-SNE embeddings for pictures of high-dimensional data (exact and
//!   Barnes–Hut gradients on the shared neighbour index).
//!
//! Every estimator is an immutable set of hyper-parameters whose `fit` validates the
//! input and returns a separate fitted model; defaults equal scikit-learn 1.9's.
//! Every `fit`, `transform` and `partial_fit` takes `impl Into<`[`ml_core::Features`]`>`:
//! a dense matrix or a CSR one. Truncated SVD, LDA, NMF and the recommender have
//! sparse paths; PCA and incremental PCA centre the data and return
//! [`ml_core::Error::Unsupported`] for CSR input. The
//! numerical kernels (thin and randomized SVD, symmetric eigendecomposition) live in
//! [`ml_core::linalg`].

pub mod incremental_pca;
pub mod lda;
pub mod lsa;
pub mod nmf;
pub mod pca;
pub mod recommender;
pub mod truncated_svd;
pub mod tsne;

pub use incremental_pca::{IncrementalPca, IncrementalPcaModel};
pub use lda::{LatentDirichletAllocation, LatentDirichletAllocationModel, LdaLearningMethod};
pub use lsa::{Lsa, LsaModel};
pub use nmf::{Nmf, NmfBetaLoss, NmfInit, NmfModel, NmfSolver};
pub use pca::{Pca, PcaModel, PcaNComponents, PcaSolver};
pub use recommender::{Recommender, RecommenderMethod, RecommenderModel};
pub use truncated_svd::{TruncatedSvd, TruncatedSvdAlgorithm, TruncatedSvdModel};
pub use tsne::{LearningRate, Tsne, TsneInit, TsneMethod, TsneModel, TsneProgress};
