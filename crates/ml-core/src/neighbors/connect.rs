//! Connected components of a radius graph: which of a chosen set of indexed rows are
//! linked by chains of distances `≤ radius` (DBSCAN's clusters of core rows).
//!
//! The caller may pass links it already knows (DBSCAN has each row's nearest
//! neighbours): they are joined first in a concurrent union-find, whose roots are always
//! the smallest row of their set. Then, on a ball tree, each member row searches only
//! for members of *other* components within the radius, skipping every node whose
//! members all share its component (as of the start of the search: rows joined later
//! are only more connected) and every node beyond the radius. Once the known links have
//! joined a dense region, its rows prune nearly the whole tree, so the cost follows the
//! boundaries between components rather than the number of neighbours. Brute-force
//! indexes stream each member's neighbourhood instead.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::ball::BallTree;
use super::{Backend, NeighborIndex, Points};
use crate::{Error, Result};

/// A union-find shared by threads: `parent[i] ≤ i` always and links go from the larger
/// root to the smaller, so every set's root is its smallest element whatever order the
/// threads link in.
pub(crate) struct Forest {
    parent: Vec<AtomicUsize>,
}

impl Forest {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n).map(AtomicUsize::new).collect(),
        }
    }

    pub(crate) fn find(&self, mut x: usize) -> usize {
        loop {
            let p = self.parent[x].load(Ordering::Relaxed);
            if p == x {
                return x;
            }
            let grand = self.parent[p].load(Ordering::Relaxed);
            if grand != p {
                // Path halving; losing the race only leaves a longer path.
                let _ = self.parent[x].compare_exchange_weak(
                    p,
                    grand,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            x = grand;
        }
    }

    /// Joins the sets of `a` and `b`; whether they were apart.
    pub(crate) fn union(&self, a: usize, b: usize) -> bool {
        loop {
            let (ra, rb) = (self.find(a), self.find(b));
            if ra == rb {
                return false;
            }
            let (high, low) = if ra > rb { (ra, rb) } else { (rb, ra) };
            // Succeeds only while `high` is still a root.
            if self.parent[high]
                .compare_exchange(high, low, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return true;
            }
        }
    }

    /// Every element's root, once the threads are done.
    pub(crate) fn into_roots(self) -> Vec<usize> {
        let mut parent: Vec<usize> = self
            .parent
            .into_iter()
            .map(AtomicUsize::into_inner)
            .collect();
        // Parents precede their children, so one ascending sweep resolves every root.
        for i in 0..parent.len() {
            parent[i] = parent[parent[i]];
        }
        parent
    }
}

/// A node with no member rows.
const EMPTY: usize = usize::MAX;
/// A node whose members are in more than one component.
const MIXED: usize = usize::MAX - 1;

impl NeighborIndex {
    /// The connected components of the `members` rows (`members[i]` for each indexed
    /// row) when two members are linked by a distance `≤ radius`: for each row, the
    /// smallest member of its component, or `None` for non-members. `links` are pairs
    /// of members known to be linked (joined first; they only speed the search up, and
    /// must be true links for the answer to be the graph's).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for `members` not one per indexed row;
    /// [`Error::InvalidParameter`] for a radius that is not finite and `> 0` (named
    /// `radius`) or a link with a row out of range or not a member (named `links`).
    pub fn connect_within(
        &self,
        members: &[bool],
        radius: f64,
        links: &[(usize, usize)],
    ) -> Result<Vec<Option<usize>>> {
        let n = self.n_samples();
        if members.len() != n {
            return Err(Error::ShapeMismatch {
                what: "number of member flags",
                expected: n,
                got: members.len(),
            });
        }
        crate::validate::positive("radius", radius)?;
        if let Some(&(a, b)) = links
            .iter()
            .find(|&&(a, b)| !(a < n && b < n && members[a] && members[b]))
        {
            return Err(Error::InvalidParameter {
                name: "links",
                value: format!("({a}, {b})"),
                expected: "pairs of member rows",
            });
        }
        let forest = Forest::new(n);
        links.par_iter().for_each(|&(a, b)| {
            forest.union(a, b);
        });
        let r = self.scaled_radius(radius);
        let rows: Vec<usize> = (0..n).filter(|&i| members[i]).collect();
        match (&self.points, &self.backend) {
            (Points::Dense { data, d, .. }, Backend::Ball(tree)) => {
                link_on_tree(tree, data, *d, self, &rows, members, r, &forest);
            }
            (Points::Dense { data, d, .. }, Backend::Kd(_)) => {
                let tree = BallTree::build(data, *d, self.metric, self.settings.leaf_size);
                link_on_tree(&tree, data, *d, self, &rows, members, r, &forest);
            }
            _ => {
                self.map_radius_neighborhoods(&rows, radius, |i, near| {
                    for &j in near {
                        if j < i && members[j] {
                            forest.union(i, j);
                        }
                    }
                })?;
            }
        }
        let roots = forest.into_roots();
        Ok((0..n).map(|i| members[i].then_some(roots[i])).collect())
    }
}

/// The tree search of [`NeighborIndex::connect_within`] over the scaled radius `r`.
#[allow(clippy::too_many_arguments)]
fn link_on_tree(
    tree: &BallTree,
    data: &[f64],
    d: usize,
    index: &NeighborIndex,
    rows: &[usize],
    members: &[bool],
    r: f64,
    forest: &Forest,
) {
    let metric = index.metric;
    let n = members.len();
    let comp: Vec<usize> = (0..n)
        .map(|i| if members[i] { forest.find(i) } else { EMPTY })
        .collect();
    let nodes = &tree.nodes;
    let mut node_comp = vec![EMPTY; nodes.len()];
    let merge = |a: usize, b: usize| match (a, b) {
        (EMPTY, x) | (x, EMPTY) => x,
        (x, y) if x == y => x,
        _ => MIXED,
    };
    for id in (0..nodes.len()).rev() {
        let node = &nodes[id];
        node_comp[id] = if node.is_leaf() {
            tree.order[node.start..node.end]
                .iter()
                .fold(EMPTY, |acc, &i| merge(acc, comp[i]))
        } else {
            merge(node_comp[node.left], node_comp[node.right])
        };
    }
    let row = |i: usize| &data[i * d..(i + 1) * d];
    rows.par_iter().for_each_init(Vec::new, |stack, &i| {
        let (ci, q) = (comp[i], row(i));
        stack.clear();
        stack.push(0usize);
        while let Some(id) = stack.pop() {
            let c = node_comp[id];
            if c == EMPTY || c == ci || tree.lower_bound(metric, q, id) > r {
                continue;
            }
            let node = &nodes[id];
            if node.is_leaf() {
                // Each pair once: from its smaller row.
                for &j in &tree.order[node.start..node.end] {
                    if j > i && comp[j] != EMPTY && comp[j] != ci && metric.distance(q, row(j)) <= r
                    {
                        forest.union(i, j);
                    }
                }
            } else {
                stack.extend([node.left, node.right]);
            }
        }
    });
}
