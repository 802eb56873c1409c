//! FP-growth: a prefix tree of the frequency-sorted transactions, mined through
//! conditional trees, with the single-path shortcut.

use ml_core::Result;
use serde::{Deserialize, Serialize};

use crate::common;
use crate::itemsets::{FrequentItemsets, ItemsetKind, SetBuf, Sink};
use crate::transactions::{MinSupport, Transactions};

const NONE: u32 = u32::MAX;

/// Frequent itemsets by FP-growth (Han, Pei & Yin): the transactions are compressed into
/// a prefix tree (FP-tree) kept as flat node arrays, with a header table listing each
/// item's nodes. Paths are inserted in lexicographic order, so building never searches
/// child lists. Each item's conditional pattern base becomes a conditional tree over the
/// items still frequent in it; a tree that is a single path yields all combinations of
/// its nodes directly. The items of the global tree are mined in parallel.
///
/// ```
/// use ml_assoc::{FPGrowth, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer", "chips"],
///     vec!["milk"],
/// ])?;
/// let sets = FPGrowth::new(2u64).fit(&tx)?; // an absolute count
/// assert_eq!(sets.len(), 5);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FPGrowth {
    min_support: MinSupport,
    max_len: Option<usize>,
}

impl FPGrowth {
    /// FP-growth with a minimum support: a fraction in `(0, 1]` (`f64`) or a count (`u64`).
    pub fn new(min_support: impl Into<MinSupport>) -> Self {
        Self {
            min_support: min_support.into(),
            max_len: None,
        }
    }

    /// The longest itemsets to report. Default: no limit.
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = Some(max_len);
        self
    }

    /// Mines the frequent itemsets of `tx`.
    ///
    /// # Errors
    /// [`ml_core::Error::InvalidParameter`] for a support outside `(0, 1]`, a count
    /// outside `[1, n]` or `max_len` 0.
    pub fn fit(&self, tx: &Transactions) -> Result<FrequentItemsets> {
        let plan = common::plan(tx, self.min_support, self.max_len)?;
        let buf = mine(tx, plan.n_frequent, plan.min_count, plan.max_len);
        Ok(FrequentItemsets::from_buf(
            buf,
            tx.item_names(),
            tx.len(),
            u64::from(plan.min_count),
            self.max_len,
            ItemsetKind::All,
        ))
    }
}

/// An FP-tree over local item ids `0..n` (0 = most frequent); node 0 is the root.
struct FpTree {
    item: Vec<u32>,
    count: Vec<u32>,
    parent: Vec<u32>,
    /// The last child created under each node (enough to walk a single path).
    child: Vec<u32>,
    /// The header table: the nodes of each item.
    /// (flat: the nodes of item `i` are `head_nodes[head_start[i]..head_start[i + 1]]`).
    head_start: Vec<u32>,
    head_nodes: Vec<u32>,
    /// Support of each local item in this tree.
    item_count: Vec<u32>,
    /// The global id of each local item.
    gid: Vec<u32>,
    single_path: bool,
}

/// Weighted paths (local ids, ascending), stored flat.
#[derive(Default)]
struct Paths {
    items: Vec<u32>,
    ends: Vec<usize>,
    weight: Vec<u32>,
}

impl Paths {
    fn clear(&mut self) {
        self.items.clear();
        self.ends.clear();
        self.weight.clear();
    }
    fn get(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.items[start..self.ends[i]]
    }
    fn len(&self) -> usize {
        self.ends.len()
    }
}

impl FpTree {
    /// Builds the tree of `n` paths (`path(i)`, `weight(i)`). The paths are inserted in
    /// lexicographic order, so each shares with the tree exactly its common prefix with
    /// the previous path: no child lists to search, however wide the fan-out.
    fn build<'a>(
        gid: Vec<u32>,
        n: usize,
        path: impl Fn(usize) -> &'a [u32],
        weight: impl Fn(usize) -> u32,
    ) -> Self {
        let n_items = gid.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        // Paths read off a tree built this way mostly arrive in order already.
        if !order
            .windows(2)
            .all(|w| path(w[0] as usize) <= path(w[1] as usize))
        {
            order.sort_unstable_by(|&a, &b| path(a as usize).cmp(path(b as usize)));
        }
        let mut t = Self {
            item: vec![NONE],
            count: vec![0],
            parent: vec![NONE],
            child: vec![NONE],
            head_start: Vec::new(),
            head_nodes: Vec::new(),
            item_count: vec![0; n_items],
            gid,
            single_path: true,
        };
        let mut stack: Vec<u32> = Vec::new();
        let mut prev: &[u32] = &[];
        for &p in &order {
            let cur = path(p as usize);
            let w = weight(p as usize);
            let common = prev.iter().zip(cur).take_while(|(a, b)| a == b).count();
            stack.truncate(common);
            for &node in &stack {
                t.count[node as usize] += w;
            }
            let mut parent = stack.last().copied().unwrap_or(0);
            for &it in &cur[common..] {
                let id = t.item.len() as u32;
                if t.child[parent as usize] != NONE {
                    t.single_path = false;
                }
                t.child[parent as usize] = id;
                t.item.push(it);
                t.count.push(w);
                t.parent.push(parent);
                t.child.push(NONE);
                stack.push(id);
                parent = id;
            }
            for &it in cur {
                t.item_count[it as usize] += w;
            }
            prev = cur;
        }
        // The header table by counting sort of the nodes on their item.
        let mut start = vec![0u32; n_items + 1];
        for &it in &t.item[1..] {
            start[it as usize + 1] += 1;
        }
        for i in 0..n_items {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut nodes = vec![0u32; t.item.len() - 1];
        for (node, &it) in t.item.iter().enumerate().skip(1) {
            nodes[fill[it as usize] as usize] = node as u32;
            fill[it as usize] += 1;
        }
        t.head_start = start;
        t.head_nodes = nodes;
        t
    }

    /// The nodes of local item `li`.
    fn heads(&self, li: usize) -> &[u32] {
        &self.head_nodes[self.head_start[li] as usize..self.head_start[li + 1] as usize]
    }

    /// The conditional tree of local item `li`, or None when no item is frequent in it.
    fn conditional(&self, li: usize, min: u32, paths: &mut Paths) -> Option<FpTree> {
        let mut cnt = vec![0u32; li];
        for &node in self.heads(li) {
            let w = self.count[node as usize];
            let mut p = self.parent[node as usize];
            while p != 0 {
                cnt[self.item[p as usize] as usize] += w;
                p = self.parent[p as usize];
            }
        }
        let keep: Vec<u32> = (0..li as u32).filter(|&j| cnt[j as usize] >= min).collect();
        if keep.is_empty() {
            return None;
        }
        // Local ids keep the parent's order, so a path read upwards is already sorted
        // (descending) and needs only reversing.
        let mut map = vec![NONE; li];
        let gid: Vec<u32> = keep
            .iter()
            .enumerate()
            .map(|(new, &old)| {
                map[old as usize] = new as u32;
                self.gid[old as usize]
            })
            .collect();
        paths.clear();
        for &node in self.heads(li) {
            let start = paths.items.len();
            let mut p = self.parent[node as usize];
            while p != 0 {
                let m = map[self.item[p as usize] as usize];
                if m != NONE {
                    paths.items.push(m);
                }
                p = self.parent[p as usize];
            }
            if paths.items.len() > start {
                paths.items[start..].reverse();
                paths.ends.push(paths.items.len());
                paths.weight.push(self.count[node as usize]);
            }
        }
        let paths = &*paths;
        Some(FpTree::build(
            gid,
            paths.len(),
            |i| paths.get(i),
            |i| paths.weight[i],
        ))
    }
}

fn mine(tx: &Transactions, n_frequent: usize, min: u32, max_len: usize) -> SetBuf {
    let tree = FpTree::build(
        (0..n_frequent as u32).collect(),
        tx.len(),
        |t| common::frequent_part(tx.get(t), n_frequent),
        |_| 1,
    );
    if tree.single_path {
        let mut out = SetBuf::new(min);
        mine_tree(&tree, &mut Vec::new(), min, max_len, &mut out);
        return out;
    }
    let parts: Vec<SetBuf> = common::maybe_par(tx, n_frequent, |k| {
        let mut out = SetBuf::new(min);
        let mut prefix = Vec::new();
        let li = n_frequent - 1 - k;
        mine_item(
            &tree,
            li,
            &mut prefix,
            min,
            max_len,
            &mut out,
            &mut Paths::default(),
        );
        out
    });
    SetBuf::concat(min, parts)
}

fn mine_tree(tree: &FpTree, prefix: &mut Vec<u32>, min: u32, max_len: usize, out: &mut SetBuf) {
    if tree.single_path {
        let mut path = Vec::new();
        let mut node = tree.child[0];
        while node != NONE {
            path.push((
                tree.gid[tree.item[node as usize] as usize],
                tree.count[node as usize],
            ));
            node = tree.child[node as usize];
        }
        combinations(&path, 0, prefix, min, max_len, out);
        return;
    }
    let mut scratch = Paths::default();
    for li in (0..tree.gid.len()).rev() {
        mine_item(tree, li, prefix, min, max_len, out, &mut scratch);
    }
}

fn mine_item(
    tree: &FpTree,
    li: usize,
    prefix: &mut Vec<u32>,
    min: u32,
    max_len: usize,
    out: &mut SetBuf,
    scratch: &mut Paths,
) {
    let support = tree.item_count[li];
    if support < min {
        return;
    }
    prefix.push(tree.gid[li]);
    out.emit(prefix, support);
    if prefix.len() < max_len
        && let Some(cond) = tree.conditional(li, min, scratch)
    {
        mine_tree(&cond, prefix, min, max_len, out);
    }
    prefix.pop();
}

/// Every combination of the nodes of a single path: its support is that of its deepest node.
fn combinations(
    path: &[(u32, u32)],
    start: usize,
    prefix: &mut Vec<u32>,
    min: u32,
    max_len: usize,
    out: &mut SetBuf,
) {
    for i in start..path.len() {
        let (g, c) = path[i];
        if c < min {
            // Counts only fall along a path.
            break;
        }
        prefix.push(g);
        out.emit(prefix, c);
        if prefix.len() < max_len {
            combinations(path, i + 1, prefix, min, max_len, out);
        }
        prefix.pop();
    }
}
