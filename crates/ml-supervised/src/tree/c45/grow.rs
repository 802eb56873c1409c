//! Growing, collapsing and pruning a C4.5 tree the way Weka's J48 does it
//! (`C45ModelSelection`, `C45Split`, `C45PruneableClassifierTree`, `Distribution`),
//! so that the trees are J48's node for node.
//!
//! Weka re-sorts a node's instances for every numeric attribute; here every numeric
//! attribute's rows are sorted once, at the root, and a split hands each branch the
//! positions of its rows in the same order (rows with a missing value of the split
//! attribute go to every branch, with their weight scaled by the branch's share), so a
//! node costs `O(d · rows)` instead of `O(d · rows · log rows)`. Entropies use a table
//! of `x ln x` for integer weights, which is what unit weights give wherever no value
//! is missing.

use rayon::prelude::*;

use super::{C45Test, Distribution, roughly};

/// Nodes with at least this many rows evaluate their attributes in parallel.
const PARALLEL_ROWS: usize = 2048;

/// The deepest a tree may grow. Growth, pruning and subtree raising recurse as J48
/// does, on a thread with [`STACK_BYTES`] of stack, which this depth cannot exhaust;
/// deeper trees (only degenerate data make them) are refused.
pub(super) const MAX_DEPTH: usize = 10_000;

/// The stack of the growing thread.
pub(super) const STACK_BYTES: usize = 512 << 20;

/// The training data, read-only while growing.
pub(super) struct Data<'a> {
    /// Column-major values, NaN where missing.
    pub(super) columns: &'a [f64],
    pub(super) n: usize,
    pub(super) codes: &'a [usize],
    pub(super) k: usize,
    /// The number of categories of each categorical column; `None` for a numeric one.
    pub(super) categories: &'a [Option<usize>],
}

impl Data<'_> {
    fn value(&self, row: u32, attribute: usize) -> f64 {
        self.columns[attribute * self.n + row as usize]
    }

    /// The branch a row takes at `test`, `None` when its value is missing.
    pub(super) fn branch(&self, test: &C45Test, row: u32) -> Option<usize> {
        let v = self.value(row, test.feature());
        if v.is_nan() {
            return None;
        }
        Some(super::branch(*test, v).unwrap_or(0))
    }
}

/// J48's options, resolved.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    pub(super) min_cases: f64,
    pub(super) confidence: f64,
    pub(super) prune: bool,
    pub(super) subtree_raising: bool,
    pub(super) collapse: bool,
    pub(super) mdl_correction: bool,
}

/// Instances at a node: rows and their (possibly fractional) weights.
#[derive(Debug, Clone, Default)]
pub(super) struct Instances {
    pub(super) rows: Vec<u32>,
    pub(super) weights: Vec<f64>,
}

impl Instances {
    fn push(&mut self, row: u32, weight: f64) {
        self.rows.push(row);
        self.weights.push(weight);
    }

    /// Weka's `sumOfWeights`, summed in order.
    fn total(&self) -> f64 {
        self.weights.iter().fold(0.0, |s, w| s + w)
    }
}

/// A node's model: a leaf's class distribution, or a split and its distribution over
/// the branches.
#[derive(Debug, Clone)]
pub(super) enum Model {
    Leaf(Distribution),
    Split(C45Test, Distribution),
}

impl Model {
    pub(super) fn distribution(&self) -> &Distribution {
        match self {
            Model::Leaf(d) | Model::Split(_, d) => d,
        }
    }
}

/// A node under construction (J48's `C45PruneableClassifierTree`).
#[derive(Debug)]
pub(super) struct Grown {
    pub(super) model: Model,
    pub(super) children: Vec<Grown>,
    /// A leaf that received no weight: prediction falls back on its parent.
    pub(super) empty: bool,
    /// The node's training instances, kept for subtree raising.
    train: Option<Instances>,
}

/// `x ln x` as Weka's `lnFunc` (0 below 1e-6), from a table for integer `x`.
struct XlnX {
    table: Vec<f64>,
}

impl XlnX {
    fn new(n: usize) -> Self {
        Self {
            table: (0..=n)
                .map(|i| {
                    if i == 0 {
                        0.0
                    } else {
                        i as f64 * (i as f64).ln()
                    }
                })
                .collect(),
        }
    }

    #[inline]
    fn at(&self, x: f64) -> f64 {
        if x < 1e-6 {
            return 0.0;
        }
        if x.fract() == 0.0 && x < self.table.len() as f64 {
            return self.table[x as usize];
        }
        x * x.ln()
    }

    /// `oldEnt`: the entropy of the class totals, in bits (times the total).
    fn old_ent(&self, d: &Distribution) -> f64 {
        let classes = d.per_class.iter().fold(0.0, |s, &c| s + self.at(c));
        (self.at(d.total) - classes) / std::f64::consts::LN_2
    }

    /// `newEnt`: the entropy within the bags, in bits (times the total).
    fn new_ent(&self, d: &Distribution) -> f64 {
        let mut sum = 0.0;
        for (bag, &w) in d.per_bag.iter().enumerate() {
            for &c in d.bag(bag) {
                sum += self.at(c);
            }
            sum -= self.at(w);
        }
        -(sum / std::f64::consts::LN_2)
    }

    /// `InfoGainSplitCrit.splitCritValue`: the gain over the known values, scaled by
    /// their share of the node's weight `node_total`.
    fn info_gain(&self, d: &Distribution, node_total: f64, old_ent: f64) -> f64 {
        let unknown_rate = (node_total - d.total) / node_total;
        let numerator = (1.0 - unknown_rate) * (old_ent - self.new_ent(d));
        if roughly::eq(numerator, 0.0) {
            0.0
        } else {
            numerator / d.total
        }
    }

    /// `GainRatioSplitCrit.splitCritValue`: `gain` over the split information, the
    /// unknown values counting as one more bag.
    fn gain_ratio(&self, d: &Distribution, node_total: f64, gain: f64) -> f64 {
        let mut split = 0.0;
        if roughly::gr(d.total, 0.0) {
            for &w in &d.per_bag {
                split -= self.at(w);
            }
            split -= self.at(node_total - d.total);
            split += self.at(node_total);
        }
        let split = split / std::f64::consts::LN_2;
        if roughly::eq(split, 0.0) {
            0.0
        } else {
            gain / (split / node_total)
        }
    }
}

/// A candidate split of one attribute.
struct Candidate {
    test: C45Test,
    distribution: Distribution,
    info_gain: f64,
    gain_ratio: f64,
}

/// Grows, collapses and prunes J48's tree.
pub(super) struct Grower<'a> {
    data: &'a Data<'a>,
    options: Options,
    entropy: XlnX,
    /// Every numeric column's distinct training values, sorted (for J48's move of a
    /// threshold onto a training value).
    distinct: Vec<Vec<f64>>,
    /// Whether every attribute is nominal with many values (J48's `multiVal`).
    all_many_valued: bool,
    /// The rows of the whole training set (J48's `m_allData.numInstances()`).
    n_all: usize,
}

impl<'a> Grower<'a> {
    pub(super) fn new(data: &'a Data<'a>, options: Options, n_all: usize) -> Self {
        let d = data.categories.len();
        let distinct = (0..d)
            .map(|a| {
                if data.categories[a].is_some() {
                    return Vec::new();
                }
                let mut v: Vec<f64> = data.columns[a * data.n..(a + 1) * data.n]
                    .iter()
                    .copied()
                    .filter(|v| !v.is_nan())
                    .collect();
                v.sort_unstable_by(f64::total_cmp);
                v.dedup();
                v
            })
            .collect();
        let many =
            |c: &Option<usize>| c.is_some_and(|v| !roughly::sm(v as f64, 0.3 * n_all as f64));
        Self {
            entropy: XlnX::new(data.n),
            all_many_valued: data.categories.iter().all(many),
            distinct,
            data,
            options,
            n_all,
        }
    }

    /// The unpruned tree of `instances` (J48's `buildTree`), then collapsed and pruned
    /// as the options say.
    pub(super) fn grow(&self, instances: Instances) -> Result<Grown, usize> {
        let orders = self.root_orders(&instances);
        let mut root = self.build(instances, orders, 0)?;
        if self.options.collapse {
            root.collapse();
        }
        if self.options.prune {
            self.prune(&mut root);
        }
        Ok(root)
    }

    /// Every numeric attribute's positions of the instances with a known value, in
    /// increasing order of the value.
    fn root_orders(&self, instances: &Instances) -> Vec<Vec<u32>> {
        (0..self.data.categories.len())
            .into_par_iter()
            .map(|a| {
                if self.data.categories[a].is_some() {
                    return Vec::new();
                }
                let mut keyed: Vec<(f64, u32)> = instances
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(p, &r)| (self.data.value(r, a), p as u32))
                    .filter(|(v, _)| !v.is_nan())
                    .collect();
                keyed.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                keyed.into_iter().map(|(_, p)| p).collect()
            })
            .collect()
    }

    /// J48's `buildTree`; `Err(depth)` beyond [`MAX_DEPTH`].
    fn build(
        &self,
        instances: Instances,
        orders: Vec<Vec<u32>>,
        depth: usize,
    ) -> Result<Grown, usize> {
        if depth > MAX_DEPTH {
            return Err(depth);
        }
        let model = self.select(&instances, &orders);
        let keep = self.options.subtree_raising;
        match model {
            Model::Split(test, distribution) => {
                let parts = self.split_with_orders(&test, &distribution, &instances, &orders);
                drop(orders);
                let train = keep.then_some(instances);
                let children = parts
                    .into_iter()
                    .map(|(part, part_orders)| self.build(part, part_orders, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Grown {
                    model: Model::Split(test, distribution),
                    children,
                    empty: false,
                    train,
                })
            }
            leaf @ Model::Leaf(_) => Ok(Grown {
                model: leaf,
                children: Vec::new(),
                empty: roughly::eq(instances.total(), 0.0),
                train: keep.then_some(instances),
            }),
        }
    }

    /// J48's `C45ModelSelection.selectModel`: the split of largest gain ratio among
    /// those of at least average information gain, or a leaf.
    fn select(&self, instances: &Instances, orders: &[Vec<u32>]) -> Model {
        let data = self.data;
        let mut check = Distribution::new(1, data.k);
        for (&r, &w) in instances.rows.iter().zip(&instances.weights) {
            check.add(0, data.codes[r as usize], w);
        }
        let min_cases = self.options.min_cases;
        if roughly::sm(check.total, 2.0 * min_cases)
            || roughly::eq(check.total, check.per_class[check.max_class()])
        {
            return Model::Leaf(check);
        }
        let node_total = instances.total();
        let evaluate = |a: usize| match data.categories[a] {
            Some(n_values) => self.nominal(instances, a, n_values, node_total),
            None => self.numeric(instances, &orders[a], a, node_total),
        };
        let d = data.categories.len();
        let candidates: Vec<Option<Candidate>> = if instances.rows.len() >= PARALLEL_ROWS {
            (0..d).into_par_iter().map(evaluate).collect()
        } else {
            (0..d).map(evaluate).collect()
        };
        let mut average = 0.0;
        let mut valid = 0usize;
        for (a, c) in candidates.iter().enumerate() {
            let Some(c) = c else { continue };
            let counts = match data.categories[a] {
                None => true,
                Some(v) => self.all_many_valued || roughly::sm(v as f64, 0.3 * self.n_all as f64),
            };
            if counts {
                average += c.info_gain;
                valid += 1;
            }
        }
        if valid == 0 {
            return Model::Leaf(check);
        }
        average /= valid as f64;
        let mut best: Option<Candidate> = None;
        let mut best_ratio = 0.0;
        for c in candidates.into_iter().flatten() {
            if c.info_gain >= average - 1e-3 && roughly::gr(c.gain_ratio, best_ratio) {
                best_ratio = c.gain_ratio;
                best = Some(c);
            }
        }
        let Some(mut best) = best.filter(|_| !roughly::eq(best_ratio, 0.0)) else {
            return Model::Leaf(check);
        };
        self.add_unknown(&mut best.distribution, instances, best.test.feature());
        if let C45Test::Threshold { feature, threshold } = best.test {
            // J48 moves the threshold onto the largest training value (of the whole
            // training set) at most it, within 1e-6.
            let values = &self.distinct[feature];
            let at = values.partition_point(|&v| roughly::sm_or_eq(v, threshold));
            let snapped = if at == 0 { -f64::MAX } else { values[at - 1] };
            best.test = C45Test::Threshold {
                feature,
                threshold: snapped,
            };
        }
        Model::Split(best.test, best.distribution)
    }

    /// `C45Split.handleEnumeratedAttribute`: one branch per declared category.
    fn nominal(
        &self,
        instances: &Instances,
        a: usize,
        n_values: usize,
        node_total: f64,
    ) -> Option<Candidate> {
        let data = self.data;
        let mut d = Distribution::new(n_values, data.k);
        for (&r, &w) in instances.rows.iter().zip(&instances.weights) {
            let v = data.value(r, a);
            if !v.is_nan() {
                d.add(v as usize, data.codes[r as usize], w);
            }
        }
        let populated = d
            .per_bag
            .iter()
            .filter(|&&w| roughly::gr_or_eq(w, self.options.min_cases))
            .count();
        if populated < 2 {
            return None;
        }
        let info_gain = self
            .entropy
            .info_gain(&d, node_total, self.entropy.old_ent(&d));
        let gain_ratio = self.entropy.gain_ratio(&d, node_total, info_gain);
        Some(Candidate {
            test: C45Test::Category { feature: a },
            distribution: d,
            info_gain,
            gain_ratio,
        })
    }

    /// `C45Split.handleNumericAttribute`: the cut of largest gain between two known
    /// values more than 1e-5 apart, each side holding at least `minSplit`, the gain less
    /// the MDL cost `log2(cuts) / weight`.
    fn numeric(
        &self,
        instances: &Instances,
        order: &[u32],
        a: usize,
        node_total: f64,
    ) -> Option<Candidate> {
        let data = self.data;
        let k = data.k;
        let class_of = |p: u32| data.codes[instances.rows[p as usize] as usize];
        let weight_of = |p: u32| instances.weights[p as usize];
        let value_of = |p: u32| data.value(instances.rows[p as usize], a);
        let mut d = Distribution::new(2, k);
        for &p in order {
            d.add(1, class_of(p), weight_of(p));
        }
        let known = order.len();
        let mut min_split = 0.1 * d.total / k as f64;
        if roughly::sm_or_eq(min_split, self.options.min_cases) {
            min_split = self.options.min_cases;
        } else if roughly::gr(min_split, 25.0) {
            min_split = 25.0;
        }
        if roughly::sm(known as f64, 2.0 * min_split) {
            return None;
        }
        let default_ent = self.entropy.old_ent(&d);
        let (mut best_gain, mut split_index, mut cuts) = (0.0, None, 0usize);
        let mut last = 0;
        let mut previous = value_of(order[0]);
        for next in 1..known {
            let value = value_of(order[next]);
            if previous + 1e-5 < value {
                for &p in &order[last..next] {
                    d.shift(1, 0, class_of(p), weight_of(p));
                }
                if roughly::gr_or_eq(d.per_bag[0], min_split)
                    && roughly::gr_or_eq(d.per_bag[1], min_split)
                {
                    let gain = self.entropy.info_gain(&d, node_total, default_ent);
                    if roughly::gr(gain, best_gain) {
                        best_gain = gain;
                        split_index = Some(next - 1);
                    }
                    cuts += 1;
                }
                last = next;
            }
            previous = value;
        }
        if cuts == 0 {
            return None;
        }
        if self.options.mdl_correction {
            best_gain -= (cuts as f64).ln() / std::f64::consts::LN_2 / node_total;
        }
        let split_index = split_index?;
        if roughly::sm_or_eq(best_gain, 0.0) {
            return None;
        }
        let (lo, hi) = (
            value_of(order[split_index]),
            value_of(order[split_index + 1]),
        );
        let mut threshold = (hi + lo) / 2.0;
        if threshold == hi {
            threshold = lo;
        }
        // `addRange` for each side: class weights row by row, the side's sum at the end.
        let mut d = Distribution::new(2, k);
        for (bag, range) in [&order[..=split_index], &order[split_index + 1..]]
            .into_iter()
            .enumerate()
        {
            let mut sum = 0.0;
            for &p in range {
                let (c, w) = (class_of(p), weight_of(p));
                sum += w;
                d.per_class_per_bag[bag * k + c] += w;
                d.per_class[c] += w;
            }
            d.per_bag[bag] += sum;
            d.total += sum;
        }
        let gain_ratio = self.entropy.gain_ratio(&d, node_total, best_gain);
        Some(Candidate {
            test: C45Test::Threshold {
                feature: a,
                threshold,
            },
            distribution: d,
            info_gain: best_gain,
            gain_ratio,
        })
    }

    /// `Distribution.addInstWithUnknown`: the instances missing attribute `a` join
    /// every bag in proportion to the bags' known weight.
    fn add_unknown(&self, d: &mut Distribution, instances: &Instances, a: usize) {
        let bags = d.per_bag.len();
        let probs: Vec<f64> = if roughly::eq(d.total, 0.0) {
            vec![1.0 / bags as f64; bags]
        } else {
            d.per_bag.iter().map(|w| w / d.total).collect()
        };
        for (&r, &w) in instances.rows.iter().zip(&instances.weights) {
            if self.data.value(r, a).is_nan() {
                let c = self.data.codes[r as usize];
                d.per_class[c] += w;
                d.total += w;
                for (bag, p) in probs.iter().enumerate() {
                    let share = p * w;
                    d.per_class_per_bag[bag * d.k + c] += share;
                    d.per_bag[bag] += share;
                }
            }
        }
    }

    /// `ClassifierSplitModel.split`: each instance to its branch; one with a missing
    /// value to every branch of positive share, its weight scaled by the share.
    fn split(&self, test: &C45Test, d: &Distribution, instances: &Instances) -> Vec<Instances> {
        let bags = d.per_bag.len();
        let mut parts = vec![Instances::default(); bags];
        for (&r, &w) in instances.rows.iter().zip(&instances.weights) {
            match self.data.branch(test, r) {
                Some(b) => parts[b].push(r, w),
                None => {
                    for (b, part) in parts.iter_mut().enumerate() {
                        let share = d.per_bag[b] / d.total;
                        if roughly::gr(share, 0.0) {
                            part.push(r, share * w);
                        }
                    }
                }
            }
        }
        parts
    }

    /// [`split`](Self::split), carrying every numeric attribute's sorted positions
    /// into each branch.
    fn split_with_orders(
        &self,
        test: &C45Test,
        d: &Distribution,
        instances: &Instances,
        orders: &[Vec<u32>],
    ) -> Vec<(Instances, Vec<Vec<u32>>)> {
        let bags = d.per_bag.len();
        let n = instances.rows.len();
        let mut parts = vec![Instances::default(); bags];
        // position_in[b][p]: where parent position p landed in branch b.
        let mut position_in = vec![u32::MAX; bags * n];
        for (p, (&r, &w)) in instances.rows.iter().zip(&instances.weights).enumerate() {
            match self.data.branch(test, r) {
                Some(b) => {
                    position_in[b * n + p] = parts[b].rows.len() as u32;
                    parts[b].push(r, w);
                }
                None => {
                    for (b, part) in parts.iter_mut().enumerate() {
                        let share = d.per_bag[b] / d.total;
                        if roughly::gr(share, 0.0) {
                            position_in[b * n + p] = part.rows.len() as u32;
                            part.push(r, share * w);
                        }
                    }
                }
            }
        }
        let carry = |order: &Vec<u32>| -> Vec<Vec<u32>> {
            let mut out: Vec<Vec<u32>> = vec![Vec::new(); bags];
            if order.is_empty() {
                return out;
            }
            for (b, o) in out.iter_mut().enumerate() {
                let map = &position_in[b * n..(b + 1) * n];
                o.extend(
                    order
                        .iter()
                        .map(|&p| map[p as usize])
                        .filter(|&q| q != u32::MAX),
                );
            }
            out
        };
        let per_attribute: Vec<Vec<Vec<u32>>> = if n >= PARALLEL_ROWS {
            orders.par_iter().map(carry).collect()
        } else {
            orders.iter().map(carry).collect()
        };
        let mut branch_orders: Vec<Vec<Vec<u32>>> = vec![Vec::with_capacity(orders.len()); bags];
        for attribute in per_attribute {
            for (b, o) in attribute.into_iter().enumerate() {
                branch_orders[b].push(o);
            }
        }
        parts.into_iter().zip(branch_orders).collect()
    }

    /// The distribution a model gets from new instances (`resetDistribution`).
    fn redistribute(&self, model: &Model, instances: &Instances) -> Distribution {
        match model {
            Model::Leaf(_) => {
                let mut d = Distribution::new(1, self.data.k);
                for (&r, &w) in instances.rows.iter().zip(&instances.weights) {
                    d.add(0, self.data.codes[r as usize], w);
                }
                d
            }
            Model::Split(test, _) => {
                let mut d = Distribution::new(model.distribution().per_bag.len(), self.data.k);
                for (&r, &w) in instances.rows.iter().zip(&instances.weights) {
                    if let Some(b) = self.data.branch(test, r) {
                        d.add(b, self.data.codes[r as usize], w);
                    }
                }
                self.add_unknown(&mut d, instances, test.feature());
                d
            }
        }
    }

    /// `C45PruneableClassifierTree.prune`: bottom up, a subtree becomes a leaf when the
    /// leaf's estimated errors are no worse (within 0.1) than the subtree's and its
    /// largest branch's, or is replaced by its largest branch (subtree raising) when
    /// that branch's errors on all the node's instances are no worse than the subtree's.
    fn prune(&self, node: &mut Grown) {
        if node.children.is_empty() {
            return;
        }
        for child in &mut node.children {
            self.prune(child);
        }
        let distribution = node.model.distribution();
        let largest = distribution.max_bag();
        let errors_largest = match (&node.train, self.options.subtree_raising) {
            (Some(train), true) => self.branch_errors(&node.children[largest], train),
            _ => f64::MAX,
        };
        let errors_leaf = self.estimated_errors(distribution);
        let errors_tree = self.subtree_errors(node);
        if roughly::sm_or_eq(errors_leaf, errors_tree + 0.1)
            && roughly::sm_or_eq(errors_leaf, errors_largest + 0.1)
        {
            node.make_leaf();
            return;
        }
        if roughly::sm_or_eq(errors_largest, errors_tree + 0.1) {
            let raised = node.children.swap_remove(largest);
            node.model = raised.model;
            node.children = raised.children;
            let train = node.train.take().unwrap_or_default();
            self.redistribute_subtree(node, train);
            self.prune(node);
        }
    }

    /// `newDistribution`: the subtree's distributions recomputed from `instances`.
    fn redistribute_subtree(&self, node: &mut Grown, instances: Instances) {
        let d = self.redistribute(&node.model, &instances);
        match &mut node.model {
            Model::Leaf(old) | Model::Split(_, old) => *old = d,
        }
        if let Model::Split(test, d) = &node.model {
            let parts = self.split(test, d, &instances);
            for (child, part) in node.children.iter_mut().zip(parts) {
                self.redistribute_subtree(child, part);
            }
        } else if !roughly::eq(instances.total(), 0.0) {
            node.empty = false;
        }
        node.train = Some(instances);
    }

    /// `getEstimatedErrorsForBranch`: the estimated errors of the subtree on
    /// `instances`, its distributions left as they were.
    fn branch_errors(&self, node: &Grown, instances: &Instances) -> f64 {
        let d = self.redistribute(&node.model, instances);
        match &node.model {
            Model::Leaf(_) => self.estimated_errors(&d),
            Model::Split(test, _) => {
                let parts = self.split(test, &d, instances);
                node.children
                    .iter()
                    .zip(&parts)
                    .fold(0.0, |e, (child, part)| e + self.branch_errors(child, part))
            }
        }
    }

    /// `getEstimatedErrors`: the leaves' estimated errors.
    fn subtree_errors(&self, node: &Grown) -> f64 {
        if node.children.is_empty() {
            return self.estimated_errors(node.model.distribution());
        }
        node.children
            .iter()
            .fold(0.0, |e, child| e + self.subtree_errors(child))
    }

    /// `getEstimatedErrorsForDistribution`: the errors plus the pessimistic addition.
    fn estimated_errors(&self, d: &Distribution) -> f64 {
        if roughly::eq(d.total, 0.0) {
            return 0.0;
        }
        let errors = d.num_incorrect();
        errors + added_errors(d.total, errors, self.options.confidence)
    }
}

impl Grown {
    /// A leaf with the node's whole distribution (`new NoSplit(distribution)`).
    fn make_leaf(&mut self) {
        self.model = Model::Leaf(self.model.distribution().merged());
        self.children.clear();
    }

    /// `collapse`: a subtree that makes no fewer training errors than its root would
    /// as a leaf (within 1e-3) becomes that leaf.
    fn collapse(&mut self) {
        if self.children.is_empty() {
            return;
        }
        let subtree = self.training_errors();
        if subtree >= self.model.distribution().num_incorrect() - 1e-3 {
            self.make_leaf();
        } else {
            self.children.iter_mut().for_each(Grown::collapse);
        }
    }

    fn training_errors(&self) -> f64 {
        if self.children.is_empty() {
            return self.model.distribution().num_incorrect();
        }
        self.children
            .iter()
            .fold(0.0, |e, child| e + child.training_errors())
    }
}

/// Weka's `Stats.addErrs`: the errors to add to `e` observed errors among `n` to reach
/// the upper limit of the binomial confidence interval at level `cf` (normal
/// approximation with continuity correction; interpolated below one error).
pub(super) fn added_errors(n: f64, e: f64, cf: f64) -> f64 {
    if e < 1.0 {
        let base = n * (1.0 - cf.powf(1.0 / n));
        if e == 0.0 {
            return base;
        }
        return base + e * (added_errors(n, 1.0, cf) - base);
    }
    if e + 0.5 >= n {
        return (n - e).max(0.0);
    }
    let z = ml_core::kernels::normal_quantile(1.0 - cf);
    let f = (e + 0.5) / n;
    let r =
        (f + (z * z) / (2.0 * n) + z * ((f / n) - (f * f / n) + (z * z / (4.0 * n * n))).sqrt())
            / (1.0 + (z * z) / n);
    (r * n) - e
}
