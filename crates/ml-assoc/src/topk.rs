//! The k most frequent itemsets, without a support threshold.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ml_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::eclat;
use crate::itemsets::{FrequentItemsets, ItemsetKind, SetBuf, Sink, canonical};
use crate::transactions::Transactions;

/// The `k` itemsets of highest support, found without a support threshold.
///
/// Eclat runs with a threshold that starts at the `k`-th largest item support (the `k`
/// best itemsets cannot be rarer than that) and rises to the `k`-th best support found so
/// far, pruning as it goes. Ties at the cut are broken canonically (shorter first, then
/// by item id), so exactly `min(k, number of itemsets)` sets are returned, in the
/// canonical order of [`FrequentItemsets`].
///
/// ```
/// use ml_assoc::{TopK, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer"],
/// ])?;
/// let top = TopK::new(2).fit(&tx)?;
/// assert_eq!(top.len(), 2); // beer (3), then peanuts (2) before beer+peanuts (2)
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopK {
    k: usize,
    max_len: Option<usize>,
}

impl TopK {
    /// The `k` most frequent itemsets (`k >= 1`, checked in `fit`).
    pub fn new(k: usize) -> Self {
        Self { k, max_len: None }
    }

    /// The longest itemsets to consider. Default: no limit.
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = Some(max_len);
        self
    }

    /// Mines the top-k itemsets of `tx`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k` 0 or `max_len` 0; [`Error::EmptyInput`] for no
    /// transactions.
    pub fn fit(&self, tx: &Transactions) -> Result<FrequentItemsets> {
        if self.k == 0 {
            return Err(Error::invalid_parameter("k", 0usize, ">= 1"));
        }
        if self.max_len == Some(0) {
            return Err(Error::invalid_parameter("max_len", 0usize, ">= 1"));
        }
        if tx.is_empty() {
            return Err(Error::EmptyInput {
                what: "transactions",
            });
        }
        let counts = tx.item_counts();
        let floor = if counts.len() >= self.k {
            counts[self.k - 1].max(1)
        } else {
            1
        } as u32;
        let n = tx.n_frequent(u64::from(floor));
        let members = eclat::vertical(tx, n);
        let mut sink = TopSink {
            buf: SetBuf::new(floor),
            heap: BinaryHeap::new(),
            k: self.k,
            floor,
        };
        let max_len = self.max_len.unwrap_or(usize::MAX);
        // Most frequent items first, so that the threshold rises early.
        for x in members.iter().rev() {
            if x.support < sink.min_count() {
                continue;
            }
            let mut prefix = vec![x.item];
            sink.emit(&prefix, x.support);
            if max_len > 1 {
                let db = eclat::Db::project(tx, n, x);
                let gid: Vec<u32> = (0..x.item).collect();
                eclat::grow(&mut prefix, &db, &gid, max_len, &mut sink);
            }
        }
        let buf = sink.buf;
        let slice = |i: usize| &buf.items[buf.offsets[i]..buf.offsets[i + 1]];
        let mut order: Vec<usize> = (0..buf.counts.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            buf.counts[b]
                .cmp(&buf.counts[a])
                .then_with(|| canonical(slice(a), slice(b)))
        });
        order.truncate(self.k);
        let mut kept = SetBuf::new(floor);
        for &i in &order {
            kept.emit(slice(i), buf.counts[i] as u32);
        }
        let min_count = order.last().map_or(0, |&i| buf.counts[i]);
        Ok(FrequentItemsets::from_buf(
            kept,
            tx.item_names(),
            tx.len(),
            min_count,
            self.max_len,
            ItemsetKind::TopK { k: self.k },
        ))
    }
}

struct TopSink {
    buf: SetBuf,
    heap: BinaryHeap<Reverse<u32>>,
    k: usize,
    floor: u32,
}

impl Sink for TopSink {
    fn emit(&mut self, items: &[u32], count: u32) {
        self.buf.emit(items, count);
        self.heap.push(Reverse(count));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
        if self.heap.len() == self.k
            && let Some(&Reverse(c)) = self.heap.peek()
        {
            self.floor = self.floor.max(c);
        }
    }

    fn min_count(&self) -> u32 {
        self.floor
    }
}
