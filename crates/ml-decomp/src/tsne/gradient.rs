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
    let total: f64 = (0..n)
        .into_par_iter()
        .map(|i| {
            (0..n)
                .filter(|&j| j != i)
                .map(|j| kernel(dof, squared(row(i), row(j))))
                .sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .into_iter()
        .sum(); // in row order: the same on any thread count
    let c = 2.0 * (dof + 1.0) / dof;
    let error: f64 = grad
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
        .collect::<Vec<f64>>()
        .into_iter()
        .sum(); // in row order: the same on any thread count
    if with_error { error } else { f64::NAN }
}

/// Rows per leaf of the space-partitioning tree.
const LEAF: usize = 8;

/// A space-partitioning tree over the embedding (a binary tree in 1-D, a quadtree in
/// 2-D, an octree in 3-D): each cell splits at its centre into `2^d` children, keeps
/// its centre of mass, row count and squared width, and a leaf keeps up to [`LEAF`]
/// rows (more only when they coincide).
pub(super) struct SpaceTree {
    d: usize,
    nodes: Vec<Cell>,
    /// Row indices in tree order: each cell's rows are a range of it.
    order: Vec<usize>,
}

struct Cell {
    start: usize,
    end: usize,
    /// Centre of mass (the first `d` entries).
    com: [f64; 3],
    /// The largest side's square.
    width2: f64,
    /// First child and number of children (children are contiguous), 0 for a leaf.
    first_child: usize,
    n_children: usize,
}

impl SpaceTree {
    /// Builds the tree over the row-major `n × d` embedding `y` (`1 ≤ d ≤ 3`).
    pub(super) fn build(y: &[f64], d: usize) -> Self {
        let n = y.len() / d;
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for r in y.chunks_exact(d) {
            for k in 0..d {
                lo[k] = lo[k].min(r[k]);
                hi[k] = hi[k].max(r[k]);
            }
        }
        let mut tree = SpaceTree {
            d,
            nodes: Vec::with_capacity(2 * n / LEAF + 1),
            order: (0..n).collect(),
        };
        tree.nodes.push(tree.cell(y, 0, n, &lo, &hi));
        // Breadth-first: each split appends its children contiguously.
        let mut at = 0;
        let mut bounds = vec![(lo, hi)];
        while at < tree.nodes.len() {
            let (start, end) = (tree.nodes[at].start, tree.nodes[at].end);
            let (lo, hi) = bounds[at];
            let coincide = (0..d).all(|k| hi[k] - lo[k] <= 0.0)
                || tree.order[start..end]
                    .iter()
                    .all(|&i| (0..d).all(|k| y[i * d + k] == y[tree.order[start] * d + k]));
            if end - start > LEAF && !coincide {
                let mid: Vec<f64> = (0..d).map(|k| 0.5 * (lo[k] + hi[k])).collect();
                let orthant = |i: usize| {
                    (0..d).fold(0usize, |o, k| o | (usize::from(y[i * d + k] > mid[k]) << k))
                };
                let rows = &mut tree.order[start..end];
                rows.sort_unstable_by_key(|&i| (orthant(i), i));
                let first_child = tree.nodes.len();
                let mut s = start;
                while s < end {
                    let o = orthant(tree.order[s]);
                    let e = s + tree.order[s..end].partition_point(|&i| orthant(i) == o);
                    let (mut clo, mut chi) = (lo, hi);
                    for k in 0..d {
                        if o >> k & 1 == 1 {
                            clo[k] = mid[k];
                        } else {
                            chi[k] = mid[k];
                        }
                    }
                    let cell = tree.cell(y, s, e, &clo, &chi);
                    tree.nodes.push(cell);
                    bounds.push((clo, chi));
                    s = e;
                }
                tree.nodes[at].first_child = first_child;
                tree.nodes[at].n_children = tree.nodes.len() - first_child;
            }
            at += 1;
        }
        tree
    }

    fn cell(&self, y: &[f64], start: usize, end: usize, lo: &[f64; 3], hi: &[f64; 3]) -> Cell {
        let d = self.d;
        let mut com = [0.0; 3];
        for &i in &self.order[start..end] {
            for k in 0..d {
                com[k] += y[i * d + k];
            }
        }
        let m = (end - start) as f64;
        com.iter_mut().take(d).for_each(|c| *c /= m);
        let width2 = (0..d).map(|k| (hi[k] - lo[k]).powi(2)).fold(0.0, f64::max);
        Cell {
            start,
            end,
            com,
            width2,
            first_child: 0,
            n_children: 0,
        }
    }

    /// Row `i`'s repulsive sum `Σ_j w_ij² (y_i − y_j)` into `force` and `Σ_j w_ij`.
    fn repulsion(
        &self,
        y: &[f64],
        i: usize,
        dof: f64,
        theta2: f64,
        force: &mut [f64],
        stack: &mut Vec<usize>,
    ) -> f64 {
        let d = self.d;
        let yi = &y[i * d..(i + 1) * d];
        force.iter_mut().for_each(|f| *f = 0.0);
        let mut sum_w = 0.0;
        stack.clear();
        stack.push(0);
        while let Some(id) = stack.pop() {
            let cell = &self.nodes[id];
            let dist2 = squared(yi, &cell.com[..d]);
            // A far cell counts as one point at its centre of mass (a cell holding only
            // `i` itself is near, at distance 0, and never summarised).
            if cell.width2 < theta2 * dist2 {
                let count = (cell.end - cell.start) as f64;
                let w = kernel(dof, dist2);
                sum_w += count * w;
                let m = count * w * w;
                for ((f, a), b) in force.iter_mut().zip(yi).zip(&cell.com[..d]) {
                    *f += m * (a - b);
                }
            } else if cell.n_children == 0 {
                for &j in &self.order[cell.start..cell.end] {
                    if j == i {
                        continue;
                    }
                    let yj = &y[j * d..(j + 1) * d];
                    let w = kernel(dof, squared(yi, yj));
                    sum_w += w;
                    let m = w * w;
                    for ((f, a), b) in force.iter_mut().zip(yi).zip(yj) {
                        *f += m * (a - b);
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
/// gradient into `grad`.
pub(super) fn barnes_hut(
    p: &SparseAffinities,
    y: &[f64],
    d: usize,
    dof: f64,
    angle: f64,
    with_error: bool,
    grad: &mut [f64],
) -> f64 {
    let tree = SpaceTree::build(y, d);
    let theta2 = angle * angle;
    let n = y.len() / d;
    let mut repulse = vec![0.0; n * d];
    let sum_w: f64 = repulse
        .par_chunks_mut(d)
        .enumerate()
        .map_init(Vec::new, |stack, (i, f)| {
            tree.repulsion(y, i, dof, theta2, f, stack)
        })
        .collect::<Vec<f64>>()
        .into_iter()
        .sum(); // in row order: the same on any thread count
    let c = 2.0 * (dof + 1.0) / dof;
    let error: f64 = grad
        .par_chunks_mut(d)
        .zip(repulse.par_chunks(d))
        .enumerate()
        .map(|(i, (g, rep))| {
            let yi = &y[i * d..(i + 1) * d];
            g.iter_mut().for_each(|v| *v = 0.0);
            let mut kl = 0.0;
            let (cols, vals) = p.row(i);
            for (&j, &pij) in cols.iter().zip(vals) {
                let yj = &y[j * d..(j + 1) * d];
                let w = kernel(dof, squared(yi, yj));
                if with_error {
                    let q = w / sum_w;
                    kl += pij * (pij.max(FLOAT32_TINY) / q.max(FLOAT32_TINY)).ln();
                }
                let f = pij * w;
                for ((gk, a), b) in g.iter_mut().zip(yi).zip(yj) {
                    *gk += f * (a - b);
                }
            }
            for (gk, r) in g.iter_mut().zip(rep) {
                *gk = c * (*gk - r / sum_w);
            }
            kl
        })
        .collect::<Vec<f64>>()
        .into_iter()
        .sum(); // in row order: the same on any thread count
    if with_error { error } else { f64::NAN }
}
