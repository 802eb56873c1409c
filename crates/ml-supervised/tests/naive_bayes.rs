//! Naive Bayes against scikit-learn 1.9.1 (fixtures made by
//! `scripts/refdata/naive_bayes.py`), its invariants, bad input and the conformance kit.
//!
//! Tolerances: fitted attributes and joint log-likelihoods within 1e-10 relative (the
//! sums run in another order than numpy's pairwise sums and BLAS, which costs a few
//! ulps per term); log-probabilities within 1e-10 of the joint log-likelihood's scale,
//! not relatively, because the winning class's log-probability is a difference of two
//! nearly equal numbers (`jll − logsumexp`) on both sides and keeps only the absolute
//! precision of `jll`; counts exactly; predictions identical.

use faer::Mat;
use ml_core::sparse::Csr;
use ml_core::{Error, FitWeighted, PartialFit, persist};
use ml_supervised::{
    BernoulliNb, BernoulliNbModel, CategoricalNb, ComplementNb, GaussianNb, GaussianNbModel,
    MultinomialNb, MultinomialNbModel,
};
use proptest::prelude::*;
use serde_json::Value;

mod common;
use common::{
    assert_mat_close, assert_slice_close, csr, dataset, floats, matrix,
    naive_bayes_fixtures as fixtures, rel_close, sms_fixture as sms, usizes, weights,
};

const TOL: f64 = 1e-10;

/// Log-probabilities within `TOL` times the row's joint log-likelihood scale.
fn assert_log_proba_close(what: &str, got: &Mat<f64>, want: &Mat<f64>, jll: &Mat<f64>) {
    for i in 0..want.nrows() {
        let scale = (0..jll.ncols()).fold(1.0f64, |m, c| m.max(jll[(i, c)].abs()));
        for c in 0..want.ncols() {
            let (a, b) = (got[(i, c)], want[(i, c)]);
            assert!(
                (a - b).abs() <= TOL * scale,
                "{what} log_proba[{i}, {c}]: {a} vs {b} (scale {scale})"
            );
        }
    }
}

#[test]
fn gaussian_matches_scikit_learn_on_iris_and_wine() {
    let f = fixtures();
    for case in f["gaussian"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let what = format!("{name} {}", case["variant"]);
        let ds = dataset(name);
        let x = ds.data.as_ref();
        let shape = usizes(&case["ident"]["shape"]);
        assert_eq!((x.nrows(), x.ncols()), (shape[0], shape[1]), "{what}");
        let mut est = GaussianNb::new();
        if let Some(p) = case["params"].get("priors") {
            est = est.priors(Some(floats(p)));
        }
        if let Some(v) = case["params"].get("var_smoothing") {
            est = est.var_smoothing(v.as_f64().unwrap());
        }
        let model: GaussianNbModel<usize> = if case["sample_weight"].is_null() {
            est.fit(x, &ds.target).unwrap()
        } else {
            est.fit_weighted(x, &ds.target, &weights(x.nrows()))
                .unwrap()
        };
        assert_mat_close(
            &format!("{what} theta"),
            model.theta(),
            &matrix(&case["theta"]),
            TOL,
        );
        assert_mat_close(
            &format!("{what} var"),
            model.var(),
            &matrix(&case["var"]),
            TOL,
        );
        assert_slice_close(
            &format!("{what} class_prior"),
            model.class_prior(),
            &floats(&case["class_prior"]),
            TOL,
        );
        assert_slice_close(
            &format!("{what} class_count"),
            model.class_count(),
            &floats(&case["class_count"]),
            TOL,
        );
        assert!(
            rel_close(model.epsilon(), case["epsilon"].as_f64().unwrap(), TOL),
            "{what} epsilon"
        );
        let jll = model.predict_joint_log_proba(x).unwrap();
        let want_jll = matrix(&case["jll"]);
        assert_mat_close(&format!("{what} jll"), jll.as_ref(), &want_jll, TOL);
        let lp = model.predict_log_proba(x).unwrap();
        assert_log_proba_close(&what, &lp, &matrix(&case["log_proba"]), &want_jll);
        assert_eq!(
            model.predict(x).unwrap(),
            usizes(&case["predict"]),
            "{what}"
        );
    }
}

#[test]
fn categorical_matches_scikit_learn_on_binned_iris() {
    let f = fixtures();
    for case in f["categorical"].as_array().unwrap() {
        let what = format!("categorical {}", case["variant"]);
        let x = matrix(&case["x"]);
        let y = usizes(&case["y"]);
        let p = &case["params"];
        let mut est = CategoricalNb::new();
        if let Some(a) = p.get("alpha") {
            est = est.alpha(a.as_f64().unwrap());
        }
        if let Some(fp) = p.get("fit_prior") {
            est = est.fit_prior(fp.as_bool().unwrap());
        }
        if let Some(m) = p.get("min_categories") {
            est = est.min_categories(m.as_u64().unwrap() as usize);
        }
        let model = if case["sample_weight"].is_null() {
            est.fit(x.as_ref(), &y).unwrap()
        } else {
            est.fit_weighted(x.as_ref(), &y, &weights(y.len())).unwrap()
        };
        assert_eq!(
            model.class_count(),
            floats(&case["class_count"]).as_slice(),
            "{what}"
        );
        assert_eq!(
            model.n_categories(),
            usizes(&case["n_categories"]),
            "{what}"
        );
        for j in 0..x.ncols() {
            let cc = model.category_count(j).unwrap();
            assert_eq!(
                cc,
                matrix(&case["category_count"][j]),
                "{what} category_count {j}"
            );
            let flp = model.feature_log_prob(j).unwrap();
            assert_mat_close(
                &format!("{what} flp {j}"),
                flp.as_ref(),
                &matrix(&case["feature_log_prob"][j]),
                TOL,
            );
        }
        let jll = model.predict_joint_log_proba(x.as_ref()).unwrap();
        assert_mat_close(
            &format!("{what} jll"),
            jll.as_ref(),
            &matrix(&case["jll"]),
            TOL,
        );
        assert_eq!(
            model.predict(x.as_ref()).unwrap(),
            usizes(&case["predict"]),
            "{what}"
        );
    }
}

/// The SMS train/test count matrices and labels of the fixture.
struct SmsCounts {
    train: Csr,
    test: Csr,
    y_train: Vec<usize>,
    y_test: Vec<usize>,
}

fn sms_counts(f: &Value) -> SmsCounts {
    let target = ml_core::datasets::load_sms_spam().unwrap().target;
    assert_eq!(target.len(), f["n_docs"].as_u64().unwrap() as usize);
    let pick =
        |key: &str| -> Vec<usize> { usizes(&f[key]).into_iter().map(|i| target[i]).collect() };
    SmsCounts {
        train: csr(&f["train_counts"]),
        test: csr(&f["test_counts"]),
        y_train: pick("train_idx"),
        y_test: pick("test_idx"),
    }
}

/// What the three count models have in common, for one parity loop.
trait CountModel {
    fn class_count(&self) -> &[f64];
    fn class_log_prior(&self) -> &[f64];
    fn feature_count(&self) -> Mat<f64>;
    fn feature_log_prob(&self) -> Mat<f64>;
    fn jll(&self, x: &Csr) -> Mat<f64>;
    fn log_proba(&self, x: &Csr) -> Mat<f64>;
    fn predict(&self, x: &Csr) -> Vec<usize>;
}

macro_rules! count_model {
    ($model:ty) => {
        impl CountModel for $model {
            fn class_count(&self) -> &[f64] {
                <$model>::class_count(self)
            }
            fn class_log_prior(&self) -> &[f64] {
                <$model>::class_log_prior(self)
            }
            fn feature_count(&self) -> Mat<f64> {
                <$model>::feature_count(self)
            }
            fn feature_log_prob(&self) -> Mat<f64> {
                <$model>::feature_log_prob(self).to_owned()
            }
            fn jll(&self, x: &Csr) -> Mat<f64> {
                self.predict_joint_log_proba(x).unwrap()
            }
            fn log_proba(&self, x: &Csr) -> Mat<f64> {
                self.predict_log_proba(x).unwrap()
            }
            fn predict(&self, x: &Csr) -> Vec<usize> {
                <$model>::predict(self, x).unwrap()
            }
        }
    };
}

count_model!(MultinomialNbModel<usize>);
count_model!(ml_supervised::ComplementNbModel<usize>);
count_model!(BernoulliNbModel<usize>);

/// `fit_weighted` when the case has weights, else `fit`.
fn fit_maybe_weighted<E: FitWeighted<[usize]>>(
    est: &E,
    x: &Csr,
    y: &[usize],
    sw: Option<&[f64]>,
) -> E::Model {
    match sw {
        Some(w) => E::fit_weighted(est, x.into(), y, w),
        None => E::fit(est, x.into(), y),
    }
    .unwrap()
}

fn fit_count_case(case: &Value, d: &SmsCounts) -> Box<dyn CountModel> {
    let p = &case["params"];
    let sw = (!case["sample_weight"].is_null()).then(|| weights(d.y_train.len()));
    let (x, y, sw) = (&d.train, d.y_train.as_slice(), sw.as_deref());
    let alpha = p.get("alpha").and_then(Value::as_f64).unwrap_or(1.0);
    match case["model"].as_str().unwrap() {
        "MultinomialNB" => {
            let mut est = MultinomialNb::new()
                .alpha(alpha)
                .fit_prior(p.get("fit_prior").and_then(Value::as_bool).unwrap_or(true));
            if let Some(cp) = p.get("class_prior") {
                est = est.class_prior(Some(floats(cp)));
            }
            Box::new(fit_maybe_weighted(&est, x, y, sw))
        }
        "ComplementNB" => Box::new(fit_maybe_weighted(
            &ComplementNb::new()
                .alpha(alpha)
                .norm(p.get("norm").and_then(Value::as_bool).unwrap_or(false)),
            x,
            y,
            sw,
        )),
        "BernoulliNB" => Box::new(fit_maybe_weighted(
            &BernoulliNb::new().alpha(alpha).binarize(Some(
                p.get("binarize").and_then(Value::as_f64).unwrap_or(0.0),
            )),
            x,
            y,
            sw,
        )),
        other => panic!("unknown model {other}"),
    }
}

fn neumaier(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for v in values {
        let t = sum + v;
        comp += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + comp
}

#[test]
fn count_models_match_scikit_learn_on_sms_counts() {
    let f = sms();
    let d = sms_counts(&f);
    assert_eq!(
        d.train.ncols(),
        f["vocabulary_size"].as_u64().unwrap() as usize
    );
    let step = f["col_step"].as_u64().unwrap() as usize;
    let cols: Vec<usize> = (0..d.train.ncols()).step_by(step).collect();
    for case in f["models"].as_array().unwrap() {
        let what = format!("{} {}", case["model"], case["variant"]);
        let m = fit_count_case(case, &d);
        assert_slice_close(
            &format!("{what} class_count"),
            m.class_count(),
            &floats(&case["class_count"]),
            0.0,
        );
        assert_slice_close(
            &format!("{what} class_log_prior"),
            m.class_log_prior(),
            &floats(&case["class_log_prior"]),
            TOL,
        );
        let (fc, flp) = (m.feature_count(), m.feature_log_prob());
        let pick = |a: &Mat<f64>| Mat::from_fn(a.nrows(), cols.len(), |c, t| a[(c, cols[t])]);
        assert_mat_close(
            &format!("{what} feature_count"),
            pick(&fc).as_ref(),
            &matrix(&case["feature_count_cols"]),
            0.0,
        );
        assert_mat_close(
            &format!("{what} feature_log_prob"),
            pick(&flp).as_ref(),
            &matrix(&case["feature_log_prob_cols"]),
            TOL,
        );
        for (key, a) in [("feature_count_sum", &fc), ("feature_log_prob_sum", &flp)] {
            let sums: Vec<f64> = (0..a.nrows())
                .map(|c| neumaier(a.row(c).iter().copied()))
                .collect();
            assert_slice_close(&format!("{what} {key}"), &sums, &floats(&case[key]), TOL);
        }
        let jll = m.jll(&d.test);
        let want_jll = matrix(&case["jll"]);
        assert_mat_close(&format!("{what} jll"), jll.as_ref(), &want_jll, TOL);
        if !case["log_proba"].is_null() {
            assert_log_proba_close(
                &what,
                &m.log_proba(&d.test),
                &matrix(&case["log_proba"]),
                &want_jll,
            );
        }
        let pred = m.predict(&d.test);
        assert_eq!(pred, usizes(&case["predict"]), "{what}");
        let acc =
            pred.iter().zip(&d.y_test).filter(|(a, b)| a == b).count() as f64 / pred.len() as f64;
        assert_eq!(acc, case["accuracy"].as_f64().unwrap(), "{what}");
    }
}

#[test]
fn dense_and_sparse_fits_agree() {
    let f = sms();
    let d = sms_counts(&f);
    // 400 training documents, densified.
    let n = 400;
    let dense = Mat::from_fn(n, d.train.ncols(), |i, j| {
        let row = d.train.as_ref();
        match row.col_idx_of_row_raw(i).binary_search(&j) {
            Ok(p) => row.val_of_row(i)[p],
            Err(_) => 0.0,
        }
    });
    let sub = ml_core::sparse::csr_from_dense(dense.as_ref()).unwrap();
    let y = &d.y_train[..n];
    let a = MultinomialNb::new().fit(dense.as_ref(), y).unwrap();
    let b = MultinomialNb::new().fit(&sub, y).unwrap();
    assert_eq!(a.feature_count(), b.feature_count());
    assert_eq!(a.feature_log_prob(), b.feature_log_prob());
    let ja = a.predict_joint_log_proba(dense.as_ref()).unwrap();
    let jb = b.predict_joint_log_proba(&sub).unwrap();
    assert_mat_close("dense vs csr jll", ja.as_ref(), &jb, 1e-12);
    let bern = BernoulliNb::new().fit(dense.as_ref(), y).unwrap();
    let bern_s = BernoulliNb::new().fit(&sub, y).unwrap();
    assert_eq!(bern.feature_count(), bern_s.feature_count());
    assert_eq!(
        bern.predict(dense.as_ref()).unwrap(),
        bern_s.predict(&sub).unwrap()
    );
}

#[test]
fn long_documents_do_not_underflow() {
    // Documents of a million words: the joint log-likelihood is around -1e7, far
    // below what exp can represent, yet the probabilities are exact.
    let x = faer::mat![[5.0, 1.0], [1.0, 5.0]];
    let model = MultinomialNb::new().fit(x.as_ref(), &[0, 1]).unwrap();
    let long = faer::mat![[600_000.0, 400_000.0]];
    let jll = model.predict_joint_log_proba(long.as_ref()).unwrap();
    assert!(jll[(0, 0)] < -1e5);
    let p = model.predict_proba(long.as_ref()).unwrap();
    assert_eq!(p[(0, 0)], 1.0);
    assert!(p[(0, 1)] >= 0.0 && p[(0, 1)] < 1e-100);
    let lp = model.predict_log_proba(long.as_ref()).unwrap();
    assert!(lp[(0, 1)].is_finite() && lp[(0, 1)] < -1e4);
}

// ---------------------------------------------------------------------------
// bad input
// ---------------------------------------------------------------------------

#[test]
fn negative_counts_are_typed_errors() {
    let x = faer::mat![[1.0, 2.0], [0.0, -3.0]];
    for err in [
        MultinomialNb::new().fit(x.as_ref(), &[0, 1]).unwrap_err(),
        ComplementNb::new().fit(x.as_ref(), &[0, 1]).unwrap_err(),
        CategoricalNb::new().fit(x.as_ref(), &[0, 1]).unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::NegativeValue { row: 1, col: 1, value, .. } if value == -3.0),
            "{err}"
        );
    }
    let s = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    assert!(matches!(
        MultinomialNb::new().fit(&s, &[0, 1]),
        Err(Error::NegativeValue { row: 1, col: 1, .. })
    ));
    // Bernoulli binarises, so negative values are fine.
    assert!(BernoulliNb::new().fit(x.as_ref(), &[0, 1]).is_ok());
}

#[test]
fn non_finite_input_is_a_typed_error() {
    let x = faer::mat![[1.0, 2.0], [f64::NAN, 3.0]];
    assert!(matches!(
        MultinomialNb::new().fit(x.as_ref(), &[0, 1]),
        Err(Error::NonFinite { row: 1, col: 0, .. })
    ));
    assert!(matches!(
        GaussianNb::new().fit(x.as_ref(), &[0, 1]),
        Err(Error::NonFinite { row: 1, col: 0, .. })
    ));
    let good = faer::mat![[1.0, 2.0], [0.0, 3.0]];
    let model = BernoulliNb::new().fit(good.as_ref(), &[0, 1]).unwrap();
    let bad = faer::mat![[f64::INFINITY, 0.0]];
    assert!(matches!(
        model.predict(bad.as_ref()),
        Err(Error::NonFinite { row: 0, col: 0, .. })
    ));
}

#[test]
fn bad_hyper_parameters_are_typed_errors() {
    let x = faer::mat![[1.0, 2.0], [0.0, 3.0], [2.0, 0.0]];
    let y = [0, 1, 1];
    let alpha = MultinomialNb::new()
        .alpha(-0.5)
        .fit(x.as_ref(), &y)
        .unwrap_err();
    assert!(
        matches!(alpha, Error::InvalidParameter { name: "alpha", .. }),
        "{alpha}"
    );
    assert!(
        CategoricalNb::new()
            .alpha(f64::NAN)
            .fit(x.as_ref(), &y)
            .is_err()
    );
    let len = MultinomialNb::new()
        .class_prior(Some(vec![1.0]))
        .fit(x.as_ref(), &y)
        .unwrap_err();
    assert!(
        matches!(
            len,
            Error::ShapeMismatch {
                expected: 2,
                got: 1,
                ..
            }
        ),
        "{len}"
    );
    let sum = ComplementNb::new()
        .class_prior(Some(vec![0.5, 0.6]))
        .fit(x.as_ref(), &y)
        .unwrap_err();
    assert!(
        matches!(
            sum,
            Error::InvalidParameter {
                name: "class_prior",
                ..
            }
        ),
        "{sum}"
    );
    let priors = GaussianNb::new()
        .priors(Some(vec![0.2, 0.2]))
        .fit(x.as_ref(), &y)
        .unwrap_err();
    assert!(
        matches!(priors, Error::InvalidParameter { name: "priors", .. }),
        "{priors}"
    );
    assert!(matches!(
        GaussianNb::new()
            .priors(Some(vec![1.0, 0.0, 0.0]))
            .fit(x.as_ref(), &y),
        Err(Error::ShapeMismatch {
            expected: 2,
            got: 3,
            ..
        })
    ));
    assert!(matches!(
        GaussianNb::new().var_smoothing(-1.0).fit(x.as_ref(), &y),
        Err(Error::InvalidParameter {
            name: "var_smoothing",
            ..
        })
    ));
    // A zero variance (constant data, no smoothing) is refused, not turned into NaN.
    let constant = faer::mat![[1.0], [1.0]];
    assert!(matches!(
        GaussianNb::new()
            .var_smoothing(0.0)
            .fit(constant.as_ref(), &[0, 1]),
        Err(Error::InvalidData { what: "X", .. })
    ));
    // force_alpha = false raises a zero alpha to 1e-10 instead of taking log(0).
    let m = MultinomialNb::new()
        .alpha(0.0)
        .force_alpha(false)
        .fit(x.as_ref(), &y)
        .unwrap();
    assert!(m.feature_log_prob().col(1).iter().all(|v| v.is_finite()));
    // A sparse matrix cannot be binarised below zero.
    let s = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    assert!(matches!(
        BernoulliNb::new().binarize(Some(-1.0)).fit(&s, &y),
        Err(Error::InvalidParameter {
            name: "binarize",
            ..
        })
    ));
    assert!(matches!(
        MultinomialNb::new().fit_weighted(x.as_ref(), &y, &[1.0, -1.0, 1.0]),
        Err(Error::InvalidParameter {
            name: "sample_weight",
            ..
        })
    ));
}

#[test]
fn categorical_input_must_be_codes() {
    let x = faer::mat![[0.0, 1.0], [1.0, 2.5]];
    assert!(matches!(
        CategoricalNb::new().fit(x.as_ref(), &[0, 1]),
        Err(Error::InvalidData { what: "X", .. })
    ));
    let huge = faer::mat![[0.0], [1e12]];
    assert!(CategoricalNb::new().fit(huge.as_ref(), &[0, 1]).is_err());
    let good = faer::mat![[0.0, 1.0], [1.0, 2.0]];
    let m = CategoricalNb::new().fit(good.as_ref(), &[0, 1]).unwrap();
    let unseen = faer::mat![[2.0, 0.0]];
    let err = m.predict(unseen.as_ref()).unwrap_err();
    assert!(matches!(err, Error::InvalidData { what: "X", .. }), "{err}");
    // min_categories makes room for it.
    let m = CategoricalNb::new()
        .min_categories(4)
        .fit(good.as_ref(), &[0, 1])
        .unwrap();
    assert_eq!(m.n_categories(), vec![4, 4]);
    assert!(m.predict(unseen.as_ref()).is_ok());
    assert!(matches!(
        CategoricalNb::new()
            .min_categories_per_feature(vec![3])
            .fit(good.as_ref(), &[0, 1]),
        Err(Error::ShapeMismatch {
            expected: 2,
            got: 1,
            ..
        })
    ));
}

#[test]
fn undeclared_class_in_partial_fit_is_an_error() {
    let x = faer::mat![[1.0, 2.0], [0.0, 3.0]];
    let mut m = MultinomialNb::new()
        .partial_fit(x.as_ref(), &["ham", "spam"], &["spam", "ham"])
        .unwrap();
    let err = m.partial_fit(x.as_ref(), &["ham", "eggs"]).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownLabel { label } if label.contains("eggs")),
        "{err}"
    );
    assert!(matches!(
        MultinomialNb::new().partial_fit(x.as_ref(), &["ham", "eggs"], &["ham", "spam"]),
        Err(Error::UnknownLabel { .. })
    ));
    let mut g = GaussianNb::new()
        .partial_fit(x.as_ref(), &[0, 1], &[0, 1])
        .unwrap();
    assert!(matches!(
        g.partial_fit(x.as_ref(), &[0, 2]),
        Err(Error::UnknownLabel { .. })
    ));
    assert!(matches!(
        g.partial_fit(faer::mat![[1.0]].as_ref(), &[0]),
        Err(Error::ShapeMismatch {
            expected: 2,
            got: 1,
            ..
        })
    ));
    let mut c = CategoricalNb::new()
        .partial_fit(x.as_ref(), &[0, 1], &[0, 1])
        .unwrap();
    assert!(matches!(
        c.partial_fit(x.as_ref(), &[3, 1]),
        Err(Error::UnknownLabel { .. })
    ));
    assert!(matches!(
        BernoulliNb::new().partial_fit::<u8>(x.as_ref(), &[0, 1], &[]),
        Err(Error::UnknownLabel { .. } | Error::EmptyInput { .. })
    ));
    // A declared class that never shows up gets a zero count and a -inf log prior.
    let m = MultinomialNb::new()
        .partial_fit(x.as_ref(), &[0, 0], &[0, 1])
        .unwrap();
    assert_eq!(m.class_count(), &[2.0, 0.0]);
    assert_eq!(m.class_log_prior()[1], f64::NEG_INFINITY);
    assert_eq!(m.predict(x.as_ref()).unwrap(), vec![0, 0]);
}

#[test]
fn one_class_is_accepted() {
    let x = faer::mat![[1.0, 2.0], [0.0, 3.0]];
    let m = ComplementNb::new().fit(x.as_ref(), &[7, 7]).unwrap();
    assert_eq!(m.predict(x.as_ref()).unwrap(), vec![7, 7]);
    let p = m.predict_proba(x.as_ref()).unwrap();
    assert_eq!(p[(0, 0)], 1.0);
    let g = GaussianNb::new().fit(x.as_ref(), &[7, 7]).unwrap();
    assert_eq!(g.predict(x.as_ref()).unwrap(), vec![7, 7]);
}

// ---------------------------------------------------------------------------
// properties
// ---------------------------------------------------------------------------

/// Small count data: `n` rows of `d` counts in 0..6, labels in 0..3 with each label
/// present.
fn count_data() -> impl Strategy<Value = (Mat<f64>, Vec<usize>)> {
    (6usize..40, 1usize..6).prop_flat_map(|(n, d)| {
        (
            proptest::collection::vec(0u8..6, n * d),
            proptest::collection::vec(0usize..3, n),
        )
            .prop_map(move |(v, mut y)| {
                y[0] = 0;
                y[1] = 1;
                y[2] = 2;
                (Mat::from_fn(n, d, |i, j| f64::from(v[i * d + j])), y)
            })
    })
}

fn real_data() -> impl Strategy<Value = (Mat<f64>, Vec<usize>)> {
    (6usize..40, 1usize..5).prop_flat_map(|(n, d)| {
        (
            proptest::collection::vec(-10.0f64..10.0, n * d),
            proptest::collection::vec(0usize..3, n),
        )
            .prop_map(move |(v, mut y)| {
                y[0] = 0;
                y[1] = 1;
                y[2] = 2;
                (Mat::from_fn(n, d, |i, j| v[i * d + j]), y)
            })
    })
}

/// Chunk boundaries of `0..n` from arbitrary cut points.
fn chunks(n: usize, cuts: &[usize]) -> Vec<(usize, usize)> {
    let mut b: Vec<usize> = cuts.iter().map(|c| 1 + c % (n - 1)).collect();
    b.push(0);
    b.push(n);
    b.sort_unstable();
    b.dedup();
    b.windows(2).map(|w| (w[0], w[1] - w[0])).collect()
}

fn reversed(x: &Mat<f64>) -> Mat<f64> {
    let n = x.nrows();
    Mat::from_fn(n, x.ncols(), |i, j| x[(n - 1 - i, j)])
}

fn assert_bits_eq(a: &Mat<f64>, b: &Mat<f64>) -> Result<(), TestCaseError> {
    prop_assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            prop_assert_eq!(a[(i, j)].to_bits(), b[(i, j)].to_bits(), "at {}, {}", i, j);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn probabilities_sum_to_one((x, y) in count_data(), alpha in 0.01f64..3.0) {
        let probas = [
            MultinomialNb::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
            ComplementNb::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
            BernoulliNb::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
            CategoricalNb::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
        ];
        // Counts may be constant (all zero, say): then every variance is 0 and
        // GaussianNb refuses the data (scikit-learn returns NaN probabilities).
        let gaussian = GaussianNb::new().fit(x.as_ref(), &y);
        let constant = (0..x.ncols()).all(|j| (0..x.nrows()).all(|i| x[(i, j)] == x[(0, j)]));
        prop_assert_eq!(gaussian.is_err(), constant);
        let probas: Vec<Mat<f64>> = probas
            .into_iter()
            .chain(gaussian.map(|m| m.predict_proba(x.as_ref()).unwrap()))
            .collect();
        for p in &probas {
            for i in 0..p.nrows() {
                let s: f64 = p.row(i).iter().sum();
                prop_assert!((s - 1.0).abs() < 1e-12, "row {} sums to {}", i, s);
                prop_assert!(p.row(i).iter().all(|v| (0.0..=1.0).contains(v)));
            }
        }
    }

    #[test]
    fn discrete_partial_fit_equals_fit_exactly(
        (x, y) in count_data(),
        cuts in proptest::collection::vec(0usize..1000, 0..5),
        weighted in any::<bool>(),
    ) {
        let n = x.nrows();
        let w = weights(n);
        let parts = chunks(n, &cuts);
        let classes = [0usize, 1, 2];
        macro_rules! check {
            ($est:expr) => {{
                let full = if weighted { $est.fit_weighted(x.as_ref(), &y, &w) } else { $est.fit(x.as_ref(), &y) }.unwrap();
                let (s0, l0) = parts[0];
                let (x0, y0) = (x.subrows(s0, l0), &y[s0..s0 + l0]);
                let mut online = if weighted {
                    $est.partial_fit_weighted(x0, y0, &classes, &w[s0..s0 + l0])
                } else {
                    $est.partial_fit(x0, y0, &classes)
                }
                .unwrap();
                for &(s, l) in &parts[1..] {
                    if weighted {
                        online.partial_fit_weighted(x.subrows(s, l), &y[s..s + l], &w[s..s + l]).unwrap();
                    } else {
                        PartialFit::partial_fit(&mut online, x.subrows(s, l).into(), &y[s..s + l]).unwrap();
                    }
                }
                (full, online)
            }};
        }
        let (a, b) = check!(MultinomialNb::new());
        if a.classes() == b.classes() {
            assert_bits_eq(&a.feature_count(), &b.feature_count())?;
            assert_bits_eq(&a.feature_log_prob().to_owned(), &b.feature_log_prob().to_owned())?;
            assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
        let (a, b) = check!(ComplementNb::new().norm(true));
        if a.classes() == b.classes() {
            assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
        let (a, b) = check!(BernoulliNb::new().binarize(Some(1.5)));
        if a.classes() == b.classes() {
            assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
        let (a, b) = check!(CategoricalNb::new());
        if a.classes() == b.classes() {
            prop_assert_eq!(a.n_categories(), b.n_categories());
            assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
    }

    #[test]
    fn gaussian_partial_fit_equals_fit(
        (x, y) in real_data(),
        cuts in proptest::collection::vec(0usize..1000, 0..5),
    ) {
        let n = x.nrows();
        let parts = chunks(n, &cuts);
        let full = GaussianNb::new().fit(x.as_ref(), &y).unwrap();
        let (s0, l0) = parts[0];
        let mut online = GaussianNb::new().partial_fit(x.subrows(s0, l0), &y[s0..s0 + l0], &[2, 1, 0]).unwrap();
        for &(s, l) in &parts[1..] {
            online.partial_fit(x.subrows(s, l), &y[s..s + l]).unwrap();
        }
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()));
        for c in 0..3 {
            for j in 0..x.ncols() {
                prop_assert!(close(full.theta()[(c, j)], online.theta()[(c, j)]));
                prop_assert!(close(full.var()[(c, j)], online.var()[(c, j)]));
            }
        }
        prop_assert!(close(full.epsilon(), online.epsilon()));
        let (ja, jb) = (full.predict_joint_log_proba(x.as_ref()).unwrap(), online.predict_joint_log_proba(x.as_ref()).unwrap());
        for i in 0..n {
            for c in 0..3 {
                prop_assert!(close(ja[(i, c)], jb[(i, c)]), "jll {} vs {}", ja[(i, c)], jb[(i, c)]);
            }
        }
    }

    #[test]
    fn predictions_do_not_depend_on_row_order((x, y) in count_data()) {
        let xr = reversed(&x);
        let yr: Vec<usize> = y.iter().rev().copied().collect();
        // Integer counts: sums are exact in any order, so the models are identical.
        let a = MultinomialNb::new().fit(x.as_ref(), &y).unwrap();
        let b = MultinomialNb::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        let a = CategoricalNb::new().fit(x.as_ref(), &y).unwrap();
        let b = CategoricalNb::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        let a = BernoulliNb::new().fit(x.as_ref(), &y).unwrap();
        let b = BernoulliNb::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        let a = ComplementNb::new().fit(x.as_ref(), &y).unwrap();
        let b = ComplementNb::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        // Gaussian: the means and variances move by rounding only, so compare the
        // joint log-likelihood (a near-tie could flip a prediction). Constant counts
        // are refused (every variance 0), in either order.
        let (a, b) = match (GaussianNb::new().fit(x.as_ref(), &y), GaussianNb::new().fit(xr.as_ref(), &yr)) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                prop_assert!(a.is_err() && b.is_err());
                return Ok(());
            }
        };
        let (ja, jb) = (a.predict_joint_log_proba(x.as_ref()).unwrap(), b.predict_joint_log_proba(x.as_ref()).unwrap());
        for i in 0..x.nrows() {
            for c in 0..3 {
                prop_assert!((ja[(i, c)] - jb[(i, c)]).abs() <= 1e-9 * (1.0 + ja[(i, c)].abs()));
            }
        }
        // And a permuted test set gives the permuted predictions.
        let pa = a.predict(xr.as_ref()).unwrap();
        let mut pb = a.predict(x.as_ref()).unwrap();
        pb.reverse();
        prop_assert_eq!(pa, pb);
    }

    #[test]
    fn save_load_round_trip((x, y) in count_data()) {
        let m = MultinomialNb::new().fit(x.as_ref(), &y).unwrap();
        let back: MultinomialNbModel<usize> = persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
        prop_assert_eq!(m.predict(x.as_ref()).unwrap(), back.predict(x.as_ref()).unwrap());
        assert_bits_eq(&m.predict_proba(x.as_ref()).unwrap(), &back.predict_proba(x.as_ref()).unwrap())?;
        // Constant counts are refused by GaussianNb (every variance 0).
        if let Ok(g) = GaussianNb::new().fit(x.as_ref(), &y) {
            let back: GaussianNbModel<usize> = persist::from_bytes(&persist::to_bytes(&g).unwrap()).unwrap();
            assert_bits_eq(&g.predict_joint_log_proba(x.as_ref()).unwrap(), &back.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
        let c = CategoricalNb::new().fit(x.as_ref(), &y).unwrap();
        let back: ml_supervised::CategoricalNbModel<usize> = persist::from_bytes(&persist::to_bytes(&c).unwrap()).unwrap();
        assert_bits_eq(&c.predict_joint_log_proba(x.as_ref()).unwrap(), &back.predict_joint_log_proba(x.as_ref()).unwrap())?;
        // A loaded model keeps learning.
        let mut back: BernoulliNbModel<usize> = persist::from_bytes(&persist::to_bytes(&BernoulliNb::new().fit(x.as_ref(), &y).unwrap()).unwrap()).unwrap();
        prop_assert!(back.partial_fit(x.as_ref(), &y).is_ok());
    }
}

// ---------------------------------------------------------------------------
// conformance battery
// ---------------------------------------------------------------------------

fn iris() -> (Mat<f64>, Vec<usize>) {
    let ds = dataset("iris");
    (ds.data, ds.target)
}

/// Iris binned to integer codes (floor of every measurement).
fn iris_codes() -> (Mat<f64>, Vec<usize>) {
    let (x, y) = iris();
    (
        Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)].floor()),
        y,
    )
}

ml_core::conformance_tests!(
    gaussian_nb,
    probabilistic_classifier,
    GaussianNb::new,
    iris()
);
ml_core::conformance_tests!(
    multinomial_nb,
    probabilistic_classifier,
    MultinomialNb::new,
    iris()
);
ml_core::conformance_tests!(
    complement_nb,
    probabilistic_classifier,
    ComplementNb::new,
    iris()
);
ml_core::conformance_tests!(
    bernoulli_nb,
    probabilistic_classifier,
    || BernoulliNb::new().binarize(Some(3.0)),
    iris()
);
ml_core::conformance_tests!(
    categorical_nb,
    probabilistic_classifier,
    CategoricalNb::new,
    iris_codes()
);

#[test]
fn extreme_sample_weights_are_refused_or_harmless() {
    use ml_core::testing::check_extreme_weights_classifier as check;
    let (x, y) = iris();
    check(GaussianNb::new, x.as_ref(), &y);
    check(MultinomialNb::new, x.as_ref(), &y);
    check(ComplementNb::new, x.as_ref(), &y);
    check(|| BernoulliNb::new().binarize(Some(3.0)), x.as_ref(), &y);
    let (codes, y) = iris_codes();
    check(CategoricalNb::new, codes.as_ref(), &y);
}

#[test]
fn alpha_zero_is_refused_unless_clipped() {
    let (x, y) = iris();
    let err = MultinomialNb::new()
        .alpha(0.0)
        .fit(x.as_ref(), &y)
        .unwrap_err();
    assert!(
        matches!(err, ml_core::Error::InvalidParameter { name: "alpha", .. }),
        "{err}"
    );
    let model = MultinomialNb::new()
        .alpha(0.0)
        .force_alpha(false)
        .fit(x.as_ref(), &y)
        .unwrap();
    let p = model.predict_proba(x.as_ref()).unwrap();
    assert!((0..p.nrows()).all(|i| (0..p.ncols()).all(|j| p[(i, j)].is_finite())));
}

#[test]
fn extreme_smoothing_is_refused_or_harmless() {
    let (x, y) = iris();
    ml_core::testing::run_probabilistic_classifier(
        ml_core::testing::Check::FitsOrRefuses,
        || GaussianNb::new().var_smoothing(f64::MAX),
        x.as_ref(),
        &y,
    )
    .unwrap();
    ml_core::testing::run_probabilistic_classifier(
        ml_core::testing::Check::FitsOrRefuses,
        || MultinomialNb::new().alpha(f64::MAX),
        x.as_ref(),
        &y,
    )
    .unwrap();
    ml_core::testing::run_probabilistic_classifier(
        ml_core::testing::Check::FitsOrRefuses,
        || CategoricalNb::new().min_categories(usize::MAX),
        iris_codes().0.as_ref(),
        &y,
    )
    .unwrap();
}
