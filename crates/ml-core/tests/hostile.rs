//! Hostile input to the shared pieces: sizes that would wrap or allocate without
//! bound, and values near the ends of the f64 range. Each is a typed error or a
//! finite, documented result (SECURITY.md).

use faer::Mat;
use ml_core::linalg::RandomizedSvd;
use ml_core::metrics::{self, Average};
use ml_core::model_selection::{KFold, train_test_split};
use ml_core::preprocessing::{MinMaxScaler, StandardScaler};
use ml_core::{Error, sparse};

#[test]
fn sizes_at_usize_max_are_typed_errors() {
    assert!(train_test_split::<usize>(usize::MAX, 0.25, 0, None, true).is_err());
    assert!(KFold::new().split(usize::MAX).is_err());
    let err = sparse::csr_from_triplets(usize::MAX, 3, &[(0, 0, 1.0)]).unwrap_err();
    assert!(matches!(err, Error::AllocationFailed { .. }), "{err}");
    let x = Mat::from_fn(40, 5, |i, j| ((i * 7 + j * 3) % 11) as f64);
    let svd = RandomizedSvd::new(2)
        .n_oversamples(usize::MAX)
        .compute(x.as_ref());
    assert!(svd.is_ok(), "the sketch is capped at min(m, n): {svd:?}");
    assert!(
        RandomizedSvd::new(2)
            .n_iter(usize::MAX)
            .compute(x.as_ref())
            .is_err()
    );
    let err = metrics::trustworthiness(x.as_ref(), x.as_ref(), 1 << 63).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter {
            name: "n_neighbors",
            ..
        }
    ));
}

#[test]
fn metrics_of_huge_values_are_numbers() {
    let y: Vec<f64> = (0..20)
        .map(|i| if i % 2 == 0 { 1e200 } else { -1e200 })
        .collect();
    let p: Vec<f64> = y.iter().map(|v| v * 0.5).collect();
    let r2 = metrics::r2_score(&y, &p).unwrap();
    let unit = metrics::r2_score(
        &y.iter().map(|v| v / 1e200).collect::<Vec<_>>(),
        &p.iter().map(|v| v / 1e200).collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        r2.is_finite() && (r2 - unit).abs() < 1e-12,
        "{r2} vs {unit}"
    );

    let t = [0usize, 1, 1, 0, 1, 1];
    let q = [0usize, 1, 0, 0, 1, 1];
    let f = metrics::fbeta_score(&t, &q, 1e200, Average::Binary { pos_label: 1 }).unwrap();
    let recall = metrics::recall_score(&t, &q, Average::Binary { pos_label: 1 }).unwrap();
    assert!(
        (f - recall).abs() < 1e-12,
        "F-beta tends to the recall: {f} vs {recall}"
    );

    let x = Mat::from_fn(12, 2, |i, j| {
        (i / 6) as f64 * 10.0 + (i * 3 + j) as f64 * 0.1
    });
    let labels: Vec<usize> = (0..12).map(|i| i / 6).collect();
    let plain = metrics::silhouette_score(x.as_ref(), &labels).unwrap();
    for scale in [1e200, 1e-200] {
        let scaled = Mat::from_fn(12, 2, |i, j| x[(i, j)] * scale);
        let s = metrics::silhouette_score(scaled.as_ref(), &labels).unwrap();
        assert!((s - plain).abs() < 1e-9, "scale {scale}: {s} vs {plain}");
    }
}

#[test]
fn scalers_scale_columns_near_the_float_limit() {
    let x = Mat::from_fn(6, 2, |i, j| {
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        if j == 0 {
            sign * 1e200 * (1.0 + i as f64)
        } else {
            sign * f64::MAX
        }
    });
    let z = StandardScaler::new()
        .fit(x.as_ref())
        .unwrap()
        .transform(x.as_ref())
        .unwrap();
    for j in 0..2 {
        let mean: f64 = (0..6).map(|i| z[(i, j)]).sum::<f64>() / 6.0;
        let var: f64 = (0..6).map(|i| (z[(i, j)] - mean).powi(2)).sum::<f64>() / 6.0;
        assert!(
            mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12,
            "column {j}: {mean}, {var}"
        );
    }
    let m = MinMaxScaler::new()
        .fit(x.as_ref())
        .unwrap()
        .transform(x.as_ref())
        .unwrap();
    for j in 0..2 {
        let (lo, hi) = (0..6).fold((f64::MAX, f64::MIN), |(a, b), i| {
            (a.min(m[(i, j)]), b.max(m[(i, j)]))
        });
        assert!(
            lo.abs() < 1e-12 && (hi - 1.0).abs() < 1e-12,
            "column {j}: {lo}..{hi}"
        );
    }
    let err = MinMaxScaler::new()
        .feature_range(-f64::MAX, f64::MAX)
        .fit(x.as_ref())
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter {
            name: "feature_range",
            ..
        }
    ));
}
