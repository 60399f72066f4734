//! The chat example: rooms whose messages reach every member live, a bot that streams its
//! replies token by token, and browsers that get what they missed when they reconnect (the
//! rooms' events go through a `tidings::hub::Hub`).
//!
//! Run it with `cargo run -p tidings-examples --bin chat`, then open the printed URL in a
//! browser.
//!
//! `PORT` chooses the port (default 3000; 0 picks a free one). With `REDIS_URL` set (for example
//! `redis://127.0.0.1:6379/`) the rooms live in Redis, so several instances serve the same rooms
//! and a browser resumes on any of them.

use tidings_examples::chat as app;
use tidings_examples::serve;

use tidings::hub::Hub;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rooms = Hub::builder().replay(app::REPLAY);
    let hub: Hub<app::ChatEvent> = match std::env::var("REDIS_URL") {
        Ok(url) => rooms.redis(&url).await?,
        Err(_) => rooms.build(), // kept in this process
    };
    let shutdown = tidings::Shutdown::new();
    let app = app::app(hub, shutdown.clone());
    serve::serve("chat", 3000, app, shutdown).await?;
    Ok(())
}
