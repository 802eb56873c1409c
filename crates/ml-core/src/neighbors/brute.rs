//! The brute-force backend: every query against every indexed row.
//!
//! For Euclidean, squared Euclidean and cosine on dense rows, candidates come from
//! `ml_core::linalg`'s blocked GEMM distances (`‖x‖² − 2x·y + ‖y‖²`, in parallel over
//! blocks of queries, never an `n_queries × n` matrix), kept with a margin `e` that bounds
//! the expansion's rounding (`4 (d + 2) ε (‖q‖² + max ‖x‖²)`); only the candidates are
//! re-evaluated exactly. For the `k` nearest that margin is `2e` above the `k`-th
//! smallest approximate value: the `k` true nearest rows are all at most `e` above their
//! approximations, and the `k`-th true distance is at most `e` above the `k`-th
//! approximate one, so no true neighbour is missed. Other metrics and CSR rows are
//! evaluated exactly row by row.

use faer::MatRef;
use rayon::prelude::*;

use super::{Candidate, Metric, Points, QueryRows, Row, select_k};
use crate::Result;
use crate::linalg::{default_block_rows, par_map_distance_blocks};

/// Queries per parallel task in the row-by-row paths.
const QUERY_CHUNK: usize = 64;

/// Whether the GEMM path serves this metric on these points.
pub(crate) fn gemm_applies(metric: Metric, points: &Points) -> bool {
    matches!(
        metric,
        Metric::Euclidean | Metric::SquaredEuclidean | Metric::Cosine
    ) && matches!(points, Points::Dense { .. })
        && !(metric == Metric::Cosine && points.has_zero_row())
}

/// The approximate value the GEMM path compares for an exact distance bound `r`.
fn gemm_units(metric: Metric, r: f64) -> f64 {
    match metric {
        Metric::Euclidean => r * r,
        // ‖u − v‖² = 2 (1 − u·v) for unit rows.
        Metric::Cosine => 2.0 * r,
        _ => r,
    }
}

/// The rounding margin of one query's GEMM values.
fn margin(d: usize, q_norm2: f64, max_norm2: f64) -> f64 {
    4.0 * (d as f64 + 2.0) * f64::EPSILON * (q_norm2 + max_norm2)
}

/// The `k` nearest indexed rows of every query row, by brute force.
pub(crate) fn nearest(
    points: &Points,
    metric: Metric,
    queries: &QueryRows<'_>,
    k: usize,
) -> Result<Vec<Vec<Candidate>>> {
    if let (true, Points::Dense { data, d, .. }, QueryRows::Dense(q, _)) =
        (gemm_applies(metric, points), points, queries)
        && !(metric == Metric::Cosine && queries.has_zero_row())
    {
        return gemm(points, metric, data, *d, q, Search::Nearest(k));
    }
    Ok(by_rows(queries, |row, out| {
        let mut all: Vec<Candidate> = (0..points.n_rows())
            .map(|i| Candidate {
                distance: points.row(i).distance(metric, &row),
                index: i,
            })
            .collect();
        select_k(&mut all, k);
        out.extend(all);
    }))
}

/// Every indexed row within `radius` of every query row, sorted, by brute force.
pub(crate) fn within(
    points: &Points,
    metric: Metric,
    queries: &QueryRows<'_>,
    radius: f64,
) -> Result<Vec<Vec<Candidate>>> {
    if let (true, Points::Dense { data, d, .. }, QueryRows::Dense(q, _)) =
        (gemm_applies(metric, points), points, queries)
        && !(metric == Metric::Cosine && queries.has_zero_row())
    {
        return gemm(points, metric, data, *d, q, Search::Within(radius));
    }
    Ok(by_rows(queries, |row, out| {
        out.extend((0..points.n_rows()).filter_map(|i| {
            let distance = points.row(i).distance(metric, &row);
            (distance <= radius).then_some(Candidate { distance, index: i })
        }));
        out.sort_unstable();
    }))
}

/// One exact answer per query row from `answer(row, out)`, in parallel over chunks of
/// queries, in query order.
pub(crate) fn by_rows<F>(queries: &QueryRows<'_>, answer: F) -> Vec<Vec<Candidate>>
where
    F: Fn(Row<'_>, &mut Vec<Candidate>) + Sync,
{
    let n = queries.n_rows();
    (0..n.div_ceil(QUERY_CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let lo = c * QUERY_CHUNK;
            (lo..(lo + QUERY_CHUNK).min(n))
                .map(|i| {
                    let mut out = Vec::new();
                    answer(queries.row(i), &mut out);
                    out
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Search {
    Nearest(usize),
    Within(f64),
}

/// The GEMM path for dense Euclidean-family and cosine rows.
fn gemm(
    points: &Points,
    metric: Metric,
    data: &[f64],
    d: usize,
    queries: &[f64],
    search: Search,
) -> Result<Vec<Vec<Candidate>>> {
    let n = data.len() / d;
    let m = queries.len() / d;
    let x = MatRef::from_row_major_slice(queries, m, d);
    let y = MatRef::from_row_major_slice(data, n, d);
    let max_norm2 = points.max_norm2();
    let q_norm2: Vec<f64> = queries
        .chunks_exact(d)
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect();
    let blocks = par_map_distance_blocks(x, y, default_block_rows(n), |r0, block| {
        let b = block.nrows();
        let e: Vec<f64> = (0..b)
            .map(|i| margin(d, q_norm2[r0 + i], max_norm2))
            .collect();
        // Per query: the candidates and, for the k nearest, the k smallest values seen.
        let mut cands: Vec<Vec<(f64, usize)>> = vec![Vec::new(); b];
        let (k, mut limit): (usize, Vec<f64>) = match search {
            Search::Nearest(k) => (k, vec![f64::INFINITY; b]),
            Search::Within(r) => (0, e.iter().map(|ei| gemm_units(metric, r) + ei).collect()),
        };
        let mut top: Vec<Vec<f64>> = vec![Vec::with_capacity(k + 1); if k > 0 { b } else { 0 }];
        for j in 0..n {
            let col = block.col(j);
            for i in 0..b {
                let g = col[i];
                if g > limit[i] {
                    continue;
                }
                cands[i].push((g, j));
                if k > 0 {
                    let t = &mut top[i];
                    let at = t.partition_point(|&v| v <= g);
                    if at < k {
                        t.insert(at, g);
                        t.truncate(k);
                        if t.len() == k {
                            limit[i] = t[k - 1] + 2.0 * e[i];
                            // Keep the candidate list short as the limit falls.
                            if cands[i].len() > 8 * k + 64 {
                                let l = limit[i];
                                cands[i].retain(|&(v, _)| v <= l);
                            }
                        }
                    }
                }
            }
        }
        (0..b)
            .map(|i| {
                let q = &queries[(r0 + i) * d..(r0 + i + 1) * d];
                let l = limit[i];
                let mut exact: Vec<Candidate> = cands[i]
                    .iter()
                    .filter(|&&(g, _)| g <= l)
                    .map(|&(_, j)| Candidate {
                        distance: metric.distance(q, &data[j * d..(j + 1) * d]),
                        index: j,
                    })
                    .collect();
                match search {
                    Search::Nearest(k) => select_k(&mut exact, k),
                    Search::Within(r) => {
                        exact.retain(|c| c.distance <= r);
                        exact.sort_unstable();
                    }
                }
                exact
            })
            .collect::<Vec<_>>()
    })?;
    Ok(blocks.into_iter().flatten().collect())
}
