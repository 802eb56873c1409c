//! FP-growth on data shaped to exercise its shortcuts: items that always occur together
//! (perfect extensions, with and without a length cap), bases over more items than the
//! dense counting path handles, and a single-path database. The other miners are the
//! reference.

mod common;

use ml_assoc::{Apriori, Eclat, FpGrowth, Transactions};

/// Baskets over `m` items where the items of each group of `group` consecutive ids above
/// `m / 2` always come together, plus independent noise items below `m / 2`.
fn grouped_baskets(n: usize, m: usize, group: usize, seed: u64) -> Vec<Vec<String>> {
    let mut r = common::Lcg(seed);
    let half = m / 2;
    (0..n)
        .map(|_| {
            let mut b: Vec<String> = Vec::new();
            for _ in 0..3 {
                let g = half + group * r.below((m - half) / group);
                b.extend((g..g + group).map(|j| format!("g{j}")));
            }
            for _ in 0..1 + r.below(6) {
                let u = r.unit();
                b.push(format!("n{}", (u * u * half as f64) as usize));
            }
            b
        })
        .collect()
}

#[test]
fn perfect_extensions_match_eclat_and_apriori_at_every_length() {
    let tx = Transactions::from_baskets(grouped_baskets(400, 40, 4, 7)).unwrap();
    for min in [6u64, 20] {
        let full = FpGrowth::new(min).fit(&tx).unwrap();
        assert_eq!(full, Eclat::new(min).fit(&tx).unwrap(), "min {min}");
        for max_len in [1, 2, 3, 5, 8] {
            let fp = FpGrowth::new(min).max_len(max_len).fit(&tx).unwrap();
            assert_eq!(
                fp,
                Apriori::new(min).max_len(max_len).fit(&tx).unwrap(),
                "min {min} max_len {max_len}"
            );
            assert!(fp.iter().all(|s| s.items.len() <= max_len));
        }
    }
}

#[test]
fn many_items_match_eclat() {
    // More than 256 frequent items, so conditional bases are counted sparsely.
    let tx = Transactions::from_baskets(grouped_baskets(3000, 1200, 3, 11)).unwrap();
    for min in [2u64, 4] {
        let fp = FpGrowth::new(min).fit(&tx).unwrap();
        assert_eq!(fp, Eclat::new(min).fit(&tx).unwrap(), "min {min}");
        assert_eq!(
            FpGrowth::new(min).max_len(2).fit(&tx).unwrap(),
            Eclat::new(min).max_len(2).fit(&tx).unwrap(),
            "min {min}"
        );
    }
}

#[test]
fn nested_baskets_form_a_single_path() {
    // Basket k holds items 0..=k: the prefix tree is one path.
    let baskets: Vec<Vec<String>> = (0..12)
        .map(|k| (0..=k).map(|j| format!("i{j}")).collect())
        .collect();
    let tx = Transactions::from_baskets(baskets).unwrap();
    for min in [1u64, 3, 12] {
        for max_len in [2usize, 5, 12] {
            assert_eq!(
                FpGrowth::new(min).max_len(max_len).fit(&tx).unwrap(),
                Eclat::new(min).max_len(max_len).fit(&tx).unwrap(),
                "min {min} max_len {max_len}"
            );
        }
    }
}

#[test]
fn groceries_low_support_matches_eclat() {
    let tx = common::groceries();
    let fp = FpGrowth::new(0.001).fit(&tx).unwrap();
    assert_eq!(fp.len(), 13492);
    assert_eq!(fp, Eclat::new(0.001).fit(&tx).unwrap());
    assert_eq!(
        FpGrowth::new(0.001).max_len(3).fit(&tx).unwrap(),
        Eclat::new(0.001).max_len(3).fit(&tx).unwrap()
    );
}
