//! Streams of events over any byte stream: raw [`Event`]s, or the user's own event enum.

use futures::{Stream, StreamExt};
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{DecodeLimitError, Decoder, Event};
use crate::event::{DecodeError, DecodeEventsOwned, SseEvents};

/// Why an event stream failed or an event could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// The transport failed (the connection broke, the body errored).
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// A line or an event exceeded the decoder's cap: the stream cannot be read further.
    Limit(DecodeLimitError),
    /// An event arrived whole, but does not decode into the event enum (unknown name or bad
    /// data). The stream itself is fine: skip it or stop, as you choose.
    Decode(DecodeError),
}

impl StreamError {
    /// Whether the stream can still be read after this error (only [`StreamError::Decode`]).
    pub fn is_recoverable(&self) -> bool {
        matches!(self, StreamError::Decode(_))
    }
}

impl From<DecodeError> for StreamError {
    fn from(e: DecodeError) -> Self {
        StreamError::Decode(e)
    }
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Transport(e) => write!(f, "the event stream broke: {e}"),
            StreamError::Limit(e) => e.fmt(f),
            StreamError::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Transport(e) => Some(e.as_ref()),
            StreamError::Limit(e) => Some(e),
            StreamError::Decode(e) => Some(e),
        }
    }
}

/// An event decoded into the enum `E`, with the fields that travelled with it.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedEvent<E> {
    /// The event.
    pub event: E,
    /// The last event id in force when it arrived (what a reconnect sends as `Last-Event-ID`).
    pub id: String,
    /// The `retry` field sent with this event, if any.
    pub retry: Option<Duration>,
}

/// Decodes `(name, data)` of a raw event into `E`.
pub fn decode_event<E: DecodeEventsOwned>(event: &Event) -> Result<TypedEvent<E>, DecodeError> {
    Ok(TypedEvent {
        event: E::decode(event.name(), &event.data)?,
        id: event.id.clone(),
        retry: event.retry,
    })
}

/// The events of a byte stream, decoded as they complete.
///
/// ```
/// use futures::StreamExt;
/// use tidings::client::EventStream;
///
/// # futures::executor::block_on(async {
/// let chunks = futures::stream::iter([Ok::<_, std::io::Error>("data: he"), Ok("llo\n\n")]);
/// let mut events = EventStream::new(chunks);
/// assert_eq!(events.next().await.unwrap().unwrap().data, "hello");
/// assert!(events.next().await.is_none());
/// # });
/// ```
pub struct EventStream<S> {
    bytes: S,
    decoder: Decoder,
    ready: VecDeque<Event>,
    scratch: Vec<Event>,
    /// An error to yield once the events completed before it are out.
    failed: Option<StreamError>,
    ended: bool,
}

impl<S> EventStream<S> {
    /// Reads events from `bytes` with a default [`Decoder`].
    pub fn new(bytes: S) -> Self {
        Self::with_decoder(bytes, Decoder::new())
    }

    /// Reads events from `bytes` with `decoder` (for another line cap).
    pub fn with_decoder(bytes: S, decoder: Decoder) -> Self {
        EventStream {
            bytes,
            decoder,
            ready: VecDeque::new(),
            scratch: Vec::new(),
            failed: None,
            ended: false,
        }
    }

    /// The last event id seen, as a reconnect would send it.
    pub fn last_event_id(&self) -> &str {
        self.decoder.last_event_id()
    }

    /// The last `retry` the server asked for.
    pub fn retry(&self) -> Option<Duration> {
        self.decoder.retry()
    }

    /// Decodes each event into `E`; see [`TypedEvents`].
    pub fn typed<E: DecodeEventsOwned + SseEvents>(self) -> TypedEvents<Self, E> {
        TypedEvents::new(self)
    }

    fn take_ready(&mut self) {
        self.ready.extend(self.scratch.drain(..));
    }

    /// The byte stream, for reading what was not decoded (nothing has been, if no event was
    /// asked for).
    pub(crate) fn into_inner(self) -> S {
        self.bytes
    }
}

impl<S, B, Err> Stream for EventStream<S>
where
    S: Stream<Item = Result<B, Err>> + Unpin,
    B: AsRef<[u8]>,
    Err: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Item = Result<Event, StreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            // Events completed before a failure still come first, then the failure, then the end.
            if let Some(event) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            if let Some(failed) = this.failed.take() {
                return Poll::Ready(Some(Err(failed)));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            match std::task::ready!(this.bytes.poll_next_unpin(cx)) {
                Some(Ok(chunk)) => {
                    let fed = this.decoder.feed(chunk.as_ref(), &mut this.scratch);
                    this.take_ready();
                    if let Err(limit) = fed {
                        this.ended = true;
                        this.failed = Some(StreamError::Limit(limit));
                    }
                }
                Some(Err(e)) => {
                    this.ended = true;
                    this.failed = Some(StreamError::Transport(e.into()));
                }
                None => {
                    this.ended = true;
                    this.decoder.finish(&mut this.scratch);
                    this.take_ready();
                }
            }
        }
    }
}

/// A stream of raw events (from [`EventStream`] or a reconnecting
/// [`EventSource`](crate::client)), decoded into the event enum `E`.
///
/// An event that does not decode (an unknown name, or data that does not fit its payload) is
/// an error item after which the stream goes on; or, with
/// [`skip_undecodable`](TypedEvents::skip_undecodable), it is skipped with a debug log.
///
/// ```
/// use futures::StreamExt;
/// use tidings::{client::EventStream, sse_events};
///
/// #[sse_events(rename_all = "snake_case")]
/// #[derive(Debug, PartialEq)]
/// enum Score { Goal(u32) }
///
/// # futures::executor::block_on(async {
/// let wire = "event: goal\ndata: 3\n\nevent: foul\ndata: 1\n\nevent: goal\ndata: 4\n\n";
/// let bytes = futures::stream::iter([Ok::<_, std::io::Error>(wire)]);
/// let goals: Vec<_> = EventStream::new(bytes)
///     .typed::<Score>()
///     .skip_undecodable()
///     .map(|e| e.unwrap().event)
///     .collect()
///     .await;
/// assert_eq!(goals, [Score::Goal(3), Score::Goal(4)]);
/// # });
/// ```
pub struct TypedEvents<S, E> {
    events: S,
    skip_undecodable: bool,
    /// The stream's final event (`#[sse(end)]`) arrived: nothing more is read.
    complete: bool,
    events_type: PhantomData<fn() -> E>,
}

impl<S, E> TypedEvents<S, E> {
    /// Decodes the events of `events`.
    pub fn new(events: S) -> Self {
        TypedEvents {
            events,
            skip_undecodable: false,
            complete: false,
            events_type: PhantomData,
        }
    }

    /// Skips events that do not decode instead of yielding them as errors.
    pub fn skip_undecodable(mut self) -> Self {
        self.skip_undecodable = true;
        self
    }

    /// The stream of raw events underneath.
    pub fn get_ref(&self) -> &S {
        &self.events
    }
}

impl<S, E> std::fmt::Debug for TypedEvents<S, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedEvents")
            .field("skip_undecodable", &self.skip_undecodable)
            .finish_non_exhaustive()
    }
}

/// After the stream's final event (`#[sse(end)]`) it ends, without reading (or, for a
/// reconnecting [`EventSource`](crate::client), reconnecting) any further.
impl<S, Err, E> Stream for TypedEvents<S, E>
where
    S: Stream<Item = Result<Event, Err>> + Unpin,
    Err: From<DecodeError>,
    E: DecodeEventsOwned + SseEvents,
{
    type Item = Result<TypedEvent<E>, Err>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.complete {
                return Poll::Ready(None);
            }
            let event = match std::task::ready!(this.events.poll_next_unpin(cx)) {
                Some(Ok(event)) => event,
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            };
            match decode_event::<E>(&event) {
                Ok(typed) => {
                    this.complete = typed.event.event_info().ends_stream;
                    return Poll::Ready(Some(Ok(typed)));
                }
                Err(e) if this.skip_undecodable => {
                    tracing::debug!(error = %e, "skipped an event that does not decode");
                }
                Err(e) => return Poll::Ready(Some(Err(e.into()))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One chunk that completes an event and then exceeds the line cap: the event, then the
    /// error, then the end; never a clean end that hides the error.
    #[test]
    fn a_limit_error_after_complete_events_in_one_chunk_is_reported_after_them() {
        let chunk = format!("data: first\n\ndata: {}", "x".repeat(64));
        let bytes = futures::stream::iter([Ok::<_, std::io::Error>(chunk)]);
        let mut stream = EventStream::with_decoder(bytes, Decoder::with_max_line_len(32));
        let items: Vec<_> = futures::executor::block_on_stream(&mut stream).collect();
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0].as_ref().unwrap().data, "first");
        assert!(
            matches!(items[1], Err(StreamError::Limit(_))),
            "{:?}",
            items[1]
        );
    }

    #[test]
    fn events_of_several_megabytes_decode_with_the_default_cap() {
        let big = "x".repeat(14_000_000);
        let wire = format!("data: {big}\n\ndata: small\n\n");
        let chunks: Vec<_> = wire
            .as_bytes()
            .chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect();
        let stream = EventStream::new(futures::stream::iter(chunks));
        let events: Vec<_> = futures::executor::block_on_stream(stream)
            .map(Result::unwrap)
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].data.len(), 14_000_000);
        assert_eq!(events[1].data, "small");
    }

    #[test]
    fn a_transport_error_after_complete_events_is_reported_after_them() {
        let chunks = [
            Ok("data: first\n\n".to_owned()),
            Err(std::io::Error::other("reset")),
        ];
        let stream = EventStream::new(futures::stream::iter(chunks));
        let items: Vec<_> = futures::executor::block_on_stream(stream).collect();
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(matches!(items[1], Err(StreamError::Transport(_))));
    }
}
