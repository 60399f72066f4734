//! [`Sender`]: the typed handle a handler streams its events through.

use bytes::Bytes;
use http::HeaderValue;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::head::PendingHead;
use super::queue::{Outgoing, QueueSender, TrySendError};
use crate::error::{Error, HeaderError};
use crate::wire::{self, Forward, FrameSink, Gone, IntoMessage, SseEvents};

/// Sends the events of one stream, of one event enum `E` only.
///
/// The buffer between the handler and the socket is bounded: [`send`](Sender::send) waits while
/// it is full, so a slow client slows its handler down instead of growing memory. Once the
/// client is gone, `send` returns [`Error::Disconnected`] and [`closed`](Sender::closed)
/// resolves. Clones send into the same stream, so spawned tasks can send too.
///
/// ```
/// use tidings::{sse_events, sse_handler, Error, Sender};
///
/// #[sse_events]
/// enum Count { Number(u32) }
///
/// #[sse_handler(get, "/count")]
/// async fn count(tx: Sender<Count>) -> Result<(), Error> {
///     for n in 0..3 {
///         tx.send(Count::Number(n)).await?;
///     }
///     Ok(())
/// }
/// ```
pub struct Sender<E> {
    frames: QueueSender,
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

impl<E> Sender<E> {
    pub(crate) fn new(frames: QueueSender, head: Option<Arc<PendingHead>>) -> Self {
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
    /// use tidings::{sse_events, sse_handler, Error, Sender};
    ///
    /// #[sse_events]
    /// enum Job { Done }
    ///
    /// #[sse_handler(post, "/jobs", headers("x-job-id" = "The id of the job this stream reports on."))]
    /// async fn job(tx: Sender<Job>) -> Result<(), Error> {
    ///     tx.set_header("x-job-id", "7")?;
    ///     tx.send(Job::Done).await
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
    pub async fn comment(&self, text: &str) -> Result<(), Error> {
        Ok(queue(&self.frames, Outgoing::Frame(wire::comment_block(text))).await?)
    }

    /// Commits the response head now, as the first event would, without sending one: from
    /// here on nothing the handler returns can be answered with an error status, and its
    /// client sees the stream open at once rather than at the open deadline. For a stream with
    /// nothing to say yet (one that waits for its client to leave, or for events that come
    /// later); forwarding a hub subscription does it by itself.
    ///
    /// ```
    /// # use tidings::{sse_events, sse_handler, Error, Sender};
    /// # #[sse_events] enum Feed { Tick }
    /// #[sse_handler(get, "/idle")]
    /// async fn idle(tx: Sender<Feed>) -> Result<(), Error> {
    ///     tx.open().await?;   // the client sees `onopen` now
    ///     tx.closed().await;
    ///     Ok(())
    /// }
    /// ```
    pub async fn open(&self) -> Result<(), Error> {
        Ok(queue(&self.frames, Outgoing::Open).await?)
    }

    /// Resolves once the client is gone: select on it to stop work nobody will receive.
    pub async fn closed(&self) {
        self.frames.closed().await
    }

    /// Whether the client is gone.
    pub fn is_closed(&self) -> bool {
        self.frames.is_closed()
    }
}

/// What the hub's subscriptions, and streams of events, are forwarded into.
impl<E> FrameSink<E> for Sender<E> {
    async fn open(&self) -> Result<(), Gone> {
        queue(&self.frames, Outgoing::Open).await
    }

    async fn send_frame(&self, frame: Bytes, ends_stream: bool) -> Result<(), Gone> {
        deliver(&self.frames, frame, ends_stream).await
    }

    async fn closed(&self) {
        self.frames.closed().await
    }
}

impl<E: SseEvents> Sender<E> {
    /// Sends an event (or a [`Message`](crate::Message) around one), waiting while the buffer
    /// is full.
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
        let encoded = wire::encode(&message)
            .map_err(Error::Encode)
            .map(|frame| Encoded {
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

    /// Sends everything `source` yields, in order: a [`Stream`](futures::Stream) of events or
    /// [`Message`](crate::Message)s, or a
    /// hub [`Subscription`](crate::hub::Subscription), whose events go out as the bytes the hub
    /// encoded once. Returns when the source ends, or with [`Error::Disconnected`] when the
    /// client leaves first.
    ///
    /// ```
    /// # use tidings::{sse_events, sse_handler, Error, Sender};
    /// # #[sse_events] enum Count { Number(u32) }
    /// #[sse_handler(get, "/numbers")]
    /// async fn numbers(tx: Sender<Count>) -> Result<(), Error> {
    ///     tx.forward(futures::stream::iter((0..10).map(Count::Number))).await
    /// }
    /// ```
    pub async fn forward(&self, source: impl Forward<E>) -> Result<(), Error> {
        Ok(source.forward_to(self).await?)
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
    /// # use tidings::{sse_events, sse_handler, Error, Sender};
    /// # #[sse_events] enum Load { Percent(u32) }
    /// #[sse_handler(get, "/load")]
    /// async fn load(tx: Sender<Load>) -> Result<(), Error> {
    ///     tx.every(Duration::from_secs(1), || async { Ok(Some(Load::Percent(42))) }).await
    /// }
    /// ```
    pub async fn every<M, F, Fut, Err>(&self, period: Duration, mut produce: F) -> Result<(), Err>
    where
        M: IntoMessage<E>,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<M>, Err>>,
        Err: From<Error>,
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
                Err(Error::Disconnected) => return Ok(()),
                Err(e) => return Err(e.into()),
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
        frames: &'a QueueSender,
        encoded: Result<Encoded, Error>,
    },
    /// The buffer was full, or the stream ends after this event: waiting for room.
    Waiting(Pin<Box<dyn Future<Output = Result<(), Gone>> + Send + 'a>>),
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
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, SendingState::Done) {
                SendingState::Encoded { frames, encoded } => {
                    let Encoded { frame, ends_stream } = encoded?;
                    if ends_stream {
                        this.state = SendingState::Waiting(Box::pin(deliver(frames, frame, true)));
                        continue;
                    }
                    return match frames.try_send(Outgoing::Frame(frame)) {
                        Ok(()) => Poll::Ready(Ok(())),
                        Err(TrySendError::Closed) => Poll::Ready(Err(Error::Disconnected)),
                        Err(TrySendError::Full(item)) => {
                            this.state = SendingState::Waiting(Box::pin(queue(frames, item)));
                            continue;
                        }
                    };
                }
                SendingState::Waiting(mut waiting) => {
                    let sent = waiting.as_mut().poll(cx);
                    if sent.is_pending() {
                        this.state = SendingState::Waiting(waiting);
                    }
                    return sent.map_err(Error::from);
                }
                SendingState::Done => panic!("`Sending` polled after it completed"),
            }
        }
    }
}

/// Puts `item` in the stream's buffer, waiting for room.
async fn queue(frames: &QueueSender, item: Outgoing) -> Result<(), Gone> {
    frames.send(item).await.map_err(|_| Gone)
}

/// Puts an event's frame in the stream's buffer, then the stream's end after its final event.
async fn deliver(frames: &QueueSender, frame: Bytes, ends_stream: bool) -> Result<(), Gone> {
    queue(frames, Outgoing::Frame(frame)).await?;
    if ends_stream {
        queue(frames, Outgoing::End).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    #[crate::sse_events]
    enum Count {
        Number(u32),
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
        let (frames, mut queued) = crate::stream::queue::queue(1);
        let tx = Sender::<Count>::new(frames, None);

        drop(tx.send(Count::Number(0)));
        assert!(queued.try_recv().is_none(), "an unpolled send sent");

        tx.send(Count::Number(1)).now_or_never().unwrap().unwrap();
        let mut blocked = tx.send(Count::Number(2));
        assert!(
            (&mut blocked).now_or_never().is_none(),
            "the buffer is full"
        );
        drop(blocked);

        assert_eq!(
            frame_text(queued.try_recv().unwrap()),
            "event:Number\ndata:1\n\n"
        );
        let waiting = tx.send(Count::Number(3));
        assert!(queued.try_recv().is_none(), "a dropped waiting send sent");
        waiting.await.unwrap();
        assert_eq!(
            frame_text(queued.try_recv().unwrap()),
            "event:Number\ndata:3\n\n"
        );

        drop(queued);
        assert!(matches!(
            tx.send(Count::Number(4)).await,
            Err(Error::Disconnected)
        ));
    }
}
