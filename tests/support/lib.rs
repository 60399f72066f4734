//! Helpers shared by the integration tests and benchmarks: a router served on a real loopback
//! socket, a raw HTTP client that reads a stream chunk by chunk, a deterministic random number
//! generator, and the check for the npm packages some tests run. The one support crate of the
//! tests, beside `tidings::testing`, which users have too; its modules:
//!
//! - [`http_version`]: a stream that tells which HTTP version its request came in;
//! - [`hub_feed`]: the hub fixture the in-process and Redis hub tests share;
//! - [`openapi_checks`]: checking events against an API document, snapshots, external validators;
//! - [`example_pages`]: what every example's test checks besides its streams.

pub mod example_pages;
pub mod http_version;
pub mod hub_feed;
pub mod openapi_checks;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;

/// How long any single wait in a test may take before the test fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A router served on `127.0.0.1` on a free port, until dropped.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on a free loopback port.
pub async fn serve(router: axum::Router) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    TestServer { addr, task }
}

/// A response whose body is read as it arrives.
pub struct OpenStream {
    /// Status and headers.
    pub head: http::response::Parts,
    body: Incoming,
    /// The task driving the connection: its own, or one the streams of an HTTP/2 connection
    /// share.
    _connection: std::sync::Arc<tokio::task::JoinHandle<()>>,
}

/// Sends one request over a fresh HTTP/1.1 connection and returns as soon as the head arrives.
pub async fn request(addr: SocketAddr, request: http::Request<String>) -> OpenStream {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    request_on(tcp, request).await
}

/// Sends one request over HTTP/1.1 on `io`, a connection made by the caller (TLS, say).
pub async fn request_on<I>(io: I, request: http::Request<String>) -> OpenStream
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .unwrap();
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    open(
        sender.send_request(request),
        std::sync::Arc::new(connection),
    )
    .await
}

/// Sends one request over a fresh HTTP/2 connection (cleartext, prior knowledge).
pub async fn request_h2(addr: SocketAddr, request: http::Request<String>) -> OpenStream {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut h2 = H2Connection::on(tcp).await;
    h2.request(request).await
}

/// One HTTP/2 connection, on which each request is a stream of its own.
pub struct H2Connection {
    sender: hyper::client::conn::http2::SendRequest<String>,
    connection: std::sync::Arc<tokio::task::JoinHandle<()>>,
}

impl H2Connection {
    /// HTTP/2 on `io`, a connection made by the caller (cleartext with prior knowledge, or TLS
    /// that negotiated `h2`).
    pub async fn on<I>(io: I) -> H2Connection
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            TokioIo::new(io),
        )
        .await
        .unwrap();
        let connection = tokio::spawn(async move {
            let _ = connection.await;
        });
        H2Connection {
            sender,
            connection: std::sync::Arc::new(connection),
        }
    }

    /// Sends `request` as a new stream of the connection; returns once its head arrives.
    pub async fn request(&mut self, request: http::Request<String>) -> OpenStream {
        open(self.sender.send_request(request), self.connection.clone()).await
    }
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, made for one test run.
pub struct TestCertificate {
    /// The certificate, PEM.
    pub certificate: String,
    /// Its private key, PEM.
    pub key: String,
}

impl TestCertificate {
    pub fn new() -> TestCertificate {
        let made = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .unwrap();
        TestCertificate {
            certificate: made.cert.pem(),
            key: made.key_pair.serialize_pem(),
        }
    }

    /// Connects to `addr` over TLS, trusting only this certificate, offering `alpn` (`h2`,
    /// `http/1.1`); returns the connection and the protocol the server chose.
    pub async fn connect(
        &self,
        addr: SocketAddr,
        alpn: &[&str],
    ) -> (
        tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
        Option<String>,
    ) {
        use tokio_rustls::rustls::{self, pki_types::pem::PemObject};
        let mut roots = rustls::RootCertStore::empty();
        let certificate =
            rustls::pki_types::CertificateDer::from_pem_slice(self.certificate.as_bytes()).unwrap();
        roots.add(certificate).unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let tls = tokio::time::timeout(PATIENCE, connector.connect(name, tcp))
            .await
            .expect("no TLS handshake in time")
            .unwrap();
        let protocol = tls
            .get_ref()
            .1
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        (tls, protocol)
    }
}

impl Default for TestCertificate {
    fn default() -> Self {
        TestCertificate::new()
    }
}

/// Waits for the response head of a request sent on the connection `connection` drives.
async fn open(
    response: impl std::future::Future<Output = hyper::Result<http::Response<Incoming>>>,
    connection: std::sync::Arc<tokio::task::JoinHandle<()>>,
) -> OpenStream {
    let response = tokio::time::timeout(PATIENCE, response)
        .await
        .expect("no response head in time")
        .unwrap();
    let (head, body) = response.into_parts();
    OpenStream {
        head,
        body,
        _connection: connection,
    }
}

/// `GET path` with optional extra headers.
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> OpenStream {
    let mut builder = http::Request::get(format!("http://{addr}{path}")).header("host", "test");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    request(addr, builder.body(String::new()).unwrap()).await
}

impl OpenStream {
    /// The next body chunk, `None` at the end of the body. Fails the test after [`PATIENCE`],
    /// or when the body fails.
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        self.next_data().await.map(|data| data.expect("body error"))
    }

    /// The next body chunk, `None` at the end of the body or when it fails (a stream cut
    /// by the server). Fails the test after [`PATIENCE`].
    pub async fn try_next_chunk(&mut self) -> Option<Bytes> {
        self.next_data().await?.ok()
    }

    async fn next_data(&mut self) -> Option<hyper::Result<Bytes>> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.body.frame())
                .await
                .expect("no body chunk in time")?;
            match frame.map(|frame| frame.into_data()) {
                Ok(Ok(data)) => return Some(Ok(data)),
                Ok(Err(_trailers)) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Reads until the text received so far contains `needle`; returns all of it.
    pub async fn read_until(&mut self, needle: &str) -> String {
        let mut text = String::new();
        while !text.contains(needle) {
            let chunk = self
                .next_chunk()
                .await
                .unwrap_or_else(|| panic!("stream ended before {needle:?}; got {text:?}"));
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        text
    }

    /// Reads the whole body.
    pub async fn read_to_end(&mut self) -> String {
        let mut text = String::new();
        while let Some(chunk) = self.next_chunk().await {
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        text
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// A tiny deterministic PRNG (xorshift64*): reproducible inputs without a dependency.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True once in `in_n` times.
    pub fn chance(&mut self, in_n: usize) -> bool {
        self.below(in_n) == 0
    }

    /// One of `items`.
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// Whether npm package `package` is installed under `tests/js` (by `.ci/run`). When it is not,
/// the calling test must return: under `CI=true` this fails the test instead, since CI must run
/// every test.
pub fn js_dependency(package: &str) -> bool {
    npm_installed("tests/js", package)
}

/// Whether npm package `package` is installed in the npm project at `project` (a folder of the
/// repository); otherwise says the calling test is skipped (under `CI=true`, fails it).
pub fn npm_installed(project: &str, package: &str) -> bool {
    let installed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(project)
        .join("node_modules")
        .join(package)
        .is_dir();
    if !installed {
        skipped(&format!(
            "npm package `{package}` missing: run `npm ci --prefix {project}`"
        ));
    }
    installed
}

/// Asserts that the checked-in file `path` holds `made` (what `how` makes of it now); with
/// `UPDATE_SNAPSHOTS` set, writes `made` there instead, for review as a diff.
pub fn assert_checked_in(path: &std::path::Path, made: &str, how: &str) {
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, made).unwrap();
        return;
    }
    let Ok(checked_in) = std::fs::read_to_string(path) else {
        panic!(
            "no {}: run with UPDATE_SNAPSHOTS=1, then review it",
            path.display()
        )
    };
    assert!(
        checked_in == made,
        "{} is not what {how} makes of it now; review the change and run with \
         UPDATE_SNAPSHOTS=1 if it is intended. Now:\n{made}",
        path.display()
    );
}

/// Says that a test is skipped because `missing` is: on the terminal even when the test passes
/// (straight to standard error, which the test harness does not capture, unlike `eprintln!`),
/// so that nobody mistakes a skip for a pass. Under `CI=true` it fails the test instead: CI
/// must run every test.
pub fn skipped(missing: &str) {
    use std::io::Write;
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{missing}");
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {missing}");
}

/// A `redis-server` of its own, on a free loopback port, with its files in a temporary
/// directory; killed and removed when dropped.
pub struct RedisServer {
    port: u16,
    dir: std::path::PathBuf,
    persistent: bool,
    /// More of `redis-server`'s options, as `--name value` pairs.
    options: Vec<String>,
    process: Option<std::process::Child>,
}

impl RedisServer {
    /// Starts one, or returns `None` when `redis-server` is not installed (`.ci/run` installs
    /// it): the calling test must then return. Under `CI=true` a missing server fails instead.
    /// A `persistent` server writes every command to its append-only file before answering,
    /// so it keeps its data when killed and restarted.
    pub fn start(persistent: bool) -> Option<RedisServer> {
        RedisServer::start_with(persistent, &[])
    }

    /// [`start`](RedisServer::start), with more of `redis-server`'s options
    /// (`["--cluster-enabled", "yes"]`).
    pub fn start_with(persistent: bool, options: &[&str]) -> Option<RedisServer> {
        let installed = std::process::Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success());
        if !installed {
            skipped("redis-server missing: install it (apt-get install -y redis-server) or run `bash .ci/run`");
            return None;
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tidings-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = RedisServer {
            port,
            dir,
            persistent,
            options: options.iter().map(|option| option.to_string()).collect(),
            process: None,
        };
        server.restart();
        Some(server)
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Sends one inline command on a connection of its own; returns the reply's text.
    pub fn command(&self, command: &str) -> String {
        use std::io::{Read, Write};
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        tcp.write_all(format!("{command}\r\n").as_bytes()).unwrap();
        tcp.shutdown(std::net::Shutdown::Write).unwrap();
        // Redis answers, then closes the connection once it has read to the end.
        let mut reply = String::new();
        let _ = tcp.read_to_string(&mut reply);
        reply
    }

    /// How many clients are connected, this query's own connection not counted.
    pub fn connected_clients(&self) -> usize {
        self.info("clients", "connected_clients") as usize - 1
    }

    /// The number `field` of `INFO section`.
    pub fn info(&self, section: &str, field: &str) -> u64 {
        let reply = self.command(&format!("INFO {section}"));
        let value = reply
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .unwrap_or_else(|| panic!("INFO {section} reports {field}"));
        value.trim().parse().unwrap()
    }

    /// Kills the server at once (SIGKILL: no chance to save anything).
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the server (again) on the same port and directory, and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let appendonly = if self.persistent { "yes" } else { "no" };
        let process = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--save",
                "",
                "--appendonly",
                appendonly,
                "--appendfsync",
                "always",
            ])
            .args(&self.options)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.process = Some(process);
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            if let Ok(mut tcp) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let mut reply = [0u8; 64];
                let answered = tcp.write_all(b"PING\r\n").is_ok()
                    && tcp
                        .read(&mut reply)
                        .is_ok_and(|n| reply[..n].starts_with(b"+PONG"));
                if answered {
                    return;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Debian's headless Chromium (or `$CHROMIUM`), for the browser tests, when it and the
/// playwright-core driver are installed; otherwise `None`, after saying the test is skipped
/// (under `CI=true`, failing it).
pub fn chromium() -> Option<std::path::PathBuf> {
    if !js_dependency("playwright-core") {
        return None;
    }
    let chromium = std::env::var_os("CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into());
    let chromium = std::path::PathBuf::from(chromium);
    if chromium.exists() {
        Some(chromium)
    } else {
        skipped("headless Chromium (Debian's `chromium` package; `.ci/run` installs it)");
        None
    }
}

/// Where a browser test keeps its screenshot `name`: `target/browser-screenshots/name.png`.
pub fn screenshot(name: &str) -> std::path::PathBuf {
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    shots.join(format!("{name}.png"))
}

/// Runs `tests/js/<script>` with `args` and `chromium`, and parses what it prints as JSON.
/// Fails the test when the script fails or takes over a minute.
pub async fn browser(
    chromium: &std::path::Path,
    script: &str,
    args: &[&std::ffi::OsStr],
) -> serde_json::Value {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/js")
        .join(script);
    let run = tokio::process::Command::new("node")
        .arg(&script)
        .args(args)
        .env("CHROMIUM", chromium)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the browser finished in time")
        .expect("node runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the browser run failed: {stderr}");
    serde_json::from_slice(&output.stdout).expect("the browser script prints JSON")
}

/// The cuttable proxy users get from `tidings::testing`; the tests use the same one.
pub use tidings::testing::CutProxy;

/// Counts the handlers running now: a handler holds the guard [`enter`](LiveHandlers::enter)
/// gives it, so that a handler that was dropped (its client gone, the server shut down) no
/// longer counts.
#[derive(Clone, Default)]
pub struct LiveHandlers(std::sync::Arc<std::sync::atomic::AtomicUsize>);

/// A running handler, counted until dropped.
pub struct LiveGuard(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl LiveHandlers {
    /// Counts one more running handler, until the guard is dropped.
    pub fn enter(&self) -> LiveGuard {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        LiveGuard(self.0.clone())
    }

    /// How many are running.
    pub fn now(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until `expected` are running; fails the test after [`PATIENCE`].
    pub async fn reach(&self, expected: usize) {
        let reached = tokio::time::timeout(PATIENCE, async {
            while self.now() != expected {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        let now = self.now();
        assert!(
            reached.is_ok(),
            "{now} handlers running, expected {expected}"
        );
    }
}

/// The `tracing` events logged on this thread since it started, one line each: the fields as
/// `name=value`, the message first. For tests of what tidings logs; a `#[tokio::test]` runs on
/// one thread, so the server's logs are caught too.
///
/// It installs a process-wide subscriber that keeps every thread's events (the first capture
/// installs it), and keeps this thread's. A per-thread subscriber (`set_default`) would be
/// simpler, but `tracing` caches whether a log statement is enabled, and a test running at the
/// same time without one could have it cached as disabled.
pub struct LogCapture {
    thread: std::thread::ThreadId,
    from: usize,
}

type CapturedLines = std::sync::Mutex<Vec<(std::thread::ThreadId, String)>>;

static CAPTURED: std::sync::OnceLock<std::sync::Arc<CapturedLines>> = std::sync::OnceLock::new();

impl LogCapture {
    /// Starts catching this thread's events.
    pub fn start() -> LogCapture {
        let captured = CAPTURED.get_or_init(|| {
            let captured = std::sync::Arc::<CapturedLines>::default();
            tracing::subscriber::set_global_default(CaptureSubscriber(captured.clone()))
                .expect("no other global tracing subscriber in this test binary");
            captured
        });
        LogCapture {
            thread: std::thread::current().id(),
            from: captured.lock().unwrap().len(),
        }
    }

    /// What this thread logged since the capture started.
    pub fn lines(&self) -> Vec<String> {
        let captured = CAPTURED.get().unwrap().lock().unwrap();
        captured[self.from..]
            .iter()
            .filter(|(thread, _)| *thread == self.thread)
            .map(|(_, line)| line.clone())
            .collect()
    }
}

struct CaptureSubscriber(std::sync::Arc<CapturedLines>);

impl tracing::Subscriber for CaptureSubscriber {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = String::new();
        event.record(&mut CapturedFields(&mut line));
        let line = line.trim_end().to_owned();
        self.0
            .lock()
            .unwrap()
            .push((std::thread::current().id(), line));
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

struct CapturedFields<'a>(&'a mut String);

impl tracing::field::Visit for CapturedFields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={value:?} ", field.name()));
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!("{}={value} ", field.name()));
    }
}
