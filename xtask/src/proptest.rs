//! `cargo xtask proptest`: the property tests with many cases, in release mode.
//!
//! `cargo test` runs every test; to spend the time on property tests only, this finds
//! the source files that use `proptest!` and filters to them: integration test files by
//! `--test <name>`, library modules by their module path.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{cargo, metadata, parse, step};

/// Default number of cases per property.
const DEFAULT_CASES: u32 = 4096;

/// Runs the property tests with `PROPTEST_CASES=N`.
///
/// # Errors
/// Bad arguments or a failing test run.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut cases = DEFAULT_CASES;
    let mut all = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--cases" => cases = parse(args, &mut i, "--cases")?,
            "--all" => all = true,
            other => return Err(format!("unknown option `{other}` (--cases N, --all)")),
        }
        i += 1;
    }
    let cases = cases.to_string();
    if all {
        return step(
            "proptest (whole test suite)",
            cargo().env("PROPTEST_CASES", &cases).args([
                "test",
                "--workspace",
                "--all-features",
                "--release",
            ]),
        );
    }
    let mut ran = 0;
    for pkg in metadata()?["packages"].as_array().into_iter().flatten() {
        let name = pkg["name"].as_str().unwrap_or_default();
        let Some(dir) = pkg["manifest_path"]
            .as_str()
            .and_then(|p| Path::new(p).parent())
        else {
            continue;
        };
        let (modules, tests) = property_sources(dir);
        let has_lib = pkg["targets"].as_array().into_iter().flatten().any(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "lib"))
        });
        if has_lib && !modules.is_empty() {
            let mut c = cargo();
            c.env("PROPTEST_CASES", &cases).args([
                "test",
                "-p",
                name,
                "--all-features",
                "--release",
                "--lib",
                "--",
            ]);
            // An empty module path means lib.rs itself: no filter, the whole library.
            if !modules.iter().any(String::is_empty) {
                c.args(&modules);
            }
            step(
                &format!("proptest {name} (lib: {})", modules.join(" ")),
                &mut c,
            )?;
            ran += 1;
        }
        for t in tests {
            step(
                &format!("proptest {name} (tests/{t}.rs)"),
                cargo().env("PROPTEST_CASES", &cases).args([
                    "test",
                    "-p",
                    name,
                    "--all-features",
                    "--release",
                    "--test",
                    &t,
                ]),
            )?;
            ran += 1;
        }
    }
    if ran == 0 {
        println!("proptest: no source file uses `proptest!` yet; nothing to run");
    }
    Ok(())
}

/// Module paths (`linalg::distance::`) of library files and names of integration test
/// files that contain `proptest!`.
fn property_sources(pkg_dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut modules = Vec::new();
    let src = pkg_dir.join("src");
    for f in rust_files(&src) {
        // Binaries' tests are not in the library test target.
        if !f.starts_with(src.join("bin")) && uses_proptest(&f) {
            modules.push(module_path(&src, &f));
        }
    }
    modules.sort();
    modules.dedup();
    let mut tests = Vec::new();
    if let Ok(rd) = fs::read_dir(pkg_dir.join("tests")) {
        for e in rd.flatten() {
            let p = e.path();
            let file = if p.is_dir() {
                p.join("main.rs")
            } else {
                p.clone()
            };
            let is_test = p.is_dir() || p.extension().is_some_and(|x| x == "rs");
            if is_test
                && (uses_proptest(&file)
                    || p.is_dir() && rust_files(&p).iter().any(|f| uses_proptest(f)))
                && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
            {
                tests.push(stem.to_string());
            }
        }
    }
    tests.sort();
    (modules, tests)
}

/// Whether a file invokes the `proptest!` macro (a mention in prose does not count).
fn uses_proptest(f: &Path) -> bool {
    fs::read_to_string(f).is_ok_and(|s| {
        ["proptest! {", "proptest!{", "proptest!("]
            .iter()
            .any(|m| s.contains(m))
    })
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(rust_files(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// `src/linalg/distance.rs` → `linalg::distance::`; `src/linalg/mod.rs` → `linalg::`;
/// `src/lib.rs` → `` (everything). Binaries under `src/bin` map to their file name,
/// which filters nothing harmful.
fn module_path(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}::", parts.join("::"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths() {
        let src = Path::new("/c/src");
        assert_eq!(module_path(src, Path::new("/c/src/lib.rs")), "");
        assert_eq!(module_path(src, Path::new("/c/src/a/mod.rs")), "a::");
        assert_eq!(module_path(src, Path::new("/c/src/a/b.rs")), "a::b::");
    }
}
