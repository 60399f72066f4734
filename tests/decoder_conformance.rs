//! Conformance of `tidings::client::Decoder` to the WHATWG HTML standard's rules for parsing
//! and interpreting an event stream ("Server-sent events", 9.2.5 and 9.2.6).
//!
//! Every case is run three ways: fed whole, fed one byte at a time, and split into two chunks
//! at every possible point. All three must give exactly the expected events.

use std::time::Duration;

use tidings::client::{Decoder, RawEvent};

/// (event type, data, last event ID) of one dispatched event.
type Expected = (&'static str, &'static str, &'static str);

struct Case {
    name: &'static str,
    input: &'static [u8],
    expected: &'static [Expected],
}

const fn case(name: &'static str, input: &'static [u8], expected: &'static [Expected]) -> Case {
    Case {
        name,
        input,
        expected,
    }
}

const M: &str = "message";

const CASES: &[Case] = &[
    // --- Dispatch -------------------------------------------------------------------------
    case("one event", b"data: hello\n\n", &[(M, "hello", "")]),
    case(
        "two events",
        b"data: a\n\ndata: b\n\n",
        &[(M, "a", ""), (M, "b", "")],
    ),
    case("empty input", b"", &[]),
    case("blank lines only", b"\n\n\r\n\r\r", &[]),
    case(
        "blank lines around an event",
        b"\n\ndata: x\n\n\n\n",
        &[(M, "x", "")],
    ),
    // --- End of stream: an event without its blank line is discarded ----------------------
    case("no blank line after the event", b"data: hello\n", &[]),
    case("unterminated line", b"data: hello", &[]),
    case(
        "unterminated last event discarded",
        b"data: a\n\ndata: b\n",
        &[(M, "a", "")],
    ),
    case(
        "unterminated last event with CR discarded",
        b"data: a\r\rdata: b\r",
        &[(M, "a", "")],
    ),
    // --- The data field ---------------------------------------------------------------------
    case(
        "data lines joined by LF",
        b"data: a\ndata: b\n\n",
        &[(M, "a\nb", "")],
    ),
    case("data without space", b"data:a\n\n", &[(M, "a", "")]),
    case(
        "data: two spaces keep one",
        b"data:  a\n\n",
        &[(M, " a", "")],
    ),
    case(
        "data: only one space removed",
        b"data:   \n\n",
        &[(M, "  ", "")],
    ),
    case(
        "data: empty value after colon",
        b"data:\n\n",
        &[(M, "", "")],
    ),
    case(
        "data: empty value after space",
        b"data: \n\n",
        &[(M, "", "")],
    ),
    case("data without colon", b"data\n\n", &[(M, "", "")]),
    case(
        "data without colon twice",
        b"data\ndata\n\n",
        &[(M, "\n", "")],
    ),
    case(
        "three empty data lines",
        b"data:\ndata:\ndata:\n\n",
        &[(M, "\n\n", "")],
    ),
    case("trailing space kept", b"data: a \n\n", &[(M, "a ", "")]),
    case("tab is not stripped", b"data:\tx\n\n", &[(M, "\tx", "")]),
    case(
        "colons in the value",
        b"data: a:b: c\n\n",
        &[(M, "a:b: c", "")],
    ),
    case("NUL in data kept", b"data: a\0b\n\n", &[(M, "a\0b", "")]),
    // --- Line ends --------------------------------------------------------------------------
    case("CRLF", b"data: a\r\n\r\n", &[(M, "a", "")]),
    case(
        "CR only",
        b"data: a\r\rdata: b\r\r",
        &[(M, "a", ""), (M, "b", "")],
    ),
    case(
        "CRLF is one line end",
        b"data: a\r\ndata: b\r\n\r\n",
        &[(M, "a\nb", "")],
    ),
    case(
        "mixed line ends",
        b"data: a\r\ndata: b\n\rdata: c\r\n\n",
        &[(M, "a\nb", ""), (M, "c", "")],
    ),
    case("LF then CRLF", b"data: a\n\r\n", &[(M, "a", "")]),
    case("CR then CRLF", b"data: a\r\r\n", &[(M, "a", "")]),
    case(
        "LF CR is two line ends",
        b"data: a\n\rdata: b\n\n",
        &[(M, "a", ""), (M, "b", "")],
    ),
    case(
        "CRLF then blank LF",
        b"data: a\r\n\ndata: b\r\r\n",
        &[(M, "a", ""), (M, "b", "")],
    ),
    // --- The event field ----------------------------------------------------------------------
    case(
        "event type",
        b"event: add\ndata: x\n\n",
        &[("add", "x", "")],
    ),
    case(
        "event type reset after dispatch",
        b"event: add\ndata: x\n\ndata: y\n\n",
        &[("add", "x", ""), (M, "y", "")],
    ),
    case(
        "event type reset by a block without data",
        b"event: add\n\ndata: y\n\n",
        &[(M, "y", "")],
    ),
    case(
        "event with empty value is message",
        b"event:\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case(
        "event without colon is message",
        b"event\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case(
        "last event field wins",
        b"event: a\nevent: b\ndata: x\n\n",
        &[("b", "x", "")],
    ),
    case(
        "event after data in the same block",
        b"data: x\nevent: late\n\n",
        &[("late", "x", "")],
    ),
    case(
        "explicit event: message",
        b"event: message\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case(
        "event: two spaces keep one",
        b"event:  sp\ndata: x\n\n",
        &[(" sp", "x", "")],
    ),
    // --- The id field -------------------------------------------------------------------------
    case("id", b"id: 1\ndata: x\n\n", &[(M, "x", "1")]),
    case(
        "id persists across events",
        b"id: 1\ndata: x\n\ndata: y\n\n",
        &[(M, "x", "1"), (M, "y", "1")],
    ),
    case(
        "id without colon resets to empty",
        b"id: 1\ndata: x\n\nid\ndata: y\n\n",
        &[(M, "x", "1"), (M, "y", "")],
    ),
    case(
        "id: with empty value resets to empty",
        b"id: 1\ndata: x\n\nid:\ndata: y\n\n",
        &[(M, "x", "1"), (M, "y", "")],
    ),
    case(
        "id with NUL ignored",
        b"id: 1\ndata: x\n\nid: 2\0z\ndata: y\n\n",
        &[(M, "x", "1"), (M, "y", "1")],
    ),
    case(
        "id set in a block without data persists",
        b"id: 7\n\ndata: x\n\n",
        &[(M, "x", "7")],
    ),
    case(
        "id after data in the same block",
        b"data: x\nid: 3\n\n",
        &[(M, "x", "3")],
    ),
    case(
        "id: two spaces keep one",
        b"id:  5\ndata: x\n\n",
        &[(M, "x", " 5")],
    ),
    case(
        "id of an undispatched last event",
        b"id: 1\ndata: x\n\nid: 2\ndata: y\n",
        &[(M, "x", "1")],
    ),
    // --- The retry field ----------------------------------------------------------------------
    case(
        "retry with data",
        b"retry: 1000\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case(
        "retry with non-digits ignored",
        b"retry: 10a\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case("retry alone is not dispatched", b"retry: 5\n\n", &[]),
    // --- Comments and unknown fields ----------------------------------------------------------
    case("comment", b": comment\ndata: x\n\n", &[(M, "x", "")]),
    case("comment-only block", b":\n\n: hi\n\n", &[]),
    case(
        "comment between data lines",
        b"data: a\n: c\ndata: b\n\n",
        &[(M, "a\nb", "")],
    ),
    case("comment looking like data", b":data: x\n\n", &[]),
    case(
        "unknown field ignored",
        b"foo: bar\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case("unknown field alone", b"foo: bar\n\n", &[]),
    case("field names are case-sensitive: Data", b"Data: x\n\n", &[]),
    case("field names are case-sensitive: DATA", b"DATA: x\n\n", &[]),
    case(
        "field names are case-sensitive: Event",
        b"Event: a\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case(
        "field names are case-sensitive: ID",
        b"ID: 1\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case("space before the colon", b"data : x\n\n", &[]),
    case("space before the field name", b" data: x\n\n", &[]),
    // --- Byte order mark ----------------------------------------------------------------------
    case(
        "BOM at stream start",
        b"\xEF\xBB\xBFdata: x\n\n",
        &[(M, "x", "")],
    ),
    case(
        "BOM then blank line",
        b"\xEF\xBB\xBF\ndata: x\n\n",
        &[(M, "x", "")],
    ),
    case(
        "second BOM is part of the field name",
        b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n",
        &[],
    ),
    case(
        "BOM later in the stream is not stripped",
        b"data: a\n\n\xEF\xBB\xBFdata: b\n\n",
        &[(M, "a", "")],
    ),
    case(
        "BOM in a value is kept",
        b"data: \xEF\xBB\xBFx\n\n",
        &[(M, "\u{FEFF}x", "")],
    ),
    case("partial BOM is invalid UTF-8", b"\xEF\xBBdata: x\n\n", &[]),
    // --- UTF-8 ----------------------------------------------------------------------------------
    case(
        "multi-byte characters",
        "data: é€😀\n\n".as_bytes(),
        &[(M, "é€😀", "")],
    ),
    case(
        "multi-byte event type and id",
        "event: ünï\nid: ∆\ndata: x\n\n".as_bytes(),
        &[("ünï", "x", "∆")],
    ),
    case(
        "lone continuation byte",
        b"data: a\x80b\n\n",
        &[(M, "a\u{FFFD}b", "")],
    ),
    case(
        "truncated 3-byte sequence is one U+FFFD",
        b"data: \xE2\x82\n\n",
        &[(M, "\u{FFFD}", "")],
    ),
    case(
        "truncated 4-byte sequence before CRLF is one U+FFFD",
        b"data: \xF0\x9F\x98\r\n\r\n",
        &[(M, "\u{FFFD}", "")],
    ),
    case(
        "truncated sequence then ASCII",
        b"data: \xE2\x82x\n\n",
        &[(M, "\u{FFFD}x", "")],
    ),
    case(
        "overlong encoding",
        b"data: \xC0\xAF\n\n",
        &[(M, "\u{FFFD}\u{FFFD}", "")],
    ),
    case(
        "surrogate",
        b"data: \xED\xA0\x80\n\n",
        &[(M, "\u{FFFD}\u{FFFD}\u{FFFD}", "")],
    ),
    case(
        "FF and FE bytes",
        b"data: \xFF\xFE\n\n",
        &[(M, "\u{FFFD}\u{FFFD}", "")],
    ),
    case("invalid UTF-8 in a field name", b"d\xFFata: x\n\n", &[]),
    case(
        "invalid UTF-8 in event and id",
        b"event: \xFF\nid: a\x80\ndata: x\n\n",
        &[("\u{FFFD}", "x", "a\u{FFFD}")],
    ),
];

fn tuples(events: &[RawEvent]) -> Vec<(String, String, String)> {
    events
        .iter()
        .map(|event| (event.event.clone(), event.data.clone(), event.id.clone()))
        .collect()
}

fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> (Vec<RawEvent>, Decoder) {
    let mut decoder = Decoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk, &mut out).expect("no cap is reached");
    }
    decoder.finish();
    (out, decoder)
}

fn check(case: &Case, how: &str, events: &[RawEvent]) {
    let expected: Vec<(String, String, String)> = case
        .expected
        .iter()
        .map(|&(event, data, id)| (event.to_owned(), data.to_owned(), id.to_owned()))
        .collect();
    assert_eq!(
        tuples(events),
        expected,
        "case {:?} ({how}), input {:?}",
        case.name,
        String::from_utf8_lossy(case.input)
    );
}

#[test]
fn enough_cases() {
    assert!(CASES.len() >= 45, "only {} cases", CASES.len());
    let mut names: Vec<&str> = CASES.iter().map(|case| case.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "case names must be unique");
}

#[test]
fn cases_fed_whole() {
    for case in CASES {
        let (events, _) = decode_chunks([case.input]);
        check(case, "whole", &events);
    }
}

#[test]
fn cases_fed_one_byte_at_a_time() {
    for case in CASES {
        let (events, _) = decode_chunks(case.input.chunks(1));
        check(case, "one byte at a time", &events);
    }
}

#[test]
fn cases_split_at_every_point() {
    for case in CASES {
        for at in 0..=case.input.len() {
            let (head, tail) = case.input.split_at(at);
            let (events, _) = decode_chunks([head, tail]);
            check(case, &format!("split at {at}"), &events);
        }
    }
}

/// Runs `input` every way (whole, byte by byte, every split) and checks `f` on each result.
fn every_way(input: &[u8], f: impl Fn(&str, &[RawEvent], &Decoder)) {
    let (events, decoder) = decode_chunks([input]);
    f("whole", &events, &decoder);
    let (events, decoder) = decode_chunks(input.chunks(1));
    f("bytes", &events, &decoder);
    for at in 0..=input.len() {
        let (head, tail) = input.split_at(at);
        let (events, decoder) = decode_chunks([head, tail]);
        f(&format!("split at {at}"), &events, &decoder);
    }
}

#[test]
fn explicit_names_and_the_default_type() {
    every_way(
        b"event: message\ndata: a\n\ndata: b\n\nevent:\ndata: c\n\nevent: x\ndata: d\n\n",
        |how, events, _| {
            let names: Vec<Option<&str>> = events.iter().map(RawEvent::name).collect();
            assert_eq!(names, [Some("message"), None, None, Some("x")], "{how}");
            assert_eq!(events[1], RawEvent::new(None, "b", ""), "{how}");
            assert_ne!(events[0], events[1].clone(), "{how}");
        },
    );
}

#[test]
fn retry_rules() {
    every_way(
        b"retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\nretry:\ndata: c\n\nretry: -1\nretry:  7\ndata: d\n\nretry: 250\n\n",
        |how, events, decoder| {
            let retries: Vec<Option<Duration>> = events.iter().map(|event| event.retry).collect();
            assert_eq!(
                retries,
                [Some(Duration::from_millis(1500)), None, None, None],
                "{how}"
            );
            // Ignored values leave the reconnection time alone; a retry-only block sets it.
            assert_eq!(decoder.retry(), Some(Duration::from_millis(250)), "{how}");
        },
    );
    let (_, decoder) = decode_chunks([&b"data: x\n\n"[..]]);
    assert_eq!(decoder.retry(), None);
}

#[test]
fn last_event_id_accessor() {
    every_way(
        b"id: 1\ndata: a\n\nid: 2\n\nid: 3\ndata: b\n",
        |how, events, decoder| {
            assert_eq!(events.len(), 1, "{how}");
            // Committed at the blank line of the id-only block; the unterminated id 3 is not.
            assert_eq!(decoder.last_event_id(), "2", "{how}");
        },
    );
}
