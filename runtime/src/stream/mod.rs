//! The stream: one handler's events from its [`Sender`] to the socket. The sender and its
//! bounded queue, the response body that drains it (keep-alive, stall and age timers,
//! shutdown), the head and its headers, the driver that runs a handler and decides its
//! response, the caps on open streams, and what a failure after the head becomes. Built on
//! [`wire`](crate::wire) alone: it knows neither the hub nor the API above it.

mod body;
mod config;
mod head;
mod keep_alive;
mod late_error;
mod limits;
pub(crate) mod metrics;
mod outcome;
mod queue;
mod respond;
mod sender;
mod shutdown;
mod stall;

pub use config::StreamConfig;
pub use head::ResponseHeader;
pub use keep_alive::{KeepAlive, KeepAliveSetting};
pub use late_error::LateError;
pub(crate) use limits::StreamLimits;
pub use outcome::{Failure, HandlerOutcome};
pub use respond::serve;
pub use sender::{Sender, Sending};
pub use shutdown::Shutdown;
pub(crate) use stall::StallWatch;
