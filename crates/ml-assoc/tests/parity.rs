//! Parity with mlxtend (groceries: itemsets and rules) and pyfim (retail: itemsets;
//! closed and maximal sets). Fixtures come from `scripts/refdata/assoc.py`.

mod common;

use std::collections::HashMap;

use ml_assoc::{
    Apriori, AssociationRules, ClosedItemsets, Eclat, FpGrowth, MaximalItemsets, RuleMetric,
};

#[test]
fn groceries_itemsets_match_mlxtend_fpgrowth() {
    let tx = common::groceries();
    assert_eq!(tx.len(), 9835);
    let want = common::itemsets("groceries_s0.01_mlxtend_itemsets.tsv");
    let fp = FpGrowth::new(0.01).fit(&tx).unwrap();
    assert_eq!(fp.to_named(), want);
    assert_eq!(Eclat::new(0.01).fit(&tx).unwrap(), fp);
    assert_eq!(Apriori::new(0.01).fit(&tx).unwrap(), fp);
}

#[test]
fn groceries_rules_match_mlxtend_association_rules() {
    let tx = common::groceries();
    let sets = FpGrowth::new(0.01).fit(&tx).unwrap();
    let rules = AssociationRules::new()
        .min_confidence(0.3)
        .fit(&sets)
        .unwrap();
    let text = common::fixture("groceries_s0.01_c0.3_mlxtend_rules.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').skip(2).collect();
    let metrics: Vec<RuleMetric> = header
        .iter()
        .map(|h| *RuleMetric::ALL.iter().find(|m| m.name() == *h).unwrap())
        .collect();
    let mut want: HashMap<(String, String), Vec<f64>> = HashMap::new();
    for l in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = l.split('\t').collect();
        let vals = f[2..].iter().map(|v| v.parse::<f64>().unwrap()).collect();
        want.insert((f[0].to_owned(), f[1].to_owned()), vals);
    }
    assert_eq!(rules.len(), want.len());
    let side = |mut v: Vec<&str>| {
        v.sort();
        v.join("|")
    };
    for i in 0..rules.len() {
        let key = (
            side(rules.antecedent_names(i).expect("rule i < len")),
            side(rules.consequent_names(i).expect("rule i < len")),
        );
        let vals = want
            .get(&key)
            .unwrap_or_else(|| panic!("rule {key:?} not in mlxtend's"));
        for (m, &w) in metrics.iter().zip(vals) {
            let got = rules.get(i).expect("rule i < len").metric(*m);
            // Same counts and the same floating-point expressions as mlxtend: only
            // rounding in a different order could differ, far below 1e-12.
            assert!(
                got == w || (got - w).abs() <= 1e-12,
                "{key:?} {}: {got} vs {w}",
                m.name()
            );
        }
    }
}

#[test]
fn retail_itemsets_match_pyfim() {
    let tx = common::retail();
    assert_eq!(tx.len(), 88162);
    let want = common::itemsets("retail_s0.001_pyfim_itemsets.tsv");
    let fp = FpGrowth::new(0.001).fit(&tx).unwrap();
    assert_eq!(fp.len(), 7589);
    assert_eq!(fp.to_named(), want);
    assert_eq!(Eclat::new(0.001).fit(&tx).unwrap(), fp);
    assert_eq!(Apriori::new(0.001).fit(&tx).unwrap(), fp);
}

#[test]
fn groceries_closed_and_maximal_match_pyfim() {
    let tx = common::groceries();
    let closed = ClosedItemsets::new(0.005).fit(&tx).unwrap();
    assert_eq!(
        closed.to_named(),
        common::itemsets("groceries_s0.005_pyfim_closed.tsv")
    );
    let maximal = MaximalItemsets::new(0.005).fit(&tx).unwrap();
    assert_eq!(
        maximal.to_named(),
        common::itemsets("groceries_s0.005_pyfim_maximal.tsv")
    );
}

#[test]
fn retail_closed_and_maximal_counts_match_pyfim() {
    let tx = common::retail();
    let by_len = |name: &str| -> Vec<usize> {
        let mut v = vec![0];
        for l in common::fixture(name).lines().filter(|l| !l.is_empty()) {
            let (k, c) = l.split_once('\t').unwrap();
            let k: usize = k.parse().unwrap();
            v.resize(v.len().max(k + 1), 0);
            v[k] = c.parse().unwrap();
        }
        v
    };
    let closed = ClosedItemsets::new(0.001).fit(&tx).unwrap();
    assert_eq!(
        closed.counts_by_len(),
        by_len("retail_s0.001_pyfim_closed_counts.tsv")
    );
    let maximal = MaximalItemsets::new(0.001).fit(&tx).unwrap();
    assert_eq!(
        maximal.counts_by_len(),
        by_len("retail_s0.001_pyfim_maximal_counts.tsv")
    );
}

#[test]
fn rules_from_closed_sets_equal_rules_from_all_sets() {
    let tx = common::groceries();
    let all = FpGrowth::new(0.01).fit(&tx).unwrap();
    let closed = ClosedItemsets::new(0.01).fit(&tx).unwrap();
    let r = AssociationRules::new().min_confidence(0.3);
    let mut a: Vec<_> = r.fit(&all).unwrap().rules().to_vec();
    let mut b: Vec<_> = r.fit(&closed).unwrap().rules().to_vec();
    let key = |x: &ml_assoc::Rule| (x.antecedent.clone(), x.consequent.clone());
    // Rules of non-closed itemsets repeat those of their closures' subsets only when the
    // itemset itself is closed; compare on the rules whose union is closed.
    let closed_named: std::collections::HashSet<Vec<u32>> =
        closed.iter().map(|s| s.items.to_vec()).collect();
    a.retain(|x| {
        let mut u = [x.antecedent.clone(), x.consequent.clone()].concat();
        u.sort();
        closed_named.contains(&u)
    });
    a.sort_by_key(key);
    b.sort_by_key(key);
    assert_eq!(a, b);
}
