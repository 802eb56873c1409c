//! The neighbour index every neighbour-based estimator shares: k-nearest and radius
//! queries over k-d trees (kiddo), ball trees or brute force.
//!
//! [`NeighborIndex`] stores the rows once and answers [`kneighbors`] and
//! [`radius_neighbors`] for batches of queries, in parallel over queries. Answers are
//! deterministic and the same whichever backend serves them: every reported distance is
//! [`Metric`]'s one evaluation of the stored row and the query, the approximate
//! distances the backends search with only choose which rows to evaluate (with margins
//! that cannot lose a true neighbour), and results are sorted by distance, ties by row
//! index. So a k-d tree, a ball tree and brute force return identical neighbours and
//! distances, and 1 or N threads too.
//!
//! The backend is chosen as scikit-learn's `algorithm='auto'` chooses (see
//! [`Algorithm`]). Data are rescaled by a power of two on the way in (exactly, so the
//! distances are unchanged) so that ±`f64::MAX` coordinates neither overflow nor
//! underflow; cosine rows are stored at unit length.
//!
//! ```
//! use ml_core::faer::mat;
//! use ml_core::neighbors::{IndexSettings, Metric, NeighborIndex};
//!
//! let x = mat![[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [5.0, 5.0]];
//! let index = NeighborIndex::build(x.as_ref(), &IndexSettings::default())?;
//! let found = index.kneighbors(mat![[0.9, 0.1]].as_ref(), 2)?;
//! assert_eq!(found.indices(0), &[1, 0]);
//! assert!((found.distances(0)[0] - 0.02f64.sqrt()).abs() < 1e-15);
//!
//! let manhattan = IndexSettings::default().metric(Metric::Manhattan);
//! let index = NeighborIndex::build(x.as_ref(), &manhattan)?;
//! let near = index.radius_neighbors(mat![[0.0, 0.0]].as_ref(), 2.0)?;
//! assert_eq!(near.indices(0), &[0, 1, 2]);
//! # Ok::<(), ml_core::Error>(())
//! ```
//!
//! [`kneighbors`]: NeighborIndex::kneighbors
//! [`radius_neighbors`]: NeighborIndex::radius_neighbors

mod ball;
mod brute;
mod connect;
mod kd;
mod metric;
mod mst;

use std::cmp::Ordering;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use metric::Metric;
pub use mst::Edge;

use crate::features::Features;
use crate::persist::{Invariants, Persist};
use crate::sparse::{Csr, CsrRef, csr_from_triplets};
use crate::{Error, Result, validate};

/// Which search structure serves the queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Algorithm {
    /// scikit-learn's rule, decided when the index is built: brute force for CSR
    /// rows, more than 15 features, cosine, or `n_neighbors ≥ n / 2`; otherwise the
    /// k-d tree when it has the metric (Euclidean, squared Euclidean, Manhattan,
    /// Chebyshev), else the ball tree. The default.
    #[default]
    Auto,
    /// kiddo's k-d tree. Other Minkowski `p` and data wider than 16 features (kiddo's
    /// widths are compiled in) are served by the ball tree instead, with identical
    /// answers; cosine and haversine are refused, as by scikit-learn's `KDTree`.
    KdTree,
    /// A ball tree: any metric but cosine (which has no triangle inequality).
    BallTree,
    /// Every query against every row; the only backend for CSR rows and cosine.
    Brute,
}

/// How to build a [`NeighborIndex`]: scikit-learn's `NearestNeighbors` parameters that
/// shape the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexSettings {
    metric: Metric,
    algorithm: Algorithm,
    leaf_size: usize,
    n_neighbors: Option<usize>,
}

impl Default for IndexSettings {
    fn default() -> Self {
        Self {
            metric: Metric::Euclidean,
            algorithm: Algorithm::Auto,
            leaf_size: 30,
            n_neighbors: None,
        }
    }
}

/// The largest `leaf_size` accepted (larger leaves only slow the ball tree down).
pub const MAX_LEAF_SIZE: usize = 1 << 20;

impl IndexSettings {
    /// The distance. Default: [`Metric::Euclidean`].
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// The backend. Default: [`Algorithm::Auto`].
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Rows per ball-tree leaf, in `1..=`[`MAX_LEAF_SIZE`]. Default: 30, as
    /// scikit-learn. (kiddo's k-d tree has compiled buckets of 32.)
    pub fn leaf_size(mut self, leaf_size: usize) -> Self {
        self.leaf_size = leaf_size;
        self
    }

    /// The `k` the caller will mostly ask for, which [`Algorithm::Auto`] weighs as
    /// scikit-learn does (`k ≥ n / 2` → brute force). Default: `None`.
    pub fn n_neighbors(mut self, n_neighbors: Option<usize>) -> Self {
        self.n_neighbors = n_neighbors;
        self
    }

    /// The configured metric.
    pub fn get_metric(&self) -> Metric {
        self.metric
    }

    /// The configured algorithm.
    pub fn get_algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Checks the parameters alone.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for Minkowski `p < 1`, `leaf_size` 0 or above
    /// [`MAX_LEAF_SIZE`], or cosine with a tree algorithm.
    pub fn check(&self) -> Result<()> {
        self.metric.check()?;
        validate::at_least("leaf_size", self.leaf_size, 1, "in 1..=1048576")?;
        validate::at_most("leaf_size", self.leaf_size, MAX_LEAF_SIZE, "in 1..=1048576")?;
        let metric = self.metric.canonical();
        match (self.algorithm, metric) {
            (Algorithm::KdTree | Algorithm::BallTree, Metric::Cosine) => Err(
                Error::invalid_parameter("algorithm", self.algorithm, "Brute or Auto for cosine"),
            ),
            (Algorithm::KdTree, Metric::Haversine) => Err(Error::invalid_parameter(
                "algorithm",
                self.algorithm,
                "BallTree, Brute or Auto for haversine",
            )),
            _ => Ok(()),
        }
    }

    /// The backend that serves `n × d` rows (`sparse`: CSR).
    fn resolve(&self, n: usize, d: usize, sparse: bool) -> Algorithm {
        let metric = self.metric.canonical();
        let tree = |a| {
            if a == Algorithm::KdTree && kd::supports(metric) && d <= kd::MAX_FEATURES {
                Algorithm::KdTree
            } else {
                Algorithm::BallTree
            }
        };
        match self.algorithm {
            _ if sparse => Algorithm::Brute,
            Algorithm::Brute => Algorithm::Brute,
            Algorithm::Auto => {
                let k_large = self.n_neighbors.is_some_and(|k| k >= n / 2);
                if d > 15 || metric == Metric::Cosine || k_large {
                    Algorithm::Brute
                } else {
                    tree(Algorithm::KdTree)
                }
            }
            a => tree(a),
        }
    }
}

/// One found row: its distance to the query and its index among the indexed rows.
/// Ordered by distance, then index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) distance: f64,
    pub(crate) index: usize,
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.index.cmp(&other.index))
    }
}

/// Keeps the `k` smallest candidates, sorted.
pub(crate) fn select_k(c: &mut Vec<Candidate>, k: usize) {
    if c.len() > k {
        c.select_nth_unstable(k);
        c.truncate(k);
    }
    c.sort_unstable();
}

/// The stored rows, scaled (see the module doc).
#[derive(Debug, Clone)]
pub(crate) enum Points {
    /// Row-major `n × d`, with each row's squared norm's maximum.
    Dense {
        data: Vec<f64>,
        d: usize,
        max_norm2: f64,
    },
    Sparse(Csr),
}

/// One row, dense or CSR.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Row<'a> {
    Dense(&'a [f64]),
    Sparse(&'a [usize], &'a [f64]),
}

impl Row<'_> {
    /// [`Metric::distance`] between two rows of any storage, with the same result as
    /// on the dense rows (the sums run over columns in order; absent entries add
    /// exact zeros).
    fn distance(&self, metric: Metric, other: &Row<'_>) -> f64 {
        match (self, other) {
            (Row::Dense(a), Row::Dense(b)) => metric.distance(a, b),
            _ => self.merged_distance(metric, other),
        }
    }

    fn entries(&self) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        match *self {
            Row::Dense(v) => Box::new(v.iter().copied().enumerate()),
            Row::Sparse(i, v) => Box::new(i.iter().copied().zip(v.iter().copied())),
        }
    }

    fn merged_distance(&self, metric: Metric, other: &Row<'_>) -> f64 {
        let (mut a, mut b) = (self.entries().peekable(), other.entries().peekable());
        let mut acc = 0.0;
        loop {
            let (x, y) = match (a.peek().copied(), b.peek().copied()) {
                (None, None) => break,
                (Some((i, x)), Some((j, y))) if i == j => {
                    a.next();
                    b.next();
                    (x, y)
                }
                (Some((i, x)), Some((j, _))) if i < j => {
                    a.next();
                    (x, 0.0)
                }
                (Some((_, x)), None) => {
                    a.next();
                    (x, 0.0)
                }
                (_, Some((_, y))) => {
                    b.next();
                    (0.0, y)
                }
            };
            let diff = (x - y).abs();
            match metric {
                Metric::Euclidean | Metric::SquaredEuclidean => acc += diff * diff,
                Metric::Manhattan => acc += diff,
                Metric::Chebyshev => acc = f64::max(acc, diff),
                Metric::Minkowski(p) => acc += diff.powf(p),
                Metric::Cosine => acc += x * y,
                // Refused for CSR rows when the index is built.
                Metric::Haversine => {}
            }
        }
        match metric {
            Metric::Euclidean => acc.sqrt(),
            Metric::Minkowski(p) => acc.powf(p.recip()),
            Metric::Cosine => (1.0 - acc).clamp(0.0, 2.0),
            _ => acc,
        }
    }
}

impl Points {
    fn n_rows(&self) -> usize {
        match self {
            Points::Dense { data, d, .. } => data.len() / d,
            Points::Sparse(c) => c.nrows(),
        }
    }

    fn row(&self, i: usize) -> Row<'_> {
        match self {
            Points::Dense { data, d, .. } => Row::Dense(&data[i * d..(i + 1) * d]),
            Points::Sparse(c) => {
                let r = c.as_ref();
                Row::Sparse(r.col_idx_of_row_raw(i), r.val_of_row(i))
            }
        }
    }

    fn max_norm2(&self) -> f64 {
        match self {
            Points::Dense { max_norm2, .. } => *max_norm2,
            Points::Sparse(_) => 0.0,
        }
    }

    fn has_zero_row(&self) -> bool {
        self.as_queries().has_zero_row()
    }

    fn as_queries(&self) -> QueryRows<'_> {
        match self {
            Points::Dense { data, d, .. } => QueryRows::Dense(data, *d),
            Points::Sparse(c) => QueryRows::Sparse(c.as_ref()),
        }
    }
}

/// Query rows prepared as the stored rows are (scaled, unit length for cosine).
#[derive(Debug, Clone, Copy)]
pub(crate) enum QueryRows<'a> {
    /// Row-major, with the number of columns.
    Dense(&'a [f64], usize),
    Sparse(CsrRef<'a>),
}

impl QueryRows<'_> {
    fn n_rows(&self) -> usize {
        match self {
            QueryRows::Dense(v, d) => v.len() / d,
            QueryRows::Sparse(c) => c.nrows(),
        }
    }

    fn row(&self, i: usize) -> Row<'_> {
        match self {
            QueryRows::Dense(v, d) => Row::Dense(&v[i * d..(i + 1) * d]),
            QueryRows::Sparse(c) => Row::Sparse(c.col_idx_of_row_raw(i), c.val_of_row(i)),
        }
    }

    fn has_zero_row(&self) -> bool {
        (0..self.n_rows()).any(|i| match self.row(i) {
            Row::Dense(v) | Row::Sparse(_, v) => v.iter().all(|&x| x == 0.0),
        })
    }
}

/// The search structure built over the points.
#[derive(Debug)]
enum Backend {
    Kd(kd::KdTree),
    Ball(ball::BallTree),
    Brute,
}

/// The neighbour index: the rows of `X` and a search structure over them.
///
/// Built once by [`NeighborIndex::build`], queried many times, from many threads
/// (`&self`). Serialisable: a saved index stores its rows and settings and rebuilds its
/// tree on load (the tree is a deterministic function of them), so a model file never
/// carries a tree structure that could be inconsistent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(try_from = "IndexParts", into = "IndexParts")]
pub struct NeighborIndex {
    settings: IndexSettings,
    algorithm: Algorithm,
    metric: Metric,
    n_features: usize,
    /// The power of two the rows were multiplied by.
    scale: f64,
    points: Points,
    backend: Backend,
}

impl Clone for NeighborIndex {
    fn clone(&self) -> Self {
        // Rebuilding is deterministic and cannot fail for rows that built once.
        Self::assemble(
            self.settings.clone(),
            self.n_features,
            self.scale,
            self.points.clone(),
        )
        .expect("an index rebuilds from its own rows")
    }
}

/// What a saved index holds.
#[derive(Serialize, Deserialize)]
struct IndexParts {
    settings: IndexSettings,
    n_features: usize,
    scale: f64,
    n_rows: usize,
    /// Row-major dense rows, or CSR `(row, column, value)` triplets.
    dense: Option<Vec<f64>>,
    sparse: Option<Vec<(usize, usize, f64)>>,
}

impl From<NeighborIndex> for IndexParts {
    fn from(index: NeighborIndex) -> Self {
        let n_rows = index.n_samples();
        let (dense, sparse) = match index.points {
            Points::Dense { data, .. } => (Some(data), None),
            Points::Sparse(c) => {
                let r = c.as_ref();
                let triplets = (0..r.nrows())
                    .flat_map(|i| {
                        r.col_idx_of_row_raw(i)
                            .iter()
                            .zip(r.val_of_row(i))
                            .map(move |(&j, &v)| (i, j, v))
                    })
                    .collect();
                (None, Some(triplets))
            }
        };
        IndexParts {
            settings: index.settings,
            n_features: index.n_features,
            scale: index.scale,
            n_rows,
            dense,
            sparse,
        }
    }
}

impl TryFrom<IndexParts> for NeighborIndex {
    type Error = String;

    fn try_from(p: IndexParts) -> std::result::Result<Self, String> {
        use crate::persist::invariants as inv;
        p.settings.check().map_err(|e| e.to_string())?;
        inv::not_empty("rows", p.n_rows)?;
        inv::not_empty("features", p.n_features)?;
        inv::ensure(
            p.scale > 0.0 && p.scale.is_finite() && p.scale.log2().fract() == 0.0,
            || format!("scale {} is not a power of two", p.scale),
        )?;
        let points = match (p.dense, p.sparse) {
            (Some(data), None) => {
                let len = p.n_rows.checked_mul(p.n_features);
                inv::ensure(len == Some(data.len()), || {
                    format!(
                        "{} values for {} × {} rows",
                        data.len(),
                        p.n_rows,
                        p.n_features
                    )
                })?;
                inv::finite("rows", &data)?;
                dense_points(data, p.n_features)
            }
            (None, Some(triplets)) => {
                let c = csr_from_triplets(p.n_rows, p.n_features, &triplets)
                    .map_err(|e| e.to_string())?;
                inv::finite("rows", c.as_ref().val())?;
                Points::Sparse(c)
            }
            _ => return Err("an index holds either dense or sparse rows".to_owned()),
        };
        let metric = p.settings.metric.canonical();
        check_rows(metric, &points.as_queries()).map_err(|e| e.to_string())?;
        NeighborIndex::assemble(p.settings, p.n_features, p.scale, points)
            .map_err(|e| e.to_string())
    }
}

impl Persist for NeighborIndex {
    const MODEL_NAME: &'static str = "ml_core::neighbors::NeighborIndex";
}

impl Invariants for NeighborIndex {
    /// Checked while decoding (the tree is rebuilt from checked rows), so nothing is
    /// left to check here.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// Dense points with their largest squared row norm.
fn dense_points(data: Vec<f64>, d: usize) -> Points {
    let max_norm2 = data
        .chunks_exact(d)
        .map(|r| crate::kernels::dot(r, r))
        .fold(0.0, f64::max);
    Points::Dense { data, d, max_norm2 }
}

/// Haversine rows must be `[latitude, longitude]` in radians.
fn check_rows(metric: Metric, rows: &QueryRows<'_>) -> Result<()> {
    if metric != Metric::Haversine {
        return Ok(());
    }
    for i in 0..rows.n_rows() {
        let Row::Dense(r) = rows.row(i) else {
            return Err(Error::Unsupported {
                estimator: "NeighborIndex with haversine",
                input: "sparse (CSR) input",
            });
        };
        let (lat, lon) = (r[0], r[1]);
        if lat.abs() > std::f64::consts::FRAC_PI_2 || lon.abs() > std::f64::consts::TAU {
            return Err(Error::InvalidData {
                what: "X",
                location: format!("row {i}"),
                reason: format!(
                    "haversine needs [latitude, longitude] in radians, |latitude| ≤ π/2 and \
                     |longitude| ≤ 2π; got [{lat}, {lon}]"
                ),
            });
        }
    }
    Ok(())
}

/// Rows brought to the index's storage: scaled by `scale` and, for cosine, to unit
/// length; dense rows row-major.
enum Prepared {
    Dense(Vec<f64>, usize),
    Sparse(Csr),
}

impl Prepared {
    fn rows(&self) -> QueryRows<'_> {
        match self {
            Prepared::Dense(v, d) => QueryRows::Dense(v, *d),
            Prepared::Sparse(c) => QueryRows::Sparse(c.as_ref()),
        }
    }
}

/// Scales a row to unit length (zero rows stay zero), first by a power of two so its
/// norm cannot overflow or underflow.
fn normalise(row: &mut [f64]) {
    let s = metric::power_of_two_scale(crate::kernels::max_abs(row.iter().copied()));
    row.iter_mut().for_each(|v| *v *= s);
    let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm > 0.0 {
        let inv = norm.recip();
        row.iter_mut().for_each(|v| *v *= inv);
    }
}

/// `densify`: CSR rows become dense rows (queries against dense indexed rows, whose
/// trees and GEMM path take dense rows; the width is the indexed rows' own).
fn prepare(x: Features<'_>, metric: Metric, scale: f64, densify: bool) -> Result<Prepared> {
    if let (true, Features::Sparse(c)) = (densify, x) {
        let (n, d) = (c.nrows(), c.ncols());
        let len = n.checked_mul(d).ok_or(Error::AllocationFailed {
            what: "rows",
            count: usize::MAX,
        })?;
        validate::allocatable::<f64>("rows", len)?;
        let mut v = vec![0.0; len];
        for i in 0..n {
            for (&j, &x) in c.col_idx_of_row_raw(i).iter().zip(c.val_of_row(i)) {
                v[i * d + j] = x * scale;
            }
        }
        if metric == Metric::Cosine {
            v.chunks_exact_mut(d).for_each(normalise);
        }
        return Ok(Prepared::Dense(v, d));
    }
    match x {
        Features::Dense(m) => {
            let (n, d) = (m.nrows(), m.ncols());
            let len = n.checked_mul(d).ok_or(Error::AllocationFailed {
                what: "rows",
                count: usize::MAX,
            })?;
            let mut v = Vec::new();
            v.try_reserve_exact(len)
                .map_err(|_| Error::AllocationFailed {
                    what: "rows",
                    count: len,
                })?;
            // Row-major from faer's column-major layout: each row gathers one value per
            // column, and the next rows reuse the cache lines it loaded.
            let cols: Option<Vec<&[f64]>> = (0..d)
                .map(|j| m.col(j).try_as_col_major().map(|c| c.as_slice()))
                .collect();
            match cols {
                Some(cols) => (0..n).for_each(|i| v.extend(cols.iter().map(|c| c[i] * scale))),
                None => (0..n).for_each(|i| v.extend(m.row(i).iter().map(|&x| x * scale))),
            }
            if metric == Metric::Cosine {
                v.chunks_exact_mut(d).for_each(normalise);
            }
            Ok(Prepared::Dense(v, d))
        }
        Features::Sparse(c) => {
            let mut owned = crate::sparse::csr_scaled(c, scale);
            if metric == Metric::Cosine {
                // The same arithmetic as dense rows: a power of two, then the norm.
                let n = owned.nrows();
                let mut factors = Vec::with_capacity(n);
                for i in 0..n {
                    let row = owned.as_ref().val_of_row(i);
                    factors.push(metric::power_of_two_scale(crate::kernels::max_abs(
                        row.iter().copied(),
                    )));
                }
                crate::sparse::scale_rows(&mut owned, &factors)?;
                let norms: Vec<f64> = (0..n)
                    .map(|i| {
                        let norm = owned
                            .as_ref()
                            .val_of_row(i)
                            .iter()
                            .map(|v| v * v)
                            .sum::<f64>()
                            .sqrt();
                        if norm > 0.0 { norm.recip() } else { 1.0 }
                    })
                    .collect();
                crate::sparse::scale_rows(&mut owned, &norms)?;
            }
            Ok(Prepared::Sparse(owned))
        }
    }
}

/// Indexed rows per parallel task of [`NeighborIndex::map_radius_neighborhoods`] on
/// the trees.
const NEIGHBORHOOD_CHUNK: usize = 256;

/// Indexed rows per brute-force block of [`NeighborIndex::map_radius_neighborhoods`]:
/// its neighbourhoods are the ones held at once.
const BRUTE_NEIGHBORHOOD_BLOCK: usize = 2048;

/// The relative rounding allowance between kiddo's reduced distances and ours.
fn kd_slack(d: usize) -> f64 {
    8.0 * (d as f64 + 2.0) * f64::EPSILON
}

impl NeighborIndex {
    /// Indexes the rows of `x` (dense or CSR).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for invalid settings (see [`IndexSettings::check`]);
    /// [`Error::EmptyInput`] or [`Error::NonFinite`] for `x`; [`Error::InvalidData`]
    /// for haversine rows that are not `[latitude, longitude]` in range;
    /// [`Error::ShapeMismatch`] for haversine on other than 2 columns;
    /// [`Error::Unsupported`] for haversine on CSR rows.
    pub fn build<'a>(x: impl Into<Features<'a>>, settings: &IndexSettings) -> Result<Self> {
        let x = x.into();
        settings.check()?;
        validate::features(x)?;
        let metric = settings.metric.canonical();
        if metric == Metric::Haversine && x.ncols() != 2 {
            return Err(Error::ShapeMismatch {
                what: "number of features for haversine",
                expected: 2,
                got: x.ncols(),
            });
        }
        let scale = if metric.scales_with_data() {
            let max_abs = match x {
                Features::Dense(m) => crate::kernels::max_abs_mat(m),
                Features::Sparse(c) => crate::kernels::max_abs(c.val().iter().copied()),
            };
            metric::power_of_two_scale(max_abs)
        } else {
            1.0
        };
        let prepared = prepare(x, metric, scale, false)?;
        check_rows(metric, &prepared.rows())?;
        let points = match prepared {
            Prepared::Dense(v, d) => dense_points(v, d),
            Prepared::Sparse(c) => Points::Sparse(c),
        };
        Self::assemble(settings.clone(), x.ncols(), scale, points)
    }

    fn assemble(
        settings: IndexSettings,
        n_features: usize,
        scale: f64,
        points: Points,
    ) -> Result<Self> {
        let metric = settings.metric.canonical();
        let n = points.n_rows();
        let algorithm = settings.resolve(n, n_features, matches!(points, Points::Sparse(_)));
        let backend = match (&points, algorithm) {
            (Points::Dense { data, d, .. }, Algorithm::KdTree) => {
                Backend::Kd(kd::KdTree::build(data, *d)?)
            }
            (Points::Dense { data, d, .. }, Algorithm::BallTree) => {
                Backend::Ball(ball::BallTree::build(data, *d, metric, settings.leaf_size))
            }
            _ => Backend::Brute,
        };
        Ok(Self {
            settings,
            algorithm,
            metric,
            n_features,
            scale,
            points,
            backend,
        })
    }

    /// The number of indexed rows.
    pub fn n_samples(&self) -> usize {
        self.points.n_rows()
    }

    /// The number of features of the indexed rows.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The metric, in its canonical form (Minkowski `p = 2` is Euclidean...), as
    /// scikit-learn's `effective_metric_`.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The backend that serves the queries (never [`Algorithm::Auto`]), as
    /// scikit-learn's `_fit_method`.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The settings the index was built with.
    pub fn settings(&self) -> &IndexSettings {
        &self.settings
    }

    /// Validates and prepares query rows.
    fn queries(&self, x: Features<'_>) -> Result<Prepared> {
        validate::features_with_n(x, self.n_features)?;
        let densify = matches!(self.points, Points::Dense { .. });
        let prepared = prepare(x, self.metric, self.scale, densify)?;
        check_rows(self.metric, &prepared.rows())?;
        Ok(prepared)
    }

    fn check_k(&self, k: usize, available: usize) -> Result<()> {
        if k == 0 || k > available {
            return Err(Error::InvalidParameter {
                name: "n_neighbors",
                value: k.to_string(),
                expected: "in 1..=n_samples (n_samples − 1 for the indexed rows themselves)",
            });
        }
        Ok(())
    }

    /// The `k` nearest indexed rows of every row of `x`, nearest first (ties by row
    /// index).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `n_neighbors`) for `k` 0 or above
    /// [`n_samples`](Self::n_samples); [`Error::EmptyInput`], [`Error::NonFinite`] or
    /// [`Error::ShapeMismatch`] for `x`; [`Error::InvalidData`] for haversine rows out
    /// of range.
    pub fn kneighbors<'a>(&self, x: impl Into<Features<'a>>, k: usize) -> Result<KNeighbors> {
        self.check_k(k, self.n_samples())?;
        let q = self.queries(x.into())?;
        let found = self.search_nearest(&q.rows(), k)?;
        Ok(self.knn_result(found, k, None))
    }

    /// The `k` nearest neighbours of every indexed row among the *other* indexed rows
    /// (scikit-learn's `kneighbors()` without `X`): each row's own index is left out,
    /// or, when `k + 1` duplicates of it all precede it, the first of them.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k` 0 or above `n_samples − 1`.
    pub fn kneighbors_of_indexed(&self, k: usize) -> Result<KNeighbors> {
        self.check_k(k, self.n_samples().saturating_sub(1))?;
        let found = self.search_nearest(&self.points.as_queries(), k + 1)?;
        Ok(self.knn_result(found, k, Some(())))
    }

    /// Every indexed row within `radius` (inclusive) of every row of `x`, nearest first.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `radius`) for a radius that is not finite and
    /// `> 0`; as [`kneighbors`](Self::kneighbors) for `x`.
    pub fn radius_neighbors<'a>(
        &self,
        x: impl Into<Features<'a>>,
        radius: f64,
    ) -> Result<RadiusNeighbors> {
        validate::positive("radius", radius)?;
        let q = self.queries(x.into())?;
        let found = self.search_within(&q.rows(), radius)?;
        Ok(self.radius_result(found, false))
    }

    /// Every *other* indexed row within `radius` of every indexed row (scikit-learn's
    /// `radius_neighbors()` without `X`).
    ///
    /// # Errors
    /// As [`radius_neighbors`](Self::radius_neighbors).
    pub fn radius_neighbors_of_indexed(&self, radius: f64) -> Result<RadiusNeighbors> {
        validate::positive("radius", radius)?;
        let found = self.search_within(&self.points.as_queries(), radius)?;
        Ok(self.radius_result(found, true))
    }

    /// The radius in the scaled units of the stored rows.
    fn scaled_radius(&self, radius: f64) -> f64 {
        match self.metric {
            Metric::SquaredEuclidean => radius * self.scale * self.scale,
            m if m.scales_with_data() => radius * self.scale,
            _ => radius,
        }
    }

    fn search_nearest(&self, q: &QueryRows<'_>, k: usize) -> Result<Vec<Vec<Candidate>>> {
        let (metric, points) = (self.metric, &self.points);
        let Points::Dense { data, d, .. } = points else {
            return brute::nearest(points, metric, q, k);
        };
        let d = *d;
        match &self.backend {
            Backend::Brute => brute::nearest(points, metric, q, k),
            Backend::Ball(tree) => Ok(brute::by_rows(q, |row, out| {
                let Row::Dense(r) = row else {
                    unreachable!("trees serve dense rows")
                };
                out.extend(tree.nearest(data, metric, r, k));
            })),
            Backend::Kd(tree) => Ok(brute::by_rows(q, |row, out| {
                let Row::Dense(r) = row else {
                    unreachable!("trees serve dense rows")
                };
                self.kd_nearest(tree, data, d, r, k, out);
            })),
        }
    }

    /// One k-d tree query: kiddo's `k + 1` nearest certify its first `k` when the
    /// `(k + 1)`-th is clearly farther; otherwise every row within the `k`-th distance
    /// plus the rounding allowance is evaluated. Rows kiddo cannot rank (distances
    /// beyond `f64::MAX` from an extreme query) fall back to a scan.
    fn kd_nearest(
        &self,
        tree: &kd::KdTree,
        data: &[f64],
        d: usize,
        q: &[f64],
        k: usize,
        out: &mut Vec<Candidate>,
    ) {
        let metric = self.metric;
        let n = data.len() / d;
        let want = (k + 1).min(n);
        let found = tree.nearest(metric, q, want);
        let exact = |i: usize| Candidate {
            distance: metric.distance(q, &data[i * d..(i + 1) * d]),
            index: i,
        };
        if found.len() < want || found.iter().any(|c| !c.0.is_finite()) {
            let mut all: Vec<Candidate> = (0..n).map(exact).collect();
            select_k(&mut all, k);
            out.extend(all);
            return;
        }
        let slack = kd_slack(d);
        let kth = found[k - 1].0;
        let certified = want == k || found[k].0 > kth * (1.0 + 4.0 * slack) + f64::MIN_POSITIVE;
        let mut cands: Vec<Candidate> = if certified {
            found[..k].iter().map(|c| exact(c.1)).collect()
        } else {
            let r = kth * (1.0 + 4.0 * slack) + f64::MIN_POSITIVE;
            tree.within(metric, q, r).into_iter().map(exact).collect()
        };
        select_k(&mut cands, k);
        out.extend(cands);
    }

    fn search_within(&self, q: &QueryRows<'_>, radius: f64) -> Result<Vec<Vec<Candidate>>> {
        let (metric, points) = (self.metric, &self.points);
        let r = self.scaled_radius(radius);
        match (points, &self.backend) {
            (Points::Dense { data, d, .. }, Backend::Kd(_) | Backend::Ball(_)) => {
                Ok(brute::by_rows(q, |row, out| {
                    let Row::Dense(x) = row else {
                        unreachable!("trees serve dense rows")
                    };
                    self.tree_within(data, *d, x, r, out);
                    out.sort_unstable();
                }))
            }
            _ => brute::within(points, metric, q, r),
        }
    }

    /// One prepared dense row's neighbours within the scaled radius `r` by the tree
    /// backends, unsorted, with their exact distances.
    fn tree_within(&self, data: &[f64], d: usize, x: &[f64], r: f64, out: &mut Vec<Candidate>) {
        let metric = self.metric;
        match &self.backend {
            Backend::Ball(tree) => tree.within(data, metric, x, r, out),
            Backend::Kd(tree) => {
                let reduced = if metric == Metric::Euclidean {
                    r * r
                } else {
                    r
                };
                let reach = reduced * (1.0 + 4.0 * kd_slack(d)) + f64::MIN_POSITIVE;
                out.extend(tree.within(metric, x, reach).into_iter().filter_map(|i| {
                    let distance = metric.distance(x, &data[i * d..(i + 1) * d]);
                    (distance <= r).then_some(Candidate { distance, index: i })
                }));
            }
            Backend::Brute => unreachable!("called for the tree backends only"),
        }
    }

    /// The radius neighbourhoods of the indexed rows `rows`, streamed: `visit(i,
    /// neighbours)` runs once for each `i` of `rows`, in parallel, with the indices of
    /// the indexed rows within `radius` of row `i` (inclusive, row `i` itself among
    /// them, in an order fixed by the index but not sorted), and its results come back
    /// in the order of `rows`. Only a block of neighbourhoods exists at any time, so
    /// memory stays `O(rows)` plus the caller's results however dense the data: the
    /// form DBSCAN needs, where holding every neighbourhood at once (as
    /// [`radius_neighbors_of_indexed`](Self::radius_neighbors_of_indexed) does) can
    /// take gigabytes.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a radius that is not finite and `> 0` (named
    /// `radius`) or a row index not below [`n_samples`](Self::n_samples) (named
    /// `rows`).
    pub fn map_radius_neighborhoods<T, F>(
        &self,
        rows: &[usize],
        radius: f64,
        visit: F,
    ) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(usize, &[usize]) -> T + Sync,
    {
        validate::positive("radius", radius)?;
        let n = self.n_samples();
        if let Some(&bad) = rows.iter().find(|&&i| i >= n) {
            return Err(Error::InvalidParameter {
                name: "rows",
                value: bad.to_string(),
                expected: "indices of indexed rows (below n_samples)",
            });
        }
        let r = self.scaled_radius(radius);
        if let (Points::Dense { data, d, .. }, Backend::Kd(_) | Backend::Ball(_)) =
            (&self.points, &self.backend)
        {
            let d = *d;
            return Ok(rows
                .par_chunks(NEIGHBORHOOD_CHUNK)
                .flat_map_iter(|chunk| {
                    let (mut found, mut indices) = (Vec::new(), Vec::new());
                    chunk
                        .iter()
                        .map(|&i| {
                            found.clear();
                            self.tree_within(data, d, &data[i * d..(i + 1) * d], r, &mut found);
                            indices.clear();
                            indices.extend(found.iter().map(|c| c.index));
                            visit(i, &indices)
                        })
                        .collect::<Vec<_>>()
                })
                .collect());
        }
        // Brute force answers a block of queries at once (GEMM candidates).
        let mut out = Vec::with_capacity(rows.len());
        for block in rows.chunks(BRUTE_NEIGHBORHOOD_BLOCK) {
            let found = match &self.points {
                Points::Dense { data, d, .. } => {
                    let q: Vec<f64> = block
                        .iter()
                        .flat_map(|&i| data[i * d..(i + 1) * d].iter().copied())
                        .collect();
                    brute::within(&self.points, self.metric, &QueryRows::Dense(&q, *d), r)?
                }
                Points::Sparse(c) => {
                    let sub = crate::sparse::select_rows(c.as_ref(), block);
                    let q = QueryRows::Sparse(sub.as_ref());
                    brute::within(&self.points, self.metric, &q, r)?
                }
            };
            out.par_extend(
                found
                    .into_par_iter()
                    .zip(block.par_iter())
                    .map(|(cands, &i)| {
                        let indices: Vec<usize> = cands.iter().map(|c| c.index).collect();
                        visit(i, &indices)
                    }),
            );
        }
        Ok(out)
    }

    /// For each indexed row `a` of `rows`, `Σ_b d(a, b) · weights[b]` over the rows `b`
    /// of `rows` (`weights` indexed by row): the weighted sums a medoid minimises.
    /// `O(m²)` distances for `m` rows, in parallel, in `O(m)` memory.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for weights not one per indexed row;
    /// [`Error::InvalidParameter`] (named `rows`) for a row not below
    /// [`n_samples`](Self::n_samples).
    pub fn weighted_distance_sums(&self, rows: &[usize], weights: &[f64]) -> Result<Vec<f64>> {
        let n = self.n_samples();
        if weights.len() != n {
            return Err(Error::ShapeMismatch {
                what: "number of weights",
                expected: n,
                got: weights.len(),
            });
        }
        if let Some(&bad) = rows.iter().find(|&&i| i >= n) {
            return Err(Error::InvalidParameter {
                name: "rows",
                value: bad.to_string(),
                expected: "indices of indexed rows (below n_samples)",
            });
        }
        Ok(rows
            .par_iter()
            .map(|&a| {
                let ra = self.points.row(a);
                rows.iter()
                    .map(|&b| {
                        let d = self.points.row(b).distance(self.metric, &ra);
                        self.metric.unscale(d, self.scale) * weights[b]
                    })
                    .sum()
            })
            .collect())
    }

    /// The indexed rows within `radius` of one query row, written to `out` (cleared
    /// first) in an order fixed by the index but not sorted: the light form for
    /// algorithms that query one point at a time (mean-shift's mode merging), without
    /// the batch form's per-call parallel dispatch and sorting.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a radius that is not finite and `> 0`;
    /// [`Error::ShapeMismatch`] for a row of the wrong width; [`Error::NonFinite`] or,
    /// for haversine, [`Error::InvalidData`] for its values.
    pub fn within_of_row(&self, query: &[f64], radius: f64, out: &mut Vec<usize>) -> Result<()> {
        validate::positive("radius", radius)?;
        out.clear();
        if query.len() != self.n_features {
            return Err(Error::ShapeMismatch {
                what: "number of features",
                expected: self.n_features,
                got: query.len(),
            });
        }
        let row = faer::MatRef::from_row_major_slice(query, 1, query.len());
        let q = self.queries(Features::Dense(row))?;
        let r = self.scaled_radius(radius);
        match (&self.points, &self.backend, q.rows()) {
            (
                Points::Dense { data, d, .. },
                Backend::Kd(_) | Backend::Ball(_),
                QueryRows::Dense(x, _),
            ) => {
                let mut found = Vec::new();
                self.tree_within(data, *d, x, r, &mut found);
                out.extend(found.iter().map(|c| c.index));
            }
            (points, _, rows) => {
                let found = brute::within(points, self.metric, &rows, r)?;
                out.extend(found.iter().flatten().map(|c| c.index));
            }
        }
        Ok(())
    }

    fn knn_result(
        &self,
        found: Vec<Vec<Candidate>>,
        k: usize,
        exclude_self: Option<()>,
    ) -> KNeighbors {
        let n_queries = found.len();
        let mut distances = Vec::with_capacity(n_queries * k);
        let mut indices = Vec::with_capacity(n_queries * k);
        for (i, mut row) in found.into_iter().enumerate() {
            if exclude_self.is_some() {
                let at = row.iter().position(|c| c.index == i).unwrap_or(0);
                row.remove(at);
            }
            for c in row.into_iter().take(k) {
                distances.push(self.metric.unscale(c.distance, self.scale));
                indices.push(c.index);
            }
        }
        KNeighbors {
            k,
            distances,
            indices,
        }
    }

    fn radius_result(&self, found: Vec<Vec<Candidate>>, exclude_self: bool) -> RadiusNeighbors {
        let total = found.iter().map(Vec::len).sum();
        let mut offsets = Vec::with_capacity(found.len() + 1);
        let mut distances = Vec::with_capacity(total);
        let mut indices = Vec::with_capacity(total);
        offsets.push(0);
        for (i, row) in found.into_iter().enumerate() {
            for c in row {
                if exclude_self && c.index == i {
                    continue;
                }
                distances.push(self.metric.unscale(c.distance, self.scale));
                indices.push(c.index);
            }
            offsets.push(indices.len());
        }
        RadiusNeighbors {
            n_indexed: self.n_samples(),
            offsets,
            distances,
            indices,
        }
    }
}

/// The answer to a k-nearest query: `k` neighbours per query row, nearest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KNeighbors {
    k: usize,
    /// Row-major `n_queries × k`.
    distances: Vec<f64>,
    indices: Vec<usize>,
}

impl KNeighbors {
    /// The number of query rows.
    pub fn n_queries(&self) -> usize {
        self.indices.len().checked_div(self.k).unwrap_or(0)
    }

    /// The number of neighbours per query row.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The distances of query row `i`'s neighbours, ascending.
    ///
    /// # Panics
    /// If `i ≥ n_queries()`.
    pub fn distances(&self, i: usize) -> &[f64] {
        &self.distances[i * self.k..(i + 1) * self.k]
    }

    /// The indexed rows that are query row `i`'s neighbours, nearest first.
    ///
    /// # Panics
    /// If `i ≥ n_queries()`.
    pub fn indices(&self, i: usize) -> &[usize] {
        &self.indices[i * self.k..(i + 1) * self.k]
    }

    /// All distances, row-major `n_queries × k`.
    pub fn all_distances(&self) -> &[f64] {
        &self.distances
    }

    /// All neighbour indices, row-major `n_queries × k`.
    pub fn all_indices(&self) -> &[usize] {
        &self.indices
    }

    /// The distances as an `n_queries × k` matrix (scikit-learn's `neigh_dist`).
    pub fn distance_matrix(&self) -> faer::Mat<f64> {
        faer::Mat::from_fn(self.n_queries(), self.k, |i, j| {
            self.distances[i * self.k + j]
        })
    }

    /// The neighbours as an `n_queries × n_indexed` CSR graph (scikit-learn's
    /// `kneighbors_graph`): each row holds its `k` neighbours, with their distance, or
    /// 1 when `connectivity`, in the order found (nearest first).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when an index is not below `n_indexed`.
    pub fn to_graph(&self, n_indexed: usize, connectivity: bool) -> Result<Csr> {
        graph(
            n_indexed,
            (0..=self.n_queries()).map(|i| i * self.k),
            &self.indices,
            &self.distances,
            connectivity,
        )
    }
}

/// The answer to a radius query: a variable number of neighbours per query row,
/// nearest first, stored as CSR-like offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RadiusNeighbors {
    n_indexed: usize,
    offsets: Vec<usize>,
    distances: Vec<f64>,
    indices: Vec<usize>,
}

impl RadiusNeighbors {
    /// The number of query rows.
    pub fn n_queries(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The distances of query row `i`'s neighbours, ascending.
    ///
    /// # Panics
    /// If `i ≥ n_queries()`.
    pub fn distances(&self, i: usize) -> &[f64] {
        &self.distances[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The indexed rows within the radius of query row `i`, nearest first.
    ///
    /// # Panics
    /// If `i ≥ n_queries()`.
    pub fn indices(&self, i: usize) -> &[usize] {
        &self.indices[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The number of neighbours found over all query rows.
    pub fn total(&self) -> usize {
        self.indices.len()
    }

    /// The neighbours as an `n_queries × n_indexed` CSR graph (scikit-learn's
    /// `radius_neighbors_graph`), with distances or, when `connectivity`, ones.
    ///
    /// # Errors
    /// Never for a result of [`NeighborIndex`]; typed errors rather than panics
    /// otherwise.
    pub fn to_graph(&self, connectivity: bool) -> Result<Csr> {
        graph(
            self.n_indexed,
            self.offsets.iter().copied(),
            &self.indices,
            &self.distances,
            connectivity,
        )
    }
}

/// A CSR graph from per-row neighbour lists (columns sorted within each row, as CSR
/// requires).
fn graph(
    n_cols: usize,
    offsets: impl Iterator<Item = usize>,
    indices: &[usize],
    distances: &[f64],
    connectivity: bool,
) -> Result<Csr> {
    let offsets: Vec<usize> = offsets.collect();
    let mut triplets = Vec::with_capacity(indices.len());
    for (i, w) in offsets.windows(2).enumerate() {
        for p in w[0]..w[1] {
            let v = if connectivity { 1.0 } else { distances[p] };
            triplets.push((i, indices[p], v));
        }
    }
    csr_from_triplets(offsets.len().saturating_sub(1), n_cols, &triplets)
}

#[cfg(test)]
mod tests;
