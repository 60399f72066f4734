//! Random numbers for ids and jitter, without a dependency: std's hasher keys are random per
//! `RandomState`.

use std::hash::{BuildHasher, Hasher};

/// A random number.
pub(crate) fn u64() -> u64 {
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}
