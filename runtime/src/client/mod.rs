//! The client side: decoding an event stream back into events, raw or typed.
//!
//! - [`Decoder`] turns bytes into [`RawEvent`]s, as the WHATWG standard parses a stream;
//! - [`EventStream`] reads the raw events of any byte stream, and [`TypedEvents`] decodes raw
//!   events into an `#[sse_events]` enum;
//! - `EventSource` (feature `client`) reads a stream over HTTP and reconnects as browsers do;
//! - every one of them fails with a [`ClientError`].

mod decoder;
mod error;
#[cfg(feature = "client")]
mod event_source;
mod reader;
mod stream;
mod typed;

pub use decoder::*;
pub use error::ClientError;
#[cfg(feature = "client")]
pub use event_source::{
    Disconnect, DisconnectReason, EventSource, EventSourceHandle, Opened, RawEvents,
};
/// The HTTP client [`EventSource`] runs on, re-exported so its version always matches.
#[cfg(feature = "client")]
pub use reqwest;
pub use stream::EventStream;
pub use typed::{decode_event, TypedEvent, TypedEvents};

/// Whether a `Content-Type` is `text/event-stream`, whatever its parameters.
pub(crate) fn is_event_stream(content_type: &http::HeaderValue) -> bool {
    let Ok(value) = content_type.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default();
    essence.trim().eq_ignore_ascii_case("text/event-stream")
}
