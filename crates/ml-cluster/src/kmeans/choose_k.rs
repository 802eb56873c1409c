//! Choosing the number of clusters: the inertia ("elbow") and the silhouette score
//! over a range of k, each a small function the CLI can plot.
//!
//! Every k is fitted with a copy of a base [`KMeans`] (its initialisation, runs,
//! tolerance, algorithm and seed) with only `n_clusters` changed, so a curve is
//! reproducible and its points differ by k alone.

use faer::MatRef;

use ml_core::metrics::silhouette_score;
use ml_core::{Error, Features, Result, validate};

use super::{KMeans, KMeansModel};

/// The inertia of a k-means fit for each k of `ks`, in the order given: the "elbow"
/// curve, a small function the CLI can plot.
///
/// Inertia falls as k grows (to 0 at k = n on distinct points), so the useful k is
/// where the curve bends rather than its minimum. With one k-means++ run per k a
/// larger k is not guaranteed a lower inertia; raise the base estimator's `n_init`
/// for a smoother curve.
///
/// ```
/// use faer::mat;
/// use ml_cluster::{KMeans, elbow};
///
/// let x = mat![[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
/// let curve = elbow(x.as_ref(), 1..=3, &KMeans::new(2).seed(0))?;
/// assert_eq!(curve.iter().map(|&(k, _)| k).collect::<Vec<_>>(), vec![1, 2, 3]);
/// assert!((curve[0].1 - 101.0).abs() < 1e-9); // k = 1: the total sum of squares
/// assert!((curve[1].1 - 1.0).abs() < 1e-9);
/// # Ok::<(), ml_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] (named `ks`) when `ks` is empty or holds 0, and
/// [`Error::TooFewSamples`] when some k exceeds the number of rows, both before any
/// fit; otherwise any error of [`KMeans::fit`] (invalid base settings or input,
/// [`Error::Unsupported`] for sparse `x`).
pub fn elbow<'a>(
    x: impl Into<Features<'a>>,
    ks: impl IntoIterator<Item = usize>,
    base: &KMeans,
) -> Result<Vec<(usize, f64)>> {
    let x = x.into().dense("KMeans")?;
    fit_each(x, ks, base, |_, model| Ok(model.inertia()))
}

/// The mean silhouette coefficient of the labels of a k-means fit for each k of
/// `ks`, in the order given: a small function the CLI can plot. Higher is better;
/// on well-separated clusters it peaks at their number.
///
/// The silhouette needs at least two clusters and fewer clusters than samples, so
/// every k must be in `2..n`. It costs `O(n²)` distance computations per k (in
/// blocks, see [`silhouette_score`]): sample large data first.
///
/// ```
/// use faer::mat;
/// use ml_cluster::{KMeans, silhouette_over_k};
///
/// let x = mat![[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0], [5.0, 20.0], [5.0, 21.0]];
/// let curve = silhouette_over_k(x.as_ref(), [2, 3, 4], &KMeans::new(2).seed(0))?;
/// let best = curve.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|&(k, _)| k);
/// assert_eq!(best, Some(3));
/// # Ok::<(), ml_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidParameter`] (named `ks`) when `ks` is empty or holds a k below 2
/// or not below the number of rows, before any fit; otherwise any error of
/// [`KMeans::fit`] or of [`silhouette_score`] (a fit of points with fewer distinct
/// values than k can leave a single cluster: [`Error::TooFewClasses`]);
/// [`Error::Unsupported`] for sparse `x`.
pub fn silhouette_over_k<'a>(
    x: impl Into<Features<'a>>,
    ks: impl IntoIterator<Item = usize>,
    base: &KMeans,
) -> Result<Vec<(usize, f64)>> {
    let x = x.into().dense("KMeans")?;
    let ks: Vec<usize> = ks.into_iter().collect();
    validate::matrix(x)?;
    let n = x.nrows();
    if let Some(&k) = ks.iter().find(|&&k| k < 2 || k >= n) {
        return Err(Error::invalid_parameter(
            "ks",
            k,
            "every k in 2..n_samples (the silhouette needs 2 <= k < n_samples)",
        ));
    }
    fit_each(x, ks, base, |x, model| silhouette_score(x, model.labels()))
}

/// Fits `base` with each k of `ks` (all checked first, so a bad k at the end of a
/// long list costs no fit) and maps each model to its score.
fn fit_each(
    x: MatRef<'_, f64>,
    ks: impl IntoIterator<Item = usize>,
    base: &KMeans,
    score: impl Fn(MatRef<'_, f64>, &KMeansModel) -> Result<f64>,
) -> Result<Vec<(usize, f64)>> {
    let ks: Vec<usize> = ks.into_iter().collect();
    if ks.is_empty() {
        return Err(Error::invalid_parameter("ks", "[]", "at least one k"));
    }
    validate::matrix(x)?;
    for &k in &ks {
        if k == 0 {
            return Err(Error::invalid_parameter("ks", k, "every k at least 1"));
        }
        validate::min_samples(x.nrows(), k)?;
    }
    ks.into_iter()
        .map(|k| {
            let model = base.clone().n_clusters(k).fit(x)?;
            Ok((k, score(x, &model)?))
        })
        .collect()
}
