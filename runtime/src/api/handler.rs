//! [`SseHandler`]: what `#[sse_handler]` implements, which [`SseApi`](crate::SseApi) routes and
//! documents.

use super::meta::HandlerMeta;
use super::openapi::OperationDoc;
use crate::stream::StreamConfig;
use crate::wire::SseEvents;

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
    fn document(doc: &mut OperationDoc) {
        let _ = doc;
    }
}
