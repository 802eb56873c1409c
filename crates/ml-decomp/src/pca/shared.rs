//! Helpers shared by the PCA family and truncated SVD: the blocked projection on the
//! components and back, and the probabilistic-PCA covariance, precision and
//! log-determinant (scikit-learn's `_BasePCA`), plus the fixed row blocks that make
//! the blocked kernels independent of the thread count.

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::DenseSolveCore;
use faer::reborrow::ReborrowMut;
use faer::{Accum, Mat, MatRef, Par, Side};
use ml_core::{Error, Result, kernels};
use rayon::prelude::*;

/// Rows per block of the blocked solvers (large enough for GEMM efficiency, small
/// enough to fit in cache-sized buffers and give both cores work).
const ROW_BLOCK: usize = 4096;

/// The invariants of a fitted spectral model: `k ≥ 1` finite components of `d ≥ 1`
/// features, one non-negative explained variance, ratio and singular value each.
pub(crate) fn check_spectrum(
    components: MatRef<'_, f64>,
    explained_variance: &[f64],
    explained_variance_ratio: &[f64],
    singular_values: &[f64],
) -> std::result::Result<(), String> {
    use ml_core::persist::invariants as inv;
    let k = components.nrows();
    inv::not_empty("components", k)?;
    inv::not_empty("component features", components.ncols())?;
    inv::finite_mat("components", components)?;
    for (what, v) in [
        ("explained_variance", explained_variance),
        ("explained_variance_ratio", explained_variance_ratio),
        ("singular_values", singular_values),
    ] {
        inv::len(what, v.len(), k)?;
        inv::non_negative(what, v)?;
    }
    Ok(())
}

/// `variance / total`, or 0 when the total is 0 (constant or all-zero data: no
/// direction explains any variance, where scikit-learn reports NaN).
pub(crate) fn variance_ratio(variance: f64, total: f64) -> f64 {
    if total > 0.0 { variance / total } else { 0.0 }
}

/// Fixed row blocks `[start, end)` of an `n`-row matrix, each at least `min_rows`
/// long (the remainder joins the last block): independent of the thread count.
pub(crate) fn row_blocks(n: usize, min_rows: usize) -> Vec<(usize, usize)> {
    kernels::row_blocks(n, ROW_BLOCK.max(min_rows))
}

/// `(x − mean)·Vᵀ` computed as `x·Vᵀ − mean·Vᵀ` (no centred copy of `x`), then
/// divided by `max(√λ, ε)` per component when `whiten_by` is given. One sequential
/// GEMM per fixed row block, blocks in parallel (faer's own parallel GEMM is slow on
/// this tall-skinny shape).
pub(crate) fn project(
    x: MatRef<'_, f64>,
    mean: &[f64],
    components: MatRef<'_, f64>,
    whiten_by: Option<&[f64]>,
) -> Mat<f64> {
    let k = components.nrows();
    let vt_t = components.transpose().to_owned();
    let shift: Vec<f64> = (0..k)
        .map(|c| (0..mean.len()).map(|j| mean[j] * components[(c, j)]).sum())
        .collect();
    let scale: Vec<f64> = (0..k)
        .map(|c| whiten_by.map_or(1.0, |ev| ev[c].sqrt().max(f64::EPSILON)))
        .collect();
    let mut z = Mat::<f64>::zeros(x.nrows(), k);
    let blocks = row_blocks(x.nrows(), 1);
    let mut parts = Vec::with_capacity(blocks.len());
    let mut rest = z.as_mut();
    for &(start, end) in &blocks {
        let (head, tail) = rest.split_at_row_mut(end - start);
        parts.push((head, start, end));
        rest = tail;
    }
    parts.into_par_iter().for_each(|(mut dst, start, end)| {
        matmul(
            dst.rb_mut(),
            Accum::Replace,
            x.get(start..end, ..),
            vt_t.as_ref(),
            1.0,
            Par::Seq,
        );
        for c in 0..k {
            let (sh, sc) = (shift[c], scale[c]);
            dst.rb_mut()
                .col_mut(c)
                .iter_mut()
                .for_each(|v| *v = (*v - sh) / sc);
        }
    });
    z
}

/// `z·(√λ·V) + mean` with whitening, `z·V + mean` without.
pub(crate) fn inverse_project(
    z: MatRef<'_, f64>,
    mean: &[f64],
    components: MatRef<'_, f64>,
    whiten_by: Option<&[f64]>,
) -> Mat<f64> {
    let scaled = Mat::from_fn(components.nrows(), components.ncols(), |c, j| {
        whiten_by.map_or(1.0, |ev| ev[c].sqrt()) * components[(c, j)]
    });
    let mut out = Mat::<f64>::zeros(z.nrows(), components.ncols());
    matmul(
        out.as_mut(),
        Accum::Replace,
        z,
        scaled.as_ref(),
        1.0,
        Par::rayon(0),
    );
    for (j, m) in mean.iter().enumerate() {
        out.col_mut(j).iter_mut().for_each(|v| *v += m);
    }
    out
}

/// Components scaled as scikit-learn's `get_covariance`/`get_precision` use them, and
/// the clipped differences `max(λ − σ², 0)`.
fn scaled_components(
    components: MatRef<'_, f64>,
    ev: &[f64],
    noise: f64,
    whiten: bool,
) -> (Mat<f64>, Vec<f64>) {
    let w = Mat::from_fn(components.nrows(), components.ncols(), |c, j| {
        if whiten {
            components[(c, j)] * ev[c].sqrt()
        } else {
            components[(c, j)]
        }
    });
    let diff = ev
        .iter()
        .map(|&l| if l > noise { l - noise } else { 0.0 })
        .collect();
    (w, diff)
}

/// scikit-learn's `_BasePCA.get_covariance`.
pub(crate) fn covariance(
    components: MatRef<'_, f64>,
    ev: &[f64],
    noise: f64,
    whiten: bool,
) -> Mat<f64> {
    let (w, diff) = scaled_components(components, ev, noise, whiten);
    let d = w.ncols();
    let wd = Mat::from_fn(w.nrows(), d, |c, j| w[(c, j)] * diff[c]);
    let mut cov = Mat::<f64>::zeros(d, d);
    matmul(
        cov.as_mut(),
        Accum::Replace,
        w.transpose(),
        wd.as_ref(),
        1.0,
        Par::rayon(0),
    );
    for i in 0..d {
        cov[(i, i)] += noise;
    }
    cov
}

/// scikit-learn's `_BasePCA.get_precision`.
pub(crate) fn precision(
    components: MatRef<'_, f64>,
    ev: &[f64],
    noise: f64,
    whiten: bool,
) -> Result<Mat<f64>> {
    let d = components.ncols();
    let singular = Error::DecompositionFailed {
        what: "inverse of the model covariance",
    };
    if components.nrows() == 0 {
        return Ok(Mat::from_fn(
            d,
            d,
            |i, j| if i == j { 1.0 / noise } else { 0.0 },
        ));
    }
    if noise == 0.0 {
        let cov = covariance(components, ev, noise, whiten);
        let inv = cov.partial_piv_lu().inverse();
        if inv.col_iter().all(|c| c.iter().all(|v| v.is_finite())) {
            return Ok(inv);
        }
        return Err(singular);
    }
    let (w, diff) = scaled_components(components, ev, noise, whiten);
    let k = w.nrows();
    // inner = W Wᵀ / σ² + diag(1 / diff)
    let mut inner = Mat::<f64>::zeros(k, k);
    matmul(
        inner.as_mut(),
        Accum::Replace,
        w.as_ref(),
        w.transpose(),
        1.0 / noise,
        Par::Seq,
    );
    for c in 0..k {
        inner[(c, c)] += 1.0 / diff[c];
    }
    let inv = inner.partial_piv_lu().inverse();
    let mut tmp = Mat::<f64>::zeros(k, d);
    matmul(
        tmp.as_mut(),
        Accum::Replace,
        inv.as_ref(),
        w.as_ref(),
        1.0,
        Par::Seq,
    );
    let mut p = Mat::<f64>::zeros(d, d);
    matmul(
        p.as_mut(),
        Accum::Replace,
        w.transpose(),
        tmp.as_ref(),
        -1.0 / (noise * noise),
        Par::rayon(0),
    );
    for i in 0..d {
        p[(i, i)] += 1.0 / noise;
    }
    if p.col_iter().all(|c| c.iter().all(|v| v.is_finite())) {
        Ok(p)
    } else {
        Err(singular)
    }
}

/// `log det` of a symmetric positive-definite matrix by Cholesky; `-∞` when it is not
/// positive definite (scikit-learn's `fast_logdet` for a non-positive determinant).
pub(crate) fn log_det_spd(p: MatRef<'_, f64>) -> f64 {
    match p.llt(Side::Lower) {
        Ok(llt) => {
            let l = llt.L();
            2.0 * (0..l.nrows()).map(|i| l[(i, i)].ln()).sum::<f64>()
        }
        Err(_) => f64::NEG_INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_blocks_tile() {
        for n in [1usize, 100, 4096, 4097, 9000, 100_000] {
            let b = row_blocks(n, 64);
            assert_eq!(b[0].0, 0);
            assert_eq!(b.last().unwrap().1, n);
            for w in b.windows(2) {
                assert_eq!(w[0].1, w[1].0);
            }
        }
    }
}
