//! The server side of the wire format (WHATWG HTML, "Server-sent events").
//!
//! Every field that reaches the wire goes through a type that could only be built from a valid
//! value ([`EventName`], [`EventId`]) or through a writer that splits lines itself (data and
//! comments), so no caller can inject a field into the stream.

use bytes::{BufMut, Bytes, BytesMut};
use std::fmt;
use std::time::Duration;

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

/// Why an event's data could not be encoded.
#[derive(Debug)]
pub struct EncodeError(serde_json::Error);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the event payload could not be serialized to JSON: {}",
            self.0
        )
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Writes the `data:` lines of one event. Handed to [`SseEvents::write_data`](crate::SseEvents).
pub struct DataWriter<'a> {
    out: &'a mut BytesMut,
}

impl DataWriter<'_> {
    /// Writes a value as one line of JSON. Compact JSON escapes every line break inside strings,
    /// so it never needs splitting.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let start = self.out.len();
        self.out.put_slice(b"data:");
        if let Err(e) = serde_json::to_writer((&mut *self.out).writer(), value) {
            // Leave no half-written event behind.
            self.out.truncate(start);
            return Err(EncodeError(e));
        }
        self.out.put_u8(b'\n');
        Ok(())
    }

    /// Writes text as is: one `data:` line per line, splitting on CR, LF and CRLF.
    pub fn text(&mut self, text: &str) {
        write_lines(self.out, b"data:", text);
    }

    /// Writes empty data: one bare `data:` line, so that a browser still dispatches the event.
    pub fn empty(&mut self) {
        self.out.put_slice(b"data:\n");
    }
}

/// Writes `text` as one `prefix` line per line of text, splitting on CR, LF and CRLF.
fn write_lines(out: &mut BytesMut, prefix: &[u8], text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' | b'\n' => {
                write_line(out, prefix, &bytes[start..i]);
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    write_line(out, prefix, &bytes[start..]);
}

fn write_line(out: &mut BytesMut, prefix: &[u8], value: &[u8]) {
    out.reserve(prefix.len() + value.len() + 2);
    out.put_slice(prefix);
    // A client removes one space after the colon: keep a value's own leading space by adding one.
    if value.first() == Some(&b' ') {
        out.put_u8(b' ');
    }
    out.put_slice(value);
    out.put_u8(b'\n');
}

/// Everything but the data of one event on the wire.
#[derive(Debug, Default, Clone)]
pub(crate) struct EventFields<'a> {
    pub(crate) comments: &'a [String],
    pub(crate) name: Option<EventName>,
    pub(crate) id: Option<&'a EventId>,
    pub(crate) retry: Option<Duration>,
}

/// Appends one whole event (comments, `event:`, `data:` lines, `id:`, `retry:`, blank line) to
/// `out`. On error `out` is left as it was.
pub(crate) fn write_event(
    out: &mut BytesMut,
    fields: &EventFields<'_>,
    data: impl FnOnce(&mut DataWriter<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    for comment in fields.comments {
        write_comment(out, comment);
    }
    if let Some(name) = fields.name {
        write_line(out, b"event:", name.as_str().as_bytes());
    }
    if let Err(e) = data(&mut DataWriter { out }) {
        out.truncate(start);
        return Err(e);
    }
    if let Some(id) = fields.id {
        write_line(out, b"id:", id.as_str().as_bytes());
    }
    if let Some(retry) = fields.retry {
        write_retry(out, retry);
    }
    out.put_u8(b'\n');
    Ok(())
}

fn write_retry(out: &mut BytesMut, retry: Duration) {
    write_line(out, b"retry:", retry.as_millis().to_string().as_bytes());
}

/// A block with a `retry:` field alone: it sets a client's reconnection delay and dispatches
/// no event (what a stream that reached its maximum age ends with when its handler has no
/// `on_max_age` event).
pub(crate) fn retry_block(retry: Duration) -> Bytes {
    let mut out = BytesMut::new();
    write_retry(&mut out, retry);
    out.put_u8(b'\n');
    out.freeze()
}

/// Appends a comment, one `:` line per line of text, so a line break cannot start a field.
pub(crate) fn write_comment(out: &mut BytesMut, comment: &str) {
    write_lines(out, b":", comment);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(fields: EventFields<'_>, data: &str) -> String {
        let mut out = BytesMut::new();
        write_event(&mut out, &fields, |w| {
            w.text(data);
            Ok(())
        })
        .unwrap();
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn default_event_has_no_event_line() {
        assert_eq!(event(EventFields::default(), "hi"), "data:hi\n\n");
    }

    #[test]
    fn all_fields_in_order() {
        let id = EventId::new("7").unwrap();
        let comments = ["note".to_string()];
        let fields = EventFields {
            comments: &comments,
            name: Some(EventName::new("tick").unwrap()),
            id: Some(&id),
            retry: Some(Duration::from_millis(2500)),
        };
        assert_eq!(
            event(fields, "x"),
            ":note\nevent:tick\ndata:x\nid:7\nretry:2500\n\n"
        );
    }

    #[test]
    fn data_splits_on_cr_lf_and_crlf() {
        assert_eq!(
            event(EventFields::default(), "a\rb\nc\r\nd"),
            "data:a\ndata:b\ndata:c\ndata:d\n\n"
        );
        assert_eq!(
            event(EventFields::default(), "end\n"),
            "data:end\ndata:\n\n"
        );
        assert_eq!(event(EventFields::default(), ""), "data:\n\n");
    }

    #[test]
    fn comments_split_so_they_cannot_inject_fields() {
        let mut out = BytesMut::new();
        write_comment(&mut out, "a\r\nevent: spoofed\rdata: x");
        assert_eq!(&out[..], b":a\n:event: spoofed\n:data: x\n");
    }

    #[test]
    fn ids_and_names_reject_line_breaks_and_nul() {
        for bad in ["a\rb", "a\nb", "a\0b"] {
            assert_eq!(EventId::new(bad).unwrap_err().field(), "id");
            assert!(EventName::new(Box::leak(bad.to_string().into_boxed_str())).is_err());
        }
        assert!(
            EventId::new("").is_ok(),
            "an empty id resets the client's last id"
        );
    }

    #[test]
    fn a_leading_space_survives_the_clients_space_stripping() {
        assert_eq!(event(EventFields::default(), " x"), "data:  x\n\n");
    }

    #[test]
    fn json_data_is_one_line_even_with_newlines_in_strings() {
        let mut out = BytesMut::new();
        write_event(&mut out, &EventFields::default(), |w| w.json(&"two\nlines")).unwrap();
        assert_eq!(&out[..], b"data:\"two\\nlines\"\n\n");
    }

    #[test]
    fn failed_serialization_leaves_nothing_behind() {
        struct Fails;
        impl serde::Serialize for Fails {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("nope"))
            }
        }
        let mut out = BytesMut::from(&b"data:before\n\n"[..]);
        let fields = EventFields {
            name: Some(EventName::new("x").unwrap()),
            ..EventFields::default()
        };
        assert!(write_event(&mut out, &fields, |w| w.json(&Fails)).is_err());
        assert_eq!(&out[..], b"data:before\n\n");
    }

    /// What the wire can carry of data: every line break arrives as LF.
    fn normalized(data: &str) -> String {
        data.replace("\r\n", "\n").replace('\r', "\n")
    }

    proptest::proptest! {
        #[test]
        fn every_event_is_read_back_exactly_by_a_whatwg_decoder_or_rejected(
            name in proptest::option::of("(?s).{0,12}"),
            // Half printable ASCII, which ids are made of, half anything, which they refuse.
            id in proptest::option::of(proptest::prop_oneof!["[ -~]{0,12}", "(?s).{0,12}"]),
            data in "(?s).{0,40}",
            comments in proptest::collection::vec("(?s).{0,12}", 0..3),
            retry in proptest::option::of(0u64..100_000),
        ) {
            let valid_name = name.as_ref().map(|n| EventName::new(Box::leak(n.clone().into_boxed_str())));
            let valid_id = id.as_ref().map(|i| EventId::new(i.clone()));
            let breaks = |s: &str| s.contains(['\r', '\n', '\0']);
            if let Some(Err(_)) = valid_name {
                let name = name.as_deref().unwrap();
                proptest::prop_assert!(name.is_empty() || breaks(name));
                return Ok(());
            }
            if let Some(Err(_)) = valid_id {
                // Refused only if a client could not send it back in `Last-Event-ID`.
                let id = id.as_deref().unwrap();
                let printable = id.bytes().all(|byte| (b' '..=b'~').contains(&byte));
                proptest::prop_assert!(!printable || id.starts_with(' ') || id.ends_with(' '));
                return Ok(());
            }
            let id = valid_id.map(Result::unwrap);
            let fields = EventFields {
                comments: &comments,
                name: valid_name.map(Result::unwrap),
                id: id.as_ref(),
                retry: retry.map(Duration::from_millis),
            };
            let mut wire = BytesMut::new();
            write_event(&mut wire, &fields, |w| { w.text(&data); Ok(()) }).unwrap();

            let mut decoder = crate::client::Decoder::new();
            let mut events = Vec::new();
            decoder.feed(&wire, &mut events).unwrap();
            decoder.finish();
            proptest::prop_assert_eq!(events.len(), 1);
            let event = &events[0];
            proptest::prop_assert_eq!(event.name(), name.as_deref());
            proptest::prop_assert_eq!(&event.data, &normalized(&data));
            proptest::prop_assert_eq!(event.id.as_str(), id.as_ref().map_or("", EventId::as_str));
            proptest::prop_assert_eq!(event.retry, retry.map(Duration::from_millis));
        }
    }
}
