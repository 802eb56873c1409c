//! Top-N recommendations from a user × item ratings matrix: [`Recommender`].
//!
//! The ratings are a sparse matrix (one row per user, one column per item, stored
//! entries are ratings, missing entries are unknown). The model factorises the
//! zero-filled matrix into `k` latent tastes, by truncated SVD ("PureSVD", Cremonesi,
//! Koren & Turrin, 2010) or by NMF, scores every item for every user by the rank-`k`
//! reconstruction, and recommends the highest-scored items the user has not rated.
//! The zeros stand for "not rated", so the scores mix how much a user would like an
//! item with how likely they are to rate it: what a top-N list should rank.
//!
//! [`Recommender::fit`] takes the ratings as [`Features`]: CSR as described, or a
//! dense matrix, which is read as its CSR form ([`csr_from_dense`]: every zero entry
//! is "not rated", every non-zero one a rating), so a dense matrix and its CSR copy
//! give the same model bit for bit. A rating of exactly 0 can only be given in CSR.
//!
//! [`most_popular`] is the baseline every recommender must beat; [`hit_rate`] measures
//! both on held-out ratings. No real ratings set ships with the workspace, so
//! [`synthetic_ratings`] generates one from latent tastes (documented below, seeded).

use faer::{Mat, MatRef};
use ml_core::linalg::RandomizedSvd;
use ml_core::persist::{Invariants, Persist};
use ml_core::sparse::{Csr, CsrRef, csr_from_dense, csr_from_triplets};
use ml_core::{Error, Features, Fitted, Result, rng, validate};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::nmf::Nmf;

/// How the ratings matrix is factorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RecommenderMethod {
    /// Randomized truncated SVD of the zero-filled ratings (the default).
    Svd,
    /// Non-negative matrix factorisation (coordinate descent, NNDSVDA start).
    Nmf,
}

/// A top-N recommender by matrix factorisation.
///
/// ```
/// use ml_decomp::recommender::{Recommender, synthetic_ratings};
///
/// let ratings = synthetic_ratings(200, 100, 7)?;
/// let model = Recommender::new(8).fit(&ratings)?;
/// let top = model.recommend(0, 5)?;
/// assert_eq!(top.len(), 5);
/// // Never an item the user already rated.
/// assert!(top.iter().all(|i| !ratings.col_idx_of_row_raw(0).contains(i)));
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Recommender {
    n_components: usize,
    method: RecommenderMethod,
    seed: u64,
}

impl Recommender {
    /// A recommender with `n_components` latent tastes, by truncated SVD.
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components,
            method: RecommenderMethod::Svd,
            seed: 0,
        }
    }

    /// The factorisation. Default: [`RecommenderMethod::Svd`].
    pub fn method(mut self, method: RecommenderMethod) -> Self {
        self.method = method;
        self
    }

    /// The seed of the randomized SVD (and of NMF). Default: 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Factorises `ratings` (users × items): CSR with ratings ≥ 0 stored and unknowns
    /// absent, or dense with zeros for unknowns (converted exactly to its CSR form, see
    /// the [module documentation](self)).
    ///
    /// # Errors
    /// [`Error::EmptyInput`], [`Error::NonFinite`], [`Error::NegativeValue`], or
    /// [`Error::InvalidParameter`] when `n_components` is 0 or above
    /// `min(users, items)`.
    pub fn fit<'a>(&self, ratings: impl Into<Features<'a>>) -> Result<RecommenderModel> {
        match ratings.into() {
            Features::Sparse(ratings) => self.fit_csr_ratings(ratings),
            Features::Dense(ratings) => {
                validate::matrix(ratings)?;
                validate::non_negative(ratings, "Recommender")?;
                self.fit_csr_ratings(csr_from_dense(ratings)?.as_ref())
            }
        }
    }

    fn fit_csr_ratings(&self, ratings: CsrRef<'_>) -> Result<RecommenderModel> {
        validate::csr(ratings)?;
        validate::csr_non_negative(ratings, "Recommender")?;
        let (n, m) = (ratings.nrows(), ratings.ncols());
        if self.n_components == 0 || self.n_components > n.min(m) {
            return Err(Error::invalid_parameter(
                "n_components",
                self.n_components,
                "in 1..=min(n_users, n_items)",
            ));
        }
        let (users, items) = match self.method {
            RecommenderMethod::Svd => {
                let svd = RandomizedSvd::new(self.n_components)
                    .seed(self.seed)
                    .compute_csr(ratings)?;
                let users = Mat::from_fn(n, self.n_components, |i, t| svd.u[(i, t)] * svd.s[t]);
                (users, svd.vt)
            }
            RecommenderMethod::Nmf => {
                let (model, w) = Nmf::new(self.n_components)
                    .seed(self.seed)
                    .fit_transform(ratings)?;
                (w, model.components().to_owned())
            }
        };
        let seen = (0..n)
            .map(|i| ratings.col_idx_of_row_raw(i).to_vec())
            .collect();
        validate::fitted(
            "Recommender",
            RecommenderModel {
                user_factors: users,
                item_factors: items,
                seen,
            },
        )
    }
}

/// A fitted recommender: user and item factors and the items each user has rated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommenderModel {
    #[serde(with = "ml_core::persist::mat")]
    user_factors: Mat<f64>,
    #[serde(with = "ml_core::persist::mat")]
    item_factors: Mat<f64>,
    seen: Vec<Vec<usize>>,
}

impl Persist for RecommenderModel {
    const MODEL_NAME: &'static str = "ml_decomp::RecommenderModel";
}

impl Invariants for RecommenderModel {
    /// Users are `n × k`, items `k × m`, and every user's rated items are sorted,
    /// distinct item indices (`recommend` binary-searches them).
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let (n, k, m) = (
            self.user_factors.nrows(),
            self.user_factors.ncols(),
            self.item_factors.ncols(),
        );
        inv::not_empty("user factors", n * k)?;
        inv::not_empty("item factors", m)?;
        inv::len("item factor rows", self.item_factors.nrows(), k)?;
        inv::finite_mat("user_factors", self.user_factors.as_ref())?;
        inv::finite_mat("item_factors", self.item_factors.as_ref())?;
        inv::len("seen", self.seen.len(), n)?;
        for items in &self.seen {
            inv::strictly_increasing("a user's rated items", items)?;
            inv::below("a user's rated items", items, m)?;
        }
        Ok(())
    }
}

impl RecommenderModel {
    /// The users' latent tastes (users × k): `U Σ` for SVD, `W` for NMF.
    pub fn user_factors(&self) -> MatRef<'_, f64> {
        self.user_factors.as_ref()
    }

    /// The items' latent profiles (k × items): `Vᵀ` for SVD, `H` for NMF.
    pub fn item_factors(&self) -> MatRef<'_, f64> {
        self.item_factors.as_ref()
    }

    /// The number of users.
    pub fn n_users(&self) -> usize {
        self.user_factors.nrows()
    }

    /// The number of items.
    pub fn n_items(&self) -> usize {
        self.item_factors.ncols()
    }

    /// The predicted score of every item for `user` (the rank-k reconstruction).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a user index out of range.
    pub fn scores(&self, user: usize) -> Result<Vec<f64>> {
        self.check_user(user)?;
        let k = self.user_factors.ncols();
        Ok((0..self.n_items())
            .map(|j| {
                (0..k)
                    .map(|t| self.user_factors[(user, t)] * self.item_factors[(t, j)])
                    .sum()
            })
            .collect())
    }

    /// The `n` best-scored items `user` has not rated, best first (ties to the lower
    /// item index); fewer when fewer are unrated.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a user index out of range.
    pub fn recommend(&self, user: usize, n: usize) -> Result<Vec<usize>> {
        let scores = self.scores(user)?;
        Ok(top_unseen(&scores, &self.seen[user], n))
    }

    /// [`recommend`](Self::recommend) for every user, in parallel.
    pub fn recommend_all(&self, n: usize) -> Vec<Vec<usize>> {
        (0..self.n_users())
            .into_par_iter()
            .map(|u| self.recommend(u, n).expect("user index in range"))
            .collect()
    }

    fn check_user(&self, user: usize) -> Result<()> {
        if user >= self.n_users() {
            return Err(Error::invalid_parameter(
                "user",
                user,
                "an index below the number of users",
            ));
        }
        Ok(())
    }
}

impl Fitted for RecommenderModel {
    /// The number of items (columns of the ratings).
    fn n_features_in(&self) -> usize {
        self.n_items()
    }
}

/// The `n` highest `scores` outside `seen` (sorted), best first, ties to the lower index.
fn top_unseen(scores: &[f64], seen: &[usize], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len())
        .filter(|j| seen.binary_search(j).is_err())
        .collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    idx.truncate(n);
    idx
}

/// The baseline: for every user, the `n` items rated by the most users that this user
/// has not rated (ties to the lower item index).
///
/// # Errors
/// [`Error::EmptyInput`] or [`Error::NonFinite`].
pub fn most_popular(ratings: CsrRef<'_>, n: usize) -> Result<Vec<Vec<usize>>> {
    validate::csr(ratings)?;
    let mut counts = vec![0.0; ratings.ncols()];
    for i in 0..ratings.nrows() {
        for &j in ratings.col_idx_of_row_raw(i) {
            counts[j] += 1.0;
        }
    }
    Ok((0..ratings.nrows())
        .map(|i| top_unseen(&counts, ratings.col_idx_of_row_raw(i), n))
        .collect())
}

/// The share of users with a held-out item whose recommendations contain it.
/// `held_out[u]` is user `u`'s held-out item, if any.
///
/// # Errors
/// [`Error::ShapeMismatch`] when the two lists differ in length.
pub fn hit_rate(recommendations: &[Vec<usize>], held_out: &[Option<usize>]) -> Result<f64> {
    if recommendations.len() != held_out.len() {
        return Err(Error::ShapeMismatch {
            what: "number of users",
            expected: recommendations.len(),
            got: held_out.len(),
        });
    }
    let (mut hits, mut total) = (0usize, 0usize);
    for (recs, item) in recommendations.iter().zip(held_out) {
        if let Some(item) = item {
            total += 1;
            hits += usize::from(recs.contains(item));
        }
    }
    Ok(if total == 0 {
        0.0
    } else {
        hits as f64 / total as f64
    })
}

/// A generated ratings matrix (users × items, ratings 1 to 5), for demonstrations and
/// tests, since no real ratings set ships with the workspace.
///
/// Each user has 6 latent tastes `u ~ N(0, I)`, each item a profile `v ~ N(0, I)` and a
/// popularity `b ~ N(0, 1)`. The affinity of a user for an item is
/// `a = 1.5 u·v / √6 + 0.5 b + 0.3 ε` with `ε ~ N(0, 1)` noise. A user rates an item with
/// probability `σ(3a − 5)` (people mostly rate what they like, and popular items
/// more often) and gives it `clamp(round(3 + 1.2 a), 1, 5)`. Everything is drawn from
/// [`ml_core::rng::seeded`]`(seed)`, so the same seed gives the same matrix.
///
/// # Errors
/// [`Error::EmptyInput`] when either size is 0; [`Error::LimitExceeded`] for more than
/// 2^32 cells; [`Error::AllocationFailed`] when the factors do not fit in memory.
pub fn synthetic_ratings(n_users: usize, n_items: usize, seed: u64) -> Result<Csr> {
    if n_users == 0 || n_items == 0 {
        return Err(Error::EmptyInput { what: "ratings" });
    }
    const DIM: usize = 6;
    // Every cell of the rating matrix is drawn: bound the work, then the memory.
    const MAX_CELLS: usize = 1 << 32;
    let cells = n_users.saturating_mul(n_items);
    if cells > MAX_CELLS {
        return Err(Error::LimitExceeded {
            what: "rating cells (n_users × n_items)",
            requested: cells,
            limit: MAX_CELLS,
        });
    }
    ml_core::validate::allocatable::<f64>("user factors", n_users * DIM)?;
    ml_core::validate::allocatable::<f64>("item factors", n_items * DIM)?;
    let mut r = rng::seeded(seed);
    let mut normal = |len: usize| -> Vec<f64> {
        (0..len)
            .map(|_| StandardNormal.sample(&mut r))
            .collect::<Vec<f64>>()
    };
    let users = normal(n_users * DIM);
    let items = normal(n_items * DIM);
    let popularity = normal(n_items);
    let mut r = rng::for_stream(seed, 1);
    let mut triplets = Vec::new();
    let scale = (DIM as f64).sqrt();
    for u in 0..n_users {
        for i in 0..n_items {
            let dot: f64 = (0..DIM)
                .map(|t| users[u * DIM + t] * items[i * DIM + t])
                .sum();
            let noise: f64 = StandardNormal.sample(&mut r);
            let a = 1.5 * dot / scale + 0.5 * popularity[i] + 0.3 * noise;
            let p = 1.0 / (1.0 + (-(3.0 * a - 5.0)).exp());
            if r.random::<f64>() < p {
                let rating = (3.0 + 1.2 * a).round().clamp(1.0, 5.0);
                triplets.push((u, i, rating));
            }
        }
    }
    csr_from_triplets(n_users, n_items, &triplets)
}
