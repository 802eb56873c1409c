//! Growing a CART tree: depth-first, best split per node, as scikit-learn 1.9's
//! `DepthFirstTreeBuilder` with `BestSplitter`.
//!
//! Features are the training matrix cast to `f32` (scikit-learn's `DTYPE`), one
//! contiguous column each. At every node each candidate feature's (value, row) pairs
//! are sorted and scanned once with incremental left/right statistics; positions whose
//! value is within 1e-7 of the previous one are skipped, as is a feature whose range at
//! the node is within 1e-7 (it stays constant in the whole subtree). The split
//! maximises scikit-learn's proxy improvement, the first of equal ones in the feature
//! draw order winning, and its threshold is the `f64` midpoint of the two `f32` values
//! around it.
//!
//! Features are drawn exactly as scikit-learn's `node_split_best` draws them (its
//! xorshift generator, its in-place permutation of the feature array carried from node
//! to node, its bookkeeping of features found constant), so a seed gives the tree that
//! `random_state = seed` gives, ties included. Which features a node evaluates depends
//! only on which are constant there (a min/max scan), so the draw is simulated first
//! and large nodes then sort and scan the drawn features in parallel; the winner is the
//! first best in draw order, so the tree does not depend on the thread count.

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
            Criterion::Gini { .. } => {
                let sq: f64 = stats.iter().map(|c| c * c).sum();
                1.0 - sq / (w * w)
            }
            Criterion::Entropy { .. } => stats
                .iter()
                .filter(|&&c| c > 0.0)
                .map(|&c| {
                    let p = c / w;
                    -p * (p.ln() / std::f64::consts::LN_2)
                })
                .sum(),
            Criterion::SquaredError => {
                let mean = stats[0] / w;
                stats[1] / w - mean * mean
            }
        }
    }

    /// scikit-learn's proxy of the improvement, larger is better: `Σ_side s²/w` for
    /// squared error, `−w_L·imp_L − w_R·imp_R` otherwise.
    fn proxy(self, left: &[f64], wl: f64, right: &[f64], wr: f64) -> f64 {
        match self {
            Criterion::SquaredError => left[0] * left[0] / wl + right[0] * right[0] / wr,
            _ => -wl * self.impurity(left, wl) - wr * self.impurity(right, wr),
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

/// Grows the tree on `data`.
pub(crate) fn grow(data: &Data<'_>, criterion: Criterion, rules: &Rules) -> Tree {
    let width = criterion.width();
    // Rows of weight 0 take no part in a split (scikit-learn drops them as well).
    let mut rows: Vec<usize> = (0..data.n).filter(|&i| data.weights[i] > 0.0).collect();
    let w_total: f64 = data.weights.iter().sum();
    let mut nodes: Vec<Node> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut splitter = Splitter::new(data.d, rules.seed);
    let mut stack = vec![Pending {
        start: 0,
        end: rows.len(),
        depth: 0,
        parent: None,
        n_constant: 0,
    }];
    let value_width = match criterion {
        Criterion::SquaredError => 1,
        Criterion::Gini { k } | Criterion::Entropy { k } => k,
    };
    while let Some(p) = stack.pop() {
        let node_rows = &rows[p.start..p.end];
        let mut stats = vec![0.0; width];
        let mut w_node = 0.0;
        for &i in node_rows {
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
            let (best, found_constant) = splitter.node_split(
                data,
                criterion,
                rules,
                node_rows,
                &stats,
                w_node,
                p.n_constant,
            );
            chosen = best;
            n_constant = found_constant;
            match &chosen {
                None => leaf = true,
                Some(best) => {
                    let improvement = improvement_of(
                        data, criterion, node_rows, best, &stats, w_node, impurity, w_total,
                    );
                    if improvement + f64::EPSILON < rules.min_impurity_decrease {
                        leaf = true;
                    }
                }
            }
        }
        let split = if leaf {
            None
        } else {
            chosen.as_ref().map(|best| {
                let column = &data.columns[best.feature * data.n..(best.feature + 1) * data.n];
                let slice = &mut rows[p.start..p.end];
                partition(slice, |i| f64::from(column[i]) <= best.threshold);
                Split {
                    feature: best.feature,
                    threshold: best.threshold,
                    left: 0,
                    right: 0,
                }
            })
        };
        nodes.push(Node {
            split,
            impurity,
            n_samples: n_node,
            weighted_n_samples: w_node,
        });
        if let (Some(_), Some(best)) = (split, &chosen) {
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

/// Moves the rows satisfying `goes_left` to the front, keeping no particular order.
fn partition(rows: &mut [usize], goes_left: impl Fn(usize) -> bool) {
    let (mut lo, mut hi) = (0, rows.len());
    while lo < hi {
        if goes_left(rows[lo]) {
            lo += 1;
        } else {
            hi -= 1;
            rows.swap(lo, hi);
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
    #[allow(clippy::too_many_arguments)]
    fn node_split(
        &mut self,
        data: &Data<'_>,
        criterion: Criterion,
        rules: &Rules,
        rows: &[usize],
        total: &[f64],
        w_node: f64,
        n_known: usize,
    ) -> (Option<Best>, usize) {
        let mut f_i = data.d;
        let (mut n_drawn, mut n_found, mut n_total) = (0, 0, n_known);
        let mut visited = 0;
        let mut drawn = Vec::new();
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
            if is_constant(data, rows, f) {
                self.features.swap(f_j, n_total);
                n_found += 1;
                n_total += 1;
                continue;
            }
            f_i -= 1;
            self.features.swap(f_i, f_j);
            drawn.push(f);
        }
        // The prefix of known constants keeps its order for siblings and descendants;
        // the newly found ones join it.
        self.features[..n_known].copy_from_slice(&self.constant_features[..n_known]);
        self.constant_features[n_known..n_known + n_found]
            .copy_from_slice(&self.features[n_known..n_known + n_found]);
        let scan = |&f: &usize| scan_feature(data, criterion, rules, rows, total, w_node, f);
        let scans: Vec<Option<Best>> = if rows.len() >= PARALLEL_ROWS && drawn.len() > 1 {
            drawn.par_iter().map(scan).collect()
        } else {
            drawn.iter().map(scan).collect()
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

/// Whether feature `f` is constant on `rows`: its range within 1e-7, as scikit-learn
/// finds after sorting.
fn is_constant(data: &Data<'_>, rows: &[usize], f: usize) -> bool {
    let column = &data.columns[f * data.n..(f + 1) * data.n];
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &i in rows {
        lo = lo.min(column[i]);
        hi = hi.max(column[i]);
    }
    f64::from(hi) <= f64::from(lo) + FEATURE_THRESHOLD
}

/// Sorts the node's values of (non-constant) feature `f` and scans every admissible
/// position: the best, or `None` when no position satisfies the leaf rules.
fn scan_feature(
    data: &Data<'_>,
    criterion: Criterion,
    rules: &Rules,
    rows: &[usize],
    total: &[f64],
    w_node: f64,
    f: usize,
) -> Option<Best> {
    let column = &data.columns[f * data.n..(f + 1) * data.n];
    // (value, row) packed into one integer whose order is the value's: one integer
    // comparison per step of the sort instead of a float comparison and a tie.
    let mut keys: Vec<u64> = rows
        .iter()
        .map(|&i| (u64::from(sortable(column[i])) << 32) | i as u64)
        .collect();
    keys.sort_unstable();
    let pairs: Vec<(f32, usize)> = keys
        .iter()
        .map(|&k| {
            (
                column[(k & 0xFFFF_FFFF) as usize],
                (k & 0xFFFF_FFFF) as usize,
            )
        })
        .collect();
    let n = pairs.len();
    let width = total.len();
    let mut left = vec![0.0; width];
    let mut right = vec![0.0; width];
    let mut wl = 0.0;
    let mut best: Option<Best> = None;
    let mut added = 0;
    let mut p = 0;
    while p < n {
        // The next position: past every value within 1e-7 of the one before it.
        while p + 1 < n && f64::from(pairs[p + 1].0) <= f64::from(pairs[p].0) + FEATURE_THRESHOLD {
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
            let i = pairs[added].1;
            criterion.add(&mut left, &data.target, i, data.weights[i]);
            wl += data.weights[i];
            added += 1;
        }
        let wr = w_node - wl;
        if wl < rules.min_weight_leaf || wr < rules.min_weight_leaf {
            continue;
        }
        for ((r, t), l) in right.iter_mut().zip(total).zip(&left) {
            *r = t - l;
        }
        let proxy = criterion.proxy(&left, wl, &right, wr);
        if best.as_ref().is_none_or(|b| proxy > b.proxy) {
            let threshold = f64::from(pairs[p - 1].0) / 2.0 + f64::from(pairs[p].0) / 2.0;
            best = Some(Best {
                feature: f,
                threshold,
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
#[allow(clippy::too_many_arguments)]
fn improvement_of(
    data: &Data<'_>,
    criterion: Criterion,
    rows: &[usize],
    best: &Best,
    total: &[f64],
    w_node: f64,
    impurity: f64,
    w_total: f64,
) -> f64 {
    let column = &data.columns[best.feature * data.n..(best.feature + 1) * data.n];
    let mut left = vec![0.0; total.len()];
    let mut wl = 0.0;
    for &i in rows {
        if f64::from(column[i]) <= best.threshold {
            criterion.add(&mut left, &data.target, i, data.weights[i]);
            wl += data.weights[i];
        }
    }
    let right: Vec<f64> = total.iter().zip(&left).map(|(t, l)| t - l).collect();
    let wr = w_node - wl;
    let (il, ir) = (
        criterion.impurity(&left, wl),
        criterion.impurity(&right, wr),
    );
    (w_node / w_total) * (impurity - wr / w_node * ir - wl / w_node * il)
}
