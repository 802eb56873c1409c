//! Histogram gradient boosting, as scikit-learn 1.9.1's `HistGradientBoosting*`.
//!
//! Features are binned once (at most 255 bins plus one for missing values); each
//! iteration fits a tree (one per class for more than two classes) to the gradients
//! and hessians of the loss at the current raw predictions, growing best-first on
//! histograms of gradient sums ([`grower`]), and adds it, shrunk by the learning rate.
//! Early stopping scores the loss on a held-out split.
//!
//! The same settings and seed give scikit-learn's bins, baseline and trees (the
//! fixtures check it tree for tree); two things draw other random numbers than
//! scikit-learn: the early-stopping split (this library's `train_test_split`, same
//! sizes and class proportions) and the per-split feature draws of `max_features < 1`.
//! The trees are this module's own ([`BoostedTree`]): CART's nodes hold no
//! categorical splits and compare `f32` values, while a boosted split compares the
//! raw `f64` value with a bin edge.

mod binning;
mod grower;
mod loss;
mod predictor;

use faer::{Mat, MatRef};
use ml_core::model_selection::{TestSize, train_test_split};
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Error, Features, Fit, FitWeighted, Fitted, Label, Predict, PredictProba, Result, validate,
};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use self::binning::Bins;
use self::grower::{Binned, Buffers, Grower, Limits};
use self::loss::Loss;
use self::predictor::FlatTree;
pub use self::predictor::{BoostedNode, BoostedSplit, BoostedTree};
use crate::logistic::ClassWeight;
use crate::tree::random::Mt19937;
use crate::tree::{RegressionCriterion, argmax};

/// When to stop adding trees before `max_iter` (`early_stopping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EarlyStopping {
    /// On when the training set has more than 10 000 rows (scikit-learn's `"auto"`).
    Auto,
    /// Stop when the validation loss has not improved by `tol` for `n_iter_no_change`
    /// iterations.
    On,
    /// Always `max_iter` iterations.
    Off,
}

/// The loss a [`HistGradientBoostingRegressor`] minimises.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum HistRegressionLoss {
    /// Half the squared error (scikit-learn's `"squared_error"`).
    SquaredError,
    /// The absolute error: leaves hold medians of the residuals.
    AbsoluteError,
    /// Half the Poisson deviance with a log link: targets ≥ 0 with a positive sum.
    Poisson,
    /// Half the Gamma deviance with a log link: targets > 0.
    Gamma,
    /// The pinball loss of a quantile in (0, 1): leaves hold that quantile of the
    /// residuals.
    Quantile(f64),
}

/// Which features may appear together on a path from the root
/// (`interaction_cst`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum InteractionConstraints {
    /// Every pair of features is a group (`"pairwise"`).
    Pairwise,
    /// Every feature is a group of its own (`"no_interactions"`): a tree uses one
    /// feature.
    NoInteractions,
    /// Groups of column indices; the columns in no group form one more group.
    Groups(Vec<Vec<usize>>),
}

/// The settings both boosting estimators share, with scikit-learn's defaults.
#[derive(Debug, Clone, PartialEq)]
struct Settings {
    learning_rate: f64,
    max_iter: usize,
    max_leaf_nodes: Option<usize>,
    max_depth: Option<usize>,
    min_samples_leaf: usize,
    l2_regularization: f64,
    max_features: f64,
    max_bins: usize,
    categorical_features: Vec<usize>,
    monotonic_cst: Option<Vec<i8>>,
    interaction_cst: Option<InteractionConstraints>,
    early_stopping: EarlyStopping,
    validation_fraction: Option<TestSize>,
    n_iter_no_change: usize,
    tol: f64,
    seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            learning_rate: 0.1,
            max_iter: 100,
            max_leaf_nodes: Some(31),
            max_depth: None,
            min_samples_leaf: 20,
            l2_regularization: 0.0,
            max_features: 1.0,
            max_bins: 255,
            categorical_features: Vec::new(),
            monotonic_cst: None,
            interaction_cst: None,
            early_stopping: EarlyStopping::Auto,
            validation_fraction: Some(TestSize::Fraction(0.1)),
            n_iter_no_change: 10,
            tol: 1e-7,
            seed: 0,
        }
    }
}

/// Builder setters of the settings, shared by both estimators.
macro_rules! boosting_setters {
    () => {
        /// The shrinkage of every tree's values, > 0. Default: 0.1.
        pub fn learning_rate(mut self, learning_rate: f64) -> Self {
            self.settings.learning_rate = learning_rate;
            self
        }

        /// The most boosting iterations (trees per class). Default: 100. Unlike
        /// scikit-learn, 0 is accepted: the model predicts the baseline.
        pub fn max_iter(mut self, max_iter: usize) -> Self {
            self.settings.max_iter = max_iter;
            self
        }

        /// The most leaves of a tree (≥ 2), `None` for no limit. Default: `Some(31)`.
        pub fn max_leaf_nodes(mut self, max_leaf_nodes: Option<usize>) -> Self {
            self.settings.max_leaf_nodes = max_leaf_nodes;
            self
        }

        /// The deepest a leaf may be (the root is at depth 0; ≥ 1), `None` for no
        /// limit. Default: `None`.
        pub fn max_depth(mut self, max_depth: Option<usize>) -> Self {
            self.settings.max_depth = max_depth;
            self
        }

        /// The fewest training rows of a leaf (≥ 1). Default: 20.
        pub fn min_samples_leaf(mut self, min_samples_leaf: usize) -> Self {
            self.settings.min_samples_leaf = min_samples_leaf;
            self
        }

        /// The L2 penalty `λ` on leaf values, `v = −G / (H + λ)` (≥ 0). Default: 0.
        pub fn l2_regularization(mut self, l2_regularization: f64) -> Self {
            self.settings.l2_regularization = l2_regularization;
            self
        }

        /// The share of the (allowed) features each split considers, drawn per node,
        /// in (0, 1]. Default: 1 (all). The draws are this library's, not numpy's.
        pub fn max_features(mut self, max_features: f64) -> Self {
            self.settings.max_features = max_features;
            self
        }

        /// The most bins of a feature's values, in [2, 255]; one more bin holds the
        /// missing values. Default: 255.
        pub fn max_bins(mut self, max_bins: usize) -> Self {
            self.settings.max_bins = max_bins;
            self
        }

        /// The columns holding categories (any values; NaN is missing), at most
        /// `max_bins` distinct values each. Categories unseen in training count as
        /// missing at prediction. Default: none.
        pub fn categorical_features(mut self, columns: Vec<usize>) -> Self {
            self.settings.categorical_features = columns;
            self
        }

        /// One constraint per column: +1 the prediction never decreases as the column
        /// grows, −1 never increases, 0 free. Not for categorical columns nor more
        /// than two classes. Default: none.
        pub fn monotonic_cst(mut self, monotonic_cst: Option<Vec<i8>>) -> Self {
            self.settings.monotonic_cst = monotonic_cst;
            self
        }

        /// Which columns may interact within a tree. Default: no constraint.
        pub fn interaction_cst(mut self, interaction_cst: Option<InteractionConstraints>) -> Self {
            self.settings.interaction_cst = interaction_cst;
            self
        }

        /// Early stopping. Default: [`EarlyStopping::Auto`] (on above 10 000 rows).
        pub fn early_stopping(mut self, early_stopping: EarlyStopping) -> Self {
            self.settings.early_stopping = early_stopping;
            self
        }

        /// The held-out share (or count) of rows that early stopping scores; `None`
        /// scores the training loss instead. Default: 10 %.
        pub fn validation_fraction(mut self, validation_fraction: Option<TestSize>) -> Self {
            self.settings.validation_fraction = validation_fraction;
            self
        }

        /// The iterations without improvement after which early stopping stops (≥ 1).
        /// Default: 10.
        pub fn n_iter_no_change(mut self, n_iter_no_change: usize) -> Self {
            self.settings.n_iter_no_change = n_iter_no_change;
            self
        }

        /// The improvement of the score that counts (≥ 0). Default: 1e-7.
        pub fn tol(mut self, tol: f64) -> Self {
            self.settings.tol = tol;
            self
        }

        /// The seed, scikit-learn's `random_state` (taken modulo 2^32): it draws the
        /// binning subsample above 200 000 rows, the early-stopping split and the
        /// feature draws. Default: 0.
        pub fn seed(mut self, seed: u64) -> Self {
            self.settings.seed = seed;
            self
        }
    };
}

/// A fitted boosting model's state, shared by the classifier and the regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Boosted {
    n_features: usize,
    /// The column of `x` of each internal feature (categorical columns first).
    columns: Vec<usize>,
    bins: Bins,
    loss: Loss,
    baseline: Vec<f64>,
    /// The trees of each iteration, one per raw output.
    trees: Vec<Vec<BoostedTree>>,
    train_score: Vec<f64>,
    validation_score: Vec<f64>,
}

/// A training problem: the targets (class codes as numbers for the classifier), the
/// weights, and the rows to stratify the validation split by.
struct Problem<'a> {
    x: MatRef<'a, f64>,
    y: Vec<f64>,
    weights: Option<Vec<f64>>,
    loss: Loss,
    stratify: Option<&'a [usize]>,
}

impl Settings {
    fn check(&self, d: usize, loss: Loss) -> Result<()> {
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::invalid_parameter(
                "learning_rate",
                self.learning_rate,
                "a finite number > 0",
            ));
        }
        if let Some(leaves) = self.max_leaf_nodes {
            validate::at_least("max_leaf_nodes", leaves, 2, "at least 2")?;
        }
        if let Some(depth) = self.max_depth {
            validate::at_least("max_depth", depth, 1, "at least 1")?;
        }
        validate::at_least("min_samples_leaf", self.min_samples_leaf, 1, "at least 1")?;
        if !(self.l2_regularization >= 0.0 && self.l2_regularization.is_finite()) {
            return Err(Error::invalid_parameter(
                "l2_regularization",
                self.l2_regularization,
                "a finite number ≥ 0",
            ));
        }
        if !(self.max_features > 0.0 && self.max_features <= 1.0) {
            return Err(Error::invalid_parameter(
                "max_features",
                self.max_features,
                "a fraction in (0, 1]",
            ));
        }
        if !(2..=255).contains(&self.max_bins) {
            return Err(Error::invalid_parameter(
                "max_bins",
                self.max_bins,
                "in [2, 255]",
            ));
        }
        validate::at_least("n_iter_no_change", self.n_iter_no_change, 1, "at least 1")?;
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(Error::invalid_parameter(
                "tol",
                self.tol,
                "a finite number ≥ 0",
            ));
        }
        if let Loss::Quantile(q) = loss
            && !(q > 0.0 && q < 1.0)
        {
            return Err(Error::invalid_parameter("loss", q, "a quantile in (0, 1)"));
        }
        let mut seen = vec![false; d];
        for &c in &self.categorical_features {
            if c >= d || std::mem::replace(&mut seen[c], true) {
                return Err(Error::invalid_parameter(
                    "categorical_features",
                    &self.categorical_features,
                    "distinct column indices below the number of columns",
                ));
            }
        }
        if let Some(m) = &self.monotonic_cst {
            if m.len() != d {
                return Err(Error::ShapeMismatch {
                    what: "monotonic_cst",
                    expected: d,
                    got: m.len(),
                });
            }
            if m.iter().any(|&c| !(-1..=1).contains(&c)) {
                return Err(Error::invalid_parameter(
                    "monotonic_cst",
                    m,
                    "values in {-1, 0, 1}",
                ));
            }
            if m.iter().any(|&c| c != 0) {
                if matches!(loss, Loss::Multinomial(_)) {
                    return Err(Error::invalid_parameter(
                        "monotonic_cst",
                        m,
                        "no constraint with more than two classes",
                    ));
                }
                if self.categorical_features.iter().any(|&c| m[c] != 0) {
                    return Err(Error::invalid_parameter(
                        "monotonic_cst",
                        m,
                        "no constraint on a categorical column",
                    ));
                }
            }
        }
        if let Some(InteractionConstraints::Groups(groups)) = &self.interaction_cst
            && groups.iter().flatten().any(|&c| c >= d)
        {
            return Err(Error::invalid_parameter(
                "interaction_cst",
                groups,
                "groups of column indices below the number of columns",
            ));
        }
        Ok(())
    }

    /// The interaction groups as column indices (scikit-learn's
    /// `_check_interaction_cst`: the unlisted columns form one more group).
    fn interaction_groups(&self, d: usize) -> Option<Vec<Vec<usize>>> {
        let mut groups: Vec<Vec<usize>> = match self.interaction_cst.as_ref()? {
            InteractionConstraints::Pairwise => (0..d)
                .flat_map(|i| (i + 1..d).map(move |j| vec![i, j]))
                .collect(),
            InteractionConstraints::NoInteractions => (0..d).map(|i| vec![i]).collect(),
            InteractionConstraints::Groups(g) => g.clone(),
        };
        let listed: std::collections::BTreeSet<usize> = groups.iter().flatten().copied().collect();
        if listed.len() < d {
            groups.push((0..d).filter(|c| !listed.contains(c)).collect());
        }
        Some(groups)
    }

    /// Fits the boosting model.
    fn fit(&self, problem: &Problem<'_>) -> Result<Boosted> {
        let x = problem.x;
        let (n, d) = (x.nrows(), x.ncols());
        let loss = problem.loss;
        self.check(d, loss)?;
        let k = loss.n_trees();
        validate::allocatable::<f64>("the raw predictions", n.saturating_mul(k))?;
        validate::allocatable::<u8>("the binned features", n.saturating_mul(d))?;
        validate::allocatable::<BoostedTree>("the trees", self.max_iter.saturating_mul(k))?;

        let mut rng = Mt19937::new(self.seed as u32);
        let random_seed = rng.below(u64::from(u32::MAX));
        let feature_seed = rng.below(u64::from(u32::MAX));

        // Categorical columns first, as scikit-learn orders them.
        let mut columns: Vec<usize> = self.categorical_features.clone();
        columns.sort_unstable();
        let n_categorical = columns.len();
        columns.extend((0..d).filter(|c| !self.categorical_features.contains(c)));
        let categorical: Vec<bool> = (0..d).map(|f| f < n_categorical).collect();
        let mut internal_of = vec![0; d];
        for (f, &c) in columns.iter().enumerate() {
            internal_of[c] = f;
        }

        let early = match self.early_stopping {
            EarlyStopping::Auto => n > 10_000,
            EarlyStopping::On => true,
            EarlyStopping::Off => false,
        };
        let split = match (early, self.validation_fraction) {
            (true, Some(size)) => Some(match problem.stratify {
                Some(codes) => {
                    train_test_split(n, size, u64::from(random_seed), Some(codes), true)?
                }
                None => train_test_split(n, size, u64::from(random_seed), None::<&[u8]>, true)?,
            }),
            _ => None,
        };
        let weights = problem.weights.as_deref();
        let take = |v: &[f64], rows: &[usize]| -> Vec<f64> { rows.iter().map(|&i| v[i]).collect() };
        let train_rows = split.as_ref().map(|(train, _)| train.as_slice());
        let y_train: Vec<f64> =
            train_rows.map_or_else(|| problem.y.clone(), |r| take(&problem.y, r));
        let w_train: Option<Vec<f64>> = match (weights, train_rows) {
            (Some(w), Some(r)) => Some(take(w, r)),
            (Some(w), None) => Some(w.to_vec()),
            (None, _) => None,
        };

        if w_train
            .as_ref()
            .is_some_and(|w| w.iter().all(|&v| v == 0.0))
        {
            return Err(Error::invalid_data(
                "sample_weight",
                "every training row (the rows outside the early-stopping validation split) \
                 weighs 0",
            ));
        }
        let bins = Bins::fit(
            x,
            train_rows,
            &columns,
            &categorical,
            self.max_bins,
            w_train.as_deref(),
            random_seed,
        )?;
        let all_binned = bins.bin(x, &columns)?;
        let gather = |rows: &[usize]| -> Vec<u8> {
            let m = rows.len();
            let mut out = vec![0u8; m * d];
            out.par_chunks_mut(m.max(1))
                .enumerate()
                .for_each(|(f, col)| {
                    let src = &all_binned[f * n..(f + 1) * n];
                    for (o, &r) in col.iter_mut().zip(rows) {
                        *o = src[r];
                    }
                });
            out
        };
        let (train_binned, val) = match &split {
            Some((train, val)) => {
                let vb = gather(val);
                let tb = gather(train);
                (
                    tb,
                    Some((vb, take(&problem.y, val), weights.map(|w| take(w, val)))),
                )
            }
            None => (all_binned, None),
        };
        let n_train = y_train.len();
        let has_missing: Vec<bool> = (0..d)
            .map(|f| train_binned[f * n_train..(f + 1) * n_train].contains(&bins.missing_bin))
            .collect();
        let n_bins_non_missing: Vec<usize> = (0..d).map(|f| bins.n_bins_non_missing(f)).collect();
        let monotonic: Vec<i8> = self
            .monotonic_cst
            .as_ref()
            .map_or_else(Vec::new, |m| columns.iter().map(|&c| m[c]).collect());
        let interaction: Option<Vec<Vec<usize>>> = self.interaction_groups(d).map(|groups| {
            groups
                .into_iter()
                .map(|g| {
                    let mut g: Vec<usize> = g.into_iter().map(|c| internal_of[c]).collect();
                    g.sort_unstable();
                    g.dedup();
                    g
                })
                .collect()
        });
        let data = Binned {
            bins: &train_binned,
            n: n_train,
            d,
            n_bins: self.max_bins + 1,
            missing_bin: bins.missing_bin,
            n_bins_non_missing: &n_bins_non_missing,
            has_missing: &has_missing,
            categorical: &categorical,
            monotonic: &monotonic,
            interaction: interaction.as_deref(),
        };
        let limits = Limits {
            max_leaf_nodes: self.max_leaf_nodes,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            l2_regularization: self.l2_regularization,
            max_features: self.max_features,
            shrinkage: self.learning_rate,
        };

        let baseline = loss.baseline(&y_train, w_train.as_deref());
        let mut raw: Vec<f64> = baseline
            .iter()
            .flat_map(|&b| std::iter::repeat_n(b, n_train))
            .collect();
        let mut raw_val: Option<Vec<f64>> = val.as_ref().map(|(vb, _, _)| {
            let m = vb.len() / d.max(1);
            baseline
                .iter()
                .flat_map(|&b| std::iter::repeat_n(b, m))
                .collect()
        });
        let constant_hessian = loss.constant_hessian(w_train.is_some());
        let mut gradients = vec![0f32; n_train * k];
        let mut hessians = vec![0f32; if constant_hessian { 0 } else { n_train * k }];
        let mut train_score = Vec::new();
        let mut validation_score = Vec::new();
        let score = |raw: &[f64],
                     raw_val: Option<&[f64]>,
                     train_score: &mut Vec<f64>,
                     validation_score: &mut Vec<f64>|
         -> bool {
            train_score.push(-loss.mean_loss(&y_train, raw, w_train.as_deref()));
            match (raw_val, &val) {
                (Some(rv), Some((_, yv, wv))) => {
                    validation_score.push(-loss.mean_loss(yv, rv, wv.as_deref()));
                    should_stop(validation_score, self.n_iter_no_change, self.tol)
                }
                _ => should_stop(train_score, self.n_iter_no_change, self.tol),
            }
        };
        if early {
            score(
                &raw,
                raw_val.as_deref(),
                &mut train_score,
                &mut validation_score,
            );
        }

        let mut feature_rng = Mt19937::new(feature_seed);
        let mut trees: Vec<Vec<BoostedTree>> = Vec::new();
        // One tree on class `c`'s gradients: grown, its leaves refitted for the losses
        // without a gradient, its values added to the class's raw predictions.
        let grow_one = |c: usize,
                        gradients: &[f32],
                        hessians: &[f32],
                        rng: Option<&mut Mt19937>,
                        buffers: Buffers,
                        raw_c: &mut [f64]|
         -> (BoostedTree, Buffers) {
            let g = &gradients[c * n_train..(c + 1) * n_train];
            let h = (!constant_hessian).then(|| &hessians[c * n_train..(c + 1) * n_train]);
            let mut grower = Grower::new(&data, limits, g, h, rng, buffers);
            grower.grow();
            if !loss.differentiable() {
                let updates: Vec<(usize, f64)> = grower
                    .leaves()
                    .map(|(leaf, rows)| {
                        let residuals: Vec<f64> = rows
                            .iter()
                            .map(|&r| y_train[r as usize] - raw_c[r as usize])
                            .collect();
                        let w: Option<Vec<f64>> = w_train
                            .as_ref()
                            .map(|w| rows.iter().map(|&r| w[r as usize]).collect());
                        (
                            leaf,
                            self.learning_rate * loss.leaf_value(&residuals, w.as_deref()),
                        )
                    })
                    .collect();
                for (leaf, value) in updates {
                    grower.set_leaf_value(leaf, value);
                }
            }
            for (leaf, rows) in grower.leaves() {
                let value = grower.leaf_value(leaf);
                for &r in rows {
                    raw_c[r as usize] += value;
                }
            }
            (
                grower.predictor(&columns, &bins.edges),
                grower.into_buffers(),
            )
        };
        let mut class_buffers: Vec<Buffers> = (0..k).map(|_| Buffers::default()).collect();
        for _ in 0..self.max_iter {
            loss.gradients(
                &y_train,
                &raw,
                w_train.as_deref(),
                &mut gradients,
                &mut hessians,
            );
            let iteration: Vec<BoostedTree> = if k > 1 && self.max_features >= 1.0 {
                // The classes' trees are independent given the iteration's gradients:
                // grown side by side (each still parallel inside), every tree as it
                // would grow alone. Feature draws (`max_features < 1`) keep their order
                // on one generator, so those trees grow one after another.
                let (gradients, hessians) = (&gradients, &hessians);
                let grown: Vec<(BoostedTree, Buffers)> = raw
                    .par_chunks_mut(n_train)
                    .zip(class_buffers.par_iter_mut())
                    .enumerate()
                    .map(|(c, (raw_c, buffers))| {
                        grow_one(c, gradients, hessians, None, std::mem::take(buffers), raw_c)
                    })
                    .collect();
                grown
                    .into_iter()
                    .zip(class_buffers.iter_mut())
                    .map(|((tree, b), slot)| {
                        *slot = b;
                        tree
                    })
                    .collect()
            } else {
                let mut trees = Vec::with_capacity(k);
                for (c, raw_c) in raw.chunks_mut(n_train).enumerate() {
                    let rng = (self.max_features < 1.0).then_some(&mut feature_rng);
                    let buffers = std::mem::take(&mut class_buffers[0]);
                    let (tree, b) = grow_one(c, &gradients, &hessians, rng, buffers, raw_c);
                    class_buffers[0] = b;
                    trees.push(tree);
                }
                trees
            };
            if let (Some(rv), Some((vb, _, _))) = (raw_val.as_mut(), &val) {
                let m = vb.len() / d.max(1);
                for (c, tree) in iteration.iter().enumerate() {
                    rv[c * m..(c + 1) * m]
                        .par_iter_mut()
                        .enumerate()
                        .for_each(|(i, r)| *r += tree.predict_binned(vb, m, i, bins.missing_bin));
                }
            }
            trees.push(iteration);
            if early
                && score(
                    &raw,
                    raw_val.as_deref(),
                    &mut train_score,
                    &mut validation_score,
                )
            {
                break;
            }
        }
        Ok(Boosted {
            n_features: d,
            columns,
            bins,
            loss,
            baseline,
            trees,
            train_score,
            validation_score,
        })
    }
}

/// scikit-learn's `_should_stop`: none of the last `n_iter_no_change` scores beats
/// the one before them by more than `tol`.
fn should_stop(scores: &[f64], n_iter_no_change: usize, tol: f64) -> bool {
    let reference_position = n_iter_no_change.saturating_add(1);
    if scores.len() < reference_position {
        return false;
    }
    let reference = scores[scores.len() - reference_position] + tol;
    !scores[scores.len() - n_iter_no_change..]
        .iter()
        .any(|&s| s > reference)
}

/// Rows per parallel prediction task.
const PREDICT_BLOCK: usize = 512;

impl Boosted {
    /// Row-major `n × k` raw predictions of the first `iterations` iterations.
    fn raw_predict(&self, x: MatRef<'_, f64>, iterations: usize) -> Result<Vec<f64>> {
        let (n, d) = (x.nrows(), x.ncols());
        validate::non_empty(x, "X")?;
        validate::n_features_eq(d, self.n_features)?;
        let k = self.baseline.len();
        validate::allocatable::<f64>("the predictions", n.saturating_mul(k))?;
        let flat = self.flat_trees(iterations);
        let mut out = vec![0.0; n * k];
        let results: Vec<Result<()>> = out
            .par_chunks_mut(PREDICT_BLOCK * k)
            .enumerate()
            .map(|(b, block)| {
                let start = b * PREDICT_BLOCK;
                let len = block.len() / k;
                let mut rows = vec![0.0; len * d];
                for j in 0..d {
                    let col = x.col(j);
                    for i in 0..len {
                        let v = col[start + i];
                        if v.is_infinite() {
                            return Err(Error::NonFinite {
                                row: start + i,
                                col: j,
                                value: v,
                            });
                        }
                        rows[i * d + j] = v;
                    }
                }
                for acc in block.chunks_exact_mut(k) {
                    acc.copy_from_slice(&self.baseline);
                }
                // Tree by tree over the block, so a tree's nodes stay in cache.
                for iteration in &flat[..iterations] {
                    for (c, tree) in iteration.iter().enumerate() {
                        for (acc, row) in block.chunks_exact_mut(k).zip(rows.chunks_exact(d.max(1)))
                        {
                            acc[c] += tree.predict_row(row, &self.bins);
                        }
                    }
                }
                Ok(())
            })
            .collect();
        results.into_iter().collect::<Result<()>>()?;
        Ok(out)
    }

    fn n_iter(&self) -> usize {
        self.trees.len()
    }

    /// The first `iterations` iterations' trees laid out for prediction.
    fn flat_trees(&self, iterations: usize) -> Vec<Vec<FlatTree>> {
        self.trees[..iterations]
            .iter()
            .map(|it| it.iter().map(FlatTree::new).collect())
            .collect()
    }

    fn check(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let d = self.n_features;
        inv::len("internal features", self.columns.len(), d)?;
        inv::len("binned features", self.bins.n_features(), d)?;
        inv::len("categorical flags", self.bins.categorical.len(), d)?;
        let mut seen = vec![false; d];
        for &c in &self.columns {
            inv::ensure(c < d && !std::mem::replace(&mut seen[c], true), || {
                "the feature order is not a permutation".to_owned()
            })?;
        }
        inv::len("baseline values", self.baseline.len(), self.loss.n_trees())?;
        inv::ensure(self.baseline.iter().all(|b| b.is_finite()), || {
            "the baseline is not finite".to_owned()
        })?;
        for iteration in &self.trees {
            inv::len("trees per iteration", iteration.len(), self.loss.n_trees())?;
            for tree in iteration {
                tree.check(d, d)?;
            }
        }
        Ok(())
    }

    /// The staged raw predictions: after each iteration, row-major `n × k`.
    fn staged(&self, x: MatRef<'_, f64>) -> Result<Staged<'_>> {
        let base = self.raw_predict(x, 0)?;
        let (n, d) = (x.nrows(), x.ncols());
        let mut rows = vec![0.0; n * d];
        for j in 0..d {
            for i in 0..n {
                rows[i * d + j] = x[(i, j)];
            }
        }
        Ok(Staged {
            model: self,
            rows,
            raw: base,
            next: 0,
        })
    }
}

/// An iterator over the raw predictions after each iteration (the data copied once,
/// row-major).
struct Staged<'a> {
    model: &'a Boosted,
    rows: Vec<f64>,
    raw: Vec<f64>,
    next: usize,
}

impl Iterator for Staged<'_> {
    type Item = Vec<f64>;

    fn next(&mut self) -> Option<Vec<f64>> {
        let iteration: Vec<FlatTree> = self
            .model
            .trees
            .get(self.next)?
            .iter()
            .map(FlatTree::new)
            .collect();
        self.next += 1;
        let d = self.model.n_features.max(1);
        let k = iteration.len();
        let bins = &self.model.bins;
        self.raw
            .par_chunks_mut(k)
            .zip(self.rows.par_chunks(d))
            .for_each(|(acc, row)| {
                for (a, tree) in acc.iter_mut().zip(&iteration) {
                    *a += tree.predict_row(row, bins);
                }
            });
        Some(self.raw.clone())
    }
}

/// The methods both fitted models share.
macro_rules! boosted_model_methods {
    () => {
        /// The number of iterations run (`n_iter_`): `max_iter` unless early stopping
        /// stopped sooner.
        pub fn n_iter(&self) -> usize {
            self.boosted.n_iter()
        }

        /// The trees of each iteration (one per class for more than two classes).
        pub fn trees(&self) -> &[Vec<BoostedTree>] {
            &self.boosted.trees
        }

        /// The raw prediction before any tree (`_baseline_prediction`): one value per
        /// tree of an iteration.
        pub fn baseline(&self) -> &[f64] {
            &self.boosted.baseline
        }

        /// The scores (negative mean losses) on the training rows, before the first
        /// tree and after each iteration, when early stopping was on (`train_score_`).
        pub fn train_score(&self) -> &[f64] {
            &self.boosted.train_score
        }

        /// The scores on the validation split, when early stopping used one
        /// (`validation_score_`).
        pub fn validation_score(&self) -> &[f64] {
            &self.boosted.validation_score
        }

        /// The number of features seen in training.
        pub fn n_features_in(&self) -> usize {
            self.boosted.n_features
        }

        /// The bin edges of column `c` (`bin_thresholds_`): the upper edges of its
        /// bins but the last, or its sorted categories.
        pub fn bin_thresholds(&self, c: usize) -> Option<&[f64]> {
            let f = self.boosted.columns.iter().position(|&col| col == c)?;
            Some(&self.boosted.bins.edges[f])
        }

        /// The raw predictions (`decision_function` / `_raw_predict`), `n × k`.
        ///
        /// # Errors
        /// Empty `x`, another number of columns than in training, an infinite value
        /// ([`Error::NonFinite`]; NaN is missing), CSR `x`.
        pub fn raw_predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
            let x = x.into().dense(Self::NAME)?;
            let raw = self.boosted.raw_predict(x, self.boosted.n_iter())?;
            let k = self.boosted.baseline.len();
            Ok(Mat::from_fn(raw.len() / k, k, |i, c| raw[i * k + c]))
        }
    };
}

/// A gradient-boosted ensemble of regression trees on binned features, as
/// scikit-learn 1.9.1's `HistGradientBoostingRegressor`.
///
/// Defaults: squared error, learning rate 0.1, 100 iterations, 31 leaves a tree,
/// 20 rows a leaf, no L2 penalty, 255 bins, early stopping above 10 000 rows (10 %
/// held out, 10 iterations without an improvement of 1e-7 in the loss). NaN is a
/// missing value, routed at each split to the side that fits best.
///
/// ```
/// use ml_core::datasets::load_diabetes;
/// use ml_supervised::ensemble::HistGradientBoostingRegressor;
///
/// let diabetes = load_diabetes()?;
/// let model = HistGradientBoostingRegressor::new()
///     .max_iter(50)
///     .fit(diabetes.data.as_ref(), &diabetes.target)?;
/// let predictions = model.predict(diabetes.data.as_ref())?;
/// assert_eq!(predictions.len(), 442);
/// assert_eq!(model.n_iter(), 50);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HistGradientBoostingRegressor {
    loss: HistRegressionLoss,
    settings: Settings,
}

impl Default for HistGradientBoostingRegressor {
    fn default() -> Self {
        Self {
            loss: HistRegressionLoss::SquaredError,
            settings: Settings::default(),
        }
    }
}

impl HistGradientBoostingRegressor {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The loss. Default: [`HistRegressionLoss::SquaredError`].
    pub fn loss(mut self, loss: HistRegressionLoss) -> Self {
        self.loss = loss;
        self
    }

    boosting_setters!();

    /// Fits the model on dense `x` (NaN missing) and targets `y`.
    ///
    /// # Errors
    /// Empty `x`, an infinite value in `x` ([`Error::NonFinite`]; NaN is a missing
    /// value), `y` of another length or not finite, targets the loss refuses (Poisson:
    /// negative or summing to 0; Gamma: not positive), a setting out of range
    /// ([`Error::InvalidParameter`]), a categorical column with more categories than
    /// bins ([`Error::InvalidData`]), CSR `x` ([`Error::Unsupported`]).
    pub fn fit<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
    ) -> Result<HistGradientBoostingRegressorModel> {
        self.fit_inner(x.into(), y, None)
    }

    /// [`fit`](Self::fit) with one non-negative weight per row.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus invalid weights.
    pub fn fit_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<HistGradientBoostingRegressorModel> {
        self.fit_inner(x.into(), y, Some(sample_weight))
    }

    fn fit_inner(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: Option<&[f64]>,
    ) -> Result<HistGradientBoostingRegressorModel> {
        let name = "HistGradientBoostingRegressor";
        let x = x.dense(name)?;
        validate::non_empty(x, "X")?;
        validate::targets_len(x.nrows(), y.len())?;
        validate::finite_slice(y)?;
        if let Some(w) = sample_weight {
            validate::sample_weight(w, x.nrows())?;
        }
        let loss = match self.loss {
            HistRegressionLoss::SquaredError => Loss::Squared,
            HistRegressionLoss::AbsoluteError => Loss::Absolute,
            HistRegressionLoss::Quantile(q) => Loss::Quantile(q),
            HistRegressionLoss::Poisson => {
                // The Poisson tree criterion's check: targets ≥ 0 with a positive sum.
                RegressionCriterion::Poisson.checked_on(y)?;
                Loss::Poisson
            }
            HistRegressionLoss::Gamma => {
                if let Some(i) = y.iter().position(|&v| v <= 0.0) {
                    return Err(Error::InvalidData {
                        what: "y",
                        location: format!("row {i}"),
                        reason: format!("{} is not positive, which the Gamma loss refuses", y[i]),
                    });
                }
                Loss::Gamma
            }
        };
        let boosted = self.settings.fit(&Problem {
            x,
            y: y.to_vec(),
            weights: sample_weight.map(<[f64]>::to_vec),
            loss,
            stratify: None,
        })?;
        validate::fitted(name, HistGradientBoostingRegressorModel { boosted })
    }
}

impl Fit<[f64]> for HistGradientBoostingRegressor {
    type Model = HistGradientBoostingRegressorModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<Self::Model> {
        self.fit_inner(x, y, None)
    }
}

impl FitWeighted<[f64]> for HistGradientBoostingRegressor {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<Self::Model> {
        self.fit_inner(x, y, Some(sample_weight))
    }
}

/// A fitted [`HistGradientBoostingRegressor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistGradientBoostingRegressorModel {
    boosted: Boosted,
}

impl HistGradientBoostingRegressorModel {
    const NAME: &'static str = "HistGradientBoostingRegressorModel";

    boosted_model_methods!();

    /// The predictions for every row of dense `x` (NaN missing): the raw predictions
    /// through the loss's link (exponentiated for Poisson and Gamma).
    ///
    /// # Errors
    /// Empty `x`, another number of columns than in training, an infinite value
    /// ([`Error::NonFinite`]; NaN is missing), CSR `x`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        let x = x.into().dense(Self::NAME)?;
        let mut raw = self.boosted.raw_predict(x, self.boosted.n_iter())?;
        raw.chunks_exact_mut(1)
            .for_each(|r| self.boosted.loss.inverse_link(r));
        Ok(raw)
    }

    /// The predictions after each iteration, lazily: the first item after one
    /// iteration, the last equal to [`predict`](Self::predict).
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn staged_predict<'a>(
        &self,
        x: impl Into<Features<'a>>,
    ) -> Result<impl Iterator<Item = Vec<f64>> + '_> {
        let x = x.into().dense(Self::NAME)?;
        let loss = self.boosted.loss;
        Ok(self.boosted.staged(x)?.map(move |mut raw| {
            raw.chunks_exact_mut(1).for_each(|r| loss.inverse_link(r));
            raw
        }))
    }
}

impl Fitted for HistGradientBoostingRegressorModel {
    fn n_features_in(&self) -> usize {
        self.boosted.n_features
    }
}

impl Predict for HistGradientBoostingRegressorModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        HistGradientBoostingRegressorModel::predict(self, x)
    }
}

impl Persist for HistGradientBoostingRegressorModel {
    const MODEL_NAME: &'static str = "ml_supervised::HistGradientBoostingRegressorModel";
}

impl Invariants for HistGradientBoostingRegressorModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        ml_core::persist::invariants::ensure(
            !matches!(self.boosted.loss, Loss::Binomial | Loss::Multinomial(_)),
            || "a regressor with a classification loss".to_owned(),
        )?;
        self.boosted.check()
    }
}

/// A gradient-boosted ensemble of trees for classification on binned features, as
/// scikit-learn 1.9.1's `HistGradientBoostingClassifier`: the log loss, one tree per
/// iteration for two classes, one per class and iteration for more.
///
/// Defaults as [`HistGradientBoostingRegressor`]'s; `class_weight` multiplies the
/// sample weights (balanced from the class counts, as scikit-learn).
///
/// ```
/// use ml_core::datasets::load_breast_cancer;
/// use ml_supervised::ensemble::HistGradientBoostingClassifier;
///
/// let data = load_breast_cancer()?;
/// let model = HistGradientBoostingClassifier::new()
///     .max_iter(30)
///     .fit(data.data.as_ref(), &data.target)?;
/// let accuracy = model
///     .predict(data.data.as_ref())?
///     .iter()
///     .zip(&data.target)
///     .filter(|(p, t)| p == t)
///     .count() as f64
///     / data.target.len() as f64;
/// assert!(accuracy > 0.97);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistGradientBoostingClassifier {
    class_weight: Option<ClassWeight>,
    settings: Settings,
}

impl HistGradientBoostingClassifier {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Weights of the classes, multiplying the sample weights; balanced weights come
    /// from the class counts (not the sample weights), as scikit-learn's. Default:
    /// none.
    pub fn class_weight(mut self, class_weight: Option<ClassWeight>) -> Self {
        self.class_weight = class_weight;
        self
    }

    boosting_setters!();

    /// Fits the model on dense `x` (NaN missing) and labels `y` (at least two classes).
    ///
    /// # Errors
    /// Empty `x`, an infinite value in `x` ([`Error::NonFinite`]; NaN is a missing
    /// value), `y` of another length or of one class ([`Error::TooFewClasses`]), a
    /// setting out of range ([`Error::InvalidParameter`]), a categorical column with
    /// more categories than bins ([`Error::InvalidData`]), CSR `x`
    /// ([`Error::Unsupported`]).
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<HistGradientBoostingClassifierModel<L>> {
        self.fit_inner(x.into(), y, None)
    }

    /// [`fit`](Self::fit) with one non-negative weight per row.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus invalid weights.
    pub fn fit_weighted<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<HistGradientBoostingClassifierModel<L>> {
        self.fit_inner(x.into(), y, Some(sample_weight))
    }

    fn fit_inner<L: Label>(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<HistGradientBoostingClassifierModel<L>> {
        let name = "HistGradientBoostingClassifier";
        let x = x.dense(name)?;
        validate::non_empty(x, "X")?;
        validate::targets_len(x.nrows(), y.len())?;
        if let Some(w) = sample_weight {
            validate::sample_weight(w, x.nrows())?;
        }
        let enc = validate::encode_labels(y, 2)?;
        let k = enc.classes.len();
        let weights = match &self.class_weight {
            None => sample_weight.map(<[f64]>::to_vec),
            Some(cw) => {
                let per_class = cw.per_class(&enc.codes, None, k)?;
                Some(
                    enc.codes
                        .iter()
                        .enumerate()
                        .map(|(i, &c)| sample_weight.map_or(1.0, |w| w[i]) * per_class[c])
                        .collect(),
                )
            }
        };
        if weights
            .as_ref()
            .is_some_and(|w| !w.iter().any(|&v| v > 0.0))
        {
            return Err(Error::invalid_parameter(
                "class_weight",
                &self.class_weight,
                "weights that leave at least one row of positive weight",
            ));
        }
        let loss = if k == 2 {
            Loss::Binomial
        } else {
            Loss::Multinomial(k)
        };
        let boosted = self.settings.fit(&Problem {
            x,
            y: enc.codes.iter().map(|&c| c as f64).collect(),
            weights,
            loss,
            stratify: Some(&enc.codes),
        })?;
        validate::fitted(
            name,
            HistGradientBoostingClassifierModel {
                classes: enc.classes,
                boosted,
            },
        )
    }
}

impl<L: Label> Fit<[L]> for HistGradientBoostingClassifier {
    type Model = HistGradientBoostingClassifierModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<Self::Model> {
        self.fit_inner(x, y, None)
    }
}

impl<L: Label> FitWeighted<[L]> for HistGradientBoostingClassifier {
    fn fit_weighted(&self, x: Features<'_>, y: &[L], sample_weight: &[f64]) -> Result<Self::Model> {
        self.fit_inner(x, y, Some(sample_weight))
    }
}

/// A fitted [`HistGradientBoostingClassifier`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistGradientBoostingClassifierModel<L> {
    classes: Vec<L>,
    boosted: Boosted,
}

impl<L: Label> HistGradientBoostingClassifierModel<L> {
    const NAME: &'static str = "HistGradientBoostingClassifierModel";

    boosted_model_methods!();

    /// The sorted distinct labels seen in training (`classes_`).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// Class probabilities from raw predictions (row-major, `k` raw values a row).
    fn probabilities(&self, raw: &[f64]) -> Vec<f64> {
        let loss = self.boosted.loss;
        match loss {
            Loss::Binomial => raw
                .iter()
                .flat_map(|&r| {
                    let p = loss::expit(r);
                    [1.0 - p, p]
                })
                .collect(),
            _ => {
                let mut p = raw.to_vec();
                let k = self.classes.len();
                p.chunks_exact_mut(k).for_each(loss::softmax);
                p
            }
        }
    }

    fn labels(&self, proba: &[f64]) -> Vec<L> {
        proba
            .chunks_exact(self.classes.len())
            .map(|row| self.classes[argmax(row)].clone())
            .collect()
    }

    /// The class probabilities of every row of dense `x` (NaN missing).
    ///
    /// # Errors
    /// Empty `x`, another number of columns than in training, an infinite value
    /// ([`Error::NonFinite`]; NaN is missing), CSR `x`.
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense(Self::NAME)?;
        let raw = self.boosted.raw_predict(x, self.boosted.n_iter())?;
        let p = self.probabilities(&raw);
        let k = self.classes.len();
        Ok(Mat::from_fn(p.len() / k, k, |i, c| p[i * k + c]))
    }

    /// The most probable class of every row of dense `x`, the first of tied classes.
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let x = x.into().dense(Self::NAME)?;
        let raw = self.boosted.raw_predict(x, self.boosted.n_iter())?;
        Ok(self.labels(&self.probabilities(&raw)))
    }

    /// The predicted classes after each iteration, lazily.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn staged_predict<'a>(
        &self,
        x: impl Into<Features<'a>>,
    ) -> Result<impl Iterator<Item = Vec<L>> + '_> {
        let x = x.into().dense(Self::NAME)?;
        Ok(self
            .boosted
            .staged(x)?
            .map(move |raw| self.labels(&self.probabilities(&raw))))
    }

    /// The class probabilities after each iteration, lazily (row-major `n × k`).
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn staged_predict_proba<'a>(
        &self,
        x: impl Into<Features<'a>>,
    ) -> Result<impl Iterator<Item = Vec<f64>> + '_> {
        let x = x.into().dense(Self::NAME)?;
        Ok(self
            .boosted
            .staged(x)?
            .map(move |raw| self.probabilities(&raw)))
    }
}

impl<L: Label> Fitted for HistGradientBoostingClassifierModel<L> {
    fn n_features_in(&self) -> usize {
        self.boosted.n_features
    }
}

impl<L: Label> Predict for HistGradientBoostingClassifierModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        HistGradientBoostingClassifierModel::predict(self, x)
    }
}

impl<L: Label> PredictProba for HistGradientBoostingClassifierModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<Mat<f64>> {
        HistGradientBoostingClassifierModel::predict_proba(self, x)
    }
}

impl<L: Label + Serialize + DeserializeOwned> Persist for HistGradientBoostingClassifierModel<L> {
    const MODEL_NAME: &'static str = "ml_supervised::HistGradientBoostingClassifierModel";
}

impl<L: Label> Invariants for HistGradientBoostingClassifierModel<L> {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::strictly_increasing("classes", &self.classes)?;
        let expected = match self.classes.len() {
            2 => Loss::Binomial,
            k => Loss::Multinomial(k),
        };
        inv::ensure(self.boosted.loss == expected, || {
            "the loss does not fit the number of classes".to_owned()
        })?;
        self.boosted.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_stopping_waits_for_n_iter_no_change_scores() {
        assert!(!should_stop(&[1.0, 2.0], 2, 0.0));
        assert!(should_stop(&[1.0, 1.0, 1.0], 2, 0.0));
        assert!(!should_stop(&[1.0, 1.0, 1.5], 2, 0.0));
        assert!(should_stop(&[1.0, 1.0, 1.5], 2, 0.6));
    }
}
