//! P4, idle streams: 10,000 open streams that carry nothing but keep-alive comments, each
//! server with its default keep-alive (a comment after 15 s of silence; the quick run sets 1 s on
//! both, so its short window still sees them).
//!
//! - tidings: an `#[sse_handler]` that opens its stream (`Sender::open`), then waits for the
//!   client to leave (`Sender::closed`).
//! - axum: `Sse` over a stream that never yields, with `KeepAlive::default()`.
//!
//! Twice: over HTTP/1.1, a connection per stream, and over h2c, 100 streams per connection (as a
//! browser multiplexes its tabs' streams to one origin). Per round, a fresh server child
//! ([`crate::child`]); after every stream is open and a short warm-up, a window of about 30 s:
//! server memory per stream (VmRSS at the end of the window minus VmRSS before the first
//! connection, over the streams), server CPU (utime + stime over the window, as a share of one
//! core) and how long opening them all took. Every stream must stay open and receive at least
//! one keep-alive comment, or the round measured nothing and the run fails.

use crate::child::{self, Server};
use crate::client::{self, Opened, CONNECTING};
use crate::count::Occurrences;
use crate::payload::Feed;
use crate::procfs::{check_open_files, clock_ticks_per_second, cpu_ticks, vm_rss_kib};
use crate::report::{median, print_targets, ratio, with_commas, Verdict};
use crate::{flag_value, Options};
use axum::response::sse::{Event as AxumEvent, KeepAlive as AxumKeepAlive, Sse};
use axum::routing::get;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http2::SendRequest;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tidings::{sse_handler, Error, KeepAlive, Sender, SseApi};
use tokio::io::AsyncReadExt;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

/// The target for tidings' CPU; its memory and open time are compared with axum's.
const TARGET_CPU_PCT: f64 = 2.0;

const CONTENDERS: [&str; 2] = ["tidings", "axum"];

#[sse_handler(get, "/idle")]
async fn tidings_idle(tx: Sender<Feed>) -> Result<(), Error> {
    // Nothing to say until the client leaves: the head goes out now, not at the open deadline.
    tx.open().await?;
    tx.closed().await;
    Ok(())
}

/// The server child: `--serve idle-tidings|idle-axum [--keep-alive-ms N]` (without it, each
/// server's default keep-alive).
pub fn serve(mode: &str, args: &[String]) {
    let interval = flag_value(args, "--keep-alive-ms")
        .map(|ms| Duration::from_millis(ms.parse().expect("--keep-alive-ms N")));
    let app = match mode {
        "tidings" => {
            let mut api = SseApi::new("idle", "1").handler(tidings_idle);
            if let Some(interval) = interval {
                api = api.keep_alive(KeepAlive::comment(interval));
            }
            api.into_router()
        }
        "axum" => {
            let keep_alive = match interval {
                Some(interval) => AxumKeepAlive::default().interval(interval),
                None => AxumKeepAlive::default(),
            };
            axum::Router::new().route(
                "/idle",
                get(move || async move {
                    Sse::new(futures::stream::pending::<Result<AxumEvent, Infallible>>())
                        .keep_alive(keep_alive.clone())
                }),
            )
        }
        other => panic!("unknown idle server {other:?}"),
    };
    child::run(async {
        let listener = child::listen().await;
        child::announce(&[&listener]);
        axum::serve(listener, app).await.unwrap();
    });
}

struct Settings {
    streams: usize,
    rounds: usize,
    /// The keep-alive interval both servers are given; `None`: their defaults.
    keep_alive: Option<Duration>,
    settle: Duration,
    warm_up: Duration,
    window: Duration,
}

/// How the idle streams reach the server.
#[derive(Clone, Copy)]
enum Protocol {
    /// One connection per stream.
    Http1,
    /// h2c (prior knowledge), this many streams on each connection.
    H2c(usize),
}

impl Protocol {
    fn name(self) -> String {
        match self {
            Protocol::Http1 => "HTTP/1.1, a connection per stream".into(),
            Protocol::H2c(per) => format!("HTTP/2 (h2c), {per} streams per connection"),
        }
    }
}

/// What one round of one contender measured.
#[derive(Clone, Copy, Default)]
struct Figures {
    kib_per_stream: f64,
    base_mib: f64,
    cpu_pct: f64,
    comments_per_stream: f64,
    connect_s: f64,
}

pub fn run(options: &Options) -> Vec<Verdict> {
    let settings = Settings {
        streams: options.scale(10_000, 200),
        rounds: options.rounds(3),
        keep_alive: options.scale(None, Some(Duration::from_secs(1))),
        settle: options.scale(Duration::from_secs(1), Duration::from_millis(300)),
        warm_up: options.scale(Duration::from_secs(2), Duration::from_millis(500)),
        window: options.scale(Duration::from_secs(30), Duration::from_secs(2)),
    };
    check_open_files(settings.streams);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    [Protocol::Http1, Protocol::H2c(100)]
        .into_iter()
        .flat_map(|protocol| run_protocol(&runtime, &settings, protocol))
        .collect()
}

fn run_protocol(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    protocol: Protocol,
) -> Vec<Verdict> {
    println!(
        "==== P4: {} idle streams over {}, keep-alive {}, {} s window, {} round(s) per contender",
        with_commas(settings.streams),
        protocol.name(),
        settings
            .keep_alive
            .map_or("each server's default (15 s comment)".into(), |d| {
                format!("{} ms comment", d.as_millis())
            }),
        settings.window.as_secs(),
        settings.rounds
    );
    println!(
        "\n{:<8} {:>5} {:>10} {:>8} {:>7} {:>16} {:>9}",
        "server", "round", "KiB/stream", "base MiB", "CPU %", "comments/stream", "connect s"
    );
    let mut results: [Vec<Figures>; 2] = [Vec::new(), Vec::new()];
    for r in 0..settings.rounds {
        let order = if r % 2 == 0 { [0, 1] } else { [1, 0] };
        for c in order {
            let f = runtime.block_on(round(CONTENDERS[c], settings, protocol));
            println!(
                "{:<8} {:>5} {:>10.2} {:>8.1} {:>7.2} {:>16.2} {:>9.1}",
                CONTENDERS[c],
                r + 1,
                f.kib_per_stream,
                f.base_mib,
                f.cpu_pct,
                f.comments_per_stream,
                f.connect_s
            );
            results[c].push(f);
        }
    }

    let med = |c: usize, field: fn(&Figures) -> f64| median(results[c].iter().map(field).collect());
    println!(
        "\nP4 over {}, median of {} round(s); ratio = tidings / axum, lower is better",
        protocol.name(),
        settings.rounds
    );
    println!(
        "{:<8} {:>10} {:>8} {:>7} {:>9}",
        "server", "KiB/stream", "base MiB", "CPU %", "connect s"
    );
    for (c, name) in CONTENDERS.iter().enumerate() {
        println!(
            "{:<8} {:>10.2} {:>8.1} {:>7.2} {:>9.1}",
            name,
            med(c, |f| f.kib_per_stream),
            med(c, |f| f.base_mib),
            med(c, |f| f.cpu_pct),
            med(c, |f| f.connect_s)
        );
    }
    println!(
        "{:<8} {:>10} {:>8} {:>7} {:>9}",
        "ratio",
        ratio(med(0, |f| f.kib_per_stream), med(1, |f| f.kib_per_stream)),
        ratio(med(0, |f| f.base_mib), med(1, |f| f.base_mib)),
        ratio(med(0, |f| f.cpu_pct), med(1, |f| f.cpu_pct)),
        ratio(med(0, |f| f.connect_s), med(1, |f| f.connect_s)),
    );

    let name = format!(
        "P4 {} idle streams, {}",
        with_commas(settings.streams),
        match protocol {
            Protocol::Http1 => "HTTP/1.1".to_owned(),
            Protocol::H2c(per) => format!("h2c x{per}"),
        }
    );
    let verdicts = vec![
        Verdict::at_most(
            &name,
            "tidings memory per stream / axum's",
            med(0, |f| f.kib_per_stream) / med(1, |f| f.kib_per_stream),
            1.0,
            "x",
        ),
        Verdict::at_most(
            &name,
            "tidings time to open them / axum's",
            med(0, |f| f.connect_s) / med(1, |f| f.connect_s),
            1.0,
            "x",
        ),
        Verdict::at_most(
            &name,
            "tidings CPU, % of one core",
            med(0, |f| f.cpu_pct),
            TARGET_CPU_PCT,
            "%",
        ),
    ];
    print_targets(&verdicts);
    verdicts
}

async fn round(contender: &str, settings: &Settings, protocol: Protocol) -> Figures {
    let name = format!("idle-{contender}");
    let interval_ms = settings.keep_alive.map(|d| d.as_millis().to_string());
    let mut args = vec![name.as_str()];
    if let Some(ms) = &interval_ms {
        args.extend(["--keep-alive-ms", ms]);
    }
    let server = Server::start(&args);
    tokio::time::sleep(settings.settle).await;
    let rss_before = vm_rss_kib(server.pid);

    let (stop, stopped) = watch::channel(false);
    let connected = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(CONNECTING));
    let connecting = Instant::now();
    let mut streams = Vec::with_capacity(settings.streams);
    let mut h2_connection = None;
    for n in 0..settings.streams {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let opened = Opening {
            permit,
            connected: connected.clone(),
            stop: stopped.clone(),
        };
        streams.push(match protocol {
            Protocol::Http1 => tokio::spawn(hold_http1(server.addr(), opened)),
            Protocol::H2c(per) => {
                if n % per == 0 {
                    h2_connection = Some(client::connect_h2(server.addr()).await);
                }
                let connection = h2_connection.clone().expect("connected above");
                tokio::spawn(hold_h2(connection, opened))
            }
        });
    }
    while connected.load(Ordering::Relaxed) < settings.streams {
        assert!(
            connecting.elapsed() < Duration::from_secs(120),
            "streams not open after 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let connect_s = connecting.elapsed().as_secs_f64();
    tokio::time::sleep(settings.warm_up).await;

    let cpu_before = cpu_ticks(server.pid);
    let started = Instant::now();
    tokio::time::sleep(settings.window).await;
    let cpu = cpu_ticks(server.pid) - cpu_before;
    let elapsed = started.elapsed().as_secs_f64();
    let rss_after = vm_rss_kib(server.pid);

    stop.send(true).unwrap();
    drop(h2_connection);
    let mut comments = 0;
    for stream in streams {
        let held = stream.await.unwrap();
        assert!(
            !held.failed && !held.ended && held.comments > 0,
            "{contender}: a stream failed to open ({}), ended early ({}) or got no keep-alive",
            held.failed,
            held.ended
        );
        comments += held.comments;
    }
    drop(server);
    Figures {
        kib_per_stream: rss_after.saturating_sub(rss_before) as f64 / settings.streams as f64,
        base_mib: rss_before as f64 / 1024.0,
        cpu_pct: cpu as f64 / clock_ticks_per_second() / elapsed * 100.0,
        comments_per_stream: comments as f64 / settings.streams as f64,
        connect_s,
    }
}

/// What a stream holds while it opens, and afterwards.
struct Opening {
    /// A place among the streams being opened at once, given back once this one is open.
    permit: OwnedSemaphorePermit,
    connected: Arc<AtomicUsize>,
    stop: watch::Receiver<bool>,
}

impl Opening {
    /// The stream is open (or failed to open): the next may start.
    fn opened(self) -> watch::Receiver<bool> {
        drop(self.permit);
        self.connected.fetch_add(1, Ordering::Relaxed);
        self.stop
    }
}

/// What one idle stream saw.
struct Held {
    comments: u64,
    failed: bool,
    /// The server ended the stream before the round did.
    ended: bool,
}

impl Held {
    fn failed() -> Held {
        Held {
            comments: 0,
            failed: true,
            ended: false,
        }
    }
}

/// One idle stream over its own HTTP/1.1 connection: opened, then read until the round stops.
async fn hold_http1(addr: SocketAddr, opening: Opening) -> Held {
    let mut buffer = vec![0; 1024];
    let opened = client::open_stream(addr, "/idle", &mut buffer).await;
    let stop = opening.opened();
    let Ok(Opened { tcp, leftover, .. }) = opened else {
        return Held::failed();
    };
    let mut comments = Occurrences::comments();
    comments.feed(&buffer[..leftover]);
    let chunks = futures::stream::unfold((tcp, buffer), |(mut tcp, mut buffer)| async move {
        match tcp.read(&mut buffer).await {
            Ok(n) if n > 0 => Some((Bytes::copy_from_slice(&buffer[..n]), (tcp, buffer))),
            _ => None,
        }
    });
    hold(chunks, comments, stop).await
}

/// One idle stream of a shared h2c connection, held as [`hold_http1`] holds its own.
async fn hold_h2(mut connection: SendRequest<Empty<Bytes>>, opening: Opening) -> Held {
    let request = http::Request::get("http://bench/idle")
        .body(Empty::new())
        .unwrap();
    let response = connection.send_request(request).await;
    let stop = opening.opened();
    let body = match response {
        Ok(response) if response.status() == http::StatusCode::OK => response.into_body(),
        _ => return Held::failed(),
    };
    let chunks = body
        .into_data_stream()
        .take_while(|chunk| std::future::ready(chunk.is_ok()))
        .filter_map(|chunk| std::future::ready(chunk.ok()));
    hold(chunks, Occurrences::comments(), stop).await
}

/// Reads an open stream's chunks (keep-alive comments only) until the round stops; the
/// stream ended early if its chunks end first.
async fn hold(
    chunks: impl Stream<Item = Bytes>,
    mut comments: Occurrences,
    mut stop: watch::Receiver<bool>,
) -> Held {
    let mut chunks = std::pin::pin!(chunks);
    let ended = loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break false,
            chunk = chunks.next() => match chunk {
                Some(chunk) => comments.feed(&chunk),
                None => break true,
            },
        }
    };
    Held {
        comments: comments.count(),
        failed: false,
        ended,
    }
}
