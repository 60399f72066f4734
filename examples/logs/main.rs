//! The logs example: a page that follows a log file live, line by line. Each line's event id is
//! its line number, so a browser that reconnects continues after the last line it saw.
//!
//! Run it with `cargo run -p tidings-examples --bin logs`, then open the printed URL.
//! `LOG_FILE` chooses the file to follow; without it, the example writes a made-up log in a
//! temporary directory, a line every 500 ms. `PORT` chooses the port (default 3003; 0 picks a
//! free one).

use tidings_examples::logs as app;
mod fake_log;
use tidings_examples::serve;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let path = match std::env::var_os("LOG_FILE") {
        Some(path) => path.into(),
        None => fake_log::start().await?,
    };
    println!("following {}", path.display());
    let shutdown = tidings::Shutdown::new();
    serve::serve("logs", 3003, app::app(path, shutdown.clone()), shutdown).await
}
