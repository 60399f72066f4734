//! A hub test fixture shared by the in-process and Redis hub tests: a feed of items whose
//! handler subscribes with the client's `Last-Event-ID` and tells it when it is too old.

#![allow(dead_code)]

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tidings::hub::{Hub, HubError, Resume};
use tidings::testing::{TestClient, TestStream};
use tidings::{sse_events, sse_handler, LastEventId, Sender, SseApi};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    pub publisher: u32,
    pub n: u32,
}

#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
pub enum Feed {
    Item(Item),
    /// What the client missed cannot be replayed.
    Reset,
    /// The test is over.
    End,
}

#[sse_handler(get, "/topics/{topic}")]
pub async fn feed(
    Path(topic): Path<String>,
    State(hub): State<Hub<Feed>>,
    last: LastEventId,
    tx: Sender<Feed>,
) -> Result<(), HubError> {
    let subscription = hub.subscribe(&topic, &last).await?;
    if subscription.resume() == Resume::TooOld {
        tx.send(Feed::Reset).await?;
    }
    tx.forward(subscription).await?;
    Ok(())
}

pub fn client(hub: &Hub<Feed>) -> TestClient {
    let router = SseApi::new("Feeds", "1")
        .handler(feed)
        .into_router()
        .with_state(hub.clone());
    TestClient::new(router)
}

pub async fn open(client: &TestClient, topic: &str, last: Option<&str>) -> TestStream {
    let mut request = Request::get(format!("/topics/{topic}"));
    if let Some(last) = last {
        request = request.header("last-event-id", last);
    }
    client.request(request.body(Body::empty()).unwrap()).await
}

/// The next `n` events as `(id, event)`.
pub async fn next_events(stream: &mut TestStream, n: usize) -> Vec<(String, Feed)> {
    let mut events = Vec::new();
    while events.len() < n {
        let typed = stream
            .next::<Feed>()
            .await
            .unwrap()
            .expect("the stream ended early");
        events.push((typed.id, typed.event));
    }
    events
}

pub fn item(n: u32) -> Feed {
    Feed::Item(Item { publisher: 0, n })
}
