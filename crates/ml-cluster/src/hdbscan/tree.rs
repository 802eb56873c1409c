//! From the spanning tree to clusters, as scikit-learn 1.9's `_hdbscan/_tree.pyx`:
//! the single-linkage hierarchy, the condensed tree, cluster stabilities, the
//! excess-of-mass or leaf selection (with `cluster_selection_epsilon` and
//! `max_cluster_size`), labels, membership probabilities, and GLOSH outlier scores.
//!
//! Node ids follow scikit-learn: rows are `0..n`, single-linkage merges `n..2n−1`
//! (the root last), and condensed clusters `n, n + 1, …` (the root `n`) numbered in
//! breadth-first order, left child first, so every child's id exceeds its parent's.

use std::collections::{BinaryHeap, HashSet, VecDeque};

use ml_core::neighbors::Edge;

/// One merge of the single-linkage hierarchy.
#[derive(Debug, Clone, Copy)]
pub(super) struct Merge {
    pub(super) left: usize,
    pub(super) right: usize,
    pub(super) distance: f64,
    pub(super) size: usize,
}

/// scikit-learn's Prim order over the spanning tree, from row 0: each step's
/// `(previously added row, newly added row, weight)`, the newly added row being the
/// lightest reachable (ties to the smaller row), as `mst_from_data_matrix` records its
/// edges. With the tree's weights sorted stably, that order gives scikit-learn's
/// single-linkage children left and right.
pub(super) fn prim_order(n: usize, mst: &[Edge]) -> Vec<(usize, usize, f64)> {
    let mut adjacency: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for e in mst {
        adjacency[e.a].push((e.b, e.weight));
        adjacency[e.b].push((e.a, e.weight));
    }
    #[derive(PartialEq)]
    struct Next(f64, usize);
    impl Eq for Next {}
    impl PartialOrd for Next {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Next {
        // Reversed: the heap pops the lightest, then the smallest row.
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
        }
    }
    let mut in_tree = vec![false; n];
    let mut heap = BinaryHeap::new();
    let mut order = Vec::with_capacity(n.saturating_sub(1));
    let mut current = 0;
    in_tree[0] = true;
    loop {
        for &(j, w) in &adjacency[current] {
            if !in_tree[j] {
                heap.push(Next(w, j));
            }
        }
        let Some(next) = std::iter::from_fn(|| heap.pop()).find(|x| !in_tree[x.1]) else {
            break;
        };
        in_tree[next.1] = true;
        order.push((current, next.1, next.0));
        current = next.1;
    }
    order
}

/// The single-linkage hierarchy of Prim-ordered edges (scikit-learn's
/// `make_single_linkage` after a sort of the weights; ours is stable, numpy's
/// `argsort` is not, which only matters where weights tie).
pub(super) fn single_linkage(n: usize, mut edges: Vec<(usize, usize, f64)>) -> Vec<Merge> {
    edges.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut parent: Vec<usize> = (0..2 * n).collect();
    let mut size = vec![1usize; 2 * n];
    let find = |parent: &mut Vec<usize>, mut x: usize| {
        let mut root = x;
        while parent[root] != root {
            root = parent[root];
        }
        while parent[x] != root {
            let next = parent[x];
            parent[x] = root;
            x = next;
        }
        root
    };
    let mut merges = Vec::with_capacity(edges.len());
    for (k, (a, b, distance)) in edges.into_iter().enumerate() {
        let (left, right) = (find(&mut parent, a), find(&mut parent, b));
        let id = n + k;
        size[id] = size[left] + size[right];
        parent[left] = id;
        parent[right] = id;
        merges.push(Merge {
            left,
            right,
            distance,
            size: size[id],
        });
    }
    merges
}

/// One row of the condensed tree: a child (row or cluster) leaving `parent` at
/// `lambda = 1 / distance`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CondensedRow {
    /// The cluster the child leaves (condensed ids: the root is `n_samples`).
    pub parent: usize,
    /// A row (below `n_samples`) or a cluster.
    pub child: usize,
    /// `1 / distance` at which it leaves (infinite at distance 0).
    pub lambda: f64,
    /// Its number of rows.
    pub size: usize,
}

/// The nodes under `root` of the hierarchy, breadth first, left before right.
fn bfs(merges: &[Merge], n: usize, root: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut queue = VecDeque::from([root]);
    while let Some(x) = queue.pop_front() {
        out.push(x);
        if x >= n {
            let m = &merges[x - n];
            queue.push_back(m.left);
            queue.push_back(m.right);
        }
    }
    out
}

/// scikit-learn's `_condense_tree`.
pub(super) fn condense(merges: &[Merge], n: usize, min_cluster_size: usize) -> Vec<CondensedRow> {
    if merges.is_empty() {
        return Vec::new();
    }
    let root = 2 * merges.len();
    let mut relabel = vec![0usize; root + 1];
    relabel[root] = n;
    let mut next_label = n + 1;
    let mut ignore = vec![false; root + 1];
    let mut rows = Vec::with_capacity(2 * n);
    let size_of = |x: usize| if x >= n { merges[x - n].size } else { 1 };
    for node in bfs(merges, n, root) {
        if ignore[node] || node < n {
            continue;
        }
        let m = merges[node - n];
        let lambda = if m.distance > 0.0 {
            m.distance.recip()
        } else {
            f64::INFINITY
        };
        let (left_count, right_count) = (size_of(m.left), size_of(m.right));
        let parent = relabel[node];
        let mut drop_out = |sub_root: usize, rows: &mut Vec<CondensedRow>| {
            for sub in bfs(merges, n, sub_root) {
                if sub < n {
                    rows.push(CondensedRow {
                        parent,
                        child: sub,
                        lambda,
                        size: 1,
                    });
                }
                ignore[sub] = true;
            }
        };
        match (
            left_count >= min_cluster_size,
            right_count >= min_cluster_size,
        ) {
            (true, true) => {
                for (child, count) in [(m.left, left_count), (m.right, right_count)] {
                    relabel[child] = next_label;
                    next_label += 1;
                    rows.push(CondensedRow {
                        parent,
                        child: relabel[child],
                        lambda,
                        size: count,
                    });
                }
            }
            (false, false) => {
                drop_out(m.left, &mut rows);
                drop_out(m.right, &mut rows);
            }
            (false, true) => {
                relabel[m.right] = parent;
                drop_out(m.left, &mut rows);
            }
            (true, false) => {
                relabel[m.left] = parent;
                drop_out(m.right, &mut rows);
            }
        }
    }
    rows
}

/// The condensed clusters: ids `root..=last`, each one's parent, birth lambda, size
/// and the rows leaving it.
pub(super) struct Clusters {
    pub(super) root: usize,
    pub(super) parent: Vec<usize>,
    pub(super) birth: Vec<f64>,
    pub(super) size: Vec<usize>,
    pub(super) stability: Vec<f64>,
    /// The largest lambda among each cluster's direct children.
    pub(super) death: Vec<f64>,
}

impl Clusters {
    pub(super) fn of(tree: &[CondensedRow], n: usize) -> Self {
        let last = tree
            .iter()
            .map(|r| r.parent.max(r.child))
            .max()
            .unwrap_or(n)
            .max(n);
        let k = last - n + 1;
        let mut c = Clusters {
            root: n,
            parent: vec![usize::MAX; k],
            birth: vec![0.0; k],
            size: vec![0; k],
            stability: vec![0.0; k],
            death: vec![0.0; k],
        };
        c.size[0] = n;
        for r in tree.iter().filter(|r| r.child >= n) {
            let i = r.child - n;
            c.parent[i] = r.parent;
            c.birth[i] = r.lambda;
            c.size[i] = r.size;
        }
        for r in tree {
            let p = r.parent - n;
            c.stability[p] += (r.lambda - c.birth[p]) * r.size as f64;
            c.death[p] = c.death[p].max(r.lambda);
        }
        c
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    /// The clusters' children lists (cluster ids).
    fn children(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.len()];
        for i in 1..self.len() {
            out[self.parent[i] - self.root].push(self.root + i);
        }
        out
    }

    /// Every cluster under `c` (itself included), breadth first.
    fn subtree(&self, children: &[Vec<usize>], c: usize) -> Vec<usize> {
        let mut out = vec![c];
        let mut at = 0;
        while at < out.len() {
            out.extend(children[out[at] - self.root].iter().copied());
            at += 1;
        }
        out
    }
}

/// How clusters are chosen from the condensed tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ClusterSelection {
    /// Excess of mass: the most stable clusters, a cluster only where it is more stable
    /// than its descendants together. The default.
    #[default]
    ExcessOfMass,
    /// The leaves of the cluster tree: many small, homogeneous clusters.
    Leaf,
}

/// The selection settings of scikit-learn's `_get_clusters`.
pub(super) struct Selection {
    pub(super) method: ClusterSelection,
    pub(super) allow_single_cluster: bool,
    pub(super) epsilon: f64,
    pub(super) max_cluster_size: Option<usize>,
}

/// The selected clusters (condensed ids, ascending).
pub(super) fn select(clusters: &Clusters, n: usize, s: &Selection) -> Vec<usize> {
    let root = clusters.root;
    let k = clusters.len();
    let children = clusters.children();
    // Only clusters with a child cluster or a parent take part (scikit-learn's
    // `cluster_tree` is the rows with size > 1).
    let has_tree = k > 1;
    let mut stability = clusters.stability.clone();
    let mut selected = vec![false; k];
    let first = if s.allow_single_cluster {
        root
    } else {
        root + 1
    };
    let max_size = s.max_cluster_size.unwrap_or(n + 1);
    let size_of = |c: usize| {
        if c == root {
            // The root's size as scikit-learn computes it: its child clusters' sizes.
            children[0].iter().map(|&x| clusters.size[x - root]).sum()
        } else {
            clusters.size[c - root]
        }
    };
    let leaves = || -> Vec<usize> {
        (root + 1..root + k)
            .filter(|&c| children[c - root].is_empty())
            .collect()
    };
    let mut chosen: Vec<usize> = match s.method {
        ClusterSelection::ExcessOfMass => {
            for c in (first..root + k).rev() {
                selected[c - root] = true;
            }
            for c in (first..root + k).rev() {
                let sub: f64 = children[c - root]
                    .iter()
                    .map(|&x| stability[x - root])
                    .sum();
                if sub > stability[c - root] || size_of(c) > max_size {
                    selected[c - root] = false;
                    stability[c - root] = sub;
                } else {
                    for d in clusters.subtree(&children, c).into_iter().skip(1) {
                        selected[d - root] = false;
                    }
                }
            }
            let eom: Vec<usize> = (first..root + k).filter(|&c| selected[c - root]).collect();
            if s.epsilon != 0.0 && has_tree {
                if eom.len() == 1 && eom[0] == root {
                    if s.allow_single_cluster {
                        eom
                    } else {
                        Vec::new()
                    }
                } else {
                    epsilon_search(clusters, &children, &eom, s)
                }
            } else {
                eom
            }
        }
        ClusterSelection::Leaf => {
            // Without leaves nothing is selected: scikit-learn marks the root, then
            // keeps only the (empty) selection.
            let leaves = leaves();
            if s.epsilon != 0.0 && !leaves.is_empty() {
                epsilon_search(clusters, &children, &leaves, s)
            } else {
                leaves
            }
        }
    };
    chosen.sort_unstable();
    chosen.dedup();
    chosen
}

/// scikit-learn's `epsilon_search`: a cluster born below `epsilon` (in distance) is
/// replaced by its nearest ancestor born above it (the root only with
/// `allow_single_cluster`; otherwise the child of the root stays).
fn epsilon_search(
    clusters: &Clusters,
    children: &[Vec<usize>],
    candidates: &[usize],
    s: &Selection,
) -> Vec<usize> {
    let root = clusters.root;
    let eps_of = |c: usize| clusters.birth[c - root].recip();
    let mut selected = Vec::new();
    let mut processed = HashSet::new();
    let mut sorted = candidates.to_vec();
    sorted.sort_unstable();
    for c in sorted {
        if eps_of(c) < s.epsilon {
            if processed.contains(&c) {
                continue;
            }
            let mut at = c;
            let up = loop {
                let parent = clusters.parent[at - root];
                if parent == root {
                    break if s.allow_single_cluster { parent } else { at };
                }
                if eps_of(parent) > s.epsilon {
                    break parent;
                }
                at = parent;
            };
            selected.push(up);
            for d in clusters.subtree(children, up).into_iter().skip(1) {
                processed.insert(d);
            }
        } else {
            selected.push(c);
        }
    }
    selected
}

/// Labels (`None` for noise, else the position of the cluster among `selected`),
/// membership probabilities and GLOSH outlier scores of the `n` rows.
pub(super) struct Outcome {
    pub(super) labels: Vec<Option<usize>>,
    pub(super) probabilities: Vec<f64>,
    pub(super) outlier_scores: Vec<f64>,
}

/// scikit-learn's `_do_labelling` and `get_probabilities`, and GLOSH.
pub(super) fn label(
    tree: &[CondensedRow],
    clusters: &Clusters,
    selected: &[usize],
    n: usize,
    s: &Selection,
) -> Outcome {
    let root = clusters.root;
    let k = clusters.len();
    let mut label_of = vec![None; k];
    for (at, &c) in selected.iter().enumerate() {
        label_of[c - root] = Some(at);
    }
    // Each cluster's selected ancestor (itself included), if any.
    let mut owner: Vec<Option<usize>> = vec![None; k];
    for i in 0..k {
        owner[i] = if label_of[i].is_some() {
            Some(root + i)
        } else if i == 0 {
            None
        } else {
            owner[clusters.parent[i] - root]
        };
    }
    let root_max_lambda = tree
        .iter()
        .filter(|r| r.parent == root)
        .map(|r| r.lambda)
        .fold(f64::NEG_INFINITY, f64::max);
    // GLOSH: the largest lambda of any row under each cluster.
    let mut deepest = clusters.death.clone();
    for i in (1..k).rev() {
        let p = clusters.parent[i] - root;
        deepest[p] = deepest[p].max(deepest[i]);
    }
    let mut out = Outcome {
        labels: vec![None; n],
        probabilities: vec![0.0; n],
        outlier_scores: vec![0.0; n],
    };
    for r in tree.iter().filter(|r| r.child < n) {
        let (p, lambda) = (r.child, r.lambda);
        let here = r.parent - root;
        let top = deepest[here];
        out.outlier_scores[p] = if top == 0.0 || !lambda.is_finite() {
            0.0
        } else if top.is_infinite() {
            // Duplicated rows make the densest point infinitely dense: the limit.
            1.0
        } else {
            (top - lambda) / top
        };
        let cluster = match owner[here] {
            Some(c) if c != root => Some(c),
            Some(_) if selected.len() == 1 && s.allow_single_cluster => {
                let keep = if s.epsilon != 0.0 {
                    lambda >= s.epsilon.recip()
                } else {
                    lambda >= root_max_lambda
                };
                keep.then_some(root)
            }
            _ => None,
        };
        let Some(c) = cluster else { continue };
        out.labels[p] = label_of[c - root];
        let death = clusters.death[c - root];
        out.probabilities[p] = if death == 0.0 || !lambda.is_finite() {
            1.0
        } else {
            lambda.min(death) / death
        };
    }
    out
}
