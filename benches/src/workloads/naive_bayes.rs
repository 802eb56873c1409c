//! `gnb_*`, `mnb_sms` and `mnb_sms100k`: the naive Bayes models of `ml-supervised`
//! against scikit-learn's `GaussianNB` and `MultinomialNb`.
//!
//! - `gnb_*`: `fit` on the train rows of the data set's fixed split, `predict` on the
//!   test rows.
//! - `mnb_sms`: the SMS messages of the fixed split vectorised by
//!   `ml_text::CountVectorizer` fitted on the train messages (untimed, as the
//!   workload's `sms_counts` features), then `fit` on the train counts (CSR) and
//!   `predict` on the test counts.
//! - `mnb_sms100k`: a corpus of `n_docs` messages, document `i` being SMS message
//!   `(i · multiplier) mod 5574`, the first `n_train` for training and the rest for
//!   testing (the workload's `corpus`; `quick_corpus` in smoke mode). Timed `fit`:
//!   vectorising the train documents and fitting; timed `predict`: vectorising the test
//!   documents with the fitted vocabulary and predicting.
//!
//! Quality: the test `accuracy`, `f1_pos` where the workload lists it, and `jll_sum`, the
//! sum of the joint log-likelihood over the test rows and classes, which pins the
//! fitted model down (compared to 1e-9 relative); `mnb_sms100k` also reports the
//! vocabulary size `n_features` (compared exactly).

use ml_core::faer::Mat;
use ml_core::metrics::{Average, accuracy_score, f1_score};
use ml_core::sparse::Csr;
use ml_supervised::{GaussianNb, MultinomialNb, MultinomialNbModel};
use ml_text::{CountVectorizer, CountVectorizerModel};
use serde_json::{Map, Value, json};

use super::{Case, Classifier, Quality, Split, accurate_sum, indices, split_info};
use crate::BoxError;
use crate::datasets::{Inputs, texts};

fn jll_sum(jll: &Mat<f64>) -> f64 {
    accurate_sum((0..jll.ncols()).flat_map(|c| jll.col(c).iter().copied().collect::<Vec<_>>()))
}

/// The quality figures every case reports.
fn scores(y_test: &[usize], pred: &[usize], jll: &Mat<f64>, f1: bool) -> Result<Quality, BoxError> {
    let mut q = Map::new();
    q.insert("accuracy".into(), json!(accuracy_score(y_test, pred)?));
    if f1 {
        q.insert(
            "f1_pos".into(),
            json!(f1_score(y_test, pred, Average::Binary { pos_label: 1 })?),
        );
    }
    q.insert("jll_sum".into(), json!(jll_sum(jll)));
    Ok(q)
}

pub(super) fn prepare_gaussian(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    let params = GaussianNb::new().var_smoothing(hp["var_smoothing"].as_f64().unwrap_or(1e-9));
    let data = Split::classes(inputs)?;
    Ok(Box::new(Classifier::new(params, data, |m, data, pred| {
        let jll = m.predict_joint_log_proba(data.x_test.as_ref())?;
        scores(&data.y_test, pred, &jll, false)
    })))
}

fn multinomial(def: &Value) -> MultinomialNb {
    let hp = &def["hyperparameters"];
    MultinomialNb::new()
        .alpha(hp["alpha"].as_f64().unwrap_or(1.0))
        .fit_prior(hp["fit_prior"].as_bool().unwrap_or(true))
}

/// `mnb_sms`: counts vectorised untimed, `fit`/`predict` timed.
struct SmsCounts {
    params: MultinomialNb,
    c_train: Csr,
    y_train: Vec<usize>,
    c_test: Csr,
    y_test: Vec<usize>,
    fitted: Option<MultinomialNbModel<usize>>,
    pred: Option<Vec<usize>>,
}

pub(super) fn prepare_sms_counts(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let data = texts(&inputs.dataset)?;
    let (tr, te) = (indices(inputs, "train_idx")?, indices(inputs, "test_idx")?);
    let docs =
        |idx: &[usize]| -> Vec<&str> { idx.iter().map(|&i| data.texts[i].as_str()).collect() };
    let (vectorizer, c_train) = CountVectorizer::new().fit_transform(&docs(&tr))?;
    let c_test = vectorizer.transform(&docs(&te))?;
    Ok(Box::new(SmsCounts {
        params: multinomial(def),
        c_train,
        y_train: tr.iter().map(|&i| data.target[i]).collect(),
        c_test,
        y_test: te.iter().map(|&i| data.target[i]).collect(),
        fitted: None,
        pred: None,
    }))
}

impl Case for SmsCounts {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        if step == 0 {
            self.fitted = None;
            self.fitted = Some(self.params.fit(self.c_train.as_ref(), &self.y_train)?);
        } else {
            let m = self.fitted.as_ref().ok_or("predict before fit")?;
            self.pred = Some(m.predict(self.c_test.as_ref())?);
        }
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let pred = self.pred.as_ref().ok_or("no predictions")?;
        let m = self.fitted.as_ref().ok_or("no model")?;
        let jll = m.predict_joint_log_proba(self.c_test.as_ref())?;
        scores(&self.y_test, pred, &jll, true)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = split_info(
            [self.c_train.nrows(), self.c_train.ncols()],
            self.c_test.nrows(),
        );
        m.insert("train_nnz".into(), json!(self.c_train.compute_nnz()));
        m
    }
}

/// `mnb_sms100k`: vectorising is part of both timed steps.
struct Corpus {
    params: MultinomialNb,
    train: Vec<String>,
    y_train: Vec<usize>,
    test: Vec<String>,
    y_test: Vec<usize>,
    fitted: Option<(CountVectorizerModel, MultinomialNbModel<usize>)>,
    /// The test counts and predictions of the latest `predict`.
    pred: Option<(Csr, Vec<usize>)>,
}

pub(super) fn prepare_corpus(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let data = texts(&inputs.dataset)?;
    let spec = if inputs.quick && def["quick_corpus"].is_object() {
        &def["quick_corpus"]
    } else {
        &def["corpus"]
    };
    let get = |key: &str| -> Result<usize, BoxError> {
        spec[key]
            .as_u64()
            .map(|v| v as usize)
            .ok_or_else(|| format!("corpus.{key} missing").into())
    };
    let (n_docs, n_train, mult) = (get("n_docs")?, get("n_train")?, get("multiplier")?);
    if n_train >= n_docs {
        return Err("corpus.n_train must be below corpus.n_docs".into());
    }
    let n = data.texts.len();
    let source = |i: usize| ((i as u128 * mult as u128) % n as u128) as usize;
    let (mut train, mut y_train, mut test, mut y_test) = (vec![], vec![], vec![], vec![]);
    for i in 0..n_docs {
        let s = source(i);
        if i < n_train {
            train.push(data.texts[s].clone());
            y_train.push(data.target[s]);
        } else {
            test.push(data.texts[s].clone());
            y_test.push(data.target[s]);
        }
    }
    Ok(Box::new(Corpus {
        params: multinomial(def),
        train,
        y_train,
        test,
        y_test,
        fitted: None,
        pred: None,
    }))
}

impl Case for Corpus {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        if step == 0 {
            self.fitted = None;
            let (vectorizer, counts) = CountVectorizer::new().fit_transform(&self.train)?;
            let model = self.params.fit(counts.as_ref(), &self.y_train)?;
            self.fitted = Some((vectorizer, model));
        } else {
            let (vectorizer, model) = self.fitted.as_ref().ok_or("predict before fit")?;
            let counts = vectorizer.transform(&self.test)?;
            let pred = model.predict(counts.as_ref())?;
            self.pred = Some((counts, pred));
        }
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let (counts, pred) = self.pred.as_ref().ok_or("no predictions")?;
        let (vectorizer, model) = self.fitted.as_ref().ok_or("no model")?;
        let jll = model.predict_joint_log_proba(counts.as_ref())?;
        let mut q = scores(&self.y_test, pred, &jll, true)?;
        q.insert("n_features".into(), json!(vectorizer.vocabulary().len()));
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("n_train_docs".into(), json!(self.train.len()));
        m.insert("n_test_docs".into(), json!(self.test.len()));
        m
    }
}
