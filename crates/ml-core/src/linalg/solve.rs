//! Linear systems: least squares (SVD with a rank cutoff, or QR for well-posed tall
//! systems) and Cholesky solves of symmetric positive-definite systems with a
//! least-squares fallback.

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::{Solve, SolveLstsq};
use faer::{Accum, Mat, MatRef, Par, Side};

use crate::{Error, Result, validate};

/// The relative singular-value cutoff of [`lstsq`]: scikit-learn 1.9's
/// `LinearRegression` passes `cond = 1e-6` to `scipy.linalg.lstsq`, so singular values
/// below `1e-6 · s_max` count as zero.
pub const DEFAULT_RCOND: f64 = 1e-6;

/// The result of a least-squares solve `min ‖A X − B‖`.
#[derive(Debug, Clone, PartialEq)]
pub struct LstsqSolution {
    /// The minimum-norm solution, `A.ncols()` × `B.ncols()`.
    pub coef: Mat<f64>,
    /// The effective rank: the number of singular values above `rcond · s_max`.
    pub rank: usize,
    /// All singular values of `A`, non-increasing (scikit-learn's `singular_`).
    pub singular_values: Vec<f64>,
}

/// Checks `a` (non-empty, finite) and `b` (non-empty, finite, `a.nrows()` rows).
fn check_system(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<()> {
    validate::matrix(a)?;
    validate::non_empty(b, "B")?;
    if b.nrows() != a.nrows() {
        return Err(Error::ShapeMismatch {
            what: "rows of B (rows of A)",
            expected: a.nrows(),
            got: b.nrows(),
        });
    }
    validate::finite(b)
}

/// Least squares `min ‖A X − B‖` by SVD with scikit-learn's `LinearRegression` cutoff
/// ([`DEFAULT_RCOND`] = 1e-6, relative to the largest singular value).
///
/// Works for any shape and rank: tall, wide, rank-deficient (e.g. duplicated columns)
/// systems all get the minimum-norm solution. `B` may have several columns.
///
/// # Errors
/// As [`lstsq_with_rcond`].
pub fn lstsq(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<LstsqSolution> {
    lstsq_with_rcond(a, b, DEFAULT_RCOND)
}

/// Least squares `min ‖A X − B‖` by SVD, dropping singular values below
/// `rcond · s_max`. `rcond = 0` keeps every non-zero singular value (LAPACK's
/// `gelsd` with its default cutoff is close to `rcond = eps · max(m, n)`).
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`] for `A` or `B`;
/// [`Error::ShapeMismatch`] when `B` does not have `A.nrows()` rows;
/// [`Error::InvalidParameter`] for `rcond` negative or not finite;
/// [`Error::DecompositionFailed`] if the SVD does not converge.
pub fn lstsq_with_rcond(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    rcond: f64,
) -> Result<LstsqSolution> {
    validate::non_negative_param("rcond", rcond)?;
    check_system(a, b)?;
    svd_lstsq_unchecked(a, b, rcond)
}

/// The SVD solve behind [`lstsq_with_rcond`], on validated input.
pub(crate) fn svd_lstsq_unchecked(
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    rcond: f64,
) -> Result<LstsqSolution> {
    let svd = a
        .thin_svd()
        .map_err(|_| Error::DecompositionFailed { what: "SVD" })?;
    let s: Vec<f64> = svd.S().column_vector().iter().copied().collect();
    let s_max = s.first().copied().unwrap_or(0.0);
    let cutoff = rcond * s_max;
    // An all-zero A has rank 0 whatever the cutoff.
    let rank = s.iter().take_while(|&&v| v > cutoff && v > 0.0).count();
    let (u, v) = (svd.U(), svd.V());
    // X = V_r · diag(1/s_r) · U_rᵀ · B, touching only the kept components.
    let mut ut_b = Mat::<f64>::zeros(rank, b.ncols());
    matmul(
        ut_b.as_mut(),
        Accum::Replace,
        u.get(.., ..rank).transpose(),
        b,
        1.0,
        Par::rayon(0),
    );
    for (i, &si) in s.iter().enumerate().take(rank) {
        let inv = 1.0 / si;
        for j in 0..ut_b.ncols() {
            ut_b[(i, j)] *= inv;
        }
    }
    let mut coef = Mat::<f64>::zeros(a.ncols(), b.ncols());
    matmul(
        coef.as_mut(),
        Accum::Replace,
        v.get(.., ..rank),
        ut_b.as_ref(),
        1.0,
        Par::rayon(0),
    );
    Ok(LstsqSolution {
        coef,
        rank,
        singular_values: s,
    })
}

/// Least squares `min ‖A X − B‖` by Householder QR, for tall (`m ≥ n`) systems of full
/// column rank: about twice as fast as [`lstsq`] and as accurate there.
///
/// If `R` shows numerical rank deficiency (a diagonal entry at most
/// `eps · max(m, n) · max|R_ii|`), the QR answer would be meaningless, so the solve
/// falls back to [`lstsq_with_rcond`] with that same cutoff and returns its
/// minimum-norm solution.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] as
/// [`lstsq`]; [`Error::TooFewSamples`] when `A` has fewer rows than columns;
/// [`Error::DecompositionFailed`] if the fallback SVD does not converge.
pub fn lstsq_qr(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
    check_system(a, b)?;
    let (m, n) = (a.nrows(), a.ncols());
    if m < n {
        return Err(Error::TooFewSamples { needed: n, got: m });
    }
    let qr = a.qr();
    let r = qr.thin_R();
    let diag_max = (0..n).map(|i| r[(i, i)].abs()).fold(0.0f64, f64::max);
    let tol = f64::EPSILON * (m.max(n) as f64);
    if (0..n).any(|i| r[(i, i)].abs() <= tol * diag_max) || diag_max == 0.0 {
        return Ok(svd_lstsq_unchecked(a, b, tol)?.coef);
    }
    Ok(qr.solve_lstsq(b))
}

/// How [`solve_spd_or_lstsq`] solved its system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SolveMethod {
    /// The Cholesky factorisation succeeded.
    Cholesky,
    /// The matrix was not numerically positive definite; least squares by SVD was used.
    Lstsq {
        /// The effective rank found by the SVD.
        rank: usize,
    },
}

/// The solution of a symmetric positive-(semi)definite system and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct SpdSolution {
    /// `X` with `A X = B` (or the minimum-norm least-squares `X` on the fallback).
    pub x: Mat<f64>,
    /// Which path produced `x`.
    pub method: SolveMethod,
}

/// Checks a square `a` and a right-hand side `b` with `a.nrows()` rows.
fn check_square_system(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<()> {
    validate::non_empty(a, "A")?;
    if a.ncols() != a.nrows() {
        return Err(Error::ShapeMismatch {
            what: "columns of A (A must be square)",
            expected: a.nrows(),
            got: a.ncols(),
        });
    }
    validate::finite(a)?;
    check_system(a, b)
}

/// Solves `A X = B` for symmetric positive-definite `A` by Cholesky (`A = L Lᵀ`).
///
/// Only the lower triangle of `A` is read (as LAPACK's `posv` with `uplo='L'`).
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] (A not square,
/// or B with the wrong number of rows); [`Error::NotPositiveDefinite`] with the index of
/// the first non-positive pivot.
pub fn cholesky_solve(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
    check_square_system(a, b)?;
    cholesky_unchecked(a, b)
}

fn cholesky_unchecked(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let llt = a.llt(Side::Lower).map_err(|e| match e {
        faer::linalg::solvers::LltError::NonPositivePivot { index } => {
            Error::NotPositiveDefinite { pivot: index }
        }
    })?;
    let x = llt.solve(b);
    // Cholesky of a nearly singular matrix can "succeed" with tiny pivots and return
    // overflowed values; such a system is not numerically positive definite.
    if let Some(pivot) = (0..x.nrows()).find(|&i| x.row(i).iter().any(|v| !v.is_finite())) {
        return Err(Error::NotPositiveDefinite { pivot });
    }
    Ok(x)
}

/// Solves `A X = B` for symmetric `A` that should be positive definite (the ridge
/// normal equations `XᵀX + αI`): Cholesky first, and when that fails, the minimum-norm
/// least-squares solution by SVD with the cutoff `eps · n` relative to the largest
/// singular value (NumPy's `lstsq` default), as scikit-learn's `Ridge` falls back from
/// `cholesky` to an SVD solve.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`] or [`Error::ShapeMismatch`] as
/// [`cholesky_solve`]; [`Error::DecompositionFailed`] if the fallback SVD does not
/// converge.
pub fn solve_spd_or_lstsq(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<SpdSolution> {
    check_square_system(a, b)?;
    match cholesky_unchecked(a, b) {
        Ok(x) => Ok(SpdSolution {
            x,
            method: SolveMethod::Cholesky,
        }),
        Err(Error::NotPositiveDefinite { .. }) => {
            // Cholesky read the lower triangle only; give the SVD the same matrix.
            let sym = Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
                if i >= j { a[(i, j)] } else { a[(j, i)] }
            });
            let sol = svd_lstsq_unchecked(sym.as_ref(), b, f64::EPSILON * a.nrows() as f64)?;
            Ok(SpdSolution {
                x: sol.coef,
                method: SolveMethod::Lstsq { rank: sol.rank },
            })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;

    #[test]
    fn exact_square_system() {
        let a = mat![[2.0, 1.0], [1.0, 3.0]];
        let b = mat![[3.0], [5.0]];
        let sol = lstsq(a.as_ref(), b.as_ref()).unwrap();
        assert_eq!(sol.rank, 2);
        assert!((sol.coef[(0, 0)] - 0.8).abs() < 1e-14);
        assert!((sol.coef[(1, 0)] - 1.4).abs() < 1e-14);
        let x = cholesky_solve(a.as_ref(), b.as_ref()).unwrap();
        assert!((&x - &sol.coef).norm_max() < 1e-14);
        let q = lstsq_qr(a.as_ref(), b.as_ref()).unwrap();
        assert!((&q - &sol.coef).norm_max() < 1e-14);
    }

    #[test]
    fn indefinite_is_not_positive_definite() {
        let a = mat![[1.0, 2.0], [2.0, 1.0]];
        let b = mat![[1.0], [1.0]];
        assert_eq!(
            cholesky_solve(a.as_ref(), b.as_ref()),
            Err(Error::NotPositiveDefinite { pivot: 1 })
        );
        let sol = solve_spd_or_lstsq(a.as_ref(), b.as_ref()).unwrap();
        assert_eq!(sol.method, SolveMethod::Lstsq { rank: 2 });
        // Nonsingular: the least-squares answer is the exact solution (1/3, 1/3).
        assert!((sol.x[(0, 0)] - 1.0 / 3.0).abs() < 1e-14);
    }

    #[test]
    fn qr_needs_tall() {
        let a = mat![[1.0, 2.0, 3.0]];
        let b = mat![[1.0]];
        assert_eq!(
            lstsq_qr(a.as_ref(), b.as_ref()),
            Err(Error::TooFewSamples { needed: 3, got: 1 })
        );
    }

    #[test]
    fn bad_rcond_is_error() {
        let a = mat![[1.0]];
        assert!(matches!(
            lstsq_with_rcond(a.as_ref(), a.as_ref(), -1.0),
            Err(Error::InvalidParameter { name: "rcond", .. })
        ));
    }
}
