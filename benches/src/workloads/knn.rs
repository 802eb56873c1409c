//! `knn_*`: `ml_cluster`'s `KNeighborsClassifier` against scikit-learn's (and faiss's
//! exact `IndexFlatL2` for brute force).
//!
//! `fit` indexes the train rows of the data set's fixed split (the k-d tree build, or
//! storing the rows for brute force); `predict` finds the `n_neighbors` nearest train
//! rows of every test row and takes the vote. Quality: the test `accuracy`.
//!
//! `radius_*`: `NearestNeighbors` against scikit-learn's: `fit` indexes the train rows,
//! `radius_neighbors` finds every train row within the radius of every test row (ours
//! sorted by distance, scikit-learn's with `sort_results=False`). Quality: the number
//! of pairs found, its mean per query and the sum of their distances.

use ml_cluster::neighbors::{
    Algorithm, KNeighborsClassifier, Metric, NearestNeighbors, NearestNeighborsModel,
    RadiusNeighbors, Weights,
};
use ml_core::faer::Mat;
use ml_core::metrics::accuracy_score;
use serde_json::{Map, Value, json};

use super::{Case, Classifier, Split, accurate_sum, indices, rows, split_info};
use crate::BoxError;
use crate::datasets::Inputs;

/// The estimator the workload's hyper-parameters describe.
fn classifier(def: &Value) -> Result<KNeighborsClassifier, BoxError> {
    let hp = &def["hyperparameters"];
    let algorithm = algorithm(hp)?;
    let weights = match hp["weights"].as_str().unwrap_or("uniform") {
        "uniform" => Weights::Uniform,
        "distance" => Weights::Distance,
        other => return Err(format!("unknown weights {other}").into()),
    };
    Ok(KNeighborsClassifier::new()
        .n_neighbors(hp["n_neighbors"].as_u64().unwrap_or(5) as usize)
        .weights(weights)
        .algorithm(algorithm)
        .leaf_size(hp["leaf_size"].as_u64().unwrap_or(30) as usize)
        .metric(minkowski(hp)))
}

/// The workload's `algorithm` hyper-parameter (scikit-learn's names) as the index's.
pub(super) fn algorithm(hp: &Value) -> Result<Algorithm, BoxError> {
    Ok(match hp["algorithm"].as_str().unwrap_or("auto") {
        "auto" => Algorithm::Auto,
        "kd_tree" => Algorithm::KdTree,
        "ball_tree" => Algorithm::BallTree,
        "brute" => Algorithm::Brute,
        other => return Err(format!("unknown algorithm {other}").into()),
    })
}

fn minkowski(hp: &Value) -> Metric {
    Metric::Minkowski(hp["p"].as_f64().unwrap_or(2.0)).canonical()
}

pub(super) fn prepare_classifier(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let params = classifier(def)?;
    let data = Split::classes(inputs)?;
    Ok(Box::new(Classifier::new(params, data, |m, data, pred| {
        let mut q = Map::new();
        q.insert(
            "accuracy".into(),
            json!(accuracy_score(&data.y_test, pred)?),
        );
        q.insert(
            "algorithm".into(),
            json!(format!("{:?}", m.index().algorithm())),
        );
        Ok(q)
    })))
}

/// `radius_*`: an index over the train rows and one radius query per test row.
struct Radius {
    params: NearestNeighbors,
    x_train: Mat<f64>,
    x_query: Mat<f64>,
    fitted: Option<NearestNeighborsModel>,
    found: Option<RadiusNeighbors>,
}

pub(super) fn prepare_radius(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    let x = inputs.matrix("X")?;
    let (tr, te) = (indices(inputs, "train_idx")?, indices(inputs, "test_idx")?);
    let params = NearestNeighbors::new()
        .radius(hp["radius"].as_f64().ok_or("radius missing")?)
        .algorithm(algorithm(hp)?)
        .leaf_size(hp["leaf_size"].as_u64().unwrap_or(30) as usize)
        .metric(minkowski(hp));
    Ok(Box::new(Radius {
        params,
        x_train: rows(x.as_ref(), &tr),
        x_query: rows(x.as_ref(), &te),
        fitted: None,
        found: None,
    }))
}

impl Case for Radius {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        if step == 0 {
            self.fitted = None;
            self.fitted = Some(self.params.fit(self.x_train.as_ref())?);
        } else {
            let m = self.fitted.as_ref().ok_or("query before fit")?;
            self.found = None;
            self.found = Some(m.radius_neighbors(self.x_query.as_ref())?);
        }
        Ok(())
    }

    fn quality(&self) -> Result<super::Quality, BoxError> {
        let found = self.found.as_ref().ok_or("no query")?;
        let n_pairs = found.total();
        let mut q = Map::new();
        q.insert("n_pairs".into(), json!(n_pairs));
        q.insert(
            "mean_count".into(),
            json!(n_pairs as f64 / found.n_queries() as f64),
        );
        q.insert(
            "dist_sum".into(),
            json!(accurate_sum(
                (0..found.n_queries()).flat_map(|i| found.distances(i).iter().copied())
            )),
        );
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = split_info(
            [self.x_train.nrows(), self.x_train.ncols()],
            self.x_query.nrows(),
        );
        if let Some(model) = &self.fitted {
            m.insert(
                "algorithm".into(),
                json!(format!("{:?}", model.index().algorithm())),
            );
        }
        m
    }
}
