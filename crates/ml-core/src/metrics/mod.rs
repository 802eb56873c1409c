//! Classification, regression, clustering and embedding scores, as scikit-learn 1.9
//! defines them.
//!
//! Every function validates its input (equal lengths, non-empty, finite values, enough
//! labels) and returns a typed [`Error`] instead of scikit-learn's `NaN`
//! or warning, so a score is always a number that means what its documentation says.
//!
//! - Classification: [`accuracy_score`], [`precision_score`], [`recall_score`],
//!   [`f1_score`], [`fbeta_score`] (with an [`Average`]), [`confusion_matrix`],
//!   [`log_loss`].
//! - Regression: [`r2_score`], [`mean_squared_error`], [`mean_absolute_error`].
//! - Clustering: [`adjusted_rand_score`], [`silhouette_samples`], [`silhouette_score`].
//! - Embeddings: [`trustworthiness`].
//!
//! Distance-based scores work in blocks of rows, so memory stays proportional to
//! `block × n_samples`, never `n_samples²`.

mod classification;
mod clustering;
mod regression;

pub use classification::{
    Average, ConfusionMatrix, accuracy_score, confusion_matrix, f1_score, fbeta_score, log_loss,
    precision_score, recall_score,
};
pub use clustering::{adjusted_rand_score, silhouette_samples, silhouette_score, trustworthiness};
pub use regression::{mean_absolute_error, mean_squared_error, r2_score};

use crate::{Error, Result};

/// Both label or target slices are non-empty and of the same length.
fn check_pair_len(n_true: usize, n_pred: usize) -> Result<()> {
    if n_true == 0 {
        return Err(Error::EmptyInput { what: "y_true" });
    }
    if n_pred != n_true {
        return Err(Error::ShapeMismatch {
            what: "length of y_pred",
            expected: n_true,
            got: n_pred,
        });
    }
    Ok(())
}
