//! Chapter 0: the foundation every family stands on: the data sets, scaling and
//! splitting, least squares, exact and randomized SVD, blocked distances, metrics and
//! model files.

use ml::core::datasets;
use ml::core::faer::Mat;
use ml::core::linalg::{self, RandomizedSvd};
use ml::core::metrics::{accuracy_score, r2_score, silhouette_score};
use ml::core::model_selection::{take_rows, train_test_split};
use ml::core::persist;
use ml::core::preprocessing::{StandardScaler, StandardScalerModel};

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("== 0. The foundation ==");
    data_sets()?;
    least_squares_on_diabetes()?;
    spectrum_of_digits()?;
    nearest_class_mean_on_digits()?;
    model_files()?;
    Ok(())
}

fn data_sets() -> Result<(), ml::Error> {
    let ((iris, wine, cancer, digits, diabetes, sms, groceries, airports), secs) = timed(|| {
        (
            datasets::load_iris(),
            datasets::load_wine(),
            datasets::load_breast_cancer(),
            datasets::load_digits(),
            datasets::load_diabetes(),
            datasets::load_sms_spam(),
            datasets::load_groceries(),
            datasets::load_airports(),
        )
    });
    println!("bundled data sets (parsed in {:.3} s):", secs);
    for (name, d) in [
        ("iris", iris?),
        ("wine", wine?),
        ("breast_cancer", cancer?),
        ("digits", digits?),
    ] {
        println!(
            "  {name:<14} {:>5} samples x {:>2} features, {} classes",
            d.data.nrows(),
            d.data.ncols(),
            d.target_names.len()
        );
    }
    let diabetes = diabetes?;
    println!(
        "  {:<14} {:>5} samples x {:>2} features, regression target",
        "diabetes",
        diabetes.data.nrows(),
        diabetes.data.ncols()
    );
    let sms = sms?;
    let spam = sms
        .target
        .iter()
        .filter(|&&t| sms.target_names[t] == "spam")
        .count();
    println!(
        "  {:<14} {:>5} messages, {spam} spam",
        "sms_spam",
        sms.texts.len()
    );
    let groceries = groceries?;
    println!("  {:<14} {:>5} baskets", "groceries", groceries.len());
    println!("  {:<14} {:>5} airports", "airports", airports?.len());
    Ok(())
}

/// Ordinary least squares through the rank-revealing SVD solver, with an intercept
/// column, on a stratification-free 75/25 split of the diabetes data.
fn least_squares_on_diabetes() -> Result<(), ml::Error> {
    let diabetes = datasets::load_diabetes()?;
    let n = diabetes.data.nrows();
    let (train, test) = train_test_split::<usize>(n, 0.25, 0, None, true)?;
    let with_intercept = |rows: &[usize]| -> Result<(Mat<f64>, Vec<f64>), ml::Error> {
        let x = take_rows(diabetes.data.as_ref(), rows)?;
        let design = Mat::from_fn(x.nrows(), x.ncols() + 1, |i, j| {
            if j == 0 { 1.0 } else { x[(i, j - 1)] }
        });
        Ok((design, rows.iter().map(|&i| diabetes.target[i]).collect()))
    };
    let (a_train, y_train) = with_intercept(&train)?;
    let (a_test, y_test) = with_intercept(&test)?;
    let b = Mat::from_fn(y_train.len(), 1, |i, _| y_train[i]);
    let (solution, secs) = timed(|| linalg::lstsq(a_train.as_ref(), b.as_ref()));
    let solution = solution?;
    let pred = &a_test * &solution.coef;
    let pred: Vec<f64> = (0..pred.nrows()).map(|i| pred[(i, 0)]).collect();
    println!(
        "least squares on diabetes: rank {} of {}, test R^2 = {:.3} ({:.1} ms)",
        solution.rank,
        a_train.ncols(),
        r2_score(&y_test, &pred)?,
        secs * 1e3
    );
    Ok(())
}

/// Exact thin SVD against randomized SVD of the centred digits: the leading singular
/// values agree, and ten components keep most of the variance.
fn spectrum_of_digits() -> Result<(), ml::Error> {
    let digits = datasets::load_digits()?;
    let x = StandardScaler::new()
        .with_std(false)
        .fit(digits.data.as_ref())?
        .transform(digits.data.as_ref())?;
    let (exact, exact_secs) = timed(|| linalg::thin_svd(x.as_ref()));
    let exact = exact?;
    let (approx, approx_secs) = timed(|| RandomizedSvd::new(10).seed(0).compute(x.as_ref()));
    let approx = approx?;
    let total: f64 = exact.s.iter().map(|s| s * s).sum();
    let kept: f64 = exact.s.iter().take(10).map(|s| s * s).sum();
    let worst = exact
        .s
        .iter()
        .zip(&approx.s)
        .map(|(e, a)| ((e - a) / e).abs())
        .fold(0.0, f64::max);
    println!(
        "SVD of centred digits: 10 of 64 components keep {:.1}% of the variance; \
         randomized vs exact singular values within {:.1e} ({:.1} ms vs {:.1} ms)",
        100.0 * kept / total,
        worst,
        approx_secs * 1e3,
        exact_secs * 1e3
    );
    Ok(())
}

/// Nearest class mean with the blocked distance kernel: each test digit gets the
/// label of the closest per-class centroid of the training digits.
fn nearest_class_mean_on_digits() -> Result<(), ml::Error> {
    let digits = datasets::load_digits()?;
    let n = digits.data.nrows();
    let (train, test) = train_test_split(n, 0.25, 0, Some(&digits.target), true)?;
    let n_classes = digits.target_names.len();
    let d = digits.data.ncols();
    let mut centroids = Mat::<f64>::zeros(n_classes, d);
    let mut counts = vec![0.0f64; n_classes];
    for &i in &train {
        let c = digits.target[i];
        counts[c] += 1.0;
        for j in 0..d {
            centroids[(c, j)] += digits.data[(i, j)];
        }
    }
    for c in 0..n_classes {
        for j in 0..d {
            centroids[(c, j)] /= counts[c].max(1.0);
        }
    }
    let x_test = take_rows(digits.data.as_ref(), &test)?;
    let (nearest, secs) =
        timed(|| linalg::argmin_squared_euclidean(x_test.as_ref(), centroids.as_ref()));
    let (pred, _) = nearest?;
    let truth: Vec<usize> = test.iter().map(|&i| digits.target[i]).collect();
    let silhouette = silhouette_score(digits.data.as_ref(), &digits.target)?;
    println!(
        "nearest class mean on digits: test accuracy {:.3} ({:.2} ms); \
         silhouette of the true classes {:.3}",
        accuracy_score(&truth, &pred)?,
        secs * 1e3,
        silhouette
    );
    Ok(())
}

/// A fitted model saved to a file and loaded back gives identical output.
fn model_files() -> Result<(), ml::Error> {
    let wine = datasets::load_wine()?;
    let scaler = StandardScaler::new().fit(wine.data.as_ref())?;
    let path = std::env::temp_dir().join("ml-tour-scaler.model");
    persist::save(&scaler, &path)?;
    let loaded: StandardScalerModel = persist::load(&path)?;
    let same = scaler.transform(wine.data.as_ref())? == loaded.transform(wine.data.as_ref())?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    std::fs::remove_file(&path).ok();
    println!(
        "model file: a StandardScaler on wine saved in {bytes} bytes and loaded back, \
         identical transform: {same}"
    );
    Ok(())
}
