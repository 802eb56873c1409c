//! The foundation of the `ml` workspace.
//!
//! Every family crate (`ml-supervised`, `ml-cluster`, `ml-decomp`, `ml-assoc`) builds on
//! what is here and on no other crate of the workspace:
//!
//! - [`traits`]: the estimator contract ([`Fit`], [`FitUnsupervised`], [`Predict`],
//!   [`PredictProba`], [`Transform`], [`PartialFit`]) and the [`Label`] trait.
//! - [`Error`]: one typed, `#[non_exhaustive]` error with the offending numbers inside.
//! - [`validate`]: the checks every `fit` and `predict` runs before any work.
//! - [`linalg`]: least squares, Cholesky, SVD with scikit-learn's sign convention,
//!   symmetric eigendecomposition, randomized SVD and blocked distances, over faer.
//! - [`sparse`]: CSR conventions over faer's sparse matrices and the products on them.
//! - [`metrics`]: classification, regression and clustering scores as scikit-learn
//!   defines them.
//! - [`preprocessing`], [`model_selection`] and [`pipeline`]: scalers, splits, folds,
//!   cross-validation and chaining of a transformer with an estimator.
//! - [`text`]: bag-of-words and TF-IDF vectorisers of documents, as scikit-learn's.
//! - [`persist`]: saving and loading fitted models (header + bincode payload).
//! - `datasets` (feature `datasets`, on by default): the bundled real data sets.
//! - `testing` (feature `testing`): the conformance battery every estimator runs.
//! - [`rng`]: the seeded random generator every random choice comes from.

pub mod error;
pub mod linalg;
pub mod metrics;
pub mod model_selection;
pub mod persist;
pub mod pipeline;
pub mod preprocessing;
pub mod rng;
pub mod sparse;
pub mod text;
pub mod traits;
pub mod validate;

#[cfg(feature = "datasets")]
pub mod datasets;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, PersistError, Result};
pub use traits::{Fit, FitUnsupervised, Label, PartialFit, Predict, PredictProba, Transform};

pub use faer;
