//! Choosing k: `elbow` and `silhouette_over_k` give one entry per k in order, the
//! k = 1 inertia is the total sum of squares, the silhouette peaks at the true number
//! of well-separated blobs, and bad k are typed errors before any fit.

use faer::Mat;
use ml_cluster::{KMeans, elbow, silhouette_over_k};
use ml_core::Error;
use rand::Rng;

/// `per_blob` points around each of four centres far apart (noise in [-1, 1]).
fn blobs(per_blob: usize, seed: u64) -> Mat<f64> {
    let centres = [[0.0, 0.0], [20.0, 0.0], [0.0, 20.0], [20.0, 20.0]];
    let mut rng = ml_core::rng::seeded(seed);
    let noise: Vec<f64> = (0..centres.len() * per_blob * 2)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    Mat::from_fn(centres.len() * per_blob, 2, |i, j| {
        centres[i / per_blob][j] + noise[2 * i + j]
    })
}

#[test]
fn elbow_has_one_entry_per_k_in_the_given_order() {
    let x = blobs(30, 1);
    let ks = [5, 1, 3, 2];
    let curve = elbow(x.as_ref(), ks, &KMeans::new(8).seed(0)).unwrap();
    assert_eq!(curve.iter().map(|&(k, _)| k).collect::<Vec<_>>(), ks);
    assert!(
        curve
            .iter()
            .all(|&(_, inertia)| inertia.is_finite() && inertia >= 0.0)
    );
}

#[test]
fn elbow_at_one_cluster_is_the_total_sum_of_squares() {
    let x = blobs(30, 2);
    let n = x.nrows() as f64;
    let total: f64 = (0..x.ncols())
        .map(|j| {
            let mean = x.col(j).iter().sum::<f64>() / n;
            x.col(j).iter().map(|v| (v - mean).powi(2)).sum::<f64>()
        })
        .sum();
    let curve = elbow(x.as_ref(), [1], &KMeans::new(3).seed(7)).unwrap();
    assert!(
        (curve[0].1 - total).abs() <= 1e-10 * total,
        "{curve:?} vs {total}"
    );
}

#[test]
fn elbow_uses_the_base_settings_and_seed() {
    let x = blobs(30, 3);
    let base = KMeans::new(2).seed(11).n_init(2);
    let curve = elbow(x.as_ref(), [3], &base).unwrap();
    let direct = base.clone().n_clusters(3).fit(x.as_ref()).unwrap();
    assert_eq!(curve[0].1, direct.inertia());
}

#[test]
fn silhouette_peaks_at_the_true_number_of_blobs() {
    let x = blobs(40, 4);
    let curve = silhouette_over_k(x.as_ref(), 2..=7, &KMeans::new(2).seed(0)).unwrap();
    assert_eq!(
        curve.iter().map(|&(k, _)| k).collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 6, 7]
    );
    let (best, score) = curve
        .iter()
        .copied()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert_eq!(best, 4, "{curve:?}");
    assert!(score > 0.8, "{curve:?}");
}

#[test]
fn bad_k_is_a_typed_error() {
    let x = blobs(2, 5); // 8 points
    let base = KMeans::new(2);
    assert!(matches!(
        elbow(x.as_ref(), [2, 0], &base),
        Err(Error::InvalidParameter { name: "ks", .. })
    ));
    assert!(matches!(
        elbow(x.as_ref(), [2, 9], &base),
        Err(Error::TooFewSamples { needed: 9, got: 8 })
    ));
    assert!(matches!(
        elbow(x.as_ref(), Vec::new(), &base),
        Err(Error::InvalidParameter { name: "ks", .. })
    ));
    for k in [0, 1, 8, 9] {
        assert!(
            matches!(
                silhouette_over_k(x.as_ref(), [2, k], &base),
                Err(Error::InvalidParameter { name: "ks", .. })
            ),
            "k = {k}"
        );
    }
    assert!(matches!(
        silhouette_over_k(x.as_ref(), [], &base),
        Err(Error::InvalidParameter { name: "ks", .. })
    ));
    assert!(matches!(
        elbow(Mat::<f64>::zeros(0, 2).as_ref(), [1], &base),
        Err(Error::EmptyInput { .. })
    ));
}
