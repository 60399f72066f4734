//! Testing streams: in-process ([`TestClient`]: run a router, collect typed events, no port
//! opened), and over a network that fails on demand ([`CutProxy`]).
//!
//! ```
//! use tidings::testing::TestClient;
//! use tidings::{sse_events, sse_handler, Error, Sender, SseApi};
//!
//! #[sse_events]
//! #[derive(Debug, PartialEq)]
//! enum Count { Number(u32) }
//!
//! #[sse_handler(get, "/count")]
//! async fn count(tx: Sender<Count>) -> Result<(), Error> {
//!     for n in 1..=3 {
//!         tx.send(Count::Number(n)).await?;
//!     }
//!     Ok(())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client = TestClient::new(SseApi::new("Counter", "1").handler(count).into_router());
//! let events = client.get("/count").await.collect::<Count>().await.unwrap();
//! assert_eq!(events, [Count::Number(1), Count::Number(2), Count::Number(3)]);
//! # }
//! ```

use axum::body::Body;
use futures::StreamExt;
use http::{Request, Response, StatusCode};
use std::time::Duration;
use tower::ServiceExt;

use crate::client::{ClientError, EventStream, RawEvent, TypedEvent};
use crate::wire::DecodeEventsOwned;

mod cut_proxy;

pub use cut_proxy::CutProxy;

/// Runs requests against a router in-process.
#[derive(Clone)]
pub struct TestClient {
    router: axum::Router,
    timeout: Duration,
}

impl TestClient {
    /// How long a test waits for events by default.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A client for `router` (with its state already given).
    pub fn new(router: axum::Router) -> Self {
        TestClient {
            router,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// How long each collecting call waits before failing with [`TestError::Timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestStream {
        let request = Request::get(path)
            .body(Body::empty())
            .expect("a valid request path");
        self.request(request).await
    }

    /// `GET path` as a reconnecting client sends it, with `Last-Event-ID: last_event_id`.
    pub async fn resume(&self, path: &str, last_event_id: &str) -> TestStream {
        let request = Request::get(path)
            .header("last-event-id", last_event_id)
            .body(Body::empty())
            .expect("a valid request path and Last-Event-ID");
        self.request(request).await
    }

    /// `POST path` with `body` serialized as JSON (`content-type: application/json`), as a
    /// stream that takes a JSON request body expects.
    pub async fn post_json<T: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        body: &T,
    ) -> TestStream {
        let json = serde_json::to_vec(body).expect("the test's request body serializes to JSON");
        let request = Request::post(path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Body::from(json))
            .expect("a valid request path");
        self.request(request).await
    }

    /// Any request, e.g. a `POST` with a body or a `Last-Event-ID` header.
    pub async fn request(&self, request: Request<Body>) -> TestStream {
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(infallible) => match infallible {},
        };
        TestStream::new(response, self.timeout)
    }
}

/// The response to a [`TestClient`] request, read as events.
///
/// Reading events from a response that is not a stream fails as a client would: a status
/// other than `200` is [`ClientError::Status`] (with the body, an error's reason), a `200`
/// that is not `text/event-stream` is [`ClientError::NotEventStream`], and `204` ends at once.
/// [`text`](TestStream::text) reads any body as it is.
pub struct TestStream {
    head: http::response::Parts,
    /// The body, until reading it as events has failed.
    events: Option<EventStream<axum::body::BodyDataStream>>,
    timeout: Duration,
}

/// Why collecting events failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum TestError {
    /// No event (or end of stream) arrived within the client's timeout.
    Timeout {
        /// The events received before the timeout.
        received: usize,
    },
    /// The stream ended before the requested number of events.
    Ended {
        /// The events received.
        received: usize,
    },
    /// The stream or an event could not be read, as any client of the crate reports it.
    Client(ClientError),
}

impl std::fmt::Display for TestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TestError::Timeout { received } => {
                write!(f, "timed out waiting for events ({received} received)")
            }
            TestError::Ended { received } => {
                write!(f, "the stream ended after {received} events")
            }
            TestError::Client(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TestError::Client(e) => e.source(),
            TestError::Timeout { .. } | TestError::Ended { .. } => None,
        }
    }
}

impl From<ClientError> for TestError {
    fn from(e: ClientError) -> Self {
        TestError::Client(e)
    }
}

impl TestError {
    /// The same error, counting the events received before it.
    fn after(self, received: usize) -> Self {
        match self {
            TestError::Timeout { .. } => TestError::Timeout { received },
            other => other,
        }
    }
}

impl TestStream {
    fn new(response: Response<Body>, timeout: Duration) -> Self {
        let (head, body) = response.into_parts();
        TestStream {
            head,
            events: Some(EventStream::new(body.into_data_stream())),
            timeout,
        }
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.head.status
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.head.headers
    }

    /// The whole body as text, for a response that is not an event stream (an error's body).
    /// Read it instead of events, not after some.
    pub async fn text(self) -> Result<String, TestError> {
        let Some(events) = self.events else {
            return Ok(String::new());
        };
        let mut bytes = events.into_inner();
        let mut body = Vec::new();
        let read = async {
            while let Some(chunk) = bytes.next().await {
                let chunk = chunk.map_err(|e| ClientError::Transport(e.into()))?;
                body.extend_from_slice(&chunk);
            }
            Ok::<_, TestError>(())
        };
        tokio::time::timeout(self.timeout, read)
            .await
            .map_err(|_| TestError::Timeout { received: 0 })??;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// The next raw event; `Ok(None)` at the end of the stream.
    pub async fn next_raw(&mut self) -> Result<Option<RawEvent>, TestError> {
        if let Some(refused) = self.refusal().await {
            return refused;
        }
        let Some(events) = self.events.as_mut() else {
            return Ok(None);
        };
        match tokio::time::timeout(self.timeout, events.next()).await {
            Err(_) => Err(TestError::Timeout { received: 0 }),
            Ok(None) => Ok(None),
            Ok(Some(event)) => Ok(Some(event?)),
        }
    }

    /// For a response that is not an event stream, what reading events from it gives (once;
    /// the body is gone after it): the same judgement as [`EventSource`]'s on a response head.
    ///
    /// [`EventSource`]: crate::client
    async fn refusal(&mut self) -> Option<Result<Option<RawEvent>, TestError>> {
        let status = self.head.status;
        let content_type = self.head.headers.get(http::header::CONTENT_TYPE);
        if status == StatusCode::OK && content_type.is_some_and(crate::client::is_event_stream) {
            return None;
        }
        let events = self.events.take()?;
        Some(if status == StatusCode::NO_CONTENT {
            Ok(None)
        } else if status != StatusCode::OK {
            let body = events.into_inner();
            Err(ClientError::refused(status, body, self.timeout)
                .await
                .into())
        } else {
            let content_type = content_type.map(|v| String::from_utf8_lossy(v.as_bytes()).into());
            Err(ClientError::NotEventStream { content_type }.into())
        })
    }

    /// The next event decoded into `E`, with its id and retry; `Ok(None)` at the end.
    pub async fn next<E: DecodeEventsOwned>(&mut self) -> Result<Option<TypedEvent<E>>, TestError> {
        let Some(event) = self.next_raw().await? else {
            return Ok(None);
        };
        event
            .decode()
            .map(Some)
            .map_err(|e| ClientError::Decode(e).into())
    }

    /// The next `n` events, decoded into `E`.
    pub async fn take<E: DecodeEventsOwned>(&mut self, n: usize) -> Result<Vec<E>, TestError> {
        let mut events = Vec::with_capacity(n);
        while events.len() < n {
            match self.next::<E>().await.map_err(|e| e.after(events.len()))? {
                Some(typed) => events.push(typed.event),
                None => {
                    return Err(TestError::Ended {
                        received: events.len(),
                    })
                }
            }
        }
        Ok(events)
    }

    /// Every event until the stream ends, decoded into `E`.
    pub async fn collect<E: DecodeEventsOwned>(mut self) -> Result<Vec<E>, TestError> {
        let mut events = Vec::new();
        loop {
            match self.next::<E>().await {
                Ok(Some(typed)) => events.push(typed.event),
                Ok(None) => return Ok(events),
                Err(TestError::Timeout { .. }) => {
                    return Err(TestError::Timeout {
                        received: events.len(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
    }
}
