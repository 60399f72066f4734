//! What tidings counts, through the [`metrics`] facade. Install any recorder (for example
//! `metrics-exporter-prometheus`) to read them; with none installed, counting costs nothing.
//!
//! | name | kind | what |
//! | --- | --- | --- |
//! | `tidings_streams_live` | gauge | streams open now |
//! | `tidings_events_sent_total` | counter | events (and comments) written to streams |
//! | `tidings_bytes_sent_total` | counter | bytes written to streams, keep-alives included |
//! | `tidings_streams_rejected_total` | counter | streams refused with `503` by a cap on open streams |
//! | `tidings_hub_subscribers_dropped_total` | counter | hub subscribers dropped for falling too far behind |
//!
//! Each is registered, at zero and with its description, when a router is built
//! ([`SseApi::into_router`](crate::SseApi::into_router)), so a dashboard sees every series from
//! the start: install the recorder before that.

use metrics::{Counter, Gauge};

/// One stream's handles on the counters, looked up once when it opens rather than per event.
pub(crate) struct StreamMetrics {
    live: Gauge,
    events: Counter,
    bytes: Counter,
}

impl StreamMetrics {
    /// A stream opens.
    pub(crate) fn open() -> Self {
        let live = metrics::gauge!("tidings_streams_live");
        live.increment(1.0);
        StreamMetrics {
            live,
            events: metrics::counter!("tidings_events_sent_total"),
            bytes: metrics::counter!("tidings_bytes_sent_total"),
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
    describe_gauge!("tidings_streams_live", Unit::Count, "Streams open now.");
    metrics::gauge!("tidings_streams_live").increment(0.0);
    for (name, unit, description) in [
        (
            "tidings_events_sent_total",
            Unit::Count,
            "Events (and comments) written to streams.",
        ),
        (
            "tidings_bytes_sent_total",
            Unit::Bytes,
            "Bytes written to streams, keep-alives included.",
        ),
        (
            "tidings_streams_rejected_total",
            Unit::Count,
            "Streams refused with 503 by a cap on open streams.",
        ),
        (
            "tidings_hub_subscribers_dropped_total",
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
    metrics::counter!("tidings_hub_subscribers_dropped_total").increment(1);
}

/// A cap on open streams refused one.
pub(crate) fn stream_rejected() {
    metrics::counter!("tidings_streams_rejected_total").increment(1);
}
