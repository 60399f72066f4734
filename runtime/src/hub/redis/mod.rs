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

mod commands;
mod reader;
mod reply;

use bytes::Bytes;
use redis::Client;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

use super::id::Key;
use super::log::Joined;
use super::registry::{Membership, Topics};
use super::topic::{frame, Topic};
use crate::error::HubError;
use commands::Commands;
use reader::{read_forever, ReaderState, BLOCK};

/// Longest wait between reconnection attempts.
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a command may take before the hub treats Redis as unavailable.
pub(super) const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The Redis side of a hub.
pub(crate) struct RedisHub {
    commands: Commands,
    reader: Arc<ReaderState>,
    reader_task: tokio::task::JoinHandle<()>,
}

impl Drop for RedisHub {
    fn drop(&mut self) {
        self.reader_task.abort();
    }
}

impl RedisHub {
    /// Connects to `url` and starts this instance's reader.
    pub(crate) async fn connect(
        url: &str,
        prefix: &str,
        replay: usize,
        topics: &Arc<Topics>,
    ) -> Result<RedisHub, HubError> {
        let client = Client::open(url).map_err(|e| HubError::Config(Box::new(e)))?;
        let commands = Commands::connect(&client, prefix, replay).await?;
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
            reader,
            reader_task,
        })
    }

    /// Appends an encoded event (without its `id:` line) to the topic's stream.
    pub(crate) async fn publish(&self, topic: &str, body: &[u8]) -> Result<Key, HubError> {
        self.commands.publish(topic, body).await
    }

    /// Registers a subscriber without an id that starts with the newest `history` events: it
    /// resumes after the entry just before them, through [`join`](Self::join), so the seam
    /// with live events is the one every resuming client gets. If the stream holds no more
    /// than `history` entries, it resumes after the oldest, which is put before the rest.
    pub(crate) async fn join_newcomer(
        &self,
        topics: &Arc<Topics>,
        topic: &str,
        history: usize,
    ) -> Result<(Membership, bool, VecDeque<Bytes>), HubError> {
        // Entries beyond the stream's length are never there: ask for no more.
        let wanted = history.min(self.commands.max_len * 2);
        let newest = self.commands.newest_entries(topic, wanted + 1).await?;
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

    /// Registers a subscriber of `topic` resuming after `last`; returns how it resumed and the
    /// events it needs from Redis before the local log.
    pub(crate) async fn join(
        &self,
        topics: &Arc<Topics>,
        topic: &str,
        last: Option<Key>,
    ) -> Result<(Membership, bool, VecDeque<Bytes>), HubError> {
        // Where the local log starts if this subscriber is the topic's first here. Asked every
        // time: a topic followed now may be dropped by the time this subscriber joins.
        let base = self.commands.newest(topic).await?;
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
                    if !self.commands.holds(topic, last).await? {
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
        if !self.commands.holds(topic, last).await? {
            return Ok(None);
        }
        // From an id the stream holds to its newest entry there are at most the stream's
        // length: `max_len`, plus what `MAXLEN ~` leaves of a node. Fewer means "too old".
        let entries = self
            .commands
            .range(topic, last, base, self.commands.max_len * 2)
            .await?;
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
            self.commands.unblock(id).await;
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
