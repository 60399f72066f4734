//! tidings: typed, documented Server-Sent Events services on axum and tokio.
//!
//! Declare a stream's events once, as an enum, and write the stream as one async function:
//!
//! ```
//! use axum::extract::Path;
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//! use tidings::{sse_events, sse_handler, Error, Message, Sender, SseApi};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
//! pub struct Score { home: u8, away: u8 }
//!
//! /// What happens in a match.
//! #[sse_events(rename_all = "snake_case")]
//! #[derive(Debug, PartialEq)]
//! pub enum MatchEvent {
//!     /// The score changed (JSON data).
//!     Goal(Score),
//!     /// A line of live commentary (raw text data).
//!     #[sse(raw)]
//!     Commentary(String),
//!     /// The final whistle (empty data).
//!     FullTime,
//! }
//!
//! /// Live events of one match.
//! #[sse_handler(get, "/matches/{id}/events", tag = "matches")]
//! async fn match_events(Path(id): Path<u32>, tx: Sender<MatchEvent>) -> Result<(), Error> {
//!     tx.send(MatchEvent::Commentary(format!("Kick-off in match {id}"))).await?;
//!     tx.send(Message::new(MatchEvent::Goal(Score { home: 1, away: 0 })).id(1)).await?;
//!     // tx.send(42).await?;   // does not compile: this stream carries MatchEvent only
//!     tx.send(MatchEvent::FullTime).await
//! }
//!
//! let api = SseApi::new("Matches", "1.0.0").handler(match_events);
//! let document = api.openapi_json();       // OpenAPI 3.2, one itemSchema branch per event
//! assert_eq!(document["openapi"], "3.2.0");
//! let app: axum::Router = api.into_router();
//!
//! // The same enum decodes the stream on the client side; here in-process, with no port.
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let client = tidings::testing::TestClient::new(app);
//! let events = client.get("/matches/7/events").await.collect::<MatchEvent>().await.unwrap();
//! assert_eq!(events, [
//!     MatchEvent::Commentary("Kick-off in match 7".into()),
//!     MatchEvent::Goal(Score { home: 1, away: 0 }),
//!     MatchEvent::FullTime,
//! ]);
//! # });
//! ```
//!
//! Where to go next: [`sse_events`] and [`sse_handler`] for what the macros accept, [`Sender`]
//! for sending (backpressure, `forward`, `every`), [`SseApi`] for settings (keep-alive, open
//! deadline, buffer, shutdown, OpenAPI and docs routes), [`client`] for decoding streams and the
//! reconnecting `EventSource` (feature `client`), and [`testing`] for testing streams.
#![deny(missing_docs)]
// docs.rs (`--cfg docsrs`, nightly) marks each item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Lets unit tests use the macros, whose code names `::tidings`.
#[cfg(test)]
extern crate self as tidings;

// The layers, from the bottom (ARCHITECTURE.md; `tests/layers.rs` checks that no module
// imports one above it).
mod api;
pub mod client;
mod error;
pub mod hub;
mod net;
mod stream;
pub mod testing;
mod util;
mod wire;

/// The types in [`Sender`]'s signatures, which a handler seldom names: the future
/// [`Sender::send`] returns, and what `send` and [`Sender::forward`] accept.
pub mod send {
    pub use crate::stream::Sending;
    pub use crate::wire::{Forward, IntoMessage};
}

pub use api::{codegen, openapi, SseApi};
pub use error::{Error, HeaderError};
#[cfg(feature = "tls")]
pub use net::tls::{TlsError, TlsListener};
pub use net::write_deadline::WriteDeadline;
pub use stream::{KeepAlive, Sender, Shutdown};
pub use tidings_macros::{sse_events, sse_handler};
pub use wire::{
    DecodeError, DecodeEvents, EncodeError, EventId, InvalidField, LastEventId,
    LastEventIdRejection, Message, SseEvents,
};
