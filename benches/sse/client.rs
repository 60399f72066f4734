//! The load client every scenario shares: raw HTTP/1.1 over a `TcpStream` (no client library's
//! cost in the figures, and the same client for every contender), and hyper's HTTP/2 client for
//! h2c. Streams are read to the end and their events counted ([`Occurrences`]).

use crate::count::Occurrences;
use crate::payload::Feed;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How a throughput client reads the events of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Counts `data:` lines with memchr: the least a client can do, so the server is measured
    /// as close to alone as a socket allows.
    Count,
    /// Parses every event as a user's client does: tidings' WHATWG decoder, then each event
    /// decoded into the payload enum, its JSON into owned fields (`RawEvent::decode`).
    Parse,
}

impl Reading {
    pub fn name(self) -> &'static str {
        match self {
            Reading::Count => "counting client",
            Reading::Parse => "parsing client",
        }
    }

    fn reader(self) -> EventReader {
        match self {
            Reading::Count => EventReader::Count(Occurrences::events()),
            Reading::Parse => EventReader::Parse {
                decoder: tidings::client::Decoder::new(),
                events: Vec::new(),
                parsed: 0,
            },
        }
    }
}

/// The events of one body, counted or parsed as they arrive.
enum EventReader {
    Count(Occurrences),
    Parse {
        decoder: tidings::client::Decoder,
        events: Vec<tidings::client::RawEvent>,
        parsed: u64,
    },
}

impl EventReader {
    fn feed(&mut self, bytes: &[u8]) {
        match self {
            EventReader::Count(occurrences) => occurrences.feed(bytes),
            EventReader::Parse {
                decoder,
                events,
                parsed,
            } => {
                decoder.feed(bytes, events).expect("a well-formed stream");
                for event in events.drain(..) {
                    let tick = event.decode::<Feed>().expect("a tick");
                    std::hint::black_box(tick);
                    *parsed += 1;
                }
            }
        }
    }

    fn count(&self) -> u64 {
        match self {
            EventReader::Count(occurrences) => occurrences.count(),
            EventReader::Parse { parsed, .. } => *parsed,
        }
    }
}

/// Connections being opened at once (each until its response head arrives) when a scenario
/// opens thousands: enough to keep the server busy, few enough not to overflow its backlog.
pub const CONNECTING: usize = 256;

/// A stream whose response head has been read.
pub struct Opened {
    pub tcp: TcpStream,
    /// Body bytes that came with the head, at the start of the caller's buffer.
    pub leftover: usize,
    /// `Transfer-Encoding: chunked`; otherwise the body runs to the end of the connection.
    pub chunked: bool,
}

/// Sends `GET path` and reads the response head into `buffer`, which must hold it; fails unless
/// the status is 200.
pub async fn open_stream(addr: SocketAddr, path: &str, buffer: &mut [u8]) -> io::Result<Opened> {
    let mut tcp = TcpStream::connect(addr).await?;
    // Closing resets the connection: no TIME_WAIT, so ephemeral ports last every round.
    tcp.set_zero_linger()?;
    tcp.set_nodelay(true)?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n");
    tcp.write_all(request.as_bytes()).await?;
    let mut len = 0;
    loop {
        let n = tcp.read(&mut buffer[len..]).await?;
        if n == 0 || len + n == buffer.len() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        len += n;
        if let Some(end) = buffer[..len].windows(4).position(|w| w == b"\r\n\r\n") {
            if !buffer.starts_with(b"HTTP/1.1 200") {
                return Err(io::Error::other("not a 200"));
            }
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let chunked = head.contains("\r\ntransfer-encoding: chunked");
            buffer.copy_within(end + 4..len, 0);
            return Ok(Opened {
                tcp,
                leftover: len - (end + 4),
                chunked,
            });
        }
    }
}

/// Reads a whole HTTP/1.1 event stream, over a fresh connection; returns its events.
pub async fn drain_http1(addr: SocketAddr, path: &str, reading: Reading) -> io::Result<u64> {
    let mut buffer = vec![0; 256 * 1024];
    let mut opened = open_stream(addr, path, &mut buffer).await?;
    let mut events = reading.reader();
    let mut chunks = opened.chunked.then(Dechunker::default);
    let mut len = opened.leftover;
    loop {
        match &mut chunks {
            Some(chunks) => {
                if chunks.feed(&buffer[..len], |data| events.feed(data))? {
                    return Ok(events.count());
                }
            }
            None => events.feed(&buffer[..len]),
        }
        len = opened.tcp.read(&mut buffer).await?;
        if len == 0 {
            return match chunks {
                Some(_) => Err(io::ErrorKind::UnexpectedEof.into()),
                None => Ok(events.count()),
            };
        }
    }
}

/// Reads a whole response body with `Connection: close` (small JSON answers, such as a
/// server's statistics).
pub async fn get(addr: SocketAddr, path: &str) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tcp.read_to_end(&mut response).await.unwrap();
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    response.split_off(end + 4)
}

/// Undoes HTTP/1.1 chunked transfer coding as bytes arrive, in whatever pieces.
#[derive(Default)]
struct Dechunker {
    state: Chunk,
}

enum Chunk {
    /// Reading a chunk-size line: the size so far, and whether its digits have ended (an
    /// extension or the CR follows them).
    Size(usize, bool),
    Data(usize),
    /// The CRLF after a chunk's data: bytes still to skip.
    DataEnd(usize),
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk::Size(0, false)
    }
}

impl Dechunker {
    /// Passes the data in `bytes` to `data`; true at the last (zero-size) chunk.
    fn feed(&mut self, mut bytes: &[u8], mut data: impl FnMut(&[u8])) -> io::Result<bool> {
        while !bytes.is_empty() {
            match self.state {
                Chunk::Data(remaining) => {
                    let n = remaining.min(bytes.len());
                    data(&bytes[..n]);
                    bytes = &bytes[n..];
                    self.state = match remaining - n {
                        0 => Chunk::DataEnd(2),
                        left => Chunk::Data(left),
                    };
                }
                Chunk::DataEnd(skip) => {
                    let n = skip.min(bytes.len());
                    bytes = &bytes[n..];
                    self.state = match skip - n {
                        0 => Chunk::default(),
                        left => Chunk::DataEnd(left),
                    };
                }
                Chunk::Size(size, past_digits) => {
                    let byte = bytes[0];
                    bytes = &bytes[1..];
                    self.state = match byte {
                        b'\n' if size == 0 => return Ok(true),
                        b'\n' => Chunk::Data(size),
                        b if b.is_ascii_hexdigit() && !past_digits => {
                            let digit = (b as char).to_digit(16).unwrap() as usize;
                            let size = size.checked_mul(16).map(|s| s + digit);
                            Chunk::Size(
                                size.ok_or_else(|| io::Error::other("chunk too big"))?,
                                false,
                            )
                        }
                        _ => Chunk::Size(size, true),
                    };
                }
            }
        }
        Ok(false)
    }
}

/// An HTTP/2 connection with prior knowledge (h2c), its driver spawned on the current runtime.
pub async fn connect_h2(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (send, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .expect("the h2c handshake");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    send
}

/// Reads a whole event stream over an HTTP/2 connection (a stream of it); returns its events.
pub async fn drain_h2(
    mut send: SendRequest<Empty<Bytes>>,
    path: &str,
    reading: Reading,
) -> io::Result<u64> {
    let request = http::Request::get(format!("http://bench{path}"))
        .body(Empty::new())
        .unwrap();
    let response = send.send_request(request).await.map_err(io::Error::other)?;
    if response.status() != http::StatusCode::OK {
        return Err(io::Error::other("not a 200"));
    }
    let mut body = response.into_body();
    let mut events = reading.reader();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(io::Error::other)?.into_data() {
            events.feed(&data);
        }
    }
    Ok(events.count())
}
