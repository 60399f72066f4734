//! [`Subscription`]: one subscriber's place in a topic, forwarded to its stream's `Sender`.

use bytes::Bytes;
use std::collections::VecDeque;
use std::marker::PhantomData;

use super::log::Next;
use super::registry::Membership;
use crate::wire::{sealed, Forward, ForwardError, FrameSink};

/// How a subscription relates to the `Last-Event-ID` the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// No id was sent: the subscription carries live events only.
    Fresh,
    /// The id was found: the subscription replays every event after it, then live events.
    Resumed,
    /// The id is older than the replay window, unknown, malformed, or from another topic or hub
    /// instance: what the client missed cannot be replayed. Live events follow; tell the client
    /// (for example with a reset event) so that it reloads its state.
    TooOld,
}

/// A subscriber of one topic of a [`Hub`](super::Hub): the events after its `Last-Event-ID`,
/// then live events, as the bytes the hub encoded once.
///
/// Forward it to the stream's [`Sender`](crate::Sender) with
/// [`Sender::forward`](crate::Sender::forward); only a `Sender` of the same
/// event enum accepts it. Forwarding returns `Ok(())` when the hub ends the subscription: the
/// subscriber fell further behind than its queue allows (it is counted in
/// [`HubStats::dropped_subscribers`](super::HubStats)), or, on Redis, the topic's history was
/// lost. Ending the stream there is what lets the client reconnect and resume through replay.
pub struct Subscription<E> {
    pub(super) membership: Membership,
    /// Events before the local log begins, fetched from Redis when the client resumed further
    /// back than this instance's log reaches.
    pub(super) replay: VecDeque<Bytes>,
    pub(super) resume: Resume,
    pub(super) events: PhantomData<fn() -> E>,
}

impl<E> Subscription<E> {
    /// Whether the client resumed, started fresh, or is too far behind to be caught up.
    pub fn resume(&self) -> Resume {
        self.resume
    }

    /// The topic subscribed to.
    pub fn topic(&self) -> &str {
        &self.membership.name
    }
}

impl<E> std::fmt::Debug for Subscription<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.topic())
            .field("resume", &self.resume)
            .finish_non_exhaustive()
    }
}

/// Only a `Sender` of the subscription's own event enum takes it: the hub's bytes were encoded
/// from that enum. (A separate trait, so that the compile error names both enums.)
#[diagnostic::on_unimplemented(
    message = "this subscription carries `{Self}` events, but the stream's `Sender` carries `{E}`",
    label = "a `Subscription<{Self}>`",
    note = "subscribe to a `Hub<{E}>` to forward to a `Sender<{E}>`"
)]
pub trait SameEvents<E> {}

impl<E> SameEvents<E> for E {}

impl<E, F> sealed::Sealed<E> for Subscription<F> {}

impl<E, F: SameEvents<E>> Forward<E> for Subscription<F> {
    async fn forward_to(mut self, sink: &impl FrameSink<E>) -> Result<(), ForwardError> {
        // Subscribed: nothing can fail before the first event any more, so the client need not
        // wait for one (or for the open deadline) to see the stream open.
        sink.open().await?;
        while let Some(frame) = self.replay.pop_front() {
            sink.send_frame(frame, false).await?;
        }
        let topic = self.membership.topic.clone();
        // One future for the whole subscription: making one per event would register with the
        // channel (a lock) after every event.
        let closed = sink.closed();
        let mut closed = std::pin::pin!(closed);
        loop {
            // Enabled before reading, so that an append after the read wakes it.
            let appended = topic.appended();
            let mut appended = std::pin::pin!(appended);
            appended.as_mut().enable();
            match topic.read(&mut self.membership.cursor) {
                Next::Frame { frame, newest } => {
                    sink.send_frame(frame, false).await?;
                    if !newest {
                        continue;
                    }
                    // It was the newest: wait for the next append without reading again.
                }
                Next::Empty => {}
                // Dropping the subscription counts it; ending the stream makes the client
                // reconnect and resume from its last id.
                Next::Behind | Next::Closed => return Ok(()),
            }
            tokio::select! {
                biased;
                () = &mut closed => return Err(ForwardError::Gone),
                () = appended => {}
            }
        }
    }
}
