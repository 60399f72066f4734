//! tidings: typed, documented Server-Sent Events services on axum and tokio.
#![deny(missing_docs)]

mod api;
mod body;
pub mod client;
mod event;
pub mod extract;
mod handler;
mod keep_alive;
mod message;
pub mod openapi;
mod sender;
mod shutdown;
pub mod testing;
mod wire;

pub use api::SseApi;
pub use body::SseBody;
pub use event::{
    DecodeError, DecodeEvents, DecodeEventsOwned, EventInfo, PayloadKind, RawText, SseEvents,
};
pub use extract::LastEventId;
pub use handler::{HandlerMeta, HandlerOutcome, SseHandler, StreamConfig};
pub use keep_alive::{KeepAlive, KeepAliveSetting};
pub use message::{IntoMessage, Message};
pub use sender::{SendError, Sender};
pub use shutdown::Shutdown;
pub use tidings_macros::{sse_events, sse_handler};
pub use wire::{DataWriter, EncodeError, EventId, EventName, InvalidField};

/// What generated code names, so a user's `Cargo.toml` needs only `tidings`. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::handler::serve;
    pub use axum;
    pub use http;
    pub use schemars;
    pub use serde;
    pub use serde_json;

    /// `document_input!(doc, Type)`: what extractor `Type` documents (nothing for types that do
    /// not implement `DocumentedInput`). `document_error!(doc, Type)`: the responses of error
    /// type `Type` (a `default` response when it does not implement `DocumentedError`).
    pub use crate::{
        __tidings_document_error as document_error, __tidings_document_input as document_input,
    };

    /// Decodes one JSON payload, naming the event in the error.
    pub fn decode_json<'de, T: serde::Deserialize<'de>>(
        name: Option<&str>,
        data: &'de str,
    ) -> Result<T, crate::DecodeError> {
        serde_json::from_str(data).map_err(|source| crate::DecodeError::InvalidData {
            event: name.map(str::to_owned),
            source,
        })
    }
}
