//! The wait before each reconnection: the server's `retry`, doubling with jitter while attempts
//! fail, capped, never shorter than a `Retry-After`, and never under a floor above zero.

use std::time::Duration;

/// The shortest wait between two attempts, whatever the server's `retry` and the settings say:
/// a server that once sent `retry: 0` must not get a tight reconnection loop from every client
/// when it then fails (`0 * 2^n` stays 0).
pub(super) const MIN_DELAY: Duration = Duration::from_millis(100);

/// How long to wait before the next attempt, from how the last ones went.
#[derive(Debug)]
pub(super) struct Backoff {
    initial: Duration,
    max: Duration,
    /// Failed attempts in a row (connections that closed without an event count too).
    failures: u32,
    /// The `Retry-After` of the last refusal, for the next wait only.
    retry_after: Option<Duration>,
    rng: u64,
}

impl Backoff {
    /// Waits `initial` until the server sends a `retry`, and never more than `max` (save for a
    /// `Retry-After`).
    pub(super) fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            failures: 0,
            retry_after: None,
            rng: seed(),
        }
    }

    /// An attempt was refused; `retry_after` is the response's `Retry-After`, if any.
    pub(super) fn refused(&mut self, retry_after: Option<Duration>) {
        self.failures = self.failures.saturating_add(1);
        self.retry_after = retry_after;
    }

    /// A connection closed: one that delivered an event worked, so the count starts anew.
    pub(super) fn closed(&mut self, delivered: bool) {
        self.failures = if delivered {
            0
        } else {
            self.failures.saturating_add(1)
        };
        self.retry_after = None;
    }

    /// A restart was asked for: whatever failed before, the next waits start anew.
    pub(super) fn reset(&mut self) {
        self.failures = 0;
        self.retry_after = None;
    }

    /// The wait before the next attempt, given the server's last `retry`: that `retry` (or the
    /// initial one) after a connection that delivered events, then doubling with jitter while
    /// attempts fail, capped; at least the last `Retry-After`.
    pub(super) fn delay(&mut self, server_retry: Option<Duration>) -> Duration {
        let base = server_retry.unwrap_or(self.initial).min(self.max);
        // The first reconnection waits the plain retry, as browsers do.
        let doublings = self.failures.saturating_sub(1).min(16);
        let delay = if doublings == 0 {
            base
        } else {
            let target = base.saturating_mul(1 << doublings).min(self.max);
            // Equal-ish jitter: somewhere in [3/4, 1] of the target, never under the retry.
            let quarter = target / 4;
            let jitter = quarter.mul_f64(self.random());
            (target - quarter + jitter).max(base)
        };
        let delay = delay.max(MIN_DELAY);
        match self.retry_after.take() {
            Some(after) => delay.max(after),
            None => delay,
        }
    }

    /// A number in `[0, 1)` from a xorshift generator.
    fn random(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A seed for the jitter, so that clients started together do not retry in step.
fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // Mix in a stack address so streams started in the same nanosecond differ; never zero.
    let local = 0u8;
    (nanos ^ (std::ptr::addr_of!(local) as u64).rotate_left(32)) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn backoff() -> Backoff {
        Backoff::new(100 * MS, 1000 * MS)
    }

    #[test]
    fn the_first_reconnection_waits_the_plain_retry_then_it_doubles_with_jitter_up_to_the_cap() {
        let mut backoff = backoff();
        assert_eq!(backoff.delay(None), 100 * MS);
        backoff.refused(None);
        assert_eq!(backoff.delay(None), 100 * MS);
        for target in [200, 400, 800, 1000, 1000] {
            backoff.refused(None);
            let delay = backoff.delay(None);
            let target = target * MS;
            assert!(
                delay >= target * 3 / 4 && delay <= target,
                "{delay:?} for {target:?}"
            );
        }
    }

    #[test]
    fn the_servers_retry_replaces_the_initial_one_and_is_capped_too() {
        let mut backoff = backoff();
        assert_eq!(backoff.delay(Some(300 * MS)), 300 * MS);
        assert_eq!(backoff.delay(Some(5000 * MS)), 1000 * MS);
    }

    #[test]
    fn a_connection_that_delivered_resets_the_doubling_and_one_that_did_not_counts() {
        let mut backoff = backoff();
        for _ in 0..4 {
            backoff.refused(None);
        }
        backoff.closed(true);
        assert_eq!(backoff.delay(None), 100 * MS);
        backoff.closed(false);
        backoff.closed(false);
        assert!(backoff.delay(None) >= 150 * MS);
        backoff.reset();
        assert_eq!(backoff.delay(None), 100 * MS);
    }

    #[test]
    fn a_retry_of_zero_still_waits_the_floor_however_often_attempts_fail() {
        let mut configured_to_zero = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(configured_to_zero.delay(None), MIN_DELAY);
        let mut told_zero = backoff();
        assert_eq!(told_zero.delay(Some(Duration::ZERO)), MIN_DELAY);
        for _ in 0..5 {
            told_zero.refused(None);
            // 0 doubled is still 0: the floor holds however many attempts failed.
            assert_eq!(told_zero.delay(Some(Duration::ZERO)), MIN_DELAY);
        }
    }

    #[test]
    fn a_longer_retry_after_wins_once_even_over_the_cap() {
        let mut backoff = backoff();
        backoff.refused(Some(5000 * MS));
        assert_eq!(backoff.delay(None), 5000 * MS);
        // Only for the wait that followed it; and a shorter one changes nothing.
        assert_eq!(backoff.delay(None), 100 * MS);
        backoff.refused(Some(MS));
        assert!(backoff.delay(None) >= 150 * MS);
    }
}
