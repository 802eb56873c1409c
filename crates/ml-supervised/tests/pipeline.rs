//! Naive Bayes inside `ml_core`'s generic machinery: a [`Pipeline`] of TF-IDF weighting
//! and [`MultinomialNb`] on the SMS spam word counts (CSR from start to end), fitted
//! directly and cross-validated with stratified folds.

use ml_core::datasets::load_sms_spam;
use ml_core::model_selection::{StratifiedKFold, cross_val_score};
use ml_core::pipeline::Pipeline;
use ml_supervised::MultinomialNb;
use ml_text::{CountVectorizer, TfidfTransformer};

#[test]
fn tfidf_then_multinomial_nb_filters_spam() {
    let sms = load_sms_spam().unwrap();
    let (_, counts) = CountVectorizer::new().fit_transform(&sms.texts).unwrap();
    let y: Vec<&str> = sms
        .target
        .iter()
        .map(|&t| sms.target_names[t].as_str())
        .collect();
    let pipeline = Pipeline::new(TfidfTransformer::new(), MultinomialNb::new());

    let model = pipeline.fit(&counts, &y).unwrap();
    assert_eq!(model.n_features_in(), counts.ncols());
    assert_eq!(model.classes(), &["ham", "spam"]);
    let predicted = model.predict(&counts).unwrap();
    let hits = predicted.iter().zip(&y).filter(|(a, b)| a == b).count();
    assert!(hits as f64 / y.len() as f64 >= 0.95, "training accuracy");

    let folds = StratifiedKFold::new()
        .n_splits(5)
        .shuffle(true)
        .seed(0)
        .split(&y)
        .unwrap();
    let scores = cross_val_score(&pipeline, &counts, &y, &folds).unwrap();
    assert_eq!(scores.len(), 5);
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    assert!(mean >= 0.95, "mean accuracy {mean} over folds {scores:?}");
}
