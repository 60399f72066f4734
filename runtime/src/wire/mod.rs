//! The wire: what tidings writes to a stream and reads back from its client, beneath everything
//! else. Events and their fields ([`SseEvents`], [`EventName`], [`EventId`]), the one writer of
//! frames ([`frame`]), the encoding of a message into a frame ([`encode`]), what a stream's
//! `Sender` forwards ([`Forward`]), and the `Last-Event-ID` a reconnecting client sends back
//! ([`LastEventId`]). Nothing here knows of streams, hubs or routes.

mod encode;
mod event;
mod field;
mod forward;
mod frame;
mod last_event_id;
mod message;

pub(crate) use encode::{encode, encode_ahead};
pub use event::{
    DecodeError, DecodeEvents, DecodeEventsOwned, EventInfo, PayloadKind, RawText, SseEvents,
};
pub use field::{EventId, EventName, IntoEventId, InvalidField};
pub(crate) use forward::sealed;
pub use forward::{Forward, ForwardError, FrameSink, Gone};
pub(crate) use frame::{comment_block, retry_block, with_id_first, write_event, EventFields};
pub use frame::{DataWriter, EncodeError};
pub use last_event_id::{LastEventId, LastEventIdRejection};
pub use message::{IntoMessage, Message};
