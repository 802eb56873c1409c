//! `cargo xtask bench`: the side-by-side comparison runner.
//!
//! For every selected workload of `bench/workloads.json` that this library implements
//! (the `ml-bench` registry), it prepares identical inputs, then runs `ml-bench run`
//! and, with `--peers`, `scripts/bench/peers.py run` for each reference implementation,
//! alternating the sides round by round, each in a fresh process. It checks the quality
//! figures (see [`compare`]), then writes `<target>/bench/results.json` (schema below)
//! and `BENCHMARKS.md`. Any failure or disagreement makes it exit non-zero naming the
//! workload, after the reports are written.
//!
//! `results.json` (`schema_version` 1): `header` (dates, mode, threads, repetitions,
//! machine, toolchain, peer versions and BLAS kernels) and `workloads`, one entry per
//! workload: `id`, `family`, `algorithm`, `status` (`ok`, `quality_mismatch`, `failed`,
//! `not_implemented`), `problems`, `ours` and `peers` (the records printed by the two
//! sides, repetitions of all rounds merged), `comparisons` (per peer: time ratios
//! peer/ours per step and each compared figure with its tolerance and verdict),
//! `skipped` (peers named in the workload's `skip`, with the reason, unless
//! `--include-skipped`) and `run_started`.
//!
//! A run restricted with `--only` keeps the entries of the other workloads from the
//! previous results file of the same mode and thread count (marked `carried_over`), so
//! `BENCHMARKS.md` still shows every family after re-running one of them.

pub(crate) mod compare;
mod machine;
mod python;
mod report;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::util::{self, cargo, parse, step, value};
use compare::Tolerance;

const RESULT_TAG: &str = "@@RESULT@@ ";

/// The options of `cargo xtask bench`.
#[derive(Debug, Clone)]
struct Opts {
    only: Vec<String>,
    peers: bool,
    quick: bool,
    reps: usize,
    rounds: usize,
    threads: usize,
    python: Option<PathBuf>,
    timeout: f64,
    quiet_wait: f64,
    include_skipped: bool,
    report_only: bool,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Self, String> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut o = Self {
            only: Vec::new(),
            peers: false,
            quick,
            reps: if quick { 1 } else { 3 },
            rounds: if quick { 1 } else { 2 },
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            python: std::env::var_os("ML_BENCH_PYTHON").map(PathBuf::from),
            timeout: 900.0,
            quiet_wait: if quick { 0.0 } else { 10.0 },
            include_skipped: false,
            report_only: false,
        };
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "--quick" => {}
                "--peers" => o.peers = true,
                "--include-skipped" => o.include_skipped = true,
                "--report-only" => o.report_only = true,
                "--only" => o.only.push(value(args, &mut i, "--only")?.to_string()),
                "--reps" => o.reps = parse(args, &mut i, "--reps")?,
                "--rounds" => o.rounds = parse(args, &mut i, "--rounds")?,
                "--threads" => o.threads = parse(args, &mut i, "--threads")?,
                "--python" => o.python = Some(value(args, &mut i, "--python")?.into()),
                "--timeout" => o.timeout = parse(args, &mut i, "--timeout")?,
                "--quiet-wait" => o.quiet_wait = parse(args, &mut i, "--quiet-wait")?,
                other => return Err(format!("unknown option `{other}`")),
            }
            i += 1;
        }
        if o.reps == 0 || o.rounds == 0 || o.threads == 0 {
            return Err("--reps, --rounds and --threads must be at least 1".into());
        }
        Ok(o)
    }
}

/// `*` matches any run of characters; a pattern without `*` matches as a substring.
fn matches(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return id.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !id.starts_with(first) || id.len() < first.len() + last.len() || !id.ends_with(last) {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(k) => rest = &rest[k + p.len()..],
            None => return false,
        }
    }
    true
}

/// Runs the comparison.
///
/// # Errors
/// Bad options, a failed build, or any workload that failed or disagreed (named).
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let o = Opts::parse(args)?;
    let started = machine::now_utc();
    let t0 = Instant::now();
    let root = util::root();
    let out_dir = util::target_dir()?.join("bench");
    let inputs_dir = out_dir.join("inputs");
    std::fs::create_dir_all(&inputs_dir).map_err(|e| format!("{}: {e}", inputs_dir.display()))?;
    let spec_path = root.join("bench/workloads.json");
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(&spec_path)
            .map_err(|e| format!("{}: {e}", spec_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", spec_path.display()))?;

    if o.report_only {
        return rewrite_report(&out_dir, &root, &spec);
    }

    step(
        "build ml-bench (release)",
        cargo().args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "ml-benches",
            "--bin",
            "ml-bench",
        ]),
    )?;
    let ml_bench = util::target_dir()?.join("release/ml-bench");
    let implemented = list_implemented(&ml_bench)?;

    let python = if o.peers {
        Some(python::ensure(&root, &out_dir, o.python.as_deref())?)
    } else {
        None
    };

    let selected: Vec<&Value> = spec["workloads"]
        .as_array()
        .ok_or("workloads.json has no workloads")?
        .iter()
        .filter(|w| {
            let id = w["id"].as_str().unwrap_or_default();
            o.only.is_empty() || o.only.iter().any(|p| matches(p, id))
        })
        .collect();
    if selected.is_empty() {
        return Err(format!("no workload matches {:?}", o.only));
    }
    let n_run = selected
        .iter()
        .filter(|w| implemented.iter().any(|i| w["id"] == i.as_str()))
        .count();
    println!(
        "bench: {n_run} implemented of {} selected workloads; {} mode; threads {}; {} round(s) x {} rep(s){}",
        selected.len(),
        if o.quick { "quick" } else { "full" },
        o.threads,
        o.rounds,
        o.reps,
        if o.peers {
            "; with peers"
        } else {
            "; ours only (add --peers to compare)"
        }
    );

    let mut waiter = machine::QuietWaiter::new(o.quiet_wait);
    let mut results = Vec::new();
    for w in &selected {
        let id = w["id"].as_str().unwrap_or_default();
        let mut entry = Map::new();
        entry.insert("id".into(), json!(id));
        entry.insert("family".into(), w["family"].clone());
        entry.insert("algorithm".into(), w["algorithm"].clone());
        entry.insert("implementations".into(), w["implementations"].clone());
        entry.insert("run_started".into(), json!(started));
        if !implemented.iter().any(|i| i == id) {
            entry.insert("status".into(), json!("not_implemented"));
            results.push(Value::Object(entry));
            continue;
        }
        println!("--- {id}");
        let outcome = run_workload(
            w,
            &o,
            &ml_bench,
            python.as_deref(),
            &root,
            &inputs_dir,
            &mut waiter,
        );
        entry.extend(outcome);
        println!("    {}", report::one_line(&Value::Object(entry.clone())));
        results.push(Value::Object(entry));
    }

    let mut header = Map::new();
    header.insert("schema_version".into(), json!(1));
    header.insert("generator".into(), json!("cargo xtask bench"));
    header.insert("args".into(), json!(args));
    header.insert("started".into(), json!(started));
    header.insert("finished".into(), json!(machine::now_utc()));
    header.insert("total_wall_s".into(), json!(t0.elapsed().as_secs_f64()));
    header.insert("mode".into(), json!(if o.quick { "quick" } else { "full" }));
    header.insert("peers".into(), json!(o.peers));
    header.insert("threads".into(), json!(o.threads));
    header.insert("reps".into(), json!(o.reps));
    header.insert("rounds".into(), json!(o.rounds));
    header.insert("machine".into(), machine::info());
    header.insert("toolchain".into(), machine::toolchain());
    header.insert(
        "removed_env_for_peers".into(),
        json!(
            python::BAD_ENV
                .iter()
                .filter(|k| std::env::var_os(k).is_some())
                .collect::<Vec<_>>()
        ),
    );
    let json_path = out_dir.join(if o.quick {
        "results-quick.json"
    } else {
        "results.json"
    });
    let fresh: Vec<String> = results
        .iter()
        .filter_map(|w| w["id"].as_str().map(String::from))
        .collect();
    if !o.only.is_empty() {
        let carried = carry_over(&json_path, &spec, &fresh, o.threads, &mut results);
        if carried > 0 {
            println!(
                "bench: kept {carried} other workload(s) from the previous {}",
                json_path.display()
            );
        }
        header.insert("carried_over".into(), json!(carried));
    }
    let doc = json!({"header": Value::Object(header), "workloads": results});
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    )
    .map_err(|e| format!("{}: {e}", json_path.display()))?;
    println!("wrote {}", json_path.display());
    if !o.quick {
        let md = root.join("BENCHMARKS.md");
        std::fs::write(&md, report::markdown(&doc, &spec))
            .map_err(|e| format!("{}: {e}", md.display()))?;
        println!("wrote {}", md.display());
    }

    let bad: Vec<String> = doc["workloads"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|w| w["carried_over"] != true)
        .filter(|w| !matches!(w["status"].as_str(), Some("ok" | "not_implemented")))
        .map(|w| {
            let problems: Vec<&str> = w["problems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            format!(
                "{} ({}): {}",
                w["id"].as_str().unwrap_or("?"),
                w["status"].as_str().unwrap_or("?"),
                problems.join("; ")
            )
        })
        .collect();
    if bad.is_empty() {
        println!(
            "bench: all {n_run} workloads ok in {:.0} s",
            t0.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        Err(format!(
            "{} workload(s) failed:\n  {}",
            bad.len(),
            bad.join("\n  ")
        ))
    }
}

/// `--report-only`: rewrites `BENCHMARKS.md` from the last `results.json` and the current
/// workload definitions (notes, tolerances), without running anything.
fn rewrite_report(out_dir: &Path, root: &Path, spec: &Value) -> Result<(), String> {
    let path = out_dir.join("results.json");
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let md = root.join("BENCHMARKS.md");
    std::fs::write(&md, report::markdown(&doc, spec))
        .map_err(|e| format!("{}: {e}", md.display()))?;
    println!("wrote {} from {}", md.display(), path.display());
    Ok(())
}

/// Adds to `results` the entries of the previous results file at `path` for workloads
/// not run now (`fresh`), if that run used the same thread count; entries end up in the
/// order of `bench/workloads.json`. Returns how many were kept.
fn carry_over(
    path: &Path,
    spec: &Value,
    fresh: &[String],
    threads: usize,
    results: &mut Vec<Value>,
) -> usize {
    let Some(prev) = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    else {
        return 0;
    };
    if prev["header"]["threads"].as_u64() != Some(threads as u64) {
        println!(
            "bench: not keeping the other workloads of {}: it used {} threads",
            path.display(),
            prev["header"]["threads"]
        );
        return 0;
    }
    let mut carried = 0;
    for w in prev["workloads"].as_array().into_iter().flatten() {
        let Some(id) = w["id"].as_str() else { continue };
        let defined = spec["workloads"]
            .as_array()
            .is_some_and(|ws| ws.iter().any(|d| d["id"] == id));
        if fresh.iter().any(|f| f == id) || !defined || w["status"] == "not_implemented" {
            continue;
        }
        let mut w = w.clone();
        w["carried_over"] = json!(true);
        if w["run_started"].is_null() {
            w["run_started"] = prev["header"]["started"].clone();
        }
        results.push(w);
        carried += 1;
    }
    let order = |id: &Value| {
        spec["workloads"]
            .as_array()
            .and_then(|ws| ws.iter().position(|d| d["id"] == *id))
            .unwrap_or(usize::MAX)
    };
    results.sort_by_key(|w| order(&w["id"]));
    carried
}

fn list_implemented(ml_bench: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(ml_bench)
        .args(["list", "--json"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", ml_bench.display()))?;
    if !out.status.success() {
        return Err(format!(
            "ml-bench list failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("ml-bench list: {e}"))
}

/// Prepares inputs, runs both sides for every round and checks the figures; returns
/// the fields `status`, `problems`, `ours`, `peers`, `comparisons` of the entry.
fn run_workload(
    w: &Value,
    o: &Opts,
    ml_bench: &Path,
    python: Option<&Path>,
    root: &Path,
    inputs_dir: &Path,
    waiter: &mut machine::QuietWaiter,
) -> Map<String, Value> {
    let id = w["id"].as_str().unwrap_or_default();
    let mut out = Map::new();
    let mut problems: Vec<String> = Vec::new();
    let quick_flag: &[&str] = if o.quick { &["--quick"] } else { &[] };
    let inputs = inputs_dir.to_string_lossy().to_string();
    let peers_py = root.join("scripts/bench/peers.py");

    // Inputs: the Rust side writes its own data sets and the Python side writes
    // scikit-learn's; each `prepare` is a no-op for data sets it does not make.
    let mut prep = Command::new(ml_bench);
    prep.args(["prepare", id, "--inputs", &inputs])
        .args(quick_flag);
    let mut prepared = quiet_step(&mut prep);
    if prepared.is_ok()
        && let Some(py) = python
    {
        let mut c = python::command(py, &peers_py, o.threads);
        c.args(["prepare", id, "--inputs", &inputs])
            .args(quick_flag);
        prepared = quiet_step(&mut c);
    }
    if let Err(e) = prepared {
        problems.push(format!("preparing inputs failed: {e}"));
        out.insert("status".into(), json!("failed"));
        out.insert("problems".into(), json!(problems));
        return out;
    }

    // Peers named in `skip` (out of memory, or too slow for a default run) are not run,
    // and the report says why, unless --include-skipped.
    let mut skipped = Map::new();
    let peer_impls: Vec<String> = if python.is_some() {
        w["implementations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .filter(|i| match w["skip"].get(i) {
                Some(reason) if !o.include_skipped => {
                    skipped.insert(i.clone(), reason.clone());
                    false
                }
                _ => true,
            })
            .collect()
    } else {
        Vec::new()
    };
    out.insert("skipped".into(), Value::Object(skipped));
    let reps = o.reps.to_string();
    let threads = o.threads.to_string();
    let mut ours_runs = Vec::new();
    let mut peer_runs: Vec<Vec<Value>> = vec![Vec::new(); peer_impls.len()];
    for round in 0..o.rounds {
        // Alternate who goes first, so a drift of the machine's speed during the run
        // does not always favour the same side.
        let mut order: Vec<Option<usize>> = std::iter::once(None)
            .chain((0..peer_impls.len()).map(Some))
            .collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for side in order {
            waiter.wait();
            match side {
                None => {
                    let mut c = Command::new(ml_bench);
                    c.args(["run", id, "--inputs", &inputs, "--reps", &reps])
                        .args(quick_flag)
                        .env("RAYON_NUM_THREADS", &threads);
                    ours_runs.push(run_child(&mut c, o.timeout, id, "ml"));
                }
                Some(k) => {
                    let py = python.unwrap_or(Path::new("python3"));
                    let mut c = python::command(py, &peers_py, o.threads);
                    c.args(["run", id, "--impl", &peer_impls[k], "--inputs", &inputs])
                        .args(["--reps", &reps, "--threads", &threads])
                        .args(quick_flag);
                    peer_runs[k].push(run_child(&mut c, o.timeout, id, &peer_impls[k]));
                }
            }
        }
    }
    let ours = merge_rounds(ours_runs);
    let peers: Vec<Value> = peer_runs.into_iter().map(merge_rounds).collect();

    // Checks.
    let ok = |r: &Value| r["status"] == "ok";
    if !ok(&ours) {
        problems.push(format!(
            "ours failed: {}",
            ours["error"].as_str().unwrap_or("?")
        ));
    }
    for p in peers.iter().filter(|p| !ok(p)) {
        problems.push(format!(
            "peer {} failed: {}",
            p["implementation"].as_str().unwrap_or("?"),
            p["error"].as_str().unwrap_or("?")
        ));
    }
    let mut mismatch = false;
    let compare_spec = w["compare"].as_object().cloned().unwrap_or_default();
    if ok(&ours) {
        for key in compare_spec.keys() {
            if !compare::is_finite_figure(&ours["quality"][key]) {
                problems.push(format!("ours: figure {key} missing or not finite"));
                mismatch = true;
            }
        }
    }
    let mut comparisons = Vec::new();
    for p in peers.iter().filter(|p| ok(p) && ok(&ours)) {
        let name = p["implementation"].as_str().unwrap_or("?");
        // A peer computing something slightly different (another algorithm's noise, an
        // approximate tree) is held to its own figures, named per implementation.
        let spec = w["compare_by_implementation"][name]
            .as_object()
            .cloned()
            .unwrap_or_else(|| compare_spec.clone());
        let mut figs = Map::new();
        for (key, tol) in &spec {
            let verdict = Tolerance::parse(tol)
                .and_then(|t| compare::agree(&ours["quality"][key], &p["quality"][key], &t));
            if let Err(e) = &verdict {
                problems.push(format!("{key} disagrees with {name}: {e}"));
                mismatch = true;
            }
            figs.insert(
                key.clone(),
                json!({"ours": ours["quality"][key], "peer": p["quality"][key], "tolerance": tol,
                       "ok": verdict.is_ok(), "detail": verdict.err()}),
            );
        }
        let mut ratios = Map::new();
        for (step, ps) in report::paired_steps(&ours, p) {
            if let (Some(a), Some(b)) = (step["wall_median"].as_f64(), ps["wall_median"].as_f64())
                && a > 0.0
            {
                ratios.insert(
                    step["name"].as_str().unwrap_or("?").to_string(),
                    json!(b / a),
                );
            }
        }
        comparisons.push(json!({"peer": name, "ratios_peer_over_ours": ratios, "figures": figs}));
    }
    // `expect` ranges hold at full size only.
    if !o.quick
        && let Some(exp) = w["expect"].as_object()
    {
        for side in std::iter::once(&ours).chain(&peers).filter(|r| ok(r)) {
            for (key, range) in exp {
                let v = &side["quality"][key];
                if !v.is_null() && !compare::in_range(v, range) {
                    problems.push(format!(
                        "{} {key} = {v} outside expected {range}",
                        side["implementation"].as_str().unwrap_or("?")
                    ));
                    mismatch = true;
                }
            }
        }
    }
    let status = if !ok(&ours) || peers.iter().any(|p| !ok(p)) {
        "failed"
    } else if mismatch {
        "quality_mismatch"
    } else {
        "ok"
    };
    out.insert("status".into(), json!(status));
    out.insert("problems".into(), json!(problems));
    out.insert("ours".into(), ours);
    out.insert("peers".into(), json!(peers));
    out.insert("comparisons".into(), json!(comparisons));
    out
}

/// Runs a short helper command, its output shown only on failure.
fn quiet_step(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", util::describe(cmd)))?;
    if out.status.success() {
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            println!("    {line}");
        }
        Ok(())
    } else {
        Err(format!(
            "{} exited with {}: {}{}",
            util::describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs one side in a fresh process with a time limit and returns its record (or a
/// `failed` record saying what happened).
fn run_child(cmd: &mut Command, timeout_s: f64, id: &str, implementation: &str) -> Value {
    let failed = |msg: String| {
        json!({"schema": 1, "workload": id, "implementation": implementation,
               "status": "failed", "error": msg})
    };
    let t0 = Instant::now();
    let mut child = match cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot start {}: {e}", util::describe(cmd))),
    };
    let mut so = child.stdout.take();
    let mut se = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = so.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = se.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if t0.elapsed().as_secs_f64() > timeout_s => {
                // Only our own child, by its handle.
                let _ = child.kill();
                timed_out = true;
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => break None,
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let tail = |s: &str| s[s.len().saturating_sub(2000)..].to_string();
    if timed_out {
        return failed(format!("killed after the {timeout_s} s timeout"));
    }
    let rec = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(RESULT_TAG))
        .and_then(|l| serde_json::from_str::<Value>(l).ok());
    let mut rec = rec.unwrap_or_else(|| {
        failed(format!(
            "exited ({}) without a result record; stderr: {}",
            status.map_or("?".into(), |s| s.to_string()),
            tail(&stderr)
        ))
    });
    rec["child_wall_s"] = json!(t0.elapsed().as_secs_f64());
    if rec["status"] != "ok" && !stderr.is_empty() {
        rec["stderr_tail"] = json!(tail(&stderr));
    }
    rec
}

/// One record from the records of several rounds: repetitions concatenated, medians,
/// minima and maxima over all of them, worst peak memory and contention. The quality
/// figures are those of the first round (every round computes them).
fn merge_rounds(runs: Vec<Value>) -> Value {
    let Some(first_ok) = runs.iter().position(|r| r["status"] == "ok") else {
        return runs.into_iter().next().unwrap_or(Value::Null);
    };
    if let Some(bad) = runs.iter().find(|r| r["status"] != "ok") {
        // A side that fails in any round failed.
        return bad.clone();
    }
    let mut merged = runs[first_ok].clone();
    let mut steps = Vec::new();
    for (k, st) in runs[first_ok]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let all = |f: &str| -> Vec<f64> {
            runs.iter()
                .filter_map(|r| r["steps"].get(k))
                .flat_map(|s| s[f].as_array().cloned().unwrap_or_default())
                .filter_map(|v| v.as_f64())
                .collect()
        };
        let worst = |f: &str| -> Value {
            runs.iter()
                .filter_map(|r| r["steps"].get(k)?[f].as_f64())
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
                .map_or(Value::Null, |v| json!(v))
        };
        let walls = all("wall_all");
        let cpus = all("cpu_all");
        let mut s = st.clone();
        s["wall_all"] = json!(walls);
        s["cpu_all"] = json!(cpus);
        s["wall_median"] = json!(median(&walls));
        s["wall_min"] = json!(walls.iter().copied().fold(f64::INFINITY, f64::min));
        s["wall_max"] = json!(walls.iter().copied().fold(0.0, f64::max));
        s["cpu_median"] = json!(median(&cpus));
        s["reps"] = json!(walls.len());
        s["number"] = json!(
            runs.iter()
                .filter_map(|r| r["steps"].get(k)?["number"].as_u64())
                .collect::<Vec<_>>()
        );
        s["peak_rss_mb"] = worst("peak_rss_mb");
        s["foreign_cores"] = worst("foreign_cores");
        steps.push(s);
    }
    merged["steps"] = json!(steps);
    merged["rounds"] = json!(runs.len());
    merged
}

fn median(v: &[f64]) -> Option<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(s[n / 2]),
        _ => Some(0.5 * (s[n / 2 - 1] + s[n / 2])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches("kmeans*", "kmeans_iris"));
        assert!(!matches("kmeans*", "minibatch_kmeans_blobs16"));
        assert!(matches("*kmeans*", "minibatch_kmeans_blobs16"));
        assert!(matches("fim_*_s0.01", "fim_groceries_s0.01"));
        assert!(!matches("fim_*_s0.01", "fim_groceries_s0.002"));
        assert!(matches("rsvd", "rsvd_dense_100k_100_k10"));
    }

    #[test]
    fn rounds_merge() {
        let r = |w: f64| {
            json!({"status": "ok", "quality": {"a": 1},
                   "steps": [{"name": "fit", "wall_all": [w, w], "cpu_all": [w, w], "number": 1,
                              "peak_rss_mb": w * 10.0, "foreign_cores": 0.1}]})
        };
        let m = merge_rounds(vec![r(1.0), r(3.0)]);
        assert_eq!(m["steps"][0]["reps"], 4);
        assert_eq!(m["steps"][0]["wall_median"], 2.0);
        assert_eq!(m["steps"][0]["wall_max"], 3.0);
        assert_eq!(m["steps"][0]["peak_rss_mb"], 30.0);
        let bad = json!({"status": "failed", "error": "x"});
        assert_eq!(merge_rounds(vec![r(1.0), bad.clone()]), bad);
    }
}
