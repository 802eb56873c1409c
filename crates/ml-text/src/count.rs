//! [`CountVectorizer`]: documents to a matrix of term counts, scikit-learn's
//! `CountVectorizer` with the default (word) analyzer.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::engine::{self, BATCH_DOCS, Counts, Discovery, Fitted, Limits, Weights};
use super::intern::Interner;
use super::{Analysis, DocFrequency, StopWords, validate_doc_frequency};
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::Csr;
use ml_core::{Error, Result};

/// Turns documents into term counts: learns a vocabulary, then counts how often each
/// vocabulary term occurs in each document.
///
/// Defaults are scikit-learn's: lowercase, unigrams, no stop words, `min_df = Count(1)`,
/// `max_df = Fraction(1.0)`, no `max_features`, raw counts (not binary).
///
/// ```
/// use ml_text::{CountVectorizer, DocFrequency, StopWords};
///
/// let docs = ["free prize, call now", "call me later", "free free entry"];
/// let (model, x) = CountVectorizer::new()
///     .stop_words(StopWords::English)
///     .min_df(DocFrequency::Count(2))
///     .fit_transform(&docs)?;
/// assert_eq!(model.vocabulary(), ["free"]); // "call" is an English stop word
/// assert_eq!(x.to_dense()[(2, 0)], 2.0);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountVectorizer {
    analysis: Analysis,
    min_df: DocFrequency,
    max_df: DocFrequency,
    max_features: Option<usize>,
    binary: bool,
}

impl Default for CountVectorizer {
    fn default() -> Self {
        Self::new()
    }
}

impl CountVectorizer {
    /// A vectoriser with scikit-learn's defaults.
    pub fn new() -> Self {
        Self {
            analysis: Analysis::default(),
            min_df: DocFrequency::Count(1),
            max_df: DocFrequency::Fraction(1.0),
            max_features: None,
            binary: false,
        }
    }

    /// Whether to lowercase documents before tokenising. Default: true.
    pub fn lowercase(mut self, lowercase: bool) -> Self {
        self.analysis.lowercase = lowercase;
        self
    }

    /// The word n-grams to count, from `min_n` to `max_n` tokens (both included); needs
    /// `1 <= min_n <= max_n <= 64`. Default: `(1, 1)` (single words).
    pub fn ngram_range(mut self, min_n: usize, max_n: usize) -> Self {
        self.analysis.ngram_range = (min_n, max_n);
        self
    }

    /// Drops terms found in fewer documents than this. Default: `Count(1)`.
    pub fn min_df(mut self, min_df: DocFrequency) -> Self {
        self.min_df = min_df;
        self
    }

    /// Drops terms found in more documents than this. Default: `Fraction(1.0)`.
    pub fn max_df(mut self, max_df: DocFrequency) -> Self {
        self.max_df = max_df;
        self
    }

    /// Keeps only this many terms, the most frequent over all documents (after
    /// `min_df`/`max_df`); ties go to the term that sorts first. Default: `None` (all).
    ///
    /// scikit-learn leaves the order of tied terms to numpy's unstable sort, so at the
    /// cut-off its choice among equally frequent terms can differ from this one.
    pub fn max_features(mut self, max_features: Option<usize>) -> Self {
        self.max_features = max_features;
        self
    }

    /// Stop words to remove. Default: [`StopWords::None`].
    pub fn stop_words(mut self, stop_words: StopWords) -> Self {
        self.analysis.stop_words = stop_words;
        self
    }

    /// Whether to record presence (1) instead of counts. Default: false.
    pub fn binary(mut self, binary: bool) -> Self {
        self.binary = binary;
        self
    }

    /// The terms this vectoriser's analysis makes of `doc` (before the vocabulary is
    /// applied), in scikit-learn's order: tokens, then bigrams, and so on.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an invalid `ngram_range`.
    pub fn analyze(&self, doc: &str) -> Result<Vec<String>> {
        self.analysis.validate()?;
        Ok(self.analysis.analyzer().terms(doc))
    }

    /// Learns the vocabulary of `docs`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an invalid setting (`ngram_range`, `min_df`,
    /// `max_df`, `max_features`) or when `min_df` stands for more documents than
    /// `max_df`; [`Error::EmptyInput`] when there are no documents or no term is left.
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<CountVectorizerModel> {
        let fitted = self.discover(docs)?;
        Ok(self.model(fitted.vocabulary()))
    }

    /// Learns the vocabulary of `docs` and returns their count matrix.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
    ) -> Result<(CountVectorizerModel, Csr)> {
        let fitted = self.discover(docs)?;
        self.model_and_counts(fitted)
    }

    /// Learns the vocabulary of documents from any iterator, read in batches (the
    /// documents are not kept).
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_iter<I, S>(&self, docs: I) -> Result<CountVectorizerModel>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        let fitted = self.discover_iter(docs)?;
        Ok(self.model(fitted.vocabulary()))
    }

    /// Learns the vocabulary of documents from any iterator and returns their count
    /// matrix.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform_iter<I, S>(&self, docs: I) -> Result<(CountVectorizerModel, Csr)>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        let fitted = self.discover_iter(docs)?;
        self.model_and_counts(fitted)
    }

    /// Checks every setting.
    fn validate(&self) -> Result<()> {
        self.analysis.validate()?;
        validate_doc_frequency("min_df", self.min_df)?;
        validate_doc_frequency("max_df", self.max_df)?;
        if self.max_features == Some(0) {
            return Err(Error::invalid_parameter(
                "max_features",
                self.max_features,
                "None or Some(n) with n >= 1",
            ));
        }
        Ok(())
    }

    /// Whether counts are recorded as presence (1).
    pub(crate) fn is_binary(&self) -> bool {
        self.binary
    }

    fn limits(&self) -> Limits {
        Limits {
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features,
            binary: self.binary,
        }
    }

    /// Counts `docs` and fits the vocabulary (the counts are kept in the result).
    pub(crate) fn discover<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Fitted> {
        self.validate()?;
        let analyzer = self.analysis.analyzer();
        let mut discovery = Discovery::default();
        discovery.add(docs, &analyzer);
        engine::finish(discovery, self.limits())
    }

    /// As [`discover`](Self::discover), reading an iterator in batches.
    pub(crate) fn discover_iter<I, S>(&self, docs: I) -> Result<Fitted>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        self.validate()?;
        let analyzer = self.analysis.analyzer();
        let mut discovery = Discovery::default();
        for_each_batch(docs, |batch| discovery.add(batch, &analyzer));
        engine::finish(discovery, self.limits())
    }

    fn model_and_counts(&self, fitted: Fitted) -> Result<(CountVectorizerModel, Csr)> {
        let (x, vocabulary) = fitted.matrix_and_vocabulary(&self.weights());
        Ok((self.model(vocabulary), x))
    }

    fn weights(&self) -> Weights<'static> {
        Weights {
            binary: self.binary,
            ..Weights::default()
        }
    }

    /// The model of a fitted vocabulary.
    pub(crate) fn model(&self, vocabulary: Vec<String>) -> CountVectorizerModel {
        CountVectorizerModel::new(self.analysis.clone(), self.binary, vocabulary)
    }
}

/// Calls `f` on successive batches of at most [`BATCH_DOCS`] documents of `docs`.
pub(crate) fn for_each_batch<I, S>(docs: I, mut f: impl FnMut(&[S]))
where
    I: IntoIterator<Item = S>,
{
    let mut batch = Vec::with_capacity(BATCH_DOCS);
    for doc in docs {
        batch.push(doc);
        if batch.len() == BATCH_DOCS {
            f(&batch);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        f(&batch);
    }
}

/// A fitted [`CountVectorizer`]: the vocabulary and the analysis settings.
///
/// Saved and loaded with [`ml_core::persist`]; a file whose vocabulary is not strictly
/// sorted or whose settings are invalid is refused as corrupt.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "CountModelData", into = "CountModelData")]
pub struct CountVectorizerModel {
    analysis: Analysis,
    binary: bool,
    vocabulary: Vec<String>,
    /// The column of every term, built on first use (`fit_transform` alone never needs
    /// it).
    index: OnceLock<Interner>,
}

/// The serialised form of [`CountVectorizerModel`] (without the derived index).
#[derive(Serialize, Deserialize)]
struct CountModelData {
    analysis: Analysis,
    binary: bool,
    vocabulary: Vec<String>,
}

impl TryFrom<CountModelData> for CountVectorizerModel {
    type Error = String;

    fn try_from(data: CountModelData) -> std::result::Result<Self, String> {
        data.analysis.validate().map_err(|e| e.to_string())?;
        if data.vocabulary.is_empty() {
            return Err("the vocabulary is empty".to_owned());
        }
        if data.vocabulary.windows(2).any(|w| w[0] >= w[1]) {
            return Err("the vocabulary is not strictly sorted".to_owned());
        }
        Ok(Self::new(data.analysis, data.binary, data.vocabulary))
    }
}

impl From<CountVectorizerModel> for CountModelData {
    fn from(model: CountVectorizerModel) -> Self {
        Self {
            analysis: model.analysis,
            binary: model.binary,
            vocabulary: model.vocabulary,
        }
    }
}

impl PartialEq for CountVectorizerModel {
    fn eq(&self, other: &Self) -> bool {
        // The index is derived from the vocabulary.
        self.analysis == other.analysis
            && self.binary == other.binary
            && self.vocabulary == other.vocabulary
    }
}

impl fmt::Debug for CountVectorizerModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountVectorizerModel")
            .field("analysis", &self.analysis)
            .field("binary", &self.binary)
            .field("n_features", &self.vocabulary.len())
            .finish_non_exhaustive()
    }
}

impl Persist for CountVectorizerModel {
    const MODEL_NAME: &'static str = "ml_text::CountVectorizerModel";
}

impl Invariants for CountVectorizerModel {
    /// Decoding checks them already (the model deserializes through a `TryFrom` of
    /// its raw data), so a decoded model is valid.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

impl CountVectorizerModel {
    /// A model of a sorted, duplicate-free vocabulary.
    fn new(analysis: Analysis, binary: bool, vocabulary: Vec<String>) -> Self {
        Self {
            analysis,
            binary,
            vocabulary,
            index: OnceLock::new(),
        }
    }

    /// The column of every vocabulary term (its ids are the columns).
    fn index(&self) -> &Interner {
        self.index.get_or_init(|| {
            let mut index = Interner::with_capacity(self.vocabulary.len());
            for term in &self.vocabulary {
                index.intern(term);
            }
            index
        })
    }

    /// The count matrix of `docs` over the fitted vocabulary (terms outside it are
    /// ignored; a document without any vocabulary term gives an empty row).
    ///
    /// # Errors
    /// None in practice (the settings were checked at fit time); the `Result` keeps the
    /// signature uniform with the other transforms.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Csr> {
        Ok(self.transform_weighted(docs, &self.weights()))
    }

    /// As [`transform`](Self::transform), for documents from any iterator (read in
    /// batches).
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn transform_iter<I, S>(&self, docs: I) -> Result<Csr>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        Ok(self.transform_iter_weighted(docs, &self.weights()))
    }

    /// The terms the model's analysis makes of `doc` (before the vocabulary is applied).
    pub fn analyze(&self, doc: &str) -> Vec<String> {
        self.analysis.analyzer().terms(doc)
    }

    /// The term of every column, sorted (scikit-learn's `get_feature_names_out()`).
    pub fn vocabulary(&self) -> &[String] {
        &self.vocabulary
    }

    /// The column of `term`, if it is in the vocabulary.
    pub fn index_of(&self, term: &str) -> Option<usize> {
        self.index().get(term)
    }

    /// Number of columns (vocabulary terms).
    pub fn n_features_in(&self) -> usize {
        self.vocabulary.len()
    }

    /// Whether counts are recorded as presence (1).
    pub fn is_binary(&self) -> bool {
        self.binary
    }

    fn weights(&self) -> Weights<'static> {
        Weights {
            binary: self.binary,
            ..Weights::default()
        }
    }

    /// Counts `docs` and builds the matrix with `weights`.
    pub(crate) fn transform_weighted<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
        weights: &Weights<'_>,
    ) -> Csr {
        let analyzer = self.analysis.analyzer();
        let parts = engine::count_fixed(docs, &analyzer, self.index());
        engine::assemble(&parts, self.vocabulary.len(), None, weights)
    }

    /// As [`transform_weighted`](Self::transform_weighted), reading an iterator in
    /// batches.
    pub(crate) fn transform_iter_weighted<I, S>(&self, docs: I, weights: &Weights<'_>) -> Csr
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        let analyzer = self.analysis.analyzer();
        let index = self.index();
        let mut parts: Vec<Counts> = Vec::new();
        for_each_batch(docs, |batch| {
            parts.extend(engine::count_fixed(batch, &analyzer, index));
        });
        engine::assemble(&parts, self.vocabulary.len(), None, weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(x: &Csr) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
        let s = x.symbolic();
        (s.row_ptr().to_vec(), s.col_idx().to_vec(), x.val().to_vec())
    }

    #[test]
    fn defaults_count_words() {
        let docs = ["b a bb aa", "aa aa cc", ""];
        let (model, x) = CountVectorizer::new().fit_transform(&docs).unwrap();
        assert_eq!(model.vocabulary(), ["aa", "bb", "cc"]);
        let d = x.to_dense();
        assert_eq!(d[(0, 0)], 1.0);
        assert_eq!(d[(1, 0)], 2.0);
        assert_eq!(x.val_of_row(2).len(), 0);
        assert_eq!(parts(&model.transform(&docs).unwrap()), parts(&x));
    }

    #[test]
    fn iterators_equal_slices() {
        let docs: Vec<String> = (0..300)
            .map(|i| format!("w{} w{} common", i % 7, i % 11))
            .collect();
        let cv = CountVectorizer::new().ngram_range(1, 2);
        let (m1, x1) = cv.fit_transform(&docs).unwrap();
        let (m2, x2) = cv.fit_transform_iter(docs.iter()).unwrap();
        assert_eq!(m1, m2);
        assert_eq!(parts(&x1), parts(&x2));
        assert_eq!(
            parts(&m1.transform_iter(docs.iter().map(String::as_str)).unwrap()),
            parts(&x1)
        );
    }

    #[test]
    fn bad_settings_are_errors() {
        let docs = ["aa bb"];
        for cv in [
            CountVectorizer::new().ngram_range(0, 1),
            CountVectorizer::new().ngram_range(2, 1),
            CountVectorizer::new().min_df(DocFrequency::Fraction(1.5)),
            CountVectorizer::new().max_df(DocFrequency::Fraction(f64::NAN)),
            CountVectorizer::new().max_df(DocFrequency::Count(0)),
            CountVectorizer::new().max_features(Some(0)),
        ] {
            assert!(matches!(cv.fit(&docs), Err(Error::InvalidParameter { .. })));
        }
        let none: [&str; 0] = [];
        assert_eq!(
            CountVectorizer::new().fit(&none).unwrap_err(),
            Error::EmptyInput { what: "documents" }
        );
    }
}
