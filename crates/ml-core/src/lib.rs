//! The foundation of the `ml` workspace.
//!
//! Every family crate (`ml-supervised`, `ml-cluster`, `ml-decomp`, `ml-assoc`) builds on
//! what is here and on no other crate of the workspace:
//!
//! - [`features`]: [`Features`], the one input type (dense or CSR) of every estimator.
//! - [`kernels`]: the small shared numerics (lane-wise sums and dot products, column
//!   statistics, the fixed-block ordered reduction behind thread-count-independent
//!   results) that the families call instead of writing their own.
//! - [`traits`]: the estimator contract ([`Fit`], [`FitUnsupervised`], [`Predict`],
//!   [`PredictProba`], [`Transform`], [`PartialFit`], the weighted fits and the
//!   [`Fitted`] supertrait) and the [`Label`] trait.
//! - [`Error`]: one typed, `#[non_exhaustive]` error with the offending numbers inside.
//! - [`validate`]: the checks every `fit` and `predict` runs before any work.
//! - [`linalg`]: least squares, Cholesky, SVD with scikit-learn's sign convention,
//!   symmetric eigendecomposition, randomized SVD and blocked distances, over faer.
//! - [`sparse`]: CSR conventions over faer's sparse matrices and the products on them.
//! - [`neighbors`]: the neighbour index (k-d trees, ball tree, brute force) that every
//!   neighbour-based estimator queries.
//! - [`metrics`]: classification, regression and clustering scores as scikit-learn
//!   defines them.
//! - [`preprocessing`], [`model_selection`] and [`pipeline`]: scalers, splits, folds,
//!   cross-validation and chaining of a transformer with an estimator.
//! - [`inspection`]: partial dependence of any regressor or classifier on chosen
//!   features, as scikit-learn's `partial_dependence`.
//! - [`persist`]: saving and loading fitted models (header + bincode payload).
//! - `datasets` (feature `datasets`, on by default): the bundled real data sets.
//! - `testing` (feature `testing`): the conformance battery every estimator runs.
//! - [`rng`]: the seeded random generator every random choice comes from.

pub mod error;
pub mod features;
pub mod inspection;
pub mod kernels;
pub mod linalg;
pub mod metrics;
pub mod model_selection;
pub mod neighbors;
pub mod persist;
pub mod pipeline;
pub mod preprocessing;
pub mod rng;
pub mod sparse;
pub mod traits;
pub mod validate;

#[cfg(feature = "datasets")]
pub mod datasets;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, PersistError, Result};
pub use features::{AsFeatures, Features, OwnedFeatures};
pub use traits::{
    Fit, FitUnsupervised, FitUnsupervisedWeighted, FitWeighted, Fitted, Label, PartialFit, Predict,
    PredictProba, Transform,
};

pub use faer;
