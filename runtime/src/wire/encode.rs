//! A message into the bytes of one event: the only way events become frames, for a stream's
//! `Sender` and for the hub alike.

use bytes::{Bytes, BytesMut};
use std::cell::Cell;

use super::event::SseEvents;
use super::frame::{self, EncodeError, EventFields};
use super::message::Message;

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
pub(crate) fn encode<E: SseEvents>(message: &Message<E>) -> Result<Bytes, EncodeError> {
    let fields = EventFields {
        comments: &message.comments,
        name: message.event.event_info().name,
        id: message.id.as_ref(),
        retry: message.retry,
    };
    let mut frame = BytesMut::with_capacity(NEXT_FRAME_CAPACITY.get());
    frame::write_event(&mut frame, &fields, |data| message.event.write_data(data))?;
    NEXT_FRAME_CAPACITY.set((frame.len() + frame.len() / 8 + 16).min(MAX_FRAME_CAPACITY_HINT));
    Ok(frame.freeze())
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
