//! [`Forward`]: what a stream's `Sender` forwards, defined here, beneath both the stream and the
//! hub, so that the hub's subscriptions hand their frames to a stream without either importing
//! the other.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::future::Future;

use super::encode::encode;
use super::event::SseEvents;
use super::frame::EncodeError;
use super::message::IntoMessage;

/// The stream a [`FrameSink`] fed is gone: its client left, or it ended.
#[doc(hidden)]
#[derive(Debug)]
pub struct Gone;

/// Why forwarding stopped before its source ended.
#[doc(hidden)]
#[derive(Debug)]
pub enum ForwardError {
    /// The stream is gone.
    Gone,
    /// An item failed to encode; nothing of it was sent.
    Encode(EncodeError),
}

impl From<Gone> for ForwardError {
    fn from(Gone: Gone) -> Self {
        ForwardError::Gone
    }
}

/// Where forwarded frames go: one stream of `E` events (its `Sender`), seen from below.
#[doc(hidden)]
pub trait FrameSink<E> {
    /// Commits the stream's head without sending an event: what follows cannot fail with an
    /// HTTP status any more, so the client need not wait for the first event to see it open.
    fn open(&self) -> impl Future<Output = Result<(), Gone>>;
    /// Sends one encoded event of `E`; `ends_stream` when it is the stream's final event.
    fn send_frame(&self, frame: Bytes, ends_stream: bool)
        -> impl Future<Output = Result<(), Gone>>;
    /// Resolves once the stream is gone.
    fn closed(&self) -> impl Future<Output = ()>;
}

/// What `Sender::forward` accepts: a [`Stream`] of `E` or `Message<E>` items, or a
/// `hub::Subscription<E>`. Implemented by tidings only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be forwarded to a `Sender<{E}>`",
    note = "forward a `Stream` of `{E}` or `tidings::Message<{E}>` items, or a `tidings::hub::Subscription<{E}>`"
)]
pub trait Forward<E>: sealed::Sealed<E> {
    /// Sends everything `self` yields into `sink`, in order, until `self` ends.
    #[doc(hidden)]
    fn forward_to(self, sink: &impl FrameSink<E>)
        -> impl Future<Output = Result<(), ForwardError>>;
}

pub(crate) mod sealed {
    /// Implemented for streams of messages here, and for the hub's subscriptions beside them.
    pub trait Sealed<E> {}
    impl<E, S: futures::Stream> Sealed<E> for S where S::Item: super::IntoMessage<E> {}
}

impl<E, S> Forward<E> for S
where
    E: SseEvents,
    S: Stream,
    S::Item: IntoMessage<E>,
{
    async fn forward_to(self, sink: &impl FrameSink<E>) -> Result<(), ForwardError> {
        let mut items = std::pin::pin!(self);
        loop {
            tokio::select! {
                biased;
                () = sink.closed() => return Err(ForwardError::Gone),
                next = items.next() => match next {
                    Some(item) => {
                        let message = item.into_message();
                        let frame = encode(&message).map_err(ForwardError::Encode)?;
                        sink.send_frame(frame, message.event.event_info().ends_stream).await?;
                    }
                    None => return Ok(()),
                },
            }
        }
    }
}
