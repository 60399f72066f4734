//! [`LastEventId`]: the id a reconnecting client sends back, the one input the wire has.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;

use super::field::EventId;

/// The `Last-Event-ID` request header: the id of the last event a reconnecting client saw.
///
/// When the header is absent, the `lastEventId` query parameter stands in for it: a browser's
/// `EventSource` sends the header only on its own reconnections, so a page that opens a new one
/// (after a `503`, which it does not retry, or after a reload) resumes with
/// `new EventSource("/feed?lastEventId=" + encodeURIComponent(lastId))`. The header wins when
/// both are sent (it is the newer: the browser's own reconnection keeps the first URL).
///
/// `LastEventId(None)` when neither is sent. A value longer than [`LastEventId::MAX_LEN`]
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
    /// The query parameter read when the header is absent.
    pub const QUERY_PARAMETER: &'static str = "lastEventId";

    /// The longest id accepted, in bytes. Ids are cursors, not payloads; a longer header is
    /// far more likely an attack or a bug than a real id.
    pub const MAX_LEN: usize = 1024;

    /// The id, if the client sent one.
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The id as the [`EventId`] it was sent as: `None` when the client sent none, or text no
    /// server event could have carried (an id made up, or mangled on its way). The id of every
    /// event a tidings server sends comes back this way, so it compares with the server's own.
    ///
    /// ```
    /// use tidings::{EventId, LastEventId};
    ///
    /// let sent = EventId::from(42u64);
    /// let back = LastEventId(Some("42".to_owned()));
    /// assert_eq!(back.event_id(), Some(sent));
    /// assert_eq!(LastEventId(Some("\u{7f}".to_owned())).event_id(), None);
    /// ```
    pub fn event_id(&self) -> Option<EventId> {
        self.0.as_deref().and_then(|id| EventId::new(id).ok())
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
        // Both are checked, whichever is used: a request is refused for any part that breaks
        // what the API document says of it.
        let from_query = from_query(parts.uri.query()).map(checked).transpose()?;
        match parts.headers.get("last-event-id") {
            Some(value) => {
                let id = std::str::from_utf8(value.as_bytes())
                    .map_err(|_| LastEventIdRejection::NotUtf8)?;
                Ok(LastEventId(Some(checked(id.to_owned())?)))
            }
            None => Ok(LastEventId(from_query)),
        }
    }
}

/// `id`, unless it is longer than [`LastEventId::MAX_LEN`].
fn checked(id: String) -> Result<String, LastEventIdRejection> {
    if id.len() > LastEventId::MAX_LEN {
        return Err(LastEventIdRejection::TooLong(id.len()));
    }
    Ok(id)
}

/// The `lastEventId` query parameter, percent-decoded, if present. (Only this parameter is read:
/// the rest of the query belongs to the handler's extractors, which judge it themselves.)
fn from_query(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == LastEventId::QUERY_PARAMETER)
        .map(|(_, id)| id.into_owned())
}
