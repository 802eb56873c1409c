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
use ml_core::kernels::pairwise_sum;

/// Rows × features of a histogram pass below which it runs on one thread.
const PARALLEL_HISTOGRAM_WORK: usize = 16_384;

/// scikit-learn's `min_hessian_to_split`.
const MIN_HESSIAN_TO_SPLIT: f64 = 1e-3;

/// scikit-learn's `MIN_CAT_SUPPORT`.
const MIN_CATEGORY_SUPPORT: f64 = 10.0;

/// The bins a feature's histogram holds: every `u8`, whatever `max_bins`, so a bin
/// index needs no bounds check.
const STRIDE: usize = 256;

/// One bin of a histogram: the sums of the gradients and the hessians, the row
/// count (exact in an `f64` up to 2^53) and padding to 32 bytes (measured 4 % faster
/// than scikit-learn's packed 24-byte bins: no bin straddles two cache lines).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
pub(crate) struct Bin([f64; 4]);

impl Bin {
    #[inline(always)]
    fn add(&mut self, v: [f64; 4]) {
        for (s, v) in self.0.iter_mut().zip(v) {
            *s += v;
        }
    }

    #[inline(always)]
    fn sub(&mut self, v: &Bin) {
        for (s, v) in self.0.iter_mut().zip(v.0) {
            *s -= v;
        }
    }

    #[inline(always)]
    fn g(&self) -> f64 {
        self.0[0]
    }

    #[inline(always)]
    fn h(&self) -> f64 {
        self.0[1]
    }

    #[inline(always)]
    fn count(&self) -> usize {
        self.0[2] as usize
    }
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

/// Rows above which a node's partition runs in parallel chunks.
const PARALLEL_PARTITION_ROWS: usize = 16_384;

/// Moves the rows whose bin in `col` goes left (`goes_left[bin]`) to the front of
/// `rows`, both sides keeping their order; returns how many go left.
fn partition(
    rows: &mut [u32],
    scratch: &mut Vec<u32>,
    col: &[u8],
    goes_left: &[bool; 256],
) -> usize {
    let m = rows.len();
    scratch.resize(m, 0);
    // Without branches: every row is written to both sides, and only its side's
    // cursor moves on.
    let split_chunk = |rows: &mut [u32], right: &mut [u32]| -> (usize, usize) {
        let (mut l, mut r) = (0, 0);
        for i in 0..rows.len() {
            let row = rows[i];
            let left = goes_left[usize::from(col[row as usize])];
            rows[l] = row;
            right[r] = row;
            l += usize::from(left);
            r += usize::from(!left);
        }
        (l, r)
    };
    if m < PARALLEL_PARTITION_ROWS {
        let (l, r) = split_chunk(rows, &mut scratch[..m]);
        rows[l..].copy_from_slice(&scratch[..r]);
        return l;
    }
    let chunk = m.div_ceil(rayon::current_num_threads().max(2));
    let counts: Vec<(usize, usize)> = rows
        .par_chunks_mut(chunk)
        .zip(scratch[..m].par_chunks_mut(chunk))
        .map(|(rc, sc)| split_chunk(rc, sc))
        .collect();
    // Left runs to the front in chunk order, then the right runs.
    let mut write = 0;
    for (c, &(l, _)) in counts.iter().enumerate() {
        rows.copy_within(c * chunk..c * chunk + l, write);
        write += l;
    }
    let n_left = write;
    for (c, &(_, r)) in counts.iter().enumerate() {
        rows[write..write + r].copy_from_slice(&scratch[c * chunk..c * chunk + r]);
        write += r;
    }
    n_left
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
    /// Histogram buffers of finished nodes, for reuse.
    pool: Vec<Vec<Bin>>,
}

/// The buffers a grower reuses from the previous tree.
#[derive(Default)]
pub(crate) struct Buffers {
    rows: Vec<u32>,
    scratch: Vec<u32>,
    histograms: Vec<Vec<Bin>>,
}

impl<'a> Grower<'a> {
    /// A grower over every row (`rows` reused from a previous tree when given).
    pub(crate) fn new(
        data: &'a Binned<'a>,
        limits: Limits,
        gradients: &'a [f32],
        hessians: Option<&'a [f32]>,
        rng: Option<&'a mut Mt19937>,
        buffers: Buffers,
    ) -> Self {
        let Buffers {
            mut rows,
            scratch,
            histograms,
        } = buffers;
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
            scratch_rows: scratch,
            pool: histograms,
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

    /// Gives the buffers back for the next tree.
    pub(crate) fn into_buffers(mut self) -> Buffers {
        for node in &mut self.nodes {
            if let Some(h) = node.histograms.take() {
                self.pool.push(h);
            }
        }
        Buffers {
            rows: self.rows,
            scratch: self.scratch_rows,
            histograms: self.pool,
        }
    }

    /// A histogram buffer of `d × STRIDE` bins (contents unspecified).
    fn histogram_buffer(&mut self) -> Vec<Bin> {
        let len = self.data.d * STRIDE;
        match self.pool.pop() {
            Some(h) if h.len() == len => h,
            _ => vec![Bin::default(); len],
        }
    }

    fn release(&mut self, id: usize) {
        if let Some(h) = self.nodes[id].histograms.take() {
            self.pool.push(h);
        }
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
        self.nodes.push(Node {
            start: 0,
            end: n,
            depth: 0,
            sum_g: 0.0,
            sum_h: 0.0,
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
        // The root's sums come from its histograms, so it is histogrammed, summed,
        // then scanned.
        let mut hist = self.histogram_buffer();
        self.pass(0, &mut hist, None, &[]);
        // The sums from one feature's histogram (scikit-learn takes the first allowed
        // feature's), with numpy's pairwise sum as its `.sum()`.
        let f0 = self.nodes[0].allowed.as_ref().map_or(0, |a| a[0]);
        let h0 = &hist[f0 * STRIDE..f0 * STRIDE + data.n_bins];
        let sum_g = pairwise_sum(&h0.iter().map(Bin::g).collect::<Vec<_>>());
        let sum_h = match self.hessians {
            None => n as f64,
            Some(_) => pairwise_sum(&h0.iter().map(Bin::h).collect::<Vec<_>>()),
        };
        (self.nodes[0].sum_g, self.nodes[0].sum_h) = (sum_g, sum_h);
        if self.too_few_to_split(n) || sum_h < MIN_HESSIAN_TO_SPLIT {
            self.pool.push(hist);
            self.finalize_leaf(0);
            return;
        }
        let masks = vec![self.draw_features(0)];
        let split = self.scan_nodes(&[(0, &hist)], &masks)[0];
        self.nodes[0].histograms = Some(hist);
        self.push_split(0, split);
    }

    /// The features node `id` may split on this time: its allowed features, and of
    /// those a random `max_features` share (drawn in the order scikit-learn draws);
    /// `None` when every feature may.
    fn draw_features(&mut self, id: usize) -> Option<Vec<bool>> {
        let d = self.data.d;
        let allowed = self.nodes[id].allowed.clone();
        if allowed.is_none() && self.limits.max_features >= 1.0 {
            return None;
        }
        let features: Vec<usize> = allowed.unwrap_or_else(|| (0..d).collect());
        let mut keep = vec![true; features.len()];
        if self.limits.max_features < 1.0 {
            let k = features.len();
            let n_keep = ((self.limits.max_features * k as f64).ceil() as usize).max(1);
            keep.iter_mut()
                .enumerate()
                .for_each(|(i, m)| *m = i < n_keep);
            if let Some(rng) = self.rng.as_deref_mut() {
                // Fisher–Yates as numpy's legacy `shuffle`.
                for i in (1..k).rev() {
                    keep.swap(i, rng.below(i as u64 + 1) as usize);
                }
            }
        }
        let mut mask = vec![false; d];
        for (&f, &k) in features.iter().zip(&keep) {
            mask[f] = k;
        }
        Some(mask)
    }

    fn scan_context(&self, id: usize) -> ScanContext<'_> {
        let node = &self.nodes[id];
        ScanContext {
            n_samples: node.n_samples(),
            sum_g: node.sum_g,
            sum_h: node.sum_h,
            value: node.value,
            lower: node.lower,
            upper: node.upper,
            limits: &self.limits,
            constant_hessian: self.hessians.is_none(),
        }
    }

    /// One feature's best split for a node: scanning left to right (missing values
    /// right) and, for features with missing values in training, right to left
    /// (missing values left); categorical features by Fisher's ordering.
    fn scan_feature(&self, ctx: &ScanContext<'_>, f: usize, hist: &[Bin]) -> SplitInfo {
        let data = self.data;
        let mut info = SplitInfo::none(f, data.categorical[f]);
        let monotonic = data.monotonic.get(f).copied().unwrap_or(0);
        if data.categorical[f] {
            ctx.categorical(f, data, hist, monotonic, &mut info);
        } else {
            ctx.left_to_right(data, f, hist, monotonic, &mut info);
            if data.has_missing[f] {
                ctx.right_to_left(data, f, hist, monotonic, &mut info);
            }
        }
        info
    }

    /// The best splits of nodes whose histograms are complete (the root's), each
    /// over its drawn features; the first feature of largest gain wins.
    fn scan_nodes(&self, nodes: &[(usize, &[Bin])], masks: &[Option<Vec<bool>>]) -> Vec<SplitInfo> {
        let data = self.data;
        let nb = STRIDE;
        let per_feature: Vec<Vec<SplitInfo>> = (0..data.d)
            .into_par_iter()
            .map(|f| {
                nodes
                    .iter()
                    .zip(masks)
                    .map(|(&(id, hist), mask)| {
                        if mask.as_ref().is_some_and(|m| !m[f]) {
                            return SplitInfo::none(f, data.categorical[f]);
                        }
                        self.scan_feature(&self.scan_context(id), f, &hist[f * nb..(f + 1) * nb])
                    })
                    .collect()
            })
            .collect();
        best_per_node(&per_feature, nodes.len())
    }

    /// One pass over the features (in parallel for large nodes): the histograms of
    /// node `small` from its rows into `small_hist` (for its allowed features), the
    /// histograms of the larger sibling as `parent_hist` minus them, in place (when
    /// given), then the best split of each node of `scan` (`(id, uses the small
    /// node's histograms)`, with its drawn features).
    fn pass(
        &self,
        small: usize,
        small_hist: &mut [Bin],
        parent_hist: Option<&mut [Bin]>,
        scan: &[(usize, bool, Option<Vec<bool>>)],
    ) -> Vec<SplitInfo> {
        let data = self.data;
        let nb = STRIDE;
        let (start, end) = (self.nodes[small].start, self.nodes[small].end);
        let rows = &self.rows[start..end];
        let m = rows.len();
        let whole = m == data.n;
        // Gradients in the node's row order, gathered once for every feature.
        let gather = |values: &[f32]| -> Vec<f32> {
            if m >= PARALLEL_PARTITION_ROWS / 4 {
                rows.par_iter()
                    .with_min_len(4096)
                    .map(|&r| values[r as usize])
                    .collect()
            } else {
                rows.iter().map(|&r| values[r as usize]).collect()
            }
        };
        let gathered: Option<(Vec<f32>, Option<Vec<f32>>)> =
            (!whole).then(|| (gather(self.gradients), self.hessians.map(gather)));
        let (g, h): (&[f32], Option<&[f32]>) = match &gathered {
            Some((g, h)) => (g, h.as_deref()),
            None => (self.gradients, self.hessians),
        };
        let allowed = self.nodes[small].allowed.as_deref();
        let contexts: Vec<ScanContext<'_>> = scan
            .iter()
            .map(|&(id, _, _)| self.scan_context(id))
            .collect();
        // Features are histogrammed a group at a time: one pass over the rows loads
        // each gradient once for the group, and the group's bins are independent.
        let group = feature_group(data.d);
        let work = |gi: usize, sh: &mut [Bin], mut ph: Option<&mut [Bin]>| -> Vec<Vec<SplitInfo>> {
            let f0 = gi * group;
            let count = sh.len() / nb;
            sh.fill(Bin::default());
            let features: Vec<usize> = (f0..f0 + count)
                .filter(|f| allowed.is_none_or(|a| a.contains(f)))
                .collect();
            let col = |f: usize| &data.bins[f * data.n..(f + 1) * data.n];
            if features.len() == count {
                fill_group(f0, count, &col, rows, whole, g, h, sh);
            } else {
                for &f in &features {
                    fill_group(
                        f,
                        1,
                        &col,
                        rows,
                        whole,
                        g,
                        h,
                        &mut sh[(f - f0) * nb..(f - f0 + 1) * nb],
                    );
                }
            }
            if let Some(ph) = ph.as_deref_mut() {
                for (pb, cb) in ph.iter_mut().zip(sh.iter()) {
                    pb.sub(cb);
                }
            }
            (f0..f0 + count)
                .map(|f| {
                    let j = f - f0;
                    scan.iter()
                        .zip(&contexts)
                        .map(|(&(_, uses_small, ref mask), ctx)| {
                            if !features.contains(&f) || mask.as_ref().is_some_and(|m| !m[f]) {
                                return SplitInfo::none(f, data.categorical[f]);
                            }
                            let hist: &[Bin] = if uses_small {
                                sh
                            } else {
                                ph.as_deref().expect("the larger sibling's histograms")
                            };
                            self.scan_feature(ctx, f, &hist[j * nb..(j + 1) * nb])
                        })
                        .collect()
                })
                .collect()
        };
        let chunk = nb * group;
        let serial = m * data.d < PARALLEL_HISTOGRAM_WORK;
        let per_group: Vec<Vec<Vec<SplitInfo>>> = match parent_hist {
            Some(ph) if serial => small_hist
                .chunks_mut(chunk)
                .zip(ph.chunks_mut(chunk))
                .enumerate()
                .map(|(gi, (sh, ph))| work(gi, sh, Some(ph)))
                .collect(),
            Some(ph) => small_hist
                .par_chunks_mut(chunk)
                .zip(ph.par_chunks_mut(chunk))
                .enumerate()
                .map(|(gi, (sh, ph))| work(gi, sh, Some(ph)))
                .collect(),
            None if serial => small_hist
                .chunks_mut(chunk)
                .enumerate()
                .map(|(gi, sh)| work(gi, sh, None))
                .collect(),
            None => small_hist
                .par_chunks_mut(chunk)
                .enumerate()
                .map(|(gi, sh)| work(gi, sh, None))
                .collect(),
        };
        let per_feature: Vec<Vec<SplitInfo>> = per_group.into_iter().flatten().collect();
        best_per_node(&per_feature, scan.len())
    }

    /// Records node `id`'s best split: a leaf when it gains nothing, else open.
    fn push_split(&mut self, id: usize, split: SplitInfo) {
        self.nodes[id].split = Some(split);
        if split.gain <= 0.0 {
            self.finalize_leaf(id);
        } else {
            self.heap_push(id);
        }
    }

    /// Whether `n` rows are too few for two leaves of `min_samples_leaf` rows.
    fn too_few_to_split(&self, n: usize) -> bool {
        n < self.limits.min_samples_leaf.saturating_mul(2)
    }

    fn finalize_leaf(&mut self, id: usize) {
        self.nodes[id].is_leaf = true;
        self.release(id);
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
        let mut goes_left = [false; 256];
        for (b, slot) in goes_left.iter_mut().enumerate() {
            *slot = split.goes_left(b as u8, data.missing_bin);
        }
        let mid = start
            + partition(
                &mut self.rows[start..end],
                &mut self.scratch_rows,
                col,
                &goes_left,
            );
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
        if self.too_few_to_split(self.nodes[left_id].n_samples()) {
            self.finalize_leaf(left_id);
        }
        if self.too_few_to_split(self.nodes[right_id].n_samples()) {
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
        let mut small_hist = self.histogram_buffer();
        // The feature draws in scikit-learn's order: the left child's, then the right's.
        let mut scan = Vec::new();
        for (child, splits) in [(left_id, split_left), (right_id, split_right)] {
            if splits {
                let mask = self.draw_features(child);
                scan.push((child, child == small, mask));
            }
        }
        // The larger child's histograms serve only its own scan: a leaf needs none.
        let large_scanned = scan.iter().any(|&(child, _, _)| child == large);
        let splits = self.pass(
            small,
            &mut small_hist,
            large_scanned.then_some(parent_hist.as_mut_slice()),
            &scan,
        );
        self.nodes[small].histograms = Some(small_hist);
        if large_scanned {
            self.nodes[large].histograms = Some(parent_hist);
        } else {
            self.pool.push(parent_hist);
        }
        for (&(child, _, _), split) in scan.iter().zip(splits) {
            self.push_split(child, split);
        }
        for c in [left_id, right_id] {
            if self.nodes[c].is_leaf {
                self.release(c);
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

/// Features histogrammed together (see [`Grower::pass`]): groups of 4, else 2, when
/// that still leaves the threads enough groups to share evenly (an equal number each,
/// or at least three each), else 1.
fn feature_group(d: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    [4, 2]
        .into_iter()
        .find(|&g| {
            let groups = d.div_ceil(g);
            groups >= 3 * threads || (groups >= 2 * threads && groups % threads == 0)
        })
        .unwrap_or(1)
}

/// Sums the gradients (and hessians) of `rows` (all rows in order when `whole`) per
/// bin of features `f0..f0 + count` (columns from `col`) into `out` (`count ×
/// STRIDE` bins); `g` and `h` are in the order of `rows`.
#[allow(clippy::too_many_arguments)]
fn fill_group<'c>(
    f0: usize,
    count: usize,
    col: &dyn Fn(usize) -> &'c [u8],
    rows: &[u32],
    whole: bool,
    g: &[f32],
    h: Option<&[f32]>,
    out: &mut [Bin],
) {
    let arch = pulp::Arch::new();
    match count {
        4 => arch.dispatch(Fill::<4> {
            cols: std::array::from_fn(|j| col(f0 + j)),
            rows,
            whole,
            g,
            h,
            out,
        }),
        3 => arch.dispatch(Fill::<3> {
            cols: std::array::from_fn(|j| col(f0 + j)),
            rows,
            whole,
            g,
            h,
            out,
        }),
        2 => arch.dispatch(Fill::<2> {
            cols: std::array::from_fn(|j| col(f0 + j)),
            rows,
            whole,
            g,
            h,
            out,
        }),
        _ => {
            for (j, o) in out.chunks_exact_mut(STRIDE).enumerate().take(count) {
                arch.dispatch(Fill::<1> {
                    cols: [col(f0 + j)],
                    rows,
                    whole,
                    g,
                    h,
                    out: o,
                });
            }
        }
    }
}

/// One [`fill_n`] call, compiled for each instruction set `pulp` dispatches to (with
/// AVX, a bin's update is one 32-byte addition).
struct Fill<'a, const G: usize> {
    cols: [&'a [u8]; G],
    rows: &'a [u32],
    whole: bool,
    g: &'a [f32],
    h: Option<&'a [f32]>,
    out: &'a mut [Bin],
}

impl<const G: usize> pulp::WithSimd for Fill<'_, G> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        fill_n::<G>(self.cols, self.rows, self.whole, self.g, self.h, self.out);
    }
}

/// [`fill_group`] for `G` features: each row's gradient (and hessian, and 1) added
/// to its bin of each.
#[inline(always)]
fn fill_n<const G: usize>(
    cols: [&[u8]; G],
    rows: &[u32],
    whole: bool,
    g: &[f32],
    h: Option<&[f32]>,
    out: &mut [Bin],
) {
    let mut chunks = out.chunks_exact_mut(STRIDE);
    let mut outs: [&mut [Bin; STRIDE]; G] = std::array::from_fn(|_| {
        chunks
            .next()
            .and_then(|c| c.try_into().ok())
            .expect("a histogram of STRIDE bins per feature")
    });
    match (whole, h) {
        (true, None) => {
            for (i, &gi) in g.iter().enumerate() {
                let add = [f64::from(gi), 0.0, 1.0, 0.0];
                for (o, c) in outs.iter_mut().zip(&cols) {
                    o[usize::from(c[i])].add(add);
                }
            }
        }
        (true, Some(h)) => {
            for (i, (&gi, &hi)) in g.iter().zip(h).enumerate() {
                let add = [f64::from(gi), f64::from(hi), 1.0, 0.0];
                for (o, c) in outs.iter_mut().zip(&cols) {
                    o[usize::from(c[i])].add(add);
                }
            }
        }
        (false, None) => {
            for (&r, &gi) in rows.iter().zip(g) {
                let add = [f64::from(gi), 0.0, 1.0, 0.0];
                for (o, c) in outs.iter_mut().zip(&cols) {
                    o[usize::from(c[r as usize])].add(add);
                }
            }
        }
        (false, Some(h)) => {
            for ((&r, &gi), &hi) in rows.iter().zip(g).zip(h) {
                let add = [f64::from(gi), f64::from(hi), 1.0, 0.0];
                for (o, c) in outs.iter_mut().zip(&cols) {
                    o[usize::from(c[r as usize])].add(add);
                }
            }
        }
    }
}

/// Of each node's per-feature splits (`per_feature[f][node]`), the first of largest
/// gain, as scikit-learn's `_find_best_feature_to_split_helper`.
fn best_per_node(per_feature: &[Vec<SplitInfo>], n_nodes: usize) -> Vec<SplitInfo> {
    (0..n_nodes)
        .map(|j| {
            let mut best = per_feature[0][j];
            for f in &per_feature[1..] {
                if f[j].gain > best.gain {
                    best = f[j];
                }
            }
            best
        })
        .collect()
}

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
            b.count() as f64
        } else {
            b.h()
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

    /// Scans left to right, missing values going right; the last split point sends
    /// every non-missing value left.
    fn left_to_right(
        &self,
        data: &Binned<'_>,
        f: usize,
        hist: &[Bin],
        monotonic: i8,
        info: &mut SplitInfo,
    ) {
        let end = data.n_bins_non_missing[f] - 1 + usize::from(data.has_missing[f]);
        let bins = hist[..end]
            .iter()
            .enumerate()
            .map(|(b, bin)| (b as u8, bin));
        if let Some((gain, b, g, h, n)) = self.best_split_point(bins, true, monotonic, -1.0) {
            self.record(info, gain, b, false, g, h, n);
        }
    }

    /// Scans right to left, missing values going left; it must beat the
    /// left-to-right scan strictly.
    fn right_to_left(
        &self,
        data: &Binned<'_>,
        f: usize,
        hist: &[Bin],
        monotonic: i8,
        info: &mut SplitInfo,
    ) {
        // The split after bin `b` sends bin `b + 1` and above right.
        let last = data.n_bins_non_missing[f].saturating_sub(1);
        let bins = (0..last).rev().map(|b| (b as u8, &hist[b + 1]));
        if let Some((gain, b, g, h, n)) = self.best_split_point(bins, false, monotonic, info.gain) {
            self.record(info, gain, b, true, g, h, n);
        }
    }

    /// The best split point of one scan, as scikit-learn's scans choose it: the bins of
    /// `bins` (each with the bin threshold of the split after it) accumulate on one
    /// side, the left when `accumulate_left`; split points leaving either side under
    /// `min_samples_leaf` rows or the hessian floor are skipped (the scan stops once
    /// the far side fails); the first of largest gain above both 0 and `best_gain`
    /// wins. Returns the gain, the bin threshold and the left side's sums and rows.
    fn best_split_point<'h>(
        &self,
        bins: impl Iterator<Item = (u8, &'h Bin)>,
        accumulate_left: bool,
        monotonic: i8,
        mut best_gain: f64,
    ) -> Option<(f64, u8, f64, f64, usize)> {
        let min_leaf = self.limits.min_samples_leaf;
        let (mut g_near, mut h_near, mut n_near) = (0.0, 0.0, 0usize);
        let mut best = None;
        for (threshold, bin) in bins {
            // An empty bin changes no sum (its sums are exact zeros, also after the
            // subtraction), so it cannot score better than the split point before it.
            if bin.count() == 0 {
                continue;
            }
            n_near += bin.count();
            let n_far = self.n_samples - n_near;
            h_near += self.bin_hessian(bin);
            let h_far = self.sum_h - h_near;
            g_near += bin.g();
            let g_far = self.sum_g - g_near;
            if n_near < min_leaf {
                continue;
            }
            if n_far < min_leaf {
                break;
            }
            if h_near < MIN_HESSIAN_TO_SPLIT {
                continue;
            }
            if h_far < MIN_HESSIAN_TO_SPLIT {
                break;
            }
            let (g_l, h_l, n_l, g_r, h_r) = if accumulate_left {
                (g_near, h_near, n_near, g_far, h_far)
            } else {
                (g_far, h_far, n_far, g_near, h_near)
            };
            let gain = self.gain(g_l, h_l, g_r, h_r, monotonic);
            if gain > best_gain && gain > 0.0 {
                best_gain = gain;
                best = Some((gain, threshold, g_l, h_l, n_l));
            }
        }
        best
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
                used.push((b as u8, bin.g() / (h + MIN_CATEGORY_SUPPORT)));
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
                n_l += bin.count();
                let n_r = self.n_samples - n_l;
                h_l += self.bin_hessian(bin);
                let h_r = self.sum_h - h_l;
                g_l += bin.g();
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
