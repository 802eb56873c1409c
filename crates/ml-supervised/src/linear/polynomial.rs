//! Polynomial feature expansion ([`PolynomialFeatures`]) and polynomial regression
//! ([`PolynomialRegression`]: the expansion followed by least squares).
//!
//! Output columns come in scikit-learn's order: by degree, and within a degree in the
//! lexicographic order of `itertools.combinations_with_replacement` over the feature
//! indices (plain `combinations` with `interaction_only`): `1, a, b, a², ab, b², a³…`.
//! Each column is computed as an earlier column (the same monomial without its first
//! factor) times that factor, so every entry costs one multiplication and the products
//! are rounded exactly as scikit-learn's.
//!
//! Both need dense input: CSR is [`Error::Unsupported`].

use std::collections::HashMap;

use faer::{Mat, MatRef};
use ml_core::persist::{Invariants, Persist};
use ml_core::{
    Error, Features, Fit, FitUnsupervised, Fitted, Predict, Result, Transform, validate,
};
use serde::{Deserialize, Serialize};

use super::{LinearRegression, LinearRegressionModel};

/// Polynomial and interaction features, as scikit-learn's `PolynomialFeatures`.
///
/// ```
/// use faer::mat;
/// use ml_supervised::PolynomialFeatures;
///
/// let x = mat![[2.0, 3.0]];
/// let model = PolynomialFeatures::new().degree(2).fit(x.as_ref())?;
/// let out = model.transform(x.as_ref())?;
/// // 1, a, b, a², ab, b²
/// let row: Vec<f64> = (0..out.ncols()).map(|j| out[(0, j)]).collect();
/// assert_eq!(row, vec![1.0, 2.0, 3.0, 4.0, 6.0, 9.0]);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolynomialFeatures {
    degree: usize,
    interaction_only: bool,
    include_bias: bool,
}

impl Default for PolynomialFeatures {
    fn default() -> Self {
        Self::new()
    }
}

impl PolynomialFeatures {
    /// Degree 2, with powers and a bias column.
    pub fn new() -> Self {
        Self {
            degree: 2,
            interaction_only: false,
            include_bias: true,
        }
    }

    /// The maximal degree of the monomials. Default: 2.
    pub fn degree(mut self, degree: usize) -> Self {
        self.degree = degree;
        self
    }

    /// Only products of distinct features (no `a²`). Default: false.
    pub fn interaction_only(mut self, interaction_only: bool) -> Self {
        self.interaction_only = interaction_only;
        self
    }

    /// Whether to output the constant column of ones first. Default: true.
    pub fn include_bias(mut self, include_bias: bool) -> Self {
        self.include_bias = include_bias;
        self
    }

    /// Learns the number of input features of dense `x` and lays out the output
    /// columns.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] or [`Error::NonFinite`] for `x`;
    /// [`Error::InvalidParameter`] for `degree = 0` without the bias (an empty output);
    /// [`Error::LimitExceeded`] for more than 2^26 output columns (scikit-learn has no
    /// limit and runs out of memory);
    /// [`Error::Unsupported`] for CSR `x`.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<PolynomialFeaturesModel> {
        let x = x.into().dense("PolynomialFeatures")?;
        if self.degree == 0 && !self.include_bias {
            return Err(Error::invalid_parameter(
                "degree",
                0usize,
                "degree >= 1 when include_bias is false (else the output is empty)",
            ));
        }
        validate::matrix(x)?;
        let d = x.ncols();
        let limit = MAX_OUTPUT_FEATURES;
        let width = output_width(d, self.degree, self.interaction_only, self.include_bias)
            .filter(|&w| w <= limit)
            .ok_or_else(|| Error::LimitExceeded {
                what: "number of output features",
                requested: output_width(d, self.degree, self.interaction_only, self.include_bias)
                    .unwrap_or(usize::MAX),
                limit,
            })?;
        let mut terms: Vec<Vec<usize>> = Vec::with_capacity(width);
        if self.include_bias {
            terms.push(Vec::new());
        }
        let mut level: Vec<Vec<usize>> = vec![Vec::new()];
        for _ in 1..=self.degree {
            let mut next = Vec::new();
            for t in &level {
                // Non-decreasing (strictly increasing for interactions) index lists, in
                // lexicographic order.
                let start = match t.last() {
                    None => 0,
                    Some(&l) if self.interaction_only => l + 1,
                    Some(&l) => l,
                };
                for j in start..d {
                    let mut c = t.clone();
                    c.push(j);
                    next.push(c);
                }
            }
            terms.extend(next.iter().cloned());
            level = next;
            if level.is_empty() {
                break;
            }
        }
        let position: HashMap<&[usize], usize> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_slice(), i))
            .collect();
        let parents = terms
            .iter()
            .map(|t| match t.split_first() {
                None => Parent::Bias,
                Some((&first, [])) => Parent::Feature(first),
                Some((&first, rest)) => Parent::Product(position[rest], first),
            })
            .collect();
        Ok(PolynomialFeaturesModel {
            n_features_in: d,
            terms,
            parents,
        })
    }
}

/// `Σ_{k=start..=degree}` of `C(d + k − 1, k)` (`C(d, k)` for interactions), or `None`
/// on overflow; a partial sum once it passes [`MAX_OUTPUT_FEATURES`].
fn output_width(d: usize, degree: usize, interaction_only: bool, bias: bool) -> Option<usize> {
    let mut total: usize = usize::from(bias);
    let mut count: u128 = 1;
    for k in 1..=degree {
        // C(n, k) = C(n, k−1) · (n − k + 1) / k
        let n = if interaction_only { d } else { d + k - 1 } as u128;
        count = if interaction_only {
            if k as u128 > n {
                // No interaction of more than d features: the total is final, whatever
                // the degree (which may be usize::MAX).
                break;
            } else {
                count * (n - k as u128 + 1) / k as u128
            }
        } else {
            count * n / k as u128
        };
        total = total.checked_add(usize::try_from(count).ok()?)?;
        if total > MAX_OUTPUT_FEATURES {
            // Already too wide: stop before a huge degree costs a huge loop.
            return Some(total);
        }
    }
    Some(total)
}

impl FitUnsupervised for PolynomialFeatures {
    type Model = PolynomialFeaturesModel;

    fn fit(&self, x: Features<'_>) -> Result<PolynomialFeaturesModel> {
        PolynomialFeatures::fit(self, x)
    }
}

/// The most output columns [`PolynomialFeatures`] builds: 2^26 (67 million), already
/// half a gigabyte per transformed row. scikit-learn has no limit and runs out of
/// memory instead.
const MAX_OUTPUT_FEATURES: usize = 1 << 26;

/// How an output column is computed from earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Parent {
    /// The constant 1.
    Bias,
    /// Input feature `j` itself.
    Feature(usize),
    /// Output column `p` times input feature `j`.
    Product(usize, usize),
}

/// A fitted [`PolynomialFeatures`]: the layout of the output columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolynomialFeaturesModel {
    n_features_in: usize,
    /// Every output column as its non-decreasing list of input feature indices.
    terms: Vec<Vec<usize>>,
    parents: Vec<Parent>,
}

impl PolynomialFeaturesModel {
    /// The number of output columns (`n_output_features_`).
    pub fn n_output_features(&self) -> usize {
        self.terms.len()
    }

    /// The exponent of every input feature in every output column, one row per output
    /// column (scikit-learn's `powers_`).
    pub fn powers(&self) -> Vec<Vec<usize>> {
        self.terms
            .iter()
            .map(|t| {
                let mut p = vec![0; self.n_features_in];
                for &j in t {
                    p[j] += 1;
                }
                p
            })
            .collect()
    }

    /// The output column names from input names, as `get_feature_names_out`
    /// (`"1"`, `"a"`, `"a^2"`, `"a b"`...).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `input` does not have one name per input feature.
    pub fn feature_names(&self, input: &[&str]) -> Result<Vec<String>> {
        validate::n_features_eq(input.len(), self.n_features_in)?;
        Ok(self
            .powers()
            .iter()
            .map(|p| {
                let parts: Vec<String> = p
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| **e > 0)
                    .map(|(j, &e)| {
                        if e == 1 {
                            input[j].to_owned()
                        } else {
                            format!("{}^{e}", input[j])
                        }
                    })
                    .collect();
                if parts.is_empty() {
                    "1".to_owned()
                } else {
                    parts.join(" ")
                }
            })
            .collect())
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.n_features_in
    }

    /// Expands every row of dense `x`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, another number of columns than at fit time, or
    /// [`Error::Unsupported`] for CSR `x`.
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("PolynomialFeatures")?;
        validate::matrix_with_features(x, self.n_features_in)?;
        self.expand_checked(x)
    }

    /// [`expand`](Self::expand), refusing an output that cannot be allocated or whose
    /// products overflow (features above about 1e154 at degree 2).
    fn expand_checked(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        validate::allocatable::<f64>(
            "the expanded features",
            x.nrows().saturating_mul(self.terms.len()),
        )?;
        let out = self.expand(x);
        if let Some((i, j)) = (0..out.ncols())
            .flat_map(|j| (0..out.nrows()).map(move |i| (i, j)))
            .find(|&(i, j)| !out[(i, j)].is_finite())
        {
            return Err(Error::NumericalFailure {
                estimator: "PolynomialFeatures",
                reason: format!("the product of output column {j} overflows f64 at row {i}"),
            });
        }
        Ok(out)
    }

    fn expand(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        let n = x.nrows();
        let mut out = Mat::<f64>::zeros(n, self.terms.len());
        for (c, parent) in self.parents.iter().enumerate() {
            match *parent {
                Parent::Bias => out.col_mut(c).iter_mut().for_each(|v| *v = 1.0),
                Parent::Feature(j) => {
                    for i in 0..n {
                        out[(i, c)] = x[(i, j)];
                    }
                }
                Parent::Product(p, j) => {
                    for i in 0..n {
                        out[(i, c)] = out[(i, p)] * x[(i, j)];
                    }
                }
            }
        }
        out
    }
}

impl Fitted for PolynomialFeaturesModel {
    fn n_features_in(&self) -> usize {
        self.n_features_in
    }
}

impl Transform for PolynomialFeaturesModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        PolynomialFeaturesModel::transform(self, x)
    }
}

impl Persist for PolynomialFeaturesModel {
    const MODEL_NAME: &'static str = "ml_supervised::PolynomialFeaturesModel";
}

impl Invariants for PolynomialFeaturesModel {
    /// Every output column's parent is an earlier column (or an input feature) and its
    /// term is that feature followed by the parent's term, so `transform` computes
    /// exactly the columns `powers` and `feature_names` describe.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let d = self.n_features_in;
        inv::not_empty("n_features_in", d)?;
        inv::not_empty("terms", self.terms.len())?;
        inv::len("parents", self.parents.len(), self.terms.len())?;
        for (i, (term, parent)) in self.terms.iter().zip(&self.parents).enumerate() {
            inv::below("term", term, d)?;
            inv::ensure(term.windows(2).all(|w| w[0] <= w[1]), || {
                format!("term {i} is not sorted")
            })?;
            let consistent = match *parent {
                Parent::Bias => term.is_empty(),
                Parent::Feature(j) => term.as_slice() == [j],
                Parent::Product(p, j) => {
                    p < i
                        && term.split_first().is_some_and(|(&first, rest)| {
                            first == j && rest == self.terms[p].as_slice()
                        })
                }
            };
            inv::ensure(consistent, || {
                format!("output column {i} does not follow from its parent {parent:?}")
            })?;
        }
        Ok(())
    }
}

/// Polynomial regression: [`PolynomialFeatures`] followed by [`LinearRegression`], as
/// scikit-learn's `make_pipeline(PolynomialFeatures(degree), LinearRegression())`.
///
/// A used car costs 20000 new, loses 1000 a year, and never sells below 10000: a
/// straight line cannot bend to that floor, a cubic can.
///
/// ```
/// use faer::Mat;
/// use ml_supervised::{LinearRegression, PolynomialRegression};
///
/// let age = Mat::from_fn(21, 1, |i, _| i as f64);
/// let price: Vec<f64> = (0..21).map(|a| (20000.0 - 1000.0 * a as f64).max(10000.0)).collect();
/// let rmse = |pred: Vec<f64>| {
///     (pred.iter().zip(&price).map(|(p, y)| (p - y).powi(2)).sum::<f64>() / 21.0).sqrt()
/// };
/// let line = LinearRegression::new().fit(age.as_ref(), &price)?;
/// let curve = PolynomialRegression::new(3).fit(age.as_ref(), &price)?;
/// let (e_line, e_curve) = (rmse(line.predict(age.as_ref())?), rmse(curve.predict(age.as_ref())?));
/// assert!(e_curve < e_line / 2.0);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PolynomialRegression {
    features: PolynomialFeatures,
    linear: LinearRegression,
}

impl PolynomialRegression {
    /// Polynomial regression of the given degree (with bias column and intercept, as
    /// the scikit-learn pipeline's defaults).
    pub fn new(degree: usize) -> Self {
        Self {
            features: PolynomialFeatures::new().degree(degree),
            linear: LinearRegression::new(),
        }
    }

    /// Only products of distinct features. Default: false.
    pub fn interaction_only(mut self, interaction_only: bool) -> Self {
        self.features = self.features.interaction_only(interaction_only);
        self
    }

    /// Whether the expansion includes the constant column. Default: true.
    pub fn include_bias(mut self, include_bias: bool) -> Self {
        self.features = self.features.include_bias(include_bias);
        self
    }

    /// Whether the least squares fits an intercept. Default: true.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.linear = self.linear.fit_intercept(fit_intercept);
        self
    }

    /// Expands dense `x` and fits least squares on the expansion.
    ///
    /// # Errors
    /// As [`PolynomialFeatures::fit`] and [`LinearRegression::fit`];
    /// [`Error::Unsupported`] for CSR `x`.
    pub fn fit<'a>(
        &self,
        x: impl Into<Features<'a>>,
        y: &[f64],
    ) -> Result<PolynomialRegressionModel> {
        let x = x.into().dense("PolynomialRegression")?;
        validate::supervised(x, y.len())?;
        let features = self.features.fit(x)?;
        let expanded = features.expand_checked(x)?;
        let linear = self.linear.fit(expanded.as_ref(), y)?;
        Ok(PolynomialRegressionModel { features, linear })
    }
}

impl Fit<[f64]> for PolynomialRegression {
    type Model = PolynomialRegressionModel;

    fn fit(&self, x: Features<'_>, y: &[f64]) -> Result<PolynomialRegressionModel> {
        PolynomialRegression::fit(self, x, y)
    }
}

/// A fitted [`PolynomialRegression`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolynomialRegressionModel {
    features: PolynomialFeaturesModel,
    linear: LinearRegressionModel,
}

impl PolynomialRegressionModel {
    /// The fitted expansion.
    pub fn features(&self) -> &PolynomialFeaturesModel {
        &self.features
    }

    /// The least-squares model on the expanded features.
    pub fn linear(&self) -> &LinearRegressionModel {
        &self.linear
    }

    /// The number of features seen at fit time (before expansion).
    pub fn n_features_in(&self) -> usize {
        self.features.n_features_in
    }

    /// Predicts every row of dense `x`.
    ///
    /// # Errors
    /// Empty or non-finite `x`, another number of columns than at fit time, or
    /// [`Error::Unsupported`] for CSR `x`.
    pub fn predict<'a>(&self, x: impl Into<Features<'a>>) -> Result<Vec<f64>> {
        let x = x.into().dense("PolynomialRegression")?;
        let expanded = self.features.transform(x)?;
        self.linear.predict(expanded.as_ref())
    }
}

impl Fitted for PolynomialRegressionModel {
    fn n_features_in(&self) -> usize {
        self.features.n_features_in
    }
}

impl Predict for PolynomialRegressionModel {
    type Output = Vec<f64>;

    fn predict(&self, x: Features<'_>) -> Result<Vec<f64>> {
        PolynomialRegressionModel::predict(self, x)
    }
}

impl Persist for PolynomialRegressionModel {
    const MODEL_NAME: &'static str = "ml_supervised::PolynomialRegressionModel";
}

impl Invariants for PolynomialRegressionModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        self.features.check_invariants()?;
        self.linear.check_invariants()?;
        ml_core::persist::invariants::len(
            "linear model coefficients",
            self.linear.n_features_in(),
            self.features.n_output_features(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_the_formula() {
        let x = Mat::from_fn(3, 4, |i, j| (i + j) as f64);
        for degree in 0..5 {
            for &(io, bias) in &[(false, true), (true, true), (false, false), (true, false)] {
                if degree == 0 && !bias {
                    continue;
                }
                let m = PolynomialFeatures::new()
                    .degree(degree)
                    .interaction_only(io)
                    .include_bias(bias)
                    .fit(x.as_ref())
                    .unwrap();
                assert_eq!(
                    Some(m.n_output_features()),
                    output_width(4, degree, io, bias)
                );
            }
        }
        // C(4 + 3, 3) = 35 with bias.
        let m = PolynomialFeatures::new().degree(3).fit(x.as_ref()).unwrap();
        assert_eq!(m.n_output_features(), 35);
    }

    #[test]
    fn empty_output_is_an_error() {
        let x = Mat::from_fn(3, 2, |i, j| (i + j) as f64);
        assert!(matches!(
            PolynomialFeatures::new()
                .degree(0)
                .include_bias(false)
                .fit(x.as_ref()),
            Err(Error::InvalidParameter { name: "degree", .. })
        ));
    }

    #[test]
    fn feature_names_follow_scikit_learn() {
        let x = Mat::from_fn(2, 2, |i, j| (i + j) as f64);
        let m = PolynomialFeatures::new().fit(x.as_ref()).unwrap();
        assert_eq!(
            m.feature_names(&["a", "b"]).unwrap(),
            vec!["1", "a", "b", "a^2", "a b", "b^2"]
        );
    }
}
