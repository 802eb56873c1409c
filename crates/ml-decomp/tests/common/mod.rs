//! Fixture readers and tolerance checks shared by this crate's integration tests.
// Each test file compiles this module on its own and uses a subset of it.
#![allow(dead_code)]

use faer::Mat;
use ml_core::sparse::{Csr, csr_from_triplets};
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

/// A CSR matrix stored as SciPy's `{shape, indptr, indices, data}`.
pub(crate) fn csr_from_scipy(c: &Value) -> Csr {
    let shape = floats(&c["shape"]);
    let indptr = floats(&c["indptr"]);
    let indices = floats(&c["indices"]);
    let data = floats(&c["data"]);
    let mut trip = Vec::with_capacity(data.len());
    for i in 0..shape[0] as usize {
        for p in indptr[i] as usize..indptr[i + 1] as usize {
            trip.push((i, indices[p] as usize, data[p]));
        }
    }
    csr_from_triplets(shape[0] as usize, shape[1] as usize, &trip).expect("valid CSR fixture")
}

/// A CSR matrix stored as `{shape, triplets: [[row, col, value], ...]}`.
pub(crate) fn csr_from_triplets_json(s: &Value) -> Csr {
    let shape = floats(&s["shape"]);
    let triplets: Vec<(usize, usize, f64)> = s["triplets"]
        .as_array()
        .expect("triplets")
        .iter()
        .map(|t| {
            let t = floats(t);
            (t[0] as usize, t[1] as usize, t[2])
        })
        .collect();
    csr_from_triplets(shape[0] as usize, shape[1] as usize, &triplets).expect("valid CSR fixture")
}

/// The SMS word counts of `data/lda_sms.json` (shared by the LDA and NMF tests).
pub(crate) fn sms_counts() -> Csr {
    let f: Value =
        serde_json::from_str(include_str!("../data/lda_sms.json")).expect("valid fixture JSON");
    csr_from_scipy(&f["counts"])
}

/// The largest absolute value (0 for an empty slice).
pub(crate) fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// `max |a − b| / max |b|`.
pub(crate) fn max_rel_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / max_abs(b)
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

/// [`assert_close_abs`] relative to the largest entry of the reference `b`.
pub(crate) fn assert_rel(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_close_abs(a, b, tol, max_abs(b).max(1e-300), what);
}

/// The entries of `m`, row by row.
pub(crate) fn flat(m: faer::MatRef<'_, f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}
