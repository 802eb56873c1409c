//! Tree ensembles, built on the CART trees of [`tree`](crate::tree).
//!
//! - Random forests and extremely randomised trees ([`RandomForestClassifier`],
//!   [`RandomForestRegressor`], [`ExtraTreesClassifier`], [`ExtraTreesRegressor`]), as
//!   scikit-learn 1.9.1's: the same seed gives the same trees, bootstrap samples and
//!   out-of-bag estimates as `random_state` there, on any number of threads.
//!
//! Gradient boosting (histogram and classic) is not here yet.

mod forest;

pub use forest::{
    ExtraTreesClassifier, ExtraTreesRegressor, ForestClassWeight, ForestClassifierModel,
    ForestRegressorModel, MaxSamples, RandomForestClassifier, RandomForestRegressor,
};
