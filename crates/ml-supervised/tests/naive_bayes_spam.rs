//! The spam filter, end to end: the SMS spam collection, scikit-learn's stratified split
//! (`train_test_split(test_size=0.25, random_state=0, stratify=y)`, indices stored in
//! the fixture so both sides use the same rows), `ml_text::CountVectorizer`
//! fitted on the training messages, then [`MultinomialNb`], [`ComplementNb`] and
//! [`BernoulliNb`] with scikit-learn's defaults.
//!
//! Checked against `scripts/refdata/naive_bayes.py`'s fixture: the vocabulary and both
//! count matrices exactly, predictions identical, the joint log-likelihood within
//! 1e-10 relative (sums in another order than BLAS), and an accuracy of at least 0.98
//! for the multinomial model.

use ml_core::datasets::load_sms_spam;
use ml_supervised::{BernoulliNb, ComplementNb, MultinomialNb};
use ml_text::CountVectorizer;
use serde_json::Value;

mod common;
use common::{assert_csr_equal, assert_mat_close, matrix, sms_fixture as fixture, usizes};

/// The joint log-likelihood's tolerance, relative (sums in another order than BLAS).
const JLL_TOL: f64 = 1e-10;

#[test]
fn spam_filter() {
    let f = fixture();
    let sms = load_sms_spam().unwrap();
    let (train_idx, test_idx) = (usizes(&f["train_idx"]), usizes(&f["test_idx"]));
    let texts =
        |idx: &[usize]| -> Vec<&str> { idx.iter().map(|&i| sms.texts[i].as_str()).collect() };
    let labels = |idx: &[usize]| -> Vec<&str> {
        idx.iter()
            .map(|&i| sms.target_names[sms.target[i]].as_str())
            .collect()
    };
    let (train_texts, test_texts) = (texts(&train_idx), texts(&test_idx));
    let (y_train, y_test) = (labels(&train_idx), labels(&test_idx));

    let (vectorizer, x_train) = CountVectorizer::new().fit_transform(&train_texts).unwrap();
    let x_test = vectorizer.transform(&test_texts).unwrap();
    assert_eq!(
        vectorizer.vocabulary().len(),
        f["vocabulary_size"].as_u64().unwrap() as usize
    );
    let step = f["col_step"].as_u64().unwrap() as usize;
    let sample: Vec<&str> = vectorizer
        .vocabulary()
        .iter()
        .step_by(step)
        .map(String::as_str)
        .collect();
    let want_sample: Vec<&str> = f["vocabulary_sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(sample, want_sample, "vocabulary");
    assert_csr_equal("train counts", &x_train, &f["train_counts"]);
    assert_csr_equal("test counts", &x_test, &f["test_counts"]);

    let reference = |model: &str| -> &Value {
        f["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["model"] == model && c["variant"] == "default")
            .unwrap()
    };
    let as_labels = |codes: Vec<usize>| -> Vec<&str> {
        codes
            .into_iter()
            .map(|c| sms.target_names[c].as_str())
            .collect()
    };
    let accuracy = |pred: &[&str]| {
        pred.iter().zip(&y_test).filter(|(a, b)| a == b).count() as f64 / pred.len() as f64
    };

    let mnb = MultinomialNb::new().fit(&x_train, &y_train).unwrap();
    assert_eq!(mnb.classes(), &["ham", "spam"]);
    let pred = mnb.predict(&x_test).unwrap();
    let case = reference("MultinomialNB");
    assert_eq!(
        pred,
        as_labels(usizes(&case["predict"])),
        "MultinomialNB predictions"
    );
    assert!(accuracy(&pred) >= 0.98, "accuracy {}", accuracy(&pred));
    assert_eq!(accuracy(&pred), case["accuracy"].as_f64().unwrap());
    let jll = mnb.predict_joint_log_proba(&x_test).unwrap();
    assert_mat_close(
        "MultinomialNB jll",
        jll.as_ref(),
        &matrix(&case["jll"]),
        JLL_TOL,
    );

    let cnb = ComplementNb::new().fit(&x_train, &y_train).unwrap();
    let case = reference("ComplementNB");
    let pred = cnb.predict(&x_test).unwrap();
    assert_eq!(
        pred,
        as_labels(usizes(&case["predict"])),
        "ComplementNB predictions"
    );
    let jll = cnb.predict_joint_log_proba(&x_test).unwrap();
    assert_mat_close(
        "ComplementNB jll",
        jll.as_ref(),
        &matrix(&case["jll"]),
        JLL_TOL,
    );

    let bnb = BernoulliNb::new().fit(&x_train, &y_train).unwrap();
    let case = reference("BernoulliNB");
    let pred = bnb.predict(&x_test).unwrap();
    assert_eq!(
        pred,
        as_labels(usizes(&case["predict"])),
        "BernoulliNB predictions"
    );
    let jll = bnb.predict_joint_log_proba(&x_test).unwrap();
    assert_mat_close(
        "BernoulliNB jll",
        jll.as_ref(),
        &matrix(&case["jll"]),
        JLL_TOL,
    );
}
