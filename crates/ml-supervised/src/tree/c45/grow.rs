//! Growing, collapsing and pruning a C4.5 tree the way Weka's J48 does it
//! (`C45ModelSelection`, `C45Split`, `C45PruneableClassifierTree`, `Distribution`),
//! so that the trees are J48's node for node.
//!
//! Weka re-sorts a node's instances for every numeric attribute; here every numeric
//! attribute's rows are sorted once, at the root, and a split hands each branch the
//! positions of its rows in the same order (rows with a missing value of the split
//! attribute go to every branch, with their weight scaled by the branch's share), so a
//! node costs `O(d · rows)` instead of `O(d · rows · log rows)`. With unit weights (no
//! value missing at the node) a scan moves integer counts (two classes in registers)
//! and reads `x ln x` from a table; either way the gain, with its divisions, is computed
//! only at cuts whose entropy sum could beat the best gain by J48's 1e-6, so every
//! decision is J48's. Subtrees of a few hundred instances grow and prune in parallel.

use ml_core::kernels;
use rayon::prelude::*;

use super::{C45Test, Distribution, roughly};

/// Nodes with at least this many instances × attributes evaluate (and carry) their
/// attributes in parallel.
const PARALLEL_WORK: usize = 1 << 14;

/// Nodes with at least this many instances grow (and prune) their subtrees in
/// parallel; data sets this large grow on a pool of threads with [`STACK_BYTES`] of
/// stack (smaller ones on one such thread), so no deep recursion runs on a thread with
/// a small stack. Small, as two subtrees of a few hundred rows already pay for the
/// hand-over (breast cancer: 2.3 ms → 1.7 ms).
pub(super) const PARALLEL_SUBTREE_ROWS: usize = 256;

/// The deepest a tree may grow. Growth, pruning and subtree raising recurse as J48
/// does, on threads with [`STACK_BYTES`] of stack, which this depth cannot exhaust;
/// deeper trees (only degenerate data make them) are refused.
pub(super) const MAX_DEPTH: usize = 10_000;

/// The stack of the growing threads.
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

/// A numeric attribute's instances with a known value at a node, in increasing order
/// of the value: their positions among the node's instances, classes and values (kept
/// side by side so that the scan reads memory in order).
#[derive(Debug, Clone, Default)]
struct Order {
    entries: Vec<Entry>,
}

/// An instance in a numeric attribute's order.
#[derive(Debug, Clone, Copy)]
struct Entry {
    position: u32,
    class: u32,
    value: f64,
}

impl Order {
    fn with_capacity(m: usize) -> Self {
        Self {
            entries: Vec::with_capacity(m),
        }
    }

    fn push(&mut self, position: u32, class: u32, value: f64) {
        self.entries.push(Entry {
            position,
            class,
            value,
        });
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

    #[inline(always)]
    fn at(&self, x: f64) -> f64 {
        if x < 1e-6 {
            return 0.0;
        }
        // The cast saturates; it round-trips only for an integer in range.
        let i = x as usize;
        if i as f64 == x
            && let Some(&v) = self.table.get(i)
        {
            return v;
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
        -(self.entropy_sum(d) / std::f64::consts::LN_2)
    }

    /// `newEnt`'s sum before its scaling: `Σ_bags (Σ_classes x ln x − bag ln bag)`.
    fn entropy_sum(&self, d: &Distribution) -> f64 {
        let mut sum = 0.0;
        for (bag, &w) in d.per_bag.iter().enumerate() {
            for &c in d.bag(bag) {
                sum += self.at(c);
            }
            sum -= self.at(w);
        }
        sum
    }

    /// `InfoGainSplitCrit.splitCritValue`: the gain over the known values, scaled by
    /// their share of the node's weight `node_total`.
    fn info_gain(&self, d: &Distribution, node_total: f64, old_ent: f64) -> f64 {
        self.scaled_gain(node_total, d.total, old_ent - self.new_ent(d))
    }

    /// The entropy decrease `decrease` over the known weight `known`, scaled by the
    /// known share of the node's weight; 0 within 1e-6.
    #[inline(always)]
    fn scaled_gain(&self, node_total: f64, known: f64, decrease: f64) -> f64 {
        let unknown_rate = (node_total - known) / node_total;
        let numerator = (1.0 - unknown_rate) * decrease;
        if roughly::eq(numerator, 0.0) {
            0.0
        } else {
            numerator / known
        }
    }

    /// `GainRatioSplitCrit.splitCritValue`: `gain` over the split information, the
    /// unknown values counting as one more bag.
    fn gain_ratio(&self, per_bag: &[f64], known: f64, node_total: f64, gain: f64) -> f64 {
        let mut split = 0.0;
        if roughly::gr(known, 0.0) {
            for &w in per_bag {
                split -= self.at(w);
            }
            split -= self.at(node_total - known);
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

/// The two bags of a numeric scan: instances move from bag 1 (above the cut) to bag 0.
trait Bags {
    /// Moves the `i`-th instance of the attribute's order to bag 0.
    fn shift(&mut self, i: usize);
    /// The weights of bag 0 and bag 1.
    fn sizes(&self) -> (f64, f64);
    /// `newEnt`'s sum `Σ_bags (Σ_classes x ln x − bag ln bag)`, in Weka's order.
    fn entropy_sum(&self, entropy: &XlnX) -> f64;
}

/// Fractional weights: Weka's `Distribution`, updated as `shiftRange` does.
struct Weighted<'a> {
    d: Distribution,
    entries: &'a [Entry],
    weights: Vec<f64>,
}

impl Bags for Weighted<'_> {
    #[inline]
    fn shift(&mut self, i: usize) {
        self.d
            .shift(1, 0, self.entries[i].class as usize, self.weights[i]);
    }

    #[inline]
    fn sizes(&self) -> (f64, f64) {
        (self.d.per_bag[0], self.d.per_bag[1])
    }

    #[inline]
    fn entropy_sum(&self, entropy: &XlnX) -> f64 {
        entropy.entropy_sum(&self.d)
    }
}

/// Unit weights: the same sums as integer counts (adding and removing 1.0 is exact),
/// whose `x ln x` the table gives without conversions.
struct Counts<'a> {
    entries: &'a [Entry],
    k: usize,
    /// `2 × k` class counts, bag 0 first.
    counts: Vec<u32>,
    bag: [u32; 2],
}

impl<'a> Counts<'a> {
    /// Every instance in bag 1, with the class counts of `start` (integer sums).
    fn new(entries: &'a [Entry], k: usize, start: &Distribution) -> Self {
        let mut counts = vec![0u32; 2 * k];
        for (slot, &c) in counts[k..].iter_mut().zip(&start.per_class) {
            *slot = c as u32;
        }
        Self {
            entries,
            k,
            counts,
            bag: [0, entries.len() as u32],
        }
    }
}

impl Bags for Counts<'_> {
    #[inline]
    fn shift(&mut self, i: usize) {
        let c = self.entries[i].class as usize;
        self.counts[self.k + c] -= 1;
        self.counts[c] += 1;
        self.bag[1] -= 1;
        self.bag[0] += 1;
    }

    #[inline]
    fn sizes(&self) -> (f64, f64) {
        (f64::from(self.bag[0]), f64::from(self.bag[1]))
    }

    #[inline]
    fn entropy_sum(&self, entropy: &XlnX) -> f64 {
        let t = &entropy.table;
        let mut sum = 0.0;
        for (bag, counts) in self.counts.chunks_exact(self.k).enumerate() {
            for &c in counts {
                sum += t[c as usize];
            }
            sum -= t[self.bag[bag] as usize];
        }
        sum
    }
}

/// [`Counts`] for two classes, the most common case: the four counts are separate
/// fields moved by arithmetic on the class bit, so they stay in registers (an indexed
/// update would go through memory and chain every step on a store-to-load forward).
struct TwoClasses<'a> {
    entries: &'a [Entry],
    /// Bag 0's class counts.
    below: [u32; 2],
    /// Bag 1's class counts.
    above: [u32; 2],
}

impl<'a> TwoClasses<'a> {
    fn new(entries: &'a [Entry], start: &Distribution) -> Self {
        Self {
            entries,
            below: [0, 0],
            above: [start.per_class[0] as u32, start.per_class[1] as u32],
        }
    }
}

impl Bags for TwoClasses<'_> {
    #[inline]
    fn shift(&mut self, i: usize) {
        let one = self.entries[i].class & 1;
        let zero = 1 - one;
        self.below[0] += zero;
        self.below[1] += one;
        self.above[0] -= zero;
        self.above[1] -= one;
    }

    #[inline]
    fn sizes(&self) -> (f64, f64) {
        (
            f64::from(self.below[0] + self.below[1]),
            f64::from(self.above[0] + self.above[1]),
        )
    }

    #[inline]
    fn entropy_sum(&self, entropy: &XlnX) -> f64 {
        // Weka's order: each bag's classes, less the bag.
        let t = &entropy.table;
        let at = |x: u32| t[x as usize];
        let mut sum = 0.0;
        sum += at(self.below[0]);
        sum += at(self.below[1]);
        sum -= at(self.below[0] + self.below[1]);
        sum += at(self.above[0]);
        sum += at(self.above[1]);
        sum -= at(self.above[0] + self.above[1]);
        sum
    }
}

/// One numeric attribute's scan over its sorted known values.
struct Scan<'a> {
    entropy: &'a XlnX,
    entries: &'a [Entry],
    min_split: f64,
    node_total: f64,
    /// The known weight (constant during the scan).
    known: f64,
    old_ent: f64,
}

impl Scan<'_> {
    /// `InfoGainSplitCrit.splitCritValue` from `newEnt`'s sum, in Weka's operations.
    #[inline]
    fn gain(&self, sum: f64) -> f64 {
        let new_ent = -(sum / std::f64::consts::LN_2);
        self.entropy
            .scaled_gain(self.node_total, self.known, self.old_ent - new_ent)
    }

    /// The entropy sum below which a cut's gain cannot exceed `best + 1e-6` (the gain
    /// grows with the sum), with a margin far above rounding, so that only cuts near or
    /// above it pay for the exact gain and its divisions.
    fn sum_needed(&self, best: f64) -> f64 {
        let factor = 1.0 - (self.node_total - self.known) / self.node_total;
        let needed = ((best + 1e-6) * self.known / factor - self.old_ent) * std::f64::consts::LN_2;
        needed - 1e-9 * (needed.abs() + self.old_ent.abs() + 1.0)
    }

    /// J48's loop over the cuts: `(best gain, index before the best cut, valid cuts)`.
    fn run<B: Bags>(&self, mut bags: B) -> (f64, Option<usize>, usize) {
        let entries = self.entries;
        let (mut best_gain, mut split_index, mut cuts) = (0.0, None, 0usize);
        let mut needed = self.sum_needed(best_gain);
        let mut last = 0;
        for next in 1..entries.len() {
            if entries[next - 1].value + 1e-5 < entries[next].value {
                for i in last..next {
                    bags.shift(i);
                }
                let (left, right) = bags.sizes();
                if roughly::gr_or_eq(left, self.min_split)
                    && roughly::gr_or_eq(right, self.min_split)
                {
                    let sum = bags.entropy_sum(self.entropy);
                    if sum >= needed {
                        let gain = self.gain(sum);
                        if roughly::gr(gain, best_gain) {
                            best_gain = gain;
                            split_index = Some(next - 1);
                            needed = self.sum_needed(best_gain);
                        }
                    }
                    cuts += 1;
                }
                last = next;
            }
        }
        (best_gain, split_index, cuts)
    }
}

/// A candidate split of one attribute.
struct Candidate {
    test: C45Test,
    /// The split's distribution; for a numeric cut, built only if the cut is chosen.
    distribution: Split,
    info_gain: f64,
    gain_ratio: f64,
}

/// A candidate's distribution over its branches.
enum Split {
    Known(Distribution),
    /// A numeric cut after this index of its attribute's order.
    After(usize),
}

/// Grows, collapses and prunes J48's tree.
pub(super) struct Grower<'a> {
    data: &'a Data<'a>,
    options: Options,
    entropy: XlnX,
    /// Every numeric column's distinct training values, sorted (for J48's move of a
    /// threshold onto a training value); set from the root's orders.
    distinct: Vec<Vec<f64>>,
    /// Whether every attribute is nominal with many values (J48's `multiVal`).
    all_many_valued: bool,
    /// The rows of the whole training set (J48's `m_allData.numInstances()`).
    n_all: usize,
}

impl<'a> Grower<'a> {
    pub(super) fn new(data: &'a Data<'a>, options: Options, n_all: usize) -> Self {
        let many =
            |c: &Option<usize>| c.is_some_and(|v| !roughly::sm(v as f64, 0.3 * n_all as f64));
        Self {
            entropy: XlnX::new(data.n),
            all_many_valued: data.categories.iter().all(many),
            distinct: Vec::new(),
            data,
            options,
            n_all,
        }
    }

    /// The unpruned tree of `instances` (J48's `buildTree`), then collapsed and pruned
    /// as the options say.
    pub(super) fn grow(mut self, instances: Instances) -> Result<Grown, usize> {
        let orders = self.root_orders(&instances);
        // The root holds every training row: its sorted values give the distinct ones.
        self.distinct = orders
            .iter()
            .map(|o| {
                let mut v: Vec<f64> = o.entries.iter().map(|e| e.value).collect();
                v.dedup();
                v
            })
            .collect();
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
    fn root_orders(&self, instances: &Instances) -> Vec<Order> {
        (0..self.data.categories.len())
            .into_par_iter()
            .map(|a| {
                if self.data.categories[a].is_some() {
                    return Order::default();
                }
                // (value, position) packed into one integer ordered as the pair.
                let mut keyed: Vec<u128> = instances
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(p, &r)| (self.data.value(r, a), p))
                    .filter(|(v, _)| !v.is_nan())
                    .map(|(v, p)| (u128::from(kernels::ordered_bits(v)) << 32) | p as u128)
                    .collect();
                keyed.sort_unstable();
                let mut order = Order::with_capacity(keyed.len());
                for key in keyed {
                    let p = key as u32;
                    let r = instances.rows[p as usize];
                    let value = kernels::from_ordered_bits((key >> 32) as u64);
                    order.push(p, self.data.codes[r as usize] as u32, value);
                }
                order
            })
            .collect()
    }

    /// J48's `buildTree`; `Err(depth)` beyond [`MAX_DEPTH`].
    fn build(
        &self,
        instances: Instances,
        orders: Vec<Order>,
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
                let parallel = instances.rows.len() >= PARALLEL_SUBTREE_ROWS;
                let train = keep.then_some(instances);
                let grow = |(part, part_orders)| self.build(part, part_orders, depth + 1);
                let children = if parallel {
                    parts
                        .into_par_iter()
                        .map(grow)
                        .collect::<Result<Vec<_>, _>>()?
                } else {
                    parts.into_iter().map(grow).collect::<Result<Vec<_>, _>>()?
                };
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
    fn select(&self, instances: &Instances, orders: &[Order]) -> Model {
        let data = self.data;
        let check = match self.leaf_or_classes(instances) {
            Ok(leaf) => return Model::Leaf(leaf),
            Err(check) => check,
        };
        let node_total = instances.total();
        let unit = instances.weights.iter().all(|&w| w == 1.0);
        let evaluate = |a: usize| match data.categories[a] {
            Some(n_values) => self.nominal(instances, a, n_values, node_total),
            None if unit => self.numeric::<true>(instances, &orders[a], &check, a, node_total),
            None => self.numeric::<false>(instances, &orders[a], &check, a, node_total),
        };
        let d = data.categories.len();
        let candidates: Vec<Option<Candidate>> = if instances.rows.len() * d >= PARALLEL_WORK {
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
        let feature = best.test.feature();
        let mut distribution = match best.distribution {
            Split::Known(d) => d,
            Split::After(index) => self.cut_distribution(instances, &orders[feature], index),
        };
        self.add_unknown(&mut distribution, instances, feature);
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
        Model::Split(best.test, distribution)
    }

    /// The class distribution of `instances`: `Ok` when J48 makes them a leaf without
    /// looking at a split (too little weight for two branches, or one class only).
    fn leaf_or_classes(&self, instances: &Instances) -> Result<Distribution, Distribution> {
        let mut check = Distribution::new(1, self.data.k);
        for (&r, &w) in instances.rows.iter().zip(&instances.weights) {
            check.add(0, self.data.codes[r as usize], w);
        }
        if roughly::sm(check.total, 2.0 * self.options.min_cases)
            || roughly::eq(check.total, check.per_class[check.max_class()])
        {
            Ok(check)
        } else {
            Err(check)
        }
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
        let gain_ratio = self
            .entropy
            .gain_ratio(&d.per_bag, d.total, node_total, info_gain);
        Some(Candidate {
            test: C45Test::Category { feature: a },
            distribution: Split::Known(d),
            info_gain,
            gain_ratio,
        })
    }

    /// `C45Split.handleNumericAttribute`: the cut of largest gain between two known
    /// values more than 1e-5 apart, each side holding at least `minSplit`, the gain less
    /// the MDL cost `log2(cuts) / weight`. `UNIT`: every instance weighs 1; `node` is
    /// the node's class distribution.
    fn numeric<const UNIT: bool>(
        &self,
        instances: &Instances,
        order: &Order,
        node: &Distribution,
        a: usize,
        node_total: f64,
    ) -> Option<Candidate> {
        let k = self.data.k;
        let entries = &order.entries;
        let known = entries.len();
        // Bag 1 starts with every known instance. With unit weights the sums are
        // counts, exact in any order: without missing values they are the node's.
        let own;
        let d = if UNIT && known == instances.rows.len() {
            node
        } else {
            let mut d = Distribution::new(1, k);
            for (i, e) in entries.iter().enumerate() {
                d.add(
                    0,
                    e.class as usize,
                    self.weight::<UNIT>(instances, order, i),
                );
            }
            own = d;
            &own
        };
        let mut min_split = 0.1 * d.total / k as f64;
        if roughly::sm_or_eq(min_split, self.options.min_cases) {
            min_split = self.options.min_cases;
        } else if roughly::gr(min_split, 25.0) {
            min_split = 25.0;
        }
        if roughly::sm(known as f64, 2.0 * min_split) {
            return None;
        }
        let default_ent = self.entropy.old_ent(d);
        let scan = Scan {
            entropy: &self.entropy,
            entries,
            min_split,
            node_total,
            known: d.total,
            old_ent: default_ent,
        };
        let (mut best_gain, split_index, cuts) = if UNIT {
            if k == 2 {
                scan.run(TwoClasses::new(entries, d))
            } else {
                scan.run(Counts::new(entries, k, d))
            }
        } else {
            let mut start = Distribution::new(2, k);
            start.per_class_per_bag[k..].copy_from_slice(&d.per_class);
            start.per_class.copy_from_slice(&d.per_class);
            start.per_bag[1] = d.total;
            start.total = d.total;
            scan.run(Weighted {
                d: start,
                entries,
                weights: entries
                    .iter()
                    .map(|e| instances.weights[e.position as usize])
                    .collect(),
            })
        };
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
        let (lo, hi) = (entries[split_index].value, entries[split_index + 1].value);
        let mut threshold = (hi + lo) / 2.0;
        if threshold == hi {
            threshold = lo;
        }
        // The sides' weights as `addRange` sums them (counts with unit weights).
        let per_bag = if UNIT {
            [(split_index + 1) as f64, (known - split_index - 1) as f64]
        } else {
            let side = |range: std::ops::Range<usize>| {
                range.fold(0.0, |s, i| s + self.weight::<UNIT>(instances, order, i))
            };
            [side(0..split_index + 1), side(split_index + 1..known)]
        };
        let total = 0.0 + per_bag[0] + per_bag[1];
        let gain_ratio = self
            .entropy
            .gain_ratio(&per_bag, total, node_total, best_gain);
        Some(Candidate {
            test: C45Test::Threshold {
                feature: a,
                threshold,
            },
            distribution: Split::After(split_index),
            info_gain: best_gain,
            gain_ratio,
        })
    }

    /// The weight of the `i`-th instance of `order`.
    #[inline(always)]
    fn weight<const UNIT: bool>(&self, instances: &Instances, order: &Order, i: usize) -> f64 {
        if UNIT {
            1.0
        } else {
            instances.weights[order.entries[i].position as usize]
        }
    }

    /// The distribution of a numeric cut after `index` of `order`, each side summed as
    /// Weka's `addRange` sums it: class weights row by row, the side's total at the end.
    fn cut_distribution(&self, instances: &Instances, order: &Order, index: usize) -> Distribution {
        let k = self.data.k;
        let mut d = Distribution::new(2, k);
        let known = order.entries.len();
        for (bag, range) in [0..index + 1, index + 1..known].into_iter().enumerate() {
            let mut sum = 0.0;
            for e in &order.entries[range] {
                let (c, w) = (e.class as usize, instances.weights[e.position as usize]);
                sum += w;
                d.per_class_per_bag[bag * k + c] += w;
                d.per_class[c] += w;
            }
            d.per_bag[bag] += sum;
            d.total += sum;
        }
        d
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
        orders: &[Order],
    ) -> Vec<(Instances, Vec<Order>)> {
        let bags = d.per_bag.len();
        let n = instances.rows.len();
        let mut parts = vec![Instances::default(); bags];
        // branch_of[p]: the one branch of parent position p, or `SHARED` when its value
        // is missing; position[p]: where it landed in that branch or, when shared, its
        // row in `shared` (`bags` positions, `ABSENT` where the share is nil).
        const SHARED: u32 = u32::MAX;
        const DROPPED: u32 = u32::MAX - 1;
        const ABSENT: u32 = u32::MAX;
        let mut branch_of = vec![SHARED; n];
        let mut position = vec![0u32; n];
        let mut shared: Vec<u32> = Vec::new();
        for (p, (&r, &w)) in instances.rows.iter().zip(&instances.weights).enumerate() {
            match self.data.branch(test, r) {
                Some(b) => {
                    position[p] = parts[b].rows.len() as u32;
                    branch_of[p] = b as u32;
                    parts[b].push(r, w);
                }
                None => {
                    position[p] = (shared.len() / bags) as u32;
                    for (b, part) in parts.iter_mut().enumerate() {
                        let share = d.per_bag[b] / d.total;
                        if roughly::gr(share, 0.0) {
                            shared.push(part.rows.len() as u32);
                            part.push(r, share * w);
                        } else {
                            shared.push(ABSENT);
                        }
                    }
                }
            }
        }
        // A branch that will be a leaf whatever its values needs no orders: those of
        // the others are carried alone (breast cancer: most branches are pure).
        let leaf_bound: Vec<bool> = parts
            .iter()
            .map(|part| self.leaf_or_classes(part).is_ok())
            .collect();
        if leaf_bound.iter().all(|&leaf| leaf) {
            return parts
                .into_iter()
                .map(|part| (part, vec![Order::default(); orders.len()]))
                .collect();
        }
        for b in branch_of.iter_mut().filter(|b| **b != SHARED) {
            if leaf_bound[*b as usize] {
                *b = DROPPED;
            }
        }
        for (i, q) in shared.iter_mut().enumerate() {
            if leaf_bound[i % bags] {
                *q = ABSENT;
            }
        }
        let sizes: Vec<usize> = parts
            .iter()
            .zip(&leaf_bound)
            .map(|(p, &leaf)| if leaf { 0 } else { p.rows.len() })
            .collect();
        let carry = |order: &Order| -> Vec<Order> {
            if order.entries.is_empty() {
                return vec![Order::default(); bags];
            }
            let mut out: Vec<Order> = sizes.iter().map(|&m| Order::with_capacity(m)).collect();
            for e in &order.entries {
                let p = e.position as usize;
                match branch_of[p] {
                    SHARED => {
                        let at = position[p] as usize * bags;
                        for (o, &q) in out.iter_mut().zip(&shared[at..at + bags]) {
                            if q != ABSENT {
                                o.push(q, e.class, e.value);
                            }
                        }
                    }
                    DROPPED => {}
                    b => out[b as usize].push(position[p], e.class, e.value),
                }
            }
            out
        };
        let per_attribute: Vec<Vec<Order>> = if n * orders.len() >= PARALLEL_WORK {
            orders.par_iter().map(carry).collect()
        } else {
            orders.iter().map(carry).collect()
        };
        let mut branch_orders: Vec<Vec<Order>> = vec![Vec::with_capacity(orders.len()); bags];
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
        let parallel = node
            .train
            .as_ref()
            .is_some_and(|t| t.rows.len() >= PARALLEL_SUBTREE_ROWS);
        if parallel {
            node.children
                .par_iter_mut()
                .for_each(|child| self.prune(child));
        } else {
            for child in &mut node.children {
                self.prune(child);
            }
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
