//! Helpers shared by the integration tests: the k-means fixture reader, JSON arrays as
//! matrices and indices, and the data sets they fit.
#![allow(dead_code)]

use faer::Mat;
use serde_json::Value;

/// The reference data of `scripts/refdata/kmeans.py` (`tests/data/kmeans.json`).
pub(crate) fn fixture() -> Value {
    serde_json::from_str(include_str!("../data/kmeans.json")).expect("valid fixture JSON")
}

/// A JSON array of rows as a matrix.
pub(crate) fn mat_of(v: &Value) -> Mat<f64> {
    let rows = v.as_array().expect("rows");
    let d = rows[0].as_array().expect("row").len();
    Mat::from_fn(rows.len(), d, |i, j| rows[i][j].as_f64().expect("number"))
}

/// A JSON array of non-negative integers as indices.
pub(crate) fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("index") as usize)
        .collect()
}

/// The iris features (150 × 4).
pub(crate) fn iris() -> Mat<f64> {
    ml_core::datasets::load_iris().expect("iris").data
}
