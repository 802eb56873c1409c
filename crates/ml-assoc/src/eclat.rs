//! Eclat: depth-first mining over vertical transaction-id lists, switching a class to
//! diffsets (dEclat) where its lists are dense.

use ml_core::Result;
use serde::{Deserialize, Serialize};

use crate::common::{self, difference, intersect};

const NONE: u32 = u32::MAX;
use crate::itemsets::{FrequentItemsets, ItemsetKind, SetBuf, Sink};
use crate::transactions::{MinSupport, Transactions};

/// Frequent itemsets by Eclat (Zaki): depth-first over vertical transaction-id lists.
/// The lists of a sparse class are built by occurrence deliver (one scan of the prefix's
/// own transactions, as LCM does) instead of intersecting every pair of lists; a class
/// whose lists are mostly full switches to diffsets (the ids *missing* from the parent,
/// dEclat), intersected the classic way, which keeps dense data cheap. The extensions of
/// each frequent item are mined in parallel.
///
/// ```
/// use ml_assoc::{Eclat, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer", "chips"],
///     vec!["milk"],
/// ])?;
/// let sets = Eclat::new(0.5).fit(&tx)?;
/// assert_eq!(sets.len(), 5); // beer, peanuts, chips, beer+peanuts, beer+chips
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eclat {
    min_support: MinSupport,
    max_len: Option<usize>,
}

impl Eclat {
    /// Eclat with a minimum support: a fraction in `(0, 1]` (`f64`) or a count (`u64`).
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

/// An extension of the current prefix: the item, its support and its cover (tids or diffs).
pub(crate) struct Member {
    pub(crate) item: u32,
    pub(crate) support: u32,
    pub(crate) cover: Vec<u32>,
}

/// The vertical database: one tid list per frequent item, least frequent first.
pub(crate) fn vertical(tx: &Transactions, n_frequent: usize) -> Vec<Member> {
    let counts = tx.item_counts();
    let mut lists: Vec<Vec<u32>> = (0..n_frequent)
        .map(|i| Vec::with_capacity(counts[i] as usize))
        .collect();
    for (t, items) in tx.iter().enumerate() {
        for &i in common::frequent_part(items, n_frequent) {
            lists[i as usize].push(t as u32);
        }
    }
    lists
        .into_iter()
        .enumerate()
        .rev()
        .map(|(i, cover)| Member {
            item: i as u32,
            support: cover.len() as u32,
            cover,
        })
        .collect()
}

fn mine(tx: &Transactions, n_frequent: usize, min: u32, max_len: usize) -> SetBuf {
    let members = vertical(tx, n_frequent);
    let parts: Vec<SetBuf> = common::maybe_par(tx, members.len(), |i| {
        let mut out = SetBuf::new(min);
        let x = &members[i];
        let mut prefix = vec![x.item];
        out.emit(&prefix, x.support);
        if max_len > 1 {
            let db = Db::project(tx, n_frequent, x);
            let gid: Vec<u32> = (0..x.item).collect();
            grow(&mut prefix, &db, &gid, max_len, &mut out);
        }
        out
    });
    SetBuf::concat(min, parts)
}

/// A conditional database: the transactions of a prefix, cut to the items that may
/// still extend it, under local ids (sorted ascending within each transaction).
pub(crate) struct Db {
    items: Vec<u32>,
    ends: Vec<u32>,
}

impl Db {
    /// The transactions containing item `x` (its tid list is `x.cover`), cut to the
    /// frequent items more frequent than `x` (global ids, all below `x.item`).
    pub(crate) fn project(tx: &Transactions, n_frequent: usize, x: &Member) -> Db {
        let mut db = Db {
            items: Vec::new(),
            ends: Vec::with_capacity(x.cover.len()),
        };
        debug_assert!((x.item as usize) < n_frequent);
        for &t in &x.cover {
            // Ids below `x.item` are frequent; a transaction's are a prefix of it.
            let items = tx.row(t as usize);
            let cut = items
                .iter()
                .position(|&i| i >= x.item)
                .unwrap_or(items.len());
            let below = &items[..cut];
            if !below.is_empty() {
                db.items.extend_from_slice(below);
                db.ends.push(db.items.len() as u32);
            }
        }
        db
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, k: usize) -> &[u32] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.items[start..self.ends[k] as usize]
    }
}

/// Mines the extensions of `prefix` (already emitted) from its conditional database `db`,
/// whose local item `i` is the global item `gid[i]`.
///
/// The class of extensions is found by counting `db` and its lists are built by
/// occurrence deliver (one pass handing each transaction to its frequent items), as LCM
/// does; each extension's own database is then projected from those transactions, keeping
/// only items that were frequent here (recoded densely), so databases shrink as the
/// prefix grows and are scanned sequentially. A dense class (lists mostly full) is
/// carried on vertically as diffsets by [`extend`].
pub(crate) fn grow<S: Sink>(
    prefix: &mut Vec<u32>,
    db: &Db,
    gid: &[u32],
    max_len: usize,
    out: &mut S,
) {
    let min = out.min_count();
    let mut count = vec![0u32; gid.len()];
    for &i in &db.items {
        count[i as usize] += 1;
    }
    // New local ids for the frequent items, in the old (ascending) order.
    let mut new_id = vec![NONE; gid.len()];
    let mut kids: Vec<Member> = Vec::new();
    for (i, &c) in count.iter().enumerate() {
        if c >= min {
            new_id[i] = kids.len() as u32;
            kids.push(Member {
                item: gid[i],
                support: c,
                cover: Vec::with_capacity(c as usize),
            });
        }
    }
    if kids.is_empty() {
        return;
    }
    for k in 0..db.len() {
        for &i in db.get(k) {
            let j = new_id[i as usize];
            if j != NONE {
                kids[j as usize].cover.push(k as u32);
            }
        }
    }
    let tid_total: usize = kids.iter().map(|k| k.cover.len()).sum();
    let diff_total = kids.len() * db.len() - tid_total;
    if diff_total < tid_total {
        // Dense: carry, per extension, the transactions of `db` that lack it.
        let all: Vec<u32> = (0..db.len() as u32).collect();
        for k in &mut kids {
            k.cover = difference(&all, &k.cover, usize::MAX).unwrap_or_default();
        }
        kids.sort_by_key(|k| (k.support, std::cmp::Reverse(k.item)));
        for j in 0..kids.len() {
            extend(prefix, &kids, j, true, max_len, out);
        }
        return;
    }
    let new_gid: Vec<u32> = kids.iter().map(|k| k.item).collect();
    let mut child = Db {
        items: Vec::new(),
        ends: Vec::new(),
    };
    for (j, k) in kids.iter().enumerate().rev() {
        if k.support < out.min_count() {
            continue;
        }
        prefix.push(k.item);
        out.emit(prefix, k.support);
        if prefix.len() < max_len && j > 0 {
            child.items.clear();
            child.ends.clear();
            for &t in &k.cover {
                let start = child.items.len();
                for &i in db.get(t as usize) {
                    let n = new_id[i as usize];
                    // Items sorted ascending: stop at the extension itself.
                    if n as usize >= j {
                        if n != NONE {
                            break;
                        }
                        continue;
                    }
                    child.items.push(n);
                }
                if child.items.len() > start {
                    child.ends.push(child.items.len() as u32);
                }
            }
            if !child.ends.is_empty() {
                grow(prefix, &child, &new_gid[..j], max_len, out);
            }
        }
        prefix.pop();
    }
}

/// Emits `prefix + members[i]` and everything it extends to with `members[i+1..]`.
pub(crate) fn extend<S: Sink>(
    prefix: &mut Vec<u32>,
    members: &[Member],
    i: usize,
    diff: bool,
    max_len: usize,
    out: &mut S,
) {
    let x = &members[i];
    if x.support < out.min_count() {
        return;
    }
    prefix.push(x.item);
    out.emit(prefix, x.support);
    if prefix.len() < max_len && i + 1 < members.len() {
        let (children, child_diff) = children(x, &members[i + 1..], diff, out.min_count());
        for j in 0..children.len() {
            extend(prefix, &children, j, child_diff, max_len, out);
        }
    }
    prefix.pop();
}

/// The class of `x`'s frequent extensions, least frequent first, and whether its covers
/// are diffsets.
fn children(x: &Member, rest: &[Member], diff: bool, min: u32) -> (Vec<Member>, bool) {
    let mut kids = Vec::new();
    let child_diff;
    if diff {
        // d(Pxy) = d(Py) \ d(Px); support(Pxy) = support(Px) - |d(Pxy)|.
        let max = (x.support - min.min(x.support)) as usize;
        for y in rest {
            if let Some(d) = difference(&y.cover, &x.cover, max) {
                kids.push(Member {
                    item: y.item,
                    support: x.support - d.len() as u32,
                    cover: d,
                });
            }
        }
        child_diff = true;
    } else {
        let mut tid_total = 0usize;
        let mut diff_total = 0usize;
        for y in rest {
            if let Some(t) = intersect(&x.cover, &y.cover, min) {
                tid_total += t.len();
                diff_total += x.cover.len() - t.len();
                kids.push(Member {
                    item: y.item,
                    support: t.len() as u32,
                    cover: t,
                });
            }
        }
        // Dense class: the missing ids are fewer than the present ones, so carry those.
        child_diff = diff_total < tid_total;
        if child_diff {
            for k in &mut kids {
                k.cover = difference(&x.cover, &k.cover, usize::MAX).unwrap_or_default();
            }
        }
    }
    kids.sort_by_key(|k| (k.support, std::cmp::Reverse(k.item)));
    (kids, child_diff)
}
