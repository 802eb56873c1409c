//! `rf_*` and `et_*`: the forests of `ml-supervised` against scikit-learn's
//! `RandomForestClassifier`, `ExtraTreesClassifier` and `RandomForestRegressor`
//! (`n_jobs` = the runner's threads).
//!
//! Steps: `fit` on the train rows of the data set's fixed split (a fresh forest each
//! call), `predict` on the test rows with the latest forest. Quality: the test accuracy
//! (R² for the regressor) and the total number of leaves. Both sides grow the same trees for the same
//! `random_state` (scikit-learn's seed stream and draws are reproduced), so the leaf
//! totals are equal; the accuracy may move by a row where scikit-learn's threads sum
//! the trees in another order.

use ml_core::metrics::{accuracy_score, r2_score};
use ml_supervised::ensemble::{
    ExtraTreesClassifier, RandomForestClassifier, RandomForestRegressor,
};
use ml_supervised::tree::Tree;
use serde_json::{Map, Value, json};

use super::{Case, Classifier, Quality, Split, Supervised};
use crate::BoxError;
use crate::datasets::Inputs;

/// `n_estimators` and `random_state` of a workload.
fn settings(def: &Value) -> (usize, u64) {
    let hp = &def["hyperparameters"];
    (
        hp["n_estimators"].as_u64().unwrap_or(100) as usize,
        hp["random_state"].as_u64().unwrap_or(0),
    )
}

fn quality(data: &Split<usize>, pred: &[usize], trees: &[Tree]) -> Result<Quality, BoxError> {
    let mut q = Map::new();
    q.insert(
        "accuracy".into(),
        json!(accuracy_score(&data.y_test, pred)?),
    );
    let leaves: usize = trees.iter().map(Tree::n_leaves).sum();
    q.insert("n_leaves".into(), json!(leaves));
    Ok(q)
}

pub(super) fn prepare_random_forest(
    inputs: &Inputs,
    def: &Value,
) -> Result<Box<dyn Case>, BoxError> {
    let (n_estimators, seed) = settings(def);
    let params = RandomForestClassifier::new()
        .n_estimators(n_estimators)
        .seed(seed);
    let data = Split::classes(inputs)?;
    Ok(Box::new(Classifier::new(params, data, |m, data, pred| {
        quality(data, pred, m.estimators())
    })))
}

pub(super) fn prepare_extra_trees(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let (n_estimators, seed) = settings(def);
    let params = ExtraTreesClassifier::new()
        .n_estimators(n_estimators)
        .seed(seed);
    let data = Split::classes(inputs)?;
    Ok(Box::new(Classifier::new(params, data, |m, data, pred| {
        quality(data, pred, m.estimators())
    })))
}

pub(super) fn prepare_regressor(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let (n_estimators, seed) = settings(def);
    let x = inputs.matrix("X")?;
    let y = inputs.matrix("y")?;
    let params = RandomForestRegressor::new()
        .n_estimators(n_estimators)
        .seed(seed);
    let data = Split::new(inputs, x.as_ref(), |i| y[(i, 0)])?;
    Ok(Box::new(Supervised::new(params, data, |m, data, pred| {
        let mut q = Map::new();
        q.insert("r2".into(), json!(r2_score(&data.y_test, pred)?));
        let leaves: usize = m.estimators().iter().map(Tree::n_leaves).sum();
        q.insert("n_leaves".into(), json!(leaves));
        Ok(q)
    })))
}
