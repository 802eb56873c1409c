//! Market baskets, recoded to dense item ids by descending frequency and stored flat.
//!
//! Basket and FIMI files follow one parsing rule, documented on [`Transactions`].

use std::collections::HashMap;
use std::path::Path;

use ml_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// A set of transactions (market baskets) over named items.
///
/// Items are recoded to dense ids `0..n_items()` in order of descending frequency (ties
/// by name), so that the frequent items of any threshold are the ids below a cut and the
/// frequent part of every transaction is a prefix of it. Each transaction is stored
/// once, deduplicated and sorted by id, in one flat array (compressed sparse rows).
///
/// ```
/// use ml_assoc::Transactions;
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "chips", "peanuts"],
///     vec!["milk"],
/// ])?;
/// assert_eq!(tx.len(), 3);
/// assert_eq!(tx.item_name(0), Some("beer")); // the most frequent item (tied with peanuts, first by name)
/// assert_eq!(tx.get(2), Some(&[3][..])); // milk: after chips, tied with it by count
/// assert_eq!(tx.get(3), None);
/// # Ok::<(), ml_core::Error>(())
/// ```
///
/// # The parsing rule of basket and FIMI files
///
/// One rule for both text formats ([`Transactions::parse_baskets`] and
/// [`Transactions::parse_fimi`]), the one the reference data of the tests was made with
/// (`scripts/refdata/assoc.py`, which feeds mlxtend and pyfim):
///
/// * one transaction per line; lines end with `\n` or `\r\n`, and a final line
///   without a line break counts like any other;
/// * items are separated by commas (basket files) or by ASCII white space (FIMI);
///   basket items are trimmed of surrounding white space, and empty fields (`a,,b`, a
///   trailing comma) are ignored;
/// * **a line with no item is not a transaction**: a blank line, a line of white
///   space, or a basket line of commas only (the header line of `groceries.csv`) is
///   skipped and does not count in the number of transactions that supports are
///   relative to;
/// * an item repeated within a line counts once;
/// * errors name the one-based physical line, blank lines included.
///
/// An explicit empty basket given to [`Transactions::from_baskets`] is different: it is
/// an (empty) transaction, as an empty list is for mlxtend's `TransactionEncoder`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transactions {
    names: Vec<String>,
    counts: Vec<u64>,
    offsets: Vec<usize>,
    items: Vec<u32>,
}

/// Collects baskets under provisional ids (order of first appearance) before recoding.
struct Builder {
    index: HashMap<String, u32>,
    names: Vec<String>,
    offsets: Vec<usize>,
    items: Vec<u32>,
}

impl Builder {
    fn new() -> Self {
        Self {
            index: HashMap::new(),
            names: Vec::new(),
            offsets: vec![0],
            items: Vec::new(),
        }
    }

    fn id(&mut self, name: &str) -> Result<u32> {
        if let Some(&id) = self.index.get(name) {
            return Ok(id);
        }
        let id = u32::try_from(self.names.len()).map_err(|_| Error::LimitExceeded {
            what: "the number of distinct items",
            requested: self.names.len().saturating_add(1),
            limit: MAX_COUNT,
        })?;
        self.index.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        Ok(id)
    }

    fn end_basket(&mut self) {
        self.offsets.push(self.items.len());
    }

    fn finish(mut self) -> Result<Transactions> {
        let n = self.offsets.len() - 1;
        if n == 0 {
            return Err(Error::EmptyInput {
                what: "transactions",
            });
        }
        if u32::try_from(n).is_err() {
            return Err(Error::LimitExceeded {
                what: "the number of transactions",
                requested: n,
                limit: u32::MAX as usize,
            });
        }
        // Deduplicate within each basket, compacting in place.
        let mut write = 0;
        let mut start = 0;
        for t in 0..n {
            let end = self.offsets[t + 1];
            self.items[start..end].sort_unstable();
            for r in start..end {
                let v = self.items[r];
                if r == start || v != self.items[r - 1] {
                    self.items[write] = v;
                    write += 1;
                }
            }
            start = end;
            self.offsets[t + 1] = write;
        }
        self.items.truncate(write);
        let mut counts = vec![0u64; self.names.len()];
        for &i in &self.items {
            counts[i as usize] += 1;
        }
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            counts[b as usize]
                .cmp(&counts[a as usize])
                .then_with(|| self.names[a as usize].cmp(&self.names[b as usize]))
        });
        let mut rank = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            rank[old as usize] = new as u32;
        }
        for v in &mut self.items {
            *v = rank[*v as usize];
        }
        for t in 0..n {
            self.items[self.offsets[t]..self.offsets[t + 1]].sort_unstable();
        }
        let mut names = std::mem::take(&mut self.names);
        let mut new_names = Vec::with_capacity(names.len());
        let mut new_counts = Vec::with_capacity(names.len());
        for &old in &order {
            new_names.push(std::mem::take(&mut names[old as usize]));
            new_counts.push(counts[old as usize]);
        }
        Ok(Transactions {
            names: new_names,
            counts: new_counts,
            offsets: self.offsets,
            items: self.items,
        })
    }
}

/// The most distinct items (ids are `u32`: `0..2^32`), saturated on 32-bit targets.
const MAX_COUNT: usize = if usize::BITS > 32 {
    1 << (u32::BITS as usize)
} else {
    usize::MAX
};

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, &e))
}

fn utf8<'a>(bytes: &'a [u8], source: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::Parse {
            file: source.to_owned(),
            line,
            message: "not valid UTF-8".to_owned(),
        }
    })
}

impl Transactions {
    /// Builds transactions from any iterator of baskets, each an iterator of item names.
    ///
    /// Every basket is one transaction, an empty one included; an item repeated within a
    /// basket counts once.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] (`"transactions"`) when there are no baskets;
    /// [`Error::LimitExceeded`] for 2^32 transactions or more than 2^32 distinct items.
    pub fn from_baskets<I, B, S>(baskets: I) -> Result<Self>
    where
        I: IntoIterator<Item = B>,
        B: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut b = Builder::new();
        for basket in baskets {
            for item in basket {
                let id = b.id(item.as_ref())?;
                b.items.push(id);
            }
            b.end_basket();
        }
        b.finish()
    }

    /// Parses a basket text: one transaction per line, items separated by commas.
    ///
    /// Items are trimmed of surrounding white space and empty fields are ignored. A line
    /// with no item (a blank line, or a line of commas only such as the header line of
    /// `groceries.csv`) is not a transaction (see [the parsing rule](Transactions#the-parsing-rule-of-basket-and-fimi-files)).
    /// Quoting is not interpreted: a comma always separates items.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] (`"transactions"`) when no line holds an item.
    pub fn parse_baskets(text: &str) -> Result<Self> {
        let mut b = Builder::new();
        for line in text.lines() {
            let before = b.items.len();
            for field in line.split(',') {
                let item = field.trim();
                if !item.is_empty() {
                    let id = b.id(item)?;
                    b.items.push(id);
                }
            }
            if b.items.len() > before {
                b.end_basket();
            }
        }
        b.finish()
    }

    /// Reads a basket file (see [`Transactions::parse_baskets`]), e.g. `datasets/groceries.csv`.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::Parse`] (with the line) when it
    /// is not UTF-8, [`Error::EmptyInput`] when it holds no transaction.
    pub fn read_baskets(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        let source = path.display().to_string();
        Self::parse_baskets(utf8(&bytes, &source)?)
    }

    /// Parses FIMI text: one transaction per line, items as non-negative integers (below
    /// 10^19) separated by white space. Blank lines are not transactions (see
    /// [the parsing rule](Transactions#the-parsing-rule-of-basket-and-fimi-files)). `source` names
    /// the text in errors.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the one-based line of the first token that is not a
    /// non-negative integer; [`Error::EmptyInput`] (`"transactions"`) when no line holds
    /// an item.
    pub fn parse_fimi(text: &[u8], source: &str) -> Result<Self> {
        let mut b = Builder::new();
        let mut raw: HashMap<u64, u32> = HashMap::new();
        for (lineno, line) in text.split(|&c| c == b'\n').enumerate() {
            let before = b.items.len();
            for tok in line
                .split(|c| c.is_ascii_whitespace())
                .filter(|t| !t.is_empty())
            {
                let value = parse_u64(tok).ok_or_else(|| Error::Parse {
                    file: source.to_owned(),
                    line: lineno + 1,
                    message: format!(
                        "item {:?} is not a non-negative integer",
                        String::from_utf8_lossy(tok)
                    ),
                })?;
                let id = match raw.get(&value) {
                    Some(&id) => id,
                    None => {
                        let id = b.id(&value.to_string())?;
                        raw.insert(value, id);
                        id
                    }
                };
                b.items.push(id);
            }
            if b.items.len() > before {
                b.end_basket();
            }
        }
        b.finish()
    }

    /// Reads a FIMI `.dat` file (see [`Transactions::parse_fimi`]), e.g. `datasets/retail.dat`.
    ///
    /// # Errors
    /// As [`Transactions::parse_fimi`], plus [`Error::Io`] when the file cannot be read.
    pub fn read_fimi(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::parse_fimi(&bytes, &path.display().to_string())
    }

    /// The number of transactions.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no transactions (never true for a successfully built value).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of distinct items.
    pub fn n_items(&self) -> usize {
        self.names.len()
    }

    /// The total number of (transaction, item) entries.
    pub fn n_entries(&self) -> usize {
        self.items.len()
    }

    /// Item names indexed by item id (most frequent first).
    pub fn item_names(&self) -> &[String] {
        &self.names
    }

    /// The name of item `id`, or `None` when `id >= self.n_items()`.
    pub fn item_name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// The id of the item called `name`, if any.
    pub fn item_id(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }

    /// The number of transactions holding each item, indexed by id (non-increasing).
    pub fn item_counts(&self) -> &[u64] {
        &self.counts
    }

    /// The item ids of transaction `t`, sorted ascending, or `None` when
    /// `t >= self.len()`.
    pub fn get(&self, t: usize) -> Option<&[u32]> {
        (t < self.len()).then(|| self.row(t))
    }

    /// The item ids of transaction `t < self.len()` (the miners' unchecked access).
    pub(crate) fn row(&self, t: usize) -> &[u32] {
        &self.items[self.offsets[t]..self.offsets[t + 1]]
    }

    /// The transactions in order, as sorted slices of item ids.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
        self.offsets
            .windows(2)
            .map(move |w| &self.items[w[0]..w[1]])
    }

    /// The number of items whose count reaches `min_count` (they are ids `0..k`).
    pub(crate) fn n_frequent(&self, min_count: u64) -> usize {
        self.counts.partition_point(|&c| c >= min_count)
    }
}

fn parse_u64(tok: &[u8]) -> Option<u64> {
    if tok.is_empty() || tok.len() > 19 {
        return None;
    }
    let mut v = 0u64;
    for &c in tok {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}

/// A minimum support: a fraction of the transactions, or an absolute count.
///
/// A fraction `f` becomes the smallest count `c` with `c / n >= f` (in floating point,
/// the very test mlxtend applies to its supports), so both spellings select the same sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MinSupport {
    /// A fraction of the transactions, in `(0, 1]`.
    Fraction(f64),
    /// An absolute number of transactions, in `[1, n]`.
    Count(u64),
}

impl From<f64> for MinSupport {
    fn from(f: f64) -> Self {
        Self::Fraction(f)
    }
}

impl From<u64> for MinSupport {
    fn from(c: u64) -> Self {
        Self::Count(c)
    }
}

impl MinSupport {
    /// The absolute count this threshold means for `n` transactions.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (`min_support`) for a fraction outside `(0, 1]` or a
    /// count outside `[1, n]`.
    pub fn to_count(self, n: usize) -> Result<u64> {
        let nf = n as f64;
        match self {
            Self::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(Error::invalid_parameter(
                        "min_support",
                        f,
                        "a fraction in (0, 1] or a count in [1, n_transactions]",
                    ));
                }
                let mut c = ((f * nf).ceil() as u64).max(1);
                while c > 1 && ((c - 1) as f64) / nf >= f {
                    c -= 1;
                }
                while (c as f64) / nf < f {
                    c += 1;
                }
                Ok(c)
            }
            Self::Count(c) => {
                if c == 0 || c > n as u64 {
                    return Err(Error::invalid_parameter(
                        "min_support",
                        c,
                        "a fraction in (0, 1] or a count in [1, n_transactions]",
                    ));
                }
                Ok(c)
            }
        }
    }
}

impl ml_core::persist::Persist for Transactions {
    const MODEL_NAME: &'static str = "ml_assoc::Transactions";
}

impl ml_core::persist::Invariants for Transactions {
    /// Valid sets of known items, and item counts that are those of the sets, in the
    /// non-increasing order the miners' thresholds rely on.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        crate::common::check_sets(&self.offsets, &self.items, self.names.len())?;
        inv::len("item counts", self.counts.len(), self.names.len())?;
        let mut actual = vec![0u64; self.names.len()];
        for &i in &self.items {
            actual[i as usize] += 1;
        }
        inv::ensure(actual == self.counts, || {
            "the item counts are not those of the transactions".to_owned()
        })?;
        inv::ensure(self.counts.windows(2).all(|w| w[0] >= w[1]), || {
            "item ids are not ordered by decreasing count".to_owned()
        })
    }
}
