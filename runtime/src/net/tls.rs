//! [`TlsListener`]: TLS connections for `axum::serve`, HTTP/2 or HTTP/1.1 by ALPN (feature
//! `tls`).
//!
//! Handshakes run beside the accept loop, each in its own task and within a deadline, so a
//! client that connects and never finishes its handshake holds neither the loop nor anyone
//! else's connection.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A listener whose connections speak TLS, for `axum::serve`: HTTP/2 when the client offers it
/// (as every browser does over HTTPS), HTTP/1.1 otherwise. Wrap it in
/// [`WriteDeadline`](crate::WriteDeadline), whose protections then apply to what runs inside
/// TLS, on either protocol. Feature `tls`.
///
/// ```no_run
/// # async fn run(app: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
/// let certificate = std::fs::read("cert.pem")?; // the chain, leaf first
/// let key = std::fs::read("key.pem")?;
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:443").await?;
/// let tls = tidings::TlsListener::from_pem(listener, &certificate, &key)?;
/// axum::serve(tidings::WriteDeadline::new(tls), app).await?;
/// # Ok(()) }
/// ```
///
/// Why HTTP/2 matters for event streams: over HTTP/1.1 a browser opens at most six connections
/// to one origin, so a seventh `EventSource` (a seventh tab) waits until one closes; over
/// HTTP/2 all of a page's streams share one connection.
///
/// A handshake must finish within [`HANDSHAKE_TIMEOUT`](TlsListener::HANDSHAKE_TIMEOUT)
/// (10 s), and at most [`MAX_HANDSHAKES`](TlsListener::MAX_HANDSHAKES) run at once; past that,
/// new connections wait in the kernel's backlog.
pub struct TlsListener {
    local_addr: SocketAddr,
    /// Connections whose handshake finished, from the acceptor task.
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    acceptor: tokio::task::JoinHandle<()>,
}

/// Why a [`TlsListener`] could not be made from PEM files.
#[derive(Debug)]
pub struct TlsError(String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

impl TlsListener {
    /// How long a client has to finish its TLS handshake.
    pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
    /// How many handshakes may run at once.
    pub const MAX_HANDSHAKES: usize = 1024;

    /// TLS over `listener` with `config`. A config without ALPN protocols is given `h2` and
    /// `http/1.1`, so that clients may choose HTTP/2; one with its own list keeps it.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        TlsListener::with_handshake_timeout(listener, config, TlsListener::HANDSHAKE_TIMEOUT)
    }

    /// [`new`](TlsListener::new), with a handshake deadline of `timeout`.
    pub fn with_handshake_timeout(
        listener: TcpListener,
        mut config: Arc<ServerConfig>,
        timeout: Duration,
    ) -> io::Result<Self> {
        if config.alpn_protocols.is_empty() {
            Arc::make_mut(&mut config).alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        let local_addr = listener.local_addr()?;
        let (handshaken, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_forever(
            listener,
            TlsAcceptor::from(config),
            timeout,
            handshaken,
        ));
        Ok(TlsListener {
            local_addr,
            ready,
            acceptor,
        })
    }

    /// TLS over `listener` with the certificate chain (leaf first) and private key of PEM
    /// files, HTTP/2 and HTTP/1.1 offered.
    ///
    /// # Errors
    ///
    /// The PEM holds no certificate or no key, or the key does not fit the certificate.
    pub fn from_pem(
        listener: TcpListener,
        certificate_chain: &[u8],
        private_key: &[u8],
    ) -> Result<Self, TlsError> {
        let chain = CertificateDer::pem_slice_iter(certificate_chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError(format!("the certificate chain is not valid PEM: {e}")))?;
        if chain.is_empty() {
            return Err(TlsError(
                "the certificate chain holds no `CERTIFICATE` block".to_owned(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(private_key)
            .map_err(|e| TlsError(format!("the private key is not a PEM private key: {e}")))?;
        // The provider named, not the process default: another crate's rustls features may
        // make the default ambiguous.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|e| TlsError(format!("the certificate and key cannot serve TLS: {e}")))?;
        TlsListener::new(listener, Arc::new(config))
            .map_err(|e| TlsError(format!("the listener has no local address: {e}")))
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The acceptor ends only with the listener (it retries accept errors), which is
            // being polled here: nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

/// Accepts TCP connections and hands each to a handshake task, at most
/// [`TlsListener::MAX_HANDSHAKES`] at once.
async fn accept_forever(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    timeout: Duration,
    handshaken: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(TlsListener::MAX_HANDSHAKES));
    loop {
        let Ok(permit) = handshakes.clone().acquire_owned().await else {
            return;
        };
        let (tcp, addr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // As axum::serve does: out of file descriptors, say; wait rather than spin.
                tracing::error!(error = %e, "accepting a TCP connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let handshaken = handshaken.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = handshaken.send((tls, addr)).await;
                }
                Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
            }
        });
    }
}
