//! `dtree_clf20`, `tree_clf_*` and `tree_reg_*`: the CART trees of `ml-supervised` against
//! scikit-learn's `DecisionTreeClassifier` and `DecisionTreeRegressor`.
//!
//! Steps: `fit` on the train rows of the data set's fixed split (a fresh model each
//! call), `predict` on the test rows with the latest model. Quality: the test accuracy
//! (classifier) or R² (regressor), the number of leaves and the depth. Both sides grow
//! the same tree for the same `random_state` (the Rust splitter draws features with
//! scikit-learn's generator), so the figures are compared exactly.
//!
//! `c45_*`: `C45Classifier` against Weka's J48 with its defaults; both build the same
//! tree, so accuracy, leaf count and tree size are compared exactly. Without a split
//! (`split_used: false`) every row is trained and tested on.

use ml_core::metrics::{accuracy_score, r2_score};
use ml_supervised::tree::{C45Classifier, DecisionTreeClassifier, DecisionTreeRegressor};
use serde_json::{Map, Value, json};

use super::{Case, Classifier, Quality, Split, Supervised};
use crate::BoxError;
use crate::datasets::Inputs;

/// `max_depth` (`null`: unlimited) and `random_state` of a workload.
fn settings(def: &Value) -> (Option<usize>, u64) {
    let hp = &def["hyperparameters"];
    (
        hp["max_depth"].as_u64().map(|d| d as usize),
        hp["random_state"].as_u64().unwrap_or(0),
    )
}

pub(super) fn prepare_classifier(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let (max_depth, seed) = settings(def);
    let params = DecisionTreeClassifier::new()
        .max_depth(max_depth)
        .seed(seed);
    let data = Split::classes(inputs)?;
    Ok(Box::new(Classifier::new(params, data, |m, data, pred| {
        classifier_quality(data, pred, m.tree().n_leaves(), ("depth", m.tree().depth()))
    })))
}

/// A classification tree's figures: test accuracy, leaf count and one size figure.
fn classifier_quality(
    data: &Split<usize>,
    pred: &[usize],
    n_leaves: usize,
    (size_name, size): (&str, usize),
) -> Result<Quality, BoxError> {
    let mut q = Map::new();
    q.insert(
        "accuracy".into(),
        json!(accuracy_score(&data.y_test, pred)?),
    );
    q.insert("n_leaves".into(), json!(n_leaves));
    q.insert(size_name.into(), json!(size));
    Ok(q)
}

pub(super) fn prepare_c45(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    let params = C45Classifier::new()
        .confidence_factor(hp["confidence_factor"].as_f64().unwrap_or(0.25))
        .min_cases_per_leaf(hp["min_num_obj"].as_u64().unwrap_or(2) as usize);
    let data = if def["split_used"] == false {
        Split::whole(inputs)?
    } else {
        Split::classes(inputs)?
    };
    Ok(Box::new(Classifier::new(params, data, |m, data, pred| {
        classifier_quality(
            data,
            pred,
            m.tree().n_leaves(),
            ("tree_size", m.tree().size()),
        )
    })))
}

pub(super) fn prepare_regressor(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let (max_depth, seed) = settings(def);
    let x = inputs.matrix("X")?;
    let y = inputs.matrix("y")?;
    let params = DecisionTreeRegressor::new().max_depth(max_depth).seed(seed);
    let data = Split::new(inputs, x.as_ref(), |i| y[(i, 0)])?;
    Ok(Box::new(Supervised::new(params, data, |m, data, pred| {
        let mut q = Map::new();
        q.insert("r2".into(), json!(r2_score(&data.y_test, pred)?));
        q.insert("n_leaves".into(), json!(m.tree().n_leaves()));
        q.insert("depth".into(), json!(m.tree().depth()));
        Ok(q)
    })))
}
