//! A handler that panics while 1,000 others stream ends only its own stream: the others go on,
//! the server goes on, and once every client leaves no handler is left running.

use std::time::Duration;

use axum::extract::State;
use tidings::{sse_events, sse_handler, Error, Sender, SseApi};
use tidings_test_support::{get, serve, LiveHandlers};

#[sse_events(rename_all = "snake_case")]
enum Feed {
    Tick,
}

/// Ticks every 20 ms for as long as its client stays.
#[sse_handler(get, "/steady")]
async fn steady(State(running): State<LiveHandlers>, tx: Sender<Feed>) -> Result<(), Error> {
    let _running = running.enter();
    tx.every(Duration::from_millis(20), || async { Ok(Some(Feed::Tick)) })
        .await
}

/// Sends one tick, then panics.
#[sse_handler(get, "/boom")]
async fn boom(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
    panic!("a bug in one handler");
}

const STREAMS: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_ends_only_its_own_stream() {
    let running = LiveHandlers::default();
    let app = SseApi::stateful("t", "1")
        .handler(steady)
        .handler(boom)
        .into_router()
        .with_state(running.clone());
    let server = serve(app).await;

    let mut streams = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        streams.push(get(server.addr, "/steady", &[]).await);
    }
    running.reach(STREAMS).await;

    let mut failing = get(server.addr, "/boom", &[]).await;
    assert_eq!(failing.head.status, 200);
    assert_eq!(
        failing.read_to_end().await,
        "event:tick\ndata:\n\n",
        "its stream ends"
    );

    // Every other stream still gets events, and the server still opens new ones.
    for stream in &mut streams {
        stream.read_until("event:tick").await;
    }
    let mut late = get(server.addr, "/steady", &[]).await;
    late.read_until("event:tick").await;
    assert_eq!(running.now(), STREAMS + 1);

    drop((streams, late));
    running.reach(0).await;
}
