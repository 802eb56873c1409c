//! t-SNE: parity with scikit-learn 1.9.1 (`scripts/refdata/tsne.py` →
//! `tests/data/tsne.json`: affinities on wine and iris within 1e-6, digits' trustworthiness and
//! KL), properties (P symmetric, non-negative, summing to 1; one seed, one embedding on
//! 1 and 2 threads; the KL falls; saved models), and bad input.

use faer::Mat;
use ml_core::Error;
use ml_core::metrics::trustworthiness;
use ml_decomp::tsne::{LearningRate, Tsne, TsneInit, TsneMethod, TsneModel};
use proptest::prelude::*;

mod common;
use common::floats;

fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!("data/tsne.json")).expect("fixture")
}

fn dense_of(p: &ml_core::sparse::Csr) -> Mat<f64> {
    let r = p.as_ref();
    let mut m = Mat::zeros(r.nrows(), r.ncols());
    for i in 0..r.nrows() {
        for (&j, &v) in r.col_idx_of_row_raw(i).iter().zip(r.val_of_row(i)) {
            m[(i, j)] = v;
        }
    }
    m
}

#[test]
fn affinities_are_scikit_learn_s() {
    let f = fixture();
    let iris = ml_core::datasets::load_iris().unwrap().data;
    let wine = ml_core::datasets::load_wine().unwrap().data;
    let n = wine.nrows();
    let nn = &f["p_nn"];
    let p = Tsne::new()
        .perplexity(nn["perplexity"].as_f64().unwrap())
        .affinities(wine.as_ref())
        .unwrap();
    let got = dense_of(&p);
    let (indptr, indices, data) = (&nn["indptr"], &nn["indices"], floats(&nn["data"]));
    let mut want = Mat::<f64>::zeros(n, n);
    for i in 0..n {
        let (a, b) = (
            indptr[i].as_u64().unwrap() as usize,
            indptr[i + 1].as_u64().unwrap() as usize,
        );
        for k in a..b {
            want[(i, indices[k].as_u64().unwrap() as usize)] = data[k];
        }
    }
    for i in 0..n {
        for j in 0..n {
            let w = want[(i, j)];
            assert!(
                (got[(i, j)] - w).abs() <= 1e-6 * w.max(1e-4),
                "{i} {j}: {} vs {w}",
                got[(i, j)]
            );
        }
    }
    let ex = &f["p_exact"];
    let x60 = Mat::from_fn(60, 4, |i, j| iris[(i, j)]);
    let p = Tsne::new()
        .method(TsneMethod::Exact)
        .perplexity(ex["perplexity"].as_f64().unwrap())
        .affinities(x60.as_ref())
        .unwrap();
    let got = dense_of(&p);
    let want = floats(&ex["p"]);
    for i in 0..60 {
        for j in 0..60 {
            let w = want[i * 60 + j];
            assert!(
                (got[(i, j)] - w).abs() <= 1e-6 * w.max(1e-4),
                "{i} {j}: {} vs {w}",
                got[(i, j)]
            );
        }
    }
}

#[test]
fn digits_embed_as_well_as_with_scikit_learn() {
    let f = fixture();
    let digits = ml_core::datasets::load_digits().unwrap().data;
    let model = Tsne::new().fit(digits.as_ref()).unwrap();
    let t = trustworthiness(digits.as_ref(), model.embedding().as_ref(), 5).unwrap();
    let want_t = f["digits"]["trustworthiness"].as_f64().unwrap();
    let want_kl = f["digits"]["kl_divergence"].as_f64().unwrap();
    assert!(
        t >= want_t - 0.01,
        "trustworthiness {t} vs scikit-learn's {want_t}"
    );
    let kl = model.kl_divergence();
    assert!(
        (kl - want_kl).abs() <= 0.05 * want_kl,
        "KL {kl} vs scikit-learn's {want_kl}"
    );
    assert_eq!(
        model.n_iter(),
        f["digits"]["n_iter"].as_u64().unwrap() as usize
    );
    // Exact on a subset agrees with Barnes-Hut on it.
    let sub = Mat::from_fn(300, 64, |i, j| digits[(i, j)]);
    let exact = Tsne::new()
        .method(TsneMethod::Exact)
        .fit(sub.as_ref())
        .unwrap();
    let te = trustworthiness(sub.as_ref(), exact.embedding().as_ref(), 5).unwrap();
    assert!(te > 0.95, "{te}");
}

#[test]
fn one_seed_gives_one_embedding_on_any_thread_count() {
    let digits = ml_core::datasets::load_digits().unwrap().data;
    let x = Mat::from_fn(400, 64, |i, j| digits[(i, j)]);
    let fit = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                Tsne::new()
                    .init(TsneInit::Random)
                    .seed(3)
                    .max_iter(300)
                    .fit(x.as_ref())
                    .unwrap()
            })
    };
    let (a, b) = (fit(1), fit(2));
    assert_eq!(a.embedding(), b.embedding());
    assert_eq!(a.kl_divergence(), b.kl_divergence());
}

#[test]
fn the_kl_falls_and_progress_is_reported() {
    let iris = ml_core::datasets::load_iris().unwrap().data;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let model = Tsne::new()
        .perplexity(20.0)
        .on_progress(move |p| log.lock().unwrap().push(p))
        .fit(iris.as_ref())
        .unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 5);
    assert!(
        seen.windows(2)
            .all(|w| w[1].iteration == w[0].iteration + 50)
    );
    // After the exaggerated phase, the last KL is below the first.
    let after: Vec<f64> = seen
        .iter()
        .filter(|p| p.iteration >= 250)
        .map(|p| p.kl_divergence)
        .collect();
    assert!(after.last().unwrap() < after.first().unwrap(), "{after:?}");
    assert_eq!(model.kl_divergence(), *after.last().unwrap());
    let bytes = ml_core::persist::to_bytes(&model).unwrap();
    let back: TsneModel = ml_core::persist::from_bytes(&bytes).unwrap();
    assert_eq!(back.embedding(), model.embedding());
    ml_core::testing::check_altered_model_files(&model, |m| {
        let _ = m.embedding();
    });
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = Mat::from_fn(20, 3, |i, j| (i * 3 + j) as f64);
    let bad = |r: Result<TsneModel, Error>, name: &str| match r {
        Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
        other => panic!("{name}: expected InvalidParameter, got {other:?}"),
    };
    bad(Tsne::new().perplexity(20.0).fit(x.as_ref()), "perplexity");
    bad(Tsne::new().perplexity(0.0).fit(x.as_ref()), "perplexity");
    bad(
        Tsne::new().perplexity(5.0).n_components(4).fit(x.as_ref()),
        "n_components",
    );
    bad(
        Tsne::new().perplexity(5.0).n_components(0).fit(x.as_ref()),
        "n_components",
    );
    bad(
        Tsne::new()
            .perplexity(5.0)
            .learning_rate(LearningRate::Fixed(0.0))
            .fit(x.as_ref()),
        "learning_rate",
    );
    bad(
        Tsne::new().perplexity(5.0).max_iter(249).fit(x.as_ref()),
        "max_iter",
    );
    bad(
        Tsne::new()
            .perplexity(5.0)
            .early_exaggeration(0.5)
            .fit(x.as_ref()),
        "early_exaggeration",
    );
    bad(
        Tsne::new()
            .perplexity(5.0)
            .method(TsneMethod::BarnesHut(1.5))
            .fit(x.as_ref()),
        "angle",
    );
    assert!(matches!(
        Tsne::new()
            .perplexity(0.5)
            .fit(Mat::<f64>::zeros(1, 3).as_ref()),
        Err(Error::TooFewSamples { .. })
    ));
    let mut nan = x.clone();
    nan[(3, 1)] = f64::NAN;
    assert!(matches!(
        Tsne::new().perplexity(5.0).fit(nan.as_ref()),
        Err(Error::NonFinite { row: 3, col: 1, .. })
    ));
    assert!(matches!(
        Tsne::new()
            .perplexity(5.0)
            .fit(Mat::<f64>::zeros(0, 3).as_ref()),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        Tsne::new()
            .perplexity(5.0)
            .init(TsneInit::Given(Mat::zeros(19, 2)))
            .fit(x.as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
    // Exact takes more than 3 components.
    assert!(
        Tsne::new()
            .perplexity(5.0)
            .method(TsneMethod::Exact)
            .n_components(4)
            .max_iter(250)
            .fit(x.as_ref())
            .is_ok()
    );
    // Extreme magnitudes fit or refuse, never panic.
    for s in [1e300, 1e-300] {
        let big = Mat::from_fn(20, 3, |i, j| x[(i, j)] * s);
        let r = Tsne::new().perplexity(5.0).max_iter(250).fit(big.as_ref());
        if let Ok(m) = r {
            assert!(
                m.embedding()
                    .col_iter()
                    .all(|c| c.iter().all(|v| v.is_finite()))
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn affinities_are_a_symmetric_distribution(
        (n, d, v) in (8usize..40, 1usize..5).prop_flat_map(|(n, d)| (Just(n), Just(d), proptest::collection::vec(-5.0f64..5.0, n * d))),
        perplexity in 1.0f64..6.0,
        exact in any::<bool>(),
    ) {
        let x = Mat::from_fn(n, d, |i, j| v[i * d + j]);
        let method = if exact { TsneMethod::Exact } else { TsneMethod::DEFAULT };
        let p = dense_of(&Tsne::new().perplexity(perplexity).method(method).affinities(x.as_ref()).unwrap());
        let mut total = 0.0;
        for i in 0..n {
            prop_assert_eq!(p[(i, i)], 0.0);
            for j in 0..n {
                prop_assert!(p[(i, j)] >= 0.0);
                prop_assert!((p[(i, j)] - p[(j, i)]).abs() <= 1e-15);
                total += p[(i, j)];
            }
        }
        prop_assert!((total - 1.0).abs() <= 1e-12);
    }
}
