//! The client side: decoding an event stream back into events, raw or typed.

mod decoder;
#[cfg(feature = "client")]
mod reconnect;
mod typed;

pub use decoder::*;
#[cfg(feature = "client")]
pub use reconnect::{
    ClientError, Disconnect, DisconnectReason, EventSource, EventSourceHandle, RawEvents,
};
/// The HTTP client [`EventSource`] runs on, re-exported so its version always matches.
#[cfg(feature = "client")]
pub use reqwest;
pub use typed::{decode_event, EventStream, StreamError, TypedEvent, TypedEvents};
