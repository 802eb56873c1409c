//! Association rules `A → C` between itemsets, with mlxtend's metrics.

use std::collections::{HashMap, HashSet};

use ml_core::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::itemsets::{FrequentItemsets, ItemsetKind};
use crate::transactions::Transactions;

/// A measure of a rule, usable as a threshold ([`AssociationRules::min_metric`]) or a sort
/// key ([`Rules::sort_by`]). Definitions as mlxtend's `association_rules`, with `sA`,
/// `sC`, `sAC` the supports of the antecedent, the consequent and both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RuleMetric {
    /// `sA`.
    AntecedentSupport,
    /// `sC`.
    ConsequentSupport,
    /// `sAC`.
    Support,
    /// `sAC / sA`.
    Confidence,
    /// `confidence / sC`.
    Lift,
    /// The share of transactions without missing values: always 1 for market baskets.
    Representativity,
    /// `sAC − sA·sC`.
    Leverage,
    /// `(1 − sC) / (1 − confidence)`, infinite when the confidence is 1.
    Conviction,
    /// `leverage / max(sAC(1 − sA), sA(sC − sAC))`, 0 when that denominator is 0.
    ZhangsMetric,
    /// `sAC / (sA + sC − sAC)`.
    Jaccard,
    /// `(confidence − sC) / (1 − sC)`, 0 when `sC` is 1.
    Certainty,
    /// `(confidence(A→C) + confidence(C→A)) / 2`.
    Kulczynski,
}

impl RuleMetric {
    /// Every metric, in mlxtend's column order.
    pub const ALL: [RuleMetric; 12] = [
        RuleMetric::AntecedentSupport,
        RuleMetric::ConsequentSupport,
        RuleMetric::Support,
        RuleMetric::Confidence,
        RuleMetric::Lift,
        RuleMetric::Representativity,
        RuleMetric::Leverage,
        RuleMetric::Conviction,
        RuleMetric::ZhangsMetric,
        RuleMetric::Jaccard,
        RuleMetric::Certainty,
        RuleMetric::Kulczynski,
    ];

    /// mlxtend's column name for the metric.
    pub fn name(self) -> &'static str {
        match self {
            RuleMetric::AntecedentSupport => "antecedent support",
            RuleMetric::ConsequentSupport => "consequent support",
            RuleMetric::Support => "support",
            RuleMetric::Confidence => "confidence",
            RuleMetric::Lift => "lift",
            RuleMetric::Representativity => "representativity",
            RuleMetric::Leverage => "leverage",
            RuleMetric::Conviction => "conviction",
            RuleMetric::ZhangsMetric => "zhangs_metric",
            RuleMetric::Jaccard => "jaccard",
            RuleMetric::Certainty => "certainty",
            RuleMetric::Kulczynski => "kulczynski",
        }
    }

    /// The range the metric's threshold must lie in, in words, or None when any number goes.
    fn range(self) -> Option<(f64, f64, &'static str)> {
        match self {
            RuleMetric::AntecedentSupport
            | RuleMetric::ConsequentSupport
            | RuleMetric::Support
            | RuleMetric::Confidence
            | RuleMetric::Jaccard
            | RuleMetric::Kulczynski
            | RuleMetric::Representativity => Some((0.0, 1.0, "in [0, 1]")),
            _ => None,
        }
    }
}

/// One rule `antecedent → consequent` with every metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Item ids of the antecedent, sorted.
    pub antecedent: Vec<u32>,
    /// Item ids of the consequent, sorted.
    pub consequent: Vec<u32>,
    /// Transactions containing both sides.
    pub count: u64,
    /// Support of the antecedent.
    pub antecedent_support: f64,
    /// Support of the consequent.
    pub consequent_support: f64,
    /// Support of antecedent ∪ consequent.
    pub support: f64,
    /// `support / antecedent_support`.
    pub confidence: f64,
    /// `confidence / consequent_support`.
    pub lift: f64,
    /// Always 1 for market baskets (no missing values).
    pub representativity: f64,
    /// `support − antecedent_support · consequent_support`.
    pub leverage: f64,
    /// `(1 − consequent_support) / (1 − confidence)`; infinite when the confidence is 1.
    pub conviction: f64,
    /// Zhang's metric, in `[-1, 1]`.
    pub zhangs_metric: f64,
    /// Jaccard index of the two sides' transaction sets.
    pub jaccard: f64,
    /// Certainty factor.
    pub certainty: f64,
    /// Kulczynski measure: mean of the confidences both ways.
    pub kulczynski: f64,
}

impl Rule {
    /// The value of `metric` for this rule.
    pub fn metric(&self, metric: RuleMetric) -> f64 {
        match metric {
            RuleMetric::AntecedentSupport => self.antecedent_support,
            RuleMetric::ConsequentSupport => self.consequent_support,
            RuleMetric::Support => self.support,
            RuleMetric::Confidence => self.confidence,
            RuleMetric::Lift => self.lift,
            RuleMetric::Representativity => self.representativity,
            RuleMetric::Leverage => self.leverage,
            RuleMetric::Conviction => self.conviction,
            RuleMetric::ZhangsMetric => self.zhangs_metric,
            RuleMetric::Jaccard => self.jaccard,
            RuleMetric::Certainty => self.certainty,
            RuleMetric::Kulczynski => self.kulczynski,
        }
    }

    /// Every metric from the three counts, with mlxtend's floating-point expressions.
    fn new(
        antecedent: Vec<u32>,
        consequent: Vec<u32>,
        c_ac: u64,
        c_a: u64,
        c_c: u64,
        n: usize,
    ) -> Self {
        let nf = n as f64;
        let s_ac = c_ac as f64 / nf;
        let s_a = c_a as f64 / nf;
        let s_c = c_c as f64 / nf;
        let confidence = (s_ac * nf) / (s_a * nf);
        let confidence_ca = (s_ac * nf) / (s_c * nf);
        let leverage = s_ac - s_a * s_c;
        let conviction = if confidence < 1.0 {
            (1.0 - s_c) / (1.0 - confidence)
        } else {
            f64::INFINITY
        };
        let zhang_den = (s_ac * (1.0 - s_a)).max(s_a * (s_c - s_ac));
        let zhangs_metric = if zhang_den == 0.0 {
            0.0
        } else {
            leverage / zhang_den
        };
        let cert_den = 1.0 - s_c;
        let certainty = if cert_den == 0.0 {
            0.0
        } else {
            (confidence - s_c) / cert_den
        };
        Self {
            antecedent,
            consequent,
            count: c_ac,
            antecedent_support: s_a,
            consequent_support: s_c,
            support: s_ac,
            confidence,
            lift: confidence / s_c,
            // mlxtend: (n - missing) / n, with nothing missing in market baskets.
            representativity: 1.0,
            leverage,
            conviction,
            zhangs_metric,
            jaccard: s_ac / (s_a + s_c - s_ac),
            certainty,
            kulczynski: (confidence + confidence_ca) / 2.0,
        }
    }
}

/// Generates association rules from mined itemsets, as mlxtend's `association_rules`.
///
/// For every itemset of two or more items, every split into a non-empty antecedent and
/// consequent is a candidate rule; it is kept when the chosen metric reaches the
/// threshold. The supports of the two sides are looked up among the itemsets; for closed
/// itemsets a missing one is derived (the largest support among closed supersets), and
/// otherwise (maximal, top-k) [`AssociationRules::fit_with_transactions`] counts it.
/// Itemsets are processed in parallel; the rules come in the order of the itemsets, then
/// of the antecedent's bit pattern, so the output is deterministic.
///
/// ```
/// use ml_assoc::{AssociationRules, FpGrowth, RuleMetric, Transactions};
/// let tx = Transactions::from_baskets([
///     vec!["beer", "peanuts"],
///     vec!["beer", "peanuts", "chips"],
///     vec!["beer", "chips"],
///     vec!["milk"],
/// ])?;
/// let sets = FpGrowth::new(0.5).fit(&tx)?;
/// let rules = AssociationRules::new().min_confidence(0.9).fit(&sets)?;
/// // peanuts → beer and chips → beer hold in every basket with peanuts or chips.
/// assert_eq!(rules.len(), 2);
/// let best = rules.sorted_by(RuleMetric::Lift);
/// assert_eq!(best.consequent_names(0), Some(vec!["beer"]));
/// assert_eq!(best.consequent_names(2), None);
/// # Ok::<(), ml_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociationRules {
    metric: RuleMetric,
    min_threshold: f64,
    max_candidates: usize,
}

impl Default for AssociationRules {
    fn default() -> Self {
        Self::new()
    }
}

impl AssociationRules {
    /// Rules with confidence at least 0.8 (mlxtend's default).
    pub fn new() -> Self {
        Self {
            metric: RuleMetric::Confidence,
            min_threshold: 0.8,
            max_candidates: DEFAULT_MAX_CANDIDATES,
        }
    }

    /// The most candidate rules `fit` enumerates: an itemset of `k` items has
    /// `2^k − 2`, so one long frequent itemset (and, for all frequent itemsets, its
    /// subsets too, about `3^k` candidates in all) means hours of work and more rules
    /// than memory holds (a rule takes about 200 bytes). Above the bound `fit` refuses
    /// with [`Error::LimitExceeded`] before starting. Default: 2^24 (16.7 million
    /// candidates: seconds of work, at most about 3 GB of rules). mlxtend has no bound.
    pub fn max_candidates(mut self, max_candidates: usize) -> Self {
        self.max_candidates = max_candidates;
        self
    }

    /// Keep rules with confidence at least `min_confidence`, in `[0, 1]` (checked in
    /// `fit`). Default: 0.8.
    pub fn min_confidence(self, min_confidence: f64) -> Self {
        self.min_metric(RuleMetric::Confidence, min_confidence)
    }

    /// Keep rules whose `metric` is at least `threshold` (replaces any previous threshold).
    /// Default: confidence ≥ 0.8.
    pub fn min_metric(mut self, metric: RuleMetric, threshold: f64) -> Self {
        self.metric = metric;
        self.min_threshold = threshold;
        self
    }

    fn check(&self) -> Result<()> {
        let t = self.min_threshold;
        let expected = match self.metric.range() {
            _ if t.is_nan() => "a number",
            Some((lo, hi, words)) if !(lo..=hi).contains(&t) => words,
            _ => return Ok(()),
        };
        // Named as the setter that set it: `min_confidence`, or the `threshold` of
        // `min_metric`.
        Err(if self.metric == RuleMetric::Confidence {
            Error::invalid_parameter("min_confidence", t, expected)
        } else {
            Error::invalid_parameter("threshold", t, expected)
        })
    }

    /// The rules of `itemsets`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a threshold out of its metric's range (named
    /// `min_confidence`, or `threshold` for [`min_metric`](Self::min_metric)), or
    /// (named `itemsets`) when a side's support is missing from `itemsets` (maximal or
    /// top-k sets: use [`AssociationRules::fit_with_transactions`]);
    /// [`Error::LimitExceeded`] for an itemset of more than 31 items (its rules cannot
    /// be enumerated) or more candidate rules than
    /// [`max_candidates`](Self::max_candidates).
    pub fn fit(&self, itemsets: &FrequentItemsets) -> Result<Rules> {
        self.run(itemsets, None)
    }

    /// The rules of `itemsets`, counting in `tx` (the transactions they were mined from)
    /// the support of any side that `itemsets` lacks.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), plus [`Error::InvalidData`] (`"transactions"`) when `tx`
    /// is not the data the itemsets came from.
    pub fn fit_with_transactions(
        &self,
        itemsets: &FrequentItemsets,
        tx: &Transactions,
    ) -> Result<Rules> {
        let names = itemsets.item_names();
        if tx.len() != itemsets.n_transactions()
            || tx.item_names().len() < names.len()
            || tx.item_names()[..names.len()] != *names
        {
            return Err(Error::invalid_data(
                "transactions",
                format!(
                    "{} transactions over {} items are not the data the itemsets were mined \
                     from ({} transactions)",
                    tx.len(),
                    tx.n_items(),
                    itemsets.n_transactions()
                ),
            ));
        }
        self.run(itemsets, Some(tx))
    }

    fn run(&self, sets: &FrequentItemsets, tx: Option<&Transactions>) -> Result<Rules> {
        self.check()?;
        let n = sets.n_transactions();
        if let Some(longest) = sets.iter().map(|s| s.items.len()).max()
            && longest > MAX_RULE_ITEMS
        {
            return Err(Error::LimitExceeded {
                what: "the items of an itemset whose 2^k - 2 rules are enumerated",
                requested: longest,
                limit: MAX_RULE_ITEMS,
            });
        }
        let candidates = sets
            .iter()
            .map(|s| (1usize << s.items.len()).saturating_sub(2))
            .fold(0usize, usize::saturating_add);
        if candidates > self.max_candidates {
            return Err(Error::LimitExceeded {
                what: "candidate rules (2^k - 2 for every itemset of k items)",
                requested: candidates,
                limit: self.max_candidates,
            });
        }
        let mut known: HashMap<&[u32], u64> = sets.iter().map(|s| (s.items, s.count)).collect();
        // Sides whose support is not among the itemsets (only possible for
        // closed, maximal or top-k results).
        let mut extra: HashMap<Vec<u32>, u64> = HashMap::new();
        if sets.kind() != ItemsetKind::All {
            let mut missing: HashSet<Vec<u32>> = HashSet::new();
            let mut sub = Vec::new();
            for s in sets.iter().filter(|s| s.items.len() >= 2) {
                let k = s.items.len();
                for mask in 1..(1u32 << k) - 1 {
                    sub.clear();
                    sub.extend((0..k).filter(|b| mask >> b & 1 == 1).map(|b| s.items[b]));
                    if !known.contains_key(sub.as_slice()) && !missing.contains(&sub) {
                        missing.insert(sub.clone());
                    }
                }
            }
            let missing: Vec<Vec<u32>> = missing.into_iter().collect();
            let counts: Vec<Option<u64>> = missing
                .par_iter()
                .map(|m| {
                    if sets.kind() == ItemsetKind::Closed {
                        Some(closed_support(sets, m))
                    } else {
                        tx.map(|tx| count_in(tx, m))
                    }
                })
                .collect();
            for (m, c) in missing.into_iter().zip(counts) {
                match c {
                    Some(c) => {
                        extra.insert(m, c);
                    }
                    None => {
                        return Err(Error::invalid_parameter(
                            "itemsets",
                            format!("{:?} lacks the support of a rule side", sets.kind()),
                            "all frequent itemsets, closed itemsets, or the transactions (fit_with_transactions)",
                        ));
                    }
                }
            }
        }
        for (k, v) in &extra {
            known.insert(k.as_slice(), *v);
        }
        let metric = self.metric;
        let threshold = self.min_threshold;
        let per_set: Vec<Option<Vec<Rule>>> = (0..sets.len())
            .into_par_iter()
            .map(|i| {
                let s = sets.at(i);
                let k = s.items.len();
                let mut rules = Vec::new();
                if k < 2 {
                    return Some(rules);
                }
                for mask in 1..(1u32 << k) - 1 {
                    let a: Vec<u32> = (0..k)
                        .filter(|b| mask >> b & 1 == 1)
                        .map(|b| s.items[b])
                        .collect();
                    let c: Vec<u32> = (0..k)
                        .filter(|b| mask >> b & 1 == 0)
                        .map(|b| s.items[b])
                        .collect();
                    // Every subset of a set of all frequent itemsets is one of them; a
                    // set loaded from a crafted file may lack one.
                    let ca = *known.get(a.as_slice())?;
                    let cc = *known.get(c.as_slice())?;
                    let rule = Rule::new(a, c, s.count, ca, cc, n);
                    if rule.metric(metric) >= threshold {
                        rules.push(rule);
                    }
                }
                Some(rules)
            })
            .collect();
        let Some(per_set) = per_set.into_iter().collect::<Option<Vec<_>>>() else {
            return Err(Error::invalid_parameter(
                "itemsets",
                "a set of all frequent itemsets missing a subset of one of them",
                "the itemsets a miner returned (every subset of a frequent itemset is frequent)",
            ));
        };
        Ok(Rules {
            names: sets.item_names().to_vec(),
            n_transactions: n,
            rules: per_set.into_iter().flatten().collect(),
        })
    }
}

/// The most items of an itemset whose rules are enumerated (one bit per item of a
/// `u32` mask: the rules of `k` items are the masks `1..2^k - 1`).
const MAX_RULE_ITEMS: usize = 31;

/// The default of [`AssociationRules::max_candidates`].
const DEFAULT_MAX_CANDIDATES: usize = 1 << 24;

/// The support of a subset of closed sets: the largest support among its closed supersets.
fn closed_support(sets: &FrequentItemsets, sub: &[u32]) -> u64 {
    sets.iter()
        .filter(|s| is_subset(sub, s.items))
        .map(|s| s.count)
        .max()
        .unwrap_or(0)
}

fn count_in(tx: &Transactions, sub: &[u32]) -> u64 {
    tx.iter().filter(|t| is_subset(sub, t)).count() as u64
}

/// Whether sorted `a` ⊆ sorted `b`.
pub(crate) fn is_subset(a: &[u32], b: &[u32]) -> bool {
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        if j == b.len() || b[j] != x {
            return false;
        }
        j += 1;
    }
    true
}

/// Association rules with their metrics, and the item names to read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    names: Vec<String>,
    n_transactions: usize,
    rules: Vec<Rule>,
}

impl Rules {
    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules in their current order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Rule `i` (in the current order), or `None` when `i >= self.len()`.
    pub fn get(&self, i: usize) -> Option<&Rule> {
        self.rules.get(i)
    }

    /// The rules in their current order.
    pub fn iter(&self) -> std::slice::Iter<'_, Rule> {
        self.rules.iter()
    }

    /// The number of transactions the supports are relative to.
    pub fn n_transactions(&self) -> usize {
        self.n_transactions
    }

    /// Item names by id.
    pub fn item_names(&self) -> &[String] {
        &self.names
    }

    /// The item names of rule `i`'s antecedent, or `None` when `i >= self.len()`.
    pub fn antecedent_names(&self, i: usize) -> Option<Vec<&str>> {
        Some(self.names_of(&self.rules.get(i)?.antecedent))
    }

    /// The item names of rule `i`'s consequent, or `None` when `i >= self.len()`.
    pub fn consequent_names(&self, i: usize) -> Option<Vec<&str>> {
        Some(self.names_of(&self.rules.get(i)?.consequent))
    }

    /// The names of item ids of a rule side (every id of a rule has a name: the names
    /// are those of the itemsets the rules came from).
    fn names_of(&self, ids: &[u32]) -> Vec<&str> {
        ids.iter()
            .map(|&id| self.names[id as usize].as_str())
            .collect()
    }

    /// Sorts by `metric`, highest first (NaN last); ties by antecedent, then consequent.
    pub fn sort_by(&mut self, metric: RuleMetric) {
        self.rules.sort_by(|a, b| {
            let (x, y) = (a.metric(metric), b.metric(metric));
            y.partial_cmp(&x)
                .unwrap_or_else(|| x.is_nan().cmp(&y.is_nan()))
                .then_with(|| a.antecedent.cmp(&b.antecedent))
                .then_with(|| a.consequent.cmp(&b.consequent))
        });
    }

    /// A copy sorted by `metric`, highest first (see [`Rules::sort_by`]).
    pub fn sorted_by(&self, metric: RuleMetric) -> Rules {
        let mut r = self.clone();
        r.sort_by(metric);
        r
    }

    /// The `k` rules of highest `metric` (ties as in [`Rules::sort_by`]).
    pub fn top_k(&self, metric: RuleMetric, k: usize) -> Rules {
        let mut r = self.sorted_by(metric);
        r.rules.truncate(k);
        r
    }

    /// The rules whose `metric` is at least `threshold`, in their current order.
    pub fn filter(&self, metric: RuleMetric, threshold: f64) -> Rules {
        Rules {
            names: self.names.clone(),
            n_transactions: self.n_transactions,
            rules: self
                .rules
                .iter()
                .filter(|r| r.metric(metric) >= threshold)
                .cloned()
                .collect(),
        }
    }
}

impl ml_core::persist::Persist for Rules {
    const MODEL_NAME: &'static str = "ml_assoc::Rules";
}

impl ml_core::persist::Invariants for Rules {
    /// Every rule has two non-empty, disjoint, sorted sides of known items, a count of
    /// at most the number of transactions and supports and a confidence in [0, 1].
    fn check_invariants(&self) -> std::result::Result<(), String> {
        use ml_core::persist::invariants as inv;
        let n = self.names.len();
        for (r, rule) in self.rules.iter().enumerate() {
            for side in [&rule.antecedent, &rule.consequent] {
                inv::not_empty("a rule's side", side.len())?;
                inv::strictly_increasing("a rule's side", side)?;
                inv::ensure(side.iter().all(|&i| (i as usize) < n), || {
                    format!("rule {r} names an item not below the {n} item names")
                })?;
            }
            inv::ensure(
                rule.antecedent
                    .iter()
                    .all(|i| rule.consequent.binary_search(i).is_err()),
                || format!("rule {r} has an item on both sides"),
            )?;
            inv::ensure(rule.count <= self.n_transactions as u64, || {
                format!("rule {r} counts more transactions than there are")
            })?;
            let unit = [
                rule.antecedent_support,
                rule.consequent_support,
                rule.support,
                rule.confidence,
            ];
            inv::ensure(unit.iter().all(|v| (0.0..=1.0).contains(v)), || {
                format!("rule {r} has a support or confidence outside [0, 1]")
            })?;
        }
        Ok(())
    }
}
