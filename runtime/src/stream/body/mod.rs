//! The response body of a stream: drives the handler, coalesces queued events into one chunk,
//! and sends keep-alives when the stream is idle.

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

use super::config::StreamConfig;
use super::keep_alive::KeepAlive;
use super::limits::Admitted;
use super::metrics::StreamMetrics;
use super::outcome::Failure;
use super::queue::{HandlerEnd, HandlerTask, Outgoing, QueueReceiver};
use super::shutdown::Shutdown;
use super::stall::{Core, Running, Stalled};

/// How far the queue has come to its end.
#[derive(Default)]
struct QueueEnd {
    /// The queue has ended: every sender is gone, or it was closed and then drained.
    closed: bool,
    /// The handler queued its final event (`#[sse(end)]`): nothing is sent after it.
    final_event: bool,
}

impl QueueEnd {
    /// The bytes an item of the queue adds (`None` once the queue or the stream has ended); an
    /// `Open` adds empty bytes, which commit the head and are never written.
    fn accept(&mut self, item: Option<Outgoing>) -> Option<Bytes> {
        match item {
            Some(Outgoing::Frame(frame)) => Some(frame),
            Some(Outgoing::Open) => Some(Bytes::new()),
            Some(Outgoing::End) => {
                self.final_event = true;
                self.closed = true;
                None
            }
            None => {
                self.closed = true;
                None
            }
        }
    }
}

/// Chunks larger than this are not grown further by coalescing, so one write stays bounded.
const MAX_COALESCED_CHUNK: usize = 64 * 1024;

/// The body of an SSE response.
pub(crate) struct SseBody {
    /// The handler and its queue, which the stall watch can take apart.
    core: Arc<Core>,
    state: BodyState,
}

/// Everything of the body the stall watch never touches.
struct BodyState {
    /// The handler's name, for the logs.
    handler_name: &'static str,
    /// A frame taken from the channel while the response head was being decided.
    first: Option<Bytes>,
    queue_end: QueueEnd,
    /// The stream is being cut short (the server shuts down, or the stream reached its maximum
    /// age): the handler is gone and the queue closed; what was queued still goes out, then
    /// `farewell`.
    cut_short: bool,
    keep_alive: Option<KeepAliveTimer>,
    shutdown: Shutdown,
    /// Fires when the stream reaches its maximum age, with what the stream then sends last:
    /// the `on_max_age` event and the `retry:` hint, or the hint alone.
    max_age: Option<(Pin<Box<Sleep>>, Bytes)>,
    done: bool,
    metrics: StreamMetrics,
    /// What the stream sends last if it is cut short: the `on_shutdown` event until then, and
    /// the age's farewell if it is cut short for its age.
    farewell: Option<Bytes>,
    /// What the stream sends last in any case: the event of a late error (`error_event`).
    last: Option<Bytes>,
}

impl SseBody {
    pub(crate) fn new(
        handler: HandlerTask,
        frames: QueueReceiver,
        config: &StreamConfig,
        admitted: Admitted,
    ) -> Self {
        let keep_alive = config.keep_alive.clone();
        let keep_alive = keep_alive.interval().map(|interval| KeepAliveTimer {
            setting: keep_alive,
            interval,
            timer: Box::pin(tokio::time::sleep(interval)),
            last_write: Instant::now(),
        });
        let core = Core::new(handler, frames, admitted);
        if let Some(watch) = &config.stall {
            watch.watch(&core);
        }
        SseBody {
            core,
            state: BodyState {
                handler_name: config.handler,
                first: None,
                queue_end: QueueEnd::default(),
                cut_short: false,
                keep_alive,
                shutdown: config.shutdown.clone(),
                max_age: config.max_age.map(|age| {
                    let timer = Box::pin(tokio::time::sleep(jittered(age)));
                    (timer, config.age_farewell.clone())
                }),
                done: false,
                metrics: StreamMetrics::open(),
                farewell: config.farewell.clone(),
                last: None,
            },
        }
    }

    /// Polls the handler once; returns how it ended if it just did.
    pub(crate) fn poll_handler(&mut self, cx: &mut Context<'_>) -> Poll<HandlerEnd> {
        self.state.poll_handler(&mut self.core.running(), cx)
    }

    /// Waits for the first frame, keeping it for the body.
    pub(crate) fn poll_first_frame(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.state.poll_first_frame(&mut self.core.running(), cx)
    }

    /// Whether an event was sent before the handler ended (its frame is queued).
    pub(crate) fn has_queued_event(&mut self) -> bool {
        self.state.has_queued_event(&mut self.core.running())
    }

    /// The handler ended after the head went out: a failure is logged, and a late error's
    /// event (`error_event`) becomes the stream's last.
    pub(crate) fn ended_late(&mut self, end: HandlerEnd) {
        self.state.ended_late(end);
    }
}

impl BodyState {
    fn poll_handler(&mut self, running: &mut Running, cx: &mut Context<'_>) -> Poll<HandlerEnd> {
        let Some(handler) = running.handler.as_mut() else {
            return Poll::Pending;
        };
        running.frames.polling_handler(true);
        let polled = handler.as_mut().poll(cx);
        running.frames.polling_handler(false);
        let end = ready!(polled);
        running.handler = None;
        Poll::Ready(end)
    }

    fn poll_first_frame(&mut self, running: &mut Running, cx: &mut Context<'_>) -> Poll<()> {
        if self.first.is_some() || self.queue_end.closed {
            return Poll::Ready(());
        }
        let item = ready!(running.frames.poll_recv(cx));
        self.first = self.queue_end.accept(item);
        Poll::Ready(())
    }

    fn has_queued_event(&mut self, running: &mut Running) -> bool {
        if self.first.is_none() && !self.queue_end.closed {
            if let Some(item) = running.frames.try_recv() {
                self.first = self.queue_end.accept(Some(item));
            }
        }
        self.first.is_some()
    }

    /// Starts ending the stream early, with `farewell` last: the handler is dropped and the
    /// queue closed, so nothing more comes in; what was already queued (at most its capacity)
    /// still goes out. Looked at before the queue, so a handler that keeps the queue full
    /// cannot hold it off.
    fn cut_short(&mut self, running: &mut Running, farewell: Option<Bytes>) {
        self.cut_short = true;
        self.farewell = farewell;
        running.handler = None;
        running.frames.close();
    }

    /// Whether the server shuts down (with the `on_shutdown` event last) or the stream reached
    /// its maximum age (with the `on_max_age` event and the `retry:` hint last).
    fn poll_cut_short(&mut self, cx: &mut Context<'_>) -> Option<Option<Bytes>> {
        if self.shutdown.poll_triggered(cx) {
            return Some(self.farewell.take());
        }
        let (timer, farewell) = self.max_age.as_mut()?;
        timer
            .as_mut()
            .poll(cx)
            .is_ready()
            .then(|| Some(farewell.clone()))
    }

    /// Everything queued right now, as one chunk (`None` if nothing is queued). Empty frames,
    /// which only commit the head (``FrameSink::open``), add nothing.
    fn poll_queued(&mut self, running: &mut Running, cx: &mut Context<'_>) -> Option<Bytes> {
        let mut chunk = self.first.take();
        // Events in this chunk; an `Open` adds empty bytes and no event.
        let mut events = u64::from(chunk.as_ref().is_some_and(|first| !first.is_empty()));
        let mut coalesced: Option<BytesMut> = None;
        while !self.queue_end.closed {
            let len =
                chunk.as_ref().map_or(0, Bytes::len) + coalesced.as_ref().map_or(0, BytesMut::len);
            if len >= MAX_COALESCED_CHUNK {
                break;
            }
            let frame = match running.frames.poll_recv(cx) {
                Poll::Ready(item) => match self.queue_end.accept(item) {
                    Some(frame) => frame,
                    None => break, // the stream ends after what was queued before
                },
                Poll::Pending => break,
            };
            events += u64::from(!frame.is_empty());
            match (&mut coalesced, chunk.take()) {
                (Some(buffer), _) => buffer.extend_from_slice(&frame),
                (None, Some(previous)) => {
                    let mut buffer = BytesMut::with_capacity(previous.len() + frame.len() * 4);
                    buffer.extend_from_slice(&previous);
                    buffer.extend_from_slice(&frame);
                    coalesced = Some(buffer);
                }
                (None, None) => chunk = Some(frame),
            }
        }
        let chunk = coalesced
            .map(BytesMut::freeze)
            .or(chunk)
            .filter(|chunk| !chunk.is_empty())?;
        self.metrics.sent(events, chunk.len());
        Some(chunk)
    }

    fn ended_late(&mut self, mut end: HandlerEnd) {
        log_late_end(self.handler_name, &mut end);
        if let HandlerEnd::Failed(failure) = end {
            self.last = failure.last_event;
        }
    }

    /// What the body gives hyper next, with the handler and the queue in hand.
    fn poll_frame(&mut self, running: &mut Running, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        if !self.cut_short {
            if let Some(farewell) = self.poll_cut_short(cx) {
                self.cut_short(running, farewell);
            }
        }
        if let Poll::Ready(end) = self.poll_handler(running, cx) {
            self.ended_late(end);
        }
        if let Some(chunk) = self.poll_queued(running, cx) {
            return Poll::Ready(Some(chunk));
        }
        // The stream ends once every sender is gone (the handler and any task it gave a clone),
        // or once a shutdown's closed queue is drained.
        if self.queue_end.closed {
            self.done = true;
            running.handler = None;
            // Cut short (not after a stream that ended with its final event), the farewell goes
            // out last.
            let farewell = (self.cut_short && !self.queue_end.final_event)
                .then(|| self.farewell.take())
                .flatten();
            let last = self.last.take().or(farewell);
            if let Some(last) = &last {
                self.metrics.sent(1, last.len());
            }
            return Poll::Ready(last);
        }
        match self.keep_alive.as_mut().and_then(|timer| timer.poll(cx)) {
            Some(frame) => {
                self.metrics.sent(0, frame.len());
                Poll::Ready(Some(frame))
            }
            None => Poll::Pending,
        }
    }
}

/// The keep-alive of a stream. An event only notes the time (resetting a timer on every event
/// would cost a lock on tokio's timer wheel each time); when the timer fires, it sends a
/// keep-alive if the stream has been idle for the interval, or waits for the rest of it.
struct KeepAliveTimer {
    setting: KeepAlive,
    interval: Duration,
    timer: Pin<Box<Sleep>>,
    last_write: Instant,
}

impl KeepAliveTimer {
    fn poll(&mut self, cx: &mut Context<'_>) -> Option<Bytes> {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return None;
            }
            let due = self.last_write + self.interval;
            let now = Instant::now();
            if now >= due {
                self.last_write = now;
                self.timer.as_mut().reset(now + self.interval);
                return Some(self.setting.frame());
            }
            // An event went out since the timer was set: wait for the rest of the interval
            // (polling again registers the timer).
            self.timer.as_mut().reset(due);
        }
    }
}

impl Body for SseBody {
    type Data = Bytes;
    type Error = Stalled;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Stalled>>> {
        let this = self.get_mut();
        if this.state.done {
            return Poll::Ready(None);
        }
        this.core.polled();
        let mut running = this.core.running();
        if running.stalled {
            this.state.done = true;
            return Poll::Ready(Some(Err(Stalled)));
        }
        let polled = this.state.poll_frame(&mut running, cx);
        drop(running);
        if let Poll::Ready(Some(_)) = &polled {
            let now = Instant::now();
            this.core.handed(now);
            if let Some(keep_alive) = &mut this.state.keep_alive {
                keep_alive.last_write = now;
            }
        }
        polled.map(|chunk| chunk.map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.state.done
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// `age`, less up to a tenth at random: streams opened together (after a deploy, say) do not
/// all end, and reconnect, at once.
fn jittered(age: Duration) -> Duration {
    let thousandths = (crate::util::random::u64() % 100) as u32;
    age - age / 1000 * thousandths
}

/// After the head is committed, a failure can only be logged: the client already has a `200`.
fn log_late_end(handler: &'static str, end: &mut HandlerEnd) {
    match end {
        HandlerEnd::Finished => {}
        HandlerEnd::Failed(Failure { response, .. }) => tracing::error!(
            handler,
            status = %response.status(),
            error = error_text(response).as_deref().unwrap_or("(body not readable at once)"),
            "SSE handler returned an error after the stream had started; the stream ends"
        ),
        HandlerEnd::Panicked(message) => tracing::error!(
            handler,
            panic = %message,
            "SSE handler panicked; its stream ends, the server carries on"
        ),
    }
}

/// The start of an error response's body, for the log, when it is ready at once (as the
/// string or JSON body of an error type's `IntoResponse` is): a status alone does not say what
/// failed. The body is not sent anywhere; the stream's head went out long before.
fn error_text(response: &mut axum::response::Response) -> Option<String> {
    const MAX_LOGGED: usize = 1024;
    let mut cx = Context::from_waker(Waker::noop());
    match Pin::new(response.body_mut()).poll_frame(&mut cx) {
        Poll::Ready(Some(Ok(frame))) => {
            let data = frame.into_data().ok()?;
            let text = String::from_utf8_lossy(&data[..data.len().min(MAX_LOGGED)]);
            Some(text.into_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::limits::StreamLimits;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Sets its flag when dropped: tells whether the body dropped the handler.
    struct DropFlag(Arc<AtomicBool>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// A stream whose queue is refilled after every chunk, as a flooding handler (a replay
    /// catch-up, an LLM token stream) keeps it. Polled outside any task, so tokio's coop budget
    /// never makes the queue look empty: the body must look at the signal by itself.
    #[test]
    fn shutdown_ends_a_stream_whose_queue_is_never_empty() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _entered = runtime.enter();
        let shutdown = Shutdown::new();
        let config = StreamConfig {
            buffer: 8,
            shutdown: shutdown.clone(),
            farewell: Some(Bytes::from_static(b"event: farewell\ndata: bye\n\n")),
            ..StreamConfig::default()
        };
        let (frames, queue) = crate::stream::queue::queue(config.buffer);
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = DropFlag(dropped.clone());
        let handler = async move {
            let _flag = flag;
            std::future::pending::<HandlerEnd>().await
        };
        let admitted = StreamLimits::default().admit().unwrap();
        let mut body = SseBody::new(Box::pin(handler), queue, &config, admitted);
        let mut cx = Context::from_waker(Waker::noop());
        let refill = || {
            while frames
                .try_send(Outgoing::Frame(Bytes::from_static(b"data: x\n\n")))
                .is_ok()
            {}
        };

        refill();
        assert!(matches!(
            Pin::new(&mut body).poll_frame(&mut cx),
            Poll::Ready(Some(Ok(_)))
        ));
        shutdown.trigger();
        let mut written = Vec::new();
        for _ in 0..100 {
            refill();
            match Pin::new(&mut body).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => written.push(frame.into_data().unwrap()),
                Poll::Ready(None) => break,
                Poll::Ready(Some(Err(stalled))) => panic!("{stalled}"),
                Poll::Pending => panic!("the body waits although it has something to say"),
            }
            assert!(
                written.len() < 100,
                "the stream never ended after the shutdown"
            );
        }
        assert!(dropped.load(Ordering::SeqCst), "the handler still runs");
        let last = written
            .last()
            .expect("nothing was written after the shutdown");
        assert!(
            last.starts_with(b"event: farewell"),
            "the farewell is not last: {last:?}"
        );
    }
}
