//! What tidings counts, through the [`metrics`] facade. Install any recorder (for example
//! `metrics-exporter-prometheus`) to read them; with none installed, counting costs nothing.
//!
//! | name | kind | what |
//! | --- | --- | --- |
//! | `tidings_streams_live` | gauge | streams open now |
//! | `tidings_events_sent_total` | counter | events (and comments) written to streams |
//! | `tidings_bytes_sent_total` | counter | bytes written to streams, keep-alives included |
//! | `tidings_streams_rejected_total` | counter | streams refused with `503` by a cap on open streams |
//! | `tidings_streams_stalled_total` | counter | streams ended because their client took nothing for the stall deadline |
//! | `tidings_hub_subscribers_dropped_total` | counter | hub subscribers dropped for falling too far behind |
//!
//! Each is registered, at zero and with its description, when a router is built
//! ([`SseApi::into_router`](crate::SseApi::into_router)), so a dashboard sees every series from
//! the start: install the recorder before that.

use metrics::{Counter, Gauge};

// Each name once: where it is counted and where it is registered must agree.
const STREAMS_LIVE: &str = "tidings_streams_live";
const EVENTS_SENT: &str = "tidings_events_sent_total";
const BYTES_SENT: &str = "tidings_bytes_sent_total";
const STREAMS_REJECTED: &str = "tidings_streams_rejected_total";
const STREAMS_STALLED: &str = "tidings_streams_stalled_total";
const SUBSCRIBERS_DROPPED: &str = "tidings_hub_subscribers_dropped_total";

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
        (
            SUBSCRIBERS_DROPPED,
            Unit::Count,
            "Hub subscribers dropped for falling too far behind.",
        ),
    ] {
        describe_counter!(name, unit, description);
        metrics::counter!(name).increment(0);
    }
}

/// A hub dropped a subscriber that fell too far behind.
pub(crate) fn subscriber_dropped() {
    metrics::counter!(SUBSCRIBERS_DROPPED).increment(1);
}

/// A cap on open streams refused one.
pub(crate) fn stream_rejected() {
    metrics::counter!(STREAMS_REJECTED).increment(1);
}

/// A stream ended because its client took nothing for the stall deadline.
pub(crate) fn stream_stalled() {
    metrics::counter!(STREAMS_STALLED).increment(1);
}
