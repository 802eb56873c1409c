//! Chapter 2: classification. Logistic regression on standardised real data sets,
//! binary (breast cancer) and multinomial (iris, wine, digits).

use ml::core::datasets::{self, Dataset};
use ml::core::metrics::accuracy_score;
use ml::core::model_selection::{take_rows, train_test_split};
use ml::core::preprocessing::StandardScaler;
use ml::supervised::LogisticRegression;

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 2. Classification ==");
    println!("logistic regression, stratified 75/25 split, standardised features:");
    for (name, data) in [
        ("breast_cancer", datasets::load_breast_cancer()?),
        ("iris", datasets::load_iris()?),
        ("wine", datasets::load_wine()?),
        ("digits", datasets::load_digits()?),
    ] {
        logistic(name, &data)?;
    }
    Ok(())
}

fn logistic(name: &str, d: &Dataset) -> Result<(), ml::Error> {
    let (train, test) = train_test_split(d.data.nrows(), 0.25, 0, Some(&d.target), true)?;
    let scaler = StandardScaler::new().fit(take_rows(d.data.as_ref(), &train)?.as_ref())?;
    let x_train = scaler.transform(take_rows(d.data.as_ref(), &train)?.as_ref())?;
    let x_test = scaler.transform(take_rows(d.data.as_ref(), &test)?.as_ref())?;
    let pick = |rows: &[usize]| rows.iter().map(|&i| d.target[i]).collect::<Vec<_>>();
    let (y_train, y_test) = (pick(&train), pick(&test));
    let (model, secs) = timed(|| {
        LogisticRegression::new()
            .max_iter(1000)
            .fit(x_train.as_ref(), &y_train)
    });
    let model = model?;
    println!(
        "  {name:<14} {} classes: test accuracy {:.3}, {} L-BFGS iterations ({:.1} ms)",
        d.target_names.len(),
        accuracy_score(&y_test, &model.predict(x_test.as_ref())?)?,
        model.n_iter(),
        secs * 1e3
    );
    Ok(())
}
