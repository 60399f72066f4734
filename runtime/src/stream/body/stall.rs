//! The stall watchdog: ends a stream whose client has not taken a ready chunk for the stall
//! deadline, on any protocol.
//!
//! Neither the body nor the socket can see every stall. Over HTTP/2, flow control stops a
//! stream before its socket fills, and hyper then stops polling the body (it waits for window
//! the client never grants), so nothing in the stream runs again. The watchdog is a task of its
//! own that looks at when the body last handed hyper a chunk hyper has not come back for, and
//! when that is older than the deadline it drops the handler, closes the queue and gives the
//! stream's place under the caps back; the body answers its next poll, if any, with an error.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::{HandlerTask, Outgoing};
use crate::stream::limits::Admitted;

/// What keeps a stream going; taken apart when it stalls.
pub(crate) struct Running {
    pub(super) handler: Option<HandlerTask>,
    pub(super) frames: mpsc::Receiver<Outgoing>,
    /// The stream's place under the caps on open streams.
    admitted: Option<Admitted>,
    /// The watchdog cut the stream.
    pub(super) stalled: bool,
}

/// What the body shares with its watchdog.
pub(crate) struct Core {
    running: Mutex<Running>,
    /// When the body handed hyper the chunk hyper has not come back after, in milliseconds
    /// after `epoch`, plus one; `0` while hyper is polling or the body is waiting for events.
    waiting_since: AtomicU64,
    epoch: Instant,
}

impl Core {
    pub(super) fn new(
        handler: HandlerTask,
        frames: mpsc::Receiver<Outgoing>,
        admitted: Admitted,
    ) -> Arc<Self> {
        Arc::new(Core {
            running: Mutex::new(Running {
                handler: Some(handler),
                frames,
                admitted: Some(admitted),
                stalled: false,
            }),
            waiting_since: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// The handler and the queue, for one poll. Only the watchdog, when the stream has
    /// already stalled, ever contends for it.
    pub(super) fn running(&self) -> MutexGuard<'_, Running> {
        // A handler that panicked is caught inside its future, so the lock is never poisoned
        // by one; take it back in any case rather than panic in the body.
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// hyper came back to the body.
    pub(super) fn polled(&self) {
        self.waiting_since.store(0, Ordering::Relaxed);
    }

    /// The body hands hyper a chunk at `now`.
    pub(super) fn handed(&self, now: Instant) {
        let millis = now.saturating_duration_since(self.epoch).as_millis();
        let stamp = u64::try_from(millis).unwrap_or(u64::MAX - 1) + 1;
        self.waiting_since.store(stamp, Ordering::Relaxed);
    }

    fn waiting_since(&self) -> Option<Instant> {
        match self.waiting_since.load(Ordering::Relaxed) {
            0 => None,
            stamp => Some(self.epoch + Duration::from_millis(stamp - 1)),
        }
    }

    /// Ends the stream from outside: the handler is dropped, the queue closed and emptied
    /// (so tasks holding a `Sender` see the stream gone), and the place under the caps freed.
    fn cut(&self) {
        let mut running = self.running();
        let handler = running.handler.take();
        running.frames.close();
        while running.frames.try_recv().is_ok() {}
        running.admitted = None;
        running.stalled = true;
        drop(running);
        // Dropped outside the lock: a handler's drop may take its time.
        drop(handler);
        crate::stream::metrics::stream_stalled();
    }
}

/// A stream's watchdog task, aborted when the body is dropped.
pub(super) struct Watchdog(AbortHandle);

impl Watchdog {
    /// Starts watching `core` (it needs the tokio runtime the stream runs on).
    pub(super) fn start(core: &Arc<Core>, deadline: Duration) -> Self {
        let task = tokio::spawn(watch(Arc::downgrade(core), deadline));
        Watchdog(task.abort_handle())
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Wakes once per deadline at most: at the deadline after the chunk hyper has not come back
/// for, or a deadline from now when none is waiting.
async fn watch(core: Weak<Core>, deadline: Duration) {
    let mut check_at = Instant::now() + deadline;
    loop {
        tokio::time::sleep_until(check_at).await;
        let Some(core) = core.upgrade() else { return };
        let now = Instant::now();
        check_at = match core.waiting_since() {
            Some(since) if now >= since + deadline => {
                tracing::debug!(
                    ?deadline,
                    "a stream's client took nothing for the stall deadline; the stream ends"
                );
                core.cut();
                return;
            }
            Some(since) => since + deadline,
            None => now + deadline,
        };
    }
}

/// The error a stalled stream's body gives hyper, which resets the stream (HTTP/2) or closes
/// the connection (HTTP/1.1).
#[derive(Debug)]
pub(crate) struct Stalled;

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client took no bytes of the stream for the stall deadline")
    }
}

impl std::error::Error for Stalled {}
