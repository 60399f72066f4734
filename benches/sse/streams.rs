//! The throughput servers (P1, P5): each sends `?events=N` ticks as fast as the client reads
//! them, then ends the stream. One child process serves all of them: the axum app on its first
//! port (HTTP/1.1 and h2c, as `axum::serve` speaks both), the ceiling on its second.
//!
//! - `/tidings`: a `Sender` in an `#[sse_handler]`.
//! - `/axum-iter`: axum's `Sse` over `stream::iter`, axum's best case (no task, no channel).
//! - `/axum-channel`: axum's `Sse` fed by a spawned task through an mpsc channel, as handlers
//!   usually stream.
//! - the ceiling: no framework at all. The same ticks serialized with serde_json and framed as
//!   SSE straight into a buffer that is written to the socket after a fixed HTTP/1.1 head (the
//!   body runs to the end of the connection, no chunked coding).

use crate::child;
use crate::payload::{axum_event, tick, Feed, EVENT_NAME};
use axum::extract::Query;
use axum::response::sse::{Event as AxumEvent, Sse};
use axum::routing::get;
use serde::Deserialize;
use std::convert::Infallible;
use tidings::{sse_handler, Error, Sender, SseApi};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Deserialize)]
pub struct Count {
    events: u64,
}

#[sse_handler(get, "/tidings")]
async fn tidings_stream(Query(count): Query<Count>, tx: Sender<Feed>) -> Result<(), Error> {
    for seq in 0..count.events {
        tx.send(Feed::Tick(tick(seq))).await?;
    }
    Ok(())
}

/// The tidings app alone, which P3 also drives in process.
pub fn tidings_app() -> axum::Router {
    SseApi::new("bench", "1")
        .handler(tidings_stream)
        .into_router()
}

pub fn axum_iter_events(
    events: u64,
) -> Sse<impl futures::Stream<Item = Result<AxumEvent, Infallible>>> {
    Sse::new(futures::stream::iter(
        (0..events).map(|seq| axum_event(&tick(seq))),
    ))
}

async fn axum_iter(
    Query(count): Query<Count>,
) -> Sse<impl futures::Stream<Item = Result<AxumEvent, Infallible>>> {
    axum_iter_events(count.events)
}

async fn axum_channel(
    Query(count): Query<Count>,
) -> Sse<impl futures::Stream<Item = Result<AxumEvent, Infallible>>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        for seq in 0..count.events {
            if tx.send(axum_event(&tick(seq))).await.is_err() {
                return;
            }
        }
    });
    Sse::new(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// The child: `--serve streams`; prints the app's port, then the ceiling's.
pub fn serve() {
    child::run(async {
        let app = tidings_app()
            .route("/axum-iter", get(axum_iter))
            .route("/axum-channel", get(axum_channel));
        let (listener, ceiling) = (child::listen().await, child::listen().await);
        child::announce(&[&listener, &ceiling]);
        tokio::spawn(serve_ceiling(ceiling));
        axum::serve(listener, app).await.unwrap();
    });
}

async fn serve_ceiling(listener: TcpListener) {
    loop {
        let (tcp, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            // A client that leaves early is no error of the ceiling's.
            let _ = ceiling_stream(tcp).await;
        });
    }
}

/// Bytes per write: the framed events accumulate in one buffer until it holds this much.
const CEILING_WRITE: usize = 64 * 1024;

async fn ceiling_stream(mut tcp: TcpStream) -> std::io::Result<()> {
    tcp.set_nodelay(true)?;
    let events = read_request_events(&mut tcp).await?;
    tcp.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\
          connection: close\r\n\r\n",
    )
    .await?;
    let mut buffer = Vec::with_capacity(CEILING_WRITE + 1024);
    for seq in 0..events {
        buffer.extend_from_slice(b"event: ");
        buffer.extend_from_slice(EVENT_NAME.as_bytes());
        buffer.extend_from_slice(b"\ndata: ");
        serde_json::to_writer(&mut buffer, &tick(seq)).expect("a tick serializes");
        buffer.extend_from_slice(b"\n\n");
        if buffer.len() >= CEILING_WRITE {
            tcp.write_all(&buffer).await?;
            buffer.clear();
        }
    }
    tcp.write_all(&buffer).await?;
    tcp.shutdown().await
}

/// Reads the request head and takes `events=N` from its query.
async fn read_request_events(tcp: &mut TcpStream) -> std::io::Result<u64> {
    let mut head = Vec::new();
    let mut buffer = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut buffer).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buffer[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    head.split_once("events=")
        .and_then(|(_, rest)| {
            let digits = rest.find(|c: char| !c.is_ascii_digit())?;
            rest[..digits].parse().ok()
        })
        .ok_or_else(|| std::io::Error::other("no events=N in the request"))
}
