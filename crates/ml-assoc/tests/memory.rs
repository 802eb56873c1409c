//! 100 000 random baskets over 1 000 items at a low threshold: the miners agree and the
//! process's peak memory stays within a bound set by the input and the output, not by
//! items × transactions (which would be 100 MB as bytes, 800 MB as a dense f64 matrix).

mod common;

use ml_assoc::{Apriori, Eclat, FpGrowth, Transactions};

/// Peak resident memory of this process in kB (Linux), if known.
fn peak_rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn large_sparse_data_mines_in_bounded_memory() {
    let mut r = common::Lcg(2024);
    let n = 100_000;
    let m = 1_000u32;
    // About ten items per basket, skewed so that some pairs and triples are frequent.
    let mut baskets: Vec<Vec<u32>> = Vec::with_capacity(n);
    for _ in 0..n {
        let len = 5 + r.below(11);
        let b: Vec<u32> = (0..len)
            .map(|_| {
                let u = r.unit();
                (u * u * f64::from(m)) as u32
            })
            .collect();
        baskets.push(b);
    }
    let tx = Transactions::from_baskets(baskets.iter().map(|b| b.iter().map(|i| i.to_string())))
        .unwrap();
    drop(baskets);
    let min = 0.0005; // 50 baskets
    let fp = FpGrowth::new(min).fit(&tx).unwrap();
    let ec = Eclat::new(min).fit(&tx).unwrap();
    assert_eq!(fp, ec);
    let ap = Apriori::new(min).max_len(3).fit(&tx).unwrap();
    assert_eq!(ap, FpGrowth::new(min).max_len(3).fit(&tx).unwrap());
    let by_len = fp.counts_by_len();
    assert!(by_len.len() >= 3 && by_len[2] > 1000, "{by_len:?}");
    if let Some(kb) = peak_rss_kb() {
        // The input is ~1M entries (4 MB as u32); results are tens of thousands of sets.
        assert!(kb < 400 * 1024, "peak RSS {kb} kB");
    }
}
