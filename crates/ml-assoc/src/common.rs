//! What every miner shares: the threshold and length checks, and the set operations.

use ml_core::{Error, Result};
use rayon::prelude::*;

use crate::transactions::{MinSupport, Transactions};

/// A checked mining request: absolute threshold, length cap and number of frequent items.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) min_count: u32,
    pub(crate) max_len: usize,
    pub(crate) n_frequent: usize,
}

pub(crate) fn plan(
    tx: &Transactions,
    min_support: MinSupport,
    max_len: Option<usize>,
) -> Result<Plan> {
    if tx.is_empty() {
        return Err(Error::EmptyInput {
            what: "transactions",
        });
    }
    let min_count = min_support.to_count(tx.len())?;
    if let Some(0) = max_len {
        return Err(Error::invalid_parameter("max_len", 0usize, ">= 1"));
    }
    Ok(Plan {
        // `Transactions` holds fewer than 2^32 transactions, so the count fits.
        min_count: min_count as u32,
        max_len: max_len.unwrap_or(usize::MAX),
        n_frequent: tx.n_frequent(min_count),
    })
}

/// The frequent prefix of transaction `t` (items are frequency-ranked, so it is a prefix).
#[inline]
pub(crate) fn frequent_part(t: &[u32], n_frequent: usize) -> &[u32] {
    &t[..t.partition_point(|&i| (i as usize) < n_frequent)]
}

/// `a ∩ b` for sorted lists, abandoned (None) as soon as it cannot reach `min` elements.
pub(crate) fn intersect(a: &[u32], b: &[u32], min: u32) -> Option<Vec<u32>> {
    let min = min as usize;
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.len() < min {
        return None;
    }
    let mut out = Vec::with_capacity(small.len());
    if large.len() > 16 * small.len() {
        // Skewed sizes: gallop through the large list.
        let mut lo = 0;
        for (k, &x) in small.iter().enumerate() {
            let mut step = 1;
            let mut hi = lo;
            while hi < large.len() && large[hi] < x {
                lo = hi;
                hi += step;
                step *= 2;
            }
            let hi = hi.min(large.len());
            lo += large[lo..hi].partition_point(|&y| y < x);
            if lo < large.len() && large[lo] == x {
                out.push(x);
                lo += 1;
            }
            if out.len() + (small.len() - k - 1) < min {
                return None;
            }
        }
    } else {
        let (mut i, mut j) = (0, 0);
        // Misses allowed in `small` before the result can no longer reach `min`.
        let mut slack = small.len() - min;
        while i < small.len() && j < large.len() {
            let (x, y) = (small[i], large[j]);
            if x == y {
                out.push(x);
                i += 1;
                j += 1;
            } else if x < y {
                if slack == 0 {
                    return None;
                }
                slack -= 1;
                i += 1;
            } else {
                j += 1;
            }
        }
        if out.len() < min {
            return None;
        }
    }
    Some(out)
}

/// `a \ b` for sorted lists, abandoned (None) once it has more than `max` elements.
pub(crate) fn difference(a: &[u32], b: &[u32], max: usize) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() {
        if j >= b.len() {
            if out.len() + (a.len() - i) > max {
                return None;
            }
            out.extend_from_slice(&a[i..]);
            break;
        }
        let (x, y) = (a[i], b[j]);
        if x == y {
            i += 1;
            j += 1;
        } else if x < y {
            out.push(x);
            if out.len() > max {
                return None;
            }
            i += 1;
        } else {
            j += 1;
        }
    }
    Some(out)
}

/// Below this many (transaction, item) entries a mining run is a few milliseconds: the
/// top-level tasks then run on the calling thread, since waking a pool costs more than
/// it saves on such work (and much more when the other cores are busy).
const PARALLEL_MIN_ENTRIES: usize = 200_000;

/// Whether `tx` is large enough for its top-level tasks to run on the rayon pool.
pub(crate) fn parallel(tx: &Transactions) -> bool {
    tx.n_entries() >= PARALLEL_MIN_ENTRIES
}

/// `f(0..n)` in order, in parallel over the tasks when the data are large enough.
pub(crate) fn maybe_par<T: Send>(
    tx: &Transactions,
    n: usize,
    f: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    if !parallel(tx) {
        (0..n).map(f).collect()
    } else {
        (0..n).into_par_iter().map(f).collect()
    }
}

/// The invariants of sets of item ids stored as compressed rows: `offsets` start at 0,
/// never decrease and end at `items.len()`; every set is strictly increasing (sorted,
/// no repeat) and names one of `n_items` items. What model files of transactions and
/// itemsets are checked against on load.
pub(crate) fn check_sets(
    offsets: &[usize],
    items: &[u32],
    n_items: usize,
) -> std::result::Result<(), String> {
    use ml_core::persist::invariants as inv;
    inv::ensure(offsets.first() == Some(&0), || {
        "offsets do not start at 0".to_owned()
    })?;
    inv::ensure(offsets.last() == Some(&items.len()), || {
        format!("offsets do not end at the {} items", items.len())
    })?;
    inv::ensure(offsets.windows(2).all(|w| w[0] <= w[1]), || {
        "offsets decrease".to_owned()
    })?;
    inv::ensure(items.iter().all(|&i| (i as usize) < n_items), || {
        format!("an item id is not below the {n_items} item names")
    })?;
    for w in offsets.windows(2) {
        inv::strictly_increasing("a set's item ids", &items[w[0]..w[1]])?;
    }
    Ok(())
}
