//! Helpers shared by the commands: the workspace's paths, running child processes with
//! a printed, timed step name, and small argument parsing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

/// The workspace root (the parent of `xtask/`).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The cargo that runs us (so toolchain overrides are honoured), or `cargo`.
pub(crate) fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

/// `cargo metadata --no-deps` of the workspace, read once.
pub(crate) fn metadata() -> Result<&'static Value, String> {
    static META: OnceLock<Result<Value, String>> = OnceLock::new();
    META.get_or_init(|| {
        let out = cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR` and config).
pub(crate) fn target_dir() -> Result<PathBuf, String> {
    metadata()?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".into())
}

/// Runs `cmd` as the step `name`: prints the name and command, then the elapsed time.
///
/// # Errors
/// The command could not start or exited unsuccessfully; the message names the step.
pub(crate) fn step(name: &str, cmd: &mut Command) -> Result<(), String> {
    println!("==> {name}: {}", describe(cmd));
    let t = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("step `{name}` could not start: {e}"))?;
    let secs = t.elapsed().as_secs_f64();
    if status.success() {
        println!("<== {name}: ok ({secs:.1} s)");
        Ok(())
    } else {
        Err(format!("step `{name}` failed ({status}) after {secs:.1} s"))
    }
}

/// The command line of `cmd`, for messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = String::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            s.push_str(&format!("{}={} ", k.to_string_lossy(), v.to_string_lossy()));
        }
    }
    s.push_str(&cmd.get_program().to_string_lossy());
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// The value following option `flag` at position `*i` (advancing `*i`).
///
/// # Errors
/// No value follows.
pub(crate) fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i)
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value"))
}

/// Parses the value of option `flag`.
///
/// # Errors
/// Missing or unparsable value.
pub(crate) fn parse<T: std::str::FromStr>(
    args: &[String],
    i: &mut usize,
    flag: &str,
) -> Result<T, String> {
    let v = value(args, i, flag)?;
    v.parse().map_err(|_| format!("{flag}: cannot parse `{v}`"))
}
