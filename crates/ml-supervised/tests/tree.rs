//! CART trees: node-for-node parity with scikit-learn 1.9.1 (same seeds, ties
//! included; with fractional class weights, agreement of the training predictions),
//! cross-validated accuracy, text export, properties and the conformance battery.

use faer::Mat;
use ml_core::datasets::load_digits;
use ml_core::persist;
use ml_supervised::ClassWeight;
use ml_supervised::tree::{
    ClassificationCriterion, DecisionTreeClassifier, DecisionTreeClassifierModel,
    DecisionTreeRegressor, MaxFeatures, RegressionCriterion, Tree, TreeSplitter,
};
use proptest::prelude::*;
use serde_json::Value;

mod common;

use common::{data, dataset, distinct_rows, floats, usizes};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("data/tree.json")).expect("valid fixture JSON")
}

/// The estimator settings of a fixture entry, applied through `set`.
macro_rules! configure {
    ($est:expr, $params:expr, $seed:expr) => {{
        let p = $params;
        let mut e = $est.seed($seed);
        if let Some(d) = p["max_depth"].as_u64() {
            e = e.max_depth(Some(d as usize));
        }
        if let Some(m) = p["min_samples_leaf"].as_u64() {
            e = e.min_samples_leaf(m as usize);
        }
        if let Some(m) = p["max_leaf_nodes"].as_u64() {
            e = e.max_leaf_nodes(Some(m as usize));
        }
        if let Some(m) = p["min_impurity_decrease"].as_f64() {
            e = e.min_impurity_decrease(m);
        }
        if p["splitter"] == "random" {
            e = e.splitter(TreeSplitter::Random);
        }
        match &p["max_features"] {
            Value::String(s) if s == "sqrt" => e = e.max_features(MaxFeatures::Sqrt),
            Value::Number(f) => e = e.max_features(MaxFeatures::Fraction(f.as_f64().unwrap())),
            _ => {}
        }
        e
    }};
}

fn assert_same_tree(tree: &Tree, want: &Value, what: &str) {
    let left = &want["children_left"];
    let n = left.as_array().unwrap().len();
    assert_eq!(tree.nodes().len(), n, "{what}: node count");
    let thresholds: Vec<f64> = want["threshold"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap_or(f64::INFINITY))
        .collect();
    let impurities = floats(&want["impurity"]);
    let weighted = floats(&want["weighted_n_node_samples"]);
    for (id, node) in tree.nodes().iter().enumerate() {
        let l = want["children_left"][id].as_i64().unwrap();
        match node.split {
            None => assert_eq!(l, -1, "{what}: node {id} is a leaf here, a split there"),
            Some(s) => {
                assert_eq!(s.left as i64, l, "{what}: node {id} left child");
                assert_eq!(s.right as i64, want["children_right"][id].as_i64().unwrap());
                assert_eq!(
                    s.feature as i64,
                    want["feature"][id].as_i64().unwrap(),
                    "{what}: node {id} feature"
                );
                assert_eq!(
                    s.missing_go_to_left,
                    want["missing_go_to_left"][id].as_bool().unwrap(),
                    "{what}: node {id} missing_go_to_left"
                );
                assert_eq!(
                    s.threshold.to_bits(),
                    thresholds[id].to_bits(),
                    "{what}: node {id} threshold"
                );
            }
        }
        assert_eq!(
            node.n_samples as u64,
            want["n_node_samples"][id].as_u64().unwrap()
        );
        assert!((node.weighted_n_samples - weighted[id]).abs() <= 1e-9 * weighted[id].max(1.0));
        let scale = impurities[id].abs().max(1.0);
        assert!(
            (node.impurity - impurities[id]).abs() <= 1e-9 * scale,
            "{what}: node {id} impurity {} against {}",
            node.impurity,
            impurities[id]
        );
        let want_value = floats(&want["value"][id]);
        let got = tree.value(id).unwrap();
        for (a, b) in got.iter().zip(&want_value) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{what}: node {id} value"
            );
        }
    }
}

#[test]
fn trees_equal_scikit_learn_node_for_node() {
    let f = fixtures();
    for case in f["trees"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let params = &case["params"];
        let seed = case["seed"].as_u64().unwrap();
        let what = format!("{} {name} {params} seed {seed}", case["kind"]);
        let (clean, y) = data(name);
        let with_nan = |key: &str| {
            let mut m = clean.clone();
            for flat in common::usizes(&case[key]) {
                let d = m.ncols();
                m[(flat / d, flat % d)] = f64::NAN;
            }
            m
        };
        let missing = case["missing_train"].is_array();
        let x = if missing {
            with_nan("missing_train")
        } else {
            clean.clone()
        };
        let weights: Option<Vec<f64>> = params["weighted"]
            .as_bool()
            .filter(|&w| w)
            .map(|_| (0..y.len()).map(|i| 1.0 + (i % 3) as f64).collect());
        let (tree, predict): (Tree, Vec<f64>) = if case["kind"] == "classifier" {
            let criterion = match params["criterion"].as_str() {
                Some("entropy") => ClassificationCriterion::Entropy,
                _ => ClassificationCriterion::Gini,
            };
            let mut est = configure!(
                DecisionTreeClassifier::new().criterion(criterion),
                params,
                seed
            );
            if params["class_weight"] == "balanced" {
                est = est.class_weight(Some(ClassWeight::Balanced));
            }
            let labels: Vec<usize> = y.iter().map(|&v| v as usize).collect();
            let model: DecisionTreeClassifierModel<usize> = match &weights {
                Some(w) => est.fit_weighted(x.as_ref(), &labels, w),
                None => est.fit(x.as_ref(), &labels),
            }
            .unwrap();
            let p = model.predict(x.as_ref()).unwrap();
            if missing {
                let p = model.predict(with_nan("missing_predict").as_ref()).unwrap();
                let want = usizes(&case["predict_missing"]);
                assert_eq!(p, want, "{what}: predictions with missing values");
            }
            (model.tree().clone(), p.iter().map(|&c| c as f64).collect())
        } else {
            let criterion = match params["criterion"].as_str() {
                Some("absolute_error") => RegressionCriterion::AbsoluteError,
                Some("poisson") => RegressionCriterion::Poisson,
                _ => RegressionCriterion::SquaredError,
            };
            let est = configure!(
                DecisionTreeRegressor::new().criterion(criterion),
                params,
                seed
            );
            if params["outputs"] == 2 {
                // The diabetes target and (target mod 50) + 1.
                let outputs =
                    Mat::from_fn(
                        y.len(),
                        2,
                        |i, k| {
                            if k == 0 { y[i] } else { y[i] % 50.0 + 1.0 }
                        },
                    );
                let model = est.fit_outputs(x.as_ref(), outputs.as_ref()).unwrap();
                assert_eq!(model.n_outputs(), 2);
                assert!(model.predict(x.as_ref()).is_err());
                let check = |p: Mat<f64>, want: &Value, what: &str| {
                    for (i, row) in want.as_array().unwrap().iter().enumerate() {
                        for (k, b) in floats(row).into_iter().enumerate() {
                            let a = p[(i, k)];
                            assert!(
                                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                                "{what}: {a} against {b}"
                            );
                        }
                    }
                };
                check(
                    model.predict_outputs(x.as_ref()).unwrap(),
                    &case["predict"],
                    &what,
                );
                if missing {
                    let p = model
                        .predict_outputs(with_nan("missing_predict").as_ref())
                        .unwrap();
                    check(p, &case["predict_missing"], &what);
                }
                assert_same_tree(model.tree(), &case["tree"], &what);
                continue;
            }
            let model = match &weights {
                Some(w) => est.fit_weighted(x.as_ref(), &y, w),
                None => est.fit(x.as_ref(), &y),
            }
            .unwrap();
            if missing {
                let p = model.predict(with_nan("missing_predict").as_ref()).unwrap();
                for (a, b) in p.iter().zip(floats(&case["predict_missing"])) {
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                        "{what}: {a} against {b}"
                    );
                }
            }
            (model.tree().clone(), model.predict(x.as_ref()).unwrap())
        };
        if params["class_weight"].is_string() {
            // Fractional weights: sums of weights round differently in the two
            // implementations' summation orders, so a near-tie deep in the tree may go
            // the other way; the models must still agree on the training rows.
            let want = floats(&case["predict"]);
            let agree = predict.iter().zip(&want).filter(|(a, b)| a == b).count();
            assert!(
                agree as f64 >= 0.97 * want.len() as f64,
                "{what}: {agree} of {} training predictions agree",
                want.len()
            );
            continue;
        }
        assert_same_tree(&tree, &case["tree"], &what);
        let importances = tree.feature_importances();
        for (a, b) in importances.iter().zip(floats(&case["feature_importances"])) {
            assert!((a - b).abs() <= 1e-9, "{what}: importances {a} against {b}");
        }
        for (a, b) in predict.iter().zip(floats(&case["predict"])) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{what}: prediction {a} against {b}"
            );
        }
    }
}

#[test]
fn five_fold_accuracy_equals_scikit_learn() {
    let f = fixtures();
    for name in ["iris", "wine", "breast_cancer", "digits"] {
        let ds = if name == "digits" {
            load_digits().unwrap()
        } else {
            dataset(name)
        };
        let n = ds.data.nrows();
        let mut correct = 0;
        let mut start = 0;
        for fold in 0..5 {
            let size = n / 5 + usize::from(fold < n % 5);
            let test: Vec<usize> = (start..start + size).collect();
            let train: Vec<usize> = (0..n)
                .filter(|i| !(start..start + size).contains(i))
                .collect();
            start += size;
            let xt = Mat::from_fn(train.len(), ds.data.ncols(), |i, j| ds.data[(train[i], j)]);
            let yt: Vec<usize> = train.iter().map(|&i| ds.target[i]).collect();
            let xs = Mat::from_fn(test.len(), ds.data.ncols(), |i, j| ds.data[(test[i], j)]);
            let model = DecisionTreeClassifier::new().fit(xt.as_ref(), &yt).unwrap();
            let p = model.predict(xs.as_ref()).unwrap();
            correct += test
                .iter()
                .zip(&p)
                .filter(|(i, p)| ds.target[**i] == **p)
                .count();
        }
        // scikit-learn averages the folds' accuracies; with folds of near-equal size
        // that is the pooled accuracy within 1e-3.
        let ours = correct as f64 / n as f64;
        let theirs = f["cv_accuracy"][name].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= 0.005,
            "{name}: {ours} against {theirs}"
        );
    }
}

#[test]
fn export_text_matches_scikit_learn() {
    let f = fixtures();
    let iris = dataset("iris");
    let names = [
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
    ];
    let model = DecisionTreeClassifier::new()
        .max_depth(Some(3))
        .fit(iris.data.as_ref(), &iris.target)
        .unwrap();
    assert_eq!(
        model.export_text(Some(&names)),
        f["export_text"]["iris_depth3"].as_str().unwrap()
    );
    let (x, y) = data("diabetes");
    let model = DecisionTreeRegressor::new()
        .max_depth(Some(2))
        .fit(x.as_ref(), &y)
        .unwrap();
    assert_eq!(
        model.export_text(None),
        f["export_text"]["diabetes_depth2"].as_str().unwrap()
    );
}

#[test]
fn bad_settings_are_typed_errors() {
    let iris = dataset("iris");
    let (x, y) = (iris.data.as_ref(), &iris.target);
    for bad in [
        DecisionTreeClassifier::new().max_depth(Some(0)),
        DecisionTreeClassifier::new().min_samples_leaf(0),
        DecisionTreeClassifier::new().min_samples_split(1),
        DecisionTreeClassifier::new().min_weight_fraction_leaf(0.6),
        DecisionTreeClassifier::new().min_impurity_decrease(-1.0),
        DecisionTreeClassifier::new().ccp_alpha(-0.1),
        DecisionTreeClassifier::new().ccp_alpha(f64::NAN),
        DecisionTreeClassifier::new().max_features(MaxFeatures::Count(0)),
        DecisionTreeClassifier::new().max_features(MaxFeatures::Count(5)),
        DecisionTreeClassifier::new().max_features(MaxFeatures::Fraction(1.5)),
        DecisionTreeClassifier::new().max_leaf_nodes(Some(0)),
        DecisionTreeClassifier::new().max_leaf_nodes(Some(1)),
    ] {
        assert!(bad.fit(x, y).is_err(), "{bad:?}");
    }
    assert!(DecisionTreeClassifier::new().fit(x, &y[..10]).is_err());
    let (xd, yd) = data("diabetes");
    let mut with_nan = xd.clone();
    with_nan[(3, 2)] = f64::NAN;
    assert!(matches!(
        DecisionTreeRegressor::new()
            .criterion(RegressionCriterion::AbsoluteError)
            .fit(with_nan.as_ref(), &yd),
        Err(ml_core::Error::NonFinite { row: 3, col: 2, .. })
    ));
    let mut with_inf = xd.clone();
    with_inf[(4, 1)] = f64::NEG_INFINITY;
    assert!(matches!(
        DecisionTreeRegressor::new().fit(with_inf.as_ref(), &yd),
        Err(ml_core::Error::NonFinite { row: 4, col: 1, .. })
    ));
    let poisson = DecisionTreeRegressor::new().criterion(RegressionCriterion::Poisson);
    let mut negative = yd.clone();
    negative[7] = -1.0;
    assert!(matches!(
        poisson.fit(xd.as_ref(), &negative),
        Err(ml_core::Error::InvalidData { .. })
    ));
    assert!(matches!(
        poisson.fit(xd.as_ref(), &vec![0.0; yd.len()]),
        Err(ml_core::Error::InvalidData { .. })
    ));
    let huge = Mat::from_fn(4, 1, |i, _| if i == 0 { 1e39 } else { i as f64 });
    assert!(matches!(
        DecisionTreeRegressor::new().fit(huge.as_ref(), &[0.0, 1.0, 2.0, 3.0]),
        Err(ml_core::Error::InvalidData { .. })
    ));
}

#[test]
fn save_load_round_trip_and_invariants() {
    let iris = dataset("iris");
    let model = DecisionTreeClassifier::new()
        .fit(iris.data.as_ref(), &iris.target)
        .unwrap();
    let back: DecisionTreeClassifierModel<usize> =
        persist::from_bytes(&persist::to_bytes(&model).unwrap()).unwrap();
    assert_eq!(back, model);
    ml_core::testing::check_altered_model_files(&model, |m| {
        let _ = m.predict(iris.data.as_ref());
        let _ = m.export_text(None);
        let _ = (m.tree().depth(), m.feature_importances());
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_unlimited_tree_fits_distinct_rows_exactly((x, y) in distinct_rows(), seed in 0u64..100) {
        let model = DecisionTreeClassifier::new().seed(seed).fit(x.as_ref(), &y).unwrap();
        prop_assert_eq!(model.predict(x.as_ref()).unwrap(), y);
    }

    #[test]
    fn best_first_growth_keeps_to_the_leaf_limit((x, y) in distinct_rows(), limit in 2usize..12) {
        let model = DecisionTreeClassifier::new().max_leaf_nodes(Some(limit)).fit(x.as_ref(), &y).unwrap();
        prop_assert!(model.tree().n_leaves() <= limit);
        // With as many leaves as rows, best-first growth runs to pure leaves.
        let full = DecisionTreeClassifier::new().max_leaf_nodes(Some(x.nrows())).fit(x.as_ref(), &y).unwrap();
        prop_assert_eq!(full.predict(x.as_ref()).unwrap(), y);
    }

    #[test]
    fn thresholds_lie_between_training_values((x, y) in distinct_rows()) {
        let model = DecisionTreeClassifier::new().fit(x.as_ref(), &y).unwrap();
        for node in model.tree().nodes() {
            if let Some(s) = node.split {
                let col: Vec<f64> = (0..x.nrows()).map(|i| x[(i, s.feature)]).collect();
                prop_assert!(col.iter().any(|&v| v <= s.threshold));
                prop_assert!(col.iter().any(|&v| v > s.threshold));
            }
        }
    }

    #[test]
    fn predictions_do_not_depend_on_row_order((x, y) in distinct_rows(), shift in 1usize..7) {
        let n = x.nrows();
        let order: Vec<usize> = (0..n).map(|i| (i * shift + 3) % n).collect();
        prop_assume!({ let mut o = order.clone(); o.sort_unstable(); o.dedup(); o.len() == n });
        let xp = Mat::from_fn(n, x.ncols(), |i, j| x[(order[i], j)]);
        let yp: Vec<usize> = order.iter().map(|&i| y[i]).collect();
        let a = DecisionTreeClassifier::new().max_depth(Some(3)).fit(x.as_ref(), &y).unwrap();
        let b = DecisionTreeClassifier::new().max_depth(Some(3)).fit(xp.as_ref(), &yp).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
    }
}

ml_core::conformance_tests!(
    tree_classifier,
    probabilistic_classifier_accepting_missing,
    DecisionTreeClassifier::new,
    {
        let ds = dataset("iris");
        (ds.data, ds.target)
    }
);
ml_core::conformance_tests!(
    tree_classifier_limited,
    probabilistic_classifier_accepting_missing,
    || DecisionTreeClassifier::new()
        .criterion(ClassificationCriterion::Entropy)
        .max_depth(Some(3))
        .max_features(MaxFeatures::Sqrt)
        .seed(3),
    {
        let ds = dataset("wine");
        (ds.data, ds.target)
    }
);
ml_core::conformance_tests!(
    tree_random_splitter,
    probabilistic_classifier_accepting_missing,
    || DecisionTreeClassifier::new()
        .splitter(TreeSplitter::Random)
        .seed(7),
    {
        let ds = dataset("breast_cancer");
        (ds.data, ds.target)
    }
);
ml_core::conformance_tests!(
    tree_regressor,
    regressor_accepting_missing,
    || DecisionTreeRegressor::new().min_samples_leaf(5),
    data("diabetes")
);
ml_core::conformance_tests!(
    tree_regressor_absolute_error_best_first,
    regressor,
    || DecisionTreeRegressor::new()
        .criterion(RegressionCriterion::AbsoluteError)
        .max_leaf_nodes(Some(12)),
    data("diabetes")
);
ml_core::conformance_tests!(
    tree_regressor_poisson,
    regressor_accepting_missing,
    || DecisionTreeRegressor::new()
        .criterion(RegressionCriterion::Poisson)
        .max_depth(Some(5)),
    data("diabetes")
);

#[test]
fn two_equal_outputs_grow_the_single_output_tree() {
    let (x, y) = data("diabetes");
    let est = DecisionTreeRegressor::new().max_depth(Some(6)).seed(3);
    let single = est.fit(x.as_ref(), &y).unwrap();
    let twice = Mat::from_fn(y.len(), 2, |i, _| y[i]);
    let double = est.fit_outputs(x.as_ref(), twice.as_ref()).unwrap();
    let (a, b) = (single.tree().nodes(), double.tree().nodes());
    assert_eq!(a.len(), b.len());
    for (na, nb) in a.iter().zip(b) {
        assert_eq!(na.split, nb.split);
    }
    let p = double.predict_outputs(x.as_ref()).unwrap();
    for (i, v) in single.predict(x.as_ref()).unwrap().into_iter().enumerate() {
        assert!((p[(i, 0)] - v).abs() < 1e-9 && (p[(i, 1)] - v).abs() < 1e-9);
    }
    assert!(
        est.fit_outputs(x.as_ref(), Mat::<f64>::zeros(y.len(), 0).as_ref())
            .is_err()
    );
    assert!(est.fit_outputs(x.as_ref(), twice.subrows(0, 10)).is_err());
}

#[test]
fn friedman_mse_is_the_squared_error() {
    let (x, y) = data("diabetes");
    let fit = |c| {
        DecisionTreeRegressor::new()
            .criterion(c)
            .max_depth(Some(6))
            .fit(x.as_ref(), &y)
            .unwrap()
    };
    assert_eq!(
        fit(RegressionCriterion::FriedmanMse),
        fit(RegressionCriterion::SquaredError)
    );
}

#[test]
fn extreme_sample_weights_are_refused_or_harmless() {
    let iris = dataset("iris");
    ml_core::testing::check_extreme_weights_classifier(
        DecisionTreeClassifier::new,
        iris.data.as_ref(),
        &iris.target,
    );
    let (x, y) = data("diabetes");
    ml_core::testing::check_extreme_weights_regressor(DecisionTreeRegressor::new, x.as_ref(), &y);
}

#[test]
fn counts_at_usize_max_are_refused_or_bounded() {
    use ml_core::testing::{Check, run_regressor};
    let (x, y) = data("diabetes");
    for make in [
        || DecisionTreeRegressor::new().max_depth(Some(usize::MAX)),
        || DecisionTreeRegressor::new().min_samples_split(usize::MAX),
        || DecisionTreeRegressor::new().min_samples_leaf(usize::MAX),
        || DecisionTreeRegressor::new().max_features(MaxFeatures::Count(usize::MAX)),
        || DecisionTreeRegressor::new().max_leaf_nodes(Some(usize::MAX)),
    ] {
        run_regressor(Check::FitsOrRefuses, make, x.as_ref(), &y).unwrap();
    }
}

#[test]
fn rules_and_graphviz_describe_every_leaf() {
    let iris = dataset("iris");
    let names = ["sepal length", "sepal width", "petal length", "petal width"];
    let model = DecisionTreeClassifier::new()
        .max_depth(Some(3))
        .fit(iris.data.as_ref(), &iris.target)
        .unwrap();
    let rules = model.rules(Some(&names));
    assert_eq!(rules.len(), model.tree().n_leaves());
    // Left-most leaf first: the setosa rule; bounds merged per feature.
    assert_eq!(rules[0], "if petal width <= 0.80 then 0 (1.00, 50 samples)");
    assert!(
        rules
            .iter()
            .all(|r| r.starts_with("if ") && r.contains(" samples)"))
    );
    let dot = model.export_graphviz(Some(&names));
    assert!(dot.starts_with("digraph Tree {"));
    assert_eq!(dot.matches(" -> ").count(), model.tree().nodes().len() - 1);
    let (x, y) = data("diabetes");
    let reg = DecisionTreeRegressor::new()
        .max_depth(Some(2))
        .fit(x.as_ref(), &y)
        .unwrap();
    assert_eq!(reg.rules(None).len(), 4);
    let stump = DecisionTreeRegressor::new()
        .fit(x.subrows(0, 1), &y[..1])
        .unwrap();
    assert_eq!(
        stump.rules(None),
        vec![format!("always then {:.2} (1 samples)", y[0])]
    );
}

#[test]
fn pruning_paths_and_pruned_trees_equal_scikit_learn() {
    let f = fixtures();
    for case in f["pruning"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let params = &case["params"];
        let (x, y) = data(name);
        let alpha = case["ccp_alpha"].as_f64().unwrap();
        let what = format!("{name} {params}");
        let (path, tree) = if case["kind"] == "classifier" {
            let criterion = match params["criterion"].as_str() {
                Some("entropy") => ClassificationCriterion::Entropy,
                _ => ClassificationCriterion::Gini,
            };
            let est = DecisionTreeClassifier::new().criterion(criterion);
            let labels: Vec<usize> = y.iter().map(|&v| v as usize).collect();
            let path = est
                .cost_complexity_pruning_path(x.as_ref(), &labels)
                .unwrap();
            let model = est.ccp_alpha(alpha).fit(x.as_ref(), &labels).unwrap();
            (path, model.tree().clone())
        } else {
            let est = configure!(DecisionTreeRegressor::new(), params, 0);
            let path = est.cost_complexity_pruning_path(x.as_ref(), &y).unwrap();
            let model = est.ccp_alpha(alpha).fit(x.as_ref(), &y).unwrap();
            (path, model.tree().clone())
        };
        let (alphas, impurities) = (floats(&case["ccp_alphas"]), floats(&case["impurities"]));
        assert_eq!(path.ccp_alphas.len(), alphas.len(), "{what}: path length");
        for (k, (a, b)) in path.ccp_alphas.iter().zip(&alphas).enumerate() {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                "{what}: alpha {k}: {a} against {b}"
            );
        }
        for (a, b) in path.impurities.iter().zip(&impurities) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{what}: impurity {a} against {b}"
            );
        }
        assert_same_tree(&tree, &case["tree"], &format!("{what} pruned at {alpha}"));
    }
}

#[test]
fn decision_paths_equal_scikit_learn() {
    let f = fixtures();
    let want = &f["decision_path"];
    let iris = dataset("iris");
    let model = DecisionTreeClassifier::new()
        .max_depth(Some(4))
        .fit(iris.data.as_ref(), &iris.target)
        .unwrap();
    let paths = model.decision_path(iris.data.as_ref()).unwrap();
    assert_eq!(paths.ncols() as u64, want["n_nodes"].as_u64().unwrap());
    let indptr: Vec<usize> = common::usizes(&want["indptr"]);
    let indices: Vec<usize> = common::usizes(&want["indices"]);
    for i in 0..paths.nrows() {
        assert_eq!(
            paths.col_idx_of_row_raw(i),
            &indices[indptr[i]..indptr[i + 1]],
            "row {i}"
        );
    }
}
