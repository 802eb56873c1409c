//! The small shared numerics of the workspace: lane-wise sums and dot products, numpy's
//! pairwise sum, column statistics, special functions, sorting by value, and the
//! ordered block reduction that makes parallel results independent of the thread count.
//!
//! Families call these instead of writing their own, so that a faster or more accurate
//! kernel lands everywhere at once.
//!
//! # The determinism rule
//!
//! A parallel reduction gives the same bits on 1 and N threads only when the work is
//! cut into blocks whose boundaries depend on the problem's size alone, never on the
//! thread count, and the per-block partial results are combined in block order.
//! [`ordered_block_reduce`] is that rule as a function; a kernel that needs its own
//! loop (a fused pass, say) follows it with a block size named by a `const` and a
//! comment saying so.

mod sort;
mod special;

use faer::{Mat, MatRef};
use rayon::prelude::*;

pub use sort::{from_ordered_bits, ordered_bits, ordered_bits_f32, radix_sort_by_key};
pub use special::{digamma, ln_gamma, normal_quantile};

/// Independent accumulators per reduction, so the loops vectorise instead of waiting
/// on one running sum (8 lanes: two AVX2 registers of `f64`).
pub const LANES: usize = 8;

/// The sum of the lanes of an accumulator, pairwise (the order every lane kernel uses).
#[inline]
pub fn reduce_lanes(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// `Σ a`, in [`LANES`] independent lanes.
pub fn sum(a: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = a.chunks_exact(LANES);
    let rest = chunks.remainder();
    for x in chunks {
        for l in 0..LANES {
            acc[l] += x[l];
        }
    }
    rest.iter().fold(reduce_lanes(acc), |s, v| s + v)
}

/// `Σ a` in numpy's order: the pairwise summation of `np.add.reduce` on a contiguous
/// `f64` array (what `np.sum` and `np.mean` compute), for results that must agree with
/// numpy's to the last bit: blocks of at most 128 values summed in eight accumulators,
/// longer runs halved (at a multiple of 8) and the halves summed recursively.
///
/// ```
/// use ml_core::kernels::pairwise_sum;
/// // np.add.reduce([1 / (i + 3) for i in range(1000)]); a running sum ends in ...356.
/// let v: Vec<f64> = (0..1000).map(|i| 1.0 / (i as f64 + 3.0)).collect();
/// assert_eq!(pairwise_sum(&v), 5.987467865541362);
/// ```
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(-0.0, |s, &v| s + v)
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

/// `aᵀb` over the common length, in [`LANES`] independent lanes.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    ra.iter()
        .zip(rb)
        .fold(reduce_lanes(acc), |s, (x, y)| s + x * y)
}

/// `‖a − mu‖²`, in [`LANES`] independent lanes.
pub fn centred_sq_norm(a: &[f64], mu: f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = a.chunks_exact(LANES);
    let rest = chunks.remainder();
    for x in chunks {
        for l in 0..LANES {
            let v = x[l] - mu;
            acc[l] += v * v;
        }
    }
    rest.iter()
        .fold(reduce_lanes(acc), |s, v| s + (v - mu) * (v - mu))
}

/// The mean of every column of `x`, one parallel task per column (each column summed
/// in order, so the result does not depend on the thread count).
pub fn column_means(x: MatRef<'_, f64>) -> Vec<f64> {
    let n = x.nrows() as f64;
    (0..x.ncols())
        .into_par_iter()
        .map(|j| x.col(j).iter().sum::<f64>() / n)
        .collect()
}

/// `x` with `means` subtracted from its columns, as a new column-major matrix filled
/// one column per task.
pub fn centred_copy(x: MatRef<'_, f64>, means: &[f64]) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(x.nrows(), x.ncols());
    out.as_mut()
        .par_col_iter_mut()
        .enumerate()
        .for_each(|(j, col)| {
            let m = means[j];
            for (o, &v) in col.iter_mut().zip(x.col(j).iter()) {
                *o = v - m;
            }
        });
    out
}

/// Maps the blocks `[0, block), [block, 2·block), …` of `0..n` in parallel and folds
/// the results **in block order** with `combine`, starting from `init`: the one
/// reduction shape whose result is the same on any number of threads (see the module
/// doc). `block` must come from the problem's size, never from the thread count.
///
/// ```
/// use ml_core::kernels::ordered_block_reduce;
///
/// let v: Vec<f64> = (0..10_000).map(|i| 1.0 / (i as f64 + 1.0)).collect();
/// let total = ordered_block_reduce(v.len(), 256, 0.0, |r| v[r].iter().sum::<f64>(), |a, b| a + b);
/// let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
/// let again = one_thread.install(|| {
///     ordered_block_reduce(v.len(), 256, 0.0, |r| v[r].iter().sum::<f64>(), |a, b| a + b)
/// });
/// assert_eq!(total.to_bits(), again.to_bits());
/// ```
pub fn ordered_block_reduce<T, M, C>(n: usize, block: usize, init: T, map: M, combine: C) -> T
where
    T: Send,
    M: Fn(std::ops::Range<usize>) -> T + Sync,
    C: FnMut(T, T) -> T,
{
    let block = block.max(1);
    let parts: Vec<T> = (0..n.div_ceil(block))
        .into_par_iter()
        .map(|b| map(b * block..((b + 1) * block).min(n)))
        .collect();
    parts.into_iter().fold(init, combine)
}

/// The power of two at or just below `|v|` (`2^⌊log2 |v|⌋`), 1 for 0 and non-finite
/// values, `2^-1022` for subnormals. Dividing by it is exact, so a statistic computed
/// on `x / pow2_magnitude(max |x|)` and scaled back has the same bits as one computed
/// on `x` directly — except that it cannot overflow or underflow on the way when `x`
/// is near the ends of the `f64` range.
pub fn pow2_magnitude(v: f64) -> f64 {
    const EXPONENT: u64 = 0x7FF0_0000_0000_0000;
    let v = v.abs();
    if v == 0.0 || !v.is_finite() {
        1.0
    } else if v.is_normal() {
        f64::from_bits(v.to_bits() & EXPONENT)
    } else {
        f64::MIN_POSITIVE
    }
}

/// The largest magnitude of `values` (0 when empty).
pub fn max_abs(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// The largest magnitude of the entries of `x` (0 when empty), column by column.
pub fn max_abs_mat(x: MatRef<'_, f64>) -> f64 {
    (0..x.ncols())
        .map(|j| max_abs(x.col(j).iter().copied()))
        .fold(0.0, f64::max)
}

/// The row blocks `[start, end)` of an `n`-row matrix cut every `size` rows, the
/// remainder joining the last block (so no block is shorter than `size` unless `n` is),
/// at least one block even when `n` is 0. For blocked products whose per-block results
/// are written in place or combined in block order: `size` must come from the problem's
/// shape, never from the thread count (see the module doc).
pub fn row_blocks(n: usize, size: usize) -> Vec<(usize, usize)> {
    let size = size.max(1);
    let count = (n / size).max(1);
    (0..count)
        .map(|i| (i * size, if i + 1 == count { n } else { (i + 1) * size }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_kernels_agree_with_plain_sums() {
        let a: Vec<f64> = (0..37).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..37).map(|i| (i as f64 * 0.11).cos()).collect();
        let plain_dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain_dot).abs() < 1e-12);
        assert!((sum(&a) - a.iter().sum::<f64>()).abs() < 1e-12);
        let mu = 0.25;
        let plain: f64 = a.iter().map(|v| (v - mu) * (v - mu)).sum();
        assert!((centred_sq_norm(&a, mu) - plain).abs() < 1e-12);
        let x = Mat::from_fn(5, 3, |i, j| (i * 3 + j) as f64);
        assert_eq!(column_means(x.as_ref()), vec![6.0, 7.0, 8.0]);
        assert_eq!(centred_copy(x.as_ref(), &[6.0, 7.0, 8.0])[(0, 0)], -6.0);
    }

    #[test]
    fn pairwise_sum_is_numpys() {
        // np.add.reduce([1 / (i + 3) for i in range(n)]) for n = 10, 100, 1000, 1001;
        // a running sum ends in ...678, ...255, ...356 and ...436 instead.
        let total =
            |n: usize| pairwise_sum(&(0..n).map(|i| 1.0 / (i as f64 + 3.0)).collect::<Vec<_>>());
        assert_eq!(total(10), 1.6032106782106779);
        assert_eq!(total(100), 3.707082429307257);
        assert_eq!(total(1000), 5.987467865541362);
        assert_eq!(total(1001), 5.988464874514443);
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.5, 2.0]), 3.5);
    }

    #[test]
    fn pow2_magnitude_is_the_power_of_two_below() {
        assert_eq!(pow2_magnitude(3.0), 2.0);
        assert_eq!(pow2_magnitude(-0.3), 0.25);
        assert_eq!(pow2_magnitude(f64::MAX), 2f64.powi(1023));
        assert_eq!(pow2_magnitude(0.0), 1.0);
        assert_eq!(pow2_magnitude(1e-310), f64::MIN_POSITIVE);
        assert_eq!(max_abs([1.0, -3.0, 2.0]), 3.0);
    }

    #[test]
    fn row_blocks_tile_the_rows_with_the_remainder_in_the_last() {
        assert_eq!(row_blocks(10, 4), vec![(0, 4), (4, 10)]);
        assert_eq!(row_blocks(3, 4), vec![(0, 3)]);
        assert_eq!(row_blocks(0, 4), vec![(0, 0)]);
        assert_eq!(
            row_blocks(8, 0),
            (0..8).map(|i| (i, i + 1)).collect::<Vec<_>>()
        );
    }
}
