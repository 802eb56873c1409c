//! Criterion benches of `ml_decomp`'s topic models on the SMS Spam Collection, the
//! inputs of the comparison runner's `lda_sms`, `lda_sms20k` and `nmf_sms_tfidf`
//! workloads (vectorised once, outside the timings):
//!
//! - `LatentDirichletAllocation` (10 topics, batch, scikit-learn's defaults) `fit` and
//!   `transform` on the counts of `CountVectorizer(max_df = 0.95, min_df = 2, English
//!   stop words)`, and `fit` on those of 20 000 documents resampled from the messages
//!   (document `i` is message `(i · 7919) mod 5574`), to show the scaling;
//! - `Nmf` (10 components, NNDSVDa, coordinate descent and multiplicative updates) on
//!   the TF-IDF matrix with the same vocabulary settings, as scikit-learn's
//!   topic-extraction example.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_main};
use ml_core::sparse::Csr;
use ml_decomp::lda::LatentDirichletAllocation;
use ml_decomp::nmf::{Nmf, NmfBetaLoss, NmfSolver};
use ml_text::{CountVectorizer, DocFrequency, StopWords, TfidfVectorizer};

fn messages() -> Vec<String> {
    ml_core::datasets::load_sms_spam()
        .expect("bundled data")
        .texts
}

/// The LDA counts of `docs` (the topic-extraction example's vocabulary settings).
fn counts(docs: &[String]) -> Csr {
    CountVectorizer::new()
        .max_df(DocFrequency::Fraction(0.95))
        .min_df(DocFrequency::Count(2))
        .stop_words(StopWords::English)
        .fit_transform(docs)
        .expect("non-empty vocabulary")
        .1
}

fn lda(c: &mut Criterion) {
    let texts = messages();
    let x = counts(&texts);
    let est = LatentDirichletAllocation::new(10).seed(0);
    let mut g = c.benchmark_group("lda_sms_10_topics");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("fit", |b| {
        b.iter(|| est.fit(black_box(x.as_ref())).unwrap())
    });
    let model = est.fit(x.as_ref()).unwrap();
    g.bench_function("transform", |b| {
        b.iter(|| model.transform(black_box(x.as_ref())).unwrap())
    });
    g.finish();

    let corpus: Vec<String> = (0..20_000)
        .map(|i| texts[(i * 7919) % texts.len()].clone())
        .collect();
    let x20k = counts(&corpus);
    let mut g = c.benchmark_group("lda_sms20k_10_topics");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("fit", |b| {
        b.iter(|| est.fit(black_box(x20k.as_ref())).unwrap())
    });
    g.finish();
}

fn nmf(c: &mut Criterion) {
    let texts = messages();
    let (_, x) = TfidfVectorizer::new()
        .max_df(DocFrequency::Fraction(0.95))
        .min_df(DocFrequency::Count(2))
        .stop_words(StopWords::English)
        .fit_transform(&texts)
        .expect("non-empty vocabulary");
    let mut g = c.benchmark_group("nmf_sms_tfidf_10_components");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    // The example's Frobenius fit: L1 penalty on both factors.
    let cd = Nmf::new(10).alpha_w(5e-5).l1_ratio(1.0).seed(1);
    g.bench_function("fit_cd_frobenius", |b| {
        b.iter(|| cd.fit(black_box(x.as_ref())).unwrap())
    });
    let kl = Nmf::new(10)
        .solver(NmfSolver::Mu)
        .beta_loss(NmfBetaLoss::KullbackLeibler)
        .seed(1);
    g.bench_function("fit_mu_kullback_leibler", |b| {
        b.iter(|| kl.fit(black_box(x.as_ref())).unwrap())
    });
    g.finish();
}

fn benches() {
    let mut c = Criterion::default().configure_from_args();
    lda(&mut c);
    nmf(&mut c);
}

criterion_main!(benches);
