//! [`EventSourceHandle`]: controlling a running [`EventSource`] stream, and learning when it
//! connected ([`Opened`]) and why it reconnected ([`Disconnect`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[cfg(doc)]
use super::EventSource;

/// What a running stream shares with its handles.
#[derive(Debug)]
pub(super) struct Shared {
    /// Wakes the stream to reconnect at once.
    pub(super) restart: Notify,
    /// Attempts after the first.
    reconnects: AtomicU64,
    disconnects: tokio::sync::watch::Sender<Option<Disconnect>>,
    opens: tokio::sync::watch::Sender<Option<Opened>>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            restart: Notify::new(),
            reconnects: AtomicU64::new(0),
            disconnects: tokio::sync::watch::Sender::new(None),
            opens: tokio::sync::watch::Sender::new(None),
        }
    }
}

/// A connection an [`EventSource`] stream opened: the server answered `200` with an event
/// stream (a browser's `onopen`), from [`EventSourceHandle::last_open`] or
/// [`EventSourceHandle::opens`]. A tidings handler that subscribes to a hub before its first
/// event is subscribed by then: what is published after this reaches the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Opened {
    /// When the response head arrived.
    pub at: std::time::SystemTime,
    /// Which connection of the stream this is: `1` for the first.
    pub number: u64,
    /// The `Last-Event-ID` it sent (empty: none), after which the stream resumes.
    pub last_event_id: String,
}

/// Why and when an [`EventSource`] stream lost its connection (and so reconnects), from
/// [`EventSourceHandle::last_disconnect`] or [`EventSourceHandle::disconnects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnect {
    /// When it happened.
    pub at: std::time::SystemTime,
    /// Why.
    pub reason: DisconnectReason,
}

/// Why an [`EventSource`] stream reconnects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// Connecting failed, or the server answered with a transient failure (`5xx`, `408`,
    /// `429`): what happened, as text.
    ConnectFailed(String),
    /// The connection broke while the stream was read.
    Broken(String),
    /// The server ended the response body.
    Ended,
    /// Nothing arrived, not even a keep-alive comment, for this long (the read timeout).
    ReadTimeout(Duration),
    /// [`EventSourceHandle::restart`] was called.
    Restarted,
}

impl Shared {
    /// Counts an attempt after the first.
    pub(super) fn reconnecting(&self) {
        self.reconnects.fetch_add(1, Ordering::Relaxed);
    }

    /// Tells the handles a connection opened, having sent `last_event_id`.
    pub(super) fn opened(&self, last_event_id: &str) {
        self.opens.send_modify(|opened| {
            let number = opened.as_ref().map_or(1, |previous| previous.number + 1);
            *opened = Some(Opened {
                at: std::time::SystemTime::now(),
                number,
                last_event_id: last_event_id.to_owned(),
            });
        });
    }

    /// Tells the handles the stream lost its connection for `reason`.
    pub(super) fn disconnected(&self, reason: DisconnectReason) {
        let disconnect = Disconnect {
            at: std::time::SystemTime::now(),
            reason,
        };
        self.disconnects.send_replace(Some(disconnect));
    }
}

/// Controls a running [`EventSource`] stream from elsewhere; cheap to clone.
///
/// ```no_run
/// use tidings::client::EventSource;
///
/// let source = EventSource::get("http://127.0.0.1:3000/feed");
/// let handle = source.handle();
/// let events = source.raw();
/// // Later, e.g. after the network changed:
/// handle.restart();
/// println!("{} reconnections so far", handle.reconnects());
/// ```
#[derive(Debug, Clone)]
pub struct EventSourceHandle {
    shared: Arc<Shared>,
}

impl EventSourceHandle {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        EventSourceHandle { shared }
    }

    /// Drops the current connection (or cuts short the wait before the next attempt) and
    /// reconnects at once, with `Last-Event-ID`. Called while the stream is not being polled,
    /// it takes effect at its next poll; several calls before then count as one.
    pub fn restart(&self) {
        self.shared.restart.notify_one();
    }

    /// How many times the stream has reconnected (every attempt after the first, whatever
    /// the reason: a failure, the end of a body, a timeout or [`restart`](Self::restart)).
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Relaxed)
    }

    /// The latest disconnection: when, and why (`None` while the first connection holds).
    pub fn last_disconnect(&self) -> Option<Disconnect> {
        self.shared.disconnects.borrow().clone()
    }

    /// Every disconnection as it happens: `changed().await` on the receiver wakes at each one.
    pub fn disconnects(&self) -> tokio::sync::watch::Receiver<Option<Disconnect>> {
        self.shared.disconnects.subscribe()
    }

    /// The latest connection opened (`None` before the first): when, which, and the
    /// `Last-Event-ID` it sent.
    pub fn last_open(&self) -> Option<Opened> {
        self.shared.opens.borrow().clone()
    }

    /// Every connection as it opens, the counterpart of a browser's `onopen`: wait for the
    /// stream to be live before acting on it (publishing what it should receive, say).
    /// The stream connects only while it is read, so read it in another task meanwhile.
    ///
    /// ```no_run
    /// # async fn run() {
    /// use futures::StreamExt;
    /// use tidings::client::EventSource;
    ///
    /// let source = EventSource::get("http://127.0.0.1:3000/feed");
    /// let mut opens = source.handle().opens();
    /// let mut events = source.raw();
    /// tokio::spawn(async move { while let Some(event) = events.next().await { /* ... */ } });
    /// opens.wait_for(Option::is_some).await.unwrap();
    /// // Live: what is published from now on reaches the stream.
    /// # }
    /// ```
    pub fn opens(&self) -> tokio::sync::watch::Receiver<Option<Opened>> {
        self.shared.opens.subscribe()
    }
}
