//! C4.5: the trees of Weka's J48 3.6.14 (`scripts/refdata/c45.py`), printed byte for
//! byte as J48 prints them, with J48's predictions and class distributions;
//! ten-fold accuracy on J48's folds; properties; the conformance battery.

use faer::Mat;
use ml_core::datasets::{
    ArffDataset, load_arff, load_breast_cancer, load_digits, load_iris, load_wine,
};
use ml_core::persist;
use ml_supervised::tree::{C45Classifier, C45ClassifierModel};
use proptest::prelude::*;
use serde_json::Value;

mod common;

use common::{distinct_rows, floats, usizes};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("data/c45.json")).expect("valid fixture JSON")
}

/// A fixture data set as ARFF gives it: features (codes for nominal ones, NaN where
/// missing), classes, names.
fn data(name: &str, fixture: &Value) -> ArffDataset {
    let arff = match name {
        "golf_nominal" => Some("weather.nominal"),
        "golf_numeric" => Some("weather.numeric"),
        "credit_g" => Some("credit-g"),
        "contact_lenses" => Some("contact-lenses"),
        "breast_cancer_nominal" => Some("breast-cancer"),
        "vote" | "soybean" | "labor" => Some(name),
        _ => None,
    };
    if let Some(file) = arff {
        return load_arff(file).unwrap();
    }
    let ds = match name {
        "iris" => load_iris(),
        "wine" => load_wine(),
        "breast_cancer" => load_breast_cancer(),
        "digits" => load_digits(),
        _ => panic!("unknown data set {name}"),
    }
    .unwrap();
    let d = ds.data.ncols();
    ArffDataset {
        relation: name.to_owned(),
        feature_names: (0..d).map(|j| format!("x{j}")).collect(),
        categories: vec![Vec::new(); d],
        target_names: fixture["datasets"][name]["class_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
        data: ds.data,
        target: ds.target,
    }
}

/// J48's options as our settings.
fn estimator(options: &str, ds: &ArffDataset) -> C45Classifier {
    let mut est = C45Classifier::new().categorical_features(ds.categorical_features());
    let words: Vec<&str> = options.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        match *w {
            "-U" => est = est.pruning(false),
            "-C" => est = est.confidence_factor(words[i + 1].parse().unwrap()),
            "-M" => est = est.min_cases_per_leaf(words[i + 1].parse().unwrap()),
            _ => {}
        }
    }
    est
}

/// Class names as labels, so the text shows J48's class values.
fn labels(ds: &ArffDataset) -> Vec<String> {
    ds.target
        .iter()
        .map(|&c| ds.target_names[c].clone())
        .collect()
}

#[test]
fn trees_equal_j48_byte_for_byte() {
    let f = fixtures();
    for case in f["trees"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let options = case["options"].as_str().unwrap();
        let what = format!("{name} {options}");
        let ds = data(name, &f);
        // Codes as labels keep J48's class order (the names may sort otherwise).
        let model: C45ClassifierModel<usize> = estimator(options, &ds)
            .fit(ds.data.as_ref(), &ds.target)
            .unwrap();
        let class_names: Vec<&str> = ds.target_names.iter().map(String::as_str).collect();
        let text = model
            .export_j48(Some(&ds.feature_names), Some(&ds.categories))
            .replace_class_codes(&class_names);
        assert_eq!(text, case["to_string"].as_str().unwrap(), "{what}");
        assert_eq!(
            model.tree().n_leaves() as u64,
            case["n_leaves"].as_u64().unwrap()
        );
        assert_eq!(
            model.tree().size() as u64,
            case["tree_size"].as_u64().unwrap()
        );
        let predictions = model.predict(ds.data.as_ref()).unwrap();
        assert_eq!(
            predictions,
            usizes(&case["predictions"]),
            "{what}: predictions"
        );
        if let Some(rows) = case["distributions"].as_array() {
            let p = model.predict_proba(ds.data.as_ref()).unwrap();
            for (i, row) in rows.iter().enumerate() {
                for (c, want) in floats(row).into_iter().enumerate() {
                    assert!(
                        (p[(i, c)] - want).abs() <= 1e-9,
                        "{what}: row {i} class {c}: {} against {want}",
                        p[(i, c)]
                    );
                }
            }
        }
    }
}

/// The export with class codes replaced by the class names (models fitted on codes).
trait ClassNames {
    fn replace_class_codes(self, names: &[&str]) -> String;
}

impl ClassNames for String {
    fn replace_class_codes(self, names: &[&str]) -> String {
        // A leaf label is ": <code> (" at the end of a line's condition.
        let mut out = String::with_capacity(self.len());
        let mut rest = self.as_str();
        while let Some(at) = rest.find(": ") {
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            if let Some(space) = rest.find(" (")
                && let Ok(code) = rest[..space].parse::<usize>()
            {
                out.push_str(names[code]);
                rest = &rest[space..];
            }
        }
        out.push_str(rest);
        out
    }
}

#[test]
fn string_labels_print_as_themselves() {
    let golf = load_arff("weather.numeric").unwrap();
    let model = C45Classifier::new()
        .categorical_features(golf.categorical_features())
        .fit(golf.data.as_ref(), &labels(&golf))
        .unwrap();
    let text = model.export_j48(Some(&golf.feature_names), Some(&golf.categories));
    assert!(text.contains("outlook = overcast: yes (4.0)"), "{text}");
    assert!(text.contains("|   humidity <= 75: yes (2.0)"), "{text}");
    let sklearn = model.export_text(Some(&golf.feature_names), Some(&golf.categories));
    assert_eq!(
        sklearn,
        "|--- outlook = sunny\n|   |--- humidity <= 75.00\n|   |   |--- class: yes\n\
         |   |--- humidity >  75.00\n|   |   |--- class: no\n|--- outlook = overcast\n\
         |   |--- class: yes\n|--- outlook = rainy\n|   |--- windy = TRUE\n\
         |   |   |--- class: no\n|   |--- windy = FALSE\n|   |   |--- class: yes\n"
    );
    let rules = model.rules(Some(&golf.feature_names), Some(&golf.categories));
    assert_eq!(rules.len(), model.tree().n_leaves());
    assert!(
        rules
            .contains(&"if outlook = sunny and humidity > 75 then no (1.00, 3.0 cases)".to_owned())
    );
    let dot = model.export_graphviz(Some(&golf.feature_names), Some(&golf.categories));
    assert_eq!(dot.matches("->").count(), model.tree().size() - 1);
}

#[test]
fn ten_fold_accuracy_equals_j48_on_the_same_folds() {
    let f = fixtures();
    for (name, load) in [
        (
            "iris",
            load_iris as fn() -> ml_core::Result<ml_core::datasets::Dataset>,
        ),
        ("wine", load_wine),
        ("breast_cancer", load_breast_cancer),
        ("digits", load_digits),
    ] {
        let ds = load().unwrap();
        let cv = &f["cv"][name];
        let folds = usizes(&cv["fold_ids"]);
        let want = usizes(&cv["predictions"]);
        let (n, d) = (ds.data.nrows(), ds.data.ncols());
        let mut correct = 0;
        let mut same = 0;
        for fold in 0..10 {
            let train: Vec<usize> = (0..n).filter(|&i| folds[i] != fold).collect();
            let test: Vec<usize> = (0..n).filter(|&i| folds[i] == fold).collect();
            let xt = Mat::from_fn(train.len(), d, |i, j| ds.data[(train[i], j)]);
            let yt: Vec<usize> = train.iter().map(|&i| ds.target[i]).collect();
            let xs = Mat::from_fn(test.len(), d, |i, j| ds.data[(test[i], j)]);
            let model = C45Classifier::new().fit(xt.as_ref(), &yt).unwrap();
            for (p, &i) in model.predict(xs.as_ref()).unwrap().iter().zip(&test) {
                correct += usize::from(*p == ds.target[i]);
                same += usize::from(*p == want[i]);
            }
        }
        let accuracy = correct as f64 / n as f64;
        let j48 = cv["accuracy"].as_f64().unwrap();
        assert!(
            (accuracy - j48).abs() <= 0.01,
            "{name}: {accuracy} against J48's {j48}"
        );
        assert_eq!(same, n, "{name}: out-of-fold predictions differ from J48's");
    }
}

#[test]
fn bad_settings_and_data_are_typed_errors() {
    let iris = load_iris().unwrap();
    let (x, y) = (iris.data.as_ref(), &iris.target);
    for bad in [
        C45Classifier::new().min_cases_per_leaf(0),
        C45Classifier::new().confidence_factor(0.0),
        C45Classifier::new().confidence_factor(0.7),
        C45Classifier::new().confidence_factor(f64::NAN),
        C45Classifier::new().categorical_features([(4, 3)]),
        C45Classifier::new().categorical_features([(0, 3), (0, 3)]),
    ] {
        assert!(bad.fit(x, y).is_err(), "{bad:?}");
    }
    assert!(C45Classifier::new().fit(x, &y[..10]).is_err());
    let mut inf = iris.data.clone();
    inf[(3, 1)] = f64::INFINITY;
    assert!(matches!(
        C45Classifier::new().fit(inf.as_ref(), y),
        Err(ml_core::Error::NonFinite { .. })
    ));
    let model = C45Classifier::new().fit(x, y).unwrap();
    assert!(model.predict(inf.as_ref()).is_err());
    assert!(model.predict(Mat::<f64>::zeros(0, 4).as_ref()).is_err());
    assert!(model.predict(Mat::<f64>::zeros(2, 3).as_ref()).is_err());
}

#[test]
fn missing_values_and_unseen_categories_are_predicted() {
    let vote = load_arff("vote").unwrap();
    let model = C45Classifier::new()
        .categorical_features(vote.categorical_features())
        .fit(vote.data.as_ref(), &vote.target)
        .unwrap();
    // A row with every vote missing gets the training mix of the whole tree.
    let unknown = Mat::from_fn(
        2,
        vote.data.ncols(),
        |i, _| if i == 0 { f64::NAN } else { 7.0 },
    );
    let p = model.predict_proba(unknown.as_ref()).unwrap();
    for i in 0..2 {
        let total: f64 = (0..2).map(|c| p[(i, c)]).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
    // Code 7 is not a category: it is treated as missing, like the first row.
    assert!((p[(0, 0)] - p[(1, 0)]).abs() < 1e-12);
}

#[test]
fn save_load_round_trip_and_altered_files() {
    let credit = load_arff("credit-g").unwrap();
    let model = C45Classifier::new()
        .categorical_features(credit.categorical_features())
        .fit(credit.data.as_ref(), &credit.target)
        .unwrap();
    let back: C45ClassifierModel<usize> =
        persist::from_bytes(&persist::to_bytes(&model).unwrap()).unwrap();
    assert_eq!(back, model);
    ml_core::testing::check_altered_model_files(&model, |m| {
        let _ = m.predict(credit.data.as_ref());
        let _ = m.export_j48::<&str>(None, None);
        let _ = m.export_text::<&str>(None, None);
        let _ = m.tree().depth();
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_unpruned_tree_with_one_case_leaves_fits_distinct_rows(
        (x, y) in distinct_rows()
    ) {
        let model = C45Classifier::new()
            .pruning(false)
            .collapse_tree(false)
            .min_cases_per_leaf(1)
            .fit(x.as_ref(), &y)
            .unwrap();
        let p = model.predict(x.as_ref()).unwrap();
        let correct = p.iter().zip(&y).filter(|(a, b)| a == b).count();
        // C4.5 may refuse a split whose MDL-corrected gain is not positive, so not every
        // row is fitted; but the tree is never worse than the majority class.
        let mut counts = [0usize; 4];
        y.iter().for_each(|&c| counts[c] += 1);
        prop_assert!(correct >= *counts.iter().max().unwrap());
    }

    #[test]
    fn thresholds_are_training_values((x, y) in distinct_rows()) {
        let model = C45Classifier::new().min_cases_per_leaf(1).fit(x.as_ref(), &y).unwrap();
        for node in model.tree().nodes() {
            if let Some(ml_supervised::tree::C45Test::Threshold { feature, threshold }) = node.test {
                prop_assert!((0..x.nrows()).any(|i| x[(i, feature)] == threshold));
            }
        }
    }

    #[test]
    fn pruning_never_adds_leaves_nor_pessimistic_errors((x, y) in distinct_rows()) {
        let pruned = C45Classifier::new().min_cases_per_leaf(1).fit(x.as_ref(), &y).unwrap();
        let unpruned = C45Classifier::new().min_cases_per_leaf(1).pruning(false).fit(x.as_ref(), &y).unwrap();
        prop_assert!(pruned.tree().n_leaves() <= unpruned.tree().n_leaves());
        // C4.5 prunes where the estimate does not grow by more than 0.1 (J48's
        // tolerance), once per internal node it removes.
        let internal = |m: &C45ClassifierModel<usize>| m.tree().size() - m.tree().n_leaves();
        let removed = (internal(&unpruned) - internal(&pruned)) as f64;
        prop_assert!(
            pruned.tree().estimated_errors(0.25)
                <= unpruned.tree().estimated_errors(0.25) + 0.1 * removed + 1e-9
        );
    }

    #[test]
    fn predictions_do_not_depend_on_row_order((x, y) in distinct_rows(), shift in 1usize..7) {
        let n = x.nrows();
        let order: Vec<usize> = (0..n).map(|i| (i * shift + 3) % n).collect();
        prop_assume!({ let mut o = order.clone(); o.sort_unstable(); o.dedup(); o.len() == n });
        let xp = Mat::from_fn(n, x.ncols(), |i, j| x[(order[i], j)]);
        let yp: Vec<usize> = order.iter().map(|&i| y[i]).collect();
        let a = C45Classifier::new().fit(x.as_ref(), &y).unwrap();
        let b = C45Classifier::new().fit(xp.as_ref(), &yp).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
    }
}

ml_core::conformance_tests!(
    c45_classifier,
    probabilistic_classifier_accepting_missing,
    C45Classifier::new,
    {
        let ds = load_wine().unwrap();
        (ds.data, ds.target)
    }
);

#[test]
fn extreme_sample_weights_are_refused_or_harmless() {
    let iris = load_iris().unwrap();
    ml_core::testing::check_extreme_weights_classifier(
        C45Classifier::new,
        iris.data.as_ref(),
        &iris.target,
    );
}

#[test]
fn counts_at_usize_max_are_refused_or_bounded() {
    use ml_core::testing::{Check, run_classifier};
    let iris = load_iris().unwrap();
    run_classifier(
        Check::FitsOrRefuses,
        || C45Classifier::new().min_cases_per_leaf(usize::MAX),
        iris.data.as_ref(),
        &iris.target,
    )
    .unwrap();
    // Codes 0..=4 in the first column, declared with every count up to usize::MAX.
    let coded = Mat::from_fn(iris.data.nrows(), 4, |i, j| {
        if j == 0 {
            (i % 5) as f64
        } else {
            iris.data[(i, j)]
        }
    });
    for n in [5, 1 << 16, (1 << 16) + 1, usize::MAX] {
        run_classifier(
            Check::FitsOrRefuses,
            || C45Classifier::new().categorical_features([(0, n)]),
            coded.as_ref(),
            &iris.target,
        )
        .unwrap();
    }
}
