//! The two optimisers behind [`LogisticRegression`](super::LogisticRegression):
//! limited-memory BFGS for smooth objectives, and accelerated proximal gradient (FISTA
//! with backtracking and restarts) when an L1 term makes the objective non-smooth.
//!
//! L-BFGS stops when the largest entry of the gradient is at most `gtol` (scipy's
//! `gtol`, as scikit-learn sets it), when an iteration lowers the objective by at most
//! `ftol` relative to its size, or when the line search finds no decrease at all (the
//! limit of floating-point precision). FISTA, which is not monotone, stops on the largest entry
//! of the gradient mapping `L (y − prox(y − ∇f(y)/L))` alone.

use ml_core::kernels::dot;

/// A smooth objective: fills the gradient and returns the value.
pub(crate) trait Objective {
    /// `f(x)`, with `∇f(x)` written into `grad`.
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64;
}

/// Where an optimiser stopped.
pub(crate) struct Optimum {
    pub(crate) x: Vec<f64>,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
    /// The objective or its gradient was not finite at the start: the data's scale is
    /// beyond what the loss can be evaluated at, and `x` is meaningless.
    pub(crate) overflowed: bool,
}

/// Stopping rules and limits.
pub(crate) struct StopRule {
    pub(crate) gtol: f64,
    pub(crate) ftol: f64,
    pub(crate) max_iter: usize,
}

fn max_abs(v: &[f64]) -> f64 {
    ml_core::kernels::max_abs(v.iter().copied())
}

/// `‖v‖₂` without overflow or underflow (`dot(v, v)` overflows past about 1e154).
fn norm2(v: &[f64]) -> f64 {
    let scale = ml_core::kernels::pow2_magnitude(max_abs(v));
    let scaled: f64 = v.iter().map(|a| (a / scale) * (a / scale)).sum();
    scaled.sqrt() * scale
}

/// Memory of L-BFGS (scipy's default `maxcor`).
const MEMORY: usize = 10;
/// Armijo constant of the backtracking line search.
const ARMIJO: f64 = 1e-4;
/// Line-search evaluations per iteration (scikit-learn passes `maxls=50`).
const MAX_LINE_SEARCH: usize = 50;

/// Minimises `f` from `x0` by L-BFGS with a backtracking (Armijo) line search.
pub(crate) fn lbfgs(f: &mut impl Objective, x0: Vec<f64>, rule: &StopRule) -> Optimum {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f.value_grad(&x, &mut g);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Optimum {
            x,
            n_iter: 0,
            converged: false,
            overflowed: true,
        };
    }
    if max_abs(&g) <= rule.gtol {
        return Optimum {
            x,
            n_iter: 0,
            converged: true,
            overflowed: false,
        };
    }
    let mut s_hist: Vec<Vec<f64>> = Vec::with_capacity(MEMORY);
    let mut y_hist: Vec<Vec<f64>> = Vec::with_capacity(MEMORY);
    let mut rho_hist: Vec<f64> = Vec::with_capacity(MEMORY);
    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut alpha_buf = [0.0; MEMORY];
    for iter in 1..=rule.max_iter {
        // Two-loop recursion: d = −H g.
        d.iter_mut().zip(&g).for_each(|(di, gi)| *di = -gi);
        let m = s_hist.len();
        for k in (0..m).rev() {
            let a = rho_hist[k] * dot(&s_hist[k], &d);
            alpha_buf[k] = a;
            d.iter_mut()
                .zip(&y_hist[k])
                .for_each(|(di, yi)| *di -= a * yi);
        }
        if m > 0 {
            let gamma = dot(&s_hist[m - 1], &y_hist[m - 1]) / dot(&y_hist[m - 1], &y_hist[m - 1]);
            d.iter_mut().for_each(|di| *di *= gamma);
        }
        for k in 0..m {
            let b = rho_hist[k] * dot(&y_hist[k], &d);
            let a = alpha_buf[k];
            d.iter_mut()
                .zip(&s_hist[k])
                .for_each(|(di, si)| *di += (a - b) * si);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (lost curvature information): restart on −g.
            s_hist.clear();
            y_hist.clear();
            rho_hist.clear();
            d.iter_mut().zip(&g).for_each(|(di, gi)| *di = -gi);
            slope = dot(&g, &d);
        }
        let mut step = if s_hist.is_empty() {
            (1.0 / norm2(&d)).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_LINE_SEARCH {
            x_new
                .iter_mut()
                .zip(x.iter().zip(&d))
                .for_each(|(xn, (xi, di))| *xn = xi + step * di);
            let f_new = f.value_grad(&x_new, &mut g_new);
            // A step too small to move x is no step: accepting it would stop the
            // iteration as "converged" without having moved.
            let moved = x_new.iter().zip(&x).any(|(a, b)| a != b);
            let finite = f_new.is_finite() && g_new.iter().all(|v| v.is_finite());
            if moved && finite && f_new <= fx + ARMIJO * step * slope {
                accepted = Some(f_new);
                break;
            }
            // Minimiser of the quadratic through f(0), f'(0) and f(step), kept in
            // [0.1, 0.5] · step.
            let q = if finite {
                -slope * step * step / (2.0 * (f_new - fx - slope * step))
            } else {
                0.1 * step
            };
            // max/min rather than clamp: a NaN q (or bound) must shrink the step, not
            // panic.
            step = q.max(0.1 * step).min(0.5 * step);
        }
        let Some(f_new) = accepted else {
            // No decrease along a descent direction: we are at the limit of precision.
            let converged = max_abs(&g) <= rule.gtol;
            return Optimum {
                x,
                n_iter: iter,
                converged,
                overflowed: false,
            };
        };
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > f64::EPSILON * dot(&y, &y) {
            if s_hist.len() == MEMORY {
                s_hist.remove(0);
                y_hist.remove(0);
                rho_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho_hist.push(1.0 / sy);
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let f_old = fx;
        fx = f_new;
        if max_abs(&g) <= rule.gtol {
            return Optimum {
                x,
                n_iter: iter,
                converged: true,
                overflowed: false,
            };
        }
        if f_old - fx <= rule.ftol * f_old.abs().max(fx.abs()).max(1.0) {
            return Optimum {
                x,
                n_iter: iter,
                converged: true,
                overflowed: false,
            };
        }
    }
    Optimum {
        x,
        n_iter: rule.max_iter,
        converged: false,
        overflowed: false,
    }
}

/// Minimises `f(x) + Σ_{i < n_penalised} l1 · |x_i|` by FISTA with backtracking on the
/// Lipschitz constant and function-value restarts. Entries at and after
/// `n_penalised` (the intercepts) are not penalised.
pub(crate) fn fista(
    f: &mut impl Objective,
    x0: Vec<f64>,
    l1: f64,
    n_penalised: usize,
    rule: &StopRule,
) -> Optimum {
    let n = x0.len();
    let penalty = |v: &[f64]| l1 * v[..n_penalised].iter().map(|a| a.abs()).sum::<f64>();
    let mut x = x0;
    let mut y = x.clone();
    let mut t = 1.0f64;
    // Whether `y` carries momentum (differs from `x`).
    let mut extrapolated = false;
    let mut lip = 1.0f64;
    let mut g = vec![0.0; n];
    let mut g_scratch = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut obj_x = {
        let fx = f.value_grad(&x, &mut g_scratch);
        fx + penalty(&x)
    };
    if !obj_x.is_finite() || g_scratch.iter().any(|v| !v.is_finite()) {
        return Optimum {
            x,
            n_iter: 0,
            converged: false,
            overflowed: true,
        };
    }
    for iter in 1..=rule.max_iter {
        let fy = f.value_grad(&y, &mut g);
        // Backtracking: the quadratic model at y must majorise f at the prox point.
        let mut fx_new;
        loop {
            for i in 0..n {
                let v = y[i] - g[i] / lip;
                x_new[i] = if i < n_penalised {
                    v.signum() * (v.abs() - l1 / lip).max(0.0)
                } else {
                    v
                };
            }
            fx_new = f.value_grad(&x_new, &mut g_scratch);
            let mut model = fy;
            let mut dist2 = 0.0;
            for i in 0..n {
                let diff = x_new[i] - y[i];
                model += g[i] * diff;
                dist2 += diff * diff;
            }
            model += 0.5 * lip * dist2;
            if fx_new <= model + 1e-12 * fy.abs().max(1.0) || lip > 1e300 {
                break;
            }
            lip *= 2.0;
        }
        // The gradient mapping L·(y − x⁺) vanishes exactly at the optimum.
        let mapping = y
            .iter()
            .zip(&x_new)
            .fold(0.0f64, |m, (a, b)| m.max((lip * (a - b)).abs()));
        let obj_new = fx_new + penalty(&x_new);
        if mapping <= rule.gtol {
            return Optimum {
                x: x_new,
                n_iter: iter,
                converged: true,
                overflowed: false,
            };
        }
        if obj_new > obj_x && extrapolated {
            // Momentum overshot: restart from the last iterate without it. A plain
            // step (no momentum) is always taken, so rounding at the optimum cannot
            // make the iteration cycle.
            t = 1.0;
            y.copy_from_slice(&x);
            extrapolated = false;
            continue;
        }
        let t_new = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
        let beta = (t - 1.0) / t_new;
        for i in 0..n {
            y[i] = x_new[i] + beta * (x_new[i] - x[i]);
        }
        extrapolated = beta != 0.0;
        x.copy_from_slice(&x_new);
        obj_x = obj_new;
        t = t_new;
        // Let the step grow again after conservative backtracking.
        lip *= 0.9;
    }
    Optimum {
        x,
        n_iter: rule.max_iter,
        converged: false,
        overflowed: false,
    }
}
