//! [`Error`]: the one error a stream handler returns, and what each of its causes becomes.
//!
//! Everything in tidings that can fail while serving returns it: sending (`Sender::send`,
//! `forward`, `comment`), setting a header (`Sender::set_header`), the hub (`publish`,
//! `subscribe`, `build`). So a handler returns `Result<(), tidings::Error>` and uses `?`
//! throughout; before the first event an `Err` becomes the status its cause calls for.

mod header;
mod hub;

use axum::response::{IntoResponse, Response};
use http::{header::RETRY_AFTER, StatusCode};

use crate::wire::{EncodeError, ForwardError, Gone, InvalidField};
pub use header::HeaderError;
pub use hub::HubError;

/// What went wrong while serving a stream or using a hub.
///
/// Tell apart only what calls for different handling: [`Disconnected`](Error::Disconnected)
/// is the usual end of a stream (its client left), the rest are failures. Before the stream's
/// first event a handler's `Err` is answered as its own response: `500` for an encoding or
/// header error, and the status of a [`HubError`] (`503` with `Retry-After` when the hub is
/// unreachable or full, `400` for a topic name it refuses). After it, the error is logged (or
/// becomes the stream's `error_event`) and the stream ends.
///
/// ```
/// use tidings::hub::{Hub, Resume};
/// use tidings::{sse_events, sse_handler, Error, LastEventId, Sender};
///
/// #[sse_events]
/// enum Note { Text(String) }
///
/// #[sse_handler(get, "/notes")]
/// async fn notes(hub: axum::extract::State<Hub<Note>>, last: LastEventId, tx: Sender<Note>)
///     -> Result<(), Error>
/// {
///     let subscription = hub.subscribe("notes", &last).await?; // a `HubError`: 503 or 400
///     tx.send(Note::Text("welcome".into())).await?;           // encoding, or the client left
///     tx.forward(subscription).await
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The client is gone (or the stream ended): nothing more can be sent. Return it; there is
    /// no one to tell.
    Disconnected,
    /// An event could not be encoded: its payload failed to serialize, or an id is not one a
    /// client can send back ([`EventId::new`](crate::EventId::new) refused it). Nothing of it
    /// was sent or published.
    Encode(EncodeError),
    /// [`Sender::set_header`](crate::Sender::set_header) did not set the header.
    Header(HeaderError),
    /// The hub could not publish or subscribe.
    Hub(HubError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Disconnected => f.write_str("the client disconnected"),
            Error::Encode(e) => e.fmt(f),
            Error::Header(e) => e.fmt(f),
            Error::Hub(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Disconnected => None,
            Error::Encode(e) => Some(e),
            Error::Header(e) => Some(e),
            Error::Hub(e) => Some(e),
        }
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Error::Encode(e)
    }
}

/// So that `EventId::new(text)?` works in a handler.
impl From<InvalidField> for Error {
    fn from(e: InvalidField) -> Self {
        Error::Encode(e.into())
    }
}

/// A stream's queue is gone: its client left.
#[doc(hidden)]
impl From<Gone> for Error {
    fn from(Gone: Gone) -> Self {
        Error::Disconnected
    }
}

#[doc(hidden)]
impl From<ForwardError> for Error {
    fn from(e: ForwardError) -> Self {
        match e {
            ForwardError::Gone => Error::Disconnected,
            ForwardError::Encode(e) => Error::Encode(e),
        }
    }
}

impl From<HeaderError> for Error {
    fn from(e: HeaderError) -> Self {
        Error::Header(e)
    }
}

impl From<HubError> for Error {
    fn from(e: HubError) -> Self {
        Error::Hub(e)
    }
}

/// Seconds a client is asked to wait before retrying when the hub cannot take it now.
const RETRY_AFTER_SECONDS: &str = "1";

impl Error {
    /// The status this error is answered with before a stream's first event (or in any route
    /// that returns it): `503`, `400` or `500` for a [`HubError`] (see [`HubError::status`]),
    /// `500` otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Hub(e) => e.status(),
            Error::Disconnected | Error::Encode(_) | Error::Header(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// The error's [`status`](Error::status), with the reason as a plain-text body, and
/// `Retry-After` on a `503`.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = self.to_string();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            (status, [(RETRY_AFTER, RETRY_AFTER_SECONDS)], body).into_response()
        } else {
            (status, body).into_response()
        }
    }
}
