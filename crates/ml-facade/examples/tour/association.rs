//! Chapter 7: association rules. What sells together in one month of a grocery
//! store's baskets: the three miners find the same frequent itemsets, and the rules
//! between them are ranked by lift.

use ml::assoc::{Apriori, AssociationRules, Eclat, FpGrowth, RuleMetric, Transactions};
use ml::core::datasets;

use crate::timed;

/// The threshold and confidence of the parity tests against mlxtend.
const MIN_SUPPORT: f64 = 0.01;
const MIN_CONFIDENCE: f64 = 0.3;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 7. Association rules: what sells together ==");
    let baskets = datasets::load_groceries()?;
    let tx = Transactions::from_baskets(&baskets)?;
    println!(
        "groceries: {} baskets, {} distinct items",
        tx.len(),
        tx.n_items()
    );

    let (fp, fp_secs) = timed(|| FpGrowth::new(MIN_SUPPORT).fit(&tx));
    let (ec, ec_secs) = timed(|| Eclat::new(MIN_SUPPORT).fit(&tx));
    let (ap, ap_secs) = timed(|| Apriori::new(MIN_SUPPORT).fit(&tx));
    let (fp, ec, ap) = (fp?, ec?, ap?);
    println!(
        "itemsets with support >= {MIN_SUPPORT}: FP-growth {} ({:.1} ms), Eclat {} ({:.1} ms), \
         Apriori {} ({:.1} ms); identical: {}",
        fp.len(),
        fp_secs * 1e3,
        ec.len(),
        ec_secs * 1e3,
        ap.len(),
        ap_secs * 1e3,
        fp == ec && ec == ap
    );

    let (rules, secs) = timed(|| {
        AssociationRules::new()
            .min_confidence(MIN_CONFIDENCE)
            .fit(&fp)
    });
    let rules = rules?.sorted_by(RuleMetric::Lift);
    println!(
        "{} rules with confidence >= {MIN_CONFIDENCE} ({:.2} ms); the five with the highest lift:",
        rules.len(),
        secs * 1e3
    );
    for (i, rule) in rules.iter().take(5).enumerate() {
        println!(
            "  {{{}}} -> {{{}}}: confidence {:.2}, lift {:.2}, support {:.3}",
            rules.antecedent_names(i).unwrap_or_default().join(", "),
            rules.consequent_names(i).unwrap_or_default().join(", "),
            rule.metric(RuleMetric::Confidence),
            rule.metric(RuleMetric::Lift),
            rule.metric(RuleMetric::Support)
        );
    }
    Ok(())
}
