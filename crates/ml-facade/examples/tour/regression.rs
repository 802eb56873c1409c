//! Chapter 1: regression. A used car's price over the years with a straight line and
//! with a polynomial, then least squares, ridge and lasso on the diabetes data.

use ml::core::datasets;
use ml::core::faer::Mat;
use ml::core::metrics::r2_score;
use ml::core::model_selection::{take_rows, train_test_split};
use ml::supervised::{Lasso, LinearRegression, PolynomialRegression, Ridge};

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 1. Regression ==");
    used_car_prices()?;
    diabetes()?;
    Ok(())
}

/// A new car costs 20000, loses 1000 a year and never goes below 10000.
fn used_car_price(age: f64) -> f64 {
    (20_000.0 - 1_000.0 * age).max(10_000.0)
}

fn used_car_prices() -> Result<(), ml::Error> {
    let ages: Vec<f64> = (0..=20).map(f64::from).collect();
    let x = Mat::from_fn(ages.len(), 1, |i, _| ages[i]);
    let y: Vec<f64> = ages.iter().map(|&a| used_car_price(a)).collect();
    let line = LinearRegression::new().fit(x.as_ref(), &y)?;
    let cubic = PolynomialRegression::new(3).fit(x.as_ref(), &y)?;
    let ask = Mat::from_fn(3, 1, |i, _| [5.0, 15.0, 20.0][i]);
    let (line_p, cubic_p) = (line.predict(ask.as_ref())?, cubic.predict(ask.as_ref())?);
    println!("used-car prices (true: 15000 at 5 years, 10000 at 15 and at 20):");
    println!(
        "  straight line: {:>7.0} {:>7.0} {:>7.0}   (misses the floor: R^2 {:.3})",
        line_p[0],
        line_p[1],
        line_p[2],
        r2_score(&y, &line.predict(x.as_ref())?)?
    );
    println!(
        "  cubic:         {:>7.0} {:>7.0} {:>7.0}   (follows it:       R^2 {:.3})",
        cubic_p[0],
        cubic_p[1],
        cubic_p[2],
        r2_score(&y, &cubic.predict(x.as_ref())?)?
    );
    Ok(())
}

fn diabetes() -> Result<(), ml::Error> {
    let d = datasets::load_diabetes_scaled()?;
    let (train, test) = train_test_split::<usize>(d.data.nrows(), 0.25, 0, None, true)?;
    let (x_train, x_test) = (
        take_rows(d.data.as_ref(), &train)?,
        take_rows(d.data.as_ref(), &test)?,
    );
    let pick = |rows: &[usize]| rows.iter().map(|&i| d.target[i]).collect::<Vec<_>>();
    let (y_train, y_test) = (pick(&train), pick(&test));
    println!("diabetes progression (442 patients, 10 features), test R^2:");
    let (ols, secs) = timed(|| LinearRegression::new().fit(x_train.as_ref(), &y_train));
    let score = r2_score(&y_test, &ols?.predict(x_test.as_ref())?)?;
    println!("  least squares     {score:.3}  ({:.2} ms)", secs * 1e3);
    let (ridge, secs) = timed(|| Ridge::new().alpha(0.1).fit(x_train.as_ref(), &y_train));
    let score = r2_score(&y_test, &ridge?.predict(x_test.as_ref())?)?;
    println!("  ridge (alpha 0.1) {score:.3}  ({:.2} ms)", secs * 1e3);
    let (lasso, secs) = timed(|| Lasso::new().alpha(0.1).fit(x_train.as_ref(), &y_train));
    let lasso = lasso?;
    let kept = lasso.coef().iter().filter(|c| **c != 0.0).count();
    let score = r2_score(&y_test, &lasso.predict(x_test.as_ref())?)?;
    println!(
        "  lasso (alpha 0.1) {score:.3}  ({:.2} ms, keeps {kept} of 10 features)",
        secs * 1e3
    );
    Ok(())
}
