//! [`MeanShift`]: clusters at the modes of the data's density, with a flat kernel, and
//! [`estimate_bandwidth`].
//!
//! Every seed climbs on its own: it moves to the mean of the rows within `bandwidth` of
//! it until it moves by at most `1e-3 · bandwidth` or `max_iter` steps are done. The
//! mean comes from a k-d tree whose nodes carry their row counts and coordinate sums,
//! so nodes inside the ball count whole and only the rows near its surface are tested
//! (with the index's own distance test, so the same rows count). Seeds run in parallel; their
//! end points are merged as scikit-learn merges them (the most populated first, each
//! suppressing the others within `bandwidth`), and every row joins its nearest mode.
//! The rows are rescaled by a power of two first (exactly, so every decision is the
//! unscaled one) so that sums of huge coordinates cannot overflow.

use faer::Mat;
use ml_core::neighbors::{Algorithm, IndexSettings, NeighborIndex};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, FitUnsupervised, Fitted, Predict, Result, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The rows [`MeanShift`] estimates its bandwidth on when none is given: above this
/// many, a seeded sample of this many (scikit-learn uses every row, `O(n²)`).
pub const BANDWIDTH_SAMPLE: usize = 10_000;

/// The mean distance of each row to its `⌊quantile · n⌋`-th nearest row (itself
/// counted first), as scikit-learn 1.9's `estimate_bandwidth`: a bandwidth for
/// [`MeanShift`]. With `n_samples`, only that many rows, drawn without replacement by
/// `seed`, take part (scikit-learn draws them with numpy's generator, so a sampled
/// estimate differs from scikit-learn's by sampling noise; without `n_samples` the two
/// agree).
///
/// The `k`-th distances come from the neighbour index in blocks, so memory stays
/// bounded; time is `O(m²)` for `m` rows taking part, which is why large inputs should
/// be sampled.
///
/// ```
/// use ml_cluster::mean_shift::estimate_bandwidth;
/// use ml_core::faer::mat;
///
/// let x = mat![[0.0], [1.0], [3.0], [6.0]];
/// // k = ⌊0.5 · 4⌋ = 2: each row's nearest other row, 1, 1, 2 and 3 away.
/// assert_eq!(estimate_bandwidth(x.as_ref(), 0.5, None, 0)?, 1.75);
/// # Ok::<(), ml_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] for a quantile outside `[0, 1]` or `n_samples` 0;
/// [`Error::EmptyInput`] or [`Error::NonFinite`] for `x`; [`Error::Unsupported`] for
/// CSR input.
pub fn estimate_bandwidth<'a>(
    x: impl Into<Features<'a>>,
    quantile: f64,
    n_samples: Option<usize>,
    seed: u64,
) -> Result<f64> {
    let x = x.into().dense("estimate_bandwidth")?;
    validate::in_closed_range("quantile", quantile, 0.0, 1.0, "in [0, 1]")?;
    if n_samples == Some(0) {
        return Err(Error::InvalidParameter {
            name: "n_samples",
            value: "0".to_owned(),
            expected: ">= 1",
        });
    }
    validate::matrix(x)?;
    let sampled;
    let x = match n_samples {
        Some(m) if m < x.nrows() => {
            let mut rng = ml_core::rng::seeded(seed);
            let rows = rand::seq::index::sample(&mut rng, x.nrows(), m).into_vec();
            sampled = Mat::from_fn(m, x.ncols(), |r, c| x[(rows[r], c)]);
            sampled.as_ref()
        }
        _ => x,
    };
    let n = x.nrows();
    let k = ((n as f64 * quantile) as usize).max(1);
    let index = NeighborIndex::build(x, &IndexSettings::default().n_neighbors(Some(k)))?;
    // Blocks of queries whose k-neighbour lists stay near a million entries.
    let block = (1usize << 20).div_ceil(k).clamp(1, n);
    let mut total = 0.0;
    let mut start = 0;
    while start < n {
        let len = block.min(n - start);
        let found = index.kneighbors(x.subrows(start, len), k)?;
        total += (0..len).map(|q| found.distances(q)[k - 1]).sum::<f64>();
        start += len;
    }
    Ok(total / n as f64)
}

/// Mean-shift clustering with a flat kernel, as scikit-learn 1.9's `MeanShift`.
///
/// Defaults: `bandwidth` estimated by [`estimate_bandwidth`] with quantile 0.3 (on at
/// most [`BANDWIDTH_SAMPLE`] rows, see below), every row a seed (`bin_seeding` off),
/// `min_bin_freq` 1, `cluster_all` on, `max_iter` 300.
///
/// Deliberate differences: without a bandwidth, inputs above [`BANDWIDTH_SAMPLE`] rows
/// estimate it on a seeded sample of that many rows instead of scikit-learn's `O(n²)`
/// pass over all of them (the same below); labels are `Option<usize>`, `None` for
/// scikit-learn's −1 (rows farther than `bandwidth` from every mode when `cluster_all`
/// is off).
///
/// ```
/// use ml_cluster::MeanShift;
/// use ml_core::faer::mat;
///
/// let x = mat![[1.0, 1.0], [2.0, 1.0], [1.0, 0.0], [4.0, 7.0], [3.0, 5.0], [3.0, 6.0]];
/// let model = MeanShift::new().bandwidth(2.0).fit(x.as_ref())?;
/// assert_eq!(model.labels(), &[Some(1), Some(1), Some(1), Some(0), Some(0), Some(0)]);
/// assert_eq!(model.predict(mat![[0.0, 0.0], [5.0, 5.0]].as_ref())?, [1, 0]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MeanShift {
    bandwidth: Option<f64>,
    seeds: Option<Mat<f64>>,
    bin_seeding: bool,
    min_bin_freq: usize,
    cluster_all: bool,
    max_iter: usize,
    seed: u64,
}

impl Default for MeanShift {
    fn default() -> Self {
        Self::new()
    }
}

impl MeanShift {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            bandwidth: None,
            seeds: None,
            bin_seeding: false,
            min_bin_freq: 1,
            cluster_all: true,
            max_iter: 300,
            seed: 0,
        }
    }

    /// The kernel's radius, finite and `> 0`. Default: estimated (see the type docs).
    pub fn bandwidth(mut self, bandwidth: f64) -> Self {
        self.bandwidth = Some(bandwidth);
        self
    }

    /// The starting points, one per row (as wide as the data). Default: the rows
    /// themselves, or the bins' centres with `bin_seeding`.
    pub fn seeds(mut self, seeds: Mat<f64>) -> Self {
        self.seeds = Some(seeds);
        self
    }

    /// Seeds at the centres of the grid cells of side `bandwidth` that hold at least
    /// `min_bin_freq` rows, instead of every row. Default: off.
    pub fn bin_seeding(mut self, bin_seeding: bool) -> Self {
        self.bin_seeding = bin_seeding;
        self
    }

    /// The rows a bin needs to seed, at least 1. Default: 1.
    pub fn min_bin_freq(mut self, min_bin_freq: usize) -> Self {
        self.min_bin_freq = min_bin_freq;
        self
    }

    /// Whether every row joins its nearest mode (`true`) or only rows within
    /// `bandwidth` of it, the others being `None`. Default: true.
    pub fn cluster_all(mut self, cluster_all: bool) -> Self {
        self.cluster_all = cluster_all;
        self
    }

    /// The most steps a seed takes. Default: 300.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The seed of the row sample a bandwidth is estimated on, for inputs above
    /// [`BANDWIDTH_SAMPLE`] rows. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Finds the modes of the rows of `x` and labels every row.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a bandwidth that is not finite and `> 0` or
    /// `min_bin_freq` 0; [`Error::EmptyInput`] or [`Error::NonFinite`] for `x` or the
    /// seeds, [`Error::ShapeMismatch`] for seeds of another width;
    /// [`Error::Unsupported`] for CSR input; [`Error::InvalidData`] when the estimated
    /// bandwidth is 0 (most rows identical) or no row lies within `bandwidth` of any
    /// seed.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<MeanShiftModel> {
        let x = x.into().dense("MeanShift")?;
        if let Some(b) = self.bandwidth {
            validate::positive("bandwidth", b)?;
        }
        if self.min_bin_freq == 0 {
            return Err(Error::InvalidParameter {
                name: "min_bin_freq",
                value: "0".to_owned(),
                expected: ">= 1",
            });
        }
        validate::matrix(x)?;
        if let Some(s) = &self.seeds {
            validate::matrix_with_features(s.as_ref(), x.ncols())?;
        }
        let bandwidth = match self.bandwidth {
            Some(b) => b,
            None => {
                let sample = (x.nrows() > BANDWIDTH_SAMPLE).then_some(BANDWIDTH_SAMPLE);
                let b = estimate_bandwidth(x, 0.3, sample, self.seed)?;
                if b <= 0.0 || b.is_nan() {
                    return Err(Error::InvalidData {
                        what: "X",
                        location: String::new(),
                        reason: "the estimated bandwidth is 0 (most rows are identical); \
                                 give a bandwidth"
                            .to_owned(),
                    });
                }
                b
            }
        };
        let (n, d) = (x.nrows(), x.ncols());
        // Rows (and every length) scaled by a power of two, row-major.
        let scale = ml_core::kernels::pow2_magnitude(ml_core::kernels::max_abs_mat(x)).recip();
        let rows: Vec<f64> = (0..n)
            .flat_map(|i| (0..d).map(move |j| x[(i, j)] * scale))
            .collect();
        let radius = bandwidth * scale;
        let tree = SumTree::build(&rows, d);
        let seeds: Vec<f64> = match (&self.seeds, self.bin_seeding) {
            (Some(s), _) => (0..s.nrows())
                .flat_map(|i| (0..d).map(move |j| s[(i, j)] * scale))
                .collect(),
            (None, true) => bin_seeds(x, bandwidth, self.min_bin_freq)
                .map(|s| s.iter().map(|v| v * scale).collect())
                .unwrap_or_else(|| rows.clone()),
            (None, false) => rows.clone(),
        };
        let climbs: Vec<Climb> = seeds
            .par_chunks(d)
            .map_init(Vec::new, |stack, seed| {
                climb(&tree, seed, radius, self.max_iter, stack)
            })
            .collect();
        let n_iter = climbs.iter().map(|c| c.steps).max().unwrap_or(0);
        let centres = merge_modes(climbs, d, radius)?;
        if centres.is_empty() {
            return Err(Error::InvalidData {
                what: "X",
                location: String::new(),
                reason: format!(
                    "no row is within bandwidth = {bandwidth} of any seed; give other \
                     seeds or a larger bandwidth"
                ),
            });
        }
        let k = centres.len() / d;
        let centres = Mat::from_fn(k, d, |i, j| centres[i * d + j] / scale);
        let centre_index = NeighborIndex::build(centres.as_ref(), &centre_settings())?;
        let nearest = centre_index.kneighbors(x, 1)?;
        let labels = (0..n)
            .map(|i| {
                let within = nearest.distances(i)[0] <= bandwidth;
                (self.cluster_all || within).then_some(nearest.indices(i)[0])
            })
            .collect();
        Ok(MeanShiftModel {
            bandwidth,
            centres,
            centre_index,
            labels,
            n_iter,
        })
    }
}

/// The index over the modes: brute force, as there are few.
fn centre_settings() -> IndexSettings {
    IndexSettings::default().algorithm(Algorithm::Brute)
}

/// Where one seed ended: its last mean and how many rows that mean was taken over.
struct Climb {
    mean: Vec<f64>,
    intensity: usize,
    steps: usize,
}

/// scikit-learn's `_mean_shift_single_seed`: step to the mean of the rows within
/// `radius` until the step is at most `1e-3 · radius` or `max_iter` steps are taken.
fn climb(
    tree: &SumTree,
    seed: &[f64],
    radius: f64,
    max_iter: usize,
    stack: &mut Vec<usize>,
) -> Climb {
    let stop = 1e-3 * radius;
    let mut mean = seed.to_vec();
    let mut next = vec![0.0; seed.len()];
    let mut steps = 0;
    loop {
        let count = tree.ball_sum(&mean, radius, &mut next, stack);
        if count == 0 {
            return Climb {
                mean,
                intensity: 0,
                steps,
            };
        }
        let m = count as f64;
        next.iter_mut().for_each(|v| *v /= m);
        let shift = next
            .iter()
            .zip(&mean)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        std::mem::swap(&mut mean, &mut next);
        if shift <= stop || steps == max_iter {
            return Climb {
                mean,
                intensity: count,
                steps,
            };
        }
        steps += 1;
    }
}

/// scikit-learn's post-processing: seeds' end points (equal points once, with the last
/// one's intensity), ordered by intensity then coordinates, both descending; each kept
/// point drops the later ones within `radius`. Row-major modes.
fn merge_modes(climbs: Vec<Climb>, d: usize, radius: f64) -> Result<Vec<f64>> {
    let mut ends: Vec<(usize, Vec<f64>, usize)> = climbs
        .into_iter()
        .enumerate()
        .filter(|(_, c)| c.intensity > 0)
        .map(|(i, c)| {
            // -0.0 and 0.0 are one key, as in Python's tuples.
            let mean = c.mean.into_iter().map(|v| v + 0.0).collect();
            (i, mean, c.intensity)
        })
        .collect();
    let by_point = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    // Equal end points: the last seed's intensity stands (a dictionary's overwrite).
    ends.sort_by(|a, b| by_point(&a.1, &b.1).then(b.0.cmp(&a.0)));
    ends.dedup_by(|later, first| first.1 == later.1);
    ends.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| by_point(&b.1, &a.1)));
    if ends.is_empty() {
        return Ok(Vec::new());
    }
    let points: Vec<f64> = ends.iter().flat_map(|e| e.1.iter().copied()).collect();
    let m = ends.len();
    let index = NeighborIndex::build(
        faer::MatRef::from_row_major_slice(&points, m, d),
        &IndexSettings::default(),
    )?;
    let mut unique = vec![true; m];
    let mut near = Vec::new();
    for i in 0..m {
        if unique[i] {
            index.within_of_row(&points[i * d..(i + 1) * d], radius, &mut near)?;
            near.iter().for_each(|&j| unique[j] = false);
            unique[i] = true;
        }
    }
    Ok((0..m)
        .filter(|&i| unique[i])
        .flat_map(|i| points[i * d..(i + 1) * d].iter().copied())
        .collect())
}

/// scikit-learn's `get_bin_seeds`: the grid cells `round(x / bandwidth)` holding at
/// least `min_bin_freq` rows, in order of their first row, at `cell · bandwidth`
/// computed in `f32` as scikit-learn does (its seeds array is `float32`). `None` when
/// every row has a cell of its own (scikit-learn then seeds with the rows).
fn bin_seeds(x: faer::MatRef<'_, f64>, bandwidth: f64, min_bin_freq: usize) -> Option<Vec<f64>> {
    use std::collections::HashMap;
    let (n, d) = (x.nrows(), x.ncols());
    let mut cells: HashMap<Vec<u64>, (usize, usize)> = HashMap::new();
    let mut order: Vec<Vec<f64>> = Vec::new();
    for i in 0..n {
        // `+ 0.0` makes -0.0 the same cell as 0.0.
        let cell: Vec<f64> = (0..d)
            .map(|j| (x[(i, j)] / bandwidth).round_ties_even() + 0.0)
            .collect();
        let key: Vec<u64> = cell.iter().map(|v| v.to_bits()).collect();
        let entry = cells.entry(key).or_insert_with(|| {
            order.push(cell);
            (order.len() - 1, 0)
        });
        entry.1 += 1;
    }
    let mut counts = vec![0; order.len()];
    for (at, count) in cells.values() {
        counts[*at] = *count;
    }
    let kept: Vec<&Vec<f64>> = order
        .iter()
        .zip(&counts)
        .filter(|&(_, &c)| c >= min_bin_freq)
        .map(|(cell, _)| cell)
        .collect();
    if kept.len() == n {
        return None;
    }
    let b32 = bandwidth as f32;
    Some(
        kept.iter()
            .flat_map(|cell| {
                cell.iter().map(move |&c| {
                    let v = (c as f32) * b32;
                    if v.is_finite() {
                        f64::from(v)
                    } else {
                        c * bandwidth
                    }
                })
            })
            .collect(),
    )
}

impl FitUnsupervised for MeanShift {
    type Model = MeanShiftModel;

    fn fit(&self, x: Features<'_>) -> Result<MeanShiftModel> {
        MeanShift::fit(self, x)
    }
}

/// A fitted [`MeanShift`]: the modes (cluster centres) and the training rows' labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeanShiftModel {
    bandwidth: f64,
    #[serde(with = "ml_core::persist::mat")]
    centres: Mat<f64>,
    /// The modes, indexed for the nearest-mode queries of `predict`.
    centre_index: NeighborIndex,
    labels: Vec<Option<usize>>,
    n_iter: usize,
}

impl MeanShiftModel {
    /// The modes, one per row, most populated first (scikit-learn's
    /// `cluster_centers_`).
    pub fn cluster_centers(&self) -> &Mat<f64> {
        &self.centres
    }

    /// The number of clusters.
    pub fn n_clusters(&self) -> usize {
        self.centres.nrows()
    }

    /// Each training row's cluster; `None` only without `cluster_all`.
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// The bandwidth used (given or estimated).
    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }

    /// The most steps any seed took (scikit-learn's `n_iter_`).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The nearest mode of each row of `x` (as scikit-learn's `predict`, every row
    /// gets one whatever its distance).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] for `x`;
    /// [`Error::Unsupported`] for CSR input.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<usize>> {
        let x = x.into().dense("MeanShiftModel")?;
        validate::matrix_with_features(x, self.centres.ncols())?;
        Ok(self.centre_index.kneighbors(x, 1)?.all_indices().to_vec())
    }
}

impl Fitted for MeanShiftModel {
    fn n_features_in(&self) -> usize {
        self.centres.ncols()
    }
}

impl Predict for MeanShiftModel {
    type Output = Vec<usize>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<usize>> {
        MeanShiftModel::predict(self, x)
    }
}

impl Persist for MeanShiftModel {
    const MODEL_NAME: &'static str = "ml_cluster::MeanShiftModel";
}

impl Invariants for MeanShiftModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        inv::positive("bandwidth", &[self.bandwidth])?;
        inv::not_empty("labels", self.labels.len())?;
        inv::finite_mat("cluster centres", self.centres.as_ref())?;
        let (k, d) = (self.centres.nrows(), self.centres.ncols());
        inv::not_empty("cluster centres", k)?;
        inv::below_or_none("labels", &self.labels, k)?;
        inv::len("indexed centres", self.centre_index.n_samples(), k)?;
        inv::len("centre width", self.centre_index.n_features(), d)?;
        self.centre_index.check_invariants()
    }
}

/// Rows per leaf of the [`SumTree`].
const SUM_LEAF: usize = 32;

/// Relative margin on the box bounds, far above their rounding (a few ulps of `d`
/// terms), so a box is skipped or taken whole only where every row's own distance
/// test would agree.
const BOX_SLACK: f64 = 1e-9;

/// A k-d tree over the (scaled) rows whose nodes know their bounding box, row count and
/// coordinate sums: a flat kernel's sum over a ball adds whole nodes that lie inside
/// it in `O(1)` and tests rows one by one only in the nodes the sphere cuts, so a climb
/// step costs the ball's boundary rather than its contents. Each row's test is the
/// index's Euclidean evaluation, `sqrt(Σ (x − c)²) ≤ r`, so the rows counted are the
/// ones a radius query returns.
struct SumTree {
    d: usize,
    /// The rows in tree order, row-major.
    rows: Vec<f64>,
    nodes: Vec<SumNode>,
    /// Per node: `d` lower bounds, `d` upper bounds, `d` sums.
    boxes: Vec<f64>,
}

struct SumNode {
    start: usize,
    end: usize,
    /// Children, `usize::MAX` for a leaf.
    left: usize,
    right: usize,
}

impl SumTree {
    fn build(rows: &[f64], d: usize) -> Self {
        let n = rows.len() / d;
        let mut order: Vec<usize> = (0..n).collect();
        let mut tree = SumTree {
            d,
            rows: Vec::new(),
            nodes: Vec::new(),
            boxes: Vec::new(),
        };
        let mut stack = vec![(0usize, n, usize::MAX, false)];
        while let Some((start, end, parent, right)) = stack.pop() {
            let id = tree.nodes.len();
            tree.nodes.push(SumNode {
                start,
                end,
                left: usize::MAX,
                right: usize::MAX,
            });
            if parent != usize::MAX {
                if right {
                    tree.nodes[parent].right = id;
                } else {
                    tree.nodes[parent].left = id;
                }
            }
            let (mut lo, mut hi, mut sum) = (
                vec![f64::INFINITY; d],
                vec![f64::NEG_INFINITY; d],
                vec![0.0; d],
            );
            for &i in &order[start..end] {
                for j in 0..d {
                    let v = rows[i * d + j];
                    lo[j] = lo[j].min(v);
                    hi[j] = hi[j].max(v);
                    sum[j] += v;
                }
            }
            tree.boxes.extend(lo.iter().chain(&hi).chain(&sum));
            if end - start > SUM_LEAF {
                let axis = (0..d)
                    .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
                    .unwrap_or(0);
                let mid = (start + end) / 2;
                order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
                    rows[a * d + axis]
                        .total_cmp(&rows[b * d + axis])
                        .then(a.cmp(&b))
                });
                stack.push((mid, end, id, true));
                stack.push((start, mid, id, false));
            }
        }
        tree.rows = order
            .iter()
            .flat_map(|&i| rows[i * d..(i + 1) * d].iter().copied())
            .collect();
        tree
    }

    /// The number of rows within `r` of `c` and their coordinate sums (into `sum`).
    fn ball_sum(&self, c: &[f64], r: f64, sum: &mut [f64], stack: &mut Vec<usize>) -> usize {
        let d = self.d;
        sum.iter_mut().for_each(|s| *s = 0.0);
        let (outer, inner) = (
            (r * (1.0 + BOX_SLACK)).powi(2),
            (r * (1.0 - BOX_SLACK)).powi(2),
        );
        let mut count = 0;
        stack.clear();
        stack.push(0);
        while let Some(id) = stack.pop() {
            let node = &self.nodes[id];
            let b = &self.boxes[id * 3 * d..(id + 1) * 3 * d];
            let (lo, hi) = (&b[..d], &b[d..2 * d]);
            let (mut near, mut far) = (0.0, 0.0);
            for j in 0..d {
                let (below, above) = (lo[j] - c[j], c[j] - hi[j]);
                let gap = below.max(above).max(0.0);
                near += gap * gap;
                let reach = (c[j] - lo[j]).abs().max((hi[j] - c[j]).abs());
                far += reach * reach;
            }
            if near > outer {
                continue;
            }
            if far < inner {
                count += node.end - node.start;
                sum.iter_mut().zip(&b[2 * d..]).for_each(|(s, v)| *s += v);
                continue;
            }
            if node.left == usize::MAX {
                for row in self.rows[node.start * d..node.end * d].chunks_exact(d) {
                    let dist2: f64 = row.iter().zip(c).map(|(x, y)| (x - y) * (x - y)).sum();
                    if dist2.sqrt() <= r {
                        count += 1;
                        sum.iter_mut().zip(row).for_each(|(s, v)| *s += v);
                    }
                }
            } else {
                stack.extend([node.left, node.right]);
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ball_sums_count_the_rows_a_radius_query_finds() {
        // A grid (rows exactly at the radius) and a scatter, against a direct scan.
        let mut rows: Vec<f64> = (0..40 * 40)
            .flat_map(|i| [f64::from(i / 40) * 0.25, f64::from(i % 40) * 0.25])
            .collect();
        rows.extend((0..500).flat_map(|i| {
            let t = f64::from(i);
            [(t * 0.618).fract() * 10.0, (t * 0.377).fract() * 10.0]
        }));
        let tree = SumTree::build(&rows, 2);
        let (mut sum, mut stack) = (vec![0.0; 2], Vec::new());
        for (c, r) in [
            ([5.0, 5.0], 1.0),
            ([0.0, 0.0], 0.5),
            ([2.5, 7.25], 3.0),
            ([20.0, 0.0], 1.0),
        ] {
            let count = tree.ball_sum(&c, r, &mut sum, &mut stack);
            let mut want = (0, [0.0, 0.0]);
            for row in rows.chunks_exact(2) {
                let d2: f64 = row.iter().zip(&c).map(|(x, y)| (x - y) * (x - y)).sum();
                if d2.sqrt() <= r {
                    want.0 += 1;
                    want.1[0] += row[0];
                    want.1[1] += row[1];
                }
            }
            assert_eq!(count, want.0, "{c:?} {r}");
            for (got, want) in sum.iter().zip(want.1) {
                assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0));
            }
        }
    }
}
