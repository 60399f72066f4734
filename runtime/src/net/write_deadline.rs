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
///   its first byte needs a longer timeout. HTTP/2 connections are closed the same way; there
///   only frames of requests and responses count, so a client that sends PINGs (or other
///   upkeep frames) and nothing else is idle.
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
    /// HTTP/2, told by its preface: its frames are followed both ways, and only those that
    /// carry requests and responses count as progress, so PINGs do not keep it open.
    Http2 { reads: H2Frames, writes: H2Frames },
    /// TLS, or anything else whose bytes are not read here: any byte is progress.
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

/// Follows HTTP/2 frames through the bytes of one direction, to tell which carry requests and
/// responses (HEADERS, CONTINUATION, DATA) from the protocol's own upkeep (PING, SETTINGS,
/// WINDOW_UPDATE, ...), which a client can send forever without asking anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct H2Frames {
    /// Bytes to pass over before the next frame header: the rest of a payload, or of the
    /// client's connection preface.
    skip: usize,
    /// The frame header read so far.
    header: [u8; 9],
    filled: usize,
}

impl H2Frames {
    /// The client's connection preface, `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, comes before its
    /// first frame.
    const PREFACE_LEN: usize = 24;

    fn after(skip: usize) -> Self {
        H2Frames {
            skip,
            header: [0; 9],
            filled: 0,
        }
    }

    /// Follows `bytes`; returns whether a frame that carries a request or a response began.
    fn follow(&mut self, mut bytes: &[u8]) -> bool {
        const DATA: u8 = 0x0;
        const HEADERS: u8 = 0x1;
        const CONTINUATION: u8 = 0x9;
        let mut progress = false;
        while !bytes.is_empty() {
            if self.skip > 0 {
                let passed = self.skip.min(bytes.len());
                self.skip -= passed;
                bytes = &bytes[passed..];
                continue;
            }
            let taken = (self.header.len() - self.filled).min(bytes.len());
            self.header[self.filled..self.filled + taken].copy_from_slice(&bytes[..taken]);
            self.filled += taken;
            bytes = &bytes[taken..];
            if self.filled == self.header.len() {
                let [a, b, c, kind, ..] = self.header;
                self.skip = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
                progress |= matches!(kind, DATA | HEADERS | CONTINUATION);
                self.filled = 0;
            }
        }
        progress
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
    /// When the connection last made progress: a byte moved either way (over HTTP/2, a frame
    /// of a request or a response).
    last_moved: Instant,
    /// Fires at the earliest read-side limit (the idle timeout, the header deadline), or
    /// earlier: it is moved later only when it fires, not at every byte.
    read_timer: Pin<Box<Sleep>>,
}

impl<I> DeadlineIo<I> {
    /// What the bytes the server just wrote tell: a response answers the request, and `101`
    /// switches protocols. `written` is what went out, in order, across the buffers.
    fn wrote<'a>(&mut self, written: impl IntoIterator<Item = &'a [u8]>) {
        let mut written = written.into_iter().filter(|part| !part.is_empty());
        match &mut self.protocol {
            Protocol::Http2 { writes, .. } => {
                if written.fold(false, |progress, part| writes.follow(part) | progress) {
                    self.last_moved = Instant::now();
                }
                return;
            }
            Protocol::Http1(state) => {
                let first = written.next().unwrap_or_default();
                if first.starts_with(b"HTTP/1.1 101 ") {
                    self.protocol = Protocol::Upgraded;
                } else if !first.starts_with(b"HTTP/1.1 100 ") {
                    // (`100 Continue`: the request's body comes next, not a new head.)
                    *state = Http1::BetweenRequests;
                }
            }
            _ => {}
        }
        self.last_moved = Instant::now();
    }

    /// Bytes the client sent.
    fn was_read(&mut self, read: &[u8]) {
        let now = Instant::now();
        let mut progress = true;
        self.protocol = match self.protocol {
            // HTTP/2's preface starts `PRI * HTTP/2.0`; a TLS record starts with a byte that is
            // no letter. A request line starts with its method.
            Protocol::Unknown if read.starts_with(b"PRI ") => {
                let mut reads = H2Frames::after(H2Frames::PREFACE_LEN);
                reads.follow(read);
                Protocol::Http2 {
                    reads,
                    writes: H2Frames::after(0),
                }
            }
            Protocol::Unknown if read.first().is_some_and(u8::is_ascii_uppercase) => {
                Protocol::Http1(Http1::BetweenRequests.read(read, now))
            }
            Protocol::Unknown => Protocol::Opaque,
            Protocol::Http1(state) => Protocol::Http1(state.read(read, now)),
            Protocol::Http2 { mut reads, writes } => {
                progress = reads.follow(read);
                Protocol::Http2 { reads, writes }
            }
            other => other,
        };
        if progress {
            self.last_moved = now;
        }
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
        if let Poll::Ready(Ok(n @ 1..)) = written {
            self.wrote([&buf[..n]]);
        }
        self.watch_writes(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n @ 1..)) = written {
            // The first `n` bytes across the buffers went out.
            let mut left = n;
            self.wrote(bufs.iter().map(|buf| {
                let part = &buf[..left.min(buf.len())];
                left -= part.len();
                part
            }));
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

    /// A frame header: payload length, type, no flags, stream 1.
    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let len = payload.len().to_be_bytes();
        let mut frame = vec![len[5], len[6], len[7], kind, 0, 0, 0, 0, 1];
        frame.extend_from_slice(payload);
        frame
    }

    #[test]
    fn http2_frames_of_requests_are_progress_and_pings_are_not_wherever_reads_split_them() {
        let ping = frame(0x6, &[0; 8]);
        let settings = frame(0x4, &[]);
        let headers = frame(0x1, b"\x82\x86\x84");
        let mut reads = H2Frames::after(H2Frames::PREFACE_LEN);
        assert!(!reads.follow(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        assert!(!reads.follow(&settings));
        for _ in 0..3 {
            assert!(!reads.follow(&ping));
        }
        // A HEADERS frame split across three reads, after a PING in the same read.
        let mut bytes = ping.clone();
        bytes.extend_from_slice(&headers);
        let (a, rest) = bytes.split_at(ping.len() + 4);
        let (b, c) = rest.split_at(6);
        assert!(!reads.follow(a));
        assert!(reads.follow(b));
        assert!(!reads.follow(c));
        // A DATA payload that looks like frame headers is passed over.
        assert!(reads.follow(&frame(0x0, &ping)));
        assert!(!reads.follow(&ping));
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
