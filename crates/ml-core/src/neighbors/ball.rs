//! The ball-tree backend, for true metrics kiddo does not have (Minkowski with any
//! `p`, haversine) and for data wider than its widths.
//!
//! Built as scikit-learn's `BallTree` is: each node splits its rows at the median of
//! the feature with the largest spread; a node keeps the mean of its rows as centre and
//! the largest distance from the centre to a row as radius, so the triangle inequality
//! bounds every row's distance from a query by `d(q, centre) ± radius`. Pruning keeps a
//! relative margin over that bound, so rounding in the bound never drops a row that
//! ties the current `k`-th distance: the search returns exactly the `k` smallest
//! `(distance, row)` pairs.

use std::collections::BinaryHeap;

use super::{Candidate, Metric};

/// Relative slack on pruning bounds, far above the rounding of `d(q, c) ± r`.
const BOUND_SLACK: f64 = 1e-10;

#[derive(Debug, Clone)]
pub(super) struct Node {
    /// The node's rows are `order[start..end]`.
    pub(super) start: usize,
    pub(super) end: usize,
    radius: f64,
    /// Children (`usize::MAX` for a leaf).
    pub(super) left: usize,
    pub(super) right: usize,
}

impl Node {
    pub(super) fn is_leaf(&self) -> bool {
        self.left == usize::MAX
    }
}

/// A ball tree over row-major `n × d` data owned by the index.
#[derive(Debug, Clone)]
pub(crate) struct BallTree {
    /// The rows in tree order: each node's rows are a range of it.
    pub(super) order: Vec<usize>,
    /// The nodes, every parent before its children (the root first).
    pub(super) nodes: Vec<Node>,
    /// One centre of `d` values per node.
    centres: Vec<f64>,
    d: usize,
}

impl BallTree {
    /// Builds the tree with at most `leaf_size` rows per leaf (`leaf_size ≥ 1`).
    pub(crate) fn build(data: &[f64], d: usize, metric: Metric, leaf_size: usize) -> Self {
        let n = data.len() / d;
        let mut tree = BallTree {
            order: (0..n).collect(),
            nodes: Vec::new(),
            centres: Vec::new(),
            d,
        };
        let mut stack = vec![(0usize, n, usize::MAX, false)];
        while let Some((start, end, parent, is_right)) = stack.pop() {
            let id = tree.nodes.len();
            let (centre, radius) = tree.ball(data, metric, start, end);
            tree.centres.extend_from_slice(&centre);
            tree.nodes.push(Node {
                start,
                end,
                radius,
                left: usize::MAX,
                right: usize::MAX,
            });
            if parent != usize::MAX {
                if is_right {
                    tree.nodes[parent].right = id;
                } else {
                    tree.nodes[parent].left = id;
                }
            }
            if end - start > leaf_size.max(1) {
                let mid = tree.split(data, start, end);
                stack.push((mid, end, id, true));
                stack.push((start, mid, id, false));
            }
        }
        tree
    }

    /// The mean of the rows `order[start..end]` and the largest metric distance from it.
    fn ball(&self, data: &[f64], metric: Metric, start: usize, end: usize) -> (Vec<f64>, f64) {
        let d = self.d;
        let mut centre = vec![0.0; d];
        for &i in &self.order[start..end] {
            for (c, v) in centre.iter_mut().zip(&data[i * d..(i + 1) * d]) {
                *c += v;
            }
        }
        let count = (end - start) as f64;
        centre.iter_mut().for_each(|c| *c /= count);
        let m = bound_metric(metric);
        let radius = self.order[start..end]
            .iter()
            .map(|&i| m.distance(&centre, &data[i * d..(i + 1) * d]))
            .fold(0.0, f64::max);
        (centre, radius)
    }

    /// Splits `order[start..end]` at its median along the feature of largest spread;
    /// returns the first index of the right half.
    fn split(&mut self, data: &[f64], start: usize, end: usize) -> usize {
        let d = self.d;
        let rows = &mut self.order[start..end];
        let mut best = (0, f64::NEG_INFINITY);
        for j in 0..d {
            let (lo, hi) = rows
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |a, &i| {
                    let v = data[i * d + j];
                    (a.0.min(v), a.1.max(v))
                });
            if hi - lo > best.1 {
                best = (j, hi - lo);
            }
        }
        let j = best.0;
        let mid = rows.len() / 2;
        rows.select_nth_unstable_by(mid, |&a, &b| {
            data[a * d + j].total_cmp(&data[b * d + j]).then(a.cmp(&b))
        });
        start + mid
    }

    /// The `k` rows nearest to `q` as `(distance, row)`, sorted (`1 ≤ k ≤ n`).
    pub(crate) fn nearest(
        &self,
        data: &[f64],
        metric: Metric,
        q: &[f64],
        k: usize,
    ) -> Vec<Candidate> {
        let d = self.d;
        let mut heap: BinaryHeap<Candidate> = BinaryHeap::with_capacity(k + 1);
        let mut stack = vec![(0usize, 0.0f64)];
        while let Some((id, bound)) = stack.pop() {
            if heap.len() == k && bound > heap.peek().map_or(f64::INFINITY, |c| c.distance) {
                continue;
            }
            let node = &self.nodes[id];
            if node.left == usize::MAX {
                for &i in &self.order[node.start..node.end] {
                    let c = Candidate {
                        distance: metric.distance(q, &data[i * d..(i + 1) * d]),
                        index: i,
                    };
                    if heap.len() < k {
                        heap.push(c);
                    } else if heap.peek().is_some_and(|worst| c < *worst) {
                        heap.pop();
                        heap.push(c);
                    }
                }
                continue;
            }
            let (bl, br) = (
                self.lower_bound(metric, q, node.left),
                self.lower_bound(metric, q, node.right),
            );
            // The nearer child is searched first: pushed last.
            if bl <= br {
                stack.push((node.right, br));
                stack.push((node.left, bl));
            } else {
                stack.push((node.left, bl));
                stack.push((node.right, br));
            }
        }
        let mut found = heap.into_vec();
        found.sort_unstable();
        found
    }

    /// Every row within `radius` of `q` (inclusive), unsorted.
    pub(crate) fn within(
        &self,
        data: &[f64],
        metric: Metric,
        q: &[f64],
        radius: f64,
        out: &mut Vec<Candidate>,
    ) {
        let d = self.d;
        let mut stack = vec![0usize];
        while let Some(id) = stack.pop() {
            let node = &self.nodes[id];
            if self.lower_bound(metric, q, id) > radius {
                continue;
            }
            if node.left == usize::MAX {
                for &i in &self.order[node.start..node.end] {
                    let distance = metric.distance(q, &data[i * d..(i + 1) * d]);
                    if distance <= radius {
                        out.push(Candidate { distance, index: i });
                    }
                }
            } else {
                stack.push(node.right);
                stack.push(node.left);
            }
        }
    }

    /// A lower bound on the distance from `q` to any row of node `id`, lowered by a
    /// relative slack so that rounding never prunes a row at exactly the bound.
    pub(super) fn lower_bound(&self, metric: Metric, q: &[f64], id: usize) -> f64 {
        let node = &self.nodes[id];
        let centre = &self.centres[id * self.d..(id + 1) * self.d];
        let dc = bound_metric(metric).distance(q, centre);
        let lb = (dc - node.radius - BOUND_SLACK * (dc + node.radius)).max(0.0);
        if metric == Metric::SquaredEuclidean {
            lb * lb
        } else {
            lb
        }
    }
}

/// The metric whose triangle inequality bounds the nodes: Euclidean for squared
/// Euclidean (which has none; its bounds are the Euclidean ones squared).
fn bound_metric(metric: Metric) -> Metric {
    if metric == Metric::SquaredEuclidean {
        Metric::Euclidean
    } else {
        metric
    }
}
