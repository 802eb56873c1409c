//! The input affinities `P`, as scikit-learn 1.9's `_joint_probabilities` (every pair,
//! for the exact method) and `_joint_probabilities_nn` (the `⌊3·perplexity + 1⌋`
//! nearest neighbours): a per-row binary search for the Gaussian precision whose
//! conditional distribution has the wanted perplexity, then `P = (C + Cᵀ) / ΣC`.
//!
//! As in scikit-learn, the squared distances are rounded to `f32` before the search
//! (its exact path squares scikit-learn's GEMM distances; ours squares the exact ones).

use ml_core::neighbors::NeighborIndex;
use ml_core::{Error, Result};
use rayon::prelude::*;

/// `f64::EPSILON`, scikit-learn's `MACHINE_EPSILON` floor on sums and probabilities.
const MACHINE_EPSILON: f64 = f64::EPSILON;

/// Steps and tolerance of the bandwidth search (scikit-learn's `_utils.pyx`).
const SEARCH_STEPS: usize = 100;
const PERPLEXITY_TOLERANCE: f64 = 1e-5;

/// The conditional distribution of one row over `sq` (squared distances to the other
/// rows), into `out`: `exp(−β·d²)` normalised, with `β` bisected from 1 until the
/// entropy is within `1e-5` of `ln(perplexity)` (at most 100 steps).
pub(super) fn conditional_row(sq: &[f64], desired_entropy: f64, out: &mut [f64]) {
    let (mut beta_min, mut beta_max, mut beta) = (f64::NEG_INFINITY, f64::INFINITY, 1.0f64);
    for _ in 0..SEARCH_STEPS {
        let mut sum = 0.0;
        for (p, &d) in out.iter_mut().zip(sq) {
            *p = (-d * beta).exp();
            sum += *p;
        }
        if sum == 0.0 {
            sum = 1e-8;
        }
        let mut sum_dp = 0.0;
        for (p, &d) in out.iter_mut().zip(sq) {
            *p /= sum;
            sum_dp += d * *p;
        }
        let diff = sum.ln() + beta * sum_dp - desired_entropy;
        if diff.abs() <= PERPLEXITY_TOLERANCE {
            break;
        }
        if diff > 0.0 {
            beta_min = beta;
            beta = if beta_max == f64::INFINITY {
                beta * 2.0
            } else {
                (beta + beta_max) / 2.0
            };
        } else {
            beta_max = beta;
            beta = if beta_min == f64::NEG_INFINITY {
                beta / 2.0
            } else {
                (beta + beta_min) / 2.0
            };
        }
    }
}

/// A squared distance as scikit-learn hands it to the search: rounded to `f32`.
fn squared_f32(d: f64) -> f64 {
    f64::from((d * d) as f32)
}

/// The joint affinities of the neighbour graph, symmetric, as CSR rows (columns
/// ascending), summing to 1.
#[derive(Debug, Clone)]
pub(super) struct SparseAffinities {
    pub(super) offsets: Vec<usize>,
    pub(super) columns: Vec<usize>,
    pub(super) values: Vec<f64>,
}

impl SparseAffinities {
    pub(super) fn row(&self, i: usize) -> (&[usize], &[f64]) {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        (&self.columns[a..b], &self.values[a..b])
    }
}

/// scikit-learn's `_joint_probabilities_nn`: each indexed row's `k` nearest other rows.
pub(super) fn from_neighbors(
    index: &NeighborIndex,
    k: usize,
    perplexity: f64,
) -> Result<SparseAffinities> {
    let n = index.n_samples();
    let found = index.kneighbors_of_indexed(k)?;
    let entropy = perplexity.ln();
    let conditional: Vec<f64> = (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            let sq: Vec<f64> = found.distances(i).iter().map(|&d| squared_f32(d)).collect();
            let mut p = vec![0.0; k];
            conditional_row(&sq, entropy, &mut p);
            p
        })
        .collect();
    // C + Cᵀ as sorted triplets, duplicates merged.
    let mut triplets: Vec<(usize, usize, f64)> = Vec::with_capacity(2 * n * k);
    for i in 0..n {
        for (&j, &p) in found
            .indices(i)
            .iter()
            .zip(&conditional[i * k..(i + 1) * k])
        {
            triplets.push((i, j, p));
            triplets.push((j, i, p));
        }
    }
    triplets.par_sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut offsets = vec![0usize; n + 1];
    let (mut columns, mut values) = (Vec::with_capacity(triplets.len()), Vec::new());
    values.reserve(triplets.len());
    let mut last: Option<(usize, usize)> = None;
    for (i, j, p) in triplets {
        if last == Some((i, j)) {
            *values.last_mut().expect("a previous entry") += p;
        } else {
            columns.push(j);
            values.push(p);
            offsets[i + 1] += 1;
            last = Some((i, j));
        }
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let total = values.iter().sum::<f64>().max(MACHINE_EPSILON);
    values.iter_mut().for_each(|v| *v /= total);
    Ok(SparseAffinities {
        offsets,
        columns,
        values,
    })
}

/// scikit-learn's `_joint_probabilities`: every pair, row-major `n × n` with a zero
/// diagonal and every other entry at least `f64::EPSILON`.
pub(super) fn exact(index: &NeighborIndex, perplexity: f64) -> Result<Vec<f64>> {
    let n = index.n_samples();
    if n.checked_mul(n).is_none() {
        return Err(Error::LimitExceeded {
            what: "pairs of the exact method",
            requested: usize::MAX,
            limit: usize::MAX,
        });
    }
    let found = index.kneighbors_of_indexed(n - 1)?;
    let entropy = perplexity.ln();
    let mut c = vec![0.0; n * n];
    c.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        let sq: Vec<f64> = found.distances(i).iter().map(|&d| squared_f32(d)).collect();
        let mut p = vec![0.0; n - 1];
        conditional_row(&sq, entropy, &mut p);
        for (&j, &v) in found.indices(i).iter().zip(&p) {
            row[j] = v;
        }
    });
    let mut total = 0.0;
    for i in 0..n {
        for j in 0..n {
            total += c[i * n + j] + c[j * n + i];
        }
    }
    let total = total.max(MACHINE_EPSILON);
    let mut p = vec![0.0; n * n];
    p.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        for (j, v) in row.iter_mut().enumerate() {
            if i != j {
                *v = ((c[i * n + j] + c[j * n + i]) / total).max(MACHINE_EPSILON);
            }
        }
    });
    Ok(p)
}
