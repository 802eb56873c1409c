//! The k-d tree backend: kiddo's immutable trees over rows padded with zeros to the
//! next compiled width.
//!
//! kiddo's dimension is a const generic, so one tree type exists per width; rows of `d`
//! features go into the smallest width `≥ d` of [`WIDTHS`] with zero padding, which
//! changes no Minkowski-family distance. kiddo only *finds* candidates here: its
//! distances (SIMD sums in its own order) decide which rows are evaluated, and the
//! caller re-evaluates them with [`Metric::distance`](super::Metric) (see `mod.rs`).

use std::num::NonZeroUsize;

use kiddo::{Chebyshev, ImmutableKdTree, Manhattan, SquaredEuclidean};

use super::Metric;
use crate::{Error, Result};

/// The compiled widths; wider data goes to the ball tree.
pub(crate) const WIDTHS: [usize; 8] = [1, 2, 3, 4, 6, 8, 12, 16];

/// The widest data kiddo serves here.
pub(crate) const MAX_FEATURES: usize = 16;

/// Whether kiddo has this metric (in canonical form).
pub(crate) fn supports(metric: Metric) -> bool {
    matches!(
        metric,
        Metric::Euclidean | Metric::SquaredEuclidean | Metric::Manhattan | Metric::Chebyshev
    )
}

/// One kiddo tree of the width the data needed.
pub(crate) enum KdTree {
    W1(ImmutableKdTree<f64, 1>),
    W2(ImmutableKdTree<f64, 2>),
    W3(ImmutableKdTree<f64, 3>),
    W4(ImmutableKdTree<f64, 4>),
    W6(ImmutableKdTree<f64, 6>),
    W8(ImmutableKdTree<f64, 8>),
    W12(ImmutableKdTree<f64, 12>),
    W16(ImmutableKdTree<f64, 16>),
}

impl std::fmt::Debug for KdTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KdTree")
    }
}

/// Runs `$body` with `$tree` bound to the inner tree and `$k` to its width.
macro_rules! with_tree {
    ($self:expr, $tree:ident, $k:ident, $body:expr) => {
        match $self {
            KdTree::W1($tree) => {
                const $k: usize = 1;
                $body
            }
            KdTree::W2($tree) => {
                const $k: usize = 2;
                $body
            }
            KdTree::W3($tree) => {
                const $k: usize = 3;
                $body
            }
            KdTree::W4($tree) => {
                const $k: usize = 4;
                $body
            }
            KdTree::W6($tree) => {
                const $k: usize = 6;
                $body
            }
            KdTree::W8($tree) => {
                const $k: usize = 8;
                $body
            }
            KdTree::W12($tree) => {
                const $k: usize = 12;
                $body
            }
            KdTree::W16($tree) => {
                const $k: usize = 16;
                $body
            }
        }
    };
}

/// A row padded with zeros to `K`.
#[inline]
fn padded<const K: usize>(row: &[f64]) -> [f64; K] {
    let mut p = [0.0; K];
    p[..row.len()].copy_from_slice(row);
    p
}

fn build_width<const K: usize>(data: &[f64], d: usize) -> Result<ImmutableKdTree<f64, K>> {
    let points: Vec<[f64; K]> = data.chunks_exact(d).map(padded::<K>).collect();
    ImmutableKdTree::<f64, K>::new_from_slice(&points).map_err(|e| Error::InvalidData {
        what: "X",
        location: String::new(),
        reason: format!("the k-d tree could not be built: {e}"),
    })
}

impl KdTree {
    /// Builds the tree over the row-major `n × d` `data` (`1 ≤ d ≤ MAX_FEATURES`,
    /// `n ≤ u32::MAX`: kiddo's item type).
    pub(crate) fn build(data: &[f64], d: usize) -> Result<Self> {
        let n = data.len() / d.max(1);
        if u32::try_from(n).is_err() {
            return Err(Error::LimitExceeded {
                what: "rows in a k-d tree",
                requested: n,
                limit: u32::MAX as usize,
            });
        }
        let width = WIDTHS.iter().copied().find(|&w| w >= d).ok_or({
            Error::LimitExceeded {
                what: "features in a k-d tree",
                requested: d,
                limit: MAX_FEATURES,
            }
        })?;
        Ok(match width {
            1 => KdTree::W1(build_width(data, d)?),
            2 => KdTree::W2(build_width(data, d)?),
            3 => KdTree::W3(build_width(data, d)?),
            4 => KdTree::W4(build_width(data, d)?),
            6 => KdTree::W6(build_width(data, d)?),
            8 => KdTree::W8(build_width(data, d)?),
            12 => KdTree::W12(build_width(data, d)?),
            _ => KdTree::W16(build_width(data, d)?),
        })
    }

    /// kiddo's `count` nearest rows to `q` as `(kiddo's reduced distance, row)`, sorted
    /// by that distance: squared for the Euclidean metrics. Rows at a distance above
    /// `f64::MAX` are never returned, so fewer than `count` may come back.
    pub(crate) fn nearest(&self, metric: Metric, q: &[f64], count: usize) -> Vec<(f64, usize)> {
        let Some(count) = NonZeroUsize::new(count) else {
            return Vec::new();
        };
        with_tree!(self, tree, K, {
            let p = padded::<K>(q);
            let query = tree.query(&p);
            macro_rules! run {
                ($m:ty) => {
                    query
                        .nearest_n::<$m>(count)
                        .execute()
                        .into_iter()
                        .map(|r| (r.distance, r.item as usize))
                        .collect()
                };
            }
            match metric {
                Metric::Manhattan => run!(Manhattan<f64>),
                Metric::Chebyshev => run!(Chebyshev<f64>),
                _ => run!(SquaredEuclidean<f64>),
            }
        })
    }

    /// The rows within kiddo's reduced distance `radius` of `q` (inclusive), unsorted.
    pub(crate) fn within(&self, metric: Metric, q: &[f64], radius: f64) -> Vec<usize> {
        with_tree!(self, tree, K, {
            let p = padded::<K>(q);
            let query = tree.query(&p);
            macro_rules! run {
                ($m:ty) => {
                    query
                        .within::<$m>(radius)
                        .unsorted()
                        .execute()
                        .into_iter()
                        .map(|r| r.item as usize)
                        .collect()
                };
            }
            match metric {
                Metric::Manhattan => run!(Manhattan<f64>),
                Metric::Chebyshev => run!(Chebyshev<f64>),
                _ => run!(SquaredEuclidean<f64>),
            }
        })
    }
}
