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
use crate::linalg::par_fold_distance_tiles;

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

/// One query's running state on the GEMM path: the rows whose approximate value is
/// within the current limit, and for the `k` nearest the `k` smallest values so far.
struct Running {
    cands: Vec<(f64, usize)>,
    top: Vec<f64>,
    limit: f64,
    margin: f64,
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
    let k = match search {
        Search::Nearest(k) => k,
        Search::Within(_) => 0,
    };
    let init = |r0: usize, b: usize| -> Vec<Running> {
        (r0..r0 + b)
            .map(|i| {
                let q = &queries[i * d..(i + 1) * d];
                let e = margin(d, q.iter().map(|v| v * v).sum(), max_norm2);
                Running {
                    cands: Vec::new(),
                    top: Vec::with_capacity(k + 1),
                    limit: match search {
                        Search::Nearest(_) => f64::INFINITY,
                        Search::Within(r) => gemm_units(metric, r) + e,
                    },
                    margin: e,
                }
            })
            .collect()
    };
    let fold = |state: &mut Vec<Running>, c0: usize, tile: MatRef<'_, f64>| {
        for j in 0..tile.ncols() {
            let col = tile.col(j);
            for (s, &g) in state.iter_mut().zip(col.iter()) {
                if g > s.limit {
                    continue;
                }
                s.cands.push((g, c0 + j));
                if k == 0 {
                    continue;
                }
                let at = s.top.partition_point(|&v| v <= g);
                if at < k {
                    s.top.insert(at, g);
                    s.top.truncate(k);
                    if s.top.len() == k {
                        s.limit = s.top[k - 1] + 2.0 * s.margin;
                        // Keep the candidate list short as the limit falls.
                        if s.cands.len() > 8 * k + 64 {
                            let l = s.limit;
                            s.cands.retain(|&(v, _)| v <= l);
                        }
                    }
                }
            }
        }
    };
    let blocks = par_fold_distance_tiles(x, y, init, fold)?;
    Ok(blocks
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| {
            let q = &queries[i * d..(i + 1) * d];
            let mut exact: Vec<Candidate> = s
                .cands
                .iter()
                .filter(|&&(g, _)| g <= s.limit)
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
        .collect())
}
