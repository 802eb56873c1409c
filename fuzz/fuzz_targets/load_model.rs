//! Any bytes, loaded as every model type: a typed error or a model that predicts on a
//! small valid matrix without panicking. Seeds: model files written by the tests.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ml::core::persist::{self, Persist};
use ml::faer::Mat;

fn try_load<M: Persist>(bytes: &[u8], use_it: impl Fn(&M)) {
    if let Ok(model) = persist::from_bytes::<M>(bytes) {
        use_it(&model);
    }
}

fuzz_target!(|bytes: &[u8]| {
    let x = Mat::from_fn(4, 3, |i, j| (i * 3 + j) as f64 * 0.5);
    let xr = x.as_ref();
    use ml::decomp::*;
    use ml::supervised::*;
    try_load::<LinearRegressionModel>(bytes, |m| drop(m.predict(xr)));
    try_load::<RidgeModel>(bytes, |m| drop(m.predict(xr)));
    try_load::<ElasticNetModel>(bytes, |m| drop(m.predict(xr)));
    try_load::<PolynomialFeaturesModel>(bytes, |m| drop(m.transform(xr)));
    try_load::<PolynomialRegressionModel>(bytes, |m| drop(m.predict(xr)));
    try_load::<LogisticRegressionModel<usize>>(bytes, |m| drop(m.predict_proba(xr)));
    try_load::<RidgeClassifierModel<usize>>(bytes, |m| drop(m.predict(xr)));
    try_load::<GaussianNbModel<usize>>(bytes, |m| drop(m.predict_proba(xr)));
    try_load::<MultinomialNbModel<usize>>(bytes, |m| drop(m.predict_proba(xr)));
    try_load::<ComplementNbModel<usize>>(bytes, |m| drop(m.predict_proba(xr)));
    try_load::<BernoulliNbModel<usize>>(bytes, |m| drop(m.predict_proba(xr)));
    try_load::<CategoricalNbModel<usize>>(bytes, |m| drop(m.predict_proba(xr)));
    try_load::<ml::cluster::KMeansModel>(bytes, |m| drop(m.predict(xr)));
    try_load::<ml::cluster::MiniBatchKMeansModel>(bytes, |m| drop(m.predict(xr)));
    try_load::<PcaModel>(bytes, |m| drop(m.transform(xr)));
    try_load::<IncrementalPcaModel>(bytes, |m| drop(m.transform(xr)));
    try_load::<TruncatedSvdModel>(bytes, |m| drop(m.transform(xr)));
    try_load::<NmfModel>(bytes, |m| drop(m.transform(xr)));
    try_load::<ml::decomp::lda::LatentDirichletAllocationModel>(bytes, |m| {
        drop(m.transform(xr));
        drop(m.perplexity(xr));
    });
    try_load::<ml::core::preprocessing::StandardScalerModel>(bytes, |m| drop(m.transform(xr)));
    try_load::<ml::core::preprocessing::MinMaxScalerModel>(bytes, |m| drop(m.transform(xr)));
    try_load::<ml::assoc::Transactions>(bytes, |t| drop(ml::assoc::FpGrowth::new(0.5).fit(t)));
    try_load::<ml::assoc::FrequentItemsets>(bytes, |s| {
        drop(ml::assoc::AssociationRules::new().fit(s));
    });
    try_load::<ml::assoc::Rules>(bytes, |r| drop(r.antecedent_names(0)));
});
