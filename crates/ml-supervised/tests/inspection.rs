//! Partial dependence (`ml_core::inspection`): parity with scikit-learn 1.9.1's
//! `partial_dependence(method='brute', kind='average')` through this crate's histogram
//! gradient boosting models, which equal scikit-learn's tree for tree on these fits
//! (`scripts/refdata/inspection.py`).
//!
//! The grids are built with scipy's and numpy's arithmetic operation for operation and
//! the averages with numpy's pairwise sum. On these cases the breast cancer and wine
//! grids and every average equal scikit-learn's to the last bit; the diabetes grids
//! differ in the last bits because the scaled diabetes features themselves do
//! (`load_diabetes_scaled` divides by `sqrt(ss)` where scikit-learn's `scale` divides
//! by the standard deviation, then by `sqrt(n)`). Tolerances: 1e-12 relative for grid values, 1e-9 for averages (room
//! for the boosted predictions, whose sums over trees run in another order).

use ml_core::inspection::{
    GridSettings, PartialDependence, partial_dependence, partial_dependence_proba,
};
use ml_supervised::ensemble::{
    EarlyStopping, HistGradientBoostingClassifier, HistGradientBoostingRegressor,
};
use serde_json::Value;

mod common;

use common::{data, dataset, floats, usizes};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("data/inspection.json")).expect("valid fixture JSON")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// The fixture's settings: grid resolution and percentiles.
fn settings(case: &Value) -> GridSettings {
    let p = floats(&case["percentiles"]);
    GridSettings::new()
        .grid_resolution(case["grid_resolution"].as_u64().unwrap() as usize)
        .percentiles(p[0], p[1])
}

fn assert_matches(name: &str, got: &PartialDependence, case: &Value) {
    let grid = case["grid"].as_array().unwrap();
    assert_eq!(got.grid.len(), grid.len(), "{name}: number of axes");
    for (f, (axis, want)) in got.grid.iter().zip(grid).enumerate() {
        let want = floats(want);
        assert_eq!(axis.len(), want.len(), "{name}: axis {f} length");
        for (k, (&a, &b)) in axis.iter().zip(&want).enumerate() {
            assert!(close(a, b, 1e-12), "{name}: axis {f}[{k}] {a} vs {b}");
        }
    }
    let rows = case["average"].as_array().unwrap();
    assert_eq!(got.average.nrows(), rows.len(), "{name}: grid points");
    for (i, row) in rows.iter().enumerate() {
        let want = floats(row);
        assert_eq!(got.average.ncols(), want.len(), "{name}: outputs");
        for (o, &b) in want.iter().enumerate() {
            let a = got.average[(i, o)];
            assert!(
                close(a, b, 1e-9),
                "{name}: point {i} output {o}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn partial_dependence_matches_scikit_learn() {
    let fx = fixtures();
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let p = &case["params"];
        assert_eq!(p["early_stopping"], Value::Bool(false), "{name}");
        let max_iter = p["max_iter"].as_u64().unwrap() as usize;
        let seed = p["random_state"].as_u64().unwrap();
        let features = usizes(&case["features"]);
        let ds = case["dataset"].as_str().unwrap();
        let got = if case["kind"] == "regressor" {
            let (x, y) = data(ds);
            let model = HistGradientBoostingRegressor::new()
                .max_iter(max_iter)
                .early_stopping(EarlyStopping::Off)
                .seed(seed)
                .fit(x.as_ref(), &y)
                .unwrap();
            partial_dependence(&model, x.as_ref(), &features, &settings(case))
        } else {
            let d = dataset(ds);
            let model = HistGradientBoostingClassifier::new()
                .max_iter(max_iter)
                .early_stopping(EarlyStopping::Off)
                .seed(seed)
                .fit(d.data.as_ref(), &d.target)
                .unwrap();
            partial_dependence_proba(&model, d.data.as_ref(), &features, &settings(case))
        }
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_matches(name, &got, case);
    }
}
