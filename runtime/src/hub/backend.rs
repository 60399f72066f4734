//! [`Backend`]: where a hub's events live. In this process only, or in Redis, with this
//! process's topic logs as the queue its subscribers read from.

use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Arc;

use super::id::Key;
use super::log::Joined;
#[cfg(feature = "redis")]
use super::redis::RedisHub;
use super::registry::{Membership, Topics};
use super::topic::Closed;
use crate::error::Error;

/// A subscriber registered in its topic, whether it resumed from its id, and the events it
/// needs before the local log (those Redis holds further back).
pub(super) type Joining = (Membership, bool, VecDeque<Bytes>);

/// Where a hub's events live.
pub(super) enum Backend {
    /// The topics' logs are all there is.
    InProcess,
    /// Redis Streams hold the events; the local logs are the subscribers' queues.
    #[cfg(feature = "redis")]
    Redis(RedisHub),
}

impl Backend {
    /// Publishes the encoded `body` (without an `id:` line) to `topic`; returns its id.
    pub(super) async fn publish(
        &self,
        topics: &Arc<Topics>,
        topic: &str,
        body: &[u8],
    ) -> Result<Key, Error> {
        match self {
            Backend::InProcess => {
                topics.check_bytes()?;
                loop {
                    let log = topics.get_or_create(topic, new_epoch)?;
                    match log.append_next(body) {
                        Ok(key) => return Ok(key),
                        // Evicted between the lookup and the append: look it up (create it)
                        // again.
                        Err(Closed) => continue,
                    }
                }
            }
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => Ok(redis.publish(topic, body).await?),
        }
    }

    /// Registers a subscriber of `topic`: resuming after `last` if it sent an id (`None` inside
    /// for one that does not parse), or, without, starting with the newest `history` events.
    pub(super) async fn join(
        &self,
        topics: &Arc<Topics>,
        topic: &str,
        last: Option<Option<Key>>,
        history: usize,
    ) -> Result<Joining, Error> {
        let after = last.flatten();
        match self {
            // The log is all there is: an id it does not hold (malformed, unknown, or older
            // than the window) cannot be resumed from.
            Backend::InProcess => {
                let membership = topics.join(topic, after, history, new_epoch)?;
                let resumed = matches!(membership.joined, Joined::Resumed);
                Ok((membership, resumed, VecDeque::new()))
            }
            #[cfg(feature = "redis")]
            Backend::Redis(redis) if last.is_none() && history > 0 => {
                Ok(redis.join_newcomer(topics, topic, history).await?)
            }
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => Ok(redis.join(topics, topic, after).await?),
        }
    }
}

/// Where a new in-process topic's ids start: a random epoch, so that ids from before a restart
/// or an eviction, or from another topic, are foreign to it. Positions count from 1, so
/// `{epoch}-0` means "before the first event".
fn new_epoch() -> (Key, u64) {
    // 48 bits keep ids short.
    let base = Key {
        high: (crate::util::random::u64() >> 16).max(1),
        low: 0,
    };
    (base, 0)
}
