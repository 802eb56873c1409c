//! What the test files of this crate share: the scikit-learn fixtures and readers for
//! their JSON (numbers, matrices, CSR matrices), the data sets by name, and the
//! tolerance checks.
//!
//! Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use faer::{Mat, MatRef};
use ml_core::datasets::{Dataset, load_breast_cancer, load_iris, load_wine};
use ml_core::sparse::Csr;
use serde_json::Value;

/// The fixture of the linear and logistic models (`scripts/refdata/linear.py`).
pub(crate) fn linear_fixtures() -> Value {
    serde_json::from_str(include_str!("../data/linear.json")).expect("valid fixture JSON")
}

/// The fixture of the naive Bayes models (`scripts/refdata/naive_bayes.py`).
pub(crate) fn naive_bayes_fixtures() -> Value {
    serde_json::from_str(include_str!("../data/naive_bayes.json")).expect("valid fixture JSON")
}

/// The SMS spam fixture: scikit-learn's split, counts and model outputs.
pub(crate) fn sms_fixture() -> Value {
    serde_json::from_str(include_str!("../data/naive_bayes_sms.json")).expect("valid fixture JSON")
}

/// A JSON array of numbers.
pub(crate) fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// A JSON array of non-negative integers.
pub(crate) fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("integer") as usize)
        .collect()
}

/// A JSON array of rows.
pub(crate) fn matrix(v: &Value) -> Mat<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("rows").iter().map(floats).collect();
    Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

/// A CSR matrix from scipy's `shape`, `indptr`, `indices` and `data`.
pub(crate) fn csr(v: &Value) -> Csr {
    let shape = usizes(&v["shape"]);
    let symbolic = SymbolicSparseRowMat::new_checked(
        shape[0],
        shape[1],
        usizes(&v["indptr"]),
        None,
        usizes(&v["indices"]),
    );
    SparseRowMat::new(symbolic, floats(&v["data"]))
}

/// The CSR matrix equals the fixture's `indptr`/`indices`/`data` exactly.
pub(crate) fn assert_csr_equal(what: &str, got: &Csr, want: &Value) {
    assert_eq!(
        [got.nrows(), got.ncols()].to_vec(),
        usizes(&want["shape"]),
        "{what}: shape"
    );
    let indptr = usizes(&want["indptr"]);
    let indices = usizes(&want["indices"]);
    let data = usizes(&want["data"]);
    for i in 0..got.nrows() {
        let (a, b) = (indptr[i], indptr[i + 1]);
        assert_eq!(got.col_idx_of_row_raw(i), &indices[a..b], "{what}: row {i}");
        let vals: Vec<usize> = got.val_of_row(i).iter().map(|&v| v as usize).collect();
        assert_eq!(vals, &data[a..b], "{what}: row {i}");
    }
}

/// A data set of `ml_core::datasets` by its scikit-learn name.
pub(crate) fn dataset(name: &str) -> Dataset {
    match name {
        "breast_cancer" => load_breast_cancer(),
        "iris" => load_iris(),
        "wine" => load_wine(),
        other => panic!("unknown data set {other}"),
    }
    .unwrap()
}

/// A data set by its scikit-learn name as features and `f64` targets: class codes for
/// the classification sets, the scaled target for `diabetes` (scikit-learn's default).
pub(crate) fn data(name: &str) -> (Mat<f64>, Vec<f64>) {
    if name == "diabetes" {
        let ds = ml_core::datasets::load_diabetes_scaled().unwrap();
        return (ds.data, ds.target);
    }
    let ds = dataset(name);
    let y = ds.target.iter().map(|&c| c as f64).collect();
    (ds.data, y)
}

/// The sample weights the fixtures use: `1 + (i mod 3)`.
pub(crate) fn weights(n: usize) -> Vec<f64> {
    (0..n).map(|i| 1.0 + (i % 3) as f64).collect()
}

/// `max |a − b| ≤ tol · max |b|`: every entry within `tol` of the reference's scale.
pub(crate) fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    let err = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        err <= tol * scale,
        "{what}: max error {err:e} > {tol:e} · {scale:e}\n ours {a:?}\n ref  {b:?}"
    );
}

/// `a` and `b` equal, or within `tol` relative to the larger.
pub(crate) fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a - b).abs() <= tol * a.abs().max(b.abs())
}

/// Every entry [`rel_close`] to the reference.
pub(crate) fn assert_slice_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(rel_close(*a, *b, tol), "{what}[{i}]: {a} vs {b}");
    }
}

/// Same shape and every entry [`rel_close`] to the reference.
pub(crate) fn assert_mat_close(what: &str, got: MatRef<'_, f64>, want: &Mat<f64>, tol: f64) {
    assert_eq!(
        (got.nrows(), got.ncols()),
        (want.nrows(), want.ncols()),
        "{what}: shape"
    );
    for i in 0..want.nrows() {
        for j in 0..want.ncols() {
            let (a, b) = (got[(i, j)], want[(i, j)]);
            assert!(rel_close(a, b, tol), "{what}[{i}, {j}]: {a} vs {b}");
        }
    }
}

/// Classification data for property tests: 5 to 39 rows, 1 to 3 integer features and 2
/// or 3 classes, every row distinct (row `i`'s first feature is `i`).
pub(crate) fn distinct_rows() -> impl proptest::strategy::Strategy<Value = (Mat<f64>, Vec<usize>)> {
    use proptest::prelude::*;
    (5usize..40, 1usize..4, 2usize..4).prop_flat_map(|(n, d, k)| {
        (
            proptest::collection::vec(-100i32..100, n * d),
            proptest::collection::vec(0..k, n),
        )
            .prop_map(move |(v, y)| {
                let x = Mat::from_fn(n, d, |i, j| {
                    if j == 0 {
                        i as f64
                    } else {
                        f64::from(v[i * d + j])
                    }
                });
                (x, y)
            })
    })
}
