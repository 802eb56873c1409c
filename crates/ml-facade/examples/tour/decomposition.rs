//! Chapter 8: dimensionality reduction. PCA finds the directions of variance of the
//! handwritten digits; latent semantic analysis and LDA find the concepts and topics
//! of the SMS messages; a truncated SVD of a ratings matrix recommends items users have
//! not rated, and a held-out check compares it with recommending the most popular.

use ml::core::datasets;
use ml::core::sparse::{Csr, csr_from_triplets};
use ml::decomp::recommender::{hit_rate, most_popular, synthetic_ratings};
use ml::decomp::{LatentDirichletAllocation, Lsa, Pca, PcaNComponents, Recommender};
use ml::text::{CountVectorizer, DocFrequency, StopWords};

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 8. Dimensionality reduction ==");
    pca_digits()?;
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
