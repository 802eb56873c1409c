//! Unit tests of the index: every backend gives the same answer.

use faer::Mat;

use super::*;

fn data(n: usize, d: usize, seed: u64) -> Mat<f64> {
    use rand::Rng;
    let mut rng = crate::rng::seeded(seed);
    // Integer grid values: many exact ties, which the answers must break by index.
    Mat::from_fn(n, d, |_, _| f64::from(rng.random_range(0..6u8)))
}

fn settings(metric: Metric, algorithm: Algorithm) -> IndexSettings {
    IndexSettings::default()
        .metric(metric)
        .algorithm(algorithm)
        .leaf_size(3)
}

#[test]
fn backends_agree_on_ties() {
    for d in [1, 2, 3, 5, 9, 17] {
        let x = data(120, d, d as u64);
        let q = data(25, d, 100 + d as u64);
        for metric in [
            Metric::Euclidean,
            Metric::SquaredEuclidean,
            Metric::Manhattan,
            Metric::Chebyshev,
            Metric::Minkowski(3.0),
        ] {
            let brute =
                NeighborIndex::build(x.as_ref(), &settings(metric, Algorithm::Brute)).unwrap();
            let want = brute.kneighbors(q.as_ref(), 7).unwrap();
            let want_r = brute.radius_neighbors(q.as_ref(), 2.5).unwrap();
            for algorithm in [Algorithm::KdTree, Algorithm::BallTree, Algorithm::Auto] {
                let index = NeighborIndex::build(x.as_ref(), &settings(metric, algorithm)).unwrap();
                assert_eq!(
                    index.kneighbors(q.as_ref(), 7).unwrap(),
                    want,
                    "{metric:?} {algorithm:?} d={d}"
                );
                assert_eq!(
                    index.radius_neighbors(q.as_ref(), 2.5).unwrap(),
                    want_r,
                    "{metric:?} {algorithm:?} d={d}"
                );
            }
        }
    }
}

#[test]
fn extreme_scales_do_not_overflow() {
    let x = Mat::from_fn(10, 2, |i, j| {
        if j == 0 {
            f64::MAX / (i + 1) as f64
        } else {
            -f64::MAX
        }
    });
    let index = NeighborIndex::build(x.as_ref(), &IndexSettings::default()).unwrap();
    let found = index.kneighbors(x.as_ref(), 2).unwrap();
    for i in 0..10 {
        assert_eq!(found.indices(i)[0], i);
        assert_eq!(found.distances(i)[0], 0.0);
        assert!(found.distances(i)[1].is_finite());
    }
}

#[test]
fn self_queries_leave_the_row_out() {
    let x = data(40, 2, 7);
    let index = NeighborIndex::build(x.as_ref(), &IndexSettings::default()).unwrap();
    let found = index.kneighbors_of_indexed(3).unwrap();
    for i in 0..40 {
        assert!(!found.indices(i).contains(&i) || found.distances(i)[0] == 0.0);
    }
    assert!(index.kneighbors_of_indexed(40).is_err());
    assert!(index.kneighbors(x.as_ref(), 0).is_err());
    assert!(index.radius_neighbors(x.as_ref(), 0.0).is_err());
    assert!(index.radius_neighbors(x.as_ref(), f64::NAN).is_err());
}

#[test]
fn saved_index_rebuilds() {
    let x = data(50, 3, 3);
    let index = NeighborIndex::build(x.as_ref(), &IndexSettings::default()).unwrap();
    let bytes = crate::persist::to_bytes(&index).unwrap();
    let back: NeighborIndex = crate::persist::from_bytes(&bytes).unwrap();
    assert_eq!(back.algorithm(), Algorithm::KdTree);
    assert_eq!(
        back.kneighbors(x.as_ref(), 4).unwrap(),
        index.kneighbors(x.as_ref(), 4).unwrap()
    );
}

#[test]
fn far_queries_still_get_k_neighbours() {
    let x = data(60, 12, 5);
    let q = Mat::from_fn(
        3,
        12,
        |i, j| if i == 0 { 1e300 } else { (i * j) as f64 * 1e15 },
    );
    for algorithm in [Algorithm::Brute, Algorithm::BallTree, Algorithm::KdTree] {
        let index =
            NeighborIndex::build(x.as_ref(), &settings(Metric::Euclidean, algorithm)).unwrap();
        let found = index.kneighbors(q.as_ref(), 4).unwrap();
        assert_eq!(found.all_indices().len(), 12, "{algorithm:?}");
        // Every row is at (about) the same distance from so far away: ties by index.
        assert_eq!(found.indices(0), &[0, 1, 2, 3], "{algorithm:?}");
    }
}
