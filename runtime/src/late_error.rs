//! `error_event`: a handler's error after its stream started becomes the stream's last event,
//! instead of only a log line (the client already has its `200`).

use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::event::SseEvents;

/// The encoded event a late error becomes, carried in its response's extensions to the body.
#[derive(Clone)]
pub(crate) struct LateEvent(pub(crate) Bytes);

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
        let event = crate::sender::encode_ahead(to_event(&error), "error_event");
        LateError { error, event }
    }
}

impl<E: IntoResponse> IntoResponse for LateError<E> {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if let Some(frame) = self.event {
            response.extensions_mut().insert(LateEvent(frame));
        }
        response
    }
}
