//! Property tests: the three miners agree with each other and with brute force; support
//! is anti-monotone; results do not depend on transaction order or item names; closed
//! and maximal sets meet their definitions.

mod common;

use std::collections::HashMap;

use ml_assoc::{
    Apriori, ClosedItemsets, Eclat, FpGrowth, FrequentItemsets, MaximalItemsets, Transactions,
};
use proptest::prelude::*;

fn is_subset(a: &[u32], b: &[u32]) -> bool {
    a.iter().all(|x| b.contains(x))
}

/// Every itemset over at most 12 items with its count, by brute force.
fn brute_force(tx: &Transactions, min: u64, max_len: usize) -> Vec<(Vec<u32>, u64)> {
    let m = tx.n_items();
    let mut out = Vec::new();
    for mask in 1u32..(1 << m) {
        let set: Vec<u32> = (0..m as u32).filter(|b| mask >> b & 1 == 1).collect();
        if set.len() > max_len {
            continue;
        }
        let c = tx.iter().filter(|t| is_subset(&set, t)).count() as u64;
        if c >= min {
            out.push((set, c));
        }
    }
    out.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
    out
}

fn listed(s: &FrequentItemsets) -> Vec<(Vec<u32>, u64)> {
    s.iter().map(|x| (x.items.to_vec(), x.count)).collect()
}

fn data() -> impl Strategy<Value = (Transactions, u64, usize)> {
    (
        1usize..80,
        1usize..11,
        0.05f64..0.95,
        any::<u64>(),
        0.0f64..1.0,
        1usize..6,
    )
        .prop_map(|(n, m, density, seed, frac, max_len)| {
            let tx =
                Transactions::from_baskets(common::random_baskets(n, m, density, seed)).unwrap();
            let min = ((frac * frac * n as f64) as u64).clamp(1, n as u64);
            (tx, min, max_len)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn apriori_eclat_fpgrowth_agree_with_brute_force((tx, min, max_len) in data()) {
        let want = brute_force(&tx, min, usize::MAX);
        let fp = FpGrowth::new(min).fit(&tx).unwrap();
        prop_assert_eq!(listed(&fp), want.clone());
        prop_assert_eq!(&Eclat::new(min).fit(&tx).unwrap(), &fp);
        prop_assert_eq!(&Apriori::new(min).fit(&tx).unwrap(), &fp);
        let capped: Vec<_> = want.into_iter().filter(|s| s.0.len() <= max_len).collect();
        let fp_l = FpGrowth::new(min).max_len(max_len).fit(&tx).unwrap();
        prop_assert_eq!(listed(&fp_l), capped);
        prop_assert_eq!(&Eclat::new(min).max_len(max_len).fit(&tx).unwrap(), &fp_l);
        prop_assert_eq!(&Apriori::new(min).max_len(max_len).fit(&tx).unwrap(), &fp_l);
    }

    #[test]
    fn support_is_anti_monotone((tx, min, _l) in data()) {
        let fp = FpGrowth::new(min).fit(&tx).unwrap();
        for s in fp.iter() {
            prop_assert!(s.count >= min);
            for drop in 0..s.items.len() {
                let sub: Vec<u32> = s.items.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, &x)| x).collect();
                if sub.is_empty() { continue; }
                let j = fp.position(&sub);
                prop_assert!(j.is_some(), "subset {:?} of {:?} missing", sub, s.items);
                prop_assert!(fp.get(j.unwrap()).unwrap().count >= s.count);
            }
        }
    }

    #[test]
    fn result_does_not_depend_on_order_or_names((n, m, density, seed, min) in (1usize..60, 1usize..10, 0.1f64..0.9, any::<u64>(), 1u64..8)) {
        let baskets = common::random_baskets(n, m, density, seed);
        let min = min.min(n as u64);
        // Reverse the transactions, shuffle within them, and rename every item.
        let rename = |s: &str| format!("z{}", 1000 - s[1..].parse::<usize>().unwrap());
        let other: Vec<Vec<String>> = baskets.iter().rev().map(|b| b.iter().rev().map(|s| rename(s)).collect()).collect();
        let a = Transactions::from_baskets(&baskets).unwrap();
        let b = Transactions::from_baskets(&other).unwrap();
        let back: HashMap<String, String> = a.item_names().iter().map(|s| (rename(s), s.clone())).collect();
        let unname = |v: Vec<(Vec<String>, u64)>| {
            let mut v: Vec<(Vec<String>, u64)> = v.into_iter().map(|(mut s, c)| {
                s.iter_mut().for_each(|x| *x = back[x.as_str()].clone());
                s.sort();
                (s, c)
            }).collect();
            v.sort();
            v
        };
        prop_assert_eq!(FpGrowth::new(min).fit(&a).unwrap().to_named(), unname(FpGrowth::new(min).fit(&b).unwrap().to_named()));
        prop_assert_eq!(Eclat::new(min).fit(&a).unwrap().to_named(), unname(Eclat::new(min).fit(&b).unwrap().to_named()));
        prop_assert_eq!(Apriori::new(min).fit(&a).unwrap().to_named(), unname(Apriori::new(min).fit(&b).unwrap().to_named()));
        prop_assert_eq!(ClosedItemsets::new(min).fit(&a).unwrap().to_named(), unname(ClosedItemsets::new(min).fit(&b).unwrap().to_named()));
        prop_assert_eq!(MaximalItemsets::new(min).fit(&a).unwrap().to_named(), unname(MaximalItemsets::new(min).fit(&b).unwrap().to_named()));
    }

    #[test]
    fn closed_and_maximal_meet_their_definitions((tx, min, _l) in data()) {
        let all = listed(&Eclat::new(min).fit(&tx).unwrap());
        let closed = listed(&ClosedItemsets::new(min).fit(&tx).unwrap());
        let maximal = listed(&MaximalItemsets::new(min).fit(&tx).unwrap());
        // Closed: exactly the frequent sets with no proper superset of equal support.
        let want_closed: Vec<_> = all.iter().filter(|(s, c)| {
            !all.iter().any(|(t, d)| t.len() > s.len() && d == c && is_subset(s, t))
        }).cloned().collect();
        prop_assert_eq!(&closed, &want_closed);
        // Maximal: exactly the frequent sets with no frequent proper superset.
        let want_max: Vec<_> = all.iter().filter(|(s, _)| {
            !all.iter().any(|(t, _)| t.len() > s.len() && is_subset(s, t))
        }).cloned().collect();
        prop_assert_eq!(&maximal, &want_max);
        // Hence maximal ⊆ closed ⊆ frequent.
        prop_assert!(maximal.iter().all(|x| closed.contains(x)));
        prop_assert!(closed.iter().all(|x| all.contains(x)));
    }
}

/// `ml_core::datasets` parses basket and FIMI text by the same rule as `Transactions`:
/// the same transactions, blank and item-less lines dropped, empty fields ignored.
#[test]
fn datasets_parsers_follow_the_transactions_rule() {
    let baskets = ",,,\nmilk, bread\n\n  \neggs,\nmilk,,bread\n,\r\nbread ,milk\n";
    let via_datasets =
        Transactions::from_baskets(ml_core::datasets::parse_baskets(baskets, "b").unwrap())
            .unwrap();
    assert_eq!(via_datasets, Transactions::parse_baskets(baskets).unwrap());
    assert_eq!(via_datasets.len(), 4);

    let fimi = "1 2 3\n\n   \n4 1\r\n2\n";
    let ids = ml_core::datasets::parse_fimi(fimi, "f").unwrap();
    let via_datasets = Transactions::from_baskets(
        ids.iter()
            .map(|t| t.iter().map(|i| i.to_string()).collect::<Vec<_>>()),
    )
    .unwrap();
    assert_eq!(
        via_datasets,
        Transactions::parse_fimi(fimi.as_bytes(), "f").unwrap()
    );
    assert_eq!(via_datasets.len(), 3);
}

#[test]
fn rules_of_one_long_itemset_are_refused_before_the_work() {
    use ml_assoc::{AssociationRules, ClosedItemsets, MaximalItemsets};
    // Five identical baskets of 26 items: one closed (and maximal) itemset whose
    // 2^26 - 2 rules all have confidence 1.
    let basket: Vec<String> = (0..26).map(|i| format!("item{i}")).collect();
    let tx = Transactions::from_baskets(vec![basket; 5]).unwrap();
    for sets in [
        ClosedItemsets::new(1.0).fit(&tx).unwrap(),
        MaximalItemsets::new(1.0).fit(&tx).unwrap(),
    ] {
        let err = AssociationRules::new()
            .fit_with_transactions(&sets, &tx)
            .unwrap_err();
        assert!(matches!(err, ml_core::Error::LimitExceeded { .. }), "{err}");
    }
    // Raising the bound is the caller's explicit choice; a small itemset is fine.
    let small = Transactions::from_baskets(vec![vec!["a", "b", "c"]; 3]).unwrap();
    let sets = ClosedItemsets::new(1.0).fit(&small).unwrap();
    let rules = AssociationRules::new()
        .max_candidates(6)
        .fit_with_transactions(&sets, &small)
        .unwrap();
    assert_eq!(rules.len(), 6);
}

#[test]
fn altered_model_files_load_into_usable_models_or_fail() {
    use ml_assoc::AssociationRules;
    use ml_core::testing::check_altered_model_files;
    let tx = Transactions::from_baskets(vec![
        vec!["bread", "milk"],
        vec!["bread", "beer", "eggs"],
        vec!["milk", "beer", "cola"],
        vec!["bread", "milk", "beer"],
        vec!["bread", "milk", "cola"],
    ])
    .unwrap();
    let sets = FpGrowth::new(0.2).fit(&tx).unwrap();
    let rules = AssociationRules::new()
        .min_confidence(0.5)
        .fit(&sets)
        .unwrap();
    check_altered_model_files(&tx, |t| {
        let _ = FpGrowth::new(0.3).fit(t);
        let _ = Eclat::new(0.3).fit(t);
        let _ = t.get(0);
    });
    check_altered_model_files(&sets, |s| {
        let _ = AssociationRules::new().fit(s);
        let _ = s.position(&[0, 1]);
        for i in 0..s.len() {
            let _ = (s.support(i), s.names(i));
        }
    });
    check_altered_model_files(&rules, |r| {
        for i in 0..r.len() {
            let _ = (r.antecedent_names(i), r.consequent_names(i));
        }
    });
}
