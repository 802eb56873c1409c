//! The parallel counting engine behind the vectorisers: per-chunk term counting with
//! interning, a deterministic merge into one vocabulary, document-frequency pruning,
//! and assembly of the (weighted) CSR matrix.
//!
//! Documents are cut into chunks (a few per thread); each chunk is tokenised and counted
//! on its own thread with its own [`Interner`], which allocates nothing per term. Chunks
//! are merged in document order, and the vocabulary is sorted before any column index is
//! given out; counts are exact integers, so the result is the same on any number of
//! threads and for any chunking.

use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use rayon::prelude::*;

use super::analyze::{Analyzer, Scratch};
use super::intern::Interner;
use super::{DocFrequency, Norm};
use crate::sparse::Csr;
use crate::{Error, Result};

/// Documents per parallel task: about four tasks per thread, at least 64 and at most
/// 4096 documents each. The chunking only balances the work: counts are exact integers
/// and the vocabulary is sorted, so no result depends on it (or on the thread count).
fn chunk_len(n_docs: usize) -> usize {
    n_docs
        .div_ceil(4 * rayon::current_num_threads().max(1))
        .clamp(64, 4096)
}

/// Documents taken from an iterator at a time by the `*_iter` methods.
pub(crate) const BATCH_DOCS: usize = 16 * 1024;

/// Term counts of a run of documents: the entries of document `d` are
/// `entries[doc_ptr[d]..doc_ptr[d + 1]]`, as `(term id, count)` with unique ids.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    doc_ptr: Vec<usize>,
    entries: Vec<(usize, u64)>,
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
fn count_docs<S: AsRef<str>>(
    docs: &[S],
    analyzer: &Analyzer,
    mut resolve: impl FnMut(&str) -> Option<usize>,
) -> Counts {
    let mut scratch = Scratch::default();
    let mut ids: Vec<usize> = Vec::new();
    let mut doc_ptr = Vec::with_capacity(docs.len() + 1);
    let mut entries = Vec::new();
    doc_ptr.push(0);
    for doc in docs {
        ids.clear();
        analyzer.for_each_term(doc.as_ref(), &mut scratch, |term| {
            if let Some(id) = resolve(term) {
                ids.push(id);
            }
        });
        ids.sort_unstable();
        for run in ids.chunk_by(|a, b| a == b) {
            entries.push((run[0], run.len() as u64));
        }
        doc_ptr.push(entries.len());
    }
    Counts { doc_ptr, entries }
}

/// Counts `docs` against a fixed vocabulary (terms outside it are ignored); the ids of
/// the result are column indices.
pub(crate) fn count_fixed<S: AsRef<str> + Sync>(
    docs: &[S],
    analyzer: &Analyzer,
    index: &Interner,
) -> Vec<Counts> {
    docs.par_chunks(chunk_len(docs.len()))
        .map(|chunk| count_docs(chunk, analyzer, |term| index.get(term)))
        .collect()
}

/// Counting while the vocabulary is being discovered.
#[derive(Debug)]
pub(crate) struct Discovery {
    /// Every term seen, with its global id (ids in order of first appearance).
    terms: Interner,
    /// Counts per chunk, with global ids.
    parts: Vec<Counts>,
    n_docs: usize,
}

impl Default for Discovery {
    fn default() -> Self {
        Self {
            terms: Interner::new(),
            parts: Vec::new(),
            n_docs: 0,
        }
    }
}

impl Discovery {
    /// Tokenises and counts `docs` (in parallel), adding their terms to the vocabulary.
    pub(crate) fn add<S: AsRef<str> + Sync>(&mut self, docs: &[S], analyzer: &Analyzer) {
        let local: Vec<(Interner, Counts)> = docs
            .par_chunks(chunk_len(docs.len()))
            .map(|chunk| {
                // About one new term per 32 bytes of text (SMS messages: one per 35): the
                // table starts near its final size without wasting cache.
                let bytes: usize = chunk.iter().map(|d| d.as_ref().len()).sum();
                let mut terms = Interner::with_capacity(bytes / 32);
                let counts = count_docs(chunk, analyzer, |term| Some(terms.intern(term)));
                (terms, counts)
            })
            .collect();
        // Global ids in chunk order: sequential, but over each chunk's distinct terms only,
        // reusing their hashes.
        let mut remaps = Vec::with_capacity(local.len());
        let mut parts = Vec::with_capacity(local.len());
        for (terms, counts) in local {
            let remap: Vec<usize> = (0..terms.len())
                .map(|id| self.terms.intern_hashed(terms.term(id), terms.hash_of(id)))
                .collect();
            remaps.push(remap);
            parts.push(counts);
        }
        parts
            .par_iter_mut()
            .zip(remaps.par_iter())
            .for_each(|(counts, remap)| {
                for entry in &mut counts.entries {
                    entry.0 = remap[entry.0];
                }
            });
        self.n_docs += docs.len();
        self.parts.extend(parts);
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
    /// The kept terms, sorted (column `j` is `vocabulary[j]`).
    pub(crate) vocabulary: Vec<String>,
    /// Document frequency of each column.
    pub(crate) df: Vec<u64>,
    /// Column of each global term id, `usize::MAX` for a dropped term.
    col_of: Vec<usize>,
    parts: Vec<Counts>,
    pub(crate) n_docs: usize,
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

    let n_terms = terms.len();
    let mut df = vec![0u64; n_terms];
    let mut tf = vec![0u64; n_terms];
    for part in &parts {
        for &(id, count) in &part.entries {
            df[id] += 1;
            tf[id] += if limits.binary { 1 } else { count };
        }
    }

    // Sorted by code point (byte order of UTF-8), as scikit-learn sorts its vocabulary.
    let mut keyed: Vec<(u64, usize)> = (0..n_terms).map(|id| (terms.prefix_key(id), id)).collect();
    keyed.par_sort_unstable_by(|&(ka, a), &(kb, b)| {
        ka.cmp(&kb).then_with(|| terms.term(a).cmp(terms.term(b)))
    });
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
        // The most frequent terms in total count; ties go to the smaller term (scikit-learn
        // leaves tie order to numpy's unstable argsort).
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
    let mut kept_df = Vec::with_capacity(kept.len());
    let mut vocabulary = Vec::with_capacity(kept.len());
    for (col, &p) in kept.iter().enumerate() {
        let id = sorted[p];
        col_of[id] = col;
        kept_df.push(df[id]);
        vocabulary.push(terms.term(id).to_owned());
    }
    Ok(Fitted {
        vocabulary,
        df: kept_df,
        col_of,
        parts,
        n_docs,
    })
}

impl Fitted {
    /// The document-term matrix of the fitted documents, weighted by `weights`.
    pub(crate) fn matrix(&self, weights: &Weights<'_>) -> Csr {
        assemble(
            &self.parts,
            self.vocabulary.len(),
            Some(&self.col_of),
            weights,
        )
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
pub(crate) fn assemble(
    parts: &[Counts],
    n_cols: usize,
    col_of: Option<&[usize]>,
    weights: &Weights<'_>,
) -> Csr {
    let blocks: Vec<(Vec<usize>, Vec<usize>, Vec<f64>)> = parts
        .par_iter()
        .map(|part| {
            let mut row_len = Vec::with_capacity(part.n_docs());
            let mut cols = Vec::with_capacity(part.entries.len());
            let mut vals = Vec::with_capacity(part.entries.len());
            let mut row: Vec<(usize, u64)> = Vec::new();
            for d in 0..part.n_docs() {
                row.clear();
                match col_of {
                    Some(col_of) => row.extend(
                        part.doc(d)
                            .iter()
                            .map(|&(id, count)| (col_of[id], count))
                            .filter(|&(col, _)| col != usize::MAX),
                    ),
                    None => row.extend_from_slice(part.doc(d)),
                }
                row.sort_unstable_by_key(|&(col, _)| col);
                let start = cols.len();
                for &(col, count) in &row {
                    cols.push(col);
                    vals.push(if weights.binary { 1.0 } else { count as f64 });
                }
                weights.apply(&cols[start..], &mut vals[start..]);
                row_len.push(row.len());
            }
            (row_len, cols, vals)
        })
        .collect();
    let n_rows: usize = blocks.iter().map(|b| b.0.len()).sum();
    let nnz: usize = blocks.iter().map(|b| b.1.len()).sum();
    let mut row_ptr = Vec::with_capacity(n_rows + 1);
    let mut col_idx = Vec::with_capacity(nnz);
    let mut values = Vec::with_capacity(nnz);
    row_ptr.push(0);
    for (row_len, cols, vals) in blocks {
        for len in row_len {
            row_ptr.push(row_ptr[row_ptr.len() - 1] + len);
        }
        col_idx.extend(cols);
        values.extend(vals);
    }
    let symbolic = SymbolicSparseRowMat::new_checked(n_rows, n_cols, row_ptr, None, col_idx);
    SparseRowMat::new(symbolic, values)
}
