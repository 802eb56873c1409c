//! Latent Dirichlet allocation: [`LatentDirichletAllocation`], fitted by batch or
//! online variational Bayes (Hoffman, Blei & Bach, 2010), as scikit-learn 1.9's
//! `LatentDirichletAllocation`.
//!
//! A document is a row of word counts. The model has `K` topics; topic `k` is a
//! distribution over the vocabulary with variational Dirichlet parameters `λₖ`
//! ([`components`](LatentDirichletAllocationModel::components)), and each document
//! mixes topics with variational parameters `γ_d`.
//!
//! - **E-step** (per document, only over its non-zero words): starting from `γ_d`,
//!   iterate `φ_dw ∝ exp E[log θ_d] · exp E[log β_w]` and
//!   `γ_d = α + exp E[log θ_d] ⊙ Σ_w c_dw exp E[log β_w] / φ_dw`
//!   until the mean absolute change of `γ_d` is below `mean_change_tol` or
//!   `max_doc_update_iter` passes ran. During fitting `γ_d` starts from
//!   Gamma(100, 1/100) draws; in `transform` from ones.
//! - **M-step**: batch `λ = η + S`, online `λ ← (1 − ρ) λ + ρ (η + (D/|B|) S)` with
//!   `ρ = (learning_offset + t)^(−learning_decay)`, where `S` are the expected
//!   sufficient statistics of the E-step.
//!
//! The E-step runs in parallel over fixed blocks of documents. Each block draws its
//! own random start from a stream of [`ml_core::rng`] keyed by the seed, the
//! mini-batch counter and the block, and the blocks' sufficient statistics are summed
//! in block order, so a fit gives the same model on any number of threads.
//!
//! `λ` starts from Gamma(100, 1/100) draws as in scikit-learn, but from this library's
//! generator, so a fit from the same seed is not scikit-learn's fit: it reaches the
//! same perplexity (within 2% on the SMS messages) with other topics. Given the same
//! components ([`LatentDirichletAllocation::model_from_components`]), `transform`,
//! `perplexity` and `score` agree with scikit-learn's to about 10⁻¹²: the digamma
//! function follows the same rule as scikit-learn's (see `special`).

use std::ops::Range;

use faer::{Mat, MatRef};
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::{self, Csr, CsrRef};
use ml_core::{
    Error, Features, FitUnsupervised, Fitted, PartialFit, Result, Transform, rng, validate,
};
use rand_distr::{Distribution, Gamma};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use ml_core::kernels::{digamma, ln_gamma, ordered_block_reduce};

/// Documents per parallel task and per random stream of the E-step; fixed, so results
/// do not depend on the number of threads.
const DOC_BLOCK: usize = 64;

/// Most sufficient-statistics accumulators of one E-step (each is vocabulary × topics).
const MAX_ACCUMULATORS: usize = 16;

/// Bytes all accumulators of one E-step may take together.
const ACCUMULATOR_BYTES: usize = 256 << 20;

/// Added to every `φ` normaliser, as scikit-learn does (machine epsilon).
const EPS: f64 = f64::EPSILON;

/// How the topics are updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LdaLearningMethod {
    /// Every iteration runs the E-step on all documents, then sets `λ = η + S`
    /// (scikit-learn's `'batch'`, the default).
    Batch,
    /// Every iteration walks the documents in mini-batches of `batch_size`, updating
    /// `λ` after each with weight `ρ = (learning_offset + t)^(−learning_decay)`
    /// (scikit-learn's `'online'`).
    Online,
}

/// Latent Dirichlet allocation, as scikit-learn 1.9's `LatentDirichletAllocation`.
///
/// Input is a document × word matrix of non-negative counts, dense or CSR (a dense
/// matrix is read through its CSR form, so both give the same model bit for bit).
///
/// ```
/// use faer::mat;
/// use ml_decomp::lda::LatentDirichletAllocation;
///
/// // Two kinds of documents: words 0-2 and words 3-5.
/// let counts = mat![
///     [3.0, 2.0, 1.0, 0.0, 0.0, 0.0],
///     [2.0, 3.0, 2.0, 0.0, 0.0, 1.0],
///     [0.0, 0.0, 1.0, 3.0, 2.0, 2.0],
///     [0.0, 0.0, 0.0, 2.0, 3.0, 3.0],
/// ];
/// let model = LatentDirichletAllocation::new(2).max_iter(50).seed(0).fit(counts.as_ref())?;
/// let doc_topic = model.transform(counts.as_ref())?;
/// for i in 0..4 {
///     assert!((doc_topic[(i, 0)] + doc_topic[(i, 1)] - 1.0).abs() < 1e-12);
/// }
/// // The first two documents share their main topic, the last two the other one.
/// let main = |i: usize| usize::from(doc_topic[(i, 1)] > doc_topic[(i, 0)]);
/// assert_eq!(main(0), main(1));
/// assert_eq!(main(2), main(3));
/// assert_ne!(main(0), main(2));
/// let vocabulary = ["ball", "goal", "team", "vote", "law", "party"];
/// let top = model.top_terms(2, &vocabulary)?;
/// assert_eq!(top.len(), 2);
/// assert!(model.perplexity(counts.as_ref())? > 1.0);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "LDA")]
#[derive(Debug, Clone, PartialEq)]
pub struct LatentDirichletAllocation {
    n_components: usize,
    doc_topic_prior: Option<f64>,
    topic_word_prior: Option<f64>,
    learning_method: LdaLearningMethod,
    learning_decay: f64,
    learning_offset: f64,
    max_iter: usize,
    batch_size: usize,
    evaluate_every: usize,
    total_samples: f64,
    perp_tol: f64,
    mean_change_tol: f64,
    max_doc_update_iter: usize,
    seed: u64,
}

impl Default for LatentDirichletAllocation {
    /// Ten topics, as scikit-learn's default.
    fn default() -> Self {
        Self::new(10)
    }
}

/// The E-step's fixed inputs.
struct EStep<'a> {
    /// `exp E[log β]`, word-major: entry `w · K + k`.
    exp_beta: &'a [f64],
    k: usize,
    alpha: f64,
    max_iter: usize,
    tol: f64,
}

/// How the E-step starts `γ`.
#[derive(Clone, Copy)]
enum GammaStart {
    /// Ones (`transform`, `perplexity`, `score`).
    Ones,
    /// Gamma(100, 1/100) draws from streams keyed by (seed, mini-batch counter).
    Random { seed: u64, batch: u64 },
}

/// Training state: `λ` and `exp E[log β]`, word-major.
struct Topics {
    k: usize,
    v: usize,
    lambda: Vec<f64>,
    exp_beta: Vec<f64>,
}

impl Topics {
    fn from_components(c: MatRef<'_, f64>) -> Self {
        let (k, v) = (c.nrows(), c.ncols());
        let mut lambda = vec![0.0; k * v];
        for t in 0..k {
            for w in 0..v {
                lambda[w * k + t] = c[(t, w)];
            }
        }
        let mut topics = Self {
            k,
            v,
            lambda,
            exp_beta: vec![0.0; k * v],
        };
        topics.refresh();
        topics
    }

    /// `exp(ψ(λ_kw) − ψ(Σ_w λ_kw))`.
    fn refresh(&mut self) {
        let psi_totals = self.psi_row_totals();
        let k = self.k;
        self.exp_beta
            .par_chunks_mut(k * 512)
            .zip(self.lambda.par_chunks(k * 512))
            .for_each(|(e, l)| {
                for (ew, lw) in e.chunks_exact_mut(k).zip(l.chunks_exact(k)) {
                    for t in 0..k {
                        ew[t] = (digamma(lw[t]) - psi_totals[t]).exp();
                    }
                }
            });
    }

    /// `ψ(Σ_w λ_kw)` for every topic.
    fn psi_row_totals(&self) -> Vec<f64> {
        let mut totals = vec![0.0; self.k];
        for lw in self.lambda.chunks_exact(self.k) {
            for (t, &l) in totals.iter_mut().zip(lw) {
                *t += l;
            }
        }
        totals.into_iter().map(digamma).collect()
    }

    fn to_mat(&self, wm: &[f64]) -> Mat<f64> {
        Mat::from_fn(self.k, self.v, |t, w| wm[w * self.k + t])
    }
}

/// Fits, transforms and scores in one place for the estimator and the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Settings {
    alpha: f64,
    eta: f64,
    learning_decay: f64,
    learning_offset: f64,
    batch_size: usize,
    total_samples: f64,
    mean_change_tol: f64,
    max_doc_update_iter: usize,
    seed: u64,
}

impl LatentDirichletAllocation {
    /// An estimator with `n_components` topics and scikit-learn's defaults for
    /// everything else.
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components,
            doc_topic_prior: None,
            topic_word_prior: None,
            learning_method: LdaLearningMethod::Batch,
            learning_decay: 0.7,
            learning_offset: 10.0,
            max_iter: 10,
            batch_size: 128,
            evaluate_every: 0,
            total_samples: 1e6,
            perp_tol: 0.1,
            mean_change_tol: 1e-3,
            max_doc_update_iter: 100,
            seed: 0,
        }
    }

    /// The number of topics `K`. Default: 10 (through [`Default`]).
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = n_components;
        self
    }

    /// The prior `α` of every document's topic mixture, in (0, 1]; `None` means
    /// `1 / n_components`. Default: `None`.
    pub fn doc_topic_prior(mut self, prior: Option<f64>) -> Self {
        self.doc_topic_prior = prior;
        self
    }

    /// The prior `η` of every topic's word distribution, in (0, 1]; `None` means
    /// `1 / n_components`. Default: `None`.
    pub fn topic_word_prior(mut self, prior: Option<f64>) -> Self {
        self.topic_word_prior = prior;
        self
    }

    /// Batch or online variational Bayes. Default: [`LdaLearningMethod::Batch`].
    pub fn learning_method(mut self, method: LdaLearningMethod) -> Self {
        self.learning_method = method;
        self
    }

    /// The exponent κ of the online step size `ρ = (τ + t)^(−κ)`, in [0, 1] (online
    /// learning and `partial_fit`). Default: 0.7.
    pub fn learning_decay(mut self, decay: f64) -> Self {
        self.learning_decay = decay;
        self
    }

    /// The offset τ ≥ 1 of the online step size, which down-weights the first
    /// mini-batches. Default: 10.
    pub fn learning_offset(mut self, offset: f64) -> Self {
        self.learning_offset = offset;
        self
    }

    /// The number of passes over the data (EM iterations) of `fit`. Default: 10. At most
    /// 100 000 (`fit` stops early only when `evaluate_every` is set, so a huge count
    /// would run for days; scikit-learn has no bound).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Documents per mini-batch of online learning and `partial_fit`. Default: 128.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Compute the perplexity every this many iterations of `fit` and stop once it
    /// changes by less than `perp_tol`; 0 never does (scikit-learn's −1).
    /// Default: 0.
    pub fn evaluate_every(mut self, every: usize) -> Self {
        self.evaluate_every = every;
        self
    }

    /// The total number of documents `D` that `partial_fit` scales each mini-batch's
    /// statistics to. Default: 10⁶.
    pub fn total_samples(mut self, total: f64) -> Self {
        self.total_samples = total;
        self
    }

    /// The perplexity change that stops `fit` when `evaluate_every > 0`. Default: 0.1.
    pub fn perp_tol(mut self, tol: f64) -> Self {
        self.perp_tol = tol;
        self
    }

    /// The mean absolute change of `γ_d` that ends a document's E-step. Default: 10⁻³.
    pub fn mean_change_tol(mut self, tol: f64) -> Self {
        self.mean_change_tol = tol;
        self
    }

    /// The most E-step passes per document. Default: 100.
    pub fn max_doc_update_iter(mut self, max_iter: usize) -> Self {
        self.max_doc_update_iter = max_iter;
        self
    }

    /// The seed of the initial topics and of the E-step's random starts. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn settings(&self) -> Result<Settings> {
        validate::at_least("n_components", self.n_components, 1, ">= 1")?;
        let k = self.n_components as f64;
        let prior = |name, p: Option<f64>| -> Result<f64> {
            match p {
                None => Ok(1.0 / k),
                Some(v) if v > 0.0 && v <= 1.0 => Ok(v),
                Some(v) => Err(Error::invalid_parameter(name, v, "in (0, 1] or None")),
            }
        };
        let alpha = prior("doc_topic_prior", self.doc_topic_prior)?;
        let eta = prior("topic_word_prior", self.topic_word_prior)?;
        validate::in_closed_range("learning_decay", self.learning_decay, 0.0, 1.0, "in [0, 1]")?;
        if !(self.learning_offset >= 1.0 && self.learning_offset.is_finite()) {
            return Err(Error::invalid_parameter(
                "learning_offset",
                self.learning_offset,
                "a finite value >= 1",
            ));
        }
        validate::at_least("batch_size", self.batch_size, 1, ">= 1")?;
        validate::at_most("max_iter", self.max_iter, 100_000, "at most 100 000 passes")?;
        validate::positive("total_samples", self.total_samples)?;
        validate::non_negative_param("perp_tol", self.perp_tol)?;
        validate::non_negative_param("mean_change_tol", self.mean_change_tol)?;
        Ok(Settings {
            alpha,
            eta,
            learning_decay: self.learning_decay,
            learning_offset: self.learning_offset,
            batch_size: self.batch_size,
            total_samples: self.total_samples,
            mean_change_tol: self.mean_change_tol,
            max_doc_update_iter: self.max_doc_update_iter,
            seed: self.seed,
        })
    }

    /// Fits the topics to counts `x` (one row per document), dense or CSR.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a hyper-parameter out of range,
    /// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::NegativeValue`].
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<LatentDirichletAllocationModel> {
        let settings = self.settings()?;
        let x = counts(x.into(), None)?;
        self.fit_checked(x.as_ref(), settings)
    }

    /// Starts online learning from one mini-batch of counts (dense or CSR): initial
    /// topics from the seed, then one update per `batch_size` documents, as
    /// scikit-learn's first `partial_fit` call. Continue with
    /// [`LatentDirichletAllocationModel::partial_fit`].
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn partial_fit<'a>(
        &self,
        x: impl Into<Features<'a>>,
    ) -> Result<LatentDirichletAllocationModel> {
        let settings = self.settings()?;
        let x = counts(x.into(), None)?;
        self.check_topic_size(x.as_ref().ncols())?;
        let mut model = self.initial_model(x.as_ref().ncols(), settings);
        model.partial_fit_checked(x.as_ref());
        validate::fitted("LatentDirichletAllocation", model)
    }

    /// A model with the given topic-word parameters `λ` (`n_components` × vocabulary,
    /// scikit-learn's `components_`) and this estimator's other settings, as if it had
    /// been fitted to them: `transform`, `perplexity` and `score` then agree with
    /// scikit-learn's on a model with the same `components_`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] when the number of rows is not
    /// `n_components`, [`Error::NonFinite`], or [`Error::InvalidParameter`] for an
    /// entry that is not positive, and the errors of invalid hyper-parameters.
    pub fn model_from_components(
        &self,
        components: MatRef<'_, f64>,
    ) -> Result<LatentDirichletAllocationModel> {
        let settings = self.settings()?;
        validate::matrix(components)?;
        if components.nrows() != self.n_components {
            return Err(Error::ShapeMismatch {
                what: "rows of components (n_components)",
                expected: self.n_components,
                got: components.nrows(),
            });
        }
        for j in 0..components.ncols() {
            for i in 0..components.nrows() {
                if components[(i, j)] <= 0.0 {
                    return Err(Error::invalid_parameter(
                        "components",
                        components[(i, j)],
                        "positive entries",
                    ));
                }
            }
        }
        let topics = Topics::from_components(components);
        Ok(LatentDirichletAllocationModel::from_topics(
            &topics, settings, 0, 1, None,
        ))
    }

    /// The topic-word matrices (`n_components × v`, three of them while learning) fit
    /// in memory.
    fn check_topic_size(&self, v: usize) -> Result<()> {
        validate::allocatable::<f64>(
            "the topic-word matrices",
            self.n_components.saturating_mul(v).saturating_mul(3),
        )
    }

    fn initial_topics(&self, v: usize, seed: u64) -> Topics {
        let k = self.n_components;
        let gamma = Gamma::new(100.0, 0.01).expect("valid Gamma parameters");
        let mut r = rng::for_stream(seed, u64::MAX);
        let draws: Vec<f64> = (0..k * v).map(|_| gamma.sample(&mut r)).collect();
        // Drawn topic by topic, as scikit-learn's `components_` (K × V, row-major).
        let mut lambda = vec![0.0; k * v];
        for t in 0..k {
            for w in 0..v {
                lambda[w * k + t] = draws[t * v + w];
            }
        }
        let mut topics = Topics {
            k,
            v,
            lambda,
            exp_beta: vec![0.0; k * v],
        };
        topics.refresh();
        topics
    }

    fn initial_model(&self, v: usize, settings: Settings) -> LatentDirichletAllocationModel {
        let topics = self.initial_topics(v, settings.seed);
        LatentDirichletAllocationModel::from_topics(&topics, settings, 0, 1, None)
    }

    fn fit_checked(
        &self,
        x: CsrRef<'_>,
        settings: Settings,
    ) -> Result<LatentDirichletAllocationModel> {
        let n = x.nrows();
        self.check_topic_size(x.ncols())?;
        let mut topics = self.initial_topics(x.ncols(), settings.seed);
        let mut n_batch_iter = 1usize;
        let mut n_iter = 0usize;
        let mut last_bound: Option<f64> = None;
        for i in 0..self.max_iter {
            match self.learning_method {
                LdaLearningMethod::Online => {
                    let mut start = 0;
                    while start < n {
                        let end = (start + settings.batch_size).min(n);
                        em_step(
                            x,
                            start..end,
                            &mut topics,
                            &settings,
                            n as f64,
                            false,
                            n_batch_iter,
                        );
                        n_batch_iter += 1;
                        start = end;
                    }
                }
                LdaLearningMethod::Batch => {
                    em_step(
                        x,
                        0..n,
                        &mut topics,
                        &settings,
                        n as f64,
                        true,
                        n_batch_iter,
                    );
                    n_batch_iter += 1;
                }
            }
            if self.evaluate_every > 0 && (i + 1) % self.evaluate_every == 0 {
                let bound = perplexity_of(x, &topics, &settings);
                if last_bound
                    .is_some_and(|last| last != 0.0 && (last - bound).abs() < self.perp_tol)
                {
                    break;
                }
                last_bound = Some(bound);
            }
            n_iter += 1;
        }
        // All-zero counts have no perplexity per word (0 / 0): recorded as none.
        let bound = Some(perplexity_of(x, &topics, &settings)).filter(|b| b.is_finite());
        validate::fitted(
            "LatentDirichletAllocation",
            LatentDirichletAllocationModel::from_topics(
                &topics,
                settings,
                n_iter,
                n_batch_iter,
                bound,
            ),
        )
    }
}

/// Counts, borrowed as CSR or converted from dense.
enum Counts<'a> {
    Borrowed(CsrRef<'a>),
    Owned(Csr),
}

impl Counts<'_> {
    fn as_ref(&self) -> CsrRef<'_> {
        match self {
            Counts::Borrowed(x) => *x,
            Counts::Owned(x) => x.as_ref(),
        }
    }
}

/// Counts checked (non-empty, finite, non-negative, and `n_features` columns when
/// given), dense ones converted to CSR: every path of the model reads CSR.
fn counts(x: Features<'_>, n_features: Option<usize>) -> Result<Counts<'_>> {
    match x {
        Features::Dense(x) => {
            match n_features {
                Some(n) => validate::matrix_with_features(x, n)?,
                None => validate::matrix(x)?,
            }
            validate::non_negative(x, "LatentDirichletAllocation")?;
            Ok(Counts::Owned(sparse::csr_from_dense(x)?))
        }
        Features::Sparse(x) => {
            validate::csr(x)?;
            validate::csr_non_negative(x, "LatentDirichletAllocation")?;
            if let Some(n) = n_features {
                validate::n_features_eq(x.ncols(), n)?;
            }
            Ok(Counts::Borrowed(x))
        }
    }
}

/// One EM step on the documents `rows`: E-step with random starts, then the batch or
/// online M-step, then `exp E[log β]`.
fn em_step(
    x: CsrRef<'_>,
    rows: Range<usize>,
    topics: &mut Topics,
    settings: &Settings,
    total_samples: f64,
    batch: bool,
    n_batch_iter: usize,
) {
    let batch_len = rows.len() as f64;
    let ctx = EStep {
        exp_beta: &topics.exp_beta,
        k: topics.k,
        alpha: settings.alpha,
        max_iter: settings.max_doc_update_iter,
        tol: settings.mean_change_tol,
    };
    let start = GammaStart::Random {
        seed: settings.seed,
        batch: n_batch_iter as u64,
    };
    let (_, sstats) = e_step(x, rows, &ctx, start, true);
    let sstats = sstats.expect("statistics were asked for");
    let eta = settings.eta;
    if batch {
        topics
            .lambda
            .par_chunks_mut(4096)
            .zip(sstats.par_chunks(4096))
            .zip(topics.exp_beta.par_chunks(4096))
            .for_each(|((l, s), e)| {
                for ((l, &s), &e) in l.iter_mut().zip(s).zip(e) {
                    *l = eta + s * e;
                }
            });
    } else {
        let rho = (settings.learning_offset + n_batch_iter as f64).powf(-settings.learning_decay);
        let ratio = total_samples / batch_len;
        topics
            .lambda
            .par_chunks_mut(4096)
            .zip(sstats.par_chunks(4096))
            .zip(topics.exp_beta.par_chunks(4096))
            .for_each(|((l, s), e)| {
                for ((l, &s), &e) in l.iter_mut().zip(s).zip(e) {
                    *l = *l * (1.0 - rho) + rho * (eta + ratio * (s * e));
                }
            });
    }
    topics.refresh();
}

/// `exp(ψ(γ_k) − ψ(Σγ))` into `out`.
#[inline]
fn exp_dirichlet(gamma: &[f64], out: &mut [f64]) {
    let psi_total = digamma(gamma.iter().sum());
    for (o, &g) in out.iter_mut().zip(gamma) {
        *o = (digamma(g) - psi_total).exp();
    }
}

/// Per-thread scratch space of the E-step.
struct Scratch {
    beta: Vec<f64>,
    last: Vec<f64>,
    et: Vec<f64>,
    acc: Vec<f64>,
}

impl Scratch {
    fn new(k: usize) -> Self {
        Self {
            beta: Vec::new(),
            last: vec![0.0; k],
            et: vec![0.0; k],
            acc: vec![0.0; k],
        }
    }
}

/// The E-step of one document: `gamma` holds its start on entry and its `γ` on
/// exit; `s.et` holds `exp E[log θ]` on exit, `s.beta` the gathered `exp E[log β]`.
fn update_doc(ids: &[usize], cnts: &[f64], ctx: &EStep<'_>, s: &mut Scratch, gamma: &mut [f64]) {
    let k = ctx.k;
    s.beta.clear();
    for &w in ids {
        s.beta.extend_from_slice(&ctx.exp_beta[w * k..(w + 1) * k]);
    }
    exp_dirichlet(gamma, &mut s.et);
    for _ in 0..ctx.max_iter {
        s.last.copy_from_slice(gamma);
        s.acc.iter_mut().for_each(|a| *a = 0.0);
        for (b, &c) in s.beta.chunks_exact(k).zip(cnts) {
            let norm: f64 = s.et.iter().zip(b).map(|(e, b)| e * b).sum::<f64>() + EPS;
            let r = c / norm;
            for (a, &bv) in s.acc.iter_mut().zip(b) {
                *a += r * bv;
            }
        }
        for ((g, &e), &a) in gamma.iter_mut().zip(&s.et).zip(&s.acc) {
            *g = e * a + ctx.alpha;
        }
        exp_dirichlet(gamma, &mut s.et);
        let change: f64 = s
            .last
            .iter()
            .zip(gamma.iter())
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / k as f64;
        if change < ctx.tol {
            break;
        }
    }
}

/// The E-step over the documents `rows`: their `γ` (row-major, documents × topics)
/// and, when asked, the sufficient statistics before the final `⊙ exp E[log β]`
/// (word-major).
fn e_step(
    x: CsrRef<'_>,
    rows: Range<usize>,
    ctx: &EStep<'_>,
    start: GammaStart,
    want_sstats: bool,
) -> (Vec<f64>, Option<Vec<f64>>) {
    let k = ctx.k;
    let v = x.ncols();
    let n = rows.len();
    let n_blocks = n.div_ceil(DOC_BLOCK).max(1);
    // Documents per task: one block each without statistics; with statistics a fixed
    // number of accumulators (by size, never by thread count).
    let blocks_per_task = if want_sstats {
        let by_memory = (ACCUMULATOR_BYTES / (8 * k * v).max(1)).max(1);
        let n_acc = n_blocks.min(MAX_ACCUMULATORS).min(by_memory).max(1);
        n_blocks.div_ceil(n_acc)
    } else {
        1
    };
    let task_docs = blocks_per_task * DOC_BLOCK;
    let mut gamma = vec![0.0; n * k];
    let gamma_dist = Gamma::new(100.0, 0.01).expect("valid Gamma parameters");
    let partials: Vec<Option<Vec<f64>>> = gamma
        .par_chunks_mut((task_docs * k).max(1))
        .enumerate()
        .map(|(task, g_task)| {
            let mut s = Scratch::new(k);
            let mut acc = want_sstats.then(|| vec![0.0; v * k]);
            for (b, g_block) in g_task.chunks_mut(DOC_BLOCK * k).enumerate() {
                let block = task * blocks_per_task + b;
                match start {
                    GammaStart::Ones => g_block.iter_mut().for_each(|x| *x = 1.0),
                    GammaStart::Random { seed, batch } => {
                        // One stream per block of documents, drawn in document order.
                        let mut r = rng::for_stream(seed, (batch << 32) ^ block as u64);
                        g_block
                            .iter_mut()
                            .for_each(|x| *x = gamma_dist.sample(&mut r));
                    }
                }
                for (local, g) in g_block.chunks_exact_mut(k).enumerate() {
                    let row = rows.start + block * DOC_BLOCK + local;
                    let (ids, cnts) = (x.col_idx_of_row_raw(row), x.val_of_row(row));
                    update_doc(ids, cnts, ctx, &mut s, g);
                    if let Some(acc) = acc.as_mut() {
                        scatter(ids, cnts, k, &mut s, acc);
                    }
                }
            }
            acc
        })
        .collect();
    if !want_sstats {
        return (gamma, None);
    }
    let partials: Vec<Vec<f64>> = partials.into_iter().flatten().collect();
    let mut total = vec![0.0; v * k];
    total
        .par_chunks_mut(k * 256)
        .enumerate()
        .for_each(|(b, out)| {
            let off = b * k * 256;
            let len = out.len();
            for p in &partials {
                for (o, &x) in out.iter_mut().zip(&p[off..off + len]) {
                    *o += x;
                }
            }
        });
    (gamma, Some(total))
}

/// Adds one document's statistics `exp E[log θ]_k c_w / φ_w` (before `⊙ exp E[log β]`).
#[inline]
fn scatter(ids: &[usize], cnts: &[f64], k: usize, s: &mut Scratch, acc: &mut [f64]) {
    for ((b, &c), &w) in s.beta.chunks_exact(k).zip(cnts).zip(ids) {
        let norm: f64 = s.et.iter().zip(b).map(|(e, b)| e * b).sum::<f64>() + EPS;
        let r = c / norm;
        for (a, &e) in acc[w * k..(w + 1) * k].iter_mut().zip(&s.et) {
            *a += e * r;
        }
    }
}

/// The approximate variational bound of `x` (scikit-learn's `_approx_bound` without
/// sub-sampling) given the documents' `γ`.
fn approx_bound(x: CsrRef<'_>, gamma: &[f64], topics: &Topics, settings: &Settings) -> f64 {
    let (k, v) = (topics.k, topics.v);
    let psi_totals = topics.psi_row_totals();
    let elog_beta: Vec<f64> = topics
        .lambda
        .par_chunks(k * 512)
        .flat_map_iter(|l| {
            l.chunks_exact(k)
                .flat_map(|lw| (0..k).map(|t| digamma(lw[t]) - psi_totals[t]))
                .collect::<Vec<_>>()
        })
        .collect();
    let alpha = settings.alpha;
    let ln_gamma_alpha = ln_gamma(alpha);
    let ln_gamma_alpha_k = ln_gamma(alpha * k as f64);
    let n = x.nrows();
    let doc_score = ordered_block_reduce(
        n,
        DOC_BLOCK,
        0.0,
        |docs| {
            let mut score = 0.0;
            let mut elog_theta = vec![0.0; k];
            let mut temp = vec![0.0; k];
            for d in docs {
                let g = &gamma[d * k..(d + 1) * k];
                let total: f64 = g.iter().sum();
                let psi_total = digamma(total);
                for (e, &gv) in elog_theta.iter_mut().zip(g) {
                    *e = digamma(gv) - psi_total;
                }
                for (&w, &c) in x.col_idx_of_row_raw(d).iter().zip(x.val_of_row(d)) {
                    let eb = &elog_beta[w * k..(w + 1) * k];
                    let mut max = f64::NEG_INFINITY;
                    for ((t, &a), &b) in temp.iter_mut().zip(&elog_theta).zip(eb) {
                        *t = a + b;
                        max = max.max(*t);
                    }
                    let sum: f64 = temp.iter().map(|t| (t - max).exp()).sum();
                    score += c * (max + sum.ln());
                }
                for (&gv, &e) in g.iter().zip(&elog_theta) {
                    score += (alpha - gv) * e + ln_gamma(gv) - ln_gamma_alpha;
                }
                score += ln_gamma_alpha_k - ln_gamma(total);
            }
            score
        },
        |a, b| a + b,
    );
    let mut score = doc_score;
    let eta = settings.eta;
    let ln_gamma_eta = ln_gamma(eta);
    let topic_part: Vec<f64> = topics
        .lambda
        .par_chunks(k * 512)
        .zip(elog_beta.par_chunks(k * 512))
        .map(|(l, e)| {
            l.iter()
                .zip(e)
                .map(|(&l, &e)| (eta - l) * e + ln_gamma(l) - ln_gamma_eta)
                .sum::<f64>()
        })
        .collect();
    score += topic_part.iter().sum::<f64>();
    let mut totals = vec![0.0; k];
    for lw in topics.lambda.chunks_exact(k) {
        for (t, &l) in totals.iter_mut().zip(lw) {
            *t += l;
        }
    }
    let ln_gamma_eta_v = ln_gamma(eta * v as f64);
    score += totals
        .iter()
        .map(|&t| ln_gamma_eta_v - ln_gamma(t))
        .sum::<f64>();
    score
}

/// `γ` of every document of `x` from a start of ones (the `transform` E-step).
fn doc_topic(x: CsrRef<'_>, topics: &Topics, settings: &Settings) -> Vec<f64> {
    let ctx = EStep {
        exp_beta: &topics.exp_beta,
        k: topics.k,
        alpha: settings.alpha,
        max_iter: settings.max_doc_update_iter,
        tol: settings.mean_change_tol,
    };
    e_step(x, 0..x.nrows(), &ctx, GammaStart::Ones, false).0
}

/// The perplexity `exp(−bound / number of words)` of `x`.
fn perplexity_of(x: CsrRef<'_>, topics: &Topics, settings: &Settings) -> f64 {
    let gamma = doc_topic(x, topics, settings);
    let bound = approx_bound(x, &gamma, topics, settings);
    let words: f64 = (0..x.nrows())
        .map(|i| x.val_of_row(i).iter().sum::<f64>())
        .sum();
    (-bound / words).exp()
}

/// A fitted LDA model: the topics' variational parameters and everything needed to
/// transform new documents or keep learning online.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatentDirichletAllocationModel {
    #[serde(with = "ml_core::persist::mat")]
    components: Mat<f64>,
    #[serde(with = "ml_core::persist::mat")]
    exp_dirichlet_component: Mat<f64>,
    settings: Settings,
    n_iter: usize,
    n_batch_iter: usize,
    bound: Option<f64>,
}

impl Persist for LatentDirichletAllocationModel {
    const MODEL_NAME: &'static str = "ml_decomp::LatentDirichletAllocationModel";
}

impl Invariants for LatentDirichletAllocationModel {
    /// Topic-word weights and their `exp E[log β]` are positive and finite (the
    /// E-step divides by them and takes their logs), the priors positive.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let (k, v) = (self.components.nrows(), self.components.ncols());
        inv::not_empty("components", k)?;
        inv::not_empty("component words", v)?;
        inv::shape(
            "exp_dirichlet_component",
            self.exp_dirichlet_component.as_ref(),
            k,
            v,
        )?;
        for (what, m) in [
            ("components", &self.components),
            ("exp_dirichlet_component", &self.exp_dirichlet_component),
        ] {
            inv::finite_mat(what, m.as_ref())?;
            inv::ensure((0..v).all(|j| (0..k).all(|t| m[(t, j)] > 0.0)), || {
                format!("{what} holds a weight that is not positive")
            })?;
        }
        let s = &self.settings;
        inv::positive("alpha, eta", &[s.alpha, s.eta])?;
        inv::non_negative("mean_change_tol", &[s.mean_change_tol])
    }
}

impl LatentDirichletAllocationModel {
    fn from_topics(
        topics: &Topics,
        settings: Settings,
        n_iter: usize,
        n_batch_iter: usize,
        bound: Option<f64>,
    ) -> Self {
        Self {
            components: topics.to_mat(&topics.lambda),
            exp_dirichlet_component: topics.to_mat(&topics.exp_beta),
            settings,
            n_iter,
            n_batch_iter,
            bound,
        }
    }

    fn topics(&self) -> Topics {
        let mut t = Topics::from_components(self.components.as_ref());
        // Keep the stored values (identical to a recomputation, but exact on reload).
        let k = t.k;
        for w in 0..t.v {
            for kk in 0..k {
                t.exp_beta[w * k + kk] = self.exp_dirichlet_component[(kk, w)];
            }
        }
        t
    }

    /// The topic-word variational parameters `λ` (topics × vocabulary), scikit-learn's
    /// `components_`. Normalise a row to get the topic's word distribution.
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// `exp E[log β]` (topics × vocabulary), scikit-learn's `exp_dirichlet_component_`.
    pub fn exp_dirichlet_component(&self) -> MatRef<'_, f64> {
        self.exp_dirichlet_component.as_ref()
    }

    /// The topics' word distributions: every row of [`components`](Self::components)
    /// divided by its sum.
    pub fn topic_word_distribution(&self) -> Mat<f64> {
        let c = &self.components;
        let sums: Vec<f64> = (0..c.nrows())
            .map(|t| (0..c.ncols()).map(|w| c[(t, w)]).sum())
            .collect();
        Mat::from_fn(c.nrows(), c.ncols(), |t, w| c[(t, w)] / sums[t])
    }

    /// The number of topics.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// The prior `α` of the documents' topic mixtures used by the model.
    pub fn doc_topic_prior(&self) -> f64 {
        self.settings.alpha
    }

    /// The prior `η` of the topics' word distributions used by the model.
    pub fn topic_word_prior(&self) -> f64 {
        self.settings.eta
    }

    /// The number of passes over the data of `fit` (0 for a model made by
    /// `partial_fit` or from components).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The number of M-steps so far plus one (scikit-learn's `n_batch_iter_`), which
    /// sets the next online step size.
    pub fn n_batch_iter(&self) -> usize {
        self.n_batch_iter
    }

    /// The perplexity of the training data at the end of `fit` (scikit-learn's
    /// `bound_`, which despite its name holds that perplexity); `None` for a model
    /// made or updated by `partial_fit`, or made from components.
    pub fn bound(&self) -> Option<f64> {
        self.bound
    }

    /// The normalised document-topic distribution of counts `x` (dense or CSR): one
    /// row per document, summing to 1.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] (vocabulary size),
    /// [`Error::NonFinite`] or [`Error::NegativeValue`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = self.counts(x.into())?;
        Ok(self.transform_checked(x.as_ref(), true))
    }

    /// The unnormalised variational parameters `γ` of every document (scikit-learn's
    /// `transform(X, normalize=False)`).
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn transform_unnormalized<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = self.counts(x.into())?;
        Ok(self.transform_checked(x.as_ref(), false))
    }

    fn transform_checked(&self, x: CsrRef<'_>, normalize: bool) -> Mat<f64> {
        let topics = self.topics();
        let gamma = doc_topic(x, &topics, &self.settings);
        let k = topics.k;
        let sums: Vec<f64> = gamma.chunks_exact(k).map(|g| g.iter().sum()).collect();
        Mat::from_fn(x.nrows(), k, |i, t| {
            if normalize {
                gamma[i * k + t] / sums[i]
            } else {
                gamma[i * k + t]
            }
        })
    }

    /// The approximate perplexity `exp(−bound / word count)` of counts `x` (dense or
    /// CSR; lower is better), with `γ` from [`transform`](Self::transform)'s E-step.
    ///
    /// # Errors
    /// As [`transform`](Self::transform), and [`Error::InvalidData`] when every count
    /// is zero (no word to average over: scikit-learn returns NaN).
    pub fn perplexity<'a>(&self, x: impl Into<Features<'a>>) -> Result<f64> {
        let x = self.counts(x.into())?;
        let xr = x.as_ref();
        if (0..xr.nrows()).all(|i| xr.val_of_row(i).iter().all(|&c| c == 0.0)) {
            return Err(Error::invalid_data(
                "x",
                "every count is zero: the perplexity per word is undefined",
            ));
        }
        Ok(perplexity_of(x.as_ref(), &self.topics(), &self.settings))
    }

    /// The approximate variational bound of the log-likelihood of counts `x` (dense or
    /// CSR; scikit-learn's `score`; higher is better).
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn score<'a>(&self, x: impl Into<Features<'a>>) -> Result<f64> {
        let x = self.counts(x.into())?;
        Ok(self.score_checked(x.as_ref()))
    }

    fn score_checked(&self, x: CsrRef<'_>) -> f64 {
        let topics = self.topics();
        let gamma = doc_topic(x, &topics, &self.settings);
        approx_bound(x, &gamma, &topics, &self.settings)
    }

    /// Updates the topics with one more mini-batch of counts (dense or CSR; online
    /// variational Bayes, one M-step per `batch_size` documents, scaled to
    /// `total_samples` documents).
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn partial_fit<'a>(&mut self, x: impl Into<Features<'a>>) -> Result<()> {
        let x = self.counts(x.into())?;
        self.partial_fit_checked(x.as_ref());
        Ok(())
    }

    fn partial_fit_checked(&mut self, x: CsrRef<'_>) {
        let mut topics = self.topics();
        let n = x.nrows();
        let mut start = 0;
        while start < n {
            let end = (start + self.settings.batch_size).min(n);
            em_step(
                x,
                start..end,
                &mut topics,
                &self.settings,
                self.settings.total_samples,
                false,
                self.n_batch_iter,
            );
            self.n_batch_iter += 1;
            start = end;
        }
        self.components = topics.to_mat(&topics.lambda);
        self.exp_dirichlet_component = topics.to_mat(&topics.exp_beta);
        self.bound = None;
    }

    /// The indices of the `n` highest-weighted words of every topic, highest first
    /// (ties to the lower index).
    pub fn top_term_indices(&self, n: usize) -> Vec<Vec<usize>> {
        let c = &self.components;
        (0..c.nrows())
            .map(|t| {
                let mut idx: Vec<usize> = (0..c.ncols()).collect();
                idx.sort_by(|&a, &b| c[(t, b)].total_cmp(&c[(t, a)]).then(a.cmp(&b)));
                idx.truncate(n);
                idx
            })
            .collect()
    }

    /// The `n` highest-weighted words of every topic, highest first, looked up in
    /// `vocabulary` (the vectoriser's words in column order).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `vocabulary` does not have one word per column.
    pub fn top_terms<S: AsRef<str>>(&self, n: usize, vocabulary: &[S]) -> Result<Vec<Vec<String>>> {
        validate::n_features_eq(vocabulary.len(), self.components.ncols())?;
        Ok(self
            .top_term_indices(n)
            .into_iter()
            .map(|idx| {
                idx.into_iter()
                    .map(|w| vocabulary[w].as_ref().to_owned())
                    .collect()
            })
            .collect())
    }

    /// Checked counts with the model's vocabulary size.
    fn counts<'a>(&self, x: Features<'a>) -> Result<Counts<'a>> {
        counts(x, Some(self.components.ncols()))
    }

    /// The number of features (vocabulary size) seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.components.ncols()
    }
}

impl FitUnsupervised for LatentDirichletAllocation {
    type Model = LatentDirichletAllocationModel;

    fn fit(&self, x: Features<'_>) -> Result<Self::Model> {
        LatentDirichletAllocation::fit(self, x)
    }
}

impl Fitted for LatentDirichletAllocationModel {
    fn n_features_in(&self) -> usize {
        self.components.ncols()
    }
}

impl Transform for LatentDirichletAllocationModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        LatentDirichletAllocationModel::transform(self, x)
    }
}

impl PartialFit for LatentDirichletAllocationModel {
    fn partial_fit(&mut self, x: Features<'_>, _y: &()) -> Result<()> {
        LatentDirichletAllocationModel::partial_fit(self, x)
    }
}
