//! An incremental decoder of `text/event-stream` bodies, following the parsing rules of the
//! WHATWG HTML standard, section "Server-sent events" (9.2.5 "Parsing an event stream" and
//! 9.2.6 "Interpreting an event stream").

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// The default cap on the length of one line, in bytes: 16 MiB.
///
/// Chosen to let through the largest events real servers send (single JSON events of several
/// megabytes occur, and an SSE client conformance suite sends 7 MB and 14 MB ones), while a
/// broken or hostile server still cannot make a client buffer without bound: at most this per
/// line and four times this per event, per stream. A client of many streams with
/// small events can lower it ([`Decoder::with_max_line_len`]).
pub const DEFAULT_MAX_LINE_LEN: usize = 16 * 1024 * 1024;

/// How many times the line cap one event's data may take (see [`Decoder::max_data_len`]).
const DATA_LEN_FACTOR: usize = 4;

const BOM: &[u8] = b"\xEF\xBB\xBF";
const DEFAULT_EVENT_TYPE: &str = "message";

/// An incremental decoder of a Server-Sent Events stream.
///
/// Bytes are fed in chunks of any size, split anywhere (inside a line, between the CR and
/// the LF of a CRLF, inside a multi-byte UTF-8 character); completed [`RawEvent`]s come out in
/// the order in which they are dispatched, exactly as if the whole stream had been fed at once.
///
/// The rules are those of the WHATWG HTML standard ("Parsing an event stream"):
///
/// * one UTF-8 byte order mark at the start of the stream is dropped;
/// * lines end with CRLF, LF or CR;
/// * a line that starts with a colon is a comment; a line without a colon is a field name
///   with an empty value; one space after the colon is dropped from the value;
/// * `event` sets the event type, `data` appends its value and a LF to the data buffer,
///   `id` sets the last event ID unless the value contains NUL, `retry` sets the reconnection
///   time when the value is ASCII digits only, and any other field is ignored;
/// * a blank line dispatches the event, unless its data buffer is empty;
/// * invalid UTF-8 becomes U+FFFD, as the WHATWG "UTF-8 decode" does;
/// * at the end of the stream ([`Decoder::finish`]), an event without its blank line is
///   discarded.
///
/// # Memory
///
/// A line may hold at most [`max_line_len`](Decoder::max_line_len) bytes (16 MiB by default,
/// see [`DEFAULT_MAX_LINE_LEN`]), and one event's data at most
/// [`max_data_len`](Decoder::max_data_len) bytes (four times the line cap). A
/// stream breaking either cap makes [`feed`](Decoder::feed) return a [`DecodeLimitError`];
/// the decoder drops what it had buffered and returns the same error for every further chunk
/// until [`finish`](Decoder::finish). Buffers are reused between lines and events.
///
/// # Example
///
/// ```
/// use tidings::client::Decoder;
///
/// let mut decoder = Decoder::new();
/// let mut events = Vec::new();
/// decoder.feed(b"event: greeting\nid: 7\ndata: hel", &mut events)?;
/// assert!(events.is_empty()); // the event has not ended yet
/// decoder.feed(b"lo\ndata: world\n\n: a comment\ndata: next\r\n\r\n", &mut events)?;
/// decoder.finish();
///
/// assert_eq!(events.len(), 2);
/// assert_eq!(events[0].name(), Some("greeting"));
/// assert_eq!(events[0].data, "hello\nworld");
/// assert_eq!(events[0].id, "7");
/// assert_eq!(events[1].event, "message");
/// assert_eq!(events[1].name(), None);
/// assert_eq!(events[1].id, "7"); // the last event ID persists
/// assert_eq!(decoder.last_event_id(), "7");
/// # Ok::<(), tidings::client::DecodeLimitError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    max_line_len: usize,
    max_data_len: usize,
    /// The bytes of the current, incomplete line.
    line: Vec<u8>,
    /// No line has been completed yet in this stream: its start may hold a BOM.
    at_stream_start: bool,
    /// The previous chunk ended with a CR: a LF starting the next chunk ends nothing.
    skip_lf: bool,
    /// A cap was exceeded; cleared by `finish`.
    failed: Option<DecodeLimitError>,
    /// The data buffer, each data line followed by LF.
    data: String,
    /// The event type buffer.
    event_type: String,
    /// The last event ID buffer.
    id_buffer: String,
    /// The last event ID string: the buffer as of the last blank line.
    last_event_id: String,
    /// The last valid `retry` of the current event.
    event_retry: Option<Duration>,
    /// The last valid `retry` of the stream.
    retry: Option<Duration>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with the default line cap of [`DEFAULT_MAX_LINE_LEN`] (16 MiB).
    pub fn new() -> Self {
        Self::with_max_line_len(DEFAULT_MAX_LINE_LEN)
    }

    /// A decoder whose lines may hold at most `max` bytes (line end excluded), and whose
    /// events' data at most four times `max` bytes (saturating).
    pub fn with_max_line_len(max: usize) -> Self {
        Self {
            max_line_len: max,
            max_data_len: max.saturating_mul(DATA_LEN_FACTOR),
            line: Vec::new(),
            at_stream_start: true,
            skip_lf: false,
            failed: None,
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            event_retry: None,
            retry: None,
        }
    }

    /// The same decoder, starting from last event id `id` instead of none: the id a resumed
    /// stream's events carry until the stream sets another (what a client that reconnects
    /// with `Last-Event-ID: id` has in force).
    ///
    /// Call it before the first chunk. The id is taken as given. A stream could not set one holding CR, LF or NUL, and such an
    /// id cannot be sent as a header: check it first if it comes from outside.
    ///
    /// ```
    /// use tidings::client::{Decoder, RawEvent};
    ///
    /// let mut decoder = Decoder::new().with_last_event_id("41");
    /// assert_eq!(decoder.last_event_id(), "41");
    /// let mut events = Vec::new();
    /// decoder.feed(b"data: no id\n\nid: 42\ndata: x\n\n", &mut events)?;
    /// assert_eq!(events, [RawEvent::new(None, "no id", "41"), RawEvent::new(None, "x", "42")]);
    /// # Ok::<(), tidings::client::DecodeLimitError>(())
    /// ```
    pub fn with_last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = id.into();
        // The id buffer is what the next blank line commits: it starts as the id in force.
        self.id_buffer.clone_from(&self.last_event_id);
        self
    }

    /// The cap on the length of one line, in bytes, line end excluded.
    pub fn max_line_len(&self) -> usize {
        self.max_line_len
    }

    /// The cap on the length of one event's data, in bytes: the data lines joined by LF, as
    /// [`RawEvent::data`] would hold them.
    pub fn max_data_len(&self) -> usize {
        self.max_data_len
    }

    /// Feeds the next chunk of the stream, appending the events it completes to `out`.
    ///
    /// `out` is only appended to, so one vector can be reused (cleared by the caller) across
    /// chunks. On error, the events completed before the offending line are still appended.
    ///
    /// # Errors
    ///
    /// [`DecodeLimitError`] when a line or an event's data exceeds its cap, and for every
    /// chunk after that until [`finish`](Self::finish).
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<RawEvent>) -> Result<(), DecodeLimitError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let mut rest = chunk;
        if self.skip_lf {
            if let Some((&first, tail)) = rest.split_first() {
                self.skip_lf = false;
                if first == b'\n' {
                    rest = tail;
                }
            }
        }
        while let Some(end) = memchr::memchr2(b'\r', b'\n', rest) {
            let result = if self.line.is_empty() {
                self.complete_line(&rest[..end], out)
            } else if self.line.len() + end > self.max_line_len {
                Err(DecodeLimitError::new(LimitKind::Line, self.max_line_len))
            } else {
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&rest[..end]);
                let result = self.complete_line(&line, out);
                line.clear();
                self.line = line;
                result
            };
            if let Err(error) = result {
                return Err(self.fail(error));
            }
            let mut next = end + 1;
            if rest[end] == b'\r' {
                match rest.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
            rest = &rest[next..];
        }
        if self.line.len() + rest.len() > self.max_line_len {
            return Err(self.fail(DecodeLimitError::new(LimitKind::Line, self.max_line_len)));
        }
        self.line.extend_from_slice(rest);
        Ok(())
    }

    /// Ends the stream. Per the standard, an event whose blank line has not arrived is
    /// discarded, as is an unterminated last line: the end of a stream completes no event.
    ///
    /// The decoder is then ready for a new stream (a reconnection): a BOM is again dropped at
    /// its start, a past [`DecodeLimitError`] is forgotten, and [`last_event_id`](Self::last_event_id)
    /// and [`retry`](Self::retry) are kept, since a reconnecting client reuses them.
    pub fn finish(&mut self) {
        self.line.clear();
        self.data.clear();
        self.event_type.clear();
        self.id_buffer.clone_from(&self.last_event_id);
        self.event_retry = None;
        self.at_stream_start = true;
        self.skip_lf = false;
        self.failed = None;
    }

    /// The last event ID string: the value of the last accepted `id` field as of the last
    /// blank line (an `id` field of an event still being received does not count yet). Empty
    /// when no ID was set, or after an `id` field with an empty value.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time of the last valid `retry` field seen, in milliseconds; `None`
    /// before any. It takes effect at once, without waiting for the event's blank line.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    fn fail(&mut self, error: DecodeLimitError) -> DecodeLimitError {
        self.failed = Some(error);
        self.line = Vec::new();
        self.data = String::new();
        self.event_type.clear();
        error
    }

    /// Interprets one complete line (line end excluded).
    fn complete_line(
        &mut self,
        mut line: &[u8],
        out: &mut Vec<RawEvent>,
    ) -> Result<(), DecodeLimitError> {
        if line.len() > self.max_line_len {
            return Err(DecodeLimitError::new(LimitKind::Line, self.max_line_len));
        }
        if self.at_stream_start {
            self.at_stream_start = false;
            if let Some(tail) = line.strip_prefix(BOM) {
                line = tail;
            }
        }
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(0) => return Ok(()), // a comment
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            b"data" => {
                // The data as dispatched would be the buffer (LF-terminated lines) + value.
                let value = decode(value);
                if self.data.len() + value.len() > self.max_data_len {
                    return Err(DecodeLimitError::new(LimitKind::Data, self.max_data_len));
                }
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&decode(value));
            }
            // An id containing NUL is ignored.
            b"id" if memchr::memchr(0, value).is_none() => {
                self.id_buffer.clear();
                self.id_buffer.push_str(&decode(value));
            }
            // A retry is only taken when it is ASCII digits only.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let millis = value.iter().fold(0u64, |acc, &digit| {
                    acc.saturating_mul(10)
                        .saturating_add(u64::from(digit - b'0'))
                });
                let retry = Duration::from_millis(millis);
                self.retry = Some(retry);
                self.event_retry = Some(retry);
            }
            _ => {} // unknown fields, and ignored id and retry values
        }
        Ok(())
    }

    /// A blank line: dispatch the event, if it has data.
    fn dispatch(&mut self, out: &mut Vec<RawEvent>) {
        if self.last_event_id != self.id_buffer {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        let retry = self.event_retry.take();
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        self.data.pop(); // the LF after the last data line
        let explicit_name = !self.event_type.is_empty();
        let event = if explicit_name {
            self.event_type.clone()
        } else {
            DEFAULT_EVENT_TYPE.to_owned()
        };
        self.event_type.clear();
        out.push(RawEvent {
            event,
            data: std::mem::take(&mut self.data),
            id: self.last_event_id.clone(),
            retry,
            explicit_name,
        });
    }
}

/// UTF-8 decoding with replacement: each maximal invalid subpart becomes one U+FFFD, as the
/// WHATWG Encoding standard's decoder does. Lines never split a character (CR and LF never
/// occur inside a multi-byte sequence), so decoding whole lines equals decoding the stream.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// One event as the stream sent it, before any decoding into an event enum: its type, data,
/// last event id and `retry`, all text.
///
/// Build one with [`RawEvent::new`] (the fields are public for reading and matching; a private
/// flag records whether the type was named, see [`RawEvent::name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    /// The event type: the value of the last `event` field of the event, or `"message"` when
    /// there was none or it was empty (as the standard's `MessageEvent` type).
    pub event: String,
    /// The data: the values of the event's `data` fields, joined by LF.
    pub data: String,
    /// The last event ID in force when the event was dispatched: it persists across events
    /// until an `id` field changes it (an empty `id` resets it to empty).
    pub id: String,
    /// The last valid `retry` field within this event, if any (the decoder's
    /// [`retry`](Decoder::retry) keeps the latest one of the stream).
    pub retry: Option<Duration>,
    explicit_name: bool,
}

impl RawEvent {
    /// An event named `name` (`None`: the default `"message"` type, no `event` field), with
    /// `data`, last event ID `id` and no `retry`.
    pub fn new(name: Option<&str>, data: impl Into<String>, id: impl Into<String>) -> Self {
        let name = name.filter(|name| !name.is_empty());
        Self {
            event: name.unwrap_or(DEFAULT_EVENT_TYPE).to_owned(),
            data: data.into(),
            id: id.into(),
            retry: None,
            explicit_name: name.is_some(),
        }
    }

    /// The name the stream gave the event: `None` when its type is the default `"message"`
    /// because no non-empty `event` field was sent, `Some` otherwise, including
    /// `Some("message")` for an explicit `event: message`.
    pub fn name(&self) -> Option<&str> {
        self.explicit_name.then_some(self.event.as_str())
    }

    /// Whether the stream named the event with a non-empty `event` field.
    pub fn has_explicit_name(&self) -> bool {
        self.explicit_name
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LimitKind {
    Line,
    Data,
}

/// A line, or an event's data, exceeded the decoder's cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimitError {
    kind: LimitKind,
    limit: usize,
}

impl DecodeLimitError {
    fn new(kind: LimitKind, limit: usize) -> Self {
        Self { kind, limit }
    }

    /// The cap that was exceeded, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the cap exceeded was the one on an event's data (else it was a line's).
    pub fn is_data_limit(&self) -> bool {
        self.kind == LimitKind::Data
    }
}

impl fmt::Display for DecodeLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            LimitKind::Line => write!(
                f,
                "event stream line longer than the decoder's cap of {} bytes",
                self.limit
            ),
            LimitKind::Data => write!(
                f,
                "event stream event data longer than the decoder's cap of {} bytes",
                self.limit
            ),
        }
    }
}

impl std::error::Error for DecodeLimitError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn whole(input: &[u8], max: usize) -> (Vec<RawEvent>, Result<(), DecodeLimitError>) {
        let mut decoder = Decoder::with_max_line_len(max);
        let mut out = Vec::new();
        let result = decoder.feed(input, &mut out);
        decoder.finish();
        (out, result)
    }

    /// Feeds `input` in chunks ending at `cuts`, checking the buffers stay under the caps.
    fn chunked(
        input: &[u8],
        cuts: &[usize],
        max: usize,
    ) -> (Vec<RawEvent>, Result<(), DecodeLimitError>) {
        let mut decoder = Decoder::with_max_line_len(max);
        let mut out = Vec::new();
        let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (input.len() + 1)).collect();
        cuts.sort_unstable();
        cuts.push(input.len());
        let mut start = 0;
        let mut result = Ok(());
        for cut in cuts {
            let r = decoder.feed(&input[start..cut], &mut out);
            assert!(
                decoder.line.len() <= max,
                "line buffer {} > {max}",
                decoder.line.len()
            );
            assert!(
                decoder.data.len() <= max * DATA_LEN_FACTOR + 1,
                "data buffer"
            );
            assert!(decoder.id_buffer.len() <= 3 * max);
            assert!(decoder.event_type.len() <= 3 * max);
            if r.is_err() {
                result = r;
                // Once failed, it stays failed, and buffers nothing.
                assert_eq!(decoder.feed(b"data: x\n\n", &mut out), result);
                assert!(decoder.line.capacity() == 0 && decoder.data.capacity() == 0);
                break;
            }
            start = cut;
        }
        decoder.finish();
        (out, result)
    }

    /// Bytes rich in the stream's syntax.
    fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
        let token = prop_oneof![
            Just(b"data".to_vec()),
            Just(b"event".to_vec()),
            Just(b"id".to_vec()),
            Just(b"retry".to_vec()),
            Just(b":".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\xEF\xBB\xBF".to_vec()),
            Just("é€😀".as_bytes().to_vec()),
            Just(b"12".to_vec()),
            Just(b"\0".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..8),
        ];
        proptest::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn chunking_never_matters(
            input in stream_bytes(),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
            max in prop_oneof![Just(DEFAULT_MAX_LINE_LEN), 1usize..24],
        ) {
            let expected = whole(&input, max);
            let got = chunked(&input, &cuts, max);
            // Caps apply to whole lines and events, so even a failure is independent of the
            // chunking: the same events come out before it.
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn arbitrary_bytes_one_at_a_time(input in proptest::collection::vec(any::<u8>(), 0..256)) {
            let cuts: Vec<usize> = (0..input.len()).collect();
            let expected = whole(&input, DEFAULT_MAX_LINE_LEN);
            let got = chunked(&input, &cuts, DEFAULT_MAX_LINE_LEN);
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn long_line_fails_and_stays_failed() {
        let mut decoder = Decoder::with_max_line_len(16);
        let mut out = Vec::new();
        decoder
            .feed(b"data: ok\n\ndata: 0123456789", &mut out)
            .unwrap();
        let error = decoder.feed(b"abcdef", &mut out).unwrap_err();
        assert_eq!(error.limit(), 16);
        assert!(!error.is_data_limit());
        assert!(error.to_string().contains("16 bytes"), "{error}");
        assert_eq!(out.len(), 1);
        assert_eq!(decoder.feed(b"\n\n", &mut out), Err(error));
        assert_eq!(out.len(), 1);
        decoder.finish();
        decoder.feed(b"data: again\n\n", &mut out).unwrap();
        assert_eq!(out[1].data, "again");
    }

    #[test]
    fn line_exactly_at_cap_is_fine() {
        let mut decoder = Decoder::with_max_line_len(8);
        let mut out = Vec::new();
        decoder.feed(b"data:123", &mut out).unwrap();
        decoder.feed(b"\r\n\r\n", &mut out).unwrap();
        assert_eq!(out, vec![RawEvent::new(None, "123", "")]);
    }

    #[test]
    fn data_cap_bounds_one_event() {
        let mut decoder = Decoder::with_max_line_len(12);
        let mut out = Vec::new();
        // 6 values of 7 bytes joined by LF: 47 bytes, under the data cap of 48.
        let six = b"data:1234567\n".repeat(6);
        decoder.feed(&six, &mut out).unwrap();
        let error = decoder.feed(b"data:1234567\n", &mut out).unwrap_err();
        assert!(error.is_data_limit());
        assert_eq!(error.limit(), 48);
        assert!(error.to_string().contains("48 bytes"), "{error}");
        // The same data fits when split into two events.
        decoder.finish();
        decoder.feed(&six, &mut out).unwrap();
        decoder.feed(b"\ndata:1234567\n\n", &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].data.len(), 47);
    }

    #[test]
    fn names_and_retry() {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        decoder
            .feed(b"event: message\ndata: a\n\nevent:\ndata: b\nretry: 1500\n\nretry: 9x\ndata: c\n\n", &mut out)
            .unwrap();
        assert_eq!(out[0].name(), Some("message"));
        assert!(out[0].has_explicit_name());
        assert_eq!(out[1].name(), None);
        assert_eq!(out[1].event, "message");
        assert_eq!(out[1].retry, Some(Duration::from_millis(1500)));
        assert_eq!(out[2].retry, None);
        assert_eq!(decoder.retry(), Some(Duration::from_millis(1500)));
        assert_ne!(out[0], RawEvent::new(None, "a", ""));
        assert_eq!(out[0], RawEvent::new(Some("message"), "a", ""));
    }

    #[test]
    fn last_event_id_commits_at_blank_line() {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        decoder
            .feed(b"id: 1\n\nid: 2\ndata: x\n", &mut out)
            .unwrap();
        assert_eq!(decoder.last_event_id(), "1");
        assert!(out.is_empty());
        decoder.finish();
        assert!(out.is_empty());
        assert_eq!(decoder.last_event_id(), "1");
        decoder.feed(b"\xEF\xBB\xBFdata: y\n\n", &mut out).unwrap();
        assert_eq!(out, vec![RawEvent::new(None, "y", "1")]);
    }

    #[test]
    fn a_known_last_event_id_is_in_force_from_the_stream_start() {
        let mut decoder = Decoder::with_max_line_len(64).with_last_event_id("7");
        assert_eq!(decoder.max_line_len(), 64);
        let mut out = Vec::new();
        // The stream start is still a stream start: its BOM is dropped. A block without data
        // dispatches nothing and leaves the id alone; an event of the same block as an id
        // takes it; an empty id resets it.
        decoder
            .feed(
                b"\xEF\xBB\xBFdata: a\n\n: hi\n\nid: 8\ndata: b\n\nid\ndata: c\n\n",
                &mut out,
            )
            .unwrap();
        assert_eq!(
            out,
            [
                RawEvent::new(None, "a", "7"),
                RawEvent::new(None, "b", "8"),
                RawEvent::new(None, "c", ""),
            ]
        );
    }

    #[test]
    fn a_known_last_event_id_survives_an_unfinished_event_and_the_stream_end() {
        let mut decoder = Decoder::new().with_last_event_id("7");
        let mut out = Vec::new();
        decoder.feed(b"id: 8\ndata: cut off", &mut out).unwrap();
        assert_eq!(decoder.last_event_id(), "7");
        decoder.finish();
        decoder.feed(b"data: next\n\n", &mut out).unwrap();
        assert_eq!(out, [RawEvent::new(None, "next", "7")]);
    }

    #[test]
    fn huge_retry_saturates() {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        decoder
            .feed(b"retry: 99999999999999999999999999\n", &mut out)
            .unwrap();
        assert_eq!(decoder.retry(), Some(Duration::from_millis(u64::MAX)));
    }

    // The writer's side: every event the server writes is read back exactly.
    use crate::wire::{write_event, EventFields, EventId, EventName};
    use bytes::BytesMut;

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

            let mut decoder = Decoder::new();
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
