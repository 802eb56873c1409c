//! Quinlan's C4.5 as Weka's J48 (3.6) builds it: gain ratio among the tests of at
//! least average information gain, binary cuts of numeric features (the MDL-corrected
//! gain, the threshold moved down onto a training value), one branch per category of a
//! declared categorical feature, missing values (NaN) sent down every branch with a
//! fractional weight, then collapsing and pessimistic error pruning (confidence 0.25,
//! subtree replacement and raising). With the same data and options the tree is J48's,
//! printed the same way ([`C45ClassifierModel::export_j48`]; scikit-learn's layout with
//! [`C45ClassifierModel::export_text`]).

mod grow;

use faer::MatRef;
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Error, Features, Fit, FitWeighted, Fitted, Label, Predict, PredictProba, Result, validate,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use grow::{Data, Grower, Grown, Instances, Model, Options};

/// Weka's tolerant comparisons (`Utils.SMALL = 1e-6`), which J48 decides with.
mod roughly {
    const SMALL: f64 = 1e-6;

    pub(super) fn eq(a: f64, b: f64) -> bool {
        a == b || (a - b < SMALL && b - a < SMALL)
    }

    pub(super) fn gr(a: f64, b: f64) -> bool {
        a - b > SMALL
    }

    pub(super) fn sm(a: f64, b: f64) -> bool {
        b - a > SMALL
    }

    pub(super) fn gr_or_eq(a: f64, b: f64) -> bool {
        b - a < SMALL || a >= b
    }

    pub(super) fn sm_or_eq(a: f64, b: f64) -> bool {
        a - b < SMALL || a <= b
    }
}

/// Class weights per bag (branch), as Weka's `Distribution`.
#[derive(Debug, Clone)]
struct Distribution {
    k: usize,
    /// `bags × k`, row-major.
    per_class_per_bag: Vec<f64>,
    per_bag: Vec<f64>,
    per_class: Vec<f64>,
    total: f64,
}

impl Distribution {
    fn new(bags: usize, k: usize) -> Self {
        Self {
            k,
            per_class_per_bag: vec![0.0; bags * k],
            per_bag: vec![0.0; bags],
            per_class: vec![0.0; k],
            total: 0.0,
        }
    }

    fn bag(&self, bag: usize) -> &[f64] {
        &self.per_class_per_bag[bag * self.k..(bag + 1) * self.k]
    }

    fn add(&mut self, bag: usize, class: usize, w: f64) {
        self.per_class_per_bag[bag * self.k + class] += w;
        self.per_bag[bag] += w;
        self.per_class[class] += w;
        self.total += w;
    }

    fn shift(&mut self, from: usize, to: usize, class: usize, w: f64) {
        self.per_class_per_bag[from * self.k + class] -= w;
        self.per_class_per_bag[to * self.k + class] += w;
        self.per_bag[from] -= w;
        self.per_bag[to] += w;
    }

    /// One bag holding the whole distribution (`new Distribution(toMerge)`).
    fn merged(&self) -> Self {
        Self {
            k: self.k,
            per_class_per_bag: self.per_class.clone(),
            per_bag: vec![self.total],
            per_class: self.per_class.clone(),
            total: self.total,
        }
    }

    /// The heaviest class, the first within 1e-6 winning.
    fn max_class(&self) -> usize {
        first_max(&self.per_class)
    }

    /// The heaviest bag, the last within 1e-6 winning (Weka's `maxBag`).
    fn max_bag(&self) -> usize {
        let (mut max, mut at) = (0.0, 0);
        for (b, &w) in self.per_bag.iter().enumerate() {
            if roughly::gr_or_eq(w, max) {
                max = w;
                at = b;
            }
        }
        at
    }

    fn num_incorrect(&self) -> f64 {
        self.total - self.per_class[self.max_class()]
    }
}

/// The index of the largest value more than 1e-6 above every earlier one (Weka's
/// `maxClass`: the first of near-ties wins); 0 when none is above 0.
fn first_max(values: &[f64]) -> usize {
    let (mut max, mut at) = (0.0, 0);
    for (i, &v) in values.iter().enumerate() {
        if roughly::gr(v, max) {
            max = v;
            at = i;
        }
    }
    at
}

/// The test of an internal node of a [`C45Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum C45Test {
    /// A numeric feature: branch 0 for values at most `threshold` (a training value),
    /// within 1e-6 as J48 compares, branch 1 for the others.
    Threshold {
        /// The feature tested.
        feature: usize,
        /// The largest training value going to branch 0.
        threshold: f64,
    },
    /// A categorical feature: one branch per category code.
    Category {
        /// The feature tested.
        feature: usize,
    },
}

impl C45Test {
    /// The feature tested.
    pub fn feature(&self) -> usize {
        match *self {
            C45Test::Threshold { feature, .. } | C45Test::Category { feature } => feature,
        }
    }
}

/// One node of a [`C45Tree`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct C45Node {
    /// The test of an internal node; `None` for a leaf.
    pub test: Option<C45Test>,
    /// The children, one per branch of the test (empty for a leaf).
    pub children: Vec<usize>,
    /// The training weight of each class at the node (fractional where rows with a
    /// missing value were shared between branches).
    pub class_weights: Vec<f64>,
    /// A leaf no training row reached: it predicts its parent's class distribution.
    pub empty: bool,
}

impl C45Node {
    /// The node's total training weight.
    pub fn weight(&self) -> f64 {
        self.class_weights.iter().sum()
    }
}

/// A fitted C4.5 tree: nodes in pre-order (node 0 is the root).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct C45Tree {
    nodes: Vec<C45Node>,
    /// Per feature: the number of categories, or `None` for a numeric one.
    categories: Vec<Option<usize>>,
    pruned: bool,
}

impl C45Tree {
    /// The nodes, in pre-order.
    pub fn nodes(&self) -> &[C45Node] {
        &self.nodes
    }

    /// The number of leaves (J48's "Number of Leaves").
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.test.is_none()).count()
    }

    /// The number of nodes (J48's "Size of the tree").
    pub fn size(&self) -> usize {
        self.nodes.len()
    }

    /// The longest path from the root to a leaf, in edges.
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        let mut deepest = 0;
        for (id, node) in self.nodes.iter().enumerate() {
            deepest = deepest.max(depth[id]);
            for &c in &node.children {
                depth[c] = depth[id] + 1;
            }
        }
        deepest
    }

    /// Every branch in pre-order: `(depth of the parent, parent, branch, child)`.
    fn branches(&self) -> Vec<(usize, usize, usize, usize)> {
        let mut out = Vec::with_capacity(self.nodes.len());
        // (parent, next branch, depth): a parent stays on the stack while it has
        // branches left, so its subtrees come out in order.
        let mut open: Vec<(usize, usize, usize)> = Vec::new();
        if self.nodes[0].test.is_some() {
            open.push((0, 0, 0));
        }
        while let Some(&mut (parent, ref mut next, depth)) = open.last_mut() {
            let children = &self.nodes[parent].children;
            if *next == children.len() {
                open.pop();
                continue;
            }
            let (b, child) = (*next, children[*next]);
            *next += 1;
            out.push((depth, parent, b, child));
            if self.nodes[child].test.is_some() {
                open.push((child, 0, depth + 1));
            }
        }
        out
    }

    /// The estimated errors C4.5 prunes by, summed over the leaves: each leaf's
    /// training errors plus the pessimistic addition at confidence `confidence` (the
    /// upper limit of the binomial interval, Weka's `Stats.addErrs`).
    pub fn estimated_errors(&self, confidence: f64) -> f64 {
        let cf = f64::from(confidence as f32);
        self.nodes
            .iter()
            .filter(|n| n.test.is_none())
            .map(|n| {
                let w = n.weight();
                if roughly::eq(w, 0.0) {
                    return 0.0;
                }
                let errors = w - n.class_weights[first_max(&n.class_weights)];
                errors + grow::added_errors(w, errors, cf)
            })
            .sum()
    }

    /// The number of categories of each feature (`None` for a numeric one).
    pub fn categories(&self) -> &[Option<usize>] {
        &self.categories
    }

    /// The class probabilities of one row (NaN for missing values) as J48's
    /// `distributionForInstance`: at a missing value the row goes down every non-empty
    /// branch with the branch's share of the training weight and the leaves'
    /// distributions are mixed; an empty leaf answers with its parent's distribution.
    fn probabilities(&self, fractions: &[f64], value: impl Fn(usize) -> f64, out: &mut [f64]) {
        let k = out.len();
        // Down one path while the row's values are known (a node's class fractions,
        // `fractions`, are then the answer); the general walk otherwise.
        let mut id = 0;
        loop {
            let node = &self.nodes[id];
            let Some(test) = node.test else {
                out.copy_from_slice(&fractions[id * k..(id + 1) * k]);
                return;
            };
            match branch(test, value(test.feature())).and_then(|b| node.children.get(b)) {
                Some(&child) if self.nodes[child].empty => {
                    out.copy_from_slice(&fractions[id * k..(id + 1) * k]);
                    return;
                }
                Some(&child) => id = child,
                None => break,
            }
        }
        out.iter_mut().for_each(|p| *p = 0.0);
        let mut stack = vec![(id, 1.0f64)];
        while let Some((id, weight)) = stack.pop() {
            let node = &self.nodes[id];
            let Some(test) = node.test else {
                add_scaled(out, &node.class_weights, weight);
                continue;
            };
            let total = node.weight();
            match branch(test, value(test.feature())) {
                Some(b) => {
                    // An unseen category is treated as missing (below).
                    if let Some(&child) = node.children.get(b) {
                        if self.nodes[child].empty {
                            add_scaled(out, &node.class_weights, weight);
                        } else {
                            stack.push((child, weight));
                        }
                        continue;
                    }
                    self.share(node, total, weight, &mut stack);
                }
                None => self.share(node, total, weight, &mut stack),
            }
        }
    }

    /// Every node's class fractions, `k` per node (zeros for a weightless node): what
    /// one row reaching it without a missing value is given, as [`add_scaled`] gives it.
    fn fractions(&self, k: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.nodes.len() * k];
        for (node, slot) in self.nodes.iter().zip(out.chunks_exact_mut(k)) {
            add_scaled(slot, &node.class_weights, 1.0);
        }
        out
    }

    /// Sends a row with a missing value down every non-empty branch of `node`, with the
    /// branch's share of the node's weight.
    fn share(&self, node: &C45Node, total: f64, weight: f64, stack: &mut Vec<(usize, f64)>) {
        for &child in node.children.iter().rev() {
            if !self.nodes[child].empty {
                stack.push((child, self.nodes[child].weight() / total * weight));
            }
        }
    }

    /// The tree's own invariants: children in range and after their parent, each node
    /// the child of exactly one parent, a test's branches matching its feature's kind.
    fn check_invariants(&self, k: usize) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let n = self.nodes.len();
        inv::not_empty("nodes", n)?;
        let mut parents = vec![0usize; n];
        for (id, node) in self.nodes.iter().enumerate() {
            inv::len("class weights", node.class_weights.len(), k)?;
            inv::non_negative("class weights", &node.class_weights)?;
            inv::finite("class weights", &node.class_weights)?;
            match node.test {
                None => inv::ensure(node.children.is_empty(), || {
                    format!("leaf {id} has children")
                })?,
                Some(test) => {
                    let f = test.feature();
                    inv::ensure(f < self.categories.len(), || {
                        format!("node {id} tests feature {f} of {}", self.categories.len())
                    })?;
                    let branches = match (test, self.categories[f]) {
                        (C45Test::Threshold { threshold, .. }, None) => {
                            inv::ensure(!threshold.is_nan(), || {
                                format!("node {id} has a NaN threshold")
                            })?;
                            2
                        }
                        (C45Test::Category { .. }, Some(c)) => c,
                        _ => return Err(format!("node {id}'s test does not fit feature {f}")),
                    };
                    inv::len("children", node.children.len(), branches)?;
                    for &c in &node.children {
                        inv::ensure(c > id && c < n, || {
                            format!("node {id} has child {c} of {n}")
                        })?;
                        parents[c] += 1;
                    }
                }
            }
        }
        inv::ensure(
            parents[0] == 0 && parents[1..].iter().all(|&p| p == 1),
            || "a node is not the child of exactly one parent".to_owned(),
        )
    }
}

/// The most categories a categorical feature may declare.
const MAX_CATEGORIES: usize = 1 << 16;

/// Rows per parallel task of prediction.
const PREDICT_BLOCK: usize = 1024;

/// `out += weight · (class weights normalised)`, nothing for a weightless node
/// (Weka's `prob` is 0 there).
fn add_scaled(out: &mut [f64], class_weights: &[f64], weight: f64) {
    let total: f64 = class_weights.iter().sum();
    if roughly::eq(total, 0.0) {
        return;
    }
    for (o, &c) in out.iter_mut().zip(class_weights) {
        *o += weight * (c / total);
    }
}

/// The branch of value `v` at `test`; `None` when it is missing.
fn branch(test: C45Test, v: f64) -> Option<usize> {
    if v.is_nan() {
        return None;
    }
    Some(match test {
        C45Test::Threshold { threshold, .. } => usize::from(!roughly::sm_or_eq(v, threshold)),
        C45Test::Category { .. } => v as usize,
    })
}

/// Quinlan's C4.5 decision tree, as Weka's J48 with its defaults (`-C 0.25 -M 2`).
///
/// Numeric features are cut in two; the features declared categorical
/// ([`categorical_features`](Self::categorical_features), codes `0..n`) split into one
/// branch per category. NaN marks a missing value, at fit and at predict time. A
/// category code beyond those declared, met at predict time, is treated as missing.
///
/// Differences from J48, on purpose: the classes are the distinct labels present in
/// `y` (J48 counts every declared class value, which enters its minimum branch size
/// `0.1 · weight / classes`); rows with an infinite value are refused.
///
/// ```
/// use faer::mat;
/// use ml_core::datasets::load_arff;
/// use ml_supervised::tree::C45Classifier;
///
/// // Quinlan's golf data: outlook (sunny, overcast, rainy), temperature, humidity,
/// // windy (TRUE, FALSE); play yes or no.
/// let golf = load_arff("weather.numeric")?;
/// let model = C45Classifier::new()
///     .categorical_features(golf.categorical_features())
///     .fit(golf.data.as_ref(), &golf.target)?;
/// assert_eq!(model.tree().n_leaves(), 5);
/// // Sunny and humid, then overcast: no (class 1), yes (class 0).
/// let days = mat![[0.0, 80.0, 90.0, 1.0], [1.0, 80.0, 90.0, 1.0]];
/// assert_eq!(model.predict(days.as_ref())?, vec![1, 0]);
/// print!("{}", model.export_j48(Some(&golf.feature_names), Some(&golf.categories)));
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct C45Classifier {
    min_cases: usize,
    confidence: f64,
    prune: bool,
    subtree_raising: bool,
    collapse: bool,
    mdl_correction: bool,
    categorical: Vec<(usize, usize)>,
}

impl Default for C45Classifier {
    fn default() -> Self {
        Self {
            min_cases: 2,
            confidence: 0.25,
            prune: true,
            subtree_raising: true,
            collapse: true,
            mdl_correction: true,
            categorical: Vec::new(),
        }
    }
}

impl C45Classifier {
    /// J48's defaults: at least 2 cases in two branches, confidence 0.25, pruning with
    /// subtree raising, every feature numeric.
    pub fn new() -> Self {
        Self::default()
    }

    /// The fewest (weighted) training cases at least two branches of a split must
    /// hold (J48's `-M`, at least 1). Default: 2.
    pub fn min_cases_per_leaf(mut self, min_cases: usize) -> Self {
        self.min_cases = min_cases;
        self
    }

    /// The confidence of the pessimistic error estimate, in (0, 0.5]: smaller prunes
    /// more (J48's `-C`; used as a 32-bit float, as J48 does). Default: 0.25.
    pub fn confidence_factor(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// Whether to prune (J48 without `-U`). Default: `true`.
    pub fn pruning(mut self, prune: bool) -> Self {
        self.prune = prune;
        self
    }

    /// Whether pruning may replace a subtree by its largest branch (J48 without `-S`).
    /// Default: `true`.
    pub fn subtree_raising(mut self, raising: bool) -> Self {
        self.subtree_raising = raising;
        self
    }

    /// Whether a subtree that does not lower the training error is collapsed into a
    /// leaf before pruning (J48 without `-O`). Default: `true`.
    pub fn collapse_tree(mut self, collapse: bool) -> Self {
        self.collapse = collapse;
        self
    }

    /// Whether the gain of a numeric cut pays `log2(candidate cuts) / weight` (J48
    /// without `-J`). Default: `true`.
    pub fn mdl_correction(mut self, mdl: bool) -> Self {
        self.mdl_correction = mdl;
        self
    }

    /// The categorical features: `(column, number of categories)`, the column holding
    /// codes `0..number` (or NaN); at most 65 536 categories. Default: none (every
    /// feature numeric).
    pub fn categorical_features(
        mut self,
        features: impl IntoIterator<Item = (usize, usize)>,
    ) -> Self {
        self.categorical = features.into_iter().collect();
        self
    }

    /// Grows (and prunes) the tree on dense `x` (NaN where a value is missing) and
    /// labels `y`.
    ///
    /// # Errors
    /// Empty `x`, an infinite value, a categorical value that is not one of its codes
    /// ([`Error::InvalidData`]), `y` of another length, an option out of range
    /// ([`Error::InvalidParameter`]), a tree deeper than 10 000 levels
    /// ([`Error::LimitExceeded`]), CSR `x` ([`Error::Unsupported`]).
    pub fn fit<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
    ) -> Result<C45ClassifierModel<L>> {
        self.fit_with(x.into(), y, None)
    }

    /// [`fit`](Self::fit) with one non-negative weight per row (J48's instance
    /// weights).
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus invalid weights.
    pub fn fit_weighted<'a, L: Label>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[L],
        sample_weight: &[f64],
    ) -> Result<C45ClassifierModel<L>> {
        self.fit_with(x.into(), y, Some(sample_weight))
    }

    fn options(&self) -> Result<Options> {
        validate::at_least("min_cases_per_leaf", self.min_cases, 1, "at least 1")?;
        if !(self.confidence > 0.0 && self.confidence <= 0.5) {
            return Err(Error::invalid_parameter(
                "confidence_factor",
                self.confidence,
                "in (0, 0.5]",
            ));
        }
        Ok(Options {
            min_cases: self.min_cases as f64,
            // J48 keeps the confidence in a Java float.
            confidence: f64::from(self.confidence as f32),
            prune: self.prune,
            subtree_raising: self.subtree_raising,
            collapse: self.collapse,
            mdl_correction: self.mdl_correction,
        })
    }

    /// The number of categories of each of `d` features, checked.
    fn categories(&self, d: usize) -> Result<Vec<Option<usize>>> {
        let mut categories = vec![None; d];
        for &(column, n) in &self.categorical {
            if column >= d || categories[column].is_some() {
                return Err(Error::invalid_parameter(
                    "categorical_features",
                    &self.categorical,
                    "distinct columns of X",
                ));
            }
            if n == 0 {
                return Err(Error::invalid_parameter(
                    "categorical_features",
                    &self.categorical,
                    "at least 1 category per feature",
                ));
            }
            // A split has one child per category, and every node a class distribution
            // per category it evaluates: far more categories than that is a mistake
            // in the data, not a tree anyone can read.
            if n > MAX_CATEGORIES {
                return Err(Error::LimitExceeded {
                    what: "categories of a C4.5 categorical feature",
                    requested: n,
                    limit: MAX_CATEGORIES,
                });
            }
            categories[column] = Some(n);
        }
        Ok(categories)
    }

    fn fit_with<L: Label>(
        &self,
        x: Features<'_>,
        y: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<C45ClassifierModel<L>> {
        let x = x.dense("C45Classifier")?;
        validate::non_empty(x, "X")?;
        validate::targets_len(x.nrows(), y.len())?;
        let options = self.options()?;
        let categories = self.categories(x.ncols())?;
        let (n, d) = (x.nrows(), x.ncols());
        if n > u32::MAX as usize {
            return Err(Error::LimitExceeded {
                what: "training rows of a C4.5 tree",
                requested: n,
                limit: u32::MAX as usize,
            });
        }
        validate::allocatable::<f64>("the column copy of X", n.saturating_mul(d))?;
        let columns = checked_columns(x, &categories)?;
        let weights = match sample_weight {
            Some(w) => {
                validate::sample_weight(w, n)?;
                w.to_vec()
            }
            None => vec![1.0; n],
        };
        let enc = validate::encode_labels(y, 1)?;
        // A categorical split's distribution: a weight per category and class.
        if let Some(widest) = categories.iter().flatten().max() {
            validate::allocatable::<f64>(
                "the class weights of a categorical split",
                widest.saturating_mul(enc.classes.len()),
            )?;
        }
        let data = Data {
            columns: &columns,
            n,
            codes: &enc.codes,
            k: enc.classes.len(),
            categories: &categories,
        };
        let instances = Instances {
            rows: (0..n as u32).collect(),
            weights,
        };
        // Growth and pruning recurse as J48 does; threads with a large stack give them
        // room for any tree under the depth limit: a kept pool for data large enough to
        // grow subtrees in parallel, one thread otherwise.
        let grow = || Grower::new(&data, options, n).grow(instances);
        let no_stack = || Error::AllocationFailed {
            what: "the stack of the C4.5 growing threads",
            count: grow::STACK_BYTES,
        };
        let grown = if n >= grow::PARALLEL_SUBTREE_ROWS {
            growth_pool(rayon::current_num_threads())
                .ok_or_else(no_stack)?
                .install(grow)
        } else {
            let joined = std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(grow::STACK_BYTES)
                    .spawn_scoped(scope, grow)
                    .map(|handle| handle.join())
            });
            match joined {
                Err(_) => return Err(no_stack()),
                Ok(Err(panic)) => std::panic::resume_unwind(panic),
                Ok(Ok(grown)) => grown,
            }
        };
        let root = grown.map_err(|depth| Error::LimitExceeded {
            what: "depth of a C4.5 tree",
            requested: depth,
            limit: grow::MAX_DEPTH,
        })?;
        let tree = C45Tree {
            nodes: flatten(root),
            categories,
            pruned: self.prune,
        };
        validate::fitted(
            "C45Classifier",
            C45ClassifierModel {
                classes: enc.classes,
                tree,
            },
        )
    }
}

/// A pool of `threads` threads with the growth's large stacks, made on first use and
/// kept for the fits that follow (one per thread count asked for).
fn growth_pool(threads: usize) -> Option<std::sync::Arc<rayon::ThreadPool>> {
    use std::sync::{Arc, Mutex};
    type Pools = Vec<(usize, Arc<rayon::ThreadPool>)>;
    static POOLS: Mutex<Pools> = Mutex::new(Vec::new());
    let mut pools = POOLS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(t, _)| *t == threads) {
        return Some(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(grow::STACK_BYTES)
        .thread_name(|i| format!("c45-growth-{i}"))
        .build()
        .ok()?;
    let pool = Arc::new(pool);
    pools.push((threads, Arc::clone(&pool)));
    Some(pool)
}

/// The columns of `x`, checked: no infinity, categorical codes among those declared.
fn checked_columns(x: MatRef<'_, f64>, categories: &[Option<usize>]) -> Result<Vec<f64>> {
    let mut columns: Vec<f64> = Vec::with_capacity(x.nrows() * x.ncols());
    for (j, kind) in categories.iter().enumerate() {
        let start = columns.len();
        columns.extend(x.col(j).iter().copied());
        // The cells are looked at one by one only when the column has a bad one.
        let column = &columns[start..];
        let suspect = match kind {
            None => column.iter().any(|v| v.is_infinite()),
            Some(_) => true,
        };
        if suspect {
            for (i, &v) in column.iter().enumerate() {
                check_value(v, i, j, *kind, false)?;
            }
        }
    }
    Ok(columns)
}

/// A value of X: NaN (missing) or finite; a category code an integer in range (at
/// predict time a code beyond the declared ones is let through, as missing).
fn check_value(
    v: f64,
    row: usize,
    col: usize,
    kind: Option<usize>,
    predicting: bool,
) -> Result<()> {
    if v.is_infinite() {
        return Err(Error::NonFinite { row, col, value: v });
    }
    if let (Some(n), false) = (kind, v.is_nan()) {
        let code_ok = v >= 0.0 && v.fract() == 0.0 && (predicting || v < n as f64);
        if !code_ok {
            return Err(Error::InvalidData {
                what: "X",
                location: format!("row {row}, column {col}"),
                reason: format!(
                    "{v} is not a category code of this feature (0 to {})",
                    n - 1
                ),
            });
        }
    }
    Ok(())
}

/// The grown tree as plain nodes in pre-order.
fn flatten(root: Grown) -> Vec<C45Node> {
    let mut nodes = Vec::new();
    // (node, parent slot to fill)
    let mut stack = vec![(root, None::<(usize, usize)>)];
    while let Some((grown, slot)) = stack.pop() {
        let id = nodes.len();
        if let Some((parent, branch)) = slot {
            let p: &mut C45Node = &mut nodes[parent];
            p.children[branch] = id;
        }
        let test = match &grown.model {
            Model::Split(test, _) if !grown.children.is_empty() => Some(*test),
            _ => None,
        };
        nodes.push(C45Node {
            test,
            children: vec![0; grown.children.len()],
            class_weights: grown.model.distribution().per_class.clone(),
            empty: grown.empty,
        });
        for (branch, child) in grown.children.into_iter().enumerate().rev() {
            stack.push((child, Some((id, branch))));
        }
    }
    nodes
}

/// A fitted [`C45Classifier`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct C45ClassifierModel<L> {
    classes: Vec<L>,
    tree: C45Tree,
}

impl<L: Label> C45ClassifierModel<L> {
    /// The sorted distinct labels seen in training.
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// The fitted tree; its nodes' class weights follow [`classes`](Self::classes).
    pub fn tree(&self) -> &C45Tree {
        &self.tree
    }

    /// The number of features seen in training.
    pub fn n_features_in(&self) -> usize {
        self.tree.categories.len()
    }

    /// The class probabilities of every row of dense `x` (NaN where missing), as
    /// J48's `distributionForInstance`.
    ///
    /// # Errors
    /// Empty `x`, another number of columns than in training, an infinite value, a
    /// negative or fractional category code, CSR `x`.
    pub fn predict_proba<'a>(&self, x: impl Into<Features<'a>>) -> Result<faer::Mat<f64>> {
        let k = self.classes.len();
        let p = self.probabilities(x.into())?;
        Ok(faer::Mat::from_fn(p.len() / k, k, |i, c| p[i * k + c]))
    }

    /// The class probabilities of every row, row-major.
    fn probabilities(&self, x: Features<'_>) -> Result<Vec<f64>> {
        use rayon::prelude::*;
        let x = x.dense("C45Classifier")?;
        validate::non_empty(x, "X")?;
        validate::n_features_eq(x.ncols(), self.n_features_in())?;
        let (n, d, k) = (x.nrows(), x.ncols(), self.classes.len());
        validate::allocatable::<f64>("the class probabilities", n.saturating_mul(k))?;
        let mut out = vec![0.0; n * k];
        let fractions = self.tree.fractions(k);
        // Blocks of rows are copied to row-major (checking each value), then walked;
        // in parallel when there are several.
        let fill = |(b, probs): (usize, &mut [f64])| -> Result<()> {
            let start = b * PREDICT_BLOCK;
            let len = probs.len() / k;
            let block = x.subrows(start, len);
            for j in 0..d {
                let kind = self.tree.categories[j];
                // The cells are looked at one by one only when the column may have a
                // bad one.
                if kind.is_some() || block.col(j).iter().any(|v| v.is_infinite()) {
                    for (r, &v) in block.col(j).iter().enumerate() {
                        check_value(v, start + r, j, kind, true)?;
                    }
                }
            }
            // The walk reads only the values its tests need.
            for (r, p) in probs.chunks_exact_mut(k).enumerate() {
                self.tree.probabilities(&fractions, |f| block[(r, f)], p);
            }
            Ok(())
        };
        if n <= PREDICT_BLOCK {
            fill((0, &mut out))?;
        } else {
            let results: Vec<Result<()>> = out
                .par_chunks_mut(PREDICT_BLOCK * k)
                .enumerate()
                .map(fill)
                .collect();
            results.into_iter().collect::<Result<()>>()?;
        }
        Ok(out)
    }

    /// The most probable class of every row (J48's `classifyInstance`: the first of
    /// classes within 1e-6 wins).
    ///
    /// # Errors
    /// As [`predict_proba`](Self::predict_proba).
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<L>> {
        let p = self.probabilities(x.into())?;
        Ok(p.chunks_exact(self.classes.len())
            .map(|row| {
                let (mut best, mut at) = (-1.0, 0);
                for (c, &v) in row.iter().enumerate() {
                    if roughly::gr(v, best) {
                        best = v;
                        at = c;
                    }
                }
                self.classes[at].clone()
            })
            .collect())
    }

    /// The tree in scikit-learn's `export_text` layout (`|--- outlook = sunny`,
    /// `|   |--- class: no`), with `feature_names` (else `x0`, `x1`...), per
    /// categorical feature `category_names` (else the codes), thresholds with two
    /// decimals.
    pub fn export_text<S: AsRef<str>>(
        &self,
        feature_names: Option<&[S]>,
        category_names: Option<&[Vec<S>]>,
    ) -> String {
        let names = Names::new(feature_names, category_names, self.n_features_in());
        let class = |node: &C45Node| self.label_text(first_max(&node.class_weights));
        let root = &self.tree.nodes[0];
        if root.test.is_none() {
            return format!("|--- class: {}\n", class(root));
        }
        let mut text = String::new();
        for (depth, parent, b, child) in self.tree.branches() {
            let test = self.tree.nodes[parent].test.expect("a parent has a test");
            let condition = match test {
                C45Test::Threshold { feature, threshold } => format!(
                    "{} {} {threshold:.2}",
                    names.feature(feature),
                    if b == 0 { "<=" } else { "> " }
                ),
                C45Test::Category { .. } => names.condition(test, b),
            };
            text.push_str(&format!("{}|--- {condition}\n", "|   ".repeat(depth)));
            let son = &self.tree.nodes[child];
            if son.test.is_none() {
                let indent = "|   ".repeat(depth + 1);
                text.push_str(&format!("{indent}|--- class: {}\n", class(son)));
            }
        }
        text
    }

    /// The tree as J48 prints it (`J48 pruned tree`, one line per branch, leaves with
    /// their class and `(weight/errors)`, then the numbers of leaves and nodes), with
    /// `feature_names` (else `x0`, `x1`...) and, per categorical feature,
    /// `category_names` (else the codes): byte for byte J48's text for J48's tree.
    pub fn export_j48<S: AsRef<str>>(
        &self,
        feature_names: Option<&[S]>,
        category_names: Option<&[Vec<S>]>,
    ) -> String {
        let names = Names::new(feature_names, category_names, self.n_features_in());
        let mut text = format!(
            "J48 {} tree\n------------------\n",
            if self.tree.pruned {
                "pruned"
            } else {
                "unpruned"
            }
        );
        let root = &self.tree.nodes[0];
        if root.test.is_none() {
            text.push_str(": ");
            text.push_str(&self.leaf_label(root, root));
        } else {
            self.dump(&names, &mut text);
        }
        text.push_str(&format!(
            "\n\nNumber of Leaves  : \t{}\n\nSize of the tree : \t{}\n",
            self.tree.n_leaves(),
            self.tree.size()
        ));
        text
    }

    /// One rule per leaf, as a loan clerk reads it:
    /// `if outlook = sunny and humidity > 75 then no (1.00, 3.0 cases)` — the leaf's
    /// class, its share of the leaf's weight and the weight.
    pub fn rules<S: AsRef<str>>(
        &self,
        feature_names: Option<&[S]>,
        category_names: Option<&[Vec<S>]>,
    ) -> Vec<String> {
        let names = Names::new(feature_names, category_names, self.n_features_in());
        let mut rules = Vec::new();
        let mut stack = vec![(0usize, Vec::<String>::new())];
        while let Some((id, conditions)) = stack.pop() {
            let node = &self.tree.nodes[id];
            let Some(test) = node.test else {
                let c = first_max(&node.class_weights);
                let w = node.weight();
                let share = if w > 0.0 {
                    node.class_weights[c] / w
                } else {
                    0.0
                };
                let when = if conditions.is_empty() {
                    "always".to_owned()
                } else {
                    format!("if {}", conditions.join(" and "))
                };
                rules.push(format!(
                    "{when} then {} ({share:.2}, {} cases)",
                    self.label_text(c),
                    java_double(round2(w))
                ));
                continue;
            };
            for (b, &child) in node.children.iter().enumerate().rev() {
                let mut c = conditions.clone();
                c.push(names.condition(test, b));
                stack.push((child, c));
            }
        }
        rules
    }

    /// The tree in Graphviz's DOT language: internal nodes name their feature, edges
    /// their branch, leaves their class and `(weight/errors)`.
    pub fn export_graphviz<S: AsRef<str>>(
        &self,
        feature_names: Option<&[S]>,
        category_names: Option<&[Vec<S>]>,
    ) -> String {
        let names = Names::new(feature_names, category_names, self.n_features_in());
        let mut dot = String::from("digraph C45 {\nnode [shape=box, fontname=\"helvetica\"];\n");
        for (id, node) in self.tree.nodes.iter().enumerate() {
            match node.test {
                Some(test) => {
                    dot.push_str(&format!(
                        "{id} [label=\"{}\"];\n",
                        escape(names.feature(test.feature()))
                    ));
                    for (b, &child) in node.children.iter().enumerate() {
                        dot.push_str(&format!(
                            "{id} -> {child} [label=\"{}\"];\n",
                            escape(&names.right_side(test, b))
                        ));
                    }
                }
                None => dot.push_str(&format!(
                    "{id} [label=\"{}\", style=filled, fillcolor=\"#eeeeee\"];\n",
                    escape(&self.leaf_label(node, node))
                )),
            }
        }
        dot.push_str("}\n");
        dot
    }

    /// J48's `dumpTree`: each branch on its own line, indented by depth, a leaf's
    /// label after its branch.
    fn dump(&self, names: &Names, text: &mut String) {
        for (depth, parent, b, child) in self.tree.branches() {
            let node = &self.tree.nodes[parent];
            let test = node.test.expect("a parent has a test");
            text.push('\n');
            text.push_str(&"|   ".repeat(depth));
            text.push_str(&names.condition(test, b));
            let son = &self.tree.nodes[child];
            if son.test.is_none() {
                text.push_str(": ");
                text.push_str(&self.leaf_label(son, node));
            }
        }
    }

    /// J48's `dumpLabel`: the leaf's class (its parent's when it has no weight), its
    /// weight and, when above 1e-6, its weight of other classes, rounded to 2 decimals.
    fn leaf_label(&self, leaf: &C45Node, parent: &C45Node) -> String {
        let weight = leaf.weight();
        let c = if roughly::gr(weight, 0.0) {
            first_max(&leaf.class_weights)
        } else {
            first_max(&parent.class_weights)
        };
        let errors = weight - leaf.class_weights[c];
        let mut label = format!("{} ({}", self.label_text(c), java_double(round2(weight)));
        if roughly::gr(errors, 0.0) {
            label.push('/');
            label.push_str(&java_double(round2(errors)));
        }
        label.push(')');
        label
    }

    /// A label as text, without the quotes `Debug` puts around strings.
    fn label_text(&self, c: usize) -> String {
        format!("{:?}", self.classes[c])
            .trim_matches('"')
            .to_owned()
    }
}

/// Feature and category names for the explanations.
struct Names {
    features: Vec<String>,
    categories: Vec<Vec<String>>,
}

impl Names {
    fn new<S: AsRef<str>>(features: Option<&[S]>, categories: Option<&[Vec<S>]>, d: usize) -> Self {
        Self {
            features: (0..d)
                .map(|j| {
                    features
                        .and_then(|f| f.get(j))
                        .map_or_else(|| format!("x{j}"), |s| s.as_ref().to_owned())
                })
                .collect(),
            categories: (0..d)
                .map(|j| {
                    categories
                        .and_then(|c| c.get(j))
                        .map(|v| v.iter().map(|s| s.as_ref().to_owned()).collect())
                        .unwrap_or_default()
                })
                .collect(),
        }
    }

    fn feature(&self, j: usize) -> &str {
        &self.features[j]
    }

    /// J48's `rightSide`: `= value`, `<= t` or `> t`.
    fn right_side(&self, test: C45Test, branch: usize) -> String {
        match test {
            C45Test::Category { feature } => {
                let value = self.categories[feature]
                    .get(branch)
                    .cloned()
                    .unwrap_or_else(|| branch.to_string());
                format!("= {value}")
            }
            C45Test::Threshold { threshold, .. } => format!(
                "{} {}",
                if branch == 0 { "<=" } else { ">" },
                weka_decimal(threshold)
            ),
        }
    }

    /// J48's `leftSide` and `rightSide`: `name = value`, `name <= t` or `name > t`.
    fn condition(&self, test: C45Test, branch: usize) -> String {
        format!(
            "{} {}",
            self.feature(test.feature()),
            self.right_side(test, branch)
        )
    }
}

/// Escapes a label for DOT.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Weka's `Utils.roundDouble(v, 2)`: `Math.round(v · 100) / 100`.
fn round2(v: f64) -> f64 {
    (v * 100.0 + 0.5).floor() / 100.0
}

/// A double as Java's `Double.toString` writes the ones J48 prints (at least one
/// decimal: `50.0`, `253.41`).
fn java_double(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// Weka's `Utils.doubleToString(v, 6)`: rounded half up to 6 decimals, trailing zeros
/// (and a trailing point) dropped.
fn weka_decimal(v: f64) -> String {
    let scaled = v * 1e6;
    if scaled.abs() >= i64::MAX as f64 {
        return java_double(v);
    }
    let units = if scaled > 0.0 {
        (scaled + 0.5) as i64
    } else {
        -((scaled.abs() + 0.5) as i64)
    };
    if units == 0 {
        return "0".to_owned();
    }
    let digits = format!("{:07}", units.unsigned_abs());
    let (int, frac) = digits.split_at(digits.len() - 6);
    let frac = frac.trim_end_matches('0');
    let sign = if units < 0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

impl<L: Label> Fit<[L]> for C45Classifier {
    type Model = C45ClassifierModel<L>;

    fn fit(&self, x: Features<'_>, y: &[L]) -> Result<Self::Model> {
        C45Classifier::fit(self, x, y)
    }
}

impl<L: Label> FitWeighted<[L]> for C45Classifier {
    fn fit_weighted(&self, x: Features<'_>, y: &[L], sample_weight: &[f64]) -> Result<Self::Model> {
        C45Classifier::fit_weighted(self, x, y, sample_weight)
    }
}

impl<L: Label> Fitted for C45ClassifierModel<L> {
    fn n_features_in(&self) -> usize {
        self.tree.categories.len()
    }
}

impl<L: Label> Predict for C45ClassifierModel<L> {
    type Output = Vec<L>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<L>> {
        C45ClassifierModel::predict(self, x)
    }
}

impl<L: Label> PredictProba for C45ClassifierModel<L> {
    type Label = L;

    fn classes(&self) -> &[L] {
        &self.classes
    }

    fn predict_proba(&self, x: Features<'_>) -> Result<faer::Mat<f64>> {
        C45ClassifierModel::predict_proba(self, x)
    }
}

impl<L: Label + Serialize + DeserializeOwned> Persist for C45ClassifierModel<L> {
    const MODEL_NAME: &'static str = "ml_supervised::C45ClassifierModel";
}

impl<L: Label> Invariants for C45ClassifierModel<L> {
    /// The tree's invariants with one class weight per class, and sorted distinct
    /// classes.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::not_empty("classes", self.classes.len())?;
        inv::strictly_increasing("classes", &self.classes)?;
        self.tree.check_invariants(self.classes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weka_number_formats() {
        assert_eq!(weka_decimal(75.0), "75");
        assert_eq!(weka_decimal(0.6), "0.6");
        assert_eq!(weka_decimal(880.8), "880.8");
        assert_eq!(weka_decimal(0.0042), "0.0042");
        assert_eq!(weka_decimal(-0.5), "-0.5");
        assert_eq!(weka_decimal(-0.0000004), "0");
        assert_eq!(weka_decimal(1.23456789), "1.234568");
        assert_eq!(java_double(round2(50.0)), "50.0");
        assert_eq!(java_double(round2(253.4149)), "253.41");
        assert_eq!(java_double(round2(0.004)), "0.0");
    }

    #[test]
    fn pessimistic_errors_match_c45() {
        use grow::added_errors;
        // Quinlan's example: 6 cases, 0 errors, CF 0.25 → U = 0.206 per case.
        assert!((added_errors(6.0, 0.0, 0.25) / 6.0 - 0.2063).abs() < 1e-3);
        // All wrong: nothing to add.
        assert_eq!(added_errors(2.0, 2.0, 0.25), 0.0);
        // Monotone in the observed errors.
        assert!(added_errors(100.0, 10.0, 0.25) + 10.0 < added_errors(100.0, 20.0, 0.25) + 20.0);
    }
}
