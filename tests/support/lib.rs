//! Helpers shared by the integration tests and benchmarks: a router served on a real loopback
//! socket, and a raw HTTP/1.1 client that reads a stream chunk by chunk.

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
    /// Keeps the connection driven.
    _connection: tokio::task::JoinHandle<()>,
}

/// Sends one request over a fresh HTTP/1.1 connection and returns as soon as the head arrives.
pub async fn request(addr: SocketAddr, request: http::Request<String>) -> OpenStream {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    open(sender.send_request(request), connection).await
}

/// Sends one request over a fresh HTTP/2 connection (cleartext, prior knowledge).
pub async fn request_h2(addr: SocketAddr, request: http::Request<String>) -> OpenStream {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        TokioIo::new(tcp),
    )
    .await
    .unwrap();
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    open(sender.send_request(request), connection).await
}

/// Waits for the response head of a request sent on `connection`.
async fn open(
    response: impl std::future::Future<Output = hyper::Result<http::Response<Incoming>>>,
    connection: tokio::task::JoinHandle<()>,
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
    /// The next body chunk, `None` at the end of the body. Fails the test after [`PATIENCE`].
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.body.frame())
                .await
                .expect("no body chunk in time")?
                .expect("body error");
            if let Ok(data) = frame.into_data() {
                return Some(data);
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
