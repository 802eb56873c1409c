//! Elkan's algorithm: Lloyd's iterations with triangle-inequality bounds.
//!
//! Each sample keeps an upper bound `u` on the distance to its centre and, per centre
//! `j`, a lower bound `l_j` on the distance to `j`. When a centre moves by `δ`, the
//! bounds widen by `δ`. A sample whose `u` is at most half the distance from its
//! centre to the nearest other centre cannot change cluster; otherwise only the centres
//! `j` with `u > l_j` and `u > ½ d(c, c_j)` need an exact distance. With exact
//! arithmetic the labels are those of Lloyd's algorithm (ties excepted: Elkan keeps the
//! current centre on an exact tie, Lloyd takes the lowest index).
//!
//! Distances here are exact `√Σ(x − c)²` on a row-major copy of the centred data, and
//! each sample is handled independently, in fixed chunks, so the thread count does
//! not change the result.

use faer::{Mat, MatRef};
use rayon::prelude::*;

use ml_core::Result;

use super::lloyd::{self, Assigner, CHUNK, Run, Step};

/// Elkan's algorithm from `start` on centred `xc`.
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
    let (n, d, k) = (xc.nrows(), xc.ncols(), start.nrows());
    let mut rows = vec![0.0; n * d];
    for j in 0..d {
        for (i, &v) in xc.col(j).iter().enumerate() {
            rows[i * d + j] = v;
        }
    }
    let mut elkan = Elkan {
        xc,
        w,
        rows,
        d,
        k,
        labels: vec![0; n],
        upper: vec![0.0; n],
        lower: vec![0.0; n * k],
        initialised: false,
    };
    lloyd::iterate(xc, w, start, max_iter, tol_abs, &mut elkan)
}

struct Elkan<'a> {
    xc: MatRef<'a, f64>,
    w: &'a [f64],
    /// The centred samples, row-major, so one sample's features are contiguous.
    rows: Vec<f64>,
    d: usize,
    k: usize,
    labels: Vec<usize>,
    /// Upper bound on the distance of each sample to its centre.
    upper: Vec<f64>,
    /// Lower bounds on the distance of each sample to each centre (`n × k`, row-major).
    lower: Vec<f64>,
    initialised: bool,
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

impl Elkan<'_> {
    /// Updates the labels and bounds of every sample against `centres`.
    fn update_labels(&mut self, centres: MatRef<'_, f64>) {
        let (d, k) = (self.d, self.k);
        let c: Vec<f64> = (0..k * d).map(|t| centres[(t / d, t % d)]).collect();
        let rows = &self.rows;
        let chunks = self
            .labels
            .par_chunks_mut(CHUNK)
            .zip(self.upper.par_chunks_mut(CHUNK))
            .zip(self.lower.par_chunks_mut(CHUNK * k))
            .enumerate();
        if !self.initialised {
            // Every distance, exactly: tight bounds to start from.
            chunks.for_each(|(ci, ((labels, upper), lower))| {
                for (r, ((l, u), lo)) in labels
                    .iter_mut()
                    .zip(upper.iter_mut())
                    .zip(lower.chunks_mut(k))
                    .enumerate()
                {
                    let i = ci * CHUNK + r;
                    let x = &rows[i * d..(i + 1) * d];
                    let mut best = (0, f64::INFINITY);
                    for j in 0..k {
                        let dj = dist(x, &c[j * d..(j + 1) * d]);
                        lo[j] = dj;
                        if dj < best.1 {
                            best = (j, dj);
                        }
                    }
                    *l = best.0;
                    *u = best.1;
                }
            });
            self.initialised = true;
            return;
        }
        // Half the centre-to-centre distances, and half the distance to the nearest
        // other centre.
        let mut half = vec![0.0; k * k];
        for a in 0..k {
            for b in (a + 1)..k {
                let h = 0.5 * dist(&c[a * d..(a + 1) * d], &c[b * d..(b + 1) * d]);
                half[a * k + b] = h;
                half[b * k + a] = h;
            }
        }
        let s: Vec<f64> = (0..k)
            .map(|a| {
                (0..k)
                    .filter(|&b| b != a)
                    .map(|b| half[a * k + b])
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        chunks.for_each(|(ci, ((labels, upper), lower))| {
            for (r, ((l, u), lo)) in labels
                .iter_mut()
                .zip(upper.iter_mut())
                .zip(lower.chunks_mut(k))
                .enumerate()
            {
                if *u <= s[*l] {
                    continue;
                }
                let i = ci * CHUNK + r;
                let x = &rows[i * d..(i + 1) * d];
                let mut tight = false;
                for j in 0..k {
                    if j == *l || *u <= lo[j] || *u <= half[*l * k + j] {
                        continue;
                    }
                    if !tight {
                        *u = dist(x, &c[*l * d..(*l + 1) * d]);
                        lo[*l] = *u;
                        tight = true;
                        if *u <= lo[j] || *u <= half[*l * k + j] {
                            continue;
                        }
                    }
                    let dj = dist(x, &c[j * d..(j + 1) * d]);
                    lo[j] = dj;
                    if dj < *u {
                        *l = j;
                        *u = dj;
                    }
                }
            }
        });
    }
}

impl Assigner for Elkan<'_> {
    fn assign(&mut self, centres: MatRef<'_, f64>) -> Result<Step> {
        super::check_centres_finite(centres)?;
        self.update_labels(centres);
        Ok(lloyd::accumulate(
            self.xc,
            self.w,
            centres,
            self.labels.clone(),
        ))
    }

    fn centres_moved(&mut self, shifts: &[f64]) {
        let k = self.k;
        self.upper
            .par_iter_mut()
            .zip(self.labels.par_iter())
            .zip(self.lower.par_chunks_mut(k))
            .for_each(|((u, &l), lo)| {
                *u += shifts[l];
                for (b, &s) in lo.iter_mut().zip(shifts) {
                    *b = (*b - s).max(0.0);
                }
            });
    }

    fn final_labels(&mut self, centres: MatRef<'_, f64>) -> Result<Vec<usize>> {
        super::check_centres_finite(centres)?;
        self.update_labels(centres);
        Ok(self.labels.clone())
    }
}
