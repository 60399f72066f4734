//! [`WriteDeadline`]: a listener whose connections close when the client accepts no bytes for
//! too long, takes too long to send a request head, or leaves the connection idle.
//!
//! A client that stops reading (a frozen tab, a dead network path that never sends a reset)
//! fills its socket's buffer; hyper then stops polling the response body, so nothing in the
//! stream runs again and the connection, its handler and its buffers would be held forever. The
//! deadline has to live on the connection: its writes notice that no byte went out for the
//! deadline and fail, hyper closes the connection, and the stream and its handler are dropped.
//!
//! `axum::serve` gives hyper no timer, so hyper's own header-read timeout never fires, and
//! nothing closes a connection that sends nothing at all. The connection's reads notice
//! instead: an HTTP/1.1 request head must be complete within the header deadline (slowloris),
//! and a connection on which no byte moved either way for the idle timeout is closed. Reads
//! are progress: an upload or an upgraded connection (a WebSocket) is not a slow request head.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

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
/// It also closes:
/// - an HTTP/1.1 connection whose request head is not complete
///   [`DEFAULT_HEADER`](WriteDeadline::DEFAULT_HEADER) (30 s) after its first byte
///   ([`header_deadline`](WriteDeadline::header_deadline)): a head sent a header at a time and
///   never finished (slowloris). The request's body is not timed: an upload may take as long
///   as it keeps sending.
/// - a connection on which no byte moved either way for
///   [`DEFAULT_IDLE`](WriteDeadline::DEFAULT_IDLE) (60 s;
///   [`idle_timeout`](WriteDeadline::idle_timeout)): one that never sends a request, or an
///   HTTP/1.1 keep-alive connection between requests. A stream's keep-alive comments keep it
///   busy (every 15 s by default); a route of yours that computes for longer than this before
///   its first byte needs a longer timeout. HTTP/2 connections are closed the same way, and a
///   client's PINGs count as traffic.
///
/// An upgraded connection (`101 Switching Protocols`, such as a WebSocket) belongs to its
/// protocol from then on: only its writes are timed, never its silence.
///
/// Over HTTP/2, flow control stops a stream before its socket fills, so a client that reads
/// none of its streams is the stream's own business: see
/// [`SseApi::stall_deadline`](crate::SseApi::stall_deadline).
#[derive(Debug)]
pub struct WriteDeadline<L> {
    listener: L,
    deadlines: Deadlines,
}

/// The deadlines of a [`WriteDeadline`] listener, copied into each connection.
#[derive(Debug, Clone, Copy)]
struct Deadlines {
    write: Duration,
    header: Duration,
    idle: Duration,
}

impl<L> WriteDeadline<L> {
    /// How long a connection may accept no bytes, by default.
    pub const DEFAULT: Duration = Duration::from_secs(30);

    /// How long an HTTP/1.1 request head may take to arrive, by default.
    pub const DEFAULT_HEADER: Duration = Duration::from_secs(30);

    /// How long a connection may move no bytes either way, by default.
    pub const DEFAULT_IDLE: Duration = Duration::from_secs(60);

    /// `listener`, with the default deadlines.
    pub fn new(listener: L) -> Self {
        WriteDeadline {
            listener,
            deadlines: Deadlines {
                write: Self::DEFAULT,
                header: Self::DEFAULT_HEADER,
                idle: Self::DEFAULT_IDLE,
            },
        }
    }

    /// Sets how long a connection may accept no bytes before it is closed.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadlines.write = deadline;
        self
    }

    /// Sets how long after an HTTP/1.1 request's first byte its head must be complete, or the
    /// connection is closed.
    pub fn header_deadline(mut self, deadline: Duration) -> Self {
        self.deadlines.header = deadline;
        self
    }

    /// Sets how long a connection may move no bytes either way before it is closed (upgraded
    /// connections excepted).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.deadlines.idle = timeout;
        self
    }
}

impl<L: Listener> Listener for WriteDeadline<L> {
    type Io = DeadlineIo<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.listener.accept().await;
        let now = Instant::now();
        let io = DeadlineIo {
            io,
            deadlines: self.deadlines,
            stalled: None,
            protocol: Protocol::Unknown,
            last_moved: now,
            read_timer: Box::pin(tokio::time::sleep_until(now + self.deadlines.idle)),
        };
        (io, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// What the connection's reads have shown it to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// Nothing read yet.
    Unknown,
    /// HTTP/1.1, whose request heads are timed.
    Http1(Http1),
    /// HTTP/2 (its preface), TLS, or anything else whose bytes are not read here: only idle
    /// time and writes are timed.
    Opaque,
    /// Switched protocols (`101`): only writes are timed.
    Upgraded,
}

/// Where an HTTP/1.1 connection is between requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Http1 {
    /// The last request was answered (or none came yet): the next byte starts a head.
    BetweenRequests,
    /// A head is arriving. `ending` counts the line feed (1), or line feed and carriage
    /// return (2), just read: the head ends at an empty line, `\n\r\n` or `\n\n`.
    Head { started: Instant, ending: u8 },
    /// The head is complete: what follows is the body, then the answer.
    Request,
}

impl Http1 {
    /// Follows a head through `bytes`.
    fn read(self, bytes: &[u8], now: Instant) -> Self {
        let (started, mut ending) = match self {
            Http1::Request => return self,
            Http1::BetweenRequests => (now, 0),
            Http1::Head { started, ending } => (started, ending),
        };
        for &byte in bytes {
            ending = match (byte, ending) {
                (b'\n', 1 | 2) => return Http1::Request,
                (b'\n', _) => 1,
                (b'\r', 1) => 2,
                _ => 0,
            };
        }
        Http1::Head { started, ending }
    }
}

/// A connection of a [`WriteDeadline`] listener.
#[derive(Debug)]
pub struct DeadlineIo<I> {
    io: I,
    deadlines: Deadlines,
    /// Runs while writes wait for the client: started by the first write that could not go
    /// out, reset by any that does.
    stalled: Option<Pin<Box<Sleep>>>,
    protocol: Protocol,
    /// When a byte last moved either way.
    last_moved: Instant,
    /// Fires at the earliest read-side limit (the idle timeout, the header deadline), or
    /// earlier: it is moved later only when it fires, not at every byte.
    read_timer: Pin<Box<Sleep>>,
}

impl<I> DeadlineIo<I> {
    /// What `written` (bytes the server wrote, when `Some`) tells: a response answers the
    /// request, and `101` switches protocols.
    fn wrote(&mut self, written: &[u8]) {
        self.last_moved = Instant::now();
        if let Protocol::Http1(state) = self.protocol {
            self.protocol = if written.starts_with(b"HTTP/1.1 101 ") {
                Protocol::Upgraded
            } else if written.starts_with(b"HTTP/1.1 100 ") {
                // `100 Continue`: the request's body comes next, not a new head.
                Protocol::Http1(state)
            } else {
                Protocol::Http1(Http1::BetweenRequests)
            };
        }
    }

    /// Bytes the client sent.
    fn was_read(&mut self, read: &[u8]) {
        let now = Instant::now();
        self.last_moved = now;
        self.protocol = match self.protocol {
            // HTTP/2's preface starts `PRI * HTTP/2.0`; a TLS record starts with a byte that is
            // no letter. A request line starts with its method.
            Protocol::Unknown if read.starts_with(b"PRI ") => Protocol::Opaque,
            Protocol::Unknown if read.first().is_some_and(u8::is_ascii_uppercase) => {
                Protocol::Http1(Http1::BetweenRequests.read(read, now))
            }
            Protocol::Unknown => Protocol::Opaque,
            Protocol::Http1(state) => Protocol::Http1(state.read(read, now)),
            other => other,
        };
    }

    /// The earliest read-side limit and what passing it means, if any applies.
    fn read_limit(&self) -> Option<(Instant, &'static str)> {
        let idle = (self.last_moved + self.deadlines.idle, "no bytes moved");
        match self.protocol {
            Protocol::Upgraded => None,
            Protocol::Http1(Http1::Head { started, .. }) => {
                let head = (
                    started + self.deadlines.header,
                    "a request head did not arrive",
                );
                Some(if head.0 < idle.0 { head } else { idle })
            }
            _ => Some(idle),
        }
    }

    /// What a read with nothing to read returns: nothing yet, or a `TimedOut` error once a
    /// read-side limit has passed. The timer fires at the limit or earlier: an early firing
    /// only moves it.
    fn watch_reads(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some((limit, _)) = self.read_limit() else {
            return Poll::Pending;
        };
        if self.read_timer.deadline() > limit {
            self.read_timer.as_mut().reset(limit);
        }
        while self.read_timer.as_mut().poll(cx).is_ready() {
            let Some((limit, what)) = self.read_limit() else {
                return Poll::Pending;
            };
            if Instant::now() >= limit {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{what} in time: the connection is closed"),
                )));
            }
            self.read_timer.as_mut().reset(limit);
        }
        Poll::Pending
    }

    /// What a write that waited returns: the same result once the socket moves, or a
    /// `TimedOut` error once the client has accepted nothing for the whole deadline.
    fn watch_writes<T>(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if written.is_ready() {
            self.stalled = None;
            return written;
        }
        let deadline = self.deadlines.write;
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
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Pending => self.watch_reads(cx),
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.was_read(&buf.filled()[before..]);
                }
                Poll::Ready(Ok(()))
            }
            failed => failed,
        }
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for DeadlineIo<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.wrote(buf);
        }
        self.watch_writes(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            let first = bufs.iter().find(|buf| !buf.is_empty());
            self.wrote(first.map_or(&[][..], |buf| &buf[..]));
        }
        self.watch_writes(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = Pin::new(&mut self.io).poll_flush(cx);
        self.watch_writes(cx, flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `reads` one after another to a connection between requests.
    fn after(reads: &[&[u8]]) -> Http1 {
        let now = Instant::now();
        reads
            .iter()
            .fold(Http1::BetweenRequests, |state, read| state.read(read, now))
    }

    #[test]
    fn a_head_ends_at_its_empty_line_wherever_the_reads_split_it() {
        assert_eq!(
            after(&[b"GET / HTTP/1.1\r\nhost: a\r\n\r\n"]),
            Http1::Request
        );
        assert_eq!(
            after(&[b"GET / HTTP/1.1\r\nhost: a\r\n", b"\r", b"\n"]),
            Http1::Request
        );
        assert_eq!(after(&[b"GET / HTTP/1.1\nhost: a\n\n"]), Http1::Request);
        assert!(matches!(
            after(&[b"GET / HTTP/1.1\r\nhost: a\r\n", b"x-a: \r\r\n"]),
            Http1::Head { .. }
        ));
        assert!(matches!(
            after(&[b"GET / HTTP/1.1\r\n"]),
            Http1::Head { .. }
        ));
    }
}
