//! The spam filter, end to end: the SMS spam collection, scikit-learn's stratified split
//! (`train_test_split(test_size=0.25, random_state=0, stratify=y)`, indices stored in
//! the fixture so both sides use the same rows), `ml_core::text::CountVectorizer`
//! fitted on the training messages, then [`MultinomialNB`], [`ComplementNB`] and
//! [`BernoulliNB`] with scikit-learn's defaults.
//!
//! Checked against `scripts/refdata/naive_bayes.py`'s fixture: the vocabulary and both
//! count matrices exactly, predictions identical, the joint log-likelihood within
//! 1e-10 relative (sums in another order than BLAS), and an accuracy of at least 0.98
//! for the multinomial model.

use faer::Mat;
use ml_core::datasets::load_sms_spam;
use ml_core::sparse::Csr;
use ml_core::text::CountVectorizer;
use ml_supervised::{BernoulliNB, ComplementNB, MultinomialNB};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("data/naive_bayes_sms.json")).expect("valid fixture JSON")
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("integer") as usize)
        .collect()
}

fn matrix(v: &Value) -> Mat<f64> {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

/// The CSR matrix equals the fixture's `indptr`/`indices`/`data` exactly.
fn assert_counts_equal(what: &str, got: &Csr, want: &Value) {
    assert_eq!(
        [got.nrows(), got.ncols()].to_vec(),
        usizes(&want["shape"]),
        "{what}: shape"
    );
    let indptr = usizes(&want["indptr"]);
    let indices = usizes(&want["indices"]);
    let data = usizes(&want["data"]);
    for i in 0..got.nrows() {
        let (a, b) = (indptr[i], indptr[i + 1]);
        assert_eq!(got.col_idx_of_row_raw(i), &indices[a..b], "{what}: row {i}");
        let vals: Vec<usize> = got.val_of_row(i).iter().map(|&v| v as usize).collect();
        assert_eq!(vals, &data[a..b], "{what}: row {i}");
    }
}

fn assert_jll_close(what: &str, got: &Mat<f64>, want: &Mat<f64>) {
    assert_eq!((got.nrows(), got.ncols()), (want.nrows(), want.ncols()));
    for i in 0..want.nrows() {
        for c in 0..want.ncols() {
            let (a, b) = (got[(i, c)], want[(i, c)]);
            assert!(
                a == b || (a - b).abs() <= 1e-10 * a.abs().max(b.abs()),
                "{what} jll[{i}, {c}]: {a} vs {b}"
            );
        }
    }
}

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
    assert_counts_equal("train counts", &x_train, &f["train_counts"]);
    assert_counts_equal("test counts", &x_test, &f["test_counts"]);

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

    let mnb = MultinomialNB::new()
        .fit_csr(x_train.as_ref(), &y_train, None)
        .unwrap();
    assert_eq!(mnb.classes(), &["ham", "spam"]);
    let pred = mnb.predict_csr(x_test.as_ref()).unwrap();
    let case = reference("MultinomialNB");
    assert_eq!(
        pred,
        as_labels(usizes(&case["predict"])),
        "MultinomialNB predictions"
    );
    assert!(accuracy(&pred) >= 0.98, "accuracy {}", accuracy(&pred));
    assert_eq!(accuracy(&pred), case["accuracy"].as_f64().unwrap());
    let jll = mnb.predict_joint_log_proba_csr(x_test.as_ref()).unwrap();
    assert_jll_close("MultinomialNB", &jll, &matrix(&case["jll"]));

    let cnb = ComplementNB::new()
        .fit_csr(x_train.as_ref(), &y_train, None)
        .unwrap();
    let case = reference("ComplementNB");
    let pred = cnb.predict_csr(x_test.as_ref()).unwrap();
    assert_eq!(
        pred,
        as_labels(usizes(&case["predict"])),
        "ComplementNB predictions"
    );
    let jll = cnb.predict_joint_log_proba_csr(x_test.as_ref()).unwrap();
    assert_jll_close("ComplementNB", &jll, &matrix(&case["jll"]));

    let bnb = BernoulliNB::new()
        .fit_csr(x_train.as_ref(), &y_train, None)
        .unwrap();
    let case = reference("BernoulliNB");
    let pred = bnb.predict_csr(x_test.as_ref()).unwrap();
    assert_eq!(
        pred,
        as_labels(usizes(&case["predict"])),
        "BernoulliNB predictions"
    );
    let jll = bnb.predict_joint_log_proba_csr(x_test.as_ref()).unwrap();
    assert_jll_close("BernoulliNB", &jll, &matrix(&case["jll"]));
}
