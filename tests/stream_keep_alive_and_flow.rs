//! Keep-alive timing, coalescing and backpressure, in-process on tokio's paused clock so the
//! timing is exact and the tests take no real time.

use http_body_util::BodyExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tidings::{sse_events, sse_handler, Error, KeepAlive, Sender, SseApi};
use tokio::time::Instant;
use tower::ServiceExt;

#[sse_events]
enum Pulse {
    Beat,
}

/// One event now, one 40 s later, then silence until the client leaves.
#[sse_handler(get, "/pulse")]
async fn pulse(tx: Sender<Pulse>) -> Result<(), Error> {
    tx.send(Pulse::Beat).await?;
    tokio::time::sleep(Duration::from_secs(40)).await;
    tx.send(Pulse::Beat).await?;
    tx.closed().await;
    Ok(())
}

#[sse_handler(get, "/fast-pulse", keep_alive = "5s")]
async fn fast_pulse(tx: Sender<Pulse>) -> Result<(), Error> {
    tx.send(Pulse::Beat).await?;
    tx.closed().await;
    Ok(())
}

#[sse_handler(get, "/quiet", keep_alive = "off")]
async fn quiet(tx: Sender<Pulse>) -> Result<(), Error> {
    tx.send(Pulse::Beat).await?;
    tx.closed().await;
    Ok(())
}

/// Opens `path` in-process and returns its body frames with the (paused-clock) second each
/// arrived at, until `until` has elapsed.
async fn frames(app: axum::Router, path: &str, until: Duration) -> Vec<(u64, String)> {
    let start = Instant::now();
    let response = app
        .oneshot(
            http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let mut body = response.into_body();
    let mut seen = Vec::new();
    while let Ok(Some(frame)) = tokio::time::timeout_at(start + until, body.frame()).await {
        let data = frame.unwrap().into_data().unwrap();
        seen.push((
            start.elapsed().as_secs(),
            String::from_utf8(data.to_vec()).unwrap(),
        ));
    }
    seen
}

fn beat() -> String {
    "event:Beat\ndata:\n\n".to_owned()
}

fn comment() -> String {
    ":\n\n".to_owned()
}

#[tokio::test(start_paused = true)]
async fn keep_alive_comes_after_15_idle_seconds_and_restarts_after_each_event() {
    let app = SseApi::new("t", "1").handler(pulse).into_router();
    assert_eq!(
        frames(app, "/pulse", Duration::from_secs(60)).await,
        [
            (0, beat()),
            (15, comment()),
            (30, comment()),
            (40, beat()),
            (55, comment()),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_handler_sets_its_own_interval_or_turns_keep_alive_off() {
    let app = SseApi::new("t", "1")
        .handler(fast_pulse)
        .handler(quiet)
        .into_router();
    assert_eq!(
        frames(app.clone(), "/fast-pulse", Duration::from_secs(12)).await,
        [(0, beat()), (5, comment()), (10, comment())]
    );
    assert_eq!(
        frames(app, "/quiet", Duration::from_secs(3600)).await,
        [(0, beat())]
    );
}

#[tokio::test(start_paused = true)]
async fn keep_alive_can_be_a_named_event_that_browsers_see() {
    let app = SseApi::new("t", "1")
        .keep_alive(KeepAlive::event("heartbeat", Duration::from_secs(10)).unwrap())
        .handler(pulse)
        .into_router();
    assert_eq!(
        frames(app, "/pulse", Duration::from_secs(25)).await,
        [
            (0, beat()),
            (10, "event:heartbeat\ndata:\n\n".to_owned()),
            (20, "event:heartbeat\ndata:\n\n".to_owned()),
        ]
    );
}

#[sse_handler(get, "/burst")]
async fn burst(tx: Sender<Pulse>) -> Result<(), Error> {
    for _ in 0..50 {
        tx.send(Pulse::Beat).await?;
    }
    tx.closed().await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn events_already_queued_leave_in_one_chunk() {
    let app = SseApi::new("t", "1").handler(burst).into_router();
    let seen = frames(app, "/burst", Duration::from_secs(1)).await;
    assert_eq!(seen.len(), 1, "one chunk for the whole burst: {seen:?}");
    assert_eq!(seen[0].1, beat().repeat(50));
}

#[derive(Clone, Default)]
struct Sent(Arc<AtomicUsize>);

#[sse_handler(get, "/flood")]
async fn flood(
    axum::extract::State(sent): axum::extract::State<Sent>,
    tx: Sender<Pulse>,
) -> Result<(), Error> {
    for _ in 0..1000 {
        tx.send(Pulse::Beat).await?;
        sent.0.fetch_add(1, Ordering::SeqCst);
    }
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn send_waits_while_the_buffer_is_full() {
    let sent = Sent::default();
    let app = SseApi::stateful("t", "1")
        .buffer(4)
        .handler(flood)
        .into_router()
        .with_state(sent.clone());
    let response = app
        .oneshot(
            http::Request::get("/flood")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    // Nobody reads the body: the handler is held at the buffer's size.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let held = sent.0.load(Ordering::SeqCst);
    assert!(
        held <= 5,
        "the handler ran ahead of the client: {held} events sent"
    );

    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, beat().repeat(1000));
    assert_eq!(sent.0.load(Ordering::SeqCst), 1000);
}
