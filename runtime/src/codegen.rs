//! The contract between tidings' macros and its runtime: the traits `#[sse_events]` and
//! `#[sse_handler]` implement, and the items the code they generate calls.
//!
//! You do not need this module to write a service: the macros implement these traits, and the
//! crate root holds what a handler names. Reach for it to write code that is generic over
//! handlers or event enums (`E: SseEvents + DecodeEventsOwned` is what the typed client asks
//! of an enum), to read what a handler declares ([`HandlerMeta`], from
//! [`SseApi::handlers`](crate::SseApi::handlers)), or to see what an event enum declares
//! ([`EventInfo`], from [`SseEvents::EVENTS`](crate::SseEvents::EVENTS)).
//!
//! The hidden items here (re-exported dependencies and helpers) exist only for generated code,
//! so that a user's `Cargo.toml` needs `tidings` alone; they are not API.

pub use crate::body::serve;
pub use crate::event::{DecodeEventsOwned, EventInfo, PayloadKind, RawText};
pub use crate::handler::{HandlerOutcome, SseHandler, StreamConfig};
pub use crate::head::ResponseHeader;
pub use crate::keep_alive::KeepAliveSetting;
pub use crate::late_error::LateError;
pub use crate::meta::HandlerMeta;
pub use crate::wire::{DataWriter, EventName, IntoEventId};

#[doc(hidden)]
pub use {axum, http, schemars, serde, serde_json};

/// `document_input!(doc, Type)`: what extractor `Type` documents (nothing for types that do
/// not implement `DocumentedInput`). `document_error!(doc, Type)`: the responses of error
/// type `Type` (a `default` response when it does not implement `DocumentedError`).
#[doc(hidden)]
pub use crate::{
    __tidings_document_error as document_error, __tidings_document_input as document_input,
};

/// The events of a handler `#[sse_handler]` rejected: the macro implements `SseHandler` with
/// them next to its error, so that registering the handler adds no second error. Never built:
/// a crate with that error does not compile.
#[doc(hidden)]
pub enum Rejected {}

impl crate::SseEvents for Rejected {
    const EVENTS: &'static [EventInfo] = &[];

    fn event_index(&self) -> usize {
        match *self {}
    }

    fn write_data(&self, _: &mut DataWriter<'_>) -> Result<(), crate::EncodeError> {
        match *self {}
    }

    fn data_schemas(_: &mut schemars::SchemaGenerator) -> Vec<Option<schemars::Schema>> {
        Vec::new()
    }
}

/// Decodes one JSON payload, naming the event in the error.
#[doc(hidden)]
pub fn decode_json<'de, T: serde::Deserialize<'de>>(
    name: Option<&str>,
    data: &'de str,
) -> Result<T, crate::DecodeError> {
    serde_json::from_str(data).map_err(|source| crate::DecodeError::InvalidData {
        event: name.map(str::to_owned),
        source,
    })
}
