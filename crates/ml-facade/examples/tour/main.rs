//! The tour: every estimator that has landed, run on the bundled real data, with what
//! it did, how well and how fast. Run it with `cargo run --release --example tour`.
//!
//! Each family adds a chapter module here as it lands; a chapter prints its own lines
//! and returns an error instead of panicking, so one failing chapter is reported
//! clearly.

mod association;
mod classification;
mod clustering;
mod decomposition;
mod density;
mod foundation;
mod regression;
mod text;
mod trees;

use std::time::Instant;

fn main() -> Result<(), ml::Error> {
    let start = Instant::now();
    println!("ml tour: classical machine learning on bundled real data");
    println!("threads available: {}\n", available_threads());

    foundation::run()?;
    regression::run()?;
    classification::run()?;
    trees::run()?;
    clustering::run()?;
    density::run()?;
    text::run()?;
    association::run()?;
    decomposition::run()?;

    println!("\ntour finished in {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// The number of hardware threads the parallel kernels can use.
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Times `f`, returning its result and the elapsed seconds.
pub(crate) fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64())
}
