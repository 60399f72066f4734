//! P2, hub fan-out: tidings' `Hub` against the baseline an axum user writes today (one
//! `tokio::sync::broadcast` channel per topic, axum's `Sse`, each event serialized per client),
//! over loopback TCP, with the server and the load client in separate processes.
//!
//! 3 rounds per scenario and contender, alternating tidings and axum, about 7 minutes; the quick
//! run has 200 subscribers, 1 round, 2 s windows.
//!
//! Each round starts a server child ([`crate::child`]: `--serve fanout-tidings|fanout-axum
//! --topics N`) with `axum::serve` on a loopback `TcpListener`. The server publishes to every
//! topic at 10 events/s a tick (about 100 bytes of JSON) that carries its send time in
//! nanoseconds since the UNIX epoch. This process is the load client: raw HTTP/1.1 connections
//! (in A2, streams of hyper's h2c client) that scan the body for `data:` lines and record
//! receive time minus send time.
//!
//! - A: 10,000 subscribers on one topic.
//! - A2: the same over h2c, 100 subscribers per connection (as a browser's tabs share one).
//! - B: 1,000 topics x 10 subscribers.
//! - C: 1,000 subscribers on one topic, for the cost of one publish call.
//!
//! Then A and C again, the hub on Redis (a `redis-server` of the bench's own, on a free loopback
//! port) against the same hub in-process: what a Redis-backed hub adds to latency, memory and
//! CPU (the quick run too, small, when `redis-server` is installed; under `CI=true` it must be).
//!
//! Measured per round, over a window after every subscriber is connected and a warm-up: the
//! latency of every event sent in the window to every subscriber (p50, p99), whether each
//! subscriber got each such event exactly once, the server's CPU time (utime + stime from
//! `/proc`), and its memory per connection: VmRSS at the end of the window minus VmRSS before the
//! first connection, over the subscribers. The server times each `Hub::publish` (tidings: encodes
//! the event once) or `broadcast::Sender::send` (axum: serialization then happens per client, in
//! each stream) and serves the figures on `GET /stats`.
//!
//! Before it listens, the tidings server fills each topic's replay window (1,000 events), so the
//! ring is at its steady state and does not grow during the round: the RSS difference is the
//! connections' own ("base MiB" shows what the rings cost). A broadcast channel's ring is
//! allocated in full when the channel is created.

use crate::child::{self, Server};
use crate::client::{self, CONNECTING};
use crate::payload::{timed_tick as tick, unix_ns, Feed, Tick, EVENT_NAME};
use crate::procfs::{
    check_open_files, clock_ticks_per_second, cpu_ticks, machine_busy_ticks, vm_rss_kib,
};
use crate::report::{median, percentile, print_targets, ratio, with_commas, Verdict};
use crate::{flag_value, Options};
use axum::extract::{Path, State};
use axum::response::sse::{KeepAlive as AxumKeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http2::SendRequest;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tidings::hub::Hub;
use tidings::Error;
use tidings::{sse_handler, LastEventId, Sender, SseApi};
use tokio::io::AsyncReadExt;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

/// Events per second, per topic.
const RATE: u64 = 10;
/// The publisher wakes this often and publishes to the topics whose turn it is.
const TICK: Duration = Duration::from_millis(10);
const REPLAY: usize = 1_000;
const SUBSCRIBER_QUEUE: usize = 256;
const BROADCAST_CAPACITY: usize = 256;
/// Issue #18's targets for tidings in scenario A, as ratios to axum's figures of the same run.
const TARGET_P99_RATIO: f64 = 0.8;
const TARGET_MEMORY_RATIO: f64 = 1.0;

// ---------------------------------------------------------------------------------------------
// The two servers.

fn topic_name(topic: usize) -> String {
    format!("t{topic}")
}

/// tidings: the handler from the hub's documentation.
#[sse_handler(get, "/topics/{topic}")]
async fn tidings_topic(
    Path(topic): Path<String>,
    State(hub): State<Hub<Feed>>,
    last: LastEventId,
    tx: Sender<Feed>,
) -> Result<(), Error> {
    let subscription = hub.subscribe(&topic, &last).await?;
    tx.forward(subscription).await?;
    Ok(())
}

/// axum: one broadcast channel per topic.
struct Channels {
    topics: HashMap<String, broadcast::Sender<Tick>>,
    lagged: AtomicU64,
}

/// axum: each client's stream receives the tick and serializes it itself.
async fn axum_topic(Path(topic): Path<String>, State(channels): State<Arc<Channels>>) -> Response {
    let Some(sender) = channels.topics.get(&topic) else {
        return http::StatusCode::NOT_FOUND.into_response();
    };
    let receiver = sender.subscribe();
    let events = futures::stream::unfold(
        (receiver, channels.clone()),
        |(mut receiver, channels)| async move {
            loop {
                match receiver.recv().await {
                    Ok(tick) => {
                        let event = axum::response::sse::Event::default()
                            .event(EVENT_NAME)
                            .json_data(&tick)
                            .expect("a tick serializes");
                        return Some((Ok::<_, Infallible>(event), (receiver, channels)));
                    }
                    Err(RecvError::Lagged(missed)) => {
                        channels.lagged.fetch_add(missed, Ordering::Relaxed);
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Sse::new(events)
        .keep_alive(AxumKeepAlive::default())
        .into_response()
}

/// What `GET /stats` returns; the publish timings are those since the previous call.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ServerStats {
    publishes: u64,
    publish_mean_ns: u64,
    publish_p99_ns: u64,
    subscribers: u64,
    /// tidings: subscribers dropped as too slow; axum: events skipped by lagging receivers.
    dropped: u64,
}

type Timings = Arc<Mutex<Vec<u64>>>;

fn take_timings(timings: &Timings) -> ServerStats {
    let mut taken = std::mem::take(&mut *timings.lock().unwrap());
    if taken.is_empty() {
        return ServerStats::default();
    }
    ServerStats {
        publishes: taken.len() as u64,
        publish_mean_ns: taken.iter().sum::<u64>() / taken.len() as u64,
        publish_p99_ns: percentile(&mut taken, 0.99),
        ..ServerStats::default()
    }
}

enum Target {
    Hub(Hub<Feed>, Vec<String>),
    Channels(Vec<broadcast::Sender<Tick>>),
}

impl Target {
    async fn publish(&self, topic: usize, tick: Tick) {
        match self {
            Target::Hub(hub, names) => {
                hub.publish(&names[topic], Feed::Tick(tick))
                    .await
                    .expect("a tick publishes");
            }
            // An error means no subscriber: nothing to do, as in any broadcast server.
            Target::Channels(senders) => drop(senders[topic].send(tick)),
        }
    }
}

/// Publishes to each topic at `RATE`, spread over the ticks of a period, timing each call.
async fn publish_forever(target: Target, mut seqs: Vec<u64>, timings: Timings) {
    let topics = seqs.len();
    let slots =
        (Duration::from_secs(1).as_nanos() / RATE as u128 / TICK.as_nanos()).max(1) as usize;
    let mut ticks = tokio::time::interval(TICK);
    let mut taken = Vec::new();
    for k in 0usize.. {
        ticks.tick().await;
        for topic in (k % slots..topics).step_by(slots) {
            let event = tick(topic, seqs[topic]);
            seqs[topic] += 1;
            let start = Instant::now();
            target.publish(topic, event).await;
            taken.push(start.elapsed().as_nanos() as u64);
        }
        timings.lock().unwrap().append(&mut taken);
    }
}

/// The server child: `--serve fanout-tidings|fanout-tidings-redis|fanout-axum --topics N
/// [--redis URL]`.
pub fn serve(mode: &str, args: &[String]) {
    let topics = flag_value(args, "--topics").map_or(1, |n| n.parse().expect("--topics N"));
    let redis = flag_value(args, "--redis");
    child::run(async {
        let timings = Timings::default();
        let names: Vec<String> = (0..topics).map(topic_name).collect();
        let mut seqs = vec![0; topics];
        let (app, target) = match mode {
            "tidings" | "tidings-redis" => {
                let builder = Hub::builder()
                    .replay(REPLAY)
                    .subscriber_queue(SUBSCRIBER_QUEUE);
                let hub: Hub<Feed> = match &redis {
                    // Keys of this child's own: the rounds share one redis-server.
                    Some(url) => builder
                        .redis_prefix(format!("p2-{}:", std::process::id()))
                        .redis(url)
                        .await
                        .expect("the bench's redis-server"),
                    None => builder.build(),
                };
                for (topic, name) in names.iter().enumerate() {
                    for _ in 0..REPLAY {
                        let event = Feed::Tick(tick(topic, seqs[topic]));
                        hub.publish(name, event).await.unwrap();
                        seqs[topic] += 1;
                    }
                }
                let (stats_hub, stats_timings) = (hub.clone(), timings.clone());
                let stats = get(move || {
                    let hub = stats_hub.clone();
                    let timings = stats_timings.clone();
                    async move {
                        let hub = hub.stats();
                        Json(ServerStats {
                            subscribers: hub.subscribers as u64,
                            dropped: hub.dropped_subscribers,
                            ..take_timings(&timings)
                        })
                    }
                });
                let app = SseApi::stateful("hub_fanout", "1")
                    .handler(tidings_topic)
                    .into_router()
                    .with_state(hub.clone())
                    .route("/stats", stats);
                (app, Target::Hub(hub, names))
            }
            "axum" => {
                let senders: Vec<_> = (0..topics)
                    .map(|_| broadcast::channel(BROADCAST_CAPACITY).0)
                    .collect();
                let channels = Arc::new(Channels {
                    topics: names.into_iter().zip(senders.iter().cloned()).collect(),
                    lagged: AtomicU64::new(0),
                });
                let (stats_channels, stats_timings) = (channels.clone(), timings.clone());
                let stats = get(move || {
                    let channels = stats_channels.clone();
                    let timings = stats_timings.clone();
                    async move {
                        Json(ServerStats {
                            subscribers: channels
                                .topics
                                .values()
                                .map(|s| s.receiver_count() as u64)
                                .sum(),
                            dropped: channels.lagged.load(Ordering::Relaxed),
                            ..take_timings(&timings)
                        })
                    }
                });
                let app = axum::Router::new()
                    .route("/topics/{topic}", get(axum_topic))
                    .with_state(channels)
                    .route("/stats", stats);
                (app, Target::Channels(senders))
            }
            other => panic!("unknown server mode {other:?}"),
        };
        let listener = child::listen().await;
        child::announce(&[&listener]);
        tokio::spawn(publish_forever(target, seqs, timings));
        axum::serve(listener, app).await.unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// The load client.

/// The send times that count: `from <= sent_ns < until` (nothing, until it is set).
struct Window {
    from: AtomicU64,
    until: AtomicU64,
}

/// What one subscriber saw of the events sent in the window.
struct Received {
    topic: usize,
    latencies_us: Vec<u32>,
    unique: u64,
    duplicates: u64,
    first_seq: Option<u64>,
    last_seq: Option<u64>,
    /// The server ended the stream, or the connection failed, before the round did.
    ended: bool,
    failed: bool,
    /// `data:` lines that were not a tick.
    malformed: u64,
}

impl Received {
    fn record(&mut self, seq: u64, sent_ns: u64, now_ns: u64) {
        self.latencies_us
            .push((now_ns.saturating_sub(sent_ns) / 1_000).min(u32::MAX as u64) as u32);
        match self.last_seq {
            Some(last) if seq <= last => self.duplicates += 1,
            _ => {
                self.unique += 1;
                self.first_seq.get_or_insert(seq);
                self.last_seq = Some(seq);
            }
        }
    }
}

/// `{"seq":N,"sent_ns":M,...` after `data:`, as the payload's field order writes it.
fn parse_tick(data: &[u8]) -> Option<(u64, u64)> {
    fn number(text: &[u8]) -> Option<(u64, &[u8])> {
        let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
        let mut n: u64 = 0;
        for &b in &text[..digits] {
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        (digits > 0).then_some((n, &text[digits..]))
    }
    let data = data.strip_prefix(b" ").unwrap_or(data);
    let (seq, rest) = number(data.strip_prefix(b"{\"seq\":")?)?;
    let (sent_ns, _) = number(rest.strip_prefix(b",\"sent_ns\":")?)?;
    Some((seq, sent_ns))
}

/// Takes the complete lines of `buffer[..*len]`, keeping the incomplete last one.
fn take_lines(
    buffer: &mut [u8],
    len: &mut usize,
    now_ns: u64,
    window: &Window,
    out: &mut Received,
) {
    let (from, until) = (
        window.from.load(Ordering::Relaxed),
        window.until.load(Ordering::Relaxed),
    );
    let mut start = 0;
    while let Some(end) = buffer[start..*len].iter().position(|&b| b == b'\n') {
        let line = &buffer[start..start + end];
        if let Some(data) = line.strip_prefix(b"data:") {
            match parse_tick(data) {
                Some((seq, sent_ns)) if (from..until).contains(&sent_ns) => {
                    out.record(seq, sent_ns, now_ns)
                }
                Some(_) => {}
                None => out.malformed += 1,
            }
        }
        start += end + 1;
    }
    buffer.copy_within(start..*len, 0);
    *len -= start;
    if *len == buffer.len() {
        // A line longer than the buffer: not one of ours.
        out.malformed += 1;
        *len = 0;
    }
}

/// Where a subscriber reads its stream from: its own HTTP/1.1 connection (the chunk-size lines
/// of the chunked body are no `data:` lines: the scan skips them), or a stream of a shared h2c
/// connection.
enum Source {
    Http1(tokio::net::TcpStream),
    H2 {
        body: hyper::body::Incoming,
        /// The rest of the last DATA frame, not yet copied out.
        pending: bytes::Bytes,
    },
}

impl Source {
    /// Opens the stream of `path`; returns it with what the HTTP/1.1 head left in `buffer`.
    async fn open(
        addr: SocketAddr,
        h2: Option<SendRequest<Empty<bytes::Bytes>>>,
        path: &str,
        buffer: &mut [u8],
    ) -> std::io::Result<(Source, usize)> {
        let Some(mut connection) = h2 else {
            let opened = client::open_stream(addr, path, buffer).await?;
            return Ok((Source::Http1(opened.tcp), opened.leftover));
        };
        let request = http::Request::get(format!("http://bench{path}"))
            .body(Empty::new())
            .unwrap();
        let response = connection
            .send_request(request)
            .await
            .map_err(std::io::Error::other)?;
        if response.status() != http::StatusCode::OK {
            return Err(std::io::Error::other("not a 200"));
        }
        let body = response.into_body();
        let pending = bytes::Bytes::new();
        Ok((Source::H2 { body, pending }, 0))
    }

    /// Reads what comes next into `buffer`; `0` at the stream's end.
    async fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Http1(tcp) => tcp.read(buffer).await,
            Source::H2 { body, pending } => {
                while pending.is_empty() {
                    match body.frame().await {
                        Some(frame) => {
                            if let Ok(data) = frame.map_err(std::io::Error::other)?.into_data() {
                                *pending = data;
                            }
                        }
                        None => return Ok(0),
                    }
                }
                let n = pending.len().min(buffer.len());
                buffer[..n].copy_from_slice(&pending.split_to(n));
                Ok(n)
            }
        }
    }
}

/// What every subscriber of a round shares with the round.
#[derive(Clone)]
struct RoundLinks {
    /// Counts the subscribers whose stream opened (or failed to).
    connected: Arc<AtomicUsize>,
    window: Arc<Window>,
    stop: watch::Receiver<bool>,
    /// Events each subscriber expects, to size its latency samples.
    expected: usize,
}

/// One subscriber: a request for its topic's stream (over HTTP/1.1, or on `h2`, a shared h2c
/// connection), then `data:` lines until the round stops.
async fn subscribe(
    addr: SocketAddr,
    h2: Option<SendRequest<Empty<bytes::Bytes>>>,
    topic: usize,
    permit: OwnedSemaphorePermit,
    links: RoundLinks,
) -> Received {
    let RoundLinks {
        connected,
        window,
        mut stop,
        expected,
    } = links;
    let mut out = Received {
        topic,
        latencies_us: Vec::with_capacity(expected),
        unique: 0,
        duplicates: 0,
        first_seq: None,
        last_seq: None,
        ended: false,
        failed: false,
        malformed: 0,
    };
    let mut buffer = vec![0; 4096];
    let path = format!("/topics/{}", topic_name(topic));
    let opened = Source::open(addr, h2, &path, &mut buffer).await;
    drop(permit);
    connected.fetch_add(1, Ordering::Relaxed);
    let Ok((mut source, leftover)) = opened else {
        out.failed = true;
        return out;
    };
    let mut len = leftover;
    take_lines(&mut buffer, &mut len, unix_ns(), &window, &mut out);
    loop {
        let read = tokio::select! {
            biased;
            _ = stop.changed() => break,
            read = source.read(&mut buffer[len..]) => read,
        };
        match read {
            Ok(n) if n > 0 => {
                len += n;
                take_lines(&mut buffer, &mut len, unix_ns(), &window, &mut out);
            }
            _ => {
                out.ended = true;
                break;
            }
        }
    }
    out
}

/// The server's statistics since the previous call (the first call resets the timings).
async fn stats(server: &Server) -> ServerStats {
    serde_json::from_slice(&client::get(server.addr(), "/stats").await).expect("the server's stats")
}

struct Scenario {
    key: &'static str,
    title: String,
    topics: usize,
    subscribers: usize,
    /// Over h2c, this many subscribers per connection; `None`: a connection each.
    h2_streams: Option<usize>,
}

struct Settings {
    rounds: usize,
    /// How long a new server gets before its memory is read as the round's base.
    settle: Duration,
    warm_up: Duration,
    window: Duration,
    /// How long after the window the client keeps reading, for the window's last events.
    grace: Duration,
    clock_ticks: f64,
    /// The Redis the `tidings-redis` contender's hub runs on.
    redis: Option<String>,
}

/// The figures of one round of one contender.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    p50_ms: f64,
    p99_ms: f64,
    kib_per_conn: f64,
    base_mib: f64,
    cpu_pct: f64,
    client_cpu_pct: f64,
    others_cpu_pct: f64,
    received: u64,
    missing: u64,
    duplicates: u64,
    ended: u64,
    failed: u64,
    malformed: u64,
    dropped: u64,
    publish_mean_us: f64,
    publish_p99_us: f64,
    publishes: u64,
    connect_s: f64,
}

async fn round(contender: &str, scenario: &Scenario, settings: &Settings) -> Figures {
    let mode = format!("fanout-{contender}");
    let topics = scenario.topics.to_string();
    let mut args = vec![mode.as_str(), "--topics", &topics];
    if let Some(url) = &settings.redis {
        args.extend(["--redis", url]);
    }
    let server = Server::start(&args);
    tokio::time::sleep(settings.settle).await;
    let rss_before = vm_rss_kib(server.pid);

    let window = Arc::new(Window {
        from: AtomicU64::new(u64::MAX),
        until: AtomicU64::new(0),
    });
    let expected = (settings.window.as_secs() + 2) as usize * RATE as usize;
    let (stop, stopped) = watch::channel(false);
    let connected = Arc::new(AtomicUsize::new(0));
    let links = RoundLinks {
        connected: connected.clone(),
        window: window.clone(),
        stop: stopped,
        expected,
    };
    let gate = Arc::new(Semaphore::new(CONNECTING));
    let connecting = Instant::now();
    let mut subscribers = Vec::with_capacity(scenario.subscribers);
    let mut h2 = None;
    for i in 0..scenario.subscribers {
        let permit = gate.clone().acquire_owned().await.unwrap();
        if let Some(per) = scenario.h2_streams {
            if i % per == 0 {
                h2 = Some(client::connect_h2(server.addr()).await);
            }
        }
        subscribers.push(tokio::spawn(subscribe(
            server.addr(),
            h2.clone(),
            i % scenario.topics,
            permit,
            links.clone(),
        )));
    }
    while connected.load(Ordering::Relaxed) < scenario.subscribers {
        assert!(
            connecting.elapsed() < Duration::from_secs(120),
            "subscribers not connected after 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let connect_s = connecting.elapsed().as_secs_f64();
    tokio::time::sleep(settings.warm_up).await;

    stats(&server).await; // resets the publish timings
    let me = std::process::id();
    let (server_cpu, client_cpu, machine) =
        (cpu_ticks(server.pid), cpu_ticks(me), machine_busy_ticks());
    let started = Instant::now();
    let from = unix_ns();
    window
        .until
        .store(from + settings.window.as_nanos() as u64, Ordering::Relaxed);
    window.from.store(from, Ordering::Relaxed);
    tokio::time::sleep(settings.window).await;
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu = cpu_ticks(server.pid) - server_cpu;
    let client_cpu = cpu_ticks(me) - client_cpu;
    let machine = machine_busy_ticks() - machine;
    let rss_after = vm_rss_kib(server.pid);
    let stats = stats(&server).await;

    tokio::time::sleep(settings.grace).await;
    stop.send(true).unwrap();
    drop(h2);
    let mut received = Vec::with_capacity(subscribers.len());
    for subscriber in subscribers {
        received.push(subscriber.await.unwrap());
    }
    drop(server);

    // Every subscriber of a topic should have every event of it sent in the window: those from
    // the first to the last any of them got.
    let mut range: Vec<Option<(u64, u64)>> = vec![None; scenario.topics];
    for r in &received {
        if let (Some(first), Some(last)) = (r.first_seq, r.last_seq) {
            let seen = range[r.topic].get_or_insert((first, last));
            *seen = (seen.0.min(first), seen.1.max(last));
        }
    }
    let mut figures = Figures::default();
    let mut latencies = Vec::with_capacity(received.iter().map(|r| r.latencies_us.len()).sum());
    for r in &received {
        let expected = range[r.topic].map_or(0, |(first, last)| last - first + 1);
        figures.missing += expected.saturating_sub(r.unique);
        figures.duplicates += r.duplicates;
        figures.ended += u64::from(r.ended);
        figures.failed += u64::from(r.failed);
        figures.malformed += r.malformed;
        latencies.extend_from_slice(&r.latencies_us);
    }
    figures.received = latencies.len() as u64;
    // Missing events are a finding (a server that falls behind); no events at all, garbage, or
    // more than 1% of the streams failing to open mean the round measured nothing. A few failed
    // opens among 10,000 (the loopback's accept queue overflowing at the connect burst, as seen
    // once in a full run) are printed on the round's line instead.
    assert!(
        figures.received > 0
            && figures.failed * 100 <= scenario.subscribers as u64
            && figures.malformed == 0,
        "{contender}, scenario {}: {} latency samples, {} subscribers failed, {} malformed lines",
        scenario.key,
        figures.received,
        figures.failed,
        figures.malformed
    );
    if !latencies.is_empty() {
        figures.p50_ms = f64::from(percentile(&mut latencies, 0.50)) / 1_000.0;
        figures.p99_ms = f64::from(percentile(&mut latencies, 0.99)) / 1_000.0;
    }
    let core_pct = |ticks: u64| ticks as f64 / settings.clock_ticks / elapsed * 100.0;
    figures.kib_per_conn =
        rss_after.saturating_sub(rss_before) as f64 / scenario.subscribers as f64;
    figures.base_mib = rss_before as f64 / 1024.0;
    figures.cpu_pct = core_pct(server_cpu);
    figures.client_cpu_pct = core_pct(client_cpu);
    figures.others_cpu_pct = core_pct(machine.saturating_sub(server_cpu + client_cpu));
    figures.dropped = stats.dropped;
    figures.publishes = stats.publishes;
    figures.publish_mean_us = stats.publish_mean_ns as f64 / 1_000.0;
    figures.publish_p99_us = stats.publish_p99_ns as f64 / 1_000.0;
    figures.connect_s = connect_s;
    figures
}

const CONTENDERS: [&str; 2] = ["tidings", "axum"];
/// What a hub on Redis adds: the same hub, on Redis, against itself in-process.
const REDIS_CONTENDERS: [&str; 2] = ["tidings-redis", "tidings"];

async fn bench(
    scenarios: &[Scenario],
    settings: &Settings,
    contenders: [&'static str; 2],
) -> Vec<Verdict> {
    if contenders == CONTENDERS {
        println!("==== P2: hub fan-out, tidings Hub against axum Sse over tokio broadcast");
    } else {
        println!("==== P2 on Redis: what a Redis-backed hub adds, against the same hub in-process");
    }
    println!(
        "{} round(s) per scenario and contender, {} s warm-up, {} s window, {} events/s per topic\n",
        settings.rounds,
        settings.warm_up.as_secs(),
        settings.window.as_secs(),
        RATE
    );
    println!(
        "{:<4} {:<13} {:>5} {:>8} {:>8} {:>9} {:>8} {:>7} {:>7} {:>7} {:>10} {:>7} {:>4} {:>5} {:>7} {:>9}",
        "scen", "server", "round", "p50 ms", "p99 ms", "KiB/conn", "base MiB", "CPU %",
        "client%", "others%", "received", "missing", "dup", "ended", "dropped", "connect s"
    );
    // results[scenario][contender] = figures of each round
    let mut results: Vec<[Vec<Figures>; 2]> = Vec::new();
    for scenario in scenarios {
        let mut rounds: [Vec<Figures>; 2] = [Vec::new(), Vec::new()];
        for r in 0..settings.rounds {
            // Alternate which contender goes first, so drift in the machine's load evens out.
            let order = if r % 2 == 0 { [0, 1] } else { [1, 0] };
            for c in order {
                let f = round(contenders[c], scenario, settings).await;
                println!(
                    "{:<4} {:<13} {:>5} {:>8.2} {:>8.2} {:>9.2} {:>8.1} {:>7.1} {:>7.1} {:>7.1} {:>10} {:>7} {:>4} {:>5} {:>7} {:>9.1}{}",
                    scenario.key, contenders[c], r + 1, f.p50_ms, f.p99_ms, f.kib_per_conn,
                    f.base_mib, f.cpu_pct, f.client_cpu_pct, f.others_cpu_pct, f.received,
                    f.missing, f.duplicates, f.ended, f.dropped, f.connect_s,
                    if f.failed + f.malformed > 0 {
                        format!("  ({} failed, {} malformed)", f.failed, f.malformed)
                    } else {
                        String::new()
                    }
                );
                rounds[c].push(f);
            }
        }
        results.push(rounds);
    }

    println!(
        "\nHub fan-out, median of {} round(s); {} against {}",
        settings.rounds, contenders[0], contenders[1]
    );
    println!(
        "(missing, duplicates, ended streams: totals over all rounds; ratio = {} / {}, lower is better)\n",
        contenders[0], contenders[1]
    );
    println!(
        "{:<42} {:<13} {:>8} {:>8} {:>9} {:>8} {:>7} {:>8} {:>4} {:>6} {:>8}",
        "scenario",
        "server",
        "p50 ms",
        "p99 ms",
        "KiB/conn",
        "base MiB",
        "CPU %",
        "missing",
        "dup",
        "ended",
        "dropped"
    );
    let med = |rounds: &[Figures], field: fn(&Figures) -> f64| -> f64 {
        median(rounds.iter().map(field).collect())
    };
    let total =
        |rounds: &[Figures], field: fn(&Figures) -> u64| -> u64 { rounds.iter().map(field).sum() };
    for (scenario, rounds) in scenarios.iter().zip(&results) {
        for (c, name) in contenders.iter().enumerate() {
            let f = &rounds[c];
            println!(
                "{:<42} {:<13} {:>8.2} {:>8.2} {:>9.2} {:>8.1} {:>7.1} {:>8} {:>4} {:>6} {:>8}",
                if c == 0 { scenario.title.as_str() } else { "" },
                name,
                med(f, |f| f.p50_ms),
                med(f, |f| f.p99_ms),
                med(f, |f| f.kib_per_conn),
                med(f, |f| f.base_mib),
                med(f, |f| f.cpu_pct),
                total(f, |f| f.missing),
                total(f, |f| f.duplicates),
                total(f, |f| f.ended),
                total(f, |f| f.dropped),
            );
        }
        let [t, a] = rounds;
        println!(
            "{:<42} {:<13} {:>8} {:>8} {:>9} {:>8} {:>7}",
            "",
            "ratio",
            ratio(med(t, |f| f.p50_ms), med(a, |f| f.p50_ms)),
            ratio(med(t, |f| f.p99_ms), med(a, |f| f.p99_ms)),
            ratio(med(t, |f| f.kib_per_conn), med(a, |f| f.kib_per_conn)),
            ratio(med(t, |f| f.base_mib), med(a, |f| f.base_mib)),
            ratio(med(t, |f| f.cpu_pct), med(a, |f| f.cpu_pct)),
        );
    }

    println!(
        "\nPublish cost per call, timed in the server (tidings: Hub::publish, which encodes once, on Redis an XADD; axum: broadcast::Sender::send, no encoding, each stream serializes)\n"
    );
    println!(
        "{:<42} {:>14} {:>14} {:>14} {:>14} {:>8} {:>8}",
        "scenario",
        format!("{} mean", contenders[0]),
        format!("{} p99", contenders[0]),
        format!("{} mean", contenders[1]),
        format!("{} p99", contenders[1]),
        "ratio",
        "ratio"
    );
    println!(
        "{:<42} {:>14} {:>14} {:>14} {:>14} {:>8} {:>8}",
        "", "us", "us", "us", "us", "mean", "p99"
    );
    for (scenario, [t, a]) in scenarios.iter().zip(&results) {
        println!(
            "{:<42} {:>14.2} {:>14.2} {:>14.2} {:>14.2} {:>8} {:>8}",
            scenario.title,
            med(t, |f| f.publish_mean_us),
            med(t, |f| f.publish_p99_us),
            med(a, |f| f.publish_mean_us),
            med(a, |f| f.publish_p99_us),
            ratio(med(t, |f| f.publish_mean_us), med(a, |f| f.publish_mean_us)),
            ratio(med(t, |f| f.publish_p99_us), med(a, |f| f.publish_p99_us)),
        );
    }

    let mut verdicts = Vec::new();
    let main_comparison = contenders == CONTENDERS;
    if let Some((scenario, [t, a])) = scenarios
        .iter()
        .zip(&results)
        .find(|(s, _)| main_comparison && s.key == "A")
    {
        let name = format!("P2 hub, {} subscribers", with_commas(scenario.subscribers));
        verdicts.push(Verdict::at_most(
            &name,
            "tidings p99 latency / axum's",
            med(t, |f| f.p99_ms) / med(a, |f| f.p99_ms),
            TARGET_P99_RATIO,
            "x",
        ));
        verdicts.push(Verdict::at_most(
            &name,
            "tidings memory per connection / axum's",
            med(t, |f| f.kib_per_conn) / med(a, |f| f.kib_per_conn),
            TARGET_MEMORY_RATIO,
            "x",
        ));
        print_targets(&verdicts);
    }
    verdicts
}

/// P2: the scenarios A, B and C, each contender in its own server child per round (the quick
/// run: A and B, small).
pub fn run(options: &Options) -> Vec<Verdict> {
    let settings = Settings {
        rounds: options.rounds(3),
        settle: options.scale(Duration::from_secs(1), Duration::from_millis(300)),
        warm_up: options.scale(Duration::from_secs(3), Duration::from_secs(1)),
        window: options.scale(Duration::from_secs(12), Duration::from_secs(2)),
        grace: options.scale(Duration::from_secs(2), Duration::from_secs(1)),
        clock_ticks: clock_ticks_per_second(),
        redis: None,
    };
    let mut scenarios = vec![
        Scenario {
            key: "A",
            topics: 1,
            subscribers: options.scale(10_000, 200),
            h2_streams: None,
            title: String::new(),
        },
        Scenario {
            key: "A2",
            topics: 1,
            subscribers: options.scale(10_000, 200),
            h2_streams: Some(100),
            title: String::new(),
        },
        Scenario {
            key: "B",
            topics: options.scale(1_000, 20),
            subscribers: options.scale(10_000, 200),
            h2_streams: None,
            title: String::new(),
        },
    ];
    if !options.quick {
        scenarios.push(Scenario {
            key: "C",
            topics: 1,
            subscribers: 1_000,
            h2_streams: None,
            title: String::new(),
        });
    }
    scenarios.retain(|s| options.wants_part(s.key));
    check_open_files(scenarios.iter().map(|s| s.subscribers).max().unwrap_or(0));
    for s in &mut scenarios {
        s.title = if let Some(per) = s.h2_streams {
            format!(
                "{}: {} subscribers, 1 topic, h2c x{per}",
                s.key,
                with_commas(s.subscribers)
            )
        } else if s.topics == 1 {
            format!(
                "{}: {} subscribers, 1 topic",
                s.key,
                with_commas(s.subscribers)
            )
        } else {
            format!(
                "{}: {} topics x {} subscribers",
                s.key,
                with_commas(s.topics),
                s.subscribers / s.topics
            )
        };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut verdicts = runtime.block_on(bench(&scenarios, &settings, CONTENDERS));
    // What Redis adds, in A and C (one topic): B's thousand topics would measure the reader's
    // one XREAD over all of them, which the hub's documentation already warns about.
    scenarios.retain(|s| s.topics == 1 && s.h2_streams.is_none());
    if scenarios.is_empty() {
        return verdicts;
    }
    let Some(redis) = tidings_test_support::RedisServer::start(false) else {
        return verdicts;
    };
    let on_redis = Settings {
        redis: Some(redis.url()),
        ..settings
    };
    verdicts.extend(runtime.block_on(bench(&scenarios, &on_redis, REDIS_CONTENDERS)));
    verdicts
}
