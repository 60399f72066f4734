//! Whether a response is an event stream, by its `Content-Type`.

/// Whether a `Content-Type` is `text/event-stream`, whatever its parameters.
pub(crate) fn is_event_stream(content_type: &http::HeaderValue) -> bool {
    let Ok(value) = content_type.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("text/event-stream")
}
