//! Parity of the text vectorisers with scikit-learn 1.9.1, their invariants, and their
//! errors.
//!
//! Reads `tests/data/text.json`, written by `scripts/refdata/text.py` from the bundled SMS
//! Spam Collection. Tolerances:
//! - vocabularies, analyzer output and count matrices: exact;
//! - idf and TF-IDF values: 1e-12 absolute (both sides do the same operations in the
//!   same order; only `ln` may differ in the last bit between numpy and Rust's libm).
//!
//! With `max_features`, scikit-learn breaks ties at the cut-off with numpy's unstable
//! argsort, while ml-core keeps the smaller term; the fixture's reference applies
//! ml-core's rule, and the test checks that scikit-learn's own choice differs from it
//! only among terms tied at the cut-off.

use ml_core::Error;
use ml_core::persist;
use ml_core::sparse::Csr;
use ml_text::{
    CountVectorizer, DocFrequency, Norm, StopWords, TfidfTransformer, TfidfVectorizer,
    TfidfVectorizerModel,
};
use proptest::prelude::*;
use serde_json::Value;

const TOL: f64 = 1e-12;

fn fixture() -> &'static Value {
    static FIXTURE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/text.json");
        let text = std::fs::read_to_string(path).expect("fixture exists");
        serde_json::from_str(&text).expect("fixture is JSON")
    })
}

fn sms() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| ml_core::datasets::load_sms_spam().expect("bundled").texts)
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn ints(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_u64().expect("an integer") as usize)
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_str().expect("a string").to_owned())
        .collect()
}

/// `(row_ptr, col_idx, values)` of a compact CSR matrix.
fn parts(x: &Csr) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
    let s = x.symbolic();
    (s.row_ptr().to_vec(), s.col_idx().to_vec(), x.val().to_vec())
}

fn assert_close(ours: &[f64], theirs: &[f64], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    for (k, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= TOL, "{what}[{k}]: {a} vs {b}");
    }
}

/// Exact equality of a count matrix with a fixture CSR.
fn assert_matrix_eq(x: &Csr, reference: &Value) {
    let shape = ints(&reference["shape"]);
    assert_eq!((x.nrows(), x.ncols()), (shape[0], shape[1]));
    let (row_ptr, col_idx, vals) = parts(x);
    assert_eq!(row_ptr, ints(&reference["indptr"]));
    assert_eq!(col_idx, ints(&reference["indices"]));
    assert_eq!(vals, floats(&reference["data"]));
}

#[test]
fn sms_texts_match_the_fixture() {
    assert_eq!(
        sms().len() as u64,
        fixture()["n_documents"].as_u64().unwrap()
    );
}

#[test]
fn count_defaults_match_sklearn_on_sms() {
    let reference = &fixture()["count_default"];
    let (model, x) = CountVectorizer::new().fit_transform(sms()).unwrap();
    assert_eq!(model.vocabulary(), strings(&reference["vocabulary"]));
    assert_matrix_eq(&x, &reference["matrix"]);
    // fit + transform gives the same matrix.
    let again = CountVectorizer::new()
        .fit(sms())
        .unwrap()
        .transform(sms())
        .unwrap();
    assert_eq!(parts(&again), parts(&x));
}

#[test]
fn tfidf_defaults_match_sklearn_on_sms() {
    let reference = &fixture()["tfidf_default"];
    let counts = &fixture()["count_default"]["matrix"];
    let (model, x) = TfidfVectorizer::new().fit_transform(sms()).unwrap();
    assert_close(model.idf(), &floats(&reference["idf"]), "idf");
    let (row_ptr, col_idx, vals) = parts(&x);
    assert_eq!(row_ptr, ints(&counts["indptr"]));
    assert_eq!(col_idx, ints(&counts["indices"]));
    let step = reference["row_step"].as_u64().unwrap() as usize;
    let ours: Vec<f64> = (0..x.nrows())
        .step_by(step)
        .flat_map(|i| vals[row_ptr[i]..row_ptr[i + 1]].iter().copied())
        .collect();
    assert_close(&ours, &floats(&reference["data"]), "tf-idf values");
    // transform of the fitted documents equals fit_transform.
    assert_eq!(parts(&model.transform(sms()).unwrap()), parts(&x));
    // TfidfTransformer on the counts gives the same matrix.
    let (_, counts) = CountVectorizer::new().fit_transform(sms()).unwrap();
    let (tmodel, y) = TfidfTransformer::new()
        .fit_transform(counts.as_ref())
        .unwrap();
    assert_eq!(tmodel.idf(), model.idf());
    assert_eq!(parts(&y), parts(&x));
}

fn options_settings() -> TfidfVectorizer {
    TfidfVectorizer::new()
        .ngram_range(1, 2)
        .min_df(DocFrequency::Count(2))
        .max_df(DocFrequency::Fraction(0.95))
        .stop_words(StopWords::English)
        .max_features(Some(1000))
        .binary(true)
        .sublinear_tf(true)
}

#[test]
fn tfidf_options_match_sklearn_on_sms() {
    let reference = &fixture()["tfidf_options"];
    let (model, x) = options_settings().fit_transform(sms()).unwrap();
    let vocabulary = strings(&reference["vocabulary"]);
    assert_eq!(model.vocabulary(), vocabulary);
    assert_close(model.idf(), &floats(&reference["idf"]), "idf");
    let (row_ptr, col_idx, vals) = parts(&x);
    let m = &reference["matrix"];
    assert_eq!(row_ptr, ints(&m["indptr"]));
    assert_eq!(col_idx, ints(&m["indices"]));
    assert_close(&vals, &floats(&m["data"]), "tf-idf values");

    // scikit-learn's own selection differs only among terms tied at the cut-off.
    let tie = reference["tie_count"].as_u64().unwrap() as f64;
    let (full, counts) = CountVectorizer::new()
        .ngram_range(1, 2)
        .min_df(DocFrequency::Count(2))
        .max_df(DocFrequency::Fraction(0.95))
        .stop_words(StopWords::English)
        .binary(true)
        .fit_transform(sms())
        .unwrap();
    let totals = ml_core::sparse::column_sums(counts.as_ref()).unwrap();
    let theirs = strings(&reference["sklearn_vocabulary"]);
    assert_eq!(theirs.len(), vocabulary.len());
    for term in theirs.iter().filter(|t| !vocabulary.contains(t)) {
        let j = full.index_of(term).unwrap();
        assert_eq!(totals[j], tie, "{term} is not tied at the cut-off");
    }
    for term in vocabulary.iter().filter(|t| !theirs.contains(t)) {
        let j = full.index_of(term).unwrap();
        assert_eq!(totals[j], tie, "{term} is not tied at the cut-off");
    }
}

#[test]
fn lda_settings_match_sklearn_on_sms() {
    let reference = &fixture()["count_lda"];
    let (model, x) = CountVectorizer::new()
        .max_df(DocFrequency::Fraction(0.95))
        .min_df(DocFrequency::Count(2))
        .stop_words(StopWords::English)
        .fit_transform(sms())
        .unwrap();
    assert_eq!(model.vocabulary(), strings(&reference["vocabulary"]));
    assert_matrix_eq(&x, &reference["matrix"]);
}

#[test]
fn analyzer_matches_python_tokens() {
    let plain = CountVectorizer::new();
    let cased = CountVectorizer::new().lowercase(false);
    let ngrams = CountVectorizer::new()
        .ngram_range(1, 3)
        .stop_words(StopWords::English);
    for case in fixture()["analyzer"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        assert_eq!(
            plain.analyze(text).unwrap(),
            strings(&case["tokens"]),
            "{text:?}"
        );
        assert_eq!(
            cased.analyze(text).unwrap(),
            strings(&case["tokens_cased"]),
            "{text:?}"
        );
        assert_eq!(
            ngrams.analyze(text).unwrap(),
            strings(&case["ngrams_1_3_english"]),
            "{text:?}"
        );
    }
    assert_eq!(
        StopWords::english_list(),
        strings(&fixture()["english_stop_words"])
    );
}

#[test]
fn bad_input_gives_typed_errors() {
    // Only stop words and one-letter words: nothing to count.
    let docs = ["the and of", "a b c", "I"];
    assert!(matches!(
        CountVectorizer::new().stop_words(StopWords::English).fit(&docs),
        Err(Error::EmptyInput { what }) if what.contains("stop words")
    ));
    assert!(matches!(
        TfidfVectorizer::new().fit(&["x y z"]),
        Err(Error::EmptyInput { .. })
    ));
    // min_df above max_df, in documents.
    let docs = ["aa bb", "aa cc", "aa dd", "ee ff"];
    let err = CountVectorizer::new()
        .min_df(DocFrequency::Count(3))
        .max_df(DocFrequency::Fraction(0.5))
        .fit(&docs)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter { name: "min_df", .. }
    ));
    assert!(
        err.to_string().contains("lower min_df or raise max_df"),
        "{err}"
    );
    // Pruning that leaves nothing.
    assert!(matches!(
        CountVectorizer::new().min_df(DocFrequency::Count(4)).fit(&docs),
        Err(Error::EmptyInput { what }) if what.contains("min_df")
    ));
    for (name, cv) in [
        (
            "min_df",
            CountVectorizer::new().min_df(DocFrequency::Fraction(-0.1)),
        ),
        (
            "max_df",
            CountVectorizer::new().max_df(DocFrequency::Fraction(1.01)),
        ),
        ("ngram_range", CountVectorizer::new().ngram_range(0, 1)),
        ("ngram_range", CountVectorizer::new().ngram_range(2, 1)),
        ("max_features", CountVectorizer::new().max_features(Some(0))),
    ] {
        assert!(
            matches!(cv.fit(&docs), Err(Error::InvalidParameter { name: n, .. }) if n == name),
            "{name}"
        );
    }
    assert!(matches!(
        TfidfVectorizer::new().ngram_range(2, 1).fit(&docs),
        Err(Error::InvalidParameter {
            name: "ngram_range",
            ..
        })
    ));
    // TfidfTransformer input checks.
    let neg = ml_core::sparse::csr_from_triplets(2, 2, &[(0, 0, 1.0), (1, 1, -1.0)]).unwrap();
    assert!(matches!(
        TfidfTransformer::new().fit(neg.as_ref()),
        Err(Error::NegativeValue { row: 1, col: 1, .. })
    ));
    let ok = ml_core::sparse::csr_from_triplets(2, 2, &[(0, 0, 1.0)]).unwrap();
    assert!(matches!(
        TfidfTransformer::new().smooth_idf(false).fit(ok.as_ref()),
        Err(Error::InvalidParameter {
            name: "smooth_idf",
            ..
        })
    ));
    let model = TfidfTransformer::new().fit(ok.as_ref()).unwrap();
    let wide = ml_core::sparse::csr_from_triplets(1, 3, &[(0, 2, 1.0)]).unwrap();
    assert!(matches!(
        model.transform(wide.as_ref()),
        Err(Error::ShapeMismatch {
            expected: 2,
            got: 3,
            ..
        })
    ));
}

#[test]
fn unseen_terms_and_empty_documents_give_empty_rows() {
    let model = TfidfVectorizer::new().fit(&["aa bb", "bb cc"]).unwrap();
    let x = model.transform(&["zz yy", "", "bb"]).unwrap();
    assert_eq!(x.val_of_row(0).len(), 0);
    assert_eq!(x.val_of_row(1).len(), 0);
    assert_eq!(x.val_of_row(2), &[1.0]);
    let none: [&str; 0] = [];
    assert_eq!(model.transform(&none).unwrap().nrows(), 0);
}

#[test]
fn non_default_idf_and_norm_settings() {
    let docs = ["aa aa bb", "bb cc", "cc cc cc dd"];
    let (_, counts) = CountVectorizer::new().fit_transform(&docs).unwrap();
    let dense = counts.to_dense();
    // No idf, no norm: raw counts.
    let (model, x) = TfidfVectorizer::new()
        .use_idf(false)
        .norm(None)
        .fit_transform(&docs)
        .unwrap();
    assert!(model.idf().is_empty());
    assert_eq!(x.to_dense(), dense);
    // Unsmoothed idf, L1 norm: ln(3 / df) + 1, rows summing to one.
    let (model, x) = TfidfVectorizer::new()
        .smooth_idf(false)
        .norm(Some(Norm::L1))
        .fit_transform(&docs)
        .unwrap();
    let (rare, common) = (3f64.ln() + 1.0, 1.5f64.ln() + 1.0);
    assert_close(model.idf(), &[rare, common, common, rare], "idf");
    for i in 0..3 {
        let s: f64 = x.val_of_row(i).iter().sum();
        assert!((s - 1.0).abs() < 1e-15);
    }
}

fn temp_path(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ml-core-text-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("model.bin")
}

#[test]
fn save_load_round_trip() {
    let path = temp_path("roundtrip");
    let docs = &sms()[..500];
    let model = options_settings().fit(docs).unwrap();
    persist::save(&model, &path).unwrap();
    let back: TfidfVectorizerModel = persist::load(&path).unwrap();
    assert_eq!(back, model);
    assert_eq!(back.index_of("free"), model.index_of("free"));
    assert_eq!(
        parts(&back.transform(&sms()[500..900]).unwrap()),
        parts(&model.transform(&sms()[500..900]).unwrap())
    );
    let counts = CountVectorizer::new().fit(docs).unwrap();
    let bytes = persist::to_bytes(&counts).unwrap();
    let back: ml_text::CountVectorizerModel = persist::from_bytes(&bytes).unwrap();
    assert_eq!(back, counts);
    // The wrong model type is refused.
    assert!(matches!(
        persist::from_bytes::<TfidfVectorizerModel>(&bytes),
        Err(Error::Persist(_))
    ));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

/// Documents from a small vocabulary with punctuation, case and non-ASCII letters.
fn corpus() -> impl Strategy<Value = Vec<String>> {
    let word = prop::sample::select(vec![
        "spam",
        "Ham",
        "eggs",
        "the",
        "and",
        "a",
        "café",
        "ÜBER",
        "x1",
        "_id",
        "2024",
        "Σοφός",
        "naïve",
        "b",
        "free",
        "FREE",
        "call",
        "now",
    ]);
    let sep = prop::sample::select(vec![" ", ", ", "!", " - ", "\n", "...", "'"]);
    let doc = prop::collection::vec((word, sep), 0..15).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(w, s)| format!("{w}{s}"))
            .collect::<String>()
    });
    prop::collection::vec(doc, 1..40)
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn transform_of_fitted_docs_equals_fit_transform(docs in corpus(), bigrams in any::<bool>()) {
        let cv = CountVectorizer::new().ngram_range(1, if bigrams { 2 } else { 1 });
        if let Ok((model, x)) = cv.fit_transform(&docs) {
            prop_assert_eq!(parts(&model.transform(&docs).unwrap()), parts(&x));
        }
        let tv = TfidfVectorizer::new().sublinear_tf(bigrams).stop_words(StopWords::English);
        if let Ok((model, x)) = tv.fit_transform(&docs) {
            prop_assert_eq!(parts(&model.transform(&docs).unwrap()), parts(&x));
        }
    }

    #[test]
    fn row_sums_count_kept_terms(docs in corpus(), min_df in 1usize..4) {
        let cv = CountVectorizer::new().min_df(DocFrequency::Count(min_df)).ngram_range(1, 2);
        if let Ok((model, x)) = cv.fit_transform(&docs) {
            for (i, doc) in docs.iter().enumerate() {
                let kept = model
                    .analyze(doc)
                    .iter()
                    .filter(|t| model.index_of(t).is_some())
                    .count();
                let sum: f64 = x.val_of_row(i).iter().sum();
                prop_assert_eq!(sum, kept as f64);
                let cols = x.col_idx_of_row_raw(i);
                prop_assert!(cols.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn tfidf_rows_have_unit_norm_or_are_zero(docs in corpus(), sublinear in any::<bool>()) {
        if let Ok((_, x)) = TfidfVectorizer::new().sublinear_tf(sublinear).fit_transform(&docs) {
            for i in 0..x.nrows() {
                let n2: f64 = x.val_of_row(i).iter().map(|v| v * v).sum();
                prop_assert!(x.val_of_row(i).is_empty() || (n2 - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_threads_or_order(docs in corpus(), shift in 0usize..40) {
        // Enough documents for several parallel chunks.
        let many: Vec<String> = docs.iter().cycle().take(docs.len() * 20).cloned().collect();
        let tv = TfidfVectorizer::new().ngram_range(1, 2).max_features(Some(10));
        let one = in_pool(1, || tv.fit_transform(&many));
        let two = in_pool(2, || tv.fit_transform(&many));
        match (one, two) {
            (Ok((m1, x1)), Ok((m2, x2))) => {
                prop_assert_eq!(&m1, &m2);
                prop_assert_eq!(parts(&x1), parts(&x2));
                // Rotating the documents permutes the rows only.
                let k = shift % many.len();
                let mut rotated = many.clone();
                rotated.rotate_left(k);
                let (m3, x3) = tv.fit_transform(&rotated).unwrap();
                prop_assert_eq!(m3.vocabulary(), m1.vocabulary());
                prop_assert_eq!(m3.idf(), m1.idf());
                for i in 0..many.len() {
                    let r = (i + many.len() - k) % many.len();
                    prop_assert_eq!(x3.col_idx_of_row_raw(r), x1.col_idx_of_row_raw(i));
                    prop_assert_eq!(x3.val_of_row(r), x1.val_of_row(i));
                }
            }
            (Err(e1), Err(e2)) => prop_assert_eq!(e1, e2),
            _ => prop_assert!(false, "1 and 2 threads disagree on success"),
        }
    }
}

#[test]
fn an_unbounded_ngram_range_is_refused() {
    let err = CountVectorizer::new()
        .ngram_range(1, usize::MAX)
        .fit(&["the cat sat"])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "ngram_range",
                ..
            }
        ),
        "{err}"
    );
    let ok = CountVectorizer::new()
        .ngram_range(1, 64)
        .fit(&["the cat sat", "the dog sat"]);
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn counts_near_the_float_limit_keep_their_direction() {
    // Two documents, the second a scaled copy of the first: after L2 normalisation
    // their rows are identical, however large the counts.
    let counts = faer::mat![[1.0, 2.0, 0.0], [1e307, 2e307, 0.0], [0.0, 1.0, 1.0]];
    let csr = ml_core::sparse::csr_from_dense(counts.as_ref()).unwrap();
    let model = TfidfTransformer::new().fit(&csr).unwrap();
    let out = model.transform(&csr).unwrap();
    // Identity times the output: its dense form.
    let eye = faer::Mat::<f64>::identity(3, 3);
    let dense = ml_core::sparse::csr_times_dense(out.as_ref(), eye.as_ref()).unwrap();
    for j in 0..3 {
        assert!(dense[(1, j)].is_finite());
        assert!((dense[(0, j)] - dense[(1, j)]).abs() < 1e-12, "column {j}");
    }
    assert!(dense[(1, 0)] > 0.0);
}

#[test]
fn altered_model_files_load_into_usable_models_or_fail() {
    use ml_core::testing::check_altered_model_files;
    let docs = ["the cat sat", "the dog sat down", "a cat and a dog"];
    let counts = CountVectorizer::new().ngram_range(1, 2).fit(&docs).unwrap();
    check_altered_model_files(&counts, |m| {
        let _ = m.transform(&docs);
    });
    let (tfidf, x) = TfidfVectorizer::new().fit_transform(&docs).unwrap();
    check_altered_model_files(&tfidf, |m| {
        let _ = m.transform(&docs);
    });
    let counts_x = counts.transform(&docs).unwrap();
    let transformer = TfidfTransformer::new().fit(&counts_x).unwrap();
    check_altered_model_files(&transformer, |m| {
        let _ = m.transform(&counts_x);
        let _ = m.transform(&x);
    });
}
