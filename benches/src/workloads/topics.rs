//! `lda_*` and `nmf_*`: `ml_decomp`'s topic models against scikit-learn's
//! `LatentDirichletAllocation` and `NMF`, on the SMS messages.
//!
//! - **Documents.** All messages of the text data set, or, when the workload has a
//!   `corpus` (`quick_corpus` in smoke mode), `n_docs` documents where document `i` is
//!   message `(i · multiplier) mod n`: a larger corpus both sides build from the same
//!   formula, with no file to share.
//! - **Features** (untimed): the workload's `vectorizer` object, scikit-learn's
//!   parameter names (`kind` `"count"` or `"tfidf"`, `max_df`, `min_df`, `max_features`,
//!   `stop_words`), fitted on those documents by `ml_text`. Both sides must agree
//!   on the resulting matrix exactly (`n_features`, `nnz`), so the timed work starts
//!   from the same input.
//! - **LDA** steps: `fit` (a fresh estimator every call), then `transform` of the same
//!   documents with the fitted model. Quality: the fitted model's `perplexity` of the
//!   training documents, and `n_iter`.
//! - **NMF** step: `fit`. Quality: `reconstruction_err` (the Frobenius or β-divergence
//!   of the fit, as scikit-learn's `reconstruction_err_`) and `n_iter`.
//!
//! The random starts differ (this library's generator against numpy's), so the fitted
//! factors differ; the perplexity and the reconstruction error are what must agree, and
//! the tolerances in `bench/workloads.json` are sized from scikit-learn's own spread
//! over seeds.

use ml_core::faer::Mat;
use ml_core::sparse::Csr;
use ml_decomp::lda::{
    LatentDirichletAllocation, LatentDirichletAllocationModel, LdaLearningMethod,
};
use ml_decomp::nmf::{Nmf, NmfBetaLoss, NmfInit, NmfModel, NmfSolver};
use ml_text::{CountVectorizer, DocFrequency, StopWords, TfidfVectorizer};
use serde_json::{Map, Value, json};

use super::{Case, Quality};
use crate::BoxError;
use crate::datasets::{Inputs, texts};

/// The documents of the workload: the whole text collection, or the `corpus` it
/// defines (see the module documentation).
fn documents(inputs: &Inputs, def: &Value) -> Result<Vec<String>, BoxError> {
    let data = texts(&inputs.dataset)?;
    let spec = if inputs.quick && def["quick_corpus"].is_object() {
        &def["quick_corpus"]
    } else {
        &def["corpus"]
    };
    if spec.is_null() {
        return Ok(data.texts);
    }
    let get = |key: &str| -> Result<usize, BoxError> {
        spec[key]
            .as_u64()
            .map(|v| v as usize)
            .ok_or_else(|| format!("corpus.{key} missing").into())
    };
    let (n_docs, mult) = (get("n_docs")?, get("multiplier")?);
    let n = data.texts.len();
    // u128: i · multiplier overflows nothing whatever the sizes.
    Ok((0..n_docs)
        .map(|i| data.texts[((i as u128 * mult as u128) % n as u128) as usize].clone())
        .collect())
}

/// A document-frequency bound in scikit-learn's convention: an integer is a count, a
/// float a proportion.
fn doc_frequency(value: &Value) -> Option<DocFrequency> {
    if let Some(c) = value.as_u64() {
        Some(DocFrequency::Count(c as usize))
    } else {
        value.as_f64().map(DocFrequency::Fraction)
    }
}

/// The document × term matrix the workload's `vectorizer` describes.
fn features(docs: &[String], def: &Value) -> Result<Csr, BoxError> {
    let v = &def["vectorizer"];
    if !v.is_object() {
        return Err(format!("{}: no vectorizer object", def["id"]).into());
    }
    let stop_words = match v["stop_words"].as_str() {
        None => StopWords::None,
        Some("english") => StopWords::English,
        Some(other) => return Err(format!("stop_words {other:?}").into()),
    };
    let max_features = v["max_features"].as_u64().map(|m| m as usize);
    let (min_df, max_df) = (doc_frequency(&v["min_df"]), doc_frequency(&v["max_df"]));
    Ok(match v["kind"].as_str().unwrap_or("count") {
        "count" => {
            let mut cv = CountVectorizer::new()
                .stop_words(stop_words)
                .max_features(max_features);
            if let Some(d) = min_df {
                cv = cv.min_df(d);
            }
            if let Some(d) = max_df {
                cv = cv.max_df(d);
            }
            cv.fit_transform(docs)?.1
        }
        "tfidf" => {
            let mut tv = TfidfVectorizer::new()
                .stop_words(stop_words)
                .max_features(max_features);
            if let Some(d) = min_df {
                tv = tv.min_df(d);
            }
            if let Some(d) = max_df {
                tv = tv.max_df(d);
            }
            tv.fit_transform(docs)?.1
        }
        other => return Err(format!("vectorizer kind {other:?}").into()),
    })
}

/// The input figures both sides must agree on exactly.
fn input_quality(x: &Csr) -> Quality {
    let mut q = Map::new();
    q.insert("n_features".into(), json!(x.ncols()));
    q.insert("nnz".into(), json!(x.compute_nnz()));
    q
}

fn input_info(x: &Csr) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("shape".into(), json!([x.nrows(), x.ncols()]));
    m.insert("nnz".into(), json!(x.compute_nnz()));
    m
}

/// An optional prior: a number, or `null` for scikit-learn's `1 / n_components`.
fn prior(hp: &Value, key: &str) -> Option<f64> {
    hp[key].as_f64()
}

fn lda_estimator(def: &Value) -> Result<LatentDirichletAllocation, BoxError> {
    let hp = &def["hyperparameters"];
    let k = hp["n_components"].as_u64().ok_or("n_components missing")? as usize;
    let mut est = LatentDirichletAllocation::new(k)
        .doc_topic_prior(prior(hp, "doc_topic_prior"))
        .topic_word_prior(prior(hp, "topic_word_prior"))
        .learning_method(match hp["learning_method"].as_str().unwrap_or("batch") {
            "batch" => LdaLearningMethod::Batch,
            "online" => LdaLearningMethod::Online,
            other => return Err(format!("learning_method {other:?}").into()),
        })
        .seed(hp["random_state"].as_u64().unwrap_or(0));
    if let Some(n) = hp["max_iter"].as_u64() {
        est = est.max_iter(n as usize);
    }
    if let Some(n) = hp["batch_size"].as_u64() {
        est = est.batch_size(n as usize);
    }
    // scikit-learn's -1 (never evaluate) is our 0.
    if let Some(n) = hp["evaluate_every"].as_i64() {
        est = est.evaluate_every(usize::try_from(n).unwrap_or(0));
    }
    if let Some(t) = hp["mean_change_tol"].as_f64() {
        est = est.mean_change_tol(t);
    }
    if let Some(n) = hp["max_doc_update_iter"].as_u64() {
        est = est.max_doc_update_iter(n as usize);
    }
    Ok(est)
}

struct LdaCase {
    est: LatentDirichletAllocation,
    counts: Csr,
    model: Option<LatentDirichletAllocationModel>,
    doc_topic: Option<Mat<f64>>,
}

pub(super) fn prepare_lda(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let docs = documents(inputs, def)?;
    Ok(Box::new(LdaCase {
        est: lda_estimator(def)?,
        counts: features(&docs, def)?,
        model: None,
        doc_topic: None,
    }))
}

impl Case for LdaCase {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        if step == 0 {
            self.model = None;
            self.model = Some(self.est.fit(self.counts.as_ref())?);
        } else {
            let m = self.model.as_ref().ok_or("transform before fit")?;
            self.doc_topic = None;
            self.doc_topic = Some(m.transform(self.counts.as_ref())?);
        }
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let m = self.model.as_ref().ok_or("no model")?;
        let mut q = input_quality(&self.counts);
        q.insert(
            "perplexity".into(),
            json!(m.perplexity(self.counts.as_ref())?),
        );
        q.insert("n_iter".into(), json!(m.n_iter()));
        if let Some(t) = &self.doc_topic {
            // Each row is a distribution: the sum is the number of documents.
            let total: f64 = (0..t.ncols()).map(|j| t.col(j).iter().sum::<f64>()).sum();
            if (total - t.nrows() as f64).abs() > 1e-6 * t.nrows() as f64 {
                return Err(format!("transform rows sum to {total}, not {}", t.nrows()).into());
            }
        }
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        input_info(&self.counts)
    }
}

fn nmf_estimator(def: &Value) -> Result<Nmf, BoxError> {
    let hp = &def["hyperparameters"];
    let k = hp["n_components"].as_u64().ok_or("n_components missing")? as usize;
    let mut est = Nmf::new(k)
        .init(match hp["init"].as_str() {
            None => None,
            Some("random") => Some(NmfInit::Random),
            Some("nndsvd") => Some(NmfInit::Nndsvd),
            Some("nndsvda") => Some(NmfInit::Nndsvda),
            Some("nndsvdar") => Some(NmfInit::Nndsvdar),
            Some(other) => return Err(format!("init {other:?}").into()),
        })
        .solver(match hp["solver"].as_str().unwrap_or("cd") {
            "cd" => NmfSolver::Cd,
            "mu" => NmfSolver::Mu,
            other => return Err(format!("solver {other:?}").into()),
        })
        .beta_loss(match hp["beta_loss"].as_str().unwrap_or("frobenius") {
            "frobenius" => NmfBetaLoss::Frobenius,
            "kullback-leibler" => NmfBetaLoss::KullbackLeibler,
            other => return Err(format!("beta_loss {other:?}").into()),
        })
        .seed(hp["random_state"].as_u64().unwrap_or(0));
    if let Some(t) = hp["tol"].as_f64() {
        est = est.tol(t);
    }
    if let Some(n) = hp["max_iter"].as_u64() {
        est = est.max_iter(n as usize);
    }
    if let Some(a) = hp["alpha_W"].as_f64() {
        est = est.alpha_w(a);
    }
    // A number, or "same" / absent for alpha_W's value.
    est = est.alpha_h(hp["alpha_H"].as_f64());
    if let Some(r) = hp["l1_ratio"].as_f64() {
        est = est.l1_ratio(r);
    }
    Ok(est)
}

struct NmfCase {
    est: Nmf,
    x: Csr,
    model: Option<NmfModel>,
}

pub(super) fn prepare_nmf(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let docs = documents(inputs, def)?;
    Ok(Box::new(NmfCase {
        est: nmf_estimator(def)?,
        x: features(&docs, def)?,
        model: None,
    }))
}

impl Case for NmfCase {
    fn run(&mut self, _step: usize) -> Result<(), BoxError> {
        self.model = None;
        self.model = Some(self.est.fit(self.x.as_ref())?);
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let m = self.model.as_ref().ok_or("no model")?;
        let mut q = input_quality(&self.x);
        q.insert("reconstruction_err".into(), json!(m.reconstruction_err()));
        q.insert("n_iter".into(), json!(m.n_iter()));
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        input_info(&self.x)
    }
}
