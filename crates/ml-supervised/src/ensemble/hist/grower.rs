//! Growing one boosted tree on binned data, as scikit-learn 1.9.1's `TreeGrower`:
//! best-first (the open node of largest gain splits next, ties in the order of
//! Python's `heapq`), histograms of gradient and hessian sums per feature and bin,
//! the smaller child's built from its rows and the larger child's as the parent's
//! minus the smaller's, splits scored by the second-order gain
//! `G·v − G_L·v_L − G_R·v_R` with `v = −G / (H + λ)`, missing values sent to
//! whichever side scores better, categorical splits by Fisher's ordering of the
//! categories, monotonic bounds and interaction groups.
//!
//! Histograms sum `f32` gradients into `f64` in row order, feature by feature, as
//! scikit-learn does, so equal inputs give equal sums, gains and trees.

use rayon::prelude::*;

use super::predictor::{BoostedNode, BoostedTree};
use crate::tree::random::Mt19937;

/// Rows × features of a histogram pass below which it runs on one thread.
const PARALLEL_HISTOGRAM_WORK: usize = 16_384;

/// scikit-learn's `min_hessian_to_split`.
const MIN_HESSIAN_TO_SPLIT: f64 = 1e-3;

/// scikit-learn's `MIN_CAT_SUPPORT`.
const MIN_CATEGORY_SUPPORT: f64 = 10.0;

/// One bin of a histogram.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bin {
    g: f64,
    h: f64,
    count: u32,
}

/// The training data of the trees: binned features and their properties.
pub(crate) struct Binned<'a> {
    /// Column-major `n × d` bins, internal feature order.
    pub(crate) bins: &'a [u8],
    pub(crate) n: usize,
    pub(crate) d: usize,
    /// `max_bins + 1`: the histogram width.
    pub(crate) n_bins: usize,
    pub(crate) missing_bin: u8,
    pub(crate) n_bins_non_missing: &'a [usize],
    pub(crate) has_missing: &'a [bool],
    pub(crate) categorical: &'a [bool],
    /// −1, 0 or +1 per feature (empty: no constraint).
    pub(crate) monotonic: &'a [i8],
    /// Groups of features allowed to interact (internal indices), if constrained.
    pub(crate) interaction: Option<&'a [Vec<usize>]>,
}

/// The growth limits of a tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_leaf_nodes: Option<usize>,
    pub(crate) max_depth: Option<usize>,
    pub(crate) min_samples_leaf: usize,
    pub(crate) l2_regularization: f64,
    /// The share of the allowed features each split considers, in (0, 1].
    pub(crate) max_features: f64,
    pub(crate) shrinkage: f64,
}

/// The best split found for a node.
#[derive(Debug, Clone, Copy)]
struct SplitInfo {
    gain: f64,
    feature: usize,
    bin: u8,
    missing_go_to_left: bool,
    g_left: f64,
    h_left: f64,
    g_right: f64,
    h_right: f64,
    n_left: usize,
    value_left: f64,
    value_right: f64,
    categorical: bool,
    /// The bins going left, for a categorical split.
    left_bins: [u32; 8],
}

impl SplitInfo {
    fn none(feature: usize, categorical: bool) -> Self {
        Self {
            gain: -1.0,
            feature,
            bin: 0,
            missing_go_to_left: false,
            g_left: 0.0,
            h_left: 0.0,
            g_right: 0.0,
            h_right: 0.0,
            n_left: 0,
            value_left: 0.0,
            value_right: 0.0,
            categorical,
            left_bins: [0; 8],
        }
    }

    /// Whether a row in bin `b` goes left.
    #[inline]
    fn goes_left(&self, b: u8, missing_bin: u8) -> bool {
        if self.categorical {
            in_bitset(&self.left_bins, b)
        } else {
            (self.missing_go_to_left && b == missing_bin) || b <= self.bin
        }
    }
}

#[inline]
pub(crate) fn in_bitset(set: &[u32; 8], b: u8) -> bool {
    set[usize::from(b >> 5)] >> (b & 31) & 1 == 1
}

fn set_bit(set: &mut [u32; 8], b: u8) {
    set[usize::from(b >> 5)] |= 1 << (b & 31);
}

/// A node while the tree grows.
struct Node {
    /// The node's rows: `rows[start..end]` of the grower.
    start: usize,
    end: usize,
    depth: usize,
    sum_g: f64,
    sum_h: f64,
    /// The (bounded, unshrunk) value.
    value: f64,
    /// Bounds of the children's values (monotonic constraints).
    lower: f64,
    upper: f64,
    split: Option<SplitInfo>,
    children: Option<(usize, usize)>,
    is_leaf: bool,
    /// The features a split may use (interaction constraints), if constrained.
    allowed: Option<Vec<usize>>,
    /// The interaction groups still in force.
    groups: Vec<usize>,
    histograms: Option<Vec<Bin>>,
}

impl Node {
    fn n_samples(&self) -> usize {
        self.end - self.start
    }
}

/// The grower of one tree on given gradients.
pub(crate) struct Grower<'a> {
    data: &'a Binned<'a>,
    limits: Limits,
    gradients: &'a [f32],
    /// `None`: every hessian is 1 and histograms count rows.
    hessians: Option<&'a [f32]>,
    /// Every row, grouped by node: each node's rows are a contiguous range, in
    /// increasing order.
    rows: Vec<u32>,
    nodes: Vec<Node>,
    /// Open nodes, a binary heap ordered as Python's `heapq` orders scikit-learn's.
    heap: Vec<usize>,
    leaves: Vec<usize>,
    /// Feature draws for `max_features < 1`.
    rng: Option<&'a mut Mt19937>,
    scratch_rows: Vec<u32>,
}

impl<'a> Grower<'a> {
    /// A grower over every row (`rows` reused from a previous tree when given).
    pub(crate) fn new(
        data: &'a Binned<'a>,
        limits: Limits,
        gradients: &'a [f32],
        hessians: Option<&'a [f32]>,
        rng: Option<&'a mut Mt19937>,
        mut rows: Vec<u32>,
    ) -> Self {
        rows.clear();
        rows.extend(0..data.n as u32);
        Self {
            data,
            limits,
            gradients,
            hessians,
            rows,
            nodes: Vec::new(),
            heap: Vec::new(),
            leaves: Vec::new(),
            rng,
            scratch_rows: Vec::new(),
        }
    }

    /// Grows the tree; returns the finalized leaves' row ranges through
    /// [`leaf_rows`](Self::leaf_rows) and the predictor through
    /// [`predictor`](Self::predictor).
    pub(crate) fn grow(&mut self) {
        self.initialize_root();
        while !self.heap.is_empty() {
            self.split_next();
        }
        for &leaf in &self.leaves {
            self.nodes[leaf].value *= self.limits.shrinkage;
        }
    }

    /// The leaves with their rows, for updating the raw predictions (and refitting
    /// the values of non-differentiable losses).
    pub(crate) fn leaves(&self) -> impl Iterator<Item = (usize, &[u32])> + '_ {
        self.leaves
            .iter()
            .map(|&l| (l, &self.rows[self.nodes[l].start..self.nodes[l].end]))
    }

    pub(crate) fn leaf_value(&self, leaf: usize) -> f64 {
        self.nodes[leaf].value
    }

    pub(crate) fn set_leaf_value(&mut self, leaf: usize, value: f64) {
        self.nodes[leaf].value = value;
    }

    /// Gives the row buffer back for the next tree.
    pub(crate) fn into_rows(self) -> Vec<u32> {
        self.rows
    }

    fn initialize_root(&mut self) {
        let data = self.data;
        let n = data.n;
        let allowed: Option<Vec<usize>> = data.interaction.map(|groups| {
            let mut all: Vec<usize> = groups.iter().flatten().copied().collect();
            all.sort_unstable();
            all.dedup();
            all
        });
        let mut hist = vec![Bin::default(); data.d * data.n_bins];
        self.build_histograms(0, n, allowed.as_deref(), &mut hist);
        // The sums from any one feature's histogram (scikit-learn takes the first
        // allowed feature's).
        let f0 = allowed.as_ref().map_or(0, |a| a[0]);
        let h0 = &hist[f0 * data.n_bins..(f0 + 1) * data.n_bins];
        let sum_g: f64 = h0.iter().map(|b| b.g).sum();
        let sum_h = match self.hessians {
            None => n as f64,
            Some(_) => h0.iter().map(|b| b.h).sum(),
        };
        self.nodes.push(Node {
            start: 0,
            end: n,
            depth: 0,
            sum_g,
            sum_h,
            value: 0.0,
            lower: f64::NEG_INFINITY,
            upper: f64::INFINITY,
            split: None,
            children: None,
            is_leaf: false,
            groups: data
                .interaction
                .map_or_else(Vec::new, |g| (0..g.len()).collect()),
            allowed,
            histograms: None,
        });
        if n < 2 * self.limits.min_samples_leaf || sum_h < MIN_HESSIAN_TO_SPLIT {
            self.finalize_leaf(0);
            return;
        }
        self.nodes[0].histograms = Some(hist);
        self.compute_best_split_and_push(0);
    }

    /// Sums the gradients (and hessians) of `rows[start..end]` per feature and bin
    /// into `hist` (`d × n_bins`), for the allowed features only.
    fn build_histograms(
        &self,
        start: usize,
        end: usize,
        allowed: Option<&[usize]>,
        hist: &mut [Bin],
    ) {
        let data = self.data;
        let rows = &self.rows[start..end];
        let m = rows.len();
        let whole = m == data.n;
        // Gradients in the node's row order, gathered once for every feature.
        let gathered: Option<(Vec<f32>, Option<Vec<f32>>)> = (!whole).then(|| {
            (
                rows.iter().map(|&r| self.gradients[r as usize]).collect(),
                self.hessians
                    .map(|h| rows.iter().map(|&r| h[r as usize]).collect()),
            )
        });
        let (g, h): (&[f32], Option<&[f32]>) = match &gathered {
            Some((g, h)) => (g, h.as_deref()),
            None => (self.gradients, self.hessians),
        };
        let is_allowed = |f: usize| allowed.is_none_or(|a| a.contains(&f));
        let fill = |f: usize, out: &mut [Bin]| {
            out.fill(Bin::default());
            if !is_allowed(f) {
                return;
            }
            let col = &data.bins[f * data.n..(f + 1) * data.n];
            match (whole, h) {
                (true, None) => {
                    for (&b, &gi) in col.iter().zip(g) {
                        let bin = &mut out[usize::from(b)];
                        bin.g += f64::from(gi);
                        bin.count += 1;
                    }
                }
                (true, Some(h)) => {
                    for ((&b, &gi), &hi) in col.iter().zip(g).zip(h) {
                        let bin = &mut out[usize::from(b)];
                        bin.g += f64::from(gi);
                        bin.h += f64::from(hi);
                        bin.count += 1;
                    }
                }
                (false, None) => {
                    for (&r, &gi) in rows.iter().zip(g) {
                        let bin = &mut out[usize::from(col[r as usize])];
                        bin.g += f64::from(gi);
                        bin.count += 1;
                    }
                }
                (false, Some(h)) => {
                    for ((&r, &gi), &hi) in rows.iter().zip(g).zip(h) {
                        let bin = &mut out[usize::from(col[r as usize])];
                        bin.g += f64::from(gi);
                        bin.h += f64::from(hi);
                        bin.count += 1;
                    }
                }
            }
        };
        if m * data.d < PARALLEL_HISTOGRAM_WORK {
            for (f, out) in hist.chunks_exact_mut(data.n_bins).enumerate() {
                fill(f, out);
            }
        } else {
            hist.par_chunks_exact_mut(data.n_bins)
                .enumerate()
                .for_each(|(f, out)| fill(f, out));
        }
    }

    fn compute_best_split_and_push(&mut self, id: usize) {
        let split = self.find_node_split(id);
        let node = &mut self.nodes[id];
        node.split = Some(split);
        if split.gain <= 0.0 {
            self.finalize_leaf(id);
        } else {
            self.heap_push(id);
        }
    }

    /// The best split of a node over its allowed (and drawn) features: per feature
    /// the best bin scanning left to right (missing values right) and, for features
    /// with missing values in training, right to left (missing values left); the
    /// first feature of largest gain wins.
    fn find_node_split(&mut self, id: usize) -> SplitInfo {
        let data = self.data;
        let node = &self.nodes[id];
        let features: Vec<usize> = match &node.allowed {
            Some(a) => a.clone(),
            None => (0..data.d).collect(),
        };
        let drawn: Option<Vec<bool>> = (self.limits.max_features < 1.0).then(|| {
            let k = features.len();
            let keep = ((self.limits.max_features * k as f64).ceil() as usize).max(1);
            let mut mask = vec![false; k];
            mask[..keep].fill(true);
            if let Some(rng) = self.rng.as_deref_mut() {
                // Fisher–Yates as numpy's legacy `shuffle`.
                for i in (1..k).rev() {
                    mask.swap(i, rng.below(i as u64 + 1) as usize);
                }
            }
            mask
        });
        let hist = node
            .histograms
            .as_deref()
            .expect("a node to split has histograms");
        let ctx = ScanContext {
            n_samples: node.n_samples(),
            sum_g: node.sum_g,
            sum_h: node.sum_h,
            value: node.value,
            lower: node.lower,
            upper: node.upper,
            limits: &self.limits,
            constant_hessian: self.hessians.is_none(),
        };
        let scan = |(i, &f): (usize, &usize)| -> SplitInfo {
            let mut info = SplitInfo::none(f, data.categorical[f]);
            if drawn.as_ref().is_some_and(|m| !m[i]) {
                return info;
            }
            let h = &hist[f * data.n_bins..(f + 1) * data.n_bins];
            let monotonic = data.monotonic.get(f).copied().unwrap_or(0);
            if data.categorical[f] {
                ctx.categorical(f, data, h, monotonic, &mut info);
            } else {
                ctx.left_to_right(data, f, h, monotonic, &mut info);
                if data.has_missing[f] {
                    ctx.right_to_left(data, f, h, monotonic, &mut info);
                }
            }
            info
        };
        let infos: Vec<SplitInfo> = if features.len() * data.n_bins >= 8 * 256 {
            features.par_iter().enumerate().map(scan).collect()
        } else {
            features.iter().enumerate().map(scan).collect()
        };
        let mut best = 0;
        for i in 1..infos.len() {
            if infos[i].gain > infos[best].gain {
                best = i;
            }
        }
        infos[best]
    }

    fn finalize_leaf(&mut self, id: usize) {
        self.nodes[id].is_leaf = true;
        self.nodes[id].histograms = None;
        self.leaves.push(id);
    }

    fn split_next(&mut self) {
        let data = self.data;
        let id = self.heap_pop();
        let mut split = self.nodes[id].split.expect("an open node has a split");
        let (start, end, depth) = {
            let n = &self.nodes[id];
            (n.start, n.end, n.depth + 1)
        };
        // Stable partition of the node's rows: left ones first.
        let col = &data.bins[split.feature * data.n..(split.feature + 1) * data.n];
        self.scratch_rows.clear();
        let mut write = start;
        for read in start..end {
            let r = self.rows[read];
            if split.goes_left(col[r as usize], data.missing_bin) {
                self.rows[write] = r;
                write += 1;
            } else {
                self.scratch_rows.push(r);
            }
        }
        self.rows[write..end].copy_from_slice(&self.scratch_rows);
        let mid = write;
        let n_leaf_nodes = self.leaves.len() + self.heap.len() + 2;
        let (lower, upper) = (self.nodes[id].lower, self.nodes[id].upper);
        let child = |s: usize, e: usize, g: f64, h: f64, v: f64| Node {
            start: s,
            end: e,
            depth,
            sum_g: g,
            sum_h: h,
            value: v,
            lower,
            upper,
            split: None,
            children: None,
            is_leaf: false,
            allowed: None,
            groups: Vec::new(),
            histograms: None,
        };
        let mut left = child(start, mid, split.g_left, split.h_left, split.value_left);
        let mut right = child(mid, end, split.g_right, split.h_right, split.value_right);
        if let Some(groups) = data.interaction {
            let parent = &self.nodes[id];
            let mut allowed = Vec::new();
            let mut kept = Vec::new();
            for &g in &parent.groups {
                if groups[g].contains(&split.feature) {
                    kept.push(g);
                    allowed.extend_from_slice(&groups[g]);
                }
            }
            allowed.sort_unstable();
            allowed.dedup();
            left.allowed = Some(allowed.clone());
            left.groups = kept.clone();
            right.allowed = Some(allowed);
            right.groups = kept;
        }
        if !data.has_missing[split.feature] {
            split.missing_go_to_left = left.n_samples() > right.n_samples();
        }
        let monotonic = data.monotonic.get(split.feature).copied().unwrap_or(0);
        if monotonic != 0 {
            let mid_value = (left.value + right.value) / 2.0;
            if monotonic > 0 {
                (left.lower, left.upper) = (lower, mid_value);
                (right.lower, right.upper) = (mid_value, upper);
            } else {
                (left.lower, left.upper) = (mid_value, upper);
                (right.lower, right.upper) = (lower, mid_value);
            }
        }
        let parent_hist = self.nodes[id].histograms.take();
        self.nodes[id].split = Some(split);
        let left_id = self.nodes.len();
        let right_id = left_id + 1;
        self.nodes.push(left);
        self.nodes.push(right);
        self.nodes[id].children = Some((left_id, right_id));

        if self.limits.max_leaf_nodes == Some(n_leaf_nodes) {
            self.finalize_leaf(left_id);
            self.finalize_leaf(right_id);
            while let Some(open) = self.heap.pop() {
                self.finalize_leaf(open);
            }
            return;
        }
        if self.limits.max_depth == Some(depth) {
            self.finalize_leaf(left_id);
            self.finalize_leaf(right_id);
            return;
        }
        if self.nodes[left_id].n_samples() < 2 * self.limits.min_samples_leaf {
            self.finalize_leaf(left_id);
        }
        if self.nodes[right_id].n_samples() < 2 * self.limits.min_samples_leaf {
            self.finalize_leaf(right_id);
        }
        let split_left = !self.nodes[left_id].is_leaf;
        let split_right = !self.nodes[right_id].is_leaf;
        if !(split_left || split_right) {
            return;
        }
        let (small, large) = if self.nodes[left_id].n_samples() < self.nodes[right_id].n_samples() {
            (left_id, right_id)
        } else {
            (right_id, left_id)
        };
        let mut parent_hist = parent_hist.expect("a split node has histograms");
        let mut small_hist = vec![Bin::default(); data.d * data.n_bins];
        let (s, e) = (self.nodes[small].start, self.nodes[small].end);
        let allowed = self.nodes[small].allowed.clone();
        self.build_histograms(s, e, allowed.as_deref(), &mut small_hist);
        // The larger child's histograms: the parent's minus the smaller child's, in
        // place in the parent's buffer.
        let subtract = |(p, c): (&mut [Bin], &[Bin])| {
            for (pb, cb) in p.iter_mut().zip(c) {
                pb.g -= cb.g;
                pb.h -= cb.h;
                pb.count -= cb.count;
            }
        };
        if parent_hist.len() >= PARALLEL_HISTOGRAM_WORK {
            parent_hist
                .par_chunks_mut(data.n_bins)
                .zip(small_hist.par_chunks(data.n_bins))
                .for_each(subtract);
        } else {
            parent_hist
                .chunks_mut(data.n_bins)
                .zip(small_hist.chunks(data.n_bins))
                .for_each(subtract);
        }
        self.nodes[small].histograms = Some(small_hist);
        self.nodes[large].histograms = Some(parent_hist);
        if split_left {
            self.compute_best_split_and_push(left_id);
        }
        if split_right {
            self.compute_best_split_and_push(right_id);
        }
        for c in [left_id, right_id] {
            if self.nodes[c].is_leaf {
                self.nodes[c].histograms = None;
            }
        }
    }

    /// Whether open node `a` comes before `b`: larger gain first.
    fn before(&self, a: usize, b: usize) -> bool {
        let gain = |id: usize| self.nodes[id].split.map_or(-1.0, |s| s.gain);
        gain(a) > gain(b)
    }

    /// Python's `heapq.heappush`.
    fn heap_push(&mut self, id: usize) {
        self.heap.push(id);
        let last = self.heap.len() - 1;
        self.sift_down(0, last);
    }

    /// Python's `heapq.heappop`.
    fn heap_pop(&mut self) -> usize {
        let last = self.heap.pop().expect("heap_pop on an empty heap");
        if self.heap.is_empty() {
            return last;
        }
        let top = self.heap[0];
        self.heap[0] = last;
        self.sift_up(0);
        top
    }

    fn sift_down(&mut self, start: usize, mut pos: usize) {
        let item = self.heap[pos];
        while pos > start {
            let parent_pos = (pos - 1) >> 1;
            let parent = self.heap[parent_pos];
            if self.before(item, parent) {
                self.heap[pos] = parent;
                pos = parent_pos;
                continue;
            }
            break;
        }
        self.heap[pos] = item;
    }

    fn sift_up(&mut self, mut pos: usize) {
        let end = self.heap.len();
        let start = pos;
        let item = self.heap[pos];
        let mut child = 2 * pos + 1;
        while child < end {
            let right = child + 1;
            if right < end && !self.before(self.heap[child], self.heap[right]) {
                child = right;
            }
            self.heap[pos] = self.heap[child];
            pos = child;
            child = 2 * pos + 1;
        }
        self.heap[pos] = item;
        self.sift_down(start, pos);
    }

    /// The grown tree as a predictor, nodes in pre-order (scikit-learn's numbering);
    /// `features` maps internal features to columns, `edges` gives each internal
    /// feature's bin edges (or categories).
    pub(crate) fn predictor(&self, features: &[usize], edges: &[Vec<f64>]) -> BoostedTree {
        let mut nodes = Vec::with_capacity(self.nodes.len());
        let mut category_sets = Vec::new();
        self.fill(0, features, edges, &mut nodes, &mut category_sets);
        BoostedTree::new(nodes, category_sets)
    }

    fn fill(
        &self,
        id: usize,
        features: &[usize],
        edges: &[Vec<f64>],
        out: &mut Vec<BoostedNode>,
        sets: &mut Vec<BoostedCategories>,
    ) -> usize {
        let node = &self.nodes[id];
        let at = out.len();
        out.push(BoostedNode {
            value: node.value,
            count: node.n_samples(),
            gain: node.split.map_or(-1.0, |s| s.gain),
            depth: node.depth,
            split: None,
        });
        if node.is_leaf {
            return at;
        }
        let split = node.split.expect("an inner node has a split");
        let (l, r) = node.children.expect("an inner node has children");
        let f = split.feature;
        let (threshold, categories) = if split.categorical {
            let cats = &edges[f];
            let left: Vec<f64> = cats
                .iter()
                .enumerate()
                .filter(|&(b, _)| in_bitset(&split.left_bins, b as u8))
                .map(|(_, &c)| c)
                .collect();
            sets.push(BoostedCategories {
                bins: split.left_bins,
                values: left,
            });
            (f64::NAN, Some(sets.len() - 1))
        } else if usize::from(split.bin) == self.data.n_bins_non_missing[f] - 1 {
            (f64::INFINITY, None)
        } else {
            (edges[f][usize::from(split.bin)], None)
        };
        let left = self.fill(l, features, edges, out, sets);
        let right = self.fill(r, features, edges, out, sets);
        out[at].split = Some(super::predictor::BoostedSplit {
            feature: features[f],
            internal_feature: f,
            threshold,
            bin_threshold: split.bin,
            missing_go_to_left: split.missing_go_to_left,
            categories,
            left,
            right,
        });
        at
    }
}

pub(crate) use super::predictor::BoostedCategories;

/// What every feature's scan of a node shares.
struct ScanContext<'a> {
    n_samples: usize,
    sum_g: f64,
    sum_h: f64,
    value: f64,
    lower: f64,
    upper: f64,
    limits: &'a Limits,
    constant_hessian: bool,
}

impl ScanContext<'_> {
    #[inline]
    fn bin_hessian(&self, b: &Bin) -> f64 {
        if self.constant_hessian {
            f64::from(b.count)
        } else {
            b.h
        }
    }

    /// `−G / (H + λ)`, clipped to the bounds.
    #[inline]
    fn node_value(&self, g: f64, h: f64) -> f64 {
        let v = -g / (h + self.limits.l2_regularization + 1e-15);
        if v < self.lower {
            self.lower
        } else if v > self.upper {
            self.upper
        } else {
            v
        }
    }

    /// The loss reduction of a split (−1 when it breaks a monotonic constraint).
    #[inline]
    fn gain(&self, g_l: f64, h_l: f64, g_r: f64, h_r: f64, monotonic: i8) -> f64 {
        let v_l = self.node_value(g_l, h_l);
        let v_r = self.node_value(g_r, h_r);
        if (monotonic > 0 && v_l > v_r) || (monotonic < 0 && v_l < v_r) {
            return -1.0;
        }
        self.sum_g * self.value - g_l * v_l - g_r * v_r
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        info: &mut SplitInfo,
        gain: f64,
        bin: u8,
        missing_go_to_left: bool,
        g_l: f64,
        h_l: f64,
        n_l: usize,
    ) {
        info.gain = gain;
        info.bin = bin;
        info.missing_go_to_left = missing_go_to_left;
        info.g_left = g_l;
        info.h_left = h_l;
        info.g_right = self.sum_g - g_l;
        info.h_right = self.sum_h - h_l;
        info.n_left = n_l;
        info.value_left = self.node_value(info.g_left, info.h_left);
        info.value_right = self.node_value(info.g_right, info.h_right);
    }

    fn left_to_right(
        &self,
        data: &Binned<'_>,
        f: usize,
        hist: &[Bin],
        monotonic: i8,
        info: &mut SplitInfo,
    ) {
        let end = data.n_bins_non_missing[f] - 1 + usize::from(data.has_missing[f]);
        let min_leaf = self.limits.min_samples_leaf;
        let (mut g_l, mut h_l, mut n_l) = (0.0, 0.0, 0usize);
        let mut best: Option<(f64, u8, f64, f64, usize)> = None;
        let mut best_gain = -1.0;
        for (b, bin) in hist[..end].iter().enumerate() {
            n_l += bin.count as usize;
            let n_r = self.n_samples - n_l;
            h_l += self.bin_hessian(bin);
            let h_r = self.sum_h - h_l;
            g_l += bin.g;
            let g_r = self.sum_g - g_l;
            if n_l < min_leaf {
                continue;
            }
            if n_r < min_leaf {
                break;
            }
            if h_l < MIN_HESSIAN_TO_SPLIT {
                continue;
            }
            if h_r < MIN_HESSIAN_TO_SPLIT {
                break;
            }
            let gain = self.gain(g_l, h_l, g_r, h_r, monotonic);
            if gain > best_gain && gain > 0.0 {
                best_gain = gain;
                best = Some((gain, b as u8, g_l, h_l, n_l));
            }
        }
        if let Some((gain, b, g, h, n)) = best {
            self.record(info, gain, b, false, g, h, n);
        }
    }

    fn right_to_left(
        &self,
        data: &Binned<'_>,
        f: usize,
        hist: &[Bin],
        monotonic: i8,
        info: &mut SplitInfo,
    ) {
        let min_leaf = self.limits.min_samples_leaf;
        let (mut g_r, mut h_r, mut n_r) = (0.0, 0.0, 0usize);
        let mut best: Option<(f64, u8, f64, f64, usize)> = None;
        let mut best_gain = info.gain;
        let start = data.n_bins_non_missing[f] as isize - 2;
        let mut b = start;
        while b >= 0 {
            let bin = &hist[b as usize + 1];
            n_r += bin.count as usize;
            let n_l = self.n_samples - n_r;
            h_r += self.bin_hessian(bin);
            let h_l = self.sum_h - h_r;
            g_r += bin.g;
            let g_l = self.sum_g - g_r;
            b -= 1;
            if n_r < min_leaf {
                continue;
            }
            if n_l < min_leaf {
                break;
            }
            if h_r < MIN_HESSIAN_TO_SPLIT {
                continue;
            }
            if h_l < MIN_HESSIAN_TO_SPLIT {
                break;
            }
            let gain = self.gain(g_l, h_l, g_r, h_r, monotonic);
            if gain > best_gain && gain > 0.0 {
                best_gain = gain;
                best = Some((gain, (b + 1) as u8, g_l, h_l, n_l));
            }
        }
        if let Some((gain, b, g, h, n)) = best {
            self.record(info, gain, b, true, g, h, n);
        }
    }

    /// Fisher's categorical split: the categories (and the missing bin) with support
    /// sorted by `G / (H + 10)`, then prefixes scanned from either end.
    fn categorical(
        &self,
        f: usize,
        data: &Binned<'_>,
        hist: &[Bin],
        monotonic: i8,
        info: &mut SplitInfo,
    ) {
        let support_factor = self.n_samples as f64 / self.sum_h;
        let mut used: Vec<(u8, f64)> = Vec::new();
        let mut consider = |b: usize| {
            let bin = &hist[b];
            let h = self.bin_hessian(bin);
            if h * support_factor >= MIN_CATEGORY_SUPPORT {
                used.push((b as u8, bin.g / (h + MIN_CATEGORY_SUPPORT)));
            }
        };
        for b in 0..data.n_bins_non_missing[f] {
            consider(b);
        }
        if data.has_missing[f] {
            consider(usize::from(data.missing_bin));
        }
        let k = used.len();
        if k <= 1 {
            return;
        }
        glibc_merge_sort(&mut used);
        let min_leaf = self.limits.min_samples_leaf;
        let mut best_gain = -1.0;
        let mut best: Option<(f64, usize, i8, f64, f64, usize)> = None;
        for direction in [1i8, -1] {
            let middle = if direction == 1 {
                k.div_ceil(2)
            } else {
                k.div_ceil(2) - 1
            };
            let (mut g_l, mut h_l, mut n_l) = (0.0, 0.0, 0usize);
            for i in 0..middle {
                let sorted_idx = if direction == 1 { i } else { k - 1 - i };
                let bin = &hist[usize::from(used[sorted_idx].0)];
                n_l += bin.count as usize;
                let n_r = self.n_samples - n_l;
                h_l += self.bin_hessian(bin);
                let h_r = self.sum_h - h_l;
                g_l += bin.g;
                let g_r = self.sum_g - g_l;
                if n_l < min_leaf || h_l < MIN_HESSIAN_TO_SPLIT {
                    continue;
                }
                if n_r < min_leaf || h_r < MIN_HESSIAN_TO_SPLIT {
                    break;
                }
                let gain = self.gain(g_l, h_l, g_r, h_r, monotonic);
                if gain > best_gain && gain > 0.0 {
                    best_gain = gain;
                    best = Some((gain, sorted_idx, direction, g_l, h_l, n_l));
                }
            }
        }
        if let Some((gain, threshold, direction, g, h, n)) = best {
            self.record(info, gain, 0, false, g, h, n);
            let mut set = [0u32; 8];
            let chosen: Box<dyn Iterator<Item = usize>> = if direction == 1 {
                Box::new(0..=threshold)
            } else {
                Box::new(threshold..k)
            };
            for i in chosen {
                set_bit(&mut set, used[i].0);
            }
            info.left_bins = set;
            if data.has_missing[f] {
                info.missing_go_to_left = in_bitset(&set, data.missing_bin);
            }
        }
    }
}

/// Sorts categories by value as scikit-learn's `qsort` call does on glibc (a merge
/// sort whose comparison never reports equality, so of two equal values the one from
/// the right half comes first): ties in `G / (H + 10)` then order the categories as
/// there.
fn glibc_merge_sort(items: &mut [(u8, f64)]) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    glibc_merge_sort(&mut items[..n1]);
    glibc_merge_sort(&mut items[n1..]);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if items[i].1 < items[j].1 {
            merged.push(items[i]);
            i += 1;
        } else {
            merged.push(items[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&items[i..n1]);
    let len = merged.len();
    items[..len].copy_from_slice(&merged);
}
