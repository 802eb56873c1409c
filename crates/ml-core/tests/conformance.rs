//! The conformance kit, tested on small test-only estimators: well-behaved ones pass
//! every check (through the functions and through the macro), and each deliberately
//! broken one is caught by the check it breaks.
#![cfg(feature = "testing")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};

use faer::{Mat, MatRef};
use ml_core::persist::{Invariants, Persist, invariants};
use ml_core::testing::{self, Check};
use ml_core::{
    Error, Features, Fit, FitUnsupervised, Fitted, Label, Predict, PredictProba, Result, Transform,
    validate,
};
use rand::Rng as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------
// Data: three separated blobs in three dimensions, with a deterministic jitter.

fn blobs() -> (Mat<f64>, Vec<usize>) {
    let centres = [[0.0, 0.0, 0.0], [6.0, 6.0, 0.0], [0.0, 6.0, 6.0]];
    let n = 60;
    let x = Mat::from_fn(n, 3, |i, j| {
        centres[i % 3][j] + ((i * 7 + j * 13) as f64).sin() * 0.8
    });
    let y = (0..n).map(|i| i % 3).collect();
    (x, y)
}

fn blobs_named() -> (Mat<f64>, Vec<String>) {
    let (x, y) = blobs();
    let names = ["apple", "pear", "plum"];
    (x, y.into_iter().map(|c| names[c].to_owned()).collect())
}

fn regression() -> (Mat<f64>, Vec<f64>) {
    let (x, _) = blobs();
    let y = (0..x.nrows())
        .map(|i| 1.5 * x[(i, 0)] - 0.5 * x[(i, 2)] + 3.0)
        .collect();
    (x, y)
}

fn sq_dist(x: MatRef<'_, f64>, i: usize, c: MatRef<'_, f64>, k: usize) -> f64 {
    sq_dist_in(x, i, c, k, 1.0)
}

/// The squared distance in units of `unit` (a power of two), so that data near the
/// ends of the float range neither overflows nor underflows.
fn sq_dist_in(x: MatRef<'_, f64>, i: usize, c: MatRef<'_, f64>, k: usize, unit: f64) -> f64 {
    (0..x.ncols())
        .map(|j| (x[(i, j)] / unit - c[(k, j)] / unit).powi(2))
        .sum()
}

fn nearest(x: MatRef<'_, f64>, i: usize, c: MatRef<'_, f64>) -> usize {
    (0..c.nrows())
        .min_by(|&a, &b| sq_dist(x, i, c, a).total_cmp(&sq_dist(x, i, c, b)))
        .unwrap_or(0)
}

fn column_means(x: MatRef<'_, f64>) -> Vec<f64> {
    (0..x.ncols())
        .map(|j| (0..x.nrows()).map(|i| x[(i, j)]).sum::<f64>() / x.nrows() as f64)
        .collect()
}

// ---------------------------------------------------------------------------------
// Well-behaved test doubles.

/// Nearest-centroid classifier with softmax(-d²) probabilities.
#[derive(Debug, Clone, Copy, Default)]
struct NearestCentroid;

#[derive(Debug, Serialize, Deserialize)]
struct NearestCentroidModel<L> {
    #[serde(with = "ml_core::persist::mat")]
    centroids: Mat<f64>,
    classes: Vec<L>,
}

impl<L: Label + Serialize + DeserializeOwned> Persist for NearestCentroidModel<L> {
    const MODEL_NAME: &'static str = "tests::NearestCentroidModel";
}

impl<L: Label> Invariants for NearestCentroidModel<L> {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        invariants::finite_mat("centroids", self.centroids.as_ref())?;
        invariants::not_empty("classes", self.classes.len())?;
        invariants::len("centroids rows", self.centroids.nrows(), self.classes.len())
    }
}

impl<L: Label> Fit<[L]> for NearestCentroid {
    type Model = NearestCentroidModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<Self::Model> {
        let x = x.dense("mock")?;
        validate::supervised(x, y.len())?;
        let enc = validate::encode_labels(y, 2)?;
        let k = enc.classes.len();
        let mut sums = Mat::<f64>::zeros(k, x.ncols());
        let mut counts = vec![0.0; k];
        for (i, &c) in enc.codes.iter().enumerate() {
            counts[c] += 1.0;
            for j in 0..x.ncols() {
                sums[(c, j)] += x[(i, j)];
            }
        }
        let centroids = Mat::from_fn(k, x.ncols(), |c, j| sums[(c, j)] / counts[c]);
        Ok(NearestCentroidModel {
            centroids,
            classes: enc.classes,
        })
    }
}

impl<L: Label> Predict for NearestCentroidModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        let x = x.dense("mock")?;
        validate::matrix_with_features(x, self.centroids.ncols())?;
        Ok((0..x.nrows())
            .map(|i| self.classes[nearest(x, i, self.centroids.as_ref())].clone())
            .collect())
    }
}

impl<L: Label> Fitted for NearestCentroidModel<L> {
    fn n_features_in(&self) -> usize {
        self.centroids.ncols()
    }
}

impl<L: Label> PredictProba for NearestCentroidModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        let x = x.dense("mock")?;
        validate::matrix_with_features(x, self.centroids.ncols())?;
        let c = self.centroids.as_ref();
        // Softmax of −d²: with the nearest centroid's d² subtracted before scaling
        // back from units of `unit`, the largest logit is exactly 0 at any scale.
        let largest = (0..x.nrows())
            .flat_map(|i| (0..x.ncols()).map(move |j| x[(i, j)].abs()))
            .chain((0..c.nrows()).flat_map(|k| (0..c.ncols()).map(move |j| c[(k, j)].abs())))
            .fold(0.0f64, f64::max);
        let unit = ml_core::kernels::pow2_magnitude(largest);
        let mut p = Mat::from_fn(x.nrows(), c.nrows(), |i, k| sq_dist_in(x, i, c, k, unit));
        for i in 0..p.nrows() {
            let nearest = (0..p.ncols())
                .map(|k| p[(i, k)])
                .fold(f64::INFINITY, f64::min);
            let mut sum = 0.0;
            for k in 0..p.ncols() {
                p[(i, k)] = (-(p[(i, k)] - nearest) * unit * unit).exp();
                sum += p[(i, k)];
            }
            for k in 0..p.ncols() {
                p[(i, k)] /= sum;
            }
        }
        Ok(p)
    }
}

/// Regressor predicting the mean of y plus the mean of one-feature least-squares slopes.
#[derive(Debug, Clone, Copy, Default)]
struct SlopeRegressor;

#[derive(Debug, Serialize, Deserialize)]
struct SlopeModel {
    mean_y: f64,
    means: Vec<f64>,
    slopes: Vec<f64>,
}

impl Persist for SlopeModel {
    const MODEL_NAME: &'static str = "tests::SlopeModel";
}

impl Invariants for SlopeModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        invariants::finite("mean_y", &[self.mean_y])?;
        invariants::finite("means", &self.means)?;
        invariants::finite("slopes", &self.slopes)?;
        invariants::len("slopes", self.slopes.len(), self.means.len())
    }
}

/// The same model, but its slopes are not saved.
#[derive(Debug, Serialize, Deserialize)]
struct ForgetfulModel {
    mean_y: f64,
    means: Vec<f64>,
    #[serde(skip)]
    slopes: Vec<f64>,
}

impl Persist for ForgetfulModel {
    const MODEL_NAME: &'static str = "tests::ForgetfulModel";
}

impl Invariants for ForgetfulModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        invariants::finite("means", &self.means)
    }
}

fn fit_slopes(x: MatRef<'_, f64>, y: &[f64]) -> Result<SlopeModel> {
    validate::supervised(x, y.len())?;
    validate::finite_slice(y)?;
    let n = x.nrows() as f64;
    let mean_y = y.iter().sum::<f64>() / n;
    let means = column_means(x);
    let slopes = (0..x.ncols())
        .map(|j| {
            let (mut sxy, mut sxx) = (0.0, 0.0);
            for (i, &yi) in y.iter().enumerate() {
                let d = x[(i, j)] - means[j];
                sxy += d * (yi - mean_y);
                sxx += d * d;
            }
            if sxx > 0.0 {
                sxy / sxx / x.ncols() as f64
            } else {
                0.0
            }
        })
        .collect();
    validate::fitted(
        "SlopeRegressor",
        SlopeModel {
            mean_y,
            means,
            slopes,
        },
    )
}

fn predict_slopes(m: &SlopeModel, x: MatRef<'_, f64>) -> Vec<f64> {
    (0..x.nrows())
        .map(|i| {
            m.mean_y
                + (0..x.ncols())
                    .map(|j| m.slopes.get(j).copied().unwrap_or(0.0) * (x[(i, j)] - m.means[j]))
                    .sum::<f64>()
        })
        .collect()
}

impl Fit<[f64]> for SlopeRegressor {
    type Model = SlopeModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<SlopeModel> {
        let x = x.dense("mock")?;
        fit_slopes(x, y)
    }
}

impl Predict for SlopeModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        let x = x.dense("mock")?;
        validate::matrix_with_features(x, self.means.len())?;
        Ok(predict_slopes(self, x))
    }
}

impl Fitted for SlopeModel {
    fn n_features_in(&self) -> usize {
        self.means.len()
    }
}

/// Centres each column on its fitted mean.
#[derive(Debug, Clone, Copy, Default)]
struct Centring;

#[derive(Debug, Serialize, Deserialize)]
struct CentringModel {
    means: Vec<f64>,
}

impl Persist for CentringModel {
    const MODEL_NAME: &'static str = "tests::CentringModel";
}

impl Invariants for CentringModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        invariants::finite("means", &self.means)
    }
}

impl FitUnsupervised for Centring {
    type Model = CentringModel;

    fn fit(&self, x: Features<'_>) -> Result<CentringModel> {
        let x = x.dense("mock")?;
        validate::matrix(x)?;
        Ok(CentringModel {
            means: column_means(x),
        })
    }
}

impl Transform for CentringModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        let x = x.dense("mock")?;
        validate::matrix_with_features(x, self.means.len())?;
        Ok(Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
            x[(i, j)] - self.means[j]
        }))
    }
}

impl Fitted for CentringModel {
    fn n_features_in(&self) -> usize {
        self.means.len()
    }
}

/// Clusterer taking k distinct random rows as centres, from its seed.
#[derive(Debug, Clone, Copy)]
struct RandomCentres {
    k: usize,
    seed: u64,
    /// Ignores the seed and draws a fresh one per fit: the broken variant.
    unseeded: bool,
    /// Shifts every label by k: the broken variant.
    off_by_k: bool,
}

impl RandomCentres {
    fn new(k: usize) -> Self {
        Self {
            k,
            seed: 0,
            unseeded: false,
            off_by_k: false,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct CentresModel {
    #[serde(with = "ml_core::persist::mat")]
    centres: Mat<f64>,
    label_offset: usize,
}

impl Persist for CentresModel {
    const MODEL_NAME: &'static str = "tests::CentresModel";
}

impl Invariants for CentresModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        invariants::finite_mat("centres", self.centres.as_ref())
    }
}

static FRESH_SEED: AtomicU64 = AtomicU64::new(1);

impl FitUnsupervised for RandomCentres {
    type Model = CentresModel;

    fn fit(&self, x: Features<'_>) -> Result<CentresModel> {
        let x = x.dense("mock")?;
        validate::matrix(x)?;
        validate::min_samples(x.nrows(), self.k)?;
        let seed = if self.unseeded {
            FRESH_SEED.fetch_add(1, Ordering::Relaxed)
        } else {
            self.seed
        };
        let mut rng = ml_core::rng::seeded(seed);
        let mut rows: Vec<usize> = Vec::with_capacity(self.k);
        while rows.len() < self.k {
            let r = rng.random_range(0..x.nrows());
            if !rows.contains(&r) {
                rows.push(r);
            }
        }
        Ok(CentresModel {
            centres: Mat::from_fn(self.k, x.ncols(), |c, j| x[(rows[c], j)]),
            label_offset: if self.off_by_k { self.k } else { 0 },
        })
    }
}

impl Predict for CentresModel {
    type Output = Vec<usize>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<usize>> {
        let x = x.dense("mock")?;
        validate::matrix_with_features(x, self.centres.ncols())?;
        Ok((0..x.nrows())
            .map(|i| nearest(x, i, self.centres.as_ref()) + self.label_offset)
            .collect())
    }
}

impl Fitted for CentresModel {
    fn n_features_in(&self) -> usize {
        self.centres.ncols()
    }
}

// ---------------------------------------------------------------------------------
// Deliberately broken test doubles.

/// Breaks input validation in one of several ways.
#[derive(Debug, Clone, Copy)]
enum Sloppy {
    /// Checks only emptiness, so NaN flows through.
    AcceptsNan,
    /// Reads row 0 without checking, so empty input panics.
    PanicsOnEmpty,
    /// Predicts from the first `n_features_in` columns whatever the width.
    IgnoresExtraColumns,
    /// Predicts relative to the batch mean, so a row alone differs.
    BatchDependent,
}

#[derive(Debug, Serialize, Deserialize)]
struct SloppyModel {
    inner: SlopeModel,
    kind: u8,
}

impl Persist for SloppyModel {
    const MODEL_NAME: &'static str = "tests::SloppyModel";
}

impl Invariants for SloppyModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        self.inner.check_invariants()
    }
}

impl Fit<[f64]> for Sloppy {
    type Model = SloppyModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<SloppyModel> {
        let x = x.dense("mock")?;
        let inner = match self {
            Sloppy::AcceptsNan => {
                validate::non_empty(x, "X")?;
                validate::targets_len(x.nrows(), y.len())?;
                let means = column_means(x);
                SlopeModel {
                    mean_y: y.iter().sum::<f64>() / y.len() as f64,
                    slopes: vec![0.1; means.len()],
                    means,
                }
            }
            Sloppy::PanicsOnEmpty => {
                // Reads the first target before any check.
                let _first = y[0];
                fit_slopes(x, y)?
            }
            _ => fit_slopes(x, y)?,
        };
        Ok(SloppyModel {
            inner,
            kind: *self as u8,
        })
    }
}

impl Predict for SloppyModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        let x = x.dense("mock")?;
        let p = self.inner.means.len();
        match self.kind {
            k if k == Sloppy::AcceptsNan as u8 => {
                validate::non_empty(x, "X")?;
                validate::n_features_eq(x.ncols(), p)?;
                Ok(predict_slopes(&self.inner, x))
            }
            k if k == Sloppy::IgnoresExtraColumns as u8 => {
                validate::non_empty(x, "X")?;
                let x = x.subcols(0, p.min(x.ncols()));
                validate::finite(x)?;
                Ok(predict_slopes(&self.inner, x))
            }
            k if k == Sloppy::BatchDependent as u8 => {
                validate::matrix_with_features(x, p)?;
                let batch_mean = column_means(x)[0];
                Ok(predict_slopes(&self.inner, x)
                    .into_iter()
                    .map(|v| v + batch_mean)
                    .collect())
            }
            _ => {
                validate::matrix_with_features(x, p)?;
                Ok(predict_slopes(&self.inner, x))
            }
        }
    }
}

impl Fitted for SloppyModel {
    fn n_features_in(&self) -> usize {
        self.inner.means.len()
    }
}

/// A regressor whose model forgets its slopes on save.
#[derive(Debug, Clone, Copy)]
struct Forgets;

impl Fit<[f64]> for Forgets {
    type Model = ForgetfulModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<ForgetfulModel> {
        let x = x.dense("mock")?;
        let m = fit_slopes(x, y)?;
        Ok(ForgetfulModel {
            mean_y: m.mean_y,
            means: m.means,
            slopes: m.slopes,
        })
    }
}

impl Predict for ForgetfulModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        let x = x.dense("mock")?;
        validate::matrix_with_features(x, self.means.len())?;
        let m = SlopeModel {
            mean_y: self.mean_y,
            means: self.means.clone(),
            slopes: self.slopes.clone(),
        };
        Ok(predict_slopes(&m, x))
    }
}

impl Fitted for ForgetfulModel {
    fn n_features_in(&self) -> usize {
        self.means.len()
    }
}

/// A classifier whose probabilities are unnormalised scores.
#[derive(Debug, Clone, Copy)]
struct Unnormalised;

#[derive(Debug, Serialize, Deserialize)]
struct UnnormalisedModel(NearestCentroidModel<usize>);

impl Persist for UnnormalisedModel {
    const MODEL_NAME: &'static str = "tests::UnnormalisedModel";
}

impl Invariants for UnnormalisedModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        self.0.check_invariants()
    }
}

impl Fit<[usize]> for Unnormalised {
    type Model = UnnormalisedModel;

    fn fit(&self, x: Features<'_>, y: &[usize]) -> Result<UnnormalisedModel> {
        let x = x.dense("mock")?;
        NearestCentroid.fit(x.into(), y).map(UnnormalisedModel)
    }
}

impl Predict for UnnormalisedModel {
    type Output = Vec<usize>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<usize>> {
        let x = x.dense("mock")?;
        self.0.predict(x.into())
    }
}

impl Fitted for UnnormalisedModel {
    fn n_features_in(&self) -> usize {
        self.0.centroids.ncols()
    }
}

impl PredictProba for UnnormalisedModel {
    type Label = usize;

    fn classes(&self) -> &[usize] {
        &self.0.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        let x = x.dense("mock")?;
        let p = self.0.predict_proba(x.into())?;
        Ok(Mat::from_fn(p.nrows(), p.ncols(), |i, j| p[(i, j)] * 0.5))
    }
}

// ---------------------------------------------------------------------------------
// The kit on well-behaved estimators: through the functions...

#[test]
fn good_estimators_pass_the_whole_battery() {
    let (x, y) = blobs();
    testing::check_classifier(|| NearestCentroid, x.as_ref(), &y);
    testing::check_probabilistic_classifier(|| NearestCentroid, x.as_ref(), &y);
    let (x, y) = blobs_named();
    testing::check_probabilistic_classifier(|| NearestCentroid, x.as_ref(), &y);
    let (x, y) = regression();
    testing::check_regressor(SlopeRegressor::default, x.as_ref(), &y);
    testing::check_transformer(|| Centring, x.as_ref());
    testing::check_clusterer(|| RandomCentres::new(3), x.as_ref(), 3);
}

// ...and through the macro, one test per check.

ml_core::conformance_tests!(nearest_centroid, classifier, || NearestCentroid, blobs());
ml_core::conformance_tests!(
    nearest_centroid_proba,
    probabilistic_classifier,
    || NearestCentroid,
    blobs_named()
);
ml_core::conformance_tests!(slopes, regressor, SlopeRegressor::default, regression());
ml_core::conformance_tests!(centring, transformer, || Centring, regression().0);
ml_core::conformance_tests!(
    random_centres,
    clusterer,
    || RandomCentres::new(3),
    blobs().0,
    3
);

// ---------------------------------------------------------------------------------
// The kit catches broken estimators, under the check they break.

fn regressor_failure(make: impl Fn() -> Sloppy + Copy, check: Check) -> String {
    let (x, y) = regression();
    let failure = testing::run_regressor(check, make, x.as_ref(), &y)
        .expect_err("the broken estimator passed");
    assert_eq!(failure.check, check);
    assert_eq!(failure.kind, "regressor");
    failure.to_string()
}

fn passes_other_checks(make: impl Fn() -> Sloppy + Copy, broken: &[Check]) {
    let (x, y) = regression();
    for &check in Check::REGRESSOR {
        if broken.contains(&check) {
            continue;
        }
        if let Err(f) = testing::run_regressor(check, make, x.as_ref(), &y) {
            panic!("only {broken:?} should fail, but: {f}");
        }
    }
}

#[test]
fn accepting_nan_is_caught() {
    let make = || Sloppy::AcceptsNan;
    let msg = regressor_failure(make, Check::FitNonFiniteIsError);
    assert!(
        msg.contains("fit_non_finite_is_error") && msg.contains("NonFinite"),
        "{msg}"
    );
    regressor_failure(make, Check::PredictNonFiniteIsError);
    passes_other_checks(
        make,
        &[Check::FitNonFiniteIsError, Check::PredictNonFiniteIsError],
    );
}

#[test]
fn panicking_on_empty_input_is_caught() {
    let make = || Sloppy::PanicsOnEmpty;
    let msg = regressor_failure(make, Check::FitEmptyIsError);
    assert!(msg.contains("panicked"), "{msg}");
    passes_other_checks(make, &[Check::FitEmptyIsError]);
}

#[test]
fn ignoring_extra_columns_is_caught() {
    let make = || Sloppy::IgnoresExtraColumns;
    let msg = regressor_failure(make, Check::PredictChecksNFeatures);
    assert!(msg.contains("ShapeMismatch"), "{msg}");
    passes_other_checks(make, &[Check::PredictChecksNFeatures]);
}

#[test]
fn batch_dependence_is_caught() {
    let make = || Sloppy::BatchDependent;
    let msg = regressor_failure(make, Check::SubsetInvariance);
    assert!(msg.contains("alone"), "{msg}");
    passes_other_checks(make, &[Check::SubsetInvariance]);
}

#[test]
fn forgetting_state_on_save_is_caught() {
    let (x, y) = regression();
    let failure = testing::run_regressor(Check::SerdeRoundtrip, || Forgets, x.as_ref(), &y)
        .expect_err("the forgetful model passed");
    assert_eq!(failure.check, Check::SerdeRoundtrip);
    assert!(
        testing::run_regressor(Check::DeterministicGivenSeed, || Forgets, x.as_ref(), &y).is_ok()
    );
}

#[test]
fn ignoring_the_seed_is_caught() {
    // Scattered points: two different draws of centres give different partitions.
    let x = Mat::from_fn(60, 2, |i, j| ((i * 31 + j * 17) as f64 * 0.37).sin() * 10.0);
    let make = || RandomCentres {
        unseeded: true,
        ..RandomCentres::new(3)
    };
    let failure = testing::run_clusterer(Check::DeterministicGivenSeed, make, x.as_ref(), 3)
        .expect_err("the unseeded clusterer passed");
    assert_eq!(failure.check, Check::DeterministicGivenSeed);
    assert!(testing::run_clusterer(Check::LabelsInRange, make, x.as_ref(), 3).is_ok());
}

#[test]
fn labels_out_of_range_are_caught() {
    let (x, _) = blobs();
    let make = || RandomCentres {
        off_by_k: true,
        ..RandomCentres::new(3)
    };
    let failure = testing::run_clusterer(Check::LabelsInRange, make, x.as_ref(), 3)
        .expect_err("labels 3..6 passed for 3 clusters");
    assert!(failure.message.contains("n_clusters = 3"), "{failure}");
}

#[test]
fn unnormalised_probabilities_are_caught() {
    let (x, y) = blobs();
    let failure = testing::run_probabilistic_classifier(
        Check::ProbaIsDistribution,
        || Unnormalised,
        x.as_ref(),
        &y,
    )
    .expect_err("unnormalised probabilities passed");
    assert!(failure.message.contains("sum to"), "{failure}");
    assert!(
        testing::run_probabilistic_classifier(
            Check::SerdeRoundtrip,
            || Unnormalised,
            x.as_ref(),
            &y
        )
        .is_ok()
    );
}

#[test]
fn the_battery_panics_naming_every_failed_check() {
    let (x, y) = regression();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        testing::check_regressor(|| Sloppy::AcceptsNan, x.as_ref(), &y);
    }));
    let payload = outcome.expect_err("check_regressor passed a NaN-accepting regressor");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(msg.contains("2 conformance check(s) failed"), "{msg}");
    assert!(msg.contains("fit_non_finite_is_error"), "{msg}");
    assert!(msg.contains("predict_non_finite_is_error"), "{msg}");
    assert!(!msg.contains("subset_invariance"), "{msg}");

    // A panicking estimator is caught the same way, not propagated as its own panic.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        testing::check_regressor(|| Sloppy::PanicsOnEmpty, x.as_ref(), &y);
    }));
    let msg = outcome
        .expect_err("check_regressor passed a panicking regressor")
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        msg.contains("fit_empty_is_error") && msg.contains("panicked"),
        "{msg}"
    );
}

#[test]
fn checks_that_do_not_apply_are_refused() {
    let (x, y) = regression();
    let failure = testing::run_regressor(
        Check::LabelsInRange,
        SlopeRegressor::default,
        x.as_ref(),
        &y,
    )
    .expect_err("a clusterer check ran on a regressor");
    assert!(failure.message.contains("does not apply"), "{failure}");
}

#[test]
fn invalid_kit_data_is_a_misuse_panic() {
    let x = Mat::<f64>::zeros(1, 2);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        testing::check_transformer(|| Centring, x.as_ref());
    }));
    assert!(outcome.is_err());
}

#[test]
fn check_lists_are_consistent() {
    let kinds = [
        Check::CLASSIFIER,
        Check::PROBABILISTIC_CLASSIFIER,
        Check::REGRESSOR,
        Check::CLUSTERER,
        Check::TRANSFORMER,
    ];
    for list in kinds {
        assert!(Check::COMMON.iter().all(|c| list.contains(c)));
        assert!(list.len() > Check::COMMON.len());
        let names: std::collections::BTreeSet<_> = list.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), list.len());
    }
}

#[test]
fn errors_are_typed_not_strings() {
    // The kit relies on these variants; a model that returns them passes.
    let (x, y) = blobs();
    let model = NearestCentroid.fit(x.as_ref().into(), &y).unwrap();
    assert!(matches!(
        model.predict(x.as_ref().subcols(0, 2).into()),
        Err(Error::ShapeMismatch {
            expected: 3,
            got: 2,
            ..
        })
    ));
}
