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
use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use ml_core::datasets::{load_iris, load_wine};
use ml_core::sparse::Csr;
use ml_core::{Error, PartialFit, persist};
use ml_supervised::{
    BernoulliNB, BernoulliNBModel, CategoricalNB, ComplementNB, GaussianNB, GaussianNBModel,
    MultinomialNB, MultinomialNBModel,
};
use proptest::prelude::*;
use serde_json::Value;

const TOL: f64 = 1e-10;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("data/naive_bayes.json")).expect("valid fixture JSON")
}

fn sms() -> Value {
    serde_json::from_str(include_str!("data/naive_bayes_sms.json")).expect("valid fixture JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("integer") as usize)
        .collect()
}

fn matrix(v: &Value) -> Mat<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("rows").iter().map(floats).collect();
    Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn csr(v: &Value) -> Csr {
    let shape = usizes(&v["shape"]);
    let symbolic = SymbolicSparseRowMat::new_checked(
        shape[0],
        shape[1],
        usizes(&v["indptr"]),
        None,
        usizes(&v["indices"]),
    );
    SparseRowMat::new(symbolic, floats(&v["data"]))
}

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a - b).abs() <= tol * a.abs().max(b.abs())
}

fn assert_slice_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(rel_close(*a, *b, tol), "{what}[{i}]: {a} vs {b}");
    }
}

fn assert_mat_close(what: &str, got: faer::MatRef<'_, f64>, want: &Mat<f64>, tol: f64) {
    assert_eq!(
        (got.nrows(), got.ncols()),
        (want.nrows(), want.ncols()),
        "{what}: shape"
    );
    for i in 0..want.nrows() {
        for j in 0..want.ncols() {
            let (a, b) = (got[(i, j)], want[(i, j)]);
            assert!(rel_close(a, b, tol), "{what}[{i}, {j}]: {a} vs {b}");
        }
    }
}

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

fn dataset(name: &str) -> ml_core::datasets::Dataset {
    match name {
        "iris" => load_iris(),
        "wine" => load_wine(),
        other => panic!("unknown data set {other}"),
    }
    .unwrap()
}

fn weights(n: usize) -> Vec<f64> {
    (0..n).map(|i| 1.0 + (i % 3) as f64).collect()
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
        let mut est = GaussianNB::new();
        if let Some(p) = case["params"].get("priors") {
            est = est.priors(Some(floats(p)));
        }
        if let Some(v) = case["params"].get("var_smoothing") {
            est = est.var_smoothing(v.as_f64().unwrap());
        }
        let model: GaussianNBModel<usize> = if case["sample_weight"].is_null() {
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
        let mut est = CategoricalNB::new();
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
                self.predict_joint_log_proba_csr(x.as_ref()).unwrap()
            }
            fn log_proba(&self, x: &Csr) -> Mat<f64> {
                self.predict_log_proba_csr(x.as_ref()).unwrap()
            }
            fn predict(&self, x: &Csr) -> Vec<usize> {
                self.predict_csr(x.as_ref()).unwrap()
            }
        }
    };
}

count_model!(MultinomialNBModel<usize>);
count_model!(ml_supervised::ComplementNBModel<usize>);
count_model!(BernoulliNBModel<usize>);

fn fit_count_case(case: &Value, d: &SmsCounts) -> Box<dyn CountModel> {
    let p = &case["params"];
    let sw = (!case["sample_weight"].is_null()).then(|| weights(d.y_train.len()));
    let (x, y, sw) = (d.train.as_ref(), d.y_train.as_slice(), sw.as_deref());
    let alpha = p.get("alpha").and_then(Value::as_f64).unwrap_or(1.0);
    match case["model"].as_str().unwrap() {
        "MultinomialNB" => {
            let mut est = MultinomialNB::new()
                .alpha(alpha)
                .fit_prior(p.get("fit_prior").and_then(Value::as_bool).unwrap_or(true));
            if let Some(cp) = p.get("class_prior") {
                est = est.class_prior(Some(floats(cp)));
            }
            Box::new(est.fit_csr(x, y, sw).unwrap())
        }
        "ComplementNB" => Box::new(
            ComplementNB::new()
                .alpha(alpha)
                .norm(p.get("norm").and_then(Value::as_bool).unwrap_or(false))
                .fit_csr(x, y, sw)
                .unwrap(),
        ),
        "BernoulliNB" => Box::new(
            BernoulliNB::new()
                .alpha(alpha)
                .binarize(Some(
                    p.get("binarize").and_then(Value::as_f64).unwrap_or(0.0),
                ))
                .fit_csr(x, y, sw)
                .unwrap(),
        ),
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
    let a = MultinomialNB::new().fit(dense.as_ref(), y).unwrap();
    let b = MultinomialNB::new().fit_csr(sub.as_ref(), y, None).unwrap();
    assert_eq!(a.feature_count(), b.feature_count());
    assert_eq!(a.feature_log_prob(), b.feature_log_prob());
    let ja = a.predict_joint_log_proba(dense.as_ref()).unwrap();
    let jb = b.predict_joint_log_proba_csr(sub.as_ref()).unwrap();
    assert_mat_close("dense vs csr jll", ja.as_ref(), &jb, 1e-12);
    let bern = BernoulliNB::new().fit(dense.as_ref(), y).unwrap();
    let bern_s = BernoulliNB::new().fit_csr(sub.as_ref(), y, None).unwrap();
    assert_eq!(bern.feature_count(), bern_s.feature_count());
    assert_eq!(
        bern.predict(dense.as_ref()).unwrap(),
        bern_s.predict_csr(sub.as_ref()).unwrap()
    );
}

#[test]
fn long_documents_do_not_underflow() {
    // Documents of a million words: the joint log-likelihood is around -1e7, far
    // below what exp can represent, yet the probabilities are exact.
    let x = faer::mat![[5.0, 1.0], [1.0, 5.0]];
    let model = MultinomialNB::new().fit(x.as_ref(), &[0, 1]).unwrap();
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
        MultinomialNB::new().fit(x.as_ref(), &[0, 1]).unwrap_err(),
        ComplementNB::new().fit(x.as_ref(), &[0, 1]).unwrap_err(),
        CategoricalNB::new().fit(x.as_ref(), &[0, 1]).unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::NegativeValue { row: 1, col: 1, value, .. } if value == -3.0),
            "{err}"
        );
    }
    let s = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    assert!(matches!(
        MultinomialNB::new().fit_csr(s.as_ref(), &[0, 1], None),
        Err(Error::NegativeValue { row: 1, col: 1, .. })
    ));
    // Bernoulli binarises, so negative values are fine.
    assert!(BernoulliNB::new().fit(x.as_ref(), &[0, 1]).is_ok());
}

#[test]
fn non_finite_input_is_a_typed_error() {
    let x = faer::mat![[1.0, 2.0], [f64::NAN, 3.0]];
    assert!(matches!(
        MultinomialNB::new().fit(x.as_ref(), &[0, 1]),
        Err(Error::NonFinite { row: 1, col: 0, .. })
    ));
    assert!(matches!(
        GaussianNB::new().fit(x.as_ref(), &[0, 1]),
        Err(Error::NonFinite { row: 1, col: 0, .. })
    ));
    let good = faer::mat![[1.0, 2.0], [0.0, 3.0]];
    let model = BernoulliNB::new().fit(good.as_ref(), &[0, 1]).unwrap();
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
    let alpha = MultinomialNB::new()
        .alpha(-0.5)
        .fit(x.as_ref(), &y)
        .unwrap_err();
    assert!(
        matches!(alpha, Error::InvalidParameter { name: "alpha", .. }),
        "{alpha}"
    );
    assert!(
        CategoricalNB::new()
            .alpha(f64::NAN)
            .fit(x.as_ref(), &y)
            .is_err()
    );
    let len = MultinomialNB::new()
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
    let sum = ComplementNB::new()
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
    let priors = GaussianNB::new()
        .priors(Some(vec![0.2, 0.2]))
        .fit(x.as_ref(), &y)
        .unwrap_err();
    assert!(
        matches!(priors, Error::InvalidParameter { name: "priors", .. }),
        "{priors}"
    );
    assert!(matches!(
        GaussianNB::new()
            .priors(Some(vec![1.0, 0.0, 0.0]))
            .fit(x.as_ref(), &y),
        Err(Error::ShapeMismatch {
            expected: 2,
            got: 3,
            ..
        })
    ));
    assert!(matches!(
        GaussianNB::new().var_smoothing(-1.0).fit(x.as_ref(), &y),
        Err(Error::InvalidParameter {
            name: "var_smoothing",
            ..
        })
    ));
    // A zero variance (constant data, no smoothing) is refused, not turned into NaN.
    let constant = faer::mat![[1.0], [1.0]];
    assert!(matches!(
        GaussianNB::new()
            .var_smoothing(0.0)
            .fit(constant.as_ref(), &[0, 1]),
        Err(Error::InvalidParameter {
            name: "var_smoothing",
            ..
        })
    ));
    // force_alpha = false raises a zero alpha to 1e-10 instead of taking log(0).
    let m = MultinomialNB::new()
        .alpha(0.0)
        .force_alpha(false)
        .fit(x.as_ref(), &y)
        .unwrap();
    assert!(m.feature_log_prob().col(1).iter().all(|v| v.is_finite()));
    // A sparse matrix cannot be binarised below zero.
    let s = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    assert!(matches!(
        BernoulliNB::new()
            .binarize(Some(-1.0))
            .fit_csr(s.as_ref(), &y, None),
        Err(Error::InvalidParameter {
            name: "binarize",
            ..
        })
    ));
    assert!(matches!(
        MultinomialNB::new().fit_weighted(x.as_ref(), &y, &[1.0, -1.0, 1.0]),
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
        CategoricalNB::new().fit(x.as_ref(), &[0, 1]),
        Err(Error::InvalidParameter { name: "X", .. })
    ));
    let huge = faer::mat![[0.0], [1e12]];
    assert!(CategoricalNB::new().fit(huge.as_ref(), &[0, 1]).is_err());
    let good = faer::mat![[0.0, 1.0], [1.0, 2.0]];
    let m = CategoricalNB::new().fit(good.as_ref(), &[0, 1]).unwrap();
    let unseen = faer::mat![[2.0, 0.0]];
    let err = m.predict(unseen.as_ref()).unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "X", .. }),
        "{err}"
    );
    // min_categories makes room for it.
    let m = CategoricalNB::new()
        .min_categories(4)
        .fit(good.as_ref(), &[0, 1])
        .unwrap();
    assert_eq!(m.n_categories(), vec![4, 4]);
    assert!(m.predict(unseen.as_ref()).is_ok());
    assert!(matches!(
        CategoricalNB::new()
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
    let mut m = MultinomialNB::new()
        .partial_fit(x.as_ref(), &["ham", "spam"], &["spam", "ham"])
        .unwrap();
    let err = m.partial_fit(x.as_ref(), &["ham", "eggs"]).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownLabel { label } if label.contains("eggs")),
        "{err}"
    );
    assert!(matches!(
        MultinomialNB::new().partial_fit(x.as_ref(), &["ham", "eggs"], &["ham", "spam"]),
        Err(Error::UnknownLabel { .. })
    ));
    let mut g = GaussianNB::new()
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
    let mut c = CategoricalNB::new()
        .partial_fit(x.as_ref(), &[0, 1], &[0, 1])
        .unwrap();
    assert!(matches!(
        c.partial_fit(x.as_ref(), &[3, 1]),
        Err(Error::UnknownLabel { .. })
    ));
    assert!(matches!(
        BernoulliNB::new().partial_fit::<u8>(x.as_ref(), &[0, 1], &[]),
        Err(Error::UnknownLabel { .. } | Error::EmptyInput { .. })
    ));
    // A declared class that never shows up gets a zero count and a -inf log prior.
    let m = MultinomialNB::new()
        .partial_fit(x.as_ref(), &[0, 0], &[0, 1])
        .unwrap();
    assert_eq!(m.class_count(), &[2.0, 0.0]);
    assert_eq!(m.class_log_prior()[1], f64::NEG_INFINITY);
    assert_eq!(m.predict(x.as_ref()).unwrap(), vec![0, 0]);
}

#[test]
fn one_class_is_accepted() {
    let x = faer::mat![[1.0, 2.0], [0.0, 3.0]];
    let m = ComplementNB::new().fit(x.as_ref(), &[7, 7]).unwrap();
    assert_eq!(m.predict(x.as_ref()).unwrap(), vec![7, 7]);
    let p = m.predict_proba(x.as_ref()).unwrap();
    assert_eq!(p[(0, 0)], 1.0);
    let g = GaussianNB::new().fit(x.as_ref(), &[7, 7]).unwrap();
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
            MultinomialNB::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
            ComplementNB::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
            BernoulliNB::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
            CategoricalNB::new().alpha(alpha).fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
            GaussianNB::new().fit(x.as_ref(), &y).unwrap().predict_proba(x.as_ref()).unwrap(),
        ];
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
                        PartialFit::partial_fit(&mut online, x.subrows(s, l), &y[s..s + l]).unwrap();
                    }
                }
                (full, online)
            }};
        }
        let (a, b) = check!(MultinomialNB::new());
        if a.classes() == b.classes() {
            assert_bits_eq(&a.feature_count(), &b.feature_count())?;
            assert_bits_eq(&a.feature_log_prob().to_owned(), &b.feature_log_prob().to_owned())?;
            assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
        let (a, b) = check!(ComplementNB::new().norm(true));
        if a.classes() == b.classes() {
            assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
        let (a, b) = check!(BernoulliNB::new().binarize(Some(1.5)));
        if a.classes() == b.classes() {
            assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        }
        let (a, b) = check!(CategoricalNB::new());
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
        let full = GaussianNB::new().fit(x.as_ref(), &y).unwrap();
        let (s0, l0) = parts[0];
        let mut online = GaussianNB::new().partial_fit(x.subrows(s0, l0), &y[s0..s0 + l0], &[2, 1, 0]).unwrap();
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
        let a = MultinomialNB::new().fit(x.as_ref(), &y).unwrap();
        let b = MultinomialNB::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        assert_bits_eq(&a.predict_joint_log_proba(x.as_ref()).unwrap(), &b.predict_joint_log_proba(x.as_ref()).unwrap())?;
        let a = CategoricalNB::new().fit(x.as_ref(), &y).unwrap();
        let b = CategoricalNB::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        let a = BernoulliNB::new().fit(x.as_ref(), &y).unwrap();
        let b = BernoulliNB::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        let a = ComplementNB::new().fit(x.as_ref(), &y).unwrap();
        let b = ComplementNB::new().fit(xr.as_ref(), &yr).unwrap();
        prop_assert_eq!(a.predict(x.as_ref()).unwrap(), b.predict(x.as_ref()).unwrap());
        // Gaussian: the means and variances move by rounding only, so compare the
        // joint log-likelihood (a near-tie could flip a prediction).
        let a = GaussianNB::new().fit(x.as_ref(), &y).unwrap();
        let b = GaussianNB::new().fit(xr.as_ref(), &yr).unwrap();
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
        let m = MultinomialNB::new().fit(x.as_ref(), &y).unwrap();
        let back: MultinomialNBModel<usize> = persist::from_bytes(&persist::to_bytes(&m).unwrap()).unwrap();
        prop_assert_eq!(m.predict(x.as_ref()).unwrap(), back.predict(x.as_ref()).unwrap());
        assert_bits_eq(&m.predict_proba(x.as_ref()).unwrap(), &back.predict_proba(x.as_ref()).unwrap())?;
        let g = GaussianNB::new().fit(x.as_ref(), &y).unwrap();
        let back: GaussianNBModel<usize> = persist::from_bytes(&persist::to_bytes(&g).unwrap()).unwrap();
        assert_bits_eq(&g.predict_joint_log_proba(x.as_ref()).unwrap(), &back.predict_joint_log_proba(x.as_ref()).unwrap())?;
        let c = CategoricalNB::new().fit(x.as_ref(), &y).unwrap();
        let back: ml_supervised::CategoricalNBModel<usize> = persist::from_bytes(&persist::to_bytes(&c).unwrap()).unwrap();
        assert_bits_eq(&c.predict_joint_log_proba(x.as_ref()).unwrap(), &back.predict_joint_log_proba(x.as_ref()).unwrap())?;
        // A loaded model keeps learning.
        let mut back: BernoulliNBModel<usize> = persist::from_bytes(&persist::to_bytes(&BernoulliNB::new().fit(x.as_ref(), &y).unwrap()).unwrap()).unwrap();
        prop_assert!(back.partial_fit(x.as_ref(), &y).is_ok());
    }
}

// ---------------------------------------------------------------------------
// conformance battery
// ---------------------------------------------------------------------------

fn iris() -> (Mat<f64>, Vec<usize>) {
    let ds = load_iris().unwrap();
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
    GaussianNB::new,
    iris()
);
ml_core::conformance_tests!(
    multinomial_nb,
    probabilistic_classifier,
    MultinomialNB::new,
    iris()
);
ml_core::conformance_tests!(
    complement_nb,
    probabilistic_classifier,
    ComplementNB::new,
    iris()
);
ml_core::conformance_tests!(
    bernoulli_nb,
    probabilistic_classifier,
    || BernoulliNB::new().binarize(Some(3.0)),
    iris()
);
ml_core::conformance_tests!(
    categorical_nb,
    probabilistic_classifier,
    CategoricalNB::new,
    iris_codes()
);
