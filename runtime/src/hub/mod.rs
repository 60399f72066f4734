//! Fan-out, replay and scale-out: a [`Hub`] publishes each event to every subscriber of a
//! topic, encoded once, and replays what a reconnecting client missed.
//!
//! ```
//! use axum::extract::{Path, State};
//! use tidings::hub::{Hub, Resume};
//! use tidings::{sse_events, sse_handler, Error, LastEventId, Sender, SseApi};
//!
//! #[sse_events(rename_all = "snake_case")]
//! #[derive(Debug, PartialEq)]
//! pub enum RoomEvent {
//!     /// A message was posted.
//!     Posted(String),
//!     /// What you missed is gone: reload the room.
//!     Reset,
//! }
//!
//! /// Live events of one room; a reconnecting client gets exactly what it missed.
//! #[sse_handler(get, "/rooms/{room}/events")]
//! async fn room_events(
//!     Path(room): Path<String>,
//!     State(hub): State<Hub<RoomEvent>>,
//!     last: LastEventId,
//!     tx: Sender<RoomEvent>,
//! ) -> Result<(), Error> {
//!     let subscription = hub.subscribe(&room, &last).await?;
//!     if subscription.resume() == Resume::TooOld {
//!         tx.send(RoomEvent::Reset).await?;    // never a silent gap
//!     }
//!     tx.forward(subscription).await          // the hub's bytes, not re-encoded per client
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let hub: Hub<RoomEvent> = Hub::builder().replay(1_000).subscriber_queue(256).build();
//! let app: axum::Router = SseApi::stateful("Rooms", "1.0.0")
//!     .handler(room_events)
//!     .into_router()
//!     .with_state(hub.clone());
//!
//! let first = hub.publish("lobby", RoomEvent::Posted("hello".into())).await?;
//! hub.publish("lobby", RoomEvent::Posted("again".into())).await?;
//!
//! // A client that saw the first event reconnects and gets the second one.
//! let client = tidings::testing::TestClient::new(app);
//! let mut resumed = client.resume("/rooms/lobby/events", first.as_str()).await;
//! let missed = resumed.take::<RoomEvent>(1).await?;
//! assert_eq!(missed, [RoomEvent::Posted("again".into())]);
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! What holds:
//! - **Encode once.** [`Hub::publish`] serializes an event once; every subscriber's stream
//!   carries the same reference-counted bytes.
//! - **Ids.** Each event gets an id, increasing per topic, which clients treat as opaque. The
//!   in-process hub's ids begin with a random epoch per topic, so an id from before a restart,
//!   from an evicted topic or from another topic is recognised as foreign.
//! - **Replay without gap or duplicate.** [`Hub::subscribe`] with the client's
//!   [`LastEventId`] yields every event after it still in the replay window, then live events,
//!   with nothing lost or repeated in between, even while publishing continues. No id: live
//!   only. An id older than the window, unknown or malformed: [`Resume::TooOld`], then live.
//! - **Slow consumers.** A subscriber is a position in its topic's log, so fan-out copies
//!   nothing per subscriber. One that falls further behind than its queue (events and bytes)
//!   is dropped and counted in [`HubStats::dropped_subscribers`]; its stream ends, and its client
//!   reconnects and resumes through replay. A client that stops reading slows nobody, and the
//!   hub keeps nothing for it: it holds only its own connection's buffers, and is counted when
//!   its connection closes (a server's write deadline closes it).
//! - **Topics.** Up to [`HubBuilder::max_topics`] per hub (100,000), and
//!   [`HubBuilder::max_retained_bytes`] of events and names over all of them (256 MiB); past
//!   either, a new topic or event is refused with [`HubError::Full`] (`503`). A topic without
//!   subscribers costs its replay window only, and is evicted after
//!   [`HubBuilder::evict_idle_after`] without subscribers or events. Topic names taken from
//!   clients should be checked before subscribing (see [`HubBuilder::max_topics`]); names
//!   longer than [`HubBuilder::max_topic_name`] (255 bytes) are refused with `400`.

mod backend;
mod id;
mod log;
pub(crate) mod metrics;
#[cfg(feature = "redis")]
mod redis;
mod registry;
mod subscription;
mod topic;
mod totals;

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::wire::{encode, EventId, LastEventId, Message, SseEvents};

pub use crate::error::HubError;
use backend::Backend;
use id::Key;
use log::{Limits, Retention};
pub use registry::HubStats;
use registry::{Caps, Full, Topics, Unused};
pub use subscription::{Resume, SameEvents, Subscription};

/// Publishes events to topics and streams them to subscribers; cheap to clone (one shared hub).
///
/// Built with [`Hub::builder`]. See the [module documentation](self) for what it guarantees.
pub struct Hub<E> {
    inner: Arc<Inner>,
    events: PhantomData<fn(E)>,
}

struct Inner {
    topics: Arc<Topics>,
    /// The longest topic name accepted, in bytes.
    max_topic_name: usize,
    backend: Backend,
}

impl<E> Clone for Hub<E> {
    fn clone(&self) -> Self {
        Hub {
            inner: self.inner.clone(),
            events: PhantomData,
        }
    }
}

impl<E> std::fmt::Debug for Hub<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("stats", &self.stats()).finish()
    }
}

impl<E: SseEvents> Default for Hub<E> {
    /// An in-process hub with the default settings of [`HubBuilder`].
    fn default() -> Self {
        Hub::builder().build()
    }
}

impl<E> Hub<E> {
    /// Settings for a new hub.
    pub fn builder() -> HubBuilder<E> {
        HubBuilder {
            retention: Retention {
                replay: Limits {
                    events: HubBuilder::<E>::DEFAULT_REPLAY,
                    bytes: HubBuilder::<E>::DEFAULT_REPLAY_BYTES,
                },
                queue: Limits {
                    events: HubBuilder::<E>::DEFAULT_QUEUE,
                    bytes: HubBuilder::<E>::DEFAULT_QUEUE_BYTES,
                },
            },
            idle: HubBuilder::<E>::DEFAULT_EVICT_IDLE_AFTER,
            caps: Caps {
                topics: HubBuilder::<E>::DEFAULT_MAX_TOPICS,
                bytes: HubBuilder::<E>::DEFAULT_MAX_RETAINED_BYTES,
            },
            max_topic_name: HubBuilder::<E>::DEFAULT_MAX_TOPIC_NAME,
            #[cfg(feature = "redis")]
            redis_prefix: "tidings:".to_owned(),
            events: PhantomData,
        }
    }

    /// What the hub holds right now, and how many slow subscribers it has dropped.
    pub fn stats(&self) -> HubStats {
        self.inner.topics.stats()
    }
}

impl<E: SseEvents> Hub<E> {
    /// Publishes `event` to every subscriber of `topic` and to its replay window; returns the
    /// id the event got. The event is serialized once, here, whatever the number of subscribers.
    ///
    /// Fails only if the payload cannot be serialized ([`Error::Encode`]), or, on Redis, if
    /// Redis cannot be reached ([`HubError::Unavailable`]: nothing was published), or stopped
    /// answering once the publish was sent ([`HubError::Unconfirmed`]: it may have been). A
    /// publish whose connection dropped is tried once more, and is never stored twice.
    pub async fn publish(&self, topic: &str, event: E) -> Result<EventId, Error> {
        self.check_name(topic)?;
        let body = encode(&Message::new(event))?;
        let inner = &self.inner;
        let key = inner.backend.publish(&inner.topics, topic, &body).await?;
        Ok(key.event_id())
    }

    /// Subscribes to `topic`, resuming after the client's `Last-Event-ID`.
    ///
    /// The subscription yields every event after `last` still in the replay window, then live
    /// events, with no gap and no duplicate in between. [`Subscription::resume`] says whether
    /// the client resumed ([`Resume::Resumed`]), sent no id ([`Resume::Fresh`]), or sent one
    /// that cannot be caught up ([`Resume::TooOld`]: too old, unknown or malformed; live events
    /// follow). The in-process hub never fails here; the Redis hub fails with
    /// [`HubError::Unavailable`] when Redis cannot be reached.
    pub async fn subscribe(
        &self,
        topic: &str,
        last: &LastEventId,
    ) -> Result<Subscription<E>, Error> {
        self.subscribe_with_history(topic, last, 0).await
    }

    /// [`subscribe`](Self::subscribe), and a subscriber without an id (a newcomer, not a
    /// client reconnecting) starts with the newest `history` events of the topic's window
    /// (fewer if the window holds fewer), then live events, with no gap and no duplicate: a
    /// chat room's last messages, a dashboard's last values. Its [`Subscription::resume`] is
    /// [`Resume::Fresh`]. A client that sends an id resumes after it, as with `subscribe`.
    ///
    /// `Hub::subscribe` gives a newcomer live events only. How many to give is the handler's
    /// choice, from a query parameter say (`?history=50`, capped): Mercure's
    /// `lastEventID=earliest` is `usize::MAX` here.
    pub async fn subscribe_with_history(
        &self,
        topic: &str,
        last: &LastEventId,
        history: usize,
    ) -> Result<Subscription<E>, Error> {
        self.check_name(topic)?;
        let last_key = last.as_deref().map(Key::parse);
        let inner = &self.inner;
        let (mut membership, resumed, replay) = inner
            .backend
            .join(&inner.topics, topic, last_key, history)
            .await?;
        let resume = match (last_key, resumed) {
            (None, _) => Resume::Fresh,
            (Some(_), true) => Resume::Resumed,
            (Some(_), false) => Resume::TooOld,
        };
        if resume == Resume::TooOld {
            membership.live_only();
        }
        Ok(Subscription {
            membership,
            replay,
            resume,
            events: PhantomData,
        })
    }
}

impl<E> Hub<E> {
    /// Refuses a topic name longer than the hub's `max_topic_name`.
    fn check_name(&self, topic: &str) -> Result<(), HubError> {
        let max = self.inner.max_topic_name;
        if topic.len() > max {
            return Err(HubError::InvalidTopic(
                format!(
                    "a topic name of {} bytes is longer than the hub's `max_topic_name` ({max})",
                    topic.len()
                )
                .into(),
            ));
        }
        Ok(())
    }
}

/// Settings of a [`Hub`].
///
/// ```
/// use std::time::Duration;
/// use tidings::hub::Hub;
/// # #[tidings::sse_events] enum ChatEvent { Posted(String) }
///
/// let hub: Hub<ChatEvent> = Hub::builder()
///     .replay(1_000)                              // per topic, for clients that reconnect
///     .replay_bytes(1 << 20)                      // ... and at most 1 MiB of them
///     .subscriber_queue(256)                      // further behind than this: dropped
///     .subscriber_queue_bytes(256 << 10)          // ... or than 256 KiB
///     .evict_idle_after(Duration::from_secs(600)) // topics nobody used for 10 minutes
///     .build();
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct HubBuilder<E> {
    retention: Retention,
    idle: Duration,
    caps: Caps,
    max_topic_name: usize,
    #[cfg(feature = "redis")]
    redis_prefix: String,
    events: PhantomData<fn(E)>,
}

impl<E> std::fmt::Debug for HubBuilder<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubBuilder")
            .field("retention", &self.retention)
            .field("idle", &self.idle)
            .field("caps", &self.caps)
            .finish()
    }
}

impl<E> HubBuilder<E> {
    /// Events kept per topic for replay, by default.
    pub const DEFAULT_REPLAY: usize = 1_000;
    /// Bytes kept per topic for replay, by default.
    pub const DEFAULT_REPLAY_BYTES: usize = 4 << 20;
    /// How many events a subscriber may fall behind, by default.
    pub const DEFAULT_QUEUE: usize = 256;
    /// How many bytes a subscriber may fall behind, by default.
    pub const DEFAULT_QUEUE_BYTES: usize = 1 << 20;
    /// How long a topic without subscribers or events is kept, by default.
    pub const DEFAULT_EVICT_IDLE_AFTER: Duration = Duration::from_secs(600);
    /// How many topics a hub holds at most, by default.
    pub const DEFAULT_MAX_TOPICS: usize = 100_000;
    /// How many bytes of events and topic names a hub holds at most, by default.
    pub const DEFAULT_MAX_RETAINED_BYTES: usize = 256 << 20;
    /// The longest topic name a hub accepts, in bytes, by default.
    pub const DEFAULT_MAX_TOPIC_NAME: usize = 255;

    /// How many events each topic keeps, at least, for clients that reconnect (default 1,000).
    /// In-process, a topic keeps more only while a subscriber still needs them (its queue);
    /// with `0` a client resumes only from the newest event. On Redis a stream keeps at least
    /// 1,000 entries whatever this says (see `HubBuilder::redis`, feature `redis`).
    pub fn replay(mut self, events: usize) -> Self {
        self.retention.replay.events = events;
        self
    }

    /// How many bytes of encoded events each topic keeps for replay (default 4 MiB).
    pub fn replay_bytes(mut self, bytes: usize) -> Self {
        self.retention.replay.bytes = bytes;
        self
    }

    /// How many events a subscriber may fall behind the newest before it is dropped (default
    /// 256). Events replayed when it joined do not count.
    pub fn subscriber_queue(mut self, events: usize) -> Self {
        self.retention.queue.events = events.max(1);
        self
    }

    /// How many bytes of events a subscriber may fall behind before it is dropped (default 1
    /// MiB). One event is always allowed, however large.
    pub fn subscriber_queue_bytes(mut self, bytes: usize) -> Self {
        self.retention.queue.bytes = bytes;
        self
    }

    /// How long a topic with no subscribers and no new events is kept before it is evicted
    /// with its replay window (default 10 minutes). A client resuming on an evicted topic gets
    /// [`Resume::TooOld`].
    pub fn evict_idle_after(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// How many topics the hub holds at most (default 100,000). A subscribe or publish that
    /// would make one more fails with [`HubError::Full`] (a handler answers `503` with
    /// `Retry-After`) until unused topics are evicted ([`evict_idle_after`](Self::evict_idle_after)).
    ///
    /// Topic names often come from clients (a path segment, a query): check them against what
    /// exists (the chat example answers `404` for a room it does not have) before subscribing,
    /// or any client can make topics until this cap refuses everyone else's.
    pub fn max_topics(mut self, topics: usize) -> Self {
        self.caps.topics = topics;
        self
    }

    /// How many bytes of encoded events and topic names the hub holds at most, over all its
    /// topics (default 256 MiB). Past it, publishing, and subscribing to a new topic, fail with
    /// [`HubError::Full`] until topics are evicted. Each topic's own window
    /// ([`replay_bytes`](Self::replay_bytes)) still applies. On Redis the replay windows live
    /// in Redis, and this bounds what the instance holds for its subscribers.
    pub fn max_retained_bytes(mut self, bytes: usize) -> Self {
        self.caps.bytes = bytes;
        self
    }

    /// The longest topic name the hub accepts, in bytes (default 255, as Centrifugo's
    /// channels). A longer one fails publishing and subscribing with
    /// [`HubError::InvalidTopic`] (a handler answers `400`): with names from clients, it keeps
    /// the memory of each topic a client can make small.
    pub fn max_topic_name(mut self, bytes: usize) -> Self {
        self.max_topic_name = bytes;
        self
    }

    /// An in-process hub.
    pub fn build(self) -> Hub<E> {
        Hub {
            inner: Arc::new(Inner {
                topics: Topics::new(self.retention, Unused::EvictAfter(self.idle), self.caps),
                max_topic_name: self.max_topic_name,
                backend: Backend::InProcess,
            }),
            events: PhantomData,
        }
    }

    /// The prefix of the Redis keys of this hub's topics (default `tidings:`): give hubs of
    /// different event enums on one Redis different prefixes. A prefix may begin another
    /// (`app:` and `app:chat:`): the topic follows it in braces, so their keys never meet. A
    /// prefix with a brace is refused when the hub connects ([`HubError::Config`]).
    #[cfg(feature = "redis")]
    pub fn redis_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.redis_prefix = prefix.into();
        self
    }

    /// A hub over Redis Streams at `url` (`redis://host:port/db`), shared by every instance
    /// built on the same Redis: a client resumes on any of them. Feature `redis`.
    ///
    /// Each topic is the stream `{prefix}{{topic}}` (`tidings:{lobby}`), trimmed to about [`replay`](Self::replay)
    /// events but never below 1,000 (so that an instance's reader, busy for a moment, never
    /// finds the events it had yet to read trimmed away); Redis trims by count, so
    /// [`replay_bytes`](Self::replay_bytes) does not apply. Entry ids are the event ids. Each
    /// instance reads Redis with one connection for all its subscribers, plus one for
    /// commands; both reconnect by themselves. The reader's one `XREAD` names every topic the
    /// instance has subscribers for, and is sent again after each batch and each newly
    /// followed topic: its cost grows with the topics one instance follows at once (hundreds
    /// are cheap; for tens of thousands, spread them over more instances).
    ///
    /// Redis Cluster is not supported (that `XREAD` spans slots): the hub refuses a cluster
    /// node with [`HubError::Config`]. A standalone Redis, with replicas or Sentinel, is.
    ///
    /// While Redis is down, [`Hub::publish`] and [`Hub::subscribe`] fail at once with
    /// [`HubError::Unavailable`] (a handler answers `503` with `Retry-After`); each tries once
    /// more after a dropped connection, a publish without ever appending twice. Fails with
    /// [`HubError::Unavailable`] if Redis cannot be reached now, [`HubError::Config`] if `url`
    /// does not parse, the prefix holds a brace, or Redis is a cluster.
    ///
    /// ```no_run
    /// # #[tidings::sse_events] enum ChatEvent { Posted(String) }
    /// # async fn run() -> Result<(), tidings::Error> {
    /// use tidings::hub::Hub;
    /// let hub: Hub<ChatEvent> = Hub::builder()
    ///     .replay(1_000)
    ///     .redis("redis://127.0.0.1:6379/")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "redis")]
    pub async fn redis(self, url: &str) -> Result<Hub<E>, Error> {
        // Replay comes from Redis; the local log is only the subscribers' queue, and a topic
        // is read from Redis only while this instance has subscribers to it.
        let local = Retention {
            replay: Limits {
                events: 0,
                bytes: 0,
            },
            queue: self.retention.queue,
        };
        let topics = Topics::new(local, Unused::Remove, self.caps);
        let redis = redis::RedisHub::connect(
            url,
            &self.redis_prefix,
            self.retention.replay.events,
            &topics,
        )
        .await?;
        Ok(Hub {
            inner: Arc::new(Inner {
                topics,
                max_topic_name: self.max_topic_name,
                backend: Backend::Redis(redis),
            }),
            events: PhantomData,
        })
    }
}

impl From<Full> for HubError {
    fn from(full: Full) -> Self {
        HubError::Full(Box::new(full))
    }
}

impl From<Full> for Error {
    fn from(full: Full) -> Self {
        Error::Hub(full.into())
    }
}
