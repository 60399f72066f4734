//! Helpers every layer may use, and which use nothing of tidings.

pub(crate) mod random;
