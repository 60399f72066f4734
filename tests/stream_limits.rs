//! Caps on open streams (per API and per handler) refuse one more with `503` and `Retry-After`
//! before its handler runs, and admit again once a stream ends; a POST body over axum's limit
//! is a `413`. Both are in the API document.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use http::StatusCode;
use tidings::testing::{TestClient, TestStream};
use tidings::{sse_events, sse_handler, Sender, SseApi};

#[sse_events(rename_all = "snake_case")]
#[derive(Debug, PartialEq)]
enum Tick {
    Tick,
}

/// How many handlers ever ran.
#[derive(Clone, Default)]
struct Ran(Arc<AtomicUsize>);

/// One tick, then open until the client leaves.
#[sse_handler(get, "/open")]
async fn open(State(ran): State<Ran>, tx: Sender<Tick>) {
    ran.0.fetch_add(1, Ordering::SeqCst);
    let _ = tx.send(Tick::Tick).await;
    tx.closed().await;
}

/// The cap of `/pair`, a constant that the test reads too.
const PAIR: usize = 2;

/// The same, with a cap of its own.
#[sse_handler(get, "/single", max_streams = 1)]
async fn single(State(ran): State<Ran>, tx: Sender<Tick>) {
    ran.0.fetch_add(1, Ordering::SeqCst);
    let _ = tx.send(Tick::Tick).await;
    tx.closed().await;
}

/// The same, with a cap given as a constant.
#[sse_handler(get, "/pair", max_streams = PAIR)]
async fn pair(State(ran): State<Ran>, tx: Sender<Tick>) {
    ran.0.fetch_add(1, Ordering::SeqCst);
    let _ = tx.send(Tick::Tick).await;
    tx.closed().await;
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Upload {
    text: String,
}

/// Echoes a posted text.
#[sse_handler(post, "/upload")]
async fn upload(tx: Sender<Tick>, Json(body): Json<Upload>) {
    let _ = body.text;
    let _ = tx.send(Tick::Tick).await;
}

fn api() -> SseApi<Ran> {
    SseApi::stateful("t", "1")
        .handler(open)
        .handler(single)
        .handler(pair)
        .handler(upload)
        .max_streams(3)
}

fn client(ran: &Ran) -> TestClient {
    TestClient::new(api().into_router().with_state(ran.clone()))
}

async fn admitted(client: &TestClient, path: &str) -> TestStream {
    let mut stream = client.get(path).await;
    assert_eq!(stream.status(), StatusCode::OK, "{path}");
    assert_eq!(
        stream.next::<Tick>().await.unwrap().unwrap().event,
        Tick::Tick
    );
    stream
}

async fn assert_refused(client: &TestClient, path: &str) {
    let refused = client.get(path).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
    assert_eq!(refused.headers()["retry-after"], "5");
    assert_eq!(
        refused.text().await.unwrap(),
        "too many open streams: try again later"
    );
}

#[tokio::test]
async fn a_stream_over_a_handlers_cap_is_refused_until_one_ends() {
    let ran = Ran::default();
    let client = client(&ran);
    let first = admitted(&client, "/single").await;
    assert_refused(&client, "/single").await;
    assert_eq!(
        ran.0.load(Ordering::SeqCst),
        1,
        "the refused handler never ran"
    );
    // Other handlers are not held by this one's cap.
    let _other = admitted(&client, "/open").await;
    drop(first);
    let _again = admitted(&client, "/single").await;
}

#[tokio::test]
async fn a_stream_over_the_apis_cap_is_refused_whatever_its_handler() {
    let ran = Ran::default();
    let client = client(&ran);
    let mut open_streams = Vec::new();
    for path in ["/open", "/open", "/single"] {
        open_streams.push(admitted(&client, path).await);
    }
    assert_refused(&client, "/open").await;
    assert_eq!(ran.0.load(Ordering::SeqCst), 3);
    open_streams.pop();
    let _again = admitted(&client, "/open").await;
}

/// A cap of `0` given at run time (read from configuration, say) refuses every stream.
#[tokio::test]
async fn an_api_cap_of_zero_refuses_every_stream() {
    let ran = Ran::default();
    let closed = api().max_streams(0).into_router().with_state(ran.clone());
    let client = TestClient::new(closed);
    assert_refused(&client, "/open").await;
    assert_refused(&client, "/single").await;
    assert_eq!(ran.0.load(Ordering::SeqCst), 0, "no handler ran");
}

#[tokio::test]
async fn a_post_body_over_axums_limit_is_a_413() {
    let client = client(&Ran::default());
    let huge = "x".repeat(3 * 1024 * 1024);
    let refused = client
        .post_json("/upload", &serde_json::json!({ "text": huge }))
        .await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let accepted = client
        .post_json("/upload", &serde_json::json!({ "text": "small" }))
        .await;
    assert_eq!(accepted.collect::<Tick>().await.unwrap(), [Tick::Tick]);
}

#[test]
fn the_document_lists_the_503_with_retry_after_where_a_cap_applies() {
    let doc = api().openapi_json();
    for path in ["/open", "/single"] {
        let refused = &doc["paths"][path]["get"]["responses"]["503"];
        assert!(refused["description"]
            .as_str()
            .unwrap()
            .contains("Too many streams"));
        assert_eq!(
            refused["headers"]["Retry-After"]["schema"]["type"],
            "integer"
        );
    }
    let uncapped = SseApi::stateful("t", "1").handler(open).openapi_json();
    assert!(uncapped["paths"]["/open"]["get"]["responses"]["503"].is_null());
    let only_handler = SseApi::stateful("t", "1")
        .handler(open)
        .handler(single)
        .openapi_json();
    assert!(only_handler["paths"]["/open"]["get"]["responses"]["503"].is_null());
    assert!(only_handler["paths"]["/single"]["get"]["responses"]["503"].is_object());
}

#[tokio::test]
async fn a_cap_given_as_a_constant_is_the_handlers_cap() {
    let client = client(&Ran::default());
    let mut open_streams = Vec::new();
    for _ in 0..PAIR {
        open_streams.push(admitted(&client, "/pair").await);
    }
    assert_refused(&client, "/pair").await;
    assert_eq!(
        api()
            .handlers()
            .find(|meta| meta.path == "/pair")
            .unwrap()
            .max_streams,
        Some(PAIR)
    );
}
