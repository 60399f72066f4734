//! [`EventSource`]: a client that reads an event stream over HTTP and reconnects as browsers do.

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Notify;

use super::{DecodeLimitError, Decoder, Event, TypedEvents};
use crate::event::{DecodeError, DecodeEventsOwned};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why an [`EventSource`] stream yielded an error.
///
/// Only [`ClientError::Decode`] leaves the stream running; after any other error the stream
/// ends. Transient failures (a broken connection, a `5xx`, `408` or `429` response, a read
/// timeout) are never yielded: the stream reconnects by itself, logs them with `tracing`, counts
/// them in [`EventSourceHandle::reconnects`], and tells why and when through
/// [`EventSourceHandle::last_disconnect`] and [`EventSourceHandle::disconnects`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The request could not be built: an invalid URL, header or body.
    InvalidRequest(BoxError),
    /// The server refused the stream for good: a `4xx` other than `408` and `429`, or another
    /// status that is neither success nor a transient failure (an unfollowed redirect).
    Status(StatusCode),
    /// Redirects did not lead to a response: a loop (such as an empty `Location`) or more
    /// than the HTTP client follows. Trying again would go round the same way.
    Redirect(BoxError),
    /// The server answered with success, but not with an event stream.
    NotEventStream {
        /// The `Content-Type` it sent, if any.
        content_type: Option<String>,
    },
    /// A line or an event exceeded the decoder's cap; reconnecting would read it again.
    Limit(DecodeLimitError),
    /// An event arrived whole but does not decode into the event enum (typed streams only).
    /// The stream goes on after it.
    Decode(DecodeError),
}

impl From<DecodeError> for ClientError {
    fn from(e: DecodeError) -> Self {
        ClientError::Decode(e)
    }
}

impl ClientError {
    /// Whether the stream goes on after this error (only [`ClientError::Decode`]).
    pub fn is_recoverable(&self) -> bool {
        matches!(self, ClientError::Decode(_))
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::InvalidRequest(e) => write!(f, "invalid event stream request: {e}"),
            ClientError::Redirect(e) => write!(f, "the event stream's redirects lead nowhere: {e}"),
            ClientError::Status(status) => {
                write!(f, "the server refused the event stream: {status}")
            }
            ClientError::NotEventStream { content_type } => write!(
                f,
                "the response is not an event stream (Content-Type: {})",
                content_type.as_deref().unwrap_or("none")
            ),
            ClientError::Limit(e) => e.fmt(f),
            ClientError::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::InvalidRequest(e) | ClientError::Redirect(e) => Some(e.as_ref()),
            ClientError::Limit(e) => Some(e),
            ClientError::Decode(e) => Some(e),
            ClientError::Status(_) | ClientError::NotEventStream { .. } => None,
        }
    }
}

/// A reconnecting Server-Sent Events client (feature `client`), built on `reqwest`.
///
/// Configure it, then turn it into a stream of events: [`typed`](EventSource::typed) decodes
/// them into an `#[sse_events]` enum, [`raw`](EventSource::raw) yields [`Event`]s.
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
///   once a connection delivers an event. A `Retry-After` in seconds on one of those
///   statuses is honoured when it is longer.
/// - Each reconnection sends **`Last-Event-ID`**: the last event id seen, which persists
///   across events without an id, across connections, and starts from
///   [`last_event_id`](EventSource::last_event_id) if set.
/// - It **stops for good** on `204 No Content` (the stream just ends), and yields a final
///   error on any other `4xx` ([`ClientError::Status`]) and on a response that is not
///   `text/event-stream` ([`ClientError::NotEventStream`]).
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

    /// A `POST` of `body` to `url` with a new `reqwest::Client`; see also
    /// [`json`](EventSource::json).
    pub fn post(url: impl reqwest::IntoUrl, body: impl Into<Bytes>) -> Self {
        Self::new(reqwest::Client::new(), Method::POST, url).body(body)
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
            max_line_len: super::DEFAULT_MAX_LINE_LEN,
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
    /// [`DEFAULT_MAX_LINE_LEN`](super::DEFAULT_MAX_LINE_LEN)); see
    /// [`Decoder::with_max_line_len`].
    pub fn max_line_len(mut self, max: usize) -> Self {
        self.max_line_len = max;
        self
    }

    /// A handle to force reconnections and count them. Handles taken before or after
    /// [`raw`](Self::raw) / [`typed`](Self::typed) control the same stream.
    pub fn handle(&self) -> EventSourceHandle {
        EventSourceHandle {
            shared: self.shared.clone(),
        }
    }

    /// The stream of raw events.
    pub fn raw(self) -> RawEvents {
        let handle = self.handle();
        let state = Connection::new(self);
        let inner = futures::stream::unfold(state, |mut state| async move {
            let item = state.next().await?;
            Some((item, state))
        })
        .boxed();
        RawEvents { inner, handle }
    }

    /// The stream of events decoded into `E`, across reconnections; see [`TypedEvents`].
    pub fn typed<E: DecodeEventsOwned + crate::SseEvents>(self) -> TypedEvents<RawEvents, E> {
        TypedEvents::new(self.raw())
    }

    fn fail(&mut self, error: impl Into<BoxError>) {
        if self.error.is_none() {
            self.error = Some(error.into());
        }
    }
}

#[derive(Debug)]
struct Shared {
    restart: Notify,
    reconnects: AtomicU64,
    disconnects: tokio::sync::watch::Sender<Option<Disconnect>>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            restart: Notify::new(),
            reconnects: AtomicU64::new(0),
            disconnects: tokio::sync::watch::Sender::new(None),
        }
    }
}

/// Why and when an [`EventSource`] stream lost its connection (and so reconnects), from
/// [`EventSourceHandle::last_disconnect`] or [`EventSourceHandle::disconnects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnect {
    /// When it happened.
    pub at: std::time::SystemTime,
    /// Why.
    pub reason: DisconnectReason,
}

/// Why an [`EventSource`] stream reconnects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// Connecting failed, or the server answered with a transient failure (`5xx`, `408`,
    /// `429`): what happened, as text.
    ConnectFailed(String),
    /// The connection broke while the stream was read.
    Broken(String),
    /// The server ended the response body.
    Ended,
    /// Nothing arrived, not even a keep-alive comment, for this long (the read timeout).
    ReadTimeout(Duration),
    /// [`EventSourceHandle::restart`] was called.
    Restarted,
}

impl Shared {
    fn disconnected(&self, reason: DisconnectReason) {
        let disconnect = Disconnect {
            at: std::time::SystemTime::now(),
            reason,
        };
        self.disconnects.send_replace(Some(disconnect));
    }
}

/// Controls a running [`EventSource`] stream from elsewhere; cheap to clone.
///
/// ```no_run
/// use tidings::client::EventSource;
///
/// let source = EventSource::get("http://127.0.0.1:3000/feed");
/// let handle = source.handle();
/// let events = source.raw();
/// // Later, e.g. after the network changed:
/// handle.restart();
/// println!("{} reconnections so far", handle.reconnects());
/// ```
#[derive(Debug, Clone)]
pub struct EventSourceHandle {
    shared: Arc<Shared>,
}

impl EventSourceHandle {
    /// Drops the current connection (or cuts short the wait before the next attempt) and
    /// reconnects at once, with `Last-Event-ID`. Called while the stream is not being polled,
    /// it takes effect at its next poll; several calls before then count as one.
    pub fn restart(&self) {
        self.shared.restart.notify_one();
    }

    /// How many times the stream has reconnected (every attempt after the first, whatever
    /// the reason: a failure, the end of a body, a timeout or [`restart`](Self::restart)).
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Relaxed)
    }

    /// The latest disconnection: when, and why (`None` while the first connection holds).
    pub fn last_disconnect(&self) -> Option<Disconnect> {
        self.shared.disconnects.borrow().clone()
    }

    /// Every disconnection as it happens: `changed().await` on the receiver wakes at each one.
    pub fn disconnects(&self) -> tokio::sync::watch::Receiver<Option<Disconnect>> {
        self.shared.disconnects.subscribe()
    }
}

/// The raw events of an [`EventSource`], across reconnections.
pub struct RawEvents {
    inner: BoxStream<'static, Result<Event, ClientError>>,
    handle: EventSourceHandle,
}

impl std::fmt::Debug for RawEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawEvents").finish_non_exhaustive()
    }
}

impl RawEvents {
    /// A handle to force reconnections and count them.
    pub fn handle(&self) -> EventSourceHandle {
        self.handle.clone()
    }
}

impl Stream for RawEvents {
    type Item = Result<Event, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<E> TypedEvents<RawEvents, E> {
    /// A handle to force reconnections and count them.
    pub fn handle(&self) -> EventSourceHandle {
        self.get_ref().handle()
    }
}

/// An open response being read.
struct Open {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    decoder: Decoder,
    /// Whether this connection dispatched an event (which resets the backoff).
    delivered: bool,
}

/// How an attempt to open the stream failed.
enum Refused {
    /// Try again later; `Some` holds a `Retry-After` delay.
    Transient(String, Option<Duration>),
    /// [`EventSourceHandle::restart`] was called meanwhile.
    Restarted,
    /// `204`: the server wants the client to stop.
    End,
    /// Stop with this error.
    Fatal(ClientError),
}

/// The state of one `EventSource` stream across its connections.
struct Connection {
    source: EventSource,
    open: Option<Open>,
    ready: VecDeque<Event>,
    scratch: Vec<Event>,
    last_event_id: String,
    /// The last `retry` the server sent.
    retry: Option<Duration>,
    /// Failed attempts in a row (connections that ended without an event count too).
    failures: u32,
    /// A `Retry-After` of the last refusal.
    retry_after: Option<Duration>,
    /// Set once the first attempt is made: the next ones are reconnections.
    attempted: bool,
    /// A restart was asked for: reconnect without waiting.
    restarting: bool,
    /// An invalid request, yielded first.
    pending_error: Option<ClientError>,
    done: bool,
    rng: u64,
}

impl Connection {
    fn new(mut source: EventSource) -> Self {
        let url_error = source
            .url
            .as_mut()
            .err()
            .map(|e| std::mem::replace(e, "".into()));
        let pending_error = url_error
            .or_else(|| source.error.take())
            .map(ClientError::InvalidRequest);
        for (name, value) in [
            (header::ACCEPT, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ] {
            if !source.headers.contains_key(&name) {
                source.headers.insert(name, HeaderValue::from_static(value));
            }
        }
        Connection {
            last_event_id: std::mem::take(&mut source.last_event_id),
            source,
            open: None,
            ready: VecDeque::new(),
            scratch: Vec::new(),
            retry: None,
            failures: 0,
            retry_after: None,
            attempted: false,
            restarting: false,
            pending_error,
            done: false,
            rng: seed(),
        }
    }

    /// The next item of the stream; `None` once it has ended for good.
    async fn next(&mut self) -> Option<Result<Event, ClientError>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(Ok(event));
            }
            if self.done {
                return None;
            }
            if let Some(error) = self.pending_error.take() {
                self.done = true;
                return Some(Err(error));
            }
            let Some(open) = self.open.as_mut() else {
                if self.attempted {
                    self.wait().await;
                    self.source
                        .shared
                        .reconnects
                        .fetch_add(1, Ordering::Relaxed);
                }
                self.attempted = true;
                match self.connect().await {
                    Ok(open) => self.open = Some(open),
                    Err(Refused::Transient(reason, retry_after)) => {
                        tracing::warn!(url = %self.url(), "event stream connection failed, will retry: {reason}");
                        self.source
                            .shared
                            .disconnected(DisconnectReason::ConnectFailed(reason));
                        self.failures = self.failures.saturating_add(1);
                        self.retry_after = retry_after;
                    }
                    Err(Refused::Restarted) => {
                        tracing::debug!(url = %self.url(), "restarting the event stream");
                        self.source.shared.disconnected(DisconnectReason::Restarted);
                        self.failures = self.failures.saturating_add(1);
                    }
                    Err(Refused::End) => {
                        tracing::debug!(url = %self.url(), "the server ended the event stream with 204 No Content");
                        self.done = true;
                    }
                    Err(Refused::Fatal(error)) => {
                        self.done = true;
                        return Some(Err(error));
                    }
                }
                continue;
            };
            let read = tokio::time::timeout(self.source.read_timeout, open.body.next());
            let restart = self.source.shared.restart.notified();
            let chunk = tokio::select! {
                biased;
                () = restart => {
                    tracing::debug!(url = %self.url(), "restarting the event stream");
                    self.source.shared.disconnected(DisconnectReason::Restarted);
                    self.restarting = true;
                    self.close();
                    continue;
                }
                chunk = read => chunk,
            };
            match chunk {
                Ok(Some(Ok(chunk))) => {
                    let fed = open.decoder.feed(&chunk, &mut self.scratch);
                    if let Some(retry) = open.decoder.retry() {
                        self.retry = Some(retry);
                    }
                    if !self.scratch.is_empty() {
                        open.delivered = true;
                    }
                    // Also catches an id set by a block without data, which dispatches nothing.
                    if open.decoder.last_event_id() != self.last_event_id {
                        self.last_event_id = open.decoder.last_event_id().to_owned();
                    }
                    self.ready.extend(self.scratch.drain(..));
                    if let Err(limit) = fed {
                        // Events completed before the offending line still come first.
                        self.open = None;
                        self.pending_error = Some(ClientError::Limit(limit));
                    }
                }
                Ok(Some(Err(e))) => {
                    tracing::warn!(url = %self.url(), "the event stream broke, will reconnect: {e}");
                    self.source
                        .shared
                        .disconnected(DisconnectReason::Broken(e.to_string()));
                    self.close();
                }
                Ok(None) if !self.source.reconnect_on_end => {
                    tracing::debug!(url = %self.url(), "the event stream ended; not reconnecting");
                    self.open = None;
                    self.done = true;
                }
                Ok(None) => {
                    tracing::debug!(url = %self.url(), "the event stream ended, will reconnect");
                    self.source.shared.disconnected(DisconnectReason::Ended);
                    self.close();
                }
                Err(_) => {
                    tracing::warn!(
                        url = %self.url(),
                        "nothing arrived on the event stream for {:?}, reconnecting",
                        self.source.read_timeout
                    );
                    let timeout = self.source.read_timeout;
                    self.source
                        .shared
                        .disconnected(DisconnectReason::ReadTimeout(timeout));
                    self.close();
                }
            }
        }
    }

    /// The URL for logs, without credentials, query or fragment (they may hold secrets).
    fn url(&self) -> String {
        match &self.source.url {
            Ok(url) => {
                format!(
                    "{}://{}{}",
                    url.scheme(),
                    url.host_str().unwrap_or(""),
                    url.port().map(|p| format!(":{p}")).unwrap_or_default()
                ) + url.path()
            }
            Err(_) => String::new(),
        }
    }

    /// Drops the current connection, counting it as a failure unless it delivered an event.
    fn close(&mut self) {
        if let Some(open) = self.open.take() {
            self.failures = if open.delivered {
                0
            } else {
                self.failures.saturating_add(1)
            };
        }
        self.retry_after = None;
    }

    /// Waits before a reconnection, unless a restart cuts the wait short.
    async fn wait(&mut self) {
        if std::mem::take(&mut self.restarting) {
            self.failures = 0;
            return;
        }
        let delay = self.delay();
        tracing::debug!(url = %self.url(), ?delay, "waiting before reconnecting");
        let restart = self.source.shared.restart.notified();
        tokio::select! {
            biased;
            () = restart => self.failures = 0,
            () = tokio::time::sleep(delay) => {}
        }
    }

    /// The wait before the next attempt: the server's `retry` after a connection that
    /// delivered events, then doubling with jitter while attempts fail, capped.
    fn delay(&mut self) -> Duration {
        let max = self.source.max_retry;
        let base = self.retry.unwrap_or(self.source.initial_retry).min(max);
        // The first reconnection waits the plain retry, as browsers do.
        let doublings = self.failures.saturating_sub(1).min(16);
        let delay = if doublings == 0 {
            base
        } else {
            let target = base.saturating_mul(1 << doublings).min(max);
            // Equal-ish jitter: somewhere in [3/4, 1] of the target, never under the retry.
            let quarter = target / 4;
            let jitter = quarter.mul_f64(self.random());
            (target - quarter + jitter).max(base)
        };
        match self.retry_after.take() {
            Some(after) => delay.max(after),
            None => delay,
        }
    }

    /// A number in `[0, 1)` from a xorshift generator.
    fn random(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Sends the request and checks the response head.
    async fn connect(&mut self) -> Result<Open, Refused> {
        let source = &self.source;
        let url = source
            .url
            .as_ref()
            .expect("checked before the first attempt");
        let mut request = source
            .client
            .request(source.method.clone(), url.clone())
            .headers(source.headers.clone());
        if !self.last_event_id.is_empty() {
            match HeaderValue::from_bytes(self.last_event_id.as_bytes()) {
                Ok(value) => request = request.header("last-event-id", value),
                Err(_) => tracing::warn!(
                    id = %self.last_event_id,
                    "the last event id cannot be sent as a header; reconnecting without it"
                ),
            }
        }
        if let Some(body) = &source.body {
            request = request.body(body.clone());
        }
        let send = tokio::time::timeout(source.read_timeout, request.send());
        let restart = source.shared.restart.notified();
        let response = tokio::select! {
            biased;
            () = restart => {
                self.restarting = true;
                return Err(Refused::Restarted);
            }
            response = send => response,
        };
        let response = match response {
            Err(_) => {
                return Err(Refused::Transient(
                    format!("no response within {:?}", source.read_timeout),
                    None,
                ))
            }
            Ok(Err(e)) if e.is_builder() => {
                return Err(Refused::Fatal(ClientError::InvalidRequest(e.into())))
            }
            Ok(Err(e)) if e.is_redirect() => {
                return Err(Refused::Fatal(ClientError::Redirect(e.into())))
            }
            Ok(Err(e)) => return Err(Refused::Transient(e.to_string(), None)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status == StatusCode::NO_CONTENT {
            return Err(Refused::End);
        }
        if status.is_server_error()
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
        {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(Refused::Transient(format!("status {status}"), retry_after));
        }
        if !status.is_success() {
            return Err(Refused::Fatal(ClientError::Status(status)));
        }
        let content_type = response.headers().get(header::CONTENT_TYPE);
        let is_event_stream = content_type
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/event-stream"));
        if !is_event_stream {
            let content_type =
                content_type.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            return Err(Refused::Fatal(ClientError::NotEventStream { content_type }));
        }
        Ok(Open {
            body: response.bytes_stream().boxed(),
            decoder: self.decoder(),
            delivered: false,
        })
    }

    /// A decoder for a new connection, whose last event id is the one in force.
    fn decoder(&mut self) -> Decoder {
        let mut decoder = Decoder::with_max_line_len(self.source.max_line_len);
        if !self.last_event_id.is_empty() {
            // A block with an id and no data sets the last event id without dispatching
            // anything; `finish` then readies the decoder for a stream start (a BOM).
            let block = format!("id: {}\n\n", self.last_event_id);
            let _ = decoder.feed(block.as_bytes(), &mut self.scratch);
            self.scratch.clear();
            decoder.finish(&mut self.scratch);
        }
        decoder
    }
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // Mix in a stack address so streams started in the same nanosecond differ; never zero.
    let local = 0u8;
    (nanos ^ (std::ptr::addr_of!(local) as u64).rotate_left(32)) | 1
}
