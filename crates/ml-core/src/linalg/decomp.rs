//! Thin SVD with scikit-learn's `svd_flip` sign convention, and the symmetric
//! eigendecomposition in descending order that PCA's covariance solver needs.
//!
//! Singular vectors are only defined up to sign; fixing the sign the way scikit-learn
//! does makes components comparable across libraries and runs.

use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Mat, MatMut, MatRef, Side};

use crate::{Error, Result, validate};

/// A thin singular value decomposition `X = U · diag(s) · Vt`.
#[derive(Debug, Clone, PartialEq)]
pub struct Svd {
    /// Left singular vectors as columns, `m × k` with `k = min(m, n)` (or the number of
    /// components kept).
    pub u: Mat<f64>,
    /// Singular values, non-increasing, length `k`.
    pub s: Vec<f64>,
    /// Right singular vectors as rows, `k × n` (scikit-learn's `Vt`, PCA's
    /// `components_`).
    pub vt: Mat<f64>,
}

/// Which factor decides the signs in [`svd_flip`], after scikit-learn's
/// `svd_flip(u, v, u_based_decision)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignConvention {
    /// `u_based_decision=True` (scikit-learn's default, and `randomized_svd`'s): in each
    /// column of `U`, the entry of largest absolute value is made positive.
    #[default]
    UBased,
    /// `u_based_decision=False`, what `PCA` uses since scikit-learn 1.5: in each row of
    /// `Vt` (each component), the entry of largest absolute value is made positive.
    VBased,
}

/// The sign that makes the first entry of largest absolute value positive; `+1` for an
/// all-zero vector (where NumPy's `sign` would give 0 and erase the vector).
fn dominant_sign(values: impl Iterator<Item = f64>) -> f64 {
    let mut best = 0.0f64;
    let mut best_abs = -1.0f64;
    for v in values {
        // Strict `>`: ties go to the first index, as `argmax`.
        if v.abs() > best_abs {
            best_abs = v.abs();
            best = v;
        }
    }
    if best < 0.0 { -1.0 } else { 1.0 }
}

/// Flips the signs of matching columns of `u` and rows of `vt` (in place) so that the
/// product `U · diag(s) · Vt` is unchanged and the sign is fixed by `convention`.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `u.ncols() != vt.nrows()`.
pub fn svd_flip(
    mut u: MatMut<'_, f64>,
    mut vt: MatMut<'_, f64>,
    convention: SignConvention,
) -> Result<()> {
    if u.ncols() != vt.nrows() {
        return Err(Error::ShapeMismatch {
            what: "rows of Vt (columns of U)",
            expected: u.ncols(),
            got: vt.nrows(),
        });
    }
    for k in 0..u.ncols() {
        let sign = match convention {
            SignConvention::UBased => dominant_sign(u.rb().col(k).iter().copied()),
            SignConvention::VBased => dominant_sign(vt.rb().row(k).iter().copied()),
        };
        if sign < 0.0 {
            u.rb_mut().col_mut(k).iter_mut().for_each(|x| *x = -*x);
            vt.rb_mut().row_mut(k).iter_mut().for_each(|x| *x = -*x);
        }
    }
    Ok(())
}

/// Thin SVD of `x` with scikit-learn's default sign convention
/// ([`SignConvention::UBased`]).
///
/// # Errors
/// As [`thin_svd_with`].
pub fn thin_svd(x: MatRef<'_, f64>) -> Result<Svd> {
    thin_svd_with(x, SignConvention::UBased)
}

/// Thin SVD of `x` (`m × n`): `U` is `m × k`, `s` has `k` values, `Vt` is `k × n`, with
/// `k = min(m, n)`; signs fixed by `convention`.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`]; [`Error::DecompositionFailed`] if the
/// SVD does not converge.
pub fn thin_svd_with(x: MatRef<'_, f64>, convention: SignConvention) -> Result<Svd> {
    validate::matrix(x)?;
    thin_svd_unchecked(x, convention)
}

/// The SVD behind [`thin_svd_with`], on validated input.
pub(crate) fn thin_svd_unchecked(x: MatRef<'_, f64>, convention: SignConvention) -> Result<Svd> {
    let svd = x
        .thin_svd()
        .map_err(|_| Error::DecompositionFailed { what: "SVD" })?;
    let mut u = svd.U().to_owned();
    let mut vt = svd.V().transpose().to_owned();
    let s = svd.S().column_vector().iter().copied().collect();
    svd_flip(u.as_mut(), vt.as_mut(), convention)?;
    Ok(Svd { u, s, vt })
}

/// Eigendecomposition of a symmetric matrix, eigenvalues in **descending** order.
///
/// Returns `(values, vectors)` where column `i` of `vectors` is the unit eigenvector of
/// `values[i]`. Only the lower triangle of `a` is read. Each eigenvector's entry of
/// largest absolute value is positive (the sign rule PCA applies to its components).
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`], [`Error::ShapeMismatch`] when `a` is not
/// square, [`Error::DecompositionFailed`] if the iteration does not converge.
pub fn eigh_desc(a: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    validate::non_empty(a, "A")?;
    if a.nrows() != a.ncols() {
        return Err(Error::ShapeMismatch {
            what: "columns of A (A must be square)",
            expected: a.nrows(),
            got: a.ncols(),
        });
    }
    validate::finite(a)?;
    let evd = a
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| Error::DecompositionFailed {
            what: "eigendecomposition",
        })?;
    let n = a.nrows();
    let s = evd.S().column_vector();
    let u = evd.U();
    // faer returns ascending order: reverse.
    let values: Vec<f64> = (0..n).rev().map(|i| s[i]).collect();
    let mut vectors = Mat::from_fn(n, n, |i, j| u[(i, n - 1 - j)]);
    for j in 0..n {
        if dominant_sign(vectors.col(j).iter().copied()) < 0.0 {
            vectors.col_mut(j).iter_mut().for_each(|x| *x = -*x);
        }
    }
    Ok((values, vectors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;

    #[test]
    fn flip_conventions() {
        let x = mat![[1.0, -4.0], [2.0, 0.5], [-3.0, 1.0]];
        let svd = thin_svd(x.as_ref()).unwrap();
        for k in 0..2 {
            let col = svd.u.col(k);
            let (imax, _) = col.iter().enumerate().fold((0, -1.0), |b, (i, v)| {
                if v.abs() > b.1 { (i, v.abs()) } else { b }
            });
            assert!(col[imax] > 0.0);
        }
        let svd = thin_svd_with(x.as_ref(), SignConvention::VBased).unwrap();
        for k in 0..2 {
            let row = svd.vt.row(k);
            let m = row
                .iter()
                .copied()
                .fold(0.0f64, |b, v| if v.abs() > b.abs() { v } else { b });
            assert!(m > 0.0);
        }
    }

    #[test]
    fn eigh_is_descending() {
        let a = mat![[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 5.0]];
        let (vals, vecs) = eigh_desc(a.as_ref()).unwrap();
        assert!((vals[0] - 5.0).abs() < 1e-13);
        assert!((vals[1] - 3.0).abs() < 1e-13);
        assert!((vals[2] - 1.0).abs() < 1e-13);
        let av = &a * &vecs;
        for j in 0..3 {
            for i in 0..3 {
                assert!((av[(i, j)] - vals[j] * vecs[(i, j)]).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn non_square_is_error() {
        let a = Mat::<f64>::zeros(2, 3);
        assert!(matches!(
            eigh_desc(a.as_ref()),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
