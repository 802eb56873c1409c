//! The seeded random generator behind every random choice in the workspace.
//!
//! Estimators take an explicit `seed(u64)` (default 0) and never read entropy from the
//! operating system, so the same seed gives the same model on any machine and thread
//! count.

use rand::SeedableRng;

/// The generator type: ChaCha-based, portable and reproducible across platforms.
pub type Rng = rand::rngs::StdRng;

/// A generator seeded with `seed`.
pub fn seeded(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// A generator for the `stream`-th independent task of a seeded computation (a tree of
/// a forest, a restart of k-means), so parallel work draws the same numbers whatever
/// the thread count.
pub fn for_stream(seed: u64, stream: u64) -> Rng {
    // SplitMix64 mixing keeps nearby (seed, stream) pairs far apart.
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Rng::seed_from_u64(z ^ (z >> 31))
}
