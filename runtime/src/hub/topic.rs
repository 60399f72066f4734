//! One topic: its log behind a lock, and the subscribers waiting on it.

use bytes::Bytes;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::futures::Notified;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::id::Key;
use super::log::{Cursor, Entry, Joined, Log, Next, Retention};
use super::totals::Totals;

/// One topic: its log and the subscribers waiting on it.
pub(crate) struct Topic {
    log: Mutex<Log>,
    /// Woken on every append; subscribers wait on it when they have read everything.
    appended: Notify,
    retention: Retention,
    /// The hub's counts, which this topic's log adds to while it is registered.
    totals: Arc<Totals>,
}

impl Topic {
    /// An empty topic whose history starts after `base`, the event numbered `base_seq`.
    pub(super) fn new(
        base: Key,
        base_seq: u64,
        retention: Retention,
        totals: Arc<Totals>,
    ) -> Topic {
        Topic {
            log: Mutex::new(Log::new(base, base_seq)),
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

    pub(super) fn lock(&self) -> MutexGuard<'_, Log> {
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
    pub(super) fn join(&self, last: Option<Key>, history: usize) -> (Joined, Cursor) {
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
    pub(super) fn leave(&self, cursor: &Cursor) -> (bool, usize) {
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
    pub(super) fn queue_if_unused(&self) -> Option<Instant> {
        let mut log = self.lock();
        if log.subscribers > 0 || log.idle_queued || log.closed {
            return None;
        }
        log.idle_queued = true;
        Some(log.last_active)
    }

    pub(super) fn close(&self) {
        self.close_log(&mut self.lock());
        self.appended.notify_waiters();
    }
}

/// An event's frame: its `id:` line first, then the encoded event (`event:`, `data:`, blank
/// line).
pub(crate) fn frame(key: Key, body: &[u8]) -> Bytes {
    crate::wire::with_id_first(&key.event_id(), body)
}

/// The topic was closed: look it up again.
#[derive(Debug)]
pub(crate) struct Closed;

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
