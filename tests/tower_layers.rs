//! tower-http layers around tidings' streams, over a real loopback connection: each composes
//! as a user expects, or the README says what to do instead.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Request, Response, StatusCode};
use tidings::{sse_events, sse_handler, Sender, SseApi};
use tidings_test_support::{get, serve, OpenStream};
use tokio::sync::Semaphore;
use tower_http::auth::AsyncRequireAuthorizationLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::{ResponseBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

#[sse_events(rename_all = "snake_case")]
enum Step {
    Step(u32),
}

/// What the test controls: when the second event may be sent, and how many streams started.
#[derive(Clone)]
struct Gate {
    open: Arc<Semaphore>,
    started: Arc<AtomicUsize>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            open: Arc::new(Semaphore::new(0)),
            started: Arc::default(),
        }
    }
}

/// Sends step 1, waits for the test to open the gate, then sends step 2 and ends.
#[sse_handler(get, "/steps")]
async fn steps(State(gate): State<Gate>, tx: Sender<Step>) {
    gate.started.fetch_add(1, Ordering::SeqCst);
    let _ = tx.send(Step::Step(1)).await;
    if let Ok(permit) = gate.open.acquire().await {
        permit.forget();
    }
    let _ = tx.send(Step::Step(2)).await;
}

/// Sends step 1, stays silent for 600 ms (no keep-alive), then sends step 2.
#[sse_handler(get, "/slow", keep_alive = "off")]
async fn slow(tx: Sender<Step>) {
    let _ = tx.send(Step::Step(1)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let _ = tx.send(Step::Step(2)).await;
}

/// The same, with a keep-alive comment every 100 ms while it is silent.
#[sse_handler(get, "/slow-kept-alive", keep_alive = "100ms")]
async fn slow_kept_alive(tx: Sender<Step>) {
    let _ = tx.send(Step::Step(1)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let _ = tx.send(Step::Step(2)).await;
}

fn router(gate: &Gate) -> axum::Router {
    SseApi::stateful("t", "1")
        .handler(steps)
        .handler(slow)
        .handler(slow_kept_alive)
        .serve_openapi_json("/openapi.json")
        .into_router()
        .with_state(gate.clone())
}

/// Reads step 1, checks step 2 has not come (the handler is waiting for the gate), opens the
/// gate and reads step 2: each event reaches the client before the next is sent.
async fn read_both_steps_as_sent(stream: &mut OpenStream, gate: &Gate) {
    let first = tokio::time::timeout(Duration::from_secs(3), stream.read_until("data:1"))
        .await
        .expect("step 1 held back by the layer");
    assert!(!first.contains("data:2"));
    gate.open.add_permits(1);
    stream.read_until("data:2").await;
}

#[tokio::test]
async fn compression_leaves_event_streams_alone_so_each_event_arrives_as_sent() {
    let gate = Gate::default();
    let server = serve(router(&gate).layer(CompressionLayer::new())).await;
    let accept_gzip = [("accept-encoding", "gzip")];

    // The layer is active: a JSON document is compressed.
    let document = get(server.addr, "/openapi.json", &accept_gzip).await;
    assert_eq!(document.header("content-encoding"), Some("gzip"));

    // tower-http's default predicate skips `text/event-stream`: a compressor would hold events
    // back until its buffer fills.
    let mut stream = get(server.addr, "/steps", &accept_gzip).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.header("content-encoding"), None);
    read_both_steps_as_sent(&mut stream, &gate).await;
}

#[tokio::test]
async fn cors_headers_reach_a_page_on_another_origin_with_and_without_credentials() {
    let gate = Gate::default();
    let page = "http://page.example";

    let anyone = serve(router(&gate).layer(CorsLayer::permissive())).await;
    let mut stream = get(anyone.addr, "/steps", &[("origin", page)]).await;
    assert_eq!(stream.header("access-control-allow-origin"), Some("*"));
    read_both_steps_as_sent(&mut stream, &gate).await;

    // `new EventSource(url, { withCredentials: true })` needs the origin named and credentials
    // allowed; a wildcard would make the browser refuse the stream.
    let with_credentials = CorsLayer::new()
        .allow_origin(page.parse::<header::HeaderValue>().unwrap())
        .allow_credentials(true);
    let named = serve(router(&gate).layer(with_credentials)).await;
    let mut stream = get(named.addr, "/steps", &[("origin", page)]).await;
    assert_eq!(stream.header("access-control-allow-origin"), Some(page));
    assert_eq!(
        stream.header("access-control-allow-credentials"),
        Some("true")
    );
    read_both_steps_as_sent(&mut stream, &gate).await;
}

#[tokio::test]
async fn an_auth_layer_refuses_before_any_stream_starts_and_tracing_changes_nothing() {
    let gate = Gate::default();
    let authorize = |request: Request<Body>| async move {
        let bearer = request.headers().get(header::AUTHORIZATION);
        if bearer.is_some_and(|value| value == "Bearer secret") {
            Ok(request)
        } else {
            let mut refused = Response::new(Body::from("a bearer token is required"));
            *refused.status_mut() = StatusCode::UNAUTHORIZED;
            Err(refused)
        }
    };
    let app = router(&gate)
        .layer(AsyncRequireAuthorizationLayer::new(authorize))
        .layer(TraceLayer::new_for_http());
    let server = serve(app).await;

    let mut refused = get(server.addr, "/steps", &[]).await;
    assert_eq!(refused.head.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.read_to_end().await, "a bearer token is required");
    assert_eq!(gate.started.load(Ordering::SeqCst), 0, "no handler ran");

    let mut stream = get(server.addr, "/steps", &[("authorization", "Bearer secret")]).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    read_both_steps_as_sent(&mut stream, &gate).await;
    assert_eq!(gate.started.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_timeout_layer_bounds_the_head_not_the_stream() {
    let gate = Gate::default();
    let timeout =
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_millis(300));
    let server = serve(router(&gate).layer(timeout)).await;
    // The head leaves at the first event, well within 300 ms; the stream then outlives it.
    let mut stream = get(server.addr, "/slow", &[]).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    let body = stream.read_to_end().await;
    assert!(body.contains("data:1") && body.contains("data:2"), "{body}");
}

#[tokio::test]
async fn a_body_timeout_cuts_a_silent_stream_unless_keep_alive_is_shorter() {
    let gate = Gate::default();
    let app = router(&gate).layer(ResponseBodyTimeoutLayer::new(Duration::from_millis(300)));
    let server = serve(app).await;

    // 600 ms of silence exceeds the 300 ms between body frames: the stream is cut after step 1.
    let mut silent = get(server.addr, "/slow", &[]).await;
    let mut received = String::new();
    while let Some(chunk) = silent.try_next_chunk().await {
        received.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(received.contains("data:1"), "{received}");
    assert!(!received.contains("data:2"), "{received}");

    // A keep-alive comment every 100 ms is a body frame: the stream lives on.
    let mut kept = get(server.addr, "/slow-kept-alive", &[]).await;
    let body = kept.read_to_end().await;
    assert!(body.contains("data:2"), "{body}");
}

/// The README's auth middleware, as written there.
async fn require_bearer(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match request.headers().get(header::AUTHORIZATION) {
        Some(token) if token == "Bearer secret" => next.run(request).await,
        _ => (StatusCode::UNAUTHORIZED, "a bearer token is required").into_response(),
    }
}

/// The README's whole stack, in its order: a browser's preflight (no token) gets through CORS,
/// a request without a token gets `401` with CORS headers and starts no stream, and a stream
/// with one flows event by event, uncompressed, while the document is compressed.
#[tokio::test]
async fn the_readme_stack_answers_preflights_refuses_without_a_token_and_streams_with_one() {
    let gate = Gate::default();
    let app = router(&gate)
        .layer(axum::middleware::from_fn(require_bearer))
        .layer(CompressionLayer::new())
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http());
    let server = serve(app).await;
    let origin = ("origin", "http://page.example");

    let preflight = Request::options(format!("http://{}/steps", server.addr))
        .header("host", "test")
        .header(origin.0, origin.1)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(String::new())
        .unwrap();
    let preflight = tidings_test_support::request(server.addr, preflight).await;
    assert_eq!(preflight.head.status, StatusCode::OK);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));

    let mut refused = get(server.addr, "/steps", &[origin]).await;
    assert_eq!(refused.head.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("access-control-allow-origin"), Some("*"));
    assert_eq!(refused.read_to_end().await, "a bearer token is required");
    assert_eq!(gate.started.load(Ordering::SeqCst), 0, "no handler ran");

    let token = ("authorization", "Bearer secret");
    let gzip = ("accept-encoding", "gzip");
    let mut stream = get(server.addr, "/steps", &[origin, token, gzip]).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.header("content-encoding"), None);
    read_both_steps_as_sent(&mut stream, &gate).await;

    let document = get(server.addr, "/openapi.json", &[token, gzip]).await;
    assert_eq!(document.header("content-encoding"), Some("gzip"));
}
