//! [`Features`]: the one input type of every estimator, a dense matrix or a CSR matrix
//! with one row per sample.
//!
//! Every `fit`, `predict` and `transform` of the workspace takes `impl Into<Features>`,
//! so the same call accepts `x.as_ref()` (a `MatRef`), `&x` (a `Mat`), `&csr` (a
//! [`Csr`]) or `csr.as_ref()` (a [`CsrRef`]). An estimator that has no sparse path
//! returns [`Error::Unsupported`] for CSR input instead of densifying behind the
//! caller's back. [`OwnedFeatures`] is the owned form that generic code
//! (cross-validation, pipelines) builds from row selections and transforms.
//!
//! ```
//! use ml_core::faer::Mat;
//! use ml_core::features::Features;
//! use ml_core::sparse::csr_from_triplets;
//!
//! let dense = Mat::from_fn(3, 2, |i, j| (i + j) as f64);
//! let sparse = csr_from_triplets(3, 2, &[(0, 1, 1.0), (2, 0, 4.0)])?;
//! for x in [Features::from(&dense), Features::from(&sparse)] {
//!     assert_eq!((x.nrows(), x.ncols()), (3, 2));
//! }
//! assert!(Features::from(&sparse).dense("Pca").is_err());
//! # Ok::<(), ml_core::Error>(())
//! ```

use faer::{Mat, MatRef};

use crate::sparse::{Csr, CsrRef};
use crate::{Error, Result};

/// Borrowed input features: `n_samples × n_features`, dense or CSR.
#[derive(Debug, Clone, Copy)]
pub enum Features<'a> {
    /// A dense matrix (any strides).
    Dense(MatRef<'a, f64>),
    /// A CSR matrix: one row per sample, column indices sorted within a row.
    Sparse(CsrRef<'a>),
}

impl<'a> Features<'a> {
    /// The number of samples (rows).
    pub fn nrows(&self) -> usize {
        match self {
            Self::Dense(x) => x.nrows(),
            Self::Sparse(x) => x.nrows(),
        }
    }

    /// The number of features (columns).
    pub fn ncols(&self) -> usize {
        match self {
            Self::Dense(x) => x.ncols(),
            Self::Sparse(x) => x.ncols(),
        }
    }

    /// Whether the input is CSR.
    pub fn is_sparse(&self) -> bool {
        matches!(self, Self::Sparse(_))
    }

    /// The dense matrix, if the input is dense.
    pub fn as_dense(&self) -> Option<MatRef<'a, f64>> {
        match *self {
            Self::Dense(x) => Some(x),
            Self::Sparse(_) => None,
        }
    }

    /// The CSR matrix, if the input is sparse.
    pub fn as_sparse(&self) -> Option<CsrRef<'a>> {
        match *self {
            Self::Sparse(x) => Some(x),
            Self::Dense(_) => None,
        }
    }

    /// The dense matrix, for an estimator (named by `estimator`) that has no sparse path.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for CSR input.
    pub fn dense(self, estimator: &'static str) -> Result<MatRef<'a, f64>> {
        match self {
            Self::Dense(x) => Ok(x),
            Self::Sparse(_) => Err(Error::Unsupported {
                estimator,
                input: "sparse (CSR) input",
            }),
        }
    }

    /// The rows at `indices`, in that order (repeats allowed), in the same layout.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `indices`) for an index `>= nrows()`.
    pub fn select_rows(&self, indices: &[usize]) -> Result<OwnedFeatures> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.nrows()) {
            return Err(Error::invalid_parameter(
                "indices",
                bad,
                "row indices < the number of rows",
            ));
        }
        Ok(match *self {
            Self::Dense(x) => {
                OwnedFeatures::Dense(Mat::from_fn(indices.len(), x.ncols(), |i, j| {
                    x[(indices[i], j)]
                }))
            }
            Self::Sparse(x) => OwnedFeatures::Sparse(crate::sparse::select_rows(x, indices)),
        })
    }
}

impl<'a> From<MatRef<'a, f64>> for Features<'a> {
    fn from(x: MatRef<'a, f64>) -> Self {
        Self::Dense(x)
    }
}

impl<'a> From<&'a Mat<f64>> for Features<'a> {
    fn from(x: &'a Mat<f64>) -> Self {
        Self::Dense(x.as_ref())
    }
}

impl<'a> From<CsrRef<'a>> for Features<'a> {
    fn from(x: CsrRef<'a>) -> Self {
        Self::Sparse(x)
    }
}

impl<'a> From<&'a Csr> for Features<'a> {
    fn from(x: &'a Csr) -> Self {
        Self::Sparse(x.as_ref())
    }
}

impl<'a> From<&'a OwnedFeatures> for Features<'a> {
    fn from(x: &'a OwnedFeatures) -> Self {
        x.view()
    }
}

/// Owned input features, dense or CSR: what row selections and transforms produce.
#[derive(Debug, Clone)]
pub enum OwnedFeatures {
    /// A dense matrix.
    Dense(Mat<f64>),
    /// A CSR matrix.
    Sparse(Csr),
}

impl OwnedFeatures {
    /// A borrowed view.
    pub fn view(&self) -> Features<'_> {
        match self {
            Self::Dense(x) => Features::Dense(x.as_ref()),
            Self::Sparse(x) => Features::Sparse(x.as_ref()),
        }
    }
}

impl From<Mat<f64>> for OwnedFeatures {
    fn from(x: Mat<f64>) -> Self {
        Self::Dense(x)
    }
}

impl From<Csr> for OwnedFeatures {
    fn from(x: Csr) -> Self {
        Self::Sparse(x)
    }
}

/// What a transform may return: anything that can be read as [`Features`], so a
/// pipeline can pass it to the next step whether it is dense or sparse.
pub trait AsFeatures {
    /// A borrowed view of the features.
    fn as_features(&self) -> Features<'_>;
}

impl AsFeatures for Mat<f64> {
    fn as_features(&self) -> Features<'_> {
        Features::Dense(self.as_ref())
    }
}

impl AsFeatures for Csr {
    fn as_features(&self) -> Features<'_> {
        Features::Sparse(self.as_ref())
    }
}

impl AsFeatures for OwnedFeatures {
    fn as_features(&self) -> Features<'_> {
        self.view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sparse::csr_from_triplets;

    #[test]
    fn row_selection_keeps_the_layout_and_the_values() {
        let dense = Mat::from_fn(4, 3, |i, j| {
            if (i + j) % 2 == 0 {
                (i * 3 + j) as f64
            } else {
                0.0
            }
        });
        let sparse = crate::sparse::csr_from_dense(dense.as_ref()).unwrap();
        let pick = [3, 0, 3];
        let a = Features::from(&dense).select_rows(&pick).unwrap();
        let b = Features::from(&sparse).select_rows(&pick).unwrap();
        let (OwnedFeatures::Dense(a), OwnedFeatures::Sparse(b)) = (a, b) else {
            panic!("layout changed");
        };
        assert_eq!(a, b.to_dense());
        assert_eq!(a[(0, 1)], dense[(3, 1)]);
        assert!(Features::from(&sparse).select_rows(&[4]).is_err());
        let empty = csr_from_triplets(2, 2, &[]).unwrap();
        assert!(matches!(
            Features::from(&empty).dense("X"),
            Err(Error::Unsupported { .. })
        ));
    }
}
