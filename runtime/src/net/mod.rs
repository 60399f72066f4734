//! The connection beneath every stream: [`WriteDeadline`](write_deadline::WriteDeadline), a
//! listener whose connections are closed when a peer stops reading or never speaks, and
//! `TlsListener` (feature `tls`), TLS connections with HTTP/2. Uses nothing of tidings.

#[cfg(feature = "tls")]
pub(crate) mod tls;
pub(crate) mod write_deadline;
