//! Graceful shutdown with 1,000 open streams: triggering `Shutdown` ends every stream, each with
//! its handler's `on_shutdown` event last; no handler is left running, and axum's graceful
//! shutdown completes. The API document says which event comes last.

use std::time::{Duration, Instant};

use axum::extract::State;
use tidings::{sse_events, sse_handler, Sender, Shutdown, SseApi, WriteDeadline};
use tidings_test_support::{get, LiveHandlers, LogCapture, PATIENCE};

#[sse_events(rename_all = "snake_case")]
enum Feed {
    /// A tick.
    Tick,
    /// The server is restarting: reconnect in a moment.
    Restarting,
    /// A piece of a large answer.
    #[sse(raw)]
    Piece(String),
}

/// Ticks every 50 ms until the server shuts down.
#[sse_handler(get, "/ticks", on_shutdown = Feed::Restarting)]
async fn ticks(State(running): State<LiveHandlers>, tx: Sender<Feed>) {
    let _running = running.enter();
    tx.every(Duration::from_millis(50), || async {
        Ok::<_, tidings::Error>(Some(Feed::Tick))
    })
    .await
    .ok();
}

/// Sends 2 KiB pieces as fast as the client reads them: the queue between handler and socket
/// holds more than one write takes, so it is never empty (a flood, a replay catch-up).
#[sse_handler(get, "/flood", on_shutdown = Feed::Restarting)]
async fn flood(State(running): State<LiveHandlers>, tx: Sender<Feed>) {
    let _running = running.enter();
    // Produced on another task, as a model's tokens or a background job's output are.
    let producer = tx.clone();
    let produce = tokio::spawn(async move {
        let piece = "x".repeat(2048);
        while producer.send(Feed::Piece(piece.clone())).await.is_ok() {}
    });
    tx.closed().await;
    produce.abort();
}

const STREAMS: usize = 1_000;

fn api(shutdown: &Shutdown) -> SseApi<LiveHandlers> {
    SseApi::stateful("t", "1")
        .handler(ticks)
        .handler(flood)
        // Room for more events than a write takes, so that the flood keeps the queue full.
        .buffer(1_024)
        .shutdown(shutdown.clone())
}

/// The stream's last event is its `on_shutdown` farewell.
fn assert_farewell_last(body: &str) {
    assert!(
        body.ends_with("event:restarting\ndata:\n\n"),
        "the farewell is last: {:?}",
        &body[body.len().saturating_sub(60)..]
    );
}

/// axum's graceful shutdown of `server` completes.
async fn assert_stops(server: tokio::task::JoinHandle<()>) {
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("axum's graceful shutdown completes")
        .unwrap();
}

/// Serves `api` on a free port with axum's graceful shutdown on `shutdown`.
async fn serve_until(
    shutdown: &Shutdown,
    running: &LiveHandlers,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let app = api(shutdown).into_router().with_state(running.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stopping = shutdown.clone();
    let server = tokio::spawn(async move {
        axum::serve(WriteDeadline::new(listener), app)
            .with_graceful_shutdown(async move { stopping.triggered().await })
            .await
            .unwrap();
    });
    (addr, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_whose_queue_is_never_empty_still_ends_on_shutdown() {
    let shutdown = Shutdown::new();
    let running = LiveHandlers::default();
    let (addr, server) = serve_until(&shutdown, &running).await;
    let mut stream = get(addr, "/flood", &[]).await;
    running.reach(1).await;
    // The client keeps reading, a little slower than the handler sends: the queue is full
    // whenever the body is polled.
    stream.read_until("event:piece").await;
    let reader = tokio::spawn(async move {
        let mut body = String::new();
        while let Some(chunk) = stream.next_chunk().await {
            body.push_str(std::str::from_utf8(&chunk).unwrap());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        body
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    shutdown.trigger();

    let body = tokio::time::timeout(PATIENCE, reader)
        .await
        .expect("the busy stream ended")
        .unwrap();
    assert_farewell_last(&body);
    assert_stops(server).await;
    assert_eq!(running.now(), 0, "no handler left running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stream_ends_with_its_farewell_and_the_server_stops() {
    let shutdown = Shutdown::new();
    let running = LiveHandlers::default();
    let (addr, server) = serve_until(&shutdown, &running).await;

    let mut streams = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        streams.push(get(addr, "/ticks", &[]).await);
    }
    running.reach(STREAMS).await;

    let started = Instant::now();
    shutdown.trigger();
    let readers = streams
        .into_iter()
        .map(|mut stream| tokio::spawn(async move { stream.read_to_end().await }));
    for reader in readers.collect::<Vec<_>>() {
        let body = reader.await.unwrap();
        assert_farewell_last(&body);
    }
    assert_stops(server).await;
    let took = started.elapsed();
    assert_eq!(running.now(), 0, "no handler left running");
    // The figure for the notes; no timing is asserted.
    eprintln!("{STREAMS} streams shut down in {took:?}");
}

#[test]
fn the_document_says_which_event_comes_last_on_shutdown() {
    let doc = api(&Shutdown::new()).openapi_json();
    let description = doc["paths"]["/ticks"]["get"]["description"]
        .as_str()
        .unwrap();
    assert!(
        description
            .contains("When the server shuts down, each stream ends with a `restarting` event."),
        "{description}"
    );
}

/// `on_shutdown` in an API without a shutdown signal can never be sent: building its router
/// says so, naming the handler; with the signal, nothing is said.
#[test]
fn a_farewell_without_a_shutdown_signal_is_warned_of() {
    let farewell_warnings = |api: SseApi<LiveHandlers>| {
        let logs = LogCapture::start();
        drop(api.into_router());
        logs.lines()
            .into_iter()
            .filter(|line| line.contains("on_shutdown"))
            .collect::<Vec<_>>()
    };
    let warned = farewell_warnings(SseApi::stateful("t", "1").handler(ticks));
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("handler=ticks"), "{warned:?}");
    assert!(warned[0].contains("SseApi::shutdown"), "{warned:?}");
    assert_eq!(
        farewell_warnings(api(&Shutdown::new())),
        Vec::<String>::new()
    );
}
