//! Binning of the features, as scikit-learn 1.9.1's `_BinMapper`: each numerical
//! feature gets at most `max_bins` bins whose upper edges are the midpoints of its
//! distinct values (when there are few) or its quantiles, each categorical feature
//! one bin per category; the bin after the last (`max_bins`) holds missing values.
//!
//! Above 200 000 rows the edges come from 200 000 rows drawn with replacement (in
//! proportion to the sample weights), with numpy's draws for the seed, so the bins
//! are scikit-learn's for the same `random_state`.

use faer::MatRef;
use ml_core::kernels::{from_ordered_bits, ordered_bits, radix_sort_by_key};
use ml_core::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::loss::{percentile_averaged_inverted_cdf, sorted_weighted_percentile};
use crate::tree::random::{Mt19937, cumulative_shares};

/// Rows above which the bin edges come from a subsample (scikit-learn's `subsample`).
pub(crate) const BINNING_SUBSAMPLE: usize = 200_000;

/// scikit-learn's cap on the bin edges (`ALMOST_INF`).
const ALMOST_INF: f64 = 1e300;

/// The bins of every feature, in the boosting's internal feature order (categorical
/// features first, as scikit-learn orders them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Bins {
    /// Per feature: the upper edges of its bins but the last (numerical), or its
    /// sorted categories (categorical).
    pub(crate) edges: Vec<Vec<f64>>,
    /// Per feature: whether it is categorical.
    pub(crate) categorical: Vec<bool>,
    /// The bin of missing values, `max_bins`.
    pub(crate) missing_bin: u8,
}

impl Bins {
    /// The bins of the columns `columns` of `x` (internal order), the categorical ones
    /// marked. Edges come from the training rows `rows` (all when `None`; `weights`
    /// are theirs) of positive weight, or from a weighted draw of
    /// [`BINNING_SUBSAMPLE`] of them seeded by `seed`; categories from every row.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when a categorical column has more distinct values than
    /// `max_bins`.
    pub(crate) fn fit(
        x: MatRef<'_, f64>,
        rows: Option<&[usize]>,
        columns: &[usize],
        categorical: &[bool],
        max_bins: usize,
        weights: Option<&[f64]>,
        seed: u32,
    ) -> Result<Self> {
        let n = x.nrows();
        let n_train = rows.map_or(n, <[usize]>::len);
        let (drawn, weights) = if n_train > BINNING_SUBSAMPLE {
            let draws = subsample(n_train, weights, seed);
            (
                Some(match rows {
                    Some(rows) => draws.iter().map(|&i| rows[i]).collect(),
                    None => draws,
                }),
                None,
            )
        } else {
            (rows.map(<[usize]>::to_vec), weights)
        };
        let edges: Vec<Result<Vec<f64>>> = columns
            .par_iter()
            .zip(categorical)
            .map(|(&c, &is_cat)| {
                let col = x.col(c);
                if is_cat {
                    let mut cats: Vec<f64> =
                        (0..n).map(|i| col[i]).filter(|v| !v.is_nan()).collect();
                    cats.sort_unstable_by(f64::total_cmp);
                    cats.dedup();
                    if cats.len() > max_bins {
                        return Err(Error::InvalidData {
                            what: "X",
                            location: format!("column {c}"),
                            reason: format!(
                                "a categorical column of {} categories; at most max_bins = \
                                 {max_bins}",
                                cats.len()
                            ),
                        });
                    }
                    return Ok(cats);
                }
                let values: Vec<f64> = match &drawn {
                    Some(rows) => rows.iter().map(|&i| col[i]).collect(),
                    None => (0..n).map(|i| col[i]).collect(),
                };
                Ok(numerical_edges(&values, weights, max_bins))
            })
            .collect();
        Ok(Self {
            edges: edges.into_iter().collect::<Result<_>>()?,
            categorical: categorical.to_vec(),
            missing_bin: max_bins as u8,
        })
    }

    /// The number of features.
    pub(crate) fn n_features(&self) -> usize {
        self.edges.len()
    }

    /// The bins holding values of feature `f` (its missing bin aside).
    pub(crate) fn n_bins_non_missing(&self, f: usize) -> usize {
        if self.categorical[f] {
            self.edges[f].len()
        } else {
            self.edges[f].len() + 1
        }
    }

    /// The bin of value `v` of feature `f`: the first bin whose upper edge is at least
    /// `v`; for a categorical feature, its category's index; missing values and
    /// unknown categories in the missing bin.
    #[inline]
    pub(crate) fn bin_of(&self, f: usize, v: f64) -> u8 {
        if v.is_nan() {
            return self.missing_bin;
        }
        let edges = &self.edges[f];
        if self.categorical[f] {
            return match edges.binary_search_by(|c| c.total_cmp(&v)) {
                Ok(i) => i as u8,
                Err(_) => self.missing_bin,
            };
        }
        edges.partition_point(|&e| e < v) as u8
    }

    /// The bins of the rows of `x`, column-major in internal order (`columns` maps an
    /// internal feature to its column of `x`).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for an infinite value (NaN is a missing value).
    pub(crate) fn bin(&self, x: MatRef<'_, f64>, columns: &[usize]) -> Result<Vec<u8>> {
        let n = x.nrows();
        let mut out = vec![0u8; n * columns.len()];
        if n == 0 {
            return Ok(out);
        }
        let results: Vec<Result<()>> = out
            .par_chunks_mut(n)
            .zip(columns)
            .enumerate()
            .map(|(f, (binned, &c))| {
                let col = x.col(c);
                for (i, b) in binned.iter_mut().enumerate() {
                    let v = col[i];
                    if v.is_infinite() {
                        return Err(Error::NonFinite {
                            row: i,
                            col: c,
                            value: v,
                        });
                    }
                    *b = self.bin_of(f, v);
                }
                Ok(())
            })
            .collect();
        results.into_iter().collect::<Result<()>>()?;
        Ok(out)
    }
}

/// numpy's `RandomState(seed).choice(n, 200000, replace=True, p=w/Σw)` (without
/// weights, `randint(0, n, 200000)`).
fn subsample(n: usize, weights: Option<&[f64]>, seed: u32) -> Vec<usize> {
    let mut rng = Mt19937::new(seed);
    match weights {
        None => (0..BINNING_SUBSAMPLE)
            .map(|_| rng.below(n as u64) as usize)
            .collect(),
        Some(w) => {
            let cdf = cumulative_shares(w);
            (0..BINNING_SUBSAMPLE).map(|_| rng.choice(&cdf)).collect()
        }
    }
}

/// The bin edges of one numerical column (scikit-learn's `_find_binning_thresholds`):
/// missing values and rows of zero weight left out; midpoints of the distinct values
/// when there are at most `max_bins`, else the `max_bins − 1` inner quantiles
/// (`averaged_inverted_cdf`, weighted when weights are given), duplicates removed.
fn numerical_edges(values: &[f64], weights: Option<&[f64]>, max_bins: usize) -> Vec<f64> {
    // Radix-sorted by the values' ordered bits (linear in the rows, as the columns
    // of a large training set are long).
    let mut pairs: Vec<(u64, f64)> = match weights {
        None => values
            .iter()
            .filter(|v| !v.is_nan())
            .map(|&v| (ordered_bits(v), 1.0))
            .collect(),
        Some(w) => values
            .iter()
            .zip(w)
            .filter(|(v, w)| !v.is_nan() && **w != 0.0)
            .map(|(&v, &w)| (ordered_bits(v), w))
            .collect(),
    };
    radix_sort_by_key(&mut pairs);
    let sorted: Vec<f64> = pairs.iter().map(|p| from_ordered_bits(p.0)).collect();
    let mut distinct = sorted.clone();
    distinct.dedup();
    if distinct.len() <= 1 {
        return Vec::new();
    }
    let mut edges: Vec<f64> = if distinct.len() <= max_bins {
        distinct.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect()
    } else {
        let step = 100.0 / max_bins as f64;
        let percentiles = (1..max_bins).map(|i| i as f64 * step);
        match weights {
            None => percentiles
                .map(|p| percentile_averaged_inverted_cdf(&sorted, p))
                .collect(),
            Some(_) => {
                let w: Vec<f64> = pairs.iter().map(|p| p.1).collect();
                let mut running = 0.0;
                let cdf: Vec<f64> = w
                    .iter()
                    .map(|&v| {
                        running += v;
                        running
                    })
                    .collect();
                percentiles
                    .map(|p| sorted_weighted_percentile(&sorted, &w, &cdf, p, true))
                    .collect()
            }
        }
    };
    edges.dedup();
    edges.iter_mut().for_each(|e| *e = e.min(ALMOST_INF));
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_split_at_midpoints() {
        // scikit-learn: [1, 2, 2, 5, NaN] -> thresholds [1.5, 3.5].
        let edges = numerical_edges(&[1.0, 2.0, 2.0, 5.0, f64::NAN], None, 255);
        assert_eq!(edges, vec![1.5, 3.5]);
        assert!(numerical_edges(&[3.0, 3.0], None, 255).is_empty());
    }

    #[test]
    fn many_distinct_values_split_at_quantiles() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let edges = numerical_edges(&values, None, 4);
        // np.percentile(arange(1000), [25, 50, 75], method="averaged_inverted_cdf").
        assert_eq!(edges, vec![249.5, 499.5, 749.5]);
    }
}
