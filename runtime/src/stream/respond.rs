//! Turning a running handler into its response: an error status before the first event, or the
//! stream.

use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use http::{header, HeaderValue, StatusCode};
use std::future::{poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::task::Poll;

use super::body::SseBody;
use super::config::StreamConfig;
use super::head::PendingHead;
use super::limits;
use super::outcome::HandlerOutcome;
use super::queue::{self, HandlerEnd};
use super::sender::Sender;
use crate::wire::SseEvents;

/// Runs a handler and decides its response.
///
/// The head is committed at whichever comes first: the first event, the handler's return, or
/// the open deadline. Until then a returned `Err` becomes that error's own response (and a panic
/// a `500`); after it, failures are logged and end the stream. A stream over a cap on open
/// streams is refused with `503` before its handler runs.
pub async fn serve<E, F, Fut>(config: StreamConfig, handler: F) -> Response
where
    E: SseEvents,
    F: FnOnce(Sender<E>) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: HandlerOutcome,
{
    let Some(admitted) = config.limits.admit() else {
        return limits::refused();
    };
    let (frames_tx, frames_rx) = queue::queue(config.buffer);
    let head = PendingHead::new(config.headers);
    let task = AssertUnwindSafe(handler(Sender::new(frames_tx, head.clone())))
        .catch_unwind()
        .map(|ended| match ended {
            Ok(outcome) => match outcome.into_failure() {
                None => HandlerEnd::Finished,
                Some(failure) => HandlerEnd::Failed(failure),
            },
            Err(panic) => HandlerEnd::Panicked(panic_message(panic.as_ref())),
        })
        .boxed();
    let mut body = SseBody::new(task, frames_rx, &config, admitted);
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
                HandlerEnd::Failed(failure) => return failure.response,
                HandlerEnd::Panicked(message) => {
                    tracing::error!(
                        handler = config.handler,
                        panic = %message,
                        "SSE handler panicked before its first event"
                    );
                    return (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the stream handler failed",
                    )
                        .into_response();
                }
                HandlerEnd::Finished => {}
            }
        } else {
            body.ended_late(end);
        }
    }
    stream_response(body, head.as_deref())
}

fn stream_response(body: SseBody, head: Option<&PendingHead>) -> Response {
    let mut response = Response::new(axum::body::Body::new(body));
    let headers = response.headers_mut();
    if let Some(head) = head {
        *headers = head.commit();
    }
    // The macro keeps a handler from declaring `Content-Type`; the other two are defaults a
    // handler may replace (`Cache-Control: no-store`, say).
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    // Tells nginx (and proxies that copy its convention) not to buffer the stream.
    headers
        .entry("x-accel-buffering")
        .or_insert(HeaderValue::from_static("no"));
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
