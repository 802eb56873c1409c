//! Decision trees: CART as scikit-learn 1.9.1's `DecisionTreeClassifier` and
//! `DecisionTreeRegressor`, and Quinlan's C4.5 as Weka's J48 ([`C45Classifier`]).
//!
//! Like scikit-learn, the features are cast to `f32` before splitting and at predict
//! time, thresholds are `f64` midpoints of two consecutive `f32` training values, the
//! tree grows depth first and splits maximise the criterion's improvement over the
//! features in a seeded random order (the first best wins a tie). The order is drawn
//! with scikit-learn's own generator and algorithm, so `seed(s)` grows the tree that
//! `random_state=s` grows, node for node, ties included.
//!
//! The best and random splitters; the Gini, entropy (`log_loss`), squared-error,
//! absolute-error and Poisson criteria; depth-first growth, or best-first growth up to
//! `max_leaf_nodes` leaves with scikit-learn's frontier order; the depth, size, weight
//! and impurity limits, `max_features`, sample and class weights, minimal
//! cost-complexity pruning (`ccp_alpha`, [`PruningPath`]), class probabilities, leaf
//! ids, decision paths, feature importances, explanations (scikit-learn's
//! `export_text`, one readable rule per leaf, Graphviz DOT) and persistence.
//!
//! NaN is a missing value, as in scikit-learn 1.9: each split tries the rows missing
//! its feature on the right (including the split "every value left, every missing
//! right", threshold +∞), then on the left, and keeps the side in
//! [`Split::missing_go_to_left`]; a feature without missing values in training sends
//! NaN at predict time to the child that had more rows. Infinities are refused; the
//! absolute error takes no missing values (as scikit-learn). A regression tree may
//! predict several outputs at once ([`DecisionTreeRegressor::fit_outputs`]).
//!
//! The fitted [`Tree`] is plain data: [`Node`]s in pre-order with their [`Split`]s and
//! per-node values, for anyone who wants to walk it.

pub(crate) mod builder;
mod c45;
pub(crate) mod random;
mod structure;

use faer::MatRef;
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Error, Features, Fit, FitWeighted, Fitted, Label, Predict, PredictProba, Result, validate,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use c45::{C45Classifier, C45ClassifierModel, C45Node, C45Test, C45Tree};
pub(crate) use structure::Walker;
pub use structure::{Node, Split, Tree};

use builder::{Criterion, Data, Rules, Target};
use ml_core::sparse::Csr;

use crate::logistic::ClassWeight;

/// The impurity a classification tree minimises (scikit-learn's `criterion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum ClassificationCriterion {
    /// Gini impurity `1 − Σ p_c²` (the default).
    #[default]
    Gini,
    /// Shannon entropy in bits, `−Σ p_c log₂ p_c`.
    Entropy,
    /// The same criterion as [`Entropy`](Self::Entropy) (scikit-learn's `"log_loss"`).
    LogLoss,
}

impl ClassificationCriterion {
    /// The builder's criterion for `k` classes.
    pub(crate) fn for_classes(self, k: usize) -> Criterion {
        match self {
            ClassificationCriterion::Gini => Criterion::Gini { k },
            ClassificationCriterion::Entropy | ClassificationCriterion::LogLoss => {
                Criterion::Entropy { k }
            }
        }
    }
}

/// The impurity a regression tree minimises (scikit-learn's `criterion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum RegressionCriterion {
    /// The variance of the targets, i.e. the mean squared error about the mean (the
    /// default). Leaves predict the mean.
    #[default]
    SquaredError,
    /// scikit-learn's `"friedman_mse"`, which scikit-learn 1.9 deprecated as an alias of
    /// [`SquaredError`](Self::SquaredError) ("both were always equivalent"): the same
    /// trees. Kept so that settings carry over.
    FriedmanMse,
    /// The mean absolute error about the weighted median (scikit-learn's
    /// `"absolute_error"`): robust to outlying targets. Leaves predict the weighted
    /// median (the midpoint of the two middle targets when the weight splits exactly
    /// in half). Each split costs `O(n log n)` per feature instead of `O(n)`.
    AbsoluteError,
    /// Half the Poisson deviance from the mean (scikit-learn's `"poisson"`), for
    /// counts and frequencies: targets must be non-negative with a positive sum, and
    /// a split must leave a positive target sum on both sides. Leaves predict the mean.
    Poisson,
}

impl RegressionCriterion {
    /// The builder's criterion, after checking `y` against it (Poisson: non-negative
    /// targets with a positive sum).
    pub(crate) fn checked_on(self, y: &[f64]) -> Result<Criterion> {
        Ok(match self {
            RegressionCriterion::SquaredError | RegressionCriterion::FriedmanMse => {
                Criterion::SquaredError
            }
            RegressionCriterion::AbsoluteError => Criterion::AbsoluteError,
            RegressionCriterion::Poisson => {
                if let Some(i) = y.iter().position(|&v| v < 0.0) {
                    return Err(Error::InvalidData {
                        what: "y",
                        location: format!("row {i}"),
                        reason: format!("{} is negative, which Poisson regression refuses", y[i]),
                    });
                }
                if y.iter().sum::<f64>() <= 0.0 {
                    return Err(Error::InvalidData {
                        what: "y",
                        location: "all rows".to_owned(),
                        reason: "the targets sum to 0; Poisson regression needs a positive sum"
                            .to_owned(),
                    });
                }
                Criterion::Poisson
            }
        })
    }
}

/// How a node's split is chosen (scikit-learn's `splitter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum TreeSplitter {
    /// The best position of every drawn feature (the default).
    #[default]
    Best,
    /// One threshold drawn uniformly between each drawn feature's smallest and largest
    /// value at the node, the best of those kept: faster, more varied trees.
    Random,
}

/// How many features each split considers (scikit-learn's `max_features`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum MaxFeatures {
    /// All of them (scikit-learn's `None`, the default).
    #[default]
    All,
    /// `max(1, ⌊√d⌋)`.
    Sqrt,
    /// `max(1, ⌊log₂ d⌋)`.
    Log2,
    /// A count, `1 ≤ count ≤ d`.
    Count(usize),
    /// A fraction `f` in `(0, 1]`: `max(1, ⌊f·d⌋)`.
    Fraction(f64),
}

impl MaxFeatures {
    fn resolve(self, d: usize) -> Result<usize> {
        let count = match self {
            MaxFeatures::All => d,
            MaxFeatures::Sqrt => ((d as f64).sqrt() as usize).max(1),
            MaxFeatures::Log2 => ((d as f64).log2() as usize).max(1),
            MaxFeatures::Count(c) => {
                if c == 0 || c > d {
                    return Err(Error::invalid_parameter(
                        "max_features",
                        c,
                        "a count between 1 and the number of features",
                    ));
                }
                c
            }
            MaxFeatures::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(Error::invalid_parameter(
                        "max_features",
                        f,
                        "a fraction in (0, 1]",
                    ));
                }
                ((f * d as f64) as usize).max(1)
            }
        };
        Ok(count)
    }
}

/// The growth limits shared by both trees, with scikit-learn's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Growth {
    pub(crate) max_depth: Option<usize>,
    pub(crate) min_samples_split: usize,
    pub(crate) min_samples_leaf: usize,
    pub(crate) min_weight_fraction_leaf: f64,
    pub(crate) min_impurity_decrease: f64,
    pub(crate) max_features: MaxFeatures,
    pub(crate) max_leaf_nodes: Option<usize>,
    pub(crate) splitter: TreeSplitter,
    pub(crate) ccp_alpha: f64,
    pub(crate) seed: u64,
}

impl Default for Growth {
    fn default() -> Self {
        Self {
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_weight_fraction_leaf: 0.0,
            min_impurity_decrease: 0.0,
            max_features: MaxFeatures::All,
            max_leaf_nodes: None,
            splitter: TreeSplitter::Best,
            ccp_alpha: 0.0,
            seed: 0,
        }
    }
}

impl Growth {
    /// `tree` after cost-complexity pruning with `ccp_alpha`.
    pub(crate) fn pruned(&self, tree: Tree) -> Tree {
        if self.ccp_alpha > 0.0 {
            tree.pruned(self.ccp_alpha)
        } else {
            tree
        }
    }

    /// The checked rules for `d` features and total weight `w_total`.
    pub(crate) fn rules(&self, d: usize, w_total: f64) -> Result<Rules> {
        if let Some(depth) = self.max_depth {
            validate::at_least("max_depth", depth, 1, "at least 1")?;
        }
        validate::at_least("min_samples_split", self.min_samples_split, 2, "at least 2")?;
        validate::at_least("min_samples_leaf", self.min_samples_leaf, 1, "at least 1")?;
        validate::in_closed_range(
            "min_weight_fraction_leaf",
            self.min_weight_fraction_leaf,
            0.0,
            0.5,
            "in [0, 0.5]",
        )?;
        validate::non_negative_param("min_impurity_decrease", self.min_impurity_decrease)?;
        validate::non_negative_param("ccp_alpha", self.ccp_alpha)?;
        if let Some(leaves) = self.max_leaf_nodes {
            validate::at_least("max_leaf_nodes", leaves, 2, "at least 2")?;
        }
        Ok(Rules {
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            min_samples_split: self
                .min_samples_split
                .max(self.min_samples_leaf.saturating_mul(2)),
            min_samples_leaf: self.min_samples_leaf,
            min_weight_leaf: self.min_weight_fraction_leaf * w_total,
            min_impurity_decrease: self.min_impurity_decrease,
            max_features: self.max_features.resolve(d)?,
            random_thresholds: self.splitter == TreeSplitter::Random,
            max_leaf_nodes: self.max_leaf_nodes,
            seed: self.seed,
        })
    }
}

/// Builder setters of the growth limits, shared by the trees and the forests (whose
/// trees grow under the same limits).
macro_rules! growth_setters {
    () => {
        /// The deepest a leaf may be (the root has depth 0); `None` grows until the
        /// leaves are pure or too small. Default: `None`.
        pub fn max_depth(mut self, max_depth: Option<usize>) -> Self {
            self.growth.max_depth = max_depth;
            self
        }

        /// The fewest rows a node needs to be split (at least 2). Default: 2.
        pub fn min_samples_split(mut self, min_samples_split: usize) -> Self {
            self.growth.min_samples_split = min_samples_split;
            self
        }

        /// The fewest rows each leaf keeps (at least 1). Default: 1.
        pub fn min_samples_leaf(mut self, min_samples_leaf: usize) -> Self {
            self.growth.min_samples_leaf = min_samples_leaf;
            self
        }

        /// The smallest fraction of the total sample weight each leaf keeps, in
        /// `[0, 0.5]`. Default: 0.
        pub fn min_weight_fraction_leaf(mut self, min_weight_fraction_leaf: f64) -> Self {
            self.growth.min_weight_fraction_leaf = min_weight_fraction_leaf;
            self
        }

        /// A split must decrease the weighted impurity by at least this much. Default: 0.
        pub fn min_impurity_decrease(mut self, min_impurity_decrease: f64) -> Self {
            self.growth.min_impurity_decrease = min_impurity_decrease;
            self
        }

        /// Grow best first, expanding the leaf whose split decreases the weighted
        /// impurity most, until there are this many leaves (at least 2), as
        /// scikit-learn does (ties in the same order). `None` grows depth first without
        /// a leaf limit. Default: `None`.
        pub fn max_leaf_nodes(mut self, max_leaf_nodes: Option<usize>) -> Self {
            self.growth.max_leaf_nodes = max_leaf_nodes;
            self
        }

        /// Minimal cost-complexity pruning after growth: subtrees whose effective alpha
        /// `(R(t) − R_branch(t)) / (leaves − 1)` is at most this are cut back to a leaf,
        /// weakest first. Default: 0 (no pruning).
        pub fn ccp_alpha(mut self, ccp_alpha: f64) -> Self {
            self.growth.ccp_alpha = ccp_alpha;
            self
        }
    };
}
pub(crate) use growth_setters;

/// Builder setters of a single tree: its splitter, feature count and seed.
macro_rules! tree_setters {
    () => {
        /// How each split is chosen: the best position of every drawn feature, or one
        /// random threshold per feature. Default: [`TreeSplitter::Best`].
        pub fn splitter(mut self, splitter: TreeSplitter) -> Self {
            self.growth.splitter = splitter;
            self
        }

        /// How many features each split considers. Default: [`MaxFeatures::All`].
        pub fn max_features(mut self, max_features: MaxFeatures) -> Self {
            self.growth.max_features = max_features;
            self
        }

        /// Seed of the order in which features are tried (which decides ties, and
        /// which features are drawn under `max_features`), drawn exactly as
        /// scikit-learn draws it: the same seed as `random_state` (below 2^32) gives
        /// the same tree. Default: 0.
        pub fn seed(mut self, seed: u64) -> Self {
            self.growth.seed = seed;
            self
        }
    };
}

/// A minimal cost-complexity pruning path (scikit-learn's
/// `cost_complexity_pruning_path`): `ccp_alphas[0] = 0` and the unpruned tree's total
/// leaf impurity, then one entry per pruning, ending with the root alone.
#[derive(Debug, Clone, PartialEq)]
pub struct PruningPath {
    /// The effective alphas, increasing.
    pub ccp_alphas: Vec<f64>,
    /// The sum over the leaves of `w_t·imp_t / w_root` after each pruning.
    pub impurities: Vec<f64>,
}

impl PruningPath {
    fn of(tree: &Tree) -> Self {
        let (ccp_alphas, impurities) = tree.pruning_path();
        Self {
            ccp_alphas,
            impurities,
        }
    }
}

/// The training features as the builder reads them: columns of `f32`, as scikit-learn
/// casts `X` (NaN, a missing value, as one canonical NaN), and whether each column has a
/// missing value. An infinity or a value beyond `f32`'s range is refused, as
/// scikit-learn does.
pub(crate) fn f32_columns(x: MatRef<'_, f64>) -> Result<(Vec<f32>, Vec<bool>)> {
    // The splitter packs a row index and a value into one 64-bit sort key.
    if x.nrows() > u32::MAX as usize {
        return Err(Error::LimitExceeded {
            what: "training rows of a tree",
            requested: x.nrows(),
            limit: u32::MAX as usize,
        });
    }
    let cells = x.nrows().saturating_mul(x.ncols());
    validate::allocatable::<f32>("the f32 copy of X", cells)?;
    // The splitter's presorted row ids and their scratch copy.
    validate::allocatable::<u32>("the presorted rows", cells.saturating_mul(2))?;
    let mut columns = Vec::with_capacity(x.nrows() * x.ncols());
    let mut missing = vec![false; x.ncols()];
    for (j, has_missing) in missing.iter_mut().enumerate() {
        for (i, &v) in x.col(j).iter().enumerate() {
            let f = to_f32(v, i, j)?;
            *has_missing |= f.is_nan();
            columns.push(f);
        }
    }
    Ok((columns, missing))
}

/// `v` as `f32` (NaN, a missing value, as the canonical NaN); [`Error::NonFinite`] for
/// an infinity, [`Error::InvalidData`] when it is too large for `f32`.
#[inline]
fn to_f32(v: f64, row: usize, col: usize) -> Result<f32> {
    let f = v as f32;
    if f.is_finite() {
        return Ok(f);
    }
    if v.is_nan() {
        return Ok(f32::NAN);
    }
    if v.is_infinite() {
        return Err(Error::NonFinite { row, col, value: v });
    }
    Err(Error::InvalidData {
        what: "X",
        location: format!("row {row}, column {col}"),
        reason: format!("{v} is too large for f32, which trees split on (as scikit-learn)"),
    })
}

/// Rows per parallel task of `apply`.
pub(crate) const APPLY_BLOCK: usize = 2048;

/// The leaf of every row of dense `x` (checked here: non-empty, `n_features`
/// columns, finite, within `f32`): the rows are copied to row-major `f32`
/// (scikit-learn's cast, and contiguous rows for the walk), checking each value on the
/// way, then walked in parallel blocks.
fn leaves(tree: &Tree, x: MatRef<'_, f64>, n_features: usize) -> Result<Vec<usize>> {
    use rayon::prelude::*;
    validate::non_empty(x, "X")?;
    validate::n_features_eq(x.ncols(), n_features)?;
    let (n, d) = (x.nrows(), x.ncols());
    let walker = tree.walker();
    let mut out = vec![0usize; n];
    // Each block copies its rows to row-major f32, checking every value, then walks
    // them; the error of the first failing block is reported.
    let results: Vec<Result<()>> = out
        .par_chunks_mut(APPLY_BLOCK)
        .enumerate()
        .map(|(b, ids)| {
            let rows = f32_rows(x, b * APPLY_BLOCK, ids.len())?;
            walker.leaves(&rows, d, ids);
            Ok(())
        })
        .collect();
    results.into_iter().collect::<Result<()>>()?;
    Ok(out)
}

/// Rows `start..start + len` of `x` as row-major `f32`, the cast prediction walks on,
/// checking every value: NaN is a missing value, an infinity [`Error::NonFinite`], a
/// value beyond `f32` [`Error::InvalidData`].
pub(crate) fn f32_rows(x: MatRef<'_, f64>, start: usize, len: usize) -> Result<Vec<f32>> {
    let d = x.ncols();
    validate::allocatable::<f32>("the f32 copy of X", len.saturating_mul(d))?;
    let mut rows = vec![0f32; len * d];
    let block = x.subrows(start, len);
    for j in 0..d {
        for (r, &v) in block.col(j).iter().enumerate() {
            rows[r * d + j] = to_f32(v, start + r, j)?;
        }
    }
    Ok(rows)
}

/// The nodes every row of dense `x` passes through, as scikit-learn's `decision_path`:
/// an `n × n_nodes` CSR indicator matrix (1 where row `i` visits node `j`).
fn decision_paths(tree: &Tree, x: MatRef<'_, f64>, n_features: usize) -> Result<Csr> {
    validate::non_empty(x, "X")?;
    validate::n_features_eq(x.ncols(), n_features)?;
    let walker = tree.walker();
    let rows = f32_rows(x, 0, x.nrows())?;
    let mut triplets = Vec::new();
    for (i, row) in rows.chunks_exact(x.ncols()).enumerate() {
        triplets.extend(walker.path(row).into_iter().map(|id| (i, id, 1.0)));
    }
    ml_core::sparse::csr_from_triplets(x.nrows(), tree.nodes().len(), &triplets)
}

/// Sample weights (ones when `None`), checked.
pub(crate) fn weights_of(sample_weight: Option<&[f64]>, n: usize) -> Result<Vec<f64>> {
    match sample_weight {
        Some(w) => {
            validate::sample_weight(w, n)?;
            Ok(w.to_vec())
        }
        None => Ok(vec![1.0; n]),
    }
}

/// The methods both fitted trees share: the tree itself, its feature count and
/// importances, leaf ids and decision paths. `$name` is the estimator named in errors.
macro_rules! tree_model_methods {
    ($name:literal) => {
        /// The number of features seen in training.
        pub fn n_features_in(&self) -> usize {
            self.tree.n_features()
        }

        /// The normalised total impurity decrease per feature (`feature_importances_`).
        pub fn feature_importances(&self) -> Vec<f64> {
            self.tree.feature_importances()
        }

        /// The leaf every row of dense `x` ends in (`apply`).
        ///
        /// # Errors
        /// Empty `x`, an infinite value, another number of columns than in training, a
        /// value beyond `f32`, or CSR `x`. NaN is a missing value.
        pub fn apply<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<usize>> {
            let x = x.into().dense($name)?;
            leaves(&self.tree, x, self.n_features_in())
        }

        /// The nodes every row of dense `x` passes through (`decision_path`): an
        /// `n × n_nodes` CSR indicator matrix.
        ///
        /// # Errors
        /// As [`apply`](Self::apply).
        pub fn decision_path<'a>(&self, x: impl Into<Features<'a>>) -> Result<Csr> {
            let x = x.into().dense($name)?;
            decision_paths(&self.tree, x, self.n_features_in())
        }
    };
}

/// A CART classification tree, as scikit-learn 1.9's `DecisionTreeClassifier`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::tree::DecisionTreeClassifier;
///
/// let x = mat![[1.0, 0.0], [2.0, 0.0], [8.0, 1.0], [9.0, 1.0]];
/// let y = ["deny", "deny", "approve", "approve"];
/// let model = DecisionTreeClassifier::new().fit(x.as_ref(), &y)?;
/// assert_eq!(model.predict(mat![[1.5, 0.0], [8.5, 1.0]].as_ref())?, vec!["deny", "approve"]);
/// assert_eq!(model.tree().n_leaves(), 2);
/// print!("{}", model.export_text(Some(&["income", "owner"])));
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DecisionTreeClassifier {
    criterion: ClassificationCriterion,
    class_weight: Option<ClassWeight>,
    growth: Growth,
}

impl DecisionTreeClassifier {
    /// scikit-learn's defaults: Gini, unlimited depth, all features.
    pub fn new() -> Self {
        Self::default()
    }

    /// The impurity to minimise. Default: [`ClassificationCriterion::Gini`].
    pub fn criterion(mut self, criterion: ClassificationCriterion) -> Self {
        self.criterion = criterion;
        self
    }

    /// Weights of the classes, multiplying the sample weights (`class_weight`):
    /// [`ClassWeight::Balanced`] gives class `c` the weight `n / (k · n_c)` with `n_c`
    /// its number of rows, as scikit-learn's trees do. Default: none (every class 1).
    pub fn class_weight(mut self, class_weight: Option<ClassWeight>) -> Self {
        self.class_weight = class_weight;
        self
    }

    growth_setters!();
    tree_setters!();

    /// Grows the tree on dense `x` and labels `y`.
    ///
    /// # Errors
    /// Empty `x`, an infinite value ([`Error::NonFinite`]; NaN is a missing value), a
    /// value beyond `f32` ([`Error::InvalidData`]), `y` of another length, a limit out
    /// of range ([`Error::InvalidParameter`]), CSR `x` ([`Error::Unsupported`]).
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<DecisionTreeClassifierModel<L>> {
        self.fit_with(x.into(), y, None)
    }

    /// The pruning path of the unpruned tree (`cost_complexity_pruning_path`): the
    /// effective alphas at which subtrees are cut, and the total leaf impurity after
    /// each cut.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn cost_complexity_pruning_path<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<PruningPath> {
        let mut unpruned = self.clone();
        unpruned.growth.ccp_alpha = 0.0;
        Ok(PruningPath::of(unpruned.fit(x, y)?.tree()))
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
    ) -> Result<DecisionTreeClassifierModel<L>> {
        self.fit_with(x.into(), y, Some(sample_weight))
    }

    fn fit_with<L: Label>(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<DecisionTreeClassifierModel<L>> {
        let x = x.dense("DecisionTreeClassifier")?;
        validate::non_empty(x, "X")?;
        validate::targets_len(x.nrows(), y.len())?;
        let mut weights = weights_of(sample_weight, x.nrows())?;
        let enc = validate::encode_labels(y, 1)?;
        if let Some(cw) = &self.class_weight {
            // scikit-learn's trees balance the classes by their row counts.
            let per_class = cw.per_class(&enc.codes, None, enc.classes.len())?;
            for (w, &c) in weights.iter_mut().zip(&enc.codes) {
                *w *= per_class[c];
            }
            if weights.iter().all(|&w| w == 0.0) {
                return Err(Error::invalid_parameter(
                    "class_weight",
                    cw,
                    "weights that leave at least one sample of positive weight",
                ));
            }
        }
        let rules = self.growth.rules(x.ncols(), weights.iter().sum())?;
        let (columns, missing) = f32_columns(x)?;
        let k = enc.classes.len();
        let criterion = self.criterion.for_classes(k);
        let data = Data {
            columns: &columns,
            n: x.nrows(),
            d: x.ncols(),
            target: Target::Classes(&enc.codes),
            weights: &weights,
            missing: &missing,
        };
        let tree = self.growth.pruned(builder::grow(&data, criterion, &rules));
        validate::fitted(
            "DecisionTreeClassifier",
            DecisionTreeClassifierModel {
                classes: enc.classes,
                tree,
            },
        )
    }
}

/// A fitted [`DecisionTreeClassifier`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeClassifierModel<L> {
    classes: Vec<L>,
    tree: Tree,
}

impl<L: Label> DecisionTreeClassifierModel<L> {
    /// The sorted distinct labels seen in training (`classes_`).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// The fitted tree (`tree_`): its leaves hold class fractions, in the order of
    /// [`classes`](Self::classes).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    tree_model_methods!("DecisionTreeClassifier");

    /// The class fractions of the leaf of every row, one column per class.
    ///
    /// # Errors
    /// As [`apply`](Self::apply).
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<faer::Mat<f64>> {
        let ids = self.apply(x)?;
        let k = self.classes.len();
        Ok(faer::Mat::from_fn(ids.len(), k, |i, c| {
            self.tree.value(ids[i]).map_or(0.0, |v| v[c])
        }))
    }

    /// The most frequent (weighted) class of the leaf of every row, the first of tied
    /// classes winning.
    ///
    /// # Errors
    /// As [`apply`](Self::apply).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let ids = self.apply(x)?;
        Ok(ids
            .iter()
            .map(|&id| self.classes[argmax(self.tree.value(id).unwrap_or(&[]))].clone())
            .collect())
    }

    /// The tree as scikit-learn's `export_text` prints it, with `feature_names` when
    /// given (else `feature_0`, `feature_1`...) and two decimals.
    pub fn export_text(&self, feature_names: Option<&[&str]>) -> String {
        self.tree.export_text(feature_names, 2, &|v| {
            format!("class: {}", self.label_text(argmax(v)))
        })
    }

    /// One rule per leaf, as a loan clerk reads it:
    /// `if income > 128.12 and age <= 30.00 then repay (0.93, 41 samples)` — the
    /// leaf's class, its share of the leaf's (weighted) rows and its row count.
    ///
    /// ```
    /// use faer::mat;
    /// use ml_supervised::tree::DecisionTreeClassifier;
    ///
    /// let x = mat![[20.0], [35.0], [90.0], [120.0]];
    /// let y = ["deny", "deny", "repay", "repay"];
    /// let model = DecisionTreeClassifier::new().fit(x.as_ref(), &y)?;
    /// assert_eq!(
    ///     model.rules(Some(&["income"])),
    ///     vec![
    ///         "if income <= 62.50 then deny (1.00, 2 samples)",
    ///         "if income > 62.50 then repay (1.00, 2 samples)",
    ///     ]
    /// );
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    pub fn rules(&self, feature_names: Option<&[&str]>) -> Vec<String> {
        self.tree.rules(feature_names, 2, &|v, n| {
            let c = argmax(v);
            format!("{} ({:.2}, {n} samples)", self.label_text(c), v[c])
        })
    }

    /// The tree in Graphviz's DOT language (`dot -Tpng tree.dot`), each box with its
    /// test, impurity, row count and class fractions.
    pub fn export_graphviz(&self, feature_names: Option<&[&str]>) -> String {
        self.tree.to_dot(feature_names, &|v| {
            let fractions: Vec<String> = v.iter().map(|p| format!("{p:.3}")).collect();
            format!(
                "value = [{}]\\nclass = {}",
                fractions.join(", "),
                self.label_text(argmax(v)).replace('"', "\\\"")
            )
        })
    }

    /// A label as scikit-learn prints it: text without its quotes.
    fn label_text(&self, c: usize) -> String {
        format!("{:?}", self.classes[c])
            .trim_matches('"')
            .to_owned()
    }
}

/// The index of the largest value; the first wins a tie.
pub(crate) fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

impl<L: Label> Fit<[L]> for DecisionTreeClassifier {
    type Model = DecisionTreeClassifierModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<Self::Model> {
        DecisionTreeClassifier::fit(self, x, y)
    }
}

impl<L: Label> FitWeighted<[L]> for DecisionTreeClassifier {
    fn fit_weighted(&self, x: Features<'_>, y: &[L], sample_weight: &[f64]) -> Result<Self::Model> {
        DecisionTreeClassifier::fit_weighted(self, x, y, sample_weight)
    }
}

impl<L: Label> Fitted for DecisionTreeClassifierModel<L> {
    fn n_features_in(&self) -> usize {
        self.tree.n_features()
    }
}

impl<L: Label> Predict for DecisionTreeClassifierModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        DecisionTreeClassifierModel::predict(self, x)
    }
}

impl<L: Label> PredictProba for DecisionTreeClassifierModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<faer::Mat<f64>> {
        DecisionTreeClassifierModel::predict_proba(self, x)
    }
}

impl<L: Label + Serialize + DeserializeOwned> Persist for DecisionTreeClassifierModel<L> {
    const MODEL_NAME: &'static str = "ml_supervised::DecisionTreeClassifierModel";
}

impl<L: Label> Invariants for DecisionTreeClassifierModel<L> {
    /// The tree's own invariants, one value per class, sorted distinct classes, and
    /// class fractions in [0, 1].
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        self.tree.check_invariants()?;
        inv::not_empty("classes", self.classes.len())?;
        inv::strictly_increasing("classes", &self.classes)?;
        inv::len(
            "values per node",
            self.tree.value_width(),
            self.classes.len(),
        )?;
        let in_unit = (0..self.tree.nodes().len()).all(|id| {
            self.tree
                .value(id)
                .is_some_and(|v| v.iter().all(|p| (0.0..=1.0).contains(p)))
        });
        inv::ensure(in_unit, || "a class fraction is outside [0, 1]".to_owned())
    }
}

/// A CART regression tree, as scikit-learn 1.9's `DecisionTreeRegressor`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::tree::DecisionTreeRegressor;
///
/// let x = mat![[1.0], [2.0], [3.0], [10.0], [11.0], [12.0]];
/// let y = [1.0, 1.2, 0.8, 5.0, 5.2, 4.8];
/// let model = DecisionTreeRegressor::new().max_depth(Some(1)).fit(x.as_ref(), &y)?;
/// let p = model.predict(mat![[2.5], [11.5]].as_ref())?;
/// assert!((p[0] - 1.0).abs() < 1e-12 && (p[1] - 5.0).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DecisionTreeRegressor {
    criterion: RegressionCriterion,
    growth: Growth,
}

impl DecisionTreeRegressor {
    /// scikit-learn's defaults: squared error, unlimited depth, all features.
    pub fn new() -> Self {
        Self::default()
    }

    /// The impurity to minimise. Default: [`RegressionCriterion::SquaredError`].
    pub fn criterion(mut self, criterion: RegressionCriterion) -> Self {
        self.criterion = criterion;
        self
    }

    growth_setters!();
    tree_setters!();

    /// Grows the tree on dense `x` and finite targets `y`.
    ///
    /// # Errors
    /// As [`DecisionTreeClassifier::fit`], plus non-finite targets, and NaN in `x` with
    /// the absolute error ([`Error::NonFinite`]).
    pub fn fit<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
    ) -> Result<DecisionTreeRegressorModel> {
        self.fit_with(x.into(), y, 1, None)
    }

    /// The pruning path of the unpruned tree (`cost_complexity_pruning_path`).
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn cost_complexity_pruning_path<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
    ) -> Result<PruningPath> {
        let mut unpruned = self.clone();
        unpruned.growth.ccp_alpha = 0.0;
        Ok(PruningPath::of(unpruned.fit(x, y)?.tree()))
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
    ) -> Result<DecisionTreeRegressorModel> {
        self.fit_with(x.into(), y, 1, Some(sample_weight))
    }

    /// Grows one tree for several targets at once (scikit-learn's 2-D `y`): `y` has one
    /// row per row of `x` and one column per output; splits minimise the criterion
    /// summed over the outputs, and every leaf holds one value per output
    /// ([`DecisionTreeRegressorModel::predict_outputs`]).
    ///
    /// ```
    /// use faer::mat;
    /// use ml_supervised::tree::DecisionTreeRegressor;
    ///
    /// let x = mat![[1.0], [2.0], [10.0], [11.0]];
    /// let y = mat![[1.0, 100.0], [1.0, 100.0], [5.0, 50.0], [5.0, 50.0]];
    /// let model = DecisionTreeRegressor::new().fit_outputs(x.as_ref(), y.as_ref())?;
    /// let p = model.predict_outputs(mat![[1.5], [10.5]].as_ref())?;
    /// assert_eq!((p[(0, 1)], p[(1, 0)]), (100.0, 5.0));
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus `y` without columns.
    pub fn fit_outputs<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: MatRef<'_, f64>,
    ) -> Result<DecisionTreeRegressorModel> {
        self.fit_outputs_with(x.into(), y, None)
    }

    /// [`fit_outputs`](Self::fit_outputs) with one non-negative weight per row.
    ///
    /// # Errors
    /// As [`fit_outputs`](Self::fit_outputs), plus invalid weights.
    pub fn fit_outputs_weighted<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: MatRef<'_, f64>,
        sample_weight: &[f64],
    ) -> Result<DecisionTreeRegressorModel> {
        self.fit_outputs_with(x.into(), y, Some(sample_weight))
    }

    fn fit_outputs_with(
        &self,
        x: Features<'_>,
        y: MatRef<'_, f64>,
        sample_weight: Option<&[f64]>,
    ) -> Result<DecisionTreeRegressorModel> {
        let outputs = y.ncols();
        if outputs == 0 {
            return Err(Error::EmptyInput { what: "y" });
        }
        validate::allocatable::<f64>("the targets", y.nrows().saturating_mul(outputs))?;
        let rows: Vec<f64> = (0..y.nrows())
            .flat_map(|i| (0..outputs).map(move |k| y[(i, k)]))
            .collect();
        self.fit_with(x, &rows, outputs, sample_weight)
    }

    /// Fits on `y`, `outputs` values per row (row-major).
    fn fit_with(
        &self,
        x: Features<'_>,
        y: &[f64],
        outputs: usize,
        sample_weight: Option<&[f64]>,
    ) -> Result<DecisionTreeRegressorModel> {
        let x = x.dense("DecisionTreeRegressor")?;
        validate::non_empty(x, "X")?;
        validate::targets_len(x.nrows(), y.len() / outputs)?;
        validate::finite_slice(y)?;
        let criterion = self.criterion.checked_on(y)?;
        let weights = weights_of(sample_weight, x.nrows())?;
        let rules = self.growth.rules(x.ncols(), weights.iter().sum())?;
        // scikit-learn's absolute error takes no missing values.
        let accepts_missing = criterion != Criterion::AbsoluteError;
        if !accepts_missing {
            validate::finite(x)?;
        }
        let (columns, missing) = f32_columns(x)?;
        let data = Data {
            columns: &columns,
            n: x.nrows(),
            d: x.ncols(),
            target: Target::Values { y, outputs },
            weights: &weights,
            missing: &missing,
        };
        let tree = self.growth.pruned(builder::grow(&data, criterion, &rules));
        validate::fitted(
            "DecisionTreeRegressor",
            DecisionTreeRegressorModel {
                tree,
                accepts_missing,
            },
        )
    }
}

/// A fitted [`DecisionTreeRegressor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeRegressorModel {
    tree: Tree,
    /// Whether NaN is a missing value at predict time (every criterion but the absolute
    /// error, as scikit-learn).
    accepts_missing: bool,
}

impl DecisionTreeRegressorModel {
    /// The fitted tree (`tree_`): its leaves hold the mean target (the weighted
    /// median for the absolute error).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    tree_model_methods!("DecisionTreeRegressor");

    /// The mean (or, for the absolute error, median) training target of the leaf of
    /// every row.
    ///
    /// # Errors
    /// As [`apply`](Self::apply).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        if self.n_outputs() > 1 {
            return Err(Error::Unsupported {
                estimator: "DecisionTreeRegressor",
                input: "predict on a tree of several outputs (use predict_outputs)",
            });
        }
        let ids = self.leaves_checked(x.into())?;
        Ok(ids
            .iter()
            .map(|&id| self.tree.value(id).map_or(0.0, |v| v[0]))
            .collect())
    }

    /// The number of outputs (columns of `y`) the tree was fitted on.
    pub fn n_outputs(&self) -> usize {
        self.tree.value_width()
    }

    /// The leaf values of every row of dense `x`: one row per row of `x`, one column
    /// per output (a single column for a tree fitted with [`DecisionTreeRegressor::fit`]).
    ///
    /// # Errors
    /// As [`apply`](Self::apply).
    pub fn predict_outputs<'a>(&self, x: impl Into<Features<'a>>) -> Result<faer::Mat<f64>> {
        let ids = self.leaves_checked(x.into())?;
        Ok(faer::Mat::from_fn(ids.len(), self.n_outputs(), |i, k| {
            self.tree.value(ids[i]).map_or(0.0, |v| v[k])
        }))
    }

    /// The leaves of `x`'s rows, refusing NaN for a tree that takes no missing values.
    fn leaves_checked(&self, x: Features<'_>) -> Result<Vec<usize>> {
        if !self.accepts_missing {
            validate::finite(x.dense("DecisionTreeRegressor")?)?;
        }
        self.apply(x)
    }

    /// The tree as scikit-learn's `export_text` prints it (`value: [mean]` at leaves,
    /// one value per output).
    pub fn export_text(&self, feature_names: Option<&[&str]>) -> String {
        self.tree.export_text(feature_names, 2, &|v| {
            let values: Vec<String> = v.iter().map(|x| format!("{x:.2}")).collect();
            format!("value: [{}]", values.join(", "))
        })
    }

    /// One rule per leaf: `if age > 30.00 then 151.20 (41 samples)`, the leaf's mean
    /// target and row count.
    pub fn rules(&self, feature_names: Option<&[&str]>) -> Vec<String> {
        self.tree.rules(feature_names, 2, &|v, n| {
            format!("{:.2} ({n} samples)", v[0])
        })
    }

    /// The tree in Graphviz's DOT language, each box with its test, impurity, row
    /// count and mean target.
    pub fn export_graphviz(&self, feature_names: Option<&[&str]>) -> String {
        self.tree
            .to_dot(feature_names, &|v| format!("value = {:.3}", v[0]))
    }
}

impl Fit<[f64]> for DecisionTreeRegressor {
    type Model = DecisionTreeRegressorModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<Self::Model> {
        DecisionTreeRegressor::fit(self, x, y)
    }
}

impl FitWeighted<[f64]> for DecisionTreeRegressor {
    fn fit_weighted(
        &self,
        x: Features<'_>,
        y: &[f64],
        sample_weight: &[f64],
    ) -> Result<Self::Model> {
        DecisionTreeRegressor::fit_weighted(self, x, y, sample_weight)
    }
}

impl Fitted for DecisionTreeRegressorModel {
    fn n_features_in(&self) -> usize {
        self.tree.n_features()
    }
}

impl Predict for DecisionTreeRegressorModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        DecisionTreeRegressorModel::predict(self, x)
    }
}

impl Persist for DecisionTreeRegressorModel {
    const MODEL_NAME: &'static str = "ml_supervised::DecisionTreeRegressorModel";
}

impl Invariants for DecisionTreeRegressorModel {
    /// The tree's own invariants (one value per output at every node).
    fn check_invariants(&self) -> std::result::Result<(), String> {
        self.tree.check_invariants()
    }
}
