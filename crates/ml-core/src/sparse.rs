//! Compressed sparse row (CSR) conventions over faer's sparse types, and the products
//! and row/column reductions that the families need on them.
//!
//! Sparse inputs (text features above all) are `faer::sparse::SparseRowMat<usize, f64>`:
//! one row per sample, column indices sorted within a row, no duplicates. The products
//! here ([`csr_times_dense`], [`csr_transpose_times_dense`]) run in parallel over fixed
//! row blocks, so their results do not depend on the number of threads.

use faer::sparse::{SparseRowMat, SparseRowMatRef, SymbolicSparseRowMat};
use faer::{Mat, MatRef};
use rayon::prelude::*;

use crate::{Error, Result, validate};

/// An owned CSR matrix of `f64` with `usize` indices.
pub type Csr = SparseRowMat<usize, f64>;

/// A borrowed CSR matrix of `f64` with `usize` indices.
pub type CsrRef<'a> = SparseRowMatRef<'a, usize, f64>;

/// Rows per parallel task in the sparse products. Fixed (not derived from the thread
/// count) so that results are identical on any number of threads.
const ROW_BLOCK: usize = 256;

/// Checks that a CSR matrix is usable as input: non-empty, finite stored values.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`] (as [`validate::csr`]).
pub fn validate(a: CsrRef<'_>) -> Result<()> {
    validate::csr(a)
}

/// Builds a CSR matrix from `(row, col, value)` triplets, in any order.
///
/// Duplicate `(row, col)` entries are summed (as scipy's COO → CSR conversion does);
/// explicit zeros are kept. Column indices come out sorted within each row.
///
/// # Errors
/// [`Error::InvalidData`] naming the first triplet whose index is outside the shape,
/// [`Error::NonFinite`] (at the offending row and column) for a NaN or infinite value,
/// [`Error::AllocationFailed`] when the row pointers (`nrows + 1`, twice) do not fit in
/// memory.
pub fn csr_from_triplets(
    nrows: usize,
    ncols: usize,
    triplets: &[(usize, usize, f64)],
) -> Result<Csr> {
    for (k, &(row, col, value)) in triplets.iter().enumerate() {
        if row >= nrows || col >= ncols {
            return Err(Error::InvalidData {
                what: "triplets",
                location: format!("entry {k}"),
                reason: format!("index ({row}, {col}) is outside the {nrows} x {ncols} shape"),
            });
        }
        if !value.is_finite() {
            return Err(Error::NonFinite { row, col, value });
        }
    }
    validate::allocatable::<usize>("row pointers", nrows.saturating_add(1).saturating_mul(3))?;
    // Counting sort by row, then a sort by column inside each row: O(nnz log(row nnz)).
    let mut row_ptr = vec![0usize; nrows + 1];
    for &(row, _, _) in triplets {
        row_ptr[row + 1] += 1;
    }
    for i in 0..nrows {
        row_ptr[i + 1] += row_ptr[i];
    }
    let mut next = row_ptr.clone();
    let mut entries = vec![(0usize, 0.0f64); triplets.len()];
    for &(row, col, value) in triplets {
        entries[next[row]] = (col, value);
        next[row] += 1;
    }
    let mut out_ptr = Vec::with_capacity(nrows + 1);
    let mut col_idx = Vec::with_capacity(triplets.len());
    let mut values = Vec::with_capacity(triplets.len());
    out_ptr.push(0);
    for i in 0..nrows {
        let row = &mut entries[row_ptr[i]..row_ptr[i + 1]];
        // Stable, so duplicates are summed in input order.
        row.sort_by_key(|&(col, _)| col);
        for &(col, value) in row.iter() {
            if col_idx.len() > out_ptr[i] && col_idx.last() == Some(&col) {
                *values.last_mut().expect("a value per index") += value;
            } else {
                col_idx.push(col);
                values.push(value);
            }
        }
        out_ptr.push(col_idx.len());
    }
    let symbolic = SymbolicSparseRowMat::new_checked(nrows, ncols, out_ptr, None, col_idx);
    Ok(SparseRowMat::new(symbolic, values))
}

/// Builds a CSR matrix from a dense one, keeping the non-zero entries.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn csr_from_dense(x: MatRef<'_, f64>) -> Result<Csr> {
    validate::matrix(x)?;
    let mut row_ptr = Vec::with_capacity(x.nrows() + 1);
    let mut col_idx = Vec::new();
    let mut values = Vec::new();
    row_ptr.push(0);
    for i in 0..x.nrows() {
        for j in 0..x.ncols() {
            let v = x[(i, j)];
            if v != 0.0 {
                col_idx.push(j);
                values.push(v);
            }
        }
        row_ptr.push(col_idx.len());
    }
    let symbolic = SymbolicSparseRowMat::new_checked(x.nrows(), x.ncols(), row_ptr, None, col_idx);
    Ok(SparseRowMat::new(symbolic, values))
}

/// The transpose of `a`, as a new CSR matrix (the CSC layout of `a`).
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn csr_transpose(a: CsrRef<'_>) -> Result<Csr> {
    validate(a)?;
    Ok(transpose_unchecked(a))
}

/// `A · B` for sparse `A` (m × n) and dense `B` (n × k), as a dense m × k matrix.
///
/// Parallel over fixed blocks of rows of `A`; each output row is a sum over the stored
/// entries of one row of `A`, in storage order, so the result is independent of the
/// thread count.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`] (in `A` or `B`), or
/// [`Error::ShapeMismatch`] when `B` does not have `A.ncols()` rows.
pub fn csr_times_dense(a: CsrRef<'_>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
    validate(a)?;
    validate::non_empty(b, "B")?;
    validate::finite(b)?;
    if b.nrows() != a.ncols() {
        return Err(Error::ShapeMismatch {
            what: "rows of B (columns of A)",
            expected: a.ncols(),
            got: b.nrows(),
        });
    }
    Ok(times_dense_unchecked(a, b))
}

/// `Aᵀ · B` for sparse `A` (m × n) and dense `B` (m × k), as a dense n × k matrix.
///
/// Up to [`TRANSPOSE_MAX_NNZ`] stored entries, `Aᵀ` is formed (a temporary copy of
/// `A`) and multiplied as in [`csr_times_dense`]; above it, each fixed block of rows of
/// `A` scatters into its own n × k partial sum and the partial sums are added in block
/// order. Either way the result is independent of the thread count. When the same `A`
/// is multiplied many times (as in randomized SVD), building [`csr_transpose`] once and
/// using [`csr_times_dense`] saves the repeated transposition.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`] (in `A` or `B`), or
/// [`Error::ShapeMismatch`] when `B` does not have `A.nrows()` rows.
pub fn csr_transpose_times_dense(a: CsrRef<'_>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
    validate(a)?;
    validate::non_empty(b, "B")?;
    validate::finite(b)?;
    if b.nrows() != a.nrows() {
        return Err(Error::ShapeMismatch {
            what: "rows of B (rows of A)",
            expected: a.nrows(),
            got: b.nrows(),
        });
    }
    Ok(transpose_times_dense_unchecked(a, b))
}

/// The squared Euclidean norm of every row of `a`.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn row_squared_norms(a: CsrRef<'_>) -> Result<Vec<f64>> {
    validate(a)?;
    Ok((0..a.nrows())
        .map(|i| a.val_of_row(i).iter().map(|v| v * v).sum())
        .collect())
}

/// The sum of every column of `a` (scikit-learn's `X.sum(axis=0)`).
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn column_sums(a: CsrRef<'_>) -> Result<Vec<f64>> {
    validate(a)?;
    let mut sums = vec![0.0; a.ncols()];
    for i in 0..a.nrows() {
        for (&j, &v) in a.col_idx_of_row_raw(i).iter().zip(a.val_of_row(i)) {
            sums[j] += v;
        }
    }
    Ok(sums)
}

/// The sum of every row of `a` (scikit-learn's `X.sum(axis=1)`).
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn row_sums(a: CsrRef<'_>) -> Result<Vec<f64>> {
    validate(a)?;
    Ok((0..a.nrows())
        .map(|i| a.val_of_row(i).iter().sum())
        .collect())
}

/// Multiplies row `i` of `a` by `factors[i]`, in place.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`] for `a`; [`Error::ShapeMismatch`] when
/// `factors` does not have one entry per row; [`Error::NonFinite`] (column 0) for a
/// non-finite factor.
pub fn scale_rows(a: &mut Csr, factors: &[f64]) -> Result<()> {
    validate(a.as_ref())?;
    if factors.len() != a.nrows() {
        return Err(Error::ShapeMismatch {
            what: "number of row factors",
            expected: a.nrows(),
            got: factors.len(),
        });
    }
    validate::finite_slice(factors)?;
    for (i, &f) in factors.iter().enumerate() {
        for v in a.val_of_row_mut(i) {
            *v *= f;
        }
    }
    Ok(())
}

/// Scales every row of `a` to unit Euclidean norm, in place (scikit-learn's
/// `normalize(X, norm="l2")`); rows of norm zero are left as they are.
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn normalize_rows_l2(a: &mut Csr) -> Result<()> {
    let norms = row_squared_norms(a.as_ref())?;
    let factors: Vec<f64> = norms
        .iter()
        .map(|&n2| if n2 > 0.0 { 1.0 / n2.sqrt() } else { 1.0 })
        .collect();
    scale_rows(a, &factors)
}

/// A copy of `a` with every stored value multiplied by `factor`.
pub fn csr_scaled(a: CsrRef<'_>, factor: f64) -> Csr {
    let all: Vec<usize> = (0..a.nrows()).collect();
    let mut copy = select_rows(a, &all);
    for v in copy.val_mut() {
        *v *= factor;
    }
    copy
}

/// The rows of `a` at `indices` (each `< a.nrows()`, repeats allowed), in that order.
pub(crate) fn select_rows(a: CsrRef<'_>, indices: &[usize]) -> Csr {
    let nnz: usize = indices.iter().map(|&i| a.col_idx_of_row_raw(i).len()).sum();
    let mut ptr = Vec::with_capacity(indices.len() + 1);
    let mut idx = Vec::with_capacity(nnz);
    let mut val = Vec::with_capacity(nnz);
    ptr.push(0);
    for &i in indices {
        idx.extend_from_slice(a.col_idx_of_row_raw(i));
        val.extend_from_slice(a.val_of_row(i));
        ptr.push(idx.len());
    }
    let symbolic = SymbolicSparseRowMat::new_checked(indices.len(), a.ncols(), ptr, None, idx);
    SparseRowMat::new(symbolic, val)
}

/// The transpose of `a` as CSR, by a counting sort over columns (O(nnz + n)); column
/// indices of the result come out sorted because rows of `a` are visited in order.
pub(crate) fn transpose_unchecked(a: CsrRef<'_>) -> Csr {
    let (m, n) = (a.nrows(), a.ncols());
    let mut ptr = vec![0usize; n + 1];
    for i in 0..m {
        for &j in a.col_idx_of_row_raw(i) {
            ptr[j + 1] += 1;
        }
    }
    for j in 0..n {
        ptr[j + 1] += ptr[j];
    }
    let nnz = ptr[n];
    let mut next = ptr.clone();
    let mut idx = vec![0usize; nnz];
    let mut val = vec![0.0f64; nnz];
    for i in 0..m {
        for (&j, &v) in a.col_idx_of_row_raw(i).iter().zip(a.val_of_row(i)) {
            idx[next[j]] = i;
            val[next[j]] = v;
            next[j] += 1;
        }
    }
    let symbolic = SymbolicSparseRowMat::new_checked(n, m, ptr, None, idx);
    SparseRowMat::new(symbolic, val)
}

/// Widest column panel of `B` in the gather of [`times_dense_unchecked`] (see
/// [`panel_width`]).
const PANEL: usize = 32;

/// The number of columns of an `n`-row `B` that one gather pass of
/// [`times_dense_unchecked`] handles. The rows of `B` that the stored entries of `A`
/// pick are random accesses, so the row-major panel is kept small enough to stay in
/// cache: up to [`PANEL`] columns while the panel fits in half a 1 MiB L2 cache,
/// else 8 columns (one cache line a row) while those fit in 4 MiB, else 4. Measured on
/// a busy 2-core EPYC, one product of a 20 000 × 50 000 CSR matrix at 1% with a
/// 110-column `B`: 3.4 s with 32-column panels, 1.9 s with 12, 0.8 s with 8; with
/// 100 000 rows in `B`, 4.2 s with 16, 2.1 s with 8, 1.2 s with 4. The price of a
/// narrow panel is one more sequential read of `A` per panel.
fn panel_width(n: usize) -> usize {
    const L2_HALF: usize = 512 << 10;
    const LINE_PANEL_MAX: usize = 4 << 20;
    let bytes_per_col = n.max(1) * std::mem::size_of::<f64>();
    if bytes_per_col * 8 > LINE_PANEL_MAX {
        4
    } else {
        (L2_HALF / bytes_per_col / 4 * 4).clamp(8, PANEL)
    }
}

/// Stored entries up to which [`csr_transpose_times_dense`] (and randomized SVD)
/// forms `Aᵀ` (a second copy of `A`, 16 bytes an entry: 2 GiB at this bound) and
/// gathers with it, which is several times faster than scattering; above it, `Aᵀ · B`
/// scatters into per-block partial sums instead (8 dense `ncols(A) × k`
/// accumulators, but no copy of `A`).
pub const TRANSPOSE_MAX_NNZ: usize = 1 << 27;

/// `A · B` without validation (shapes must agree).
///
/// `B` goes in column panels of [`panel_width`] columns, each copied row-major (and
/// zero-padded to a multiple of 4 columns); for every panel, fixed blocks of
/// [`ROW_BLOCK`] rows of `A` are gathered in parallel and written straight into the
/// column-major result. Every output entry is the sum over the stored entries of its
/// row of `A` in storage order, starting from zero, exactly as a plain row-by-row
/// product, so the result does not depend on the thread count.
pub(crate) fn times_dense_unchecked(a: CsrRef<'_>, b: MatRef<'_, f64>) -> Mat<f64> {
    let (m, n, k) = (a.nrows(), b.nrows(), b.ncols());
    let mut out = Mat::<f64>::zeros(m, k);
    if m == 0 || k == 0 {
        return out;
    }
    let mut panel = Vec::new();
    let pw = panel_width(n);
    for c0 in (0..k).step_by(pw) {
        let cols = (k - c0).min(pw);
        let w = cols.next_multiple_of(4);
        panel.clear();
        panel.resize(n * w, 0.0);
        for c in 0..cols {
            for (i, &v) in b.col(c0 + c).iter().enumerate() {
                panel[i * w + c] = v;
            }
        }
        let panel = &panel;
        out.as_mut()
            .subcols_mut(c0, cols)
            .par_row_chunks_mut(ROW_BLOCK)
            .enumerate()
            .for_each(|(blk, dst)| {
                let row0 = blk * ROW_BLOCK;
                let mut tmp = vec![0.0f64; dst.nrows() * w];
                pulp::Arch::new().dispatch(
                    #[inline(always)]
                    || match w {
                        4 => gather_rows::<4>(a, row0, panel, &mut tmp),
                        8 => gather_rows::<8>(a, row0, panel, &mut tmp),
                        12 => gather_rows::<12>(a, row0, panel, &mut tmp),
                        16 => gather_rows::<16>(a, row0, panel, &mut tmp),
                        20 => gather_rows::<20>(a, row0, panel, &mut tmp),
                        24 => gather_rows::<24>(a, row0, panel, &mut tmp),
                        28 => gather_rows::<28>(a, row0, panel, &mut tmp),
                        _ => gather_rows::<32>(a, row0, panel, &mut tmp),
                    },
                );
                let mut dst = dst;
                for c in 0..cols {
                    for (r, o) in dst.as_mut().col_mut(c).iter_mut().enumerate() {
                        *o = tmp[r * w + c];
                    }
                }
            });
    }
    out
}

/// Rows `row0..row0 + tmp.len() / W` of `A` times the row-major `ncols(A) × W` panel,
/// into the row-major `tmp`: each row's `W` sums are held in registers while its
/// stored entries are visited in order.
#[inline(always)]
fn gather_rows<const W: usize>(a: CsrRef<'_>, row0: usize, panel: &[f64], tmp: &mut [f64]) {
    for (r, out_row) in tmp.chunks_exact_mut(W).enumerate() {
        let i = row0 + r;
        let mut acc = [0.0f64; W];
        for (&j, &v) in a.col_idx_of_row_raw(i).iter().zip(a.val_of_row(i)) {
            let b_row: &[f64; W] = panel[j * W..(j + 1) * W]
                .try_into()
                .expect("panel rows are W wide");
            for (o, &bv) in acc.iter_mut().zip(b_row) {
                *o += v * bv;
            }
        }
        out_row.copy_from_slice(&acc);
    }
}

/// `Aᵀ · B` without validation (shapes must agree): as `A` transposed once (by
/// [`transpose_unchecked`]) times `B` when `A` has at most [`TRANSPOSE_MAX_NNZ`]
/// stored entries, else by [`scatter_transpose_times_dense`].
pub(crate) fn transpose_times_dense_unchecked(a: CsrRef<'_>, b: MatRef<'_, f64>) -> Mat<f64> {
    if a.compute_nnz() <= TRANSPOSE_MAX_NNZ {
        times_dense_unchecked(transpose_unchecked(a).as_ref(), b)
    } else {
        scatter_transpose_times_dense(a, b)
    }
}

/// `Aᵀ · B` without validation (shapes must agree) and without forming `Aᵀ`, by
/// scattering fixed row blocks of `A` into partial sums.
pub(crate) fn scatter_transpose_times_dense(a: CsrRef<'_>, b: MatRef<'_, f64>) -> Mat<f64> {
    let (m, n, k) = (a.nrows(), a.ncols(), b.ncols());
    let br = row_major_copy(b);
    // Few large blocks: each one owns an n × k accumulator, so the block count bounds
    // the memory (at most SCATTER_BLOCKS accumulators), and it is fixed for determinism.
    const SCATTER_BLOCKS: usize = 8;
    let rows_per = m.div_ceil(SCATTER_BLOCKS).max(1);
    let partials: Vec<Vec<f64>> = (0..m.div_ceil(rows_per))
        .into_par_iter()
        .map(|blk| {
            let mut acc = vec![0.0f64; n * k];
            for i in blk * rows_per..((blk + 1) * rows_per).min(m) {
                let b_row = &br[i * k..(i + 1) * k];
                for (&j, &v) in a.col_idx_of_row_raw(i).iter().zip(a.val_of_row(i)) {
                    for (o, &bv) in acc[j * k..(j + 1) * k].iter_mut().zip(b_row) {
                        *o += v * bv;
                    }
                }
            }
            acc
        })
        .collect();
    let mut total = vec![0.0f64; n * k];
    for p in &partials {
        for (t, &v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    Mat::from_fn(n, k, |i, j| total[i * k + j])
}

/// A row-major copy of `b` (row `i` at `[i * ncols, (i + 1) * ncols)`).
fn row_major_copy(b: MatRef<'_, f64>) -> Vec<f64> {
    let (n, k) = (b.nrows(), b.ncols());
    let mut out = vec![0.0f64; n * k];
    for j in 0..k {
        for (i, &v) in b.col(j).iter().enumerate() {
            out[i * k + j] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dense_of(a: CsrRef<'_>) -> Mat<f64> {
        a.to_dense()
    }

    #[test]
    fn triplets_sum_duplicates_and_sort() {
        let a =
            csr_from_triplets(2, 3, &[(1, 2, 1.0), (0, 1, 2.0), (1, 0, 3.0), (1, 2, 4.0)]).unwrap();
        assert_eq!(a.col_idx_of_row_raw(0), &[1]);
        assert_eq!(a.col_idx_of_row_raw(1), &[0, 2]);
        assert_eq!(a.val_of_row(1), &[3.0, 5.0]);
    }

    #[test]
    fn triplets_out_of_range_are_errors() {
        for bad in [(2, 0, 1.0), (0, 3, 1.0)] {
            assert!(matches!(
                csr_from_triplets(2, 3, &[(0, 0, 1.0), bad]),
                Err(Error::InvalidData { what: "triplets", ref location, .. }) if location == "entry 1"
            ));
        }
        assert!(matches!(
            csr_from_triplets(2, 3, &[(1, 2, f64::NAN)]),
            Err(Error::NonFinite { row: 1, col: 2, .. })
        ));
    }

    #[test]
    fn products_match_dense() {
        let a = csr_from_triplets(
            3,
            4,
            &[
                (0, 0, 1.0),
                (0, 3, -2.0),
                (1, 1, 0.5),
                (2, 0, 3.0),
                (2, 2, 4.0),
            ],
        )
        .unwrap();
        let b = Mat::from_fn(4, 2, |i, j| (i as f64) - 2.0 * (j as f64) + 0.25);
        let c = csr_times_dense(a.as_ref(), b.as_ref()).unwrap();
        let expected = dense_of(a.as_ref()) * &b;
        assert!((&c - &expected).norm_max() < 1e-14);

        let b2 = Mat::from_fn(3, 2, |i, j| (i * 3 + j) as f64 - 1.5);
        let c2 = csr_transpose_times_dense(a.as_ref(), b2.as_ref()).unwrap();
        let expected2 = dense_of(a.as_ref()).transpose() * &b2;
        assert!((&c2 - &expected2).norm_max() < 1e-14);

        let at = csr_transpose(a.as_ref()).unwrap();
        assert_eq!(
            dense_of(at.as_ref()),
            dense_of(a.as_ref()).transpose().to_owned()
        );
    }

    #[test]
    fn product_shape_mismatch_is_error() {
        let a = csr_from_triplets(3, 4, &[(0, 0, 1.0)]).unwrap();
        let b = Mat::<f64>::zeros(3, 2);
        assert!(matches!(
            csr_times_dense(a.as_ref(), b.as_ref()),
            Err(Error::ShapeMismatch {
                expected: 4,
                got: 3,
                ..
            })
        ));
        let b = Mat::<f64>::zeros(4, 2);
        assert!(matches!(
            csr_transpose_times_dense(a.as_ref(), b.as_ref()),
            Err(Error::ShapeMismatch {
                expected: 3,
                got: 4,
                ..
            })
        ));
        let mut b = Mat::<f64>::zeros(4, 2);
        b[(1, 1)] = f64::INFINITY;
        assert!(matches!(
            csr_times_dense(a.as_ref(), b.as_ref()),
            Err(Error::NonFinite { row: 1, col: 1, .. })
        ));
        let empty = csr_from_triplets(0, 4, &[]).unwrap();
        assert_eq!(
            row_squared_norms(empty.as_ref()),
            Err(Error::EmptyInput { what: "X" })
        );
    }

    #[test]
    fn reductions_and_scaling() {
        let mut a = csr_from_triplets(3, 3, &[(0, 0, 3.0), (0, 2, 4.0), (2, 1, -2.0)]).unwrap();
        assert_eq!(row_squared_norms(a.as_ref()).unwrap(), vec![25.0, 0.0, 4.0]);
        assert_eq!(column_sums(a.as_ref()).unwrap(), vec![3.0, -2.0, 4.0]);
        assert_eq!(row_sums(a.as_ref()).unwrap(), vec![7.0, 0.0, -2.0]);
        normalize_rows_l2(&mut a).unwrap();
        let row0 = a.val_of_row(0);
        assert!((row0[0] - 0.6).abs() < 1e-15 && (row0[1] - 0.8).abs() < 1e-15);
        assert_eq!(a.val_of_row(2), &[-1.0]);
        assert!(matches!(
            scale_rows(&mut a, &[1.0]),
            Err(Error::ShapeMismatch {
                expected: 3,
                got: 1,
                ..
            })
        ));
    }

    #[test]
    fn products_with_several_panels_match_dense() {
        let (m, n, k) = (70, 90, 75);
        let trip: Vec<_> = (0..600)
            .map(|t| ((t * 37) % m, (t * 53 + t / 7) % n, (t % 17) as f64 - 8.0))
            .collect();
        let a = csr_from_triplets(m, n, &trip).unwrap();
        let d = dense_of(a.as_ref());
        let b = Mat::from_fn(n, k, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let c = csr_times_dense(a.as_ref(), b.as_ref()).unwrap();
        assert!((&c - &d * &b).norm_max() < 1e-10);
        let b2 = Mat::from_fn(m, k, |i, j| ((i * 5 + j) % 13) as f64 - 6.0);
        let c2 = csr_transpose_times_dense(a.as_ref(), b2.as_ref()).unwrap();
        assert!((&c2 - d.transpose() * &b2).norm_max() < 1e-10);
    }

    proptest! {
        #[test]
        fn products_equal_dense_products(
            m in 1usize..40, n in 1usize..12, k in 1usize..5,
            entries in proptest::collection::vec((0usize..40, 0usize..12, -5.0f64..5.0), 0..80),
        ) {
            let trip: Vec<_> = entries.into_iter().map(|(i, j, v)| (i % m, j % n, v)).collect();
            let a = csr_from_triplets(m, n, &trip).unwrap();
            let d = dense_of(a.as_ref());
            let b = Mat::from_fn(n, k, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let c = csr_times_dense(a.as_ref(), b.as_ref()).unwrap();
            prop_assert!((&c - &d * &b).norm_max() < 1e-10);
            let b2 = Mat::from_fn(m, k, |i, j| ((i * 5 + j) % 13) as f64 - 6.0);
            let c2 = csr_transpose_times_dense(a.as_ref(), b2.as_ref()).unwrap();
            prop_assert!((&c2 - d.transpose() * &b2).norm_max() < 1e-10);
            let at = transpose_unchecked(a.as_ref());
            prop_assert_eq!(at.to_dense(), d.transpose().to_owned());
            let c3 = scatter_transpose_times_dense(a.as_ref(), b2.as_ref());
            prop_assert!((&c3 - d.transpose() * &b2).norm_max() < 1e-10);
        }
    }
}
