//! `cargo xtask release [--dry-run]`: checks the publishable crates agree on the
//! workspace version and have the metadata crates.io needs, that `CHANGELOG.md` has a
//! section for that version, then packages (and without `--dry-run`, publishes) them
//! in dependency order.
//!
//! A dry run cannot fully verify a crate whose `ml-*` dependencies are not on
//! crates.io yet. Cargo (1.90+) packages several workspace crates together against a
//! local overlay of the ones it just packaged, so the whole set is tried first in one
//! `cargo publish --dry-run`; if that fails, each crate is tried on its own, and a crate
//! whose verification needs unpublished workspace crates falls back to
//! `cargo package --no-verify` plus `--list`, which the output says plainly.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use serde_json::Value;

use crate::util::{cargo, describe, metadata, root, step};

/// The order the design fixes; crates not listed follow in dependency order.
const PREFERRED: &[&str] = &[
    "ml-core",
    "ml-supervised",
    "ml-cluster",
    "ml-decomp",
    "ml-assoc",
    "ml-facade",
    "ml-cli",
];

/// Runs the release checks and the (dry-run) publication.
///
/// # Errors
/// A failed check or a failed packaging step.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let dry = match args {
        [] => false,
        [a] if a == "--dry-run" => true,
        _ => return Err("usage: cargo xtask release [--dry-run]".into()),
    };
    let version = workspace_version()?;
    println!("workspace version: {version}");
    let pkgs = publishable()?;
    let mut problems = Vec::new();
    for p in &pkgs {
        let name = p["name"].as_str().unwrap_or("?");
        if p["version"] != version.as_str() {
            problems.push(format!(
                "{name} has version {} (workspace: {version}); use `version.workspace = true`",
                p["version"]
            ));
        }
        for field in ["description", "license", "repository"] {
            if p[field].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name} has no `{field}` (crates.io needs it)"));
            }
        }
    }
    match changelog_has(&version) {
        Ok(true) => println!("CHANGELOG.md: has a section for {version}"),
        Ok(false) => problems.push(format!(
            "CHANGELOG.md has no section for {version} (a heading like `## [{version}] - YYYY-MM-DD`)"
        )),
        Err(e) => problems.push(e),
    }
    if !problems.is_empty() {
        return Err(format!(
            "release checks failed:\n  - {}",
            problems.join("\n  - ")
        ));
    }
    let order = dependency_order(&pkgs)?;
    println!("publish order: {}", order.join(" -> "));

    let mut all = cargo();
    all.args(["publish", "--dry-run", "--allow-dirty"]);
    for n in &order {
        all.args(["-p", n]);
    }
    if step("publish --dry-run (all crates, local overlay)", &mut all).is_err() {
        println!(
            "note: packaging the crates together failed (above); trying each crate on its own"
        );
        dry_run_each(&order)?;
    }
    if dry {
        println!("release --dry-run: all checks passed; nothing was published");
        return Ok(());
    }
    for n in &order {
        // cargo waits until each crate is visible in the index before returning, so the
        // next crate can depend on it.
        step(&format!("publish {n}"), cargo().args(["publish", "-p", n]))?;
    }
    println!("release: published {} crates at {version}", order.len());
    Ok(())
}

fn dry_run_each(order: &[String]) -> Result<(), String> {
    let workspace: BTreeSet<&str> = order.iter().map(String::as_str).collect();
    let deps = local_deps()?;
    for n in order {
        let mut c = cargo();
        c.args(["publish", "--dry-run", "--allow-dirty", "-p", n]);
        if step(&format!("publish --dry-run {n}"), &mut c).is_ok() {
            continue;
        }
        let unpublished: Vec<&str> = deps
            .get(n.as_str())
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|d| workspace.contains(d))
            .collect();
        if unpublished.is_empty() {
            return Err(format!(
                "`{}` failed and {n} depends on no workspace crate: a real problem",
                describe(&c)
            ));
        }
        println!(
            "note: {n} cannot be verified before {} are on crates.io; packaging without \
             verification instead (the file list and manifest are still checked)",
            unpublished.join(", ")
        );
        step(
            &format!("package --list {n}"),
            cargo().args(["package", "--list", "--allow-dirty", "-p", n]),
        )?;
        step(
            &format!("package --no-verify {n}"),
            cargo().args(["package", "--no-verify", "--allow-dirty", "-p", n]),
        )?;
    }
    Ok(())
}

/// `version` of `[workspace.package]` in the root manifest.
fn workspace_version() -> Result<String, String> {
    let text = fs::read_to_string(root().join("Cargo.toml")).map_err(|e| e.to_string())?;
    let mut in_section = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_section = l == "[workspace.package]";
        } else if in_section
            && let Some(v) = l.strip_prefix("version")
            && let Some(v) = v.trim_start().strip_prefix('=')
        {
            return Ok(v.trim().trim_matches('"').to_string());
        }
    }
    Err("no version in [workspace.package] of Cargo.toml".into())
}

fn changelog_has(version: &str) -> Result<bool, String> {
    let path = root().join("CHANGELOG.md");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text.lines().any(|l| {
        l.starts_with('#')
            && (l.contains(&format!("[{version}]"))
                || l.split_whitespace()
                    .any(|w| w.trim_start_matches('v') == version))
    }))
}

/// Workspace packages whose `publish` is not `false`.
fn publishable() -> Result<Vec<Value>, String> {
    Ok(metadata()?["packages"]
        .as_array()
        .into_iter()
        .flatten()
        // cargo metadata: `publish` is null (anywhere) or a list of registries ([] = false).
        .filter(|p| p["publish"].as_array().is_none_or(|r| !r.is_empty()))
        .cloned()
        .collect())
}

/// Path dependencies of each workspace package (normal and build; dev-dependencies
/// are stripped on publication).
fn local_deps() -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    for p in metadata()?["packages"].as_array().into_iter().flatten() {
        let deps = p["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["path"].is_string() && d["kind"] != "dev")
            .filter_map(|d| d["name"].as_str().map(String::from))
            .collect();
        out.insert(p["name"].as_str().unwrap_or_default().to_string(), deps);
    }
    Ok(out)
}

/// A topological order of the publishable crates, ties broken by [`PREFERRED`].
fn dependency_order(pkgs: &[Value]) -> Result<Vec<String>, String> {
    let names: BTreeSet<String> = pkgs
        .iter()
        .filter_map(|p| p["name"].as_str().map(String::from))
        .collect();
    let deps = local_deps()?;
    let rank = |n: &str| PREFERRED.iter().position(|p| *p == n).unwrap_or(usize::MAX);
    let mut order: Vec<String> = Vec::new();
    let mut left: Vec<String> = names.iter().cloned().collect();
    left.sort_by_key(|n| (rank(n), n.clone()));
    while !left.is_empty() {
        let ready = left.iter().position(|n| {
            deps.get(n)
                .into_iter()
                .flatten()
                .all(|d| !names.contains(d) || order.contains(d))
        });
        let Some(i) = ready else {
            return Err(format!("dependency cycle among {}", left.join(", ")));
        };
        order.push(left.remove(i));
    }
    Ok(order)
}
