//! What the parts of a stream hand one another: the queue from its `Sender`s to its body and
//! the items in it, and the handler's future, which the body polls and the stall watch can drop.
//!
//! The queue is ours rather than a `tokio::sync::mpsc` channel because of what an idle stream
//! costs: tokio allocates a block of 32 slots with every channel (1,840 bytes for these items),
//! while most streams of a hub wait far more than they send. This one is a `VecDeque` behind a
//! lock, which allocates only once an item waits, and grows to the most items that ever waited
//! at once (never past the capacity).

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::task::AtomicWaker;
use std::collections::VecDeque;
use std::pin::pin;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::sync::Notify;

use super::outcome::Failure;

/// What a [`Sender`](crate::Sender) puts in its stream's queue.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// The bytes of an event or a comment.
    Frame(Bytes),
    /// Commits the response head now, sending nothing (a stream ready before its first event).
    Open,
    /// The stream's final event is queued before this: the stream ends after it.
    End,
}

/// How a handler's future ended.
pub(crate) enum HandlerEnd {
    Finished,
    /// It returned an error, already turned into its response.
    Failed(Failure),
    Panicked(String),
}

/// The handler's future, polled by the body itself. Dropping the body (the client left) drops
/// the handler: no task outlives the connection.
pub(crate) type HandlerTask = BoxFuture<'static, HandlerEnd>;

/// A stream's queue holding at most `capacity` items (at least one): its senders' side, of
/// which there are as many as the handler makes, and the body's.
pub(crate) fn queue(capacity: usize) -> (QueueSender, QueueReceiver) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            capacity: capacity.max(1),
            open: false,
            closed: false,
            senders: 1,
        }),
        room: Notify::new(),
        gone: Notify::new(),
        receiver: AtomicWaker::new(),
        polling_handler: AtomicBool::new(false),
    });
    (QueueSender(shared.clone()), QueueReceiver(shared))
}

struct Shared {
    state: Mutex<State>,
    /// Senders waiting for room; woken when the body takes from a full queue, or closes it.
    room: Notify,
    /// Those waiting for the body to be gone (`Sender::closed`).
    gone: Notify,
    /// The body's task, woken when an item arrives or the last sender goes.
    receiver: AtomicWaker,
    /// Set while the body polls the handler: an item the handler queues then is taken right
    /// after, and a wake would only make hyper poll the whole connection once more, for
    /// nothing, after every event.
    polling_handler: AtomicBool,
}

struct State {
    items: VecDeque<Outgoing>,
    capacity: usize,
    /// An `Open` waits. A flag rather than an item, so that a stream which only opens (an idle
    /// one) never allocates its item buffer; it is taken before the items, which is the same
    /// to the body: an `Open` only commits the head, and any item commits it too.
    open: bool,
    /// The body closed the queue, or is gone: nothing more is accepted.
    closed: bool,
    /// Live `QueueSender`s; at zero the body sees the queue end once it is empty.
    senders: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing that runs under this lock panics; take it back in any case rather than
        // panic in a handler or the body.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `item` if there is room now.
    fn offer(&self, item: Outgoing) -> Result<(), TrySendError> {
        let mut state = self.lock();
        if state.closed {
            return Err(TrySendError::Closed);
        }
        match item {
            Outgoing::Open => state.open = true,
            item if state.items.len() >= state.capacity => return Err(TrySendError::Full(item)),
            item => state.items.push_back(item),
        }
        drop(state);
        self.wake_receiver();
        Ok(())
    }

    /// Wakes the body, unless it is polling the handler (it looks at the queue right after).
    fn wake_receiver(&self) {
        // Pairs with the fence in `QueueReceiver::polling_handler`: either the body, done with
        // the handler, sees what was queued before this, or this sees that it is done.
        fence(Ordering::SeqCst);
        if !self.polling_handler.load(Ordering::Relaxed) {
            self.receiver.wake();
        }
    }

    fn close(&self) {
        let was_open = !std::mem::replace(&mut self.lock().closed, true);
        if was_open {
            self.room.notify_waiters();
            self.gone.notify_waiters();
        }
    }
}

/// The queue is closed: the stream's body is gone or will take nothing more.
#[derive(Debug)]
pub(crate) struct QueueClosed;

/// Why [`QueueSender::try_send`] did not queue its item.
#[derive(Debug)]
pub(crate) enum TrySendError {
    Full(Outgoing),
    Closed,
}

/// The senders' side of a stream's queue.
pub(crate) struct QueueSender(Arc<Shared>);

impl QueueSender {
    /// Queues `item` if there is room now.
    pub(crate) fn try_send(&self, item: Outgoing) -> Result<(), TrySendError> {
        self.0.offer(item)
    }

    /// Queues `item`, waiting while the queue is full. Dropped before it completes, it queues
    /// nothing.
    pub(crate) async fn send(&self, mut item: Outgoing) -> Result<(), QueueClosed> {
        loop {
            // Registered before looking, so room made between the look and the wait wakes it.
            let mut room = pin!(self.0.room.notified());
            room.as_mut().enable();
            item = match self.0.offer(item) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed) => return Err(QueueClosed),
                Err(TrySendError::Full(item)) => item,
            };
            room.await;
        }
    }

    /// Resolves once the queue is closed: the body is gone or takes nothing more.
    pub(crate) async fn closed(&self) {
        loop {
            let mut gone = pin!(self.0.gone.notified());
            gone.as_mut().enable();
            if self.is_closed() {
                return;
            }
            gone.await;
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.0.lock().closed
    }
}

impl Clone for QueueSender {
    fn clone(&self) -> Self {
        self.0.lock().senders += 1;
        QueueSender(self.0.clone())
    }
}

impl Drop for QueueSender {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.senders -= 1;
        let last = state.senders == 0;
        drop(state);
        if last {
            self.0.wake_receiver();
        }
    }
}

/// The body's side of a stream's queue. Dropping it closes the queue.
pub(crate) struct QueueReceiver(Arc<Shared>);

impl QueueReceiver {
    /// The next item; `None` once the queue is empty and every sender is gone, or it was
    /// closed. Counts against tokio's cooperative budget, as tokio's own channels do, so a
    /// queue that is never empty still lets the connection's task yield.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Outgoing>> {
        let budget = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut state = self.0.lock();
        let item = self.take(&mut state);
        if item.is_some() || state.closed || state.senders == 0 {
            budget.made_progress();
            return Poll::Ready(item);
        }
        // Registered under the lock: a sender queues under it too, and wakes only after, so
        // no item can come between this look and the registration unseen.
        self.0.receiver.register(cx.waker());
        Poll::Pending
    }

    /// The body starts (`true`) or stops polling the handler: see `Shared::polling_handler`.
    pub(crate) fn polling_handler(&self, polling: bool) {
        self.0.polling_handler.store(polling, Ordering::Relaxed);
        if !polling {
            // Pairs with the fence in `Shared::wake_receiver`.
            fence(Ordering::SeqCst);
        }
    }

    /// The next item if one is queued now.
    pub(crate) fn try_recv(&mut self) -> Option<Outgoing> {
        let mut state = self.0.lock();
        self.take(&mut state)
    }

    /// Takes nothing more in; what is queued can still be received.
    pub(crate) fn close(&mut self) {
        self.0.close();
    }

    /// Takes the front item, telling waiting senders when that makes room in a full queue.
    fn take(&self, state: &mut MutexGuard<'_, State>) -> Option<Outgoing> {
        if std::mem::take(&mut state.open) {
            return Some(Outgoing::Open);
        }
        let was_full = state.items.len() >= state.capacity;
        let item = state.items.pop_front();
        if was_full && item.is_some() {
            self.0.room.notify_waiters();
        }
        item
    }
}

impl Drop for QueueReceiver {
    fn drop(&mut self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;
    use std::task::Waker;

    fn frame(text: &'static str) -> Outgoing {
        Outgoing::Frame(Bytes::from_static(text.as_bytes()))
    }

    fn text(item: Option<Outgoing>) -> String {
        match item {
            Some(Outgoing::Frame(bytes)) => String::from_utf8(bytes.to_vec()).unwrap(),
            Some(Outgoing::Open) => "open".into(),
            Some(Outgoing::End) => "end".into(),
            None => "none".into(),
        }
    }

    #[tokio::test]
    async fn items_come_out_in_order_and_a_full_queue_makes_senders_wait() {
        let (tx, mut rx) = queue(2);
        tx.try_send(frame("a")).unwrap();
        tx.send(frame("b")).await.unwrap();
        assert!(matches!(
            tx.try_send(frame("c")),
            Err(TrySendError::Full(_))
        ));

        let other = tx.clone();
        let mut waiting = Box::pin(other.send(frame("c")));
        assert!((&mut waiting).now_or_never().is_none(), "the queue is full");
        assert_eq!(text(rx.try_recv()), "a");
        waiting.await.unwrap();
        assert_eq!(text(rx.try_recv()), "b");
        assert_eq!(text(rx.try_recv()), "c");
        assert_eq!(text(rx.try_recv()), "none");
    }

    #[tokio::test]
    async fn a_sender_waiting_for_room_is_woken_by_the_body_in_another_task() {
        let (tx, mut rx) = queue(1);
        let sending = tokio::spawn(async move {
            for n in ["1", "2", "3", "4"] {
                tx.send(frame(n)).await.unwrap();
            }
        });
        let mut received = Vec::new();
        while let Some(item) = std::future::poll_fn(|cx| rx.poll_recv(cx)).await {
            received.push(text(Some(item)));
        }
        sending.await.unwrap();
        assert_eq!(
            received,
            ["1", "2", "3", "4"],
            "the queue ends once its senders are gone"
        );
    }

    #[tokio::test]
    async fn closing_refuses_new_items_wakes_waiters_and_keeps_what_was_queued() {
        let (tx, mut rx) = queue(1);
        tx.try_send(frame("kept")).unwrap();
        let mut waiting = Box::pin(tx.send(frame("refused")));
        assert!((&mut waiting).now_or_never().is_none());
        let mut closed = Box::pin(tx.closed());
        assert!((&mut closed).now_or_never().is_none(), "the queue is open");

        rx.close();
        assert!(matches!(waiting.await, Err(QueueClosed)));
        closed.await;
        assert!(tx.is_closed());
        assert!(matches!(tx.try_send(frame("x")), Err(TrySendError::Closed)));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(text(ready(rx.poll_recv(&mut cx))), "kept");
        assert_eq!(text(ready(rx.poll_recv(&mut cx))), "none");
    }

    #[tokio::test]
    async fn the_body_dropped_closes_the_queue() {
        let (tx, rx) = queue(4);
        let closed = tokio::spawn({
            let tx = tx.clone();
            async move { tx.closed().await }
        });
        drop(rx);
        closed.await.unwrap();
        assert!(matches!(tx.send(Outgoing::Open).await, Err(QueueClosed)));
    }

    #[test]
    fn a_stream_that_only_opens_holds_no_item_buffer() {
        let (tx, mut rx) = queue(1);
        tx.try_send(frame("a")).unwrap();
        tx.try_send(Outgoing::Open).expect("an open takes no room");
        assert_eq!(text(rx.try_recv()), "open");
        assert_eq!(text(rx.try_recv()), "a");

        let (tx, mut rx) = queue(64);
        tx.try_send(Outgoing::Open).unwrap();
        assert_eq!(text(rx.try_recv()), "open");
        assert_eq!(text(rx.try_recv()), "none");
        assert_eq!(rx.0.lock().items.capacity(), 0);
    }

    /// Counts its wakes.
    struct Wakes(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn an_item_queued_while_the_body_polls_the_handler_does_not_wake_it() {
        let wakes = Arc::new(Wakes(std::sync::atomic::AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let (tx, mut rx) = queue(4);
        assert!(rx.poll_recv(&mut cx).is_pending());

        rx.polling_handler(true);
        tx.try_send(frame("from the handler")).unwrap();
        rx.polling_handler(false);
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            0,
            "the body looks right after"
        );
        assert_eq!(text(ready(rx.poll_recv(&mut cx))), "from the handler");

        assert!(rx.poll_recv(&mut cx).is_pending());
        tx.try_send(frame("from another task")).unwrap();
        assert_eq!(
            wakes.0.load(Ordering::SeqCst),
            1,
            "any other time, the body is woken"
        );
        drop(tx);
        assert_eq!(text(ready(rx.poll_recv(&mut cx))), "from another task");
        assert!(matches!(rx.poll_recv(&mut cx), Poll::Ready(None)));
    }

    fn ready<T>(poll: Poll<T>) -> T {
        match poll {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("expected a ready poll"),
        }
    }
}
