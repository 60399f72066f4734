//! Procedural macros of tidings. Use them through the `tidings` crate, which re-exports them;
//! the generated code names everything through `::tidings`.

mod case;
mod doc;
mod errors;
mod events;
mod handler;

use proc_macro::TokenStream;

/// Declares the events of a stream: each variant of the enum is one event type.
///
/// - A unit variant sends empty data, a newtype variant its value as JSON, a struct variant its
///   fields as a JSON object (serde field attributes such as `rename` and
///   `skip_serializing_if` apply).
/// - The event name is the variant name under `rename_all` (serde's rules);
///   `#[sse(rename = "...")]` overrides it, `#[sse(default)]` sends the event without a name
///   (a browser's `onmessage` receives it), `#[sse(raw)]` sends a text payload as is, and
///   `#[sse(end)]` marks the stream's final event: the stream ends after it is sent, and
///   tidings' typed client stops there instead of reconnecting.
/// - The variant's doc comment documents the event.
///
/// Implements `tidings::SseEvents`, and `tidings::DecodeEvents` whenever every payload is
/// deserializable. Every mistake (an event name the wire cannot carry, two variants with the
/// same name, ...) is a compile error pointing at it.
///
/// ```ignore
/// #[tidings::sse_events(rename_all = "snake_case")]
/// enum ChatEvent {
///     /// Someone said something.
///     Message { user: String, text: String },
///     /// Someone arrived.
///     UserJoined(User),
///     /// Keeps idle clients informed.
///     #[sse(rename = "ping")]
///     Tick,
/// }
/// ```
#[proc_macro_attribute]
pub fn sse_events(args: TokenStream, item: TokenStream) -> TokenStream {
    events::sse_events(args.into(), item.into()).into()
}

/// Turns an `async fn` taking axum extractors and one `Sender<E>` into a stream handler.
///
/// `#[sse_handler(get, "/rooms/{room}/events", tag = "rooms", keep_alive = "15s")]`: the method
/// (`get` by default, or `post`, `put`, `patch`, `delete`) and the path come first, then the
/// keys:
///
/// - `tag = "..."` or `tags("...", ...)`: the operation's OpenAPI tags;
/// - `operation_id = "..."`: its `operationId` (the function's name by default);
/// - `keep_alive = "500ms" | "15s" | "2m" | "off"`: this stream's keep-alive interval;
/// - `headers("x-name" = "what it says", ...)`: the response headers the handler may set with
///   `Sender::set_header` before its first event, documented on its `200` (`Content-Type`,
///   `Content-Length`, `Transfer-Encoding` and connection headers are refused);
/// - `max_streams = 100` (or a constant, `max_streams = MAX_STREAMS`): the most streams of
///   this handler open at once; one more is refused with `503` and `Retry-After` before the
///   handler runs (see also `SseApi::max_streams`); `0` is a compile error either way;
/// - `max_age = "30m"` (`ms`, `s`, `m` or `h`): how long each stream lasts at most, over
///   `SseApi::max_stream_age`; then it ends with a `retry:` hint, and its client reconnects with
///   its `Last-Event-ID`; the API document says so;
/// - `on_max_age = Feed::Reconnect`: an event of the stream's enum that a stream sends last
///   when it reaches its maximum age, with the hint;
/// - `on_shutdown = ChatEvent::ServerRestarting`: an event of the stream's enum that each
///   stream sends last when the server shuts down (see `SseApi::shutdown`); the API document
///   says so;
/// - `error_event = |error: &MyError| Feed::Failed(error.to_string())`: what a returned `Err`
///   becomes once the stream has started: the stream's last event, instead of only a log line
///   (before the first event the error is still its own response); the API document says so.
///   The event must be `#[sse(end)]`, and the closure must end in its variant, written out (or
///   in a `match` whose arms each do), so that this is checked at compile time: clients stop for
///   good after it instead of reconnecting and running the failed work again;
/// - `errors(404, 503)`: the statuses the handler's error can answer with before its first
///   event. The API document then lists only those of the statuses its error type documents
///   (a listed status the type does not describe gets its reason phrase): a handler returning
///   `tidings::Error` that never touches a hub writes `errors(500)`;
/// - `deprecated`.
///
/// The doc comment gives the summary (first paragraph) and the description (the rest).
///
/// The function becomes a unit struct of the same name, which `SseApi::handler` registers; the
/// function itself stays callable as `name::name(...)`.
///
/// ```ignore
/// /// Streams a room's events.
/// #[tidings::sse_handler(get, "/rooms/{room}/events")]
/// async fn room_events(Path(room): Path<String>, tx: Sender<ChatEvent>) -> Result<(), tidings::Error> {
///     tx.send(ChatEvent::Tick).await
/// }
/// ```
#[proc_macro_attribute]
pub fn sse_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::sse_handler(args.into(), item.into()).into()
}

#[cfg(test)]
mod expansions;
