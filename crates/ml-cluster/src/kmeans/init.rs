//! Initial centres: greedy k-means++ and random samples, on centred data.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rand::Rng;
use rayon::prelude::*;

/// The first index whose cumulative value is `>= r` (numpy's
/// `searchsorted(side="left")`), clipped to the last index.
fn search_left(cum: &[f64], r: f64) -> usize {
    cum.partition_point(|&c| c < r).min(cum.len() - 1)
}

/// The first index whose cumulative value is `> r` (numpy's `side="right"`, as
/// `choice` uses), clipped to the last index.
fn search_right(cum: &[f64], r: f64) -> usize {
    cum.partition_point(|&c| c <= r).min(cum.len() - 1)
}

fn cumsum(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    values
        .map(|v| {
            acc += v;
            acc
        })
        .collect()
}

/// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): the first centre is drawn
/// with probability `w / Σw`; each further centre is the best of `2 + ⌊ln k⌋`
/// candidates drawn with probability proportional to `w · D²`, the one that leaves the
/// lowest potential `Σ w · D²`. Candidate distances come from one GEMM per chunk of rows.
pub(super) fn kmeans_plusplus(
    xc: MatRef<'_, f64>,
    x_norms: &[f64],
    w: &[f64],
    k: usize,
    rng: &mut ml_core::rng::Rng,
) -> Mat<f64> {
    let (n, d) = (xc.nrows(), xc.ncols());
    let trials = 2 + (k as f64).ln() as usize;
    let mut centres = Mat::<f64>::zeros(k, d);

    let cum_w = cumsum(w.iter().copied());
    let total_w = cum_w[n - 1];
    let first = search_right(&cum_w, rng.random::<f64>() * total_w);
    for j in 0..d {
        centres[(0, j)] = xc[(first, j)];
    }
    let (first_d, _) = candidate_distances(xc, x_norms, w, &[first], None);
    let mut closest = vec![0.0; n];
    copy_column(&first_d, 0, &mut closest);
    let mut potential: f64 = closest.iter().zip(w).map(|(c, wi)| c * wi).sum();

    for c in 1..k {
        let cum = cumsum(closest.iter().zip(w).map(|(c, wi)| c * wi));
        let ids: Vec<usize> = (0..trials)
            .map(|_| search_left(&cum, rng.random::<f64>() * potential))
            .collect();
        let (mins, pots) = candidate_distances(xc, x_norms, w, &ids, Some(&closest));
        // Strict: equal potentials keep the first candidate (numpy's argmin).
        let mut best = 0;
        for t in 1..trials {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        copy_column(&mins, best, &mut closest);
        potential = pots[best];
        for j in 0..d {
            centres[(c, j)] = xc[(ids[best], j)];
        }
    }
    centres
}

/// Rows per parallel chunk of the candidate distances.
const ROWS: usize = 1024;

/// Column `c` of the chunked distances of [`candidate_distances`] into `out`.
fn copy_column(parts: &[Mat<f64>], c: usize, out: &mut [f64]) {
    for (part, dst) in parts.iter().zip(out.chunks_mut(ROWS)) {
        for (a, &b) in dst.iter_mut().zip(part.col(c).iter()) {
            *a = b;
        }
    }
}

/// For candidates `ids`: the squared distances from every row of `xc` to each candidate
/// (`‖x‖² − 2x·c + ‖c‖²` clamped at 0), lowered to `closest` when given, as one
/// `rows × t` matrix per chunk of [`ROWS`] rows (never assembled: only the chosen
/// candidate's column is read, by [`copy_column`]), and each column's weighted sum (the
/// potential if that candidate were added). One sequential GEMM per chunk, chunks in
/// parallel, sums reduced in chunk order.
fn candidate_distances(
    xc: MatRef<'_, f64>,
    x_norms: &[f64],
    w: &[f64],
    ids: &[usize],
    closest: Option<&[f64]>,
) -> (Vec<Mat<f64>>, Vec<f64>) {
    let (n, d, t) = (xc.nrows(), xc.ncols(), ids.len());
    // Cᵀ (d × t): each candidate a contiguous column for the GEMM.
    let ct = Mat::from_fn(d, t, |j, c| xc[(ids[c], j)]);
    let parts: Vec<(Mat<f64>, Vec<f64>)> = (0..n.div_ceil(ROWS))
        .into_par_iter()
        .map(|blk| {
            let r0 = blk * ROWS;
            let b = ROWS.min(n - r0);
            let mut out = Mat::<f64>::zeros(b, t);
            matmul(
                out.as_mut(),
                Accum::Replace,
                xc.subrows(r0, b),
                ct.as_ref(),
                -2.0,
                Par::Seq,
            );
            let mut pots = vec![0.0; t];
            for (c, &id) in ids.iter().enumerate() {
                let cn = x_norms[id];
                let mut pot = 0.0;
                for (i, v) in out.col_mut(c).iter_mut().enumerate() {
                    let mut dist = (*v + x_norms[r0 + i] + cn).max(0.0);
                    if let Some(cl) = closest {
                        dist = dist.min(cl[r0 + i]);
                    }
                    *v = dist;
                    pot += dist * w[r0 + i];
                }
                pots[c] = pot;
            }
            (out, pots)
        })
        .collect();
    let mut pots = vec![0.0; t];
    let mut mats = Vec::with_capacity(parts.len());
    for (part, p) in parts {
        for (a, b) in pots.iter_mut().zip(&p) {
            *a += b;
        }
        mats.push(part);
    }
    (mats, pots)
}

/// `k` distinct samples at random: uniformly when all weights are equal, otherwise
/// drawn one after another with probability proportional to the weights of the samples
/// not yet drawn.
pub(super) fn random(
    xc: MatRef<'_, f64>,
    w: &[f64],
    k: usize,
    rng: &mut ml_core::rng::Rng,
) -> Mat<f64> {
    let n = xc.nrows();
    let ids: Vec<usize> = if w.iter().all(|&v| v == w[0]) {
        rand::seq::index::sample(rng, n, k).into_vec()
    } else {
        let mut left = w.to_vec();
        let mut ids = Vec::with_capacity(k);
        for _ in 0..k {
            let cum = cumsum(left.iter().copied());
            let total = cum[n - 1];
            let id = if total > 0.0 {
                search_right(&cum, rng.random::<f64>() * total)
            } else {
                // Only zero-weight samples are left: take the first not yet drawn.
                (0..n).find(|i| !ids.contains(i)).unwrap_or(0)
            };
            left[id] = 0.0;
            ids.push(id);
        }
        ids
    };
    Mat::from_fn(k, xc.ncols(), |i, j| xc[(ids[i], j)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searchsorted_sides() {
        let cum = [1.0, 1.0, 3.0];
        assert_eq!(search_left(&cum, 1.0), 0);
        assert_eq!(search_right(&cum, 1.0), 2);
        assert_eq!(search_left(&cum, 5.0), 2);
        assert_eq!(search_left(&cum, 0.0), 0);
    }

    #[test]
    fn kmeans_plusplus_picks_distinct_far_points() {
        // Three far-apart pairs: the three centres land in three different pairs.
        let x = faer::mat![[0.0], [0.1], [50.0], [50.1], [100.0], [100.1]];
        let norms: Vec<f64> = (0..6).map(|i| x[(i, 0)] * x[(i, 0)]).collect();
        for seed in 0..20 {
            let mut rng = ml_core::rng::seeded(seed);
            let c = kmeans_plusplus(x.as_ref(), &norms, &[1.0; 6], 3, &mut rng);
            let mut groups: Vec<i64> = (0..3).map(|i| (c[(i, 0)] / 50.0).round() as i64).collect();
            groups.sort_unstable();
            assert_eq!(groups, vec![0, 1, 2], "seed {seed}");
        }
    }

    #[test]
    fn random_init_draws_distinct_samples_and_skips_zero_weights() {
        let x = faer::mat![[0.0], [1.0], [2.0], [3.0]];
        let mut rng = ml_core::rng::seeded(1);
        let c = random(x.as_ref(), &[0.0, 1.0, 0.0, 1.0], 2, &mut rng);
        let mut got = vec![c[(0, 0)], c[(1, 0)]];
        got.sort_by(f64::total_cmp);
        assert_eq!(got, vec![1.0, 3.0]);
    }
}
