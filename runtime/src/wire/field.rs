//! The fields of an event that tidings checks before they reach the wire: [`EventName`] and
//! [`EventId`], each buildable only from a value the wire format can carry, and [`InvalidField`],
//! why a value was refused.

use std::fmt;

/// Why a field cannot be written to an event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    field: &'static str,
    reason: &'static str,
}

impl InvalidField {
    /// The field that was rejected (`"event"` or `"id"`).
    pub fn field(&self) -> &'static str {
        self.field
    }
}

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}` field: {}", self.field, self.reason)
    }
}

impl std::error::Error for InvalidField {}

/// A line break or NUL would end the field early and let the rest be read as another field.
const fn check_single_line(field: &'static str, value: &str) -> Result<(), InvalidField> {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'\r' | b'\n' | b'\0') {
            return Err(InvalidField {
                field,
                reason: "it contains CR, LF or NUL, which the wire format cannot carry",
            });
        }
        i += 1;
    }
    Ok(())
}

/// The `event:` field of an event: non-empty, with no CR, LF or NUL.
///
/// ```
/// use tidings::codegen::EventName;
/// assert_eq!(EventName::new("user_joined").unwrap().as_str(), "user_joined");
/// assert!(EventName::new("bad\nname").is_err());
/// assert!(EventName::new("").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventName(&'static str);

impl EventName {
    /// Checks a name for use on the wire.
    pub const fn new(name: &'static str) -> Result<Self, InvalidField> {
        if name.is_empty() {
            return Err(InvalidField {
                field: "event",
                reason: "it is empty, which a client reads as the default `message` event",
            });
        }
        match check_single_line("event", name) {
            Ok(()) => Ok(EventName(name)),
            Err(e) => Err(e),
        }
    }

    /// For generated code: a name `#[sse_events]` already checked. Evaluated in a constant, so
    /// an invalid name could only ever fail the build, never a running server.
    #[doc(hidden)]
    pub const fn checked(name: &'static str) -> Self {
        match Self::new(name) {
            Ok(name) => name,
            Err(_) => panic!("invalid event name"),
        }
    }

    /// The name as written on the wire.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The `id:` field of an event, which a reconnecting client sends back in its `Last-Event-ID`
/// header: printable ASCII (spaces only between other characters). The empty id is valid: it
/// resets a client's last event id.
///
/// One id, three places: the server sends an `EventId`; a client reads it as the `String` it
/// carried (`TypedEvent::id` in [`client`](crate::client), `event.lastEventId` in a browser);
/// a reconnecting client sends it back, which the server reads as
/// [`LastEventId`](crate::LastEventId) ([`LastEventId::event_id`](crate::LastEventId::event_id)
/// gives it back as an `EventId`).
///
/// A line break would inject a field and a client ignores an id containing NUL; other control
/// characters cannot be sent in a header by most clients, and text beyond ASCII not by `fetch`
/// (its headers are Latin-1 byte strings: `é` would come back as a byte that is not UTF-8, and
/// `✓` cannot be sent at all), and spaces at either end are trimmed off a header. A client
/// that cannot send its id back would resume with nothing, never told it missed events. Encode
/// such ids (as hex, or percent-encoding) before they become event ids.
///
/// ```
/// use tidings::EventId;
/// assert_eq!(EventId::new("42").unwrap().as_str(), "42");
/// assert_eq!(EventId::new("42").unwrap().to_string(), "42");
/// assert_eq!(serde_json::to_string(&EventId::new("42").unwrap()).unwrap(), r#""42""#);
/// assert!(EventId::new("4\r\nevent: spoofed").is_err());
/// assert!(EventId::new("café").is_err());
/// assert!(EventId::new(" 42").is_err());
/// assert!(EventId::new("room 7:42").is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId(String);

impl EventId {
    /// Checks an id for use on the wire.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidField> {
        let id = id.into();
        check_single_line("id", &id)?;
        let printable = id.bytes().all(|byte| matches!(byte, b' '..=b'~'));
        if !printable || id.starts_with(' ') || id.ends_with(' ') {
            return Err(InvalidField {
                field: "id",
                reason: "a client sends it back in its `Last-Event-ID` header, which carries \
                         printable ASCII only (no control characters, no text beyond ASCII, no \
                         space at either end): encode the id first",
            });
        }
        Ok(EventId(id))
    }

    /// The id as written on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serialized as its text, so an id can be returned in a JSON body (`{"id": "..."}`).
impl serde::Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl From<EventId> for String {
    fn from(id: EventId) -> String {
        id.0
    }
}

impl TryFrom<String> for EventId {
    type Error = InvalidField;

    fn try_from(id: String) -> Result<Self, InvalidField> {
        EventId::new(id)
    }
}

impl TryFrom<&str> for EventId {
    type Error = InvalidField;

    fn try_from(id: &str) -> Result<Self, InvalidField> {
        EventId::new(id)
    }
}

/// What [`Message::id`](crate::Message::id) accepts: an [`EventId`], or a number, which is
/// always a valid id. Text is not accepted as is, since it may hold what no id can carry (CR, LF,
/// NUL, text beyond ASCII): check it where it is made, with [`EventId::new`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event id",
    label = "text must be checked: it may hold CR, LF or NUL, which no id can carry",
    note = "make the id with `tidings::EventId::new(text)?` (or `text.try_into()?`); numbers and `EventId`s need nothing"
)]
pub trait IntoEventId {
    /// The id.
    fn into_event_id(self) -> EventId;
}

impl IntoEventId for EventId {
    fn into_event_id(self) -> EventId {
        self
    }
}

/// A number is always a valid id: `Message::new(event).id(42)`.
macro_rules! event_id_from_integers {
    ($($int:ty),*) => {$(
        impl From<$int> for EventId {
            fn from(n: $int) -> Self {
                EventId(n.to_string())
            }
        }

        impl IntoEventId for $int {
            fn into_event_id(self) -> EventId {
                EventId::from(self)
            }
        }
    )*};
}
event_id_from_integers!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);
