use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;

/// The `Last-Event-ID` request header: the id of the last event a reconnecting client saw.
///
/// `LastEventId(None)` when the header is absent. A value longer than [`LastEventId::MAX_LEN`]
/// bytes or not valid UTF-8 is rejected with `400 Bad Request` and a body saying why.
///
/// ```
/// use tidings::{sse_events, sse_handler, LastEventId, Sender};
///
/// #[sse_events]
/// enum Feed { Item(u64) }
///
/// #[sse_handler(get, "/feed")]
/// async fn feed(LastEventId(last): LastEventId, tx: Sender<Feed>) {
///     let start = last.and_then(|id| id.parse::<u64>().ok()).map_or(0, |id| id + 1);
///     for n in start..start + 3 {
///         let _ = tx.send(tidings::Message::new(Feed::Item(n)).id(n)).await;
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LastEventId(pub Option<String>);

impl LastEventId {
    /// The longest id accepted, in bytes. Ids are cursors, not payloads; a longer header is
    /// far more likely an attack or a bug than a real id.
    pub const MAX_LEN: usize = 1024;

    /// The id, if the client sent one.
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// Why a `Last-Event-ID` header was rejected: answered with `400 Bad Request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastEventIdRejection {
    /// The header is longer than [`LastEventId::MAX_LEN`].
    TooLong(usize),
    /// The header is not valid UTF-8.
    NotUtf8,
}

impl std::fmt::Display for LastEventIdRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LastEventIdRejection::TooLong(len) => write!(
                f,
                "the Last-Event-ID header is {len} bytes long; at most {} are accepted",
                LastEventId::MAX_LEN
            ),
            LastEventIdRejection::NotUtf8 => {
                f.write_str("the Last-Event-ID header is not valid UTF-8")
            }
        }
    }
}

impl std::error::Error for LastEventIdRejection {}

impl IntoResponse for LastEventIdRejection {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, self.to_string()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LastEventId {
    type Rejection = LastEventIdRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("last-event-id") else {
            return Ok(LastEventId(None));
        };
        let bytes = value.as_bytes();
        if bytes.len() > LastEventId::MAX_LEN {
            return Err(LastEventIdRejection::TooLong(bytes.len()));
        }
        let id = std::str::from_utf8(bytes).map_err(|_| LastEventIdRejection::NotUtf8)?;
        Ok(LastEventId(Some(id.to_owned())))
    }
}
