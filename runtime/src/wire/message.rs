//! [`Message`]: an event plus the optional fields that travel with it.

use super::event::SseEvents;
use super::field::{EventId, IntoEventId};
use std::time::Duration;

/// An event with an optional `id`, `retry` and comments.
///
/// Anything that converts into a `Message` can be sent: the event enum itself, or a `Message`
/// built around it.
///
/// ```
/// use std::time::Duration;
/// use tidings::{sse_events, Message};
///
/// #[sse_events]
/// enum Clock { Tick }
///
/// let message = Message::new(Clock::Tick)
///     .id(42)
///     .retry(Duration::from_secs(3))
///     .comment("sent by the clock");
/// assert_eq!(message.event_id().map(|id| id.as_str()), Some("42"));
/// ```
#[derive(Debug, Clone)]
pub struct Message<E> {
    pub(crate) event: E,
    pub(crate) id: Option<EventId>,
    pub(crate) retry: Option<Duration>,
    pub(crate) comments: Vec<String>,
}

impl<E> Message<E> {
    /// A message carrying `event` and nothing else.
    pub fn new(event: E) -> Self {
        Message {
            event,
            id: None,
            retry: None,
            comments: Vec::new(),
        }
    }

    /// Sets the `id:` field, which a reconnecting client sends back as `Last-Event-ID`.
    ///
    /// A number converts into an [`EventId`] directly; text is checked where it is made, with
    /// [`EventId::new`] (or `try_into()`), since an id must be printable ASCII to come back in a
    /// `Last-Event-ID` header. A hub's
    /// ids are `EventId`s already. An empty id resets the client's last event id.
    ///
    /// ```
    /// # use tidings::{sse_events, EventId, Message};
    /// # #[sse_events] enum Clock { Tick }
    /// let by_number = Message::new(Clock::Tick).id(7);
    /// let by_text = Message::new(Clock::Tick).id(EventId::new("room-1:7")?);
    /// assert!(EventId::new("7\nevent: spoofed").is_err());
    /// # Ok::<(), tidings::InvalidField>(())
    /// ```
    pub fn id(mut self, id: impl IntoEventId) -> Self {
        self.id = Some(id.into_event_id());
        self
    }

    /// Sets the `retry:` field: how long the client waits before reconnecting (milliseconds on
    /// the wire).
    pub fn retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Adds a comment line before the event. Line breaks start new comment lines, so a comment
    /// can never inject a field.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comments.push(comment.into());
        self
    }

    /// The event this message carries.
    pub fn event(&self) -> &E {
        &self.event
    }

    /// The id set with [`Message::id`].
    pub fn event_id(&self) -> Option<&EventId> {
        self.id.as_ref()
    }
}

/// What a [`Sender<E>`](crate::Sender) accepts: the event enum `E` itself or a [`Message<E>`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event of this stream",
    label = "this stream's `Sender` carries `{E}`, not `{Self}`",
    note = "send a variant of `{E}`, or a `tidings::Message<{E}>`"
)]
pub trait IntoMessage<E> {
    /// Wraps the value into a message.
    fn into_message(self) -> Message<E>;
}

impl<E: SseEvents> IntoMessage<E> for E {
    fn into_message(self) -> Message<E> {
        Message::new(self)
    }
}

impl<E: SseEvents> IntoMessage<E> for Message<E> {
    fn into_message(self) -> Message<E> {
        self
    }
}

impl<E: SseEvents> From<E> for Message<E> {
    fn from(event: E) -> Self {
        Message::new(event)
    }
}
