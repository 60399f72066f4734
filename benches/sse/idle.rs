//! P4, idle streams: 10,000 open streams that carry nothing but keep-alive comments, each
//! server with its default keep-alive (a comment after 15 s of silence; the quick run sets 1 s on
//! both, so its short window still sees them).
//!
//! - tidings: an `#[sse_handler]` that waits for the client to leave (`Sender::closed`).
//! - axum: `Sse` over a stream that never yields, with `KeepAlive::default()`.
//!
//! Per round, a fresh server child ([`crate::child`]); after every stream is open and a short
//! warm-up, a window of about 30 s: server memory per connection (VmRSS at the end of the window
//! minus VmRSS before the first connection, over the connections) and server CPU (utime + stime
//! over the window, as a share of one core). Every stream must stay open and receive at least
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
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tidings::{sse_handler, Error, KeepAlive, Sender, SseApi};
use tokio::io::AsyncReadExt;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

/// The targets for tidings.
const TARGET_KIB_PER_CONN: f64 = 8.0;
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
    connections: usize,
    rounds: usize,
    /// The keep-alive interval both servers are given; `None`: their defaults.
    keep_alive: Option<Duration>,
    settle: Duration,
    warm_up: Duration,
    window: Duration,
}

/// What one round of one contender measured.
#[derive(Clone, Copy, Default)]
struct Figures {
    kib_per_conn: f64,
    base_mib: f64,
    cpu_pct: f64,
    comments_per_conn: f64,
    connect_s: f64,
}

pub fn run(options: &Options) -> Vec<Verdict> {
    let settings = Settings {
        connections: options.scale(10_000, 200),
        rounds: options.rounds(3),
        keep_alive: options.scale(None, Some(Duration::from_secs(1))),
        settle: options.scale(Duration::from_secs(1), Duration::from_millis(300)),
        warm_up: options.scale(Duration::from_secs(2), Duration::from_millis(500)),
        window: options.scale(Duration::from_secs(30), Duration::from_secs(2)),
    };
    check_open_files(settings.connections);
    println!(
        "==== P4: {} idle streams, keep-alive {}, {} s window, {} round(s) per contender",
        with_commas(settings.connections),
        settings
            .keep_alive
            .map_or("each server's default (15 s comment)".into(), |d| {
                format!("{} ms comment", d.as_millis())
            }),
        settings.window.as_secs(),
        settings.rounds
    );
    println!(
        "\n{:<8} {:>5} {:>9} {:>8} {:>7} {:>14} {:>9}",
        "server", "round", "KiB/conn", "base MiB", "CPU %", "comments/conn", "connect s"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut results: [Vec<Figures>; 2] = [Vec::new(), Vec::new()];
    for r in 0..settings.rounds {
        let order = if r % 2 == 0 { [0, 1] } else { [1, 0] };
        for c in order {
            let f = runtime.block_on(round(CONTENDERS[c], &settings));
            println!(
                "{:<8} {:>5} {:>9.2} {:>8.1} {:>7.2} {:>14.2} {:>9.1}",
                CONTENDERS[c],
                r + 1,
                f.kib_per_conn,
                f.base_mib,
                f.cpu_pct,
                f.comments_per_conn,
                f.connect_s
            );
            results[c].push(f);
        }
    }

    let med = |c: usize, field: fn(&Figures) -> f64| median(results[c].iter().map(field).collect());
    println!(
        "\nP4, median of {} round(s); ratio = tidings / axum, lower is better",
        settings.rounds
    );
    println!(
        "{:<8} {:>9} {:>8} {:>7}",
        "server", "KiB/conn", "base MiB", "CPU %"
    );
    for (c, name) in CONTENDERS.iter().enumerate() {
        println!(
            "{:<8} {:>9.2} {:>8.1} {:>7.2}",
            name,
            med(c, |f| f.kib_per_conn),
            med(c, |f| f.base_mib),
            med(c, |f| f.cpu_pct)
        );
    }
    println!(
        "{:<8} {:>9} {:>8} {:>7}",
        "ratio",
        ratio(med(0, |f| f.kib_per_conn), med(1, |f| f.kib_per_conn)),
        ratio(med(0, |f| f.base_mib), med(1, |f| f.base_mib)),
        ratio(med(0, |f| f.cpu_pct), med(1, |f| f.cpu_pct)),
    );

    let name = format!("P4 {} idle streams", with_commas(settings.connections));
    let verdicts = vec![
        Verdict::at_most(
            &name,
            "tidings memory per connection",
            med(0, |f| f.kib_per_conn),
            TARGET_KIB_PER_CONN,
            " KiB",
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

async fn round(contender: &str, settings: &Settings) -> Figures {
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
    let mut streams = Vec::with_capacity(settings.connections);
    for _ in 0..settings.connections {
        let permit = gate.clone().acquire_owned().await.unwrap();
        streams.push(tokio::spawn(hold(
            server.addr(),
            permit,
            connected.clone(),
            stopped.clone(),
        )));
    }
    while connected.load(Ordering::Relaxed) < settings.connections {
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
        kib_per_conn: rss_after.saturating_sub(rss_before) as f64 / settings.connections as f64,
        base_mib: rss_before as f64 / 1024.0,
        cpu_pct: cpu as f64 / clock_ticks_per_second() / elapsed * 100.0,
        comments_per_conn: comments as f64 / settings.connections as f64,
        connect_s,
    }
}

/// What one idle stream saw.
struct Held {
    comments: u64,
    failed: bool,
    /// The server ended the stream before the round did.
    ended: bool,
}

/// One idle stream: opened, then read (keep-alive comments only) until the round stops.
async fn hold(
    addr: SocketAddr,
    permit: OwnedSemaphorePermit,
    connected: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> Held {
    let mut buffer = vec![0; 1024];
    let opened = client::open_stream(addr, "/idle", &mut buffer).await;
    drop(permit);
    connected.fetch_add(1, Ordering::Relaxed);
    let mut held = Held {
        comments: 0,
        failed: false,
        ended: false,
    };
    let Ok(Opened {
        mut tcp, leftover, ..
    }) = opened
    else {
        held.failed = true;
        return held;
    };
    let mut comments = Occurrences::comments();
    comments.feed(&buffer[..leftover]);
    loop {
        let read = tokio::select! {
            biased;
            _ = stop.changed() => break,
            read = tcp.read(&mut buffer) => read,
        };
        match read {
            Ok(n) if n > 0 => comments.feed(&buffer[..n]),
            _ => {
                held.ended = true;
                break;
            }
        }
    }
    held.comments = comments.count();
    held
}
