//! Caps on open streams, per API and per handler: a stream over a cap is refused with `503`
//! and `Retry-After` before it starts.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What a refused client is told to wait before trying again, in seconds.
const RETRY_AFTER_SECS: u64 = 5;

/// The caps a handler's streams count against.
#[derive(Debug, Clone, Default)]
pub(crate) struct StreamLimits {
    api: Option<Arc<Semaphore>>,
    handler: Option<Arc<Semaphore>>,
}

/// A stream's place under its caps, given back when the stream ends.
pub(crate) struct Admitted {
    _permits: [Option<OwnedSemaphorePermit>; 2],
}

impl StreamLimits {
    /// The API-wide cap, shared by every handler.
    pub(crate) fn api(max: Option<usize>) -> Self {
        StreamLimits {
            api: max.map(|max| Arc::new(Semaphore::new(max))),
            handler: None,
        }
    }

    /// These limits with a cap of the handler's own.
    pub(crate) fn with_handler(&self, max: Option<usize>) -> Self {
        StreamLimits {
            api: self.api.clone(),
            handler: max.map(|max| Arc::new(Semaphore::new(max))),
        }
    }

    /// A place for one more stream, or `None` when a cap is reached (see [`refused`]).
    pub(crate) fn admit(&self) -> Option<Admitted> {
        let take = |cap: &Option<Arc<Semaphore>>| match cap {
            None => Ok(None),
            Some(cap) => cap.clone().try_acquire_owned().map(Some),
        };
        match (take(&self.api), take(&self.handler)) {
            (Ok(api), Ok(handler)) => Some(Admitted {
                _permits: [api, handler],
            }),
            _ => {
                super::metrics::stream_rejected();
                None
            }
        }
    }
}

/// The answer to a stream over a cap.
pub(crate) fn refused() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())],
        "too many open streams: try again later",
    )
        .into_response()
}
