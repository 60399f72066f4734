//! A stream that tells its client which HTTP version its request came in: the TLS and
//! HTTP/2 tests read it to see what a client negotiated.

use tidings::{sse_events, sse_handler, Error, Sender};

#[sse_events(rename_all = "snake_case")]
pub enum Greeting {
    /// The HTTP version of the stream's request (`HTTP/2.0`, `HTTP/1.1`).
    #[sse(raw)]
    Version(String),
}

/// `GET /streams/{n}`: one `version` event, then open until the client leaves.
#[sse_handler(get, "/streams/{n}")]
pub async fn greet(version: http::Version, tx: Sender<Greeting>) -> Result<(), Error> {
    tx.send(Greeting::Version(format!("{version:?}"))).await?;
    tx.closed().await;
    Ok(())
}
