//! The reader of one instance: one connection that `XREAD`s every topic with local
//! subscribers and appends what it reads to the local topic logs.

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::Notify;

use super::super::id::Key;
use super::super::registry::Topics;
use super::super::topic::{Keyed, Topic};
use super::commands::stream_key;
use super::reply::parse_read_reply;
use super::{MAX_BACKOFF, RESPONSE_TIMEOUT};

/// How long the reader's `XREAD` blocks before it looks again at which topics to follow. A
/// new topic also interrupts it at once (`CLIENT UNBLOCK`); this bounds the rare case where
/// the interruption arrives just before the read.
pub(super) const BLOCK: Duration = Duration::from_millis(1_000);
/// How many entries the reader takes per topic and read.
const READ_COUNT: usize = 1_000;
/// What subscribers tell the reader.
pub(super) struct ReaderState {
    /// The reader connection's `CLIENT ID` (0 while it has none), to interrupt its `XREAD`.
    pub(super) client_id: AtomicU64,
    /// A topic started being followed.
    pub(super) followed_changed: Notify,
}

/// The reader of one instance: reconnects forever, with backoff, until the hub is dropped.
pub(super) async fn read_forever(
    client: Client,
    prefix: Arc<str>,
    topics: Weak<Topics>,
    state: Arc<ReaderState>,
) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match read_until_error(&client, &prefix, &topics, &state).await {
            Ok(()) => return, // the hub is gone
            Err(e) => {
                state.client_id.store(0, Ordering::Relaxed);
                tracing::warn!(error = %e, "the hub's Redis reader lost its connection; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        if topics.strong_count() == 0 {
            return;
        }
    }
}

/// Connects, checks that the history of every followed topic survived, then reads.
async fn read_until_error(
    client: &Client,
    prefix: &str,
    topics: &Weak<Topics>,
    state: &ReaderState,
) -> Result<(), RedisError> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(RESPONSE_TIMEOUT))
        .set_response_timeout(Some(BLOCK + RESPONSE_TIMEOUT));
    let mut connection = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    let id: u64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut connection)
        .await?;
    state.client_id.store(id, Ordering::Relaxed);
    let Some(live) = topics.upgrade() else {
        return Ok(());
    };
    for (name, topic, newest) in live.followed() {
        if newest != (Key { high: 0, low: 0 })
            && !entry_exists(&mut connection, prefix, &name, newest).await?
        {
            tracing::warn!(topic = %name, "Redis lost this topic's history; its subscribers start over");
            live.reset(&name, &topic);
        }
    }
    drop(live);
    loop {
        let Some(live) = topics.upgrade() else {
            return Ok(());
        };
        let followed = live.followed();
        if followed.is_empty() {
            drop(live);
            // Nothing to read until a subscriber arrives (or a while has passed, to notice
            // the hub's end).
            let _ = tokio::time::timeout(BLOCK, state.followed_changed.notified()).await;
            continue;
        }
        let mut read = redis::cmd("XREAD");
        read.arg("COUNT")
            .arg(READ_COUNT)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS");
        for (name, _, _) in &followed {
            read.arg(stream_key(prefix, name));
        }
        for (_, _, newest) in &followed {
            read.arg(newest.to_string());
        }
        drop(live);
        let reply: Value = read.query_async(&mut connection).await?;
        let by_key: HashMap<String, (&Arc<str>, &Arc<Topic>)> = followed
            .iter()
            .map(|(name, topic, _)| (stream_key(prefix, name), (name, topic)))
            .collect();
        for (key, entries) in parse_read_reply(reply) {
            let Some((name, topic)) = by_key.get(&key) else {
                continue;
            };
            for entry in entries {
                match topic.append_keyed(entry.key, entry.seq, &entry.body) {
                    Ok(Keyed::Appended | Keyed::Duplicate) => {}
                    Ok(Keyed::Gap) => {
                        tracing::warn!(topic = %name, "events of this topic were lost in Redis; its subscribers start over");
                        if let Some(live) = topics.upgrade() {
                            live.reset(name, topic);
                        }
                        break;
                    }
                    Err(_closed) => break,
                }
            }
        }
    }
}

async fn entry_exists(
    connection: &mut MultiplexedConnection,
    prefix: &str,
    topic: &str,
    key: Key,
) -> Result<bool, RedisError> {
    let reply: Value = redis::cmd("XRANGE")
        .arg(stream_key(prefix, topic))
        .arg(key.to_string())
        .arg(key.to_string())
        .query_async(connection)
        .await?;
    Ok(matches!(reply, Value::Array(entries) if !entries.is_empty()))
}
