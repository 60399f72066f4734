//! [`EventSource`]: a client that reads an event stream over HTTP and reconnects as browsers do.
//!
//! The builder lives here; [`handle`] holds what a running stream shares with its
//! [`EventSourceHandle`]s, [`connection`] the stream across its connections ([`RawEvents`]),
//! [`request`] one attempt (the request and what its response head means), and [`backoff`] the
//! wait between attempts.

mod backoff;
mod connection;
mod handle;
mod request;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::Method;
use std::sync::Arc;
use std::time::Duration;

pub use connection::RawEvents;
pub use handle::{Disconnect, DisconnectReason, EventSourceHandle, Opened};

use super::decoder::DEFAULT_MAX_LINE_LEN;
use super::error::BoxError;
use super::typed::TypedEvents;
use crate::wire::DecodeEventsOwned;
use handle::Shared;

/// A reconnecting Server-Sent Events client (feature `client`), built on `reqwest`.
///
/// Configure it, then turn it into a stream of events: [`typed`](EventSource::typed) decodes
/// them into an `#[sse_events]` enum, [`raw`](EventSource::raw) yields
/// [`RawEvent`](super::RawEvent)s. Its errors are [`ClientError`](super::ClientError)s.
///
/// The stream behaves as a browser's `EventSource`, with a few additions:
///
/// - It **reconnects** when the connection breaks, the body ends, the server answers `5xx`,
///   `408` or `429`, or nothing at all (not even a keep-alive comment) arrives for the
///   [read timeout](EventSource::read_timeout) (60 s by default).
/// - Before reconnecting it waits the server's last `retry` (or the
///   [initial retry](EventSource::initial_retry), 3 s by default). While attempts keep
///   failing, the wait doubles, with jitter, up to the [maximum](EventSource::max_retry)
///   (30 s by default, which also caps the server's `retry`); it goes back to the plain retry
///   once a connection delivers an event. It is never under 100 ms, so a server that sent
///   `retry: 0` gets no tight reconnection loop. A `Retry-After` in seconds on one of those
///   statuses is honoured when it is longer.
/// - Each reconnection sends **`Last-Event-ID`**: the last event id seen, which persists
///   across events without an id, across connections, and starts from
///   [`last_event_id`](EventSource::last_event_id) if set.
/// - It **stops for good** on `204 No Content` (the stream just ends), and yields a final
///   error on any other `4xx` ([`ClientError::Status`](super::ClientError::Status)), on a
///   response that is not `text/event-stream`
///   ([`ClientError::NotEventStream`](super::ClientError::NotEventStream)), and on a line or
///   event over the decoder's cap ([`ClientError::Limit`](super::ClientError::Limit)): a
///   reconnection would read it again.
/// - A request's method, headers and body are sent again, identically, on each reconnection.
/// - Transient failures are logged (`tracing`), not yielded; [`EventSourceHandle`] counts
///   reconnections and can force one.
///
/// ```no_run
/// use futures::StreamExt;
/// use tidings::{client::EventSource, sse_events};
///
/// #[sse_events(rename_all = "snake_case")]
/// #[derive(Debug)]
/// enum Score { Goal(u32) }
///
/// # async fn run() {
/// let mut goals = EventSource::get("http://127.0.0.1:3000/score")
///     .header("authorization", "Bearer 123")
///     .typed::<Score>();
/// while let Some(goal) = goals.next().await {
///     match goal {
///         Ok(goal) => println!("{:?} (id {})", goal.event, goal.id),
///         Err(e) => { eprintln!("{e}"); break }
///     }
/// }
/// # }
/// ```
pub struct EventSource {
    client: reqwest::Client,
    method: Method,
    url: Result<reqwest::Url, BoxError>,
    headers: HeaderMap,
    body: Option<Bytes>,
    read_timeout: Duration,
    initial_retry: Duration,
    max_retry: Duration,
    last_event_id: String,
    max_line_len: usize,
    reconnect_on_end: bool,
    error: Option<BoxError>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSource")
            .field("method", &self.method)
            .field("url", &self.url.as_ref().map(reqwest::Url::as_str).ok())
            .field("read_timeout", &self.read_timeout)
            .field("initial_retry", &self.initial_retry)
            .field("max_retry", &self.max_retry)
            .field("last_event_id", &self.last_event_id)
            .finish_non_exhaustive()
    }
}

impl EventSource {
    /// How long a connection may stay silent (no bytes at all) before it counts as broken.
    pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
    /// The wait before reconnecting until the server sends a `retry` (as browsers).
    pub const DEFAULT_INITIAL_RETRY: Duration = Duration::from_secs(3);
    /// The longest wait between two attempts.
    pub const DEFAULT_MAX_RETRY: Duration = Duration::from_secs(30);

    /// A `GET` of `url` with a new `reqwest::Client`.
    pub fn get(url: impl reqwest::IntoUrl) -> Self {
        Self::new(reqwest::Client::new(), Method::GET, url)
    }

    /// A `POST` to `url` with a new `reqwest::Client`. Give it a body with
    /// [`json`](EventSource::json) (which also sets `Content-Type`) or [`body`](EventSource::body);
    /// without one it is sent empty.
    pub fn post(url: impl reqwest::IntoUrl) -> Self {
        Self::new(reqwest::Client::new(), Method::POST, url)
    }

    /// A request of `method` to `url` sent with `client` (to share its connection pool, TLS
    /// and proxy settings). A bad URL is reported as the stream's first item.
    pub fn new(client: reqwest::Client, method: Method, url: impl reqwest::IntoUrl) -> Self {
        EventSource {
            client,
            // A GET is a subscription: like a browser, come back when it ends. A POST (an LLM
            // completion, say) is work that ended: sending it again would redo it.
            reconnect_on_end: method == Method::GET,
            method,
            url: url.into_url().map_err(Into::into),
            headers: HeaderMap::new(),
            body: None,
            read_timeout: Self::DEFAULT_READ_TIMEOUT,
            initial_retry: Self::DEFAULT_INITIAL_RETRY,
            max_retry: Self::DEFAULT_MAX_RETRY,
            last_event_id: String::new(),
            max_line_len: DEFAULT_MAX_LINE_LEN,
            error: None,
            shared: Arc::new(Shared::default()),
        }
    }

    /// Whether to reconnect when the server ends the response body cleanly (default: yes for
    /// `GET`, as browsers do; no for other methods, so that a finished `POST` is not sent
    /// again). Either way the stream ends for good after the stream's final event
    /// (`#[sse(end)]`) when read with [`typed`](Self::typed), on a `204`, and on errors.
    pub fn reconnect_on_end(mut self, reconnect: bool) -> Self {
        self.reconnect_on_end = reconnect;
        self
    }

    /// Adds a header to every request. An invalid name or value is reported as the stream's
    /// first item.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        let name = HeaderName::try_from(name).map_err(Into::into);
        let value = HeaderValue::try_from(value).map_err(Into::into);
        match (name, value) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            (Err(e), _) | (_, Err(e)) => self.fail(e),
        }
        self
    }

    /// Sets the body sent with every request (the same bytes on each reconnection).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets the body to `value` as JSON, and `Content-Type: application/json`. A value that
    /// fails to serialize is reported as the stream's first item.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                self.body = Some(body.into());
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// How long a connection may go without receiving a single byte (an event, a comment, a
    /// keep-alive) before it is dropped and reconnected; also bounds the wait for the
    /// response head. Default: [`DEFAULT_READ_TIMEOUT`](Self::DEFAULT_READ_TIMEOUT) (60 s),
    /// so it suits servers that send keep-alives more often than that.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The wait before reconnecting until the server sends `retry`. Default:
    /// [`DEFAULT_INITIAL_RETRY`](Self::DEFAULT_INITIAL_RETRY) (3 s).
    pub fn initial_retry(mut self, delay: Duration) -> Self {
        self.initial_retry = delay;
        self
    }

    /// The longest wait between two attempts, however often they fail and whatever `retry`
    /// the server asks for. Default: [`DEFAULT_MAX_RETRY`](Self::DEFAULT_MAX_RETRY) (30 s).
    pub fn max_retry(mut self, delay: Duration) -> Self {
        self.max_retry = delay;
        self
    }

    /// The `Last-Event-ID` to send from the first request on (to resume a stream read
    /// earlier). An id holding CR, LF or NUL is reported as the stream's first item.
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if id.contains(['\r', '\n', '\0']) {
            self.fail("a last event id cannot contain CR, LF or NUL");
        } else {
            self.last_event_id = id;
        }
        self
    }

    /// The decoder's cap on one line, in bytes (default
    /// [`DEFAULT_MAX_LINE_LEN`]); see
    /// [`Decoder::with_max_line_len`](super::Decoder::with_max_line_len).
    pub fn max_line_len(mut self, max: usize) -> Self {
        self.max_line_len = max;
        self
    }

    /// A handle to force reconnections and count them. Handles taken before or after
    /// [`raw`](Self::raw) / [`typed`](Self::typed) control the same stream.
    pub fn handle(&self) -> EventSourceHandle {
        EventSourceHandle::new(self.shared.clone())
    }

    /// The stream of raw events.
    pub fn raw(self) -> RawEvents {
        RawEvents::new(self)
    }

    /// The stream of events decoded into `E`, across reconnections; see [`TypedEvents`].
    pub fn typed<E: DecodeEventsOwned + crate::wire::SseEvents>(self) -> TypedEvents<RawEvents, E> {
        TypedEvents::new(self.raw())
    }

    fn fail(&mut self, error: impl Into<BoxError>) {
        if self.error.is_none() {
            self.error = Some(error.into());
        }
    }
}
