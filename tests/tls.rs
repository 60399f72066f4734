//! Serving over TLS (`TlsListener`, feature `tls`) on real sockets, with a certificate made for
//! the run: HTTP/2 by ALPN with many streams on one connection, HTTP/1.1 for clients that ask
//! for it, and `WriteDeadline`'s protections inside TLS; a client that never finishes its
//! handshake is closed and holds up nobody.

use std::time::Duration;

use tidings::{SseApi, TlsListener, WriteDeadline};
use tidings_test_support::http_version::greet;
use tidings_test_support::{request_on, H2Connection, TestCertificate, PATIENCE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves the stream on `tls`, through `WriteDeadline` with an idle timeout of `idle`.
fn serve_tls(tls: TlsListener, idle: Duration) -> std::net::SocketAddr {
    let addr = axum::serve::Listener::local_addr(&tls).unwrap();
    let app = SseApi::new("Greetings", "1").handler(greet).into_router();
    let listener = WriteDeadline::new(tls).idle_timeout(idle);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A TLS listener on a free port, as a user makes one from PEM files.
async fn from_pem(certificate: &TestCertificate) -> TlsListener {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    TlsListener::from_pem(
        listener,
        certificate.certificate.as_bytes(),
        certificate.key.as_bytes(),
    )
    .unwrap()
}

fn server_config(
    certificate: &TestCertificate,
) -> std::sync::Arc<tokio_rustls::rustls::ServerConfig> {
    use tokio_rustls::rustls::{self, pki_types::pem::PemObject};
    let chain =
        vec![
            rustls::pki_types::CertificateDer::from_pem_slice(certificate.certificate.as_bytes())
                .unwrap(),
        ];
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(certificate.key.as_bytes()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    std::sync::Arc::new(config)
}

fn get(path: &str) -> http::Request<String> {
    http::Request::get(format!("https://localhost{path}"))
        .body(String::new())
        .unwrap()
}

#[tokio::test]
async fn a_browser_like_client_gets_http2_and_ten_streams_share_one_connection() {
    let certificate = TestCertificate::new();
    let addr = serve_tls(from_pem(&certificate).await, Duration::from_secs(60));
    let (tls, protocol) = certificate.connect(addr, &["h2", "http/1.1"]).await;
    assert_eq!(protocol.as_deref(), Some("h2"), "ALPN chose HTTP/2");
    let mut connection = H2Connection::on(tls).await;
    let mut streams = Vec::new();
    for n in 0..10 {
        streams.push(connection.request(get(&format!("/streams/{n}"))).await);
    }
    for stream in &mut streams {
        assert_eq!(stream.head.status, 200);
        assert_eq!(stream.head.version, http::Version::HTTP_2);
        let text = stream.read_until("\n\n").await;
        assert_eq!(text, "event:version\ndata:HTTP/2.0\n\n");
    }
}

#[tokio::test]
async fn a_client_that_asks_for_http1_gets_it() {
    let certificate = TestCertificate::new();
    let addr = serve_tls(from_pem(&certificate).await, Duration::from_secs(60));
    let (tls, protocol) = certificate.connect(addr, &["http/1.1"]).await;
    assert_eq!(protocol.as_deref(), Some("http/1.1"));
    let mut stream = request_on(tls, get("/streams/1")).await;
    assert_eq!(stream.head.status, 200);
    assert_eq!(
        stream.read_until("\n\n").await,
        "event:version\ndata:HTTP/1.1\n\n"
    );
}

#[tokio::test]
async fn a_handshake_never_finished_is_closed_and_holds_up_nobody() {
    let certificate = TestCertificate::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls = TlsListener::with_handshake_timeout(
        listener,
        server_config(&certificate),
        Duration::from_millis(300),
    )
    .unwrap();
    let addr = serve_tls(tls, Duration::from_secs(60));
    // Connects and never says hello.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Meanwhile another client is served at once.
    let (tls, _) = certificate.connect(addr, &["h2"]).await;
    let mut stream = H2Connection::on(tls).await.request(get("/streams/2")).await;
    stream.read_until("\n\n").await;
    let mut byte = [0u8; 1];
    let closed = tokio::time::timeout(PATIENCE, silent.read(&mut byte))
        .await
        .expect("the silent connection was closed");
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
}

#[tokio::test]
async fn write_deadline_closes_an_idle_connection_inside_tls() {
    let certificate = TestCertificate::new();
    let addr = serve_tls(from_pem(&certificate).await, Duration::from_millis(300));
    // A finished handshake, then nothing: the idle timeout applies to what runs inside TLS.
    let (mut tls, _) = certificate.connect(addr, &["http/1.1"]).await;
    let started = tokio::time::Instant::now();
    let mut byte = [0u8; 1];
    let closed = tokio::time::timeout(PATIENCE, tls.read(&mut byte))
        .await
        .expect("the idle connection was closed");
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
    assert!(started.elapsed() >= Duration::from_millis(250));
    // A connection that sends a request in time is served.
    let (mut tls, _) = certificate.connect(addr, &["http/1.1"]).await;
    tls.write_all(b"GET /streams/3 HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut head = vec![0u8; 512];
    let n = tokio::time::timeout(PATIENCE, tls.read(&mut head))
        .await
        .unwrap()
        .unwrap();
    assert!(
        head[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&head[..n])
    );
}

#[tokio::test]
async fn pem_that_is_not_a_certificate_and_key_is_a_clear_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused = TlsListener::from_pem(listener, b"not pem", b"not pem").unwrap_err();
    assert!(refused.to_string().contains("CERTIFICATE"), "{refused}");

    let certificate = TestCertificate::new();
    let other = TestCertificate::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mismatched = TlsListener::from_pem(
        listener,
        certificate.certificate.as_bytes(),
        other.key.as_bytes(),
    )
    .unwrap_err();
    assert!(
        mismatched.to_string().contains("cannot serve TLS"),
        "{mismatched}"
    );
}
