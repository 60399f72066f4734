//! What a hub counts, through the [`metrics`] facade (the names are listed on
//! [`SseApi::into_router`](crate::SseApi::into_router)).

const SUBSCRIBERS_DROPPED: &str = "tidings_hub_subscribers_dropped_total";

/// Registers the hub's series at zero, with their descriptions.
pub(crate) fn register() {
    metrics::describe_counter!(
        SUBSCRIBERS_DROPPED,
        metrics::Unit::Count,
        "Hub subscribers dropped for falling too far behind."
    );
    metrics::counter!(SUBSCRIBERS_DROPPED).increment(0);
}

/// A hub dropped a subscriber that fell too far behind.
pub(crate) fn subscriber_dropped() {
    metrics::counter!(SUBSCRIBERS_DROPPED).increment(1);
}
