//! A maximum stream age: a stream that reaches it ends with its handler's `on_max_age` event and
//! a `retry:` hint (or the hint alone), its handler is dropped, and a client reconnects with its
//! `Last-Event-ID`. Per handler (`max_age`) over per API (`SseApi::max_stream_age`); both in the
//! API document. On real sockets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use futures::StreamExt;
use tidings::{sse_events, sse_handler, LastEventId, Message, Sender, SseApi};
use tidings_test_support::{get, request_h2, serve, PATIENCE};

#[sse_events(rename_all = "snake_case")]
#[derive(Debug, PartialEq)]
enum Feed {
    Tick(u64),
    /// This stream is over: reconnect (maybe elsewhere) with your last id.
    Reconnect,
}

/// What the handlers saw: the `Last-Event-ID` of each request, and how many run now.
#[derive(Clone, Default)]
struct Seen {
    ids: Arc<Mutex<Vec<Option<String>>>>,
    running: Arc<AtomicUsize>,
}

struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Ticks every 20 ms, numbered on from the client's last id, for as long as it may.
async fn tick(seen: Seen, last: LastEventId, tx: Sender<Feed>) {
    seen.ids.lock().unwrap().push(last.0.clone());
    seen.running.fetch_add(1, Ordering::SeqCst);
    let _running = Running(seen.running.clone());
    let mut n = last
        .0
        .and_then(|id| id.parse::<u64>().ok())
        .map_or(0, |id| id + 1);
    loop {
        if tx.send(Message::new(Feed::Tick(n)).id(n)).await.is_err() {
            return;
        }
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Lasts at most 300 ms, then says `reconnect`.
#[sse_handler(get, "/aged", max_age = "300ms", on_max_age = Feed::Reconnect)]
async fn aged(State(seen): State<Seen>, last: LastEventId, tx: Sender<Feed>) {
    tick(seen, last, tx).await;
}

/// No age of its own: the API's applies.
#[sse_handler(get, "/plain")]
async fn plain(State(seen): State<Seen>, last: LastEventId, tx: Sender<Feed>) {
    tick(seen, last, tx).await;
}

/// An age of its own, longer than the API's.
#[sse_handler(get, "/long", max_age = "1h")]
async fn long(State(seen): State<Seen>, last: LastEventId, tx: Sender<Feed>) {
    tick(seen, last, tx).await;
}

fn api() -> SseApi<Seen> {
    SseApi::stateful("Ages", "1")
        .max_stream_age(Duration::from_millis(200))
        .handler(aged)
        .handler(plain)
        .handler(long)
}

async fn server() -> (tidings_test_support::TestServer, Seen) {
    let seen = Seen::default();
    let server = serve(api().into_router().with_state(seen.clone())).await;
    (server, seen)
}

/// The whole body of `path`, which must end by itself.
async fn whole_body(addr: std::net::SocketAddr, path: &str) -> String {
    get(addr, path, &[]).await.read_to_end().await
}

/// `/aged` ended at its age with its `on_max_age` event and the `retry:` hint, and its
/// handler is gone.
fn assert_ended_at_age(body: &str, seen: &Seen) {
    assert!(
        body.ends_with("\n\nevent:reconnect\ndata:\nretry:1000\n\n"),
        "{body:?}"
    );
    assert_eq!(
        seen.running.load(Ordering::SeqCst),
        0,
        "the handler still runs"
    );
}

#[tokio::test]
async fn a_stream_ends_at_its_age_with_its_event_and_a_retry_hint_and_its_handler_goes() {
    let (server, seen) = server().await;
    let body = whole_body(server.addr, "/aged").await;
    assert!(body.starts_with("event:tick\ndata:0\nid:0\n\n"), "{body:?}");
    assert_ended_at_age(&body, &seen);
}

#[tokio::test]
async fn the_apis_age_applies_to_handlers_without_their_own_and_ends_with_the_hint_alone() {
    let (server, _seen) = server().await;
    let body = whole_body(server.addr, "/plain").await;
    assert!(body.contains("event:tick"), "{body:?}");
    assert!(body.ends_with("\n\nretry:1000\n\n"), "{body:?}");

    // A handler's own age comes first: the API's 200 ms do not end it.
    let mut lasting = get(server.addr, "/long", &[]).await;
    let until = tokio::time::Instant::now() + Duration::from_millis(800);
    while tokio::time::Instant::now() < until {
        assert!(
            lasting.next_chunk().await.is_some(),
            "the API's age ended it"
        );
    }
}

#[tokio::test]
async fn a_client_reconnects_after_the_age_and_resumes_with_its_last_id() {
    let (server, seen) = server().await;
    let mut events =
        tidings::client::EventSource::get(format!("http://{}/aged", server.addr)).typed::<Feed>();
    let mut ticks = Vec::new();
    let mut reconnects_told = 0;
    let read = async {
        while seen.ids.lock().unwrap().len() < 3 {
            match events
                .next()
                .await
                .expect("the client stopped")
                .unwrap()
                .event
            {
                Feed::Tick(n) => ticks.push(n),
                Feed::Reconnect => reconnects_told += 1,
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("no reconnection");
    assert!(reconnects_told >= 2, "{reconnects_told}");
    // Every tick once, in order, across the connections.
    assert_eq!(ticks, (0..ticks.len() as u64).collect::<Vec<_>>());
    let ids = seen.ids.lock().unwrap().clone();
    assert_eq!(ids[0], None);
    for id in &ids[1..] {
        assert!(
            id.is_some(),
            "a reconnection without Last-Event-ID: {ids:?}"
        );
    }
}

#[test]
fn the_document_says_how_long_a_stream_lasts_and_how_it_ends() {
    let doc = api().openapi_json();
    let description = |path: &str| {
        doc["paths"][path]["get"]["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        description("/aged").contains(
            "A stream lasts at most 300 ms, then ends with a `reconnect` event and a `retry:` hint"
        ),
        "{}",
        description("/aged")
    );
    assert!(description("/plain")
        .contains("A stream lasts at most 200 ms, then ends with a `retry:` hint"));
    assert!(description("/long").contains("at most 1 h"));
}

#[tokio::test]
async fn over_http2_a_stream_ends_at_its_age_the_same_way() {
    let (server, seen) = server().await;
    let request = http::Request::get("http://test/aged")
        .body(String::new())
        .unwrap();
    let body = request_h2(server.addr, request).await.read_to_end().await;
    assert_ended_at_age(&body, &seen);
}
