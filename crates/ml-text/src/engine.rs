//! The parallel counting engine behind the vectorisers: per-chunk term counting with
//! interning, a deterministic merge into one vocabulary, document-frequency pruning,
//! and assembly of the (weighted) CSR matrix.
//!
//! Documents are cut into a few chunks of about equal size in bytes (one per thread,
//! or a single chunk for a small input, where starting threads costs more than it
//! saves); each chunk is tokenised and counted on its own thread with its own
//! [`Interner`], which allocates nothing per term. The counts keep each chunk's own term
//! ids: merging the chunks in document order only interns each chunk's distinct terms
//! once, and the column of every local id is found when the matrix is assembled. The
//! vocabulary is sorted before any column index is given out, and counts are exact
//! integers, so the result is the same on any number of threads and for any chunking.

use std::borrow::Cow;

use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use rayon::prelude::*;

use super::analyze::{Analyzer, Scratch};
use super::intern::Interner;
use super::{DocFrequency, Norm};
use ml_core::sparse::Csr;
use ml_core::{Error, Result};

/// Below this many bytes of text in one call, counting runs on the calling thread: a
/// few hundred kilobytes take about a millisecond, which the second thread's start-up
/// and the merge of its vocabulary would mostly eat.
const SEQUENTIAL_BYTES: usize = 256 * 1024;

/// Above this many distinct terms, the vocabulary is sorted in parallel.
const PARALLEL_SORT_TERMS: usize = 1 << 16;

/// Documents taken from an iterator at a time by the `*_iter` methods.
pub(crate) const BATCH_DOCS: usize = 16 * 1024;

/// Cuts `docs` into runs of consecutive documents of about equal total length, one per
/// thread (a single run for a small input). The chunking only balances the work: counts
/// are exact integers and the vocabulary is sorted, so no result depends on it.
fn chunks<S: AsRef<str>>(docs: &[S]) -> Vec<&[S]> {
    let bytes: usize = docs.iter().map(|d| d.as_ref().len()).sum();
    let threads = rayon::current_num_threads().max(1);
    let n_chunks = if bytes < SEQUENTIAL_BYTES {
        1
    } else {
        threads.min(docs.len()).max(1)
    };
    let mut out = Vec::with_capacity(n_chunks);
    let mut rest = docs;
    let mut seen = 0usize;
    for k in 1..n_chunks {
        // Cut after the document that brings the running total to `k / n_chunks`.
        let goal = bytes / n_chunks * k;
        let mut len = 0;
        while len < rest.len() && seen < goal {
            seen += rest[len].as_ref().len();
            len += 1;
        }
        let (head, tail) = rest.split_at(len);
        out.push(head);
        rest = tail;
    }
    out.push(rest);
    out
}

/// Term counts of a run of documents: the entries of document `d` are
/// `entries[doc_ptr[d]..doc_ptr[d + 1]]`, as `(term id, count)` with unique ids in order
/// of first appearance in the document.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    doc_ptr: Vec<usize>,
    entries: Vec<(usize, u64)>,
    /// The global id of every local id of `entries`; `None` when the ids are global
    /// already (or are columns, for a fixed vocabulary).
    global: Option<Vec<usize>>,
}

impl Counts {
    fn n_docs(&self) -> usize {
        self.doc_ptr.len().saturating_sub(1)
    }

    fn doc(&self, d: usize) -> &[(usize, u64)] {
        &self.entries[self.doc_ptr[d]..self.doc_ptr[d + 1]]
    }
}

/// Counts the terms of `docs`; `resolve` gives a term's id, or `None` to skip it.
/// Adds one to `df[id]` for every document containing term `id` (growing `df` as ids
/// appear).
///
/// Each document's entries are kept unique as they are made (through the index of each
/// id's latest entry) instead of collecting and sorting each document's ids; rows are
/// sorted by column once, when the matrix is assembled. Total counts are not kept here:
/// only `max_features` needs them (see [`total_counts`]).
fn count_docs<S: AsRef<str>>(
    docs: &[S],
    analyzer: &Analyzer,
    df: &mut Vec<u64>,
    mut resolve: impl FnMut(&str) -> Option<usize>,
) -> Counts {
    let bytes: usize = docs.iter().map(|d| d.as_ref().len()).sum();
    let mut scratch = Scratch::default();
    let mut doc_ptr = Vec::with_capacity(docs.len() + 1);
    // SMS messages have about one distinct term per seven bytes.
    let mut entries: Vec<(usize, u64)> = Vec::with_capacity(bytes / 6 + 16);
    // The index in `entries` of each id's latest entry (8 bytes per id, so that the
    // random access made for every token mostly hits cache). An index from an earlier
    // document lies before the current document's first entry, so none is ever cleared.
    let mut at: Vec<usize> = vec![usize::MAX; df.len()];
    doc_ptr.push(0);
    for doc in docs {
        let start = entries.len();
        analyzer.for_each_term(doc.as_ref(), &mut scratch, |term| {
            let Some(id) = resolve(term) else {
                return;
            };
            if id >= at.len() {
                at.resize(id + 1, usize::MAX);
                df.resize(id + 1, 0);
            }
            let p = at[id];
            if p >= start && p < entries.len() {
                entries[p].1 += 1;
            } else {
                at[id] = entries.len();
                df[id] += 1;
                entries.push((id, 1));
            }
        });
        doc_ptr.push(entries.len());
    }
    Counts {
        doc_ptr,
        entries,
        global: None,
    }
}

/// Counts `docs` against a fixed vocabulary (terms outside it are ignored); the ids of
/// the result are column indices.
pub(crate) fn count_fixed<S: AsRef<str> + Sync>(
    docs: &[S],
    analyzer: &Analyzer,
    index: &Interner,
) -> Vec<Counts> {
    chunks(docs)
        .into_par_iter()
        .map(|chunk| {
            let mut df = vec![0; index.len()];
            count_docs(chunk, analyzer, &mut df, |term| index.get(term))
        })
        .collect()
}

/// Counting while the vocabulary is being discovered.
#[derive(Debug)]
pub(crate) struct Discovery {
    /// Every term seen, with its global id (ids in order of first appearance).
    terms: Interner,
    /// Number of documents containing each global id.
    df: Vec<u64>,
    /// Counts per chunk, with local ids.
    parts: Vec<Counts>,
    n_docs: usize,
}

impl Default for Discovery {
    fn default() -> Self {
        Self {
            terms: Interner::new(),
            df: Vec::new(),
            parts: Vec::new(),
            n_docs: 0,
        }
    }
}

impl Discovery {
    /// Tokenises and counts `docs` (in parallel for a large input), adding their terms
    /// to the vocabulary.
    pub(crate) fn add<S: AsRef<str> + Sync>(&mut self, docs: &[S], analyzer: &Analyzer) {
        let local: Vec<(Interner, Vec<u64>, Counts)> = chunks(docs)
            .into_par_iter()
            .map(|chunk| {
                // About one new term per 64 bytes of text (all 5574 SMS messages: one per
                // 52; a part of them: one per 35 to 45): the table starts near its final
                // size, and small enough to stay in cache (it is new memory on every call).
                let bytes: usize = chunk.iter().map(|d| d.as_ref().len()).sum();
                let mut terms = Interner::with_capacity(bytes / 64);
                let mut df = Vec::with_capacity(bytes / 64);
                let counts = count_docs(chunk, analyzer, &mut df, |term| Some(terms.intern(term)));
                (terms, df, counts)
            })
            .collect();
        // Global ids in chunk order: sequential, but over each chunk's distinct terms only,
        // reusing their hashes.
        for (terms, df, mut counts) in local {
            if self.terms.is_empty() {
                // The first chunk's ids become the global ids as they are.
                self.terms = terms;
                self.df = df;
            } else {
                let mut global = Vec::with_capacity(terms.len());
                for (id, &d) in df.iter().enumerate() {
                    let g = self.terms.intern_hashed(terms.term(id), terms.hash_of(id));
                    if g == self.df.len() {
                        self.df.push(0);
                    }
                    self.df[g] += d;
                    global.push(g);
                }
                counts.global = Some(global);
            }
            self.parts.push(counts);
        }
        self.n_docs += docs.len();
    }
}

/// The limits that turn the discovered terms into the vocabulary.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) min_df: DocFrequency,
    pub(crate) max_df: DocFrequency,
    pub(crate) max_features: Option<usize>,
    pub(crate) binary: bool,
}

/// The outcome of fitting a vocabulary, with the counts kept for `fit_transform`.
#[derive(Debug)]
pub(crate) struct Fitted {
    /// Every term seen.
    terms: Interner,
    /// The id in `terms` of every column's term (sorted terms).
    columns: Vec<usize>,
    /// Document frequency of each column.
    pub(crate) df: Vec<u64>,
    /// Column of each global term id, `usize::MAX` for a dropped term.
    col_of: Vec<usize>,
    parts: Vec<Counts>,
    pub(crate) n_docs: usize,
}

/// The total count of every global id over all documents.
fn total_counts(parts: &[Counts], n_terms: usize) -> Vec<u64> {
    let mut tf = vec![0u64; n_terms];
    for part in parts {
        for &(id, count) in &part.entries {
            let global = part.global.as_ref().map_or(id, |g| g[id]);
            tf[global] += count;
        }
    }
    tf
}

/// The document count a [`DocFrequency`] stands for among `n_docs` documents, as
/// scikit-learn computes it (an integer as is, a fraction times `n_docs`, unrounded).
fn doc_count(limit: DocFrequency, n_docs: usize) -> f64 {
    match limit {
        DocFrequency::Count(c) => c as f64,
        DocFrequency::Fraction(f) => f * n_docs as f64,
    }
}

/// Sorts the vocabulary, prunes it by document frequency and `max_features`, and gives
/// each kept term its column.
///
/// # Errors
/// [`Error::EmptyInput`] when nothing was counted or nothing survives pruning;
/// [`Error::InvalidParameter`] when `min_df` stands for more documents than `max_df`.
pub(crate) fn finish(discovery: Discovery, limits: Limits) -> Result<Fitted> {
    let Discovery {
        terms,
        df,
        parts,
        n_docs,
    } = discovery;
    if n_docs == 0 {
        return Err(Error::EmptyInput { what: "documents" });
    }
    if terms.is_empty() {
        return Err(Error::EmptyInput {
            what: "vocabulary (no token of two or more word characters is left: perhaps the \
                   documents only contain stop words)",
        });
    }
    let max_count = doc_count(limits.max_df, n_docs);
    let min_count = doc_count(limits.min_df, n_docs);
    if max_count < min_count {
        return Err(Error::InvalidParameter {
            name: "min_df",
            value: format!(
                "{:?} (= {min_count} documents, above max_df {:?} = {max_count} documents of \
                 {n_docs})",
                limits.min_df, limits.max_df
            ),
            expected: "no more documents than max_df: lower min_df or raise max_df",
        });
    }

    // Sorted by code point (byte order of UTF-8), as scikit-learn sorts its vocabulary:
    // by the first eight bytes as integers (no string is read), then each run of terms
    // sharing those bytes by the full string. Terms are unique, so the order is unique.
    let n_terms = terms.len();
    let mut keyed: Vec<(u64, usize)> = (0..n_terms).map(|id| (terms.prefix_key(id), id)).collect();
    if n_terms > PARALLEL_SORT_TERMS {
        keyed.par_sort_unstable_by_key(|&(key, _)| key);
    } else {
        ml_core::kernels::radix_sort_by_key(&mut keyed);
    }
    for run in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_unstable_by(|&(_, a), &(_, b)| terms.term(a).cmp(terms.term(b)));
        }
    }
    let sorted: Vec<usize> = keyed.into_iter().map(|(_, id)| id).collect();

    let mut kept: Vec<usize> = (0..n_terms)
        .filter(|&p| {
            let d = df[sorted[p]] as f64;
            d <= max_count && d >= min_count
        })
        .collect();
    if let Some(limit) = limits.max_features
        && kept.len() > limit
    {
        // The most frequent terms in total count (a binary count is one per document);
        // ties go to the smaller term (scikit-learn leaves tie order to numpy's unstable
        // argsort).
        let tf = if limits.binary {
            df.clone()
        } else {
            total_counts(&parts, n_terms)
        };
        kept.sort_by(|&p, &q| tf[sorted[q]].cmp(&tf[sorted[p]]).then(p.cmp(&q)));
        kept.truncate(limit);
        kept.sort_unstable();
    }
    if kept.is_empty() {
        return Err(Error::EmptyInput {
            what: "vocabulary after pruning (no term is within min_df and max_df: lower min_df \
                   or raise max_df)",
        });
    }

    let mut col_of = vec![usize::MAX; n_terms];
    let columns: Vec<usize> = kept.iter().map(|&p| sorted[p]).collect();
    for (col, &id) in columns.iter().enumerate() {
        col_of[id] = col;
    }
    Ok(Fitted {
        df: columns.iter().map(|&id| df[id]).collect(),
        terms,
        columns,
        col_of,
        parts,
        n_docs,
    })
}

impl Fitted {
    /// The vocabulary: the term of every column, sorted.
    pub(crate) fn vocabulary(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|&id| self.terms.term(id).to_owned())
            .collect()
    }

    /// The document-term matrix of the fitted documents, weighted by `weights`.
    pub(crate) fn matrix(&self, weights: &Weights<'_>) -> Csr {
        assemble(&self.parts, self.columns.len(), Some(&self.col_of), weights)
    }

    /// The matrix and the vocabulary together: the vocabulary's thousands of small
    /// allocations overlap with the assembly of the matrix.
    pub(crate) fn matrix_and_vocabulary(&self, weights: &Weights<'_>) -> (Csr, Vec<String>) {
        rayon::join(|| self.matrix(weights), || self.vocabulary())
    }
}

/// How counts become matrix values: binary or raw counts, optional sublinear tf, idf and
/// row normalisation (in scikit-learn's order).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Weights<'a> {
    pub(crate) binary: bool,
    pub(crate) sublinear_tf: bool,
    pub(crate) idf: Option<&'a [f64]>,
    pub(crate) norm: Option<Norm>,
}

impl Weights<'_> {
    /// Weighs one row in place: `vals[k]` is the (binarised) count of column `cols[k]`.
    ///
    /// Same operations in the same order as scikit-learn's `TfidfTransformer.transform`
    /// and `normalize`: `1 + ln(tf)`, times idf, then division by the row's norm
    /// (summed in column order); a row of norm zero is left alone. A stored zero stays
    /// zero under sublinear tf (scikit-learn would produce `-inf`).
    pub(crate) fn apply(&self, cols: &[usize], vals: &mut [f64]) {
        if self.sublinear_tf {
            for v in vals.iter_mut() {
                if *v != 0.0 {
                    *v = v.ln() + 1.0;
                }
            }
        }
        if self.norm.is_some() {
            // The normalised row does not depend on the row's scale: a row of huge
            // counts is divided by a power of two near its largest entry first (exact,
            // so nothing else changes), so counts near f64::MAX times the idf, or
            // squared, cannot overflow.
            let unit =
                ml_core::kernels::pow2_magnitude(ml_core::kernels::max_abs(vals.iter().copied()));
            if unit > 1e100 {
                vals.iter_mut().for_each(|v| *v /= unit);
            }
        }
        if let Some(idf) = self.idf {
            for (v, &c) in vals.iter_mut().zip(cols) {
                *v *= idf[c];
            }
        }
        let norm = match self.norm {
            None => return,
            Some(Norm::L2) => vals.iter().fold(0.0, |s, v| s + v * v).sqrt(),
            Some(Norm::L1) => vals.iter().fold(0.0, |s, v| s + v.abs()),
        };
        if norm != 0.0 {
            for v in vals.iter_mut() {
                *v /= norm;
            }
        }
    }
}

/// Builds the CSR matrix of counted parts (rows in order), mapping ids through `col_of`
/// (dropping `usize::MAX`) when given, sorting each row by column and weighing it.
///
/// The matrix is written in place: row lengths first, then every part fills its own
/// slice of the final arrays (in parallel), so no value is copied twice.
pub(crate) fn assemble(
    parts: &[Counts],
    n_cols: usize,
    col_of: Option<&[usize]>,
    weights: &Weights<'_>,
) -> Csr {
    // The column of every id of each part (`None`: the ids are columns), and whether
    // the part loses any entry to pruning.
    let maps: Vec<(Option<Cow<'_, [usize]>>, bool)> = parts
        .iter()
        .map(|part| {
            let map = match (&part.global, col_of) {
                (Some(global), Some(col_of)) => {
                    Some(Cow::Owned(global.iter().map(|&g| col_of[g]).collect()))
                }
                (None, Some(col_of)) => Some(Cow::Borrowed(col_of)),
                (Some(global), None) => Some(Cow::Borrowed(global.as_slice())),
                (None, None) => None,
            };
            let pruned = map.as_ref().is_some_and(|m| m.contains(&usize::MAX));
            (map, pruned)
        })
        .collect();

    let n_rows: usize = parts.iter().map(Counts::n_docs).sum();
    let mut row_ptr = Vec::with_capacity(n_rows + 1);
    row_ptr.push(0);
    let mut bounds = Vec::with_capacity(parts.len() + 1);
    bounds.push(0);
    for (part, (map, pruned)) in parts.iter().zip(&maps) {
        let mut end = row_ptr[row_ptr.len() - 1];
        for d in 0..part.n_docs() {
            end += match (map, pruned) {
                (Some(map), true) => part
                    .doc(d)
                    .iter()
                    .filter(|&&(id, _)| map[id] != usize::MAX)
                    .count(),
                _ => part.doc_ptr[d + 1] - part.doc_ptr[d],
            };
            row_ptr.push(end);
        }
        bounds.push(end);
    }
    let nnz = row_ptr[n_rows];
    let mut col_idx = vec![0usize; nnz];
    let mut values = vec![0.0f64; nnz];

    // Disjoint slices of the output, one per part.
    let mut slices = Vec::with_capacity(parts.len());
    let (mut cols_rest, mut vals_rest) = (col_idx.as_mut_slice(), values.as_mut_slice());
    for w in bounds.windows(2) {
        let (c, cr) = cols_rest.split_at_mut(w[1] - w[0]);
        let (v, vr) = vals_rest.split_at_mut(w[1] - w[0]);
        slices.push((c, v));
        cols_rest = cr;
        vals_rest = vr;
    }
    slices
        .into_par_iter()
        .zip(parts.par_iter().zip(maps.par_iter()))
        .for_each(|((cols, vals), (part, (map, _)))| {
            let mut row: Vec<(usize, u64)> = Vec::new();
            let mut packed: Vec<u64> = Vec::new();
            let mut k = 0;
            for d in 0..part.n_docs() {
                row.clear();
                match map {
                    Some(map) => row.extend(
                        part.doc(d)
                            .iter()
                            .map(|&(id, count)| (map[id], count))
                            .filter(|&(col, _)| col != usize::MAX),
                    ),
                    None => row.extend_from_slice(part.doc(d)),
                }
                // Sorted by column: as single integers `col << 32 | count` when both fit
                // in 32 bits (always, in practice), which sorts several times faster.
                if row
                    .iter()
                    .all(|&(col, count)| col >> 32 == 0 && count >> 32 == 0)
                {
                    packed.clear();
                    packed.extend(row.iter().map(|&(col, count)| ((col as u64) << 32) | count));
                    packed.sort_unstable();
                    for (entry, &p) in row.iter_mut().zip(&packed) {
                        *entry = ((p >> 32) as usize, p & 0xffff_ffff);
                    }
                } else {
                    row.sort_unstable_by_key(|&(col, _)| col);
                }
                let (cols, vals) = (&mut cols[k..k + row.len()], &mut vals[k..k + row.len()]);
                for ((c, v), &(col, count)) in cols.iter_mut().zip(vals.iter_mut()).zip(&row) {
                    *c = col;
                    *v = if weights.binary { 1.0 } else { count as f64 };
                }
                weights.apply(cols, vals);
                k += row.len();
            }
        });
    let symbolic = SymbolicSparseRowMat::new_checked(n_rows, n_cols, row_ptr, None, col_idx);
    SparseRowMat::new(symbolic, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_documents_in_order() {
        let docs: Vec<String> = (0..1000).map(|i| "w ".repeat(i % 700)).collect();
        let parts = chunks(&docs);
        assert_eq!(parts.iter().map(|c| c.len()).sum::<usize>(), docs.len());
        let joined: Vec<&String> = parts.iter().flat_map(|c| c.iter()).collect();
        assert!(joined.iter().zip(&docs).all(|(a, b)| std::ptr::eq(*a, b)));
    }
}
