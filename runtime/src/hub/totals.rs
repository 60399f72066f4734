//! The counts of what a hub holds, kept as its topics change so that neither a cap check nor
//! `Hub::stats` walks the topics.

use std::sync::atomic::{AtomicUsize, Ordering};

/// What a hub holds, over all its topics, kept as the topics change so that neither a cap
/// check nor `Hub::stats` walks the topics.
#[derive(Default)]
pub(crate) struct Totals {
    pub(super) subscribers: AtomicUsize,
    pub(super) retained_events: AtomicUsize,
    /// Encoded events and topic names.
    pub(super) retained_bytes: AtomicUsize,
}

impl Totals {
    /// Adds what a log holds now, `after`, less what it held `before` (events, bytes).
    pub(super) fn account(&self, before: (usize, usize), after: (usize, usize)) {
        change(&self.retained_events, before.0, after.0);
        change(&self.retained_bytes, before.1, after.1);
    }
}

/// Moves `counter` by `after - before`.
fn change(counter: &AtomicUsize, before: usize, after: usize) {
    if after >= before {
        counter.fetch_add(after - before, Ordering::Relaxed);
    } else {
        counter.fetch_sub(before - after, Ordering::Relaxed);
    }
}
