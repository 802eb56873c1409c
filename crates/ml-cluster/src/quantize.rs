//! Colour quantisation with k-means: replace the colours of an image by a palette of
//! `n_colors`, learned on a random sample of its pixels.
//!
//! The procedure is scikit-learn's colour-quantisation example: fit k-means on a few
//! pixels (a thousand suffice to place 64 colours, and fitting on all of them costs
//! far more for little gain), then give every pixel the nearest palette colour.
//! Decoding and encoding image files is left to an image crate; here an image is a
//! matrix with one row per pixel and one column per channel.

use faer::Mat;
use rand::seq::index;

use ml_core::{Error, Features, Result, validate};

use crate::{KMeans, KMeansModel};

/// A quantised image: the palette and the palette index of every pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    /// The colours, one row per colour (`n_colors × n_channels`): the k-means centres.
    pub palette: Mat<f64>,
    /// For every pixel, in the order of the input rows, its row of the palette.
    pub labels: Vec<usize>,
}

impl Quantized {
    /// The quantised image, one row per pixel: each pixel's palette colour.
    pub fn rebuild(&self) -> Mat<f64> {
        Mat::from_fn(self.labels.len(), self.palette.ncols(), |i, j| {
            self.palette[(self.labels[i], j)]
        })
    }

    /// The number of palette colours some pixel uses (at most `n_colors`).
    pub fn n_colors_used(&self) -> usize {
        let mut used = vec![false; self.palette.nrows()];
        for &l in &self.labels {
            used[l] = true;
        }
        used.iter().filter(|&&u| u).count()
    }

    /// The mean squared error of the quantised image against `pixels` (the image it
    /// was computed from), over every pixel and channel, in the units of `pixels`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `pixels` is not the shape of the image;
    /// [`Error::Unsupported`] for sparse (CSR) `pixels`.
    pub fn mse<'a>(&self, pixels: impl Into<Features<'a>>) -> Result<f64> {
        let pixels = pixels.into().dense("Quantized")?;
        if pixels.nrows() != self.labels.len() {
            return Err(Error::ShapeMismatch {
                what: "number of pixels (rows)",
                expected: self.labels.len(),
                got: pixels.nrows(),
            });
        }
        validate::n_features_eq(pixels.ncols(), self.palette.ncols())?;
        let mut total = 0.0;
        for (i, &l) in self.labels.iter().enumerate() {
            for j in 0..pixels.ncols() {
                let d = pixels[(i, j)] - self.palette[(l, j)];
                total += d * d;
            }
        }
        Ok(total / (pixels.nrows() * pixels.ncols()) as f64)
    }
}

/// Fits the palette: k-means with `n_colors` clusters (k-means++, one run, seed
/// `seed`) on `sample_size` pixels drawn without replacement with the seeded
/// generator, or on all pixels when there are no more than `sample_size`.
///
/// The first half of [`quantize_colors`], for callers that time or reuse the fit;
/// the model's [`predict`](KMeansModel::predict) gives the labels of any pixels.
///
/// # Errors
/// [`Error::InvalidParameter`] for `n_colors` or `sample_size` of 0,
/// [`Error::EmptyInput`] or [`Error::NonFinite`] for `pixels`,
/// [`Error::TooFewSamples`] when the sample has fewer pixels than `n_colors`,
/// [`Error::Unsupported`] for sparse (CSR) `pixels`.
pub fn fit_palette<'a>(
    pixels: impl Into<Features<'a>>,
    n_colors: usize,
    sample_size: usize,
    seed: u64,
) -> Result<KMeansModel> {
    let pixels = pixels.into().dense("KMeans")?;
    validate::at_least("n_colors", n_colors, 1, "at least 1")?;
    validate::at_least("sample_size", sample_size, 1, "at least 1")?;
    validate::matrix(pixels)?;
    let n = pixels.nrows();
    let kmeans = KMeans::new(n_colors).seed(seed);
    if n <= sample_size {
        return kmeans.fit(pixels);
    }
    // Drawn order, not sorted: like scikit-learn's shuffled sample, and the seed alone
    // decides both which pixels and in what order k-means sees them.
    let mut rng = ml_core::rng::seeded(seed);
    let rows = index::sample(&mut rng, n, sample_size).into_vec();
    let sample = Mat::from_fn(sample_size, pixels.ncols(), |i, j| pixels[(rows[i], j)]);
    kmeans.fit(sample.as_ref())
}

/// Quantises an image to `n_colors` colours: [`fit_palette`] on a seeded sample of
/// `sample_size` pixels, then every pixel labelled with its nearest palette colour.
///
/// `pixels` has one row per pixel and one column per channel (3 for RGB, 1 for grey
/// levels), in any units; scikit-learn's example scales 8-bit values to `[0, 1]`.
///
/// ```
/// use faer::Mat;
/// use ml_cluster::quantize_colors;
///
/// // A 2-colour image of 100 pixels: black and white stripes, plus slight noise.
/// let pixels = Mat::from_fn(100, 3, |i, j| (i % 2) as f64 + 0.001 * ((i + j) % 3) as f64);
/// let q = quantize_colors(pixels.as_ref(), 2, 50, 0)?;
/// assert_eq!(q.n_colors_used(), 2);
/// assert_ne!(q.labels[0], q.labels[1]);
/// assert!(q.mse(pixels.as_ref())? < 1e-6);
/// assert_eq!(q.rebuild().nrows(), 100);
/// # Ok::<(), ml_core::Error>(())
/// ```
///
/// # Errors
/// As [`fit_palette`].
pub fn quantize_colors<'a>(
    pixels: impl Into<Features<'a>>,
    n_colors: usize,
    sample_size: usize,
    seed: u64,
) -> Result<Quantized> {
    let pixels = pixels.into().dense("KMeans")?;
    let model = fit_palette(pixels, n_colors, sample_size, seed)?;
    let labels = model.predict(pixels)?;
    Ok(Quantized {
        palette: model.cluster_centers().to_owned(),
        labels,
    })
}
