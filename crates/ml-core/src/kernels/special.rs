//! Special functions: the digamma function ψ and ln Γ (variational LDA's bound and
//! E-step, log-likelihoods).
//!
//! [`digamma`] follows Bernardo's Algorithm AS 103 (1976): the recurrence
//! ψ(x) = ψ(x + 1) − 1/x up to x ≥ 6, then the asymptotic series
//! ln x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶). Its absolute error is below
//! 3·10⁻⁹ (the first omitted term, 1/(240x⁸) at x = 6), which is far below what a
//! variational bound with a `mean_change_tol` of 10⁻³ can see, and it is the rule
//! scikit-learn's compiled E-step uses: a more accurate ψ changes the doc-topic
//! distributions of the SMS corpus by up to 1.4·10⁻⁷, so matching the rule is what
//! makes `transform` agree with scikit-learn's to 10⁻¹². The recurrence is folded
//! into one fraction so that it costs one division instead of up to six.
//!
//! [`ln_gamma`] (Stirling's series above 10, the recurrence below) is within a few ulps
//! relative above 10 and 10⁻¹⁴ absolute below, close enough to scipy's `gammaln` for
//! the bound's sums (observed perplexity difference to scikit-learn: 5·10⁻¹⁵ relative).

/// The Euler–Mascheroni constant γ.
const EULER: f64 = 0.577_215_664_901_532_9;

/// ψ(x) for x > 0 by AS 103 (see the module doc); absolute error < 3·10⁻⁹.
#[inline]
pub fn digamma(x: f64) -> f64 {
    if x <= 1e-6 {
        // ψ(x) = −γ − 1/x + O(x)
        return -EULER - 1.0 / x;
    }
    let mut x = x;
    // Σ 1/(x + i) for the shifted terms, kept as num/den: one division at the end.
    let (mut num, mut den) = (0.0f64, 1.0f64);
    while x < 6.0 {
        num = num * x + den;
        den *= x;
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    let series = x.ln() - 0.5 * r - r2 * ((1.0 / 12.0) - r2 * ((1.0 / 120.0) - r2 * (1.0 / 252.0)));
    series - num / den
}

/// ln Γ(x) for x > 0 (see the module doc for its accuracy); NaN for x ≤ 0 or NaN, and
/// +∞ for x = +∞, so no input can make the recurrence below loop.
pub fn ln_gamma(x: f64) -> f64 {
    const HALF_LN_2PI: f64 = 0.918_938_533_204_672_7;
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    if x < 10.0 {
        // Γ(x) = Γ(x + n) / (x (x + 1) ... (x + n − 1)).
        let mut prod = 1.0f64;
        let mut y = x;
        while y < 10.0 {
            prod *= y;
            y += 1.0;
        }
        return ln_gamma(y) - prod.ln();
    }
    // Stirling: (x − ½) ln x − x + ½ ln 2π + Σ B₂ₖ / (2k (2k − 1) x^(2k−1)).
    let r = 1.0 / x;
    let r2 = r * r;
    let series = r
        * (1.0 / 12.0
            - r2 * (1.0 / 360.0
                - r2 * (1.0 / 1260.0
                    - r2 * (1.0 / 1680.0
                        - r2 * (1.0 / 1188.0 - r2 * (691.0 / 360_360.0 - r2 * (1.0 / 156.0)))))));
    (x - 0.5) * x.ln() - x + HALF_LN_2PI + series
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An accurate ψ: recurrence to x ≥ 20 and the series through x⁻¹⁴.
    fn digamma_ref(mut x: f64) -> f64 {
        let mut acc = 0.0;
        while x < 20.0 {
            acc -= 1.0 / x;
            x += 1.0;
        }
        let r2 = 1.0 / (x * x);
        let series = r2
            * (1.0 / 12.0
                - r2 * (1.0 / 120.0
                    - r2 * (1.0 / 252.0
                        - r2 * (1.0 / 240.0 - r2 * (1.0 / 132.0 - r2 * (691.0 / 32760.0))))));
        acc + x.ln() - 0.5 / x - series
    }

    #[test]
    fn digamma_known_values() {
        assert!((digamma(1.0) + EULER).abs() < 3e-9);
        assert!((digamma(0.5) - (-EULER - 2.0 * std::f64::consts::LN_2)).abs() < 3e-9);
        assert!((digamma(1e-7) - (-EULER - 1e7)).abs() < 1e-6);
    }

    #[test]
    fn digamma_error_is_bounded() {
        let mut x = 1e-5;
        while x < 1e6 {
            let err = (digamma(x) - digamma_ref(x)).abs();
            assert!(err < 3e-9, "psi({x}) off by {err:e}");
            x *= 1.07;
        }
    }

    #[test]
    fn ln_gamma_known_values() {
        // ln Γ(1) = ln Γ(2) = 0, Γ(½) = √π, Γ(10) = 9!, Γ(0.1) = 9.513507698668732.
        assert!(ln_gamma(1.0).abs() < 1e-14);
        assert!(ln_gamma(2.0).abs() < 1e-14);
        let half = 0.5 * std::f64::consts::PI.ln();
        assert!((ln_gamma(0.5) - half).abs() < 1e-14);
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-14);
        assert!((ln_gamma(0.1) - 9.513_507_698_668_732f64.ln()).abs() < 1e-14);
        // Γ(171) ≈ 7.257415615307994e306.
        let big = 7.257_415_615_307_994e306f64.ln();
        assert!((ln_gamma(171.0) - big).abs() < 1e-12 * big);
        // The recurrence: ln Γ(x + 1) = ln Γ(x) + ln x.
        for &x in &[0.01, 0.3, 3.7, 9.99, 10.0, 55.5] {
            let d = ln_gamma(x + 1.0) - ln_gamma(x) - f64::ln(x);
            assert!(d.abs() < 1e-13, "{x}: {d:e}");
        }
    }
}
