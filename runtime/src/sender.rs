//! [`Sender`]: the typed handle a handler streams its events through.

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

use crate::body::Outgoing;
use crate::event::SseEvents;
use crate::head::{HeaderError, PendingHead};
use crate::message::{IntoMessage, Message};
use crate::wire::{self, EncodeError, EventFields, InvalidField};
use http::HeaderValue;

/// Sends the events of one stream, of one event enum `E` only.
///
/// The buffer between the handler and the socket is bounded: [`send`](Sender::send) waits while
/// it is full, so a slow client slows its handler down instead of growing memory. Once the
/// client is gone, `send` returns [`SendError::Disconnected`] and [`closed`](Sender::closed)
/// resolves. Clones send into the same stream, so spawned tasks can send too.
///
/// ```
/// use tidings::{sse_events, sse_handler, Sender, SendError};
///
/// #[sse_events]
/// enum Count { Number(u32) }
///
/// #[sse_handler(get, "/count")]
/// async fn count(tx: Sender<Count>) -> Result<(), SendError> {
///     for n in 0..3 {
///         tx.send(Count::Number(n)).await?;
///     }
///     Ok(())
/// }
/// ```
pub struct Sender<E> {
    frames: mpsc::Sender<Outgoing>,
    /// The headers the handler may still set; `None` when it declares none.
    head: Option<Arc<PendingHead>>,
    events: PhantomData<fn(E)>,
}

impl<E> Clone for Sender<E> {
    fn clone(&self) -> Self {
        Sender {
            frames: self.frames.clone(),
            head: self.head.clone(),
            events: PhantomData,
        }
    }
}

impl<E> std::fmt::Debug for Sender<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.frames.is_closed())
            .finish()
    }
}

/// Why [`Sender::send`] did not send.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The client is gone (or the stream ended): nothing more can be sent.
    Disconnected,
    /// An id a client could not send back: [`EventId::new`](crate::EventId::new) refused it, and `?` turned that into
    /// this error (a [`Message`] only carries checked ids, so `send` never returns it).
    InvalidId(InvalidField),
    /// The payload failed to serialize; nothing was sent.
    Encode(EncodeError),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Disconnected => f.write_str("the client disconnected"),
            SendError::InvalidId(e) => e.fmt(f),
            SendError::Encode(e) => e.fmt(f),
        }
    }
}

/// So that `EventId::new(text)?` works in a handler that returns `Result<(), SendError>`.
impl From<InvalidField> for SendError {
    fn from(e: InvalidField) -> Self {
        SendError::InvalidId(e)
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Disconnected => None,
            SendError::InvalidId(e) => Some(e),
            SendError::Encode(e) => Some(e),
        }
    }
}

impl<E> Sender<E> {
    pub(crate) fn new(frames: mpsc::Sender<Outgoing>, head: Option<Arc<PendingHead>>) -> Self {
        Sender {
            frames,
            head,
            events: PhantomData,
        }
    }

    /// Sets a response header of the stream: one the handler declares in
    /// `#[sse_handler(.., headers("x-name" = "what it says"))]`, so the API document lists it.
    /// Set headers before the first event; once the head is sent (at the first event, or the
    /// open deadline) this returns [`HeaderError::HeadSent`]. A name is matched ignoring case;
    /// setting a header again replaces its value.
    ///
    /// The status is always `200`: a browser's `EventSource` reads no other. To answer with
    /// an error status instead, return `Err` before the first event.
    ///
    /// ```
    /// use tidings::{sse_events, sse_handler, HeaderError, Sender};
    ///
    /// #[sse_events]
    /// enum Job { Done }
    ///
    /// #[sse_handler(post, "/jobs", headers("x-job-id" = "The id of the job this stream reports on."))]
    /// async fn job(tx: Sender<Job>) -> Result<(), HeaderError> {
    ///     tx.set_header("x-job-id", "7")?;
    ///     let _ = tx.send(Job::Done).await;
    ///     Ok(())
    /// }
    /// ```
    pub fn set_header(
        &self,
        name: &str,
        value: impl TryInto<HeaderValue>,
    ) -> Result<(), HeaderError> {
        PendingHead::set(self.head.as_deref(), name, value)
    }

    /// Sends a comment line (or several, one per line of `text`), which clients ignore.
    pub async fn comment(&self, text: &str) -> Result<(), SendError> {
        let mut frame = BytesMut::new();
        wire::write_comment(&mut frame, text);
        frame.extend_from_slice(b"\n");
        self.send_frame(frame.freeze()).await
    }

    /// Resolves once the client is gone: select on it to stop work nobody will receive.
    pub async fn closed(&self) {
        self.frames.closed().await
    }

    /// Whether the client is gone.
    pub fn is_closed(&self) -> bool {
        self.frames.is_closed()
    }

    /// Commits the response head now, as the first event would, without sending any bytes. For
    /// streams that are ready before their first event.
    pub(crate) async fn commit_head(&self) -> Result<(), SendError> {
        queue(&self.frames, Outgoing::Open).await
    }

    pub(crate) async fn send_frame(&self, frame: Bytes) -> Result<(), SendError> {
        queue(&self.frames, Outgoing::Frame(frame)).await
    }
}

impl<E: SseEvents> Sender<E> {
    /// Sends an event (or a [`Message`] around one), waiting while the buffer is full.
    ///
    /// Only the stream's own event enum compiles here: a `Sender<ChatEvent>` does not accept
    /// any other type.
    ///
    /// The event is encoded at this call; it enters the stream when the returned future
    /// completes, so a future dropped before that (in a `select!`, say) sends nothing.
    ///
    /// Sending the stream's final event (`#[sse(end)]`) ends the stream after it: what the
    /// handler sends afterwards goes nowhere, and the client is told the stream is complete.
    pub fn send(&self, message: impl IntoMessage<E>) -> Sending<'_> {
        let message = message.into_message();
        let encoded = encode(&message).map(|frame| Encoded {
            frame,
            ends_stream: message.event.event_info().ends_stream,
        });
        Sending {
            state: SendingState::Encoded {
                frames: &self.frames,
                encoded,
            },
        }
    }

    /// Sends everything `source` yields, in order: a [`Stream`] of events or [`Message`]s, or a
    /// hub [`Subscription`](crate::hub::Subscription), whose events go out as the bytes the hub
    /// encoded once. Returns when the source ends, or with [`SendError::Disconnected`] when the
    /// client leaves first.
    ///
    /// ```
    /// # use tidings::{sse_events, sse_handler, Sender, SendError};
    /// # #[sse_events] enum Count { Number(u32) }
    /// #[sse_handler(get, "/numbers")]
    /// async fn numbers(tx: Sender<Count>) -> Result<(), SendError> {
    ///     tx.forward(futures::stream::iter((0..10).map(Count::Number))).await
    /// }
    /// ```
    pub async fn forward(&self, source: impl Forward<E>) -> Result<(), SendError> {
        source.forward_to(self).await
    }

    /// Calls `produce` every `period` and sends what it yields: a polling endpoint.
    ///
    /// `Ok(Some(event))` is sent, `Ok(None)` skips this tick, and `Err(e)` ends the loop with
    /// that error (the handler's error path). The loop ends with `Ok(())` when the client
    /// disconnects. A tick that falls due while `produce` or a send is still running is skipped,
    /// not queued.
    ///
    /// Disconnect clean-up, the Rust way: in a handler, the client leaving drops the handler's
    /// future, so clean-up belongs in a value's `Drop` (a guard held across the loop). In a task
    /// spawned with a clone of the `Sender`, `every` returns and the code after it runs.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tidings::{sse_events, sse_handler, Sender, SendError};
    /// # #[sse_events] enum Load { Percent(u32) }
    /// #[sse_handler(get, "/load")]
    /// async fn load(tx: Sender<Load>) -> Result<(), SendError> {
    ///     tx.every(Duration::from_secs(1), || async { Ok(Some(Load::Percent(42))) }).await
    /// }
    /// ```
    pub async fn every<M, F, Fut, Err>(&self, period: Duration, mut produce: F) -> Result<(), Err>
    where
        M: IntoMessage<E>,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<M>, Err>>,
        Err: From<SendError>,
    {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                biased;
                () = self.closed() => return Ok(()),
                _ = ticks.tick() => {}
            }
            let Some(message) = produce().await? else {
                continue;
            };
            match self.send(message).await {
                Ok(()) => {}
                Err(SendError::Disconnected) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// What [`Sender::forward`] accepts: a [`Stream`] of `E` or [`Message<E>`] items, or a
/// [`hub::Subscription<E>`](crate::hub::Subscription). Implemented by tidings only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be forwarded to a `Sender<{E}>`",
    note = "forward a `Stream` of `{E}` or `tidings::Message<{E}>` items, or a `tidings::hub::Subscription<{E}>`"
)]
pub trait Forward<E>: sealed::Sealed<E> {
    /// Sends everything `self` yields into `tx`.
    #[doc(hidden)]
    fn forward_to(self, tx: &Sender<E>) -> impl Future<Output = Result<(), SendError>>;
}

mod sealed {
    pub trait Sealed<E> {}
    impl<E, S: futures::Stream> Sealed<E> for S where S::Item: crate::IntoMessage<E> {}
    impl<E, F> Sealed<E> for crate::hub::Subscription<F> {}
}

impl<E, S> Forward<E> for S
where
    E: SseEvents,
    S: Stream,
    S::Item: IntoMessage<E>,
{
    async fn forward_to(self, tx: &Sender<E>) -> Result<(), SendError> {
        let mut events = std::pin::pin!(self);
        loop {
            tokio::select! {
                biased;
                () = tx.closed() => return Err(SendError::Disconnected),
                next = events.next() => match next {
                    Some(message) => tx.send(message).await?,
                    None => return Ok(()),
                },
            }
        }
    }
}

/// The future [`Sender::send`] returns: resolves once the event is in the stream's buffer.
///
/// A named type rather than an `async fn`'s future, so that sending a value of the wrong type is
/// one compile error, at the argument, instead of three; and so that a send that finds room in
/// the buffer (the usual case) completes without allocating.
#[must_use = "the event is sent only when this future is awaited"]
pub struct Sending<'a> {
    state: SendingState<'a>,
}

enum SendingState<'a> {
    /// Encoded (or failed to encode), not yet offered to the buffer.
    Encoded {
        frames: &'a mpsc::Sender<Outgoing>,
        encoded: Result<Encoded, SendError>,
    },
    /// The buffer was full, or the stream ends after this event: waiting for room.
    Waiting(Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>),
    Done,
}

struct Encoded {
    frame: Bytes,
    ends_stream: bool,
}

impl std::fmt::Debug for Sending<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sending").finish_non_exhaustive()
    }
}

impl Future for Sending<'_> {
    type Output = Result<(), SendError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, SendingState::Done) {
                SendingState::Encoded { frames, encoded } => {
                    let Encoded { frame, ends_stream } = encoded?;
                    let frame = Outgoing::Frame(frame);
                    if ends_stream {
                        this.state = SendingState::Waiting(Box::pin(async move {
                            queue(frames, frame).await?;
                            queue(frames, Outgoing::End).await
                        }));
                        continue;
                    }
                    return match frames.try_send(frame) {
                        Ok(()) => Poll::Ready(Ok(())),
                        Err(mpsc::error::TrySendError::Closed(_)) => {
                            Poll::Ready(Err(SendError::Disconnected))
                        }
                        Err(mpsc::error::TrySendError::Full(frame)) => {
                            this.state = SendingState::Waiting(Box::pin(queue(frames, frame)));
                            continue;
                        }
                    };
                }
                SendingState::Waiting(mut waiting) => {
                    let sent = waiting.as_mut().poll(cx);
                    if sent.is_pending() {
                        this.state = SendingState::Waiting(waiting);
                    }
                    return sent;
                }
                SendingState::Done => panic!("`Sending` polled after it completed"),
            }
        }
    }
}

/// Puts `item` in the stream's buffer, waiting for room.
async fn queue(frames: &mpsc::Sender<Outgoing>, item: Outgoing) -> Result<(), SendError> {
    frames.send(item).await.map_err(|_| SendError::Disconnected)
}

/// Encodes `message` (an event, or a `Message` with fields of its own) into a frame made ahead
/// of time, to be sent later by the body (the `on_shutdown`, `on_max_age` and `error_event`
/// events). One that fails to encode is logged, naming the setting it is for, and left out:
/// the stream then ends without it.
pub(crate) fn encode_ahead<E: SseEvents>(
    message: impl Into<Message<E>>,
    setting: &str,
) -> Option<Bytes> {
    encode(&message.into())
        .inspect_err(|e| tracing::error!(error = %e, "the `{setting}` event cannot be encoded"))
        .ok()
}

thread_local! {
    /// The capacity the next frame encoded on this thread starts with: the last frame's length
    /// and some slack. A frame grown from empty reallocates about five times for a 100-byte
    /// event (its buffer doubles from a few bytes), which was most of the encoding's allocation
    /// cost; a stream's events are mostly of similar size, so one allocation usually fits.
    static NEXT_FRAME_CAPACITY: Cell<usize> = const { Cell::new(128) };
}

/// The most [`NEXT_FRAME_CAPACITY`] asks for: after one large event, the small frames queued
/// behind it should not each hold kilobytes.
const MAX_FRAME_CAPACITY_HINT: usize = 2048;

/// Encodes one message into the bytes of one event.
pub(crate) fn encode<E: SseEvents>(message: &Message<E>) -> Result<Bytes, SendError> {
    let fields = EventFields {
        comments: &message.comments,
        name: message.event.event_info().name,
        id: message.id.as_ref(),
        retry: message.retry,
    };
    let mut frame = BytesMut::with_capacity(NEXT_FRAME_CAPACITY.get());
    wire::write_event(&mut frame, &fields, |data| message.event.write_data(data))
        .map_err(SendError::Encode)?;
    NEXT_FRAME_CAPACITY.set((frame.len() + frame.len() / 8 + 16).min(MAX_FRAME_CAPACITY_HINT));
    Ok(frame.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    #[crate::sse_events]
    enum Count {
        Number(u32),
    }

    #[crate::sse_events]
    enum Text {
        Line(String),
    }

    /// Frames start at the size of the last one on their thread, so an event of any size after
    /// any other is encoded whole, and one large event does not make the next frames large.
    #[test]
    fn frames_of_changing_sizes_are_encoded_whole_and_the_size_hint_is_capped() {
        for len in [10, 100_000, 3, 500, 500, 4_000, 0] {
            let text = "x".repeat(len);
            let frame = encode(&Message::new(Text::Line(text.clone()))).unwrap();
            assert_eq!(frame, format!("event:Line\ndata:\"{text}\"\n\n"));
            let hint = NEXT_FRAME_CAPACITY.get();
            assert!(hint <= MAX_FRAME_CAPACITY_HINT, "{hint} after {len} bytes");
            assert!(hint >= frame.len().min(MAX_FRAME_CAPACITY_HINT), "{hint}");
        }
    }

    fn frame_text(item: Outgoing) -> String {
        match item {
            Outgoing::Frame(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
            Outgoing::Open | Outgoing::End => panic!("expected a frame"),
        }
    }

    /// A send completes at once while the buffer has room, waits while it is full, and a
    /// send dropped before it completed (unpolled, or still waiting) puts nothing in the stream.
    #[tokio::test]
    async fn a_send_enters_the_stream_only_when_its_future_completes() {
        let (frames, mut queued) = mpsc::channel(1);
        let tx = Sender::<Count>::new(frames, None);

        drop(tx.send(Count::Number(0)));
        assert!(queued.try_recv().is_err(), "an unpolled send sent");

        tx.send(Count::Number(1)).now_or_never().unwrap().unwrap();
        let mut blocked = tx.send(Count::Number(2));
        assert!(
            (&mut blocked).now_or_never().is_none(),
            "the buffer is full"
        );
        drop(blocked);

        assert_eq!(
            frame_text(queued.recv().await.unwrap()),
            "event:Number\ndata:1\n\n"
        );
        let waiting = tx.send(Count::Number(3));
        assert!(queued.try_recv().is_err(), "a dropped waiting send sent");
        waiting.await.unwrap();
        assert_eq!(
            frame_text(queued.recv().await.unwrap()),
            "event:Number\ndata:3\n\n"
        );

        drop(queued);
        assert!(matches!(
            tx.send(Count::Number(4)).await,
            Err(SendError::Disconnected)
        ));
    }
}
