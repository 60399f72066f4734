//! What a stream counts, through the [`metrics`] facade (the names are listed on
//! [`SseApi::into_router`](crate::SseApi::into_router)).

use metrics::{Counter, Gauge};

// Each name once: where it is counted and where it is registered must agree.
const STREAMS_LIVE: &str = "tidings_streams_live";
const EVENTS_SENT: &str = "tidings_events_sent_total";
const BYTES_SENT: &str = "tidings_bytes_sent_total";
const STREAMS_REJECTED: &str = "tidings_streams_rejected_total";
const STREAMS_STALLED: &str = "tidings_streams_stalled_total";

/// One stream's handles on the counters, looked up once when it opens rather than per event.
pub(crate) struct StreamMetrics {
    live: Gauge,
    events: Counter,
    bytes: Counter,
}

impl StreamMetrics {
    /// A stream opens.
    pub(crate) fn open() -> Self {
        let live = metrics::gauge!(STREAMS_LIVE);
        live.increment(1.0);
        StreamMetrics {
            live,
            events: metrics::counter!(EVENTS_SENT),
            bytes: metrics::counter!(BYTES_SENT),
        }
    }

    /// A chunk holding `events` events goes out.
    pub(crate) fn sent(&self, events: u64, bytes: usize) {
        if events > 0 {
            self.events.increment(events);
        }
        self.bytes.increment(bytes as u64);
    }
}

impl Drop for StreamMetrics {
    fn drop(&mut self) {
        self.live.decrement(1.0);
    }
}

/// Registers every series at zero, with its description: a counter that has not counted yet
/// would otherwise be missing from what the recorder exports, not zero.
pub(crate) fn register() {
    use metrics::{describe_counter, describe_gauge, Unit};
    describe_gauge!(STREAMS_LIVE, Unit::Count, "Streams open now.");
    metrics::gauge!(STREAMS_LIVE).increment(0.0);
    for (name, unit, description) in [
        (
            EVENTS_SENT,
            Unit::Count,
            "Events (and comments) written to streams.",
        ),
        (
            BYTES_SENT,
            Unit::Bytes,
            "Bytes written to streams, keep-alives included.",
        ),
        (
            STREAMS_REJECTED,
            Unit::Count,
            "Streams refused with 503 by a cap on open streams.",
        ),
        (
            STREAMS_STALLED,
            Unit::Count,
            "Streams ended because their client took nothing for the stall deadline.",
        ),
    ] {
        describe_counter!(name, unit, description);
        metrics::counter!(name).increment(0);
    }
}

/// A cap on open streams refused one.
pub(crate) fn stream_rejected() {
    metrics::counter!(STREAMS_REJECTED).increment(1);
}

/// A stream ended because its client took nothing for the stall deadline.
pub(crate) fn stream_stalled() {
    metrics::counter!(STREAMS_STALLED).increment(1);
}
