//! Times one miner on one data set, as `scripts/refdata/assoc.py bench` times mlxtend and
//! pyfim: loading is not timed, mining (with its output) is.
//!
//! `cargo run --release -p ml-assoc --example fim_timing -- retail 0.001 fpgrowth 5`
//! prints the median and minimum seconds and the number of itemsets. Run it under
//! `/usr/bin/time -f %M` for the peak memory.

use std::time::Instant;

use ml_assoc::{Apriori, ClosedItemsets, Eclat, FpGrowth, MaximalItemsets, Transactions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err("usage: fim_timing <groceries|retail> <min_support> <fpgrowth|eclat|apriori|closed|maximal> [reps]".into());
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/");
    let t0 = Instant::now();
    let tx = match args[0].as_str() {
        "groceries" => Transactions::read_baskets(format!("{root}groceries.csv"))?,
        "retail" => Transactions::read_fimi(format!("{root}retail.dat"))?,
        other => Transactions::read_fimi(other)?,
    };
    let load = t0.elapsed().as_secs_f64();
    let s: f64 = args[1].parse()?;
    let reps: usize = args.get(3).map_or(Ok(3), |r| r.parse())?;
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let sets = match args[2].as_str() {
            "fpgrowth" => FpGrowth::new(s).fit(&tx)?,
            "eclat" => Eclat::new(s).fit(&tx)?,
            "apriori" => Apriori::new(s).fit(&tx)?,
            "closed" => ClosedItemsets::new(s).fit(&tx)?,
            "maximal" => MaximalItemsets::new(s).fit(&tx)?,
            other => return Err(format!("unknown miner {other}").into()),
        };
        times.push(t.elapsed().as_secs_f64());
        count = sets.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{}\t{}\tml-assoc.{}\tmedian {:.4} s\tmin {:.4} s\titemsets {}\t(load {:.3} s, threads {})",
        args[0],
        s,
        args[2],
        times[times.len() / 2],
        times[0],
        count,
        load,
        rayon::current_num_threads()
    );
    Ok(())
}
