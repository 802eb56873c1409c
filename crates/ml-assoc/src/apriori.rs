//! Apriori: level-wise candidates by prefix join and subset pruning, counted with a
//! triangular pair array at level 2 and a candidate prefix tree above it.

use ml_core::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;
use crate::itemsets::{FrequentItemsets, ItemsetKind, SetBuf, Sink};
use crate::transactions::{MinSupport, Transactions};

const NONE: u32 = u32::MAX;
/// Above this many pairs, level 2 is counted in the prefix tree instead of a dense array.
const MAX_PAIR_CELLS: usize = 1 << 26;

/// Frequent itemsets by Apriori (Agrawal & Srikant), breadth-first.
///
/// Candidates of size `k` join two frequent `(k-1)`-itemsets sharing their first `k-2`
/// items and survive only if all their `(k-1)`-subsets are frequent. Pairs are counted in
/// a triangular array; larger candidates in a prefix tree walked by each transaction
/// (transactions reduced to items still in play). Counting is split over the
/// transactions in parallel.
///
/// ```
/// use ml_assoc::{Apriori, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer", "chips"],
///     vec!["milk"],
/// ])?;
/// let sets = Apriori::new(0.5).max_len(1).fit(&tx)?;
/// assert_eq!(sets.len(), 3); // beer, peanuts, chips
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Apriori {
    min_support: MinSupport,
    max_len: Option<usize>,
}

impl Apriori {
    /// Apriori with a minimum support: a fraction in `(0, 1]` (`f64`) or a count (`u64`).
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

/// One level: `k`-itemsets stored flat and sorted lexicographically, with their counts.
struct Level {
    k: usize,
    items: Vec<u32>,
    counts: Vec<u32>,
}

impl Level {
    fn len(&self) -> usize {
        self.counts.len()
    }
    fn row(&self, i: usize) -> &[u32] {
        &self.items[i * self.k..(i + 1) * self.k]
    }
    fn contains(&self, s: &[u32]) -> bool {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.row(mid).cmp(s) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

fn mine(tx: &Transactions, n_frequent: usize, min: u32, max_len: usize) -> SetBuf {
    let mut out = SetBuf::new(min);
    let counts = tx.item_counts();
    for (i, &c) in counts[..n_frequent].iter().enumerate() {
        out.emit(&[i as u32], c as u32);
    }
    if max_len < 2 || n_frequent < 2 {
        return out;
    }
    // One contiguous range of transactions per thread, so there is one set of counters
    // per thread (integer sums: the split cannot change the result).
    let parts = rayon::current_num_threads().clamp(1, tx.len());
    let starts: Vec<(usize, usize)> = (0..parts)
        .map(|p| (p * tx.len() / parts, (p + 1) * tx.len() / parts))
        .collect();

    let pairs = n_frequent * (n_frequent - 1) / 2;
    let mut level = if pairs <= MAX_PAIR_CELLS {
        count_pairs(tx, n_frequent, min, &starts)
    } else {
        let singles = Level {
            k: 1,
            items: (0..n_frequent as u32).collect(),
            counts: counts[..n_frequent].iter().map(|&c| c as u32).collect(),
        };
        let cands = candidates(&singles);
        count_candidates(tx, n_frequent, min, &starts, cands)
    };
    loop {
        for i in 0..level.len() {
            out.emit(level.row(i), level.counts[i]);
        }
        if level.k >= max_len || level.len() < 2 {
            break;
        }
        let cands = candidates(&level);
        if cands.len() == 0 {
            break;
        }
        level = count_candidates(tx, n_frequent, min, &starts, cands);
    }
    out
}

/// Level 2 from a triangular array of pair counts.
fn count_pairs(tx: &Transactions, n: usize, min: u32, starts: &[(usize, usize)]) -> Level {
    let cells = n * (n - 1) / 2;
    let row_base = |a: usize| a * (2 * n - a - 1) / 2;
    let total = starts
        .par_iter()
        .map(|&(lo, hi)| {
            let mut acc = vec![0u32; cells];
            for t in lo..hi {
                let items = common::frequent_part(tx.row(t), n);
                for (p, &a) in items.iter().enumerate() {
                    let base = row_base(a as usize);
                    for &b in &items[p + 1..] {
                        acc[base + (b - a - 1) as usize] += 1;
                    }
                }
            }
            acc
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        })
        .unwrap_or_else(|| vec![0u32; cells]);
    let mut level = Level {
        k: 2,
        items: Vec::new(),
        counts: Vec::new(),
    };
    for a in 0..n {
        let base = row_base(a);
        for b in a + 1..n {
            let c = total[base + (b - a - 1)];
            if c >= min {
                level.items.extend_from_slice(&[a as u32, b as u32]);
                level.counts.push(c);
            }
        }
    }
    level
}

/// Candidates of size k+1 from a sorted level of size k: prefix join, then subset pruning.
fn candidates(level: &Level) -> Level {
    let k = level.k;
    // Groups of rows sharing their first k-1 items are contiguous in a sorted level.
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=level.len() {
        if i == level.len() || level.row(i)[..k - 1] != level.row(start)[..k - 1] {
            groups.push((start, i));
            start = i;
        }
    }
    let parts: Vec<Vec<u32>> = groups
        .par_iter()
        .map(|&(lo, hi)| {
            let mut items = Vec::new();
            let mut cand = vec![0u32; k + 1];
            let mut sub = vec![0u32; k];
            for i in lo..hi {
                for j in i + 1..hi {
                    cand[..k].copy_from_slice(level.row(i));
                    cand[k] = level.row(j)[k - 1];
                    // Dropping item k or k-1 gives the two joined rows; check the others.
                    let all_frequent = (0..k.saturating_sub(1)).all(|drop| {
                        let mut w = 0;
                        for (p, &v) in cand.iter().enumerate() {
                            if p != drop {
                                sub[w] = v;
                                w += 1;
                            }
                        }
                        level.contains(&sub)
                    });
                    if all_frequent {
                        items.extend_from_slice(&cand);
                    }
                }
            }
            items
        })
        .collect();
    let items: Vec<u32> = parts.concat();
    let n = items.len() / (k + 1);
    Level {
        k: k + 1,
        items,
        counts: vec![0; n],
    }
}

/// The candidates of one level as a prefix tree: level `d` holds the distinct prefixes of
/// length `d + 1` in order, and the children of node `j` at level `d` are the nodes
/// `start[d][j]..start[d][j + 1]` of level `d + 1`. Leaves are candidates, in order.
struct Trie {
    items: Vec<Vec<u32>>,
    start: Vec<Vec<u32>>,
    /// Root children by item.
    root: Vec<u32>,
}

impl Trie {
    fn build(c: &Level, n_items: usize) -> Self {
        let k = c.k;
        let mut items: Vec<Vec<u32>> = vec![Vec::new(); k];
        let mut start: Vec<Vec<u32>> = vec![Vec::new(); k.saturating_sub(1)];
        let mut prev: Option<&[u32]> = None;
        for i in 0..c.len() {
            let row = c.row(i);
            let from = match prev {
                None => 0,
                Some(p) => p.iter().zip(row).take_while(|(a, b)| a == b).count(),
            };
            for d in from..k {
                items[d].push(row[d]);
                if d + 1 < k {
                    start[d].push(items[d + 1].len() as u32);
                }
            }
            prev = Some(row);
        }
        for d in 0..k.saturating_sub(1) {
            start[d].push(items[d + 1].len() as u32);
        }
        let mut root = vec![NONE; n_items];
        for (j, &it) in items[0].iter().enumerate() {
            root[it as usize] = j as u32;
        }
        Self { items, start, root }
    }

    /// Adds one to every candidate contained in the sorted transaction `t`.
    fn count(&self, t: &[u32], counts: &mut [u32]) {
        let k = self.items.len();
        if t.len() < k {
            return;
        }
        for (i, &x) in t[..=t.len() - k].iter().enumerate() {
            let j = self.root[x as usize];
            if j == NONE {
                continue;
            }
            if k == 1 {
                counts[j as usize] += 1;
            } else {
                let s = &self.start[0];
                self.walk(
                    1,
                    s[j as usize] as usize,
                    s[j as usize + 1] as usize,
                    &t[i + 1..],
                    counts,
                );
            }
        }
    }

    fn walk(&self, d: usize, lo: usize, hi: usize, t: &[u32], counts: &mut [u32]) {
        let k = self.items.len();
        let need = k - d;
        if t.len() < need {
            return;
        }
        let kids = &self.items[d][lo..hi];
        let (mut a, mut b) = (0, 0);
        let last = t.len() - need;
        while a <= last && b < kids.len() {
            let (x, y) = (t[a], kids[b]);
            if x == y {
                let node = lo + b;
                if d + 1 == k {
                    counts[node] += 1;
                } else {
                    let s = &self.start[d];
                    self.walk(
                        d + 1,
                        s[node] as usize,
                        s[node + 1] as usize,
                        &t[a + 1..],
                        counts,
                    );
                }
                a += 1;
                b += 1;
            } else if x < y {
                a += 1;
            } else {
                b += 1;
            }
        }
    }
}

fn count_candidates(
    tx: &Transactions,
    n: usize,
    min: u32,
    starts: &[(usize, usize)],
    mut cands: Level,
) -> Level {
    let trie = Trie::build(&cands, n);
    // Items that occur in no candidate cannot help count one: drop them from transactions.
    let mut active = vec![false; n];
    for &i in &cands.items {
        active[i as usize] = true;
    }
    let k = cands.k;
    let m = cands.len();
    let total = starts
        .par_iter()
        .map(|&(lo, hi)| {
            let mut acc = vec![0u32; m];
            let mut buf = Vec::new();
            for t in lo..hi {
                let items = common::frequent_part(tx.row(t), n);
                if items.len() < k {
                    continue;
                }
                buf.clear();
                buf.extend(items.iter().copied().filter(|&i| active[i as usize]));
                trie.count(&buf, &mut acc);
            }
            acc
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        })
        .unwrap_or_else(|| vec![0u32; m]);
    cands.counts = total;
    // Keep the frequent candidates, in order.
    let mut w = 0;
    for i in 0..m {
        if cands.counts[i] >= min {
            cands.counts[w] = cands.counts[i];
            cands.items.copy_within(i * k..(i + 1) * k, w * k);
            w += 1;
        }
    }
    cands.counts.truncate(w);
    cands.items.truncate(w * k);
    cands
}
