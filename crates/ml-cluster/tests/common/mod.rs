//! Helpers shared by the k-means integration tests: the scikit-learn fixture reader
//! and the data sets they fit.
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

/// The iris features (150 × 4).
pub(crate) fn iris() -> Mat<f64> {
    ml_core::datasets::load_iris().expect("iris").data
}
