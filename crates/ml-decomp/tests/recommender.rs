//! The recommender on generated ratings (`synthetic_ratings`, seeded): a held-out
//! check that it beats recommending the most popular items, its invariants and bad
//! input.
//!
//! Protocol: for every user with at least 5 ratings, one rating of 4 or 5 (the first
//! such in item order) is removed from the training matrix; each method recommends 10
//! unrated items per user from the rest; the hit rate is the share of those users
//! whose held-out item is among the 10.

use ml_core::sparse::{Csr, csr_from_triplets};
use ml_core::{Error, persist};
use ml_decomp::recommender::{
    Recommender, RecommenderMethod, RecommenderModel, hit_rate, most_popular, synthetic_ratings,
};

fn split(ratings: &Csr) -> (Csr, Vec<Option<usize>>) {
    let mut trip = Vec::new();
    let mut held = vec![None; ratings.nrows()];
    for (u, slot) in held.iter_mut().enumerate() {
        let items = ratings.col_idx_of_row_raw(u);
        let vals = ratings.val_of_row(u);
        let pick = if items.len() >= 5 {
            items
                .iter()
                .zip(vals)
                .find(|(_, v)| **v >= 4.0)
                .map(|(&i, _)| i)
        } else {
            None
        };
        *slot = pick;
        for (&i, &v) in items.iter().zip(vals) {
            if Some(i) != pick {
                trip.push((u, i, v));
            }
        }
    }
    let train = csr_from_triplets(ratings.nrows(), ratings.ncols(), &trip).unwrap();
    (train, held)
}

#[test]
fn factorisations_beat_most_popular() {
    let ratings = synthetic_ratings(1000, 400, 42).unwrap();
    let (train, held) = split(&ratings);
    let n_held = held.iter().flatten().count();
    assert!(n_held > 500, "only {n_held} users hold out an item");
    let popular = hit_rate(&most_popular(train.as_ref(), 10).unwrap(), &held).unwrap();
    for method in [RecommenderMethod::Svd, RecommenderMethod::Nmf] {
        let model = Recommender::new(8)
            .method(method)
            .fit(train.as_ref())
            .unwrap();
        let ours = hit_rate(&model.recommend_all(10), &held).unwrap();
        eprintln!("{method:?}: hit rate@10 {ours:.3}, most popular {popular:.3}");
        // Random picks would hit about 10 / 336 = 3% here.
        assert!(
            ours > 0.05 && ours > 5.0 * popular,
            "{method:?}: hit rate {ours} does not beat most-popular's {popular}"
        );
    }
}

#[test]
fn recommendations_are_unseen_sorted_and_reproducible() {
    let ratings = synthetic_ratings(120, 80, 1).unwrap();
    let model = Recommender::new(5).seed(3).fit(ratings.as_ref()).unwrap();
    for u in 0..120 {
        let recs = model.recommend(u, 7).unwrap();
        let scores = model.scores(u).unwrap();
        let seen = ratings.col_idx_of_row_raw(u);
        assert!(recs.iter().all(|i| !seen.contains(i)));
        assert!(recs.windows(2).all(|w| scores[w[0]] >= scores[w[1]]));
        assert_eq!(recs.len(), 7.min(80 - seen.len()));
    }
    let again = Recommender::new(5).seed(3).fit(ratings.as_ref()).unwrap();
    assert_eq!(again.recommend_all(7), model.recommend_all(7));
    assert_eq!(
        synthetic_ratings(120, 80, 1).unwrap().val_of_row(5),
        ratings.val_of_row(5)
    );
}

#[test]
fn dense_ratings_are_read_as_their_csr_form() {
    let ratings = synthetic_ratings(60, 40, 4).unwrap();
    let dense = ratings.to_dense();
    for method in [RecommenderMethod::Svd, RecommenderMethod::Nmf] {
        let est = Recommender::new(4).method(method);
        assert_eq!(est.fit(&dense).unwrap(), est.fit(&ratings).unwrap());
    }
    let mut neg = dense.clone();
    neg[(3, 7)] = -1.0;
    assert!(matches!(
        Recommender::new(2).fit(&neg),
        Err(Error::NegativeValue { row: 3, col: 7, .. })
    ));
}

#[test]
fn save_load_round_trip() {
    let ratings = synthetic_ratings(60, 40, 2).unwrap();
    let model = Recommender::new(4)
        .method(RecommenderMethod::Nmf)
        .fit(ratings.as_ref())
        .unwrap();
    let back: RecommenderModel = persist::from_bytes(&persist::to_bytes(&model).unwrap()).unwrap();
    assert_eq!(back, model);
}

#[test]
fn bad_input_is_a_typed_error() {
    let ratings = synthetic_ratings(30, 20, 0).unwrap();
    assert!(matches!(
        Recommender::new(0).fit(ratings.as_ref()),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        Recommender::new(21).fit(ratings.as_ref()),
        Err(Error::InvalidParameter { .. })
    ));
    let neg = csr_from_triplets(3, 3, &[(0, 1, -2.0), (2, 2, 1.0)]).unwrap();
    assert!(matches!(
        Recommender::new(1).fit(neg.as_ref()),
        Err(Error::NegativeValue { row: 0, col: 1, .. })
    ));
    let mut nan = csr_from_triplets(3, 3, &[(1, 1, 2.0)]).unwrap();
    nan.val_of_row_mut(1)[0] = f64::NAN;
    assert!(matches!(
        Recommender::new(1).fit(nan.as_ref()),
        Err(Error::NonFinite { .. })
    ));
    let empty = csr_from_triplets(0, 3, &[]).unwrap();
    assert!(matches!(
        Recommender::new(1).fit(empty.as_ref()),
        Err(Error::EmptyInput { .. })
    ));
    let model = Recommender::new(2).fit(ratings.as_ref()).unwrap();
    assert!(matches!(
        model.recommend(30, 3),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(synthetic_ratings(0, 5, 0).is_err());
    assert!(hit_rate(&[vec![1]], &[]).is_err());
}

#[test]
fn unsorted_ratings_are_refused_not_misread() {
    use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
    // Row 0 rates items 3 then 1: valid for faer's unsorted form, but `recommend`
    // binary-searches each user's rated items, so it must be refused up front.
    let symbolic =
        SymbolicSparseRowMat::new_unsorted_checked(2, 4, vec![0, 2, 3], None, vec![3, 1, 0]);
    let unsorted = SparseRowMat::new(symbolic, vec![5.0, 4.0, 3.0]);
    assert!(matches!(
        Recommender::new(1).fit(unsorted.as_ref()),
        Err(Error::InvalidData { .. })
    ));
}
