//! A hub test fixture shared by the in-process and Redis hub tests: a feed of items whose
//! handler subscribes with the client's `Last-Event-ID` and tells it when it is too old.

use crate::Rng;
use axum::extract::{Path, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tidings::hub::{Hub, Resume};
use tidings::testing::{TestClient, TestStream};
use tidings::Error;
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
    /// A payload of any size.
    #[sse(raw)]
    Text(String),
}

#[sse_handler(get, "/topics/{topic}")]
pub async fn feed(
    Path(topic): Path<String>,
    State(hub): State<Hub<Feed>>,
    last: LastEventId,
    tx: Sender<Feed>,
) -> Result<(), Error> {
    let subscription = hub.subscribe(&topic, &last).await?;
    if subscription.resume() == Resume::TooOld {
        tx.send(Feed::Reset).await?;
    }
    tx.forward(subscription).await?;
    Ok(())
}

/// How many past events a newcomer asks for.
#[derive(serde::Deserialize, JsonSchema)]
pub struct History {
    pub history: usize,
}

/// The feed, where a newcomer starts with the newest `?history=` events.
#[sse_handler(get, "/history/{topic}")]
pub async fn feed_with_history(
    Path(topic): Path<String>,
    axum::extract::Query(asked): axum::extract::Query<History>,
    State(hub): State<Hub<Feed>>,
    last: LastEventId,
    tx: Sender<Feed>,
) -> Result<(), Error> {
    let subscription = hub
        .subscribe_with_history(&topic, &last, asked.history)
        .await?;
    assert_eq!(
        subscription.resume() == Resume::Fresh,
        last.0.is_none(),
        "a newcomer is fresh"
    );
    if subscription.resume() == Resume::TooOld {
        tx.send(Feed::Reset).await?;
    }
    tx.forward(subscription).await?;
    Ok(())
}

/// Newcomers asking for history get the newest events of the window, then live ones, with no
/// gap and no duplicate; fewer when fewer exist; none when they ask none; and a client that
/// sends an id resumes after it, whatever it asks.
pub async fn newcomers_get_history_then_live(hub: &Hub<Feed>) {
    let client = client(hub);
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(hub.publish("h", item(n)).await.unwrap().as_str().to_owned());
    }
    let mut three = client.get("/history/h?history=3").await;
    let mut all = client.get("/history/h?history=100").await;
    let mut none = client.get("/history/h?history=0").await;
    let mut resumed = client.resume("/history/h?history=3", &ids[0]).await;
    let live = hub.publish("h", item(5)).await.unwrap().as_str().to_owned();
    ids.push(live);
    let expect = |from: usize| -> Vec<(String, Feed)> {
        (from..6)
            .map(|n| (ids[n].clone(), item(n as u32)))
            .collect()
    };
    assert_eq!(next_events(&mut three, 4).await, expect(2));
    assert_eq!(next_events(&mut all, 6).await, expect(0));
    assert_eq!(next_events(&mut none, 1).await, expect(5));
    assert_eq!(next_events(&mut resumed, 5).await, expect(1));
    // A topic nobody published to yet: nothing to give, then live.
    let mut empty = client.get("/history/new?history=3").await;
    let first = hub.publish("new", item(9)).await.unwrap();
    assert_eq!(
        next_events(&mut empty, 1).await,
        [(first.as_str().to_owned(), item(9))]
    );
}

pub fn client(hub: &Hub<Feed>) -> TestClient {
    let router = SseApi::stateful("Feeds", "1")
        .handler(feed)
        .handler(feed_with_history)
        .into_router()
        .with_state(hub.clone());
    TestClient::new(router)
}

pub async fn open(client: &TestClient, topic: &str, last: Option<&str>) -> TestStream {
    let path = format!("/topics/{topic}");
    match last {
        Some(last) => client.resume(&path, last).await,
        None => client.get(&path).await,
    }
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

/// The order of hub ids: pairs of numbers.
pub fn order(id: &str) -> (u64, u64) {
    let (high, low) = id.split_once('-').expect("a hub id");
    (high.parse().unwrap(), low.parse().unwrap())
}

/// Many publishers at full speed on topic `t`; subscribers join at random moments (up to
/// `join_gap` apart), with no id, the first id, or a random one of those published so far, and each checks the exact sequence it got against
/// the hub's order: what follows its id (resumed), or a reset then a gapless suffix (too old),
/// or a gapless suffix (fresh). Every kind must occur. The hub's subscriber queue must be large
/// enough that nobody is dropped.
pub async fn seam_stress(
    hub: &Hub<Feed>,
    publishers: u32,
    per_publisher: u32,
    subscribers: usize,
    join_gap: Duration,
) {
    let client = client(hub);
    let published: Arc<Mutex<Vec<(String, Feed)>>> = Arc::default();
    let first = hub.publish("t", Feed::Reset).await.unwrap();
    published
        .lock()
        .unwrap()
        .push((first.as_str().to_owned(), Feed::Reset));

    let publishing: Vec<_> = (0..publishers)
        .map(|publisher| {
            let (hub, published) = (hub.clone(), published.clone());
            tokio::spawn(async move {
                for n in 0..per_publisher {
                    let event = Feed::Item(Item { publisher, n });
                    let id = hub.publish("t", event.clone()).await.unwrap();
                    published
                        .lock()
                        .unwrap()
                        .push((id.as_str().to_owned(), event));
                    if n % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();

    let mut rng = Rng(7);
    let mut reading = Vec::new();
    for _ in 0..subscribers {
        tokio::time::sleep(join_gap.mul_f64(rng.below(1_000) as f64 / 1_000.0)).await;
        let last = {
            let published = published.lock().unwrap();
            match rng.below(5) {
                0 => None,
                1 => Some(published[0].0.clone()),
                2 => Some("garbage".to_owned()),
                _ => Some(published[rng.below(published.len())].0.clone()),
            }
        };
        let mut stream = open(&client, "t", last.as_deref()).await;
        reading.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let typed = stream
                    .next::<Feed>()
                    .await
                    .unwrap()
                    .expect("the stream ended early");
                let end = typed.event == Feed::End;
                got.push((typed.id, typed.event));
                if end {
                    return (last, got);
                }
            }
        }));
    }
    for publisher in publishing {
        publisher.await.unwrap();
    }
    let end = hub.publish("t", Feed::End).await.unwrap();
    let mut all = published.lock().unwrap().clone();
    all.push((end.as_str().to_owned(), Feed::End));
    all.sort_by_key(|(id, _)| order(id));
    assert_eq!(all.len(), (publishers * per_publisher) as usize + 2);
    let index: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    assert_eq!(index.len(), all.len(), "every id is new");

    let (mut resumed, mut too_old, mut fresh) = (0, 0, 0);
    for subscriber in reading {
        let (last, mut got) = subscriber.await.unwrap();
        // The handler's own reset event carries no id; the hub's events all do.
        let told_too_old = got[0].1 == Feed::Reset && got[0].0.is_empty();
        let start = match last {
            Some(last) if !told_too_old => {
                resumed += 1;
                index[last.as_str()] + 1
            }
            Some(last) => {
                too_old += 1;
                got.remove(0);
                let start = index[got[0].0.as_str()];
                if let Some(&after) = index.get(last.as_str()) {
                    assert!(start > after + 1, "too old although {last} was replayable");
                }
                start
            }
            None => {
                fresh += 1;
                index[got[0].0.as_str()]
            }
        };
        assert_eq!(got, all[start..], "from {start}");
    }
    assert!(
        resumed > 0 && too_old > 0 && fresh > 0,
        "{resumed} resumed, {too_old} too old, {fresh} fresh"
    );
    assert_eq!(hub.stats().dropped_subscribers, 0);
}
