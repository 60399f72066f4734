//! The registry of a hub's topics, by name: creating them under the hub's caps, the
//! memberships of their subscribers, and the sweeper that evicts unused ones.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::time::Instant;

use super::id::Key;
use super::log::{Cursor, Joined, Retention};
use super::topic::Topic;
use super::totals::Totals;

/// The hub holds as many topics, or bytes, as it may: a new topic or event is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    Topics(usize),
    Bytes(usize),
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Full::Topics(max) => write!(
                f,
                "the hub holds {max} topics, its `max_topics`: no new topic until one is evicted"
            ),
            Full::Bytes(max) => write!(
                f,
                "the hub holds {max} bytes of events and topic names, its `max_retained_bytes`: \
                 nothing more is kept until topics are evicted"
            ),
        }
    }
}

impl std::error::Error for Full {}

/// How much a hub may hold, over all its topics.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caps {
    pub(crate) topics: usize,
    /// Encoded events and topic names.
    pub(crate) bytes: usize,
}

/// What a [`Hub`](super::Hub) holds, from [`Hub::stats`](super::Hub::stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HubStats {
    /// Topics held (with subscribers, or with a replay window not yet evicted).
    pub topics: usize,
    /// Subscriptions open.
    pub subscribers: usize,
    /// Events held in logs, across topics.
    pub retained_events: usize,
    /// Bytes of encoded events held in logs, and of topic names, across topics.
    pub retained_bytes: usize,
    /// Subscribers dropped, ever, for falling further behind than their queue allows.
    pub dropped_subscribers: u64,
}

/// What becomes of a topic that nobody subscribes to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unused {
    /// Kept with its replay window until it has been idle (no subscriber, no event) this long.
    EvictAfter(Duration),
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
    /// Removed as soon as its last subscriber leaves (its history lives elsewhere).
    Remove,
}

/// A topic in the queue of unused ones: when it became unused, its name, and the topic (gone
/// if it was evicted or reset meanwhile).
type UnusedTopic = (Instant, Arc<str>, Weak<Topic>);

/// The topics of one hub, by name.
pub(crate) struct Topics {
    map: Mutex<HashMap<Arc<str>, Arc<Topic>>>,
    retention: Retention,
    unused: Unused,
    caps: Caps,
    totals: Arc<Totals>,
    /// Topics without subscribers, oldest first, with when they became unused: the sweeper
    /// looks only at those due, never at every topic.
    idle: Mutex<VecDeque<UnusedTopic>>,
    /// Subscribers dropped for falling too far behind, ever.
    dropped: AtomicU64,
    sweeper_started: AtomicBool,
}

/// A subscriber's registration in a topic, until dropped.
pub(crate) struct Membership {
    topics: Arc<Topics>,
    pub(crate) topic: Arc<Topic>,
    pub(crate) name: Arc<str>,
    pub(crate) cursor: Cursor,
    pub(crate) joined: Joined,
}

impl Membership {
    /// Moves the subscriber to the newest event: its client's id is too old to resume from,
    /// and a client told so gets live events only, never part of a window.
    pub(crate) fn live_only(&mut self) {
        (_, self.cursor) = self.topic.rejoin(None);
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.topics.leave(self);
    }
}

impl Topics {
    pub(crate) fn new(retention: Retention, unused: Unused, caps: Caps) -> Arc<Topics> {
        Arc::new(Topics {
            map: Mutex::new(HashMap::new()),
            retention,
            unused,
            caps,
            totals: Arc::default(),
            idle: Mutex::new(VecDeque::new()),
            dropped: AtomicU64::new(0),
            sweeper_started: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Arc<Topic>>> {
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_idle(&self) -> MutexGuard<'_, VecDeque<UnusedTopic>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuses more when the hub holds `max_retained_bytes` already.
    pub(crate) fn check_bytes(&self) -> Result<(), Full> {
        if self.totals.retained_bytes.load(Ordering::Relaxed) >= self.caps.bytes {
            return Err(Full::Bytes(self.caps.bytes));
        }
        Ok(())
    }

    /// The topic named `name`, created from `base()` (the id and sequence number its history
    /// starts after) if new.
    pub(crate) fn get_or_create(
        self: &Arc<Self>,
        name: &str,
        base: impl FnOnce() -> (Key, u64),
    ) -> Result<Arc<Topic>, Full> {
        let (_, topic) = self.entry(&mut self.lock(), name, base)?;
        self.start_sweeper();
        Ok(topic)
    }

    /// The topic named `name` in `map`, created from `base()` if new and the caps allow.
    fn entry(
        &self,
        map: &mut HashMap<Arc<str>, Arc<Topic>>,
        name: &str,
        base: impl FnOnce() -> (Key, u64),
    ) -> Result<(Arc<str>, Arc<Topic>), Full> {
        if let Some((name, topic)) = map.get_key_value(name) {
            return Ok((name.clone(), topic.clone()));
        }
        if map.len() >= self.caps.topics {
            return Err(Full::Topics(self.caps.topics));
        }
        self.check_bytes()?;
        let (key, seq) = base();
        let topic = Arc::new(Topic::new(key, seq, self.retention, self.totals.clone()));
        let name: Arc<str> = name.into();
        map.insert(name.clone(), topic.clone());
        self.totals
            .retained_bytes
            .fetch_add(name.len(), Ordering::Relaxed);
        // A topic made by a publish has no subscriber from the start.
        self.queue_if_unused(&name, &topic);
        Ok((name, topic))
    }

    /// Removes `topic` from `map` if it is still the one registered as `name` (a newer one may
    /// have taken the name), and closes it: its subscribers end.
    fn forget(&self, map: &mut HashMap<Arc<str>, Arc<Topic>>, name: &str, topic: &Arc<Topic>) {
        if map.get(name).is_some_and(|t| Arc::ptr_eq(t, topic)) {
            map.remove(name);
            self.totals
                .retained_bytes
                .fetch_sub(name.len(), Ordering::Relaxed);
        }
        topic.close();
    }

    /// Puts `topic` in the queue of unused topics if this hub evicts them and it is unused.
    fn queue_if_unused(&self, name: &Arc<str>, topic: &Arc<Topic>) {
        if !matches!(self.unused, Unused::EvictAfter(_)) {
            return;
        }
        if let Some(since) = topic.queue_if_unused() {
            self.lock_idle()
                .push_back((since, name.clone(), Arc::downgrade(topic)));
        }
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
    /// The topic named `name`, if it exists.
    pub(crate) fn get(&self, name: &str) -> Option<Arc<Topic>> {
        self.lock().get(name).cloned()
    }

    /// Registers a subscriber of `name` resuming after `last` (or, without an id, starting with
    /// the newest `history` events of the log), creating the topic from `base()` if needed.
    /// Under the registry's lock, so the topic cannot be evicted in between.
    pub(crate) fn join(
        self: &Arc<Self>,
        name: &str,
        last: Option<Key>,
        history: usize,
        base: impl FnOnce() -> (Key, u64),
    ) -> Result<Membership, Full> {
        let mut map = self.lock();
        let (name, topic) = self.entry(&mut map, name, base)?;
        let (joined, cursor) = topic.join(last, history);
        drop(map);
        self.start_sweeper();
        Ok(Membership {
            topics: self.clone(),
            topic,
            name,
            cursor,
            joined,
        })
    }

    /// Unregisters a subscriber, counting it if it had fallen too far behind.
    fn leave(&self, membership: &Membership) {
        let mut map = self.lock();
        let (behind, left) = membership.topic.leave(&membership.cursor);
        if behind {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            super::metrics::subscriber_dropped();
            tracing::debug!(topic = %membership.name, "a hub subscriber fell too far behind and was dropped");
        }
        if left == 0 {
            match self.unused {
                Unused::Remove => self.forget(&mut map, &membership.name, &membership.topic),
                Unused::EvictAfter(_) => self.queue_if_unused(&membership.name, &membership.topic),
            }
        }
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
    /// Closes and forgets a topic whose history was lost: its subscribers end, and the next
    /// ones start over.
    pub(crate) fn reset(&self, name: &str, topic: &Arc<Topic>) {
        self.forget(&mut self.lock(), name, topic);
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
    /// Topics with at least one subscriber, with the id of their newest event.
    pub(crate) fn followed(&self) -> Vec<(Arc<str>, Arc<Topic>, Key)> {
        self.lock()
            .iter()
            .filter_map(|(name, topic)| {
                let log = topic.lock();
                (log.subscribers > 0).then(|| (name.clone(), topic.clone(), log.newest()))
            })
            .collect()
    }

    /// Evicts the topics unused for `idle` or longer; returns how many. Only the queue's due
    /// topics are looked at, each under the registry's lock on its own, so publishing and
    /// subscribing wait for one topic's check at most, never for a walk over every topic.
    fn sweep(&self, idle: Duration) -> usize {
        let now = Instant::now();
        let mut evicted = 0;
        loop {
            let due = {
                let mut queue = self.lock_idle();
                match queue.front() {
                    Some((since, ..)) if now.duration_since(*since) >= idle => queue.pop_front(),
                    _ => None,
                }
            };
            let Some((_, name, topic)) = due else {
                return evicted;
            };
            let Some(topic) = topic.upgrade() else {
                continue; // evicted or reset meanwhile
            };
            let mut map = self.lock();
            if !map.get(&name).is_some_and(|t| Arc::ptr_eq(t, &topic)) {
                continue;
            }
            let mut log = topic.lock();
            log.idle_queued = false;
            if log.subscribers > 0 {
                continue; // queued again when its last subscriber leaves
            }
            if now.duration_since(log.last_active) >= idle {
                drop(log);
                self.forget(&mut map, &name, &topic);
                evicted += 1;
            } else {
                // Published to since it was queued: due later.
                log.idle_queued = true;
                let since = log.last_active;
                drop(log);
                self.lock_idle()
                    .push_back((since, name, Arc::downgrade(&topic)));
            }
        }
    }
    /// Starts the task that evicts idle topics, once, if this hub evicts them. It holds only a
    /// weak reference, so it ends with the hub.
    fn start_sweeper(self: &Arc<Self>) {
        let Unused::EvictAfter(idle) = self.unused else {
            return;
        };
        if self.sweeper_started.swap(true, Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.sweeper_started.store(false, Ordering::Relaxed);
            return;
        };
        let topics: Weak<Topics> = Arc::downgrade(self);
        let period = (idle / 4).max(Duration::from_millis(10));
        runtime.spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(topics) = topics.upgrade() else {
                    return;
                };
                let evicted = topics.sweep(idle);
                if evicted > 0 {
                    tracing::debug!(evicted, "hub evicted idle topics");
                }
            }
        });
    }

    /// Counts for [`HubStats`](HubStats), kept as topics change: no walk.
    pub(crate) fn stats(&self) -> HubStats {
        HubStats {
            topics: self.lock().len(),
            subscribers: self.totals.subscribers.load(Ordering::Relaxed),
            retained_events: self.totals.retained_events.load(Ordering::Relaxed),
            retained_bytes: self.totals.retained_bytes.load(Ordering::Relaxed),
            dropped_subscribers: self.dropped.load(Ordering::Relaxed),
        }
    }
}
