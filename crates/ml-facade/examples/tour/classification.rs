//! Chapter 2: classification. Logistic regression and 5-nearest neighbours side by side
//! on standardised real data sets, binary (breast cancer) and multinomial (iris, wine,
//! digits); then the neighbour index on a sphere: the airports nearest to a point, by
//! great-circle distance.

use ml::core::datasets::{self, Dataset};
use ml::core::metrics::accuracy_score;
use ml::core::model_selection::{take_rows, train_test_split};
use ml::core::preprocessing::StandardScaler;
use ml::faer::Mat;
use ml::neighbors::{KNeighborsClassifier, Metric, NearestNeighbors};
use ml::supervised::LogisticRegression;

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 2. Classification ==");
    println!("logistic regression and 5-NN, stratified 75/25 split, standardised features:");
    for (name, data) in [
        ("breast_cancer", datasets::load_breast_cancer()?),
        ("iris", datasets::load_iris()?),
        ("wine", datasets::load_wine()?),
        ("digits", datasets::load_digits()?),
    ] {
        logistic(name, &data)?;
    }
    nearest_airports()
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
    let (knn, knn_secs) = timed(|| -> Result<_, ml::Error> {
        let model = KNeighborsClassifier::new().fit(x_train.as_ref(), &y_train)?;
        let pred = model.predict(x_test.as_ref())?;
        Ok((model.index().algorithm(), pred))
    });
    let (algorithm, knn_pred) = knn?;
    println!(
        "  {name:<14} {} classes: logistic {:.3} ({} L-BFGS iterations, {:.1} ms), \
         5-NN {:.3} ({algorithm:?}, {:.1} ms)",
        d.target_names.len(),
        accuracy_score(&y_test, &model.predict(x_test.as_ref())?)?,
        model.n_iter(),
        secs * 1e3,
        accuracy_score(&y_test, &knn_pred)?,
        knn_secs * 1e3
    );
    Ok(())
}

/// The three airports nearest to Denver's city centre, by haversine distance on a ball
/// tree over the 3376 airports' coordinates in radians.
fn nearest_airports() -> Result<(), ml::Error> {
    let airports = datasets::load_airports()?;
    let degrees = datasets::airport_coordinates(&airports);
    let radians = Mat::from_fn(degrees.nrows(), 2, |i, j| degrees[(i, j)].to_radians());
    let model = NearestNeighbors::new()
        .n_neighbors(3)
        .metric(Metric::Haversine)
        .fit(radians.as_ref())?;
    let denver = Mat::from_fn(1, 2, |_, j| [39.7392f64, -104.9903][j].to_radians());
    let found = model.kneighbors(denver.as_ref())?;
    println!(
        "airports nearest to Denver ({:?} over {} airports, haversine):",
        model.index().algorithm(),
        airports.len()
    );
    for (&i, &d) in found.indices(0).iter().zip(found.distances(0)) {
        let a = &airports[i];
        println!("  {:<5} {:<40} {:>6.1} km", a.iata, a.name, d * 6371.0);
    }
    Ok(())
}
