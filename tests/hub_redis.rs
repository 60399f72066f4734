//! The hub over a real `redis-server` (installed and started by the test command, each test
//! with its own server on a free port): instances sharing history, resuming on another
//! instance, surviving a Redis restart, and telling clients when history was lost.

use tidings_test_support::hub_feed;

use hub_feed::{client, item, next_events, open, order, Feed, Item};
use std::ops::Range;
use std::time::Duration;
use tidings::hub::{Hub, HubError, Resume};
use tidings::testing::TestStream;
use tidings::{Error, LastEventId};
use tidings_test_support::{RedisServer, PATIENCE};

/// A hub on `redis` whose subscribers may fall far behind (the tests read them in turns).
async fn redis_hub(redis: &RedisServer, replay: usize) -> Hub<Feed> {
    Hub::builder()
        .replay(replay)
        .subscriber_queue(100_000)
        .redis(&redis.url())
        .await
        .unwrap()
}

/// Publishes, retrying while Redis is coming back.
async fn publish_when_up(hub: &Hub<Feed>, event: Feed) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match hub.publish("t", event.clone()).await {
            Ok(id) => return id.as_str().to_owned(),
            Err(Error::Hub(HubError::Unavailable(e))) if tokio::time::Instant::now() < deadline => {
                eprintln!("retrying: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("publish failed: {e}"),
        }
    }
}

/// Publishes the items `numbers` (retrying while Redis comes back) and checks that `stream`
/// gets exactly them, in order, once.
async fn publish_and_expect(hub: &Hub<Feed>, stream: &mut TestStream, numbers: Range<u32>) {
    let mut expected = Vec::new();
    for n in numbers {
        expected.push((publish_when_up(hub, item(n)).await, item(n)));
    }
    assert_eq!(
        next_events(stream, expected.len()).await,
        expected,
        "no gap, no duplicate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cut_off_from_one_instance_resumes_on_another_exactly_once_in_order() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let (a, b) = (
        redis_hub(&redis, 10_000).await,
        redis_hub(&redis, 10_000).await,
    );
    let (client_a, client_b) = (client(&a), client(&b));
    let mut on_a = open(&client_a, "t", None).await;

    const PER_INSTANCE: u32 = 300;
    let publishers: Vec<_> = [(a.clone(), 0), (b.clone(), 1)]
        .into_iter()
        .map(|(hub, publisher)| {
            tokio::spawn(async move {
                let mut published = Vec::new();
                for n in 0..PER_INSTANCE {
                    let event = Feed::Item(Item { publisher, n });
                    let id = hub.publish("t", event.clone()).await.unwrap();
                    published.push((id.as_str().to_owned(), event));
                }
                published
            })
        })
        .collect();

    let before_cut = next_events(&mut on_a, 100).await;
    drop(on_a);
    let last = before_cut.last().unwrap().0.clone();
    let mut on_b = open(&client_b, "t", Some(&last)).await;

    let mut published = Vec::new();
    for publisher in publishers {
        published.extend(publisher.await.unwrap());
    }
    published.sort_by_key(|(id, _)| order(id));
    let after_cut = next_events(&mut on_b, published.len() - before_cut.len()).await;
    let received: Vec<_> = before_cut.into_iter().chain(after_cut).collect();
    assert_eq!(received, published);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_gap_and_no_duplicate_at_the_seam_on_redis_under_concurrent_publishing() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    // Replay from Redis (XRANGE) and from the local log both occur: subscribers join while the
    // instance follows the topic and resume from ids older than its log.
    let hub = redis_hub(&redis, 50).await;
    hub_feed::seam_stress(&hub, 4, 1_000, 24, Duration::from_millis(60)).await;
}

#[tokio::test]
async fn events_published_on_one_instance_reach_subscribers_of_every_instance() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let (a, b) = (redis_hub(&redis, 100).await, redis_hub(&redis, 100).await);
    let (client_a, client_b) = (client(&a), client(&b));
    let mut on_a = open(&client_a, "t", None).await;
    let mut on_b = open(&client_b, "t", None).await;
    let from_a = a.publish("t", item(1)).await.unwrap();
    let from_b = b.publish("t", item(2)).await.unwrap();
    let expected = vec![
        (from_a.as_str().to_owned(), item(1)),
        (from_b.as_str().to_owned(), item(2)),
    ];
    assert_eq!(next_events(&mut on_a, 2).await, expected);
    assert_eq!(next_events(&mut on_b, 2).await, expected);
    assert_eq!(a.stats().subscribers, 1);
}

#[tokio::test]
async fn an_instance_reads_redis_over_one_connection_whatever_its_subscribers() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let hub = redis_hub(&redis, 100).await;
    let client = client(&hub);
    let topics: Vec<_> = (0..50).map(|n| format!("topic-{}", n % 5)).collect();
    let opening = topics.iter().map(|topic| open(&client, topic, None));
    let mut streams = futures::future::join_all(opening).await;
    assert_eq!(hub.stats().subscribers, 50);
    let id = hub.publish("topic-3", item(7)).await.unwrap();
    for stream in streams.iter_mut().skip(3).step_by(5) {
        assert_eq!(
            next_events(stream, 1).await,
            [(id.as_str().to_owned(), item(7))]
        );
    }
    // One connection for commands, one for the reader.
    assert_eq!(redis.connected_clients(), 2);
}

#[tokio::test]
async fn ids_out_of_the_stream_are_too_old_and_a_recent_one_replays_from_redis() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let hub = redis_hub(&redis, 10).await;
    let mut ids = Vec::new();
    for n in 0..1_500 {
        ids.push(hub.publish("t", item(n)).await.unwrap().as_str().to_owned());
    }
    // Streams keep at least 1,000 entries, trimmed in whole nodes: the first ids are gone.
    for last in [
        ids[0].as_str(),
        "1-1",
        "99999999999999-0",
        "garbage",
        "1-01",
        "",
    ] {
        let subscription = hub
            .subscribe("t", &LastEventId(Some(last.into())))
            .await
            .unwrap();
        assert_eq!(subscription.resume(), Resume::TooOld, "{last:?}");
    }
    let fresh = hub.subscribe("t", &LastEventId(None)).await.unwrap();
    assert_eq!(fresh.resume(), Resume::Fresh);
    drop(fresh);

    let client = client(&hub);
    let mut resumed = open(&client, "t", Some(&ids[1_494])).await;
    let expected: Vec<_> = (1_495..1_500)
        .map(|n| (ids[n].clone(), item(n as u32)))
        .collect();
    assert_eq!(next_events(&mut resumed, 5).await, expected);
    let live = hub.publish("t", item(1_500)).await.unwrap();
    assert_eq!(
        next_events(&mut resumed, 1).await,
        [(live.as_str().to_owned(), item(1_500))]
    );
}

#[tokio::test]
async fn an_id_older_than_the_stream_is_too_old_without_reading_the_stream() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let hub = redis_hub(&redis, 10).await;
    // About 5 MB of history: at least the 1,000 entries a stream keeps, of 4 KiB each.
    let text = "x".repeat(4096);
    for _ in 0..1_200 {
        hub.publish("t", Feed::Text(text.clone())).await.unwrap();
    }
    let sent_before = redis.info("stats", "total_net_output_bytes");
    let subscription = hub
        .subscribe("t", &LastEventId(Some("0-1".into())))
        .await
        .unwrap();
    let sent = redis.info("stats", "total_net_output_bytes") - sent_before;

    assert_eq!(subscription.resume(), Resume::TooOld);
    assert!(sent < 64 * 1024, "Redis sent {sent} bytes to answer it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_retried_after_its_reply_was_lost_is_stored_once() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let proxy = ReplyLosingProxy::start(&redis).await;
    let a = proxy.hub().await;
    let b = redis_hub(&redis, 100).await;
    let first = a.publish("t", item(0)).await.unwrap();

    // A's next publish reaches Redis, but its connection breaks before the reply comes back;
    // while A reconnects, B publishes; then A tries its publish again.
    proxy.lose_next_publish_reply();
    let publishing = tokio::spawn(async move { a.publish("t", item(1)).await });
    proxy.reply_lost().await;
    b.publish("t", item(2)).await.unwrap();
    proxy.reconnect();
    let id = publishing.await.unwrap().unwrap();

    assert_eq!(
        redis.command("XLEN tidings:{t}").trim(),
        ":3",
        "one entry per publish"
    );
    // The id A got is the entry its first attempt appended: item 1, then B's item 2.
    let client = client(&b);
    let mut replay = open(&client, "t", Some(first.as_str())).await;
    let events = next_events(&mut replay, 2).await;
    assert_eq!(events[0], (id.as_str().to_owned(), item(1)));
    assert_eq!(events[1].1, item(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_whose_reply_never_comes_may_have_been_published_and_says_so() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let proxy = ReplyLosingProxy::start(&redis).await;
    let hub = proxy.hub().await;
    hub.publish("t", item(0)).await.unwrap();
    // The reply is lost, and Redis stays out of reach while the hub tries again.
    proxy.lose_next_publish_reply();
    let error = hub.publish("t", item(1)).await.unwrap_err();

    assert!(
        matches!(error, Error::Hub(HubError::Unconfirmed(_))),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("may or may not have been published"),
        "{error}"
    );
    assert_eq!(
        redis.command("XLEN tidings:{t}").trim(),
        ":2",
        "it was published"
    );
    proxy.reconnect();
}

/// A proxy to Redis that can lose the reply to a publish: it forwards the publish, then
/// closes the client's connection before Redis answers, and refuses new connections until
/// told to reconnect (what a network failure at the wrong moment does).
struct ReplyLosingProxy {
    addr: std::net::SocketAddr,
    state: std::sync::Arc<ProxyState>,
}

#[derive(Default)]
struct ProxyState {
    armed: std::sync::atomic::AtomicBool,
    holding: std::sync::atomic::AtomicBool,
    lost: tokio::sync::Notify,
    released: tokio::sync::Notify,
}

impl ReplyLosingProxy {
    async fn start(redis: &RedisServer) -> ReplyLosingProxy {
        use std::sync::atomic::Ordering;
        let target: std::net::SocketAddr = redis
            .url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .parse()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = std::sync::Arc::new(ProxyState::default());
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                while shared.holding.load(Ordering::SeqCst) {
                    shared.released.notified().await;
                }
                let state = shared.clone();
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    relay(client, server, state).await;
                });
            }
        });
        ReplyLosingProxy { addr, state }
    }

    /// A hub on Redis through the proxy.
    async fn hub(&self) -> Hub<Feed> {
        let url = format!("redis://{}/", self.addr);
        Hub::builder().replay(100).redis(&url).await.unwrap()
    }

    fn lose_next_publish_reply(&self) {
        self.state
            .armed
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Waits until a publish went through and its reply was lost.
    async fn reply_lost(&self) {
        self.state.lost.notified().await;
    }

    fn reconnect(&self) {
        self.state
            .holding
            .store(false, std::sync::atomic::Ordering::SeqCst);
        self.state.released.notify_waiters();
    }
}

/// Copies both ways; when armed, a request that runs the publish script is forwarded, Redis
/// is given time to run it, and the client's connection is closed without the reply.
async fn relay(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    state: std::sync::Arc<ProxyState>,
) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let replies = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        client_write
    });
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(n) = client_read.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        let request = &buffer[..n];
        let publishes = request.windows(4).any(|w| w == b"EVAL");
        if publishes && state.armed.swap(false, Ordering::SeqCst) {
            state.holding.store(true, Ordering::SeqCst);
            replies.abort();
            server_write.write_all(request).await.unwrap();
            // Redis runs the script; its reply goes nowhere.
            tokio::time::sleep(Duration::from_millis(200)).await;
            state.lost.notify_one();
            return;
        }
        if server_write.write_all(request).await.is_err() {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_resumes_after_redis_is_killed_and_restarted() {
    let Some(mut redis) = RedisServer::start(true) else {
        return;
    };
    let hub = redis_hub(&redis, 1_000).await;
    let client = client(&hub);
    let mut stream = open(&client, "t", None).await;
    publish_and_expect(&hub, &mut stream, 0..5).await;

    redis.kill();
    let refused = hub.publish("t", item(99)).await;
    assert!(
        matches!(refused, Err(Error::Hub(HubError::Unavailable(_)))),
        "{refused:?}"
    );
    redis.restart();

    publish_and_expect(&hub, &mut stream, 5..10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_resumes_after_redis_drops_the_hubs_connections() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let hub = redis_hub(&redis, 1_000).await;
    let client = client(&hub);
    let mut stream = open(&client, "t", None).await;
    publish_and_expect(&hub, &mut stream, 0..5).await;

    let killed = redis.command("CLIENT KILL TYPE normal");
    assert!(
        killed.starts_with(":2"),
        "both of the hub's connections: {killed:?}"
    );
    // The first publish after the drop succeeds: it tries once more on a new connection.
    let id = hub
        .publish("t", item(5))
        .await
        .expect("publish retries after a drop");
    assert_eq!(
        next_events(&mut stream, 1).await,
        [(id.as_str().to_owned(), item(5))]
    );
    publish_and_expect(&hub, &mut stream, 6..10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_loses_the_history_subscribers_end_and_resume_too_old() {
    let Some(mut redis) = RedisServer::start(false) else {
        return;
    };
    let hub = redis_hub(&redis, 1_000).await;
    let client = client(&hub);
    let mut stream = open(&client, "t", None).await;
    let id = publish_when_up(&hub, item(0)).await;
    assert_eq!(next_events(&mut stream, 1).await, [(id.clone(), item(0))]);

    redis.kill();
    redis.restart(); // empty: nothing was saved
    let end = stream.next_raw().await.unwrap();
    assert!(end.is_none(), "the stream should end, got {end:?}");

    let mut resumed = open(&client, "t", Some(&id)).await;
    assert_eq!(next_events(&mut resumed, 1).await[0].1, Feed::Reset);
    let live = publish_when_up(&hub, item(1)).await;
    assert_eq!(next_events(&mut resumed, 1).await, [(live, item(1))]);
}

#[tokio::test]
async fn while_redis_is_down_a_stream_is_refused_with_503_and_publishing_fails() {
    let Some(mut redis) = RedisServer::start(false) else {
        return;
    };
    let hub = redis_hub(&redis, 100).await;
    let client = client(&hub);
    redis.kill();
    for attempt in 0..3 {
        let refused = open(&client, "t", None).await;
        assert_eq!(refused.status(), 503, "attempt {attempt}");
        assert_eq!(refused.headers()["retry-after"], "1");
        let publish = hub.publish("t", item(attempt)).await;
        assert!(
            matches!(publish, Err(Error::Hub(HubError::Unavailable(_)))),
            "{publish:?}"
        );
    }
    redis.restart();
    let mut stream = open(&client, "t", None).await;
    assert_eq!(stream.status(), 200);
    publish_and_expect(&hub, &mut stream, 0..3).await;
}

#[tokio::test]
async fn an_invalid_redis_url_is_a_configuration_error() {
    let hub = Hub::<Feed>::builder().redis("not a url").await;
    assert!(
        matches!(hub, Err(Error::Hub(HubError::Config(_)))),
        "{hub:?}"
    );
}

#[tokio::test]
async fn an_unreachable_redis_is_a_typed_error() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hub = Hub::<Feed>::builder()
        .redis(&format!("redis://127.0.0.1:{closed_port}/"))
        .await;
    assert!(matches!(hub, Err(Error::Hub(HubError::Unavailable(_)))));
}

#[tokio::test]
async fn hubs_whose_prefixes_nest_never_share_a_topic() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let url = redis.url();
    let on = |prefix: &'static str| Hub::<Feed>::builder().redis_prefix(prefix).redis(&url);
    let (app, chat) = (on("app:").await.unwrap(), on("app:chat:").await.unwrap());
    let mut x = open(&client(&chat), "x", None).await;
    // `app:` + `chat:x` spells what `app:chat:` + `x` spelled before the braces.
    app.publish("chat:x", item(1)).await.unwrap();
    let own = chat.publish("x", item(2)).await.unwrap();
    assert_eq!(
        next_events(&mut x, 1).await,
        [(own.as_str().to_owned(), item(2))],
        "the other hub's event came through"
    );
}

#[tokio::test]
async fn a_prefix_with_a_brace_and_a_cluster_node_are_refused_with_a_config_error() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let braced = Hub::<Feed>::builder()
        .redis_prefix("app{")
        .redis(&redis.url())
        .await;
    assert!(
        matches!(&braced, Err(Error::Hub(HubError::Config(e))) if e.to_string().contains("brace")),
        "{braced:?}"
    );

    let Some(node) = RedisServer::start_with(false, &["--cluster-enabled", "yes"]) else {
        return;
    };
    let clustered = Hub::<Feed>::builder().redis(&node.url()).await;
    assert!(
        matches!(&clustered, Err(Error::Hub(HubError::Config(e))) if e.to_string().contains("Cluster")),
        "{clustered:?}"
    );
}

#[tokio::test]
async fn newcomers_get_the_history_they_ask_for_from_redis_then_live_events() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let hub = redis_hub(&redis, 100).await;
    hub_feed::newcomers_get_history_then_live(&hub).await;
}
