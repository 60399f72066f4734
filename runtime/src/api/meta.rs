//! [`HandlerMeta`]: what a handler declares, as plain data that routing and the API document
//! read without knowing the handler's type.

use crate::stream::{KeepAliveSetting, ResponseHeader};
use crate::wire::EventInfo;

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
    /// The response headers the handler may set (`headers(..)`), documented on its `200`.
    pub headers: &'static [ResponseHeader],
    /// The most streams of this handler open at once (`max_streams = n`); more get `503`.
    pub max_streams: Option<usize>,
    /// The event its streams send last when the server shuts down (`on_shutdown = ..`).
    pub farewell: Option<fn() -> &'static EventInfo>,
    /// How long its streams last at most (`max_age = "30m"`), over the API's own setting.
    pub max_age: Option<std::time::Duration>,
    /// The event its streams send last when they reach their maximum age (`on_max_age = ..`).
    pub age_farewell: Option<fn() -> &'static EventInfo>,
    /// Whether an error after the stream started becomes its last event (`error_event = ..`).
    pub error_event: bool,
}
