//! Random forests and extremely randomised trees, as scikit-learn 1.9.1's
//! `RandomForest*` and `ExtraTrees*`.
//!
//! Randomness follows scikit-learn draw for draw: the forest's `RandomState(seed)` gives
//! each tree a seed (`randint(2**31 - 1)`); a tree's bootstrap sample is
//! `RandomState(tree seed).randint(0, n, n_draws)` (with sample or class weights,
//! `choice(n, n_draws, p = w / Σw)`), handed to the tree as per-row counts, its sample
//! weights; and the tree's splitter is seeded with the same tree seed. So a seed gives
//! scikit-learn's trees, predictions and out-of-bag estimates for that `random_state`.
//! Trees grow in parallel, each from its own seed alone, so the forest does not depend
//! on the thread count.
//!
//! For random forests every feature's row order is sorted once and shared by the trees,
//! each keeping the rows of its sample in `O(d · n)` (scikit-learn sorts again at every
//! node); extra trees need no orders.
//! Predictions walk every tree over blocks of rows in parallel and sum the trees in
//! order, as scikit-learn sums them on one thread.

use faer::{Mat, MatRef};
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Error, Features, Fit, FitWeighted, Fitted, Label, Predict, PredictProba, Result, metrics,
    validate,
};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::logistic::{balanced_class_weights, checked_class_weights};
use crate::tree::builder::{self, Criterion, Data, SortedColumns, Target};
use crate::tree::random::{Mt19937, SEED_BOUND, cumulative_shares};
use crate::tree::{
    ClassificationCriterion, Growth, MaxFeatures, RegressionCriterion, Tree, TreeSplitter, Walker,
    argmax, f32_columns, f32_rows, growth_setters, weights_of,
};

/// How many rows each tree's bootstrap sample draws (`max_samples`).
///
/// Stricter than scikit-learn, which also takes more draws than rows: here a count
/// must be at most the number of rows and a fraction at most 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MaxSamples {
    /// A count, `1 ≤ count ≤ n`.
    Count(usize),
    /// A fraction `f` in `(0, 1]` of the rows (of the total sample weight when
    /// weighted): `max(1, ⌊f·n⌋)` draws.
    Fraction(f64),
}

/// Class weights of a forest classifier (`class_weight`), multiplying the sample
/// weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ForestClassWeight {
    /// `w_c = W / (k · W_c)` over the training set, `W` the total sample weight and
    /// `W_c` class `c`'s (scikit-learn's `"balanced"`).
    Balanced,
    /// The same, computed on each tree's bootstrap sample (draws counted, a class
    /// absent from the sample weighing 0; scikit-learn's `"balanced_subsample"`).
    /// Without bootstrap, [`Balanced`](Self::Balanced).
    BalancedSubsample,
    /// One weight per class, in the order of the sorted classes.
    PerClass(Vec<f64>),
}

/// The settings every forest has besides its trees' growth limits.
#[derive(Debug, Clone, PartialEq)]
struct Settings {
    n_estimators: usize,
    bootstrap: bool,
    max_samples: Option<MaxSamples>,
    oob_score: bool,
    seed: u64,
}

impl Settings {
    fn new(bootstrap: bool) -> Self {
        Self {
            n_estimators: 100,
            bootstrap,
            max_samples: None,
            oob_score: false,
            seed: 0,
        }
    }

    /// The draws of each bootstrap sample (`None` without bootstrap), checked.
    fn draws(&self, n: usize, weights: Option<&[f64]>) -> Result<Option<usize>> {
        validate::at_least("n_estimators", self.n_estimators, 1, "at least 1")?;
        validate::allocatable::<Tree>("the trees of the forest", self.n_estimators)?;
        if !self.bootstrap {
            if let Some(m) = self.max_samples {
                return Err(Error::invalid_parameter(
                    "max_samples",
                    m,
                    "None without bootstrap (every tree sees every row)",
                ));
            }
            if self.oob_score {
                return Err(Error::invalid_parameter(
                    "oob_score",
                    true,
                    "false without bootstrap (no row is out of bag)",
                ));
            }
            return Ok(None);
        }
        let draws = match self.max_samples {
            None => n,
            Some(MaxSamples::Count(c)) => {
                if c == 0 || c > n {
                    return Err(Error::invalid_parameter(
                        "max_samples",
                        c,
                        "a count between 1 and the number of rows",
                    ));
                }
                c
            }
            Some(MaxSamples::Fraction(f)) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(Error::invalid_parameter(
                        "max_samples",
                        f,
                        "a fraction in (0, 1]",
                    ));
                }
                let total = weights.map_or(n as f64, |w| w.iter().sum());
                // The cast saturates; the limit below refuses what would not fit.
                ((f * total) as usize).max(1)
            }
        };
        if draws > u32::MAX as usize {
            return Err(Error::LimitExceeded {
                what: "bootstrap draws per tree",
                requested: draws,
                limit: u32::MAX as usize,
            });
        }
        Ok(Some(draws))
    }
}

/// Builder setters of the forest's own settings, shared by the four forests.
macro_rules! forest_setters {
    () => {
        /// The number of trees (at least 1). Default: 100.
        pub fn n_estimators(mut self, n_estimators: usize) -> Self {
            self.forest.n_estimators = n_estimators;
            self
        }

        /// Whether each tree grows on a bootstrap sample of the rows (drawn with
        /// replacement, passed to the tree as row counts) instead of all of them.
        /// Default: `true` for random forests, `false` for extra trees.
        pub fn bootstrap(mut self, bootstrap: bool) -> Self {
            self.forest.bootstrap = bootstrap;
            self
        }

        /// The size of each bootstrap sample; `None` draws as many rows as there are.
        /// Only with bootstrap. Default: `None`.
        pub fn max_samples(mut self, max_samples: Option<MaxSamples>) -> Self {
            self.forest.max_samples = max_samples;
            self
        }

        /// Whether to estimate the score on unseen rows from the trees that did not
        /// draw each row (out of bag): accuracy for a classifier, R² for a regressor,
        /// read from the model's `oob_score`. Only with bootstrap. Default: `false`.
        pub fn oob_score(mut self, oob_score: bool) -> Self {
            self.forest.oob_score = oob_score;
            self
        }

        /// How many features each split considers. Default: [`MaxFeatures::Sqrt`] for
        /// the classifiers, [`MaxFeatures::All`] for the regressors (scikit-learn's
        /// `"sqrt"` and `1.0`).
        pub fn max_features(mut self, max_features: MaxFeatures) -> Self {
            self.growth.max_features = max_features;
            self
        }

        /// The forest's seed, scikit-learn's `random_state` (taken modulo 2^32): it
        /// seeds every tree's bootstrap sample and feature draws, so the same seed
        /// gives scikit-learn's forest. Default: 0.
        pub fn seed(mut self, seed: u64) -> Self {
            self.forest.seed = seed;
            self
        }
    };
}

/// A forest's training problem, prepared once for all its trees.
struct Problem<'a> {
    x: MatRef<'a, f64>,
    columns: Vec<f32>,
    missing: Vec<bool>,
    target: Target<'a>,
    criterion: Criterion,
    /// Sample weights times class weights; `None` when neither was given (then the
    /// bootstrap draws rows uniformly, as scikit-learn does).
    weights: Option<Vec<f64>>,
    /// Balanced class weights per bootstrap sample: every row's class, and the count.
    subsample_classes: Option<(&'a [usize], usize)>,
}

/// The grown trees and, for out-of-bag estimates, the rows each tree drew.
struct Grown {
    trees: Vec<Tree>,
    /// Each tree's seed.
    seeds: Vec<u64>,
    /// One bit per row and tree, set where the tree drew the row.
    in_bag: Option<Vec<Vec<u64>>>,
}

impl Problem<'_> {
    fn n(&self) -> usize {
        self.x.nrows()
    }

    fn d(&self) -> usize {
        self.x.ncols()
    }

    /// Grows `settings.n_estimators` trees under `growth` (its seed replaced by each
    /// tree's), in parallel.
    fn grow(&self, settings: &Settings, growth: &Growth) -> Result<Grown> {
        let (n, d) = (self.n(), self.d());
        let draws = settings.draws(n, self.weights.as_deref())?;
        // Parameter errors once, before any tree.
        growth.rules(d, 1.0)?;
        // The best splitter's trees share the features' orders; the random splitter's
        // keep no orders.
        let sorted = (growth.splitter == TreeSplitter::Best)
            .then(|| SortedColumns::new(&self.columns, n, d));
        let mut forest_rng = Mt19937::new(settings.seed as u32);
        let seeds: Vec<u32> = (0..settings.n_estimators)
            .map(|_| forest_rng.below(SEED_BOUND))
            .collect();
        let cdf = self.weights.as_deref().map(cumulative_shares);
        let grown: Vec<Result<(Tree, Option<Vec<u64>>)>> = seeds
            .par_iter()
            .map(|&seed| {
                let (weights, in_bag) = match draws {
                    Some(draws) => {
                        let counts = bootstrap_counts(seed, n, draws, cdf.as_deref());
                        let in_bag = settings.oob_score.then(|| bits(&counts));
                        (self.sample_weights(&counts, draws), in_bag)
                    }
                    None => (self.weights.clone().unwrap_or_else(|| vec![1.0; n]), None),
                };
                let mut tree_growth = *growth;
                tree_growth.seed = u64::from(seed);
                let rules = tree_growth.rules(d, weights.iter().sum())?;
                let data = Data {
                    columns: &self.columns,
                    n,
                    d,
                    target: self.target,
                    weights: &weights,
                    missing: &self.missing,
                };
                let tree = builder::grow_sorted(&data, self.criterion, &rules, sorted.as_ref());
                Ok((tree_growth.pruned(tree), in_bag))
            })
            .collect();
        let mut trees = Vec::with_capacity(grown.len());
        let mut in_bag = Vec::new();
        for result in grown {
            let (tree, bag) = result?;
            trees.push(tree);
            in_bag.extend(bag);
        }
        Ok(Grown {
            trees,
            seeds: seeds.into_iter().map(u64::from).collect(),
            in_bag: settings.oob_score.then_some(in_bag),
        })
    }

    /// A tree's sample weights from its bootstrap counts: the counts, times balanced
    /// class weights of the sample for `BalancedSubsample` (scikit-learn's
    /// `compute_sample_weight("balanced", y, indices=...)`).
    fn sample_weights(&self, counts: &[u32], draws: usize) -> Vec<f64> {
        let mut weights: Vec<f64> = counts.iter().map(|&c| f64::from(c)).collect();
        if let Some((codes, k)) = self.subsample_classes {
            let mut per_class = vec![0u64; k];
            for (&c, &count) in codes.iter().zip(counts) {
                per_class[c] += u64::from(count);
            }
            let present = per_class.iter().filter(|&&c| c > 0).count() as f64;
            let class_weight: Vec<f64> = per_class
                .iter()
                .map(|&c| {
                    if c == 0 {
                        0.0
                    } else {
                        draws as f64 / (present * c as f64)
                    }
                })
                .collect();
            for (w, &c) in weights.iter_mut().zip(codes) {
                *w *= class_weight[c];
            }
        }
        weights
    }
}

/// How often each row is drawn in the bootstrap sample of the tree seeded `seed`:
/// `randint(0, n, draws)`, or `choice` by the table `cdf` (numpy's `searchsorted`,
/// side right, of uniform doubles).
fn bootstrap_counts(seed: u32, n: usize, draws: usize, cdf: Option<&[f64]>) -> Vec<u32> {
    let mut rng = Mt19937::new(seed);
    let mut counts = vec![0u32; n];
    match cdf {
        None => {
            for _ in 0..draws {
                counts[rng.below(n as u64) as usize] += 1;
            }
        }
        Some(cdf) => {
            for _ in 0..draws {
                counts[rng.choice(cdf)] += 1;
            }
        }
    }
    counts
}

/// One bit per row, set where `counts` is positive.
fn bits(counts: &[u32]) -> Vec<u64> {
    let mut out = vec![0u64; counts.len().div_ceil(64)];
    for (i, &c) in counts.iter().enumerate() {
        if c > 0 {
            out[i / 64] |= 1 << (i % 64);
        }
    }
    out
}

fn is_set(bits: &[u64], i: usize) -> bool {
    bits[i / 64] >> (i % 64) & 1 == 1
}

/// Rows per parallel task of prediction, at most: each task walks its rows through every
/// tree in turn, and the more rows per pass, the better a tree's nodes (reloaded each
/// pass) pay off (rf_clf_100k_20: 222 ms with 2048-row tasks, 100 ms with one task per
/// thread); within this bound the rows are cut into one task per thread. The per-row
/// sums do not depend on the cut.
const FOREST_BLOCK: usize = 16384;

/// The trees laid out for prediction: each tree's walker and its leaves' values as the
/// tree predicts them (a classifier's class fractions divided by their sum, as
/// scikit-learn's `predict_proba` divides them).
#[derive(Debug, Clone)]
struct Walkers {
    walkers: Vec<Walker>,
    values: Vec<Vec<f64>>,
    width: usize,
}

impl Walkers {
    fn new(trees: &[Tree], normalise: bool) -> Self {
        let width = trees.first().map_or(1, Tree::value_width);
        let values = trees
            .iter()
            .map(|t| {
                let mut v = t.leaf_values();
                if normalise {
                    for node in v.chunks_exact_mut(width) {
                        let sum: f64 = node.iter().sum();
                        let sum = if sum == 0.0 { 1.0 } else { sum };
                        node.iter_mut().for_each(|p| *p /= sum);
                    }
                }
                v
            })
            .collect();
        Self {
            walkers: trees.iter().map(Tree::walker).collect(),
            values,
            width,
        }
    }

    /// Row-major `n × width` sums over the trees of every row of `x` (checked: `d`
    /// columns, no infinity), in tree order, divided by the number of trees; with
    /// `skip`, tree `t` leaves out row `i` when `skip(t, i)`, and each row is divided by
    /// the number of trees it kept (1 when none).
    fn average(
        &self,
        x: MatRef<'_, f64>,
        skip: Option<&(dyn Fn(usize, usize) -> bool + Sync)>,
    ) -> Result<Vec<f64>> {
        let (n, d, w) = (x.nrows(), x.ncols(), self.width);
        validate::allocatable::<f64>("the predictions", n.saturating_mul(w))?;
        let mut out = vec![0.0; n * w];
        let rows_per_task = n
            .div_ceil(rayon::current_num_threads())
            .clamp(1, FOREST_BLOCK);
        let results: Vec<Result<()>> = out
            .par_chunks_mut(rows_per_task * w)
            .enumerate()
            .map(|(b, block)| {
                let start = b * rows_per_task;
                let len = block.len() / w;
                let rows = f32_rows(x, start, len)?;
                let mut kept = vec![0usize; len];
                let mut leaves = vec![0usize; len];
                // Tree by tree: a tree's nodes stay in cache over the block, and each row
                // still sums the trees in order.
                for (t, (walker, values)) in self.walkers.iter().zip(&self.values).enumerate() {
                    walker.leaf_numbers(&rows, d, &mut leaves);
                    for (r, (acc, &leaf)) in block.chunks_exact_mut(w).zip(&leaves).enumerate() {
                        if skip.is_some_and(|s| s(t, start + r)) {
                            continue;
                        }
                        for (a, v) in acc.iter_mut().zip(&values[leaf * w..(leaf + 1) * w]) {
                            *a += v;
                        }
                        kept[r] += 1;
                    }
                }
                for (acc, &k) in block.chunks_exact_mut(w).zip(&kept) {
                    let divisor = if skip.is_some() { k.max(1) } else { k } as f64;
                    acc.iter_mut().for_each(|a| *a /= divisor);
                }
                Ok(())
            })
            .collect();
        results.into_iter().collect::<Result<()>>()?;
        Ok(out)
    }

    /// The out-of-bag averages of the training rows `x`: each row over the trees that
    /// did not draw it.
    fn out_of_bag(&self, x: MatRef<'_, f64>, in_bag: &[Vec<u64>]) -> Result<Vec<f64>> {
        self.average(x, Some(&|t: usize, i: usize| is_set(&in_bag[t], i)))
    }
}

/// A fitted forest's [`Walkers`], made at fit (or, for a loaded model, on first use)
/// and kept; not saved.
#[derive(Debug, Clone, Default)]
struct Prepared(std::sync::OnceLock<Walkers>);

impl Prepared {
    fn made(trees: &[Tree], normalise: bool) -> Self {
        Self(std::sync::OnceLock::from(Walkers::new(trees, normalise)))
    }

    fn get(&self, trees: &[Tree], normalise: bool) -> &Walkers {
        self.0.get_or_init(|| Walkers::new(trees, normalise))
    }
}

impl PartialEq for Prepared {
    /// A cache: models equal or not whatever it holds.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// scikit-learn's forest `feature_importances_`: the trees' importances averaged over
/// the trees that split at all, normalised to sum to 1 (zeros when none splits).
fn forest_importances(trees: &[Tree], d: usize) -> Vec<f64> {
    let splitting: Vec<Vec<f64>> = trees
        .iter()
        .filter(|t| t.nodes().len() > 1)
        .map(Tree::feature_importances)
        .collect();
    let mut mean = vec![0.0; d];
    if splitting.is_empty() {
        return mean;
    }
    for imp in &splitting {
        mean.iter_mut().zip(imp).for_each(|(m, v)| *m += v);
    }
    let count = splitting.len() as f64;
    mean.iter_mut().for_each(|m| *m /= count);
    let total: f64 = mean.iter().sum();
    if total > 0.0 {
        mean.iter_mut().for_each(|m| *m /= total);
    }
    mean
}

/// The checks both fitted forests share: trees, one feature count, `width` values per
/// node.
fn check_trees(
    trees: &[Tree],
    seeds: &[u64],
    n_features: usize,
    width: usize,
) -> std::result::Result<(), String> {
    use ml_core::persist::invariants as inv;
    inv::not_empty("trees", trees.len())?;
    inv::len("tree seeds", seeds.len(), trees.len())?;
    for tree in trees {
        tree.check_invariants()?;
        inv::len("features of a tree", tree.n_features(), n_features)?;
        inv::len("values per node", tree.value_width(), width)?;
    }
    Ok(())
}

/// The sample weights of a classification forest: the given ones times the class
/// weights (balanced over the whole set, or per class), `None` when neither is given
/// or the classes are balanced per bootstrap sample.
fn classifier_weights(
    class_weight: Option<&ForestClassWeight>,
    bootstrap: bool,
    sample_weight: Option<&[f64]>,
    codes: &[usize],
    k: usize,
) -> Result<Option<Vec<f64>>> {
    let sample = sample_weight
        .map(|w| weights_of(Some(w), codes.len()))
        .transpose()?;
    let per_class = match class_weight {
        None => return Ok(sample),
        Some(ForestClassWeight::BalancedSubsample) if bootstrap => return Ok(sample),
        Some(ForestClassWeight::Balanced | ForestClassWeight::BalancedSubsample) => {
            balanced_class_weights(codes, sample.as_deref(), k)
        }
        Some(ForestClassWeight::PerClass(v)) => checked_class_weights(v, k)?,
    };
    let weights: Vec<f64> = codes
        .iter()
        .enumerate()
        .map(|(i, &c)| sample.as_ref().map_or(1.0, |w| w[i]) * per_class[c])
        .collect();
    if !weights.iter().any(|&w| w > 0.0 && w.is_finite()) {
        return Err(Error::invalid_parameter(
            "class_weight",
            class_weight,
            "weights that leave at least one sample of positive weight",
        ));
    }
    Ok(Some(weights))
}

/// Declares a forest classifier: `$splitter` trees, bootstrap by default or not.
macro_rules! forest_classifier {
    ($(#[$doc:meta])* $name:ident, $label:literal, $bootstrap:expr, $splitter:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            criterion: ClassificationCriterion,
            class_weight: Option<ForestClassWeight>,
            forest: Settings,
            growth: Growth,
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    criterion: ClassificationCriterion::Gini,
                    class_weight: None,
                    forest: Settings::new($bootstrap),
                    growth: Growth {
                        max_features: MaxFeatures::Sqrt,
                        splitter: $splitter,
                        ..Growth::default()
                    },
                }
            }
        }

        impl $name {
            /// scikit-learn's defaults.
            pub fn new() -> Self {
                Self::default()
            }

            /// The impurity every tree minimises. Default:
            /// [`ClassificationCriterion::Gini`].
            pub fn criterion(mut self, criterion: ClassificationCriterion) -> Self {
                self.criterion = criterion;
                self
            }

            /// Weights of the classes, multiplying the sample weights. Default: none.
            pub fn class_weight(mut self, class_weight: Option<ForestClassWeight>) -> Self {
                self.class_weight = class_weight;
                self
            }

            forest_setters!();
            growth_setters!();

            /// Grows the forest on dense `x` and labels `y`.
            ///
            /// # Errors
            /// Empty `x`, an infinite value ([`Error::NonFinite`]; NaN is a missing
            /// value), a value beyond `f32`, `y` of another length, a setting out of
            /// range ([`Error::InvalidParameter`]), CSR `x` ([`Error::Unsupported`]).
            pub fn fit<'a, L: Label>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[L],
            ) -> Result<ForestClassifierModel<L>> {
                fit_classifier(self.parts(), $label, x.into(), y, None)
            }

            /// [`fit`](Self::fit) with one non-negative weight per row. As in
            /// scikit-learn, weights (and class weights other than
            /// [`ForestClassWeight::BalancedSubsample`]) make the bootstrap draw rows
            /// in proportion to them.
            ///
            /// # Errors
            /// As [`fit`](Self::fit), plus invalid weights.
            pub fn fit_weighted<'a, L: Label>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[L],
                sample_weight: &[f64],
            ) -> Result<ForestClassifierModel<L>> {
                fit_classifier(self.parts(), $label, x.into(), y, Some(sample_weight))
            }

            fn parts(&self) -> ClassifierParts<'_> {
                ClassifierParts {
                    criterion: self.criterion,
                    class_weight: self.class_weight.as_ref(),
                    forest: &self.forest,
                    growth: &self.growth,
                }
            }
        }

        impl<L: Label> Fit<[L]> for $name {
            type Model = ForestClassifierModel<L>;

            fn fit(&self, x: Features<'_>, y: &[L]) -> Result<Self::Model> {
                $name::fit(self, x, y)
            }
        }

        impl<L: Label> FitWeighted<[L]> for $name {
            fn fit_weighted(
                &self,
                x: Features<'_>,
                y: &[L],
                sample_weight: &[f64],
            ) -> Result<Self::Model> {
                $name::fit_weighted(self, x, y, sample_weight)
            }
        }
    };
}

/// Declares a forest regressor: `$splitter` trees, bootstrap by default or not.
macro_rules! forest_regressor {
    ($(#[$doc:meta])* $name:ident, $label:literal, $bootstrap:expr, $splitter:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            criterion: RegressionCriterion,
            forest: Settings,
            growth: Growth,
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    criterion: RegressionCriterion::SquaredError,
                    forest: Settings::new($bootstrap),
                    growth: Growth {
                        max_features: MaxFeatures::All,
                        splitter: $splitter,
                        ..Growth::default()
                    },
                }
            }
        }

        impl $name {
            /// scikit-learn's defaults.
            pub fn new() -> Self {
                Self::default()
            }

            /// The impurity every tree minimises. Default:
            /// [`RegressionCriterion::SquaredError`].
            pub fn criterion(mut self, criterion: RegressionCriterion) -> Self {
                self.criterion = criterion;
                self
            }

            forest_setters!();
            growth_setters!();

            /// Grows the forest on dense `x` and targets `y`.
            ///
            /// # Errors
            /// Empty `x`, an infinite value ([`Error::NonFinite`]; NaN is a missing
            /// value, except for the absolute error), a value beyond `f32`, `y` of
            /// another length or not finite, targets the criterion refuses, a setting
            /// out of range ([`Error::InvalidParameter`]), CSR `x`
            /// ([`Error::Unsupported`]).
            pub fn fit<'a>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[f64],
            ) -> Result<ForestRegressorModel> {
                fit_regressor(&self.forest, &self.growth, self.criterion, $label, x.into(), y, None)
            }

            /// [`fit`](Self::fit) with one non-negative weight per row; as in
            /// scikit-learn, the bootstrap then draws rows in proportion to them.
            ///
            /// # Errors
            /// As [`fit`](Self::fit), plus invalid weights.
            pub fn fit_weighted<'a>(
                &self,
                x: impl Into<Features<'a>>,
                y: &[f64],
                sample_weight: &[f64],
            ) -> Result<ForestRegressorModel> {
                fit_regressor(
                    &self.forest,
                    &self.growth,
                    self.criterion,
                    $label,
                    x.into(),
                    y,
                    Some(sample_weight),
                )
            }
        }

        impl Fit<[f64]> for $name {
            type Model = ForestRegressorModel;

            fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<Self::Model> {
                $name::fit(self, x, y)
            }
        }

        impl FitWeighted<[f64]> for $name {
            fn fit_weighted(
                &self,
                x: Features<'_>,
                y: &[f64],
                sample_weight: &[f64],
            ) -> Result<Self::Model> {
                $name::fit_weighted(self, x, y, sample_weight)
            }
        }
    };
}

forest_classifier!(
    /// A random forest of CART classification trees, as scikit-learn 1.9's
    /// `RandomForestClassifier`: each tree grows on a bootstrap sample, trying `√d`
    /// random features per split, and the forest averages the trees' class
    /// probabilities.
    ///
    /// ```
    /// use ml_core::datasets::load_iris;
    /// use ml_supervised::ensemble::RandomForestClassifier;
    ///
    /// let iris = load_iris()?;
    /// let model = RandomForestClassifier::new()
    ///     .n_estimators(25)
    ///     .oob_score(true)
    ///     .seed(7)
    ///     .fit(iris.data.as_ref(), &iris.target)?;
    /// let accuracy = model.oob_score().unwrap();
    /// assert!(accuracy > 0.9, "out-of-bag accuracy {accuracy}");
    /// assert_eq!(model.estimators().len(), 25);
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    RandomForestClassifier,
    "RandomForestClassifier",
    true,
    TreeSplitter::Best
);

forest_classifier!(
    /// Extremely randomised trees for classification, as scikit-learn 1.9's
    /// `ExtraTreesClassifier`: every tree sees all the rows (no bootstrap by default)
    /// and splits at one random threshold per drawn feature, the best of those kept.
    ///
    /// ```
    /// use ml_core::datasets::load_iris;
    /// use ml_supervised::ensemble::ExtraTreesClassifier;
    ///
    /// let iris = load_iris()?;
    /// let model = ExtraTreesClassifier::new().n_estimators(20).fit(iris.data.as_ref(), &iris.target)?;
    /// let proba = model.predict_proba(iris.data.as_ref())?;
    /// assert_eq!((proba.nrows(), proba.ncols()), (150, 3));
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    ExtraTreesClassifier,
    "ExtraTreesClassifier",
    false,
    TreeSplitter::Random
);

forest_regressor!(
    /// A random forest of CART regression trees, as scikit-learn 1.9's
    /// `RandomForestRegressor`: each tree grows on a bootstrap sample with every
    /// feature tried at each split, and the forest averages the trees' predictions.
    ///
    /// ```
    /// use ml_core::datasets::load_diabetes;
    /// use ml_supervised::ensemble::RandomForestRegressor;
    ///
    /// let diabetes = load_diabetes()?;
    /// let model = RandomForestRegressor::new()
    ///     .n_estimators(30)
    ///     .min_samples_leaf(5)
    ///     .oob_score(true)
    ///     .fit(diabetes.data.as_ref(), &diabetes.target)?;
    /// assert!(model.oob_score().unwrap() > 0.3);
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    RandomForestRegressor,
    "RandomForestRegressor",
    true,
    TreeSplitter::Best
);

forest_regressor!(
    /// Extremely randomised trees for regression, as scikit-learn 1.9's
    /// `ExtraTreesRegressor`: every tree sees all the rows (no bootstrap by default)
    /// and splits at one random threshold per feature, the best of those kept.
    ///
    /// ```
    /// use faer::mat;
    /// use ml_supervised::ensemble::ExtraTreesRegressor;
    ///
    /// let x = mat![[0.0], [1.0], [2.0], [3.0], [10.0], [11.0], [12.0], [13.0]];
    /// let y = [1.0, 1.0, 1.0, 1.0, 5.0, 5.0, 5.0, 5.0];
    /// let model = ExtraTreesRegressor::new().n_estimators(10).fit(x.as_ref(), &y)?;
    /// let p = model.predict(mat![[1.5], [11.5]].as_ref())?;
    /// assert!((p[0] - 1.0).abs() < 1e-12 && (p[1] - 5.0).abs() < 1e-12);
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    ExtraTreesRegressor,
    "ExtraTreesRegressor",
    false,
    TreeSplitter::Random
);

/// A forest classifier's settings, borrowed for fitting.
struct ClassifierParts<'a> {
    criterion: ClassificationCriterion,
    class_weight: Option<&'a ForestClassWeight>,
    forest: &'a Settings,
    growth: &'a Growth,
}

fn fit_classifier<L: Label>(
    parts: ClassifierParts<'_>,
    name: &'static str,
    x: Features<'_>,
    y: &[L],
    sample_weight: Option<&[f64]>,
) -> Result<ForestClassifierModel<L>> {
    let x = x.dense(name)?;
    validate::non_empty(x, "X")?;
    validate::targets_len(x.nrows(), y.len())?;
    let enc = validate::encode_labels(y, 1)?;
    let k = enc.classes.len();
    let bootstrap = parts.forest.bootstrap;
    let weights = classifier_weights(parts.class_weight, bootstrap, sample_weight, &enc.codes, k)?;
    let subsample = matches!(
        parts.class_weight,
        Some(ForestClassWeight::BalancedSubsample)
    ) && bootstrap;
    let (columns, missing) = f32_columns(x)?;
    let problem = Problem {
        x,
        columns,
        missing,
        target: Target::Classes(&enc.codes),
        criterion: parts.criterion.for_classes(k),
        weights,
        subsample_classes: subsample.then_some((enc.codes.as_slice(), k)),
    };
    let grown = problem.grow(parts.forest, parts.growth)?;
    let prepared = Prepared::made(&grown.trees, true);
    let oob = match &grown.in_bag {
        Some(in_bag) => {
            let decision = prepared.get(&grown.trees, true).out_of_bag(x, in_bag)?;
            let correct = decision
                .chunks_exact(k)
                .zip(&enc.codes)
                .filter(|(p, c)| argmax(p) == **c)
                .count();
            Some(ClassifierOob {
                score: correct as f64 / x.nrows() as f64,
                decision,
            })
        }
        None => None,
    };
    validate::fitted(
        name,
        ForestClassifierModel {
            classes: enc.classes,
            trees: grown.trees,
            seeds: grown.seeds,
            n_features: x.ncols(),
            oob,
            prepared,
        },
    )
}

fn fit_regressor(
    forest: &Settings,
    growth: &Growth,
    criterion: RegressionCriterion,
    name: &'static str,
    x: Features<'_>,
    y: &[f64],
    sample_weight: Option<&[f64]>,
) -> Result<ForestRegressorModel> {
    let x = x.dense(name)?;
    validate::non_empty(x, "X")?;
    validate::targets_len(x.nrows(), y.len())?;
    validate::finite_slice(y)?;
    let criterion = criterion.checked_on(y)?;
    // scikit-learn's absolute error takes no missing values.
    let accepts_missing = criterion != Criterion::AbsoluteError;
    if !accepts_missing {
        validate::finite(x)?;
    }
    let weights = sample_weight
        .map(|w| weights_of(Some(w), x.nrows()))
        .transpose()?;
    let (columns, missing) = f32_columns(x)?;
    let problem = Problem {
        x,
        columns,
        missing,
        target: Target::Values { y, outputs: 1 },
        criterion,
        weights,
        subsample_classes: None,
    };
    let grown = problem.grow(forest, growth)?;
    let prepared = Prepared::made(&grown.trees, false);
    let oob = match &grown.in_bag {
        Some(in_bag) => {
            let predictions = prepared.get(&grown.trees, false).out_of_bag(x, in_bag)?;
            Some(RegressorOob {
                score: metrics::r2_score(y, &predictions)?,
                predictions,
            })
        }
        None => None,
    };
    validate::fitted(
        name,
        ForestRegressorModel {
            trees: grown.trees,
            seeds: grown.seeds,
            n_features: x.ncols(),
            accepts_missing,
            oob,
            prepared,
        },
    )
}

/// The methods both fitted forests share: the trees, their seeds, the feature count
/// and the importances.
macro_rules! forest_model_methods {
    () => {
        /// The trees (`estimators_`), in the order they were seeded (a classifier's
        /// leaves hold class fractions in the order of its classes).
        pub fn estimators(&self) -> &[Tree] {
            &self.trees
        }

        /// Each tree's seed (scikit-learn's `estimators_[i].random_state`): it draws
        /// the tree's bootstrap sample and seeds its splitter, so a tree with this seed
        /// grown on the same sample is the forest's tree.
        pub fn estimator_seeds(&self) -> &[u64] {
            &self.seeds
        }

        /// The number of features seen in training.
        pub fn n_features_in(&self) -> usize {
            self.n_features
        }

        /// The trees' normalised impurity decreases per feature, averaged over the
        /// trees that split and normalised to sum to 1 (`feature_importances_`).
        pub fn feature_importances(&self) -> Vec<f64> {
            forest_importances(&self.trees, self.n_features)
        }
    };
}

/// A classifier's out-of-bag estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ClassifierOob {
    score: f64,
    /// Row-major `n × k` class probabilities.
    decision: Vec<f64>,
}

/// A regressor's out-of-bag estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RegressorOob {
    score: f64,
    predictions: Vec<f64>,
}

/// A fitted [`RandomForestClassifier`] or [`ExtraTreesClassifier`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestClassifierModel<L> {
    classes: Vec<L>,
    trees: Vec<Tree>,
    seeds: Vec<u64>,
    n_features: usize,
    oob: Option<ClassifierOob>,
    #[serde(skip)]
    prepared: Prepared,
}

impl<L: Label> ForestClassifierModel<L> {
    /// The sorted distinct labels seen in training (`classes_`).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    forest_model_methods!();

    /// The out-of-bag accuracy (`oob_score_`), when fitted with `oob_score(true)`.
    pub fn oob_score(&self) -> Option<f64> {
        self.oob.as_ref().map(|o| o.score)
    }

    /// The out-of-bag class probabilities of every training row
    /// (`oob_decision_function_`; a row that every tree drew gets zeros), when fitted
    /// with `oob_score(true)`.
    pub fn oob_decision_function(&self) -> Option<Mat<f64>> {
        let k = self.classes.len();
        self.oob
            .as_ref()
            .map(|o| Mat::from_fn(o.decision.len() / k, k, |i, c| o.decision[i * k + c]))
    }

    /// The trees' class probabilities, averaged, for every row of dense `x`.
    ///
    /// # Errors
    /// Empty `x`, another number of columns than in training, an infinite value or one
    /// beyond `f32`, CSR `x`. NaN is a missing value.
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let k = self.classes.len();
        let p = self.average(x.into())?;
        Ok(Mat::from_fn(p.len() / k, k, |i, c| p[i * k + c]))
    }

    /// The class of largest averaged probability for every row of dense `x`, the first
    /// of tied classes winning.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let k = self.classes.len();
        let p = self.average(x.into())?;
        Ok(p.chunks_exact(k)
            .map(|row| self.classes[argmax(row)].clone())
            .collect())
    }

    fn average(&self, x: Features<'_>) -> Result<Vec<f64>> {
        let x = x.dense("ForestClassifierModel")?;
        validate::non_empty(x, "X")?;
        validate::n_features_eq(x.ncols(), self.n_features)?;
        self.prepared.get(&self.trees, true).average(x, None)
    }
}

impl<L: Label> Fitted for ForestClassifierModel<L> {
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl<L: Label> Predict for ForestClassifierModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        ForestClassifierModel::predict(self, x)
    }
}

impl<L: Label> PredictProba for ForestClassifierModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        ForestClassifierModel::predict_proba(self, x)
    }
}

impl<L: Label + Serialize + DeserializeOwned> Persist for ForestClassifierModel<L> {
    const MODEL_NAME: &'static str = "ml_supervised::ForestClassifierModel";
}

impl<L: Label> Invariants for ForestClassifierModel<L> {
    /// Every tree's invariants, one value per class, sorted distinct classes, and
    /// out-of-bag probabilities for whole rows.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("classes", self.classes.len())?;
        inv::strictly_increasing("classes", &self.classes)?;
        check_trees(
            &self.trees,
            &self.seeds,
            self.n_features,
            self.classes.len(),
        )?;
        if let Some(oob) = &self.oob {
            inv::ensure(oob.decision.len() % self.classes.len() == 0, || {
                "the out-of-bag probabilities are not whole rows".to_owned()
            })?;
        }
        Ok(())
    }
}

/// A fitted [`RandomForestRegressor`] or [`ExtraTreesRegressor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestRegressorModel {
    trees: Vec<Tree>,
    seeds: Vec<u64>,
    n_features: usize,
    /// Whether NaN is a missing value at predict time (every criterion but the
    /// absolute error, as scikit-learn).
    accepts_missing: bool,
    oob: Option<RegressorOob>,
    #[serde(skip)]
    prepared: Prepared,
}

impl ForestRegressorModel {
    forest_model_methods!();

    /// The out-of-bag R² (`oob_score_`), when fitted with `oob_score(true)`.
    pub fn oob_score(&self) -> Option<f64> {
        self.oob.as_ref().map(|o| o.score)
    }

    /// The out-of-bag prediction of every training row (`oob_prediction_`; 0 for a
    /// row that every tree drew), when fitted with `oob_score(true)`.
    pub fn oob_prediction(&self) -> Option<&[f64]> {
        self.oob.as_ref().map(|o| o.predictions.as_slice())
    }

    /// The trees' predictions, averaged, for every row of dense `x`.
    ///
    /// # Errors
    /// Empty `x`, another number of columns than in training, an infinite value or one
    /// beyond `f32` (NaN too for the absolute error), CSR `x`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        let x = x.into().dense("ForestRegressorModel")?;
        validate::non_empty(x, "X")?;
        validate::n_features_eq(x.ncols(), self.n_features)?;
        if !self.accepts_missing {
            validate::finite(x)?;
        }
        self.prepared.get(&self.trees, false).average(x, None)
    }
}

impl Fitted for ForestRegressorModel {
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Predict for ForestRegressorModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        ForestRegressorModel::predict(self, x)
    }
}

impl Persist for ForestRegressorModel {
    const MODEL_NAME: &'static str = "ml_supervised::ForestRegressorModel";
}

impl Invariants for ForestRegressorModel {
    /// Every tree's invariants and one value per node.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        check_trees(&self.trees, &self.seeds, self.n_features, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_counts_are_numpys_draws() {
        // np.bincount(np.random.RandomState(0).randint(0, 10, 5), minlength=10).
        assert_eq!(
            bootstrap_counts(0, 10, 5, None),
            vec![1, 0, 0, 2, 0, 1, 0, 1, 0, 0]
        );
        // Weighted: a row of weight 0 is never drawn, the draws all land.
        let cdf = cumulative_shares(&[1.0, 0.0, 3.0, 0.0]);
        assert_eq!(cdf.last(), Some(&1.0));
        let counts = bootstrap_counts(5, 4, 1000, Some(&cdf));
        assert_eq!((counts[1], counts[3]), (0, 0));
        assert_eq!(counts.iter().sum::<u32>(), 1000);
    }

    #[test]
    fn bits_mark_the_drawn_rows() {
        let b = bits(&[0, 2, 0, 1]);
        assert!(!is_set(&b, 0) && is_set(&b, 1) && !is_set(&b, 2) && is_set(&b, 3));
    }
}
