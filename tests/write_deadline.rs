//! Clients that connect and never read: behind `WriteDeadline`, their connections close once
//! they accept no bytes for the deadline, and their handlers are dropped; a client that reads is
//! unaffected. Without it, they would be held forever. Over HTTP/2 the stream's own stall
//! deadline does it. Connections that send a request head too slowly, or sit idle, are closed
//! too; uploads and upgraded connections are not.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use tidings::{sse_events, sse_handler, Sender, SseApi, WriteDeadline};
use tidings_test_support::{get, PATIENCE};
use tokio::io::AsyncWriteExt;

#[sse_events(rename_all = "snake_case")]
enum Flood {
    #[sse(raw)]
    Chunk(String),
}

/// How many handlers are running, and how many ever started.
#[derive(Clone, Default)]
struct Live {
    running: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
}

/// Counts a running handler until it is dropped.
struct Running(Live);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sends 1 KiB events for as long as the client takes them.
#[sse_handler(get, "/flood")]
async fn flood(State(live): State<Live>, tx: Sender<Flood>) {
    live.started.fetch_add(1, Ordering::SeqCst);
    live.running.fetch_add(1, Ordering::SeqCst);
    let _running = Running(live);
    let chunk = "x".repeat(1024);
    while tx.send(Flood::Chunk(chunk.clone())).await.is_ok() {}
}

const STUCK: usize = 50;

/// A plain route that reads a whole request body and answers with its length.
async fn upload(body: String) -> String {
    body.len().to_string()
}

/// Switches the connection to a protocol of its own, which echoes each line it receives.
async fn echo_lines(mut request: axum::extract::Request) -> axum::response::Response {
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let upgraded = hyper_util::rt::TokioIo::new(upgrade.await.unwrap());
        let mut lines = BufReader::new(upgraded);
        let mut line = String::new();
        while lines.read_line(&mut line).await.is_ok_and(|read| read > 0) {
            if lines.get_mut().write_all(line.as_bytes()).await.is_err() {
                break;
            }
            line.clear();
        }
    });
    axum::response::Response::builder()
        .status(http::StatusCode::SWITCHING_PROTOCOLS)
        .header(http::header::CONNECTION, "upgrade")
        .header(http::header::UPGRADE, "echo")
        .body(axum::body::Body::empty())
        .unwrap()
}

/// Serves the flood on a free port, through `listener` made from the bound TCP listener.
async fn serve_flood<L>(
    wrap: impl FnOnce(tokio::net::TcpListener) -> L,
) -> (std::net::SocketAddr, Live)
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    serve_flood_api(|api| api, wrap).await
}

/// [`serve_flood`], with settings of the API.
async fn serve_flood_api<L>(
    settings: impl FnOnce(SseApi<Live>) -> SseApi<Live>,
    wrap: impl FnOnce(tokio::net::TcpListener) -> L,
) -> (std::net::SocketAddr, Live)
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    let live = Live::default();
    let app = settings(SseApi::stateful("t", "1").handler(flood))
        .into_router()
        .route("/upload", axum::routing::post(upload))
        .route("/echo", axum::routing::get(echo_lines))
        .with_state(live.clone());
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = wrap(tcp);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, live)
}

/// A client that sends its request and never reads: a small receive buffer fills at once.
async fn stuck_client(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream
        .write_all(b"GET /flood HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    stream
}

/// Waits until `count` (of `live`) is `expected`; fails the test after [`PATIENCE`].
async fn becomes(live: &Live, count: fn(&Live) -> &AtomicUsize, expected: usize) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while count(live).load(Ordering::SeqCst) != expected {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let now = count(live).load(Ordering::SeqCst);
    assert!(waited.is_ok(), "{now} handlers, expected {expected}");
}

fn running(live: &Live) -> &AtomicUsize {
    &live.running
}

fn started(live: &Live) -> &AtomicUsize {
    &live.started
}

/// Opens a reader and [`STUCK`] clients that never read: the stuck ones' handlers are dropped,
/// and the reader's stream goes on, checked again after `watch`.
async fn stuck_clients_go_and_a_reader_stays(
    addr: std::net::SocketAddr,
    live: &Live,
    watch: Duration,
) {
    // A client that keeps reading, however long the test takes.
    let mut reader = get(addr, "/flood", &[]).await;
    let reading = tokio::spawn(async move { while reader.next_chunk().await.is_some() {} });
    let mut stuck = Vec::new();
    for _ in 0..STUCK {
        stuck.push(stuck_client(addr).await);
    }
    becomes(live, started, STUCK + 1).await;

    becomes(live, running, 1).await;
    tokio::time::sleep(watch).await;
    assert_eq!(live.running.load(Ordering::SeqCst), 1, "the reader was cut");
    assert!(!reading.is_finished(), "the reader's stream goes on");
    reading.abort();
    drop(stuck);
}

#[tokio::test]
async fn clients_that_never_read_are_closed_at_the_deadline_and_readers_go_on() {
    let deadline = Duration::from_millis(300);
    let (addr, live) = serve_flood(|tcp| WriteDeadline::new(tcp).deadline(deadline)).await;
    stuck_clients_go_and_a_reader_stays(addr, &live, deadline * 2).await;
}

#[tokio::test]
async fn without_the_deadline_clients_that_never_read_are_held() {
    let (addr, live) = serve_flood(|tcp| tcp).await;
    let mut stuck = Vec::new();
    for _ in 0..STUCK {
        stuck.push(stuck_client(addr).await);
    }
    becomes(&live, running, STUCK).await;
    // Ten times the deadline above: nothing lets them go.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(live.running.load(Ordering::SeqCst), STUCK);
    drop(stuck);
    becomes(&live, running, 0).await;
}

/// A slowloris client: a request head sent a header at a time, never finished. Returns whether
/// the server closed the connection within `patience`.
async fn slowloris_is_closed(addr: std::net::SocketAddr, patience: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /flood HTTP/1.1\r\nhost: test\r\n")
        .await
        .unwrap();
    let dribble = async {
        for n in 0.. {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let header = format!("x-slow-{n}: 1\r\n");
            if stream.write_all(header.as_bytes()).await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(patience, dribble).await;
    let mut rest = [0u8; 1];
    // A closed connection reads as the end (or a reset); an open one has nothing to read.
    matches!(
        tokio::time::timeout(Duration::from_millis(200), stream.read(&mut rest)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_closed_at_the_header_deadline() {
    let (addr, _live) =
        serve_flood(|tcp| WriteDeadline::new(tcp).header_deadline(Duration::from_millis(500)))
            .await;
    assert!(slowloris_is_closed(addr, Duration::from_secs(2)).await);

    // Without it, the connection is held for as long as the client dribbles.
    let (unguarded, _live) = serve_flood(|tcp| tcp).await;
    assert!(!slowloris_is_closed(unguarded, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn a_stream_outlives_the_header_deadline() {
    let (addr, live) =
        serve_flood(|tcp| WriteDeadline::new(tcp).header_deadline(Duration::from_millis(200)))
            .await;
    let mut reader = get(addr, "/flood", &[]).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(reader.next_chunk().await.is_some());
    }
    assert_eq!(live.running.load(Ordering::SeqCst), 1);
}

/// An HTTP/2 connection (cleartext, prior knowledge) whose client grants the server 64 KiB of
/// window, for the connection and for each stream, and never reads: flow control, not the
/// socket, stops the server's writes.
async fn h2_client_that_never_reads(
    addr: std::net::SocketAddr,
) -> hyper::client::conn::http2::SendRequest<String> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .initial_stream_window_size(65_535)
            .initial_connection_window_size(65_535)
            .handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(connection);
    sender
}

/// Opens `/flood` on `sender`; the response is kept, never read.
async fn open_unread(
    sender: &mut hyper::client::conn::http2::SendRequest<String>,
) -> http::Response<hyper::body::Incoming> {
    let request = http::Request::get("http://test/flood")
        .body(String::new())
        .unwrap();
    tokio::time::timeout(PATIENCE, sender.send_request(request))
        .await
        .expect("no response head in time")
        .unwrap()
}

#[tokio::test]
async fn http2_streams_nobody_reads_end_at_the_stall_deadline_and_give_their_places_back() {
    const STREAMS: usize = 10;
    let deadline = Duration::from_millis(200);
    // The socket never fills, so `WriteDeadline` would see nothing: the stream guards itself.
    let (addr, live) = serve_flood_api(
        |api| api.stall_deadline(deadline).max_streams(STREAMS),
        |tcp| tcp,
    )
    .await;
    let mut unread = h2_client_that_never_reads(addr).await;
    let mut responses = Vec::new();
    for _ in 0..STREAMS {
        responses.push(open_unread(&mut unread).await);
    }
    becomes(&live, started, STREAMS).await;

    becomes(&live, running, 0).await;
    // Their places under the cap are free again: a reader gets its stream, and keeps it for
    // many times the deadline.
    let mut reader = tidings_test_support::request_h2(
        addr,
        http::Request::get("http://test/flood")
            .body(String::new())
            .unwrap(),
    )
    .await;
    assert_eq!(reader.head.status, http::StatusCode::OK);
    let reading_until = tokio::time::Instant::now() + deadline * 10;
    while tokio::time::Instant::now() < reading_until {
        assert!(reader.next_chunk().await.is_some(), "the reader was cut");
    }
    assert_eq!(live.running.load(Ordering::SeqCst), 1);
    drop(responses);
}

/// Whether the server closes `stream` within `patience`; whatever it sends before is read and
/// dropped.
async fn closed_within(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    patience: Duration,
) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 4096];
    let until_closed = async { while stream.read(&mut buffer).await.is_ok_and(|read| read > 0) {} };
    tokio::time::timeout(patience, until_closed).await.is_ok()
}

/// Deadlines short enough for a test: 300 ms idle, 300 ms for a request head.
fn short(tcp: tokio::net::TcpListener) -> WriteDeadline<tokio::net::TcpListener> {
    WriteDeadline::new(tcp)
        .idle_timeout(Duration::from_millis(300))
        .header_deadline(Duration::from_millis(300))
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_idle_timeout() {
    let (addr, _live) = serve_flood(short).await;
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(3)).await);

    // Without it, the connection is held.
    let (unguarded, _live) = serve_flood(|tcp| tcp).await;
    let mut silent = tokio::net::TcpStream::connect(unguarded).await.unwrap();
    assert!(!closed_within(&mut silent, Duration::from_secs(1)).await);
}

#[tokio::test]
async fn a_keep_alive_connection_is_closed_when_idle_after_its_answer() {
    use tokio::io::AsyncReadExt;
    let (addr, _live) = serve_flood(short).await;
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"POST /upload HTTP/1.1\r\nhost: test\r\ncontent-length: 2\r\n\r\nhi")
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let read = client.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n2"), "{answer}");
    assert!(closed_within(&mut client, Duration::from_secs(3)).await);
}

#[tokio::test]
async fn an_upload_slower_than_the_header_deadline_is_not_cut() {
    use tokio::io::AsyncReadExt;
    let (addr, _live) = serve_flood(short).await;
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"POST /upload HTTP/1.1\r\nhost: test\r\ncontent-length: 10\r\n\r\n")
        .await
        .unwrap();
    // 10 bytes, one every 100 ms: the body takes three header deadlines, and is never idle.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.write_all(b"x").await.expect("the upload was cut");
    }
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(PATIENCE, client.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(answer.ends_with("\r\n\r\n10"), "{answer:?}");
}

#[tokio::test]
async fn an_upgraded_connection_may_stay_quiet() {
    use tokio::io::AsyncReadExt;
    let (addr, _live) = serve_flood(short).await;
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client
        .write_all(
            b"GET /echo HTTP/1.1\r\nhost: test\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = vec![0u8; 4096];
    let read = client.read(&mut head).await.unwrap();
    let head = String::from_utf8_lossy(&head[..read]).into_owned();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    // Half a line, then silence for many idle timeouts: the protocol's business, not ours.
    client.write_all(b"still ").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    client
        .write_all(b"here\n")
        .await
        .expect("the upgraded connection was cut");
    let mut echoed = [0u8; 11];
    tokio::time::timeout(PATIENCE, client.read_exact(&mut echoed))
        .await
        .unwrap()
        .expect("the upgraded connection was cut");
    assert_eq!(&echoed, b"still here\n");
}

/// HTTP/2's connection preface, then an empty SETTINGS frame: a client that opens no stream.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

#[tokio::test]
async fn an_http2_connection_without_streams_is_closed_at_the_idle_timeout() {
    let (addr, _live) = serve_flood(short).await;
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client.write_all(H2_PREFACE).await.unwrap();
    assert!(closed_within(&mut client, Duration::from_secs(3)).await);
}

#[tokio::test]
async fn an_http2_stream_outlives_the_idle_and_header_deadlines() {
    let (addr, live) = serve_flood(short).await;
    let mut reader = tidings_test_support::request_h2(
        addr,
        http::Request::get("http://test/flood")
            .body(String::new())
            .unwrap(),
    )
    .await;
    let reading_until = tokio::time::Instant::now() + Duration::from_millis(1500);
    while tokio::time::Instant::now() < reading_until {
        assert!(reader.next_chunk().await.is_some(), "the reader was cut");
    }
    assert_eq!(live.running.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_http2_connection_that_only_pings_is_closed_at_the_idle_timeout() {
    let (addr, _live) = serve_flood(short).await;
    let client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reading, mut writing) = client.into_split();
    writing.write_all(H2_PREFACE).await.unwrap();
    // A PING every 100 ms: the server answers each, but nobody asks for anything.
    const PING: &[u8] = b"\0\0\x08\x06\0\0\0\0\0pingping";
    let pinging = tokio::spawn(async move {
        while writing.write_all(PING).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let closed = closed_within(&mut reading, Duration::from_secs(3)).await;
    pinging.abort();
    assert!(closed, "PINGs kept an idle connection open");
}

#[tokio::test]
async fn over_http1_without_write_deadline_the_stall_deadline_drops_stuck_handlers() {
    let deadline = Duration::from_millis(300);
    let (addr, live) = serve_flood_api(|api| api.stall_deadline(deadline), |tcp| tcp).await;
    stuck_clients_go_and_a_reader_stays(addr, &live, deadline * 3).await;
}
