//! The numerical side of [`Nmf`](super::Nmf): the NNDSVD and random initialisations,
//! coordinate descent, the multiplicative updates, the reconstruction error, and the
//! per-row solvers of `transform`.
//!
//! The factors are kept row-major (`W` as `n × k`, `H` as `Hᵀ`, `d × k`), so that a
//! row of a factor is a contiguous `k`-slice: every kernel below walks rows. The
//! products with `X` are this module's own ([`sparse_times`] beside
//! [`ml_core::sparse::csr_times_dense`]): ml-core's takes and returns column-major
//! matrices, which would cost two layout copies of the `n × k` and `d × k` factors per
//! product, twice per iteration, and read a strided `k`-row of the factor per stored
//! entry; here the factor row is contiguous. All parallel loops use fixed row blocks,
//! so results do not depend on the number of threads.

use faer::Mat;
use ml_core::kernels::ordered_block_reduce;
use ml_core::linalg::RandomizedSvd;
use ml_core::sparse::{self, Csr, CsrRef};
use ml_core::{Features, Result, rng};
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::{NmfBetaLoss, NmfInit, NmfSolver, Settings};

/// scikit-learn's `EPSILON` of the multiplicative updates (single-precision epsilon).
const EPSILON: f64 = f32::EPSILON as f64;

/// Rows per parallel task; fixed so sums do not depend on the thread count.
const ROW_BLOCK: usize = 256;

/// The input of a fit: the features, and for CSR input its transpose (built once,
/// for the products `Xᵀ·B`).
pub(super) struct Data<'a> {
    x: Features<'a>,
    xt: Option<Csr>,
}

impl<'a> Data<'a> {
    /// Wraps validated input, transposing a CSR matrix.
    pub(super) fn new(x: Features<'a>) -> Result<Self> {
        let xt = match x {
            Features::Dense(_) => None,
            Features::Sparse(x) => Some(sparse::csr_transpose(x)?),
        };
        Ok(Self { x, xt })
    }

    /// The transpose of a CSR input.
    fn xt(&self) -> &Csr {
        match &self.xt {
            Some(xt) => xt,
            None => unreachable!("Data::new transposes every CSR input"),
        }
    }

    pub(super) fn nrows(&self) -> usize {
        self.x.nrows()
    }

    pub(super) fn ncols(&self) -> usize {
        self.x.ncols()
    }

    fn sum(&self) -> f64 {
        match self.x {
            Features::Dense(x) => (0..x.ncols()).map(|j| x.col(j).iter().sum::<f64>()).sum(),
            Features::Sparse(x) => (0..x.nrows())
                .map(|i| x.val_of_row(i).iter().sum::<f64>())
                .sum(),
        }
    }

    fn mean(&self) -> f64 {
        self.sum() / (self.nrows() as f64 * self.ncols() as f64)
    }

    /// `X · B` for `B` row-major (`d × k`), row-major `n × k` out.
    fn times(&self, b: &[f64], k: usize) -> Vec<f64> {
        match self.x {
            Features::Dense(x) => to_rm(&(x * from_rm(b, x.ncols(), k))),
            Features::Sparse(x) => sparse_times(x, b, k),
        }
    }

    /// `Xᵀ · B` for `B` row-major (`n × k`), row-major `d × k` out.
    fn t_times(&self, b: &[f64], k: usize) -> Vec<f64> {
        match self.x {
            Features::Dense(x) => to_rm(&(x.transpose() * from_rm(b, x.nrows(), k))),
            Features::Sparse(_) => sparse_times(self.xt().as_ref(), b, k),
        }
    }

    /// The CSR form (for the Kullback-Leibler updates, which touch only non-zeros).
    fn to_csr(&self) -> Result<(Csr, Csr)> {
        match self.x {
            Features::Dense(x) => {
                let c = sparse::csr_from_dense(x)?;
                let t = sparse::csr_transpose(c.as_ref())?;
                Ok((c, t))
            }
            Features::Sparse(_) => {
                let xt = self.xt();
                Ok((sparse::csr_transpose(xt.as_ref())?, xt.clone()))
            }
        }
    }
}

/// `A · B` for CSR `A` and row-major `B`, row-major out; parallel over row blocks.
/// Kept beside [`ml_core::sparse::csr_times_dense`], which works on column-major
/// matrices: see the module documentation.
fn sparse_times(a: CsrRef<'_>, b: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; a.nrows() * k];
    out.par_chunks_mut(ROW_BLOCK * k)
        .enumerate()
        .for_each(|(blk, chunk)| {
            for (r, o) in chunk.chunks_exact_mut(k).enumerate() {
                let i = blk * ROW_BLOCK + r;
                for (&j, &v) in a.col_idx_of_row_raw(i).iter().zip(a.val_of_row(i)) {
                    for (o, &bv) in o.iter_mut().zip(&b[j * k..(j + 1) * k]) {
                        *o += v * bv;
                    }
                }
            }
        });
    out
}

/// A row-major `rows × k` buffer as a matrix.
pub(super) fn from_rm(b: &[f64], rows: usize, k: usize) -> Mat<f64> {
    Mat::from_fn(rows, k, |i, t| b[i * k + t])
}

/// A matrix as a row-major buffer.
pub(super) fn to_rm(m: &Mat<f64>) -> Vec<f64> {
    let (r, c) = (m.nrows(), m.ncols());
    let mut out = vec![0.0; r * c];
    for j in 0..c {
        for (i, &v) in m.col(j).iter().enumerate() {
            out[i * c + j] = v;
        }
    }
    out
}

/// `AᵀA` (`k × k`, row-major) of a row-major `rows × k` matrix.
pub(super) fn gram(a: &[f64], k: usize) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = a
        .par_chunks(ROW_BLOCK * k)
        .map(|chunk| {
            let mut g = vec![0.0; k * k];
            for row in chunk.chunks_exact(k) {
                for s in 0..k {
                    let rs = row[s];
                    if rs != 0.0 {
                        for t in 0..k {
                            g[s * k + t] += rs * row[t];
                        }
                    }
                }
            }
            g
        })
        .collect();
    let mut g = vec![0.0; k * k];
    for p in &parts {
        for (a, b) in g.iter_mut().zip(p) {
            *a += b;
        }
    }
    g
}

/// Row-major `A · G` for `A` (`rows × k`) and `G` (`k × k`).
fn times_small(a: &[f64], g: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; a.len()];
    out.par_chunks_mut(ROW_BLOCK * k)
        .zip(a.par_chunks(ROW_BLOCK * k))
        .for_each(|(o, a)| {
            for (orow, arow) in o.chunks_exact_mut(k).zip(a.chunks_exact(k)) {
                for (s, &av) in arow.iter().enumerate() {
                    if av != 0.0 {
                        for (ov, &gv) in orow.iter_mut().zip(&g[s * k..(s + 1) * k]) {
                            *ov += av * gv;
                        }
                    }
                }
            }
        });
    out
}

/// The initial `W` (`n × k`) and `Hᵀ` (`d × k`), row-major.
pub(super) fn initialize(
    data: &Data<'_>,
    k: usize,
    init: NmfInit,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (n, d) = (data.nrows(), data.ncols());
    let mut r = rng::seeded(seed);
    if init == NmfInit::Random {
        let avg = (data.mean() / k as f64).sqrt();
        let mut draw = |len: usize| -> Vec<f64> {
            (0..len)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut r);
                    avg * z.abs()
                })
                .collect()
        };
        // H (k × d) first, then W, as scikit-learn draws them.
        let h = draw(k * d);
        let w = draw(n * k);
        let mut ht = vec![0.0; d * k];
        for t in 0..k {
            for j in 0..d {
                ht[j * k + t] = h[t * d + j];
            }
        }
        return Ok((w, ht));
    }
    let rsvd = RandomizedSvd::new(k).seed(seed);
    let svd = match data.x {
        Features::Dense(x) => rsvd.compute(x)?,
        Features::Sparse(x) => rsvd.compute_csr(x)?,
    };
    let mut w = vec![0.0; n * k];
    let mut ht = vec![0.0; d * k];
    let s0 = svd.s[0].sqrt();
    for i in 0..n {
        w[i * k] = s0 * svd.u[(i, 0)].abs();
    }
    for j in 0..d {
        ht[j * k] = s0 * svd.vt[(0, j)].abs();
    }
    let norm = |it: &mut dyn Iterator<Item = f64>| it.map(|v| v * v).sum::<f64>().sqrt();
    for t in 1..k {
        let x = (0..n).map(|i| svd.u[(i, t)]);
        let y = (0..d).map(|j| svd.vt[(t, j)]);
        let xp = norm(&mut x.clone().map(|v| v.max(0.0)));
        let yp = norm(&mut y.clone().map(|v| v.max(0.0)));
        let xn = norm(&mut x.map(|v| v.min(0.0).abs()));
        let yn = norm(&mut y.map(|v| v.min(0.0).abs()));
        let (mp, mn) = (xp * yp, xn * yn);
        let (sign, xs, ys, sigma) = if mp > mn {
            (1.0, xp, yp, mp)
        } else {
            (-1.0, xn, yn, mn)
        };
        let lbd = (svd.s[t] * sigma).sqrt();
        for i in 0..n {
            w[i * k + t] = lbd * (sign * svd.u[(i, t)]).max(0.0) / xs;
        }
        for j in 0..d {
            ht[j * k + t] = lbd * (sign * svd.vt[(t, j)]).max(0.0) / ys;
        }
    }
    for v in w.iter_mut().chain(ht.iter_mut()) {
        if *v < 1e-6 {
            *v = 0.0;
        }
    }
    match init {
        NmfInit::Nndsvda => {
            let avg = data.mean();
            for v in w.iter_mut().chain(ht.iter_mut()) {
                if *v == 0.0 {
                    *v = avg;
                }
            }
        }
        NmfInit::Nndsvdar => {
            let avg = data.mean();
            // W's zeros first, then H's (in H's row-major order), as scikit-learn.
            for v in w.iter_mut() {
                if *v == 0.0 {
                    let z: f64 = StandardNormal.sample(&mut r);
                    *v = (avg * z / 100.0).abs();
                }
            }
            for t in 0..k {
                for j in 0..d {
                    let v = &mut ht[j * k + t];
                    if *v == 0.0 {
                        let z: f64 = StandardNormal.sample(&mut r);
                        *v = (avg * z / 100.0).abs();
                    }
                }
            }
        }
        _ => {}
    }
    Ok((w, ht))
}

/// Regularisation amounts `(l1_W, l1_H, l2_W, l2_H)` for an `n × d` input.
pub(super) fn regularization(s: &Settings, n: usize, d: usize) -> (f64, f64, f64, f64) {
    let alpha_h = s.alpha_h.unwrap_or(s.alpha_w);
    let (n, d) = (n as f64, d as f64);
    (
        d * s.alpha_w * s.l1_ratio,
        n * alpha_h * s.l1_ratio,
        d * s.alpha_w * (1.0 - s.l1_ratio),
        n * alpha_h * (1.0 - s.l1_ratio),
    )
}

/// Runs the solver from `(w, ht)`; `update_h` false solves for `W` only. Returns the
/// number of iterations.
pub(super) fn solve(
    data: &Data<'_>,
    w: &mut [f64],
    ht: &mut [f64],
    k: usize,
    s: &Settings,
    update_h: bool,
) -> Result<usize> {
    let (n, d) = (data.nrows(), data.ncols());
    let regs = regularization(s, n, d);
    match s.solver {
        NmfSolver::Cd => Ok(solve_cd(data, w, ht, k, s, regs, update_h)),
        NmfSolver::Mu => solve_mu(data, w, ht, k, s, regs, update_h),
    }
}

/// One coordinate-descent sweep over `a` (`rows × k`, row-major) with `BᵀB` and
/// `X B` given; returns the sum of the absolute projected gradients.
fn cd_sweep(
    a: &mut [f64],
    mut btb: Vec<f64>,
    mut xb: Vec<f64>,
    k: usize,
    l1: f64,
    l2: f64,
    order: &[usize],
) -> f64 {
    if l2 != 0.0 {
        for t in 0..k {
            btb[t * k + t] += l2;
        }
    }
    if l1 != 0.0 {
        xb.iter_mut().for_each(|v| *v -= l1);
    }
    let parts: Vec<f64> = a
        .par_chunks_mut(ROW_BLOCK * k)
        .zip(xb.par_chunks(ROW_BLOCK * k))
        .map(|(ab, xbb)| {
            let mut violation = 0.0;
            for (row, xrow) in ab.chunks_exact_mut(k).zip(xbb.chunks_exact(k)) {
                for &t in order {
                    let g = &btb[t * k..(t + 1) * k];
                    let mut grad = -xrow[t];
                    for (gv, rv) in g.iter().zip(row.iter()) {
                        grad += gv * rv;
                    }
                    let pg = if row[t] == 0.0 { grad.min(0.0) } else { grad };
                    violation += pg.abs();
                    let hess = btb[t * k + t];
                    if hess != 0.0 {
                        row[t] = (row[t] - grad / hess).max(0.0);
                    }
                }
            }
            violation
        })
        .collect();
    parts.iter().sum()
}

fn solve_cd(
    data: &Data<'_>,
    w: &mut [f64],
    ht: &mut [f64],
    k: usize,
    s: &Settings,
    (l1_w, l1_h, l2_w, l2_h): (f64, f64, f64, f64),
    update_h: bool,
) -> usize {
    let mut r = rng::for_stream(s.seed, 1);
    let mut order: Vec<usize> = (0..k).collect();
    let mut violation_init = 0.0;
    let mut n_iter = 0;
    for it in 1..=s.max_iter {
        n_iter = it;
        if s.shuffle {
            order.shuffle(&mut r);
        }
        let mut violation = cd_sweep(w, gram(ht, k), data.times(ht, k), k, l1_w, l2_w, &order);
        if update_h {
            if s.shuffle {
                order.shuffle(&mut r);
            }
            violation += cd_sweep(ht, gram(w, k), data.t_times(w, k), k, l1_h, l2_h, &order);
        }
        if it == 1 {
            violation_init = violation;
        }
        if violation_init == 0.0 || violation / violation_init <= s.tol {
            break;
        }
    }
    n_iter
}

/// `a ⊙ num / den` with zero denominators replaced by `EPSILON`, in place on `num`.
fn mu_apply(a: &mut [f64], num: &[f64], den: &[f64]) {
    a.par_chunks_mut(4096)
        .zip(num.par_chunks(4096))
        .zip(den.par_chunks(4096))
        .for_each(|((a, n), d)| {
            for ((a, &n), &d) in a.iter_mut().zip(n).zip(d) {
                let d = if d == 0.0 { EPSILON } else { d };
                *a *= n / d;
            }
        });
}

/// `Σ_j (x_ij / max((W H)_ij, EPSILON)) B_j` for every row `i` of `x` (row-major
/// `rows × k`), with `W H` at `(i, j)` the dot product of row `i` of `a` and row `j`
/// of `b`.
fn kl_numerator(x: CsrRef<'_>, a: &[f64], b: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; x.nrows() * k];
    out.par_chunks_mut(ROW_BLOCK * k)
        .enumerate()
        .for_each(|(blk, chunk)| {
            for (r, o) in chunk.chunks_exact_mut(k).enumerate() {
                let i = blk * ROW_BLOCK + r;
                let ar = &a[i * k..(i + 1) * k];
                for (&j, &v) in x.col_idx_of_row_raw(i).iter().zip(x.val_of_row(i)) {
                    let br = &b[j * k..(j + 1) * k];
                    let wh: f64 = ar.iter().zip(br).map(|(p, q)| p * q).sum();
                    let ratio = v / wh.max(EPSILON);
                    for (o, &bv) in o.iter_mut().zip(br) {
                        *o += ratio * bv;
                    }
                }
            }
        });
    out
}

pub(super) fn column_sums(a: &[f64], k: usize) -> Vec<f64> {
    let mut s = vec![0.0; k];
    for row in a.chunks_exact(k) {
        for (s, &v) in s.iter_mut().zip(row) {
            *s += v;
        }
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn mu_half(
    a: &mut [f64],
    b: &[f64],
    k: usize,
    beta: NmfBetaLoss,
    frob_num: impl FnOnce() -> Vec<f64>,
    kl_x: Option<CsrRef<'_>>,
    l1: f64,
    l2: f64,
    b_sum_zero_to_one: bool,
) {
    let (num, mut den) = match (beta, kl_x) {
        (NmfBetaLoss::KullbackLeibler, Some(x)) => {
            let num = kl_numerator(x, a, b, k);
            let mut sums = column_sums(b, k);
            if b_sum_zero_to_one {
                sums.iter_mut()
                    .filter(|v| **v == 0.0)
                    .for_each(|v| *v = 1.0);
            }
            let den: Vec<f64> = (0..a.len()).map(|p| sums[p % k]).collect();
            (num, den)
        }
        _ => {
            let num = frob_num();
            let den = times_small(a, &gram(b, k), k);
            (num, den)
        }
    };
    if l1 > 0.0 {
        den.iter_mut().for_each(|v| *v += l1);
    }
    if l2 > 0.0 {
        den.iter_mut()
            .zip(a.iter())
            .for_each(|(v, &x)| *v += l2 * x);
    }
    mu_apply(a, &num, &den);
}

#[allow(clippy::too_many_arguments)]
fn solve_mu(
    data: &Data<'_>,
    w: &mut [f64],
    ht: &mut [f64],
    k: usize,
    s: &Settings,
    (l1_w, l1_h, l2_w, l2_h): (f64, f64, f64, f64),
    update_h: bool,
) -> Result<usize> {
    let csr = match s.beta_loss {
        NmfBetaLoss::KullbackLeibler => Some(data.to_csr()?),
        NmfBetaLoss::Frobenius => None,
    };
    let kl_x = csr.as_ref().map(|(c, _)| c.as_ref());
    let error_at_init = reconstruction_error(data, kl_x, w, ht, k, s.beta_loss)?;
    let mut previous = error_at_init;
    let mut n_iter = 0;
    for it in 1..=s.max_iter {
        n_iter = it;
        mu_half(
            w,
            ht,
            k,
            s.beta_loss,
            || data.times(ht, k),
            kl_x,
            l1_w,
            l2_w,
            false,
        );
        if update_h {
            let xt = csr.as_ref().map(|(_, t)| t.as_ref());
            mu_half(
                ht,
                w,
                k,
                s.beta_loss,
                || data.t_times(w, k),
                xt,
                l1_h,
                l2_h,
                true,
            );
            if s.beta_loss == NmfBetaLoss::KullbackLeibler {
                ht.iter_mut()
                    .filter(|v| **v < f64::EPSILON)
                    .for_each(|v| *v = 0.0);
            }
        }
        if s.tol > 0.0 && it % 10 == 0 {
            let error = reconstruction_error(data, kl_x, w, ht, k, s.beta_loss)?;
            if (previous - error) / error_at_init < s.tol {
                break;
            }
            previous = error;
        }
    }
    Ok(n_iter)
}

/// `√(2 D(X, W H))`: the Frobenius norm of `X − W H`, or √(2 KL) (scikit-learn's
/// `reconstruction_err_`).
pub(super) fn reconstruction_error(
    data: &Data<'_>,
    kl_x: Option<CsrRef<'_>>,
    w: &[f64],
    ht: &[f64],
    k: usize,
    beta: NmfBetaLoss,
) -> Result<f64> {
    let n = data.nrows();
    let res = match beta {
        NmfBetaLoss::Frobenius => match data.x {
            Features::Dense(x) => {
                let wh = from_rm(w, n, k) * from_rm(ht, x.ncols(), k).transpose();
                let parts: Vec<f64> = (0..x.ncols())
                    .into_par_iter()
                    .map(|j| {
                        x.col(j)
                            .iter()
                            .zip(wh.col(j).iter())
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum::<f64>()
                    })
                    .collect();
                parts.iter().sum::<f64>() / 2.0
            }
            Features::Sparse(x) => {
                let norm_x: f64 = (0..n)
                    .map(|i| x.val_of_row(i).iter().map(|v| v * v).sum::<f64>())
                    .sum();
                let (gw, gh) = (gram(w, k), gram(ht, k));
                let norm_wh: f64 = gw.iter().zip(&gh).map(|(a, b)| a * b).sum();
                let xh = data.times(ht, k);
                let cross: f64 = xh.iter().zip(w).map(|(a, b)| a * b).sum();
                (norm_x + norm_wh - 2.0 * cross) / 2.0
            }
        },
        NmfBetaLoss::KullbackLeibler => {
            let owned;
            let x = match kl_x {
                Some(x) => x,
                None => {
                    owned = data.to_csr()?.0;
                    owned.as_ref()
                }
            };
            let (a, xs) = ordered_block_reduce(
                n,
                ROW_BLOCK,
                (0.0, 0.0),
                |rows| {
                    let (mut a, mut xs) = (0.0, 0.0);
                    for i in rows {
                        let wr = &w[i * k..(i + 1) * k];
                        for (&j, &v) in x.col_idx_of_row_raw(i).iter().zip(x.val_of_row(i)) {
                            if v > EPSILON {
                                let hr = &ht[j * k..(j + 1) * k];
                                let wh: f64 = wr.iter().zip(hr).map(|(p, q)| p * q).sum();
                                a += v * (v / wh.max(EPSILON)).ln();
                                xs += v;
                            }
                        }
                    }
                    (a, xs)
                },
                |(p, q), (a, b)| (p + a, q + b),
            );
            let (ws, hs) = (column_sums(w, k), column_sums(ht, k));
            let sum_wh: f64 = ws.iter().zip(&hs).map(|(a, b)| a * b).sum();
            a + sum_wh - xs
        }
    };
    Ok((2.0 * res.max(0.0)).sqrt())
}

/// The non-zero entries of row `i` of `x` into `ids` and `vals`.
fn row_nonzeros(x: Features<'_>, i: usize, ids: &mut Vec<usize>, vals: &mut Vec<f64>) {
    ids.clear();
    vals.clear();
    match x {
        Features::Dense(x) => {
            for j in 0..x.ncols() {
                let v = x[(i, j)];
                if v != 0.0 {
                    ids.push(j);
                    vals.push(v);
                }
            }
        }
        Features::Sparse(x) => {
            ids.extend_from_slice(x.col_idx_of_row_raw(i));
            vals.extend_from_slice(x.val_of_row(i));
        }
    }
}

/// Non-negative least squares for one row `w` of `W`:
/// `min ½‖x − wH‖² + l1 Σw + ½ l2 ‖w‖²` by cyclic coordinate descent.
#[allow(clippy::too_many_arguments)]
fn row_nnls_cd(
    ids: &[usize],
    vals: &[f64],
    ht: &[f64],
    hht: &[f64],
    k: usize,
    l1: f64,
    s: &Settings,
    w: &mut [f64],
) {
    let mut b = vec![-l1; k];
    for (&j, &v) in ids.iter().zip(vals) {
        for (bt, &h) in b.iter_mut().zip(&ht[j * k..(j + 1) * k]) {
            *bt += v * h;
        }
    }
    let mut violation_init = 0.0;
    for it in 0..s.max_iter {
        let mut violation = 0.0;
        for t in 0..k {
            let g = &hht[t * k..(t + 1) * k];
            let grad = g.iter().zip(w.iter()).map(|(a, b)| a * b).sum::<f64>() - b[t];
            let pg = if w[t] == 0.0 { grad.min(0.0) } else { grad };
            violation += pg.abs();
            let hess = hht[t * k + t];
            if hess != 0.0 {
                w[t] = (w[t] - grad / hess).max(0.0);
            }
        }
        if it == 0 {
            violation_init = violation;
        }
        if violation_init == 0.0 || violation / violation_init <= s.tol {
            break;
        }
    }
}

/// Multiplicative Kullback-Leibler updates for one row `w` of `W`.
#[allow(clippy::too_many_arguments)]
fn row_kl_mu(
    ids: &[usize],
    vals: &[f64],
    d: usize,
    ht: &[f64],
    h_sum: &[f64],
    k: usize,
    l1: f64,
    l2: f64,
    s: &Settings,
    w: &mut [f64],
) {
    let mean = vals.iter().sum::<f64>() / d as f64;
    w.iter_mut().for_each(|v| *v = (mean / k as f64).sqrt());
    let error = |w: &[f64]| -> f64 {
        let mut a = 0.0;
        let mut xs = 0.0;
        for (&j, &v) in ids.iter().zip(vals) {
            if v > EPSILON {
                let wh: f64 = w
                    .iter()
                    .zip(&ht[j * k..(j + 1) * k])
                    .map(|(p, q)| p * q)
                    .sum();
                a += v * (v / wh.max(EPSILON)).ln();
                xs += v;
            }
        }
        let sum_wh: f64 = w.iter().zip(h_sum).map(|(p, q)| p * q).sum();
        (2.0 * (a + sum_wh - xs).max(0.0)).sqrt()
    };
    let init = error(w);
    let mut previous = init;
    let mut num = vec![0.0; k];
    for it in 1..=s.max_iter {
        num.iter_mut().for_each(|v| *v = 0.0);
        for (&j, &v) in ids.iter().zip(vals) {
            let hr = &ht[j * k..(j + 1) * k];
            let wh: f64 = w.iter().zip(hr).map(|(p, q)| p * q).sum();
            let ratio = v / wh.max(EPSILON);
            for (n, &h) in num.iter_mut().zip(hr) {
                *n += ratio * h;
            }
        }
        for t in 0..k {
            let mut den = h_sum[t];
            if l1 > 0.0 {
                den += l1;
            }
            if l2 > 0.0 {
                den += l2 * w[t];
            }
            let den = if den == 0.0 { EPSILON } else { den };
            w[t] *= num[t] / den;
        }
        if s.tol > 0.0 && it % 10 == 0 {
            let e = error(w);
            if init == 0.0 || (previous - e) / init < s.tol {
                break;
            }
            previous = e;
        }
    }
}

/// `W` (`n × k`) for validated input `x` with `Hᵀ` (`ht`, row-major `d × k`) fixed,
/// every row solved on its own (see [`NmfModel::transform`](super::NmfModel::transform)).
pub(super) fn transform_rows(x: Features<'_>, ht: &[f64], k: usize, s: &Settings) -> Mat<f64> {
    let (n, d) = (x.nrows(), x.ncols());
    let (l1, _, l2, _) = regularization(s, n, d);
    let mut hht = gram(ht, k);
    for t in 0..k {
        hht[t * k + t] += l2;
    }
    let h_sum = column_sums(ht, k);
    let mut w = vec![0.0; n * k];
    w.par_chunks_mut(ROW_BLOCK * k)
        .enumerate()
        .for_each(|(blk, chunk)| {
            let mut ids = Vec::new();
            let mut vals = Vec::new();
            for (r, wr) in chunk.chunks_exact_mut(k).enumerate() {
                let i = blk * ROW_BLOCK + r;
                row_nonzeros(x, i, &mut ids, &mut vals);
                match s.beta_loss {
                    NmfBetaLoss::Frobenius => {
                        row_nnls_cd(&ids, &vals, ht, &hht, k, l1, s, wr);
                    }
                    NmfBetaLoss::KullbackLeibler => {
                        row_kl_mu(&ids, &vals, d, ht, &h_sum, k, l1, l2, s, wr);
                    }
                }
            }
        });
    from_rm(&w, n, k)
}
