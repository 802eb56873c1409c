//! `Pca` and `IncrementalPca` against scikit-learn 1.9.1 (fixtures made by
//! `scripts/refdata/pca.py`), their invariants, bad input and the conformance kit.
//!
//! Tolerances:
//! - Components: 1e-8 (absolute; components are unit vectors), for the leading
//!   components whose eigenvalues are separated (relative gap above 1e-6 of the
//!   largest, recorded by the script as `n_separated`). Directions of (near-)equal
//!   eigenvalues are not defined, so neither side's choice can be checked there.
//!   Signs are compared exactly: both sides apply `svd_flip(u_based_decision=False)`.
//! - Explained variance ratios: 1e-10 absolute (they are at most 1); explained
//!   variances and squared singular values 1e-10 relative to the largest.
//! - Scores: 1e-9 relative. Whitened models: 1e-6, because scikit-learn's
//!   `get_covariance` with `whiten` multiplies the eigenvalues twice, which amplifies
//!   the rounding differences of near-zero eigenvalue differences.
//! - Randomized solver: scikit-learn's random draws cannot be reproduced (another
//!   generator), so the fixtures run 30 power iterations where both answers converge
//!   to the exact decomposition; the same tolerances then apply.

mod common;

use common::{assert_close_abs, assert_rel, floats, matrix};

use faer::Mat;
use ml_core::datasets::{load_digits, load_wine};
use ml_core::{Error, persist};
use ml_decomp::incremental_pca::IncrementalPca;
use ml_decomp::pca::{Pca, PcaModel, PcaNComponents, PcaSolver};
use proptest::prelude::*;
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("data/pca.json")).expect("valid fixture JSON")
}

fn data(name: &str) -> Mat<f64> {
    match name {
        "digits" => load_digits().unwrap().data,
        "wine" => load_wine().unwrap().data,
        other => panic!("unknown data set {other}"),
    }
}

fn check_ident(x: &Mat<f64>, ident: &Value) {
    let shape = floats(&ident["shape"]);
    assert_eq!(
        (x.nrows(), x.ncols()),
        (shape[0] as usize, shape[1] as usize)
    );
    let sum: f64 = (0..x.ncols()).map(|j| x.col(j).iter().sum::<f64>()).sum();
    let reference = ident["sum"].as_f64().unwrap();
    assert!((sum - reference).abs() <= 1e-9 * reference.abs());
}

fn rows_of(m: faer::MatRef<'_, f64>, count: usize) -> Vec<f64> {
    (0..count)
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}

fn estimator(case: &Value) -> Pca {
    let p = &case["params"];
    let mut pca = Pca::default();
    match &p["n_components"] {
        Value::Null => {}
        Value::String(s) if s == "mle" => pca = pca.n_components(PcaNComponents::Mle),
        v if v.is_u64() => {
            pca = pca.n_components(PcaNComponents::Count(v.as_u64().unwrap() as usize));
        }
        v => pca = pca.n_components(PcaNComponents::VarianceFraction(v.as_f64().unwrap())),
    }
    pca = pca.solver(match p["svd_solver"].as_str() {
        None => PcaSolver::Auto,
        Some("full") => PcaSolver::Full,
        Some("covariance_eigh") => PcaSolver::CovarianceEigh,
        Some("randomized") => PcaSolver::Randomized,
        Some(other) => panic!("solver {other}"),
    });
    if p["whiten"].as_bool() == Some(true) {
        pca = pca.whiten(true);
    }
    if let Some(q) = p["iterated_power"].as_u64() {
        pca = pca.iterated_power(q as usize);
    }
    pca
}

fn solver_name(s: PcaSolver) -> &'static str {
    match s {
        PcaSolver::Full => "full",
        PcaSolver::CovarianceEigh => "covariance_eigh",
        PcaSolver::Randomized => "randomized",
        _ => "auto",
    }
}

/// The leading well-separated components (exact signs) within 1e-8 and every explained
/// variance ratio within 1e-10 of the fixture `case`: the check PCA and IncrementalPCA
/// share. Returns how many components are separated (the ones compared).
fn assert_components_and_ratio(
    components: faer::MatRef<'_, f64>,
    ratio: &[f64],
    case: &Value,
    k: usize,
    name: &str,
) -> usize {
    let sep = (case["n_separated"].as_u64().unwrap() as usize).min(k);
    let comps = matrix(&case["components"]);
    assert_close_abs(
        &rows_of(components, sep),
        &rows_of(comps.as_ref(), sep),
        1e-8,
        1.0,
        &format!("{name}: components"),
    );
    assert_close_abs(
        ratio,
        &floats(&case["explained_variance_ratio"]),
        1e-10,
        1.0,
        &format!("{name}: explained_variance_ratio"),
    );
    sep
}

fn check_against(model: &PcaModel, case: &Value, x: &Mat<f64>) {
    let name = case["name"].as_str().unwrap();
    let k = case["n_components_"].as_u64().unwrap() as usize;
    assert_eq!(model.n_components(), k, "{name}: n_components_");
    assert_eq!(
        solver_name(model.solver()),
        case["solver"].as_str().unwrap()
    );
    let sep = assert_components_and_ratio(
        model.components(),
        model.explained_variance_ratio(),
        case,
        k,
        name,
    );
    assert_rel(
        model.explained_variance(),
        &floats(&case["explained_variance"]),
        1e-10,
        &format!("{name}: explained_variance"),
    );
    // Singular values squared (the covariance solver computes s = √(λ(n−1)), so a
    // zero eigenvalue carried as ε·λ₁ becomes √ε·s₁ and only s² is accurate).
    let sq = |v: &[f64]| v.iter().map(|s| s * s).collect::<Vec<_>>();
    assert_rel(
        &sq(model.singular_values()),
        &sq(&floats(&case["singular_values"])),
        1e-10,
        &format!("{name}: singular_values²"),
    );
    assert_rel(model.mean(), &floats(&case["mean"]), 1e-14, "mean");
    let nv = case["noise_variance"].as_f64().unwrap();
    let ev0 = model.explained_variance()[0];
    assert!(
        (model.noise_variance() - nv).abs() <= 1e-10 * ev0,
        "{name}: noise variance {} vs {nv}",
        model.noise_variance()
    );
    // Projections: only the separated components are defined.
    let head = model.transform(x.get(..5, ..)).unwrap();
    let reference = matrix(&case["transform_head"]);
    let ours: Vec<f64> = (0..5)
        .flat_map(|i| (0..sep).map(move |j| (i, j)))
        .map(|(i, j)| head[(i, j)])
        .collect();
    let theirs: Vec<f64> = (0..5)
        .flat_map(|i| (0..sep).map(move |j| (i, j)))
        .map(|(i, j)| reference[(i, j)])
        .collect();
    assert_rel(&ours, &theirs, 1e-8, &format!("{name}: transform"));
    // Scores exist when the model keeps fewer components than features; they are
    // meaningful only with a noise variance well above rounding.
    if let Some(score) = case["score"].as_f64()
        && nv > 1e-9 * ev0
    {
        let tol = if model.whiten() { 1e-6 } else { 1e-9 };
        let ours = model.score(x.as_ref()).unwrap();
        assert!(
            (ours - score).abs() <= tol * score.abs(),
            "{name}: score {ours} vs {score}"
        );
        assert_rel(
            &model.score_samples(x.get(..5, ..)).unwrap(),
            &floats(&case["score_samples_head"]),
            tol,
            &format!("{name}: score_samples"),
        );
    }
}

#[test]
fn datasets_match_the_fixtures() {
    let f = fixtures();
    check_ident(&data("digits"), &f["data"]["digits"]);
    check_ident(&data("wine"), &f["data"]["wine"]);
}

#[test]
fn pca_matches_scikit_learn() {
    let f = fixtures();
    for case in f["pca"].as_array().unwrap() {
        let x = data(case["data"].as_str().unwrap());
        let model = estimator(case).fit(x.as_ref()).unwrap();
        check_against(&model, case, &x);
    }
}

#[test]
fn incremental_pca_matches_scikit_learn() {
    let f = fixtures();
    for case in f["ipca"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = data(case["data"].as_str().unwrap());
        let p = &case["params"];
        let mut est = IncrementalPca::default();
        if let Some(k) = p["n_components"].as_u64() {
            est = est.n_components(k as usize);
        }
        if let Some(b) = p["batch_size"].as_u64() {
            est = est.batch_size(b as usize);
        }
        let model = est.fit(x.as_ref()).unwrap();
        let k = case["n_components_"].as_u64().unwrap() as usize;
        assert_eq!(model.n_components(), k, "{name}");
        assert_eq!(
            model.n_samples_seen(),
            case["n_samples_seen"].as_u64().unwrap() as usize
        );
        assert_components_and_ratio(
            model.components(),
            model.explained_variance_ratio(),
            case,
            k,
            name,
        );
        assert_rel(
            model.explained_variance(),
            &floats(&case["explained_variance"]),
            1e-10,
            &format!("{name}: explained_variance"),
        );
        assert_rel(
            model.singular_values(),
            &floats(&case["singular_values"]),
            1e-10,
            &format!("{name}: singular_values"),
        );
        assert_rel(model.mean(), &floats(&case["mean"]), 1e-13, "mean");
        assert_rel(model.var(), &floats(&case["var"]), 1e-12, "var");
        let nv = case["noise_variance"].as_f64().unwrap();
        assert!(
            (model.noise_variance() - nv).abs() <= 1e-10 * model.explained_variance()[0],
            "{name}: noise variance {} vs {nv}",
            model.noise_variance()
        );
    }
}

#[test]
fn partial_fit_by_hand_equals_fit() {
    let x = data("digits");
    let est = IncrementalPca::default().n_components(10).batch_size(300);
    let fitted = est.fit(x.as_ref()).unwrap();
    let mut model = est.partial_fit(x.get(..300, ..)).unwrap();
    // scikit-learn's gen_batches: 300-row batches, the last one (297 rows) kept
    // apart because it is longer than n_components.
    for start in (300..x.nrows()).step_by(300) {
        let end = (start + 300).min(x.nrows());
        model.partial_fit(x.get(start..end, ..)).unwrap();
    }
    assert_eq!(model, fitted);
}

fn random_matrix(n: usize, d: usize, seed: u64) -> Mat<f64> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    Mat::from_fn(n, d, |_, _| rng.random_range(-1.0..1.0))
}

/// `‖A‖_F`.
fn frob(a: faer::MatRef<'_, f64>) -> f64 {
    (0..a.ncols())
        .map(|j| a.col(j).iter().map(|v| v * v).sum::<f64>())
        .sum::<f64>()
        .sqrt()
}

#[test]
fn randomized_equals_full_on_exactly_low_rank_data() {
    // Rank 6 plus a shift (PCA centres it away): the randomized range finder captures
    // the whole column space, so it is exact up to rounding.
    let a = random_matrix(700, 6, 1);
    let b = random_matrix(6, 600, 2);
    let mut x = &a * &b;
    for j in 0..x.ncols() {
        x.col_mut(j).iter_mut().for_each(|v| *v += j as f64);
    }
    let full = Pca::new(5).solver(PcaSolver::Full).fit(x.as_ref()).unwrap();
    let rnd = Pca::new(5)
        .solver(PcaSolver::Randomized)
        .fit(x.as_ref())
        .unwrap();
    assert_rel(rnd.singular_values(), full.singular_values(), 1e-10, "s");
    assert_close_abs(
        &rows_of(rnd.components(), 5),
        &rows_of(full.components(), 5),
        1e-8,
        1.0,
        "components",
    );
    assert_close_abs(
        rnd.explained_variance_ratio(),
        full.explained_variance_ratio(),
        1e-12,
        1.0,
        "ratio",
    );
}

#[test]
fn fit_transform_equals_transform_and_persist_round_trips() {
    let x = data("wine");
    for solver in [
        PcaSolver::Full,
        PcaSolver::CovarianceEigh,
        PcaSolver::Randomized,
    ] {
        for whiten in [false, true] {
            let (model, z) = Pca::new(4)
                .solver(solver)
                .whiten(whiten)
                .fit_transform(x.as_ref())
                .unwrap();
            let t = model.transform(x.as_ref()).unwrap();
            assert!(frob((&z - &t).as_ref()) <= 1e-12 * frob(t.as_ref()));
            let bytes = persist::to_bytes(&model).unwrap();
            let back: PcaModel = persist::from_bytes(&bytes).unwrap();
            assert_eq!(back, model);
            assert_eq!(back.transform(x.as_ref()).unwrap(), t);
        }
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = data("wine");
    let bad_param = |r: Result<PcaModel, Error>| {
        assert!(
            matches!(
                r,
                Err(Error::InvalidParameter {
                    name: "n_components",
                    ..
                })
            ),
            "{r:?}"
        );
    };
    bad_param(Pca::new(0).fit(x.as_ref()));
    bad_param(Pca::new(14).fit(x.as_ref()));
    bad_param(Pca::new(14).solver(PcaSolver::Randomized).fit(x.as_ref()));
    for f in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
        bad_param(
            Pca::default()
                .n_components(PcaNComponents::VarianceFraction(f))
                .fit(x.as_ref()),
        );
    }
    bad_param(
        Pca::default()
            .n_components(PcaNComponents::VarianceFraction(0.5))
            .solver(PcaSolver::Randomized)
            .fit(x.as_ref()),
    );
    bad_param(
        Pca::default()
            .n_components(PcaNComponents::Mle)
            .fit(x.get(..10, ..)),
    );
    let mut nan = x.clone();
    nan[(3, 2)] = f64::NAN;
    assert!(matches!(
        Pca::new(2).fit(nan.as_ref()),
        Err(Error::NonFinite { row: 3, col: 2, .. })
    ));
    assert!(matches!(
        Pca::new(2).fit(Mat::<f64>::zeros(0, 3).as_ref()),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        Pca::new(1).fit(x.get(..1, ..)),
        Err(Error::TooFewSamples { .. })
    ));
    assert!(matches!(
        IncrementalPca::default().n_components(0).fit(x.as_ref()),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        IncrementalPca::default().n_components(14).fit(x.as_ref()),
        Err(Error::InvalidParameter { .. })
    ));
    let model = Pca::new(2).fit(x.as_ref()).unwrap();
    assert!(matches!(
        model.inverse_transform(Mat::<f64>::zeros(2, 3).as_ref()),
        Err(Error::ShapeMismatch { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// With every component kept, inverse_transform(transform(X)) = X up to rounding:
    /// the error of an orthogonal projection and back is a few ulps of ‖X‖ per entry,
    /// bounded here by 1e-10·‖X‖_F (whitening divides and multiplies by √λ, which
    /// only adds relative rounding).
    #[test]
    fn full_reconstruction_and_orthonormal_components(
        n in 3usize..40, d in 1usize..12, seed in 0u64..1000, whiten: bool, solver in 0usize..3
    ) {
        let x = random_matrix(n, d, seed);
        let solver = [PcaSolver::Full, PcaSolver::CovarianceEigh, PcaSolver::Randomized][solver];
        let model = Pca::default().solver(solver).whiten(whiten && solver == PcaSolver::Full)
            .fit(x.as_ref()).unwrap();
        let k = model.n_components();
        prop_assert_eq!(k, n.min(d));
        let z = model.transform(x.as_ref()).unwrap();
        let back = model.inverse_transform(z.as_ref()).unwrap();
        let err = frob((&back - &x).as_ref());
        // Covariance squares the condition number; a rank-deficient n < d fit cannot
        // reconstruct off its row space, so the property holds for n > d only there.
        if solver != PcaSolver::CovarianceEigh || n > d {
            prop_assert!(err <= 1e-10 * frob(x.as_ref()).max(1e-300), "err {}", err);
        }
        // V·Vᵀ = I
        let c = model.components();
        let g = c * c.transpose();
        for i in 0..k {
            for j in 0..k {
                let e = if i == j { 1.0 } else { 0.0 };
                prop_assert!((g[(i, j)] - e).abs() < 1e-10);
            }
        }
    }
}

ml_core::conformance_tests!(
    pca_full,
    transformer,
    || Pca::new(3).solver(PcaSolver::Full),
    load_wine().unwrap().data
);
ml_core::conformance_tests!(
    pca_cov,
    transformer,
    || Pca::new(3).solver(PcaSolver::CovarianceEigh),
    load_wine().unwrap().data
);
ml_core::conformance_tests!(
    pca_randomized,
    transformer,
    || Pca::new(3).solver(PcaSolver::Randomized).seed(5),
    load_wine().unwrap().data
);
ml_core::conformance_tests!(
    ipca,
    transformer,
    || IncrementalPca::default().n_components(3).batch_size(40),
    load_wine().unwrap().data
);

#[test]
fn counts_at_usize_max_are_refused_or_bounded() {
    use ml_core::testing::{Check, run_transformer};
    let x = load_wine().unwrap().data;
    for make in [
        || Pca::new(usize::MAX),
        || {
            Pca::new(3)
                .solver(PcaSolver::Randomized)
                .iterated_power(usize::MAX)
        },
        || {
            Pca::new(3)
                .solver(PcaSolver::Randomized)
                .n_oversamples(usize::MAX)
        },
    ] {
        run_transformer(Check::FitsOrRefuses, make, x.as_ref()).unwrap();
    }
    for make in [
        || IncrementalPca::default().n_components(usize::MAX),
        || {
            IncrementalPca::default()
                .n_components(3)
                .batch_size(usize::MAX)
        },
    ] {
        run_transformer(Check::FitsOrRefuses, make, x.as_ref()).unwrap();
    }
}

#[test]
fn constant_data_explains_no_variance_rather_than_nan() {
    let x = Mat::from_fn(30, 4, |_, j| j as f64 + 0.5);
    for solver in [PcaSolver::Full, PcaSolver::CovarianceEigh] {
        let model = Pca::new(2).solver(solver).fit(x.as_ref()).unwrap();
        assert!(
            model.explained_variance_ratio().iter().all(|&r| r == 0.0),
            "{solver:?}"
        );
    }
    let model = IncrementalPca::default()
        .n_components(2)
        .fit(x.as_ref())
        .unwrap();
    assert!(model.explained_variance_ratio().iter().all(|&r| r == 0.0));
}
