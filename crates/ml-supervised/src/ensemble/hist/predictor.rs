//! A boosted tree as it predicts: nodes in pre-order (scikit-learn's `TreePredictor`
//! numbering), numerical splits `x ≤ threshold` on the raw values, categorical splits
//! by the set of categories going left, missing values (and unknown categories) sent
//! the way training chose.

use serde::{Deserialize, Serialize};

use super::binning::Bins;
use super::grower::in_bitset;

/// One tree of a histogram gradient boosting model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoostedTree {
    nodes: Vec<BoostedNode>,
    category_sets: Vec<BoostedCategories>,
}

/// A node of a [`BoostedTree`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BoostedNode {
    /// The node's value: for a leaf, its contribution to the raw prediction (learning
    /// rate included); for an inner node, `−G / (H + λ)` before the learning rate.
    pub value: f64,
    /// The training rows that reached the node.
    pub count: usize,
    /// The loss reduction of the node's best split (−1 for a node never scored).
    pub gain: f64,
    /// The depth (the root is 0).
    pub depth: usize,
    /// The split, `None` for a leaf.
    pub split: Option<BoostedSplit>,
}

/// The split of an inner [`BoostedNode`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BoostedSplit {
    /// The column of `x` it tests.
    pub feature: usize,
    /// Numerical split: rows with `x ≤ threshold` go left (`+∞`: every non-missing
    /// value goes left); NaN for a categorical split.
    pub threshold: f64,
    /// Where missing values (and, for a categorical split, categories not seen in
    /// training) go.
    pub missing_go_to_left: bool,
    /// The left child's node index.
    pub left: usize,
    /// The right child's node index.
    pub right: usize,
    pub(crate) internal_feature: usize,
    pub(crate) bin_threshold: u8,
    pub(crate) categories: Option<usize>,
}

/// The categories a categorical split sends left: as bins and as values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BoostedCategories {
    pub(crate) bins: [u32; 8],
    pub(crate) values: Vec<f64>,
}

/// A node of a [`FlatTree`]: 32 bytes, so a tree of 31 leaves fits in 2 KiB.
#[derive(Debug, Clone, Copy)]
struct FlatNode {
    /// The threshold, or a leaf's value.
    threshold: f64,
    /// The tested column; [`LEAF`] for a leaf.
    feature: u32,
    left: u32,
    right: u32,
    missing_go_to_left: bool,
    /// The category set (an index into the tree's sets) of a categorical split.
    categories: Option<u16>,
}

const LEAF: u32 = u32::MAX;

/// A [`BoostedTree`] laid out for prediction.
#[derive(Debug, Clone)]
pub(crate) struct FlatTree {
    nodes: Vec<FlatNode>,
    internal_features: Vec<usize>,
    category_bins: Vec<[u32; 8]>,
}

impl FlatTree {
    pub(crate) fn new(tree: &BoostedTree) -> Self {
        let mut internal_features = Vec::with_capacity(tree.nodes.len());
        let nodes = tree
            .nodes
            .iter()
            .map(|node| match &node.split {
                None => {
                    internal_features.push(0);
                    FlatNode {
                        threshold: node.value,
                        feature: LEAF,
                        left: 0,
                        right: 0,
                        missing_go_to_left: false,
                        categories: None,
                    }
                }
                Some(s) => {
                    internal_features.push(s.internal_feature);
                    FlatNode {
                        threshold: s.threshold,
                        feature: s.feature as u32,
                        left: s.left as u32,
                        right: s.right as u32,
                        missing_go_to_left: s.missing_go_to_left,
                        categories: s.categories.map(|c| c as u16),
                    }
                }
            })
            .collect();
        Self {
            nodes,
            internal_features,
            category_bins: tree.category_sets.iter().map(|c| c.bins).collect(),
        }
    }

    /// The leaf value of one row of raw values (`bins` for categorical splits).
    #[inline]
    pub(crate) fn predict_row(&self, row: &[f64], bins: &Bins) -> f64 {
        let mut id = 0;
        loop {
            let node = &self.nodes[id];
            if node.feature == LEAF {
                return node.threshold;
            }
            let v = row[node.feature as usize];
            let left = if v.is_nan() {
                node.missing_go_to_left
            } else if let Some(c) = node.categories {
                let b = bins.bin_of(self.internal_features[id], v);
                if b == bins.missing_bin {
                    node.missing_go_to_left
                } else {
                    in_bitset(&self.category_bins[usize::from(c)], b)
                }
            } else {
                v <= node.threshold
            };
            id = if left { node.left } else { node.right } as usize;
        }
    }
}

impl BoostedTree {
    pub(crate) fn new(nodes: Vec<BoostedNode>, category_sets: Vec<BoostedCategories>) -> Self {
        Self {
            nodes,
            category_sets,
        }
    }

    /// The nodes in pre-order: the root first, every node's left subtree before its
    /// right subtree.
    pub fn nodes(&self) -> &[BoostedNode] {
        &self.nodes
    }

    /// The categories (values of the column) that the categorical split of node `id`
    /// sends left; `None` for a leaf or a numerical split.
    pub fn left_categories(&self, id: usize) -> Option<&[f64]> {
        let c = self.nodes.get(id)?.split.as_ref()?.categories?;
        Some(&self.category_sets[c].values)
    }

    /// The number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.split.is_none()).count()
    }

    /// The depth of the deepest leaf.
    pub fn depth(&self) -> usize {
        self.nodes.iter().map(|n| n.depth).max().unwrap_or(0)
    }

    /// The leaf value of row `i` of column-major binned data with `n` rows.
    #[inline]
    pub(crate) fn predict_binned(&self, binned: &[u8], n: usize, i: usize, missing_bin: u8) -> f64 {
        let mut id = 0;
        loop {
            let node = &self.nodes[id];
            let Some(s) = &node.split else {
                return node.value;
            };
            let b = binned[s.internal_feature * n + i];
            let left = if b == missing_bin {
                s.missing_go_to_left
            } else if let Some(c) = s.categories {
                in_bitset(&self.category_sets[c].bins, b)
            } else {
                b <= s.bin_threshold
            };
            id = if left { s.left } else { s.right };
        }
    }

    /// The structural checks of a loaded tree: children after their parent and in
    /// range, category sets in range, finite leaf values.
    pub(crate) fn check(&self, n_features: usize, n_internal: usize) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("a boosted tree has no nodes".to_owned());
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(s) = &node.split {
                if s.left <= i
                    || s.right <= i
                    || s.left >= self.nodes.len()
                    || s.right >= self.nodes.len()
                {
                    return Err(format!("node {i} has children out of order or range"));
                }
                if s.feature >= n_features || s.internal_feature >= n_internal {
                    return Err(format!("node {i} splits on a feature out of range"));
                }
                if s.categories
                    .is_some_and(|c| c >= self.category_sets.len() || c > usize::from(u16::MAX))
                {
                    return Err(format!("node {i} has a category set out of range"));
                }
            } else if !node.value.is_finite() {
                return Err(format!("leaf {i} has a value that is not finite"));
            }
        }
        Ok(())
    }
}
