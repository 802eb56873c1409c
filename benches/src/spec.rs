//! The workload definitions (`bench/workloads.json`), compiled into the binary so that
//! `ml-bench` needs no file at run time and always agrees with the runner that built it.

use std::sync::OnceLock;

use serde_json::Value;

/// The text of `bench/workloads.json`.
pub const WORKLOADS_JSON: &str = include_str!("../../bench/workloads.json");

/// The parsed workload file.
///
/// # Panics
/// If the embedded file is not valid JSON, which a unit test rules out.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(WORKLOADS_JSON).expect("bench/workloads.json is JSON"))
}

/// The definition of workload `id`.
pub fn workload(id: &str) -> Option<&'static Value> {
    spec()["workloads"]
        .as_array()?
        .iter()
        .find(|w| w["id"] == id)
}

/// The definition of data set `name`.
pub fn dataset(name: &str) -> Option<&'static Value> {
    spec()["datasets"].get(name)
}

/// The generator parameters of a data set: `quick_params` in quick mode when present,
/// `params` otherwise.
pub fn dataset_params(name: &str, quick: bool) -> Option<&'static Value> {
    let d = dataset(name)?;
    if quick && d.get("quick_params").is_some() {
        d.get("quick_params")
    } else {
        d.get("params")
    }
}

/// The names of the timed steps of a workload, in order (keys of `timed`).
pub fn timed_steps(w: &Value) -> Vec<String> {
    w["timed"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_ids_are_unique() {
        let ws = spec()["workloads"].as_array().unwrap();
        let mut ids: Vec<&str> = ws.iter().map(|w| w["id"].as_str().unwrap()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate workload ids");
        for w in ws {
            let ds = w["dataset"].as_str().unwrap();
            assert!(
                dataset(ds).is_some(),
                "{} names unknown data set {ds}",
                w["id"]
            );
            assert!(w["family"].is_string(), "{} has no family", w["id"]);
        }
    }
}
