//! Growing a CART tree: depth-first, best split per node, as scikit-learn 1.9's
//! `DepthFirstTreeBuilder` with `BestSplitter`.
//!
//! Features are the training matrix cast to `f32` (scikit-learn's `DTYPE`). Every
//! feature's rows are sorted once, at the root ([`Presorted`]); a split partitions each
//! feature's segment stably, so every node finds its rows already in each feature's
//! order, with their values beside them: a node costs `O(d · rows)`, where
//! scikit-learn sorts every candidate feature at every node. Each drawn feature is
//! scanned once with incremental left statistics (monomorphised per criterion);
//! positions whose value is within 1e-7 of the previous one are skipped, and a feature
//! whose range at the node is within 1e-7 is constant there and in its whole subtree.
//! The split maximises scikit-learn's proxy improvement, the first of equal ones in the
//! feature draw order winning, and its threshold is the `f64` midpoint of the two
//! `f32` values around it.
//!
//! The random splitter (scikit-learn's `RandomSplitter`, one drawn threshold per
//! feature) keeps no orders ([`Unsorted`]): a node's rows are one unordered segment, each
//! drawn feature's range and split found by gathering its values, and a split
//! partitions that one segment. The absolute error keeps the sorted layout for its
//! ranks.
//!
//! Features are drawn exactly as scikit-learn's `node_split_best` draws them (its
//! xorshift generator, its in-place permutation of the feature array carried from node
//! to node, its bookkeeping of features found constant), so a seed gives the tree that
//! `random_state = seed` gives, ties included. Which features a node evaluates depends
//! only on which are constant there (the ends of the sorted segment), so the draw is
//! simulated first and large nodes then scan the drawn features, and partition the
//! blocks, in parallel; the winner is the first best in draw order, so the tree does
//! not depend on the thread count.

use ml_core::kernels;
use rayon::prelude::*;

use super::random::SplitterRng;
use super::structure::{Node, Split, Tree};

/// scikit-learn's `FEATURE_THRESHOLD`: values closer than this are one value.
const FEATURE_THRESHOLD: f64 = 1e-7;

/// Nodes with at least this many rows evaluate their candidate features in parallel.
const PARALLEL_ROWS: usize = 1024;

/// The impurity measure and the statistics it keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Criterion {
    /// Classification, `k` classes: Gini impurity.
    Gini { k: usize },
    /// Classification, `k` classes: Shannon entropy in bits.
    Entropy { k: usize },
    /// Regression: the variance (mean squared error about the mean).
    SquaredError,
    /// Regression: the mean absolute error about the weighted median.
    AbsoluteError,
    /// Regression: half the mean Poisson deviance from the mean.
    Poisson,
}

impl Criterion {
    /// Statistics per side: class weights, or Σw·y per output and Σw·y² over all.
    fn width(self, target: &Target<'_>) -> usize {
        match self {
            Criterion::Gini { k } | Criterion::Entropy { k } => k,
            _ => target.outputs() + 1,
        }
    }

    /// Values per node: class fractions, or one prediction per output.
    fn value_width(self, target: &Target<'_>) -> usize {
        match self {
            Criterion::Gini { k } | Criterion::Entropy { k } => k,
            _ => target.outputs(),
        }
    }

    /// Adds `rows` to `stats`, in order; their total weight (summed in order). The
    /// classes' loop is written out, as the node statistics of every node run it.
    fn add_rows(
        self,
        stats: &mut [f64],
        target: &Target<'_>,
        rows: &[u32],
        weights: &[f64],
    ) -> f64 {
        let mut total = 0.0;
        match *target {
            Target::Classes(codes) => {
                for &i in rows {
                    let i = i as usize;
                    stats[codes[i]] += weights[i];
                    total += weights[i];
                }
            }
            _ => {
                for &i in rows {
                    let i = i as usize;
                    self.add(stats, target, i, weights[i]);
                    total += weights[i];
                }
            }
        }
        total
    }

    /// Adds row `i` (weight `w`) to `stats`.
    fn add(self, stats: &mut [f64], target: &Target<'_>, i: usize, w: f64) {
        match *target {
            Target::Classes(codes) => stats[codes[i]] += w,
            Target::Values { y, outputs: 1 } => {
                let wy = w * y[i];
                stats[0] += wy;
                stats[1] += wy * y[i];
            }
            Target::Values { y, outputs } => {
                for (k, &yk) in y[i * outputs..(i + 1) * outputs].iter().enumerate() {
                    let wy = w * yk;
                    stats[k] += wy;
                    stats[outputs] += wy * yk;
                }
            }
        }
    }

    /// The impurity and the values (class fractions, mean or median) of `rows`, whose
    /// statistics are `stats` and weight `w`; `ranks` ranks the node's targets (for
    /// the absolute error).
    fn summarise(
        self,
        data: &Data<'_>,
        rows: &[u32],
        stats: &[f64],
        w: f64,
        ranks: Option<&Ranks>,
    ) -> (f64, Vec<f64>) {
        match (self, &data.target) {
            (Criterion::Gini { .. }, _) => (
                Classes::<false>::impurity(stats, w),
                stats.iter().map(|c| c / w).collect(),
            ),
            (Criterion::Entropy { .. }, _) => (
                Classes::<true>::impurity(stats, w),
                stats.iter().map(|c| c / w).collect(),
            ),
            (Criterion::SquaredError, target) => {
                let outputs = target.outputs();
                (
                    squared_error(stats, w, outputs),
                    stats[..outputs].iter().map(|s| s / w).collect(),
                )
            }
            (Criterion::Poisson, &Target::Values { y, outputs }) => (
                poisson_loss(y, outputs, data.weights, rows, &stats[..outputs], w),
                stats[..outputs].iter().map(|s| s / w).collect(),
            ),
            (Criterion::AbsoluteError, target) => {
                let ranks = ranks.expect("the absolute error ranks every node's targets");
                let mut error = 0.0;
                let mut medians = Vec::with_capacity(target.outputs());
                for (sorted, of) in ranks.sorted.iter().zip(&ranks.of) {
                    let mut tracker = MedianTracker::new(sorted);
                    for &i in rows {
                        tracker.add(of[i as usize] as usize, data.weights[i as usize]);
                    }
                    let (median, e) = tracker.median_and_error();
                    error += e;
                    medians.push(median);
                }
                (error / (w * target.outputs() as f64), medians)
            }
            (Criterion::Poisson, Target::Classes(_)) => {
                unreachable!("the criterion matches the target kind by construction")
            }
        }
    }
}

impl Criterion {
    /// The impurity of [`summarise`](Self::summarise) alone, without allocating for
    /// the criteria whose statistics give it.
    fn impurity(
        self,
        data: &Data<'_>,
        rows: &[u32],
        stats: &[f64],
        w: f64,
        ranks: Option<&Ranks>,
    ) -> f64 {
        match self {
            Criterion::Gini { .. } => Classes::<false>::impurity(stats, w),
            Criterion::Entropy { .. } => Classes::<true>::impurity(stats, w),
            Criterion::SquaredError => squared_error(stats, w, data.target.outputs()),
            _ => self.summarise(data, rows, stats, w, ranks).0,
        }
    }
}

/// The variance from the statistics (Σw·y per output, Σw·y² over all) in
/// scikit-learn's order: Σw·y²/w, less each output's squared mean, over the outputs.
fn squared_error(stats: &[f64], w: f64, outputs: usize) -> f64 {
    let mut impurity = stats[outputs] / w;
    for s in &stats[..outputs] {
        let mean = s / w;
        impurity -= mean * mean;
    }
    impurity / outputs as f64
}

/// scikit-learn's `EPSILON`: a side whose target sum is at most this has no Poisson
/// mean to split on.
const POISSON_EPSILON: f64 = f64::EPSILON;

/// scikit-learn's half Poisson deviance of `rows` (target sums `sums` per output,
/// weight `w`): `Σ_outputs Σ_rows w·y·ln(y / ȳ) / (W·outputs)` (the `ȳ − y` terms sum
/// to zero), infinite when an output's sum is not positive.
fn poisson_loss(
    y: &[f64],
    outputs: usize,
    weights: &[f64],
    rows: &[u32],
    sums: &[f64],
    w: f64,
) -> f64 {
    let mut loss = 0.0;
    for (k, &sum) in sums.iter().enumerate() {
        if sum <= POISSON_EPSILON {
            return f64::INFINITY;
        }
        let mean = sum / w;
        for &i in rows {
            let yi = y[i as usize * outputs + k];
            let xlogy = if yi == 0.0 {
                0.0
            } else {
                yi * (yi / mean).ln()
            };
            loss += weights[i as usize] * xlogy;
        }
    }
    loss / (w * outputs as f64)
}

/// The ranks of a node's targets, per output: `sorted[k]` holds the node's targets of
/// output `k` in increasing order, `of[k][i]` the place of row `i` among them (valid
/// for the node's rows only).
pub(crate) struct Ranks {
    sorted: Vec<Vec<f64>>,
    of: Vec<Vec<u32>>,
}

impl Ranks {
    fn new(n: usize, outputs: usize) -> Self {
        Self {
            sorted: vec![Vec::new(); outputs],
            of: vec![vec![0; n]; outputs],
        }
    }

    /// Ranks the targets of `rows` (equal targets by row id).
    fn rank(&mut self, y: &[f64], rows: &[u32]) {
        let outputs = self.sorted.len();
        for (k, (sorted, of)) in self.sorted.iter_mut().zip(&mut self.of).enumerate() {
            let mut pairs: Vec<(f64, u32)> = rows
                .iter()
                .map(|&i| (y[i as usize * outputs + k], i))
                .collect();
            pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            sorted.clear();
            for (r, (v, i)) in pairs.into_iter().enumerate() {
                sorted.push(v);
                of[i as usize] = r as u32;
            }
        }
    }
}

/// The weighted median and absolute error of a growing set of targets, as
/// scikit-learn 1.9 keeps them: a Fenwick tree of weights and weighted targets over
/// the targets' ranks. The median is the first target whose cumulative weight passes
/// half the total, or, when some target's cumulative weight is exactly half, the
/// midpoint of it and the next one; the error comes from the prefix sums
/// (`Σ_right w·y − m·W_right + m·W_left − Σ_left w·y`).
struct MedianTracker<'a> {
    sorted: &'a [f64],
    /// 1-based Fenwick arrays.
    w: Vec<f64>,
    wy: Vec<f64>,
    total_w: f64,
    total_wy: f64,
    top_bit: usize,
}

impl<'a> MedianTracker<'a> {
    fn new(sorted: &'a [f64]) -> Self {
        let n = sorted.len();
        let top_bit = if n == 0 { 0 } else { 1 << n.ilog2() };
        Self {
            sorted,
            w: vec![0.0; n + 1],
            wy: vec![0.0; n + 1],
            total_w: 0.0,
            total_wy: 0.0,
            top_bit,
        }
    }

    fn clear(&mut self) {
        self.w.fill(0.0);
        self.wy.fill(0.0);
        self.total_w = 0.0;
        self.total_wy = 0.0;
    }

    /// Adds the target of rank `rank` with weight `weight`.
    fn add(&mut self, rank: usize, weight: f64) {
        let wy = weight * self.sorted[rank];
        let mut k = rank + 1;
        while k < self.w.len() {
            self.w[k] += weight;
            self.wy[k] += wy;
            k += k & k.wrapping_neg();
        }
        self.total_w += weight;
        self.total_wy += wy;
    }

    /// The weighted median of the targets added so far and their absolute error about
    /// it.
    fn median_and_error(&self) -> (f64, f64) {
        let half = 0.5 * self.total_w;
        // Walk down the tree, consuming whole blocks of weight below `half`; an exact
        // hit of `half` is resolved separately.
        let (mut at, mut w_left, mut wy_left) = (0, 0.0, 0.0);
        let mut target = half;
        let mut bit = self.top_bit;
        let mut exact = None;
        while bit != 0 {
            let next = at + bit;
            if next < self.w.len() {
                let block = self.w[next];
                if target == block {
                    exact = Some(bit);
                    break;
                } else if target > block {
                    target -= block;
                    at = next;
                    w_left += block;
                    wy_left += self.wy[next];
                }
            }
            bit >>= 1;
        }
        let median = match exact {
            None => self.sorted[at],
            Some(equal_bit) => {
                // The target whose cumulative weight is exactly half...
                let (mut prev, mut rest, mut bit) = (at, target, equal_bit);
                while bit != 0 {
                    let next = prev + bit;
                    if next < self.w.len() && rest > self.w[next] {
                        rest -= self.w[next];
                        prev = next;
                    }
                    bit >>= 1;
                }
                // ...and the first one past it.
                let (mut rest, mut bit) = (target, equal_bit);
                while bit != 0 {
                    let next = at + bit;
                    if next < self.w.len() && rest >= self.w[next] {
                        rest -= self.w[next];
                        at = next;
                        w_left += self.w[next];
                        wy_left += self.wy[next];
                    }
                    bit >>= 1;
                }
                (self.sorted[prev] + self.sorted[at]) / 2.0
            }
        };
        let (w_right, wy_right) = (self.total_w - w_left, self.total_wy - wy_left);
        let error = (wy_right - median * w_right) + (median * w_left - wy_left);
        (median, error)
    }
}

/// The training targets.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    /// Class codes in `0..k`.
    Classes(&'a [usize]),
    /// Real values, `outputs` per row (row-major).
    Values { y: &'a [f64], outputs: usize },
}

impl Target<'_> {
    /// The number of real values per row (1 for classes).
    fn outputs(&self) -> usize {
        match self {
            Target::Classes(_) => 1,
            Target::Values { outputs, .. } => *outputs,
        }
    }
}

/// The stopping rules and the feature sampling, resolved.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    pub(crate) max_depth: usize,
    pub(crate) min_samples_split: usize,
    pub(crate) min_samples_leaf: usize,
    pub(crate) min_weight_leaf: f64,
    pub(crate) min_impurity_decrease: f64,
    /// Non-constant features to evaluate per node.
    pub(crate) max_features: usize,
    /// Draw one random threshold per feature (scikit-learn's `splitter="random"`)
    /// instead of scanning every position.
    pub(crate) random_thresholds: bool,
    /// Grow best first up to this many leaves (scikit-learn's `max_leaf_nodes`).
    pub(crate) max_leaf_nodes: Option<usize>,
    pub(crate) seed: u64,
}

/// The training data as the builder reads it.
pub(crate) struct Data<'a> {
    /// Column-major `f32` features, `n` rows per column.
    pub(crate) columns: &'a [f32],
    pub(crate) n: usize,
    pub(crate) d: usize,
    pub(crate) target: Target<'a>,
    pub(crate) weights: &'a [f64],
    /// Whether each feature has a missing value (NaN) somewhere in training.
    pub(crate) missing: &'a [bool],
}

/// The best split found at a node.
#[derive(Debug, Clone)]
struct Best {
    feature: usize,
    threshold: f64,
    /// Rows going left, missing ones included.
    n_left: usize,
    /// Rows with a value (the first of the feature's order) going left.
    n_valued_left: usize,
    /// Where missing values go (scikit-learn's `missing_go_to_left`).
    missing_left: bool,
    proxy: f64,
    /// The left side's class weights and total weight, when the evaluation that found
    /// the split summed them in the order [`improvement_of`] would (the random
    /// splitter's), so the improvement need not sum them again.
    left_classes: Option<(Vec<f64>, f64)>,
}

impl Best {
    /// Whether a row with value `v` of the split feature goes left.
    #[inline]
    fn goes_left(&self, v: f32) -> bool {
        if v.is_nan() {
            self.missing_left
        } else {
            f64::from(v) <= self.threshold
        }
    }
}

/// Every feature's rows sorted by that feature's value, node by node: the rows of a
/// node are the same segment `start..end` of every feature's block, each in its
/// feature's order. Sorting happens once, at the root; a split then partitions each
/// block's segment stably (left rows first), which keeps every child's segments
/// sorted. A node costs `O(d · rows)` instead of a sort per feature.
struct Presorted {
    /// `d` blocks of `m` row ids.
    sorted: Vec<u32>,
    /// The feature values of `sorted`, in the same places (so scans read them in
    /// order instead of gathering).
    values: Vec<f32>,
    scratch: Vec<u32>,
    scratch_values: Vec<f32>,
    /// Whether each row goes left at the split being applied.
    goes_left: Vec<bool>,
    m: usize,
}

/// Every feature's rows sorted by value (ties by row, NaN last), for many trees grown
/// on the same features (a forest): each tree keeps the rows it uses from these blocks,
/// in `O(d · n)`, instead of sorting again.
pub(crate) struct SortedColumns {
    /// `d` blocks of `n` row ids.
    rows: Vec<u32>,
}

impl SortedColumns {
    /// The orders of `d` columns of `n` values (column-major `columns`).
    pub(crate) fn new(columns: &[f32], n: usize, d: usize) -> Self {
        let all: Vec<u32> = (0..n as u32).collect();
        let mut rows = vec![0u32; d * n];
        rows.par_chunks_mut(n.max(1))
            .zip(columns.par_chunks(n.max(1)))
            .for_each(|(block, column)| sort_rows(column, &all, block));
        Self { rows }
    }
}

/// `rows` sorted by their value in `column` (ties by row id, NaN last), written to
/// `out`.
fn sort_rows(column: &[f32], rows: &[u32], out: &mut [u32]) {
    // (value, row) packed into one integer ordered as the value: one integer
    // comparison per step of the sort.
    let mut keys: Vec<u64> = rows
        .iter()
        .map(|&i| (u64::from(kernels::ordered_bits_f32(column[i as usize])) << 32) | u64::from(i))
        .collect();
    keys.sort_unstable();
    for (slot, k) in out.iter_mut().zip(keys) {
        *slot = k as u32;
    }
}

impl Presorted {
    /// The `active` rows in every feature's order: sorted here, or kept from `sorted`
    /// (the same order, as `active` are the rows of positive weight).
    fn new(data: &Data<'_>, active: &[u32], sorted_columns: Option<&SortedColumns>) -> Self {
        let m = active.len();
        let mut sorted = vec![0u32; data.d * m];
        let mut values = vec![0f32; data.d * m];
        sorted
            .par_chunks_mut(m.max(1))
            .zip(values.par_chunks_mut(m.max(1)))
            .enumerate()
            .for_each(|(f, (block, block_values))| {
                match sorted_columns {
                    Some(all) => {
                        let kept = all.rows[f * data.n..(f + 1) * data.n]
                            .iter()
                            .filter(|&&i| data.weights[i as usize] > 0.0);
                        for (slot, &i) in block.iter_mut().zip(kept) {
                            *slot = i;
                        }
                    }
                    None => sort_rows(&data.columns[f * data.n..(f + 1) * data.n], active, block),
                }
                let column = &data.columns[f * data.n..(f + 1) * data.n];
                for (v, &i) in block_values.iter_mut().zip(block.iter()) {
                    *v = column[i as usize];
                }
            });
        Self {
            scratch: vec![0; sorted.len()],
            scratch_values: vec![0.0; sorted.len()],
            sorted,
            values,
            goes_left: vec![false; data.n],
            m,
        }
    }

    /// The node's rows in feature `f`'s order.
    fn segment(&self, f: usize, start: usize, end: usize) -> &[u32] {
        &self.sorted[f * self.m + start..f * self.m + end]
    }

    /// Their values of feature `f`.
    fn segment_values(&self, f: usize, start: usize, end: usize) -> &[f32] {
        &self.values[f * self.m + start..f * self.m + end]
    }

    /// Applies a split: the first `best.n_valued_left` rows of its feature's segment go
    /// left, and the rows missing the feature (NaN, last in the segment) go where the
    /// split sends them; every block's segment is partitioned stably, left rows first.
    fn split(&mut self, best: &Best, start: usize, end: usize) {
        let (feature, n_left) = (best.feature, best.n_left);
        let Presorted {
            sorted,
            values,
            scratch,
            scratch_values,
            goes_left,
            m,
        } = self;
        let m = *m;
        let segment = feature * m + start..feature * m + end;
        for (k, (&i, v)) in sorted[segment.clone()]
            .iter()
            .zip(&values[segment])
            .enumerate()
        {
            goes_left[i as usize] = if v.is_nan() {
                best.missing_left
            } else {
                k < best.n_valued_left
            };
        }
        let goes_left = &*goes_left;
        type Blocks<'b> = (
            (&'b mut [u32], &'b mut [f32]),
            (&'b mut [u32], &'b mut [f32]),
        );
        let partition = |((ids, vals), (tmp_ids, tmp_vals)): Blocks<'_>| {
            let (ids, vals) = (&mut ids[start..end], &mut vals[start..end]);
            let (tmp_ids, tmp_vals) = (&mut tmp_ids[start..end], &mut tmp_vals[start..end]);
            let mut slots = StableSlots::new(n_left);
            for (&i, &v) in ids.iter().zip(vals.iter()) {
                let slot = slots.next(goes_left[i as usize]);
                tmp_ids[slot] = i;
                tmp_vals[slot] = v;
            }
            ids.copy_from_slice(tmp_ids);
            vals.copy_from_slice(tmp_vals);
        };
        if end - start >= PARALLEL_ROWS {
            sorted
                .par_chunks_mut(m)
                .zip(values.par_chunks_mut(m))
                .zip(
                    scratch
                        .par_chunks_mut(m)
                        .zip(scratch_values.par_chunks_mut(m)),
                )
                .for_each(partition);
        } else {
            sorted
                .chunks_mut(m)
                .zip(values.chunks_mut(m))
                .zip(scratch.chunks_mut(m).zip(scratch_values.chunks_mut(m)))
                .for_each(partition);
        }
    }
}

/// Where a stable partition puts each next row: left rows from position 0, right rows
/// from `n_left`, each side in the order the rows come.
struct StableSlots {
    left: usize,
    right: usize,
}

impl StableSlots {
    fn new(n_left: usize) -> Self {
        Self {
            left: 0,
            right: n_left,
        }
    }

    #[inline(always)]
    fn next(&mut self, goes_left: bool) -> usize {
        let side = if goes_left {
            &mut self.left
        } else {
            &mut self.right
        };
        *side += 1;
        *side - 1
    }
}

/// The random splitter's rows: every node's rows are one segment of a single array, in
/// no particular order. It needs each drawn feature's range and one pass over the
/// node's rows, so it gathers the drawn features' values instead of keeping every
/// feature's order, and a split moves one array instead of `d` (100 extra trees on
/// 100 000 × 20: 9.8 s with the sorted layout, 6.6 s with this one; 5.6 s once the
/// chosen split's improvement reuses its evaluation's class weights).
struct Unsorted<'a> {
    rows: Vec<u32>,
    scratch: Vec<u32>,
    /// The features, column-major (a gather for one feature touches one column).
    columns: &'a [f32],
    n: usize,
}

impl<'a> Unsorted<'a> {
    fn new(data: &Data<'a>, active: Vec<u32>) -> Self {
        Self {
            scratch: vec![0; active.len()],
            rows: active,
            columns: data.columns,
            n: data.n,
        }
    }

    /// Feature `f` of row `i`.
    #[inline(always)]
    fn value(&self, i: u32, f: usize) -> f32 {
        self.columns[f * self.n + i as usize]
    }

    fn split(&mut self, best: &Best, start: usize, end: usize) {
        let Unsorted {
            rows,
            scratch,
            columns,
            n,
        } = self;
        let segment = &mut rows[start..end];
        let mut slots = StableSlots::new(best.n_left);
        let scratch = &mut scratch[..segment.len()];
        for &i in segment.iter() {
            scratch[slots.next(best.goes_left(columns[best.feature * *n + i as usize]))] = i;
        }
        segment.copy_from_slice(scratch);
    }
}

/// How the grower keeps the rows of its nodes: in every feature's order (the best
/// splitter, and the absolute error), or unordered (the random splitter).
enum Layout<'a> {
    Sorted(Presorted),
    Unsorted(Unsorted<'a>),
}

impl Layout<'_> {
    /// The number of rows taking part (the root's).
    fn len(&self) -> usize {
        match self {
            Layout::Sorted(p) => p.m,
            Layout::Unsorted(u) => u.rows.len(),
        }
    }

    /// The rows of the node `start..end`.
    fn node_rows(&self, start: usize, end: usize) -> &[u32] {
        match self {
            Layout::Sorted(p) => p.segment(0, start, end),
            Layout::Unsorted(u) => &u.rows[start..end],
        }
    }

    fn split(&mut self, best: &Best, start: usize, end: usize) {
        match self {
            Layout::Sorted(p) => p.split(best, start, end),
            Layout::Unsorted(u) => u.split(best, start, end),
        }
    }
}

/// Grows the tree on `data`: depth first, or best first when `rules.max_leaf_nodes`
/// is set.
pub(crate) fn grow(data: &Data<'_>, criterion: Criterion, rules: &Rules) -> Tree {
    grow_sorted(data, criterion, rules, None)
}

/// [`grow`], with the features' orders of every row given (rows of weight 0 skipped).
pub(crate) fn grow_sorted(
    data: &Data<'_>,
    criterion: Criterion,
    rules: &Rules,
    sorted: Option<&SortedColumns>,
) -> Tree {
    let mut grower = Grower::new(data, criterion, rules, sorted);
    match rules.max_leaf_nodes {
        None => grower.depth_first(),
        Some(max_leaf_nodes) => grower.best_first(max_leaf_nodes),
    }
    grower.finish()
}

/// A node waiting to be built.
#[derive(Debug, Clone, Copy)]
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    /// The parent and whether this is its left child.
    parent: Option<(usize, bool)>,
    /// How many features are known constant on the path from the root (the prefix of
    /// the splitter's constant-feature array).
    n_constant: usize,
}

/// A node just built: its id, rows and, when it splits, where its left child's rows
/// end and the split's improvement (0 for a leaf, as scikit-learn's frontier records).
#[derive(Debug, Clone, Copy)]
struct Built {
    id: usize,
    start: usize,
    end: usize,
    depth: usize,
    mid: Option<usize>,
    improvement: f64,
    n_constant: usize,
}

/// The growing tree and everything its nodes are built from.
struct Grower<'a> {
    data: &'a Data<'a>,
    criterion: Criterion,
    rules: &'a Rules,
    layout: Layout<'a>,
    splitter: Splitter,
    /// The targets' ranks at the node being built (absolute error only).
    ranks: Option<Ranks>,
    w_total: f64,
    /// Nodes in order of creation (pre-order when grown depth first).
    nodes: Vec<Node>,
    values: Vec<f64>,
}

impl<'a> Grower<'a> {
    fn new(
        data: &'a Data<'a>,
        criterion: Criterion,
        rules: &'a Rules,
        sorted: Option<&SortedColumns>,
    ) -> Self {
        // Rows of weight 0 take no part in a split (scikit-learn drops them as well).
        let active: Vec<u32> = (0..data.n)
            .filter(|&i| data.weights[i] > 0.0)
            .map(|i| i as u32)
            .collect();
        // The random splitter needs no orders, except for the absolute error's ranks.
        let layout = if rules.random_thresholds && criterion != Criterion::AbsoluteError {
            Layout::Unsorted(Unsorted::new(data, active))
        } else {
            Layout::Sorted(Presorted::new(data, &active, sorted))
        };
        Self {
            layout,
            splitter: Splitter::new(data.d, rules.seed),
            ranks: (criterion == Criterion::AbsoluteError)
                .then(|| Ranks::new(data.n, data.target.outputs())),
            w_total: data.weights.iter().sum(),
            nodes: Vec::new(),
            values: Vec::new(),
            data,
            criterion,
            rules,
        }
    }

    fn root(&self) -> Pending {
        Pending {
            start: 0,
            end: self.layout.len(),
            depth: 0,
            parent: None,
            n_constant: 0,
        }
    }

    /// scikit-learn's `DepthFirstTreeBuilder`: a stack, right child pushed first, so
    /// node ids are in pre-order.
    fn depth_first(&mut self) {
        let mut stack = vec![self.root()];
        while let Some(p) = stack.pop() {
            let built = self.build(p);
            if let Some(mid) = built.mid {
                stack.extend(built.children(mid, built.n_constant).into_iter().rev());
            }
        }
    }

    /// scikit-learn's `BestFirstTreeBuilder`: the frontier node of largest improvement
    /// is expanded next, until `max_leaf_nodes` leaves; a node's split is searched when
    /// the node is created (so the generator's draws follow creation order), and the
    /// known constant features are forgotten at every node.
    fn best_first(&mut self, max_leaf_nodes: usize) {
        let mut frontier = Frontier::default();
        let root = self.build(self.root());
        frontier.push(root);
        let mut splits_left = max_leaf_nodes - 1;
        while let Some(record) = frontier.pop() {
            match record.mid {
                Some(mid) if splits_left > 0 => {
                    splits_left -= 1;
                    for child in record.children(mid, 0) {
                        let built = self.build(child);
                        frontier.push(built);
                    }
                }
                // Out of leaves: a node searched as a split stays a leaf.
                _ => self.nodes[record.id].split = None,
            }
        }
    }

    /// The tree, renumbered in pre-order (best-first growth creates nodes in another
    /// order).
    fn finish(self) -> Tree {
        let width = self.criterion.value_width(&self.data.target);
        let (nodes, values) = preorder(self.nodes, &self.values, width);
        Tree::new(nodes, values, width, self.data.d)
    }

    /// Builds the node of rows `p.start..p.end`: its statistics, impurity and values,
    /// and, unless a stopping rule makes it a leaf, its best split, whose partition is
    /// applied at once.
    fn build(&mut self, p: Pending) -> Built {
        let (data, criterion, rules) = (self.data, self.criterion, self.rules);
        let node_rows = self.layout.node_rows(p.start, p.end);
        let mut stats = vec![0.0; criterion.width(&data.target)];
        let w_node = criterion.add_rows(&mut stats, &data.target, node_rows, data.weights);
        if let (Some(ranks), Target::Values { y, .. }) = (self.ranks.as_mut(), &data.target) {
            ranks.rank(y, node_rows);
        }
        let ranks = self.ranks.as_ref();
        let (impurity, values) = criterion.summarise(data, node_rows, &stats, w_node, ranks);
        let id = self.nodes.len();
        if let Some((parent, is_left)) = p.parent
            && let Some(s) = self.nodes[parent].split.as_mut()
        {
            if is_left {
                s.left = id;
            } else {
                s.right = id;
            }
        }
        self.values.extend(values);
        let n_node = node_rows.len();
        let mut leaf = p.depth >= rules.max_depth
            || n_node < rules.min_samples_split
            || n_node < 2 * rules.min_samples_leaf
            || w_node < 2.0 * rules.min_weight_leaf
            || impurity <= f64::EPSILON;
        let mut n_constant = p.n_constant;
        let mut chosen = None;
        if !leaf {
            let node = NodeView {
                layout: &self.layout,
                start: p.start,
                end: p.end,
                total: &stats,
                w_node,
                ranks,
                missing: data.missing,
            };
            let (best, found_constant) =
                self.splitter
                    .node_split(data, criterion, rules, &node, p.n_constant);
            n_constant = found_constant;
            match best {
                None => leaf = true,
                Some(best) => {
                    let improvement =
                        improvement_of(data, criterion, &node, &best, impurity, self.w_total);
                    if improvement + f64::EPSILON < rules.min_impurity_decrease {
                        leaf = true;
                    } else {
                        chosen = Some((best, improvement));
                    }
                }
            }
        }
        let chosen = if leaf { None } else { chosen };
        self.nodes.push(Node {
            split: chosen.as_ref().map(|(best, _)| Split {
                feature: best.feature,
                threshold: best.threshold,
                left: 0,
                right: 0,
                missing_go_to_left: best.missing_left,
            }),
            impurity,
            n_samples: n_node,
            weighted_n_samples: w_node,
        });
        if let Some((best, _)) = &chosen {
            self.layout.split(best, p.start, p.end);
        }
        Built {
            id,
            start: p.start,
            end: p.end,
            depth: p.depth,
            mid: chosen.as_ref().map(|(best, _)| p.start + best.n_left),
            improvement: chosen.map_or(0.0, |(_, improvement)| improvement),
            n_constant,
        }
    }
}

impl Built {
    /// The left and right children of a node split at `mid`.
    fn children(&self, mid: usize, n_constant: usize) -> [Pending; 2] {
        let child = |start, end, is_left| Pending {
            start,
            end,
            depth: self.depth + 1,
            parent: Some((self.id, is_left)),
            n_constant,
        };
        [child(self.start, mid, true), child(mid, self.end, false)]
    }
}

/// The best-first frontier: a max-heap on improvement making exactly the moves of
/// C++'s `std::push_heap` / `std::pop_heap` (libstdc++), which scikit-learn's builder
/// uses, so records of equal improvement come out in the same order as there.
#[derive(Default)]
struct Frontier {
    heap: Vec<Built>,
}

impl Frontier {
    fn push(&mut self, record: Built) {
        self.heap.push(record);
        let hole = self.heap.len() - 1;
        self.sift_up(hole, 0, record);
    }

    fn pop(&mut self) -> Option<Built> {
        let len = self.heap.len();
        if len > 1 {
            // The top goes to the end; the old last element refills the heap of the
            // first `len - 1` from the top down.
            let last = self.heap[len - 1];
            self.heap[len - 1] = self.heap[0];
            self.adjust(len - 1, last);
        }
        self.heap.pop()
    }

    /// libstdc++'s `__adjust_heap` from the root over the first `len` records: the
    /// hole walks down to a leaf through the larger children (the right one unless the
    /// left is strictly larger), then `value` sifts up from there.
    fn adjust(&mut self, len: usize, value: Built) {
        let below = |a: &Built, b: &Built| a.improvement < b.improvement;
        let mut hole = 0;
        let mut child = 0;
        while child < (len - 1) / 2 {
            child = 2 * (child + 1);
            if below(&self.heap[child], &self.heap[child - 1]) {
                child -= 1;
            }
            self.heap[hole] = self.heap[child];
            hole = child;
        }
        if len.is_multiple_of(2) && child == (len - 2) / 2 {
            child = 2 * (child + 1);
            self.heap[hole] = self.heap[child - 1];
            hole = child - 1;
        }
        self.sift_up(hole, 0, value);
    }

    /// libstdc++'s `__push_heap`: `value` rises from `hole` while its parent is
    /// strictly smaller.
    fn sift_up(&mut self, mut hole: usize, top: usize, value: Built) {
        while hole > top {
            let parent = (hole - 1) / 2;
            if self.heap[parent].improvement < value.improvement {
                self.heap[hole] = self.heap[parent];
                hole = parent;
            } else {
                break;
            }
        }
        self.heap[hole] = value;
    }
}

/// Nodes (and their rows of `width` values) renumbered in pre-order from the root.
fn preorder(nodes: Vec<Node>, values: &[f64], width: usize) -> (Vec<Node>, Vec<f64>) {
    let mut order = Vec::with_capacity(nodes.len());
    let mut new_id = vec![0; nodes.len()];
    let mut stack = vec![0];
    while let Some(id) = stack.pop() {
        new_id[id] = order.len();
        order.push(id);
        if let Some(s) = nodes[id].split {
            stack.push(s.right);
            stack.push(s.left);
        }
    }
    let mut out_values = Vec::with_capacity(order.len() * width);
    let out_nodes = order
        .iter()
        .map(|&old| {
            let mut node = nodes[old];
            if let Some(s) = node.split.as_mut() {
                s.left = new_id[s.left];
                s.right = new_id[s.right];
            }
            out_values.extend_from_slice(&values[old * width..(old + 1) * width]);
            node
        })
        .collect();
    (out_nodes, out_values)
}

/// A node being split: its segment of the rows and its statistics.
struct NodeView<'a> {
    layout: &'a Layout<'a>,
    start: usize,
    end: usize,
    /// The criterion's statistics over the node's rows.
    total: &'a [f64],
    w_node: f64,
    /// The ranks of the node's targets (absolute error only).
    ranks: Option<&'a Ranks>,
    /// Whether each feature has a missing value somewhere in training.
    missing: &'a [bool],
}

impl NodeView<'_> {
    /// The node's rows in every feature's order (the sorted layout only: the best
    /// splitter and the absolute error, which the grower gives that layout).
    fn sorted(&self) -> &Presorted {
        match self.layout {
            Layout::Sorted(p) => p,
            Layout::Unsorted(_) => unreachable!("the best splitter grows on sorted rows"),
        }
    }

    /// How many of the node's rows miss feature `f` (NaN sorts last).
    fn n_missing(&self, f: usize) -> usize {
        if !self.missing[f] {
            return 0;
        }
        let values = self.values(f);
        values.len() - values.partition_point(|v| !v.is_nan())
    }

    fn rows(&self, f: usize) -> &[u32] {
        self.sorted().segment(f, self.start, self.end)
    }

    fn values(&self, f: usize) -> &[f32] {
        self.sorted().segment_values(f, self.start, self.end)
    }

    /// Feature `f` at the node: how many rows miss it, and the smallest and largest
    /// of the other values (`None` when every row misses it).
    fn range(&self, f: usize) -> (usize, Option<(f32, f32)>) {
        match self.layout {
            Layout::Sorted(_) => {
                let n_missing = self.n_missing(f);
                let valued = &self.values(f)[..self.end - self.start - n_missing];
                let ends = (!valued.is_empty()).then(|| (valued[0], valued[valued.len() - 1]));
                (n_missing, ends)
            }
            Layout::Unsorted(u) => {
                let (mut n_missing, mut lo, mut hi) = (0, f32::INFINITY, f32::NEG_INFINITY);
                for &i in &u.rows[self.start..self.end] {
                    let v = u.value(i, f);
                    if v.is_nan() {
                        n_missing += 1;
                    } else {
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
                let valued = n_missing < self.end - self.start;
                (n_missing, valued.then_some((lo, hi)))
            }
        }
    }
}

/// scikit-learn's splitter state: the feature array it permutes in place from node to
/// node, the features found constant (a prefix shared by a subtree), its generator.
struct Splitter {
    features: Vec<usize>,
    constant_features: Vec<usize>,
    rng: SplitterRng,
}

impl Splitter {
    fn new(d: usize, seed: u64) -> Self {
        Self {
            features: (0..d).collect(),
            constant_features: vec![0; d],
            rng: SplitterRng::new(seed),
        }
    }

    /// The best split of a node whose first `n_known` constant features are known:
    /// the features are drawn as `node_split_best` draws them (a known constant drawn
    /// counts as visited; a feature found constant neither counts towards
    /// `max_features` nor is evaluated), then the drawn ones are scanned. Returns the
    /// best split, if any position satisfies the leaf rules, and the number of
    /// features known constant for the children.
    fn node_split(
        &mut self,
        data: &Data<'_>,
        criterion: Criterion,
        rules: &Rules,
        node: &NodeView<'_>,
        n_known: usize,
    ) -> (Option<Best>, usize) {
        let mut f_i = data.d;
        let (mut n_drawn, mut n_found, mut n_total) = (0, 0, n_known);
        let mut visited = 0;
        // Drawn features, with the random splitter's threshold and side for missing
        // values.
        let mut drawn: Vec<(usize, Option<(f64, bool)>)> = Vec::new();
        while f_i > n_total && (visited < rules.max_features || visited <= n_found + n_drawn) {
            visited += 1;
            let mut f_j = self.rng.below(n_drawn, f_i - n_found);
            if f_j < n_known {
                self.features.swap(n_drawn, f_j);
                n_drawn += 1;
                continue;
            }
            f_j += n_found;
            let f = self.features[f_j];
            let (n_missing, ends) = node.range(f);
            // All missing, or one value and none missing.
            let constant = match ends {
                None => true,
                Some((lo, hi)) => n_missing == 0 && is_constant(lo, hi),
            };
            if constant {
                self.features.swap(f_j, n_total);
                n_found += 1;
                n_total += 1;
                continue;
            }
            f_i -= 1;
            self.features.swap(f_i, f_j);
            let threshold = rules.random_thresholds.then(|| {
                let (lo, hi) = ends.map_or((0.0, 0.0), |(lo, hi)| (f64::from(lo), f64::from(hi)));
                let t = self.rng.uniform(lo, hi);
                let missing_left = n_missing > 0 && self.rng.below(0, 2) == 1;
                (if t == hi { lo } else { t }, missing_left)
            });
            drawn.push((f, threshold));
        }
        // The prefix of known constants keeps its order for siblings and descendants;
        // the newly found ones join it.
        self.features[..n_known].copy_from_slice(&self.constant_features[..n_known]);
        self.constant_features[n_known..n_known + n_found]
            .copy_from_slice(&self.features[n_known..n_known + n_found]);
        let parallel = node.end - node.start >= PARALLEL_ROWS && drawn.len() > 1;
        let evaluate = |&(f, threshold): &(usize, Option<(f64, bool)>)| match threshold {
            Some((t, missing_left)) => evaluate_feature(
                data,
                criterion,
                rules,
                node,
                f,
                &AtThreshold(t, missing_left),
            ),
            None => evaluate_feature(data, criterion, rules, node, f, &EveryPosition),
        };
        let scans: Vec<Option<Best>> = if parallel {
            drawn.par_iter().map(evaluate).collect()
        } else {
            drawn.iter().map(evaluate).collect()
        };
        let mut best: Option<Best> = None;
        for b in scans.into_iter().flatten() {
            if best.as_ref().is_none_or(|cur| b.proxy > cur.proxy) {
                best = Some(b);
            }
        }
        (best, n_total)
    }
}

/// Whether a feature is constant on a node whose values of it span `lo..=hi`: its
/// range within 1e-7, as scikit-learn finds it.
fn is_constant(lo: f32, hi: f32) -> bool {
    f64::from(hi) <= f64::from(lo) + FEATURE_THRESHOLD
}

/// How a drawn feature's split is looked for, given the criterion's left-side
/// statistics (monomorphised per criterion, so the inner loops have no dispatch).
trait Evaluate {
    fn run<S: LeftStats + Clone>(
        &self,
        rules: &Rules,
        node: &NodeView<'_>,
        f: usize,
        stats: S,
    ) -> Option<Best>;
}

/// The best splitter: every admissible position of the feature.
struct EveryPosition;

impl Evaluate for EveryPosition {
    fn run<S: LeftStats + Clone>(
        &self,
        rules: &Rules,
        node: &NodeView<'_>,
        f: usize,
        stats: S,
    ) -> Option<Best> {
        scan(rules, node, f, stats)
    }
}

/// The random splitter: one drawn threshold, rows at most it going left, and the
/// drawn side for rows missing the feature.
struct AtThreshold(f64, bool);

impl Evaluate for AtThreshold {
    fn run<S: LeftStats + Clone>(
        &self,
        rules: &Rules,
        node: &NodeView<'_>,
        f: usize,
        stats: S,
    ) -> Option<Best> {
        evaluate_at(rules, node, f, (self.0, self.1), stats)
    }
}

/// The split of (non-constant) feature `f` that `how` finds, with the criterion's
/// statistics; `None` when no admissible split satisfies the leaf rules.
fn evaluate_feature<E: Evaluate>(
    data: &Data<'_>,
    criterion: Criterion,
    rules: &Rules,
    node: &NodeView<'_>,
    f: usize,
    how: &E,
) -> Option<Best> {
    let weights = data.weights;
    match (criterion, &data.target) {
        (Criterion::Gini { .. }, Target::Classes(codes)) => how.run(
            rules,
            node,
            f,
            Classes::<false>::new(codes, weights, node.total),
        ),
        (Criterion::Entropy { .. }, Target::Classes(codes)) => how.run(
            rules,
            node,
            f,
            Classes::<true>::new(codes, weights, node.total),
        ),
        (Criterion::SquaredError, &Target::Values { y, outputs: 1 }) => {
            how.run(rules, node, f, Sums::<false>::new(y, weights, node.total))
        }
        (Criterion::Poisson, &Target::Values { y, outputs: 1 }) => {
            how.run(rules, node, f, Sums::<true>::new(y, weights, node.total))
        }
        (Criterion::SquaredError, &Target::Values { y, outputs }) => how.run(
            rules,
            node,
            f,
            OutputSums::<false>::new(y, outputs, weights, node.total),
        ),
        (Criterion::Poisson, &Target::Values { y, outputs }) => how.run(
            rules,
            node,
            f,
            OutputSums::<true>::new(y, outputs, weights, node.total),
        ),
        (Criterion::AbsoluteError, Target::Values { .. }) => {
            how.run(rules, node, f, AbsoluteErrors::new(data, node, f))
        }
        _ => None,
    }
}

fn evaluate_at<S: LeftStats>(
    rules: &Rules,
    node: &NodeView<'_>,
    f: usize,
    (threshold, missing_left): (f64, bool),
    mut stats: S,
) -> Option<Best> {
    let n = node.end - node.start;
    let (q, n_missing) = match node.layout {
        Layout::Sorted(_) => {
            let (rows, values) = (node.rows(f), node.values(f));
            let n_missing = node.n_missing(f);
            let end = n - n_missing;
            let q = values[..end].partition_point(|&v| f64::from(v) <= threshold);
            let n_left = q + if missing_left { n_missing } else { 0 };
            if n_left < rules.min_samples_leaf || n - n_left < rules.min_samples_leaf {
                return None;
            }
            rows[..q].iter().for_each(|&i| stats.add(i as usize));
            if missing_left {
                rows[end..].iter().for_each(|&i| stats.add(i as usize));
            }
            (q, n_missing)
        }
        Layout::Unsorted(u) => {
            // One pass: the rows going left join the statistics as they come.
            let (mut q, mut n_missing) = (0, 0);
            for &i in &u.rows[node.start..node.end] {
                let v = u.value(i, f);
                let left = if v.is_nan() {
                    n_missing += 1;
                    missing_left
                } else {
                    let left = f64::from(v) <= threshold;
                    q += usize::from(left);
                    left
                };
                if left {
                    stats.add(i as usize);
                }
            }
            let n_left = q + if missing_left { n_missing } else { 0 };
            if n_left < rules.min_samples_leaf || n - n_left < rules.min_samples_leaf {
                return None;
            }
            (q, n_missing)
        }
    };
    let n_left = q + if missing_left { n_missing } else { 0 };
    let wl = stats.weight_left();
    let wr = node.w_node - wl;
    if wl < rules.min_weight_leaf || wr < rules.min_weight_leaf {
        return None;
    }
    let proxy = stats.proxy(wr);
    // A split no criterion value can rank (a Poisson side without a positive sum) is
    // never taken, as scikit-learn's search starts from −∞ with a strict `>`.
    (proxy > f64::NEG_INFINITY).then(|| Best {
        feature: f,
        threshold,
        n_left,
        n_valued_left: q,
        missing_left: if n_missing == 0 {
            n_left > n - n_left
        } else {
            missing_left
        },
        proxy,
        left_classes: stats.take_class_weights().map(|left| (left, wl)),
    })
}

/// The left side's statistics during a scan, and the proxy of a split there.
trait LeftStats {
    /// Moves row `i` to the left side.
    fn add(&mut self, i: usize);
    /// The left side's weight.
    fn weight_left(&self) -> f64;
    /// scikit-learn's proxy improvement of the split with `wr` on the right.
    fn proxy(&mut self, wr: f64) -> f64;
    /// The left side's class weights, in the criterion's layout (classifiers only).
    fn take_class_weights(&mut self) -> Option<Vec<f64>> {
        None
    }
}

/// Class weights on the left, Gini (`ENTROPY = false`) or entropy in bits.
#[derive(Clone)]
struct Classes<'a, const ENTROPY: bool> {
    codes: &'a [usize],
    weights: &'a [f64],
    total: &'a [f64],
    left: Vec<f64>,
    right: Vec<f64>,
    wl: f64,
}

impl<'a, const ENTROPY: bool> Classes<'a, ENTROPY> {
    fn new(codes: &'a [usize], weights: &'a [f64], total: &'a [f64]) -> Self {
        Self {
            codes,
            weights,
            total,
            left: vec![0.0; total.len()],
            right: vec![0.0; total.len()],
            wl: 0.0,
        }
    }

    fn impurity(counts: &[f64], w: f64) -> f64 {
        if ENTROPY {
            counts
                .iter()
                .filter(|&&c| c > 0.0)
                .map(|&c| {
                    let p = c / w;
                    -p * (p.ln() / std::f64::consts::LN_2)
                })
                .sum()
        } else {
            gini(counts.iter().map(|c| c * c).sum(), w)
        }
    }
}

/// Gini impurity from the sum of the squared class weights `sq` and their total `w`.
#[inline(always)]
fn gini(sq: f64, w: f64) -> f64 {
    1.0 - sq / (w * w)
}

impl<const ENTROPY: bool> LeftStats for Classes<'_, ENTROPY> {
    fn take_class_weights(&mut self) -> Option<Vec<f64>> {
        Some(std::mem::take(&mut self.left))
    }

    #[inline(always)]
    fn add(&mut self, i: usize) {
        let w = self.weights[i];
        self.left[self.codes[i]] += w;
        self.wl += w;
    }

    #[inline(always)]
    fn weight_left(&self) -> f64 {
        self.wl
    }

    #[inline(always)]
    fn proxy(&mut self, wr: f64) -> f64 {
        let wl = self.wl;
        if !ENTROPY {
            // Gini, fused: Σ over classes of left² and right², in class order as
            // scikit-learn sums them.
            let (mut sq_l, mut sq_r) = (0.0, 0.0);
            for (t, l) in self.total.iter().zip(&self.left) {
                let r = t - l;
                sq_l += l * l;
                sq_r += r * r;
            }
            return -wl * gini(sq_l, wl) - wr * gini(sq_r, wr);
        }
        for ((r, t), l) in self.right.iter_mut().zip(self.total).zip(&self.left) {
            *r = t - l;
        }
        -wl * Self::impurity(&self.left, wl) - wr * Self::impurity(&self.right, wr)
    }
}

/// Σw·y on the left, for the squared error (`POISSON = false`: the proxy is
/// `Σ_L²/w_L + Σ_R²/w_R`) or the Poisson deviance (the proxy is
/// `Σ_L·ln(Σ_L/w_L) + Σ_R·ln(Σ_R/w_R)`, −∞ when a side's sum is not positive).
#[derive(Clone)]
struct Sums<'a, const POISSON: bool> {
    y: &'a [f64],
    weights: &'a [f64],
    total_sum: f64,
    sum: f64,
    wl: f64,
}

impl<'a, const POISSON: bool> Sums<'a, POISSON> {
    fn new(y: &'a [f64], weights: &'a [f64], total: &[f64]) -> Self {
        Self {
            y,
            weights,
            total_sum: total[0],
            sum: 0.0,
            wl: 0.0,
        }
    }
}

impl<const POISSON: bool> LeftStats for Sums<'_, POISSON> {
    #[inline(always)]
    fn add(&mut self, i: usize) {
        let w = self.weights[i];
        self.sum += w * self.y[i];
        self.wl += w;
    }

    #[inline(always)]
    fn weight_left(&self) -> f64 {
        self.wl
    }

    #[inline(always)]
    fn proxy(&mut self, wr: f64) -> f64 {
        let right = self.total_sum - self.sum;
        if POISSON {
            if self.sum <= POISSON_EPSILON || right <= POISSON_EPSILON {
                return f64::NEG_INFINITY;
            }
            return self.sum * (self.sum / self.wl).ln() + right * (right / wr).ln();
        }
        self.sum * self.sum / self.wl + right * right / wr
    }
}

/// [`Sums`] for several outputs, summed as scikit-learn sums them: the squared error's
/// proxy `Σ_k Σ_L,k² / w_L + Σ_k Σ_R,k² / w_R`, Poisson's `Σ_k` of its per-output terms.
#[derive(Clone)]
struct OutputSums<'a, const POISSON: bool> {
    y: &'a [f64],
    outputs: usize,
    weights: &'a [f64],
    total: &'a [f64],
    sums: Vec<f64>,
    wl: f64,
}

impl<'a, const POISSON: bool> OutputSums<'a, POISSON> {
    fn new(y: &'a [f64], outputs: usize, weights: &'a [f64], total: &'a [f64]) -> Self {
        Self {
            y,
            outputs,
            weights,
            total,
            sums: vec![0.0; outputs],
            wl: 0.0,
        }
    }
}

impl<const POISSON: bool> LeftStats for OutputSums<'_, POISSON> {
    #[inline]
    fn add(&mut self, i: usize) {
        let w = self.weights[i];
        let row = &self.y[i * self.outputs..(i + 1) * self.outputs];
        for (s, &yk) in self.sums.iter_mut().zip(row) {
            *s += w * yk;
        }
        self.wl += w;
    }

    #[inline]
    fn weight_left(&self) -> f64 {
        self.wl
    }

    #[inline]
    fn proxy(&mut self, wr: f64) -> f64 {
        let (mut left, mut right) = (0.0, 0.0);
        for (&s, &t) in self.sums.iter().zip(self.total) {
            let r = t - s;
            if POISSON {
                if s <= POISSON_EPSILON || r <= POISSON_EPSILON {
                    return f64::NEG_INFINITY;
                }
                left -= s * (s / self.wl).ln();
                right -= r * (r / wr).ln();
            } else {
                left += s * s;
                right += r * r;
            }
        }
        if POISSON {
            -left - right
        } else {
            left / self.wl + right / wr
        }
    }
}

/// The absolute errors of every prefix and suffix of the node's rows in a feature's
/// order, computed up front (two passes of a [`MedianTracker`], `O(n log n)`), as
/// scikit-learn 1.9 does; the scan then only counts rows and weight.
#[derive(Clone)]
struct AbsoluteErrors<'a> {
    weights: &'a [f64],
    /// `prefix[k]`: the error of the first `k + 1` rows.
    prefix: Vec<f64>,
    /// `suffix[k]`: the error of rows `k..`.
    suffix: Vec<f64>,
    /// The errors are summed over this many outputs.
    outputs: f64,
    n_left: usize,
    wl: f64,
}

impl<'a> AbsoluteErrors<'a> {
    fn new(data: &'a Data<'_>, node: &NodeView<'_>, f: usize) -> Self {
        let ranks = node
            .ranks
            .expect("the absolute error ranks every node's targets");
        let rows = node.rows(f);
        let mut prefix = vec![0.0; rows.len()];
        let mut suffix = vec![0.0; rows.len()];
        // Per output, a forward and a backward pass add each prefix's and suffix's
        // error (scikit-learn's order).
        for (sorted, of) in ranks.sorted.iter().zip(&ranks.of) {
            let mut tracker = MedianTracker::new(sorted);
            for (&i, slot) in rows.iter().zip(prefix.iter_mut()) {
                tracker.add(of[i as usize] as usize, data.weights[i as usize]);
                *slot += tracker.median_and_error().1;
            }
            tracker.clear();
            for (&i, slot) in rows.iter().rev().zip(suffix.iter_mut().rev()) {
                tracker.add(of[i as usize] as usize, data.weights[i as usize]);
                *slot += tracker.median_and_error().1;
            }
        }
        Self {
            weights: data.weights,
            prefix,
            suffix,
            outputs: ranks.sorted.len() as f64,
            n_left: 0,
            wl: 0.0,
        }
    }
}

impl LeftStats for AbsoluteErrors<'_> {
    #[inline(always)]
    fn add(&mut self, i: usize) {
        self.wl += self.weights[i];
        self.n_left += 1;
    }

    #[inline(always)]
    fn weight_left(&self) -> f64 {
        self.wl
    }

    #[inline(always)]
    fn proxy(&mut self, wr: f64) -> f64 {
        // scikit-learn's `−w_R·imp_R − w_L·imp_L` with `imp = error / (w·outputs)`,
        // rounded alike.
        let (wl, k, outputs) = (self.wl, self.n_left, self.outputs);
        -wr * (self.suffix[k] / (wr * outputs)) - wl * (self.prefix[k - 1] / (wl * outputs))
    }
}

/// scikit-learn's best-split search of one feature: positions between values more than
/// 1e-7 apart, the rows missing the feature (last in its order) on the right, with the
/// split "every value left, every missing right" as the last position; then, when some
/// rows miss it, the same positions with the missing rows on the left. The first
/// strictly best proxy wins.
fn scan<S: LeftStats + Clone>(
    rules: &Rules,
    node: &NodeView<'_>,
    f: usize,
    stats: S,
) -> Option<Best> {
    let n_missing = node.n_missing(f);
    let mut best = Pass {
        rules,
        node,
        f,
        n_missing,
        best: None,
        best_proxy: f64::NEG_INFINITY,
    };
    if n_missing == 0 {
        best.run(stats, false);
    } else {
        best.run(stats.clone(), false);
        best.run(stats, true);
    }
    best.best
}

/// The positions of one pass of [`scan`] and the best split so far.
struct Pass<'a, 'n> {
    rules: &'a Rules,
    node: &'a NodeView<'n>,
    f: usize,
    n_missing: usize,
    best: Option<Best>,
    best_proxy: f64,
}

impl Pass<'_, '_> {
    #[inline(always)]
    fn run<S: LeftStats>(&mut self, mut stats: S, missing_left: bool) {
        let (rules, f) = (self.rules, self.f);
        let rows = self.node.rows(f);
        let values = self.node.values(f);
        let value = |k: usize| f64::from(values[k]);
        let n = rows.len();
        let n_missing = self.n_missing;
        let end = n - n_missing;
        let offset = if missing_left {
            rows[end..].iter().for_each(|&i| stats.add(i as usize));
            n_missing
        } else {
            0
        };
        let mut added = 0;
        let mut q = 0;
        while q < end {
            // The next position: past every value within 1e-7 of the one before it.
            while q + 1 < end && value(q + 1) <= value(q) + FEATURE_THRESHOLD {
                q += 1;
            }
            q += 1;
            if q == end && (missing_left || n_missing == 0) {
                break;
            }
            let n_left = q + offset;
            if n_left < rules.min_samples_leaf || n - n_left < rules.min_samples_leaf {
                continue;
            }
            while added < q {
                stats.add(rows[added] as usize);
                added += 1;
            }
            let wl = stats.weight_left();
            let wr = self.node.w_node - wl;
            if wl < rules.min_weight_leaf || wr < rules.min_weight_leaf {
                continue;
            }
            let proxy = stats.proxy(wr);
            if proxy > self.best_proxy {
                self.best_proxy = proxy;
                self.best = Some(Best {
                    feature: f,
                    // Every value left, every missing right: the threshold is +∞.
                    threshold: if q == end {
                        f64::INFINITY
                    } else {
                        value(q - 1) / 2.0 + value(q) / 2.0
                    },
                    n_left,
                    n_valued_left: q,
                    missing_left: if n_missing == 0 {
                        n_left > n - n_left
                    } else {
                        missing_left
                    },
                    proxy,
                    left_classes: None,
                });
            }
        }
    }
}

/// scikit-learn's `impurity_improvement` of a split, from impurities computed on the
/// children's rows: `(w_t/W)·(imp_t − (w_R/w_t)·imp_R − (w_L/w_t)·imp_L)`.
fn improvement_of(
    data: &Data<'_>,
    criterion: Criterion,
    node: &NodeView<'_>,
    best: &Best,
    impurity: f64,
    w_total: f64,
) -> f64 {
    if let Some((left, wl)) = &best.left_classes {
        return improvement_from(
            data,
            criterion,
            node,
            (left, *wl),
            (&[], &[]),
            impurity,
            w_total,
        );
    }
    use std::borrow::Cow;
    fn join<'r>(a: &'r [u32], b: &[u32]) -> Cow<'r, [u32]> {
        if b.is_empty() {
            Cow::Borrowed(a)
        } else {
            Cow::Owned(a.iter().chain(b).copied().collect())
        }
    }
    let (left_rows, right_rows): (Cow<'_, [u32]>, Cow<'_, [u32]>) = match node.layout {
        Layout::Sorted(_) => {
            let rows = node.rows(best.feature);
            let end = rows.len() - node.n_missing(best.feature);
            let (valued, missing) = rows.split_at(end);
            let (left_valued, right_valued) = valued.split_at(best.n_valued_left);
            if best.missing_left {
                (join(left_valued, missing), join(right_valued, &[]))
            } else {
                (join(left_valued, &[]), join(right_valued, missing))
            }
        }
        // Poisson's impurity reads the rows; the others' only the statistics.
        Layout::Unsorted(u) if criterion == Criterion::Poisson => {
            let (left, right): (Vec<u32>, Vec<u32>) = u.rows[node.start..node.end]
                .iter()
                .partition(|&&i| best.goes_left(u.value(i, best.feature)));
            (Cow::Owned(left), Cow::Owned(right))
        }
        Layout::Unsorted(u) => {
            let mut left = vec![0.0; node.total.len()];
            let mut wl = 0.0;
            for &i in &u.rows[node.start..node.end] {
                if best.goes_left(u.value(i, best.feature)) {
                    let i = i as usize;
                    criterion.add(&mut left, &data.target, i, data.weights[i]);
                    wl += data.weights[i];
                }
            }
            return improvement_from(
                data,
                criterion,
                node,
                (&left, wl),
                (&[], &[]),
                impurity,
                w_total,
            );
        }
    };
    let (left_rows, right_rows) = (&left_rows[..], &right_rows[..]);
    let mut left = vec![0.0; node.total.len()];
    let wl = criterion.add_rows(&mut left, &data.target, left_rows, data.weights);
    improvement_from(
        data,
        criterion,
        node,
        (&left, wl),
        (left_rows, right_rows),
        impurity,
        w_total,
    )
}

/// [`improvement_of`] from the left side's statistics and weight (and the sides' rows,
/// which only the Poisson and absolute-error impurities read).
fn improvement_from(
    data: &Data<'_>,
    criterion: Criterion,
    node: &NodeView<'_>,
    (left, wl): (&[f64], f64),
    (left_rows, right_rows): (&[u32], &[u32]),
    impurity: f64,
    w_total: f64,
) -> f64 {
    let right: Vec<f64> = node.total.iter().zip(left).map(|(t, l)| t - l).collect();
    let wr = node.w_node - wl;
    let il = criterion.impurity(data, left_rows, left, wl, node.ranks);
    let ir = criterion.impurity(data, right_rows, &right, wr, node.ranks);
    (node.w_node / w_total) * (impurity - wr / node.w_node * ir - wl / node.w_node * il)
}
