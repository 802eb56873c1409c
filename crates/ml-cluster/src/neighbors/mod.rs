//! Nearest-neighbour estimators on [`ml_core::neighbors::NeighborIndex`]:
//! [`KNeighborsClassifier`], [`KNeighborsRegressor`], [`RadiusNeighborsClassifier`],
//! [`RadiusNeighborsRegressor`] and [`NearestNeighbors`], with scikit-learn 1.9's
//! defaults and results.
//!
//! Fitting stores the rows in the index (a k-d tree, a ball tree or brute force, chosen
//! as scikit-learn's `algorithm='auto'` chooses); predictions query it in parallel over
//! rows. Neighbours come back sorted by distance with ties broken by row index, so
//! where scikit-learn's choice among equidistant rows depends on its backend, ours is
//! fixed (and the same for every backend and thread count).
//!
//! Weights follow scikit-learn's `_get_weights`: uniform, `1 / distance` (a query with
//! some neighbour at distance 0 gives those neighbours weight 1 and the others 0), or a
//! function of the distances. Votes and probabilities break ties towards the smallest
//! class. One deliberate difference: where every weight of a query is zero (distances
//! that overflow to infinity, or a function that returns zeros), the neighbours count
//! equally instead of giving scikit-learn's zero probabilities or division by zero.

mod knn;
mod nearest;
mod radius;

use std::fmt;
use std::sync::Arc;

use faer::Mat;
use ml_core::{Error, Label, Result};
use serde::{Deserialize, Serialize};

pub use knn::{
    KNeighborsClassifier, KNeighborsClassifierModel, KNeighborsRegressor, KNeighborsRegressorModel,
};
pub use ml_core::neighbors::{
    Algorithm, IndexSettings, KNeighbors, Metric, NeighborIndex, RadiusNeighbors,
};
pub use nearest::{NearestNeighbors, NearestNeighborsModel};
pub use radius::{
    OutlierLabel, RadiusNeighborsClassifier, RadiusNeighborsClassifierModel,
    RadiusNeighborsRegressor, RadiusNeighborsRegressorModel,
};

/// A weight function: the distances of one query's neighbours (ascending) to one
/// non-negative, finite weight each.
pub type WeightFn = Arc<dyn Fn(&[f64]) -> Vec<f64> + Send + Sync>;

/// How each neighbour's vote or target counts.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Weights {
    /// Every neighbour counts the same. The default.
    #[default]
    Uniform,
    /// A neighbour counts `1 / distance`; neighbours at distance 0 take all the weight.
    Distance,
    /// A function of the distances (scikit-learn's callable `weights`). A model with
    /// it cannot be saved: a closure has no file format.
    Custom(WeightFn),
}

impl fmt::Debug for Weights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Weights::Uniform => f.write_str("Uniform"),
            Weights::Distance => f.write_str("Distance"),
            Weights::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl PartialEq for Weights {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Weights::Uniform, Weights::Uniform) | (Weights::Distance, Weights::Distance) => true,
            (Weights::Custom(a), Weights::Custom(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// The saved form of [`Weights`]: a custom function refuses to be saved.
#[derive(Serialize, Deserialize)]
enum SavedWeights {
    Uniform,
    Distance,
}

impl Serialize for Weights {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Weights::Uniform => SavedWeights::Uniform.serialize(s),
            Weights::Distance => SavedWeights::Distance.serialize(s),
            Weights::Custom(_) => Err(serde::ser::Error::custom(
                "a model with a custom weight function cannot be saved",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Weights {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(match SavedWeights::deserialize(d)? {
            SavedWeights::Uniform => Weights::Uniform,
            SavedWeights::Distance => Weights::Distance,
        })
    }
}

impl Weights {
    /// One weight per neighbour into `out` (cleared first).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when a custom function returns the wrong number of
    /// weights, or a negative or non-finite one.
    fn of(&self, distances: &[f64], out: &mut Vec<f64>) -> Result<()> {
        out.clear();
        match self {
            Weights::Uniform => out.resize(distances.len(), 1.0),
            Weights::Distance => {
                out.extend(distances.iter().map(|d| d.recip()));
                if out.iter().any(|w| w.is_infinite()) {
                    out.iter_mut()
                        .for_each(|w| *w = if w.is_infinite() { 1.0 } else { 0.0 });
                }
            }
            Weights::Custom(f) => {
                let w = f(distances);
                if w.len() != distances.len() {
                    return Err(Error::ShapeMismatch {
                        what: "number of weights from the weight function",
                        expected: distances.len(),
                        got: w.len(),
                    });
                }
                if let Some(bad) = w.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                    return Err(Error::InvalidData {
                        what: "weights",
                        location: String::new(),
                        reason: format!(
                            "the weight function returned {bad}; weights must be finite and >= 0"
                        ),
                    });
                }
                *out = w;
            }
        }
        // All-zero weights (distances overflowed to infinity): count the neighbours
        // equally rather than divide by zero.
        let total: f64 = out.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            out.iter_mut().for_each(|w| *w = 1.0);
        }
        Ok(())
    }
}

/// The setters every neighbour estimator shares, over its `index: IndexSettings` field.
macro_rules! index_setters {
    () => {
        /// The distance. Default: [`Metric::Euclidean`](crate::neighbors::Metric::Euclidean)
        /// (scikit-learn's Minkowski with `p = 2`).
        pub fn metric(mut self, metric: $crate::neighbors::Metric) -> Self {
            self.index = self.index.metric(metric);
            self
        }

        /// The search structure. Default: [`Algorithm::Auto`](crate::neighbors::Algorithm::Auto).
        pub fn algorithm(mut self, algorithm: $crate::neighbors::Algorithm) -> Self {
            self.index = self.index.algorithm(algorithm);
            self
        }

        /// Rows per ball-tree leaf. Default: 30.
        pub fn leaf_size(mut self, leaf_size: usize) -> Self {
            self.index = self.index.leaf_size(leaf_size);
            self
        }
    };
}
pub(crate) use index_setters;

/// Class codes and their sorted classes, for the classifiers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Targets<L> {
    pub(crate) classes: Vec<L>,
    pub(crate) codes: Vec<usize>,
}

impl<L: Label> Targets<L> {
    fn check(&self, n_samples: usize) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("classes", self.classes.len())?;
        inv::strictly_increasing("classes", &self.classes)?;
        inv::len("codes", self.codes.len(), n_samples)?;
        inv::below("codes", &self.codes, self.classes.len())
    }
}

/// Weighted votes of `rows` neighbour lists as probability rows; a row with no
/// neighbours stays all zero.
fn vote_rows<'a>(
    n_classes: usize,
    codes: &[usize],
    weights: &Weights,
    rows: impl Iterator<Item = (&'a [usize], &'a [f64])>,
    n_rows: usize,
) -> Result<Mat<f64>> {
    let mut proba = Mat::zeros(n_rows, n_classes);
    let mut w = Vec::new();
    for (i, (idx, dist)) in rows.enumerate() {
        if idx.is_empty() {
            continue;
        }
        weights.of(dist, &mut w)?;
        for (&j, &wj) in idx.iter().zip(&w) {
            proba[(i, codes[j])] += wj;
        }
        let total: f64 = (0..n_classes).map(|c| proba[(i, c)]).sum();
        for c in 0..n_classes {
            proba[(i, c)] /= total;
        }
    }
    Ok(proba)
}

/// The column of the largest value of each row; ties go to the first.
fn argmax_rows(proba: &Mat<f64>) -> Vec<usize> {
    (0..proba.nrows())
        .map(|i| {
            (0..proba.ncols()).fold(0, |best, c| {
                if proba[(i, c)] > proba[(i, best)] {
                    c
                } else {
                    best
                }
            })
        })
        .collect()
}

/// Weighted means of `y` over each neighbour list; `NaN` for an empty one.
fn weighted_means<'a>(
    y: &[f64],
    weights: &Weights,
    rows: impl Iterator<Item = (&'a [usize], &'a [f64])>,
) -> Result<Vec<f64>> {
    let mut w = Vec::new();
    rows.map(|(idx, dist)| {
        if idx.is_empty() {
            return Ok(f64::NAN);
        }
        if matches!(weights, Weights::Uniform) {
            return Ok(idx.iter().map(|&j| y[j]).sum::<f64>() / idx.len() as f64);
        }
        weights.of(dist, &mut w)?;
        let num: f64 = idx.iter().zip(&w).map(|(&j, wj)| y[j] * wj).sum();
        Ok(num / w.iter().sum::<f64>())
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_weights_follow_the_zero_distance_rule() {
        let mut w = Vec::new();
        Weights::Distance.of(&[0.0, 0.5, 0.0], &mut w).unwrap();
        assert_eq!(w, [1.0, 0.0, 1.0]);
        Weights::Distance.of(&[0.5, 2.0], &mut w).unwrap();
        assert_eq!(w, [2.0, 0.5]);
        Weights::Distance
            .of(&[f64::INFINITY, f64::INFINITY], &mut w)
            .unwrap();
        assert_eq!(w, [1.0, 1.0]);
        let bad = Weights::Custom(Arc::new(|d: &[f64]| vec![-1.0; d.len()]));
        assert!(bad.of(&[1.0], &mut w).is_err());
        let short = Weights::Custom(Arc::new(|_: &[f64]| vec![1.0]));
        assert!(short.of(&[1.0, 2.0], &mut w).is_err());
    }
}
