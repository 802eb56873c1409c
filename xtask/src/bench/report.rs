//! `BENCHMARKS.md`: a table per family (workload, ours, each peer, ratio, peak memory,
//! quality), generated from the results document.

use std::fmt::Write as _;

use serde_json::Value;

/// The families in the order of the tables, with their headings.
const FAMILIES: &[(&str, &str)] = &[
    ("core", "ml-core: numerical kernels"),
    ("supervised", "ml-supervised: regression and classification"),
    ("cluster", "ml-cluster: clustering and nearest neighbours"),
    ("decomp", "ml-decomp: dimensionality reduction"),
    ("assoc", "ml-assoc: frequent itemsets and association rules"),
];

/// Seconds in a readable unit, three significant digits.
pub(crate) fn fmt_s(x: Option<f64>) -> String {
    match x {
        None => "–".into(),
        Some(x) if x >= 100.0 => format!("{x:.0} s"),
        Some(x) if x >= 1.0 => format!("{x:.2} s"),
        Some(x) if x >= 0.1 => format!("{:.0} ms", x * 1e3),
        Some(x) if x >= 0.01 => format!("{:.1} ms", x * 1e3),
        Some(x) if x >= 0.001 => format!("{:.2} ms", x * 1e3),
        Some(x) => format!("{:.1} µs", x * 1e6),
    }
}

fn step_cell(s: &Value) -> String {
    let mark = if s["foreign_cores"].as_f64().is_some_and(|f| f > 0.5) {
        " !"
    } else {
        ""
    };
    format!(
        "{} ({}–{}){mark}",
        fmt_s(s["wall_median"].as_f64()),
        fmt_s(s["wall_min"].as_f64()),
        fmt_s(s["wall_max"].as_f64())
    )
}

/// Our steps paired with the peer's: by name, or the only step with the only step.
pub(crate) fn paired_steps<'a>(ours: &'a Value, peer: &'a Value) -> Vec<(&'a Value, &'a Value)> {
    let os: Vec<&Value> = ours["steps"].as_array().into_iter().flatten().collect();
    let ps: Vec<&Value> = peer["steps"].as_array().into_iter().flatten().collect();
    if os.len() == 1 && ps.len() == 1 {
        return vec![(os[0], ps[0])];
    }
    os.into_iter()
        .filter_map(|o| ps.iter().find(|p| p["name"] == o["name"]).map(|p| (o, *p)))
        .collect()
}

/// Ten significant digits, fixed notation for moderate magnitudes.
fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return v.to_string();
    }
    let mag = v.abs().log10().floor() as i32;
    if (-3..7).contains(&mag) {
        let decimals = (9 - mag).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{v:.9e}")
    }
}

/// A figure for the table: numbers with up to ten significant digits, long arrays
/// shortened to their ends.
pub(crate) fn fmt_figure(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => fmt_num(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(a) if a.len() > 4 => format!(
            "[{}, {}, …, {}] ({} values)",
            fmt_figure(&a[0]),
            fmt_figure(&a[1]),
            fmt_figure(&a[a.len() - 1]),
            a.len()
        ),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(fmt_figure).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// The figures a workload's table row shows: the compared ones, then the expected ones.
fn shown_figures(w: &Value, def: Option<&Value>, record: &Value) -> String {
    let mut keys: Vec<String> = Vec::new();
    if let Some(d) = def {
        for k in d["compare"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .chain(
                d["expect"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k),
            )
        {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let _ = w;
    let q = &record["quality"];
    if keys.is_empty() {
        keys = q
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect();
    }
    keys.iter()
        .filter(|k| !q[k.as_str()].is_null())
        .map(|k| format!("{k} = {}", fmt_figure(&q[k.as_str()])))
        .collect::<Vec<_>>()
        .join("; ")
}

fn peak(s: &Value) -> String {
    s["peak_rss_mb"]
        .as_f64()
        .map_or("–".into(), |m| format!("{m:.0}"))
}

/// A one-line summary of a workload entry, for the console.
pub(crate) fn one_line(w: &Value) -> String {
    let ours = &w["ours"];
    let mut s = format!("{}:", w["status"].as_str().unwrap_or("?"));
    for st in ours["steps"].as_array().into_iter().flatten() {
        let _ = write!(
            s,
            " ours {} {}",
            st["name"].as_str().unwrap_or("?"),
            step_cell(st)
        );
    }
    for c in w["comparisons"].as_array().into_iter().flatten() {
        for (step, r) in c["ratios_peer_over_ours"].as_object().into_iter().flatten() {
            let _ = write!(
                s,
                "; {} {step} ratio {:.2}",
                c["peer"].as_str().unwrap_or("?"),
                r.as_f64().unwrap_or(f64::NAN)
            );
        }
    }
    for p in w["problems"].as_array().into_iter().flatten() {
        let _ = write!(s, "\n    PROBLEM: {}", p.as_str().unwrap_or("?"));
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The whole `BENCHMARKS.md`.
pub(crate) fn markdown(doc: &Value, spec: &Value) -> String {
    let h = &doc["header"];
    let m = &h["machine"];
    let defs: Vec<&Value> = spec["workloads"].as_array().into_iter().flatten().collect();
    let def_of = |id: &str| defs.iter().copied().find(|d| d["id"] == id);
    let ws: Vec<&Value> = doc["workloads"].as_array().into_iter().flatten().collect();
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line("# Benchmarks".into());
    line(String::new());
    line(format!(
        "Generated by `cargo xtask {}` — do not edit by hand; rerun it. The runner, its timing rule \
         and the workloads are described in `scripts/bench/README.md`; the raw figures are in \
         `target/bench/results.json`.",
        h["args"]
            .as_array()
            .map(|a| std::iter::once("bench".to_string())
                .chain(a.iter().filter_map(|x| x.as_str().map(String::from)))
                .collect::<Vec<_>>()
                .join(" "))
            .unwrap_or_else(|| "bench".into())
    ));
    line(String::new());
    line(format!(
        "- run: {} → {} ({:.0} s)",
        h["started"].as_str().unwrap_or("?"),
        h["finished"].as_str().unwrap_or("?"),
        h["total_wall_s"].as_f64().unwrap_or(0.0)
    ));
    line(format!(
        "- machine: {}, {} logical CPUs, {} GB RAM, Linux {}; load average at the end {}",
        m["cpu_model"].as_str().unwrap_or("?"),
        m["logical_cpus"],
        m["mem_total_gb"],
        m["kernel"].as_str().unwrap_or("?"),
        m["loadavg"].as_str().unwrap_or("?")
    ));
    line(format!(
        "- threads: {} on both sides (ours: rayon; peers: OpenMP/OpenBLAS pools and `n_jobs`); \
         {} round(s) of {} repetition(s) per side, the sides alternating",
        h["threads"], h["rounds"], h["reps"]
    ));
    line(format!(
        "- toolchain: {}{}",
        h["toolchain"]["rustc"].as_str().unwrap_or("?"),
        h["toolchain"]["git_commit"]
            .as_str()
            .map(|c| format!(", commit {c}"))
            .unwrap_or_default()
    ));
    let recs = || {
        ws.iter().flat_map(|w| {
            std::iter::once(&w["ours"]).chain(w["peers"].as_array().into_iter().flatten())
        })
    };
    let mut kernels: Vec<String> = recs()
        .flat_map(|r| r["blas_kernel"].as_array().cloned().unwrap_or_default())
        .filter_map(|k| k.as_str().map(String::from))
        .collect();
    kernels.sort();
    kernels.dedup();
    line(format!(
        "- BLAS kernels: {}",
        if kernels.is_empty() {
            "–".into()
        } else {
            kernels.join("; ")
        }
    ));
    let removed = h["removed_env_for_peers"].as_array().map_or(0, Vec::len);
    line(format!(
        "- peers' environment: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed ({})",
        if removed == 0 {
            "neither was set".to_string()
        } else {
            format!("{removed} were set")
        }
    ));
    if let Some(v) = recs().find_map(|r| r["versions"].as_object()) {
        line(format!(
            "- peer versions: {}",
            v.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| format!("{k} {}", x.as_str().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let carried: Vec<&str> = ws
        .iter()
        .filter(|w| w["carried_over"] == true)
        .filter_map(|w| w["run_started"].as_str())
        .collect();
    if !carried.is_empty() {
        let mut runs = carried.clone();
        runs.sort_unstable();
        runs.dedup();
        line(format!(
            "- {} workload(s) not selected in this run keep their rows from earlier run(s) started {} \
             (their machine state may differ; see `run_started` in results.json)",
            carried.len(),
            runs.join(", ")
        ));
    }
    if h["peers"] != true {
        line("- peers were not run (add `--peers`): only our own times are shown".into());
    }
    line(String::new());
    line("Times are wall seconds of the timed step per call: median over all repetitions of all \
          rounds (min–max in brackets). **ratio** = peer median / our median: above 1 we are faster. \
          Peak MB is the peak resident memory of the process during the step (input data \
          included). `!` marks a step during which other processes used more than half a core \
          (a contended, less reliable timing). Timings move by tens of percent between runs on \
          this shared machine: compare ratios within one run. A workload passes only if the \
          figures named in its `compare` agree within the stated tolerance (and, at full size, \
          land in its `expect` ranges) on both sides."
        .into());
    for (fam, title) in FAMILIES {
        let rows: Vec<&&Value> = ws.iter().filter(|w| w["family"] == *fam).collect();
        if rows.is_empty() {
            continue;
        }
        line(String::new());
        line(format!("## {title}"));
        line(String::new());
        // What the family's steps time and check, from `family_notes` in the JSON.
        if let Some(note) = spec["family_notes"][*fam].as_str() {
            line(note.to_string());
            line(String::new());
        }
        line("| workload | step | ours | peer | peer time | ratio | peak MB ours / peer | quality (ours) | quality (peer) | check |".into());
        line("|---|---|---|---|---|---|---|---|---|---|".into());
        for w in rows {
            let id = w["id"].as_str().unwrap_or("?");
            let def = def_of(id);
            let status = w["status"].as_str().unwrap_or("?");
            if status == "not_implemented" {
                let impls = w["implementations"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                line(format!(
                    "| {id} | | not yet implemented | {impls} | | | | | | {} |",
                    esc(w["algorithm"].as_str().unwrap_or(""))
                ));
                continue;
            }
            let ours = &w["ours"];
            // The tolerances a peer was held to: its own `compare_by_implementation`
            // entry, else the workload's `compare`.
            let check_for = |peer: Option<&str>| -> String {
                let spec = def.and_then(|d| {
                    peer.and_then(|p| d["compare_by_implementation"][p].as_object())
                        .or_else(|| d["compare"].as_object())
                });
                let tol: Vec<String> = spec
                    .into_iter()
                    .flatten()
                    .map(|(k, t)| {
                        let t = super::compare::Tolerance::parse(t)
                            .map_or("?".into(), |t| t.describe());
                        format!("{k} {t}")
                    })
                    .collect();
                format!("ok ({})", tol.join(", "))
            };
            let check = if status == "ok" {
                check_for(None)
            } else {
                let problems: Vec<&str> = w["problems"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                format!(
                    "**{}**: {}",
                    status.to_uppercase(),
                    esc(&problems.join("; "))
                )
            };
            let q_ours = esc(&shown_figures(w, def, ours));
            let peers: Vec<&Value> = w["peers"].as_array().into_iter().flatten().collect();
            let our_steps: Vec<&Value> = ours["steps"].as_array().into_iter().flatten().collect();
            for (pname, reason) in w["skipped"].as_object().into_iter().flatten() {
                line(format!(
                    "| {id} | | | {pname} | skipped: {} | | | | | |",
                    esc(reason.as_str().unwrap_or("?"))
                ));
            }
            if peers.is_empty() {
                for st in &our_steps {
                    line(format!(
                        "| {id} | {} | {} | – | | | {} / – | {q_ours} | | {check} |",
                        st["name"].as_str().unwrap_or("?"),
                        step_cell(st),
                        peak(st)
                    ));
                }
                if our_steps.is_empty() {
                    line(format!("| {id} | | – | | | | | | | {check} |"));
                }
                continue;
            }
            for p in peers {
                let pname = p["implementation"].as_str().unwrap_or("?");
                let check = if status == "ok" {
                    check_for(Some(pname))
                } else {
                    check.clone()
                };
                let q_peer = esc(&shown_figures(w, def, p));
                let pairs = paired_steps(ours, p);
                if pairs.is_empty() {
                    line(format!(
                        "| {id} | | – | {pname} | – | | | {q_ours} | {q_peer} | {check} |"
                    ));
                }
                for (o, ps) in pairs {
                    let ratio = match (o["wall_median"].as_f64(), ps["wall_median"].as_f64()) {
                        (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                        _ => "–".into(),
                    };
                    line(format!(
                        "| {id} | {} | {} | {pname} | {} | {ratio} | {} / {} | {q_ours} | {q_peer} | {check} |",
                        o["name"].as_str().unwrap_or("?"),
                        step_cell(o),
                        step_cell(ps),
                        peak(o),
                        peak(ps)
                    ));
                }
            }
        }
    }
    line(String::new());
    line("## Workloads".into());
    line(String::new());
    for d in &defs {
        let id = d["id"].as_str().unwrap_or("?");
        let run = ws.iter().find(|w| w["id"] == id);
        let state = match run.and_then(|w| w["status"].as_str()) {
            Some("not_implemented") => "not yet implemented",
            Some(_) if run.is_some_and(|w| w["carried_over"] == true) => {
                "implemented; row from an earlier run"
            }
            Some(_) => "implemented",
            None => "not selected in this run",
        };
        line(format!(
            "- **{id}** ({state}) — {} on `{}`; timed: {}; peers: {}",
            d["algorithm"].as_str().unwrap_or("?"),
            d["dataset"].as_str().unwrap_or("?"),
            d["timed"]
                .as_object()
                .map(|t| t.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default(),
            d["implementations"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats() {
        assert_eq!(fmt_s(Some(2.5)), "2.50 s");
        assert_eq!(fmt_s(Some(0.0123)), "12.3 ms");
        assert_eq!(fmt_s(Some(0.25)), "250 ms");
        assert_eq!(fmt_s(Some(2e-5)), "20.0 µs");
        assert_eq!(fmt_figure(&json!(0.5)), "0.5");
        assert_eq!(fmt_figure(&json!(42)), "42");
        assert!(fmt_figure(&json!([1.0, 2.0, 3.0, 4.0, 5.0])).contains("(5 values)"));
    }
}
