//! Chapter 6: text. The spam filter: word counts of the SMS spam collection and naive
//! Bayes, trained on three quarters of the messages and judged on the rest, with the
//! multinomial, complement and Bernoulli models side by side.

use ml::core::datasets;
use ml::core::metrics::{Average, accuracy_score, f1_score};
use ml::core::model_selection::train_test_split;
use ml::supervised::{BernoulliNb, ComplementNb, MultinomialNb};
use ml::text::CountVectorizer;

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 6. Text: the spam filter ==");
    let sms = datasets::load_sms_spam()?;
    let (train, test) =
        train_test_split(sms.texts.len(), 0.25, 0, Some(sms.target.as_slice()), true)?;
    let texts = |idx: &[usize]| {
        idx.iter()
            .map(|&i| sms.texts[i].as_str())
            .collect::<Vec<_>>()
    };
    let labels = |idx: &[usize]| idx.iter().map(|&i| sms.target[i]).collect::<Vec<_>>();
    let (y_train, y_test) = (labels(&train), labels(&test));

    let (fitted, secs) = timed(|| CountVectorizer::new().fit_transform(&texts(&train)));
    let (vectorizer, counts) = fitted?;
    let test_counts = vectorizer.transform(&texts(&test))?;
    println!(
        "{} training messages → {} distinct words ({:.1} ms to tokenise and count)",
        train.len(),
        vectorizer.n_features_in(),
        secs * 1e3
    );
    let report = |name: &str, predicted: Vec<usize>, secs: f64| -> Result<(), ml::Error> {
        println!(
            "  {name:<14} accuracy {:.3}, F1 on spam {:.3} on {} held-out messages ({:.1} ms)",
            accuracy_score(&y_test, &predicted)?,
            f1_score(&y_test, &predicted, Average::Binary { pos_label: 1 })?,
            test.len(),
            secs * 1e3
        );
        Ok(())
    };
    let (predicted, secs) = timed(|| -> Result<_, ml::Error> {
        let m = MultinomialNb::new().fit(counts.as_ref(), &y_train)?;
        m.predict(test_counts.as_ref())
    });
    report("multinomial NB", predicted?, secs)?;
    let (predicted, secs) = timed(|| -> Result<_, ml::Error> {
        let m = ComplementNb::new().fit(counts.as_ref(), &y_train)?;
        m.predict(test_counts.as_ref())
    });
    report("complement NB", predicted?, secs)?;
    let (predicted, secs) = timed(|| -> Result<_, ml::Error> {
        let m = BernoulliNb::new().fit(counts.as_ref(), &y_train)?;
        m.predict(test_counts.as_ref())
    });
    report("Bernoulli NB", predicted?, secs)?;
    Ok(())
}
