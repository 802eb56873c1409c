//! Tree ensembles, built on the CART trees of [`tree`](crate::tree).
//!
//! - Random forests and extremely randomised trees ([`RandomForestClassifier`],
//!   [`RandomForestRegressor`], [`ExtraTreesClassifier`], [`ExtraTreesRegressor`]), as
//!   scikit-learn 1.9.1's: the same seed gives the same trees, bootstrap samples and
//!   out-of-bag estimates as `random_state` there, on any number of threads.
//!
//! - Histogram gradient boosting ([`HistGradientBoostingClassifier`],
//!   [`HistGradientBoostingRegressor`]), as scikit-learn 1.9.1's: the same bins,
//!   baseline and trees for the same settings, native missing values, categorical
//!   features, monotonic and interaction constraints, early stopping.

mod forest;
mod hist;

pub use forest::{
    ExtraTreesClassifier, ExtraTreesRegressor, ForestClassWeight, ForestClassifierModel,
    ForestRegressorModel, MaxSamples, RandomForestClassifier, RandomForestRegressor,
};
pub use hist::{
    BoostedNode, BoostedSplit, BoostedTree, EarlyStopping, HistGradientBoostingClassifier,
    HistGradientBoostingClassifierModel, HistGradientBoostingRegressor,
    HistGradientBoostingRegressorModel, HistRegressionLoss, InteractionConstraints,
};
