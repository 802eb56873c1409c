//! FP-growth: frequent itemsets through conditional FP-trees projected into reused node
//! arrays, with perfect-extension pruning and the single-path shortcut.

use ml_core::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;
use crate::itemsets::{FrequentItemsets, ItemsetKind, SetBuf};
use crate::transactions::{MinSupport, Transactions};

const NONE: u32 = u32::MAX;

/// Up to this many items, the supports of a conditional base are found by scanning all
/// of them rather than by listing those met along the paths.
const DENSE_ITEMS: usize = 256;

/// Frequent itemsets by FP-growth (Han, Pei & Yin). Each frequent item's conditional
/// pattern base (the more frequent items of the transactions holding it) is compressed
/// into a prefix tree (FP-tree) over the items still frequent in it, kept as flat node
/// arrays with a header table listing each item's nodes; the trees are mined the same
/// way, each item's base being the paths above its nodes. Items present in every
/// transaction of a base (perfect extensions) are left out of its tree and added to
/// every set found below it instead; a tree that is a single path yields all
/// combinations of its nodes directly. The first level reads the transactions
/// themselves rather than a global tree: on sparse data such a tree hardly compresses
/// them (retail: 547k nodes for 778k frequent entries), and walking it upwards can cost
/// a cache miss per step where the transactions are read in sequence. The first-level
/// items are mined in parallel on large inputs.
///
/// ```
/// use ml_assoc::{FpGrowth, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer", "chips"],
///     vec!["milk"],
/// ])?;
/// let sets = FpGrowth::new(2u64).fit(&tx)?; // an absolute count
/// assert_eq!(sets.len(), 5);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "FPGrowth")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FpGrowth {
    min_support: MinSupport,
    max_len: Option<usize>,
}

impl FpGrowth {
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

/// A tree node: its item (local id), parent, first child and next sibling, in one record
/// (one push per node, and a walk upwards reads item and parent together).
#[derive(Debug, Clone, Copy)]
struct Node {
    item: u32,
    parent: u32,
    child: u32,
    sibling: u32,
}

/// An FP-tree over local item ids `0..n` (0 = most frequent); node 0 is the root.
///
/// Every node is created after its parent, so a pass over the nodes in reverse order
/// visits children before parents (how counts are summed up the tree), and a tree that is
/// a single path holds its nodes in path order.
#[derive(Debug, Default)]
struct Tree {
    node: Vec<Node>,
    count: Vec<u32>,
    /// Whether no two paths of the source tree were merged into this node. Children of
    /// such a node come from distinct children of one source node, so their items
    /// differ and a new child needs no search among its siblings.
    pure: Vec<bool>,
    /// The header table, flat: the nodes of item `i` are
    /// `head_nodes[head_start[i]..head_start[i + 1]]`, in creation order.
    head_start: Vec<u32>,
    head_nodes: Vec<u32>,
    /// Support of each local item in this tree.
    item_count: Vec<u32>,
    /// The global id of each local item.
    gid: Vec<u32>,
    single_path: bool,
}

impl Tree {
    /// Empties the tree (keeping its buffers) down to a root.
    fn reset(&mut self) {
        self.node.clear();
        self.count.clear();
        self.pure.clear();
        self.gid.clear();
        self.item_count.clear();
        self.node.push(Node {
            item: NONE,
            parent: NONE,
            child: NONE,
            sibling: NONE,
        });
        self.count.push(0);
        self.pure.push(true);
        self.single_path = true;
    }

    fn len(&self) -> usize {
        self.node.len()
    }

    fn add(&mut self, item: u32, parent: u32) -> u32 {
        let id = self.node.len() as u32;
        let first = std::mem::replace(&mut self.node[parent as usize].child, id);
        if first != NONE {
            self.single_path = false;
        }
        self.node.push(Node {
            item,
            parent,
            child: NONE,
            sibling: first,
        });
        self.count.push(0);
        self.pure.push(true);
        id
    }

    /// The child of `parent` with `item`, created if missing, while inserting paths that
    /// share no structure (transaction prefixes). The root's children are found through
    /// `root_child` (indexed by item), as the root is where most paths meet.
    fn find_or_add(&mut self, parent: u32, item: u32, root_child: &mut [u32]) -> u32 {
        if parent == 0 {
            let c = root_child[item as usize];
            if c != NONE {
                return c;
            }
            let c = self.add(item, 0);
            root_child[item as usize] = c;
            return c;
        }
        let mut c = self.node[parent as usize].child;
        while c != NONE {
            let nd = self.node[c as usize];
            if nd.item == item {
                return c;
            }
            c = nd.sibling;
        }
        self.add(item, parent)
    }

    /// The child of `parent` with `item`, created if missing, while copying the paths of
    /// a source tree (see `pure`). The root's children are found through `root_child`.
    fn child_of(&mut self, parent: u32, item: u32, root_child: &mut [u32]) -> u32 {
        if parent == 0 {
            let c = root_child[item as usize];
            if c != NONE {
                self.pure[c as usize] = false;
                return c;
            }
            let c = self.add(item, 0);
            root_child[item as usize] = c;
            return c;
        }
        if !self.pure[parent as usize] {
            let mut c = self.node[parent as usize].child;
            while c != NONE {
                let nd = self.node[c as usize];
                if nd.item == item {
                    self.pure[c as usize] = false;
                    return c;
                }
                c = nd.sibling;
            }
        }
        self.add(item, parent)
    }

    /// Turns the weights left at path ends into node counts (each node's count is the sum
    /// over its subtree) and builds the header table, unless the tree is a single path.
    fn finish(&mut self) {
        for id in (1..self.node.len()).rev() {
            let p = self.node[id].parent as usize;
            self.count[p] += self.count[id];
        }
        if self.single_path {
            return;
        }
        // Counting sort of the nodes on their item; filling from the back leaves each
        // item's nodes in ascending order and `head_start[i]` at item i's first slot.
        let n_items = self.gid.len();
        self.head_start.clear();
        self.head_start.resize(n_items + 1, 0);
        for nd in &self.node[1..] {
            self.head_start[nd.item as usize] += 1;
        }
        let mut acc = 0;
        for s in &mut self.head_start[..n_items] {
            acc += *s;
            *s = acc;
        }
        self.head_start[n_items] = acc;
        self.head_nodes.clear();
        self.head_nodes.resize(acc as usize, 0);
        for id in (1..self.node.len()).rev() {
            let it = self.node[id].item as usize;
            self.head_start[it] -= 1;
            self.head_nodes[self.head_start[it] as usize] = id as u32;
        }
    }

    /// The nodes of local item `li`.
    fn heads(&self, li: usize) -> &[u32] {
        &self.head_nodes[self.head_start[li] as usize..self.head_start[li + 1] as usize]
    }
}

/// Where each frequent item occurs: `(transaction, position)` pairs grouped by item, so
/// that the transaction's items before that position are the item's conditional base.
#[derive(Debug)]
struct Occurrences {
    start: Vec<usize>,
    at: Vec<(u32, u32)>,
    /// Item ids `0..n_frequent`: the global id of each first-level item.
    ids: Vec<u32>,
}

impl Occurrences {
    fn new(tx: &Transactions, n_frequent: usize) -> Self {
        let mut start = Vec::with_capacity(n_frequent + 1);
        start.push(0);
        let mut acc = 0usize;
        for &c in &tx.item_counts()[..n_frequent] {
            acc += c as usize;
            start.push(acc);
        }
        let mut fill = start[..n_frequent].to_vec();
        let mut at = vec![(0u32, 0u32); acc];
        for (t, items) in tx.iter().enumerate() {
            for (pos, &it) in common::frequent_part(items, n_frequent).iter().enumerate() {
                let f = &mut fill[it as usize];
                // `Transactions` holds fewer than 2^32 transactions and items.
                at[*f] = (t as u32, pos as u32);
                *f += 1;
            }
        }
        Self {
            start,
            at,
            ids: (0..n_frequent as u32).collect(),
        }
    }

    fn of(&self, item: usize) -> &[(u32, u32)] {
        &self.at[self.start[item]..self.start[item + 1]]
    }
}

/// Itemsets of one length, flat (`len` ids each, sorted ascending), with their counts.
#[derive(Debug, Default)]
struct Bucket {
    items: Vec<u32>,
    counts: Vec<u32>,
}

/// The state of one mining thread: scratch buffers reused across all conditional trees,
/// one tree slot per recursion depth, and the itemsets found, bucketed by length.
#[derive(Debug)]
struct Miner {
    min: u32,
    max_len: usize,
    /// `trees[d]` receives the conditional trees projected at depth `d` (depth 0: from
    /// the transactions, depth `d > 0`: from a tree in `trees[d - 1]`).
    trees: Vec<Tree>,
    /// `memo[d][v] = [round, node]`: the node of the conditional tree under construction
    /// that node `v` of the tree at depth `d` maps to, valid when `round` is current.
    memo: Vec<Vec<[u32; 2]>>,
    round: u32,
    prefix: Vec<u32>,
    /// Perfect extensions of the current prefix (global ids).
    pex: Vec<u32>,
    /// Supports in the current conditional base; all zeros between projections.
    cnt: Vec<u32>,
    touched: Vec<u32>,
    keep: Vec<(u32, u32)>,
    /// Local id in the tree being built of each item of its base (NONE: left out).
    map: Vec<u32>,
    climb: Vec<u32>,
    root_child: Vec<u32>,
    set: Vec<u32>,
    out: Vec<Bucket>,
}

impl Miner {
    fn new(min: u32, max_len: usize) -> Self {
        Self {
            min,
            max_len,
            trees: Vec::new(),
            memo: Vec::new(),
            round: 0,
            prefix: Vec::new(),
            pex: Vec::new(),
            cnt: Vec::new(),
            touched: Vec::new(),
            keep: Vec::new(),
            map: Vec::new(),
            climb: Vec::new(),
            root_child: Vec::new(),
            set: Vec::new(),
            out: Vec::new(),
        }
    }

    /// The tree slot of depth `d`, taken out so that it can be built while `self` is
    /// borrowed; put it back with `self.trees[d] = slot`.
    fn take_slot(&mut self, d: usize) -> Tree {
        if self.trees.len() <= d {
            self.trees.resize_with(d + 1, Tree::default);
        }
        std::mem::take(&mut self.trees[d])
    }

    /// Reports `{item}` and every frequent itemset whose least frequent item is `item`.
    fn mine_first(&mut self, tx: &Transactions, occ: &Occurrences, item: usize) {
        let mut slot = self.take_slot(0);
        let support = occ.of(item).len() as u32;
        self.prefix.push(item as u32);
        let pex_mark = self.pex.len();
        let kept = if self.prefix.len() < self.max_len {
            self.count_db(tx, occ, item);
            let kept = self.select(item, support, &occ.ids, &mut slot);
            if kept >= 2 {
                self.build_db(tx, occ, item, &mut slot);
            }
            kept
        } else {
            0
        };
        self.grow(support, kept, &slot, 1);
        self.pex.truncate(pex_mark);
        self.prefix.pop();
        self.trees[0] = slot;
    }

    /// Mines every item of `tree`, the tree at depth `d`.
    fn mine_tree(&mut self, tree: &Tree, d: usize) {
        if tree.single_path {
            self.combinations(tree, 1);
            return;
        }
        let mut slot = self.take_slot(d);
        for li in (0..tree.gid.len()).rev() {
            let support = tree.item_count[li];
            self.prefix.push(tree.gid[li]);
            let pex_mark = self.pex.len();
            let kept = if self.prefix.len() < self.max_len {
                self.count_tree(tree, li);
                let kept = self.select(li, support, &tree.gid, &mut slot);
                if kept >= 2 {
                    self.build_tree(tree, d, li, &mut slot);
                }
                kept
            } else {
                0
            };
            self.grow(support, kept, &slot, d + 1);
            self.pex.truncate(pex_mark);
            self.prefix.pop();
        }
        self.trees[d] = slot;
    }

    /// Reports the prefix (with support `support`) and its extensions: none, the one item
    /// left in its base, or those of its conditional tree `c` (depth `d`).
    fn grow(&mut self, support: u32, kept: usize, c: &Tree, d: usize) {
        self.emit(support);
        match kept {
            0 => {}
            1 => {
                self.prefix.push(c.gid[0]);
                self.emit(c.item_count[0]);
                self.prefix.pop();
            }
            _ => self.mine_tree(c, d),
        }
    }

    /// Prepares `cnt` (zeros) and `touched` for a base over items `0..li`; true when
    /// the base is to be scanned densely.
    fn start_count(&mut self, li: usize) -> bool {
        if self.cnt.len() < li {
            self.cnt.resize(li, 0);
        }
        self.touched.clear();
        li <= DENSE_ITEMS
    }

    /// Supports in the base of first-level item `item`: the transaction prefixes before
    /// it, read in sequence.
    fn count_db(&mut self, tx: &Transactions, occ: &Occurrences, item: usize) {
        let dense = self.start_count(item);
        let cnt = &mut self.cnt;
        if dense {
            for &(t, pos) in occ.of(item) {
                for &j in &tx.row(t as usize)[..pos as usize] {
                    cnt[j as usize] += 1;
                }
            }
        } else {
            // Over thousands of items (retail) a base touches few: list them.
            for &(t, pos) in occ.of(item) {
                for &j in &tx.row(t as usize)[..pos as usize] {
                    let e = &mut cnt[j as usize];
                    if *e == 0 {
                        self.touched.push(j);
                    }
                    *e += 1;
                }
            }
        }
    }

    /// Supports in the base of item `li` of `tree`: every path above a node of `li`,
    /// weighted by that node's count.
    fn count_tree(&mut self, tree: &Tree, li: usize) {
        let dense = self.start_count(li);
        let cnt = &mut self.cnt;
        for &v in tree.heads(li) {
            let w = tree.count[v as usize];
            let mut p = tree.node[v as usize].parent;
            while p != 0 {
                let nd = tree.node[p as usize];
                let e = &mut cnt[nd.item as usize];
                if !dense && *e == 0 {
                    self.touched.push(nd.item);
                }
                *e += w;
                p = nd.parent;
            }
        }
    }

    /// Sorts the items of the base just counted (over `0..li`, with global ids `gid`)
    /// into the items of the conditional tree `c` (reset here, with their supports), the
    /// perfect extensions (onto `self.pex`) and the infrequent; resets `cnt` and returns
    /// the number of items of `c`.
    fn select(&mut self, li: usize, support: u32, gid: &[u32], c: &mut Tree) -> usize {
        c.reset();
        if self.map.len() < li {
            self.map.resize(li, NONE);
        }
        let cnt = &mut self.cnt;
        // Only items of the base are read back from `map`, so it needs no reset.
        let map = &mut self.map;
        let pex = &mut self.pex;
        let keep = &mut self.keep;
        keep.clear();
        let min = self.min;
        let mut classify = |j: usize| {
            let n = std::mem::take(&mut cnt[j]);
            map[j] = NONE;
            if n < min {
                return;
            }
            if n == support {
                // In every transaction of the base: added to each set found below
                // instead of doubling the tree.
                pex.push(gid[j]);
            } else {
                keep.push((j as u32, n));
            }
        };
        if li <= DENSE_ITEMS {
            (0..li).for_each(&mut classify);
        } else {
            self.touched.iter().for_each(|&j| classify(j as usize));
            // Ascending, so that local ids keep the parent's order and paths stay sorted
            // in the new tree.
            keep.sort_unstable();
        }
        for &(j, n) in keep.iter() {
            map[j as usize] = c.gid.len() as u32;
            c.gid.push(gid[j as usize]);
            c.item_count.push(n);
        }
        c.gid.len()
    }

    /// Builds the conditional tree `c` of first-level item `item` from its transaction
    /// prefixes (its items already chosen by `select`).
    fn build_db(&mut self, tx: &Transactions, occ: &Occurrences, item: usize, c: &mut Tree) {
        self.root_child.clear();
        self.root_child.resize(c.gid.len(), NONE);
        for &(t, pos) in occ.of(item) {
            let mut node = 0;
            for &j in &tx.row(t as usize)[..pos as usize] {
                let m = self.map[j as usize];
                if m != NONE {
                    node = c.find_or_add(node, m, &mut self.root_child);
                }
            }
            c.count[node as usize] += 1;
        }
        c.finish();
    }

    /// Builds the conditional tree `c` of item `li` of `tree` (depth `d`; its items
    /// already chosen by `select`) by copying each path above a node of `li`, climbing
    /// only to the first node already copied: the paths share their upper parts, and
    /// those are mapped once.
    fn build_tree(&mut self, tree: &Tree, d: usize, li: usize, c: &mut Tree) {
        if self.memo.len() <= d {
            self.memo.resize_with(d + 1, Vec::new);
        }
        if self.round == u32::MAX {
            for m in &mut self.memo {
                m.fill([0, 0]);
            }
            self.round = 0;
        }
        self.round += 1;
        let r = self.round;
        let memo = &mut self.memo[d];
        if memo.len() < tree.len() {
            memo.resize(tree.len(), [0, 0]);
        }
        self.root_child.clear();
        self.root_child.resize(c.gid.len(), NONE);
        for &v in tree.heads(li) {
            let w = tree.count[v as usize];
            self.climb.clear();
            let mut p = tree.node[v as usize].parent;
            let mut base = 0;
            while p != 0 {
                let m = memo[p as usize];
                if m[0] == r {
                    base = m[1];
                    break;
                }
                self.climb.push(p);
                p = tree.node[p as usize].parent;
            }
            for &x in self.climb.iter().rev() {
                let it = self.map[tree.node[x as usize].item as usize];
                if it == NONE {
                    // Left out: its children join those of `base`, where they may meet.
                    c.pure[base as usize] = false;
                } else {
                    base = c.child_of(base, it, &mut self.root_child);
                }
                memo[x as usize] = [r, base];
            }
            c.count[base as usize] += w;
        }
        c.finish();
    }

    /// Every combination of the nodes of a single-path tree from node `start` on,
    /// appended to the prefix: its support is that of its deepest node.
    fn combinations(&mut self, tree: &Tree, start: usize) {
        for n in start..tree.len() {
            let c = tree.count[n];
            if c < self.min {
                // Counts only fall along a path.
                break;
            }
            self.prefix.push(tree.gid[tree.node[n].item as usize]);
            self.emit(c);
            if self.prefix.len() < self.max_len {
                self.combinations(tree, n + 1);
            }
            self.prefix.pop();
        }
    }

    /// Reports the prefix, and its union with every subset of the perfect extensions
    /// within `max_len`, all with support `count`.
    fn emit(&mut self, count: u32) {
        if self.pex.is_empty() {
            push_set(&mut self.out, &self.prefix, count);
            return;
        }
        self.set.clear();
        self.set.extend_from_slice(&self.prefix);
        let room = self.max_len - self.prefix.len();
        with_extensions(&mut self.out, &mut self.set, &self.pex, room, count);
    }
}

/// `set` and its unions with every subset of `pex` of at most `room` items.
fn with_extensions(
    out: &mut Vec<Bucket>,
    set: &mut Vec<u32>,
    pex: &[u32],
    room: usize,
    count: u32,
) {
    push_set(out, set, count);
    if room == 0 {
        return;
    }
    for (i, &x) in pex.iter().enumerate() {
        set.push(x);
        with_extensions(out, set, &pex[i + 1..], room - 1, count);
        set.pop();
    }
}

fn push_set(out: &mut Vec<Bucket>, set: &[u32], count: u32) {
    let k = set.len();
    if out.len() <= k {
        out.resize_with(k + 1, Bucket::default);
    }
    let b = &mut out[k];
    let start = b.items.len();
    b.items.extend_from_slice(set);
    let s = &mut b.items[start..];
    // The prefix grows towards more frequent (lower) ids, so it is mostly descending.
    if s.is_sorted_by(|a, b| a > b) {
        s.reverse();
    } else {
        s.sort_unstable();
    }
    b.counts.push(count);
}

fn mine(tx: &Transactions, n_frequent: usize, min: u32, max_len: usize) -> SetBuf {
    let occ = Occurrences::new(tx, n_frequent);
    let outs: Vec<Vec<Bucket>> = if common::parallel(tx) {
        // A few interleaved chunks of items per thread, one miner each: interleaving
        // spreads the frequent items (the big tasks) over the chunks.
        let n_chunks = (4 * rayon::current_num_threads()).min(n_frequent);
        (0..n_chunks)
            .into_par_iter()
            .map(|c| {
                let mut m = Miner::new(min, max_len);
                for item in (c..n_frequent).step_by(n_chunks) {
                    m.mine_first(tx, &occ, item);
                }
                m.out
            })
            .collect()
    } else {
        let mut m = Miner::new(min, max_len);
        for item in (0..n_frequent).rev() {
            m.mine_first(tx, &occ, item);
        }
        vec![m.out]
    };
    drop(occ);
    canonical_buf(outs, n_frequent, min)
}

/// The itemsets of all threads in canonical order (by length, then lexicographically),
/// so that the final sort finds them sorted. Within a length, a least-significant-item
/// first radix sort on item ids: linear in the output.
fn canonical_buf(outs: Vec<Vec<Bucket>>, n_items: usize, min: u32) -> SetBuf {
    let max_k = outs.iter().map(Vec::len).max().unwrap_or(0);
    let mut by_len: Vec<Bucket> = (0..max_k).map(|_| Bucket::default()).collect();
    for out in outs {
        for (k, b) in out.into_iter().enumerate() {
            if by_len[k].counts.is_empty() {
                by_len[k] = b;
            } else {
                by_len[k].items.extend_from_slice(&b.items);
                by_len[k].counts.extend_from_slice(&b.counts);
            }
        }
    }
    let mut buf = SetBuf::new(min);
    let total: usize = by_len.iter().map(|b| b.items.len()).sum();
    let n_sets: usize = by_len.iter().map(|b| b.counts.len()).sum();
    buf.items.reserve_exact(total);
    buf.offsets.reserve_exact(n_sets);
    buf.counts.reserve_exact(n_sets);
    let mut hist = vec![0u32; n_items + 1];
    let mut perm: Vec<u32> = Vec::new();
    let mut tmp: Vec<u32> = Vec::new();
    for (k, b) in by_len.into_iter().enumerate() {
        let m = b.counts.len();
        if m == 0 {
            continue;
        }
        perm.clear();
        perm.extend(0..m as u32);
        tmp.clear();
        tmp.resize(m, 0);
        for pos in (0..k).rev() {
            hist.fill(0);
            for &i in &perm {
                hist[b.items[i as usize * k + pos] as usize + 1] += 1;
            }
            for j in 0..n_items {
                hist[j + 1] += hist[j];
            }
            for &i in &perm {
                let key = b.items[i as usize * k + pos] as usize;
                tmp[hist[key] as usize] = i;
                hist[key] += 1;
            }
            std::mem::swap(&mut perm, &mut tmp);
        }
        for &i in &perm {
            let i = i as usize;
            buf.items.extend_from_slice(&b.items[i * k..(i + 1) * k]);
            buf.offsets.push(buf.items.len());
            buf.counts.push(u64::from(b.counts[i]));
        }
    }
    buf
}
