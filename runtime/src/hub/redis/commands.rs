//! The commands the hub sends Redis on its shared connection: the publish script, and the
//! reads a subscriber's join needs. Each tries once more after a dropped connection.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Value};
use std::sync::Arc;
use std::time::Duration;

use super::super::id::Key;
use super::reply::{parse_entries, Entry};
use super::{MAX_BACKOFF, RESPONSE_TIMEOUT};
use crate::error::HubError;

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

/// The fewest entries a topic's stream keeps, whatever the replay window.
const MIN_STREAM_LEN: usize = 1_000;
/// The hub's connection for commands, and what it writes with.
pub(super) struct Commands {
    connection: ConnectionManager,
    publish: redis::Script,
    prefix: Arc<str>,
    /// The length each topic's stream is trimmed to (`MAXLEN ~`).
    pub(super) max_len: usize,
}

pub(super) fn unavailable(e: RedisError) -> HubError {
    HubError::Unavailable(Box::new(e))
}

pub(super) fn malformed(what: &str) -> HubError {
    HubError::Unavailable(format!("unexpected reply from Redis: {what}").into())
}

impl Commands {
    /// Connects to `url`, and checks that the hub can work with that Redis and `prefix`.
    pub(super) async fn connect(
        client: &Client,
        prefix: &str,
        replay: usize,
    ) -> Result<Commands, HubError> {
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_max_delay(MAX_BACKOFF)
            // One attempt per command: while Redis is down, a command fails at once (a handler
            // answers `503` before its open deadline) and the next command tries again.
            .set_number_of_retries(0);
        let mut connection = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unavailable)?;
        check_setup(prefix, &mut connection).await?;
        Ok(Commands {
            connection,
            publish: redis::Script::new(PUBLISH_SCRIPT),
            prefix: prefix.into(),
            // Redis trims whole nodes with `~`: it keeps at least this many. Never fewer than
            // `MIN_STREAM_LEN`, so that a reader busy for a moment does not find the events it
            // had yet to read trimmed away (it would have to end its topic's subscriptions).
            max_len: replay.max(MIN_STREAM_LEN),
        })
    }

    /// Appends an encoded event (without its `id:` line) to the topic's stream. Tried once more
    /// if the connection had dropped; the script's nonce record makes the second attempt
    /// append nothing if the first one got through, even with other publishes in between.
    pub(super) async fn publish(&self, topic: &str, body: &[u8]) -> Result<Key, HubError> {
        let key = stream_key(&self.prefix, topic);
        let nonce = format!("{key}\0publish:{:016x}", crate::util::random::u64());
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
        match attempt(self.connection.clone()).await {
            Err(first) if first.is_connection_dropped() || first.is_io_error() => {
                attempt(self.connection.clone()).await.map_err(|e| {
                    let timed_out = first.is_timeout() || e.is_timeout();
                    failed(e, timed_out)
                })
            }
            reply => reply.map_err(|e| failed(e, false)),
        }
    }

    /// Whether the topic's stream still holds the entry `key` (one entry read at most).
    pub(super) async fn holds(&self, topic: &str, key: Key) -> Result<bool, HubError> {
        Ok(!self.range(topic, key, key, 1).await?.is_empty())
    }

    /// The newest entry of the topic's stream, as the base a newly followed topic starts after.
    pub(super) async fn newest(&self, topic: &str) -> Result<(Key, u64), HubError> {
        let entries = self.newest_entries(topic, 1).await?;
        Ok(entries
            .first()
            .map_or((Key { high: 0, low: 0 }, 0), |e| (e.key, e.seq)))
    }

    /// The newest `count` entries of the topic's stream, newest first.
    pub(super) async fn newest_entries(
        &self,
        topic: &str,
        count: usize,
    ) -> Result<Vec<Entry>, HubError> {
        let mut command = redis::cmd("XREVRANGE");
        command
            .arg(stream_key(&self.prefix, topic))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(count);
        let reply = self.read(&command).await?;
        parse_entries(reply).ok_or_else(|| malformed("XREVRANGE"))
    }

    /// The entries from `from` to `to`, both included, at most `count` of them.
    pub(super) async fn range(
        &self,
        topic: &str,
        from: Key,
        to: Key,
        count: usize,
    ) -> Result<Vec<Entry>, HubError> {
        let mut command = redis::cmd("XRANGE");
        command
            .arg(stream_key(&self.prefix, topic))
            .arg(from.to_string())
            .arg(to.to_string())
            .arg("COUNT")
            .arg(count);
        let reply = self.read(&command).await?;
        parse_entries(reply).ok_or_else(|| malformed("XRANGE"))
    }

    /// Interrupts the blocked `XREAD` of the reader connection `client_id`. Best effort: if it
    /// fails, the read ends within its block time anyway.
    pub(super) async fn unblock(&self, client_id: u64) {
        let mut connection = self.connection.clone();
        let _ = redis::cmd("CLIENT")
            .arg("UNBLOCK")
            .arg(client_id)
            .query_async::<Value>(&mut connection)
            .await;
    }
}

/// The key of `topic`'s stream: the prefix, then the topic in braces. The prefix holds no
/// brace (checked when the hub connects), so the first brace ends it and no two hubs whose
/// prefixes nest (`app:` and `app:chat:`) share a key. The braces are also a Redis Cluster
/// hash tag, which keeps a topic's stream and its publish nonces in one slot.
pub(super) fn stream_key(prefix: &str, topic: &str) -> String {
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
