//! Model files: round trips, and every way a file can be damaged being refused.

use faer::Mat;
use ml_core::persist::{self, FORMAT_VERSION, Invariants, Persist};
use ml_core::{Error, PersistError};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// A stand-in for a fitted linear model: weights, an optional matrix and labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Linear {
    #[serde(with = "ml_core::persist::mat")]
    coef: Mat<f64>,
    #[serde(with = "ml_core::persist::mat_opt")]
    covariance: Option<Mat<f64>>,
    intercept: Vec<f64>,
    classes: Vec<String>,
    n_iter: usize,
}

impl Persist for Linear {
    const MODEL_NAME: &'static str = "tests::Linear";
}

impl Invariants for Linear {
    // A stand-in for the format's tests: any content, NaN included, must round-trip.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

impl Linear {
    fn predict(&self, x: &Mat<f64>) -> Vec<f64> {
        (0..x.nrows())
            .map(|i| {
                (0..x.ncols())
                    .map(|j| x[(i, j)] * self.coef[(j, 0)])
                    .sum::<f64>()
                    + self.intercept[0]
            })
            .collect()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Tree {
    nodes: Vec<(usize, f64)>,
}

impl Persist for Tree {
    const MODEL_NAME: &'static str = "tests::Tree";
}

impl Invariants for Tree {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

fn model() -> Linear {
    Linear {
        coef: Mat::from_fn(3, 1, |i, _| 0.1 + i as f64 * -1.7),
        covariance: None,
        intercept: vec![2.5],
        classes: vec!["a".into(), "b".into()],
        n_iter: 7,
    }
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ml-core-persist-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn save_load_round_trip_predicts_identically() {
    let dir = temp_dir("roundtrip");
    let path = dir.join("linear.model");
    let m = model();
    persist::save(&m, &path).unwrap();
    let back: Linear = persist::load(&path).unwrap();
    assert_eq!(back, m);
    let x = Mat::from_fn(5, 3, |i, j| (i * 3 + j) as f64 / 7.0);
    let (a, b) = (m.predict(&x), back.predict(&x));
    assert!(a.iter().zip(&b).all(|(u, v)| u.to_bits() == v.to_bits()));
    // Saving again over an existing file replaces it and leaves no temporary behind.
    persist::save(&m, &path).unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = persist::load::<Linear>("/nonexistent/dir/model.bin").unwrap_err();
    match err {
        Error::Io { path, kind, .. } => {
            assert!(path.contains("model.bin"));
            assert_eq!(kind, std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

#[test]
fn saving_into_a_missing_directory_is_an_io_error() {
    let err = persist::save(&model(), "/nonexistent/dir/model.bin").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

#[test]
fn every_truncation_is_refused() {
    let bytes = persist::to_bytes(&model()).unwrap();
    for len in 0..bytes.len() {
        let err = persist::from_bytes::<Linear>(&bytes[..len])
            .expect_err(&format!("a file cut to {len} bytes was accepted"));
        let expected = if len == 0 {
            PersistError::NotAModelFile
        } else {
            PersistError::Truncated
        };
        assert_eq!(err, Error::Persist(expected), "cut to {len} bytes");
    }
}

#[test]
fn every_flipped_byte_and_bit_is_refused() {
    let bytes = persist::to_bytes(&model()).unwrap();
    for pos in 0..bytes.len() {
        for mask in [0xFFu8, 0x01, 0x80, 0x10] {
            let mut bad = bytes.clone();
            bad[pos] ^= mask;
            let result = persist::from_bytes::<Linear>(&bad);
            assert!(
                matches!(result, Err(Error::Persist(_))),
                "flipping byte {pos} with {mask:#04x} gave {result:?}"
            );
        }
    }
}

#[test]
fn wrong_model_type_is_refused() {
    let bytes = persist::to_bytes(&model()).unwrap();
    assert_eq!(
        persist::from_bytes::<Tree>(&bytes).unwrap_err(),
        Error::Persist(PersistError::WrongModelType {
            expected: "tests::Tree".into(),
            found: "tests::Linear".into(),
        })
    );
    assert_eq!(persist::model_name(&bytes).unwrap(), "tests::Linear");
}

#[test]
fn newer_format_version_is_refused() {
    let mut bytes = persist::to_bytes(&model()).unwrap();
    bytes[4..8].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert_eq!(
        persist::from_bytes::<Linear>(&bytes).unwrap_err(),
        Error::Persist(PersistError::UnsupportedVersion {
            supported: FORMAT_VERSION,
            found: FORMAT_VERSION + 1
        })
    );
}

#[test]
fn non_model_files_are_refused() {
    let dir = temp_dir("junk");
    let path = dir.join("data.csv");
    std::fs::write(&path, "a,b,c\n1,2,3\n").unwrap();
    assert_eq!(
        persist::load::<Linear>(&path).unwrap_err(),
        Error::Persist(PersistError::NotAModelFile)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn error_messages_say_what_is_wrong() {
    let bytes = persist::to_bytes(&model()).unwrap();
    let msg = persist::from_bytes::<Tree>(&bytes).unwrap_err().to_string();
    assert!(
        msg.contains("tests::Linear") && msg.contains("tests::Tree"),
        "{msg}"
    );
    let msg = persist::from_bytes::<Linear>(&bytes[..bytes.len() - 1])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("truncated"), "{msg}");
}

fn arb_mat() -> impl Strategy<Value = Mat<f64>> {
    (0usize..6, 0usize..6).prop_flat_map(|(r, c)| {
        proptest::collection::vec(proptest::num::f64::ANY, r * c)
            .prop_map(move |v| Mat::from_fn(r, c, |i, j| v[j * r + i]))
    })
}

proptest! {
    #[test]
    fn any_matrix_round_trips_bit_for_bit(coef in arb_mat(), cov in proptest::option::of(arb_mat())) {
        let m = Linear { coef, covariance: cov, intercept: vec![], classes: vec![], n_iter: 0 };
        let back: Linear = persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
        let same = |a: &Mat<f64>, b: &Mat<f64>| {
            a.nrows() == b.nrows() && a.ncols() == b.ncols()
                && (0..a.nrows()).all(|i| (0..a.ncols()).all(|j| a[(i, j)].to_bits() == b[(i, j)].to_bits()))
        };
        prop_assert!(same(&m.coef, &back.coef));
        prop_assert_eq!(m.covariance.is_some(), back.covariance.is_some());
        if let (Some(a), Some(b)) = (&m.covariance, &back.covariance) {
            prop_assert!(same(a, b));
        }
    }

    #[test]
    fn random_damage_never_panics_nor_loads(pos in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let bytes = persist::to_bytes(&model()).unwrap();
        let mut bad = bytes.clone();
        let p = pos.index(bad.len());
        prop_assume!(bad[p] != value);
        bad[p] = value;
        prop_assert!(persist::from_bytes::<Linear>(&bad).is_err());
        let c = cut.index(bytes.len());
        prop_assert!(persist::from_bytes::<Linear>(&bytes[..c]).is_err());
    }
}
