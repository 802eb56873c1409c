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
//! Features are drawn exactly as scikit-learn's `node_split_best` draws them (its
//! xorshift generator, its in-place permutation of the feature array carried from node
//! to node, its bookkeeping of features found constant), so a seed gives the tree that
//! `random_state = seed` gives, ties included. Which features a node evaluates depends
//! only on which are constant there (the ends of the sorted segment), so the draw is
//! simulated first and large nodes then scan the drawn features, and partition the
//! blocks, in parallel; the winner is the first best in draw order, so the tree does
//! not depend on the thread count.

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
}

impl Criterion {
    /// Statistics per side: class weights, or (Σw·y, Σw·y²).
    fn width(self) -> usize {
        match self {
            Criterion::Gini { k } | Criterion::Entropy { k } => k,
            Criterion::SquaredError => 2,
        }
    }

    /// Adds row `i` (weight `w`) to `stats`.
    fn add(self, stats: &mut [f64], target: &Target<'_>, i: usize, w: f64) {
        match (self, target) {
            (Criterion::Gini { .. } | Criterion::Entropy { .. }, Target::Classes(codes)) => {
                stats[codes[i]] += w;
            }
            (Criterion::SquaredError, Target::Values(y)) => {
                let wy = w * y[i];
                stats[0] += wy;
                stats[1] += wy * y[i];
            }
            _ => unreachable!("the criterion matches the target kind by construction"),
        }
    }

    /// The impurity of a side with statistics `stats` and total weight `w`.
    fn impurity(self, stats: &[f64], w: f64) -> f64 {
        match self {
            Criterion::Gini { .. } => Classes::<false>::impurity(stats, w),
            Criterion::Entropy { .. } => Classes::<true>::impurity(stats, w),
            Criterion::SquaredError => {
                let mean = stats[0] / w;
                stats[1] / w - mean * mean
            }
        }
    }

    /// The node's values: class fractions, or the mean.
    fn values(self, stats: &[f64], w: f64) -> Vec<f64> {
        match self {
            Criterion::SquaredError => vec![stats[0] / w],
            _ => stats.iter().map(|c| c / w).collect(),
        }
    }
}

/// The training targets.
pub(crate) enum Target<'a> {
    /// Class codes in `0..k`.
    Classes(&'a [usize]),
    /// Real values.
    Values(&'a [f64]),
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
}

/// The best split found at a node.
struct Best {
    feature: usize,
    threshold: f64,
    /// Rows going left.
    n_left: usize,
    proxy: f64,
}

/// A node waiting to be built.
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

impl Presorted {
    fn new(data: &Data<'_>, active: &[u32]) -> Self {
        let m = active.len();
        let mut sorted = vec![0u32; data.d * m];
        let mut values = vec![0f32; data.d * m];
        sorted
            .par_chunks_mut(m.max(1))
            .zip(values.par_chunks_mut(m.max(1)))
            .enumerate()
            .for_each(|(f, (block, block_values))| {
                let column = &data.columns[f * data.n..(f + 1) * data.n];
                // (value, row) packed into one integer ordered as the value: one
                // integer comparison per step of the sort.
                let mut keys: Vec<u64> = active
                    .iter()
                    .map(|&i| (u64::from(sortable(column[i as usize])) << 32) | u64::from(i))
                    .collect();
                keys.sort_unstable();
                for ((slot, v), k) in block.iter_mut().zip(block_values.iter_mut()).zip(keys) {
                    *slot = k as u32;
                    *v = column[*slot as usize];
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

    /// Applies a split: the first `n_left` rows of `feature`'s segment go left; every
    /// block's segment is partitioned stably, left rows first.
    fn split(&mut self, feature: usize, start: usize, end: usize, n_left: usize) {
        let Presorted {
            sorted,
            values,
            scratch,
            scratch_values,
            goes_left,
            m,
        } = self;
        let m = *m;
        for (k, &i) in sorted[feature * m + start..feature * m + end]
            .iter()
            .enumerate()
        {
            goes_left[i as usize] = k < n_left;
        }
        let goes_left = &*goes_left;
        type Blocks<'b> = (
            (&'b mut [u32], &'b mut [f32]),
            (&'b mut [u32], &'b mut [f32]),
        );
        let partition = |((ids, vals), (tmp_ids, tmp_vals)): Blocks<'_>| {
            let (ids, vals) = (&mut ids[start..end], &mut vals[start..end]);
            let (tmp_ids, tmp_vals) = (&mut tmp_ids[start..end], &mut tmp_vals[start..end]);
            let (mut l, mut r) = (0, n_left);
            for (&i, &v) in ids.iter().zip(vals.iter()) {
                let slot = if goes_left[i as usize] {
                    l += 1;
                    l - 1
                } else {
                    r += 1;
                    r - 1
                };
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

/// Grows the tree on `data`.
pub(crate) fn grow(data: &Data<'_>, criterion: Criterion, rules: &Rules) -> Tree {
    let width = criterion.width();
    // Rows of weight 0 take no part in a split (scikit-learn drops them as well).
    let active: Vec<u32> = (0..data.n)
        .filter(|&i| data.weights[i] > 0.0)
        .map(|i| i as u32)
        .collect();
    let mut presorted = Presorted::new(data, &active);
    let w_total: f64 = data.weights.iter().sum();
    let mut nodes: Vec<Node> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut splitter = Splitter::new(data.d, rules.seed);
    let mut stack = vec![Pending {
        start: 0,
        end: active.len(),
        depth: 0,
        parent: None,
        n_constant: 0,
    }];
    let value_width = match criterion {
        Criterion::SquaredError => 1,
        Criterion::Gini { k } | Criterion::Entropy { k } => k,
    };
    while let Some(p) = stack.pop() {
        let node_rows = presorted.segment(0, p.start, p.end);
        let mut stats = vec![0.0; width];
        let mut w_node = 0.0;
        for &i in node_rows {
            let i = i as usize;
            criterion.add(&mut stats, &data.target, i, data.weights[i]);
            w_node += data.weights[i];
        }
        let impurity = criterion.impurity(&stats, w_node);
        let id = nodes.len();
        if let Some((parent, is_left)) = p.parent
            && let Some(s) = nodes[parent].split.as_mut()
        {
            if is_left {
                s.left = id;
            } else {
                s.right = id;
            }
        }
        values.extend(criterion.values(&stats, w_node));
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
                presorted: &presorted,
                start: p.start,
                end: p.end,
                total: &stats,
                w_node,
            };
            let (best, found_constant) =
                splitter.node_split(data, criterion, rules, &node, p.n_constant);
            n_constant = found_constant;
            match best {
                None => leaf = true,
                Some(best) => {
                    let improvement =
                        improvement_of(data, criterion, &node, &best, impurity, w_total);
                    if improvement + f64::EPSILON < rules.min_impurity_decrease {
                        leaf = true;
                    } else {
                        chosen = Some(best);
                    }
                }
            }
        }
        let split = chosen.as_ref().map(|best| Split {
            feature: best.feature,
            threshold: best.threshold,
            left: 0,
            right: 0,
        });
        nodes.push(Node {
            split: if leaf { None } else { split },
            impurity,
            n_samples: n_node,
            weighted_n_samples: w_node,
        });
        if let (false, Some(best)) = (leaf, chosen) {
            presorted.split(best.feature, p.start, p.end, best.n_left);
            let mid = p.start + best.n_left;
            // Right pushed first so the left subtree is built (and numbered) first.
            stack.push(Pending {
                start: mid,
                end: p.end,
                depth: p.depth + 1,
                parent: Some((id, false)),
                n_constant,
            });
            stack.push(Pending {
                start: p.start,
                end: mid,
                depth: p.depth + 1,
                parent: Some((id, true)),
                n_constant,
            });
        }
    }
    Tree::new(nodes, values, value_width, data.d)
}

/// A node being split: its segment of the presorted rows and its statistics.
struct NodeView<'a> {
    presorted: &'a Presorted,
    start: usize,
    end: usize,
    /// The criterion's statistics over the node's rows.
    total: &'a [f64],
    w_node: f64,
}

impl NodeView<'_> {
    fn rows(&self, f: usize) -> &[u32] {
        self.presorted.segment(f, self.start, self.end)
    }

    fn values(&self, f: usize) -> &[f32] {
        self.presorted.segment_values(f, self.start, self.end)
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
        // Drawn features, with the random splitter's threshold.
        let mut drawn: Vec<(usize, Option<f64>)> = Vec::new();
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
            if is_constant(node.values(f)) {
                self.features.swap(f_j, n_total);
                n_found += 1;
                n_total += 1;
                continue;
            }
            f_i -= 1;
            self.features.swap(f_i, f_j);
            let threshold = rules.random_thresholds.then(|| {
                let values = node.values(f);
                let (lo, hi) = (f64::from(values[0]), f64::from(values[values.len() - 1]));
                let t = self.rng.uniform(lo, hi);
                if t == hi { lo } else { t }
            });
            drawn.push((f, threshold));
        }
        // The prefix of known constants keeps its order for siblings and descendants;
        // the newly found ones join it.
        self.features[..n_known].copy_from_slice(&self.constant_features[..n_known]);
        self.constant_features[n_known..n_known + n_found]
            .copy_from_slice(&self.features[n_known..n_known + n_found]);
        let parallel = node.end - node.start >= PARALLEL_ROWS && drawn.len() > 1;
        let scans: Vec<Option<Best>> = if rules.random_thresholds {
            let split = |&(f, t): &(usize, Option<f64>)| {
                split_at(data, criterion, rules, node, f, t.unwrap_or(f64::NAN))
            };
            if parallel {
                drawn.par_iter().map(split).collect()
            } else {
                drawn.iter().map(split).collect()
            }
        } else {
            let scan =
                |&(f, _): &(usize, Option<f64>)| scan_feature(data, criterion, rules, node, f);
            if parallel {
                drawn.par_iter().map(scan).collect()
            } else {
                drawn.iter().map(scan).collect()
            }
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

/// Whether a feature is constant on a node, given the node's values of it in sorted
/// order: its range within 1e-7, as scikit-learn finds after sorting.
fn is_constant(values: &[f32]) -> bool {
    let (lo, hi) = (values[0], values[values.len() - 1]);
    f64::from(hi) <= f64::from(lo) + FEATURE_THRESHOLD
}

/// Scans every admissible position of (non-constant) feature `f` over the node's rows
/// in its order: the best, or `None` when no position satisfies the leaf rules. The
/// scan is monomorphised per criterion, so the inner loop has no dispatch.
fn scan_feature(
    data: &Data<'_>,
    criterion: Criterion,
    rules: &Rules,
    node: &NodeView<'_>,
    f: usize,
) -> Option<Best> {
    match (criterion, &data.target) {
        (Criterion::Gini { .. }, Target::Classes(codes)) => scan(
            rules,
            node,
            f,
            Classes::<false>::new(codes, data.weights, node.total),
        ),
        (Criterion::Entropy { .. }, Target::Classes(codes)) => scan(
            rules,
            node,
            f,
            Classes::<true>::new(codes, data.weights, node.total),
        ),
        (Criterion::SquaredError, Target::Values(y)) => {
            scan(rules, node, f, Moments::new(y, data.weights, node.total))
        }
        _ => None,
    }
}

/// The random splitter's split of feature `f` at `threshold`: rows with a value at
/// most the threshold go left. `None` when a side breaks the leaf rules.
fn split_at(
    data: &Data<'_>,
    criterion: Criterion,
    rules: &Rules,
    node: &NodeView<'_>,
    f: usize,
    threshold: f64,
) -> Option<Best> {
    match (criterion, &data.target) {
        (Criterion::Gini { .. }, Target::Classes(codes)) => evaluate_at(
            rules,
            node,
            f,
            threshold,
            Classes::<false>::new(codes, data.weights, node.total),
        ),
        (Criterion::Entropy { .. }, Target::Classes(codes)) => evaluate_at(
            rules,
            node,
            f,
            threshold,
            Classes::<true>::new(codes, data.weights, node.total),
        ),
        (Criterion::SquaredError, Target::Values(y)) => evaluate_at(
            rules,
            node,
            f,
            threshold,
            Moments::new(y, data.weights, node.total),
        ),
        _ => None,
    }
}

fn evaluate_at<S: LeftStats>(
    rules: &Rules,
    node: &NodeView<'_>,
    f: usize,
    threshold: f64,
    mut stats: S,
) -> Option<Best> {
    let values = node.values(f);
    let p = values.partition_point(|&v| f64::from(v) <= threshold);
    let n = values.len();
    if p < rules.min_samples_leaf || n - p < rules.min_samples_leaf {
        return None;
    }
    node.rows(f)[..p]
        .iter()
        .for_each(|&i| stats.add(i as usize));
    let wl = stats.weight_left();
    let wr = node.w_node - wl;
    if wl < rules.min_weight_leaf || wr < rules.min_weight_leaf {
        return None;
    }
    Some(Best {
        feature: f,
        threshold,
        n_left: p,
        proxy: stats.proxy(wr),
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
}

/// Class weights on the left, Gini (`ENTROPY = false`) or entropy in bits.
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

/// Σw·y on the left, for the squared error: the proxy is `Σ_L²/w_L + Σ_R²/w_R`.
struct Moments<'a> {
    y: &'a [f64],
    weights: &'a [f64],
    total_sum: f64,
    sum: f64,
    wl: f64,
}

impl<'a> Moments<'a> {
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

impl LeftStats for Moments<'_> {
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
        self.sum * self.sum / self.wl + right * right / wr
    }
}

fn scan<S: LeftStats>(rules: &Rules, node: &NodeView<'_>, f: usize, mut stats: S) -> Option<Best> {
    let rows = node.rows(f);
    let values = node.values(f);
    let value = |k: usize| f64::from(values[k]);
    let n = rows.len();
    let mut best: Option<Best> = None;
    let mut added = 0;
    let mut p = 0;
    while p < n {
        // The next position: past every value within 1e-7 of the one before it.
        while p + 1 < n && value(p + 1) <= value(p) + FEATURE_THRESHOLD {
            p += 1;
        }
        p += 1;
        if p >= n {
            break;
        }
        if p < rules.min_samples_leaf || n - p < rules.min_samples_leaf {
            continue;
        }
        while added < p {
            stats.add(rows[added] as usize);
            added += 1;
        }
        let wl = stats.weight_left();
        let wr = node.w_node - wl;
        if wl < rules.min_weight_leaf || wr < rules.min_weight_leaf {
            continue;
        }
        let proxy = stats.proxy(wr);
        if best.as_ref().is_none_or(|b| proxy > b.proxy) {
            best = Some(Best {
                feature: f,
                threshold: value(p - 1) / 2.0 + value(p) / 2.0,
                n_left: p,
                proxy,
            });
        }
    }
    best
}

/// The bits of a finite `f32` mapped so that unsigned order is numeric order (negative
/// values flipped whole, positive ones with the sign bit set); -0 and +0 stay adjacent.
fn sortable(v: f32) -> u32 {
    let bits = v.to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
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
    let mut left = vec![0.0; node.total.len()];
    let mut wl = 0.0;
    for &i in &node.rows(best.feature)[..best.n_left] {
        let i = i as usize;
        criterion.add(&mut left, &data.target, i, data.weights[i]);
        wl += data.weights[i];
    }
    let right: Vec<f64> = node.total.iter().zip(&left).map(|(t, l)| t - l).collect();
    let wr = node.w_node - wl;
    let (il, ir) = (
        criterion.impurity(&left, wl),
        criterion.impurity(&right, wr),
    );
    (node.w_node / w_total) * (impurity - wr / node.w_node * ir - wl / node.w_node * il)
}
