//! Logistic regression against scikit-learn 1.9.1 (fixtures made by
//! `scripts/refdata/linear.py`), its invariants, bad input and the conformance kit.
//!
//! Both sides fit at `tol = 1e-10` on standardised data. scipy's L-BFGS-B stops on its
//! relative-decrease rule with a gradient near 1e-8, up to 3.5e-6 (relative) from the
//! optimum on breast cancer with `C = 10`; the fixtures therefore also hold the exact
//! optimum of the same objective (scikit-learn's answer polished by Newton steps).
//! Checked: coefficients within 1e-6 of that optimum (relative to the largest) and
//! within scikit-learn's own distance to it plus 1e-6 of scikit-learn's answer;
//! probabilities within 1e-6 of both; predictions identical to scikit-learn's.

use faer::Mat;
use ml_core::datasets::Dataset;
use ml_core::preprocessing::StandardScaler;
use ml_core::{Error, persist};
use ml_supervised::{ClassWeight, LogisticRegression, LogisticRegressionModel};
use proptest::prelude::*;

mod common;
use common::{dataset as load, floats, linear_fixtures as fixtures, matrix};

fn standardised(ds: &Dataset) -> Mat<f64> {
    StandardScaler::new()
        .fit(ds.data.as_ref())
        .unwrap()
        .transform(ds.data.as_ref())
        .unwrap()
}

#[test]
fn logistic_regression_matches_scikit_learn() {
    let f = fixtures();
    for case in f["logistic"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let ds = load(name);
        let shape = floats(&case["ident"]["shape"]);
        assert_eq!(ds.data.nrows(), shape[0] as usize);
        let sum: f64 = (0..ds.data.ncols())
            .map(|j| ds.data.col(j).iter().sum::<f64>())
            .sum();
        let ref_sum = case["ident"]["sum"].as_f64().unwrap();
        assert!(
            (sum - ref_sum).abs() <= 1e-9 * ref_sum.abs(),
            "{name} rows differ"
        );
        let x = standardised(&ds);
        let mut est = LogisticRegression::new()
            .c(case["C"].as_f64().unwrap())
            .fit_intercept(case["fit_intercept"].as_bool().unwrap())
            .tol(1e-10)
            .max_iter(10_000);
        if case["class_weight"].as_str() == Some("balanced") {
            est = est.class_weight(Some(ClassWeight::Balanced));
        }
        let model: LogisticRegressionModel<usize> = if case["sample_weight"].is_null() {
            est.fit(x.as_ref(), &ds.target).unwrap()
        } else {
            let sw: Vec<f64> = (0..x.nrows()).map(|i| 1.0 + (i % 3) as f64).collect();
            est.fit_weighted(x.as_ref(), &ds.target, &sw).unwrap()
        };
        let what = format!("{name} {case:.80}", case = case["C"]);
        assert!(model.converged(), "{what}: not converged");
        let opt = matrix(&case["coef_opt"]);
        let raw = matrix(&case["coef"]);
        assert_eq!(model.coef().nrows(), opt.nrows(), "{what}");
        let scale = opt.norm_max();
        let err = (model.coef() - &opt).norm_max();
        assert!(
            err <= 1e-6 * scale,
            "{what}: coef error {err:e} to the optimum (scale {scale})"
        );
        let theirs = case["sklearn_distance_to_opt"].as_f64().unwrap();
        let err_raw = (model.coef() - &raw).norm_max();
        assert!(
            err_raw <= (theirs + 1e-6) * scale,
            "{what}: coef error {err_raw:e} to scikit-learn's answer"
        );
        let b = floats(&case["intercept_opt"]);
        for (u, v) in model.intercept().iter().zip(&b) {
            assert!(
                (u - v).abs() <= 1e-6 * scale.max(1.0),
                "{what}: intercept {u} vs {v}"
            );
        }
        let proba = model.predict_proba(x.as_ref()).unwrap();
        for key in ["proba_opt", "proba"] {
            let perr = (&proba - &matrix(&case[key])).norm_max();
            assert!(perr <= 1e-6, "{what}: {key} error {perr:e}");
        }
        let expected: Vec<usize> = floats(&case["predict"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        assert_eq!(model.predict(x.as_ref()).unwrap(), expected, "{what}");
    }
}

#[test]
fn binary_uses_one_logit_for_the_second_class() {
    let ds = load("breast_cancer");
    let x = standardised(&ds);
    let labels: Vec<&str> = ds
        .target
        .iter()
        .map(|&t| if t == 1 { "benign" } else { "malignant" })
        .collect();
    let model = LogisticRegression::new().fit(x.as_ref(), &labels).unwrap();
    assert_eq!(model.classes(), &["benign", "malignant"]);
    assert_eq!(model.coef().nrows(), 1);
    let z = model.decision_function(x.as_ref()).unwrap();
    let p = model.predict_proba(x.as_ref()).unwrap();
    let lp = model.predict_log_proba(x.as_ref()).unwrap();
    for i in 0..x.nrows() {
        // A positive logit means the second class, "malignant".
        assert_eq!(z[(i, 0)] > 0.0, p[(i, 1)] > 0.5);
        assert!((lp[(i, 1)].exp() - p[(i, 1)]).abs() < 1e-12);
    }
}

#[test]
fn l1_solution_satisfies_the_optimality_conditions() {
    for name in ["breast_cancer", "wine"] {
        let ds = load(name);
        let x = standardised(&ds);
        let (c, rho) = (0.05, 1.0);
        let model = LogisticRegression::new()
            .c(c)
            .l1_ratio(rho)
            .tol(1e-8)
            .max_iter(20_000)
            .fit(x.as_ref(), &ds.target)
            .unwrap();
        assert!(model.converged(), "{name}: L1 fit did not converge");
        let coef = model.coef().to_owned();
        let zeros = coef
            .col_iter()
            .flat_map(|c| c.iter().copied().collect::<Vec<_>>())
            .filter(|v| *v == 0.0)
            .count();
        assert!(
            zeros > 0,
            "{name}: the L1 penalty should zero some coefficients"
        );
        // Gradient of the mean loss: Xᵀ(P − Y)/n; at the optimum it is −λ sign(w) on
        // non-zeros and within [−λ, λ] on zeros, λ = 1/(C n).
        let n = x.nrows() as f64;
        let lambda = 1.0 / (c * n);
        let p = model.predict_proba(x.as_ref()).unwrap();
        let k = coef.nrows();
        for r in 0..k {
            // The binary logit is the second class's.
            let class = if k == 1 { 1 } else { r };
            for j in 0..x.ncols() {
                let g: f64 = (0..x.nrows())
                    .map(|i| {
                        let y = if ds.target[i] == class { 1.0 } else { 0.0 };
                        x[(i, j)] * (p[(i, class)] - y)
                    })
                    .sum::<f64>()
                    / n;
                let w = coef[(r, j)];
                if w == 0.0 {
                    assert!(
                        g.abs() <= lambda * (1.0 + 1e-3),
                        "{name}: zero coef {j} has |g| {g} > {lambda}"
                    );
                } else {
                    assert!(
                        (g + lambda * w.signum()).abs() <= 1e-4 * lambda,
                        "{name}: coef {j}: g {g}, λ {lambda}"
                    );
                }
            }
        }
    }
}

#[test]
fn elastic_net_sits_between_l1_and_l2() {
    let ds = load("wine");
    let x = standardised(&ds);
    let nnz = |rho: f64| {
        let m = LogisticRegression::new()
            .c(0.1)
            .l1_ratio(rho)
            .tol(1e-8)
            .max_iter(20_000)
            .fit(x.as_ref(), &ds.target)
            .unwrap();
        assert!(m.converged());
        m.coef()
            .col_iter()
            .map(|c| c.iter().filter(|v| **v != 0.0).count())
            .sum::<usize>()
    };
    let (l2, enet, l1) = (nnz(0.0), nnz(0.5), nnz(1.0));
    assert!(
        l1 <= enet && enet <= l2,
        "non-zeros: l1 {l1}, enet {enet}, l2 {l2}"
    );
    assert!(l1 < l2);
}

#[test]
fn csr_input_gives_the_dense_model() {
    let ds = load("iris");
    let x = standardised(&ds);
    let est = LogisticRegression::new().tol(1e-10).max_iter(10_000);
    let dense = est.fit(x.as_ref(), &ds.target).unwrap();
    let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    let sparse = est.fit(&csr, &ds.target).unwrap();
    let err = (dense.coef() - sparse.coef()).norm_max();
    assert!(err < 1e-7, "dense vs CSR coef {err:e}");
    assert_eq!(
        dense.predict(x.as_ref()).unwrap(),
        sparse.predict(&csr).unwrap()
    );
    let perr =
        (dense.predict_proba(x.as_ref()).unwrap() - sparse.predict_proba(&csr).unwrap()).norm_max();
    assert!(perr < 1e-7);
}

#[test]
fn class_weights_equal_repeated_samples() {
    // Weighting class 0 by 2 is the same objective as listing its samples twice.
    let ds = load("iris");
    let x = standardised(&ds);
    let est = LogisticRegression::new().tol(1e-10).max_iter(10_000);
    let weighted = est
        .clone()
        .class_weight(Some(ClassWeight::PerClass(vec![2.0, 1.0, 1.0])))
        .fit(x.as_ref(), &ds.target)
        .unwrap();
    let sw: Vec<f64> = ds
        .target
        .iter()
        .map(|&t| if t == 0 { 2.0 } else { 1.0 })
        .collect();
    let by_samples = est.fit_weighted(x.as_ref(), &ds.target, &sw).unwrap();
    assert!((weighted.coef() - by_samples.coef()).norm_max() < 1e-7);
}

#[test]
fn bad_input_is_a_typed_error() {
    let ds = load("iris");
    let x = ds.data.as_ref();
    for c in [0.0, -1.0, f64::NAN] {
        assert!(matches!(
            LogisticRegression::new().c(c).fit(x, &ds.target),
            Err(Error::InvalidParameter { name: "c", .. })
        ));
    }
    for r in [-0.5, 1.01] {
        assert!(matches!(
            LogisticRegression::new().l1_ratio(r).fit(x, &ds.target),
            Err(Error::InvalidParameter {
                name: "l1_ratio",
                ..
            })
        ));
    }
    assert!(matches!(
        LogisticRegression::new().fit(x, &vec![0usize; x.nrows()]),
        Err(Error::TooFewClasses { needed: 2, got: 1 })
    ));
    assert!(matches!(
        LogisticRegression::new().fit(x, &ds.target[1..]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut bad = ds.data.clone();
    bad[(4, 2)] = f64::INFINITY;
    assert!(matches!(
        LogisticRegression::new().fit(bad.as_ref(), &ds.target),
        Err(Error::NonFinite { row: 4, col: 2, .. })
    ));
    assert!(matches!(
        LogisticRegression::new().fit(x.subrows(0, 0), &ds.target[..0]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        LogisticRegression::new()
            .class_weight(Some(ClassWeight::PerClass(vec![1.0, 2.0])))
            .fit(x, &ds.target),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        LogisticRegression::new().fit_weighted(x, &ds.target, &vec![-1.0; x.nrows()]),
        Err(Error::InvalidParameter { .. })
    ));
    // Unscaled iris hits max_iter: information, not an error.
    let m = LogisticRegression::new()
        .max_iter(5)
        .fit(x, &ds.target)
        .unwrap();
    assert!(!m.converged());
    assert_eq!(m.n_iter(), 5);
}

fn standardised_iris() -> (Mat<f64>, Vec<usize>) {
    let ds = load("iris");
    (standardised(&ds), ds.target)
}

fn standardised_breast_cancer() -> (Mat<f64>, Vec<usize>) {
    let ds = load("breast_cancer");
    (standardised(&ds), ds.target)
}

ml_core::conformance_tests!(
    logistic_multinomial,
    probabilistic_classifier,
    LogisticRegression::new,
    standardised_iris()
);
ml_core::conformance_tests!(
    logistic_binary,
    probabilistic_classifier,
    LogisticRegression::new,
    standardised_breast_cancer()
);
ml_core::conformance_tests!(
    logistic_l1,
    probabilistic_classifier,
    || LogisticRegression::new().l1_ratio(1.0).max_iter(500),
    standardised_iris()
);

#[test]
fn extreme_sample_weights_are_refused_or_harmless() {
    let (x, y) = standardised_iris();
    ml_core::testing::check_extreme_weights_classifier(LogisticRegression::new, x.as_ref(), &y);
    ml_core::testing::check_extreme_weights_classifier(
        || LogisticRegression::new().l1_ratio(1.0),
        x.as_ref(),
        &y,
    );
}

#[test]
fn max_iter_at_usize_max_is_bounded_by_convergence() {
    let (x, y) = standardised_iris();
    ml_core::testing::run_probabilistic_classifier(
        ml_core::testing::Check::FitsOrRefuses,
        || LogisticRegression::new().max_iter(usize::MAX),
        x.as_ref(),
        &y,
    )
    .unwrap();
}

#[test]
fn features_of_huge_magnitude_are_an_error_or_a_model_that_moved() {
    // At 1e19 and beyond the loss is evaluated far from its well-conditioned range;
    // the fit must not return the all-zero starting point as if it had converged.
    let (x, y) = standardised_breast_cancer();
    for scale in [1e19, 1e154, 1e300] {
        let big = Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] * scale);
        match LogisticRegression::new().fit(big.as_ref(), &y) {
            Err(_) => {}
            Ok(model) => {
                let c = model.coef();
                let moved = (0..c.nrows()).any(|i| (0..c.ncols()).any(|j| c[(i, j)] != 0.0));
                assert!(moved, "scale {scale}: the fit returned its all-zero start");
            }
        }
    }
}

fn classification_strategy() -> impl Strategy<Value = (Mat<f64>, Vec<usize>)> {
    (8usize..40, 1usize..4, 2usize..5).prop_flat_map(|(n, d, k)| {
        (
            proptest::collection::vec(-3.0f64..3.0, n * d),
            proptest::collection::vec(0usize..k, n),
        )
            .prop_map(move |(xs, mut y)| {
                // Every class present at least once.
                for (c, label) in y.iter_mut().enumerate().take(k) {
                    *label = c;
                }
                (Mat::from_fn(n, d, |i, j| xs[i * d + j]), y)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn probabilities_are_distributions((x, y) in classification_strategy(), rho in 0.0f64..1.0) {
        let m = LogisticRegression::new().l1_ratio(rho).fit(x.as_ref(), &y).unwrap();
        let p = m.predict_proba(x.as_ref()).unwrap();
        for i in 0..p.nrows() {
            let mut s = 0.0;
            for c in 0..p.ncols() {
                prop_assert!((0.0..=1.0).contains(&p[(i, c)]));
                s += p[(i, c)];
            }
            prop_assert!((s - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn fit_is_invariant_to_row_order((x, y) in classification_strategy(), shift in 1usize..7) {
        let n = x.nrows();
        let order: Vec<usize> = (0..n).map(|i| (i + shift) % n).collect();
        let xp = Mat::from_fn(n, x.ncols(), |i, j| x[(order[i], j)]);
        let yp: Vec<usize> = order.iter().map(|&i| y[i]).collect();
        let est = LogisticRegression::new().tol(1e-10).max_iter(5000);
        let a = est.fit(x.as_ref(), &y).unwrap();
        let b = est.fit(xp.as_ref(), &yp).unwrap();
        let err = (a.coef() - b.coef()).norm_max();
        prop_assert!(err <= 1e-6 * (1.0 + a.coef().norm_max()), "coef differ by {}", err);
    }

    #[test]
    fn save_and_load_give_identical_predictions((x, y) in classification_strategy()) {
        let m = LogisticRegression::new().fit(x.as_ref(), &y).unwrap();
        let back: LogisticRegressionModel<usize> =
            persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
        prop_assert_eq!(back.predict(x.as_ref()).unwrap(), m.predict(x.as_ref()).unwrap());
        prop_assert_eq!(back.predict_proba(x.as_ref()).unwrap(), m.predict_proba(x.as_ref()).unwrap());
    }
}
