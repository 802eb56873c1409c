//! The losses of histogram gradient boosting, as scikit-learn 1.9.1's `_loss` module:
//! the baseline (the best constant), per-row gradients and hessians (rounded to `f32`,
//! as scikit-learn stores them), the mean loss that early stopping scores, and the
//! leaf values of the losses that are not differentiable.
//!
//! numpy's arithmetic is followed where a result feeds the trees: sums are pairwise
//! (`np.add.reduce`), medians and percentiles interpolate as `np.median` and
//! `np.percentile` do, so a baseline agrees with scikit-learn's to the bit.

use ml_core::kernels::pairwise_sum;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per parallel task of the gradient and loss passes.
const ROWS_PER_TASK: usize = 8192;

/// A loss of histogram gradient boosting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Loss {
    /// Half the squared error; identity link.
    Squared,
    /// The absolute error; identity link, leaves set to medians of the residuals.
    Absolute,
    /// The pinball loss of a quantile in (0, 1); identity link, leaves set to the
    /// residuals' quantile.
    Quantile(f64),
    /// Half the Poisson deviance; log link.
    Poisson,
    /// Half the Gamma deviance; log link.
    Gamma,
    /// Two classes, the log loss; logit link, one tree per iteration.
    Binomial,
    /// `k > 2` classes, the log loss; symmetric multinomial logit, `k` trees per
    /// iteration.
    Multinomial(usize),
}

impl Loss {
    /// The trees grown per iteration (and raw values per row).
    pub(crate) fn n_trees(self) -> usize {
        match self {
            Loss::Multinomial(k) => k,
            _ => 1,
        }
    }

    /// Whether the loss has a gradient everywhere; the others' leaves are refitted to
    /// the residuals (scikit-learn's `_update_leaves_values`).
    pub(crate) fn differentiable(self) -> bool {
        !matches!(self, Loss::Absolute | Loss::Quantile(_))
    }

    /// Whether every hessian is the same (1): unweighted squared, absolute and pinball
    /// losses. The histograms then count rows instead of summing hessians.
    pub(crate) fn constant_hessian(self, weighted: bool) -> bool {
        !weighted && matches!(self, Loss::Squared | Loss::Absolute | Loss::Quantile(_))
    }

    /// The best constant raw prediction (`fit_intercept_only`): `n_trees` values.
    /// `y` holds class codes as `f64` for the classifiers.
    pub(crate) fn baseline(self, y: &[f64], weights: Option<&[f64]>) -> Vec<f64> {
        let eps = f64::EPSILON;
        match self {
            Loss::Squared => vec![average(y, weights)],
            Loss::Absolute => vec![match weights {
                None => median(y),
                Some(w) => weighted_percentile(y, w, 50.0, false),
            }],
            Loss::Quantile(q) => vec![match weights {
                None => percentile_linear(y, 100.0 * q),
                Some(w) => weighted_percentile(y, w, 100.0 * q, false),
            }],
            Loss::Poisson | Loss::Gamma => vec![average(y, weights).max(10.0 * eps).ln()],
            Loss::Binomial => {
                let p = average(y, weights).clamp(10.0 * eps, 1.0 - 10.0 * eps);
                vec![(p / (1.0 - p)).ln()]
            }
            Loss::Multinomial(k) => {
                let p: Vec<f64> = (0..k)
                    .map(|c| {
                        let indicator: Vec<f64> = y
                            .iter()
                            .map(|&v| f64::from(u8::from(v == c as f64)))
                            .collect();
                        average(&indicator, weights).clamp(eps, 1.0 - eps)
                    })
                    .collect();
                // scipy's gmean: exp of the mean log.
                let logs: Vec<f64> = p.iter().map(|v| v.ln()).collect();
                let gm = (pairwise_sum(&logs) / k as f64).exp();
                p.iter().map(|v| (v / gm).ln()).collect()
            }
        }
    }

    /// Fills the gradients (and, unless constant, the hessians) of every row from the
    /// raw predictions: `raw`, `gradients` and `hessians` are column-major `n × k`.
    pub(crate) fn gradients(
        self,
        y: &[f64],
        raw: &[f64],
        weights: Option<&[f64]>,
        gradients: &mut [f32],
        hessians: &mut [f32],
    ) {
        let n = y.len();
        if let Loss::Multinomial(k) = self {
            multinomial_gradients(k, y, raw, weights, gradients, hessians);
            return;
        }
        let constant = self.constant_hessian(weights.is_some());
        let row = |i: usize| -> (f32, f32) {
            let (g, h) = self.gradient_hessian(y[i], raw[i]);
            match weights {
                None => (g as f32, h as f32),
                Some(w) => ((g * w[i]) as f32, (h * w[i]) as f32),
            }
        };
        if constant {
            gradients[..n]
                .par_chunks_mut(ROWS_PER_TASK)
                .enumerate()
                .for_each(|(b, g_out)| {
                    for (j, g) in g_out.iter_mut().enumerate() {
                        *g = row(b * ROWS_PER_TASK + j).0;
                    }
                });
        } else {
            gradients[..n]
                .par_chunks_mut(ROWS_PER_TASK)
                .zip(hessians[..n].par_chunks_mut(ROWS_PER_TASK))
                .enumerate()
                .for_each(|(b, (g_out, h_out))| {
                    for (j, (g, h)) in g_out.iter_mut().zip(h_out).enumerate() {
                        (*g, *h) = row(b * ROWS_PER_TASK + j);
                    }
                });
        }
    }

    /// One row's gradient and hessian (unweighted), as scikit-learn's
    /// `cgrad_hess_*` functions.
    fn gradient_hessian(self, y: f64, raw: f64) -> (f64, f64) {
        match self {
            Loss::Squared => (raw - y, 1.0),
            Loss::Absolute => (if raw > y { 1.0 } else { -1.0 }, 1.0),
            Loss::Quantile(q) => (if y >= raw { -q } else { 1.0 - q }, 1.0),
            Loss::Poisson => {
                let e = raw.exp();
                (e - y, e)
            }
            Loss::Gamma => {
                let e = (-raw).exp();
                (1.0 - y * e, y * e)
            }
            Loss::Binomial => {
                if raw > -37.0 {
                    let e = (-raw).exp();
                    (((1.0 - y) - y * e) / (1.0 + e), e / ((1.0 + e) * (1.0 + e)))
                } else {
                    let e = raw.exp();
                    (e - y, e)
                }
            }
            Loss::Multinomial(_) => unreachable!("multinomial gradients are per row"),
        }
    }

    /// One row's loss (unweighted).
    fn point_loss(self, y: f64, raw: &[f64]) -> f64 {
        let r = raw[0];
        match self {
            Loss::Squared => 0.5 * (r - y) * (r - y),
            Loss::Absolute => (r - y).abs(),
            Loss::Quantile(q) => {
                if y >= r {
                    q * (y - r)
                } else {
                    (1.0 - q) * (r - y)
                }
            }
            Loss::Poisson => r.exp() - y * r,
            Loss::Gamma => r + y * (-r).exp(),
            Loss::Binomial => log1pexp(r) - y * r,
            Loss::Multinomial(_) => {
                let max = raw.iter().copied().fold(raw[0], f64::max);
                let sum: f64 = raw.iter().map(|v| (v - max).exp()).sum();
                sum.ln() + max - raw[y as usize]
            }
        }
    }

    /// The (weighted) mean loss of raw predictions `raw` (column-major `n × k`), as
    /// scikit-learn's `loss(y, raw, sample_weight)`.
    pub(crate) fn mean_loss(self, y: &[f64], raw: &[f64], weights: Option<&[f64]>) -> f64 {
        let n = y.len();
        let k = self.n_trees();
        let losses: Vec<f64> = (0..n)
            .into_par_iter()
            .with_min_len(ROWS_PER_TASK)
            .map_init(
                || vec![0.0; k],
                |row, i| {
                    for (c, r) in row.iter_mut().enumerate() {
                        *r = raw[c * n + i];
                    }
                    self.point_loss(y[i], row)
                },
            )
            .collect();
        average(&losses, weights)
    }

    /// A leaf's value (before shrinkage) for the non-differentiable losses: the
    /// median or quantile of the residuals `y − raw` of its rows.
    pub(crate) fn leaf_value(self, residuals: &[f64], weights: Option<&[f64]>) -> f64 {
        self.baseline(residuals, weights)[0]
    }

    /// Maps raw predictions of one row to the prediction scale: the inverse link.
    pub(crate) fn inverse_link(self, raw: &mut [f64]) {
        match self {
            Loss::Squared | Loss::Absolute | Loss::Quantile(_) => {}
            Loss::Poisson | Loss::Gamma => raw.iter_mut().for_each(|r| *r = r.exp()),
            Loss::Binomial => {
                let p = expit(raw[0]);
                raw[0] = p;
            }
            Loss::Multinomial(_) => softmax(raw),
        }
    }
}

/// The multinomial gradients and hessians, row by row as scikit-learn computes them
/// (probabilities from `exp(raw − max)` divided by their sum).
fn multinomial_gradients(
    k: usize,
    y: &[f64],
    raw: &[f64],
    weights: Option<&[f64]>,
    gradients: &mut [f32],
    hessians: &mut [f32],
) {
    let n = y.len();
    let blocks: Vec<(Vec<f32>, Vec<f32>)> = (0..n.div_ceil(ROWS_PER_TASK))
        .into_par_iter()
        .map(|b| {
            let start = b * ROWS_PER_TASK;
            let end = (start + ROWS_PER_TASK).min(n);
            let mut g = vec![0f32; (end - start) * k];
            let mut h = vec![0f32; (end - start) * k];
            let mut p = vec![0.0; k];
            for i in start..end {
                let mut max = raw[i];
                for c in 1..k {
                    if max < raw[c * n + i] {
                        max = raw[c * n + i];
                    }
                }
                let mut sum = 0.0;
                for (c, pc) in p.iter_mut().enumerate() {
                    *pc = (raw[c * n + i] - max).exp();
                    sum += *pc;
                }
                let w = weights.map(|w| w[i]);
                for (c, pc) in p.iter_mut().enumerate() {
                    *pc /= sum;
                    let indicator = f64::from(u8::from(y[i] == c as f64));
                    let (gi, hi) = match w {
                        None => (*pc - indicator, *pc * (1.0 - *pc)),
                        Some(w) => ((*pc - indicator) * w, (*pc * (1.0 - *pc)) * w),
                    };
                    g[(i - start) * k + c] = gi as f32;
                    h[(i - start) * k + c] = hi as f32;
                }
            }
            (g, h)
        })
        .collect();
    for (b, (g, h)) in blocks.iter().enumerate() {
        let start = b * ROWS_PER_TASK;
        for (j, (gr, hr)) in g.chunks_exact(k).zip(h.chunks_exact(k)).enumerate() {
            for c in 0..k {
                gradients[c * n + start + j] = gr[c];
                hessians[c * n + start + j] = hr[c];
            }
        }
    }
}

/// `log(1 + exp(x))` without overflow, as scikit-learn's `log1pexp`.
fn log1pexp(x: f64) -> f64 {
    if x <= -37.0 {
        x.exp()
    } else if x <= -2.0 {
        x.exp().ln_1p()
    } else if x <= 18.0 {
        (1.0 + x.exp()).ln()
    } else if x <= 33.3 {
        x + (-x).exp()
    } else {
        x
    }
}

/// The logistic function, as scipy's `expit`.
pub(crate) fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The softmax of one row, in place (scipy's: `exp(x − max)` over its sum).
pub(crate) fn softmax(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    row.iter_mut().for_each(|v| *v = (*v - max).exp());
    let sum: f64 = row.iter().sum();
    row.iter_mut().for_each(|v| *v /= sum);
}

/// `np.average(a, weights=w)`: the mean, or `Σ a·w / Σ w`, pairwise sums.
pub(crate) fn average(a: &[f64], weights: Option<&[f64]>) -> f64 {
    match weights {
        None => pairwise_sum(a) / a.len() as f64,
        Some(w) => {
            let products: Vec<f64> = a.iter().zip(w).map(|(v, w)| v * w).collect();
            pairwise_sum(&products) / pairwise_sum(w)
        }
    }
}

fn sorted(a: &[f64]) -> Vec<f64> {
    let mut s = a.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    s
}

/// `np.median`: the middle value, or the mean of the two middle values.
pub(crate) fn median(a: &[f64]) -> f64 {
    let s = sorted(a);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// numpy's `_lerp`: `a + (b − a)·t`, computed from `b` when `t ≥ 0.5`.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// `np.percentile(a, p)` with the default (linear) method.
pub(crate) fn percentile_linear(a: &[f64], p: f64) -> f64 {
    let s = sorted(a);
    let n = s.len();
    let virtual_index = (n - 1) as f64 * (p / 100.0);
    if virtual_index <= 0.0 {
        return s[0];
    }
    if virtual_index >= (n - 1) as f64 {
        return s[n - 1];
    }
    let lo = virtual_index.floor();
    lerp(s[lo as usize], s[lo as usize + 1], virtual_index - lo)
}

/// `np.percentile(sorted, p, method="averaged_inverted_cdf")` of ascending values.
pub(crate) fn percentile_averaged_inverted_cdf(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let virtual_index = n as f64 * (p / 100.0) - 1.0;
    if virtual_index < 0.0 {
        return sorted[0];
    }
    if virtual_index >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    let lo = virtual_index.floor();
    let gamma = if virtual_index - lo == 0.0 { 0.5 } else { 1.0 };
    lerp(sorted[lo as usize], sorted[lo as usize + 1], gamma)
}

/// scikit-learn's `_weighted_percentile(a, w, p, average)` of one column: the first
/// value whose cumulative weight reaches `p`% of the total, or with `average` the mean
/// of it and the next positive-weight value when the rank falls exactly on a step.
pub(crate) fn weighted_percentile(a: &[f64], w: &[f64], p: f64, average: bool) -> f64 {
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.sort_by(|&i, &j| a[i].total_cmp(&a[j]));
    let mut cdf = Vec::with_capacity(order.len());
    let mut running = 0.0;
    for &i in &order {
        running += w[i];
        cdf.push(running);
    }
    sorted_weighted_percentile(
        &order.iter().map(|&i| a[i]).collect::<Vec<_>>(),
        &order.iter().map(|&i| w[i]).collect::<Vec<_>>(),
        &cdf,
        p,
        average,
    )
}

/// [`weighted_percentile`] of values already in ascending order, with their weights and
/// the cumulative weights.
pub(crate) fn sorted_weighted_percentile(
    values: &[f64],
    weights: &[f64],
    cdf: &[f64],
    p: f64,
    average: bool,
) -> f64 {
    let max_idx = values.len() - 1;
    let total = cdf[max_idx];
    let mut rank = p / 100.0 * total;
    if rank == 0.0 {
        rank = f64::from_bits(rank.to_bits() + 1);
    }
    let idx = cdf.partition_point(|&c| c < rank).min(max_idx);
    if !average {
        return values[idx];
    }
    let fraction_above = cdf[idx] - rank;
    if fraction_above > f64::EPSILON {
        return values[idx];
    }
    let mut next = (idx + 1).min(max_idx);
    if weights[next] == 0.0 {
        let at = cdf[idx];
        next = cdf.partition_point(|&c| c <= at);
        if next > max_idx {
            next = idx;
        }
    }
    (values[idx] + values[next]) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_as_numpy() {
        // np.percentile([1, 2, 2, 5], 50, method="averaged_inverted_cdf") == 2.0;
        // np.percentile([1, 2, 3, 4], 25, ...) == 1.5; np.percentile([1, 2, 3, 4], 30) == 1.9.
        assert_eq!(
            percentile_averaged_inverted_cdf(&[1.0, 2.0, 2.0, 5.0], 50.0),
            2.0
        );
        assert_eq!(
            percentile_averaged_inverted_cdf(&[1.0, 2.0, 3.0, 4.0], 25.0),
            1.5
        );
        assert!((percentile_linear(&[1.0, 2.0, 3.0, 4.0], 30.0) - 1.9).abs() < 1e-15);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        // _weighted_percentile([1, 2, 3], [1, 1, 2], 50) == 2; with average, 2.5.
        assert_eq!(
            weighted_percentile(&[1.0, 2.0, 3.0], &[1.0, 1.0, 2.0], 50.0, false),
            2.0
        );
        assert_eq!(
            weighted_percentile(&[1.0, 2.0, 3.0], &[1.0, 1.0, 2.0], 50.0, true),
            2.5
        );
    }

    #[test]
    fn binomial_gradients_are_the_logistic_residuals() {
        let (g, h) = Loss::Binomial.gradient_hessian(1.0, 0.0);
        assert_eq!((g, h), (-0.5, 0.25));
        let b = Loss::Binomial.baseline(&[0.0, 1.0, 1.0, 1.0], None);
        assert!((b[0] - 3f64.ln()).abs() < 1e-15);
    }
}
