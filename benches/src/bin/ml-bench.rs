//! `ml-bench`: runs one workload of `bench/workloads.json` in this library and prints
//! one JSON record (the schema `scripts/bench/peers.py` prints for the peers).
//!
//! ```text
//! ml-bench list [--json]                          implemented workload ids
//! ml-bench prepare <ID> --inputs DIR [--quick]    write the workload's Rust-made inputs
//! ml-bench run <ID> [--inputs DIR] [--quick] [--reps N]
//! ```
//!
//! `run` without `--inputs` generates the inputs in memory, so the smoke mode needs no
//! files and no Python. The record is the last stdout line, prefixed by `@@RESULT@@ `.

use std::path::PathBuf;
use std::process::ExitCode;

use ml_benches::datasets::{self, Inputs};
use ml_benches::{BoxError, spec, timing, workloads};
use serde_json::{Map, Value, json};

const RESULT_TAG: &str = "@@RESULT@@ ";

#[derive(Debug, Default)]
struct Args {
    command: String,
    id: Option<String>,
    inputs: Option<PathBuf>,
    quick: bool,
    reps: usize,
    json: bool,
}

fn parse_args() -> Result<Args, BoxError> {
    let mut a = Args {
        reps: 3,
        ..Args::default()
    };
    let mut it = std::env::args().skip(1);
    a.command = it.next().ok_or("usage: ml-bench list|prepare|run ...")?;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => a.quick = true,
            "--json" => a.json = true,
            "--reps" => {
                a.reps = it.next().ok_or("--reps needs a value")?.parse()?;
            }
            "--inputs" => a.inputs = Some(it.next().ok_or("--inputs needs a value")?.into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}").into()),
            s if a.id.is_none() => a.id = Some(s.to_string()),
            s => return Err(format!("unexpected argument {s}").into()),
        }
    }
    Ok(a)
}

/// The SIMD level faer's kernels dispatch to at run time on this machine.
fn simd_level() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "x86-64 AVX-512";
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return "x86-64 AVX2+FMA";
        }
        "x86-64 SSE2"
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH
    }
}

fn run(a: &Args, rec: &mut Map<String, Value>) -> Result<(), BoxError> {
    let id = a.id.as_deref().ok_or("run needs a workload id")?;
    let def = spec::workload(id).ok_or_else(|| format!("unknown workload {id}"))?;
    let entry = workloads::find(id).ok_or_else(|| format!("{id} is not implemented yet"))?;
    let dataset = def["dataset"].as_str().ok_or("workload without dataset")?;
    // In quick mode without the Python side nobody wrote scikit-learn's data sets:
    // a Rust stand-in of the same kind keeps the smoke run Python-free.
    let standin = a.quick
        && datasets::has_standin(dataset)
        && a.inputs
            .as_ref()
            .is_none_or(|root| !Inputs::are_current(root, dataset, true));
    let inputs = match &a.inputs {
        _ if standin => Inputs::standin(dataset)?,
        Some(root) => Inputs::load(root, dataset, a.quick)?,
        None => Inputs::generate(dataset, a.quick)?,
    };
    let mut info = Map::new();
    info.insert("inputs".into(), inputs.shapes());
    if standin {
        info.insert("inputs_standin".into(), json!(true));
    }
    let mut case = (entry.prepare)(&inputs, def)?;
    drop(inputs);
    let mut steps = Vec::new();
    for (i, name) in spec::timed_steps(def).iter().enumerate() {
        let t = timing::time_step(a.reps, || case.run(i))?;
        steps.push(t.to_json(name));
    }
    rec.insert("steps".into(), steps.into());
    rec.insert("quality".into(), case.quality()?.into());
    info.extend(case.info());
    rec.insert("info".into(), info.into());
    Ok(())
}

fn main() -> ExitCode {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ml-bench: {e}");
            return ExitCode::from(2);
        }
    };
    match a.command.as_str() {
        "list" => {
            let ids: Vec<&str> = workloads::registry().iter().map(|w| w.id).collect();
            if a.json {
                println!("{}", json!(ids));
            } else {
                ids.iter().for_each(|id| println!("{id}"));
            }
            ExitCode::SUCCESS
        }
        "prepare" => {
            let result = (|| -> Result<String, BoxError> {
                let id = a.id.as_deref().ok_or("prepare needs a workload id")?;
                let root = a.inputs.as_ref().ok_or("prepare needs --inputs DIR")?;
                let def = spec::workload(id).ok_or_else(|| format!("unknown workload {id}"))?;
                let ds = def["dataset"].as_str().ok_or("workload without dataset")?;
                if datasets::is_transactions(ds) {
                    return Ok(format!(
                        "{ds}: both sides read the repository's file in place"
                    ));
                }
                if !datasets::generated_in_rust(ds) {
                    return Ok(format!("{ds}: made by the Python side"));
                }
                if Inputs::are_current(root, ds, a.quick) {
                    return Ok(format!("{ds}: up to date"));
                }
                let dir = Inputs::generate(ds, a.quick)?.write(root)?;
                Ok(format!("{ds}: wrote {}", dir.display()))
            })();
            match result {
                Ok(msg) => {
                    println!("{msg}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("ml-bench prepare: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        "run" => {
            let mut rec = Map::new();
            rec.insert("schema".into(), json!(1));
            rec.insert("workload".into(), json!(a.id));
            rec.insert("implementation".into(), json!("ml"));
            rec.insert("library".into(), json!("ml"));
            rec.insert("library_version".into(), json!(env!("CARGO_PKG_VERSION")));
            rec.insert("quick".into(), json!(a.quick));
            rec.insert("threads".into(), json!(rayon::current_num_threads()));
            rec.insert(
                "blas_kernel".into(),
                json!([format!("faer 0.24 (Rust), {}", simd_level())]),
            );
            let outcome = run(&a, &mut rec);
            if let Err(e) = &outcome {
                rec.insert("error".into(), json!(e.to_string()));
            }
            rec.insert(
                "status".into(),
                json!(if outcome.is_ok() { "ok" } else { "failed" }),
            );
            println!("{RESULT_TAG}{}", Value::Object(rec));
            if outcome.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        other => {
            eprintln!("ml-bench: unknown command {other} (list | prepare | run)");
            ExitCode::from(2)
        }
    }
}
