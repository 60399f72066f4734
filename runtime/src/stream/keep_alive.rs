//! Keep-alive: what an idle stream sends so that clients and proxies know it is alive.

use bytes::{Bytes, BytesMut};
use std::time::Duration;

use crate::wire::{self, EventFields, EventName, InvalidField};

/// What a stream sends after an idle interval. The timer restarts on every event.
///
/// The default is a comment line (`:` then a blank line) every 15 seconds, which every client
/// ignores. [`KeepAlive::event`] sends a named event with empty data instead, which browser
/// JavaScript can listen to, to detect a stalled stream.
///
/// ```
/// use std::time::Duration;
/// use tidings::KeepAlive;
///
/// let every_5s = KeepAlive::comment(Duration::from_secs(5));
/// let visible = KeepAlive::event("heartbeat", Duration::from_secs(10)).unwrap();
/// let off = KeepAlive::off();
/// assert_eq!(every_5s.interval(), Some(Duration::from_secs(5)));
/// assert_eq!(off.interval(), None);
/// # let _ = visible;
/// ```
#[derive(Debug, Clone)]
pub struct KeepAlive {
    interval: Option<Duration>,
    frame: Bytes,
}

impl KeepAlive {
    /// The default idle interval.
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);

    /// A comment line after `interval` of silence.
    pub fn comment(interval: Duration) -> Self {
        KeepAlive {
            interval: Some(interval),
            frame: wire::comment_block(""),
        }
    }

    /// A named event with empty data after `interval` of silence. Browsers dispatch it, so a page
    /// can `addEventListener(name, ...)` and notice when heartbeats stop.
    pub fn event(name: &'static str, interval: Duration) -> Result<Self, InvalidField> {
        let fields = EventFields {
            name: Some(EventName::new(name)?),
            ..EventFields::default()
        };
        let mut frame = BytesMut::new();
        wire::write_event(&mut frame, &fields, |data| {
            data.empty();
            Ok(())
        })
        .expect("empty data cannot fail to encode");
        Ok(KeepAlive {
            interval: Some(interval),
            frame: frame.freeze(),
        })
    }

    /// No keep-alive at all.
    pub fn off() -> Self {
        // Keeps the comment frame, so a handler that sets its own interval still has one to send.
        KeepAlive::comment(Self::DEFAULT_INTERVAL).with_interval(None)
    }

    /// The same keep-alive frame with another interval (`None`: off).
    pub fn with_interval(mut self, interval: Option<Duration>) -> Self {
        self.interval = interval;
        self
    }

    /// The idle interval, or `None` when keep-alive is off.
    pub fn interval(&self) -> Option<Duration> {
        self.interval
    }

    pub(crate) fn frame(&self) -> Bytes {
        self.frame.clone()
    }
}

impl Default for KeepAlive {
    fn default() -> Self {
        KeepAlive::comment(Self::DEFAULT_INTERVAL)
    }
}

/// A handler's own keep-alive choice, from `#[sse_handler(keep_alive = ...)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeepAliveSetting {
    /// Use the API's keep-alive.
    #[default]
    Inherit,
    /// No keep-alive for this handler.
    Off,
    /// The API's keep-alive frame, at this interval.
    Every(Duration),
}

impl KeepAliveSetting {
    /// Applies this handler setting over the API's keep-alive.
    pub(crate) fn resolve(self, api: &KeepAlive) -> KeepAlive {
        match self {
            KeepAliveSetting::Inherit => api.clone(),
            KeepAliveSetting::Off => api.clone().with_interval(None),
            KeepAliveSetting::Every(interval) => api.clone().with_interval(Some(interval)),
        }
    }
}
