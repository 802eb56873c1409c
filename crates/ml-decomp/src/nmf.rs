//! Non-negative matrix factorisation: [`Nmf`], as scikit-learn 1.9's `NMF`.
//!
//! Finds non-negative `W` (samples × k) and `H` (k × features) with `X ≈ W H`,
//! minimising
//! `D(X, W H) + α_W (ρ d ‖W‖₁ + (1 − ρ)/2 d ‖W‖²) + α_H (ρ n ‖H‖₁ + (1 − ρ)/2 n ‖H‖²)`
//! for an `n × d` matrix `X`, with `ρ = l1_ratio` and `D` half the squared Frobenius
//! distance or the generalised Kullback-Leibler divergence.
//!
//! - **Initialisation** (`init`): NNDSVD (Boutsidis & Gallopoulos, 2008) from a
//!   randomized truncated SVD, with zeros left (`Nndsvd`), filled with the mean of `X`
//!   (`Nndsvda`, the default when `k ≤ min(n, d)`) or with small random values
//!   (`Nndsvdar`); or `√(mean(X)/k) |N(0, 1)|` draws (`Random`, the default otherwise).
//! - **Coordinate descent** (`Cd`, Frobenius only): cyclic updates of one coordinate at
//!   a time (Cichocki & Phan, 2009), stopping when the sum of the projected gradients
//!   falls below `tol` times its first value. The rows of `W` (columns of `H`) are
//!   independent given the other factor, so each half-step runs in parallel over fixed
//!   blocks of rows, with results identical to a sequential sweep.
//! - **Multiplicative updates** (`Mu`, Frobenius and Kullback-Leibler): Lee & Seung's
//!   updates, with the error checked every 10 iterations and the fit stopped when it
//!   fell by less than `tol` times the initial error.
//!
//! The random SVD and draws come from this library's generator, so only the
//! deterministic initialisations (`Nndsvd`, `Nndsvda` when the sketch of the
//! randomized SVD covers the matrix) reproduce scikit-learn's exactly; fits reach the
//! same reconstruction error (within 1% on the digits and the SMS counts).
//! Dense and sparse (CSR) inputs are accepted; the Kullback-Leibler updates only ever
//! touch the non-zero entries of `X`.

use faer::{Mat, MatRef};
use ml_core::linalg::RandomizedSvd;
use ml_core::persist::Persist;
use ml_core::sparse::{self, Csr, CsrRef};
use ml_core::{Error, FitUnsupervised, Result, Transform, rng, validate};
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// scikit-learn's `EPSILON` of the multiplicative updates (single-precision epsilon).
const EPSILON: f64 = f32::EPSILON as f64;

/// Rows per parallel task; fixed so sums do not depend on the thread count.
const ROW_BLOCK: usize = 256;

/// How `W` and `H` start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NmfInit {
    /// `√(mean(X)/k) · |N(0, 1)|` entries.
    Random,
    /// Non-negative double SVD; zeros stay (best for sparse factors).
    Nndsvd,
    /// NNDSVD with zeros replaced by the mean of `X`.
    Nndsvda,
    /// NNDSVD with zeros replaced by `|mean(X) · N(0, 1) / 100|` draws.
    Nndsvdar,
}

/// The optimisation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NmfSolver {
    /// Coordinate descent (scikit-learn's `'cd'`, the default); Frobenius loss only.
    Cd,
    /// Multiplicative updates (scikit-learn's `'mu'`).
    Mu,
}

/// The divergence between `X` and `W H`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BetaLoss {
    /// Half the squared Frobenius norm of `X − W H` (β = 2, the default).
    Frobenius,
    /// The generalised Kullback-Leibler divergence (β = 1); needs [`NmfSolver::Mu`].
    KullbackLeibler,
}

/// Non-negative matrix factorisation, as scikit-learn 1.9's `NMF`.
///
/// ```
/// use faer::Mat;
/// use ml_decomp::nmf::{Nmf, NmfSolver};
///
/// // An exactly rank-2 non-negative matrix.
/// let x = Mat::from_fn(6, 5, |i, j| (1 + i % 3) as f64 * (j as f64) + (i % 2) as f64);
/// let (model, w) = Nmf::new(2).max_iter(1000).tol(1e-8).fit_transform(x.as_ref())?;
/// assert!(model.reconstruction_err() < 1e-3);
/// assert!((0..6).all(|i| (0..2).all(|t| w[(i, t)] >= 0.0)));
/// let back = model.inverse_transform(w.as_ref())?;
/// assert!((&back - &x).norm_max() < 1e-3);
/// let mu = Nmf::new(2).solver(NmfSolver::Mu).fit(x.as_ref())?;
/// assert!(mu.components().nrows() == 2);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Nmf {
    n_components: Option<usize>,
    init: Option<NmfInit>,
    settings: Settings,
}

/// What the solvers need, kept by the model for `transform`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Settings {
    solver: NmfSolver,
    beta_loss: BetaLoss,
    tol: f64,
    max_iter: usize,
    alpha_w: f64,
    alpha_h: Option<f64>,
    l1_ratio: f64,
    shuffle: bool,
    seed: u64,
}

impl Default for Nmf {
    /// `n_components` as many as features (scikit-learn's `'auto'`).
    fn default() -> Self {
        Self {
            n_components: None,
            init: None,
            settings: Settings {
                solver: NmfSolver::Cd,
                beta_loss: BetaLoss::Frobenius,
                tol: 1e-4,
                max_iter: 200,
                alpha_w: 0.0,
                alpha_h: None,
                l1_ratio: 0.0,
                shuffle: false,
                seed: 0,
            },
        }
    }
}

/// The input: dense, or sparse with its transpose (built once).
enum Data<'a> {
    Dense(MatRef<'a, f64>),
    Sparse { x: CsrRef<'a>, xt: Csr },
}

impl Data<'_> {
    fn nrows(&self) -> usize {
        match self {
            Data::Dense(x) => x.nrows(),
            Data::Sparse { x, .. } => x.nrows(),
        }
    }

    fn ncols(&self) -> usize {
        match self {
            Data::Dense(x) => x.ncols(),
            Data::Sparse { x, .. } => x.ncols(),
        }
    }

    fn sum(&self) -> f64 {
        match self {
            Data::Dense(x) => (0..x.ncols()).map(|j| x.col(j).iter().sum::<f64>()).sum(),
            Data::Sparse { x, .. } => (0..x.nrows())
                .map(|i| x.val_of_row(i).iter().sum::<f64>())
                .sum(),
        }
    }

    fn mean(&self) -> f64 {
        self.sum() / (self.nrows() as f64 * self.ncols() as f64)
    }

    /// `X · B` for `B` row-major (`d × k`), row-major `n × k` out.
    fn times(&self, b: &[f64], k: usize) -> Vec<f64> {
        match self {
            Data::Dense(x) => to_rm(&(x * from_rm(b, x.ncols(), k))),
            Data::Sparse { x, .. } => sparse_times(*x, b, k),
        }
    }

    /// `Xᵀ · B` for `B` row-major (`n × k`), row-major `d × k` out.
    fn t_times(&self, b: &[f64], k: usize) -> Vec<f64> {
        match self {
            Data::Dense(x) => to_rm(&(x.transpose() * from_rm(b, x.nrows(), k))),
            Data::Sparse { xt, .. } => sparse_times(xt.as_ref(), b, k),
        }
    }

    /// The CSR form (for the Kullback-Leibler updates, which touch only non-zeros).
    fn to_csr(&self) -> Result<(Csr, Csr)> {
        match self {
            Data::Dense(x) => {
                let c = sparse::csr_from_dense(*x)?;
                let t = sparse::csr_transpose(c.as_ref())?;
                Ok((c, t))
            }
            Data::Sparse { xt, .. } => Ok((sparse::csr_transpose(xt.as_ref())?, xt.clone())),
        }
    }
}

/// `A · B` for CSR `A` and row-major `B`, row-major out; parallel over row blocks.
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

fn from_rm(b: &[f64], rows: usize, k: usize) -> Mat<f64> {
    Mat::from_fn(rows, k, |i, t| b[i * k + t])
}

fn to_rm(m: &Mat<f64>) -> Vec<f64> {
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
fn gram(a: &[f64], k: usize) -> Vec<f64> {
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

impl Nmf {
    /// An estimator with `n_components` components and scikit-learn's defaults for
    /// everything else.
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components: Some(n_components),
            ..Self::default()
        }
    }

    /// The number of components `k`; `None` means one per feature (scikit-learn's
    /// `'auto'`). Default: `None` (through [`Default`]).
    pub fn n_components(mut self, n_components: Option<usize>) -> Self {
        self.n_components = n_components;
        self
    }

    /// The initialisation; `None` picks [`NmfInit::Nndsvda`] when
    /// `k ≤ min(n, d)` and [`NmfInit::Random`] otherwise. Default: `None`.
    pub fn init(mut self, init: Option<NmfInit>) -> Self {
        self.init = init;
        self
    }

    /// The solver. Default: [`NmfSolver::Cd`].
    pub fn solver(mut self, solver: NmfSolver) -> Self {
        self.settings.solver = solver;
        self
    }

    /// The divergence to minimise. Default: [`BetaLoss::Frobenius`].
    pub fn beta_loss(mut self, beta_loss: BetaLoss) -> Self {
        self.settings.beta_loss = beta_loss;
        self
    }

    /// The stopping tolerance (relative, see the module doc). Default: 1e-4.
    pub fn tol(mut self, tol: f64) -> Self {
        self.settings.tol = tol;
        self
    }

    /// The most iterations. Default: 200.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.settings.max_iter = max_iter;
        self
    }

    /// The regularisation strength `α_W` of `W` (scaled by the number of features).
    /// Default: 0.
    pub fn alpha_w(mut self, alpha: f64) -> Self {
        self.settings.alpha_w = alpha;
        self
    }

    /// The regularisation strength `α_H` of `H` (scaled by the number of samples);
    /// `None` means the same as `α_W` (scikit-learn's `'same'`). Default: `None`.
    pub fn alpha_h(mut self, alpha: Option<f64>) -> Self {
        self.settings.alpha_h = alpha;
        self
    }

    /// The share `ρ ∈ [0, 1]` of L1 in the regularisation. Default: 0.
    pub fn l1_ratio(mut self, l1_ratio: f64) -> Self {
        self.settings.l1_ratio = l1_ratio;
        self
    }

    /// Whether coordinate descent visits the components in a random order each sweep.
    /// Default: false.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.settings.shuffle = shuffle;
        self
    }

    /// The seed of the random initialisations, the randomized SVD and the shuffling.
    /// Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    fn check(&self, n: usize, d: usize) -> Result<(usize, NmfInit)> {
        let s = &self.settings;
        let k = self.n_components.unwrap_or(d);
        validate::at_least("n_components", k, 1, ">= 1")?;
        validate::non_negative_param("tol", s.tol)?;
        validate::at_least("max_iter", s.max_iter, 1, ">= 1")?;
        validate::non_negative_param("alpha_W", s.alpha_w)?;
        if let Some(a) = s.alpha_h {
            validate::non_negative_param("alpha_H", a)?;
        }
        validate::in_closed_range("l1_ratio", s.l1_ratio, 0.0, 1.0, "in [0, 1]")?;
        if s.solver == NmfSolver::Cd && s.beta_loss != BetaLoss::Frobenius {
            return Err(Error::invalid_parameter(
                "beta_loss",
                s.beta_loss,
                "Frobenius with the coordinate-descent solver",
            ));
        }
        let init = match self.init {
            Some(i) => i,
            None if k <= n.min(d) => NmfInit::Nndsvda,
            None => NmfInit::Random,
        };
        if init != NmfInit::Random && k > n.min(d) {
            return Err(Error::invalid_parameter(
                "n_components",
                k,
                "at most min(n_samples, n_features) with an NNDSVD initialisation",
            ));
        }
        Ok((k, init))
    }

    /// Fits `W` and `H` to dense non-negative `x`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for hyper-parameters out of range (including
    /// `n_components` above `min(n, d)` with an NNDSVD initialisation, and the
    /// Kullback-Leibler loss with coordinate descent), [`Error::EmptyInput`],
    /// [`Error::NonFinite`] or [`Error::NegativeValue`].
    pub fn fit(&self, x: MatRef<'_, f64>) -> Result<NmfModel> {
        Ok(self.fit_transform(x)?.0)
    }

    /// Fits and returns the model with `W` (samples × k).
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform(&self, x: MatRef<'_, f64>) -> Result<(NmfModel, Mat<f64>)> {
        validate::matrix(x)?;
        validate::non_negative(x, "NMF")?;
        self.fit_data(&Data::Dense(x))
    }

    /// Fits `W` and `H` to sparse non-negative `x`.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_csr(&self, x: CsrRef<'_>) -> Result<NmfModel> {
        Ok(self.fit_transform_csr(x)?.0)
    }

    /// As [`fit_transform`](Self::fit_transform), on sparse `x`.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform_csr(&self, x: CsrRef<'_>) -> Result<(NmfModel, Mat<f64>)> {
        check_csr(x)?;
        let xt = sparse::csr_transpose(x)?;
        self.fit_data(&Data::Sparse { x, xt })
    }

    /// The initial `W` and `H` of this estimator's `init` for dense `x` (scikit-learn's
    /// `_initialize_nmf`), as `(W, H)`.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and [`Error::DecompositionFailed`] if the SVD fails.
    pub fn initialize(&self, x: MatRef<'_, f64>) -> Result<(Mat<f64>, Mat<f64>)> {
        validate::matrix(x)?;
        validate::non_negative(x, "NMF")?;
        let data = Data::Dense(x);
        let (k, init) = self.check(x.nrows(), x.ncols())?;
        let (w, ht) = initialize(&data, k, init, self.settings.seed)?;
        Ok((
            from_rm(&w, x.nrows(), k),
            from_rm(&ht, x.ncols(), k).transpose().to_owned(),
        ))
    }

    fn fit_data(&self, data: &Data<'_>) -> Result<(NmfModel, Mat<f64>)> {
        let (n, d) = (data.nrows(), data.ncols());
        let (k, init) = self.check(n, d)?;
        let (mut w, mut ht) = initialize(data, k, init, self.settings.seed)?;
        let n_iter = solve(data, &mut w, &mut ht, k, &self.settings, true)?;
        let err = reconstruction_error(data, None, &w, &ht, k, self.settings.beta_loss)?;
        let model = NmfModel {
            components: from_rm(&ht, d, k).transpose().to_owned(),
            reconstruction_err: err,
            n_iter,
            settings: self.settings,
        };
        Ok((model, from_rm(&w, n, k)))
    }
}

fn check_csr(x: CsrRef<'_>) -> Result<()> {
    validate::csr(x)?;
    for row in 0..x.nrows() {
        for (&col, &value) in x.col_idx_of_row_raw(row).iter().zip(x.val_of_row(row)) {
            if value < 0.0 {
                return Err(Error::NegativeValue {
                    what: "NMF",
                    row,
                    col,
                    value,
                });
            }
        }
    }
    Ok(())
}

/// The initial `W` (`n × k`) and `Hᵀ` (`d × k`), row-major.
fn initialize(data: &Data<'_>, k: usize, init: NmfInit, seed: u64) -> Result<(Vec<f64>, Vec<f64>)> {
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
    let svd = match data {
        Data::Dense(x) => rsvd.compute(*x)?,
        Data::Sparse { x, .. } => rsvd.compute_csr(*x)?,
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
fn regularization(s: &Settings, n: usize, d: usize) -> (f64, f64, f64, f64) {
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
fn solve(
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

fn column_sums(a: &[f64], k: usize) -> Vec<f64> {
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
    beta: BetaLoss,
    frob_num: impl FnOnce() -> Vec<f64>,
    kl_x: Option<CsrRef<'_>>,
    l1: f64,
    l2: f64,
    b_sum_zero_to_one: bool,
) {
    let (num, mut den) = match (beta, kl_x) {
        (BetaLoss::KullbackLeibler, Some(x)) => {
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
        BetaLoss::KullbackLeibler => Some(data.to_csr()?),
        BetaLoss::Frobenius => None,
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
            if s.beta_loss == BetaLoss::KullbackLeibler {
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
fn reconstruction_error(
    data: &Data<'_>,
    kl_x: Option<CsrRef<'_>>,
    w: &[f64],
    ht: &[f64],
    k: usize,
    beta: BetaLoss,
) -> Result<f64> {
    let n = data.nrows();
    let res = match beta {
        BetaLoss::Frobenius => match data {
            Data::Dense(x) => {
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
            Data::Sparse { x, .. } => {
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
        BetaLoss::KullbackLeibler => {
            let owned;
            let x = match kl_x {
                Some(x) => x,
                None => {
                    owned = data.to_csr()?.0;
                    owned.as_ref()
                }
            };
            let parts: Vec<(f64, f64)> = (0..n.div_ceil(ROW_BLOCK))
                .into_par_iter()
                .map(|blk| {
                    let (mut a, mut xs) = (0.0, 0.0);
                    for i in blk * ROW_BLOCK..((blk + 1) * ROW_BLOCK).min(n) {
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
                })
                .collect();
            let (ws, hs) = (column_sums(w, k), column_sums(ht, k));
            let sum_wh: f64 = ws.iter().zip(&hs).map(|(a, b)| a * b).sum();
            let (a, xs) = parts
                .iter()
                .fold((0.0, 0.0), |(p, q), &(a, b)| (p + a, q + b));
            a + sum_wh - xs
        }
    };
    Ok((2.0 * res.max(0.0)).sqrt())
}

impl Data<'_> {
    /// The non-zero entries of row `i` into `ids` and `vals`.
    fn row_nonzeros(&self, i: usize, ids: &mut Vec<usize>, vals: &mut Vec<f64>) {
        ids.clear();
        vals.clear();
        match self {
            Data::Dense(x) => {
                for j in 0..x.ncols() {
                    let v = x[(i, j)];
                    if v != 0.0 {
                        ids.push(j);
                        vals.push(v);
                    }
                }
            }
            Data::Sparse { x, .. } => {
                ids.extend_from_slice(x.col_idx_of_row_raw(i));
                vals.extend_from_slice(x.val_of_row(i));
            }
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

/// A fitted NMF: the components `H` and what `transform` needs to solve for `W`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NmfModel {
    #[serde(with = "ml_core::persist::mat")]
    components: Mat<f64>,
    reconstruction_err: f64,
    n_iter: usize,
    settings: Settings,
}

impl Persist for NmfModel {
    const MODEL_NAME: &'static str = "ml_decomp::NmfModel";
}

impl NmfModel {
    /// The factor `H` (components × features), scikit-learn's `components_`.
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// `√(2 D(X, W H))` on the training data: the Frobenius norm of `X − W H`, or the
    /// square root of twice the Kullback-Leibler divergence (scikit-learn's
    /// `reconstruction_err_`).
    pub fn reconstruction_err(&self) -> f64 {
        self.reconstruction_err
    }

    /// The number of iterations the fit ran.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The number of components `k`.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    fn ht(&self) -> Vec<f64> {
        to_rm(&self.components.transpose().to_owned())
    }

    /// Solves every row of `W` on its own (see [`transform`](Self::transform)).
    fn transform_data(&self, data: &Data<'_>) -> Result<Mat<f64>> {
        let (n, d, k) = (data.nrows(), data.ncols(), self.n_components());
        let ht = self.ht();
        let s = &self.settings;
        let (l1, _, l2, _) = regularization(s, n, d);
        let mut hht = gram(&ht, k);
        for t in 0..k {
            hht[t * k + t] += l2;
        }
        let h_sum = column_sums(&ht, k);
        let mut w = vec![0.0; n * k];
        w.par_chunks_mut(ROW_BLOCK * k)
            .enumerate()
            .for_each(|(blk, chunk)| {
                let mut ids = Vec::new();
                let mut vals = Vec::new();
                for (r, wr) in chunk.chunks_exact_mut(k).enumerate() {
                    let i = blk * ROW_BLOCK + r;
                    data.row_nonzeros(i, &mut ids, &mut vals);
                    match s.beta_loss {
                        BetaLoss::Frobenius => {
                            row_nnls_cd(&ids, &vals, &ht, &hht, k, l1, s, wr);
                        }
                        BetaLoss::KullbackLeibler => {
                            row_kl_mu(&ids, &vals, d, &ht, &h_sum, k, l1, l2, s, wr);
                        }
                    }
                }
            });
        Ok(from_rm(&w, n, k))
    }

    /// Solves for `W` (samples × k) with `H` fixed.
    ///
    /// Each row is solved on its own, so a sample's result never depends on the other
    /// rows of the batch: for the Frobenius loss by coordinate descent on its
    /// non-negative least-squares problem (from zeros, stopping when the row's
    /// projected-gradient sum falls below `tol` times its first value), for the
    /// Kullback-Leibler loss by multiplicative updates (from `√(mean(xᵢ)/k)`, stopping
    /// as the fit does, on the row's own error). scikit-learn's `transform` runs the
    /// fitted solver on all rows together with one stopping test; both approximate the
    /// same per-row optimum.
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`], [`Error::NonFinite`] or
    /// [`Error::NegativeValue`].
    pub fn transform(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        validate::matrix_with_features(x, self.components.ncols())?;
        validate::non_negative(x, "NMF")?;
        self.transform_data(&Data::Dense(x))
    }

    /// As [`transform`](Self::transform), on sparse `x`.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn transform_csr(&self, x: CsrRef<'_>) -> Result<Mat<f64>> {
        check_csr(x)?;
        validate::n_features_eq(x.ncols(), self.components.ncols())?;
        let xt = sparse::csr_transpose(x)?;
        self.transform_data(&Data::Sparse { x, xt })
    }

    /// `W H`: the data reconstructed from its transform `w` (samples × k).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`], or [`Error::ShapeMismatch`] when
    /// `w` does not have `k` columns.
    pub fn inverse_transform(&self, w: MatRef<'_, f64>) -> Result<Mat<f64>> {
        validate::non_empty(w, "W")?;
        if w.ncols() != self.n_components() {
            return Err(Error::ShapeMismatch {
                what: "number of components",
                expected: self.n_components(),
                got: w.ncols(),
            });
        }
        validate::finite(w)?;
        Ok(w * &self.components)
    }
}

impl FitUnsupervised for Nmf {
    type Model = NmfModel;

    fn fit(&self, x: MatRef<'_, f64>) -> Result<Self::Model> {
        Nmf::fit(self, x)
    }
}

impl Transform for NmfModel {
    fn transform(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        NmfModel::transform(self, x)
    }

    fn n_features_in(&self) -> usize {
        self.components.ncols()
    }
}
