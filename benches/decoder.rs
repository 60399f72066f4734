//! Client decoding throughput: `tidings::client::Decoder` against the `eventsource-stream`
//! crate, on the same input, in the same run.
//!
//! `cargo bench --bench decoder` — about 50 MB of realistic events (JSON data lines of 100 to
//! 200 bytes, some events with several data lines, named events, ids, keep-alive comments),
//! in 16 KiB chunks as a network read would give them. Each round decodes the whole input
//! with both contenders, alternating; the report gives the median MB/s of each and the ratio,
//! because these machines are shared and absolute numbers drift.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures::StreamExt;
use tidings::client::Decoder;
use tidings_test_support::Rng;

const TARGET_BYTES: usize = 50 * 1000 * 1000;
const CHUNK: usize = 16 * 1024;
const ROUNDS: usize = 7;

fn json_line(rng: &mut Rng, seq: u64, out: &mut String) {
    use std::fmt::Write;
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    let text_len = 40 + rng.below(100);
    let mut text = String::new();
    while text.len() < text_len {
        text.push_str(rng.pick(&words));
        text.push(' ');
    }
    write!(
        out,
        r#"{{"seq":{seq},"user":"user-{}","room":"general","text":"{}","ok":true}}"#,
        rng.below(10_000),
        text.trim_end()
    )
    .unwrap();
}

/// The input stream and the number of events in it.
fn input() -> (Vec<u8>, usize) {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let mut out = String::with_capacity(TARGET_BYTES + 1024);
    let mut events = 0;
    let mut seq = 0;
    while out.len() < TARGET_BYTES {
        seq += 1;
        match rng.below(20) {
            0 => out.push_str(": keep-alive\n\n"),
            1..=4 => out.push_str("event: user_joined\n"),
            5..=7 => out.push_str("event: message_posted\n"),
            _ => {}
        }
        if rng.below(3) != 0 {
            out.push_str("id: ");
            out.push_str(&seq.to_string());
            out.push('\n');
        }
        for _ in 0..if rng.below(8) == 0 { 3 } else { 1 } {
            out.push_str("data: ");
            json_line(&mut rng, seq, &mut out);
            out.push('\n');
        }
        out.push('\n');
        events += 1;
    }
    (out.into_bytes(), events)
}

/// (events, total data bytes): checked equal between the contenders.
type Tally = (usize, usize);

fn run_tidings(chunks: &[&[u8]]) -> Tally {
    let mut decoder = Decoder::new();
    let mut out = Vec::with_capacity(256);
    let (mut events, mut bytes) = (0, 0);
    for chunk in chunks {
        decoder.feed(chunk, &mut out).expect("under the caps");
        events += out.len();
        bytes += out.iter().map(|event| event.data.len()).sum::<usize>();
        out.clear();
    }
    decoder.finish();
    (events, bytes)
}

fn run_eventsource_stream(chunks: &[&[u8]]) -> Tally {
    let stream = futures::stream::iter(chunks.iter().map(|chunk| Ok::<_, Infallible>(*chunk)));
    let mut events = stream.eventsource();
    futures::executor::block_on(async {
        let (mut count, mut bytes) = (0, 0);
        while let Some(event) = events.next().await {
            let event = event.expect("valid stream");
            count += 1;
            bytes += event.data.len();
        }
        (count, bytes)
    })
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: do one quick round only.
    let quick = !std::env::args().any(|arg| arg == "--bench");
    let (input, expected_events) = input();
    let chunks: Vec<&[u8]> = input.chunks(CHUNK).collect();
    println!(
        "input: {:.1} MB, {expected_events} events, {} chunks of {CHUNK} bytes",
        input.len() as f64 / 1e6,
        chunks.len()
    );

    let rounds = if quick { 1 } else { ROUNDS };
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        let a = run_tidings(&chunks);
        ours.push(start.elapsed());
        let start = Instant::now();
        let b = run_eventsource_stream(&chunks);
        theirs.push(start.elapsed());
        assert_eq!(a.0, expected_events, "tidings event count");
        assert_eq!(a, b, "both decoders must see the same events and data");
    }
    let (ours, theirs) = (median(ours), median(theirs));
    let (ours_rate, theirs_rate) = (mb_per_s(input.len(), ours), mb_per_s(input.len(), theirs));
    println!("tidings::client::Decoder   {ours_rate:8.1} MB/s  (median of {rounds}, {ours:?})");
    println!("eventsource-stream 0.2     {theirs_rate:8.1} MB/s  (median of {rounds}, {theirs:?})");
    println!(
        "ratio tidings / eventsource-stream: {:.2}x",
        ours_rate / theirs_rate
    );
}
