//! Integration tests of `ml_core::linalg` and the CSR helpers of `ml_core::sparse`:
//! invariants with principled tolerances, scikit-learn/SciPy parity on fixtures
//! (`tests/data/linalg.json`, made by `scripts/refdata/linalg.py`), and typed errors.
//!
//! Tolerance principles used below:
//! - backward-stable factorisations (SVD, QR, Cholesky, symmetric EVD) reproduce their
//!   input within `c · eps · max(m, n) · ‖X‖`;
//! - the GEMM distance expansion loses `~eps · (‖x‖² + ‖y‖²)` to cancellation;
//! - parity with SciPy/scikit-learn on well-conditioned data is checked at 1e-10 relative
//!   to the largest entry, leaving room for different (but stable) operation orders.

use faer::Mat;
use ml_core::Error;
use ml_core::linalg::*;
use ml_core::sparse::{self, Csr};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::Value;

const EPS: f64 = f64::EPSILON;

fn gaussian(m: usize, n: usize, seed: u64) -> Mat<f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let v: Vec<f64> = (0..m * n)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    Mat::from_fn(m, n, |i, j| v[i * n + j])
}

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/linalg.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn mat_of(v: &Value) -> Mat<f64> {
    let rows = v.as_array().expect("rows");
    let n = rows[0].as_array().expect("row").len();
    Mat::from_fn(rows.len(), n, |i, j| rows[i][j].as_f64().expect("number"))
}

fn vec_of(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn max_abs(m: &Mat<f64>) -> f64 {
    m.norm_max()
}

fn csr_of(x: &Mat<f64>) -> Csr {
    sparse::csr_from_dense(x.as_ref()).expect("finite")
}

// ---------------------------------------------------------------- least squares

#[test]
fn lstsq_known_tall_solution() {
    // y = 1 + 2 t exactly, fit with columns [1, t].
    let a = Mat::from_fn(5, 2, |i, j| if j == 0 { 1.0 } else { i as f64 });
    let b = Mat::from_fn(5, 1, |i, _| 1.0 + 2.0 * i as f64);
    let sol = lstsq(a.as_ref(), b.as_ref()).unwrap();
    assert_eq!(sol.rank, 2);
    assert!((sol.coef[(0, 0)] - 1.0).abs() < 1e-13);
    assert!((sol.coef[(1, 0)] - 2.0).abs() < 1e-13);
    let qr = lstsq_qr(a.as_ref(), b.as_ref()).unwrap();
    assert!(max_abs(&(&qr - &sol.coef)) < 1e-13);
}

#[test]
fn lstsq_matches_normal_equations_multi_rhs() {
    let a = gaussian(40, 5, 1);
    let b = gaussian(40, 3, 2);
    let sol = lstsq(a.as_ref(), b.as_ref()).unwrap();
    let ata = a.transpose() * &a;
    let atb = a.transpose() * &b;
    let x = cholesky_solve(ata.as_ref(), atb.as_ref()).unwrap();
    // Condition number of this Gaussian A is O(1): normal equations lose little.
    assert!(max_abs(&(&x - &sol.coef)) < 1e-12);
    let qr = lstsq_qr(a.as_ref(), b.as_ref()).unwrap();
    assert!(max_abs(&(&qr - &sol.coef)) < 1e-12);
    // The residual is orthogonal to the columns of A.
    let r = &b - &a * &sol.coef;
    assert!(max_abs(&(a.transpose() * &r)) < 1e-12);
}

#[test]
fn duplicate_columns_give_minimum_norm_solution() {
    let t = gaussian(30, 1, 3);
    let a = Mat::from_fn(30, 2, |i, _| t[(i, 0)]);
    let b = Mat::from_fn(30, 1, |i, _| 3.0 * t[(i, 0)]);
    let sol = lstsq(a.as_ref(), b.as_ref()).unwrap();
    assert_eq!(sol.rank, 1);
    assert!(sol.singular_values[1] < 1e-12 * sol.singular_values[0]);
    // Every (w, 3 − w) fits exactly; the shortest splits the weight evenly.
    assert!((sol.coef[(0, 0)] - 1.5).abs() < 1e-12);
    assert!((sol.coef[(1, 0)] - 1.5).abs() < 1e-12);
    // The QR path detects the deficiency and falls back to the same answer.
    let qr = lstsq_qr(a.as_ref(), b.as_ref()).unwrap();
    assert!(max_abs(&(&qr - &sol.coef)) < 1e-12);
}

#[test]
fn wide_system_is_solved_exactly_with_minimum_norm() {
    let a = gaussian(3, 7, 4);
    let b = gaussian(3, 2, 5);
    let sol = lstsq(a.as_ref(), b.as_ref()).unwrap();
    assert_eq!(sol.rank, 3);
    assert!(max_abs(&(&a * &sol.coef - &b)) < 1e-12);
    // Minimum norm: x = Aᵀ (A Aᵀ)⁻¹ b, in the row space of A.
    let aat = &a * a.transpose();
    let z = cholesky_solve(aat.as_ref(), b.as_ref()).unwrap();
    let x = a.transpose() * &z;
    assert!(max_abs(&(&x - &sol.coef)) < 1e-12);
}

#[test]
fn rcond_drops_small_singular_values() {
    // Column scales 1 and 1e-8: the second singular value is ~1e-8 · the first.
    let a = Mat::from_fn(6, 2, |i, j| {
        let v = (i as f64 + 1.0) * if j == 0 { 1.0 } else { -1.0 } + (i * i) as f64;
        if j == 0 {
            v
        } else {
            1e-8 * ((i % 3) as f64 - 1.0)
        }
    });
    let b = Mat::from_fn(6, 1, |i, _| i as f64);
    assert_eq!(lstsq(a.as_ref(), b.as_ref()).unwrap().rank, 1);
    assert_eq!(
        lstsq_with_rcond(a.as_ref(), b.as_ref(), 1e-12)
            .unwrap()
            .rank,
        2
    );
    assert_eq!(
        lstsq_with_rcond(a.as_ref(), b.as_ref(), 0.0).unwrap().rank,
        2
    );
}

#[test]
fn lstsq_parity_with_scipy_cond_1e6() {
    let f = fixture();
    let case = &f["lstsq"];
    let a = mat_of(&case["a"]);
    let b = mat_of(&case["b"]);
    let sol = lstsq(a.as_ref(), b.as_ref()).unwrap();
    assert_eq!(sol.rank as u64, case["rank"].as_u64().unwrap());
    let sv = vec_of(&case["singular_values"]);
    for (x, y) in sol.singular_values.iter().zip(&sv) {
        // Absolute in units of s_max: the tiny singular value is only known to eps·s_max.
        assert!((x - y).abs() < 1e-13 * sv[0], "{x} vs {y}");
    }
    let expected = mat_of(&case["coef"]);
    // The truncated problem has condition number s_max / s_rank = 1e4.
    assert!(max_abs(&(&sol.coef - &expected)) < 1e-10 * max_abs(&expected));
}

#[test]
fn all_zero_matrix_has_rank_zero() {
    let a = Mat::<f64>::zeros(4, 3);
    let b = Mat::from_fn(4, 1, |i, _| i as f64);
    let sol = lstsq(a.as_ref(), b.as_ref()).unwrap();
    assert_eq!(sol.rank, 0);
    assert_eq!(max_abs(&sol.coef), 0.0);
}

// ---------------------------------------------------------------- Cholesky

#[test]
fn cholesky_errors_and_fallback() {
    let indefinite = faer::mat![[1.0, 0.0, 0.0], [0.0, -2.0, 0.0], [0.0, 0.0, 3.0]];
    let b = Mat::from_fn(3, 1, |i, _| i as f64 + 1.0);
    assert_eq!(
        cholesky_solve(indefinite.as_ref(), b.as_ref()),
        Err(Error::NotPositiveDefinite { pivot: 1 })
    );
    // Singular PSD (rank 1): Cholesky fails, the fallback returns the minimum-norm answer.
    let v = faer::mat![[1.0], [2.0], [2.0]];
    let psd = &v * v.transpose();
    let rhs = &v * faer::mat![[9.0]];
    let sol = solve_spd_or_lstsq(psd.as_ref(), rhs.as_ref()).unwrap();
    assert_eq!(sol.method, SolveMethod::Lstsq { rank: 1 });
    // psd · x = rhs with x ∥ v: x = v (since vᵀv = 9).
    assert!(max_abs(&(&sol.x - &v)) < 1e-12);
    // A well-posed ridge system takes the Cholesky path.
    let x = gaussian(20, 4, 9);
    let mut g = x.transpose() * &x;
    for i in 0..4 {
        g[(i, i)] += 1.0;
    }
    let y = gaussian(4, 1, 10);
    let sol = solve_spd_or_lstsq(g.as_ref(), y.as_ref()).unwrap();
    assert_eq!(sol.method, SolveMethod::Cholesky);
    assert!(max_abs(&(&g * &sol.x - &y)) < 1e-12);
}

// ---------------------------------------------------------------- SVD and EVD

fn check_svd(x: &Mat<f64>, svd: &Svd) -> Result<(), TestCaseError> {
    let (m, n) = (x.nrows(), x.ncols());
    let k = m.min(n);
    prop_assert_eq!(svd.u.ncols(), k);
    prop_assert_eq!(svd.vt.nrows(), k);
    let mut us = svd.u.clone();
    for j in 0..k {
        us.col_mut(j).iter_mut().for_each(|v| *v *= svd.s[j]);
    }
    let rec = &us * &svd.vt;
    // Backward stability: ‖U S Vt − X‖ ≤ c · eps · max(m, n) · ‖X‖ with c = 16.
    let scale = x.norm_l2().max(f64::MIN_POSITIVE);
    prop_assert!((&rec - x).norm_l2() <= 16.0 * EPS * (m.max(n) as f64) * scale);
    prop_assert!(svd.s.windows(2).all(|w| w[0] >= w[1]));
    let utu = svd.u.transpose() * &svd.u;
    prop_assert!((&utu - Mat::<f64>::identity(k, k)).norm_max() <= 16.0 * EPS * (m.max(n) as f64));
    Ok(())
}

fn dominant(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |b: f64, v| if v.abs() > b.abs() { v } else { b })
}

proptest! {
    #[test]
    fn svd_reconstructs_and_flips(m in 1usize..12, n in 1usize..12, seed in 0u64..1000) {
        let x = gaussian(m, n, seed);
        let svd = thin_svd(x.as_ref()).unwrap();
        check_svd(&x, &svd)?;
        for j in 0..m.min(n) {
            prop_assert!(dominant(svd.u.col(j).iter().copied()) >= 0.0);
        }
        let svd = thin_svd_with(x.as_ref(), SignConvention::VBased).unwrap();
        check_svd(&x, &svd)?;
        for i in 0..m.min(n) {
            prop_assert!(dominant(svd.vt.row(i).iter().copied()) >= 0.0);
        }
    }

    #[test]
    fn eigh_orders_and_satisfies_av_eq_lv(n in 1usize..10, seed in 0u64..1000) {
        let g = gaussian(n, n, seed);
        let a = &g + g.transpose();
        let (vals, vecs) = eigh_desc(a.as_ref()).unwrap();
        prop_assert!(vals.windows(2).all(|w| w[0] >= w[1]));
        let scale = a.norm_l2().max(1.0);
        for (j, &lambda) in vals.iter().enumerate() {
            let v = vecs.col(j);
            let av = &a * v;
            for i in 0..n {
                prop_assert!((av[i] - lambda * v[i]).abs() <= 64.0 * EPS * n as f64 * scale);
            }
        }
        let vtv = vecs.transpose() * &vecs;
        prop_assert!((&vtv - Mat::<f64>::identity(n, n)).norm_max() <= 64.0 * EPS * n as f64);
    }
}

#[test]
fn svd_parity_with_scipy_and_svd_flip() {
    let f = fixture();
    let case = &f["svd"];
    let x = mat_of(&case["x"]);
    for (name, conv) in [
        ("u_based", SignConvention::UBased),
        ("v_based", SignConvention::VBased),
    ] {
        let svd = thin_svd_with(x.as_ref(), conv).unwrap();
        let u = mat_of(&case[name]["u"]);
        let vt = mat_of(&case[name]["vt"]);
        assert!(max_abs(&(&svd.u - &u)) < 1e-12, "{name} U");
        assert!(max_abs(&(&svd.vt - &vt)) < 1e-12, "{name} Vt");
        for (a, b) in svd.s.iter().zip(vec_of(&case["s"])) {
            assert!((a - b).abs() < 1e-12 * b.max(1.0));
        }
    }
    let e = &f["eigh"];
    let (vals, _) = eigh_desc(mat_of(&e["a"]).as_ref()).unwrap();
    for (a, b) in vals.iter().zip(vec_of(&e["values"])) {
        assert!((a - b).abs() < 1e-12 * b.abs().max(1.0));
    }
}

#[test]
fn svd_flip_checks_shapes() {
    let mut u = Mat::<f64>::zeros(3, 2);
    let mut vt = Mat::<f64>::zeros(3, 4);
    assert!(matches!(
        svd_flip(u.as_mut(), vt.as_mut(), SignConvention::UBased),
        Err(Error::ShapeMismatch {
            expected: 2,
            got: 3,
            ..
        })
    ));
}

// ---------------------------------------------------------------- randomized SVD

/// An exactly rank-`r` matrix with singular values 10, 5, 3.3, ...
fn low_rank(m: usize, n: usize, r: usize, seed: u64) -> Mat<f64> {
    let mut left = gaussian(m, r, seed);
    let right = gaussian(r, n, seed + 1);
    for j in 0..r {
        let w = 10.0 / (j + 1) as f64;
        left.col_mut(j).iter_mut().for_each(|x| *x *= w);
    }
    &left * &right
}

fn assert_leading_values(approx: &[f64], exact: &[f64], rel: f64) {
    for (a, e) in approx.iter().zip(exact) {
        assert!((a - e).abs() <= rel * e, "{a} vs {e}");
    }
}

#[test]
fn randomized_svd_on_exact_low_rank_dense_and_csr() {
    for &(m, n) in &[(300usize, 40usize), (40, 300), (120, 120)] {
        let a = low_rank(m, n, 5, (m * n) as u64);
        let exact = thin_svd(a.as_ref()).unwrap();
        for normalizer in [
            PowerIterationNormalizer::Auto,
            PowerIterationNormalizer::Qr,
            PowerIterationNormalizer::Lu,
            PowerIterationNormalizer::None,
        ] {
            let params = RandomizedSvd::new(5)
                .power_iteration_normalizer(normalizer)
                .seed(7);
            let dense = params.compute(a.as_ref()).unwrap();
            assert_leading_values(&dense.s, &exact.s[..5], 1e-6);
            let csr = params.compute_csr(csr_of(&a).as_ref()).unwrap();
            assert_leading_values(&csr.s, &exact.s[..5], 1e-6);
            // Sparse and dense products differ only in rounding, which the stable
            // normalisers keep small; without normalisation 7 iterations raise the
            // spectrum to the 15th power and the vectors keep only ~1e-6 (documented).
            let vec_tol = if normalizer == PowerIterationNormalizer::None {
                1e-5
            } else {
                1e-8
            };
            assert!(
                max_abs(&(&csr.u - &dense.u)) < vec_tol,
                "{m}x{n} {normalizer:?}"
            );
            assert!(
                max_abs(&(&csr.vt - &dense.vt)) < vec_tol,
                "{m}x{n} {normalizer:?}"
            );
            // u-based flip, as scikit-learn's randomized_svd, on either orientation.
            for j in 0..5 {
                assert!(dominant(dense.u.col(j).iter().copied()) > 0.0);
            }
        }
    }
}

#[test]
fn randomized_svd_on_tall_matrix_spanning_many_row_blocks() {
    // 20 000 rows: several blocks of the parallel products and of the TSQR.
    let a = low_rank(20_000, 12, 3, 99);
    let exact = thin_svd(a.as_ref()).unwrap();
    for normalizer in [PowerIterationNormalizer::Lu, PowerIterationNormalizer::Qr] {
        let r = RandomizedSvd::new(3)
            .power_iteration_normalizer(normalizer)
            .compute(a.as_ref())
            .unwrap();
        assert_leading_values(&r.s, &exact.s[..3], 1e-10);
        assert!(max_abs(&(&r.u - exact.u.get(.., ..3))) < 1e-10);
        assert!(max_abs(&(&r.vt - exact.vt.get(..3, ..))) < 1e-10);
        let t = RandomizedSvd::new(3)
            .power_iteration_normalizer(normalizer)
            .compute(a.transpose())
            .unwrap();
        assert_leading_values(&t.s, &exact.s[..3], 1e-10);
        // Aᵀ's right vectors are A's left vectors; signs follow Aᵀ's own U, so compare
        // up to sign through |⟨v, u⟩| = 1.
        for k in 0..3 {
            let dot: f64 = (0..20_000).map(|i| t.vt[(k, i)] * exact.u[(i, k)]).sum();
            assert!((dot.abs() - 1.0).abs() < 1e-10);
        }
    }
}

#[test]
fn randomized_svd_is_deterministic_per_seed() {
    let a = gaussian(80, 30, 11);
    let p = RandomizedSvd::new(3).n_iter(1).n_oversamples(2);
    let r1 = p.seed(5).compute(a.as_ref()).unwrap();
    let r2 = p.seed(5).compute(a.as_ref()).unwrap();
    assert_eq!(r1, r2);
}

#[test]
fn randomized_svd_parity_with_sklearn_given_its_draws() {
    let f = fixture();
    for case in f["randomized_svd"].as_array().unwrap() {
        let m = mat_of(&case["m"]);
        let omega = mat_of(&case["omega"]);
        let k = case["n_components"].as_u64().unwrap() as usize;
        let mut p = RandomizedSvd::new(k);
        if let Some(it) = case["n_iter"].as_u64() {
            p = p.n_iter(it as usize);
        }
        if case["normalizer"] == "QR" {
            p = p.power_iteration_normalizer(PowerIterationNormalizer::Qr);
        }
        let r = p
            .compute_with_test_matrix(m.as_ref(), omega.as_ref())
            .unwrap();
        let s = vec_of(&case["s"]);
        // Leading triplets are separated (ratio 0.8): vectors are well conditioned.
        assert_leading_values(&r.s, &s, 1e-10);
        assert!(max_abs(&(&r.u - &mat_of(&case["u"]))) < 1e-8);
        assert!(max_abs(&(&r.vt - &mat_of(&case["vt"]))) < 1e-8);
    }
}

#[test]
fn randomized_svd_errors() {
    let a = gaussian(10, 4, 1);
    let omega = gaussian(5, 8, 2);
    assert!(matches!(
        RandomizedSvd::new(2).compute_with_test_matrix(a.as_ref(), omega.as_ref()),
        Err(Error::ShapeMismatch {
            expected: 4,
            got: 5,
            ..
        })
    ));
    let mut bad = a.clone();
    bad[(3, 2)] = f64::NAN;
    assert!(matches!(
        RandomizedSvd::new(2).compute(bad.as_ref()),
        Err(Error::NonFinite { row: 3, col: 2, .. })
    ));
    let empty = sparse::csr_from_triplets(0, 3, &[]).unwrap();
    assert_eq!(
        RandomizedSvd::new(1).compute_csr(empty.as_ref()),
        Err(Error::EmptyInput { what: "X" })
    );
}

// ---------------------------------------------------------------- distances

fn naive(x: &Mat<f64>, y: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(x.nrows(), y.nrows(), |i, j| {
        (0..x.ncols())
            .map(|k| (x[(i, k)] - y[(j, k)]).powi(2))
            .sum()
    })
}

/// Allowed error of the GEMM expansion for rows `i` of x and `j` of y.
fn tol(x: &Mat<f64>, y: &Mat<f64>, i: usize, j: usize) -> f64 {
    let nx: f64 = x.row(i).iter().map(|v| v * v).sum();
    let ny: f64 = y.row(j).iter().map(|v| v * v).sum();
    // d terms in each dot product, plus the three-way sum: 4 · (d + 2) · eps · scale.
    4.0 * (x.ncols() as f64 + 2.0) * EPS * (nx + ny) + f64::MIN_POSITIVE
}

proptest! {
    #[test]
    fn blocked_distances_equal_naive_loop(
        n in 1usize..40, m in 1usize..30, d in 1usize..9,
        block_rows in 1usize..17, seed in 0u64..1000, offset in -100.0f64..100.0,
    ) {
        let mut x = gaussian(n, d, seed);
        let y = gaussian(m, d, seed + 1);
        // Shift some rows far from the origin so cancellation is exercised.
        x.row_mut(0).iter_mut().for_each(|v| *v += offset);
        let full = squared_euclidean(x.as_ref(), y.as_ref()).unwrap();
        let reference = naive(&x, &y);
        for i in 0..n {
            for j in 0..m {
                prop_assert!(full[(i, j)] >= 0.0);
                prop_assert!((full[(i, j)] - reference[(i, j)]).abs() <= tol(&x, &y, i, j));
            }
        }
        // The streaming forms produce exactly the same numbers.
        let mut seen = 0;
        for_each_distance_block(x.as_ref(), y.as_ref(), block_rows, |r0, block| {
            for i in 0..block.nrows() {
                for j in 0..m {
                    assert!((block[(i, j)] - full[(r0 + i, j)]).abs() <= tol(&x, &y, r0 + i, j));
                }
            }
            seen += block.nrows();
        }).unwrap();
        prop_assert_eq!(seen, n);
        let offsets = par_map_distance_blocks(x.as_ref(), y.as_ref(), block_rows, |r0, b| (r0, b.nrows())).unwrap();
        prop_assert_eq!(offsets.len(), n.div_ceil(block_rows));
        prop_assert!(offsets.iter().enumerate().all(|(k, &(r0, _))| r0 == k * block_rows));
        let (labels, dists) = argmin_squared_euclidean(x.as_ref(), y.as_ref()).unwrap();
        for i in 0..n {
            let j = labels[i];
            // Nearest up to rounding: no other centre is closer by more than the tolerance.
            for jj in 0..m {
                prop_assert!(reference[(i, j)] <= reference[(i, jj)] + 2.0 * tol(&x, &y, i, jj));
            }
            prop_assert!((dists[i] - reference[(i, j)]).abs() <= tol(&x, &y, i, j));
        }
    }
}

#[test]
fn distances_of_one_by_one_and_large_blocks() {
    let x = faer::mat![[3.0]];
    let y = faer::mat![[-1.0]];
    assert_eq!(
        squared_euclidean(x.as_ref(), y.as_ref()).unwrap()[(0, 0)],
        16.0
    );
    // More rows than one tile and columns than one tile, with remainders.
    let x = gaussian(700, 5, 1);
    let y = gaussian(333, 5, 2);
    let full = squared_euclidean(x.as_ref(), y.as_ref()).unwrap();
    let reference = naive(&x, &y);
    for i in 0..700 {
        for j in 0..333 {
            assert!((full[(i, j)] - reference[(i, j)]).abs() <= tol(&x, &y, i, j));
        }
    }
}

#[test]
fn distance_errors_are_typed() {
    let x = gaussian(4, 3, 1);
    let y = gaussian(2, 2, 2);
    assert_eq!(
        squared_euclidean(x.as_ref(), y.as_ref()),
        Err(Error::ShapeMismatch {
            what: "number of features",
            expected: 3,
            got: 2
        })
    );
    let empty = Mat::<f64>::zeros(0, 3);
    assert_eq!(
        squared_euclidean(x.as_ref(), empty.as_ref()),
        Err(Error::EmptyInput { what: "Y" })
    );
    assert!(matches!(
        argmin_squared_euclidean(empty.as_ref(), x.as_ref()),
        Err(Error::EmptyInput { what: "X" })
    ));
    let mut bad = x.clone();
    bad[(1, 1)] = f64::NAN;
    assert!(matches!(
        argmin_squared_euclidean(x.as_ref(), bad.as_ref()),
        Err(Error::NonFinite { row: 1, col: 1, .. })
    ));
}

// ---------------------------------------------------------------- typed errors elsewhere

#[test]
fn solver_errors_are_typed() {
    let a = gaussian(4, 3, 1);
    let b = gaussian(5, 1, 2);
    assert!(matches!(
        lstsq(a.as_ref(), b.as_ref()),
        Err(Error::ShapeMismatch {
            expected: 4,
            got: 5,
            ..
        })
    ));
    let empty = Mat::<f64>::zeros(0, 3);
    assert_eq!(
        lstsq(empty.as_ref(), b.as_ref()),
        Err(Error::EmptyInput { what: "X" })
    );
    let mut bad = gaussian(4, 1, 3);
    bad[(2, 0)] = f64::INFINITY;
    assert!(matches!(
        lstsq(a.as_ref(), bad.as_ref()),
        Err(Error::NonFinite { row: 2, col: 0, .. })
    ));
    assert!(matches!(
        cholesky_solve(a.as_ref(), gaussian(4, 1, 4).as_ref()),
        Err(Error::ShapeMismatch {
            expected: 4,
            got: 3,
            ..
        })
    ));
    let mut nan = Mat::<f64>::identity(3, 3);
    nan[(0, 1)] = f64::NAN;
    assert!(matches!(
        eigh_desc(nan.as_ref()),
        Err(Error::NonFinite { row: 0, col: 1, .. })
    ));
    assert!(matches!(
        thin_svd(empty.as_ref()),
        Err(Error::EmptyInput { .. })
    ));
}
