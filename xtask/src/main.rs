//! Project automation, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! ```text
//! cargo xtask ci                          fmt, clippy, tests, docs, cargo-deny, bench smoke
//! cargo xtask proptest [--cases N] [--all]
//! cargo xtask bench [--only PATTERN]... [--peers] [--quick] [--reps N] [--rounds N]
//!                   [--threads N] [--python PATH] [--timeout S] [--quiet-wait S]
//! cargo xtask release [--dry-run]
//! ```
//!
//! Plain `std` plus `serde_json`: everything else is a child `cargo` or `python`.

mod bench;
mod ci;
mod proptest;
mod release;
mod tidy;
mod util;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <ci | proptest [--cases N] [--all] | \
bench [--only PATTERN] [--peers] [--quick] [--reps N] [--rounds N] [--threads N] [--python PATH] \
[--timeout S] [--quiet-wait S] | release [--dry-run]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match cmd.as_str() {
        "ci" => ci::run(rest),
        "proptest" => proptest::run(rest),
        "bench" => bench::run(rest),
        "release" => release::run(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {cmd}: error: {e}");
            ExitCode::FAILURE
        }
    }
}
