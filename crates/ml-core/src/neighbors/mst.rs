//! Minimum spanning trees of the mutual-reachability distance (HDBSCAN's graph):
//! `max(core[i], core[j], d(i, j) / alpha)` over every pair of indexed rows.
//!
//! Tree backends run Borůvka's algorithm on a ball tree: each round, every row looks
//! for its lightest edge to another component in parallel, pruning nodes whose rows all
//! share its component, and nodes whose lower bound `max(core[i], min core of the node,
//! d_lower / alpha)` exceeds the best edge its component has found so far (shared
//! between threads); each component then takes its lightest edge, and union-find drops
//! an edge that would close a cycle among equally light ones. A row first tries its
//! nearest neighbours (the lists its core distance came from): when one of them is in
//! another component with a core distance no larger than its own, the edge weighs
//! `core[i]`, the least any edge of the row can, and the tree is not searched at all.
//! `O(log n)` rounds suffice. Brute-force indexes (CSR rows, cosine,
//! wide data) run Prim's algorithm over the rows, `O(n²)` distances in `O(n)` memory.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::ball::BallTree;
use super::connect::Forest;
use super::{Backend, KNeighbors, Metric, NeighborIndex, Points};
use crate::{Error, Result};

/// One edge of a spanning tree: two indexed rows and the edge's weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// One end (the row already in the tree, for Prim's order).
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// The mutual-reachability distance between them.
    pub weight: f64,
}

/// Edge order: weight, then the smaller row, then the larger.
fn key(w: f64, a: usize, b: usize) -> (f64, usize, usize) {
    (w, a.min(b), a.max(b))
}

fn lighter(x: (f64, usize, usize), y: (f64, usize, usize)) -> bool {
    x.0.total_cmp(&y.0)
        .then((x.1, x.2).cmp(&(y.1, y.2)))
        .is_lt()
}

impl NeighborIndex {
    /// The minimum spanning tree of the indexed rows under the mutual-reachability
    /// distance `max(core[i], core[j], d(i, j) / alpha)` (HDBSCAN's; scikit-learn's
    /// tree path divides only `d` by `alpha`): `n − 1` edges, in the order found, with
    /// exact weights (each [`Metric`]'s one evaluation, in the caller's units). Where
    /// weights tie, which of the equally light trees comes back is left open.
    ///
    /// `neighbors`, each indexed row's nearest indexed rows (as
    /// [`kneighbors_of_indexed`](Self::kneighbors_of_indexed) or `kneighbors` of the
    /// rows themselves give them; the core distances usually come from them), are
    /// tried first: most rows find their lightest edge among them, which then bounds
    /// the tree search or ends it.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for core distances or neighbour lists not one per
    /// indexed row; [`Error::InvalidParameter`] for core distances that are negative or
    /// not finite (named `core_distances`), neighbour indices out of range (named
    /// `neighbors`) or an `alpha` that is not finite and `> 0`.
    pub fn mutual_reachability_mst(
        &self,
        core_distances: &[f64],
        alpha: f64,
        neighbors: Option<&KNeighbors>,
    ) -> Result<Vec<Edge>> {
        let n = self.n_samples();
        if core_distances.len() != n {
            return Err(Error::ShapeMismatch {
                what: "number of core distances",
                expected: n,
                got: core_distances.len(),
            });
        }
        if let Some(&bad) = core_distances
            .iter()
            .find(|c| !(c.is_finite() && **c >= 0.0))
        {
            return Err(Error::invalid_parameter(
                "core_distances",
                bad,
                "finite and >= 0",
            ));
        }
        let empty = KNeighbors {
            k: 0,
            distances: Vec::new(),
            indices: Vec::new(),
        };
        let neighbors = match neighbors {
            Some(k) if k.n_queries() != n => {
                return Err(Error::ShapeMismatch {
                    what: "number of neighbour lists",
                    expected: n,
                    got: k.n_queries(),
                });
            }
            Some(k) => {
                if let Some(&bad) = k.all_indices().iter().find(|&&j| j >= n) {
                    return Err(Error::invalid_parameter(
                        "neighbors",
                        bad,
                        "indices of indexed rows (below n_samples)",
                    ));
                }
                k
            }
            None => &empty,
        };
        crate::validate::positive("alpha", alpha)?;
        if n < 2 {
            return Ok(Vec::new());
        }
        let core: Vec<f64> = core_distances
            .iter()
            .map(|&c| self.scaled_radius(c))
            .collect();
        let edges = match (&self.points, &self.backend) {
            (Points::Dense { data, d, .. }, Backend::Ball(tree)) => {
                let rows = Rows { data, d: *d };
                boruvka(tree, rows, self.metric, &core, alpha, neighbors)
            }
            (Points::Dense { data, d, .. }, Backend::Kd(_)) => {
                let tree = BallTree::build(data, *d, self.metric, self.settings.leaf_size);
                let rows = Rows { data, d: *d };
                boruvka(&tree, rows, self.metric, &core, alpha, neighbors)
            }
            (points, _) => prim(points, self.metric, &core, alpha),
        };
        Ok(edges
            .into_iter()
            .map(|e| Edge {
                weight: self.metric.unscale(e.weight, self.scale),
                ..e
            })
            .collect())
    }
}

/// A node's rows do not all share one component.
const MIXED: usize = usize::MAX;

/// Row-major dense rows.
#[derive(Clone, Copy)]
struct Rows<'a> {
    data: &'a [f64],
    d: usize,
}

impl Rows<'_> {
    fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }
}

fn boruvka(
    tree: &BallTree,
    rows: Rows<'_>,
    metric: Metric,
    core: &[f64],
    alpha: f64,
    neighbors: &KNeighbors,
) -> Vec<Edge> {
    let n = core.len();
    let nodes = &tree.nodes;
    // The smallest core distance under each node (children follow their parents).
    let mut node_core = vec![f64::INFINITY; nodes.len()];
    for id in (0..nodes.len()).rev() {
        let node = &nodes[id];
        node_core[id] = if node.is_leaf() {
            tree.order[node.start..node.end]
                .iter()
                .map(|&i| core[i])
                .fold(f64::INFINITY, f64::min)
        } else {
            node_core[node.left].min(node_core[node.right])
        };
    }
    let components = Forest::new(n);
    let mut comp: Vec<usize> = (0..n).collect();
    let mut edges = Vec::with_capacity(n - 1);
    let mut node_comp = vec![MIXED; nodes.len()];
    while edges.len() + 1 < n {
        for id in (0..nodes.len()).rev() {
            let node = &nodes[id];
            node_comp[id] = if node.is_leaf() {
                let members = &tree.order[node.start..node.end];
                let c = comp[members[0]];
                if members.iter().all(|&i| comp[i] == c) {
                    c
                } else {
                    MIXED
                }
            } else if node_comp[node.left] == node_comp[node.right] {
                node_comp[node.left]
            } else {
                MIXED
            };
        }
        // The weight of the lightest edge each component has found so far: non-negative
        // floats order as their bit patterns, so `fetch_min` on the bits keeps it.
        let comp_best: Vec<AtomicU64> = (0..n)
            .map(|_| AtomicU64::new(f64::INFINITY.to_bits()))
            .collect();
        let search = Search {
            tree,
            rows,
            metric,
            core,
            alpha,
            comp: &comp,
            node_comp: &node_comp,
            node_core: &node_core,
            comp_best: &comp_best,
        };
        let found: Vec<Option<(f64, usize, usize)>> = (0..n)
            .into_par_iter()
            .map_init(Vec::new, |stack, i| {
                let hint = if neighbors.k == 0 {
                    &[][..]
                } else {
                    neighbors.indices(i)
                };
                search.lightest_edge(i, hint, stack)
            })
            .collect();
        let mut lightest: Vec<Option<(f64, usize, usize)>> = vec![None; n];
        for (i, f) in found.into_iter().enumerate() {
            if let Some(e) = f {
                let slot = &mut lightest[comp[i]];
                if slot.is_none_or(|b| lighter(e, b)) {
                    *slot = Some(e);
                }
            }
        }
        let before = edges.len();
        for (w, a, b) in lightest.into_iter().flatten() {
            if components.union(a, b) {
                edges.push(Edge { a, b, weight: w });
            }
        }
        if edges.len() == before {
            // Cannot happen on a complete graph; guards the loop all the same.
            break;
        }
        for (i, c) in comp.iter_mut().enumerate() {
            *c = components.find(i);
        }
    }
    edges
}

/// One Borůvka round's shared state.
struct Search<'a> {
    tree: &'a BallTree,
    rows: Rows<'a>,
    metric: Metric,
    core: &'a [f64],
    alpha: f64,
    comp: &'a [usize],
    node_comp: &'a [usize],
    node_core: &'a [f64],
    comp_best: &'a [AtomicU64],
}

impl Search<'_> {
    fn weight(&self, i: usize, j: usize) -> f64 {
        let d = self.metric.distance(self.rows.row(i), self.rows.row(j));
        self.core[i].max(self.core[j]).max(d / self.alpha)
    }

    /// Row `i`'s lightest edge to another component: first among its `hint`
    /// neighbours, then in the tree, unless the hint already reaches the lower bound
    /// `core[i]` that every edge of `i` weighs at least.
    fn lightest_edge(
        &self,
        i: usize,
        hint: &[usize],
        stack: &mut Vec<usize>,
    ) -> Option<(f64, usize, usize)> {
        let (ci, core_i) = (self.comp[i], self.core[i]);
        let shared = &self.comp_best[ci];
        let mut best: Option<(f64, usize, usize)> = None;
        let mut best_w = f64::INFINITY;
        let offer = |j: usize, best: &mut Option<(f64, usize, usize)>, best_w: &mut f64| {
            let w = self.weight(i, j);
            let cand = key(w, i, j);
            if best.is_none_or(|b| lighter(cand, b)) {
                *best = Some(cand);
                *best_w = w;
                shared.fetch_min(w.to_bits(), Ordering::Relaxed);
            }
        };
        for &j in hint {
            if self.comp[j] != ci {
                offer(j, &mut best, &mut best_w);
            }
        }
        if best_w <= core_i {
            return best;
        }
        let q = self.rows.row(i);
        stack.clear();
        stack.push(0usize);
        while let Some(id) = stack.pop() {
            if self.node_comp[id] == ci {
                continue;
            }
            let limit = best_w.min(f64::from_bits(shared.load(Ordering::Relaxed)));
            let bound = core_i
                .max(self.node_core[id])
                .max(self.tree.lower_bound(self.metric, q, id) / self.alpha);
            if bound > limit {
                continue;
            }
            let node = &self.tree.nodes[id];
            if node.is_leaf() {
                for &j in &self.tree.order[node.start..node.end] {
                    if self.comp[j] != ci {
                        offer(j, &mut best, &mut best_w);
                    }
                }
                if best_w <= core_i {
                    // No edge of `i` is lighter than its core distance.
                    break;
                }
            } else {
                // The nearer child is searched first: pushed last.
                let (l, r) = (node.left, node.right);
                let (bl, br) = (
                    self.tree.lower_bound(self.metric, q, l),
                    self.tree.lower_bound(self.metric, q, r),
                );
                if bl <= br {
                    stack.extend([r, l]);
                } else {
                    stack.extend([l, r]);
                }
            }
        }
        best
    }
}

/// Rows per parallel task of Prim's scan.
const PRIM_CHUNK: usize = 4096;

/// Prim's algorithm over all pairs, from row 0: each step adds the row nearest the
/// tree (ties to the smaller row, as scikit-learn's scan), `O(n)` memory.
fn prim(points: &Points, metric: Metric, core: &[f64], alpha: f64) -> Vec<Edge> {
    let n = core.len();
    let mut in_tree = vec![false; n];
    let mut reach = vec![(f64::INFINITY, 0usize); n];
    let mut edges = Vec::with_capacity(n - 1);
    let mut current = 0;
    for _ in 1..n {
        in_tree[current] = true;
        let from = points.row(current);
        let core_c = core[current];
        let in_tree_ref = &in_tree;
        let best = reach
            .par_chunks_mut(PRIM_CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut best = (f64::INFINITY, usize::MAX);
                for (k, slot) in chunk.iter_mut().enumerate() {
                    let j = c * PRIM_CHUNK + k;
                    if in_tree_ref[j] {
                        continue;
                    }
                    let w = core_c
                        .max(core[j])
                        .max(points.row(j).distance(metric, &from) / alpha);
                    if w < slot.0 {
                        *slot = (w, current);
                    }
                    if slot.0 < best.0 || best.1 == usize::MAX {
                        best = (slot.0, j);
                    }
                }
                best
            })
            .reduce(
                || (f64::INFINITY, usize::MAX),
                |x, y| {
                    if y.1 != usize::MAX && (x.1 == usize::MAX || y.0 < x.0) {
                        y
                    } else {
                        x
                    }
                },
            );
        let (w, next) = best;
        edges.push(Edge {
            a: reach[next].1,
            b: next,
            weight: w,
        });
        current = next;
    }
    edges
}
