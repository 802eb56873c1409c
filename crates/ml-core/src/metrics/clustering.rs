//! Clustering and embedding scores: adjusted Rand index, silhouette, trustworthiness.

use std::collections::{BTreeMap, HashMap};

use faer::{Mat, MatRef};

use super::check_pair_len;
use crate::linalg::par_map_distance_blocks;
use crate::{Error, Label, Result, validate};

/// Adjusted Rand index of two labelings of the same samples: 1 for identical
/// partitions (whatever the label names), about 0 for independent ones, and possibly
/// negative.
///
/// Computed from the contingency table's pair counts with exact 128-bit integer
/// arithmetic, `2(tp·tn − fn·fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn))`, then one
/// rounding to `f64` of numerator and denominator, as scikit-learn does with Python
/// integers; equal partitions (`fn = fp = 0`) score exactly 1.0.
///
/// # Errors
/// [`Error::EmptyInput`] for empty labelings (scikit-learn returns 1.0), and
/// [`Error::ShapeMismatch`] when the lengths differ.
pub fn adjusted_rand_score<A: Label, B: Label>(
    labels_true: &[A],
    labels_pred: &[B],
) -> Result<f64> {
    check_pair_len(labels_true.len(), labels_pred.len())?;
    let codes_true = encode(labels_true);
    let codes_pred = encode(labels_pred);
    let n_true = codes_true.iter().max().map_or(0, |&m| m + 1);
    let n_pred = codes_pred.iter().max().map_or(0, |&m| m + 1);
    let mut row_sums = vec![0i128; n_true];
    let mut col_sums = vec![0i128; n_pred];
    let mut cells: HashMap<(usize, usize), i128> = HashMap::new();
    for (&t, &p) in codes_true.iter().zip(&codes_pred) {
        row_sums[t] += 1;
        col_sums[p] += 1;
        *cells.entry((t, p)).or_insert(0) += 1;
    }
    let n = labels_true.len() as i128;
    let mut sum_squares = 0i128;
    let mut by_col = 0i128;
    let mut by_row = 0i128;
    for (&(t, p), &c) in &cells {
        sum_squares += c * c;
        by_col += c * col_sums[p];
        by_row += c * row_sums[t];
    }
    let tp = sum_squares - n;
    let fp = by_col - sum_squares;
    let fn_ = by_row - sum_squares;
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let numerator = tp * tn - fn_ * fp;
    let denominator = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    Ok(2.0 * numerator as f64 / denominator as f64)
}

/// `x` divided by a power of two near its largest magnitude when that magnitude is so
/// large (or small) that squared distances would overflow (or underflow); `None` when
/// `x` is fine as it is. The scores using it are scale-invariant.
fn rescaled(x: MatRef<'_, f64>) -> Option<Mat<f64>> {
    let largest = crate::kernels::max_abs_mat(x);
    if largest == 0.0 || (1e-100..=1e100).contains(&largest) {
        return None;
    }
    let unit = crate::kernels::pow2_magnitude(largest);
    Some(Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] / unit))
}

/// Dense codes of labels in sorted label order.
fn encode<L: Label>(labels: &[L]) -> Vec<usize> {
    let mut index: BTreeMap<&L, usize> = labels.iter().map(|l| (l, 0)).collect();
    for (code, slot) in index.values_mut().enumerate() {
        *slot = code;
    }
    labels.iter().map(|l| index[l]).collect()
}

/// Silhouette coefficient of every sample under Euclidean distance:
/// `(b − a) / max(a, b)`, with `a` the mean distance to the other members of its
/// cluster and `b` the smallest mean distance to the members of another cluster.
///
/// Samples alone in their cluster score 0, as scikit-learn. Every distinct label is a
/// cluster (a noise label such as `-1` counts as an ordinary cluster, as in
/// scikit-learn). Distances are computed in blocks of rows against all rows
/// (`‖x‖² − 2x·y + ‖y‖²`, clamped at 0, one GEMM per block), blocks in parallel with
/// rayon, so memory stays proportional to `block × n_samples`.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`], [`Error::ShapeMismatch`] (labels
/// against rows), [`Error::TooFewClasses`] for a single cluster and
/// [`Error::InvalidParameter`] (named `labels`) when every sample is its own cluster:
/// scikit-learn needs `2 <= n_labels <= n_samples − 1`.
pub fn silhouette_samples<L: Label>(x: MatRef<'_, f64>, labels: &[L]) -> Result<Vec<f64>> {
    validate::matrix(x)?;
    let n = x.nrows();
    if labels.len() != n {
        return Err(Error::ShapeMismatch {
            what: "length of labels",
            expected: n,
            got: labels.len(),
        });
    }
    let codes = encode(labels);
    let k = codes.iter().max().map_or(0, |&m| m + 1);
    if k < 2 {
        return Err(Error::TooFewClasses { needed: 2, got: k });
    }
    if k >= n {
        return Err(Error::invalid_parameter(
            "labels",
            format!("{k} distinct labels for {n} samples"),
            "between 2 and n_samples - 1 distinct labels",
        ));
    }
    let mut freqs = vec![0usize; k];
    for &c in &codes {
        freqs[c] += 1;
    }
    let scaled = rescaled(x);
    let x = scaled.as_ref().map_or(x, |m| m.as_ref());
    let blocks = par_map_distance_blocks(x, x, block_rows(n), |start, sq| {
        let len = sq.nrows();
        let d = euclidean_block(start, sq);
        // Per-cluster sums of distances, accumulated in sample order.
        let mut sums = vec![0.0; len * k];
        for (j, &cj) in codes.iter().enumerate() {
            for (r, &v) in d.col(j).iter().enumerate() {
                sums[r * k + cj] += v;
            }
        }
        (0..len)
            .map(|r| {
                let own = codes[start + r];
                if freqs[own] == 1 {
                    return 0.0;
                }
                let row = &sums[r * k..(r + 1) * k];
                let a = row[own] / (freqs[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own)
                    .map(|c| row[c] / freqs[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                let denom = a.max(b);
                if denom > 0.0 { (b - a) / denom } else { 0.0 }
            })
            .collect::<Vec<f64>>()
    })?;
    Ok(blocks.into_iter().flatten().collect())
}

/// Mean silhouette coefficient over all samples, in `[−1, 1]`: near 1 for dense,
/// well-separated clusters. See [`silhouette_samples`] for the definition and memory
/// use.
///
/// # Errors
/// As [`silhouette_samples`].
pub fn silhouette_score<L: Label>(x: MatRef<'_, f64>, labels: &[L]) -> Result<f64> {
    let s = silhouette_samples(x, labels)?;
    Ok(s.iter().sum::<f64>() / s.len() as f64)
}

/// How well an embedding keeps local structure, as scikit-learn's
/// `sklearn.manifold.trustworthiness` (Euclidean, scikit-learn's default
/// `n_neighbors = 5`):
/// `1 − 2/(n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k(i)} max(0, r(i, j) − k)`, where
/// `N_k(i)` are the `k` nearest neighbours of sample `i` in the embedding and
/// `r(i, j)` is the rank of `j` among the neighbours of `i` in the input space.
///
/// Unlike scikit-learn, which builds `n × n` distance and rank matrices, this works in
/// blocks of rows (input distances by GEMM, embedding distances exactly), in parallel
/// with rayon, with memory proportional to `block × n_samples`. Ties in either space
/// go to the lower sample index; scikit-learn's unstable sort may order exact ties
/// differently, so results can differ only on data with tied distances.
///
/// # Errors
/// [`Error::EmptyInput`], [`Error::NonFinite`], [`Error::ShapeMismatch`] when the two
/// matrices have different numbers of rows, and [`Error::InvalidParameter`] unless
/// `1 <= n_neighbors < n_samples / 2`.
pub fn trustworthiness(
    x: MatRef<'_, f64>,
    x_embedded: MatRef<'_, f64>,
    n_neighbors: usize,
) -> Result<f64> {
    validate::matrix(x)?;
    validate::non_empty(x_embedded, "X_embedded")?;
    let n = x.nrows();
    if x_embedded.nrows() != n {
        return Err(Error::ShapeMismatch {
            what: "number of rows of X_embedded",
            expected: n,
            got: x_embedded.nrows(),
        });
    }
    validate::finite(x_embedded)?;
    let k = n_neighbors;
    if k == 0 || k.saturating_mul(2) >= n {
        return Err(Error::invalid_parameter(
            "n_neighbors",
            k,
            "1 <= n_neighbors < n_samples / 2",
        ));
    }
    let (scaled, scaled_embedded) = (rescaled(x), rescaled(x_embedded));
    let x = scaled.as_ref().map_or(x, |m| m.as_ref());
    let x_embedded = scaled_embedded.as_ref().map_or(x_embedded, |m| m.as_ref());
    let penalties = par_map_distance_blocks(x, x, block_rows(n), |start, sq| {
        let len = sq.nrows();
        let d = euclidean_block(start, sq);
        let mut emb = vec![(0.0, 0usize); n - 1];
        let mut total = 0u64;
        for r in 0..len {
            let i = start + r;
            embedded_neighbours(x_embedded, i, k, &mut emb);
            let row = d.row(r);
            for &(_, j) in &emb[..k] {
                let dj = row[j];
                let ahead = (0..n)
                    .filter(|&m| m != i && (row[m] < dj || (row[m] == dj && m < j)))
                    .count();
                // ahead + 1 is the one-based rank of j among i's input-space neighbours.
                total += (ahead + 1).saturating_sub(k) as u64;
            }
        }
        total
    })?;
    let t: u64 = penalties.iter().sum();
    let (nf, kf) = (n as f64, k as f64);
    Ok(1.0 - t as f64 * (2.0 / ((n * k) as f64 * (2.0 * nf - 3.0 * kf - 1.0))))
}

/// Target number of distance entries in one block (about 8 MiB of `f64`).
const BLOCK_ENTRIES: usize = 1 << 20;

/// Rows per block so that `rows × n` stays near [`BLOCK_ENTRIES`]; depends on `n` only,
/// never on the thread count, so results are identical on any number of threads.
fn block_rows(n: usize) -> usize {
    (BLOCK_ENTRIES / n.max(1)).clamp(1, 1024)
}

/// Euclidean distances from the squared ones of rows `start..` of `x` against all of
/// `x`; self-distances are exactly 0, as scikit-learn zeroes the diagonal.
fn euclidean_block(start: usize, squared: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(squared.nrows(), squared.ncols(), |r, j| {
        if start + r == j {
            0.0
        } else {
            squared[(r, j)].sqrt()
        }
    })
}

/// Fills `buf[..k]` with the `k` nearest neighbours of row `i` of `e` (excluding `i`),
/// by exact squared distance, ties to the lower index, in increasing order.
fn embedded_neighbours(e: MatRef<'_, f64>, i: usize, k: usize, buf: &mut [(f64, usize)]) {
    let mut pos = 0;
    for j in 0..e.nrows() {
        if j == i {
            continue;
        }
        let mut s = 0.0;
        for c in 0..e.ncols() {
            let diff = e[(i, c)] - e[(j, c)];
            s += diff * diff;
        }
        buf[pos] = (s, j);
        pos += 1;
    }
    let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if k < buf.len() {
        buf.select_nth_unstable_by(k, cmp);
    }
    buf[..k].sort_unstable_by(cmp);
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::{Mat, mat};
    use proptest::prelude::*;

    #[test]
    fn ari_known_values() {
        assert_eq!(
            adjusted_rand_score(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap(),
            1.0
        );
        // scikit-learn's documented example: 0.5714285714285714.
        let v = adjusted_rand_score(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap();
        assert!((v - 0.571_428_571_428_571_4).abs() < 1e-15);
        let v = adjusted_rand_score(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert!((v + 0.5).abs() < 1e-15);
        assert!(adjusted_rand_score::<u8, u8>(&[], &[]).is_err());
        assert!(adjusted_rand_score(&[0, 1], &[0]).is_err());
    }

    #[test]
    fn silhouette_small_case() {
        let x = mat![[0.0], [1.0], [10.0], [11.0]];
        let s = silhouette_samples(x.as_ref(), &[0, 0, 1, 1]).unwrap();
        // a = 1, b = mean(10, 11) = 10.5 for sample 0.
        assert!((s[0] - (10.5 - 1.0) / 10.5).abs() < 1e-12);
        let single = silhouette_samples(x.as_ref(), &[0, 0, 0, 1]).unwrap();
        assert_eq!(single[3], 0.0);
        assert!(matches!(
            silhouette_score(x.as_ref(), &[1, 1, 1, 1]),
            Err(Error::TooFewClasses { needed: 2, got: 1 })
        ));
        assert!(matches!(
            silhouette_score(x.as_ref(), &[0, 1, 2, 3]),
            Err(Error::InvalidParameter { name: "labels", .. })
        ));
        assert!(silhouette_score(x.as_ref(), &[0, 1]).is_err());
    }

    #[test]
    fn trustworthiness_identity_is_one() {
        let x = Mat::from_fn(30, 3, |i, j| {
            ((i * 7 + j * 3) as f64 * 0.37).sin() + i as f64
        });
        assert_eq!(trustworthiness(x.as_ref(), x.as_ref(), 5).unwrap(), 1.0);
        let reversed = Mat::from_fn(30, 1, |i, _| ((i * 13) % 30) as f64);
        let t = trustworthiness(x.as_ref(), reversed.as_ref(), 5).unwrap();
        assert!(t < 1.0);
        assert!(trustworthiness(x.as_ref(), x.as_ref(), 15).is_err());
        assert!(trustworthiness(x.as_ref(), x.as_ref(), 0).is_err());
        assert!(trustworthiness(x.as_ref(), x.subrows(0, 10), 2).is_err());
    }

    proptest! {
        #[test]
        fn ari_symmetric_and_permutation_invariant(
            pairs in proptest::collection::vec((0u8..4, 0u8..5), 1..50),
            shift in 1u8..10,
        ) {
            let (a, b): (Vec<u8>, Vec<u8>) = pairs.into_iter().unzip();
            let ab = adjusted_rand_score(&a, &b).unwrap();
            let ba = adjusted_rand_score(&b, &a).unwrap();
            prop_assert_eq!(ab, ba);
            prop_assert!(ab <= 1.0);
            // Renaming the clusters (a bijection on labels) keeps the partition.
            let renamed: Vec<u8> = a.iter().map(|&l| (l + shift) % 4 * 3).collect();
            prop_assert_eq!(adjusted_rand_score(&a, &renamed).unwrap(), 1.0);
        }

        #[test]
        fn silhouette_in_range(
            vals in proptest::collection::vec(-5.0f64..5.0, 24),
            labels in proptest::collection::vec(0u8..3, 12),
        ) {
            let x = Mat::from_fn(12, 2, |i, j| vals[i * 2 + j]);
            if let Ok(s) = silhouette_samples(x.as_ref(), &labels) {
                for v in s {
                    prop_assert!((-1.0 - 1e-12..=1.0 + 1e-12).contains(&v));
                }
            }
        }
    }
}
