//! What `#[sse_handler]` produces: a handler's metadata, its route, and the logic that decides
//! the response head.

use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use http::{header, HeaderValue, StatusCode};
use std::future::{poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::mpsc;

use crate::body::{log_late_end, HandlerEnd, SseBody};
use crate::event::SseEvents;
use crate::keep_alive::{KeepAlive, KeepAliveSetting};
use crate::sender::Sender;
use crate::shutdown::Shutdown;

/// Everything `#[sse_handler]` knows about a handler, for routing and documentation.
#[derive(Debug, Clone)]
pub struct HandlerMeta {
    /// The HTTP method (GET by default).
    pub method: http::Method,
    /// The route, with `{param}` segments, as axum writes it.
    pub path: &'static str,
    /// The `{param}` names of the path, in order.
    pub path_params: &'static [&'static str],
    /// The OpenAPI `operationId` (the function's name unless set).
    pub operation_id: &'static str,
    /// The first paragraph of the doc comment.
    pub summary: Option<&'static str>,
    /// The rest of the doc comment.
    pub description: Option<&'static str>,
    /// OpenAPI tags.
    pub tags: &'static [&'static str],
    /// Whether the operation is deprecated.
    pub deprecated: bool,
    /// The handler's own keep-alive setting.
    pub keep_alive: KeepAliveSetting,
}

/// A stream handler: the type `#[sse_handler]` makes of an `async fn`, which
/// [`SseApi::handler`](crate::SseApi::handler) routes. `M` only tells apart axum's ways of
/// extracting the last argument, as in axum's own `Handler`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stream handler for state `{S}`",
    note = "stream handlers are `async fn`s annotated with `#[tidings::sse_handler(...)]`; check that each extractor works with the router's state"
)]
pub trait SseHandler<S, M>: Send + Sync + 'static {
    /// The event enum of the handler's `Sender`.
    type Events: SseEvents;

    /// The handler's metadata.
    fn meta() -> HandlerMeta;

    /// The axum route serving this handler with `config`.
    fn method_router(self, config: StreamConfig) -> axum::routing::MethodRouter<S>;

    /// Adds what the handler's extractors and error type tell about the operation.
    fn document(doc: &mut crate::openapi::OperationDoc) {
        let _ = doc;
    }
}

/// The settings a stream runs with, from the API and the handler.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    pub(crate) keep_alive: KeepAlive,
    pub(crate) open_deadline: Duration,
    pub(crate) buffer: usize,
    pub(crate) shutdown: Shutdown,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            keep_alive: KeepAlive::default(),
            open_deadline: StreamConfig::DEFAULT_OPEN_DEADLINE,
            buffer: StreamConfig::DEFAULT_BUFFER,
            shutdown: Shutdown::default(),
        }
    }
}

impl StreamConfig {
    /// How long a handler may go without its first event before the head is sent anyway.
    pub const DEFAULT_OPEN_DEADLINE: Duration = Duration::from_millis(100);
    /// How many events may wait between a handler and its socket before `send` waits.
    pub const DEFAULT_BUFFER: usize = 64;
}

/// What a stream handler may return: `()` or `Result<(), E>` with `E: IntoResponse`.
#[diagnostic::on_unimplemented(
    message = "a stream handler must return `()` or `Result<(), E>` where `E: IntoResponse`, not `{Self}`",
    label = "the return type of this stream handler"
)]
pub trait HandlerOutcome {
    /// The response a failure becomes, or `None` when the handler succeeded.
    fn into_failure(self) -> Option<Response>;
}

impl HandlerOutcome for () {
    fn into_failure(self) -> Option<Response> {
        None
    }
}

impl<E: IntoResponse> HandlerOutcome for Result<(), E> {
    fn into_failure(self) -> Option<Response> {
        self.err().map(IntoResponse::into_response)
    }
}

/// Runs a handler and decides its response.
///
/// The head is committed at whichever comes first: the first event, the handler's return, or
/// the open deadline. Until then a returned `Err` becomes that error's own response (and a panic
/// a `500`); after it, failures are logged and end the stream.
pub async fn serve<E, F, Fut>(config: StreamConfig, handler: F) -> Response
where
    E: SseEvents,
    F: FnOnce(Sender<E>) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: HandlerOutcome,
{
    let (frames_tx, frames_rx) = mpsc::channel(config.buffer.max(1));
    let task = AssertUnwindSafe(handler(Sender::new(frames_tx)))
        .catch_unwind()
        .map(|ended| match ended {
            Ok(outcome) => match outcome.into_failure() {
                None => HandlerEnd::Finished,
                Some(response) => HandlerEnd::Failed(response),
            },
            Err(panic) => HandlerEnd::Panicked(panic_message(panic.as_ref())),
        })
        .boxed();
    let mut body = SseBody::new(task, frames_rx, config.keep_alive, config.shutdown);
    let mut deadline = std::pin::pin!(tokio::time::sleep(config.open_deadline));

    let early_end = poll_fn(|cx| {
        if let Poll::Ready(end) = body.poll_handler(cx) {
            return Poll::Ready(Some(end));
        }
        if body.poll_first_frame(cx).is_ready() || deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await;

    if let Some(end) = early_end {
        // An event sent before the handler ended has committed the head already.
        if !body.has_queued_event() {
            match end {
                HandlerEnd::Failed(response) => return response,
                HandlerEnd::Panicked(message) => {
                    tracing::error!(panic = %message, "SSE handler panicked before its first event");
                    return (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the stream handler failed",
                    )
                        .into_response();
                }
                HandlerEnd::Finished => {}
            }
        } else {
            log_late_end(end);
        }
    }
    stream_response(body)
}

fn stream_response(body: SseBody) -> Response {
    let mut response = Response::new(axum::body::Body::new(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Tells nginx (and proxies that copy its convention) not to buffer the stream.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}
