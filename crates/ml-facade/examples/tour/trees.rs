//! Chapter 3: decision trees and forests. A loan decision a bank clerk can read (C4.5
//! on the German credit data, printed as rules), and CART, C4.5, forests of CART
//! trees and histogram gradient boosting on breast cancer.

use ml::core::datasets::{self, ArffDataset};
use ml::core::metrics::accuracy_score;
use ml::core::model_selection::{take_rows, train_test_split};
use ml::supervised::ensemble::{
    ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier,
};
use ml::supervised::tree::{C45Classifier, DecisionTreeClassifier};

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 3. Decision trees and forests ==");
    loan()?;
    breast_cancer()
}

/// German credit: 1000 applicants, 13 categorical and 7 numeric features, good or bad
/// credit risk. A short tree (at least 40 applicants in two branches of a split) for
/// the clerk, then J48's defaults for accuracy.
fn loan() -> Result<(), ml::Error> {
    let credit = datasets::load_arff("credit-g")?;
    let (train, test) = train_test_split(credit.data.nrows(), 0.25, 0, Some(&credit.target), true)?;
    let labels = |rows: &[usize]| -> Vec<String> {
        rows.iter()
            .map(|&i| credit.target_names[credit.target[i]].clone())
            .collect()
    };
    let (x_train, y_train) = (take_rows(credit.data.as_ref(), &train)?, labels(&train));
    let (x_test, y_test) = (take_rows(credit.data.as_ref(), &test)?, labels(&test));
    let c45 = C45Classifier::new().categorical_features(credit.categorical_features());

    let short = c45
        .clone()
        .min_cases_per_leaf(40)
        .fit(x_train.as_ref(), &y_train)?;
    println!(
        "German credit ({} applicants, {} features): a loan tree a clerk can read, C4.5 with at least 40 applicants per branch:",
        credit.data.nrows(),
        credit.data.ncols()
    );
    for rule in short.rules(Some(&credit.feature_names), Some(&credit.categories)) {
        println!("  {rule}");
    }
    let short_accuracy = accuracy_score(&y_test, &short.predict(x_test.as_ref())?)?;
    let (full, secs) = timed(|| c45.fit(x_train.as_ref(), &y_train));
    let full = full?;
    println!(
        "  held-out accuracy {short_accuracy:.3} with {} leaves; J48's defaults: {:.3} with {} leaves ({:.1} ms)",
        short.tree().n_leaves(),
        accuracy_score(&y_test, &full.predict(x_test.as_ref())?)?,
        full.tree().n_leaves(),
        secs * 1e3
    );
    print_head(&short, &credit);
    Ok(())
}

/// The first lines of the short tree as J48 prints it.
fn print_head(model: &ml::supervised::tree::C45ClassifierModel<String>, credit: &ArffDataset) {
    let text = model.export_j48(Some(&credit.feature_names), Some(&credit.categories));
    println!("  the same tree as Weka's J48 prints it:");
    for line in text.lines().skip(3).take_while(|l| !l.is_empty()) {
        println!("    {line}");
    }
}

/// CART (scikit-learn's tree) against C4.5 (J48's) on the Wisconsin breast cancer data,
/// then forests of 100 CART trees, which trade the single tree's readability for
/// accuracy (the random forest's out-of-bag estimate needs no held-out rows).
fn breast_cancer() -> Result<(), ml::Error> {
    let d = datasets::load_breast_cancer()?;
    let (train, test) = train_test_split(d.data.nrows(), 0.25, 0, Some(&d.target), true)?;
    let pick = |rows: &[usize]| rows.iter().map(|&i| d.target[i]).collect::<Vec<_>>();
    let (x_train, y_train) = (take_rows(d.data.as_ref(), &train)?, pick(&train));
    let (x_test, y_test) = (take_rows(d.data.as_ref(), &test)?, pick(&test));
    println!("breast cancer, stratified 75/25 split:");
    let (cart, secs) = timed(|| DecisionTreeClassifier::new().fit(x_train.as_ref(), &y_train));
    let cart = cart?;
    println!(
        "  CART (Gini, unpruned)        test accuracy {:.3}, {:>2} leaves, depth {} ({:.2} ms)",
        accuracy_score(&y_test, &cart.predict(x_test.as_ref())?)?,
        cart.tree().n_leaves(),
        cart.tree().depth(),
        secs * 1e3
    );
    let (c45, secs) = timed(|| C45Classifier::new().fit(x_train.as_ref(), &y_train));
    let c45 = c45?;
    println!(
        "  C4.5 (gain ratio, pruned)    test accuracy {:.3}, {:>2} leaves, depth {} ({:.2} ms)",
        accuracy_score(&y_test, &c45.predict(x_test.as_ref())?)?,
        c45.tree().n_leaves(),
        c45.tree().depth(),
        secs * 1e3
    );
    let (forest, secs) = timed(|| {
        RandomForestClassifier::new()
            .oob_score(true)
            .fit(x_train.as_ref(), &y_train)
    });
    let forest = forest?;
    println!(
        "  random forest (100 trees)    test accuracy {:.3}, out-of-bag {:.3} ({:.1} ms)",
        accuracy_score(&y_test, &forest.predict(x_test.as_ref())?)?,
        forest.oob_score().unwrap_or(f64::NAN),
        secs * 1e3
    );
    let (extra, secs) = timed(|| ExtraTreesClassifier::new().fit(x_train.as_ref(), &y_train));
    let extra = extra?;
    println!(
        "  extra trees (100 trees)      test accuracy {:.3} ({:.1} ms)",
        accuracy_score(&y_test, &extra.predict(x_test.as_ref())?)?,
        secs * 1e3
    );
    let (boosted, secs) =
        timed(|| HistGradientBoostingClassifier::new().fit(x_train.as_ref(), &y_train));
    let boosted = boosted?;
    println!(
        "  histogram gradient boosting  test accuracy {:.3}, {} trees ({:.1} ms)",
        accuracy_score(&y_test, &boosted.predict(x_test.as_ref())?)?,
        boosted.n_iter(),
        secs * 1e3
    );
    let importances = forest.feature_importances();
    let mut ranked: Vec<usize> = (0..importances.len()).collect();
    ranked.sort_by(|&a, &b| importances[b].total_cmp(&importances[a]));
    let top: Vec<String> = ranked
        .iter()
        .take(3)
        .map(|&j| format!("{} {:.2}", d.feature_names[j], importances[j]))
        .collect();
    println!("  the forest's most important features: {}", top.join(", "));
    Ok(())
}
