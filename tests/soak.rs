//! Soak: connect/disconnect cycles, clean and abrupt, against streams with keep-alive and
//! against hub subscriptions fed by a publisher. Afterwards no handler is running, the hub has
//! no subscriber left, and the process's memory is back within 10% of where it was after a
//! warm-up. CI runs 1,000 cycles; the documented run is
//! `SOAK_CYCLES=10000 cargo test --release --test soak -- --nocapture`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use tidings::hub::Hub;
use tidings::{sse_events, sse_handler, LastEventId, Sender, SseApi, WriteDeadline};
use tidings_test_support::PATIENCE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[sse_events(rename_all = "snake_case")]
#[derive(Clone)]
enum Feed {
    Tick(u64),
}

#[derive(Clone)]
struct App {
    hub: Hub<Feed>,
    running: Arc<AtomicUsize>,
}

struct Guard(Arc<AtomicUsize>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A tick now, then keep-alive comments every 50 ms until the client leaves.
#[sse_handler(get, "/kept-alive", keep_alive = "50ms")]
async fn kept_alive(State(app): State<App>, tx: Sender<Feed>) {
    app.running.fetch_add(1, Ordering::SeqCst);
    let _guard = Guard(app.running.clone());
    let _ = tx.send(Feed::Tick(0)).await;
    tx.closed().await;
}

/// The hub's topic, live.
#[sse_handler(get, "/hub")]
async fn from_hub(State(app): State<App>, last: LastEventId, tx: Sender<Feed>) {
    app.running.fetch_add(1, Ordering::SeqCst);
    let _guard = Guard(app.running.clone());
    if let Ok(subscription) = app.hub.subscribe("soak", &last).await {
        let _ = tx.forward(subscription).await;
    }
}

/// One cycle: connect, read the first bytes of the stream, then leave cleanly (shutdown) or
/// abruptly (a reset, without reading the rest).
async fn cycle(addr: std::net::SocketAddr, path: &str, abrupt: bool) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: soak\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.windows(5).any(|w| w == b"data:") {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the stream ended before its first event");
        seen.extend_from_slice(&buffer[..read]);
    }
    if abrupt {
        stream.set_zero_linger().unwrap();
    } else {
        stream.shutdown().await.unwrap();
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

async fn run_cycles(addr: std::net::SocketAddr, cycles: usize) {
    const AT_ONCE: usize = 100;
    for batch in 0..cycles.div_ceil(AT_ONCE) {
        let runs = (0..AT_ONCE.min(cycles - batch * AT_ONCE)).map(|i| {
            let path = if i % 2 == 0 { "/kept-alive" } else { "/hub" };
            tokio::spawn(cycle(addr, path, i % 4 >= 2))
        });
        for run in runs.collect::<Vec<_>>() {
            run.await.unwrap();
        }
    }
}

async fn settle(app: &App) {
    tokio::time::timeout(PATIENCE, async {
        while app.running.load(Ordering::SeqCst) != 0 || app.hub.stats().subscribers != 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{} handlers and {} subscribers left",
            app.running.load(Ordering::SeqCst),
            app.hub.stats().subscribers
        )
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_disconnect_cycles_leave_nothing_behind() {
    let cycles: usize = std::env::var("SOAK_CYCLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let app = App {
        hub: Hub::builder().replay(100).build(),
        running: Arc::default(),
    };
    let router = SseApi::stateful("soak", "1")
        .handler(kept_alive)
        .handler(from_hub)
        .into_router()
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(WriteDeadline::new(listener), router).await });
    let publisher = app.hub.clone();
    let publishing = tokio::spawn(async move {
        for n in 1.. {
            let _ = publisher.publish("soak", Feed::Tick(n)).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });

    // Warm up first, so that the baseline includes the allocator's pools and the runtime's
    // buffers at their working size.
    run_cycles(addr, 2_000).await;
    settle(&app).await;
    let baseline = rss_kib();
    let started = Instant::now();
    run_cycles(addr, cycles).await;
    settle(&app).await;
    let after = rss_kib();
    publishing.abort();

    eprintln!(
        "soak: {cycles} cycles in {:?}; RSS {baseline} KiB after warm-up, {after} KiB after \
         ({:+.1}%); 0 handlers, 0 subscribers left",
        started.elapsed(),
        (after as f64 / baseline as f64 - 1.0) * 100.0
    );
    assert!(
        after <= baseline + baseline / 10,
        "RSS grew from {baseline} KiB to {after} KiB"
    );
}
