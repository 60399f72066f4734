//! The one writer of the wire format (WHATWG HTML, "Server-sent events"): an event's comments,
//! `event:`, `data:`, `id:` and `retry:` lines, comments alone, and `retry:` alone.
//!
//! Every field that reaches the wire goes through a type that could only be built from a valid
//! value ([`EventName`], [`EventId`]) or through a writer that splits lines itself (data and
//! comments), so no caller can inject a field into the stream.

use bytes::{BufMut, Bytes, BytesMut};
use std::fmt;
use std::time::Duration;

use super::field::{EventId, EventName, InvalidField};

/// Why an event could not be encoded: its payload failed to serialize, or one of its fields
/// (an id made with [`EventId::new`]) is not one the wire format can carry. Nothing was sent.
#[derive(Debug)]
pub struct EncodeError(Cause);

#[derive(Debug)]
enum Cause {
    Payload(serde_json::Error),
    Field(InvalidField),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Cause::Payload(e) => {
                write!(f, "the event payload could not be serialized to JSON: {e}")
            }
            Cause::Field(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Cause::Payload(e) => Some(e),
            Cause::Field(e) => Some(e),
        }
    }
}

/// So that `EventId::new(text)?` works where an event is made.
impl From<InvalidField> for EncodeError {
    fn from(e: InvalidField) -> Self {
        EncodeError(Cause::Field(e))
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
            return Err(EncodeError(Cause::Payload(e)));
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

/// An event encoded without an id, with its `id:` line put first: the hub encodes an event
/// once, before it knows the id the event gets in each topic's log.
pub(crate) fn with_id_first(id: &EventId, event: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(event.len() + id.as_str().len() + 4);
    write_line(&mut frame, b"id:", id.as_str().as_bytes());
    frame.put_slice(event);
    frame.freeze()
}

fn write_retry(out: &mut BytesMut, retry: Duration) {
    write_line(out, b"retry:", retry.as_millis().to_string().as_bytes());
}

/// A block of comment lines alone (one `:` line per line of `comment`; one bare `:` for none),
/// which clients ignore: a stream's keep-alive, or `Sender::comment`.
pub(crate) fn comment_block(comment: &str) -> Bytes {
    let mut out = BytesMut::new();
    write_comment(&mut out, comment);
    out.put_u8(b'\n');
    out.freeze()
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
fn write_comment(out: &mut BytesMut, comment: &str) {
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
    fn comment_blocks_are_comment_lines_and_a_blank_line() {
        assert_eq!(&comment_block("")[..], b":\n\n");
        assert_eq!(&comment_block("a\nb")[..], b":a\n:b\n\n");
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
}
