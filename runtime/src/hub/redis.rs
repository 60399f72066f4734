//! The hub over Redis Streams (feature `redis`).
//!
//! Each topic is a stream, `{prefix}{{topic}}` (the braces keep two prefixes where one begins
//! the other from sharing keys), trimmed to the replay window (`MAXLEN ~`); its
//! entry ids are the event ids, so a client resumes on any instance. An entry holds the encoded
//! event (`e`) and a dense per-topic sequence number (`s`), appended in one step by a script, so
//! that a reader can tell "nothing in between" from "history lost".
//!
//! Every instance fans out to its own subscribers from one reader: a single connection that
//! `XREAD`s every topic with local subscribers from the newest id it delivered and appends what
//! it reads to the local topic logs (`topic.rs`), from which subscribers read as in-process.
//! After a dropped connection or a Redis restart it reconnects and reads on from those ids, so
//! nothing is delivered twice; if the history it was reading was lost, the topic's subscribers
//! end and their clients resume with [`Resume::TooOld`](super::Resume::TooOld).
//!
//! A subscriber resuming further back than the local log reaches gets the missing events from
//! Redis (`XRANGE`), then the local log from where that range ended: no gap, no duplicate.

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, RedisError, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::Notify;

use super::id::Key;
use super::topic::{frame, Joined, Keyed, Topic, Topics};
use super::HubError;

/// Appends one event to a topic's stream with the next sequence number (`s`), trimming the
/// stream to about `ARGV[1]` entries; returns the entry id. One script, so that concurrent
/// publishers on any number of instances never number two events alike.
///
/// `KEYS[2]` names the publish's random nonce: the script records the id it appended there,
/// for `ARGV[3]` milliseconds. A retry of a publish whose first attempt got through (its reply
/// lost with the connection) finds the record and returns that id instead of appending twice,
/// however many other publishes landed in between.
const PUBLISH_SCRIPT: &str = r"
local done = redis.call('GET', KEYS[2])
if done then return done end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq = 1
if newest[1] then
  local fields = newest[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 's' then seq = tonumber(fields[i + 1]) + 1 end
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 's', seq, 'e', ARGV[2])
redis.call('SET', KEYS[2], id, 'PX', ARGV[3])
return id
";

/// How long a publish's nonce is remembered: far longer than its one retry can take (two
/// response timeouts and a reconnection).
const NONCE_TTL: Duration = Duration::from_secs(60);

/// How long the reader's `XREAD` blocks before it looks again at which topics to follow. A
/// new topic also interrupts it at once (`CLIENT UNBLOCK`); this bounds the rare case where
/// the interruption arrives just before the read.
const BLOCK: Duration = Duration::from_millis(1_000);
/// How many entries the reader takes per topic and read.
const READ_COUNT: usize = 1_000;
/// The fewest entries a topic's stream keeps, whatever the replay window.
const MIN_STREAM_LEN: usize = 1_000;
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a command may take before the hub treats Redis as unavailable.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The Redis side of a hub.
pub(super) struct RedisHub {
    commands: ConnectionManager,
    publish: redis::Script,
    prefix: Arc<str>,
    max_len: usize,
    reader: Arc<ReaderState>,
    reader_task: tokio::task::JoinHandle<()>,
}

impl Drop for RedisHub {
    fn drop(&mut self) {
        self.reader_task.abort();
    }
}

/// What subscribers tell the reader.
struct ReaderState {
    /// The reader connection's `CLIENT ID` (0 while it has none), to interrupt its `XREAD`.
    client_id: AtomicU64,
    /// A topic started being followed.
    followed_changed: Notify,
}

/// One stream entry as the hub writes it.
struct Entry {
    key: Key,
    seq: u64,
    body: Vec<u8>,
}

fn unavailable(e: RedisError) -> HubError {
    HubError::Unavailable(Box::new(e))
}

fn malformed(what: &str) -> HubError {
    HubError::Unavailable(format!("unexpected reply from Redis: {what}").into())
}

impl RedisHub {
    /// Connects to `url` and starts this instance's reader.
    pub(super) async fn connect(
        url: &str,
        prefix: &str,
        replay: usize,
        topics: &Arc<Topics>,
    ) -> Result<RedisHub, HubError> {
        let client = Client::open(url).map_err(|e| HubError::Config(Box::new(e)))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_max_delay(MAX_BACKOFF)
            // One attempt per command: while Redis is down, a command fails at once (a handler
            // answers `503` before its open deadline) and the next command tries again.
            .set_number_of_retries(0);
        let mut commands = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unavailable)?;
        check_setup(prefix, &mut commands).await?;
        let reader = Arc::new(ReaderState {
            client_id: AtomicU64::new(0),
            followed_changed: Notify::new(),
        });
        let reader_task = tokio::spawn(read_forever(
            client,
            prefix.into(),
            Arc::downgrade(topics),
            reader.clone(),
        ));
        Ok(RedisHub {
            commands,
            publish: redis::Script::new(PUBLISH_SCRIPT),
            prefix: prefix.into(),
            // Redis trims whole nodes with `~`: it keeps at least this many. Never fewer than
            // `MIN_STREAM_LEN`, so that a reader busy for a moment does not find the events it
            // had yet to read trimmed away (it would have to end its topic's subscriptions).
            max_len: replay.max(MIN_STREAM_LEN),
            reader,
            reader_task,
        })
    }

    fn key(&self, topic: &str) -> String {
        stream_key(&self.prefix, topic)
    }

    /// Appends an encoded event (without its `id:` line) to the topic's stream. Tried once more
    /// if the connection had dropped; the script's nonce record makes the second attempt
    /// append nothing if the first one got through, even with other publishes in between.
    pub(super) async fn publish(&self, topic: &str, body: &[u8]) -> Result<Key, HubError> {
        let key = self.key(topic);
        let nonce = format!("{key}\0publish:{:016x}", crate::random::u64());
        let mut invocation = self.publish.key(&key);
        invocation
            .key(nonce)
            .arg(self.max_len)
            .arg(body)
            .arg(NONCE_TTL.as_millis() as u64);
        let id: String = self
            .twice(
                |mut commands| {
                    let invocation = &invocation;
                    async move { invocation.invoke_async(&mut commands).await }
                },
                // An attempt that got no answer in time was sent, and may have run: then the
                // failure is no proof that nothing was published. (A connection found dropped
                // is taken as one the request never went out on, as it is when Redis was down
                // before the publish.)
                |e, timed_out| {
                    if timed_out {
                        HubError::Unconfirmed(Box::new(e))
                    } else {
                        unavailable(e)
                    }
                },
            )
            .await?;
        Key::parse(&id).ok_or_else(|| malformed("a stream entry id"))
    }

    /// Runs a command that only reads; a read is safe to repeat.
    async fn read(&self, command: &redis::Cmd) -> Result<Value, HubError> {
        self.twice(
            |mut commands| async move { command.query_async(&mut commands).await },
            |e, _| unavailable(e),
        )
        .await
    }

    /// Runs `attempt`, once more if the connection had dropped: the connection manager
    /// reconnects on the first failure. `failed` makes the error of the last attempt, told
    /// whether an attempt was tried again after one of them timed out.
    async fn twice<T, Attempt>(
        &self,
        mut attempt: impl FnMut(ConnectionManager) -> Attempt,
        failed: impl FnOnce(RedisError, bool) -> HubError,
    ) -> Result<T, HubError>
    where
        Attempt: std::future::Future<Output = redis::RedisResult<T>>,
    {
        match attempt(self.commands.clone()).await {
            Err(first) if first.is_connection_dropped() || first.is_io_error() => {
                attempt(self.commands.clone()).await.map_err(|e| {
                    let timed_out = first.is_timeout() || e.is_timeout();
                    failed(e, timed_out)
                })
            }
            reply => reply.map_err(|e| failed(e, false)),
        }
    }

    /// Whether the topic's stream still holds the entry `key` (one entry read at most).
    async fn holds(&self, topic: &str, key: Key) -> Result<bool, HubError> {
        Ok(!self.range(topic, key, key, 1).await?.is_empty())
    }

    /// The newest entry of the topic's stream, as the base a newly followed topic starts after.
    async fn newest(&self, topic: &str) -> Result<(Key, u64), HubError> {
        let entries = self.newest_entries(topic, 1).await?;
        Ok(entries
            .first()
            .map_or((Key { high: 0, low: 0 }, 0), |e| (e.key, e.seq)))
    }

    /// The newest `count` entries of the topic's stream, newest first.
    async fn newest_entries(&self, topic: &str, count: usize) -> Result<Vec<Entry>, HubError> {
        let mut command = redis::cmd("XREVRANGE");
        command
            .arg(self.key(topic))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(count);
        let reply = self.read(&command).await?;
        parse_entries(reply).ok_or_else(|| malformed("XREVRANGE"))
    }

    /// Registers a subscriber without an id that starts with the newest `history` events: it
    /// resumes after the entry just before them, through [`join`](Self::join), so the seam
    /// with live events is the one every resuming client gets. If the stream holds no more
    /// than `history` entries, it resumes after the oldest, which is put before the rest.
    pub(super) async fn join_newcomer(
        &self,
        topics: &Arc<Topics>,
        topic: &str,
        history: usize,
    ) -> Result<(super::topic::Membership, bool, VecDeque<Bytes>), HubError> {
        // Entries beyond the stream's length are never there: ask for no more.
        let wanted = history.min(self.max_len * 2);
        let newest = self.newest_entries(topic, wanted + 1).await?;
        let (after, oldest_too) = match newest.get(wanted) {
            Some(before) => (before, false),
            None => match newest.last() {
                Some(oldest) => (oldest, true),
                None => return self.join(topics, topic, None).await,
            },
        };
        let (mut membership, resumed, mut replay) =
            self.join(topics, topic, Some(after.key)).await?;
        if !resumed {
            // Trimmed meanwhile: live events only, as for a client too far behind.
            membership.live_only();
        } else if oldest_too {
            replay.push_front(frame(after.key, &after.body));
        }
        Ok((membership, resumed, replay))
    }

    /// The entries from `from` to `to`, both included, at most `count` of them.
    async fn range(
        &self,
        topic: &str,
        from: Key,
        to: Key,
        count: usize,
    ) -> Result<Vec<Entry>, HubError> {
        let mut command = redis::cmd("XRANGE");
        command
            .arg(self.key(topic))
            .arg(from.to_string())
            .arg(to.to_string())
            .arg("COUNT")
            .arg(count);
        let reply = self.read(&command).await?;
        parse_entries(reply).ok_or_else(|| malformed("XRANGE"))
    }

    /// Registers a subscriber of `topic` resuming after `last`; returns how it resumed and the
    /// events it needs from Redis before the local log.
    pub(super) async fn join(
        &self,
        topics: &Arc<Topics>,
        topic: &str,
        last: Option<Key>,
    ) -> Result<(super::topic::Membership, bool, VecDeque<Bytes>), HubError> {
        // Where the local log starts if this subscriber is the topic's first here. Asked every
        // time: a topic followed now may be dropped by the time this subscriber joins.
        let base = self.newest(topic).await?;
        let followed = topics.get(topic).is_some();
        let mut membership = topics.join(topic, last, 0, || base)?;
        if !followed {
            self.follow_changed().await;
        }
        let Some(last) = last else {
            return Ok((membership, false, VecDeque::new()));
        };
        loop {
            match membership.joined {
                Joined::Resumed => return Ok((membership, true, VecDeque::new())),
                Joined::Fresh => return Ok((membership, false, VecDeque::new())),
                Joined::Before { base } => {
                    let replay = self.replay_between(topic, last, base).await?;
                    let resumed = replay.is_some();
                    return Ok((membership, resumed, replay.unwrap_or_default()));
                }
                Joined::Unknown => {
                    // Newer than what this instance has read so far (the client saw it on
                    // another instance)? Then wait for the reader to catch up to it.
                    if !self.holds(topic, last).await? {
                        return Ok((membership, false, VecDeque::new()));
                    }
                    let topic_log = membership.topic.clone();
                    wait_until_holds(&topic_log, last).await?;
                    let (joined, cursor) = topic_log.rejoin(Some(last));
                    membership.joined = joined;
                    membership.cursor = cursor;
                }
            }
        }
    }

    /// The events after `last` up to and including `base`, as frames, if `last` is still in
    /// the stream and nothing between is missing; `None` if what followed `last` is lost.
    async fn replay_between(
        &self,
        topic: &str,
        last: Key,
        base: Key,
    ) -> Result<Option<VecDeque<Bytes>>, HubError> {
        // Any client can send any id: one the stream no longer holds (`0-1`) is too old, said
        // without reading the stream up to `base`, which may be megabytes.
        if !self.holds(topic, last).await? {
            return Ok(None);
        }
        // From an id the stream holds to its newest entry there are at most the stream's
        // length: `max_len`, plus what `MAXLEN ~` leaves of a node. Fewer means "too old".
        let entries = self.range(topic, last, base, self.max_len * 2).await?;
        let Some((first, rest)) = entries.split_first() else {
            return Ok(None);
        };
        let reaches_base = entries.last().is_some_and(|e| e.key == base);
        let dense = first.key == last
            && reaches_base
            && rest
                .iter()
                .zip(&entries)
                .all(|(entry, previous)| entry.seq == previous.seq + 1);
        if !dense {
            return Ok(None);
        }
        Ok(Some(rest.iter().map(|e| frame(e.key, &e.body)).collect()))
    }

    /// Tells the reader to follow a new topic now rather than after its current read.
    async fn follow_changed(&self) {
        self.reader.followed_changed.notify_one();
        let id = self.reader.client_id.load(Ordering::Relaxed);
        if id != 0 {
            let mut commands = self.commands.clone();
            // Best effort: if it fails, the reader's read ends within `BLOCK` anyway.
            let _ = redis::cmd("CLIENT")
                .arg("UNBLOCK")
                .arg(id)
                .query_async::<Value>(&mut commands)
                .await;
        }
    }
}

/// Waits until the reader has appended the event `last` to `topic` (bounded: a reader that
/// cannot catch up means Redis is not answering).
async fn wait_until_holds(topic: &Topic, last: Key) -> Result<(), HubError> {
    let caught_up = async {
        loop {
            let appended = topic.appended();
            let mut appended = std::pin::pin!(appended);
            appended.as_mut().enable();
            if topic.newest() >= last {
                return;
            }
            appended.await;
        }
    };
    tokio::time::timeout(BLOCK + RESPONSE_TIMEOUT, caught_up)
        .await
        .map_err(|_| HubError::Unavailable("the hub's Redis reader is not catching up".into()))
}

/// The reader of one instance: reconnects forever, with backoff, until the hub is dropped.
async fn read_forever(
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

/// The key of `topic`'s stream: the prefix, then the topic in braces. The prefix holds no
/// brace (checked when the hub connects), so the first brace ends it and no two hubs whose
/// prefixes nest (`app:` and `app:chat:`) share a key. The braces are also a Redis Cluster
/// hash tag, which keeps a topic's stream and its publish nonces in one slot.
fn stream_key(prefix: &str, topic: &str) -> String {
    format!("{prefix}{{{topic}}}")
}

/// Refuses what this hub cannot work with: a prefix with a brace (see [`stream_key`]), or a
/// Redis Cluster, whose nodes refuse the reader's `XREAD` over topics in several slots.
async fn check_setup(prefix: &str, commands: &mut ConnectionManager) -> Result<(), HubError> {
    if prefix.contains(['{', '}']) {
        return Err(HubError::Config(
            format!("the Redis prefix `{prefix}` contains a brace, which ends it in the keys: choose one without").into(),
        ));
    }
    let cluster: String = redis::cmd("INFO")
        .arg("cluster")
        .query_async(commands)
        .await
        .map_err(unavailable)?;
    if cluster
        .lines()
        .any(|line| line.trim() == "cluster_enabled:1")
    {
        return Err(HubError::Config(
            "Redis Cluster is not supported: point the hub at a standalone Redis (or a primary \
             with replicas, or Sentinel's primary)"
                .into(),
        ));
    }
    Ok(())
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

/// `XREAD`'s reply: `nil`, or per stream its key and entries (an array in RESP2, a map in
/// RESP3).
fn parse_read_reply(reply: Value) -> Vec<(String, Vec<Entry>)> {
    let streams: Vec<(Value, Value)> = match reply {
        Value::Array(streams) => streams
            .into_iter()
            .filter_map(|stream| match stream {
                Value::Array(pair) if pair.len() == 2 => {
                    let mut pair = pair.into_iter();
                    Some((pair.next()?, pair.next()?))
                }
                _ => None,
            })
            .collect(),
        Value::Map(streams) => streams,
        _ => Vec::new(),
    };
    streams
        .into_iter()
        .filter_map(|(key, entries)| Some((text(key)?, parse_entries(entries)?)))
        .collect()
}

/// A list of stream entries, as `XRANGE`, `XREVRANGE` and `XREAD` give them.
fn parse_entries(reply: Value) -> Option<Vec<Entry>> {
    match reply {
        Value::Array(entries) => entries.into_iter().map(parse_entry).collect(),
        Value::Nil => Some(Vec::new()),
        _ => None,
    }
}

fn parse_entry(entry: Value) -> Option<Entry> {
    let Value::Array(parts) = entry else {
        return None;
    };
    let mut parts = parts.into_iter();
    let key = Key::parse(&text(parts.next()?)?)?;
    let fields: Vec<Value> = match parts.next()? {
        Value::Array(fields) => fields,
        Value::Map(fields) => fields.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => return None,
    };
    let (mut seq, mut body) = (None, None);
    let mut fields = fields.into_iter();
    while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
        match text(name)?.as_str() {
            "s" => seq = text(value)?.parse().ok(),
            "e" => body = bytes(value),
            _ => {}
        }
    }
    Some(Entry {
        key,
        seq: seq?,
        body: body?,
    })
}

fn bytes(value: Value) -> Option<Vec<u8>> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.into_bytes()),
        _ => None,
    }
}

fn text(value: Value) -> Option<String> {
    String::from_utf8(bytes(value)?).ok()
}
