//! The stall watch: ends a stream whose client has not taken a ready chunk for the stall
//! deadline, on any protocol.
//!
//! Neither the body nor the socket can see every stall. Over HTTP/2, flow control stops a
//! stream before its socket fills, and hyper then stops polling the body (it waits for window
//! the client never grants), so nothing in the stream runs again. The watch is one task for
//! all the streams of an API: every quarter of the deadline it looks at when each body last
//! handed hyper a chunk hyper has not come back for, and when that is older than the deadline
//! it drops the stream's handler, closes its queue and gives its place under the caps back;
//! the body answers its next poll, if any, with an error. One task rather than one per stream:
//! an idle stream then costs a pointer in a list, not a task and its timer.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::time::Instant;

use super::limits::Admitted;
use super::queue::{HandlerTask, QueueReceiver};

/// What keeps a stream going; taken apart when it stalls.
pub(crate) struct Running {
    pub(crate) handler: Option<HandlerTask>,
    pub(crate) frames: QueueReceiver,
    /// The stream's place under the caps on open streams.
    admitted: Option<Admitted>,
    /// The watchdog cut the stream.
    pub(crate) stalled: bool,
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
    pub(crate) fn new(
        handler: HandlerTask,
        frames: QueueReceiver,
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
    pub(crate) fn running(&self) -> MutexGuard<'_, Running> {
        // A handler that panicked is caught inside its future, so the lock is never poisoned
        // by one; take it back in any case rather than panic in the body.
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// hyper came back to the body.
    pub(crate) fn polled(&self) {
        self.waiting_since.store(0, Ordering::Relaxed);
    }

    /// The body hands hyper a chunk at `now`.
    pub(crate) fn handed(&self, now: Instant) {
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
        while running.frames.try_recv().is_some() {}
        running.admitted = None;
        running.stalled = true;
        drop(running);
        // Dropped outside the lock: a handler's drop may take its time.
        drop(handler);
        super::metrics::stream_stalled();
    }
}

/// The watch over the streams of one API (shared by every clone of its `StreamConfig`).
#[derive(Clone)]
pub(crate) struct StallWatch(Arc<Watched>);

struct Watched {
    deadline: Duration,
    /// The streams opened since the last look, and those still open then.
    streams: Mutex<Vec<Weak<Core>>>,
    /// The watching task runs (it starts with the first stream, inside the runtime).
    started: AtomicBool,
}

impl std::fmt::Debug for StallWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StallWatch").field(&self.0.deadline).finish()
    }
}

impl StallWatch {
    /// A watch that ends streams stalled for `deadline`, within a quarter of it more.
    pub(crate) fn new(deadline: Duration) -> Self {
        StallWatch(Arc::new(Watched {
            deadline,
            streams: Mutex::new(Vec::new()),
            started: AtomicBool::new(false),
        }))
    }

    /// Watches the stream of `core` until its body is dropped.
    pub(crate) fn watch(&self, core: &Arc<Core>) {
        self.0.lock().push(Arc::downgrade(core));
        if !self.0.started.swap(true, Ordering::Relaxed) {
            tokio::spawn(look_over(Arc::downgrade(&self.0)));
        }
    }
}

impl Watched {
    fn lock(&self) -> MutexGuard<'_, Vec<Weak<Core>>> {
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Every quarter of the deadline: forgets the streams that ended, and cuts those stalled. Ends
/// with the API (when its last `StreamConfig` is dropped).
async fn look_over(watched: Weak<Watched>) {
    let Some(period) = watched
        .upgrade()
        .map(|w| (w.deadline / 4).max(Duration::from_millis(5)))
    else {
        return;
    };
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(watched) = watched.upgrade() else {
            return;
        };
        let now = Instant::now();
        let mut stalled = Vec::new();
        watched.lock().retain(|stream| match stream.upgrade() {
            None => false,
            Some(core) => match core.waiting_since() {
                Some(since) if now >= since + watched.deadline => {
                    stalled.push(core);
                    false
                }
                _ => true,
            },
        });
        // Cut outside the list's lock: a handler's drop may take its time.
        for core in stalled {
            tracing::debug!(
                deadline = ?watched.deadline,
                "a stream's client took nothing for the stall deadline; the stream ends"
            );
            core.cut();
        }
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
