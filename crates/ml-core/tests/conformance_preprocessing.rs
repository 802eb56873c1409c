//! The conformance battery on ml-core's own estimators: the scalers.
#![cfg(all(feature = "testing", feature = "datasets"))]

use ml_core::datasets;
use ml_core::preprocessing::{MinMaxScaler, StandardScaler};

fn wine() -> ml_core::faer::Mat<f64> {
    datasets::load_wine().expect("bundled wine data").data
}

ml_core::conformance_tests!(standard_scaler, transformer, StandardScaler::new, wine());
ml_core::conformance_tests!(
    standard_scaler_no_mean,
    transformer,
    || StandardScaler::new().with_mean(false),
    wine()
);
ml_core::conformance_tests!(min_max_scaler, transformer, MinMaxScaler::new, wine());
ml_core::conformance_tests!(
    min_max_scaler_range,
    transformer,
    || MinMaxScaler::new().feature_range(-1.0, 1.0),
    wine()
);
