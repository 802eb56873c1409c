//! House rules checked as plain tests, so `cargo test --workspace` enforces them: every
//! Rust file opens with a `//!` doc saying what it is for, every crate has its paragraph
//! in ARCHITECTURE.md, no `todo!`/`unimplemented!` stands in for real code, and the
//! mechanical parts of CONTRIBUTING.md's new-estimator checklist hold: every error's
//! parameter name is a setter or argument name, persistence names are unique and
//! prefixed by their crate, every persisted model's estimator runs the conformance
//! battery, and every estimator is re-exported where the facade reaches it.

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives in the workspace root")
            .to_path_buf()
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                // `datasets` links to data, `target` holds build output.
                if name != "target" && name != "datasets" {
                    rust_files(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    fn workspace_sources() -> Vec<PathBuf> {
        let mut files = Vec::new();
        for dir in ["crates", "xtask", "benches"] {
            rust_files(&root().join(dir), &mut files);
        }
        assert!(
            !files.is_empty(),
            "no Rust sources found under {:?}",
            root()
        );
        files
    }

    #[test]
    fn every_rust_file_opens_with_a_module_doc() {
        let missing: Vec<_> = workspace_sources()
            .into_iter()
            .filter(|p| {
                let text = fs::read_to_string(p).unwrap_or_default();
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                !first.starts_with("//!")
            })
            .collect();
        assert!(
            missing.is_empty(),
            "files without a leading //! doc: {missing:#?}"
        );
    }

    #[test]
    fn every_crate_is_in_architecture_md() {
        let arch = fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
        let crates = fs::read_dir(root().join("crates")).expect("crates/");
        for entry in crates.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                arch.contains(&format!("crates/{name}")),
                "ARCHITECTURE.md has no paragraph for crates/{name}"
            );
        }
    }

    #[test]
    fn no_placeholder_macros_in_crates() {
        let mut files = Vec::new();
        rust_files(&root().join("crates"), &mut files);
        let offenders: Vec<_> = files
            .into_iter()
            .filter(|p| {
                let text = fs::read_to_string(p).unwrap_or_default();
                text.contains(concat!("todo", "!("))
                    || text.contains(concat!("unimplemented", "!("))
            })
            .collect();
        assert!(
            offenders.is_empty(),
            "placeholder macros in: {offenders:#?}"
        );
    }

    /// The sources of one crate (`crates/NAME/src` or `/tests`), concatenated.
    fn crate_text(name: &str, sub: &str) -> String {
        let mut files = Vec::new();
        rust_files(&root().join("crates").join(name).join(sub), &mut files);
        files.sort();
        files
            .iter()
            .map(|p| fs::read_to_string(p).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn crate_names() -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(root().join("crates"))
            .expect("crates/")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The string literal that starts right after `at` (skipping whitespace and an
    /// opening parenthesis), if any.
    fn literal_after(text: &str, at: usize) -> Option<&str> {
        let rest = text[at..].trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        let rest = rest.strip_prefix('"')?;
        rest.find('"').map(|end| &rest[..end])
    }

    fn is_word_char(c: char) -> bool {
        c.is_alphanumeric() || c == '_'
    }

    /// Whether `word` occurs in `text` as a whole identifier.
    fn has_word(text: &str, word: &str) -> bool {
        text.match_indices(word).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + word.len()..].chars().next();
            !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
        })
    }

    #[test]
    fn error_parameter_names_are_setter_or_argument_names() {
        const MARKERS: [&str; 6] = [
            "invalid_parameter(",
            "validate::positive(",
            "validate::non_negative_param(",
            "validate::in_closed_range(",
            "validate::at_least(",
            "InvalidParameter {",
        ];
        let mut bad = Vec::new();
        for name in crate_names() {
            let text = crate_text(&name, "src");
            for marker in MARKERS {
                for (i, _) in text.match_indices(marker) {
                    let mut at = i + marker.len();
                    if marker.ends_with('{') {
                        let rest = &text[at..];
                        let trimmed = rest.trim_start();
                        let Some(r) = trimmed.strip_prefix("name:") else {
                            continue;
                        };
                        at = text.len() - r.len();
                    }
                    let Some(param) = literal_after(&text, at) else {
                        continue;
                    };
                    let is_setter = text.contains(&format!("fn {param}("))
                        || text.contains(&format!("fn {param}<"));
                    let is_argument = [format!("({param}:"), format!(" {param}:")]
                        .iter()
                        .any(|p| text.contains(p.as_str()))
                        && param.chars().all(is_word_char);
                    if !(is_setter || is_argument) {
                        bad.push(format!("crates/{name}: parameter name \"{param}\""));
                    }
                }
            }
        }
        bad.sort();
        bad.dedup();
        assert!(
            bad.is_empty(),
            "error parameter names that are neither a setter nor an argument of their crate \
             (name them exactly as the setter is spelt): {bad:#?}"
        );
    }

    /// Every persistence name (`"ml_crate::...::TypeModel"`) in a crate's sources.
    fn persistence_names(name: &str) -> Vec<String> {
        let prefix = format!("\"{}::", name.replace('-', "_"));
        let text = crate_text(name, "src");
        text.match_indices(&prefix)
            .filter_map(|(i, _)| literal_after(&text, i))
            // Types of test modules (`tests`, the kit's decoys in `testing`) are not models.
            .filter(|lit| {
                !lit.split("::")
                    .any(|seg| seg == "tests" || seg == "testing")
            })
            .filter(|lit| {
                lit.rsplit("::")
                    .next()
                    .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase()))
            })
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn persistence_names_are_unique_and_prefixed_by_their_crate() {
        let mut all: Vec<String> = crate_names()
            .iter()
            .flat_map(|c| persistence_names(c))
            .collect();
        assert!(
            all.len() >= 20,
            "found only {} persistence names",
            all.len()
        );
        all.sort();
        let dups: Vec<_> = all.windows(2).filter(|w| w[0] == w[1]).collect();
        assert!(dups.is_empty(), "persistence names used twice: {dups:?}");
    }

    /// Persisted types that are not an estimator's model, or whose estimator cannot run
    /// the matrix battery, with the reason.
    const BATTERY_EXEMPT: [(&str, &str); 12] = [
        (
            "NeighborIndex",
            "the index under every neighbour model; their battery runs it",
        ),
        (
            "NearestNeighborsModel",
            "queries, not predictions; tests/neighbors.rs checks its files and errors",
        ),
        (
            "MultiOutputLinearModel",
            "multi-target; its estimators' single-target models run it",
        ),
        ("Transactions", "data, not a model"),
        (
            "FrequentItemsets",
            "miner output; ml-assoc's own battery covers the miners",
        ),
        (
            "Rules",
            "rule output; ml-assoc's own battery covers the rules",
        ),
        ("CountVectorizerModel", "documents in, not a matrix"),
        ("TfidfVectorizerModel", "documents in, not a matrix"),
        ("LsaModel", "documents in, not a matrix"),
        ("TfidfTransformerModel", "CSR out; ml-text's tests check it"),
        ("RecommenderModel", "ratings in, recommendations out"),
        (
            "TsneModel",
            "an embedding of the fitted rows, no transform yet; tests/tsne.rs checks its files and errors",
        ),
    ];

    /// Models that several estimators return, with those estimators (each must run the
    /// battery and be reachable).
    const SHARED_MODELS: [(&str, &[&str]); 2] = [
        (
            "ForestClassifierModel",
            &["RandomForestClassifier", "ExtraTreesClassifier"],
        ),
        (
            "ForestRegressorModel",
            &["RandomForestRegressor", "ExtraTreesRegressor"],
        ),
    ];

    /// The estimators whose model is `ty` (a model type named after its estimator, or
    /// one of [`SHARED_MODELS`]).
    fn estimators_of(ty: &str) -> Vec<&str> {
        match SHARED_MODELS.iter().find(|(m, _)| *m == ty) {
            Some((_, estimators)) => estimators.to_vec(),
            None => vec![ty.strip_suffix("Model").unwrap_or(ty)],
        }
    }

    #[test]
    fn every_persisted_model_runs_the_conformance_battery() {
        let mut missing = Vec::new();
        for name in crate_names() {
            let tests = crate_text(&name, "tests");
            // The text right after each battery call: the estimator it builds is named there.
            let windows: Vec<&str> = ["conformance_tests!(", "testing::check_", "testing::run_"]
                .iter()
                .flat_map(|m| tests.match_indices(m).map(|(i, _)| i))
                .map(|i| {
                    let mut end = (i + 400).min(tests.len());
                    while !tests.is_char_boundary(end) {
                        end -= 1;
                    }
                    &tests[i..end]
                })
                .collect();
            for model in persistence_names(&name) {
                let ty = model.rsplit("::").next().unwrap_or_default();
                if BATTERY_EXEMPT.iter().any(|(t, _)| *t == ty) {
                    continue;
                }
                for estimator in estimators_of(ty) {
                    if !windows.iter().any(|w| has_word(w, estimator)) {
                        missing.push(format!("crates/{name}: {estimator} (model {model})"));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "estimators whose crate's tests never run the conformance battery on them: \
             {missing:#?}"
        );
    }

    #[test]
    fn every_estimator_is_reachable_from_the_facade() {
        let facade = fs::read_to_string(root().join("crates/ml-facade/src/lib.rs"))
            .expect("ml-facade's lib.rs");
        let mut missing = Vec::new();
        for name in crate_names() {
            if name == "ml-facade" {
                continue;
            }
            let lib_name = name.replace('-', "_");
            if !facade.contains(&format!("pub use {lib_name} as ")) {
                missing.push(format!("the facade does not re-export {lib_name}"));
            }
            let lib = fs::read_to_string(root().join("crates").join(&name).join("src/lib.rs"))
                .unwrap_or_default();
            for model in persistence_names(&name) {
                let path: Vec<&str> = model.split("::").collect();
                let ty = path[path.len() - 1];
                let exempt = BATTERY_EXEMPT.iter().any(|(t, _)| *t == ty);
                let estimators = if exempt { vec![ty] } else { estimators_of(ty) };
                // A type under a public module is reachable through it; a type of a private
                // module must be re-exported at the crate root.
                let reachable = |t: &str| {
                    if path.len() > 2 {
                        lib.contains(&format!("pub mod {};", path[1]))
                    } else {
                        has_word(&lib, t)
                    }
                };
                for t in std::iter::once(ty).chain(estimators) {
                    if !reachable(t) {
                        missing.push(format!("{lib_name}::{t} is not re-exported"));
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "{missing:#?}");
    }
}
