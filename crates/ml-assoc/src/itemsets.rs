//! The result of a mining run: itemsets with their support counts, stored flat.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// Which itemsets a [`FrequentItemsets`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ItemsetKind {
    /// Every frequent itemset (up to `max_len` items when one was set).
    All,
    /// The closed frequent itemsets: no proper superset has the same support.
    Closed,
    /// The maximal frequent itemsets: no proper superset is frequent.
    Maximal,
    /// The `k` most frequent itemsets.
    TopK {
        /// How many were asked for.
        k: usize,
    },
}

/// One itemset of a result: item ids (sorted ascending) and the number of transactions
/// that contain them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Itemset<'a> {
    /// Item ids, sorted ascending (ids of the [`crate::Transactions`] mined).
    pub items: &'a [u32],
    /// The number of transactions containing every item.
    pub count: u64,
}

/// Itemsets with their supports, as returned by every miner of this crate.
///
/// The order is canonical: by length, then lexicographically by item id, so that two
/// miners with the same result compare equal with `==`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequentItemsets {
    names: Vec<String>,
    n_transactions: usize,
    min_count: u64,
    max_len: Option<usize>,
    kind: ItemsetKind,
    offsets: Vec<usize>,
    items: Vec<u32>,
    counts: Vec<u64>,
}

impl FrequentItemsets {
    pub(crate) fn from_buf(
        buf: SetBuf,
        names: &[String],
        n_transactions: usize,
        min_count: u64,
        max_len: Option<usize>,
        kind: ItemsetKind,
    ) -> Self {
        let SetBuf {
            items,
            offsets,
            counts,
            ..
        } = buf;
        let n = counts.len();
        let slice = |i: usize| &items[offsets[i]..offsets[i + 1]];
        let mut perm: Vec<u32> = (0..n as u32).collect();
        perm.sort_unstable_by(|&a, &b| canonical(slice(a as usize), slice(b as usize)));
        let mut out_items = Vec::with_capacity(items.len());
        let mut out_offsets = Vec::with_capacity(n + 1);
        let mut out_counts = Vec::with_capacity(n);
        out_offsets.push(0);
        let mut max_id = 0usize;
        for &p in &perm {
            let s = slice(p as usize);
            if let Some(&last) = s.last() {
                max_id = max_id.max(last as usize + 1);
            }
            out_items.extend_from_slice(s);
            out_offsets.push(out_items.len());
            out_counts.push(counts[p as usize]);
        }
        Self {
            names: names[..max_id.min(names.len())].to_vec(),
            n_transactions,
            min_count,
            max_len,
            kind,
            offsets: out_offsets,
            items: out_items,
            counts: out_counts,
        }
    }

    /// The number of itemsets.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether no itemset was found.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Itemset `i` (in canonical order), or `None` when `i >= self.len()`.
    pub fn get(&self, i: usize) -> Option<Itemset<'_>> {
        (i < self.len()).then(|| self.at(i))
    }

    /// Itemset `i < self.len()` (the crate's unchecked access).
    pub(crate) fn at(&self, i: usize) -> Itemset<'_> {
        Itemset {
            items: &self.items[self.offsets[i]..self.offsets[i + 1]],
            count: self.counts[i],
        }
    }

    /// The itemsets in canonical order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Itemset<'_>> + '_ {
        (0..self.len()).map(move |i| self.at(i))
    }

    /// The number of transactions mined.
    pub fn n_transactions(&self) -> usize {
        self.n_transactions
    }

    /// The absolute support threshold that was applied (for top-k: the support of the last
    /// itemset kept).
    pub fn min_count(&self) -> u64 {
        self.min_count
    }

    /// The longest itemset length that was allowed, if limited.
    pub fn max_len(&self) -> Option<usize> {
        self.max_len
    }

    /// Which itemsets these are (all, closed, maximal, top-k).
    pub fn kind(&self) -> ItemsetKind {
        self.kind
    }

    /// The relative support of itemset `i`: its count over the number of transactions,
    /// or `None` when `i >= self.len()`.
    pub fn support(&self, i: usize) -> Option<f64> {
        let count = *self.counts.get(i)?;
        Some(count as f64 / self.n_transactions as f64)
    }

    /// Item names by id, for the ids that occur in this result (a prefix of the
    /// transactions' [`crate::Transactions::item_names`]).
    pub fn item_names(&self) -> &[String] {
        &self.names
    }

    /// The item names of itemset `i`, or `None` when `i >= self.len()`.
    pub fn names(&self, i: usize) -> Option<Vec<&str>> {
        (i < self.len()).then(|| self.names_at(i))
    }

    /// The item names of itemset `i < self.len()`.
    fn names_at(&self, i: usize) -> Vec<&str> {
        // Every id of a result is below `names.len()` (see `from_buf`).
        self.at(i)
            .items
            .iter()
            .map(|&id| self.names[id as usize].as_str())
            .collect()
    }

    /// Every itemset as sorted item names with its count, sorted; a form that does not
    /// depend on how items were numbered.
    pub fn to_named(&self) -> Vec<(Vec<String>, u64)> {
        let mut v: Vec<(Vec<String>, u64)> = (0..self.len())
            .map(|i| {
                let mut names: Vec<String> =
                    self.names_at(i).into_iter().map(str::to_owned).collect();
                names.sort();
                (names, self.counts[i])
            })
            .collect();
        v.sort();
        v
    }

    /// The number of itemsets of each length: entry `k` counts the itemsets of `k` items.
    pub fn counts_by_len(&self) -> Vec<usize> {
        let mut by = Vec::new();
        for w in self.offsets.windows(2) {
            let k = w[1] - w[0];
            if by.len() <= k {
                by.resize(k + 1, 0);
            }
            by[k] += 1;
        }
        by
    }

    /// The index of the itemset with exactly these (sorted) item ids, if present.
    pub fn position(&self, items: &[u32]) -> Option<usize> {
        let mut lo = 0;
        let mut hi = self.len();
        while lo < hi {
            let mid = (lo + hi) / 2;
            match canonical(self.at(mid).items, items) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// Length first, then lexicographic: the canonical order of itemsets.
pub(crate) fn canonical(a: &[u32], b: &[u32]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Where itemsets go as a miner finds them; top-k mining raises the threshold as it goes.
pub(crate) trait Sink {
    /// Records `items` (any order; sorted on the way in) with `count`.
    fn emit(&mut self, items: &[u32], count: u32);
    /// The current minimum count an extension must reach.
    fn min_count(&self) -> u32;
}

/// A flat, append-only itemset buffer.
#[derive(Debug, Clone)]
pub(crate) struct SetBuf {
    pub(crate) items: Vec<u32>,
    pub(crate) offsets: Vec<usize>,
    pub(crate) counts: Vec<u64>,
    pub(crate) min: u32,
}

impl SetBuf {
    pub(crate) fn new(min: u32) -> Self {
        Self {
            items: Vec::new(),
            offsets: vec![0],
            counts: Vec::new(),
            min,
        }
    }

    pub(crate) fn append(&mut self, mut other: SetBuf) {
        let base = self.items.len();
        self.items.append(&mut other.items);
        self.offsets
            .extend(other.offsets[1..].iter().map(|&o| o + base));
        self.counts.append(&mut other.counts);
    }

    pub(crate) fn concat(min: u32, parts: Vec<SetBuf>) -> SetBuf {
        let mut all = SetBuf::new(min);
        all.items.reserve(parts.iter().map(|p| p.items.len()).sum());
        all.counts
            .reserve(parts.iter().map(|p| p.counts.len()).sum());
        for p in parts {
            all.append(p);
        }
        all
    }
}

impl Sink for SetBuf {
    fn emit(&mut self, items: &[u32], count: u32) {
        let start = self.items.len();
        self.items.extend_from_slice(items);
        let set = &mut self.items[start..];
        // Depth-first miners extend towards lower ids, so a set usually arrives reversed.
        if set.windows(2).all(|w| w[0] > w[1]) {
            set.reverse();
        } else {
            set.sort_unstable();
        }
        self.offsets.push(self.items.len());
        self.counts.push(u64::from(count));
    }

    fn min_count(&self) -> u32 {
        self.min
    }
}

impl ml_core::persist::Persist for FrequentItemsets {
    const MODEL_NAME: &'static str = "ml_assoc::FrequentItemsets";
}

impl ml_core::persist::Invariants for FrequentItemsets {
    /// Valid sets of known items in canonical order (`position` searches it), each
    /// with a count of at most the number of transactions.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        crate::common::check_sets(&self.offsets, &self.items, self.names.len())?;
        inv::len("counts", self.counts.len(), self.offsets.len() - 1)?;
        inv::ensure(
            self.counts.iter().all(|&c| c <= self.n_transactions as u64),
            || "an itemset count exceeds the number of transactions".to_owned(),
        )?;
        let set = |i: usize| &self.items[self.offsets[i]..self.offsets[i + 1]];
        inv::ensure(
            (1..self.counts.len()).all(|i| canonical(set(i - 1), set(i)) == Ordering::Less),
            || "the itemsets are not in canonical order".to_owned(),
        )
    }
}
