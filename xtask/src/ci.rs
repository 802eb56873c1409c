//! `cargo xtask ci`: the checks CI runs, in order, stopping at the first failure.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{cargo, step};

/// The cargo-deny release CI installs when it is missing.
const CARGO_DENY_VERSION: &str = "0.20.2";

/// Runs fmt, clippy, tests, the tour, docs, cargo-deny (installing it when missing) and
/// the bench smoke mode.
///
/// # Errors
/// The first failing step, by name.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("ci takes no arguments (got `{a}`)"));
    }
    let t = Instant::now();
    step("fmt", cargo().args(["fmt", "--all", "--", "--check"]))?;
    step(
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "test",
        cargo().args(["test", "--workspace", "--all-features"]),
    )?;
    // The README's main job must keep working: run the tour in the dev profile with the
    // test step's feature set, so it reuses that build instead of compiling again.
    step(
        "tour",
        cargo().args([
            "run",
            "--quiet",
            "--all-features",
            "-p",
            "ml-facade",
            "--example",
            "tour",
        ]),
    )?;
    step(
        "doc",
        cargo().env("RUSTDOCFLAGS", "-D warnings").args([
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
        ]),
    )?;
    if !deny_installed() {
        // Pinned and `--locked`, so every machine checks with the same rules; installed
        // once into cargo's bin directory and reused by later runs.
        step(
            "install-deny",
            cargo().args([
                "install",
                "cargo-deny",
                "--version",
                CARGO_DENY_VERSION,
                "--locked",
            ]),
        )?;
    }
    // `advisories` is not run: it needs the RustSec database over the network, which
    // these machines do not reach. Licences, bans and sources are checked offline.
    step(
        "deny",
        cargo().args(["deny", "check", "licenses", "bans", "sources"]),
    )?;
    println!("==> bench-smoke: cargo xtask bench --quick");
    let ts = Instant::now();
    crate::bench::run(&["--quick".to_string()])
        .map_err(|e| format!("step `bench-smoke` failed: {e}"))?;
    println!("<== bench-smoke: ok ({:.1} s)", ts.elapsed().as_secs_f64());
    println!("ci: all steps passed in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

fn deny_installed() -> bool {
    cargo()
        .args(["deny", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        || Command::new("cargo-deny")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}
