//! Helpers shared by the integration tests: data paths and fixture readers.
#![allow(dead_code)]

use std::path::PathBuf;

use ml_assoc::Transactions;

pub(crate) fn datasets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

pub(crate) fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub(crate) fn groceries() -> Transactions {
    Transactions::read_baskets(datasets().join("groceries.csv")).expect("groceries.csv")
}

pub(crate) fn retail() -> Transactions {
    Transactions::read_fimi(datasets().join("retail.dat")).expect("retail.dat")
}

/// An itemset fixture (`count<TAB>item<TAB>item...`) as sorted (names, count) pairs.
pub(crate) fn itemsets(name: &str) -> Vec<(Vec<String>, u64)> {
    let mut v: Vec<(Vec<String>, u64)> = fixture(name)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let count = f.next().unwrap().parse().unwrap();
            let mut items: Vec<String> = f.map(str::to_owned).collect();
            items.sort();
            (items, count)
        })
        .collect();
    v.sort();
    v
}

/// A small deterministic generator, so property tests can derive data from one seed.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        x ^ (x >> 33)
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Random baskets: `n` baskets over `m` items named `i0..`, each item present with a
/// probability that falls with its index (so supports differ), scaled by `density`.
pub(crate) fn random_baskets(n: usize, m: usize, density: f64, seed: u64) -> Vec<Vec<String>> {
    let mut r = Lcg(seed);
    (0..n)
        .map(|_| {
            (0..m)
                .filter(|&j| r.unit() < density * (1.0 - 0.5 * j as f64 / m as f64))
                .map(|j| format!("i{j}"))
                .collect()
        })
        .collect()
}
