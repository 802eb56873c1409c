//! Chapter 8: dimensionality reduction. PCA finds the directions of variance of the
//! handwritten digits and t-SNE draws them as a 2-D map (an SVG scatter coloured by
//! digit, with its trustworthiness); latent semantic analysis and LDA find the concepts and topics
//! of the SMS messages; a truncated SVD of a ratings matrix recommends items users have
//! not rated, and a held-out check compares it with recommending the most popular.

use ml::core::datasets;
use ml::core::metrics::trustworthiness;
use ml::core::sparse::{Csr, csr_from_triplets};
use ml::decomp::recommender::{hit_rate, most_popular, synthetic_ratings};
use ml::decomp::{LatentDirichletAllocation, Lsa, Pca, PcaNComponents, Recommender, Tsne};
use ml::text::{CountVectorizer, DocFrequency, StopWords};

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 8. Dimensionality reduction ==");
    pca_digits()?;
    tsne_digits(&std::env::temp_dir())?;
    let sms = datasets::load_sms_spam()?;
    lsa_sms(&sms.texts)?;
    lda_sms(&sms.texts)?;
    recommend()
}

fn pca_digits() -> Result<(), ml::Error> {
    let digits = datasets::load_digits()?;
    let x = digits.data.as_ref();
    let (model, secs) = timed(|| Pca::new(2).fit(x));
    let model = model?;
    let ratio = model.explained_variance_ratio();
    println!(
        "PCA of the digits (1797 × 64) to 2 components: {:.1}% + {:.1}% of the variance ({:.1} ms)",
        100.0 * ratio[0],
        100.0 * ratio[1],
        secs * 1e3
    );
    let keep = Pca::new(1)
        .n_components(PcaNComponents::VarianceFraction(0.9))
        .fit(x)?;
    println!(
        "  90% of the variance needs {} components of the 64 pixel features",
        keep.n_components()
    );
    Ok(())
}

/// t-SNE of the digits (Barnes–Hut, scikit-learn's defaults), drawn as an SVG scatter
/// coloured by the true digit, and how well it keeps each digit's 5 nearest neighbours.
fn tsne_digits(out_dir: &std::path::Path) -> Result<(), ml::Error> {
    use std::fmt::Write as _;
    const PALETTE: [&str; 10] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
        "#bcbd22", "#17becf",
    ];
    let digits = datasets::load_digits()?;
    let (model, secs) = timed(|| Tsne::new().fit(digits.data.as_ref()));
    let model = model?;
    let y = model.embedding();
    let t = trustworthiness(digits.data.as_ref(), y.as_ref(), 5)?;
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for i in 0..y.nrows() {
        for c in 0..2 {
            lo[c] = lo[c].min(y[(i, c)]);
            hi[c] = hi[c].max(y[(i, c)]);
        }
    }
    let size = 640.0;
    let at = |i: usize, c: usize| {
        20.0 + (y[(i, c)] - lo[c]) / (hi[c] - lo[c]).max(1e-300) * (size - 40.0)
    };
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"><rect width="100%" height="100%" fill="white"/>"##
    );
    for (i, &digit) in digits.target.iter().enumerate() {
        // Writing to a String cannot fail.
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="9" font-family="sans-serif" fill="{}">{digit}</text>"#,
            at(i, 0),
            at(i, 1),
            PALETTE[digit % 10]
        );
    }
    svg.push_str("</svg>\n");
    let path = out_dir.join("digits_tsne.svg");
    std::fs::write(&path, svg).map_err(|e| ml::Error::Io {
        path: path.display().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    })?;
    println!(
        "t-SNE of the digits to 2-D (Barnes-Hut, perplexity 30, {} iterations): KL {:.3}, \
         trustworthiness (5 neighbours) {t:.3} ({:.2} s) -> {}",
        model.n_iter() + 1,
        model.kl_divergence(),
        secs,
        path.display()
    );
    Ok(())
}

fn lsa_sms(texts: &[String]) -> Result<(), ml::Error> {
    let (model, secs) = timed(|| Lsa::new(5).fit(texts));
    let model = model?;
    println!(
        "LSA of {} SMS messages (TF-IDF → truncated SVD, 5 concepts, {:.0} ms); top terms:",
        texts.len(),
        secs * 1e3
    );
    for concept in 0..model.n_components() {
        let terms: Vec<&str> = model
            .top_terms(concept, 6)?
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        println!("  concept {concept}: {}", terms.join(", "));
    }
    Ok(())
}

fn lda_sms(texts: &[String]) -> Result<(), ml::Error> {
    // scikit-learn's topic-extraction example: drop words in over 95% of the messages
    // or in only one, and English stop words.
    let (vectorizer, counts) = CountVectorizer::new()
        .max_df(DocFrequency::Fraction(0.95))
        .min_df(DocFrequency::Count(2))
        .stop_words(StopWords::English)
        .fit_transform(texts)?;
    let (model, secs) = timed(|| {
        LatentDirichletAllocation::new(5)
            .seed(0)
            .fit(counts.as_ref())
    });
    let model = model?;
    println!(
        "LDA, 5 topics of the SMS counts ({} words): perplexity {:.0} ({:.2} s); top words:",
        vectorizer.n_features_in(),
        model.perplexity(counts.as_ref())?,
        secs
    );
    for (t, words) in model
        .top_terms(6, vectorizer.vocabulary())?
        .iter()
        .enumerate()
    {
        println!("  topic {t}: {}", words.join(", "));
    }
    Ok(())
}

/// Holds out one well-liked item (rating 4 or 5) of every user with at least five
/// ratings: the training matrix and the held-out item per user.
fn hold_out(ratings: &Csr) -> Result<(Csr, Vec<Option<usize>>), ml::Error> {
    let mut triplets = Vec::new();
    let mut held = vec![None; ratings.nrows()];
    for (u, slot) in held.iter_mut().enumerate() {
        let items = ratings.col_idx_of_row_raw(u);
        let values = ratings.val_of_row(u);
        if items.len() >= 5 {
            *slot = items
                .iter()
                .zip(values)
                .find(|(_, v)| **v >= 4.0)
                .map(|(&i, _)| i);
        }
        for (&i, &v) in items.iter().zip(values) {
            if Some(i) != *slot {
                triplets.push((u, i, v));
            }
        }
    }
    Ok((
        csr_from_triplets(ratings.nrows(), ratings.ncols(), &triplets)?,
        held,
    ))
}

fn recommend() -> Result<(), ml::Error> {
    // Generated ratings (latent tastes, popularity and noise; seeded): no ratings set
    // is bundled.
    let ratings = synthetic_ratings(1000, 400, 42)?;
    let (train, held) = hold_out(&ratings)?;
    let (model, secs) = timed(|| Recommender::new(8).fit(train.as_ref()));
    let model = model?;
    let ours = hit_rate(&model.recommend_all(10), &held)?;
    let popular = hit_rate(&most_popular(train.as_ref(), 10)?, &held)?;
    println!(
        "recommender (truncated SVD, 8 tastes) on 1000 users × 400 items: the held-out \
         liked item is in the top 10 for {:.1}% of users, against {:.1}% for the most \
         popular items ({:.1} ms)",
        100.0 * ours,
        100.0 * popular,
        secs * 1e3
    );
    Ok(())
}
