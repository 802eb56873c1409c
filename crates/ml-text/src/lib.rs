//! Text features: bag-of-words counts ([`CountVectorizer`]) and TF-IDF weights
//! ([`TfidfVectorizer`], [`TfidfTransformer`]), as scikit-learn 1.9 computes them.
//!
//! A vectoriser holds settings only; `fit` learns a vocabulary and returns a model whose
//! `transform` turns documents into a CSR matrix ([`Csr`](ml_core::sparse::Csr)): one row
//! per document, one column per vocabulary term (terms sorted by code point, so column
//! `j` is `vocabulary()[j]`), column indices sorted within each row.
//!
//! Analysis follows scikit-learn's defaults: the document is lowercased (Python's
//! `str.lower`), split into tokens by the pattern `(?u)\b\w\w+\b` (maximal runs of two or
//! more word characters, with Python's notion of a word character: letters, digits and
//! `_`, but not combining marks), stop words are removed, and word n-grams are formed by
//! joining consecutive tokens with one space. The tokeniser is a hand-written scanner
//! over a table of Python's `\w` characters, so it agrees with scikit-learn on every
//! code point Python 3.11 knows.
//!
//! Tokenising and counting run in parallel over fixed chunks of documents, each with its
//! own interning hash map; chunks are merged in document order and the vocabulary is
//! sorted, so results do not depend on the number of threads. Documents can come from a
//! slice or from any iterator (`fit_iter`, `transform_iter`), which is read in batches.
//!
//! ```
//! use ml_text::{CountVectorizer, TfidfVectorizer};
//!
//! let docs = ["The cat sat.", "The cat sat on the mat!", "Dogs bark"];
//! let (model, counts) = CountVectorizer::new().fit_transform(&docs)?;
//! assert_eq!(model.vocabulary(), ["bark", "cat", "dogs", "mat", "on", "sat", "the"]);
//! let the = model.index_of("the").unwrap();
//! assert_eq!(counts.to_dense()[(1, the)], 2.0);
//!
//! let (tfidf, x) = TfidfVectorizer::new().fit_transform(&docs)?;
//! assert_eq!(tfidf.n_features_in(), 7);
//! let row: f64 = x.val_of_row(0).iter().map(|v| v * v).sum();
//! assert!((row - 1.0).abs() < 1e-12); // rows have unit Euclidean norm
//! # Ok::<(), ml_core::Error>(())
//! ```

mod analyze;
mod count;
mod engine;
mod intern;
mod tables;
mod tfidf;

use serde::{Deserialize, Serialize};

use ml_core::{Error, Result};

pub use count::{CountVectorizer, CountVectorizerModel};
pub use tfidf::{TfidfTransformer, TfidfTransformerModel, TfidfVectorizer, TfidfVectorizerModel};

/// A document-frequency limit (`min_df`, `max_df`): a number of documents, or a
/// proportion of the documents that were fitted.
///
/// A fraction `f` stands for `f × n_documents` documents, not rounded (as in
/// scikit-learn): a term is kept when `min ≤ df ≤ max` in that real-valued sense.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DocFrequency {
    /// An absolute number of documents (at least 1).
    Count(usize),
    /// A proportion of the documents, in `[0, 1]`.
    Fraction(f64),
}

/// Which stop words to remove after tokenising (and before forming n-grams).
///
/// Stop words are compared with tokens after lowercasing; a custom list is used as
/// given (scikit-learn does not lowercase it either).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum StopWords {
    /// Keep every token.
    None,
    /// scikit-learn's built-in English list (318 words).
    English,
    /// A list of your own.
    Custom(Vec<String>),
}

impl StopWords {
    /// The words of scikit-learn's English stop-word list, sorted.
    pub fn english_list() -> &'static [&'static str] {
        &tables::ENGLISH_STOP_WORDS
    }
}

/// The norm every TF-IDF row is scaled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Norm {
    /// Sum of absolute values 1.
    L1,
    /// Euclidean norm 1 (scikit-learn's default).
    L2,
}

/// The analysis settings shared by every vectoriser and kept by their models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Analysis {
    pub(crate) lowercase: bool,
    pub(crate) ngram_range: (usize, usize),
    pub(crate) stop_words: StopWords,
}

impl Default for Analysis {
    fn default() -> Self {
        Self {
            lowercase: true,
            ngram_range: (1, 1),
            stop_words: StopWords::None,
        }
    }
}

/// The longest n-gram counted. A document of `L` tokens has `L − n + 1` n-grams of
/// each length `n`, each up to `n` tokens long, so an unbounded range costs time and
/// memory cubic in the document's length; scikit-learn has no bound and exhausts
/// memory instead. No practical use comes near 64.
pub(crate) const MAX_NGRAM: usize = 64;

impl Analysis {
    /// Checks the n-gram range: `1 <= min_n <= max_n <= 64`.
    pub(crate) fn validate(&self) -> Result<()> {
        let (min_n, max_n) = self.ngram_range;
        if min_n == 0 || min_n > max_n || max_n > MAX_NGRAM {
            return Err(Error::InvalidParameter {
                name: "ngram_range",
                value: format!("({min_n}, {max_n})"),
                expected: "(min_n, max_n) with 1 <= min_n <= max_n <= 64",
            });
        }
        Ok(())
    }

    /// The analyzer for one call (builds the stop-word set).
    pub(crate) fn analyzer(&self) -> analyze::Analyzer {
        analyze::Analyzer::new(
            self.lowercase,
            self.ngram_range.0,
            self.ngram_range.1,
            &self.stop_words,
        )
    }
}

/// Checks a `min_df` / `max_df` value.
fn validate_doc_frequency(name: &'static str, value: DocFrequency) -> Result<()> {
    let ok = match value {
        DocFrequency::Count(c) => c >= 1,
        DocFrequency::Fraction(f) => (0.0..=1.0).contains(&f),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            name,
            value,
            "Count(n) with n >= 1, or Fraction(f) with f in [0, 1]",
        ))
    }
}
