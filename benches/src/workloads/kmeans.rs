//! `kmeans_*` (except the colour-quantization ones, which need an image decoder) and
//! `minibatch_kmeans_*`: `ml_cluster::KMeans` and `MiniBatchKMeans` against
//! scikit-learn's, with the workload's hyper-parameters.
//!
//! Step: `fit` on all rows (a fresh model each call). Quality: `inertia`, the adjusted
//! Rand index `ari` of the labels against the generating classes, and `n_iter`
//! (informational). The k-means++ seeding draws from a different generator than
//! numpy's, so the initial centres differ; on these data (well-separated blobs, and iris
//! with ten restarts) both sides reach the same partition, so the inertia agrees to
//! rounding and the ARI exactly; mini-batch centres carry sampling noise (see the
//! tolerance's note in `bench/workloads.json`).

use ml_cluster::{Algorithm, KMeans, MiniBatchKMeans};
use ml_core::faer::Mat;
use ml_core::metrics::adjusted_rand_score;
use serde_json::{Map, Value, json};

use super::{Case, Quality};
use crate::BoxError;
use crate::datasets::Inputs;

/// Which estimator a workload fits, configured from its hyper-parameters.
enum Estimator {
    Full(KMeans),
    MiniBatch(MiniBatchKMeans),
}

struct Clustering {
    estimator: Estimator,
    x: Mat<f64>,
    y: Vec<i64>,
    /// Labels, inertia and iteration count of the latest fit.
    out: Option<(Vec<usize>, f64, usize)>,
}

fn hp_usize(hp: &Value, key: &str) -> Result<usize, BoxError> {
    hp[key]
        .as_u64()
        .map(|v| v as usize)
        .ok_or_else(|| format!("hyper-parameter {key} must be a non-negative integer").into())
}

fn hp_f64(hp: &Value, key: &str) -> Result<f64, BoxError> {
    hp[key]
        .as_f64()
        .ok_or_else(|| format!("hyper-parameter {key} must be a number").into())
}

pub(super) fn prepare(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    if hp["init"].as_str() != Some("k-means++") {
        return Err("only init = k-means++ is wired".into());
    }
    let k = hp_usize(hp, "n_clusters")?;
    let seed = hp["random_state"].as_u64().unwrap_or(0);
    let estimator = if def["algorithm"] == "MiniBatchKMeans" {
        Estimator::MiniBatch(
            MiniBatchKMeans::new(k)
                .seed(seed)
                .n_init(hp_usize(hp, "n_init")?)
                .batch_size(hp_usize(hp, "batch_size")?)
                .max_iter(hp_usize(hp, "max_iter")?)
                .tol(hp_f64(hp, "tol")?)
                .max_no_improvement(hp["max_no_improvement"].as_u64().map(|v| v as usize))
                .reassignment_ratio(hp_f64(hp, "reassignment_ratio")?),
        )
    } else {
        let algorithm = match hp["algorithm"].as_str().unwrap_or("lloyd") {
            "lloyd" => Algorithm::Lloyd,
            "elkan" => Algorithm::Elkan,
            other => return Err(format!("unknown k-means algorithm {other}").into()),
        };
        Estimator::Full(
            KMeans::new(k)
                .seed(seed)
                .n_init(hp_usize(hp, "n_init")?)
                .max_iter(hp_usize(hp, "max_iter")?)
                .tol(hp_f64(hp, "tol")?)
                .algorithm(algorithm),
        )
    };
    Ok(Box::new(Clustering {
        estimator,
        x: inputs.matrix("X")?,
        y: inputs.ints("y")?.to_vec(),
        out: None,
    }))
}

impl Case for Clustering {
    fn run(&mut self, _step: usize) -> Result<(), BoxError> {
        self.out = None;
        let x = self.x.as_ref();
        self.out = Some(match &self.estimator {
            Estimator::Full(e) => {
                let m = e.fit(x)?;
                (m.labels().to_vec(), m.inertia(), m.n_iter())
            }
            Estimator::MiniBatch(e) => {
                let m = e.fit(x)?;
                (m.labels().to_vec(), m.inertia(), m.n_iter())
            }
        });
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let (labels, inertia, n_iter) = self.out.as_ref().ok_or("no fit yet")?;
        let mut q = Map::new();
        q.insert("inertia".into(), json!(inertia));
        q.insert("ari".into(), json!(adjusted_rand_score(&self.y, labels)?));
        q.insert("n_iter".into(), json!(n_iter));
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("shape".into(), json!([self.x.nrows(), self.x.ncols()]));
        m
    }
}
