//! `tfidf_sms`: `ml_text::TfidfVectorizer` against scikit-learn's
//! `TfidfVectorizer`, `fit_transform` on all 5574 SMS messages.
//!
//! The messages are read untimed (`ml_core::datasets::load_sms_spam`; the Python side
//! parses the same file identically). Quality: the vocabulary size `n_features` and the
//! number of stored values `nnz` (exact), the compensated sum of the values and a
//! position-weighted sum `Σ x[i,j]·((7i + 13j) mod 17 + 1)` that catches permuted rows or
//! columns (1e-9 relative).

use ml_core::sparse::Csr;
use ml_text::{DocFrequency, Norm, TfidfVectorizer};
use serde_json::{Map, Value, json};

use super::{Case, Quality, accurate_sum};
use crate::BoxError;
use crate::datasets::{Inputs, texts};

struct TfidfSms {
    params: TfidfVectorizer,
    texts: Vec<String>,
    x: Option<Csr>,
}

/// The vectoriser the workload's hyper-parameters describe (scikit-learn's defaults
/// unless the JSON says otherwise).
fn params(def: &Value) -> Result<TfidfVectorizer, BoxError> {
    let hp = &def["hyperparameters"];
    let flag = |key: &str, default: bool| hp[key].as_bool().unwrap_or(default);
    let mut v = TfidfVectorizer::new()
        .lowercase(flag("lowercase", true))
        .use_idf(flag("use_idf", true))
        .smooth_idf(flag("smooth_idf", true))
        .sublinear_tf(flag("sublinear_tf", false));
    if let Some(range) = hp["ngram_range"].as_array() {
        let n = |k: usize| range.get(k).and_then(Value::as_u64).map(|v| v as usize);
        v = v.ngram_range(n(0).ok_or("ngram_range")?, n(1).ok_or("ngram_range")?);
    }
    let df = |key: &str| -> Option<DocFrequency> {
        let value = &hp[key];
        if let Some(c) = value.as_u64() {
            Some(DocFrequency::Count(c as usize))
        } else {
            value.as_f64().map(DocFrequency::Fraction)
        }
    };
    if let Some(d) = df("min_df") {
        v = v.min_df(d);
    }
    if let Some(d) = df("max_df") {
        v = v.max_df(d);
    }
    v = v.norm(match hp["norm"].as_str() {
        Some("l1") => Some(Norm::L1),
        Some("l2") | None => Some(Norm::L2),
        Some(other) => return Err(format!("norm {other:?}").into()),
    });
    Ok(v)
}

pub(super) fn prepare(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    Ok(Box::new(TfidfSms {
        params: params(def)?,
        texts: texts(&inputs.dataset)?.texts,
        x: None,
    }))
}

impl Case for TfidfSms {
    fn run(&mut self, _step: usize) -> Result<(), BoxError> {
        self.x = None;
        self.x = Some(self.params.fit_transform(&self.texts)?.1);
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let x = self.x.as_ref().ok_or("no matrix yet")?;
        let weighted = (0..x.nrows()).flat_map(|i| {
            x.col_idx_of_row_raw(i)
                .iter()
                .zip(x.val_of_row(i))
                .map(move |(&j, &v)| v * (((7 * i + 13 * j) % 17 + 1) as f64))
        });
        let mut q = Map::new();
        q.insert("n_features".into(), json!(x.ncols()));
        q.insert("nnz".into(), json!(x.compute_nnz()));
        q.insert(
            "value_sum".into(),
            json!(accurate_sum(x.val().iter().copied())),
        );
        q.insert("weighted_sum".into(), json!(accurate_sum(weighted)));
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("n_documents".into(), json!(self.texts.len()));
        m
    }
}
