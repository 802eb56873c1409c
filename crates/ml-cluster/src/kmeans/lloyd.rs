//! The iteration loop shared by Lloyd's and Elkan's algorithms, Lloyd's assignment step,
//! and the pieces both use: per-chunk centre sums reduced in chunk order, empty-cluster
//! relocation and the exact inertia.
//!
//! Every parallel reduction splits the rows into chunks of [`CHUNK`] rows, whatever the
//! number of threads, and adds the chunks' partial results in chunk order: the sums, and
//! so the whole fit, are bit-identical on one thread and on many.

use faer::{Mat, MatRef};
use rayon::prelude::*;

use ml_core::Result;
use ml_core::linalg::{NearestRows, argmin_squared_euclidean};

use super::{centres_overflow, check_centres_finite};

/// Rows per chunk of every parallel pass (scikit-learn's Lloyd uses 256 too): large
/// enough to amortise a GEMM call, small enough to balance two threads on small data.
pub(super) const CHUNK: usize = 256;

/// The outcome of one run from one set of initial centres (on centred data).
#[derive(Debug)]
pub(super) struct Run {
    pub(super) centres: Mat<f64>,
    pub(super) labels: Vec<usize>,
    pub(super) inertia: f64,
    pub(super) n_iter: usize,
    pub(super) converged: bool,
    pub(super) history: Vec<f64>,
}

/// One assignment step: the labels against the current centres, the weighted sums of
/// the samples of each cluster (`k × d`, row-major), their total weights, and the
/// weighted squared distance of the samples to their assigned centres.
#[derive(Debug)]
pub(super) struct Step {
    pub(super) labels: Vec<usize>,
    pub(super) sums: Vec<f64>,
    pub(super) weights: Vec<f64>,
    pub(super) inertia: f64,
}

/// What differs between Lloyd and Elkan: how labels are found.
pub(super) trait Assigner {
    /// The assignment step against `centres`, with the centre sums of its labels.
    ///
    /// # Errors
    /// [`ml_core::Error::InvalidData`] when the data's scale makes the distances
    /// overflow.
    fn assign(&mut self, centres: MatRef<'_, f64>) -> Result<Step>;
    /// The centres moved by `shifts` (Euclidean, per centre) to `centres`: bounds
    /// can be updated.
    fn centres_moved(&mut self, shifts: &[f64]);
    /// Labels against the final centres, after a run that stopped on the tolerance.
    ///
    /// # Errors
    /// As [`assign`](Self::assign).
    fn final_labels(&mut self, centres: MatRef<'_, f64>) -> Result<Vec<usize>>;
}

/// The squared norm of every row.
pub(super) fn row_norms(x: MatRef<'_, f64>) -> Vec<f64> {
    let mut norms = vec![0.0; x.nrows()];
    for j in 0..x.ncols() {
        for (n, &v) in norms.iter_mut().zip(x.col(j).iter()) {
            *n += v * v;
        }
    }
    norms
}

/// Lloyd's algorithm from `start` on centred `xc`.
///
/// # Errors
/// [`ml_core::Error::InvalidData`] when the centres overflow.
pub(super) fn run(
    xc: MatRef<'_, f64>,
    w: &[f64],
    start: Mat<f64>,
    max_iter: usize,
    tol_abs: f64,
) -> Result<Run> {
    let mut assigner = Lloyd { xc, w };
    iterate(xc, w, start, max_iter, tol_abs, &mut assigner)
}

/// Lloyd's assignment: the nearest centre of each chunk of rows (one GEMM per tile, or
/// direct sums for few features), reduced to labels and centre sums in the same pass.
struct Lloyd<'a> {
    xc: MatRef<'a, f64>,
    w: &'a [f64],
}

impl Assigner for Lloyd<'_> {
    fn assign(&mut self, centres: MatRef<'_, f64>) -> Result<Step> {
        let (xc, w) = (self.xc, self.w);
        let (k, d) = (centres.nrows(), centres.ncols());
        // The centres are weighted means of validated rows: non-empty, and finite
        // unless the data's scale made them overflow.
        check_centres_finite(centres)?;
        let nearest = NearestRows::new(centres)?;
        let n = xc.nrows();
        let parts: Vec<_> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map_init(Vec::new, |scratch, c| {
                let r0 = c * CHUNK;
                let b = CHUNK.min(n - r0);
                let mut labels = vec![0usize; b];
                let mut best = vec![0.0; b];
                // `xc` was checked finite when centred: only the scale can fail here.
                nearest
                    .assign(xc.subrows(r0, b), &mut labels, &mut best, scratch)
                    .map_err(|_| centres_overflow())?;
                let inertia: f64 = best.iter().zip(&w[r0..r0 + b]).map(|(m, wi)| m * wi).sum();
                let (sums, weights) = chunk_sums(xc, w, &labels, r0, k, d);
                Ok((labels, sums, weights, inertia))
            })
            .collect::<Result<_>>()?;
        let mut step = Step {
            labels: Vec::with_capacity(xc.nrows()),
            sums: vec![0.0; k * d],
            weights: vec![0.0; k],
            inertia: 0.0,
        };
        for (labels, sums, weights, inertia) in parts {
            step.labels.extend_from_slice(&labels);
            add_into(&mut step.sums, &sums);
            add_into(&mut step.weights, &weights);
            step.inertia += inertia;
        }
        Ok(step)
    }

    fn centres_moved(&mut self, _shifts: &[f64]) {}

    fn final_labels(&mut self, centres: MatRef<'_, f64>) -> Result<Vec<usize>> {
        check_centres_finite(centres)?;
        Ok(argmin_squared_euclidean(self.xc, centres)
            .map_err(|_| centres_overflow())?
            .0)
    }
}

fn add_into(acc: &mut [f64], part: &[f64]) {
    for (a, p) in acc.iter_mut().zip(part) {
        *a += p;
    }
}

/// The weighted sums (`k × d`, row-major) and total weights of the samples
/// `r0..r0 + labels.len()` per cluster.
fn chunk_sums(
    xc: MatRef<'_, f64>,
    w: &[f64],
    labels: &[usize],
    r0: usize,
    k: usize,
    d: usize,
) -> (Vec<f64>, Vec<f64>) {
    let b = labels.len();
    let ws = &w[r0..r0 + b];
    let mut sums = vec![0.0; k * d];
    let mut weights = vec![0.0; k];
    for (&l, &wi) in labels.iter().zip(ws) {
        weights[l] += wi;
    }
    // Column by column: contiguous reads of faer's column-major storage.
    for j in 0..d {
        let col = xc.col(j).subrows(r0, b);
        for ((&l, &wi), &v) in labels.iter().zip(ws).zip(col.iter()) {
            sums[l * d + j] += wi * v;
        }
    }
    (sums, weights)
}

/// Centre sums, weights and the exact inertia of given labels against `centres`,
/// chunk by chunk in parallel, reduced in chunk order.
pub(super) fn accumulate(
    xc: MatRef<'_, f64>,
    w: &[f64],
    centres: MatRef<'_, f64>,
    labels: Vec<usize>,
) -> Step {
    let (k, d) = (centres.nrows(), centres.ncols());
    let parts: Vec<(Vec<f64>, Vec<f64>)> = labels
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, ls)| chunk_sums(xc, w, ls, c * CHUNK, k, d))
        .collect();
    let mut sums = vec![0.0; k * d];
    let mut weights = vec![0.0; k];
    for (s, wt) in parts {
        add_into(&mut sums, &s);
        add_into(&mut weights, &wt);
    }
    let inertia = exact_inertia(xc, w, centres, &labels);
    Step {
        labels,
        sums,
        weights,
        inertia,
    }
}

/// `Σ wᵢ ‖xᵢ − c_{labels i}‖²` by direct differences (no cancellation), in chunks
/// reduced in order.
pub(super) fn exact_inertia(
    x: MatRef<'_, f64>,
    w: &[f64],
    centres: MatRef<'_, f64>,
    labels: &[usize],
) -> f64 {
    let d = x.ncols();
    let parts: Vec<f64> = labels
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, ls)| {
            let r0 = c * CHUNK;
            let mut acc = vec![0.0; ls.len()];
            for j in 0..d {
                let col = x.col(j).subrows(r0, ls.len());
                for ((a, &l), &v) in acc.iter_mut().zip(ls).zip(col.iter()) {
                    let diff = v - centres[(l, j)];
                    *a += diff * diff;
                }
            }
            acc.iter()
                .zip(&w[r0..r0 + ls.len()])
                .map(|(a, wi)| a * wi)
                .sum()
        })
        .collect();
    parts.iter().sum()
}

/// Re-seeds every cluster of zero weight at the samples farthest from their assigned
/// centres (the farthest to the first empty cluster, and so on), moving each such
/// sample's weight and contribution out of its old cluster's sums.
fn relocate_empty(
    xc: MatRef<'_, f64>,
    w: &[f64],
    centres_old: MatRef<'_, f64>,
    labels: &[usize],
    sums: &mut [f64],
    weights: &mut [f64],
) {
    let empty: Vec<usize> = (0..weights.len()).filter(|&j| weights[j] == 0.0).collect();
    if empty.is_empty() {
        return;
    }
    let d = xc.ncols();
    let mut dist = vec![0.0; xc.nrows()];
    for j in 0..d {
        for ((s, &l), &v) in dist.iter_mut().zip(labels).zip(xc.col(j).iter()) {
            let diff = v - centres_old[(l, j)];
            *s += diff * diff;
        }
    }
    let mut order: Vec<usize> = (0..xc.nrows()).collect();
    // Farthest first; equal distances in row order, so the choice is reproducible.
    order.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]).then(a.cmp(&b)));
    for (&new_id, &far) in empty.iter().zip(&order) {
        let old_id = labels[far];
        let wf = w[far];
        for j in 0..d {
            let v = xc[(far, j)] * wf;
            sums[old_id * d + j] -= v;
            sums[new_id * d + j] = v;
        }
        weights[new_id] = wf;
        weights[old_id] -= wf;
    }
}

/// The loop of scikit-learn's `_kmeans_single_lloyd` / `_kmeans_single_elkan`: assign,
/// relocate empty clusters, average, stop on unchanged labels or on a total squared
/// shift at most `tol_abs`.
///
/// # Errors
/// [`ml_core::Error::InvalidData`] when the centres overflow (finite data of too large
/// a scale, or too large weights).
pub(super) fn iterate<A: Assigner>(
    xc: MatRef<'_, f64>,
    w: &[f64],
    start: Mat<f64>,
    max_iter: usize,
    tol_abs: f64,
    assigner: &mut A,
) -> Result<Run> {
    let (k, d) = (start.nrows(), start.ncols());
    let mut centres = start;
    let mut labels_old: Option<Vec<usize>> = None;
    let mut history = Vec::new();
    let mut n_iter = 0;
    let mut converged = false;
    let mut strict_labels = None;
    for it in 0..max_iter {
        let Step {
            labels,
            mut sums,
            mut weights,
            inertia,
        } = assigner.assign(centres.as_ref())?;
        history.push(inertia);
        relocate_empty(xc, w, centres.as_ref(), &labels, &mut sums, &mut weights);
        let new = Mat::from_fn(k, d, |i, j| {
            // A cluster left with no weight keeps its (zero) sum, as scikit-learn.
            if weights[i] > 0.0 {
                sums[i * d + j] / weights[i]
            } else {
                sums[i * d + j]
            }
        });
        check_centres_finite(new.as_ref())?;
        let shifts: Vec<f64> = (0..k)
            .map(|i| {
                (0..d)
                    .map(|j| (new[(i, j)] - centres[(i, j)]).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        assigner.centres_moved(&shifts);
        centres = new;
        n_iter = it + 1;
        if labels_old.as_deref() == Some(labels.as_slice()) {
            converged = true;
            strict_labels = Some(labels);
            break;
        }
        let total: f64 = shifts.iter().map(|s| s * s).sum();
        if total <= tol_abs {
            converged = true;
            break;
        }
        labels_old = Some(labels);
    }
    let labels = match strict_labels {
        Some(l) => l,
        None => assigner.final_labels(centres.as_ref())?,
    };
    let inertia = exact_inertia(xc, w, centres.as_ref(), &labels);
    Ok(Run {
        centres,
        labels,
        inertia,
        n_iter,
        converged,
        history,
    })
}
