//! A topic's log, and the registry of a hub's topics.
//!
//! One ring of encoded events per topic is at once its replay window and every subscriber's
//! queue: a subscriber is only a position in it. Fan-out copies nothing per subscriber (each
//! takes a reference-counted handle to the same bytes), and a subscriber costs the same however
//! far behind it is. How far behind it may fall is bounded in events and in bytes; past that it
//! is dropped, and the ring never keeps more than the larger of the replay window and one queue.

use bytes::{BufMut, Bytes, BytesMut};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::sync::futures::Notified;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::id::Key;

/// A bound in events and in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) events: usize,
    pub(crate) bytes: usize,
}

impl Limits {
    fn max(self, other: Limits) -> Limits {
        Limits {
            events: self.events.max(other.events),
            bytes: self.bytes.max(other.bytes),
        }
    }
}

/// What a topic keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retention {
    /// Kept for clients that reconnect, with or without subscribers.
    pub(crate) replay: Limits,
    /// How far a subscriber may fall behind the newest event before it is dropped.
    pub(crate) queue: Limits,
}

/// One topic: its log and the subscribers waiting on it.
pub(crate) struct Topic {
    log: Mutex<Log>,
    /// Woken on every append; subscribers wait on it when they have read everything.
    appended: Notify,
    retention: Retention,
    /// The hub's counts, which this topic's log adds to while it is registered.
    totals: Arc<Totals>,
}

/// What a hub holds, over all its topics, kept as the topics change so that neither a cap
/// check nor `Hub::stats` walks the topics.
#[derive(Default)]
pub(crate) struct Totals {
    subscribers: AtomicUsize,
    retained_events: AtomicUsize,
    /// Encoded events and topic names.
    retained_bytes: AtomicUsize,
}

impl Totals {
    /// Adds what a log holds now, `after`, less what it held `before` (events, bytes).
    fn account(&self, before: (usize, usize), after: (usize, usize)) {
        change(&self.retained_events, before.0, after.0);
        change(&self.retained_bytes, before.1, after.1);
    }
}

/// Moves `counter` by `after - before`.
fn change(counter: &AtomicUsize, before: usize, after: usize) {
    if after >= before {
        counter.fetch_add(after - before, Ordering::Relaxed);
    } else {
        counter.fetch_sub(before - after, Ordering::Relaxed);
    }
}

struct Log {
    entries: VecDeque<Entry>,
    /// The position of `entries[0]`. Positions count from 1 and never repeat in a topic.
    first: u64,
    /// The id of the event just before `entries[0]` (the last one trimmed, or where the log
    /// started): a subscriber resuming exactly there has missed nothing.
    base_key: Key,
    /// Bytes ever appended, up to `entries[0]`.
    base_offset: u64,
    /// The Redis hub's per-topic sequence number of the newest event (its stream entries are
    /// numbered densely, so a skipped number reveals lost history). Unused in-process.
    newest_seq: u64,
    retained_bytes: usize,
    subscribers: usize,
    last_active: Instant,
    /// The topic waits in the hub's queue of unused topics (at most once).
    idle_queued: bool,
    /// Set when the topic has left the registry: nothing more is appended, subscribers end.
    closed: bool,
}

struct Entry {
    key: Key,
    frame: Bytes,
    /// Bytes ever appended, up to and including this entry.
    end_offset: u64,
}

/// Where a subscriber is in its topic's log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor {
    /// The position of the last event it was given.
    delivered: u64,
    /// The newest position when it joined. Only events after it count against the subscriber's
    /// queue, so a resuming subscriber may replay the whole window first.
    joined: u64,
}

/// How a subscriber's `Last-Event-ID` relates to the log, decided when it joins.
pub(crate) enum Joined {
    /// No id: live events only.
    Fresh,
    /// The id is in the log (or just before it): nothing was missed.
    Resumed,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
    /// The id is older than anything the log holds; the events from just after it up to and
    /// including `base` are not here (the Redis hub reads them from Redis).
    Before { base: Key },
    /// The id is within or after the log's range but is none of its events.
    Unknown,
}

/// What a subscriber reads next.
pub(crate) enum Next {
    /// The next event, and whether it is the newest the log holds.
    Frame { frame: Bytes, newest: bool },
    /// Nothing new yet.
    Empty,
    /// It fell further behind than its queue allows.
    Behind,
    /// The topic left the registry (its history was lost): the subscription ends.
    Closed,
}

impl Log {
    /// What the log holds: events, and their bytes.
    fn held(&self) -> (usize, usize) {
        (self.entries.len(), self.retained_bytes)
    }

    /// The position of the newest event (`first - 1` when the log is empty).
    fn head(&self) -> u64 {
        self.first + self.entries.len() as u64 - 1
    }

    /// Bytes ever appended up to and including position `pos`, if the log still knows it.
    fn offset_through(&self, pos: u64) -> Option<u64> {
        if pos + 1 == self.first {
            return Some(self.base_offset);
        }
        let index = pos.checked_sub(self.first)?;
        self.entries.get(index as usize).map(|e| e.end_offset)
    }

    fn head_offset(&self) -> u64 {
        self.entries
            .back()
            .map_or(self.base_offset, |e| e.end_offset)
    }

    fn is_behind(&self, cursor: &Cursor, queue: Limits) -> bool {
        if cursor.delivered + 1 < self.first {
            return true; // its next event was already trimmed
        }
        let from = cursor.delivered.max(cursor.joined);
        let lag_events = self.head().saturating_sub(from);
        let lag_bytes = self
            .offset_through(from)
            .map_or(0, |offset| self.head_offset() - offset);
        // One event is always allowed, however large, so a big event never drops everyone.
        lag_events as usize > queue.events || (lag_bytes as usize > queue.bytes && lag_events > 1)
    }

    fn newest(&self) -> Key {
        self.entries.back().map_or(self.base_key, |e| e.key)
    }

    /// Where a subscriber resuming after `last` (or, without an id, with the newest `history`
    /// events the log holds, then live) starts.
    fn resolve(&self, last: Option<Key>, history: usize) -> (Joined, Cursor) {
        let head = self.head();
        let at = |delivered| Cursor {
            delivered,
            joined: head,
        };
        let Some(last) = last else {
            let held = history.min(self.entries.len()) as u64;
            return (Joined::Fresh, at(head - held));
        };
        if last == self.base_key {
            return (Joined::Resumed, at(self.first - 1));
        }
        if last < self.base_key {
            return (
                Joined::Before {
                    base: self.base_key,
                },
                at(self.first - 1),
            );
        }
        match self.entries.binary_search_by(|e| e.key.cmp(&last)) {
            Ok(index) => (Joined::Resumed, at(self.first + index as u64)),
            Err(_) => (Joined::Unknown, at(head)),
        }
    }

    fn trim(&mut self, retention: &Retention) {
        let (limits, keep) = if self.subscribers > 0 {
            (retention.replay.max(retention.queue), 1)
        } else {
            (retention.replay, 0)
        };
        while self.entries.len() > limits.events
            || (self.retained_bytes > limits.bytes && self.entries.len() > keep)
        {
            let Some(oldest) = self.entries.pop_front() else {
                break;
            };
            self.first += 1;
            self.base_key = oldest.key;
            self.base_offset = oldest.end_offset;
            self.retained_bytes -= oldest.frame.len();
        }
    }
}

impl Topic {
    /// An empty topic whose history starts after `base`, the event numbered `base_seq`.
    fn new(base: Key, base_seq: u64, retention: Retention, totals: Arc<Totals>) -> Topic {
        Topic {
            log: Mutex::new(Log {
                entries: VecDeque::new(),
                first: 1,
                base_key: base,
                base_offset: 0,
                newest_seq: base_seq,
                retained_bytes: 0,
                subscribers: 0,
                last_active: Instant::now(),
                idle_queued: false,
                closed: false,
            }),
            appended: Notify::new(),
            retention,
            totals,
        }
    }

    /// The log's events leave the hub's totals with it; nothing more is appended.
    fn close_log(&self, log: &mut Log) {
        if !log.closed {
            log.closed = true;
            self.totals.account(log.held(), (0, 0));
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        // A panic while holding the lock cannot leave the log half-changed: every mutation
        // completes before anything that could panic. Carry on with the data.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends one event with the next id of an in-process topic: its epoch and the event's
    /// position. `body` is the encoded event without its `id:` line.
    pub(crate) fn append_next(&self, body: &[u8]) -> Result<Key, Closed> {
        self.append(body, |log| {
            Some(Key {
                high: log.base_key.high,
                low: log.head() + 1,
            })
        })
        .map(|key| key.expect("an in-process topic always takes the next id"))
    }

    /// Appends one event read from Redis: its stream entry id `key` and sequence number `seq`.
    /// An event the log already holds is skipped (a catch-up read that overlaps never delivers
    /// twice); a sequence number that does not follow the newest one means history was lost.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
    pub(crate) fn append_keyed(&self, key: Key, seq: u64, body: &[u8]) -> Result<Keyed, Closed> {
        let mut outcome = Keyed::Duplicate;
        self.append(body, |log| {
            if key <= log.newest() {
                return None;
            }
            if seq != log.newest_seq + 1 {
                outcome = Keyed::Gap;
                return None;
            }
            outcome = Keyed::Appended;
            log.newest_seq = seq;
            Some(key)
        })?;
        Ok(outcome)
    }

    /// Appends `body` with the id `key_of` gives (none: nothing appended; `key_of` may update
    /// the log's numbering as it accepts), writing the `id:` line first, then wakes the
    /// subscribers.
    fn append(
        &self,
        body: &[u8],
        key_of: impl FnOnce(&mut Log) -> Option<Key>,
    ) -> Result<Option<Key>, Closed> {
        let mut log = self.lock();
        if log.closed {
            return Err(Closed);
        }
        let Some(key) = key_of(&mut log) else {
            return Ok(None);
        };
        let frame = frame(key, body);
        let before = log.held();
        let end_offset = log.head_offset() + frame.len() as u64;
        log.retained_bytes += frame.len();
        log.entries.push_back(Entry {
            key,
            frame,
            end_offset,
        });
        log.last_active = Instant::now();
        log.trim(&self.retention);
        self.totals.account(before, log.held());
        drop(log);
        self.appended.notify_waiters();
        Ok(Some(key))
    }

    /// Registers a subscriber resuming after `last` (or starting with `history` events); see
    /// [`Joined`].
    fn join(&self, last: Option<Key>, history: usize) -> (Joined, Cursor) {
        let mut log = self.lock();
        log.subscribers += 1;
        self.totals.subscribers.fetch_add(1, Ordering::Relaxed);
        log.resolve(last, history)
    }

    /// Places a registered subscriber again, after `last` (`None`: at the newest event, for a
    /// client whose id turned out too old), or after an id the log did not hold yet when it
    /// joined, once the log has caught up.
    pub(crate) fn rejoin(&self, last: Option<Key>) -> (Joined, Cursor) {
        self.lock().resolve(last, 0)
    }

    /// The id of the newest event held (or of the one before the log, if it is empty).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
    pub(crate) fn newest(&self) -> Key {
        self.lock().newest()
    }

    /// The next event for the subscriber at `cursor`, moving it on.
    pub(crate) fn read(&self, cursor: &mut Cursor) -> Next {
        let log = self.lock();
        if log.closed {
            return Next::Closed;
        }
        if log.is_behind(cursor, self.retention.queue) {
            return Next::Behind;
        }
        let next = cursor.delivered + 1;
        match log.entries.get((next - log.first) as usize) {
            Some(entry) => {
                cursor.delivered = next;
                Next::Frame {
                    frame: entry.frame.clone(),
                    newest: next == log.head(),
                }
            }
            None => Next::Empty,
        }
    }

    /// A future that resolves at the next append. Enable it before reading, so that an append
    /// between the read and the wait is not missed.
    pub(crate) fn appended(&self) -> Notified<'_> {
        self.appended.notified()
    }

    /// Unregisters a subscriber; returns whether it had fallen too far behind, and how many
    /// subscribers are left.
    fn leave(&self, cursor: &Cursor) -> (bool, usize) {
        let mut log = self.lock();
        log.subscribers -= 1;
        self.totals.subscribers.fetch_sub(1, Ordering::Relaxed);
        log.last_active = Instant::now();
        let behind = !log.closed && log.is_behind(cursor, self.retention.queue);
        if log.subscribers == 0 && !log.closed {
            let before = log.held();
            log.trim(&self.retention);
            self.totals.account(before, log.held());
        }
        (behind, log.subscribers)
    }

    /// When the topic became unused, if it is unused and not yet in the queue of unused
    /// topics: it is now.
    fn queue_if_unused(&self) -> Option<Instant> {
        let mut log = self.lock();
        if log.subscribers > 0 || log.idle_queued || log.closed {
            return None;
        }
        log.idle_queued = true;
        Some(log.last_active)
    }

    fn close(&self) {
        self.close_log(&mut self.lock());
        self.appended.notify_waiters();
    }
}

/// An event's frame: its `id:` line first, then the encoded event (`event:`, `data:`, blank
/// line). Ids are digits and a dash, so the line needs no checking.
pub(crate) fn frame(key: Key, body: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(body.len() + 44);
    frame.put_slice(b"id:");
    frame.put_slice(key.to_string().as_bytes());
    frame.put_u8(b'\n');
    frame.put_slice(body);
    frame.freeze()
}

/// The topic was closed: look it up again.
#[derive(Debug)]
pub(crate) struct Closed;

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

/// What became of an event read from Redis.
#[cfg_attr(not(feature = "redis"), allow(dead_code))] // used by the Redis hub
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyed {
    Appended,
    /// Already in the log.
    Duplicate,
    /// Events between the newest one and this one are missing.
    Gap,
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
            crate::stream_metrics::subscriber_dropped();
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

    /// Counts for [`HubStats`](super::HubStats), kept as topics change: no walk.
    pub(crate) fn stats(&self) -> super::HubStats {
        super::HubStats {
            topics: self.lock().len(),
            subscribers: self.totals.subscribers.load(Ordering::Relaxed),
            retained_events: self.totals.retained_events.load(Ordering::Relaxed),
            retained_bytes: self.totals.retained_bytes.load(Ordering::Relaxed),
            dropped_subscribers: self.dropped.load(Ordering::Relaxed),
        }
    }
}
