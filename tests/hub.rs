//! The in-process hub: replay after `Last-Event-ID` without gap or duplicate, encode once,
//! slow subscribers, topics and their eviction.

use tidings_test_support::hub_feed;

use axum::extract::State;
use hub_feed::{client, item, next_events, open, Feed};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tidings::hub::{Hub, HubError, Resume};
use tidings::testing::TestClient;
use tidings::{sse_events, sse_handler, Error, LastEventId, Sender, SseApi};

#[tokio::test]
async fn a_resuming_client_gets_exactly_what_it_missed_then_live_events() {
    let hub: Hub<Feed> = Hub::builder().build();
    let client = client(&hub);
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(hub.publish("t", item(n)).await.unwrap());
    }
    let mut stream = open(&client, "t", Some(ids[1].as_str())).await;
    assert_eq!(stream.status(), 200);
    let missed = next_events(&mut stream, 3).await;
    let expected: Vec<_> = (2..5)
        .map(|n| (ids[n].as_str().to_owned(), item(n as u32)))
        .collect();
    assert_eq!(missed, expected);

    let live = hub.publish("t", item(5)).await.unwrap();
    assert_eq!(
        next_events(&mut stream, 1).await,
        [(live.as_str().to_owned(), item(5))]
    );
}

#[tokio::test]
async fn ids_increase_per_topic_and_topics_are_separate() {
    let hub: Hub<Feed> = Hub::builder().build();
    let a1 = hub.publish("a", item(1)).await.unwrap();
    let a2 = hub.publish("a", item(2)).await.unwrap();
    let b1 = hub.publish("b", item(3)).await.unwrap();
    let (epoch_a, seq_a1) = a1.as_str().split_once('-').unwrap();
    let (epoch_a2, seq_a2) = a2.as_str().split_once('-').unwrap();
    assert_eq!(epoch_a, epoch_a2);
    assert_eq!((seq_a1, seq_a2), ("1", "2"));
    assert_ne!(
        b1.as_str().split_once('-').unwrap().0,
        epoch_a,
        "each topic has its own epoch"
    );

    let client = client(&hub);
    let mut stream = open(&client, "b", None).await;
    hub.publish("a", item(4)).await.unwrap();
    let b2 = hub.publish("b", item(5)).await.unwrap();
    assert_eq!(
        next_events(&mut stream, 1).await,
        [(b2.as_str().to_owned(), item(5))]
    );
}

#[tokio::test]
async fn without_an_id_a_subscriber_gets_live_events_only() {
    let hub: Hub<Feed> = Hub::builder().build();
    hub.publish("t", item(0)).await.unwrap();
    let subscription = hub.subscribe("t", &LastEventId(None)).await.unwrap();
    assert_eq!(subscription.resume(), Resume::Fresh);
    assert_eq!(subscription.topic(), "t");
    drop(subscription);

    let client = client(&hub);
    let mut stream = open(&client, "t", None).await;
    let live = hub.publish("t", item(1)).await.unwrap();
    assert_eq!(
        next_events(&mut stream, 1).await,
        [(live.as_str().to_owned(), item(1))]
    );
}

#[tokio::test]
async fn old_unknown_malformed_and_foreign_ids_are_too_old_then_live() {
    let hub: Hub<Feed> = Hub::builder().replay(3).build();
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(hub.publish("t", item(n)).await.unwrap());
    }
    let other_topic = hub.publish("other", item(0)).await.unwrap();
    let restarted: Hub<Feed> = Hub::builder().build();
    let from_another_instance = restarted.publish("t", item(0)).await.unwrap();
    let (epoch, _) = ids[0].as_str().split_once('-').unwrap();
    let future = format!("{epoch}-999");
    let too_old = [
        ids[5].as_str(), // fell out of the 3-event window
        other_topic.as_str(),
        from_another_instance.as_str(),
        future.as_str(),
        "garbage",
        "",
        "0-0",
        "00-1",
    ];
    for last in too_old {
        let subscription = hub
            .subscribe("t", &LastEventId(Some(last.into())))
            .await
            .unwrap();
        assert_eq!(subscription.resume(), Resume::TooOld, "{last:?}");
    }
    // The oldest id whose successors are all still held resumes.
    let subscription = hub
        .subscribe("t", &LastEventId(Some(ids[6].as_str().into())))
        .await
        .unwrap();
    assert_eq!(subscription.resume(), Resume::Resumed);
    drop(subscription);

    // Each of them is told, then gets live events only: never part of the window.
    let client = client(&hub);
    let mut streams = Vec::new();
    for last in too_old {
        streams.push(open(&client, "t", Some(last)).await);
    }
    let live = hub.publish("t", item(10)).await.unwrap();
    for stream in &mut streams {
        let expected = [
            (String::new(), Feed::Reset),
            (live.as_str().to_owned(), item(10)),
        ];
        assert_eq!(next_events(stream, 2).await, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_gap_and_no_duplicate_at_the_replay_live_seam_under_concurrent_publishing() {
    let hub: Hub<Feed> = Hub::builder()
        .replay(500)
        .subscriber_queue(1_000_000)
        .subscriber_queue_bytes(usize::MAX)
        .build();
    hub_feed::seam_stress(&hub, 4, 2_000, 48, Duration::from_millis(3)).await;
}

/// Counts every serialization of its value.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
struct Counted(u32);

static SERIALIZATIONS: AtomicUsize = AtomicUsize::new(0);

impl Serialize for Counted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALIZATIONS.fetch_add(1, Ordering::SeqCst);
        self.0.serialize(serializer)
    }
}

#[sse_events]
#[derive(Debug, Clone, PartialEq)]
enum CountedEvent {
    Value(Counted),
}

#[sse_handler(get, "/counted")]
async fn counted(
    State(hub): State<Hub<CountedEvent>>,
    tx: Sender<CountedEvent>,
) -> Result<(), Error> {
    tx.forward(hub.subscribe("counted", &LastEventId(None)).await?)
        .await?;
    Ok(())
}

#[tokio::test]
async fn each_event_is_serialized_once_for_a_thousand_subscribers() {
    const SUBSCRIBERS: usize = 1_000;
    const EVENTS: u32 = 10;
    let hub: Hub<CountedEvent> = Hub::builder().build();
    let router = SseApi::stateful("Counted", "1")
        .handler(counted)
        .into_router()
        .with_state(hub.clone());
    let client = TestClient::new(router);
    // Opened together: each waits for its head until the open deadline.
    let mut streams =
        futures::future::join_all((0..SUBSCRIBERS).map(|_| client.get("/counted"))).await;
    assert_eq!(hub.stats().subscribers, SUBSCRIBERS);
    for n in 0..EVENTS {
        hub.publish("counted", CountedEvent::Value(Counted(n)))
            .await
            .unwrap();
    }
    let expected: Vec<_> = (0..EVENTS)
        .map(|n| CountedEvent::Value(Counted(n)))
        .collect();
    for stream in &mut streams {
        assert_eq!(
            stream.take::<CountedEvent>(EVENTS as usize).await.unwrap(),
            expected
        );
    }
    assert_eq!(SERIALIZATIONS.load(Ordering::SeqCst), EVENTS as usize);
}

#[tokio::test]
async fn a_subscriber_further_behind_than_its_queue_is_dropped_counted_and_resumes_by_replay() {
    let hub: Hub<Feed> = Hub::builder().replay(1_000).subscriber_queue(16).build();
    let client = client(&hub);
    let mut slow = open(&client, "t", None).await;
    let mut fast = open(&client, "t", None).await;
    let first = hub.publish("t", item(0)).await.unwrap();
    let (last_seen, _) = next_events(&mut slow, 1).await.remove(0);
    assert_eq!(last_seen, first.as_str());
    assert_eq!(next_events(&mut fast, 1).await[0].0, first.as_str());

    // The slow client reads nothing while 100 events go out; the fast one reads them all.
    for n in 1..=100 {
        hub.publish("t", item(n)).await.unwrap();
        assert_eq!(next_events(&mut fast, 1).await[0].1, item(n));
    }
    // The hub drops the slow one when it next reads: its stream ends after what was already
    // handed to its socket buffer, and it is counted.
    let mut seen_by_slow = vec![last_seen];
    while let Some(event) = slow.next_raw().await.unwrap() {
        seen_by_slow.push(event.id);
    }
    assert!(
        seen_by_slow.len() < 101,
        "the slow subscriber was not dropped"
    );
    assert_eq!(hub.stats().dropped_subscribers, 1);
    assert_eq!(hub.stats().subscribers, 1);

    // Reconnecting with its last id, it gets everything else, in order, once.
    let last = seen_by_slow.last().unwrap().clone();
    let missing = 101 - seen_by_slow.len();
    let mut resumed = open(&client, "t", Some(&last)).await;
    let rest = next_events(&mut resumed, missing).await;
    let numbers: Vec<_> = rest.iter().map(|(_, e)| e.clone()).collect();
    let expected: Vec<_> = ((101 - missing) as u32..=100).map(item).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn a_topic_without_subscribers_keeps_only_its_replay_window() {
    let hub: Hub<Feed> = Hub::builder().replay(10).subscriber_queue(100).build();
    for n in 0..50 {
        hub.publish("t", item(n)).await.unwrap();
    }
    let stats = hub.stats();
    assert_eq!((stats.topics, stats.retained_events), (1, 10));

    // With a subscriber the log holds its queue too; when it leaves, the window again.
    let subscription = hub.subscribe("t", &LastEventId(None)).await.unwrap();
    for n in 0..50 {
        hub.publish("t", item(n)).await.unwrap();
    }
    assert_eq!(hub.stats().retained_events, 60);
    drop(subscription);
    assert_eq!(hub.stats().retained_events, 10);
    assert_eq!(hub.stats().subscribers, 0);
}

#[tokio::test]
async fn the_replay_window_is_capped_in_bytes_too() {
    let hub: Hub<Feed> = Hub::builder().replay(1_000).replay_bytes(1_000).build();
    for n in 0..100 {
        hub.publish("t", item(n)).await.unwrap();
    }
    let stats = hub.stats();
    assert!(stats.retained_bytes <= 1_000, "{stats:?}");
    assert!(
        stats.retained_events > 10 && stats.retained_events < 100,
        "{stats:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn idle_topics_are_evicted_after_the_configured_time() {
    let idle = Duration::from_secs(60);
    let hub: Hub<Feed> = Hub::builder().evict_idle_after(idle).build();
    let old = hub.publish("idle", item(0)).await.unwrap();
    hub.publish("watched", item(0)).await.unwrap();
    let watcher = hub.subscribe("watched", &LastEventId(None)).await.unwrap();

    tokio::time::sleep(idle - Duration::from_secs(1)).await;
    assert_eq!(hub.stats().topics, 2, "evicted too early");
    tokio::time::sleep(idle).await;
    assert_eq!(hub.stats().topics, 1, "the idle topic was not evicted");
    assert_eq!(
        hub.stats().subscribers,
        1,
        "a topic with a subscriber stays"
    );

    // Its history is gone: resuming from it is too old, and the new topic's ids are new.
    let resumed = hub
        .subscribe("idle", &LastEventId(Some(old.as_str().into())))
        .await
        .unwrap();
    assert_eq!(resumed.resume(), Resume::TooOld);
    drop((resumed, watcher));
    let again = hub.publish("idle", item(1)).await.unwrap();
    assert_ne!(
        again.as_str().split_once('-').unwrap().0,
        old.as_str().split_once('-').unwrap().0
    );
}

#[tokio::test]
async fn a_subscription_ends_with_its_client() {
    let hub: Hub<Feed> = Hub::builder().build();
    let client = client(&hub);
    let stream = open(&client, "t", None).await;
    assert_eq!(hub.stats().subscribers, 1);
    drop(stream);
    hub.publish("t", item(0)).await.unwrap();
    tokio::time::timeout(tidings_test_support::PATIENCE, async {
        while hub.stats().subscribers != 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the subscription outlived its client");
}

#[tokio::test]
async fn a_subscribed_stream_opens_at_once_without_waiting_for_an_event_or_the_open_deadline() {
    let hub: Hub<Feed> = Hub::builder().build();
    let router = SseApi::stateful("Feeds", "1")
        .handler(hub_feed::feed)
        .open_deadline(Duration::from_secs(3_600))
        .into_router()
        .with_state(hub.clone());
    let client = TestClient::new(router);
    let stream = tokio::time::timeout(tidings_test_support::PATIENCE, open(&client, "t", None))
        .await
        .expect("the head waited for the open deadline");
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
}

/// Subscribes to `topic` and leaves at once, as a client naming topics of its own would.
async fn visit(hub: &Hub<Feed>, topic: &str) -> Result<(), Error> {
    hub.subscribe(topic, &LastEventId(None)).await.map(drop)
}

#[tokio::test(start_paused = true)]
async fn a_hub_holds_at_most_its_topics_and_refuses_more_with_a_503() {
    let idle = Duration::from_secs(60);
    let hub: Hub<Feed> = Hub::builder()
        .max_topics(100)
        .evict_idle_after(idle)
        .build();
    for n in 0..100 {
        visit(&hub, &format!("t{n}")).await.unwrap();
    }
    assert!(matches!(
        visit(&hub, "one-more").await,
        Err(Error::Hub(HubError::Full(_)))
    ));
    let refused = hub.publish("one-more", item(0)).await.unwrap_err();
    assert!(refused.to_string().contains("max_topics"), "{refused}");
    assert_eq!(hub.stats().topics, 100);
    // The topics held still take events.
    hub.publish("t7", item(0)).await.unwrap();

    // A stream asking for a new topic is refused before it starts, saying why.
    let refused = client(&hub).get("/topics/one-more").await;
    assert_eq!(refused.status(), http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key(http::header::RETRY_AFTER));
    assert!(refused.text().await.unwrap().contains("max_topics"));

    // Once unused topics are evicted, there is room again.
    tokio::time::sleep(idle * 2).await;
    assert_eq!(hub.stats().topics, 0);
    visit(&hub, "one-more").await.unwrap();
}

#[tokio::test]
async fn topics_named_by_clients_cannot_grow_the_hub_past_its_bytes() {
    const MAX: usize = 1 << 20;
    // Names this long are refused by default (`max_topic_name`); allowed here, the bytes cap
    // still holds.
    let hub: Hub<Feed> = Hub::builder()
        .max_retained_bytes(MAX)
        .max_topic_name(8192)
        .build();
    let long_name = "x".repeat(4096);
    let mut refused = 0;
    for n in 0..1_000 {
        match visit(&hub, &format!("{long_name}{n}")).await {
            Ok(()) => {}
            Err(Error::Hub(HubError::Full(_))) => refused += 1,
            Err(other) => panic!("{other}"),
        }
    }
    let stats = hub.stats();
    assert!(stats.retained_bytes <= MAX + 4100, "{stats:?}");
    assert!(refused > 700, "{refused} refused, {stats:?}");
    // Publishing stops at the cap too, and says why.
    let full = hub.publish("t0", item(0)).await.unwrap_err();
    assert!(matches!(full, Error::Hub(HubError::Full(_))), "{full}");
    assert!(full.to_string().contains("max_retained_bytes"), "{full}");
}

#[tokio::test(start_paused = true)]
async fn the_hub_counts_what_it_holds_as_topics_come_and_go() {
    let idle = Duration::from_secs(60);
    let hub: Hub<Feed> = Hub::builder().replay(2).evict_idle_after(idle).build();
    for n in 0..5 {
        hub.publish("a", item(n)).await.unwrap();
    }
    hub.publish("bb", item(0)).await.unwrap();
    let subscriber = hub.subscribe("a", &LastEventId(None)).await.unwrap();
    let stats = hub.stats();
    assert_eq!(
        (stats.topics, stats.subscribers, stats.retained_events),
        (2, 1, 3)
    );
    assert!(stats.retained_bytes > "a".len() + "bb".len(), "{stats:?}");

    // "bb" is published to again before it is due, so it outlives its first due time.
    tokio::time::sleep(idle - Duration::from_secs(1)).await;
    hub.publish("bb", item(1)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(hub.stats().topics, 2, "evicted although published to");
    drop(subscriber);
    tokio::time::sleep(idle * 2).await;
    let stats = hub.stats();
    assert_eq!(
        (
            stats.topics,
            stats.subscribers,
            stats.retained_events,
            stats.retained_bytes
        ),
        (0, 0, 0, 0),
        "{stats:?}"
    );
}

#[tokio::test]
async fn newcomers_get_the_history_they_ask_for_then_live_events() {
    let hub: Hub<Feed> = Hub::builder().build();
    hub_feed::newcomers_get_history_then_live(&hub).await;
}

#[tokio::test]
async fn a_topic_name_over_the_hubs_limit_is_refused_with_a_400() {
    let hub: Hub<Feed> = Hub::builder().build();
    let longest = "x".repeat(255);
    visit(&hub, &longest).await.unwrap();
    hub.publish(&longest, item(0)).await.unwrap();
    let too_long = "x".repeat(256);
    let refused = visit(&hub, &too_long).await.unwrap_err();
    assert!(
        matches!(refused, Error::Hub(HubError::InvalidTopic(_))),
        "{refused}"
    );
    assert!(refused.to_string().contains("max_topic_name"), "{refused}");
    assert!(matches!(
        hub.publish(&too_long, item(0)).await,
        Err(Error::Hub(HubError::InvalidTopic(_)))
    ));
    assert_eq!(hub.stats().topics, 1);

    let answer = client(&hub).get(&format!("/topics/{too_long}")).await;
    assert_eq!(answer.status(), http::StatusCode::BAD_REQUEST);
    assert!(answer.text().await.unwrap().contains("max_topic_name"));
}
