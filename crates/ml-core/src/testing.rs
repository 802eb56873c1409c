//! The estimator conformance kit: one battery of checks run on every estimator.
//!
//! Each family crate calls it from its tests, in one line per estimator, either as a
//! function that runs every check and panics naming each failed one:
//!
//! ```text
//! ml_core::testing::check_classifier(|| Tree::default().max_depth(3), x.as_ref(), &y);
//! ```
//!
//! or as a macro that expands into one `#[test]` per check inside a module, so that
//! `cargo test tree::` (or `cargo test tree::subset_invariance`) filters:
//!
//! ```text
//! ml_core::conformance_tests!(tree, classifier, || Tree::default(), (x, y));
//! ml_core::conformance_tests!(gnb, probabilistic_classifier, || GaussianNb::new(), data());
//! ml_core::conformance_tests!(ols, regressor, || Ols::new(), (x, y));
//! ml_core::conformance_tests!(kmeans, clusterer, || KMeans::new(3).seed(7), x, 3);
//! ml_core::conformance_tests!(pca, transformer, || Pca::new(2), x);
//! ```
//!
//! The data expression gives `(Mat<f64>, Vec<L>)` for supervised kinds and a
//! `Mat<f64>` for the others; it must be valid (finite, at least two rows, one column),
//! and the estimator must fit it.
//!
//! The checks ([`Check`]) follow scikit-learn's `check_estimator`, adapted to typed
//! errors: empty and non-finite input are the typed [`Error`] variants (with the right
//! row and column), a wrong feature count at predict is [`Error::ShapeMismatch`], the
//! same hyper-parameters (and seed) give the same predictions, predicting a batch
//! equals predicting row by row, and a model survives [`persist`] unchanged. A panic
//! inside the estimator is itself a failure, reported under the check that caused it.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

use crate::features::Features;
use crate::persist::{self, Invariants, Persist};
use crate::{
    Error, Fit, FitUnsupervised, FitUnsupervisedWeighted, FitWeighted, Fitted, Label, PersistError,
    Predict, PredictProba, Transform,
};

/// One check of the battery; [`Check::name`] is the name of its generated test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// `fit` on a matrix with no rows, or no columns, is [`Error::EmptyInput`].
    FitEmptyIsError,
    /// `predict` (or `transform`) on a matrix with no rows is [`Error::EmptyInput`].
    PredictEmptyIsError,
    /// `fit` on data with a NaN, +inf or -inf is [`Error::NonFinite`] at that cell.
    FitNonFiniteIsError,
    /// `predict` on data with a NaN, +inf or -inf is [`Error::NonFinite`] at that cell.
    PredictNonFiniteIsError,
    /// For estimators that take missing values: `fit` on data with a NaN fits a model
    /// whose outputs on that data are sane, and ±inf is [`Error::NonFinite`] at that
    /// cell. Replaces [`FitNonFiniteIsError`](Self::FitNonFiniteIsError).
    FitAcceptsMissing,
    /// For estimators that take missing values: `predict` on data with a NaN gives sane
    /// outputs, and ±inf is [`Error::NonFinite`] at that cell. Replaces
    /// [`PredictNonFiniteIsError`](Self::PredictNonFiniteIsError).
    PredictAcceptsMissing,
    /// `n_features_in` is the fitted column count, and `predict` with one column more
    /// or fewer is [`Error::ShapeMismatch`].
    PredictChecksNFeatures,
    /// Two fits from the same hyper-parameters (and seed) predict identically.
    DeterministicGivenSeed,
    /// Predicting a batch equals predicting its rows one by one and its halves apart.
    SubsetInvariance,
    /// A model written with [`persist::to_bytes`] and read back predicts identically.
    SerdeRoundtrip,
    /// The model's [`Persist::MODEL_NAME`] is recorded, and loading its bytes as
    /// another type is [`PersistError::WrongModelType`].
    ModelNameIsChecked,
    /// CSR input is either refused at `fit` with [`Error::Unsupported`], or accepted
    /// by `fit` and `predict` alike, with the dense fit's outputs (within 1e-6
    /// relatively for real values).
    SparseInputAgreesOrUnsupported,
    /// Classifiers predict only labels seen in `y`.
    PredictsKnownClasses,
    /// `classes()` is the sorted distinct labels of `y`, and `predict_proba` rows lie
    /// in [0, 1] and sum to 1.
    ProbaIsDistribution,
    /// Regressors predict finite values.
    PredictionsFinite,
    /// Clusterers assign at least one sample, and every label is below the number of
    /// clusters.
    LabelsInRange,
    /// Transformers keep the number of rows and give finite output with a fixed,
    /// non-zero number of columns.
    TransformShape,
    /// `fit` on the data scaled to a largest magnitude of 1e300 and of 1e-300, and with
    /// one column replaced by ±`f64::MAX`, either returns a typed error or a model whose
    /// outputs on that data are sane (finite values, known labels, probability rows
    /// that are distributions).
    ExtremeValuesAreSafe,
    /// `fit` on constant rows, on all-zero data and on a single row either returns a
    /// typed error or a model with sane outputs.
    DegenerateDataIsSafe,
    /// Model files whose payload was altered and whose checksum was recomputed are
    /// refused with a typed error, or load into a model that predicts (or refuses to)
    /// without a panic or a hang, with one output per row.
    AlteredModelFilesAreSafe,
    /// The estimator fits the kit's data with sane outputs or refuses with a typed
    /// error. Not in the kinds' lists: for variants of an estimator with extreme
    /// hyper-parameters (every count at `usize::MAX`, say), through the `run_*`
    /// functions.
    FitsOrRefuses,
}

impl Check {
    /// The checks every kind runs.
    pub const COMMON: &'static [Check] = &[
        Check::FitEmptyIsError,
        Check::PredictEmptyIsError,
        Check::FitNonFiniteIsError,
        Check::PredictNonFiniteIsError,
        Check::PredictChecksNFeatures,
        Check::DeterministicGivenSeed,
        Check::SubsetInvariance,
        Check::SerdeRoundtrip,
        Check::ModelNameIsChecked,
        Check::SparseInputAgreesOrUnsupported,
        Check::ExtremeValuesAreSafe,
        Check::DegenerateDataIsSafe,
        Check::AlteredModelFilesAreSafe,
    ];

    /// The checks [`check_classifier`] runs.
    pub const CLASSIFIER: &'static [Check] = &[
        Check::FitEmptyIsError,
        Check::PredictEmptyIsError,
        Check::FitNonFiniteIsError,
        Check::PredictNonFiniteIsError,
        Check::PredictChecksNFeatures,
        Check::DeterministicGivenSeed,
        Check::SubsetInvariance,
        Check::SerdeRoundtrip,
        Check::ModelNameIsChecked,
        Check::SparseInputAgreesOrUnsupported,
        Check::ExtremeValuesAreSafe,
        Check::DegenerateDataIsSafe,
        Check::AlteredModelFilesAreSafe,
        Check::PredictsKnownClasses,
    ];

    /// The checks [`check_probabilistic_classifier`] runs.
    pub const PROBABILISTIC_CLASSIFIER: &'static [Check] = &[
        Check::FitEmptyIsError,
        Check::PredictEmptyIsError,
        Check::FitNonFiniteIsError,
        Check::PredictNonFiniteIsError,
        Check::PredictChecksNFeatures,
        Check::DeterministicGivenSeed,
        Check::SubsetInvariance,
        Check::SerdeRoundtrip,
        Check::ModelNameIsChecked,
        Check::SparseInputAgreesOrUnsupported,
        Check::ExtremeValuesAreSafe,
        Check::DegenerateDataIsSafe,
        Check::AlteredModelFilesAreSafe,
        Check::PredictsKnownClasses,
        Check::ProbaIsDistribution,
    ];

    /// The checks [`check_regressor`] runs.
    pub const REGRESSOR: &'static [Check] = &[
        Check::FitEmptyIsError,
        Check::PredictEmptyIsError,
        Check::FitNonFiniteIsError,
        Check::PredictNonFiniteIsError,
        Check::PredictChecksNFeatures,
        Check::DeterministicGivenSeed,
        Check::SubsetInvariance,
        Check::SerdeRoundtrip,
        Check::ModelNameIsChecked,
        Check::SparseInputAgreesOrUnsupported,
        Check::ExtremeValuesAreSafe,
        Check::DegenerateDataIsSafe,
        Check::AlteredModelFilesAreSafe,
        Check::PredictionsFinite,
    ];

    /// The checks [`check_clusterer`] runs.
    pub const CLUSTERER: &'static [Check] = &[
        Check::FitEmptyIsError,
        Check::PredictEmptyIsError,
        Check::FitNonFiniteIsError,
        Check::PredictNonFiniteIsError,
        Check::PredictChecksNFeatures,
        Check::DeterministicGivenSeed,
        Check::SubsetInvariance,
        Check::SerdeRoundtrip,
        Check::ModelNameIsChecked,
        Check::SparseInputAgreesOrUnsupported,
        Check::ExtremeValuesAreSafe,
        Check::DegenerateDataIsSafe,
        Check::AlteredModelFilesAreSafe,
        Check::LabelsInRange,
    ];

    /// The checks [`check_transformer`] runs.
    pub const TRANSFORMER: &'static [Check] = &[
        Check::FitEmptyIsError,
        Check::PredictEmptyIsError,
        Check::FitNonFiniteIsError,
        Check::PredictNonFiniteIsError,
        Check::PredictChecksNFeatures,
        Check::DeterministicGivenSeed,
        Check::SubsetInvariance,
        Check::SerdeRoundtrip,
        Check::ModelNameIsChecked,
        Check::SparseInputAgreesOrUnsupported,
        Check::ExtremeValuesAreSafe,
        Check::DegenerateDataIsSafe,
        Check::AlteredModelFilesAreSafe,
        Check::TransformShape,
    ];

    /// The snake-case name of the check, as the generated test is called.
    pub fn name(self) -> &'static str {
        match self {
            Check::FitEmptyIsError => "fit_empty_is_error",
            Check::PredictEmptyIsError => "predict_empty_is_error",
            Check::FitNonFiniteIsError => "fit_non_finite_is_error",
            Check::PredictNonFiniteIsError => "predict_non_finite_is_error",
            Check::FitAcceptsMissing => "fit_accepts_missing",
            Check::PredictAcceptsMissing => "predict_accepts_missing",
            Check::PredictChecksNFeatures => "predict_checks_n_features",
            Check::DeterministicGivenSeed => "deterministic_given_seed",
            Check::SubsetInvariance => "subset_invariance",
            Check::SerdeRoundtrip => "serde_roundtrip",
            Check::ModelNameIsChecked => "model_name_is_checked",
            Check::SparseInputAgreesOrUnsupported => "sparse_input_agrees_or_unsupported",
            Check::PredictsKnownClasses => "predicts_known_classes",
            Check::ProbaIsDistribution => "proba_is_distribution",
            Check::PredictionsFinite => "predictions_finite",
            Check::LabelsInRange => "labels_in_range",
            Check::TransformShape => "transform_shape",
            Check::ExtremeValuesAreSafe => "extreme_values_are_safe",
            Check::DegenerateDataIsSafe => "degenerate_data_is_safe",
            Check::AlteredModelFilesAreSafe => "altered_model_files_are_safe",
            Check::FitsOrRefuses => "fits_or_refuses",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed check: which one, on which kind of estimator, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// The check that failed.
    pub check: Check,
    /// The kind of estimator (`"classifier"`, `"regressor"`...).
    pub kind: &'static str,
    /// What went wrong, with the values involved.
    pub message: String,
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "conformance check `{}` failed for {}: {}",
            self.check, self.kind, self.message
        )
    }
}

impl std::error::Error for CheckFailure {}

/// A cluster label as a clusterer's `predict` returns it: `usize`, or a type that can
/// also mark noise (`Option<usize>` with `None`, or a negative signed integer).
pub trait ClusterLabel: Clone + PartialEq + fmt::Debug {
    /// The cluster index, or `None` for noise.
    fn cluster(&self) -> Option<usize>;
}

impl ClusterLabel for usize {
    fn cluster(&self) -> Option<usize> {
        Some(*self)
    }
}

impl ClusterLabel for Option<usize> {
    fn cluster(&self) -> Option<usize> {
        *self
    }
}

impl ClusterLabel for isize {
    fn cluster(&self) -> Option<usize> {
        usize::try_from(*self).ok()
    }
}

impl ClusterLabel for i64 {
    fn cluster(&self) -> Option<usize> {
        usize::try_from(*self).ok()
    }
}

/// Runs every classifier check ([`Check::CLASSIFIER`]) on the estimators `make` builds,
/// fitted on `x` and `y`.
///
/// # Panics
/// With one line per failed check, naming it; also if `x`/`y` are not valid data.
pub fn check_classifier<E, L>(make: impl Fn() -> E, x: MatRef<'_, f64>, y: &[L])
where
    E: Fit<[L]>,
    E::Model: Predict<Output = Vec<L>> + Persist,
    L: Label,
{
    let subject = Classifier::new(make, x, y);
    panic_on_failures(Check::CLASSIFIER.iter().map(|&c| run(&subject, c)));
}

/// Runs one check on a classifier.
///
/// # Errors
/// The [`CheckFailure`] when the check fails, or does not apply to classifiers.
///
/// # Panics
/// If `x`/`y` are not valid data (empty, non-finite, fewer than two rows, lengths
/// differ): that is a misuse of the kit, not an estimator failure.
pub fn run_classifier<E, L>(
    check: Check,
    make: impl Fn() -> E,
    x: MatRef<'_, f64>,
    y: &[L],
) -> Result<(), CheckFailure>
where
    E: Fit<[L]>,
    E::Model: Predict<Output = Vec<L>> + Persist,
    L: Label,
{
    run(&Classifier::new(make, x, y), check)
}

/// Runs every check of a classifier with probabilities
/// ([`Check::PROBABILISTIC_CLASSIFIER`]).
///
/// # Panics
/// As [`check_classifier`].
pub fn check_probabilistic_classifier<E, L>(make: impl Fn() -> E, x: MatRef<'_, f64>, y: &[L])
where
    E: Fit<[L]>,
    E::Model: PredictProba<Label = L, Output = Vec<L>> + Persist,
    L: Label,
{
    let subject = ProbaClassifier(Classifier::new(make, x, y));
    panic_on_failures(
        Check::PROBABILISTIC_CLASSIFIER
            .iter()
            .map(|&c| run(&subject, c)),
    );
}

/// Runs one check on a classifier with probabilities.
///
/// # Errors
/// As [`run_classifier`].
///
/// # Panics
/// As [`run_classifier`].
pub fn run_probabilistic_classifier<E, L>(
    check: Check,
    make: impl Fn() -> E,
    x: MatRef<'_, f64>,
    y: &[L],
) -> Result<(), CheckFailure>
where
    E: Fit<[L]>,
    E::Model: PredictProba<Label = L, Output = Vec<L>> + Persist,
    L: Label,
{
    run(&ProbaClassifier(Classifier::new(make, x, y)), check)
}

/// Runs every regressor check ([`Check::REGRESSOR`]).
///
/// # Panics
/// As [`check_classifier`]; `y` must also be finite.
pub fn check_regressor<E>(make: impl Fn() -> E, x: MatRef<'_, f64>, y: &[f64])
where
    E: Fit<[f64]>,
    E::Model: Predict<Output = Vec<f64>> + Persist,
{
    let subject = Regressor::new(make, x, y);
    panic_on_failures(Check::REGRESSOR.iter().map(|&c| run(&subject, c)));
}

/// Runs one check on a regressor.
///
/// # Errors
/// As [`run_classifier`].
///
/// # Panics
/// As [`check_regressor`].
pub fn run_regressor<E>(
    check: Check,
    make: impl Fn() -> E,
    x: MatRef<'_, f64>,
    y: &[f64],
) -> Result<(), CheckFailure>
where
    E: Fit<[f64]>,
    E::Model: Predict<Output = Vec<f64>> + Persist,
{
    run(&Regressor::new(make, x, y), check)
}

/// Runs every clusterer check ([`Check::CLUSTERER`]); labels must lie in
/// `0..n_clusters` (noise excepted).
///
/// # Panics
/// As [`check_classifier`].
pub fn check_clusterer<E, C>(make: impl Fn() -> E, x: MatRef<'_, f64>, n_clusters: usize)
where
    E: FitUnsupervised,
    E::Model: Predict<Output = Vec<C>> + Persist,
    C: ClusterLabel,
{
    let subject = Clusterer::new(make, x, n_clusters);
    panic_on_failures(Check::CLUSTERER.iter().map(|&c| run(&subject, c)));
}

/// Runs one check on a clusterer.
///
/// # Errors
/// As [`run_classifier`].
///
/// # Panics
/// As [`run_classifier`].
pub fn run_clusterer<E, C>(
    check: Check,
    make: impl Fn() -> E,
    x: MatRef<'_, f64>,
    n_clusters: usize,
) -> Result<(), CheckFailure>
where
    E: FitUnsupervised,
    E::Model: Predict<Output = Vec<C>> + Persist,
    C: ClusterLabel,
{
    run(&Clusterer::new(make, x, n_clusters), check)
}

/// Runs every transformer check ([`Check::TRANSFORMER`]).
///
/// # Panics
/// As [`check_classifier`].
pub fn check_transformer<E>(make: impl Fn() -> E, x: MatRef<'_, f64>)
where
    E: FitUnsupervised,
    E::Model: Transform<Output = Mat<f64>> + Persist,
{
    let subject = Transformer::new(make, x);
    panic_on_failures(Check::TRANSFORMER.iter().map(|&c| run(&subject, c)));
}

/// Runs one check on a transformer.
///
/// # Errors
/// As [`run_classifier`].
///
/// # Panics
/// As [`run_classifier`].
pub fn run_transformer<E>(
    check: Check,
    make: impl Fn() -> E,
    x: MatRef<'_, f64>,
) -> Result<(), CheckFailure>
where
    E: FitUnsupervised,
    E::Model: Transform<Output = Mat<f64>> + Persist,
{
    run(&Transformer::new(make, x), check)
}

/// Fits a weighted regressor with sample weights at the ends of the float range (all
/// 1e308, all 1e-320, alternating 1e308 and 1e-300, one `f64::MAX` among ones): each
/// fit returns a typed error or a model with finite predictions, without a panic.
///
/// # Panics
/// Naming the weights that broke the estimator; also on kit misuse, as
/// [`check_regressor`].
pub fn check_extreme_weights_regressor<E>(make: impl Fn() -> E, x: MatRef<'_, f64>, y: &[f64])
where
    E: FitWeighted<[f64]>,
    E::Model: Predict<Output = Vec<f64>> + Persist,
{
    let s = Regressor::new(&make, x, y);
    panic_on_weights(&s, |x, w| make().fit_weighted(x, y, w));
}

/// [`check_extreme_weights_regressor`] for a classifier (predictions must be labels of
/// `y`).
///
/// # Panics
/// As [`check_extreme_weights_regressor`].
pub fn check_extreme_weights_classifier<E, L>(make: impl Fn() -> E, x: MatRef<'_, f64>, y: &[L])
where
    E: FitWeighted<[L]>,
    E::Model: Predict<Output = Vec<L>> + Persist,
    L: Label,
{
    let s = Classifier::new(&make, x, y);
    panic_on_weights(&s, |x, w| make().fit_weighted(x, y, w));
}

/// [`check_extreme_weights_regressor`] for a clusterer (labels below `n_clusters`).
///
/// # Panics
/// As [`check_extreme_weights_regressor`].
pub fn check_extreme_weights_clusterer<E, C>(
    make: impl Fn() -> E,
    x: MatRef<'_, f64>,
    n_clusters: usize,
) where
    E: FitUnsupervisedWeighted,
    E::Model: Predict<Output = Vec<C>> + Persist,
    C: ClusterLabel,
{
    let s = Clusterer::new(&make, x, n_clusters);
    panic_on_weights(&s, |x, w| make().fit_weighted(x, w));
}

/// The weight vectors of the extreme-weights checks, named.
fn extreme_weights(n: usize) -> Vec<(&'static str, Vec<f64>)> {
    vec![
        ("all 1e308", vec![1e308; n]),
        ("all 1e-320 (subnormal)", vec![1e-320; n]),
        (
            "alternating 1e308 and 1e-300",
            (0..n)
                .map(|i| if i % 2 == 0 { 1e308 } else { 1e-300 })
                .collect(),
        ),
        (
            "one f64::MAX among ones",
            (0..n)
                .map(|i| if i == 0 { f64::MAX } else { 1.0 })
                .collect(),
        ),
    ]
}

fn panic_on_weights<S: Subject>(
    s: &S,
    fit_weighted: impl Fn(Features<'_>, &[f64]) -> crate::Result<S::Model>,
) {
    let x = s.x();
    let failures: Vec<String> = extreme_weights(x.nrows())
        .into_iter()
        .filter_map(|(what, w)| {
            let outcome = with_deadline(Check::FitsOrRefuses, S::KIND, || {
                catch_unwind(AssertUnwindSafe(|| match fit_weighted(x.into(), &w) {
                    Ok(model) => {
                        model_is_safe(s, &model, x, &format!("a model fitted with weights {what}"))
                    }
                    Err(_) => Ok(()),
                }))
            });
            match outcome {
                Ok(Ok(())) => None,
                Ok(Err(message)) => Some(message),
                Err(_) => Some(format!("the estimator panicked with weights {what}")),
            }
        })
        .collect();
    assert!(
        failures.is_empty(),
        "extreme sample weights broke the {}:\n{}",
        S::KIND,
        failures.join("\n")
    );
}

/// Expands into a module of one `#[test]` per conformance check of an estimator.
///
/// `conformance_tests!(name, kind, make, data)` where `kind` is `classifier`,
/// `probabilistic_classifier` or `regressor` (data: `(Mat<f64>, Vec<_>)`),
/// `probabilistic_classifier_accepting_missing` or `regressor_accepting_missing` (NaN
/// is a missing value, which fit and predict take; infinities are still refused), or
/// `transformer` (data:
/// `Mat<f64>`); and
/// `conformance_tests!(name, clusterer, make, data, n_clusters)` (data: `Mat<f64>`).
/// `make` is a closure building the estimator; the module sees the items of the
/// enclosing one. See the [`testing`](crate::testing) module.
#[macro_export]
macro_rules! conformance_tests {
    ($name:ident, classifier, $make:expr, $data:expr $(,)?) => {
        $crate::conformance_tests!(@supervised $name, run_classifier, $make, $data, common,
            [predicts_known_classes: PredictsKnownClasses]);
    };
    ($name:ident, probabilistic_classifier, $make:expr, $data:expr $(,)?) => {
        $crate::conformance_tests!(@supervised $name, run_probabilistic_classifier, $make, $data,
            common, [predicts_known_classes: PredictsKnownClasses,
                     proba_is_distribution: ProbaIsDistribution]);
    };
    ($name:ident, probabilistic_classifier_accepting_missing, $make:expr, $data:expr $(,)?) => {
        $crate::conformance_tests!(@supervised $name, run_probabilistic_classifier, $make, $data,
            common_accepting_missing, [predicts_known_classes: PredictsKnownClasses,
                                       proba_is_distribution: ProbaIsDistribution]);
    };
    ($name:ident, regressor, $make:expr, $data:expr $(,)?) => {
        $crate::conformance_tests!(@supervised $name, run_regressor, $make, $data, common,
            [predictions_finite: PredictionsFinite]);
    };
    ($name:ident, regressor_accepting_missing, $make:expr, $data:expr $(,)?) => {
        $crate::conformance_tests!(@supervised $name, run_regressor, $make, $data,
            common_accepting_missing, [predictions_finite: PredictionsFinite]);
    };
    ($name:ident, clusterer, $make:expr, $data:expr, $n_clusters:expr $(,)?) => {
        $crate::conformance_tests!(@module $name, common, [labels_in_range: LabelsInRange],
            |check| {
                let x = $data;
                $crate::testing::run_clusterer(check, $make, x.as_ref(), $n_clusters)
            });
    };
    ($name:ident, transformer, $make:expr, $data:expr $(,)?) => {
        $crate::conformance_tests!(@module $name, common, [transform_shape: TransformShape],
            |check| {
                let x = $data;
                $crate::testing::run_transformer(check, $make, x.as_ref())
            });
    };
    // A supervised kind: `$data` is `(x, y)`, `$run` the kit's runner of the kind.
    (@supervised $name:ident, $run:ident, $make:expr, $data:expr, $common:ident,
     [$($test:ident: $check:ident),*]) => {
        $crate::conformance_tests!(@module $name, $common, [$($test: $check),*], |check| {
            let (x, y) = $data;
            $crate::testing::$run(check, $make, x.as_ref(), &y)
        });
    };
    // The module: `run` applies one check with `$runner`, then one test per check of
    // the `$common` list and of the kind's own list.
    (@module $name:ident, $common:ident, [$($test:ident: $check:ident),*], $runner:expr) => {
        #[allow(unused_imports)]
        mod $name {
            use super::*;
            fn run(check: $crate::testing::Check) {
                let runner = $runner;
                if let Err(failure) = runner(check) {
                    panic!("{failure}");
                }
            }
            $crate::conformance_tests!(@ $common);
            $($crate::conformance_tests!(@case $test, $check);)*
        }
    };
    (@common) => {
        $crate::conformance_tests!(@case fit_non_finite_is_error, FitNonFiniteIsError);
        $crate::conformance_tests!(@case predict_non_finite_is_error, PredictNonFiniteIsError);
        $crate::conformance_tests!(@shared);
    };
    (@common_accepting_missing) => {
        $crate::conformance_tests!(@case fit_accepts_missing, FitAcceptsMissing);
        $crate::conformance_tests!(@case predict_accepts_missing, PredictAcceptsMissing);
        $crate::conformance_tests!(@shared);
    };
    (@shared) => {
        $crate::conformance_tests!(@case fit_empty_is_error, FitEmptyIsError);
        $crate::conformance_tests!(@case predict_empty_is_error, PredictEmptyIsError);
        $crate::conformance_tests!(@case predict_checks_n_features, PredictChecksNFeatures);
        $crate::conformance_tests!(@case deterministic_given_seed, DeterministicGivenSeed);
        $crate::conformance_tests!(@case subset_invariance, SubsetInvariance);
        $crate::conformance_tests!(@case serde_roundtrip, SerdeRoundtrip);
        $crate::conformance_tests!(@case model_name_is_checked, ModelNameIsChecked);
        $crate::conformance_tests!(
            @case sparse_input_agrees_or_unsupported,
            SparseInputAgreesOrUnsupported
        );
        $crate::conformance_tests!(@case extreme_values_are_safe, ExtremeValuesAreSafe);
        $crate::conformance_tests!(@case degenerate_data_is_safe, DegenerateDataIsSafe);
        $crate::conformance_tests!(
            @case altered_model_files_are_safe,
            AlteredModelFilesAreSafe
        );
    };
    (@case $test:ident, $check:ident) => {
        #[test]
        fn $test() {
            run($crate::testing::Check::$check);
        }
    };
}

/// What a check says when it fails.
type Outcome = Result<(), String>;

/// One estimator under test, whatever its kind: how to fit it on the kit's data and
/// what one row of its output is.
trait Subject {
    type Model: Persist;
    /// The output for one row: a label, a value, or a transformed row.
    type Out: Clone + fmt::Debug;
    const KIND: &'static str;

    fn x(&self) -> MatRef<'_, f64>;
    /// Fits on `x`, with the first `x.nrows()` targets for supervised kinds.
    fn fit(&self, x: Features<'_>) -> crate::Result<Self::Model>;
    fn predict(model: &Self::Model, x: Features<'_>) -> crate::Result<Vec<Self::Out>>;
    fn n_features_in(model: &Self::Model) -> usize;
    /// Whether two outputs agree: exactly when `tol` is 0, else within `tol` relatively.
    fn same(a: &Self::Out, b: &Self::Out, tol: f64) -> bool;
    /// A second output compared alongside predictions (class probabilities).
    fn secondary(_model: &Self::Model, _x: Features<'_>) -> Option<crate::Result<Mat<f64>>> {
        None
    }
    /// The checks proper to this kind; `None` when `check` does not apply.
    fn kind_check(&self, check: Check) -> Option<Outcome>;
    /// Whether outputs on hostile data are sane for this kind: finite values, known
    /// labels, labels below the cluster count.
    fn sane_outputs(&self, out: &[Self::Out]) -> Outcome;
}

/// Tolerance of batch against row-by-row outputs: linear algebra may block a batch
/// differently from a single row, so real-valued outputs may differ in the last bits.
const SUBSET_TOL: f64 = 1e-9;

fn close(a: f64, b: f64, tol: f64) -> bool {
    if tol == 0.0 {
        a.to_bits() == b.to_bits() || a == b
    } else {
        (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
    }
}

fn assert_valid_data(x: MatRef<'_, f64>, y_len: Option<usize>) {
    assert!(
        x.nrows() >= 2 && x.ncols() >= 1,
        "conformance kit misuse: the data must have at least 2 rows and 1 column, got {} x {}",
        x.nrows(),
        x.ncols()
    );
    if let Err(e) = crate::validate::finite(x) {
        panic!("conformance kit misuse: the data must be finite: {e}");
    }
    if let Some(n) = y_len {
        assert_eq!(
            n,
            x.nrows(),
            "conformance kit misuse: y must have one entry per row of x"
        );
    }
}

struct Classifier<'a, F, L> {
    make: F,
    x: MatRef<'a, f64>,
    y: &'a [L],
}

impl<'a, F, L> Classifier<'a, F, L> {
    fn new(make: F, x: MatRef<'a, f64>, y: &'a [L]) -> Self {
        assert_valid_data(x, Some(y.len()));
        Self { make, x, y }
    }
}

impl<F, E, L> Subject for Classifier<'_, F, L>
where
    F: Fn() -> E,
    E: Fit<[L]>,
    E::Model: Predict<Output = Vec<L>> + Persist,
    L: Label,
{
    type Model = E::Model;
    type Out = L;
    const KIND: &'static str = "classifier";

    fn x(&self) -> MatRef<'_, f64> {
        self.x
    }

    fn fit(&self, x: Features<'_>) -> crate::Result<Self::Model> {
        (self.make)().fit(x, &self.y[..x.nrows()])
    }

    fn predict(model: &Self::Model, x: Features<'_>) -> crate::Result<Vec<L>> {
        model.predict(x)
    }

    fn n_features_in(model: &Self::Model) -> usize {
        Fitted::n_features_in(model)
    }

    fn same(a: &L, b: &L, _tol: f64) -> bool {
        a == b
    }

    fn kind_check(&self, check: Check) -> Option<Outcome> {
        match check {
            Check::PredictsKnownClasses => Some(predicts_known_classes(self)),
            _ => None,
        }
    }

    fn sane_outputs(&self, out: &[L]) -> Outcome {
        known_labels(self.y, out)
    }
}

/// Every predicted label is one of `y`'s.
fn known_labels<L: Label>(y: &[L], out: &[L]) -> Outcome {
    let known: std::collections::BTreeSet<&L> = y.iter().collect();
    match out.iter().position(|p| !known.contains(p)) {
        Some(i) => Err(format!(
            "row {i} was predicted as {:?}, a label not in y",
            out[i]
        )),
        None => Ok(()),
    }
}

fn predicts_known_classes<S>(s: &S) -> Outcome
where
    S: Subject + HasLabels<S::Out>,
    S::Out: Label,
{
    let model = fit_valid(s)?;
    known_labels(s.labels(), &predict_valid::<S>(&model, s.x())?)
}

/// Supervised subjects whose targets are class labels.
trait HasLabels<L> {
    fn labels(&self) -> &[L];
}

impl<F, L> HasLabels<L> for Classifier<'_, F, L> {
    fn labels(&self) -> &[L] {
        self.y
    }
}

impl<F, L> HasLabels<L> for ProbaClassifier<'_, F, L> {
    fn labels(&self) -> &[L] {
        self.0.y
    }
}

struct ProbaClassifier<'a, F, L>(Classifier<'a, F, L>);

impl<F, E, L> Subject for ProbaClassifier<'_, F, L>
where
    F: Fn() -> E,
    E: Fit<[L]>,
    E::Model: PredictProba<Label = L, Output = Vec<L>> + Persist,
    L: Label,
{
    type Model = E::Model;
    type Out = L;
    const KIND: &'static str = "probabilistic classifier";

    fn x(&self) -> MatRef<'_, f64> {
        self.0.x
    }

    fn fit(&self, x: Features<'_>) -> crate::Result<Self::Model> {
        self.0.fit(x)
    }

    fn predict(model: &Self::Model, x: Features<'_>) -> crate::Result<Vec<L>> {
        model.predict(x)
    }

    fn n_features_in(model: &Self::Model) -> usize {
        Fitted::n_features_in(model)
    }

    fn same(a: &L, b: &L, _tol: f64) -> bool {
        a == b
    }

    fn secondary(model: &Self::Model, x: Features<'_>) -> Option<crate::Result<Mat<f64>>> {
        Some(model.predict_proba(x))
    }

    fn kind_check(&self, check: Check) -> Option<Outcome> {
        match check {
            Check::PredictsKnownClasses => Some(predicts_known_classes(self)),
            Check::ProbaIsDistribution => Some(proba_is_distribution(self)),
            _ => None,
        }
    }

    fn sane_outputs(&self, out: &[L]) -> Outcome {
        known_labels(self.0.y, out)
    }
}

/// Rows of `proba` lie in [0, 1] and sum to 1.
fn rows_are_distributions(proba: &Mat<f64>) -> Outcome {
    for i in 0..proba.nrows() {
        let mut sum = 0.0;
        for j in 0..proba.ncols() {
            let p = proba[(i, j)];
            if !(0.0..=1.0).contains(&p) {
                return Err(format!(
                    "probability {p} at row {i}, class {j} is outside [0, 1]"
                ));
            }
            sum += p;
        }
        if (sum - 1.0).abs() > 1e-8 {
            return Err(format!("probabilities of row {i} sum to {sum}, not 1"));
        }
    }
    Ok(())
}

fn proba_is_distribution<F, E, L>(s: &ProbaClassifier<'_, F, L>) -> Outcome
where
    F: Fn() -> E,
    E: Fit<[L]>,
    E::Model: PredictProba<Label = L, Output = Vec<L>> + Persist,
    L: Label,
{
    let model = fit_valid(s)?;
    let mut expected: Vec<L> = s.0.y.to_vec();
    expected.sort();
    expected.dedup();
    if model.classes() != expected.as_slice() {
        return Err(format!(
            "classes() is {:?}, expected the sorted distinct labels of y {expected:?}",
            model.classes()
        ));
    }
    let x = s.0.x;
    let proba = model
        .predict_proba(x.into())
        .map_err(|e| format!("predict_proba failed on the fitted data: {e}"))?;
    if proba.nrows() != x.nrows() || proba.ncols() != expected.len() {
        return Err(format!(
            "predict_proba is {} x {}, expected {} x {}",
            proba.nrows(),
            proba.ncols(),
            x.nrows(),
            expected.len()
        ));
    }
    rows_are_distributions(&proba)
}

struct Regressor<'a, F> {
    make: F,
    x: MatRef<'a, f64>,
    y: &'a [f64],
}

impl<'a, F> Regressor<'a, F> {
    fn new(make: F, x: MatRef<'a, f64>, y: &'a [f64]) -> Self {
        assert_valid_data(x, Some(y.len()));
        assert!(
            y.iter().all(|v| v.is_finite()),
            "conformance kit misuse: y must be finite"
        );
        Self { make, x, y }
    }
}

impl<F, E> Subject for Regressor<'_, F>
where
    F: Fn() -> E,
    E: Fit<[f64]>,
    E::Model: Predict<Output = Vec<f64>> + Persist,
{
    type Model = E::Model;
    type Out = f64;
    const KIND: &'static str = "regressor";

    fn x(&self) -> MatRef<'_, f64> {
        self.x
    }

    fn fit(&self, x: Features<'_>) -> crate::Result<Self::Model> {
        (self.make)().fit(x, &self.y[..x.nrows()])
    }

    fn predict(model: &Self::Model, x: Features<'_>) -> crate::Result<Vec<f64>> {
        model.predict(x)
    }

    fn n_features_in(model: &Self::Model) -> usize {
        model.n_features_in()
    }

    fn same(a: &f64, b: &f64, tol: f64) -> bool {
        close(*a, *b, tol)
    }

    fn kind_check(&self, check: Check) -> Option<Outcome> {
        match check {
            Check::PredictionsFinite => Some((|| {
                let model = fit_valid(self)?;
                let pred = predict_valid::<Self>(&model, self.x)?;
                self.sane_outputs(&pred)
            })()),
            _ => None,
        }
    }

    fn sane_outputs(&self, out: &[f64]) -> Outcome {
        match out.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(format!("prediction {} for row {i} is not finite", out[i])),
            None => Ok(()),
        }
    }
}

struct Clusterer<'a, F> {
    make: F,
    x: MatRef<'a, f64>,
    n_clusters: usize,
}

impl<'a, F> Clusterer<'a, F> {
    fn new(make: F, x: MatRef<'a, f64>, n_clusters: usize) -> Self {
        assert_valid_data(x, None);
        assert!(
            n_clusters >= 1,
            "conformance kit misuse: n_clusters must be at least 1"
        );
        Self {
            make,
            x,
            n_clusters,
        }
    }
}

impl<F, E, C> Subject for Clusterer<'_, F>
where
    F: Fn() -> E,
    E: FitUnsupervised,
    E::Model: Predict<Output = Vec<C>> + Persist,
    C: ClusterLabel,
{
    type Model = E::Model;
    type Out = C;
    const KIND: &'static str = "clusterer";

    fn x(&self) -> MatRef<'_, f64> {
        self.x
    }

    fn fit(&self, x: Features<'_>) -> crate::Result<Self::Model> {
        (self.make)().fit(x)
    }

    fn predict(model: &Self::Model, x: Features<'_>) -> crate::Result<Vec<C>> {
        model.predict(x)
    }

    fn n_features_in(model: &Self::Model) -> usize {
        model.n_features_in()
    }

    fn same(a: &C, b: &C, _tol: f64) -> bool {
        a == b
    }

    fn kind_check(&self, check: Check) -> Option<Outcome> {
        match check {
            Check::LabelsInRange => Some((|| {
                let model = fit_valid(self)?;
                let labels = predict_valid::<Self>(&model, self.x)?;
                if let Some((i, l)) = labels
                    .iter()
                    .enumerate()
                    .find(|(_, l)| l.cluster().is_some_and(|c| c >= self.n_clusters))
                {
                    return Err(format!(
                        "row {i} has label {l:?}, not below n_clusters = {}",
                        self.n_clusters
                    ));
                }
                if labels.iter().all(|l| l.cluster().is_none()) {
                    return Err("every sample was labelled noise".to_owned());
                }
                Ok(())
            })()),
            _ => None,
        }
    }

    fn sane_outputs(&self, out: &[C]) -> Outcome {
        match out
            .iter()
            .position(|l| l.cluster().is_some_and(|c| c >= self.n_clusters))
        {
            Some(i) => Err(format!(
                "row {i} has label {:?}, not below n_clusters = {}",
                out[i], self.n_clusters
            )),
            None => Ok(()),
        }
    }
}

struct Transformer<'a, F> {
    make: F,
    x: MatRef<'a, f64>,
}

impl<'a, F> Transformer<'a, F> {
    fn new(make: F, x: MatRef<'a, f64>) -> Self {
        assert_valid_data(x, None);
        Self { make, x }
    }
}

fn mat_rows(m: &Mat<f64>) -> Vec<Vec<f64>> {
    (0..m.nrows())
        .map(|i| (0..m.ncols()).map(|j| m[(i, j)]).collect())
        .collect()
}

impl<F, E> Subject for Transformer<'_, F>
where
    F: Fn() -> E,
    E: FitUnsupervised,
    E::Model: Transform<Output = Mat<f64>> + Persist,
{
    type Model = E::Model;
    type Out = Vec<f64>;
    const KIND: &'static str = "transformer";

    fn x(&self) -> MatRef<'_, f64> {
        self.x
    }

    fn fit(&self, x: Features<'_>) -> crate::Result<Self::Model> {
        (self.make)().fit(x)
    }

    fn predict(model: &Self::Model, x: Features<'_>) -> crate::Result<Vec<Vec<f64>>> {
        model.transform(x).map(|m| mat_rows(&m))
    }

    fn n_features_in(model: &Self::Model) -> usize {
        model.n_features_in()
    }

    fn same(a: &Vec<f64>, b: &Vec<f64>, tol: f64) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(&u, &v)| close(u, v, tol))
    }

    fn kind_check(&self, check: Check) -> Option<Outcome> {
        match check {
            Check::TransformShape => Some((|| {
                let model = fit_valid(self)?;
                let x = self.x;
                let out = model
                    .transform(x.into())
                    .map_err(|e| format!("transform failed on the fitted data: {e}"))?;
                if out.nrows() != x.nrows() {
                    return Err(format!(
                        "transform gave {} rows for {} input rows",
                        out.nrows(),
                        x.nrows()
                    ));
                }
                if out.ncols() == 0 {
                    return Err("transform gave no columns".to_owned());
                }
                if let Err(e) = crate::validate::finite(out.as_ref()) {
                    return Err(format!("transform output is not finite: {e}"));
                }
                let half = model
                    .transform(x.subrows(0, x.nrows() / 2).into())
                    .map_err(|e| format!("transform failed on half the rows: {e}"))?;
                if half.ncols() != out.ncols() {
                    return Err(format!(
                        "transform gave {} columns for all rows but {} for half of them",
                        out.ncols(),
                        half.ncols()
                    ));
                }
                Ok(())
            })()),
            _ => None,
        }
    }

    fn sane_outputs(&self, out: &[Vec<f64>]) -> Outcome {
        for (i, row) in out.iter().enumerate() {
            if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                return Err(format!("output ({i}, {j}) is {}, not finite", row[j]));
            }
        }
        Ok(())
    }
}

/// Runs one check, turning a panic inside the estimator into a failure of that check.
fn run<S: Subject>(s: &S, check: Check) -> Result<(), CheckFailure> {
    let outcome = with_deadline(check, S::KIND, || {
        catch_unwind(AssertUnwindSafe(|| run_inner(s, check)))
    });
    let message = match outcome {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(message)) => message,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string payload".to_owned());
            format!("the estimator panicked instead of returning an error: {what}")
        }
    };
    Err(CheckFailure {
        check,
        kind: S::KIND,
        message,
    })
}

fn panic_on_failures(results: impl Iterator<Item = Result<(), CheckFailure>>) {
    let failures: Vec<String> = results
        .filter_map(|r| r.err().map(|f| f.to_string()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} conformance check(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn run_inner<S: Subject>(s: &S, check: Check) -> Outcome {
    match check {
        Check::FitEmptyIsError => fit_empty_is_error(s),
        Check::PredictEmptyIsError => predict_empty_is_error(s),
        Check::FitNonFiniteIsError => fit_non_finite_is_error(s),
        Check::PredictNonFiniteIsError => predict_non_finite_is_error(s),
        Check::FitAcceptsMissing => fit_accepts_missing(s),
        Check::PredictAcceptsMissing => predict_accepts_missing(s),
        Check::PredictChecksNFeatures => predict_checks_n_features(s),
        Check::DeterministicGivenSeed => deterministic_given_seed(s),
        Check::SubsetInvariance => subset_invariance(s),
        Check::SerdeRoundtrip => serde_roundtrip(s),
        Check::ModelNameIsChecked => model_name_is_checked(s),
        Check::SparseInputAgreesOrUnsupported => sparse_input_agrees_or_unsupported(s),
        Check::ExtremeValuesAreSafe => extreme_values_are_safe(s),
        Check::DegenerateDataIsSafe => degenerate_data_is_safe(s),
        Check::AlteredModelFilesAreSafe => altered_model_files_are_safe(s),
        Check::FitsOrRefuses => fit_is_safe(s, s.x(), "the kit's data"),
        other => s
            .kind_check(other)
            .unwrap_or_else(|| Err(format!("check `{other}` does not apply to a {}", S::KIND))),
    }
}

fn fit_valid<S: Subject>(s: &S) -> Result<S::Model, String> {
    s.fit(s.x().into())
        .map_err(|e| format!("fit failed on the kit's valid data: {e}"))
}

fn predict_valid<S: Subject>(model: &S::Model, x: MatRef<'_, f64>) -> Result<Vec<S::Out>, String> {
    let out =
        S::predict(model, x.into()).map_err(|e| format!("predict failed on valid data: {e}"))?;
    if out.len() != x.nrows() {
        return Err(format!(
            "predict gave {} outputs for {} rows",
            out.len(),
            x.nrows()
        ));
    }
    Ok(out)
}

fn expect_error<T>(
    result: crate::Result<T>,
    call: &str,
    expected: &str,
    matches: impl Fn(&Error) -> bool,
) -> Outcome {
    match result {
        Ok(_) => Err(format!("{call} returned Ok; expected {expected}")),
        Err(e) if matches(&e) => Ok(()),
        Err(e) => Err(format!("{call} returned {e:?}; expected {expected}")),
    }
}

fn is_empty_input(e: &Error) -> bool {
    matches!(e, Error::EmptyInput { .. })
}

fn fit_empty_is_error<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    expect_error(
        s.fit(x.subrows(0, 0).into()),
        &format!("fit on a 0 x {} matrix", x.ncols()),
        "Error::EmptyInput",
        is_empty_input,
    )?;
    expect_error(
        s.fit(x.subcols(0, 0).into()),
        &format!("fit on a {} x 0 matrix", x.nrows()),
        "Error::EmptyInput",
        is_empty_input,
    )
}

fn predict_empty_is_error<S: Subject>(s: &S) -> Outcome {
    let model = fit_valid(s)?;
    let x = s.x();
    expect_error(
        S::predict(&model, x.subrows(0, 0).into()),
        &format!("predict on a 0 x {} matrix", x.ncols()),
        "Error::EmptyInput",
        is_empty_input,
    )
}

/// The cells the non-finite checks poison, one at a time, and the value put there.
fn poisoned_cells(x: MatRef<'_, f64>) -> [(usize, usize, f64); 3] {
    let (n, p) = (x.nrows(), x.ncols());
    [
        (n / 2, p - 1, f64::NAN),
        (0, 0, f64::INFINITY),
        (n - 1, p / 2, f64::NEG_INFINITY),
    ]
}

fn poison(x: MatRef<'_, f64>, row: usize, col: usize, value: f64) -> Mat<f64> {
    let mut m = x.to_owned();
    m[(row, col)] = value;
    m
}

fn is_non_finite_at(e: &Error, row: usize, col: usize, value: f64) -> bool {
    matches!(e, Error::NonFinite { row: r, col: c, value: v }
        if *r == row && *c == col && (v.is_nan() && value.is_nan() || *v == value))
}

fn fit_non_finite_is_error<S: Subject>(s: &S) -> Outcome {
    for (row, col, value) in poisoned_cells(s.x()) {
        let bad = poison(s.x(), row, col, value);
        expect_error(
            s.fit(bad.as_ref().into()),
            &format!("fit with {value} at row {row}, column {col}"),
            &format!("Error::NonFinite {{ row: {row}, col: {col}, value: {value} }}"),
            |e| is_non_finite_at(e, row, col, value),
        )?;
    }
    Ok(())
}

fn predict_non_finite_is_error<S: Subject>(s: &S) -> Outcome {
    let model = fit_valid(s)?;
    for (row, col, value) in poisoned_cells(s.x()) {
        let bad = poison(s.x(), row, col, value);
        expect_error(
            S::predict(&model, bad.as_ref().into()),
            &format!("predict with {value} at row {row}, column {col}"),
            &format!("Error::NonFinite {{ row: {row}, col: {col}, value: {value} }}"),
            |e| is_non_finite_at(e, row, col, value),
        )?;
    }
    Ok(())
}

/// The outcome of `result` on data with `value` at (`row`, `col`): sane outputs for
/// NaN (a missing value), [`Error::NonFinite`] at that cell for an infinity.
fn missing_or_infinite<S: Subject>(
    s: &S,
    result: crate::Result<Vec<S::Out>>,
    call: &str,
    (row, col, value): (usize, usize, f64),
) -> Outcome {
    if value.is_nan() {
        let out = result.map_err(|e| {
            format!("{call} with NaN (missing) at row {row}, column {col} failed: {e}")
        })?;
        return s.sane_outputs(&out);
    }
    expect_error(
        result,
        &format!("{call} with {value} at row {row}, column {col}"),
        &format!("Error::NonFinite {{ row: {row}, col: {col}, value: {value} }}"),
        |e| is_non_finite_at(e, row, col, value),
    )
}

fn fit_accepts_missing<S: Subject>(s: &S) -> Outcome {
    for (row, col, value) in poisoned_cells(s.x()) {
        let bad = poison(s.x(), row, col, value);
        let result = s
            .fit(bad.as_ref().into())
            .and_then(|model| S::predict(&model, bad.as_ref().into()));
        missing_or_infinite(s, result, "fit and predict", (row, col, value))?;
    }
    Ok(())
}

fn predict_accepts_missing<S: Subject>(s: &S) -> Outcome {
    let model = fit_valid(s)?;
    for (row, col, value) in poisoned_cells(s.x()) {
        let bad = poison(s.x(), row, col, value);
        let result = S::predict(&model, bad.as_ref().into());
        missing_or_infinite(s, result, "predict", (row, col, value))?;
    }
    Ok(())
}

fn predict_checks_n_features<S: Subject>(s: &S) -> Outcome {
    let model = fit_valid(s)?;
    let x = s.x();
    let p = x.ncols();
    if S::n_features_in(&model) != p {
        return Err(format!(
            "n_features_in() is {}, but the model was fitted on {p} columns",
            S::n_features_in(&model)
        ));
    }
    let wider = Mat::from_fn(x.nrows(), p + 1, |i, j| if j < p { x[(i, j)] } else { 1.0 });
    let shape_mismatch = |got: usize| move |e: &Error| matches!(e, Error::ShapeMismatch { expected, got: g, .. } if *expected == p && *g == got);
    expect_error(
        S::predict(&model, wider.as_ref().into()),
        &format!("predict on {} columns after fitting {p}", p + 1),
        &format!("Error::ShapeMismatch {{ expected: {p}, got: {} }}", p + 1),
        shape_mismatch(p + 1),
    )?;
    if p > 1 {
        expect_error(
            S::predict(&model, x.subcols(0, p - 1).into()),
            &format!("predict on {} columns after fitting {p}", p - 1),
            &format!("Error::ShapeMismatch {{ expected: {p}, got: {} }}", p - 1),
            shape_mismatch(p - 1),
        )?;
    }
    Ok(())
}

fn compare_outputs<S: Subject>(a: &[S::Out], b: &[S::Out], tol: f64, what: &str) -> Outcome {
    if a.len() != b.len() {
        return Err(format!("{what}: {} outputs against {}", a.len(), b.len()));
    }
    match a.iter().zip(b).position(|(u, v)| !S::same(u, v, tol)) {
        Some(i) => Err(format!(
            "{what}: row {i} gives {:?} against {:?}",
            a[i], b[i]
        )),
        None => Ok(()),
    }
}

fn compare_mats(a: &Mat<f64>, b: &Mat<f64>, tol: f64, what: &str) -> Outcome {
    if a.nrows() != b.nrows() || a.ncols() != b.ncols() {
        return Err(format!(
            "{what}: shape {} x {} against {} x {}",
            a.nrows(),
            a.ncols(),
            b.nrows(),
            b.ncols()
        ));
    }
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            if !close(a[(i, j)], b[(i, j)], tol) {
                return Err(format!(
                    "{what}: entry ({i}, {j}) is {} against {}",
                    a[(i, j)],
                    b[(i, j)]
                ));
            }
        }
    }
    Ok(())
}

fn secondary_valid<S: Subject>(
    model: &S::Model,
    x: MatRef<'_, f64>,
) -> Result<Option<Mat<f64>>, String> {
    S::secondary(model, x.into())
        .transpose()
        .map_err(|e| format!("predict_proba failed on valid data: {e}"))
}

/// Relative tolerance of sparse against dense outputs: a sparse path may order its sums
/// differently, and an iterative solver may stop a few rounding steps apart.
const SPARSE_TOL: f64 = 1e-6;

fn sparse_input_agrees_or_unsupported<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    let csr = crate::sparse::csr_from_dense(x)
        .map_err(|e| format!("the kit could not build a CSR copy of its data: {e}"))?;
    let sparse_model = match s.fit(Features::from(&csr)) {
        Err(Error::Unsupported { .. }) => return Ok(()),
        Err(e) => {
            return Err(format!(
                "fit on CSR input returned {e:?}; expected a model or Error::Unsupported"
            ));
        }
        Ok(model) => model,
    };
    let dense_model = fit_valid(s)?;
    let from_sparse = S::predict(&sparse_model, Features::from(&csr))
        .map_err(|e| format!("predict on CSR input failed after fit accepted it: {e}"))?;
    compare_outputs::<S>(
        &from_sparse,
        &predict_valid::<S>(&dense_model, x)?,
        SPARSE_TOL,
        "a fit and predict on CSR input disagree with the dense ones",
    )
}

fn deterministic_given_seed<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    let a = fit_valid(s)?;
    let b = fit_valid(s)?;
    compare_outputs::<S>(
        &predict_valid::<S>(&a, x)?,
        &predict_valid::<S>(&b, x)?,
        0.0,
        "two fits with the same hyper-parameters and seed disagree",
    )?;
    if let (Some(pa), Some(pb)) = (secondary_valid::<S>(&a, x)?, secondary_valid::<S>(&b, x)?) {
        compare_mats(
            &pa,
            &pb,
            0.0,
            "two fits with the same hyper-parameters and seed give other probabilities",
        )?;
    }
    Ok(())
}

/// The rows predicted one at a time: all of them for small data, else 50 spread out.
fn sample_rows(n: usize) -> Vec<usize> {
    const MAX: usize = 50;
    if n <= MAX {
        (0..n).collect()
    } else {
        (0..MAX).map(|k| k * (n - 1) / (MAX - 1)).collect()
    }
}

fn subset_invariance<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    let model = fit_valid(s)?;
    let batch = predict_valid::<S>(&model, x)?;
    let batch_proba = secondary_valid::<S>(&model, x)?;
    for i in sample_rows(x.nrows()) {
        let row = x.subrows(i, 1);
        let single = predict_valid::<S>(&model, row)?;
        if !S::same(&single[0], &batch[i], SUBSET_TOL) {
            return Err(format!(
                "row {i} alone gives {:?}, in the batch {:?}",
                single[0], batch[i]
            ));
        }
        if let (Some(all), Some(one)) = (&batch_proba, secondary_valid::<S>(&model, row)?) {
            let all_row = all.as_ref().subrows(i, 1).to_owned();
            compare_mats(
                &one,
                &all_row,
                SUBSET_TOL,
                &format!("probabilities of row {i} alone and in the batch"),
            )?;
        }
    }
    let h = x.nrows() / 2;
    let mut halves = predict_valid::<S>(&model, x.subrows(0, h))?;
    halves.extend(predict_valid::<S>(&model, x.subrows(h, x.nrows() - h))?);
    compare_outputs::<S>(
        &halves,
        &batch,
        SUBSET_TOL,
        "the two halves predicted apart and the whole batch",
    )
}

fn serde_roundtrip<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    let model = fit_valid(s)?;
    let bytes = persist::to_bytes(&model).map_err(|e| format!("to_bytes failed: {e}"))?;
    let back: S::Model =
        persist::from_bytes(&bytes).map_err(|e| format!("from_bytes of to_bytes failed: {e}"))?;
    if S::n_features_in(&back) != S::n_features_in(&model) {
        return Err(format!(
            "n_features_in() is {} after the round trip, {} before",
            S::n_features_in(&back),
            S::n_features_in(&model)
        ));
    }
    compare_outputs::<S>(
        &predict_valid::<S>(&back, x)?,
        &predict_valid::<S>(&model, x)?,
        0.0,
        "the model read back predicts otherwise",
    )?;
    if let (Some(a), Some(b)) = (
        secondary_valid::<S>(&back, x)?,
        secondary_valid::<S>(&model, x)?,
    ) {
        compare_mats(&a, &b, 0.0, "the model read back gives other probabilities")?;
    }
    Ok(())
}

/// A model type no estimator is, to check that loading refuses another type's bytes.
#[derive(Debug, Serialize, Deserialize)]
struct Decoy;

impl Persist for Decoy {
    const MODEL_NAME: &'static str = "ml_core::testing::Decoy";
}

impl Invariants for Decoy {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

fn model_name_is_checked<S: Subject>(s: &S) -> Outcome {
    let name = <S::Model as Persist>::MODEL_NAME;
    if name.trim().is_empty() {
        return Err("MODEL_NAME is empty".to_owned());
    }
    if name == Decoy::MODEL_NAME {
        return Err(format!("MODEL_NAME {name:?} is the kit's decoy name"));
    }
    let model = fit_valid(s)?;
    let bytes = persist::to_bytes(&model).map_err(|e| format!("to_bytes failed: {e}"))?;
    let recorded = persist::model_name(&bytes).map_err(|e| format!("model_name failed: {e}"))?;
    if recorded != name {
        return Err(format!("the header records {recorded:?}, not {name:?}"));
    }
    expect_error(
        persist::from_bytes::<Decoy>(&bytes),
        "loading the model's bytes as another type",
        "PersistError::WrongModelType",
        |e| matches!(e, Error::Persist(PersistError::WrongModelType { found, .. }) if found == name),
    )
}

/// How long one check may run before the kit calls its cost unbounded. A hang cannot
/// be interrupted from safe Rust, so the watchdog aborts the test process, naming the
/// check, instead of letting CI wait for its own time-out.
const CHECK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `f`, aborting the process if it outlives [`CHECK_DEADLINE`].
fn with_deadline<T>(check: Check, kind: &str, f: impl FnOnce() -> T) -> T {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let kind = kind.to_owned();
    let watchdog = std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            finished.recv_timeout(CHECK_DEADLINE)
        {
            eprintln!(
                "conformance check `{check}` for {kind} ran over {CHECK_DEADLINE:?}: \
                 an unbounded cost; aborting"
            );
            std::process::abort();
        }
    });
    let out = f();
    // The watchdog ends as soon as it hears from us (or sees the sender dropped).
    let _ = done.send(());
    let _ = watchdog.join();
    out
}

/// Fits on `x` (described by `what`) and, when the fit succeeds, checks that the
/// model's outputs on `x` are sane. A typed error from `fit` or `predict` is fine; a
/// panic is caught by [`run`].
fn fit_is_safe<S: Subject>(s: &S, x: MatRef<'_, f64>, what: &str) -> Outcome {
    let Ok(model) = s.fit(x.into()) else {
        return Ok(());
    };
    model_is_safe(s, &model, x, &format!("a model fitted on {what}"))
}

/// A model's outputs on `x`, if it gives any, are sane: `what` names the model.
fn model_is_safe<S: Subject>(s: &S, model: &S::Model, x: MatRef<'_, f64>, what: &str) -> Outcome {
    let Ok(out) = S::predict(model, x.into()) else {
        return Ok(());
    };
    if out.len() != x.nrows() {
        return Err(format!(
            "{what} gave {} outputs for {} rows",
            out.len(),
            x.nrows()
        ));
    }
    s.sane_outputs(&out).map_err(|e| format!("{what}: {e}"))?;
    if let Some(Ok(proba)) = S::secondary(model, x.into()) {
        rows_are_distributions(&proba).map_err(|e| format!("{what}: {e}"))?;
    }
    Ok(())
}

/// `x` scaled so that its largest magnitude is `target`.
fn scaled_to(x: MatRef<'_, f64>, target: f64) -> Mat<f64> {
    let largest = crate::kernels::max_abs_mat(x);
    let largest = if largest > 0.0 { largest } else { 1.0 };
    // Two steps, so neither factor over- or underflows on its own.
    Mat::from_fn(x.nrows(), x.ncols(), |i, j| (x[(i, j)] / largest) * target)
}

fn extreme_values_are_safe<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    fit_is_safe(s, scaled_to(x, 1e300).as_ref(), "data scaled to 1e300")?;
    fit_is_safe(s, scaled_to(x, 1e-300).as_ref(), "data scaled to 1e-300")?;
    let mut huge = x.to_owned();
    let col = x.ncols() / 2;
    for i in 0..x.nrows() {
        huge[(i, col)] = if i % 2 == 0 { f64::MAX } else { -f64::MAX };
    }
    fit_is_safe(
        s,
        huge.as_ref(),
        &format!("data whose column {col} is ±f64::MAX"),
    )
}

fn degenerate_data_is_safe<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    let constant = Mat::from_fn(x.nrows(), x.ncols(), |_, j| x[(0, j)]);
    fit_is_safe(s, constant.as_ref(), "constant rows")?;
    let zeros = Mat::<f64>::zeros(x.nrows(), x.ncols());
    fit_is_safe(s, zeros.as_ref(), "all-zero data")?;
    fit_is_safe(s, x.subrows(0, 1), "a single row")
}

/// How many altered copies of each model file the kit tries to load.
const ALTERED_FILES: usize = 300;

/// Bytes whose appearance in a payload tends to break an unchecked model: NaN, ±inf
/// and huge `f64`s, and bincode varint markers announcing huge lengths.
const HOSTILE_PATTERNS: &[&[u8]] = &[
    &[0, 0, 0, 0, 0, 0, 0xF8, 0x7F],
    &[0, 0, 0, 0, 0, 0, 0xF0, 0x7F],
    &[0, 0, 0, 0, 0, 0, 0xF0, 0xFF],
    &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0x7F],
    &[0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
    &[0xFC, 0xFF, 0xFF, 0xFF, 0x7F],
    &[0xFB, 0xFF, 0xFF],
    &[0],
    &[1],
    &[250],
];

fn altered_model_files_are_safe<S: Subject>(s: &S) -> Outcome {
    let x = s.x();
    let model = fit_valid(s)?;
    // A crafted model is a valid model of its type that predicts what its author
    // chose (labels the kit's y never had, huge values): what must hold is that using
    // it neither panics nor hangs, and answers in the right shape.
    altered_files_outcome(&model, |loaded, what| {
        if let Ok(out) = S::predict(loaded, x.into())
            && out.len() != x.nrows()
        {
            return Err(format!(
                "{what} gave {} outputs for {} rows",
                out.len(),
                x.nrows()
            ));
        }
        let _ = S::secondary(loaded, x.into());
        Ok(())
    })
}

/// Loads 300 altered copies of `model`'s file (payload damaged, header
/// and checksum made to match: flipped bits, random bytes, NaN/inf/huge `f64`s, huge
/// varint lengths, truncations and insertions) and hands every copy that loads to
/// `use_model`, which must not panic. For model types outside the battery (text
/// models, transactions, itemsets, rules); the battery runs it on every estimator.
///
/// # Panics
/// Naming the altered file that made `use_model` fail or panic.
pub fn check_altered_model_files<M: Persist>(model: &M, use_model: impl Fn(&M)) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        altered_files_outcome(model, |loaded, _| {
            use_model(loaded);
            Ok(())
        })
    }));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}"),
        Err(_) => panic!(
            "a model loaded from an altered {} file panicked when used",
            M::MODEL_NAME
        ),
    }
}

fn altered_files_outcome<M: Persist>(model: &M, check: impl Fn(&M, &str) -> Outcome) -> Outcome {
    let file = persist::to_bytes(model).map_err(|e| format!("to_bytes failed: {e}"))?;
    let payload =
        persist::payload_of(&file).ok_or_else(|| "to_bytes wrote an invalid file".to_owned())?;
    // The payload starts with the type name; altering it only tests the tag check, so
    // the alterations go after it.
    let tag_len = M::MODEL_NAME.len() + 1;
    if payload.len() <= tag_len {
        return Ok(());
    }
    let mut rng = crate::rng::seeded(0x5EED_F11E);
    use rand::Rng;
    for attempt in 0..ALTERED_FILES {
        let mut altered = payload.to_vec();
        let at = rng.random_range(tag_len..altered.len());
        match attempt % 4 {
            0 => altered[at] ^= 1 << rng.random_range(0..8u32),
            1 => altered[at] = rng.random(),
            2 => {
                let pattern = HOSTILE_PATTERNS[rng.random_range(0..HOSTILE_PATTERNS.len())];
                for (k, &b) in pattern.iter().enumerate() {
                    if let Some(slot) = altered.get_mut(at + k) {
                        *slot = b;
                    }
                }
            }
            _ => {
                if rng.random::<bool>() {
                    altered.truncate(at);
                } else {
                    let extra: Vec<u8> =
                        (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
                    altered.splice(at..at, extra);
                }
            }
        }
        let bytes = persist::with_payload(&file, &altered)
            .ok_or_else(|| "to_bytes wrote an invalid file".to_owned())?;
        let Ok(loaded) = persist::from_bytes::<M>(&bytes) else {
            continue;
        };
        check(
            &loaded,
            &format!("a model loaded from altered file #{attempt} (byte {at} of the payload)"),
        )?;
    }
    Ok(())
}
