//! Server throughput: tidings against axum's own `Sse`, in the same run, over loopback TCP.
//!
//! `cargo bench --bench throughput` — each round streams the same events through every
//! contender, alternating, and the report gives the median per contender and its ratio to
//! axum, because these machines are shared and absolute numbers drift.

use axum::response::sse::{Event as AxumEvent, Sse};
use axum::routing::get;
use serde::Serialize;
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tidings::{sse_events, sse_handler, SendError, Sender, SseApi};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const EVENTS: u64 = 200_000;
const STREAMS: usize = 4;
const ROUNDS: usize = 7;

#[derive(Clone, Serialize, schemars::JsonSchema)]
struct Reading {
    sensor: &'static str,
    seq: u64,
    celsius: f64,
    ok: bool,
}

fn reading(seq: u64) -> Reading {
    Reading {
        sensor: "greenhouse-north-7",
        seq,
        celsius: 21.5 + (seq % 10) as f64 / 10.0,
        ok: true,
    }
}

#[sse_events(rename_all = "snake_case")]
enum Telemetry {
    Reading(Reading),
}

#[sse_handler(get, "/tidings")]
async fn tidings_stream(tx: Sender<Telemetry>) -> Result<(), SendError> {
    for seq in 0..EVENTS {
        tx.send(Telemetry::Reading(reading(seq))).await?;
    }
    Ok(())
}

fn axum_event(seq: u64) -> Result<AxumEvent, Infallible> {
    Ok(AxumEvent::default()
        .event("reading")
        .json_data(reading(seq))
        .unwrap())
}

/// axum's best case: the events come from an iterator, no task, no channel.
async fn axum_iter() -> Sse<impl futures::Stream<Item = Result<AxumEvent, Infallible>>> {
    Sse::new(futures::stream::iter((0..EVENTS).map(axum_event)))
}

/// How axum handlers usually stream: a spawned task sends into a channel.
async fn axum_channel() -> Sse<impl futures::Stream<Item = Result<AxumEvent, Infallible>>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        for seq in 0..EVENTS {
            if tx.send(axum_event(seq)).await.is_err() {
                return;
            }
        }
    });
    Sse::new(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// Reads one whole response over a fresh connection; returns the bytes received.
async fn drain(addr: std::net::SocketAddr, path: &str) -> usize {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut buffer = vec![0; 256 * 1024];
    let mut total = 0;
    loop {
        let n = tcp.read(&mut buffer).await.unwrap();
        if n == 0 {
            return total;
        }
        total += n;
    }
}

async fn run(addr: std::net::SocketAddr, path: &'static str) -> (Duration, usize) {
    let start = Instant::now();
    let streams: Vec<_> = (0..STREAMS)
        .map(|_| tokio::spawn(drain(addr, path)))
        .collect();
    let mut bytes = 0;
    for stream in streams {
        bytes += stream.await.unwrap();
    }
    (start.elapsed(), bytes)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let app = SseApi::new("bench", "1")
        .handler(tidings_stream)
        .into_router()
        .route("/axum-iter", get(axum_iter))
        .route("/axum-channel", get(axum_channel));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let contenders = [
        ("axum Sse, stream::iter", "/axum-iter"),
        ("axum Sse, task + mpsc", "/axum-channel"),
        ("tidings Sender", "/tidings"),
    ];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 0..=ROUNDS {
        for (i, (_, path)) in contenders.iter().enumerate() {
            let (elapsed, bytes) = run(addr, path).await;
            assert!(bytes > 0);
            // Round 0 warms up.
            if round > 0 {
                rates[i].push((EVENTS as usize * STREAMS) as f64 / elapsed.as_secs_f64());
            }
        }
    }
    let baseline = median(rates[0].clone());
    println!("{STREAMS} concurrent streams x {EVENTS} events, median of {ROUNDS} rounds");
    for ((name, _), rate) in contenders.iter().zip(rates) {
        let rate = median(rate);
        println!(
            "{name:<24} {:>8.0} k events/s   {:.2}x axum stream::iter",
            rate / 1000.0,
            rate / baseline
        );
    }
}
