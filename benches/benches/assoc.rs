//! Criterion benches of `ml_assoc`: the three frequent-itemset miners and the closed-set
//! miner on the workloads of the side-by-side comparison (retail at 0.1 % and 0.05 %,
//! groceries at 0.1 %), and rule generation on groceries at 1 % / confidence 0.3.
//!
//! The data sets are read from the repository's `datasets/` (not timed).

use criterion::{Criterion, criterion_main};
use ml_assoc::{Apriori, AssociationRules, ClosedItemsets, Eclat, FpGrowth, Transactions};
use std::hint::black_box;
use std::time::Duration;

fn datasets() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../datasets")
}

fn miners(c: &mut Criterion) {
    let retail = Transactions::read_fimi(datasets().join("retail.dat")).expect("retail.dat");
    let groceries =
        Transactions::read_baskets(datasets().join("groceries.csv")).expect("groceries.csv");
    let workloads = [
        ("retail_s0.001", &retail, 0.001),
        ("retail_s0.0005", &retail, 0.0005),
        ("groceries_s0.001", &groceries, 0.001),
    ];
    for (name, tx, s) in workloads {
        let mut g = c.benchmark_group(format!("fim_{name}"));
        g.sample_size(10).measurement_time(Duration::from_secs(5));
        g.bench_function("fpgrowth", |b| {
            b.iter(|| black_box(FpGrowth::new(s).fit(tx).unwrap()))
        });
        g.bench_function("eclat", |b| {
            b.iter(|| black_box(Eclat::new(s).fit(tx).unwrap()))
        });
        g.bench_function("apriori", |b| {
            b.iter(|| black_box(Apriori::new(s).fit(tx).unwrap()))
        });
        g.bench_function("closed", |b| {
            b.iter(|| black_box(ClosedItemsets::new(s).fit(tx).unwrap()))
        });
        g.finish();
    }
    let sets = FpGrowth::new(0.01).fit(&groceries).unwrap();
    let mut g = c.benchmark_group("rules_groceries_s0.01");
    g.bench_function("confidence_0.3", |b| {
        b.iter(|| {
            black_box(
                AssociationRules::new()
                    .min_confidence(0.3)
                    .fit(&sets)
                    .unwrap(),
            )
        })
    });
    g.finish();
}

/// Runs every group with short warm-up times (2-core CI machines).
fn benches() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .configure_from_args();
    miners(&mut c);
}

criterion_main!(benches);
