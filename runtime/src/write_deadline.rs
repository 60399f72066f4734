//! [`WriteDeadline`]: a listener whose connections close when the client accepts no bytes for
//! too long, or sends part of a request and never the rest.
//!
//! A client that stops reading (a frozen tab, a dead network path that never sends a reset)
//! fills its socket's buffer; hyper then stops polling the response body, so nothing in the
//! stream runs again and the connection, its handler and its buffers would be held forever. The
//! deadline has to live on the connection: its writes notice that no byte went out for the
//! deadline and fail, hyper closes the connection, and the stream and its handler are dropped.
//!
//! A client that sends a request head slowly, or half of one (slowloris), holds a connection
//! without ever reaching a handler; `axum::serve` gives hyper no timer, so hyper's own
//! header-read timeout never fires. The connection's reads notice instead: once a request has
//! started, the server must answer (write anything) within the answer deadline.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// Wraps a listener (such as tokio's `TcpListener`) so that each connection closes when the
/// client accepts no bytes for [`WriteDeadline::DEFAULT`] (30 s), or the deadline you set.
///
/// A client that reads, however slowly, is not affected: the deadline restarts with every byte
/// the socket accepts. Keep-alive comments keep an idle stream writing, so an idle but healthy
/// client is never cut; set the deadline well above the keep-alive interval.
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
/// axum::serve(tidings::WriteDeadline::new(listener), app).await
/// # }
/// ```
///
/// It also closes a connection whose client started a request but got no answer within
/// [`WriteDeadline::DEFAULT_ANSWER`] (30 s; [`answer_deadline`](WriteDeadline::answer_deadline)):
/// a request head sent slowly or never finished. A stream answers at its first event or its open
/// deadline (100 ms), so streams are not affected; a route of yours that computes for longer
/// than this before answering needs a longer one.
#[derive(Debug)]
pub struct WriteDeadline<L> {
    listener: L,
    deadline: Duration,
    answer_deadline: Duration,
}

impl<L> WriteDeadline<L> {
    /// How long a connection may accept no bytes, by default.
    pub const DEFAULT: Duration = Duration::from_secs(30);

    /// How long a started request may go unanswered, by default.
    pub const DEFAULT_ANSWER: Duration = Duration::from_secs(30);

    /// `listener`, with the default deadlines.
    pub fn new(listener: L) -> Self {
        WriteDeadline {
            listener,
            deadline: Self::DEFAULT,
            answer_deadline: Self::DEFAULT_ANSWER,
        }
    }

    /// Sets how long a connection may accept no bytes before it is closed.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets how long after a request's first byte the server must have answered, or the
    /// connection is closed.
    pub fn answer_deadline(mut self, deadline: Duration) -> Self {
        self.answer_deadline = deadline;
        self
    }
}

impl<L: Listener> Listener for WriteDeadline<L> {
    type Io = DeadlineIo<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.listener.accept().await;
        let io = DeadlineIo {
            io,
            deadline: self.deadline,
            stalled: None,
            answer_deadline: self.answer_deadline,
            unanswered: None,
        };
        (io, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A connection of a [`WriteDeadline`] listener.
#[derive(Debug)]
pub struct DeadlineIo<I> {
    io: I,
    deadline: Duration,
    /// Runs while writes wait for the client: started by the first write that could not go
    /// out, reset by any that does.
    stalled: Option<Pin<Box<Sleep>>>,
    answer_deadline: Duration,
    /// Runs from the first byte read after the last write until the next write: a request the
    /// server has not answered yet.
    unanswered: Option<Pin<Box<Sleep>>>,
}

impl<I> DeadlineIo<I> {
    /// Bytes went out: the request that started the answer deadline is answered. (A flush,
    /// which hyper also does after reads, answers nothing.)
    fn answered(&mut self, written: &Poll<io::Result<usize>>) {
        if matches!(written, Poll::Ready(Ok(n)) if *n > 0) {
            self.unanswered = None;
        }
    }

    /// What a write that waited returns: the same result once the socket moves, or a
    /// `TimedOut` error once the client has accepted nothing for the whole deadline.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if written.is_ready() {
            self.stalled = None;
            return written;
        }
        let deadline = self.deadline;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(deadline)));
        if stalled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client accepted no bytes for {deadline:?}"),
            )));
        }
        Poll::Pending
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for DeadlineIo<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.io).poll_read(cx, buf);
        match read {
            Poll::Ready(Ok(())) if buf.filled().len() > before && self.unanswered.is_none() => {
                let deadline = self.answer_deadline;
                self.unanswered = Some(Box::pin(tokio::time::sleep(deadline)));
            }
            Poll::Pending => {
                if let Some(unanswered) = self.unanswered.as_mut() {
                    if unanswered.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!(
                                "a request started {:?} ago and is not answered",
                                self.answer_deadline
                            ),
                        )));
                    }
                }
            }
            _ => {}
        }
        read
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for DeadlineIo<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write(cx, buf);
        self.answered(&written);
        self.watch(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.answered(&written);
        self.watch(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.io).poll_flush(cx);
        self.watch(cx, flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
