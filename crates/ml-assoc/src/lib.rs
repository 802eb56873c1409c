//! Frequent itemsets and association rules: what sells together.
//!
//! - [`Transactions`]: baskets from item-name lists, comma-separated basket files
//!   (`groceries.csv`) or FIMI `.dat` files (`retail.dat`), recoded to dense ids by
//!   frequency and stored flat. Both file formats follow one
//!   [parsing rule](Transactions#the-parsing-rule-of-basket-and-fimi-files): one
//!   transaction per line, and a line with no item is not a transaction.
//! - Frequent itemsets, all three miners giving identical results: [`Apriori`]
//!   (breadth-first, candidate prefix tree), [`Eclat`] (tid lists and diffsets) and
//!   [`FpGrowth`] (FP-tree, conditional trees, single-path shortcut); a threshold as a
//!   fraction or a count ([`MinSupport`]) and an optional `max_len`.
//! - Condensed results: [`ClosedItemsets`] and [`MaximalItemsets`] (LCM-style closure
//!   extension), and [`TopK`] itemsets without a threshold.
//! - [`AssociationRules`]: the rules between itemsets with mlxtend's twelve metrics
//!   ([`RuleMetric`]), a threshold on any of them, sorting and top-k.
//!
//! Work is split over items (or first-level extensions, or transaction chunks) with
//! rayon, and every result comes out in a canonical order whatever the thread count.
//!
//! ```
//! use ml_assoc::{AssociationRules, FpGrowth, RuleMetric, Transactions};
//! let tx = Transactions::from_baskets([
//!     vec!["beer", "peanuts", "chips"],
//!     vec!["beer", "peanuts"],
//!     vec!["beer", "diapers"],
//!     vec!["milk", "bread"],
//! ])?;
//! let sets = FpGrowth::new(0.5).fit(&tx)?;
//! let rules = AssociationRules::new().min_confidence(0.6).fit(&sets)?.sorted_by(RuleMetric::Confidence);
//! // A shopper with peanuts is a shopper with beer.
//! assert_eq!(rules.antecedent_names(0), Some(vec!["peanuts"]));
//! assert_eq!(rules.consequent_names(0), Some(vec!["beer"]));
//! # Ok::<(), ml_core::Error>(())
//! ```

mod apriori;
mod closed;
mod common;
mod eclat;
mod fpgrowth;
mod itemsets;
mod rules;
mod topk;
mod transactions;

pub use apriori::Apriori;
pub use closed::{ClosedItemsets, MaximalItemsets};
pub use eclat::Eclat;
pub use fpgrowth::FpGrowth;
pub use itemsets::{FrequentItemsets, Itemset, ItemsetKind};
pub use rules::{AssociationRules, Rule, RuleMetric, Rules};
pub use topk::TopK;
pub use transactions::{MinSupport, Transactions};
