//! `rsvd_*`: randomized truncated SVD of a dense matrix (scikit-learn:
//! `sklearn.utils.extmath.randomized_svd` with the same `n_components`,
//! `n_oversamples`, `n_iter` and power-iteration normaliser).
//!
//! Quality: the singular values, and the relative reconstruction error
//! `‖X − U·diag(s)·Vt‖_F / ‖X‖_F`, which proves the singular vectors right as well.
//! The random test matrices differ between the libraries; the data's geometric
//! spectrum makes both converge to the same values far below the tolerance.

use ml_core::faer::Mat;
use ml_core::linalg::{PowerIterationNormalizer, RandomizedSvd, Svd};
use serde_json::{Map, Value, json};

use super::{Case, Quality, accurate_sum};
use crate::BoxError;
use crate::datasets::Inputs;

struct Rsvd {
    x: Mat<f64>,
    params: RandomizedSvd,
    n_iter: usize,
    out: Option<Svd>,
}

fn hp_usize(def: &Value, key: &str) -> Result<usize, BoxError> {
    def["hyperparameters"][key]
        .as_u64()
        .map(|v| v as usize)
        .ok_or_else(|| format!("hyper-parameter {key} must be a non-negative integer").into())
}

pub(super) fn prepare(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let normalizer = match def["hyperparameters"]["power_iteration_normalizer"]
        .as_str()
        .unwrap_or("auto")
    {
        "auto" => PowerIterationNormalizer::Auto,
        "QR" => PowerIterationNormalizer::Qr,
        "LU" => PowerIterationNormalizer::Lu,
        "none" => PowerIterationNormalizer::None,
        other => return Err(format!("unknown power_iteration_normalizer {other}").into()),
    };
    let n_iter = hp_usize(def, "n_iter")?;
    let params = RandomizedSvd::new(hp_usize(def, "n_components")?)
        .n_oversamples(hp_usize(def, "n_oversamples")?)
        .n_iter(n_iter)
        .power_iteration_normalizer(normalizer)
        .seed(def["hyperparameters"]["random_state"].as_u64().unwrap_or(0));
    Ok(Box::new(Rsvd {
        x: inputs.matrix("X")?,
        params,
        n_iter,
        out: None,
    }))
}

impl Case for Rsvd {
    fn run(&mut self, _step: usize) -> Result<(), BoxError> {
        self.out = None;
        self.out = Some(self.params.compute(self.x.as_ref())?);
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let svd = self.out.as_ref().ok_or("no SVD computed")?;
        let (x, k) = (&self.x, svd.s.len());
        // Residual row by row, so no second n × d matrix is needed.
        let mut row = vec![0.0; x.ncols()];
        let residual_sq = accurate_sum((0..x.nrows()).map(|i| {
            for (j, r) in row.iter_mut().enumerate() {
                let approx: f64 = (0..k)
                    .map(|c| svd.u[(i, c)] * svd.s[c] * svd.vt[(c, j)])
                    .sum();
                *r = x[(i, j)] - approx;
            }
            row.iter().map(|v| v * v).sum::<f64>()
        }));
        let norm_sq = accurate_sum(
            (0..x.nrows()).flat_map(|i| (0..x.ncols()).map(move |j| x[(i, j)] * x[(i, j)])),
        );
        let mut q = Map::new();
        q.insert("singular_values".into(), json!(svd.s));
        q.insert(
            "recon_rel_err".into(),
            json!((residual_sq / norm_sq).sqrt()),
        );
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("shape".into(), json!([self.x.nrows(), self.x.ncols()]));
        m.insert("n_iter".into(), json!(self.n_iter));
        m
    }
}
