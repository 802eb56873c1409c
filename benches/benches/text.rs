//! Criterion benches of `ml_text` on the SMS Spam Collection (5574 messages):
//! `TfidfVectorizer` and `CountVectorizer` `fit_transform` with scikit-learn's defaults,
//! the LDA settings (`max_df = 0.95`, `min_df = 2`, English stop words), and
//! `transform` with a fitted vocabulary; plus TF-IDF on 100 000 messages resampled from
//! the collection (message `i` is SMS `(i · 7919) mod 5574`), to show the scaling.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_text::{CountVectorizer, DocFrequency, StopWords, TfidfVectorizer};

fn bench_text(c: &mut Criterion) {
    let texts = ml_core::datasets::load_sms_spam()
        .expect("bundled data")
        .texts;
    let mut group = c.benchmark_group("text_sms");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("tfidf_fit_transform", |b| {
        b.iter(|| {
            TfidfVectorizer::new()
                .fit_transform(black_box(&texts))
                .unwrap()
        })
    });
    group.bench_function("count_fit_transform", |b| {
        b.iter(|| {
            CountVectorizer::new()
                .fit_transform(black_box(&texts))
                .unwrap()
        })
    });
    let lda = CountVectorizer::new()
        .max_df(DocFrequency::Fraction(0.95))
        .min_df(DocFrequency::Count(2))
        .stop_words(StopWords::English);
    group.bench_function("count_lda_settings_fit_transform", |b| {
        b.iter(|| lda.fit_transform(black_box(&texts)).unwrap())
    });
    let bigrams = TfidfVectorizer::new().ngram_range(1, 2);
    group.bench_function("tfidf_bigrams_fit_transform", |b| {
        b.iter(|| bigrams.fit_transform(black_box(&texts)).unwrap())
    });
    let model = TfidfVectorizer::new().fit(&texts).unwrap();
    group.bench_function("tfidf_transform", |b| {
        b.iter(|| model.transform(black_box(&texts)).unwrap())
    });
    group.finish();

    let corpus: Vec<&str> = (0..100_000)
        .map(|i| texts[(i * 7919) % texts.len()].as_str())
        .collect();
    let mut group = c.benchmark_group("text_sms100k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("tfidf_fit_transform", |b| {
        b.iter(|| {
            TfidfVectorizer::new()
                .fit_transform(black_box(&corpus))
                .unwrap()
        })
    });
    group.finish();
}

fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    bench_text(&mut c);
}

criterion_main!(benches);
