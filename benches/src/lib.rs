//! The Rust side of the side-by-side comparison runner (`cargo xtask bench`).
//!
//! - [`spec`]: the workload definitions, `bench/workloads.json`, compiled in.
//! - [`datasets`]: inputs generated with fixed seeds or read from `.npy` files.
//! - [`npy`]: the `.npy` reader and writer shared with the Python peers.
//! - [`timing`]: the autorange timing rule and the `/proc` figures (CPU, peak RSS).
//! - [`workloads`]: the registry of implemented workloads.
//!
//! The `ml-bench` binary runs one workload and prints one JSON record; the Python
//! side (`scripts/bench/peers.py`) prints the same record for the reference library.

pub mod datasets;
pub mod npy;
pub mod spec;
pub mod timing;
pub mod workloads;

/// The error type of the runner: any error, as text at the end.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
