//! Latent semantic analysis ([`Lsa`]): TF-IDF → truncated SVD → L2 row
//! normalisation, scikit-learn's recipe (`make_pipeline(TfidfVectorizer(),
//! TruncatedSVD(100), Normalizer(copy=False))` in its document-clustering example).
//!
//! Each component of the SVD is a *latent concept*: a direction in term space whose
//! largest weights name it ([`LsaModel::top_terms`]). Documents are represented by
//! their coordinates on the concepts, scaled to unit length so that cosine similarity
//! is a dot product.
//!
//! Two ways in, one model type:
//!
//! - [`Lsa::fit`] / [`Lsa::fit_transform`] take the texts and build the TF-IDF matrix
//!   with [`ml_text::TfidfVectorizer`]; the model keeps the fitted vectoriser, so
//!   [`LsaModel::transform`] takes texts too.
//! - [`Lsa::fit_tfidf`] takes a TF-IDF (or any term-weight) matrix already built,
//!   dense or CSR, with its vocabulary (one term per column); that model has no
//!   vectoriser and transforms matrices only, with [`LsaModel::transform_tfidf`]
//!   (which every model has).

use faer::{Mat, MatRef};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, Fitted, Result, Transform};
use ml_text::{TfidfVectorizer, TfidfVectorizerModel};
use serde::{Deserialize, Serialize};

use crate::truncated_svd::{TruncatedSvd, TruncatedSvdModel};

/// Latent semantic analysis: TF-IDF, truncated SVD, L2-normalised document rows.
///
/// Defaults: scikit-learn's `TfidfVectorizer()` and `TruncatedSVD(n_components)` (randomized,
/// 5 power iterations, seed 0).
///
/// ```
/// use ml_decomp::lsa::Lsa;
///
/// let docs = [
///     "the cat sat on the mat",
///     "a cat and a kitten",
///     "stocks fell on the market",
///     "the market rallied and stocks rose",
/// ];
/// let (model, z) = Lsa::new(2).fit_transform(&docs)?;
/// assert_eq!((z.nrows(), z.ncols()), (4, 2));
/// // Rows are unit vectors.
/// let norm = (z[(0, 0)].powi(2) + z[(0, 1)].powi(2)).sqrt();
/// assert!((norm - 1.0).abs() < 1e-12);
/// let terms: Vec<&str> = model.top_terms(0, 3)?.iter().map(|t| t.0).collect();
/// assert_eq!(terms.len(), 3);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "LSA")]
#[derive(Debug, Clone, PartialEq)]
pub struct Lsa {
    vectorizer: TfidfVectorizer,
    svd: TruncatedSvd,
}

impl Default for Lsa {
    fn default() -> Self {
        Self::new(100)
    }
}

impl Lsa {
    /// LSA with `n_components` latent concepts. [`Default`] uses 100, the common choice
    /// for LSA (scikit-learn's `TruncatedSVD` itself defaults to 2).
    pub fn new(n_components: usize) -> Self {
        Self {
            vectorizer: TfidfVectorizer::new(),
            svd: TruncatedSvd::new(n_components),
        }
    }

    /// The TF-IDF vectoriser. Default: `TfidfVectorizer::new()` (scikit-learn's).
    pub fn vectorizer(mut self, vectorizer: TfidfVectorizer) -> Self {
        self.vectorizer = vectorizer;
        self
    }

    /// The truncated SVD (its `n_components` is the number of concepts). Default:
    /// `TruncatedSvd::new(n_components)`.
    pub fn svd(mut self, svd: TruncatedSvd) -> Self {
        self.svd = svd;
        self
    }

    /// Fits the concepts of `docs`.
    ///
    /// # Errors
    /// The vectoriser's errors (an empty vocabulary above all), then those of
    /// [`TruncatedSvd::fit`] (more concepts than documents or terms).
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<LsaModel> {
        Ok(self.fit_transform(docs)?.0)
    }

    /// Fits the concepts of `docs` and returns the normalised document-concept matrix.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<(LsaModel, Mat<f64>)> {
        let (vectorizer, tfidf) = self.vectorizer.fit_transform(docs)?;
        let vocabulary = vectorizer.vocabulary().to_vec();
        let (mut model, z) = self.fit_matrix(Features::from(&tfidf), vocabulary)?;
        model.vectorizer = Some(vectorizer);
        Ok((model, z))
    }

    /// Fits the concepts of a term-weight matrix `x` (dense or CSR, one row per
    /// document, one column per term of `vocabulary`), e.g. a TF-IDF matrix built
    /// elsewhere; this estimator's vectoriser is not used. The model then transforms
    /// matrices only ([`LsaModel::transform_tfidf`]).
    ///
    /// ```
    /// use ml_decomp::lsa::Lsa;
    /// use ml_text::TfidfVectorizer;
    ///
    /// let docs = ["cats and dogs", "dogs and birds", "stocks and bonds", "bonds fell"];
    /// let (vectorizer, tfidf) = TfidfVectorizer::new().fit_transform(&docs)?;
    /// let model = Lsa::new(2).fit_tfidf(&tfidf, vectorizer.vocabulary())?;
    /// assert_eq!(model.transform_tfidf(&tfidf)?.ncols(), 2);
    /// assert!(model.transform(&docs).is_err()); // no vectoriser in this model
    /// # Ok::<(), ml_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `vocabulary` does not name every column; the errors
    /// of [`TruncatedSvd::fit`].
    pub fn fit_tfidf<'a, S: AsRef<str>>(
        &self,
        x: impl Into<Features<'a>>,
        vocabulary: &[S],
    ) -> Result<LsaModel> {
        let vocabulary = vocabulary.iter().map(|t| t.as_ref().to_owned()).collect();
        Ok(self.fit_matrix(x.into(), vocabulary)?.0)
    }

    fn fit_matrix(
        &self,
        tfidf: Features<'_>,
        vocabulary: Vec<String>,
    ) -> Result<(LsaModel, Mat<f64>)> {
        if vocabulary.len() != tfidf.ncols() {
            return Err(Error::ShapeMismatch {
                what: "vocabulary length (columns of the term matrix)",
                expected: tfidf.ncols(),
                got: vocabulary.len(),
            });
        }
        let (svd, mut z) = self.svd.fit_transform(tfidf)?;
        normalize_rows(&mut z);
        Ok((
            LsaModel {
                vectorizer: None,
                svd,
                vocabulary,
            },
            z,
        ))
    }
}

/// Scales every row to unit Euclidean length; all-zero rows stay zero (scikit-learn's
/// `Normalizer`).
fn normalize_rows(z: &mut Mat<f64>) {
    let mut norms = vec![0.0f64; z.nrows()];
    for j in 0..z.ncols() {
        for (n, v) in norms.iter_mut().zip(z.col(j).iter()) {
            *n += v * v;
        }
    }
    for j in 0..z.ncols() {
        for (v, n) in z.col_mut(j).iter_mut().zip(&norms) {
            if *n > 0.0 {
                *v /= n.sqrt();
            }
        }
    }
}

/// A fitted [`Lsa`]: the vectoriser (when fitted on texts), the SVD and the vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsaModel {
    vectorizer: Option<TfidfVectorizerModel>,
    svd: TruncatedSvdModel,
    vocabulary: Vec<String>,
}

impl Persist for LsaModel {
    const MODEL_NAME: &'static str = "ml_decomp::LsaModel";
}

impl Invariants for LsaModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        self.svd.check_invariants()?;
        inv::len(
            "vocabulary",
            self.vocabulary.len(),
            self.svd.n_features_in(),
        )?;
        if let Some(v) = &self.vectorizer {
            v.check_invariants()?;
            inv::ensure(v.vocabulary() == self.vocabulary.as_slice(), || {
                "the vectoriser's vocabulary is not the model's".to_owned()
            })?;
        }
        Ok(())
    }
}

impl LsaModel {
    /// The fitted vectoriser, when the model was fitted on texts.
    pub fn vectorizer(&self) -> Option<&TfidfVectorizerModel> {
        self.vectorizer.as_ref()
    }

    /// The fitted truncated SVD (its components are the concepts).
    pub fn svd(&self) -> &TruncatedSvdModel {
        &self.svd
    }

    /// The concepts, one row per concept, one column per term.
    pub fn concepts(&self) -> MatRef<'_, f64> {
        self.svd.components()
    }

    /// The number of concepts.
    pub fn n_components(&self) -> usize {
        self.svd.n_components()
    }

    /// The number of terms (columns of the term-weight matrix) seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.svd.n_features_in()
    }

    /// The terms, in column order.
    pub fn vocabulary(&self) -> &[String] {
        &self.vocabulary
    }

    /// The `n` terms of largest weight in `concept`, by decreasing weight (ties by
    /// column order), with their weights: the concept's name.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `concept` is not below
    /// [`n_components`](Self::n_components).
    pub fn top_terms(&self, concept: usize, n: usize) -> Result<Vec<(&str, f64)>> {
        if concept >= self.n_components() {
            return Err(Error::invalid_parameter(
                "concept",
                concept,
                "below the number of components",
            ));
        }
        let row = self.concepts().row(concept);
        let mut order: Vec<usize> = (0..row.ncols()).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
        Ok(order
            .into_iter()
            .take(n)
            .map(|j| (self.vocabulary[j].as_str(), row[j]))
            .collect())
    }

    /// The normalised concept coordinates of `docs`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the `"model"` when it was fitted by
    /// [`Lsa::fit_tfidf`] (it has no vectoriser); the vectoriser's errors.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Mat<f64>> {
        let v = self.vectorizer.as_ref().ok_or_else(|| {
            Error::invalid_data(
                "model",
                "fitted on a term matrix (Lsa::fit_tfidf), it has no vectoriser to read \
                 texts: use transform_tfidf",
            )
        })?;
        self.transform_tfidf(&v.transform(docs)?)
    }

    /// The normalised concept coordinates of the rows of a term-weight matrix `x`
    /// (dense or CSR, one column per term of the [`vocabulary`](Self::vocabulary)).
    ///
    /// # Errors
    /// As [`TruncatedSvdModel::transform`].
    pub fn transform_tfidf<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let mut z = self.svd.transform(x)?;
        normalize_rows(&mut z);
        Ok(z)
    }
}

impl Fitted for LsaModel {
    /// The number of terms (columns of the term-weight matrix).
    fn n_features_in(&self) -> usize {
        self.svd.n_features_in()
    }
}

/// Transforms term-weight matrices ([`LsaModel::transform_tfidf`]), e.g. the output of
/// a TF-IDF step in a pipeline.
impl Transform for LsaModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        self.transform_tfidf(x)
    }
}
