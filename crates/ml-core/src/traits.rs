//! The estimator traits that let generic code treat estimators alike.
//!
//! Hyper-parameters and fitted models are different types: an estimator (unfitted,
//! immutable) is turned into a model by [`Fit`] or [`FitUnsupervised`], and only models
//! predict or transform. Every estimator also has inherent methods of the same names, so
//! users need no trait imports; these traits serve pipelines, cross-validation, the
//! conformance kit and the command line. Inherent methods take `impl Into<Features>`;
//! trait methods take [`Features`] itself, so the traits stay object-safe.

use std::fmt::Debug;
use std::hash::Hash;

use faer::Mat;

use crate::Result;
use crate::features::{AsFeatures, Features};

/// What a classification label can be: `usize`, `i64`, `bool`, `char`, `&str`, `String`...
///
/// Blanket-implemented for every type with these bounds. Models keep their sorted
/// `classes()`, as scikit-learn's `classes_`.
pub trait Label: Clone + Ord + Hash + Debug + Send + Sync {}

impl<T: Clone + Ord + Hash + Debug + Send + Sync> Label for T {}

/// What every fitted model has: the number of features it was fitted on.
///
/// The supertrait of [`Predict`] and [`Transform`], so a model that does both has one
/// `n_features_in`.
pub trait Fitted {
    /// The number of features (columns of `X`) seen at fit time.
    fn n_features_in(&self) -> usize;
}

/// Supervised fitting: `X` (one row per sample, dense or CSR) and targets `Y` (`[f64]`
/// for regression, `[L]` for classification) to a fitted model.
pub trait Fit<Y: ?Sized> {
    /// The fitted model.
    type Model;

    /// Fits a new model; the estimator's hyper-parameters are unchanged.
    ///
    /// # Errors
    /// Invalid hyper-parameters, empty or non-finite `x`, `y` of the wrong length, too
    /// few samples or classes, or [`Error::Unsupported`](crate::Error::Unsupported) for
    /// sparse `x` to an estimator without a sparse path.
    fn fit(&self, x: Features<'_>, y: &Y) -> Result<Self::Model>;
}

/// Supervised fitting with one non-negative weight per sample (scikit-learn's
/// `fit(X, y, sample_weight)`): an integer weight acts as that many copies of the row.
pub trait FitWeighted<Y: ?Sized>: Fit<Y> {
    /// Fits a new model with `sample_weight`.
    ///
    /// # Errors
    /// As [`Fit::fit`], plus weights of the wrong length, negative, non-finite or all
    /// zero.
    fn fit_weighted(&self, x: Features<'_>, y: &Y, sample_weight: &[f64]) -> Result<Self::Model>;
}

/// Unsupervised fitting: `X` alone to a fitted model (clusterers, decompositions).
pub trait FitUnsupervised {
    /// The fitted model.
    type Model;

    /// Fits a new model; the estimator's hyper-parameters are unchanged.
    ///
    /// # Errors
    /// Invalid hyper-parameters, empty or non-finite `x`, too few samples, or
    /// [`Error::Unsupported`](crate::Error::Unsupported) for sparse `x` to an estimator
    /// without a sparse path.
    fn fit(&self, x: Features<'_>) -> Result<Self::Model>;
}

/// Unsupervised fitting with one non-negative weight per sample.
pub trait FitUnsupervisedWeighted: FitUnsupervised {
    /// Fits a new model with `sample_weight`.
    ///
    /// # Errors
    /// As [`FitUnsupervised::fit`], plus weights of the wrong length, negative,
    /// non-finite or all zero.
    fn fit_weighted(&self, x: Features<'_>, sample_weight: &[f64]) -> Result<Self::Model>;
}

/// Prediction from a fitted model, one output per row of `x`.
pub trait Predict: Fitted {
    /// `Vec<f64>` for regressors, `Vec<L>` for classifiers, `Vec<usize>` for clusterers.
    type Output;

    /// Predicts every row of `x`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, a number of columns other than at fit time, or
    /// unsupported sparse input.
    fn predict(&self, x: Features<'_>) -> Result<Self::Output>;
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
    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>>;
}

/// A fitted transformation of `X` (scalers, decompositions, embeddings, TF-IDF).
pub trait Transform: Fitted {
    /// `Mat<f64>` for dense outputs, [`Csr`](crate::sparse::Csr) for sparse ones
    /// (TF-IDF weights); either feeds the next step of a pipeline.
    type Output: AsFeatures;

    /// Transforms every row of `x`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, a number of columns other than at fit time, or
    /// unsupported sparse input.
    fn transform(&self, x: Features<'_>) -> Result<Self::Output>;
}

/// Online learning: update a fitted model with one more batch.
///
/// `Y` is `[f64]` or `[L]` for supervised models and `()` for unsupervised ones.
pub trait PartialFit<Y: ?Sized = ()> {
    /// Updates the model with the batch `x` (and its targets `y`).
    ///
    /// # Errors
    /// As [`Fit::fit`], plus labels or feature counts that differ from earlier batches.
    fn partial_fit(&mut self, x: Features<'_>, y: &Y) -> Result<()>;
}
