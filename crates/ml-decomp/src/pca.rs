//! Principal component analysis ([`Pca`]), as scikit-learn 1.9's `PCA`.
//!
//! The data are centred (never scaled) and decomposed by one of three solvers:
//!
//! - [`PcaSolver::Full`]: the exact thin SVD of the centred `X`. For tall data
//!   (`n ≥ d`) the centred rows are reduced by a tall-skinny QR (fixed row blocks in
//!   parallel, each block centred on the fly, so `X` is never copied) and the SVD is
//!   taken of the `d × d` factor `R`, which has the same singular values and right
//!   singular vectors as the centred `X`; LAPACK's `gesdd`, which scikit-learn calls,
//!   does the same QR reduction for tall input.
//! - [`PcaSolver::CovarianceEigh`]: the eigendecomposition of the covariance
//!   `X_cᵀX_c / (n − 1)`, formed block by block from centred copies of fixed row
//!   blocks (one `d × d` GEMM per block, summed in a fixed order). Fastest for
//!   `n ≫ d`; trailing eigenvalues lose relative accuracy (about `ε·λ₁/λᵢ`).
//! - [`PcaSolver::Randomized`]: Halko et al.'s randomized SVD of the centred `X`
//!   through [`ml_core::linalg::RandomizedSvd`], with scikit-learn's `n_oversamples`
//!   (10), `iterated_power='auto'` and `power_iteration_normalizer='auto'`.
//!
//! [`PcaSolver::Auto`] applies scikit-learn 1.9's rule: covariance when
//! `d ≤ 1000` and `n ≥ 10·d`; otherwise full when `max(n, d) ≤ 500` or
//! `n_components` is `Mle`; otherwise randomized when `1 ≤ k < 0.8·min(n, d)`;
//! otherwise full.
//!
//! Components carry scikit-learn's sign convention for `PCA` (`svd_flip` with
//! `u_based_decision=False`, every solver): the entry of largest absolute value of
//! each component is positive.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::linalg::qr;
use faer::linalg::solvers::DenseSolveCore;
use faer::reborrow::ReborrowMut;
use faer::{Accum, Mat, MatRef, Par, Side};
use ml_core::linalg::{
    PowerIterationNormalizer, RandomizedSvd, SignConvention, eigh_desc, svd_flip, thin_svd_with,
};
use ml_core::persist::Persist;
use ml_core::{Error, FitUnsupervised, Result, Transform, validate};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How many components to keep (scikit-learn's `n_components`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum NComponents {
    /// All of them: `min(n_samples, n_features)` (scikit-learn's `None`, the default).
    #[default]
    All,
    /// A fixed count `k` with `1 ≤ k ≤ min(n_samples, n_features)`.
    Count(usize),
    /// The smallest number of components whose cumulated explained variance ratio
    /// exceeds this fraction, strictly inside `(0, 1)`. Needs the full spectrum:
    /// solver full or covariance.
    VarianceFraction(f64),
    /// Minka's maximum-likelihood choice of dimension (scikit-learn's `'mle'`). Needs
    /// `n_samples ≥ n_features` and the full spectrum. On data with no usable rank
    /// (every variance below 1e-15) one component is kept, where scikit-learn keeps
    /// none.
    Mle,
}

/// The decomposition behind [`Pca`] (scikit-learn's `svd_solver`, without `'arpack'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum PcaSolver {
    /// scikit-learn 1.9's `'auto'` rule (see the [module documentation](self)).
    #[default]
    Auto,
    /// Exact thin SVD of the centred data.
    Full,
    /// Eigendecomposition of the covariance matrix.
    CovarianceEigh,
    /// Randomized truncated SVD (Halko et al.).
    Randomized,
}

/// Principal component analysis, as scikit-learn 1.9's `PCA`.
///
/// Defaults equal scikit-learn's (`n_components=None`, `whiten=False`,
/// `svd_solver='auto'`, `iterated_power='auto'`, `n_oversamples=10`,
/// `power_iteration_normalizer='auto'`), except the seed of the randomized solver,
/// which is fixed (0) where scikit-learn's `random_state=None` draws a fresh one.
///
/// ```
/// use ml_decomp::pca::Pca;
///
/// let x = faer::mat![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
/// let (model, z) = Pca::new(1).fit_transform(x.as_ref())?;
/// // The first component is the x-axis, which carries 8/10 of the variance.
/// assert!((model.components()[(0, 0)] - 1.0).abs() < 1e-12);
/// assert!((model.explained_variance_ratio()[0] - 0.8).abs() < 1e-12);
/// assert!((z[(0, 0)] - 2.0).abs() < 1e-12);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    n_components: NComponents,
    whiten: bool,
    solver: PcaSolver,
    iterated_power: Option<usize>,
    n_oversamples: usize,
    normalizer: PowerIterationNormalizer,
    seed: u64,
}

impl Default for Pca {
    fn default() -> Self {
        Self {
            n_components: NComponents::All,
            whiten: false,
            solver: PcaSolver::Auto,
            iterated_power: None,
            n_oversamples: 10,
            normalizer: PowerIterationNormalizer::Auto,
            seed: 0,
        }
    }
}

impl Pca {
    /// A PCA keeping `n_components` components (a count); everything else default.
    pub fn new(n_components: usize) -> Self {
        Self::default().n_components(NComponents::Count(n_components))
    }

    /// How many components to keep. Default: [`NComponents::All`].
    pub fn n_components(mut self, n_components: NComponents) -> Self {
        self.n_components = n_components;
        self
    }

    /// Whether [`PcaModel::transform`] scales every component to unit variance.
    /// Default: false.
    pub fn whiten(mut self, whiten: bool) -> Self {
        self.whiten = whiten;
        self
    }

    /// The solver. Default: [`PcaSolver::Auto`].
    pub fn solver(mut self, solver: PcaSolver) -> Self {
        self.solver = solver;
        self
    }

    /// Power iterations of the randomized solver. Default: auto (7 when
    /// `k < 0.1·min(n, d)`, else 4).
    pub fn iterated_power(mut self, n_iter: usize) -> Self {
        self.iterated_power = Some(n_iter);
        self
    }

    /// Extra random vectors of the randomized solver. Default: 10.
    pub fn n_oversamples(mut self, n_oversamples: usize) -> Self {
        self.n_oversamples = n_oversamples;
        self
    }

    /// Normalisation between power iterations of the randomized solver.
    /// Default: [`PowerIterationNormalizer::Auto`] (with more than 2 iterations, Cholesky
    /// QR twice for up to 64 columns, else LU as scikit-learn: the same span).
    pub fn power_iteration_normalizer(mut self, normalizer: PowerIterationNormalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    /// Seed of the randomized solver's Gaussian test matrix. Default: 0 (scikit-learn's
    /// `random_state=None` is not reproducible; a fixed seed is).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The solver that `fit` would use on an `n_samples × n_features` matrix
    /// (scikit-learn's `_fit_svd_solver`).
    pub fn resolved_solver(&self, n_samples: usize, n_features: usize) -> PcaSolver {
        if self.solver != PcaSolver::Auto {
            return self.solver;
        }
        let (n, d) = (n_samples, n_features);
        let min = n.min(d);
        if d <= 1000 && n >= 10 * d {
            PcaSolver::CovarianceEigh
        } else if n.max(d) <= 500 || self.n_components == NComponents::Mle {
            PcaSolver::Full
        } else {
            let k = match self.n_components {
                NComponents::All => min,
                NComponents::Count(k) => k,
                // A fraction is below 1: never randomized.
                NComponents::VarianceFraction(_) | NComponents::Mle => 0,
            };
            if k >= 1 && (k as f64) < 0.8 * min as f64 {
                PcaSolver::Randomized
            } else {
                PcaSolver::Full
            }
        }
    }

    /// Fits the principal components of `x` (one row per sample).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`]; [`Error::TooFewSamples`] for a
    /// single row; [`Error::InvalidParameter`] for a count of 0 or above
    /// `min(n_samples, n_features)`, a fraction outside `(0, 1)`, a fraction or `Mle`
    /// with the randomized solver, or `Mle` with fewer samples than features;
    /// [`Error::DecompositionFailed`] if the SVD or eigensolver does not converge.
    pub fn fit(&self, x: MatRef<'_, f64>) -> Result<PcaModel> {
        self.fit_inner(x)
    }

    /// Fits the model and returns it with the projection of `x` (scikit-learn's
    /// `fit_transform`, equal to `fit(x)?.transform(x)` up to rounding).
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_transform(&self, x: MatRef<'_, f64>) -> Result<(PcaModel, Mat<f64>)> {
        let model = self.fit_inner(x)?;
        let z = model.project(x);
        Ok((model, z))
    }

    fn fit_inner(&self, x: MatRef<'_, f64>) -> Result<PcaModel> {
        validate::matrix(x)?;
        let (n, d) = (x.nrows(), x.ncols());
        validate::min_samples(n, 2)?;
        let min = n.min(d);
        let solver = self.resolved_solver(n, d);
        check_n_components(self.n_components, n, d, solver)?;
        let mean = column_means(x);
        let dec = match solver {
            PcaSolver::Full => full_svd(x, &mean)?,
            PcaSolver::CovarianceEigh => covariance_eigh(x, &mean)?,
            PcaSolver::Randomized | PcaSolver::Auto => {
                let k = match self.n_components {
                    NComponents::Count(k) => k,
                    _ => min,
                };
                self.randomized(x, &mean, k)?
            }
        };
        let n_f = n as f64;
        let explained_all: Vec<f64> = dec.s.iter().map(|s| s * s / (n_f - 1.0)).collect();
        let (explained_all, ratio_all, total_var) = if dec.full_spectrum {
            // Covariance eigenvalues are the explained variances themselves (clipped).
            let ev = dec.eigenvalues.clone().unwrap_or(explained_all);
            let total: f64 = ev.iter().sum();
            let ratio = ev.iter().map(|v| v / total).collect::<Vec<_>>();
            (ev, ratio, total)
        } else {
            let total = dec.total_var;
            let ratio = explained_all.iter().map(|v| v / total).collect::<Vec<_>>();
            (explained_all, ratio, total)
        };
        let k = match self.n_components {
            NComponents::All => min,
            NComponents::Count(k) => k,
            NComponents::VarianceFraction(f) => {
                // searchsorted(cumsum, f, side='right') + 1
                let mut cum = 0.0;
                let mut below = 0;
                for r in &ratio_all {
                    cum += r;
                    if cum <= f {
                        below += 1;
                    } else {
                        break;
                    }
                }
                (below + 1).min(explained_all.len())
            }
            NComponents::Mle => infer_dimension(&explained_all, n).max(1),
        };
        let noise_variance = if k < min {
            if dec.full_spectrum {
                let rest = &explained_all[k..];
                rest.iter().sum::<f64>() / rest.len() as f64
            } else {
                (total_var - explained_all[..k].iter().sum::<f64>()) / (min - k) as f64
            }
        } else {
            0.0
        };
        let model = PcaModel {
            components: dec.vt.get(..k, ..).to_owned(),
            explained_variance: explained_all[..k].to_vec(),
            explained_variance_ratio: ratio_all[..k].to_vec(),
            singular_values: dec.s[..k].to_vec(),
            mean,
            noise_variance,
            whiten: self.whiten,
            n_samples: n,
            solver,
        };
        Ok(model)
    }

    fn randomized(&self, x: MatRef<'_, f64>, mean: &[f64], k: usize) -> Result<Decomposition> {
        let xc = centred_copy(x, mean);
        let mut rsvd = RandomizedSvd::new(k)
            .n_oversamples(self.n_oversamples)
            .power_iteration_normalizer(self.normalizer)
            .flip_sign(false)
            .seed(self.seed);
        if let Some(q) = self.iterated_power {
            rsvd = rsvd.n_iter(q);
        }
        let mut svd = rsvd.compute(xc.as_ref())?;
        svd_flip(svd.u.as_mut(), svd.vt.as_mut(), SignConvention::VBased)?;
        let total_sq: f64 = (0..xc.ncols())
            .into_par_iter()
            .map(|j| xc.col(j).iter().map(|v| v * v).sum::<f64>())
            .collect::<Vec<_>>()
            .iter()
            .sum();
        Ok(Decomposition {
            vt: svd.vt,
            s: svd.s,
            eigenvalues: None,
            total_var: total_sq / (x.nrows() as f64 - 1.0),
            full_spectrum: false,
        })
    }
}

impl FitUnsupervised for Pca {
    type Model = PcaModel;

    fn fit(&self, x: MatRef<'_, f64>) -> Result<PcaModel> {
        Pca::fit(self, x)
    }
}

/// Validates `n_components` against the shape and the solver, as scikit-learn does.
fn check_n_components(nc: NComponents, n: usize, d: usize, solver: PcaSolver) -> Result<()> {
    let min = n.min(d);
    match nc {
        NComponents::All => Ok(()),
        NComponents::Count(k) => {
            if k == 0 || k > min {
                Err(Error::invalid_parameter(
                    "n_components",
                    k,
                    "between 1 and min(n_samples, n_features)",
                ))
            } else {
                Ok(())
            }
        }
        NComponents::VarianceFraction(f) => {
            if !(f > 0.0 && f < 1.0) {
                Err(Error::invalid_parameter(
                    "n_components",
                    f,
                    "a variance fraction strictly between 0 and 1",
                ))
            } else if solver == PcaSolver::Randomized {
                Err(Error::invalid_parameter(
                    "n_components",
                    f,
                    "a count with the randomized solver (a fraction needs full or covariance)",
                ))
            } else {
                Ok(())
            }
        }
        NComponents::Mle => {
            if solver == PcaSolver::Randomized {
                Err(Error::invalid_parameter(
                    "n_components",
                    "mle",
                    "a count with the randomized solver ('mle' needs full or covariance)",
                ))
            } else if n < d {
                Err(Error::invalid_parameter(
                    "n_components",
                    "mle",
                    "'mle' only when n_samples >= n_features",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// What a solver returns: components (rows), singular values, and what the variance
/// ratio divides by.
struct Decomposition {
    vt: Mat<f64>,
    s: Vec<f64>,
    /// The covariance eigenvalues (clipped at 0), when the solver computed them.
    eigenvalues: Option<Vec<f64>>,
    /// Total variance (ddof 1) for truncated solvers.
    total_var: f64,
    /// Whether `s` holds the whole spectrum (full and covariance solvers).
    full_spectrum: bool,
}

/// Column means of `x`, one parallel task per column (column-major storage).
pub(crate) fn column_means(x: MatRef<'_, f64>) -> Vec<f64> {
    let n = x.nrows() as f64;
    (0..x.ncols())
        .into_par_iter()
        .map(|j| x.col(j).iter().sum::<f64>() / n)
        .collect()
}

/// `x − mean` (the one copy of the data the full-SVD-on-wide and randomized solvers
/// make), filled one column per task.
fn centred_copy(x: MatRef<'_, f64>, mean: &[f64]) -> Mat<f64> {
    let mut xc = Mat::<f64>::zeros(x.nrows(), x.ncols());
    let cols: Vec<Vec<f64>> = (0..x.ncols())
        .into_par_iter()
        .map(|j| x.col(j).iter().map(|v| v - mean[j]).collect())
        .collect();
    for (j, c) in cols.into_iter().enumerate() {
        for (dst, v) in xc.col_mut(j).iter_mut().zip(c) {
            *dst = v;
        }
    }
    xc
}

/// Rows per block of the blocked solvers (large enough for GEMM efficiency, small
/// enough to fit in cache-sized buffers and give both cores work).
const ROW_BLOCK: usize = 4096;

/// Fixed row blocks `[start, end)` of an `n`-row matrix, each at least `min_rows`
/// long (the remainder joins the last block): independent of the thread count.
fn row_blocks(n: usize, min_rows: usize) -> Vec<(usize, usize)> {
    let size = ROW_BLOCK.max(min_rows).max(1);
    let count = (n / size).max(1);
    (0..count)
        .map(|i| (i * size, if i + 1 == count { n } else { (i + 1) * size }))
        .collect()
}

/// The centred copy of rows `start..end` of `x`.
fn centred_block(x: MatRef<'_, f64>, mean: &[f64], start: usize, end: usize) -> Mat<f64> {
    Mat::from_fn(end - start, x.ncols(), |i, j| x[(start + i, j)] - mean[j])
}

/// The `R` factor (`l × l`, upper triangular) of a Householder QR of `y`
/// (`m × l`, `m ≥ l`), on the calling thread.
fn qr_r(mut y: Mat<f64>) -> Mat<f64> {
    let (m, l) = (y.nrows(), y.ncols());
    let block = qr::no_pivoting::factor::recommended_block_size::<f64>(m, l);
    let mut coeff = Mat::<f64>::zeros(block, l);
    let scratch = qr::no_pivoting::factor::qr_in_place_scratch::<f64>(
        m,
        l,
        block,
        Par::Seq,
        Default::default(),
    );
    let mut mem = MemBuffer::new(scratch);
    qr::no_pivoting::factor::qr_in_place(
        y.as_mut(),
        coeff.as_mut(),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    );
    Mat::from_fn(l, l, |i, j| if i <= j { y[(i, j)] } else { 0.0 })
}

/// Full solver: exact SVD of the centred `x`.
fn full_svd(x: MatRef<'_, f64>, mean: &[f64]) -> Result<Decomposition> {
    let (n, d) = (x.nrows(), x.ncols());
    let svd = if n >= d {
        // Tall: TSQR of the centred rows (each block centred on the fly), then the SVD
        // of the d × d factor R: same singular values and right vectors as X_c.
        let blocks = row_blocks(n, d);
        let rs: Vec<Mat<f64>> = blocks
            .par_iter()
            .map(|&(s, e)| qr_r(centred_block(x, mean, s, e)))
            .collect();
        let r = if rs.len() == 1 {
            rs.into_iter().next().unwrap_or_else(|| Mat::zeros(d, d))
        } else {
            let mut stacked = Mat::<f64>::zeros(rs.len() * d, d);
            for (b, r) in rs.iter().enumerate() {
                stacked.get_mut(b * d..(b + 1) * d, ..).copy_from(r);
            }
            qr_r(stacked)
        };
        thin_svd_with(r.as_ref(), SignConvention::VBased)?
    } else {
        let xc = centred_copy(x, mean);
        thin_svd_with(xc.as_ref(), SignConvention::VBased)?
    };
    Ok(Decomposition {
        vt: svd.vt,
        s: svd.s,
        eigenvalues: None,
        total_var: 0.0,
        full_spectrum: true,
    })
}

/// Covariance solver: `C = X_cᵀX_c / (n − 1)` by blocks, then its eigendecomposition.
fn covariance_eigh(x: MatRef<'_, f64>, mean: &[f64]) -> Result<Decomposition> {
    let (n, d) = (x.nrows(), x.ncols());
    let blocks = row_blocks(n, 1);
    let partials: Vec<Mat<f64>> = blocks
        .par_iter()
        .map(|&(s, e)| {
            let b = centred_block(x, mean, s, e);
            let mut g = Mat::<f64>::zeros(d, d);
            triangular::matmul(
                g.as_mut(),
                BlockStructure::TriangularLower,
                Accum::Replace,
                b.transpose(),
                BlockStructure::Rectangular,
                b.as_ref(),
                BlockStructure::Rectangular,
                1.0,
                Par::Seq,
            );
            g
        })
        .collect();
    let mut c = Mat::<f64>::zeros(d, d);
    for p in &partials {
        c += p;
    }
    let scale = 1.0 / (n as f64 - 1.0);
    for j in 0..d {
        for i in j..d {
            c[(i, j)] *= scale;
        }
    }
    // eigh_desc reads the lower triangle and makes each vector's largest entry positive
    // (svd_flip with u_based_decision=False).
    let (values, vectors) = eigh_desc(c.as_ref())?;
    let eigenvalues: Vec<f64> = values.iter().map(|&v| v.max(0.0)).collect();
    let s = eigenvalues
        .iter()
        .map(|v| (v * (n as f64 - 1.0)).sqrt())
        .collect();
    Ok(Decomposition {
        vt: vectors.transpose().to_owned(),
        s,
        eigenvalues: Some(eigenvalues),
        total_var: 0.0,
        full_spectrum: true,
    })
}

/// `ln Γ(k / 2)` for an integer `k ≥ 1`, exactly by the recurrences of the gamma
/// function at integers and half-integers.
fn ln_gamma_half(k: usize) -> f64 {
    if k.is_multiple_of(2) {
        // Γ(m) = (m − 1)!
        (1..k / 2).map(|j| (j as f64).ln()).sum()
    } else {
        // Γ(m + 1/2) = √π · Π_{j<m} (j + 1/2)
        0.5 * std::f64::consts::PI.ln() + (0..k / 2).map(|j| (j as f64 + 0.5).ln()).sum::<f64>()
    }
}

/// Minka's log-likelihood of rank `rank` for the spectrum (scikit-learn's
/// `_assess_dimension`).
fn assess_dimension(spectrum: &[f64], rank: usize, n_samples: usize) -> f64 {
    let d = spectrum.len();
    let n = n_samples as f64;
    let eps = 1e-15;
    if spectrum[rank - 1] < eps {
        return f64::NEG_INFINITY;
    }
    let ln2 = 2.0f64.ln();
    let lnpi = std::f64::consts::PI.ln();
    let mut pu = -(rank as f64) * ln2;
    for i in 1..=rank {
        let m = d - i + 1;
        pu += ln_gamma_half(m) - lnpi * m as f64 / 2.0;
    }
    let pl = -spectrum[..rank].iter().map(|v| v.ln()).sum::<f64>() * n / 2.0;
    let v = (spectrum[rank..].iter().sum::<f64>() / (d - rank) as f64).max(eps);
    let pv = -v.ln() * n * (d - rank) as f64 / 2.0;
    let r = rank as f64;
    let m = d as f64 * r - r * (r + 1.0) / 2.0;
    let pp = (2.0 * std::f64::consts::PI).ln() * (m + r) / 2.0;
    let mut pa = 0.0;
    let ln_n = n.ln();
    let tail = |j: usize| if j >= rank { v } else { spectrum[j] };
    for i in 0..rank {
        for j in i + 1..d {
            pa += ((spectrum[i] - spectrum[j]) * (1.0 / tail(j) - 1.0 / tail(i))).ln() + ln_n;
        }
    }
    pu + pl + pv + pp - pa / 2.0 - r * ln_n / 2.0
}

/// The rank in `[1, d − 1]` of largest Minka log-likelihood (0 when every rank is
/// impossible, as scikit-learn's `_infer_dimension`; the caller keeps at least one).
fn infer_dimension(spectrum: &[f64], n_samples: usize) -> usize {
    let mut best = 0;
    let mut best_ll = f64::NEG_INFINITY;
    for rank in 1..spectrum.len() {
        let ll = assess_dimension(spectrum, rank, n_samples);
        // Strict `>`: the first maximum, as argmax.
        if ll > best_ll {
            best_ll = ll;
            best = rank;
        }
    }
    best
}

/// A fitted [`Pca`]: scikit-learn's `PCA` attributes and methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaModel {
    #[serde(with = "ml_core::persist::mat")]
    components: Mat<f64>,
    explained_variance: Vec<f64>,
    explained_variance_ratio: Vec<f64>,
    singular_values: Vec<f64>,
    mean: Vec<f64>,
    noise_variance: f64,
    whiten: bool,
    n_samples: usize,
    solver: PcaSolver,
}

impl Persist for PcaModel {
    const MODEL_NAME: &'static str = "ml_decomp::PcaModel";
}

impl PcaModel {
    /// The principal axes, one per row (`k × d`), by decreasing explained variance
    /// (scikit-learn's `components_`).
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// The variance along each component, `s² / (n − 1)` (`explained_variance_`).
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained_variance
    }

    /// The fraction of the total variance along each component
    /// (`explained_variance_ratio_`).
    pub fn explained_variance_ratio(&self) -> &[f64] {
        &self.explained_variance_ratio
    }

    /// The singular values of the centred data for the kept components
    /// (`singular_values_`).
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
    }

    /// The per-feature mean removed before projecting (`mean_`).
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The probabilistic-PCA noise variance: the mean of the discarded eigenvalues
    /// (0 when every component is kept) (`noise_variance_`).
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// The number of components kept (`n_components_`).
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// The number of samples seen at fit time (`n_samples_`).
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.mean.len()
    }

    /// Whether [`transform`](Self::transform) whitens.
    pub fn whiten(&self) -> bool {
        self.whiten
    }

    /// The solver that produced the fit (the `Auto` rule resolved).
    pub fn solver(&self) -> PcaSolver {
        self.solver
    }

    /// `(x − mean) · componentsᵀ`, divided by `√explained_variance` when whitening.
    fn project(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        project(
            x,
            &self.mean,
            self.components.as_ref(),
            self.whiten.then_some(self.explained_variance.as_slice()),
        )
    }

    /// Projects `x` on the components (scikit-learn's `transform`).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn transform(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(self.project(x))
    }

    /// Maps projections back to the feature space: `z · components + mean` (undoing
    /// the whitening first when it is on).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::ShapeMismatch`] (columns other than
    /// `n_components`) or [`Error::NonFinite`].
    pub fn inverse_transform(&self, z: MatRef<'_, f64>) -> Result<Mat<f64>> {
        validate::non_empty(z, "X")?;
        validate::n_features_eq(z.ncols(), self.n_components())?;
        validate::finite(z)?;
        Ok(inverse_project(
            z,
            &self.mean,
            self.components.as_ref(),
            self.whiten.then_some(self.explained_variance.as_slice()),
        ))
    }

    /// The covariance of the probabilistic-PCA model,
    /// `Wᵀ·diag(λ − σ²)₊·W + σ²·I` (scikit-learn's `get_covariance`, including its
    /// quirk of scaling `W` by `√λ` when `whiten` is on).
    pub fn get_covariance(&self) -> Mat<f64> {
        covariance(
            self.components.as_ref(),
            &self.explained_variance,
            self.noise_variance,
            self.whiten,
        )
    }

    /// The inverse of [`get_covariance`](Self::get_covariance), by the matrix
    /// inversion lemma when the noise variance is positive (`get_precision`).
    ///
    /// # Errors
    /// [`Error::DecompositionFailed`] when the covariance is singular (every component
    /// kept and a zero variance).
    pub fn get_precision(&self) -> Result<Mat<f64>> {
        precision(
            self.components.as_ref(),
            &self.explained_variance,
            self.noise_variance,
            self.whiten,
        )
    }

    /// The Gaussian log-likelihood of every row of `x` under the model
    /// (scikit-learn's `score_samples`).
    ///
    /// # Errors
    /// As [`transform`](Self::transform), plus those of
    /// [`get_precision`](Self::get_precision).
    pub fn score_samples(&self, x: MatRef<'_, f64>) -> Result<Vec<f64>> {
        validate::matrix_with_features(x, self.n_features_in())?;
        let p = self.get_precision()?;
        let d = x.ncols();
        let logdet = log_det_spd(p.as_ref());
        let xr = Mat::from_fn(x.nrows(), d, |i, j| x[(i, j)] - self.mean[j]);
        let mut xp = Mat::<f64>::zeros(x.nrows(), d);
        matmul(
            xp.as_mut(),
            Accum::Replace,
            xr.as_ref(),
            p.as_ref(),
            1.0,
            Par::rayon(0),
        );
        let konst = 0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() - logdet);
        Ok((0..x.nrows())
            .map(|i| {
                let q: f64 = (0..d).map(|j| xr[(i, j)] * xp[(i, j)]).sum();
                -0.5 * q - konst
            })
            .collect())
    }

    /// The mean log-likelihood of the rows of `x` (scikit-learn's `score`).
    ///
    /// # Errors
    /// As [`score_samples`](Self::score_samples).
    pub fn score(&self, x: MatRef<'_, f64>) -> Result<f64> {
        let s = self.score_samples(x)?;
        Ok(s.iter().sum::<f64>() / s.len() as f64)
    }
}

impl Transform for PcaModel {
    fn transform(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        PcaModel::transform(self, x)
    }

    fn n_features_in(&self) -> usize {
        PcaModel::n_features_in(self)
    }
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
    fn ln_gamma_half_matches_known_values() {
        // Γ(1/2) = √π, Γ(1) = 1, Γ(3/2) = √π/2, Γ(5) = 24.
        let lnpi = std::f64::consts::PI.ln();
        assert!((ln_gamma_half(1) - 0.5 * lnpi).abs() < 1e-15);
        assert!(ln_gamma_half(2).abs() < 1e-15);
        assert!((ln_gamma_half(3) - (0.5 * lnpi - 2f64.ln())).abs() < 1e-15);
        assert!((ln_gamma_half(10) - 24f64.ln()).abs() < 1e-14);
    }

    #[test]
    fn auto_rule() {
        let p = Pca::default();
        assert_eq!(p.resolved_solver(10_000, 100), PcaSolver::CovarianceEigh);
        assert_eq!(p.resolved_solver(400, 100), PcaSolver::Full);
        assert_eq!(
            Pca::new(10).resolved_solver(600, 600),
            PcaSolver::Randomized
        );
        assert_eq!(Pca::new(500).resolved_solver(600, 600), PcaSolver::Full);
        assert_eq!(p.resolved_solver(600, 600), PcaSolver::Full);
        assert_eq!(
            Pca::default()
                .n_components(NComponents::Mle)
                .resolved_solver(900, 600),
            PcaSolver::Full
        );
        assert_eq!(
            Pca::default()
                .n_components(NComponents::VarianceFraction(0.5))
                .resolved_solver(900, 600),
            PcaSolver::Full
        );
    }

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
