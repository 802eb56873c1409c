//! `distances_*`: the full matrix of squared Euclidean distances between the rows of
//! `X` and `Y` (scikit-learn: `euclidean_distances(X, Y, squared=True)`).
//!
//! Quality: the sum and mean of the matrix and a position-weighted sum (weight
//! `(7 i + 13 j) mod 17 + 1`), which also catches permuted or transposed output.

use ml_core::faer::Mat;
use ml_core::linalg;
use serde_json::{Map, Value, json};

use super::{Case, Quality, accurate_sum};
use crate::BoxError;
use crate::datasets::Inputs;

struct Distances {
    x: Mat<f64>,
    y: Mat<f64>,
    out: Option<Mat<f64>>,
}

pub(super) fn prepare(inputs: &Inputs, _def: &Value) -> Result<Box<dyn Case>, BoxError> {
    Ok(Box::new(Distances {
        x: inputs.matrix("X")?,
        y: inputs.matrix("Y")?,
        out: None,
    }))
}

/// The weight of entry `(i, j)` in the weighted checksum (`peers.py` uses the same).
fn weight(i: usize, j: usize) -> f64 {
    ((7 * i + 13 * j) % 17 + 1) as f64
}

impl Case for Distances {
    fn run(&mut self, _step: usize) -> Result<(), BoxError> {
        // Dropping the previous result first keeps peak memory at one matrix, as in numpy.
        self.out = None;
        self.out = Some(linalg::squared_euclidean(self.x.as_ref(), self.y.as_ref())?);
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let d = self.out.as_ref().ok_or("no distances computed")?;
        let (n, m) = (d.nrows(), d.ncols());
        let entries = || (0..n).flat_map(move |i| (0..m).map(move |j| (i, j, d[(i, j)])));
        let sum = accurate_sum(entries().map(|(_, _, v)| v));
        let weighted = accurate_sum(entries().map(|(i, j, v)| weight(i, j) * v));
        let mut q = Map::new();
        q.insert("sum".into(), json!(sum));
        q.insert("mean".into(), json!(sum / (n * m) as f64));
        q.insert("weighted_sum".into(), json!(weighted));
        q.insert(
            "min".into(),
            json!(entries().map(|(_, _, v)| v).fold(f64::INFINITY, f64::min)),
        );
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("n_x".into(), json!(self.x.nrows()));
        m.insert("n_y".into(), json!(self.y.nrows()));
        m.insert("n_features".into(), json!(self.x.ncols()));
        m
    }
}
