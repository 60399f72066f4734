//! The reconnecting client (`tidings::client::EventSource`, feature `client`) against real
//! tidings servers on loopback sockets: resumption after a server restart, `retry`,
//! `Last-Event-ID`, final and transient statuses, request replay, read timeout and restart.

use axum::extract::FromRequestParts;
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tidings::client::{
    ClientError, DisconnectReason, EventSource, RawEvents, TypedEvent, TypedEvents,
};
use tidings::{
    sse_events, sse_handler, Error, LastEventId, LastEventIdRejection, Message, Sender, SseApi,
};
use tidings_test_support::PATIENCE;

#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
enum Num {
    Number(u32),
    Tick,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    last_event_id: Option<String>,
    token: Option<String>,
    content_type: Option<String>,
    body: String,
    at: Instant,
}

/// What the handlers share: the requests seen, and statuses to answer the first ones with.
#[derive(Clone, Default)]
struct Ctx {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Vec<u16>>,
}

impl Ctx {
    fn scripted(statuses: &[u16]) -> Self {
        Ctx {
            script: Arc::new(statuses.to_vec()),
            ..Ctx::default()
        }
    }

    /// Records a request; returns its index.
    fn record(&self, last: &LastEventId, headers: &HeaderMap) -> u32 {
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        let mut seen = self.seen.lock().unwrap();
        seen.push(Seen {
            last_event_id: last.as_deref().map(str::to_owned),
            token: header("x-token"),
            content_type: header("content-type"),
            body: String::new(),
            at: Instant::now(),
        });
        seen.len() as u32 - 1
    }

    /// Adds the body of request `n`, once a handler has extracted it.
    fn record_body(&self, n: u32, body: String) {
        self.seen.lock().unwrap()[n as usize].body = body;
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn ids(&self) -> Vec<Option<String>> {
        self.seen().into_iter().map(|s| s.last_event_id).collect()
    }

    /// Waits until `n` requests have arrived (bounded).
    async fn wait_for(&self, n: usize) {
        tokio::time::timeout(PATIENCE, async {
            while self.seen.lock().unwrap().len() < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{n} requests did not arrive; saw {:?}", self.ids()));
    }
}

/// A request, recorded in [`Ctx`] as it is extracted.
struct Visit {
    /// Its index among the requests seen.
    n: u32,
    last_event_id: Option<String>,
    ctx: Ctx,
}

impl FromRequestParts<Ctx> for Visit {
    type Rejection = LastEventIdRejection;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let last = LastEventId::from_request_parts(parts, ctx).await?;
        Ok(Visit {
            n: ctx.record(&last, &parts.headers),
            last_event_id: last.0,
            ctx: ctx.clone(),
        })
    }
}

const TOTAL: u32 = 20;

/// Numbered events with ids, resuming after `Last-Event-ID`.
#[sse_handler(get, "/numbers")]
async fn numbers(visit: Visit, tx: Sender<Num>) -> Result<(), Error> {
    let after: u32 = visit.last_event_id.map_or(0, |id| id.parse().unwrap());
    for n in after + 1..=TOTAL {
        tx.send(Message::new(Num::Number(n)).id(n)).await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tx.closed().await;
    Ok(())
}

/// Answers the first requests with the statuses of the script, then sends `Number(index)`
/// with id `index` and stays open.
#[sse_handler(get, "/scripted")]
async fn scripted(visit: Visit, tx: Sender<Num>) -> Result<(), (StatusCode, String)> {
    let n = visit.n;
    if let Some(&code) = visit.ctx.script.get(n as usize) {
        return Err((
            StatusCode::from_u16(code).unwrap(),
            format!("scripted {code}"),
        ));
    }
    let _ = tx.send(Message::new(Num::Number(n)).id(n)).await;
    tx.closed().await;
    Ok(())
}

/// First connection: one event with `retry: 200ms`, then the body ends.
#[sse_handler(get, "/retry")]
async fn retry(Visit { n, .. }: Visit, tx: Sender<Num>) -> Result<(), Error> {
    let message = Message::new(Num::Number(n)).id(n);
    if n == 0 {
        return tx.send(message.retry(Duration::from_millis(200))).await;
    }
    tx.send(message).await?;
    tx.closed().await;
    Ok(())
}

/// An event with an id, then events without one, over several connections.
#[sse_handler(get, "/sparse")]
async fn sparse(visit: Visit, tx: Sender<Num>) -> Result<(), Error> {
    match visit.n {
        0 => {
            tx.send(Message::new(Num::Number(1)).id(1)).await?;
            tx.send(Num::Tick).await
        }
        1 => tx.send(Num::Tick).await,
        _ => {
            tx.closed().await;
            Ok(())
        }
    }
}

/// Records the body and headers, sends one event, ends.
#[sse_handler(post, "/post")]
async fn post_echo(
    Visit { n, ctx, .. }: Visit,
    tx: Sender<Num>,
    body: String,
) -> Result<(), Error> {
    ctx.record_body(n, body);
    tx.send(Message::new(Num::Number(n)).id(n)).await
}

/// One event, then silence: no keep-alive either.
#[sse_handler(get, "/silent", keep_alive = "off")]
async fn silent(Visit { n, .. }: Visit, tx: Sender<Num>) -> Result<(), Error> {
    tx.send(Message::new(Num::Number(n)).id(n)).await?;
    tx.closed().await;
    Ok(())
}

/// Streams written by hand: an id in a block without data (which dispatches nothing), then a
/// stream starting with a byte order mark.
async fn handwritten(Visit { n, .. }: Visit) -> impl axum::response::IntoResponse {
    let body = match n {
        0 => "id: 7\n\n",
        1 => "\u{FEFF}data: after the bom\n\n",
        _ => ": nothing more\n\n",
    };
    ([(http::header::CONTENT_TYPE, "text/event-stream")], body)
}

/// An event, then a line longer than the 16 bytes `a_line_over_the_cap_is_final` allows.
async fn oversized(_seen: Visit) -> impl axum::response::IntoResponse {
    let body = "data: short\n\ndata: a line over sixteen bytes\n\n";
    ([(http::header::CONTENT_TYPE, "text/event-stream")], body)
}

fn router(ctx: Ctx) -> Router {
    SseApi::stateful("reconnect tests", "1")
        .handler(numbers)
        .handler(scripted)
        .handler(retry)
        .handler(sparse)
        .handler(post_echo)
        .handler(silent)
        .into_router()
        .route("/plain", get(|| async { "not a stream" }))
        // A redirect to itself: an empty `Location` resolves to the same URL.
        .route(
            "/loop",
            get(|_seen: Visit| async { (StatusCode::MOVED_PERMANENTLY, [("location", "")]) }),
        )
        .route("/handwritten", get(handwritten))
        .route("/oversized", get(oversized))
        .with_state(ctx)
}

/// A server in its own runtime on its own thread: killing it drops the runtime, which drops
/// the listener and every open connection at once, as a crashed process would.
struct ThreadServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ThreadServer {
    fn start(bind: SocketAddr, router: Router) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
                let _ = stopped.await;
            });
            drop(runtime);
        });
        let addr = addr_rx
            .recv_timeout(PATIENCE)
            .expect("the server did not start");
        ThreadServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn kill(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for ThreadServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

async fn next<E: tidings::codegen::DecodeEventsOwned + tidings::SseEvents>(
    events: &mut TypedEvents<RawEvents, E>,
) -> Option<Result<TypedEvent<E>, ClientError>> {
    tokio::time::timeout(PATIENCE, events.next())
        .await
        .expect("no item in time")
}

async fn next_ok(events: &mut TypedEvents<RawEvents, Num>) -> TypedEvent<Num> {
    next(events)
        .await
        .expect("the stream ended")
        .expect("an error instead of an event")
}

async fn serve(ctx: &Ctx) -> tidings_test_support::TestServer {
    tidings_test_support::serve(router(ctx.clone())).await
}

fn fast(url: String) -> EventSource {
    EventSource::get(url)
        .initial_retry(Duration::from_millis(10))
        .max_retry(Duration::from_millis(100))
}

#[tokio::test]
async fn resumes_without_gap_or_duplicate_after_the_server_is_killed_and_restarted() {
    let first = Ctx::default();
    let server = ThreadServer::start("127.0.0.1:0".parse().unwrap(), router(first.clone()));
    let addr = server.addr;
    let mut events = EventSource::get(format!("http://{addr}/numbers"))
        .initial_retry(Duration::from_millis(50))
        .max_retry(Duration::from_millis(200))
        .typed::<Num>();
    let handle = events.handle();

    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(next_ok(&mut events).await);
    }
    tokio::task::spawn_blocking(move || server.kill())
        .await
        .unwrap();

    // Restart on the same port while the client keeps trying.
    let second = Ctx::default();
    let router2 = router(second.clone());
    let restarted = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(400));
        ThreadServer::start(addr, router2)
    });
    while got.len() < TOTAL as usize {
        got.push(next_ok(&mut events).await);
    }
    let restarted = restarted.await.unwrap();

    let received: Vec<u32> = got
        .iter()
        .map(|e| match e.event {
            Num::Number(n) => n,
            Num::Tick => panic!("unexpected tick"),
        })
        .collect();
    assert_eq!(received, (1..=TOTAL).collect::<Vec<_>>());
    for e in &got {
        assert_eq!(e.id, e_number(&e.event).to_string());
    }

    assert_eq!(first.ids(), [None]);
    let resumed = second.ids();
    let resumed_from: u32 = resumed[0]
        .as_deref()
        .expect("no Last-Event-ID")
        .parse()
        .unwrap();
    assert!(
        (5..TOTAL).contains(&resumed_from),
        "resumed from {resumed_from}: the server was not killed mid-stream"
    );
    // Attempts against the dead port failed, and were retried.
    assert!(
        handle.reconnects() >= 2,
        "reconnects: {}",
        handle.reconnects()
    );
    drop(events);
    drop(restarted);
}

fn e_number(event: &Num) -> u32 {
    match event {
        Num::Number(n) => *n,
        Num::Tick => panic!("unexpected tick"),
    }
}

#[tokio::test]
async fn waits_the_servers_retry_before_reconnecting() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    // Without the server's `retry`, the client would come back after 10 ms.
    let mut events = fast(format!("http://{}/retry", server.addr))
        .max_retry(Duration::from_secs(5))
        .typed::<Num>();
    let first = next_ok(&mut events).await;
    assert_eq!(first.retry, Some(Duration::from_millis(200)));
    let second = next_ok(&mut events).await;
    assert_eq!(second.event, Num::Number(1));
    let disconnect = events.handle().last_disconnect().unwrap();
    assert_eq!(disconnect.reason, DisconnectReason::Ended);

    let seen = ctx.seen();
    assert_eq!(seen[1].last_event_id.as_deref(), Some("0"));
    let gap = seen[1].at - seen[0].at;
    assert!(
        gap >= Duration::from_millis(200),
        "reconnected after {gap:?}"
    );
    assert!(gap < Duration::from_secs(3), "reconnected after {gap:?}");
}

#[tokio::test]
async fn last_event_id_persists_across_events_and_connections_without_ids() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/sparse", server.addr)).typed::<Num>();

    let one = next_ok(&mut events).await;
    assert_eq!((one.event, one.id.as_str()), (Num::Number(1), "1"));
    let tick = next_ok(&mut events).await;
    assert_eq!((tick.event, tick.id.as_str()), (Num::Tick, "1"));
    // On the next connection, the id in force is still 1.
    let tick = next_ok(&mut events).await;
    assert_eq!((tick.event, tick.id.as_str()), (Num::Tick, "1"));

    let drain = tokio::spawn(async move { while events.next().await.is_some() {} });
    ctx.wait_for(3).await;
    assert_eq!(
        ctx.ids(),
        [None, Some("1".to_owned()), Some("1".to_owned())]
    );
    drain.abort();
}

#[tokio::test]
async fn an_initial_last_event_id_is_sent_from_the_first_request() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/scripted", server.addr))
        .last_event_id("41")
        .typed::<Num>();
    let first = next_ok(&mut events).await;
    assert_eq!(first.id, "0");
    assert_eq!(ctx.ids(), [Some("41".to_owned())]);
}

#[tokio::test]
async fn stops_for_good_on_204() {
    let ctx = Ctx::scripted(&[204]);
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/scripted", server.addr)).typed::<Num>();
    assert!(next(&mut events).await.is_none());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ctx.seen().len(), 1);
    assert_eq!(events.handle().reconnects(), 0);
}

#[tokio::test]
async fn stops_for_good_on_404_with_the_status() {
    let ctx = Ctx::scripted(&[404]);
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/scripted", server.addr)).typed::<Num>();
    match next(&mut events).await {
        Some(Err(error @ ClientError::Status { .. })) => {
            assert_eq!(
                error.to_string(),
                "the server refused the event stream: 404 Not Found: scripted 404"
            );
            let ClientError::Status { status, body } = error else {
                unreachable!()
            };
            assert_eq!(
                (status, body.as_str()),
                (StatusCode::NOT_FOUND, "scripted 404")
            );
        }
        other => panic!("expected a 404 error, got {other:?}"),
    }
    assert!(next(&mut events).await.is_none());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ctx.seen().len(), 1);
}

#[tokio::test]
async fn stops_for_good_with_a_clear_error_on_a_redirect_loop() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/loop", server.addr)).typed::<Num>();
    match next(&mut events).await {
        Some(Err(ClientError::Redirect(e))) => {
            assert!(e.to_string().contains("redirect"), "{e}");
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    assert!(next(&mut events).await.is_none());
    let followed = ctx.seen().len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ctx.seen().len(), followed, "it tried again");
    assert_eq!(events.handle().reconnects(), 0);
}

#[tokio::test]
async fn stops_on_a_response_that_is_not_an_event_stream() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/plain", server.addr)).typed::<Num>();
    match next(&mut events).await {
        Some(Err(ClientError::NotEventStream { content_type })) => {
            assert!(content_type.unwrap().starts_with("text/plain"));
        }
        other => panic!("expected NotEventStream, got {other:?}"),
    }
    assert!(next(&mut events).await.is_none());
}

#[tokio::test]
async fn reconnects_after_503_429_500_and_408() {
    let ctx = Ctx::scripted(&[503, 429, 500, 408]);
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/scripted", server.addr)).typed::<Num>();
    let event = next_ok(&mut events).await;
    assert_eq!(event.event, Num::Number(4));
    assert_eq!(ctx.seen().len(), 5);
    assert_eq!(events.handle().reconnects(), 4);
}

#[tokio::test]
async fn resends_the_same_post_body_and_headers_on_every_reconnection() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = EventSource::new(
        tidings::client::reqwest::Client::new(),
        http::Method::POST,
        format!("http://{}/post", server.addr),
    )
    .json(&serde_json::json!({ "question": "why?", "n": 3 }))
    .header("x-token", "secret")
    .initial_retry(Duration::from_millis(10))
    // Each response ends after one event: this POST stream is a subscription, so come back.
    .reconnect_on_end(true)
    .typed::<Num>();
    for n in 0..3 {
        assert_eq!(next_ok(&mut events).await.event, Num::Number(n));
    }

    let seen = ctx.seen();
    assert_eq!(seen.len(), 3);
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body, serde_json::json!({ "question": "why?", "n": 3 }));
    for s in &seen {
        assert_eq!(s.body, seen[0].body);
        assert_eq!(s.token.as_deref(), Some("secret"));
        assert_eq!(s.content_type.as_deref(), Some("application/json"));
    }
    assert_eq!(
        ctx.ids(),
        [None, Some("0".to_owned()), Some("1".to_owned())]
    );

    // `EventSource::post` with a plain body does the same.
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = EventSource::post(format!("http://{}/post", server.addr))
        .body("plain")
        .initial_retry(Duration::from_millis(10))
        .reconnect_on_end(true)
        .typed::<Num>();
    next_ok(&mut events).await;
    next_ok(&mut events).await;
    assert!(ctx.seen().iter().all(|s| s.body == "plain"));
}

#[tokio::test]
async fn a_post_stream_that_ends_is_not_sent_again_by_default() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = EventSource::post(format!("http://{}/post", server.addr))
        .body("once")
        .initial_retry(Duration::from_millis(10))
        .typed::<Num>();
    assert_eq!(next_ok(&mut events).await.event, Num::Number(0));
    assert!(
        next(&mut events).await.is_none(),
        "the stream ends with its response"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ctx.seen().len(), 1, "the POST was sent again");
    assert_eq!(events.handle().reconnects(), 0);
}

#[tokio::test]
async fn a_silent_connection_is_dropped_after_the_read_timeout() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut events = fast(format!("http://{}/silent", server.addr))
        .read_timeout(Duration::from_millis(300))
        .typed::<Num>();
    let handle = events.handle();
    let disconnects = handle.disconnects();
    assert_eq!(next_ok(&mut events).await.event, Num::Number(0));
    assert_eq!(handle.last_disconnect(), None);
    assert_eq!(next_ok(&mut events).await.event, Num::Number(1));
    // Why and when it reconnected can be read, and awaited.
    assert!(disconnects.has_changed().unwrap());
    let disconnect = handle
        .last_disconnect()
        .expect("a disconnection is recorded");
    assert_eq!(
        disconnect.reason,
        DisconnectReason::ReadTimeout(Duration::from_millis(300))
    );
    assert!(disconnect.at.elapsed().unwrap() < Duration::from_secs(10));

    let seen = ctx.seen();
    let gap = seen[1].at - seen[0].at;
    assert!(
        gap >= Duration::from_millis(300),
        "reconnected after {gap:?}"
    );
    assert_eq!(seen[1].last_event_id.as_deref(), Some("0"));
    assert_eq!(handle.reconnects(), 1);
}

#[tokio::test]
async fn restart_reconnects_at_once_with_last_event_id() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    // Any other reconnection would wait a minute.
    let source = EventSource::get(format!("http://{}/scripted", server.addr))
        .initial_retry(Duration::from_secs(60))
        .max_retry(Duration::from_secs(60));
    let handle = source.handle();
    let mut events = source.typed::<Num>();
    assert_eq!(next_ok(&mut events).await.event, Num::Number(0));

    let started = Instant::now();
    handle.clone().restart();
    assert_eq!(next_ok(&mut events).await.event, Num::Number(1));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(ctx.ids(), [None, Some("0".to_owned())]);
    assert_eq!(handle.reconnects(), 1);
}

#[tokio::test]
async fn the_handle_tells_when_each_connection_opens_and_what_it_resumed_after() {
    let ctx = Ctx::scripted(&[503]);
    let server = serve(&ctx).await;
    let source = fast(format!("http://{}/scripted", server.addr));
    let handle = source.handle();
    let mut opens = handle.opens();
    assert_eq!(handle.last_open(), None);
    let mut events = source.typed::<Num>();
    // The first attempt is refused (a 503): no connection opened by it.
    assert_eq!(next_ok(&mut events).await.event, Num::Number(1));
    let first = handle.last_open().expect("an open connection");
    assert_eq!((first.number, first.last_event_id.as_str()), (1, ""));
    assert_eq!(handle.reconnects(), 1, "the 503 was retried");

    // Waiting for the next one while another task reads, as a test that publishes would.
    opens.borrow_and_update();
    let reading = tokio::spawn(async move { next_ok(&mut events).await.event });
    handle.restart();
    tokio::time::timeout(PATIENCE, opens.changed())
        .await
        .expect("no connection opened")
        .unwrap();
    let second = handle.last_open().unwrap();
    assert_eq!((second.number, second.last_event_id.as_str()), (2, "1"));
    assert_eq!(reading.await.unwrap(), Num::Number(2));
}

#[tokio::test]
async fn skip_undecodable_and_raw_streams() {
    #[sse_events(rename_all = "snake_case")]
    #[derive(Debug, PartialEq)]
    enum OnlyTicks {
        Tick,
    }

    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let url = format!("http://{}/sparse", server.addr);

    // `number` is not an event of `OnlyTicks`: an error item, after which the stream goes on.
    let mut strict = fast(url.clone()).typed::<OnlyTicks>();
    match next(&mut strict).await {
        Some(Err(e @ ClientError::Decode(_))) => assert!(e.is_recoverable()),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(
        next(&mut strict).await.unwrap().unwrap().event,
        OnlyTicks::Tick
    );
    drop(strict);

    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut lenient = fast(format!("http://{}/sparse", server.addr))
        .typed::<OnlyTicks>()
        .skip_undecodable();
    let tick = next(&mut lenient).await.unwrap().unwrap();
    assert_eq!((tick.event, tick.id.as_str()), (OnlyTicks::Tick, "1"));

    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut raw = fast(format!("http://{}/sparse", server.addr)).raw();
    let first = tokio::time::timeout(PATIENCE, raw.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.name(), first.data.as_str(), first.id.as_str()),
        (Some("number"), "1", "1")
    );
}

#[tokio::test]
async fn invalid_requests_are_the_first_item() {
    let mut bad_url = EventSource::get("not a url").typed::<Num>();
    assert!(matches!(
        next(&mut bad_url).await,
        Some(Err(ClientError::InvalidRequest(_)))
    ));
    assert!(next(&mut bad_url).await.is_none());

    let mut bad_header = EventSource::get("http://127.0.0.1:1/")
        .header("x-bad", "line\nbreak")
        .typed::<Num>();
    assert!(matches!(
        next(&mut bad_header).await,
        Some(Err(ClientError::InvalidRequest(_)))
    ));

    let mut bad_id = EventSource::get("http://127.0.0.1:1/")
        .last_event_id("1\n2")
        .typed::<Num>();
    assert!(matches!(
        next(&mut bad_id).await,
        Some(Err(ClientError::InvalidRequest(_)))
    ));
}

#[tokio::test]
async fn an_id_without_data_counts_and_a_bom_after_a_reconnection_is_dropped() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut raw = fast(format!("http://{}/handwritten", server.addr)).raw();
    let event = tokio::time::timeout(PATIENCE, raw.next())
        .await
        .expect("no event in time")
        .unwrap()
        .unwrap();
    assert_eq!(
        (event.data.as_str(), event.id.as_str()),
        ("after the bom", "7")
    );
    let drain = tokio::spawn(async move { while raw.next().await.is_some() {} });
    ctx.wait_for(3).await;
    assert_eq!(
        &ctx.ids()[..3],
        [None, Some("7".to_owned()), Some("7".to_owned())]
    );
    drain.abort();
}

/// A line over the decoder's cap ends the stream with `Limit` after the events before it, and
/// is not read again: a reconnection would meet the same line (unlike a broken connection).
#[tokio::test]
async fn a_line_over_the_cap_is_final() {
    let ctx = Ctx::default();
    let server = serve(&ctx).await;
    let mut raw = fast(format!("http://{}/oversized", server.addr))
        .max_line_len(16)
        .raw();
    let mut items = Vec::new();
    while let Some(item) = tokio::time::timeout(PATIENCE, raw.next()).await.unwrap() {
        items.push(item);
    }
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().data, "short");
    match &items[1] {
        Err(ClientError::Limit(limit)) => assert_eq!(limit.limit(), 16),
        other => panic!("expected a limit error, got {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ctx.seen().len(), 1);
    assert_eq!(raw.handle().reconnects(), 0);
}
