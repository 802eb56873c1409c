//! The estimator traits that let generic code treat estimators alike.
//!
//! Hyper-parameters and fitted models are different types: an estimator (unfitted,
//! immutable) is turned into a model by [`Fit`] or [`FitUnsupervised`], and only models
//! predict or transform. Every estimator also has inherent methods of the same names, so
//! users need no trait imports; these traits serve pipelines, cross-validation, the
//! conformance kit and the command line.

use std::fmt::Debug;
use std::hash::Hash;

use faer::{Mat, MatRef};

use crate::Result;

/// What a classification label can be: `usize`, `i64`, `bool`, `char`, `&str`, `String`...
///
/// Blanket-implemented for every type with these bounds. Models keep their sorted
/// `classes()`, as scikit-learn's `classes_`.
pub trait Label: Clone + Ord + Hash + Debug + Send + Sync {}

impl<T: Clone + Ord + Hash + Debug + Send + Sync> Label for T {}

/// Supervised fitting: `X` (one row per sample) and targets `Y` (`[f64]` for
/// regression, `[L]` for classification) to a fitted model.
pub trait Fit<Y: ?Sized> {
    /// The fitted model.
    type Model;

    /// Fits a new model; the estimator's hyper-parameters are unchanged.
    ///
    /// # Errors
    /// Invalid hyper-parameters, empty or non-finite `x`, `y` of the wrong length, or
    /// too few samples or classes.
    fn fit(&self, x: MatRef<'_, f64>, y: &Y) -> Result<Self::Model>;
}

/// Unsupervised fitting: `X` alone to a fitted model (clusterers, decompositions).
pub trait FitUnsupervised {
    /// The fitted model.
    type Model;

    /// Fits a new model; the estimator's hyper-parameters are unchanged.
    ///
    /// # Errors
    /// Invalid hyper-parameters, empty or non-finite `x`, or too few samples.
    fn fit(&self, x: MatRef<'_, f64>) -> Result<Self::Model>;
}

/// Prediction from a fitted model, one output per row of `x`.
pub trait Predict {
    /// `Vec<f64>` for regressors, `Vec<L>` for classifiers, `Vec<usize>` for clusterers.
    type Output;

    /// Predicts every row of `x`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, or a number of columns other than at fit time.
    fn predict(&self, x: MatRef<'_, f64>) -> Result<Self::Output>;

    /// The number of features seen at fit time.
    fn n_features_in(&self) -> usize;
}

/// Class probabilities from a fitted classifier.
pub trait PredictProba: Predict {
    /// The label type.
    type Label: Label;

    /// The sorted classes; column `j` of [`predict_proba`](Self::predict_proba) is `classes()[j]`.
    fn classes(&self) -> &[Self::Label];

    /// One row per sample, one column per class; each row sums to 1.
    ///
    /// # Errors
    /// As [`Predict::predict`].
    fn predict_proba(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>>;
}

/// A fitted transformation of `X` (scalers, decompositions, embeddings).
pub trait Transform {
    /// Transforms every row of `x`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, or a number of columns other than at fit time.
    fn transform(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>>;

    /// The number of features seen at fit time.
    fn n_features_in(&self) -> usize;
}

/// Online learning: update a fitted model with one more batch.
///
/// `Y` is `[f64]` or `[L]` for supervised models and `()` for unsupervised ones.
pub trait PartialFit<Y: ?Sized = ()> {
    /// Updates the model with the batch `x` (and its targets `y`).
    ///
    /// # Errors
    /// As [`Fit::fit`], plus labels or feature counts that differ from earlier batches.
    fn partial_fit(&mut self, x: MatRef<'_, f64>, y: &Y) -> Result<()>;
}
