//! [`EventStream`]: the raw events of any byte stream, decoded as they complete.

use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::decoder::{Decoder, RawEvent};
use super::error::BoxError;
use super::error::ClientError;
use super::reader::{EventReader, Read};
use super::typed::TypedEvents;
use crate::wire::{DecodeEventsOwned, SseEvents};

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
    reader: EventReader,
}

impl<S> EventStream<S> {
    /// Reads events from `bytes` with a default [`Decoder`].
    pub fn new(bytes: S) -> Self {
        Self::with_decoder(bytes, Decoder::new())
    }

    /// Reads events from `bytes` with `decoder`: for another line cap, or to resume from a
    /// known last event id ([`Decoder::with_last_event_id`]).
    pub fn with_decoder(bytes: S, decoder: Decoder) -> Self {
        EventStream {
            bytes,
            reader: EventReader::new(decoder),
        }
    }

    /// The last event id seen, as a reconnect would send it.
    pub fn last_event_id(&self) -> &str {
        self.reader.last_event_id()
    }

    /// The last `retry` the server asked for.
    pub fn retry(&self) -> Option<Duration> {
        self.reader.retry()
    }

    /// Decodes each event into `E`; see [`TypedEvents`].
    pub fn typed<E: DecodeEventsOwned + SseEvents>(self) -> TypedEvents<Self, E> {
        TypedEvents::new(self)
    }

    /// The byte stream, for reading what was not decoded (nothing has been, if no event was
    /// asked for).
    pub(crate) fn into_inner(self) -> S {
        self.bytes
    }
}

/// Events completed before a failure come first, then the failure
/// ([`ClientError::Transport`] or [`ClientError::Limit`]), then the end.
impl<S, B, Err> Stream for EventStream<S>
where
    S: Stream<Item = Result<B, Err>> + Unpin,
    B: AsRef<[u8]>,
    Err: Into<BoxError>,
{
    type Item = Result<RawEvent, ClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match this.reader.next() {
                Some(Read::Event(event)) => return Poll::Ready(Some(Ok(event))),
                Some(Read::Failed(error)) => return Poll::Ready(Some(Err(error))),
                Some(Read::Ended) => return Poll::Ready(None),
                None => {
                    let item = std::task::ready!(this.bytes.poll_next_unpin(cx));
                    this.reader.take(item);
                }
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
            matches!(items[1], Err(ClientError::Limit(_))),
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
        assert!(matches!(items[1], Err(ClientError::Transport(_))));
    }
}
