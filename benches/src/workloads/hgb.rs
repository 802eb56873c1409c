//! `hgb_*`: the histogram gradient boosting of `ml-supervised` against scikit-learn's
//! `HistGradientBoostingClassifier` / `HistGradientBoostingRegressor`, LightGBM and
//! XGBoost (`scripts/bench/peers_hgb.py`).
//!
//! Steps: `fit` on the train rows of the data set's fixed split (a fresh model each
//! call), `predict` on the test rows with the latest model. Quality: the test accuracy
//! (R² for the regressor) and `n_iter`, the boosting iterations run (100: early stopping
//! is off in every workload). The hyper-parameters are the workload's, under
//! scikit-learn's names; one missing from the JSON takes scikit-learn's default (which is
//! ours too), one of the wrong type is an error, so this side cannot run other settings
//! than the peers unnoticed.

use ml_core::metrics::{accuracy_score, r2_score};
use ml_supervised::ensemble::{
    EarlyStopping, HistGradientBoostingClassifier, HistGradientBoostingRegressor,
    HistRegressionLoss,
};
use serde_json::{Map, Value, json};

use super::{Case, Classifier, Split, Supervised};
use crate::BoxError;
use crate::datasets::Inputs;

/// The boosting settings of a workload (`hyperparameters`, scikit-learn's names).
struct Settings {
    learning_rate: f64,
    max_iter: usize,
    max_leaf_nodes: Option<usize>,
    max_depth: Option<usize>,
    min_samples_leaf: usize,
    l2_regularization: f64,
    max_bins: usize,
    early_stopping: EarlyStopping,
    seed: u64,
}

/// `hp[key]` as a count; `default` when absent.
fn count(hp: &Value, key: &str, default: usize) -> Result<usize, BoxError> {
    match hp.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("hyperparameter {key} = {v}: expected a count").into()),
    }
}

/// `hp[key]` as a count or `null` (no limit); `default` when absent.
fn limit(hp: &Value, key: &str, default: Option<usize>) -> Result<Option<usize>, BoxError> {
    match hp.get(key) {
        None => Ok(default),
        Some(Value::Null) => Ok(None),
        Some(_) => count(hp, key, 0).map(Some),
    }
}

/// `hp[key]` as a number; `default` when absent.
fn number(hp: &Value, key: &str, default: f64) -> Result<f64, BoxError> {
    match hp.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_f64()
            .ok_or_else(|| format!("hyperparameter {key} = {v}: expected a number").into()),
    }
}

/// Reads the settings, checking that `loss` is `expected_loss` (the only loss this
/// runner maps).
fn settings(def: &Value, expected_loss: &str) -> Result<Settings, BoxError> {
    let hp = &def["hyperparameters"];
    if let Some(loss) = hp.get("loss")
        && loss != expected_loss
    {
        return Err(format!("loss {loss}: the runner maps only \"{expected_loss}\"").into());
    }
    let early_stopping = match hp.get("early_stopping") {
        None => EarlyStopping::Auto,
        Some(Value::Bool(false)) => EarlyStopping::Off,
        Some(Value::Bool(true)) => EarlyStopping::On,
        Some(v) if v == "auto" => EarlyStopping::Auto,
        Some(v) => {
            return Err(format!("early_stopping = {v}: expected true, false or \"auto\"").into());
        }
    };
    Ok(Settings {
        learning_rate: number(hp, "learning_rate", 0.1)?,
        max_iter: count(hp, "max_iter", 100)?,
        max_leaf_nodes: limit(hp, "max_leaf_nodes", Some(31))?,
        max_depth: limit(hp, "max_depth", None)?,
        min_samples_leaf: count(hp, "min_samples_leaf", 20)?,
        l2_regularization: number(hp, "l2_regularization", 0.0)?,
        max_bins: count(hp, "max_bins", 255)?,
        early_stopping,
        seed: match hp.get("random_state") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("random_state = {v}: expected a non-negative integer"))?,
        },
    })
}

/// `builder` (either estimator: they share the setters) with `s` applied.
macro_rules! configured {
    ($builder:expr, $s:expr) => {{
        let s: &Settings = $s;
        $builder
            .learning_rate(s.learning_rate)
            .max_iter(s.max_iter)
            .max_leaf_nodes(s.max_leaf_nodes)
            .max_depth(s.max_depth)
            .min_samples_leaf(s.min_samples_leaf)
            .l2_regularization(s.l2_regularization)
            .max_bins(s.max_bins)
            .early_stopping(s.early_stopping)
            .seed(s.seed)
    }};
}

pub(super) fn prepare_classifier(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let s = settings(def, "log_loss")?;
    let params = configured!(HistGradientBoostingClassifier::new(), &s);
    let data = Split::classes(inputs)?;
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

pub(super) fn prepare_regressor(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let s = settings(def, "squared_error")?;
    let params = configured!(
        HistGradientBoostingRegressor::new().loss(HistRegressionLoss::SquaredError),
        &s
    );
    let x = inputs.matrix("X")?;
    let y = inputs.matrix("y")?;
    let data = Split::new(inputs, x.as_ref(), |i| y[(i, 0)])?;
    Ok(Box::new(Supervised::new(params, data, |m, data, pred| {
        let mut q = Map::new();
        q.insert("r2".into(), json!(r2_score(&data.y_test, pred)?));
        q.insert("n_iter".into(), json!(m.n_iter()));
        Ok(q)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec;

    #[test]
    fn settings_are_the_workloads_scikit_learn_defaults_without_early_stopping() {
        for (id, loss) in [
            ("hgb_clf20s", "log_loss"),
            ("hgb_clf_100k_20", "log_loss"),
            ("hgb_clf5_100k_20", "log_loss"),
            ("hgb_reg_100k_20", "squared_error"),
            ("hgb_clf_1m_50", "log_loss"),
        ] {
            let s = settings(spec::workload(id).unwrap(), loss).unwrap();
            assert_eq!(s.learning_rate, 0.1, "{id}");
            assert_eq!(s.max_iter, 100, "{id}");
            assert_eq!(s.max_leaf_nodes, Some(31), "{id}");
            assert_eq!(s.max_depth, None, "{id}");
            assert_eq!(s.min_samples_leaf, 20, "{id}");
            assert_eq!(s.l2_regularization, 0.0, "{id}");
            assert_eq!(s.max_bins, 255, "{id}");
            assert_eq!(s.early_stopping, EarlyStopping::Off, "{id}");
            assert_eq!(s.seed, 0, "{id}");
        }
    }

    #[test]
    fn another_loss_or_a_mistyped_setting_is_refused() {
        let def = spec::workload("hgb_clf_100k_20").unwrap();
        assert!(settings(def, "squared_error").is_err());
        let mut bad = def.clone();
        bad["hyperparameters"]["max_iter"] = json!(1.5);
        assert!(settings(&bad, "log_loss").is_err());
        bad["hyperparameters"]["max_iter"] = json!(100);
        bad["hyperparameters"]["early_stopping"] = json!("sometimes");
        assert!(settings(&bad, "log_loss").is_err());
    }
}
