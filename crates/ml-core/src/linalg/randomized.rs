//! Randomized truncated SVD (Halko, Martinsson & Tropp, 2011), as scikit-learn's
//! `randomized_svd`, over dense matrices and CSR matrices alike.
//!
//! The algorithm only touches the matrix through the products `A · M` and `Aᵀ · M`, so it
//! runs over a small internal operator trait: dense products are sequential faer GEMMs
//! on fixed blocks of rows run in parallel (faer's own parallel GEMM is slow on these
//! tall-skinny shapes, up to 17× for `Aᵀ·Y` in the benches), sparse ones use the
//! parallel kernels of [`crate::sparse`] (`Aᵀ·M` by scattering row blocks, measured
//! 1.6× faster than building `Aᵀ` once and gathering, because the scatter reads `M`
//! in order while the gather jumps through it). The orthonormalisation of the tall
//! sketch is a tall-skinny QR (TSQR) over the same row blocks. Fixed blocks keep the
//! result independent of the thread count.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::linalg::{householder, qr};
use faer::{Accum, Conj, Mat, MatMut, MatRef, Par};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::sync::OnceLock;

use super::decomp::{SignConvention, Svd, svd_flip};
use crate::sparse::{self, Csr, CsrRef};
use crate::{Error, Result, validate};

/// How the power iterations are re-normalised (scikit-learn's
/// `power_iteration_normalizer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PowerIterationNormalizer {
    /// `'auto'`: [`None`](Self::None) when `n_iter <= 2`; otherwise, for blocks of at
    /// most 64 columns, Cholesky QR applied twice (falling back to [`Qr`](Self::Qr) for
    /// a block too ill-conditioned for it), and [`Lu`](Self::Lu) for wider ones.
    /// scikit-learn uses LU throughout; each keeps the span of the block, so the result
    /// is the same up to rounding, and CholQR2 is faster on a tall, narrow block.
    #[default]
    Auto,
    /// Orthonormalise by a thin QR after every product: the most accurate, the slowest.
    Qr,
    /// Replace the block by the permuted unit-lower factor `P·L` of its partial-pivot LU:
    /// keeps the columns well conditioned at a fraction of the cost of QR.
    Lu,
    /// No normalisation: the fastest, unstable for many iterations.
    None,
}

/// Whether the algorithm runs on `Aᵀ` instead of `A` (scikit-learn's `transpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Transpose {
    /// Transpose when `A` has fewer rows than columns.
    #[default]
    Auto,
    /// Always work on `Aᵀ`.
    Always,
    /// Never transpose.
    Never,
}

/// Parameters of a randomized truncated SVD; build with [`RandomizedSvd::new`] and the
/// consuming setters, then call [`compute`](Self::compute) (dense) or
/// [`compute_csr`](Self::compute_csr) (sparse).
///
/// The result is an [`Svd`] with `n_components` singular triplets, signs fixed so that
/// the entry of largest absolute value of each column of `U` is positive (scikit-learn's
/// `flip_sign=True`). The random test matrix is Gaussian, drawn from
/// [`crate::rng::seeded`]`(seed)`: the same seed gives the same result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomizedSvd {
    n_components: usize,
    n_oversamples: usize,
    n_iter: Option<usize>,
    normalizer: PowerIterationNormalizer,
    transpose: Transpose,
    flip_sign: bool,
    seed: u64,
}

impl RandomizedSvd {
    /// A randomized SVD keeping `n_components` singular triplets, with scikit-learn's
    /// defaults for everything else.
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components,
            n_oversamples: 10,
            n_iter: None,
            normalizer: PowerIterationNormalizer::Auto,
            transpose: Transpose::Auto,
            flip_sign: true,
            seed: 0,
        }
    }

    /// Extra random vectors beyond `n_components` (the sketch has
    /// `n_components + n_oversamples` columns, at most `min(m, n)`). Default: 10.
    pub fn n_oversamples(mut self, n_oversamples: usize) -> Self {
        self.n_oversamples = n_oversamples;
        self
    }

    /// Number of power iterations. Default: auto, which is 7 when
    /// `n_components < 0.1 · min(m, n)` and 4 otherwise. At most
    /// [`MAX_POWER_ITERATIONS`] (1000; scikit-learn has no bound).
    pub fn n_iter(mut self, n_iter: usize) -> Self {
        self.n_iter = Some(n_iter);
        self
    }

    /// Normalisation between power iterations. Default: [`PowerIterationNormalizer::Auto`].
    pub fn power_iteration_normalizer(mut self, normalizer: PowerIterationNormalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    /// Whether to work on `Aᵀ`. Default: [`Transpose::Auto`].
    pub fn transpose(mut self, transpose: Transpose) -> Self {
        self.transpose = transpose;
        self
    }

    /// Whether to fix the signs of the singular vectors (u-based `svd_flip`).
    /// Default: true.
    pub fn flip_sign(mut self, flip_sign: bool) -> Self {
        self.flip_sign = flip_sign;
        self
    }

    /// Seed of the Gaussian test matrix. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of power iterations used for an `m × n` matrix.
    pub fn effective_n_iter(&self, m: usize, n: usize) -> usize {
        self.n_iter.unwrap_or_else(|| {
            if (self.n_components as f64) < 0.1 * (m.min(n) as f64) {
                7
            } else {
                4
            }
        })
    }

    /// Randomized SVD of a dense matrix `a` (`m × n`).
    ///
    /// # Errors
    /// [`Error::EmptyInput`] or [`Error::NonFinite`]; [`Error::InvalidParameter`] when
    /// `n_components` is 0 or above `min(m, n)`; [`Error::DecompositionFailed`] if the
    /// small dense SVD does not converge.
    pub fn compute(&self, a: MatRef<'_, f64>) -> Result<Svd> {
        validate::matrix(a)?;
        self.check(a.nrows(), a.ncols())?;
        self.run(&DenseOp(a), None)
    }

    /// Randomized SVD of a CSR matrix `a` (`m × n`), never densified.
    ///
    /// # Errors
    /// As [`compute`](Self::compute).
    pub fn compute_csr(&self, a: CsrRef<'_>) -> Result<Svd> {
        sparse::validate(a)?;
        self.check(a.nrows(), a.ncols())?;
        self.run(&SparseOp::new(a), None)
    }

    /// Randomized SVD of a dense `a` with a given test matrix `omega` instead of a
    /// random one: `omega` has one row per column of the matrix the algorithm works on
    /// (`n` rows, or `m` when it transposes) and `n_components + n_oversamples` columns
    /// (capped at `min(m, n)`). Feeding scikit-learn's own draws
    /// (`RandomState(seed).normal(size=...)`) reproduces its `randomized_svd` output.
    ///
    /// # Errors
    /// As [`compute`](Self::compute), plus [`Error::ShapeMismatch`] for a badly shaped
    /// `omega` and [`Error::NonFinite`] for a non-finite one.
    pub fn compute_with_test_matrix(
        &self,
        a: MatRef<'_, f64>,
        omega: MatRef<'_, f64>,
    ) -> Result<Svd> {
        validate::matrix(a)?;
        self.check(a.nrows(), a.ncols())?;
        validate::finite(omega)?;
        let inner = if self.transposes(a.nrows(), a.ncols()) {
            a.nrows()
        } else {
            a.ncols()
        };
        let l = self.sketch_size(a.nrows(), a.ncols());
        if omega.nrows() != inner {
            return Err(Error::ShapeMismatch {
                what: "rows of the test matrix",
                expected: inner,
                got: omega.nrows(),
            });
        }
        if omega.ncols() != l {
            return Err(Error::ShapeMismatch {
                what: "columns of the test matrix",
                expected: l,
                got: omega.ncols(),
            });
        }
        self.run(&DenseOp(a), Some(omega))
    }

    fn check(&self, m: usize, n: usize) -> Result<()> {
        validate::at_least("n_components", self.n_components, 1, "at least 1")?;
        if self.n_components > m.min(n) {
            return Err(Error::invalid_parameter(
                "n_components",
                self.n_components,
                "at most min(n_samples, n_features)",
            ));
        }
        Ok(())
    }

    fn transposes(&self, m: usize, n: usize) -> bool {
        match self.transpose {
            Transpose::Auto => m < n,
            Transpose::Always => true,
            Transpose::Never => false,
        }
    }

    /// Columns of the sketch: more than `min(m, n)` adds nothing to the range found.
    fn sketch_size(&self, m: usize, n: usize) -> usize {
        self.n_components
            .saturating_add(self.n_oversamples)
            .min(m.min(n))
    }

    fn run<O: LinearOperator>(&self, op: &O, omega: Option<MatRef<'_, f64>>) -> Result<Svd> {
        let (m, n) = (op.nrows(), op.ncols());
        let n_iter = self.effective_n_iter(m, n);
        crate::validate::at_most(
            "n_iter",
            n_iter,
            MAX_POWER_ITERATIONS,
            "at most 1000 power iterations",
        )?;
        if self.transposes(m, n) {
            let t = TransposedOp(op);
            let svd = self.run_on(&t, n_iter, omega, SignConvention::VBased)?;
            // A = (Aᵀ)ᵀ = V S Uᵀ: swap and transpose the factors.
            Ok(Svd {
                u: svd.vt.transpose().to_owned(),
                s: svd.s,
                vt: svd.u.transpose().to_owned(),
            })
        } else {
            self.run_on(op, n_iter, omega, SignConvention::UBased)
        }
    }

    /// The algorithm on `b` (`m × n`); `convention` is the flip that fixes the signs
    /// of the *original* matrix's `U`.
    fn run_on<O: LinearOperator>(
        &self,
        b: &O,
        n_iter: usize,
        omega: Option<MatRef<'_, f64>>,
        convention: SignConvention,
    ) -> Result<Svd> {
        let (m, n) = (b.nrows(), b.ncols());
        let l = self.sketch_size(m, n);
        let k = self.n_components;
        let mut q = match omega {
            Some(o) => o.to_owned(),
            None => gaussian(n, l, self.seed),
        };
        let normalizer = match self.normalizer {
            PowerIterationNormalizer::Auto if n_iter <= 2 => PowerIterationNormalizer::None,
            other => other,
        };
        for _ in 0..n_iter {
            q = normalize(b.apply(q.as_ref()), normalizer);
            q = normalize(b.apply_transpose(q.as_ref()), normalizer);
        }
        let q = thin_q(b.apply(q.as_ref()));
        // Bᵀ·Q = (Qᵀ·B)ᵀ: the small l × n projection, held transposed.
        let bt_q = b.apply_transpose(q.as_ref());
        let small = bt_q
            .transpose()
            .thin_svd()
            .map_err(|_| Error::DecompositionFailed { what: "SVD" })?;
        let mut u = Mat::<f64>::zeros(m, small.U().ncols());
        matmul(
            u.as_mut(),
            Accum::Replace,
            q.as_ref(),
            small.U(),
            1.0,
            Par::rayon(0),
        );
        let mut vt = small.V().transpose().to_owned();
        if self.flip_sign {
            svd_flip(u.as_mut(), vt.as_mut(), convention)?;
        }
        let s: Vec<f64> = small.S().column_vector().iter().take(k).copied().collect();
        Ok(Svd {
            u: u.get(.., ..k).to_owned(),
            s,
            vt: vt.get(..k, ..).to_owned(),
        })
    }
}

/// An `n × l` standard Gaussian matrix, drawn in row-major order (as NumPy's
/// `normal(size=(n, l))`).
fn gaussian(n: usize, l: usize, seed: u64) -> Mat<f64> {
    let mut rng = crate::rng::seeded(seed);
    let draws: Vec<f64> = (0..n * l)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    Mat::from_fn(n, l, |i, j| draws[i * l + j])
}

/// The most power iterations [`RandomizedSvd::n_iter`] accepts: each is two passes
/// over the matrix, and a few already converge the subspace (scikit-learn uses 4 to 7),
/// so a larger count is a mistake that would run for hours, not a wish for accuracy.
pub const MAX_POWER_ITERATIONS: usize = 1000;

/// Rows per block of the dense products and of the TSQR: large enough for GEMM
/// efficiency, small enough to give both cores work on 10⁴-row inputs.
const ROW_BLOCK: usize = 4096;

/// Fixed row blocks `[start, end)` of an `m`-row matrix, each at least `min_rows` long
/// (the remainder joins the last block), at most 64 of them.
fn row_blocks(m: usize, min_rows: usize) -> Vec<(usize, usize)> {
    crate::kernels::row_blocks(m, ROW_BLOCK.max(m.div_ceil(64)).max(min_rows))
}

/// Splits `out` into the disjoint row blocks `blocks` (which tile its rows in order).
fn split_rows<'a>(out: MatMut<'a, f64>, blocks: &[(usize, usize)]) -> Vec<MatMut<'a, f64>> {
    let mut parts = Vec::with_capacity(blocks.len());
    let mut rest = out;
    for &(start, end) in blocks {
        let (head, tail) = rest.split_at_row_mut(end - start);
        parts.push(head);
        rest = tail;
    }
    parts
}

/// Thin Householder QR of a tall `y` (`m ≥ l`) on the calling thread: `(Q, R)`.
fn householder_qr_seq(y: MatRef<'_, f64>) -> (Mat<f64>, Mat<f64>) {
    let (m, l) = (y.nrows(), y.ncols());
    let mut factors = y.to_owned();
    let block = qr::no_pivoting::factor::recommended_block_size::<f64>(m, l);
    let mut coeff = Mat::<f64>::zeros(block, l);
    let scratch = qr::no_pivoting::factor::qr_in_place_scratch::<f64>(
        m,
        l,
        block,
        Par::Seq,
        Default::default(),
    )
    .or(
        householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(
            m, block, l,
        ),
    );
    let mut mem = MemBuffer::new(scratch);
    qr::no_pivoting::factor::qr_in_place(
        factors.as_mut(),
        coeff.as_mut(),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    );
    let r = Mat::from_fn(l, l, |i, j| if i <= j { factors[(i, j)] } else { 0.0 });
    // The Householder vectors sit below the diagonal with an implicit unit diagonal.
    let basis = Mat::from_fn(m, l, |i, j| match i.cmp(&j) {
        std::cmp::Ordering::Less => 0.0,
        std::cmp::Ordering::Equal => 1.0,
        std::cmp::Ordering::Greater => factors[(i, j)],
    });
    let mut q = Mat::<f64>::identity(m, l);
    householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
        basis.as_ref(),
        coeff.as_ref(),
        Conj::No,
        q.as_mut(),
        Par::Seq,
        MemStack::new(&mut mem),
    );
    (q, r)
}

/// An orthonormal basis of the columns of a tall `y` (`m × l`, `m ≥ l`) by TSQR: a
/// Householder QR per fixed row block in parallel, one QR of the stacked `R` factors,
/// and the products that combine them. As stable as one Householder QR.
fn thin_q(y: Mat<f64>) -> Mat<f64> {
    let (m, l) = (y.nrows(), y.ncols());
    let blocks = row_blocks(m, l);
    if blocks.len() == 1 {
        return householder_qr_seq(y.as_ref()).0;
    }
    let locals: Vec<(Mat<f64>, Mat<f64>)> = blocks
        .par_iter()
        .map(|&(start, end)| householder_qr_seq(y.get(start..end, ..)))
        .collect();
    let mut stacked = Mat::<f64>::zeros(blocks.len() * l, l);
    for (b, (_, r)) in locals.iter().enumerate() {
        stacked.get_mut(b * l..(b + 1) * l, ..).copy_from(r);
    }
    let (q_top, _) = householder_qr_seq(stacked.as_ref());
    let mut q = Mat::<f64>::zeros(m, l);
    split_rows(q.as_mut(), &blocks)
        .into_par_iter()
        .zip(locals.par_iter())
        .enumerate()
        .for_each(|(b, (out, (q_local, _)))| {
            matmul(
                out,
                Accum::Replace,
                q_local.as_ref(),
                q_top.get(b * l..(b + 1) * l, ..),
                1.0,
                Par::Seq,
            );
        });
    q
}

/// Widest block that `'auto'` normalises by Cholesky QR rather than LU: on a narrow
/// block LU's column-by-column sweeps over the tall block dominate (100 000 × 20:
/// CholQR2 1.6× faster), on a wider one faer's blocked LU wins (8 713 × 110 from the
/// SMS TF-IDF: LU 1.17× faster).
const CHOLESKY_QR_MAX_COLUMNS: usize = 64;

/// One Cholesky QR of a tall `y` in place: `Y ← Y·R⁻¹` with `RᵀR = YᵀY`, from one
/// Gram product over row blocks in parallel, an `l × l` Cholesky and a triangular solve
/// per row block. A couple of cache-friendly sweeps, where an LU or Householder QR
/// walks the tall block column by column (10× slower on 100 000 × 20). The Gram matrix
/// squares the condition number, so a second pass restores orthogonality (CholQR2);
/// returns `false`, leaving `y` untouched, when `y` is too ill-conditioned for that
/// (a pivot ratio below 1e-7, i.e. κ(Y) above about 1e7).
fn cholesky_qr_in_place(y: &mut Mat<f64>) -> bool {
    let (m, l) = (y.nrows(), y.ncols());
    let blocks = row_blocks(m, 1);
    let partials: Vec<Mat<f64>> = blocks
        .par_iter()
        .map(|&(start, end)| {
            let b = y.get(start..end, ..);
            let mut g = Mat::<f64>::zeros(l, l);
            matmul(g.as_mut(), Accum::Replace, b.transpose(), b, 1.0, Par::Seq);
            g
        })
        .collect();
    // Summed in block order, so the result does not depend on the thread count.
    let mut gram = Mat::<f64>::zeros(l, l);
    for g in &partials {
        gram += g;
    }
    let Ok(llt) = gram.llt(faer::Side::Lower) else {
        return false;
    };
    let lower = llt.L();
    let diag: Vec<f64> = (0..l).map(|i| lower[(i, i)]).collect();
    let largest = diag.iter().fold(0.0f64, |a, &v| a.max(v));
    if !diag.iter().all(|&v| v.is_finite() && v > 1e-7 * largest) {
        return false;
    }
    // (Y_b·L⁻ᵀ)ᵀ = L⁻¹·Y_bᵀ for every row block.
    split_rows(y.as_mut(), &blocks)
        .into_par_iter()
        .for_each(|block| {
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(
                lower,
                block.transpose_mut(),
                Par::Seq,
            );
        });
    true
}

fn normalize(mut y: Mat<f64>, normalizer: PowerIterationNormalizer) -> Mat<f64> {
    match normalizer {
        PowerIterationNormalizer::Auto if y.ncols() > CHOLESKY_QR_MAX_COLUMNS => {
            normalize(y, PowerIterationNormalizer::Lu)
        }
        PowerIterationNormalizer::Auto => {
            if cholesky_qr_in_place(&mut y) && cholesky_qr_in_place(&mut y) {
                y
            } else {
                thin_q(y)
            }
        }
        PowerIterationNormalizer::Qr => thin_q(y),
        PowerIterationNormalizer::Lu => {
            let lu = y.partial_piv_lu();
            // Y = P⁻¹ L U, so P⁻¹ L spans the columns of Y with unit-diagonal pivots.
            let l = lu.L();
            let mut out = Mat::<f64>::zeros(l.nrows(), l.ncols());
            faer::perm::permute_rows(out.as_mut(), l, lu.P().inverse());
            out
        }
        PowerIterationNormalizer::None => y,
    }
}

/// A linear operator known only through its products with dense blocks.
trait LinearOperator: Sync {
    fn nrows(&self) -> usize;
    fn ncols(&self) -> usize;
    /// `A · M`.
    fn apply(&self, m: MatRef<'_, f64>) -> Mat<f64>;
    /// `Aᵀ · M`.
    fn apply_transpose(&self, m: MatRef<'_, f64>) -> Mat<f64>;
}

struct DenseOp<'a>(MatRef<'a, f64>);

impl LinearOperator for DenseOp<'_> {
    fn nrows(&self) -> usize {
        self.0.nrows()
    }
    fn ncols(&self) -> usize {
        self.0.ncols()
    }
    fn apply(&self, m: MatRef<'_, f64>) -> Mat<f64> {
        let a = self.0;
        let blocks = row_blocks(a.nrows(), 1);
        let mut out = Mat::<f64>::zeros(a.nrows(), m.ncols());
        split_rows(out.as_mut(), &blocks)
            .into_par_iter()
            .zip(blocks.par_iter())
            .for_each(|(dst, &(start, end))| {
                matmul(dst, Accum::Replace, a.get(start..end, ..), m, 1.0, Par::Seq);
            });
        out
    }
    fn apply_transpose(&self, m: MatRef<'_, f64>) -> Mat<f64> {
        // Aᵀ·M = Σ_blocks A_bᵀ·M_b: one partial product per fixed block, summed in order.
        let a = self.0;
        let blocks = row_blocks(a.nrows(), 1);
        let partials: Vec<Mat<f64>> = blocks
            .par_iter()
            .map(|&(start, end)| {
                let mut part = Mat::<f64>::zeros(a.ncols(), m.ncols());
                matmul(
                    part.as_mut(),
                    Accum::Replace,
                    a.get(start..end, ..).transpose(),
                    m.get(start..end, ..),
                    1.0,
                    Par::Seq,
                );
                part
            })
            .collect();
        let mut parts = partials.into_iter();
        let mut total = parts
            .next()
            .unwrap_or_else(|| Mat::zeros(a.ncols(), m.ncols()));
        for p in parts {
            total += p;
        }
        total
    }
}

/// A CSR matrix as an operator. `Aᵀ · M` is a gather over `Aᵀ`, formed once on first
/// use (by [`sparse::transpose_unchecked`]) and reused by every later product of the
/// run: a power iteration multiplies by `Aᵀ` `n_iter + 1` times, and gathering is
/// several times faster than scattering `A` into per-block partial sums. The price is a
/// second copy of `A` (16 bytes a stored entry) for the length of the run; above
/// [`sparse::TRANSPOSE_MAX_NNZ`] stored entries the copy is not made and `Aᵀ · M`
/// scatters instead.
struct SparseOp<'a> {
    a: CsrRef<'a>,
    at: OnceLock<Csr>,
}

impl<'a> SparseOp<'a> {
    fn new(a: CsrRef<'a>) -> Self {
        Self {
            a,
            at: OnceLock::new(),
        }
    }
}

impl LinearOperator for SparseOp<'_> {
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn apply(&self, m: MatRef<'_, f64>) -> Mat<f64> {
        sparse::times_dense_unchecked(self.a, m)
    }
    fn apply_transpose(&self, m: MatRef<'_, f64>) -> Mat<f64> {
        if self.a.compute_nnz() > sparse::TRANSPOSE_MAX_NNZ {
            return sparse::scatter_transpose_times_dense(self.a, m);
        }
        let at = self.at.get_or_init(|| sparse::transpose_unchecked(self.a));
        sparse::times_dense_unchecked(at.as_ref(), m)
    }
}

struct TransposedOp<'a, O>(&'a O);

impl<O: LinearOperator> LinearOperator for TransposedOp<'_, O> {
    fn nrows(&self) -> usize {
        self.0.ncols()
    }
    fn ncols(&self) -> usize {
        self.0.nrows()
    }
    fn apply(&self, m: MatRef<'_, f64>) -> Mat<f64> {
        self.0.apply_transpose(m)
    }
    fn apply_transpose(&self, m: MatRef<'_, f64>) -> Mat<f64> {
        self.0.apply(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_qr2_orthonormalises_and_refuses_ill_conditioned_blocks() {
        // Several row blocks, columns of very different scales: an orthonormal basis
        // of the same span after two passes.
        let mut y = gaussian(10_000, 6, 3);
        for j in 0..6 {
            y.col_mut(j)
                .iter_mut()
                .for_each(|v| *v *= 10f64.powi(j as i32));
        }
        let original = y.clone();
        assert!(cholesky_qr_in_place(&mut y) && cholesky_qr_in_place(&mut y));
        let qtq = y.transpose() * &y;
        for a in 0..6 {
            for b in 0..6 {
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((qtq[(a, b)] - want).abs() < 1e-12);
            }
        }
        // The span is kept: projecting the original columns on Q loses nothing.
        let residual = &original - &y * (y.transpose() * &original);
        assert!(residual.norm_max() < 1e-9 * original.norm_max());
        // Two nearly parallel columns: refused, and left as they were.
        let mut bad = gaussian(500, 3, 4);
        for i in 0..500 {
            bad[(i, 2)] = bad[(i, 1)] * (1.0 + 1e-10 * i as f64);
        }
        let before = bad.clone();
        assert!(!cholesky_qr_in_place(&mut bad));
        assert_eq!(bad, before);
    }

    fn low_rank(m: usize, n: usize, r: usize) -> Mat<f64> {
        let g1 = gaussian(m, r, 1);
        let g2 = gaussian(r, n, 2);
        let mut scaled = g1.clone();
        for j in 0..r {
            let w = 10.0 / (j + 1) as f64;
            scaled.col_mut(j).iter_mut().for_each(|x| *x *= w);
        }
        &scaled * &g2
    }

    #[test]
    fn recovers_exact_low_rank() {
        for &(m, n) in &[(60usize, 25usize), (25, 60)] {
            let a = low_rank(m, n, 4);
            let exact = super::super::decomp::thin_svd(a.as_ref()).unwrap();
            let r = RandomizedSvd::new(4).seed(3).compute(a.as_ref()).unwrap();
            for i in 0..4 {
                assert!((r.s[i] - exact.s[i]).abs() <= 1e-9 * exact.s[i]);
            }
            // Same sign convention as the exact SVD: the vectors agree, not just span.
            for j in 0..4 {
                for i in 0..m {
                    assert!((r.u[(i, j)] - exact.u[(i, j)]).abs() < 1e-8);
                }
            }
        }
    }

    #[test]
    fn parameters_are_checked() {
        let a = Mat::<f64>::identity(5, 3);
        assert!(matches!(
            RandomizedSvd::new(0).compute(a.as_ref()),
            Err(Error::InvalidParameter {
                name: "n_components",
                ..
            })
        ));
        assert!(matches!(
            RandomizedSvd::new(4).compute(a.as_ref()),
            Err(Error::InvalidParameter {
                name: "n_components",
                ..
            })
        ));
        assert_eq!(RandomizedSvd::new(1).effective_n_iter(100, 100), 7);
        assert_eq!(RandomizedSvd::new(10).effective_n_iter(100, 100), 4);
    }
}
