//! `linreg_*`, `ridge_*`, `polyreg3_*` and `logreg_*`: the linear models of
//! `ml-supervised` against scikit-learn's `LinearRegression`, `Ridge`,
//! `make_pipeline(PolynomialFeatures, LinearRegression)` and `LogisticRegression`, on
//! the data set's fixed train/test split.
//!
//! Steps: `fit` on the train rows (a fresh model each call), `predict` on the test rows
//! with the latest model. Quality: the test R² (regression) or accuracy
//! (classification), plus `coef_norm` (‖coef‖₂) for the models whose solution is unique
//! (OLS on full-rank data, ridge), which pins the coefficients down as well, and
//! `n_iter` of the logistic solver (informational: L-BFGS implementations take
//! different paths to the same optimum). The polynomial pipeline's design has a
//! constant column next to the intercept, so its coefficients are not unique (each
//! solver picks its own minimiser) while its predictions are: only R² is compared.
//!
//! `logreg_*` standardise the columns with the train rows' mean and population standard
//! deviation first (a column of zero spread keeps scale 1), untimed, as scikit-learn's
//! `StandardScaler` fitted on the train rows.

use ml_core::faer::Mat;
use ml_core::metrics::{accuracy_score, r2_score};
use ml_supervised::{Lasso, LinearRegression, LogisticRegression, PolynomialRegression, Ridge};
use serde_json::{Map, Value, json};

use super::{Case, Classifier, Quality, Split};
use crate::BoxError;
use crate::datasets::Inputs;

/// A number hyper-parameter, or `default` when the workload does not set it.
fn hp_f64(hp: &Value, key: &str, default: f64) -> f64 {
    hp[key].as_f64().unwrap_or(default)
}

/// The split of `X` and of `y` (a float column).
fn regression_split(inputs: &Inputs) -> Result<Split<f64>, BoxError> {
    let x = inputs.matrix("X")?;
    let y = inputs.matrix("y")?;
    Split::new(inputs, x.as_ref(), |i| y[(i, 0)])
}

/// Which regression model a workload fits.
#[derive(Debug, Clone, Copy)]
enum Model {
    Ols,
    Ridge(f64),
    /// alpha, tol, max_iter.
    Lasso(f64, f64, usize),
    Poly(usize),
}

/// A fitted regression model: its test predictions come from `predict`.
enum Fitted {
    Ols(ml_supervised::LinearRegressionModel),
    Ridge(ml_supervised::RidgeModel),
    Lasso(ml_supervised::LassoModel),
    Poly(ml_supervised::PolynomialRegressionModel),
}

struct Regression {
    model: Model,
    data: Split<f64>,
    fitted: Option<Fitted>,
    pred: Option<Vec<f64>>,
}

pub(super) fn prepare_regression(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    let model = match def["algorithm"].as_str().unwrap_or("") {
        "LinearRegression" => Model::Ols,
        "Ridge" => Model::Ridge(hp_f64(hp, "alpha", 1.0)),
        "Lasso" => Model::Lasso(
            hp_f64(hp, "alpha", 1.0),
            hp_f64(hp, "tol", 1e-4),
            hp["max_iter"].as_u64().unwrap_or(1000) as usize,
        ),
        a if a.starts_with("PolynomialFeatures") => Model::Poly(
            hp["PolynomialFeatures"]["degree"]
                .as_u64()
                .ok_or("PolynomialFeatures.degree missing")? as usize,
        ),
        other => return Err(format!("no regression case for algorithm {other:?}").into()),
    };
    Ok(Box::new(Regression {
        model,
        data: regression_split(inputs)?,
        fitted: None,
        pred: None,
    }))
}

impl Case for Regression {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        let x = self.data.x_test.as_ref();
        if step == 0 {
            self.fitted = None;
            let (xt, yt) = (self.data.x_train.as_ref(), self.data.y_train.as_slice());
            self.fitted = Some(match self.model {
                Model::Ols => Fitted::Ols(LinearRegression::new().fit(xt, yt)?),
                Model::Ridge(a) => Fitted::Ridge(Ridge::new().alpha(a).fit(xt, yt)?),
                Model::Lasso(a, tol, max_iter) => Fitted::Lasso(
                    Lasso::new()
                        .alpha(a)
                        .tol(tol)
                        .max_iter(max_iter)
                        .fit(xt, yt)?,
                ),
                Model::Poly(d) => Fitted::Poly(PolynomialRegression::new(d).fit(xt, yt)?),
            });
        } else {
            self.pred = Some(match self.fitted.as_ref().ok_or("predict before fit")? {
                Fitted::Ols(m) => m.predict(x)?,
                Fitted::Ridge(m) => m.predict(x)?,
                Fitted::Lasso(m) => m.predict(x)?,
                Fitted::Poly(m) => m.predict(x)?,
            });
        }
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let pred = self.pred.as_ref().ok_or("no predictions")?;
        let mut q = Map::new();
        q.insert("r2".into(), json!(r2_score(&self.data.y_test, pred)?));
        let coef = match self.fitted.as_ref().ok_or("no model")? {
            Fitted::Ols(m) => Some(m.coef()),
            Fitted::Ridge(m) => Some(m.coef()),
            Fitted::Lasso(m) => Some(m.coef()),
            Fitted::Poly(_) => None,
        };
        if let Some(c) = coef {
            q.insert(
                "coef_norm".into(),
                json!(c.iter().map(|v| v * v).sum::<f64>().sqrt()),
            );
        }
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        self.data.info()
    }
}

/// Standardises `train` and `test` in place with `train`'s column means and population
/// standard deviations (scikit-learn's `StandardScaler`; a constant column keeps scale 1).
fn standardise(train: &mut Mat<f64>, test: &mut Mat<f64>) {
    let n = train.nrows() as f64;
    for j in 0..train.ncols() {
        let mean = (0..train.nrows()).map(|i| train[(i, j)]).sum::<f64>() / n;
        let var = (0..train.nrows())
            .map(|i| (train[(i, j)] - mean).powi(2))
            .sum::<f64>()
            / n;
        let scale = if var > 0.0 { var.sqrt() } else { 1.0 };
        for m in [&mut *train, &mut *test] {
            for i in 0..m.nrows() {
                m[(i, j)] = (m[(i, j)] - mean) / scale;
            }
        }
    }
}

pub(super) fn prepare_logistic(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    if hp["solver"].as_str().is_some_and(|s| s != "lbfgs") || hp_f64(hp, "l1_ratio", 0.0) != 0.0 {
        return Err("only the L2-penalised L-BFGS logistic regression is implemented".into());
    }
    let params = LogisticRegression::new()
        .c(hp_f64(hp, "C", 1.0))
        .tol(hp_f64(hp, "tol", 1e-4))
        .max_iter(hp["max_iter"].as_u64().unwrap_or(100) as usize)
        .fit_intercept(hp["fit_intercept"].as_bool().unwrap_or(true));
    let mut data = Split::classes(inputs)?;
    standardise(&mut data.x_train, &mut data.x_test);
    Ok(Box::new(Classifier::new(params, data, |m, data, pred| {
        let mut q = Map::new();
        q.insert(
            "accuracy".into(),
            json!(accuracy_score(&data.y_test, pred)?),
        );
        q.insert("n_iter".into(), json!(m.n_iter()));
        Ok(q)
    })))
}
