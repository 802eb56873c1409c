//! Histogram gradient boosting: parity with scikit-learn 1.9.1 (bins, baselines, the
//! first trees node for node, raw predictions, early-stopping scores), cross-validated
//! scores, properties and the conformance battery.

use faer::Mat;
use ml_core::datasets::load_digits;
use ml_core::model_selection::{KFold, TestSize, cross_val_score, cross_val_score_r2};
use ml_core::persist;
use ml_supervised::ClassWeight;
use ml_supervised::ensemble::{
    BoostedTree, EarlyStopping, HistGradientBoostingClassifier, HistGradientBoostingRegressor,
    HistRegressionLoss, InteractionConstraints,
};
use proptest::prelude::*;
use serde_json::Value;

mod common;

use common::{data, dataset, floats, usizes, weights};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("data/hgb.json")).expect("valid fixture JSON")
}

/// The settings of a fixture entry applied to either estimator.
macro_rules! configure {
    ($est:expr, $p:expr) => {{
        let p = $p;
        let mut e = $est.seed(p["random_state"].as_u64().unwrap_or(0));
        if let Some(v) = p["max_iter"].as_u64() {
            e = e.max_iter(v as usize);
        }
        e = e.early_stopping(match p["early_stopping"].as_bool() {
            Some(true) => EarlyStopping::On,
            Some(false) => EarlyStopping::Off,
            None => EarlyStopping::Auto,
        });
        if let Some(v) = p["l2_regularization"].as_f64() {
            e = e.l2_regularization(v);
        }
        if let Some(v) = p["max_depth"].as_u64() {
            e = e.max_depth(Some(v as usize));
        }
        if let Some(v) = p["min_samples_leaf"].as_u64() {
            e = e.min_samples_leaf(v as usize);
        }
        if let Some(v) = p["max_leaf_nodes"].as_u64() {
            e = e.max_leaf_nodes(Some(v as usize));
        }
        if let Some(v) = p["max_bins"].as_u64() {
            e = e.max_bins(v as usize);
        }
        if let Some(v) = p["learning_rate"].as_f64() {
            e = e.learning_rate(v);
        }
        if let Some(v) = p["n_iter_no_change"].as_u64() {
            e = e.n_iter_no_change(v as usize);
        }
        if let Some(v) = p["tol"].as_f64() {
            e = e.tol(v);
        }
        if p.get("validation_fraction").is_some() {
            e = e.validation_fraction(p["validation_fraction"].as_f64().map(TestSize::Fraction));
        }
        if p["monotonic_cst"].is_array() {
            let m = p["monotonic_cst"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap() as i8)
                .collect();
            e = e.monotonic_cst(Some(m));
        }
        match &p["interaction_cst"] {
            Value::String(s) if s == "pairwise" => {
                e = e.interaction_cst(Some(InteractionConstraints::Pairwise));
            }
            Value::Array(groups) => {
                let groups = groups.iter().map(usizes).collect();
                e = e.interaction_cst(Some(InteractionConstraints::Groups(groups)));
            }
            _ => {}
        }
        if p["categorical_features"].is_array() {
            e = e.categorical_features(usizes(&p["categorical_features"]));
        }
        e
    }};
}

fn regression_loss(p: &Value) -> HistRegressionLoss {
    match p["loss"].as_str() {
        None | Some("squared_error") => HistRegressionLoss::SquaredError,
        Some("absolute_error") => HistRegressionLoss::AbsoluteError,
        Some("poisson") => HistRegressionLoss::Poisson,
        Some("gamma") => HistRegressionLoss::Gamma,
        Some("quantile") => HistRegressionLoss::Quantile(p["quantile"].as_f64().unwrap()),
        Some(other) => panic!("unknown loss {other}"),
    }
}

/// The fixture's data: a named data set or the embedded one, with its NaN cells.
fn case_data(case: &Value) -> (Mat<f64>, Vec<f64>) {
    let (mut x, y) = if case["X"].is_array() {
        let rows = case["X"].as_array().unwrap();
        let d = rows[0].as_array().unwrap().len();
        let x = Mat::from_fn(rows.len(), d, |i, j| {
            rows[i][j].as_f64().unwrap_or(f64::NAN)
        });
        (x, floats(&case["y"]))
    } else {
        data(case["dataset"].as_str().unwrap())
    };
    if case["missing"].is_array() {
        let d = x.ncols();
        for flat in usizes(&case["missing"]) {
            x[(flat / d, flat % d)] = f64::NAN;
        }
    }
    (x, y)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a == b) || (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// Node-for-node equality with a scikit-learn predictor's arrays.
fn assert_tree_equal(what: &str, tree: &BoostedTree, want: &Value) {
    let nodes = tree.nodes();
    let values = floats(&want["value"]);
    assert_eq!(nodes.len(), values.len(), "{what}: node count");
    for (i, node) in nodes.iter().enumerate() {
        let at = format!("{what} node {i}");
        assert!(
            close(node.value, values[i], 1e-9),
            "{at}: value {} vs {}",
            node.value,
            values[i]
        );
        assert_eq!(
            node.count as u64,
            want["count"][i].as_u64().unwrap(),
            "{at}: count"
        );
        let leaf = want["is_leaf"][i]
            .as_bool()
            .unwrap_or_else(|| want["is_leaf"][i].as_u64().unwrap() == 1);
        assert_eq!(node.split.is_none(), leaf, "{at}: leaf");
        if let Some(s) = &node.split {
            assert_eq!(
                s.feature as u64,
                want["feature_idx"][i].as_u64().unwrap(),
                "{at}: feature"
            );
            assert_eq!(
                s.left as u64,
                want["left"][i].as_u64().unwrap(),
                "{at}: left"
            );
            assert_eq!(
                s.right as u64,
                want["right"][i].as_u64().unwrap(),
                "{at}: right"
            );
            let mgl = want["missing_go_to_left"][i]
                .as_bool()
                .unwrap_or_else(|| want["missing_go_to_left"][i].as_u64().unwrap() == 1);
            assert_eq!(s.missing_go_to_left, mgl, "{at}: missing_go_to_left");
            let categorical = want["is_categorical"][i]
                .as_bool()
                .unwrap_or_else(|| want["is_categorical"][i].as_u64().unwrap() == 1);
            if !categorical {
                let t = want["num_threshold"][i].as_f64().unwrap_or(f64::INFINITY);
                assert!(
                    close(s.threshold, t, 1e-14),
                    "{at}: threshold {} vs {t}",
                    s.threshold
                );
            }
            let gain = want["gain"][i].as_f64().unwrap();
            assert!(
                close(node.gain, gain, 1e-7),
                "{at}: gain {} vs {gain}",
                node.gain
            );
        }
    }
}

/// What the parity test compares of a fitted model.
struct Outcome {
    trees: Vec<Vec<BoostedTree>>,
    raw: Mat<f64>,
    baseline: Vec<f64>,
    n_iter: usize,
    train_score: Vec<f64>,
    validation_score: Vec<f64>,
    thresholds: Vec<Option<Vec<f64>>>,
}

#[test]
fn boosting_equals_scikit_learn_tree_for_tree() {
    let f = fixtures();
    for case in f["fits"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let p = &case["params"];
        let (x, y) = case_data(case);
        let sw = (case["sample_weight"].as_str() == Some("1+i%3")).then(|| weights(x.nrows()));
        let classifier = case["kind"] == "classifier";
        // The same fitted figures of either model.
        macro_rules! outcome {
            ($m:expr) => {{
                let m = $m.unwrap_or_else(|e| panic!("{name}: {e}"));
                Outcome {
                    trees: m.trees().to_vec(),
                    raw: m.raw_predict(x.as_ref()).unwrap(),
                    baseline: m.baseline().to_vec(),
                    n_iter: m.n_iter(),
                    train_score: m.train_score().to_vec(),
                    validation_score: m.validation_score().to_vec(),
                    thresholds: (0..x.ncols())
                        .map(|c| m.bin_thresholds(c).map(<[f64]>::to_vec))
                        .collect(),
                }
            }};
        }
        let Outcome {
            trees,
            raw,
            baseline,
            n_iter,
            train_score,
            validation_score,
            thresholds,
        } = if classifier {
            let labels: Vec<i64> = y.iter().map(|&v| v as i64).collect();
            let est = configure!(HistGradientBoostingClassifier::new(), p);
            outcome!(match &sw {
                Some(w) => est.fit_weighted(x.as_ref(), &labels, w),
                None => est.fit(x.as_ref(), &labels),
            })
        } else {
            let est = configure!(
                HistGradientBoostingRegressor::new().loss(regression_loss(p)),
                p
            );
            outcome!(match &sw {
                Some(w) => est.fit_weighted(x.as_ref(), &y, w),
                None => est.fit(x.as_ref(), &y),
            })
        };
        if case["split_differs"] == true {
            // The early-stopping split draws other rows than scikit-learn's.
            assert!(n_iter > 5, "{name}: stopped after {n_iter} iterations");
            continue;
        }
        // Bins.
        for (c, want) in case["bin_thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let got = thresholds[c].as_ref().unwrap();
            let want = floats(want);
            assert_eq!(got.len(), want.len(), "{name}: thresholds of column {c}");
            // ml-core's scaled diabetes differs from scikit-learn's in the last bits.
            for (a, b) in got.iter().zip(&want) {
                assert!(
                    close(*a, *b, 1e-14),
                    "{name}: column {c} threshold {a} vs {b}"
                );
            }
        }
        let want_baseline = floats(&case["baseline"]);
        for (a, b) in baseline.iter().zip(&want_baseline) {
            assert!(close(*a, *b, 1e-14), "{name}: baseline {a} vs {b}");
        }
        assert_eq!(
            n_iter as u64,
            case["n_iter"].as_u64().unwrap(),
            "{name}: n_iter"
        );
        for (it, per_class) in case["trees"].as_array().unwrap().iter().enumerate() {
            for (k, want) in per_class.as_array().unwrap().iter().enumerate() {
                assert_tree_equal(
                    &format!("{name} iteration {it} tree {k}"),
                    &trees[it][k],
                    want,
                );
            }
        }
        let want_raw = floats(&case["raw_predict"]);
        let k = raw.ncols();
        for i in 0..raw.nrows() {
            for c in 0..k {
                let (a, b) = (raw[(i, c)], want_raw[i * k + c]);
                assert!(
                    close(a, b, 1e-9),
                    "{name}: raw prediction ({i}, {c}) {a} vs {b}"
                );
            }
        }
        for (got, key) in [
            (&train_score, "train_score"),
            (&validation_score, "validation_score"),
        ] {
            let want = floats(&case[key]);
            assert_eq!(got.len(), want.len(), "{name}: {key} length");
            for (a, b) in got.iter().zip(&want) {
                assert!(close(*a, *b, 1e-9), "{name}: {key} {a} vs {b}");
            }
        }
    }
}

#[test]
fn cross_validated_scores_match_scikit_learn() {
    let f = fixtures();
    for case in f["cv"].as_array().unwrap() {
        let name = case["dataset"].as_str().unwrap();
        let want = floats(&case["scores"]);
        let mean_want = want.iter().sum::<f64>() / want.len() as f64;
        let got = if case["kind"] == "classifier" {
            let (x, labels) = if name == "digits" {
                let ds = load_digits().unwrap();
                (ds.data, ds.target)
            } else {
                let ds = dataset(name);
                (ds.data, ds.target)
            };
            let folds = KFold::new().split(x.nrows()).unwrap();
            cross_val_score(
                &HistGradientBoostingClassifier::new(),
                x.as_ref(),
                &labels,
                &folds,
            )
            .unwrap()
        } else {
            let (x, y) = data(name);
            let folds = KFold::new().split(x.nrows()).unwrap();
            cross_val_score_r2(
                &HistGradientBoostingRegressor::new(),
                x.as_ref(),
                &y,
                &folds,
            )
            .unwrap()
        };
        let mean_got = got.iter().sum::<f64>() / got.len() as f64;
        assert!(
            (mean_got - mean_want).abs() <= 0.01,
            "{name}: mean score {mean_got} vs {mean_want}"
        );
    }
}

#[test]
fn zero_iterations_predict_the_baseline() {
    let (x, y) = data("diabetes");
    let m = HistGradientBoostingRegressor::new()
        .max_iter(0)
        .fit(x.as_ref(), &y)
        .unwrap();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    assert_eq!(m.n_iter(), 0);
    for p in m.predict(x.as_ref()).unwrap() {
        assert!((p - mean).abs() < 1e-9);
    }
    let ds = dataset("iris");
    let m = HistGradientBoostingClassifier::new()
        .max_iter(0)
        .fit(ds.data.as_ref(), &ds.target)
        .unwrap();
    let proba = m.predict_proba(ds.data.as_ref()).unwrap();
    for i in 0..proba.nrows() {
        for c in 0..3 {
            assert!((proba[(i, c)] - 1.0 / 3.0).abs() < 1e-12);
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_model_on_one_and_two_threads() {
    let ds = dataset("breast_cancer");
    let est = HistGradientBoostingClassifier::new()
        .max_iter(20)
        .max_features(0.5)
        .early_stopping(EarlyStopping::On)
        .seed(3);
    let fit = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| est.fit(ds.data.as_ref(), &ds.target).unwrap())
    };
    assert_eq!(fit(1), fit(2));
}

#[test]
fn staged_predictions_end_at_the_predictions() {
    let (x, y) = data("diabetes");
    let m = HistGradientBoostingRegressor::new()
        .max_iter(15)
        .fit(x.as_ref(), &y)
        .unwrap();
    let staged: Vec<Vec<f64>> = m.staged_predict(x.as_ref()).unwrap().collect();
    assert_eq!(staged.len(), 15);
    let last = m.predict(x.as_ref()).unwrap();
    for (a, b) in staged[14].iter().zip(&last) {
        assert!((a - b).abs() < 1e-9);
    }
    let ds = dataset("wine");
    let m = HistGradientBoostingClassifier::new()
        .max_iter(5)
        .fit(ds.data.as_ref(), &ds.target)
        .unwrap();
    let staged: Vec<Vec<usize>> = m.staged_predict(ds.data.as_ref()).unwrap().collect();
    assert_eq!(
        staged.last().unwrap(),
        &m.predict(ds.data.as_ref()).unwrap()
    );
}

#[test]
fn early_stopping_scores_every_iteration_and_stops() {
    let ds = load_digits().unwrap();
    let m = HistGradientBoostingClassifier::new()
        .early_stopping(EarlyStopping::On)
        .n_iter_no_change(3)
        .tol(1e-3)
        .max_iter(300)
        .fit(ds.data.as_ref(), &ds.target)
        .unwrap();
    assert!(m.n_iter() < 300);
    assert_eq!(m.train_score().len(), m.n_iter() + 1);
    assert_eq!(m.validation_score().len(), m.n_iter() + 1);
}

#[test]
fn bad_settings_and_data_are_typed_errors() {
    use ml_core::Error;
    let ds = dataset("iris");
    let (x, y) = (ds.data.as_ref(), &ds.target);
    let e = |est: HistGradientBoostingClassifier| est.fit(x, y).unwrap_err();
    assert!(matches!(
        e(HistGradientBoostingClassifier::new().max_bins(256)),
        Error::InvalidParameter {
            name: "max_bins",
            ..
        }
    ));
    assert!(matches!(
        e(HistGradientBoostingClassifier::new().max_bins(1)),
        Error::InvalidParameter {
            name: "max_bins",
            ..
        }
    ));
    assert!(matches!(
        e(HistGradientBoostingClassifier::new().learning_rate(0.0)),
        Error::InvalidParameter {
            name: "learning_rate",
            ..
        }
    ));
    assert!(matches!(
        e(HistGradientBoostingClassifier::new().max_features(1.5)),
        Error::InvalidParameter {
            name: "max_features",
            ..
        }
    ));
    assert!(matches!(
        e(HistGradientBoostingClassifier::new().categorical_features(vec![9])),
        Error::InvalidParameter {
            name: "categorical_features",
            ..
        }
    ));
    assert!(matches!(
        e(HistGradientBoostingClassifier::new().monotonic_cst(Some(vec![1, 0, 0, 0]))),
        Error::InvalidParameter {
            name: "monotonic_cst",
            ..
        }
    ));
    assert!(matches!(
        e(HistGradientBoostingClassifier::new()
            .class_weight(Some(ClassWeight::PerClass(vec![0.0; 3])))),
        Error::InvalidParameter {
            name: "class_weight",
            ..
        }
    ));
    let one_class = vec![0usize; x.nrows()];
    assert!(matches!(
        HistGradientBoostingClassifier::new().fit(x, &one_class),
        Err(Error::TooFewClasses { .. })
    ));
    // A categorical column with more categories than bins.
    let wide = Mat::from_fn(300, 1, |i, _| i as f64);
    let labels: Vec<usize> = (0..300).map(|i| i % 2).collect();
    assert!(matches!(
        HistGradientBoostingClassifier::new()
            .categorical_features(vec![0])
            .fit(wide.as_ref(), &labels),
        Err(Error::InvalidData { .. })
    ));
    let (xd, mut yd) = data("diabetes");
    assert!(matches!(
        HistGradientBoostingRegressor::new()
            .loss(HistRegressionLoss::Gamma)
            .fit(xd.as_ref(), &{
                let mut z = yd.clone();
                z[0] = 0.0;
                z
            }),
        Err(Error::InvalidData { .. })
    ));
    assert!(matches!(
        HistGradientBoostingRegressor::new()
            .loss(HistRegressionLoss::Quantile(1.0))
            .fit(xd.as_ref(), &yd),
        Err(Error::InvalidParameter { .. })
    ));
    yd[3] = f64::NAN;
    assert!(
        HistGradientBoostingRegressor::new()
            .fit(xd.as_ref(), &yd)
            .is_err()
    );
}

#[test]
fn extreme_sample_weights_are_refused_or_harmless() {
    let ds = dataset("iris");
    ml_core::testing::check_extreme_weights_classifier(
        || HistGradientBoostingClassifier::new().max_iter(5),
        ds.data.as_ref(),
        &ds.target,
    );
    let (x, y) = data("diabetes");
    ml_core::testing::check_extreme_weights_regressor(
        || HistGradientBoostingRegressor::new().max_iter(5),
        x.as_ref(),
        &y,
    );
}

#[test]
fn counts_at_usize_max_are_refused_or_bounded() {
    use ml_core::testing::{Check, run_regressor};
    let (x, y) = data("diabetes");
    fn few() -> HistGradientBoostingRegressor {
        HistGradientBoostingRegressor::new().max_iter(3)
    }
    let makes: [fn() -> HistGradientBoostingRegressor; 8] = [
        || HistGradientBoostingRegressor::new().max_iter(usize::MAX),
        || few().max_leaf_nodes(Some(usize::MAX)),
        || few().max_depth(Some(usize::MAX)),
        || few().min_samples_leaf(usize::MAX),
        || few().max_bins(usize::MAX),
        || {
            few()
                .n_iter_no_change(usize::MAX)
                .early_stopping(EarlyStopping::On)
        },
        || few().categorical_features(vec![usize::MAX]),
        || {
            few()
                .validation_fraction(Some(TestSize::Count(usize::MAX)))
                .early_stopping(EarlyStopping::On)
        },
    ];
    for make in makes {
        run_regressor(Check::FitsOrRefuses, make, x.as_ref(), &y).unwrap();
    }
}

#[test]
fn models_survive_a_save_and_load() {
    let ds = dataset("wine");
    let m = HistGradientBoostingClassifier::new()
        .max_iter(10)
        .fit(ds.data.as_ref(), &ds.target)
        .unwrap();
    let back: ml_supervised::ensemble::HistGradientBoostingClassifierModel<usize> =
        persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
    assert_eq!(back, m);
    let (x, y) = data("diabetes");
    let m = HistGradientBoostingRegressor::new()
        .max_iter(10)
        .fit(x.as_ref(), &y)
        .unwrap();
    let back: ml_supervised::ensemble::HistGradientBoostingRegressorModel =
        persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
    assert_eq!(
        back.predict(x.as_ref()).unwrap(),
        m.predict(x.as_ref()).unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn monotonic_constraints_hold_on_random_inputs(seed in 0u64..1000, sign in prop::sample::select(vec![-1i8, 1])) {
        // A target that falls and rises in column 0, plus noise from column 1.
        let n = 300;
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let x = Mat::from_fn(n, 2, |_, _| next() * 4.0 - 2.0);
        let y: Vec<f64> = (0..n).map(|i| (3.0 * x[(i, 0)]).sin() + x[(i, 1)] + 0.3 * next()).collect();
        let m = HistGradientBoostingRegressor::new()
            .max_iter(30)
            .min_samples_leaf(5)
            .monotonic_cst(Some(vec![sign, 0]))
            .fit(x.as_ref(), &y)
            .unwrap();
        let grid = Mat::from_fn(41, 2, |i, j| if j == 0 { -2.0 + 0.1 * i as f64 } else { next() * 4.0 - 2.0 });
        // The same second column on every row, so only column 0 moves.
        let fixed = grid[(0, 1)];
        let grid = Mat::from_fn(41, 2, |i, j| if j == 0 { grid[(i, 0)] } else { fixed });
        let p = m.predict(grid.as_ref()).unwrap();
        for w in p.windows(2) {
            if sign > 0 {
                prop_assert!(w[1] >= w[0] - 1e-12);
            } else {
                prop_assert!(w[1] <= w[0] + 1e-12);
            }
        }
    }

    #[test]
    fn probabilities_sum_to_one((x, y) in common::distinct_rows(), seed in 0u64..50) {
        prop_assume!(y.iter().any(|&c| c != y[0]));
        let m = HistGradientBoostingClassifier::new().max_iter(5).min_samples_leaf(1).seed(seed).fit(x.as_ref(), &y).unwrap();
        let p = m.predict_proba(x.as_ref()).unwrap();
        for i in 0..p.nrows() {
            let s: f64 = (0..p.ncols()).map(|c| p[(i, c)]).sum();
            prop_assert!((s - 1.0).abs() < 1e-12);
        }
    }
}

ml_core::conformance_tests!(
    hist_gradient_boosting_classifier,
    probabilistic_classifier_accepting_missing,
    || HistGradientBoostingClassifier::new().max_iter(10),
    {
        let ds = dataset("iris");
        (ds.data, ds.target)
    }
);
ml_core::conformance_tests!(
    hist_gradient_boosting_regressor,
    regressor_accepting_missing,
    || HistGradientBoostingRegressor::new().max_iter(10),
    data("diabetes")
);
