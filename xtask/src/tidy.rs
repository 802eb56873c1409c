//! House rules checked as plain tests, so `cargo test --workspace` enforces them: every
//! Rust file opens with a `//!` doc saying what it is for, every crate has its paragraph
//! in ARCHITECTURE.md, and no `todo!`/`unimplemented!` stands in for real code.

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
}
