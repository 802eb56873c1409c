//! Criterion benches of `ml_supervised`'s naive Bayes models on the workloads of issue 5:
//! GaussianNb on 80 000 × 20 (three Gaussian classes, as `gnb_clf20`'s train split),
//! MultinomialNb on the SMS spam counts (`mnb_sms`), and vectorising + MultinomialNb on a
//! 100 000-document corpus resampled from the SMS messages (`mnb_sms100k`: document `i`
//! is message `(7919 i) mod 5574`, 80 000 to train, 20 000 to test).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_benches::datasets::gaussian_classes;
use ml_core::datasets::load_sms_spam;
use ml_supervised::{GaussianNb, MultinomialNb};
use ml_text::CountVectorizer;

fn gaussian(c: &mut Criterion) {
    let (n, d, k) = (80_000, 20, 3);
    let (x, y) = gaussian_classes(n, d, k, 0);
    let test = x.subrows(0, 20_000);
    let est = GaussianNb::new();
    let model = est.fit(x.as_ref(), &y).unwrap();
    let mut g = c.benchmark_group("gaussian_nb_80000x20");
    g.bench_function("fit", |b| {
        b.iter(|| black_box(est.fit(x.as_ref(), &y).unwrap()))
    });
    g.bench_function("predict_20000", |b| {
        b.iter(|| black_box(model.predict(test).unwrap()))
    });
    g.finish();
}

fn multinomial(c: &mut Criterion) {
    let sms = load_sms_spam().unwrap();
    let (vectorizer, counts) = CountVectorizer::new().fit_transform(&sms.texts).unwrap();
    let est = MultinomialNb::new();
    let model = est.fit(counts.as_ref(), &sms.target).unwrap();
    let mut g = c.benchmark_group("multinomial_nb_sms");
    g.bench_function("fit_csr", |b| {
        b.iter(|| black_box(est.fit(counts.as_ref(), &sms.target).unwrap()))
    });
    g.bench_function("predict_csr", |b| {
        b.iter(|| black_box(model.predict(counts.as_ref()).unwrap()))
    });
    g.finish();
    drop(vectorizer);

    let n = sms.texts.len();
    let src: Vec<usize> = (0..100_000).map(|i| (i * 7919) % n).collect();
    let train: Vec<&str> = src[..80_000]
        .iter()
        .map(|&s| sms.texts[s].as_str())
        .collect();
    let test: Vec<&str> = src[80_000..]
        .iter()
        .map(|&s| sms.texts[s].as_str())
        .collect();
    let y: Vec<usize> = src[..80_000].iter().map(|&s| sms.target[s]).collect();
    let mut g = c.benchmark_group("multinomial_nb_sms100k");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("vectorise_fit_predict", |b| {
        b.iter(|| {
            let (v, c) = CountVectorizer::new().fit_transform(&train).unwrap();
            let m = est.fit(c.as_ref(), &y).unwrap();
            let t = v.transform(&test).unwrap();
            black_box(m.predict(t.as_ref()).unwrap())
        })
    });
    g.finish();
}

/// Runs every group with a short warm-up (2-core machines).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    gaussian(&mut c);
    multinomial(&mut c);
}

criterion_main!(benches);
