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

pub use super::handler::SseHandler;
pub use super::meta::HandlerMeta;
pub use crate::stream::{
    serve, Failure, HandlerOutcome, KeepAliveSetting, LateError, ResponseHeader, StreamConfig,
};
pub use crate::wire::{
    DataWriter, DecodeEventsOwned, EventInfo, EventName, IntoEventId, PayloadKind, RawText,
};

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

impl crate::wire::SseEvents for Rejected {
    const EVENTS: &'static [EventInfo] = &[];

    fn event_index(&self) -> usize {
        match *self {}
    }

    fn write_data(&self, _: &mut DataWriter<'_>) -> Result<(), crate::wire::EncodeError> {
        match *self {}
    }

    fn data_schemas(_: &mut schemars::SchemaGenerator) -> Vec<Option<schemars::Schema>> {
        Vec::new()
    }
}

/// Checks, as the crate compiles, that the variant `variant` of `E`, which a handler's
/// `error_event` makes, ends the stream (`#[sse(end)]`): a client that reconnected after it would
/// run the failed work again.
#[doc(hidden)]
pub const fn assert_error_event_ends<E: crate::wire::SseEvents>(variant: &str) {
    let events = E::EVENTS;
    let mut index = 0;
    while index < events.len() {
        if const_str_eq(events[index].variant, variant) {
            if !events[index].ends_stream {
                panic!(
                    "the event `error_event` makes must end the stream: mark its variant \
                     `#[sse(end)]`, so that clients stop for good after it instead of \
                     reconnecting and running the failed work again"
                );
            }
            return;
        }
        index += 1;
    }
    panic!(
        "`error_event`'s closure must end in a variant of the stream's events, written out \
         (`Feed::Failed(..)`), so that tidings can check it ends the stream"
    );
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Decodes one JSON payload, naming the event in the error.
#[doc(hidden)]
pub fn decode_json<'de, T: serde::Deserialize<'de>>(
    name: Option<&str>,
    data: &'de str,
) -> Result<T, crate::wire::DecodeError> {
    serde_json::from_str(data).map_err(|source| crate::wire::DecodeError::InvalidData {
        event: name.map(str::to_owned),
        source,
    })
}
