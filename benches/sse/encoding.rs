//! P3, encoding cost per event, in process and without a socket: what it costs to turn ticks
//! into the bytes of a response body.
//!
//! tidings' encoder is crate-private, so both sides are measured through their public response
//! bodies: tidings builds the response with its router (`SseApi::new(..).handler(h)
//! .into_router()` driven by `tower::ServiceExt::oneshot`), axum with `Sse::new(stream::iter(..))
//! .into_response()`, events made by `Event::default().event(..).json_data(..)`. Each round then
//! polls the body's frames to the end (`BodyExt::frame`), so the figure is the whole path from a
//! value to framed bytes: tidings' handler and `Sender`, axum's stream and its framing.
//!
//! A hand-written loop on a current-thread runtime: one untimed pass per contender first counts
//! the events and bytes it produces; the timed rounds then only add up the bytes (`black_box`
//! keeps the frames alive) and must produce the same number, alternating contenders each round.

use crate::count::Occurrences;
use crate::report::{median, print_targets, ratio, with_commas, Verdict};
use crate::streams::{axum_iter_events, tidings_app};
use crate::Options;
use axum::body::Body;
use axum::response::IntoResponse;
use http_body_util::BodyExt;
use std::hint::black_box;
use std::time::Instant;
use tower::ServiceExt;

/// The target: tidings' cost per event at most this share of axum's.
const TARGET_VS_AXUM: f64 = 0.7;

#[derive(Clone, Copy)]
enum Contender {
    Tidings,
    Axum,
}

const CONTENDERS: [(Contender, &str); 2] = [
    (Contender::Tidings, "tidings (router + Sender)"),
    (Contender::Axum, "axum Sse + Event::json_data"),
];

pub fn run(options: &Options) -> Vec<Verdict> {
    let events = options.scale(100_000, 2_000);
    let rounds = options.rounds(11);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = tidings_app();
    println!("==== P3: encoding cost per event, in process (no socket)");

    let mut expected_bytes = [0u64; 2];
    for (c, (contender, name)) in CONTENDERS.iter().enumerate() {
        let mut counted = Occurrences::events();
        let bytes = runtime.block_on(body_bytes(&app, *contender, events, |data| {
            counted.feed(data)
        }));
        assert_eq!(counted.count(), events, "{name}: events in the body");
        expected_bytes[c] = bytes;
    }

    let mut ns_per_event: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for round in 0..=rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for c in order {
            let start = Instant::now();
            let bytes = runtime.block_on(body_bytes(&app, CONTENDERS[c].0, events, |data| {
                black_box(data);
            }));
            let elapsed = start.elapsed();
            assert_eq!(bytes, expected_bytes[c], "{}: body bytes", CONTENDERS[c].1);
            // Round 0 warms up.
            if round > 0 {
                ns_per_event[c].push(elapsed.as_nanos() as f64 / events as f64);
            }
        }
    }

    println!(
        "\nP3, {} events per response, median of {rounds} round(s) after a warm-up round",
        with_commas(events as usize)
    );
    println!(
        "{:<30} {:>12} {:>10} {:>12}   rounds (ns/event)",
        "contender", "ns/event", "/ axum", "bytes/event"
    );
    let medians = ns_per_event.clone().map(median);
    for (c, (_, name)) in CONTENDERS.iter().enumerate() {
        let rounds: Vec<String> = ns_per_event[c].iter().map(|n| format!("{n:.0}")).collect();
        println!(
            "{:<30} {:>12.1} {:>10} {:>12.1}   {}",
            name,
            medians[c],
            ratio(medians[c], medians[1]),
            expected_bytes[c] as f64 / events as f64,
            rounds.join(" ")
        );
    }
    let verdicts = vec![Verdict::at_most(
        "P3 encoding",
        "tidings / axum, ns per event",
        medians[0] / medians[1],
        TARGET_VS_AXUM,
        "x",
    )];
    print_targets(&verdicts);
    verdicts
}

/// Builds one contender's response for `events` ticks and polls its body to the end, passing
/// every data frame to `each`; returns the body's length.
async fn body_bytes(
    app: &axum::Router,
    contender: Contender,
    events: u64,
    mut each: impl FnMut(&[u8]),
) -> u64 {
    let response = match contender {
        Contender::Tidings => {
            let request = http::Request::get(format!("/tidings?events={events}"))
                .body(Body::empty())
                .unwrap();
            app.clone().oneshot(request).await.unwrap()
        }
        Contender::Axum => axum_iter_events(events).into_response(),
    };
    assert_eq!(response.status(), http::StatusCode::OK);
    let mut body = response.into_body();
    let mut bytes = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("the body yields frames").into_data() {
            bytes += data.len() as u64;
            each(&data);
        }
    }
    bytes
}
