//! Classical machine learning in safe Rust.
//!
//! One import for every family of the workspace. Depend on this crate for everything,
//! or on the family crates you need:
//!
//! # Crate topology
//!
//! - [`core`] (`ml-core`): traits, errors, validation, linear algebra, metrics,
//!   preprocessing, persistence and datasets. Always present.
//! - [`text`] (`ml-text`): text vectorisers (counts, TF-IDF) into CSR. Always present.
//! - `supervised` (`ml-supervised`, feature `supervised`): regression and classification.
//! - `cluster` (`ml-cluster`, feature `cluster`): clustering and nearest neighbours
//!   (the latter also as [`neighbors`]).
//! - `decomp` (`ml-decomp`, feature `decomp`): dimensionality reduction.
//! - `assoc` (`ml-assoc`, feature `assoc`): frequent itemsets and association rules.

pub use ml_core as core;
pub use ml_core::{Error, Result, faer};
pub use ml_text as text;

#[cfg(feature = "assoc")]
pub use ml_assoc as assoc;
#[cfg(feature = "cluster")]
pub use ml_cluster as cluster;
/// Nearest neighbours: the k-NN and radius estimators and the shared index
/// (`ml_cluster::neighbors`, over `ml_core::neighbors`).
#[cfg(feature = "cluster")]
pub use ml_cluster::neighbors;
#[cfg(feature = "decomp")]
pub use ml_decomp as decomp;
#[cfg(feature = "supervised")]
pub use ml_supervised as supervised;

/// The traits and types most programs need, in one `use ml::prelude::*;`.
pub mod prelude {
    pub use ml_core::faer::{Mat, MatRef};
    pub use ml_core::{
        Error, Fit, FitUnsupervised, Label, PartialFit, Predict, PredictProba, Result, Transform,
    };
}

/// The README's examples, compiled and run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
