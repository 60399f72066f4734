//! The client side: decoding an event stream back into events, raw or typed.
//!
//! Which one to reach for:
//!
//! | you have | reach for | you get |
//! | --- | --- | --- |
//! | a URL, and want what a browser's `EventSource` does (reconnect, `Last-Event-ID`, `retry`) | `EventSource::get(url).typed::<E>()` (feature `client`) | [`TypedEvents`] of [`TypedEvent<E>`] |
//! | a router under test, no port | [`TestClient`](crate::testing::TestClient) | [`TestStream`](crate::testing::TestStream): `collect`, `take`, `next` |
//! | a byte stream of your own (a file, another HTTP client) | [`EventStream::new(bytes)`](EventStream::new)`.typed::<E>()` | [`TypedEvents`] of [`TypedEvent<E>`] |
//! | bytes you push yourself, no async | [`Decoder::feed`] | [`RawEvent`]s; [`RawEvent::decode`] makes one typed |
//!
//! Each typed reader stops after the enum's final event (`#[sse(end)]`), and reports an event
//! that does not decode as [`ClientError::Decode`] (or skips it: `skip_undecodable`). Every
//! one fails with a [`ClientError`]. An event's id arrives as the `String` the server sent:
//! the text of the server's [`EventId`](crate::EventId), which a reconnect sends back as the
//! server's [`LastEventId`](crate::LastEventId).

mod content_type;
mod decoder;
mod error;
#[cfg(feature = "client")]
mod event_source;
mod reader;
mod stream;
mod typed;

pub(crate) use content_type::is_event_stream;
pub use decoder::{DecodeLimitError, Decoder, RawEvent, DEFAULT_MAX_LINE_LEN};
pub use error::ClientError;
#[cfg(feature = "client")]
pub use event_source::{
    Disconnect, DisconnectReason, EventSource, EventSourceHandle, Opened, RawEvents,
};
/// The HTTP client [`EventSource`] runs on, re-exported so its version always matches.
#[cfg(feature = "client")]
pub use reqwest;
pub use stream::EventStream;
pub use typed::{TypedEvent, TypedEvents};
