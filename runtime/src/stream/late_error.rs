//! `error_event`: a handler's error after its stream started becomes the stream's last event,
//! instead of only a log line (the client already has its `200`).

use axum::response::IntoResponse;
use bytes::Bytes;

use super::outcome::{Failure, HandlerOutcome};
use crate::wire::{encode_ahead, SseEvents};

/// A handler's error together with the event it becomes once the stream has started: what
/// `#[sse_handler(.., error_event = ..)]` wraps a returned `Err` in. Before the first event the
/// error is answered as its own response, as without `error_event`.
pub struct LateError<E> {
    error: E,
    event: Option<Bytes>,
}

impl<E> LateError<E> {
    /// `error`, which becomes the event `to_event` makes of it on a stream that has started.
    /// An event that fails to encode is logged and left out.
    pub fn new<Ev: SseEvents>(error: E, to_event: impl FnOnce(&E) -> Ev) -> Self {
        let event = encode_ahead(to_event(&error), "error_event");
        LateError { error, event }
    }
}

impl<E: IntoResponse> HandlerOutcome for Result<(), LateError<E>> {
    fn into_failure(self) -> Option<Failure> {
        self.err().map(|late| Failure {
            response: late.error.into_response(),
            last_event: late.event,
        })
    }
}
