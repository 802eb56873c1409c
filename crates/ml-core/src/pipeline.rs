//! Chaining a transformer fitted on `X` with a final estimator.
//!
//! [`Pipeline::fit`] fits the transformer on `X`, transforms `X` with it and fits the
//! estimator on the result; the [`PipelineModel`] transforms new rows with the fitted
//! transformer before predicting. Both sides are generic over the traits of
//! [`crate::traits`], so any scaler or decomposition can precede any estimator, and a
//! pipeline is itself an estimator ([`Fit`]) that cross-validation accepts.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::{
    AsFeatures, Features, Fit, FitUnsupervised, Fitted, Predict, PredictProba, Result, Transform,
};

/// An unfitted transformer followed by an unfitted estimator.
///
/// ```
/// use ml_core::pipeline::Pipeline;
/// use ml_core::preprocessing::StandardScaler;
/// // Any `FitUnsupervised` whose model is `Transform` can lead; the final step is
/// // any `Fit<Y>` estimator (a classifier of a family crate, say).
/// # let classifier = ();
/// let pipe = Pipeline::new(StandardScaler::new().with_mean(false), classifier);
/// assert_eq!(pipe.transformer(), &StandardScaler::new().with_mean(false));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline<T, E> {
    transformer: T,
    estimator: E,
}

impl<T, E> Pipeline<T, E> {
    /// `transformer` (fitted on `X` alone) then `estimator` (fitted on the
    /// transformed `X` and `y`).
    pub fn new(transformer: T, estimator: E) -> Self {
        Self {
            transformer,
            estimator,
        }
    }

    /// The first step's hyper-parameters.
    pub fn transformer(&self) -> &T {
        &self.transformer
    }

    /// The final step's hyper-parameters.
    pub fn estimator(&self) -> &E {
        &self.estimator
    }

    /// Fits the transformer on `x`, then the estimator on the transformed `x` and `y`.
    ///
    /// # Errors
    /// Any error of the transformer's `fit` or `transform`, or of the estimator's `fit`.
    pub fn fit<'a, Y: ?Sized>(
        &self,
        x: impl Into<Features<'a>>,
        y: &Y,
    ) -> Result<PipelineModel<T::Model, E::Model>>
    where
        T: FitUnsupervised,
        T::Model: Transform,
        E: Fit<Y>,
    {
        let x = x.into();
        let transformer = self.transformer.fit(x)?;
        let xt = transformer.transform(x)?;
        let estimator = self.estimator.fit(xt.as_features(), y)?;
        Ok(PipelineModel {
            transformer,
            estimator,
        })
    }
}

impl<T, E, Y> Fit<Y> for Pipeline<T, E>
where
    Y: ?Sized,
    T: FitUnsupervised,
    T::Model: Transform,
    E: Fit<Y>,
{
    type Model = PipelineModel<T::Model, E::Model>;

    fn fit(&self, x: Features<'_>, y: &Y) -> Result<Self::Model> {
        Pipeline::fit(self, x, y)
    }
}

/// A fitted [`Pipeline`]: the fitted transformer and the estimator fitted on its
/// output. Serialisable whenever both models are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineModel<TM, EM> {
    transformer: TM,
    estimator: EM,
}

impl<TM: Transform, EM> PipelineModel<TM, EM> {
    /// The fitted transformer.
    pub fn transformer(&self) -> &TM {
        &self.transformer
    }

    /// The fitted final estimator.
    pub fn estimator(&self) -> &EM {
        &self.estimator
    }

    /// The number of features of the raw input, as seen by the transformer at fit time.
    pub fn n_features_in(&self) -> usize {
        self.transformer.n_features_in()
    }

    /// Transforms `x` with the fitted transformer (what the final estimator sees).
    ///
    /// # Errors
    /// As the transformer's [`Transform::transform`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<TM::Output> {
        self.transformer.transform(x.into())
    }

    /// Transforms `x`, then predicts with the final estimator.
    ///
    /// # Errors
    /// As the transformer's `transform` (wrong number of features, non-finite or empty
    /// input) and the estimator's `predict`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<EM::Output>
    where
        EM: Predict,
    {
        self.estimator
            .predict(self.transformer.transform(x.into())?.as_features())
    }

    /// The sorted classes of the final classifier.
    pub fn classes(&self) -> &[EM::Label]
    where
        EM: PredictProba,
    {
        self.estimator.classes()
    }

    /// Transforms `x`, then returns the final classifier's class probabilities.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>>
    where
        EM: PredictProba,
    {
        self.estimator
            .predict_proba(self.transformer.transform(x.into())?.as_features())
    }
}

impl<TM: Transform, EM> Fitted for PipelineModel<TM, EM> {
    fn n_features_in(&self) -> usize {
        PipelineModel::n_features_in(self)
    }
}

impl<TM: Transform, EM: Predict> Predict for PipelineModel<TM, EM> {
    type Output = EM::Output;

    fn predict(&self, x: Features<'_>) -> Result<EM::Output> {
        PipelineModel::predict(self, x)
    }
}

impl<TM: Transform, EM: PredictProba> PredictProba for PipelineModel<TM, EM> {
    type Label = EM::Label;

    fn classes(&self) -> &[EM::Label] {
        PipelineModel::classes(self)
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        PipelineModel::predict_proba(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_selection::{StratifiedKFold, cross_val_score};
    use crate::preprocessing::{StandardScaler, StandardScalerModel};
    use crate::{Error, Label, validate};
    use faer::{MatRef, mat};

    /// A nearest-centroid classifier, only to exercise the pipeline.
    #[derive(Debug, Clone, Copy)]
    struct Centroids;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct CentroidsModel<L> {
        classes: Vec<L>,
        centres: Vec<Vec<f64>>,
    }

    impl<L: Label> Fit<[L]> for Centroids {
        type Model = CentroidsModel<L>;

        fn fit(&self, x: Features<'_>, y: &[L]) -> Result<CentroidsModel<L>> {
            let x = x.dense("Centroids")?;
            validate::supervised(x, y.len())?;
            let enc = validate::encode_labels(y, 1)?;
            let mut centres = vec![vec![0.0; x.ncols()]; enc.classes.len()];
            let mut counts = vec![0.0; enc.classes.len()];
            for (i, &c) in enc.codes.iter().enumerate() {
                counts[c] += 1.0;
                for j in 0..x.ncols() {
                    centres[c][j] += x[(i, j)];
                }
            }
            for (c, n) in centres.iter_mut().zip(&counts) {
                c.iter_mut().for_each(|v| *v /= n);
            }
            Ok(CentroidsModel {
                classes: enc.classes,
                centres,
            })
        }
    }

    impl<L: Label> CentroidsModel<L> {
        fn sq_dists(&self, x: MatRef<'_, f64>, i: usize) -> Vec<f64> {
            self.centres
                .iter()
                .map(|c| {
                    c.iter()
                        .enumerate()
                        .map(|(j, v)| (x[(i, j)] - v).powi(2))
                        .sum()
                })
                .collect()
        }
    }

    impl<L: Label> Predict for CentroidsModel<L> {
        type Output = Vec<L>;

        fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
            let x = x.dense("Centroids")?;
            validate::matrix_with_features(x, self.n_features_in())?;
            Ok((0..x.nrows())
                .map(|i| {
                    let d = self.sq_dists(x, i);
                    let best = (0..d.len())
                        .min_by(|&a, &b| d[a].total_cmp(&d[b]))
                        .unwrap_or(0);
                    self.classes[best].clone()
                })
                .collect())
        }
    }

    impl<L: Label> Fitted for CentroidsModel<L> {
        fn n_features_in(&self) -> usize {
            self.centres[0].len()
        }
    }

    impl<L: Label> PredictProba for CentroidsModel<L> {
        type Label = L;

        fn classes(&self) -> &[L] {
            &self.classes
        }

        fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
            let x = x.dense("Centroids")?;
            validate::matrix_with_features(x, self.n_features_in())?;
            let k = self.classes.len();
            let mut p = Mat::zeros(x.nrows(), k);
            for i in 0..x.nrows() {
                let w: Vec<f64> = self.sq_dists(x, i).iter().map(|d| (-d).exp()).collect();
                let s: f64 = w.iter().sum();
                for c in 0..k {
                    p[(i, c)] = w[c] / s;
                }
            }
            Ok(p)
        }
    }

    #[test]
    fn pipeline_scales_then_predicts() {
        // Feature 1 dominates raw distances; standardising makes feature 0 count.
        let x = mat![[0.0, 1000.0], [0.1, 3000.0], [1.0, 1100.0], [1.1, 2900.0],];
        let y = ["a", "a", "b", "b"];
        let model = Pipeline::new(StandardScaler::new(), Centroids)
            .fit(x.as_ref(), &y[..])
            .unwrap();
        assert_eq!(model.predict(x.as_ref()).unwrap(), y.to_vec());
        assert_eq!(model.classes(), &["a", "b"]);
        assert_eq!(Fitted::n_features_in(&model), 2);
        let p = model.predict_proba(x.as_ref()).unwrap();
        assert!((p[(0, 0)] + p[(0, 1)] - 1.0).abs() < 1e-12);
        assert!(p[(0, 0)] > 0.5);
        assert!(matches!(
            model.predict(mat![[1.0]].as_ref()),
            Err(Error::ShapeMismatch { .. })
        ));
        // Serde round trip of the fitted pipeline.
        let json = serde_json::to_string(&model).unwrap();
        let back: PipelineModel<StandardScalerModel, CentroidsModel<String>> =
            serde_json::from_str(&json).unwrap();
        assert_eq!(back.predict(x.as_ref()).unwrap(), vec!["a", "a", "b", "b"]);
    }

    #[test]
    fn pipeline_cross_validates() {
        let x = faer::Mat::from_fn(40, 2, |i, j| {
            let class = (i % 2) as f64;
            class * 3.0 + ((i * 7 + j * 3) % 5) as f64 * 0.1 + j as f64 * 100.0
        });
        let y: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let folds = StratifiedKFold::new().split(&y).unwrap();
        let pipe = Pipeline::new(StandardScaler::new(), Centroids);
        let scores = cross_val_score(&pipe, x.as_ref(), &y, &folds).unwrap();
        assert_eq!(scores, vec![1.0; 5]);
    }
}
