//! The fitted tree as plain data: an array of nodes in pre-order (a node's left subtree
//! follows it, then its right subtree), each a split or a leaf, with one row of values
//! per node. Models, ensembles, the command line and users walk the same arrays.

use serde::{Deserialize, Serialize};

use ml_core::persist::invariants as inv;

/// How an internal node splits: rows whose feature value, cast to `f32` as
/// scikit-learn does, is at most `threshold` go to `left`, the others to `right`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// The feature tested.
    pub feature: usize,
    /// The threshold: the midpoint, in `f64`, of two consecutive `f32` training values.
    pub threshold: f64,
    /// The node of the rows with `x[feature] <= threshold`.
    pub left: usize,
    /// The node of the other rows.
    pub right: usize,
    /// Whether a missing value (NaN) goes left: the side the splitter chose for the
    /// training rows that missed this feature at the node or, when none did, left only
    /// if strictly more training rows went left (scikit-learn's rule).
    pub missing_go_to_left: bool,
}

/// One node of a [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The split of an internal node; `None` for a leaf.
    pub split: Option<Split>,
    /// The impurity of the node's training rows under the criterion (Gini, entropy in
    /// bits, the variance, the mean absolute error about the median, or half the mean
    /// Poisson deviance).
    pub impurity: f64,
    /// How many training rows reached the node.
    pub n_samples: usize,
    /// Their total sample weight.
    pub weighted_n_samples: f64,
}

/// The bit of a [`Step`]'s `feature` that sends missing values left.
const MISSING_LEFT: u32 = 1 << 31;

/// One node of a [`Walker`]: in pre-order the left child of node `id` is `id + 1`.
#[derive(Debug, Clone, Copy)]
struct Step {
    /// The largest `f32` at most the `f64` threshold: for an `f32` value `x`,
    /// `x <= threshold` exactly when `x <= this`.
    threshold: f32,
    /// The feature, with [`MISSING_LEFT`] set when NaN goes left; [`LEAF`] at a leaf.
    feature: u32,
    /// The right child; at a leaf, the leaf's number (its rank among the leaves).
    right: u32,
}

/// The `feature` of a leaf in a [`Walker`].
const LEAF: u32 = u32::MAX;

impl Step {
    /// The child of this split node `id` that `row` goes to: the left one when the
    /// value is at most the threshold (NaN: as the split says), chosen by arithmetic
    /// rather than a branch, whose direction would be mispredicted half the time.
    #[inline(always)]
    fn child(&self, id: usize, row: &[f32]) -> usize {
        let v = row[(self.feature & !MISSING_LEFT) as usize];
        let left = (v <= self.threshold) | (v.is_nan() & (self.feature & MISSING_LEFT != 0));
        let go = usize::from(left);
        go * (id + 1) + (1 - go) * self.right as usize
    }
}

/// Rows a [`Walker`] walks side by side: their independent paths overlap in the core.
const LANES: usize = 8;

/// The largest `f32` not above `t` (`t` itself when it is an `f32`).
fn f32_at_most(t: f64) -> f32 {
    let r = t as f32;
    if f64::from(r) > t { r.next_down() } else { r }
}

/// A tree laid out for prediction: 12 bytes a node instead of its full record, so the
/// walk of a large tree stays in cache.
#[derive(Debug, Clone)]
pub(crate) struct Walker {
    steps: Vec<Step>,
}

impl Walker {
    /// The nodes a row of `f32` feature values passes through, root to leaf (ids
    /// increasing).
    pub(crate) fn path(&self, row: &[f32]) -> Vec<usize> {
        let mut id = 0;
        let mut path = vec![0];
        while self.steps[id].feature != LEAF {
            id = self.steps[id].child(id, row);
            path.push(id);
        }
        path
    }

    /// The leaf of every row of row-major `rows` (`d` values each), into `out`. Up to
    /// [`LANES`] rows are walked side by side, each lane taking the next row when its
    /// row reaches a leaf, so the lanes' dependent loads overlap.
    pub(crate) fn leaves(&self, rows: &[f32], d: usize, out: &mut [usize]) {
        self.walk(rows, d, out, |id, _| id);
    }

    /// [`leaves`](Self::leaves) as leaf numbers: the rank of each row's leaf among the
    /// leaves in pre-order (the index of its values in [`Tree::leaf_values`]).
    pub(crate) fn leaf_numbers(&self, rows: &[f32], d: usize, out: &mut [usize]) {
        self.walk(rows, d, out, |_, step| step.right as usize);
    }

    /// Walks every row to its leaf and stores `found(leaf id, leaf step)` in `out`.
    #[inline(always)]
    fn walk(
        &self,
        rows: &[f32],
        d: usize,
        out: &mut [usize],
        found: impl Fn(usize, Step) -> usize,
    ) {
        let n = out.len();
        // Each lane's row and node; a lane past the last row holds `n`.
        let mut lane_row: [usize; LANES] = std::array::from_fn(|l| l.min(n));
        let mut lane_node = [0usize; LANES];
        let mut next_row = LANES.min(n);
        let mut active = LANES.min(n);
        while active > 0 {
            for (r, id) in lane_row.iter_mut().zip(lane_node.iter_mut()) {
                if *r == n {
                    continue;
                }
                let step = self.steps[*id];
                if step.feature == LEAF {
                    out[*r] = found(*id, step);
                    *id = 0;
                    if next_row < n {
                        *r = next_row;
                        next_row += 1;
                    } else {
                        *r = n;
                        active -= 1;
                    }
                    continue;
                }
                *id = step.child(*id, &rows[*r * d..(*r + 1) * d]);
            }
        }
    }
}

/// A fitted decision tree: nodes in pre-order (node 0 is the root) and, for every node,
/// `value_width` values: the class fractions of a classifier (scikit-learn 1.9's
/// `tree_.value`), the mean target of a regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    nodes: Vec<Node>,
    values: Vec<f64>,
    value_width: usize,
    n_features: usize,
}

impl Tree {
    pub(crate) fn new(
        nodes: Vec<Node>,
        values: Vec<f64>,
        value_width: usize,
        n_features: usize,
    ) -> Self {
        Self {
            nodes,
            values,
            value_width,
            n_features,
        }
    }

    /// The nodes, root first, in pre-order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The values of node `id` (class fractions, or the mean target); `None` past the
    /// last node.
    pub fn value(&self, id: usize) -> Option<&[f64]> {
        let w = self.value_width;
        self.values.get(id * w..(id + 1) * w)
    }

    /// Values per node: the number of classes, or 1 for a regressor.
    pub fn value_width(&self) -> usize {
        self.value_width
    }

    /// The number of features the tree was fitted on.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.split.is_none()).count()
    }

    /// The depth: the most splits on a path from the root to a leaf (0 for a stump).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        let mut deepest = 0;
        // Pre-order: a node's children come after it, so one forward pass suffices.
        for (id, node) in self.nodes.iter().enumerate() {
            deepest = deepest.max(depth[id]);
            if let Some(s) = node.split {
                depth[s.left] = depth[id] + 1;
                depth[s.right] = depth[id] + 1;
            }
        }
        deepest
    }

    /// The values of the leaves, `value_width` each, in pre-order (the order of
    /// [`Walker::leaf_numbers`]).
    pub(crate) fn leaf_values(&self) -> Vec<f64> {
        let w = self.value_width;
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.split.is_none())
            .flat_map(|(id, _)| self.values[id * w..(id + 1) * w].iter().copied())
            .collect()
    }

    /// The compact form prediction walks: 16 bytes a node, the left child implied.
    pub(crate) fn walker(&self) -> Walker {
        let mut leaves = 0..;
        Walker {
            steps: self
                .nodes
                .iter()
                .map(|n| match n.split {
                    Some(s) => Step {
                        threshold: f32_at_most(s.threshold),
                        feature: s.feature as u32
                            | if s.missing_go_to_left {
                                MISSING_LEFT
                            } else {
                                0
                            },
                        right: s.right as u32,
                    },
                    None => Step {
                        threshold: 0.0,
                        feature: LEAF,
                        right: leaves.next().unwrap_or(0),
                    },
                })
                .collect(),
        }
    }

    /// scikit-learn's `feature_importances_`: for every split, its weighted impurity
    /// decrease `w_t·imp_t − w_L·imp_L − w_R·imp_R`, summed per feature, divided by the
    /// root's weight and normalised to sum to 1 (all zeros for a stump).
    pub fn feature_importances(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.n_features];
        for node in &self.nodes {
            if let Some(s) = node.split {
                let (l, r) = (&self.nodes[s.left], &self.nodes[s.right]);
                imp[s.feature] += node.weighted_n_samples * node.impurity
                    - l.weighted_n_samples * l.impurity
                    - r.weighted_n_samples * r.impurity;
            }
        }
        let root = self.nodes[0].weighted_n_samples;
        imp.iter_mut().for_each(|v| *v /= root);
        let total: f64 = imp.iter().sum();
        if total > 0.0 {
            imp.iter_mut().for_each(|v| *v /= total);
        }
        imp
    }

    /// The tree as scikit-learn's `export_text` prints it: one line per node,
    /// `|--- name <= threshold` (thresholds with `decimals` digits), leaves as
    /// `|--- class: label` or `|--- value: [v]`. `names` gives a name per feature
    /// (`feature_0`... when `None`); `leaf` formats a leaf's values.
    pub(crate) fn export_text(
        &self,
        names: Option<&[&str]>,
        decimals: usize,
        leaf: &dyn Fn(&[f64]) -> String,
    ) -> String {
        let name = |f: usize| -> String {
            names
                .and_then(|n| n.get(f))
                .map_or_else(|| format!("feature_{f}"), |s| (*s).to_owned())
        };
        let mut out = String::new();
        // (node, depth, text of the line above it), depth-first, left before right.
        let mut stack = vec![(0usize, 0usize, None::<String>)];
        while let Some((id, depth, line)) = stack.pop() {
            let indent = "|   ".repeat(depth.saturating_sub(1));
            if let Some(line) = line {
                out.push_str(&format!("{indent}|--- {line}\n"));
            }
            let indent_below = "|   ".repeat(depth);
            match self.nodes[id].split {
                Some(s) => {
                    let t = s.threshold;
                    let f = name(s.feature);
                    stack.push((s.right, depth + 1, Some(format!("{f} >  {t:.decimals$}"))));
                    stack.push((s.left, depth + 1, Some(format!("{f} <= {t:.decimals$}"))));
                }
                None => {
                    let values = self.value(id).unwrap_or(&[]);
                    out.push_str(&format!("{indent_below}|--- {}\n", leaf(values)));
                }
            }
        }
        out
    }

    /// Minimal cost-complexity pruning, as scikit-learn's `_cost_complexity_prune`:
    /// with `R(t) = w_t·imp_t / w_root` and `R_branch(t)` the sum of `R` over the
    /// leaves under `t`, repeatedly turns into a leaf the internal node of smallest
    /// `α_t = (R(t) − R_branch(t)) / (leaves(t) − 1)` (the lowest id among equal ones)
    /// while `α_t <= max_alpha`. Returns which nodes became leaves, and the path: the
    /// `(α, R_branch(root))` before pruning (`α = 0`) and after every pruning.
    fn weakest_link_pruning(&self, max_alpha: f64) -> (Vec<bool>, Vec<(f64, f64)>) {
        let n = self.nodes.len();
        let mut parent = vec![usize::MAX; n];
        for (id, node) in self.nodes.iter().enumerate() {
            if let Some(s) = node.split {
                parent[s.left] = id;
                parent[s.right] = id;
            }
        }
        let w_root = self.nodes[0].weighted_n_samples;
        let r_node: Vec<f64> = self
            .nodes
            .iter()
            .map(|t| t.weighted_n_samples * t.impurity / w_root)
            .collect();
        let mut r_branch = vec![0.0; n];
        let mut n_leaves = vec![0usize; n];
        // Leaves in id order, each added to itself and every ancestor.
        for (id, node) in self.nodes.iter().enumerate() {
            if node.split.is_none() {
                let mut a = id;
                loop {
                    r_branch[a] += r_node[id];
                    n_leaves[a] += 1;
                    if parent[a] == usize::MAX {
                        break;
                    }
                    a = parent[a];
                }
            }
        }
        let mut candidate: Vec<bool> = self.nodes.iter().map(|t| t.split.is_some()).collect();
        let mut pruned = vec![false; n];
        let mut path = vec![(0.0, r_branch[0])];
        while candidate[0] {
            let mut alpha = f64::MAX;
            let mut weakest = 0;
            for i in 0..n {
                if candidate[i] {
                    let a = (r_node[i] - r_branch[i]) / (n_leaves[i] - 1) as f64;
                    if a < alpha {
                        alpha = a;
                        weakest = i;
                    }
                }
            }
            if alpha > max_alpha {
                break;
            }
            // The weakest node becomes a leaf; its descendants leave the tree.
            pruned[weakest] = true;
            let mut stack = vec![weakest];
            while let Some(i) = stack.pop() {
                candidate[i] = false;
                if let Some(s) = self.nodes[i].split {
                    stack.push(s.left);
                    stack.push(s.right);
                }
            }
            let removed_leaves = n_leaves[weakest] - 1;
            let r_diff = r_node[weakest] - r_branch[weakest];
            n_leaves[weakest] = 1;
            r_branch[weakest] = r_node[weakest];
            let mut a = parent[weakest];
            while a != usize::MAX {
                n_leaves[a] -= removed_leaves;
                r_branch[a] += r_diff;
                a = parent[a];
            }
            path.push((alpha, r_branch[0]));
        }
        (pruned, path)
    }

    /// The `(ccp_alphas, impurities)` of scikit-learn's `cost_complexity_pruning_path`.
    pub(crate) fn pruning_path(&self) -> (Vec<f64>, Vec<f64>) {
        let (_, path) = self.weakest_link_pruning(f64::INFINITY);
        path.into_iter().unzip()
    }

    /// The tree pruned with `ccp_alpha`: nodes renumbered in pre-order, a pruned node
    /// kept as a leaf with its values.
    pub(crate) fn pruned(&self, ccp_alpha: f64) -> Tree {
        let (pruned, _) = self.weakest_link_pruning(ccp_alpha);
        if !pruned.iter().any(|&p| p) {
            return self.clone();
        }
        let w = self.value_width;
        let mut nodes: Vec<Node> = Vec::new();
        let mut values = Vec::new();
        // (old id, new parent, is left)
        let mut stack = vec![(0usize, usize::MAX, false)];
        while let Some((old, new_parent, is_left)) = stack.pop() {
            let id = nodes.len();
            if new_parent != usize::MAX
                && let Some(s) = nodes[new_parent].split.as_mut()
            {
                if is_left {
                    s.left = id;
                } else {
                    s.right = id;
                }
            }
            let mut node = self.nodes[old];
            if pruned[old] {
                node.split = None;
            }
            values.extend_from_slice(&self.values[old * w..(old + 1) * w]);
            if let Some(s) = node.split {
                stack.push((s.right, id, false));
                stack.push((s.left, id, true));
            }
            nodes.push(node);
        }
        Tree::new(nodes, values, w, self.n_features)
    }

    /// One line per leaf, as a clerk reads a decision: `if income > 128.12 and age <=
    /// 30.00 then <leaf>`, the conditions on the path from the root with each feature's
    /// bounds merged to the tightest, in the order the path meets them; `always then
    /// <leaf>` for a single-leaf tree. `leaf` formats a leaf from its values and row
    /// count.
    pub(crate) fn rules(
        &self,
        names: Option<&[&str]>,
        decimals: usize,
        leaf: &dyn Fn(&[f64], usize) -> String,
    ) -> Vec<String> {
        /// A feature's bounds on a path: `lower < x <= upper`.
        #[derive(Clone)]
        struct Bound {
            feature: usize,
            lower: Option<f64>,
            upper: Option<f64>,
        }
        let name = |f: usize| -> String {
            names
                .and_then(|n| n.get(f))
                .map_or_else(|| format!("feature_{f}"), |s| (*s).to_owned())
        };
        let mut out = Vec::new();
        let mut stack: Vec<(usize, Vec<Bound>)> = vec![(0, Vec::new())];
        while let Some((id, path)) = stack.pop() {
            match self.nodes[id].split {
                Some(s) => {
                    let with = |go_left: bool| {
                        let mut p = path.clone();
                        let slot = match p.iter().position(|b| b.feature == s.feature) {
                            Some(k) => k,
                            None => {
                                p.push(Bound {
                                    feature: s.feature,
                                    lower: None,
                                    upper: None,
                                });
                                p.len() - 1
                            }
                        };
                        let b = &mut p[slot];
                        if go_left {
                            b.upper = Some(b.upper.map_or(s.threshold, |u| u.min(s.threshold)));
                        } else {
                            b.lower = Some(b.lower.map_or(s.threshold, |l| l.max(s.threshold)));
                        }
                        p
                    };
                    stack.push((s.right, with(false)));
                    stack.push((s.left, with(true)));
                }
                None => {
                    let conditions: Vec<String> = path
                        .iter()
                        .flat_map(|b| {
                            let f = name(b.feature);
                            let lo = b.lower.map(|t| format!("{f} > {t:.decimals$}"));
                            let hi = b.upper.map(|t| format!("{f} <= {t:.decimals$}"));
                            lo.into_iter().chain(hi)
                        })
                        .collect();
                    let values = self.value(id).unwrap_or(&[]);
                    let then = leaf(values, self.nodes[id].n_samples);
                    out.push(if conditions.is_empty() {
                        format!("always then {then}")
                    } else {
                        format!("if {} then {then}", conditions.join(" and "))
                    });
                }
            }
        }
        out
    }

    /// The tree in Graphviz's DOT language, one box per node (its test, impurity, row
    /// count and values), edges labelled True/False at the root as scikit-learn's
    /// `export_graphviz` draws them.
    pub(crate) fn to_dot(&self, names: Option<&[&str]>, leaf: &dyn Fn(&[f64]) -> String) -> String {
        let name = |f: usize| -> String {
            names
                .and_then(|n| n.get(f))
                .map_or_else(|| format!("feature_{f}"), |s| (*s).to_owned())
        };
        let escape = |s: String| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut out = String::from("digraph Tree {\nnode [shape=box] ;\n");
        for (id, node) in self.nodes.iter().enumerate() {
            let test = node
                .split
                .map(|s| format!("{} <= {:.3}\\n", escape(name(s.feature)), s.threshold))
                .unwrap_or_default();
            // The leaf text is the caller's, already in DOT's label syntax.
            let values = leaf(self.value(id).unwrap_or(&[]));
            out.push_str(&format!(
                "{id} [label=\"{test}impurity = {:.3}\\nsamples = {}\\n{values}\"] ;\n",
                node.impurity, node.n_samples
            ));
            if let Some(s) = node.split {
                let (l, r) = if id == 0 {
                    (
                        " [labeldistance=2.5, labelangle=45, headlabel=\"True\"]",
                        " [labeldistance=2.5, labelangle=-45, headlabel=\"False\"]",
                    )
                } else {
                    ("", "")
                };
                out.push_str(&format!(
                    "{id} -> {}{l} ;\n{id} -> {}{r} ;\n",
                    s.left, s.right
                ));
            }
        }
        out.push_str("}\n");
        out
    }

    /// What every method relies on: at least one node; nodes in pre-order (the left
    /// child right after its parent, the right child later, so every walk ends) and each node the child of exactly one parent;
    /// features below `n_features`; thresholds not NaN; sample counts and weights
    /// consistent; `value_width` values per node, finite.
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        let n = self.nodes.len();
        inv::not_empty("nodes", n)?;
        inv::not_empty("value width", self.value_width)?;
        inv::not_empty("n_features", self.n_features)?;
        inv::len(
            "values",
            self.values.len(),
            n.saturating_mul(self.value_width),
        )?;
        inv::finite("values", &self.values)?;
        let mut parents = vec![0usize; n];
        for (id, node) in self.nodes.iter().enumerate() {
            inv::non_negative("weighted_n_samples", &[node.weighted_n_samples])?;
            inv::ensure(!node.impurity.is_nan(), || {
                format!("node {id} has a NaN impurity")
            })?;
            if let Some(s) = node.split {
                // Pre-order: the left child follows its parent, the right one comes later.
                inv::ensure(s.left == id + 1 && s.right > s.left && s.right < n, || {
                    format!("node {id} has children {} and {}", s.left, s.right)
                })?;
                inv::ensure(n <= u32::MAX as usize, || "more than 2^32 nodes".to_owned())?;
                inv::ensure(s.feature < MISSING_LEFT as usize, || {
                    format!("node {id} splits on feature {}", s.feature)
                })?;
                inv::ensure(s.feature < self.n_features, || {
                    format!(
                        "node {id} splits on feature {} of {}",
                        s.feature, self.n_features
                    )
                })?;
                inv::ensure(!s.threshold.is_nan(), || {
                    format!("node {id} has a NaN threshold")
                })?;
                parents[s.left] += 1;
                parents[s.right] += 1;
            }
        }
        inv::ensure(
            parents[0] == 0 && parents[1..].iter().all(|&p| p == 1),
            || "a node is not the child of exactly one parent".to_owned(),
        )
    }
}
