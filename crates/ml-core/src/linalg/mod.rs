//! Dense linear algebra over faer, shaped for the estimators: least squares and
//! Cholesky solves, thin SVD with scikit-learn's sign convention, symmetric
//! eigendecomposition in descending order, randomized SVD (dense and CSR) and blocked
//! squared Euclidean distances.
//!
//! Inputs are `faer::MatRef<'_, f64>` with one row per sample; outputs are owned
//! `faer::Mat<f64>`. Every function validates its input and returns a typed
//! [`Error`](crate::Error): empty or non-finite input and mismatched shapes never panic.
//!
//! Which solver to use:
//! - [`lstsq`]: any least-squares problem (wide, rank-deficient), minimum-norm answer,
//!   with `LinearRegression`'s rank cutoff; [`lstsq_qr`] when the system is tall and
//!   known to have full column rank (about twice as fast).
//! - [`cholesky_solve`] for symmetric positive-definite systems;
//!   [`solve_spd_or_lstsq`] when they may turn out singular (ridge).
//! - [`thin_svd`] / [`eigh_desc`] for exact decompositions; [`RandomizedSvd`] for a few
//!   leading components of a large (or sparse) matrix.
//! - [`squared_euclidean`] for a whole distance matrix; [`par_map_distance_blocks`],
//!   [`for_each_distance_block`], [`par_fold_distance_tiles`] and
//!   [`argmin_squared_euclidean`] to stream it.

mod decomp;
mod distance;
mod randomized;
mod solve;

pub use decomp::{SignConvention, Svd, eigh_desc, svd_flip, thin_svd, thin_svd_with};
pub use distance::{
    DIRECT_MAX_FEATURES, NearestRows, argmin_squared_euclidean, default_block_rows,
    for_each_distance_block, par_fold_distance_tiles, par_map_distance_blocks, row_norms_squared,
    squared_euclidean, squared_euclidean_into,
};
pub use randomized::{MAX_POWER_ITERATIONS, PowerIterationNormalizer, RandomizedSvd, Transpose};
pub use solve::{
    DEFAULT_RCOND, LstsqSolution, SolveMethod, SpdSolution, cholesky_solve, lstsq, lstsq_qr,
    lstsq_with_rcond, solve_spd_or_lstsq,
};
