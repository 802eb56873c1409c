//! Chapter 3: clustering. k-means groups the handwritten digits without looking at
//! their labels; the adjusted Rand index says how well the groups match the digits.

use ml::cluster::{Algorithm, KMeans, MiniBatchKMeans};
use ml::core::datasets;
use ml::core::metrics::adjusted_rand_score;

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 3. Clustering ==");
    let digits = datasets::load_digits()?;
    let x = digits.data.as_ref();
    for (name, algorithm) in [("Lloyd", Algorithm::Lloyd), ("Elkan", Algorithm::Elkan)] {
        let (model, secs) = timed(|| {
            KMeans::new(10)
                .n_init(10)
                .algorithm(algorithm)
                .seed(0)
                .fit(x)
        });
        let model = model?;
        println!(
            "k-means ({name}, best of 10 k-means++ starts) on digits: inertia {:.4e}, \
             {} iterations, ARI against the true digits {:.3} ({:.1} ms)",
            model.inertia(),
            model.n_iter(),
            adjusted_rand_score(&digits.target, model.labels())?,
            secs * 1e3
        );
    }
    let (model, secs) = timed(|| MiniBatchKMeans::new(10).seed(0).fit(x));
    let model = model?;
    println!(
        "mini-batch k-means on digits: inertia {:.4e}, ARI {:.3} ({:.1} ms)",
        model.inertia(),
        adjusted_rand_score(&digits.target, model.labels())?,
        secs * 1e3
    );
    Ok(())
}
