//! Differential test of `tidings::client::Decoder` against the npm package
//! `eventsource-parser` (version pinned in tests/js/package.json), a widely used WHATWG
//! event stream parser.
//!
//! 1,500 streams are generated deterministically (a seeded xorshift), split into chunks at
//! random points, and parsed both by the Decoder and, in one `node` run, by
//! tests/js/parse_with_eventsource_parser.mjs. The event sequences (type, data, last event
//! ID) and the last valid `retry` must be identical.
//!
//! Where the two parsers differ legitimately, the script maps one onto the other (see its
//! header) or the generator avoids the case:
//! * eventsource-parser reports an event's own `id` field only (it resets it at every blank
//!   line); the script carries the last one across events as the standard's last event ID
//!   does. An `id` in a block that dispatches nothing is invisible to it, so the generator
//!   only writes `id` lines in blocks that have `data`.
//! * eventsource-parser waits for a LF after a CR ending a chunk, so a stream ending in CR
//!   would lose its last line; the script feeds a LF after a final CR (CRLF being one line
//!   end, that changes nothing).
//! * eventsource-parser strips a leading "\u{EF}\u{BB}\u{BF}" (a BOM's bytes read as Latin-1
//!   characters) from its first string chunk; the generator never produces "ï»¿".
//!
//! Needs `node` and tests/js/node_modules (`npm ci --prefix tests/js`). Without them the test
//! fails when CI=true and is skipped with a note otherwise.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use tidings::client::Decoder;
use tidings_test_support::{js_dependency, Rng};

const STREAMS: usize = 1500;

/// Field values: ASCII, spaces, colons, NUL, multi-byte characters and invalid UTF-8.
const VALUES: &[&[u8]] = &[
    b"",
    b"x",
    b"hello world",
    b" leading space",
    b"  two spaces",
    b"trailing ",
    b"a:b: c",
    b"{\"id\":1,\"text\":\"hi\"}",
    b"tab\there",
    b"nul\0inside",
    "é€😀 ünïcödé".as_bytes(),
    "\u{FEFF}bom inside".as_bytes(),
    b"bad \xFF byte",
    b"lone \x80 continuation",
    b"cut \xE2\x82",
    b"\xF0\x9F\x98",
    b"\xED\xA0\x80 surrogate",
    b"\xC0\xAF overlong",
    b"42",
];

const EVENT_NAMES: &[&[u8]] = &[
    b"",
    b"message",
    b"add",
    b"user_joined",
    b" sp",
    "naïve".as_bytes(),
    b"x\xFFy",
];

const IDS: &[&[u8]] = &[
    b"",
    b"1",
    b"42",
    b"abc-123",
    b" spaced",
    b"with\0nul",
    "ïd∆".as_bytes(),
    b"\xFE",
];

const RETRIES: &[&[u8]] = &[
    b"0",
    b"1500",
    b"30000",
    b"123456789",
    b"12a",
    b"",
    b" 5",
    b"-1",
    b"1.5",
    b"\xD9\xA3",
];

/// Lines that the standard ignores: comments and unknown or miscased field names.
const IGNORED: &[&[u8]] = &[
    b":",
    b": comment",
    b":data: not data",
    b"foo: bar",
    b"foo",
    b"Data: x",
    b"DATA: x",
    b"Event: e",
    b"ID: 9",
    b"Retry: 1",
    b"data : x",
    b" data: x",
    b"\xEF\xBB\xBFdata: second bom",
    b"x\xFF: y",
];

const LINE_ENDS: &[&[u8]] = &[b"\n", b"\n", b"\n", b"\r\n", b"\r"];

fn push_field(out: &mut Vec<u8>, rng: &mut Rng, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    match rng.below(6) {
        0 if value.is_empty() => {}         // `data` alone: empty value
        0 | 1 => out.push(b':'),            // no space
        2 => out.extend_from_slice(b":  "), // two spaces: one is kept
        _ => out.extend_from_slice(b": "),
    }
    if rng.below(6) == 2 {
        out.push(b' ');
    }
    out.extend_from_slice(value);
}

fn generate(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    if rng.chance(4) {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let blocks = rng.below(7);
    for block in 0..=blocks {
        let lines = rng.below(6);
        let has_data = !rng.chance(4);
        let data_at = if lines == 0 { 0 } else { rng.below(lines + 1) };
        for line in 0..=lines {
            if has_data && line == data_at {
                {
                    let value = rng.pick(VALUES);
                    push_field(&mut out, rng, b"data", value)
                };
            } else {
                match rng.below(if has_data { 6 } else { 4 }) {
                    0 => {
                        let value = rng.pick(EVENT_NAMES);
                        push_field(&mut out, rng, b"event", value)
                    }
                    1 => {
                        let value = rng.pick(RETRIES);
                        push_field(&mut out, rng, b"retry", value)
                    }
                    2 => out.extend_from_slice(rng.pick(IGNORED)),
                    3 if has_data => {
                        let value = rng.pick(VALUES);
                        push_field(&mut out, rng, b"data", value)
                    }
                    3 => out.extend_from_slice(b": keep-alive"),
                    // An id only where an event is dispatched (see the module doc).
                    _ => {
                        let value = rng.pick(IDS);
                        push_field(&mut out, rng, b"id", value)
                    }
                }
            }
            out.extend_from_slice(rng.pick(LINE_ENDS));
        }
        // The blank line; the last block is sometimes left unterminated.
        if block < blocks || !rng.chance(3) {
            out.extend_from_slice(rng.pick(LINE_ENDS));
        }
    }
    out
}

fn split(rng: &mut Rng, stream: &[u8]) -> Vec<Vec<u8>> {
    if rng.chance(10) {
        return stream.chunks(1).map(<[u8]>::to_vec).collect();
    }
    let mut cuts: Vec<usize> = (0..rng.below(8))
        .map(|_| rng.below(stream.len() + 1))
        .collect();
    cuts.sort_unstable();
    cuts.push(stream.len());
    let mut start = 0;
    cuts.into_iter()
        .map(|cut| {
            let chunk = stream[start..cut].to_vec();
            start = cut;
            chunk
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

type Outcome = (Vec<(String, String, String)>, Option<u64>);

fn decode(chunks: &[Vec<u8>]) -> Outcome {
    let mut decoder = Decoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk, &mut events).expect("no cap is reached");
    }
    decoder.finish();
    let events = events
        .into_iter()
        .map(|event| (event.event, event.data, event.id))
        .collect();
    let retry = decoder
        .retry()
        .map(|retry| u64::try_from(retry.as_millis()).expect("generated retries are small"));
    (events, retry)
}

#[test]
fn decoder_matches_eventsource_parser() {
    let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    if !js_dependency("eventsource-parser") {
        return;
    }

    let mut rng = Rng(0x7469_6469_6e67_7321);
    let streams: Vec<Vec<Vec<u8>>> = (0..STREAMS)
        .map(|_| {
            let stream = generate(&mut rng);
            split(&mut rng, &stream)
        })
        .collect();
    let mut input = String::new();
    for chunks in &streams {
        let hexes: Vec<String> = chunks.iter().map(|chunk| hex(chunk)).collect();
        input.push_str(&serde_json::to_string(&hexes).unwrap());
        input.push('\n');
    }

    let child = Command::new("node")
        .arg(js.join("parse_with_eventsource_parser.mjs"))
        .current_dir(&js)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = child.expect("node runs: its packages are installed");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "node failed: {}", output.status);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), STREAMS, "one result line per stream");

    let mut total_events = 0;
    let mut with_retry = 0;
    for (index, (chunks, line)) in streams.iter().zip(lines).enumerate() {
        let reference: serde_json::Value = serde_json::from_str(line).unwrap();
        let events: Vec<(String, String, String)> =
            serde_json::from_value(reference["events"].clone()).unwrap();
        let retry: Option<u64> = serde_json::from_value(reference["retry"].clone()).unwrap();
        let ours = decode(chunks);
        assert_eq!(
            ours,
            (events, retry),
            "stream {index} differs; chunks: {:?}",
            chunks
                .iter()
                .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
                .collect::<Vec<_>>()
        );
        total_events += ours.0.len();
        with_retry += usize::from(ours.1.is_some());
    }
    // The comparison must have exercised something.
    assert!(total_events > STREAMS, "only {total_events} events");
    assert!(
        with_retry > STREAMS / 10,
        "only {with_retry} streams with a retry"
    );
}
