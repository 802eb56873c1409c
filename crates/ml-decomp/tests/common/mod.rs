//! Fixture readers and tolerance checks shared by this crate's integration tests.
// Each test file compiles this module on its own and uses a subset of it.
#![allow(dead_code)]

use faer::Mat;
use serde_json::Value;

/// A JSON array of numbers.
pub(crate) fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// A JSON array of rows of numbers.
pub(crate) fn matrix(v: &Value) -> Mat<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("rows").iter().map(floats).collect();
    Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

/// `max |a − b| ≤ tol · scale`, naming `what` and both vectors when it fails.
pub(crate) fn assert_close_abs(a: &[f64], b: &[f64], tol: f64, scale: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let err = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        err <= tol * scale,
        "{what}: max error {err:e} > {tol:e} · {scale:e}\n ours {a:?}\n ref  {b:?}"
    );
}
