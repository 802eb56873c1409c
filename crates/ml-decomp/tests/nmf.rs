//! Non-negative matrix factorisation against scikit-learn 1.9.1 (fixture
//! `data/nmf.json`, made by `scripts/refdata/lda_nmf.py`; the SMS counts come from
//! `data/lda_sms.json`), its invariants, bad input and the conformance kit.
//!
//! Tolerances:
//! - NNDSVD initialisations on wine (k = 4): 1e-9 relative to the largest entry. With
//!   k + 10 oversamples ≥ 13 columns the randomized SVD spans the whole row space on
//!   both sides, so the factors agree up to rounding.
//! - Reconstruction errors of full fits: within 1% of scikit-learn's. The
//!   initialisations differ by the random sketch of the SVD (the digits' k + 10 = 20
//!   of 64 columns), and coordinate descent and multiplicative updates then walk to
//!   nearby local optima.

mod common;

use common::{matrix, sms_counts};

use faer::Mat;
use ml_core::datasets::{load_digits, load_wine};
use ml_core::sparse::csr_from_triplets;
use ml_core::{Error, persist};
use ml_decomp::nmf::{Nmf, NmfBetaLoss, NmfInit, NmfModel, NmfSolver};
use proptest::prelude::*;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("data/nmf.json")).expect("valid fixture JSON")
}

#[test]
fn nndsvd_initialisations_match_scikit_learn() {
    let f = fixture();
    let wine = load_wine().unwrap().data;
    for (name, init) in [("nndsvd", NmfInit::Nndsvd), ("nndsvda", NmfInit::Nndsvda)] {
        let (w, h) = Nmf::new(4)
            .init(Some(init))
            .initialize(wine.as_ref())
            .unwrap();
        for (got, want) in [
            (w, matrix(&f["init"][name]["W"])),
            (h, matrix(&f["init"][name]["H"])),
        ] {
            let scale = want.norm_max();
            let err = (&got - &want).norm_max();
            assert!(
                err <= 1e-9 * scale,
                "{name}: init differs by {err:e} (scale {scale})"
            );
        }
    }
}

#[test]
fn reconstruction_errors_match_scikit_learn() {
    let f = fixture();
    let digits = load_digits().unwrap().data;
    let sms = sms_counts();
    for case in f["fits"].as_array().unwrap() {
        let solver = match case["solver"].as_str().unwrap() {
            "cd" => NmfSolver::Cd,
            _ => NmfSolver::Mu,
        };
        let beta = match case["beta_loss"].as_str().unwrap() {
            "frobenius" => NmfBetaLoss::Frobenius,
            _ => NmfBetaLoss::KullbackLeibler,
        };
        let mut est = Nmf::new(10).solver(solver).beta_loss(beta);
        if let Some(a) = case["alpha_W"].as_f64() {
            est = est.alpha_w(a).l1_ratio(case["l1_ratio"].as_f64().unwrap());
        }
        let model = match case["data"].as_str().unwrap() {
            "digits" => est.fit(digits.as_ref()).unwrap(),
            _ => est.fit(sms.as_ref()).unwrap(),
        };
        let want = case["reconstruction_err"].as_f64().unwrap();
        let got = model.reconstruction_err();
        eprintln!(
            "{} {:?} {:?}: ours {got} ({} iterations), scikit-learn's {want} ({})",
            case["data"],
            solver,
            beta,
            model.n_iter(),
            case["n_iter"]
        );
        assert!(
            (got - want) / want <= 0.01,
            "{case}: reconstruction error {got} vs {want}"
        );
        assert!(got > 0.0);
    }
}

#[test]
fn dense_and_sparse_fits_agree() {
    let digits = load_digits().unwrap().data;
    let x = digits.subrows(0, 300).to_owned();
    let csr = ml_core::sparse::csr_from_dense(x.as_ref()).unwrap();
    for (solver, beta) in [
        (NmfSolver::Cd, NmfBetaLoss::Frobenius),
        (NmfSolver::Mu, NmfBetaLoss::Frobenius),
        (NmfSolver::Mu, NmfBetaLoss::KullbackLeibler),
    ] {
        let est = Nmf::new(5).solver(solver).beta_loss(beta).max_iter(50);
        let a = est.fit(x.as_ref()).unwrap();
        let b = est.fit(csr.as_ref()).unwrap();
        let d = (a.components() - b.components()).norm_max();
        assert!(
            d <= 1e-6 * a.components().norm_max(),
            "{solver:?} {beta:?}: {d:e}"
        );
        let rel = (a.reconstruction_err() - b.reconstruction_err()).abs() / a.reconstruction_err();
        assert!(rel < 1e-8, "{solver:?} {beta:?}: {rel:e}");
        let wa = a.transform(x.as_ref()).unwrap();
        let wb = b.transform(csr.as_ref()).unwrap();
        assert!((&wa - &wb).norm_max() <= 1e-6 * wa.norm_max().max(1.0));
    }
}

#[test]
fn transform_recovers_the_fitted_factor() {
    let digits = load_digits().unwrap().data;
    let x = digits.subrows(0, 400).to_owned();
    let (model, w) = Nmf::new(8)
        .tol(1e-6)
        .max_iter(500)
        .fit_transform(x.as_ref())
        .unwrap();
    let w2 = model.transform(x.as_ref()).unwrap();
    let back = model.inverse_transform(w2.as_ref()).unwrap();
    let err = (&back - &x).norm_l2();
    // W from transform is at least as good as the fitted one (it is optimal for H).
    let fitted = (&model.inverse_transform(w.as_ref()).unwrap() - &x).norm_l2();
    assert!(err <= fitted * 1.001, "{err} vs {fitted}");
}

#[test]
fn multiplicative_updates_never_increase_the_error() {
    let digits = load_digits().unwrap().data;
    let x = digits.subrows(0, 200).to_owned();
    for beta in [NmfBetaLoss::Frobenius, NmfBetaLoss::KullbackLeibler] {
        let mut last = f64::INFINITY;
        for iters in [10, 20, 30, 40, 60, 80] {
            let err = Nmf::new(6)
                .solver(NmfSolver::Mu)
                .beta_loss(beta)
                .tol(0.0)
                .max_iter(iters)
                .fit(x.as_ref())
                .unwrap()
                .reconstruction_err();
            assert!(
                err <= last * (1.0 + 1e-12),
                "{beta:?}: {last} -> {err} at {iters}"
            );
            last = err;
        }
    }
}

#[test]
fn save_load_round_trip() {
    let x = load_digits().unwrap().data.subrows(0, 100).to_owned();
    let model = Nmf::new(4).fit(x.as_ref()).unwrap();
    let back: NmfModel = persist::from_bytes(&persist::to_bytes(&model).unwrap()).unwrap();
    assert_eq!(back, model);
    assert_eq!(
        back.transform(x.as_ref()).unwrap(),
        model.transform(x.as_ref()).unwrap()
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = Mat::from_fn(10, 4, |i, j| ((i + j) % 3) as f64);
    assert!(matches!(
        Nmf::new(0).fit(x.as_ref()),
        Err(Error::InvalidParameter {
            name: "n_components",
            ..
        })
    ));
    assert!(matches!(
        Nmf::new(5).init(Some(NmfInit::Nndsvd)).fit(x.as_ref()),
        Err(Error::InvalidParameter {
            name: "n_components",
            ..
        })
    ));
    // More components than min(n, d) is fine with the random start (the default then).
    assert_eq!(Nmf::new(5).fit(x.as_ref()).unwrap().n_components(), 5);
    assert!(matches!(
        Nmf::new(2)
            .beta_loss(NmfBetaLoss::KullbackLeibler)
            .fit(x.as_ref()),
        Err(Error::InvalidParameter {
            name: "beta_loss",
            ..
        })
    ));
    assert!(matches!(
        Nmf::new(2).l1_ratio(2.0).fit(x.as_ref()),
        Err(Error::InvalidParameter {
            name: "l1_ratio",
            ..
        })
    ));
    let mut neg = x.clone();
    neg[(2, 1)] = -0.5;
    assert!(matches!(
        Nmf::new(2).fit(neg.as_ref()),
        Err(Error::NegativeValue { row: 2, col: 1, .. })
    ));
    let mut nan = x.clone();
    nan[(4, 3)] = f64::NAN;
    assert!(matches!(
        Nmf::new(2).fit(nan.as_ref()),
        Err(Error::NonFinite { row: 4, col: 3, .. })
    ));
    assert!(matches!(
        Nmf::new(2).fit(Mat::<f64>::zeros(0, 3).as_ref()),
        Err(Error::EmptyInput { .. })
    ));
    let neg_csr = csr_from_triplets(3, 3, &[(2, 0, -1.0)]).unwrap();
    assert!(matches!(
        Nmf::new(2).fit(neg_csr.as_ref()),
        Err(Error::NegativeValue { row: 2, col: 0, .. })
    ));
    let model = Nmf::new(2).fit(x.as_ref()).unwrap();
    assert!(matches!(
        model.inverse_transform(Mat::<f64>::zeros(3, 3).as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
}

fn small() -> Mat<f64> {
    Mat::from_fn(30, 6, |i, j| ((i * 5 + j * 3) % 7) as f64 + 0.5)
}

ml_core::conformance_tests!(nmf_cd_conformance, transformer, || Nmf::new(3), small());
ml_core::conformance_tests!(
    nmf_mu_conformance,
    transformer,
    || Nmf::new(3)
        .solver(NmfSolver::Mu)
        .beta_loss(NmfBetaLoss::KullbackLeibler),
    small()
);

#[test]
fn counts_at_usize_max_are_refused_or_bounded() {
    use ml_core::testing::{Check, run_transformer};
    for make in [|| Nmf::new(usize::MAX), || Nmf::new(3).max_iter(usize::MAX)] {
        run_transformer(Check::FitsOrRefuses, make, small().as_ref()).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn factors_are_non_negative(
        vals in proptest::collection::vec(0.0f64..5.0, 8 * 5),
        k in 1usize..5,
        mu in any::<bool>(),
        init in 0usize..4,
    ) {
        let x = Mat::from_fn(8, 5, |i, j| vals[i * 5 + j]);
        let init = [NmfInit::Random, NmfInit::Nndsvd, NmfInit::Nndsvda, NmfInit::Nndsvdar][init];
        let solver = if mu { NmfSolver::Mu } else { NmfSolver::Cd };
        let (model, w) = Nmf::new(k).init(Some(init)).solver(solver).max_iter(50)
            .fit_transform(x.as_ref()).unwrap();
        let h = model.components();
        prop_assert!((0..8).all(|i| (0..k).all(|t| w[(i, t)] >= 0.0 && w[(i, t)].is_finite())));
        prop_assert!((0..k).all(|t| (0..5).all(|j| h[(t, j)] >= 0.0 && h[(t, j)].is_finite())));
        prop_assert!(model.reconstruction_err().is_finite());
        let w2 = model.transform(x.as_ref()).unwrap();
        prop_assert!((0..8).all(|i| (0..k).all(|t| w2[(i, t)] >= 0.0)));
    }
}
