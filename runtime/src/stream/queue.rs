//! What the parts of a stream hand one another: the items of its queue, from the `Sender` to
//! the body, and the handler's future, which the body polls and the stall watch can drop.

use bytes::Bytes;
use futures::future::BoxFuture;

use super::outcome::Failure;

/// What a [`Sender`](crate::Sender) puts in its stream's queue.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// The bytes of an event or a comment.
    Frame(Bytes),
    /// Commits the response head now, sending nothing (a stream ready before its first event).
    Open,
    /// The stream's final event is queued before this: the stream ends after it.
    End,
}

/// How a handler's future ended.
pub(crate) enum HandlerEnd {
    Finished,
    /// It returned an error, already turned into its response.
    Failed(Failure),
    Panicked(String),
}

/// The handler's future, polled by the body itself. Dropping the body (the client left) drops
/// the handler: no task outlives the connection.
pub(crate) type HandlerTask = BoxFuture<'static, HandlerEnd>;
