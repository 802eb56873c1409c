//! `dbscan_*`, `hdbscan_*` and `meanshift_*`: `ml_cluster::Dbscan`, `Hdbscan` and
//! `MeanShift` against scikit-learn's (and, for HDBSCAN, the hdbscan package and
//! fast_hdbscan), with the workload's hyper-parameters.
//!
//! Step: `fit` on all rows (a fresh model each call). Quality: the number of clusters,
//! of noise rows (DBSCAN) and the adjusted Rand index `ari` of the labels (noise as its
//! own label −1) against the generating classes. DBSCAN's labels equal scikit-learn's
//! exactly, so every figure agrees exactly; mean-shift's modes agree to rounding;
//! HDBSCAN's spanning tree is scikit-learn's, its labels too where weights do not tie.

use ml_cluster::neighbors::Metric;
use ml_cluster::{ClusterSelection, Dbscan, Hdbscan, MeanShift};
use ml_core::faer::Mat;
use ml_core::metrics::adjusted_rand_score;
use serde_json::{Map, Value, json};

use super::knn::algorithm;
use super::{Case, Quality};
use crate::BoxError;
use crate::datasets::Inputs;

enum Estimator {
    Dbscan(Dbscan),
    Hdbscan(Hdbscan),
    MeanShift(MeanShift),
}

struct Density {
    estimator: Estimator,
    x: Mat<f64>,
    y: Vec<i64>,
    /// The latest fit's labels, −1 for noise.
    labels: Option<Vec<i64>>,
}

fn number(hp: &Value, key: &str) -> Result<f64, BoxError> {
    hp[key]
        .as_f64()
        .ok_or_else(|| format!("hyper-parameter {key} must be a number").into())
}

fn count(hp: &Value, key: &str) -> Result<usize, BoxError> {
    hp[key]
        .as_u64()
        .map(|v| v as usize)
        .ok_or_else(|| format!("hyper-parameter {key} must be a non-negative integer").into())
}

fn metric(hp: &Value) -> Result<Metric, BoxError> {
    Ok(match hp["metric"].as_str().unwrap_or("euclidean") {
        "euclidean" => Metric::Euclidean,
        "manhattan" => Metric::Manhattan,
        "haversine" => Metric::Haversine,
        other => return Err(format!("metric {other} is not wired").into()),
    })
}

fn dbscan(hp: &Value) -> Result<Dbscan, BoxError> {
    Ok(Dbscan::new()
        .eps(number(hp, "eps")?)
        .min_samples(count(hp, "min_samples")?)
        .metric(metric(hp)?)
        .algorithm(algorithm(hp)?)
        .leaf_size(hp["leaf_size"].as_u64().unwrap_or(30) as usize))
}

fn hdbscan(hp: &Value) -> Result<Hdbscan, BoxError> {
    let mut e = Hdbscan::new()
        .min_cluster_size(count(hp, "min_cluster_size")?)
        .cluster_selection_epsilon(hp["cluster_selection_epsilon"].as_f64().unwrap_or(0.0))
        .alpha(hp["alpha"].as_f64().unwrap_or(1.0))
        .allow_single_cluster(hp["allow_single_cluster"].as_bool().unwrap_or(false))
        .cluster_selection(
            match hp["cluster_selection_method"].as_str().unwrap_or("eom") {
                "eom" => ClusterSelection::ExcessOfMass,
                "leaf" => ClusterSelection::Leaf,
                other => return Err(format!("unknown cluster_selection_method {other}").into()),
            },
        )
        .metric(metric(hp)?)
        .algorithm(algorithm(hp)?)
        .leaf_size(hp["leaf_size"].as_u64().unwrap_or(40) as usize);
    if let Some(m) = hp["min_samples"].as_u64() {
        e = e.min_samples(m as usize);
    }
    Ok(e)
}

fn mean_shift(hp: &Value) -> Result<MeanShift, BoxError> {
    Ok(MeanShift::new()
        .bandwidth(number(hp, "bandwidth")?)
        .bin_seeding(hp["bin_seeding"].as_bool().unwrap_or(false))
        .min_bin_freq(hp["min_bin_freq"].as_u64().unwrap_or(1) as usize)
        .cluster_all(hp["cluster_all"].as_bool().unwrap_or(true))
        .max_iter(hp["max_iter"].as_u64().unwrap_or(300) as usize))
}

pub(super) fn prepare(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    let estimator = match def["algorithm"].as_str() {
        Some("DBSCAN") => Estimator::Dbscan(dbscan(hp)?),
        Some("HDBSCAN") => Estimator::Hdbscan(hdbscan(hp)?),
        Some("MeanShift") => Estimator::MeanShift(mean_shift(hp)?),
        other => return Err(format!("not a density workload: {other:?}").into()),
    };
    Ok(Box::new(Density {
        estimator,
        x: inputs.matrix("X")?,
        y: inputs.ints("y")?.to_vec(),
        labels: None,
    }))
}

fn signed(labels: &[Option<usize>]) -> Vec<i64> {
    labels.iter().map(|l| l.map_or(-1, |c| c as i64)).collect()
}

impl Case for Density {
    fn run(&mut self, _step: usize) -> Result<(), BoxError> {
        self.labels = None;
        let x = self.x.as_ref();
        self.labels = Some(match &self.estimator {
            Estimator::Dbscan(e) => signed(e.fit(x)?.labels()),
            Estimator::Hdbscan(e) => signed(e.fit(x)?.labels()),
            Estimator::MeanShift(e) => signed(e.fit(x)?.labels()),
        });
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let labels = self.labels.as_ref().ok_or("no fit yet")?;
        let n_clusters = labels.iter().max().map_or(0, |&m| (m + 1).max(0));
        let mut q = Map::new();
        q.insert("n_clusters".into(), json!(n_clusters));
        if !matches!(self.estimator, Estimator::MeanShift(_)) {
            q.insert(
                "n_noise".into(),
                json!(labels.iter().filter(|&&l| l < 0).count()),
            );
        }
        q.insert("ari".into(), json!(adjusted_rand_score(&self.y, labels)?));
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("shape".into(), json!([self.x.nrows(), self.x.ncols()]));
        m
    }
}
