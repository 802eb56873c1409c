//! The brute-force backend: every query against every indexed row.
//!
//! For Euclidean, squared Euclidean and cosine on dense rows, candidates come from
//! blocked GEMM distances (`‖x‖² − 2x·y + ‖y‖²`, in parallel over blocks of queries,
//! tile by tile, never an `n_queries × n` matrix; the dot products in `f32` above 8
//! features, as faiss computes them, at twice the `f64` GEMM's speed), kept with a
//! margin `e` that bounds the expansion's rounding (`4 (d + 4) u (‖q‖² + max ‖x‖²)` for
//! the unit roundoff `u` of the precision used); only the candidates are re-evaluated
//! exactly, in `f64`. For the `k` nearest that margin is `2e` above the `k`-th
//! smallest approximate value: the `k` true nearest rows are all at most `e` above their
//! approximations, and the `k`-th true distance is at most `e` above the `k`-th
//! approximate one, so no true neighbour is missed. Other metrics and CSR rows are
//! evaluated exactly row by row.

use faer::linalg::matmul::matmul;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::{Candidate, Metric, Points, QueryRows, Row, select_k};
use crate::Result;
use crate::linalg::{DIRECT_MAX_FEATURES, par_fold_distance_tiles};

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

/// Whether the GEMM expansion is sound for these queries: no zero row for cosine (its
/// unit-row identity does not hold), and no value so far beyond the indexed rows (which
/// are scaled below 1) that squares or `f32` copies overflow; such queries take the
/// exact row-by-row path.
fn gemm_safe(metric: Metric, queries: &QueryRows<'_>, values: &[f64]) -> bool {
    const MODERATE: f64 = (1u64 << 40) as f64;
    !(metric == Metric::Cosine && queries.has_zero_row())
        && values.iter().all(|v| v.abs() <= MODERATE)
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

/// The rounding margin of one query's GEMM values: the expansion's error is at most
/// `(d + 2) u (‖q‖² + ‖x‖²)` for unit roundoff `u`, and rounding the rows to `f32` adds
/// `2u` of the same; twice that covers both with room.
fn margin(d: usize, q_norm2: f64, max_norm2: f64, single: bool) -> f64 {
    let u = if single {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    4.0 * (d as f64 + 4.0) * u * (q_norm2 + max_norm2)
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
        && gemm_safe(metric, queries, q)
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
        && gemm_safe(metric, queries, q)
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

/// The running state of a block of queries on the GEMM path: per query the rows whose
/// approximate value is within its limit and, for the `k` nearest, the `k` smallest
/// values so far (the limit is then the `k`-th plus twice the margin).
struct Block {
    r0: usize,
    k: usize,
    limits: Vec<f64>,
    margins: Vec<f64>,
    /// Squared norms of the queries (for the f32 path's expansion).
    norms: Vec<f64>,
    cands: Vec<Vec<(f64, usize)>>,
    top: Vec<Vec<f64>>,
}

impl Block {
    /// Offers row `j`'s approximate value `g` to query `i` of the block.
    #[inline]
    fn offer(&mut self, i: usize, g: f64, j: usize) {
        if g > self.limits[i] {
            return;
        }
        self.cands[i].push((g, j));
        let k = self.k;
        if k == 0 {
            return;
        }
        let top = &mut self.top[i];
        let at = top.partition_point(|&v| v <= g);
        if at < k {
            top.insert(at, g);
            top.truncate(k);
            if top.len() == k {
                let limit = top[k - 1] + 2.0 * self.margins[i];
                self.limits[i] = limit;
                // Keep the candidate list short as the limit falls.
                if self.cands[i].len() > 8 * k + 64 {
                    self.cands[i].retain(|&(v, _)| v <= limit);
                }
            }
        }
    }

    /// Folds a tile of approximate values (`g(i, w)` for query `i` of the block and row
    /// `c0 + w`), checking eight queries at a time before the rare slow path.
    #[inline(always)]
    fn fold(&mut self, c0: usize, width: usize, g: impl Fn(usize, usize) -> f64) {
        let b = self.limits.len();
        for w in 0..width {
            let mut i0 = 0;
            while i0 < b {
                let end = (i0 + 8).min(b);
                let hit = (i0..end).fold(false, |h, i| h | (g(i, w) <= self.limits[i]));
                if hit {
                    for i in i0..end {
                        self.offer(i, g(i, w), c0 + w);
                    }
                }
                i0 = end;
            }
        }
    }
}

/// The GEMM path for dense Euclidean-family and cosine rows. Above
/// [`DIRECT_MAX_FEATURES`] the dot products run in `f32` (twice the GEMM throughput;
/// the norms stay `f64`), with the margin widened to `f32` rounding; at most that many
/// features, `ml_core::linalg` sums the squares directly in `f64`.
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
    let max_norm2 = points.max_norm2();
    let single = d > DIRECT_MAX_FEATURES;
    let k = match search {
        Search::Nearest(k) => k,
        Search::Within(_) => 0,
    };
    let init = |r0: usize, b: usize| -> Block {
        let norms: Vec<f64> = (r0..r0 + b)
            .map(|i| {
                let q = &queries[i * d..(i + 1) * d];
                crate::kernels::dot(q, q)
            })
            .collect();
        let margins: Vec<f64> = norms
            .iter()
            .map(|&q| margin(d, q, max_norm2, single))
            .collect();
        Block {
            r0,
            k,
            limits: margins
                .iter()
                .map(|e| match search {
                    Search::Nearest(_) => f64::INFINITY,
                    Search::Within(r) => gemm_units(metric, r) + e,
                })
                .collect(),
            margins,
            norms,
            cands: vec![Vec::new(); b],
            top: vec![Vec::with_capacity(k + 1); if k > 0 { b } else { 0 }],
        }
    };
    let blocks = if single {
        f32_tiles(data, d, queries, init)
    } else {
        let x = MatRef::from_row_major_slice(queries, m, d);
        let y = MatRef::from_row_major_slice(data, n, d);
        par_fold_distance_tiles(x, y, init, |block: &mut Block, c0, tile| {
            block.fold(c0, tile.ncols(), |i, w| tile[(i, w)]);
        })?
    };
    Ok(blocks
        .into_iter()
        .flat_map(|block| {
            let r0 = block.r0;
            block
                .cands
                .into_iter()
                .zip(block.limits)
                .enumerate()
                .map(move |(i, (cands, limit))| (r0 + i, cands, limit))
        })
        .map(|(i, cands, limit)| {
            let q = &queries[i * d..(i + 1) * d];
            let mut exact: Vec<Candidate> = cands
                .iter()
                .filter(|&&(g, _)| g <= limit)
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

/// Query rows per parallel block of the `f32` path, and indexed rows per tile (a
/// `256 × 256` tile of `f32` is 256 KiB, an L2's worth).
const F32_BLOCK: usize = 256;
const F32_TILE: usize = 256;

/// The `f32` candidate pass: `‖q‖² + ‖x‖² − 2 q·x` with the dot products from an `f32`
/// GEMM, in parallel over blocks of queries, each folded tile by tile.
fn f32_tiles(
    data: &[f64],
    d: usize,
    queries: &[f64],
    init: impl Fn(usize, usize) -> Block + Sync,
) -> Vec<Block> {
    let n = data.len() / d;
    let m = queries.len() / d;
    // Yᵀ as d × n (each indexed row a contiguous column), the layout the GEMM packs fastest.
    let yt = Mat::<f32>::from_fn(d, n, |f, j| data[j * d + f] as f32);
    let y_norms: Vec<f64> = data
        .chunks_exact(d)
        .map(|r| r.iter().map(|v| v * v).sum())
        .collect();
    let x = Mat::<f32>::from_fn(m, d, |i, f| queries[i * d + f] as f32);
    // Enough blocks for every thread, none above F32_BLOCK rows.
    let per_block = m
        .div_ceil(4 * rayon::current_num_threads())
        .clamp(16, F32_BLOCK);
    (0..m.div_ceil(per_block))
        .into_par_iter()
        .map_init(Vec::new, |scratch: &mut Vec<f32>, blk| {
            let r0 = blk * per_block;
            let b = per_block.min(m - r0);
            let mut block = init(r0, b);
            let qn = std::mem::take(&mut block.norms);
            scratch.resize(b * F32_TILE, 0.0);
            let mut c0 = 0;
            while c0 < n {
                let w = F32_TILE.min(n - c0);
                let mut t = MatMut::from_column_major_slice_mut(&mut scratch[..b * w], b, w);
                matmul(
                    t.rb_mut(),
                    Accum::Replace,
                    x.subrows(r0, b),
                    yt.subcols(c0, w),
                    -2.0f32,
                    Par::Seq,
                );
                let (t, yn) = (t.rb(), &y_norms[c0..c0 + w]);
                block.fold(c0, w, |i, col| qn[i] + yn[col] + f64::from(t[(i, col)]));
                c0 += w;
            }
            block.norms = qn;
            block
        })
        .collect()
}
