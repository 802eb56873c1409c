//! Incremental principal component analysis ([`IncrementalPca`]), as scikit-learn
//! 1.9's `IncrementalPCA`: PCA of data that arrive in batches.
//!
//! Each batch is centred on its own mean and stacked under the current components
//! scaled by their singular values, plus one mean-correction row
//! `√(n_seen·n_batch/n_total)·(mean_seen − mean_batch)`; the SVD of that small stack
//! gives the updated components (Ross et al., 2008). The running mean and variance
//! follow Chan, Golub & LeVeque's pairwise update, as scikit-learn's
//! `_incremental_mean_and_var`. The result depends on the batch boundaries, exactly
//! as scikit-learn's does, and equals it for the same batches.

use faer::{Mat, MatRef};
use ml_core::linalg::{SignConvention, thin_svd_with};
use ml_core::persist::{Invariants, Persist};
use ml_core::{Error, Features, FitUnsupervised, Fitted, PartialFit, Result, Transform, validate};
use serde::{Deserialize, Serialize};

use crate::pca::{covariance, inverse_project, precision, project};

/// Incremental PCA, as scikit-learn 1.9's `IncrementalPCA`.
///
/// Defaults equal scikit-learn's: `n_components=None` (the smaller of the first
/// batch's sample count and the number of features), `whiten=False`,
/// `batch_size=None` (`5 · n_features`).
///
/// ```
/// use ml_decomp::incremental_pca::IncrementalPca;
///
/// let x = faer::Mat::from_fn(40, 3, |i, j| ((i * (j + 2)) % 7) as f64 + j as f64);
/// let est = IncrementalPca::default().n_components(2).batch_size(10);
/// let model = est.fit(x.as_ref())?;
/// // The same batches fed one by one give the same model.
/// let mut online = est.partial_fit(x.get(..10, ..))?;
/// for b in 1..4 {
///     online.partial_fit(x.get(10 * b..10 * (b + 1), ..))?;
/// }
/// assert_eq!(online, model);
/// assert_eq!(model.transform(x.as_ref())?.ncols(), 2);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[doc(alias = "IncrementalPCA")]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncrementalPca {
    n_components: Option<usize>,
    whiten: bool,
    batch_size: Option<usize>,
}

impl IncrementalPca {
    /// An incremental PCA with scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of components to keep. Default: all (scikit-learn's `None`).
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = Some(n_components);
        self
    }

    /// Whether [`IncrementalPcaModel::transform`] scales every component to unit
    /// variance. Default: false.
    pub fn whiten(mut self, whiten: bool) -> Self {
        self.whiten = whiten;
        self
    }

    /// The number of rows per batch in [`fit`](Self::fit). Default: `5 · n_features`.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = Some(batch_size);
        self
    }

    /// Fits `x` in consecutive batches of `batch_size` rows (a last batch shorter than
    /// `n_components` joins the one before, as scikit-learn's `gen_batches`).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::NonFinite`]; [`Error::InvalidParameter`] for `n_components` of 0 or above `n_features` or the first batch's rows, or a
    /// `batch_size` of 0; [`Error::DecompositionFailed`] if an SVD does not converge.
    pub fn fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<IncrementalPcaModel> {
        let x = x.into().dense("IncrementalPca")?;
        validate::matrix(x)?;
        let n = x.nrows();
        let batch = self.batch_size.unwrap_or(5 * x.ncols());
        validate::at_least("batch_size", batch, 1, "at least 1")?;
        let min_batch = self.n_components.unwrap_or(0);
        // scikit-learn's gen_batches(n, batch, min_batch_size=n_components).
        let mut bounds = Vec::new();
        let mut start = 0;
        for _ in 0..n / batch {
            let end = start + batch;
            if end.saturating_add(min_batch) > n {
                continue;
            }
            bounds.push((start, end));
            start = end;
        }
        if start < n {
            bounds.push((start, n));
        }
        let mut model: Option<IncrementalPcaModel> = None;
        for (s, e) in bounds {
            let xb = x.get(s..e, ..);
            match model.as_mut() {
                None => model = Some(self.first_batch(xb)?),
                Some(m) => m.update(xb)?,
            }
        }
        let mut model = model.ok_or(Error::EmptyInput { what: "X" })?;
        model.batch_size = batch;
        validate::fitted("IncrementalPca", model)
    }

    /// Starts an online fit with its first batch; feed later batches to
    /// [`IncrementalPcaModel::partial_fit`].
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn partial_fit<'a>(&self, x: impl Into<Features<'a>>) -> Result<IncrementalPcaModel> {
        let x = x.into().dense("IncrementalPca")?;
        validate::matrix(x)?;
        self.first_batch(x)
    }

    fn first_batch(&self, x: MatRef<'_, f64>) -> Result<IncrementalPcaModel> {
        let (n, d) = (x.nrows(), x.ncols());
        let k = match self.n_components {
            None => n.min(d),
            Some(k) => {
                if k == 0 || k > d {
                    return Err(Error::invalid_parameter(
                        "n_components",
                        k,
                        "between 1 and n_features",
                    ));
                }
                if k > n {
                    return Err(Error::invalid_parameter(
                        "n_components",
                        k,
                        "at most the number of rows of the first batch",
                    ));
                }
                k
            }
        };
        let mut model = IncrementalPcaModel {
            components: Mat::zeros(0, d),
            explained_variance: Vec::new(),
            explained_variance_ratio: Vec::new(),
            singular_values: Vec::new(),
            mean: vec![0.0; d],
            var: vec![0.0; d],
            noise_variance: 0.0,
            n_samples_seen: 0,
            n_components: k,
            whiten: self.whiten,
            batch_size: self.batch_size.unwrap_or(5 * d),
        };
        model.update(x)?;
        validate::fitted("IncrementalPca", model)
    }
}

impl FitUnsupervised for IncrementalPca {
    type Model = IncrementalPcaModel;

    fn fit(&self, x: Features<'_>) -> Result<IncrementalPcaModel> {
        IncrementalPca::fit(self, x)
    }
}

/// A fitted [`IncrementalPca`]; [`partial_fit`](Self::partial_fit) updates it with
/// more batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncrementalPcaModel {
    #[serde(with = "ml_core::persist::mat")]
    components: Mat<f64>,
    explained_variance: Vec<f64>,
    explained_variance_ratio: Vec<f64>,
    singular_values: Vec<f64>,
    mean: Vec<f64>,
    var: Vec<f64>,
    noise_variance: f64,
    n_samples_seen: usize,
    n_components: usize,
    whiten: bool,
    batch_size: usize,
}

impl Persist for IncrementalPcaModel {
    const MODEL_NAME: &'static str = "ml_decomp::IncrementalPcaModel";
}

impl Invariants for IncrementalPcaModel {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        crate::pca::check_spectrum(
            self.components.as_ref(),
            &self.explained_variance,
            &self.explained_variance_ratio,
            &self.singular_values,
        )?;
        let d = self.components.ncols();
        inv::len("n_components", self.n_components, self.components.nrows())?;
        inv::len("mean", self.mean.len(), d)?;
        inv::len("var", self.var.len(), d)?;
        inv::finite("mean", &self.mean)?;
        inv::non_negative("var", &self.var)?;
        inv::non_negative("noise_variance", &[self.noise_variance])?;
        inv::not_empty("batch_size", self.batch_size)
    }
}

impl IncrementalPcaModel {
    /// Updates the model with one more batch (scikit-learn's `partial_fit`).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::NonFinite`], [`Error::ShapeMismatch`] for a batch with another number
    /// of features; [`Error::DecompositionFailed`] if the SVD does not converge.
    pub fn partial_fit<'a>(&mut self, x: impl Into<Features<'a>>) -> Result<()> {
        let x = x.into().dense("IncrementalPcaModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        self.update(x)
    }

    /// One incremental step on a validated batch.
    fn update(&mut self, x: MatRef<'_, f64>) -> Result<()> {
        let (nb, d) = (x.nrows(), x.ncols());
        let k = self.n_components;
        let last_n = self.n_samples_seen as f64;
        let new_n = nb as f64;
        let total = last_n + new_n;
        // _incremental_mean_and_var
        let mut new_mean = vec![0.0; d];
        let mut new_var = vec![0.0; d];
        let mut batch_mean = vec![0.0; d];
        for j in 0..d {
            let col = x.col(j);
            let new_sum: f64 = col.iter().sum();
            let last_sum = self.mean[j] * last_n;
            let t = new_sum / new_n;
            let (mut correction, mut sq) = (0.0, 0.0);
            for &v in col.iter() {
                let c = v - t;
                correction += c;
                sq += c * c;
            }
            let new_unnorm = sq - correction * correction / new_n;
            let unnorm = if self.n_samples_seen == 0 {
                new_unnorm
            } else {
                let last_over_new = last_n / new_n;
                let last_unnorm = self.var[j] * last_n;
                let diff = last_sum / last_over_new - new_sum;
                last_unnorm + new_unnorm + last_over_new / total * diff * diff
            };
            new_mean[j] = (last_sum + new_sum) / total;
            new_var[j] = unnorm / total;
            batch_mean[j] = new_sum / new_n;
        }
        // The matrix whose SVD gives the update.
        let stacked = if self.n_samples_seen == 0 {
            Mat::from_fn(nb, d, |i, j| x[(i, j)] - new_mean[j])
        } else {
            let kc = self.components.nrows();
            let corr = ((last_n / total) * new_n).sqrt();
            Mat::from_fn(kc + nb + 1, d, |i, j| {
                if i < kc {
                    self.singular_values[i] * self.components[(i, j)]
                } else if i < kc + nb {
                    x[(i - kc, j)] - batch_mean[j]
                } else {
                    corr * (self.mean[j] - batch_mean[j])
                }
            })
        };
        let svd = thin_svd_with(stacked.as_ref(), SignConvention::VBased)?;
        let total_var: f64 = new_var.iter().map(|v| v * total).sum();
        let explained: Vec<f64> = svd.s.iter().map(|s| s * s / (total - 1.0)).collect();
        let kk = k.min(svd.s.len());
        self.explained_variance_ratio = svd.s[..kk]
            .iter()
            .map(|s| crate::pca::variance_ratio(s * s, total_var))
            .collect();
        self.components = svd.vt.get(..kk, ..).to_owned();
        self.singular_values = svd.s[..kk].to_vec();
        self.explained_variance = explained[..kk].to_vec();
        // scikit-learn: mean of the discarded variances unless k equals the batch's
        // rows or the number of features (NaN when nothing was discarded, as NumPy's
        // mean of an empty slice).
        self.noise_variance = if k != nb && k != d {
            let rest = &explained[kk.min(explained.len())..];
            rest.iter().sum::<f64>() / rest.len() as f64
        } else {
            0.0
        };
        self.mean = new_mean;
        self.var = new_var;
        self.n_samples_seen += nb;
        Ok(())
    }

    /// The principal axes, one per row (`components_`).
    pub fn components(&self) -> MatRef<'_, f64> {
        self.components.as_ref()
    }

    /// The variance along each component (`explained_variance_`).
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained_variance
    }

    /// The fraction of the total variance along each component
    /// (`explained_variance_ratio_`).
    pub fn explained_variance_ratio(&self) -> &[f64] {
        &self.explained_variance_ratio
    }

    /// The singular values of the components (`singular_values_`).
    pub fn singular_values(&self) -> &[f64] {
        &self.singular_values
    }

    /// The running per-feature mean (`mean_`).
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The running per-feature population variance (`var_`).
    pub fn var(&self) -> &[f64] {
        &self.var
    }

    /// The probabilistic-PCA noise variance after the last batch (`noise_variance_`).
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// The number of samples seen so far (`n_samples_seen_`).
    pub fn n_samples_seen(&self) -> usize {
        self.n_samples_seen
    }

    /// The number of components kept (`n_components_`).
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// The batch size [`IncrementalPca::fit`] used (`batch_size_`).
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The number of features seen at fit time.
    pub fn n_features_in(&self) -> usize {
        self.mean.len()
    }

    /// Projects `x` on the components (whitened when the estimator whitens).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn transform<'a>(&self, x: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let x = x.into().dense("IncrementalPcaModel")?;
        validate::matrix_with_features(x, self.n_features_in())?;
        Ok(project(
            x,
            &self.mean,
            self.components.as_ref(),
            self.whiten.then_some(self.explained_variance.as_slice()),
        ))
    }

    /// Maps projections back to the feature space.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input; [`Error::EmptyInput`],
    /// [`Error::ShapeMismatch`] or [`Error::NonFinite`].
    pub fn inverse_transform<'a>(&self, z: impl Into<Features<'a>>) -> Result<Mat<f64>> {
        let z = z.into().dense("IncrementalPcaModel")?;
        validate::non_empty(z, "X")?;
        validate::n_features_eq(z.ncols(), self.n_components())?;
        validate::finite(z)?;
        Ok(inverse_project(
            z,
            &self.mean,
            self.components.as_ref(),
            self.whiten.then_some(self.explained_variance.as_slice()),
        ))
    }

    /// The covariance of the probabilistic-PCA model (`get_covariance`).
    pub fn get_covariance(&self) -> Mat<f64> {
        covariance(
            self.components.as_ref(),
            &self.explained_variance,
            self.noise_variance,
            self.whiten,
        )
    }

    /// The precision of the probabilistic-PCA model (`get_precision`).
    ///
    /// # Errors
    /// [`Error::DecompositionFailed`] when the covariance is singular.
    pub fn get_precision(&self) -> Result<Mat<f64>> {
        precision(
            self.components.as_ref(),
            &self.explained_variance,
            self.noise_variance,
            self.whiten,
        )
    }
}

impl Fitted for IncrementalPcaModel {
    fn n_features_in(&self) -> usize {
        IncrementalPcaModel::n_features_in(self)
    }
}

impl Transform for IncrementalPcaModel {
    type Output = Mat<f64>;

    fn transform(&self, x: Features<'_>) -> Result<Mat<f64>> {
        IncrementalPcaModel::transform(self, x)
    }
}

impl PartialFit for IncrementalPcaModel {
    fn partial_fit(&mut self, x: Features<'_>, _y: &()) -> Result<()> {
        IncrementalPcaModel::partial_fit(self, x)
    }
}
