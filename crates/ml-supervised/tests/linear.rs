//! Linear regression models against scikit-learn 1.9.1 (fixtures made by
//! `scripts/refdata/linear.py`), their invariants, bad input and the conformance kit.
//!
//! Tolerances, relative to the largest reference coefficient:
//! - OLS and ridge: 1e-10. Both are direct solves; only rounding separates LAPACK's
//!   path from ours, amplified by the conditioning of diabetes (well below 1e4).
//! - Lasso and elastic net: 1e-8, both sides run to a duality gap of 1e-12·‖y_c‖².
//! - PolynomialFeatures: exact, the columns are the same products in the same order.
//! - Weighted fits, dense and sparse: as their unweighted counterparts (the weights
//!   only rescale rows). Sparse OLS and ridge square the condition number by solving
//!   the normal equations, which diabetes' conditioning keeps far below 1e-10.

use faer::Mat;
use ml_core::datasets::{load_breast_cancer, load_diabetes, load_diabetes_scaled, load_iris};
use ml_core::{Error, persist};
use ml_supervised::{
    ElasticNet, Lasso, LinearRegression, PolynomialFeatures, PolynomialRegression, Ridge,
    RidgeClassifier, RidgeSolver,
};
use proptest::prelude::*;
use serde_json::Value;

mod common;
use common::{assert_close, floats, linear_fixtures as fixtures, matrix};

fn assert_ident(x: &Mat<f64>, ident: &Value) {
    let shape = floats(&ident["shape"]);
    assert_eq!(
        (x.nrows(), x.ncols()),
        (shape[0] as usize, shape[1] as usize)
    );
    let sum: f64 = (0..x.ncols()).map(|j| x.col(j).iter().sum::<f64>()).sum();
    let reference = ident["sum"].as_f64().unwrap();
    assert!(
        (sum - reference).abs() <= 1e-9 * reference.abs().max(1.0),
        "data set differs from scikit-learn's: sum {sum} vs {reference}"
    );
}

fn diabetes(name: &str) -> (Mat<f64>, Vec<f64>) {
    let f = fixtures();
    match name {
        "raw" => {
            let ds = load_diabetes().unwrap();
            assert_ident(&ds.data, &f["diabetes_raw"]);
            (ds.data, ds.target)
        }
        "scaled" => {
            let ds = load_diabetes_scaled().unwrap();
            assert_ident(&ds.data, &f["diabetes_scaled"]);
            (ds.data, ds.target)
        }
        "scaled_dependent" => {
            let (x, y) = diabetes("scaled");
            let d = x.ncols();
            let xd = Mat::from_fn(x.nrows(), d + 2, |i, j| match j {
                j if j < d => x[(i, j)],
                j if j == d => x[(i, 2)],
                _ => x[(i, 0)] + 2.0 * x[(i, 3)],
            });
            (xd, y)
        }
        other => panic!("unknown data {other}"),
    }
}

fn multi_targets(y: &[f64]) -> Mat<f64> {
    Mat::from_fn(y.len(), 2, |i, t| {
        if t == 0 {
            y[i]
        } else {
            y[i].sqrt() * 3.0 - 7.0
        }
    })
}

#[test]
fn ols_matches_scikit_learn() {
    let f = fixtures();
    for case in f["ols"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (x, y) = diabetes(case["data"].as_str().unwrap());
        let model = LinearRegression::new()
            .fit_intercept(case["fit_intercept"].as_bool().unwrap())
            .fit(x.as_ref(), &y)
            .unwrap();
        assert_close(model.coef(), &floats(&case["coef"]), 1e-10, name);
        assert_close(
            &[model.intercept()],
            &[case["intercept"].as_f64().unwrap()],
            1e-10,
            name,
        );
        assert_eq!(
            model.rank() as u64,
            case["rank"].as_u64().unwrap(),
            "{name}"
        );
        assert_close(
            model.singular_values(),
            &floats(&case["singular"]),
            1e-10,
            name,
        );
    }
}

#[test]
fn ols_multi_output_matches_scikit_learn() {
    let f = fixtures();
    let (x, y) = diabetes("scaled");
    let ys = multi_targets(&y);
    let model = LinearRegression::new()
        .fit_multi(x.as_ref(), ys.as_ref())
        .unwrap();
    let reference = matrix(&f["ols_multi"]["coef"]);
    for t in 0..2 {
        let ours: Vec<f64> = model.coef().row(t).iter().copied().collect();
        let theirs: Vec<f64> = reference.row(t).iter().copied().collect();
        assert_close(&ours, &theirs, 1e-10, "multi-output coef");
    }
    assert_close(
        model.intercept(),
        &floats(&f["ols_multi"]["intercept"]),
        1e-10,
        "multi-output intercept",
    );
    assert_eq!(model.rank(), Some(10));
    // Each target alone gives the same answer.
    let single = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
    let first: Vec<f64> = model.coef().row(0).iter().copied().collect();
    assert_close(&first, single.coef(), 1e-12, "target 0 alone");
    let p = model.predict(x.as_ref()).unwrap();
    let q = single.predict(x.as_ref()).unwrap();
    let col: Vec<f64> = p.col(0).iter().copied().collect();
    assert_close(&col, &q, 1e-12, "multi-output predictions");
}

#[test]
fn ridge_matches_scikit_learn() {
    let f = fixtures();
    for case in f["ridge"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (mut x, mut y) = diabetes(case["data"].as_str().unwrap());
        if let Some(rows) = case["rows"].as_u64() {
            let r = rows as usize;
            x = x.as_ref().subrows(0, r).to_owned();
            y.truncate(r);
        }
        let model = Ridge::new()
            .alpha(case["alpha"].as_f64().unwrap())
            .fit(x.as_ref(), &y)
            .unwrap();
        assert_close(model.coef(), &floats(&case["coef"]), 1e-10, name);
        assert_close(
            &[model.intercept()],
            &[case["intercept"].as_f64().unwrap()],
            1e-10,
            name,
        );
        let expected = if x.ncols() > x.nrows() {
            RidgeSolver::CholeskyDual
        } else {
            RidgeSolver::Cholesky
        };
        assert_eq!(model.solver(), expected, "{name}");
    }
}

#[test]
fn ridge_multi_output_matches_scikit_learn() {
    let f = fixtures();
    let (x, y) = diabetes("scaled");
    let model = Ridge::new()
        .alpha(0.1)
        .fit_multi(x.as_ref(), multi_targets(&y).as_ref())
        .unwrap();
    let reference = matrix(&f["ridge_multi"]["coef"]);
    for t in 0..2 {
        let ours: Vec<f64> = model.coef().row(t).iter().copied().collect();
        let theirs: Vec<f64> = reference.row(t).iter().copied().collect();
        assert_close(&ours, &theirs, 1e-10, "ridge multi-output coef");
    }
    assert_close(
        model.intercept(),
        &floats(&f["ridge_multi"]["intercept"]),
        1e-10,
        "ridge multi-output intercept",
    );
}

#[test]
fn ridge_classifier_matches_scikit_learn() {
    let f = fixtures();
    for case in f["ridge_classifier"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ds = if name == "iris" {
            load_iris().unwrap()
        } else {
            load_breast_cancer().unwrap()
        };
        assert_ident(&ds.data, &case["ident"]);
        let model = RidgeClassifier::new()
            .fit(ds.data.as_ref(), &ds.target)
            .unwrap();
        let reference = matrix(&case["coef"]);
        assert_eq!(model.coef().nrows(), reference.nrows());
        for r in 0..reference.nrows() {
            let ours: Vec<f64> = model.coef().row(r).iter().copied().collect();
            let theirs: Vec<f64> = reference.row(r).iter().copied().collect();
            assert_close(&ours, &theirs, 1e-9, name);
        }
        let expected: Vec<usize> = floats(&case["predict"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        assert_eq!(model.predict(ds.data.as_ref()).unwrap(), expected, "{name}");
    }
}

#[test]
fn lasso_and_elastic_net_match_scikit_learn() {
    let f = fixtures();
    let (x, y) = diabetes("scaled");
    for case in f["cd"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let model = ElasticNet::new()
            .alpha(case["alpha"].as_f64().unwrap())
            .l1_ratio(case["l1_ratio"].as_f64().unwrap())
            .tol(1e-12)
            .max_iter(100_000)
            .fit(x.as_ref(), &y)
            .unwrap();
        assert!(model.converged(), "{name} did not converge");
        assert_close(model.coef(), &floats(&case["coef"]), 1e-8, name);
        assert_close(
            &[model.intercept()],
            &[case["intercept"].as_f64().unwrap()],
            1e-8,
            name,
        );
        // The lasso wrapper is the same model.
        if case["l1_ratio"].as_f64().unwrap() == 1.0 {
            let lasso = Lasso::new()
                .alpha(case["alpha"].as_f64().unwrap())
                .tol(1e-12)
                .max_iter(100_000)
                .fit(x.as_ref(), &y)
                .unwrap();
            assert_eq!(lasso.coef(), model.coef());
        }
    }
}

#[test]
fn lasso_residual_and_gram_paths_agree() {
    // Fewer rows than columns takes the residual path; the same problem with the
    // rows repeated (same optimum up to the 1/n scaling of the loss, compensated by
    // alpha) takes the Gram path.
    let (x, y) = diabetes("scaled");
    let x8 = x.as_ref().subrows(0, 8).to_owned();
    let y8 = &y[..8];
    let wide = Lasso::new()
        .alpha(0.05)
        .tol(1e-14)
        .max_iter(100_000)
        .fit(x8.as_ref(), y8)
        .unwrap();
    let reps = 2;
    let xr = Mat::from_fn(8 * reps, x8.ncols(), |i, j| x8[(i % 8, j)]);
    let yr: Vec<f64> = (0..8 * reps).map(|i| y8[i % 8]).collect();
    let tall = Lasso::new()
        .alpha(0.05)
        .tol(1e-14)
        .max_iter(100_000)
        .fit(xr.as_ref(), &yr)
        .unwrap();
    assert!(wide.converged() && tall.converged());
    assert_close(wide.coef(), tall.coef(), 1e-7, "residual vs Gram path");
}

#[test]
fn warm_start_reaches_the_same_optimum_faster() {
    let (x, y) = diabetes("scaled");
    let est = Lasso::new().alpha(0.1).tol(1e-10).max_iter(100_000);
    let cold = est.fit(x.as_ref(), &y).unwrap();
    let near = Lasso::new()
        .alpha(0.11)
        .tol(1e-10)
        .max_iter(100_000)
        .fit(x.as_ref(), &y)
        .unwrap();
    let warm = est.clone().warm_start(&near).fit(x.as_ref(), &y).unwrap();
    assert_close(warm.coef(), cold.coef(), 1e-6, "warm start");
    assert!(warm.n_iter() <= cold.n_iter());
    let again = est.clone().warm_start(&cold).fit(x.as_ref(), &y).unwrap();
    assert!(
        again.n_iter() <= 2,
        "restarting at the optimum takes {} passes",
        again.n_iter()
    );
    // fit_weighted starts from the warm-start coefficients too.
    let ones = vec![1.0; x.nrows()];
    let weighted = est
        .clone()
        .warm_start(&cold)
        .fit_weighted(x.as_ref(), &y, &ones)
        .unwrap();
    assert!(
        weighted.n_iter() <= 2,
        "a weighted restart at the optimum takes {} passes",
        weighted.n_iter()
    );
    // Neither fits sparse input.
    let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    assert!(matches!(
        est.fit(&csr, &y),
        Err(Error::Unsupported {
            estimator: "Lasso",
            ..
        })
    ));
    assert!(cold.dual_gap() >= 0.0);
}

#[test]
fn weighted_fits_match_scikit_learn() {
    let f = fixtures();
    let (x, y) = diabetes("scaled");
    let sw = floats(&f["weighted"]["sample_weight"]);
    assert_eq!(sw.len(), x.nrows());
    let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    for case in f["weighted"]["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let expected_intercept = [case["intercept"].as_f64().unwrap()];
        // OLS and ridge also fit sparse `X` with weights: the same solution.
        let check_sparse = |coef: &[f64], intercept: f64| {
            let what = format!("sparse {name}");
            assert_close(coef, &floats(&case["coef"]), 1e-10, &what);
            assert_close(&[intercept], &expected_intercept, 1e-9, &what);
        };
        let (coef, intercept, tol) = match name {
            "ols" => {
                let m = LinearRegression::new()
                    .fit_weighted(x.as_ref(), &y, &sw)
                    .unwrap();
                let s = LinearRegression::new().fit_weighted(&csr, &y, &sw).unwrap();
                check_sparse(s.coef(), s.intercept());
                (m.coef().to_vec(), m.intercept(), 1e-10)
            }
            "ridge" => {
                let m = Ridge::new().fit_weighted(x.as_ref(), &y, &sw).unwrap();
                let s = Ridge::new().fit_weighted(&csr, &y, &sw).unwrap();
                check_sparse(s.coef(), s.intercept());
                (m.coef().to_vec(), m.intercept(), 1e-10)
            }
            "lasso" => {
                let m = Lasso::new()
                    .alpha(0.1)
                    .tol(1e-12)
                    .max_iter(100_000)
                    .fit_weighted(x.as_ref(), &y, &sw)
                    .unwrap();
                assert!(m.converged(), "{name} did not converge");
                (m.coef().to_vec(), m.intercept(), 1e-8)
            }
            "enet" => {
                let m = ElasticNet::new()
                    .alpha(0.1)
                    .l1_ratio(0.5)
                    .tol(1e-12)
                    .max_iter(100_000)
                    .fit_weighted(x.as_ref(), &y, &sw)
                    .unwrap();
                assert!(m.converged(), "{name} did not converge");
                (m.coef().to_vec(), m.intercept(), 1e-8)
            }
            other => panic!("unknown weighted case {other}"),
        };
        assert_close(&coef, &floats(&case["coef"]), tol, name);
        assert_close(&[intercept], &expected_intercept, tol, name);
    }
}

#[test]
fn bad_sample_weights_are_typed_errors() {
    let (x, y) = small_regression();
    let n = x.nrows();
    let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let mut negative = vec![1.0; n];
    negative[4] = -0.5;
    let mut nan = vec![1.0; n];
    nan[7] = f64::NAN;
    let short = vec![1.0; n - 1];
    let zeros = vec![0.0; n];
    type WeightedFit<'a> = Box<dyn Fn(&[f64]) -> ml_core::Result<()> + 'a>;
    let fits: Vec<(&str, WeightedFit<'_>)> = vec![
        (
            "ols",
            Box::new(|w| {
                LinearRegression::new()
                    .fit_weighted(x.as_ref(), &y, w)
                    .map(drop)
            }),
        ),
        (
            "ols csr",
            Box::new(|w| LinearRegression::new().fit_weighted(&csr, &y, w).map(drop)),
        ),
        (
            "ridge",
            Box::new(|w| Ridge::new().fit_weighted(x.as_ref(), &y, w).map(drop)),
        ),
        (
            "ridge csr",
            Box::new(|w| Ridge::new().fit_weighted(&csr, &y, w).map(drop)),
        ),
        (
            "ridge classifier",
            Box::new(|w| {
                RidgeClassifier::new()
                    .fit_weighted(x.as_ref(), &labels, w)
                    .map(drop)
            }),
        ),
        (
            "lasso",
            Box::new(|w| Lasso::new().fit_weighted(x.as_ref(), &y, w).map(drop)),
        ),
        (
            "elastic net",
            Box::new(|w| ElasticNet::new().fit_weighted(x.as_ref(), &y, w).map(drop)),
        ),
    ];
    for (name, fit) in &fits {
        assert!(
            matches!(
                fit(&negative),
                Err(Error::InvalidParameter {
                    name: "sample_weight",
                    ..
                })
            ),
            "{name}: negative weight"
        );
        assert!(
            matches!(fit(&nan), Err(Error::NonFinite { row: 7, .. })),
            "{name}: NaN weight"
        );
        assert!(
            matches!(
                fit(&short),
                Err(Error::ShapeMismatch {
                    expected,
                    got,
                    ..
                }) if expected == n && got == n - 1
            ),
            "{name}: wrong length"
        );
        assert!(
            matches!(
                fit(&zeros),
                Err(Error::InvalidParameter {
                    name: "sample_weight",
                    ..
                })
            ),
            "{name}: all zero"
        );
        assert!(fit(&vec![0.5; n]).is_ok(), "{name}: valid weights");
    }
}

#[test]
fn ridge_classifier_integer_weights_repeat_rows() {
    let ds = load_iris().unwrap();
    let n = ds.data.nrows();
    let sw: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
    let (xr, yr) = repeat_rows(&ds.data, &ds.target, &sw);
    let weighted = RidgeClassifier::new()
        .fit_weighted(ds.data.as_ref(), &ds.target, &sw)
        .unwrap();
    let repeated = RidgeClassifier::new().fit(xr.as_ref(), &yr).unwrap();
    for r in 0..3 {
        let a: Vec<f64> = weighted.coef().row(r).iter().copied().collect();
        let b: Vec<f64> = repeated.coef().row(r).iter().copied().collect();
        assert_close(&a, &b, 1e-10, "ridge classifier coef");
    }
    assert_close(
        weighted.intercept(),
        repeated.intercept(),
        1e-10,
        "ridge classifier intercept",
    );
}

#[test]
fn polynomial_features_match_scikit_learn_exactly() {
    let f = fixtures();
    let x = matrix(&f["poly"]["x"]);
    for case in f["poly"]["cases"].as_array().unwrap() {
        let degree = case["degree"].as_u64().unwrap() as usize;
        let io = case["interaction_only"].as_bool().unwrap();
        let bias = case["include_bias"].as_bool().unwrap();
        let model = PolynomialFeatures::new()
            .degree(degree)
            .interaction_only(io)
            .include_bias(bias)
            .fit(x.as_ref())
            .unwrap();
        let what = format!("degree {degree}, interaction_only {io}, include_bias {bias}");
        let out = model.transform(x.as_ref()).unwrap();
        let reference = matrix(&case["output"]);
        assert_eq!(out, reference, "{what}");
        let powers: Vec<Vec<usize>> = case["powers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| floats(r).iter().map(|&v| v as usize).collect())
            .collect();
        assert_eq!(model.powers(), powers, "{what}");
        let names: Vec<String> = case["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            model.feature_names(&["a", "b", "c"]).unwrap(),
            names,
            "{what}"
        );
    }
}

#[test]
fn used_car_prices_need_a_curve() {
    // New: 20000; −1000 a year; never below 10000.
    let age = Mat::from_fn(25, 1, |i, _| i as f64);
    let price: Vec<f64> = (0..25)
        .map(|a| (20000.0 - 1000.0 * a as f64).max(10000.0))
        .collect();
    let rmse = |pred: &[f64]| {
        (pred
            .iter()
            .zip(&price)
            .map(|(p, y)| (p - y).powi(2))
            .sum::<f64>()
            / price.len() as f64)
            .sqrt()
    };
    let line = LinearRegression::new().fit(age.as_ref(), &price).unwrap();
    let curve = PolynomialRegression::new(3)
        .fit(age.as_ref(), &price)
        .unwrap();
    let e_line = rmse(&line.predict(age.as_ref()).unwrap());
    let e_curve = rmse(&curve.predict(age.as_ref()).unwrap());
    assert!(e_curve < e_line / 2.0, "line {e_line}, curve {e_curve}");
    // The line keeps falling past the floor; the curve flattens out near it.
    let old = Mat::from_fn(1, 1, |_, _| 22.0);
    assert!(line.predict(old.as_ref()).unwrap()[0] < 9000.0);
    let c = curve.predict(old.as_ref()).unwrap()[0];
    assert!((c - 10000.0).abs() < 1500.0, "curve at 22 years: {c}");
}

#[test]
fn bad_input_is_a_typed_error() {
    let (x, y) = diabetes("scaled");
    assert!(matches!(
        Ridge::new().alpha(-1.0).fit(x.as_ref(), &y),
        Err(Error::InvalidParameter { name: "alpha", .. })
    ));
    assert!(matches!(
        Lasso::new().alpha(-0.1).fit(x.as_ref(), &y),
        Err(Error::InvalidParameter { name: "alpha", .. })
    ));
    for bad in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            ElasticNet::new().l1_ratio(bad).fit(x.as_ref(), &y),
            Err(Error::InvalidParameter {
                name: "l1_ratio",
                ..
            })
        ));
    }
    assert!(matches!(
        LinearRegression::new().fit(x.as_ref(), &y[1..]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut y_bad = y.clone();
    y_bad[3] = f64::NAN;
    assert!(matches!(
        LinearRegression::new().fit(x.as_ref(), &y_bad),
        Err(Error::NonFinite { row: 3, .. })
    ));
    let empty = Mat::<f64>::zeros(0, 3);
    assert!(matches!(
        Ridge::new().fit(empty.as_ref(), &[]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        RidgeClassifier::new().fit(x.as_ref(), &vec![1usize; x.nrows()]),
        Err(Error::TooFewClasses { needed: 2, got: 1 })
    ));
}

#[test]
fn collinear_columns_are_not_an_error() {
    let (x, y) = diabetes("scaled_dependent");
    let ols = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
    assert_eq!(ols.rank(), 10);
    let ridge0 = Ridge::new().alpha(0.0).fit(x.as_ref(), &y).unwrap();
    assert!(ridge0.coef().iter().all(|c| c.is_finite()));
    let lasso = Lasso::new().alpha(0.1).fit(x.as_ref(), &y).unwrap();
    assert!(lasso.coef().iter().all(|c| c.is_finite()));
    // Same fitted values whichever minimum-norm split of the duplicated column is chosen.
    let (x0, _) = diabetes("scaled");
    let full = LinearRegression::new().fit(x0.as_ref(), &y).unwrap();
    assert_close(
        &ols.predict(x.as_ref()).unwrap(),
        &full.predict(x0.as_ref()).unwrap(),
        1e-10,
        "fitted values with dependent columns",
    );
}

fn small_regression() -> (Mat<f64>, Vec<f64>) {
    let (x, y) = diabetes("scaled");
    (x.as_ref().subrows(0, 60).to_owned(), y[..60].to_vec())
}

fn small_poly_data() -> Mat<f64> {
    small_regression().0.as_ref().subcols(0, 3).to_owned()
}

ml_core::conformance_tests!(ols, regressor, LinearRegression::new, small_regression());
ml_core::conformance_tests!(
    ridge,
    regressor,
    || Ridge::new().alpha(0.5),
    small_regression()
);
ml_core::conformance_tests!(
    lasso,
    regressor,
    || Lasso::new().alpha(0.1),
    small_regression()
);
ml_core::conformance_tests!(
    elastic_net,
    regressor,
    || ElasticNet::new().alpha(0.01),
    small_regression()
);
ml_core::conformance_tests!(
    polynomial_regression,
    regressor,
    || PolynomialRegression::new(2),
    small_regression()
);
ml_core::conformance_tests!(
    polynomial_features,
    transformer,
    || PolynomialFeatures::new().degree(3),
    small_poly_data()
);
ml_core::conformance_tests!(ridge_classifier, classifier, RidgeClassifier::new, {
    let ds = load_iris().unwrap();
    (ds.data, ds.target)
});

#[test]
fn extreme_sample_weights_are_refused_or_harmless() {
    let (x, y) = small_regression();
    ml_core::testing::check_extreme_weights_regressor(LinearRegression::new, x.as_ref(), &y);
    ml_core::testing::check_extreme_weights_regressor(Ridge::new, x.as_ref(), &y);
    ml_core::testing::check_extreme_weights_regressor(|| Lasso::new().alpha(0.1), x.as_ref(), &y);
    ml_core::testing::check_extreme_weights_regressor(
        || ElasticNet::new().alpha(0.01),
        x.as_ref(),
        &y,
    );
    let ds = load_iris().unwrap();
    ml_core::testing::check_extreme_weights_classifier(
        RidgeClassifier::new,
        ds.data.as_ref(),
        &ds.target,
    );
}

#[test]
fn counts_at_usize_max_are_refused_or_bounded() {
    use ml_core::testing::{Check, run_regressor, run_transformer};
    let (x, y) = small_regression();
    run_regressor(
        Check::FitsOrRefuses,
        || Lasso::new().alpha(0.1).max_iter(usize::MAX),
        x.as_ref(),
        &y,
    )
    .unwrap();
    run_regressor(
        Check::FitsOrRefuses,
        || ElasticNet::new().alpha(0.01).max_iter(usize::MAX),
        x.as_ref(),
        &y,
    )
    .unwrap();
    run_regressor(
        Check::FitsOrRefuses,
        || PolynomialRegression::new(usize::MAX),
        x.as_ref(),
        &y,
    )
    .unwrap();
    let x = small_poly_data();
    for make in [
        || PolynomialFeatures::new().degree(usize::MAX),
        || {
            PolynomialFeatures::new()
                .degree(usize::MAX)
                .interaction_only(true)
        },
        || PolynomialFeatures::new().degree(40),
    ] {
        run_transformer(Check::FitsOrRefuses, make, x.as_ref()).unwrap();
    }
}

fn data_strategy() -> impl Strategy<Value = (Mat<f64>, Vec<f64>)> {
    (6usize..30, 1usize..5).prop_flat_map(|(n, d)| {
        (
            proptest::collection::vec(-10.0f64..10.0, n * d),
            proptest::collection::vec(-10.0f64..10.0, n),
        )
            .prop_map(move |(xs, y)| (Mat::from_fn(n, d, |i, j| xs[i * d + j]), y))
    })
}

fn permuted(x: &Mat<f64>, y: &[f64], shift: usize) -> (Mat<f64>, Vec<f64>) {
    let n = x.nrows();
    let order: Vec<usize> = (0..n).map(|i| (i * 7 + shift) % n).collect();
    let mut seen = vec![false; n];
    let order: Vec<usize> = order
        .into_iter()
        .chain(0..n)
        .filter(|&i| !std::mem::replace(&mut seen[i], true))
        .collect();
    (
        Mat::from_fn(n, x.ncols(), |i, j| x[(order[i], j)]),
        order.iter().map(|&i| y[i]).collect(),
    )
}

/// Row `i` of `x` (and entry `i` of `y`) repeated `w[i]` times, for integer `w`.
fn repeat_rows<T: Clone>(x: &Mat<f64>, y: &[T], w: &[f64]) -> (Mat<f64>, Vec<T>) {
    let order: Vec<usize> = (0..x.nrows())
        .flat_map(|i| std::iter::repeat_n(i, w[i] as usize))
        .collect();
    (
        Mat::from_fn(order.len(), x.ncols(), |i, j| x[(order[i], j)]),
        order.iter().map(|&i| y[i].clone()).collect(),
    )
}

/// `max |a − b| ≤ tol · (1 + max |b|)`, for property tests.
fn near(a: &[f64], b: &[f64], tol: f64) -> bool {
    let scale = 1.0 + b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.len() == b.len() && a.iter().zip(b).all(|(u, v)| (u - v).abs() <= tol * scale)
}

/// One fit per estimator: its coefficients then its intercept, except for OLS, whose
/// predictions on the rows of interest stand in for the coefficients.
struct Fits {
    ols: Vec<f64>,
    ridge: Vec<f64>,
    lasso: Vec<f64>,
    enet: Vec<f64>,
}

fn with_intercept(coef: &[f64], b: f64) -> Vec<f64> {
    coef.iter().copied().chain([b]).collect()
}

fn cd() -> (Lasso, ElasticNet) {
    (
        Lasso::new().alpha(0.1).tol(1e-12).max_iter(100_000),
        ElasticNet::new()
            .alpha(0.1)
            .l1_ratio(0.5)
            .tol(1e-12)
            .max_iter(100_000),
    )
}

fn weighted_fits(x: &Mat<f64>, y: &[f64], w: &[f64], ridge_alpha: f64) -> Fits {
    let (lasso, enet) = cd();
    let o = LinearRegression::new()
        .fit_weighted(x.as_ref(), y, w)
        .unwrap();
    let r = Ridge::new()
        .alpha(ridge_alpha)
        .fit_weighted(x.as_ref(), y, w)
        .unwrap();
    let l = lasso.fit_weighted(x.as_ref(), y, w).unwrap();
    let e = enet.fit_weighted(x.as_ref(), y, w).unwrap();
    Fits {
        ols: with_intercept(&o.predict(x.as_ref()).unwrap(), o.intercept()),
        ridge: with_intercept(r.coef(), r.intercept()),
        lasso: with_intercept(l.coef(), l.intercept()),
        enet: with_intercept(e.coef(), e.intercept()),
    }
}

/// The unweighted fits, with OLS predicted on `x_eval` (the rows the weighted
/// fit predicts on), since its coefficients can be ill-determined on random data.
fn plain_fits(x: &Mat<f64>, y: &[f64], x_eval: &Mat<f64>, ridge_alpha: f64) -> Fits {
    let (lasso, enet) = cd();
    let o = LinearRegression::new().fit(x.as_ref(), y).unwrap();
    let r = Ridge::new().alpha(ridge_alpha).fit(x.as_ref(), y).unwrap();
    let l = lasso.fit(x.as_ref(), y).unwrap();
    let e = enet.fit(x.as_ref(), y).unwrap();
    Fits {
        ols: with_intercept(&o.predict(x_eval.as_ref()).unwrap(), o.intercept()),
        ridge: with_intercept(r.coef(), r.intercept()),
        lasso: with_intercept(l.coef(), l.intercept()),
        enet: with_intercept(e.coef(), e.intercept()),
    }
}

/// Weighted data: random `x`, `y` and integer weights in 0..4, at least one positive.
fn weighted_strategy() -> impl Strategy<Value = (Mat<f64>, Vec<f64>, Vec<f64>)> {
    data_strategy().prop_flat_map(|(x, y)| {
        let n = x.nrows();
        proptest::collection::vec(0u8..4, n).prop_map(move |w| {
            let mut w: Vec<f64> = w.into_iter().map(f64::from).collect();
            w[0] = w[0].max(1.0);
            (x.clone(), y.clone(), w)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn integer_weights_equal_repeated_rows((x, y, w) in weighted_strategy()) {
        // Too few distinct rows leave OLS underdetermined; its minimum-norm answer
        // then depends on how the rows are scaled.
        prop_assume!(w.iter().filter(|&&v| v > 0.0).count() > x.ncols() + 1);
        let (xr, yr) = repeat_rows(&x, &y, &w);
        let a = weighted_fits(&x, &y, &w, 1.0);
        let b = plain_fits(&xr, &yr, &x, 1.0);
        prop_assert!(near(&a.ols, &b.ols, 1e-8), "ols {:?} vs {:?}", a.ols, b.ols);
        prop_assert!(near(&a.ridge, &b.ridge, 1e-10), "ridge {:?} vs {:?}", a.ridge, b.ridge);
        prop_assert!(near(&a.lasso, &b.lasso, 1e-6), "lasso {:?} vs {:?}", a.lasso, b.lasso);
        prop_assert!(near(&a.enet, &b.enet, 1e-6), "enet {:?} vs {:?}", a.enet, b.enet);
    }

    #[test]
    fn unit_weights_equal_the_unweighted_fit((x, y) in data_strategy()) {
        let ones = vec![1.0; x.nrows()];
        let a = weighted_fits(&x, &y, &ones, 1.0);
        let b = plain_fits(&x, &y, &x, 1.0);
        prop_assert!(near(&a.ols, &b.ols, 1e-12), "ols {:?} vs {:?}", a.ols, b.ols);
        prop_assert!(near(&a.ridge, &b.ridge, 1e-12), "ridge {:?} vs {:?}", a.ridge, b.ridge);
        prop_assert!(near(&a.lasso, &b.lasso, 1e-12), "lasso {:?} vs {:?}", a.lasso, b.lasso);
        prop_assert!(near(&a.enet, &b.enet, 1e-12), "enet {:?} vs {:?}", a.enet, b.enet);
    }

    #[test]
    fn zero_weight_equals_dropping_the_row((x, y, w) in weighted_strategy(), drop_at in 0usize..30) {
        let n = x.nrows();
        let k = drop_at % n;
        let mut w: Vec<f64> = w.iter().map(|v| v + 0.5).collect();
        w[k] = 0.0;
        let keep: Vec<usize> = (0..n).filter(|&i| i != k).collect();
        let xd = Mat::from_fn(n - 1, x.ncols(), |i, j| x[(keep[i], j)]);
        let yd: Vec<f64> = keep.iter().map(|&i| y[i]).collect();
        let wd: Vec<f64> = keep.iter().map(|&i| w[i]).collect();
        let a = weighted_fits(&x, &y, &w, 1.0);
        let b = weighted_fits(&xd, &yd, &wd, 1.0);
        // The OLS entries are predictions on different rows; compare the intercepts.
        prop_assert!(near(&a.ols[n..], &b.ols[n - 1..], 1e-8), "ols {:?} vs {:?}", a.ols, b.ols);
        prop_assert!(near(&a.ridge, &b.ridge, 1e-10), "ridge {:?} vs {:?}", a.ridge, b.ridge);
        prop_assert!(near(&a.lasso, &b.lasso, 1e-6), "lasso {:?} vs {:?}", a.lasso, b.lasso);
        prop_assert!(near(&a.enet, &b.enet, 1e-6), "enet {:?} vs {:?}", a.enet, b.enet);
    }

    #[test]
    fn scaling_the_weights((x, y, w) in weighted_strategy(), c in 0.01f64..100.0) {
        // OLS, lasso and elastic net (weights normalised to sum to n) do not change;
        // ridge's α is not rescaled, so weights times c are α / c.
        let w: Vec<f64> = w.iter().map(|v| v + 0.25).collect();
        let scaled: Vec<f64> = w.iter().map(|v| v * c).collect();
        let a = weighted_fits(&x, &y, &scaled, 1.0);
        let b = weighted_fits(&x, &y, &w, 1.0 / c);
        prop_assert!(near(&a.ols, &b.ols, 1e-8), "ols {:?} vs {:?}", a.ols, b.ols);
        prop_assert!(near(&a.ridge, &b.ridge, 1e-9), "ridge {:?} vs {:?}", a.ridge, b.ridge);
        prop_assert!(near(&a.lasso, &b.lasso, 1e-6), "lasso {:?} vs {:?}", a.lasso, b.lasso);
        prop_assert!(near(&a.enet, &b.enet, 1e-6), "enet {:?} vs {:?}", a.enet, b.enet);
    }

    #[test]
    fn weighted_sparse_fits_equal_dense((x, y, w) in weighted_strategy()) {
        let w: Vec<f64> = w.iter().map(|v| v + 0.25).collect();
        let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
        let dense = LinearRegression::new().fit_weighted(x.as_ref(), &y, &w).unwrap();
        let sparse = LinearRegression::new().fit_weighted(&csr, &y, &w).unwrap();
        let (p, q) = (dense.predict(x.as_ref()).unwrap(), sparse.predict(x.as_ref()).unwrap());
        prop_assert!(near(&q, &p, 1e-7), "ols {:?} vs {:?}", q, p);
        let dense = Ridge::new().fit_weighted(x.as_ref(), &y, &w).unwrap();
        let sparse = Ridge::new().fit_weighted(&csr, &y, &w).unwrap();
        let (a, b) = (
            with_intercept(sparse.coef(), sparse.intercept()),
            with_intercept(dense.coef(), dense.intercept()),
        );
        prop_assert!(near(&a, &b, 1e-9), "ridge {:?} vs {:?}", a, b);
    }

    #[test]
    fn ols_residuals_are_orthogonal_to_the_columns((x, y) in data_strategy()) {
        let m = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
        let p = m.predict(x.as_ref()).unwrap();
        let r: Vec<f64> = y.iter().zip(&p).map(|(a, b)| a - b).collect();
        let scale = y.iter().map(|v| v.abs()).sum::<f64>().max(1.0) * 10.0 * x.nrows() as f64;
        // Residuals sum to zero (intercept) and are orthogonal to every column, up to
        // the columns dropped by the rank cutoff (none here: random data).
        prop_assert!(r.iter().sum::<f64>().abs() <= 1e-9 * scale);
        for j in 0..x.ncols() {
            let dot: f64 = (0..x.nrows()).map(|i| x[(i, j)] * r[i]).sum();
            prop_assert!(dot.abs() <= 1e-8 * scale, "column {} dot {}", j, dot);
        }
    }

    #[test]
    fn ridge_coefficients_shrink_as_alpha_grows((x, y) in data_strategy()) {
        let mut last = f64::INFINITY;
        for alpha in [0.0, 0.1, 1.0, 10.0, 100.0, 1e4] {
            let m = Ridge::new().alpha(alpha).fit(x.as_ref(), &y).unwrap();
            let norm = m.coef().iter().map(|c| c * c).sum::<f64>().sqrt();
            prop_assert!(norm <= last * (1.0 + 1e-9) + 1e-12, "alpha {}: {} > {}", alpha, norm, last);
            last = norm;
        }
    }

    #[test]
    fn fits_are_invariant_to_row_order((x, y) in data_strategy(), shift in 0usize..5) {
        let (xp, yp) = permuted(&x, &y, shift);
        let a = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
        let b = LinearRegression::new().fit(xp.as_ref(), &yp).unwrap();
        let pa = a.predict(x.as_ref()).unwrap();
        let pb = b.predict(x.as_ref()).unwrap();
        for (u, v) in pa.iter().zip(&pb) {
            prop_assert!((u - v).abs() <= 1e-7 * (1.0 + u.abs()));
        }
        let a = Ridge::new().fit(x.as_ref(), &y).unwrap();
        let b = Ridge::new().fit(xp.as_ref(), &yp).unwrap();
        for (u, v) in a.coef().iter().zip(b.coef()) {
            prop_assert!((u - v).abs() <= 1e-9 * (1.0 + u.abs()));
        }
        let a = Lasso::new().alpha(0.1).tol(1e-12).max_iter(100_000).fit(x.as_ref(), &y).unwrap();
        let b = Lasso::new().alpha(0.1).tol(1e-12).max_iter(100_000).fit(xp.as_ref(), &yp).unwrap();
        for (u, v) in a.coef().iter().zip(b.coef()) {
            prop_assert!((u - v).abs() <= 1e-6 * (1.0 + u.abs()));
        }
    }

    #[test]
    fn save_and_load_give_identical_predictions((x, y) in data_strategy()) {
        let m = ElasticNet::new().alpha(0.05).fit(x.as_ref(), &y).unwrap();
        let back: ml_supervised::ElasticNetModel =
            persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
        prop_assert_eq!(back.predict(x.as_ref()).unwrap(), m.predict(x.as_ref()).unwrap());
        let m = LinearRegression::new().fit(x.as_ref(), &y).unwrap();
        let back: ml_supervised::LinearRegressionModel =
            persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
        prop_assert_eq!(back.predict(x.as_ref()).unwrap(), m.predict(x.as_ref()).unwrap());
    }
}

#[test]
fn targets_near_the_float_limit_give_an_error_or_finite_predictions() {
    let (x, y) = small_regression();
    for scale in [1e300, -1e300, 1e-300] {
        let y: Vec<f64> = y.iter().map(|v| v * scale).collect();
        let fits: Vec<(&str, ml_core::Result<Vec<f64>>)> = vec![
            (
                "ols",
                LinearRegression::new()
                    .fit(x.as_ref(), &y)
                    .and_then(|m| m.predict(x.as_ref())),
            ),
            (
                "ridge",
                Ridge::new()
                    .fit(x.as_ref(), &y)
                    .and_then(|m| m.predict(x.as_ref())),
            ),
            (
                "lasso",
                Lasso::new()
                    .alpha(0.1)
                    .fit(x.as_ref(), &y)
                    .and_then(|m| m.predict(x.as_ref())),
            ),
        ];
        for (name, fit) in fits {
            if let Ok(p) = fit {
                assert!(
                    p.iter().all(|v| v.is_finite()),
                    "{name} at {scale:e}: non-finite prediction"
                );
            }
        }
    }
}
