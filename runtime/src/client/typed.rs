//! Events decoded into the user's own event enum: [`TypedEvents`] over any stream of
//! [`RawEvent`]s.

use futures::{Stream, StreamExt};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::decoder::RawEvent;
use super::error::ClientError;
use crate::wire::{DecodeError, DecodeEventsOwned, SseEvents};

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

impl RawEvent {
    /// This event decoded into the enum `E`, with its id and `retry`.
    ///
    /// ```
    /// use tidings::client::Decoder;
    /// use tidings::sse_events;
    ///
    /// #[sse_events(rename_all = "snake_case")]
    /// #[derive(Debug, PartialEq)]
    /// enum Score { Goal(u32) }
    ///
    /// let mut events = Vec::new();
    /// Decoder::new().feed(b"event: goal\nid: 7\ndata: 3\n\n", &mut events).unwrap();
    /// let goal = events[0].decode::<Score>().unwrap();
    /// assert_eq!((goal.event, goal.id.as_str()), (Score::Goal(3), "7"));
    /// ```
    pub fn decode<E: DecodeEventsOwned>(&self) -> Result<TypedEvent<E>, DecodeError> {
        Ok(TypedEvent {
            event: E::decode(self.name(), &self.data)?,
            id: self.id.clone(),
            retry: self.retry,
        })
    }
}

/// A stream of raw events (from [`EventStream`](super::EventStream) or a reconnecting
/// [`EventSource`](crate::client)), decoded into the event enum `E`.
///
/// An event that does not decode (an unknown name, or data that does not fit its payload) is
/// a [`ClientError::Decode`] item after which the stream goes on; or, with
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
impl<S, E> Stream for TypedEvents<S, E>
where
    S: Stream<Item = Result<RawEvent, ClientError>> + Unpin,
    E: DecodeEventsOwned + SseEvents,
{
    type Item = Result<TypedEvent<E>, ClientError>;

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
            match event.decode::<E>() {
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
