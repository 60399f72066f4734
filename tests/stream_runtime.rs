//! The streaming runtime over a real TCP socket: response head, error before the first event,
//! open deadline, disconnect, panic isolation, POST streams, ids, helpers, graceful shutdown.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tidings::{
    sse_events, sse_handler, Error, EventId, KeepAlive, LastEventId, Message, Sender, Shutdown,
    SseApi,
};
use tidings_test_support::{get, request, request_h2, serve, PATIENCE};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
struct Point {
    x: i32,
    y: i32,
}

/// The events of these tests, one of each kind.
#[sse_events(rename_all = "kebab-case")]
#[derive(Debug, Clone, PartialEq)]
enum TestEvent {
    Moved(Point),
    Said {
        text: String,
    },
    #[sse(raw)]
    Line(String),
    #[sse(default)]
    Plain(String),
    Beat,
}

#[derive(Debug)]
enum TestError {
    Missing(String),
    Send(Error),
}

impl From<Error> for TestError {
    fn from(e: Error) -> Self {
        TestError::Send(e)
    }
}

impl axum::response::IntoResponse for TestError {
    fn into_response(self) -> axum::response::Response {
        match self {
            TestError::Missing(what) => (StatusCode::NOT_FOUND, format!("no such thing: {what}")),
            TestError::Send(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
        .into_response()
    }
}

#[sse_handler(get, "/kinds")]
async fn every_kind(tx: Sender<TestEvent>) -> Result<(), Error> {
    tx.send(Message::new(TestEvent::Moved(Point { x: 1, y: -2 })).id(1))
        .await?;
    tx.send(TestEvent::Said {
        text: "two\nlines".into(),
    })
    .await?;
    tx.send(TestEvent::Line("raw\r\nlines\rhere".into()))
        .await?;
    tx.send(Message::new(TestEvent::Plain("hello".into())).retry(Duration::from_millis(1500)))
        .await?;
    tx.send(Message::new(TestEvent::Beat).comment("a\nb"))
        .await?;
    tx.comment("bye").await
}

#[tokio::test]
async fn head_and_every_event_kind_on_the_wire() {
    let server = serve(SseApi::new("t", "1").handler(every_kind).into_router()).await;
    let mut stream = get(server.addr, "/kinds", &[]).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    assert_eq!(stream.header("cache-control"), Some("no-cache"));
    assert_eq!(stream.header("x-accel-buffering"), Some("no"));
    assert_eq!(stream.header("content-length"), None);
    assert_eq!(
        stream.read_to_end().await,
        "event:moved\ndata:{\"x\":1,\"y\":-2}\nid:1\n\n\
         event:said\ndata:{\"text\":\"two\\nlines\"}\n\n\
         event:line\ndata:raw\ndata:lines\ndata:here\n\n\
         data:\"hello\"\nretry:1500\n\n\
         :a\n:b\nevent:beat\ndata:\n\n\
         :bye\n\n"
    );
}

#[tokio::test]
async fn streams_work_over_http2() {
    let server = serve(SseApi::new("t", "1").handler(every_kind).into_router()).await;
    let request = http::Request::get(format!("http://{}/kinds", server.addr))
        .body(String::new())
        .unwrap();
    let mut stream = request_h2(server.addr, request).await;
    assert_eq!(stream.head.version, http::Version::HTTP_2);
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
    let text = stream.read_to_end().await;
    assert!(
        text.starts_with("event:moved\ndata:{\"x\":1,\"y\":-2}\nid:1\n\n"),
        "{text:?}"
    );
    assert!(text.ends_with(":bye\n\n"));
}

#[sse_handler(get, "/things/{name}")]
async fn thing(Path(name): Path<String>, tx: Sender<TestEvent>) -> Result<(), TestError> {
    if name != "known" {
        return Err(TestError::Missing(name));
    }
    tx.send(TestEvent::Beat).await?;
    Ok(())
}

#[tokio::test]
async fn error_before_first_event_is_a_real_http_error() {
    let server = serve(SseApi::new("t", "1").handler(thing).into_router()).await;
    let mut missing = get(server.addr, "/things/unknown", &[]).await;
    assert_eq!(missing.head.status, StatusCode::NOT_FOUND);
    assert_ne!(missing.header("content-type"), Some("text/event-stream"));
    assert_eq!(missing.read_to_end().await, "no such thing: unknown");

    let mut known = get(server.addr, "/things/known", &[]).await;
    assert_eq!(known.head.status, StatusCode::OK);
    assert_eq!(known.read_to_end().await, "event:beat\ndata:\n\n");
}

#[sse_handler(get, "/late")]
async fn late_then_fail(tx: Sender<TestEvent>) -> Result<(), TestError> {
    tx.send(TestEvent::Beat).await?;
    Err(TestError::Missing("after the first event".into()))
}

#[tokio::test]
async fn error_after_first_event_ends_the_stream_and_keeps_the_200() {
    let server = serve(SseApi::new("t", "1").handler(late_then_fail).into_router()).await;
    let mut stream = get(server.addr, "/late", &[]).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.read_to_end().await, "event:beat\ndata:\n\n");
}

#[sse_handler(get, "/slow")]
async fn slow_first_event(tx: Sender<TestEvent>) -> Result<(), Error> {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    tx.send(TestEvent::Beat).await
}

#[tokio::test]
async fn head_is_sent_at_the_open_deadline_without_waiting_for_an_event() {
    let server = serve(
        SseApi::new("t", "1")
            .open_deadline(Duration::from_millis(50))
            .handler(slow_first_event)
            .into_router(),
    )
    .await;
    // `get` fails the test if the head takes longer than PATIENCE; the event takes an hour.
    let stream = get(server.addr, "/slow", &[]).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));
}

#[sse_handler(get, "/idle")]
async fn idle_until_gone(tx: Sender<TestEvent>) -> Result<(), Error> {
    tx.open().await?;
    tx.closed().await;
    Ok(())
}

#[tokio::test]
async fn a_handler_that_opens_its_stream_sends_its_head_at_once() {
    let server = serve(
        SseApi::new("t", "1")
            .open_deadline(Duration::from_secs(3600))
            .handler(idle_until_gone)
            .into_router(),
    )
    .await;
    let stream = tokio::time::timeout(Duration::from_secs(2), get(server.addr, "/idle", &[]))
        .await
        .expect("the head came without waiting for the open deadline");
    assert_eq!(stream.head.status, StatusCode::OK);
}

/// Selects on `closed` beside work that fails before the first event.
#[sse_handler(get, "/work-fails")]
async fn work_fails_beside_closed(tx: Sender<TestEvent>) -> Result<(), TestError> {
    tokio::select! {
        () = tx.closed() => Ok(()),
        () = tokio::time::sleep(Duration::from_millis(10)) => {
            Err(TestError::Missing("the work's input".into()))
        }
    }
}

#[tokio::test]
async fn waiting_on_closed_beside_work_keeps_an_early_failure_its_own_response() {
    let server = serve(
        SseApi::new("t", "1")
            .handler(work_fails_beside_closed)
            .into_router(),
    )
    .await;
    let stream = get(server.addr, "/work-fails", &[]).await;
    assert_eq!(stream.head.status, StatusCode::NOT_FOUND);
}

#[sse_handler(get, "/poll-fails")]
async fn poll_fails_at_once(tx: Sender<TestEvent>) -> Result<(), TestError> {
    tx.every(Duration::from_millis(10), || async {
        Err::<Option<TestEvent>, _>(TestError::Missing("the data to poll".into()))
    })
    .await
}

#[tokio::test]
async fn a_polling_handler_that_fails_before_its_first_event_answers_with_its_error() {
    let server = serve(
        SseApi::new("t", "1")
            .handler(poll_fails_at_once)
            .into_router(),
    )
    .await;
    let stream = get(server.addr, "/poll-fails", &[]).await;
    assert_eq!(stream.head.status, StatusCode::NOT_FOUND);
}

/// Counts handlers whose future is alive, to prove none outlives its connection.
#[derive(Clone, Default)]
struct Live(Arc<AtomicUsize>);

struct LiveGuard(Arc<AtomicUsize>);

impl Live {
    fn enter(&self) -> LiveGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        LiveGuard(self.0.clone())
    }

    async fn wait_for(&self, count: usize) {
        tokio::time::timeout(PATIENCE, async {
            while self.0.load(Ordering::SeqCst) != count {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{} live handlers, expected {count}",
                self.0.load(Ordering::SeqCst)
            )
        });
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[sse_handler(get, "/forever")]
async fn forever(State(live): State<Live>, tx: Sender<TestEvent>) -> Result<(), Error> {
    let _guard = live.enter();
    loop {
        tx.send(TestEvent::Beat).await?;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn disconnect_stops_the_handler_and_nothing_outlives_it() {
    let live = Live::default();
    let server = serve(
        SseApi::stateful("t", "1")
            .handler(forever)
            .into_router()
            .with_state(live.clone()),
    )
    .await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut stream = get(server.addr, "/forever", &[]).await;
        stream.read_until("event:beat").await;
        streams.push(stream);
    }
    live.wait_for(3).await;
    drop(streams);
    live.wait_for(0).await;
}

#[sse_handler(get, "/panics")]
async fn panics_after_first_event(tx: Sender<TestEvent>) -> Result<(), Error> {
    tx.send(TestEvent::Beat).await?;
    tokio::time::sleep(Duration::from_millis(20)).await;
    panic!("handler bug");
}

#[sse_handler(get, "/panics-early")]
async fn panics_before_first_event(_tx: Sender<TestEvent>) {
    panic!("handler bug before anything was sent");
}

#[tokio::test]
async fn a_panicking_handler_ends_only_its_own_stream() {
    let live = Live::default();
    let server = serve(
        SseApi::stateful("t", "1")
            .handler(forever)
            .handler(panics_after_first_event)
            .handler(panics_before_first_event)
            .into_router()
            .with_state(live.clone()),
    )
    .await;
    let mut healthy = get(server.addr, "/forever", &[]).await;
    healthy.read_until("event:beat").await;

    let mut doomed = get(server.addr, "/panics", &[]).await;
    assert_eq!(doomed.head.status, StatusCode::OK);
    assert_eq!(doomed.read_to_end().await, "event:beat\ndata:\n\n");

    let early = get(server.addr, "/panics-early", &[]).await;
    assert_eq!(early.head.status, StatusCode::INTERNAL_SERVER_ERROR);

    // The concurrent stream carries on, and the server still takes new streams.
    let before = healthy.read_until("event:beat").await;
    assert!(before.contains("event:beat"));
    let mut fresh = get(server.addr, "/forever", &[]).await;
    fresh.read_until("event:beat").await;
}

#[derive(Deserialize, schemars::JsonSchema)]
struct Prompt {
    words: Vec<String>,
}

#[sse_handler(post, "/complete")]
async fn complete(tx: Sender<TestEvent>, Json(prompt): Json<Prompt>) -> Result<(), Error> {
    for word in prompt.words {
        tx.send(TestEvent::Line(word)).await?;
    }
    Ok(())
}

#[tokio::test]
async fn post_streams_take_a_json_body() {
    let server = serve(SseApi::new("t", "1").handler(complete).into_router()).await;
    let request_with = |body: &str| {
        http::Request::post(format!("http://{}/complete", server.addr))
            .header("host", "test")
            .header("content-type", "application/json")
            .body(body.to_owned())
            .unwrap()
    };
    let mut stream = request(server.addr, request_with(r#"{"words":["a","b"]}"#)).await;
    assert_eq!(stream.head.status, StatusCode::OK);
    assert_eq!(
        stream.read_to_end().await,
        "event:line\ndata:a\n\nevent:line\ndata:b\n\n"
    );

    let rejected = request(server.addr, request_with("not json")).await;
    assert_eq!(rejected.head.status, StatusCode::BAD_REQUEST);

    let wrong_method = get(server.addr, "/complete", &[]).await;
    assert_eq!(wrong_method.head.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[sse_handler(get, "/ids")]
async fn bad_ids(tx: Sender<TestEvent>) -> Result<(), Error> {
    tx.send(Message::new(TestEvent::Beat).id(4)).await?;
    // Text is checked where the id is made; `?` turns a refusal into `Error::Encode`.
    let id = EventId::new("5\nevent: spoofed")?;
    tx.send(Message::new(TestEvent::Beat).id(id)).await
}

#[test]
fn ids_with_line_breaks_or_nul_cannot_be_made() {
    for id in ["1\nevent: spoofed", "2\r", "3\0"] {
        let refused = EventId::new(id).unwrap_err();
        assert_eq!(refused.field(), "id");
        assert!(EventId::try_from(id.to_owned()).is_err());
        assert!(matches!(Error::from(refused), Error::Encode(_)));
    }
    assert_eq!(
        EventId::try_from("").unwrap().as_str(),
        "",
        "the empty id resets"
    );
    assert_eq!(EventId::from(42u64).as_str(), "42");
}

#[tokio::test]
async fn a_refused_id_ends_the_stream_and_nothing_is_injected() {
    let server = serve(SseApi::new("t", "1").handler(bad_ids).into_router()).await;
    let mut stream = get(server.addr, "/ids", &[]).await;
    assert_eq!(stream.read_to_end().await, "event:beat\ndata:\nid:4\n\n");
}

#[sse_handler(get, "/resume")]
async fn resume(last: LastEventId, tx: Sender<TestEvent>) -> Result<(), Error> {
    let text = match last.as_deref() {
        Some(id) => format!("after {id}"),
        None => "from the start".to_owned(),
    };
    tx.send(TestEvent::Plain(text)).await
}

#[tokio::test]
async fn last_event_id_is_absent_present_or_rejected() {
    let server = serve(SseApi::new("t", "1").handler(resume).into_router()).await;
    let mut fresh = get(server.addr, "/resume", &[]).await;
    assert_eq!(fresh.read_to_end().await, "data:\"from the start\"\n\n");

    let mut resumed = get(server.addr, "/resume", &[("last-event-id", "41")]).await;
    assert_eq!(resumed.read_to_end().await, "data:\"after 41\"\n\n");

    let long = "x".repeat(LastEventId::MAX_LEN + 1);
    let mut too_long = get(server.addr, "/resume", &[("last-event-id", &long)]).await;
    assert_eq!(too_long.head.status, StatusCode::BAD_REQUEST);
    assert!(too_long.read_to_end().await.contains("at most 1024"));

    let mut builder = http::Request::get(format!("http://{}/resume", server.addr));
    builder = builder.header("host", "t").header(
        "last-event-id",
        http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
    );
    let mut not_utf8 = request(server.addr, builder.body(String::new()).unwrap()).await;
    assert_eq!(not_utf8.head.status, StatusCode::BAD_REQUEST);
    assert!(not_utf8.read_to_end().await.contains("UTF-8"));
}

/// A page that opens a new `EventSource` cannot set the header: the query parameter stands in
/// for it, percent-decoded, and the header wins when both are sent.
#[tokio::test]
async fn last_event_id_is_read_from_the_query_when_the_header_is_absent() {
    let server = serve(SseApi::new("t", "1").handler(resume).into_router()).await;
    let body = |path: &'static str, headers: &'static [(&'static str, &'static str)]| async move {
        get(server.addr, path, headers).await.read_to_end().await
    };
    assert_eq!(
        body("/resume?x=1&lastEventId=room%207%3A41", &[]).await,
        "data:\"after room 7:41\"\n\n"
    );
    assert_eq!(
        body("/resume?lastEventId=1", &[("last-event-id", "2")]).await,
        "data:\"after 2\"\n\n"
    );
    assert_eq!(
        body("/resume?other=1", &[]).await,
        "data:\"from the start\"\n\n"
    );

    let long = format!(
        "/resume?lastEventId={}",
        "x".repeat(LastEventId::MAX_LEN + 1)
    );
    let too_long = get(server.addr, &long, &[]).await;
    assert_eq!(too_long.head.status, StatusCode::BAD_REQUEST);
    // Refused with the header too: the header's value is used, but every part of the request
    // is checked against what the document says of it (schemathesis found this).
    let too_long = get(server.addr, &long, &[("last-event-id", "2")]).await;
    assert_eq!(too_long.head.status, StatusCode::BAD_REQUEST);
}

#[sse_handler(get, "/forward")]
async fn forwarded(tx: Sender<TestEvent>) -> Result<(), Error> {
    let points = (0..3).map(|x| Message::new(TestEvent::Moved(Point { x, y: 0 })).id(x));
    tx.forward(futures::stream::iter(points)).await
}

#[tokio::test]
async fn forward_sends_every_item_of_a_stream() {
    let server = serve(SseApi::new("t", "1").handler(forwarded).into_router()).await;
    let text = get(server.addr, "/forward", &[]).await.read_to_end().await;
    let ids: Vec<_> = text.lines().filter_map(|l| l.strip_prefix("id:")).collect();
    assert_eq!(ids, ["0", "1", "2"]);
}

#[sse_handler(get, "/poll")]
async fn polled(State(live): State<Live>, tx: Sender<TestEvent>) {
    // The producer runs in a task of its own, which outlives the handler's future: `every`
    // returns once the client leaves, and the code after it runs.
    tokio::spawn(async move {
        let _guard = live.enter();
        let mut n = 0;
        let ended = tx
            .every(Duration::from_millis(5), || {
                n += 1;
                // Every other tick has nothing new.
                let event = (n % 2 == 0).then(|| TestEvent::Plain(format!("tick {n}")));
                async move { Ok::<_, Error>(event) }
            })
            .await;
        assert!(ended.is_ok());
        live.0.fetch_add(100, Ordering::SeqCst);
    });
}

#[tokio::test]
async fn every_polls_a_producer_and_returns_when_the_client_leaves() {
    let live = Live::default();
    let server = serve(
        SseApi::stateful("t", "1")
            .handler(polled)
            .into_router()
            .with_state(live.clone()),
    )
    .await;
    let mut stream = get(server.addr, "/poll", &[]).await;
    let text = stream.read_until("tick 6").await;
    assert!(
        text.starts_with("data:\"tick 2\"\n\ndata:\"tick 4\"\n\n"),
        "{text:?}"
    );
    drop(stream);
    // Entered (+1), the line after `every` ran (+100), and the task ended (-1).
    live.wait_for(100).await;
}

#[sse_handler(get, "/hold", keep_alive = "off")]
async fn hold(tx: Sender<TestEvent>) -> Result<(), Error> {
    tx.send(TestEvent::Beat).await?;
    tx.closed().await;
    Ok(())
}

#[tokio::test]
async fn shutdown_ends_open_streams_so_graceful_shutdown_completes() {
    let shutdown = Shutdown::new();
    let app = SseApi::new("t", "1")
        .handler(hold)
        .shutdown(shutdown.clone())
        .keep_alive(KeepAlive::off())
        .into_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let signal = shutdown.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { signal.triggered().await })
            .await
    });
    let mut stream = get(addr, "/hold", &[]).await;
    stream.read_until("event:beat").await;
    shutdown.trigger();
    assert_eq!(stream.next_chunk().await, None, "the stream ends");
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("graceful shutdown completes")
        .unwrap()
        .unwrap();
}

#[sse_handler(get, "/both")]
async fn handler_and_task_send(tx: Sender<TestEvent>) -> Result<(), Error> {
    let spawned = tx.clone();
    tokio::spawn(async move {
        for n in 0..100 {
            let _ = spawned.send(TestEvent::Line(format!("task {n}"))).await;
            tokio::task::yield_now().await;
        }
    });
    for n in 0..100 {
        tx.send(TestEvent::Line(format!("handler {n}"))).await?;
        tokio::task::yield_now().await;
    }
    tx.closed().await;
    Ok(())
}

/// The body skips waking its own task for frames the handler sends while it polls it; frames
/// from another thread at that moment must still be picked up, down to the last one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_from_the_handler_and_a_spawned_task_at_once_all_arrive() {
    let server = serve(
        SseApi::new("t", "1")
            .handler(handler_and_task_send)
            .into_router(),
    )
    .await;
    for _ in 0..20 {
        let mut stream = get(server.addr, "/both", &[]).await;
        let mut text = String::new();
        while !(text.contains("data:task 99\n") && text.contains("data:handler 99\n")) {
            let chunk = stream.next_chunk().await.expect("the stream stalled");
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        assert_eq!(text.matches("data:").count(), 200);
    }
}
