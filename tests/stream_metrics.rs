//! What tidings reports through the `metrics` facade, read with a debugging recorder: live
//! streams, events and bytes sent, streams refused by a cap, hub subscribers dropped.
//! One test in this binary: the recorder is process-wide.

use std::collections::HashMap;

use axum::extract::State;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use tidings::hub::Hub;
use tidings::testing::TestClient;
use tidings::{sse_events, sse_handler, LastEventId, Sender, SseApi};

#[sse_events(rename_all = "snake_case")]
#[derive(Debug, PartialEq)]
enum Count {
    Number(u32),
}

/// Three numbers, then the end.
#[sse_handler(get, "/three", max_streams = 1)]
async fn three(tx: Sender<Count>) {
    for n in 0..3 {
        let _ = tx.send(Count::Number(n)).await;
    }
}

/// One number, then open until the client leaves.
#[sse_handler(get, "/open")]
async fn open(tx: Sender<Count>) {
    let _ = tx.send(Count::Number(7)).await;
    tx.closed().await;
}

/// A hub subscription, forwarded.
#[sse_handler(get, "/hub")]
async fn from_hub(State(hub): State<Hub<Count>>, last: LastEventId, tx: Sender<Count>) {
    if let Ok(subscription) = hub.subscribe("t", &last).await {
        let _ = tx.forward(subscription).await;
    }
}

/// What changed since the last snapshot, by name: the debugging recorder hands out each
/// counter's and gauge's change and starts it again from zero.
fn changes(metrics: &Snapshotter) -> HashMap<String, f64> {
    metrics
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let value = match value {
                DebugValue::Counter(n) => n as f64,
                DebugValue::Gauge(g) => g.into_inner(),
                DebugValue::Histogram(_) => f64::NAN,
            };
            (key.key().name().to_owned(), value)
        })
        .collect()
}

#[tokio::test]
async fn streams_events_bytes_refusals_and_dropped_subscribers_are_counted() {
    let recorder = DebuggingRecorder::new();
    let metrics = recorder.snapshotter();
    recorder.install().unwrap();

    let hub = Hub::builder().subscriber_queue(2).build();
    let api = SseApi::stateful("t", "1")
        .handler(three)
        .handler(open)
        .handler(from_hub)
        .into_router()
        .with_state(hub.clone());
    let client = TestClient::new(api);

    // Every series exists, at zero, from the moment the router is built.
    let registered = changes(&metrics);
    for name in [
        "tidings_streams_live",
        "tidings_events_sent_total",
        "tidings_bytes_sent_total",
        "tidings_streams_rejected_total",
        "tidings_hub_subscribers_dropped_total",
    ] {
        assert_eq!(registered.get(name), Some(&0.0), "{name}: {registered:?}");
    }

    let wire = client.get("/three").await.text().await.unwrap();
    let done = changes(&metrics);
    assert_eq!(done["tidings_events_sent_total"], 3.0);
    assert_eq!(done["tidings_bytes_sent_total"], wire.len() as f64);
    assert_eq!(done["tidings_streams_live"], 0.0, "opened and closed");

    let mut held = client.get("/open").await;
    assert_eq!(
        held.next::<Count>().await.unwrap().unwrap().event,
        Count::Number(7)
    );
    assert_eq!(changes(&metrics)["tidings_streams_live"], 1.0);

    let mut capped = client.get("/three").await;
    let _blocking = capped.next::<Count>().await.unwrap();
    assert_eq!(client.get("/three").await.status(), 503);
    drop((held, capped));
    let refused = changes(&metrics);
    assert_eq!(refused["tidings_streams_rejected_total"], 1.0);
    assert_eq!(
        refused["tidings_streams_live"], -1.0,
        "one opened, two closed"
    );

    // A subscriber that reads nothing while ten events are published falls behind its queue
    // of 2: when it reads again, it is dropped and its stream ends.
    let stalled = client.get("/hub").await;
    for n in 0..10 {
        hub.publish("t", Count::Number(n)).await.unwrap();
    }
    stalled.text().await.unwrap();
    assert_eq!(hub.stats().dropped_subscribers, 1);
    assert_eq!(
        changes(&metrics)["tidings_hub_subscribers_dropped_total"],
        1.0
    );
}
