//! The KL divergence's gradient with respect to the embedding, as scikit-learn 1.9's
//! `_kl_divergence` (every pair) and `_kl_divergence_bh` (Barnes–Hut), in `f64`.
//!
//! With `dof = max(n_components − 1, 1)` and `w_ij = (1 + ‖y_i − y_j‖² / dof)^−(dof+1)/2`,
//! `q_ij = w_ij / Σ w`, the gradient is `c · Σ_j (p_ij − q_ij) w_ij (y_i − y_j)` with
//! `c = 2 (dof + 1) / dof`. Barnes–Hut splits it into the attractive part over the
//! neighbour graph and the repulsive part `Σ_j w_ij² (y_i − y_j) / Σ w`, whose far cells
//! of a space-partitioning tree count as one point at their centre of mass when
//! `width² / distance² < angle²`. Both run in parallel over rows.

use rayon::prelude::*;

use super::affinity::SparseAffinities;

/// `f64::EPSILON`, scikit-learn's floor on `q` in the exact KL.
const MACHINE_EPSILON: f64 = f64::EPSILON;

/// `f32`'s smallest normal number: scikit-learn's floor inside the Barnes–Hut KL.
const FLOAT32_TINY: f64 = f32::MIN_POSITIVE as f64;

/// The Student-t kernel `(dof / (dof + d²))^((dof+1)/2)` of a squared distance, which is
/// `(1 + d²/dof)^−(dof+1)/2`.
#[inline]
fn kernel(dof: f64, d2: f64) -> f64 {
    let q = dof / (dof + d2);
    if dof == 1.0 {
        q
    } else {
        q.powf((dof + 1.0) / 2.0)
    }
}

fn squared(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The exact KL divergence (when `with_error`) and its gradient into `grad`, from the
/// dense `p` (row-major `n × n`) and the row-major embedding `y` of width `d`.
pub(super) fn exact(
    p: &[f64],
    y: &[f64],
    d: usize,
    dof: f64,
    with_error: bool,
    grad: &mut [f64],
) -> f64 {
    let n = y.len() / d;
    let row = |i: usize| &y[i * d..(i + 1) * d];
    // Σ over all ordered pairs of w_ij (twice scikit-learn's condensed sum).
    let total = ordered_sum(
        (0..n)
            .into_par_iter()
            .map(|i| {
                (0..n)
                    .filter(|&j| j != i)
                    .map(|j| kernel(dof, squared(row(i), row(j))))
                    .sum::<f64>()
            })
            .collect(),
    );
    let c = 2.0 * (dof + 1.0) / dof;
    let per_row: Vec<f64> = grad
        .par_chunks_mut(d)
        .enumerate()
        .map(|(i, g)| {
            g.iter_mut().for_each(|v| *v = 0.0);
            let mut kl = 0.0;
            for j in (0..n).filter(|&j| j != i) {
                let w = kernel(dof, squared(row(i), row(j)));
                let q = (w / total).max(MACHINE_EPSILON);
                let pij = p[i * n + j];
                if with_error {
                    kl += pij * (pij.max(MACHINE_EPSILON) / q).ln();
                }
                let f = (pij - q) * w;
                for ((gk, yi), yj) in g.iter_mut().zip(row(i)).zip(row(j)) {
                    *gk += f * (yi - yj);
                }
            }
            g.iter_mut().for_each(|v| *v *= c);
            kl
        })
        .collect();
    if with_error {
        ordered_sum(per_row)
    } else {
        f64::NAN
    }
}

/// Rows per leaf of the space-partitioning tree.
const LEAF: usize = 8;

/// A space-partitioning tree over a `D`-dimensional embedding (a binary tree in 1-D, a
/// quadtree in 2-D, an octree in 3-D): each cell splits at its centre into up to `2^D`
/// children, keeps its centre of mass, row count and squared width, and a leaf keeps up
/// to [`LEAF`] rows (more only when they coincide). The rows are copied in tree order,
/// so a cell's rows are contiguous in memory.
pub(super) struct SpaceTree<const D: usize> {
    nodes: Vec<Cell<D>>,
    /// Row indices in tree order: each cell's rows are a range of it.
    order: Vec<usize>,
    /// The rows in tree order.
    points: Vec<[f64; D]>,
}

struct Cell<const D: usize> {
    start: usize,
    end: usize,
    com: [f64; D],
    /// The largest side's square.
    width2: f64,
    /// First child and number of children (children are contiguous), 0 for a leaf.
    first_child: usize,
    n_children: usize,
}

#[inline(always)]
fn squared_d<const D: usize>(a: &[f64; D], b: &[f64; D]) -> f64 {
    let mut s = 0.0;
    for k in 0..D {
        let t = a[k] - b[k];
        s += t * t;
    }
    s
}

impl<const D: usize> SpaceTree<D> {
    /// Builds the tree over the rows `y`.
    pub(super) fn build(y: &[[f64; D]]) -> Self {
        let n = y.len();
        let (mut lo, mut hi) = ([f64::INFINITY; D], [f64::NEG_INFINITY; D]);
        for r in y {
            for k in 0..D {
                lo[k] = lo[k].min(r[k]);
                hi[k] = hi[k].max(r[k]);
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        let mut nodes = Vec::with_capacity(2 * n / LEAF + 1);
        let mut bounds = vec![(lo, hi)];
        nodes.push(Self::cell(y, &order, 0, n, &lo, &hi));
        let (mut codes, mut scratch) = (Vec::new(), Vec::new());
        // Breadth-first: each split appends its children contiguously.
        let mut at = 0;
        while at < nodes.len() {
            let (start, end) = (nodes[at].start, nodes[at].end);
            let (lo, hi) = bounds[at];
            let first = y[order[start]];
            let coincide = (0..D).all(|k| hi[k] - lo[k] <= 0.0)
                || order[start..end].iter().all(|&i| y[i] == first);
            if end - start > LEAF && !coincide {
                let mut mid = [0.0; D];
                for k in 0..D {
                    mid[k] = 0.5 * (lo[k] + hi[k]);
                }
                // A counting sort of the rows by orthant, stable within each.
                codes.clear();
                codes.extend(order[start..end].iter().map(|&i| {
                    (0..D).fold(0usize, |o, k| o | (usize::from(y[i][k] > mid[k]) << k))
                }));
                let mut offsets = [0usize; 9];
                for &c in &codes {
                    offsets[c + 1] += 1;
                }
                for c in 0..8 {
                    offsets[c + 1] += offsets[c];
                }
                scratch.clear();
                scratch.resize(end - start, 0);
                let mut next = offsets;
                for (&c, &i) in codes.iter().zip(&order[start..end]) {
                    scratch[next[c]] = i;
                    next[c] += 1;
                }
                order[start..end].copy_from_slice(&scratch);
                let first_child = nodes.len();
                for c in 0..(1usize << D) {
                    let (s, e) = (start + offsets[c], start + offsets[c + 1]);
                    if s == e {
                        continue;
                    }
                    let (mut clo, mut chi) = (lo, hi);
                    for k in 0..D {
                        if c >> k & 1 == 1 {
                            clo[k] = mid[k];
                        } else {
                            chi[k] = mid[k];
                        }
                    }
                    nodes.push(Self::cell(y, &order, s, e, &clo, &chi));
                    bounds.push((clo, chi));
                }
                nodes[at].first_child = first_child;
                nodes[at].n_children = nodes.len() - first_child;
            }
            at += 1;
        }
        let points = order.iter().map(|&i| y[i]).collect();
        SpaceTree {
            nodes,
            order,
            points,
        }
    }

    fn cell(
        y: &[[f64; D]],
        order: &[usize],
        start: usize,
        end: usize,
        lo: &[f64; D],
        hi: &[f64; D],
    ) -> Cell<D> {
        let mut com = [0.0; D];
        for &i in &order[start..end] {
            for k in 0..D {
                com[k] += y[i][k];
            }
        }
        let m = (end - start) as f64;
        com.iter_mut().for_each(|c| *c /= m);
        let width2 = (0..D).map(|k| (hi[k] - lo[k]).powi(2)).fold(0.0, f64::max);
        Cell {
            start,
            end,
            com,
            width2,
            first_child: 0,
            n_children: 0,
        }
    }

    /// Row `i`'s (at `yi`) repulsive sum `Σ_j w_ij² (y_i − y_j)` into `force`, and
    /// `Σ_j w_ij`.
    fn repulsion(
        &self,
        yi: &[f64; D],
        i: usize,
        dof: f64,
        theta2: f64,
        force: &mut [f64; D],
        stack: &mut Vec<usize>,
    ) -> f64 {
        *force = [0.0; D];
        let mut sum_w = 0.0;
        stack.clear();
        stack.push(0);
        while let Some(id) = stack.pop() {
            let cell = &self.nodes[id];
            let dist2 = squared_d(yi, &cell.com);
            // A far cell counts as one point at its centre of mass (a cell holding only
            // `i` itself is near, at distance 0, and never summarised).
            if cell.width2 < theta2 * dist2 {
                let count = (cell.end - cell.start) as f64;
                let w = kernel(dof, dist2);
                sum_w += count * w;
                let m = count * w * w;
                for k in 0..D {
                    force[k] += m * (yi[k] - cell.com[k]);
                }
            } else if cell.n_children == 0 {
                let rows = cell.start..cell.end;
                for (yj, &j) in self.points[rows.clone()].iter().zip(&self.order[rows]) {
                    if j == i {
                        continue;
                    }
                    let w = kernel(dof, squared_d(yi, yj));
                    sum_w += w;
                    let m = w * w;
                    for k in 0..D {
                        force[k] += m * (yi[k] - yj[k]);
                    }
                }
            } else {
                stack.extend(cell.first_child..cell.first_child + cell.n_children);
            }
        }
        sum_w
    }
}

/// The Barnes–Hut KL divergence (when `with_error`, from the attractive pass) and
/// gradient into `grad`, for the row-major `d`-dimensional embedding `y` (`1 ≤ d ≤ 3`).
pub(super) fn barnes_hut(
    p: &SparseAffinities,
    y: &[f64],
    d: usize,
    dof: f64,
    angle: f64,
    with_error: bool,
    grad: &mut [f64],
) -> f64 {
    match d {
        1 => barnes_hut_d::<1>(
            p,
            y.as_chunks().0,
            dof,
            angle,
            with_error,
            grad.as_chunks_mut().0,
        ),
        2 => barnes_hut_d::<2>(
            p,
            y.as_chunks().0,
            dof,
            angle,
            with_error,
            grad.as_chunks_mut().0,
        ),
        _ => barnes_hut_d::<3>(
            p,
            y.as_chunks().0,
            dof,
            angle,
            with_error,
            grad.as_chunks_mut().0,
        ),
    }
}

fn barnes_hut_d<const D: usize>(
    p: &SparseAffinities,
    y: &[[f64; D]],
    dof: f64,
    angle: f64,
    with_error: bool,
    grad: &mut [[f64; D]],
) -> f64 {
    let tree = SpaceTree::build(y);
    let theta2 = angle * angle;
    let n = y.len();
    let mut repulse = vec![[0.0; D]; n];
    let sum_w = ordered_sum(
        repulse
            .par_iter_mut()
            .enumerate()
            .with_min_len(64)
            .map_init(Vec::new, |stack, (i, f)| {
                tree.repulsion(&y[i], i, dof, theta2, f, stack)
            })
            .collect(),
    );
    let c = 2.0 * (dof + 1.0) / dof;
    let per_row: Vec<f64> = grad
        .par_iter_mut()
        .zip(&repulse)
        .enumerate()
        .with_min_len(64)
        .map(|(i, (g, rep))| {
            let yi = &y[i];
            let mut acc = [0.0; D];
            let mut kl = 0.0;
            let (cols, vals) = p.row(i);
            for (&j, &pij) in cols.iter().zip(vals) {
                let yj = &y[j];
                let w = kernel(dof, squared_d(yi, yj));
                if with_error {
                    let q = w / sum_w;
                    kl += pij * (pij.max(FLOAT32_TINY) / q.max(FLOAT32_TINY)).ln();
                }
                let f = pij * w;
                for k in 0..D {
                    acc[k] += f * (yi[k] - yj[k]);
                }
            }
            for k in 0..D {
                g[k] = c * (acc[k] - rep[k] / sum_w);
            }
            kl
        })
        .collect();
    if with_error {
        ordered_sum(per_row)
    } else {
        f64::NAN
    }
}

/// Per-row figures summed in row order, so the result does not depend on how rayon
/// split the rows between threads.
fn ordered_sum(values: Vec<f64>) -> f64 {
    values.into_iter().sum()
}
