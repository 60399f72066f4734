//! Fuzzes `tidings::client::Decoder`: no input panics, and feeding the input in two chunks,
//! split at a point derived from the first byte, or one byte at a time, gives exactly the
//! events (and the error, if a cap is hit) of feeding it whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidings::client::{DecodeLimitError, Decoder, RawEvent};

/// A small cap, so that the fuzzer reaches the line and data limits too.
const MAX_LINE: usize = 64;

fn run<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> (Vec<RawEvent>, Option<DecodeLimitError>, String) {
    let mut decoder = Decoder::with_max_line_len(MAX_LINE);
    let mut out = Vec::new();
    let mut error = None;
    for chunk in chunks {
        if let Err(e) = decoder.feed(chunk, &mut out) {
            // The error is sticky.
            assert_eq!(decoder.feed(b"data: x\n\n", &mut out), Err(e));
            error = Some(e);
            break;
        }
    }
    decoder.finish();
    for event in &out {
        assert!(event.data.len() <= decoder.max_data_len());
        assert!(!event.id.contains('\0'));
    }
    (out, error, decoder.last_event_id().to_owned())
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let whole = run([input]);
    let at = if input.is_empty() {
        0
    } else {
        usize::from(first) % (input.len() + 1)
    };
    let (head, tail) = input.split_at(at);
    assert_eq!(run([head, tail]), whole, "split at {at}");
    if first & 1 == 1 {
        assert_eq!(run(input.chunks(1)), whole, "byte by byte");
    }
});
