//! The miner battery: empty input, bad thresholds, malformed files, determinism, order
//! and naming invariance, persistence.

mod common;

use ml_assoc::{
    Apriori, AssociationRules, ClosedItemsets, Eclat, FpGrowth, FrequentItemsets, MaximalItemsets,
    MinSupport, RuleMetric, Rules, TopK, Transactions,
};
use ml_core::Error;

fn small() -> Transactions {
    Transactions::from_baskets(common::random_baskets(200, 15, 0.4, 7)).unwrap()
}

fn all_miners(tx: &Transactions, s: MinSupport) -> Vec<ml_core::Result<FrequentItemsets>> {
    vec![
        Apriori::new(s).fit(tx),
        Eclat::new(s).fit(tx),
        FpGrowth::new(s).fit(tx),
        ClosedItemsets::new(s).fit(tx),
        MaximalItemsets::new(s).fit(tx),
    ]
}

#[test]
fn min_support_out_of_range_is_an_error() {
    let tx = small();
    let bad = [
        MinSupport::Fraction(0.0),
        MinSupport::Fraction(-0.1),
        MinSupport::Fraction(1.5),
        MinSupport::Fraction(f64::NAN),
        MinSupport::Fraction(f64::INFINITY),
        MinSupport::Count(0),
        MinSupport::Count(201),
    ];
    for s in bad {
        for r in all_miners(&tx, s) {
            match r {
                Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, "min_support"),
                other => panic!("{s:?}: expected InvalidParameter, got {other:?}"),
            }
        }
    }
    // The edges are valid.
    for s in [
        MinSupport::Fraction(1.0),
        MinSupport::Count(200),
        MinSupport::Count(1),
    ] {
        for r in all_miners(&tx, s) {
            r.unwrap();
        }
    }
}

#[test]
fn max_len_and_k_zero_are_errors() {
    let tx = small();
    for r in [
        Apriori::new(0.1).max_len(0).fit(&tx),
        Eclat::new(0.1).max_len(0).fit(&tx),
        FpGrowth::new(0.1).max_len(0).fit(&tx),
        TopK::new(5).max_len(0).fit(&tx),
    ] {
        assert!(
            matches!(
                r,
                Err(Error::InvalidParameter {
                    name: "max_len",
                    ..
                })
            ),
            "{r:?}"
        );
    }
    assert!(matches!(
        TopK::new(0).fit(&tx),
        Err(Error::InvalidParameter { name: "k", .. })
    ));
}

#[test]
fn min_confidence_out_of_range_is_an_error() {
    let tx = small();
    let sets = Eclat::new(0.1).fit(&tx).unwrap();
    for c in [-0.1, 1.1, f64::NAN] {
        let r = AssociationRules::new().min_confidence(c).fit(&sets);
        assert!(
            matches!(
                r,
                Err(Error::InvalidParameter {
                    name: "min_confidence",
                    ..
                })
            ),
            "{c}: {r:?}"
        );
    }
    for (m, t) in [
        (RuleMetric::Support, 2.0),
        (RuleMetric::Lift, f64::NAN),
        (RuleMetric::Jaccard, -1.0),
    ] {
        let r = AssociationRules::new().min_metric(m, t).fit(&sets);
        assert!(
            matches!(
                r,
                Err(Error::InvalidParameter {
                    name: "threshold",
                    ..
                })
            ),
            "{m:?}"
        );
    }
    // Unbounded metrics accept any number, and the edges of [0, 1] are valid.
    AssociationRules::new()
        .min_metric(RuleMetric::Leverage, -0.5)
        .fit(&sets)
        .unwrap();
    AssociationRules::new()
        .min_confidence(0.0)
        .fit(&sets)
        .unwrap();
    AssociationRules::new()
        .min_confidence(1.0)
        .fit(&sets)
        .unwrap();
}

#[test]
fn empty_input_is_an_error() {
    let none: Vec<Vec<&str>> = Vec::new();
    assert!(matches!(
        Transactions::from_baskets(none),
        Err(Error::EmptyInput {
            what: "transactions"
        })
    ));
    assert!(matches!(
        Transactions::parse_baskets(""),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        Transactions::parse_baskets(",,,\n\n"),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        Transactions::parse_fimi(b"", "x"),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        Transactions::parse_fimi(b" \n\n", "x"),
        Err(Error::EmptyInput { .. })
    ));
    let dir = std::env::temp_dir().join(format!("ml-assoc-battery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.dat");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        Transactions::read_fimi(&empty),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        Transactions::read_baskets(&empty),
        Err(Error::EmptyInput { .. })
    ));
    let missing = dir.join("missing.dat");
    assert!(matches!(
        Transactions::read_fimi(&missing),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_fimi_line_names_the_line() {
    for (text, line) in [
        (&b"1 2 3\n4 5\n6 x 7\n"[..], 3),
        (&b"1 2\n-3 4\n"[..], 2),
        (&b"1 2\n\n3.5\n"[..], 3),
        (&b"1 99999999999999999999999\n"[..], 1),
    ] {
        match Transactions::parse_fimi(text, "bad.dat") {
            Err(Error::Parse {
                file,
                line: l,
                message,
            }) => {
                assert_eq!((file.as_str(), l), ("bad.dat", line), "{message}");
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
    }
    match Transactions::parse_baskets("a,b\n\u{0}ok\n") {
        Ok(tx) => assert_eq!(tx.len(), 2),
        Err(e) => panic!("{e}"),
    }
    let bytes = b"a,b\nc,\xff\n";
    let dir = std::env::temp_dir().join(format!("ml-assoc-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.csv");
    std::fs::write(&p, bytes).unwrap();
    assert!(matches!(
        Transactions::read_baskets(&p),
        Err(Error::Parse { line: 2, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parsing_recodes_by_frequency_and_deduplicates() {
    let tx = Transactions::parse_baskets(",,\nb, a ,b\na\n\nc,a\n").unwrap();
    assert_eq!(tx.len(), 3);
    assert_eq!(tx.item_names(), ["a", "b", "c"]);
    assert_eq!(tx.item_counts(), [3, 1, 1]);
    assert_eq!(tx.get(0), Some(&[0, 1][..]));
    assert_eq!(tx.get(3), None);
    assert_eq!(tx.item_name(2), Some("c"));
    assert_eq!(tx.item_name(3), None);
    assert_eq!(tx.item_id("c"), Some(2));
    let f = Transactions::parse_fimi(b"5 3 5 \n3\n", "t.dat").unwrap();
    assert_eq!(f.item_names(), ["3", "5"]);
    assert_eq!(f.get(0), Some(&[0, 1][..]));
    assert_eq!(f.n_entries(), 3);
}

#[test]
fn min_support_as_fraction_and_count_agree() {
    let tx = small();
    for c in [1u64, 5, 20, 60, 200] {
        let f = c as f64 / 200.0;
        assert_eq!(
            FpGrowth::new(c).fit(&tx).unwrap(),
            FpGrowth::new(f).fit(&tx).unwrap()
        );
    }
    // 0.01 of 9835 is 98.35: a set needs 99 transactions, as mlxtend's float test says.
    assert_eq!(MinSupport::Fraction(0.01).to_count(9835).unwrap(), 99);
    assert_eq!(MinSupport::Fraction(0.5).to_count(10).unwrap(), 5);
    assert_eq!(MinSupport::Fraction(1e-9).to_count(10).unwrap(), 1);
}

#[test]
fn results_are_deterministic_across_runs_and_thread_counts() {
    // Over 200 000 entries, so the parallel paths run.
    let tx = Transactions::from_baskets(common::random_baskets(40_000, 25, 0.3, 11)).unwrap();
    assert!(tx.n_entries() > 200_000);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let run = || {
        let sets = FpGrowth::new(0.05).fit(&tx).unwrap();
        let rules = AssociationRules::new()
            .min_confidence(0.2)
            .fit(&sets)
            .unwrap();
        (
            sets,
            Eclat::new(0.05).fit(&tx).unwrap(),
            Apriori::new(0.05).fit(&tx).unwrap(),
            ClosedItemsets::new(0.05).fit(&tx).unwrap(),
            MaximalItemsets::new(0.05).fit(&tx).unwrap(),
            rules,
        )
    };
    let a = one.install(run);
    let b = three.install(run);
    let c = run();
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn results_do_not_depend_on_transaction_order() {
    let baskets = common::random_baskets(300, 20, 0.35, 3);
    let mut shuffled = baskets.clone();
    let mut r = common::Lcg(99);
    for i in (1..shuffled.len()).rev() {
        let j = r.below(i + 1);
        shuffled.swap(i, j);
        shuffled[i].reverse();
    }
    let a = Transactions::from_baskets(&baskets).unwrap();
    let b = Transactions::from_baskets(&shuffled).unwrap();
    for s in [0.01, 0.05, 0.2] {
        assert_eq!(
            FpGrowth::new(s).fit(&a).unwrap().to_named(),
            FpGrowth::new(s).fit(&b).unwrap().to_named()
        );
        assert_eq!(
            ClosedItemsets::new(s).fit(&a).unwrap().to_named(),
            ClosedItemsets::new(s).fit(&b).unwrap().to_named()
        );
    }
}

#[test]
fn top_k_keeps_the_most_frequent_itemsets() {
    let tx = small();
    let all = Eclat::new(1u64).max_len(4).fit(&tx).unwrap();
    let mut ranked: Vec<(u64, Vec<u32>)> =
        all.iter().map(|s| (s.count, s.items.to_vec())).collect();
    ranked.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.len().cmp(&b.1.len()))
            .then(a.1.cmp(&b.1))
    });
    for k in [1, 7, 50, 300] {
        let top = TopK::new(k).max_len(4).fit(&tx).unwrap();
        assert_eq!(top.len(), k.min(ranked.len()));
        let mut want: Vec<(u64, Vec<u32>)> = ranked[..top.len()].to_vec();
        want.sort_by(|a, b| a.1.len().cmp(&b.1.len()).then(a.1.cmp(&b.1)));
        let got: Vec<(u64, Vec<u32>)> = top.iter().map(|s| (s.count, s.items.to_vec())).collect();
        assert_eq!(got, want, "k = {k}");
        assert_eq!(top.min_count(), ranked[top.len() - 1].0);
    }
}

#[test]
fn rules_from_maximal_sets_need_the_transactions() {
    let tx = small();
    let max = MaximalItemsets::new(0.1).fit(&tx).unwrap();
    assert!(matches!(
        AssociationRules::new().fit(&max),
        Err(Error::InvalidParameter { .. })
    ));
    let rules = AssociationRules::new()
        .min_confidence(0.1)
        .fit_with_transactions(&max, &tx)
        .unwrap();
    let all = AssociationRules::new()
        .min_confidence(0.1)
        .fit(&FpGrowth::new(0.1).fit(&tx).unwrap())
        .unwrap();
    // Every rule of a maximal set is a rule of the full result, with the same metrics.
    for r in rules.iter() {
        let twin = all
            .iter()
            .find(|x| x.antecedent == r.antecedent && x.consequent == r.consequent)
            .expect("rule of a maximal set among all rules");
        assert_eq!(twin, r);
    }
    let other = Transactions::from_baskets([["z"]]).unwrap();
    assert!(matches!(
        AssociationRules::new().fit_with_transactions(&max, &other),
        Err(Error::InvalidData {
            what: "transactions",
            ..
        })
    ));
}

#[test]
fn rules_sort_filter_and_top_k_by_any_metric() {
    let tx = small();
    let sets = FpGrowth::new(0.05).fit(&tx).unwrap();
    let rules = AssociationRules::new()
        .min_confidence(0.0)
        .fit(&sets)
        .unwrap();
    assert!(rules.len() > 20);
    for m in RuleMetric::ALL {
        let sorted = rules.sorted_by(m);
        assert!(
            sorted
                .rules()
                .windows(2)
                .all(|w| w[0].metric(m).partial_cmp(&w[1].metric(m))
                    != Some(std::cmp::Ordering::Less)),
            "{m:?}"
        );
        let top = rules.top_k(m, 5);
        assert_eq!(top.rules(), &sorted.rules()[..5]);
        let t = sorted.get(10).expect("more than 20 rules").metric(m);
        let kept = rules.filter(m, t);
        assert!(kept.iter().all(|r| r.metric(m) >= t));
        assert_eq!(
            kept.len(),
            rules.iter().filter(|r| r.metric(m) >= t).count()
        );
        // A threshold in fit equals filtering afterwards.
        if m.name() != "representativity" && (m != RuleMetric::Lift || t.is_finite()) {
            let direct = AssociationRules::new().min_metric(m, t).fit(&sets).unwrap();
            assert_eq!(direct, kept);
        }
    }
    // Conviction is infinite exactly for rules of confidence 1.
    for r in rules.iter() {
        assert_eq!(r.conviction.is_infinite(), r.confidence >= 1.0);
        assert!((r.representativity - 1.0).abs() == 0.0);
    }
}

#[test]
fn results_round_trip_through_serde_and_persist() {
    use ml_core::persist::{from_bytes, to_bytes};
    let tx = small();
    let sets = Eclat::new(0.05).fit(&tx).unwrap();
    let rules = AssociationRules::new()
        .min_confidence(0.5)
        .fit(&sets)
        .unwrap();
    assert!(rules.iter().any(|r| r.conviction.is_infinite()) || !rules.is_empty());
    let s: FrequentItemsets = serde_json::from_str(&serde_json::to_string(&sets).unwrap()).unwrap();
    assert_eq!(s, sets);
    assert_eq!(
        from_bytes::<FrequentItemsets>(&to_bytes(&sets).unwrap()).unwrap(),
        sets
    );
    // Infinite convictions survive the binary format (JSON has no infinity).
    assert_eq!(
        from_bytes::<Rules>(&to_bytes(&rules).unwrap()).unwrap(),
        rules
    );
    assert_eq!(
        from_bytes::<Transactions>(&to_bytes(&tx).unwrap()).unwrap(),
        tx
    );
    assert!(from_bytes::<Rules>(&to_bytes(&sets).unwrap()).is_err());
    let est: FpGrowth =
        serde_json::from_str(&serde_json::to_string(&FpGrowth::new(3u64).max_len(2)).unwrap())
            .unwrap();
    assert_eq!(
        est.fit(&tx).unwrap(),
        FpGrowth::new(3u64).max_len(2).fit(&tx).unwrap()
    );
}

#[test]
fn blank_lines_are_not_transactions_in_either_format() {
    // The one parsing rule: a line with no item is skipped, whatever the format and the
    // line ending; errors still name physical lines.
    let fimi = Transactions::parse_fimi(b"\n1 2\r\n\n  \t\n2 3\n\n3", "t.dat").unwrap();
    assert_eq!(fimi.len(), 3);
    assert_eq!(fimi.n_entries(), 5);
    let baskets = Transactions::parse_baskets(",,\r\n\na,b\r\n \n,\nb,c,\n\nc").unwrap();
    assert_eq!(baskets.len(), 3);
    assert_eq!(baskets.n_entries(), 5);
    // The same baskets either way, so the same miners' results.
    assert_eq!(
        FpGrowth::new(1u64).fit(&fimi).unwrap().counts_by_len(),
        FpGrowth::new(1u64).fit(&baskets).unwrap().counts_by_len()
    );
    assert!(matches!(
        Transactions::parse_fimi(b"1\n\n\nx\n", "t.dat"),
        Err(Error::Parse { line: 4, .. })
    ));
    // An explicit empty basket is a transaction.
    let explicit = Transactions::from_baskets([vec!["a"], vec![], vec!["a", "b"]]).unwrap();
    assert_eq!(explicit.len(), 3);
    assert_eq!(explicit.get(1), Some(&[][..]));
}

#[test]
fn out_of_range_accessors_are_none() {
    let tx = small();
    let sets = FpGrowth::new(0.1).fit(&tx).unwrap();
    let n = sets.len();
    assert!(sets.get(n - 1).is_some() && sets.get(n).is_none());
    assert!(sets.support(n - 1).is_some() && sets.support(n).is_none());
    assert!(sets.names(n - 1).is_some() && sets.names(n).is_none());
    let rules = AssociationRules::new()
        .min_confidence(0.0)
        .fit(&sets)
        .unwrap();
    let r = rules.len();
    assert!(rules.get(r - 1).is_some() && rules.get(r).is_none());
    assert!(rules.antecedent_names(r).is_none());
    assert!(rules.consequent_names(r).is_none());
    assert_eq!(
        rules.antecedent_names(0).unwrap().len(),
        rules.get(0).unwrap().antecedent.len()
    );
    assert!(tx.get(tx.len()).is_none());
    assert!(tx.item_name(tx.n_items() as u32).is_none());
}
