//! `kmeans_*` and `minibatch_kmeans_*`: `ml_cluster::KMeans` and `MiniBatchKMeans`
//! against scikit-learn's, with the workload's hyper-parameters; `kmeans_china64*`: the
//! colour quantisation of china.jpg's pixels (decoded by PIL on the Python side, so both
//! sides see the same pixels).
//!
//! Step: `fit` on all rows (a fresh model each call). Quality: `inertia`, the adjusted
//! Rand index `ari` of the labels against the generating classes, and `n_iter`
//! (informational). The k-means++ seeding draws from a different generator than
//! numpy's, so the initial centres differ; on these data (well-separated blobs, and iris
//! with ten restarts) both sides reach the same partition, so the inertia agrees to
//! rounding and the ARI exactly; mini-batch centres carry sampling noise (see the
//! tolerance's note in `bench/workloads.json`).

use ml_cluster::{KMeans, KMeansAlgorithm, KMeansModel, MiniBatchKMeans};
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

fn kmeans(hp: &Value) -> Result<KMeans, BoxError> {
    let algorithm = match hp["algorithm"].as_str().unwrap_or("lloyd") {
        "lloyd" => KMeansAlgorithm::Lloyd,
        "elkan" => KMeansAlgorithm::Elkan,
        other => return Err(format!("unknown k-means algorithm {other}").into()),
    };
    Ok(KMeans::new(hp_usize(hp, "n_clusters")?)
        .seed(hp["random_state"].as_u64().unwrap_or(0))
        .n_init(hp_usize(hp, "n_init")?)
        .max_iter(hp_usize(hp, "max_iter")?)
        .tol(hp_f64(hp, "tol")?)
        .algorithm(algorithm))
}

fn check_init(hp: &Value) -> Result<(), BoxError> {
    if hp["init"].as_str() == Some("k-means++") {
        Ok(())
    } else {
        Err("only init = k-means++ is wired".into())
    }
}

pub(super) fn prepare(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    check_init(hp)?;
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
        Estimator::Full(kmeans(hp)?)
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

/// Colour quantisation: fit on the sampled pixels and predict all of them, or (without a
/// `predict` step) fit on all pixels.
struct Quantize {
    estimator: KMeans,
    pixels: Mat<f64>,
    /// The rows the fit sees: the sample, or `None` for all pixels.
    sample: Option<Mat<f64>>,
    model: Option<KMeansModel>,
    labels: Vec<usize>,
}

pub(super) fn prepare_quantize(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    check_init(hp)?;
    let pixels = inputs.matrix("X")?;
    let sample = if def["timed"].get("predict").is_some() {
        let idx = inputs.ints("sample_idx")?;
        let mut rows = Vec::with_capacity(idx.len());
        for &i in idx {
            rows.push(
                usize::try_from(i)
                    .ok()
                    .filter(|&i| i < pixels.nrows())
                    .ok_or("bad sample index")?,
            );
        }
        Some(Mat::from_fn(rows.len(), pixels.ncols(), |i, j| {
            pixels[(rows[i], j)]
        }))
    } else {
        None
    };
    Ok(Box::new(Quantize {
        estimator: kmeans(hp)?,
        pixels,
        sample,
        model: None,
        labels: Vec::new(),
    }))
}

impl Case for Quantize {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        if step == 0 {
            self.model = None;
            let x = self.sample.as_ref().unwrap_or(&self.pixels);
            let m = self.estimator.fit(x.as_ref())?;
            self.labels = m.labels().to_vec();
            self.model = Some(m);
        } else {
            let m = self.model.as_ref().ok_or("predict before fit")?;
            self.labels = m.predict(self.pixels.as_ref())?;
        }
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let m = self.model.as_ref().ok_or("no fit yet")?;
        if self.labels.len() != self.pixels.nrows() {
            return Err("the labels do not cover every pixel yet".into());
        }
        let c = m.cluster_centers();
        let (n, d) = (self.pixels.nrows(), self.pixels.ncols());
        let sq = (0..n)
            .flat_map(|i| (0..d).map(move |j| (i, j)))
            .map(|(i, j)| (self.pixels[(i, j)] - c[(self.labels[i], j)]).powi(2));
        let mut q = Map::new();
        q.insert("inertia".into(), json!(m.inertia()));
        q.insert(
            "quant_mse".into(),
            json!(super::accurate_sum(sq) / (n * d) as f64),
        );
        q.insert("n_iter".into(), json!(m.n_iter()));
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let fit_rows = self
            .sample
            .as_ref()
            .map_or(self.pixels.nrows(), |s| s.nrows());
        let mut m = Map::new();
        m.insert("fit_shape".into(), json!([fit_rows, self.pixels.ncols()]));
        m.insert("pixels".into(), json!(self.pixels.nrows()));
        m
    }
}
