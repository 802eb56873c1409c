//! The Python side: the virtual environment with the pinned peers
//! (`scripts/requirements.txt`) and the environment each peer process runs in.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::step;

/// Variables that force a slower OpenBLAS kernel on current numpy: removed from the
/// environment of peer processes only.
pub(crate) const BAD_ENV: [&str; 2] = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

/// The Python interpreter to run the peers with: `explicit` (`--python` or
/// `ML_BENCH_PYTHON`) as given, else `<target>/bench/venv`, created and filled from
/// `scripts/requirements.txt` when missing or when the requirements changed.
///
/// # Errors
/// The environment cannot be created, or the interpreter lacks scikit-learn.
pub(crate) fn ensure(
    root: &Path,
    bench_dir: &Path,
    explicit: Option<&Path>,
) -> Result<PathBuf, String> {
    let python = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let venv = bench_dir.join("venv");
            let python = venv.join("bin/python");
            let req_path = root.join("scripts/requirements.txt");
            let req = fs::read_to_string(&req_path)
                .map_err(|e| format!("{}: {e}", req_path.display()))?;
            let stamp = venv.join(".requirements.txt");
            if !python.exists() || fs::read_to_string(&stamp).ok().as_deref() != Some(&req) {
                if !python.exists() {
                    step(
                        "create the peers' virtual environment",
                        Command::new("python3").arg("-m").arg("venv").arg(&venv),
                    )?;
                }
                step(
                    "install the pinned peers",
                    Command::new(&python)
                        .args(["-m", "pip", "install", "--quiet", "-r"])
                        .arg(&req_path),
                )?;
                fs::write(&stamp, &req).map_err(|e| format!("{}: {e}", stamp.display()))?;
            }
            python
        }
    };
    let ok = Command::new(&python)
        .args(["-c", "import sklearn, numpy, threadpoolctl"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err(format!(
            "{} cannot import scikit-learn/numpy/threadpoolctl; install scripts/requirements.txt into it",
            python.display()
        ));
    }
    println!("peers: Python at {}", python.display());
    Ok(python)
}

/// A command running `peers.py` with the BLAS-hostile variables removed and every
/// thread pool sized to `threads`.
pub(crate) fn command(python: &Path, peers_py: &Path, threads: usize) -> Command {
    let mut c = Command::new(python);
    c.arg(peers_py);
    for k in BAD_ENV {
        c.env_remove(k);
    }
    let t = threads.to_string();
    for k in [
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMBA_NUM_THREADS",
    ] {
        c.env(k, &t);
    }
    c.env("PYTHONWARNINGS", "ignore");
    c
}
