//! [`HandlerOutcome`]: what a stream handler may return, and the response a failure becomes.

use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// How a handler failed: the response it is answered with before the stream's first event,
/// and, once the stream has started, the event the stream ends with (`error_event`), if any.
pub struct Failure {
    pub(crate) response: Response,
    pub(crate) last_event: Option<Bytes>,
}

impl Failure {
    /// A failure answered with `response`, with no event of its own once the stream started.
    pub(crate) fn new(response: Response) -> Self {
        Failure {
            response,
            last_event: None,
        }
    }
}

/// What a stream handler may return: `()` or `Result<(), E>` with `E: IntoResponse`.
#[diagnostic::on_unimplemented(
    message = "a stream handler must return `()` or `Result<(), E>` where `E: IntoResponse`, not `{Self}`",
    label = "the return type of this stream handler"
)]
pub trait HandlerOutcome {
    /// How the handler failed, or `None` when it succeeded.
    fn into_failure(self) -> Option<Failure>;
}

impl HandlerOutcome for () {
    fn into_failure(self) -> Option<Failure> {
        None
    }
}

impl<E: IntoResponse> HandlerOutcome for Result<(), E> {
    fn into_failure(self) -> Option<Failure> {
        self.err().map(|e| Failure::new(e.into_response()))
    }
}
