//! [`StreamConfig`]: the settings a stream runs with, from the API and its handler.

use bytes::Bytes;
use std::time::Duration;

use super::head::ResponseHeader;
use super::keep_alive::KeepAlive;
use super::limits::StreamLimits;
use super::shutdown::Shutdown;
use super::stall::StallWatch;
use crate::wire::{self, encode_ahead, Message, SseEvents};

/// The settings a stream runs with, from the API and the handler.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// The handler's name (its operation id), which the logs of its streams give.
    pub(crate) handler: &'static str,
    pub(crate) keep_alive: KeepAlive,
    pub(crate) open_deadline: Duration,
    pub(crate) buffer: usize,
    pub(crate) shutdown: Shutdown,
    /// The response headers the handler declares.
    pub(crate) headers: &'static [ResponseHeader],
    /// The caps on open streams this handler's streams count against.
    pub(crate) limits: StreamLimits,
    /// The event a stream sends last when the server shuts down (`on_shutdown`), encoded.
    pub(crate) farewell: Option<Bytes>,
    /// Ends the streams whose client does not take an event for the stall deadline.
    pub(crate) stall: Option<StallWatch>,
    /// How long a stream lasts at most (`max_age`, or the API's `max_stream_age`).
    pub(crate) max_age: Option<Duration>,
    /// What a stream that reaches its maximum age sends last: its `on_max_age` event, if any,
    /// and the `retry:` hint, encoded.
    pub(crate) age_farewell: Bytes,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            handler: "",
            keep_alive: KeepAlive::default(),
            open_deadline: StreamConfig::DEFAULT_OPEN_DEADLINE,
            buffer: StreamConfig::DEFAULT_BUFFER,
            shutdown: Shutdown::default(),
            headers: &[],
            limits: StreamLimits::default(),
            farewell: None,
            stall: Some(StallWatch::new(StreamConfig::DEFAULT_STALL_DEADLINE)),
            max_age: None,
            age_farewell: wire::retry_block(StreamConfig::AGE_RETRY),
        }
    }
}

impl StreamConfig {
    /// These settings, with `event` as what each stream sends last when the server shuts down
    /// (`#[sse_handler(.., on_shutdown = ..)]`). An event that fails to encode is logged and
    /// left out: the streams then end without it.
    pub fn farewell<E: SseEvents>(mut self, event: E) -> Self {
        self.farewell = encode_ahead(event, "on_shutdown");
        self
    }

    /// These settings, with `event` as what each stream sends last when it reaches its maximum
    /// age (`#[sse_handler(.., on_max_age = ..)]`), with the `retry:` hint. An event that fails
    /// to encode is logged and left out: the streams then end with the hint alone.
    pub fn age_farewell<E: SseEvents>(mut self, event: E) -> Self {
        let message = Message::new(event).retry(StreamConfig::AGE_RETRY);
        if let Some(frame) = encode_ahead(message, "on_max_age") {
            self.age_farewell = frame;
        }
        self
    }

    /// What a stream that reached its maximum age tells its client to wait before reconnecting
    /// (`retry:`): long enough for a load balancer to send it elsewhere, short enough to go
    /// unnoticed.
    pub const AGE_RETRY: Duration = Duration::from_secs(1);

    /// How long a handler may go without its first event before the head is sent anyway.
    pub const DEFAULT_OPEN_DEADLINE: Duration = Duration::from_millis(100);
    /// How many events may wait between a handler and its socket before `send` waits.
    pub const DEFAULT_BUFFER: usize = 64;
    /// How long an event may wait for a client that does not take it, by default.
    pub const DEFAULT_STALL_DEADLINE: Duration = Duration::from_secs(30);
}
