//! A topic's log: one ring of encoded events that is at once the topic's replay window and
//! every subscriber's queue, and the cursors that are its subscribers.
//!
//! A subscriber is only a position in the ring. Fan-out copies nothing per subscriber (each
//! takes a reference-counted handle to the same bytes), and a subscriber costs the same however
//! far behind it is. How far behind it may fall is bounded in events and in bytes; past that it
//! is dropped, and the ring never keeps more than the larger of the replay window and one queue.

use bytes::Bytes;
use std::collections::VecDeque;
use tokio::time::Instant;

use super::id::Key;

/// A bound in events and in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) events: usize,
    pub(crate) bytes: usize,
}

impl Limits {
    pub(super) fn max(self, other: Limits) -> Limits {
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

/// The events of one topic, and what its registry needs to know of it.
pub(super) struct Log {
    pub(super) entries: VecDeque<Entry>,
    /// The position of `entries[0]`. Positions count from 1 and never repeat in a topic.
    pub(super) first: u64,
    /// The id of the event just before `entries[0]` (the last one trimmed, or where the log
    /// started): a subscriber resuming exactly there has missed nothing.
    pub(super) base_key: Key,
    /// Bytes ever appended, up to `entries[0]`.
    pub(super) base_offset: u64,
    /// The Redis hub's per-topic sequence number of the newest event (its stream entries are
    /// numbered densely, so a skipped number reveals lost history). Unused in-process.
    pub(super) newest_seq: u64,
    pub(super) retained_bytes: usize,
    pub(super) subscribers: usize,
    pub(super) last_active: Instant,
    /// The topic waits in the hub's queue of unused topics (at most once).
    pub(super) idle_queued: bool,
    /// Set when the topic has left the registry: nothing more is appended, subscribers end.
    pub(super) closed: bool,
}

pub(super) struct Entry {
    pub(super) key: Key,
    pub(super) frame: Bytes,
    /// Bytes ever appended, up to and including this entry.
    pub(super) end_offset: u64,
}

/// Where a subscriber is in its topic's log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor {
    /// The position of the last event it was given.
    pub(super) delivered: u64,
    /// The newest position when it joined. Only events after it count against the subscriber's
    /// queue, so a resuming subscriber may replay the whole window first.
    pub(super) joined: u64,
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
    /// An empty log whose history starts after `base`, the event numbered `base_seq`.
    pub(super) fn new(base: Key, base_seq: u64) -> Log {
        Log {
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
        }
    }

    /// What the log holds: events, and their bytes.
    pub(super) fn held(&self) -> (usize, usize) {
        (self.entries.len(), self.retained_bytes)
    }

    /// The position of the newest event (`first - 1` when the log is empty).
    pub(super) fn head(&self) -> u64 {
        self.first + self.entries.len() as u64 - 1
    }

    /// Bytes ever appended up to and including position `pos`, if the log still knows it.
    pub(super) fn offset_through(&self, pos: u64) -> Option<u64> {
        if pos + 1 == self.first {
            return Some(self.base_offset);
        }
        let index = pos.checked_sub(self.first)?;
        self.entries.get(index as usize).map(|e| e.end_offset)
    }

    pub(super) fn head_offset(&self) -> u64 {
        self.entries
            .back()
            .map_or(self.base_offset, |e| e.end_offset)
    }

    pub(super) fn is_behind(&self, cursor: &Cursor, queue: Limits) -> bool {
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

    pub(super) fn newest(&self) -> Key {
        self.entries.back().map_or(self.base_key, |e| e.key)
    }

    /// Where a subscriber resuming after `last` (or, without an id, with the newest `history`
    /// events the log holds, then live) starts.
    pub(super) fn resolve(&self, last: Option<Key>, history: usize) -> (Joined, Cursor) {
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

    pub(super) fn trim(&mut self, retention: &Retention) {
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
