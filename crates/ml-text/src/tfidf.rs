//! TF-IDF: [`TfidfTransformer`] (a count matrix to TF-IDF weights) and
//! [`TfidfVectorizer`] (documents to TF-IDF weights in one pass), as scikit-learn's.
//!
//! With `n` documents and `df` the number of documents containing a term,
//! `idf = ln((1 + n) / (1 + df)) + 1` (`smooth_idf`, the default) or `ln(n / df) + 1`;
//! a value is `tf × idf`, where `tf` is the count or, with `sublinear_tf`, `1 + ln(count)`;
//! each row is then divided by its L2 (default) or L1 norm, and an all-zero row stays
//! zero.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::count::{CountVectorizer, CountVectorizerModel};
use super::engine::{Fitted, Weights};
use super::{DocFrequency, Norm, StopWords};
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::{self, Csr, CsrRef};
use ml_core::{Error, Features, FitUnsupervised, Result, Transform, validate};

/// The TF-IDF settings shared by [`TfidfTransformer`] and [`TfidfVectorizer`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct TfidfSettings {
    norm: Option<Norm>,
    use_idf: bool,
    smooth_idf: bool,
    sublinear_tf: bool,
}

impl Default for TfidfSettings {
    fn default() -> Self {
        Self {
            norm: Some(Norm::L2),
            use_idf: true,
            smooth_idf: true,
            sublinear_tf: false,
        }
    }
}

/// The idf of every column from its document frequency, in scikit-learn's order of
/// operations (`ln(n / df) + 1` on the smoothed counts).
///
/// # Errors
/// [`Error::InvalidParameter`] naming `smooth_idf` when a column has `df = 0` without
/// smoothing (its idf would be infinite).
fn idf_of(df: &[u64], n_docs: usize, smooth: bool) -> Result<Vec<f64>> {
    let shift = if smooth { 1.0 } else { 0.0 };
    let n = n_docs as f64 + shift;
    df.iter()
        .map(|&d| {
            let d = d as f64 + shift;
            if d == 0.0 {
                return Err(Error::InvalidParameter {
                    name: "smooth_idf",
                    value: "false".to_owned(),
                    expected: "true when a column has no stored entry (its idf would be infinite)",
                });
            }
            Ok((n / d).ln() + 1.0)
        })
        .collect()
}

/// Re-weights a count matrix by TF-IDF (scikit-learn's `TfidfTransformer`).
///
/// Defaults are scikit-learn's: `norm = Some(Norm::L2)`, `use_idf = true`,
/// `smooth_idf = true`, `sublinear_tf = false`.
///
/// Input values must be finite and non-negative (counts or frequencies); scikit-learn
/// accepts negative values and can then produce NaN. A column's document frequency is
/// its number of stored entries, as in scikit-learn.
///
/// ```
/// use ml_core::sparse::csr_from_triplets;
/// use ml_text::TfidfTransformer;
///
/// let counts = csr_from_triplets(3, 2, &[(0, 0, 3.0), (1, 0, 2.0), (1, 1, 1.0), (2, 0, 1.0)])?;
/// let (model, x) = TfidfTransformer::new().fit_transform(counts.as_ref())?;
/// assert_eq!(model.idf()[0], 1.0); // in every document: ln(4 / 4) + 1
/// assert_eq!(x.val_of_row(0), &[1.0]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TfidfTransformer {
    settings: TfidfSettings,
}

impl TfidfTransformer {
    /// A transformer with scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The norm each row is scaled to, or `None` for no scaling. Default: `Some(Norm::L2)`.
    pub fn norm(mut self, norm: Option<Norm>) -> Self {
        self.settings.norm = norm;
        self
    }

    /// Whether to weight by inverse document frequency. Default: true.
    pub fn use_idf(mut self, use_idf: bool) -> Self {
        self.settings.use_idf = use_idf;
        self
    }

    /// Whether to add one to every document frequency (as if one extra document held
    /// every term), which avoids division by zero. Default: true.
    pub fn smooth_idf(mut self, smooth_idf: bool) -> Self {
        self.settings.smooth_idf = smooth_idf;
        self
    }

    /// Whether to replace a count `tf` by `1 + ln(tf)`. Default: false.
    pub fn sublinear_tf(mut self, sublinear_tf: bool) -> Self {
        self.settings.sublinear_tf = sublinear_tf;
        self
    }

    /// Learns the idf of every column of the count matrix `x`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::NegativeValue`] for `x`;
    /// [`Error::InvalidParameter`] naming `smooth_idf` when, without smoothing, a column
    /// has no stored entry.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<TfidfTransformerModel> {
        let owned;
        let x = match x.into() {
            Features::Sparse(x) => x,
            Features::Dense(x) => {
                owned = sparse::csr_from_dense(x)?;
                owned.as_ref()
            }
        };
        check_counts(x)?;
        let idf = if self.settings.use_idf {
            let mut df = vec![0u64; x.ncols()];
            for i in 0..x.nrows() {
                for &j in x.col_idx_of_row_raw(i) {
                    df[j] += 1;
                }
            }
            Some(idf_of(&df, x.nrows(), self.settings.smooth_idf)?)
        } else {
            None
        };
        Ok(TfidfTransformerModel {
            settings: self.settings,
            n_features: x.ncols(),
            idf,
        })
    }

    /// Learns the idf of `x` and returns its TF-IDF matrix.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform<'a>(
        &self,
        x: impl Into<Features<'a>>,
    ) -> Result<(TfidfTransformerModel, Csr)> {
        let x = x.into();
        let model = self.fit(x)?;
        let out = model.transform(x)?;
        Ok((model, out))
    }
}

/// Checks a count matrix: non-empty, sorted, finite, non-negative.
fn check_counts(x: CsrRef<'_>) -> Result<()> {
    validate::csr(x)?;
    validate::csr_non_negative(x, "TfidfTransformer")
}

impl FitUnsupervised for TfidfTransformer {
    type Model = TfidfTransformerModel;

    fn fit(&self, x: Features<'_>) -> Result<TfidfTransformerModel> {
        TfidfTransformer::fit(self, x)
    }
}

impl ml_core::Fitted for TfidfTransformerModel {
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Transform for TfidfTransformerModel {
    type Output = Csr;

    fn transform(&self, x: Features<'_>) -> Result<Csr> {
        TfidfTransformerModel::transform(self, x)
    }
}

/// A fitted [`TfidfTransformer`]: the idf of every column and the weighting settings.
///
/// Saved and loaded with [`ml_core::persist`]; a file whose idf does not have one finite
/// value per feature is refused as corrupt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TransformerData", into = "TransformerData")]
pub struct TfidfTransformerModel {
    settings: TfidfSettings,
    n_features: usize,
    idf: Option<Vec<f64>>,
}

/// The serialised form of [`TfidfTransformerModel`], checked on load.
#[derive(Serialize, Deserialize)]
struct TransformerData {
    settings: TfidfSettings,
    n_features: usize,
    idf: Option<Vec<f64>>,
}

impl TryFrom<TransformerData> for TfidfTransformerModel {
    type Error = String;

    fn try_from(data: TransformerData) -> std::result::Result<Self, String> {
        if let Some(idf) = &data.idf
            && (idf.len() != data.n_features || idf.iter().any(|v| !v.is_finite()))
        {
            return Err(format!(
                "the idf does not have {} finite values",
                data.n_features
            ));
        }
        Ok(Self {
            settings: data.settings,
            n_features: data.n_features,
            idf: data.idf,
        })
    }
}

impl From<TfidfTransformerModel> for TransformerData {
    fn from(model: TfidfTransformerModel) -> Self {
        Self {
            settings: model.settings,
            n_features: model.n_features,
            idf: model.idf,
        }
    }
}

impl Persist for TfidfTransformerModel {
    const MODEL_NAME: &'static str = "ml_text::TfidfTransformerModel";
}

impl Invariants for TfidfTransformerModel {
    /// Decoding checks them already (the model deserializes through a `TryFrom` of
    /// its raw data), so a decoded model is valid.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

impl TfidfTransformerModel {
    /// The TF-IDF matrix of the count matrix `x` (same sparsity structure).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::NegativeValue`] for `x`;
    /// [`Error::ShapeMismatch`] when `x` does not have [`n_features_in`](Self::n_features_in)
    /// columns.
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Csr> {
        let owned;
        let x = match x.into() {
            Features::Sparse(x) => x,
            Features::Dense(x) => {
                owned = sparse::csr_from_dense(x)?;
                owned.as_ref()
            }
        };
        check_counts(x)?;
        if x.ncols() != self.n_features {
            return Err(Error::ShapeMismatch {
                what: "number of features",
                expected: self.n_features,
                got: x.ncols(),
            });
        }
        let weights = self.weights(false);
        const ROWS: usize = 256;
        let blocks: Vec<(Vec<usize>, Vec<usize>, Vec<f64>)> = (0..x.nrows().div_ceil(ROWS))
            .into_par_iter()
            .map(|b| {
                let mut lens = Vec::new();
                let mut cols = Vec::new();
                let mut vals = Vec::new();
                for i in b * ROWS..((b + 1) * ROWS).min(x.nrows()) {
                    let start = cols.len();
                    cols.extend_from_slice(x.col_idx_of_row_raw(i));
                    vals.extend_from_slice(x.val_of_row(i));
                    weights.apply(&cols[start..], &mut vals[start..]);
                    lens.push(cols.len() - start);
                }
                (lens, cols, vals)
            })
            .collect();
        let mut row_ptr = Vec::with_capacity(x.nrows() + 1);
        let mut col_idx = Vec::new();
        let mut values = Vec::new();
        row_ptr.push(0);
        for (lens, cols, vals) in blocks {
            for len in lens {
                row_ptr.push(row_ptr[row_ptr.len() - 1] + len);
            }
            col_idx.extend(cols);
            values.extend(vals);
        }
        let symbolic = faer::sparse::SymbolicSparseRowMat::new_unsorted_checked(
            x.nrows(),
            x.ncols(),
            row_ptr,
            None,
            col_idx,
        );
        Ok(faer::sparse::SparseRowMat::new(symbolic, values))
    }

    /// The idf of every column; empty when the model was fitted with `use_idf(false)`.
    pub fn idf(&self) -> &[f64] {
        self.idf.as_deref().unwrap_or(&[])
    }

    /// Number of columns the model was fitted on.
    pub fn n_features_in(&self) -> usize {
        self.n_features
    }

    fn weights(&self, binary: bool) -> Weights<'_> {
        Weights {
            binary,
            sublinear_tf: self.settings.sublinear_tf,
            idf: self.idf.as_deref(),
            norm: self.settings.norm,
        }
    }
}

/// Turns documents into TF-IDF weights: [`CountVectorizer`] followed by
/// [`TfidfTransformer`], in one pass over the counts.
///
/// Defaults are scikit-learn's: those of [`CountVectorizer`], plus
/// `norm = Some(Norm::L2)`, `use_idf = true`, `smooth_idf = true`, `sublinear_tf = false`.
///
/// ```
/// use ml_text::{Norm, TfidfVectorizer};
///
/// let docs = ["spam spam eggs", "eggs and ham", "ham"];
/// let (model, x) = TfidfVectorizer::new().norm(Some(Norm::L1)).fit_transform(&docs)?;
/// assert_eq!(model.vocabulary(), ["and", "eggs", "ham", "spam"]);
/// let l1: f64 = x.val_of_row(0).iter().sum();
/// assert!((l1 - 1.0).abs() < 1e-12);
/// // "spam" is in one document of three: idf = ln(4 / 2) + 1.
/// assert!((model.idf()[3] - (2f64.ln() + 1.0)).abs() < 1e-15);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TfidfVectorizer {
    counts: CountVectorizer,
    settings: TfidfSettings,
}

impl TfidfVectorizer {
    /// A vectoriser with scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to lowercase documents before tokenising. Default: true.
    pub fn lowercase(mut self, lowercase: bool) -> Self {
        self.counts = self.counts.lowercase(lowercase);
        self
    }

    /// The word n-grams to use, from `min_n` to `max_n` tokens; needs
    /// `1 <= min_n <= max_n <= 64`. Default: `(1, 1)`.
    pub fn ngram_range(mut self, min_n: usize, max_n: usize) -> Self {
        self.counts = self.counts.ngram_range(min_n, max_n);
        self
    }

    /// Drops terms found in fewer documents than this. Default: `Count(1)`.
    pub fn min_df(mut self, min_df: DocFrequency) -> Self {
        self.counts = self.counts.min_df(min_df);
        self
    }

    /// Drops terms found in more documents than this. Default: `Fraction(1.0)`.
    pub fn max_df(mut self, max_df: DocFrequency) -> Self {
        self.counts = self.counts.max_df(max_df);
        self
    }

    /// Keeps only this many terms, the most frequent in total count; ties go to the term
    /// that sorts first (see [`CountVectorizer::max_features`]). Default: `None`.
    pub fn max_features(mut self, max_features: Option<usize>) -> Self {
        self.counts = self.counts.max_features(max_features);
        self
    }

    /// Stop words to remove. Default: [`StopWords::None`].
    pub fn stop_words(mut self, stop_words: StopWords) -> Self {
        self.counts = self.counts.stop_words(stop_words);
        self
    }

    /// Whether to use presence (1) instead of counts as tf. Default: false.
    pub fn binary(mut self, binary: bool) -> Self {
        self.counts = self.counts.binary(binary);
        self
    }

    /// The norm each row is scaled to, or `None`. Default: `Some(Norm::L2)`.
    pub fn norm(mut self, norm: Option<Norm>) -> Self {
        self.settings.norm = norm;
        self
    }

    /// Whether to weight by inverse document frequency. Default: true.
    pub fn use_idf(mut self, use_idf: bool) -> Self {
        self.settings.use_idf = use_idf;
        self
    }

    /// Whether to smooth the idf by one extra document holding every term. Default: true.
    pub fn smooth_idf(mut self, smooth_idf: bool) -> Self {
        self.settings.smooth_idf = smooth_idf;
        self
    }

    /// Whether to replace a count `tf` by `1 + ln(tf)`. Default: false.
    pub fn sublinear_tf(mut self, sublinear_tf: bool) -> Self {
        self.settings.sublinear_tf = sublinear_tf;
        self
    }

    /// The terms this vectoriser's analysis makes of `doc`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an invalid `ngram_range`.
    pub fn analyze(&self, doc: &str) -> Result<Vec<String>> {
        self.counts.analyze(doc)
    }

    /// Learns the vocabulary and idf of `docs`.
    ///
    /// # Errors
    /// As [`CountVectorizer::fit`].
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<TfidfVectorizerModel> {
        let fitted = self.counts.discover(docs)?;
        let idf = self.idf(&fitted.df, fitted.n_docs)?;
        Ok(self.model(fitted.vocabulary(), idf))
    }

    /// Learns the vocabulary and idf of `docs` and returns their TF-IDF matrix.
    ///
    /// # Errors
    /// As [`CountVectorizer::fit`].
    pub fn fit_transform<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
    ) -> Result<(TfidfVectorizerModel, Csr)> {
        let fitted = self.counts.discover(docs)?;
        self.model_and_matrix(fitted)
    }

    /// Learns the vocabulary and idf of documents from any iterator (read in batches).
    ///
    /// # Errors
    /// As [`CountVectorizer::fit`].
    pub fn fit_iter<I, S>(&self, docs: I) -> Result<TfidfVectorizerModel>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        let fitted = self.counts.discover_iter(docs)?;
        let idf = self.idf(&fitted.df, fitted.n_docs)?;
        Ok(self.model(fitted.vocabulary(), idf))
    }

    /// Learns the vocabulary and idf of documents from any iterator and returns their
    /// TF-IDF matrix.
    ///
    /// # Errors
    /// As [`CountVectorizer::fit`].
    pub fn fit_transform_iter<I, S>(&self, docs: I) -> Result<(TfidfVectorizerModel, Csr)>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        let fitted = self.counts.discover_iter(docs)?;
        self.model_and_matrix(fitted)
    }

    fn idf(&self, df: &[u64], n_docs: usize) -> Result<Option<Vec<f64>>> {
        if self.settings.use_idf {
            // Every vocabulary term has df >= 1, so this cannot fail.
            idf_of(df, n_docs, self.settings.smooth_idf).map(Some)
        } else {
            Ok(None)
        }
    }

    fn model_and_matrix(&self, fitted: Fitted) -> Result<(TfidfVectorizerModel, Csr)> {
        let idf = self.idf(&fitted.df, fitted.n_docs)?;
        let weights = Weights {
            binary: self.counts.is_binary(),
            sublinear_tf: self.settings.sublinear_tf,
            idf: idf.as_deref(),
            norm: self.settings.norm,
        };
        let (x, vocabulary) = fitted.matrix_and_vocabulary(&weights);
        Ok((self.model(vocabulary, idf), x))
    }

    fn model(&self, vocabulary: Vec<String>, idf: Option<Vec<f64>>) -> TfidfVectorizerModel {
        let n_features = vocabulary.len();
        TfidfVectorizerModel {
            counts: self.counts.model(vocabulary),
            tfidf: TfidfTransformerModel {
                settings: self.settings,
                n_features,
                idf,
            },
        }
    }
}

/// A fitted [`TfidfVectorizer`]: vocabulary, idf and settings.
///
/// Saved and loaded with [`ml_core::persist`]; a file whose parts disagree on the number
/// of features is refused as corrupt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "VectorizerData", into = "VectorizerData")]
pub struct TfidfVectorizerModel {
    counts: CountVectorizerModel,
    tfidf: TfidfTransformerModel,
}

/// The serialised form of [`TfidfVectorizerModel`], checked on load.
#[derive(Serialize, Deserialize)]
struct VectorizerData {
    counts: CountVectorizerModel,
    tfidf: TfidfTransformerModel,
}

impl TryFrom<VectorizerData> for TfidfVectorizerModel {
    type Error = String;

    fn try_from(data: VectorizerData) -> std::result::Result<Self, String> {
        if data.counts.n_features_in() != data.tfidf.n_features {
            return Err(format!(
                "{} vocabulary terms but {} idf features",
                data.counts.n_features_in(),
                data.tfidf.n_features
            ));
        }
        Ok(Self {
            counts: data.counts,
            tfidf: data.tfidf,
        })
    }
}

impl From<TfidfVectorizerModel> for VectorizerData {
    fn from(model: TfidfVectorizerModel) -> Self {
        Self {
            counts: model.counts,
            tfidf: model.tfidf,
        }
    }
}

impl Persist for TfidfVectorizerModel {
    const MODEL_NAME: &'static str = "ml_text::TfidfVectorizerModel";
}

impl Invariants for TfidfVectorizerModel {
    /// Decoding checks them already (the model deserializes through a `TryFrom` of
    /// its raw data), so a decoded model is valid.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

impl TfidfVectorizerModel {
    /// The TF-IDF matrix of `docs` over the fitted vocabulary and idf.
    ///
    /// # Errors
    /// None in practice (settings were checked at fit time); the `Result` keeps the
    /// signature uniform with the other transforms.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Csr> {
        Ok(self
            .counts
            .transform_weighted(docs, &self.tfidf.weights(self.counts_binary())))
    }

    /// As [`transform`](Self::transform), for documents from any iterator.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn transform_iter<I, S>(&self, docs: I) -> Result<Csr>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        Ok(self
            .counts
            .transform_iter_weighted(docs, &self.tfidf.weights(self.counts_binary())))
    }

    /// The term of every column, sorted.
    pub fn vocabulary(&self) -> &[String] {
        self.counts.vocabulary()
    }

    /// The column of `term`, if it is in the vocabulary.
    pub fn index_of(&self, term: &str) -> Option<usize> {
        self.counts.index_of(term)
    }

    /// Number of columns (vocabulary terms).
    pub fn n_features_in(&self) -> usize {
        self.counts.n_features_in()
    }

    /// The idf of every column; empty when fitted with `use_idf(false)`.
    pub fn idf(&self) -> &[f64] {
        self.tfidf.idf()
    }

    /// The counting half of the model (vocabulary and analysis).
    pub fn count_model(&self) -> &CountVectorizerModel {
        &self.counts
    }

    /// The weighting half of the model (idf and settings).
    pub fn transformer(&self) -> &TfidfTransformerModel {
        &self.tfidf
    }

    fn counts_binary(&self) -> bool {
        self.counts.is_binary()
    }
}
