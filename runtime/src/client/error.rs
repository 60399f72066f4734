//! [`ClientError`]: every way reading an event stream can fail, for every client in the crate.

use futures::{Stream, StreamExt};
use http::StatusCode;
use std::time::Duration;

use super::decoder::DecodeLimitError;
use crate::wire::DecodeError;

/// A boxed error from a layer below: the HTTP client, the body, a header or URL parser.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why an event stream yielded an error: the item type of [`EventStream`](super::EventStream),
/// of [`TypedEvents`](super::TypedEvents) and of the reconnecting `EventSource` (feature
/// `client`).
///
/// Only [`ClientError::Decode`] leaves the stream running ([`is_recoverable`](Self::is_recoverable));
/// after any other error the stream ends. Which variants a stream can yield depends on what
/// reads it:
///
/// - an [`EventStream`](super::EventStream) over any bytes: [`Transport`](Self::Transport),
///   [`Limit`](Self::Limit), and [`Decode`](Self::Decode) once typed;
/// - the reconnecting `EventSource`: the request and response ones
///   ([`InvalidRequest`](Self::InvalidRequest), [`Status`](Self::Status),
///   [`Redirect`](Self::Redirect), [`NotEventStream`](Self::NotEventStream)), [`Limit`](Self::Limit)
///   and [`Decode`](Self::Decode). It never yields transient failures (a broken connection, a
///   `5xx`, `408` or `429`, a read timeout): it reconnects by itself and reports them through
///   its handle (`EventSourceHandle::last_disconnect`).
///
/// ```
/// use futures::StreamExt;
/// use tidings::client::{ClientError, EventStream};
///
/// # futures::executor::block_on(async {
/// let chunks = futures::stream::iter([
///     Ok("data: first\n\n"),
///     Err(std::io::Error::other("connection reset")),
/// ]);
/// let mut events = EventStream::new(chunks);
/// assert_eq!(events.next().await.unwrap().unwrap().data, "first");
/// let error = events.next().await.unwrap().unwrap_err();
/// assert!(matches!(error, ClientError::Transport(_)));
/// assert!(!error.is_recoverable());
/// assert!(events.next().await.is_none());
/// # });
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The request could not be built: an invalid URL, header, last event id or body.
    InvalidRequest(Box<dyn std::error::Error + Send + Sync>),
    /// The server refused the stream for good: a `4xx` other than `408` and `429`, or another
    /// status that is neither success nor a transient failure (an unfollowed redirect).
    Status {
        /// The status it answered with.
        status: StatusCode,
        /// The start of its body (at most [`ClientError::MAX_ERROR_BODY`] bytes, read as
        /// UTF-8, lossily): the reason an error response gives.
        body: String,
    },
    /// Redirects did not lead to a response: a loop (such as an empty `Location`) or more
    /// than the HTTP client follows. Trying again would go round the same way.
    Redirect(Box<dyn std::error::Error + Send + Sync>),
    /// The server answered with success, but not with an event stream.
    NotEventStream {
        /// The `Content-Type` it sent, if any.
        content_type: Option<String>,
    },
    /// The body broke while it was read (the connection dropped, the body errored).
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// A line or an event exceeded the decoder's cap: the stream cannot be read further (and
    /// reconnecting would read the same again).
    Limit(DecodeLimitError),
    /// An event arrived whole but does not decode into the event enum (an unknown name, or
    /// data that does not fit its payload). The stream itself is fine and goes on after it.
    Decode(DecodeError),
}

impl ClientError {
    /// How much of a refusing response's body [`ClientError::Status`] keeps.
    pub const MAX_ERROR_BODY: usize = 64 * 1024;

    /// Whether the stream goes on after this error (only [`ClientError::Decode`]).
    pub fn is_recoverable(&self) -> bool {
        matches!(self, ClientError::Decode(_))
    }

    /// The error for a response that refused the stream with `status`, keeping the start of
    /// its body: what arrives of it within `patience`, up to [`MAX_ERROR_BODY`] bytes.
    ///
    /// [`MAX_ERROR_BODY`]: ClientError::MAX_ERROR_BODY
    pub(crate) async fn refused<S, B, E>(status: StatusCode, body: S, patience: Duration) -> Self
    where
        S: Stream<Item = Result<B, E>>,
        B: AsRef<[u8]>,
    {
        let deadline = tokio::time::Instant::now() + patience;
        let mut body = std::pin::pin!(body);
        let mut read = Vec::new();
        while read.len() < Self::MAX_ERROR_BODY {
            match tokio::time::timeout_at(deadline, body.next()).await {
                Ok(Some(Ok(chunk))) => read.extend_from_slice(chunk.as_ref()),
                // The end, a broken body or no patience left: what arrived is the reason.
                _ => break,
            }
        }
        read.truncate(Self::MAX_ERROR_BODY);
        ClientError::Status {
            status,
            body: String::from_utf8_lossy(&read).into_owned(),
        }
    }
}

impl From<DecodeError> for ClientError {
    fn from(e: DecodeError) -> Self {
        ClientError::Decode(e)
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::InvalidRequest(e) => write!(f, "invalid event stream request: {e}"),
            ClientError::Status { status, body } => {
                write!(f, "the server refused the event stream: {status}")?;
                // Enough of the body to say why, on one line.
                let reason: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
                match reason.char_indices().nth(200) {
                    _ if reason.is_empty() => Ok(()),
                    Some((cut, _)) => write!(f, ": {}…", &reason[..cut]),
                    None => write!(f, ": {reason}"),
                }
            }
            ClientError::Redirect(e) => write!(f, "the event stream's redirects lead nowhere: {e}"),
            ClientError::NotEventStream { content_type } => write!(
                f,
                "the response is not an event stream (Content-Type: {})",
                content_type.as_deref().unwrap_or("none")
            ),
            ClientError::Transport(e) => write!(f, "the event stream broke: {e}"),
            ClientError::Limit(e) => e.fmt(f),
            ClientError::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::InvalidRequest(e)
            | ClientError::Redirect(e)
            | ClientError::Transport(e) => Some(e.as_ref()),
            ClientError::Limit(e) => Some(e),
            ClientError::Decode(e) => Some(e),
            ClientError::Status { .. } | ClientError::NotEventStream { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    fn boxed(text: &str) -> Box<dyn std::error::Error + Send + Sync> {
        text.into()
    }

    #[test]
    fn every_error_says_what_happened_and_only_decode_errors_are_recoverable() {
        let decode = ClientError::from(DecodeError::UnknownEvent(Some("pong".into())));
        let cases = [
            (
                ClientError::InvalidRequest(boxed("bad url")),
                "invalid event stream request: bad url",
            ),
            (
                ClientError::Redirect(boxed("loop")),
                "the event stream's redirects lead nowhere: loop",
            ),
            (
                ClientError::NotEventStream {
                    content_type: Some("text/html".into()),
                },
                "the response is not an event stream (Content-Type: text/html)",
            ),
            (
                ClientError::NotEventStream { content_type: None },
                "the response is not an event stream (Content-Type: none)",
            ),
            (
                ClientError::Transport(boxed("reset")),
                "the event stream broke: reset",
            ),
            (
                ClientError::Status {
                    status: StatusCode::FORBIDDEN,
                    body: String::new(),
                },
                "the server refused the event stream: 403 Forbidden",
            ),
            (decode, "unknown event name `pong`"),
        ];
        for (error, said) in &cases {
            assert_eq!(error.to_string(), *said);
            assert_eq!(
                error.is_recoverable(),
                matches!(error, ClientError::Decode(_))
            );
        }
        assert!(cases[0].0.source().is_some() && cases[2].0.source().is_none());
        assert!(cases[6].0.source().is_some());
    }

    /// An error body shows on one line, cut after 200 characters.
    #[test]
    fn a_long_error_body_is_shortened_in_the_message() {
        let refused = ClientError::Status {
            status: StatusCode::BAD_REQUEST,
            body: format!("why\n{}", "x".repeat(500)),
        };
        let said = refused.to_string();
        assert!(said.starts_with("the server refused the event stream: 400 Bad Request: why xxx"));
        assert!(said.ends_with("x…"));
        assert_eq!(
            said.chars().count(),
            "the server refused the event stream: 400 Bad Request: ".len() + 201
        );
    }

    #[tokio::test]
    async fn a_refused_response_keeps_at_most_the_cap_of_its_body() {
        let chunks =
            (0..3).map(|_| Ok::<_, std::io::Error>(vec![b'a'; ClientError::MAX_ERROR_BODY / 2]));
        let refused = ClientError::refused(
            StatusCode::BAD_REQUEST,
            futures::stream::iter(chunks),
            Duration::from_secs(1),
        )
        .await;
        let ClientError::Status { body, .. } = refused else {
            panic!("a status error")
        };
        assert_eq!(body.len(), ClientError::MAX_ERROR_BODY);
    }
}
