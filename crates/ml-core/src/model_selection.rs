//! Splitting samples for evaluation: [`train_test_split`], [`KFold`],
//! [`StratifiedKFold`], and cross-validated scores over the estimator traits
//! ([`cross_val_score`], [`cross_val_score_r2`]).
//!
//! Splits are index vectors, so they apply to `X`, `y` and anything else row-aligned;
//! [`take_rows`] gathers the rows of a matrix. Sizes and per-class allocations follow
//! scikit-learn's rules exactly; shuffled orders come from this library's seeded
//! generator ([`crate::rng`]), not numpy's, so shuffled indices differ from
//! scikit-learn's while their sizes and class proportions do not.

use std::collections::{BTreeMap, HashMap};

use faer::{Mat, MatRef};
use rand::seq::SliceRandom;
use rayon::prelude::*;

use crate::{Error, Features, Fit, Label, Predict, Result, metrics, rng, validate};

/// One split: the training indices and the test indices, each in increasing order for
/// the folds, in shuffled order for [`train_test_split`] with `shuffle`.
pub type TrainTest = (Vec<usize>, Vec<usize>);

/// The size of a test set: a fraction of the samples or a count.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum TestSize {
    /// A fraction in `(0, 1)`; the test set has `ceil(fraction · n_samples)` samples.
    Fraction(f64),
    /// An exact number of samples in `[1, n_samples − 1]`.
    Count(usize),
}

impl Default for TestSize {
    /// scikit-learn's default, 0.25.
    fn default() -> Self {
        Self::Fraction(0.25)
    }
}

impl From<f64> for TestSize {
    fn from(fraction: f64) -> Self {
        Self::Fraction(fraction)
    }
}

impl From<usize> for TestSize {
    fn from(count: usize) -> Self {
        Self::Count(count)
    }
}

/// Sizes `(n_train, n_test)` as scikit-learn's `_validate_shuffle_split` (no
/// `train_size`: the training set is the rest).
fn split_sizes(n_samples: usize, test_size: TestSize) -> Result<(usize, usize)> {
    let n_test = match test_size {
        TestSize::Fraction(f) => {
            if !(f > 0.0 && f < 1.0) {
                return Err(Error::invalid_parameter(
                    "test_size",
                    f,
                    "a fraction in (0, 1)",
                ));
            }
            // The same f64 product and ceiling as scikit-learn, so sizes agree exactly.
            (f * n_samples as f64).ceil() as usize
        }
        TestSize::Count(c) => {
            if c == 0 || c >= n_samples {
                return Err(Error::invalid_parameter(
                    "test_size",
                    c,
                    "a count in [1, n_samples - 1]",
                ));
            }
            c
        }
    };
    let n_train = n_samples.saturating_sub(n_test);
    if n_train == 0 {
        return Err(Error::invalid_parameter(
            "test_size",
            test_size,
            "a size that leaves at least one training sample",
        ));
    }
    Ok((n_train, n_test))
}

/// Splits `0..n_samples` into training and test indices.
///
/// - `test_size`: a fraction (`0.25`, scikit-learn's default) or a count
///   (`30usize`); the test set has `ceil(fraction · n)` samples, the rest train.
/// - `shuffle = false`: the first `n_train` indices train, the last `n_test` test, as
///   scikit-learn.
/// - `shuffle = true`: a seeded random permutation, test first, as scikit-learn's
///   `ShuffleSplit`.
/// - `stratify = Some(y)` (needs `shuffle`): per-class training and test counts are
///   allocated as scikit-learn's `StratifiedShuffleSplit` (`_approximate_mode`: the
///   floor of each class's share, the remaining samples to the largest remainders,
///   ties broken at random), so each class keeps its proportion within one sample.
///
/// Indices are not identical to scikit-learn's for the same seed (different random
/// generator); sizes and per-class counts follow its rules. Pass
/// `None::<&[usize]>` (any label type) for no stratification.
///
/// ```
/// use ml_core::model_selection::train_test_split;
/// let (train, test) = train_test_split(10, 0.25, 42, None::<&[u8]>, true)?;
/// assert_eq!((train.len(), test.len()), (7, 3));
/// # Ok::<(), ml_core::Error>(())
/// ```
///
/// # Errors
/// - [`Error::EmptyInput`] for `n_samples = 0`;
/// - [`Error::InvalidParameter`] (`test_size`) for a size outside its range or one
///   that leaves no training sample, or too small to hold one sample of each class;
/// - [`Error::ShapeMismatch`] when `stratify` is not `n_samples` long;
/// - [`Error::InvalidParameter`] (`shuffle`) for stratification without shuffling,
///   and (`stratify`) for a class with fewer than 2 members.
pub fn train_test_split<L: Label>(
    n_samples: usize,
    test_size: impl Into<TestSize>,
    seed: u64,
    stratify: Option<&[L]>,
    shuffle: bool,
) -> Result<TrainTest> {
    if n_samples == 0 {
        return Err(Error::EmptyInput { what: "samples" });
    }
    validate::allocatable::<usize>("sample indices", n_samples)?;
    let test_size = test_size.into();
    let (n_train, n_test) = split_sizes(n_samples, test_size)?;
    let mut rng = rng::seeded(seed);
    match stratify {
        None if !shuffle => Ok(((0..n_train).collect(), (n_train..n_samples).collect())),
        None => {
            let mut perm: Vec<usize> = (0..n_samples).collect();
            perm.shuffle(&mut rng);
            let test = perm[..n_test].to_vec();
            let train = perm[n_test..].to_vec();
            Ok((train, test))
        }
        Some(y) => {
            if !shuffle {
                return Err(Error::invalid_parameter(
                    "shuffle",
                    false,
                    "true when stratify is given",
                ));
            }
            if y.len() != n_samples {
                return Err(Error::ShapeMismatch {
                    what: "length of stratify",
                    expected: n_samples,
                    got: y.len(),
                });
            }
            stratified_split(y, n_train, n_test, test_size, &mut rng)
        }
    }
}

/// scikit-learn's `StratifiedShuffleSplit` allocation with our generator.
fn stratified_split<L: Label>(
    y: &[L],
    n_train: usize,
    n_test: usize,
    test_size: TestSize,
    rng: &mut rng::Rng,
) -> Result<TrainTest> {
    // Members of each class (sorted classes), in increasing sample order.
    let mut by_class: BTreeMap<&L, Vec<usize>> = BTreeMap::new();
    for (i, l) in y.iter().enumerate() {
        by_class.entry(l).or_default().push(i);
    }
    let mut members: Vec<Vec<usize>> = by_class.into_values().collect();
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    if let Some(&least) = counts.iter().min()
        && least < 2
    {
        return Err(Error::invalid_parameter(
            "stratify",
            format!("a class with {least} member"),
            "at least 2 members in every class",
        ));
    }
    let n_classes = counts.len();
    if n_train < n_classes || n_test < n_classes {
        return Err(Error::invalid_parameter(
            "test_size",
            test_size,
            "training and test sets of at least one sample per class",
        ));
    }
    let n_i = approximate_mode(&counts, n_train, rng);
    let remaining: Vec<usize> = counts.iter().zip(&n_i).map(|(c, t)| c - t).collect();
    let t_i = approximate_mode(&remaining, n_test, rng);
    let (mut train, mut test) = (Vec::with_capacity(n_train), Vec::with_capacity(n_test));
    for ((class, &tr), &te) in members.iter_mut().zip(&n_i).zip(&t_i) {
        class.shuffle(rng);
        train.extend_from_slice(&class[..tr]);
        test.extend_from_slice(&class[tr..tr + te]);
    }
    train.shuffle(rng);
    test.shuffle(rng);
    Ok((train, test))
}

/// scikit-learn's `_approximate_mode`: `n_draws` split among classes in proportion to
/// `counts`, floors first, then one more to the classes with the largest remainders,
/// ties drawn at random.
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut rng::Rng) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|c| c.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(floored.iter().sum());
    if need > 0 {
        let remainder: Vec<f64> = continuous
            .iter()
            .zip(&floored)
            .map(|(c, &f)| c - f as f64)
            .collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let mut tied: Vec<usize> = (0..counts.len())
                .filter(|&i| remainder[i] == value)
                .collect();
            let add_now = tied.len().min(need);
            tied.shuffle(rng);
            for &i in &tied[..add_now] {
                floored[i] += 1;
            }
            need -= add_now;
            if need == 0 {
                break;
            }
        }
    }
    floored
}

/// `k` must be at least 2 and at most `n_samples`.
fn check_n_splits(n_splits: usize, n_samples: usize) -> Result<()> {
    if n_samples == 0 {
        return Err(Error::EmptyInput { what: "samples" });
    }
    if n_splits < 2 {
        return Err(Error::invalid_parameter("n_splits", n_splits, ">= 2"));
    }
    if n_splits > n_samples {
        return Err(Error::invalid_parameter(
            "n_splits",
            n_splits,
            "<= n_samples",
        ));
    }
    Ok(())
}

/// Train/test pairs from a fold number per sample; both index lists increasing.
fn folds_from_assignment(assignment: &[usize], n_splits: usize) -> Vec<TrainTest> {
    (0..n_splits)
        .map(|f| {
            let (mut train, mut test) = (Vec::new(), Vec::new());
            for (i, &a) in assignment.iter().enumerate() {
                if a == f { test.push(i) } else { train.push(i) }
            }
            (train, test)
        })
        .collect()
}

/// K-fold cross-validation: `n_splits` consecutive folds, each the test set once.
///
/// Fold sizes are as scikit-learn's: the first `n_samples % n_splits` folds have
/// `n_samples / n_splits + 1` samples, the others `n_samples / n_splits`. Without
/// shuffling the folds are contiguous and equal scikit-learn's exactly; with it, the
/// samples are permuted by the seeded generator first (different indices from
/// scikit-learn's, same sizes). The seed is ignored without shuffling (scikit-learn
/// refuses a `random_state` there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KFold {
    n_splits: usize,
    shuffle: bool,
    seed: u64,
}

impl Default for KFold {
    fn default() -> Self {
        Self::new()
    }
}

impl KFold {
    /// Five folds, no shuffling.
    pub fn new() -> Self {
        Self {
            n_splits: 5,
            shuffle: false,
            seed: 0,
        }
    }

    /// The number of folds, at least 2 (checked at split). Default: 5.
    pub fn n_splits(mut self, n_splits: usize) -> Self {
        self.n_splits = n_splits;
        self
    }

    /// Whether to permute the samples before cutting folds. Default: false.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Seed of the permutation when shuffling. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The `n_splits` (train, test) pairs for `n_samples` samples, indices increasing.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] for no samples, [`Error::InvalidParameter`] unless
    /// `2 <= n_splits <= n_samples`.
    pub fn split(&self, n_samples: usize) -> Result<Vec<TrainTest>> {
        check_n_splits(self.n_splits, n_samples)?;
        validate::allocatable::<usize>(
            "the folds' sample indices",
            n_samples.saturating_mul(self.n_splits),
        )?;
        let mut order: Vec<usize> = (0..n_samples).collect();
        if self.shuffle {
            order.shuffle(&mut rng::seeded(self.seed));
        }
        let k = self.n_splits;
        let mut assignment = vec![0; n_samples];
        let mut start = 0;
        for f in 0..k {
            let size = n_samples / k + usize::from(f < n_samples % k);
            for &i in &order[start..start + size] {
                assignment[i] = f;
            }
            start += size;
        }
        Ok(folds_from_assignment(&assignment, k))
    }
}

/// Stratified K-fold: every fold keeps the class proportions of `y` as far as counts
/// allow.
///
/// Allocation as scikit-learn's `StratifiedKFold`: classes are numbered by first
/// appearance in `y`, the sorted class codes are dealt round-robin to the folds to get
/// each fold's count per class, and each class's samples are assigned to folds in
/// blocks in sample order. Without shuffling the folds equal scikit-learn's exactly;
/// with it each class's block order is permuted by the seeded generator (per-fold
/// class counts stay identical to scikit-learn's). A class smaller than `n_splits` is
/// accepted (scikit-learn warns), as long as some class has `n_splits` members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratifiedKFold {
    n_splits: usize,
    shuffle: bool,
    seed: u64,
}

impl Default for StratifiedKFold {
    fn default() -> Self {
        Self::new()
    }
}

impl StratifiedKFold {
    /// Five folds, no shuffling.
    pub fn new() -> Self {
        Self {
            n_splits: 5,
            shuffle: false,
            seed: 0,
        }
    }

    /// The number of folds, at least 2 (checked at split). Default: 5.
    pub fn n_splits(mut self, n_splits: usize) -> Self {
        self.n_splits = n_splits;
        self
    }

    /// Whether to shuffle each class's fold assignment. Default: false.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Seed of the shuffling. Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The `n_splits` (train, test) pairs for labels `y`, indices increasing.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] for empty `y`, [`Error::InvalidParameter`] unless
    /// `2 <= n_splits <= n_samples` and some class has at least `n_splits` members.
    pub fn split<L: Label>(&self, y: &[L]) -> Result<Vec<TrainTest>> {
        let n = y.len();
        check_n_splits(self.n_splits, n)?;
        let k = self.n_splits;
        let mut first_seen: HashMap<&L, usize> = HashMap::new();
        let codes: Vec<usize> = y
            .iter()
            .map(|l| {
                let next = first_seen.len();
                *first_seen.entry(l).or_insert(next)
            })
            .collect();
        let n_classes = first_seen.len();
        let mut class_counts = vec![0usize; n_classes];
        for &c in &codes {
            class_counts[c] += 1;
        }
        if class_counts.iter().all(|&c| c < k) {
            return Err(Error::invalid_parameter(
                "n_splits",
                k,
                "<= the number of members of the largest class",
            ));
        }
        // allocation[c][f]: samples of class c in fold f, dealing the sorted codes
        // round-robin (fold f gets positions f, f + k, f + 2k, ...).
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        let mut allocation = vec![vec![0usize; k]; n_classes];
        for (pos, &c) in sorted.iter().enumerate() {
            allocation[c][pos % k] += 1;
        }
        let mut rng = rng::seeded(self.seed);
        let mut assignment = vec![0usize; n];
        for (c, per_fold) in allocation.iter().enumerate() {
            let mut folds_for_class: Vec<usize> = per_fold
                .iter()
                .enumerate()
                .flat_map(|(f, &count)| std::iter::repeat_n(f, count))
                .collect();
            if self.shuffle {
                folds_for_class.shuffle(&mut rng);
            }
            let members = codes.iter().enumerate().filter(|&(_, &cc)| cc == c);
            for ((i, _), f) in members.zip(folds_for_class) {
                assignment[i] = f;
            }
        }
        Ok(folds_from_assignment(&assignment, k))
    }
}

/// The rows of `x` at `indices`, in that order (repeats allowed).
///
/// # Errors
/// [`Error::InvalidParameter`] (named `indices`) for an index `>= x.nrows()`.
pub fn take_rows(x: MatRef<'_, f64>, indices: &[usize]) -> Result<Mat<f64>> {
    if let Some(&bad) = indices.iter().find(|&&i| i >= x.nrows()) {
        return Err(Error::invalid_parameter(
            "indices",
            bad,
            "row indices < the number of rows",
        ));
    }
    Ok(Mat::from_fn(indices.len(), x.ncols(), |i, j| {
        x[(indices[i], j)]
    }))
}

/// The entries of `y` at `indices`.
fn take<T: Clone>(y: &[T], indices: &[usize]) -> Result<Vec<T>> {
    indices
        .iter()
        .map(|&i| {
            y.get(i).cloned().ok_or_else(|| {
                Error::invalid_parameter("indices", i, "row indices < the number of rows")
            })
        })
        .collect()
}

/// Fits on each fold's training rows and scores its test rows with `score`.
fn cross_val<E, T, F>(
    estimator: &E,
    x: Features<'_>,
    y: &[T],
    folds: &[TrainTest],
    score: F,
) -> Result<Vec<f64>>
where
    E: Fit<[T]> + Sync,
    E::Model: Predict<Output = Vec<T>>,
    T: Clone + Send + Sync,
    F: Fn(&[T], &[T]) -> Result<f64> + Sync,
{
    crate::validate::targets_len(x.nrows(), y.len())?;
    if folds.is_empty() {
        return Err(Error::EmptyInput { what: "folds" });
    }
    folds
        .par_iter()
        .map(|(train, test)| {
            let model = estimator.fit(x.select_rows(train)?.view(), &take(y, train)?)?;
            let predicted = model.predict(x.select_rows(test)?.view())?;
            score(&take(y, test)?, &predicted)
        })
        .collect()
}

/// Accuracy of a classifier on each fold: for every (train, test) pair of `folds`
/// (from [`KFold::split`], [`StratifiedKFold::split`] or your own), fits `estimator`
/// on the training rows and scores its predictions on the test rows with
/// [`metrics::accuracy_score`].
///
/// Folds are evaluated in parallel on the rayon pool (nested parallel work of the
/// estimator shares the same pool); the scores come back in fold order and do not
/// depend on the thread count.
///
/// # Errors
/// [`Error::ShapeMismatch`] when `y` does not match `x`, [`Error::EmptyInput`] for no
/// folds or an empty test set, [`Error::InvalidParameter`] for an out-of-range index,
/// and any error of the estimator's `fit` or `predict` (the first fold's, in order).
pub fn cross_val_score<'a, E, L>(
    estimator: &E,
    x: impl Into<Features<'a>>,
    y: &[L],
    folds: &[TrainTest],
) -> Result<Vec<f64>>
where
    E: Fit<[L]> + Sync,
    E::Model: Predict<Output = Vec<L>>,
    L: Label,
{
    cross_val(estimator, x.into(), y, folds, |t, p| {
        metrics::accuracy_score(t, p)
    })
}

/// Coefficient of determination of a regressor on each fold, as [`cross_val_score`]
/// with [`metrics::r2_score`] (scikit-learn's default score for regressors).
///
/// # Errors
/// As [`cross_val_score`], plus [`Error::NonFinite`] for non-finite `y` or predictions
/// and [`Error::TooFewSamples`] for a test set of one sample.
pub fn cross_val_score_r2<'a, E>(
    estimator: &E,
    x: impl Into<Features<'a>>,
    y: &[f64],
    folds: &[TrainTest],
) -> Result<Vec<f64>>
where
    E: Fit<[f64]> + Sync,
    E::Model: Predict<Output = Vec<f64>>,
{
    cross_val(estimator, x.into(), y, folds, metrics::r2_score)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unshuffled_split_is_head_and_tail() {
        let (train, test) = train_test_split(10, 0.25, 0, None::<&[u8]>, false).unwrap();
        assert_eq!(train, (0..7).collect::<Vec<_>>());
        assert_eq!(test, (7..10).collect::<Vec<_>>());
        let (train, test) = train_test_split(10, 4usize, 0, None::<&[u8]>, true).unwrap();
        assert_eq!((train.len(), test.len()), (6, 4));
        assert!(train_test_split(10, 1.0, 0, None::<&[u8]>, true).is_err());
        assert!(train_test_split(10, 10usize, 0, None::<&[u8]>, true).is_err());
        assert!(train_test_split(0, 0.5, 0, None::<&[u8]>, true).is_err());
        let y = [0, 0, 1, 1];
        assert!(train_test_split(4, 0.5, 0, Some(&y[..]), false).is_err());
        assert!(train_test_split(4, 0.5, 0, Some(&[0, 0, 1, 2][..]), true).is_err());
    }

    #[test]
    fn approximate_mode_breaks_ties_within_one() {
        let mut g = rng::seeded(3);
        let alloc = approximate_mode(&[5, 5, 5], 4, &mut g);
        assert_eq!(alloc.iter().sum::<usize>(), 4);
        assert!(alloc.iter().all(|&a| a == 1 || a == 2));
    }

    #[test]
    fn kfold_sizes_and_errors() {
        let folds = KFold::new().n_splits(3).split(10).unwrap();
        let sizes: Vec<usize> = folds.iter().map(|f| f.1.len()).collect();
        assert_eq!(sizes, vec![4, 3, 3]);
        assert_eq!(folds[1].1, vec![4, 5, 6]);
        assert!(KFold::new().n_splits(1).split(10).is_err());
        assert!(KFold::new().split(4).is_err());
        assert!(StratifiedKFold::new().n_splits(3).split(&[0, 1]).is_err());
        assert!(
            StratifiedKFold::new()
                .n_splits(3)
                .split(&[0, 1, 2, 3])
                .is_err()
        );
        let x = Mat::from_fn(3, 2, |i, j| (i * 2 + j) as f64);
        let rows = take_rows(x.as_ref(), &[2, 0]).unwrap();
        assert_eq!(rows[(0, 1)], 5.0);
        assert!(take_rows(x.as_ref(), &[3]).is_err());
    }

    proptest! {
        #[test]
        fn split_partitions_samples(n in 2usize..80, frac in 0.05f64..0.95, seed in 0u64..1000, shuffle: bool) {
            if let Ok((train, test)) = train_test_split(n, frac, seed, None::<&[u8]>, shuffle) {
                let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
                all.sort_unstable();
                prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
                prop_assert_eq!(test.len(), (frac * n as f64).ceil() as usize);
            }
        }

        #[test]
        fn stratified_split_keeps_proportions(
            y in proptest::collection::vec(0u8..3, 6..80),
            frac in 0.1f64..0.9,
            seed in 0u64..1000,
        ) {
            if let Ok((train, test)) = train_test_split(y.len(), frac, seed, Some(&y[..]), true) {
                let n = y.len() as f64;
                let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
                all.sort_unstable();
                prop_assert_eq!(all, (0..y.len()).collect::<Vec<_>>());
                for class in 0u8..3 {
                    let total = y.iter().filter(|&&l| l == class).count() as f64;
                    let in_test = test.iter().filter(|&&i| y[i] == class).count() as f64;
                    let ideal = total / n * test.len() as f64;
                    prop_assert!((in_test - ideal).abs() <= 1.0 + 1e-9, "class {} {} vs {}", class, in_test, ideal);
                }
            }
        }

        #[test]
        fn folds_partition_samples(
            y in proptest::collection::vec(0u8..3, 2..60),
            k in 2usize..6,
            shuffle: bool,
            seed in 0u64..100,
        ) {
            let n = y.len();
            let kf = KFold::new().n_splits(k).shuffle(shuffle).seed(seed).split(n);
            let skf = StratifiedKFold::new().n_splits(k).shuffle(shuffle).seed(seed).split(&y);
            for folds in [kf, skf].into_iter().flatten() {
                prop_assert_eq!(folds.len(), k);
                let mut tests: Vec<usize> = folds.iter().flat_map(|f| f.1.clone()).collect();
                tests.sort_unstable();
                prop_assert_eq!(tests, (0..n).collect::<Vec<_>>());
                for (train, test) in &folds {
                    prop_assert_eq!(train.len() + test.len(), n);
                    prop_assert!(train.iter().all(|i| !test.contains(i)));
                }
            }
        }
    }
}
