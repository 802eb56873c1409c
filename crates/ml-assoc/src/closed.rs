//! Closed and maximal frequent itemsets by prefix-preserving closure extension (LCM).

use ml_core::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;
use crate::itemsets::{FrequentItemsets, ItemsetKind, SetBuf, Sink};
use crate::transactions::{MinSupport, Transactions};

/// The closed frequent itemsets: those with no proper superset of the same support.
///
/// Every frequent itemset and its support can be recovered from them (its support is the
/// largest among its closed supersets), often from far fewer sets. Mined as LCM (Uno et
/// al.) does: each closed set is reached exactly once, by a prefix-preserving closure
/// extension, with occurrence deliver over the horizontal transactions, so memory does
/// not grow with the number of sets found. The first-level extensions run in parallel.
/// (Borgelt's and Grahne & Zhu's repository-based FP-close / FP-max are not used: the
/// closure test needs no repository of the sets found so far.)
///
/// ```
/// use ml_assoc::{ClosedItemsets, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer", "chips"],
/// ])?;
/// // beer (3), beer+peanuts (2), beer+chips (2); peanuts alone is not closed.
/// assert_eq!(ClosedItemsets::new(2u64).fit(&tx)?.len(), 3);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClosedItemsets {
    min_support: MinSupport,
}

impl ClosedItemsets {
    /// Closed itemsets with a minimum support: a fraction in `(0, 1]` or a count.
    pub fn new(min_support: impl Into<MinSupport>) -> Self {
        Self {
            min_support: min_support.into(),
        }
    }

    /// Mines the closed frequent itemsets of `tx`.
    ///
    /// # Errors
    /// [`ml_core::Error::InvalidParameter`] for a support outside `(0, 1]` or a count
    /// outside `[1, n]`.
    pub fn fit(&self, tx: &Transactions) -> Result<FrequentItemsets> {
        run(tx, self.min_support, false)
    }
}

/// The maximal frequent itemsets: those with no frequent proper superset.
///
/// The most compact border of the frequent sets (every frequent set is a subset of one),
/// though the supports of their subsets are lost. Found during the same closure
/// enumeration as [`ClosedItemsets`] (a maximal set is closed), keeping the closed sets
/// that no frequent item extends.
///
/// ```
/// use ml_assoc::{MaximalItemsets, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer", "chips"],
/// ])?;
/// let max = MaximalItemsets::new(2u64).fit(&tx)?;
/// assert_eq!(max.len(), 2); // beer+peanuts, beer+chips
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaximalItemsets {
    min_support: MinSupport,
}

impl MaximalItemsets {
    /// Maximal itemsets with a minimum support: a fraction in `(0, 1]` or a count.
    pub fn new(min_support: impl Into<MinSupport>) -> Self {
        Self {
            min_support: min_support.into(),
        }
    }

    /// Mines the maximal frequent itemsets of `tx`.
    ///
    /// # Errors
    /// [`ml_core::Error::InvalidParameter`] for a support outside `(0, 1]` or a count
    /// outside `[1, n]`.
    pub fn fit(&self, tx: &Transactions) -> Result<FrequentItemsets> {
        run(tx, self.min_support, true)
    }
}

fn run(tx: &Transactions, min_support: MinSupport, maximal: bool) -> Result<FrequentItemsets> {
    let plan = common::plan(tx, min_support, None)?;
    let buf = mine(tx, plan.n_frequent, plan.min_count, maximal);
    Ok(FrequentItemsets::from_buf(
        buf,
        tx.item_names(),
        tx.len(),
        u64::from(plan.min_count),
        None,
        if maximal {
            ItemsetKind::Maximal
        } else {
            ItemsetKind::Closed
        },
    ))
}

/// Per-task scratch: counters over the frequent items (zero between uses, reset through
/// the touched list) and a slot map from item to bucket.
struct Scratch {
    count: Vec<u32>,
    touched: Vec<u32>,
    slot: Vec<u32>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self {
            count: vec![0; n],
            touched: Vec::new(),
            slot: vec![u32::MAX; n],
        }
    }
}

/// The closure enumeration. Items are visited with extensions towards *more* frequent
/// items (lower ids): a closed set's core is its last-added item `e`, it is extended only
/// by items below `e`, and `clo(P ∪ {e})` is accepted only if it adds no item above `e`
/// (the prefix-preserving test), which makes every closed set appear exactly once.
struct Ctx<'a> {
    tx: &'a Transactions,
    n: usize,
    min: u32,
    maximal: bool,
}

impl Ctx<'_> {
    fn items(&self, t: u32) -> &[u32] {
        common::frequent_part(self.tx.row(t as usize), self.n)
    }

    /// Visits `clo(p ∪ {e})` given its transactions `occ` (`p` is closed, sorted).
    /// One counting pass serves the closure, the prefix-preserving test, the maximality
    /// test and the choice of extensions; a second pass delivers the extensions'
    /// transactions.
    fn visit(&self, p: &[u32], e: Option<u32>, occ: &[u32], s: &mut Scratch, out: &mut SetBuf) {
        for &t in occ {
            for &i in self.items(t) {
                if s.count[i as usize] == 0 {
                    s.touched.push(i);
                }
                s.count[i as usize] += 1;
            }
        }
        let full = occ.len() as u32;
        let mut q = Vec::new();
        let mut ok = true;
        let mut maximal = true;
        let mut ext = Vec::new();
        for &i in &s.touched {
            let c = s.count[i as usize];
            if c == full {
                if e.is_some_and(|e| i > e) && p.binary_search(&i).is_err() {
                    ok = false;
                }
                q.push(i);
            } else if c >= self.min {
                maximal = false;
                if e.is_none_or(|e| i < e) {
                    ext.push(i);
                }
            }
        }
        if !ok {
            for &i in &s.touched {
                s.count[i as usize] = 0;
            }
            s.touched.clear();
            return;
        }
        q.sort_unstable();
        if !q.is_empty() && (!self.maximal || maximal) {
            out.emit(&q, full);
        }
        ext.sort_unstable();
        let mut buckets: Vec<Vec<u32>> = ext
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                s.slot[i as usize] = k as u32;
                Vec::with_capacity(s.count[i as usize] as usize)
            })
            .collect();
        for &i in &s.touched {
            s.count[i as usize] = 0;
        }
        s.touched.clear();
        if !buckets.is_empty() {
            for &t in occ {
                for &i in self.items(t) {
                    let k = s.slot[i as usize];
                    if k != u32::MAX {
                        buckets[k as usize].push(t);
                    }
                }
            }
        }
        for &i in &ext {
            s.slot[i as usize] = u32::MAX;
        }
        for (&i, occ_i) in ext.iter().zip(buckets).rev() {
            self.visit(&q, Some(i), &occ_i, s, out);
        }
    }
}

fn mine(tx: &Transactions, n: usize, min: u32, maximal: bool) -> SetBuf {
    let ctx = Ctx {
        tx,
        n,
        min,
        maximal,
    };
    // The root is the closure of the empty set (the items in every transaction); its
    // extensions are delivered here so that they can be visited in parallel.
    let nt = tx.len() as u64;
    let root: Vec<u32> = (0..n as u32)
        .filter(|&i| tx.item_counts()[i as usize] == nt)
        .collect();
    let mut out = SetBuf::new(min);
    if !root.is_empty() && (!maximal || n == root.len()) {
        out.emit(&root, nt as u32);
    }
    let first = crate::eclat::vertical(tx, n);
    let parts: Vec<SetBuf> = first
        .par_iter()
        .filter(|m| (m.support as u64) < nt)
        .map_init(
            || Scratch::new(n),
            |s, m| {
                let mut part = SetBuf::new(min);
                ctx.visit(&root, Some(m.item), &m.cover, s, &mut part);
                part
            },
        )
        .collect();
    out.append(SetBuf::concat(min, parts));
    out
}
